#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/supervisor/startwait.sh: workers that hold their start (-t, the
# start-up timeout; wsflowctl status during a reload), startwait.py.
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
exec /usr/bin/python3 "$src/tests/supervisor/startwait.py"
