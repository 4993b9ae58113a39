/* SPDX-License-Identifier: ISC */
/*
 * The stdio connector (the library's "console"): sink ports in and
 * stdout write to standard output, stderr to standard error; as a source
 * it reads standard input in chunks of up to 8192 bytes on stream 0.  The
 * supervisor keeps descriptors 0 and 1 open for this worker and passes
 * its standard error as PROTO_STDERR_FD (descriptor 2 of every worker is
 * the supervisor's log pipe).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proto.h"
#include "worker.h"

#define STDIO_CHUNK	8192

static struct wk_reader	stdin_rd;
static int		stdin_ready;

static int
stdio_setup(struct worker *w, char *err, size_t errlen)
{
	if (rd_init(&stdin_rd, w, STDIN_FILENO, STDIO_CHUNK, NULL) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	stdin_ready = 1;
	w->w_profile = SANDBOX_CONSOLE;
	return 0;
}

static void
stdio_start(struct worker *w)
{
	(void)w;
	rd_start(&stdin_rd);
}

static void
stdio_kick(struct worker *w)
{
	(void)w;
	rd_kick(&stdin_rd);
}

/* Write one event to stdout or stderr by port. */
static int
stdio_write(struct worker *w, const char *port, const char *data, size_t len)
{
	int	 fd;

	if (strcasecmp(port, "in") == 0 || strcasecmp(port, "stdout") == 0)
		fd = STDOUT_FILENO;
	else if (strcasecmp(port, "stderr") == 0)
		fd = PROTO_STDERR_FD;
	else {
		log_warnx("connector %s: no input port %s, event dropped",
		    w->w_name, port);
		return -1;
	}
	if (wk_write_all(fd, data, len, NULL) == -1) {
		log_warn("connector %s: write", w->w_name);
		return -1;
	}
	return 0;
}

static void
stdio_stop(struct worker *w)
{
	(void)w;
	rd_stop(&stdin_rd);
}

static void
stdio_finish(struct worker *w)
{
	(void)w;
	if (stdin_ready)
		rd_free(&stdin_rd);
	stdin_ready = 0;
}

const struct conn_ops stdio_ops = {
	.co_type = "stdio",
	.co_setup = stdio_setup,
	.co_start = stdio_start,
	.co_kick = stdio_kick,
	.co_write = stdio_write,
	.co_stop = stdio_stop,
	.co_finish = stdio_finish,
};
