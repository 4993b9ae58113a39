#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Time limits of ws_server against peers that hold a connection without
finishing anything (limits.troy: handshake_timeout_ms 1000,
idle_timeout_ms 2500, message_timeout_ms 1000), each case beside the
well-behaved client (which itself shows that a busy session is never
idle):
- slowloris: the upgrade request a byte every 100 ms;
- a TCP connection that sends nothing; a request without its end;
- an idle session, and one that only pings (pings are not data);
- a fragmented message that never finishes, with and without pings
  between its fragments, and one frame trickled 10 bytes at a time;
- a fragmented message that finishes slowly but in time (kept);
- a client that reads one byte a second while it sends (output bound).
Each case asserts what the peer gets and when, and the worker's VmHWM.
The last line is "N passed, N failed"; exit status 0 when all passed.
"""
import socket
import sys
import threading
import time

from limits_lib import (Cases, close_frame, ended, main_with, request,
                        tcp, upgrade)
from hostile import ECHO_WAIT, check, frame, read_frame, recv_message

HS, IDLE, MSG = 1.0, 2.5, 1.0   # seconds, as passed to limits.troy


def within(t, limit, slack=1.0):
    """Whether t is the limit, give or take the timer's slack."""
    return limit - 0.05 <= t <= limit + slack


def slowloris(port):
    """The request a byte every 100 ms: closed at the handshake timeout."""
    s = tcp(port)
    req = request(port)
    t0 = time.monotonic()
    sent = 0
    how = "never closed"
    try:
        for b in req:
            s.sendall(bytes([b]))
            sent += 1
            s.settimeout(0.1)
            try:
                if not s.recv(1):
                    how = "EOF"
                    break
            except socket.timeout:
                pass
    except (ConnectionResetError, BrokenPipeError) as e:
        how = type(e).__name__
    t = time.monotonic() - t0
    s.close()
    return (within(t, HS) and sent < len(req),
            "closed (%s, no answer) after %.2f s, %d of %d bytes sent"
            % (how, t, sent, len(req)))


def silent(port, data):
    """Connect, send data (maybe nothing), wait: closed at the timeout."""
    s = tcp(port)
    if data:
        s.sendall(data)
    t, code, how = ended(s, HS + 3)
    s.close()
    return (within(t, HS) and code is None and how != "still open",
            "closed (%s) after %.2f s" % (how, t))


def idle(port, pings):
    """An upgraded session with no data (only pings, if asked): 1001 at
    the idle timeout."""
    s, st = upgrade(port)
    if st != 101:
        return False, "upgrade refused: %d" % st
    t0 = time.monotonic()
    code = None
    if pings:
        # a ping every 200 ms until the close frame arrives
        s.settimeout(0.2)
        while time.monotonic() - t0 < IDLE + 3 and code is None:
            s.sendall(frame(9, b"alive?"))
            try:
                op, rest = read_frame(s)
                if op == 8:
                    code = int.from_bytes(rest[:2], "big")
            except socket.timeout:
                pass
        s.sendall(close_frame(code or 1000))
        t = time.monotonic() - t0
        t2, _, how = ended(s, 3)
    else:
        t, code, how = ended(s, IDLE + 3, answer=True)
    s.close()
    return (within(t, IDLE) and code == 1001,
            "close %s after %.2f s, then %s" % (code, t, how))


def unfinished(port, pings):
    """The first fragment of a message and no more: 1008 at the message
    timeout."""
    s, st = upgrade(port)
    if st != 101:
        return False, "upgrade refused: %d" % st
    first = bytearray(frame(2, b"part one"))
    first[0] &= 0x7f            # FIN off
    s.sendall(bytes(first))
    t0 = time.monotonic()
    if pings:
        for _ in range(3):
            time.sleep(0.2)
            s.sendall(frame(9, b"still here"))
    t, code, how = ended(s, MSG + 3, answer=True)
    t += time.monotonic() - t0 - t
    s.close()
    return (within(t, MSG) and code == 1008,
            "close %s after %.2f s, then %s" % (code, t, how))


