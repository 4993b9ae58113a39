/* SPDX-License-Identifier: ISC */
/*
 * Logging to stderr, to syslog, or both.  Under systemd (JOURNAL_STREAM
 * set) each stderr line starts with a "<N>" syslog priority so journald
 * files it at the right level.  A daemon (wsflowd without -d) logs to
 * syslog, facility daemon, ident "wsflowd": one datagram per line on a
 * socket connected once, written with write(2) and never blocking: a
 * line the log daemon has no room for is dropped rather than stall the
 * flow.  Workers log through the supervisor (LOG_TO_RELAY): their
 * descriptor 2 is a pipe it reads, each line "<N>text"; it logs them with
 * log_worker() as its own, encoded, under the worker's pid.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <paths.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#define LIBBSD_OPENBSD_VIS	/* only strvisx: the same everywhere */
#include <vis.h>

#include "log.h"

static const char	*log_name = "wsflow";
static int		 log_verbose;
static int		 log_journal;
static int		 log_to = LOG_TO_STDERR;
static int		 log_sysfd = -1;	/* connected to syslog */
static int		 log_reconnect;		/* may open a new socket */
static int		 log_relay_info;	/* relay: info lines wanted */

#define LOG_IDENT	"wsflowd"

/* Set the program name used as the line prefix and the verbosity. */
void
log_init(const char *name, int verbose)
{
	log_name = name;
	log_verbose = verbose;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

/* Change verbosity at run time (wsflowctl log verbose|brief). */
void
log_setverbose(int v)
{
	log_verbose = v;
}

/* Current verbosity, so it can be passed on to children. */
int
log_getverbose(void)
{
	return log_verbose;
}

/* Rename the prefix, e.g. to "ws_server in" after a worker learns its job. */
void
log_procname(const char *name)
{
	log_name = name;
}

/* Connect a datagram socket to the syslog socket; -1 if there is none. */
static int
log_sys_connect(void)
{
	struct sockaddr_un	 sun;
	const char		*path;
	int			 fd;

	/* The test suite points it at a socket of its own. */
	if ((path = getenv("WSFLOW_SYSLOG_SOCKET")) == NULL || *path == '\0')
		path = _PATH_LOG;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Log to syslog from now on (targets LOG_TO_SYSLOG, optionally with
 * LOG_TO_STDERR).  reconnect: the process may open a new socket when
 * the log daemon restarts (not a sandboxed worker).  Without a syslog
 * socket lines meant for it are lost; -1 says so.
 */
int
log_syslog(int targets, int reconnect)
{
	log_reconnect = reconnect;
	log_to = targets;
	tzset();		/* before a chroot hides the zone file */
	if (log_sysfd == -1)
		log_sysfd = log_sys_connect();
	return log_sysfd == -1 ? -1 : 0;
}

/* Where lines go now: LOG_TO_STDERR, LOG_TO_SYSLOG or both. */
void
log_targets(int targets)
{
	log_to = targets;
}

/* What log_targets() last set. */
int
log_get_targets(void)
{
	return log_to;
}

/* Send one line to syslog: "<PRI>Mmm dd hh:mm:ss wsflowd[pid]: text",
 * the process name after the ident unless it is the ident. */
static void
log_sys_send(int pri, const char *name, pid_t pid, const char *text)
{
	char		 line[LOG_LINE_MAX + 128], stamp[32];
	struct tm	 tm;
	time_t		 now = time(NULL);
	int		 n;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm) == 0)
		stamp[0] = '\0';
	n = snprintf(line, sizeof(line), "<%d>%s %s[%ld]: %s%s%s",
	    LOG_DAEMON | pri, stamp, LOG_IDENT, (long)pid,
	    strcmp(name, LOG_IDENT) != 0 ? name : "",
	    strcmp(name, LOG_IDENT) != 0 ? ": " : "", text);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (log_sysfd != -1 && write(log_sysfd, line, n) == n)
		return;
	/* Full: dropped.  Gone (the log daemon restarted): one new
	 * socket, if we may. */
	if (!log_reconnect || (log_sysfd != -1 && errno == EAGAIN))
		return;
	if (log_sysfd != -1)
		close(log_sysfd);
	if ((log_sysfd = log_sys_connect()) != -1 &&
	    write(log_sysfd, line, n) != n)
		return;		/* nowhere left to say it */
}

