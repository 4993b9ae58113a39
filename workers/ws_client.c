/*
 * The ws_client connector: one WebSocket connection to `url` (ws:// or
 * wss://; `tls` configures TLS).  Names are resolved by the supervisor
 * (the worker is chrooted).  Events routed to `in` become one frame each;
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

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backoff.h"
#include "log.h"
#include "tls.h"
#include "url.h"
#include "worker.h"
#include "ws_client.h"
#include "wsconn.h"

#define WCL_HOLD_EVENTS		4096	/* held while disconnected */
#define WCL_HOLD_BYTES		(16U * 1024 * 1024)
#define WCL_OUT_HIGH		(1024U * 1024)	/* stop reading routes */

struct wcl_state {
	struct worker		*cs_w;
	struct wcl_target	 cs_tg;
	struct wsconn		*cs_ws;
	int			 cs_open;
	int			 cs_failed;	/* gave up */
	int			 cs_paused;	/* reading the peer paused */
	struct event		*cs_timer;	/* next attempt */
	uint32_t		 cs_resolve_id;
	int			 cs_resolving;
	struct proto_addr	 cs_addrs[PROTO_ADDRS_MAX];
	int			 cs_naddrs;
	int			 cs_addr;	/* being tried */
	struct wcl_queue	 cs_q;		/* held while disconnected */
	uint64_t		 cs_dropped;
	int			 cs_draining;
	int			 cs_done;
	struct json_object	*cs_meta, *cs_meta_bin;
};

static struct wcl_state	 wcl;

static void	wcl_attempt(struct wcl_state *);
static void	wcl_flush_held(struct wcl_state *);

/* Count and log one event that cannot be delivered. */
static void
wcl_drop(struct wcl_state *cs, const char *why)
{
	cs->cs_dropped++;
	cs->cs_w->w_dropped++;
	if (wsconn_often(cs->cs_dropped))
		log_warnx("connector %s: event dropped: %s (%llu so far)",
		    cs->cs_w->w_name, why, (unsigned long long)cs->cs_dropped);
}

/* Start an empty queue. */
void
wcl_q_init(struct wcl_queue *q)
{
	q->q_head = NULL;
	q->q_tail = &q->q_head;
	q->q_n = q->q_bytes = 0;
}

/* Queue a copy of one message; -1 when out of memory. */
int
wcl_q_push(struct wcl_queue *q, int binary, const char *data, size_t len)
{
	struct wcl_held	*h;

	if ((h = malloc(sizeof(*h) + len)) == NULL)
		return -1;
	h->h_next = NULL;
	h->h_binary = binary;
	h->h_len = len;
	memcpy(h->h_data, data, len);
	*q->q_tail = h;
	q->q_tail = &h->h_next;
	q->q_n++;
	q->q_bytes += len;
	return 0;
}

/* Free the first message. */
static void
wcl_q_shift(struct wcl_queue *q)
{
	struct wcl_held	*h = q->q_head;

	q->q_head = h->h_next;
	if (q->q_head == NULL)
		q->q_tail = &q->q_head;
	q->q_n--;
	q->q_bytes -= h->h_len;
	free(h);
}

/* Free every message; how many there were. */
size_t
wcl_q_clear(struct wcl_queue *q)
{
	size_t	 n = q->q_n;

	while (q->q_head != NULL)
		wcl_q_shift(q);
	return n;
}

/*
 * Send queued messages in order while the connection's output is below
 * high (0: no limit); one the connection refuses goes to drop, and what
 * is left stays queued if it closed.
 */
void
wcl_q_send(struct wcl_queue *q, struct wsconn *ws, size_t high,
    wcl_drop_fn drop, void *arg)
{
	struct wcl_held	*h;
	const char	*why;

	while ((h = q->q_head) != NULL &&
	    (high == 0 || wsconn_pending(ws) < high)) {
		if (wsconn_send(ws, h->h_binary, h->h_data, h->h_len,
		    &why) == -1) {
			if (!wsconn_is_open(ws))
				return;		/* for the next connection */
			drop(arg, why);
		}
		wcl_q_shift(q);
	}
}

/* Forget every held event, counting them as dropped. */
static void
wcl_drop_held(struct wcl_state *cs, const char *why)
{
	size_t	 n = wcl_q_clear(&cs->cs_q);

	if (n > 0) {
		cs->cs_dropped += n;
		cs->cs_w->w_dropped += n;
		log_warnx("connector %s: %zu held events dropped: %s",
		    cs->cs_w->w_name, n, why);
	}
}

