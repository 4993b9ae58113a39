/* SPDX-License-Identifier: ISC */
/*
 * wsflow's counters as Prometheus metrics (see promstats.h): a table of
 * families, each naming where its value comes from in a show stats
 * reply.  Pure.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jsonget.h"
#include "promstats.h"
#include "statsum.h"

/* Where a family's values come from. */
enum ps_src {
	PS_UP,		/* connector: 1 when its worker runs */
	PS_RESTARTS,	/* connector: "restarts" */
	PS_STAT,	/* connector: stats[key] */
	PS_PORT_IN,	/* connector: stats.ports[] entering, per port */
	PS_PORT_OUT,	/* connector: stats.ports[] leaving, per port */
	PS_CONN,	/* connector: stats.connector[key] (number or bool) */
	PS_CODES,	/* connector: stats.connector[key], code -> count */
	PS_BUDGET,	/* connector: stats.connector.buffered[key] */
	PS_DIRS,	/* connector: stats.connector[key_in], [key_out] */
	PS_OTHER,	/* connector: numbers of stats.connector not above */
	PS_ROUTE,	/* route: routes[][key] */
};

struct ps_family {
	struct promstats_family	 f;
	enum ps_src		 src;
	const char		*key;
};

#define PS(name, type, src, key, help) \
	{ { "wsflow_" name, type, help }, src, key }

static const struct ps_family ps_families[] = {
	PS("connector_up", PROM_GAUGE, PS_UP, NULL,
	    "Whether the connector's worker process is running (1) or not "
	    "(0)."),
	PS("connector_restarts_total", PROM_COUNTER, PS_RESTARTS, NULL,
	    "Times the connector's worker was restarted."),
	PS("events_in_total", PROM_COUNTER, PS_PORT_IN, NULL,
	    "Events that entered the connector on an input port."),
	PS("events_out_total", PROM_COUNTER, PS_PORT_OUT, NULL,
	    "Events the connector emitted on an output port."),
	PS("events_dropped_total", PROM_COUNTER, PS_STAT, "dropped",
	    "Events the connector dropped (each counted once)."),
	PS("errors_total", PROM_COUNTER, PS_STAT, "errors",
	    "Input the connector could not decode, sent as error events."),
	PS("bytes_received_total", PROM_COUNTER, PS_STAT, "bytes_in",
	    "Bytes the connector read from its source, before decoding."),
	PS("bytes_sent_total", PROM_COUNTER, PS_STAT, "bytes_out",
	    "Bytes the connector wrote to its sink, after encoding."),
	PS("connections_open", PROM_GAUGE, PS_CONN, "open",
	    "WebSocket connections open now."),
	PS("connections_total", PROM_COUNTER, PS_CONN, "connections",
	    "WebSocket connections established."),
	PS("connections_refused_total", PROM_COUNTER, PS_CONN, "refused",
	    "Connections refused at max_connections."),
	PS("handshake_failures_total", PROM_COUNTER, PS_CONN,
	    "handshake_failed", "WebSocket or TLS handshakes that failed."),
	PS("frames_received_total", PROM_COUNTER, PS_CONN, "frames_in",
	    "WebSocket frames received."),
	PS("frames_sent_total", PROM_COUNTER, PS_CONN, "frames_out",
	    "WebSocket frames sent."),
	PS("ws_bytes_received_total", PROM_COUNTER, PS_CONN, "bytes_in",
	    "Payload bytes received in WebSocket frames."),
	PS("ws_bytes_sent_total", PROM_COUNTER, PS_CONN, "bytes_out",
	    "Payload bytes sent in WebSocket frames."),
	PS("pings_received_total", PROM_COUNTER, PS_CONN, "pings_in",
	    "WebSocket pings received."),
	PS("output_overflows_total", PROM_COUNTER, PS_CONN, "overflows",
	    "Connections closed because their output stayed over its bound."),
	PS("close_received_total", PROM_COUNTER, PS_CODES, "close_in",
	    "WebSocket close frames received, by close code."),
	PS("close_sent_total", PROM_COUNTER, PS_CODES, "close_out",
	    "WebSocket close frames sent, by close code."),
	PS("closes_other_total", PROM_COUNTER, PS_CONN, "close_other",
	    "Connections that ended without a close frame."),
	PS("held_events", PROM_GAUGE, PS_CONN, "held",
	    "Events held for a disconnected ws_client."),
	PS("held_bytes", PROM_GAUGE, PS_CONN, "held_bytes",
	    "Bytes of events held for disconnected upstreams."),
	PS("relay_streams", PROM_GAUGE, PS_CONN, "streams",
	    "Streams a per-stream ws_client relays now."),
	PS("relay_upstream_lost_total", PROM_COUNTER, PS_CONN,
	    "upstream_lost", "Relayed upstream connections lost."),
	PS("relay_upstream_failed_total", PROM_COUNTER, PS_CONN,
	    "upstream_failed", "Relayed upstream connections that failed."),
	PS("relay_streams_given_up_total", PROM_COUNTER, PS_CONN,
	    "streams_given_up", "Relayed streams given up after retries."),
	PS("relay_over_max_connections_total", PROM_COUNTER, PS_CONN,
	    "over_max_connections",
	    "Relayed streams refused at max_connections."),
	PS("buffered_bytes", PROM_GAUGE, PS_BUDGET, "used",
	    "Bytes charged to the worker's memory budget (max_buffered) now."),
	PS("buffered_limit_bytes", PROM_GAUGE, PS_BUDGET, "limit",
	    "The worker's memory budget (max_buffered), bytes."),
	PS("buffered_peak_bytes", PROM_GAUGE, PS_BUDGET, "peak",
	    "The most bytes the worker's memory budget held at once."),
	PS("budget_refused_total", PROM_COUNTER, PS_BUDGET, "refused",
	    "Charges the worker's memory budget refused."),
	PS("budget_closed_total", PROM_COUNTER, PS_DIRS, "budget_closed",
	    "Connections closed because the memory budget was spent, by "
	    "direction (in: receiving, 1009; out: sending, 1008)."),
	PS("connector_counter", PROM_UNTYPED, PS_OTHER, NULL,
	    "Other numeric counters of a connector type, by name."),
	PS("route_queue_bytes", PROM_GAUGE, PS_ROUTE, "queued",
	    "Bytes of events waiting to be written on a route."),
	PS("route_events_total", PROM_COUNTER, PS_ROUTE, "sent",
	    "Events sent on a route."),
	PS("route_bytes_total", PROM_COUNTER, PS_ROUTE, "bytes",
	    "Bytes of events sent on a route."),
	PS("route_dropped_total", PROM_COUNTER, PS_ROUTE, "dropped_sending",
	    "Events the sending end of a route dropped."),
	PS("route_paused", PROM_GAUGE, PS_ROUTE, "paused",
	    "Whether the consumer of a route asked its producer to pause."),
};
#define PS_NFAMILIES	(sizeof(ps_families) / sizeof(ps_families[0]))

