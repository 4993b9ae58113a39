#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/hostile/slots.sh: connection slots with every default (slots.py).
exec /usr/bin/python3 "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/hostile/slots.py"
