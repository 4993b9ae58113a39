/* SPDX-License-Identifier: ISC */
/*
 * UTF-8 validation as a small deterministic automaton over byte classes,
 * with a word-at-a-time fast path over runs of ASCII.  The automaton
 * reports the first byte that cannot continue a valid sequence, which
 * is what lets a WebSocket endpoint fail a text message early.  On
 * x86-64, SSSE3, AVX2 or AVX-512BW code (chosen at run time) checks
 * 64-byte blocks with nibble lookup tables and hands the automaton only
 * the bytes around the first error and the unfinished tail, so the
 * result is the automaton's, byte for byte and state for state.
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
#define UTF8_SIMD_MIN	64	/* shorter input goes to the automaton */

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
 * The scalar reference and fallback: feed n bytes to the automaton in
 * state st; return the new state.  On UTF8_REJECT, *bad (if not NULL) is
 * the index of the offending byte.
 */
static uint32_t
utf8_scalar(uint32_t st, const uint8_t *s, size_t n, size_t *bad)
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

#if defined(__x86_64__)
#include <immintrin.h>

/*
 * The vector validators check byte pairs with three tables indexed by
 * the high and low nibble of the previous byte and the high nibble of
 * the current one; each table entry is a set of error kinds, and a pair
 * is bad when all three lookups share a kind:
 *   0x01 lead byte followed by a non-continuation (sequence too short)
 *   0x02 ASCII followed by a continuation (sequence too long)
 *   0x04 E0 80-9F (overlong 3-byte form)
 *   0x08 F4 90-BF, F5-FF 90-BF (above U+10FFFF)
 *   0x10 ED A0-BF (surrogate)
 *   0x20 C0-C1 80-BF (overlong 2-byte form)
 *   0x40 F0 80-8F (overlong 4-byte form), F5-FF 80-8F
 *   0x80 continuation after continuation: an error unless the byte two
 *        back is E0 or above or the byte three back F0 or above, so
 *        0x80 is XORed with that "must be the 3rd or 4th byte" mask.
 * A byte that can never appear (C0, F5...) is seen one byte late, with
 * the byte after it.  So when a 64-byte block shows an error, or the
 * blocks end, the serial automaton is restarted a few bytes before the
 * block (utf8_restart) and gives the exact byte and state.
 */
#define UTF8_T1_HIGH	\
	0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,	\
	0x80, 0x80, 0x80, 0x80, 0x21, 0x01, 0x15, 0x49
#define UTF8_T1_LOW	\
	0xe7, 0xa3, 0x83, 0x83, 0x8b, 0xcb, 0xcb, 0xcb,	\
	0xcb, 0xcb, 0xcb, 0xcb, 0xcb, 0xdb, 0xcb, 0xcb
#define UTF8_T2_HIGH	\
	0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,	\
	0xe6, 0xae, 0xba, 0xba, 0x01, 0x01, 0x01, 0x01
/*
 * Whether the 3 bytes before b end inside a sequence: before a block of
 * ASCII that is an error.
 */
static inline int
utf8_open_before(const uint8_t *b)
{
	return b[-1] >= 0xc0 || b[-2] >= 0xe0 || b[-3] >= 0xf0;
}

/*
 * Check 64-byte blocks of s[0..n) from a character boundary with block;
 * return where the first block with an error starts, or where the
 * blocks end (n, or less when n < 67).  Every byte before the result
 * but the last is valid.  The first block is checked in a copy with
 * three zero bytes before it.  Inlined into each vector function, so
 * block is inlined too.
 */
static inline __attribute__((always_inline)) size_t
utf8_blocks(const uint8_t *s, size_t n, int (*block)(const uint8_t *))
{
	uint8_t	 first[3 + 64] = { 0 };
	size_t	 i;

	if (n < 64)
		return 0;
	memcpy(first + 3, s, 64);
	if (block(first + 3))
		return 0;
	for (i = 64; n - i >= 64; i += 64)
		if (block(s + i))
			return i;
	/*
	 * The rest, by checking the last 64 bytes (again in part: a check
	 * depends only on a byte and the 3 before it), so the automaton
	 * gets at most a few bytes.
	 */
	if (i < n && n - 64 >= 3)
		return block(s + n - 64) ? n - 64 : n;
	return i;
}