/* Is a line of priority pri wanted at all? */
static int
log_wanted(int pri)
{
	if (pri == LOG_DEBUG && log_verbose < 2)
		return 0;
	if (pri == LOG_INFO && log_verbose < 1 && !log_journal &&
	    !(log_to & LOG_TO_SYSLOG) && !(log_to & LOG_TO_RELAY &&
	    log_relay_info))
		return 0;
	return 1;
}

/* Write one line of process name (pid) to syslog and stderr as wanted. */
static void
log_out(int pri, const char *name, pid_t pid, const char *text)
{
	if (log_to & LOG_TO_SYSLOG)
		log_sys_send(pri, name, pid, text);
	if (!(log_to & LOG_TO_STDERR))
		return;
	/* Informational lines only with -v when stderr is a terminal. */
	if (pri == LOG_INFO && log_verbose < 1 && !log_journal)
		return;
	if (log_journal)
		fprintf(stderr, "<%d>", pri);
	fprintf(stderr, "%s: %s\n", name, text);
	fflush(stderr);
}

/*
 * A worker's line (log_relay) its pipe brought, already encoded: logged
 * as the worker's, with the supervisor's filters and targets; its
 * priority no more severe than LOG_CRIT, a line without one LOG_ERR
 * (what a sanitizer or the C library writes).
 */
void
log_worker(int pri, pid_t pid, const char *text)
{
	int	 saved = errno;

	if (pri < 0 || pri > LOG_DEBUG)
		pri = LOG_ERR;
	else if (pri < LOG_CRIT)
		pri = LOG_CRIT;
	if (log_wanted(pri))
		log_out(pri, LOG_WORKER_NAME, pid, text);
	errno = saved;
}

/*
 * A worker logs through the supervisor from now on: each line on stderr
 * (its pipe) as "<N>text", nothing else added; info: informational lines
 * are wanted whatever the verbosity (the daemon logs to syslog).
 */
void
log_relay(int info)
{
	log_to = LOG_TO_RELAY;
	log_relay_info = info;
}

/* Format one line; errnum >= 0 appends strerror(errnum). */
void
log_vmsg(int pri, int errnum, const char *fmt, va_list ap)
{
	char	 msg[1024], text[1152], line[sizeof(text) + 8];
	int	 saved = errno, n;

	if (!log_wanted(pri))
		return;
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum >= 0)
		snprintf(text, sizeof(text), "%s: %s", msg, strerror(errnum));
	else
		(void)strlcpy(text, msg, sizeof(text));
	if (log_to & LOG_TO_RELAY) {
		/* One write(2), shorter than PIPE_BUF: never mixed with
		 * what a sanitizer writes to the same pipe. */
		n = snprintf(line, sizeof(line), "<%d>%s\n", pri, text);
		if (n > 0 && (size_t)n < sizeof(line))
			(void)!write(STDERR_FILENO, line, n);
	} else
		log_out(pri, log_name, getpid(), text);
	errno = saved;
}

/*
 * Encode len bytes that another process sent (a worker's reason for
 * failing) vis(3)-style into dst: newlines, control and non-ASCII bytes
 * become C escapes or octal, a backslash two, so nothing it sends can end
 * the line or forge a "<N>" journald priority.  What does not fit in dst
 * is left out.  Returns dst.
 */
const char *
log_vis(char *dst, size_t dstlen, const void *src, size_t len)
{
	if (dstlen == 0)
		return "";
	if (len > (dstlen - 1) / 4)
		len = (dstlen - 1) / 4;
	(void)strvisx(dst, src, len,
	    VIS_CSTYLE | VIS_OCTAL | VIS_NL | VIS_TAB);
	return dst;
}

/* Warning with the current errno appended. */
void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 e = errno;

	va_start(ap, fmt);
	log_vmsg(LOG_WARNING, e, fmt, ap);
	va_end(ap);
}

/* Warning without errno. */
void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_WARNING, -1, fmt, ap);
	va_end(ap);
}

/* Informational message, shown with -v or under journald. */
void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_INFO, -1, fmt, ap);
	va_end(ap);
}

/* Debug message, shown with -vv. */
void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_DEBUG, -1, fmt, ap);
	va_end(ap);
}

/* Log with errno and exit 1: start-up failures and impossible states only. */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 e = errno;

	va_start(ap, fmt);
	log_vmsg(LOG_CRIT, e, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Log without errno and exit 1. */
void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_CRIT, -1, fmt, ap);
	va_end(ap);
	exit(1);
}
