#!/bin/bash
# SPDX-License-Identifier: ISC
# bench/wire.sh: bytes on the wire per event for S5's JSON records
# (bench/data/records.json through bench/flows/replay.troy: file ->
# ws_client -> ws_server -> file), with "compression" false, true, and
# without context takeover (each message compressed on its own; the
# records file repeats 16 records, which a 32 KiB window holds, so
# "true" is the best case and "nocontext" the worst).
#   bash bench/wire.sh [SECONDS]        (from the build directory)
# For each setting: the replay runs for SECONDS (default 2) with 1000
# lines in flight, then, before the daemon stops, the TCP payload bytes
# its ws_server socket received (ss -ti bytes_received: frame headers,
# masks and the upgrade request included) and the events it received
# (wsflowctl show stats: frames_in, bytes_in) give bytes per event on the
# wire and in the events themselves.  One line per setting:
#   wire compression=B events=N event_b=X wire_b_event=Y ratio=Y/X ev_s=R
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "${top_builddir:-$(pwd)}" && pwd)
dur=${1:-2}
wsflowd=$builddir/supervisor/wsflowd
wsflowctl=$builddir/ctl/wsflowctl
wsbench=$builddir/bench/wsbench
export WSFLOW_PATH=$srcdir/lib
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wsflow-wire.XXXXXX") || exit 1
daemon=""
trap '[ -n "$daemon" ] && kill "$daemon" 2>/dev/null; rm -rf "$tmp"' EXIT
port=${BENCH_PORT:-$((21000 + RANDOM % 9000))}
rc=0
for comp in false true nocontext; do
	def=$comp
	[ "$comp" = nocontext ] &&
	    def='{"server_no_context_takeover": true, "client_no_context_takeover": true}'
	port=$((port + 1))
	rm -f "$tmp/in.fifo" "$tmp/out.fifo"
	mkfifo "$tmp/in.fifo" "$tmp/out.fifo"
	"$wsflowd" -d -s "$tmp/ctl.sock" -D "server=127.0.0.1:$port" \
	    -D "client=ws://127.0.0.1:$port" -D "input=$tmp/in.fifo" \
	    -D "output=$tmp/out.fifo" -D "compression=$def" \
	    "$srcdir/bench/flows/replay.troy" 2>"$tmp/wsflowd-$comp.log" &
	daemon=$!
	sleep 1
	res=$("$wsbench" -m replay -d "$dur" -w 0.3 -k 1000 \
	    -f "$srcdir/bench/data/records.json" -i "$tmp/in.fifo" \
	    -o "$tmp/out.fifo" -p "$daemon" 2>>"$tmp/wsflowd-$comp.log")
	wire=$(ss -tinH state established "( sport = :$port )" |
	    grep -o 'bytes_received:[0-9]*' | cut -d: -f2 | head -1)
	stats=$("$wsflowctl" -s "$tmp/ctl.sock" -j show stats 2>/dev/null)
	kill "$daemon"
	wait "$daemon" 2>/dev/null
	daemon=""
	line=$(echo "$stats" | /usr/bin/python3 -c '
import json, sys
comp, wire, res = sys.argv[1], int(sys.argv[2] or 0), sys.argv[3]
evs = [kv.split("=")[1] for kv in res.split() if kv.startswith("msg_s=")]
for c in json.load(sys.stdin)["connectors"]:
    if c["name"] == "server":
        s = c["stats"]["connector"]
        n, b = s["frames_in"], s["bytes_in"]
        print("wire compression=%s events=%d event_b=%.1f wire_b_event=%.1f "
              "ratio=%.3f ev_s=%s" % (comp, n, b / n, wire / n,
                                     wire / b, evs[0] if evs else "-"))
' "$comp" "${wire:-0}" "$res") || line=""
	if [ -z "$line" ]; then
		echo "wire compression=$comp: FAILED: $(tail -2 "$tmp/wsflowd-$comp.log")"
		rc=1
	else
		echo "$line"
	fi
done
exit $rc