/* Arm the attempt timer. */
static void
wcl_schedule(struct wcl_state *cs, uint64_t ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(cs->cs_timer, &tv);
}

/* Whether reading the server is allowed now. */
int
wcl_can_read(struct worker *w)
{
	if (!ev_has_output(w))
		return 1;
	return w->w_started && ev_can_emit(w);
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
	wcl_schedule(cs, wait);
}

/* Connected: record the peer, resume upstream, send what waits. */
static void
wcl_open(struct wsconn *ws, void *arg)
{
	struct wcl_state	*cs = arg;
	struct worker		*w = cs->cs_w;
	struct sockaddr_storage	*sa = &cs->cs_addrs[cs->cs_addr].pa_addr;
	char			 host[INET6_ADDRSTRLEN];
	uint16_t		 port;

	(void)ws;
	cs->cs_open = 1;
	backoff_success(&cs->cs_tg.tg_bo);
	wsconn_addr(sa, host, sizeof(host), &port);
	json_object_put(cs->cs_meta);
	json_object_put(cs->cs_meta_bin);
	cs->cs_meta = wsconn_meta("ws_client", host, port, cs->cs_tg.tg_tls, 0);
	cs->cs_meta_bin = wsconn_meta("ws_client", host, port, cs->cs_tg.tg_tls, 1);
	log_info("connector %s: connected to %s (%s%s)", w->w_name,
	    wsconn_name(cs->cs_ws), cs->cs_tg.tg_tls ? "TLS, " : "",
	    cs->cs_tg.tg_url.u_path);
	if (!wcl_can_read(cs->cs_w))
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

	(void)ws;
	ev_source_data(cs->cs_w, 0, (const char *)data, len,
	    binary ? cs->cs_meta_bin : cs->cs_meta);
	if (!cs->cs_paused && !wcl_can_read(cs->cs_w))
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
		if (!wsconn_tcp_ok(ws) && cs->cs_addr + 1 < cs->cs_naddrs &&
		    !cs->cs_draining) {
			log_debug("connector %s: %s: %s", w->w_name,
			    wsconn_name(ws), wsconn_error(ws));
			cs->cs_addr++;
			wcl_attempt(cs);
			return;
		}
		wcl_failed(cs, wsconn_error(ws));
		return;
	}
	ev_source_end(w, 0, cs->cs_meta);
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
	wcl_schedule(cs, wait);
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

/*
 * Open a socket to pa and start TCP, TLS and the upgrade; NULL with the
 * reason in e when that fails at once.
 */
struct wsconn *
wcl_dial(struct worker *w, const struct wcl_target *tg,
    const struct proto_addr *pa, const struct wsconn_cb *cb, void *arg,
    char *e, size_t elen)
{
	char			 host[INET6_ADDRSTRLEN], name[WSC_NAME_MAX];
	uint16_t		 port;
	SSL			*ssl = NULL;
	struct wsconn		*ws;
	int			 fd, on = tg->tg_nodelay;

	wsconn_addr(&pa->pa_addr, host, sizeof(host), &port);
	snprintf(name, sizeof(name), "%s%s%s:%u",
	    pa->pa_addr.ss_family == AF_INET6 ? "[" : "", host,
	    pa->pa_addr.ss_family == AF_INET6 ? "]" : "", port);
	fd = socket(pa->pa_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(e, elen, "socket: %s", strerror(errno));
		return NULL;
	}
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1)
		log_warn("connector %s: TCP_NODELAY", w->w_name);
	if (tg->tg_ctx != NULL) {
		if ((ssl = SSL_new(tg->tg_ctx)) == NULL ||
		    tls_client_setup(ssl, tg->tg_domain, e, elen) == -1) {
			if (ssl == NULL)
				snprintf(e, elen, "SSL_new failed");
			SSL_free(ssl);
			close(fd);
			return NULL;
		}
	}
	ws = wsconn_connect(w->w_base, fd, ssl,
	    (const struct sockaddr *)&pa->pa_addr, pa->pa_len, &tg->tg_conf,
	    cb, arg, name);
	if (ws == NULL)
		snprintf(e, elen, "out of memory");
	return ws;
}

