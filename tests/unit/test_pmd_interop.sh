#!/bin/sh
# SPDX-License-Identifier: ISC
# permessage-deflate against Python: Python's zlib output (raw deflate)
# inflates with ours and ours with Python's, over one stream per window
# size with context takeover; then, with python3-websockets, its client
# offers against our server and our client's offers against its server.
# Skips (77) without /usr/bin/python3.
py=/usr/bin/python3
[ -x "$py" ] && "$py" -c 'import zlib' 2>/dev/null || {
	echo "test_pmd_interop.sh: no python3 with zlib, skipped"
	exit 77
}
t="$top_srcdir/tests/unit/pmd_interop.py"
prog="$top_builddir/tests/unit/test_pmd"
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
"$py" "$t" gen >"$dir/py.txt" || exit 1
"$prog" interop "$dir/py.txt" >"$dir/ours.txt" || {
	echo "test_pmd_interop.sh: ours did not inflate python's"
	echo "0 passed, 1 failed"
	exit 1
}
echo "ours inflated $(wc -l <"$dir/py.txt") messages of python's"
"$py" "$t" check "$dir/ours.txt" || {
	echo "1 passed, 1 failed"
	exit 1
}
"$py" "$t" negotiate "$prog" >"$dir/neg.txt"
rc=$?
cat "$dir/neg.txt"
case $rc in
77)	echo "2 passed, 0 failed" ;;
*)	sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' \
	    "$dir/neg.txt" | { read -r p f
		echo "$((p + 2)) passed, $f failed"; }
	[ "$rc" -eq 0 ] || exit 1 ;;
esac
