/* SPDX-License-Identifier: ISC */
/*
 * Message layer between wsflow processes: length-prefixed typed messages
 * over Unix stream sockets with descriptor passing, driven by libevent.
 * Output is an evbuffer plus a small queue of descriptors, each bound to
 * the absolute stream offset of the message that carries it; input is
 * read with recvmsg() so descriptors arrive with the bytes they belong to.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "proc.h"

#define PROC_READ_CHUNK	65536
#define PROC_IOV	16

struct proc_fdq {
	int		fq_fd[PROC_MAX_FDS];
	uint64_t	fq_pos[PROC_MAX_FDS];	/* output offset (out only) */
	int		fq_head;
	int		fq_count;
};

struct proc_peer {
	int			 pp_fd;
	char			 pp_name[64];
	char			 pp_err[128];
	struct event_base	*pp_base;
	struct event		*pp_rev;
	struct event		*pp_wev;
	struct evbuffer		*pp_in;
	struct evbuffer		*pp_out;
	struct proc_fdq		 pp_infds;
	struct proc_fdq		 pp_outfds;
	uint64_t		 pp_written;	/* bytes ever written */
	uint64_t		 pp_queued;	/* bytes ever queued */
	proc_msg_fn		 pp_msgcb;
	void			*pp_arg;
	proc_drain_fn		 pp_draincb;
	void			*pp_drainarg;
	size_t			 pp_low;
	size_t			 pp_high;
	int			 pp_above;
	int			 pp_reading;	/* dispatch enabled */
	int			 pp_dead;	/* closed; no more callbacks */
	int			 pp_closewr;	/* shutdown(SHUT_WR) when empty */
	int			 pp_wdead;	/* the other end stopped reading */
	int			 pp_busy;	/* inside a callback */
	int			 pp_freed;	/* free requested while busy */
};

static void	proc_readcb(evutil_socket_t, short, void *);
static void	proc_writecb(evutil_socket_t, short, void *);

#define PROC_READ_NOW_MAX	64	/* reads by proc_read_now */

static const char *(*proc_msg_name)(unsigned int);

/* Name message types in errors from now on (NULL: numbers). */
void
proc_set_msg_name(const char *(*fn)(unsigned int))
{
	proc_msg_name = fn;
}

/* "message type n", or the type's name, into buf. */
static const char *
proc_type(char *buf, size_t len, unsigned int type)
{
	if (proc_msg_name != NULL)
		return proc_msg_name(type);
	snprintf(buf, len, "message type %u", type);
	return buf;
}

/* Push a descriptor on a queue; -1 when full. */
static int
fdq_push(struct proc_fdq *q, int fd, uint64_t pos)
{
	int	 i;

	if (q->fq_count == PROC_MAX_FDS)
		return -1;
	i = (q->fq_head + q->fq_count) % PROC_MAX_FDS;
	q->fq_fd[i] = fd;
	q->fq_pos[i] = pos;
	q->fq_count++;
	return 0;
}

/* Pop the oldest descriptor, -1 when empty. */
static int
fdq_pop(struct proc_fdq *q)
{
	int	 fd;

	if (q->fq_count == 0)
		return -1;
	fd = q->fq_fd[q->fq_head];
	q->fq_head = (q->fq_head + 1) % PROC_MAX_FDS;
	q->fq_count--;
	return fd;
}

/* Close every queued descriptor. */
static void
fdq_clear(struct proc_fdq *q)
{
	int	 fd;

	while ((fd = fdq_pop(q)) != -1)
		close(fd);
}

/* Validate a header at the front of buf. */
int
proc_hdr_parse(const void *buf, size_t len, struct proc_hdr *hdr, char *err,
    size_t errlen)
{
	struct proc_hdr	 h;
	char		 tb[32];

	if (len < sizeof(h))
		return 0;
	memcpy(&h, buf, sizeof(h));
	if (h.ph_type == 0) {
		snprintf(err, errlen, "message type 0");
		return -1;
	}
	if (h.ph_flags & ~PROC_F_ALL) {
		snprintf(err, errlen, "unknown flags 0x%x in %s", h.ph_flags,
		    proc_type(tb, sizeof(tb), h.ph_type));
		return -1;
	}
	if (h.ph_len > PROC_MAX_PAYLOAD) {
		snprintf(err, errlen, "%s too large (%u bytes)",
		    proc_type(tb, sizeof(tb), h.ph_type), h.ph_len);
		return -1;
	}
	*hdr = h;
	return 1;
}

