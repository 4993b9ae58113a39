#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/scale/instances.sh: a ws_server with instances = 2 (see
# instances.py).  Skipped (77) without python3-websockets.
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
if ! /usr/bin/python3 -c 'import websockets' 2>/dev/null; then
	echo "python3-websockets not installed: skipped"
	exit 77
fi
TREMOR_PATH=$src/lib
export TREMOR_PATH
exec /usr/bin/python3 "$src/tests/scale/instances.py"
