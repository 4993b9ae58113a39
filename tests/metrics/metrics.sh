#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/metrics/metrics.sh: wsflowd -m scraped with a real Prometheus
# parser (metrics.py; skipped without python3-prometheus-client).
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
if ! /usr/bin/python3 -c 'import prometheus_client' 2>/dev/null; then
	echo "python3-prometheus-client not installed: skipped"
	exit 77
fi
exec /usr/bin/python3 "$src/tests/metrics/metrics.py"
