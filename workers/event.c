/* SPDX-License-Identifier: ISC */
/*
 * The event path inside a worker.  Source side: preprocessors -> codec
 * decode -> metadata -> pipelines (evaluated here, chains included) ->
 * each leaf: a route, the local sink, or the exit connector.  Sink side:
 * route message -> value -> codec encode -> postprocessors -> output.
 *
 * Values travel between workers as the json codec writes them.  A source
 * whose input is already in that form (codec_json_canonical) forwards the
 * input bytes, and a sink writes what came on the route: nothing is parsed
 * unless a pipeline, a json-sorted sink or an exit looks inside.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mcache.h"
#include "pipeline.h"
#include "shard.h"
#include "streams.h"
#include "worker.h"

/* Encoding buffer kept between events; a bigger one is freed. */
#define EV_ENC_KEEP	(1024 * 1024)

/* Context of one trip through a preprocessor chain. */
struct chain {
	struct worker		*c_w;
	struct stab_stream	*c_st;
	struct json_object	*c_meta;
	int			 c_level;
	const char		*c_in;		/* the read, NULL at its end */
	size_t			 c_inlen;
};

struct pipe_ctx {
	struct worker	*pc_w;
	int		 pc_pipe;
	int		 pc_depth;
};

/*
 * An event's value on its way through the worker: a json-c value, or the
 * canonical JSON text of a value that is not a string (what the json codec
 * writes), or the bytes of a string value (ev_raw), built on first need.
 */
struct ev_val {
	struct json_object	*ev_v;		/* valid when ev_parsed */
	const char		*ev_text;	/* NULL: ev_v only */
	size_t			 ev_len;
	int			 ev_raw;	/* ev_text: a string's bytes */
	int			 ev_parsed;
	int			 ev_owned;	/* ev_v is ours to put */
};

static void	ev_deliver(struct worker *, struct json_object *,
		    struct ev_val *, struct json_object *, int);
static void	ev_emit_val(struct worker *, const char *, struct ev_val *,
		    struct json_object *);
static void	ev_sink_val(struct worker *, const char *, struct ev_val *,
		    struct json_object *);
static void	ev_stream_drop(struct worker *, struct stab_stream *);

/* A value that is already built. */
static void
ev_val_obj(struct ev_val *val, struct json_object *v)
{
	memset(val, 0, sizeof(*val));
	val->ev_v = v;
	val->ev_parsed = 1;
}

/* The value itself, parsed from its text on first use; -1 if it cannot. */
static int
ev_val_get(struct worker *w, struct ev_val *val, struct json_object **out)
{
	char	 err[256];

	if (!val->ev_parsed) {
		/* canonical text from our own decoder's input: decodes */
		if (codec_decode(val->ev_raw ? CODEC_BINARY : CODEC_JSON,
		    val->ev_text, val->ev_len, &val->ev_v, err,
		    sizeof(err)) == -1) {
			w->w_cnt.cn_dropped++;
			log_warnx("connector %s: %s, event dropped", w->w_name,
			    err);
			return -1;
		}
		val->ev_parsed = 1;
		val->ev_owned = 1;
	}
	*out = val->ev_v;
	return 0;
}

/* Release what ev_val_get built. */
static void
ev_val_done(struct ev_val *val)
{
	if (val->ev_owned)
		json_object_put(val->ev_v);
	val->ev_owned = 0;
}

/* Parse codec and processors of the connector config. */
int
ev_setup(struct worker *w, char *err, size_t errlen)
{
	struct json_object	*c, *list, *p;
	char			 e[256];
	size_t			 i, n;

	buf_init(&w->w_path.ep_enc, PROC_MAX_PAYLOAD);
	c = jg_obj(w->w_conf, "connector");
	if ((p = jg_get(c, "codec")) != NULL) {
		if (codec_from_spec(p, &w->w_path.ep_codec, e,
		    sizeof(e)) == -1) {
			snprintf(err, errlen, "codec: %s", e);
			return -1;
		}
		w->w_path.ep_has_codec = 1;
	}
	if ((list = jg_arr(c, "preprocessors")) != NULL) {
		n = json_object_array_length(list);
		if (n > WK_MAX_PROCS) {
			snprintf(err, errlen, "too many preprocessors");
			return -1;
		}
		for (i = 0; i < n; i++)
			if (lines_spec_parse(json_object_array_get_idx(list, i),
			    1, &w->w_path.ep_pre[i], e, sizeof(e)) == -1) {
				snprintf(err, errlen, "preprocessor: %s", e);
				return -1;
			}
		w->w_path.ep_npre = n;
	}
	if ((list = jg_arr(c, "postprocessors")) != NULL) {
		n = json_object_array_length(list);
		if (n > WK_MAX_PROCS) {
			snprintf(err, errlen, "too many postprocessors");
			return -1;
		}
		for (i = 0; i < n; i++)
			if (lines_spec_parse(json_object_array_get_idx(list, i),
			    0, &w->w_path.ep_post[i], e, sizeof(e)) == -1) {
				snprintf(err, errlen, "postprocessor: %s", e);
				return -1;
			}
		w->w_path.ep_npost = n;
	}
	return ev_path_set(w, w->w_conf, err, errlen);
}

/* Free n pipeline instances. */
static void
ev_pipes_free(struct wk_pipe *pipes, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		pipeline_free(pipes[i].wp_pipe);
	free(pipes);
}

/*
 * The graph of conf (its "outputs" and "pipelines") becomes the worker's:
 * at setup, and when a reload changes the pipelines the worker evaluates
 * (MSG_PATH).  Pipelines hold no state between events, so the next event
 * takes the new graph.  On error the old graph stays.  conf must outlive
 * the graph (it points into it).
 */
