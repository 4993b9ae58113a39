/* SPDX-License-Identifier: ISC */
/*
 * The metrics exporter (wsflowd -m): an internal worker, like the control
 * worker, that serves GET /metrics and GET /health over HTTP/1.x on the
 * listener the supervisor bound.  One request per connection: the head
 * is read within a time limit and a size bound (common/httpreq.h), the
 * supervisor is asked (MSG_METRICS_REQ) for the workers' counters or for
 * health, and the answer is written back and the connection closed.  The
 * counters come as the show stats reply (JSON, the connectors' own
 * counters unparsed by the supervisor); they are parsed here, inside the
 * sandbox, and rendered by common/promstats.h.  Anything malformed gets
 * 400 and only that connection is affected.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctlproto.h"
#include "httpreq.h"
#include "log.h"
#include "promstats.h"
#include "sockio.h"
#include "worker.h"

#define EXP_MAX_CLIENTS		16
#define EXP_REQ_TIMEOUT_S	10	/* to send the whole request head */
#define EXP_RES_TIMEOUT_S	30	/* for the supervisor and the write */
#define EXP_LINGER_S		2	/* for the client's EOF after a reply */
#define EXP_BODY_MAX		(8 * 1024 * 1024)
#define EXP_JSON_DEPTH		32

enum exp_state {
	EX_READING,
	EX_WAITING,		/* asked the supervisor */
	EX_WRITING,
	EX_LINGER,		/* reply sent: discard input until EOF */
};

struct exp_client {
	uint32_t		 ec_id;
	int			 ec_fd;
	enum exp_state		 ec_state;
	int			 ec_head;	/* HEAD: no body */
	struct event		*ec_ev;		/* I/O */
	struct event		*ec_timer;	/* the state's deadline */
	char			 ec_in[HTTPREQ_MAX];
	size_t			 ec_inlen;
	size_t			 ec_discarded;
	struct buf		 ec_out;
	size_t			 ec_outoff;
};

static struct {
	struct worker		*x_w;
	struct event		*x_listen;
	struct exp_client	*x_clients[EXP_MAX_CLIENTS];
	uint32_t		 x_next_id;
} xp;

static void	exp_io(evutil_socket_t, short, void *);

/* Forget a client. */
static void
exp_client_free(struct exp_client *ec)
{
	int	 i;

	for (i = 0; i < EXP_MAX_CLIENTS; i++)
		if (xp.x_clients[i] == ec)
			xp.x_clients[i] = NULL;
	if (ec->ec_ev != NULL)
		event_free(ec->ec_ev);
	if (ec->ec_timer != NULL)
		event_free(ec->ec_timer);
	close(ec->ec_fd);
	buf_free(&ec->ec_out);
	free(ec);
}

/* (Re)arm the client's I/O event for what (EV_READ, EV_WRITE, 0: none)
 * and its deadline; -1 frees the client. */
static int
exp_arm(struct exp_client *ec, short what, int secs)
{
	struct timeval	 tv = { secs, 0 };

	if (ec->ec_ev != NULL) {
		event_free(ec->ec_ev);
		ec->ec_ev = NULL;
	}
	if (what != 0 && ((ec->ec_ev = event_new(xp.x_w->w_base, ec->ec_fd,
	    what | EV_PERSIST, exp_io, ec)) == NULL ||
	    event_add(ec->ec_ev, NULL) == -1)) {
		exp_client_free(ec);
		return -1;
	}
	if (evtimer_add(ec->ec_timer, &tv) == -1) {
		exp_client_free(ec);
		return -1;
	}
	return 0;
}

/* Queue the whole response and start writing it. */
static void
exp_respond(struct exp_client *ec, int code, const char *type,
    const char *body, size_t len)
{
	const char	*reason;

	switch (code) {
	case 200:
		reason = "OK";
		break;
	case 400:
		reason = "Bad Request";
		break;
	case 404:
		reason = "Not Found";
		break;
	case 405:
		reason = "Method Not Allowed";
		break;
	case 408:
		reason = "Request Timeout";
		break;
	case 500:
		reason = "Internal Server Error";
		break;
	default:
		reason = "Service Unavailable";
		break;
	}
	if (code >= 400)
		log_debug("exporter: client %u: %d %s", ec->ec_id, code,
		    reason);
	buf_reset(&ec->ec_out);
	if (buf_printf(&ec->ec_out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n%s\r\n", code, reason,
	    type, len, code == 405 ? "Allow: GET, HEAD\r\n" : "") == -1 ||
	    (!ec->ec_head && buf_add(&ec->ec_out, body, len) == -1)) {
		exp_client_free(ec);
		return;
	}
	ec->ec_outoff = 0;
	ec->ec_state = EX_WRITING;
	(void)exp_arm(ec, EV_WRITE, EXP_RES_TIMEOUT_S);
}

