#!/bin/sh
# SPDX-License-Identifier: ISC
# Interoperability of the ws connectors with independent implementations
# on loopback: python3-websockets and node ws clients against a ws_server
# echo flow (plain and TLS, text and binary, several at once), the same
# libraries as servers for ws_client, openssl s_client TLS edge cases, and
# the frame-level checks of frames.py.  Last line: "N passed, N failed".
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${top_builddir:-$src/build}
# shellcheck source=tests/peers/peerlib.sh
. "$src/tests/peers/peerlib.sh"

if ! $py -c 'import websockets' 2>/dev/null || ! command -v node >/dev/null ||
    ! command -v openssl >/dev/null; then
	echo "python3-websockets, node ws or openssl missing: skipped"
	exit 77
fi
peer_workdir peers

# Ports: base + offset, distinct from the integration tests'.
base=${WSFLOW_PEER_PORT:-14400}
P_PLAIN=$((base + 1))
P_TLS=$((base + 2))
P_PYSRV=$((base + 3))
P_NODESRV=$((base + 4))
P_PYTLS=$((base + 5))
P_PING=$((base + 6))
P_LIMIT=$((base + 7))
P_LOW=${WSFLOW_PEER_LOW_PORT:-1019}	# below 1024: bound by wsflowd as root
# IPv6 loopback when the host has it
if $py -c "import socket; socket.socket(socket.AF_INET6).bind(('::1', 0))" \
    2>/dev/null; then
	LOW_HOST="[::1]"
else
	LOW_HOST=127.0.0.1
fi

peer_cert

# ---------------------------------------------------------------- ws_server
cat > server.troy <<EOF
define flow echo
flow
  use troy::pipelines;
  define connector plain from ws_server
  with
    preprocessors = ["lines"],
    postprocessors = ["lines"],
    codec = "json",
    config = {"url": "127.0.0.1:$P_PLAIN"}
  end;
  define connector secure from ws_server
  with
    preprocessors = ["lines"],
    postprocessors = ["lines"],
    codec = "json",
    config = {"url": "wss://127.0.0.1:$P_TLS",
              "tls": {"cert": "$work/cert.pem", "key": "$work/key.pem"}}
  end;
  define connector pinging from ws_server
  with
    preprocessors = ["lines"],
    postprocessors = ["lines"],
    codec = "json",
    config = {"url": "127.0.0.1:$P_PING", "ping_interval_ms": 300}
  end;
  define connector small from ws_server
  with
    preprocessors = ["lines"],
    postprocessors = ["lines"],
    codec = "json",
    config = {"url": "127.0.0.1:$P_LIMIT", "max_connections": 2,
      "max_connections_per_ip": 2}
  end;
  define connector low from ws_server
  with
    preprocessors = ["lines"],
    postprocessors = ["lines"],
    codec = "json",
    config = {"url": "ws://$LOW_HOST:$P_LOW"}
  end;
  create connector plain;
  create connector secure;
  create connector pinging;
  create connector small;
  create pipeline pp from pipelines::passthrough;
  create pipeline sp from pipelines::passthrough;
  connect /connector/pinging to /pipeline/pp;
  connect /pipeline/pp to /connector/pinging;
  connect /connector/small to /pipeline/sp;
  connect /pipeline/sp to /connector/small;
LOW_CONNECT

  create pipeline p from pipelines::passthrough;
  create pipeline s from pipelines::passthrough;
  connect /connector/plain to /pipeline/p;
  connect /pipeline/p to /connector/plain;
  connect /connector/secure to /pipeline/s;
  connect /pipeline/s to /connector/secure;
end;
deploy flow echo;
EOF
# The privileged port only when we are root (wsflowd binds, workers do not).
if [ "$(id -u)" -eq 0 ]; then
	sed 's|^LOW_CONNECT$|  create connector low; create pipeline lp from pipelines::passthrough; connect /connector/low to /pipeline/lp; connect /pipeline/lp to /connector/low;|' server.troy > s.tmp
else
	sed '/^LOW_CONNECT$/d' server.troy > s.tmp
fi
mv s.tmp server.troy
"$wsflowd" -d server.troy >server.out 2>server.err &
srv=$!
pids="$pids $srv"
wait_for "listening $P_PLAIN && listening $P_TLS" || nok "ws_server did not listen"

printf '{"a":1}\n["x",2.5]\n"text"\n' > in.txt

# slowloris: half a request, then nothing; checked further down (10 s)
cat > slowloris.py <<'END'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
t0 = time.time()
s.settimeout(20)
try:
    while s.recv(100):
        pass
