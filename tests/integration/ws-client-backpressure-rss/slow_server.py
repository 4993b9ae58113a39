#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""A WebSocket server that reads slowly (about 12 MB/s) while sampling
the peak RSS (VmHWM) of this test's "file in" and "ws_client ws"
workers; at "exit" it writes result.log."""
import os, time

def workers():
    found = {}
    for p in os.listdir('/proc'):
        if not p.isdigit():
            continue
        try:
            if os.readlink('/proc/%s/cwd' % p) != os.getcwd():
                continue
            if not open('/proc/%s/cmdline' % p).read().startswith('wsflowd: supervisor'):
                continue
            kids = open('/proc/%s/task/%s/children' % (p, p)).read().split()
        except OSError:
            continue
        for c in kids:
            try:
                title = open('/proc/%s/cmdline' % c).read().split('\0')[0].strip()
            except OSError:
                continue
            if title.startswith('wsflowd: '):
                found[title[len('wsflowd: '):]] = c
    return found

def hwm(pid):
    try:
        for line in open('/proc/%s/status' % pid):
            if line.startswith('VmHWM:'):
                return int(line.split()[1])
    except OSError:
        pass
    return 0

import asyncio
import websockets

peak = {'file in': 0, 'ws_client ws': 0}
lines = 0
last = 0.0


async def handler(ws, *unused):
    global lines, last
    async for msg in ws:
        if msg == '"exit"\n':
            limit = 32 * 1024
            with open('result.log.tmp', 'w') as f:
                f.write('lines %d\n' % lines)
                for name in sorted(peak):
                    ok = 0 < peak[name] < limit
                    f.write('%s peak rss under 32 MB: %s\n' % (
                        name, 'yes' if ok else 'no (%d kB)' % peak[name]))
            with open('rss.log', 'w') as f:
                for name in sorted(peak):
                    f.write('%s VmHWM %d kB\n' % (name, peak[name]))
            os.rename('result.log.tmp', 'result.log')
            return
        lines += 1
        now = time.time()
        if now - last > 0.05:
            last = now
            for name, pid in workers().items():
                if name in peak:
                    peak[name] = max(peak[name], hwm(pid))
        if lines % 50 == 0:
            await asyncio.sleep(0.001)


async def main():
    async with websockets.serve(handler, "127.0.0.1", 14243, max_size=None,
                                max_queue=4):
        await asyncio.sleep(120)

asyncio.run(main())
