#!/bin/bash
# SPDX-License-Identifier: ISC
# bench/run.sh: run the benchmark scenarios against the peers, interleaved,
# and write a report (bench/README.md, BENCHMARKS).
#   bash bench/run.sh quick|full       (from the build directory)
# Environment: BENCH_REPS, BENCH_DUR, BENCH_WARM (seconds), BENCH_PEERS
# (space-separated base names), BENCH_SCEN (scenario names), BENCH_IDLE
# (S7 connections), BENCH_INSTANCES (the instances of the S3i and S6i
# rows, default 1 to the number of cores), BENCH_OUT (results folder),
# BENCH_PORT (first port),
# BENCH_ESTIMATE=1 (print the expected duration and stop), BENCH_BASE (the
# build directory of another wsflow, e.g. the commit before a change: its
# rows run as peer "wsbase" beside "wsflow", interleaved in the same run).
set -u

mode=${1:-quick}
srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${top_builddir:-$(pwd)}
builddir=$(cd "$builddir" && pwd)
export top_builddir=$builddir
wsbench=$builddir/bench/wsbench
# the second generator: node's ws client, one frame per send (wsgen.js)
wsgen="env NODE_PATH=${NODE_PATH:-/usr/share/nodejs} node $srcdir/bench/wsgen.js"
jsonloop=$builddir/bench/jsonloop
bun_bin=${BENCH_NODE_DIR:-$builddir/bench-node}/node_modules/.bin/bun
records=$srcdir/bench/data/records.json

case $mode in
quick)
	reps=${BENCH_REPS:-1} dur=${BENCH_DUR:-1} warm=${BENCH_WARM:-0.3}
	peers=${BENCH_PEERS:-"rawecho bun node python wsflow"}
	idle=${BENCH_IDLE:-500}
	scens=${BENCH_SCEN:-"S1 S2 S2j S3 S4 S5 S6 S7 S8a S8b T4 T6 S3z S4z S1/node-gen S3/node-gen S4/node-gen"}
	;;
full)
	reps=${BENCH_REPS:-5} dur=${BENCH_DUR:-3} warm=${BENCH_WARM:-0.5}
	peers=${BENCH_PEERS:-"rawecho bun node websocketd python wsflow"}
	idle=${BENCH_IDLE:-10000}
	scens=${BENCH_SCEN:-"S1 S2 S2j S3 S4 S5 S6 S7 S8a S8b T4 T6 S3z S4z S1/node-gen S3/node-gen S4/node-gen S3i S6i"}
	;;
*)
	echo "usage: run.sh quick|full" >&2
	exit 2
	;;
esac

# S3i, S6i: S3 and S6 against wsflow with instances = each of these
instances=${BENCH_INSTANCES:-$(seq -s ' ' 1 "$(nproc)")}

out=${BENCH_OUT:-$builddir/bench-results/$mode-$(date -u +%Y%m%dT%H%M%SZ)}
raw=$out/raw.tsv
# below the ephemeral range (32768-), so no client socket holds our ports
port=${BENCH_PORT:-$((21000 + RANDOM % 9000))}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
failed=0

log() { echo "bench: $*" >&2; }

# What each peer needs; prints why not when it is missing.
peer_missing() {
	case $1 in
	rawecho*) [ -x "$builddir/bench/rawecho" ] || echo "bench/rawecho not built" ;;
	bun*) "$bun_bin" --version >/dev/null 2>&1 ||
	    echo "bun not installed (make bench-setup)" ;;
	node*) NODE_PATH=/usr/share/nodejs node -e "require('ws')" \
	    >/dev/null 2>&1 || echo "node or node ws missing (make bench-setup)" ;;
	python*) /usr/bin/python3 -c 'import websockets' >/dev/null 2>&1 ||
	    echo "python3-websockets missing (make bench-setup)" ;;
	websocketd) command -v websocketd >/dev/null 2>&1 ||
	    echo "websocketd missing (make bench-setup)" ;;
	wsflow*) wsflow_missing "$1" ;;
	wsbase*) if [ -z "${BENCH_BASE:-}" ]; then
		echo "BENCH_BASE not set"
	    else
		top_builddir=$BENCH_BASE builddir=$BENCH_BASE \
		    srcdir=$(base_srcdir) wsflow_missing "wsflow${1#wsbase}"
	    fi ;;
	jsonloop) [ -x "$jsonloop" ] || echo "bench/jsonloop not built" ;;
	esac
}

