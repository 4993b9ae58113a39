#!/bin/sh
# SPDX-License-Identifier: ISC
# Once the flow has written its output: SIGHUP (a reload of the same
# file, which keeps every worker), then SIGTERM.
# Print the pid of this test's wsflowd supervisor (its cwd is ours).
findsup() {
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/cwd" 2>/dev/null)" = "$PWD" ] || continue
		tr '\0' ' ' < "$p/cmdline" 2>/dev/null |
		    grep -q '^wsflowd: supervisor' || continue
		echo "${p#/proc/}"
		return 0
	done
	return 1
}

i=0
while [ $i -lt 200 ]; do
	if [ "$(wc -l < out.log 2>/dev/null)" = 3 ] && pid=$(findsup); then
		kill -HUP "$pid"
		sleep 0.3
		kill -TERM "$pid"
		exit 0
	fi
	sleep 0.05
	i=$((i + 1))
done
exit 1
