// SPDX-License-Identifier: ISC
// Bun publish/subscribe peer for the fan-out benchmark (bench/fanout.sh):
// 127.0.0.1:PORT; a client upgrading on /pub publishes every message it
// sends to topic "t" (server.publish), any other path subscribes to it
// (ws.subscribe): Bun's built-in broadcast.
const port = parseInt(process.argv[2], 10);
const server = Bun.serve({
  port, hostname: '127.0.0.1',
  fetch(req, server) {
    const pub = new URL(req.url).pathname === '/pub';
    if (server.upgrade(req, { data: { pub } })) return;
    return new Response('websocket only', { status: 400 });
  },
  websocket: {
    maxPayloadLength: 64 * 1024 * 1024,
    idleTimeout: 0,
    open(ws) {
      if (!ws.data.pub) ws.subscribe('t');
    },
    message(ws, msg) {
      if (ws.data.pub) server.publish('t', msg);
    },
  },
});
