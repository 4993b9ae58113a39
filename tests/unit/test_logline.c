/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for common/logline: lines split on newlines however the
 * bytes arrive, "<N>" priorities, encoding of control bytes (no line out
 * can start a journald priority or hold a newline), the cut of a line
 * longer than LOGLINE_MAX with the count of what it dropped, and the end
 * of the stream.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "logline.h"

#define NOUT	16

/* What came out, in order. */
static struct {
	int		 pri;
	char		*text;		/* NULL: a cut line ended */
	int		 cut;
	uint64_t	 dropped;
}		 out[NOUT];
static int	 nout;

/* The callback: keep a copy. */
static void
take(void *arg, const struct logline_out *lo)
{
	(void)arg;
	if (nout == NOUT)
		abort();
	out[nout].pri = lo->lo_pri;
	out[nout].text = lo->lo_text != NULL ? strdup(lo->lo_text) : NULL;
	out[nout].cut = lo->lo_cut;
	out[nout].dropped = lo->lo_dropped;
	nout++;
}

/* Forget what came out. */
static void
reset(void)
{
	while (nout > 0)
		free(out[--nout].text);
}

/* Feed s in chunks of step bytes (0: at once). */
static void
feed(struct logline *ll, const char *s, size_t len, size_t step)
{
	size_t	 n;

	if (step == 0)
		step = len;
	for (; len > 0; s += n, len -= n) {
		n = len < step ? len : step;
		logline_feed(ll, s, n);
	}
}

/* Lines and priorities, at once and byte by byte. */
static void
test_split(void)
{
	static const char	 in[] = "<6>one\ntwo\n\n<4>three\n<9>four\nfi";
	struct logline		 ll;
	size_t			 step;

	for (step = 0; step <= 2; step++) {
		logline_init(&ll, take, NULL);
		feed(&ll, in, sizeof(in) - 1, step);
		CHECK_INT(nout, 4);
		CHECK_INT(out[0].pri, 6);
		CHECK_STR(out[0].text, "one");
		CHECK_INT(out[1].pri, -1);
		CHECK_STR(out[1].text, "two");
		CHECK_INT(out[2].pri, 4);
		CHECK_STR(out[2].text, "three");
		CHECK_INT(out[3].pri, -1);
		CHECK_STR(out[3].text, "<9>four");
		CHECK_INT(out[3].cut, 0);
		/* The last line has no newline: out at the end. */
		logline_end(&ll);
		CHECK_INT(nout, 5);
		CHECK_STR(out[4].text, "fi");
		logline_end(&ll);
		CHECK_INT(nout, 5);
		CHECK_INT(ll.ll_lines, 5);
		reset();
	}
}

/* Control bytes are encoded: no forged priority, no escape sequence. */
static void
test_encode(void)
{
	static const char	 in[] = "x\r<3>y\033[2J\tz\\\0\377\n<3>\n";
	struct logline		 ll;

	logline_init(&ll, take, NULL);
	feed(&ll, in, sizeof(in) - 1, 0);
	CHECK_INT(nout, 2);
	CHECK_STR(out[0].text, "x\\r<3>y\\033[2J\\tz\\\\\\0\\377");
	CHECK_INT(out[0].pri, -1);
	/* A bare priority is an empty line of that priority. */
	CHECK_STR(out[1].text, "");
	CHECK_INT(out[1].pri, 3);
	reset();
}

/* A line longer than LOGLINE_MAX: its head, cut, then what it lost. */
static void
test_cut(void)
{
	struct logline		 ll;
	char			*big;
	size_t			 len = 1 << 20, step;

	if ((big = malloc(len + 1)) == NULL)
		abort();
	memset(big, 'a', len);
	big[0] = '<';
	big[1] = '5';
	big[2] = '>';
	for (step = 0; step <= 4096; step += 4096 - 1) {
		logline_init(&ll, take, NULL);
		feed(&ll, big, len, step);
		CHECK_INT(nout, 1);
		CHECK_INT(out[0].cut, 1);
		CHECK_INT(out[0].pri, 5);
		CHECK_INT(strlen(out[0].text), LOGLINE_MAX - 3);
		/* Held: nothing but the one buffer. */
		CHECK_INT(ll.ll_len, 0);
		CHECK_INT(ll.ll_dropped, len - LOGLINE_MAX);
		feed(&ll, "bb\nnext\n", 8, 0);
		CHECK_INT(nout, 3);
		CHECK(out[1].text == NULL);
		CHECK_INT(out[1].dropped, len - LOGLINE_MAX + 2);
		CHECK_STR(out[2].text, "next");
		CHECK_INT(out[2].cut, 0);
		CHECK_INT(ll.ll_cuts, 1);
		reset();
	}

	/* Exactly LOGLINE_MAX bytes is a whole line, not a cut one. */
	logline_init(&ll, take, NULL);
	feed(&ll, big + 3, LOGLINE_MAX, 0);
	feed(&ll, "\n", 1, 0);
	CHECK_INT(nout, 1);
	CHECK_INT(out[0].cut, 0);
	CHECK_INT(strlen(out[0].text), LOGLINE_MAX);
	reset();

	/* One byte more, then the stream ends while it is cut. */
	logline_init(&ll, take, NULL);
	feed(&ll, big + 3, LOGLINE_MAX + 1, 0);
	CHECK_INT(nout, 1);
	CHECK_INT(out[0].cut, 1);
	logline_end(&ll);
	CHECK_INT(nout, 2);
	CHECK(out[1].text == NULL);
	CHECK_INT(out[1].dropped, 1);
	logline_end(&ll);
	CHECK_INT(nout, 2);
	reset();

	/* Encoded, a cut head of control bytes still fits its text. */
	memset(big, '\001', LOGLINE_MAX + 1);
	logline_init(&ll, take, NULL);
	feed(&ll, big, LOGLINE_MAX + 1, 0);
	CHECK_INT(nout, 1);
	CHECK_INT(strlen(out[0].text), LOGLINE_MAX * 4);
	CHECK(strchr(out[0].text, '\001') == NULL);
	reset();
	free(big);
}

int
main(void)
{
	test_split();
	test_encode();
	test_cut();
	return check_done();
}
