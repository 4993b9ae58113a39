/* SPDX-License-Identifier: ISC */
/*
 * RFC 6455 frames: an incremental parser that reassembles messages (or
 * hands out payload pieces), validates text as it arrives and enforces
 * the limits; the frame builder; masking; the closing handshake state
 * machine; and the error names.  The parser keeps no pointer to the
 * caller's input between calls, so any chunking gives the same events.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ws.h"

#define WS_KEEP_BUFFER	(256 * 1024)

static const char *const ws_errstr[WS_ERR_MAX] = {
	[WS_OK] = "ok",
	[WS_NEED_MORE] = "need more input",
	[WS_ERR_INVAL] = "invalid argument",
	[WS_ERR_NOMEM] = "out of memory",
	[WS_ERR_RSV_BITS] = "reserved bits set without an extension",
	[WS_ERR_RSV1_CONTROL] = "compressed bit on a control frame",
	[WS_ERR_RSV1_CONTINUATION] = "compressed bit on a continuation frame",
	[WS_ERR_RESERVED_OPCODE] = "reserved opcode",
	[WS_ERR_LENGTH_MSB] = "64-bit payload length with the high bit set",
	[WS_ERR_UNMASKED_FRAME] = "client frame is not masked",
	[WS_ERR_MASKED_FRAME] = "server frame is masked",
	[WS_ERR_CONTROL_TOO_LONG] = "control frame payload over 125 bytes",
	[WS_ERR_CONTROL_FRAGMENTED] = "fragmented control frame",
	[WS_ERR_UNEXPECTED_CONTINUATION] =
	    "continuation frame without a message to continue",
	[WS_ERR_EXPECTED_CONTINUATION] =
	    "new data frame inside a fragmented message",
	[WS_ERR_CLOSE_PAYLOAD] = "close frame payload of one byte",
	[WS_ERR_CLOSE_CODE] = "invalid close status code",
	[WS_ERR_AFTER_CLOSE] = "data after the close frame",
	[WS_ERR_INVALID_UTF8] = "text message is not valid UTF-8",
	[WS_ERR_CLOSE_REASON_UTF8] = "close reason is not valid UTF-8",
	[WS_ERR_FRAME_TOO_BIG] = "frame payload over the limit",
	[WS_ERR_MESSAGE_TOO_BIG] = "message over the size limit",
	[WS_ERR_TOO_MANY_FRAGMENTS] = "message has too many fragments",
	[WS_ERR_BUDGET] = "memory budget of the worker spent (max_buffered)",
	[WS_ERR_HS_REQUEST_LINE] = "malformed request line",
	[WS_ERR_HS_REQUEST_LINE_TOO_LONG] = "request line too long",
	[WS_ERR_HS_METHOD] = "request method is not GET",
	[WS_ERR_HS_TARGET] = "request target is not an absolute path",
	[WS_ERR_HS_TARGET_TOO_LONG] = "request target too long",
	[WS_ERR_HS_HTTP_VERSION] = "HTTP version is not 1.1",
	[WS_ERR_HS_HEADER_SYNTAX] = "malformed header field",
	[WS_ERR_HS_HEADER_TOO_LONG] = "header field line too long",
	[WS_ERR_HS_HEADERS_TOO_BIG] = "header section too large",
	[WS_ERR_HS_TOO_MANY_HEADERS] = "too many header fields",
	[WS_ERR_HS_FIELD_TOO_LONG] = "header field value too long",
	[WS_ERR_HS_DUPLICATE_HEADER] = "repeated header field",
	[WS_ERR_HS_NO_HOST] = "no Host header",
	[WS_ERR_HS_BODY] = "request has a body",
	[WS_ERR_HS_NO_UPGRADE] = "Upgrade header does not name websocket",
	[WS_ERR_HS_NO_CONNECTION_UPGRADE] =
	    "Connection header does not name upgrade",
	[WS_ERR_HS_NO_KEY] = "no Sec-WebSocket-Key header",
	[WS_ERR_HS_BAD_KEY] = "Sec-WebSocket-Key is not 16 bytes in base64",
	[WS_ERR_HS_NO_VERSION] = "no Sec-WebSocket-Version header",
	[WS_ERR_HS_BAD_VERSION] = "Sec-WebSocket-Version is not 13",
	[WS_ERR_HS_STATUS_LINE] = "malformed status line",
	[WS_ERR_HS_STATUS] = "status is not 101",
	[WS_ERR_HS_RESP_UPGRADE] = "response Upgrade is not websocket",
	[WS_ERR_HS_RESP_CONNECTION] = "response Connection is not upgrade",
	[WS_ERR_HS_NO_ACCEPT] = "no Sec-WebSocket-Accept header",
	[WS_ERR_HS_BAD_ACCEPT] = "Sec-WebSocket-Accept does not match the key",
	[WS_ERR_HS_EXTENSION] = "server selected an extension not offered",
	[WS_ERR_HS_PROTOCOL] = "server selected a subprotocol not offered",
	[WS_ERR_HS_URL] = "invalid URL",
	[WS_ERR_HS_CRYPTO] = "SHA-1 or random bytes failed",
	[WS_ERR_HS_ORIGIN] = "Origin not allowed",
};

/* A short description of a WS_* result for logs. */
const char *
ws_strerror(int err)
{
	if (err < 0 || err >= WS_ERR_MAX || ws_errstr[err] == NULL)
		return "unknown error";
	return ws_errstr[err];
}

