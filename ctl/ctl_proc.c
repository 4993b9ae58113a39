/* SPDX-License-Identifier: ISC */
/*
 * wsflowctl test: the runner's system side.  Everything here touches
 * files, clocks, signals, sockets or processes; the judgement of what the
 * processes did is in ctl_assert.c.  Processes a test starts are tracked
 * in one table so that SIGCHLD-free polling can reap them, and each runs
 * in its own process group so that what it started goes with it.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

#include "ctl_assert.h"
#include "ctl_proc.h"
#include "ctl_yaml.h"

#define FILE_MAX	(64 * 1024 * 1024)	/* largest file we read */
#define POLL_MS		100

static volatile sig_atomic_t	 interrupted;
static struct ctp_proc		*procs[CTP_MAXPROCS];

/* ---- files and paths ------------------------------------------------ */

/* Read a whole file (bounded); NUL-terminated for convenience. */
int
ctp_file_read(const char *path, char **out, size_t *outlen)
{
	struct stat	 st;
	char		*data = NULL;
	size_t		 off = 0, cap;
	ssize_t		 n;
	int		 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	cap = st.st_size > 0 && st.st_size < FILE_MAX ? (size_t)st.st_size + 1 :
	    4096;
	if ((data = malloc(cap)) == NULL)
		goto fail;
	for (;;) {
		if (off + 1 >= cap) {
			char	*nd;

			if (cap >= FILE_MAX) {
				errno = EFBIG;
				goto fail;
			}
			if ((nd = realloc(data, cap * 2)) == NULL)
				goto fail;
			data = nd;
			cap *= 2;
		}
		n = read(fd, data + off, cap - off - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		if (n == 0)
			break;
		off += (size_t)n;
	}
	data[off] = '\0';
	close(fd);
	*out = data;
	*outlen = off;
	return 0;
fail:
	saved = errno;
	free(data);
	close(fd);
	errno = saved;
	return -1;
}

/* Join dir and name into buf; -1 when it does not fit. */
int
ctp_path_join(char *buf, size_t len, const char *dir, const char *name)
{
	int	 r;

	if (name[0] == '/')
		r = snprintf(buf, len, "%s", name);
	else
		r = snprintf(buf, len, "%s/%s", dir, name);
	if (r < 0 || (size_t)r >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* 1 when path names an existing regular file (or anything, any=1). */
int
ctp_path_exists(const char *path, int any)
{
	struct stat	 st;

	if (stat(path, &st) == -1)
		return 0;
	return any || S_ISREG(st.st_mode);
}

/* ---- clock and signals ---------------------------------------------- */

/* Seconds on the monotonic clock. */
double
ctp_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleep ms milliseconds (a signal cuts it short). */
void
ctp_msleep(int ms)
{
	struct timespec	 ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	(void)nanosleep(&ts, NULL);
}

/* SIGINT/SIGTERM: finish the current test's cleanup, then stop. */
static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* Catch SIGINT/SIGTERM, ignore SIGPIPE, reap what the tests leave. */
void
ctp_signals(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

/* 1 once SIGINT or SIGTERM came. */
int
ctp_interrupted(void)
{
	return interrupted != 0;
}

/* ---- processes ------------------------------------------------------ */

/* Reap every exited child; record the ones we track. */
static void
reap(void)
{
	pid_t	 pid;
	int	 st, i;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < CTP_MAXPROCS; i++)
			if (procs[i] != NULL && procs[i]->tp_pid == pid &&
			    !procs[i]->tp_done) {
				procs[i]->tp_done = 1;
				procs[i]->tp_status = st;
			}
	}
}

/* Forget a process record. */
static void
proc_untrack(struct ctp_proc *tp)
{
	int	 i;

	for (i = 0; i < CTP_MAXPROCS; i++)
		if (procs[i] == tp)
			procs[i] = NULL;
}

/* Set every name of the env object in this (child) process. */
static void
child_setenv(struct json_object *env)
{
	char		 buf[64];
	const char	*s;

	if (!json_object_is_type(env, json_type_object))
		return;
	json_object_object_foreach(env, key, val) {
		if ((s = cty_str(val, buf, sizeof(buf))) != NULL)
			(void)setenv(key, s, 1);
	}
}

/* Open a log file for a child (truncated). */
static int
child_open(const char *path, int target)
{
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		return -1;
	if (fd != target) {
		if (dup2(fd, target) == -1)
			return -1;
		close(fd);
	}
	return 0;
}

/*
 * Start argv in its own process group with cwd, the test env plus env,
 * stdout/stderr to the two log files and stdin from a pipe (*stdin_w gets
 * the write end; NULL: /dev/null).  An exec failure is reported here.
 */
int
ctp_spawn(struct ctp_proc *tp, const char *cwd, char *const argv[],
    struct json_object *tenv, struct json_object *env, const char *outlog,
    const char *errlog, int *stdin_w, char *err, size_t errlen)
{
	int		 ep[2] = { -1, -1 }, ip[2] = { -1, -1 }, e = 0, i, fd;
	ssize_t		 n;
	pid_t		 pid;
	const char	*what = "";

	tp->tp_pid = -1;
	tp->tp_done = 0;
	tp->tp_status = 0;
	if (pipe2(ep, O_CLOEXEC) == -1 ||
	    (stdin_w != NULL && pipe2(ip, O_CLOEXEC) == -1)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		(void)sigaction(SIGINT, &sa, NULL);
		(void)sigaction(SIGTERM, &sa, NULL);
		(void)sigaction(SIGPIPE, &sa, NULL);
		(void)setpgid(0, 0);
		if (chdir(cwd) == -1) {
			what = "chdir";
			goto child_fail;
		}
		if (stdin_w != NULL)
			fd = dup2(ip[0], STDIN_FILENO);
		else if ((fd = open("/dev/null", O_RDONLY)) != -1 &&
		    fd != STDIN_FILENO) {
			i = fd;
			fd = dup2(i, STDIN_FILENO);
			close(i);	/* not left open in the test's process */
		}
		if (fd == -1) {
			what = "stdin";
			goto child_fail;
		}
		if (child_open(outlog, STDOUT_FILENO) == -1 ||
		    child_open(errlog, STDERR_FILENO) == -1) {
			what = "log file";
			goto child_fail;
		}
		child_setenv(tenv);
		child_setenv(env);
		execvp(argv[0], argv);
		what = "exec";
child_fail:
		{
			/* one write: the parent reads errno and step at once */
			char	 msg[sizeof(int) + 16];
			size_t	 wl = strlen(what);

			e = errno;
			memcpy(msg, &e, sizeof(e));
			memcpy(msg + sizeof(e), what, wl);
			if (write(ep[1], msg, sizeof(e) + wl) == -1)
				_exit(126);
		}
		_exit(127);
	}
	(void)setpgid(pid, pid);
	close(ep[1]);
	ep[1] = -1;
	tp->tp_pid = pid;
	tp->tp_start = ctp_now();
	for (i = 0; i < CTP_MAXPROCS; i++)
		if (procs[i] == NULL) {
			procs[i] = tp;
			break;
		}
	do {
		char	 buf[sizeof(int) + 16];

		n = read(ep[0], buf, sizeof(buf) - 1);
		if (n >= (ssize_t)sizeof(int)) {
			buf[n] = '\0';
			memcpy(&e, buf, sizeof(e));
			snprintf(err, errlen, "%s %s: %s", buf + sizeof(int),
			    argv[0], strerror(e));
			close(ep[0]);
			ep[0] = -1;
			while (!tp->tp_done && waitpid(pid, &tp->tp_status,
			    0) == -1 && errno == EINTR)
				;
			tp->tp_done = 1;
			proc_untrack(tp);
			tp->tp_pid = -1;
			goto fail;
		}
	} while (n == -1 && errno == EINTR);
	close(ep[0]);
	if (stdin_w != NULL) {
		close(ip[0]);
		*stdin_w = ip[1];
		(void)fcntl(ip[1], F_SETFL, fcntl(ip[1], F_GETFL) | O_NONBLOCK);
	}
	return 0;
fail:
	if (ep[0] != -1)
		close(ep[0]);
	if (ep[1] != -1)
		close(ep[1]);
	if (ip[0] != -1)
		close(ip[0]);
	if (ip[1] != -1)
		close(ip[1]);
	return -1;
}

/* Update tp (and every tracked process) if it has exited; never blocks. */
void
ctp_poll(struct ctp_proc *tp)
{
	(void)tp;	/* reap() finds it in procs[] */
	reap();
}

/*
 * End a process group: SIGTERM, up to grace seconds for the group to go,
 * then SIGKILL.  Also sweeps what an exited leader left behind.
 */
void
ctp_stop(struct ctp_proc *tp, int grace)
{
	double	 deadline;

	if (tp->tp_pid <= 0)
		return;
	if (kill(-tp->tp_pid, SIGTERM) == 0) {
		deadline = ctp_now() + grace;
		while (ctp_now() < deadline) {
			reap();
			if (tp->tp_done && kill(-tp->tp_pid, 0) == -1)
				break;
			ctp_msleep(20);
		}
		(void)kill(-tp->tp_pid, SIGKILL);
	}
	while (!tp->tp_done) {
		int	 st;

		if (waitpid(tp->tp_pid, &st, 0) == tp->tp_pid) {
			tp->tp_done = 1;
			tp->tp_status = st;
		} else if (errno != EINTR)
			break;
	}
	reap();
	proc_untrack(tp);
	tp->tp_pid = -1;
}

/* ---- await conditions ----------------------------------------------- */

/* 1 when a TCP connect to 127.0.0.1 or ::1 on port succeeds. */
static int
port_open(const char *port)
{
	struct sockaddr_in	 s4;
	struct sockaddr_in6	 s6;
	const char		*e;
	int			 fd, ok = 0, p;

	p = (int)strtonum(port, 1, 65535, &e);
	if (e != NULL)
		return 0;
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	s4.sin_port = htons((uint16_t)p);
	s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) != -1) {
		ok = connect(fd, (struct sockaddr *)&s4, sizeof(s4)) == 0;
		close(fd);
	}
	if (ok)
		return 1;
	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	s6.sin6_port = htons((uint16_t)p);
	s6.sin6_addr = in6addr_loopback;
	if ((fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0)) != -1) {
		ok = connect(fd, (struct sockaddr *)&s6, sizeof(s6)) == 0;
		close(fd);
	}
	return ok;
}

