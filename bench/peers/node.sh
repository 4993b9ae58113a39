#!/bin/sh
# SPDX-License-Identifier: ISC
# Peer: node with the ws package (Debian node-ws).  PORT [json]
. "$(dirname "$0")/common.sh"
exec node "$srcdir/bench/peers/node_echo.js" "$@"
