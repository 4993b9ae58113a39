/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of workers/wsconn.c: a wsconn in the server role on one end
 * of a socketpair, a hand-made client on the other, first plain, then
 * the same tests over TLS (a certificate made here, the server context
 * of common/tls.c, an OpenSSL client).  The loop is run a pass at a
 * time, so the tests can hold the client's reading back and see the
 * server's output queue (a backlog the socket refused) and what happens
 * to frames queued behind it.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "buf.h"
#include "check.h"
#include "tls.h"
#include "url.h"
#include "ws.h"
#include "wsconn.h"

#define T_BURST		3000	/* messages the server sends at once */
#define T_BURST_LEN	1000
#define T_DEADLINE_S	20	/* a hang fails, it does not block make */
#define T_MAXMSG	8192
#define T_IDLE		100	/* connections for the memory test */
#define T_IDLE_MAX	1536	/* heap bytes an idle connection may hold */
#define T_OUT_MAX	(64 * 1024)	/* output bound of the ping tests */
#define T_PING		125	/* ping payload: the largest control frame */
/* Past the bound: one pong (2 + 125), the 1008 close (16), TLS records. */
#define T_OUT_SLACK	(2 + T_PING + 16 + 64)
/* Slow readers: a message of 32 bounds read at 512 KiB/s (eight times
 * WSC_DRAIN_MIN in a 1 s wait, four waits in all) or at 16 KiB/s (a
 * quarter of WSC_DRAIN_MIN a wait).  The wait is long and the message
 * small enough that a stalled pass (valgrind on a busy machine: this
 * process is reader and server at once, and seals the whole echo in
 * one pass) is a fraction of a wait. */
#define T_SLOW_MSG	(32 * T_OUT_MAX)
#define T_SLOW_WAIT	1000
#define T_SLOW_RATE	(512 * 1024)
#define T_TRICKLE	(16 * 1024)

/* The server side as its owner sees it. */
struct tsrv {
	struct wsconn	*s_ws;
	int		 s_fd;		/* its socket */
	int		 s_opened;
	int		 s_closed;
	int		 s_msgs;	/* messages received */
	int		 s_unsent;	/* wsconn_send refused */
	char		 s_err[256];
};

/* The hand-made client: raw bytes in, frames parsed. */
struct tcli {
	int		 c_fd;
	SSL		*c_ssl;		/* TLS tests */
	struct buf	 c_rx;
	struct ws_parser c_p;
	int		 c_eof;
	int		 c_n;		/* data messages received */
	int		 c_burst_seq;	/* next burst message expected */
	int		 c_bad;		/* out of order or corrupt */
	int		 c_close;	/* close code received, 0: none */
	char		 c_last[T_MAXMSG];
	size_t		 c_last_len;
	int		 c_last_bin;
	size_t		 c_last_full;	/* length, also beyond T_MAXMSG */
	uint32_t	 c_last_sum;	/* of all of it */
	uint32_t	 c_sums;	/* of all messages, in order */
};

static struct event_base	*base;
static struct ws_limits		 lim;
static SSL_CTX			*t_sctx;	/* set: the tests run on TLS */
static SSL_CTX			*t_cctx;

/* FNV-1a of a message: large echoes are compared whole. */
static uint32_t
t_sum(const uint8_t *p, size_t len)
{
	uint32_t	 h = 2166136261U;

	while (len-- > 0)
		h = (h ^ *p++) * 16777619U;
	return h;
}

/* Drop the first n bytes of a buffer. */
static void
t_drop(struct buf *b, size_t n)
{
	memmove(b->bf_data, b->bf_data + n, b->bf_len - n);
	b->bf_len -= n;
}

/* The number a burst message starts with (8 digits). */
static int
t_seq(const uint8_t *p)
{
	int	 i, n = 0;

	for (i = 0; i < 8; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		n = n * 10 + (p[i] - '0');
	}
	return n;
}

/* The i-th message of a burst: its number, then a fill that depends on it. */
static void
t_burst_msg(int i, char *p)
{
	snprintf(p, T_BURST_LEN, "%08d", i);
	memset(p + 8, 'a' + i % 26, T_BURST_LEN - 8);
}

/* Server: the handshake completed. */
static void
t_open(struct wsconn *ws, void *arg)
{
	struct tsrv	*s = arg;

	(void)ws;
	s->s_opened++;
}

/*
 * Server: "burst" sends T_BURST messages at once; "mangle!" tries to
 * answer with as many bytes of bad UTF-8 as text, then says "refused";
 * anything else echoes ("pause" after pausing the input).
 */
static void
t_message(struct wsconn *ws, int binary, const uint8_t *data, size_t len,
    void *arg)
{
	struct tsrv	*s = arg;
	char		 p[T_BURST_LEN];
	const char	*why;
	int		 i;

	s->s_msgs++;
	if (len == 5 && memcmp(data, "burst", 5) == 0) {
		for (i = 0; i < T_BURST; i++) {
			t_burst_msg(i, p);
			if (wsconn_send(ws, 1, p, sizeof(p), &why) == -1)
				s->s_unsent++;
		}
		return;
	}
	if (len == 5 && memcmp(data, "pause", 5) == 0)
		wsconn_pause(ws, 1);
	if (len == 7 && memcmp(data, "mangle!", 7) == 0) {
		if (wsconn_send(ws, 0, "\xff\xfe\xff\xfe\xff\xfe\xff", 7,
		    &why) == -1 && strstr(why, "UTF-8") != NULL)
			(void)wsconn_send(ws, 0, "refused", 7, &why);
		return;
	}
	if (wsconn_send(ws, binary, data, len, &why) == -1)
		s->s_unsent++;
}

/* Server: the connection is gone (freed after this). */
static void
t_closed(struct wsconn *ws, void *arg)
{
	struct tsrv	*s = arg;

	s->s_closed++;
	(void)strlcpy(s->s_err, wsconn_error(ws), sizeof(s->s_err));
	s->s_ws = NULL;
}

static const struct wsconn_cb t_cb = {
	.wc_open = t_open,
	.wc_message = t_message,
	.wc_closed = t_closed,
};

