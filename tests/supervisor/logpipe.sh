#!/bin/sh
# SPDX-License-Identifier: ISC
# The supervisor owns its workers' log: a worker's standard error is a
# pipe it reads, and each line is logged as the worker's, encoded, at
# most LOGLINE_MAX (2048) bytes.  A worker (noisyworker.py, through
# $WSFLOW_WORKER, then the real one) writes a forged journald line, a
# carriage-return forgery, escape sequences and 1 MiB without a newline:
# no line of the log starts with "<", the bytes come out encoded, the
# long line cut with what was dropped counted, the supervisor's memory
# stays where it was, the restarted worker and the one beside it serve,
# and ordinary worker lines look as they always did.  A worker that
# exits right after writing has its last words logged, the unfinished
# line too, before its exit is.
# Last line: "N passed, N failed".
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${top_builddir:-$src/build}
wsflowd=$bld/supervisor/wsflowd
ctl=$bld/ctl/wsflowctl
py=/usr/bin/python3
work=$bld/tests/logpipe.work
pa=14576
pb=14577
# ok, nok, check WHAT CMD...: counted results; wait_for CONDITION;
# worker_of SUPERVISOR TITLE: a worker's pid
. "$src/tests/checks.sh"

pid=
hold=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	[ -n "$hold" ] && kill "$hold" 2>/dev/null
}
trap cleanup EXIT

rm -rf "$work"
mkdir -p "$work" || exit 99
cd "$work" || exit 99

cat >config.troy <<TROY
define flow main
flow
  use troy::pipelines;
  define connector echo from ws_server
  args url
  with
    codec = "binary",
    config = { "url": args.url }
  end;
  create connector a from echo with url = "127.0.0.1:$pa" end;
  create connector b from echo with url = "127.0.0.1:$pb" end;
  create pipeline pa from pipelines::passthrough;
  create pipeline pb from pipelines::passthrough;
  connect /connector/a to /pipeline/pa;
  connect /pipeline/pa to /connector/a;
  connect /connector/b to /pipeline/pb;
  connect /pipeline/pb to /connector/b;
end;
deploy flow main;
TROY

# kB of field $1 (VmRSS, VmHWM) of process $2.
vm() {
	sed -n "s/^$1:[	 ]*\([0-9]*\) kB/\1/p" "/proc/$2/status"
}

# Echo one message on port $1 with a new connection.
echo_once() {
	"$py" -c "
import sys
sys.path.insert(0, '$src/tests/hostile')
from hostile import frame, recv_message, ws_connect
s = ws_connect($1, False)
s.sendall(frame(2, b'after'))
sys.exit(recv_message(s) != (2, b'after'))"
}

(
	unset JOURNAL_STREAM
	TREMOR_PATH=$src/lib NOISY_GO=$work/go \
	    NOISY_WORKER=$bld/workers/wsflow-worker \
	    WSFLOW_WORKER=$src/tests/supervisor/noisyworker.py \
	    exec "$wsflowd" -dv -s "$work/ctl.sock" config.troy 2>stderr
) &
pid=$!
check "the flow starts" wait_for "grep -q 'all [0-9]* workers started' stderr"

# A client of a that stays connected through what follows.
"$py" -c "
import os, sys, time
sys.path.insert(0, '$src/tests/hostile')
from hostile import frame, recv_message, ws_connect
s = ws_connect($pa, False)
for step in ('one', 'two'):
    while not os.path.exists(step):
        time.sleep(0.05)
    s.sendall(frame(2, step.encode()))
    ok = recv_message(s) == (2, step.encode())
    open(step + '.ok' if ok else step + '.bad', 'w').close()
" &
hold=$!
touch one
check "a echoes" wait_for "[ -e one.ok ]"

rss0=$(vm VmRSS "$pid")
hwm0=$(vm VmHWM "$pid")
bpid=$(worker_of "$pid" "ws_server b")
check "worker b found" test -n "$bpid"
touch go
kill -9 "${bpid:-0}"
check "b restarted" wait_for "grep -q 'connector b: restarting (restart 1)' stderr"
check "the noise was read" wait_for "[ ! -e go ] && grep -q 'more bytes dropped' stderr"
check "b echoes after its restart" wait_for "echo_once $pb"
touch two
check "a's client kept its connection and echoes" wait_for "[ -e two.ok ]"
check "status answers" sh -c "'$ctl' -s '$work/ctl.sock' status | grep -q 'state *running'"
rss1=$(vm VmRSS "$pid")
hwm1=$(vm VmHWM "$pid")
echo "supervisor VmRSS $rss0 -> $rss1 kB, VmHWM $hwm0 -> $hwm1 kB"
if grep -q '^#define WSFLOW_SANITIZERS 1' "$bld/config.h"; then
	echo "skip - memory (sanitizer build)"
else
	check "VmHWM +$((hwm1 - hwm0)) kB (< 512)" test $((hwm1 - hwm0)) -lt 512
	check "VmRSS +$((rss1 - rss0)) kB (< 512)" test $((rss1 - rss0)) -lt 512
fi

# What the log holds.
check "no line starts with <" sh -c "! grep -q '^<' stderr"
check "no line starts with anything but a name" \
    sh -c "! grep -v '^wsflowd: \|^wsflow-worker: ' stderr"
check "no escape byte, no carriage return" \
    sh -c "! LC_ALL=C grep -q \"\$(printf '[\033\r\007]')\" stderr"
has stderr "wsflow-worker: noisy: before"
# a line of its own, a worker's, no longer a priority of the journal
check "the forged line is the worker's" \
    grep -qx 'wsflow-worker: wsflowd\[1\]: forged' stderr
check "the carriage-return forgery encoded" \
    grep -qxF 'wsflow-worker: noisy: \r<3>cr forged' stderr
check "escapes and control bytes encoded" grep -qxF \
    'wsflow-worker: noisy: \033[31mred\033]0;title\a \0\177\377' stderr
check "the long line cut at 2048 bytes" grep -qx \
    "wsflow-worker: $(head -c 2048 /dev/zero | tr '\0' F)... \[cut\]" stderr
# 1 MiB less the 2048 logged, and the start of the worker's first line
check "what it dropped counted" grep -q \
    "^wsflowd: connector b: a log line of pid [0-9]* over 2048 bytes: 104[0-9]\{4\} more bytes dropped\$" \
    stderr
check "the log stays small ($(wc -c <stderr) bytes)" test "$(wc -c <stderr)" -lt 65536
# Ordinary lines as before: the worker's name, then its text.
has stderr "wsflow-worker: connector a: sandbox:"

# Last words: b restarts as a worker that writes and exits 3.
bpid=$(worker_of "$pid" "ws_server b")
touch go.exit
kill -9 "${bpid:-0}"
check "b exits 3 on its restart" \
    wait_for "grep -q 'lost child: pid [0-9]* (connector b) exited 3' stderr"
check "and comes back" wait_for "echo_once $pb"
check "its last words logged before its exit" sh -c "
grep -n 'wsflow-worker: noisy: last words\$' stderr | cut -d: -f1 >n1
grep -n 'wsflow-worker: noisy: no newline at the end\$' stderr | cut -d: -f1 >n2
grep -n 'lost child: pid [0-9]* (connector b) exited 3' stderr | cut -d: -f1 >n3
[ -s n1 ] && [ -s n2 ] && [ \$(cat n1) -lt \$(cat n3) ] && [ \$(cat n2) -lt \$(cat n3) ]"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
check "stopped: status $rc" test "$rc" -eq 0

[ "$fail" -eq 0 ] || { echo "== stderr"; cut -c 1-300 stderr; }
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
