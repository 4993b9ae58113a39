#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Peers that try to make a ws_server echo worker hold memory, against
the worker's memory budget (max_buffered) and the per-connection output
bound.  Each case starts its own daemon (a flow written here, binary
codec, the budget given), runs a well-behaved client beside the attack
(every echo must come back in time), prints the worker's VmHWM growth
and asserts a bound on it (not in a sanitizer build), the closes the
server counted, and that the budget's accounting returns to zero.

    memory.py [CASE ...]        all cases when none is named

The last line is "N passed, N failed"; exit status 0 when all passed.
"""
import base64
import hashlib
import os
import re
import shutil
import socket
import ssl
import struct
import sys
import tempfile
import threading
import time

from hostile import (ECHO_WAIT, SANITIZERS, Daemon, Good, check, frame,
                     read_frame, recv_message, results, summary, vmhwm,
                     ws_connect)

MiB = 1 << 20
PORT = 14500            # this file's cases, one at a time

FLOW = """define flow main
args url = "127.0.0.1:%(port)d", max_buffered = 268435456%(targs)s
flow
  use troy::pipelines;
  define connector ws from ws_server
  args url, max_buffered%(cargs)s
  with
    codec = "binary",%(pre)s
    config = { "url": args.url, "max_buffered": args.max_buffered%(tls)s%(req)s }
  end;
  create connector ws with url = args.url,
    max_buffered = args.max_buffered%(cargs_set)s end;
  create pipeline echo from pipelines::passthrough;
  connect /connector/ws to /pipeline/echo;
  connect /pipeline/echo to /connector/ws;
