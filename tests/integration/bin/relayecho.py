#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Upstream echo peer for the ws-relay-* tests (python3-websockets).

relayecho.py PORT LOG [--refuse N]...  Echoes every message with its frame
type.  Appends one line per event to LOG: "open K", "close K CODE" (K
counts connections from 1; CODE is the close code the relay sent, or
"abort" when the connection ended without one).  A text message "die\\n"
drops that connection without a close frame; --refuse N answers the Nth
connection attempt with HTTP 503 instead of the upgrade."""
import argparse
import asyncio
import http
import itertools
import resource

import websockets

p = argparse.ArgumentParser()
p.add_argument("port", type=int)
p.add_argument("log")
p.add_argument("--refuse", type=int, action="append", default=[])
args = p.parse_args()
open(args.log, "w").close()     # a fresh log per run, never a stale one
# ws-relay-many holds over a thousand connections: as an ordinary user
# the soft descriptor limit is often 1024
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (_hard, _hard))
count = itertools.count(1)
attempts = itertools.count(1)


def note(line):
    with open(args.log, "a") as f:
        f.write(line + "\n")


async def refuse(path, headers):
    n = next(attempts)
    if n in args.refuse:
        note("refused %d" % n)
        return http.HTTPStatus.SERVICE_UNAVAILABLE, [], b"refused\n"
    return None


async def handler(ws, *unused):
    k = next(count)
    note("open %d" % k)
    try:
        async for m in ws:
            if m == "die\n":
                ws.transport.abort()
                break
            await ws.send(m)
    except websockets.ConnectionClosed:
        pass
    await ws.wait_closed()
    code = ws.close_code
    note("close %d %s" % (k, code if code not in (None, 1006) else "abort"))


async def main():
    async with websockets.serve(handler, "127.0.0.1", args.port,
                                process_request=refuse,
                                max_size=None, ping_interval=None):
        await asyncio.Future()

asyncio.run(main())
