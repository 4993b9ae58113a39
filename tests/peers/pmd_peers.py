#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""python3-websockets peers for permessage-deflate and subprotocols.

  pmd_peers.py client PORT [TLSPORT CAFILE]
                               checks against a ws_server with
                               "compression": true and "protocols":
                               ["v2.chat", "chat"] whose flow answers each
                               event with {"meta": $ws_server, "event": e}
                               (and the same over wss:// on TLSPORT)
  pmd_peers.py server PORT LOG a server (compression on, subprotocol
                               "chat") that echoes every message and
                               writes one line per connection to LOG:
                               "ext=... protocol=..."
  pmd_peers.py rawserver PORT=FILE...  servers answering every upgrade
                               with the header lines in FILE ("|" between
                               lines): a client must refuse what it did
                               not offer

client prints "ok: ..." / "FAIL: ..." lines and "N passed, N failed".
"""
import asyncio
import base64
import hashlib
import json
import os
import socket
import ssl
import sys
import threading

import websockets
from websockets.extensions.permessage_deflate import \
    ClientPerMessageDeflateFactory

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from checks import check, summary  # noqa: E402

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def events(n):
    """JSON records of the kind event streams carry (they compress)."""
    return [{"seq": i, "host": "web-%02d.example.net" % (i % 7),
             "level": "info", "msg": "request served", "path": "/api/v1/x",
             "status": 200, "bytes": 1000 + i} for i in range(n)]


async def exchange(url, n=50, **kw):
    """Connect, send n events, read n answers; (ws, answers)."""
    async with websockets.connect(url, max_size=None, **kw) as ws:
        for e in events(n):
            await ws.send(json.dumps(e))
        got = [json.loads(await asyncio.wait_for(ws.recv(), 10))
               for _ in range(n)]
        return ws, got


def extension(ws):
    return ws.response_headers.get("Sec-WebSocket-Extensions")


async def client(port, tls=None):
    url = "ws://127.0.0.1:%d/" % port
    want = events(50)

    if tls is not None:
        # the offer browsers send: "permessage-deflate; client_max_window_bits"
        ctx = ssl.create_default_context(cafile=tls[1])
        ws, got = await exchange("wss://localhost:%d/" % tls[0], ssl=ctx)
        check(extension(ws) == "permessage-deflate" and
              [g["event"] for g in got] == want and got[0]["meta"]["tls"],
              "wss://: default offer answered (%s), 50 events intact"
              % extension(ws))

    # python3-websockets offers "permessage-deflate; client_max_window_bits"
    ws, got = await exchange(url)
    check(extension(ws) == "permessage-deflate",
          "default offer answered: %s" % extension(ws))
    check([g["event"] for g in got] == want,
          "50 JSON events echoed intact, compressed both ways")
    check(all("protocol" not in g["meta"] for g in got),
          "no subprotocol offered: none in $ws_server (%s)"
          % got[0]["meta"])

    ws, got = await exchange(url, 5, subprotocols=["chat", "v2.chat"])
    check(ws.subprotocol == "chat",
          "the client's first supported subprotocol chosen: %s"
          % ws.subprotocol)
    check(all(g["meta"].get("protocol") == "chat" for g in got),
          "$ws_server.protocol is \"chat\" (%s)" % got[0]["meta"])

    ws, got = await exchange(url, 5, subprotocols=["v2.chat"])
    check(ws.subprotocol == "v2.chat" and
          got[0]["meta"].get("protocol") == "v2.chat",
          "v2.chat chosen when offered alone: %s" % ws.subprotocol)

    ws, got = await exchange(url, 5, subprotocols=["mqtt", "Chat"])
    check(ws.subprotocol is None and "protocol" not in got[0]["meta"],
          "none supported (names compared exactly): handshake without "
          "a subprotocol (%s)" % ws.subprotocol)

    f = ClientPerMessageDeflateFactory(
        server_no_context_takeover=True, client_no_context_takeover=True,
        server_max_window_bits=10, client_max_window_bits=9)
    ws, got = await exchange(url, extensions=[f])
    check(extension(ws) == "permessage-deflate; server_no_context_takeover; "
          "client_no_context_takeover; server_max_window_bits=10; "
          "client_max_window_bits=9",
          "an offer with every parameter answered: %s" % extension(ws))
    check([g["event"] for g in got] == want,
          "events intact without context takeover, small windows")

    ws, got = await exchange(url, 5, compression=None)
    check(extension(ws) is None and
          [g["event"] for g in got] == want[:5],
          "no offer: no extension, uncompressed echo")

    big = json.dumps({"blob": "x" * (4 << 20)})
    async with websockets.connect(url, max_size=None) as ws:
        await ws.send(big)
        got = json.loads(await asyncio.wait_for(ws.recv(), 20))
        check(got["event"] == json.loads(big),
              "a 4 MiB message compressed both ways")
    return summary()


async def server(port, log):
    async def handler(ws, *unused):
        with open(log, "a") as f:
            f.write("ext=%s protocol=%s\n" % (
                ws.response_headers.get("Sec-WebSocket-Extensions"),
                ws.subprotocol))
        async for msg in ws:
            await ws.send(msg)

    async with websockets.serve(handler, "127.0.0.1", port, max_size=None,
                                subprotocols=["chat"]):
        await asyncio.Future()


def rawserver(port, answer):
    """Answer each upgrade on port with the header lines of the file
    answer ("|" separates lines); then close."""
    text = open(answer).read().strip().replace("|", "\r\n")
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(8)
    while True:
        s, _ = ls.accept()
        req = b""
        while b"\r\n\r\n" not in req:
            got = s.recv(4096)
            if not got:
                break
            req += got
        key = ""
        for line in req.decode("latin-1").split("\r\n"):
            if line.lower().startswith("sec-websocket-key:"):
                key = line.split(":", 1)[1].strip()
        acc = base64.b64encode(hashlib.sha1(
            (key + GUID).encode()).digest()).decode()
        s.sendall(("HTTP/1.1 101 Switching Protocols\r\n"
                   "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Accept: %s\r\n%s\r\n\r\n"
                   % (acc, text)).encode())
        s.close()


def main():
    mode = sys.argv[1]
    if mode == "rawserver":
        for arg in sys.argv[2:]:    # PORT=ANSWER_FILE, a thread each
            p, f = arg.split("=", 1)
            threading.Thread(target=rawserver, args=(int(p), f),
                             daemon=True).start()
        threading.Event().wait()
    port = int(sys.argv[2])
    if mode == "client":
        tls = (int(sys.argv[3]), sys.argv[4]) if len(sys.argv) > 4 else None
        return asyncio.run(client(port, tls))
    asyncio.run(server(port, sys.argv[3]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