/* Wrap a connected socket; takes ownership of fd. */
struct proc_peer *
proc_peer_new(struct event_base *base, int fd, const char *name,
    proc_msg_fn cb, void *arg)
{
	struct proc_peer	*p;
	int			 fl;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		goto fail;
	p->pp_fd = fd;
	p->pp_base = base;
	p->pp_msgcb = cb;
	p->pp_arg = arg;
	p->pp_reading = 1;
	(void)strlcpy(p->pp_name, name, sizeof(p->pp_name));
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		goto fail;
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	if ((p->pp_in = evbuffer_new()) == NULL ||
	    (p->pp_out = evbuffer_new()) == NULL)
		goto fail;
	p->pp_rev = event_new(base, fd, EV_READ | EV_PERSIST, proc_readcb, p);
	p->pp_wev = event_new(base, fd, EV_WRITE, proc_writecb, p);
	if (p->pp_rev == NULL || p->pp_wev == NULL)
		goto fail;
	if (event_add(p->pp_rev, NULL) == -1)
		goto fail;
	return p;
fail:
	if (p != NULL) {
		p->pp_fd = -1;
		proc_peer_free(p);
	}
	close(fd);
	return NULL;
}

/* Release everything; safe from inside the peer's own callback. */
void
proc_peer_free(struct proc_peer *p)
{
	if (p == NULL)
		return;
	if (p->pp_busy) {
		p->pp_freed = 1;
		p->pp_dead = 1;
		if (p->pp_rev != NULL)
			event_del(p->pp_rev);
		if (p->pp_wev != NULL)
			event_del(p->pp_wev);
		return;
	}
	if (p->pp_rev != NULL)
		event_free(p->pp_rev);
	if (p->pp_wev != NULL)
		event_free(p->pp_wev);
	if (p->pp_in != NULL)
		evbuffer_free(p->pp_in);
	if (p->pp_out != NULL)
		evbuffer_free(p->pp_out);
	fdq_clear(&p->pp_infds);
	fdq_clear(&p->pp_outfds);
	if (p->pp_fd != -1)
		close(p->pp_fd);
	free(p);
}

const char *
proc_error(const struct proc_peer *p)
{
	return p->pp_err[0] != '\0' ? p->pp_err : "connection closed";
}

const char *
proc_name(const struct proc_peer *p)
{
	return p->pp_name;
}

int
proc_fd(const struct proc_peer *p)
{
	return p->pp_fd;
}

/* Mark the peer dead and tell the owner once. */
static void
proc_die(struct proc_peer *p, const char *why)
{
	if (p->pp_dead)
		return;
	if (why != NULL && p->pp_err[0] == '\0')
		(void)strlcpy(p->pp_err, why, sizeof(p->pp_err));
	p->pp_dead = 1;
	event_del(p->pp_rev);
	event_del(p->pp_wev);
	p->pp_msgcb(p, NULL, p->pp_arg);
}

/* Hand complete messages to the owner while dispatch is enabled. */
static void
proc_dispatch(struct proc_peer *p)
{
	struct proc_hdr	 h;
	struct proc_msg	 m;
	unsigned char	 hb[sizeof(h)];
	unsigned char	*data;
	char		 tb[32];
	size_t		 have;
	int		 r;

	p->pp_busy++;
	while (p->pp_reading && !p->pp_dead) {
		have = evbuffer_get_length(p->pp_in);
		if (have < sizeof(h))
			break;
		evbuffer_copyout(p->pp_in, hb, sizeof(hb));
		r = proc_hdr_parse(hb, sizeof(hb), &h, p->pp_err,
		    sizeof(p->pp_err));
		if (r == -1) {
			proc_die(p, NULL);
			break;
		}
		if (have < sizeof(h) + h.ph_len)
			break;
		data = evbuffer_pullup(p->pp_in, sizeof(h) + h.ph_len);
		if (data == NULL) {
			proc_die(p, "out of memory");
			break;
		}
		m.pm_type = h.ph_type;
		m.pm_len = h.ph_len;
		m.pm_data = data + sizeof(h);
		m.pm_fd = -1;
		if (h.ph_flags & PROC_F_FD) {
			if ((m.pm_fd = fdq_pop(&p->pp_infds)) == -1) {
				snprintf(p->pp_err, sizeof(p->pp_err),
				    "%s without its descriptor",
				    proc_type(tb, sizeof(tb), h.ph_type));
				proc_die(p, NULL);
				break;
			}
		}
		p->pp_msgcb(p, &m, p->pp_arg);
		if (p->pp_freed)
			break;
		evbuffer_drain(p->pp_in, sizeof(h) + h.ph_len);
	}
	p->pp_busy--;
}