except OSError:
    pass
print("closed after %.0f s" % (time.time() - t0))
END
$py slowloris.py "$P_PLAIN" > slowloris.out 2>&1 &
slow=$!

# client NAME CMD...: compare its replies with in.txt.
nclient=0
client() {
	name=$1
	nclient=$((nclient + 1))
	f=client$nclient
	shift
	if "$@" --input in.txt --expect 3 > $f.got 2>$f.err &&
	    cmp -s in.txt $f.got; then
		ok "$name"
	else
		nok "$name: $(head -c 300 $f.got $f.err)"
	fi
}
client "python client, ws://" $py "$peers/py_client.py" \
    "ws://127.0.0.1:$P_PLAIN/path?q=1"
client "python client, wss://" $py "$peers/py_client.py" \
    "wss://localhost:$P_TLS/" --cafile cert.pem
client "node client, ws://" node "$peers/node_client.js" \
    "ws://127.0.0.1:$P_PLAIN/"
client "node client, wss://" node "$peers/node_client.js" \
    "wss://localhost:$P_TLS/" --cafile cert.pem

if [ "$(id -u)" -eq 0 ]; then
	client "ws_server on $LOW_HOST:$P_LOW (below 1024, workers unprivileged)" \
	    $py "$peers/py_client.py" "ws://$LOW_HOST:$P_LOW/"
fi

# binary frames come back as binary frames
printf '"bin"\n' > bin.txt
if $py "$peers/py_client.py" "ws://127.0.0.1:$P_PLAIN/" --binary \
    --input bin.txt --expect 1 > bin.got 2>&1 &&
    [ "$(cat bin.got)" = "b:2262696e220a" ]; then
	ok "binary frame echoed as binary (python)"
else
	nok "binary echo: $(cat bin.got)"
fi
if node "$peers/node_client.js" "wss://localhost:$P_TLS/" --cafile cert.pem \
    --binary --input bin.txt --expect 1 > binn.got 2>&1 &&
    [ "$(cat binn.got)" = "b:2262696e220a" ]; then
	ok "binary frame echoed as binary (node, TLS)"
else
	nok "binary echo node: $(cat binn.got)"
fi

# eight clients at once, 200 messages each: each gets exactly its own
i=0
while [ $i -lt 8 ]; do
	$py -c "
for n in range(200): print('{\"client\":$i,\"n\":%d}' % n)" > multi$i.txt
	if [ $((i % 2)) -eq 0 ]; then
		$py "$peers/py_client.py" "ws://127.0.0.1:$P_PLAIN/" \
		    --input multi$i.txt --expect 200 > multi$i.got 2>&1 &
	else
		node "$peers/node_client.js" "wss://localhost:$P_TLS/" \
		    --cafile cert.pem --input multi$i.txt --expect 200 \
		    > multi$i.got 2>&1 &
	fi
	eval "mp$i=\$!"
	i=$((i + 1))
done
i=0
while [ $i -lt 8 ]; do
	eval "wait \$mp$i"
	if cmp -s multi$i.txt multi$i.got; then
		ok "concurrent client $i got exactly its own 200 replies in order"
	else
		nok "concurrent client $i: $(head -c 200 multi$i.got)"
	fi
	i=$((i + 1))
done

# TLS edge cases with openssl s_client
if echo | timeout 5 openssl s_client -connect 127.0.0.1:$P_TLS -tls1_1 \
    >tls11.out 2>&1; then
	nok "TLS 1.1 accepted"
else
	ok "TLS 1.1 refused"
fi
if echo | timeout 5 openssl s_client -connect 127.0.0.1:$P_TLS -tls1_2 \
    -servername localhost >tls12.out 2>&1 &&
    grep -q "Protocol *: TLSv1.2" tls12.out; then
	ok "TLS 1.2 accepted"
else
	nok "TLS 1.2: $(tail -3 tls12.out)"
fi
# garbage instead of a ClientHello, a silent TCP probe, a half handshake
$py - "$P_TLS" <<'EOF'
import socket, sys
p = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", p), 2)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + b"\x00" * 100)
try:
    s.recv(100)
except OSError:
    pass
s.close()
socket.create_connection(("127.0.0.1", p), 2).close()
s = socket.create_connection(("127.0.0.1", p), 2)
s.sendall(b"\x16\x03\x01\x00\x10")   # a TLS record header, then nothing
s.close()
EOF
client "wss:// still served after garbage and probes" $py \
    "$peers/py_client.py" "wss://localhost:$P_TLS/" --cafile cert.pem
