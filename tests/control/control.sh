#!/bin/sh
# SPDX-License-Identifier: ISC
# wsflowctl against a running wsflowd: status, show connectors (pids are
# the daemon's children, a SIGKILLed worker is restarted and counted),
# show stats (counts match the events that went through), show
# pipelines, log, reload, -j (valid JSON), permissions for another user
# (when run as root), malformed requests (answered with an error, the
# daemon keeps running), a second daemon on the socket (refused), a stale
# socket (removed), a SIGKILLed control worker (restarted, answers
# again), stop (graceful, status 0, nothing lost) and a stop that cannot
# drain (status says "draining" until the drain timeout); a ws_server
# echo shows its connection counters and close codes.
#
# The flow reads JSON lines from stdin (a FIFO this script holds open)
# and writes them to out.json.  Last line: "N passed, N failed".
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${top_builddir:-$src/build}
wsflowd=$bld/supervisor/wsflowd
ctl=$bld/ctl/wsflowctl
py=/usr/bin/python3
work=$bld/tests/control.work
pass=0
fail=0

ok() {
	pass=$((pass + 1))
}
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*" >&2
}
check() {	# check "what" command...
	what=$1
	shift
	if "$@"; then ok; else bad "$what"; fi
}

# Wait up to 10 s for a shell condition.
wait_for() {
	i=0
	while [ $i -lt 100 ]; do
		eval "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# The value of a JSON path (python expression on r) in a -j reply.
jget() {	# jget 'expr' command-args...
	expr=$1
	shift
	"$ctl" -j -s "$sock" "$@" | "$py" -c \
	    "import json,sys; r=json.load(sys.stdin); print($expr)"
}

# Send raw bytes (a python bytes literal) and print the reply.
raw() {
	"$py" - "$sock" "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(15)
s.connect(sys.argv[1])
data = eval(sys.argv[2], {"__builtins__": {}})
if data:
    s.sendall(data)
s.shutdown(socket.SHUT_WR)
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
sys.stdout.write(out.decode("utf-8", "replace"))
EOF
}

lines() {
	if [ -f "$work/out.json" ]; then wc -l <"$work/out.json"; else echo 0; fi
}

rm -rf "$work"
mkdir -p "$work" || exit 99
# A socket directory anyone can reach (for the other-user checks).
sockdir=$(mktemp -d /tmp/wsflow-ctl.XXXXXX) || exit 99
chmod 755 "$sockdir"
sock=$sockdir/ctl.sock
cleanup() {
	[ -n "${wpid:-}" ] && kill "$wpid" 2>/dev/null
	[ -n "${dpid:-}" ] && kill -9 "$dpid" 2>/dev/null
	rm -rf "$sockdir"
}
trap cleanup EXIT
cd "$work" || exit 99
cat >flow.troy <<'EOF'
define flow main
flow
  define connector src from stdio
  with
    codec = "json",
    preprocessors = ["separate"]
  end;
  define connector dst from file
  with
    codec = "json",
    postprocessors = ["separate"],
    config = {"path": "out.json", "mode": "truncate"}
  end;
  define pipeline pass
  pipeline
    select event from in into out;
  end;
  create connector src;
  create connector dst;
  create pipeline pass;
  connect /connector/src to /pipeline/pass;
  connect /pipeline/pass to /connector/dst;
end;
deploy flow main;
EOF
mkfifo in.fifo || exit 99

# A stale socket (nobody listening) is removed at start.
"$py" -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$sock"
check "stale socket present" test -S "$sock"

exec 3<>in.fifo
"$wsflowd" -d -v -s "$sock" flow.troy <in.fifo >fg.out.log 2>fg.err.log &
dpid=$!
if ! wait_for '"$ctl" -s "$sock" status >/dev/null 2>&1 &&
    [ "$(jget "r[\"state\"]" status)" = running ]'; then
	bad "daemon did not come up"
	cat fg.err.log >&2
	echo "$pass passed, $fail failed"
	exit 1
fi
ok
check "socket mode 0666" test "$(stat -c %a "$sock")" = 666
check "stale socket removed and said so" grep -q "removing a stale socket" \
    fg.err.log

# status
out=$("$ctl" -s "$sock" status)
check "status pid" test "$(jget 'r["pid"]' status)" = "$dpid"
check "status text pid" sh -c "printf '%s\n' \"\$1\" | grep -Eq '^pid +$dpid\$'" \
    sh "$out"
check "status config" test "$(jget 'r["config"]' status)" = "['flow.troy']"
check "status counts" test "$(jget 'r["connectors"], r["pipelines"]' status)" \
    = "2 1"
check "status socket" test "$(jget 'r["socket"]' status)" = "$sock"
cpid=$(jget 'r["control"]["pid"]' status)
check "control worker is a child" test "$(awk '/^PPid:/ { print $2 }' \
    "/proc/$cpid/status")" = "$dpid"

# show connectors: real processes, children of the daemon
for name in src dst; do
	pid=$(jget "[c['pid'] for c in r['connectors'] if c['name']=='$name'][0]" \
	    show connectors)
	check "$name pid is a child" test "$(awk '/^PPid:/ { print $2 }' \
	    "/proc/$pid/status" 2>/dev/null)" = "$dpid"
	check "$name state" test "$(jget "[c['state'] for c in r['connectors'] \
	    if c['name']=='$name'][0]" show connectors)" = running
done
check "show connectors text" sh -c '"$1" -s "$2" show connectors |
    head -1 | grep -Eq "^NAME +FLOW +TYPE +STATE +PID +UPTIME +RESTARTS$"' \
    sh "$ctl" "$sock"

# show pipelines
check "show pipelines" test "$(jget '[(p["name"], p["inputs"], p["outputs"],
    p["evaluated_in"]) for p in r["pipelines"]]' show pipelines)" = \
    "[('pass', ['/connector/src/out -> in'], ['out -> /connector/dst/in'], ['src'])]"

