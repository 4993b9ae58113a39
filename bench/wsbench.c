/* SPDX-License-Identifier: ISC */
/*
 * wsbench: WebSocket load generator for the benchmarks (bench/README.md).
 * One libevent loop drives N client connections (ws:// or wss://), every
 * frame masked as a client must.  Every echoed payload is regenerated
 * from (connection, sequence) and compared byte for byte, so a wrong echo
 * is an error, never a fast result.
 *
 * Modes: closed (N x K in flight), open (fixed rate per connection,
 * latency from the intended send time), churn (connect, upgrade, one
 * message, close), idle (open N, read the server's RSS), replay (lines
 * with a timestamp into one file or FIFO, latency read from another).
 * The result is one line of key=value pairs on stdout.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "buf.h"
#include "log.h"
#include "pmd.h"
#include "url.h"
#include "ws.h"
#include "wsb.h"

#define WB_CHUNK	(64 * 1024)
#define WB_OPEN_RING	65536		/* open loop: in-flight cap */
#define WB_OUT_MAX	(64UL * 1024 * 1024)
#define WB_IDLE_PENDING	256		/* idle: connects in progress */
#define WB_TEXT_MIN	48

enum wb_mode { WB_CLOSED, WB_OPEN, WB_CHURN, WB_IDLE, WB_REPLAY };
enum wb_state { CN_CONNECTING, CN_HANDSHAKE, CN_OPEN, CN_CLOSING, CN_DONE };

struct bench;

struct conn {
	struct bench		*cn_b;
	struct bufferevent	*cn_bev;
	int			 cn_id;
	enum wb_state		 cn_state;
	char			 cn_key[WS_KEY_LEN + 1];
	uint64_t		 cn_sent;	/* messages sent */
	uint64_t		 cn_recv;	/* messages echoed and verified */
	uint64_t		*cn_ts;		/* send (or intended) times */
	size_t			 cn_tscap;
	struct ws_parser	 cn_wp;		/* the server's frames */
	int			 cn_wp_ready;	/* role known (first frame) */
	uint64_t		 cn_moff;	/* offset in message */
	struct event		*cn_tick;	/* open loop */
	uint64_t		 cn_t0;
	uint64_t		 cn_due;
	struct pmd		*cn_pmd;	/* -z: permessage-deflate */
	struct buf		 cn_zin;	/* an echo piece, inflated */
	struct buf		 cn_zout;	/* a message, deflated */
};

struct bench {
	struct event_base	*b_base;
	enum wb_mode		 b_mode;
	int			 b_conns;
	int			 b_inflight;
	uint64_t		 b_size;
	uint64_t		 b_frag;
	int			 b_binary;
	int			 b_lines;
	int			 b_deflate;	/* -z: offer permessage-deflate */
	struct pmd_config	 b_pmd;
	uint64_t		 b_wire;	/* bytes received, measured */
	double			 b_dur;
	double			 b_warm;
	double			 b_rate;
	pid_t			 b_pid;
	const char		*b_label;
	/* target */
	int			 b_tls;
	SSL_CTX			*b_ctx;
	struct url		 b_url;
	struct sockaddr_storage	 b_ss;
	socklen_t		 b_sslen;
	/* run */
	struct conn		**b_cn;
	int			 b_measuring;
	int			 b_stopping;
	uint64_t		 b_t0, b_twarm, b_tend;
	uint64_t		 b_cpu0, b_cpu1;
	uint64_t		 b_gcpu0, b_gcpu1;	/* our own */
	int			 b_cpu_ok;
	struct wsb_hist		 b_hist;
	uint64_t		 b_msgs, b_bytes, b_verified, b_errors;
	uint64_t		 b_connfail, b_skipped, b_opened;
	uint64_t		 b_rss0, b_rss1, b_hwm;
	uint64_t		 b_pss0, b_pss1;
	int			 b_pss_ok;
	int			 b_idle_started;
	int			 b_idle_next;
	uint8_t			*b_scratch, *b_exp, *b_pat;
	uint64_t		 b_rng;
	struct event		*b_ev_warm, *b_ev_end, *b_ev_idle;
	/* -R: connections started per second (churn: all along) */
	double			 b_pace;
	uint64_t		 b_pace_t0, b_pace_started;
	int			 b_pace_next;
	struct event		*b_ev_pace;
	/* -P: a progress line every so many seconds (soak) */
	double			 b_progress;
	struct event		*b_ev_progress;
	/* replay */
	const char		*b_file, *b_in, *b_out;
	char			**b_lines_v;
	size_t			 b_nlines;
	int			 b_infd, b_outfd;
	struct event		*b_ev_in, *b_ev_out;
	char			*b_wbuf;
	size_t			 b_wlen, b_woff;
	char			*b_rbuf;
	size_t			 b_rlen;
	uint64_t		 b_rsent, b_rrecv;
};

static void	conn_start(struct bench *, int);
static void	conn_send(struct conn *, uint64_t);
static void	conn_send_deflated(struct conn *, int, uint64_t);
static void	bench_stop(struct bench *);
static void	idle_next(struct bench *);

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: wsbench [-bLz] [-C cafile] [-c conns] [-d secs] "
	    "[-F fragsize] [-f file]\n"
	    "               [-i infile] [-k inflight] [-l label] [-m mode] "
	    "[-o outfile] [-p pid]\n"
	    "               [-P secs] [-R conns_per_s] [-r rate] [-s size] "
	    "[-U socket] [-w secs] [url]\n"
	    "modes: closed open churn idle replay\n");
	exit(2);
}

/* Cheap PRNG for mask keys (xorshift64*). */
static uint32_t
bench_rand(struct bench *b)
{
	b->b_rng ^= b->b_rng >> 12;
	b->b_rng ^= b->b_rng << 25;
	b->b_rng ^= b->b_rng >> 27;
	return (uint32_t)((b->b_rng * 2685821657736338717ULL) >> 32);
}

/* Patterns the payloads are cut from (memcpy, not a loop per byte). */
static void
msg_patterns(struct bench *b)
{
	size_t	 i, n = (size_t)b->b_size + 256;

	if ((b->b_pat = malloc(n)) == NULL)
		fatal("malloc");
	for (i = 0; i < n; i++)
		b->b_pat[i] = b->b_binary ? (uint8_t)(i * 7 + (i >> 8)) :
		    (uint8_t)('a' + i % 26);
}