end;
deploy flow main;
"""


# Freed memory a worker keeps for reuse: its malloc trim threshold
# (WK_MMAP_THRESHOLD in workers/worker.h, documented in wsflow.troy(5)).
KEPT_FREE = 4 * MiB


def write_flow(tmp, tls, lines, req=False):
    """The echo flow of a case: TLS or not, lines split or not, with
    request metadata (request_headers ["x-big"]) or not."""
    v = {"port": PORT, "targs": "", "cargs": "", "tls": "", "cargs_set": "",
         "pre": "", "req": ""}
    if req:
        v["req"] = ',\n      "request_headers": ["x-big"]'
    if tls:
        v["targs"] = ', cert = "c", key = "k"'
        v["cargs"] = ", cert, key"
        v["tls"] = ', "tls": { "cert": args.cert, "key": args.key }'
        v["cargs_set"] = ", cert = args.cert, key = args.key"
    if lines:
        v["pre"] = ('\n    preprocessors = ["separate"],'
                    '\n    postprocessors = ["separate"],')
    path = os.path.join(tmp, "flow.troy")
    with open(path, "w") as f:
        f.write(FLOW % v)
    return path


def header(op, n, fin):
    """A client frame header masked with a zero key (payload as is)."""
    b0 = (0x80 if fin else 0) | op
    if n < 126:
        h = struct.pack("!BB", b0, 0x80 | n)
    elif n < 65536:
        h = struct.pack("!BBH", b0, 0x80 | 126, n)
    else:
        h = struct.pack("!BBQ", b0, 0x80 | 127, n)
    return h + b"\0\0\0\0"


def read_close(s, wait=5.0):
    """The close code the server sent first, or None (reset, EOF, none);
    data frames before it are skipped."""
    s.settimeout(wait)
    try:
        while True:
            op, data = read_frame(s)
            if op == 8:
                return struct.unpack("!H", data[:2])[0] if data else 0
    except (OSError, ConnectionError, ssl.SSLError):
        return None


class Attacker(threading.Thread):
    """One connection that sends frames (header, payload size) in turn and
    never finishes; notes how far it got and the close code it read."""

    def __init__(self, port, tls, frames, rcvbuf=None, timeout=30):
        super().__init__(daemon=True)
        self.sock = ws_connect(port, tls, rcvbuf=rcvbuf, timeout=timeout)
        self.frames = frames
        self.sent = 0
        self.closed = None      # the exception that ended the sends
        self.code = None

    def run(self):
        try:
            for hdr, n in self.frames:
                self.sock.sendall(hdr)
                while n > 0:
                    k = min(n, len(ZEROS))
                    self.sock.sendall(ZEROS[:k] if k < len(ZEROS) else ZEROS)
                    n -= k
                    self.sent += k
        except (OSError, ssl.SSLError) as e:
            self.closed = type(e).__name__
        if self.closed is not None:
            self.code = read_close(self.sock, 2.0)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


ZEROS = bytes(MiB)


def fragments(total, size, fin_last=False, op=2):
    """A message of total bytes in frames of size (not finished unless
    fin_last)."""
    out, first = [], True
    while total > 0:
        n = min(size, total)
        total -= n
        out.append((header(op if first else 0, n,
                           fin_last and total == 0), n))
        first = False
    return out


class Case:
    """One attack: the daemon, the good client, the measurements."""

    def __init__(self, name, budget, tls=False, lines=False, flow=None,
                 req=False):
        self.name = name
        self.tmp = tempfile.mkdtemp(prefix="hostile-memory.")
        if flow is None:
            flow = write_flow(self.tmp, tls, lines, req)
        self.tail = b"\n" if lines else b""
        self.d = Daemon(self.tmp, "tls" if tls else "plain", own_flow=flow,
                        defines=["max_buffered=%d" % budget], port=PORT,
                        probe=b"probe" + self.tail)
        self.budget = budget
        self.good = None
        self.before = 0

    def __enter__(self):
        self.t0 = time.monotonic()
        self.d.start()
        self.pid = self.d.worker()
        self.good = Good(self.d.port, self.d.tls, tail=self.tail)
        self.good.start()
        time.sleep(0.1)
        self.before = vmhwm(self.pid)
        return self

    def growth(self, bound, absolute=None):
        """Print VmHWM and its growth; assert growth <= bound (and the
        whole peak <= absolute)."""
        after = vmhwm(self.pid)
        grew = after - self.before
        print("%s: worker VmHWM %.1f -> %.1f MiB (+%.1f), budget %d MiB"
              % (self.name, self.before / MiB, after / MiB, grew / MiB,
                 self.budget >> 20), flush=True)
        if SANITIZERS:
            print("skip: VmHWM bound (sanitizer build)", flush=True)
            return
        check(grew <= bound, "%s: VmHWM grew by %.1f MiB (at most %d)"
              % (self.name, grew / MiB, bound >> 20))
        if absolute is not None:
            check(after <= absolute, "%s: VmHWM %.1f MiB (at most %d)"
                  % (self.name, after / MiB, absolute >> 20))

    def stats(self):
        return self.d.stats()

    def quiet(self, limit=20.0):
        """The counters once the server has read what it will (bytes in
        unchanged for a second; a loaded machine is slow)."""
        end = time.monotonic() + limit
        st = self.stats()
        still = time.monotonic()
        while time.monotonic() < end and time.monotonic() - still < 1.0:
            time.sleep(0.2)
            nst = self.stats()
            # (the well-behaved client's few bytes do not count)
            if abs(nst["bytes_in"] - st["bytes_in"]) > 65536 or abs(
                    nst["buffered"]["used"] - st["buffered"]["used"]) > 65536:
                still = time.monotonic()
            st = nst
        return st

    def served(self):
        """The good client got its echoes all along, and still does."""
        g = self.good
        g.stop.set()
        g.join(ECHO_WAIT + 1)
        ok = g.error is None and g.echoes >= 5
        if ok:
            msg = b"after the attack" + self.tail
            g.sock.settimeout(ECHO_WAIT)
            try:
                g.sock.sendall(frame(2, msg))
                ok = recv_message(g.sock) == (2, msg)
            except (OSError, ConnectionError) as e:
                g.error = "after the attack: %s" % e
                ok = False
        check(ok, "%s: the well-behaved client got %d echoes, slowest "
              "%.2f s (%s)" % (self.name, g.echoes, g.slowest,
                               g.error or "no error"))

    def drained(self, attackers):
        """Close the attackers; the budget in use falls back to (about)
        nothing: every charge was released."""
        for a in attackers:
            a.close()
        end = time.monotonic() + 5
        while True:
            used = self.stats()["buffered"]["used"]
            if used < 64 * 1024 or time.monotonic() > end:
                break
            time.sleep(0.05)
        check(used < 64 * 1024, "%s: budget in use back to %d bytes"
              % (self.name, used))

    def __exit__(self, et, ev, tb):
        if self.good is not None:
            self.good.stop.set()
            self.good.sock.close()      # no close handshake to wait for
        self.d.stop()
        if et is not None:
            check(False, "%s: %s: %s" % (self.name, et.__name__, ev))
        if results["fail"]:
            try:
                print(open(self.d.err).read()[-3000:])
            except OSError:
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)
        print("%s: %.1f s" % (self.name, time.monotonic() - self.t0),
              flush=True)
        return True


def run_all(attackers):
    for a in attackers:
        a.start()
    for a in attackers:
        a.join(60)


def closes(st, code):
    return st.get("close_out", {}).get(str(code), 0)


def closed_once(c, attackers, bound, counter, code):
    """The attack, then: VmHWM growth within bound, one connection closed
    with code (and counted in counter, unless None), the good client
    served, the budget back to nothing.  Returns the counters."""
    run_all(attackers)
    st = c.quiet()
    end = time.monotonic() + 10     # a 1008 may follow a close wait
    while closes(st, code) == 0 and time.monotonic() < end:
        time.sleep(0.2)
        st = c.stats()
    c.growth(bound)
    check(closes(st, code) == 1 and (counter is None or st[counter] == 1),
          "%s: closed with %d (%s %s)" % (c.name, code, counter,
                                          st.get(counter)))
    c.served()
    c.drained(attackers)
    return st


def case_partial_six(tls=False):
    """Must show: six connections each hold an unfinished 64 MiB message
    (four 16 MiB frames, no FIN) with max_buffered 128 MiB: VmHWM at most
    160 MiB, those over the budget closed with 1009.  Over TLS (slower
    to send from here): 32 MiB messages, a 64 MiB budget."""
    name = "partial-6x64" + ("-tls" if tls else "")
    size = (32 if tls else 64) * MiB
    budget = 2 * size
    with Case(name, budget, tls=tls) as c:
        att = [Attacker(c.d.port, tls, fragments(size, 16 * MiB))
               for _ in range(6)]
        run_all(att)
        st = c.quiet()
        c.growth(budget + 12 * MiB, absolute=budget + 32 * MiB)
        print("%s: MiB sent each: %s" % (name, [a.sent >> 20 for a in att]))
        for a in att:       # all sent, then closed: the close is there
            if a.closed is None:
                a.code = read_close(a.sock, 0.2)
                a.closed = "closed" if a.code is not None else None
        n = sum(1 for a in att if a.closed is not None)
        got = sorted(str(a.code) for a in att if a.closed is not None)
        print("%s: %d closed (codes read: %s), %d MiB sent in all" % (
            name, n, ", ".join(got), sum(a.sent for a in att) >> 20))
        check(n >= 4, "%s: %d connections closed (at least 4 of 6)"
              % (name, n))
        check(st["budget_closed_in"] == n and closes(st, 1009) == n,
              "%s: the server counts %d budget closes, %d sent 1009"
              % (name, st["budget_closed_in"], closes(st, 1009)))
        check(all(a.code in (1009, None) for a in att) and
              got.count("1009") >= 1,
              "%s: the attackers read 1009 (%s)" % (name, got))
        check(st["buffered"]["peak"] <= budget,
              "%s: budget peak %.1f MiB within %d" % (
                  name, st["buffered"]["peak"] / MiB, budget >> 20))
        c.served()
        c.drained(att)


def case_nonreader_echo():
    """A client that never reads has output waiting and sends one 16 MiB
    message (the largest event): the output bound counts the message, so
    it is closed with 1008 before 16 MiB of echo are queued."""
    name = "nonreader-16-echo"
    with Case(name, 256 * MiB) as c:
        a = Attacker(c.d.port, False,
                     [(header(2, MiB, True), MiB)] * 3 +
                     fragments(16 * MiB, 4 * MiB, fin_last=True),
                     rcvbuf=4096)
        st = closed_once(c, [a], 56 * MiB, "overflows", 1008)
        check(st["bytes_out"] < 8 * MiB,
              "%s: %.1f MiB of echo queued in all (not the 16 MiB)"
              % (name, st["bytes_out"] / MiB))


def case_nonreader_budget():
    """A client that never reads sends a 16 MiB message first thing:
    its echo would pass a 24 MiB budget (16 MiB in, 16 MiB out): 1008."""
    name = "nonreader-16-budget"
    with Case(name, 24 * MiB) as c:
        a = Attacker(c.d.port, False,
                     fragments(16 * MiB, 4 * MiB, fin_last=True),
                     rcvbuf=4096)
        closed_once(c, [a], 56 * MiB, "budget_closed_out", 1008)


def case_tiny_fragments():
    """One message in 1-byte continuation frames: refused at the fragment
    limit (131072) with 1009, memory flat."""
    name = "tiny-fragments"
    with Case(name, 256 * MiB) as c:
        one = header(0, 1, False) + b"x"
        a = Attacker(c.d.port, False, [(header(2, 1, False) + b"x", 0)] +
                     [(one * 10000, 0)] * 20)
        st = closed_once(c, [a], 8 * MiB, None, 1009)
        check(st["budget_closed_in"] == 0,
              "%s: by the fragment limit, not the budget" % name)


def case_fragment_many(tls=False):
    """100 connections each hold a message of 512 unfinished 1 KiB
    fragments (512 KiB each) under a 16 MiB budget: those past it get
    1009, the memory stays within the budget."""
    name = "fragments-100x512K" + ("-tls" if tls else "")
    with Case(name, 16 * MiB, tls=tls) as c:
        frag = b"".join(header(0, 1024, False) + bytes(1024)
                        for _ in range(511))
        att = [Attacker(c.d.port, tls, [(header(2, 1024, False) +
                                         bytes(1024) + frag, 0)])
               for _ in range(100)]
        run_all(att)
        st = c.quiet()
        # Over TLS each connection also holds OpenSSL's record buffers
        # (about 34 KiB, not charged to max_buffered): 100 of them and
        # the allocator's share of them are the 4 MiB more allowed.
        # Freed fragments may stay in the heap up to the worker's trim
        # threshold (KEPT_FREE).
        c.growth((28 if tls else 24) * MiB + KEPT_FREE)
        n = st["budget_closed_in"]
        print("%s: %d of %d closed for the budget" % (name, n, len(att)))
        check(n >= len(att) - 32 and closes(st, 1009) == n,
              "%s: %d closed with 1009" % (name, n))
        c.served()
        c.drained(att)


def case_lines_fragment():
    """With the lines preprocessor, messages that never end a line grow
    the fragment: at the budget (32 MiB) the connection gets 1009."""
    name = "line-fragment"
    with Case(name, 32 * MiB, lines=True) as c:
        a = Attacker(c.d.port, False,
                     [(header(2, MiB, True), MiB)] * 60)
        closed_once(c, [a], 48 * MiB, "budget_closed_in", 1009)


def case_lines_many():
    """60 connections each leave a 1 MiB line unfinished under a 32 MiB
    budget: those past it get 1009."""
    name = "line-fragments-60x1M"
    with Case(name, 32 * MiB, lines=True) as c:
        att = [Attacker(c.d.port, False, [(header(2, MiB, True), MiB)])
               for _ in range(60)]
        run_all(att)
        st = c.quiet()
        c.growth(48 * MiB)
        n = st["budget_closed_in"]
        print("%s: %d of 60 closed for the budget" % (name, n))
        check(n >= 60 - 32 and closes(st, 1009) == n,
              "%s: %d closed with 1009" % (name, n))
        c.served()
        c.drained(att)


def case_request_meta():
    """Request metadata (request_headers) is charged to the budget for
    each connection's life, short of the reserve: under a 1 MiB budget,
    150 connections each sending 12 KiB of a named header fill what is
    below the reserve; the rest get 503, counted as budget closes of
    input; the well-behaved client keeps its echoes (the reserve stays
    for messages); closing them gives it all back."""
    name = "request-meta-150x12K"
    big = "".join("X-Big: %s\r\n" % ("m" * 4000) for _ in range(3))
    with Case(name, MiB, req=True) as c:
        conns, answers = [], []
        for _ in range(150):
            got = []
            conns.append(ws_connect(c.d.port, False, headers=big,
                                    status=got))
            answers.append(got[0].split(" ", 2)[1])
        ok = answers.count("101")
        refused = answers.count("503")
        st = c.stats()
        print("%s: %d upgraded, %d got 503, budget in use %d KiB"
              % (name, ok, refused, st["buffered"]["used"] >> 10))
        check(ok + refused == 150 and 40 <= ok <= 70,
              "%s: %d upgraded within the budget, the other %d got 503"
              % (name, ok, refused))
        check(st["budget_closed_in"] == refused,
              "%s: %d budget closes counted" % (name,
                                                st["budget_closed_in"]))
        check(ok * 12000 <= st["buffered"]["used"] <= MiB - MiB // 8,
              "%s: %d bytes in use, all below the reserve"
              % (name, st["buffered"]["used"]))
        c.growth(8 * MiB)
        c.served()
        c.drained(conns)


def case_half_full_output(tls=False):
    """12 clients that never read each have 7 MiB of echo sent to them in
    32 KiB messages (within the output bound; the kernel takes some)
    under a 16 MiB budget: those past it are closed, with 1008 when an
    echo would pass it, 1009 when the next message would."""
    name = "output-12x7M" + ("-tls" if tls else "")
    with Case(name, 16 * MiB, tls=tls) as c:
        k32 = header(2, 32768, True) + bytes(32768)
        att = [Attacker(c.d.port, tls, [(k32 * 32, 0)] * 7, rcvbuf=4096)
               for _ in range(12)]
        run_all(att)
        st = c.quiet()
        c.growth(40 * MiB)
        n = st["budget_closed_out"]
        m = st["budget_closed_in"]
        print("%s: %d (output) + %d (input) of 12 closed for the budget, "
              "%d overflows, %.1f MiB echoed" % (
                  name, n, m, st["overflows"], st["bytes_out"] / MiB))
        # whichever comes first passes the budget: an echo (1008) or the
        # next message being received (1009)
        check(n + m >= 3 and closes(st, 1008) >= n and
              closes(st, 1009) >= m,
              "%s: %d closed with 1008, %d with 1009" % (name, n, m))
        check(st["buffered"]["peak"] <= 16 * MiB,
              "%s: budget peak %.1f MiB within 16" % (
                  name, st["buffered"]["peak"] / MiB))
        c.served()
        c.drained(att)


def case_big_echo():
    """Not an attack: a reader's 16 MiB message is echoed whole (a frame
    larger than the output bound goes to a peer that keeps up) under a
    64 MiB budget."""
    name = "big-echo"
    with Case(name, 64 * MiB) as c:
        s = ws_connect(c.d.port, False, timeout=30)
        msg = os.urandom(16) * MiB
        s.sendall(frame(2, msg[:1]))    # small first
        s.settimeout(30)
        back = recv_message(s)[1]
        s.sendall(header(2, len(msg), True) + msg)
        data = recv_message(s)[1]
        check(back == msg[:1] and data == msg,
              "%s: 16 MiB echoed whole (%d bytes)" % (name, len(data)))
        st = c.stats()
        check(st["budget_closed_out"] == 0 and st["overflows"] == 0,
              "%s: no close for the budget or the bound" % name)
        c.growth(56 * MiB)
        c.served()
        s.close()
        c.drained([])


def case_ping_partial():
    """Pings between the fragments of a message that grows to the budget:
    the pongs flow, the message is refused with 1009 at 32 MiB."""
    name = "ping-partial"
    with Case(name, 32 * MiB) as c:
        fr = []
        for h, n in fragments(48 * MiB, MiB):
            fr += [(h, n), (header(9, 4, True) + b"ping", 0)]
        a = Attacker(c.d.port, False, fr)
        st = closed_once(c, [a], 48 * MiB, "budget_closed_in", 1009)
        check(st["pings_in"] >= 20, "%s: %d pings answered before"
              % (name, st["pings_in"]))


ROUTE_FLOW = """define flow main
args url = "127.0.0.1:%(port)d", max_buffered = 268435456,
  in_url = "127.0.0.1:%(inport)d", slow = "ws://127.0.0.1:%(slowport)d/"
