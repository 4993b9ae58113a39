#!/bin/sh
# SPDX-License-Identifier: ISC
# Peer: Bun's built-in publish/subscribe (bun_pubsub.js).  PORT
. "$(dirname "$0")/common.sh"
exec "$bun_bin" "$srcdir/bench/peers/bun_pubsub.js" "$@"
