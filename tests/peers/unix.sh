#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/peers/unix.sh: Unix-domain sockets, ws_server and ws_client, with
# python3-websockets and nginx as peers (unix.py).
exec /usr/bin/python3 "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peers/unix.py"
