#!/bin/sh
# SPDX-License-Identifier: ISC
# ws_client through HTTP CONNECT proxies (issue 14), on loopback:
# - Debian's tinyproxy, started here with its own configuration file:
#   ws:// and wss:// (TLS to the target inside the tunnel, its
#   certificate checked for the target's name: a wrong name fails);
# - tinyproxy with BasicAuth: the credentials read from a file pass;
#   none get a logged 407 and wrong ones a logged 401 (tinyproxy's
#   answer), with the reconnect policy's retries; neither password
#   reaches the log;
# - per_stream (the relay): each stream's connection through tinyproxy;
# - a hostile proxy (fake_proxy.py) answering garbage, a header that
#   never ends, nothing, 407, and a 200 followed at once by bytes of the
#   next layer (kept for it: the upgrade sees them); each attempt fails
#   cleanly and is counted, the worker's memory stays bounded, the
#   daemon stays up and a well-behaved ws_client beside it (through
#   tinyproxy) gets its echoes.
# Skipped (77) only without tinyproxy.  Last line: "N passed, N failed".
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${top_builddir:-$src/build}
# shellcheck source=tests/peers/peerlib.sh
. "$src/tests/peers/peerlib.sh"
tinyproxy=$(command -v tinyproxy || echo /usr/bin/tinyproxy)

if [ ! -x "$tinyproxy" ] || ! command -v openssl >/dev/null; then
	echo "tinyproxy or openssl missing: skipped"
	exit 77
fi

peer_workdir proxy

base=${WSFLOW_PROXY_PORT:-14640}
P_TP=$((base + 1))	# tinyproxy
P_TPA=$((base + 2))	# tinyproxy with BasicAuth
P_WS=$((base + 3))	# ws_server
P_WSS=$((base + 4))	# ws_server with TLS
P_FAKE=$((base + 5))	# fake_proxy.py
P_FRONT=$((base + 6))	# the relay's ws_server

# tinyproxy_start NAME PORT [LINE]: a tinyproxy in the foreground with
# its own configuration (CONNECT allowed to the two ws_server ports).
tinyproxy_start() {
	cat > "$1.conf" <<EOF
Port $2
Listen 127.0.0.1
Timeout 30
MaxClients 50
LogFile "$work/$1.log"
LogLevel Connect
PidFile "$work/$1.pid"
Allow 127.0.0.1
ConnectPort $P_WS
ConnectPort $P_WSS
DisableViaHeader Yes
${3:-}
EOF
	"$tinyproxy" -d -c "$1.conf" > "$1.out" 2>&1 &
	pids="$pids $!"
	wait_for "listening $2" || nok "$1 did not listen: $(cat "$1.out")"
}

# ------------------------------------------------------------- the targets
peer_cert
cat > server.troy <<EOF
define flow s
flow
  define connector z from ws_server
  with codec = "json", config = {"url": "127.0.0.1:$P_WS"} end;
  define connector zs from ws_server
  with
    codec = "json",
    config = {"url": "wss://127.0.0.1:$P_WSS",
              "tls": {"cert": "$work/cert.pem", "key": "$work/key.pem"}}
  end;
  define pipeline echo
  pipeline
    select event from in into out;
  end;
  create connector z;
  create connector zs;
  create pipeline echo;
  create pipeline echos from echo;
  connect /connector/z to /pipeline/echo;
  connect /pipeline/echo to /connector/z;
  connect /connector/zs to /pipeline/echos;
  connect /pipeline/echos to /connector/zs;
end;
deploy flow s;
EOF
"$wsflowd" -d -s "$work/srv.sock" server.troy > server.out 2> server.err &
pids="$pids $!"
wait_for "listening $P_WS && listening $P_WSS" ||
	nok "ws_server did not listen: $(tail -3 server.err)"
tinyproxy_start tp $P_TP
tinyproxy_start tpa $P_TPA "BasicAuth alice s3cret-pw"

$py -c '
import json
for i in range(30):
    print(json.dumps({"seq": i, "msg": "through the proxy"}))' > events.txt
{ cat events.txt; echo '"exit"'; } > cin.txt

# proxied URL EXTRA: a ws_client to URL (config keys EXTRA after it,
# json events as whole messages, two reconnections) that sends cin.txt's
# events and writes what comes back to echo.log; "exit" ends the daemon
# a second later.  client.err holds this run's log only.
proxied() {
	{
		echo "define flow c"
		echo "flow"
		flow_head
		cat <<EOF
  define connector ws from ws_client
  with
    codec = "json",
    config = {"url": "$1" $2},
    reconnect = {"retry": {"interval_ms": 100, "max_retries": 2}}
  end;
  create connector echo from integration::write_file with file = "echo.log" end;
  create connector ws;
  create pipeline back from troy::pipelines::passthrough;
  connect /pipeline/main to /connector/ws;
  connect /connector/ws to /pipeline/back;
  connect /pipeline/back to /connector/echo;
end;
deploy flow c;
EOF
	} > client.troy
	rm -f echo.log
	timeout 30 "$wsflowd" -d -v -s "$work/c.sock" client.troy \
	    > client.out 2> client.err
}

