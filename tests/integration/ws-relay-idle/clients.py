#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""idle_timeout_ms 400: a client that stays silent loses its upstream
connection (closed with 1000) but keeps its own; its next message opens
a new upstream connection and is answered.  Writes result.log."""
import asyncio
import sys

sys.path.insert(0, "../bin")
from relayclient import Client, finish, upstream_log, wait_log, wait_port  # noqa: E402,E501

PORT = 14276


async def main():
    wait_port(PORT)
    out = []
    a = Client(PORT, "a")
    await a.open()
    out.append("a: %s" % await a.say("a1"))
    out.append("idle upstream closed: %s" % await wait_log("close 1 1000"))
    out.append("a again: %s" % await a.say("a2"))
    out.append("upstream: %s" % upstream_log())
    await finish(PORT, out)


asyncio.run(main())
