# SPDX-License-Identifier: ISC
# Sourced by tests/install.sh, tests/package.sh and the supervisor's
# tests: count results and print "ok - ..." / "not ok - ..." lines; the
# caller prints the closing "$pass passed, $fail failed".  has() leaves
# $strip off the file names it prints.
pass=0
fail=0
# ok WHAT / nok WHAT: one passed / failed result.
ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }
# check WHAT CMD...: one result for a command's exit status.
check() {
	what=$1
	shift
	if "$@"; then ok "$what"; else nok "$what"; fi
}
# has FILE STRING: FILE contains the fixed string STRING.
has() {
	if grep -Fq -- "$2" "$1" 2>/dev/null; then ok "${1#"${strip:-}"} has: $2"
	else nok "${1#"${strip:-}"} lacks: $2"; fi
}
# worker_of PID TITLE: the pid of supervisor PID's worker whose process
# title is "wsflowd: TITLE" (status 1: none).
worker_of() {
	for _w in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		case "$(tr '\0' ' ' <"/proc/$_w/cmdline" 2>/dev/null)" in
		"wsflowd: $2 "*) echo "$_w"; return 0 ;;
		esac
	done
	return 1
}
# wait_for CONDITION: up to 30 s (a loaded machine) for a shell condition.
wait_for() {
	for _ in $(seq 300); do
		eval "$1" && return 0
		sleep 0.1
	done
	return 1
}