/* Bytes [off, off+n) of message seq on connection id. */
static void
msg_fill(struct bench *b, int id, uint64_t seq, uint64_t off, uint8_t *dst,
    size_t n)
{
	char		 pre[96];
	uint64_t	 pos, end, padend, tag, k;
	size_t		 i = 0, plen, shift;

	if (b->b_binary) {
		/* 8 bytes of (id, seq), then the pattern at a shift */
		tag = (uint64_t)id << 40 | seq;
		for (; i < n && off + i < 8; i++)
			dst[i] = (uint8_t)(tag >> (8 * (off + i)));
		shift = (size_t)((seq * 13 + (uint64_t)id) % 251);
		if (i < n)
			memcpy(dst + i, b->b_pat + off + i + shift, n - i);
		return;
	}
	/* {"seq":N,"conn":C,"pad":"abc..."}  plus "\n" with -L */
	plen = (size_t)snprintf(pre, sizeof(pre), "{\"seq\":%" PRIu64
	    ",\"conn\":%d,\"pad\":\"", seq, id);
	end = b->b_size - (b->b_lines ? 1 : 0);
	padend = end - 2;
	shift = (size_t)(seq % 26);
	while (i < n) {
		pos = off + i;
		if (pos < plen)
			dst[i++] = (uint8_t)pre[pos];
		else if (pos < padend) {
			k = padend - pos < n - i ? padend - pos : n - i;
			memcpy(dst + i, b->b_pat + (pos - plen) + shift,
			    (size_t)k);
			i += (size_t)k;
		} else if (pos == padend)
			dst[i++] = '"';
		else if (pos == padend + 1)
			dst[i++] = '}';
		else
			dst[i++] = '\n';
	}
}

/* Count an error and say what it was (first few only). */
static void
conn_error(struct conn *c, const char *what)
{
	struct bench	*b = c->cn_b;

	if (b->b_errors++ < 5)
		log_warnx("conn %d: %s (message %" PRIu64 ")", c->cn_id, what,
		    c->cn_recv);
}

/* Drop a connection's resources; slot stays for a restart. */
static void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	if (c->cn_bev != NULL)
		bufferevent_free(c->cn_bev);
	if (c->cn_tick != NULL)
		event_free(c->cn_tick);
	ws_parser_free(&c->cn_wp);
	pmd_free(c->cn_pmd);
	buf_free(&c->cn_zin);
	buf_free(&c->cn_zout);
	free(c->cn_ts);
	free(c);
}

/* Append one masked frame: header then payload bytes of message seq. */
static void
frame_add(struct conn *c, int fin, int op, uint64_t seq, uint64_t moff,
    uint64_t len)
{
	struct bench		*b = c->cn_b;
	struct evbuffer		*out = bufferevent_get_output(c->cn_bev);
	uint8_t			 hdr[WS_HEADER_MAX], mask[4];
	uint32_t		 m = bench_rand(b);
	uint64_t		 done = 0;
	size_t			 hl, k;

	memcpy(mask, &m, 4);
	if (ws_frame_header(hdr, &hl, op, fin, len, mask) == -1)
		fatalx("frame header");
	evbuffer_add(out, hdr, hl);
	while (done < len) {
		k = len - done > WB_CHUNK ? WB_CHUNK : (size_t)(len - done);
		msg_fill(b, c->cn_id, seq, moff + done, b->b_scratch, k);
		ws_mask(b->b_scratch, k, mask, (size_t)(done & 3));
		evbuffer_add(out, b->b_scratch, k);
		done += k;
	}
}

/* -z: message seq deflated (RFC 7692 7.2.1), one masked RSV1 frame. */
static void
conn_send_deflated(struct conn *c, int op, uint64_t seq)
{
	struct bench		*b = c->cn_b;
	struct evbuffer		*out = bufferevent_get_output(c->cn_bev);
	uint8_t			 hdr[WS_HEADER_MAX], mask[4];
	uint32_t		 m = bench_rand(b);
	uint64_t		 off;
	size_t			 hl, k;

	buf_reset(&c->cn_zout);
	for (off = 0; off < b->b_size; off += k) {
		k = b->b_size - off > WB_CHUNK ? WB_CHUNK :
		    (size_t)(b->b_size - off);
		msg_fill(b, c->cn_id, seq, off, b->b_scratch, k);
		if (pmd_deflate(c->cn_pmd, b->b_scratch, k, off + k ==
		    b->b_size, &c->cn_zout) != PMD_OK)
			fatalx("deflate");
	}
	memcpy(mask, &m, 4);
	if (ws_frame_header(hdr, &hl, op | WS_FRAME_RSV1, 1,
	    c->cn_zout.bf_len, mask) == -1)
		fatalx("frame header");
	ws_mask((uint8_t *)c->cn_zout.bf_data, c->cn_zout.bf_len, mask, 0);
	evbuffer_add(out, hdr, hl);
	evbuffer_add(out, c->cn_zout.bf_data, c->cn_zout.bf_len);
}

/* Send message number cn_sent, remembering when it was (meant to be) sent. */
static void
conn_send(struct conn *c, uint64_t when)
{
	struct bench	*b = c->cn_b;
	uint64_t	 seq = c->cn_sent, off, len, frag;
	int		 op = b->b_binary ? WS_OP_BINARY : WS_OP_TEXT;

	c->cn_ts[seq % c->cn_tscap] = when;
	c->cn_sent++;
	if (c->cn_pmd != NULL) {
		conn_send_deflated(c, op, seq);
		return;
	}
	frag = b->b_frag ? b->b_frag : b->b_size;
	for (off = 0; off < b->b_size; off += len) {
		len = b->b_size - off < frag ? b->b_size - off : frag;
		frame_add(c, off + len == b->b_size, off == 0 ? op :
		    WS_OP_CONT, seq, off, len);
	}
}

/* Control frame to the server (pong, close), masked. */
static void
conn_control(struct conn *c, int op, const uint8_t *p, size_t n)
{
	struct evbuffer	*out = bufferevent_get_output(c->cn_bev);
	uint8_t		 hdr[WS_HEADER_MAX], body[WS_CONTROL_MAX], mask[4];
	uint32_t	 m = bench_rand(c->cn_b);
	size_t		 hl;

	if (n > sizeof(body))
		n = sizeof(body);
	memcpy(mask, &m, 4);
	memcpy(body, p, n);
	ws_mask(body, n, mask, 0);
	if (ws_frame_header(hdr, &hl, op, 1, n, mask) == -1)
		fatalx("control frame header");
	evbuffer_add(out, hdr, hl);
	evbuffer_add(out, body, n);
}

/* Start the closing handshake (churn). */
static void
conn_close_start(struct conn *c)
{
	static const uint8_t	 code[2] = { 0x03, 0xe8 };	/* 1000 */

	conn_control(c, WS_OP_CLOSE, code, sizeof(code));
	c->cn_state = CN_CLOSING;
}

/* A churn cycle ended (close answered or connection gone). */
static void
churn_done(struct conn *c, int ok)
{
	struct bench	*b = c->cn_b;
	int		 id = c->cn_id;
	uint64_t	 now = wsb_now_ns();

	if (ok && b->b_measuring && !b->b_stopping) {
		b->b_msgs++;
		wsb_hist_add(&b->b_hist, now - c->cn_t0);
	}
	conn_free(c);
	b->b_cn[id] = NULL;
	if (!b->b_stopping && b->b_pace == 0)	/* else pace_tick does */
		conn_start(b, id);
}

