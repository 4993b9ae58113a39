/* SPDX-License-Identifier: ISC */
/*
 * Logging for every wsflow process: stderr, with journald priority prefixes
 * when JOURNAL_STREAM is set, or syslog (a daemon); workers log through
 * the supervisor (log_relay, log_worker).  Messages are lower case and
 * never carry payloads or secrets; text from other processes goes
 * through log_vis() or common/logline.
 */
#ifndef WSFLOW_LOG_H
#define WSFLOW_LOG_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>

/* Where lines go (log_syslog, log_targets). */
#define LOG_TO_STDERR	0x01
#define LOG_TO_SYSLOG	0x02
#define LOG_TO_RELAY	0x04	/* a worker: "<N>text" lines on stderr,
				 * a pipe the supervisor reads */

/* The name before a worker's lines. */
#define LOG_WORKER_NAME	"wsflow-worker"
/* The longest line log_worker() logs whole. */
#define LOG_LINE_MAX	8448

/* Room log_vis() needs for n bytes of text: each may become four. */
#define LOG_VIS_SIZE(n)	((n) * 4 + 1)

void	log_init(const char *, int);
void	log_setverbose(int);
int	log_getverbose(void);
void	log_procname(const char *);
int	log_syslog(int, int);
void	log_targets(int);
void	log_relay(int);
void	log_worker(int, pid_t, const char *);
int	log_get_targets(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_vmsg(int, int, const char *, va_list)
	    __attribute__((format(printf, 3, 0)));
/* Text another process sent, made safe for one log line. */
const char *log_vis(char *, size_t, const void *, size_t);
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
