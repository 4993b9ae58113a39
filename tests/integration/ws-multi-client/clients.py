#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Drive the echo flow: a client that leaves without reading its replies,
then eight concurrent clients (text and binary frames) that must each get
exactly their own replies in order, then "exit".  Writes result.log."""
import asyncio
import json
import socket
import time

import websockets

URL = "ws://127.0.0.1:14211/"
N = 100


def wait_port():
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", 14211), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)


async def rude():
    ws = await websockets.connect(URL)
    for n in range(50):
        await ws.send(json.dumps({"rude": n}) + "\n")
    ws.transport.abort()          # gone before any reply


async def client(i):
    binary = i % 2 == 1
    async with websockets.connect(URL) as ws:
        want = []
        for n in range(N):
            line = json.dumps({"client": i, "n": n}, separators=(",", ":")) + "\n"
            want.append(line)
            await ws.send(line.encode() if binary else line)
        got = []
        while len(got) < N:
            m = await asyncio.wait_for(ws.recv(), 10)
            if isinstance(m, bytes) != binary:
                return "client %d: wrong frame type" % i
            got.append(m.decode() if binary else m)
        if got != want:
            return "client %d: replies differ" % i
        return "client %d (%s): %d own replies in order" % (
            i, "binary" if binary else "text", N)


async def main():
    wait_port()
    out = []
    await rude()
    await asyncio.sleep(0.3)
    res = await asyncio.gather(*[client(i) for i in range(8)],
                               return_exceptions=True)
    out.extend(str(r) for r in res)
    async with websockets.connect(URL) as ws:
        await ws.send('"exit"\n')
        await asyncio.sleep(0.5)
    with open("result.log", "w") as f:
        f.write("\n".join(out) + "\n")


asyncio.run(main())
