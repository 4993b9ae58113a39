#!/bin/sh
# SPDX-License-Identifier: ISC
# Lint every man page with mandoc; any warning fails the test.  The pages
# are generated from man/*.in with the configured paths: lint those in
# the build tree (and any page written as such in the source tree).
set -u
pages=
for d in "${top_builddir:-.}/man" "${top_srcdir:-.}/man"; do
	for p in "$d"/*.[0-9]; do
		[ -f "$p" ] || continue
		case " $pages " in *" $p "*) continue ;; esac
		pages="$pages $p"
	done
done
[ -n "$pages" ] || { echo "no man pages"; exit 77; }
# shellcheck disable=SC2086
out=$(mandoc -Tlint -Wwarning $pages 2>&1)
if [ -n "$out" ]; then
	echo "$out"
	exit 1
fi
# shellcheck disable=SC2086
set -- $pages
echo "mandoc -Tlint: clean ($# pages)"
