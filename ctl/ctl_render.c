/* SPDX-License-Identifier: ISC */
/*
 * The text form of the daemon's replies for wsflowctl: key/value lists
 * and aligned tables built from the JSON the daemon sends (-j prints
 * that JSON as it is).  Pure: renders into a struct buf.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ctl_render.h"
#include "jsonget.h"
#include "statsum.h"

/* Cells collected row by row; json-c owns the strings. */
struct table {
	struct json_object	*t_cells;
	size_t			 t_ncols;
};

/* Write the aligned table of nrows x ncols cells. */
int
render_table(struct buf *b, const char *const *cells, size_t nrows,
    size_t ncols)
{
	size_t	 r, c, w, *width;
	const char *s;
	int	 rc = 0;

	if (ncols == 0)
		return 0;
	if ((width = calloc(ncols, sizeof(*width))) == NULL)
		return -1;
	for (r = 0; r < nrows; r++)
		for (c = 0; c < ncols; c++) {
			s = cells[r * ncols + c];
			w = strlen(s != NULL ? s : "-");
			if (w > width[c])
				width[c] = w;
		}
	for (r = 0; r < nrows && rc == 0; r++) {
		for (c = 0; c < ncols && rc == 0; c++) {
			s = cells[r * ncols + c];
			if (s == NULL)
				s = "-";
			if (c + 1 == ncols)
				rc = buf_printf(b, "%s\n", s);
			else
				rc = buf_printf(b, "%-*s  ", (int)width[c], s);
		}
	}
	free(width);
	return rc;
}

/* A human duration. */
void
render_duration(long long secs, char *out, size_t len)
{
	if (secs < 0)
		snprintf(out, len, "-");
	else if (secs >= 86400)
		snprintf(out, len, "%lldd%lldh", secs / 86400,
		    secs % 86400 / 3600);
	else if (secs >= 3600)
		snprintf(out, len, "%lldh%lldm", secs / 3600, secs % 3600 / 60);
	else if (secs >= 60)
		snprintf(out, len, "%lldm%llds", secs / 60, secs % 60);
	else
		snprintf(out, len, "%llds", secs);
}

/* Text for one JSON value: strings as they are, lists joined by ", ". */
static void
cell_text(struct json_object *v, struct buf *b)
{
	size_t	 i, n;

	switch (json_object_get_type(v)) {
	case json_type_null:
		(void)buf_adds(b, "-");
		break;
	case json_type_boolean:
		(void)buf_adds(b, json_object_get_boolean(v) ? "yes" : "no");
		break;
	case json_type_array:
		n = json_object_array_length(v);
		if (n == 0)
			(void)buf_adds(b, "-");
		for (i = 0; i < n; i++) {
			if (i > 0)
				(void)buf_adds(b, ", ");
			cell_text(json_object_array_get_idx(v, i), b);
		}
		break;
	case json_type_string:
		(void)buf_adds(b, json_object_get_string(v));
		break;
	default:
		(void)buf_adds(b, json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN));
		break;
	}
}

/* Append one cell: the text of member key of o ("-" when absent). */
static void
tb_add(struct table *t, struct json_object *o, const char *key)
{
	struct json_object	*v = NULL;
	struct buf		 b;

	buf_init(&b, 0);
	if (o != NULL && key != NULL)
		(void)json_object_object_get_ex(o, key, &v);
	cell_text(v, &b);
	json_object_array_add(t->t_cells, json_object_new_string_len(
	    b.bf_data != NULL ? b.bf_data : "", (int)b.bf_len));
	buf_free(&b);
}

/* Append one cell of literal text. */
static void
tb_text(struct table *t, const char *s)
{
	json_object_array_add(t->t_cells, json_object_new_string(s));
}

/* Start a table with its header row (NULL-terminated names). */
static void
tb_init(struct table *t, const char *const *head)
{
	t->t_cells = json_object_new_array();
	for (t->t_ncols = 0; head[t->t_ncols] != NULL; t->t_ncols++)
		tb_text(t, head[t->t_ncols]);
}

