/* SPDX-License-Identifier: ISC */
/*
 * Logging to stderr.  Under systemd (JOURNAL_STREAM set) each line starts
 * with a "<N>" syslog priority so journald files it at the right level.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#define LIBBSD_OPENBSD_VIS	/* only strvisx: the same everywhere */
#include <vis.h>

#include "log.h"

static const char	*log_name = "wsflow";
static int		 log_verbose;
static int		 log_journal;

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

/* Format one line; errnum >= 0 appends strerror(errnum). */
void
log_vmsg(int pri, int errnum, const char *fmt, va_list ap)
{
	char	 msg[1024];
	int	 saved = errno;

	if (pri == LOG_DEBUG && log_verbose < 2)
		return;
	if (pri == LOG_INFO && log_verbose < 1 && !log_journal)
		return;
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_journal)
		fprintf(stderr, "<%d>", pri);
	if (errnum >= 0)
		fprintf(stderr, "%s: %s: %s\n", log_name, msg,
		    strerror(errnum));
	else
		fprintf(stderr, "%s: %s\n", log_name, msg);
	fflush(stderr);
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
