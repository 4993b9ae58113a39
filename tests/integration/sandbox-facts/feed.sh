#!/bin/sh
# SPDX-License-Identifier: ISC
# in.json is a FIFO: one record now, "exit" only once facts.sh has
# written facts.log, so the workers cannot be gone before they are
# looked at, however busy the machine.  A writer left by a failed run
# ends after 120 s.
rm -f in.json facts.log
mkfifo in.json || exit 1
timeout 120 sh -c '
exec 3<>in.json
echo "{\"a\":1}" >&3
i=0
while [ ! -s facts.log ] && [ $i -lt 1100 ]; do
	sleep 0.1
	i=$((i + 1))
done
echo "\"exit\"" >&3
' </dev/null >/dev/null 2>&1 &
