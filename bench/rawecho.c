/*
 * rawecho: the benchmarks' ceiling.  A plain epoll TCP server on
 * 127.0.0.1 that answers the WebSocket opening handshake and then echoes
 * every byte back unchanged (so the client gets its own masked frames,
 * which wsbench accepts).  No framing, no parsing: what remains is the
 * kernel's and the generator's cost.
 * usage: rawecho [-p port] [-X offset]
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
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "wsb.h"

#define RE_HS_MAX	8192
#define RE_IOBUF	(64 * 1024)

struct re_conn {
	int	 rc_fd;
	int	 rc_open;		/* handshake done */
	char	 rc_hs[RE_HS_MAX];
	size_t	 rc_hslen;
	char	*rc_pend;		/* unsent bytes; reading stops */
	size_t	 rc_plen;
	size_t	 rc_poff;
	uint64_t rc_echoed;		/* bytes echoed so far */
};

static long long	 corrupt_at = -1;

static int	 epfd;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: rawecho [-p port] [-X offset]\n");
	exit(1);
}

/* Forget a connection. */
static void
conn_close(struct re_conn *c)
{
	close(c->rc_fd);
	free(c->rc_pend);
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

/* Find a header's value in a request (case-insensitive name). */
static int
hs_header(const char *req, const char *name, const char **val, size_t *len)
{
	const char	*p = req, *e;
	size_t		 nl = strlen(name);

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			p += nl + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			if ((e = strstr(p, "\r\n")) == NULL)
				return -1;
			while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			*val = p;
			*len = (size_t)(e - p);
			return 0;
		}
	}
	return -1;
}

/* Collect the request; answer 101 and echo whatever followed it. */
static int
conn_handshake(struct re_conn *c)
{
	char		 resp[256], acc[WSB_ACCEPT_LEN + 1], *end;
	const char	*key;
	size_t		 keylen, hlen, rest;
	ssize_t		 r;
	int		 n;

	r = read(c->rc_fd, c->rc_hs + c->rc_hslen,
	    sizeof(c->rc_hs) - 1 - c->rc_hslen);
	if (r == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0)
		return -1;
	c->rc_hslen += (size_t)r;
	c->rc_hs[c->rc_hslen] = '\0';
	if ((end = strstr(c->rc_hs, "\r\n\r\n")) == NULL)
		return c->rc_hslen + 1 < sizeof(c->rc_hs) ? 0 : -1;
	hlen = (size_t)(end - c->rc_hs) + 4;
	if (hs_header(c->rc_hs, "Sec-WebSocket-Key", &key, &keylen) == -1 ||
	    wsb_accept(key, keylen, acc, sizeof(acc)) == -1)
		return -1;
	n = snprintf(resp, sizeof(resp), "HTTP/1.1 101 Switching Protocols"
	    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", acc);
	if (n < 0 || (size_t)n >= sizeof(resp))
		return -1;
	c->rc_open = 1;
	rest = c->rc_hslen - hlen;
	if (rest > 0) {
		/* response and early frames in one write, in order */
		char	 both[sizeof(resp) + RE_HS_MAX];

		memcpy(both, resp, (size_t)n);
		memcpy(both + n, c->rc_hs + hlen, rest);
		return conn_send(c, both, (size_t)n + rest);
	}
	return conn_send(c, resp, (size_t)n);
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
	return conn_send(c, buf, (size_t)r);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 sin;
	struct epoll_event	 ev, evs[256];
	const char		*errstr;
	int			 ch, lfd, one = 1, port = 9001, n, i;

	log_init("rawecho", 1);
	while ((ch = getopt(argc, argv, "p:X:")) != -1) {
		switch (ch) {
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