# 5 events through; show stats counts them on both ends and the route
i=1
while [ $i -le 5 ]; do
	printf '{"n":%d}\n' $i >&3
	i=$((i + 1))
done
check "5 events written" wait_for '[ "$(lines)" -eq 5 ]'
stats() {	# stats connector key
	jget "[c['stats']['$2'] for c in r['connectors'] if c['name']=='$1'][0]" \
	    show stats
}
check "src events_in" test "$(stats src events_in)" = 5
check "src events_out" test "$(stats src events_out)" = 5
check "dst events_in" test "$(stats dst events_in)" = 5
check "dst events_out" test "$(stats dst events_out)" = 5
check "dst errors, dropped" test "$(stats dst errors) $(stats dst dropped)" \
    = "0 0"
check "dst bytes_out" test "$(stats dst bytes_out)" = "$(wc -c <out.json)"
check "src bytes_in" test "$(stats src bytes_in)" = "$(wc -c <out.json)"
check "route counts" test "$(jget '[(x["from"], x["to"], x["sent"],
    x["received"], x["queued"]) for x in r["routes"]]' show stats)" = \
    "[('src', 'dst', 5, 5, 0)]"
check "show stats text" sh -c '"$1" -s "$2" show stats | grep -Eq \
    "^dst +file +running +5 +5 +0 +0 +0 +[0-9]+$"' sh "$ctl" "$sock"

# -j output is valid JSON for every read-only command
for c in status "show connectors" "show pipelines" "show stats"; do
	# shellcheck disable=SC2086
	check "-j $c is JSON" sh -c '"$1" -j -s "$2" $3 |
	    "$4" -m json.tool >/dev/null' sh "$ctl" "$sock" "$c" "$py"
done

# SIGKILL the source: restarted, counted, a new child; events flow again
old=$(jget "[c['pid'] for c in r['connectors'] if c['name']=='src'][0]" \
    show connectors)
