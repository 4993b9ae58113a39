#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Runs $WSFLOWD with limited.conf under RLIMIT_NOFILE 200 (soft and
hard): max_connections 1000 cannot be met, so its ws_server warns once
and serves 168 clients (200 less the reserve of 32); the 169th is
answered HTTP 503.  Then stops it and the test's own daemon.  Writes
result.log; the second daemon's stderr goes to limited.err.log."""
import asyncio
import os
import resource
import signal
import subprocess
import sys


sys.path.insert(0, "../bin")
from relayclient import (connect_many, finish, say,  # noqa: E402
                         status_line, wait_port)

PORT = 14365
LIMIT = 200
N = LIMIT - 32


def limit():
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, LIMIT))


async def main():
    out = []
    with open("limited.err.log", "w") as err:
        d = subprocess.Popen([os.environ["WSFLOWD"], "-d", "-s",
                              "limited.sock", "limited.conf"],
                             stdin=subprocess.DEVNULL, stdout=err,
                             stderr=err, preexec_fn=limit)
    try:
        wait_port(PORT)
        ok = await connect_many(PORT, N, batch=N)
        out.append("%d of %d clients upgraded" % (len(ok), N))
        res = await asyncio.gather(*[say(c, "c%d" % i)
                                     for i, c in enumerate(ok)])
        out.append("%d clients got their own echo" % res.count("echo"))
        out.append("client %d: %s" % (N + 1, await status_line(PORT)))
        await asyncio.gather(*[c.close() for c in ok])
    finally:
        d.send_signal(signal.SIGTERM)
        out.append("limited daemon exit status %s" % d.wait(10))
    wait_port(14364)
    await finish(14364, out)


asyncio.run(main())
