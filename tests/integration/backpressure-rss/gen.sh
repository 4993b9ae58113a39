#!/bin/sh
# SPDX-License-Identifier: ISC
# 150000 records of about 250 bytes (37 MB) then "exit"; a FIFO as sink.
awk 'BEGIN { pad = sprintf("%240s", ""); gsub(/ /, "x", pad)
	for (i = 1; i <= 150000; i++) printf "{\"i\":%d,\"pad\":\"%s\"}\n", i, pad }' > in.json
echo '"exit"' >> in.json
rm -f sink.fifo result.log
mkfifo sink.fifo