/* 1 when GET url (http:// only) answers with a 2xx status. */
static int
http_ok(const char *url)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	struct timeval	 tv = { 1, 0 };
	char		 host[256], port[8] = "80", req[1024], resp[32];
	const char	*p, *path, *colon;
	size_t		 hl;
	ssize_t		 n;
	int		 fd = -1, ok = 0;

	if (strncmp(url, "http://", 7) != 0)
		return 0;
	p = url + 7;
	path = strchr(p, '/');
	hl = path != NULL ? (size_t)(path - p) : strlen(p);
	if (path == NULL)
		path = "/";
	colon = memchr(p, ':', hl);
	if (colon != NULL) {
		if ((size_t)(p + hl - colon - 1) >= sizeof(port))
			return 0;
		memcpy(port, colon + 1, (size_t)(p + hl - colon - 1));
		port[p + hl - colon - 1] = '\0';
		hl = (size_t)(colon - p);
	}
	if (hl == 0 || hl >= sizeof(host))
		return 0;
	memcpy(host, p, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return 0;
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd == -1)
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd == -1)
		return 0;
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n"
	    "Connection: close\r\n\r\n", path, host);
	if (n > 0 && (size_t)n < sizeof(req) &&
	    send(fd, req, (size_t)n, MSG_NOSIGNAL) == n) {
		n = recv(fd, resp, sizeof(resp) - 1, MSG_WAITALL);
		if (n >= 12) {
			resp[n] = '\0';
			ok = strncmp(resp, "HTTP/1.", 7) == 0 &&
			    resp[9] == '2';
		}
	}
	close(fd);
	return ok;
}

