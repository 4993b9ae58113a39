/* SPDX-License-Identifier: ISC */
/*
 * wsflow's counters as Prometheus metrics: the reply of the control
 * plane's show stats (every connector's counters, its per-port event
 * counts, its connector type's own counters and every route's) rendered
 * in the text exposition format with common/prom.h.  One function, used
 * by the metrics exporter worker (GET /metrics) and by `wsflowctl
 * metrics`, so both print the same text for the same counters.  Pure.
 *
 * Every metric name starts with "wsflow_", counters end in "_total";
 * connector metrics are labelled connector and flow (and port where the
 * count is per port), route metrics route, from and to.  wsflowd(8)'s
 * METRICS section lists them; promstats_families() is that list.
 */
#ifndef WSFLOW_PROMSTATS_H
#define WSFLOW_PROMSTATS_H

#include <stddef.h>

#include <json-c/json.h>

#include "buf.h"
#include "prom.h"

/* One metric family: its name, type and help text. */
struct promstats_family {
	const char	*pf_name;
	enum prom_type	 pf_type;
	const char	*pf_help;
};

/*
 * Render a show stats reply ({"connectors": [...], "routes": [...]}) as
 * exposition text appended to out.  Counters a worker did not report
 * (null) give no sample.  Returns 0, or -1 with the reason in err when
 * the reply is not one or out is full.
 */
int	 promstats_render(struct json_object *, struct buf *, char *, size_t);
/* The families promstats_render() writes, in order; *n gets the count. */
const struct promstats_family *promstats_families(size_t *);

#endif
