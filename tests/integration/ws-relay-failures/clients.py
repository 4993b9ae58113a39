#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""The echo peer refuses the second upstream connection (b's) and drops
c's connection when c says "die\\n": a and d are served throughout, b's
stream is given up (its events dropped until it ends; a new client b
is served), c's next event opens a new connection after the policy's
wait.  Writes result.log."""
import asyncio
import sys

sys.path.insert(0, "../bin")
from relayclient import Client, finish, wait_log, wait_port  # noqa: E402

PORT = 14274


async def main():
    wait_port(PORT)
    out = []
    a, b, c, d = (Client(PORT, n) for n in "abcd")
    for x in (a, b, c, d):
        await x.open()
    out.append("a: %s" % await a.say("a1"))
    out.append("b refused: %s" % await b.say("b1", 1.5))
    out.append("c: %s" % await c.say("c1"))
    out.append("c dies: %s" % await c.say("die\n", 0.5))
    out.append("c's upstream dropped: %s" % await wait_log("close 2 abort"))
    out.append("a: %s" % await a.say("a2"))
    out.append("d: %s" % await d.say("d1"))
    out.append("c again: %s" % await c.say("c2", 5.0))
    out.append("b given up: %s" % await b.say("b2", 1.0))
    await b.close()
    b = Client(PORT, "b")
    await b.open()
    out.append("new b: %s" % await b.say("b3"))
    out.append("a: %s" % await a.say("a3"))
    await finish(PORT, out)


asyncio.run(main())
