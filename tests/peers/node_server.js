#!/usr/bin/env node
// SPDX-License-Identifier: ISC
// WebSocket server peer (node ws) for wsflow's tests: listens on
// 127.0.0.1:PORT (TLS with --cert/--key), appends each message to --out
// (binary as "b:" + hex), echoes with --echo, exits after --exit-after N.
'use strict';
const WebSocket = require('ws');
const fs = require('fs');
const https = require('https');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const port = parseInt(opt('--port', '0'), 10);
const out = opt('--out', null);
const echo = args.includes('--echo');
const exitAfter = parseInt(opt('--exit-after', '0'), 10);
const cert = opt('--cert', null);
let count = 0;

let wss;
if (cert) {
  const server = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(opt('--key')) });
  wss = new WebSocket.Server({ server });
  server.listen(port, '127.0.0.1');
} else {
  wss = new WebSocket.Server({ port, host: '127.0.0.1' });
}
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    count++;
    if (out) {
      const line = isBinary ? 'b:' + data.toString('hex') : data.toString('utf8');
      fs.appendFileSync(out, line.endsWith('\n') ? line : line + '\n');
    }
    if (echo) ws.send(data, { binary: isBinary });
    if (exitAfter && count >= exitAfter) setTimeout(() => process.exit(0), 200);
  });
});
