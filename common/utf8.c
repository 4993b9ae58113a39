/*
 * UTF-8 validation as a small deterministic automaton over byte classes,
 * with a word-at-a-time fast path over runs of ASCII.  The automaton
 * reports the first byte that cannot continue a valid sequence, which
 * is what lets a WebSocket endpoint fail a text message early.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "utf8.h"

/*
 * Byte classes: 0 ASCII, 1 80-8F, 2 90-9F, 3 A0-BF, 4 never valid
 * (C0 C1 F5-FF), 5 C2-DF, 6 E0, 7 E1-EC EE EF, 8 ED, 9 F0, 10 F1-F3, 11 F4.
 */
static const uint8_t utf8_class[256] = {
	/* 00-7F */
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	/* 80-BF */
	1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
	3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3, 3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,
	/* C0-DF */
	4,4,5,5,5,5,5,5,5,5,5,5,5,5,5,5, 5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,
	/* E0-EF */
	6,7,7,7,7,7,7,7,7,7,7,7,7,8,7,7,
	/* F0-FF */
	9,10,10,10,11,4,4,4,4,4,4,4,4,4,4,4
};

/*
 * States: 0 accept, 1 reject, 2 one continuation byte left, 3 two left,
 * 4 after E0 (A0-BF next), 5 after ED (80-9F next: no surrogates),
 * 6 three left, 7 after F0 (90-BF next), 8 after F4 (80-8F next).
 * A state is kept as 6 * its number; utf8_trans[class] holds, for every
 * state s, the next state (times 6) in bits 6s..6s+5, so one step is a
 * shift and a mask and the byte class does not wait for the state.
 *
 *        asc 8x 9x AB bad C2 E0 E1 ED F0 F1 F4
 *   0 {  0, 1, 1, 1, 1,  2, 4, 3, 5, 7, 6, 8 }
 *   1 {  1, 1, 1, 1, 1,  1, 1, 1, 1, 1, 1, 1 }
 *   2 {  1, 0, 0, 0, 1,  1, 1, 1, 1, 1, 1, 1 }
 *   3 {  1, 2, 2, 2, 1,  1, 1, 1, 1, 1, 1, 1 }
 *   4 {  1, 1, 1, 2, 1,  1, 1, 1, 1, 1, 1, 1 }
 *   5 {  1, 2, 2, 1, 1,  1, 1, 1, 1, 1, 1, 1 }
 *   6 {  1, 3, 3, 3, 1,  1, 1, 1, 1, 1, 1, 1 }
 *   7 {  1, 1, 3, 3, 1,  1, 1, 1, 1, 1, 1, 1 }
 *   8 {  1, 3, 1, 1, 1,  1, 1, 1, 1, 1, 1, 1 }
 */
static const uint64_t utf8_trans[12] = {
	0x0006186186186180ULL, 0x0012192306300186ULL, 0x0006492306300186ULL,
	0x000649218c300186ULL, 0x0006186186186186ULL, 0x000618618618618cULL,
	0x0006186186186198ULL, 0x0006186186186192ULL, 0x000618618618619eULL,
	0x00061861861861aaULL, 0x00061861861861a4ULL, 0x00061861861861b0ULL,
};

#define UTF8_STEP(st, b)	\
	((uint32_t)(utf8_trans[utf8_class[(b)]] >> (st)) & 63)
#define UTF8_BLOCK	16

#define UTF8_HIGH	0x8080808080808080ULL
#define UTF8_WIDE	256	/* bytes per four-lane block */

/* Where a lane may start near p: skip at most 3 continuation bytes. */
static size_t
utf8_lane_start(const uint8_t *s, size_t p)
{
	size_t	 k;

	for (k = 0; k < 3 && (s[p + k] & 0xc0) == 0x80; k++)
		;
	return p + k;
}

/*
 * Run UTF8_WIDE bytes as four independent automata, one per quarter,
 * each quarter starting at a character boundary, so the four dependency
 * chains overlap.  A quarter that does not end at a character boundary
 * means an error at the next quarter's start, so its end state is then
 * made UTF8_REJECT; the caller rescans serially to find the byte.
 * *pos is advanced past the block.
 */
