#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Six clients stream requests through the relay without waiting for
answers.  Once each has had some answers, the daemon gets SIGTERM while
requests are in flight.  Every answer a client got must be its own
requests' echo, in order, with nothing missing in between; each client
must be closed with 1001; a raw client that sends after the daemon's
close (and only then answers it) has those messages dropped; every upstream connection must close with
1001 (the relay goes away); the daemon must exit well inside its 5 s
drain timeout (3 s).
Writes result.log."""
import asyncio
import base64
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


def frame(opcode, payload):
    """A masked client frame (payload below 126 bytes)."""
    mask = os.urandom(4)
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + bytes(
        b ^ mask[i % 4] for i, b in enumerate(payload))


async def late_client(connected, stop):
    """Idle until the daemon closes it; then five messages, then the
    close answer.  The close code it got, or what went wrong."""
    r, w = await asyncio.open_connection("127.0.0.1", 14286)
    key = base64.b64encode(os.urandom(16)).decode()
    w.write(("GET / HTTP/1.1\r\nHost: 127.0.0.1:14286\r\n"
             "Upgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
             "\r\n" % key).encode())
    head = await r.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101"):
        return "no upgrade"
    connected.set()
    await stop.wait()
    while True:
        b0, b1 = await asyncio.wait_for(r.readexactly(2), 5)
        n = b1 & 0x7f
        if n == 126:
            n = int.from_bytes(await r.readexactly(2), "big")
        elif n == 127:
            n = int.from_bytes(await r.readexactly(8), "big")
        data = await r.readexactly(n)
        if b0 & 0x0f == 8:
            break
    for k in range(5):
        w.write(frame(1, b"late request %d" % k))
    await w.drain()
    await asyncio.sleep(0.2)
    w.write(frame(8, (1000).to_bytes(2, "big")))
    await w.drain()
    await r.read()
    w.close()
    return int.from_bytes(data[:2], "big")


async def main():
    wait_port(14286)
    out = []
    ready = asyncio.Semaphore(0)
    clients = [Client(i) for i in range(N)]
    tasks = [asyncio.ensure_future(c.run(ready)) for c in clients]
    connected, stop = asyncio.Event(), asyncio.Event()
    late = asyncio.ensure_future(late_client(connected, stop))
    await asyncio.wait_for(connected.wait(), 10)
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
    stop.set()
    res = await asyncio.gather(*tasks, return_exceptions=True)
    try:
        code = await late
    except Exception as e:
        code = repr(e)
    out.extend("client %d: %r" % (i, r) for i, r in enumerate(res)
               if r is not None)
    while alive(pid) and time.monotonic() - t0 < 10:
        await asyncio.sleep(0.02)
    took = time.monotonic() - t0
    out.extend(c.check() for c in clients)
    out.append("late client: closed with %s" % code)
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
