#!/bin/sh
# 100000 records then "exit".
awk 'BEGIN { for (i = 1; i <= 100000; i++)
	printf "{\"i\":%d,\"pad\":\"%s\"}\n", i, "abcdefghijklmnopqrstuvwxyz0123456789" }' > in.json
echo '"exit"' >> in.json
