#!/bin/sh
# SPDX-License-Identifier: ISC
# Peer: python3-websockets (asyncio server).  PORT
. "$(dirname "$0")/common.sh"
exec /usr/bin/python3 "$srcdir/bench/peers/py_echo.py" "$@"
