/* SPDX-License-Identifier: ISC */
/*
 * The file connector: mode "read" is a source (chunks of chunk_size bytes
 * on stream 0 with $file = {"path": ...}; end of file ends the stream but
 * not the daemon); write, append, truncate and overwrite are sinks that
 * write each event at once and fsync when stopping.  After a restart a
 * sink reopens its file in append mode.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

#define FILE_CHUNK_DEFAULT	8192
#define FILE_CHUNK_MAX		(1024 * 1024)
#define FILE_RETRY_SECS		1

struct file_state {
	int			 fs_fd;
	int			 fs_sink;
	char			 fs_path[1024];
	struct wk_reader	 fs_rd;
	struct json_object	*fs_meta;
	struct buf		 fs_pending;	/* unwritten rest of an event */
	struct event		*fs_retry;
	uint64_t		 fs_failures;
};

static struct file_state	fstate = { .fs_fd = -1 };

/* Check the config and open the file. */
static int
file_setup(struct worker *w, char *err, size_t errlen)
{
	struct file_state	*fs = &fstate;
	struct json_object	*o;
	const char		*path, *mode;
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
	if (wk_write_all(fs->fs_fd, data, len, &done) == 0)
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
};
