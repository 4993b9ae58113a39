/* SPDX-License-Identifier: ISC */
/*
 * Helpers shared by the WebSocket unit tests: a raw frame encoder that
 * can also write what the builder refuses (reserved bits, odd lengths),
 * and a runner that feeds bytes to a parser in a given chunking and
 * writes every event into a one-line transcript for comparison.
 */
#ifndef WSFLOW_WS_TESTLIB_H
#define WSFLOW_WS_TESTLIB_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ws.h"

static const uint8_t wt_key[4] = { 0x37, 0xfa, 0x21, 0x3d };

/* One frame to encode; enc 0 minimal length, 16 or 64 forced. */
struct wt_frame {
	int		 f_fin;
	int		 f_rsv;		/* 0..7 */
	int		 f_op;
	const char	*f_pl;
	size_t		 f_len;		/* (size_t)-1: strlen(f_pl) */
	int		 f_enc;
	int		 f_unmasked;	/* leave out the mask */
};

/* Append one raw frame, masked with wt_key unless told not to. */
static void
wt_encode(struct buf *b, const struct wt_frame *f)
{
	size_t	 len = f->f_len == (size_t)-1 ? strlen(f->f_pl) : f->f_len;
	uint8_t	 h[14];
	size_t	 i, hl = 2;
	int	 s, masked = !f->f_unmasked;

	h[0] = (uint8_t)((f->f_fin ? 0x80 : 0) | (f->f_rsv << 4) | f->f_op);
	h[1] = masked ? 0x80 : 0;
	if (f->f_enc == 64 || (f->f_enc == 0 && len > 0xffff)) {
		h[1] |= 127;
		for (s = 56; s >= 0; s -= 8)
			h[hl++] = (uint8_t)((uint64_t)len >> s);
	} else if (f->f_enc == 16 || len > 125) {
		h[1] |= 126;
		h[hl++] = (uint8_t)(len >> 8);
		h[hl++] = (uint8_t)len;
	} else
		h[1] |= (uint8_t)len;
	if (masked) {
		memcpy(h + hl, wt_key, 4);
		hl += 4;
	}
	buf_add(b, h, hl);
	for (i = 0; i < len; i++)
		buf_addc(b, (char)(f->f_pl[i] ^ (masked ? wt_key[i & 3] : 0)));
}

/* Append a payload to a transcript: escaped text, or a digest if long. */
static void
wt_payload(struct buf *t, const uint8_t *p, size_t n)
{
	uint32_t	 h = 2166136261u;
	size_t		 i;

	if (n > 64) {
		for (i = 0; i < n; i++)
			h = (h ^ p[i]) * 16777619u;
		buf_printf(t, "#%zu/%08x", n, h);
		return;
	}
	buf_addc(t, '[');
	for (i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			buf_addc(t, (char)p[i]);
		else
			buf_printf(t, "\\x%02x", p[i]);
	}
	buf_addc(t, ']');
}

struct wt_run {
	struct buf	 r_t;		/* transcript */
	struct buf	 r_part;	/* stream mode: message so far */
	int		 r_done;	/* error seen */
	int		 r_parts;	/* stream mode: pieces so far */
	int		 r_zparts;	/* of which marked compressed */
};

/* Add one event to the transcript. */
static void
wt_event(struct wt_run *r, const struct ws_event *ev)
{
	struct buf	*t = &r->r_t;

	switch (ev->we_type) {
	case WS_EV_TEXT:
	case WS_EV_BINARY:
		buf_adds(t, ev->we_type == WS_EV_TEXT ? " T" : " B");
		/* "z": a compressed message (RFC 7692, WS_PARSE_RSV1). */
		buf_adds(t, ev->we_compressed ? "z" : "");
		wt_payload(t, ev->we_data, ev->we_len);
		break;
	case WS_EV_TEXT_PART:
	case WS_EV_BINARY_PART:
		buf_add(&r->r_part, ev->we_data, ev->we_len);
		r->r_zparts += ev->we_compressed;
		r->r_parts++;
		if (ev->we_final) {
			buf_adds(t, ev->we_type == WS_EV_TEXT_PART ? " T" :
			    " B");
			buf_adds(t, r->r_zparts == 0 ? "" :
			    r->r_zparts == r->r_parts ? "z" : "ZMIX");
			wt_payload(t, (uint8_t *)r->r_part.bf_data,
			    r->r_part.bf_len);
			buf_reset(&r->r_part);
			r->r_zparts = r->r_parts = 0;
		}
		break;
	case WS_EV_PING:
	case WS_EV_PONG:
		buf_adds(t, ev->we_type == WS_EV_PING ? " PING" : " PONG");
		wt_payload(t, ev->we_data, ev->we_len);
		break;
	case WS_EV_CLOSE:
		if (ev->we_code == 0)
			buf_adds(t, " CLOSE()");
		else {
			buf_printf(t, " CLOSE(%u", ev->we_code);
			wt_payload(t, (const uint8_t *)ev->we_reason,
			    ev->we_reason_len);
			buf_addc(t, ')');
		}
		break;
	default:
		buf_adds(t, " ?");
	}
}

/* Feed one chunk (copied to its own allocation so overreads show). */
static void
wt_feed(struct wt_run *r, struct ws_parser *p, const uint8_t *d, size_t n)
{
	struct ws_event	 ev;
	uint8_t		*c;
	size_t		 off = 0, used, loops = 0;
	int		 e;

	if (r->r_done)
		return;
	if ((c = malloc(n ? n : 1)) == NULL)
		abort();
	memcpy(c, d, n);
	for (;;) {
		if (++loops > 2 * n + 16) {
			buf_adds(&r->r_t, " LOOP");
			break;
		}
		e = ws_parse(p, c + off, n - off, &used, &ev);
		off += used;
		if (e == WS_NEED_MORE) {
			if (off != n)
				buf_adds(&r->r_t, " BADUSED");
			break;
		}
		if (e != WS_OK) {
			buf_printf(&r->r_t, " ERR %u %s", ws_err_close_code(e),
			    ws_strerror(e));
			r->r_done = 1;
			break;
		}
		wt_event(r, &ev);
	}
	free(c);
}

/*
 * Run data through a parser of the given role/flags/limits in chunks of
 * `chunk` bytes (0: all at once; split > 0: two pieces at split) and
 * return the transcript (caller frees).  A trailing " +" marks a parser
 * that holds a partial frame or message at the end.
 */
static char *
wt_run(enum ws_role role, int flags, const struct ws_limits *lim,
    const uint8_t *d, size_t n, size_t chunk, size_t split)
{
	struct ws_parser p;
	struct wt_run	 r;
	size_t		 off, k;

	memset(&r, 0, sizeof(r));
	buf_init(&r.r_t, 0);
	buf_init(&r.r_part, 0);
	buf_adds(&r.r_t, "");
	ws_parser_init(&p, role, lim, flags);
	if (split > 0 && split < n) {
		wt_feed(&r, &p, d, split);
		wt_feed(&r, &p, d + split, n - split);
	} else if (chunk == 0)
		wt_feed(&r, &p, d, n);
	else
		for (off = 0; off < n; off += k) {
			k = n - off < chunk ? n - off : chunk;
			wt_feed(&r, &p, d + off, k);
		}
	if (!r.r_done && (p.wp_hlen > 0 || p.wp_in_payload || p.wp_msg_op))
		buf_adds(&r.r_t, " +");
	ws_parser_free(&p);
	buf_free(&r.r_part);
	return r.r_t.bf_data;
}

#endif
