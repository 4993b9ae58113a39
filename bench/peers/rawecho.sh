#!/bin/sh
# SPDX-License-Identifier: ISC
# Peer: our raw TCP echo (answers the upgrade, echoes bytes).  PORT [-f]
# (-f: a framed echo that sends unmasked frames, the relay's upstream)
. "$(dirname "$0")/common.sh"
port=$1
shift
exec "$builddir/bench/rawecho" -p "$port" "$@"