int
ev_path_set(struct worker *w, struct json_object *conf, char *err,
    size_t errlen)
{
	struct json_object	*pipes, *p;
	struct wk_pipe		*np = NULL;
	char			 e[256];
	size_t			 i, n;

	pipes = jg_arr(conf, "pipelines");
	n = pipes != NULL ? json_object_array_length(pipes) : 0;
	if (n > 0 && (np = calloc(n, sizeof(*np))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(pipes, i);
		np[i].wp_outputs = jg_obj(p, "outputs");
		np[i].wp_name = jg_str(jg_obj(p, "compiled"), "name", "");
		np[i].wp_metered = jg_int(jg_obj(p, "compiled"),
		    "metrics_interval_s", 0) > 0;
		np[i].wp_pipe = pipeline_from_json(jg_obj(p, "compiled"), e,
		    sizeof(e));
		if (np[i].wp_pipe == NULL) {
			snprintf(err, errlen, "pipeline: %s", e);
			ev_pipes_free(np, i);
			return -1;
		}
	}
	ev_pipes_free(w->w_path.ep_pipes, w->w_path.ep_npipes);
	w->w_path.ep_pipes = np;
	w->w_path.ep_npipes = n;
	w->w_path.ep_outputs = jg_obj(conf, "outputs");
	w->w_path.ep_out_nodes = jg_arr(w->w_path.ep_outputs, "out");
	w->w_path.ep_err_nodes = jg_arr(w->w_path.ep_outputs, "err");
	return 0;
}

/* stab_foreach: release a live stream's preprocessor chain. */
static void
ev_stream_release(struct stab_stream *st, void *arg)
{
	int	 j;

	(void)arg;
	for (j = 0; j < WK_MAX_PROCS; j++) {
		lines_free(st->ss_pre[j]);
		st->ss_pre[j] = NULL;
	}
}

/* Release what ev_setup built. */
void
ev_teardown(struct worker *w)
{
	int	 i;

	for (i = 0; i < w->w_nroutes; i++)
		mc_clear(&w->w_routes[i].wr_mcache);
	mc_clear(&w->w_path.ep_mcache);
	ev_pipes_free(w->w_path.ep_pipes, w->w_path.ep_npipes);
	w->w_path.ep_pipes = NULL;
	w->w_path.ep_npipes = 0;
	if (w->w_streams != NULL)
		stab_foreach(w->w_streams, ev_stream_release, NULL);
	stab_free(w->w_streams);
	w->w_streams = NULL;
	buf_free(&w->w_path.ep_enc);
	if (w->w_ack_ev != NULL)
		event_free(w->w_ack_ev);
	w->w_ack_ev = NULL;
}

/*
 * The stream table for w_smax live streams, allocated once: after co_setup
 * set w_smax, or by the first stream (it never moves, so stream pointers
 * stay valid).
 */
int
ev_streams_alloc(struct worker *w)
{
	if (w->w_streams == NULL &&
	    (w->w_streams = stab_new(w->w_smax)) == NULL)
		return -1;
	w->w_smax = w->w_streams->sb_max;
	return 0;
}

/* Tremor reads a source only when something is connected to its out
 * port (err alone does not count). */
int
ev_has_output(struct worker *w)
{
	return w->w_path.ep_out_nodes != NULL &&
	    json_object_array_length(w->w_path.ep_out_nodes) > 0;
}

/* May sources produce: every outgoing route up, below high, not paused. */
int
ev_can_emit(struct worker *w)
{
	struct wk_route	*r;
	int		 i;

	for (i = 0; i < w->w_nroutes; i++) {
		r = &w->w_routes[i];
		if (r->wr_end != ROUTE_OUT)
			continue;
		if (r->wr_proc == NULL || r->wr_paused ||
		    proc_over_high(r->wr_proc))
			return 0;
	}
	return 1;
}

/* Find or create the state of a stream (at most w_smax live), a new one
 * with its preprocessor chain. */
static struct stab_stream *
ev_stream(struct worker *w, uint64_t id)
{
	struct stab_stream	*st;
	int			 j, created;

	if (w->w_streams == NULL && ev_streams_alloc(w) == -1)
		return NULL;
	if ((st = stab_get(w->w_streams, id, &created)) == NULL || !created)
		return st;
	for (j = 0; j < w->w_path.ep_npre; j++)
		if ((st->ss_pre[j] = lines_new(&w->w_path.ep_pre[j])) == NULL)
			goto fail;
	return st;
fail:
	ev_stream_drop(w, st);
	return NULL;
}

/* Forget a stream: free its chain, free its slot. */
static void
ev_stream_drop(struct worker *w, struct stab_stream *st)
{
	budget_release_all(&w->w_budget, &st->ss_hold);
	ev_stream_release(st, NULL);
	stab_drop(w->w_streams, st);
}

/* Emit {"error", "source", "stream_id", "pull_id"} on port err. */
static void
ev_error(struct worker *w, struct stab_stream *st, struct json_object *meta,
    const char *msg)
{
	struct json_object	*v, *m;

	w->w_cnt.cn_errors++;
	log_debug("connector %s: stream %llu: %s", w->w_name,
	    (unsigned long long)st->ss_id, msg);
	v = json_object_new_object();
	json_object_object_add(v, "error", json_object_new_string(msg));
	json_object_object_add(v, "source", json_object_new_string(w->w_name));
	json_object_object_add(v, "stream_id",
	    json_object_new_uint64(st->ss_id));
	json_object_object_add(v, "pull_id",
	    json_object_new_uint64(st->ss_pull));
	m = NULL;
	if (meta != NULL)
		json_object_deep_copy(meta, &m, NULL);
	if (m == NULL)
		m = json_object_new_object();
	json_object_object_add(m, "error", json_object_new_string(msg));
	ev_emit(w, "err", v, m);
	json_object_put(v);
	json_object_put(m);
}

/*
 * A line of the read became an event: tell a source that marks input
 * positions where in the read that line ends (with its separator).  A
 * line inside the read is a slice of it; one begun in an earlier read
 * ends at the read's first separator.
 */
static void
ev_input_done(struct chain *c, const char *data, size_t len)
{
	struct worker	*w = c->c_w;
	const char	*in = c->c_in, *sep;
	char		 sc;
	size_t		 end;

	if (w->w_emit.em_done == NULL || w->w_path.ep_npre != 1 || in == NULL)
		return;
	sc = w->w_path.ep_pre[0].ps_separator;
	if (data >= in && data + len <= in + c->c_inlen)
		end = data + len - in;
	else if ((sep = memchr(in, sc, c->c_inlen)) != NULL)
		end = sep - in;
	else
		return;
	if (end < c->c_inlen && in[end] == sc)
		end++;
	w->w_emit.em_done(w, end);
}

/* The last stage of the chain: decode one chunk into one event. */
static int
ev_decode(struct chain *c, const char *data, size_t len)
{
	struct worker		*w = c->c_w;
	struct json_object	*v = NULL;
	struct ev_val		 val;
	char			 err[256];

	if (!w->w_path.ep_has_codec)
		return 0;
	/* Already as the json codec writes it, or binary: pass the bytes
	 * on (binary only fails above INT_MAX: leave that to the codec). */
	if (((w->w_path.ep_codec == CODEC_JSON ||
	    w->w_path.ep_codec == CODEC_JSON_SORTED) &&
	    len > 0 && data[0] != '"' && codec_json_canonical(data, len)) ||
	    (w->w_path.ep_codec == CODEC_BINARY && len <= INT_MAX)) {
		memset(&val, 0, sizeof(val));
		val.ev_text = data;
		val.ev_len = len;
		val.ev_raw = w->w_path.ep_codec == CODEC_BINARY;
		ev_emit_val(w, "out", &val, c->c_meta);
		ev_val_done(&val);
		ev_input_done(c, data, len);
		return 0;
	}
	if (codec_decode(w->w_path.ep_codec, data, len, &v, err,
	    sizeof(err)) == -1) {
		ev_error(w, c->c_st, c->c_meta, err);
		ev_input_done(c, data, len);
		return 0;
	}
	ev_emit(w, "out", v, c->c_meta);
	json_object_put(v);
	ev_input_done(c, data, len);
	return 0;
}

/* lines emit callback: pass a chunk to the next level. */
static int
ev_chain_emit(void *arg, const char *data, size_t len)
{
	struct chain	*c = arg, next;
	char		 err[256];

	if (c->c_level >= c->c_w->w_path.ep_npre)
		return ev_decode(c, data, len);
	next = *c;
	next.c_level++;
	if (next.c_level >= c->c_w->w_path.ep_npre)
		return ev_decode(&next, data, len);
	if (lines_process(next.c_st->ss_pre[next.c_level], data, len,
	    ev_chain_emit, &next, err, sizeof(err)) == -1)
		ev_error(c->c_w, c->c_st, c->c_meta, err);
	return 0;
}

/* max_buffered: a stream's share is what its fragments hold now. */
static void
ev_frag_settle(struct worker *w, struct stab_stream *st)
{
	size_t	 n = 0;
	int	 i;

	for (i = 0; i < w->w_path.ep_npre; i++)
		n += lines_buffered(st->ss_pre[i]);
	budget_track(&w->w_budget, &st->ss_hold, n);
}

/*
 * Bytes arrived on a stream: run them through the chain.  -1 when the
 * worker's budget (max_buffered) cannot take them as an unfinished
 * fragment: they are dropped with an error event, and a connector whose
 * stream is a peer closes it (1009).
 */
int
ev_source_data(struct worker *w, uint64_t stream, const char *data,
    size_t len, struct json_object *meta)
{
	struct stab_stream	*st;
	struct chain		 c;
	char			 err[256];

	w->w_cnt.cn_bytes_in += len;
	if ((st = ev_stream(w, stream)) == NULL) {
		w->w_cnt.cn_dropped++;
		log_warnx("connector %s: too many streams, %zu bytes dropped",
		    w->w_name, len);
		return 0;
	}
	/* Tremor numbers pulls per source from 0; each read is one pull. */
	st->ss_pull = w->w_cnt.cn_pulls++;
	w->w_emit.em_stream = stream;
	c.c_w = w;
	c.c_st = st;
	c.c_meta = meta;
	c.c_level = 0;
	c.c_in = data;
	c.c_inlen = len;
	if (w->w_path.ep_npre == 0) {
		ev_decode(&c, data, len);
		return 0;
	}
	/* Charged before: all of it may stay as a fragment (then settled). */
	if (budget_charge(&w->w_budget, &st->ss_hold, len) == -1) {
		w->w_cnt.cn_dropped++;
		ev_error(w, st, meta, "memory budget of the worker "
		    "(max_buffered) spent: input dropped");
		return -1;
	}
	if (lines_process(st->ss_pre[0], data, len, ev_chain_emit, &c, err,
	    sizeof(err)) == -1)
		ev_error(w, st, meta, err);
	/* The stream may be gone if emitting ended it. */
	if (stab_find(w->w_streams, stream) == st)
		ev_frag_settle(w, st);
	return 0;
}

/* Tell every outgoing route that a stream ended, after its last event. */
static void
ev_stream_end_send(struct worker *w, uint64_t stream)
{
	struct msg_stream_end	 se;
	struct wk_route		*r;
	int			 i;

	memset(&se, 0, sizeof(se));
	se.se_origin = w->w_emit.em_as ? w->w_emit.em_as_origin : w->w_id;
	se.se_stream = w->w_emit.em_as ? w->w_emit.em_as_stream : stream;
	for (i = 0; i < w->w_nroutes; i++) {
		r = &w->w_routes[i];
		if (r->wr_end != ROUTE_OUT || r->wr_proc == NULL)
			continue;
		if (proc_send(r->wr_proc, MSG_STREAM_END, -1, &se,
		    sizeof(se)) == -1)
			log_warn("route %u: stream end", r->wr_id);
	}
}

/* A stream ended: flush each preprocessor level in turn, then forget it. */
void
ev_source_end(struct worker *w, uint64_t stream, struct json_object *meta)
{
	struct stab_stream	*st;
	struct chain		 c;
	int			 i;

	if ((st = ev_stream(w, stream)) == NULL)
		return;
	st->ss_pull = w->w_cnt.cn_pulls++;	/* an end is a pull too */
	w->w_emit.em_stream = stream;
	c.c_w = w;
	c.c_st = st;
	c.c_meta = meta;
	c.c_in = NULL;
	c.c_inlen = 0;
	for (i = 0; i < w->w_path.ep_npre; i++) {
		c.c_level = i;
		(void)lines_finish(st->ss_pre[i], ev_chain_emit, &c);
	}
	ev_stream_drop(w, st);
	ev_stream_end_send(w, stream);
}

/*
 * How many bytes of a stream's input its preprocessors hold unfinished,
 * so that the input before them has become events: 0 for a stream not
 * live; -1 when a chain of several holds something (no position then).
 */
int
ev_source_pending(struct worker *w, uint64_t stream, size_t *rem)
{
	struct stab_stream	*st;
	size_t			 n;
	int			 i;

	*rem = 0;
	if (w->w_streams == NULL ||
	    (st = stab_find(w->w_streams, stream)) == NULL)
		return 0;
	for (i = 0; i < w->w_path.ep_npre; i++) {
		n = lines_pending(st->ss_pre[i]);
		if (n > 0 && w->w_path.ep_npre > 1)
			return -1;
		*rem = n;
	}
	return 0;
}

/* Forget what a stream's preprocessors hold (the source goes back). */
void
ev_source_forget(struct worker *w, uint64_t stream)
{
	struct stab_stream	*st;

	if (w->w_streams != NULL &&
	    (st = stab_find(w->w_streams, stream)) != NULL)
		ev_stream_drop(w, st);
}

/*
 * The nodes of a pipeline output port.  Ports are the selects' own
 * strings, so the last few are cached by pointer.
 */
static struct json_object *
ev_pipe_nodes(struct wk_pipe *wp, const char *port)
{
	struct json_object	*nodes;
	int			 i;

	for (i = 0; i < WK_PIPE_PORTS && wp->wp_cport[i] != NULL; i++)
		if (wp->wp_cport[i] == port)
			return wp->wp_cnodes[i];
	nodes = jg_arr(wp->wp_outputs, port);
	if (i == WK_PIPE_PORTS) {
		memmove(wp->wp_cport, wp->wp_cport + 1,
		    (WK_PIPE_PORTS - 1) * sizeof(wp->wp_cport[0]));
		memmove(wp->wp_cnodes, wp->wp_cnodes + 1,
		    (WK_PIPE_PORTS - 1) * sizeof(wp->wp_cnodes[0]));
		i--;
	}
	wp->wp_cport[i] = port;
	wp->wp_cnodes[i] = nodes;
	return nodes;
}

/* Count an event through a metered pipeline's port (out: leaving it):
 * a few pointer or string comparisons. */
static void
ev_pipe_count(struct wk_pipe *wp, const char *port, int out)
{
	int	 i;

	if (!wp->wp_metered)
		return;
	for (i = 0; i < wp->wp_ncnt; i++)
		if (wp->wp_cnt[i].pc_out == out &&
		    (wp->wp_cnt[i].pc_port == port ||
		    strcmp(wp->wp_cnt[i].pc_port, port) == 0)) {
			wp->wp_cnt[i].pc_n++;
			return;
		}
	if (i == WK_PIPE_COUNTS)
		return;
	wp->wp_cnt[i].pc_port = port;
	wp->wp_cnt[i].pc_out = out;
	wp->wp_cnt[i].pc_n = 1;
	wp->wp_ncnt++;
}

/*
 * The counters of the metered pipelines this worker evaluates, for the
 * metrics connector: "pipeline_metrics": [{"name", "ports": [{"port",
 * "direction" (in|out), "events"}]}]; nothing when none is metered.
 */
void
ev_pipe_stats(struct worker *w, struct json_object *o)
{
	struct wk_pipe		*wp;
	struct json_object	*list = NULL, *p, *ports, *c;
	int			 i, j;

	for (i = 0; i < w->w_path.ep_npipes; i++) {
		wp = &w->w_path.ep_pipes[i];
		if (!wp->wp_metered)
			continue;
		if (list == NULL)
			list = json_object_new_array();
		p = json_object_new_object();
		ports = json_object_new_array();
		json_object_object_add(p, "name",
		    json_object_new_string(wp->wp_name));
		for (j = 0; j < wp->wp_ncnt; j++) {
			c = json_object_new_object();
			json_object_object_add(c, "port",
			    json_object_new_string(wp->wp_cnt[j].pc_port));
			json_object_object_add(c, "direction",
			    json_object_new_string(wp->wp_cnt[j].pc_out ?
			    "out" : "in"));
			json_object_object_add(c, "events",
			    json_object_new_uint64(wp->wp_cnt[j].pc_n));
			json_object_array_add(ports, c);
		}
		json_object_object_add(p, "ports", ports);
		json_object_array_add(list, p);
	}
	if (list != NULL)
		json_object_object_add(o, "pipeline_metrics", list);
}

/* Pipeline output: follow that port's nodes. */
static int
ev_pipe_emit(void *arg, const char *port, struct json_object *v,
    struct json_object *meta)
{
	struct pipe_ctx		*pc = arg;
	struct ev_val		 val;

	ev_pipe_count(&pc->pc_w->w_path.ep_pipes[pc->pc_pipe], port, 1);
	ev_val_obj(&val, v);
	ev_deliver(pc->pc_w, ev_pipe_nodes(
	    &pc->pc_w->w_path.ep_pipes[pc->pc_pipe], port), &val, meta,
	    pc->pc_depth + 1);
	return 0;
}

/* A runtime error inside a select: logged, that event dropped. */
static void
ev_pipe_error(void *arg, const char *msg)
{
	struct pipe_ctx	*pc = arg;

	log_warnx("pipeline %s: %s",
	    pipeline_name(pc->pc_w->w_path.ep_pipes[pc->pc_pipe].wp_pipe), msg);
}

/*
 * Serialise one value for a route into ep_enc: a string value as its raw
 * bytes (EV_STRING), anything else as one line of JSON text written as
 * the json codec writes it, so a sink can take the line as it is.
 */
static int
ev_serialise(struct worker *w, struct ev_val *val, uint32_t *flags)
{
	struct json_object	*v = val->ev_v;

	buf_reset(&w->w_path.ep_enc);
	if (!val->ev_parsed && val->ev_raw) {
		*flags |= EV_STRING;
		return buf_add(&w->w_path.ep_enc, val->ev_text, val->ev_len);
	} else if (!val->ev_parsed) {
		if (buf_add(&w->w_path.ep_enc, val->ev_text, val->ev_len) == -1)
			return -1;
	} else if (json_object_is_type(v, json_type_string)) {
		*flags |= EV_STRING;
		return buf_add(&w->w_path.ep_enc, json_object_get_string(v),
		    json_object_get_string_len(v));
	} else if (codec_json_write(&w->w_path.ep_enc, v, 0) == -1)
		return -1;
	return buf_addc(&w->w_path.ep_enc, '\n');
}

/*
 * The text of an event's metadata for a route.  Metadata objects are not
 * changed once an event carries them (a source builds a connection's
 * metadata once, pipelines pass $ through), so the texts of recent
 * objects are kept, by object, while a reference pins each: events of
 * many connections, interleaved, serialise each connection's once.
 */
static const char *
ev_meta_text(struct worker *w, struct json_object *meta, size_t *len)
{
	const char	*m;

	if ((m = mc_by_obj(&w->w_path.ep_mcache, meta, len)) != NULL)
		return m;
	m = json_object_to_json_string_length(meta, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, len);
	if (m != NULL)
		mc_put_obj(&w->w_path.ep_mcache, meta, m, *len);
	return m;
}

/* Send one event down a route. */
static void
ev_route_send(struct worker *w, uint32_t id, const char *port,
    struct ev_val *val, struct json_object *meta)
{
	struct wk_route		*r = NULL;
	struct msg_event	 ev;
	const char		*m = NULL;
	size_t			 mlen = 0;
	int			 i;

	for (i = 0; i < w->w_nroutes; i++)
		if (w->w_routes[i].wr_id == id &&
		    w->w_routes[i].wr_end == ROUTE_OUT)
			r = &w->w_routes[i];
	if (r == NULL)
		fatalx("route %u unknown", id);
	memset(&ev, 0, sizeof(ev));
	ev.me_origin = w->w_id;
	ev.me_stream = w->w_emit.em_stream;
	if (w->w_emit.em_numbered)
		ev.me_seq = w->w_emit.em_seq;
	if (w->w_emit.em_as) {
		/* a relay answers on behalf of the stream it relays */
		ev.me_origin = w->w_emit.em_as_origin;
		ev.me_stream = w->w_emit.em_as_stream;
	}
	if (json_object_get_boolean(json_object_object_get(meta, "binary")))
		ev.me_flags |= EV_BINARY;
	if (strlcpy(ev.me_port, port, sizeof(ev.me_port)) >=
	    sizeof(ev.me_port)) {
		log_warnx("connector %s: port name too long", w->w_name);
		return;
	}
	if (meta != NULL)
		m = ev_meta_text(w, meta, &mlen);
	if (ev_serialise(w, val, &ev.me_flags) == -1 || (meta != NULL &&
	    m == NULL)) {
		w->w_cnt.cn_dropped++;
		log_warnx("connector %s: event too large for a route, dropped",
		    w->w_name);
		return;
	}
	ev.me_value_len = w->w_path.ep_enc.bf_len;
	ev.me_meta_len = mlen;
	/* max_buffered: what the route queues is charged before */
	if (r->wr_proc != NULL && budget_charge(&w->w_budget, &r->wr_hold,
	    sizeof(ev) + ev.me_value_len + mlen + 64) == -1) {
		r->wr_dropped++;
		w->w_cnt.cn_dropped++;
		if (r->wr_dropped <= 10 || r->wr_dropped % 1000 == 0)
			log_warnx("connector %s: route %u: memory budget "
			    "(max_buffered %zu bytes) spent, event dropped "
			    "(%llu so far)", w->w_name, r->wr_id,
			    w->w_budget.bg_limit,
			    (unsigned long long)r->wr_dropped);
	} else if (r->wr_proc == NULL || proto_event_send(r->wr_proc, &ev,
	    w->w_path.ep_enc.bf_data, m) == -1) {
		r->wr_dropped++;
		w->w_cnt.cn_dropped++;
		log_warnx("connector %s: route %u to connector %u %s, "
		    "event dropped (%llu so far)", w->w_name, r->wr_id,
		    r->wr_peer, r->wr_proc == NULL ? "is down" : strerror(errno),
		    (unsigned long long)r->wr_dropped);
	} else {
		r->wr_events++;
		r->wr_seq++;
		r->wr_bytes += ev.me_value_len + ev.me_meta_len;
		w->w_cnt.cn_events_out++;
	}
	if (w->w_path.ep_enc.bf_cap > EV_ENC_KEEP)
		buf_free(&w->w_path.ep_enc);
	ev_route_settle(w, r);
}

/*
 * Send one event to the instances of a connector (a "routes" node): an
 * event that answers for a stream of one of them (a relay's answer, an
 * event of that instance's own) only to that one, whose worker is the
 * route's peer; any other to each of them, or, into a relay's instances
 * (by_stream), to the one owning its stream (common/shard), which opens
 * and keeps that stream's upstream connection.
 */
static void
ev_routes_send(struct worker *w, struct json_object *ids, int by_stream,
    const char *port, struct ev_val *val, struct json_object *meta)
{
	uint32_t	 origin, id;
	uint64_t	 stream;
	size_t		 i, n;
	int		 j;

	origin = w->w_emit.em_as ? w->w_emit.em_as_origin : w->w_id;
	stream = w->w_emit.em_as ? w->w_emit.em_as_stream :
	    w->w_emit.em_stream;
	n = json_object_array_length(ids);
	for (i = 0; i < n; i++) {
		id = (uint32_t)json_object_get_int(
		    json_object_array_get_idx(ids, i));
		for (j = 0; j < w->w_nroutes; j++)
			if (w->w_routes[j].wr_id == id &&
			    w->w_routes[j].wr_end == ROUTE_OUT &&
			    w->w_routes[j].wr_peer == origin) {
				ev_route_send(w, id, port, val, meta);
				return;
			}
	}
	if (by_stream && n > 0) {
		i = (size_t)shard_pick(origin, stream, (int)n);
		ev_route_send(w, (uint32_t)json_object_get_int(
		    json_object_array_get_idx(ids, i)), port, val, meta);
		return;
	}
	for (i = 0; i < n; i++)
		ev_route_send(w, (uint32_t)json_object_get_int(
		    json_object_array_get_idx(ids, i)), port, val, meta);
}

/* max_buffered: a route's share is what it has queued now. */
void
ev_route_settle(struct worker *w, struct wk_route *r)
{
	budget_track(&w->w_budget, &r->wr_hold, r->wr_proc != NULL ?
	    proc_pending(r->wr_proc) : 0);
}

/* An event reached the exit connector: ask the supervisor to stop. */
static void
ev_exit(struct worker *w, struct json_object *cfg, struct json_object *v)
{
	struct msg_exit		 mx;
	struct json_object	*o;

	if (w->w_life.lf_exit_sent)
		return;
	w->w_life.lf_exit_sent = 1;
	memset(&mx, 0, sizeof(mx));
	mx.mx_graceful = 1;
	if (jg_int(cfg, "delay", 0) > 0)
		mx.mx_delay_ns = jg_int(cfg, "delay", 0);
	mx.mx_graceful = jg_bool(cfg, "graceful", 1);
	if (json_object_is_type(v, json_type_object)) {
		if (json_object_object_get_ex(v, "delay", &o) &&
		    json_object_is_type(o, json_type_int) &&
		    json_object_get_int64(o) >= 0)
			mx.mx_delay_ns = json_object_get_int64(o);
		if (json_object_object_get_ex(v, "graceful", &o) &&
		    json_object_is_type(o, json_type_boolean))
			mx.mx_graceful = json_object_get_boolean(o);
		if (json_object_object_get_ex(v, "exit", &o) &&
		    json_object_is_type(o, json_type_int))
			mx.mx_code = (int32_t)json_object_get_int(o);
	}
	log_debug("connector %s: exit requested (code %d, delay %llu ns, %s)",
	    w->w_name, mx.mx_code, (unsigned long long)mx.mx_delay_ns,
	    mx.mx_graceful ? "graceful" : "immediate");
	if (proc_send(w->w_ctl, MSG_EXIT_REQ, -1, &mx, sizeof(mx)) == -1)
		fatal("%s: send", __func__);
}

#define EV_PASS_MAX	4	/* selects of a passthrough pipeline port */

/* A node of an outputs list, read once from its record and kept on it. */
struct ev_node {
	enum { EN_NONE, EN_PIPELINE, EN_ROUTE, EN_ROUTES, EN_LOCAL,
	    EN_EXIT } en_kind;
	int			 en_id;
	struct json_object	*en_routes;	/* EN_ROUTES: route ids */
	int			 en_by_stream;	/* EN_ROUTES: one per stream */
	const char		*en_port;
	struct json_object	*en_exit;	/* the exit config */
	/* A pipeline whose selects on en_port all pass events unchanged:
	 * the nodes of their output ports, in order (en_npass -1: not). */
	int			 en_npass;
	struct json_object	*en_pass[EV_PASS_MAX];
	const char		*en_passport[EV_PASS_MAX];
};

/* json-c userdata destructor of a cached node. */
static void
ev_node_free(struct json_object *o, void *ud)
{
	(void)o;
	free(ud);
}

/*
 * The compiled form of a node record: cached as the record's userdata
 * (the worker's config does not change while it runs), so delivering an
 * event costs no hash lookups; in tmp when there is no memory for that.
 */
static const struct ev_node *
ev_node(struct worker *w, struct json_object *node, struct ev_node *tmp)
{
	struct ev_node		*en;
	struct json_object	*o;
	const char		*into[EV_PASS_MAX];
	int			 i;

	if ((en = json_object_get_userdata(node)) != NULL)
		return en;
	memset(tmp, 0, sizeof(*tmp));
	tmp->en_port = jg_str(node, "port", NULL);
	tmp->en_npass = -1;
	if ((o = jg_get(node, "pipeline")) != NULL) {
		tmp->en_kind = EN_PIPELINE;
		tmp->en_id = json_object_get_int(o);
		if (tmp->en_id < 0 || tmp->en_id >= w->w_path.ep_npipes)
			fatalx("pipeline %d unknown", tmp->en_id);
		tmp->en_npass = pipeline_passthrough(
		    w->w_path.ep_pipes[tmp->en_id].wp_pipe,
		    tmp->en_port != NULL ? tmp->en_port : "", into,
		    EV_PASS_MAX);
		for (i = 0; i < tmp->en_npass; i++) {
			tmp->en_pass[i] = jg_arr(
			    w->w_path.ep_pipes[tmp->en_id].wp_outputs, into[i]);
			tmp->en_passport[i] = into[i];
		}
	} else if ((o = jg_get(node, "route")) != NULL) {
		tmp->en_kind = EN_ROUTE;
		tmp->en_id = json_object_get_int(o);
	} else if ((o = jg_arr(node, "routes")) != NULL) {
		tmp->en_kind = EN_ROUTES;
		tmp->en_routes = o;
		tmp->en_by_stream = jg_bool(node, "by_stream", 0);
	} else if (jg_bool(node, "local", 0))
		tmp->en_kind = EN_LOCAL;
	else if ((o = jg_obj(node, "exit")) != NULL) {
		tmp->en_kind = EN_EXIT;
		tmp->en_exit = o;
	}
	if (!json_object_is_type(node, json_type_object) ||
	    (en = malloc(sizeof(*en))) == NULL)
		return tmp;
	*en = *tmp;
	json_object_set_userdata(node, en, ev_node_free);
	return en;
}

/* Hand a value to every node of a list. */
static void
ev_deliver(struct worker *w, struct json_object *nodes, struct ev_val *val,
    struct json_object *meta, int depth)
{
	const struct ev_node	*en;
	struct ev_node		 tmp;
	struct pipe_ctx		 pc;
	struct wk_pipe		*wp;
	struct json_object	*v;
	size_t			 i, n;
	int			 j;

	if (nodes == NULL)
		return;
	if (depth > WK_MAX_DEPTH) {
		w->w_cnt.cn_dropped++;
		log_warnx("connector %s: pipelines nested too deep, "
		    "event dropped", w->w_name);
		return;
	}
	n = json_object_array_length(nodes);
	for (i = 0; i < n; i++) {
		en = ev_node(w, json_object_array_get_idx(nodes, i), &tmp);
		switch (en->en_kind) {
		case EN_PIPELINE:
			wp = &w->w_path.ep_pipes[en->en_id];
			ev_pipe_count(wp, en->en_port != NULL ? en->en_port :
			    "in", 0);
			/* `select event` only: what it would emit, unparsed */
			for (j = 0; j < en->en_npass; j++) {
				ev_pipe_count(wp, en->en_passport[j], 1);
				ev_deliver(w, en->en_pass[j], val, meta,
				    depth + 1);
			}
			if (en->en_npass >= 0)
				break;
			if (ev_val_get(w, val, &v) == -1)
				return;
			pc.pc_w = w;
			pc.pc_pipe = en->en_id;
			pc.pc_depth = depth;
			(void)pipeline_run(
			    w->w_path.ep_pipes[pc.pc_pipe].wp_pipe,
			    en->en_port, v, meta, ev_pipe_emit, ev_pipe_error,
			    &pc);
			break;
		case EN_ROUTE:
			ev_route_send(w, en->en_id, en->en_port, val, meta);
			break;
		case EN_ROUTES:
			ev_routes_send(w, en->en_routes, en->en_by_stream,
			    en->en_port, val, meta);
			break;
		case EN_LOCAL:
			w->w_sink.sk_origin = w->w_id;
			w->w_sink.sk_stream = w->w_emit.em_stream;
			ev_sink_val(w, en->en_port, val, meta);
			break;
		case EN_EXIT:
			if (ev_val_get(w, val, &v) == -1)
				return;
			ev_exit(w, en->en_exit, v);
			break;
		case EN_NONE:
			break;
		}
	}
}

/* Count an event through a port (out: leaving the connector there); the
 * first PROTO_STATS_PORTS ports seen are counted. */
void
ev_count_port(struct worker *w, const char *port, int out)
{
	struct msg_stats_port	*sp;
	uint32_t		 i;

	for (i = 0; i < w->w_cnt.cn_nports; i++) {
		sp = &w->w_cnt.cn_ports[i];
		if (sp->sp_out == (uint32_t)out &&
		    strcmp(sp->sp_port, port) == 0) {
			sp->sp_events++;
			return;
		}
	}
	if (i == PROTO_STATS_PORTS)
		return;
	sp = &w->w_cnt.cn_ports[w->w_cnt.cn_nports++];
	(void)strlcpy(sp->sp_port, port, sizeof(sp->sp_port));
	sp->sp_out = out;
	sp->sp_events = 1;
}

/* An event leaves the connector on one of its output ports. */
static void
ev_emit_val(struct worker *w, const char *port, struct ev_val *val,
    struct json_object *meta)
{
	struct json_object	*nodes;

	w->w_cnt.cn_events_in++;
	ev_count_port(w, port, 1);
	if (w->w_emit.em_numbered)
		w->w_emit.em_seq++;
	if (strcmp(port, "out") == 0)
		nodes = w->w_path.ep_out_nodes;
	else if (strcmp(port, "err") == 0)
		nodes = w->w_path.ep_err_nodes;
	else
		nodes = jg_arr(w->w_path.ep_outputs, port);
	ev_deliver(w, nodes, val, meta, 0);
}

/* An event (a built value) leaves the connector on one of its ports. */
void
ev_emit(struct worker *w, const char *port, struct json_object *v,
    struct json_object *meta)
{
	struct ev_val	 val;

	ev_val_obj(&val, v);
	ev_emit_val(w, port, &val, meta);
}

/* Sink side: encode a built value, postprocess, write. */
void
ev_sink(struct worker *w, const char *port, struct json_object *v,
    struct json_object *meta)
{
	struct ev_val	 val;

	ev_val_obj(&val, v);
	ev_sink_val(w, port, &val, meta);
}

/*
 * Sink side: encode, postprocess, write.  Canonical text is what the
 * json codec writes and, not being a string, what string and binary
 * write too: only json-sorted needs the value.  The bytes of a string
 * are what string and binary write.
 */
static void
ev_sink_val(struct worker *w, const char *port, struct ev_val *val,
    struct json_object *meta)
{
	struct json_object	*v;
	int			 i, r;

	ev_count_port(w, port, 0);
	if (w->w_ops->co_write == NULL || !w->w_path.ep_has_codec) {
		w->w_cnt.cn_dropped++;
		log_warnx("connector %s: not a sink, event dropped", w->w_name);
		return;
	}
	buf_reset(&w->w_path.ep_enc);
	if (!val->ev_parsed && (val->ev_raw ?
	    w->w_path.ep_codec == CODEC_STRING ||
	    w->w_path.ep_codec == CODEC_BINARY :
	    w->w_path.ep_codec != CODEC_JSON_SORTED)) {
		if (buf_add(&w->w_path.ep_enc, val->ev_text, val->ev_len) == -1)
			goto fail;
	} else if (ev_val_get(w, val, &v) == -1)
		return;
	else if (codec_encode(w->w_path.ep_codec, v, &w->w_path.ep_enc) == -1)
		goto fail;
	for (i = 0; i < w->w_path.ep_npost; i++)
		if (lines_post(&w->w_path.ep_post[i], &w->w_path.ep_enc) == -1)
			goto fail;
	w->w_sink.sk_meta = meta;
	r = w->w_ops->co_write(w, port, w->w_path.ep_enc.bf_data,
	    w->w_path.ep_enc.bf_len);
	w->w_sink.sk_meta = NULL;
	if (r == 0) {
		w->w_cnt.cn_events_out++;
		w->w_cnt.cn_bytes_out += w->w_path.ep_enc.bf_len;
	}
	/* A big event's buffer is not kept for the idle worker. */
	if (w->w_path.ep_enc.bf_cap > EV_ENC_KEEP)
		buf_free(&w->w_path.ep_enc);
	return;
fail:
	w->w_cnt.cn_dropped++;
	log_warnx("connector %s: event too large to encode, dropped",
	    w->w_name);
}

/*
 * Parse one JSON text of len bytes (a value line ends in a newline, which
 * also ends a bare number).  One tokener is kept: its depth limit is above
 * what any codec writes, so anything a peer could encode parses here.
 */
int
ev_parse(const char *s, size_t len, struct json_object **out)
{
	static struct json_tokener	*tok;
	struct json_object		*v;
	size_t				 end;

	*out = NULL;
	if (len == 0 || len > INT32_MAX)
		return -1;
	if (tok == NULL && (tok = json_tokener_new_ex(EV_PARSE_DEPTH)) == NULL)
		fatal("%s", __func__);
	json_tokener_reset(tok);
	/* json-c's null is NULL: success is told by the tokener's state. */
	v = json_tokener_parse_ex(tok, s, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(v);
		return -1;
	}
	end = json_tokener_get_parse_end(tok);
	if (end < len && s[end] == '\n')
		end++;
	if (end != len) {
		json_object_put(v);
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * The metadata of an event from a route: a source sends the same text for
 * every event of a connection, so the texts parsed on each route are kept,
 * by text, with their objects (sinks only read metadata).
 */
static int
ev_meta_parse(struct wk_route *r, const char *s, size_t len,
    struct json_object **out)
{
	if ((*out = mc_by_text(&r->wr_mcache, s, len)) != NULL)
		return 0;
	if (ev_parse(s, len, out) == -1)
		return -1;
	mc_put_text(&r->wr_mcache, *out, s, len);
	return 0;
}

/* Acknowledge what the incoming routes delivered (now: and push it out,
 * the sink is about to wait).  Nothing while the sink is paused: what it
 * holds then is not written yet. */
void
ev_ack_flush(struct worker *w, int now)
{
	struct msg_ack	 ma;
	struct wk_route	*r;
	int		 i, owed = 0;

	if (w->w_life.lf_inputs_paused)
		return;
	for (i = 0; i < w->w_nroutes; i++) {
		r = &w->w_routes[i];
		if (r->wr_end != ROUTE_IN || r->wr_proc == NULL)
			continue;
		memset(&ma, 0, sizeof(ma));
		ma.ma_seq = r->wr_seq;
		if (r->wr_seq != r->wr_acked && proc_send(r->wr_proc, MSG_ACK,
		    -1, &ma, sizeof(ma)) == 0)
			r->wr_acked = r->wr_seq;
		if (r->wr_seq != r->wr_acked)
			owed = 1;
		/* earlier ones may still be queued too */
		if (now && proc_pending(r->wr_proc) > 0)
			(void)proc_flush(r->wr_proc);
	}
	/* all said: the timer would only send a small batch after this one
	 * (while events flow, one message per batch) */
	if (!owed && w->w_ack_ev != NULL)
		evtimer_del(w->w_ack_ev);
}

/* The acknowledgement timer: what came since it was set. */
static void
ev_ack_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ev_ack_flush(arg, 0);
}

/* One more event handled on an incoming route: acknowledge a batch now,
 * less within WK_ACK_MS of its first event (one message per batch). */
static void
ev_ack_due(struct worker *w, struct wk_route *r)
{
	static const struct timeval	 soon = { 0, WK_ACK_MS * 1000 };

	r->wr_seq++;
	if (r->wr_seq - r->wr_acked >= WK_ACK_BATCH) {
		ev_ack_flush(w, 0);
		return;
	}
	if (w->w_ack_ev == NULL &&
	    (w->w_ack_ev = evtimer_new(w->w_base, ev_ack_timer, w)) == NULL)
		fatal("%s", __func__);
	if (!evtimer_pending(w->w_ack_ev, NULL))
		evtimer_add(w->w_ack_ev, &soon);
}

/*
 * A route end was wired again.  In: its sequence starts again.  Out:
 * what the old consumer never acknowledged is replayed by a source that
 * can, else counted lost; the sequence starts again.
 */
void
ev_route_rewired(struct worker *w, struct wk_route *r)
{
	uint64_t	 n = r->wr_seq - r->wr_acked;

	r->wr_seq = 0;
	r->wr_acked = 0;
	if (r->wr_end != ROUTE_OUT)
		return;
	if (w->w_ops != NULL && w->w_ops->co_rewind != NULL &&
	    w->w_ops->co_rewind(w, r, n))
		return;
	if (n == 0)
		return;
	r->wr_lost += n;
	w->w_cnt.cn_lost += n;
	log_warnx("connector %s: route %u to connector %u: %llu events "
	    "never acknowledged, counted lost (%llu so far)", w->w_name,
	    r->wr_id, r->wr_peer, (unsigned long long)n,
	    (unsigned long long)r->wr_lost);
}

/* A message arrived on a route this worker consumes (or contraflow). */
void
ev_route_msg(struct worker *w, struct wk_route *r, const struct proc_msg *m)
{
	struct proto_event	 pe;
	struct msg_stream_end	 se;
	struct msg_ack		 ma;
	struct json_object	*v = NULL, *meta = NULL;
	struct ev_val		 val;
	char			 err[128];
	int			 ok, text, raw;

	switch (m->pm_type) {
	case MSG_PAUSE:
	case MSG_RESUME:
		if (r->wr_end != ROUTE_OUT || m->pm_len != 0)
			goto bad;
		r->wr_paused = m->pm_type == MSG_PAUSE;
		log_debug("route %u: %s by connector %u", r->wr_id,
		    r->wr_paused ? "paused" : "resumed", r->wr_peer);
		if (!r->wr_paused && w->w_ops->co_kick != NULL)
			w->w_ops->co_kick(w);
		return;
	case MSG_ACK:
		if (r->wr_end != ROUTE_OUT || proc_get(m, &ma, sizeof(ma)) == -1)
			goto bad;
		if (ma.ma_seq > r->wr_seq)
			fatalx("route %u: %llu events acknowledged, %llu sent",
			    r->wr_id, (unsigned long long)ma.ma_seq,
			    (unsigned long long)r->wr_seq);
		if (ma.ma_seq <= r->wr_acked)
			return;
		r->wr_acked = ma.ma_seq;
		if (w->w_ops->co_acked != NULL)
			w->w_ops->co_acked(w, r);
		return;
	case MSG_STREAM_END:
		if (r->wr_end != ROUTE_IN || m->pm_len != sizeof(se))
			goto bad;
		memcpy(&se, m->pm_data, sizeof(se));
		if (w->w_ops->co_stream_end != NULL)
			w->w_ops->co_stream_end(w, se.se_origin, se.se_stream);
		return;
	case MSG_EVENT:
		if (r->wr_end != ROUTE_IN)
			goto bad;
		if (proto_event_parse(m, &pe, err, sizeof(err)) == -1)
			fatalx("route %u: %s", r->wr_id, err);
		ok = 0;
		/* JSON text as the json codec writes it: no need to parse
		 * unless the sink sorts keys */
		text = !(pe.pe_hdr.me_flags & EV_STRING) &&
		    w->w_path.ep_has_codec &&
		    w->w_path.ep_codec != CODEC_JSON_SORTED &&
		    pe.pe_hdr.me_value_len > 1 &&
		    pe.pe_value[pe.pe_hdr.me_value_len - 1] == '\n';
		/* nor a string's bytes, for a sink writing them as they are */
		raw = (pe.pe_hdr.me_flags & EV_STRING) &&
		    w->w_path.ep_has_codec &&
		    (w->w_path.ep_codec == CODEC_STRING ||
		    w->w_path.ep_codec == CODEC_BINARY);
		if (text || raw) {
			memset(&val, 0, sizeof(val));
			val.ev_text = pe.pe_value;
			val.ev_len = pe.pe_hdr.me_value_len - (text ? 1 : 0);
			val.ev_raw = raw;
		} else if (pe.pe_hdr.me_flags & EV_STRING) {
			if ((v = json_object_new_string_len(pe.pe_value,
			    (int)pe.pe_hdr.me_value_len)) == NULL)
				ok = -1;
		} else
			ok = ev_parse(pe.pe_value, pe.pe_hdr.me_value_len, &v);
		if (ok == 0 && pe.pe_hdr.me_meta_len > 0)
			ok = ev_meta_parse(r, pe.pe_meta, pe.pe_hdr.me_meta_len,
			    &meta);
		if (ok == -1) {
			/* Well framed but unreadable: drop that event only. */
			r->wr_dropped++;
			w->w_cnt.cn_dropped++;
			log_warnx("route %u: event from connector %u is not "
			    "valid JSON, dropped", r->wr_id,
			    pe.pe_hdr.me_origin);
			json_object_put(v);
			json_object_put(meta);
			ev_ack_due(w, r);
			return;
		}
		/* numbered no higher than one handled: a source replays */
		if (pe.pe_hdr.me_seq != 0) {
			if (pe.pe_hdr.me_seq <= r->wr_high) {
				r->wr_dups++;
				w->w_cnt.cn_duplicates++;
			} else
				r->wr_high = pe.pe_hdr.me_seq;
		}
		r->wr_events++;
		r->wr_bytes += pe.pe_hdr.me_value_len + pe.pe_hdr.me_meta_len;
		w->w_cnt.cn_events_in++;
		w->w_sink.sk_origin = pe.pe_hdr.me_origin;
		w->w_sink.sk_stream = pe.pe_hdr.me_stream;
		if (!text && !raw)
			ev_val_obj(&val, v);
		ev_sink_val(w, pe.pe_hdr.me_port, &val, meta);
		json_object_put(v);
		json_object_put(meta);
		ev_ack_due(w, r);
		return;
	default:
		break;
	}
bad:
	fatalx("route %u: unexpected %s", r->wr_id, proto_msg_name(m->pm_type));
}

/* Stop (or resume) reading events from incoming routes: a sink whose
 * output is full pushes back on the routes' socket buffers. */
void
ev_read_inputs(struct worker *w, int on)
{
	int	 i;

	w->w_life.lf_in_noread = !on;
	for (i = 0; i < w->w_nroutes; i++)
		if (w->w_routes[i].wr_end == ROUTE_IN &&
		    w->w_routes[i].wr_proc != NULL)
			proc_read_enable(w->w_routes[i].wr_proc,
			    on && !w->w_life.lf_inputs_paused &&
			    w->w_life.lf_started);
}