/* A whole message arrived and matched. */
static void
conn_message(struct conn *c)
{
	struct bench	*b = c->cn_b;
	uint64_t	 now = wsb_now_ns(), sent;

	sent = c->cn_ts[c->cn_recv % c->cn_tscap];
	c->cn_recv++;
	b->b_verified++;
	if (b->b_measuring && !b->b_stopping && b->b_mode != WB_CHURN) {
		b->b_msgs++;
		b->b_bytes += b->b_size;
		wsb_hist_add(&b->b_hist, now > sent ? now - sent : 0);
	}
	if (b->b_stopping)
		return;
	switch (b->b_mode) {
	case WB_CLOSED:
		while (c->cn_sent - c->cn_recv < (uint64_t)b->b_inflight)
			conn_send(c, wsb_now_ns());
		break;
	case WB_CHURN:
		conn_close_start(c);
		break;
	default:
		break;
	}
}

/* -z: the server must have agreed to permessage-deflate; 1 or -1. */
static int
conn_deflate_start(struct conn *c, const struct ws_response *resp)
{
	struct pmd_params	 pp;
	int			 r;

	r = pmd_client_accept(&c->cn_b->b_pmd, resp->ws_extensions,
	    strlen(resp->ws_extensions), &pp);
	if (r != PMD_OK) {
		if (c->cn_b->b_connfail < 5)
			log_warnx("conn %d: permessage-deflate: %s", c->cn_id,
			    r == PMD_NONE ? "not agreed" : pmd_strerror(r));
		return -1;
	}
	if ((c->cn_pmd = pmd_new(&pp, WS_ROLE_CLIENT, -1)) == NULL)
		fatalx("pmd_new");
	buf_init(&c->cn_zin, 0);
	buf_init(&c->cn_zout, 0);
	return 1;
}

/* Check the 101 response; 1 done, 0 need more, -1 bad. */
static int
conn_handshake(struct conn *c, struct evbuffer *in)
{
	struct ws_response	 resp;
	size_t			 len = evbuffer_get_length(in), used;
	int			 r;

	r = ws_client_response_parse_ext((const char *)evbuffer_pullup(in,
	    -1), len, NULL, c->cn_key, NULL, c->cn_b->b_deflate, &resp, &used);
	if (r == WS_NEED_MORE)
		return 0;
	if (r != WS_OK) {
		if (c->cn_b->b_connfail < 5)
			log_warnx("conn %d: %s", c->cn_id, ws_strerror(r));
		return -1;
	}
	evbuffer_drain(in, used);
	return c->cn_b->b_deflate ? conn_deflate_start(c, &resp) : 1;
}

/* Open loop: send every message due by now at its intended time. */
static void
conn_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct conn	*c = arg;
	struct bench	*b = c->cn_b;
	uint64_t	 now = wsb_now_ns(), ival, due, when;
	int		 n = 0;

	(void)fd;
	(void)ev;
	if (b->b_stopping)
		return;
	ival = (uint64_t)(1e9 / b->b_rate);
	due = (now - c->cn_t0) / ival + 1;	/* slots 0..due-1 have begun */
	while (c->cn_due < due && n++ < 10000) {
		if (c->cn_sent - c->cn_recv >= c->cn_tscap ||
		    evbuffer_get_length(bufferevent_get_output(c->cn_bev)) >
		    WB_OUT_MAX) {
			b->b_skipped++;
			c->cn_due++;
			continue;
		}
		/* a tick may fire up to one interval late (timer slack):
		 * that is the generator's, not the server's; a message
		 * further behind its slot is queueing and keeps its
		 * intended time (no coordinated omission) */
		when = c->cn_t0 + c->cn_due * ival;
		conn_send(c, now - when <= ival ? now : when);
		c->cn_due++;
	}
}

/* Idle: open the next slot, or when all settled read RSS after -w s. */
static void
idle_next(struct bench *b)
{
	struct timeval	 wait;

	if (b->b_stopping)
		return;
	if (b->b_idle_next < b->b_conns) {
		conn_start(b, b->b_idle_next++);
		return;
	}
	if (b->b_opened + b->b_connfail >= (uint64_t)b->b_conns &&
	    !b->b_idle_started) {
		b->b_idle_started = 1;
		wait.tv_sec = (time_t)b->b_warm;
		wait.tv_usec = (suseconds_t)((b->b_warm - (double)wait.tv_sec) *
		    1e6);
		evtimer_add(b->b_ev_idle, &wait);
	}
}

/* The connection is upgraded: start its workload. */
static void
conn_opened(struct conn *c)
{
	struct bench	*b = c->cn_b;
	struct timeval	 tv;
	uint64_t	 ival;
	int		 i;

	c->cn_state = CN_OPEN;
	b->b_opened++;
	switch (b->b_mode) {
	case WB_CLOSED:
		for (i = 0; i < b->b_inflight; i++)
			conn_send(c, wsb_now_ns());
		break;
	case WB_CHURN:
		conn_send(c, wsb_now_ns());
		break;
	case WB_OPEN:
		ival = (uint64_t)(1e9 / b->b_rate);
		c->cn_t0 = wsb_now_ns();
		c->cn_tick = event_new(b->b_base, -1, EV_PERSIST, conn_tick, c);
		tv.tv_sec = (time_t)(ival / 1000000000ULL);
		tv.tv_usec = (suseconds_t)((ival % 1000000000ULL) / 1000);
		if (tv.tv_sec == 0 && tv.tv_usec < 100)
			tv.tv_usec = 100;
		evtimer_add(c->cn_tick, &tv);
		conn_tick(-1, 0, c);	/* slot 0 is due now */
		break;
	case WB_IDLE:
		idle_next(b);
		break;
	default:
		break;
	}
}

/*
 * The parser for the server's frames.  A server sends unmasked frames;
 * rawecho sends the client's own masked frames back, so the first
 * frame's mask bit picks the role the parser checks from then on.
 */
static void
conn_parser_init(struct conn *c, uint8_t b1)
{
	struct ws_limits	 lim;

	ws_limits_default(&lim);
	lim.wl_max_frame = lim.wl_max_message = UINT64_MAX >> 1;
	lim.wl_max_fragments = UINT32_MAX;
	ws_parser_init(&c->cn_wp, (b1 & 0x80) ? WS_ROLE_SERVER :
	    WS_ROLE_CLIENT, &lim, WS_PARSE_STREAM |
	    (c->cn_pmd != NULL ? WS_PARSE_RSV1 : 0));
	c->cn_wp_ready = 1;
}

