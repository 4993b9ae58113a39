/* SPDX-License-Identifier: ISC */
/*
 * rawecho: the benchmarks' ceiling.  A plain epoll TCP server on
 * 127.0.0.1 that answers the WebSocket opening handshake and then echoes
 * every byte back unchanged (so the client gets its own masked frames,
 * which wsbench accepts).  No framing, no parsing: what remains is the
 * kernel's and the generator's cost.  An idle connection costs its
 * struct only: the request is read into one shared buffer (a partial
 * one is kept per connection until it is complete).
 * usage: rawecho [-f] [-p port] [-X offset]
 * -f echoes as a real server does (common/ws.h parser, unmasked frames,
 * pong, close): the upstream of the relay scenario, which a client
 * connector that rejects masked frames can talk to.
 * -X (tests only) flips the byte at that offset of each connection's
 * echoed stream, so a test can check that wsbench catches a bad echo.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "ws.h"
#include "wsb.h"

#define RE_HS_MAX	WS_DEFAULT_MAX_HEADER_BYTES
#define RE_IOBUF	(64 * 1024)

struct re_conn {
	int		 rc_fd;
	int		 rc_open;	/* handshake done */
	int		 rc_closing;	/* -f: close after the output */
	char		*rc_hs;		/* partial request, NULL when none */
	size_t		 rc_hslen;
	char		*rc_pend;	/* unsent bytes; reading stops */
	size_t		 rc_plen;
	size_t		 rc_poff;
	uint64_t	 rc_echoed;	/* bytes echoed so far */
	struct ws_parser *rc_wp;	/* -f only */
	int		 rc_midmsg;	/* -f: a message is being echoed */
};

static long long	 corrupt_at = -1;
static int		 framed;
static char		 hsbuf[RE_HS_MAX];	/* requests are read here */
static struct buf	 outbuf;		/* -f and handshake output */

static int	 epfd;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: rawecho [-f] [-p port] [-X offset]\n");
	exit(1);
}

/* Forget a connection. */
static void
conn_close(struct re_conn *c)
{
	close(c->rc_fd);
	free(c->rc_pend);
	free(c->rc_hs);
	if (c->rc_wp != NULL) {
		ws_parser_free(c->rc_wp);
		free(c->rc_wp);
	}
	free(c);
}

/* Watch for input (want_out 0) or for room to write (1). */
static int
conn_watch(struct re_conn *c, int want_out)
{
	struct epoll_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = want_out ? EPOLLOUT : EPOLLIN;
	ev.data.ptr = c;
	return epoll_ctl(epfd, EPOLL_CTL_MOD, c->rc_fd, &ev);
}

/* Write what we can; keep the rest and wait for EPOLLOUT.  -1: close. */
static int
conn_send(struct re_conn *c, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		w = write(c->rc_fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno == EAGAIN)
			break;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	if (n == 0)
		return 0;
	if ((c->rc_pend = malloc(n)) == NULL)
		return -1;
	memcpy(c->rc_pend, p, n);
	c->rc_plen = n;
	c->rc_poff = 0;
	return conn_watch(c, 1);
}

/*
 * -f: echo the frames in p[0..n) into outbuf as a server sends them:
 * each piece of a message becomes an unmasked frame (the message is the
 * same, its fragmentation may differ), pings get pongs, a close is
 * answered and ends the connection.
 */