/*
 * Error kinds of the 16 bytes at b, with b[-3..-1] readable.  The bytes
 * 1, 2 and 3 back come from unaligned loads, not byte shifts of
 * registers: loads have more ports than shuffles.
 */
__attribute__((target("ssse3")))
static inline __m128i
utf8_sse_check(const uint8_t *b)
{
	const __m128i	 t1h = _mm_setr_epi8(UTF8_T1_HIGH);
	const __m128i	 t1l = _mm_setr_epi8(UTF8_T1_LOW);
	const __m128i	 t2h = _mm_setr_epi8(UTF8_T2_HIGH);
	const __m128i	 nib = _mm_set1_epi8(0x0f);
	__m128i		 c, p1, p2, p3, sc, must;

	c = _mm_loadu_si128((const __m128i *)(const void *)b);
	p1 = _mm_loadu_si128((const __m128i *)(const void *)(b - 1));
	p2 = _mm_loadu_si128((const __m128i *)(const void *)(b - 2));
	p3 = _mm_loadu_si128((const __m128i *)(const void *)(b - 3));
	sc = _mm_and_si128(_mm_and_si128(
	    _mm_shuffle_epi8(t1h, _mm_and_si128(_mm_srli_epi16(p1, 4), nib)),
	    _mm_shuffle_epi8(t1l, _mm_and_si128(p1, nib))),
	    _mm_shuffle_epi8(t2h, _mm_and_si128(_mm_srli_epi16(c, 4), nib)));
	/* Bit 7 set where p2 >= E0 or p3 >= F0. */
	must = _mm_or_si128(_mm_subs_epu8(p2, _mm_set1_epi8(0x60)),
	    _mm_subs_epu8(p3, _mm_set1_epi8(0x70)));
	must = _mm_and_si128(must, _mm_set1_epi8((char)0x80));
	return _mm_xor_si128(sc, must);
}

/* Whether the 64 bytes at b (b[-3..-1] readable) show an error. */
__attribute__((target("ssse3")))
static inline int
utf8_sse_block(const uint8_t *b)
{
	__m128i	 v, err;

	v = _mm_or_si128(_mm_or_si128(
	    _mm_loadu_si128((const __m128i *)(const void *)b),
	    _mm_loadu_si128((const __m128i *)(const void *)(b + 16))),
	    _mm_or_si128(
	    _mm_loadu_si128((const __m128i *)(const void *)(b + 32)),
	    _mm_loadu_si128((const __m128i *)(const void *)(b + 48))));
	if (_mm_movemask_epi8(v) == 0)
		return utf8_open_before(b);
	err = _mm_or_si128(_mm_or_si128(utf8_sse_check(b),
	    utf8_sse_check(b + 16)), _mm_or_si128(utf8_sse_check(b + 32),
	    utf8_sse_check(b + 48)));
	return _mm_movemask_epi8(_mm_cmpeq_epi8(err, _mm_setzero_si128())) !=
	    0xffff;
}

/* utf8_blocks with SSSE3. */
__attribute__((target("ssse3")))
static size_t
utf8_sse(const uint8_t *s, size_t n)
{
	return utf8_blocks(s, n, utf8_sse_block);
}

