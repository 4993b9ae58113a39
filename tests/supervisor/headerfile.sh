#!/bin/sh
# SPDX-License-Identifier: ISC
# ws_client header values read from files (issue 14): wsflowd reads a
# {"file": PATH} value when it starts; a missing file, one with a line
# break inside and one over 4096 bytes each stop the start with a message
# naming the connector and the path, never the value.  The same for a
# proxy's credentials file, which must also hold user:password.
# Last line: "N passed, N failed".
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${top_builddir:-$src/build}
wsflowd=$bld/supervisor/wsflowd
work=$bld/tests/headerfile.work
pass=0
fail=0

rm -rf "$work"
mkdir -p "$work" || exit 99
cat >"$work/flow.troy" <<EOT
define flow main
flow
  use troy::pipelines;
  define connector c from ws_client
  with codec = "json", config = {"url": "ws://127.0.0.1:9/",
    "headers": {"Authorization": {"file": "$work/token"}}} end;
  create connector c;
  create pipeline p from pipelines::passthrough;
  connect /pipeline/p to /connector/c;
  connect /connector/c to /pipeline/p;
end;
deploy flow main;
EOT

# refused WHAT WANT [FLOW KEY]: wsflowd must fail at start and log WANT
# (about the file of KEY, "headers" by default) without the secret.
refused() {
	TREMOR_PATH=$src/lib timeout 20 "$wsflowd" -d "$work/${3:-flow.troy}" \
	    >"$work/out" 2>&1
	st=$?
	if [ "$st" -ne 0 ] && [ "$st" -ne 124 ] &&
	    grep -qF -- "connector c: ${4:-headers}: $work/token: $2" \
	    "$work/out" && ! grep -q 's3cret' "$work/out"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $1 (status $st)" >&2
		cat "$work/out" >&2
	fi
}

rm -f "$work/token"
refused "missing file" "No such file or directory"
printf 'Bearer s3cret\nX-Injected: 1\n' >"$work/token"
refused "line break inside" "not one header value"
head -c 5000 /dev/zero | tr '\0' 'a' >"$work/token"
refused "too long" "longer than 4096 bytes"

# proxy credentials (issue 14) are read the same way
sed 's|"headers": {"Authorization": {"file": "\([^"]*\)"}}|"proxy": {"url": "http://127.0.0.1:9", "credentials": {"file": "\1"}}|' \
    "$work/flow.troy" >"$work/proxy.troy"
grep -q credentials "$work/proxy.troy" || echo "FAIL: no proxy flow" >&2
rm -f "$work/token"
refused "proxy: missing file" "No such file or directory" proxy.troy \
    "proxy credentials"
printf 'alice:s3cret\nX: 1\n' >"$work/token"
refused "proxy: line break inside" "not one header value" proxy.troy \
    "proxy credentials"
printf 'alice-s3cret\n' >"$work/token"
refused "proxy: no colon" "not one user:password line" proxy.troy \
    "proxy credentials"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
