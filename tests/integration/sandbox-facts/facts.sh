#!/bin/sh
# Record the sandbox facts of this test's workers from /proc.
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

fact() {
	st=/proc/$2/status
	sc=$(awk '/^Seccomp:/ { print $2 }' "$st")
	nnp=$(awk '/^NoNewPrivs:/ { print $2 }' "$st")
	uid=$(awk '/^Uid:/ { print ($2 == 0 || $3 == 0) ? "root" : "unprivileged" }' "$st")
	echo "$1: Seccomp $sc, NoNewPrivs $nnp, uid $uid"
}
i=0
while [ $i -lt 200 ]; do
	if a=$(findworker "file in") && b=$(findworker "file out"); then
		{ fact "file in" "$a"; fact "file out" "$b"; } > facts.log
		exit 0
	fi
	sleep 0.05
	i=$((i + 1))
done
echo "workers not found" > facts.log
exit 1
