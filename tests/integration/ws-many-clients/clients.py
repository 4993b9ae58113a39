#!/usr/bin/python3
"""1500 clients of a ws_server with max_connections 1500: every upgrade
succeeds and every client gets its own echo; the 1501st client is answered
HTTP 503; once one client leaves a new one is served.  Writes result.log."""
import asyncio
import resource
import sys

import websockets

sys.path.insert(0, "../bin")
from relayclient import finish, status_line, wait_port  # noqa: E402

PORT = 14361
N = 1500
URL = "ws://127.0.0.1:%d/" % PORT
BATCH = 100


async def connect():
    return await websockets.connect(URL, ping_interval=None,
                                    open_timeout=10)


async def echo(ws, msg):
    await ws.send(msg)
    try:
        got = await asyncio.wait_for(ws.recv(), 10)
    except asyncio.TimeoutError:
        return False
    return got == msg


async def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < N + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    wait_port(PORT)
    out = []
    conns = []
    for i in range(0, N, BATCH):
        conns += await asyncio.gather(*[connect() for _ in range(BATCH)],
                                      return_exceptions=True)
    ok = [c for c in conns if not isinstance(c, Exception)]
    out.append("%d of %d clients upgraded" % (len(ok), N))
    res = await asyncio.gather(*[echo(c, "client %d" % i)
                                 for i, c in enumerate(ok)])
    out.append("%d clients got their own echo" % sum(res))
    out.append("client %d: %s" % (N + 1, await status_line(PORT)))
    await ok[0].close()
    again = "not served"
    for _ in range(50):
        if (await status_line(PORT)).endswith("101 Switching Protocols"):
            again = "served"
            break
        await asyncio.sleep(0.1)
    out.append("after one left, a new client is %s" % again)
    await asyncio.gather(*[c.close() for c in ok[1:]])
    await finish(PORT, out)


asyncio.run(main())
