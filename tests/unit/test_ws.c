/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for the RFC 6455 frame layer, grouped like the Autobahn
 * test suite: 1 framing, 2 ping/pong, 3 reserved bits, 4 opcodes,
 * 5 fragmentation, 7 close handling, 9 limits; plus the RFC's own
 * examples, the frame builder, masking and the close state machine.
 * Every table case is run whole, one byte at a time, in 3-byte chunks,
 * split at every position, and in streaming mode; all must agree.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ws_testlib.h"

#define E_RSV		" ERR 1002 reserved bits set without an extension"
#define E_OPCODE	" ERR 1002 reserved opcode"
#define E_MSB		" ERR 1002 64-bit payload length with the high bit set"
#define E_UNMASKED	" ERR 1002 client frame is not masked"
#define E_MASKED	" ERR 1002 server frame is masked"
#define E_CTL_LONG	" ERR 1002 control frame payload over 125 bytes"
#define E_CTL_FRAG	" ERR 1002 fragmented control frame"
#define E_NOSTART	" ERR 1002 continuation frame without a message to continue"
#define E_NOCONT	" ERR 1002 new data frame inside a fragmented message"
#define E_CLOSE_PL	" ERR 1002 close frame payload of one byte"
#define E_CLOSE_CODE	" ERR 1002 invalid close status code"
#define E_AFTER		" ERR 1002 data after the close frame"
#define E_UTF8		" ERR 1007 text message is not valid UTF-8"
#define E_REASON	" ERR 1007 close reason is not valid UTF-8"
#define E_FRAME_BIG	" ERR 1009 frame payload over the limit"
#define E_MSG_BIG	" ERR 1009 message over the size limit"
#define E_FRAGS		" ERR 1009 message has too many fragments"

#define L	((size_t)-1)
#define OP_T	WS_OP_TEXT
#define OP_B	WS_OP_BINARY
#define OP_C	WS_OP_CONT
#define OP_X	WS_OP_CLOSE
#define OP_PI	WS_OP_PING
#define OP_PO	WS_OP_PONG

struct wt_case {
	const char	*c_name;
	struct wt_frame	 c_f[8];
	const char	*c_want;
};

/* Run d through every chunking and both modes, with parser flags. */
static void
check_all_flags(const char *name, enum ws_role role,
    const struct ws_limits *lim, int flags, const uint8_t *d, size_t n,
    const char *want)
{
	static const size_t	 chunks[] = { 0, 1, 2, 3, 7, 64 };
	char			*t;
	size_t			 i, s;
	int			 mode, bad;

	for (mode = 0; mode < 2; mode++) {
		int fl = flags | (mode ? WS_PARSE_STREAM : 0);

		for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
			if (chunks[i] == 1 && n > 1 << 20)
				continue;
			t = wt_run(role, fl, lim, d, n, chunks[i], 0);
			CHECK_MSG(strcmp(t, want) == 0,
			    "%s (mode %d, chunk %zu): got \"%s\", want \"%s\"",
			    name, mode, chunks[i], t, want);
			free(t);
		}
		if (n > 2048)
			continue;
		for (bad = 0, s = 1; s < n && !bad; s++) {
			t = wt_run(role, fl, lim, d, n, 0, s);
			if (strcmp(t, want) != 0) {
				bad = 1;
				fprintf(stderr, "%s: split %zu: \"%s\"\n",
				    name, s, t);
			}
			free(t);
		}
		CHECK_MSG(!bad, "%s (mode %d): every split", name, mode);
	}
}

/* Run d through every chunking and both modes; all must give want. */
static void
check_all(const char *name, enum ws_role role, const struct ws_limits *lim,
    const uint8_t *d, size_t n, const char *want)
{
	check_all_flags(name, role, lim, 0, d, n, want);
}

/* Encode a case's frames and check it. */
static void
check_case(const struct wt_case *c, enum ws_role role,
    const struct ws_limits *lim)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b, 0);
	buf_adds(&b, "");
	for (i = 0; i < 8 && c->c_f[i].f_pl != NULL; i++)
		wt_encode(&b, &c->c_f[i]);
	check_all(c->c_name, role, lim, (uint8_t *)b.bf_data, b.bf_len,
	    c->c_want);
	buf_free(&b);
}

/* The transcript a single payload would give. */
static char *
want_payload(const char *kind, const void *p, size_t n)
{
	struct buf	 t;

	buf_init(&t, 0);
	buf_adds(&t, kind);
	wt_payload(&t, p, n);
	return t.bf_data;
}

/* 1.1 and 1.2: text and binary at every length boundary. */
static void
test_lengths(void)
{
	static const size_t	 lens[] = { 0, 1, 125, 126, 127, 128, 65535,
	    65536, 70000 };
	struct wt_frame		 f;
	struct buf		 b;
	char			*pl, *want, name[64];
	size_t			 i, j;
	int			 bin, enc;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		pl = calloc(1, lens[i] + 1);
		for (bin = 0; bin < 2; bin++) {
			for (j = 0; j < lens[i]; j++)
				pl[j] = bin ? (char)(0xfe - j) :
				    (char)('*' + j % 50);
			want = want_payload(bin ? " B" : " T", pl, lens[i]);
			for (enc = 0; enc <= 64; enc = enc == 0 ? 16 : enc * 4) {
				if (enc == 16 && lens[i] > 0xffff)
					continue;
				memset(&f, 0, sizeof(f));
				f.f_fin = 1;
				f.f_op = bin ? OP_B : OP_T;
				f.f_pl = pl;
				f.f_len = lens[i];
				f.f_enc = enc;
				buf_init(&b, 0);
				wt_encode(&b, &f);
				snprintf(name, sizeof(name), "1.%d len %zu enc %d",
				    bin + 1, lens[i], enc);
				check_all(name, WS_ROLE_SERVER, NULL,
				    (uint8_t *)b.bf_data, b.bf_len, want);
				buf_free(&b);
			}
			free(want);
		}
		free(pl);
	}
}

static const char p125[] =
    "0123456789012345678901234567890123456789012345678901234567890123"
    "456789012345678901234567890123456789012345678901234567890123x";
static const char p126[] =
    "0123456789012345678901234567890123456789012345678901234567890123"
    "456789012345678901234567890123456789012345678901234567890123xy";

