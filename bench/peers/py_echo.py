#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""python3-websockets echo peer for the benchmarks: 127.0.0.1:PORT, ws://
or wss:// (with TLS_CERT and TLS_KEY in the environment)."""
import asyncio
import logging
import os
import ssl
import sys

import websockets


async def echo(ws, path=None):
    async for msg in ws:
        await ws.send(msg)


async def main(port):
    ctx = None
    if os.environ.get("TLS_CERT"):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.environ["TLS_CERT"], os.environ["TLS_KEY"])
    async with websockets.serve(echo, "127.0.0.1", port, ssl=ctx,
                                max_size=64 * 1024 * 1024, compression=None,
                                ping_interval=None, max_queue=64):
        await asyncio.Future()


if __name__ == "__main__":
    # a client that drops without a close frame is not news here
    logging.getLogger("websockets").setLevel(logging.CRITICAL)
    asyncio.run(main(int(sys.argv[1])))
