#!/bin/bash
# SPDX-License-Identifier: ISC
# bench/fanout.sh: one publisher to many subscribers (broadcast, issue
# 14): wsflow (bench/flows/fanout.troy, ws_server broadcast = true)
# against Bun's built-in publish/subscribe (peers/bun_pubsub.js), the two
# interleaved in each repetition.  bench/wsfan opens the subscribers and
# the publisher, keeps FAN_K messages in flight (a message counts once
# every subscriber has it) and checks that every subscriber gets every
# message in order.  Prints one table: deliveries per second and
# latency (publish to receipt) per peer, medians with min-max, the
# server's CPU per delivery, and the ratio wsflow / Bun per repetition.
#   bash bench/fanout.sh          (from the build directory)
# Environment: FAN_REPS (3), FAN_SUBS (1000), FAN_MSGS (2000 per run),
# FAN_K (16), FAN_SIZE (bytes, 100), FAN_PEERS ("bun wsflow"), FAN_PORT.
set -u

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "${top_builddir:-$(pwd)}" && pwd)
export top_builddir=$builddir
wsfan=$builddir/bench/wsfan
bun_bin=${BENCH_NODE_DIR:-$builddir/bench-node}/node_modules/.bin/bun
reps=${FAN_REPS:-3} subs=${FAN_SUBS:-1000} msgs=${FAN_MSGS:-2000}
k=${FAN_K:-16} size=${FAN_SIZE:-100} peers=${FAN_PEERS:-"bun wsflow"}
port=${FAN_PORT:-$((21000 + RANDOM % 9000))}
out=$(mktemp -d "${TMPDIR:-/tmp}/fanout.XXXXXX")
export BENCH_TMP=$out
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ -x "$wsfan" ] || { echo "fanout.sh: no $wsfan (make first)" >&2; exit 1; }

# Start a peer on port (its pid in $pid) and the URLs to use.
start_peer() {
	pid=""
	case $1 in
	bun)
		"$bun_bin" --version >/dev/null 2>&1 || return 1
		sh "$srcdir/bench/peers/bun_pubsub.sh" "$2" >>"$out/$1.log" 2>&1 &
		pid=$!
		sub=ws://127.0.0.1:$2/sub pub=ws://127.0.0.1:$2/pub ;;
	wsflow)
		sh "$srcdir/bench/peers/wsflow.sh" "$2" fanout \
		    "pub=127.0.0.1:$(($2 + 1))" >>"$out/$1.log" 2>&1 &
		pid=$!
		sub=ws://127.0.0.1:$2/ pub=ws://127.0.0.1:$(($2 + 1))/ ;;
	*)
		return 1 ;;
	esac
	# ready when one message goes from the publisher to a subscriber
	for _ in $(seq 150); do
		kill -0 "$pid" 2>/dev/null || return 1
		"$wsfan" -c 1 -n 1 -t 1 "$sub" "$pub" >/dev/null 2>&1 &&
		    return 0
		sleep 0.1
	done
	return 1
}

# Stop the peer: TERM, KILL after 5 s.
stop_peer() {
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

echo "fanout: $reps repetitions, $subs subscribers, $msgs messages of" \
    "$size B, $k in flight; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
: >"$out/raw.tsv"
for rep in $(seq "$reps"); do
	for p in $peers; do
		port=$((port + 2))
		if ! start_peer "$p" "$port"; then
			echo "fanout: $p did not start (see $out/$p.log)" >&2
			stop_peer
			continue
		fi
		cmd="$wsfan -c $subs -n $msgs -k $k -s $size -p $pid -l $p $sub $pub"
		if res=$($cmd 2>>"$out/$p.log"); then
			printf '%s\t%s\t%s\n' "$rep" "$p" "$res" >>"$out/raw.tsv"
			echo "fanout: rep $rep $p: $res" >&2
		else
			echo "fanout: rep $rep $p FAILED: $(tail -1 "$out/$p.log")" >&2
		fi
		stop_peer
	done
done
echo "fanout: load after $(cut -d' ' -f1-3 /proc/loadavg); raw results" \
    "in $out/raw.tsv" >&2
/usr/bin/python3 - "$out/raw.tsv" "$subs" "$msgs" "$size" "$k" <<'PY'
import statistics
import sys

rows = {}
for line in open(sys.argv[1]):
    rep, peer, res = line.rstrip("\n").split("\t")
    kv = dict(t.split("=", 1) for t in res.split() if "=" in t)
    rows.setdefault(peer, {})[rep] = kv


def col(peer, key):
    return [float(kv[key]) for kv in rows.get(peer, {}).values()
            if key in kv]


def med(v, fmt="%.0f"):
    if not v:
        return "-"
    return (fmt + " (" + fmt + "-" + fmt + ")") % (
        statistics.median(v), min(v), max(v))


print("one publisher to %s subscribers, %s messages of %s B, %s in "
      "flight" % tuple(sys.argv[2:6]))
print()
print("| peer | deliveries/s | p50 us | p99 us | server CPU ns/delivery |")
print("| --- | --- | --- | --- | --- |")
for p in sorted(rows):
    print("| %s | %s | %s | %s | %s |" % (
        p, med(col(p, "dlv_s")), med(col(p, "p50_us")),
        med(col(p, "p99_us")), med(col(p, "cpu_ns_dlv"))))
ratio_d, ratio_p = [], []
for rep, kv in rows.get("wsflow", {}).items():
    b = rows.get("bun", {}).get(rep)
    if b:
        ratio_d.append(float(kv["dlv_s"]) / float(b["dlv_s"]))
        ratio_p.append(float(kv["p99_us"]) / max(float(b["p99_us"]), 1))
print("| wsflow / bun | %s | | %s | |" % (med(ratio_d, "%.2f"),
                                          med(ratio_p, "%.2f")))
PY
