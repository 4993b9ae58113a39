#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/delivery/delivery.sh: acknowledgements with a real daemon: file
# source and sink killed mid-file, a ws source's sink killed, a daemon
# restarted with resume = true (delivery.py says what each case checks).
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
exec /usr/bin/python3 "$src/tests/delivery/delivery.py"
