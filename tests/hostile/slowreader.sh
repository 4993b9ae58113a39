#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/hostile/slowreader.sh: an honest slow reader of a message larger
# than the output bound, plain and TLS (slowreader.py).
command -v openssl >/dev/null 2>&1 || { echo "openssl(1) not installed"; exit 77; }
exec /usr/bin/python3 "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/hostile/slowreader.py"