static const struct wt_case cases[] = {
	/* 2 ping/pong */
	{ "2.1 empty ping", { { 1, 0, OP_PI, "", L, 0, 0 } }, " PING[]" },
	{ "2.2 text ping", { { 1, 0, OP_PI, "Hello, world!", L, 0, 0 } },
	  " PING[Hello, world!]" },
	{ "2.3 binary ping", { { 1, 0, OP_PI, "\x00\xff\xfe\xfd", 4, 0, 0 } },
	  " PING[\\x00\\xff\\xfe\\xfd]" },
	{ "2.4 ping 125", { { 1, 0, OP_PI, p125, L, 0, 0 } }, NULL },
	{ "2.5 ping 126", { { 1, 0, OP_PI, p126, L, 0, 0 } }, E_CTL_LONG },
	{ "2.5b ping 5 in 16-bit length", { { 1, 0, OP_PI, "abcde", L, 16,
	  0 } }, E_CTL_LONG },
	{ "2.7 unsolicited pong", { { 1, 0, OP_PO, "", L, 0, 0 } },
	  " PONG[]" },
	{ "2.8 pong with payload", { { 1, 0, OP_PO, "unsolicited", L, 0,
	  0 } }, " PONG[unsolicited]" },
	{ "2.9 pong then ping", { { 1, 0, OP_PO, "a", L, 0, 0 },
	  { 1, 0, OP_PI, "b", L, 0, 0 } }, " PONG[a] PING[b]" },
	{ "2.10 pings", { { 1, 0, OP_PI, "1", L, 0, 0 },
	  { 1, 0, OP_PI, "2", L, 0, 0 }, { 1, 0, OP_PI, "3", L, 0, 0 },
	  { 1, 0, OP_PI, "4", L, 0, 0 }, { 1, 0, OP_PI, "5", L, 0, 0 },
	  { 1, 0, OP_PI, "6", L, 0, 0 }, { 1, 0, OP_PI, "7", L, 0, 0 },
	  { 1, 0, OP_PI, "8", L, 0, 0 } },
	  " PING[1] PING[2] PING[3] PING[4] PING[5] PING[6] PING[7] PING[8]" },
	/* 1 framing extras */
	{ "1.3 text after binary", { { 1, 0, OP_B, "\x01", 1, 0, 0 },
	  { 1, 0, OP_T, "ok", L, 0, 0 } }, " B[\\x01] T[ok]" },
	{ "1.4 64-bit length for 5 bytes", { { 1, 0, OP_T, "Hello", L, 64,
	  0 } }, " T[Hello]" },
	{ "1.5 unmasked client frame", { { 1, 0, OP_T, "Hello", L, 0, 1 } },
	  E_UNMASKED },
	{ "1.6 unmasked ping", { { 1, 0, OP_PI, "", L, 0, 1 } },
	  E_UNMASKED },
	{ "1.7 partial frame", { { 1, 0, OP_T, "Hello", L, 0, 0 },
	  { 0, 0, OP_B, "abc", L, 0, 0 } }, " T[Hello] +" },
	/* 3 reserved bits */
	{ "3.1 rsv1 text", { { 1, 1, OP_T, "Hello", L, 0, 0 } }, E_RSV },
	{ "3.2 rsv2 after text", { { 1, 0, OP_T, "Hello", L, 0, 0 },
	  { 1, 2, OP_T, "Hello", L, 0, 0 }, { 1, 0, OP_PI, "", L, 0, 0 } },
	  " T[Hello]" E_RSV },
	{ "3.3 rsv3 after text", { { 1, 0, OP_T, "Hello", L, 0, 0 },
	  { 1, 3, OP_T, "Hello", L, 0, 0 }, { 1, 0, OP_PI, "", L, 0, 0 } },
	  " T[Hello]" E_RSV },
	{ "3.4 rsv4", { { 1, 4, OP_T, "Hello", L, 0, 0 } }, E_RSV },
	{ "3.5 rsv5 binary", { { 1, 5, OP_B, "\xff", 1, 0, 0 } }, E_RSV },
	{ "3.6 rsv6 ping", { { 1, 6, OP_PI, "Hello", L, 0, 0 } }, E_RSV },
	{ "3.7 rsv7 close", { { 1, 7, OP_X, "\x03\xe8", 2, 0, 0 } }, E_RSV },
	{ "3.8 rsv1 continuation", { { 0, 0, OP_T, "a", L, 0, 0 },
	  { 1, 1, OP_C, "b", L, 0, 0 } }, E_RSV },
	/* 4 opcodes (more in test_opcodes) */
	{ "4.1.1 opcode 3", { { 1, 0, 3, "", L, 0, 0 } }, E_OPCODE },
	{ "4.1.2 opcode 4 after text", { { 1, 0, OP_T, "Hello", L, 0, 0 },
	  { 1, 0, 4, "reserved", L, 0, 0 }, { 1, 0, OP_PI, "", L, 0, 0 } },
	  " T[Hello]" E_OPCODE },
	{ "4.2.1 opcode 11", { { 1, 0, 11, "", L, 0, 0 } }, E_OPCODE },
	{ "4.2.5 opcode 15 after text", { { 1, 0, OP_T, "Hello", L, 0, 0 },
	  { 1, 0, 15, "reserved", L, 0, 0 }, { 1, 0, OP_PI, "", L, 0, 0 } },
	  " T[Hello]" E_OPCODE },
	/* 5 fragmentation */
	{ "5.1 fragmented ping", { { 0, 0, OP_PI, "frag1", L, 0, 0 },
	  { 1, 0, OP_C, "frag2", L, 0, 0 } }, E_CTL_FRAG },
	{ "5.2 fragmented pong", { { 0, 0, OP_PO, "frag1", L, 0, 0 },
	  { 1, 0, OP_C, "frag2", L, 0, 0 } }, E_CTL_FRAG },
	{ "5.3 text in two", { { 0, 0, OP_T, "frag1", L, 0, 0 },
	  { 1, 0, OP_C, "frag2", L, 0, 0 } }, " T[frag1frag2]" },
	{ "5.4 text first fragment only", { { 0, 0, OP_T, "frag1", L, 0,
	  0 } }, " +" },
	{ "5.6 ping inside text", { { 0, 0, OP_T, "frag1", L, 0, 0 },
	  { 1, 0, OP_PI, "ping", L, 0, 0 }, { 1, 0, OP_C, "frag2", L, 0,
	  0 } }, " PING[ping] T[frag1frag2]" },
	{ "5.7 pong and close inside text", { { 0, 0, OP_T, "a", L, 0, 0 },
	  { 1, 0, OP_PO, "x", L, 0, 0 }, { 1, 0, OP_C, "b", L, 0, 0 },
	  { 1, 0, OP_X, "\x03\xe8", 2, 0, 0 } },
	  " PONG[x] T[ab] CLOSE(1000[])" },
	{ "5.9 continuation fin without start", { { 1, 0, OP_C, "x", L, 0,
	  0 }, { 1, 0, OP_T, "Hello", L, 0, 0 } }, E_NOSTART },
	{ "5.10 continuation without start", { { 0, 0, OP_C, "x", L, 0,
	  0 }, { 1, 0, OP_T, "Hello", L, 0, 0 } }, E_NOSTART },
	{ "5.12 after a message", { { 1, 0, OP_T, "a", L, 0, 0 },
	  { 1, 0, OP_C, "b", L, 0, 0 } }, " T[a]" E_NOSTART },
	{ "5.15 message then stray fragments", { { 0, 0, OP_T,
	  "fragment1", L, 0, 0 }, { 1, 0, OP_C, "fragment2", L, 0, 0 },
	  { 0, 0, OP_C, "fragment3", L, 0, 0 }, { 1, 0, OP_T, "fragment4",
	  L, 0, 0 } }, " T[fragment1fragment2]" E_NOSTART },
	{ "5.18 text inside text", { { 0, 0, OP_T, "a", L, 0, 0 },
	  { 1, 0, OP_T, "b", L, 0, 0 } }, E_NOCONT },
	{ "5.18b binary inside text", { { 0, 0, OP_T, "a", L, 0, 0 },
	  { 1, 0, OP_B, "b", L, 0, 0 } }, E_NOCONT },
	{ "5.19 pings between fragments", { { 0, 0, OP_T, "fragment1", L, 0,
	  0 }, { 0, 0, OP_C, "fragment2", L, 0, 0 }, { 1, 0, OP_PI,
	  "pongme 1!", L, 0, 0 }, { 0, 0, OP_C, "fragment3", L, 0, 0 },
	  { 0, 0, OP_C, "fragment4", L, 0, 0 }, { 1, 0, OP_PI, "pongme 2!",
	  L, 0, 0 }, { 1, 0, OP_C, "fragment5", L, 0, 0 } },
	  " PING[pongme 1!] PING[pongme 2!] "
	  "T[fragment1fragment2fragment3fragment4fragment5]" },
	{ "5.x empty fragments", { { 0, 0, OP_T, "", L, 0, 0 },
	  { 0, 0, OP_C, "", L, 0, 0 }, { 1, 0, OP_C, "", L, 0, 0 } },
	  " T[]" },
	{ "5.x binary in three", { { 0, 0, OP_B, "\x00", 1, 0, 0 },
	  { 0, 0, OP_C, "\x01", 1, 0, 0 }, { 1, 0, OP_C, "\x02", 1, 0, 0 },
	  { 1, 0, OP_B, "z", L, 0, 0 } }, " B[\\x00\\x01\\x02] B[z]" },
	{ "5.x utf-8 split across fragments", { { 0, 0, OP_T, "\xce", 1, 0,
	  0 }, { 1, 0, OP_PI, "", L, 0, 0 }, { 1, 0, OP_C, "\xba", 1, 0,
	  0 } }, " PING[] T[\\xce\\xba]" },
	{ "5.x text ends inside a character", { { 0, 0, OP_T, "a", L, 0,
	  0 }, { 1, 0, OP_C, "\xce", 1, 0, 0 } }, E_UTF8 },
	{ "6.4 fail fast inside a fragmented message", { { 0, 0, OP_T,
	  "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80",
	  L, 0, 0 } }, E_UTF8 },
	/* 7 close handling */
	{ "7.1.1 text then close", { { 1, 0, OP_T, "Hello", L, 0, 0 },
	  { 1, 0, OP_X, "\x03\xe8", 2, 0, 0 } }, " T[Hello] CLOSE(1000[])" },
	{ "7.1.2 close twice", { { 1, 0, OP_X, "\x03\xe8", 2, 0, 0 },
	  { 1, 0, OP_X, "\x03\xe8", 2, 0, 0 } }, " CLOSE(1000[])" E_AFTER },
	{ "7.1.3 ping after close", { { 1, 0, OP_X, "", L, 0, 0 },
	  { 1, 0, OP_PI, "", L, 0, 0 } }, " CLOSE()" E_AFTER },
	{ "7.1.4 text after close", { { 1, 0, OP_X, "", L, 0, 0 },
	  { 1, 0, OP_T, "x", L, 0, 0 } }, " CLOSE()" E_AFTER },
	{ "7.1.5 close inside fragmented text", { { 0, 0, OP_T, "frag",
	  L, 0, 0 }, { 1, 0, OP_X, "\x03\xe8", 2, 0, 0 }, { 1, 0, OP_C,
	  "x", L, 0, 0 } }, " CLOSE(1000[])" E_AFTER },
	{ "7.3.1 close without payload", { { 1, 0, OP_X, "", L, 0, 0 } },
	  " CLOSE()" },
	{ "7.3.2 close with one byte", { { 1, 0, OP_X, "a", L, 0, 0 } },
	  E_CLOSE_PL },
	{ "7.3.3 close with code", { { 1, 0, OP_X, "\x03\xe8", 2, 0, 0 } },
	  " CLOSE(1000[])" },
	{ "7.3.4 close with reason", { { 1, 0, OP_X, "\x03\xe8Hello World!",
	  14, 0, 0 } }, " CLOSE(1000[Hello World!])" },
	{ "7.3.6 close with 124-byte reason", { { 1, 0, OP_X, p126, L, 0,
	  0 } }, E_CTL_LONG },
	{ "7.5.1 close reason not utf-8", { { 1, 0, OP_X, "\x03\xe8\xce\xba"
	  "\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74"
	  "\x65\x64", 22, 0, 0 } }, E_REASON },
	{ "7.5.2 close reason cut in a character", { { 1, 0, OP_X,
	  "\x03\xe8\xce", 3, 0, 0 } }, E_REASON },
	{ "7.x close reason utf-8", { { 1, 0, OP_X, "\x0f\xa0\xce\xba\xe1"
	  "\xbd\xb9", 7, 0, 0 } }, " CLOSE(4000[\\xce\\xba\\xe1\\xbd\\xb9])" },
	{ "7.x fragmented close", { { 0, 0, OP_X, "", L, 0, 0 } },
	  E_CTL_FRAG },
};