/* A plain text response. */
static void
exp_text(struct exp_client *ec, int code, const char *text)
{
	exp_respond(ec, code, "text/plain; charset=utf-8", text, strlen(text));
}

/* Ask the supervisor about what; wait for MSG_METRICS_RES. */
static void
exp_ask(struct exp_client *ec, uint32_t what)
{
	struct msg_metrics_req	 mq;

	memset(&mq, 0, sizeof(mq));
	mq.mq_id = ec->ec_id;
	mq.mq_what = what;
	if (proc_send(xp.x_w->w_ctl, MSG_METRICS_REQ, -1, &mq,
	    sizeof(mq)) == -1) {
		exp_text(ec, 503, "the supervisor is not answering\n");
		return;
	}
	ec->ec_state = EX_WAITING;
	(void)exp_arm(ec, 0, EXP_RES_TIMEOUT_S);
}

/* A whole request head arrived (or never will): answer or ask. */
static void
exp_request(struct exp_client *ec, enum httpreq_result r,
    const struct httpreq *hr)
{
	if (r == HTTPREQ_BAD) {
		exp_text(ec, 400, "bad request\n");
		return;
	}
	ec->ec_head = strcmp(hr->hr_method, "HEAD") == 0;
	if (!ec->ec_head && strcmp(hr->hr_method, "GET") != 0)
		exp_text(ec, 405, "only GET and HEAD\n");
	else if (strcmp(hr->hr_path, "/metrics") == 0)
		exp_ask(ec, METRICS_STATS);
	else if (strcmp(hr->hr_path, "/health") == 0)
		exp_ask(ec, METRICS_HEALTH);
	else
		exp_text(ec, 404, "not found: try /metrics or /health\n");
}

/* Read more of the request head. */
static void
exp_read(struct exp_client *ec)
{
	struct httpreq		 hr;
	enum httpreq_result	 r;
	ssize_t			 n;

	n = read(ec->ec_fd, ec->ec_in + ec->ec_inlen,
	    sizeof(ec->ec_in) - ec->ec_inlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		exp_client_free(ec);
		return;
	}
	ec->ec_inlen += n;
	if ((r = httpreq_parse(ec->ec_in, ec->ec_inlen, &hr)) !=
	    HTTPREQ_NEED_MORE)
		exp_request(ec, r, &hr);
}

/* Write more of the response; then wait for the client's EOF. */
static void
exp_write(struct exp_client *ec)
{
	switch (sio_write(ec->ec_fd, ec->ec_out.bf_data, ec->ec_out.bf_len,
	    &ec->ec_outoff)) {
	case SIO_AGAIN:
		break;
	case SIO_DONE:
		ec->ec_state = EX_LINGER;
		(void)exp_arm(ec, EV_READ, EXP_LINGER_S);
		break;
	case SIO_CLOSE:
		exp_client_free(ec);
		break;
	}
}

/* Readable, writable or past its deadline, by state. */
static void
exp_io(evutil_socket_t fd, short ev, void *arg)
{
	struct exp_client	*ec = arg;

	(void)fd;
	if (ev & EV_TIMEOUT) {
		if (ec->ec_state == EX_READING)
			exp_text(ec, 408, "timed out waiting for a request\n");
		else if (ec->ec_state == EX_WAITING)
			exp_text(ec, 503, "the supervisor did not answer\n");
		else
			exp_client_free(ec);
		return;
	}
	if (ec->ec_state == EX_READING)
		exp_read(ec);
	else if (ec->ec_state == EX_WRITING)
		exp_write(ec);
	else if (ec->ec_state == EX_LINGER &&
	    sio_discard(ec->ec_fd, &ec->ec_discarded) == SIO_CLOSE)
		exp_client_free(ec);
}

/* A new client: wait for its request head. */
static void
exp_accept(evutil_socket_t lfd, short ev, void *arg)
{
	struct exp_client	*ec;
	int			 fd, slot;
	static const char	 busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
				    "Content-Length: 0\r\nConnection: close\r\n"
				    "\r\n";

	(void)ev;
	(void)arg;
	for (slot = 0; slot < EXP_MAX_CLIENTS; slot++)
		if (xp.x_clients[slot] == NULL)
			break;
	if ((fd = sio_accept(lfd, slot < EXP_MAX_CLIENTS, busy,
	    sizeof(busy) - 1, "exporter")) == -1)
		return;
	if ((ec = calloc(1, sizeof(*ec))) == NULL) {
		log_warn("%s", __func__);
		close(fd);
		return;
	}
	ec->ec_id = ++xp.x_next_id;
	ec->ec_fd = fd;
	ec->ec_state = EX_READING;
	buf_init(&ec->ec_out, EXP_BODY_MAX);
	if ((ec->ec_timer = evtimer_new(xp.x_w->w_base, exp_io, ec)) == NULL) {
		exp_client_free(ec);
		return;
	}
	xp.x_clients[slot] = ec;
	(void)exp_arm(ec, EV_READ, EXP_REQ_TIMEOUT_S);
}

