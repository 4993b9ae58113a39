#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Limits of a running ws_server echo flow (json, lines): keepalive pings
(PING_PORT: ping_interval_ms 300), the connection limit (LIMIT_PORT:
max_connections 2, then 503) and the per-connection output bound (a
client that does not read is closed with 1008).  Usage:
limits.py ECHO_PORT PING_PORT LIMIT_PORT.  Last line "N passed, N failed".
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from frames import frame, read_frame  # noqa: E402
import frames  # noqa: E402

ECHO, PING, LIMIT = (int(a) for a in sys.argv[1:4])
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok - " + name)
    else:
        failed += 1
        print("FAIL - %s %s" % (name, detail))


def connect(port, rcvbuf=None):
    frames.PORT = port
    if rcvbuf is None:
        return frames.connect()
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Key: "
              b"dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13"
              b"\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    return s, head.decode("latin-1")


# keepalive: a ping arrives; a client that stays silent is closed (1001)
s, head = connect(PING)
t0 = time.time()
fin, op, data = read_frame(s)
check("keepalive ping within the interval",
      op == 9 and time.time() - t0 < 1.5, repr((op, time.time() - t0)))
s.sendall(frame(10, data))
fin, op, data2 = read_frame(s)
check("next ping after a pong", op == 9 and data2 != data)
fin, op, data = read_frame(s)
check("silent client closed with 1001",
      op == 8 and data[:2] == struct.pack("!H", 1001), repr((op, data)))
s.close()

# connection limit: the third client gets 503, the first two still work
a, ha = connect(LIMIT)
b, hb = connect(LIMIT)
c, hc = connect(LIMIT)
check("two clients accepted", ha.startswith("HTTP/1.1 101") and
      hb.startswith("HTTP/1.1 101"))
check("third client refused with 503", hc.startswith("HTTP/1.1 503"), hc[:40])
c.close()
a.sendall(frame(1, b'"a"\n'))
check("first client still served", read_frame(a)[2] == b'"a"\n')
a.close()
time.sleep(0.3)
d, hd = connect(LIMIT)
check("a freed place is taken again", hd.startswith("HTTP/1.1 101"), hd[:40])
d.close()
b.close()

# output bound: a client that sends but never reads is closed with 1008
s, head = connect(ECHO, rcvbuf=65536)
msg = frame(1, b'"' + b"x" * (1024 * 1024) + b'"\n')
sent = 0
try:
    for i in range(40):
        s.sendall(msg)
        sent += 1
except OSError:
    pass
code = None
try:
    while True:
        fin, op, data = read_frame(s)
        if op == 8:
            code = struct.unpack("!H", data[:2])[0]
            break
except Exception as e:  # noqa: BLE001
    code = repr(e)
check("client that does not read closed with 1008", code == 1008,
      "got %r after %d messages" % (code, sent))
s.close()
s, head = connect(ECHO)
s.sendall(frame(1, b'"fine"\n'))
check("others unaffected", read_frame(s)[2] == b'"fine"\n')
s.close()
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
