#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Read sink.fifo slowly (about 12 MB/s) while sampling the peak RSS
(VmHWM) of this test's workers named on the command line by their titles
(e.g. "file in" "file out"); at end of input write result.log.
Shared by the backpressure tests (run from the test's directory)."""
import os, sys, time

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

peak = {name: 0 for name in sys.argv[1:]}
fd = os.open('sink.fifo', os.O_RDONLY)
lines = 0
last = 0.0
while True:
    data = os.read(fd, 65536)
    if not data:
        break
    lines += data.count(b'\n')
    now = time.time()
    if now - last > 0.05:
        last = now
        for name, pid in workers().items():
            if name in peak:
                peak[name] = max(peak[name], hwm(pid))
    time.sleep(0.005)
limit = 32 * 1024
with open('result.log.tmp', 'w') as f:
    f.write('lines %d\n' % lines)
    for name in sorted(peak):
        ok = 0 < peak[name] < limit
        f.write('%s peak rss under 32 MB: %s\n' % (name, 'yes' if ok else 'no (%d kB)' % peak[name]))
with open('rss.log', 'w') as f:
    for name in sorted(peak):
        f.write('%s VmHWM %d kB\n' % (name, peak[name]))
os.rename('result.log.tmp', 'result.log')
