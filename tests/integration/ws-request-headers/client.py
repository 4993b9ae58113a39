#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Connect with various request headers; send one event on each."""
import asyncio
import socket
import sys
import time

import websockets

URL = "ws://127.0.0.1:14380"


async def send(path, headers, event):
    async with websockets.connect(URL + path, extra_headers=headers,
                                  max_size=None) as ws:
        await ws.send(event + "\n")
        await asyncio.sleep(0.2)


async def main():
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", 14380), 0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    # the key and a repeated X-Forwarded-For
    await send("/feed?room=7", [("X-Api-Key", "k1"),
                                ("X-Forwarded-For", "10.0.0.1"),
                                ("x-forwarded-for", "10.0.0.2"),
                                ("Cookie", "not-named")], '{"n":1}')
    # a wrong key, then none: dropped by the select
    await send("/", [("X-Api-Key", "k2")], '{"n":2}')
    await send("/", [], '{"n":3}')
    # 32 named headers with long values (within 16 KiB in all)
    big = [("x-h%d" % i, "v" * 400) for i in range(30)]
    await send("/big", [("X-Api-Key", "k1"), ("X-Forwarded-For", "a" * 400)]
               + big, '{"n":4}')
    # one header line past the 4096-byte limit: refused with 431
    try:
        await send("/", [("X-Api-Key", "k" * 5000)], '{"n":5}')
        sys.exit("an oversized header was accepted")
    except websockets.exceptions.InvalidStatusCode as e:
        with open("client.log", "w", encoding="ascii") as f:
            f.write("refused %d\n" % e.status_code)
    await send("/", [("X-Api-Key", "k1")], '"exit"')

asyncio.run(main())
