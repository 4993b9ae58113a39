#!/bin/sh
# SPDX-License-Identifier: ISC
# ws_server sets TCP_NODELAY on accepted sockets (socket_options
# "TCP_NODELAY", default true), so a reply larger than a segment does not
# wait for the client's delayed ACK.  The worker reads the option back
# with getsockopt and logs it at debug level (-vv); a connector with
# "TCP_NODELAY": false must leave it off.  Last line: "N passed, N failed".
set -u
src=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd)
bld=$(cd "${top_builddir:-$src/build}" && pwd)
wsflowd=$bld/supervisor/wsflowd
py=/usr/bin/python3
TREMOR_PATH=$src/lib
export TREMOR_PATH

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "FAIL - $*"; }

work=$(mktemp -d "${TMPDIR:-/tmp}/wsflow-nodelay.XXXXXX") || exit 99
srv=""
cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null
	sleep 0.2
	[ -n "$srv" ] && kill -9 "$srv" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
cd "$work" || exit 99
chmod 755 "$work"

base=${WSFLOW_NODELAY_PORT:-14420}
P_ON=$base
P_OFF=$((base + 1))
cat > server.troy <<END
define flow echo
flow
  use troy::pipelines;
  define connector on from ws_server
  with
    codec = "binary",
    config = {"url": "127.0.0.1:$P_ON"}
  end;
  define connector off from ws_server
  with
    codec = "binary",
    config = {"url": "127.0.0.1:$P_OFF",
              "socket_options": {"TCP_NODELAY": false}}
  end;
  create connector on;
  create connector off;
  create pipeline p from pipelines::passthrough;
  create pipeline q from pipelines::passthrough;
  connect /connector/on to /pipeline/p;
  connect /pipeline/p to /connector/on;
  connect /connector/off to /pipeline/q;
  connect /pipeline/q to /connector/off;
end;
deploy flow echo;
END
"$wsflowd" -d -vv server.troy >server.out 2>server.err &
srv=$!

# connect PORT: open a TCP connection once the port listens (5 s).
connect() {
	$py - "$1" <<'END'
import socket, sys, time
for i in range(50):
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.5)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit(1)
time.sleep(0.2)
s.close()
END
}

# logged LINE: the line appears in server.err (5 s).
logged() {
	i=0
	while [ $i -lt 50 ]; do
		grep -q "$1" server.err && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

if connect $P_ON && logged "connector on: 127.0.0.1:[0-9]*: tcp_nodelay on"
then
	ok "accepted socket has TCP_NODELAY by default"
else
	bad "no \"tcp_nodelay on\" for the default: $(tail -5 server.err)"
fi
if connect $P_OFF &&
    logged "connector off: 127.0.0.1:[0-9]*: tcp_nodelay off"; then
	ok "\"TCP_NODELAY\": false leaves it off"
else
	bad "no \"tcp_nodelay off\" for TCP_NODELAY false: $(tail -5 server.err)"
fi
if grep -q "connector on: .*tcp_nodelay off\|connector off: .*tcp_nodelay on" \
    server.err; then
	bad "TCP_NODELAY applied to the wrong connector"
else
	ok "each connector keeps its own setting"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
