/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for UTF-8 validation (Autobahn section 6): Markus Kuhn's
 * stress cases and the boundary code points, each checked whole, byte
 * by byte, as a text frame split at every position and as a message in
 * two fragments split at every position; plus an exhaustive comparison
 * with a plain reference decoder for every 1-, 2- and 3-byte string.
 * All of it runs once per implementation this machine has (scalar,
 * SSSE3, AVX2, AVX-512BW); the cases are also run padded with ASCII so
 * that they land inside and across the 64-byte vector blocks, every
 * byte pair and every 3-byte string from a lead byte is placed at the
 * vector and block boundaries, and long random text with an error at
 * every place of a 128-byte window, fed in random pieces, must give the
 * scalar code's state and bad byte with every implementation.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "utf8.h"
#include "utf8_ref.h"
#include "ws_testlib.h"

#define E_UTF8	" ERR 1007 text message is not valid UTF-8"
#define E_REASON " ERR 1007 close reason is not valid UTF-8"

static const char *const impl_names[] = { "scalar", "ssse3", "avx2",
    "avx512" };
static const char	*impl_name = "scalar";	/* for messages */

struct u8case {
	const char	*u_name;
	const char	*u_s;
	size_t		 u_len;		/* 0: strlen */
	int		 u_valid;
};

#define V(name, s)	{ name, s, sizeof(s) - 1, 1 }
#define I(name, s)	{ name, s, sizeof(s) - 1, 0 }