/* Run the table. */
static void
test_cases(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (cases[i].c_want != NULL)
			check_case(&cases[i], WS_ROLE_SERVER, NULL);
}

/* 4: every reserved opcode, alone and after a valid message. */
static void
test_opcodes(void)
{
	struct wt_case	 c;
	char		 name[64];
	int		 op;

	for (op = 0; op < 16; op++) {
		if (op <= 2 || (op >= 8 && op <= 10))
			continue;
		memset(&c, 0, sizeof(c));
		snprintf(name, sizeof(name), "4 opcode %d", op);
		c.c_name = name;
		c.c_f[0] = (struct wt_frame){ 1, 0, OP_T, "Hello", L, 0, 0 };
		c.c_f[1] = (struct wt_frame){ 1, 0, op, "", L, 0, 0 };
		c.c_f[2] = (struct wt_frame){ 1, 0, OP_PI, "", L, 0, 0 };
		c.c_want = " T[Hello]" E_OPCODE;
		check_case(&c, WS_ROLE_SERVER, NULL);
		c.c_f[1].f_fin = 0;
		check_case(&c, WS_ROLE_SERVER, NULL);
	}
}

/* 3: every reserved bit combination on every frame type. */
static void
test_rsv(void)
{
	static const int ops[] = { OP_T, OP_B, OP_PI, OP_PO, OP_X };
	struct wt_case	 c;
	char		 name[64];
	size_t		 i;
	int		 rsv;

	for (rsv = 1; rsv < 8; rsv++)
		for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
			memset(&c, 0, sizeof(c));
			snprintf(name, sizeof(name), "3 rsv %d op %d", rsv,
			    ops[i]);
			c.c_name = name;
			c.c_f[0] = (struct wt_frame){ 1, 0, OP_PI, "p", L, 0,
			    0 };
			c.c_f[1] = (struct wt_frame){ 1, rsv, ops[i], "", L, 0,
			    0 };
			c.c_want = " PING[p]" E_RSV;
			check_case(&c, WS_ROLE_SERVER, NULL);
		}
}

#define E_RSV1_CTL	" ERR 1002 compressed bit on a control frame"
#define E_RSV1_CONT	" ERR 1002 compressed bit on a continuation frame"
#define HELLO_Z		"\xf2\x48\xcd\xc9\xc9\x07\x00"
#define HELLO_ZT	"[\\xf2H\\xcd\\xc9\\xc9\\x07\\x00]"

/*
 * RFC 7692 6 with WS_PARSE_RSV1: RSV1 on the first frame of a data
 * message marks it compressed; anywhere else it is still an error, and
 * RSV2/RSV3 always are.  Compressed text is not checked as UTF-8.
 */
