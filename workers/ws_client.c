/* SPDX-License-Identifier: ISC */
/*
 * The ws_client connector: one WebSocket connection to `url` (ws:// or
 * wss://; `tls` configures TLS).  Names are resolved by the supervisor
 * (the worker is chrooted), and it connects `unix_socket` for it.  Events
 * routed to `in` become one frame each;
 * received frames become events on `out` with $ws_client metadata.
 * While disconnected the upstream sources are paused and events already
 * in flight are held (bounded) and sent, in order, once reconnected; the
 * `reconnect` policy (common/backoff) decides when to try again and when
 * to give up.  After giving up the connector stays failed: upstream is
 * resumed and events for it are counted and dropped, so the rest of the
 * flow keeps running.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backoff.h"
#include "dial.h"
#include "log.h"
#include "url.h"
#include "utf8.h"
#include "worker.h"
#include "wsconn.h"

#define WCL_HOLD_EVENTS		4096	/* held while disconnected */
#define WCL_HOLD_BYTES		(16U * 1024 * 1024)
#define WCL_OUT_HIGH		(1024U * 1024)	/* stop reading routes */

struct wcl_state {
	struct worker		*cs_w;
	struct dl_target	 cs_tg;
	struct wsconn		*cs_ws;
	int			 cs_open;
	int			 cs_failed;	/* gave up */
	int			 cs_paused;	/* reading the peer paused */
	struct event		*cs_timer;	/* next attempt */
	struct dl_resolver	 cs_res;
	int			 cs_addr;	/* being tried */
	struct hq_queue		 cs_q;		/* held while disconnected */
	uint64_t		 cs_dropped;
	int			 cs_draining;
	int			 cs_done;
	struct dl_meta		 cs_meta;
};

static struct wcl_state	 wcl;

static void	wcl_attempt(struct wcl_state *);
static void	wcl_flush_held(struct wcl_state *);

/* Count and log one event that cannot be delivered. */
static void
wcl_drop(struct wcl_state *cs, const char *why)
{
	dl_drop(cs->cs_w, &cs->cs_dropped, why);
}

/* Forget every held event, counting them as dropped. */
static void
wcl_drop_held(struct wcl_state *cs, const char *why)
{
	size_t	 n = hq_clear(&cs->cs_q);

	if (n > 0) {
		cs->cs_dropped += n;
		cs->cs_w->w_cnt.cn_dropped += n;
		log_warnx("connector %s: %zu held events dropped: %s",
		    cs->cs_w->w_name, n, why);
	}
}

/* Pause or resume reading the server. */
static void
wcl_pause(struct wcl_state *cs, int on)
{
	cs->cs_paused = on;
	if (cs->cs_ws != NULL && cs->cs_open)
		wsconn_pause(cs->cs_ws, on);
}

/* The policy gave up. */
static void
wcl_give_up(struct wcl_state *cs)
{
	struct worker	*w = cs->cs_w;

	cs->cs_failed = 1;
	log_warnx("connector %s: giving up on %s after %llu attempt%s; the "
	    "connector has failed and drops the events it receives",
	    w->w_name, cs->cs_tg.tg_url.u_host,
	    (unsigned long long)cs->cs_tg.tg_bo.bo_failures,
	    cs->cs_tg.tg_bo.bo_failures == 1 ? "" : "s");
	wcl_drop_held(cs, "connector failed");
	wk_pause_inputs(w, 0);
}