/* The close status a frame error must be answered with. */
uint16_t
ws_err_close_code(int err)
{
	switch (err) {
	case WS_ERR_INVALID_UTF8:
	case WS_ERR_CLOSE_REASON_UTF8:
		return WS_CLOSE_INVALID_DATA;
	case WS_ERR_FRAME_TOO_BIG:
	case WS_ERR_MESSAGE_TOO_BIG:
	case WS_ERR_TOO_MANY_FRAGMENTS:
	case WS_ERR_BUDGET:
		return WS_CLOSE_TOO_BIG;
	case WS_ERR_NOMEM:
	case WS_ERR_INVAL:
		return WS_CLOSE_INTERNAL;
	case WS_OK:
	case WS_NEED_MORE:
		return WS_CLOSE_NORMAL;
	default:
		return WS_CLOSE_PROTOCOL;
	}
}

/* The HTTP status a server sends for a handshake error. */
int
ws_err_http_status(int err)
{
	switch (err) {
	case WS_OK:
	case WS_NEED_MORE:
		return 101;
	case WS_ERR_HS_METHOD:
		return 405;
	case WS_ERR_HS_TARGET_TOO_LONG:
		return 414;
	case WS_ERR_HS_HEADER_TOO_LONG:
	case WS_ERR_HS_HEADERS_TOO_BIG:
	case WS_ERR_HS_TOO_MANY_HEADERS:
	case WS_ERR_HS_FIELD_TOO_LONG:
		return 431;
	case WS_ERR_HS_NO_VERSION:
	case WS_ERR_HS_BAD_VERSION:
		return 426;
	case WS_ERR_HS_ORIGIN:
		return 403;
	case WS_ERR_BUDGET:
		return 503;
	case WS_ERR_NOMEM:
	case WS_ERR_INVAL:
	case WS_ERR_HS_CRYPTO:
		return 500;
	default:
		return 400;
	}
}

/* Fill in the documented default limits. */
void
ws_limits_default(struct ws_limits *l)
{
	l->wl_max_frame = WS_DEFAULT_MAX_FRAME;
	l->wl_max_message = WS_DEFAULT_MAX_MESSAGE;
	l->wl_max_fragments = WS_DEFAULT_MAX_FRAGMENTS;
	l->wl_max_request_line = WS_DEFAULT_MAX_REQUEST_LINE;
	l->wl_max_header_bytes = WS_DEFAULT_MAX_HEADER_BYTES;
	l->wl_max_headers = WS_DEFAULT_MAX_HEADERS;
}

/* Start a parser for one connection; lim NULL means the defaults. */
void
ws_parser_init(struct ws_parser *p, enum ws_role role,
    const struct ws_limits *lim, int flags)
{
	memset(p, 0, sizeof(*p));
	p->wp_role = role;
	p->wp_flags = flags;
	if (lim != NULL)
		p->wp_lim = *lim;
	else
		ws_limits_default(&p->wp_lim);
	p->wp_hneed = 2;
	buf_init(&p->wp_msg, p->wp_lim.wl_max_message > SIZE_MAX / 4 ?
	    SIZE_MAX / 4 : (size_t)p->wp_lim.wl_max_message);
}