/* utf8_sse_check for the 32 bytes at b. */
__attribute__((target("avx2")))
static inline __m256i
utf8_avx2_check(const uint8_t *b)
{
	const __m256i	 t1h = _mm256_setr_epi8(UTF8_T1_HIGH, UTF8_T1_HIGH);
	const __m256i	 t1l = _mm256_setr_epi8(UTF8_T1_LOW, UTF8_T1_LOW);
	const __m256i	 t2h = _mm256_setr_epi8(UTF8_T2_HIGH, UTF8_T2_HIGH);
	const __m256i	 nib = _mm256_set1_epi8(0x0f);
	__m256i		 c, p1, p2, p3, sc, must;

	c = _mm256_loadu_si256((const __m256i *)(const void *)b);
	p1 = _mm256_loadu_si256((const __m256i *)(const void *)(b - 1));
	p2 = _mm256_loadu_si256((const __m256i *)(const void *)(b - 2));
	p3 = _mm256_loadu_si256((const __m256i *)(const void *)(b - 3));
	sc = _mm256_and_si256(_mm256_and_si256(
	    _mm256_shuffle_epi8(t1h,
	    _mm256_and_si256(_mm256_srli_epi16(p1, 4), nib)),
	    _mm256_shuffle_epi8(t1l, _mm256_and_si256(p1, nib))),
	    _mm256_shuffle_epi8(t2h,
	    _mm256_and_si256(_mm256_srli_epi16(c, 4), nib)));
	must = _mm256_or_si256(_mm256_subs_epu8(p2, _mm256_set1_epi8(0x60)),
	    _mm256_subs_epu8(p3, _mm256_set1_epi8(0x70)));
	must = _mm256_and_si256(must, _mm256_set1_epi8((char)0x80));
	return _mm256_xor_si256(sc, must);
}

/* utf8_sse_block with AVX2. */
__attribute__((target("avx2")))
static inline int
utf8_avx2_block(const uint8_t *b)
{
	__m256i	 err;

	if (_mm256_movemask_epi8(_mm256_or_si256(
	    _mm256_loadu_si256((const __m256i *)(const void *)b),
	    _mm256_loadu_si256((const __m256i *)(const void *)(b + 32)))) == 0)
		return utf8_open_before(b);
	err = _mm256_or_si256(utf8_avx2_check(b), utf8_avx2_check(b + 32));
	return !_mm256_testz_si256(err, err);
}

/* utf8_blocks with AVX2. */
__attribute__((target("avx2")))
static size_t
utf8_avx2(const uint8_t *s, size_t n)
{
	return utf8_blocks(s, n, utf8_avx2_block);
}
/* utf8_sse_block with AVX-512BW: one 64-byte vector per block. */
__attribute__((target("avx512bw")))
static inline int
utf8_avx512_block(const uint8_t *b)
{
	const __m512i	 t1h = _mm512_broadcast_i32x4(
	    _mm_setr_epi8(UTF8_T1_HIGH));
	const __m512i	 t1l = _mm512_broadcast_i32x4(
	    _mm_setr_epi8(UTF8_T1_LOW));
	const __m512i	 t2h = _mm512_broadcast_i32x4(
	    _mm_setr_epi8(UTF8_T2_HIGH));
	const __m512i	 nib = _mm512_set1_epi8(0x0f);
	__m512i		 c, p1, p2, p3, sc, must;

	c = _mm512_loadu_si512((const void *)b);
	if (_mm512_movepi8_mask(c) == 0)
		return utf8_open_before(b);
	p1 = _mm512_loadu_si512((const void *)(b - 1));
	p2 = _mm512_loadu_si512((const void *)(b - 2));
	p3 = _mm512_loadu_si512((const void *)(b - 3));
	/* 0x80: a & b & c; 0x6a: (a & b) ^ c. */
	sc = _mm512_ternarylogic_epi32(
	    _mm512_shuffle_epi8(t1h,
	    _mm512_and_si512(_mm512_srli_epi16(p1, 4), nib)),
	    _mm512_shuffle_epi8(t1l, _mm512_and_si512(p1, nib)),
	    _mm512_shuffle_epi8(t2h,
	    _mm512_and_si512(_mm512_srli_epi16(c, 4), nib)), 0x80);
	must = _mm512_or_si512(_mm512_subs_epu8(p2, _mm512_set1_epi8(0x60)),
	    _mm512_subs_epu8(p3, _mm512_set1_epi8(0x70)));
	return _mm512_test_epi8_mask(_mm512_ternarylogic_epi32(must,
	    _mm512_set1_epi8((char)0x80), sc, 0x6a),
	    _mm512_set1_epi8((char)0xff)) != 0;
}

