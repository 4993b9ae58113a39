#!/bin/sh
# SPDX-License-Identifier: ISC
# Once the flow has written its output: SIGQUIT.
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
	if [ -s out.log ] && pid=$(findsup); then
		kill -QUIT "$pid"
		exit 0
	fi
	sleep 0.05
	i=$((i + 1))
done
exit 1
