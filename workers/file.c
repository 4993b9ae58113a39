/* SPDX-License-Identifier: ISC */
/*
 * The file connector: mode "read" is a source (chunks of chunk_size bytes
 * on stream 0 with $file = {"path": ...}; end of file ends the stream but
 * not the daemon); write, append, truncate and overwrite are sinks that
 * write each event at once and fsync when stopping.  After a restart a
 * sink reopens its file in append mode.
 *
 * A regular file read from can be replayed: its events are numbered, and
 * the position of the last one every route acknowledged (ackwin.h) is
 * reported to the supervisor, which passes it back ("resume") when it
 * restarts the worker; when a consumer is wired again with events it
 * never acknowledged, the reader goes back there.  Duplicates are
 * possible, losses are not (at least once).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ackwin.h"
#include "log.h"
#include "worker.h"

#define FILE_CHUNK_DEFAULT	8192
#define FILE_CHUNK_MAX		(1024 * 1024)
#define FILE_RETRY_SECS		1
#define FILE_MARKS		8192	/* positions awaiting acknowledgement */

struct file_state {
	int			 fs_fd;
	int			 fs_sink;
	char			 fs_path[1024];
	struct wk_reader	 fs_rd;
	struct json_object	*fs_meta;
	struct buf		 fs_pending;	/* unwritten rest of an event */
	struct event		*fs_retry;
	uint64_t		 fs_failures;
	int			 fs_pipe;	/* sink: a FIFO, non-blocking */
	/* A regular file read from: replayable. */
	int			 fs_replay;
	uint64_t		 fs_off;	/* read so far */
	uint64_t		 fs_last;	/* event number after the last
						 * chunk */
	uint64_t		 fs_high;	/* highest event number emitted */
	struct ackwin		 fs_aw;
	struct aw_pos		 fs_told;	/* last position reported */
	uint64_t		 fs_seqs[WK_MAX_ROUTES];
};

static struct file_state	fstate = { .fs_fd = -1 };

static void	file_read_done(struct wk_reader *, size_t);
static void	file_event_done(struct worker *, size_t);

/*
 * A regular file read from: number its events and start where the last
 * run left off (the supervisor's "resume": an offset beyond the file's
 * end means another file, read from the start).
 */