/* A piece of an echoed message: compare with what was sent. */
static int
conn_piece(struct conn *c, const struct ws_event *ev)
{
	struct bench	*b = c->cn_b;
	struct ws_event	 z;
	size_t		 off = 0, k;

	if (ev->we_compressed) {
		/* -z: compare what the piece inflates to */
		buf_reset(&c->cn_zin);
		if (c->cn_pmd == NULL || pmd_inflate(c->cn_pmd, ev->we_data,
		    ev->we_len, ev->we_final, b->b_size, &c->cn_zin) !=
		    PMD_OK) {
			conn_error(c, "echo does not inflate");
			return -1;
		}
		z = *ev;
		z.we_data = (const uint8_t *)c->cn_zin.bf_data;
		z.we_len = c->cn_zin.bf_len;
		z.we_compressed = 0;
		ev = &z;
	}
	if ((ev->we_type == WS_EV_TEXT_PART) == (b->b_binary != 0)) {
		conn_error(c, "echo has the wrong opcode");
		return -1;
	}
	if (c->cn_recv >= c->cn_sent) {
		conn_error(c, "message that was never sent");
		return -1;
	}
	if (ev->we_len > b->b_size - c->cn_moff) {
		conn_error(c, "echo longer than the message");
		return -1;
	}
	while (off < ev->we_len) {
		k = ev->we_len - off < WB_CHUNK ? ev->we_len - off : WB_CHUNK;
		msg_fill(b, c->cn_id, c->cn_recv, c->cn_moff, b->b_exp, k);
		if (memcmp(ev->we_data + off, b->b_exp, k) != 0) {
			conn_error(c, "echoed payload differs");
			return -1;
		}
		off += k;
		c->cn_moff += k;
	}
	if (!ev->we_final)
		return 0;
	if (c->cn_moff != b->b_size) {
		conn_error(c, "echo shorter than the message");
		return -1;
	}
	c->cn_moff = 0;
	conn_message(c);
	return 0;
}

/* One event from the parser: 0 go on, -1 bad, -2 the connection is gone. */
static int
conn_event_ws(struct conn *c, const struct ws_event *ev)
{
	switch (ev->we_type) {
	case WS_EV_TEXT_PART:
	case WS_EV_BINARY_PART:
		return conn_piece(c, ev);
	case WS_EV_PING:
		conn_control(c, WS_OP_PONG, ev->we_data, ev->we_len);
		return 0;
	case WS_EV_PONG:
		return 0;
	case WS_EV_CLOSE:
		if (c->cn_state == CN_CLOSING) {
			churn_done(c, 1);
			return -2;
		}
		conn_error(c, "server sent close");
		return -1;
	default:
		return -1;
	}
}

/*
 * Parse what arrived, piece by piece of the input buffer (no pullup:
 * payload is unmasked and compared where it lies).  0 all taken, -1 bad,
 * -2 the connection is gone.
 */
static int
conn_frames(struct conn *c, struct evbuffer *in)
{
	struct evbuffer_iovec	 v[16];
	struct ws_event		 ev;
	size_t			 off, used, total;
	int			 nv, i, r;

	if (!c->cn_wp_ready) {
		if (evbuffer_get_length(in) < 2)
			return 0;
		conn_parser_init(c, evbuffer_pullup(in, 2)[1]);
	}
	while (evbuffer_get_length(in) > 0) {
		nv = evbuffer_peek(in, -1, NULL, v, 16);
		if (nv > 16)
			nv = 16;
		total = 0;
		for (i = 0; i < nv; i++) {
			uint8_t	*p = v[i].iov_base;

			for (off = 0; off < v[i].iov_len; off += used) {
				r = ws_parse(&c->cn_wp, p + off,
				    v[i].iov_len - off, &used, &ev);
				if (r == WS_NEED_MORE) {
					off = v[i].iov_len;
					break;
				}
				if (r != WS_OK) {
					conn_error(c, ws_strerror(r));
					return -1;
				}
				if ((r = conn_event_ws(c, &ev)) != 0)
					return r;
			}
			total += v[i].iov_len;
		}
		if (total == 0)
			return 0;
		if (c->cn_b->b_measuring && !c->cn_b->b_stopping)
			c->cn_b->b_wire += total;
		evbuffer_drain(in, total);
	}
	return 0;
}

/* Failure of one connection: counted; the run goes on without it. */
static void
conn_fail(struct conn *c, const char *why)
{
	struct bench	*b = c->cn_b;
	int		 id = c->cn_id;

	if (b->b_connfail++ < 5)
		log_warnx("conn %d: %s", id, why);
	conn_free(c);
	b->b_cn[id] = NULL;
	if (b->b_mode == WB_CHURN && !b->b_stopping && b->b_pace == 0)
		conn_start(b, id);
	else if (b->b_mode == WB_IDLE)
		idle_next(b);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	int		 r;

	if (c->cn_state == CN_HANDSHAKE) {
		r = conn_handshake(c, in);
		if (r == 0)
			return;
		if (r == -1) {
			conn_fail(c, "bad handshake response");
			return;
		}
		conn_opened(c);
	}
	if ((r = conn_frames(c, in)) == -1)
		conn_fail(c, "protocol error or bad echo");
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;
	struct buf	 req;
	char		 ext[PMD_RESPONSE_MAX];
	int		 one = 1, fd;

	if (what & BEV_EVENT_CONNECTED) {
		fd = bufferevent_getfd(bev);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		buf_init(&req, 4096);
		ext[0] = '\0';
		if ((c->cn_b->b_deflate && pmd_client_offer(&c->cn_b->b_pmd,
		    ext, sizeof(ext)) != PMD_OK) ||
		    ws_client_key(c->cn_key) == -1 ||
		    ws_client_request_ext(&req, &c->cn_b->b_url, c->cn_key,
		    NULL, NULL, ext) != WS_OK) {
			buf_free(&req);
			conn_fail(c, "cannot build the upgrade request");
			return;
		}
		c->cn_state = CN_HANDSHAKE;
		bufferevent_write(bev, req.bf_data, req.bf_len);
		buf_free(&req);
		return;
	}
	if (c->cn_state == CN_CLOSING && (what & BEV_EVENT_EOF)) {
		churn_done(c, 1);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		unsigned long	 e = bufferevent_get_openssl_error(bev);
		char		 msg[256];

		if (e != 0) {
			ERR_error_string_n(e, msg, sizeof(msg));
			conn_fail(c, msg);
		} else
			conn_fail(c, strerror(EVUTIL_SOCKET_ERROR()));
		return;
	}
	conn_fail(c, "server closed the connection");
}

