#!/bin/sh
# SPDX-License-Identifier: ISC
# 60000 records of about 250 bytes (15 MB) then "exit".
awk 'BEGIN { pad = sprintf("%240s", ""); gsub(/ /, "x", pad)
	for (i = 1; i <= 60000; i++) printf "{\"i\":%d,\"pad\":\"%s\"}\n", i, pad }' > in.json
echo '"exit"' >> in.json
rm -f result.log