/* Keys of stats.connector that are not counters. */
static const char *const ps_not_counters[] = { "per_stream", "error" };

/* The families promstats_render() writes. */
const struct promstats_family *
promstats_families(size_t *n)
{
	static struct promstats_family	 f[PS_NFAMILIES];
	size_t				 i;

	for (i = 0; i < PS_NFAMILIES; i++)
		f[i] = ps_families[i].f;
	*n = PS_NFAMILIES;
	return f;
}

/* A JSON number or bool as a double; -1 when it is neither. */
static int
ps_number(struct json_object *v, double *d)
{
	switch (json_object_get_type(v)) {
	case json_type_int:
		if (json_object_get_int64(v) < 0)
			*d = (double)json_object_get_int64(v);
		else
			*d = (double)json_object_get_uint64(v);
		return 0;
	case json_type_double:
		*d = json_object_get_double(v);
		return 0;
	case json_type_boolean:
		*d = json_object_get_boolean(v) ? 1 : 0;
		return 0;
	default:
		return -1;
	}
}

/* The direction ("in", "out") of key when it is a PS_DIRS family's
 * key_in or key_out, or NULL. */
static const char *
ps_dir(const struct ps_family *pf, const char *key)
{
	size_t	 n;

	if (pf->src != PS_DIRS)
		return NULL;
	n = strlen(pf->key);
	if (strncmp(key, pf->key, n) != 0 || key[n] != '_')
		return NULL;
	if (strcmp(key + n + 1, "in") == 0)
		return "in";
	if (strcmp(key + n + 1, "out") == 0)
		return "out";
	return NULL;
}

/* Is key of stats.connector taken by a family (or no counter)? */
static int
ps_known(const char *key)
{
	size_t	 i;

	for (i = 0; i < PS_NFAMILIES; i++)
		if (((ps_families[i].src == PS_CONN ||
		    ps_families[i].src == PS_CODES) &&
		    strcmp(ps_families[i].key, key) == 0) ||
		    ps_dir(&ps_families[i], key) != NULL)
			return 1;
	for (i = 0; i < sizeof(ps_not_counters) / sizeof(ps_not_counters[0]);
	    i++)
		if (strcmp(ps_not_counters[i], key) == 0)
			return 1;
	return 0;
}

/* One sample with the connector's labels and an optional third one. */
static int
ps_sample(struct buf *out, const struct ps_family *pf, struct json_object *c,
    const char *lname, const char *lvalue, double v)
{
	struct prom_label	 l[3];
	size_t			 n = 2;

	l[0].pl_name = "connector";
	l[0].pl_value = jg_str(c, "name", "");
	l[1].pl_name = "flow";
	l[1].pl_value = jg_str(c, "flow", "");
	if (lname != NULL) {
		l[2].pl_name = lname;
		l[2].pl_value = lvalue;
		n = 3;
	}
	return prom_sample(out, pf->f.pf_name, l, n, v);
}

