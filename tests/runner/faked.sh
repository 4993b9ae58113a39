#!/bin/sh
# SPDX-License-Identifier: ISC
# A fake wsflowd for the runner's self-tests: records how it was started
# (daemon.log in its cwd), then runs each troy file as shell commands.
{
	echo "argv: $*"
	echo "cwd: $(pwd)"
	echo "TREMOR_PATH: ${TREMOR_PATH:-}"
	echo "WSFLOW_PATH: ${WSFLOW_PATH:-}"
	echo "RUST_LOG: ${RUST_LOG:-}"
} > daemon.log
[ "${1:-}" = -d ] || { echo "faked: expected -d" >&2; exit 99; }
shift
if [ "${1:-}" = -p ]; then
	echo $$ > "$2"
	shift 2
fi
for f in "$@"; do
	. "$f"
done
exit 0
