#!/bin/sh
# SIGKILL the "file in" worker once something was written.
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
	if [ -s out.log ] && pid=$(findworker "file in"); then
		kill -9 "$pid" && echo "killed $pid" > killed.log
		exit 0
	fi
	sleep 0.02
	i=$((i + 1))
done
echo "no worker found" > killed.log
exit 1
