#!/bin/sh
# Lint every man page with mandoc; any warning fails the test.
set -u
cd "${top_srcdir:-.}/man" || exit 1
ls *.[0-9] >/dev/null 2>&1 || { echo "no man pages"; exit 77; }
out=$(mandoc -Tlint -Wwarning *.[0-9] 2>&1)
if [ -n "$out" ]; then
	echo "$out"
	exit 1
fi
echo "mandoc -Tlint: clean"
