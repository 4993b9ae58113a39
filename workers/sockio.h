/* SPDX-License-Identifier: ISC */
/*
 * The socket steps of a one-exchange server, shared by the control
 * worker and the metrics exporter: accept a client into a free slot (or
 * answer "busy" and close), write a reply in pieces, and after it read
 * and discard what the client still sends until its EOF, so that the
 * close does not reset the connection and lose the reply.  Each caller
 * keeps its own clients and states; these are the steps alone.
 */
#ifndef WSFLOW_SOCKIO_H
#define WSFLOW_SOCKIO_H

#include <stddef.h>

#define SIO_LINGER_MAX	(64 * 1024)	/* input discarded at most */

enum sio_result {
	SIO_AGAIN,		/* not done: wait for the descriptor */
	SIO_DONE,		/* written (and shut down for writing) */
	SIO_CLOSE,		/* EOF, an error or the bound: close it */
};

/*
 * Accept one non-blocking client on lfd.  Without room for it, busy (len
 * bytes) is written, best effort, and the client closed.  The client's
 * descriptor, or -1 (who names the server in a logged failure).
 */
int		 sio_accept(int, int, const char *, size_t, const char *);
/* Write more of buf (len bytes) from *off; shut down writing when all
 * of it is out. */
enum sio_result	 sio_write(int, const char *, size_t, size_t *);
/* Read and drop what arrives; SIO_CLOSE at EOF, an error or past
 * SIO_LINGER_MAX bytes in all (*discarded). */
enum sio_result	 sio_discard(int, size_t *);

#endif