/* Give the budget back what the reassembled message was charged. */
static void
parse_release(struct ws_parser *p)
{
	if (p->wp_hold != NULL && p->wp_charged > 0)
		budget_release(p->wp_budget, p->wp_hold, p->wp_charged);
	p->wp_charged = 0;
}

/*
 * Release the reassembly buffer; the parser may be re-initialised.  The
 * bytes written are wiped (of a kept buffer, all it may have held); the
 * unused tail of a big one is not touched, so freeing does not fault it
 * in.
 */
void
ws_parser_free(struct ws_parser *p)
{
	size_t	 n;

	if (p == NULL)
		return;
	parse_release(p);
	n = p->wp_msg.bf_cap < WS_KEEP_BUFFER ? p->wp_msg.bf_cap :
	    WS_KEEP_BUFFER;
	if (n < p->wp_msg.bf_len + 1 && p->wp_msg.bf_data != NULL)
		n = p->wp_msg.bf_len + 1;
	if (p->wp_msg.bf_data != NULL)
		explicit_bzero(p->wp_msg.bf_data, n);
	free(p->wp_msg.bf_data);
	p->wp_msg.bf_data = NULL;
	p->wp_msg.bf_len = p->wp_msg.bf_cap = 0;
}

/* Charge reassembled bytes to a budget as holder h. */
void
ws_parser_budget(struct ws_parser *p, struct budget *b,
    struct budget_hold *h)
{
	parse_release(p);
	p->wp_budget = b;
	p->wp_hold = h;
}

#define WS_HIGH_BITS	0x8080808080808080ULL

/*
 * XOR n bytes with the key, starting at position off of the masked
 * payload: aligned 64-bit words with the key rotated to match.  With
 * track set, also return how many leading bytes are certainly ASCII
 * (whole 32-byte blocks), so text needs no second pass for them.
 */
static inline __attribute__((always_inline)) size_t
mask_run(uint8_t *d, size_t n, const uint8_t key[4], size_t off, int track)
{
	uint64_t	 kw, w0, w1, w2, w3;
	uint32_t	 k32;
	size_t		 i = 0, ascii = 0;
	unsigned	 r;
	int		 clean = track;

	while (i < n && ((uintptr_t)(d + i) & 7) != 0) {
		d[i] ^= key[(off + i) & 3];
		clean = clean && d[i] < 0x80;
		i++;
	}
	if (clean)
		ascii = i;
	if (n - i >= 8) {
		/*
		 * The key rotated to this position, twice: built in a
		 * register (bytes stored one by one and read back as a word
		 * would stall store forwarding on every frame).
		 */
		memcpy(&k32, key, 4);
		r = (unsigned)((off + i) & 3) * 8;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		if (r != 0)
			k32 = k32 << r | k32 >> (32 - r);
#else
		if (r != 0)
			k32 = k32 >> r | k32 << (32 - r);
#endif
		kw = (uint64_t)k32 << 32 | k32;
		for (; n - i >= 32; i += 32) {
			/* Scalars, not an array: keep them in registers. */
			memcpy(&w0, d + i, 8);
			memcpy(&w1, d + i + 8, 8);
			memcpy(&w2, d + i + 16, 8);
			memcpy(&w3, d + i + 24, 8);
			w0 ^= kw;
			w1 ^= kw;
			w2 ^= kw;
			w3 ^= kw;
			memcpy(d + i, &w0, 8);
			memcpy(d + i + 8, &w1, 8);
			memcpy(d + i + 16, &w2, 8);
			memcpy(d + i + 24, &w3, 8);
			if (clean) {
				if (((w0 | w1 | w2 | w3) & WS_HIGH_BITS) == 0)
					ascii = i + 32;
				else
					clean = 0;
			}
		}
		for (; n - i >= 8; i += 8) {
			memcpy(&w0, d + i, 8);
			w0 ^= kw;
			memcpy(d + i, &w0, 8);
		}
	}
	for (; i < n; i++)
		d[i] ^= key[(off + i) & 3];
	return ascii;
}

/* XOR n bytes in place with the key, from payload position off. */
void
ws_mask(uint8_t *d, size_t n, const uint8_t key[4], size_t off)
{
	(void)mask_run(d, n, key, off, 0);
}

/*
 * Unmask (if masked) and validate one piece of a text message, carrying
 * the UTF-8 state; on failure *bad is the index of the first bad byte.
 */