static int
echo_frames(struct re_conn *c, uint8_t *p, size_t n)
{
	struct ws_event	 ev;
	uint8_t		 hdr[WS_HEADER_MAX];
	size_t		 off, used, hl;
	int		 r, op;

	for (off = 0; off < n && !c->rc_closing; off += used) {
		r = ws_parse(c->rc_wp, p + off, n - off, &used, &ev);
		if (r == WS_NEED_MORE)
			break;
		if (r != WS_OK)
			return -1;
		switch (ev.we_type) {
		case WS_EV_TEXT_PART:
		case WS_EV_BINARY_PART:
			op = c->rc_midmsg ? WS_OP_CONT :
			    ev.we_type == WS_EV_TEXT_PART ? WS_OP_TEXT :
			    WS_OP_BINARY;
			c->rc_midmsg = !ev.we_final;
			if (ws_frame_header(hdr, &hl, op, ev.we_final,
			    ev.we_len, NULL) == -1 ||
			    buf_add(&outbuf, hdr, hl) == -1 ||
			    buf_add(&outbuf, ev.we_data, ev.we_len) == -1)
				return -1;
			break;
		case WS_EV_PING:
			if (ws_frame_build(&outbuf, WS_ROLE_SERVER, WS_OP_PONG,
			    1, ev.we_data, ev.we_len) != WS_OK)
				return -1;
			break;
		case WS_EV_CLOSE:
			if (ws_close_build(&outbuf, WS_ROLE_SERVER,
			    ev.we_code, NULL, 0) != WS_OK)
				return -1;
			c->rc_closing = 1;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Output is flushed: a closing -f connection ends (-1), others go on. */
static int
conn_sent(struct re_conn *c)
{
	return c->rc_closing && c->rc_pend == NULL ? -1 : 0;
}

/*
 * Collect the request in the shared buffer (a partial one waits in a
 * buffer of its own size); answer 101 and echo whatever followed it.
 */
static int
conn_handshake(struct re_conn *c)
{
	struct ws_request	 req;
	size_t			 have = 0, used;
	ssize_t			 r;
	int			 rc;

	if (c->rc_hs != NULL) {
		memcpy(hsbuf, c->rc_hs, c->rc_hslen);
		have = c->rc_hslen;
	}
	r = read(c->rc_fd, hsbuf + have, sizeof(hsbuf) - have);
	if (r == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0)
		return -1;
	have += (size_t)r;
	rc = ws_server_request_parse(hsbuf, have, NULL, &req, &used);
	if (rc == WS_NEED_MORE) {
		char	*p;

		if (have == sizeof(hsbuf) ||
		    (p = realloc(c->rc_hs, have)) == NULL)
			return -1;
		memcpy(p, hsbuf, have);
		c->rc_hs = p;
		c->rc_hslen = have;
		return 0;
	}
	free(c->rc_hs);
	c->rc_hs = NULL;
	c->rc_hslen = 0;
	if (rc != WS_OK)
		return -1;
	buf_reset(&outbuf);
	if (ws_server_response(&outbuf, &req, NULL) != WS_OK)
		return -1;
	c->rc_open = 1;
	if (framed) {
		if ((c->rc_wp = malloc(sizeof(*c->rc_wp))) == NULL)
			return -1;
		ws_parser_init(c->rc_wp, WS_ROLE_SERVER, NULL,
		    WS_PARSE_STREAM);
		if (echo_frames(c, (uint8_t *)hsbuf + used, have - used) == -1)
			return -1;
	} else if (buf_add(&outbuf, hsbuf + used, have - used) == -1)
		return -1;
	/* response and early frames in one write, in order */
	if (conn_send(c, outbuf.bf_data, outbuf.bf_len) == -1)
		return -1;
	return conn_sent(c);
}

/* Readable or writable: echo, or flush what is pending. */
static int
conn_io(struct re_conn *c, uint32_t events)
{
	char	 buf[RE_IOBUF];
	ssize_t	 r, w;

	if (c->rc_pend != NULL) {
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return 0;
		while (c->rc_poff < c->rc_plen) {
			w = write(c->rc_fd, c->rc_pend + c->rc_poff,
			    c->rc_plen - c->rc_poff);
			if (w == -1 && errno == EINTR)
				continue;
			if (w == -1 && errno == EAGAIN)
				return 0;
			if (w <= 0)
				return -1;
			c->rc_poff += (size_t)w;
		}
		free(c->rc_pend);
		c->rc_pend = NULL;
		if (conn_sent(c) == -1)
			return -1;
		return conn_watch(c, 0);
	}
	if (!c->rc_open)
		return conn_handshake(c);
	r = read(c->rc_fd, buf, sizeof(buf));
	if (r == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0)
		return -1;
	if (corrupt_at >= 0 && (uint64_t)corrupt_at >= c->rc_echoed &&
	    (uint64_t)corrupt_at < c->rc_echoed + (uint64_t)r)
		buf[corrupt_at - (long long)c->rc_echoed] ^= 0x01;
	c->rc_echoed += (uint64_t)r;
	if (!framed)
		return conn_send(c, buf, (size_t)r);
	buf_reset(&outbuf);
	if (echo_frames(c, (uint8_t *)buf, (size_t)r) == -1 ||
	    conn_send(c, outbuf.bf_data, outbuf.bf_len) == -1)
		return -1;
	return conn_sent(c);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 sin;
	struct epoll_event	 ev, evs[256];
	const char		*errstr;
	int			 ch, lfd, one = 1, port = 9001, n, i;

	log_init("rawecho", 1);
	while ((ch = getopt(argc, argv, "fp:X:")) != -1) {
		switch (ch) {
		case 'f':
			framed = 1;
			break;
		case 'p':
			port = (int)strtonum(optarg, 1, 65535, &errstr);
			if (errstr != NULL)
				fatalx("port %s: %s", optarg, errstr);
			break;
		case 'X':
			corrupt_at = strtonum(optarg, 0, LLONG_MAX, &errstr);
			if (errstr != NULL)
				fatalx("-X %s: %s", optarg, errstr);
			break;
		default:
			usage();
		}
	}
	signal(SIGPIPE, SIG_IGN);
	wsb_raise_nofile();
	buf_init(&outbuf, 0);
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		fatal("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		fatal("bind 127.0.0.1:%d", port);
	if (listen(lfd, 4096) == -1)
		fatal("listen");
	if ((epfd = epoll_create1(0)) == -1)
		fatal("epoll_create1");
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) == -1)
		fatal("epoll_ctl");
	for (;;) {
		n = epoll_wait(epfd, evs, 256, -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fatal("epoll_wait");
		}
		for (i = 0; i < n; i++) {
			struct re_conn	*c = evs[i].data.ptr;
			int		 fd;

			if (c != NULL) {
				if (conn_io(c, evs[i].events) == -1)
					conn_close(c);
				continue;
			}
			while ((fd = accept4(lfd, NULL, NULL,
			    SOCK_NONBLOCK)) != -1) {
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				    sizeof(one));
				if ((c = calloc(1, sizeof(*c))) == NULL) {
					close(fd);
					continue;
				}
				c->rc_fd = fd;
				ev.events = EPOLLIN;
				ev.data.ptr = c;
				if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ==
				    -1)
					conn_close(c);
			}
		}
	}
}
