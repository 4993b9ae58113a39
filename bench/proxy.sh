#!/bin/sh
# SPDX-License-Identifier: ISC
# What an HTTP CONNECT proxy costs a ws_client connection (issue 14):
# a ws_client that closes each connection after 1 ms without data
# (idle_timeout_ms) and dials again 1 ms later (reconnect interval_ms)
# runs for DUR seconds against a local ws_server, directly and through a
# local tinyproxy, REPS times each, alternating.  Each run prints the
# connections made and the mean cycle (TCP, the CONNECT exchange when
# proxied, the upgrade, the 1 ms idle, the closing handshake and the
# 1 ms wait); the difference of the means is what the proxy adds.
# Usage: sh bench/proxy.sh [BUILDDIR]   (env: DUR=5 REPS=3 PORT=14650)
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
bld=${1:-$src/build}
bld=$(cd "$bld" && pwd)
dur=${DUR:-5}
reps=${REPS:-3}
base=${PORT:-14650}
P_WS=$((base + 1))
P_TP=$((base + 2))
TREMOR_PATH=$src/lib
export TREMOR_PATH
command -v tinyproxy >/dev/null || { echo "tinyproxy missing"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/wsflow-bench-proxy.XXXXXX") || exit 1
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$work"' \
    EXIT INT TERM
cd "$work" || exit 1

up() {
	for _ in $(seq 100); do
		/usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 0.2)" \
		    2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

cat > server.troy <<EOF
define flow s
flow
  define connector z from ws_server
  with codec = "json", config = {"url": "127.0.0.1:$P_WS"} end;
  create connector z;
  create pipeline echo from troy::pipelines::passthrough;
  connect /connector/z to /pipeline/echo;
  connect /pipeline/echo to /connector/z;
end;
deploy flow s;
EOF
"$bld/supervisor/wsflowd" -d -s "$work/s.sock" server.troy 2> server.err &
pids="$pids $!"
cat > tp.conf <<EOF
Port $P_TP
Listen 127.0.0.1
MaxClients 100
LogFile "$work/tp.log"
LogLevel Warning
PidFile "$work/tp.pid"
Allow 127.0.0.1
ConnectPort $P_WS
EOF
tinyproxy -d -c tp.conf 2> tp.err &
pids="$pids $!"
up $P_WS && up $P_TP || { echo "server or tinyproxy did not start"; exit 1; }

# run NAME EXTRA: one run; prints connections and the mean cycle.
run() {
	cat > client.troy <<EOF
define flow c
flow
  define connector ws from ws_client
  with
    codec = "json",
    config = {"url": "ws://127.0.0.1:$P_WS/", "idle_timeout_ms": 1 $2},
    reconnect = {"retry": {"interval_ms": 1, "growth_rate": 1,
                           "randomized": false}}
  end;
  create connector ws;
  create pipeline p from troy::pipelines::passthrough;
  connect /connector/ws to /pipeline/p;
  connect /pipeline/p to /connector/ws;
end;
deploy flow c;
EOF
	"$bld/supervisor/wsflowd" -d -s "$work/c.sock" client.troy \
	    2> client.err &
	c=$!
	# counted from one second in (start-up excluded) for dur seconds
	sleep 1
	n1=$(conns)
	sleep "$dur"
	n2=$(conns)
	kill "$c"
	wait "$c" 2>/dev/null
	echo "$1 $((n2 - n1))" | awk -v d="$dur" '{ printf "%-7s %6d connections in %d s: %.3f ms per cycle\n", $1, $2, d, d * 1000 / $2 }'
}

# conns: the client's connections so far.
conns() {
	"$bld/ctl/wsflowctl" -s "$work/c.sock" -j show stats |
	    /usr/bin/python3 -c '
import json, sys
for c in json.load(sys.stdin)["connectors"]:
    if c["name"] == "ws":
        print(c["stats"]["connector"]["connections"])'
}

for _ in $(seq "$reps"); do
	run direct ""
	run proxy ", \"proxy\": \"http://127.0.0.1:$P_TP\""
done
