#!/bin/sh
# SPDX-License-Identifier: ISC
# The supervisor holds workers to the connector type table: a worker that
# sends on its control channel a message its connector type may not send
# (a file worker asking for name resolution or for the control plane; a
# worker whose outputs reach no exit connector asking for the exit) is a
# protocol error, logged with the message's name: the worker is killed
# and restarted.  The same exit request from a worker whose outputs reach
# an exit connector ends the run with its status.  A worker that floods
# its channel with descriptors is killed and restarted too, and the
# supervisor keeps none of them: its descriptor count after 50 such
# cycles is what it was after the first.  Why a worker failed to start
# is logged encoded, on one line.  A worker's uid and sandbox are the
# kernel's word, not the worker's.  A control worker that passes on a
# request its client may not make, or says a client is someone else, is
# a protocol error: the request is refused, the control worker restarted,
# and root's requests work.  The workers are fakeworker.py, run through
# $WSFLOW_WORKER.
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

# Descriptors the supervisor (pid $1) holds.
nfds() {
	ls "/proc/$1/fd" | wc -l
}

# Have connectors $2 (a list) all been started at least $1 times?
started() {
	n=$1
	shift
	for c in "$@"; do
		[ "$(starts "$c" "$dir")" -ge "$n" ] || return 1
	done
}

# Flood case: connectors in0..in9 each flood once, then each four more
# times (50 kill/restart cycles in all: one worker alone would wait
# minutes for its restart backoff); the supervisor's descriptors after
# them are those after the first round.
flood() {
	ins="in0 in1 in2 in3 in4 in5 in6 in7 in8 in9"
	wait_for "started 2 $ins" || bad "flood: no first round"
	first=$(nfds "$pid")
	touch "$dir/go.2" "$dir/go.3" "$dir/go.4" "$dir/go.5"
	wait_for "started 6 $ins" || bad "flood: not 50 restarts"
	check "flood: $(grep -c 'protocol error: too many descriptors' \
	    "$dir/stderr") floods" [ "$(grep -c \
	    'protocol error: too many descriptors' "$dir/stderr")" -eq 50 ]
	wait_for "[ \$(nfds $pid) -eq $first ]" && pass=$((pass + 1)) ||
	    bad "flood: supervisor descriptors $first, then $(nfds "$pid")"
	kill -TERM $pid
}

# As nobody (root only).
asnobody() {
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"
}

# Lying control worker case $1: nobody asks for $2 through it; it is
# refused, the control worker restarted and nothing else; root's status
# and stop then work.
ctl_lie() {
	asnobody "$bld/ctl/wsflowctl" -s "$dir/ctl.sock" $2 \
	    >"$dir/nobody.out" 2>&1
	check "$1: nobody's $2 fails" [ $? -ne 0 ]
	check "$1: refused, logged" grep -q "control: $2 .*refused" \
	    "$dir/stderr"
	check "$1: the control worker killed" grep -q \
	    "connector control: protocol error: unexpected MSG_CTL_REQ (16 bytes); killing pid" \
	    "$dir/stderr"
	check "$1: and restarted" wait_for "[ \"\$(starts control $dir)\" -ge 2 ]"
	check "$1: the daemon runs on" kill -0 "$pid"
	check "$1: its connectors were not restarted" \
	    [ "$(starts in "$dir")" -eq 1 ]
	check "$1: root's status" wait_for \
	    "'$bld/ctl/wsflowctl' -s '$dir/ctl.sock' status >/dev/null 2>&1"
	check "$1: root's stop" "$bld/ctl/wsflowctl" -s "$dir/ctl.sock" stop
}

