#!/bin/sh
# SPDX-License-Identifier: ISC
# permessage-deflate and subprotocols against independent implementations
# on loopback, both roles:
# - ws_server ("compression": true, "protocols": ["v2.chat", "chat"])
#   with python3-websockets clients (pmd_peers.py client: offers with and
#   without parameters, subprotocol choice, $ws_server.protocol; the
#   offer browsers send, over ws:// and wss://) and a node ws client
#   (its default offer);
# - ws_client ("compression" and "protocols") against a python3-websockets
#   server and a node ws server with perMessageDeflate, each checking
#   what was agreed, the echoes and $ws_client.protocol;
# - ws_client against servers that answer what it did not offer (a
#   subprotocol, an extension parameter): the handshake fails.
# Last line: "N passed, N failed".
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${top_builddir:-$src/build}
# shellcheck source=tests/peers/peerlib.sh
. "$src/tests/peers/peerlib.sh"

if ! $py -c 'import websockets' 2>/dev/null ||
    ! node -e 'require("ws")' 2>/dev/null ||
    ! command -v openssl >/dev/null; then
	echo "python3-websockets, node ws or openssl missing: skipped"
	exit 77
fi
peer_workdir compress

base=${WSFLOW_COMPRESS_PORT:-14520}
P_SRV=$((base + 1))
P_PY=$((base + 2))
P_NODE=$((base + 3))
P_TLS=$((base + 4))
P_RAW=$((base + 5))

# ---------------------------------------------------------------- ws_server
peer_cert
meta_echo_flow $P_SRV $P_TLS '"compression": true' \
    ', "protocols": ["v2.chat", "chat"]'
"$wsflowd" -d -s "$work/ctl.sock" server.troy > server.out 2> server.err &
srv=$!
pids="$pids $srv"
wait_for "listening $P_SRV" || nok "ws_server did not listen: $(tail -3 server.err)"

wait_for "listening $P_TLS" || nok "wss:// ws_server did not listen"
if $py "$peers/pmd_peers.py" client $P_SRV $P_TLS cert.pem > pyc.out 2>&1
then
	ok "python3-websockets clients: $(tail -1 pyc.out)"
else
	nok "python3-websockets clients: $(grep -v '^ok' pyc.out | head -8)"
fi

cat > nodec.js <<'EOF'
'use strict';
const WebSocket = require('ws');
const ws = new WebSocket(process.argv[2]);	// perMessageDeflate: its default
const msgs = [];
for (let i = 0; i < 100; i++)
  msgs.push({seq: i, host: 'web-' + (i % 7), msg: 'request served', status: 200});
let n = 0;
ws.on('open', () => { for (const m of msgs) ws.send(JSON.stringify(m)); });
ws.on('message', (data) => {
  const got = JSON.parse(data.toString());
  if (JSON.stringify(got.event) !== JSON.stringify(msgs[n])) {
    console.log('mismatch at ' + n + ': ' + data.toString()); process.exit(1);
  }
  if (++n === msgs.length) {
    console.log('extensions=' + ws.extensions + ' echoes=' + n);
    ws.close(1000);
  }
});
ws.on('close', () => process.exit(n === msgs.length ? 0 : 1));
ws.on('error', (e) => { console.log('error ' + e.message); process.exit(2); });
setTimeout(() => { console.log('timeout after ' + n); process.exit(3); }, 10000);
EOF
if node nodec.js "ws://127.0.0.1:$P_SRV/" > nodec.out 2>&1 &&
    grep -q "^extensions=permessage-deflate echoes=100$" nodec.out; then
	ok "node ws client (default offer): $(cat nodec.out)"
else
	nok "node ws client: $(cat nodec.out)"
fi

deflate_stats plain > st.out
if [ "$(cut -d" " -f1 st.out)" -ge 7 ] && [ "$(cut -d" " -f2 st.out)" -eq 0 ]
then
	ok "stats: $(cut -d" " -f1 st.out) connections with compression, zlib memory back to 0 after they closed"
else
	nok "stats: $(cat st.out)"
fi
kill $srv
wait $srv 2>/dev/null

# ---------------------------------------------------------------- ws_client
$py -c '
import json
for i in range(30):
    print(json.dumps({"seq": i, "msg": "request served", "path": "/api/v1/x"}))
print(json.dumps("exit"))' > cin.txt
# what the client flows write to echo.log
meta='{"meta": $ws_client, "event": event}'

# echoed EXPECT_PROTOCOL: echo.log has the 30 events in order, each with
# $ws_client.protocol EXPECT_PROTOCOL ("-": absent).
echoed() {
	$py - "$1" <<'EOF'
import json, sys
want = [json.loads(l) for l in open("cin.txt")][:-1]
got = [json.loads(l) for l in open("echo.log")]
proto = [g["meta"].get("protocol", "-") for g in got]
ok = [g["event"] for g in got] == want and set(proto) == {sys.argv[1]}
print("%d echoes, protocols %s" % (len(got), sorted(set(proto))))
sys.exit(0 if ok else 1)
EOF
}

rm -f py.log
$py "$peers/pmd_peers.py" server $P_PY py.log > pys.out 2>&1 &
ps=$!
pids="$pids $ps"
wait_for "listening $P_PY" || nok "python server did not start"
client_flow "ws://127.0.0.1:$P_PY/" \
    ', "compression": true, "protocols": ["superchat", "chat"]' "$meta" 3
