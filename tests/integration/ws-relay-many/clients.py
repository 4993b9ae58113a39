#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""1100 clients through a relay with max_connections 1100: each gets its
own answer over its own upstream connection; the 1101st client gets none
while they hold every connection.  Writes result.log."""
import asyncio
import sys

sys.path.insert(0, "../bin")
from relayclient import (connect_many, finish, raise_fd_limit,  # noqa: E402
                         say, upstream_log, wait_port)

PORT = 14362
N = 1100
BATCH = 100


async def main():
    raise_fd_limit(N + 100)
    wait_port(PORT)
    out = []
    ok = await connect_many(PORT, N + 1)
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
