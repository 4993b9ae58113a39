# SPDX-License-Identifier: ISC
# Sourced by the test scripts that look up a worker of this test.
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