static int
file_replay_setup(struct worker *w, struct file_state *fs, char *err,
    size_t errlen)
{
	struct json_object	*res;
	struct aw_pos		 start = { 0, 0 };
	struct stat		 sb;
	int			 i, nout = 0;

	if (fstat(fs->fs_fd, &sb) == -1 || !S_ISREG(sb.st_mode))
		return 0;
	if ((res = jg_obj(w->w_conf, "resume")) != NULL) {
		start.ap_offset = jg_int(res, "offset", 0);
		start.ap_events = jg_int(res, "events", 0);
		if (start.ap_offset > (uint64_t)sb.st_size) {
			log_warnx("connector %s: %s is shorter than its "
			    "resume offset %llu: reading it from the start",
			    w->w_name, fs->fs_path,
			    (unsigned long long)start.ap_offset);
			start.ap_offset = 0;
			start.ap_events = 0;
		} else if (lseek(fs->fs_fd, start.ap_offset, SEEK_SET) ==
		    -1) {
			snprintf(err, errlen, "%s: %s", fs->fs_path,
			    strerror(errno));
			return -1;
		} else
			log_info("connector %s: resuming %s at offset %llu "
			    "(event %llu)", w->w_name, fs->fs_path,
			    (unsigned long long)start.ap_offset,
			    (unsigned long long)start.ap_events);
	}
	for (i = 0; i < w->w_nroutes; i++)
		if (w->w_routes[i].wr_end == ROUTE_OUT)
			nout++;
	if (aw_init(&fs->fs_aw, nout, FILE_MARKS, &start) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	fs->fs_replay = 1;
	fs->fs_off = start.ap_offset;
	fs->fs_last = fs->fs_high = start.ap_events;
	fs->fs_told = start;
	fs->fs_rd.rd_after = file_read_done;
	if (w->w_path.ep_npre == 1)
		w->w_emit.em_done = file_event_done;
	w->w_emit.em_numbered = 1;
	w->w_emit.em_seq = start.ap_events;
	return 0;
}

/* Tell the supervisor the acknowledged position if it moved. */
static void
file_report(struct worker *w, struct file_state *fs)
{
	struct msg_source_pos	 sp;

	if (fs->fs_aw.aw_done.ap_offset == fs->fs_told.ap_offset &&
	    fs->fs_aw.aw_done.ap_events == fs->fs_told.ap_events)
		return;
	fs->fs_told = fs->fs_aw.aw_done;
	memset(&sp, 0, sizeof(sp));
	sp.sp_offset = fs->fs_told.ap_offset;
	sp.sp_events = fs->fs_told.ap_events;
	if (proc_send(w->w_ctl, MSG_SOURCE_POS, -1, &sp, sizeof(sp)) == -1)
		log_warn("connector %s: position", w->w_name);
}

/* Input up to offset has become the events so far: a mark. */
static void
file_mark(struct worker *w, struct file_state *fs, uint64_t offset)
{
	struct aw_pos		 pos;
	int			 i;

	pos.ap_offset = offset;
	pos.ap_events = w->w_emit.em_seq;
	for (i = 0; i < w->w_nroutes; i++)
		if (w->w_routes[i].wr_end == ROUTE_OUT)
			fs->fs_seqs[w->w_routes[i].wr_slot] =
			    w->w_routes[i].wr_seq;
	if (aw_mark(&fs->fs_aw, &pos, fs->fs_seqs))
		file_report(w, fs);
}

/* An event of the read in progress ends at byte end of it. */
static void
file_event_done(struct worker *w, size_t end)
{
	struct file_state	*fs = w->w_state;

	file_mark(w, fs, fs->fs_off + end);
}

/* A read (or the end) went through: count replays; without a mark per
 * line (not one lines preprocessor), a mark where the input has become
 * events. */
static void
file_read_done(struct wk_reader *rd, size_t n)
{
	struct worker		*w = rd->rd_w;
	struct file_state	*fs = w->w_state;
	uint64_t		 now = w->w_emit.em_seq;
	size_t			 rem;

	fs->fs_off += n;
	if (fs->fs_last < fs->fs_high)
		w->w_cnt.cn_replayed += (now < fs->fs_high ? now :
		    fs->fs_high) - fs->fs_last;
	if (now > fs->fs_high)
		fs->fs_high = now;
	fs->fs_last = now;
	if ((n > 0 && w->w_emit.em_done != NULL) ||
	    ev_source_pending(w, 0, &rem) == -1 || rem > fs->fs_off)
		return;
	file_mark(w, fs, fs->fs_off - rem);
}

/* An outgoing route acknowledged more. */
static void
file_acked(struct worker *w, struct wk_route *r)
{
	struct file_state	*fs = w->w_state;

	if (fs != NULL && fs->fs_replay && aw_ack(&fs->fs_aw, r->wr_slot,
	    r->wr_acked))
		file_report(w, fs);
	wk_check_drain(w);
}

/*
 * Draining: a source that can replay waits (within the drain timeout)
 * until its consumers acknowledged what it sent, so that the position
 * it last reports is where a next run goes on.
 */
static int
file_drain(struct worker *w)
{
	struct file_state	*fs = w->w_state;
	int			 i;

	if (fs == NULL || fs->fs_sink || !fs->fs_replay)
		return 0;
	for (i = 0; i < w->w_nroutes; i++)
		if (w->w_routes[i].wr_end == ROUTE_OUT &&
		    w->w_routes[i].wr_proc != NULL &&
		    w->w_routes[i].wr_seq > w->w_routes[i].wr_acked)
			return 1;
	return 0;
}

/*
 * A consumer was wired again: with n events it never acknowledged, read
 * again from the last position every route acknowledged.  A file that
 * cannot be read again (a FIFO) leaves them counted lost.
 */
static int
file_rewind(struct worker *w, struct wk_route *r, uint64_t n)
{
	struct file_state	*fs = w->w_state;
	const struct aw_pos	*to;

	if (fs == NULL || fs->fs_sink || !fs->fs_replay)
		return 0;
	to = &fs->fs_aw.aw_done;
	aw_route_reset(&fs->fs_aw, r->wr_slot);
	if (n == 0)
		return 1;
	if (lseek(fs->fs_fd, to->ap_offset, SEEK_SET) == -1) {
		log_warn("connector %s: seek", w->w_name);
		return 0;
	}
	log_info("connector %s: route %u: %llu events unacknowledged, "
	    "reading again from offset %llu (event %llu)", w->w_name,
	    r->wr_id, (unsigned long long)n,
	    (unsigned long long)to->ap_offset,
	    (unsigned long long)to->ap_events);
	fs->fs_off = to->ap_offset;
	fs->fs_last = w->w_emit.em_seq = to->ap_events;
	ev_source_forget(w, 0);
	rd_rewind(&fs->fs_rd);
	return 1;
}

/* Check the config and open the file. */
static int
file_setup(struct worker *w, char *err, size_t errlen)
{
	struct file_state	*fs = &fstate;
	struct json_object	*o;
	const char		*path, *mode;
	struct stat		 sb;
	int64_t			 chunk = FILE_CHUNK_DEFAULT;
	int			 flags;

	path = jg_str(w->w_cconf, "path", NULL);
	mode = jg_str(w->w_cconf, "mode", NULL);
	if (path == NULL || mode == NULL) {
		snprintf(err, errlen, "config needs \"path\" and \"mode\"");
		return -1;
	}
	if (strlcpy(fs->fs_path, path, sizeof(fs->fs_path)) >=
	    sizeof(fs->fs_path)) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	if (jg_get(w->w_cconf, "chunk_size") != NULL) {
		chunk = jg_int(w->w_cconf, "chunk_size", 0);
		if (chunk < 1 || chunk > FILE_CHUNK_MAX) {
			snprintf(err, errlen, "chunk_size must be 1 to %d",
			    FILE_CHUNK_MAX);
			return -1;
		}
	}
	if (strcmp(mode, "read") == 0)
		flags = O_RDONLY;
	else if (w->w_restarts > 0)
		flags = O_WRONLY | O_CREAT | O_APPEND;
	else if (strcmp(mode, "write") == 0 || strcmp(mode, "truncate") == 0)
		flags = O_WRONLY | O_CREAT | O_TRUNC;
	else if (strcmp(mode, "append") == 0)
		flags = O_WRONLY | O_CREAT | O_APPEND;
	else if (strcmp(mode, "overwrite") == 0)
		flags = O_WRONLY | O_CREAT;
	else {
		snprintf(err, errlen, "unknown mode \"%s\"", mode);
		return -1;
	}
	fs->fs_sink = flags != O_RDONLY;
	buf_init(&fs->fs_pending, PROC_MAX_PAYLOAD);
	w->w_profile = fs->fs_sink ? SANDBOX_FILE_WRITE : SANDBOX_FILE_READ;
	if ((fs->fs_fd = open(path, flags | O_CLOEXEC, 0666)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!fs->fs_sink) {
		fs->fs_meta = json_object_new_object();
		o = json_object_new_object();
		json_object_object_add(o, "path", json_object_new_string(path));
		json_object_object_add(fs->fs_meta, "file", o);
		if (rd_init(&fs->fs_rd, w, fs->fs_fd, chunk, fs->fs_meta)
		    == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (file_replay_setup(w, fs, err, errlen) == -1)
			return -1;
	} else if (fstat(fs->fs_fd, &sb) == 0 && S_ISFIFO(sb.st_mode)) {
		/* to acknowledge what is written before waiting */
		if (fcntl(fs->fs_fd, F_SETFL, fcntl(fs->fs_fd, F_GETFL) |
		    O_NONBLOCK) == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		fs->fs_pipe = 1;
	}
	w->w_state = fs;
	return 0;
}

static void
file_start(struct worker *w)
{
	struct file_state	*fs = w->w_state;

	if (!fs->fs_sink)
		rd_start(&fs->fs_rd);
}

static void
file_kick(struct worker *w)
{
	struct file_state	*fs = w->w_state;

	if (!fs->fs_sink)
		rd_kick(&fs->fs_rd);
}

/* Write what a failed write left behind; resume upstream when done. */
static void
file_retry(evutil_socket_t fd, short ev, void *arg)
{
	struct worker		*w = arg;
	struct file_state	*fs = w->w_state;
	struct timeval		 tv = { FILE_RETRY_SECS, 0 };
	size_t			 done;

	(void)fd;
	(void)ev;
	if (wk_write_all(fs->fs_fd, fs->fs_pending.bf_data,
	    fs->fs_pending.bf_len, &done) == -1) {
		/* Keep the rest; try again later. */
		memmove(fs->fs_pending.bf_data, fs->fs_pending.bf_data + done,
		    fs->fs_pending.bf_len - done);
		fs->fs_pending.bf_len -= done;
		evtimer_add(fs->fs_retry, &tv);
		return;
	}
	buf_reset(&fs->fs_pending);
	log_warnx("connector %s: writing %s again after %llu failed "
	    "attempts", w->w_name, fs->fs_path,
	    (unsigned long long)fs->fs_failures);
	fs->fs_failures = 0;
	wk_pause_inputs(w, 0);
}

/* Write it all; before waiting on a full FIFO, acknowledge upstream
 * what is written (a consumer killed while it waits loses nothing it
 * did not count). */
static int
file_write_all(struct worker *w, struct file_state *fs, const char *data,
    size_t len, size_t *done)
{
	ssize_t	 n;
	size_t	 more;
	int	 rc;

	*done = 0;
	if (fs->fs_pipe) {
		if ((n = write(fs->fs_fd, data, len)) > 0) {
			*done = n;
			data += n;
			len -= n;
		} else if (n == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (len == 0)
			return 0;
		ev_ack_flush(w, 1);
	}
	rc = wk_write_all(fs->fs_fd, data, len, &more);
	*done += more;
	return rc;
}

/*
 * One encoded event: write it now (no user-space buffering).  When the
 * write fails (disk full, I/O error) the unwritten rest is kept, upstream
 * is paused and the write retried every second: nothing is lost, and the
 * sources wait instead of piling events up.
 */
static int
file_write(struct worker *w, const char *port, const char *data, size_t len)
{
	struct file_state	*fs = w->w_state;
	struct timeval		 tv = { FILE_RETRY_SECS, 0 };
	size_t			 done;

	(void)port;
	if (!fs->fs_sink)
		return -1;
	if (fs->fs_pending.bf_len > 0) {
		/* Already in flight before the pause took effect. */
		if (buf_add(&fs->fs_pending, data, len) == -1) {
			w->w_cnt.cn_dropped++;
			log_warnx("connector %s: output stalled, event dropped",
			    w->w_name);
			return -1;
		}
		return 0;
	}
	if (file_write_all(w, fs, data, len, &done) == 0)
		return 0;
	if (fs->fs_failures++ == 0)
		log_warn("connector %s: write %s", w->w_name, fs->fs_path);
	if (buf_add(&fs->fs_pending, data + done, len - done) == -1) {
		w->w_cnt.cn_dropped++;
		log_warnx("connector %s: event dropped", w->w_name);
		return -1;
	}
	if (fs->fs_retry == NULL &&
	    (fs->fs_retry = evtimer_new(w->w_base, file_retry, w)) == NULL)
		fatal("%s", __func__);
	evtimer_add(fs->fs_retry, &tv);
	wk_pause_inputs(w, 1);
	return 0;
}

static void
file_stop(struct worker *w)
{
	struct file_state	*fs = w->w_state;

	if (fs != NULL && !fs->fs_sink)
		rd_stop(&fs->fs_rd);
}

/* Sinks sync what they wrote. */
static void
file_finish(struct worker *w)
{
	struct file_state	*fs = w->w_state;
	struct stat		 sb;

	if (fs == NULL || fs->fs_fd == -1)
		return;
	/* Only regular files can be synced (a FIFO or a tty cannot). */
	if (fs->fs_sink && fstat(fs->fs_fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    fsync(fs->fs_fd) == -1)
		log_warn("connector %s: fsync %s", w->w_name, fs->fs_path);
	if (fs->fs_pending.bf_len > 0)
		log_warnx("connector %s: %zu bytes could not be written to %s",
		    w->w_name, fs->fs_pending.bf_len, fs->fs_path);
	buf_free(&fs->fs_pending);
	if (fs->fs_retry != NULL)
		event_free(fs->fs_retry);
	fs->fs_retry = NULL;
	if (!fs->fs_sink)
		rd_free(&fs->fs_rd);
	aw_free(&fs->fs_aw);
	json_object_put(fs->fs_meta);
	fs->fs_meta = NULL;
	close(fs->fs_fd);
	fs->fs_fd = -1;
}

const struct conn_ops file_ops = {
	.co_type = "file",
	.co_setup = file_setup,
	.co_start = file_start,
	.co_kick = file_kick,
	.co_write = file_write,
	.co_stop = file_stop,
	.co_finish = file_finish,
	.co_drain = file_drain,
	.co_acked = file_acked,
	.co_rewind = file_rewind,
};
