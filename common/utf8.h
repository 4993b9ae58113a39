/* SPDX-License-Identifier: ISC */
/*
 * Incremental UTF-8 validation (RFC 3629): no overlong forms, no
 * surrogates, nothing above U+10FFFF.  The state carries a partial
 * sequence across calls, so input may be split anywhere.  Every
 * implementation gives the same state and the same first bad byte.
 */
#ifndef WSFLOW_UTF8_H
#define WSFLOW_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_ACCEPT	0	/* at a character boundary */
#define UTF8_REJECT	6	/* invalid; stays so */

/* Implementations, slowest first; utf8_impl_set() forces one (tests). */
#define UTF8_IMPL_AUTO		-1	/* the best this machine runs */
#define UTF8_IMPL_SCALAR	0	/* byte automaton, the reference */
#define UTF8_IMPL_SSSE3		1	/* x86-64, 16-byte vectors */
#define UTF8_IMPL_AVX2		2	/* x86-64, 32-byte vectors */
#define UTF8_IMPL_AVX512	3	/* x86-64 AVX-512BW, 64-byte vectors */

uint32_t	 utf8_validate(uint32_t, const uint8_t *, size_t, size_t *);
int		 utf8_valid(const void *, size_t);
int		 utf8_impl_set(int);
int		 utf8_impl_get(void);

#endif
