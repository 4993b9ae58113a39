#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Connection slots against ws_server with every default (echo.troy:
max_connections 1024, so max_connections_per_ip 256), beside the
well-behaved client:
- 1024 idle sessions asked for from 127.0.0.1: 256 upgrade, the rest get
  503, and a client through 127.0.0.2 still connects and echoes;
- every slot taken from four more addresses: the next client, from any
  address, gets 503 (max_connections), and gets in once one slot is let
  go.
The last line is "N passed, N failed"; exit status 0 when all passed.
"""
import sys

from limits_lib import Cases, close_frame, ended, main_with, raise_nofile
from limits_lib import upgrade
from hostile import ECHO_WAIT, frame, recv_message


def open_many(port, src, n):
    """n upgrade attempts from src: (upgraded sockets, statuses)."""
    socks, sts = [], []
    for _ in range(n):
        s, st = upgrade(port, src=src)
        sts.append(st)
        if st == 101:
            socks.append(s)
        else:
            s.close()
    return socks, sts


def echo_from(port, src):
    """A session from src that echoes: its status and whether it did."""
    s, st = upgrade(port, src=src)
    ok = False
    if st == 101:
        s.sendall(frame(2, b"from " + src.encode()))
        s.settimeout(ECHO_WAIT)
        ok = recv_message(s) == (2, b"from " + src.encode())
    s.close()
    return st, ok


def one_address(d, held):
    """1024 sessions from 127.0.0.1, then 127.0.0.2."""
    socks, sts = open_many(d.port, "127.0.0.1", 1024)
    held += socks
    st, ok = echo_from(d.port, "127.0.0.2")
    n101, n503 = sts.count(101), sts.count(503)
    # the well-behaved client holds one of 127.0.0.1's 256
    return (n101 == 255 and n503 == 769 and st == 101 and ok,
            "127.0.0.1: %d sessions, %d answered 503; 127.0.0.2: HTTP %d%s"
            % (n101, n503, st, ", echoed" if ok else ""))


def all_slots(d, held):
    """Fill the rest from 127.0.0.3-6: the next gets 503 anywhere."""
    got = 0
    for i in range(3, 7):
        socks, _ = open_many(d.port, "127.0.0.%d" % i, 256)
        held += socks
        got += len(socks)
    st, _ = echo_from(d.port, "127.0.0.7")
    held[-1].sendall(close_frame(1000))
    ended(held[-1], 3)
    held.pop().close()
    st2, ok = echo_from(d.port, "127.0.0.7")
    return (len(held) + 1 == 1023 and st == 503 and st2 == 101 and ok,
            "%d more sessions from 127.0.0.3-6 (1024 with the others); "
            "127.0.0.7: HTTP %d; one let go: HTTP %d%s"
            % (got, st, st2, ", echoed" if ok else ""))


def body(d):
    """The cases, in order."""
    raise_nofile(4096)
    c = Cases(d)
    held = []
    c.run("1024 idle sessions from one address",
          lambda: one_address(d, held), hwm_max=16 << 20)
    c.run("every slot taken (max_connections)",
          lambda: all_slots(d, held), hwm_max=16 << 20)
    for s in held:
        s.close()
    c.finish()


if __name__ == "__main__":
    sys.exit(main_with("slots", "echo.troy", {}, body))