/* Leave a callback; frees the peer if that was asked for meanwhile. */
static void
proc_release(struct proc_peer *p)
{
	if (--p->pp_busy == 0 && p->pp_freed) {
		p->pp_freed = 0;
		proc_peer_free(p);
	}
}

/* Read what is there, collecting passed descriptors, then dispatch. */
static void
proc_readcb(evutil_socket_t fd, short ev, void *arg)
{
	struct proc_peer	*p = arg;
	char			 buf[PROC_READ_CHUNK];
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * 8)];
	}			 cm;
	struct cmsghdr		*c;
	struct msghdr		 mh;
	struct iovec		 iov;
	ssize_t			 n;
	int			 i, nfd, *fds, eof = 0, over = 0;

	(void)ev;
	p->pp_busy++;
	/* Bound what we hold: a full message plus one read. */
	if (evbuffer_get_length(p->pp_in) <
	    sizeof(struct proc_hdr) + PROC_MAX_PAYLOAD) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (n == -1 && errno != EAGAIN && errno != EINTR) {
			snprintf(p->pp_err, sizeof(p->pp_err), "recvmsg: %s",
			    strerror(errno));
			proc_die(p, NULL);
			goto out;
		}
		if (n == 0)
			eof = 1;
		for (c = CMSG_FIRSTHDR(&mh); n > 0 && c != NULL;
		    c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET ||
			    c->cmsg_type != SCM_RIGHTS)
				continue;
			nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			fds = (int *)CMSG_DATA(c);
			/* Past a full queue, close every descriptor of the
			 * batch (and of later ones): none may stay open. */
			for (i = 0; i < nfd; i++)
				if (over ||
				    fdq_push(&p->pp_infds, fds[i], 0) == -1) {
					close(fds[i]);
					over = 1;
				}
		}
		if (over) {
			snprintf(p->pp_err, sizeof(p->pp_err),
			    "too many descriptors");
			proc_die(p, NULL);
			goto out;
		}
		if (n > 0 && (mh.msg_flags & MSG_CTRUNC)) {
			snprintf(p->pp_err, sizeof(p->pp_err),
			    "descriptors truncated");
			proc_die(p, NULL);
			goto out;
		}
		if (n > 0 && evbuffer_add(p->pp_in, buf, n) == -1) {
			proc_die(p, "out of memory");
			goto out;
		}
	}
	proc_dispatch(p);
	if (eof && !p->pp_dead && !p->pp_freed) {
		/* Messages still buffered while paused are delivered first. */
		if (p->pp_reading && evbuffer_get_length(p->pp_in) != 0)
			snprintf(p->pp_err, sizeof(p->pp_err),
			    "truncated message at end of stream");
		if (p->pp_reading || evbuffer_get_length(p->pp_in) == 0)
			proc_die(p, NULL);
		else
			event_del(p->pp_rev);
	}
out:
	proc_release(p);
}

/*
 * Read and dispatch at once what the socket holds (before the peer is
 * replaced, its last messages still count).  The callback may free the
 * peer: the caller must not use it afterwards unless it knows.
 */
void
proc_read_now(struct proc_peer *p)
{
	struct pollfd	 pfd;
	int		 i, stop;

	for (i = 0; i < PROC_READ_NOW_MAX; i++) {
		if (p->pp_dead || !p->pp_reading)
			return;
		pfd.fd = p->pp_fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) <= 0)
			return;
		p->pp_busy++;
		proc_readcb(p->pp_fd, EV_READ, p);
		stop = p->pp_dead || p->pp_freed;
		proc_release(p);
		if (stop)
			return;
	}
}

