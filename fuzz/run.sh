#!/bin/sh
# SPDX-License-Identifier: ISC
# Short libFuzzer runs (make check in a build configured with
# --enable-fuzz): every harness built in $top_builddir/fuzz, or the ones
# named as arguments.  FUZZ_RUNS (default 20000) sets the runs of each;
# a long run is ./fuzz/fuzz_NAME -max_total_time=SECONDS CORPUS_DIR.
runs=${FUZZ_RUNS:-${FUZZ_WS_RUNS:-20000}}
: "${top_builddir:=.}"
if [ $# -eq 0 ]; then
	for f in "$top_builddir"/fuzz/fuzz_*; do
		[ -f "$f" ] && [ -x "$f" ] && set -- "$@" "$(basename "$f")"
	done
fi
[ $# -gt 0 ] || { echo "no fuzz harnesses built"; exit 77; }
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
n=0
for h in "$@"; do
	mkdir -p "$dir/$h"
	"$top_builddir/fuzz/$h" -runs="$runs" -max_len=4096 \
	    "$dir/$h" >"$dir/$h.log" 2>&1 || {
		tail -40 "$dir/$h.log"
		echo "fuzz/run.sh: $h failed"
		echo "$n passed, 1 failed"
		exit 1
	}
	echo "$h: $runs runs, ok"
	n=$((n + 1))
done
echo "$n passed, 0 failed"