static int
unmask_text(struct ws_parser *p, uint8_t *d, size_t n, uint32_t *st,
    size_t *bad)
{
	size_t	 skip = 0;

	if (p->wp_masked) {
		skip = mask_run(d, n, p->wp_key, (size_t)(p->wp_pdone & 3),
		    *st == UTF8_ACCEPT);
		if (skip > n)
			skip = n;
	}
	*st = utf8_validate(*st, d + skip, n - skip, bad);
	*bad += skip;
	return *st == UTF8_REJECT ? -1 : 0;
}

/* Whether a close status may appear on the wire. */
int
ws_close_code_valid(uint16_t code)
{
	return (code >= 1000 && code <= 1003) ||
	    (code >= 1007 && code <= 1011) ||
	    (code >= 3000 && code <= 4999);
}

/* Record a sticky error. */
static int
parse_fail(struct ws_parser *p, int err, size_t off, size_t *used)
{
	p->wp_err = err;
	*used = off;
	return err;
}

/* Check the first two header bytes; set how long the header is. */
static int
parse_head2(struct ws_parser *p)
{
	uint8_t	 b0 = p->wp_hdr[0], b1 = p->wp_hdr[1];
	int	 op = b0 & 0x0f, len7 = b1 & 0x7f;

	p->wp_fin = (b0 & 0x80) != 0;
	p->wp_opcode = op;
	p->wp_masked = (b1 & 0x80) != 0;
	p->wp_rsv1 = (b0 & 0x40) != 0;
	if ((b0 & 0x70) != 0) {
		if (!(p->wp_flags & WS_PARSE_RSV1) || (b0 & 0x30) != 0)
			return WS_ERR_RSV_BITS;
		/* RFC 7692 6: only the first frame of a data message. */
		if (op & 0x8)
			return WS_ERR_RSV1_CONTROL;
		if (op == WS_OP_CONT)
			return WS_ERR_RSV1_CONTINUATION;
	}
	if (op != WS_OP_CONT && op != WS_OP_TEXT && op != WS_OP_BINARY &&
	    op != WS_OP_CLOSE && op != WS_OP_PING && op != WS_OP_PONG)
		return WS_ERR_RESERVED_OPCODE;
	if (op & 0x8) {
		if (!p->wp_fin)
			return WS_ERR_CONTROL_FRAGMENTED;
		if (len7 > WS_CONTROL_MAX)
			return WS_ERR_CONTROL_TOO_LONG;
	} else if (op == WS_OP_CONT && p->wp_msg_op == 0)
		return WS_ERR_UNEXPECTED_CONTINUATION;
	else if (op != WS_OP_CONT && p->wp_msg_op != 0)
		return WS_ERR_EXPECTED_CONTINUATION;
	if (p->wp_role == WS_ROLE_SERVER && !p->wp_masked)
		return WS_ERR_UNMASKED_FRAME;
	if (p->wp_role == WS_ROLE_CLIENT && p->wp_masked)
		return WS_ERR_MASKED_FRAME;
	p->wp_hneed = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) +
	    (p->wp_masked ? 4 : 0);
	return WS_OK;
}

/* The header is complete: decode the length and apply the limits. */
static int
parse_headfull(struct ws_parser *p)
{
	const struct ws_limits	*l = &p->wp_lim;
	uint64_t		 len;
	int			 len7 = p->wp_hdr[1] & 0x7f, i;

	if (len7 == 126)
		len = (uint64_t)p->wp_hdr[2] << 8 | p->wp_hdr[3];
	else if (len7 == 127) {
		if (p->wp_hdr[2] & 0x80)
			return WS_ERR_LENGTH_MSB;
		len = 0;
		for (i = 2; i < 10; i++)
			len = len << 8 | p->wp_hdr[i];
	} else
		len = (uint64_t)len7;
	if (p->wp_masked)
		memcpy(p->wp_key, p->wp_hdr + p->wp_hneed - 4, 4);
	p->wp_plen = len;
	p->wp_pdone = 0;
	if (p->wp_opcode & 0x8)
		return WS_OK;
	if (len > l->wl_max_frame)
		return WS_ERR_FRAME_TOO_BIG;
	if (p->wp_opcode != WS_OP_CONT) {
		p->wp_msg_op = p->wp_opcode;
		p->wp_msg_comp = p->wp_rsv1;
		p->wp_msg_len = 0;
		p->wp_msg_frags = 0;
		p->wp_utf8 = UTF8_ACCEPT;
	}
	if (len > l->wl_max_message - p->wp_msg_len ||
	    p->wp_msg_len > l->wl_max_message)
		return WS_ERR_MESSAGE_TOO_BIG;
	if (p->wp_msg_frags >= l->wl_max_fragments)
		return WS_ERR_TOO_MANY_FRAGMENTS;
	p->wp_msg_len += len;
	p->wp_msg_frags++;
	return WS_OK;
}