/* Render and free a table. */
static int
tb_done(struct table *t, struct buf *b)
{
	const char	**cells;
	size_t		  i, n;
	int		  rc = -1;

	n = json_object_array_length(t->t_cells);
	if ((cells = calloc(n + 1, sizeof(*cells))) != NULL) {
		for (i = 0; i < n; i++)
			cells[i] = json_object_get_string(
			    json_object_array_get_idx(t->t_cells, i));
		rc = render_table(b, cells, n / t->t_ncols, t->t_ncols);
		free(cells);
	}
	json_object_put(t->t_cells);
	return rc;
}

/* status as "key  value" lines. */
static int
render_status(struct json_object *o, struct buf *b)
{
	static const char *const keys[] = {
		"pid", "state", "uptime", "config", "socket", "connectors",
		"pipelines", "workers", "control", "verbose", "version",
	};
	static const char *const none[] = { NULL };
	struct json_object	*v, *c;
	struct table		 t;
	char			 s[128];
	size_t			 i;

	tb_init(&t, none);
	t.t_ncols = 2;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		tb_text(&t, keys[i]);
		if (strcmp(keys[i], "uptime") == 0 &&
		    json_object_object_get_ex(o, "uptime", &v)) {
			render_duration(json_object_get_int64(v), s, sizeof(s));
			tb_text(&t, s);
		} else if (strcmp(keys[i], "control") == 0) {
			if (json_object_object_get_ex(o, "control", &c))
				snprintf(s, sizeof(s), "pid %" PRId64 ", %s, "
				    "%d restarts", json_object_get_int64(
				    json_object_object_get(c, "pid")),
				    json_object_get_string(
				    json_object_object_get(c, "state")),
				    json_object_get_int(
				    json_object_object_get(c, "restarts")));
			else
				snprintf(s, sizeof(s), "-");
			tb_text(&t, s);
		} else
			tb_add(&t, o, keys[i]);
	}
	return tb_done(&t, b);
}

/* show connectors */
static int
render_connectors(struct json_object *o, struct buf *b)
{
	static const char *const head[] = { "NAME", "FLOW", "TYPE", "STATE",
		"PID", "UPTIME", "RESTARTS", NULL };
	struct json_object	*list, *c, *v;
	struct table		 t;
	char			 s[64];
	size_t			 i;

	if ((list = jg_arr(o, "connectors")) == NULL)
		return -1;
	tb_init(&t, head);
	for (i = 0; i < json_object_array_length(list); i++) {
		c = json_object_array_get_idx(list, i);
		tb_add(&t, c, "name");
		tb_add(&t, c, "flow");
		tb_add(&t, c, "type");
		tb_add(&t, c, "state");
		if (json_object_get_int64(json_object_object_get(c, "pid")) > 0)
			tb_add(&t, c, "pid");
		else
			tb_text(&t, "-");
		if (json_object_object_get_ex(c, "uptime", &v) && v != NULL) {
			render_duration(json_object_get_int64(v), s, sizeof(s));
			tb_text(&t, s);
		} else
			tb_text(&t, "-");
		tb_add(&t, c, "restarts");
	}
	return tb_done(&t, b);
}

/* show pipelines */
static int
render_pipelines(struct json_object *o, struct buf *b)
{
	static const char *const head[] = { "NAME", "FLOW", "INPUTS",
		"OUTPUTS", "EVALUATED-IN", NULL };
	struct json_object	*list, *p;
	struct table		 t;
	size_t			 i;

	if ((list = jg_arr(o, "pipelines")) == NULL)
		return -1;
	tb_init(&t, head);
	for (i = 0; i < json_object_array_length(list); i++) {
		p = json_object_array_get_idx(list, i);
		tb_add(&t, p, "name");
		tb_add(&t, p, "flow");
		tb_add(&t, p, "inputs");
		tb_add(&t, p, "outputs");
		tb_add(&t, p, "evaluated_in");
	}
	return tb_done(&t, b);
}

/* "key=value" pairs of a connector's own counters, nested keys dotted. */
static void
render_extra(struct json_object *o, const char *prefix, struct buf *b)
{
	char	 key[256];

	json_object_object_foreach(o, k, v) {
		snprintf(key, sizeof(key), "%s%s%s", prefix,
		    *prefix != '\0' ? "." : "", k);
		if (json_object_is_type(v, json_type_object)) {
			render_extra(v, key, b);
			continue;
		}
		(void)buf_printf(b, " %s=", key);
		cell_text(v, b);
	}
}