static const struct u8case u8cases[] = {
	/* 6.1-6.2, Kuhn 1 and 2: valid text and boundaries */
	V("6.1 empty", ""),
	V("6.2 Hello-mu", "Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc"
	    "\xc3\xa0\xc3\xa1-UTF-8!!"),
	V("Kuhn 1 kosme", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"),
	V("Kuhn 2.1.1 U+0000", "\x00"),
	V("Kuhn 2.1.2 U+0080", "\xc2\x80"),
	V("Kuhn 2.1.3 U+0800", "\xe0\xa0\x80"),
	V("Kuhn 2.1.4 U+10000", "\xf0\x90\x80\x80"),
	V("Kuhn 2.2.1 U+007F", "\x7f"),
	V("Kuhn 2.2.2 U+07FF", "\xdf\xbf"),
	V("Kuhn 2.2.3 U+FFFF", "\xef\xbf\xbf"),
	V("Kuhn 2.3.1 U+D7FF", "\xed\x9f\xbf"),
	V("Kuhn 2.3.2 U+E000", "\xee\x80\x80"),
	V("Kuhn 2.3.3 U+FFFD", "\xef\xbf\xbd"),
	V("Kuhn 2.3.4 U+10FFFF", "\xf4\x8f\xbf\xbf"),
	V("Kuhn 5.3.1 U+FFFE", "\xef\xbf\xbe"),
	V("Kuhn 5.3.3 U+FDD0", "\xef\xb7\x90"),
	V("6.x U+1F600", "\xf0\x9f\x98\x80"),
	V("6.x mixed", "a\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e z"),
	/* 6.3-6.4: fail fast inside otherwise valid text */
	I("6.3 kosme-edited", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
	    "\xed\xa0\x80\x65\x64\x69\x74\x65\x64"),
	I("6.4.1 above U+10FFFF", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce"
	    "\xb5\xf4\x90\x80\x80\x65\x64\x69\x74\x65\x64"),
	/* Kuhn 2.1.5-2.2.6: 5- and 6-byte forms and beyond */
	I("Kuhn 2.1.5 5-byte", "\xf8\x88\x80\x80\x80"),
	I("Kuhn 2.1.6 6-byte", "\xfc\x84\x80\x80\x80\x80"),
	I("Kuhn 2.2.4 U+1FFFFF", "\xf7\xbf\xbf\xbf"),
	I("Kuhn 2.2.5 U+3FFFFFF", "\xfb\xbf\xbf\xbf\xbf"),
	I("Kuhn 2.2.6 U+7FFFFFFF", "\xfd\xbf\xbf\xbf\xbf\xbf"),
	I("Kuhn 2.3.5 U+110000", "\xf4\x90\x80\x80"),
	/* Kuhn 3.1: unexpected continuation bytes */
	I("Kuhn 3.1.1 80", "\x80"),
	I("Kuhn 3.1.2 bf", "\xbf"),
	I("Kuhn 3.1.3 2 continuations", "\x80\xbf"),
	I("Kuhn 3.1.4 3 continuations", "\x80\xbf\x80"),
	I("Kuhn 3.1.5 4 continuations", "\x80\xbf\x80\xbf"),
	I("Kuhn 3.1.6 5 continuations", "\x80\xbf\x80\xbf\x80"),
	I("Kuhn 3.1.7 6 continuations", "\x80\xbf\x80\xbf\x80\xbf"),
	I("Kuhn 3.1.8 7 continuations", "\x80\xbf\x80\xbf\x80\xbf\x80"),
	I("Kuhn 3.1.9 after text", "abc\x80"),
	/* Kuhn 3.2: lonely start characters */
	I("Kuhn 3.2.1 c0 space", "\xc0 "),
	I("Kuhn 3.2.1 df space", "\xdf "),
	I("Kuhn 3.2.2 e0 space", "\xe0 "),
	I("Kuhn 3.2.2 ef space", "\xef "),
	I("Kuhn 3.2.3 f0 space", "\xf0 "),
	I("Kuhn 3.2.3 f7 space", "\xf7 "),
	I("Kuhn 3.2.4 f8 space", "\xf8 "),
	I("Kuhn 3.2.5 fc space", "\xfc "),
	/* Kuhn 3.3: last continuation byte missing */
	I("Kuhn 3.3.1 c0", "\xc0"),
	I("Kuhn 3.3.2 e0 80", "\xe0\x80"),
	I("Kuhn 3.3.3 f0 80 80", "\xf0\x80\x80"),
	I("Kuhn 3.3.4 f8 80 80 80", "\xf8\x80\x80\x80"),
	I("Kuhn 3.3.5 fc 80 80 80 80", "\xfc\x80\x80\x80\x80"),
	I("Kuhn 3.3.6 df", "\xdf"),
	I("Kuhn 3.3.7 ef bf", "\xef\xbf"),
	I("Kuhn 3.3.8 f7 bf bf", "\xf7\xbf\xbf"),
	I("3.3 cut U+10000", "\xf0\x90\x80"),
	I("3.3 cut U+0800", "\xe0\xa0"),
	I("3.3 cut U+0080", "\xc2"),
	I("Kuhn 3.4 concatenated", "\xc0\xe0\x80\xf0\x80\x80\xf8\x80\x80\x80"
	    "\xfc\x80\x80\x80\x80\xdf\xef\xbf\xf7\xbf\xbf\xfb\xbf\xbf\xbf\xfd"
	    "\xbf\xbf\xbf\xbf"),
	/* Kuhn 3.5: impossible bytes */
	I("Kuhn 3.5.1 fe", "\xfe"),
	I("Kuhn 3.5.2 ff", "\xff"),
	I("Kuhn 3.5.3 fe fe ff ff", "\xfe\xfe\xff\xff"),
	/* Kuhn 4: overlong forms */
	I("Kuhn 4.1.1 slash 2", "\xc0\xaf"),
	I("Kuhn 4.1.2 slash 3", "\xe0\x80\xaf"),
	I("Kuhn 4.1.3 slash 4", "\xf0\x80\x80\xaf"),
	I("Kuhn 4.1.4 slash 5", "\xf8\x80\x80\x80\xaf"),
	I("Kuhn 4.1.5 slash 6", "\xfc\x80\x80\x80\x80\xaf"),
	I("Kuhn 4.2.1 max 2", "\xc1\xbf"),
	I("Kuhn 4.2.2 max 3", "\xe0\x9f\xbf"),
	I("Kuhn 4.2.3 max 4", "\xf0\x8f\xbf\xbf"),
	I("Kuhn 4.2.4 max 5", "\xf8\x87\xbf\xbf\xbf"),
	I("Kuhn 4.2.5 max 6", "\xfc\x83\xbf\xbf\xbf\xbf"),
	I("Kuhn 4.3.1 NUL 2", "\xc0\x80"),
	I("Kuhn 4.3.2 NUL 3", "\xe0\x80\x80"),
	I("Kuhn 4.3.3 NUL 4", "\xf0\x80\x80\x80"),
	I("Kuhn 4.3.4 NUL 5", "\xf8\x80\x80\x80\x80"),
	I("Kuhn 4.3.5 NUL 6", "\xfc\x80\x80\x80\x80\x80"),
	/* Kuhn 5.1-5.2: UTF-16 surrogates */
	I("Kuhn 5.1.1 U+D800", "\xed\xa0\x80"),
	I("Kuhn 5.1.2 U+DB7F", "\xed\xad\xbf"),
	I("Kuhn 5.1.3 U+DB80", "\xed\xae\x80"),
	I("Kuhn 5.1.4 U+DBFF", "\xed\xaf\xbf"),
	I("Kuhn 5.1.5 U+DC00", "\xed\xb0\x80"),
	I("Kuhn 5.1.6 U+DF80", "\xed\xbe\x80"),
	I("Kuhn 5.1.7 U+DFFF", "\xed\xbf\xbf"),
	I("Kuhn 5.2.1 D800 DC00", "\xed\xa0\x80\xed\xb0\x80"),
	I("Kuhn 5.2.2 D800 DFFF", "\xed\xa0\x80\xed\xbf\xbf"),
	I("Kuhn 5.2.3 DB7F DC00", "\xed\xad\xbf\xed\xb0\x80"),
	I("Kuhn 5.2.4 DB7F DFFF", "\xed\xad\xbf\xed\xbf\xbf"),
	I("Kuhn 5.2.5 DB80 DC00", "\xed\xae\x80\xed\xb0\x80"),
	I("Kuhn 5.2.6 DB80 DFFF", "\xed\xae\x80\xed\xbf\xbf"),
	I("Kuhn 5.2.7 DBFF DC00", "\xed\xaf\xbf\xed\xb0\x80"),
	I("Kuhn 5.2.8 DBFF DFFF", "\xed\xaf\xbf\xed\xbf\xbf"),
};

/* What the validator says, in utf8_ref_check's terms. */
static long
dfa_check(const uint8_t *s, size_t n)
{
	size_t		 bad;
	uint32_t	 st = utf8_validate(UTF8_ACCEPT, s, n, &bad);

	if (st == UTF8_REJECT)
		return (long)bad;
	return st == UTF8_ACCEPT ? -1 : -2;
}

/* Whole, byte by byte, as frames and fragments split everywhere. */
static void
check_u8(const struct u8case *c)
{
	const uint8_t	*s = (const uint8_t *)c->u_s;
	struct wt_frame	 f[2];
	struct buf	 b, w;
	uint32_t	 st = UTF8_ACCEPT;
	size_t		 i, k, bad = 0, mode;
	char		*t, *want;
	long		 ref;

	CHECK_MSG(utf8_valid(s, c->u_len) == c->u_valid, "%s [%s]",
	    c->u_name, impl_name);
	ref = utf8_ref_check(s, c->u_len);
	CHECK_MSG((ref == -1) == c->u_valid, "%s: reference", c->u_name);
	CHECK_MSG(dfa_check(s, c->u_len) == ref,
	    "%s [%s]: position %ld vs %ld", c->u_name, impl_name,
	    dfa_check(s, c->u_len), ref);
	for (i = 0; i < c->u_len; i++)
		st = utf8_validate(st, s + i, 1, NULL);
	CHECK_MSG((st == UTF8_ACCEPT) == c->u_valid, "%s [%s]: byte by byte",
	    c->u_name, impl_name);

	buf_init(&w, 0);
	if (c->u_valid) {
		buf_adds(&w, " T");
		wt_payload(&w, s, c->u_len);
	} else
		buf_adds(&w, E_UTF8);
	want = w.bf_data;
	for (mode = 0; mode < 2; mode++)
		for (k = 0; k <= c->u_len; k++) {
			/* One frame fed in two pieces at 6 + k ... */
			memset(f, 0, sizeof(f));
			f[0] = (struct wt_frame){ 1, 0, WS_OP_TEXT, c->u_s,
			    c->u_len, 0, 0 };
			buf_init(&b, 0);
			wt_encode(&b, &f[0]);
			t = wt_run(WS_ROLE_SERVER, mode ? WS_PARSE_STREAM : 0,
			    NULL, (uint8_t *)b.bf_data, b.bf_len, 0, 6 + k);
			if (strcmp(t, want) != 0)
				bad++;
			free(t);
			buf_free(&b);
			/* ... and two fragments split at k. */
			f[0] = (struct wt_frame){ 0, 0, WS_OP_TEXT, c->u_s, k,
			    0, 0 };
			f[1] = (struct wt_frame){ 1, 0, WS_OP_CONT, c->u_s + k,
			    c->u_len - k, 0, 0 };
			buf_init(&b, 0);
			wt_encode(&b, &f[0]);
			wt_encode(&b, &f[1]);
			t = wt_run(WS_ROLE_SERVER, mode ? WS_PARSE_STREAM : 0,
			    NULL, (uint8_t *)b.bf_data, b.bf_len, 1, 0);
			if (strcmp(t, want) != 0)
				bad++;
			free(t);
			buf_free(&b);
		}
	CHECK_MSG(bad == 0, "%s [%s]: %zu splits disagree", c->u_name,
	    impl_name, bad);
	free(want);
}

/*
 * A case with ASCII before and after it, so that it sits inside and
 * across the 64-byte blocks of the vector code: pre bytes before, 70
 * after.
 */
static void
check_u8_padded(const struct u8case *c, size_t pre)
{
	struct u8case	 p = *c;
	char		 name[128];
	char		*s;
	size_t		 post = 70;

	if ((s = malloc(pre + c->u_len + post)) == NULL)
		abort();
	memset(s, 'a', pre);
	memcpy(s + pre, c->u_s, c->u_len);
	memset(s + pre + c->u_len, 'z', post);
	(void)snprintf(name, sizeof(name), "%s, after %zu ASCII", c->u_name,
	    pre);
	p.u_name = name;
	p.u_s = s;
	p.u_len = pre + c->u_len + post;
	check_u8(&p);
	free(s);
}

/* Bytes that stand for their neighbours in the 4-byte strings. */
static const uint8_t	 pick[] = { 0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f,
    0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5,
    0xff };
#define NPICK	(sizeof(pick) / sizeof(pick[0]))

/* The i-th 4-byte string: byte first + i / NPICK^3, then pick bytes. */
static void
pick4(uint32_t i, uint8_t first, uint8_t *w)
{
	w[3] = pick[i % NPICK];
	i /= NPICK;
	w[2] = pick[i % NPICK];
	i /= NPICK;
	w[1] = pick[i % NPICK];
	w[0] = (uint8_t)(first + i / NPICK);
}

/* Every string of one, two and three bytes against the reference. */
static void
test_exhaustive(void)
{
	uint8_t			 s[4];
	uint32_t		 v, wrong = 0, n = 0;

	for (v = 0; v < 256; v++) {
		s[0] = (uint8_t)v;
		wrong += dfa_check(s, 1) != utf8_ref_check(s, 1);
		n++;
	}
	for (v = 0; v < 65536; v++) {
		s[0] = (uint8_t)(v >> 8);
		s[1] = (uint8_t)v;
		wrong += dfa_check(s, 2) != utf8_ref_check(s, 2);
		n++;
	}
	for (v = 0; v < (1U << 24); v++) {
		s[0] = (uint8_t)(v >> 16);
		s[1] = (uint8_t)(v >> 8);
		s[2] = (uint8_t)v;
		wrong += dfa_check(s, 3) != utf8_ref_check(s, 3);
		n++;
	}
	for (v = 0; v < 6 * NPICK * NPICK * NPICK; v++) {
		pick4(v, 0xf0, s);
		wrong += dfa_check(s, 4) != utf8_ref_check(s, 4);
		n++;
	}
	CHECK_MSG(wrong == 0, "[%s] %u of %u strings disagree", impl_name,
	    wrong, n);
}

/*
 * Where the validator must fail for the string w (reference result r)
 * put at off in n bytes of ASCII: utf8_ref_check's answer for the whole.
 */
static long
ref_in_ascii(long r, size_t wlen, size_t off, size_t n)
{
	if (r == -2 && off + wlen < n)
		return (long)(off + wlen);
	return r < 0 ? r : (long)off + r;
}

/* dfa_check of w put at off in n bytes of ASCII. */
static long
dfa_in_ascii(const uint8_t *w, size_t wlen, size_t off, size_t n)
{
	uint8_t	 s[128];

	memset(s, 'a', n);
	memcpy(s + off, w, wlen);
	return dfa_check(s, n);
}

/* How many places at[0..nat) (offset, length) disagree for w. */
static uint32_t
placements(const uint8_t *w, size_t wlen, const size_t at[][2], size_t nat)
{
	long		 r = utf8_ref_check(w, wlen);
	uint32_t	 wrong = 0;
	size_t		 k;

	for (k = 0; k < nat; k++)
		wrong += dfa_in_ascii(w, wlen, at[k][0], at[k][1]) !=
		    ref_in_ascii(r, wlen, at[k][0], at[k][1]);
	return wrong;
}

#define NAT(at)	(sizeof(at) / sizeof(at[0]))

/*
 * Every byte pair at the 16- and 32-byte vector boundaries and at the
 * 64-byte block boundary, every 3-byte string that starts with a lead
 * byte across the block boundary, and 4-byte strings from F0-F7 over
 * boundary bytes; each also where the blocks end and the automaton
 * takes over, so unfinished sequences are seen there.
 */
static void
test_blocks(void)
{
	static const size_t	 at2[][2] = { { 14, 128 }, { 15, 128 },
	    { 30, 128 }, { 31, 128 }, { 62, 128 }, { 63, 128 }, { 62, 64 },
	    { 63, 65 } };
	static const size_t	 at3[][2] = { { 62, 128 }, { 61, 64 },
	    { 62, 65 } };
	static const size_t	 at4[][2] = { { 60, 128 }, { 61, 128 },
	    { 62, 128 }, { 63, 128 }, { 60, 64 }, { 61, 66 } };
	uint8_t			 w[4];
	uint32_t		 v, wrong = 0, n = 0;

	for (v = 0; v < 65536; v++, n += NAT(at2)) {
		w[0] = (uint8_t)(v >> 8);
		w[1] = (uint8_t)v;
		wrong += placements(w, 2, at2, NAT(at2));
	}
	for (v = 0xc00000; v < (1U << 24); v++, n += NAT(at3)) {
		w[0] = (uint8_t)(v >> 16);
		w[1] = (uint8_t)(v >> 8);
		w[2] = (uint8_t)v;
		wrong += placements(w, 3, at3, NAT(at3));
	}
	for (v = 0; v < 24 * NPICK * NPICK * NPICK; v++, n += NAT(at4)) {
		pick4(v, 0xe0, w);
		wrong += placements(w, 4, at4, NAT(at4));
	}
	CHECK_MSG(wrong == 0, "[%s] %u of %u placements disagree", impl_name,
	    wrong, n);
}

/* Long text: the word-at-a-time path meets multi-byte characters. */
static void
test_long(void)
{
	uint8_t	 s[300];
	size_t	 i, j, bad = 0;

	for (i = 0; i < 280; i++) {
		memset(s, 'a', sizeof(s));
		/* a valid 3-byte character at every offset */
		memcpy(s + i, "\xe2\x82\xac", 3);
		bad += !utf8_valid(s, sizeof(s));
		/* a surrogate at every offset: reported where it starts */
		memcpy(s + i, "\xed\xa0\x80", 3);
		bad += dfa_check(s, sizeof(s)) != (long)i + 1;
		/* a stray continuation byte at every offset */
		memset(s, 'a', sizeof(s));
		s[i] = 0x80;
		bad += dfa_check(s, sizeof(s)) != (long)i;
		for (j = 0; j < 4; j++)
			bad += dfa_check(s + j, sizeof(s) - j) !=
			    (i >= j ? (long)(i - j) : -1);
	}
	CHECK_INT(bad, 0);
	/* Once rejected, always rejected. */
	CHECK(utf8_validate(UTF8_REJECT, (const uint8_t *)"a", 1, &i) ==
	    UTF8_REJECT && i == 0);
}

/*
 * Long mixed text (so the four-lane path runs) with one byte changed at
 * every position, and every prefix, against the reference.
 */
static void
test_mixed(void)
{
	static const char *const chars[] = { "a", " ", "\xc3\xa9",
	    "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xed\x9f\xbf",
	    "\xf4\x8f\xbf\xbf", "\xdf\xbf" };
	static const uint8_t	 subst[] = { 0x80, 0xbf, 0xc0, 0xc2, 0xe0,
	    0xed, 0xf0, 0xf4, 0xf5, 0xff, 'a' };
	uint8_t			 s[1400], t[1400];
	uint32_t		 rnd = 12345;
	size_t			 n = 0, p, k, wrong = 0, checked = 0;

	while (n < 1300) {
		const char *c;

		rnd = rnd * 1103515245u + 12345u;
		c = chars[(rnd >> 16) % 8];
		memcpy(s + n, c, strlen(c));
		n += strlen(c);
	}
	CHECK(utf8_valid(s, n));
	for (p = 0; p < n; p++) {
		wrong += dfa_check(s, p) != utf8_ref_check(s, p);
		for (k = 0; k < sizeof(subst); k++) {
			memcpy(t, s, n);
			t[p] = subst[k];
			wrong += dfa_check(t, n) != utf8_ref_check(t, n);
			checked++;
		}
	}
	CHECK_MSG(wrong == 0, "%zu of %zu disagree", wrong, checked + n);
}

/* Close reasons long enough for the vector code, bad at every byte. */
static void
test_close_reason(void)
{
	struct wt_frame	 f;
	struct buf	 b;
	char		 pl[122], q[122];
	char		*t;
	size_t		 i, wrong = 0;

	pl[0] = 0x03;
	pl[1] = (char)0xe8;
	for (i = 2; i < sizeof(pl); i += 2)
		memcpy(pl + i, "\xc3\xa9", 2);
	for (i = 1; i < sizeof(pl); i++) {
		memcpy(q, pl, sizeof(q));
		if (i >= 2)
			q[i] = (char)(i & 1 ? 0xc3 : 0xff);
		f = (struct wt_frame){ 1, 0, WS_OP_CLOSE, q, sizeof(q), 0, 0 };
		buf_init(&b, 0);
		wt_encode(&b, &f);
		t = wt_run(WS_ROLE_SERVER, 0, NULL, (uint8_t *)b.bf_data,
		    b.bf_len, 0, 0);
		if (i == 1)
			CHECK_MSG(strncmp(t, " CLOSE(1000", 11) == 0,
			    "[%s] valid reason: %s", impl_name, t);
		else
			wrong += strcmp(t, E_REASON) != 0;
		free(t);
		buf_free(&b);
	}
	CHECK_MSG(wrong == 0, "[%s] %zu bad reasons not refused", impl_name,
	    wrong);
}

/* The run-time choice: the best this machine has, unless forced. */
static void
test_impl_choice(void)
{
	int	 best = UTF8_IMPL_SCALAR;

#if defined(__x86_64__)
	if (__builtin_cpu_supports("avx512bw"))
		best = UTF8_IMPL_AVX512;
	else if (__builtin_cpu_supports("avx2"))
		best = UTF8_IMPL_AVX2;
	else if (__builtin_cpu_supports("ssse3"))
		best = UTF8_IMPL_SSSE3;
#endif
	printf("test_ws_utf8: this machine runs %s\n", impl_names[best]);
	CHECK_INT(utf8_impl_get(), best);
	CHECK(utf8_impl_set(-2) == -1 && utf8_impl_set(4) == -1);
	if (best < UTF8_IMPL_AVX512)
		CHECK(utf8_impl_set(best + 1) == -1);
	CHECK_INT(utf8_impl_get(), best);
	CHECK(utf8_impl_set(UTF8_IMPL_SCALAR) == 0);
	CHECK_INT(utf8_impl_get(), UTF8_IMPL_SCALAR);
	CHECK(utf8_impl_set(UTF8_IMPL_AUTO) == 0);
	CHECK_INT(utf8_impl_get(), best);
}

static uint32_t	 rnd_state = 0x2545f491;

/* A small deterministic pseudo-random number (xorshift32). */
static uint32_t
rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/*
 * Feed s[0..n) in pieces ending at cuts[0..ncuts) (ascending) and at n,
 * as ws.c does: stop at the first rejection.  Returns the final state;
 * *badp is the bad byte's index in s, or -1.
 */
static uint32_t
run_split(const uint8_t *s, size_t n, const size_t *cuts, size_t ncuts,
    long *badp)
{
	uint32_t	 st = UTF8_ACCEPT;
	size_t		 off = 0, k, end, bad;

	*badp = -1;
	for (k = 0; k <= ncuts; k++) {
		end = k < ncuts ? cuts[k] : n;
		bad = (size_t)-1;
		st = utf8_validate(st, s + off, end - off, &bad);
		if (st == UTF8_REJECT) {
			*badp = (long)(off + bad);
			break;
		}
		off = end;
	}
	return st;
}

/*
 * Random text of n bytes, multi-byte first and then mostly ASCII, with
 * one byte replaced at every position of a 128-byte window (at the
 * start, where the first block is copied, across blocks further on, and
 * in the ASCII part), or cut at every
 * position of the window, fed whole and in random pieces to every
 * implementation: state and bad byte must be the scalar code's, whole.
 */
static void
test_agree(int nimpl, const int *impls)
{
	static const char *const chars[] = { "a", "\xc3\xa9",
	    "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xed\x9f\xbf",
	    "\xf4\x8f\xbf\xbf", "\xdf\xbf", "\xe0\xa0\x80",
	    "\xf0\x90\x80\x80", "\xce\xba" };
	static const uint8_t	 subst[] = { 0x80, 0x8f, 0x90, 0x9f, 0xa0,
	    0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4,
	    0xf5, 0xff, 'a' };
	static const size_t	 windows[] = { 0, 190, 400 };
	uint8_t			 s[700], t[700];
	uint32_t		 st0, st;
	size_t			 n = 0, w, p, k, j, len, cuts[3], ncuts, c;
	size_t			 wrong = 0, runs = 0;
	long			 bad0, bad;
	int			 m;

	while (n < 640) {
		/* mostly ASCII in the second half: errors stand alone */
		const char *ch = chars[n > 320 && rnd() % 4 != 0 ? 0 :
		    rnd() % 10];

		memcpy(s + n, ch, strlen(ch));
		n += strlen(ch);
	}
	for (w = 0; w < 3; w++)
		for (p = windows[w]; p < windows[w] + 128; p++)
			for (k = 0; k <= sizeof(subst); k++) {
				memcpy(t, s, n);
				len = n;
				if (k < sizeof(subst))
					t[p] = subst[k];
				else
					len = p;	/* cut here */
				utf8_impl_set(UTF8_IMPL_SCALAR);
				st0 = run_split(t, len, NULL, 0, &bad0);
				for (m = 0; m < nimpl; m++) {
					utf8_impl_set(impls[m]);
					for (j = 0; j < 6; j++, runs++) {
						ncuts = j == 0 ? 0 :
						    1 + rnd() % 3;
						for (c = 0; c < ncuts; c++)
							cuts[c] = len == 0 ?
							    0 : rnd() % len;
						for (c = 1; c < ncuts; c++)
							if (cuts[c] <
							    cuts[c - 1])
								cuts[c] =
								    cuts[c - 1];
						st = run_split(t, len, cuts,
						    ncuts, &bad);
						if (st != st0 || bad != bad0) {
							if (wrong++ < 5)
								fprintf(stderr,
								    "%s: at %zu"
								    " byte %zu:"
								    " %u/%ld vs"
								    " %u/%ld\n",
								    impl_names[
								    impls[m]],
								    p, k, st,
								    bad, st0,
								    bad0);
						}
					}
				}
			}
	utf8_impl_set(UTF8_IMPL_AUTO);
	CHECK_MSG(wrong == 0, "%zu of %zu split runs disagree with the "
	    "scalar code", wrong, runs);
	CHECK(runs > 0 || nimpl == 0);
}

int
main(void)
{
	int	 impls[4], nimpl = 0, m;
	size_t	 i;

	test_impl_choice();
	for (m = UTF8_IMPL_SCALAR; m <= UTF8_IMPL_AVX512; m++) {
		if (utf8_impl_set(m) == -1) {
			printf("test_ws_utf8: no %s on this machine, "
			    "skipped\n", impl_names[m]);
			continue;
		}
		impl_name = impl_names[m];
		if (m != UTF8_IMPL_SCALAR)
			impls[nimpl++] = m;
		for (i = 0; i < sizeof(u8cases) / sizeof(u8cases[0]); i++) {
			check_u8(&u8cases[i]);
			check_u8_padded(&u8cases[i], 61);
			check_u8_padded(&u8cases[i], 3);
		}
		test_exhaustive();
		test_blocks();
		test_long();
		test_mixed();
		test_close_reason();
	}
	utf8_impl_set(UTF8_IMPL_AUTO);
	test_agree(nimpl, impls);
	return check_done();
}
