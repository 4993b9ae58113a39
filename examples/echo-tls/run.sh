#!/bin/sh
# Run the seed's secure echo flow from a scratch copy of this directory:
# make the certificate, start wsflowd on config.troy, show what came back.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run.sh BUILDDIR}
work="$build/echo-tls"
rm -rf "$work"
mkdir -p "$work"
cp -R "$here/." "$work/"
cd "$work"
sh before/refresh_keys.sh
"$build/supervisor/wsflowd" -n -v config.troy
