#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Not an attack: an honest slow reader.  A client with a small receive
buffer sends one 16 MiB message (twice the 8 MiB output bound; the
largest event) to a ws_server echo and reads the echo at a steady
READ_RATE, by the clock: its output stays over the bound for several
close waits, and because it keeps taking at least 64 KiB a wait it is
not closed (issue 11: a peer that does not read is closed, not one that
reads slowly).  Plain ws and TLS run at once, each daemon beside its
well-behaved client; the echo must be whole, nothing counted as an
overflow, and each worker's VmHWM growth bounded.  The reader that
takes one byte a second is tests/hostile/timeouts.py's (still closed).

The last line is "N passed, N failed"; exit status 0 when all passed.
"""
import hashlib
import os
import ssl
import sys
import tempfile
import threading
import time

from hostile import (ECHO_WAIT, SANITIZERS, Daemon, Good, check,
                     end_daemon, recv_frame, summary, vmhwm, ws_connect)
from memory import header

MiB = 1 << 20
PORTS = {"plain": 14556, "tls": 14557}
MSG = 16 * MiB          # the echo: twice the output bound
READ_RATE = 2 * MiB     # bytes a second the reader takes
RCVBUF = 64 * 1024      # the reader's socket buffer
HWM_MAX = 56 * MiB      # VmHWM growth: message in, echo out, copies


def slow_read(s, n):
    """n bytes from s, at most READ_RATE a second since the call."""
    out = bytearray()
    t0 = time.monotonic()
    while len(out) < n:
        due = min(n, int((time.monotonic() - t0) * READ_RATE))
        if due > len(out):
            got = s.recv(due - len(out))
            if not got:
                raise ConnectionError("EOF after %d bytes" % len(out))
            out += got
        else:
            time.sleep(0.01)
    return bytes(out)


def reader(d, res):
    """Send the message, read its echo slowly; res gets what happened."""
    msg = os.urandom(MiB) * (MSG // MiB)
    t0 = time.monotonic()
    try:
        s = ws_connect(d.port, d.tls, rcvbuf=RCVBUF, timeout=30)
        s.sendall(header(2, len(msg), True) + msg)
        hdr = slow_read(s, 10)      # 127: a 64-bit length follows
        b0, n = hdr[0], int.from_bytes(hdr[2:10], "big")
        data = slow_read(s, n) if hdr[1] == 127 else b""
        s.settimeout(ECHO_WAIT)
        s.sendall(header(8, 2, True) + b"\x03\xe8")
        code = recv_frame(s)
        s.close()
        res["ok"] = (b0 == 0x82 and
                     hashlib.sha256(data).digest() ==
                     hashlib.sha256(msg).digest() and code[0] == 0x88)
        res["what"] = "%d of %d bytes echoed, close %r" % (
            len(data), len(msg), code[1][:2].hex())
    except (OSError, ConnectionError, ssl.SSLError) as e:
        res["ok"] = False
        res["what"] = "%s: %s" % (type(e).__name__, e)
    res["took"] = time.monotonic() - t0


def main():
    """Both daemons, both readers at once, then the checks."""
    start = time.monotonic()
    tmp = {m: tempfile.mkdtemp(prefix="hostile-slow-%s." % m)
           for m in PORTS}
    ds = {m: Daemon(tmp[m], m, port=PORTS[m]) for m in PORTS}
    goods = {}
    try:
        for d in ds.values():
            d.start()
        pids = {m: d.worker() for m, d in ds.items()}
        hwm = {m: vmhwm(p) for m, p in pids.items()}
        for m, d in ds.items():
            goods[m] = Good(d.port, d.tls)
            goods[m].start()
        res = {m: {} for m in PORTS}
        ths = [threading.Thread(target=reader, args=(ds[m], res[m]))
               for m in PORTS]
        for t in ths:
            t.start()
        for t in ths:
            t.join(120)
        for m, d in ds.items():
            r = res[m]
            check(r.get("ok", False), "%s: a reader taking %d MiB/s got "
                  "its 16 MiB echo whole: %s (%.1f s)" % (
                      m, READ_RATE // MiB, r.get("what", "hung"),
                      r.get("took", 0)))
            st = d.stats()
            check(st.get("overflows") == 0, "%s: no output overflow "
                  "counted (%s)" % (m, st.get("overflows")))
            g = goods[m]
            g.stop.set()
            g.join(ECHO_WAIT + 1)
            check(g.error is None and g.echoes >= 10,
                  "%s: the well-behaved client got %d echoes meanwhile, "
                  "slowest %.2f s (%s)" % (m, g.echoes, g.slowest,
                                           g.error or "no error"))
            grew = vmhwm(pids[m]) - hwm[m]
            if SANITIZERS:
                print("skip: %s: VmHWM bound (sanitizer build)" % m)
            else:
                check(grew <= HWM_MAX, "%s: worker VmHWM grew by %.1f MiB "
                      "(at most %d)" % (m, grew / MiB, HWM_MAX // MiB))
    except Exception as e:      # a crash is a failure, not a hang
        check(False, "%s: %s" % (type(e).__name__, e))
    finally:
        for g in goods.values():
            g.stop.set()
        for m, d in ds.items():
            end_daemon(d, tmp[m])
    print("slowreader: %.1f s" % (time.monotonic() - start))
    return summary()


if __name__ == "__main__":
    sys.exit(main())