def trickled(port):
    """One 1000-byte frame sent 10 bytes every 100 ms: 1008."""
    s, st = upgrade(port)
    if st != 101:
        return False, "upgrade refused: %d" % st
    f = frame(2, b"x" * 1000)
    t0 = time.monotonic()
    code = None
    sent = 0
    s.settimeout(0.1)
    while sent < len(f) and time.monotonic() - t0 < MSG + 3:
        s.sendall(f[sent:sent + 10])
        sent += 10
        try:
            got = s.recv(4)
            if len(got) >= 4 and got[0] & 0x0f == 8:
                code = int.from_bytes(got[2:4], "big")
                break
            if not got:
                break
        except socket.timeout:
            pass
    t = time.monotonic() - t0
    s.close()
    return (within(t, MSG) and code == 1008,
            "close %s after %.2f s, %d of %d bytes sent" % (code, t, sent,
                                                            len(f)))


def slow_but_complete(port):
    """Three fragments 300 ms apart (within the timeout): echoed."""
    s, st = upgrade(port)
    if st != 101:
        return False, "upgrade refused: %d" % st
    parts = [b"one ", b"two ", b"three"]
    for i, p in enumerate(parts):
        f = bytearray(frame(2 if i == 0 else 0, p))
        if i < len(parts) - 1:
            f[0] &= 0x7f
        s.sendall(bytes(f))
        time.sleep(0.3)
    s.settimeout(ECHO_WAIT)
    got = recv_message(s)
    s.close()
    return got == (2, b"one two three"), "echo %r" % (got,)


def slow_reader(d):
    """Sends 64 KiB messages, reads one byte a second: the output bound
    (8 MiB) stops its input, then 1008 and the server drops it (seen in
    its open connections: the client itself, reading a byte a second,
    would take hours to reach the end of what its kernel holds)."""
    before = d.stats()
    s, st = upgrade(d.port)
    if st != 101:
        return False, "upgrade refused: %d" % st
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    msg = frame(2, b"r" * 65536)
    state = {"sent": 0}

    def send():
        try:
            while state["sent"] < (32 << 20):
                s.sendall(msg)
                state["sent"] += len(msg)
        except OSError:
            pass

    th = threading.Thread(target=send, daemon=True)
    th.start()
    t0 = time.monotonic()
    read = 0
    now = before
    s.settimeout(1.0)
    while time.monotonic() - t0 < 20:
        try:
            if s.recv(1):
                read += 1
        except OSError:
            pass
        now = d.stats()
        if now.get("open") == before.get("open") and read > 0:
            break
        time.sleep(1.0)
    t = time.monotonic() - t0
    s.close()
    th.join(5)
    grew = now.get("overflows", 0) - before.get("overflows", 0)
    return (now.get("open") == before.get("open") and grew == 1,
            "dropped by the server after %.1f s (%d bytes read, %d MiB "
            "sent), one output overflow counted (%d)"
            % (t, read, state["sent"] >> 20, grew))


def body(d):
    """The cases, in order."""
    c = Cases(d)
    p = d.port
    c.run("reads one byte a second", lambda: slow_reader(d),
          hwm_max=16 << 20)
    c.run("slowloris handshake", lambda: slowloris(p))
    c.run("TCP connection, nothing sent", lambda: silent(p, b""))
    c.run("request without its end",
          lambda: silent(p, request(p)[:-2]))
    c.run("idle session", lambda: idle(p, False))
    c.run("idle session that only pings", lambda: idle(p, True))
    c.run("fragmented message never ends", lambda: unfinished(p, False))
    c.run("fragments never end, pings between",
          lambda: unfinished(p, True))
    c.run("one frame trickled", lambda: trickled(p))
    c.run("slow fragments that finish", lambda: slow_but_complete(p))
    st = d.stats()
    check(st.get("timeouts", 0) >= 5,
          "timeouts counted: %s" % st.get("timeouts"))
    c.finish()


if __name__ == "__main__":
    sys.exit(main_with("timeouts", "limits.troy",
                       {"hs": 1000, "idle": 2500, "msg": 1000}, body))
