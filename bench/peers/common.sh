# SPDX-License-Identifier: ISC
# bench/peers/common.sh: sourced by every peer script.  Sets srcdir,
# builddir, raises the open-file limit (S7 opens 10,000 connections),
# reads TLS_CERT/TLS_KEY (wss peers) from the environment.
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${top_builddir:-$(pwd)}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
bun_bin=${BENCH_NODE_DIR:-$builddir/bench-node}/node_modules/.bin/bun
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
