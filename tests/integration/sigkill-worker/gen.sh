#!/bin/sh
# SPDX-License-Identifier: ISC
# 100000 records then "exit"; the last record is what must arrive last.
# in.json is a FIFO: the first half is written at once, the rest only
# after kill.sh has killed the sink worker, so the kill always lands
# mid-flow however fast or slow the machine is.
awk 'BEGIN { for (i = 1; i <= 100000; i++)
	printf "{\"i\":%d,\"pad\":\"%s\"}\n", i, "abcdefghijklmnopqrstuvwxyz0123456789" }' > records
echo '"exit"' >> records
rm -f in.json killed.log
mkfifo in.json
(
	exec 3>in.json
	head -n 50000 records >&3
	i=0
	while [ ! -s killed.log ] && [ $i -lt 1500 ]; do
		sleep 0.02
		i=$((i + 1))
	done
	tail -n +50001 records >&3
) </dev/null >/dev/null 2>&1 &
exit 0
