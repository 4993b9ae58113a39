#!/bin/sh
# SPDX-License-Identifier: ISC
# Peer: Bun's built-in WebSocket server.  PORT [json]
. "$(dirname "$0")/common.sh"
exec "$bun_bin" "$srcdir/bench/peers/bun_echo.js" "$@"