# The source tree of BENCH_BASE's build: the base runs its own flows and
# peer scripts (a flow of this tree may use keys the base does not know).
base_srcdir() {
	local d
	d=$(sed -n 's/^abs_top_srcdir = //p' "$BENCH_BASE/Makefile" 2>/dev/null)
	echo "${d:-$srcdir}"
}

# A wsflow peer counts as present when wsflowd accepts its flow (-n).
wsflow_missing() {
	local f msg defs=""
	case $1 in
	wsflow|wsflow-z) f=echo-binary ;;
	wsflow-json) f=echo-json ;;
	# -n checks the certificate and key files: check the ones it runs with
	wsflow-tls|wsflow-tlskw) f=echo-tls; tls_setup
	    defs="-D cert=$out/tls/bench.cert -D key=$out/tls/bench.key" ;;
	wsflow-relay) f=relay ;;
	wsflow-replay) f=replay ;;
	wsflow-i*) f=echo-binary ;;
	esac
	if [ ! -x "$builddir/supervisor/wsflowd" ]; then
		echo "supervisor/wsflowd not built"
		return
	fi
	if ! msg=$(WSFLOW_PATH=$srcdir/lib "$builddir/supervisor/wsflowd" \
	    $defs -n "$srcdir/bench/flows/$f.troy" 2>&1 >/dev/null); then
		echo "wsflowd -n rejects bench/flows/$f.troy: $(echo "$msg" |
		    head -1)"
	fi
}

# Peers (by base name in $peers) that a scenario runs.
scen_peers() {
	local s=$1 p want=""
	case $s in
	S1|S3) want="rawecho bun node websocketd python wsflow wsbase wsflow-relay wsbase-relay" ;;
	S2|S6|S7) want="rawecho bun node websocketd python wsflow wsbase" ;;
	S2j) want="rawecho bun-json node-json wsflow-json wsbase-json" ;;
	S4|S8a|S8b) want="rawecho bun node python wsflow wsbase" ;;
	S5) want="jsonloop wsflow-replay wsbase-replay" ;;
	T4) want="bun-tls node-tls python-tls wsflow-tls wsbase-tls" ;;
	# wsflow-tlskw: keys in the worker (the benchmark switch of tls.h)
	T6) want="wsflow-tls wsflow-tlskw wsbase-tls" ;;
	S3z|S4z) want="bun-z wsflow-z wsbase-z" ;;
	# node's ws client rejects rawecho's masked echo: rawecho -f frames
	# its answers as a server does
	S1/node-gen|S3/node-gen) want="rawecho-f bun node websocketd python wsflow wsbase" ;;
	S4/node-gen) want="rawecho-f bun node python wsflow wsbase" ;;
	# the scaling rows: wsflow-iN is wsflow with instances = N
	S3i|S6i) want="bun $(for p in $instances; do echo "wsflow-i$p"; done)" ;;
	esac
	for p in $want; do
		case " $peers jsonloop ${BENCH_BASE:+wsbase} " in
		*" ${p%%-*} "*) echo "$p" ;;
		esac
	done
}

