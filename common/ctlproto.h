/* SPDX-License-Identifier: ISC */
/*
 * The control socket protocol between wsflowctl and the control worker,
 * and the command table both ends share.  Pure: no I/O.
 *
 * One connection carries one exchange.  The client sends one request, a
 * JSON object on one line of at most CTL_REQ_MAX bytes including the
 * newline:
 *
 *	{"command": "show stats"}
 *
 * and reads one reply, a JSON object on one line of at most CTL_RES_MAX
 * bytes, after which the daemon closes the connection.  Every reply has
 * "ok" (true or false); a failed one has "error" with the reason.
 */
#ifndef WSFLOW_CTLPROTO_H
#define WSFLOW_CTLPROTO_H

#include <stddef.h>

#define CTL_REQ_MAX	1024		/* request line, newline included */
#define CTL_RES_MAX	(1024 * 1024)	/* reply line, newline included */
#define CTL_MAX_CLIENTS	32		/* connected at once */
#define CTL_MAX_PER_UID	8		/* of one uid at once */

enum ctl_cmd {
	CTL_STATUS = 1,
	CTL_SHOW_CONNECTORS,
	CTL_SHOW_PIPELINES,
	CTL_SHOW_STATS,
	CTL_LOG_VERBOSE,
	CTL_LOG_BRIEF,
	CTL_STOP,
	CTL_RELOAD,
};

/* The command for its name ("show stats"); 0 when unknown. */
enum ctl_cmd	 ctlproto_cmd(const char *);
/* The name of a command; NULL when out of range. */
const char	*ctlproto_name(enum ctl_cmd);
/* Whether only root or the daemon's user may run it. */
int		 ctlproto_mutating(enum ctl_cmd);

/*
 * Parse one request line (len bytes, the newline may be included).
 * Returns 0 with *cmd set, or -1 with a message for the client in err.
 */
int		 ctlproto_req_parse(const char *, size_t, enum ctl_cmd *,
		    char *, size_t);
/* Write the request line for cmd (with its newline); -1 if too small. */
int		 ctlproto_req_build(enum ctl_cmd, char *, size_t);
/* Write {"ok":false,"error":msg} and a newline; -1 if too small. */
int		 ctlproto_error(const char *, char *, size_t);

#endif
