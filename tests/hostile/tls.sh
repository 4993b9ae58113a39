#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/hostile/tls.sh: TLS clients to refuse or cut short (tls.py).
command -v openssl >/dev/null 2>&1 || { echo "openssl(1) not installed"; exit 77; }
exec /usr/bin/python3 "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/hostile/tls.py"