/* A duration in seconds from an int, double or numeric string. */
static int
get_secs(struct json_object *o, const char *key, double def, double *out,
    char *err, size_t errlen)
{
	struct json_object	*v;
	char			*end;

	*out = def;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double))
		*out = json_object_get_double(v);
	else if (json_object_is_type(v, json_type_string)) {
		errno = 0;
		*out = strtod(json_object_get_string(v), &end);
		if (errno != 0 || *end != '\0' || end ==
		    json_object_get_string(v))
			goto bad;
	} else
		goto bad;
	if (*out < 0 || *out > 86400)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "%s must be a number of seconds", key);
	return -1;
}

/* Check one await condition item; -1 with err when it can never hold. */
static int
cond_check(const char *cond, const char *arg, struct ctp_proc *tp,
    const char *cwd, char *err, size_t errlen)
{
	char		 path[PATH_MAX], buf[64];
	const char	*e;
	long long	 n;

	if (strcmp(cond, "port-open") == 0)
		return port_open(arg);
	if (strcmp(cond, "file-exists") == 0)
		return ctp_path_join(path, sizeof(path), cwd, arg) == 0 &&
		    ctp_path_exists(path, 1);
	if (strcmp(cond, "http-ok") == 0)
		return http_ok(arg);
	if (strcmp(cond, "wait-for-ms") == 0) {
		n = strtonum(arg, 0, 86400000, &e);
		if (e != NULL) {
			snprintf(err, errlen, "wait-for-ms: \"%s\" is %s",
			    arg, e);
			return -1;
		}
		return (ctp_now() - tp->tp_start) * 1000 >= (double)n;
	}
	if (strcmp(cond, "status") == 0) {
		n = strtonum(arg, 0, 255, &e);
		if (e != NULL) {
			snprintf(err, errlen, "status: \"%s\" is %s", arg, e);
			return -1;
		}
		if (!tp->tp_done)
			return 0;
		if (WIFEXITED(tp->tp_status) &&
		    WEXITSTATUS(tp->tp_status) == n)
			return 1;
		snprintf(err, errlen, "%s, expected status %lld",
		    cta_status_str(tp->tp_status, buf, sizeof(buf)), n);
		return -1;
	}
	snprintf(err, errlen, "unknown await condition \"%s\"", cond);
	return -1;
}

