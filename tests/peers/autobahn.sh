#!/bin/sh
# SPDX-License-Identifier: ISC
# Run the Autobahn|Testsuite WebSocket conformance cases (RFC 6455; the
# Python 3 port, github ricardo-valero/autobahn-testsuite) against wsflow.
#
#   AUTOBAHN_MIRROR=DIR tests/peers/autobahn.sh server|client BUILDDIR [OUTDIR]
#
# server: wsflowd runs an echo flow (bench/flows/echo-binary.troy: ws_server,
#   binary codec, passthrough back to the ws_server) and the suite's fuzzing
#   client connects to it.
# client: the suite's fuzzing server listens, and for each case N wsflowd
#   runs tests/peers/autobahn/echo-client.troy (ws_client out -> passthrough
#   -> ws_client in) against /runCase?case=N&agent=wsflow; once the worker
#   logs that the connection is gone the daemon is stopped and the next case
#   starts.  /getCaseCount and /updateReports are asked by a small
#   python3-websockets client.
#
# The suite is not part of wsflow and is not run by "make check" (CI cannot
# fetch it).  Give its source as AUTOBAHN_SRC (a checkout) or AUTOBAHN_MIRROR
# (a bare git mirror, unpacked into the work directory).  Debian packages:
#   python3-autobahn python3-twisted python3-jinja2 python3-openssl
#   python3-service-identity python3-websockets
# Optional: AUTOBAHN_CASES, AUTOBAHN_EXCLUDE (JSON lists of case ids with
# "*" wildcards; default all cases but sections 12 and 13, permessage-deflate),
# AUTOBAHN_COMPRESSION=true (the connector under test offers or accepts
# permessage-deflate: "compression": true; for sections 12 and 13 run
# AUTOBAHN_CASES='["12.*", "13.*"]' AUTOBAHN_EXCLUDE='[]'),
# AUTOBAHN_PORT (default 14470: the echo
# server in server mode, the fuzzing server in client mode) and
# AUTOBAHN_CASE_TIMEOUT (seconds per client case, default 120).
#
# The report is OUTDIR/reports (index.json, one JSON and HTML file per case,
# with the wire log); the daemon logs are OUTDIR/wsflowd.log (server) or
# OUTDIR/client/case-N.log (client, N counts the selected cases in order).
# The last lines are "autobahn: OK n, NON-STRICT n, INFORMATIONAL n, FAILED n"
# and the ids of the NON-STRICT and FAILED cases; the exit status is 0 when
# no case failed.
set -u
usage() {
	echo "usage: $0 server|client BUILDDIR [OUTDIR]" >&2
	exit 2
}
[ $# -ge 2 ] || usage
mode=$1
case $mode in server|client) ;; *) usage ;; esac
bld=$(cd "$2" && pwd) || exit 2
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${3:-$(mktemp -d "${TMPDIR:-/tmp}/autobahn-$mode.XXXXXX")} || exit 2
mkdir -p "$out" && out=$(cd "$out" && pwd) || exit 2
wsflowd=$bld/supervisor/wsflowd
wsflowctl=$bld/ctl/wsflowctl
# builds from before wsflowctl had a folder of its own
[ -x "$wsflowctl" ] || wsflowctl=$bld/supervisor/wsflowctl
py=/usr/bin/python3
port=${AUTOBAHN_PORT:-14470}
cases=${AUTOBAHN_CASES:-'["*"]'}
exclude=${AUTOBAHN_EXCLUDE:-'["12.*", "13.*"]'}
case_timeout=${AUTOBAHN_CASE_TIMEOUT:-120}
compression=${AUTOBAHN_COMPRESSION:-false}
case $compression in true|false) ;; *) usage ;; esac
agent=wsflow

# The troy library of the tree the build was configured from.
bsrc=$(sed -n 's/^abs_top_srcdir = //p' "$bld/Makefile" 2>/dev/null)
[ -n "$bsrc" ] && [ -d "$bsrc/lib" ] || bsrc=$src
TREMOR_PATH=$bsrc/lib
export TREMOR_PATH

