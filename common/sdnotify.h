/* SPDX-License-Identifier: ISC */
/*
 * The systemd notify protocol, written here rather than linked from
 * libsystemd (OpenSSH portable does the same): one datagram of
 * newline-separated VAR=value assignments to the AF_UNIX socket named by
 * $NOTIFY_SOCKET, and a keep-alive every half of $WATCHDOG_USEC.  This
 * part is pure: the socket address from the variable, the message, the
 * watchdog interval.  wsflowd's supervisor does the sending.
 */
#ifndef WSFLOW_SDNOTIFY_H
#define WSFLOW_SDNOTIFY_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <stddef.h>
#include <stdint.h>

#define SDNOTIFY_READY		0x01	/* READY=1 */
#define SDNOTIFY_STOPPING	0x02	/* STOPPING=1 */
#define SDNOTIFY_WATCHDOG	0x04	/* WATCHDOG=1 */
#define SDNOTIFY_RELOADING	0x08	/* RELOADING=1, MONOTONIC_USEC= */

#define SDNOTIFY_MSG_MAX	512	/* a message, with its status line */

/* The address in $NOTIFY_SOCKET: an absolute path, or "@name" for an
 * abstract socket; 0, or -1 when unset, empty or not one of those. */
int	 sdnotify_addr(const char *, struct sockaddr_un *, socklen_t *);
/* The assignments of flags, then STATUS=status unless NULL, into buf;
 * control characters of status become spaces (one line).  0, or -1 when
 * there is nothing to say or it does not fit. */
int	 sdnotify_msg(char *, size_t, int, const char *);
/* The same, with usec the CLOCK_MONOTONIC time in microseconds that
 * RELOADING=1 carries as MONOTONIC_USEC (systemd wants both). */
int	 sdnotify_msg_usec(char *, size_t, int, uint64_t, const char *);
/* From $WATCHDOG_USEC and $WATCHDOG_PID (NULL: unset) for the process
 * self: 0 and the keep-alive interval in microseconds (half the
 * timeout), or -1 when there is no watchdog for self. */
int	 sdnotify_watchdog(const char *, const char *, pid_t, uint64_t *);

#endif
