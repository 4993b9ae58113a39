/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for common/proc.c, the message layer: framing, size checks,
 * descriptor passing over a socketpair, malformed input rejected,
 * watermarks, pausing, no descriptor kept from a sender that floods.
 * What payloads mean is test_proto.c's.
 */
#include "config.h"

#include <sys/socket.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "check.h"
#include "proc.h"
#include "proto.h"

struct rx {
	int	 nmsg;
	int	 closed;
	char	 err[128];
	int	 types[64];
	size_t	 lens[64];
	char	 first[64];
	int	 fd;
	size_t	 total;
	int	 stop_after;	/* pause dispatch after this many (0: never) */
	int	 drained;
};

static struct event_base *base;

/* Record what arrives. */
static void
rx_cb(struct proc_peer *p, const struct proc_msg *m, void *arg)
{
	struct rx	*rx = arg;

	if (m == NULL) {
		rx->closed = 1;
		(void)strlcpy(rx->err, proc_error(p), sizeof(rx->err));
		event_base_loopbreak(base);
		return;
	}
	if (rx->nmsg < 64) {
		rx->types[rx->nmsg] = m->pm_type;
		rx->lens[rx->nmsg] = m->pm_len;
		rx->first[rx->nmsg] = m->pm_len ? ((const char *)m->pm_data)[0] : 0;
	}
	rx->total += m->pm_len;
	if (m->pm_fd != -1) {
		if (rx->fd != -1)
			close(rx->fd);
		rx->fd = m->pm_fd;
	}
	rx->nmsg++;
	if (rx->stop_after && rx->nmsg == rx->stop_after)
		proc_read_enable(p, 0);
}

