#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Send 150000 records of about 250 bytes (100 lines per frame) as fast as
the server takes them, then "exit"."""
import asyncio
import socket
import time

import websockets


async def main():
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", 14241), 0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    pad = "x" * 240
    async with websockets.connect("ws://127.0.0.1:14241/") as ws:
        for b in range(1500):
            await ws.send("".join('{"i":%d,"pad":"%s"}\n' % (b * 100 + i, pad)
                                  for i in range(100)))
        await ws.send('"exit"\n')
        await asyncio.sleep(1)

asyncio.run(main())
