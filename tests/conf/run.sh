#!/bin/sh
# SPDX-License-Identifier: ISC
# Run every tests/conf/*.troy through `wsflowd -n` and check the outcome
# stated on its first line:
#   # ok                      must be accepted (exit 0)
#   # error: FILE:L:C: MSG    must be rejected (exit 1) with this line
#   # warning: FILE:L:C: MSG  must be accepted and print this warning
# Optional lines right after it: "# env: NAME=VALUE" (VALUE may name a
# directory relative to tests/conf), "# args: ..." (extra options) and
# "# also: FILE:L:C: MSG" (another error that must be reported too).
# The cases run in a scratch directory that links every file of
# tests/conf and holds the certificates they name in before/: a key and
# its certificate (localhost.*), another key (other.key) and a file that
# is no PEM (garbage.pem), made here with openssl(1).
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
srcdir=$(cd "$srcdir" && pwd)
builddir=${top_builddir:-$srcdir/build}
wsflowd=$builddir/supervisor/wsflowd
work=$builddir/tests/conf.work
rm -rf "$work"
mkdir -p "$work/before" || exit 99
for f in "$srcdir"/tests/conf/*; do
	ln -s "$f" "$work/" || exit 99
done
cd "$work" || exit 99
for k in localhost other; do
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "before/$k.key" 2>/dev/null || exit 99
done
openssl req -new -x509 -key before/localhost.key -subj /CN=localhost \
    -days 30 -out before/localhost.cert 2>/dev/null || exit 99
echo "no PEM here" >before/garbage.pem
pass=0
fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# check NAME STATUS EXPECT [env...]: run one case
check() {
	name=$1 want=$2 expect=$3
	shift 3
	# shellcheck disable=SC2086
	env "$@" "$wsflowd" -n $opts "$name" >"$out" 2>&1
	st=$?
	ok=1
	[ "$st" -eq "$want" ] || ok=0
	if [ -n "$expect" ] && ! grep -qxF -- "$expect" "$out"; then
		ok=0
	fi
	for a in $also; do
		grep -qxF -- "$(sed -n "${a}p" "$name" | sed 's/^# also: //')" \
		    "$out" || { ok=0; expect="$expect (and line $a)"; }
	done
	if [ "$want" -eq 0 ] && [ -z "$expect" ] && grep -q ': warning: ' "$out"; then
		ok=0
	fi
	if [ $ok -eq 1 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $name ($*): exit $st, want $want${expect:+, want line: $expect}"
		sed 's/^/    /' "$out"
	fi
}

for f in *.troy; do
	first=$(sed -n 1p "$f")
	envs=""
	opts=""
	also=$(sed -n '2,4{/^# also: /=}' "$f")
	while IFS= read -r line; do
		case $line in
		"# env: "*) envs="$envs ${line#\# env: }" ;;
		"# args: "*) opts="$opts ${line#\# args: }" ;;
		esac
	done <<-LINES
	$(sed -n '2,4p' "$f")
	LINES
	case $first in
	"# ok")
		# shellcheck disable=SC2086
		check "$f" 0 "" -u WSFLOW_PATH -u TREMOR_PATH $envs ;;
	"# error: "*)
		# shellcheck disable=SC2086
		check "$f" 1 "${first#\# error: }" -u WSFLOW_PATH -u TREMOR_PATH $envs ;;
	"# warning: "*)
		# shellcheck disable=SC2086
		check "$f" 0 "${first#\# warning: }" -u WSFLOW_PATH -u TREMOR_PATH $envs ;;
	*)
		fail=$((fail + 1))
		echo "FAIL: $f: first line must be '# ok', '# error: ...' or '# warning: ...'" ;;
	esac
done

also=""
# The example shipped with wsflow is the seed's flow verbatim.
opts=""
check "$srcdir/examples/echo-tls/config.troy" 0 "" -u TREMOR_PATH -u WSFLOW_PATH
# The seed's echo flow, whatever TREMOR_PATH says: unset, a directory
# that does not exist, and one with a fake troy/pipelines.troy (wsflow's
# own troy:: modules must win).
opts=""
check seed-echo-flow.troy 0 "" -u TREMOR_PATH -u WSFLOW_PATH
check seed-echo-flow.troy 0 "" -u WSFLOW_PATH TREMOR_PATH=/nonexistent/tremor
check seed-echo-flow.troy 0 "" -u WSFLOW_PATH TREMOR_PATH="$PWD/fake-tremor:/nonexistent"
check seed-echo-flow.troy 0 "" -u TREMOR_PATH WSFLOW_PATH="$PWD/fake-tremor"
# -v prints the effective configuration and the routes.
opts="-v"
check seed-echo-flow.troy 0 "route main: in/out -> to_client/in -> to_client/out -> ws_client/in" -u TREMOR_PATH -u WSFLOW_PATH
check seed-echo-flow.troy 0 'connector main/exit exit {"codec":null,"config":{"delay":100000000,"graceful":true},"postprocessors":[],"preprocessors":[],"reconnect":"none"}' -u TREMOR_PATH -u WSFLOW_PATH
# no_delay follows socket_options.TCP_NODELAY when only that is given.
check ok-socket-options.troy 0 'connector main/client ws_client {"codec":"json","config":{"no_delay":false,"socket_options":{"SO_REUSEADDR":true,"SO_REUSEPORT":false,"TCP_NODELAY":false},"url":"ws://127.0.0.1:4242/"},"postprocessors":[],"preprocessors":[],"reconnect":"none"}' -u TREMOR_PATH -u WSFLOW_PATH
# A file that cannot be read.
opts=""
check does-not-exist.troy 1 "does-not-exist.troy: cannot read file"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
