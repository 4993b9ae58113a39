// SPDX-License-Identifier: ISC
// bench/wsgen.js: the second load generator, an ordinary client.  It
// drives wsbench's closed-loop shapes (-c connections, -k messages of -s
// bytes in flight on each) with a third-party WebSocket client, node's
// "ws" package, which writes one frame per send() as applications do (no
// batching of frames into one write, unlike wsbench).  The parent only
// coordinates and measures: -j child processes (default 1) hold the
// connections between them, so one saturated child can be seen and the
// load spread.  Every echo is compared with what was sent.
//
// usage: node bench/wsgen.js [-b] [-c conns] [-d secs] [-j procs]
//            [-k inflight] [-l label] [-p pid] [-s size] [-w secs] url
//
// One result line of key=value like wsbench's (msg_s, mb_s, p50_us ...
// max_us, srv_cpu_s, cpu_us_msg, verified, errors, conn_fail) plus
// gen_procs, gen_cpu_s (the children's user+system time in the measured
// window), gen_cpu_pct (that in % of one core, summed), gen_cpu_max_pct
// (the busiest child; near 100 means that child is the bottleneck) and
// host_busy_pct (every core of the machine, from /proc/stat: when it is
// near 100 the run shared the machine with other work).
'use strict';
const fs = require('fs');
const child = require('child_process');

const HIST_SUB = 32;

// Options with their defaults; exits 2 on a bad command line.
function parseArgs(argv) {
  const o = { binary: false, conns: 1, dur: 3, procs: 1, inflight: 1,
    label: '-', pid: 0, size: 64, warm: 0.5, url: null, child: -1 };
  const num = { '-c': 'conns', '-d': 'dur', '-j': 'procs', '-k': 'inflight',
    '-p': 'pid', '-s': 'size', '-w': 'warm', '--child': 'child' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-b') o.binary = true;
    else if (a === '-l') o.label = argv[++i];
    else if (num[a] !== undefined) o[num[a]] = Number(argv[++i]);
    else if (a[0] !== '-' && o.url === null) o.url = a;
    else usage();
  }
  if (o.url === null || !(o.conns >= 1) || !(o.inflight >= 1) ||
      !(o.procs >= 1) || !(o.size >= 16) || !(o.dur > 0) ||
      !(o.warm >= 0))
    usage();
  o.procs = Math.min(o.procs, o.conns);
  return o;
}

function usage() {
  process.stderr.write('usage: wsgen.js [-b] [-c conns] [-d secs] ' +
    '[-j procs] [-k inflight] [-l label] [-p pid] [-s size] [-w secs] ' +
    'url\n');
  process.exit(2);
}

// Bucket of a value: below 32 itself, else octave and 5 bits below it
// (wsbench's histogram, bench/wsb.c).
function histIndex(v) {
  if (v < HIST_SUB) return v;
  const top = Math.floor(Math.log2(v));
  return (top - 4) * HIST_SUB + (Math.floor(v / 2 ** (top - 5)) & 31);
}

// Smallest value of a bucket.
function histLow(i) {
  const oct = Math.floor(i / HIST_SUB), sub = i % HIST_SUB;
  return oct === 0 ? sub : (HIST_SUB + sub) * 2 ** (oct - 1);
}

// Value at a percentile: middle of its bucket, capped by the extremes.
function histPct(h, pct) {
  if (h.n === 0) return 0;
  const want = Math.min(h.n, Math.max(1, Math.round(pct / 100 * h.n)));
  let seen = 0;
  for (let i = 0; i < h.count.length; i++) {
    seen += h.count[i];
    if (seen >= want) {
      const lo = histLow(i), hi = histLow(i + 1);
      return Math.max(h.min, Math.min(h.max, lo + (hi - lo) / 2));
    }
  }
  return h.max;
}

// The payload of message seq on connection id: a compact JSON object of
// exactly size bytes (text), or an 8-byte tag and a shifted pattern.
function payload(o, id, seq, pat) {
  if (o.binary) {
    const b = Buffer.allocUnsafe(o.size);
    b.writeUInt32LE(seq >>> 0, 0);
    b.writeUInt32LE(id, 4);
    const shift = (seq * 13 + id) % 251;
    pat.copy(b, 8, shift, shift + o.size - 8);
    return b;
  }
  const pre = '{"seq":' + seq + ',"conn":' + id + ',"pad":"';
  const n = o.size - pre.length - 2;
  const shift = seq % 26;
  return Buffer.from(pre + pat.toString('latin1', shift, shift + n) + '"}');
}