if kill -0 $srv 2>/dev/null && ! grep -q "killed by signal" server.err; then
	ok "ws_server survived the TLS edge cases"
else
	nok "ws_server: $(tail -5 server.err)"
fi

# frame-level checks (stand-in for Autobahn)
if $py "$peers/frames.py" $P_PLAIN > frames.out 2>&1; then
	ok "frame-level checks: $(tail -1 frames.out)"
else
	nok "frame-level checks: $(grep FAIL frames.out | head -5)"
fi
wait $slow
case "$(cat slowloris.out)" in
"closed after 10 s"|"closed after 11 s")
	ok "half a handshake is closed after the 10 s timeout" ;;
*)	nok "slowloris: $(cat slowloris.out)" ;;
esac

# a killed ws_server worker is restarted with the same listening socket
wpid=$(worker_of "$srv" "ws_server plain")
if [ -n "$wpid" ] && kill -9 "$wpid"; then
	sleep 0.5
	client "ws_server worker killed, restarted, serving again" $py \
	    "$peers/py_client.py" "ws://127.0.0.1:$P_PLAIN/"
else
	nok "no ws_server worker found to kill"
fi

# keepalive, connection limit, output bound
if $py "$peers/limits.py" $P_PLAIN $P_PING $P_LIMIT > limits.out 2>&1; then
	cat limits.out
	ok "limits: $(tail -1 limits.out)"
else
	nok "limits: $(grep FAIL limits.out | head -5) $(tail -2 limits.out)"
fi
if grep -q "peer does not read" server.err; then
	ok "the 1008 close is logged"
else
	nok "no log line for the 1008 close"
fi
kill $srv
wait $srv 2>/dev/null

# ---------------------------------------------------------------- ws_client
printf '{"a":1}\n["x",2.5]\n"text"\n"exit"\n' > cin.txt
printf '"text"\n["x",2.5]\n{"a":1}\n' | sort > want.sorted

# peer_server NAME CMD...: the server records to recv.log and echoes.
peer_server() {
	name=$1
	port=$2
	url=$3
	extra=$4
	shift 4
	rm -f recv.log
	"$@" --out recv.log --echo > peer.out 2>&1 &
	ps=$!
	pids="$pids $ps"
	wait_for "listening $port" || nok "$name: peer server did not start"
	client_flow "$url" "$extra" event 30
	rc=$?
	kill $ps 2>/dev/null
	wait $ps 2>/dev/null
	if [ $rc -eq 0 ] && [ -f recv.log ] &&
	    [ "$(sort recv.log)" = "$(cat want.sorted)" ] &&
	    [ "$(sort echo.log 2>/dev/null)" = "$(cat want.sorted)" ]; then
		ok "$name"
	else
		nok "$name: rc $rc, recv: $(cat recv.log 2>/dev/null | tr '\n' ' '), echo: $(cat echo.log 2>/dev/null | tr '\n' ' '); $(tail -3 client.err)"
	fi
}
peer_server "ws_client to a python server, ws://" $P_PYSRV \
    "ws://127.0.0.1:$P_PYSRV/some/path?x=y" "" \
    $py "$peers/py_server.py" --port $P_PYSRV
peer_server "ws_client to a node server, ws://" $P_NODESRV \
    "127.0.0.1:$P_NODESRV" "" \
    node "$peers/node_server.js" --port $P_NODESRV
peer_server "ws_client to a python server, wss:// + cafile" $P_PYTLS \
    "wss://localhost:$P_PYTLS/" ", \"tls\": {\"cafile\": \"$work/cert.pem\"}" \
    $py "$peers/py_server.py" --port $P_PYTLS --cert cert.pem --key key.pem
peer_server "ws_client to a node server, ws:// + tls, IP verified" $P_NODESRV \
    "ws://127.0.0.1:$P_NODESRV/" ", \"tls\": {\"cafile\": \"$work/cert.pem\"}" \
    node "$peers/node_server.js" --port $P_NODESRV --cert cert.pem --key key.pem

# sanitizer builds: no report from any daemon or worker
# (LeakSanitizer cannot run in workers that dropped privileges: ignored)
pat='ERROR: AddressSanitizer\|ERROR: LeakSanitizer: detected\|runtime error:'
if grep -l "$pat" ./*.err >/dev/null 2>&1; then
	nok "sanitizer reports: $(grep -h -m3 "$pat" ./*.err)"
else
	ok "no sanitizer reports"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
