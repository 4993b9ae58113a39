#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""WebSocket server peer (python3-websockets) for wsflow's tests.

Listens on 127.0.0.1:PORT (TLS with --cert/--key), appends every message
it receives to --out (one line each; binary as "b:" + hex), and with
--echo sends it back unchanged.  --close-after N closes each connection
with 1000 after N messages; --exit-after N stops the server after N
messages in total.
"""
import argparse
import asyncio
import ssl
import sys

import websockets

count = 0


async def main_async(args):
    ctx = None
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
    done = asyncio.get_running_loop().create_future()
    out = open(args.out, "a", buffering=1) if args.out else None

    async def handler(ws, *unused):
        global count
        n = 0
        async for msg in ws:
            n += 1
            count += 1
            if out:
                if isinstance(msg, bytes):
                    out.write("b:" + msg.hex() + "\n")
                else:
                    out.write(msg if msg.endswith("\n") else msg + "\n")
            if args.echo:
                await ws.send(msg)
            if args.close_after and n >= args.close_after:
                await ws.close(1000, "enough")
            if args.exit_after and count >= args.exit_after:
                if not done.done():
                    done.set_result(None)

    async with websockets.serve(handler, args.host, args.port, ssl=ctx,
                                max_size=None):
        if args.ready:
            open(args.ready, "w").close()
        if args.exit_after:
            await done
            await asyncio.sleep(0.2)
        else:
            await asyncio.Future()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--out")
    p.add_argument("--echo", action="store_true")
    p.add_argument("--close-after", type=int, default=0)
    p.add_argument("--exit-after", type=int, default=0)
    p.add_argument("--ready")
    args = p.parse_args()
    try:
        asyncio.run(main_async(args))
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
