#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""max_connections 2: a third client gets no answers while two streams
hold the connections, and still none when a slot frees up and a fourth
client takes it.  Writes result.log."""
import asyncio
import sys

sys.path.insert(0, "../bin")
from relayclient import Client, finish, wait_log, wait_port  # noqa: E402

PORT = 14272


async def main():
    wait_port(PORT)
    out = []
    a, b, c, d = (Client(PORT, n) for n in "abcd")
    for x in (a, b, c):
        await x.open()
    out.append("a: %s" % await a.say("a1"))
    out.append("b: %s" % await b.say("b1"))
    out.append("c over the bound: %s" % await c.say("c1", 1.0))
    await a.close()
    out.append("a left, its upstream closed: %s" % await wait_log(
        "close 1 1000"))
    await d.open()
    out.append("d takes the free slot: %s" % await d.say("d1"))
    out.append("c still over the bound: %s" % await c.say("c2", 1.0))
    out.append("b: %s" % await b.say("b2"))
    await finish(PORT, out)


asyncio.run(main())
