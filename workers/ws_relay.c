/* SPDX-License-Identifier: ISC */
/*
 * The ws_client connector as a relay ("per_stream": true): one upstream
 * connection per stream of the events it receives, keyed by the origin
 * connector and stream the route message names (a ws_server client),
 * opened by the first event of that stream, as websocketd starts one
 * process per client.  Messages read from an upstream connection are
 * emitted on behalf of the stream that opened it (worker w_emit), so a
 * ws_server at the end of the flow routes the answers to that client
 * without metadata.  The stream's end (MSG_STREAM_END on the route)
 * closes its connection with 1000; connections idle for idle_timeout_ms
 * are closed too.  At most max_connections exist: events of further
 * streams are counted and dropped.  A connection that fails or is lost
 * concerns its stream only: the reconnect policy is applied per stream
 * (the next event of the stream opens a new connection once its wait is
 * over); a stream whose policy gives up drops its events until it ends.
 * The connector itself never fails.  With unix_socket every attempt
 * asks wsflowd for a connected descriptor, as ws_client.c does.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dial.h"
#include "log.h"
#include "utf8.h"

#define WRL_HOLD_EVENTS		1024	/* per stream, while opening */
#define WRL_HOLD_BYTES		(1024U * 1024)	/* per stream */
#define WRL_HOLD_TOTAL		(16U * 1024 * 1024)	/* all streams */
#define WRL_OUT_HIGH		(1024U * 1024)	/* stop reading routes */
#define WRL_BUCKETS		8192		/* hash of live streams */
#define WRL_MAX_CONN		1024		/* default */
#define WRL_SWEEP_MIN_MS	100
#define WRL_IDLE_MS		600000		/* default idle_timeout_ms */

enum wrl_ustate {
	WU_IDLE,	/* no connection, nothing held (after a loss) */
	WU_WAIT,	/* events held, the attempt timer is armed */
	WU_RESOLVE,	/* waiting for the supervisor's name lookup, or
			 * for its connected unix_socket (u_dial) */
	WU_CONNECTING,	/* TCP, TLS, upgrade */
	WU_OPEN,
	WU_FAILED,	/* the policy gave up: events dropped until the end */
};

struct wrl_state;

/* One relayed stream and its upstream connection. */
struct wrl_up {
	struct wrl_up		*u_hnext;	/* hash chain, while keyed */
	TAILQ_ENTRY(wrl_up)	 u_all;
	struct wrl_state	*u_rs;
	uint32_t		 u_origin;	/* the stream it relays */
	uint64_t		 u_stream;
	int			 u_keyed;	/* in the hash */
	int			 u_ended;	/* close once flushed */
	enum wrl_ustate		 u_state;
	struct wsconn		*u_ws;
	int			 u_addr;	/* address being tried */
	uint32_t		 u_dial;	/* unix_socket asked for, 0:
						 * not */
	int			 u_full;	/* output over WRL_OUT_HIGH */
	uint64_t		 u_local;	/* our stream id for its input */
	struct backoff		 u_bo;
	uint64_t		 u_retry_at;	/* ms, after a loss */
	uint64_t		 u_last;	/* ms of the last activity */
	struct event		*u_timer;
	struct hq_queue		 u_q;		/* held while opening */
	struct json_object	*u_meta, *u_meta_bin;
};

TAILQ_HEAD(wrl_list, wrl_up);

struct wrl_state {
	struct worker		*rs_w;
	struct dl_target	 rs_tg;
	size_t			 rs_max;
	uint64_t		 rs_idle_ms;	/* 0: never */
	struct wrl_up		*rs_hash[WRL_BUCKETS];
	struct wrl_up		*rs_last;	/* last looked up */
	struct wrl_list		 rs_ups;
	size_t			 rs_nups, rs_nopen, rs_nfull;
	size_t			 rs_held_bytes;
	uint64_t		 rs_next_local;
	int			 rs_paused;	/* reading upstream paused */
	int			 rs_closing;	/* co_drain ran */
	int			 rs_in_drain;	/* inside co_drain's loop */
	struct event		*rs_sweep;
	/* names: resolved once, again after every address failed */
	struct dl_resolver	 rs_res;
	uint32_t		 rs_dial_id;	/* last unix_socket request */
	/* metadata of the connections to one address, shared by them */
	struct dl_meta		 rs_meta;
	/* counters (show stats) */
	uint64_t		 rs_opened;	/* upstream connections */
	uint64_t		 rs_lost;	/* open ones that ended early */
	uint64_t		 rs_failed;	/* attempts that failed */
	uint64_t		 rs_gave_up;	/* streams given up on */
	uint64_t		 rs_over_limit;	/* events past max_connections */
	uint64_t		 rs_dropped;
};

