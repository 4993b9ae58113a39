/* SPDX-License-Identifier: ISC */
/*
 * wsfan: one publisher, many subscribers (broadcast; bench/README.md).
 * Opens -c subscriber connections to SUB_URL (plain ws://, 100 upgrades
 * at a time), then one publisher connection to PUB_URL, and publishes -n
 * text messages {"seq":N,"ts":NS,"pad":"..."} of -s bytes with at most -k
 * of them not yet received by every subscriber.  Every subscriber must
 * get every message, in order: a gap, a repeat, an early close or no
 * progress for -t seconds is an error (exit 1).  The result is one line
 * of key=value pairs: deliveries per second (first publish to last
 * delivery) and the latency of each delivery (publish to receipt).
 * Epoll, plain sockets, no TLS: the generator's cost stays small beside
 * the server's.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "url.h"
#include "wsb.h"

#define WF_BATCH	100		/* upgrades at a time */
#define WF_READ		(256 * 1024)
#define WF_RING		65536		/* in-flight messages at most */
#define WF_SIZE_MIN	80
#define WF_SIZE_MAX	(1024 * 1024)
#define WF_KEY		"dGhlIHNhbXBsZSBub25jZQ=="

struct wf_sub {
	int		 s_fd;
	uint64_t	 s_next;	/* sequence number expected */
	uint8_t		*s_buf;		/* a partial frame */
	size_t		 s_len, s_cap;
};

struct wf {
	int		 f_ep;
	int		 f_nsubs;
	struct wf_sub	*f_subs;
	int		 f_pub;
	uint64_t	 f_n, f_k, f_size;
	uint64_t	 f_sent, f_done;	/* published, received by all */
	uint32_t	 f_count[WF_RING];	/* receipts per message */
	uint8_t		*f_out;		/* the publisher's unsent bytes */
	size_t		 f_olen, f_ooff;
	uint64_t	 f_t0, f_tlast, f_dlv;
	struct wsb_hist	 f_hist;
	pid_t		 f_pid;
	uint64_t	 f_cpu0;
	int		 f_cpu_ok;
};

static uint8_t	 wf_rbuf[WF_READ];

/* Print the problem and exit 1. */
static void __attribute__((noreturn, format(printf, 1, 2)))
wf_fail(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "wsfan: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

/* How to run it. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: wsfan [-c subscribers] [-k inflight] "
	    "[-l label] [-n messages] [-p pid] [-s size] [-t stall_secs] "
	    "SUB_URL PUB_URL\n");
	exit(2);
}

/* A number option within [min, max]. */
static uint64_t
wf_num(const char *s, uint64_t min, uint64_t max)
{
	char		*end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		wf_fail("%s: a number between %llu and %llu expected", s,
		    (unsigned long long)min, (unsigned long long)max);
	return v;
}

/* A TCP connection to u (blocking), TCP_NODELAY on. */
static int
wf_dial(const struct url *u)
{
	struct addrinfo	 hints, *res;
	char		 port[8];
	int		 fd, on = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", u->u_port);
	if (getaddrinfo(u->u_host, port, &hints, &res) != 0)
		wf_fail("%s: cannot resolve", u->u_host);
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || connect(fd, res->ai_addr, res->ai_addrlen) == -1)
		wf_fail("connect %s:%u: %s", u->u_host, u->u_port,
		    strerror(errno));
	freeaddrinfo(res);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	return fd;
}

/* Send the upgrade request on fd. */
static void
wf_request(int fd, const struct url *u)
{
	char	 req[1024];
	int	 n;

	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s:%u\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: " WF_KEY "\r\nSec-WebSocket-Version: 13\r\n"
	    "\r\n", u->u_path, u->u_host, u->u_port);
	if (n < 0 || (size_t)n >= sizeof(req) || write(fd, req, n) != n)
		wf_fail("cannot send the upgrade request");
}

