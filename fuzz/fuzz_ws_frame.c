/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the frame parser with reassembly and UTF-8
 * validation.  The first byte picks the role, the mode, the limits and
 * whether RSV1 is allowed (WS_PARSE_RSV1), the second the chunk size.
 * The input is parsed whole and in chunks; both runs must produce the
 * same events and the same error, every uncompressed text message must
 * be valid UTF-8, and the limits must hold.  The input is
 * also checked as raw text against a plain UTF-8 reference decoder.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "ws.h"
#include "../tests/unit/utf8_ref.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A digest of the events of one run. */
struct fz_run {
	uint64_t	 fr_hash;
	size_t		 fr_events;
	int		 fr_err;
	struct buf	 fr_part;
	int		 fr_part_text;
};

/* Mix bytes into the digest. */
static void
fz_mix(struct fz_run *r, const void *d, size_t n)
{
	const uint8_t	*p = d;
	size_t		 i;

	for (i = 0; i < n; i++)
		r->fr_hash = (r->fr_hash ^ p[i]) * 1099511628211ULL;
}

/* Check and record one event. */
static void
fz_event(struct fz_run *r, const struct ws_parser *p,
    const struct ws_event *ev)
{
	int	 t = ev->we_type;

	switch (ev->we_type) {
	case WS_EV_TEXT_PART:
	case WS_EV_BINARY_PART:
		if (buf_add(&r->fr_part, ev->we_data, ev->we_len) == -1)
			abort();
		if (!ev->we_final)
			return;
		t = ev->we_type == WS_EV_TEXT_PART ? WS_EV_TEXT : WS_EV_BINARY;
		/* Compressed text is checked after inflating, not here. */
		if (t == WS_EV_TEXT && !ev->we_compressed &&
		    !utf8_valid(r->fr_part.bf_data, r->fr_part.bf_len))
			abort();
		if (r->fr_part.bf_len > p->wp_lim.wl_max_message)
			abort();
		fz_mix(r, &t, sizeof(t));
		fz_mix(r, &ev->we_compressed, sizeof(ev->we_compressed));
		fz_mix(r, r->fr_part.bf_data, r->fr_part.bf_len);
		buf_reset(&r->fr_part);
		r->fr_events++;
		return;
	case WS_EV_TEXT:
		if (!ev->we_compressed && !utf8_valid(ev->we_data, ev->we_len))
			abort();
		/* FALLTHROUGH */
	case WS_EV_BINARY:
		if (ev->we_len > p->wp_lim.wl_max_message)
			abort();
		break;
	case WS_EV_PING:
	case WS_EV_PONG:
		if (ev->we_len > WS_CONTROL_MAX)
			abort();
		break;
	case WS_EV_CLOSE:
		if (ev->we_code != 0 && (!ws_close_code_valid(ev->we_code) ||
		    !utf8_valid(ev->we_reason, ev->we_reason_len)))
			abort();
		fz_mix(r, &ev->we_code, sizeof(ev->we_code));
		break;
	default:
		abort();
	}
	if ((t == WS_EV_TEXT || t == WS_EV_BINARY) &&
	    !(p->wp_flags & WS_PARSE_RSV1) && ev->we_compressed)
		abort();
	fz_mix(r, &t, sizeof(t));
	if (t == WS_EV_TEXT || t == WS_EV_BINARY)
		fz_mix(r, &ev->we_compressed, sizeof(ev->we_compressed));
	fz_mix(r, ev->we_data, ev->we_len);
	r->fr_events++;
}

/* Parse d in chunks of size chunk (0: whole) into r. */
static void
fz_run(struct fz_run *r, enum ws_role role, int flags,
    const struct ws_limits *lim, const uint8_t *d, size_t n, size_t chunk)
{
	struct ws_parser	 p;
	struct ws_event		 ev;
	uint8_t			*c;
	size_t			 off, k, used, pos;
	int			 e = WS_NEED_MORE;

	memset(r, 0, sizeof(*r));
	buf_init(&r->fr_part, 0);
	ws_parser_init(&p, role, lim, flags);
	for (off = 0; off < n; off += k) {
		k = chunk == 0 || n - off < chunk ? n - off : chunk;
		if ((c = malloc(k)) == NULL)
			abort();
		memcpy(c, d + off, k);
		for (pos = 0;;) {
			e = ws_parse(&p, c + pos, k - pos, &used, &ev);
			pos += used;
			if (pos > k)
				abort();
			if (e != WS_OK)
				break;
			fz_event(r, &p, &ev);
		}
		free(c);
		if (e != WS_NEED_MORE)
			break;
	}
	r->fr_err = e;
	ws_parser_free(&p);
	buf_free(&r->fr_part);
}

/* The validator agrees with the reference, whole and split in two. */
static void
fz_utf8(const uint8_t *s, size_t n, size_t cut)
{
	uint32_t	 st;
	size_t		 bad = 0;
	long		 ref = utf8_ref_check(s, n), got;

	st = utf8_validate(UTF8_ACCEPT, s, n, &bad);
	got = st == UTF8_REJECT ? (long)bad : st == UTF8_ACCEPT ? -1 : -2;
	if (got != ref)
		abort();
	if (cut > n)
		cut = n;
	st = utf8_validate(UTF8_ACCEPT, s, cut, &bad);
	if (st != UTF8_REJECT) {
		st = utf8_validate(st, s + cut, n - cut, &bad);
		bad += cut;
	}
	got = st == UTF8_REJECT ? (long)bad : st == UTF8_ACCEPT ? -1 : -2;
	if (got != ref)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_limits	 lim;
	struct fz_run		 a, b;
	enum ws_role		 role;
	size_t			 chunk;
	int			 flags;

	if (size < 2)
		return 0;
	fz_utf8(data + 2, size - 2, data[1] * 7);
	role = data[0] & 1 ? WS_ROLE_CLIENT : WS_ROLE_SERVER;
	flags = (data[0] & 2 ? WS_PARSE_STREAM : 0) |
	    (data[0] & 16 ? WS_PARSE_RSV1 : 0);
	ws_limits_default(&lim);
	if (data[0] & 4) {
		lim.wl_max_frame = 1 + data[1] * 4;
		lim.wl_max_message = 1 + data[1] * 8;
		lim.wl_max_fragments = 1 + (data[1] & 7);
	}
	chunk = 1 + data[1] % 37;
	fz_run(&a, role, flags, &lim, data + 2, size - 2, 0);
	fz_run(&b, role, flags ^ ((data[0] & 8) ? WS_PARSE_STREAM : 0), &lim,
	    data + 2, size - 2, chunk);
	if (a.fr_err != b.fr_err || a.fr_events != b.fr_events ||
	    a.fr_hash != b.fr_hash)
		abort();
	if (a.fr_err != WS_NEED_MORE && ws_strerror(a.fr_err) == NULL)
		abort();
	return 0;
}