if [ ! -x "$wsflowd" ] || [ ! -x "$wsflowctl" ]; then
	echo "no wsflowd or wsflowctl in $bld" >&2
	exit 2
fi
if ! $py -c 'import autobahn, twisted, jinja2, websockets' 2>/dev/null; then
	echo "python3-autobahn, -twisted, -jinja2 or -websockets missing" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/wsflow-autobahn.XXXXXX") || exit 2
daemon=""
suite=""
cleanup() {
	for p in $daemon $suite; do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in $daemon $suite; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${AUTOBAHN_SRC:-}" ]; then
	if [ -z "${AUTOBAHN_MIRROR:-}" ]; then
		echo "set AUTOBAHN_SRC or AUTOBAHN_MIRROR" >&2
		exit 2
	fi
	AUTOBAHN_SRC=$work/autobahn-src
	mkdir -p "$AUTOBAHN_SRC"
	git --git-dir="$AUTOBAHN_MIRROR" archive HEAD autobahntestsuite |
	    tar -x -C "$AUTOBAHN_SRC" || { echo "cannot unpack the suite" >&2; exit 2; }
fi
[ -d "$AUTOBAHN_SRC/autobahntestsuite/autobahntestsuite" ] ||
	{ echo "$AUTOBAHN_SRC: not the suite's source" >&2; exit 2; }
PYTHONPATH=$AUTOBAHN_SRC/autobahntestsuite
export PYTHONPATH

# wstest with a json module whose dumps writes the bytes payloads of
# python3-autobahn 22.x into the reports (as latin-1 text).
cat > "$work/wstest.py" <<'END'
import json, sys
import autobahntestsuite.fuzzing as fz
class _J:
    loads, load, dump = staticmethod(json.loads), staticmethod(json.load), staticmethod(json.dump)
    @staticmethod
    def dumps(o, **kw):
        kw.setdefault("default", lambda b: b.decode("latin-1")
                      if isinstance(b, (bytes, bytearray)) else str(b))
        return json.dumps(o, **kw)
fz.json = _J
from autobahntestsuite.wstest import run
sys.argv[0] = "wstest"
run()
END

# wait_port PORT: until something listens (60 s: the suite imports
# Twisted first, which is slow on a loaded machine).
wait_port() {
	$py - "$1" <<'END'
import socket, sys, time
for i in range(600):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
END
}

# stop_daemon: ask it to stop and wait for it, else kill it.
stop_daemon() {
	[ -n "$daemon" ] || return 0
	if ! timeout 10 "$wsflowctl" -s "$work/ctl.sock" stop >/dev/null 2>&1
	then
		kill "$daemon" 2>/dev/null
		sleep 1
		kill -9 "$daemon" 2>/dev/null
	fi
	wait "$daemon" 2>/dev/null
	daemon=""
}

cd "$out" || exit 2
rm -rf reports
start=$(date +%s)
case $mode in
server)
	"$wsflowd" -d -s "$work/ctl.sock" -D "url=127.0.0.1:$port" \
	    -D "compression=$compression" \
	    "$src/bench/flows/echo-binary.troy" > wsflowd.out 2> wsflowd.log &
	daemon=$!
	wait_port "$port" ||
		{ echo "wsflowd did not listen: $(tail -3 wsflowd.log)" >&2; exit 1; }
	printf '{"outdir": "%s", "servers": [{"agent": "%s", "url": "ws://127.0.0.1:%s"}], "cases": %s, "exclude-cases": %s, "exclude-agent-cases": {}}\n' \
	    "$out/reports" "$agent" "$port" "$cases" "$exclude" > spec.json
	$py "$work/wstest.py" -m fuzzingclient -s spec.json > wstest.log 2>&1 ||
		echo "wstest exited $?: $(tail -3 wstest.log)" >&2
	stop_daemon
	;;