/* The counters (a show stats reply) as exposition text for ec. */
static void
exp_metrics(struct exp_client *ec, const char *text, size_t len)
{
	struct json_tokener	*tok;
	struct json_object	*o = NULL;
	struct buf		 b;
	char			 err[256];

	buf_init(&b, EXP_BODY_MAX);
	if ((tok = json_tokener_new_ex(EXP_JSON_DEPTH)) != NULL)
		o = json_tokener_parse_ex(tok, text, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		exp_text(ec, 500, "unreadable counters\n");
	} else if (promstats_render(o, &b, err, sizeof(err)) == -1) {
		(void)strlcat(err, "\n", sizeof(err));
		exp_text(ec, 503, err);
	} else
		exp_respond(ec, 200, PROM_CONTENT_TYPE, b.bf_data, b.bf_len);
	json_object_put(o);
	if (tok != NULL)
		json_tokener_free(tok);
	buf_free(&b);
}

/* MSG_METRICS_RES: the supervisor's answer for one client. */
static void
exporter_metrics_res(struct worker *w, const struct proc_msg *m)
{
	struct msg_metrics_res	 mr;
	struct exp_client	*ec = NULL;
	char			 text[512];
	size_t			 len;
	int			 i;

	(void)w;
	if (m->pm_len < sizeof(mr) || m->pm_len - sizeof(mr) > CTL_RES_MAX)
		fatalx("bad metrics reply");
	memcpy(&mr, m->pm_data, sizeof(mr));
	len = m->pm_len - sizeof(mr);
	for (i = 0; i < EXP_MAX_CLIENTS; i++)
		if (xp.x_clients[i] != NULL &&
		    xp.x_clients[i]->ec_id == mr.mr_id)
			ec = xp.x_clients[i];
	/* The client may have gone (or timed out) meanwhile. */
	if (ec == NULL || ec->ec_state != EX_WAITING)
		return;
	if (mr.mr_what == METRICS_STATS) {
		exp_metrics(ec, (const char *)m->pm_data + sizeof(mr), len);
		return;
	}
	if (len > sizeof(text) - 2)
		len = sizeof(text) - 2;
	memcpy(text, (const char *)m->pm_data + sizeof(mr), len);
	text[len] = '\n';
	text[len + 1] = '\0';
	exp_text(ec, mr.mr_status == 0 ? 200 : 503, text);
}

/* Before the sandbox: take the listening socket and start accepting. */
static int
exporter_setup(struct worker *w, char *err, size_t errlen)
{
	xp.x_w = w;
	w->w_profile = SANDBOX_CONTROL;
	if (w->w_listen_fd == -1) {
		snprintf(err, errlen, "no listening socket");
		return -1;
	}
	if (fcntl(w->w_listen_fd, F_SETFL, O_NONBLOCK) == -1) {
		snprintf(err, errlen, "listener: %s", strerror(errno));
		return -1;
	}
	xp.x_listen = event_new(w->w_base, w->w_listen_fd,
	    EV_READ | EV_PERSIST, exp_accept, NULL);
	if (xp.x_listen == NULL || event_add(xp.x_listen, NULL) == -1) {
		snprintf(err, errlen, "listener: no event");
		return -1;
	}
	return 0;
}

/* Draining: accept nobody new, drop who is connected. */
static void
exporter_stop(struct worker *w)
{
	int	 i;

	if (xp.x_listen != NULL) {
		event_free(xp.x_listen);
		xp.x_listen = NULL;
	}
	if (w->w_listen_fd != -1) {
		close(w->w_listen_fd);
		w->w_listen_fd = -1;
	}
	for (i = 0; i < EXP_MAX_CLIENTS; i++)
		if (xp.x_clients[i] != NULL)
			exp_client_free(xp.x_clients[i]);
}

const struct conn_ops exporter_ops = {
	.co_type = "exporter",
	.co_setup = exporter_setup,
	.co_stop = exporter_stop,
	.co_finish = exporter_stop,
	.co_metrics_res = exporter_metrics_res,
};
