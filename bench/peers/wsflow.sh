#!/bin/sh
# SPDX-License-Identifier: ISC
# Peer: the wsflow daemon running one of bench/flows/*.troy.
# PORT FLOW [name=value ...]  (extra -D definitions; url= is set to PORT)
# Each daemon gets a control socket of its own (BENCH_TMP or /tmp), so
# runs do not meet another wsflowd's.
. "$(dirname "$0")/common.sh"
port=$1
flow=$2
shift 2
wsflowd=$builddir/supervisor/wsflowd
[ -x "$wsflowd" ] || { echo "wsflow.sh: no $wsflowd" >&2; exit 1; }
defs=""
for d in "$@"; do
	defs="$defs -D $d"
done
export WSFLOW_PATH=${WSFLOW_PATH:-$srcdir/lib}
# shellcheck disable=SC2086
exec "$wsflowd" -d -s "${BENCH_TMP:-/tmp}/wsflowd-bench-$port.sock" \
    -D "url=127.0.0.1:$port" $defs \
    "$srcdir/bench/flows/$flow.troy"
