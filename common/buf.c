/* SPDX-License-Identifier: ISC */
/*
 * Growable byte buffer.  All functions return 0 or -1 (out of memory or
 * over the buffer's limit); on -1 the buffer is unchanged.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Prepare an empty buffer that may grow to max bytes (0: unbounded). */
void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->bf_max = max;
}

/* Release the storage; the buffer may be reused after buf_init. */
void
buf_free(struct buf *b)
{
	free(b->bf_data);
	b->bf_data = NULL;
	b->bf_len = b->bf_cap = 0;
}

/* Empty the buffer but keep its storage. */
void
buf_reset(struct buf *b)
{
	b->bf_len = 0;
}

/* Make room for n more bytes plus a terminating NUL. */
int
buf_reserve(struct buf *b, size_t n)
{
	size_t	 need, cap;
	char	*p;

	if (n > SIZE_MAX / 2 - b->bf_len - 1)
		return -1;
	need = b->bf_len + n + 1;
	if (b->bf_max != 0 && need - 1 > b->bf_max)
		return -1;
	if (need <= b->bf_cap)
		return 0;
	cap = b->bf_cap ? b->bf_cap : 64;
	while (cap < need)
		cap *= 2;
	if ((p = realloc(b->bf_data, cap)) == NULL)
		return -1;
	b->bf_data = p;
	b->bf_cap = cap;
	return 0;
}

/* Append n bytes; the data stays NUL-terminated for convenience. */
int
buf_add(struct buf *b, const void *data, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->bf_data + b->bf_len, data, n);
	b->bf_len += n;
	b->bf_data[b->bf_len] = '\0';
	return 0;
}

/* Append one byte. */
int
buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

/* Append a NUL-terminated string (without its NUL). */
int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

/* Append formatted text. */
int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n) == -1)
		return -1;
	va_start(ap, fmt);
	(void)vsnprintf(b->bf_data + b->bf_len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->bf_len += (size_t)n;
	return 0;
}