kill -9 "$old"
check "src restarted" wait_for '[ "$(jget "[c[\"restarts\"] for c in \
    r[\"connectors\"] if c[\"name\"]==\"src\"][0]" show connectors)" = 1 ] &&
    [ "$(jget "[c[\"state\"] for c in r[\"connectors\"] if \
    c[\"name\"]==\"src\"][0]" show connectors)" = running ]'
new=$(jget "[c['pid'] for c in r['connectors'] if c['name']=='src'][0]" \
    show connectors)
check "src has a new pid" test "$new" != "$old"
check "new src pid is a child" test "$(awk '/^PPid:/ { print $2 }' \
    "/proc/$new/status" 2>/dev/null)" = "$dpid"
check "old src pid gone" test ! -d "/proc/$old"
check "dst not restarted" test "$(jget "[c['restarts'] for c in \
    r['connectors'] if c['name']=='dst'][0]" show connectors)" = 0
i=6
while [ $i -le 10 ]; do
	printf '{"n":%d}\n' $i >&3
	i=$((i + 1))
done
check "10 events written" wait_for '[ "$(lines)" -eq 10 ]'
check "dst counts all 10" test "$(stats dst events_out)" = 10
check "restarted src counts its own 5" test "$(stats src events_in)" = 5

# log verbose|brief, reload
check "log verbose" test "$(jget 'r["verbose"]' log verbose)" = 2
check "status verbose" test "$(jget 'r["verbose"]' status)" = 2
# brief: back to the level of the command line (-v), at most 1
check "log brief" test "$(jget 'r["verbose"]' log brief)" = 1
check "log brief text" sh -c '"$1" -s "$2" log brief | grep -q "^log level 1"' \
    sh "$ctl" "$sock"
# the same file again: every worker kept (reload.sh tests the rest)
"$ctl" -s "$sock" reload >reload.out 2>reload.err
check "reload succeeds" test $? -eq 0
check "reload keeps every worker" grep -q \
    "^reloaded: [0-9]* kept, 0 started, 0 replaced, 0 stopped$" reload.out
check "reload -j" test "$(jget 'r["ok"] and r["started"] == 0' reload \
    2>/dev/null)" = True

# another user: may read, may not change anything
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	asnobody() {
		setpriv --reuid=nobody --regid="$(id -g nobody)" \
		    --clear-groups "$@"
	}
	check "nobody: status" asnobody "$ctl" -s "$sock" status >/dev/null
	for c in stop reload "log verbose" "log brief"; do
		# shellcheck disable=SC2086
		asnobody "$ctl" -s "$sock" $c >nobody.out 2>nobody.err
		check "nobody: $c refused" test $? -eq 1
		check "nobody: $c says permission denied" grep -q \
		    "permission denied" nobody.err
	done
	check "still running after nobody's stop" test \
	    "$(jget 'r["state"]' status)" = running

	# Idle clients of other users cannot lock root out: the supervisor
	# gives each uid 8 connections and the other users together 16.
	# One process connects as uid 40001 (32 times), 40002 (8) and 40003
	# (1) through its effective uid (what SO_PEERCRED reports), then
	# runs root's status while they are held, within the control
	# worker's 10 s request timeout; it prints, per uid, how many
	# connections were taken and refused, then root's status and time.
	"$py" - "$sock" "$ctl" >hold.out 2>&1 <<'PY'
import os, socket, subprocess, sys, time
path, ctl = sys.argv[1], sys.argv[2]
held = {}
want = {40001: 24, 40002: 0, 40003: 1}


def refused(conns, seen):
    """Add the connections that were told "too many clients" to seen."""
    for i, s in enumerate(conns):
        try:
            if b"too many clients" in s.recv(4096):
                seen.add(i)
        except BlockingIOError:
            pass


for uid, n in ((40001, 32), (40002, 8), (40003, 1)):
    os.seteuid(uid)
    held[uid] = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        s.setblocking(False)
        held[uid].append(s)
    os.seteuid(0)
    # one uid at a time: the next connects once these are placed
    seen = set()
    end = time.monotonic() + 5
    while time.monotonic() < end and len(seen) < want[uid]:
        refused(held[uid], seen)
        time.sleep(0.02)
    time.sleep(0.2)
    refused(held[uid], seen)
    print(uid, n - len(seen), len(seen))
t0 = time.monotonic()
r = subprocess.run([ctl, "-s", path, "status"], capture_output=True)
ms = int((time.monotonic() - t0) * 1000)
print("root", r.returncode, b"running" in r.stdout, ms < 1000, ms)
PY
	check "uid 40001: 8 of 32 taken" grep -qx "40001 8 24" hold.out
	check "uid 40002: 8 of 8 taken" grep -qx "40002 8 0" hold.out
	check "uid 40003: refused, the other users hold 16" \
	    grep -qx "40003 0 1" hold.out
	check "root: status answered within 1 s meanwhile" \
	    grep -q "^root 0 True True" hold.out
else
	echo "not root: skipping the other-user checks"
fi

# malformed requests: an error each, the daemon keeps running
for req in "b'garbage\\n'" "b'[1,2]\\n'" "b'{\"command\": 7}\\n'" \
    "b'{\"command\":\"status\",\"x\":1}\\n'" "b'{\"command\":\"rm -rf\"}\\n'" \
    "b'\\x00\\xff\\xfe\\n'" "b'{\"command\":\"status\"'" "b'x' * 5000" \
    "b'{\"command\":\"stat\\x00us\"}\\n'" "b'[[[[[[[[[[[[[[\\n'"; do
	reply=$(raw "$req")
	check "malformed $req: error reply" sh -c 'printf "%s\n" "$1" |
	    "$2" -c "import json,sys; r=json.load(sys.stdin);
sys.exit(0 if r[\"ok\"] is False and r[\"error\"] else 1)"' sh "$reply" "$py"
done
check "empty connection: no reply" test -z "$(raw "b''")"
check "a request without newline is answered" test \
    "$(raw "b'{\"command\":\"status\"}'" | "$py" -c \
    'import json,sys; print(json.load(sys.stdin)["ok"])')" = True
check "still running after malformed requests" test \
    "$(jget 'r["state"]' status)" = running
check "control worker not restarted" test \
    "$(jget 'r["control"]["restarts"]' status)" = 0

# SIGKILL the control worker: restarted, the socket answers again
kill -9 "$cpid"
check "control worker restarted" wait_for '[ "$(jget "r[\"control\"][\"restarts\"]" \
    status 2>/dev/null)" = 1 ]'
check "new control worker" test "$(jget 'r["control"]["pid"]' status)" != "$cpid"
check "flow untouched" test "$(jget "[c['restarts'] for c in \
    r['connectors'] if c['name']=='dst'][0]" show connectors)" = 0

# a second daemon on the same socket is refused
"$wsflowd" -d -s "$sock" flow.troy </dev/null >second.out 2>second.err
check "second daemon refused" test $? -eq 1
check "second daemon says why" grep -q "another wsflowd is answering" \
    second.err
check "first still answers" test "$(jget 'r["pid"]' status)" = "$dpid"

# stop: graceful, status 0, nothing lost, socket removed
check "stop" sh -c '"$1" -s "$2" stop | grep -qx stopping' sh "$ctl" "$sock"
wait "$dpid"
rc=$?
dpid=
check "daemon exit status 0" test "$rc" -eq 0
check "nothing lost" test "$(lines)" -eq 10
check "all events in order" test "$("$py" -c 'import json,sys
print([json.loads(l)["n"] for l in open("out.json")])')" = \
    "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"
check "socket removed" test ! -e "$sock"
check "graceful stop logged" grep -q "stopping (graceful)" fg.err.log
exec 3>&-

# Draining is visible: the sink writes into a FIFO nobody reads, so it
# cannot drain; status says "draining" (the control worker stops last)
# until the drain timeout ends the daemon.
sed 's|"path": "out.json", "mode": "truncate"|"path": "sink.fifo", "mode": "append"|' \
    flow.troy >stuck.troy
mkfifo sink.fifo stuck.fifo || exit 99
exec 4<>sink.fifo 3<>stuck.fifo
"$wsflowd" -d -v -s "$sock" stuck.troy <stuck.fifo >stuck.out 2>stuck.err &
dpid=$!
check "stuck daemon up" wait_for '[ "$(jget "r[\"state\"]" status \
    2>/dev/null)" = running ]'
# More than the pipes and the route hold; the writer blocks, so it runs
# in the background and is killed at the end.
"$py" -c 'import sys
for i in range(40000): sys.stdout.write("{\"n\":%d,\"pad\":\"%s\"}\n" % (i, "x" * 40))' >&3 &
wpid=$!
# The source holds events for the route once the sink stops taking them.
check "route backed up" wait_for '[ "$(jget "r[\"routes\"][0][\"queued\"] or 0" \
    show stats)" -gt 0 ]'
check "a stuck sink gives no counters" test "$(jget "[c['stats'] for c in \
    r['connectors'] if c['name']=='dst'][0]" show stats)" = None
check "stop while stuck" sh -c '"$1" -s "$2" stop | grep -qx stopping' \
    sh "$ctl" "$sock"
check "status draining" test "$(jget 'r["state"]' status)" = draining
check "sink draining" test "$(jget "[c['state'] for c in r['connectors'] \
    if c['name']=='dst'][0]" show connectors)" = draining
check "second stop" test "$(jget 'r["message"]' stop)" = "already stopping"
wait "$dpid"
dpid=
check "drain timeout ended it" grep -q "drain timeout: stopping connector dst" \
    stuck.err
check "socket removed after the drain timeout" test ! -e "$sock"
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null
exec 3>&- 4<&-

# A ws connector adds its own counters (connections, frames, close codes).
if "$py" -c 'import websockets' 2>/dev/null; then
	port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
	cat >echo.troy <<EOF
define flow main
flow
  define connector srv from ws_server
  with
    codec = "json",
    config = { "url": "127.0.0.1:$port" }
  end;
  define pipeline pass
  pipeline
    select event from in into out;
  end;
  create connector srv;
  create pipeline pass;
  connect /connector/srv to /pipeline/pass;
  connect /pipeline/pass to /connector/srv;
end;
deploy flow main;
EOF
	cat >client.py <<'EOF'
import asyncio, sys, websockets
async def main():
    async with websockets.connect("ws://127.0.0.1:%s" % sys.argv[1]) as ws:
        got = []
        for i in range(3):
            await ws.send('{"n":%d}' % i)
            got.append(await ws.recv())
        print(" ".join(got))
asyncio.run(main())
EOF
	"$wsflowd" -d -s "$sock" echo.troy </dev/null >echo.out 2>echo.err &
	dpid=$!
	check "echo daemon up" wait_for '[ "$(jget "r[\"state\"]" status \
	    2>/dev/null)" = running ]'
	check "ws echo" test "$("$py" client.py "$port")" = \
	    '{"n":0} {"n":1} {"n":2}'
	wsstat() {
		jget "[c['stats']['connector']$1 for c in r['connectors']][0]" \
		    show stats
	}
	check "ws connections" wait_for '[ "$(wsstat "[\"connections\"]")" = 1 ]'
	check "ws frames" test "$(wsstat "['frames_in']") $(wsstat \
	    "['frames_out']")" = "3 3"
	check "ws bytes" test "$(wsstat "['bytes_in']")" = 21
	check "ws close codes" wait_for '[ "$(wsstat "[\"close_in\"]")" = \
	    "{'"'"'1000'"'"': 1}" ]'
	check "ws open now" test "$(wsstat "['open']")" = 0
	check "ws text" sh -c '"$1" -s "$2" show stats | grep -q \
	    "^srv: connections=1 .*frames_in=3 .*close_in.1000=1"' sh "$ctl" "$sock"
	check "echo stop" sh -c '"$1" -s "$2" stop | grep -qx stopping' \
	    sh "$ctl" "$sock"
	wait "$dpid"
	check "echo daemon status 0" test $? -eq 0
	dpid=
else
	echo "python3 websockets missing: skipping the ws counters"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
