#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Hostile opening handshakes and connection policy against ws_server
(limits.troy: max_connections_per_ip 4, allowed_origins
["https://good.example"]), each case beside the well-behaved client:
- oversized handshakes: one huge header, too many headers, a header
  section over 16 KiB, an endless request line;
- malformed ones: version 12, no key, a key of the wrong length, POST,
  HTTP/1.0, no Host;
- Origin: another origin gets 403, the allowed one (in any case) and no
  Origin at all get 101;
- max_connections_per_ip: the fifth session from 127.0.0.3 gets 503 while
  127.0.0.2 still connects and echoes, and a slot freed is taken again;
- a connection opened and closed 5,000 times (upgraded, half of them
  with a close frame): the worker's descriptors and VmHWM stay level.
The last line is "N passed, N failed"; exit status 0 when all passed.
"""
import sys
import time

from limits_lib import (Cases, close_frame, ended, fds, main_with,
                        raise_nofile, request, tcp, upgrade, http_answer)
from hostile import ECHO_WAIT, frame, recv_message


def status(port, req, want):
    """Send req whole; the answer must be want, then the end."""
    s = tcp(port)
    try:
        s.sendall(req)
    except (BrokenPipeError, ConnectionResetError):
        pass
    st = http_answer(s)
    t, _, how = ended(s, 3)
    s.close()
    return st == want and how != "still open", "HTTP %d, then %s" % (st,
                                                                     how)


def origin(port, value, want):
    """An upgrade with this Origin header."""
    s, st = upgrade(port, extra="Origin: %s\r\n" % value)
    ok = st == want
    if st == 101:
        s.sendall(frame(2, b"from a page"))
        s.settimeout(ECHO_WAIT)
        ok = ok and recv_message(s) == (2, b"from a page")
    s.close()
    return ok, "HTTP %d%s" % (st, ", echoed" if st == 101 and ok else "")


def per_ip(d):
    """Four sessions from 127.0.0.3 are served, the fifth gets 503;
    127.0.0.2 still gets in; closing one lets the address in again."""
    held = []
    sts = []
    for _ in range(5):
        s, st = upgrade(d.port, src="127.0.0.3")
        sts.append(st)
        held.append(s)
    other, ost = upgrade(d.port, src="127.0.0.2")
    echoed = False
    if ost == 101:
        other.sendall(frame(2, b"other address"))
        other.settimeout(ECHO_WAIT)
        echoed = recv_message(other) == (2, b"other address")
    other.close()
    held[0].sendall(close_frame(1000))
    ended(held[0], 3)
    again, ast = upgrade(d.port, src="127.0.0.3")
    for s in held + [again]:
        s.close()
    refused = d.stats().get("refused_per_ip")
    return (sts == [101] * 4 + [503] and ost == 101 and echoed and
            ast == 101 and refused == 1,
            "127.0.0.3: %s; 127.0.0.2: HTTP %d%s; after one closed, "
            "127.0.0.3: HTTP %d; refused_per_ip %s"
            % (sts, ost, ", echoed" if echoed else "", ast, refused))


def churn(d, pid, n=5000):
    """n upgrades and closes; descriptors and VmHWM level afterwards."""
    first = fds(pid)
    for i in range(n):
        s, st = upgrade(d.port)
        if st != 101:
            return False, "connection %d refused: HTTP %d" % (i, st)
        if i % 2:
            s.sendall(close_frame(1000))
            ended(s, 3)
        s.close()
    end = time.monotonic() + 5
    while fds(pid) > first and time.monotonic() < end:
        time.sleep(0.05)
    last = fds(pid)
    return last <= first, "%d connections; worker descriptors %d -> %d" % (
        n, first, last)


def body(d):
    """The cases, in order."""
    raise_nofile(256)
    c = Cases(d)
    p = d.port
    big = "X-Big: " + "a" * 8000 + "\r\n"
    many = "".join("X-H%d: v\r\n" % i for i in range(100))
    wide = "".join("X-W%d: %s\r\n" % (i, "b" * 3000) for i in range(8))
    c.run("one 8000-byte header", lambda: status(
        p, request(p, extra=big), 431))
    c.run("100 header fields", lambda: status(
        p, request(p, extra=many), 431))
    c.run("header section over 16 KiB", lambda: status(
        p, request(p, extra=wide), 431))
    c.run("endless request line", lambda: status(
        p, b"GET /" + b"a" * 70000, 400))
    c.run("Sec-WebSocket-Version 12", lambda: status(
        p, request(p, wsversion="12"), 426))
    c.run("no Sec-WebSocket-Key", lambda: status(
        p, request(p, key=""), 400))
    c.run("key of 15 bytes", lambda: status(
        p, request(p, key="YWJjZGVmZ2hpamtsbW5v"), 400))
    c.run("POST", lambda: status(p, request(p, method="POST"), 405))
    c.run("HTTP/1.0", lambda: status(p, request(p, version="HTTP/1.0"),
                                     400))
    c.run("no Host", lambda: status(p, request(p, host=False), 400))
    c.run("Origin not allowed", lambda: origin(p, "https://evil.example",
                                               403))
    c.run("Origin allowed, other case",
          lambda: origin(p, "HTTPS://Good.Example", 101))
    c.run("max_connections_per_ip 4", lambda: per_ip(d))
    c.run("opened and closed 5,000 times", lambda: churn(d, c.pid))
    c.finish()


if __name__ == "__main__":
    sys.exit(main_with("handshake", "limits.troy", {"perip": 4}, body))
