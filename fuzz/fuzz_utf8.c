/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer differential harness for common/utf8.c: every implementation
 * this machine runs (SSSE3, AVX2, AVX-512BW) must give the scalar code's
 * state and first bad byte, for the whole input and for the input split
 * in two at a fuzzer-chosen point, from a fuzzer-chosen start state.
 *
 * Header (7 bytes): mode, split (2 bytes), start state, error place (2
 * bytes), error byte.  Mode bit 0 clear: the rest is the text.  Set: the
 * rest is read as code points (two bytes each, the first choosing the
 * length class), encoded as valid UTF-8, and then one byte at the error
 * place becomes the error byte (if the place is inside): long valid text
 * with one error, which random bytes seldom give.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FZ_MAX	8192

/* Append the UTF-8 form of code point c. */
static size_t
fz_encode(uint8_t *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (uint8_t)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (uint8_t)(0xc0 | c >> 6);
		o[1] = (uint8_t)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (uint8_t)(0xe0 | c >> 12);
		o[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
		o[2] = (uint8_t)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (uint8_t)(0xf0 | c >> 18);
	o[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
	o[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
	o[3] = (uint8_t)(0x80 | (c & 0x3f));
	return 4;
}

/* A valid code point from two input bytes: a length class, then bits. */
static uint32_t
fz_codepoint(uint8_t a, uint8_t b)
{
	uint32_t	 c;

	switch (a & 3) {
	case 0:
		return b & 0x7f;
	case 1:
		return 0x80 + ((uint32_t)(a >> 2) << 8 | b) % 0x780;
	case 2:
		c = 0x800 + ((uint32_t)(a >> 2) << 10 | (uint32_t)b << 2 |
		    (a & 0xc0) >> 6) % 0xf800;
		return c >= 0xd800 && c < 0xe000 ? c + 0x800 : c;
	default:
		return 0x10000 + ((uint32_t)a << 12 | (uint32_t)b << 4 | a >> 4) %
		    0x100000;
	}
}

/* Validate s[0..n) from st in two pieces cut at k; *bad is global. */
static uint32_t
fz_run(uint32_t st, const uint8_t *s, size_t n, size_t k, size_t *bad)
{
	size_t	 b = (size_t)-1;

	*bad = (size_t)-1;
	if (k > 0 && k < n) {
		st = utf8_validate(st, s, k, &b);
		if (st == UTF8_REJECT) {
			*bad = b;
			return st;
		}
		st = utf8_validate(st, s + k, n - k, &b);
		if (st == UTF8_REJECT)
			*bad = k + b;
		return st;
	}
	st = utf8_validate(st, s, n, &b);
	if (st == UTF8_REJECT)
		*bad = b;
	return st;
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static uint8_t	 text[FZ_MAX];
	static const uint32_t starts[] = { 0, 12, 18, 24, 30, 36, 42, 48 };
	uint32_t	 st0, st, start;
	size_t		 len = 0, i, k, at, bad0, bad;
	int		 impl;

	if (n < 7)
		return 0;
	start = starts[d[3] & 7];
	if (d[0] & 1) {
		for (i = 7; i + 1 < n && len + 4 <= FZ_MAX; i += 2)
			len += fz_encode(text + len, fz_codepoint(d[i],
			    d[i + 1]));
		at = (size_t)d[4] << 8 | d[5];
		if (at < len)
			text[at] = d[6];
	} else {
		len = n - 7 < FZ_MAX ? n - 7 : FZ_MAX;
		memcpy(text, d + 7, len);
	}
	k = len == 0 ? 0 : ((size_t)d[1] << 8 | d[2]) % (len + 1);
	if (utf8_impl_set(UTF8_IMPL_SCALAR) == -1)
		abort();
	st0 = fz_run(start, text, len, 0, &bad0);
	for (impl = UTF8_IMPL_SCALAR; impl <= UTF8_IMPL_AVX512; impl++) {
		if (utf8_impl_set(impl) == -1)
			continue;
		st = fz_run(start, text, len, 0, &bad);
		if (st != st0 || bad != bad0)
			abort();
		st = fz_run(start, text, len, k, &bad);
		if (st != st0 || bad != bad0)
			abort();
	}
	/* Valid means valid to the one-call form too. */
	if (start == UTF8_ACCEPT &&
	    utf8_valid(text, len) != (st0 == UTF8_ACCEPT))
		abort();
	return 0;
}