# wsbench arguments of a scenario (besides -p, -l and the URL); the
# */node-gen scenarios give wsgen.js the same shape as their wsbench twin.
scen_args() {
	local d="-d $dur -w $warm"
	case $1 in
	*/node-gen) scen_args "${1%/*}" "$2" | sed "s/^/-j $(gen_procs "${1%/*}") /"
	    return ;;
	S1) echo "$d -c 1 -k 1 -s 64" ;;
	S2) echo "$d -c 64 -k 1 -s 620" ;;
	S2j) echo "$d -c 64 -k 1 -s 620 -L" ;;
	S3|S3i) echo "$d -c 16 -k 16 -s 64" ;;
	S4|T4) echo "$d -c 8 -k 1 -s 16384 -b" ;;
	S5) echo "$d -f $records -k 1000" ;;
	S6|T6|S6i) echo "$d -m churn -c 8 -s 64" ;;
	S7) echo "-m idle -w 1 -c $2" ;;
	S8a) echo "$d -c 1 -k 1 -b -s 4194304 -F 64" ;;
	S8b) echo "$d -c 1 -k 1 -b -s 16777216" ;;
	S3z) echo "$d -c 16 -k 16 -s 64 -z" ;;
	S4z) echo "$d -c 8 -k 1 -s 16384 -b -z" ;;
	esac
}

# wsgen.js processes for a shape: BENCH_GEN_PROCS, else 2 for the
# many-connection shapes (one node process is near a core there) and 1
# for S1.
gen_procs() {
	case $1 in
	S1) echo 1 ;;
	*) echo "${BENCH_GEN_PROCS:-2}" ;;
	esac
}

# Why the second generator cannot run, if it cannot.
gen_missing() {
	NODE_PATH=${NODE_PATH:-/usr/share/nodejs} node -e "require('ws')" \
	    >/dev/null 2>&1 || echo "wsgen.js needs node and node's ws (make bench-setup)"
}

# Self-signed certificate for the TLS scenario.
tls_setup() {
	[ -f "$out/tls/bench.cert" ] && return 0
	mkdir -p "$out/tls"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
	    -keyout "$out/tls/bench.key" -out "$out/tls/bench.cert" \
	    -subj "/CN=localhost" \
	    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
}

# Command line that starts a peer on a port (printed, then eval'd).
peer_cmd() {
	local p=$1 port=$2 pd=$srcdir/bench/peers
	local tls="TLS_CERT=$out/tls/bench.cert TLS_KEY=$out/tls/bench.key"
	case $p in
	rawecho|bun|node|python|websocketd) echo "sh $pd/$p.sh $port" ;;
	rawecho-f) echo "sh $pd/rawecho.sh $port -f" ;;
	bun-json|node-json) echo "sh $pd/${p%-json}.sh $port json" ;;
	bun-z) echo "sh $pd/bun.sh $port deflate" ;;
	wsflow-z) echo "sh $pd/wsflow.sh $port echo-binary compression=true" ;;
	wsbase*) echo "env top_builddir=$BENCH_BASE $(srcdir=$(base_srcdir) peer_cmd "wsflow${p#wsbase}" "$port")" ;;
	# benchmark only: no keyholder, the worker reads its key (tls.h)
	wsflow-tlskw) echo "env WSFLOW_BENCH_KEYS_IN_WORKER=1 $(peer_cmd wsflow-tls "$port")" ;;
	*-tls) [ "$p" = wsflow-tls ] &&
	    echo "sh $pd/wsflow.sh $port echo-tls cert=$out/tls/bench.cert key=$out/tls/bench.key" ||
	    echo "env $tls sh $pd/${p%-tls}.sh $port" ;;
	wsflow) echo "sh $pd/wsflow.sh $port echo-binary" ;;
	wsflow-json) echo "sh $pd/wsflow.sh $port echo-json" ;;
	wsflow-i*) echo "sh $pd/wsflow.sh $port echo-binary instances=${p#wsflow-i}" ;;
	wsflow-relay) echo "sh $pd/wsflow.sh $port relay upstream=ws://127.0.0.1:$((port + 1))" ;;
	wsflow-replay) echo "sh $pd/wsflow.sh $port replay server=127.0.0.1:$port client=ws://127.0.0.1:$port input=$out/tmp/in.fifo output=$out/tmp/out.fifo" ;;
	esac
}

# Every live descendant of a pid.
descendants() {
	local c
	for c in $(pgrep -P "$1" 2>/dev/null); do
		echo "$c"
		descendants "$c"
	done
}

# Stop a peer we started: TERM, then KILL after 5 s; its children too.
stop_pid() {
	local pid=$1 kids i
	[ -n "$pid" ] || return 0
	kids=$(descendants "$pid")
	kill "$pid" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	for i in $kids; do
		kill "$i" 2>/dev/null
	done
	return 0
}

# Wait until a WebSocket upgrade succeeds (up to 15 s) or the peer died.
wait_ready() {
	local url=$1 pid=$2 i
	for i in $(seq 150); do
		kill -0 "$pid" 2>/dev/null || return 1
		"$wsbench" -m idle -c 1 -w 0 $3 "$url" >/dev/null 2>&1 &&
		    return 0
		sleep 0.1
	done
	return 1
}

# Why a run failed, from its log: the first line that names an error,
# else the last line.
fail_reason() {
	local why
	why=$(grep -m1 -iE 'error|differs|dropped|no connection|refused|reset|fail|cannot|timed out' "$1")
	[ -n "$why" ] || why=$(grep -v '^$' "$1" | tail -1)
	echo "${why:-no output}" | tr '\t|' '  ' | cut -c1-240
}

# record REP SCEN PEER STATUS CMD RESULT
record() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" \
	    >>"$raw"
}

# Run one scenario against one peer.
run_one() {
	local rep=$1 s=$2 p=$3 why cmd pcmd pid="" upid="" url scheme=ws
	local ca="" args n res rc logf gen=$wsbench
	logf=$out/logs/$(echo "$s" | tr / -)-$p-$rep.log
	why=$(peer_missing "$p")
	case $s in
	*/node-gen) gen=$wsgen
	    if [ -z "$why" ] && why=$(gen_missing) && [ -n "$why" ]; then
		record "$rep" "$s" "$p" "not installed" "-" "$why"
		log "$s $p: ${why}"
		return
	    fi ;;
	esac
	if [ -n "$why" ]; then
		case $p in
		wsflow*|wsbase*) [ "$mode" = full ] && failed=1
		    record "$rep" "$s" "$p" "FAILED" "-" "$why" ;;
		*) record "$rep" "$s" "$p" "not installed" "-" "$why" ;;
		esac
		log "$s $p: ${why}"
		return
	fi
	port=$((port + 2))
	[ $port -gt 32000 ] && port=21000
	n=$idle
	# websocketd forks a process per connection (wsflow's flows allow
	# max_connections 16384)
	case $p in
	websocketd) [ "$n" -gt 1000 ] && n=1000 ;;
	esac
	args=$(scen_args "$s" "$n")
	if [ "$p" = jsonloop ]; then
		cmd="$jsonloop -d $dur $records"
		res=$($cmd 2>"$logf")
		rc=$?
		record "$rep" "$s" "$p" "$([ $rc = 0 ] && echo ok || echo FAILED)" \
		    "$cmd" "${res:-$(head -1 "$logf")}"
		return
	fi
	case $p in *-tls|*-tlskw) scheme=wss; tls_setup; ca="-C $out/tls/bench.cert" ;; esac
	url="$scheme://127.0.0.1:$port/"
	if [ "${p#*-}" = relay ]; then
		# the upstream echo the relay forwards to: rawecho -f, a C
		# echo that frames like a server (its CPU is not counted)
		eval "$(peer_cmd rawecho-f $((port + 1)))" >>"$logf" 2>&1 &
		upid=$!
		cur_pids=$upid
		wait_ready "ws://127.0.0.1:$((port + 1))/" "$upid" ""
	fi
	if [ "${p#*-}" = replay ]; then
		rm -f "$out/tmp/in.fifo" "$out/tmp/out.fifo"
		mkfifo "$out/tmp/in.fifo" "$out/tmp/out.fifo"
	fi
	pcmd=$(peer_cmd "$p" "$port")
	eval "$pcmd" >>"$logf" 2>&1 &
	pid=$!
	cur_pids="$pid $upid"
	if [ "${p#*-}" = replay ]; then
		sleep 1
		cmd="$wsbench -m replay -l $p -p $pid $args -i $out/tmp/in.fifo -o $out/tmp/out.fifo"
	else
		if ! wait_ready "$url" "$pid" "$ca"; then
			record "$rep" "$s" "$p" "FAILED" "$pcmd" \
			    "peer did not accept a WebSocket upgrade: $(tail -1 "$logf")"
			failed=1
			log "$s $p: FAILED to start (see $logf)"
			stop_pid "$pid"
			stop_pid "$upid"
			return
		fi
		cmd="$gen -l $p -p $pid $ca $args $url"
	fi
	res=$($cmd 2>>"$logf")
	rc=$?
	stop_pid "$pid"
	stop_pid "$upid"
	cur_pids=""
	if [ $rc = 0 ]; then
		record "$rep" "$s" "$p" ok "$pcmd; $cmd" "$res"
	else
		record "$rep" "$s" "$p" FAILED "$pcmd; $cmd" \
		    "$(fail_reason "$logf") :: ${res:-no result}"
		log "$s $p: FAILED (see $logf)"
		# quick proves the harness: a wsflow row that fails is in the
		# table as FAILED but only the full set's exit status counts it
		case $mode-$p in
		quick-wsflow*|quick-wsbase*) ;;
		*) failed=1 ;;
		esac
	fi
	log "rep $rep $s $p: $(echo "$res" | tr ' ' '\n' | grep -E '^(msg_s|hs_s|rss_per_conn_b|mb_s)=' | tr '\n' ' ')"
}

