#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/hostile/memory.sh: peers that try to make a ws_server worker hold
# memory, against max_buffered and the output bound (memory.py; the TLS
# cases are skipped without openssl(1)).
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
exec /usr/bin/python3 "$src/tests/hostile/memory.py"
