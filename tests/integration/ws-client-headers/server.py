#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""server.py PORT LOG: a python3-websockets server that writes the path
and the handshake header fields ws_client sent (Authorization, X-Trace,
Origin, and how many Authorization fields) to LOG, then echoes."""
import asyncio
import sys

import websockets

port, log = int(sys.argv[1]), sys.argv[2]
open(log, "w").close()


async def check(path, headers):
    with open(log, "a", encoding="utf-8") as f:
        f.write("path %s\n" % path)
        for name in ("Authorization", "X-Trace", "Origin"):
            f.write("%s: %s\n" % (name, headers.get(name)))
        f.write("authorization fields: %d\n"
                % len(headers.get_all("Authorization")))


async def echo(ws, _path):
    async for m in ws:
        await ws.send(m)


async def main():
    async with websockets.serve(echo, "127.0.0.1", port,
                                process_request=check):
        await asyncio.Future()

asyncio.run(main())
