#!/bin/sh
# SPDX-License-Identifier: ISC
# bench/setup.sh: install what the benchmark peers need, idempotently.
# Debian packages: websocketd, gnuplot (chart), node-ws, python3-websockets.
# npm packages (into $BENCH_NODE_DIR, default build/bench-node): bun.
# Needs network the first time; "make check" never calls this.
# usage: sh bench/setup.sh [builddir]
set -eu

builddir=${1:-${top_builddir:-$(pwd)}}
nodedir=${BENCH_NODE_DIR:-$builddir/bench-node}

need=""
for p in websocketd gnuplot-nox node-ws python3-websockets; do
	if ! dpkg -s "$p" >/dev/null 2>&1; then
		need="$need $p"
	fi
done
# node and npm may come from elsewhere (the Debian nodejs conflicts with
# other builds); only install them when missing.
command -v node >/dev/null 2>&1 || need="$need nodejs"
command -v npm >/dev/null 2>&1 || need="$need npm"
if [ -n "$need" ]; then
	echo "setup: apt-get install$need"
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $need
else
	echo "setup: Debian packages present"
fi

mkdir -p "$nodedir"
if [ -x "$nodedir/node_modules/.bin/bun" ] &&
    "$nodedir/node_modules/.bin/bun" --version >/dev/null 2>&1; then
	echo "setup: bun $("$nodedir/node_modules/.bin/bun" --version) present"
else
	echo "setup: npm install bun into $nodedir"
	[ -f "$nodedir/package.json" ] ||
	    printf '{ "name": "wsflow-bench-peers", "private": true }\n' \
	    >"$nodedir/package.json"
	(cd "$nodedir" && npm install --no-audit --no-fund bun)
	# npm may skip the package's postinstall (which puts the native
	# binary in place): run it by hand when bun does not start
	if ! "$nodedir/node_modules/.bin/bun" --version >/dev/null 2>&1; then
		echo "setup: running bun's install script"
		(cd "$nodedir/node_modules/bun" && node install.js)
	fi
	"$nodedir/node_modules/.bin/bun" --version
fi
echo "setup: done"
