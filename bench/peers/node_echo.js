// SPDX-License-Identifier: ISC
// node ws echo peer for the benchmarks: 127.0.0.1:PORT, ws:// or wss://
// (with TLS_CERT and TLS_KEY).  "json" as second argument: parse and
// re-serialise each text message (a trailing newline is kept).
'use strict';
const WebSocket = require('ws');
const fs = require('fs');
const https = require('https');

const port = parseInt(process.argv[2], 10);
const json = process.argv[3] === 'json';
const opts = { maxPayload: 64 * 1024 * 1024, perMessageDeflate: false };
let wss;
if (process.env.TLS_CERT) {
  const server = https.createServer({
    cert: fs.readFileSync(process.env.TLS_CERT),
    key: fs.readFileSync(process.env.TLS_KEY),
  });
  wss = new WebSocket.Server({ server, ...opts });
  server.listen(port, '127.0.0.1');
} else {
  wss = new WebSocket.Server({ port, host: '127.0.0.1', ...opts });
}
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    if (json && !isBinary) {
      const s = data.toString('utf8');
      const nl = s.endsWith('\n') ? '\n' : '';
      ws.send(JSON.stringify(JSON.parse(s)) + nl);
    } else {
      ws.send(data, { binary: isBinary });
    }
  });
});
