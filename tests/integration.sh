#!/bin/sh
# SPDX-License-Identifier: ISC
# Run the Tremor-layout integration tests in tests/integration with
# `wsflowctl test`.  They run on a copy in the build tree (tests write their
# logs into their directories).  The last line, "N passed, N failed", is
# wsflowctl's own; with no test directories yet the result is a skip (77).
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
bld=${top_builddir:-$src/build}
ctl=$bld/ctl/wsflowctl
work=$bld/tests/integration.work

rm -rf "$work"
mkdir -p "$work" || exit 99
cp -R "$src/tests/integration/." "$work/" || exit 99
# Tremor's CI puts the stdlib and the integration library on TREMOR_PATH.
if [ -d "$src/lib" ]; then
	TREMOR_PATH=${TREMOR_PATH:+$TREMOR_PATH:}$src/lib
	export TREMOR_PATH
fi
ntests=$(find "$work" -mindepth 2 -name tags.yaml | wc -l)
[ "$ntests" -gt 0 ] || echo "no integration test directories yet: skipped"
# WSFLOW_TEST_FLAGS: extra options, e.g. "-v" or "-i ws"; sanitizer runs use
# "-e rss -e sandbox" (ASan inflates RSS; seccomp is off there by design).
# shellcheck disable=SC2086
"$ctl" test ${WSFLOW_TEST_FLAGS:-} "$work"
rc=$?
if [ "$ntests" -eq 0 ] && [ "$rc" -eq 0 ]; then
	exit 77
fi
exit $rc
