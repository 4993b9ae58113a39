/* SPDX-License-Identifier: ISC */
/*
 * Tremor's metrics connector.  Every connector that sets
 * metrics_interval_s reports, at that interval, how many events went
 * through each of its ports, as Tremor's events of the influx shape:
 *
 *	{"measurement": "connector_events",
 *	 "tags": {"connector": "in", "port": "out"},
 *	 "fields": {"count": 7}, "timestamp": 1650402845610254000}
 *
 * on this connector's out port: out and err for a connector that reads,
 * in for one that writes (and any other port it used).  A pipeline with
 * `#!config metrics_interval_s` reports the events through its ports:
 *
 *	{"measurement": "events", "tags": {"pipeline": "main",
 *	 "node": "in", "direction": "output", "port": "out"}, ...}
 *
 * counted by the workers that evaluate it (summed).  The counts come
 * from the supervisor (MSG_METRICS_REQ, the workers' counters as show
 * stats has them); the reporters and their intervals are in the worker
 * configuration (connector.config "reporters").  Events sent to the in
 * port are custom metrics: passed on to out when they have that shape
 * (measurement a string, tags and fields records, timestamp an integer),
 * otherwise an error event on err.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctlproto.h"
#include "log.h"
#include "worker.h"

#define MX_REPORTERS_MAX	1024
#define MX_JSON_DEPTH		32

struct mx_reporter {
	const char	*mr_name;	/* in the worker's config */
	int64_t		 mr_interval_ns;
	int		 mr_source;
	int		 mr_sink;
	int		 mr_pipe;	/* a pipeline's */
	struct json_object *mr_conf;	/* its record (from, into) */
	int64_t		 mr_last;	/* last report, ns */
};

static struct {
	struct worker		*m_w;
	struct mx_reporter	*m_rep;
	int			 m_nrep;
	struct event		*m_timer;
	struct timeval		 m_tick;
	int			 m_asked;	/* a request is out */
	uint32_t		 m_seq;
	uint64_t		 m_skipped;	/* reports lost to backpressure */
	uint64_t		 m_invalid;	/* custom events refused */
} mx;

/* The wall clock in nanoseconds, as Tremor stamps its metrics. */
static int64_t
mx_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Every tick: ask the supervisor for the counters (one request at once). */
static void
mx_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct msg_metrics_req	 mq;

	(void)fd;
	(void)ev;
	(void)arg;
	if (mx.m_asked)
		return;
	memset(&mq, 0, sizeof(mq));
	mq.mq_id = ++mx.m_seq;
	mq.mq_what = METRICS_STATS;
	if (proc_send(mx.m_w->w_ctl, MSG_METRICS_REQ, -1, &mq,
	    sizeof(mq)) == -1)
		log_warn("connector %s: metrics request", mx.m_w->w_name);
	else
		mx.m_asked = 1;
}

/* The events of connector name through port in direction dir ("in" or
 * "out") in a show stats reply; 0 when not counted. */
static uint64_t
mx_count(struct json_object *c, const char *port, const char *dir)
{
	struct json_object	*ports, *p;
	size_t			 i, n;

	ports = jg_arr(jg_obj(c, "stats"), "ports");
	n = ports != NULL ? json_object_array_length(ports) : 0;
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(ports, i);
		if (strcmp(jg_str(p, "port", ""), port) == 0 &&
		    strcmp(jg_str(p, "direction", ""), dir) == 0)
			return (uint64_t)jg_int(p, "events", 0);
	}
	return 0;
}

/* Emit one event of measurement with tags (taken) and a count. */
static void
mx_emit_tags(const char *measurement, struct json_object *tags,
    uint64_t count, int64_t ts)
{
	struct json_object	*v, *fields;

	v = json_object_new_object();
	fields = json_object_new_object();
	json_object_object_add(v, "measurement",
	    json_object_new_string(measurement));
	json_object_object_add(v, "tags", tags);
	json_object_object_add(fields, "count",
	    json_object_new_uint64(count));
	json_object_object_add(v, "fields", fields);
	json_object_object_add(v, "timestamp", json_object_new_int64(ts));
	ev_emit(mx.m_w, "out", v, NULL);
	json_object_put(v);
}

/* Emit one connector_events event. */
static void
mx_emit(const char *conn, const char *port, uint64_t count, int64_t ts)
{
	struct json_object	*tags;

	tags = json_object_new_object();
	json_object_object_add(tags, "connector",
	    json_object_new_string(conn));
	json_object_object_add(tags, "port", json_object_new_string(port));
	mx_emit_tags("connector_events", tags, count, ts);
}

/* The events through port (dir "in" entering, "out" leaving) of every
 * instance of pipeline name, summed over the workers evaluating it. */