# Expected seconds of one run: warm-up + measured time + the peer's start
# and stop (measured on the 2-core development machine), or for S7 the
# time to open the connections and settle.
run_secs() {
	local s=$1 p=$2 n=$idle
	case $p in
	websocketd) [ "$n" -gt 1000 ] && n=1000 ;;
	esac
	case $s-${p%%-*} in
	S7-node) echo "2 + $n * 0.0004" ;;
	S7-python) echo "2 + $n * 0.001" ;;
	S7-*) echo "2 + $n * 0.00025" ;;
	S5-jsonloop) echo "$dur" ;;
	S5-*) echo "1.3 + $warm + $dur" ;;
	*/node-gen-node) echo "1.5 + $warm + $dur" ;;
	*/node-gen-*) echo "0.8 + $warm + $dur" ;;
	*-node) echo "1 + $warm + $dur" ;;
	*-python) echo "0.6 + $warm + $dur" ;;
	*) echo "0.25 + $warm + $dur" ;;
	esac
}

# The whole run's expected duration in seconds.
estimate() {
	local s p t=""
	for s in $scens; do
		for p in $(scen_peers "$s"); do
			t="$t + $(run_secs "$s" "$p")"
		done
	done
	awk "BEGIN { printf \"%d\", ($reps) * (0 $t) }"
}