/* How many bytes may go in one send: up to the next descriptor. */
static size_t
proc_sendable(struct proc_peer *p, int *withfd)
{
	struct proc_fdq	*q = &p->pp_outfds;
	size_t		 len = evbuffer_get_length(p->pp_out);
	uint64_t	 next;
	int		 i;

	*withfd = 0;
	if (q->fq_count == 0)
		return len;
	i = q->fq_head;
	if (q->fq_pos[i] == p->pp_written) {
		*withfd = 1;
		if (q->fq_count == 1)
			return len;
		next = q->fq_pos[(i + 1) % PROC_MAX_FDS];
	} else
		next = q->fq_pos[i];
	if (next - p->pp_written < len)
		len = next - p->pp_written;
	return len;
}

/* Write as much as the socket takes; returns -1 on a hard error. */
static int
proc_write(struct proc_peer *p)
{
	struct evbuffer_iovec	 vec[PROC_IOV];
	struct iovec		 iov[PROC_IOV];
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}			 cm;
	struct cmsghdr		*c;
	struct msghdr		 mh;
	size_t			 len;
	ssize_t			 n;
	int			 i, nv, withfd, fd;

	while ((len = proc_sendable(p, &withfd)) > 0) {
		nv = evbuffer_peek(p->pp_out, len, NULL, vec, PROC_IOV);
		if (nv > PROC_IOV)
			nv = PROC_IOV;
		for (i = 0; i < nv; i++) {
			iov[i].iov_base = vec[i].iov_base;
			iov[i].iov_len = vec[i].iov_len;
		}
		/* Never send past the descriptor boundary. */
		{
			size_t	tot = 0;

			for (i = 0; i < nv; i++) {
				if (tot + iov[i].iov_len > len)
					iov[i].iov_len = len - tot;
				tot += iov[i].iov_len;
				if (tot == len) {
					nv = i + 1;
					break;
				}
			}
		}
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov;
		mh.msg_iovlen = nv;
		fd = -1;
		if (withfd) {
			fd = p->pp_outfds.fq_fd[p->pp_outfds.fq_head];
			memset(&cm, 0, sizeof(cm));
			mh.msg_control = cm.buf;
			mh.msg_controllen = sizeof(cm.buf);
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_len = CMSG_LEN(sizeof(int));
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			memcpy(CMSG_DATA(c), &fd, sizeof(int));
		}
		n = sendmsg(p->pp_fd, &mh, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			snprintf(p->pp_err, sizeof(p->pp_err), "sendmsg: %s",
			    strerror(errno));
			return -1;
		}
		if (withfd)
			close(fdq_pop(&p->pp_outfds));
		evbuffer_drain(p->pp_out, n);
		p->pp_written += n;
	}
	return 0;
}

/* After writing: drain notification, half-close, re-arm. */
static void
proc_after_write(struct proc_peer *p)
{
	size_t	 pending = evbuffer_get_length(p->pp_out);

	if (pending > 0) {
		event_add(p->pp_wev, NULL);
		return;
	}
	if (p->pp_closewr == 1) {
		(void)shutdown(p->pp_fd, SHUT_WR);
		p->pp_closewr = 2;
	}
}

/* Socket writable: send, then tell the owner when below low water. */
static void
proc_writecb(evutil_socket_t fd, short ev, void *arg)
{
	struct proc_peer	*p = arg;

	(void)fd;
	(void)ev;
	if (p->pp_dead || p->pp_wdead)
		return;
	p->pp_busy++;
	if (proc_write(p) == -1) {
		/*
		 * The other end no longer reads (it exited or shut down).
		 * What it sent before is still ours to read: keep reading
		 * until end of stream, which reports the loss; until then
		 * queued output stays counted in proc_pending().
		 */
		p->pp_wdead = 1;
		if (p->pp_reading)
			event_active(p->pp_rev, EV_READ, 0);
		goto out;
	}
	proc_after_write(p);
	if (p->pp_above && evbuffer_get_length(p->pp_out) <= p->pp_low) {
		p->pp_above = 0;
		if (p->pp_draincb != NULL)
			p->pp_draincb(p, p->pp_drainarg);
	}
out:
	proc_release(p);
}

