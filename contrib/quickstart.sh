#!/bin/sh
# SPDX-License-Identifier: ISC
# The README's two commands.
#   quickstart.sh echo   set up, build, run the seed's secure echo flow
#   quickstart.sh test   set up, build, run every test; last line "N passed, N failed"
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-}
case "$mode" in
echo|test) ;;
*) echo "usage: quickstart.sh echo|test" >&2; exit 2 ;;
esac

sh "$top/contrib/setup-debian.sh"

cd "$top"
[ -x configure ] || ./bootstrap >/dev/null 2>&1 || ./bootstrap
mkdir -p build
cd build
if [ ! -f Makefile ]; then
	../configure --enable-werror ${WSFLOW_CONFIGURE_FLAGS:-} >/dev/null
fi
make -j"$(nproc)" >/dev/null

case "$mode" in
echo)
	exec sh "$top/examples/echo-tls/run.sh" "$top/build"
	;;
test)
	rc=0
	make -j"$(nproc)" check >/dev/null 2>&1 || rc=1
	sh "$top/tests/summary.sh" "$top/build" || rc=1
	exit $rc
	;;
esac