/* utf8_blocks with AVX-512BW. */
__attribute__((target("avx512bw")))
static size_t
utf8_avx512(const uint8_t *s, size_t n)
{
	return utf8_blocks(s, n, utf8_avx512_block);
}
#endif /* __x86_64__ */

static int	 utf8_impl_cur = -1;

/* The fastest implementation this machine runs. */
static int
utf8_impl_best(void)
{
#if defined(__x86_64__)
	if (__builtin_cpu_supports("avx512bw"))
		return UTF8_IMPL_AVX512;
	if (__builtin_cpu_supports("avx2"))
		return UTF8_IMPL_AVX2;
	if (__builtin_cpu_supports("ssse3"))
		return UTF8_IMPL_SSSE3;
#endif
	return UTF8_IMPL_SCALAR;
}

/* Force one implementation (tests, fuzzing); -1 if it cannot run here. */
int
utf8_impl_set(int impl)
{
	if (impl == UTF8_IMPL_AUTO)
		impl = utf8_impl_best();
	if (impl < UTF8_IMPL_SCALAR || impl > utf8_impl_best())
		return -1;
	utf8_impl_cur = impl;
	return 0;
}

/* The implementation in use. */
int
utf8_impl_get(void)
{
	if (utf8_impl_cur == -1)
		utf8_impl_cur = utf8_impl_best();
	return utf8_impl_cur;
}

/*
 * Where to restart the automaton after vector blocks ending at p (from
 * a boundary at lo) found nothing before p - 1: a byte at or before
 * p - 3 that is no continuation byte, which in a valid prefix is a
 * character boundary.
 */
static size_t
utf8_restart(const uint8_t *s, size_t lo, size_t p)
{
	size_t	 r = p >= lo + 3 ? p - 3 : lo;

	while (r > lo && (s[r] & 0xc0) == 0x80)
		r--;
	return r;
}

/*
 * Feed n bytes to the validator in state st; return the new state.  On
 * UTF8_REJECT, *bad (if not NULL) is the index of the offending byte.
 */
uint32_t
utf8_validate(uint32_t st, const uint8_t *s, size_t n, size_t *bad)
{
	size_t	 i = 0, p, r;
	int	 impl = utf8_impl_get();

	if (impl == UTF8_IMPL_SCALAR || n < UTF8_SIMD_MIN || st == UTF8_REJECT)
		return utf8_scalar(st, s, n, bad);
	/* Finish a character begun in an earlier call. */
	while (st != UTF8_ACCEPT) {
		if ((st = UTF8_STEP(st, s[i])) == UTF8_REJECT) {
			if (bad != NULL)
				*bad = i;
			return UTF8_REJECT;
		}
		i++;
	}
	p = i;
#if defined(__x86_64__)
	if (impl == UTF8_IMPL_AVX512)
		p += utf8_avx512(s + i, n - i);
	else if (impl == UTF8_IMPL_AVX2)
		p += utf8_avx2(s + i, n - i);
	else
		p += utf8_sse(s + i, n - i);
#endif
	r = utf8_restart(s, i, p);
	st = utf8_scalar(UTF8_ACCEPT, s + r, n - r, bad);
	if (st == UTF8_REJECT && bad != NULL)
		*bad += r;
	return st;
}

/* Whether s[0..n) is complete, valid UTF-8. */
int
utf8_valid(const void *s, size_t n)
{
	return utf8_validate(UTF8_ACCEPT, s, n, NULL) == UTF8_ACCEPT;
}
