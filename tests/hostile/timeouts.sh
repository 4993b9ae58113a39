#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/hostile/timeouts.sh: time limits (timeouts.py).
exec /usr/bin/python3 "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/hostile/timeouts.py"