/* Read the answer byte by byte (no frame read ahead): 101 or exit. */
static void
wf_answer(int fd)
{
	char	 resp[4096];
	size_t	 n = 0;

	while (n < sizeof(resp) - 1 && (n < 4 ||
	    memcmp(resp + n - 4, "\r\n\r\n", 4) != 0)) {
		if (read(fd, resp + n, 1) != 1)
			wf_fail("upgrade: connection ended");
		n++;
	}
	resp[n] = '\0';
	if (strncmp(resp, "HTTP/1.1 101", 12) != 0)
		wf_fail("upgrade refused: %.40s", resp);
}

/* Make fd non-blocking and watch it (data is the subscriber's index,
 * -1 the publisher). */
static void
wf_watch(struct wf *f, int fd, int idx, uint32_t events)
{
	struct epoll_event	 ev;

	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
		wf_fail("fcntl: %s", strerror(errno));
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.u64 = (uint64_t)(int64_t)idx;
	if (epoll_ctl(f->f_ep, EPOLL_CTL_ADD, fd, &ev) == -1)
		wf_fail("epoll_ctl: %s", strerror(errno));
}

/* Open the subscribers, WF_BATCH upgrades at a time. */
static void
wf_subscribe(struct wf *f, const struct url *u)
{
	int	 i, j, end;

	for (i = 0; i < f->f_nsubs; i = end) {
		end = i + WF_BATCH < f->f_nsubs ? i + WF_BATCH : f->f_nsubs;
		for (j = i; j < end; j++) {
			f->f_subs[j].s_fd = wf_dial(u);
			wf_request(f->f_subs[j].s_fd, u);
		}
		for (j = i; j < end; j++) {
			wf_answer(f->f_subs[j].s_fd);
			wf_watch(f, f->f_subs[j].s_fd, j, EPOLLIN);
		}
	}
}

/* Queue the next message as a masked frame (mask key 0: the payload
 * is sent as it is). */
static void
wf_publish(struct wf *f)
{
	uint8_t		*p = f->f_out + f->f_olen;
	size_t		 h, len = f->f_size;
	int		 n;

	p[0] = 0x81;
	if (len < 126) {
		p[1] = 0x80 | (uint8_t)len;
		h = 2;
	} else if (len < 65536) {
		p[1] = 0x80 | 126;
		p[2] = len >> 8;
		p[3] = len & 0xff;
		h = 4;
	} else {
		p[1] = 0x80 | 127;
		for (n = 0; n < 8; n++)
			p[2 + n] = (uint8_t)(len >> (56 - 8 * n));
		h = 10;
	}
	memset(p + h, 0, 4);
	h += 4;
	n = snprintf((char *)p + h, len, "{\"seq\":%" PRIu64 ",\"ts\":%"
	    PRIu64 ",\"pad\":\"", f->f_sent, wsb_now_ns());
	memset(p + h + n, 'x', len - n - 2);
	memcpy(p + h + len - 2, "\"}", 2);
	f->f_olen += h + len;
	f->f_count[f->f_sent % WF_RING] = 0;
	f->f_sent++;
}