/* A connect attempt failed. */
static void
wcl_failed(struct wcl_state *cs, const char *why)
{
	struct worker	*w = cs->cs_w;
	uint64_t	 wait;

	if (cs->cs_draining) {
		log_warnx("connector %s: connecting to %s:%u failed: %s",
		    w->w_name, cs->cs_tg.tg_url.u_host, cs->cs_tg.tg_url.u_port, why);
		if (!cs->cs_done) {
			cs->cs_done = 1;
			wk_check_drain(w);
		}
		return;
	}
	if (backoff_failed(&cs->cs_tg.tg_bo, &wait) == -1) {
		log_warnx("connector %s: connecting to %s:%u failed: %s",
		    w->w_name, cs->cs_tg.tg_url.u_host, cs->cs_tg.tg_url.u_port, why);
		wcl_give_up(cs);
		return;
	}
	log_warnx("connector %s: connecting to %s:%u failed: %s; next "
	    "attempt in %llu ms", w->w_name, cs->cs_tg.tg_url.u_host,
	    cs->cs_tg.tg_url.u_port, why, (unsigned long long)wait);
	dl_schedule(cs->cs_timer, wait);
}

/* Connected: record the peer, resume upstream, send what waits. */
static void
wcl_open(struct wsconn *ws, void *arg)
{
	struct wcl_state	*cs = arg;
	struct worker		*w = cs->cs_w;

	(void)ws;
	cs->cs_open = 1;
	backoff_success(&cs->cs_tg.tg_bo);
	dl_meta_set(&cs->cs_meta, &cs->cs_tg,
	    &cs->cs_res.rv_addrs[cs->cs_addr].pa_addr, wsconn_protocol(ws));
	log_info("connector %s: connected to %s (%s%s)", w->w_name,
	    wsconn_name(cs->cs_ws), cs->cs_tg.tg_tls ? "TLS, " : "",
	    cs->cs_tg.tg_url.u_path);
	if (!dl_can_read(cs->cs_w))
		wcl_pause(cs, 1);
	wcl_flush_held(cs);
	wk_pause_inputs(w, 0);
}

/* A message from the server: one chunk on stream 0. */
static void
wcl_message(struct wsconn *ws, int binary, const uint8_t *data, size_t len,
    void *arg)
{
	struct wcl_state	*cs = arg;

	if (ev_source_data(cs->cs_w, 0, (const char *)data, len,
	    binary ? cs->cs_meta.dm_bin : cs->cs_meta.dm_text) == -1)
		wsconn_budget_close(ws);
	if (!cs->cs_paused && !dl_can_read(cs->cs_w))
		wcl_pause(cs, 1);
}

/* The connection (or the attempt) ended: retry, give up or finish. */
static void
wcl_closed(struct wsconn *ws, void *arg)
{
	struct wcl_state	*cs = arg;
	struct worker		*w = cs->cs_w;
	uint64_t		 wait;
	int			 was_open = cs->cs_open;

	cs->cs_ws = NULL;
	cs->cs_open = 0;
	if (!was_open) {
		/* TCP refused: the next address of the same name first. */
		if (!cs->cs_draining &&
		    dl_next_addr(&cs->cs_res, ws, &cs->cs_addr)) {
			log_debug("connector %s: %s: %s", w->w_name,
			    wsconn_name(ws), wsconn_error(ws));
			wcl_attempt(cs);
			return;
		}
		wcl_failed(cs, wsconn_error(ws));
		return;
	}
	ev_source_end(w, 0, cs->cs_meta.dm_text);
	if (cs->cs_draining) {
		log_info("connector %s: %s: %s", w->w_name, wsconn_name(ws),
		    wsconn_error(ws));
		if (!cs->cs_done) {
			cs->cs_done = 1;
			wk_check_drain(w);
		}
		return;
	}
	wk_pause_inputs(w, 1);
	(void)backoff_lost(&cs->cs_tg.tg_bo, &wait);
	log_warnx("connector %s: connection to %s lost: %s; reconnecting in "
	    "%llu ms", w->w_name, wsconn_name(ws), wsconn_error(ws),
	    (unsigned long long)wait);
	dl_schedule(cs->cs_timer, wait);
}

/* Output drained: send what waits, then let the routes flow again. */
static void
wcl_writable(struct wsconn *ws, void *arg)
{
	struct wcl_state	*cs = arg;

	(void)ws;
	wcl_flush_held(cs);
}

