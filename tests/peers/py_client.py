#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""WebSocket client peer (python3-websockets) for wsflow's tests.

Sends each line of stdin (or of --input) as one frame, then waits for
--expect replies and prints each reply on its own line (binary replies as
hex, prefixed with "b:").  Exit 0 when all replies arrived in time.
"""
import argparse
import asyncio
import ssl
import sys

import websockets


async def run(args):
    ctx = None
    if args.url.startswith("wss://"):
        ctx = ssl.create_default_context(cafile=args.cafile)
        if args.no_verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
    src = open(args.input, "rb") if args.input else sys.stdin.buffer
    lines = src.read().splitlines(keepends=True)
    async with websockets.connect(args.url, ssl=ctx, max_size=None,
                                  server_hostname=args.server_hostname) as ws:
        got = []

        async def reader():
            async for msg in ws:
                got.append(msg)
                if len(got) >= args.expect:
                    return

        task = asyncio.ensure_future(reader())
        for line in lines:
            if args.binary:
                await ws.send(line)
            else:
                await ws.send(line.decode("utf-8"))
        try:
            await asyncio.wait_for(task, args.timeout)
        except asyncio.TimeoutError:
            pass
        for m in got:
            if isinstance(m, bytes):
                print("b:" + m.hex())
            else:
                sys.stdout.write(m if m.endswith("\n") else m + "\n")
        sys.stdout.flush()
        return 0 if len(got) >= args.expect else 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--cafile")
    p.add_argument("--server-hostname")
    p.add_argument("--no-verify", action="store_true")
    p.add_argument("--binary", action="store_true")
    p.add_argument("--input")
    p.add_argument("--expect", type=int, default=0)
    p.add_argument("--timeout", type=float, default=10.0)
    args = p.parse_args()
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