/* Publish what the window allows and write what the socket takes. */
static void
wf_pump(struct wf *f)
{
	ssize_t	 w;

	/* what is unsent first: the buffer holds -k messages at most */
	memmove(f->f_out, f->f_out + f->f_ooff, f->f_olen - f->f_ooff);
	f->f_olen -= f->f_ooff;
	f->f_ooff = 0;
	while (f->f_sent < f->f_n && f->f_sent - f->f_done < f->f_k)
		wf_publish(f);
	while (f->f_ooff < f->f_olen) {
		w = write(f->f_pub, f->f_out + f->f_ooff,
		    f->f_olen - f->f_ooff);
		if (w == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (w <= 0)
			wf_fail("publisher: write: %s", strerror(errno));
		f->f_ooff += (size_t)w;
	}
}

/* One message received by subscriber i: in order, else exit. */
static void
wf_message(struct wf *f, int i, const uint8_t *p, size_t len)
{
	struct wf_sub	*s = &f->f_subs[i];
	uint64_t	 seq, ts, now = wsb_now_ns();
	char		 head[64];

	memcpy(head, p, len < sizeof(head) - 1 ? len : sizeof(head) - 1);
	head[len < sizeof(head) - 1 ? len : sizeof(head) - 1] = '\0';
	if (sscanf(head, "{\"seq\":%" SCNu64 ",\"ts\":%" SCNu64, &seq, &ts) !=
	    2 || len != f->f_size)
		wf_fail("subscriber %d: not a message of %" PRIu64 " bytes: "
		    "%.40s", i, f->f_size, head);
	if (seq != s->s_next)
		wf_fail("subscriber %d: message %" PRIu64 " where %" PRIu64
		    " was due", i, seq, s->s_next);
	s->s_next++;
	wsb_hist_add(&f->f_hist, now > ts ? (now - ts) / 1000 : 0);
	f->f_dlv++;
	f->f_tlast = now;
	if (++f->f_count[seq % WF_RING] == (uint32_t)f->f_nsubs)
		f->f_done++;
}

/* Parse the frames buffered for subscriber i (unmasked server frames). */
static size_t
wf_frames(struct wf *f, int i, const uint8_t *p, size_t n)
{
	size_t		 off = 0, h, len;
	int		 op, k;

	while (n - off >= 2) {
		op = p[off] & 0x0f;
		len = p[off + 1] & 0x7f;
		h = 2;
		if (len == 126) {
			if (n - off < 4)
				break;
			len = (size_t)p[off + 2] << 8 | p[off + 3];
			h = 4;
		} else if (len == 127) {
			if (n - off < 10)
				break;
			for (len = 0, k = 0; k < 8; k++)
				len = len << 8 | p[off + 2 + k];
			h = 10;
		}
		if (p[off + 1] & 0x80 || !(p[off] & 0x80) ||
		    len > WF_SIZE_MAX)
			wf_fail("subscriber %d: a frame not expected (0x%02x)",
			    i, p[off]);
		if (n - off - h < len)
			break;
		if (op == 1 || op == 2)
			wf_message(f, i, p + off + h, len);
		else if (op == 8)
			wf_fail("subscriber %d: closed by the server after %"
			    PRIu64 " messages", i, f->f_subs[i].s_next);
		off += h + len;
	}
	return off;
}

/* Subscriber i is readable. */
static void
wf_read(struct wf *f, int i)
{
	struct wf_sub	*s = &f->f_subs[i];
	ssize_t		 r;
	size_t		 used;
	uint8_t		*nb;

	for (;;) {
		r = read(s->s_fd, wf_rbuf, sizeof(wf_rbuf));
		if (r == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (r <= 0)
			wf_fail("subscriber %d: connection ended after %" PRIu64
			    " messages", i, s->s_next);
		if (s->s_len == 0) {
			used = wf_frames(f, i, wf_rbuf, (size_t)r);
			if (used == (size_t)r)
				continue;
		} else
			used = 0;
		/* keep the rest (a partial frame) */
		if (s->s_len + (size_t)r - used > s->s_cap) {
			s->s_cap = s->s_len + (size_t)r - used + 4096;
			if ((nb = realloc(s->s_buf, s->s_cap)) == NULL)
				wf_fail("out of memory");
			s->s_buf = nb;
		}
		memcpy(s->s_buf + s->s_len, wf_rbuf + used, (size_t)r - used);
		s->s_len += (size_t)r - used;
		used = wf_frames(f, i, s->s_buf, s->s_len);
		memmove(s->s_buf, s->s_buf + used, s->s_len - used);
		s->s_len -= used;
	}
}

/* The result line. */
static void
wf_report(struct wf *f, const char *label)
{
	double		 secs = (double)(f->f_tlast - f->f_t0) / 1e9;
	uint64_t	 cpu1;

	printf("label=%s subs=%d msgs=%" PRIu64 " deliveries=%" PRIu64
	    " dlv_s=%.0f secs=%.3f p50_us=%" PRIu64 " p99_us=%" PRIu64
	    " max_us=%" PRIu64, label, f->f_nsubs, f->f_done, f->f_dlv,
	    secs > 0 ? (double)f->f_dlv / secs : 0, secs,
	    wsb_hist_pct(&f->f_hist, 50), wsb_hist_pct(&f->f_hist, 99),
	    f->f_hist.hi_max);
	if (f->f_cpu_ok && wsb_proc_cpu(f->f_pid, &cpu1) == 0 && f->f_dlv > 0)
		printf(" srv_cpu_s=%.3f cpu_ns_dlv=%.0f",
		    (double)(cpu1 - f->f_cpu0) / 1e9,
		    (double)(cpu1 - f->f_cpu0) / (double)f->f_dlv);
	printf(" errors=0\n");
	fflush(stdout);
}

/* Close every connection, free everything. */
static void
wf_free(struct wf *f)
{
	int	 i;

	for (i = 0; i < f->f_nsubs; i++) {
		if (f->f_subs[i].s_fd > 0)
			close(f->f_subs[i].s_fd);
		free(f->f_subs[i].s_buf);
	}
	close(f->f_pub);
	close(f->f_ep);
	free(f->f_subs);
	free(f->f_out);
	free(f);
}

int
main(int argc, char *argv[])
{
	struct wf		*f;
	struct url		 su, pu;
	struct epoll_event	 evs[256];
	const char		*why = NULL, *label = "wsfan";
	uint64_t		 stall = 10, last_done = 0, last_t;
	int			 ch, i, n;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		wf_fail("out of memory");
	f->f_nsubs = 100;
	f->f_n = 1000;
	f->f_k = 16;
	f->f_size = WF_SIZE_MIN;
	while ((ch = getopt(argc, argv, "c:k:l:n:p:s:t:")) != -1) {
		switch (ch) {
		case 'c':
			f->f_nsubs = (int)wf_num(optarg, 1, 100000);
			break;
		case 'k':
			f->f_k = wf_num(optarg, 1, WF_RING);
			break;
		case 'l':
			label = optarg;
			break;
		case 'n':
			f->f_n = wf_num(optarg, 1, UINT64_MAX / 2);
			break;
		case 'p':
			f->f_pid = (pid_t)wf_num(optarg, 1, INT32_MAX);
			break;
		case 's':
			f->f_size = wf_num(optarg, WF_SIZE_MIN, WF_SIZE_MAX);
			break;
		case 't':
			stall = wf_num(optarg, 1, 3600);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	if (url_parse(argv[optind], &su, &why) == -1 ||
	    url_parse(argv[optind + 1], &pu, &why) == -1 || su.u_tls ||
	    pu.u_tls)
		wf_fail("%s: plain ws:// URLs expected", why ? why : "tls");
	(void)wsb_raise_nofile();
	wsb_hist_init(&f->f_hist);
	if ((f->f_subs = calloc(f->f_nsubs, sizeof(*f->f_subs))) == NULL ||
	    (f->f_out = malloc(f->f_k * (f->f_size + 14))) == NULL ||
	    (f->f_ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		wf_fail("out of memory");
	wf_subscribe(f, &su);
	f->f_pub = wf_dial(&pu);
	wf_request(f->f_pub, &pu);
	wf_answer(f->f_pub);
	wf_watch(f, f->f_pub, -1, EPOLLIN | EPOLLOUT | EPOLLET);
	if (f->f_pid != 0)
		f->f_cpu_ok = wsb_proc_cpu(f->f_pid, &f->f_cpu0) == 0;
	f->f_t0 = last_t = f->f_tlast = wsb_now_ns();
	wf_pump(f);
	while (f->f_done < f->f_n) {
		n = epoll_wait(f->f_ep, evs, 256, 1000);
		if (n == -1 && errno != EINTR)
			wf_fail("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++) {
			if ((int64_t)evs[i].data.u64 >= 0)
				wf_read(f, (int)evs[i].data.u64);
			else if (evs[i].events & EPOLLIN &&
			    read(f->f_pub, wf_rbuf, sizeof(wf_rbuf)) == 0)
				wf_fail("publisher: connection ended");
		}
		wf_pump(f);
		if (f->f_done != last_done) {
			last_done = f->f_done;
			last_t = wsb_now_ns();
		} else if (wsb_now_ns() - last_t > stall * 1000000000ULL)
			wf_fail("no progress for %" PRIu64 " s: %" PRIu64 " of %"
			    PRIu64 " messages received by every subscriber "
			    "(%" PRIu64 " deliveries)", stall, f->f_done,
			    f->f_n, f->f_dlv);
	}
	wf_report(f, label);
	wf_free(f);
	return 0;
}
