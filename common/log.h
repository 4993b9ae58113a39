/* SPDX-License-Identifier: ISC */
/*
 * Logging for every wsflow process: stderr, with journald priority prefixes
 * when JOURNAL_STREAM is set.  Messages are lower case and never carry
 * payloads or secrets.
 */
#ifndef WSFLOW_LOG_H
#define WSFLOW_LOG_H

#include <stdarg.h>

void	log_init(const char *, int);
void	log_setverbose(int);
int	log_getverbose(void);
void	log_procname(const char *);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_vmsg(int, int, const char *, va_list)
	    __attribute__((format(printf, 3, 0)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