# echoed WHAT: every event came back, in order.
echoed() {
	if $py -c '
import json, sys
a = [json.loads(l) for l in open("events.txt")]
b = [json.loads(l) for l in open("echo.log")]
sys.exit(0 if a == b else 1)' 2>/dev/null; then
		ok "$1: $(wc -l < echo.log) events echoed"
	else
		nok "$1: echo.log differs; $(tail -4 client.err)"
	fi
}

# ------------------------------------------------------ through tinyproxy
proxied "ws://127.0.0.1:$P_WS/feed" ", \"proxy\": \"http://127.0.0.1:$P_TP\""
echoed "ws:// through tinyproxy"
has client.err "connected to 127.0.0.1:$P_WS via proxy 127.0.0.1:$P_TP"
has tp.log "Established connection to host \"127.0.0.1\""

proxied "wss://localhost:$P_WSS/feed" ", \"tls\": {\"cafile\": \"$work/cert.pem\"},
    \"proxy\": {\"url\": \"http://127.0.0.1:$P_TP/\"}"
echoed "wss:// through tinyproxy (the proxy resolves localhost)"
has client.err "connected to localhost:$P_WSS via proxy 127.0.0.1:$P_TP (TLS"
has tp.log "Established connection to host \"localhost\""

proxied "wss://127.0.0.1:$P_WSS/feed" ", \"tls\": {\"cafile\": \"$work/cert.pem\",
    \"domain\": \"wrong.example\"}, \"proxy\": \"http://127.0.0.1:$P_TP\""
has client.err "certificate verification failed"
check "wss:// with another name for the target: nothing echoed" \
    test ! -s echo.log

# ------------------------------------------------------------- BasicAuth
printf 'alice:s3cret-pw\n' > cred
chmod 600 cred
proxied "ws://127.0.0.1:$P_WS/feed" ", \"proxy\": {\"url\":
    \"http://127.0.0.1:$P_TPA\", \"credentials\": {\"file\": \"$work/cred\"}}"
echoed "BasicAuth, credentials from a file"
check "the password is not in the log" sh -c "! grep -q s3cret client.err"

# tinyproxy answers 407 without credentials, 401 to wrong ones
proxied "ws://127.0.0.1:$P_WS/feed" ", \"proxy\": \"http://127.0.0.1:$P_TPA\""
has client.err "connecting to 127.0.0.1:$P_WS failed: proxy refused CONNECT: HTTP 407; next attempt in"
check "no credentials: nothing echoed" test ! -s echo.log
proxied "ws://127.0.0.1:$P_WS/feed" \
    ", \"proxy\": \"http://alice:wr0ng-pw@127.0.0.1:$P_TPA\""
has client.err "connecting to 127.0.0.1:$P_WS failed: proxy refused CONNECT: HTTP 401; next attempt in"
has client.err "giving up on 127.0.0.1 after 2 attempts"
check "wrong credentials: both attempts refused" test \
    "$(grep -c "proxy refused CONNECT: HTTP 401" client.err)" -eq 2
check "wrong credentials: nothing echoed" test ! -s echo.log
check "the wrong password is not in the log" sh -c "! grep -q wr0ng client.err"

# ------------------------------------- per_stream: each stream's tunnel
cat > relay.troy <<EOF
define flow r
flow
  define connector front from ws_server
  with codec = "binary", config = {"url": "127.0.0.1:$P_FRONT"} end;
  define connector back from ws_client
  with
    codec = "binary",
    config = {"url": "ws://127.0.0.1:$P_WS/", "per_stream": true,
              "proxy": "http://127.0.0.1:$P_TP"}
  end;
  create connector front;
  create connector back;
  create pipeline out from troy::pipelines::passthrough;
  create pipeline back_in from troy::pipelines::passthrough;
  connect /connector/front to /pipeline/out;
  connect /pipeline/out to /connector/back;
  connect /connector/back to /pipeline/back_in;
  connect /pipeline/back_in to /connector/front;
end;
deploy flow r;
EOF
"$wsflowd" -d -s "$work/r.sock" relay.troy > relay.out 2> relay.err &
rd=$!
pids="$pids $rd"
wait_for "listening $P_FRONT" || nok "relay did not listen: $(tail -3 relay.err)"
n0=$(grep -c "Established connection" tp.log)
if $py - $P_FRONT > relay.py.out 2>&1 <<'EOF'
import asyncio, json, sys
import websockets