/* (Re)open connection slot id. */
static void
conn_start(struct bench *b, int id)
{
	struct conn	*c;
	SSL		*ssl;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("calloc");
	c->cn_b = b;
	c->cn_id = id;
	c->cn_t0 = wsb_now_ns();
	c->cn_tscap = b->b_mode == WB_OPEN ? WB_OPEN_RING :
	    (size_t)b->b_inflight;
	if ((c->cn_ts = calloc(c->cn_tscap, sizeof(*c->cn_ts))) == NULL)
		fatal("calloc");
	if (b->b_tls) {
		if ((ssl = SSL_new(b->b_ctx)) == NULL)
			fatalx("SSL_new");
		SSL_set_tlsext_host_name(ssl, b->b_url.u_host);
		c->cn_bev = bufferevent_openssl_socket_new(b->b_base, -1, ssl,
		    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
		if (c->cn_bev != NULL)
			bufferevent_openssl_set_allow_dirty_shutdown(c->cn_bev,
			    1);
	} else
		c->cn_bev = bufferevent_socket_new(b->b_base, -1,
		    BEV_OPT_CLOSE_ON_FREE);
	if (c->cn_bev == NULL)
		fatalx("bufferevent_socket_new");
	b->b_cn[id] = c;
	bufferevent_setcb(c->cn_bev, conn_read, NULL, conn_event, c);
	bufferevent_enable(c->cn_bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(c->cn_bev,
	    (struct sockaddr *)&b->b_ss, (int)b->b_sslen) == -1)
		conn_fail(c, "connect");
}

/*
 * -R: start connections at the given rate: the slots not yet started
 * (open, closed), or every free slot again (churn).  Time the loop
 * missed is not made up for more than 100 ms at once.
 */
static void
pace_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct bench	*b = arg;
	uint64_t	 due, burst = (uint64_t)(b->b_pace / 10) + 1;
	int		 i, scanned;

	(void)fd;
	(void)ev;
	if (b->b_stopping)
		return;
	due = (uint64_t)((double)(wsb_now_ns() - b->b_pace_t0) / 1e9 *
	    b->b_pace);
	if (due > b->b_pace_started + burst)
		b->b_pace_started = due - burst;
	for (scanned = 0; b->b_pace_started < due &&
	    scanned < b->b_conns; scanned++) {
		i = b->b_pace_next;
		if (b->b_mode != WB_CHURN && i >= b->b_conns)
			break;		/* all started once */
		b->b_pace_next = b->b_mode == WB_CHURN ?
		    (i + 1) % b->b_conns : i + 1;
		if (b->b_cn[i] != NULL)
			continue;
		b->b_pace_started++;
		conn_start(b, i);
	}
}

/* -P: one line on stderr: time, connections, messages, problems. */
static void
progress_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct bench	*b = arg;
	int		 i, open = 0;

	(void)fd;
	(void)ev;
	for (i = 0; i < b->b_conns; i++)
		if (b->b_cn[i] != NULL && b->b_cn[i]->cn_state == CN_OPEN)
			open++;
	fprintf(stderr, "wsbench %s: t=%.0f open=%d opened=%" PRIu64
	    " verified=%" PRIu64 " errors=%" PRIu64 " conn_fail=%" PRIu64
	    "\n", b->b_label, (double)(wsb_now_ns() - b->b_t0) / 1e9, open,
	    b->b_opened, b->b_verified, b->b_errors, b->b_connfail);
}

/* The generator's own user+system time, nanoseconds. */
static uint64_t
bench_self_cpu(void)
{
	struct rusage	 ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return 0;
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) *
	    1000000000ULL + ((uint64_t)ru.ru_utime.tv_usec +
	    (uint64_t)ru.ru_stime.tv_usec) * 1000ULL;
}

/* Warm-up over: start counting. */
static void
bench_warm(evutil_socket_t fd, short ev, void *arg)
{
	struct bench	*b = arg;

	(void)fd;
	(void)ev;
	if (b->b_pid > 0)
		b->b_cpu_ok = wsb_proc_cpu(b->b_pid, &b->b_cpu0) == 0;
	b->b_gcpu0 = bench_self_cpu();
	b->b_twarm = wsb_now_ns();
	b->b_measuring = 1;
}

/* Duration over: stop counting and leave the loop. */
static void
bench_end(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	bench_stop(arg);
}

static void
bench_stop(struct bench *b)
{
	uint64_t	 hwm;

	if (b->b_stopping)
		return;
	b->b_tend = wsb_now_ns();
	b->b_gcpu1 = bench_self_cpu();
	if (b->b_pid > 0 && b->b_cpu_ok)
		b->b_cpu_ok = wsb_proc_cpu(b->b_pid, &b->b_cpu1) == 0;
	if (b->b_pid > 0 && wsb_proc_rss(b->b_pid, &b->b_rss1, &hwm) == 0)
		b->b_hwm = hwm;
	b->b_stopping = 1;
	event_base_loopbreak(b->b_base);
}

/* Idle: every connection settled and a second passed: read RSS. */
static void
bench_idle(evutil_socket_t fd, short ev, void *arg)
{
	struct bench	*b = arg;

	(void)fd;
	(void)ev;
	b->b_measuring = 1;
	b->b_twarm = wsb_now_ns();
	if (b->b_pss_ok)
		b->b_pss_ok = wsb_proc_pss(b->b_pid, &b->b_pss1) == 0;
	bench_stop(b);
}

/* Parse the ws[s]:// URL and resolve its host. */
static void
bench_url(struct bench *b, const char *url)
{
	struct addrinfo	 hints, *res;
	char		 port[8];
	const char	*errstr;
	int		 e;

	if (strncmp(url, "ws://", 5) != 0 && strncmp(url, "wss://", 6) != 0)
		fatalx("url must start with ws:// or wss://: %s", url);
	if (url_parse(url, &b->b_url, &errstr) == -1)
		fatalx("url %s: %s", url, errstr);
	b->b_tls = b->b_url.u_tls;
	snprintf(port, sizeof(port), "%u", (unsigned)b->b_url.u_port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(b->b_url.u_host, port, &hints, &res)) != 0)
		fatalx("%s: %s", b->b_url.u_host, gai_strerror(e));
	memcpy(&b->b_ss, res->ai_addr, res->ai_addrlen);
	b->b_sslen = res->ai_addrlen;
	freeaddrinfo(res);
}

/* -U: connect to a Unix-domain socket; the url still gives Host, path
 * and TLS. */
static void
bench_unix(struct bench *b, const char *path)
{
	struct sockaddr_un	*sun = (struct sockaddr_un *)&b->b_ss;

	memset(&b->b_ss, 0, sizeof(b->b_ss));
	sun->sun_family = AF_UNIX;
	if (strlcpy(sun->sun_path, path, sizeof(sun->sun_path)) >=
	    sizeof(sun->sun_path))
		fatalx("-U %s: path too long", path);
	b->b_sslen = sizeof(*sun);
}

