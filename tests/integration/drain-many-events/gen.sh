#!/bin/sh
# SPDX-License-Identifier: ISC
# 20000 records then "exit" as input; the same records as the expectation.
awk 'BEGIN { for (i = 1; i <= 20000; i++)
	printf "{\"i\":%d,\"pad\":\"%s\"}\n", i, "abcdefghijklmnopqrstuvwxyz0123456789" }' > expected.json
cp expected.json in.json
echo '"exit"' >> in.json
