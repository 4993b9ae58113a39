#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Send one text frame, one binary frame, then "exit" to the front."""
import asyncio
import socket
import time

import websockets


async def main():
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", 14250), 0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    async with websockets.connect("ws://127.0.0.1:14250/") as ws:
        await ws.send('{"n":1}\n')
        await ws.send(b'{"n":2}\n')
        await asyncio.sleep(0.5)
        await ws.send('"exit"\n')
        await asyncio.sleep(0.3)

asyncio.run(main())