// A child: open its connections, then keep inflight messages on each.
function runChild(o) {
  const WebSocket = require('ws');
  const pat = Buffer.alloc(o.size + 512);
  for (let i = 0; i < pat.length; i++) pat[i] = 97 + (i % 26);
  const hist = { count: new Float64Array(64 * HIST_SUB), n: 0, min: Infinity,
    max: 0 };
  const st = { msgs: 0, bytes: 0, errors: 0, connFail: 0, verified: 0 };
  let counting = false, running = false, open = 0, cpu0 = null;
  const conns = [];
  const mine = [];
  for (let id = o.child; id < o.conns; id += o.procs) mine.push(id);

  function send(c) {
    const buf = payload(o, c.id, c.seq++, pat);
    c.q.push(buf);
    c.t.push(performance.now());
    c.ws.send(buf, { binary: o.binary });
  }

  function onMessage(c, data, isBinary) {
    const want = c.q.shift();
    const t0 = c.t.shift();
    if (want === undefined || isBinary !== o.binary || !want.equals(data)) {
      st.errors++;
      if (st.errors === 1)
        process.stderr.write('wsgen: connection ' + c.id +
          ': echo differs from what was sent\n');
    } else {
      st.verified++;
    }
    if (counting) {
      const ns = Math.round((performance.now() - t0) * 1e6);
      hist.count[histIndex(ns)]++;
      hist.n++;
      if (ns < hist.min) hist.min = ns;
      if (ns > hist.max) hist.max = ns;
      st.msgs++;
      st.bytes += data.length;
    }
    if (running) send(c);
  }

  for (const id of mine) {
    const c = { id, seq: 0, q: [], t: [], ws: null };
    c.ws = new WebSocket(o.url, { perMessageDeflate: false,
      maxPayload: 64 * 1024 * 1024 });
    c.ws.on('open', () => {
      if (++open === mine.length) process.send({ type: 'ready' });
    });
    c.ws.on('message', (data, isBinary) => onMessage(c, data, isBinary));
    c.ws.on('error', (e) => {
      if (open < mine.length) st.connFail++;
      else st.errors++;
      process.stderr.write('wsgen: connection ' + id + ': ' + e.message +
        '\n');
      if (open < mine.length) process.send({ type: 'failed' });
    });
    c.ws.on('close', () => {
      if (running) {
        st.errors++;
        process.stderr.write('wsgen: connection ' + id +
          ' closed by the server\n');
      }
    });
    conns.push(c);
  }
  process.on('message', (m) => {
    if (m.type === 'go') {
      running = true;
      for (const c of conns)
        for (let k = 0; k < o.inflight; k++) send(c);
    } else if (m.type === 'mark') {
      counting = true;
      cpu0 = process.cpuUsage();
    } else if (m.type === 'stop') {
      running = false;
      counting = false;
      const cpu = process.cpuUsage(cpu0);
      process.send({ type: 'result', st, cpu: (cpu.user + cpu.system) / 1e6,
        hist: { count: Array.from(hist.count), n: hist.n, min: hist.min,
          max: hist.max } });
      for (const c of conns) c.ws.terminate();
      setTimeout(() => process.exit(0), 50);
    }
  });
}

// user+system+reaped children's ticks of /proc/PID/stat, with the parent.
function procStat(pid) {
  try {
    const s = fs.readFileSync('/proc/' + pid + '/stat', 'latin1');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) +
      Number(f[13]) + Number(f[14]) };
  } catch (e) {
    return null;
  }
}

// CPU seconds of the process tree at pid (live descendants and reaped
// children), as wsbench counts the server's.
function treeCpu(pid) {
  const all = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(d)) continue;
    const s = procStat(d);
    if (s !== null) all.set(Number(d), s);
  }
  if (!all.has(pid)) return null;
  const tree = [pid];
  for (let i = 0; i < tree.length; i++)
    for (const [p, s] of all)
      if (s.ppid === tree[i] && p !== pid) tree.push(p);
  let ticks = 0;
  for (const p of tree) ticks += all.get(p).ticks;
  return ticks / 100;
}

// Busy and total jiffies of every core (/proc/stat's first line).
function hostCpu() {
  const f = fs.readFileSync('/proc/stat', 'latin1').split('\n')[0]
    .trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - f[4], total };
}