/* Client: write all of a buffer (the socket is non-blocking). */
static int
t_write(struct tcli *c, const void *data, size_t len)
{
	const char	*p = data;
	struct pollfd	 pfd;
	ssize_t		 n;

	while (len > 0) {
		if (c->c_ssl != NULL) {
			ERR_clear_error();
			n = SSL_write(c->c_ssl, p, (int)len);
			if (n <= 0) {
				n = SSL_get_error(c->c_ssl, (int)n);
				if (n != SSL_ERROR_WANT_READ &&
				    n != SSL_ERROR_WANT_WRITE)
					return -1;
				n = -1;
				errno = EAGAIN;
			}
		} else
			n = write(c->c_fd, p, len);
		if (n == -1) {
			if (errno != EAGAIN)
				return -1;
			/* Let the server read some. */
			event_base_loop(base, EVLOOP_NONBLOCK);
			pfd.fd = c->c_fd;
			pfd.events = POLLOUT;
			(void)poll(&pfd, 1, 1);
			continue;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Client: send one masked frame. */
static int
t_send(struct tcli *c, int op, const void *data, size_t len)
{
	struct buf	 b;
	int		 r;

	buf_init(&b, 0);
	r = ws_frame_build(&b, WS_ROLE_CLIENT, op, 1, data, len) == WS_OK ?
	    t_write(c, b.bf_data, b.bf_len) : -1;
	buf_free(&b);
	return r;
}

/*
 * Client: take what the socket has, at most max bytes; parse frames
 * when open.  Returns the bytes taken.
 */
static size_t
t_read_some(struct tcli *c, int frames, size_t max)
{
	char		 tmp[65536];
	struct ws_event	 ev;
	size_t		 used, got = 0, want;
	ssize_t		 n = -1;
	int		 r = 0, seq;

	if (c->c_ssl != NULL) {
		ERR_clear_error();
		while (got < max) {
			want = max - got < sizeof(tmp) ? max - got :
			    sizeof(tmp);
			if ((r = SSL_read(c->c_ssl, tmp, (int)want)) <= 0)
				break;
			buf_add(&c->c_rx, tmp, (size_t)r);
			got += (size_t)r;
		}
		r = got < max ? SSL_get_error(c->c_ssl, r) :
		    SSL_ERROR_WANT_READ;
		if (r != SSL_ERROR_WANT_READ && r != SSL_ERROR_WANT_WRITE)
			c->c_eof = 1;	/* close_notify, EOF or an error */
	} else {
		while (got < max) {
			want = max - got < sizeof(tmp) ? max - got :
			    sizeof(tmp);
			if ((n = read(c->c_fd, tmp, want)) <= 0)
				break;
			buf_add(&c->c_rx, tmp, (size_t)n);
			got += (size_t)n;
		}
		if (got < max && n == 0)
			c->c_eof = 1;
	}
	if (!frames)
		return got;
	while (c->c_rx.bf_len > 0) {
		r = ws_parse(&c->c_p, (uint8_t *)c->c_rx.bf_data,
		    c->c_rx.bf_len, &used, &ev);
		if (r == WS_OK && (ev.we_type == WS_EV_TEXT ||
		    ev.we_type == WS_EV_BINARY)) {
			c->c_n++;
			if (ev.we_type == WS_EV_BINARY &&
			    ev.we_len == T_BURST_LEN) {
				seq = t_seq(ev.we_data);
				t_burst_msg(seq < 0 ? 0 : seq, c->c_last);
				if (seq != c->c_burst_seq || memcmp(c->c_last,
				    ev.we_data, T_BURST_LEN) != 0)
					c->c_bad++;
				c->c_burst_seq++;
			}
			c->c_last_len = ev.we_len < T_MAXMSG ? ev.we_len :
			    T_MAXMSG;
			memcpy(c->c_last, ev.we_data, c->c_last_len);
			c->c_last_bin = ev.we_type == WS_EV_BINARY;
			c->c_last_full = ev.we_len;
			c->c_last_sum = t_sum(ev.we_data, ev.we_len);
			c->c_sums = c->c_sums * 31 + c->c_last_sum;
		} else if (r == WS_OK && ev.we_type == WS_EV_CLOSE)
			c->c_close = ev.we_code;
		else if (r != WS_OK && r != WS_NEED_MORE)
			c->c_bad++;
		t_drop(&c->c_rx, used);
		if (r != WS_OK)
			break;
	}
	return got;
}

/* Client: take what the socket has; parse frames when open. */
static void
t_read(struct tcli *c, int frames)
{
	(void)t_read_some(c, frames, SIZE_MAX);
}

/* Run loop passes (reading the client when asked) until *flag >= want. */
static int
t_pump(struct tcli *c, int readc, const int *flag, int want)
{
	time_t		 end = time(NULL) + T_DEADLINE_S;
	struct pollfd	 pfd;

	while (*flag < want && time(NULL) < end) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (readc)
			t_read(c, 1);
		pfd.fd = c->c_fd;
		pfd.events = POLLIN;
		(void)poll(&pfd, 1, 1);
	}
	return *flag >= want;
}

/* The client's end: socket and buffers. */
static void
t_cli_done(struct tcli *c)
{
	SSL_free(c->c_ssl);
	c->c_ssl = NULL;
	if (c->c_fd != -1)
		close(c->c_fd);
	c->c_fd = -1;
	buf_free(&c->c_rx);
	ws_parser_free(&c->c_p);
}

/* A new server connection and its client, through the upgrade. */
static int
t_connect(struct tsrv *s, struct tcli *c, struct wsconn_conf *cf)
{
	struct ws_response	 resp;
	struct url		 u;
	struct buf		 req;
	SSL			*ssl = NULL;
	const char		*why;
	char			 key[WS_KEY_LEN + 1];
	size_t			 used;
	int			 sv[2], done = 0;
	time_t			 end = time(NULL) + T_DEADLINE_S;

	memset(s, 0, sizeof(*s));
	buf_free(&c->c_rx);
	memset(c, 0, sizeof(*c));
	buf_init(&c->c_rx, 0);
	ws_parser_init(&c->c_p, WS_ROLE_CLIENT, &lim, 0);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == -1)
		return -1;
	c->c_fd = sv[1];
	s->s_fd = sv[0];
	if (t_sctx != NULL) {
		if ((ssl = SSL_new(t_sctx)) == NULL ||
		    (c->c_ssl = SSL_new(t_cctx)) == NULL ||
		    SSL_set_fd(c->c_ssl, sv[1]) != 1)
			return -1;
		SSL_set_connect_state(c->c_ssl);
	}
	if ((s->s_ws = wsconn_accept(base, sv[0], ssl, cf, &t_cb, s,
	    "test")) == NULL)
		return -1;
	buf_init(&req, 0);
	if (url_parse("ws://127.0.0.1:1/", &u, &why) == -1 ||
	    ws_client_key(key) != WS_OK ||
	    ws_client_request(&req, &u, key, NULL, NULL) != WS_OK ||
	    t_write(c, req.bf_data, req.bf_len) == -1) {
		buf_free(&req);
		return -1;
	}
	buf_free(&req);
	while (!done && time(NULL) < end) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		t_read(c, 0);
		if (ws_client_response_parse(c->c_rx.bf_data, c->c_rx.bf_len,
		    &lim, key, NULL, &resp, &used) == WS_OK) {
			t_drop(&c->c_rx, used);
			done = 1;
		}
	}
	return done && s->s_opened == 1 ? 0 : -1;
}

