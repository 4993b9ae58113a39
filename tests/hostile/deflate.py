#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Hostile permessage-deflate peers against a ws_server echo with
"compression": true (echo.troy), each beside the well-behaved client of
hostile.py, which must keep getting its echoes.

- A bomb: one 256 KiB compressed frame that inflates to 256 MiB, four
  times the 64 MiB message limit.  It is closed with 1009 and the
  worker's VmHWM grows by less than the limit and a margin (inflating
  stops one byte past the limit).
- Invalid deflate data (a reserved block type) is closed with 1007, as
  is compressed text that inflates to invalid UTF-8.
- RSV1 on a ping, on a continuation frame, and on a frame of a
  connection that did not agree to compression: 1002.
- Parameter abuse in offers: bad window bits, a parameter twice, an
  unknown parameter, a malformed header and an unknown extension are
  answered 101 without the extension (RFC 7692 5: declined, not
  failed); a declined offer followed by a good one gets the good one; an
  oversized header gets 431; Chromium's default offer is accepted, and a
  compressed message sent on each accepted connection comes back
  compressed and intact.
The last line is "N passed, N failed"; exit status 0 when all passed.
"""
import sys
import zlib

from hostile import (ECHO_WAIT, SANITIZERS, Daemon, check, frame, recv_frame,
                     run_case, vmhwm, ws_connect)

PORT = 14492
LIMIT = 64 << 20            # the default max_message_size
BOMB = 256 << 20            # what the bomb inflates to
GROWTH_MAX = LIMIT + (24 << 20)
PMD = "Sec-WebSocket-Extensions: %s\r\n"
CHROMIUM = "permessage-deflate; client_max_window_bits"
DEADLINE = 60.0


def deflate(data, wbits=15):
    """A message as RFC 7692 7.2.1 sends it: raw deflate, sync flushed,
    the last four bytes stripped."""
    z = zlib.compressobj(1, zlib.DEFLATED, -wbits)
    out = z.compress(data) + z.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


def inflate(data):
    """The other way (no context taken over between calls)."""
    return zlib.decompressobj(-15).decompress(data + b"\x00\x00\xff\xff")


def bomb():
    """BOMB zero bytes, compressed piece by piece (one message)."""
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = bytes(1 << 20)
    out = [z.compress(piece) for _ in range(BOMB >> 20)]
    out.append(z.flush(zlib.Z_SYNC_FLUSH))
    return b"".join(out)[:-4]


def close_code(s):
    """The status of the close frame the server sends next (data frames
    before it skipped), or what happened instead."""
    try:
        while True:
            b0, data = recv_frame(s)
            if b0 & 0x0f == 8:
                return int.from_bytes(data[:2], "big") if data else 0
    except (OSError, ConnectionError) as e:
        return "no close frame: %s" % e


def compressed(port, payload):
    """Connect offering permessage-deflate and send payload."""
    s = ws_connect(port, False, headers=PMD % "permessage-deflate",
                   timeout=ECHO_WAIT)
    s.sendall(payload)
    return s


def case_bomb(d, pid):
    data = bomb()
    before = vmhwm(pid)
    s = compressed(d.port, frame(0x42, data))
    code = close_code(s)
    s.close()
    after = vmhwm(pid)
    check(code == 1009, "a %d KiB frame inflating to %d MiB: close %s"
          % (len(data) >> 10, BOMB >> 20, code))
    print("bomb: worker VmHWM %.1f -> %.1f MiB" % (before / 1048576.0,
                                                  after / 1048576.0))
    if SANITIZERS:
        print("skip: VmHWM bound (sanitizer build)", flush=True)
    else:
        check(after - before < GROWTH_MAX,
              "worker VmHWM grew by %.1f MiB (less than the %d MiB limit "
              "and %d MiB)" % ((after - before) / 1048576.0, LIMIT >> 20,
                               (GROWTH_MAX - LIMIT) >> 20))


def case_invalid(d):
    # BTYPE 11 is reserved: invalid from the first byte
    s = compressed(d.port, frame(0x42, b"\xff\xff\xff\xff"))
    check(close_code(s) == 1007, "invalid deflate data: close 1007")
    s.close()
    s = compressed(d.port,
                   frame(0x41, deflate(b"text \xc0\xaf not UTF-8")))
    check(close_code(s) == 1007, "compressed text inflating to invalid "
          "UTF-8: close 1007")
    s.close()


def case_rsv1(d):
    s = compressed(d.port, frame(0x49, b"ping with RSV1"))
    check(close_code(s) == 1002, "RSV1 on a ping: close 1002")
    s.close()
    part = deflate(b"a message in two frames")
    s = compressed(d.port, frame(0x42, part[:5], fin=False) +
                   frame(0x40, part[5:]))
    check(close_code(s) == 1002, "RSV1 on a continuation frame: close 1002")
    s.close()
    s = ws_connect(d.port, False, timeout=ECHO_WAIT)
    s.sendall(frame(0x42, deflate(b"not agreed")))
    check(close_code(s) == 1002, "RSV1 without permessage-deflate agreed: "
          "close 1002")
    s.close()


def upgrade(port, offer):
    """The server's response to an offer, and the socket."""
    status = []
    s = ws_connect(port, False, headers=PMD % offer, timeout=ECHO_WAIT,
                   status=status)
    head = status[0].split("\r\n")
    ext = [h.split(":", 1)[1].strip() for h in head
           if h.lower().startswith("sec-websocket-extensions:")]
    return s, head[0], ext


