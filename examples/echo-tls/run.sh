#!/bin/sh
# SPDX-License-Identifier: ISC
# Run the seed's secure echo flow from a scratch copy of this directory:
# make the certificate, run wsflowd on config.troy until the flow stops
# itself, and show what came back.  The ws_client sends in.json over TLS
# to the ws_server, which writes each event to out.log and echoes it; the
# echoes arrive back at the ws_client and are printed on standard output.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run.sh BUILDDIR}
build=$(cd "$build" && pwd)
work="$build/echo-tls"
rm -rf "$work"
mkdir -p "$work"
cp -R "$here/." "$work/"
cd "$work"
sh before/refresh_keys.sh
# the stdlib (troy::, std::) and the integration module
TREMOR_PATH="$(cd "$here/../.." && pwd)/lib${TREMOR_PATH:+:$TREMOR_PATH}"
export TREMOR_PATH
echo "== wsflowd -d config.troy (echoes from the server, via ws_client):"
rc=0
timeout 60 "$build/supervisor/wsflowd" -d config.troy || rc=$?
echo "== out.log (what the server received):"
cat out.log
echo "== exit status $rc"
exit $rc
