#!/usr/bin/python3
"""1100 clients through a relay with max_connections 1100: each gets its
own answer over its own upstream connection; the 1101st client gets none
while they hold every connection.  Writes result.log."""
import asyncio
import resource
import sys

import websockets

sys.path.insert(0, "../bin")
from relayclient import finish, upstream_log, wait_port  # noqa: E402

PORT = 14362
N = 1100
URL = "ws://127.0.0.1:%d/" % PORT
BATCH = 100


async def connect():
    return await websockets.connect(URL, ping_interval=None,
                                    open_timeout=10)


async def say(ws, msg, wait=10):
    await ws.send(msg)
    try:
        got = await asyncio.wait_for(ws.recv(), wait)
    except asyncio.TimeoutError:
        return "none"
    return "echo" if got == msg else "wrong"


async def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < N + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    wait_port(PORT)
    out = []
    conns = []
    for i in range(0, N + 1, BATCH):
        conns += await asyncio.gather(
            *[connect() for _ in range(min(BATCH, N + 1 - i))],
            return_exceptions=True)
    ok = [c for c in conns if not isinstance(c, Exception)]
    out.append("%d of %d clients upgraded" % (len(ok), N + 1))
    res = []
    for i in range(0, N, BATCH):
        res += await asyncio.gather(*[say(c, "client %d" % (i + j))
                                      for j, c in enumerate(ok[i:i + BATCH])])
    out.append("%d clients got their own answer" % res.count("echo"))
    opens = sum(1 for x in upstream_log() if x.startswith("open "))
    out.append("%d upstream connections" % opens)
    out.append("client %d over the bound: %s" % (
        N + 1, await say(ok[N], "over", 1.0)))
    await asyncio.gather(*[c.close() for c in ok])
    await finish(PORT, out)


asyncio.run(main())
