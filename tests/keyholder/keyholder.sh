#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/keyholder/keyholder.sh: the keyholder against openssl s_client and
# python3-websockets for each key type, the memory scan of every process
# (as root), the keyholder away and back, a mismatched key and a
# certificate reload (keyholder.py).
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
if ! command -v openssl >/dev/null 2>&1; then
	echo "openssl(1) not installed: skipped"
	exit 77
fi
exec /usr/bin/python3 "$src/tests/keyholder/keyholder.py"
