#!/bin/sh
# SPDX-License-Identifier: ISC
# bench/test_wsbench.sh: the harness works.  wsbench against our raw TCP
# echo peer (and its framed mode, -f) for about a second per case:
# messages are counted, every echoed payload is verified byte for byte,
# and a corrupted echo is caught.  The second generator, wsgen.js (node's
# ws client), the same way against rawecho -f when node has ws.  No
# timing assertions.
set -u

b=${top_builddir:-.}/bench
gen=$b/wsbench
wsgen="env NODE_PATH=${NODE_PATH:-/usr/share/nodejs} node $(dirname "$0")/wsgen.js"
tmp=$(mktemp -d)
pass=0
fail=0
epid=""
trap 'test -n "$epid" && kill "$epid" 2>/dev/null; rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "ok: $1"; }
ko() { fail=$((fail + 1)); echo "FAIL: $1"; }

# Start rawecho on a free port (retry on a taken one); sets port, epid.
start_echo() {
	for try in 1 2 3 4 5 6 7 8 9 10; do
		port=$(( 20000 + ($$ * 7 + try * 131) % 12000 ))
		"$b/rawecho" -p "$port" "$@" 2>"$tmp/echo.err" &
		epid=$!
		sleep 0.2
		if kill -0 "$epid" 2>/dev/null; then
			return 0
		fi
		wait "$epid" 2>/dev/null
	done
	echo "cannot start rawecho: $(cat "$tmp/echo.err")"
	exit 1
}

stop_echo() {
	kill "$epid" 2>/dev/null
	wait "$epid" 2>/dev/null
	epid=""
}

# field NAME LINE: value of NAME=... in a result line
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# check LABEL EXPECT_RC wsbench-args...: run and check the numbers
check() {
	label=$1 want=$2
	shift 2
	out=$($gen -l "$label" -p "$epid" "$@" \
	    "ws://127.0.0.1:$port/" 2>"$tmp/err")
	rc=$?
	echo "$out"
	msgs=$(field msgs "$out")
	ver=$(field verified "$out")
	err=$(field errors "$out")
	cpu=$(field srv_cpu_s "$out")
	if [ "$want" = 0 ]; then
		if [ "$rc" = 0 ] && [ "${msgs:-0}" -gt 0 ] &&
		    [ "${ver:-0}" -ge "${msgs:-1}" ] && [ "$err" = 0 ] &&
		    [ -n "$cpu" ]; then
			ok "$label: $msgs messages, $ver verified"
		else
			ko "$label: rc=$rc msgs=$msgs verified=$ver errors=$err"
			cat "$tmp/err"
		fi
	else
		if [ "$rc" != 0 ] && grep -q "$want" "$tmp/err"; then
			ok "$label: caught ($(head -1 "$tmp/err"))"
		else
			ko "$label: rc=$rc, no \"$want\" in stderr"
			cat "$tmp/err"
		fi
	fi
}

start_echo
check closed-text 0 -d 1 -w 0.2
check closed-pipelined 0 -c 4 -k 8 -d 1 -w 0.2
check binary-fragmented 0 -b -s 3000 -F 100 -c 2 -k 2 -d 1 -w 0.2
check lines 0 -s 620 -L -c 8 -d 1 -w 0.2
check open-loop 0 -m open -r 500 -c 2 -d 1 -w 0.2
check churn 0 -m churn -c 2 -d 1 -w 0.2
out=$("$b/wsbench" -m idle -c 50 -p "$epid" "ws://127.0.0.1:$port/" 2>&1)
echo "$out"
if [ "$(field opened "$out")" = 50 ] &&
    [ -n "$(field rss_per_conn_b "$out")" ]; then
	ok "idle: 50 opened, RSS read"
else
	ko "idle: $out"
fi
stop_echo

# rawecho -f answers as a server does: unmasked frames, its own
# fragmentation, close answered (the relay's upstream)
start_echo -f
check framed-text 0 -c 4 -k 4 -d 1 -w 0.2
check framed-binary-fragmented 0 -b -s 70000 -F 1000 -c 2 -k 2 -d 1 -w 0.2
check framed-churn 0 -m churn -c 2 -d 1 -w 0.2
stop_echo

# a flipped payload byte must fail the run, not count as a message
start_echo -X 20
check corrupt-echo "echoed payload differs" -d 0.5 -w 0
stop_echo

# wsgen.js: one frame per send; its own CPU share is in the result
if $wsgen -h 2>&1 | grep -q usage &&
    NODE_PATH=${NODE_PATH:-/usr/share/nodejs} node -e "require('ws')" \
    2>/dev/null; then
	gen=$wsgen
	start_echo -f
	check node-gen-text 0 -c 1 -k 1 -d 1 -w 0.2
	check node-gen-pipelined-2procs 0 -c 4 -k 8 -j 2 -d 1 -w 0.2
	check node-gen-binary 0 -b -s 16384 -c 2 -d 1 -w 0.2
	if [ -n "$(field gen_cpu_pct "$out")" ]; then
		ok "node-gen: its CPU share is reported"
	else
		ko "node-gen: no gen_cpu_pct in $out"
	fi
	stop_echo
	start_echo -f -X 20
	check node-gen-corrupt-echo "echo differs" -d 0.5 -w 0
	stop_echo
else
	echo "node or node's ws missing: wsgen.js not tested"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
