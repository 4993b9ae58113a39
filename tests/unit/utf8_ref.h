/* SPDX-License-Identifier: ISC */
/*
 * The reference UTF-8 check of the tests and fuzzers, written directly
 * from RFC 3629's table and nothing else, so the validators in
 * common/utf8.c are compared with an independent answer.
 */
#ifndef WSFLOW_UTF8_REF_H
#define WSFLOW_UTF8_REF_H

#include <stddef.h>
#include <stdint.h>

/*
 * -1 valid, -2 a valid but unfinished prefix, else the index of the
 * first byte that cannot belong to any valid string with this prefix.
 */
static inline long
utf8_ref_check(const uint8_t *s, size_t n)
{
	size_t	 i = 0, len, j;
	uint8_t	 lo, hi, b;

	while (i < n) {
		if ((b = s[i]) < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (b >= 0xc2 && b <= 0xdf)
			len = 2;
		else if (b >= 0xe0 && b <= 0xef) {
			len = 3;
			lo = b == 0xe0 ? 0xa0 : 0x80;
			hi = b == 0xed ? 0x9f : 0xbf;
		} else if (b >= 0xf0 && b <= 0xf4) {
			len = 4;
			lo = b == 0xf0 ? 0x90 : 0x80;
			hi = b == 0xf4 ? 0x8f : 0xbf;
		} else
			return (long)i;
		for (j = 1; j < len; j++) {
			if (i + j == n)
				return -2;
			b = s[i + j];
			if (j == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf))
				return (long)(i + j);
		}
		i += len;
	}
	return -1;
}

#endif
