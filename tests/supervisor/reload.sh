#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/supervisor/reload.sh: reloads that keep what is unchanged, replace
# what changed, refuse a broken file and a reload during a reload
# (reload.py, a real daemon and clients on loopback).
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
exec /usr/bin/python3 "$src/tests/supervisor/reload.py"
