#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/hostile/handshake.sh: hostile handshakes and connection policy (handshake.py).
exec /usr/bin/python3 "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/hostile/handshake.py"
