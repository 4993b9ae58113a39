/* SPDX-License-Identifier: ISC */
/*
 * Reading a descriptor in chunks for a source connector (file, stdin),
 * one chunk per event loop turn, paused while the outgoing routes are
 * full.  Pollable descriptors wait for readability; regular files (which
 * epoll refuses) are read whenever flow allows.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

static void	rd_cb(evutil_socket_t, short, void *);

/* Prepare a reader; it reads nothing until rd_start(). */
int
rd_init(struct wk_reader *rd, struct worker *w, int fd, size_t chunk,
    struct json_object *meta)
{
	struct stat	 sb;

	memset(rd, 0, sizeof(*rd));
	rd->rd_w = w;
	rd->rd_fd = fd;
	rd->rd_chunk = chunk;
	rd->rd_meta = meta;
	if ((rd->rd_buf = malloc(chunk)) == NULL)
		return -1;
	rd->rd_ev = event_new(w->w_base, fd, EV_READ | EV_PERSIST, rd_cb, rd);
	if (rd->rd_ev == NULL)
		return -1;
	/* epoll refuses regular files: then read whenever flow allows. */
	if (fstat(fd, &sb) == 0 && !S_ISREG(sb.st_mode) &&
	    event_add(rd->rd_ev, NULL) == 0) {
		rd->rd_pollable = 1;
		event_del(rd->rd_ev);
	} else {
		event_free(rd->rd_ev);
		rd->rd_ev = event_new(w->w_base, -1, 0, rd_cb, rd);
		if (rd->rd_ev == NULL)
			return -1;
	}
	return 0;
}

/* Arm the reader for the next chunk. */
static void
rd_arm(struct wk_reader *rd)
{
	if (rd->rd_pollable)
		event_add(rd->rd_ev, NULL);
	else
		event_active(rd->rd_ev, EV_READ, 0);
}

/* Read one chunk and push it through the event path. */
static void
rd_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct wk_reader	*rd = arg;
	ssize_t			 n;

	(void)fd;
	(void)ev;
	if (rd->rd_stopped || rd->rd_eof)
		return;
	if (!ev_can_emit(rd->rd_w)) {
		rd->rd_blocked = 1;
		if (rd->rd_pollable)
			event_del(rd->rd_ev);
		return;
	}
	n = read(rd->rd_fd, rd->rd_buf, rd->rd_chunk);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == -1)
		log_warn("connector %s: read", rd->rd_w->w_name);
	if (n <= 0) {
		rd->rd_eof = 1;
		if (rd->rd_pollable)
			event_del(rd->rd_ev);
		log_debug("connector %s: end of input", rd->rd_w->w_name);
		ev_source_end(rd->rd_w, 0, rd->rd_meta);
		if (rd->rd_after != NULL)
			rd->rd_after(rd, 0);
		return;
	}
	ev_source_data(rd->rd_w, 0, rd->rd_buf, n, rd->rd_meta);
	if (rd->rd_after != NULL)
		rd->rd_after(rd, n);
	if (!rd->rd_pollable)
		rd_arm(rd);
}

/* Begin reading. */
void
rd_start(struct wk_reader *rd)
{
	rd->rd_running = 1;
	rd_arm(rd);
}

/* Flow allows again: resume if we were blocked. */
void
rd_kick(struct wk_reader *rd)
{
	if (!rd->rd_running || rd->rd_stopped || rd->rd_eof ||
	    !rd->rd_blocked)
		return;
	rd->rd_blocked = 0;
	rd_arm(rd);
}

/* The descriptor was moved back: read again, even after its end. */
void
rd_rewind(struct wk_reader *rd)
{
	rd->rd_eof = 0;
	if (rd->rd_running && !rd->rd_stopped && !rd->rd_blocked)
		rd_arm(rd);
}

/* Stop for good. */
void
rd_stop(struct wk_reader *rd)
{
	rd->rd_stopped = 1;
	if (rd->rd_ev != NULL)
		event_del(rd->rd_ev);
}

/* Release the reader (not the descriptor). */
void
rd_free(struct wk_reader *rd)
{
	if (rd->rd_ev != NULL)
		event_free(rd->rd_ev);
	rd->rd_ev = NULL;
	free(rd->rd_buf);
	rd->rd_buf = NULL;
}

/* Write everything, waiting if the descriptor is non-blocking; *done (if
 * not NULL) says how much was written before an error. */
int
wk_write_all(int fd, const char *data, size_t len, size_t *done)
{
	struct pollfd	 pfd;
	ssize_t		 n;

	if (done != NULL)
		*done = 0;
	while (len > 0) {
		n = write(fd, data, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -1;
			pfd.fd = fd;
			pfd.events = POLLOUT;
			(void)poll(&pfd, 1, 1000);
			continue;
		}
		data += n;
		len -= n;
		if (done != NULL)
			*done += n;
	}
	return 0;
}
