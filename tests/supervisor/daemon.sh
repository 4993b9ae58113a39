#!/bin/sh
# SPDX-License-Identifier: ISC
# wsflowd without -d: the starting process exits only once the flow runs,
# 0 then (the daemon serves, in a session of its own, its pid in the -p
# file, its standard error closed, its and its workers' lines in syslog
# with facility daemon and ident wsflowd, the workers' sent by the
# daemon) and 1 with the reason on
# standard error when the start fails (a port in use, a worker that
# cannot start), leaving no daemon and no pid file behind.  notify.py
# stands in for the syslog socket ($WSFLOW_SYSLOG_SOCKET).
# Last line: "N passed, N failed".
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${top_builddir:-$src/build}
wsflowd=$bld/supervisor/wsflowd
ctl=$bld/ctl/wsflowctl
py=/usr/bin/python3
work=$bld/tests/daemon.work
port=14520
# ok, nok, check WHAT CMD...: counted results; wait_for CONDITION
. "$src/tests/checks.sh"

lpid=
hold=
cleanup() {
	[ -f "$work/pid" ] && kill -9 "$(cat "$work/pid")" 2>/dev/null
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	[ -n "$hold" ] && kill "$hold" 2>/dev/null
}
trap cleanup EXIT

rm -rf "$work"
mkdir -p "$work" || exit 99
cd "$work" || exit 99
WSFLOW_SYSLOG_SOCKET=$work/log.sock
TREMOR_PATH=$src/lib
export WSFLOW_SYSLOG_SOCKET TREMOR_PATH
"$py" "$src/tests/supervisor/notify.py" "$WSFLOW_SYSLOG_SOCKET" syslog.txt &
lpid=$!
check "syslog stand-in bound" wait_for "[ -f syslog.txt.bound ]"

# Start wsflowd (no -d) with the echo flow on port $1; its status in $rc.
start() {
	"$wsflowd" -s "$work/ctl.sock" -p "$work/pid" -D "url=127.0.0.1:$1" \
	    "$src/tests/hostile/echo.troy" >start.out 2>start.err
	rc=$?
}

# A port in use: status 1, the reason on stderr, nothing left running.
"$py" -c "
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $port)); s.listen()
open('held', 'w').close()
time.sleep(60)" &
hold=$!
check "port $port held" wait_for "[ -f held ]"
start $port
check "port in use: status 1" test "$rc" -eq 1
has start.err "connector ws: cannot listen on 127.0.0.1:$port: Address already in use"
check "port in use: no pid file left" test ! -e pid
check "port in use: no control socket left" test ! -e ctl.sock
check "port in use: the reason in syslog too" \
    wait_for "grep -q 'wsflowd\[[0-9]*\]: connector ws: cannot listen' syslog.txt"
kill "$hold"
hold=

# A missing certificate, found before anything starts: status 1, the
# reason in the system's words where the connector is created.
"$wsflowd" -s "$work/ctl.sock" -p "$work/pid" -D "url=127.0.0.1:$port" \
    -D cert=missing.pem -D key=missing.key \
    "$src/tests/hostile/echo-tls.troy" >start.out 2>start.err
rc=$?
check "missing certificate: status 1" test "$rc" -eq 1
has start.err "$src/tests/hostile/echo-tls.troy:17:20: connector ws: tls: certificate missing.pem: No such file or directory"

# A worker that cannot start (its output file cannot be created): status
# 1 once it says why, which names the flow and where it is created.
cat >sink.troy <<'TROY'
define flow main
flow
  use integration;
  use troy::connectors;
  use troy::pipelines;
  create connector in from troy::connectors::console;
  create connector out from integration::write_file with file = "no/such/dir/out.log" end;
  create pipeline p from troy::pipelines::passthrough;
  connect /connector/in to /pipeline/p;
  connect /pipeline/p to /connector/out;
end;
deploy flow main;
TROY
"$wsflowd" -s "$work/ctl.sock" -p "$work/pid" sink.troy >start.out \
    2>start.err
rc=$?
check "worker failing: status 1" test "$rc" -eq 1
check "worker failing: why, the flow and the definition" grep -q \
    "^wsflowd: connector out: .*no/such/dir/out.log: No such file or directory \[flow main, sink.troy:7:20\]$" \
    start.err
check "worker failing: no pid file left" test ! -e pid

# A good start: status 0 only once every worker runs.
start $port
check "good start: status 0" test "$rc" -eq 0
check "good start: nothing on stderr" test ! -s start.err
check "good start: pid file" test -s pid
dpid=$(cat pid 2>/dev/null)
check "good start: the daemon runs" kill -0 "${dpid:-0}"
check "good start: in a session of its own" test "$(ps -o sid= -p \
    "${dpid:-0}" | tr -d ' ')" = "${dpid:-x}"
check "good start: its stderr is closed" test "$(readlink \
    "/proc/${dpid:-0}/fd/2")" = /dev/null
check "good start: status says running" \
    sh -c "'$ctl' -s '$work/ctl.sock' status | grep -q 'state *running'"
check "good start: the echo serves" "$py" -c "
import sys
sys.path.insert(0, '$src/tests/hostile')
from hostile import frame, recv_message, ws_connect
s = ws_connect($port, False)
s.sendall(frame(2, b'daemon'))
sys.exit(recv_message(s) != (2, b'daemon'))"
check "syslog: the supervisor, facility daemon, ident wsflowd" wait_for \
    "grep -q '^$dpid <30>.* wsflowd\[$dpid\]: all 2 workers started' syslog.txt"
# A worker's lines come through the supervisor (the sender), under the
# worker's pid; workers have no syslog socket, their stderr is a pipe.
check "syslog: a worker, ident wsflowd, its own pid" wait_for \
    "grep '^$dpid <30>.* wsflowd\[[0-9]*\]: wsflow-worker: connector ws: sandbox:' syslog.txt | grep -qv 'wsflowd\[$dpid\]'"
for w in $(ps -o pid= --ppid "${dpid:-0}"); do
	check "worker $w: its stderr is a pipe" sh -c \
	    "readlink /proc/$w/fd/2 | grep -q '^pipe:'"
done
"$ctl" -s "$work/ctl.sock" stop >/dev/null
check "stop: the daemon ends" wait_for "! kill -0 $dpid 2>/dev/null"
check "stop: the pid file is removed" test ! -e pid
check "stop: logged" grep -q "wsflowd\[$dpid\]: stopping (graceful)" syslog.txt

[ "$fail" -eq 0 ] || for f in "$work"/syslog.txt "$work"/start.*; do
	echo "== $f" >&2
	cat "$f" >&2
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
