#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Eight concurrent clients through the relay (text and binary frames,
UTF-8 and arbitrary bytes, 1 B to 3000 B): each must get exactly its own
answers, in order, byte for byte.  Then each client's leaving must close
its upstream connection with 1000 (seen by the echo peer) while the
daemon still runs.  Writes result.log."""
import asyncio
import random
import socket
import time

import websockets

URL = "ws://127.0.0.1:14270/"
N = 200


def wait_port():
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", 14270), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)


def message(rnd, i, n, binary):
    size = rnd.choice([1, 7, 64, 300, 3000])
    if binary:
        return bytes([i, n & 255]) + rnd.randbytes(size)
    text = "client %d message %d é€😀 " % (i, n)
    return (text * (size // len(text) + 1))[:max(size, len(text))]


async def client(i):
    rnd = random.Random(i)
    binary = i % 2 == 1
    async with websockets.connect(URL, max_size=None) as ws:
        want = [message(rnd, i, n, binary) for n in range(N)]

        async def send():
            for m in want:
                await ws.send(m)
        sender = asyncio.ensure_future(send())
        got = []
        while len(got) < N:
            m = await asyncio.wait_for(ws.recv(), 10)
            if isinstance(m, bytes) != binary:
                return "client %d: wrong frame type" % i
            got.append(m)
        await sender
        if got != want:
            return "client %d: answers differ" % i
        return "client %d (%s): %d own answers in order" % (
            i, "binary" if binary else "text", N)


def upstream_log():
    try:
        with open("upstream.log") as f:
            return f.read().split("\n")
    except OSError:
        return []


async def main():
    wait_port()
    out = []
    res = await asyncio.gather(*[client(i) for i in range(8)],
                               return_exceptions=True)
    out.extend(str(r) for r in res)
    # the clients are gone: their upstream connections must close (1000)
    for _ in range(50):
        lines = upstream_log()
        if sum(1 for x in lines if x.startswith("close")) >= 8:
            break
        await asyncio.sleep(0.1)
    lines = upstream_log()
    opens = sum(1 for x in lines if x.startswith("open"))
    codes = sorted(x.split()[2] for x in lines if x.startswith("close"))
    out.append("upstream: %d opened, closed with %s" % (opens, codes))
    async with websockets.connect(URL) as ws:
        await ws.send("exit")
        await asyncio.sleep(0.5)
    with open("result.log", "w") as f:
        f.write("\n".join(out) + "\n")


asyncio.run(main())
