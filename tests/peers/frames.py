#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Frame-level RFC 6455 checks against a running wsflow echo flow.

The flow under test is a ws_server with codec json and the lines pre- and
postprocessors that routes everything back to itself.  Hand-made frames
over a raw socket (these stand in for the Autobahn suite in CI): ping and
pong, close echo, protocol errors and their close codes, fragmented
messages with pings in between, binary frames, handshake errors.  Prints
one line per check and "N passed, N failed" last.
"""
import base64
import os
import socket
import struct
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 0
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok - " + name)
    else:
        failed += 1
        print("FAIL - %s %s" % (name, detail))


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError("connection closed")
        data += chunk
    return data


def connect(request=None):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    if request is None:
        request = ("GET /chat?x=1 HTTP/1.1\r\nHost: localhost\r\n"
                   "Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                   "\r\n" % key)
    s.sendall(request.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        c = s.recv(1)
        if not c:
            break
        head += c
    return s, head.decode("latin-1")


def frame(op, payload=b"", fin=True, mask=True, rsv=0, length=None):
    b0 = (0x80 if fin else 0) | (rsv << 4) | op
    n = len(payload) if length is None else length
    if n < 126:
        hdr = struct.pack("!BB", b0, (0x80 if mask else 0) | n)
    elif n < 65536:
        hdr = struct.pack("!BBH", b0, (0x80 if mask else 0) | 126, n)
    else:
        hdr = struct.pack("!BBQ", b0, (0x80 if mask else 0) | 127, n)
    if not mask:
        return hdr + payload
    key = os.urandom(4)
    return hdr + key + bytes(c ^ key[i % 4] for i, c in enumerate(payload))


def read_frame(s):
    b0, b1 = recv_exact(s, 2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", recv_exact(s, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", recv_exact(s, 8))[0]
    if b1 & 0x80:
        raise ValueError("server frame is masked")
    return b0 & 0x80 != 0, b0 & 0x0F, recv_exact(s, n)


def closed_by_server(s):
    """True if the server closed TCP (EOF) soon."""
    try:
        s.settimeout(3)
        while True:
            if not s.recv(4096):
                return True
    except (socket.timeout, OSError):
        return False


def expect_close(name, s, code):
    try:
        while True:
            fin, op, data = read_frame(s)
            if op == 8:
                break
        got = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None
        check(name + ": close %d" % code, got == code, "got %r" % (got,))
        check(name + ": server drops TCP", closed_by_server(s))
    except Exception as e:  # noqa: BLE001
        check(name, False, repr(e))
    s.close()


def main():
    # handshake and a simple echo
    s, head = connect()
    check("handshake 101", head.startswith("HTTP/1.1 101"), head[:40])
    s.sendall(frame(1, b'{"a": 1}\n'))
    fin, op, data = read_frame(s)
    check("text echo", (fin, op, data) == (True, 1, b'{"a":1}\n'), repr(data))

    # ping / pong, identical payload; pongs from the client are ignored
    s.sendall(frame(9, b"\x01\x02\x03\x04"))
    fin, op, data = read_frame(s)
    check("pong with the ping's payload", (op, data) ==
          (10, b"\x01\x02\x03\x04"), repr((op, data)))
    s.sendall(frame(10, b"unsolicited"))
    s.sendall(frame(9, b""))
    fin, op, data = read_frame(s)
    check("empty ping answered, pong ignored", (op, data) == (10, b""))

    # fragmented message with pings in between
    s.sendall(frame(1, b'"fr', fin=False) + frame(9, b"p1") +
              frame(0, b"ag", fin=False) + frame(9, b"p2") +
              frame(0, b'"\n', fin=True))
    got = [read_frame(s) for _ in range(3)]
    check("pings inside a fragmented message",
          got == [(True, 10, b"p1"), (True, 10, b"p2"),
                  (True, 1, b'"frag"\n')], repr(got))

    # binary in, binary out ($binary)
    s.sendall(frame(2, b'"bin"\n'))
    fin, op, data = read_frame(s)
    check("binary echo stays binary", (op, data) == (2, b'"bin"\n'),
          repr((op, data)))

    # close echo: same code and reason, then the server drops TCP
    s.sendall(frame(8, struct.pack("!H", 1000) + b"WS Test client closing."))
    fin, op, data = read_frame(s)
    check("close echoed with code and reason",
          (op, data) == (8, struct.pack("!H", 1000) +
                         b"WS Test client closing."), repr(data))
    check("server drops TCP after the close handshake", closed_by_server(s))
    s.close()

    # protocol errors
    s, _ = connect()
    s.sendall(frame(3, b"x"))
    expect_close("reserved opcode", s, 1002)
    s, _ = connect()
    s.sendall(frame(1, b"x", rsv=4))
    expect_close("RSV1 without an extension", s, 1002)
    s, _ = connect()
    s.sendall(frame(1, b'"x"\n', mask=False))
    expect_close("unmasked client frame", s, 1002)
    s, _ = connect()
    s.sendall(frame(1, b'"\xff\xfe"\n'))
    expect_close("invalid UTF-8 text", s, 1007)
    s, _ = connect()
    s.sendall(frame(1, b'"\xce', fin=False) +
              frame(0, b'\xba\xe1\xbd\xb9"\n', fin=True))
    fin, op, data = read_frame(s)
    check("UTF-8 split across fragments",
          (op, data) == (1, '"\u03ba\u1f79"\n'.encode()), repr(data))
    s.close()
    s, _ = connect()
    s.sendall(frame(1, b"", length=17 * 1024 * 1024))
    expect_close("frame over 16 MiB", s, 1009)
    s, _ = connect()
    s.sendall(frame(9, b"x" * 126))
    expect_close("control frame over 125 bytes", s, 1002)
    s, _ = connect()
    s.sendall(frame(9, b"x", fin=False))
    expect_close("fragmented control frame", s, 1002)
    s, _ = connect()
    s.sendall(frame(0, b"x"))
    expect_close("continuation without a message", s, 1002)
    s, _ = connect()
    s.sendall(frame(1, b"a", fin=False) + frame(1, b"b"))
    expect_close("new message inside a fragmented one", s, 1002)
    s, _ = connect()
    s.sendall(frame(8, struct.pack("!H", 1005)))
    expect_close("close code 1005 on the wire", s, 1002)
    s, _ = connect()
    s.sendall(frame(8, b"\x03"))
    expect_close("one-byte close payload", s, 1002)

    # handshake errors get an HTTP answer; the server carries on
    s, head = connect("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    check("plain HTTP request gets 400", head.startswith("HTTP/1.1 400"),
          head[:40])
    s.close()
    s, head = connect("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: "
                      "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8"
                      "\r\n\r\n")
    check("version 8 gets 426", head.startswith("HTTP/1.1 426"), head[:40])
    s.close()
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    s.close()                      # a TCP probe, no handshake
    s, head = connect()
    s.sendall(frame(1, b'"still here"\n'))
    fin, op, data = read_frame(s)
    check("server still serves after errors and probes",
          data == b'"still here"\n', repr(data))
    s.sendall(frame(8, struct.pack("!H", 1001)))
    fin, op, data = read_frame(s)
    check("close 1001 echoed", data == struct.pack("!H", 1001), repr(data))
    s.close()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