/* Run the loop briefly. */
static void
spin(int ms)
{
	struct timeval	 tv = { 0, ms * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/* Run the loop until *v reaches want (at most about 5 s). */
static void
spin_until(const int *v, int want)
{
	int	 i;

	for (i = 0; i < 250 && *v < want; i++)
		spin(20);
}

static void
drain_cb(struct proc_peer *p, void *arg)
{
	struct rx	*rx = arg;

	(void)p;
	rx->drained++;
}

/* A pair of peers over a socketpair. */
static void
mkpair(struct proc_peer **a, struct proc_peer **b, struct rx *ra,
    struct rx *rb)
{
	int	 sv[2];

	memset(ra, 0, sizeof(*ra));
	memset(rb, 0, sizeof(*rb));
	ra->fd = rb->fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	*a = proc_peer_new(base, sv[0], "a", rx_cb, ra);
	*b = proc_peer_new(base, sv[1], "b", rx_cb, rb);
}

static void
test_hdr(void)
{
	struct proc_hdr	 h, g;
	char		 err[128];

	memset(&h, 0, sizeof(h));
	h.ph_type = MSG_START;
	h.ph_len = 10;
	CHECK_INT(proc_hdr_parse(&h, sizeof(h) - 1, &g, err, sizeof(err)), 0);
	CHECK_INT(proc_hdr_parse(&h, sizeof(h), &g, err, sizeof(err)), 1);
	CHECK_INT(g.ph_len, 10);
	CHECK_INT(g.ph_type, MSG_START);
	h.ph_type = 0;
	CHECK_INT(proc_hdr_parse(&h, sizeof(h), &g, err, sizeof(err)), -1);
	h.ph_type = MSG_START;
	h.ph_flags = 0x8000;
	CHECK_INT(proc_hdr_parse(&h, sizeof(h), &g, err, sizeof(err)), -1);
	CHECK(strstr(err, "flags") != NULL);
	h.ph_flags = 0;
	h.ph_len = PROC_MAX_PAYLOAD;
	CHECK_INT(proc_hdr_parse(&h, sizeof(h), &g, err, sizeof(err)), 1);
	h.ph_len = PROC_MAX_PAYLOAD + 1;
	CHECK_INT(proc_hdr_parse(&h, sizeof(h), &g, err, sizeof(err)), -1);
	CHECK(strstr(err, "too large") != NULL);
}

static void
test_roundtrip(void)
{
	struct proc_peer	*a, *b;
	struct rx		 ra, rb;
	char			*big;
	size_t			 biglen = 3 * 1024 * 1024 + 7;

	mkpair(&a, &b, &ra, &rb);
	CHECK(proc_send(a, MSG_START, -1, NULL, 0) == 0);
	CHECK(proc_send(a, MSG_CONFIG, -1, "{\"x\":1}", 7) == 0);
	big = malloc(biglen);
	memset(big, 'z', biglen);
	CHECK(proc_send(a, MSG_CONFIG, -1, big, biglen) == 0);
	CHECK(proc_send(b, MSG_READY, -1, NULL, 0) == 0);
	spin_until(&rb.nmsg, 3);
	spin_until(&ra.nmsg, 1);
	CHECK_INT(rb.nmsg, 3);
	CHECK_INT(rb.types[0], MSG_START);
	CHECK_INT(rb.lens[0], 0);
	CHECK_INT(rb.types[1], MSG_CONFIG);
	CHECK_INT(rb.lens[1], 7);
	CHECK_INT(rb.first[1], '{');
	CHECK_INT(rb.lens[2], biglen);
	CHECK_INT(rb.first[2], 'z');
	CHECK_INT(ra.nmsg, 1);
	CHECK_INT(ra.types[0], MSG_READY);
	CHECK(!ra.closed && !rb.closed);
	/* Too large to send: refused, nothing queued. */
	CHECK(proc_send(a, MSG_CONFIG, -1, big, PROC_MAX_PAYLOAD + 1) == -1);
	CHECK_INT(errno, EMSGSIZE);
	CHECK_INT(proc_pending(a), 0);
	free(big);
	/* Close: the other side sees EOF. */
	proc_peer_free(a);
	spin_until(&rb.closed, 1);
	CHECK(rb.closed);
	CHECK(strcmp(rb.err, "connection closed") == 0);
	proc_peer_free(b);
}

static void
test_fdpass(void)
{
	struct proc_peer	*a, *b;
	struct rx		 ra, rb;
	struct msg_route	 mr, got;
	int			 p1[2], p2[2];
	char			 buf[8];

	mkpair(&a, &b, &ra, &rb);
	CHECK(pipe(p1) == 0);
	CHECK(pipe(p2) == 0);
	memset(&mr, 0, sizeof(mr));
	mr.mr_id = 42;
	mr.mr_end = ROUTE_OUT;
	/* Two descriptors back to back, with a plain message between. */
	CHECK(proc_send(a, MSG_ROUTE, p1[0], &mr, sizeof(mr)) == 0);
	CHECK(proc_send(a, MSG_START, -1, NULL, 0) == 0);
	mr.mr_id = 43;
	CHECK(proc_send(a, MSG_ROUTE, p2[0], &mr, sizeof(mr)) == 0);
	spin_until(&rb.nmsg, 3);
	CHECK_INT(rb.nmsg, 3);
	CHECK(rb.fd != -1);
	CHECK(write(p2[1], "hi", 2) == 2);
	memset(buf, 0, sizeof(buf));
	CHECK(read(rb.fd, buf, sizeof(buf)) == 2);
	CHECK(strcmp(buf, "hi") == 0);
	CHECK(fcntl(rb.fd, F_GETFD) & FD_CLOEXEC);
	/* The sender's copies were closed after sending. */
	CHECK(fcntl(p1[0], F_GETFD) == -1 && errno == EBADF);
	{
		struct proc_msg	m;

		m.pm_type = MSG_ROUTE;
		m.pm_data = &mr;
		m.pm_len = sizeof(mr);
		CHECK(proc_get(&m, &got, sizeof(got)) == 0);
		CHECK_INT(got.mr_id, 43);
		m.pm_len = sizeof(mr) - 1;
		CHECK(proc_get(&m, &got, sizeof(got)) == -1);
	}
	close(rb.fd);
	close(p1[1]);
	close(p2[1]);
	proc_peer_free(a);
	proc_peer_free(b);
}

/* Write raw bytes to a socket whose other end is a peer; return its rx. */
static void
raw_case(const void *bytes, size_t len, int passfd, const char *want)
{
	struct proc_peer	*b;
	struct rx		 rb;
	int			 sv[2];

	memset(&rb, 0, sizeof(rb));
	rb.fd = -1;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	b = proc_peer_new(base, sv[1], "b", rx_cb, &rb);
	if (passfd) {
		struct msghdr	 mh;
		struct iovec	 iov;
		union {
			struct cmsghdr	h;
			char		b[CMSG_SPACE(sizeof(int))];
		}		 cm;
		struct cmsghdr	*c;
		int		 fd = dup(0);

		memset(&mh, 0, sizeof(mh));
		memset(&cm, 0, sizeof(cm));
		iov.iov_base = (void *)(uintptr_t)bytes;
		iov.iov_len = len;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cm.b;
		mh.msg_controllen = sizeof(cm.b);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_len = CMSG_LEN(sizeof(int));
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
		CHECK(sendmsg(sv[0], &mh, 0) == (ssize_t)len);
		close(fd);
	} else
		CHECK(write(sv[0], bytes, len) == (ssize_t)len);
	close(sv[0]);
	spin_until(&rb.closed, 1);
	CHECK(rb.closed);
	CHECK_MSG(strstr(rb.err, want) != NULL, "error \"%s\", want \"%s\"",
	    rb.err, want);
	proc_peer_free(b);
}

/* A message type namer for test_malformed. */
static const char *
test_name(unsigned int type)
{
	(void)type;
	return "TEST_NAME";
}

static void
test_malformed(void)
{
	struct {
		struct proc_hdr	h;
		char		d[4];
	}			 m;

	memset(&m, 0, sizeof(m));
	m.h.ph_type = MSG_EVENT;
	m.h.ph_len = PROC_MAX_PAYLOAD + 1;
	raw_case(&m, sizeof(m), 0, "too large");
	m.h.ph_len = 4;
	m.h.ph_flags = 2;
	raw_case(&m, sizeof(m), 0, "unknown flags");
	m.h.ph_flags = PROC_F_FD;
	raw_case(&m, sizeof(m), 0, "without its descriptor");
	m.h.ph_flags = 0;
	raw_case(&m, sizeof(m) - 1, 0, "truncated");
	m.h.ph_type = 0;
	raw_case(&m, sizeof(m), 0, "type 0");
	/* The owner's names for message types, when it gives them. */
	proc_set_msg_name(test_name);
	m.h.ph_type = MSG_EVENT;
	m.h.ph_len = PROC_MAX_PAYLOAD + 1;
	raw_case(&m, sizeof(m), 0, "TEST_NAME too large");
	m.h.ph_len = 4;
	m.h.ph_flags = PROC_F_FD;
	raw_case(&m, sizeof(m), 0, "TEST_NAME without its descriptor");
	proc_set_msg_name(NULL);
	/* A well-formed message with an unexpected descriptor is fine. */
	m.h.ph_type = MSG_START;
	m.h.ph_len = 4;
	m.h.ph_flags = PROC_F_FD;
	raw_case(&m, sizeof(m), 1, "connection closed");
}

/* Descriptors this process has open (/proc/self/fd, less the listing's). */
static int
count_fds(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

/* Send one byte with a batch of n descriptors (copies of fd). */
static int
send_batch(int sock, int fd, int n)
{
	union {
		struct cmsghdr	h;
		char		b[CMSG_SPACE(sizeof(int) * 8)];
	}		 cm;
	struct cmsghdr	*c;
	struct msghdr	 mh;
	struct iovec	 iov;
	int		 fds[8], i;
	char		 byte = 0;

	memset(&mh, 0, sizeof(mh));
	memset(&cm, 0, sizeof(cm));
	for (i = 0; i < n; i++)
		fds[i] = fd;
	iov.iov_base = &byte;
	iov.iov_len = 1;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.b;
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

/*
 * A sender that overfills the descriptor queue with batches of eight (one
 * byte each, never a whole header, so nothing is dispatched): the peer
 * dies and every descriptor received is closed, the overflowing batch's
 * included.
 */
static void
test_fdflood(void)
{
	struct proc_peer	*b;
	struct rx		 rb;
	int			 sv[2], before, i;

	before = count_fds();
	CHECK(before > 0);
	memset(&rb, 0, sizeof(rb));
	rb.fd = -1;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	b = proc_peer_new(base, sv[1], "b", rx_cb, &rb);
	for (i = 0; i < PROC_MAX_FDS / 8 + 1; i++)
		CHECK(send_batch(sv[0], 0, 8) == 0);
	spin_until(&rb.closed, 1);
	CHECK(rb.closed);
	CHECK_STR(rb.err, "too many descriptors");
	CHECK_INT(rb.nmsg, 0);
	proc_peer_free(b);
	close(sv[0]);
	CHECK_INT(count_fds(), before);
}

static void
test_flow(void)
{
	struct proc_peer	*a, *b;
	struct rx		 ra, rb;
	char			 chunk[4096];
	int			 n = 0;

	mkpair(&a, &b, &ra, &rb);
	memset(chunk, 'c', sizeof(chunk));
	proc_set_watermarks(a, 16384, 65536, drain_cb, &ra);
	/* The reader pauses after one message: output must back up. */
	rb.stop_after = 1;
	/* More than the socket buffers hold. */
	while (n < 1000 &&
	    proc_send(a, MSG_CONFIG, -1, chunk, sizeof(chunk)) == 0)
		n++;
	CHECK_INT(n, 1000);
	CHECK(proc_over_high(a));
	spin_until(&rb.nmsg, 1);
	spin(100);		/* nothing more may arrive while paused */
	CHECK_INT(rb.nmsg, 1);
	CHECK(proc_pending(a) > 0);
	CHECK_INT(ra.drained, 0);
	rb.stop_after = 0;
	proc_read_enable(b, 1);
	spin_until(&rb.nmsg, n);
	CHECK_INT(rb.nmsg, n);
	CHECK_INT(rb.total, (size_t)n * sizeof(chunk));
	CHECK_INT(ra.drained, 1);
	CHECK_INT(proc_pending(a), 0);
	/* Half-close after the queue: the reader gets everything then EOF. */
	CHECK(proc_send(a, MSG_START, -1, NULL, 0) == 0);
	proc_close_write(a);
	CHECK(proc_send(a, MSG_START, -1, NULL, 0) == -1);
	spin_until(&rb.closed, 1);
	CHECK_INT(rb.nmsg, n + 1);
	CHECK(rb.closed);
	proc_peer_free(a);
	proc_peer_free(b);
}

/* The other end is gone while we are paused: what it sent before stays
 * readable, our sends fail, and end of stream comes after its messages. */
static void
test_halfdead(void)
{
	struct proc_peer	*a, *b;
	struct rx		 ra, rb;

	mkpair(&a, &b, &ra, &rb);
	proc_read_enable(a, 0);
	CHECK(proc_send(b, MSG_CONFIG, -1, "x", 1) == 0);
	CHECK(proc_send(b, MSG_START, -1, NULL, 0) == 0);
	CHECK(proc_flush(b) == 0);
	proc_peer_free(b);
	CHECK(proc_send(a, MSG_PAUSE, -1, NULL, 0) == 0);
	spin(50);
	CHECK(proc_send(a, MSG_RESUME, -1, NULL, 0) == -1);
	CHECK_INT(errno, EPIPE);
	CHECK(proc_flush(a) == -1);
	CHECK_INT(ra.nmsg, 0);
	CHECK(!ra.closed);
	proc_read_enable(a, 1);
	spin_until(&ra.closed, 1);
	CHECK_INT(ra.nmsg, 2);
	CHECK_INT(ra.types[0], MSG_CONFIG);
	CHECK_INT(ra.types[1], MSG_START);
	CHECK(ra.closed);
	CHECK(proc_pending(a) > 0);	/* the undelivered pause is counted */
	proc_peer_free(a);
}

int
main(void)
{
	base = event_base_new();
	test_hdr();
	test_roundtrip();
	test_fdpass();
	test_malformed();
	test_fdflood();
	test_flow();
	test_halfdead();
	event_base_free(base);
	return check_done();
}
