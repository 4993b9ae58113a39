#!/bin/sh
# SPDX-License-Identifier: ISC
# wsflowd speaks systemd's notify protocol to $NOTIFY_SOCKET (notify.py
# stands in for systemd and records who sent what, and which children
# the sender had at that moment): STATUS=starting first, READY=1 only
# once every worker runs (their titles in /proc) with a one-line
# summary, STOPPING=1 on SIGTERM, WATCHDOG=1 every half of
# $WATCHDOG_USEC when $WATCHDOG_PID names wsflowd, an abstract socket
# (@name) as well as a path, and no READY=1 when a connector fails to
# start.
# Last line: "N passed, N failed".
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${top_builddir:-$src/build}
wsflowd=$bld/supervisor/wsflowd
py=/usr/bin/python3
work=$bld/tests/notify.work
# ok, nok, check WHAT CMD...: counted results; wait_for CONDITION
. "$src/tests/checks.sh"

# The lines of the notify log $1 with assignment $2 (fixed string).
said() {
	grep -F " $2 |" "$1" 2>/dev/null
}

lpid=
dpid=
cleanup() {
	[ -n "$dpid" ] && kill -9 "$dpid" 2>/dev/null
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
}
trap cleanup EXIT

# Start the listener on $1 (path or @name) logging to $2.
listen() {
	case $1 in /*) rm -f "$1";; esac
	rm -f "$2" "$2.bound"
	"$py" "$src/tests/supervisor/notify.py" "$1" "$2" &
	lpid=$!
	check "listener on $1 bound" wait_for "[ -f '$2.bound' ]"
}

# Start wsflowd -d on flow $1 in $work with NOTIFY_SOCKET=$2 and, when
# $3 is set, WATCHDOG_USEC=$3 and WATCHDOG_PID naming wsflowd (the shell
# that execs it).
start() {
	(
		cd "$work" || exit 1
		exec 3<>in.fifo
		NOTIFY_SOCKET=$2 TREMOR_PATH=$src/lib exec sh -c '
			if [ -n "$1" ]; then
				WATCHDOG_USEC=$1 WATCHDOG_PID=$$
				export WATCHDOG_USEC WATCHDOG_PID
			fi
			shift
			exec "$@"' sh "$3" \
		    "$wsflowd" -d -v -s "$work/ctl.sock" "$1" <in.fifo \
		    2>"$1.stderr"
	) &
	dpid=$!
}

# Stop the daemon with SIGTERM; its exit status in $rc.
stop() {
	kill -TERM "$dpid"
	wait "$dpid"
	rc=$?
	dpid=
}

rm -rf "$work"
mkdir -p "$work" || exit 99
cd "$work" || exit 99
mkfifo in.fifo || exit 99
cat >flow.troy <<'TROY'
define flow main
flow
  use integration;
  use troy::connectors;
  use troy::pipelines;
  create connector in from troy::connectors::console;
  create connector out from integration::write_file;
  create pipeline main from troy::pipelines::passthrough;
  connect /connector/in to /pipeline/main;
  connect /pipeline/main to /connector/out;
end;
deploy flow main;
TROY
cat >broken.troy <<'TROY'
define flow main
flow
  use integration;
  create connector in from integration::read_file;
  create connector out from integration::write_file;
  create pipeline pass from integration::out_or_exit;
  connect /connector/in to /pipeline/pass;
  connect /pipeline/pass to /connector/out;
end;
deploy flow main;
TROY
workers="wsflowd: control control, wsflowd: file out, wsflowd: stdio in"

# A path: starting, ready once every worker runs, stopping on SIGTERM.
log=$work/path.log
listen "$work/notify.sock" "$log"
start flow.troy "$work/notify.sock" ""
check "path: READY=1" wait_for "said '$log' READY=1 >/dev/null"
check "path: sent by wsflowd" test "$(said "$log" READY=1 | cut -d' ' -f1)" \
    = "$dpid"
check "path: every worker ran at READY=1" \
    test "$(said "$log" READY=1 | sed 's/.* | //')" = "$workers"
check "path: the workers had started" \
    grep -q 'all 3 workers started' flow.troy.stderr
check "path: STATUS=starting first" test "$(head -1 "$log" | cut -d' ' -f2)" \
    = STATUS=starting
check "path: READY=1 once" test "$(said "$log" READY=1 | wc -l)" = 1
check "path: running summary after READY=1" test "$(sed -n \
    '/ READY=1 |/{n;s/^[0-9]* \(.*\) | .*/\1/p;}' "$log")" = \
    "STATUS=running: 2 workers, 2 connectors"
check "path: no STOPPING=1 while running" \
    test -z "$(said "$log" STOPPING=1)"
check "path: no WATCHDOG=1 without WATCHDOG_USEC" \
    test -z "$(said "$log" WATCHDOG=1)"
stop
check "path: status 0 after SIGTERM" test "$rc" -eq 0
check "path: STOPPING=1" wait_for "said '$log' STOPPING=1 >/dev/null"
check "path: stopping summary" test "$(sed -n \
    '/ STOPPING=1 |/{n;s/^[0-9]* \(.*\) | .*/\1/p;}' "$log")" = \
    "STATUS=stopping (graceful)"
kill "$lpid"
wait "$lpid" 2>/dev/null
lpid=

# An abstract socket and a watchdog of 200 ms for wsflowd's pid: a
# keep-alive every 100 ms.
log=$work/abstract.log
listen "@wsflow-notify-test-$$" "$log"
start flow.troy "@wsflow-notify-test-$$" 200000
check "abstract: READY=1" wait_for "said '$log' READY=1 >/dev/null"
check "abstract: WATCHDOG=1 again and again" \
    wait_for "[ \"\$(said '$log' WATCHDOG=1 | wc -l)\" -ge 3 ]"
check "abstract: WATCHDOG=1 from wsflowd" test "$(said "$log" WATCHDOG=1 |
    cut -d' ' -f1 | sort -u)" = "$dpid"
stop
check "abstract: status 0" test "$rc" -eq 0
check "abstract: STOPPING=1" wait_for "said '$log' STOPPING=1 >/dev/null"
kill "$lpid"
wait "$lpid" 2>/dev/null
lpid=

# A connector that cannot start: never READY=1; stopping, status 1.
log=$work/broken.log
listen "$work/notify.sock" "$log"
start broken.troy "$work/notify.sock" ""
wait "$dpid"
rc=$?
dpid=
check "broken: status 1" test "$rc" -eq 1
check "broken: the connector failed" grep -q 'connector in: .*in.json' broken.troy.stderr
check "broken: STOPPING=1" wait_for "said '$log' STOPPING=1 >/dev/null"
check "broken: no READY=1" test -z "$(said "$log" READY=1)"

[ "$fail" -eq 0 ] || for f in "$work"/*.log "$work"/*.stderr; do
	echo "== $f" >&2
	cat "$f" >&2
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