static uint64_t
mx_pipe_count(struct json_object *list, const char *name, const char *port,
    const char *dir)
{
	struct json_object	*pl, *p, *ports, *e;
	size_t			 i, j, k, n, np, ne;
	uint64_t		 sum = 0;

	n = list != NULL ? json_object_array_length(list) : 0;
	for (i = 0; i < n; i++) {
		pl = jg_arr(jg_obj(jg_obj(json_object_array_get_idx(list, i),
		    "stats"), "connector"), "pipeline_metrics");
		np = pl != NULL ? json_object_array_length(pl) : 0;
		for (j = 0; j < np; j++) {
			p = json_object_array_get_idx(pl, j);
			if (strcmp(jg_str(p, "name", ""), name) != 0)
				continue;
			ports = jg_arr(p, "ports");
			ne = ports != NULL ? json_object_array_length(ports) : 0;
			for (k = 0; k < ne; k++) {
				e = json_object_array_get_idx(ports, k);
				if (strcmp(jg_str(e, "port", ""), port) == 0 &&
				    strcmp(jg_str(e, "direction", ""), dir) ==
				    0)
					sum += (uint64_t)jg_int(e, "events", 0);
			}
		}
	}
	return sum;
}

/* Emit one pipeline events event: node's port in direction. */
static void
mx_emit_node(const char *pipe, const char *node, const char *dir,
    const char *port, uint64_t count, int64_t ts)
{
	struct json_object	*tags;

	tags = json_object_new_object();
	json_object_object_add(tags, "pipeline", json_object_new_string(pipe));
	json_object_object_add(tags, "node", json_object_new_string(node));
	json_object_object_add(tags, "direction", json_object_new_string(dir));
	json_object_object_add(tags, "port", json_object_new_string(port));
	mx_emit_tags("events", tags, count, ts);
}

/*
 * The events of a pipeline reporter, as Tremor's graph nodes: each input
 * port P is a node P (what enters it on its port in leaves it on out),
 * each output port Q a node Q likewise.
 */
static void
mx_pipe_report(const struct mx_reporter *r, struct json_object *list,
    int64_t ts)
{
	struct json_object	*ports;
	const char		*port, *dir;
	uint64_t		 n;
	size_t			 i, k, np;

	for (k = 0; k < 2; k++) {
		ports = jg_arr(r->mr_conf, k == 0 ? "from" : "into");
		dir = k == 0 ? "in" : "out";
		np = ports != NULL ? json_object_array_length(ports) : 0;
		for (i = 0; i < np; i++) {
			port = json_object_get_string(
			    json_object_array_get_idx(ports, i));
			if (port == NULL)
				continue;
			n = mx_pipe_count(list, r->mr_name, port, dir);
			mx_emit_node(r->mr_name, port, "input", "in", n, ts);
			mx_emit_node(r->mr_name, port, "output", "out", n, ts);
		}
	}
}

/* The events of one reporter: its default ports, then others it used. */
static void
mx_report(const struct mx_reporter *r, struct json_object *c, int64_t ts)
{
	struct json_object	*ports, *p;
	const char		*port, *dir;
	size_t			 i, n;

	if (r->mr_source) {
		mx_emit(r->mr_name, "out", mx_count(c, "out", "out"), ts);
		mx_emit(r->mr_name, "err", mx_count(c, "err", "out"), ts);
	}
	if (r->mr_sink)
		mx_emit(r->mr_name, "in", mx_count(c, "in", "in"), ts);
	ports = jg_arr(jg_obj(c, "stats"), "ports");
	n = ports != NULL ? json_object_array_length(ports) : 0;
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(ports, i);
		port = jg_str(p, "port", "");
		dir = jg_str(p, "direction", "");
		if ((r->mr_source && strcmp(dir, "out") == 0 &&
		    (strcmp(port, "out") == 0 || strcmp(port, "err") == 0)) ||
		    (r->mr_sink && strcmp(dir, "in") == 0 &&
		    strcmp(port, "in") == 0))
			continue;
		mx_emit(r->mr_name, port, (uint64_t)jg_int(p, "events", 0),
		    ts);
	}
}

/* The counters arrived: report every connector whose interval passed. */
static void
metrics_metrics_res(struct worker *w, const struct proc_msg *m)
{
	struct msg_metrics_res	 mr;
	struct json_tokener	*tok;
	struct json_object	*o = NULL, *list, *c;
	int64_t			 now = mx_now();
	size_t			 j, n;
	int			 i;

	if (m->pm_len < sizeof(mr) || m->pm_len - sizeof(mr) > CTL_RES_MAX)
		fatalx("bad metrics reply");
	memcpy(&mr, m->pm_data, sizeof(mr));
	if (mr.mr_id != mx.m_seq || mr.mr_what != METRICS_STATS)
		return;
	mx.m_asked = 0;
	if (w->w_life.lf_draining || !ev_can_emit(w)) {
		mx.m_skipped++;
		return;
	}
	if ((tok = json_tokener_new_ex(MX_JSON_DEPTH)) == NULL)
		return;
	o = json_tokener_parse_ex(tok, (const char *)m->pm_data + sizeof(mr),
	    (int)(m->pm_len - sizeof(mr)));
	json_tokener_free(tok);
	list = jg_arr(o, "connectors");
	n = list != NULL ? json_object_array_length(list) : 0;
	for (i = 0; i < mx.m_nrep; i++) {
		if (now - mx.m_rep[i].mr_last <
		    mx.m_rep[i].mr_interval_ns - 100000000)
			continue;
		if (mx.m_rep[i].mr_pipe) {
			mx_pipe_report(&mx.m_rep[i], list, now);
			mx.m_rep[i].mr_last = now;
			continue;
		}
		for (j = 0; j < n; j++) {
			c = json_object_array_get_idx(list, j);
			if (strcmp(jg_str(c, "name", ""),
			    mx.m_rep[i].mr_name) == 0)
				break;
		}
		if (j < n) {
			mx_report(&mx.m_rep[i], c, now);
			mx.m_rep[i].mr_last = now;
		}
	}
	json_object_put(o);
}

