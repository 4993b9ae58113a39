/* SPDX-License-Identifier: ISC */
/*
 * wsflowctl test: what the runner does to the system.  Files, the clock,
 * SIGINT/SIGTERM, the processes a test starts (each in its own process
 * group, logged to files, reaped, stopped with a grace period) and the
 * await conditions of before.yaml (ports, HTTP, files, exit status).
 */
#ifndef WSFLOW_CTL_PROC_H
#define WSFLOW_CTL_PROC_H

#include <sys/types.h>

#include <stddef.h>

struct json_object;

#define CTP_MAX_AWAIT	10	/* default before max-await-secs */
#define CTP_KILL_GRACE	5	/* SIGTERM to SIGKILL, seconds */
#define CTP_MAXPROCS	64	/* processes tracked at once */

/* A process a test started. */
struct ctp_proc {
	pid_t		 tp_pid;	/* also the process group; -1: none */
	int		 tp_done;	/* leader reaped */
	int		 tp_status;	/* wait status once done */
	double		 tp_start;
};

/* Read a whole file (bounded); NUL-terminated, the caller frees it. */
int	ctp_file_read(const char *, char **, size_t *);
/* Join dir and name (name alone when absolute); -1 when it does not fit. */
int	ctp_path_join(char *, size_t, const char *, const char *);
/* 1 when path names an existing regular file (or anything, any=1). */
int	ctp_path_exists(const char *, int);
/* Seconds on the monotonic clock. */
double	ctp_now(void);
/* Sleep ms milliseconds (a signal cuts it short). */
void	ctp_msleep(int);
/*
 * Catch SIGINT/SIGTERM (see ctp_interrupted), ignore SIGPIPE and become
 * the subreaper of what the tests start.
 */
void	ctp_signals(void);
/* 1 once SIGINT or SIGTERM came: finish the current test, then stop. */
int	ctp_interrupted(void);
/*
 * Start argv in its own process group with cwd, the test env plus env,
 * stdout/stderr to the two log files and stdin from a pipe (*stdin_w gets
 * the write end; NULL: /dev/null).  An exec failure is reported here.
 */
int	ctp_spawn(struct ctp_proc *, const char *, char *const [],
	    struct json_object *, struct json_object *, const char *,
	    const char *, int *, char *, size_t);
/* Update the process (and every tracked one) if it exited; never blocks. */
void	ctp_poll(struct ctp_proc *);
/* End a process group: SIGTERM, up to grace seconds, then SIGKILL. */
void	ctp_stop(struct ctp_proc *, int);
/*
 * Poll a before.yaml entry's await conditions until all hold or
 * max-await-secs pass, then sleep min-await-secs; -1 with err when a
 * condition fails or times out.
 */
int	ctp_await(struct json_object *, struct ctp_proc *, const char *,
	    char *, size_t);

#endif