/* A whole control frame is in wp_ctl: check it and make the event. */
static int
parse_control(struct ws_parser *p, struct ws_event *ev)
{
	size_t	 n = (size_t)p->wp_plen;

	ev->we_data = p->wp_ctl;
	ev->we_len = n;
	switch (p->wp_opcode) {
	case WS_OP_PING:
		ev->we_type = WS_EV_PING;
		return WS_OK;
	case WS_OP_PONG:
		ev->we_type = WS_EV_PONG;
		return WS_OK;
	default:
		break;
	}
	ev->we_type = WS_EV_CLOSE;
	if (n == 1)
		return WS_ERR_CLOSE_PAYLOAD;
	if (n >= 2) {
		ev->we_code = (uint16_t)(p->wp_ctl[0] << 8 | p->wp_ctl[1]);
		if (!ws_close_code_valid(ev->we_code))
			return WS_ERR_CLOSE_CODE;
		ev->we_reason = (const char *)p->wp_ctl + 2;
		ev->we_reason_len = n - 2;
		if (!utf8_valid(ev->we_reason, n - 2))
			return WS_ERR_CLOSE_REASON_UTF8;
	}
	p->wp_closed = 1;
	return WS_OK;
}

/*
 * Between messages: no header, payload or fragmented message begun (a
 * control frame between fragments leaves the message unfinished).
 */
int
ws_parser_idle(const struct ws_parser *p)
{
	return p->wp_msg_op == 0 && !p->wp_in_payload && p->wp_hlen == 0;
}

/* Get ready for the next frame header. */
static void
parse_next_frame(struct ws_parser *p)
{
	p->wp_in_payload = 0;
	p->wp_hlen = 0;
	p->wp_hneed = 2;
}

/* The message in progress ended with this frame. */
static void
parse_end_message(struct ws_parser *p)
{
	p->wp_msg_op = 0;
	p->wp_msg_comp = 0;
	p->wp_msg_len = 0;
	p->wp_msg_frags = 0;
}

/*
 * Parse frames from in[0..len).  Payload bytes are unmasked in place in
 * in.  Returns WS_OK with one event in *ev, WS_NEED_MORE when all the
 * input was taken without completing an event, or a WS_ERR_* value
 * (sticky; ws_err_close_code() gives the close status to send).  *used
 * is how many input bytes were consumed; call again with the rest.
 */
int
ws_parse(struct ws_parser *p, uint8_t *in, size_t len, size_t *used,
    struct ws_event *ev)
{
	size_t		 off = 0, n;
	uint8_t		*chunk;
	int		 r, ctl;