static const struct wsconn_cb wcl_cb = {
	.wc_open = wcl_open,
	.wc_message = wcl_message,
	.wc_closed = wcl_closed,
	.wc_writable = wcl_writable,
};

/* Connect to the current address. */
static void
wcl_connect(struct wcl_state *cs)
{
	char	 e[256];

	cs->cs_ws = dl_dial(cs->cs_w, &cs->cs_tg,
	    &cs->cs_res.rv_addrs[cs->cs_addr], &wcl_cb, cs, e, sizeof(e));
	if (cs->cs_ws == NULL)
		wcl_failed(cs, e);
}

/* Start an attempt: numeric hosts at once, names via the supervisor,
 * a unix_socket connected by the supervisor (every attempt asks). */
static void
wcl_attempt(struct wcl_state *cs)
{
	if (cs->cs_tg.tg_unix[0] != '\0') {
		cs->cs_addr = 0;
		(void)dl_unix_ask(&cs->cs_res, cs->cs_w);
		return;
	}
	if (cs->cs_addr > 0 && cs->cs_addr < cs->cs_res.rv_naddrs) {
		wcl_connect(cs);
		return;
	}
	/* every attempt from the first address looks the name up again */
	cs->cs_addr = 0;
	cs->cs_res.rv_naddrs = 0;
	if (dl_resolve(&cs->cs_res, cs->cs_w, cs->cs_tg.tg_dial) == 0)
		wcl_connect(cs);
}

/* The supervisor's answer to a name lookup (sizes checked by worker.c). */
static void
wcl_resolved(struct worker *w, const struct msg_resolve_res *ms)
{
	struct wcl_state	*cs = w->w_state;
	char			 e[URL_HOST_MAX + 128];

	if (cs == NULL)
		return;
	switch (dl_resolved(&cs->cs_res, ms, cs->cs_tg.tg_dial, e,
	    sizeof(e))) {
	case 0:
		cs->cs_addr = 0;
		wcl_connect(cs);
		break;
	case 1:
		wcl_failed(cs, e);
		break;
	default:
		break;		/* a late answer to an abandoned attempt */
	}
}

