#!/bin/sh
# SPDX-License-Identifier: ISC
# wsflowctl's command line (command table, argument checks, control socket
# errors, -V and version, -j output that is always JSON), wsflowd's -V
# and usage (both matching their pages' SYNOPSIS) and the tremor shim's
# mapping onto wsflowd and wsflowctl.
# Last line: "N passed, N failed".
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${top_builddir:-$src/build}
ctl=$bld/ctl/wsflowctl
wsflowd=$bld/supervisor/wsflowd
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$bld/config.h")
shim=$src/contrib/tremor
tmp=$bld/tests/cli.work
rm -rf "$tmp"
mkdir -p "$tmp" || exit 99
cp "$src/tests/runner/record.sh" "$tmp/record.sh" && chmod +x "$tmp/record.sh" || exit 99
RECORD=$tmp/args
export RECORD
unset WSFLOWD WSFLOWCTL

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }
# r RC CMD...: run, expect exit status RC; output in $out
r() {
	want=$1
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$* exits $want"
	else nok "$* exits $rc, want $want"; echo "$out" | sed 's/^/# /'; fi
}
has() {
	if printf '%s\n' "$out" | grep -Fq -- "$1"; then ok "output has: $1"
	else nok "output lacks: $1"; echo "$out" | sed 's/^/# /'; fi
}
# args LINE...: the recorded argument vector, one per line
args() {
	want=$(printf '%s\n' "$@")
	got=$(cat "$RECORD" 2>/dev/null)
	if [ "$got" = "$want" ]; then ok "args: $*"
	else nok "args: got '$(echo $got)', want '$*'"; fi
	rm -f "$RECORD"
}

# jr CMD...: run with -j, expect exit status 1, one line of valid JSON
# on stdout and nothing on stderr; that line in $out
jr() {
	out=$("$@" 2>"$tmp/stderr")
	rc=$?
	if [ "$rc" -eq 1 ] && [ ! -s "$tmp/stderr" ] &&
	    printf '%s\n' "$out" | python3 -c \
	    'import json,sys; json.loads(sys.stdin.read())' 2>/dev/null; then
		ok "$* exits 1 with JSON"
	else
		nok "$* exits $rc, stdout '$out', stderr '$(cat "$tmp/stderr")'"
	fi
}
# is TEXT: the output is exactly TEXT
is() {
	if [ "$out" = "$1" ]; then ok "output is: $1"
	else nok "output is '$out', want '$1'"; fi
}
# synopsis PAGE: the SYNOPSIS of the built PAGE as usage() prints it
synopsis() {
	mandoc -Tascii -O width=200 "$bld/man/$1" | col -bx |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d;/^$/d;s/^ *//' |
	    sed '1s/^/usage: /;2,$s/^/       /'
}

usage1="usage: wsflowctl [-jV] [-s socket] command [argument ...]"
usage2="       wsflowctl test [-v] [-e tag] [-i tag] [-o report] [-t seconds] dir ..."
r 1 "$ctl"
has "$usage1"
has "$usage2"
r 1 "$ctl" -x status
has "$usage1"
r 1 "$ctl" frobnicate
has "wsflowctl: frobnicate: unknown command"
r 1 "$ctl" show
has "wsflowctl: usage: show connectors|pipelines|stats"
r 1 "$ctl" show bogus
has "wsflowctl: usage: show connectors|pipelines|stats"
r 1 "$ctl" log loud
has "wsflowctl: usage: log verbose|brief"
r 1 "$ctl" stop now
has "wsflowctl: stop: takes no arguments"
r 1 "$ctl" test
has "$usage2"
r 1 "$ctl" test -t 0 .
has "wsflowctl: -t 0: too small"
r 1 "$ctl" test -t x .
has "wsflowctl: -t x: invalid"

# -V on both programs; usage() is each page's SYNOPSIS.
r 0 "$ctl" -V
is "wsflowctl $version"
r 0 "$ctl" -V status
is "wsflowctl $version"
r 0 "$wsflowd" -V
is "wsflowd $version"
r 1 "$wsflowd" -x
has "usage: wsflowd [-dnVv] [-D name=value] [-f file] [-m address:port] [-p pidfile] [-S statedir] [-s socket] [-t seconds] [file ...]"
r 1 "$wsflowd" -t 86401 -n
has "wsflowd: -t 86401: seconds, 0 to 86400: too large"
if command -v mandoc >/dev/null && [ -f "$bld/man/wsflowd.8" ]; then
	r 1 "$wsflowd" -x
	out=$(printf '%s\n' "$out" | grep -v 'invalid option')
	is "$(synopsis wsflowd.8)"
	r 1 "$ctl" -x
	out=$(printf '%s\n' "$out" | grep -v 'invalid option')
	is "$(synopsis wsflowctl.8)"
else
	ok "# skip SYNOPSIS against usage: no mandoc or no built pages"
fi
# version without a daemon: the client's alone, not an error.
r 0 "$ctl" -s "$tmp/nosock" version
is "wsflowctl $version"
r 0 "$ctl" -j -s "$tmp/nosock" version
is "{\"ok\":true,\"wsflowctl\":\"$version\"}"
r 1 "$ctl" version now
has "wsflowctl: version: takes no arguments"

