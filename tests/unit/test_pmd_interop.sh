#!/bin/sh
# permessage-deflate against Python's zlib (raw deflate): Python's output
# inflates with ours and ours with Python's, over one stream per window
# size with context takeover.  Skips (77) without /usr/bin/python3.
py=/usr/bin/python3
[ -x "$py" ] && "$py" -c 'import zlib' 2>/dev/null || {
	echo "test_pmd_interop.sh: no python3 with zlib, skipped"
	exit 77
}
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
"$py" "$top_srcdir/tests/unit/pmd_interop.py" gen >"$dir/py.txt" || exit 1
"$top_builddir/tests/unit/test_pmd" interop "$dir/py.txt" >"$dir/ours.txt" ||
	{ echo "test_pmd_interop.sh: ours did not inflate python's"; exit 1; }
echo "ours inflated $(wc -l <"$dir/py.txt") messages of python's"
"$py" "$top_srcdir/tests/unit/pmd_interop.py" check "$dir/ours.txt" || {
	echo "1 passed, 1 failed"
	exit 1
}
echo "2 passed, 0 failed"