/* The supervisor's answer for unix_socket: a connected descriptor. */
static void
wcl_dialled(struct worker *w, const struct msg_dial_res *r, int fd)
{
	struct wcl_state	*cs = w->w_state;
	char			 e[URL_UNIX_MAX + 128];
	int			 rc;

	if (cs == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	/* -1: a late answer to an abandoned attempt */
	if ((rc = dl_unix_answer(&cs->cs_res, &cs->cs_tg, r, fd, e,
	    sizeof(e))) == 0 && (cs->cs_ws = dl_dial_fd(w, &cs->cs_tg, fd,
	    &wcl_cb, cs, e, sizeof(e))) == NULL)
		rc = 1;
	if (rc == 1)
		wcl_failed(cs, e);
}

/* Time for the next attempt. */
static void
wcl_timer(evutil_socket_t fd, short ev, void *arg)
{
	struct wcl_state	*cs = arg;

	(void)fd;
	(void)ev;
	if (cs->cs_draining || cs->cs_failed || cs->cs_ws != NULL)
		return;
	cs->cs_addr = 0;
	wcl_attempt(cs);
}

/* hq_send's drop callback. */
static void
wcl_drop_cb(void *arg, const char *why)
{
	wcl_drop(arg, why);
}

/* Send held events while the output has room; push back otherwise. */
static void
wcl_flush_held(struct wcl_state *cs)
{
	if (!cs->cs_open)
		return;
	hq_send(&cs->cs_q, cs->cs_ws, cs->cs_draining ? 0 : WCL_OUT_HIGH,
	    wcl_drop_cb, cs);
	if (cs->cs_open && cs->cs_q.q_head == NULL &&
	    wsconn_pending(cs->cs_ws) < WCL_OUT_HIGH)
		ev_read_inputs(cs->cs_w, 1);
}

/* Keep an event for later, in order. */
static int
wcl_hold(struct wcl_state *cs, int binary, const char *data, size_t len)
{
	if (cs->cs_q.q_n >= WCL_HOLD_EVENTS ||
	    cs->cs_q.q_bytes + len > WCL_HOLD_BYTES) {
		wcl_drop(cs, "too many events held while disconnected");
		return -1;
	}
	switch (hq_push(&cs->cs_q, binary, data, len)) {
	case -2:
		wcl_drop(cs, "memory budget of the worker (max_buffered) spent");
		return -1;
	case -1:
		wcl_drop(cs, "out of memory");
		return -1;
	}
	return 0;
}

/* One event: one frame now, or held until connected. */
static int
wcl_write(struct worker *w, const char *port, const char *data, size_t len)
{
	struct wcl_state	*cs = w->w_state;
	const char		*why;
	int			 binary;

	(void)port;
	if (cs->cs_failed) {
		wcl_drop(cs, "connector failed");
		return -1;
	}
	binary = dl_binary(w);
	if (!binary && !utf8_valid(data, len)) {
		wcl_drop(cs, "not valid UTF-8 for a text frame");
		return -1;
	}
	if (!cs->cs_open || cs->cs_q.q_head != NULL ||
	    !wsconn_is_open(cs->cs_ws))
		return wcl_hold(cs, binary, data, len);
	if (wsconn_send(cs->cs_ws, binary, data, len, &why) == -1) {
		wcl_drop(cs, why);
		return -1;
	}
	if (wsconn_pending(cs->cs_ws) >= WCL_OUT_HIGH)
		ev_read_inputs(w, 0);
	return 0;
}

/*
 * Read the config; "per_stream": true makes the connector the relay
 * (ws_relay.c): its ops replace ours, its setup runs instead of ours.
 */
static int
wcl_setup(struct worker *w, char *err, size_t errlen)
{
	struct wcl_state	*cs = &wcl;
	char			 e[256];

	if (jg_bool(w->w_cconf, "per_stream", 0)) {
		w->w_ops = &ws_relay_ops;
		return w->w_ops->co_setup(w, err, errlen);
	}
	memset(cs, 0, sizeof(*cs));
	cs->cs_w = w;
	hq_init(&cs->cs_q, &w->w_budget);
	w->w_profile = SANDBOX_WS_CLIENT;
	w->w_state = cs;
	if (dl_target_read(w, &cs->cs_tg, err, errlen) == -1)
		return -1;
	if ((cs->cs_timer = evtimer_new(w->w_base, wcl_timer, cs)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Nothing flows to us until we are connected. */
	wk_pause_inputs(w, 1);
	/* The first attempt runs from the loop, inside the sandbox. */
	dl_schedule(cs->cs_timer, 0);
	log_info("connector %s: connecting to %s:%u%s%s%s%s, reconnect %s",
	    w->w_name, cs->cs_tg.tg_url.u_host, cs->cs_tg.tg_url.u_port,
	    cs->cs_tg.tg_tls ? " with TLS for " : "",
	    cs->cs_tg.tg_tls ? cs->cs_tg.tg_domain : "",
	    cs->cs_tg.tg_proxied ? " through the proxy at " : "",
	    cs->cs_tg.tg_proxied ? cs->cs_tg.tg_proxy.u_host : "",
	    backoff_describe(&cs->cs_tg.tg_bo, e, sizeof(e)));
	return 0;
}

/* Started, or the routes drained: read the server again. */
static void
wcl_start(struct worker *w)
{
	struct wcl_state	*cs = w->w_state;

	if (cs->cs_paused && dl_can_read(cs->cs_w))
		wcl_pause(cs, 0);
}

/* Draining begins. */
static void
wcl_stop(struct worker *w)
{
	struct wcl_state	*cs = w->w_state;

	if (cs == NULL)
		return;
	cs->cs_draining = 1;
	/* Read the routes again so their end is seen; what still arrives
	 * while disconnected is held, then dropped and counted. */
	if (w->w_life.lf_inputs_paused)
		wk_pause_inputs(w, 0);
}

/* Upstream done: send what is held, close with 1001, wait for the echo. */
static int
wcl_drain(struct worker *w)
{
	struct wcl_state	*cs = w->w_state;

	if (cs == NULL || cs->cs_done)
		return 0;
	cs->cs_draining = 1;
	evtimer_del(cs->cs_timer);
	if (cs->cs_ws == NULL) {
		wcl_drop_held(cs, "not connected when stopping");
		cs->cs_done = 1;
		return 0;
	}
	if (!cs->cs_open) {
		/* Still connecting: the answer decides (bounded by the
		 * handshake timeout and the supervisor's drain timeout). */
		return 1;
	}
	wcl_flush_held(cs);
	wcl_drop_held(cs, "connection closing when stopping");
	wcl_pause(cs, 0);
	wsconn_close(cs->cs_ws, WS_CLOSE_GOING_AWAY, "shutting down");
	return 1;
}

/* Free everything before exit. */
static void
wcl_finish(struct worker *w)
{
	struct wcl_state	*cs = w->w_state;
	struct wsc_stats	*st;

	if (cs == NULL)
		return;
	st = &cs->cs_tg.tg_st;
	log_debug("connector %s: %llu connections, %llu failed handshakes, "
	    "messages %llu in %llu out, bytes %llu in %llu out, %llu dropped",
	    w->w_name, (unsigned long long)st->st_connections,
	    (unsigned long long)st->st_handshake_failed,
	    (unsigned long long)st->st_frames_in,
	    (unsigned long long)st->st_frames_out,
	    (unsigned long long)st->st_bytes_in,
	    (unsigned long long)st->st_bytes_out,
	    (unsigned long long)cs->cs_dropped);
	wsconn_free(cs->cs_ws);
	cs->cs_ws = NULL;
	wcl_drop_held(cs, "stopping");
	if (cs->cs_timer != NULL)
		event_free(cs->cs_timer);
	cs->cs_timer = NULL;
	SSL_CTX_free(cs->cs_tg.tg_ctx);
	wsconn_conf_clear(&cs->cs_tg.tg_conf);
	cs->cs_tg.tg_ctx = NULL;
	dl_meta_clear(&cs->cs_meta);
	w->w_state = NULL;
}

/* show stats: connection counters, whether connected, what is held. */
static void
wcl_stats(struct worker *w, struct json_object *o)
{
	struct wcl_state	*cs = w->w_state;

	if (cs == NULL)
		return;
	wsconn_stats_json(&cs->cs_tg.tg_st, o);
	json_object_object_add(o, "open", json_object_new_boolean(cs->cs_open));
	json_object_object_add(o, "held", json_object_new_uint64(cs->cs_q.q_n));
	json_object_object_add(o, "held_bytes",
	    json_object_new_uint64(cs->cs_q.q_bytes));
}

/* A new client certificate chain (a reload). */
static void
wcl_tls_chain(struct worker *w)
{
	struct wcl_state	*cs = w->w_state;

	dl_tls_chain(w, &cs->cs_tg);
}

const struct conn_ops ws_client_ops = {
	.co_type = "ws_client",
	.co_setup = wcl_setup,
	.co_start = wcl_start,
	.co_kick = wcl_start,
	.co_write = wcl_write,
	.co_stop = wcl_stop,
	.co_drain = wcl_drain,
	.co_finish = wcl_finish,
	.co_stats = wcl_stats,
	.co_resolved = wcl_resolved,
	.co_dialled = wcl_dialled,
	.co_tls_chain = wcl_tls_chain,
};
