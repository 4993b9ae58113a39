#!/bin/sh
# Peer: our raw TCP echo (answers the upgrade, echoes bytes).  PORT
. "$(dirname "$0")/common.sh"
exec "$builddir/bench/rawecho" -p "$1"