flow
  use troy::pipelines;
  define connector srv from ws_server
  args url, max_buffered
  with
    codec = "binary",
    config = { "url": args.url, "max_buffered": args.max_buffered }
  end;
  define connector cli from ws_client
  args url, max_buffered
  with
    codec = "binary",
    config = { "url": args.url, "max_buffered": args.max_buffered }
  end;
  create connector ws from srv with url = args.url,
    max_buffered = args.max_buffered end;
  create connector hin from srv with url = args.in_url,
    max_buffered = args.max_buffered end;
  create connector up from cli with url = args.slow,
    max_buffered = args.max_buffered end;
  create pipeline echo from pipelines::passthrough;
  create pipeline fwd from pipelines::passthrough;
  connect /connector/ws to /pipeline/echo;
  connect /pipeline/echo to /connector/ws;
  connect /connector/hin to /pipeline/fwd;
  connect /pipeline/fwd to /connector/up;
end;
deploy flow main;
"""


class SlowServer(threading.Thread):
    """A WebSocket server that accepts the upgrade and never reads."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.ls.bind(("127.0.0.1", port))
        self.ls.listen(4)
        self.conns = []

    def run(self):
        try:
            while True:
                s, _ = self.ls.accept()
                req = b""
                while b"\r\n\r\n" not in req:
                    got = s.recv(1)
                    if not got:
                        break
                    req += got
                key = re.search(rb"(?i)sec-websocket-key: *(\S+)", req)
                acc = base64.b64encode(hashlib.sha1(
                    key.group(1) + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                    .digest())
                s.sendall(b"HTTP/1.1 101 Switching Protocols\r\n"
                          b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                          b"Sec-WebSocket-Accept: " + acc + b"\r\n\r\n")
                self.conns.append(s)     # and never read again
        except (OSError, AttributeError):
            pass

    def close(self):
        for s in self.conns + [self.ls]:
            s.close()


def case_route_queue():
    """A route's downstream is slow: two clients of one ws_server (hin)
    send 128 MiB for a ws_client (up) whose server never reads.  The route
    fills, hin stops reading its clients (TCP pushes back), and neither
    worker holds more than its bounds; the echo server's client (in its
    own worker) is served meanwhile."""
    name = "route-queue"
    tmp = tempfile.mkdtemp(prefix="hostile-memory-route.")
    path = os.path.join(tmp, "flow.troy")
    with open(path, "w") as f:
        f.write(ROUTE_FLOW % {"port": PORT, "inport": PORT + 1,
                              "slowport": PORT + 2})
    slow = SlowServer(PORT + 2)
    slow.start()
    try:
        with Case(name, 64 * MiB, flow=path) as c:
            hin = c.d.worker(b"wsflowd: ws_server hin")
            up = c.d.worker(b"wsflowd: ws_client up")
            h0, u0 = vmhwm(hin), vmhwm(up)
            att = [Attacker(PORT + 1, False,
                            [(header(2, MiB, True), MiB)] * 64, timeout=2)
                   for _ in range(2)]
            run_all(att)
            sent = sum(a.sent for a in att)
            sh, su = c.d.stats("hin"), c.d.stats("up")
            dh, du = vmhwm(hin) - h0, vmhwm(up) - u0
            print("%s: %d MiB of 128 taken from the clients; VmHWM hin "
                  "+%.1f MiB, up +%.1f MiB; budget peak hin %.1f MiB, up "
                  "%.1f MiB" % (name, sent >> 20, dh / MiB, du / MiB,
                                sh["buffered"]["peak"] / MiB,
                                su["buffered"]["peak"] / MiB), flush=True)
            check(sent < 100 * MiB, "%s: the clients were pushed back "
                  "(%d MiB sent)" % (name, sent >> 20))
            if not SANITIZERS:
                check(dh <= 24 * MiB and du <= 32 * MiB,
                      "%s: VmHWM growth hin %.1f MiB (at most 24), up "
                      "%.1f MiB (at most 32)" % (name, dh / MiB, du / MiB))
            check(sh["buffered"]["peak"] <= 16 * MiB,
                  "%s: hin's budget peak %.1f MiB (route queue and "
                  "messages; at most 16)" % (name,
                                             sh["buffered"]["peak"] / MiB))
            c.growth(8 * MiB)       # the echo server's worker
            c.served()
            for a in att:
                a.close()
    finally:
        slow.close()
        shutil.rmtree(tmp, ignore_errors=True)


CASES = {
    "partial-6x64": case_partial_six,
    "partial-6x64-tls": lambda: case_partial_six(tls=True),
    "nonreader-16-echo": case_nonreader_echo,
    "nonreader-16-budget": case_nonreader_budget,
    "tiny-fragments": case_tiny_fragments,
    "fragments-100x512K": case_fragment_many,
    "fragments-100x512K-tls": lambda: case_fragment_many(tls=True),
    "line-fragment": case_lines_fragment,
    "line-fragments-60x1M": case_lines_many,
    "output-12x7M": case_half_full_output,
    "output-12x7M-tls": lambda: case_half_full_output(tls=True),
    "big-echo": case_big_echo,
    "ping-partial": case_ping_partial,
    "route-queue": case_route_queue,
    "request-meta-150x12K": case_request_meta,
}


def main():
    start = time.monotonic()
    names = sys.argv[1:] or list(CASES)
    for n in names:
        if n.endswith("-tls") and shutil.which("openssl") is None:
            print("%s: openssl(1) not installed: skipped" % n)
            continue
        try:
            CASES[n]()
        except Exception as e:      # a crash is a failure, not a hang
            check(False, "%s: %s: %s" % (n, type(e).__name__, e))
    print("memory cases: %.1f s" % (time.monotonic() - start))
    return summary()


if __name__ == "__main__":
    sys.exit(main())