static struct wrl_state	 wrl;

static void	wrl_attempt(struct wrl_up *);
static void	wrl_flush(struct wrl_up *);
static void	wrl_up_free(struct wrl_up *);

/* Milliseconds of the loop's clock. */
static uint64_t
wrl_now(struct wrl_state *rs)
{
	struct timeval	 tv;

	event_base_gettimeofday_cached(rs->rs_w->w_base, &tv);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/* Count and log one event that cannot be delivered. */
static void
wrl_drop(struct wrl_state *rs, const char *why)
{
	dl_drop(rs->rs_w, &rs->rs_dropped, why);
}

/* Hash bucket of a stream. */
static size_t
wrl_bucket(uint32_t origin, uint64_t stream)
{
	uint64_t	 h;

	h = (stream ^ ((uint64_t)origin << 32)) * 0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> 40) % WRL_BUCKETS;
}

/* The upstream of a stream, or NULL. */
static struct wrl_up *
wrl_lookup(struct wrl_state *rs, uint32_t origin, uint64_t stream)
{
	struct wrl_up	*u = rs->rs_last;

	if (u != NULL && u->u_origin == origin && u->u_stream == stream)
		return u;
	for (u = rs->rs_hash[wrl_bucket(origin, stream)]; u != NULL;
	    u = u->u_hnext)
		if (u->u_origin == origin && u->u_stream == stream)
			break;
	if (u != NULL)
		rs->rs_last = u;
	return u;
}

/* Take an upstream out of the hash: its stream ended or it idled out. */
static void
wrl_unkey(struct wrl_up *u)
{
	struct wrl_state	*rs = u->u_rs;
	struct wrl_up		**pp;

	if (rs->rs_last == u)
		rs->rs_last = NULL;
	if (!u->u_keyed)
		return;
	u->u_keyed = 0;
	for (pp = &rs->rs_hash[wrl_bucket(u->u_origin, u->u_stream)];
	    *pp != NULL; pp = &(*pp)->u_hnext)
		if (*pp == u) {
			*pp = u->u_hnext;
			break;
		}
}

/* Forget a stream's held events, counting them as dropped. */
static void
wrl_drop_held(struct wrl_up *u, const char *why)
{
	struct wrl_state	*rs = u->u_rs;
	size_t			 n;

	rs->rs_held_bytes -= u->u_q.q_bytes;
	if ((n = hq_clear(&u->u_q)) > 0) {
		rs->rs_dropped += n;
		rs->rs_w->w_cnt.cn_dropped += n;
		log_warnx("connector %s: stream %llu of connector %u: %zu "
		    "held events dropped: %s", rs->rs_w->w_name,
		    (unsigned long long)u->u_stream, u->u_origin, n, why);
	}
}

/* Keep an event of a stream until its connection is open. */
static int
wrl_hold(struct wrl_up *u, int binary, const char *data, size_t len)
{
	struct wrl_state	*rs = u->u_rs;

	if (u->u_q.q_n >= WRL_HOLD_EVENTS ||
	    u->u_q.q_bytes + len > WRL_HOLD_BYTES ||
	    rs->rs_held_bytes + len > WRL_HOLD_TOTAL) {
		wrl_drop(rs, "too many events held while connecting");
		return -1;
	}
	switch (hq_push(&u->u_q, binary, data, len)) {
	case -2:
		wrl_drop(rs, "memory budget of the worker (max_buffered) spent");
		return -1;
	case -1:
		wrl_drop(rs, "out of memory");
		return -1;
	}
	rs->rs_held_bytes += len;
	return 0;
}

/* Track one connection's output crossing the high mark; the routes are
 * read only while no connection is over it. */
static void
wrl_full(struct wrl_up *u, int full)
{
	struct wrl_state	*rs = u->u_rs;

	if (u->u_full == full)
		return;
	u->u_full = full;
	if (full) {
		if (rs->rs_nfull++ == 0)
			ev_read_inputs(rs->rs_w, 0);
	} else if (--rs->rs_nfull == 0)
		ev_read_inputs(rs->rs_w, 1);
}