def case_offers(d):
    declined = [
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; client_max_window_bits=0x0f",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; server_no_context_takeover; "
        "server_no_context_takeover",
        "permessage-deflate; client_max_window_bits=9; "
        "client_max_window_bits=10",
        "permessage-deflate; mystery=1",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; ;;=",
        "permessage-deflate; server_max_window_bits=\"1\"0",
        "x-webkit-deflate-frame",
    ]
    for offer in declined:
        s, line, ext = upgrade(d.port, offer)
        ok = line.startswith("HTTP/1.1 101") and ext == []
        if ok:
            s.sendall(frame(2, b"plain"))
            b0, data = recv_frame(s)
            ok = b0 == 0x82 and data == b"plain"
        check(ok, "offer %r: 101 without the extension, uncompressed "
              "echo (%s, %s)" % (offer, line, ext))
        s.close()
    accepted = [
        (CHROMIUM, "permessage-deflate"),
        ("permessage-deflate", "permessage-deflate"),
        ("permessage-deflate,", "permessage-deflate"),     # empty element
        ("permessage-deflate; mystery, permessage-deflate; "
         "server_no_context_takeover",
         "permessage-deflate; server_no_context_takeover"),
        ("permessage-deflate; client_max_window_bits=9; "
         "server_max_window_bits=10",
         "permessage-deflate; server_max_window_bits=10; "
         "client_max_window_bits=9"),
    ]
    for offer, want in accepted:
        s, line, ext = upgrade(d.port, offer)
        msg = b'{"event": "compressed", "n": 12345}' * 20
        ok = ext == [want]
        if ok:
            s.sendall(frame(0x42, deflate(msg, 9)))
            b0, data = recv_frame(s)
            ok = b0 == 0xc2 and inflate(data) == msg and len(data) < len(msg)
        check(ok, "offer %r: answered %s, compressed echo" % (offer, ext))
        s.close()
    s, line, ext = upgrade(d.port, "permessage-deflate; " + "x; " * 600)
    check(line.startswith("HTTP/1.1 431"), "an offer of 1800 bytes: %s"
          % line)
    s.close()


def attack(d, pid, good):
    case_bomb(d, pid)
    case_invalid(d)
    case_rsv1(d)
    case_offers(d)
    out = d.stats().get("close_out", {})
    check(out.get("1009") == 1 and out.get("1007") == 2 and
          out.get("1002") == 3, "close codes counted: %s" % out)


def main():
    return run_case("hostile-deflate.", lambda tmp: Daemon(
        tmp, "plain", port=PORT, args=["-D", "compression=true"]),
        attack, DEADLINE)


if __name__ == "__main__":
    sys.exit(main())