/* A custom metrics event on in: passed on when it has the shape. */
static int
metrics_write(struct worker *w, const char *port, const char *data,
    size_t len)
{
	struct json_object	*v = NULL, *e;

	(void)port;
	if (ev_parse(data, len, &v) == 0 &&
	    json_object_is_type(jg_get(v, "measurement"), json_type_string) &&
	    jg_obj(v, "tags") != NULL && jg_obj(v, "fields") != NULL &&
	    json_object_is_type(jg_get(v, "timestamp"), json_type_int)) {
		ev_emit(w, "out", v, NULL);
		json_object_put(v);
		return 0;
	}
	mx.m_invalid++;
	e = json_object_new_object();
	json_object_object_add(e, "error", json_object_new_string(
	    "invalid metrics data: expected measurement (string), tags and "
	    "fields (records) and timestamp (integer)"));
	json_object_object_add(e, "source", json_object_new_string(w->w_name));
	json_object_object_add(e, "event", v);
	ev_emit(w, "err", e, NULL);
	json_object_put(e);
	return 0;
}

/* Before the sandbox: the reporters and the tick (the shortest interval,
 * each reporter reporting when its own interval passed). */
static int
metrics_setup(struct worker *w, char *err, size_t errlen)
{
	struct json_object	*list, *r;
	int64_t			 iv, tick = 0;
	size_t			 i, n;

	mx.m_w = w;
	w->w_profile = SANDBOX_CONSOLE;
	/* Events reach the sink as JSON text: what metrics_write parses. */
	w->w_path.ep_has_codec = 1;
	w->w_path.ep_codec = CODEC_JSON;
	list = jg_arr(w->w_cconf, "reporters");
	n = list != NULL ? json_object_array_length(list) : 0;
	if (n > MX_REPORTERS_MAX) {
		snprintf(err, errlen, "more than %d reporters",
		    MX_REPORTERS_MAX);
		return -1;
	}
	if (n > 0 && (mx.m_rep = calloc(n, sizeof(*mx.m_rep))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(list, i);
		iv = jg_int(r, "interval_s", 0);
		if (iv <= 0 || iv > 86400 * 365)
			continue;
		mx.m_rep[mx.m_nrep].mr_name = jg_str(r, "name", "");
		mx.m_rep[mx.m_nrep].mr_interval_ns = iv * 1000000000;
		mx.m_rep[mx.m_nrep].mr_source = jg_bool(r, "source", 0);
		mx.m_rep[mx.m_nrep].mr_sink = jg_bool(r, "sink", 0);
		mx.m_rep[mx.m_nrep].mr_pipe = jg_bool(r, "pipeline", 0);
		mx.m_rep[mx.m_nrep].mr_conf = r;
		mx.m_rep[mx.m_nrep].mr_last = mx_now();
		mx.m_nrep++;
		if (tick == 0 || iv < tick)
			tick = iv;
	}
	mx.m_tick.tv_sec = tick;
	return 0;
}

/* Start reporting (only when out is connected). */
static void
metrics_start(struct worker *w)
{
	if (mx.m_nrep == 0)
		return;
	if ((mx.m_timer = event_new(w->w_base, -1, EV_PERSIST, mx_tick,
	    NULL)) == NULL || event_add(mx.m_timer, &mx.m_tick) == -1)
		log_warnx("connector %s: no timer: no reports", w->w_name);
}

/* Stop reporting. */
static void
metrics_stop(struct worker *w)
{
	(void)w;
	if (mx.m_timer != NULL)
		event_free(mx.m_timer);
	mx.m_timer = NULL;
	free(mx.m_rep);
	mx.m_rep = NULL;
	mx.m_nrep = 0;
}

/* The connector's own counters. */
static void
metrics_stats(struct worker *w, struct json_object *o)
{
	(void)w;
	json_object_object_add(o, "reporters", json_object_new_int(mx.m_nrep));
	json_object_object_add(o, "reports_skipped",
	    json_object_new_uint64(mx.m_skipped));
	json_object_object_add(o, "invalid_events",
	    json_object_new_uint64(mx.m_invalid));
}

const struct conn_ops metrics_ops = {
	.co_type = "metrics",
	.co_setup = metrics_setup,
	.co_start = metrics_start,
	.co_write = metrics_write,
	.co_stop = metrics_stop,
	.co_finish = metrics_stop,
	.co_stats = metrics_stats,
	.co_metrics_res = metrics_metrics_res,
};
