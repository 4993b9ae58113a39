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
# the runner gives every daemon a control socket of its own
if [ "${1:-}" = -s ]; then
	case $2 in
	/tmp/wsflowctl-test.*/ctl.sock) ;;
	*) echo "faked: unexpected socket $2" >&2; exit 99 ;;
	esac
	[ -d "$(dirname "$2")" ] || { echo "faked: no $(dirname "$2")" >&2; exit 99; }
	shift 2
fi
if [ "${1:-}" = -p ]; then
	echo $$ > "$2"
	shift 2
fi
for f in "$@"; do
	. "$f"
done
exit 0
