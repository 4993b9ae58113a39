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
# wait_for CONDITION: up to 30 s (a loaded machine) for a shell condition.
wait_for() {
	for _ in $(seq 300); do
		eval "$1" && return 0
		sleep 0.1
	done
	return 1
}
