#!/bin/sh
# SPDX-License-Identifier: ISC
# The supervisor holds workers to the connector type table: a worker that
# sends on its control channel a message its connector type may not send
# (a file worker asking for name resolution or for the control plane; a
# worker whose outputs reach no exit connector asking for the exit) is a
# protocol error, logged with the message's name: the worker is killed
# and restarted.  The same exit request from a worker whose outputs reach
# an exit connector ends the run with its status.  The workers are
# fakeworker.py, run through $WSFLOW_WORKER.
# Last line: "N passed, N failed".
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${top_builddir:-$src/build}
wsflowd=$bld/supervisor/wsflowd
work=$bld/tests/supervisor.work
# wait_for CONDITION (its own check and bad below)
. "$src/tests/checks.sh"

# bad "what": count and say a failure; check "what" command...: run it.
bad() {
	fail=$((fail + 1))
	echo "FAIL: $1" >&2
}
check() {
	what=$1
	shift
	"$@" && pass=$((pass + 1)) || bad "$what"
}

# How many times connector $1 was started in case directory $2.
starts() {
	grep -c "^$1 start\$" "$2/starts.log" 2>/dev/null
}

# Run case $1 with flow $2 (a troy body): once every worker has started,
# connector $3 sends $4; the daemon runs until it exits or, with
# $5 = restart, until $3 was started again.
run() {
	dir=$work/$1
	mkdir -p "$dir"
	cat >"$dir/config.troy" <<TROY
define flow main
flow
  use integration;
  use troy::pipelines;
  use troy::connectors;

  create connector in from integration::read_file;
  create connector out from integration::write_file;
  create connector exit from integration::exit;
  create pipeline main from troy::pipelines::passthrough;
$2
end;
deploy flow main;
TROY
	(
		cd "$dir" || exit 1
		TREMOR_PATH=$src/lib FAKE_VERSION=$version FAKE_LOG=$dir/starts.log \
		    FAKE_NAME=$3 FAKE_SEND=$4 FAKE_GO=$dir/go \
		    WSFLOW_WORKER=$src/tests/supervisor/fakeworker.py \
		    exec "$wsflowd" -dv -s "$dir/ctl.sock" config.troy \
		    2>"$dir/stderr"
	) &
	pid=$!
	wait_for "grep -q 'all [0-9]* workers started' $dir/stderr" ||
	    bad "$1: the flow did not start"
	touch "$dir/go"
	if [ "$5" = restart ]; then
		wait_for "[ \"\$(starts $3 $dir)\" -ge 2 ]" ||
		    bad "$1: connector $3 was not started twice"
		kill -TERM $pid
	fi
	wait $pid
	rc=$?
}

version=$(sed -n 's/^#define[	 ]*WSFLOW_PROTO_VERSION[	 ]*//p' \
    "$src/common/proto.h")
rm -rf "$work"
mkdir -p "$work" || exit 99

flow='  connect /connector/in to /pipeline/main;
  connect /pipeline/main to /connector/out;'
for c in "exit:MSG_EXIT_REQ from a file worker: no path to an exit connector" \
    "resolve:MSG_RESOLVE_REQ from a file worker: not sent by its connector type" \
    "ctl:MSG_CTL_REQ from a file worker: not sent by its connector type"; do
	send=${c%%:*}
	want=${c#*:}
	run "refused-$send" "$flow" in "$send" restart
	check "refused-$send: status $rc" [ "$rc" -eq 0 ]
	check "refused-$send: protocol error logged" \
	    grep -q "connector in: protocol error: $want; killing pid" "$dir/stderr"
	check "refused-$send: killed" grep -q \
	    "lost child: pid [0-9]* (connector in) killed by signal 9" \
	    "$dir/stderr"
	check "refused-$send: restarted" \
	    grep -q "connector in: restarting (restart 1)" "$dir/stderr"
	check "refused-$send: the other worker kept running" \
	    [ "$(starts out "$dir")" -eq 1 ]
done

# With a path to the exit connector the same request ends the run.
run permitted-exit "$flow
  connect /pipeline/main to /connector/exit;" in exit end
check "permitted-exit: status $rc" [ "$rc" -eq 7 ]
check "permitted-exit: exit requested" \
    grep -q "connector in: exit requested: status 7" "$dir/stderr"
check "permitted-exit: no protocol error" \
    sh -c "! grep -q 'connector in: protocol error' '$dir/stderr'"

[ "$fail" -eq 0 ] || for f in "$work"/*/stderr; do
	echo "== $f" >&2
	cat "$f" >&2
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
