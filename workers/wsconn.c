/* SPDX-License-Identifier: ISC */
/*
 * One WebSocket connection (see wsconn.h).  States: a client first
 * connects TCP by hand (so TCP_NODELAY is set before anything is sent),
 * then TLS if asked, the HTTP upgrade and the frames.  A connection does
 * its own I/O on two evbuffers (one read(2) per wake-up, no FIONREAD, no
 * write interest toggled per reply): frames queued while a read batch is
 * handled go out in one write at its end, frames queued elsewhere at the
 * end of the loop pass, and the write event is armed only when the
 * socket refuses part of it.  TLS works the same way through the layer
 * below (wsconn_tls.c: OpenSSL reads ahead and writes its records to a
 * wire buffer that goes out in one write); its calls say what happened
 * and this file acts on it.  A connection never frees itself inside a
 * callback: it becomes DEAD and a deferred event tells the owner and
 * frees it, so owners may send, close or pause any connection from any
 * callback.  With permessage-deflate agreed, whole messages are inflated
 * (within max_message: a bomb is closed with 1009 having inflated at most
 * one byte past it) and deflated here, between the frames and the owner.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <openssl/crypto.h>

#include <json-c/json.h>

#include "buf.h"
#include "jsonget.h"
#include "log.h"
#include "proxy.h"
#include "reqmeta.h"
#include "ws.h"
#include "wsconn.h"
#include "wsconn_tls.h"

#define WSC_OUT_LOW	(64U * 1024)	/* writable again below this */
#define WSC_SMALL_FRAME	512		/* queued in one piece up to this */
#define WSC_ZKEEP	(64U * 1024)	/* codec buffers kept up to this */
#define WSC_SHARE_MIN	1024		/* shared frames referenced above */

enum wsc_state {
	WSC_CONNECTING,		/* client: TCP connect in progress */
	WSC_PROXY,		/* client: CONNECT sent, the proxy's reply */
	WSC_TLS,		/* client: TLS handshake */
	WSC_HANDSHAKE,		/* HTTP upgrade */
	WSC_OPEN,
	WSC_CLOSING,		/* our close sent, waiting for the peer's */
	WSC_FLUSH,		/* write what is queued, then drop TCP */
	WSC_WAIT_EOF,		/* client: close done, server drops TCP */
	WSC_DEAD		/* the owner is told and it is freed */
};

struct wsconn {
	struct event_base	*c_base;
	struct wsc_tls		 c_tls;		/* TLS (t_ssl NULL: none) */
	int			 c_fd;
	struct evbuffer		*c_in;		/* received (lazy) */
	struct evbuffer		*c_out;		/* to send (TLS: to seal) */
	struct event		*c_rev;		/* readable */
	struct event		*c_wev;		/* output backlog */
	const struct wsconn_conf *c_conf;	/* the owner's */
	const struct wsconn_cb	*c_cb;
	void			*c_arg;
	enum wsc_state		 c_state;
	unsigned int		 c_was_open:1;
	unsigned int		 c_paused:1;
	unsigned int		 c_out_full:1;	/* output over the bound */
	unsigned int		 c_overflow:1;	/* a message refused for it */
	unsigned int		 c_tcp_ok:1;	/* client: TCP connected */
	unsigned int		 c_in_cb:1;	/* flush when done */
	unsigned int		 c_ping_unanswered:1;
	unsigned int		 c_ping_wait:1;	/* c_ping: pong deadline */
	unsigned int		 c_msg_armed:1;	/* c_msg runs */
	struct ws_parser	 c_parser;
	struct ws_close		 c_close;
	const uint8_t		*c_vtext;	/* text being delivered */
	size_t			 c_vlen;
	struct event		*c_timer;	/* handshake, close wait (lazy) */
	struct event		*c_ping;
	struct event		*c_defer;	/* reap or resume */
	struct event		*c_conn_ev;	/* client TCP connect */
	uint64_t		 c_ping_seq;
	uint64_t		 c_sent;	/* bytes the socket took */
	uint64_t		 c_sent_mark;	/* c_sent as a close wait began */
	/* Time limits (issue 11): idle and message timers, made lazily. */
	struct event		*c_idle;
	struct event		*c_msg;
	uint64_t		 c_last_data;	/* ms, last data frame either way */
	uint64_t		 c_msgs;	/* data messages received */
	uint64_t		 c_msg_mark;	/* c_msgs when c_msg was armed */
	char			 c_key[WS_KEY_LEN + 1];
	char			*c_name;
	char			*c_err;		/* why it ended (allocated) */
	struct buf		 c_tmp;
	/* max_buffered: a message being reassembled, queued output */
	struct budget_hold	 c_hold_in;
	struct budget_hold	 c_hold_out;
	struct budget_hold	 c_hold_pmd;	/* zlib state (c_pmd_mem) */
	struct budget_hold	 c_hold_req;	/* c_request, for its life */
	struct pmd		*c_pmd;		/* permessage-deflate, or NULL */
	size_t			 c_pmd_mem;	/* its zlib bound, charged */
	struct buf		 c_zin;		/* an inflated message */
	struct buf		 c_zout;	/* a deflated message */
	char			*c_protocol;	/* agreed subprotocol, or NULL */
	struct json_object	*c_request;	/* wsconn_request() */
};

/* The buffer a read batch lands in (one worker, one thread). */
static uint8_t	 wsc_rbuf[WSC_READ_MAX];

static void	wsc_why(struct wsconn *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	wsc_dead(struct wsconn *);
static void	wsc_flush(struct wsconn *);
static void	wsc_io_event(struct wsconn *, short, int);
static void	wsc_frames(struct wsconn *);
static void	wsc_in_drop(struct wsconn *);
static void	wsc_timeout(evutil_socket_t, short, void *);
static void	wsc_io_write(evutil_socket_t, short, void *);
static int	wsc_over(struct wsconn *, const char *, size_t, int);
static void	wsc_limits_off(struct wsconn *);
static void	wsc_limits_open(struct wsconn *);
static void	wsc_msg_check(struct wsconn *);
static void	wsc_proxy_input(struct wsconn *);
static uint64_t	wsc_now_ms(void);

/*
 * Before the sandbox: make OpenSSL load its configuration and providers
 * and seed its generator now (the handshake's SHA-1 and keys use them),
 * and load the time zone (certificate checks read it).
 */
int
wsconn_preload(void)
{
	char	 key[WS_KEY_LEN + 1], acc[WS_ACCEPT_LEN + 1];

	tzset();
	if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1)
		return -1;
	if (ws_client_key(key) != WS_OK || ws_accept_key(key, acc) != WS_OK)
		return -1;
	return 0;
}

/* Defaults for a role: limits, timeouts and output bound of wsconn.h. */
void
wsconn_conf_default(struct wsconn_conf *cf, enum ws_role role)
{
	memset(cf, 0, sizeof(*cf));
	cf->cf_role = role;
	ws_limits_default(&cf->cf_lim);
	cf->cf_hs_timeout_ms = WSC_HS_TIMEOUT_MS;
	cf->cf_close_wait_ms = WSC_CLOSE_WAIT_MS;
	cf->cf_out_max = WSC_OUT_MAX;
	cf->cf_owner = "ws";
	cf->cf_idle_ms = role == WS_ROLE_SERVER ? WSC_IDLE_MS_SERVER : 0;
	cf->cf_msg_ms = WSC_MSG_TIMEOUT_MS;
	pmd_config_default(&cf->cf_pmd);
}

/*
 * The time limits and sizes of a ws_server or ws_client config (troy
 * checked their ranges); what is absent keeps the role's default.
 */
void
wsconn_limits_read(struct wsconn_conf *cf, struct json_object *cconf)
{
	cf->cf_hs_timeout_ms = (int)jg_int(cconf, "handshake_timeout_ms",
	    cf->cf_hs_timeout_ms);
	cf->cf_idle_ms = (int)jg_int(cconf, "idle_timeout_ms", cf->cf_idle_ms);
	cf->cf_ping_ms = (int)jg_int(cconf, "ping_interval_ms", cf->cf_ping_ms);
	cf->cf_pong_ms = (int)jg_int(cconf, "pong_timeout_ms", cf->cf_pong_ms);
	cf->cf_msg_ms = (int)jg_int(cconf, "message_timeout_ms",
	    cf->cf_msg_ms);
	cf->cf_lim.wl_max_message = (uint64_t)jg_int(cconf, "max_message_size",
	    (int64_t)cf->cf_lim.wl_max_message);
	cf->cf_lim.wl_max_frame = (uint64_t)jg_int(cconf, "max_frame_size",
	    (int64_t)cf->cf_lim.wl_max_frame);
}

/* compression = true or a record: what we offer or accept. */
static int
wsc_conf_pmd(struct pmd_config *pc, struct json_object *v)
{
	pmd_config_default(pc);
	if (v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_boolean)) {
		pc->pc_enabled = json_object_get_boolean(v);
		return 0;
	}
	pc->pc_enabled = 1;
	pc->pc_server_no_context_takeover = jg_bool(v,
	    "server_no_context_takeover", 0);
	pc->pc_client_no_context_takeover = jg_bool(v,
	    "client_no_context_takeover", 0);
	pc->pc_server_max_window_bits = (int)jg_int(v,
	    "server_max_window_bits", PMD_WBITS_MAX);
	pc->pc_client_max_window_bits = (int)jg_int(v,
	    "client_max_window_bits", PMD_WBITS_MAX);
	pc->pc_level = (int)jg_int(v, "level", -1);
	return pmd_config_valid(pc) ? 0 : -1;
}

/*
 * Read "compression" and "protocols" of a connector config into cf
 * (troy checked them; this only refuses what would break the
 * handshake).
 */