/* Start the closing handshake (code 1000 or 1001) once the held events
 * are out; a stream without a connection is freed at once. */
static void
wrl_finish_up(struct wrl_up *u, uint16_t code, const char *why)
{
	u->u_ended = 1;
	wrl_unkey(u);
	switch (u->u_state) {
	case WU_OPEN:
		wrl_flush(u);
		if (u->u_ws != NULL && wsconn_is_open(u->u_ws))
			wsconn_close(u->u_ws, code, why);
		break;
	case WU_CONNECTING:
		break;		/* wrl_open or wrl_closed decides */
	default:
		wrl_drop_held(u, why);
		wrl_up_free(u);
		break;
	}
}

/* Tell the worker the drain may be over. */
static void
wrl_check_drain(struct wrl_state *rs)
{
	if (rs->rs_closing && !rs->rs_in_drain && rs->rs_nups == 0)
		wk_check_drain(rs->rs_w);
}

/* Release one upstream (its connection, if any, without callbacks). */
static void
wrl_up_free(struct wrl_up *u)
{
	struct wrl_state	*rs = u->u_rs;

	wrl_unkey(u);
	wrl_full(u, 0);
	wrl_drop_held(u, "stream released");
	if (u->u_ws != NULL) {
		wsconn_free(u->u_ws);
		u->u_ws = NULL;
	}
	if (u->u_state == WU_OPEN)
		rs->rs_nopen--;
	TAILQ_REMOVE(&rs->rs_ups, u, u_all);
	rs->rs_nups--;
	if (u->u_timer != NULL)
		event_free(u->u_timer);
	json_object_put(u->u_meta);
	json_object_put(u->u_meta_bin);
	free(u);
	wrl_check_drain(rs);
}

/* Emit on behalf of the stream a connection relays. */
static void
wrl_emit_as(struct wrl_up *u, int on)
{
	struct worker	*w = u->u_rs->rs_w;

	w->w_emit.em_as = on;
	w->w_emit.em_as_origin = u->u_origin;
	w->w_emit.em_as_stream = u->u_stream;
}

/* Pause or resume reading every open upstream connection. */
static void
wrl_pause_all(struct wrl_state *rs, int on)
{
	struct wrl_up	*u;

	rs->rs_paused = on;
	TAILQ_FOREACH(u, &rs->rs_ups, u_all)
		if (u->u_state == WU_OPEN && u->u_ws != NULL)
			wsconn_pause(u->u_ws, on);
}

/* A connect attempt of a stream failed: wait and retry, or give up on
 * that stream alone. */
static void
wrl_failed(struct wrl_up *u, const char *why)
{
	struct wrl_state	*rs = u->u_rs;
	struct worker		*w = rs->rs_w;
	uint64_t		 wait;

	rs->rs_failed++;
	u->u_state = WU_IDLE;
	if (u->u_ended || rs->rs_closing) {
		wrl_up_free(u);
		return;
	}
	if (backoff_failed(&u->u_bo, &wait) == -1) {
		rs->rs_gave_up++;
		u->u_state = WU_FAILED;
		log_warnx("connector %s: stream %llu of connector %u: connecting to %s:%u "
		    "failed: %s; giving up on this stream", w->w_name,
		    (unsigned long long)u->u_stream, u->u_origin,
		    rs->rs_tg.tg_url.u_host, rs->rs_tg.tg_url.u_port, why);
		wrl_drop_held(u, "its upstream failed");
		return;
	}
	if (wsconn_often(rs->rs_failed))
		log_warnx("connector %s: stream %llu of connector %u: connecting to %s:%u "
		    "failed: %s; next attempt in %llu ms", w->w_name,
		    (unsigned long long)u->u_stream, u->u_origin,
		    rs->rs_tg.tg_url.u_host, rs->rs_tg.tg_url.u_port, why,
		    (unsigned long long)wait);
	u->u_state = WU_WAIT;
	dl_schedule(u->u_timer, wait);
}

/*
 * The metadata of a connection to sa: every connection to the same
 * address shares one pair of objects (nothing changes them), so the
 * route sends their cached text instead of serialising them per answer.
 */