static void
test_rsv1(void)
{
	static const struct wt_case rsv1_cases[] = {
		{ "rsv1 text", { { 1, 4, OP_T, HELLO_Z, 7, 0, 0 } },
		  " Tz" HELLO_ZT },
		{ "rsv1 binary", { { 1, 4, OP_B, HELLO_Z, 7, 0, 0 } },
		  " Bz" HELLO_ZT },
		{ "rsv1 empty", { { 1, 4, OP_T, "", L, 0, 0 } }, " Tz[]" },
		{ "rsv1 invalid utf-8 is not checked",
		  { { 1, 4, OP_T, "\xff\xfe", L, 0, 0 } }, " Tz[\\xff\\xfe]" },
		{ "rsv1 fragmented with a ping",
		  { { 0, 4, OP_T, "\xf2\x48", L, 0, 0 },
		    { 1, 0, OP_PI, "p", L, 0, 0 },
		    { 0, 0, OP_C, "\xcd\xc9", L, 0, 0 },
		    { 1, 0, OP_C, "\xc9\x07\x00", 3, 0, 0 } },
		  " PING[p] Tz" HELLO_ZT },
		{ "compressed then plain",
		  { { 1, 4, OP_T, HELLO_Z, 7, 0, 0 },
		    { 1, 0, OP_T, "Hello", L, 0, 0 },
		    { 0, 0, OP_B, "a", L, 0, 0 },
		    { 1, 0, OP_C, "b", L, 0, 0 } },
		  " Tz" HELLO_ZT " T[Hello] B[ab]" },
		{ "plain text still checked",
		  { { 1, 4, OP_T, HELLO_Z, 7, 0, 0 },
		    { 1, 0, OP_T, "\xff", L, 0, 0 } },
		  " Tz" HELLO_ZT E_UTF8 },
		{ "rsv1 continuation",
		  { { 0, 4, OP_T, "\xf2", L, 0, 0 },
		    { 1, 4, OP_C, "\x00", 1, 0, 0 } }, E_RSV1_CONT },
		{ "rsv1 continuation of plain",
		  { { 0, 0, OP_T, "a", L, 0, 0 },
		    { 1, 4, OP_C, "b", L, 0, 0 } }, E_RSV1_CONT },
		{ "rsv1 ping", { { 1, 4, OP_PI, "", L, 0, 0 } }, E_RSV1_CTL },
		{ "rsv1 pong", { { 1, 4, OP_PO, "", L, 0, 0 } }, E_RSV1_CTL },
		{ "rsv1 close", { { 1, 4, OP_X, "\x03\xe8", L, 0, 0 } },
		  E_RSV1_CTL },
		{ "rsv1 ping inside",
		  { { 0, 4, OP_T, "\xf2", L, 0, 0 },
		    { 1, 4, OP_PI, "", L, 0, 0 } }, E_RSV1_CTL },
		{ "rsv2", { { 1, 2, OP_T, "a", L, 0, 0 } }, E_RSV },
		{ "rsv3", { { 1, 1, OP_T, "a", L, 0, 0 } }, E_RSV },
		{ "rsv1+rsv2", { { 1, 6, OP_T, "a", L, 0, 0 } }, E_RSV },
		{ "rsv1+rsv3 binary", { { 1, 5, OP_B, "a", L, 0, 0 } },
		  E_RSV },
		{ "rsv1 reserved opcode", { { 1, 4, 3, "", L, 0, 0 } },
		  E_OPCODE },
	};
	static const char hello_z[] = HELLO_Z;
	struct buf	 b;
	size_t		 i, j;
	char		*t;

	buf_init(&b, 0);
	for (i = 0; i < sizeof(rsv1_cases) / sizeof(rsv1_cases[0]); i++) {
		buf_reset(&b);
		for (j = 0; j < 8 && rsv1_cases[i].c_f[j].f_pl != NULL; j++)
			wt_encode(&b, &rsv1_cases[i].c_f[j]);
		check_all_flags(rsv1_cases[i].c_name, WS_ROLE_SERVER, NULL,
		    WS_PARSE_RSV1, (uint8_t *)b.bf_data, b.bf_len,
		    rsv1_cases[i].c_want);
		/* Without the option, RSV1 is refused as before. */
		if (rsv1_cases[i].c_f[0].f_rsv == 4) {
			t = wt_run(WS_ROLE_SERVER, 0, NULL,
			    (uint8_t *)b.bf_data, b.bf_len, 0, 0);
			CHECK_MSG(strcmp(t, E_RSV) == 0, "%s: \"%s\"",
			    rsv1_cases[i].c_name, t);
			free(t);
		}
	}

	/* RFC 7692 7.2.3.1: the server's compressed "Hello" frame. */
	buf_reset(&b);
	CHECK_INT(ws_frame_build(&b, WS_ROLE_SERVER, WS_OP_TEXT |
	    WS_FRAME_RSV1, 1, HELLO_Z, 7), 0);
	CHECK(b.bf_len == 9 && memcmp(b.bf_data, "\xc1\x07" HELLO_Z, 9) == 0);
	t = wt_run(WS_ROLE_CLIENT, WS_PARSE_RSV1, NULL, (uint8_t *)b.bf_data,
	    b.bf_len, 0, 0);
	CHECK_STR(t, " Tz" HELLO_ZT);
	free(t);
	/* Fragmented: RSV1 on the first frame only (7.2.3.1). */
	buf_reset(&b);
	CHECK_INT(ws_frame_build(&b, WS_ROLE_CLIENT, WS_OP_BINARY |
	    WS_FRAME_RSV1, 0, HELLO_Z, 3), 0);
	CHECK_INT(ws_frame_build(&b, WS_ROLE_CLIENT, WS_OP_CONT, 1,
	    &hello_z[3], 4), 0);
	CHECK((uint8_t)b.bf_data[0] == 0x42);
	t = wt_run(WS_ROLE_SERVER, WS_PARSE_RSV1, NULL, (uint8_t *)b.bf_data,
	    b.bf_len, 0, 0);
	CHECK_STR(t, " Bz" HELLO_ZT);
	free(t);
	/* Never on continuation or control frames. */
	CHECK_INT(ws_frame_build(&b, WS_ROLE_SERVER, WS_OP_CONT |
	    WS_FRAME_RSV1, 1, "", 0), -1);
	CHECK_INT(ws_frame_build(&b, WS_ROLE_SERVER, WS_OP_PING |
	    WS_FRAME_RSV1, 1, "", 0), -1);
	CHECK_INT(ws_frame_build(&b, WS_ROLE_SERVER, WS_OP_CLOSE |
	    WS_FRAME_RSV1, 1, "", 0), -1);
	buf_free(&b);
}

/* 2.4 needs its expected transcript computed. */
static void
test_ping125(void)
{
	struct wt_case	 c;
	char		*want;

	memset(&c, 0, sizeof(c));
	c.c_name = "2.4 ping 125 bytes";
	c.c_f[0] = (struct wt_frame){ 1, 0, OP_PI, p125, L, 0, 0 };
	c.c_want = want = want_payload(" PING", p125, 125);
	check_case(&c, WS_ROLE_SERVER, NULL);
	c.c_f[0].f_op = OP_PO;
	memcpy(want + 1, "PONG", 4);
	check_case(&c, WS_ROLE_SERVER, NULL);
	free(want);
}

/* 7.7 and 7.9: every close status, each accepted or refused. */
static void
test_close_codes(void)
{
	static const uint16_t	 ok[] = { 1000, 1001, 1002, 1003, 1007, 1008,
	    1009, 1010, 1011, 3000, 3999, 4000, 4999 };
	static const uint16_t	 bad[] = { 0, 1, 999, 1004, 1005, 1006, 1012,
	    1013, 1014, 1015, 1016, 1100, 2000, 2999, 5000, 65535 };
	struct wt_case		 c;
	char			 name[64], pl[2], want[64];
	size_t			 i;
	unsigned		 code, wrong = 0;
	int			 v;

	memset(&c, 0, sizeof(c));
	c.c_name = name;
	c.c_f[0] = (struct wt_frame){ 1, 0, OP_X, pl, 2, 0, 0 };
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(name, sizeof(name), "7.7 code %u", ok[i]);
		pl[0] = (char)(ok[i] >> 8);
		pl[1] = (char)ok[i];
		snprintf(want, sizeof(want), " CLOSE(%u[])", ok[i]);
		c.c_want = want;
		check_case(&c, WS_ROLE_SERVER, NULL);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "7.9 code %u", bad[i]);
		pl[0] = (char)(bad[i] >> 8);
		pl[1] = (char)bad[i];
		c.c_want = E_CLOSE_CODE;
		check_case(&c, WS_ROLE_SERVER, NULL);
	}
	for (code = 0; code <= 65535; code++) {
		v = (code >= 1000 && code <= 1003) ||
		    (code >= 1007 && code <= 1011) ||
		    (code >= 3000 && code <= 4999);
		if (ws_close_code_valid((uint16_t)code) != v)
			wrong++;
	}
	CHECK_INT(wrong, 0);
}

/* Frames for a client must be unmasked; masked ones are refused. */
static void
test_roles(void)
{
	struct wt_case	 c;

	memset(&c, 0, sizeof(c));
	c.c_name = "client gets unmasked";
	c.c_f[0] = (struct wt_frame){ 1, 0, OP_T, "Hello", L, 0, 1 };
	c.c_f[1] = (struct wt_frame){ 1, 0, OP_PI, "x", L, 0, 1 };
	c.c_want = " T[Hello] PING[x]";
	check_case(&c, WS_ROLE_CLIENT, NULL);
	c.c_name = "client gets masked";
	c.c_f[1].f_unmasked = 0;
	c.c_want = " T[Hello]" E_MASKED;
	check_case(&c, WS_ROLE_CLIENT, NULL);
}

