#!/bin/sh
# SPDX-License-Identifier: ISC
# Peer: websocketd running cat, one process per connection.  Text only:
# a message goes to cat's stdin with a newline, each output line comes
# back as a message.  PORT
. "$(dirname "$0")/common.sh"
exec websocketd --address=127.0.0.1 --port="$1" --loglevel=error \
    --maxforks=20000 cat
