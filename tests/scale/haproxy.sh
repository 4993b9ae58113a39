#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/scale/haproxy.sh: HAProxy, configured as contrib/haproxy, in front
# of two wsflowd daemons on loopback (see haproxy.py).  Skipped (77)
# without haproxy or python3-websockets.
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
PATH=$PATH:/usr/sbin:/sbin
export PATH
if ! command -v haproxy >/dev/null 2>&1; then
	echo "haproxy not installed: skipped"
	exit 77
fi
if ! /usr/bin/python3 -c 'import websockets' 2>/dev/null; then
	echo "python3-websockets not installed: skipped"
	exit 77
fi
exec /usr/bin/python3 "$src/tests/scale/haproxy.py"