int
wsconn_conf_read(struct wsconn_conf *cf, struct json_object *cconf,
    char *err, size_t errlen)
{
	struct json_object	*a;
	struct buf		 b;
	const char		*p;
	size_t			 i, n;

	if (wsc_conf_pmd(&cf->cf_pmd, jg_get(cconf, "compression")) == -1) {
		snprintf(err, errlen, "compression: a value out of range");
		return -1;
	}
	if ((a = jg_arr(cconf, "protocols")) == NULL)
		return 0;
	if ((n = json_object_array_length(a)) > WSC_PROTOCOLS_MAX) {
		snprintf(err, errlen, "protocols: more than %d",
		    WSC_PROTOCOLS_MAX);
		return -1;
	}
	buf_init(&b, WS_FIELD_MAX - 1);
	for (i = 0; i < n; i++) {
		p = json_object_get_string(json_object_array_get_idx(a, i));
		if (p == NULL || *p == '\0' ||
		    (cf->cf_protocols[i] = strdup(p)) == NULL ||
		    (i > 0 && buf_adds(&b, ", ") == -1) ||
		    buf_adds(&b, p) == -1) {
			snprintf(err, errlen, "protocols: empty, too long or "
			    "out of memory");
			goto fail;
		}
		cf->cf_nprotocols = i + 1;
	}
	if (n > 0 && (cf->cf_protocol_offer = strdup(b.bf_data)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	buf_free(&b);
	return 0;
 fail:
	buf_free(&b);
	wsconn_conf_clear(cf);
	return -1;
}

/* Free what wsconn_conf_read() allocated. */
void
wsconn_conf_clear(struct wsconn_conf *cf)
{
	size_t	 i;

	for (i = 0; i < WSC_PROTOCOLS_MAX; i++) {
		free(cf->cf_protocols[i]);
		cf->cf_protocols[i] = NULL;
	}
	cf->cf_nprotocols = 0;
	free(cf->cf_protocol_offer);
	cf->cf_protocol_offer = NULL;
	if (cf->cf_proxy_req != NULL)
		freezero(cf->cf_proxy_req, cf->cf_proxy_len);
	cf->cf_proxy_req = NULL;
	cf->cf_proxy_len = 0;
}

/* Arm the one-shot timer (an open connection has none while idle). */
static void
wsc_timer(struct wsconn *c, int ms)
{
	struct timeval	 tv;

	if (c->c_timer == NULL &&
	    (c->c_timer = evtimer_new(c->c_base, wsc_timeout, c)) == NULL) {
		wsc_why(c, "out of memory");
		wsc_dead(c);
		return;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(c->c_timer, &tv);
}

/* Remember why, unless a reason is known already. */
static void
wsc_why(struct wsconn *c, const char *fmt, ...)
{
	va_list	 ap;
	char	 why[256];

	if (c->c_err != NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	c->c_err = strdup(why);		/* NULL: "closed" */
}

/* What was received and not consumed yet (may be NULL). */
static struct evbuffer *
wsc_in(struct wsconn *c)
{
	return c->c_in;
}

/* What waits to be sent (NULL before the socket is connected). */
static struct evbuffer *
wsc_out(const struct wsconn *c)
{
	return c->c_out;
}

/* What goes to the socket as it is: the TLS records, or the frames. */
static struct evbuffer *
wsc_wire(const struct wsconn *c)
{
	return c->c_tls.t_ssl != NULL ? c->c_tls.t_wire : c->c_out;
}

/*
 * Read from the socket (1) or not (0); never while the output is over
 * its bound.
 */
static void
wsc_want_read(struct wsconn *c, int on)
{
	if (c->c_rev != NULL) {
		if (on && !c->c_out_full)
			event_add(c->c_rev, NULL);
		else
			event_del(c->c_rev);
	}
}

/*
 * Output was queued outside a read batch; the deferred event sends it at
 * the end of this loop pass, with whatever else is queued by then.
 */
static void
wsc_kick(struct wsconn *c)
{
	if (c->c_out != NULL && !c->c_in_cb &&
	    c->c_state != WSC_DEAD)
		event_active(c->c_defer, EV_TIMEOUT, 0);
}

/* The end: stop all I/O now and let the deferred event tell the owner. */
static void
wsc_dead(struct wsconn *c)
{
	if (c->c_state == WSC_DEAD)
		return;
	if (c->c_tls.t_wire != NULL) {
		wsc_tls_shutdown(&c->c_tls);
		(void)evbuffer_write(c->c_tls.t_wire, c->c_fd);
	}
	if (c->c_rev != NULL)
		event_del(c->c_rev);
	if (c->c_wev != NULL)
		event_del(c->c_wev);
	if (c->c_timer != NULL)
		evtimer_del(c->c_timer);
	wsc_limits_off(c);
	c->c_state = WSC_DEAD;
	event_active(c->c_defer, EV_TIMEOUT, 0);
}

/* Count a close code in the stats. */
static void
wsc_count_close(struct wsconn *c, uint16_t code, int out)
{
	struct wsc_stats	*st = c->c_conf->cf_stats;

	if (st == NULL)
		return;
	if (code >= 1000 && code < 1016)
		(out ? st->st_close_out : st->st_close_in)[code - 1000]++;
	else
		st->st_close_other++;
}

/*
 * max_buffered: charge a frame of len payload bytes before it is queued
 * (the header at its largest; wsc_out_settle trues it up).  Control
 * frames that must go out (close) pass force.
 */
static int
wsc_out_charge(struct wsconn *c, size_t len, int force)
{
	size_t	 n = len > SIZE_MAX - WS_HEADER_MAX ? SIZE_MAX :
	    len + WS_HEADER_MAX;

	if (!force)
		return budget_charge(c->c_conf->cf_budget, &c->c_hold_out, n);
	budget_force(c->c_conf->cf_budget, &c->c_hold_out, n);
	return 0;
}

/* max_buffered: the output's share is what waits now (TLS included). */
static void
wsc_out_settle(struct wsconn *c)
{
	budget_track(c->c_conf->cf_budget, &c->c_hold_out, wsconn_pending(c));
}

/*
 * Queue one frame (the client masks a copy).  A small server frame is
 * put together first and queued in one piece.  -2 when the worker's
 * budget refuses it (data and pongs; pings and close frames must go,
 * and a small frame to a peer with nothing waiting goes out at once, so
 * a peer that keeps up is never refused a small reply).
 */
static int
wsc_frame(struct wsconn *c, int opcode, const void *data, size_t len)
{
	struct evbuffer	*out = wsc_out(c);
	uint8_t		 hdr[WSC_SMALL_FRAME];
	size_t		 hlen;

	if (wsc_out_charge(c, len, opcode == WS_OP_PING ||
	    opcode == WS_OP_CLOSE || (len <= WSC_SMALL_FRAME &&
	    wsconn_pending(c) == 0)) == -1)
		return -2;
	if (c->c_conf->cf_role == WS_ROLE_SERVER) {
		if (ws_frame_header(hdr, &hlen, opcode, 1, len, NULL) != WS_OK)
			return -1;
		if (len <= sizeof(hdr) - hlen) {
			if (len > 0)
				memcpy(hdr + hlen, data, len);
			if (evbuffer_add(out, hdr, hlen + len) == -1)
				return -1;
		} else if (evbuffer_add(out, hdr, hlen) == -1 ||
		    evbuffer_add(out, data, len) == -1)
			return -1;
		wsc_kick(c);
		return 0;
	}
	buf_reset(&c->c_tmp);
	if (ws_frame_build(&c->c_tmp, c->c_conf->cf_role, opcode, 1, data,
	    len) != WS_OK ||
	    evbuffer_add(out, c->c_tmp.bf_data, c->c_tmp.bf_len) == -1)
		return -1;
	if (c->c_tmp.bf_cap > 1024 * 1024)
		buf_free(&c->c_tmp);
	wsc_kick(c);
	return 0;
}

/* Queue a close frame: code 0 means an empty payload. */
static void
wsc_close_frame(struct wsconn *c, uint16_t code, const char *reason,
    size_t rlen)
{
	struct evbuffer	*out = wsc_out(c);

	if (rlen > WS_CONTROL_MAX - 2)
		rlen = WS_CONTROL_MAX - 2;
	buf_reset(&c->c_tmp);
	if (code == 0) {
		if (wsc_frame(c, WS_OP_CLOSE, NULL, 0) == -1)
			wsc_why(c, "cannot queue a close frame");
		return;
	}
	(void)wsc_out_charge(c, rlen + 2, 1);
	if (ws_close_build(&c->c_tmp, c->c_conf->cf_role, code, reason,
	    rlen) != WS_OK ||
	    evbuffer_add(out, c->c_tmp.bf_data, c->c_tmp.bf_len) == -1) {
		wsc_why(c, "cannot queue a close frame");
		return;
	}
	wsc_kick(c);
	wsc_count_close(c, code, 1);
}

/* Write what is queued, then drop TCP. */
static void
wsc_flush_and_drop(struct wsconn *c)
{
	c->c_state = WSC_FLUSH;
	wsc_want_read(c, 0);
	wsc_limits_off(c);
	/* A peer that does not read cannot keep us here for ever. */
	wsc_timer(c, c->c_conf->cf_close_wait_ms);
	wsc_flush(c);
	if (c->c_state == WSC_FLUSH && wsconn_pending(c) == 0)
		wsc_dead(c);
}

/* The frame stream is broken: close with the error's code and drop. */
static void
wsc_protocol_error(struct wsconn *c, int err)
{
	struct wsc_stats	*st = c->c_conf->cf_stats;
	struct ws_close_action	 a;
	const char		*why = ws_strerror(err);

	wsc_why(c, "%s (close %u)", why, ws_err_close_code(err));
	/* Counted once: a closing connection was counted already. */
	if (err == WS_ERR_BUDGET && c->c_state == WSC_OPEN && st != NULL &&
	    wsconn_often(++st->st_budget_in))
		log_warnx("connector %s: %s: memory budget (max_buffered %zu "
		    "bytes) spent by a message being received, closed with "
		    "1009", c->c_conf->cf_owner, c->c_name,
		    c->c_conf->cf_budget->bg_limit);
	ws_close_failed(&c->c_close, err, &a);
	if (a.ca_send)
		wsc_close_frame(c, a.ca_code, why, strlen(why));
	wsc_flush_and_drop(c);
}

/* A message we cannot take (code, why): close with code and drop. */
static void
wsc_fail(struct wsconn *c, uint16_t code, const char *why)
{
	struct ws_close_action	 a;

	wsc_why(c, "%s (close %u)", why, code);
	ws_close_local(&c->c_close, code, &a);
	if (a.ca_send)
		wsc_close_frame(c, code, why, strlen(why));
	wsc_flush_and_drop(c);
}

/* A codec buffer is kept between messages only while it is small. */
static void
wsc_zkeep(struct buf *b)
{
	if (b->bf_cap > WSC_ZKEEP)
		buf_free(b);
	else
		buf_reset(b);
}

/*
 * Inflate a compressed message (RFC 7692 6.2) within max_message; a
 * text message must be UTF-8 once inflated.  -1: the connection failed
 * (1009 too big, 1007 bad data or text, 1011 no memory).
 */
static int
wsc_inflate(struct wsconn *c, const struct ws_event *ev,
    const uint8_t **data, size_t *len)
{
	int	 r;

	buf_reset(&c->c_zin);
	r = pmd_inflate(c->c_pmd, ev->we_data, ev->we_len, 1,
	    c->c_conf->cf_lim.wl_max_message, &c->c_zin);
	if (r != PMD_OK) {
		buf_free(&c->c_zin);
		wsc_fail(c, pmd_err_close_code(r), pmd_strerror(r));
		return -1;
	}
	if (ev->we_type == WS_EV_TEXT &&
	    !utf8_valid(c->c_zin.bf_data, c->c_zin.bf_len)) {
		buf_free(&c->c_zin);
		wsc_fail(c, WS_CLOSE_INVALID_DATA,
		    ws_strerror(WS_ERR_INVALID_UTF8));
		return -1;
	}
	*data = (const uint8_t *)c->c_zin.bf_data;
	*len = c->c_zin.bf_len;
	return 0;
}

/* The peer's close frame. */
static void
wsc_peer_close(struct wsconn *c, const struct ws_event *ev)
{
	struct ws_close_action	 a;

	wsc_count_close(c, ev->we_code, 0);
	wsc_why(c, "closed by peer (%u%s%.*s)", ev->we_code,
	    ev->we_reason_len > 0 ? " " : "", (int)ev->we_reason_len,
	    ev->we_reason != NULL ? ev->we_reason : "");
	ws_close_received(&c->c_close, ev->we_code, &a);
	if (a.ca_send)		/* echo code and reason */
		wsc_close_frame(c, ev->we_code, ev->we_reason,
		    ev->we_reason_len);
	if (c->c_conf->cf_role == WS_ROLE_SERVER || a.ca_drop)
		wsc_flush_and_drop(c);
	else {
		/* RFC 6455 7.1.1: the server drops TCP first. */
		c->c_state = WSC_WAIT_EOF;
		wsc_limits_off(c);
		wsc_timer(c, c->c_conf->cf_close_wait_ms);
	}
}

/*
 * Whether the output, with a frame of add bytes about to be queued, is
 * over its bound; if so, say why, count the overflow and, unless the
 * caller reports it, log it (the first ten, then every thousandth); the
 * caller closes with 1008.  The frame counts, except that a frame
 * larger than the bound still goes to a peer that keeps up (no more
 * than the writable mark queued): its bytes are the worker's budget's.
 */
static int
wsc_over(struct wsconn *c, const char *what, size_t add, int reported)
{
	struct wsc_stats	*st = c->c_conf->cf_stats;
	size_t			 p = wsconn_pending(c), max = c->c_conf->cf_out_max;

	if (p <= max && (p <= WSC_OUT_LOW || add <= max - p))
		return 0;
	wsc_why(c, "peer does not read: %s over the bound of %zu bytes "
	    "(close 1008)", what, c->c_conf->cf_out_max);
	if (st != NULL)
		st->st_overflows++;
	if (!reported && (st == NULL || wsconn_often(st->st_overflows)))
		log_warnx("connector %s: %s: peer does not read: %s over the "
		    "bound of %zu bytes, closed with 1008", c->c_conf->cf_owner,
		    c->c_name, what, c->c_conf->cf_out_max);
	return 1;
}

/*
 * max_buffered refused output for this connection: say why, count it,
 * log it (the first ten, then every thousandth); the caller closes
 * with 1008.
 */
static void
wsc_budget_out(struct wsconn *c, const char *what)
{
	struct wsc_stats	*st = c->c_conf->cf_stats;
	const struct budget	*b = c->c_conf->cf_budget;
	size_t			 limit = b != NULL ? b->bg_limit : 0;

	wsc_why(c, "memory budget of the worker (max_buffered %zu bytes) "
	    "spent: %s not queued (close 1008)", limit, what);
	if (st != NULL)
		st->st_budget_out++;
	if (st == NULL || wsconn_often(st->st_budget_out))
		log_warnx("connector %s: %s: memory budget (max_buffered %zu "
		    "bytes) spent: %s not queued, closed with 1008",
		    c->c_conf->cf_owner, c->c_name, limit, what);
}

/*
 * A peer that pings while its output is over the bound is not waited
 * for: its answer would come after output it does not read.  Our 1008
 * is queued, nothing more is read, and TCP is dropped once the output
 * is written or the close wait is over.
 */
static void
wsc_overflow_drop(struct wsconn *c)
{
	struct ws_close_action	 a;
	static const char	 why[] = "output limit";

	ws_close_local(&c->c_close, 1008, &a);
	if (a.ca_send)
		wsc_close_frame(c, 1008, why, sizeof(why) - 1);
	wsc_flush_and_drop(c);
}

/* One parsed event. */
static void
wsc_dispatch(struct wsconn *c, const struct ws_event *ev)
{
	struct wsc_stats	*st = c->c_conf->cf_stats;
	const uint8_t		*data = ev->we_data;
	size_t			 len = ev->we_len;

	switch (ev->we_type) {
	case WS_EV_TEXT:
	case WS_EV_BINARY:
		if (!ws_close_may_deliver(&c->c_close))
			break;
		if (ev->we_compressed && wsc_inflate(c, ev, &data, &len) == -1)
			break;
		if (st != NULL) {
			st->st_frames_in++;
			st->st_bytes_in += len;
		}
		c->c_msgs++;
		if (c->c_idle != NULL)
			c->c_last_data = wsc_now_ms();
		if (ev->we_type == WS_EV_TEXT) {
			c->c_vtext = data;
			c->c_vlen = len;
		}
		c->c_cb->wc_message(c, ev->we_type == WS_EV_BINARY,
		    data, len, c->c_arg);
		c->c_vtext = NULL;
		if (ev->we_compressed)
			wsc_zkeep(&c->c_zin);
		break;
	case WS_EV_PING:
		if (st != NULL)
			st->st_pings_in++;
		if (c->c_state != WSC_OPEN)
			break;
		/* Pongs count: a peer that pings and does not read goes. */
		if (wsc_over(c, "pongs", ev->we_len + 2, 0)) {
			wsc_overflow_drop(c);
			break;
		}
		switch (wsc_frame(c, WS_OP_PONG, ev->we_data, ev->we_len)) {
		case -2:
			wsc_budget_out(c, "a pong");
			wsc_overflow_drop(c);
			break;
		case -1:
			wsc_why(c, "cannot queue a pong");
			break;
		}
		break;
	case WS_EV_CLOSE:
		wsc_peer_close(c, ev);
		break;
	default:
		break;		/* pongs only prove the peer is alive */
	}
}

/* Whether received frames may be handed out now. */
static int
wsc_may_parse(const struct wsconn *c)
{
	return !c->c_paused &&
	    (c->c_state == WSC_OPEN || c->c_state == WSC_CLOSING);
}

/*
 * Parse and hand out the frames of one contiguous block while allowed.
 * Returns the bytes consumed (all of them after a protocol error); the
 * rest must be presented again, with what follows it.
 */
static size_t
wsc_parse_run(struct wsconn *c, uint8_t *data, size_t len)
{
	struct ws_event	 ev;
	size_t		 off = 0, used;
	int		 r;

	while (off < len && wsc_may_parse(c)) {
		c->c_ping_unanswered = 0;
		r = ws_parse(&c->c_parser, data + off, len - off, &used, &ev);
		if (r == WS_NEED_MORE)
			return off + used;
		if (r != WS_OK) {
			wsc_protocol_error(c, r);
			return len;
		}
		wsc_dispatch(c, &ev);	/* ev points into data */
		off += used;
	}
	return off;
}

/* Parse and hand out the buffered frames while allowed. */
static void
wsc_frames(struct wsconn *c)
{
	struct evbuffer	*in = wsc_in(c);
	uint8_t		*data;
	size_t		 len, used;

	if (!wsc_may_parse(c) || in == NULL ||
	    (len = evbuffer_get_length(in)) == 0)
		return;
	if ((data = evbuffer_pullup(in, -1)) == NULL) {
		wsc_why(c, "out of memory");
		wsc_dead(c);
		return;
	}
	used = wsc_parse_run(c, data, len);
	if (c->c_state != WSC_DEAD)
		evbuffer_drain(in, used);
}

/* The handshake is complete in both directions. */
static void
wsc_opened(struct wsconn *c)
{
	/* Made again if a closing handshake needs it. */
	if (c->c_timer != NULL)
		event_free(c->c_timer);
	c->c_timer = NULL;
	c->c_state = WSC_OPEN;
	c->c_was_open = 1;
	ws_close_init(&c->c_close, c->c_conf->cf_role);
	ws_parser_init(&c->c_parser, c->c_conf->cf_role, &c->c_conf->cf_lim,
	    c->c_pmd != NULL ? WS_PARSE_RSV1 : 0);
	ws_parser_budget(&c->c_parser, c->c_conf->cf_budget, &c->c_hold_in);
	/* The handshake's text is not needed any more (idle memory). */
	buf_free(&c->c_tmp);
	if (c->c_conf->cf_stats != NULL)
		c->c_conf->cf_stats->st_connections++;
	wsc_limits_open(c);
	c->c_cb->wc_open(c, c->c_arg);
}

/* Handshake failure: count it (the caller says why). */
static void
wsc_hs_failed(struct wsconn *c)
{
	if (c->c_conf->cf_stats != NULL)
		c->c_conf->cf_stats->st_handshake_failed++;
}

/* The proxy refused the tunnel or answered nonsense: count it, end. */
static void
wsc_proxy_failed(struct wsconn *c)
{
	if (c->c_conf->cf_stats != NULL)
		c->c_conf->cf_stats->st_proxy_failed++;
	wsc_hs_failed(c);
	wsc_dead(c);
}

/* The handshake failed with r (status: the server's HTTP answer, 0 if
 * none): count it, say why, end the connection. */
static void
wsc_hs_abort(struct wsconn *c, int r, int status)
{
	wsc_hs_failed(c);
	if (status > 0 && status != 101)
		wsc_why(c, "handshake: %s (HTTP %d)", ws_strerror(r), status);
	else
		wsc_why(c, "handshake: %s", ws_strerror(r));
	wsc_dead(c);
}

/*
 * The handshake bytes received so far, made contiguous, at most as many
 * as a handshake may have (*maxp).  Returns NULL when nothing was
 * received yet or pullup fails.
 */
static char *
wsc_handshake_bytes(struct wsconn *c, size_t *lenp, size_t *maxp)
{
	struct evbuffer	*in = wsc_in(c);
	size_t		 len, max;

	if (in == NULL)
		return NULL;	/* nothing received yet */
	max = c->c_conf->cf_lim.wl_max_request_line +
	    c->c_conf->cf_lim.wl_max_header_bytes + 4;
	len = evbuffer_get_length(in);
	if (len > max)
		len = max;
	*lenp = len;
	*maxp = max;
	return (char *)evbuffer_pullup(in, len);
}

/*
 * permessage-deflate agreed with parameters pp: make the codec and
 * charge its zlib memory (the one place it is charged; wsconn_free
 * takes it back).
 */
static int
wsc_pmd_start(struct wsconn *c, const struct pmd_params *pp)
{
	struct wsc_stats	*st = c->c_conf->cf_stats;

	if ((c->c_pmd = pmd_new(pp, c->c_conf->cf_role,
	    c->c_conf->cf_pmd.pc_level)) == NULL)
		return -1;
	c->c_pmd_mem = pmd_memory_peak(c->c_pmd);
	/* Its zlib state counts toward max_buffered: a server declines
	 * compression when the budget has no room (0), a client fails. */
	if (budget_charge(c->c_conf->cf_budget, &c->c_hold_pmd,
	    c->c_pmd_mem) == -1) {
		pmd_free(c->c_pmd);
		c->c_pmd = NULL;
		c->c_pmd_mem = 0;
		return c->c_conf->cf_role == WS_ROLE_SERVER ? 0 : -1;
	}
	buf_init(&c->c_zin, 0);
	buf_init(&c->c_zout, 0);
	if (st != NULL) {
		st->st_deflate++;
		st->st_deflate_mem += c->c_pmd_mem;
	}
	return 0;
}

/*
 * Server: what to agree to on top of RFC 6455 (the subprotocol, the
 * first of the client's that we support; permessage-deflate, answered
 * in ext).  An offer we decline is answered without it.
 */
static int
wsc_server_agree(struct wsconn *c, const struct ws_request *req, char *ext,
    size_t extlen)
{
	const struct wsconn_conf	*cf = c->c_conf;
	struct pmd_params		 pp;
	char				 proto[WS_FIELD_MAX];

	ext[0] = '\0';
	if (cf->cf_nprotocols > 0 && ws_protocol_select(req->wr_protocols,
	    (const char *const *)cf->cf_protocols, cf->cf_nprotocols, proto,
	    sizeof(proto)) && (c->c_protocol = strdup(proto)) == NULL)
		return WS_ERR_NOMEM;
	if (cf->cf_pmd.pc_enabled && pmd_server_negotiate(&cf->cf_pmd,
	    req->wr_extensions, strlen(req->wr_extensions), &pp, ext,
	    extlen) == PMD_OK && wsc_pmd_start(c, &pp) == -1)
		return WS_ERR_NOMEM;
	if (c->c_pmd == NULL)
		ext[0] = '\0';
	return WS_OK;
}

/*
 * Server: request metadata (issue 14) from the accepted request's bytes,
 * charged to the worker's budget for the connection's life, short of
 * its reserve (issue 11).  WS_ERR_BUDGET (a 503 then) when it has no
 * room: counted as a budget close of input.
 */
static int
wsc_server_request(struct wsconn *c, const char *data, size_t used,
    const struct ws_request *req)
{
	struct wsc_stats	*st = c->c_conf->cf_stats;
	const struct budget	*b = c->c_conf->cf_budget;

	if ((c->c_request = reqmeta_build(data, used, req->wr_target,
	    c->c_conf->cf_req_names, c->c_conf->cf_nreq_names)) == NULL)
		return WS_ERR_NOMEM;
	if (budget_charge_lasting(c->c_conf->cf_budget, &c->c_hold_req,
	    reqmeta_cost(c->c_request)) == 0)
		return WS_OK;
	json_object_put(c->c_request);
	c->c_request = NULL;
	if (st != NULL)
		st->st_budget_in++;
	if (st == NULL || wsconn_often(st->st_budget_in))
		log_warnx("connector %s: %s: memory budget (max_buffered %zu "
		    "bytes) spent: no room for the request's metadata, "
		    "answered 503", c->c_conf->cf_owner, c->c_name,
		    b != NULL ? b->bg_limit : 0);
	return WS_ERR_BUDGET;
}

/* Server: the client's upgrade request. */
static void
wsc_server_handshake(struct wsconn *c)
{
	struct evbuffer		*in = wsc_in(c);
	struct ws_request	 req;
	size_t			 len, max, used;
	char			*data;
	char			 ext[PMD_RESPONSE_MAX];
	int			 r;

	if ((data = wsc_handshake_bytes(c, &len, &max)) == NULL)
		return;
	r = ws_server_request_parse(data, len, &c->c_conf->cf_lim, &req, &used);
	if (r == WS_NEED_MORE && len < max)
		return;
	if (r == WS_NEED_MORE)
		r = WS_ERR_HS_HEADERS_TOO_BIG;
	/* allowed_origins: another Origin gets 403 */
	if (r == WS_OK && !ws_origin_allowed(req.wr_origin,
	    c->c_conf->cf_origins, c->c_conf->cf_norigins))
		r = WS_ERR_HS_ORIGIN;
	/* request metadata, from the bytes about to go */
	if (r == WS_OK && c->c_conf->cf_request)
		r = wsc_server_request(c, data, used, &req);
	buf_reset(&c->c_tmp);
	if (r != WS_OK) {
		wsc_hs_failed(c);
		wsc_why(c, "handshake: %s", ws_strerror(r));
		evbuffer_drain(in, evbuffer_get_length(in));
		if (ws_server_error_response(&c->c_tmp, r) == WS_OK)
			(void)evbuffer_add(wsc_out(c), c->c_tmp.bf_data,
			    c->c_tmp.bf_len);
		wsc_flush_and_drop(c);
		return;
	}
	evbuffer_drain(in, used);
	if ((r = wsc_server_agree(c, &req, ext, sizeof(ext))) != WS_OK ||
	    (r = ws_server_response_ext(&c->c_tmp, &req, c->c_protocol,
	    ext)) != WS_OK ||
	    evbuffer_add(wsc_out(c), c->c_tmp.bf_data, c->c_tmp.bf_len)
	    == -1) {
		wsc_hs_abort(c, r, 0);
		return;
	}
	wsc_opened(c);
}

/* Client (issue 14): origin and headers, after the built request. */
static int
wsc_client_fields(struct wsconn *c)
{
	const struct wsconn_conf	*cf = c->c_conf;
	int				 r;

	if (cf->cf_origin != NULL && (r = ws_client_request_field(&c->c_tmp,
	    "Origin", cf->cf_origin)) != WS_OK)
		return r;
	if (cf->cf_headers == NULL)
		return WS_OK;
	json_object_object_foreach(cf->cf_headers, name, val) {
		if ((r = ws_client_request_field(&c->c_tmp, name,
		    json_object_get_string(val))) != WS_OK)
			return r;
	}
	return WS_OK;
}

/* Client: send the upgrade request. */
static void
wsc_client_request(struct wsconn *c)
{
	const struct wsconn_conf	*cf = c->c_conf;
	char				 ext[PMD_RESPONSE_MAX];
	int				 r;

	c->c_state = WSC_HANDSHAKE;
	buf_reset(&c->c_tmp);
	ext[0] = '\0';
	if (cf->cf_pmd.pc_enabled &&
	    pmd_client_offer(&cf->cf_pmd, ext, sizeof(ext)) != PMD_OK) {
		wsc_hs_abort(c, WS_ERR_INVAL, 0);
		return;
	}
	if ((r = ws_client_key(c->c_key)) != WS_OK ||
	    (r = ws_client_request_ext(&c->c_tmp, cf->cf_url, c->c_key,
	    NULL, cf->cf_protocol_offer, ext)) != WS_OK ||
	    (r = wsc_client_fields(c)) != WS_OK ||
	    evbuffer_add(wsc_out(c), c->c_tmp.bf_data, c->c_tmp.bf_len)
	    == -1) {
		wsc_hs_abort(c, r, 0);
		return;
	}
	wsc_kick(c);
}

/*
 * Client: take what the server agreed to (RFC 7692 5.1: an answer that
 * does not match our offer fails the connection).
 */
static int
wsc_client_agree(struct wsconn *c, const struct ws_response *resp)
{
	struct pmd_params	 pp;
	int			 r;

	if (resp->ws_protocol[0] != '\0' &&
	    (c->c_protocol = strdup(resp->ws_protocol)) == NULL)
		return WS_ERR_NOMEM;
	if (!c->c_conf->cf_pmd.pc_enabled)
		return WS_OK;
	r = pmd_client_accept(&c->c_conf->cf_pmd, resp->ws_extensions,
	    strlen(resp->ws_extensions), &pp);
	if (r == PMD_NONE)
		return WS_OK;
	if (r != PMD_OK) {
		wsc_why(c, "handshake: permessage-deflate: %s",
		    pmd_strerror(r));
		return WS_ERR_HS_EXTENSION;
	}
	return wsc_pmd_start(c, &pp) == -1 ? WS_ERR_NOMEM : WS_OK;
}

/* Client: the server's answer. */
static void
wsc_client_handshake(struct wsconn *c)
{
	struct evbuffer		*in = wsc_in(c);
	struct ws_response	 resp;
	size_t			 len, max, used;
	char			*data;
	int			 r;

	if ((data = wsc_handshake_bytes(c, &len, &max)) == NULL)
		return;
	r = ws_client_response_parse_ext(data, len, &c->c_conf->cf_lim,
	    c->c_key, c->c_conf->cf_protocol_offer,
	    c->c_conf->cf_pmd.pc_enabled, &resp, &used);
	if (r == WS_NEED_MORE && len < max)
		return;
	if (r == WS_NEED_MORE)
		r = WS_ERR_HS_HEADERS_TOO_BIG;
	if (r == WS_OK)
		r = wsc_client_agree(c, &resp);
	if (r != WS_OK) {
		wsc_hs_abort(c, r, resp.ws_status);
		return;
	}
	evbuffer_drain(in, used);
	wsc_opened(c);
}

/* Input arrived: the handshake first, then frames. */
static void
wsc_input(struct wsconn *c)
{
	if (c->c_state == WSC_HANDSHAKE) {
		if (c->c_conf->cf_role == WS_ROLE_SERVER)
			wsc_server_handshake(c);
		else
			wsc_client_handshake(c);
	}
	if (c->c_state == WSC_OPEN || c->c_state == WSC_CLOSING)
		wsc_frames(c);
	else if (c->c_state == WSC_WAIT_EOF)
		wsc_in_drop(c);
}

/* Forget what was received, and the buffer. */
static void
wsc_in_drop(struct wsconn *c)
{
	if (c->c_in != NULL) {
		evbuffer_free(c->c_in);
		c->c_in = NULL;
	}
}

/* Keep received bytes (the buffer is made when needed). */
static int
wsc_in_add(struct wsconn *c, const uint8_t *data, size_t len)
{
	if (c->c_in == NULL && (c->c_in = evbuffer_new()) == NULL)
		return -1;
	return evbuffer_add(c->c_in, data, len);
}

/*
 * Input backpressure from the output: while more than the bound waits
 * for the peer, the socket is not read (TCP pushes back), and a peer
 * that takes less than WSC_DRAIN_MIN of it in a close wait is closed
 * with 1008 (wsc_timeout): a peer that does not read, not one that
 * reads slowly.  Nothing more is queued meanwhile, so the output only
 * shrinks and the wait ends.  Reading resumes once the output is
 * within the bound again.
 */
static void
wsc_out_bound(struct wsconn *c, size_t len)
{
	int	 full;

	/* After a refused message: until the peer has read its backlog. */
	full = c->c_state == WSC_OPEN && (len > c->c_conf->cf_out_max ||
	    (c->c_overflow && len > WSC_OUT_LOW));
	if (full == c->c_out_full)
		return;
	c->c_out_full = full;
	if (full) {
		wsc_want_read(c, 0);
		c->c_sent_mark = c->c_sent;
		wsc_timer(c, c->c_conf->cf_close_wait_ms);
		return;
	}
	if (c->c_overflow && c->c_state == WSC_OPEN) {
		/* It reads again, but a message was not sent: 1008. */
		wsconn_close(c, 1008, "output limit");
		return;
	}
	if (c->c_state == WSC_OPEN && c->c_timer != NULL)
		evtimer_del(c->c_timer);
	if (!c->c_paused && c->c_state != WSC_FLUSH &&
	    c->c_state != WSC_DEAD) {
		wsc_want_read(c, 1);
		/* Input already buffered does not wake the socket. */
		event_active(c->c_defer, EV_TIMEOUT, 0);
	}
}

/* Output drained below the low watermark (or to zero when flushing). */
static void
wsc_wrote(struct wsconn *c)
{
	size_t	 len = wsconn_pending(c);

	wsc_out_settle(c);
	wsc_out_bound(c, len);
	if (c->c_state == WSC_FLUSH) {
		if (len == 0)
			wsc_dead(c);
		return;
	}
	if (c->c_state == WSC_OPEN && len <= WSC_OUT_LOW &&
	    c->c_cb->wc_writable != NULL)
		c->c_cb->wc_writable(c, c->c_arg);
}

/*
 * TLS ended (st WSC_TLS_CLOSED or WSC_TLS_FAILED, why): the peer's end
 * is an end of file, a failure ends the connection with its reason (a
 * failed handshake counts).
 */
static void
wsc_tls_ended(struct wsconn *c, enum wsc_tls_st st, const char *why)
{
	if (st == WSC_TLS_CLOSED) {
		wsc_io_event(c, BEV_EVENT_EOF | BEV_EVENT_READING, 0);
		return;
	}
	wsc_why(c, "%s", why);
	if (!c->c_tls.t_done)
		wsc_hs_failed(c);
	wsc_dead(c);
}

/*
 * One write of the wire buffer to the socket, counting what it took (the
 * reader's progress; TLS: record bytes).  -1 on an error other than a
 * full socket.
 */
static int
wsc_write(struct wsconn *c, struct evbuffer *wire)
{
	int	 n;

	if ((n = evbuffer_write(wire, c->c_fd)) == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR ? 0 : -1;
	c->c_sent += (uint64_t)n;
	return 0;
}

/*
 * Write what is queued now (TLS: sealed first), unless a backlog already
 * waits for the socket; what the socket refuses waits for the write
 * event.
 */
static void
wsc_flush(struct wsconn *c)
{
	struct evbuffer	*wire;
	const char	*why;
	enum wsc_tls_st	 st;

	if (c->c_out == NULL || c->c_state == WSC_DEAD)
		return;
	if (c->c_tls.t_ssl != NULL && c->c_tls.t_done &&
	    evbuffer_get_length(c->c_out) > 0 &&
	    (st = wsc_tls_seal(&c->c_tls, c->c_out, &why)) != WSC_TLS_OK) {
		wsc_tls_ended(c, st, why);
		return;
	}
	wire = wsc_wire(c);
	if (evbuffer_get_length(wire) == 0)
		return;
	if (c->c_wev != NULL && event_pending(c->c_wev, EV_WRITE, NULL)) {
		wsc_out_bound(c, wsconn_pending(c));
		return;
	}
	if (wsc_write(c, wire) == -1) {
		c->c_tls.t_bad = 1;
		wsc_io_event(c, BEV_EVENT_ERROR | BEV_EVENT_WRITING, errno);
		return;
	}
	/* A backlog: wait for the socket (the event is made on first use). */
	if (evbuffer_get_length(wire) > 0 && ((c->c_wev == NULL &&
	    (c->c_wev = event_new(c->c_base, c->c_fd, EV_WRITE | EV_PERSIST,
	    wsc_io_write, c)) == NULL) || event_add(c->c_wev, NULL) == -1)) {
		wsc_why(c, "out of memory");
		wsc_dead(c);
		return;
	}
	wsc_wrote(c);
}

/* The socket takes more of the backlog. */
static void
wsc_io_write(evutil_socket_t fd, short ev, void *arg)
{
	struct wsconn	*c = arg;
	struct evbuffer	*wire = wsc_wire(c);

	(void)ev;
	(void)fd;
	if (wsc_write(c, wire) == -1) {
		c->c_tls.t_bad = 1;
		wsc_io_event(c, BEV_EVENT_ERROR | BEV_EVENT_WRITING, errno);
		return;
	}
	if (evbuffer_get_length(wire) == 0)
		event_del(c->c_wev);
	wsc_wrote(c);
}

/*
 * Hand one batch of received bytes on.  With nothing buffered before,
 * frames are parsed in place and only a remainder (a partial frame, or
 * what a pause held back) is kept.
 */
static void
wsc_batch(struct wsconn *c, uint8_t *data, size_t n)
{
	size_t	 used;

	if ((c->c_in == NULL || evbuffer_get_length(c->c_in) == 0) &&
	    wsc_may_parse(c)) {
		used = wsc_parse_run(c, data, n);
		if (c->c_state != WSC_DEAD && used < n &&
		    wsc_in_add(c, data + used, n - used) == -1) {
			wsc_why(c, "out of memory");
			wsc_dead(c);
		}
	} else if (wsc_in_add(c, data, n) == -1) {
		wsc_why(c, "out of memory");
		wsc_dead(c);
	} else
		wsc_input(c);
	/* An open connection keeps no input buffer while it has none. */
	if (c->c_state == WSC_OPEN && c->c_in != NULL &&
	    evbuffer_get_length(c->c_in) == 0)
		wsc_in_drop(c);
	if (c->c_conf->cf_msg_ms > 0)
		wsc_msg_check(c);
}

/*
 * TLS: the handshake, then what OpenSSL decrypts, gathered into one
 * batch (wsc_tls_read: OpenSSL reads the socket ahead, so a message split
 * over records is parsed in place and no read(2) is made only to hear
 * EAGAIN).  Data OpenSSL still holds when the input is paused is taken
 * on resume (wsc_deferred).  All replies and handshake records go out in
 * one write at the end.
 */
static void
wsc_tls_input(struct wsconn *c)
{
	struct wsc_tls_stop	 stop;
	enum wsc_tls_st		 st = WSC_TLS_OK;
	const char		*why;
	size_t			 n;

	c->c_in_cb = 1;
	if (!c->c_tls.t_done) {
		st = wsc_tls_handshake(&c->c_tls, &stop);
		if (st == WSC_TLS_OK && c->c_state == WSC_TLS)
			wsc_client_request(c);
	}
	while (st == WSC_TLS_OK) {
		st = wsc_tls_read(&c->c_tls, wsc_rbuf, sizeof(wsc_rbuf), &n,
		    &stop);
		if (n > 0 && c->c_state != WSC_DEAD)
			wsc_batch(c, wsc_rbuf, n);
		if (n < sizeof(wsc_rbuf) || c->c_paused || c->c_out_full ||
		    c->c_state == WSC_DEAD || !wsc_tls_pending(&c->c_tls))
			break;
	}
	c->c_in_cb = 0;
	if (c->c_state == WSC_DEAD)
		return;
	/* The end: the reason first; an alert leaves with wsc_dead. */
	if (st == WSC_TLS_STOP) {
		st = wsc_tls_end(&c->c_tls, &stop, &why);
		wsc_tls_ended(c, st, why);
	} else
		wsc_flush(c);
}

/*
 * The socket is readable.  Plain: one read(2) (no FIONREAD), the batch is
 * handled, then all replies go out in one write.  TLS: wsc_tls_input.
 */
static void
wsc_io_read(evutil_socket_t fd, short ev, void *arg)
{
	struct wsconn	*c = arg;
	ssize_t		 n;

	(void)ev;
	if (c->c_state == WSC_PROXY) {
		wsc_proxy_input(c);
		return;
	}
	if (c->c_tls.t_ssl != NULL) {
		wsc_tls_input(c);
		return;
	}
	n = read(fd, wsc_rbuf, sizeof(wsc_rbuf));
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n == -1) {
		wsc_io_event(c, BEV_EVENT_ERROR | BEV_EVENT_READING, errno);
		return;
	}
	if (n == 0) {
		wsc_io_event(c, BEV_EVENT_EOF | BEV_EVENT_READING, 0);
		return;
	}
	c->c_in_cb = 1;
	wsc_batch(c, wsc_rbuf, (size_t)n);
	c->c_in_cb = 0;
	wsc_flush(c);
}

/* End of file or an error (errno saved). */
static void
wsc_io_event(struct wsconn *c, short what, int saved)
{
	if (what & BEV_EVENT_EOF) {
		/* Frames read before the EOF still count. */
		if (c->c_state == WSC_OPEN || c->c_state == WSC_CLOSING) {
			c->c_paused = 0;
			wsc_frames(c);
		}
		if (c->c_state == WSC_PROXY) {
			wsc_why(c, "proxy: connection closed before its "
			    "reply");
			wsc_proxy_failed(c);
			return;
		}
		if (c->c_state == WSC_HANDSHAKE || c->c_state == WSC_TLS) {
			wsc_hs_failed(c);
			wsc_why(c, "handshake: connection closed by peer");
		} else if (c->c_state == WSC_OPEN || c->c_state == WSC_CLOSING)
			wsc_why(c, "connection lost (1006)");
		else
			wsc_why(c, "closed");
	} else if (what & BEV_EVENT_ERROR)
		wsc_why(c, "%s", saved ? strerror(saved) : "connection error");
	else
		return;
	wsc_dead(c);
}

/* Handshake too slow, close handshake too slow, or a stuck flush. */
static void
wsc_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct wsconn	*c = arg;

	(void)fd;
	(void)ev;
	switch (c->c_state) {
	case WSC_CONNECTING:
	case WSC_TLS:
	case WSC_HANDSHAKE:
		wsc_hs_failed(c);
		wsc_why(c, "handshake timed out after %d ms",
		    c->c_conf->cf_hs_timeout_ms);
		break;
	case WSC_PROXY:
		wsc_why(c, "handshake timed out after %d ms (no reply from "
		    "the proxy)", c->c_conf->cf_hs_timeout_ms);
		wsc_proxy_failed(c);
		return;
	case WSC_CLOSING:
		wsc_why(c, "no close frame from the peer within %d ms",
		    c->c_conf->cf_close_wait_ms);
		break;
	case WSC_OPEN:
		/* Only armed while the output is over its bound: a peer
		 * still taking it (slowly) gets another wait. */
		if (c->c_sent - c->c_sent_mark >= WSC_DRAIN_MIN) {
			c->c_sent_mark = c->c_sent;
			wsc_timer(c, c->c_conf->cf_close_wait_ms);
			return;
		}
		(void)wsc_over(c, "output", 0, 0);
		wsconn_close(c, 1008, "output limit");
		return;
	default:
		wsc_why(c, "closed");
		break;
	}
	wsc_dead(c);
}

/*
 * Milliseconds of the coarse monotonic clock: a data frame stamps the
 * idle time with it (no system call, no timer reset per frame).
 */
static uint64_t
wsc_now_ms(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Arm a timer ms from now. */
static void
wsc_arm(struct event *ev, int ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

/* How long a ping may wait for its answer. */
static int
wsc_pong_ms(const struct wsconn *c)
{
	return c->c_conf->cf_pong_ms > 0 ? c->c_conf->cf_pong_ms :
	    c->c_conf->cf_ping_ms;
}

/* A time limit passed: count it, say why, close with code. */
static void
wsc_time_up(struct wsconn *c, uint16_t code, const char *reason,
    const char *what, int ms)
{
	struct wsc_stats	*st = c->c_conf->cf_stats;

	if (st != NULL)
		st->st_timeouts++;
	wsc_why(c, "%s within %d ms (close %u)", what, ms, code);
	wsconn_close(c, code, reason);
}

/*
 * Keepalive: send a ping, then at the pong deadline check that the peer
 * said anything since (any frame counts, not only the pong); the next
 * ping goes out a ping interval after the previous one, or at the
 * deadline when the answer may take longer than that.
 */
static void
wsc_ping(evutil_socket_t fd, short ev, void *arg)
{
	struct wsconn	*c = arg;
	uint64_t	 seq;
	int		 ping = c->c_conf->cf_ping_ms, pong = wsc_pong_ms(c);

	(void)fd;
	(void)ev;
	if (c->c_state != WSC_OPEN)
		return;
	if (c->c_ping_wait) {
		c->c_ping_wait = 0;
		if (c->c_ping_unanswered) {
			wsc_time_up(c, WS_CLOSE_GOING_AWAY, "keepalive timeout",
			    "keepalive: no answer to a ping", pong);
			return;
		}
		if (ping > pong) {
			wsc_arm(c->c_ping, ping - pong);
			return;
		}
	}
	seq = ++c->c_ping_seq;
	if (wsc_frame(c, WS_OP_PING, &seq, sizeof(seq)) == -1)
		return;
	c->c_ping_unanswered = 1;
	c->c_ping_wait = 1;
	wsc_arm(c->c_ping, pong);
}

/* idle_timeout_ms: no data frame either way for that long closes. */
static void
wsc_idle(evutil_socket_t fd, short ev, void *arg)
{
	struct wsconn	*c = arg;
	uint64_t	 now = wsc_now_ms(), idle;
	int		 ms = c->c_conf->cf_idle_ms;

	(void)fd;
	(void)ev;
	if (c->c_state != WSC_OPEN)
		return;
	/* Not read because of our own backpressure: not the peer's idling. */
	if (c->c_paused || c->c_out_full)
		c->c_last_data = now;
	idle = now - c->c_last_data;
	if (idle < (uint64_t)ms) {
		wsc_arm(c->c_idle, ms - (int)idle);
		return;
	}
	wsc_time_up(c, WS_CLOSE_GOING_AWAY, "idle timeout",
	    "idle: no data frame either way", ms);
}

/* message_timeout_ms: a message started must be complete by then. */
static void
wsc_msg_late(evutil_socket_t fd, short ev, void *arg)
{
	struct wsconn	*c = arg;

	(void)fd;
	(void)ev;
	c->c_msg_armed = 0;
	if (c->c_state != WSC_OPEN)
		return;
	/* We stopped reading it (backpressure): the peer gets its time. */
	if (c->c_paused || c->c_out_full) {
		c->c_msg_armed = 1;
		wsc_arm(c->c_msg, c->c_conf->cf_msg_ms);
		return;
	}
	wsc_time_up(c, 1008, "message timeout",
	    "message: an unfinished message not completed",
	    c->c_conf->cf_msg_ms);
}

/*
 * After a read batch: a message (or frame) left unfinished starts the
 * message timer, unless it runs for this same message already; none
 * unfinished stops it.  Costs a heap operation only per batch that ends
 * inside a new message.
 */
static void
wsc_msg_check(struct wsconn *c)
{
	int	 busy;

	busy = c->c_state == WSC_OPEN && !ws_parser_idle(&c->c_parser);
	if (!busy) {
		if (c->c_msg_armed) {
			evtimer_del(c->c_msg);
			c->c_msg_armed = 0;
		}
		return;
	}
	if (c->c_msg_armed && c->c_msg_mark == c->c_msgs)
		return;
	if (c->c_msg == NULL &&
	    (c->c_msg = evtimer_new(c->c_base, wsc_msg_late, c)) == NULL) {
		wsc_why(c, "out of memory");
		wsc_dead(c);
		return;
	}
	c->c_msg_mark = c->c_msgs;
	c->c_msg_armed = 1;
	wsc_arm(c->c_msg, c->c_conf->cf_msg_ms);
}

/* The connection is open: start keepalive and the idle timer. */
static void
wsc_limits_open(struct wsconn *c)
{
	if (c->c_conf->cf_ping_ms > 0) {
		c->c_ping_wait = 0;
		wsc_arm(c->c_ping, c->c_conf->cf_ping_ms);
	}
	if (c->c_conf->cf_idle_ms > 0) {
		if (c->c_idle == NULL &&
		    (c->c_idle = evtimer_new(c->c_base, wsc_idle, c)) == NULL) {
			wsc_why(c, "out of memory");
			wsc_dead(c);
			return;
		}
		c->c_last_data = wsc_now_ms();
		wsc_arm(c->c_idle, c->c_conf->cf_idle_ms);
	}
}

/* Closing or gone: keepalive, idle and message timers stop. */
static void
wsc_limits_off(struct wsconn *c)
{
	if (c->c_ping != NULL)
		evtimer_del(c->c_ping);
	if (c->c_idle != NULL)
		evtimer_del(c->c_idle);
	if (c->c_msg != NULL)
		evtimer_del(c->c_msg);
	c->c_msg_armed = 0;
}

/*
 * Deferred: tell the owner about a dead connection, or resume input
 * (TLS: then what OpenSSL still holds) and send what was queued.
 */
static void
wsc_deferred(evutil_socket_t fd, short ev, void *arg)
{
	struct wsconn	*c = arg;

	(void)fd;
	(void)ev;
	if (c->c_state == WSC_DEAD) {
		if (c->c_cb->wc_closed != NULL)
			c->c_cb->wc_closed(c, c->c_arg);
		wsconn_free(c);
		return;
	}
	if (c->c_rev == NULL)
		return;
	c->c_in_cb = 1;
	if (!c->c_paused)
		wsc_input(c);
	c->c_in_cb = 0;
	if (c->c_tls.t_ssl != NULL && c->c_tls.t_done && !c->c_paused &&
	    !c->c_out_full && c->c_state != WSC_DEAD &&
	    c->c_state != WSC_FLUSH && wsc_tls_pending(&c->c_tls))
		wsc_tls_input(c);
	else
		wsc_flush(c);
}

/* Common allocation. */
static struct wsconn *
wsc_new(struct event_base *base, const struct wsconn_conf *cf,
    const struct wsconn_cb *cb, void *arg, const char *name)
{
	struct wsconn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->c_base = base;
	c->c_fd = -1;
	c->c_conf = cf;
	c->c_cb = cb;
	c->c_arg = arg;
	if ((c->c_name = strdup(name)) == NULL) {
		free(c);
		return NULL;
	}
	buf_init(&c->c_tmp, cf->cf_lim.wl_max_message + WS_HEADER_MAX);
	ws_parser_init(&c->c_parser, cf->cf_role, &cf->cf_lim, 0);
	ws_parser_budget(&c->c_parser, cf->cf_budget, &c->c_hold_in);
	c->c_timer = evtimer_new(base, wsc_timeout, c);
	c->c_defer = event_new(base, -1, 0, wsc_deferred, c);
	if (cf->cf_ping_ms > 0)
		c->c_ping = evtimer_new(base, wsc_ping, c);
	if (c->c_timer == NULL || c->c_defer == NULL ||
	    (cf->cf_ping_ms > 0 && c->c_ping == NULL)) {
		wsconn_free(c);
		return NULL;
	}
	return c;
}

/* Our own buffers and events on the socket (c_fd stays ours). */
static int
wsc_plain(struct wsconn *c, int fd)
{
	c->c_fd = fd;
	if ((c->c_out = evbuffer_new()) == NULL ||
	    (c->c_rev = event_new(c->c_base, fd, EV_READ | EV_PERSIST,
	    wsc_io_read, c)) == NULL)
		return -1;
	return event_add(c->c_rev, NULL);
}

/* Server side: a new connection in the upgrade state, timer armed. */
struct wsconn *
wsconn_accept(struct event_base *base, int fd, SSL *ssl,
    const struct wsconn_conf *cf, const struct wsconn_cb *cb, void *arg,
    const char *name)
{
	struct wsconn	*c;

	if ((c = wsc_new(base, cf, cb, arg, name)) == NULL) {
		close(fd);
		SSL_free(ssl);
		return NULL;
	}
	c->c_fd = fd;
	c->c_tls.t_ssl = ssl;
	if (wsc_plain(c, fd) == -1 ||
	    (ssl != NULL && wsc_tls_start(&c->c_tls, fd, 1) == -1)) {
		wsconn_free(c);		/* closes fd, frees ssl */
		return NULL;
	}
	c->c_state = WSC_HANDSHAKE;
	wsc_timer(c, cf->cf_hs_timeout_ms);
	return c;
}

/* Client: TCP is up (through the proxy's tunnel if there is one):
 * TLS, then the upgrade. */
static void
wsc_client_start(struct wsconn *c)
{
	if (c->c_tls.t_ssl != NULL) {
		c->c_state = WSC_TLS;	/* the request follows TLS */
		wsc_tls_input(c);	/* ClientHello */
	} else
		wsc_client_request(c);
}

/*
 * Client: the proxy's reply to CONNECT.  The socket is peeked and only
 * the bytes of the reply head are taken from it, so whatever the proxy
 * sent after the head stays in the socket for TLS or the upgrade,
 * as if it had come from the target.  The head is bounded like the
 * upgrade's (max_request_line + max_header_bytes); a proxy that never
 * ends it meets the handshake timeout.
 */
static void
wsc_proxy_input(struct wsconn *c)
{
	size_t		 have, max, want, used = 0, take;
	ssize_t		 n;
	char		*data;
	int		 r, status = 0;

	max = c->c_conf->cf_lim.wl_max_request_line +
	    c->c_conf->cf_lim.wl_max_header_bytes + 4;
	have = c->c_in != NULL ? evbuffer_get_length(c->c_in) : 0;
	want = max - have < sizeof(wsc_rbuf) ? max - have : sizeof(wsc_rbuf);
	n = recv(c->c_fd, wsc_rbuf, want, MSG_PEEK);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		wsc_io_event(c, (n == 0 ? BEV_EVENT_EOF : BEV_EVENT_ERROR) |
		    BEV_EVENT_READING, n == 0 ? 0 : errno);
		return;
	}
	if (wsc_in_add(c, wsc_rbuf, (size_t)n) == -1 ||
	    (data = (char *)evbuffer_pullup(c->c_in, -1)) == NULL) {
		wsc_why(c, "out of memory");
		wsc_dead(c);
		return;
	}
	r = proxy_reply_parse(data, have + (size_t)n, max, &status, &used);
	if (r == PROXY_OK && used <= have)
		r = PROXY_ERR_HEADER;	/* cannot be: have was no head */
	if (r == PROXY_OK || r == PROXY_NEED_MORE) {
		take = r == PROXY_OK ? used - have : (size_t)n;
		if (read(c->c_fd, wsc_rbuf, take) != (ssize_t)take) {
			wsc_io_event(c, BEV_EVENT_ERROR | BEV_EVENT_READING,
			    errno);
			return;
		}
		if (r == PROXY_NEED_MORE)
			return;
	}
	wsc_in_drop(c);
	if (r != PROXY_OK) {
		wsc_why(c, "proxy: %s", proxy_strerror(r));
		wsc_proxy_failed(c);
		return;
	}
	if (status < 200 || status > 299) {
		wsc_why(c, "proxy refused CONNECT: HTTP %d", status);
		wsc_proxy_failed(c);
		return;
	}
	wsc_client_start(c);
}

/* Client: the TCP connect finished (or failed). */
static void
wsc_connected(evutil_socket_t fd, short ev, void *arg)
{
	struct wsconn	*c = arg;
	socklen_t	 len = sizeof(int);
	int		 err = 0;

	(void)ev;
	event_free(c->c_conn_ev);
	c->c_conn_ev = NULL;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		wsc_why(c, "connect: %s", strerror(err));
		wsc_dead(c);
		return;
	}
	c->c_tcp_ok = 1;
	if (wsc_plain(c, c->c_fd) == -1 ||
	    (c->c_tls.t_ssl != NULL &&
	    wsc_tls_start(&c->c_tls, c->c_fd, 0) == -1)) {
		wsc_why(c, "out of memory");
		wsc_dead(c);
		return;
	}
	if (c->c_conf->cf_proxy_req != NULL) {
		/* A proxy first: CONNECT goes out as it is, before TLS,
		 * from the conf (which outlives us): no copy of the
		 * credentials is made. */
		c->c_state = WSC_PROXY;
		if (evbuffer_add_reference(wsc_wire(c),
		    c->c_conf->cf_proxy_req, c->c_conf->cf_proxy_len, NULL,
		    NULL) == -1) {
			wsc_why(c, "out of memory");
			wsc_dead(c);
			return;
		}
		wsc_flush(c);
		return;
	}
	wsc_client_start(c);
}

/* Client side: start the TCP connect; the rest follows from the loop. */
struct wsconn *
wsconn_connect(struct event_base *base, int fd, SSL *ssl,
    const struct sockaddr *sa, socklen_t salen, const struct wsconn_conf *cf,
    const struct wsconn_cb *cb, void *arg, const char *name)
{
	struct wsconn	*c;

	if ((c = wsc_new(base, cf, cb, arg, name)) == NULL) {
		close(fd);
		SSL_free(ssl);
		return NULL;
	}
	c->c_fd = fd;
	c->c_tls.t_ssl = ssl;
	c->c_state = WSC_CONNECTING;
	/* sa NULL: connected already (a unix_socket, issue 14); the write
	 * event comes at once */
	if (sa != NULL && connect(fd, sa, salen) == -1 &&
	    errno != EINPROGRESS) {
		wsc_why(c, "connect: %s", strerror(errno));
		wsc_dead(c);
		return c;
	}
	if ((c->c_conn_ev = event_new(base, fd, EV_WRITE, wsc_connected, c))
	    == NULL || event_add(c->c_conn_ev, NULL) == -1) {
		wsc_why(c, "out of memory");
		wsc_dead(c);
		return c;
	}
	wsc_timer(c, cf->cf_hs_timeout_ms);
	return c;
}

/* Free at once, whatever the state; no callback. */
void
wsconn_free(struct wsconn *c)
{
	if (c == NULL)
		return;
	if (c->c_conn_ev != NULL)
		event_free(c->c_conn_ev);
	if (c->c_rev != NULL)
		event_free(c->c_rev);
	if (c->c_wev != NULL)
		event_free(c->c_wev);
	if (c->c_in != NULL)
		evbuffer_free(c->c_in);
	if (c->c_out != NULL)
		evbuffer_free(c->c_out);
	wsc_tls_free(&c->c_tls);	/* the SSL and its BIOs */
	if (c->c_fd != -1)
		close(c->c_fd);
	if (c->c_timer != NULL)
		event_free(c->c_timer);
	if (c->c_ping != NULL)
		event_free(c->c_ping);
	if (c->c_idle != NULL)
		event_free(c->c_idle);
	if (c->c_msg != NULL)
		event_free(c->c_msg);
	if (c->c_defer != NULL)
		event_free(c->c_defer);
	ws_parser_free(&c->c_parser);
	budget_release_all(c->c_conf->cf_budget, &c->c_hold_in);
	budget_release_all(c->c_conf->cf_budget, &c->c_hold_out);
	budget_release_all(c->c_conf->cf_budget, &c->c_hold_pmd);
	budget_release_all(c->c_conf->cf_budget, &c->c_hold_req);
	buf_free(&c->c_tmp);
	if (c->c_pmd != NULL && c->c_conf->cf_stats != NULL)
		c->c_conf->cf_stats->st_deflate_mem -= c->c_pmd_mem;
	pmd_free(c->c_pmd);
	buf_free(&c->c_zin);
	buf_free(&c->c_zout);
	free(c->c_protocol);
	json_object_put(c->c_request);
	free(c->c_name);
	free(c->c_err);
	free(c);
}

/*
 * Whether these bytes are those of the text message being delivered
 * (validated on receipt): an echo need not be validated again.
 */
static int
wsc_known_text(const struct wsconn *c, const void *data, size_t len)
{
	return c->c_vtext != NULL && len == c->c_vlen &&
	    (data == c->c_vtext || memcmp(data, c->c_vtext, len) == 0);
}

/*
 * A message framed once for many server connections (broadcast): the
 * header and payload in one block, referenced by the connections' output
 * until each has written it.
 */
struct wsconn_shared {
	unsigned int	 sh_refs;
	int		 sh_binary;
	size_t		 sh_len;	/* payload bytes */
	size_t		 sh_flen;	/* frame bytes (header and payload) */
	uint8_t		*sh_data;	/* the payload, inside sh_frame */
	uint8_t		 sh_frame[];
};

/* A frame for many connections; NULL with a reason (not UTF-8 text). */
struct wsconn_shared *
wsconn_shared_new(int binary, const void *data, size_t len, const char **why)
{
	struct wsconn_shared	*sh;
	uint8_t			 hdr[WS_HEADER_MAX];
	size_t			 hlen;

	if (!binary && !utf8_valid(data, len)) {
		*why = "not valid UTF-8 for a text frame";
		return NULL;
	}
	if (ws_frame_header(hdr, &hlen, binary ? WS_OP_BINARY : WS_OP_TEXT, 1,
	    len, NULL) != WS_OK || len > SIZE_MAX - sizeof(*sh) - hlen ||
	    (sh = malloc(sizeof(*sh) + hlen + len)) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	sh->sh_refs = 1;
	sh->sh_binary = binary;
	sh->sh_len = len;
	sh->sh_flen = hlen + len;
	memcpy(sh->sh_frame, hdr, hlen);
	sh->sh_data = sh->sh_frame + hlen;
	if (len > 0)
		memcpy(sh->sh_data, data, len);
	return sh;
}

/* Drop one reference (the creator's, or a written output's). */
void
wsconn_shared_free(struct wsconn_shared *sh)
{
	if (sh != NULL && --sh->sh_refs == 0)
		free(sh);
}

/* evbuffer's cleanup of a referenced shared frame. */
static void
wsc_shared_unref(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	wsconn_shared_free(arg);
}

/*
 * Queue a shared frame as wsc_frame queues one: a small one is copied
 * (cheaper than a reference), a larger one referenced, not copied.
 */
static int
wsc_frame_shared(struct wsconn *c, struct wsconn_shared *sh)
{
	struct evbuffer	*out = wsc_out(c);

	if (wsc_out_charge(c, sh->sh_len, sh->sh_len <= WSC_SMALL_FRAME &&
	    wsconn_pending(c) == 0) == -1)
		return -2;
	if (sh->sh_flen <= WSC_SHARE_MIN) {
		if (evbuffer_add(out, sh->sh_frame, sh->sh_flen) == -1)
			return -1;
	} else {
		sh->sh_refs++;
		if (evbuffer_add_reference(out, sh->sh_frame, sh->sh_flen,
		    wsc_shared_unref, sh) == -1) {
			sh->sh_refs--;
			return -1;
		}
	}
	wsc_kick(c);
	return 0;
}

/*
 * One message (checked for UTF-8 already) as one frame, or the shared
 * frame sh; -2 when the output bound or the budget refused it (a
 * broadcast closes such a peer with 1008 at once).
 */
static int
wsc_send(struct wsconn *c, int binary, const void *data, size_t len,
    struct wsconn_shared *sh, const char **why)
{
	struct wsc_stats	*st = c->c_conf->cf_stats;
	int			 op = binary ? WS_OP_BINARY : WS_OP_TEXT, r;
	size_t			 n = len;

	if (wsc_over(c, "output", len > SIZE_MAX - WS_HEADER_MAX ? SIZE_MAX :
	    len + WS_HEADER_MAX, 1)) {
		*why = "peer does not read: output limit reached, closed "
		    "with 1008";
		/*
		 * Not queued.  As when the output passes the bound: nothing
		 * more is read, and the close wait later (or once the peer
		 * has read its backlog) it gets 1008.
		 */
		if (!c->c_out_full) {
			c->c_overflow = 1;
			wsc_out_bound(c, wsconn_pending(c));
		} else
			wsconn_close(c, 1008, "output limit");
		return -2;
	}
	if (c->c_pmd != NULL) {
		/* RFC 7692 6.1: the whole message, RSV1 on its frame. */
		if ((r = pmd_deflate(c->c_pmd, data, len, 1, &c->c_zout)) !=
		    PMD_OK) {
			*why = pmd_strerror(r);
			wsconn_close(c, WS_CLOSE_INTERNAL, "compression failed");
			return -1;
		}
		data = c->c_zout.bf_data;
		n = c->c_zout.bf_len;
		op |= WS_FRAME_RSV1;
		sh = NULL;
	}
	r = sh != NULL ? wsc_frame_shared(c, sh) : wsc_frame(c, op, data, n);
	if (c->c_pmd != NULL)
		wsc_zkeep(&c->c_zout);
	if (r == -2) {
		wsc_budget_out(c, "a message");
		*why = "memory budget of the worker (max_buffered) spent, "
		    "closed with 1008";
		wsconn_close(c, 1008, "memory budget");
		return -2;
	}
	if (r == -1) {
		*why = "out of memory";
		return -1;
	}
	if (st != NULL) {
		st->st_frames_out++;
		st->st_bytes_out += len;
	}
	if (c->c_idle != NULL)
		c->c_last_data = wsc_now_ms();
	return 0;
}

/* One message as one frame, if open and within the output bound. */
int
wsconn_send(struct wsconn *c, int binary, const void *data, size_t len,
    const char **why)
{
	if (c->c_state != WSC_OPEN) {
		*why = "connection is closing";
		return -1;
	}
	if (!binary && !wsc_known_text(c, data, len) &&
	    !utf8_valid(data, len)) {
		*why = "not valid UTF-8 for a text frame";
		return -1;
	}
	return wsc_send(c, binary, data, len, NULL, why) == 0 ? 0 : -1;
}

/* A shared frame (compressed connections deflate their own copy). */
int
wsconn_send_shared(struct wsconn *c, struct wsconn_shared *sh,
    const char **why)
{
	if (c->c_state != WSC_OPEN) {
		*why = "connection is closing";
		return -1;
	}
	return wsc_send(c, sh->sh_binary, sh->sh_data, sh->sh_len, sh, why);
}

/* A received message's bytes passed the budget: 1009. */
void
wsconn_budget_close(struct wsconn *c)
{
	struct wsc_stats	*st = c->c_conf->cf_stats;
	const struct budget	*b = c->c_conf->cf_budget;

	if (c->c_state != WSC_OPEN)
		return;
	wsc_why(c, "memory budget of the worker (max_buffered %zu bytes) "
	    "spent by what a message left unfinished (close 1009)",
	    b != NULL ? b->bg_limit : 0);
	if (st != NULL)
		st->st_budget_in++;
	if (st == NULL || wsconn_often(st->st_budget_in))
		log_warnx("connector %s: %s: memory budget (max_buffered %zu "
		    "bytes) spent by an unfinished fragment, closed with 1009",
		    c->c_conf->cf_owner, c->c_name,
		    b != NULL ? b->bg_limit : 0);
	wsconn_close(c, WS_CLOSE_TOO_BIG, "memory budget");
}

/* Our close frame; wait (bounded) for the peer to answer. */
void
wsconn_close(struct wsconn *c, uint16_t code, const char *reason)
{
	struct ws_close_action	 a;

	if (c->c_state == WSC_CONNECTING || c->c_state == WSC_TLS ||
	    c->c_state == WSC_HANDSHAKE) {
		wsc_why(c, "closed before the handshake completed");
		wsc_dead(c);
		return;
	}
	if (c->c_state != WSC_OPEN)
		return;
	ws_close_local(&c->c_close, code, &a);
	if (a.ca_send)
		wsc_close_frame(c, code, reason, strlen(reason));
	c->c_state = WSC_CLOSING;
	wsc_limits_off(c);
	/* Keep reading: the peer's close answers ours. */
	wsc_out_bound(c, 0);
	if (c->c_paused)
		wsconn_pause(c, 0);
	wsc_timer(c, c->c_conf->cf_close_wait_ms);
}

/* Stop or resume reading; buffered input is parsed on resume. */
void
wsconn_pause(struct wsconn *c, int on)
{
	if (c->c_rev == NULL || c->c_state == WSC_DEAD)
		return;
	if (on == c->c_paused)
		return;
	c->c_paused = on;
	if (on)
		wsc_want_read(c, 0);
	else {
		if (c->c_state != WSC_FLUSH)
			wsc_want_read(c, 1);
		/* Input already buffered does not wake the socket. */
		event_active(c->c_defer, EV_TIMEOUT, 0);
	}
}

/* Whether data frames may be sent. */
int
wsconn_is_open(const struct wsconn *c)
{
	return c->c_state == WSC_OPEN;
}

/* Bytes queued for the peer (TLS: sealed or not). */
size_t
wsconn_pending(const struct wsconn *c)
{
	size_t	 n;

	if (wsc_out(c) == NULL)
		return 0;
	n = evbuffer_get_length(wsc_out(c));
	if (c->c_tls.t_wire != NULL)
		n += evbuffer_get_length(c->c_tls.t_wire);
	return n;
}

/* The peer as given at creation. */
const char *
wsconn_name(const struct wsconn *c)
{
	return c->c_name;
}

/* The connection's TLS object, or NULL without TLS. */
SSL *
wsconn_ssl(const struct wsconn *c)
{
	return c->c_tls.t_ssl;
}

/* Why the connection ended. */
const char *
wsconn_error(const struct wsconn *c)
{
	return c->c_err != NULL ? c->c_err : "closed";
}

/* Whether the opening handshake completed. */
int
wsconn_was_open(const struct wsconn *c)
{
	return c->c_was_open;
}

/* The upgrade request's metadata (issue 14), or NULL. */
struct json_object *
wsconn_request(const struct wsconn *c)
{
	return c->c_request;
}

/* Whether TCP was connected (a server's always was). */
int
wsconn_tcp_ok(const struct wsconn *c)
{
	return c->c_conf->cf_role == WS_ROLE_SERVER || c->c_tcp_ok;
}

/* The subprotocol agreed in the handshake, or NULL. */
const char *
wsconn_protocol(const struct wsconn *c)
{
	return c->c_protocol;
}

/* Whether permessage-deflate was agreed. */
int
wsconn_deflate(const struct wsconn *c)
{
	return c->c_pmd != NULL;
}

/* Numeric host and port of an address. */
void
wsconn_addr(const struct sockaddr_storage *sa, char *host, size_t hlen,
    uint16_t *port)
{
	const struct sockaddr_in	*s4 = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6	*s6 = (const struct sockaddr_in6 *)sa;

	host[0] = '\0';
	*port = 0;
	if (sa->ss_family == AF_INET) {
		(void)inet_ntop(AF_INET, &s4->sin_addr, host, hlen);
		*port = ntohs(s4->sin_port);
	} else if (sa->ss_family == AF_INET6) {
		(void)inet_ntop(AF_INET6, &s6->sin6_addr, host, hlen);
		*port = ntohs(s6->sin6_port);
	} else if (sa->ss_family == AF_UNIX)
		(void)strlcpy(host, "unix", hlen);
}

/* The metadata record of a connection. */
struct json_object *
wsconn_meta(const char *type, const char *host, uint16_t port, int tls,
    int binary, const char *protocol)
{
	struct json_object	*m, *in, *peer;

	m = json_object_new_object();
	in = json_object_new_object();
	peer = json_object_new_object();
	json_object_object_add(peer, "host", json_object_new_string(host));
	json_object_object_add(peer, "port", json_object_new_int(port));
	json_object_object_add(in, "tls", json_object_new_boolean(tls));
	json_object_object_add(in, "peer", peer);
	if (protocol != NULL)
		json_object_object_add(in, "protocol",
		    json_object_new_string(protocol));
	json_object_object_add(m, type, in);
	if (binary)
		json_object_object_add(m, "binary",
		    json_object_new_boolean(1));
	return m;
}

/* Rate limit for repeated log lines. */
int
wsconn_often(uint64_t n)
{
	return n <= 10 || n % 1000 == 0;
}

/* Close codes 1000-1015 seen, as {"1000": n, ...}, zeros left out. */
static struct json_object *
wsconn_codes_json(const uint64_t *codes)
{
	struct json_object	*o = json_object_new_object();
	char			 key[8];
	int			 i;

	for (i = 0; i < 16; i++) {
		if (codes[i] == 0)
			continue;
		snprintf(key, sizeof(key), "%d", 1000 + i);
		json_object_object_add(o, key, json_object_new_uint64(codes[i]));
	}
	return o;
}

/* The counters of a connector's connections for show stats. */
void
wsconn_stats_json(const struct wsc_stats *st, struct json_object *o)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} f[] = {
		{ "connections", offsetof(struct wsc_stats, st_connections) },
		{ "handshake_failed",
		    offsetof(struct wsc_stats, st_handshake_failed) },
		{ "frames_in", offsetof(struct wsc_stats, st_frames_in) },
		{ "frames_out", offsetof(struct wsc_stats, st_frames_out) },
		{ "bytes_in", offsetof(struct wsc_stats, st_bytes_in) },
		{ "bytes_out", offsetof(struct wsc_stats, st_bytes_out) },
		{ "pings_in", offsetof(struct wsc_stats, st_pings_in) },
		{ "overflows", offsetof(struct wsc_stats, st_overflows) },
		{ "timeouts", offsetof(struct wsc_stats, st_timeouts) },
		{ "budget_closed_in",
		    offsetof(struct wsc_stats, st_budget_in) },
		{ "budget_closed_out",
		    offsetof(struct wsc_stats, st_budget_out) },
		{ "close_other", offsetof(struct wsc_stats, st_close_other) },
		{ "deflate_connections",
		    offsetof(struct wsc_stats, st_deflate) },
		{ "deflate_memory", offsetof(struct wsc_stats, st_deflate_mem) },
		{ "proxy_failed", offsetof(struct wsc_stats, st_proxy_failed) },
	};
	uint64_t	 v;
	size_t		 i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		memcpy(&v, (const char *)st + f[i].off, sizeof(v));
		json_object_object_add(o, f[i].name, json_object_new_uint64(v));
	}
	json_object_object_add(o, "close_in", wsconn_codes_json(st->st_close_in));
	json_object_object_add(o, "close_out",
	    wsconn_codes_json(st->st_close_out));
}