	memset(ev, 0, sizeof(*ev));
	*used = 0;
	if (p->wp_err != WS_OK)
		return p->wp_err;
	if (p->wp_msg_op == 0 && p->wp_msg.bf_len > 0) {
		/* Do not keep a huge buffer for one huge message. */
		if (p->wp_msg.bf_cap > WS_KEEP_BUFFER)
			buf_free(&p->wp_msg);
		buf_reset(&p->wp_msg);
		/* A buffer kept for the next message stays charged. */
		parse_release(p);
		if (p->wp_hold != NULL && p->wp_msg.bf_cap > 0) {
			budget_force(p->wp_budget, p->wp_hold,
			    p->wp_msg.bf_cap);
			p->wp_charged = p->wp_msg.bf_cap;
		}
	}
	if (p->wp_closed)
		return len == 0 ? WS_NEED_MORE :
		    parse_fail(p, WS_ERR_AFTER_CLOSE, 0, used);
	for (;;) {
		if (!p->wp_in_payload) {
			/* Whole header in the input: no byte loop. */
			if (p->wp_hlen == 0 && len - off >= 2) {
				memcpy(p->wp_hdr, in + off, 2);
				p->wp_hlen = 2;
				off += 2;
				if ((r = parse_head2(p)) != WS_OK)
					return parse_fail(p, r, off, used);
				if (len - off >= p->wp_hneed - 2) {
					memcpy(p->wp_hdr + 2, in + off,
					    p->wp_hneed - 2);
					off += p->wp_hneed - 2;
					p->wp_hlen = p->wp_hneed;
				}
			}
			while (p->wp_hlen < p->wp_hneed) {
				if (off == len) {
					*used = off;
					return WS_NEED_MORE;
				}
				p->wp_hdr[p->wp_hlen++] = in[off++];
				if (p->wp_hlen == 2 &&
				    (r = parse_head2(p)) != WS_OK)
					return parse_fail(p, r, off, used);
			}
			if ((r = parse_headfull(p)) != WS_OK)
				return parse_fail(p, r, off, used);
			p->wp_in_payload = 1;
			/* Zero copy: a whole single-frame message is here. */
			if (!(p->wp_flags & WS_PARSE_STREAM) && p->wp_fin &&
			    (p->wp_opcode == WS_OP_TEXT ||
			    p->wp_opcode == WS_OP_BINARY) &&
			    p->wp_plen <= len - off) {
				uint32_t st = UTF8_ACCEPT;
				size_t	 bad = 0;

				n = (size_t)p->wp_plen;
				chunk = in + off;
				if (p->wp_opcode == WS_OP_BINARY ||
				    p->wp_msg_comp) {
					if (p->wp_masked)
						ws_mask(chunk, n, p->wp_key, 0);
				} else if (unmask_text(p, chunk, n, &st,
				    &bad) == -1 || st != UTF8_ACCEPT)
					return parse_fail(p,
					    WS_ERR_INVALID_UTF8, off + bad, used);
				off += (size_t)p->wp_plen;
				ev->we_type = p->wp_opcode == WS_OP_TEXT ?
				    WS_EV_TEXT : WS_EV_BINARY;
				ev->we_data = chunk;
				ev->we_len = (size_t)p->wp_plen;
				ev->we_compressed = p->wp_msg_comp;
				parse_next_frame(p);
				parse_end_message(p);
				*used = off;
				return WS_OK;
			}
		}
		ctl = (p->wp_opcode & 0x8) != 0;
		n = len - off;
		if (n > p->wp_plen - p->wp_pdone)
			n = (size_t)(p->wp_plen - p->wp_pdone);
		if (n == 0 && p->wp_pdone < p->wp_plen) {
			*used = off;
			return WS_NEED_MORE;
		}
		chunk = in + off;
		if (!ctl && p->wp_msg_op == WS_OP_TEXT && !p->wp_msg_comp) {
			size_t	 bad = 0;

			if (unmask_text(p, chunk, n, &p->wp_utf8, &bad) == -1)
				return parse_fail(p, WS_ERR_INVALID_UTF8,
				    off + bad, used);
		} else if (p->wp_masked)
			ws_mask(chunk, n, p->wp_key, (size_t)(p->wp_pdone & 3));
		if (ctl)
			memcpy(p->wp_ctl + p->wp_pdone, chunk, n);
		else {
			if (!(p->wp_flags & WS_PARSE_STREAM) && n > 0 &&
			    p->wp_hold != NULL) {
				/* Before the copy: the budget decides. */
				if (budget_charge(p->wp_budget, p->wp_hold, n)
				    == -1)
					return parse_fail(p, WS_ERR_BUDGET, off,
					    used);
				p->wp_charged += n;
			}
			if (!(p->wp_flags & WS_PARSE_STREAM) &&
			    buf_add(&p->wp_msg, chunk, n) == -1)
				return parse_fail(p, WS_ERR_NOMEM, off, used);
		}
		off += n;
		p->wp_pdone += n;
		if (p->wp_pdone < p->wp_plen) {
			*used = off;
			if ((p->wp_flags & WS_PARSE_STREAM) && !ctl && n > 0)
				goto part;
			return WS_NEED_MORE;
		}
		parse_next_frame(p);
		if (ctl) {
			if ((r = parse_control(p, ev)) != WS_OK)
				return parse_fail(p, r, off, used);
			*used = off;
			return WS_OK;
		}
		if (!p->wp_fin) {
			if ((p->wp_flags & WS_PARSE_STREAM) && n > 0) {
				*used = off;
				goto part;
			}
			continue;
		}
		if (p->wp_msg_op == WS_OP_TEXT && p->wp_utf8 != UTF8_ACCEPT)
			return parse_fail(p, WS_ERR_INVALID_UTF8, off, used);
		*used = off;
		if (p->wp_flags & WS_PARSE_STREAM) {
			ev->we_final = 1;
			goto part;
		}
		ev->we_type = p->wp_msg_op == WS_OP_TEXT ? WS_EV_TEXT :
		    WS_EV_BINARY;
		ev->we_data = (const uint8_t *)p->wp_msg.bf_data;
		ev->we_len = p->wp_msg.bf_len;
		ev->we_compressed = p->wp_msg_comp;
		if (ev->we_data == NULL)
			ev->we_data = (const uint8_t *)"";
		parse_end_message(p);
		return WS_OK;
	}
 part:
	ev->we_type = p->wp_msg_op == WS_OP_TEXT ? WS_EV_TEXT_PART :
	    WS_EV_BINARY_PART;
	ev->we_data = n > 0 ? chunk : (const uint8_t *)"";
	ev->we_len = n;
	ev->we_compressed = p->wp_msg_comp;
	if (ev->we_final)
		parse_end_message(p);
	return WS_OK;
}