static void
wrl_meta(struct wrl_up *u, const struct sockaddr_storage *sa,
    const char *protocol)
{
	struct wrl_state	*rs = u->u_rs;

	dl_meta_set(&rs->rs_meta, &rs->rs_tg, sa, protocol);
	json_object_put(u->u_meta);
	json_object_put(u->u_meta_bin);
	u->u_meta = json_object_get(rs->rs_meta.dm_text);
	u->u_meta_bin = json_object_get(rs->rs_meta.dm_bin);
}

/* Connected: name the peer, send what the stream holds. */
static void
wrl_open(struct wsconn *ws, void *arg)
{
	struct wrl_up		*u = arg;
	struct wrl_state	*rs = u->u_rs;

	u->u_state = WU_OPEN;
	rs->rs_nopen++;
	rs->rs_opened++;
	u->u_local = ++rs->rs_next_local;
	u->u_last = wrl_now(rs);
	backoff_success(&u->u_bo);
	wrl_meta(u, &rs->rs_res.rv_addrs[u->u_addr].pa_addr,
	    wsconn_protocol(ws));
	log_debug("connector %s: stream %llu of connector %u: connected to %s",
	    rs->rs_w->w_name, (unsigned long long)u->u_stream, u->u_origin,
	    wsconn_name(ws));
	if (rs->rs_paused)
		wsconn_pause(ws, 1);
	else if (!dl_can_read(rs->rs_w))
		wrl_pause_all(rs, 1);
	wrl_flush(u);
	if (u->u_ended || rs->rs_closing)
		wrl_finish_up(u, u->u_ended ? WS_CLOSE_NORMAL :
		    WS_CLOSE_GOING_AWAY, u->u_ended ? "stream ended" :
		    "shutting down");
}

/* A message from upstream: an event of the stream it relays. */
static void
wrl_message(struct wsconn *ws, int binary, const uint8_t *data, size_t len,
    void *arg)
{
	struct wrl_up		*u = arg;
	struct wrl_state	*rs = u->u_rs;

	u->u_last = wrl_now(rs);
	wrl_emit_as(u, 1);
	if (ev_source_data(rs->rs_w, u->u_local, (const char *)data, len,
	    binary ? u->u_meta_bin : u->u_meta) == -1)
		wsconn_budget_close(ws);
	wrl_emit_as(u, 0);
	if (!rs->rs_paused && !dl_can_read(rs->rs_w))
		wrl_pause_all(rs, 1);
}

/* A connection (or an attempt) ended. */
static void
wrl_closed(struct wsconn *ws, void *arg)
{
	struct wrl_up		*u = arg;
	struct wrl_state	*rs = u->u_rs;
	struct worker		*w = rs->rs_w;
	uint64_t		 wait;

	u->u_ws = NULL;
	wrl_full(u, 0);
	if (u->u_state != WU_OPEN) {
		/* TCP refused: the next address of the same name first. */
		if (!u->u_ended && !rs->rs_closing &&
		    dl_next_addr(&rs->rs_res, ws, &u->u_addr)) {
			wrl_attempt(u);
			return;
		}
		/* Every address failed: look the name up again next time. */
		if (!wsconn_tcp_ok(ws))
			rs->rs_res.rv_naddrs = 0;
		wrl_failed(u, wsconn_error(ws));
		return;
	}
	rs->rs_nopen--;
	u->u_state = WU_IDLE;
	/* Flush the stream's preprocessors on its behalf. */
	wrl_emit_as(u, 1);
	ev_source_end(w, u->u_local, u->u_meta);
	wrl_emit_as(u, 0);
	if (u->u_state != WU_IDLE)
		return;		/* a flow looping back here reopened it */
	if (u->u_ended || rs->rs_closing) {
		log_debug("connector %s: stream %llu of connector %u: %s: %s", w->w_name,
		    (unsigned long long)u->u_stream, u->u_origin,
		    wsconn_name(ws), wsconn_error(ws));
		wrl_up_free(u);
		return;
	}
	rs->rs_lost++;
	(void)backoff_lost(&u->u_bo, &wait);
	if (wsconn_often(rs->rs_lost))
		log_warnx("connector %s: stream %llu of connector %u: connection to %s "
		    "lost: %s; its next event reconnects after %llu ms "
		    "(%llu lost so far)", w->w_name, (unsigned long long)u->u_stream,
		    u->u_origin, wsconn_name(ws),
		    wsconn_error(ws), (unsigned long long)wait,
		    (unsigned long long)rs->rs_lost);
	u->u_retry_at = wrl_now(rs) + wait;
	if (u->u_q.q_n > 0) {
		u->u_state = WU_WAIT;
		dl_schedule(u->u_timer, wait);
	}
}