/* The examples of RFC 6455 section 5.7, parsed and built. */
static void
test_rfc_examples(void)
{
	static const uint8_t	 unmasked[] = { 0x81, 0x05, 0x48, 0x65, 0x6c,
	    0x6c, 0x6f };
	static const uint8_t	 masked[] = { 0x81, 0x85, 0x37, 0xfa, 0x21,
	    0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	static const uint8_t	 frag[] = { 0x01, 0x03, 0x48, 0x65, 0x6c,
	    0x80, 0x02, 0x6c, 0x6f };
	static const uint8_t	 ping[] = { 0x89, 0x05, 0x48, 0x65, 0x6c,
	    0x6c, 0x6f };
	static const uint8_t	 pong[] = { 0x8a, 0x85, 0x37, 0xfa, 0x21,
	    0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	static const uint8_t	 h256[] = { 0x82, 0x7e, 0x01, 0x00 };
	static const uint8_t	 h64k[] = { 0x82, 0x7f, 0, 0, 0, 0, 0, 1,
	    0, 0 };
	uint8_t			 hdr[WS_HEADER_MAX], *big;
	struct buf		 b;
	size_t			 hl;
	char			*want;

	check_all("5.7 unmasked Hello", WS_ROLE_CLIENT, NULL, unmasked,
	    sizeof(unmasked), " T[Hello]");
	check_all("5.7 masked Hello", WS_ROLE_SERVER, NULL, masked,
	    sizeof(masked), " T[Hello]");
	check_all("5.7 fragmented Hello", WS_ROLE_CLIENT, NULL, frag,
	    sizeof(frag), " T[Hello]");
	check_all("5.7 ping", WS_ROLE_CLIENT, NULL, ping, sizeof(ping),
	    " PING[Hello]");
	check_all("5.7 masked pong", WS_ROLE_SERVER, NULL, pong, sizeof(pong),
	    " PONG[Hello]");
	big = calloc(1, 65536 + 10);
	memcpy(big, h256, 4);
	want = want_payload(" B", big + 4, 256);
	check_all("5.7 256 bytes", WS_ROLE_CLIENT, NULL, big, 256 + 4, want);
	free(want);
	memset(big, 0, 65536 + 10);
	memcpy(big, h64k, 10);
	want = want_payload(" B", big + 10, 65536);
	check_all("5.7 64 KiB", WS_ROLE_CLIENT, NULL, big, 65536 + 10, want);
	free(want);
	free(big);

	/* The builder gives the same bytes. */
	CHECK(ws_frame_header(hdr, &hl, WS_OP_TEXT, 1, 5, wt_key) == 0);
	CHECK(hl == 6 && memcmp(hdr, masked, 6) == 0);
	CHECK(ws_frame_header(hdr, &hl, WS_OP_BINARY, 1, 256, NULL) == 0);
	CHECK(hl == 4 && memcmp(hdr, h256, 4) == 0);
	CHECK(ws_frame_header(hdr, &hl, WS_OP_BINARY, 1, 65536, NULL) == 0);
	CHECK(hl == 10 && memcmp(hdr, h64k, 10) == 0);
	CHECK(ws_frame_header(hdr, &hl, WS_OP_BINARY, 1, 65535, NULL) == 0);
	CHECK(hl == 4 && hdr[1] == 126 && hdr[2] == 0xff && hdr[3] == 0xff);
	CHECK(ws_frame_header(hdr, &hl, WS_OP_BINARY, 1, 125, NULL) == 0);
	CHECK(hl == 2 && hdr[1] == 125);
	CHECK(ws_frame_header(hdr, &hl, WS_OP_BINARY, 1, 126, NULL) == 0);
	CHECK(hl == 4 && hdr[1] == 126 && hdr[3] == 126);
	buf_init(&b, 0);
	CHECK(ws_frame_build(&b, WS_ROLE_SERVER, WS_OP_TEXT, 1, "Hello",
	    5) == 0);
	CHECK(b.bf_len == sizeof(unmasked) &&
	    memcmp(b.bf_data, unmasked, b.bf_len) == 0);
	buf_reset(&b);
	CHECK(ws_frame_build(&b, WS_ROLE_SERVER, WS_OP_TEXT, 0, "Hel", 3) ==
	    0);
	CHECK(ws_frame_build(&b, WS_ROLE_SERVER, WS_OP_CONT, 1, "lo", 2) ==
	    0);
	CHECK(b.bf_len == sizeof(frag) &&
	    memcmp(b.bf_data, frag, b.bf_len) == 0);
	buf_reset(&b);
	CHECK(ws_frame_build(&b, WS_ROLE_SERVER, WS_OP_PING, 1, "Hello",
	    5) == 0);
	CHECK(b.bf_len == sizeof(ping) &&
	    memcmp(b.bf_data, ping, b.bf_len) == 0);
	buf_free(&b);
}

/*
 * Client keys come from a pool refilled WS_KEY_POOL bytes at a time:
 * consecutive frames get different keys, and the keys after a refill are
 * new ones (a pool that wrapped around would repeat the first batch).
 * Empty frames are 6 bytes: header, length, the 4-byte key.
 */
static void
test_key_pool(void)
{
	struct buf	 b;
	size_t		 i, n = 3 * (WS_KEY_POOL / 4) + 7, same = 0, wrap = 0;
	const uint8_t	*k;

	buf_init(&b, 0);
	for (i = 0; i < n; i++)
		if (ws_frame_build(&b, WS_ROLE_CLIENT, WS_OP_BINARY, 1, "",
		    0) != 0)
			break;
	CHECK_INT(i, n);
	CHECK_INT(b.bf_len, n * 6);
	k = (const uint8_t *)b.bf_data + 2;
	for (i = 0; i + 1 < n; i++)
		if (memcmp(k + i * 6, k + (i + 1) * 6, 4) == 0)
			same++;
	/* each key against the one a pool's length later (across a refill) */
	for (i = 0; i + WS_KEY_POOL / 4 < n; i++)
		if (memcmp(k + i * 6, k + (i + WS_KEY_POOL / 4) * 6, 4) == 0)
			wrap++;
	CHECK_MSG(same <= 1, "consecutive masking keys repeat");
	CHECK_MSG(wrap <= 1, "masking keys repeat after a pool refill");
	for (i = 0; i < n; i++)
		if ((uint8_t)b.bf_data[i * 6 + 1] != 0x80)
			break;
	CHECK_INT(i, n);
	buf_free(&b);
}

/* The builder: client masking with fresh keys, refusals, close frames. */
static void
test_builder(void)
{
	struct buf	 b;
	uint8_t		 hdr[WS_HEADER_MAX], p[200];
	size_t		 hl, i;
	char		*t;
	int		 same = 0;

	buf_init(&b, 0);
	for (i = 0; i < 8; i++)
		CHECK(ws_frame_build(&b, WS_ROLE_CLIENT, WS_OP_TEXT, 1,
		    "Hello", 5) == 0);
	CHECK_INT(b.bf_len, 8 * 11);
	for (i = 1; i < 8; i++)
		if (memcmp(b.bf_data + 2, b.bf_data + i * 11 + 2, 4) == 0)
			same++;
	CHECK_MSG(same == 0, "masking keys repeat");
	CHECK((uint8_t)b.bf_data[1] == 0x85);
	CHECK(memcmp(b.bf_data + 6, "Hello", 5) != 0);
	t = wt_run(WS_ROLE_SERVER, 0, NULL, (uint8_t *)b.bf_data, b.bf_len,
	    0, 0);
	CHECK_STR(t, " T[Hello] T[Hello] T[Hello] T[Hello] T[Hello] T[Hello]"
	    " T[Hello] T[Hello]");
	free(t);

	/* Refused: control too long or fragmented, reserved opcode. */
	memset(p, 'x', sizeof(p));
	buf_reset(&b);
	CHECK(ws_frame_build(&b, WS_ROLE_SERVER, WS_OP_PING, 1, p, 126) ==
	    -1);
	CHECK(ws_frame_build(&b, WS_ROLE_SERVER, WS_OP_PING, 1, p, 125) == 0);
	CHECK(ws_frame_build(&b, WS_ROLE_SERVER, WS_OP_CLOSE, 0, p, 2) == -1);
	CHECK(ws_frame_build(&b, WS_ROLE_SERVER, 3, 1, p, 2) == -1);
	CHECK(ws_frame_header(hdr, &hl, WS_OP_BINARY, 1, 1ULL << 63, NULL) ==
	    -1);
	CHECK_INT(b.bf_len, 127);

	/* Close frames. */
	buf_reset(&b);
	CHECK(ws_close_build(&b, WS_ROLE_SERVER, 0, NULL, 0) == 0);
	CHECK(b.bf_len == 2 && memcmp(b.bf_data, "\x88\x00", 2) == 0);
	buf_reset(&b);
	CHECK(ws_close_build(&b, WS_ROLE_SERVER, 1000, "bye", 3) == 0);
	CHECK(b.bf_len == 7 && memcmp(b.bf_data, "\x88\x05\x03\xe8" "bye",
	    7) == 0);
	CHECK(ws_close_build(&b, WS_ROLE_SERVER, 1000, (char *)p, 124) == -1);
	CHECK(ws_close_build(&b, WS_ROLE_SERVER, 1000, "\xc3", 1) == -1);
	CHECK(ws_close_build(&b, WS_ROLE_SERVER, 1000, (char *)p, 123) == 0);
	CHECK_INT(b.bf_len, 7 + 127);
	buf_reset(&b);
	CHECK(ws_close_build(&b, WS_ROLE_CLIENT, 1001, "", 0) == 0);
	t = wt_run(WS_ROLE_SERVER, 0, NULL, (uint8_t *)b.bf_data, b.bf_len,
	    1, 0);
	CHECK_STR(t, " CLOSE(1001[])");
	free(t);
	buf_free(&b);
}

/* Word-at-a-time masking equals the byte loop at every alignment. */
static void
test_mask(void)
{
	uint8_t		 a[128], b[128];
	size_t		 len, off, al, i;
	unsigned	 wrong = 0;

	for (al = 0; al < 8; al++)
		for (off = 0; off < 4; off++)
			for (len = 0; len + al <= 100; len++) {
				for (i = 0; i < sizeof(a); i++)
					a[i] = b[i] = (uint8_t)(i * 7 + 3);
				ws_mask(a + al, len, wt_key, off);
				for (i = 0; i < len; i++)
					b[al + i] ^= wt_key[(off + i) & 3];
				if (memcmp(a, b, sizeof(a)) != 0)
					wrong++;
			}
	CHECK_INT(wrong, 0);
}

/* Events point into the caller's input when no copy is needed. */
static void
test_zero_copy(void)
{
	struct ws_parser	 p;
	struct ws_event		 ev;
	struct buf		 b;
	struct wt_frame		 f = { 1, 0, OP_B, "abcdefgh", L, 0, 0 };
	size_t			 used;
	uint8_t			*in;

	buf_init(&b, 0);
	wt_encode(&b, &f);
	in = (uint8_t *)b.bf_data;
	ws_parser_init(&p, WS_ROLE_SERVER, NULL, 0);
	CHECK_INT(ws_parse(&p, in, b.bf_len, &used, &ev), WS_OK);
	CHECK(ev.we_type == WS_EV_BINARY && ev.we_data == in + 6 &&
	    ev.we_len == 8 && memcmp(ev.we_data, "abcdefgh", 8) == 0);
	CHECK_INT(used, b.bf_len);
	CHECK_INT(ws_parse(&p, in + used, 0, &used, &ev), WS_NEED_MORE);
	ws_parser_free(&p);

	/* Streaming: pieces point into the input as they arrive. */
	buf_reset(&b);
	wt_encode(&b, &f);
	in = (uint8_t *)b.bf_data;
	ws_parser_init(&p, WS_ROLE_SERVER, NULL, WS_PARSE_STREAM);
	CHECK_INT(ws_parse(&p, in, 9, &used, &ev), WS_OK);
	CHECK(ev.we_type == WS_EV_BINARY_PART && ev.we_data == in + 6 &&
	    ev.we_len == 3 && !ev.we_final);
	CHECK_INT(ws_parse(&p, in + 9, b.bf_len - 9, &used, &ev), WS_OK);
	CHECK(ev.we_type == WS_EV_BINARY_PART && ev.we_data == in + 9 &&
	    ev.we_len == 5 && ev.we_final &&
	    memcmp(ev.we_data, "defgh", 5) == 0);
	ws_parser_free(&p);
	buf_free(&b);
}

/*
 * max_buffered: a message being reassembled is charged to the budget
 * before each copy; a charge refused is WS_ERR_BUDGET (close 1009), and
 * a finished message gives its charge back on the next call.
 */
static void
test_budget(void)
{
	static char		 pl[40000];
	struct ws_parser	 p;
	struct ws_event		 ev;
	struct budget		 b;
	struct budget_hold	 h = { 0 }, other = { 0 };
	struct buf		 in;
	struct wt_frame		 f1 = { 0, 0, OP_B, pl, 30000, 0, 0 };
	struct wt_frame		 f2 = { 1, 0, OP_C, pl, 30000, 0, 0 };
	size_t			 used;

	memset(pl, 'x', sizeof(pl));
	buf_init(&in, 0);
	wt_encode(&in, &f1);
	wt_encode(&in, &f2);
	/* 128 KiB - 16 KiB (reserve) = 112 KiB for large holders */
	budget_init(&b, 128 * 1024);
	ws_parser_init(&p, WS_ROLE_SERVER, NULL, 0);
	ws_parser_budget(&p, &b, &h);
	CHECK_INT(ws_parse(&p, (uint8_t *)in.bf_data, in.bf_len, &used, &ev),
	    WS_OK);
	CHECK(ev.we_type == WS_EV_BINARY && ev.we_len == 60000);
	CHECK_INT(h.bh_bytes, 60000);
	CHECK_INT(b.bg_used, 60000);
	CHECK_INT(ws_parse(&p, NULL, 0, &used, &ev), WS_NEED_MORE);
	/* released, but for the buffer kept for the next message */
	CHECK_INT(h.bh_bytes, 65536);
	CHECK_INT(p.wp_msg.bf_cap, 65536);
	CHECK_INT(b.bg_used, 65536);

	/* Another holder has 16 KiB: the second fragment passes 112 KiB. */
	CHECK_INT(budget_charge(&b, &other, 16 * 1024), 0);
	buf_reset(&in);
	wt_encode(&in, &f1);
	wt_encode(&in, &f2);
	CHECK_INT(ws_parse(&p, (uint8_t *)in.bf_data, in.bf_len, &used, &ev),
	    WS_ERR_BUDGET);
	CHECK_INT(ws_err_close_code(WS_ERR_BUDGET), 1009);
	CHECK_INT(h.bh_bytes, 65536 + 30000);	/* the first fragment only */
	CHECK_INT(b.bg_refused, 1);
	ws_parser_free(&p);
	CHECK_INT(h.bh_bytes, 0);
	CHECK_INT(b.bg_used, 16 * 1024);
	/* Streaming reassembles nothing and charges nothing. */
	ws_parser_init(&p, WS_ROLE_SERVER, NULL, WS_PARSE_STREAM);
	ws_parser_budget(&p, &b, &h);
	buf_reset(&in);
	wt_encode(&in, &f1);
	CHECK_INT(ws_parse(&p, (uint8_t *)in.bf_data, in.bf_len, &used, &ev),
	    WS_OK);
	CHECK_INT(h.bh_bytes, 0);
	ws_parser_free(&p);
	buf_free(&in);
}

/* 6.4: invalid UTF-8 fails as soon as the bad byte arrives. */
static void
test_fail_fast(void)
{
	struct ws_parser	 p;
	struct ws_event		 ev;
	struct buf		 b;
	char			 pl[100];
	struct wt_frame		 f = { 1, 0, OP_T, pl, 100, 0, 0 };
	size_t			 used, off = 0;
	int			 r = WS_NEED_MORE;

	memset(pl, 'a', sizeof(pl));
	pl[10] = (char)0xc0;
	buf_init(&b, 0);
	wt_encode(&b, &f);
	ws_parser_init(&p, WS_ROLE_SERVER, NULL, 0);
	/* Header (6 bytes) and 11 payload bytes; 89 never arrive. */
	while (off < 6 + 11 && r == WS_NEED_MORE) {
		r = ws_parse(&p, (uint8_t *)b.bf_data + off, 1, &used, &ev);
		off++;
	}
	CHECK_INT(r, WS_ERR_INVALID_UTF8);
	CHECK_INT(off, 6 + 11);
	CHECK_INT(ws_err_close_code(r), 1007);
	/* The error is sticky. */
	CHECK_INT(ws_parse(&p, (uint8_t *)b.bf_data + off, 1, &used, &ev),
	    WS_ERR_INVALID_UTF8);
	CHECK_INT(used, 0);
	ws_parser_free(&p);
	buf_free(&b);
}

/* 9: the limits, small ones set here and the defaults. */
static void
test_limits(void)
{
	struct ws_limits	 l;
	struct wt_case		 c;
	struct buf		 b;
	struct wt_frame		 f;
	char			*k1, *want, *big;
	size_t			 i;

	ws_limits_default(&l);
	CHECK(l.wl_max_frame == 16 * 1024 * 1024);
	CHECK(l.wl_max_message == 64 * 1024 * 1024);
	CHECK(l.wl_max_fragments == 131072);
	l.wl_max_frame = 1000;
	l.wl_max_message = 3000;
	l.wl_max_fragments = 4;
	k1 = malloc(1001);
	memset(k1, 'k', 1001);

	memset(&c, 0, sizeof(c));
	c.c_name = "9 frame at the limit";
	c.c_f[0] = (struct wt_frame){ 1, 0, OP_B, k1, 1000, 0, 0 };
	c.c_want = want = want_payload(" B", k1, 1000);
	check_case(&c, WS_ROLE_SERVER, &l);
	free(want);
	c.c_name = "9 frame over the limit";
	c.c_f[0].f_len = 1001;
	c.c_want = E_FRAME_BIG;
	check_case(&c, WS_ROLE_SERVER, &l);

	c.c_name = "9 message at the limit";
	c.c_f[0] = (struct wt_frame){ 0, 0, OP_T, k1, 1000, 0, 0 };
	c.c_f[1] = (struct wt_frame){ 0, 0, OP_C, k1, 1000, 0, 0 };
	c.c_f[2] = (struct wt_frame){ 1, 0, OP_PI, "", L, 0, 0 };
	c.c_f[3] = (struct wt_frame){ 1, 0, OP_C, k1, 1000, 0, 0 };
	big = malloc(3000);
	memset(big, 'k', 3000);
	want = want_payload(" PING[] T", big, 3000);
	c.c_want = want;
	check_case(&c, WS_ROLE_SERVER, &l);
	free(want);
	c.c_name = "9 message over the limit";
	c.c_f[3].f_fin = 0;
	c.c_f[4] = (struct wt_frame){ 1, 0, OP_C, "k", L, 0, 0 };
	c.c_want = " PING[]" E_MSG_BIG;
	check_case(&c, WS_ROLE_SERVER, &l);
	c.c_name = "9 empty fragment after a full message is fine";
	c.c_f[4] = (struct wt_frame){ 1, 0, OP_C, "", L, 0, 0 };
	c.c_want = want = want_payload(" PING[] T", big, 3000);
	check_case(&c, WS_ROLE_SERVER, &l);
	free(want);

	memset(&c, 0, sizeof(c));
	c.c_name = "9 fragments at the limit (pings not counted)";
	c.c_f[0] = (struct wt_frame){ 0, 0, OP_B, "1", L, 0, 0 };
	c.c_f[1] = (struct wt_frame){ 1, 0, OP_PI, "", L, 0, 0 };
	c.c_f[2] = (struct wt_frame){ 0, 0, OP_C, "2", L, 0, 0 };
	c.c_f[3] = (struct wt_frame){ 0, 0, OP_C, "", L, 0, 0 };
	c.c_f[4] = (struct wt_frame){ 1, 0, OP_C, "4", L, 0, 0 };
	c.c_f[5] = (struct wt_frame){ 1, 0, OP_T, "again", L, 0, 0 };
	c.c_want = " PING[] B[124] T[again]";
	check_case(&c, WS_ROLE_SERVER, &l);
	c.c_name = "9 too many fragments";
	c.c_f[4].f_fin = 0;
	c.c_f[5] = (struct wt_frame){ 1, 0, OP_C, "", L, 0, 0 };
	c.c_want = " PING[]" E_FRAGS;
	check_case(&c, WS_ROLE_SERVER, &l);
	free(big);
	free(k1);

	/* Defaults: 16 MiB + 1 is refused from the header alone. */
	memset(&c, 0, sizeof(c));
	c.c_name = "9 default frame limit";
	c.c_f[0] = (struct wt_frame){ 1, 0, OP_B, "", 0, 64, 0 };
	buf_init(&b, 0);
	wt_encode(&b, &c.c_f[0]);
	b.bf_data[2 + 4] = 0x01;	/* length 16 MiB + 1 */
	b.bf_data[2 + 7] = 0x01;
	check_all("9 default frame limit", WS_ROLE_SERVER, NULL,
	    (uint8_t *)b.bf_data, b.bf_len, E_FRAME_BIG);
	b.bf_data[2] = (char)0x80;	/* length with the MSB set */
	check_all("1 length MSB", WS_ROLE_SERVER, NULL,
	    (uint8_t *)b.bf_data, b.bf_len, E_MSB);
	buf_free(&b);

	/* A frame of exactly 16 MiB passes. */
	big = malloc(WS_DEFAULT_MAX_FRAME);
	for (i = 0; i < WS_DEFAULT_MAX_FRAME; i++)
		big[i] = (char)('a' + i % 26);
	memset(&f, 0, sizeof(f));
	f = (struct wt_frame){ 1, 0, OP_T, big, WS_DEFAULT_MAX_FRAME, 0, 0 };
	buf_init(&b, 0);
	wt_encode(&b, &f);
	want = want_payload(" T", big, WS_DEFAULT_MAX_FRAME);
	for (i = 0; i < 2; i++) {
		char *t = wt_run(WS_ROLE_SERVER, i ? WS_PARSE_STREAM : 0, NULL,
		    (uint8_t *)b.bf_data, b.bf_len, i ? 65536 : 0, 0);
		CHECK_STR(t, want);
		free(t);
	}
	free(want);
	buf_free(&b);

	/* 9.3.1: 4 MiB in 64-byte fragments fits the defaults. */
	buf_init(&b, 0);
	for (i = 0; i < 65536; i++) {
		f = (struct wt_frame){ i == 65535, 0, i ? OP_C : OP_T,
		    big + i * 64, 64, 0, 0 };
		wt_encode(&b, &f);
	}
	want = want_payload(" T", big, 4 << 20);
	for (i = 0; i < 2; i++) {
		char *t = wt_run(WS_ROLE_SERVER, i ? WS_PARSE_STREAM : 0, NULL,
		    (uint8_t *)b.bf_data, b.bf_len, i ? 4096 : 0, 0);
		CHECK_STR(t, want);
		free(t);
	}
	free(want);
	buf_free(&b);

	/* 10.1.1: 64 KiB of text in 1300-byte fragments. */
	buf_init(&b, 0);
	for (i = 0; i < 65536; i += 1300) {
		f = (struct wt_frame){ i + 1300 >= 65536, 0, i ? OP_C : OP_T,
		    big + i, i + 1300 >= 65536 ? 65536 - i : 1300, 0, 0 };
		wt_encode(&b, &f);
	}
	want = want_payload(" T", big, 65536);
	check_all("10.1.1 64 KiB in 1300-byte fragments", WS_ROLE_SERVER,
	    NULL, (uint8_t *)b.bf_data, b.bf_len, want);
	free(want);
	buf_free(&b);
	free(big);
}

/* The closing handshake state machine. */
static void
test_close_state(void)
{
	struct ws_close		 c;
	struct ws_close_action	 a;

	/* Peer closes first with a code: echo it; a server drops TCP. */
	ws_close_init(&c, WS_ROLE_SERVER);
	CHECK(ws_close_may_send(&c) && ws_close_may_deliver(&c));
	ws_close_received(&c, 1001, &a);
	CHECK(a.ca_send && a.ca_code == 1001 && a.ca_drop && !a.ca_wait);
	CHECK(c.wc_state == WS_STATE_CLOSED && !ws_close_may_send(&c) &&
	    !ws_close_may_deliver(&c));
	ws_close_received(&c, 1000, &a);
	CHECK(!a.ca_send && !a.ca_drop);

	/* No code: answer 1000; a client waits for the server's FIN. */
	ws_close_init(&c, WS_ROLE_CLIENT);
	ws_close_received(&c, 0, &a);
	CHECK(a.ca_send && a.ca_code == 1000 && !a.ca_drop && a.ca_wait);

	/* We close first: send, wait, then the peer's close ends it. */
	ws_close_init(&c, WS_ROLE_SERVER);
	ws_close_local(&c, 1001, &a);
	CHECK(a.ca_send && a.ca_code == 1001 && a.ca_wait && !a.ca_drop);
	CHECK(c.wc_state == WS_STATE_CLOSING && !ws_close_may_send(&c) &&
	    ws_close_may_deliver(&c));
	ws_close_local(&c, 1000, &a);
	CHECK(!a.ca_send);
	ws_close_received(&c, 1000, &a);
	CHECK(!a.ca_send && a.ca_drop && c.wc_state == WS_STATE_CLOSED);
	ws_close_init(&c, WS_ROLE_CLIENT);
	ws_close_local(&c, 1000, &a);
	ws_close_received(&c, 1000, &a);
	CHECK(!a.ca_send && !a.ca_drop && a.ca_wait);

	/* Protocol errors: send the error's code and drop. */
	ws_close_init(&c, WS_ROLE_SERVER);
	ws_close_failed(&c, WS_ERR_RSV_BITS, &a);
	CHECK(a.ca_send && a.ca_code == 1002 && a.ca_drop);
	ws_close_failed(&c, WS_ERR_RSV_BITS, &a);
	CHECK(!a.ca_send && !a.ca_drop);
	ws_close_init(&c, WS_ROLE_CLIENT);
	ws_close_failed(&c, WS_ERR_INVALID_UTF8, &a);
	CHECK(a.ca_send && a.ca_code == 1007 && a.ca_drop);
	ws_close_init(&c, WS_ROLE_SERVER);
	ws_close_failed(&c, WS_ERR_MESSAGE_TOO_BIG, &a);
	CHECK(a.ca_code == 1009);
	/* An error after our close: no second close frame, just drop. */
	ws_close_init(&c, WS_ROLE_SERVER);
	ws_close_local(&c, 1000, &a);
	ws_close_failed(&c, WS_ERR_CLOSE_CODE, &a);
	CHECK(!a.ca_send && a.ca_drop);
}

/* Every error has its own name and a close code or HTTP status. */
static void
test_strerror(void)
{
	int	 e, f, dup = 0;

	for (e = WS_ERR_INVAL; e < WS_ERR_MAX; e++) {
		CHECK_MSG(strcmp(ws_strerror(e), "unknown error") != 0,
		    "error %d has no name", e);
		for (f = WS_ERR_INVAL; f < e; f++)
			if (strcmp(ws_strerror(e), ws_strerror(f)) == 0)
				dup++;
	}
	CHECK_INT(dup, 0);
	CHECK_STR(ws_strerror(WS_ERR_MAX), "unknown error");
	CHECK_STR(ws_strerror(-1), "unknown error");
	CHECK_INT(ws_err_close_code(WS_ERR_RESERVED_OPCODE), 1002);
	CHECK_INT(ws_err_close_code(WS_ERR_CLOSE_REASON_UTF8), 1007);
	CHECK_INT(ws_err_close_code(WS_ERR_TOO_MANY_FRAGMENTS), 1009);
	CHECK_INT(ws_err_close_code(WS_ERR_NOMEM), 1011);
}

/*
 * ws_parser_idle (message_timeout_ms): idle between messages only; a
 * partial header, a partial payload or a fragmented message is not, a
 * ping between fragments leaves the message unfinished.
 */
static void
test_parser_idle(void)
{
	/* input pieces (0: the rest), what each gives, idle after it */
	static const struct {
		size_t	 n;
		int	 r, type, idle;
	} steps[] = {
		{ 1, WS_NEED_MORE, 0, 0 },		/* a header begun */
		{ 7, WS_NEED_MORE, 0, 0 },		/* first fragment */
		{ 7, WS_OK, WS_EV_PING, 0 },		/* ping between */
		{ 7, WS_NEED_MORE, 0, 0 },		/* half the last */
		{ 0, WS_OK, WS_EV_TEXT, 1 },		/* its end */
		{ 0, WS_OK, WS_EV_BINARY, 1 },		/* whole message */
	};
	struct ws_parser	 p;
	struct ws_event		 ev;
	struct buf		 b;
	size_t			 i, n, used, off = 0;

	buf_init(&b, 0);
	ws_frame_build(&b, WS_ROLE_CLIENT, WS_OP_TEXT, 0, "ab", 2);
	ws_frame_build(&b, WS_ROLE_CLIENT, WS_OP_PING, 1, "p", 1);
	ws_frame_build(&b, WS_ROLE_CLIENT, WS_OP_CONT, 1, "cd", 2);
	ws_frame_build(&b, WS_ROLE_CLIENT, WS_OP_BINARY, 1, "xyz", 3);
	ws_parser_init(&p, WS_ROLE_SERVER, NULL, 0);
	CHECK(ws_parser_idle(&p));
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		n = steps[i].n ? steps[i].n : b.bf_len - off;
		CHECK_INT(ws_parse(&p, (uint8_t *)b.bf_data + off, n, &used,
		    &ev), steps[i].r);
		if (steps[i].r == WS_OK)
			CHECK_INT(ev.we_type, steps[i].type);
		CHECK_MSG(ws_parser_idle(&p) == steps[i].idle, "step %zu", i);
		off += used;
	}
	CHECK_INT(off, b.bf_len);
	ws_parser_free(&p);
	buf_free(&b);
}

int
main(void)
{
	test_lengths();
	test_cases();
	test_ping125();
	test_opcodes();
	test_rsv();
	test_rsv1();
	test_close_codes();
	test_roles();
	test_rfc_examples();
	test_builder();
	test_key_pool();
	test_mask();
	test_zero_copy();
	test_budget();
	test_fail_fast();
	test_limits();
	test_close_state();
	test_strerror();
	test_parser_idle();
	return check_done();
}
