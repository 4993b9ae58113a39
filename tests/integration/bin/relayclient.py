# SPDX-License-Identifier: ISC
"""Helpers for the ws-relay-* tests' clients.py (python3-websockets):
one client of the relay's ws_server, the echo peer's log, result.log."""
import asyncio
import resource
import socket
import time

import websockets


class Client:
    """One client: say() sends a text message and reports its answer."""

    def __init__(self, port, name):
        self.url = "ws://127.0.0.1:%d/" % port
        self.name = name
        self.ws = None

    async def open(self):
        self.ws = await websockets.connect(self.url)

    async def say(self, msg, wait=5.0):
        """The answer to msg, "none" if nothing came within wait seconds,
        or "wrong: ..." for an answer that is not msg."""
        await self.ws.send(msg)
        try:
            m = await asyncio.wait_for(self.ws.recv(), wait)
        except asyncio.TimeoutError:
            return "none"
        return "echo" if m == msg else "wrong: %r" % (m,)

    async def close(self):
        await self.ws.close()


def raise_fd_limit(need):
    """Lift the soft descriptor limit to the hard one when need is more
    than it allows (often 1024 for an ordinary user)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def connect_many(port, n, batch=100):
    """n clients of port, opened batch at a time: the open connections
    (exceptions left out)."""
    url = "ws://127.0.0.1:%d/" % port
    conns = []
    for i in range(0, n, batch):
        conns += await asyncio.gather(
            *[websockets.connect(url, ping_interval=None, open_timeout=10)
              for _ in range(min(batch, n - i))],
            return_exceptions=True)
    return [c for c in conns if not isinstance(c, Exception)]


async def say(ws, msg, wait=10.0):
    """Send msg on ws: "echo" if the answer is msg, "none" if nothing came
    within wait seconds, "wrong" otherwise."""
    await ws.send(msg)
    try:
        got = await asyncio.wait_for(ws.recv(), wait)
    except asyncio.TimeoutError:
        return "none"
    return "echo" if got == msg else "wrong"


async def status_line(port):
    """The first line the server answers to an upgrade request on port
    (e.g. "HTTP/1.1 503 Service Unavailable" when it is full)."""
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
    await w.drain()
    line = await asyncio.wait_for(r.readline(), 5)
    w.close()
    return line.decode().strip()


def wait_port(port):
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)


def upstream_log():
    try:
        with open("upstream.log") as f:
            return [x for x in f.read().split("\n") if x]
    except OSError:
        return []


async def wait_log(line, secs=5.0):
    """Whether the echo peer logged line within secs."""
    for _ in range(int(secs * 10)):
        if line in upstream_log():
            return True
        await asyncio.sleep(0.1)
    return False


async def finish(port, out):
    """Stop the daemon ("exit") and write result.log."""
    async with websockets.connect("ws://127.0.0.1:%d/" % port) as ws:
        await ws.send("exit")
        await asyncio.sleep(0.5)
    with open("result.log", "w") as f:
        f.write("\n".join(out) + "\n")