/* Output drained below the low mark: send what waits, read routes. */
static void
wrl_writable(struct wsconn *ws, void *arg)
{
	struct wrl_up	*u = arg;

	wrl_flush(u);
	if (u->u_q.q_head == NULL && wsconn_pending(ws) < WRL_OUT_HIGH)
		wrl_full(u, 0);
}

static const struct wsconn_cb wrl_cb = {
	.wc_open = wrl_open,
	.wc_message = wrl_message,
	.wc_closed = wrl_closed,
	.wc_writable = wrl_writable,
};

/* hq_send's drop callback. */
static void
wrl_drop_cb(void *arg, const char *why)
{
	wrl_drop(arg, why);
}

/* Send a stream's held events while its output has room. */
static void
wrl_flush(struct wrl_up *u)
{
	struct wrl_state	*rs = u->u_rs;
	size_t			 before = u->u_q.q_bytes;

	if (u->u_state != WU_OPEN)
		return;
	hq_send(&u->u_q, u->u_ws, u->u_ended || rs->rs_closing ? 0 :
	    WRL_OUT_HIGH, wrl_drop_cb, rs);
	rs->rs_held_bytes -= before - u->u_q.q_bytes;
	if (u->u_q.q_head != NULL)
		wrl_full(u, 1);
}

/* Dial the stream's current address. */
static void
wrl_connect(struct wrl_up *u)
{
	struct wrl_state	*rs = u->u_rs;
	char			 e[256];

	u->u_state = WU_CONNECTING;
	u->u_ws = dl_dial(rs->rs_w, &rs->rs_tg, &rs->rs_res.rv_addrs[u->u_addr],
	    &wrl_cb, u, e, sizeof(e));
	if (u->u_ws == NULL)
		wrl_failed(u, e);
}

/* Open a connection for a stream: addresses known, numeric, or asked;
 * a unix_socket connected by the supervisor for this stream. */
static void
wrl_attempt(struct wrl_up *u)
{
	struct wrl_state	*rs = u->u_rs;

	if (rs->rs_tg.tg_unix[0] != '\0') {
		u->u_addr = 0;
		u->u_state = WU_RESOLVE;
		if (++rs->rs_dial_id == 0)
			rs->rs_dial_id = 1;
		u->u_dial = rs->rs_dial_id;
		if (wk_dial(rs->rs_w, u->u_dial) == -1)
			fatal("%s: dial request", __func__);
		return;
	}
	if (u->u_addr > 0 && u->u_addr < rs->rs_res.rv_naddrs) {
		wrl_connect(u);
		return;
	}
	u->u_addr = 0;
	if (dl_resolve(&rs->rs_res, rs->rs_w, rs->rs_tg.tg_dial) == 0)
		wrl_connect(u);
	else
		u->u_state = WU_RESOLVE;
}

/* The supervisor's answer: dial (or fail) every stream that waits. */
static void
wrl_resolved(struct worker *w, const struct msg_resolve_res *ms)
{
	struct wrl_state	*rs = w->w_state;
	struct wrl_up		*u, *next;
	char			 e[URL_HOST_MAX + 128];
	int			 failed;

	if (rs == NULL || (failed = dl_resolved(&rs->rs_res, ms,
	    rs->rs_tg.tg_dial, e, sizeof(e))) == -1)
		return;
	for (u = TAILQ_FIRST(&rs->rs_ups); u != NULL; u = next) {
		next = TAILQ_NEXT(u, u_all);
		if (u->u_state != WU_RESOLVE)
			continue;
		u->u_addr = 0;
		if (failed)
			wrl_failed(u, e);
		else
			wrl_connect(u);
	}
}

/*
 * The supervisor's answer for a stream's unix_socket: the stream that
 * asked (a linear search: answers come once per attempt) dials, or
 * fails; a stream gone meanwhile leaves the descriptor to be closed.
 */
