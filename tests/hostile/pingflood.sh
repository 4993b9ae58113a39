#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/hostile/pingflood.sh: a client that pings and never reads, plain
# and over TLS (pingflood.py; TLS skipped without openssl(1)).
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
rc=0
/usr/bin/python3 "$src/tests/hostile/pingflood.py" plain || rc=1
if command -v openssl >/dev/null 2>&1; then
	/usr/bin/python3 "$src/tests/hostile/pingflood.py" tls || rc=1
else
	echo "openssl(1) not installed: the TLS case skipped"
fi
exit $rc
