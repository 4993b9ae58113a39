/*
 * Incremental UTF-8 validation (RFC 3629): no overlong forms, no
 * surrogates, nothing above U+10FFFF.  The state carries a partial
 * sequence across calls, so input may be split anywhere.
 */
#ifndef WSFLOW_UTF8_H
#define WSFLOW_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_ACCEPT	0	/* at a character boundary */
#define UTF8_REJECT	6	/* invalid; stays so */

uint32_t	 utf8_validate(uint32_t, const uint8_t *, size_t, size_t *);
int		 utf8_valid(const void *, size_t);

#endif
