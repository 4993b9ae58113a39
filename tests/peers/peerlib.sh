# SPDX-License-Identifier: ISC
# Sourced by the tests/peers scripts once they have set src and bld: the
# programs and paths they use, the result counters of tests/checks.sh, a
# private work directory, port and certificate helpers, the ws_client
# flow the client checks run and a connector's compression statistics.
# shellcheck source=tests/checks.sh
. "$src/tests/checks.sh"
peers=$src/tests/peers
wsflowd=$bld/supervisor/wsflowd
wsflowctl=$bld/ctl/wsflowctl
py=/usr/bin/python3
NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
TREMOR_PATH=$src/lib
export NODE_PATH TREMOR_PATH

# peer_cleanup: kill what $pids names, then remove the work directory.
peer_cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$work"
}

# peer_workdir NAME: a fresh work directory, the current one from here
# on (readable by the workers' user), cleaned up on exit.
peer_workdir() {
	work=$(mktemp -d "${TMPDIR:-/tmp}/wsflow-$1.XXXXXX") || exit 99
	pids=""
	trap peer_cleanup EXIT
	trap 'exit 130' INT TERM
	cd "$work" || exit 99
	chmod 755 "$work"
}

# listening PORT: whether something accepts on 127.0.0.1:PORT.
listening() {
	$py -c "import socket; socket.create_connection(('127.0.0.1', $1), 0.2)" \
	    2>/dev/null
}

# peer_cert: a self-signed certificate for localhost and 127.0.0.1,
# cert.pem and key.pem in the work directory.
peer_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout key.pem \
	    -out cert.pem -subj /CN=localhost \
	    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null ||
		{ echo "openssl req failed"; exit 99; }
	chmod 644 key.pem cert.pem
}

# meta_echo_flow PORT TLSPORT KEYS [PLAINKEYS]: server.troy, two json
# ws_server connectors: plain on 127.0.0.1:PORT (config keys KEYS, then
# PLAINKEYS) and secure, wss:// on TLSPORT (KEYS and the work directory's
# cert.pem and key.pem), each answering every event with
# {"meta": $ws_server, "event": event}.
meta_echo_flow() {
	cat > server.troy <<EOF
define flow s
flow
  define connector plain from ws_server
  with
    codec = "json",
    config = {"url": "127.0.0.1:$1", $3 ${4:-}}
  end;
  define connector secure from ws_server
  with
    codec = "json",
    config = {"url": "wss://127.0.0.1:$2", $3,
              "tls": {"cert": "$work/cert.pem", "key": "$work/key.pem"}}
  end;
  define pipeline wrap
  pipeline
    select {"meta": \$ws_server, "event": event} from in into out;
  end;
  create connector plain;
  create connector secure;
  create pipeline p from wrap;
  create pipeline s from wrap;
  connect /connector/plain to /pipeline/p;
  connect /pipeline/p to /connector/plain;
  connect /connector/secure to /pipeline/s;
  connect /pipeline/s to /connector/secure;
end;
deploy flow s;
EOF
}

# flow_head: the part of every client flow before its ws_client: cin.txt's
# events go to pipeline main's out, and "exit" ends the daemon one
# second later.
flow_head() {
	cat <<EOF
  use integration;
  use std::time::nanos;
  define pipeline main
  into out, exit
  pipeline
    select event from in where event != "exit" into out;
    select {"delay": nanos::from_seconds(1)} from in where event == "exit" into exit;
  end;
  create connector in from integration::read_file with file = "cin.txt" end;
  create connector exit from integration::exit;
  create pipeline main;
  connect /connector/in to /pipeline/main;
  connect /pipeline/main/exit to /connector/exit;
EOF
}

# client_flow URL CONFIG BACK RETRIES: run a daemon (control socket
# c.sock) that sends cin.txt's events to a ws_client of URL (its config
# {"url": URL CONFIG}, at most RETRIES reconnections) and writes what
# comes back, through "select BACK from in", to echo.log; it exits one
# second after "exit".  Its log is appended to client.err.
client_flow() {
	{
		echo "define flow c"
		echo "flow"
		flow_head
		cat <<EOF
  define pipeline back
  pipeline
    select $3 from in into out;
  end;
  define connector ws from ws_client
  with
    postprocessors = ["lines"],
    preprocessors = ["lines"],
    codec = "json",
    config = {"url": "$1" $2},
    reconnect = {"retry": {"interval_ms": 100, "max_retries": $4}}
  end;
  create connector echo from integration::write_file with file = "echo.log" end;
  create connector ws;
  create pipeline back;
  connect /pipeline/main to /connector/ws;
  connect /connector/ws to /pipeline/back;
  connect /pipeline/back to /connector/echo;
end;
deploy flow c;
EOF
	} > client.troy
	rm -f echo.log
	timeout 20 "$wsflowd" -d -s "$work/c.sock" client.troy > client.out \
	    2>> client.err
}

# deflate_stats CONNECTOR: "CONNECTIONS MEMORY", how many of its
# connections agreed on permessage-deflate and the zlib memory they hold
# now, from the stats of the daemon on $work/ctl.sock.
deflate_stats() {
	"$wsflowctl" -s "$work/ctl.sock" -j show stats 2>/dev/null | $py -c '
import json, sys
for c in json.load(sys.stdin)["connectors"]:
    if c["name"] == sys.argv[1]:
        s = c["stats"]["connector"]
        print(s["deflate_connections"], s["deflate_memory"])' "$1"
}