/*
 * Poll an entry's await conditions every 100 ms until all hold or
 * max-await-secs pass, then sleep min-await-secs.
 */
int
ctp_await(struct json_object *e, struct ctp_proc *tp, const char *cwd,
    char *err, size_t errlen)
{
	struct json_object	*aw, *item;
	double			 maxs, mins, start = ctp_now(), until;
	char			 pending[256], buf[64], st[64];
	const char		*arg;
	size_t			 i, n;
	int			 all, r;

	if (get_secs(e, "max-await-secs", CTP_MAX_AWAIT, &maxs, err,
	    errlen) == -1 || get_secs(e, "min-await-secs", 0, &mins, err,
	    errlen) == -1)
		return -1;
	if (json_object_object_get_ex(e, "await", &aw) && aw != NULL) {
		if (!json_object_is_type(aw, json_type_object)) {
			snprintf(err, errlen, "await must be a mapping");
			return -1;
		}
		for (;;) {
			all = 1;
			pending[0] = '\0';
			ctp_poll(tp);
			json_object_object_foreach(aw, cond, list) {
				n = json_object_is_type(list, json_type_array) ?
				    json_object_array_length(list) : 1;
				for (i = 0; i < n; i++) {
					item = json_object_is_type(list,
					    json_type_array) ?
					    json_object_array_get_idx(list, i) :
					    list;
					arg = cty_str(item, buf,
					    sizeof(buf));
					if (arg == NULL) {
						snprintf(err, errlen, "await "
						    "%s: values must be "
						    "strings", cond);
						return -1;
					}
					r = cond_check(cond, arg, tp, cwd, err,
					    errlen);
					if (r == -1)
						return -1;
					if (r == 0 && all) {
						snprintf(pending,
						    sizeof(pending), "%s %s",
						    cond, arg);
						all = 0;
					}
				}
			}
			if (all)
				break;
			if (interrupted) {
				snprintf(err, errlen, "interrupted");
				return -1;
			}
			if (ctp_now() - start >= maxs) {
				snprintf(err, errlen, "timed out after %gs "
				    "waiting for %s%s%s", maxs, pending,
				    tp->tp_done ? " (process " : "",
				    tp->tp_done ? cta_status_str(tp->tp_status,
				    st, sizeof(st)) : "");
				if (tp->tp_done)
					strlcat(err, ")", errlen);
				return -1;
			}
			ctp_msleep(POLL_MS);
		}
	}
	until = ctp_now() + mins;
	while (ctp_now() < until && !interrupted)
		ctp_msleep(POLL_MS);
	return 0;
}
