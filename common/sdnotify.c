/* SPDX-License-Identifier: ISC */
/*
 * The pure half of the systemd notify protocol (see sdnotify.h): no
 * sockets here, only the address, the message text and the watchdog
 * interval, so all three are unit-tested without systemd.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdnotify.h"

/* Parse the notify socket's address. */
int
sdnotify_addr(const char *env, struct sockaddr_un *sun, socklen_t *len)
{
	size_t	 n;

	if (env == NULL || (env[0] != '/' && env[0] != '@'))
		return -1;
	n = strlen(env);
	/* A path keeps its NUL; an abstract name is the bytes after '@'. */
	if (n < 2 || n >= sizeof(sun->sun_path))
		return -1;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, env, n);
	if (env[0] == '@') {
		sun->sun_path[0] = '\0';
		*len = offsetof(struct sockaddr_un, sun_path) + n;
	} else
		*len = offsetof(struct sockaddr_un, sun_path) + n + 1;
	return 0;
}

/* Append "name=value\n" to buf at *off; -1 when it does not fit. */
static int
sdnotify_add(char *buf, size_t len, size_t *off, const char *name,
    const char *value)
{
	int	 n;

	n = snprintf(buf + *off, len - *off, "%s=%s\n", name, value);
	if (n < 0 || (size_t)n >= len - *off)
		return -1;
	*off += n;
	return 0;
}

/* Build the message text. */
int
sdnotify_msg(char *buf, size_t len, int flags, const char *status)
{
	return sdnotify_msg_usec(buf, len, flags, 0, status);
}

/* Build the message text; RELOADING=1 carries MONOTONIC_USEC=usec. */
int
sdnotify_msg_usec(char *buf, size_t len, int flags, uint64_t usec,
    const char *status)
{
	size_t	 off = 0, i, start;
	char	 num[24];

	if (len == 0)
		return -1;
	buf[0] = '\0';
	snprintf(num, sizeof(num), "%llu", (unsigned long long)usec);
	if (((flags & SDNOTIFY_RELOADING) &&
	    (sdnotify_add(buf, len, &off, "RELOADING", "1") == -1 ||
	    sdnotify_add(buf, len, &off, "MONOTONIC_USEC", num) == -1)) ||
	    ((flags & SDNOTIFY_READY) &&
	    sdnotify_add(buf, len, &off, "READY", "1") == -1) ||
	    ((flags & SDNOTIFY_STOPPING) &&
	    sdnotify_add(buf, len, &off, "STOPPING", "1") == -1) ||
	    ((flags & SDNOTIFY_WATCHDOG) &&
	    sdnotify_add(buf, len, &off, "WATCHDOG", "1") == -1))
		return -1;
	if (status != NULL) {
		start = off + strlen("STATUS=");
		if (sdnotify_add(buf, len, &off, "STATUS", status) == -1)
			return -1;
		/* One line: a newline in it would end the assignment. */
		for (i = start; i < off - 1; i++)
			if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
				buf[i] = ' ';
	}
	return off > 0 ? 0 : -1;
}

/* The watchdog interval for self, if the watchdog is ours. */
int
sdnotify_watchdog(const char *usec, const char *pid, pid_t self,
    uint64_t *interval)
{
	unsigned long long	 u, p;
	char			*end;

	if (usec == NULL || *usec < '0' || *usec > '9')
		return -1;
	errno = 0;
	u = strtoull(usec, &end, 10);
	if (errno != 0 || *end != '\0' || u == 0)
		return -1;
	/* Set for another process (a parent that exec'd us?): not ours. */
	if (pid != NULL) {
		if (*pid < '0' || *pid > '9')
			return -1;
		errno = 0;
		p = strtoull(pid, &end, 10);
		if (errno != 0 || *end != '\0' || p != (unsigned long long)self)
			return -1;
	}
	*interval = u / 2 > 0 ? u / 2 : 1;
	return 0;
}