/*
 * Encode a frame header into hdr (at most WS_HEADER_MAX bytes) and set
 * *hlen; key is the masking key or NULL for an unmasked frame.
 */
int
ws_frame_header(uint8_t hdr[WS_HEADER_MAX], size_t *hlen, int opcode,
    int fin, uint64_t len, const uint8_t *key)
{
	size_t	 i = 2;
	int	 s, rsv1 = opcode & WS_FRAME_RSV1;

	opcode &= ~WS_FRAME_RSV1;
	if (rsv1 && opcode != WS_OP_TEXT && opcode != WS_OP_BINARY)
		return -1;
	if (opcode != WS_OP_CONT && opcode != WS_OP_TEXT &&
	    opcode != WS_OP_BINARY && opcode != WS_OP_CLOSE &&
	    opcode != WS_OP_PING && opcode != WS_OP_PONG)
		return -1;
	if ((opcode & 0x8) && (!fin || len > WS_CONTROL_MAX))
		return -1;
	if (len >> 63)
		return -1;
	hdr[0] = (uint8_t)((fin ? 0x80 : 0) | rsv1 | opcode);
	hdr[1] = key != NULL ? 0x80 : 0;
	if (len < 126)
		hdr[1] |= (uint8_t)len;
	else if (len <= 0xffff) {
		hdr[1] |= 126;
		hdr[2] = (uint8_t)(len >> 8);
		hdr[3] = (uint8_t)len;
		i = 4;
	} else {
		hdr[1] |= 127;
		for (s = 56; s >= 0; s -= 8)
			hdr[i++] = (uint8_t)(len >> s);
	}
	if (key != NULL) {
		memcpy(hdr + i, key, 4);
		i += 4;
	}
	*hlen = i;
	return 0;
}

/*
 * Masking keys come from a pool of random bytes refilled WS_KEY_POOL
 * bytes at a time: one arc4random_buf call per 1024 frames instead of
 * one per frame (libbsd's checks the pid on every call).  Each key is
 * still unpredictable and used once, which is all RFC 6455 5.3 asks.
 * The pool is per process: a fork would copy it and the child would
 * repeat its parent's next keys, but workers are exec'd after fork and
 * nothing forks without exec once keys were taken.
 */
static uint8_t	 ws_key_pool[WS_KEY_POOL];
static size_t	 ws_key_off = WS_KEY_POOL;

/* The next masking key from the pool, refilled when used up. */
static void
ws_next_key(uint8_t key[4])
{
	if (ws_key_off > WS_KEY_POOL - 4) {
		arc4random_buf(ws_key_pool, sizeof(ws_key_pool));
		ws_key_off = 0;
	}
	memcpy(key, ws_key_pool + ws_key_off, 4);
	ws_key_off += 4;
}

/*
 * Append one frame to out.  A client masks it with a fresh random key;
 * a server sends it unmasked.  On -1 out is unchanged.
 */
