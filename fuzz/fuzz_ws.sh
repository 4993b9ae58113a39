#!/bin/sh
# Short libFuzzer runs of the WebSocket and permessage-deflate harnesses
# (make check with --enable-fuzz).  FUZZ_WS_RUNS overrides the number of runs.
runs=${FUZZ_WS_RUNS:-20000}
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
for h in fuzz_ws_frame fuzz_ws_request fuzz_ws_response fuzz_utf8 fuzz_pmd; do
	mkdir -p "$dir/$h"
	"$top_builddir/fuzz/$h" -runs="$runs" -max_len=4096 \
	    "$dir/$h" >"$dir/$h.log" 2>&1 || {
		tail -40 "$dir/$h.log"
		echo "fuzz_ws.sh: $h failed"
		exit 1
	}
	echo "$h: $(grep -c . "$dir/$h.log") log lines, ok"
done