/* Connect to the current address. */
static void
wcl_connect(struct wcl_state *cs)
{
	char	 e[256];

	cs->cs_ws = wcl_dial(cs->cs_w, &cs->cs_tg, &cs->cs_addrs[cs->cs_addr],
	    &wcl_cb, cs, e, sizeof(e));
	if (cs->cs_ws == NULL)
		wcl_failed(cs, e);
}

/* Fill *pa from a numeric host; -1 when the host is a name. */
int
wcl_numeric(const struct url *u, struct proto_addr *pa)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&pa->pa_addr;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&pa->pa_addr;

	memset(pa, 0, sizeof(*pa));
	if (inet_pton(AF_INET, u->u_host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(u->u_port);
		pa->pa_len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, u->u_host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(u->u_port);
		pa->pa_len = sizeof(*s6);
		return 0;
	}
	return -1;
}

/* Start an attempt: numeric hosts at once, names via the supervisor. */
static void
wcl_attempt(struct wcl_state *cs)
{
	char	 serv[8];

	if (cs->cs_addr > 0 && cs->cs_addr < cs->cs_naddrs) {
		wcl_connect(cs);
		return;
	}
	cs->cs_addr = 0;
	if (wcl_numeric(&cs->cs_tg.tg_url, &cs->cs_addrs[0]) == 0) {
		cs->cs_naddrs = 1;
		wcl_connect(cs);
		return;
	}
	snprintf(serv, sizeof(serv), "%u", cs->cs_tg.tg_url.u_port);
	if (wk_resolve(cs->cs_w, ++cs->cs_resolve_id, AF_UNSPEC,
	    cs->cs_tg.tg_url.u_host, serv) == -1)
		fatal("%s: resolve request", __func__);
	cs->cs_resolving = 1;
}