async def one(i):
    async with websockets.connect("ws://127.0.0.1:%s/" % sys.argv[1]) as ws:
        msg = '{"client": %d}' % i
        await ws.send(msg)
        got = await asyncio.wait_for(ws.recv(), 15)
        # the echo server's json codec writes it compactly
        assert json.loads(got) == json.loads(msg), got

async def main():
    await asyncio.gather(*(one(i) for i in range(3)))

asyncio.run(main())
EOF
then
	ok "per_stream: 3 clients relayed, each through its own tunnel"
else
	nok "per_stream relay: $(tail -3 relay.py.out) $(tail -3 relay.err)"
fi
check "per_stream: tinyproxy made 3 more tunnels" \
    test "$(grep -c "Established connection" tp.log)" -eq $((n0 + 3))
kill "$rd"
wait "$rd" 2>/dev/null

# ---------------------------------------------------------- hostile proxy
$py "$peers/fake_proxy.py" $P_FAKE fake.log garbage huge silent 407 \
    leftover silent > fake.out 2>&1 &
pids="$pids $!"
wait_for "listening $P_FAKE" || nok "fake_proxy.py did not listen"
cat > hostile.troy <<EOF
define flow h
flow
  use integration;
  define connector good from ws_client
  with
    codec = "json",
    config = {"url": "ws://127.0.0.1:$P_WS/", "proxy": "http://127.0.0.1:$P_TP"}
  end;
  define connector bad from ws_client
  with
    codec = "json",
    config = {"url": "ws://127.0.0.1:$P_WS/", "handshake_timeout_ms": 1000,
              "proxy": "http://127.0.0.1:$P_FAKE"},
    reconnect = {"retry": {"interval_ms": 50, "max_retries": 1000}}
  end;
  create connector in from integration::read_file with file = "events.txt" end;
  create connector echo from integration::write_file with file = "echo.log" end;
  create connector badout from integration::write_file with file = "bad.log" end;
  create connector good;
  create connector bad;
  create pipeline p from troy::pipelines::passthrough;
  create pipeline back from troy::pipelines::passthrough;
  create pipeline badp from troy::pipelines::passthrough;
  connect /connector/in to /pipeline/p;
  connect /pipeline/p to /connector/good;
  connect /connector/good to /pipeline/back;
  connect /pipeline/back to /connector/echo;
  connect /connector/bad to /pipeline/badp;
  connect /pipeline/badp to /connector/badout;
end;
deploy flow h;
EOF
rm -f echo.log
"$wsflowd" -d -s "$work/h.sock" hostile.troy > hostile.out 2> hostile.err &
hd=$!
pids="$pids $hd"
for why in "proxy: not an HTTP/1.x status line" \
    "proxy: reply head too big" \
    "handshake timed out after 1000 ms (no reply from the proxy)" \
    "proxy refused CONNECT: HTTP 407" \
    "(HTTP 403)"; do
	if wait_for "grep -qF '$why' hostile.err"; then
		ok "hostile proxy: attempt failed: $why"
	else
		nok "hostile proxy: no \"$why\" in $(tail -5 hostile.err)"
	fi
done
# the 200's trailing bytes reached the upgrade: no timeout on that one
check "bytes after the proxy's 200 kept for the upgrade" sh -c \
    "grep -F '(HTTP 403)' hostile.err | grep -qv 'timed out'"
has fake.log "CONNECT 127.0.0.1:$P_WS HTTP/1.1"
has fake.log "Host: 127.0.0.1:$P_WS"
wait_for "test \$(wc -l < echo.log 2>/dev/null || echo 0) -ge 30"
echoed "well-behaved ws_client beside the hostile proxy"
check "daemon still up" kill -0 "$hd"
"$wsflowctl" -s "$work/h.sock" -j show stats > stats.json 2>/dev/null
if $py - stats.json > st.out 2>&1 <<'EOF'
import json, sys
for c in json.load(open(sys.argv[1]))["connectors"]:
    if c["name"] == "bad":
        s = c["stats"]["connector"]
        print("proxy_failed %d handshake_failed %d connections %d"
              % (s["proxy_failed"], s["handshake_failed"], s["connections"]))
        sys.exit(0 if s["proxy_failed"] >= 4 and s["handshake_failed"] >= 5
                 and s["connections"] == 0 else 1)
sys.exit(1)
EOF
then
	ok "hostile proxy counted: $(cat st.out)"
else
	nok "hostile proxy stats: $(cat st.out)"
fi
# the worker's peak memory: the endless header was read to its bound only
bw=$(worker_of "$hd" "ws_client bad")
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$bw/status" 2>/dev/null)
check "hostile proxy: worker VmHWM ${hwm:-?} KiB < 32 MiB" \
    test "${hwm:-999999}" -lt 32768
kill "$hd"
wait "$hd" 2>/dev/null

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
