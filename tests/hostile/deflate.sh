#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/hostile/deflate.sh: compression bombs, invalid deflate data, RSV1
# where it may not be, and abusive permessage-deflate offers (deflate.py).
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
exec /usr/bin/python3 "$src/tests/hostile/deflate.py"
