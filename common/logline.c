/* SPDX-License-Identifier: ISC */
/*
 * A worker's standard error cut into bounded, encoded log lines (see
 * logline.h).  Newlines split; a line never holds more than LOGLINE_MAX
 * bytes; the encoding is strvisx's with the flags of log_vis().
 */
#include "config.h"

#include <string.h>
#define LIBBSD_OPENBSD_VIS	/* only strvisx: the same everywhere */
#include <vis.h>

#include "logline.h"

/* Start empty; lines go to fn. */
void
logline_init(struct logline *ll, logline_fn fn, void *arg)
{
	memset(ll, 0, sizeof(*ll));
	ll->ll_fn = fn;
	ll->ll_arg = arg;
}

/* Hand the line held (cut: it goes on) to the callback, encoded. */
static void
ll_emit(struct logline *ll, int cut)
{
	struct logline_out	 lo;
	char			 text[LOGLINE_TEXT];
	const char		*s = ll->ll_buf;
	size_t			 len = ll->ll_len;

	lo.lo_pri = -1;
	if (len >= 3 && s[0] == '<' && s[1] >= '0' && s[1] <= '7' &&
	    s[2] == '>') {
		lo.lo_pri = s[1] - '0';
		s += 3;
		len -= 3;
	}
	(void)strvisx(text, s, len, VIS_CSTYLE | VIS_OCTAL | VIS_NL | VIS_TAB);
	lo.lo_text = text;
	lo.lo_cut = cut;
	lo.lo_dropped = 0;
	ll->ll_len = 0;
	ll->ll_lines++;
	if (cut)
		ll->ll_cuts++;
	ll->ll_fn(ll->ll_arg, &lo);
}

/* A line being cut ended: say how much of it was dropped. */
static void
ll_cut_end(struct logline *ll)
{
	struct logline_out	 lo;

	memset(&lo, 0, sizeof(lo));
	lo.lo_pri = -1;
	lo.lo_dropped = ll->ll_dropped;
	ll->ll_cutting = 0;
	ll->ll_dropped = 0;
	ll->ll_fn(ll->ll_arg, &lo);
}

/* Take len bytes; each newline ends a line. */
void
logline_feed(struct logline *ll, const void *data, size_t len)
{
	const char	*p = data, *nl;
	size_t		 n, room;

	while (len > 0) {
		nl = memchr(p, '\n', len);
		n = nl != NULL ? (size_t)(nl - p) : len;
		if (ll->ll_cutting)
			ll->ll_dropped += n;
		else {
			room = LOGLINE_MAX - ll->ll_len;
			memcpy(ll->ll_buf + ll->ll_len, p, n < room ? n : room);
			ll->ll_len += n < room ? n : room;
			if (n > room) {
				/* Full and more to come: the head goes out. */
				ll_emit(ll, 1);
				ll->ll_cutting = 1;
				ll->ll_dropped = n - room;
			}
		}
		if (nl == NULL)
			return;
		if (ll->ll_cutting)
			ll_cut_end(ll);
		else if (ll->ll_len > 0)	/* empty lines say nothing */
			ll_emit(ll, 0);
		p = nl + 1;
		len -= n + 1;
	}
}

/* End of the stream. */
void
logline_end(struct logline *ll)
{
	if (ll->ll_cutting)
		ll_cut_end(ll);
	else if (ll->ll_len > 0)
		ll_emit(ll, 0);
}
