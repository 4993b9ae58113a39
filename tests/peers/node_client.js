#!/usr/bin/env node
// SPDX-License-Identifier: ISC
// WebSocket client peer (node ws) for wsflow's tests: sends each line of
// stdin as one text frame (--binary: binary), prints --expect replies one
// per line (binary as "b:" + hex), exits 0 when they all arrived in time.
'use strict';
const WebSocket = require('ws');
const fs = require('fs');

const args = process.argv.slice(2);
const url = args[0];
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const expect = parseInt(opt('--expect', '0'), 10);
const timeout = parseFloat(opt('--timeout', '10')) * 1000;
const cafile = opt('--cafile', null);
const binary = args.includes('--binary');
const input = fs.readFileSync(opt('--input', '/dev/stdin'));
const lines = [];
let start = 0;
for (let i = 0; i < input.length; i++) {
  if (input[i] === 10) { lines.push(input.subarray(start, i + 1)); start = i + 1; }
}
if (start < input.length) lines.push(input.subarray(start));

const wsopts = {};
if (cafile) wsopts.ca = fs.readFileSync(cafile);
const ws = new WebSocket(url, wsopts);
const got = [];
const finish = (code) => {
  for (const m of got) {
    if (m.binary) process.stdout.write('b:' + m.data.toString('hex') + '\n');
    else {
      const s = m.data.toString('utf8');
      process.stdout.write(s.endsWith('\n') ? s : s + '\n');
    }
  }
  process.exit(code);
};
const timer = setTimeout(() => finish(got.length >= expect ? 0 : 1), timeout);
ws.on('open', () => {
  for (const l of lines) ws.send(binary ? l : l.toString('utf8'), { binary });
  if (expect === 0) { clearTimeout(timer); ws.close(1000); }
});
ws.on('message', (data, isBinary) => {
  got.push({ data, binary: isBinary });
  if (got.length >= expect) { clearTimeout(timer); ws.close(1000); }
});
ws.on('close', () => finish(got.length >= expect ? 0 : 1));
ws.on('error', (e) => { process.stderr.write('node_client: ' + e.message + '\n'); finish(2); });