/* show stats: connectors, routes, then each connector's own counters. */
static int
render_stats(struct json_object *o, struct buf *b)
{
	static const char *const chead[] = { "CONNECTOR", "TYPE", "STATE",
		"EVENTS-IN", "EVENTS-OUT", "ERRORS", "DROPPED", "BYTES-IN",
		"BYTES-OUT", NULL };
	static const char *const rhead[] = { "ROUTE", "FROM", "TO", "SENT",
		"RECEIVED", "DROPPED", "BYTES", "QUEUED", "PAUSED", NULL };
	static const char *const counters[] = { "events_in", "events_out",
		"errors", "dropped", "bytes_in", "bytes_out" };
	struct json_object	*list, *routes, *c, *st, *x;
	struct table		 t;
	char			 s[64];
	size_t			 i, j;
	long long		 dropped;
	int			 first = 1;

	if (statsum_instances(o) == -1 ||
	    (list = jg_arr(o, "connectors")) == NULL ||
	    (routes = jg_arr(o, "routes")) == NULL)
		return -1;
	tb_init(&t, chead);
	for (i = 0; i < json_object_array_length(list); i++) {
		c = json_object_array_get_idx(list, i);
		st = json_object_object_get(c, "stats");
		tb_add(&t, c, "name");
		tb_add(&t, c, "type");
		tb_add(&t, c, "state");
		for (j = 0; j < sizeof(counters) / sizeof(counters[0]); j++)
			tb_add(&t, st, counters[j]);
	}
	if (tb_done(&t, b) == -1)
		return -1;
	if (json_object_array_length(routes) > 0) {
		(void)buf_adds(b, "\n");
		tb_init(&t, rhead);
		for (i = 0; i < json_object_array_length(routes); i++) {
			c = json_object_array_get_idx(routes, i);
			tb_add(&t, c, "id");
			tb_add(&t, c, "from");
			tb_add(&t, c, "to");
			tb_add(&t, c, "sent");
			tb_add(&t, c, "received");
			dropped = json_object_get_int64(json_object_object_get(
			    c, "dropped_sending")) + json_object_get_int64(
			    json_object_object_get(c, "dropped_receiving"));
			snprintf(s, sizeof(s), "%lld", dropped);
			tb_text(&t, s);
			tb_add(&t, c, "bytes");
			tb_add(&t, c, "queued");
			tb_add(&t, c, "paused");
		}
		if (tb_done(&t, b) == -1)
			return -1;
	}
	for (i = 0; i < json_object_array_length(list); i++) {
		c = json_object_array_get_idx(list, i);
		st = json_object_object_get(c, "stats");
		if (!json_object_object_get_ex(st, "connector", &x) ||
		    !json_object_is_type(x, json_type_object) ||
		    json_object_object_length(x) == 0)
			continue;
		(void)buf_printf(b, "%s%s:", first ? "\n" : "",
		    json_object_get_string(json_object_object_get(c, "name")));
		render_extra(x, "", b);
		(void)buf_adds(b, "\n");
		first = 0;
	}
	return 0;
}

/* The text form of a successful reply. */
int
render_reply(enum ctl_cmd cmd, struct json_object *o, struct buf *b,
    char *err, size_t errlen)
{
	struct json_object	*v;
	int			 rc = 0;

	switch (cmd) {
	case CTL_STATUS:
		rc = render_status(o, b);
		break;
	case CTL_SHOW_CONNECTORS:
		rc = render_connectors(o, b);
		break;
	case CTL_SHOW_PIPELINES:
		rc = render_pipelines(o, b);
		break;
	case CTL_SHOW_STATS:
		rc = render_stats(o, b);
		break;
	case CTL_LOG_VERBOSE:
	case CTL_LOG_BRIEF:
		if (!json_object_object_get_ex(o, "verbose", &v))
			rc = -1;
		else
			rc = buf_printf(b, "log level %d (%s)\n",
			    json_object_get_int(v), cmd == CTL_LOG_VERBOSE ?
			    "verbose: debug messages on" : "brief");
		break;
	default:
		if (json_object_object_get_ex(o, "message", &v))
			rc = buf_printf(b, "%s\n", json_object_get_string(v));
		break;
	}
	if (rc == -1)
		snprintf(err, errlen, "malformed reply to %s",
		    ctlproto_name(cmd) != NULL ? ctlproto_name(cmd) : "?");
	return rc;
}