static void
wrl_dialled(struct worker *w, const struct msg_dial_res *r, int fd)
{
	struct wrl_state	*rs = w->w_state;
	struct wrl_up		*u = NULL;
	char			 e[URL_UNIX_MAX + 128];

	if (rs != NULL)
		TAILQ_FOREACH(u, &rs->rs_ups, u_all)
			if (u->u_state == WU_RESOLVE && u->u_dial == r->mds_id)
				break;
	if (u == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	u->u_dial = 0;
	if (dl_unix_failed(&rs->rs_tg, r, e, sizeof(e))) {
		wrl_failed(u, e);
		return;
	}
	u->u_state = WU_CONNECTING;
	if ((u->u_ws = dl_dial_fd(w, &rs->rs_tg, fd, &wrl_cb, u, e,
	    sizeof(e))) == NULL)
		wrl_failed(u, e);
}

/* A stream's attempt timer. */
static void
wrl_timer(evutil_socket_t fd, short ev, void *arg)
{
	struct wrl_up	*u = arg;

	(void)fd;
	(void)ev;
	if (u->u_state != WU_WAIT)
		return;
	if (u->u_rs->rs_closing) {
		wrl_drop_held(u, "stopping");
		wrl_up_free(u);
		return;
	}
	wrl_attempt(u);
}

/* The idle sweep: close connections (and forget failed streams) that
 * saw no event either way for idle_timeout_ms. */
static void
wrl_sweep(evutil_socket_t fd, short ev, void *arg)
{
	struct wrl_state	*rs = arg;
	struct wrl_up		*u, *next;
	uint64_t		 now = wrl_now(rs);
	struct timeval		 tv;

	(void)fd;
	(void)ev;
	for (u = TAILQ_FIRST(&rs->rs_ups); u != NULL; u = next) {
		next = TAILQ_NEXT(u, u_all);
		if (u->u_ended || now - u->u_last < rs->rs_idle_ms)
			continue;
		if (u->u_state == WU_OPEN || u->u_state == WU_IDLE ||
		    u->u_state == WU_FAILED) {
			log_debug("connector %s: stream %llu of connector %u: idle",
			    rs->rs_w->w_name, (unsigned long long)u->u_stream,
			    u->u_origin);
			wrl_finish_up(u, WS_CLOSE_NORMAL, "idle");
		}
	}
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	now = rs->rs_idle_ms / 4;
	if (now < WRL_SWEEP_MIN_MS)
		now = WRL_SWEEP_MIN_MS;
	tv.tv_sec = now / 1000;
	tv.tv_usec = (now % 1000) * 1000;
	evtimer_add(rs->rs_sweep, &tv);
}

/* A stream seen for the first time: its upstream, not yet connected. */
static struct wrl_up *
wrl_up_new(struct wrl_state *rs, uint32_t origin, uint64_t stream)
{
	struct wrl_up	*u;
	size_t		 b;

	if ((u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	if ((u->u_timer = evtimer_new(rs->rs_w->w_base, wrl_timer, u)) ==
	    NULL) {
		free(u);
		return NULL;
	}
	u->u_rs = rs;
	u->u_origin = origin;
	u->u_stream = stream;
	hq_init(&u->u_q, &rs->rs_w->w_budget);
	u->u_bo = rs->rs_tg.tg_bo;
	u->u_bo.bo_failures = u->u_bo.bo_prev = u->u_bo.bo_attempts = 0;
	u->u_state = WU_IDLE;
	u->u_last = wrl_now(rs);
	b = wrl_bucket(origin, stream);
	u->u_hnext = rs->rs_hash[b];
	rs->rs_hash[b] = u;
	u->u_keyed = 1;
	TAILQ_INSERT_TAIL(&rs->rs_ups, u, u_all);
	rs->rs_nups++;
	return u;
}

/* One event for the stream it came from: sent, held, or dropped. */
static int
wrl_write(struct worker *w, const char *port, const char *data, size_t len)
{
	struct wrl_state	*rs = w->w_state;
	struct wrl_up		*u;
	const char		*why;
	uint64_t		 now;
	int			 binary;

	(void)port;
	binary = dl_binary(w);
	u = wrl_lookup(rs, w->w_sink.sk_origin, w->w_sink.sk_stream);
	/* What is sent at once wsconn_send checks; what is held, here. */
	if (!binary && (u == NULL || u->u_state != WU_OPEN ||
	    u->u_q.q_head != NULL) && !utf8_valid(data, len)) {
		wrl_drop(rs, "not valid UTF-8 for a text frame");
		return -1;
	}
	if (u == NULL) {
		if (rs->rs_closing) {
			wrl_drop(rs, "stopping");
			return -1;
		}
		if (rs->rs_nups >= rs->rs_max) {
			rs->rs_over_limit++;
			wrl_drop(rs, "max_connections upstream connections "
			    "in use");
			return -1;
		}
		if ((u = wrl_up_new(rs, w->w_sink.sk_origin,
		    w->w_sink.sk_stream)) == NULL) {
			wrl_drop(rs, "out of memory");
			return -1;
		}
		rs->rs_last = u;
	}
	now = wrl_now(rs);
	u->u_last = now;
	switch (u->u_state) {
	case WU_FAILED:
		wrl_drop(rs, "the stream's upstream failed");
		return -1;
	case WU_OPEN:
		if (u->u_q.q_head != NULL || !wsconn_is_open(u->u_ws))
			break;
		if (wsconn_send(u->u_ws, binary, data, len, &why) == -1) {
			wrl_drop(rs, why);
			return -1;
		}
		if (wsconn_pending(u->u_ws) >= WRL_OUT_HIGH)
			wrl_full(u, 1);
		return 0;
	default:
		break;
	}
	if (wrl_hold(u, binary, data, len) == -1)
		return -1;
	if (u->u_state == WU_IDLE) {
		/* the first event, or the first since a loss */
		u->u_state = WU_WAIT;
		if (u->u_retry_at > now)
			dl_schedule(u->u_timer, u->u_retry_at - now);
		else
			wrl_attempt(u);
	}
	return 0;
}

/* The stream an upstream relays ended at its source: close with 1000. */
static void
wrl_stream_end(struct worker *w, uint32_t origin, uint64_t stream)
{
	struct wrl_state	*rs = w->w_state;
	struct wrl_up		*u;

	if (rs == NULL || (u = wrl_lookup(rs, origin, stream)) == NULL)
		return;
	wrl_finish_up(u, WS_CLOSE_NORMAL, "stream ended");
}

/* Read the config (before the sandbox); ws_client.c's setup chose us. */
static int
wrl_setup(struct worker *w, char *err, size_t errlen)
{
	struct wrl_state		*rs = &wrl;
	int64_t				 n;
	char				 e[128];

	memset(rs, 0, sizeof(*rs));
	rs->rs_w = w;
	w->w_profile = SANDBOX_WS_CLIENT;
	if (dl_target_read(w, &rs->rs_tg, err, errlen) == -1)
		return -1;
	/* unix_socket: the one address, for the metadata */
	if (rs->rs_tg.tg_unix[0] != '\0')
		dl_unix_addr(&rs->rs_tg, &rs->rs_res.rv_addrs[0]);
	TAILQ_INIT(&rs->rs_ups);
	rs->rs_max = WRL_MAX_CONN;
	n = jg_int(w->w_cconf, "max_connections", WRL_MAX_CONN);
	if (n >= 1 && n <= WK_MAX_CONNS)
		rs->rs_max = (size_t)n;
	rs->rs_max = (size_t)wk_conn_budget(w, (int)rs->rs_max);
	rs->rs_idle_ms = WRL_IDLE_MS;
	if ((n = jg_int(w->w_cconf, "idle_timeout_ms", -1)) >= 0)
		rs->rs_idle_ms = (uint64_t)n;
	w->w_state = rs;
	if ((rs->rs_sweep = evtimer_new(w->w_base, wrl_sweep, rs)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (rs->rs_idle_ms > 0)
		wrl_sweep(-1, 0, rs);
	log_info("connector %s: relaying each stream to %s:%u%s%s, at most "
	    "%zu connections, idle timeout %llu ms, reconnect %s", w->w_name,
	    rs->rs_tg.tg_url.u_host, rs->rs_tg.tg_url.u_port,
	    rs->rs_tg.tg_tls ? " with TLS for " : "",
	    rs->rs_tg.tg_tls ? rs->rs_tg.tg_domain : "", rs->rs_max,
	    (unsigned long long)rs->rs_idle_ms,
	    backoff_describe(&rs->rs_tg.tg_bo, e, sizeof(e)));
	return 0;
}

/* Started, or the routes drained: read upstream again. */
static void
wrl_start(struct worker *w)
{
	struct wrl_state	*rs = w->w_state;

	if (rs->rs_paused && dl_can_read(w))
		wrl_pause_all(rs, 0);
}

/* Upstream done: send what is held, close everything with 1001. */
static int
wrl_drain(struct worker *w)
{
	struct wrl_state	*rs = w->w_state;
	struct wrl_up		*u, *next;

	if (rs == NULL)
		return 0;
	if (!rs->rs_closing) {
		rs->rs_closing = 1;
		rs->rs_in_drain = 1;
		evtimer_del(rs->rs_sweep);
		wrl_pause_all(rs, 0);
		for (u = TAILQ_FIRST(&rs->rs_ups); u != NULL; u = next) {
			next = TAILQ_NEXT(u, u_all);
			wrl_finish_up(u, WS_CLOSE_GOING_AWAY, "shutting down");
		}
		rs->rs_in_drain = 0;
	}
	return rs->rs_nups > 0;
}

/* Free everything before exit. */
static void
wrl_finish(struct worker *w)
{
	struct wrl_state	*rs = w->w_state;
	struct wsc_stats	*st;
	struct wrl_up		*u;

	if (rs == NULL)
		return;
	st = &rs->rs_tg.tg_st;
	log_debug("connector %s: %llu upstream connections (%llu lost, "
	    "%llu failed attempts), messages %llu in %llu out, %llu dropped",
	    w->w_name, (unsigned long long)rs->rs_opened,
	    (unsigned long long)rs->rs_lost, (unsigned long long)rs->rs_failed,
	    (unsigned long long)st->st_frames_in,
	    (unsigned long long)st->st_frames_out,
	    (unsigned long long)rs->rs_dropped);
	rs->rs_closing = 0;	/* no drain check from here */
	while ((u = TAILQ_FIRST(&rs->rs_ups)) != NULL)
		wrl_up_free(u);
	if (rs->rs_sweep != NULL)
		event_free(rs->rs_sweep);
	rs->rs_sweep = NULL;
	dl_meta_clear(&rs->rs_meta);
	SSL_CTX_free(rs->rs_tg.tg_ctx);
	wsconn_conf_clear(&rs->rs_tg.tg_conf);
	rs->rs_tg.tg_ctx = NULL;
	w->w_state = NULL;
}

/* show stats: the connection counters and the relay's own. */
static void
wrl_stats(struct worker *w, struct json_object *o)
{
	struct wrl_state	*rs = w->w_state;

	if (rs == NULL)
		return;
	wsconn_stats_json(&rs->rs_tg.tg_st, o);
	json_object_object_add(o, "per_stream", json_object_new_boolean(1));
	json_object_object_add(o, "streams",
	    json_object_new_uint64(rs->rs_nups));
	json_object_object_add(o, "open", json_object_new_uint64(rs->rs_nopen));
	json_object_object_add(o, "held_bytes",
	    json_object_new_uint64(rs->rs_held_bytes));
	json_object_object_add(o, "upstream_lost",
	    json_object_new_uint64(rs->rs_lost));
	json_object_object_add(o, "upstream_failed",
	    json_object_new_uint64(rs->rs_failed));
	json_object_object_add(o, "streams_given_up",
	    json_object_new_uint64(rs->rs_gave_up));
	json_object_object_add(o, "over_max_connections",
	    json_object_new_uint64(rs->rs_over_limit));
}

/* A new client certificate chain (a reload). */
static void
wrl_tls_chain(struct worker *w)
{
	struct wrl_state	*rs = w->w_state;

	dl_tls_chain(w, &rs->rs_tg);
}

const struct conn_ops ws_relay_ops = {
	.co_type = "ws_client",
	.co_setup = wrl_setup,
	.co_start = wrl_start,
	.co_kick = wrl_start,
	.co_write = wrl_write,
	.co_drain = wrl_drain,
	.co_finish = wrl_finish,
	.co_stats = wrl_stats,
	.co_resolved = wrl_resolved,
	.co_dialled = wrl_dialled,
	.co_stream_end = wrl_stream_end,
	.co_tls_chain = wrl_tls_chain,
};
