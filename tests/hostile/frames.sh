#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/hostile/frames.sh: frame-length tricks and close-code abuse (frames.py).
exec /usr/bin/python3 "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/hostile/frames.py"