# Every control command reaches the socket and names it when it cannot.
for c in status "show connectors" "show pipelines" "show stats" \
    "log verbose" "log brief" stop reload; do
	# shellcheck disable=SC2086
	r 1 "$ctl" -s "$tmp/nosock" $c
	has "wsflowctl: $tmp/nosock: No such file or directory"
	# shellcheck disable=SC2086
	jr "$ctl" -j -s "$tmp/nosock" $c
	is "{\"error\":\"$tmp/nosock: No such file or directory\"}"
done
jr "$ctl" -j -s "$tmp/$(printf '%0200d' 0)" status
is "{\"error\":\"$tmp/$(printf '%0200d' 0): socket path too long\"}"
# Without -s it names the default socket; only checkable while no daemon
# of this machine listens there (tests never use the default socket).
if "$ctl" status >/dev/null 2>&1; then
	ok "# skip default socket: a daemon is running there"
else
	r 1 "$ctl" -j status
	has "/wsflow/wsflowd.sock: "
fi
# A fake daemon: records each request line and answers from a script
# (garbage, then a failure); wsflowctl sends one JSON line and says why.
python3 - "$tmp/sock" "$tmp/requests" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(4)
s.settimeout(20)
for answer in (b"not json\n", b'{"ok":false,"error":"boom"}\n',
               b'{"no":"ok member"}\n', b'{"ok":true,"version":"9.9.9"}\n',
               b'{"ok":true,"version":"9.9.9"}\n'):
    c, _ = s.accept()
    req = b""
    while not req.endswith(b"\n"):
        d = c.recv(4096)
        if not d:
            break
        req += d
    with open(sys.argv[2], "ab") as f:
        f.write(req)
    c.sendall(answer)
    c.close()
PY
lpid=$!
n=0
while [ ! -S "$tmp/sock" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
r 1 "$ctl" -s "$tmp/sock" show stats
has "wsflowctl: the daemon's reply is not valid"
r 1 "$ctl" -s "$tmp/sock" log verbose
has "wsflowctl: boom"
jr "$ctl" -j -s "$tmp/sock" status
is '{"error":"the daemon'"'"'s reply is not valid"}'
r 0 "$ctl" -s "$tmp/sock" version
is "wsflowctl $version
wsflowd 9.9.9"
r 0 "$ctl" -j -s "$tmp/sock" version
is "{\"ok\":true,\"wsflowctl\":\"$version\",\"wsflowd\":\"9.9.9\"}"
wait "$lpid"
if [ "$(cat "$tmp/requests")" = '{"command":"show stats"}
{"command":"log verbose"}
{"command":"status"}
{"command":"status"}
{"command":"status"}' ]; then
	ok "request lines"
else
	nok "request lines: $(cat "$tmp/requests")"
fi

# The shim: server run -> wsflowd -d [-p pidfile] files.
export WSFLOWD="$tmp/record.sh" WSFLOWCTL="$tmp/record.sh"
r 0 sh "$shim" server run -p p.pid -n --debug-connectors a.troy b.troy
args -d -p p.pid a.troy b.troy
has "tremor: note: ignoring -n --debug-connectors"
r 0 sh "$shim" -l log4rs.yaml server run config.troy -d
args -d config.troy
has "ignoring -l log4rs.yaml"
r 0 sh "$shim" server run "a b.troy" "it's.troy" --pid x.pid
args -d -p x.pid "a b.troy" "it's.troy"
r 1 sh "$shim" server run
has "tremor: server run: no troy files given"
r 1 sh "$shim" server run -z x.troy
has "tremor: server run: unknown option -z"
r 1 sh "$shim" server
has "usage: tremor"
# test -> wsflowctl test.
r 0 sh "$shim" test integration some/dir
args test some/dir
r 0 sh "$shim" test integration . -v -i ws -e "t l s" -o r.json
args test -v -i ws -e "t l s" -o r.json .
r 0 sh "$shim" test
args test tests
has "tremor: note: test all: wsflow runs the integration tests only"
r 1 sh "$shim" test bench
has "tremor: test bench: not supported by wsflow"
r 1 sh "$shim" test integration a b
has "tremor: test: more than one path"
r 1 sh "$shim" dbg
has "tremor: dbg: not supported by wsflow"
# Without $WSFLOWD the shim finds wsflowd next to it or in PATH.
unset WSFLOWD
mkdir -p "$tmp/bin" "$tmp/path" "$tmp/shim"
cp "$shim" "$tmp/shim/tremor"
cp "$tmp/record.sh" "$tmp/path/wsflowd"
r 0 env PATH="$tmp/path:$PATH" sh "$tmp/shim/tremor" server run x.troy
args -d x.troy
if [ ! -x /usr/sbin/wsflowd ] && [ ! -x /usr/local/sbin/wsflowd ]; then
	r 1 env PATH=/usr/bin:/bin sh "$tmp/shim/tremor" server run x.troy
	has 'tremor: cannot find wsflowd (set $WSFLOWD)'
fi
cp "$shim" "$tmp/bin/tremor"
cp "$tmp/record.sh" "$tmp/bin/wsflowctl"
unset WSFLOWCTL
r 0 env PATH=/usr/bin:/bin sh "$tmp/bin/tremor" test integration d
args test d

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
