#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""ws_server broadcast (issue 14) against a real daemon on loopback
(broadcast.troy: the publisher's messages to ws_server "pub" go to every
client of ws_server "ws"): with no client the events are counted as
dropped and the daemon goes on; a client that comes midway gets the
events from then on; 1,000 subscribers (bench/wsfan) each get every one
of 10,000 events in order while a client that never reads (small
SO_RCVBUF) is closed with 1008 and counted.  Every wait is on a
condition."""
import os
import subprocess
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "hostile"))
from hostile import (BLD, SRC, Daemon, check, frame,  # noqa: E402
                     recv_frame, recv_message, ws_connect)
from limits_lib import ended, run_daemon  # noqa: E402
from checks import wait_for  # noqa: E402

PORT, PUB = 14570, 14571
MAX_QUEUED = 64 * 1024      # each client's output bound here
SUBS, EVENTS = 1000, 10000


class Broadcast(Daemon):
    """wsflowd on broadcast.troy; started once both listeners upgrade."""

    def __init__(self, tmp):
        super().__init__(
            tmp, "plain", port=PORT,
            own_flow=os.path.join(SRC, "tests", "broadcast",
                                  "broadcast.troy"),
            defines=["pub=127.0.0.1:%d" % PUB, "max_queued=%d" % MAX_QUEUED])

    def start(self):
        self.launch()
        wait_for(lambda: self.up(), 30, "wsflowd upgrades on both ports")

    def up(self):
        if self.proc.poll() is not None:
            raise RuntimeError("wsflowd exited %d" % self.proc.returncode)
        try:
            for p in (PUB, PORT):
                ws_connect(p, False, timeout=2).close()
            return True
        except (OSError, ConnectionError):
            return False


def no_client(d, pub):
    """Events without any client: counted as dropped, nothing stalls."""
    before = d.stats()
    for i in range(5):
        pub.sendall(frame(1, b"nobody %d" % i))
    wait_for(lambda: d.stats().get("broadcast_dropped", 0) >=
             before.get("broadcast_dropped", 0) + 5, 20,
             "five events counted as dropped")
    st = d.stats()
    check(st["broadcast_dropped"] - before.get("broadcast_dropped", 0) == 5
          and d.proc.poll() is None,
          "no client: 5 events counted as dropped (broadcast_dropped %d), "
          "the daemon runs on" % st["broadcast_dropped"])


def messages(s, n):
    """The payloads of the next n data messages on s."""
    return [recv_message(s)[1] for _ in range(n)]


def inflated(s, n, z):
    """The next n data messages on s, each compressed (RSV1), inflated
    with the connection's context z (RFC 7692 7.2.2)."""
    out = []
    while len(out) < n:
        b0, data = recv_frame(s)
        if b0 & 0x0f in (1, 2):
            if not b0 & 0x40:
                raise ConnectionError("message %d not compressed" % len(out))
            out.append(z.decompress(data + b"\x00\x00\xff\xff"))
    return out


def midway(d, pub):
    """A client that connects midway gets the events from then on; one
    with permessage-deflate gets them compressed for it alone."""
    a = ws_connect(PORT, False)
    z = ws_connect(PORT, False, headers="Sec-WebSocket-Extensions: "
                   "permessage-deflate\r\n")
    wait_for(lambda: d.stats().get("open", 0) >= 2, 20, "two clients open")
    for i in range(100):
        pub.sendall(frame(1, b"m%d" % i))
    got_a = messages(a, 100)
    b = ws_connect(PORT, False)
    wait_for(lambda: d.stats().get("open", 0) >= 3, 20, "three clients")
    for i in range(100, 200):
        pub.sendall(frame(1, b"m%d" % i))
    got_a += messages(a, 100)
    got_b = messages(b, 100)
    got_z = inflated(z, 200, zlib.decompressobj(-15))
    check(got_a == [b"m%d" % i for i in range(200)],
          "midway: the first client got all 200 events in order")
    check(got_b == [b"m%d" % i for i in range(100, 200)],
          "midway: the client that came after 100 events got the other "
          "100, in order, and nothing before")
    check(got_z == [b"m%d" % i for i in range(200)],
          "the client with permessage-deflate got all 200 events, "
          "compressed, in order")
    for s in (a, b, z):
        s.close()
    wait_for(lambda: d.stats().get("open", 0) == 0, 20, "clients gone")


def wsfan(subs, events, size):
    """bench/wsfan: subs subscribers, events published (64 in flight);
    (exit status, its line or error, seconds)."""
    t0 = time.monotonic()
    r = subprocess.run(
        [os.path.join(BLD, "bench", "wsfan"), "-c", str(subs), "-n",
         str(events), "-k", "64", "-s", str(size), "-t", "30", "-l", "test",
         "ws://127.0.0.1:%d/" % PORT, "ws://127.0.0.1:%d/" % PUB],
        capture_output=True, text=True, timeout=600)
    took = time.monotonic() - t0
    print(r.stdout.strip() or r.stderr.strip(), flush=True)
    return r.returncode, (r.stdout if r.returncode == 0 else
                          r.stderr).strip(), took


def many_and_slow(d):
    """1,000 subscribers get every event in order beside a client that
    never reads; then, with events large enough to pass its bound (8 MiB
    in all: more than its output bound and any kernel send buffer), it
    is closed with 1008 and counted while 20 others get every event."""
    slow = ws_connect(PORT, False, rcvbuf=4096)
    wait_for(lambda: d.stats().get("open", 0) >= 1, 20, "the slow client")
    rc, line, took = wsfan(SUBS, EVENTS, 80)
    check(rc == 0, "%d subscribers each got all %d events in order (%.1f "
          "s, beside the client that never reads)%s" % (
              SUBS, EVENTS, took, "" if rc == 0 else ": " + line))
    rc, line, took = wsfan(20, 512, 16384)
    st = d.stats()
    check(rc == 0, "20 subscribers each got all 512 events of 16 KiB in "
          "order (%.1f s)%s" % (took, "" if rc == 0 else ": " + line))
    check(st.get("slow_closed") == 1,
          "meanwhile the client that never reads was closed for its "
          "output bound (slow_closed %s, overflows %s)" % (
              st.get("slow_closed"), st.get("overflows")))
    # Its close frame waits behind what it did not read: the server
    # drops TCP two seconds later, so it may see either.
    _, code, how = ended(slow, 20)
    check(st.get("close_out", {}).get("1008") == 1 and how == "EOF" and
          code in (None, 1008), "the client that never reads was sent "
          "close code 1008 (sent %s), its connection ended (%s, code %s)"
          % (st.get("close_out", {}).get("1008"), how, code))
    check(d.proc.poll() is None, "the daemon runs on")


def body(d):
    """The cases, in this order: the clients of one go before the next."""
    pub = ws_connect(PUB, False)
    no_client(d, pub)
    midway(d, pub)
    pub.close()
    many_and_slow(d)


if __name__ == "__main__":
    tmpdir = tempfile.mkdtemp(prefix="broadcast.")
    sys.exit(run_daemon("broadcast", Broadcast(tmpdir), tmpdir, body))