# Run case $1 with flow $2 (a troy body): once every worker has started,
# connectors matching $3 send $4; the daemon runs until it exits or, with
# $5 = restart, until $3 was started again (flood: see flood).
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
	if [ "$5" = fail ]; then
		:
	elif ! wait_for "grep -q 'all [0-9]* workers started' $dir/stderr"
	then
		bad "$1: the flow did not start"
	fi
	touch "$dir/go.1"
	if [ "$5" = restart ]; then
		wait_for "[ \"\$(starts $3 $dir)\" -ge 2 ]" ||
		    bad "$1: connector $3 was not started twice"
		kill -TERM $pid
	elif [ "$5" = flood ]; then
		flood
	elif [ "$5" = ctl ]; then
		ctl_lie "$1" "$6"
	elif [ "$5" = fail ] && ! wait_for "! kill -0 $pid 2>/dev/null"; then
		bad "$1: the daemon did not stop"
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
	# Where the connector is created: config.troy line 7, column 20.
	check "refused-$send: the error names flow and definition" grep -q \
	    "protocol error: .*; killing pid [0-9]* \[flow main, config.troy:7:20\]$" \
	    "$dir/stderr"
	check "refused-$send: killed" grep -q \
	    "lost child: pid [0-9]* (connector in) killed by signal 9 \[flow main, config.troy:7:20\]$" \
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

# Why a worker failed is logged on one line, encoded: no forged line.
run failed "$flow" in failed fail
check "failed: status $rc" [ "$rc" -eq 1 ]
check "failed: encoded on one line" grep -qxF \
    'wsflowd: connector in: cannot start\n<3>forged\tline\\ [flow main, config.troy:7:20]' \
    "$dir/stderr"
check "failed: no forged line" sh -c "! grep -q '^<3>' '$dir/stderr'"

# The supervisor reads a worker's ids and sandbox from /proc: a worker
# that says it runs as uid 65534 but is root (when we are), or runs
# without no_new_privs or (where the build installs one) seccomp, stops
# the start-up.
filters=yes
grep -q '^#define WSFLOW_SANDBOX 1' "$bld/config.h" || filters=no
grep -q '^#define WSFLOW_SANITIZERS 1' "$bld/config.h" && filters=no
case $(uname -m) in x86_64|aarch64) ;; *) filters=no ;; esac
for c in "root:worker runs as root" "nnp:worker runs without no_new_privs" \
    "seccomp:worker runs without a seccomp filter"; do
	lie=${c%%:*}
	[ "$lie" = root ] && [ "$(id -u)" -ne 0 ] && continue
	[ "$lie" = seccomp ] && [ "$filters" = no ] && continue
	run "lie-$lie" "$flow" in "lie-$lie" fail
	check "lie-$lie: status $rc" [ "$rc" -eq 1 ]
	check "lie-$lie: refused" \
	    grep -q "connector in: ${c#*:}; refusing" "$dir/stderr"
done

# A lying control worker: nobody's stop passed on as if allowed; nobody's
# status passed on as root's.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	run ctl-lie "$flow" control ctl-lie ctl stop
	check "ctl-lie: status $rc" [ "$rc" -eq 0 ]
	check "ctl-lie: nobody's stop did not stop it" grep -q \
	    "control: stop from uid $(id -u nobody) refused" "$dir/stderr"
	run ctl-uid "$flow" control ctl-uid ctl status
	check "ctl-uid: status $rc" [ "$rc" -eq 0 ]
	check "ctl-uid: the lie named" grep -q \
	    "control: status refused: the control worker says uid 0, pid 1 for a client of uid $(id -u nobody)" \
	    "$dir/stderr"
fi

# Descriptors, a batch past the supervisor's queue, from ten workers.
flow='  connect /pipeline/main to /connector/out;'
for i in 0 1 2 3 4 5 6 7 8 9; do
	flow="$flow
  create connector in$i from integration::read_file;
  connect /connector/in$i to /pipeline/main;"
done
run flood "$flow" 'in[0-9]' fds flood
check "flood: status $rc" [ "$rc" -eq 0 ]

[ "$fail" -eq 0 ] || for f in "$work"/*/stderr; do
	echo "== $f" >&2
	cat "$f" >&2
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