/* The supervisor's answer to a name lookup (sizes checked by worker.c). */
static void
wcl_resolved(struct worker *w, const struct msg_resolve_res *ms)
{
	struct wcl_state	*cs = w->w_state;
	char			 e[URL_HOST_MAX + 128];

	if (cs == NULL || !cs->cs_resolving || ms->ms_id != cs->cs_resolve_id)
		return;		/* a late answer to an abandoned attempt */
	cs->cs_resolving = 0;
	if (ms->ms_error != 0 || ms->ms_naddrs == 0) {
		snprintf(e, sizeof(e), "cannot resolve %s: %s",
		    cs->cs_tg.tg_url.u_host, ms->ms_error != 0 ?
		    gai_strerror(ms->ms_error) : "no address");
		wcl_failed(cs, e);
		return;
	}
	memcpy(cs->cs_addrs, ms->ms_addrs, sizeof(cs->cs_addrs));
	cs->cs_naddrs = (int)ms->ms_naddrs;
	cs->cs_addr = 0;
	wcl_connect(cs);
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

/* wcl_q_send's drop callback. */
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
	wcl_q_send(&cs->cs_q, cs->cs_ws, cs->cs_draining ? 0 : WCL_OUT_HIGH,
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
	if (wcl_q_push(&cs->cs_q, binary, data, len) == -1) {
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
	struct json_object	*b;
	const char		*why;
	int			 binary = 0;

	(void)port;
	if (cs->cs_failed) {
		wcl_drop(cs, "connector failed");
		return -1;
	}
	if (json_object_object_get_ex(w->w_sink_meta, "binary", &b) &&
	    json_object_is_type(b, json_type_boolean))
		binary = json_object_get_boolean(b);
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

/* A bool from config, socket_options overriding (HEAD's form). */
static int
wcl_nodelay(struct json_object *cconf)
{
	struct json_object	*so, *v;
	int			 on = 1;

	if (json_object_object_get_ex(cconf, "no_delay", &v) &&
	    json_object_is_type(v, json_type_boolean))
		on = json_object_get_boolean(v);
	if (json_object_object_get_ex(cconf, "socket_options", &so) &&
	    json_object_object_get_ex(so, "TCP_NODELAY", &v) &&
	    json_object_is_type(v, json_type_boolean))
		on = json_object_get_boolean(v);
	return on;
}

/* Read url, TLS material, options and policy into tg (before the
 * sandbox). */
static int
wcl_target_read(struct worker *w, struct wcl_target *tg, char *err,
    size_t errlen)
{
	struct json_object	*t = NULL, *o;
	const char		*url, *cafile = NULL, *domain = NULL;
	const char		*why = NULL;
	char			 e[256];

	if (wsconn_preload() == -1) {
		snprintf(err, errlen, "cannot initialise OpenSSL");
		return -1;
	}
	if ((url = wk_conf_str(w->w_cconf, "url")) == NULL ||
	    url_parse(url, &tg->tg_url, &why) == -1) {
		snprintf(err, errlen, "url %s: %s", url ? url : "missing",
		    why ? why : "required");
		return -1;
	}
	/* wss:// or any tls value but false turns TLS on. */
	tg->tg_tls = tg->tg_url.u_tls;
	if (json_object_object_get_ex(w->w_cconf, "tls", &t) && t != NULL) {
		if (json_object_is_type(t, json_type_boolean))
			tg->tg_tls |= json_object_get_boolean(t);
		else if (json_object_is_type(t, json_type_object)) {
			tg->tg_tls = 1;
			cafile = wk_conf_str(t, "cafile");
			domain = wk_conf_str(t, "domain");
		}
	}
	if (domain == NULL)
		domain = tg->tg_url.u_host;
	if (strlcpy(tg->tg_domain, domain, sizeof(tg->tg_domain)) >=
	    sizeof(tg->tg_domain)) {
		snprintf(err, errlen, "tls domain too long");
		return -1;
	}
	if (tg->tg_tls &&
	    (tg->tg_ctx = tls_client_ctx(cafile, e, sizeof(e))) == NULL) {
		snprintf(err, errlen, "tls: %s", e);
		return -1;
	}
	tg->tg_nodelay = wcl_nodelay(w->w_cconf);
	if (backoff_from_json(&tg->tg_bo, json_object_object_get(
	    json_object_object_get(w->w_conf, "connector"), "reconnect"), e,
	    sizeof(e)) == -1) {
		snprintf(err, errlen, "%s", e);
		return -1;
	}
	wsconn_conf_default(&tg->tg_conf, WS_ROLE_CLIENT);
	tg->tg_conf.cf_url = &tg->tg_url;
	tg->tg_conf.cf_stats = &tg->tg_st;
	tg->tg_conf.cf_owner = w->w_name;
	if (json_object_object_get_ex(w->w_cconf, "ping_interval_ms", &o) &&
	    json_object_is_type(o, json_type_int))
		tg->tg_conf.cf_ping_ms = json_object_get_int(o);
	return 0;
}

/* Read the config; "per_stream": true hands the connector to ws_relay.c. */
static int
wcl_setup(struct worker *w, char *err, size_t errlen)
{
	struct wcl_state	*cs = &wcl;
	struct json_object	*o;
	char			 e[256];

	memset(cs, 0, sizeof(*cs));
	cs->cs_w = w;
	wcl_q_init(&cs->cs_q);
	w->w_profile = SANDBOX_WS_CLIENT;
	w->w_state = cs;
	if (wcl_target_read(w, &cs->cs_tg, err, errlen) == -1)
		return -1;
	if (json_object_object_get_ex(w->w_cconf, "per_stream", &o) &&
	    json_object_is_type(o, json_type_boolean) &&
	    json_object_get_boolean(o)) {
		w->w_state = NULL;
		return wrl_setup(w, &cs->cs_tg, err, errlen);
	}
	if ((cs->cs_timer = evtimer_new(w->w_base, wcl_timer, cs)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Nothing flows to us until we are connected. */
	wk_pause_inputs(w, 1);
	/* The first attempt runs from the loop, inside the sandbox. */
	wcl_schedule(cs, 0);
	log_info("connector %s: connecting to %s:%u%s%s, reconnect %s",
	    w->w_name, cs->cs_tg.tg_url.u_host, cs->cs_tg.tg_url.u_port,
	    cs->cs_tg.tg_tls ? " with TLS for " : "",
	    cs->cs_tg.tg_tls ? cs->cs_tg.tg_domain : "",
	    backoff_describe(&cs->cs_tg.tg_bo, e, sizeof(e)));
	return 0;
}

/* Started, or the routes drained: read the server again. */
static void
wcl_start(struct worker *w)
{
	struct wcl_state	*cs = w->w_state;

	if (cs->cs_paused && wcl_can_read(cs->cs_w))
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
	if (w->w_inputs_paused)
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
	cs->cs_tg.tg_ctx = NULL;
	json_object_put(cs->cs_meta);
	json_object_put(cs->cs_meta_bin);
	cs->cs_meta = cs->cs_meta_bin = NULL;
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
};