// The parent: start the children, time the window, merge their results.
function runParent(o) {
  const kids = [];
  let ready = 0, results = [], cpu0 = null, host0 = null, t0 = 0, t1 = 0;
  let cpu1 = null, host1 = null;
  const args = process.argv.slice(2);
  const fail = (why) => {
    process.stderr.write('wsgen: ' + why + '\n');
    for (const k of kids) k.kill();
    process.exit(1);
  };
  const timer = setTimeout(() => fail('connections not open after 20 s'),
    20000);
  for (let i = 0; i < o.procs; i++) {
    const k = child.fork(__filename, args.concat(['--child', String(i)]));
    k.on('message', (m) => {
      if (m.type === 'failed') fail('a connection failed');
      else if (m.type === 'ready' && ++ready === o.procs) start();
      else if (m.type === 'result') {
        results.push(m);
        if (results.length === o.procs) report();
      }
    });
    k.on('exit', (code) => {
      if (code !== 0 && results.length < o.procs)
        fail('generator child exited with ' + code);
    });
    kids.push(k);
  }

  function start() {
    clearTimeout(timer);
    for (const k of kids) k.send({ type: 'go' });
    setTimeout(() => {
      for (const k of kids) k.send({ type: 'mark' });
      cpu0 = o.pid > 0 ? treeCpu(o.pid) : null;
      host0 = hostCpu();
      t0 = performance.now();
      setTimeout(() => {
        t1 = performance.now();
        cpu1 = o.pid > 0 ? treeCpu(o.pid) : null;
        host1 = hostCpu();
        for (const k of kids) k.send({ type: 'stop' });
      }, o.dur * 1000);
    }, o.warm * 1000);
  }

  function report() {
    const secs = (t1 - t0) / 1000;
    const h = { count: new Float64Array(64 * HIST_SUB), n: 0, min: Infinity,
      max: 0 };
    const st = { msgs: 0, bytes: 0, errors: 0, connFail: 0, verified: 0 };
    let gcpu = 0, gmax = 0;
    for (const r of results) {
      for (const k in st) st[k] += r.st[k];
      r.hist.count.forEach((v, i) => { h.count[i] += v; });
      h.n += r.hist.n;
      h.min = Math.min(h.min, r.hist.min === null ? Infinity : r.hist.min);
      h.max = Math.max(h.max, r.hist.max);
      gcpu += r.cpu;
      gmax = Math.max(gmax, r.cpu);
    }
    const us = (v) => (v / 1e3).toFixed(1);
    let line = 'wsgen label=' + o.label + ' client=node-ws-' +
      require('ws/package.json').version + ' mode=closed conns=' + o.conns +
      ' inflight=' + o.inflight + ' size=' + o.size + ' type=' +
      (o.binary ? 'binary' : 'text') + ' secs=' + secs.toFixed(3) +
      ' msgs=' + st.msgs + ' msg_s=' + (st.msgs / secs).toFixed(1) +
      ' mb_s=' + (st.bytes / secs / 1e6).toFixed(3) +
      ' p50_us=' + us(histPct(h, 50)) + ' p90_us=' + us(histPct(h, 90)) +
      ' p99_us=' + us(histPct(h, 99)) + ' p999_us=' + us(histPct(h, 99.9)) +
      ' max_us=' + us(h.max);
    if (cpu0 !== null && cpu1 !== null && st.msgs > 0)
      line += ' srv_cpu_s=' + (cpu1 - cpu0).toFixed(3) + ' cpu_us_msg=' +
        ((cpu1 - cpu0) * 1e6 / st.msgs).toFixed(3);
    line += ' gen_procs=' + o.procs + ' gen_cpu_s=' + gcpu.toFixed(3) +
      ' gen_cpu_pct=' + (gcpu / secs * 100).toFixed(1) +
      ' gen_cpu_max_pct=' + (gmax / secs * 100).toFixed(1) +
      ' host_busy_pct=' + ((host1.busy - host0.busy) * 100 /
      Math.max(1, host1.total - host0.total)).toFixed(1) +
      ' verified=' + st.verified + ' errors=' + st.errors +
      ' conn_fail=' + st.connFail + '\n';
    process.stdout.write(line);
    process.exitCode = st.errors > 0 || st.connFail > 0 || st.msgs === 0 ?
      1 : 0;
  }
}

const opts = parseArgs(process.argv.slice(2));
if (opts.child >= 0) runChild(opts);
else runParent(opts);
