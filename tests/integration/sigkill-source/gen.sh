#!/bin/sh
# SPDX-License-Identifier: ISC
# in.json is a FIFO fed in two halves: 50,000 records, then, only once
# killworker.sh has killed the source (killed.log), the other 50,000 and
# "exit".  So the input cannot end before the kill lands, however busy
# the machine.  The writer also holds a read end: what the pipe holds
# while the killed source restarts is kept for the new one.  A writer
# left blocked by a failed run ends after 120 s.
rm -f in.json killed.log
mkfifo in.json || exit 1
timeout 120 sh -c '
rec() {
	awk -v a="$1" -v b="$2" "BEGIN { for (i = a; i <= b; i++)
	printf \"{\\\"i\\\":%d,\\\"pad\\\":\\\"%s\\\"}\\n\", i, \"abcdefghijklmnopqrstuvwxyz0123456789\" }"
}
exec 3<>in.json
rec 1 50000 >&3
i=0
while [ ! -s killed.log ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
rec 50001 100000 >&3
echo "\"exit\"" >&3
' </dev/null >/dev/null 2>&1 &