int
ws_frame_build(struct buf *out, enum ws_role role, int opcode, int fin,
    const void *payload, size_t len)
{
	uint8_t	 hdr[WS_HEADER_MAX], key[4];
	size_t	 hlen, start = out->bf_len;

	if (role == WS_ROLE_CLIENT)
		ws_next_key(key);
	if (ws_frame_header(hdr, &hlen, opcode, fin, len,
	    role == WS_ROLE_CLIENT ? key : NULL) == -1)
		return -1;
	if (buf_reserve(out, hlen + len) == -1)
		return -1;
	if (buf_add(out, hdr, hlen) == -1 ||
	    buf_add(out, payload, len) == -1) {
		out->bf_len = start;
		return -1;
	}
	if (role == WS_ROLE_CLIENT)
		ws_mask((uint8_t *)out->bf_data + start + hlen, len, key, 0);
	return 0;
}

/*
 * Append a close frame: no payload when code is 0, else the code and a
 * UTF-8 reason that must fit the 125-byte control payload.
 */
int
ws_close_build(struct buf *out, enum ws_role role, uint16_t code,
    const char *reason, size_t rlen)
{
	uint8_t	 pl[WS_CONTROL_MAX];

	if (code == 0)
		return ws_frame_build(out, role, WS_OP_CLOSE, 1, "", 0);
	if (rlen > WS_CONTROL_MAX - 2 || (rlen > 0 && (reason == NULL ||
	    !utf8_valid(reason, rlen))))
		return -1;
	pl[0] = (uint8_t)(code >> 8);
	pl[1] = (uint8_t)code;
	if (rlen > 0)
		memcpy(pl + 2, reason, rlen);
	return ws_frame_build(out, role, WS_OP_CLOSE, 1, pl, rlen + 2);
}

/* Start the closing handshake state of a new, open connection. */
void
ws_close_init(struct ws_close *c, enum ws_role role)
{
	memset(c, 0, sizeof(*c));
	c->wc_role = role;
	c->wc_state = WS_STATE_OPEN;
}

/* Say when to drop TCP once both close frames have been exchanged. */
static void
close_done(struct ws_close *c, struct ws_close_action *a)
{
	c->wc_state = WS_STATE_CLOSED;
	/* RFC 6455 7.1.1: the server closes TCP first; a client waits. */
	if (c->wc_role == WS_ROLE_SERVER)
		a->ca_drop = 1;
	else
		a->ca_wait = 1;
}

/* We want to close (shutdown, policy): send code and wait for the peer. */
void
ws_close_local(struct ws_close *c, uint16_t code, struct ws_close_action *a)
{
	memset(a, 0, sizeof(*a));
	if (c->wc_state != WS_STATE_OPEN)
		return;
	a->ca_send = 1;
	a->ca_code = code;
	a->ca_wait = 1;
	c->wc_sent = 1;
	c->wc_state = WS_STATE_CLOSING;
}

/* A valid close frame arrived with code (0: no code). */
void
ws_close_received(struct ws_close *c, uint16_t code,
    struct ws_close_action *a)
{
	memset(a, 0, sizeof(*a));
	if (c->wc_state == WS_STATE_CLOSED || c->wc_received)
		return;
	c->wc_received = 1;
	c->wc_code = code;
	if (!c->wc_sent) {
		a->ca_send = 1;
		a->ca_code = code != 0 ? code : WS_CLOSE_NORMAL;
		c->wc_sent = 1;
	}
	close_done(c, a);
}

/* The parser failed with err: send its close status (once) and drop. */
void
ws_close_failed(struct ws_close *c, int err, struct ws_close_action *a)
{
	memset(a, 0, sizeof(*a));
	if (c->wc_state == WS_STATE_CLOSED)
		return;
	if (!c->wc_sent) {
		a->ca_send = 1;
		a->ca_code = ws_err_close_code(err);
		c->wc_sent = 1;
	}
	c->wc_state = WS_STATE_CLOSED;
	a->ca_drop = 1;
}

/* Whether data frames may still be sent. */
int
ws_close_may_send(const struct ws_close *c)
{
	return c->wc_state == WS_STATE_OPEN;
}

/* Whether received messages should still be delivered. */
int
ws_close_may_deliver(const struct ws_close *c)
{
	return !c->wc_received && c->wc_state != WS_STATE_CLOSED;
}