if grep -q "^ext=permessage-deflate.* protocol=chat$" py.log &&
    echoed chat > e.out 2>&1; then
	ok "ws_client to python3-websockets: $(cat py.log), $(cat e.out)"
else
	nok "ws_client to python3-websockets: $(cat py.log e.out 2>/dev/null); $(tail -3 client.err)"
fi
rm -f py.log
client_flow "ws://127.0.0.1:$P_PY/" \
    ', "compression": {"server_no_context_takeover": true, "client_no_context_takeover": true, "server_max_window_bits": 9, "client_max_window_bits": 8, "level": 9}' "$meta" 3
if grep -q "^ext=permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=8 protocol=None$" py.log &&
    echoed - > e.out 2>&1; then
	ok "ws_client, every parameter, to python3-websockets: $(cat py.log), $(cat e.out)"
else
	nok "ws_client with parameters: $(cat py.log e.out 2>/dev/null); $(tail -3 client.err)"
fi
kill $ps
wait $ps 2>/dev/null

cat > nodes.js <<'EOF'
'use strict';
const WebSocket = require('ws');
const fs = require('fs');
const wss = new WebSocket.Server({port: parseInt(process.argv[2], 10),
  host: '127.0.0.1', perMessageDeflate: true,
  handleProtocols: (protocols) => protocols.has('chat') ? 'chat' : false});
wss.on('connection', (ws) => {
  fs.appendFileSync(process.argv[3], 'extensions=' +
    Object.keys(ws._extensions).join(',') + ' protocol=' + ws.protocol + '\n');
  ws.on('message', (data, isBinary) => ws.send(data, {binary: isBinary}));
});
EOF
rm -f node.log
node nodes.js $P_NODE node.log > nodes.out 2>&1 &
ns=$!
pids="$pids $ns"
wait_for "listening $P_NODE" || nok "node server did not start"
client_flow "ws://127.0.0.1:$P_NODE/" \
    ', "compression": true, "protocols": ["chat"]' "$meta" 3
if [ "$(cat node.log)" = "extensions=permessage-deflate protocol=chat" ] &&
    echoed chat > e.out 2>&1; then
	ok "ws_client to a node ws server: $(cat node.log), $(cat e.out)"
else
	nok "ws_client to node ws: $(cat node.log e.out 2>/dev/null); $(tail -3 client.err)"
fi
kill $ns
wait $ns 2>/dev/null

# refused: servers that answer what the client did not offer, one case
# per ws_client connector and raw server port, all in one daemon.
set -- \
    "a subprotocol not offered" "Sec-WebSocket-Protocol: mqtt" \
    '"protocols": ["chat"]' "subprotocol not offered" \
    "a subprotocol when none was offered" "Sec-WebSocket-Protocol: chat" \
    '"compression": false' "subprotocol not offered" \
    "permessage-deflate when not offered" \
    "Sec-WebSocket-Extensions: permessage-deflate" '"compression": false' \
    "extension not offered" \
    "client_max_window_bits without a value" \
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits" \
    '"compression": true' "window bits not a number from 8 to 15" \
    "a larger server window than asked for" \
    "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=12" \
    '"compression": {"server_max_window_bits": 10}' \
    "window bits larger than offered" \
    "server_no_context_takeover asked for, not granted" \
    "Sec-WebSocket-Extensions: permessage-deflate" \
    '"compression": {"server_no_context_takeover": true}' \
    "server_no_context_takeover was not accepted" \
    "an unknown extension" "Sec-WebSocket-Extensions: x-webkit-deflate-frame" \
    '"compression": true' "extension not offered" \
    "permessage-deflate twice" \
    "Sec-WebSocket-Extensions: permessage-deflate|Sec-WebSocket-Extensions: permessage-deflate" \
    '"compression": true' "extension or parameter repeated"
n=0
rawargs=""
conns=""
while [ $# -ge 4 ]; do
	n=$((n + 1))
	port=$((P_RAW + n))
	printf '%s\n' "$2" > answer$n
	rawargs="$rawargs $port=answer$n"
	conns="$conns
  define connector r$n from ws_client
  with codec = \"json\", config = {\"url\": \"ws://127.0.0.1:$port/\", $3},
    reconnect = {\"retry\": {\"interval_ms\": 100, \"max_retries\": 1}}
  end;
  create connector r$n;
  connect /pipeline/main to /connector/r$n;"
	eval "name$n=\$1 want$n=\$4"
	shift 4
done
$py "$peers/pmd_peers.py" rawserver $rawargs > raw.out 2>&1 &
rs=$!
pids="$pids $rs"
wait_for "listening $((P_RAW + n))" || nok "raw servers did not start"
{
	echo "define flow r"
	echo "flow"
	flow_head
	echo "$conns"
	echo "end;"
	echo "deploy flow r;"
} > refused.troy
timeout 20 "$wsflowd" -d -s "$work/r.sock" refused.troy > refused.out \
    2> refused.err
kill $rs
wait $rs 2>/dev/null
i=1
while [ $i -le $n ]; do
	eval "name=\$name$i want=\$want$i"
	if grep "connector r$i: connecting to" refused.err | grep -q "$want" &&
	    ! grep -q "connector r$i: connected" refused.err; then
		ok "$name: the handshake fails ($want)"
	else
		nok "$name: $(grep "r$i:" refused.err | tail -2)"
	fi
	i=$((i + 1))
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