/* Echo, pipelining, a send outside a read batch, bad UTF-8. */
static void
test_echo(struct wsconn_conf *cf)
{
	struct tsrv	 s;
	struct tcli	 c = { .c_fd = -1 };
	struct buf	 b;
	const char	*why;
	char		 m[16];
	int		 i;

	buf_init(&c.c_rx, 0);
	CHECK(t_connect(&s, &c, cf) == 0);
	CHECK(t_send(&c, WS_OP_TEXT, "hello", 5) == 0);
	CHECK(t_pump(&c, 1, &c.c_n, 1));
	CHECK(c.c_last_len == 5 && memcmp(c.c_last, "hello", 5) == 0 &&
	    !c.c_last_bin);
	CHECK(t_send(&c, WS_OP_BINARY, "\0\1\2", 3) == 0);
	CHECK(t_pump(&c, 1, &c.c_n, 2));
	CHECK(c.c_last_len == 3 && memcmp(c.c_last, "\0\1\2", 3) == 0 &&
	    c.c_last_bin);

	/* 100 frames in one write: one read batch, all echoed in order. */
	buf_init(&b, 0);
	for (i = 0; i < 100; i++) {
		snprintf(m, sizeof(m), "m%d", i);
		(void)ws_frame_build(&b, WS_ROLE_CLIENT, WS_OP_TEXT, 1, m,
		    strlen(m));
	}
	CHECK(t_write(&c, b.bf_data, b.bf_len) == 0);
	buf_free(&b);
	/*
	 * The replies leave in the loop pass that read the batch, in one
	 * write at its end: no second pass for write interest (a bufferevent
	 * needed one).
	 */
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	t_read(&c, 1);
	CHECK_INT(c.c_n, 102);
	CHECK(t_pump(&c, 1, &c.c_n, 102));
	CHECK_INT(c.c_n, 102);
	CHECK(c.c_last_len == 3 && memcmp(c.c_last, "m99", 3) == 0);
	CHECK_INT(c.c_bad, 0);

	/* Queued outside a read batch: sent by the end of the loop pass. */
	CHECK(wsconn_send(s.s_ws, 0, "outside", 7, &why) == 0);
	CHECK(wsconn_pending(s.s_ws) > 0);
	event_base_loop(base, EVLOOP_NONBLOCK);
	CHECK_INT(wsconn_pending(s.s_ws), 0);
	CHECK(t_pump(&c, 1, &c.c_n, 103));
	CHECK(c.c_last_len == 7 && memcmp(c.c_last, "outside", 7) == 0);

	/* Not UTF-8: refused as text, fine as binary; the rest goes on. */
	why = NULL;
	CHECK(wsconn_send(s.s_ws, 0, "\xff", 1, &why) == -1);
	CHECK(why != NULL && strstr(why, "UTF-8") != NULL);
	CHECK(wsconn_send(s.s_ws, 1, "\xff", 1, &why) == 0);
	CHECK(t_pump(&c, 1, &c.c_n, 104));
	CHECK(c.c_last_len == 1 && c.c_last[0] == '\xff' && c.c_last_bin);
	CHECK(t_send(&c, WS_OP_TEXT, "still", 5) == 0);
	CHECK(t_pump(&c, 1, &c.c_n, 105));
	CHECK(c.c_last_len == 5 && memcmp(c.c_last, "still", 5) == 0);
	/* While a text message is delivered, other bytes are still checked. */
	CHECK(t_send(&c, WS_OP_TEXT, "mangle!", 7) == 0);
	CHECK(t_pump(&c, 1, &c.c_n, 106));
	CHECK(c.c_last_len == 7 && memcmp(c.c_last, "refused", 7) == 0);
	/* Non-ASCII text echoes (the bytes delivered, so not re-checked). */
	CHECK(t_send(&c, WS_OP_TEXT, "caf\xc3\xa9", 5) == 0);
	CHECK(t_pump(&c, 1, &c.c_n, 107));
	CHECK(c.c_last_len == 5 && memcmp(c.c_last, "caf\xc3\xa9", 5) == 0 &&
	    !c.c_last_bin);

	/* The client closes: the server answers with the same code. */
	CHECK(t_send(&c, WS_OP_CLOSE, "\x03\xe8" "bye", 5) == 0);
	CHECK(t_pump(&c, 1, &s.s_closed, 1));
	CHECK(t_pump(&c, 1, &c.c_close, 1000));
	CHECK_INT(c.c_close, 1000);
	CHECK_STR(s.s_err, "closed by peer (1000 bye)");
	CHECK_INT(s.s_unsent, 0);
	t_cli_done(&c);
}

/*
 * A message framed once for two connections (broadcast): a small text
 * frame (copied into each output) and an 8 KiB binary one (referenced,
 * outliving its creator's reference until both outputs are written);
 * text that is not UTF-8 is refused once, before any connection.
 */
static void
test_shared(struct wsconn_conf *cf)
{
	struct wsconn_shared	*sh;
	struct tsrv		 s[2];
	struct tcli		 c[2] = { { .c_fd = -1 }, { .c_fd = -1 } };
	static uint8_t		 big[8192];
	const char		*why = NULL;
	int			 i;

	memset(big, 'b', sizeof(big));
	for (i = 0; i < 2; i++) {
		buf_init(&c[i].c_rx, 0);
		CHECK(t_connect(&s[i], &c[i], cf) == 0);
	}
	CHECK(wsconn_shared_new(0, "\xff", 1, &why) == NULL);
	CHECK(why != NULL && strstr(why, "UTF-8") != NULL);
	CHECK((sh = wsconn_shared_new(0, "caf\xc3\xa9", 5, &why)) != NULL);
	for (i = 0; i < 2; i++)
		CHECK(wsconn_send_shared(s[i].s_ws, sh, &why) == 0);
	wsconn_shared_free(sh);
	CHECK((sh = wsconn_shared_new(1, big, sizeof(big), &why)) != NULL);
	for (i = 0; i < 2; i++)
		CHECK(wsconn_send_shared(s[i].s_ws, sh, &why) == 0);
	wsconn_shared_free(sh);
	wsconn_shared_free(NULL);
	for (i = 0; i < 2; i++) {
		CHECK(t_pump(&c[i], 1, &c[i].c_n, 2));
		CHECK(c[i].c_last_full == sizeof(big) && c[i].c_last_bin &&
		    c[i].c_last_sum == t_sum(big, sizeof(big)));
		CHECK_INT(c[i].c_bad, 0);
		wsconn_close(s[i].s_ws, 1000, "done");
		CHECK(t_pump(&c[i], 1, &s[i].s_closed, 1) ||
		    c[i].c_close == 1000);
		t_cli_done(&c[i]);
	}
	event_base_loop(base, EVLOOP_NONBLOCK);
}

