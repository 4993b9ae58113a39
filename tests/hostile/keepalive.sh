#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/hostile/keepalive.sh: dead peers, either role (keepalive.py).
exec /usr/bin/python3 "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/hostile/keepalive.py"
