#!/bin/sh
# SPDX-License-Identifier: ISC
# Sum the results of `make check` in build directory $1.  A test log whose
# last "N passed, N failed" line counts cases contributes those numbers;
# any other test counts as one case by its automake result.
set -u
build=${1:-.}
cd "$build" || exit 1
pass=0
fail=0
for trs in $(find . -name '*.trs' | sort); do
	log=${trs%.trs}.log
	res=$(sed -n 's/^:test-result: //p' "$trs" | head -1)
	line=$(grep -E '^([A-Za-z_-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" 2>/dev/null | tail -1)
	if [ -n "$line" ]; then
		p=$(echo "$line" | sed -E 's/^([A-Za-z_-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2/')
		f=$(echo "$line" | sed -E 's/^([A-Za-z_-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\3/')
		case "$res" in
		PASS|XFAIL|SKIP) ;;
		*) [ "$f" -eq 0 ] && f=1 ;;
		esac
	else
		case "$res" in
		PASS|XFAIL) p=1; f=0 ;;
		SKIP) p=0; f=0 ;;
		*) p=0; f=1 ;;
		esac
	fi
	if [ "$f" -ne 0 ]; then
		# The failed assertions first (a long log's tail may not hold
		# them), then the end of the log for context.
		echo "FAILED: ${trs%.trs}"
		grep -E '^(FAIL|not ok)[: ]' "$log" | head -20
		echo "[...]"
		tail -20 "$log"
	fi
	echo "${trs%.trs}: $res ($p passed, $f failed)"
	pass=$((pass + p))
	fail=$((fail + f))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