/* Queue a message made of iov pieces, with an optional descriptor. */
int
proc_sendv(struct proc_peer *p, uint16_t type, int fd,
    const struct iovec *iov, int iovcnt)
{
	struct proc_hdr	 h;
	size_t		 len = 0;
	int		 i;

	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > PROC_MAX_PAYLOAD - len) {
			errno = EMSGSIZE;
			goto fail;
		}
		len += iov[i].iov_len;
	}
	if (p->pp_dead || p->pp_closewr || p->pp_wdead) {
		errno = EPIPE;
		goto fail;
	}
	if (evbuffer_get_length(p->pp_out) + len > PROC_OUT_MAX) {
		errno = ENOBUFS;
		goto fail;
	}
	memset(&h, 0, sizeof(h));
	h.ph_len = len;
	h.ph_type = type;
	if (fd != -1) {
		h.ph_flags = PROC_F_FD;
		if (fdq_push(&p->pp_outfds, fd, p->pp_queued) == -1) {
			errno = EMFILE;
			goto fail;
		}
	}
	if (evbuffer_add(p->pp_out, &h, sizeof(h)) == -1)
		return -1;	/* cannot happen short of memory: fd is queued */
	for (i = 0; i < iovcnt; i++)
		if (iov[i].iov_len > 0 &&
		    evbuffer_add(p->pp_out, iov[i].iov_base,
		    iov[i].iov_len) == -1)
			return -1;
	p->pp_queued += sizeof(h) + len;
	if (p->pp_high > 0 && evbuffer_get_length(p->pp_out) > p->pp_high)
		p->pp_above = 1;
	/*
	 * Write in this loop pass, after the callback that queued it (so
	 * what one pass queues leaves in one write); the event is armed
	 * only when the socket refuses part of it (proc_after_write).
	 * Arming it here would cost two epoll_ctl per message.
	 */
	if (!event_pending(p->pp_wev, EV_WRITE, NULL))
		event_active(p->pp_wev, EV_WRITE, 0);
	return 0;
fail:
	if (fd != -1)
		close(fd);
	return -1;
}

/* Queue one contiguous payload. */
int
proc_send(struct proc_peer *p, uint16_t type, int fd, const void *data,
    size_t len)
{
	struct iovec	 iov;

	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = len;
	return proc_sendv(p, type, fd, &iov, data == NULL ? 0 : 1);
}

/* Block until everything queued is written. */
int
proc_flush(struct proc_peer *p)
{
	struct pollfd	 pfd;

	while (!p->pp_dead && evbuffer_get_length(p->pp_out) > 0) {
		if (p->pp_wdead || proc_write(p) == -1) {
			p->pp_wdead = 1;
			return -1;
		}
		if (evbuffer_get_length(p->pp_out) == 0)
			break;
		pfd.fd = p->pp_fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 1000) == -1 && errno != EINTR)
			return -1;
	}
	if (!p->pp_dead)
		proc_after_write(p);
	return p->pp_dead ? -1 : 0;
}

size_t
proc_pending(const struct proc_peer *p)
{
	return evbuffer_get_length(p->pp_out);
}

/* Set the output watermarks and the callback for "drained to low". */
void
proc_set_watermarks(struct proc_peer *p, size_t low, size_t high,
    proc_drain_fn cb, void *arg)
{
	p->pp_low = low;
	p->pp_high = high;
	p->pp_draincb = cb;
	p->pp_drainarg = arg;
}

int
proc_over_high(const struct proc_peer *p)
{
	return p->pp_high > 0 && evbuffer_get_length(p->pp_out) > p->pp_high;
}

/* Pause or resume message dispatch (and reading once the buffer is full). */
void
proc_read_enable(struct proc_peer *p, int on)
{
	if (p->pp_dead)
		return;
	p->pp_reading = on;
	if (on) {
		event_add(p->pp_rev, NULL);
		/* Deliver what is already buffered without waiting for I/O. */
		if (evbuffer_get_length(p->pp_in) > 0)
			event_active(p->pp_rev, EV_READ, 0);
	} else
		event_del(p->pp_rev);
}

/* Half-close once the queue is written. */
void
proc_close_write(struct proc_peer *p)
{
	if (p->pp_dead || p->pp_closewr)
		return;
	p->pp_closewr = 1;
	proc_after_write(p);
}

/* Copy a fixed-size payload, refusing any other length. */
int
proc_get(const struct proc_msg *m, void *dst, size_t size)
{
	if (m->pm_len != size)
		return -1;
	memcpy(dst, m->pm_data, size);
	return 0;
}