static uint32_t
utf8_wide(uint32_t st, const uint8_t *s, size_t *pos)
{
	uint64_t	 a, b, c, d;
	size_t		 p1, p2, p3, la, lb, lc, ld, m, j;

	p1 = utf8_lane_start(s, UTF8_WIDE / 4);
	p2 = utf8_lane_start(s, UTF8_WIDE / 2);
	p3 = utf8_lane_start(s, 3 * UTF8_WIDE / 4);
	la = p1;
	lb = p2 - p1;
	lc = p3 - p2;
	ld = UTF8_WIDE - p3;
	m = la < lb ? la : lb;
	m = m < lc ? m : lc;
	m = m < ld ? m : ld;
	a = st;
	b = c = d = UTF8_ACCEPT;
	for (j = 0; j < m; j++) {
		a = utf8_trans[utf8_class[s[j]]] >> (a & 63);
		b = utf8_trans[utf8_class[s[p1 + j]]] >> (b & 63);
		c = utf8_trans[utf8_class[s[p2 + j]]] >> (c & 63);
		d = utf8_trans[utf8_class[s[p3 + j]]] >> (d & 63);
	}
	for (j = m; j < la; j++)
		a = utf8_trans[utf8_class[s[j]]] >> (a & 63);
	for (j = m; j < lb; j++)
		b = utf8_trans[utf8_class[s[p1 + j]]] >> (b & 63);
	for (j = m; j < lc; j++)
		c = utf8_trans[utf8_class[s[p2 + j]]] >> (c & 63);
	for (j = m; j < ld; j++)
		d = utf8_trans[utf8_class[s[p3 + j]]] >> (d & 63);
	*pos += UTF8_WIDE;
	if ((a & 63) != UTF8_ACCEPT || (b & 63) != UTF8_ACCEPT ||
	    (c & 63) != UTF8_ACCEPT)
		return UTF8_REJECT;
	return (uint32_t)(d & 63);
}

/*
 * Feed n bytes to the automaton in state st; return the new state.  On
 * UTF8_REJECT, *bad (if not NULL) is the index of the offending byte.
 */
uint32_t
utf8_validate(uint32_t st, const uint8_t *s, size_t n, size_t *bad)
{
	uint64_t	 w0, w1, w2, w3, sw;
	uint32_t	 st0;
	size_t		 i = 0, i0, end;

	if (st == UTF8_REJECT) {
		if (bad != NULL)
			*bad = 0;
		return UTF8_REJECT;
	}
	while (i < n) {
		if (st == UTF8_ACCEPT && s[i] < 0x80) {
			/* Skip ASCII a word or four at a time. */
			i++;
			while (n - i >= 32) {
				memcpy(&w0, s + i, 8);
				memcpy(&w1, s + i + 8, 8);
				memcpy(&w2, s + i + 16, 8);
				memcpy(&w3, s + i + 24, 8);
				if (((w0 | w1 | w2 | w3) & UTF8_HIGH) != 0)
					break;
				i += 32;
			}
			while (n - i >= 8) {
				memcpy(&w0, s + i, 8);
				if ((w0 & UTF8_HIGH) != 0)
					break;
				i += 8;
			}
			continue;
		}
		/* A block without a branch per byte; reject is absorbing. */
		st0 = st;
		i0 = i;
		if (n - i >= UTF8_WIDE)
			st = utf8_wide(st, s + i, &i);
		else {
			end = n - i > UTF8_BLOCK ? i + UTF8_BLOCK : n;
			/*
			 * Only the low 6 bits of sw are the state; the mask
			 * folds into the shift: one shift per byte.
			 */
			for (sw = st; i < end; i++)
				sw = utf8_trans[utf8_class[s[i]]] >> (sw & 63);
			st = (uint32_t)(sw & 63);
		}
		if (st == UTF8_REJECT) {
			for (st = st0, i = i0; i < n; i++)
				if ((st = UTF8_STEP(st, s[i])) == UTF8_REJECT)
					break;
			if (st == UTF8_REJECT) {
				if (bad != NULL)
					*bad = i;
				return UTF8_REJECT;
			}
		}
	}
	return st;
}

/* Whether s[0..n) is complete, valid UTF-8. */
int
utf8_valid(const void *s, size_t n)
{
	return utf8_validate(UTF8_ACCEPT, s, n, NULL) == UTF8_ACCEPT;
}
