#!/bin/sh
# SIGKILL this test's worker titled "wsflowd: $1" once out.log has
# something in it.  Shared by the sigkill tests (run from the test's dir).
title=${1:?usage: killworker.sh TITLE}
# Print the pid of this test's worker whose title is "wsflowd: $1":
# a child of the wsflowd supervisor whose working directory is ours.
findworker() {
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/cwd" 2>/dev/null)" = "$PWD" ] || continue
		tr '\0' ' ' < "$p/cmdline" 2>/dev/null |
		    grep -q '^wsflowd: supervisor' || continue
		sup=${p#/proc/}
		for c in $(cat "/proc/$sup/task/$sup/children" 2>/dev/null); do
			if tr '\0' ' ' < "/proc/$c/cmdline" 2>/dev/null |
			    grep -q "^wsflowd: $1"; then
				echo "$c"
				return 0
			fi
		done
	done
	return 1
}

i=0
while [ $i -lt 400 ]; do
	if [ -s out.log ] && pid=$(findworker "$title"); then
		kill -9 "$pid" && echo "killed $pid" > killed.log
		exit 0
	fi
	sleep 0.02
	i=$((i + 1))
done
echo "no worker found" > killed.log
exit 1
