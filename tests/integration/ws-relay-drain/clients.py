#!/usr/bin/python3
"""Six clients stream requests through the relay without waiting for
answers.  Once each has had some answers, the daemon gets SIGTERM while
requests are in flight.  Every answer a client got must be its own
requests' echo, in order, with nothing missing in between; each client
must be closed with 1001; every upstream connection must close with
1001 (the relay goes away); the daemon must exit well inside its 5 s
drain timeout (3 s).
Writes result.log."""
import asyncio
import os
import signal
import sys
import time

import websockets

sys.path.insert(0, "../bin")
from relayclient import upstream_log, wait_port  # noqa: E402

URL = "ws://127.0.0.1:14286/"
N = 6
LIMIT = 3.0


def supervisor():
    """The pid of this test's wsflowd supervisor (its cwd is ours)."""
    here = os.getcwd()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            if os.readlink("/proc/%s/cwd" % d) != here:
                continue
            with open("/proc/%s/cmdline" % d, "rb") as f:
                if f.read().startswith(b"wsflowd: supervisor"):
                    return int(d)
        except OSError:
            continue
    return None


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[-1][0] != "Z"
    except OSError:
        return False


def message(i, n):
    return ("client %d request %d " % (i, n)) * (1 + n % 7)


class Client:
    def __init__(self, i):
        self.i = i
        self.sent = 0
        self.got = []
        self.code = None

    async def run(self, ready):
        async with websockets.connect(URL, max_size=None) as ws:
            async def send():
                try:
                    while True:
                        await ws.send(message(self.i, self.sent))
                        self.sent += 1
                        if self.sent % 10 == 0:
                            await asyncio.sleep(0.005)
                except websockets.ConnectionClosed:
                    pass
            sender = asyncio.ensure_future(send())
            try:
                while True:
                    self.got.append(await asyncio.wait_for(ws.recv(), 10))
                    if len(self.got) == 100:
                        ready.release()
            except websockets.ConnectionClosed:
                pass
            await sender
            self.code = ws.close_code

    def check(self):
        want = [message(self.i, n) for n in range(len(self.got))]
        if self.got != want:
            return "client %d: answers differ" % self.i
        return "client %d: own answers in order (%s), closed with %s" % (
            self.i, "at least 100" if len(self.got) >= 100 else
            "only %d" % len(self.got), self.code)


async def main():
    wait_port(14286)
    out = []
    ready = asyncio.Semaphore(0)
    clients = [Client(i) for i in range(N)]
    tasks = [asyncio.ensure_future(c.run(ready)) for c in clients]
    for _ in range(N):
        await asyncio.wait_for(ready.acquire(), 20)
    pid = supervisor()
    # SIGTERM at a moment when some requests are unanswered (no await
    # between the count and the kill)
    for _ in range(200):
        inflight = sum(c.sent - len(c.got) for c in clients)
        if inflight > 0:
            break
        await asyncio.sleep(0.01)
    t0 = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    res = await asyncio.gather(*tasks, return_exceptions=True)
    out.extend("client %d: %r" % (i, r) for i, r in enumerate(res)
               if r is not None)
    while alive(pid) and time.monotonic() - t0 < 10:
        await asyncio.sleep(0.02)
    took = time.monotonic() - t0
    out.extend(c.check() for c in clients)
    out.append("requests in flight at SIGTERM: %s" %
               ("some" if inflight > 0 else "none"))
    out.append("daemon exited %s" % ("within %.0f s" % LIMIT
               if took < LIMIT else "after %.1f s" % took))
    for _ in range(50):
        if sum(1 for x in upstream_log() if x.startswith("close")) >= N:
            break
        await asyncio.sleep(0.05)
    lines = upstream_log()
    opens = sum(1 for x in lines if x.startswith("open"))
    codes = sorted(x.split()[2] for x in lines if x.startswith("close"))
    out.append("upstream: %d opened, closed with %s" % (opens, codes))
    with open("result.log", "w") as f:
        f.write("\n".join(out) + "\n")


asyncio.run(main())
