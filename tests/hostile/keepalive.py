#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Dead-peer detection (ping_interval_ms 300, pong_timeout_ms 600 in
keepalive.troy), beside the well-behaved client:
- ws_server: a client that upgrades and then says nothing and reads
  nothing is sent 1001 at the pong deadline and dropped after the close
  wait; one that answers every ping (and sends no data) is kept;
- ws_client: a server (run here) answers pings for a second, then stops
  answering anything: the ws_client sends 1001, drops the connection
  and reconnects by its reconnect policy (retry after 100 ms), and its
  worker's VmHWM stays level.
The last line is "N passed, N failed"; exit status 0 when all passed.
"""
import base64
import hashlib
import socket
import struct
import sys
import threading
import time

from limits_lib import PORTS, Cases, ended, main_with, upgrade
from hostile import SANITIZERS, check, frame, read_frame, vmhwm

PING, PONG = 0.3, 0.6
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def server_frame(op, payload):
    """An unmasked server frame (short payloads only)."""
    return struct.pack("!BB", 0x80 | op, len(payload)) + payload


class Upstream(threading.Thread):
    """The server the ws_client dials: answers pings until told to stop
    answering, then only watches; records each connection's story."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", port))
        self.ls.listen(8)
        self.conns = []         # dicts: accepted, pings, close, ended
        self.mute_at = None     # monotonic time to stop answering

    def handshake(self, s):
        """Read the request, answer 101."""
        req = b""
        while b"\r\n\r\n" not in req:
            got = s.recv(1)
            if not got:
                raise ConnectionError("no request")
            req += got
        key = [l.split(b":", 1)[1].strip() for l in req.split(b"\r\n")
               if l.lower().startswith(b"sec-websocket-key:")][0]
        acc = base64.b64encode(hashlib.sha1(key + GUID.encode()).digest())
        s.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket"
                  b"\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
                  acc + b"\r\n\r\n")

    def serve(self, s, rec):
        """Answer pings until muted; then record the close and the end."""
        try:
            self.handshake(s)
            while True:
                op, data = read_frame(s)
                now = time.monotonic()
                if op == 9:
                    rec["pings"] += 1
                    if self.mute_at is None or now < self.mute_at:
                        s.sendall(server_frame(10, data))
                elif op == 8 and rec["close"] is None:
                    rec["close"] = (now, struct.unpack("!H", data[:2])[0])
        except (ConnectionError, OSError):
            pass
        rec["ended"] = time.monotonic()
        s.close()

    def run(self):
        while True:
            try:
                s, _ = self.ls.accept()
            except OSError:
                return
            rec = {"accepted": time.monotonic(), "pings": 0, "close": None,
                   "ended": None}
            self.conns.append(rec)
            threading.Thread(target=self.serve, args=(s, rec),
                             daemon=True).start()


def worker_of(d, title):
    """The pid of the worker whose title starts with title."""
    for k in open("/proc/%d/task/%d/children" % (d.proc.pid, d.proc.pid)
                  ).read().split():
        try:
            if open("/proc/%s/cmdline" % k, "rb").read().startswith(title):
                return int(k)
        except OSError:
            pass
    raise RuntimeError("no worker %r" % title)


def dead_client(port):
    """Upgrade, then silence: 1001 at the pong deadline, then dropped."""
    s, st = upgrade(port)
    if st != 101:
        return False, "upgrade refused: %d" % st
    t0 = time.monotonic()
    s.settimeout(PING + PONG + 3)
    code, tclose = None, None
    try:
        while code is None:
            op, data = read_frame(s)
            if op == 8:
                code, tclose = struct.unpack("!H", data[:2])[0], \
                    time.monotonic() - t0
    except (ConnectionError, OSError):
        pass
    t, _, how = ended(s, 4)
    s.close()
    total = time.monotonic() - t0
    return (code == 1001 and PING + PONG - 0.05 <= tclose <= PING + PONG + 1
            and how != "still open",
            "close %s after %.2f s, %s after %.2f s" % (
                code, tclose or -1, how, total))


def pong_only(port):
    """A client that answers every ping and sends no data: kept through
    six pings (each answered well within pong_timeout_ms), however slow
    the machine is (at most 10 s)."""
    s, st = upgrade(port)
    if st != 101:
        return False, "upgrade refused: %d" % st
    t0 = time.monotonic()
    pings, closed = 0, None
    s.settimeout(0.2)
    while (time.monotonic() - t0 < 10.0 and closed is None and
           pings < 6):
        try:
            op, data = read_frame(s)
        except socket.timeout:
            continue
        except (ConnectionError, OSError) as e:
            closed = str(e)
            break
        if op == 9:
            pings += 1
            s.sendall(frame(10, data))
        elif op == 8:
            closed = "close frame"
    s.close()
    return (closed is None and pings >= 6,
            "%d pings answered in %.1f s, %s" % (
                pings, time.monotonic() - t0,
                "still open" if closed is None else closed))


def client_reconnects(d, up):
    """The upstream stops answering: 1001, dropped, dialled again."""
    pid = worker_of(d, b"wsflowd: ws_client")
    end = time.monotonic() + 10
    while not up.conns and time.monotonic() < end:
        time.sleep(0.05)
    if not up.conns:
        return False, "the ws_client never connected"
    before = vmhwm(pid)
    time.sleep(1.0)             # pings answered meanwhile
    first = up.conns[0]
    answered = first["pings"]
    up.mute_at = time.monotonic()
    end = time.monotonic() + 8
    while len(up.conns) < 2 and time.monotonic() < end:
        time.sleep(0.05)
    grew = vmhwm(pid) - before
    if len(up.conns) < 2 or first["close"] is None:
        return False, "no reconnect: %r" % up.conns
    tclose, code = first["close"]
    again = up.conns[1]["accepted"] - up.mute_at
    ok = (code == 1001 and answered >= 2 and
          PONG - 0.05 <= tclose - up.mute_at <= PING + PONG + 1 and
          again <= PING + PONG + 2 + 1.5)
    if not SANITIZERS:
        check(grew <= 4 << 20, "ws_client worker VmHWM grew by %d KiB"
              % (grew >> 10))
    return ok, ("%d pings answered, then none: close %d after %.2f s, "
                "dialled again after %.2f s" % (answered, code,
                                               tclose - up.mute_at, again))


def body(d, up):
    """The cases, in order."""
    c = Cases(d)
    p = d.port
    c.run("dead client (ws_server pings)", lambda: dead_client(p))
    c.run("client that only answers pings", lambda: pong_only(p))
    c.run("ws_client, upstream stops answering",
          lambda: client_reconnects(d, up))
    c.finish()


if __name__ == "__main__":
    up = Upstream(PORTS["client"])
    up.start()
    sys.exit(main_with("keepalive", "keepalive.troy",
                       {"up": "ws://127.0.0.1:%d" % PORTS["client"]},
                       lambda d: body(d, up)))
