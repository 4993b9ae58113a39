#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""1500 clients of a ws_server with max_connections 1500: every upgrade
succeeds and every client gets its own echo; the 1501st client is answered
HTTP 503; once one client leaves a new one is served.  Writes result.log."""
import asyncio
import sys

sys.path.insert(0, "../bin")
from relayclient import (connect_many, finish, raise_fd_limit,  # noqa: E402
                         say, status_line, wait_port)

PORT = 14361
N = 1500


async def main():
    raise_fd_limit(N + 100)
    wait_port(PORT)
    out = []
    ok = await connect_many(PORT, N)
    out.append("%d of %d clients upgraded" % (len(ok), N))
    res = await asyncio.gather(*[say(c, "client %d" % i)
                                 for i, c in enumerate(ok)])
    out.append("%d clients got their own echo" % res.count("echo"))
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