est=$(estimate)
log "$mode: $reps repetitions of ${dur}s (+${warm}s warm-up), expected duration about $((est / 60)) min $((est % 60)) s"
# BENCH_ESTIMATE=1: only say how long it would take
[ -n "${BENCH_ESTIMATE:-}" ] && exit 0
mkdir -p "$out/logs" "$out/tmp"
export BENCH_TMP=$out/tmp
: >"$raw"
: >"$out/timing.tsv"
{
	echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "mode: $mode, repetitions: $reps, duration: ${dur}s, warm-up: ${warm}s"
	echo "machine: $(uname -srm), $(nproc) cores, $(awk '/MemTotal/ {print int($2/1024) " MiB"}' /proc/meminfo)"
	echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "bun: $("$bun_bin" --version 2>/dev/null || echo none)"
	echo "node: $(node --version 2>/dev/null || echo none), ws: $(NODE_PATH=/usr/share/nodejs node -p "require('ws/package.json').version" 2>/dev/null || echo none)"
	echo "python3-websockets: $(/usr/bin/python3 -c 'import websockets; print(websockets.__version__)' 2>/dev/null || echo none)"
	echo "websocketd: $(websocketd --version 2>/dev/null | head -1 || echo none)"
	echo "wsflow: $(git -C "$srcdir" describe --always --dirty 2>/dev/null)"
	if [ -n "${BENCH_BASE:-}" ]; then
		echo "wsbase: $BENCH_BASE ($(git -C "$(base_srcdir)" describe --always --dirty 2>/dev/null))"
	fi
} >"$out/env.txt"

# an interrupted run leaves no peer behind
cur_pids=""
trap 'for q in $cur_pids; do stop_pid "$q"; done; exit 130' INT TERM
log "results in $out"
t_start=$(date +%s)
for rep in $(seq "$reps"); do
	for s in $scens; do
		for p in $(scen_peers "$s"); do
			t0=$(date +%s.%N)
			run_one "$rep" "$s" "$p"
			awk -v r="$rep" -v s="$s" -v p="$p" -v a="$t0" \
			    -v b="$(date +%s.%N)" 'BEGIN { printf \
			    "%s\t%s\t%s\t%.2f\n", r, s, p, b - a }' \
			    >>"$out/timing.tsv"
		done
	done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/env.txt"
echo "duration: $(($(date +%s) - t_start)) s (expected $est s)" >>"$out/env.txt"
/usr/bin/python3 "$srcdir/bench/report.py" "$out" || failed=1
log "table: $out/results.md, chart: $out/chart.png"
exit $failed
