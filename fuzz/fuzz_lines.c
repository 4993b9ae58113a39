/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for common/lines.c.  Header bytes choose separator,
 * max_length, buffering and the cut points; the rest is the stream.
 * Buffered splitting must not depend on where the stream is cut (as long
 * as no line is over max_length), and every mode must account for every
 * byte: chunks joined by the separator give back the input.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "lines.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct out {
	struct buf	 o_chunks;	/* each chunk + separator */
	char		 o_sep;
};

/* Collect a chunk followed by the separator. */
static int
collect(void *arg, const char *p, size_t n)
{
	struct out	*o = arg;

	if (buf_add(&o->o_chunks, p, n) == -1 ||
	    buf_addc(&o->o_chunks, o->o_sep) == -1)
		abort();
	return 0;
}

/* Feed data in pieces cut where cuts says; returns the number of errors. */
static int
feed(const struct proc_spec *ps, const uint8_t *data, size_t len,
    const uint8_t *cuts, size_t ncuts, struct out *o)
{
	struct lines	*ln;
	char		 err[256];
	size_t		 from = 0, to, i = 0;
	int		 errors = 0;

	if ((ln = lines_new(ps)) == NULL)
		abort();
	while (from < len) {
		to = i < ncuts ? from + 1 + cuts[i++] % 16 : len;
		if (to > len)
			to = len;
		if (lines_process(ln, (const char *)data + from, to - from,
		    collect, o, err, sizeof(err)) == -1)
			errors++;
		from = to;
	}
	if (lines_finish(ln, collect, o) == -1)
		abort();
	lines_free(ln);
	return errors;
}

/* Longest run between separators. */
static size_t
longest(const uint8_t *d, size_t n, char sep)
{
	size_t	 best = 0, cur = 0, i;

	for (i = 0; i < n; i++) {
		if (d[i] == (uint8_t)sep) {
			cur = 0;
			continue;
		}
		if (++cur > best)
			best = cur;
	}
	return best;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proc_spec	 ps;
	struct out		 whole, cut;
	const uint8_t		*cuts, *body;
	size_t			 ncuts, len;
	int			 ew, ec;

	if (size < 4)
		return 0;
	memset(&ps, 0, sizeof(ps));
	ps.ps_kind = PROC_LINES;
	ps.ps_separator = (data[0] & 1) ? '\n' : (char)data[1];
	ps.ps_buffered = (data[0] & 2) == 0;
	ps.ps_max_length = (data[0] & 4) ? data[2] % 32 : 0;
	ncuts = data[3] % 32;
	if (size - 4 < ncuts)
		ncuts = size - 4;
	cuts = data + 4;
	body = cuts + ncuts;
	len = size - 4 - ncuts;

	buf_init(&whole.o_chunks, 0);
	buf_init(&cut.o_chunks, 0);
	whole.o_sep = cut.o_sep = ps.ps_separator;
	ew = feed(&ps, body, len, NULL, 0, &whole);
	ec = feed(&ps, body, len, cuts, ncuts, &cut);

	if (ps.ps_max_length == 0 || longest(body, len, ps.ps_separator) <=
	    ps.ps_max_length) {
		if (ew != 0 || ec != 0)
			abort();	/* nothing over the limit: no error */
		if (ps.ps_buffered && (whole.o_chunks.bf_len !=
		    cut.o_chunks.bf_len || (whole.o_chunks.bf_len > 0 &&
		    memcmp(whole.o_chunks.bf_data, cut.o_chunks.bf_data,
		    whole.o_chunks.bf_len) != 0)))
			abort();
		/* every byte accounted for: the input, plus one separator
		 * after the last chunk (or after each call's remainder when
		 * unbuffered) */
		if (ps.ps_buffered && len > 0 &&
		    (whole.o_chunks.bf_len < len || memcmp(
		    whole.o_chunks.bf_data, body, len) != 0))
			abort();
	}
	buf_free(&whole.o_chunks);
	buf_free(&cut.o_chunks);
	return 0;
}
