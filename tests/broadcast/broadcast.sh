#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/broadcast/broadcast.sh: ws_server broadcast = true (broadcast.py).
exec /usr/bin/python3 "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/broadcast/broadcast.py"
