// SPDX-License-Identifier: ISC
// Bun echo peer for the benchmarks: 127.0.0.1:PORT, ws:// or wss:// (with
// TLS_CERT and TLS_KEY).  "json" among the arguments: parse and
// re-serialise each text message (a trailing newline is kept);
// "deflate": accept permessage-deflate and compress every answer.
const port = parseInt(process.argv[2], 10);
const json = process.argv.slice(3).includes('json');
const deflate = process.argv.slice(3).includes('deflate');
const tls = process.env.TLS_CERT ? {
  cert: Bun.file(process.env.TLS_CERT), key: Bun.file(process.env.TLS_KEY),
} : undefined;
Bun.serve({
  port, hostname: '127.0.0.1', tls,
  fetch(req, server) {
    if (server.upgrade(req)) return;
    return new Response('websocket only', { status: 400 });
  },
  websocket: {
    maxPayloadLength: 64 * 1024 * 1024,
    idleTimeout: 0,
    perMessageDeflate: deflate,
    message(ws, msg) {
      if (json && typeof msg === 'string') {
        const nl = msg.endsWith('\n') ? '\n' : '';
        ws.send(JSON.stringify(JSON.parse(msg)) + nl, deflate);
      } else {
        ws.send(msg, deflate);
      }
    },
  },
});