client)
	printf '{"url": "ws://127.0.0.1:%s", "outdir": "%s", "cases": %s, "exclude-cases": %s, "exclude-agent-cases": {}}\n' \
	    "$port" "$out/reports" "$cases" "$exclude" > spec.json
	# -u 0: no embedded web server
	$py "$work/wstest.py" -m fuzzingserver -u 0 -s spec.json \
	    > wstest.log 2>&1 &
	suite=$!
	wait_port "$port" ||
		{ echo "the fuzzing server did not listen: $(tail -3 wstest.log)" >&2; exit 1; }
	# ask PATH: connect, print the messages received until the close.
	ask() {
		$py - "ws://127.0.0.1:$port$1" <<'END'
import asyncio, sys, websockets
async def main(url):
    async with websockets.connect(url, max_size=None) as ws:
        try:
            async for m in ws:
                print(m)
        except websockets.ConnectionClosed:
            pass    # the suite closes without a status code
asyncio.run(main(sys.argv[1]))
END
	}
	n=$(ask /getCaseCount) || { echo "getCaseCount failed" >&2; exit 1; }
	case $n in ''|*[!0-9]*) echo "getCaseCount: $n" >&2; exit 1 ;; esac
	echo "client: $n cases" >&2
	mkdir -p client
	# A case ends when the worker logs the connection lost, the attempt
	# failed or given up on, or its restart after a crash (which would
	# run the case again).
	gone='connector ws: connection to .* lost\|connector ws: connecting to .* failed\|connector ws: giving up\|connector ws: restart\|connector ws: pid .* killed'
	i=1
	while [ "$i" -le "$n" ]; do
		log=client/case-$i.log
		: > "$log"	# exists before the loop below reads it
		"$wsflowd" -d -s "$work/ctl.sock" \
		    -D "url=\"ws://127.0.0.1:$port/runCase?case=$i&agent=$agent\"" \
		    -D "compression=$compression" \
		    "$src/tests/peers/autobahn/echo-client.troy" \
		    > /dev/null 2>> "$log" &
		daemon=$!
		deadline=$(($(date +%s) + case_timeout))
		while ! grep -q "$gone" "$log"; do
			if ! kill -0 "$daemon" 2>/dev/null; then
				echo "case $i: wsflowd exited: $(tail -2 "$log")" >&2
				break
			fi
			if [ "$(date +%s)" -ge "$deadline" ]; then
				echo "case $i: still connected after $case_timeout s" >&2
				break
			fi
			sleep 0.1
		done
		stop_daemon
		i=$((i + 1))
	done
	ask "/updateReports?agent=$agent" > /dev/null ||
		echo "updateReports failed" >&2
	kill "$suite" 2>/dev/null
	wait "$suite" 2>/dev/null
	suite=""
	;;
esac
end=$(date +%s)
echo "$mode: $((end - start)) s, report in $out/reports" >&2

$py - "$out/reports" <<'END'
import collections, glob, json, sys
idx = glob.glob(sys.argv[1] + "/index.json") + glob.glob(sys.argv[1] + "/*/index.json")
if not idx:
    print("autobahn: no index.json written")
    sys.exit(1)
data = json.load(open(idx[0]))
c = collections.Counter()
ids = collections.defaultdict(list)
for agent, cases in data.items():
    for case, r in cases.items():
        c[r["behavior"]] += 1
        ids[r["behavior"]].append(case)
keys = ["OK", "NON-STRICT", "INFORMATIONAL", "FAILED"]
keys += sorted(k for k in c if k not in keys)
print("autobahn:", ", ".join("%s %d" % (k, c[k]) for k in keys))
order = lambda s: [int(x) for x in s.split(".")]
for k in keys[1:]:
    if k != "INFORMATIONAL" and ids[k]:
        print("%s cases: %s" % (k, " ".join(sorted(ids[k], key=order))))
sys.exit(1 if c["FAILED"] or c["UNIMPLEMENTED"] else 0)
END
