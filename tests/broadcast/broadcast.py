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

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "hostile"))
from hostile import (BLD, SRC, Daemon, check, frame,  # noqa: E402
                     recv_message, ws_connect)
from limits_lib import ended, run_daemon  # noqa: E402

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


def wait_for(cond, secs, what):
    """Poll cond until it holds; a timeout is an exception."""
    end = time.monotonic() + secs
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("waited %d s for %s" % (secs, what))
        time.sleep(0.02)


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


def midway(d, pub):
    """A client that connects midway gets the events from then on."""
    a = ws_connect(PORT, False)
    wait_for(lambda: d.stats().get("open", 0) >= 1, 20, "a client open")
    for i in range(100):
        pub.sendall(frame(1, b"m%d" % i))
    got_a = messages(a, 100)
    b = ws_connect(PORT, False)
    wait_for(lambda: d.stats().get("open", 0) >= 2, 20, "two clients open")
    for i in range(100, 200):
        pub.sendall(frame(1, b"m%d" % i))
    got_a += messages(a, 100)
    got_b = messages(b, 100)
    check(got_a == [b"m%d" % i for i in range(200)],
          "midway: the first client got all 200 events in order")
    check(got_b == [b"m%d" % i for i in range(100, 200)],
          "midway: the client that came after 100 events got the other "
          "100, in order, and nothing before")
    a.close()
    b.close()
    wait_for(lambda: d.stats().get("open", 0) == 0, 20, "clients gone")


def many_and_slow(d, pub):
    """1,000 subscribers get every event in order; a client that never
    reads is closed with 1008 and counted meanwhile."""
    slow = ws_connect(PORT, False, rcvbuf=4096)
    wait_for(lambda: d.stats().get("open", 0) >= 1, 20, "the slow client")
    t0 = time.monotonic()
    r = subprocess.run(
        [os.path.join(BLD, "bench", "wsfan"), "-c", str(SUBS), "-n",
         str(EVENTS), "-k", "64", "-s", "80", "-t", "30", "-l", "test",
         "ws://127.0.0.1:%d/" % PORT, "ws://127.0.0.1:%d/" % PUB],
        capture_output=True, text=True, timeout=300)
    took = time.monotonic() - t0
    print(r.stdout.strip() or r.stderr.strip(), flush=True)
    check(r.returncode == 0,
          "%d subscribers each got all %d events in order (%.1f s, beside "
          "the client that never reads)%s" % (
              SUBS, EVENTS, took, "" if r.returncode == 0 else
              ": " + r.stderr.strip()))
    print("slow_closed after the subscribers' run: %s" %
          d.stats().get("slow_closed"), flush=True)
    # Should the small events not have passed the bound (a large send
    # buffer), larger ones do: up to 64 MiB, until it is closed.
    big = b"x" * 65536
    for _ in range(1024):
        if d.stats().get("slow_closed", 0) >= 1:
            break
        for _ in range(16):
            pub.sendall(frame(2, big))
    st = d.stats()
    check(st.get("slow_closed") == 1,
          "the client that never reads was closed for its output bound "
          "(slow_closed %s, overflows %s)" % (st.get("slow_closed"),
                                             st.get("overflows")))
    _, code, how = ended(slow, 20)
    check(code == 1008, "the client that never reads got close code %s "
          "(%s)" % (code, how))
    check(d.proc.poll() is None, "the daemon runs on")


def body(d):
    """The cases, in this order: the clients of one go before the next."""
    pub = ws_connect(PUB, False)
    no_client(d, pub)
    midway(d, pub)
    many_and_slow(d, pub)
    pub.close()


if __name__ == "__main__":
    tmpdir = tempfile.mkdtemp(prefix="broadcast.")
    sys.exit(run_daemon("broadcast", Broadcast(tmpdir), tmpdir, body))