/*
 * A burst larger than the socket takes while the client does not read:
 * the rest waits as a backlog, an echo queued behind it comes after it,
 * everything arrives in order; then a second burst with the client
 * reading (direct writes again once the backlog is gone).
 */
static void
test_backlog(struct wsconn_conf *cf)
{
	struct tsrv	 s;
	struct tcli	 c = { .c_fd = -1 };
	int		 i, small = 4096;

	buf_init(&c.c_rx, 0);
	CHECK(t_connect(&s, &c, cf) == 0);
	CHECK(t_send(&c, WS_OP_BINARY, "burst", 5) == 0);
	for (i = 0; i < 20; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	CHECK_INT(s.s_msgs, 1);
	CHECK(wsconn_pending(s.s_ws) > 0);	/* the socket refused part */
	CHECK(t_send(&c, WS_OP_TEXT, "after", 5) == 0);
	for (i = 0; i < 20; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	CHECK_INT(s.s_msgs, 2);
	CHECK(t_pump(&c, 1, &c.c_n, T_BURST + 1));
	CHECK_INT(c.c_burst_seq, T_BURST);
	CHECK(c.c_last_len == 5 && memcmp(c.c_last, "after", 5) == 0);
	CHECK_INT(c.c_bad, 0);
	for (i = 0; i < 5; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	CHECK_INT(wsconn_pending(s.s_ws), 0);

	/* A small send buffer makes every write partial. */
	CHECK(setsockopt(s.s_fd, SOL_SOCKET, SO_SNDBUF, &small,
	    sizeof(small)) == 0);
	c.c_burst_seq = 0;
	CHECK(t_send(&c, WS_OP_BINARY, "burst", 5) == 0);
	CHECK(t_send(&c, WS_OP_TEXT, "end", 3) == 0);
	CHECK(t_pump(&c, 1, &c.c_n, 2 * T_BURST + 2));
	CHECK_INT(c.c_burst_seq, T_BURST);
	CHECK(c.c_last_len == 3 && memcmp(c.c_last, "end", 3) == 0);
	CHECK_INT(c.c_bad, 0);
	CHECK_INT(s.s_unsent, 0);
	wsconn_free(s.s_ws);
	t_cli_done(&c);
}

/*
 * Paused input is held, then delivered in order (also frames already
 * read with the one that paused); split frames; EOF ends it (1006).
 */
static void
test_pause_eof(struct wsconn_conf *cf)
{
	struct tsrv	 s;
	struct tcli	 c = { .c_fd = -1 };
	struct buf	 b;
	int		 i;

	buf_init(&c.c_rx, 0);
	CHECK(t_connect(&s, &c, cf) == 0);
	wsconn_pause(s.s_ws, 1);
	CHECK(t_send(&c, WS_OP_TEXT, "p1", 2) == 0);
	CHECK(t_send(&c, WS_OP_TEXT, "p2", 2) == 0);
	for (i = 0; i < 20; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	CHECK_INT(s.s_msgs, 0);
	wsconn_pause(s.s_ws, 0);
	CHECK(t_pump(&c, 1, &c.c_n, 2));
	CHECK(c.c_last_len == 2 && memcmp(c.c_last, "p2", 2) == 0);

	/* Paused by the first of three frames read at once: two held back. */
	buf_init(&b, 0);
	(void)ws_frame_build(&b, WS_ROLE_CLIENT, WS_OP_TEXT, 1, "pause", 5);
	(void)ws_frame_build(&b, WS_ROLE_CLIENT, WS_OP_TEXT, 1, "q1", 2);
	(void)ws_frame_build(&b, WS_ROLE_CLIENT, WS_OP_TEXT, 1, "q2", 2);
	CHECK(t_write(&c, b.bf_data, b.bf_len) == 0);
	CHECK(t_pump(&c, 1, &c.c_n, 3));
	for (i = 0; i < 20; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		t_read(&c, 1);
	}
	CHECK_INT(s.s_msgs, 3);
	CHECK(c.c_last_len == 5 && memcmp(c.c_last, "pause", 5) == 0);
	wsconn_pause(s.s_ws, 0);
	CHECK(t_pump(&c, 1, &c.c_n, 5));
	CHECK(c.c_last_len == 2 && memcmp(c.c_last, "q2", 2) == 0);
	CHECK_INT(s.s_msgs, 5);

	/* A frame split inside its header, then inside its payload. */
	buf_reset(&b);
	(void)ws_frame_build(&b, WS_ROLE_CLIENT, WS_OP_TEXT, 1, "split", 5);
	CHECK(t_write(&c, b.bf_data, 3) == 0);
	for (i = 0; i < 5; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	CHECK(t_write(&c, b.bf_data + 3, 5) == 0);
	for (i = 0; i < 5; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	CHECK_INT(s.s_msgs, 5);
	CHECK(t_write(&c, b.bf_data + 8, b.bf_len - 8) == 0);
	CHECK(t_pump(&c, 1, &c.c_n, 6));
	CHECK(c.c_last_len == 5 && memcmp(c.c_last, "split", 5) == 0);
	buf_free(&b);
	close(c.c_fd);
	c.c_fd = -1;
	for (i = 0; i < 1000 && !s.s_closed; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	CHECK_INT(s.s_closed, 1);
	CHECK_STR(s.s_err, "connection lost (1006)");
	t_cli_done(&c);
}

/* Not a WebSocket request: an HTTP error, then the connection ends. */
static void
test_bad_handshake(struct wsconn_conf *cf, struct wsc_stats *st)
{
	static const char	 junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	struct tsrv		 s;
	struct tcli		 c = { .c_fd = -1 };
	int			 sv[2];

	memset(&s, 0, sizeof(s));
	buf_init(&c.c_rx, 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	c.c_fd = sv[1];
	s.s_ws = wsconn_accept(base, sv[0], NULL, cf, &t_cb, &s, "bad");
	CHECK(s.s_ws != NULL);
	CHECK(t_write(&c, junk, sizeof(junk) - 1) == 0);
	CHECK(t_pump(&c, 0, &s.s_closed, 1));
	t_read(&c, 0);
	CHECK_INT(s.s_closed, 1);
	CHECK_INT(s.s_opened, 0);
	CHECK(c.c_rx.bf_len > 12 && memcmp(c.c_rx.bf_data, "HTTP/1.1 4", 10)
	    == 0);
	CHECK_INT(st->st_handshake_failed, 1);
	close(c.c_fd);
	buf_free(&c.c_rx);
}

/*
 * Heap an open, idle connection keeps: no handshake text, no timer, no
 * buffer chains (glibc's count; ASan replaces malloc, so not there).
 */
static void
test_idle_memory(struct wsconn_conf *cf)
{
#if defined(__GLIBC__) && !defined(WSFLOW_SANITIZERS)
	static struct tsrv	 s[T_IDLE];
	static struct tcli	 c[T_IDLE];
	size_t			 before, after;
	int			 i, ok = 0;

	for (i = 0; i < T_IDLE; i++)
		buf_init(&c[i].c_rx, 0);
	/* The first one warms libevent and the allocator up. */
	if (t_connect(&s[0], &c[0], cf) == 0)
		ok++;
	before = mallinfo2().uordblks;
	for (i = 1; i < T_IDLE; i++) {
		buf_free(&c[i].c_rx);
		if (t_connect(&s[i], &c[i], cf) == 0)
			ok++;
		buf_free(&c[i].c_rx);	/* the client's, not counted */
		ws_parser_free(&c[i].c_p);
	}
	event_base_loop(base, EVLOOP_NONBLOCK);
	after = mallinfo2().uordblks;
	CHECK_INT(ok, T_IDLE);
	CHECK_MSG(after - before <= (size_t)(T_IDLE - 1) * T_IDLE_MAX,
	    "%zu heap bytes per idle connection, at most %d wanted",
	    (after - before) / (T_IDLE - 1), T_IDLE_MAX);
	for (i = 0; i < T_IDLE; i++) {
		wsconn_free(s[i].s_ws);
		t_cli_done(&c[i]);
	}
#else
	(void)cf;
#endif
}

/* Byte i of a test message of len bytes. */
static uint8_t
t_byte(size_t len, size_t i)
{
	return (uint8_t)((i * 7 + len + i / 251) & 0xff);
}

/*
 * Large messages both ways, alone and all in one write: each echo is
 * whole (length and checksum) and in order.
 */
static void
test_large(struct wsconn_conf *cf)
{
	static const size_t	 sizes[] = { 0, 1, 125, 126, 16383, 16384,
	    16385, 65535, 65536, 70000, 300000, 1048576 };
	struct tsrv	 s;
	struct tcli	 c = { .c_fd = -1 };
	struct buf	 b, all;
	uint32_t	 want = 0;
	size_t		 i, j, n = sizeof(sizes) / sizeof(sizes[0]);

	buf_init(&c.c_rx, 0);
	buf_init(&b, 0);
	buf_init(&all, 0);
	CHECK(t_connect(&s, &c, cf) == 0);
	for (i = 0; i < n; i++) {
		buf_reset(&b);
		for (j = 0; j < sizes[i]; j++)
			buf_add(&b, (const char *)&(uint8_t){ t_byte(sizes[i],
			    j) }, 1);
		CHECK(t_send(&c, WS_OP_BINARY, b.bf_data, b.bf_len) == 0);
		CHECK(t_pump(&c, 1, &c.c_n, (int)i + 1));
		CHECK_MSG(c.c_last_full == sizes[i] && c.c_last_sum ==
		    t_sum((uint8_t *)b.bf_data, b.bf_len),
		    "echo of %zu bytes: %zu bytes back", sizes[i],
		    c.c_last_full);
		want = want * 31 + t_sum((uint8_t *)b.bf_data, b.bf_len);
		(void)ws_frame_build(&all, WS_ROLE_CLIENT, WS_OP_BINARY, 1,
		    b.bf_data, b.bf_len);
	}
	CHECK(c.c_sums == want);
	/* Again, every message in one write. */
	c.c_sums = 0;
	CHECK(t_write(&c, all.bf_data, all.bf_len) == 0);
	CHECK(t_pump(&c, 1, &c.c_n, 2 * (int)n));
	CHECK_INT(c.c_n, 2 * (int)n);
	CHECK(c.c_sums == want);
	CHECK_INT(c.c_bad, 0);
	CHECK_INT(s.s_unsent, 0);
	buf_free(&b);
	buf_free(&all);
	wsconn_free(s.s_ws);
	t_cli_done(&c);
}

/*
 * The first message of a large batch pauses the input: the rest is
 * delivered on resume, all of it, in order.  Over TLS the records are
 * sized (pause, 16,200 bytes, 3 x 16 KiB, 240 bytes; OpenSSL 3 reads
 * 64 KiB ahead) so that the server's 64 KiB read batch ends inside the
 * last record after the socket was read empty: its end stays inside
 * OpenSSL, where no socket event will find it.
 */
static void
test_pause_batch(struct wsconn_conf *cf)
{
	struct tsrv	 s;
	struct tcli	 c = { .c_fd = -1 };
	struct buf	 b;
	char		 p[T_BURST_LEN];
	int		 i, n = 49;	/* 3 x 16 KiB and 240 bytes */

	buf_init(&c.c_rx, 0);
	buf_init(&b, 0);
	CHECK(t_connect(&s, &c, cf) == 0);
	(void)ws_frame_build(&b, WS_ROLE_CLIENT, WS_OP_TEXT, 1, "pause", 5);
	CHECK(t_write(&c, b.bf_data, b.bf_len) == 0);
	buf_reset(&b);
	memset(p, 'x', sizeof(p));
	for (i = 0; i < 16; i++)
		buf_add(&b, p, sizeof(p));
	buf_add(&b, p, 192);
	CHECK(t_send(&c, WS_OP_BINARY, b.bf_data, b.bf_len) == 0);
	buf_reset(&b);
	for (i = 0; i < n; i++) {
		t_burst_msg(i, p);
		(void)ws_frame_build(&b, WS_ROLE_CLIENT, WS_OP_BINARY, 1, p,
		    sizeof(p));
	}
	CHECK(t_write(&c, b.bf_data, b.bf_len) == 0);
	for (i = 0; i < 20; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		t_read(&c, 1);
	}
	CHECK_INT(s.s_msgs, 1);
	CHECK_INT(c.c_n, 1);
	wsconn_pause(s.s_ws, 0);
	CHECK(t_pump(&c, 1, &c.c_n, n + 2));
	CHECK_INT(c.c_burst_seq, n);
	CHECK_INT(s.s_msgs, n + 2);
	CHECK_INT(c.c_bad, 0);
	buf_free(&b);
	wsconn_free(s.s_ws);
	t_cli_done(&c);
}

/* Server output now; the largest seen is kept in *max. */
static size_t
t_out_seen(const struct tsrv *s, size_t *max)
{
	size_t	 n = s->s_ws != NULL ? wsconn_pending(s->s_ws) : 0;

	if (n > *max)
		*max = n;
	return n;
}

/* Client: after a 1008 from a flood, read to the close frame and EOF. */
static void
t_flood_end(struct tsrv *s, struct tcli *c, struct wsc_stats *st,
    uint64_t overflows)
{
	CHECK(t_pump(c, 1, &c->c_close, 1008));
	CHECK_INT(c->c_close, 1008);
	CHECK(t_pump(c, 1, &s->s_closed, 1));
	CHECK(strstr(s->s_err, "peer does not read: pongs") != NULL ||
	    strstr(s->s_err, "peer does not read: output") != NULL);
	CHECK(st->st_overflows == overflows + 1);
	CHECK(st->st_close_out[8] > 0);
	t_cli_done(c);
}

/*
 * Pongs count in the output bound.  A peer pings and never reads: one
 * ping a batch, the socket is not read any more once the output passes
 * the bound (pings wait in the kernel) and the close wait later it is
 * closed with 1008; pings in large writes, the first ping found over the
 * bound closes it at once.  The output never passes the bound by more
 * than one frame (and the close frame).
 */
static void
test_ping_flood(struct wsconn_conf *dflt, struct wsc_stats *st)
{
	struct wsconn_conf	 cf = *dflt;
	struct tsrv		 s;
	struct tcli		 c = { .c_fd = -1 };
	struct buf		 b;
	uint8_t			 ping[T_PING];
	uint64_t		 over, pings;
	size_t			 max = 0;
	time_t			 end;
	int			 i, small = 4096;

	cf.cf_out_max = T_OUT_MAX;
	cf.cf_close_wait_ms = 500;
	memset(ping, 'p', sizeof(ping));
	buf_init(&c.c_rx, 0);
	buf_init(&b, 0);

	/* One ping at a time until the output passes the bound. */
	over = st->st_overflows;
	CHECK(t_connect(&s, &c, &cf) == 0);
	CHECK(setsockopt(s.s_fd, SOL_SOCKET, SO_SNDBUF, &small,
	    sizeof(small)) == 0);
	for (i = 0; i < 4 * T_OUT_MAX / T_PING &&
	    t_out_seen(&s, &max) <= T_OUT_MAX; i++) {
		CHECK(t_send(&c, WS_OP_PING, ping, sizeof(ping)) == 0);
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	CHECK(t_out_seen(&s, &max) > T_OUT_MAX);
	CHECK(wsconn_is_open(s.s_ws));
	/* Over the bound: more pings are not read, nothing more queued. */
	pings = st->st_pings_in;
	for (i = 0; i < 10; i++) {
		CHECK(t_send(&c, WS_OP_PING, ping, sizeof(ping)) == 0);
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	CHECK(st->st_pings_in == pings);
	CHECK(wsconn_is_open(s.s_ws));
	CHECK(t_out_seen(&s, &max) <= T_OUT_MAX + T_OUT_SLACK);
	/* The close wait later: 1008, then the pings are read (no pong). */
	end = time(NULL) + T_DEADLINE_S;
	while (s.s_ws != NULL && wsconn_is_open(s.s_ws) && time(NULL) < end) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		(void)poll(NULL, 0, 1);
	}
	CHECK(s.s_ws != NULL && !wsconn_is_open(s.s_ws));
	CHECK(t_out_seen(&s, &max) <= T_OUT_MAX + T_OUT_SLACK);
	CHECK_MSG(max <= T_OUT_MAX + T_OUT_SLACK, "%zu bytes queued", max);
	t_flood_end(&s, &c, st, over);

	/* A flood in 64 KiB writes: closed at the first ping over it. */
	over = st->st_overflows;
	max = 0;
	buf_init(&c.c_rx, 0);
	CHECK(t_connect(&s, &c, &cf) == 0);
	CHECK(setsockopt(s.s_fd, SOL_SOCKET, SO_SNDBUF, &small,
	    sizeof(small)) == 0);
	for (i = 0; i < 500; i++)
		(void)ws_frame_build(&b, WS_ROLE_CLIENT, WS_OP_PING, 1, ping,
		    sizeof(ping));
	for (i = 0; i < 1000 && s.s_ws != NULL && wsconn_is_open(s.s_ws);
	    i++) {
		CHECK(t_write(&c, b.bf_data, b.bf_len) == 0);
		event_base_loop(base, EVLOOP_NONBLOCK);
		(void)t_out_seen(&s, &max);
	}
	CHECK(s.s_ws != NULL && !wsconn_is_open(s.s_ws));
	CHECK(i < 40);		/* 2.5 MiB of pings at most for 64 KiB */
	CHECK_MSG(max <= T_OUT_MAX + T_OUT_SLACK, "%zu bytes queued", max);
	t_flood_end(&s, &c, st, over);
	buf_free(&b);
}

/* Milliseconds of the monotonic clock. */
static uint64_t
t_ms(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * A message of T_SLOW_MSG (32 times the bound) echoed to a client that
 * reads it at rate bytes a second, by the clock (a slow loop pass does
 * not slow it), until the echo is whole, the connection is gone or
 * T_DEADLINE_S.  Returns the bytes it took; *max is the largest output
 * queued.
 */
static size_t
t_slow_read(struct tsrv *s, struct tcli *c, struct wsconn_conf *cf,
    size_t rate, size_t *max)
{
	struct buf	 b;
	struct pollfd	 pfd;
	uint64_t	 t0, now;
	size_t		 i, took = 0, due;
	int		 sndbuf = T_OUT_MAX;	/* a pass writes enough */

	buf_init(&c->c_rx, 0);
	buf_init(&b, 0);
	CHECK(t_connect(s, c, cf) == 0);
	CHECK(setsockopt(s->s_fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
	    sizeof(sndbuf)) == 0);
	for (i = 0; i < T_SLOW_MSG; i++)
		buf_add(&b, (const char *)&(uint8_t){ t_byte(T_SLOW_MSG, i) },
		    1);
	/* The clock runs from the send: the reader takes its share of
	 * whatever the server has queued by then (a slow server, as
	 * under valgrind, does not make it look like a trickle). */
	t0 = t_ms();
	CHECK(t_send(c, WS_OP_BINARY, b.bf_data, b.bf_len) == 0);
	while (c->c_n == 0 && !c->c_eof && s->s_closed == 0 &&
	    (now = t_ms()) < t0 + T_DEADLINE_S * 1000) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		(void)t_out_seen(s, max);
		due = (size_t)((now - t0) * rate / 1000);
		if (due > took)
			took += t_read_some(c, 1, due - took);
		pfd.fd = c->c_fd;
		pfd.events = POLLIN;
		(void)poll(&pfd, 1, 5);
	}
	CHECK_INT(s->s_msgs, 1);
	CHECK(c->c_n == 0 || (c->c_last_full == T_SLOW_MSG &&
	    c->c_last_sum == t_sum((uint8_t *)b.bf_data, b.bf_len)));
	buf_free(&b);
	return took;
}

/*
 * Over the output bound, the close wait restarts while the peer takes
 * at least WSC_DRAIN_MIN of its output per wait (issue 11): a steady
 * reader at T_SLOW_RATE gets a message 32 times the bound whole
 * (over the bound for several waits); a reader taking T_TRICKLE a
 * second is closed with 1008 after one wait.  Neither makes the
 * server hold more than the bound and that one frame.
 */
static void
test_slow_reader(struct wsconn_conf *dflt, struct wsc_stats *st)
{
	struct wsconn_conf	 cf = *dflt;
	struct tsrv		 s;
	struct tcli		 c = { .c_fd = -1 };
	uint64_t		 over, c1008;
	size_t			 max = 0, took;

	cf.cf_out_max = T_OUT_MAX;
	cf.cf_close_wait_ms = T_SLOW_WAIT;

	/* Slow but steady: the whole echo, no close. */
	over = st->st_overflows;
	took = t_slow_read(&s, &c, &cf, T_SLOW_RATE, &max);
	CHECK_MSG(c.c_n == 1, "steady reader: %zu of %d bytes, %s", took,
	    T_SLOW_MSG, s.s_closed ? s.s_err : "open");
	CHECK(s.s_ws != NULL && wsconn_is_open(s.s_ws));
	CHECK(st->st_overflows == over);
	CHECK_MSG(max > T_OUT_MAX && max <= T_OUT_MAX + T_SLOW_MSG +
	    T_OUT_SLACK, "%zu bytes queued", max);
	wsconn_free(s.s_ws);
	t_cli_done(&c);

	/* A trickle: 1008 after one close wait, the echo not taken. */
	max = 0;
	c1008 = st->st_close_out[8];
	took = t_slow_read(&s, &c, &cf, T_TRICKLE, &max);
	CHECK_INT(c.c_n, 0);
	CHECK_MSG(s.s_closed == 1 && strstr(s.s_err,
	    "peer does not read: output") != NULL, "trickle: %s after %zu "
	    "bytes", s.s_closed ? s.s_err : "open", took);
	CHECK(took < T_SLOW_MSG / 2);
	CHECK(st->st_overflows == over + 1);
	CHECK(st->st_close_out[8] == c1008 + 1);
	CHECK_MSG(max <= T_OUT_MAX + T_SLOW_MSG + T_OUT_SLACK,
	    "%zu bytes queued", max);
	t_cli_done(&c);
}

/* Run loop passes until the server connection is gone; its reason. */
static void
t_until_closed(struct tsrv *s, struct tcli *c, int want)
{
	CHECK(t_pump(c, 1, &c->c_close, want));
	CHECK_INT(c->c_close, want);
	CHECK(t_pump(c, 1, &s->s_closed, 1));
	t_cli_done(c);
}

/*
 * The output bound counts the message being queued; max_buffered
 * refuses output (1008) and reassembly (1009) past the budget, charged
 * before the bytes are stored, and has it all back once the connection
 * is gone.
 */
static void
test_budget(struct wsconn_conf *dflt, struct wsc_stats *st)
{
	static char		 msg[100 * 1024];
	struct wsconn_conf	 cf = *dflt;
	struct budget		 bg;
	struct tsrv		 s;
	struct tcli		 c = { .c_fd = -1 };
	struct buf		 b;
	uint64_t		 over, bin, bout;
	int			 i, small = 4096;

	memset(msg, 'm', sizeof(msg));
	buf_init(&c.c_rx, 0);
	buf_init(&b, 0);

	/* A peer that does not read: the third 100 KiB echo would pass
	 * a bound of 256 KiB, so it is not queued (1008). */
	cf.cf_out_max = 256 * 1024;
	over = st->st_overflows;
	CHECK(t_connect(&s, &c, &cf) == 0);
	CHECK(setsockopt(s.s_fd, SOL_SOCKET, SO_SNDBUF, &small,
	    sizeof(small)) == 0);
	for (i = 0; i < 3; i++) {
		CHECK(t_send(&c, WS_OP_BINARY, msg, sizeof(msg)) == 0);
		CHECK(t_pump(&c, 0, &s.s_msgs, i + 1));
	}
	CHECK_INT(s.s_unsent, 1);
	CHECK(s.s_ws != NULL && wsconn_pending(s.s_ws) < 256 * 1024);
	t_flood_end(&s, &c, st, over);

	/* A budget of 1 MiB (896 KiB for large holders): echoes to a peer
	 * that does not read pass it, the connection gets 1008. */
	cf.cf_out_max = WSC_OUT_MAX;
	budget_init(&bg, 1024 * 1024);
	cf.cf_budget = &bg;
	bout = st->st_budget_out;
	buf_init(&c.c_rx, 0);
	CHECK(t_connect(&s, &c, &cf) == 0);
	CHECK(setsockopt(s.s_fd, SOL_SOCKET, SO_SNDBUF, &small,
	    sizeof(small)) == 0);
	for (i = 0; i < 12 && s.s_unsent == 0; i++) {
		CHECK(t_send(&c, WS_OP_BINARY, msg, sizeof(msg)) == 0);
		CHECK(t_pump(&c, 0, &s.s_msgs, i + 1));
	}
	CHECK_INT(s.s_unsent, 1);
	CHECK(i > 2 && i < 12);
	CHECK(st->st_budget_out == bout + 1);
	CHECK(bg.bg_peak <= bg.bg_limit);
	CHECK(bg.bg_refused >= 1);
	t_until_closed(&s, &c, 1008);
	CHECK(strstr(s.s_err, "memory budget") != NULL);
	CHECK_INT(bg.bg_used, 0);

	/* A message in 64 KiB fragments never finished: 1009 at the
	 * budget, before the fragment that would pass it is stored. */
	budget_init(&bg, 1024 * 1024);
	bin = st->st_budget_in;
	buf_init(&c.c_rx, 0);
	CHECK(t_connect(&s, &c, &cf) == 0);
	for (i = 0; i < 20 && s.s_ws != NULL && wsconn_is_open(s.s_ws);
	    i++) {
		buf_reset(&b);
		(void)ws_frame_build(&b, WS_ROLE_CLIENT, i == 0 ?
		    WS_OP_BINARY : WS_OP_CONT, 0, msg, 64 * 1024);
		if (t_write(&c, b.bf_data, b.bf_len) == -1)
			break;
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	CHECK(i > 10 && i < 20);
	CHECK(st->st_budget_in == bin + 1);
	CHECK(bg.bg_peak <= bg.bg_limit);
	t_until_closed(&s, &c, 1009);
	CHECK(strstr(s.s_err, "memory budget") != NULL);
	CHECK_INT(bg.bg_used, 0);
	buf_free(&b);
}

/*
 * TLS contexts for the second round: a self-signed EC certificate in a
 * temporary directory for the server (common/tls.c reads files), a
 * client that does not verify it.
 */
static int
t_tls_setup(char *dir)
{
	EVP_PKEY	*k = NULL;
	X509		*x = NULL;
	FILE		*f;
	char		 cert[256], key[256], err[256];
	int		 ok = -1;

	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	if ((k = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL)
		goto out;
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	if (X509_sign(x, k, EVP_sha256()) == 0)
		goto out;
	if ((f = fopen(cert, "w")) == NULL)
		goto out;
	PEM_write_X509(f, x);
	fclose(f);
	if ((f = fopen(key, "w")) == NULL)
		goto out;
	PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	if ((t_sctx = tls_server_ctx(cert, key, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	if ((t_cctx = SSL_CTX_new(TLS_client_method())) == NULL)
		goto out;
	SSL_CTX_set_verify(t_cctx, SSL_VERIFY_NONE, NULL);
	ok = 0;
 out:
	(void)unlink(cert);
	(void)unlink(key);
	(void)rmdir(dir);
	X509_free(x);
	EVP_PKEY_free(k);
	return ok;
}

/*
 * One time limit: a connection whose client sends first (may be NULL)
 * and then nothing gets close code from the server and ends with why.
 */
static void
t_limit(struct wsconn_conf *cf, const char *first, size_t len,
    int code, const char *why)
{
	struct tsrv	 s;
	struct tcli	 c = { .c_fd = -1 };
	struct buf	 b;

	buf_init(&c.c_rx, 0);
	CHECK(t_connect(&s, &c, cf) == 0);
	if (first != NULL) {
		buf_init(&b, 0);
		/* the first fragment of a message, never finished */
		CHECK(ws_frame_build(&b, WS_ROLE_CLIENT, WS_OP_TEXT, 0, first,
		    len) == WS_OK && t_write(&c, b.bf_data, b.bf_len) == 0);
		buf_free(&b);
	}
	CHECK(t_pump(&c, 1, &c.c_close, 1));
	CHECK_INT(c.c_close, code);
	CHECK(t_pump(&c, 1, &s.s_closed, 1));
	CHECK_MSG(strstr(s.s_err, why) != NULL, "%s", s.s_err);
	t_cli_done(&c);
}

/* idle_timeout_ms, message_timeout_ms, pong_timeout_ms (issue 11). */
static void
test_time_limits(const struct wsconn_conf *dflt, struct wsc_stats *st)
{
	struct wsconn_conf	 cf = *dflt;
	uint64_t		 before = st->st_timeouts;

	cf.cf_close_wait_ms = 50;
	cf.cf_msg_ms = 0;
	cf.cf_idle_ms = 50;
	t_limit(&cf, NULL, 0, 1001, "idle: no data frame");
	cf.cf_idle_ms = 0;
	cf.cf_msg_ms = 50;
	t_limit(&cf, "half", 4, 1008, "message: an unfinished message");
	cf.cf_msg_ms = 0;
	cf.cf_ping_ms = 30;
	cf.cf_pong_ms = 40;
	t_limit(&cf, NULL, 0, 1001, "keepalive: no answer to a ping within "
	    "40 ms");
	CHECK_INT(st->st_timeouts - before, 3);
}

int
main(void)
{
	struct wsconn_conf	 cf;
	struct wsc_stats	 st;
	char			 dir[] = "/tmp/test_wsconn.XXXXXX";

	memset(&st, 0, sizeof(st));
	/* As in the worker: a write to a closed peer is an error, no signal. */
	signal(SIGPIPE, SIG_IGN);
	ws_limits_default(&lim);
	if ((base = event_base_new()) == NULL)
		return 99;
	wsconn_conf_default(&cf, WS_ROLE_SERVER);
	cf.cf_stats = &st;
	test_echo(&cf);
	test_backlog(&cf);
	test_pause_eof(&cf);
	test_bad_handshake(&cf, &st);
	CHECK_INT(st.st_connections, 3);
	test_shared(&cf);
	test_large(&cf);
	test_pause_batch(&cf);
	test_ping_flood(&cf, &st);
	test_slow_reader(&cf, &st);
	test_budget(&cf, &st);
	test_idle_memory(&cf);
	test_time_limits(&cf, &st);

	/* The same over TLS. */
	CHECK(t_tls_setup(dir) == 0);
	if (t_sctx != NULL && t_cctx != NULL) {
		memset(&st, 0, sizeof(st));
		test_echo(&cf);
		test_backlog(&cf);
		test_pause_eof(&cf);
		test_shared(&cf);
		test_large(&cf);
		test_pause_batch(&cf);
		test_ping_flood(&cf, &st);
		test_slow_reader(&cf, &st);
		test_budget(&cf, &st);
		CHECK_INT(st.st_connections, 14);
		CHECK_INT(st.st_handshake_failed, 0);
	}
	SSL_CTX_free(t_sctx);
	SSL_CTX_free(t_cctx);
	event_base_free(base);
	return check_done();
}