/* Client TLS context: verify against cafile, or not at all without one. */
static void
bench_tls(struct bench *b, const char *cafile)
{
	if ((b->b_ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		fatalx("SSL_CTX_new");
	SSL_CTX_set_min_proto_version(b->b_ctx, TLS1_2_VERSION);
	if (cafile != NULL) {
		if (SSL_CTX_load_verify_locations(b->b_ctx, cafile, NULL) != 1)
			fatalx("cafile %s: cannot load", cafile);
		SSL_CTX_set_verify(b->b_ctx, SSL_VERIFY_PEER, NULL);
	} else
		SSL_CTX_set_verify(b->b_ctx, SSL_VERIFY_NONE, NULL);
}

/* Read the replay template: one JSON object per line. */
static void
replay_load(struct bench *b)
{
	FILE	*f;
	char	*line = NULL, **v;
	size_t	 cap = 0;
	ssize_t	 n;

	if ((f = fopen(b->b_file, "r")) == NULL)
		fatal("%s", b->b_file);
	while ((n = getline(&line, &cap, f)) != -1) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (strchr(line, '{') == NULL)
			fatalx("%s: line %zu is not a JSON object", b->b_file,
			    b->b_nlines + 1);
		if ((v = reallocarray(b->b_lines_v, b->b_nlines + 1,
		    sizeof(*v))) == NULL)
			fatal("reallocarray");
		b->b_lines_v = v;
		if ((v[b->b_nlines++] = strdup(line)) == NULL)
			fatal("strdup");
	}
	free(line);
	fclose(f);
	if (b->b_nlines == 0)
		fatalx("%s: no lines", b->b_file);
}

/* Next line with "bench_ts":NOW inserted after its first '{'. */
static void
replay_fill(struct bench *b)
{
	const char	*l = b->b_lines_v[b->b_rsent % b->b_nlines];
	const char	*brace = strchr(l, '{'), *rest = brace + 1;
	size_t		 need = strlen(l) + 48;
	int		 n;

	while (*rest == ' ')
		rest++;
	if ((b->b_wbuf = malloc(need)) == NULL)
		fatal("malloc");
	n = snprintf(b->b_wbuf, need, "%.*s\"bench_ts\":%" PRIu64 "%s%s\n",
	    (int)(brace - l + 1), l, wsb_now_ns(), *rest == '}' ? "" : ",",
	    brace + 1);
	if (n < 0 || (size_t)n >= need)
		fatalx("replay line too long");
	b->b_wlen = (size_t)n;
	b->b_woff = 0;
	b->b_rsent++;
}

/* Writable input file: keep up to -k lines in flight. */
static void
replay_write(evutil_socket_t fd, short ev, void *arg)
{
	struct bench	*b = arg;
	ssize_t		 w;

	(void)ev;
	for (;;) {
		if (b->b_wbuf == NULL) {
			if (b->b_stopping || b->b_rsent - b->b_rrecv >=
			    (uint64_t)b->b_inflight) {
				event_del(b->b_ev_in);
				return;
			}
			replay_fill(b);
		}
		w = write(fd, b->b_wbuf + b->b_woff, b->b_wlen - b->b_woff);
		if (w == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (w <= 0)
			fatal("write %s", b->b_in);
		b->b_woff += (size_t)w;
		if (b->b_woff == b->b_wlen) {
			free(b->b_wbuf);
			b->b_wbuf = NULL;
		}
	}
}

/* Readable output file: one latency per line that carries bench_ts. */
static void
replay_read(evutil_socket_t fd, short ev, void *arg)
{
	struct bench	*b = arg;
	char		*nl, *p, *line, *end;
	uint64_t	 ts, now;
	ssize_t		 r;
	size_t		 used;

	(void)ev;
	r = read(fd, b->b_rbuf + b->b_rlen, WB_CHUNK * 4 - b->b_rlen);
	if (r == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r == 0) {
		event_del(b->b_ev_out);		/* writer went away */
		return;
	}
	if (r < 0)
		fatal("read %s", b->b_out);
	b->b_rlen += (size_t)r;
	now = wsb_now_ns();
	line = b->b_rbuf;
	while ((nl = memchr(line, '\n', b->b_rlen - (size_t)(line -
	    b->b_rbuf))) != NULL) {
		*nl = '\0';
		if ((p = strstr(line, "\"bench_ts\":")) != NULL) {
			ts = strtoull(p + 11, &end, 10);
			b->b_rrecv++;
			b->b_verified++;
			if (b->b_measuring && !b->b_stopping) {
				b->b_msgs++;
				b->b_bytes += (uint64_t)(nl - line) + 1;
				wsb_hist_add(&b->b_hist, now > ts ? now - ts :
				    0);
			}
		} else if (b->b_errors++ < 5)
			log_warnx("output line without bench_ts");
		line = nl + 1;
	}
	used = (size_t)(line - b->b_rbuf);
	memmove(b->b_rbuf, line, b->b_rlen - used);
	b->b_rlen -= used;
	if (b->b_rlen == WB_CHUNK * 4)
		fatalx("output line longer than %d bytes", WB_CHUNK * 4);
	if (!b->b_stopping && b->b_rsent - b->b_rrecv < (uint64_t)b->b_inflight)
		event_add(b->b_ev_in, NULL);
}

/* Open the FIFOs (or files) and wire the replay events. */
static void
replay_start(struct bench *b)
{
	replay_load(b);
	if ((b->b_rbuf = malloc(WB_CHUNK * 4)) == NULL)
		fatal("malloc");
	/* output first, non-blocking: a FIFO opens without its writer */
	if ((b->b_outfd = open(b->b_out, O_RDONLY | O_NONBLOCK)) == -1)
		fatal("%s", b->b_out);
	alarm(30);
	if ((b->b_infd = open(b->b_in, O_WRONLY)) == -1)
		fatal("%s", b->b_in);
	alarm(0);
	if (fcntl(b->b_infd, F_SETFL, O_NONBLOCK) == -1)
		fatal("fcntl");
	b->b_ev_in = event_new(b->b_base, b->b_infd, EV_WRITE | EV_PERSIST,
	    replay_write, b);
	b->b_ev_out = event_new(b->b_base, b->b_outfd, EV_READ | EV_PERSIST,
	    replay_read, b);
	event_add(b->b_ev_in, NULL);
	event_add(b->b_ev_out, NULL);
}

/* Print the result line. */
static void
bench_report(struct bench *b)
{
	double		 secs = (double)(b->b_tend - b->b_twarm) / 1e9;
	const char	*modes[] = { "closed", "open", "churn", "idle",
	    "replay" };
	const struct wsb_hist *h = &b->b_hist;

	if (secs <= 0)
		secs = 1e-9;
	printf("wsbench label=%s mode=%s conns=%d inflight=%d size=%" PRIu64
	    " type=%s frag=%" PRIu64 " secs=%.3f msgs=%" PRIu64
	    " msg_s=%.1f mb_s=%.3f", b->b_label, modes[b->b_mode], b->b_conns,
	    b->b_inflight, b->b_size, b->b_binary ? "binary" : "text",
	    b->b_frag, secs, b->b_msgs, (double)b->b_msgs / secs,
	    (double)b->b_bytes / secs / 1e6);
	if (b->b_mode == WB_CHURN)
		printf(" hs_s=%.1f", (double)b->b_msgs / secs);
	printf(" p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f"
	    " max_us=%.1f", wsb_hist_pct(h, 50) / 1e3,
	    wsb_hist_pct(h, 90) / 1e3, wsb_hist_pct(h, 99) / 1e3,
	    wsb_hist_pct(h, 99.9) / 1e3, h->hi_max / 1e3);
	if (b->b_pid > 0 && b->b_cpu_ok && b->b_msgs > 0)
		printf(" srv_cpu_s=%.3f cpu_us_msg=%.3f",
		    (double)(b->b_cpu1 - b->b_cpu0) / 1e9,
		    (double)(b->b_cpu1 - b->b_cpu0) / 1e3 / (double)b->b_msgs);
	/* the generator's CPU, % of one core: near 100 it is the limit */
	if (b->b_gcpu1 >= b->b_gcpu0 && b->b_tend > b->b_twarm)
		printf(" gen_cpu_s=%.3f gen_cpu_pct=%.0f",
		    (double)(b->b_gcpu1 - b->b_gcpu0) / 1e9,
		    100.0 * (double)(b->b_gcpu1 - b->b_gcpu0) /
		    (double)(b->b_tend - b->b_twarm));
	if (b->b_pid > 0 && b->b_cpu_ok && b->b_tend > b->b_twarm)
		printf(" srv_cpu_pct=%.0f", 100.0 * (double)(b->b_cpu1 -
		    b->b_cpu0) / (double)(b->b_tend - b->b_twarm));
	if (b->b_pid > 0)
		printf(" srv_rss_kb=%" PRIu64 " srv_hwm_kb=%" PRIu64,
		    b->b_rss1 / 1024, b->b_hwm / 1024);
	if (b->b_mode == WB_IDLE && b->b_opened > 0 && b->b_pid > 0)
		printf(" opened=%" PRIu64 " rss_per_conn_b=%.0f", b->b_opened,
		    ((double)b->b_rss1 - (double)b->b_rss0) /
		    (double)b->b_opened);
	if (b->b_mode == WB_IDLE && b->b_opened > 0 && b->b_pss_ok)
		printf(" pss_per_conn_b=%.0f", ((double)b->b_pss1 -
		    (double)b->b_pss0) / (double)b->b_opened);
	if (b->b_mode == WB_REPLAY)
		printf(" sent=%" PRIu64 " received=%" PRIu64, b->b_rsent,
		    b->b_rrecv);
	if (b->b_msgs > 0 && b->b_wire > 0)
		printf(" deflate=%d wire_b_msg=%.1f", b->b_deflate,
		    (double)b->b_wire / (double)b->b_msgs);
	printf(" verified=%" PRIu64 " errors=%" PRIu64 " conn_fail=%" PRIu64
	    " skipped=%" PRIu64 "\n", b->b_verified, b->b_errors,
	    b->b_connfail, b->b_skipped);
}

/* Let in-flight replay lines arrive for up to 3 s after the end. */
static void
replay_drain(struct bench *b)
{
	struct timeval	 tv = { 0, 50000 };
	uint64_t	 until = wsb_now_ns() + 3000000000ULL;

	while (b->b_rrecv < b->b_rsent && wsb_now_ns() < until) {
		event_base_loopexit(b->b_base, &tv);
		event_base_dispatch(b->b_base);
	}
}

int
main(int argc, char *argv[])
{
	struct bench	 bench, *b = &bench;
	struct event_config *cfg;
	struct timeval	 tv;
	const char	*errstr, *cafile = NULL, *unixpath = NULL;
	uint64_t	 hwm;
	char		*end;
	int		 ch, i, rc = 0;

	memset(b, 0, sizeof(*b));
	b->b_conns = 1;
	b->b_inflight = 1;
	b->b_size = 64;
	b->b_dur = 5;
	b->b_warm = 1;
	b->b_rate = 1000;
	b->b_label = "-";
	b->b_infd = b->b_outfd = -1;
	log_init("wsbench", 1);
	while ((ch = getopt(argc, argv, "bC:c:d:F:f:i:k:Ll:m:o:P:p:R:r:s:U:w:z"))
	    != -1) {
		switch (ch) {
		case 'b':
			b->b_binary = 1;
			break;
		case 'U':
			unixpath = optarg;
			break;
		case 'C':
			cafile = optarg;
			break;
		case 'c':
			b->b_conns = (int)strtonum(optarg, 1, 1000000, &errstr);
			if (errstr != NULL)
				fatalx("-c %s: %s", optarg, errstr);
			break;
		case 'd':
		case 'w':
		case 'r':
		case 'R':
		case 'P':
			errno = 0;
			{
				double v = strtod(optarg, &end);

				if (errno || *end != '\0' || v < 0 ||
				    v > 1e9 || (ch == 'r' && v <= 0))
					fatalx("-%c %s: bad number", ch,
					    optarg);
				if (ch == 'd')
					b->b_dur = v;
				else if (ch == 'R')
					b->b_pace = v;
				else if (ch == 'P')
					b->b_progress = v;
				else if (ch == 'w')
					b->b_warm = v;
				else
					b->b_rate = v;
			}
			break;
		case 'F':
			b->b_frag = (uint64_t)strtonum(optarg, 1, 1LL << 32,
			    &errstr);
			if (errstr != NULL)
				fatalx("-F %s: %s", optarg, errstr);
			break;
		case 'f':
			b->b_file = optarg;
			break;
		case 'i':
			b->b_in = optarg;
			break;
		case 'k':
			b->b_inflight = (int)strtonum(optarg, 1, 1000000,
			    &errstr);
			if (errstr != NULL)
				fatalx("-k %s: %s", optarg, errstr);
			break;
		case 'L':
			b->b_lines = 1;
			break;
		case 'l':
			b->b_label = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "closed") == 0)
				b->b_mode = WB_CLOSED;
			else if (strcmp(optarg, "open") == 0)
				b->b_mode = WB_OPEN;
			else if (strcmp(optarg, "churn") == 0)
				b->b_mode = WB_CHURN;
			else if (strcmp(optarg, "idle") == 0)
				b->b_mode = WB_IDLE;
			else if (strcmp(optarg, "replay") == 0)
				b->b_mode = WB_REPLAY;
			else
				usage();
			break;
		case 'o':
			b->b_out = optarg;
			break;
		case 'p':
			b->b_pid = (pid_t)strtonum(optarg, 1, INT32_MAX,
			    &errstr);
			if (errstr != NULL)
				fatalx("-p %s: %s", optarg, errstr);
			break;
		case 's':
			b->b_size = (uint64_t)strtonum(optarg, 1, 1LL << 32,
			    &errstr);
			if (errstr != NULL)
				fatalx("-s %s: %s", optarg, errstr);
			break;
		case 'z':
			b->b_deflate = 1;
			pmd_config_default(&b->b_pmd);
			b->b_pmd.pc_enabled = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (b->b_mode == WB_REPLAY) {
		if (argc != 0 || b->b_file == NULL || b->b_in == NULL ||
		    b->b_out == NULL)
			usage();
		if (b->b_inflight == 1)
			b->b_inflight = 1000;
	} else {
		if (argc != 1)
			usage();
		bench_url(b, argv[0]);
		if (unixpath != NULL)
			bench_unix(b, unixpath);
	}
	if (b->b_deflate && (b->b_frag != 0 || b->b_mode == WB_REPLAY))
		fatalx("-z sends each message as one frame, not with -F or "
		    "in replay mode");
	if (!b->b_binary && b->b_size < WB_TEXT_MIN + (b->b_lines ? 1 : 0))
		fatalx("text messages need -s %d or more", WB_TEXT_MIN +
		    (b->b_lines ? 1 : 0));
	signal(SIGPIPE, SIG_IGN);
	if (wsb_raise_nofile() < (long)b->b_conns + 16)
		log_warnx("RLIMIT_NOFILE below %d connections", b->b_conns);
	if (b->b_tls)
		bench_tls(b, cafile);
	arc4random_buf(&b->b_rng, sizeof(b->b_rng));
	b->b_rng |= 1;
	wsb_hist_init(&b->b_hist);
	msg_patterns(b);
	if ((b->b_scratch = malloc(WB_CHUNK)) == NULL ||
	    (b->b_exp = malloc(WB_CHUNK)) == NULL ||
	    (b->b_cn = calloc((size_t)b->b_conns, sizeof(*b->b_cn))) == NULL)
		fatal("malloc");
	/* timerfd-backed timers: the open loop's ticks need sub-ms slack */
	if ((cfg = event_config_new()) == NULL)
		fatalx("event_config_new");
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	if ((b->b_base = event_base_new_with_config(cfg)) == NULL)
		fatalx("event_base_new");
	event_config_free(cfg);
	b->b_t0 = wsb_now_ns();
	b->b_ev_warm = evtimer_new(b->b_base, bench_warm, b);
	b->b_ev_end = evtimer_new(b->b_base, bench_end, b);
	b->b_ev_idle = evtimer_new(b->b_base, bench_idle, b);
	if (b->b_mode == WB_IDLE) {
		if (b->b_pid > 0 &&
		    wsb_proc_rss(b->b_pid, &b->b_rss0, &hwm) == -1)
			fatalx("pid %d: cannot read /proc", (int)b->b_pid);
		b->b_pss_ok = b->b_pid > 0 &&
		    wsb_proc_pss(b->b_pid, &b->b_pss0) == 0;
		for (i = 0; i < b->b_conns && i < WB_IDLE_PENDING; i++)
			conn_start(b, b->b_idle_next++);
		/* give up after the duration even if some never open */
		tv.tv_sec = (time_t)(b->b_dur + 60);
		tv.tv_usec = 0;
		evtimer_add(b->b_ev_end, &tv);
	} else {
		if (b->b_mode == WB_REPLAY)
			replay_start(b);
		else if (b->b_pace > 0) {
			b->b_pace_t0 = wsb_now_ns();
			b->b_ev_pace = event_new(b->b_base, -1, EV_PERSIST,
			    pace_tick, b);
			tv.tv_sec = 0;
			tv.tv_usec = 2000;
			evtimer_add(b->b_ev_pace, &tv);
		} else
			for (i = 0; i < b->b_conns; i++)
				conn_start(b, i);
		tv.tv_sec = (time_t)b->b_warm;
		tv.tv_usec = (suseconds_t)((b->b_warm - (double)tv.tv_sec) *
		    1e6);
		evtimer_add(b->b_ev_warm, &tv);
		tv.tv_sec = (time_t)(b->b_warm + b->b_dur);
		tv.tv_usec = (suseconds_t)((b->b_warm + b->b_dur -
		    (double)tv.tv_sec) * 1e6);
		evtimer_add(b->b_ev_end, &tv);
	}
	if (b->b_progress > 0) {
		b->b_ev_progress = event_new(b->b_base, -1, EV_PERSIST,
		    progress_tick, b);
		tv.tv_sec = (time_t)b->b_progress;
		tv.tv_usec = (suseconds_t)((b->b_progress -
		    (double)tv.tv_sec) * 1e6);
		evtimer_add(b->b_ev_progress, &tv);
	}
	event_base_dispatch(b->b_base);
	if (!b->b_stopping)
		bench_stop(b);
	if (b->b_mode == WB_REPLAY)
		replay_drain(b);
	if (b->b_mode == WB_IDLE && !b->b_measuring)
		b->b_twarm = b->b_t0;
	bench_report(b);
	fflush(stdout);
	if (b->b_errors > 0 || (b->b_mode != WB_IDLE && b->b_msgs == 0) ||
	    (b->b_mode == WB_IDLE && b->b_opened == 0))
		rc = 1;
	if (b->b_mode == WB_REPLAY && b->b_rrecv < b->b_rsent) {
		log_warnx("replay: %" PRIu64 " lines sent were not received",
		    b->b_rsent - b->b_rrecv);
		rc = 1;
	}
	if (b->b_connfail > 0 && b->b_mode != WB_CHURN)
		rc = 1;
	for (i = 0; i < b->b_conns; i++)
		conn_free(b->b_cn[i]);
	free(b->b_cn);
	free(b->b_scratch);
	free(b->b_exp);
	free(b->b_pat);
	for (i = 0; i < (int)b->b_nlines; i++)
		free(b->b_lines_v[i]);
	free(b->b_lines_v);
	free(b->b_wbuf);
	free(b->b_rbuf);
	if (b->b_ev_in != NULL)
		event_free(b->b_ev_in);
	if (b->b_ev_out != NULL)
		event_free(b->b_ev_out);
	if (b->b_infd != -1)
		close(b->b_infd);
	if (b->b_outfd != -1)
		close(b->b_outfd);
	event_free(b->b_ev_warm);
	event_free(b->b_ev_end);
	event_free(b->b_ev_idle);
	if (b->b_ev_pace != NULL)
		event_free(b->b_ev_pace);
	if (b->b_ev_progress != NULL)
		event_free(b->b_ev_progress);
	event_base_free(b->b_base);
	SSL_CTX_free(b->b_ctx);
	return rc;
}
