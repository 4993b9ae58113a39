/* SPDX-License-Identifier: ISC */
/*
 * A growable byte buffer for pure code (codecs, frame and handshake
 * builders) that must not depend on libevent.  Bounded by bf_max.
 */
#ifndef WSFLOW_BUF_H
#define WSFLOW_BUF_H

#include <stddef.h>

struct buf {
	char	*bf_data;
	size_t	 bf_len;
	size_t	 bf_cap;
	size_t	 bf_max;	/* 0: no limit beyond SIZE_MAX / 2 */
};

void	buf_init(struct buf *, size_t);
void	buf_free(struct buf *);
void	buf_reset(struct buf *);
int	buf_reserve(struct buf *, size_t);
int	buf_add(struct buf *, const void *, size_t);
int	buf_addc(struct buf *, char);
int	buf_adds(struct buf *, const char *);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
