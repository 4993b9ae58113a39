#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Frame-length tricks and close-code abuse against ws_server
(limits.troy with max_frame_size 65536), each case beside the
well-behaved client:
- a 64-bit length with its high bit set (1002); a length over
  max_frame_size announced in 64 bits, refused from the header before
  any payload (1009); non-minimal 16- and 64-bit encodings of a short
  length (tolerated: echoed, the bounds hold whatever the encoding);
- close frames with the invalid codes 999, 1004, 1005, 1006, 1015 and
  5000, or a one-byte payload (1002); a reason that is not UTF-8 (1007);
- a close frame followed by data: the close is echoed, the data never.
The last line is "N passed, N failed"; exit status 0 when all passed.
"""
import os
import struct
import sys

from limits_lib import Cases, close_frame, ended, main_with, upgrade
from hostile import ECHO_WAIT, frame, recv_message


def raw_frame(b0, lenbytes, payload):
    """A masked frame with a length field written by hand."""
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([b0]) + lenbytes + mask + body


def expect_close(port, data, want):
    """Send data after the upgrade: the server must close with want."""
    s, st = upgrade(port)
    if st != 101:
        return False, "upgrade refused: %d" % st
    s.sendall(data)
    t, code, how = ended(s, 5, answer=True)
    s.close()
    return code == want and how != "still open", "close %s, then %s" % (
        code, how)


def expect_echo(port, data, payload):
    """Send data: the message must come back."""
    s, st = upgrade(port)
    if st != 101:
        return False, "upgrade refused: %d" % st
    s.sendall(data)
    s.settimeout(ECHO_WAIT)
    got = recv_message(s)
    s.close()
    return got == (2, payload), "echoed %d bytes" % len(got[1])


def close_then_data(port):
    """Close, then a message: the close is echoed, the message not."""
    s, st = upgrade(port)
    if st != 101:
        return False, "upgrade refused: %d" % st
    s.sendall(close_frame(1000, b"bye") + frame(2, b"after close"))
    s.settimeout(ECHO_WAIT)
    seen = []
    try:
        while True:
            b0, b1 = s.recv(2)
            data = s.recv(b1 & 0x7f)
            seen.append((b0 & 0x0f, data))
    except (ValueError, OSError):
        pass
    s.close()
    ops = [op for op, _ in seen]
    return (ops == [8] and seen[0][1][:2] == b"\x03\xe8",
            "frames back: %s (close %s), then the end" % (
                ops, seen[0][1][:2].hex() if seen else "none"))


def body(d):
    """The cases, in order."""
    c = Cases(d)
    p = d.port
    c.run("64-bit length, high bit set", lambda: expect_close(
        p, raw_frame(0x82, bytes([0xff]) + struct.pack("!Q", 1 << 63 | 5),
                     b""), 1002))
    c.run("length 2^40 over max_frame_size", lambda: expect_close(
        p, raw_frame(0x82, bytes([0xff]) + struct.pack("!Q", 1 << 40),
                     b""), 1009))
    c.run("length 65537 over max_frame_size", lambda: expect_close(
        p, raw_frame(0x82, bytes([0xff]) + struct.pack("!Q", 65537),
                     b"z" * 100), 1009))
    c.run("5 bytes in a 16-bit length", lambda: expect_echo(
        p, raw_frame(0x82, bytes([0xfe]) + struct.pack("!H", 5), b"short"),
        b"short"))
    c.run("5 bytes in a 64-bit length", lambda: expect_echo(
        p, raw_frame(0x82, bytes([0xff]) + struct.pack("!Q", 5), b"tiny!"),
        b"tiny!"))
    for code in (999, 1004, 1005, 1006, 1015, 5000):
        c.run("close code %d" % code, lambda code=code: expect_close(
            p, close_frame(code), 1002))
    c.run("close with a one-byte payload", lambda: expect_close(
        p, raw_frame(0x88, bytes([0x81]), b"\x03"), 1002))
    c.run("close reason not UTF-8", lambda: expect_close(
        p, close_frame(1000, b"bad \xc3\x28 reason"), 1007))
    c.run("close, then data", lambda: close_then_data(p))
    c.finish()


if __name__ == "__main__":
    sys.exit(main_with("frames", "limits.troy", {"maxframe": 65536}, body))
