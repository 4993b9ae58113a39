/* SPDX-License-Identifier: ISC */
/*
 * The socket steps of a one-exchange server (see sockio.h).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sockio.h"

/* Accept a client if there is room, or answer busy and close it. */
int
sio_accept(int lfd, int room, const char *busy, size_t len, const char *who)
{
	int	 fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC))
	    == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("%s: accept", who);
		return -1;
	}
	if (room)
		return fd;
	/* best effort: the client may not read it */
	if (write(fd, busy, len) == -1)
		log_debug("%s: busy reply: %s", who, strerror(errno));
	close(fd);
	return -1;
}

/* Write more of a reply; shut down writing once it is out. */
enum sio_result
sio_write(int fd, const char *buf, size_t len, size_t *off)
{
	ssize_t	 n;

	n = write(fd, buf + *off, len - *off);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return SIO_AGAIN;
	if (n <= 0)
		return SIO_CLOSE;
	*off += n;
	if (*off < len)
		return SIO_AGAIN;
	(void)shutdown(fd, SHUT_WR);
	return SIO_DONE;
}

/* Discard input after a reply, up to the bound. */
enum sio_result
sio_discard(int fd, size_t *discarded)
{
	char	 junk[4096];
	ssize_t	 n;

	n = read(fd, junk, sizeof(junk));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return SIO_AGAIN;
	if (n <= 0 || (*discarded += n) > SIO_LINGER_MAX)
		return SIO_CLOSE;
	return SIO_AGAIN;
}
