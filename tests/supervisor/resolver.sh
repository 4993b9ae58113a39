#!/bin/sh
# SPDX-License-Identifier: ISC
# Name resolution never blocks the supervisor: in a private mount and
# network namespace whose /etc/resolv.conf names a server on 127.0.0.1
# that swallows every query, a ws_client keeps asking for a name that
# never resolves while `wsflowctl status` answers within 1 s, a killed
# ws_server worker is restarted and serves its echo again, and the
# daemon stops cleanly.  Root only (unshare, bind mounts, port 53);
# skipped (77) otherwise.  Last line: "N passed, N failed".
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${top_builddir:-$src/build}
src=$(cd "$src" && pwd)
bld=$(cd "$bld" && pwd)
wsflowd=$bld/supervisor/wsflowd
ctl=$bld/ctl/wsflowctl
py=/usr/bin/python3
work=$bld/tests/resolver.work
port=14540

if [ "${1:-}" != inner ]; then
	[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root"; exit 77; }
	rm -rf "$work"
	mkdir -p "$work" || exit 99
	unshare -m -n true 2>/dev/null || { echo "skipped: no unshare"; exit 77; }
	top_srcdir=$src top_builddir=$bld exec unshare -m -n sh "$0" inner
fi

# ok, nok, check WHAT CMD...: counted results; wait_for CONDITION
. "$src/tests/checks.sh"
cd "$work" || exit 99
ip link set lo up || exit 99
printf 'nameserver 127.0.0.1\noptions timeout:5 attempts:3\n' >resolv.conf
mount --bind "$work/resolv.conf" /etc/resolv.conf || exit 99

spid=
dpid=
cleanup() {
	[ -n "$dpid" ] && kill -9 "$dpid" 2>/dev/null
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
}
trap cleanup EXIT

# A name server that reads every query and never answers.
"$py" -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 53))
open('bound', 'w').close()
while True:
    s.recv(4096)
    open('asked', 'a').write('q\n')" &
spid=$!
check "silent name server bound" wait_for "[ -f bound ]"

cat >flow.troy <<TROY
define flow main
flow
  use troy::pipelines;
  define connector up from ws_client
  with
    codec = "json",
    config = {"url": "ws://hang.wsflow.test:14541/"},
    reconnect = {"retry": {"interval_ms": 100, "growth_rate": 1,
                           "max_retries": 1000, "randomized": false}}
  end;
  define connector srv from ws_server
  with codec = "binary", config = {"url": "127.0.0.1:$port"} end;
  create connector up;
  create connector ws from srv;
  create pipeline echo from pipelines::passthrough;
  connect /connector/ws to /pipeline/echo;
  connect /pipeline/echo to /connector/ws;
  connect /connector/up to /pipeline/echo;
end;
deploy flow main;
TROY
TREMOR_PATH=$src/lib "$wsflowd" -d -v -s "$work/ctl.sock" flow.troy \
    2>stderr &
dpid=$!
check "the flow starts" wait_for "grep -q 'all [0-9]* workers started' stderr"
check "the name is being asked for" wait_for "[ -f asked ]"

# status answers at once, again and again, while the name hangs.
slow=0
for _ in 1 2 3 4 5; do
	t0=$(date +%s%N)
	timeout 5 "$ctl" -s "$work/ctl.sock" status >status.out 2>&1 ||
	    slow=$((slow + 1))
	t1=$(date +%s%N)
	[ $(((t1 - t0) / 1000000)) -lt 1000 ] || slow=$((slow + 1))
	sleep 0.3
done
check "status answered within 1 s five times (slow: $slow)" test "$slow" -eq 0

# The echo serves.
echo_ok() {
	"$py" -c "
import sys
sys.path.insert(0, '$src/tests/hostile')
from hostile import frame, recv_message, ws_connect
s = ws_connect($port, False, timeout=2)
s.sendall(frame(2, b'resolver'))
sys.exit(recv_message(s) != (2, b'resolver'))" 2>/dev/null
}
check "the echo serves" echo_ok

# ws's pid in show connectors.
ws_pid() {
	"$ctl" -j -s "$work/ctl.sock" show connectors | "$py" -c "
import json, sys
r = json.load(sys.stdin)
print([c['pid'] for c in r['connectors'] if c['name'] == 'ws'][0])"
}
old=$(ws_pid)
kill -9 "$old"
check "a killed worker is restarted" wait_for \
    "new=\$(ws_pid) && [ \"\$new\" != '$old' ] && [ \"\$new\" != 0 ]"
check "its echo serves again" wait_for echo_ok
check "still asking for the name" test "$(wc -l <asked)" -ge 2
check "the ws_client is told it cannot resolve" wait_for \
    "grep -q 'connector up: connecting to hang.wsflow.test:14541 failed: cannot resolve hang.wsflow.test' stderr"

kill -TERM "$dpid"
wait "$dpid"
rc=$?
dpid=
check "stops with status 0" test "$rc" -eq 0

[ "$fail" -eq 0 ] || { echo "== stderr" >&2; cat stderr >&2; }
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