/* The samples of one connector family for connector c. */
static int
ps_connector(struct buf *out, const struct ps_family *pf,
    struct json_object *c)
{
	struct json_object	*st, *conn, *ports, *p, *v;
	const char		*dir;
	double			 d;
	size_t			 i;

	st = jg_obj(c, "stats");
	conn = jg_obj(st, "connector");
	switch (pf->src) {
	case PS_UP:
		return ps_sample(out, pf, c, NULL, NULL,
		    strcmp(jg_str(c, "state", ""), "running") == 0);
	case PS_RESTARTS:
		return ps_number(jg_get(c, "restarts"), &d) == -1 ? 0 :
		    ps_sample(out, pf, c, NULL, NULL, d);
	case PS_STAT:
		return ps_number(jg_get(st, pf->key), &d) == -1 ? 0 :
		    ps_sample(out, pf, c, NULL, NULL, d);
	case PS_CONN:
		return ps_number(jg_get(conn, pf->key), &d) == -1 ? 0 :
		    ps_sample(out, pf, c, NULL, NULL, d);
	case PS_PORT_IN:
	case PS_PORT_OUT:
		ports = jg_arr(st, "ports");
		for (i = 0; ports != NULL && i < json_object_array_length(ports);
		    i++) {
			p = json_object_array_get_idx(ports, i);
			dir = jg_str(p, "direction", "");
			if (strcmp(dir, pf->src == PS_PORT_IN ? "in" : "out") !=
			    0 || ps_number(jg_get(p, "events"), &d) == -1)
				continue;
			if (ps_sample(out, pf, c, "port", jg_str(p, "port", ""),
			    d) == -1)
				return -1;
		}
		return 0;
	case PS_CODES:
		if ((v = jg_obj(conn, pf->key)) == NULL)
			return 0;
		json_object_object_foreach(v, code, n) {
			if (ps_number(n, &d) == 0 && ps_sample(out, pf, c,
			    "code", code, d) == -1)
				return -1;
		}
		return 0;
	case PS_BUDGET:
		return ps_number(jg_get(jg_obj(conn, "buffered"), pf->key),
		    &d) == -1 ? 0 : ps_sample(out, pf, c, NULL, NULL, d);
	case PS_DIRS:
		if (conn == NULL)
			return 0;
		json_object_object_foreach(conn, dkey, dval) {
			if ((dir = ps_dir(pf, dkey)) == NULL ||
			    ps_number(dval, &d) == -1)
				continue;
			if (ps_sample(out, pf, c, "direction", dir, d) == -1)
				return -1;
		}
		return 0;
	case PS_OTHER:
		if (conn == NULL)
			return 0;
		json_object_object_foreach(conn, key, val) {
			if (ps_known(key) || ps_number(val, &d) == -1)
				continue;
			if (ps_sample(out, pf, c, "name", key, d) == -1)
				return -1;
		}
		return 0;
	default:
		return 0;
	}
}

/* The sample of one route family for route r. */
static int
ps_route(struct buf *out, const struct ps_family *pf, struct json_object *r)
{
	struct prom_label	 l[3];
	char			 id[24];
	double			 d;

	if (ps_number(jg_get(r, pf->key), &d) == -1)
		return 0;
	snprintf(id, sizeof(id), "%lld", (long long)jg_int(r, "id", 0));
	l[0].pl_name = "route";
	l[0].pl_value = id;
	l[1].pl_name = "from";
	l[1].pl_value = jg_str(r, "from", "");
	l[2].pl_name = "to";
	l[2].pl_value = jg_str(r, "to", "");
	return prom_sample(out, pf->f.pf_name, l, 3, d);
}

/* Render a show stats reply (see promstats.h). */
int
promstats_render(struct json_object *reply, struct buf *out, char *err,
    size_t errlen)
{
	const struct ps_family	*pf;
	struct json_object	*list, *item;
	size_t			 i, j, n;

	if (!json_object_is_type(reply, json_type_object) ||
	    !jg_bool(reply, "ok", 0)) {
		snprintf(err, errlen, "%s", jg_str(reply, "error",
		    "not a stats reply"));
		return -1;
	}
	/* a connector's instances: each, and their sum */
	(void)statsum_instances(reply);
	for (i = 0; i < PS_NFAMILIES; i++) {
		pf = &ps_families[i];
		if (prom_family(out, pf->f.pf_name, pf->f.pf_type,
		    pf->f.pf_help) == -1)
			goto full;
		list = jg_arr(reply, pf->src == PS_ROUTE ? "routes" :
		    "connectors");
		n = list != NULL ? json_object_array_length(list) : 0;
		for (j = 0; j < n; j++) {
			item = json_object_array_get_idx(list, j);
			if (!json_object_is_type(item, json_type_object))
				continue;
			if ((pf->src == PS_ROUTE ? ps_route(out, pf, item) :
			    ps_connector(out, pf, item)) == -1)
				goto full;
		}
	}
	return 0;
full:
	snprintf(err, errlen, "metrics text too large");
	return -1;
}
