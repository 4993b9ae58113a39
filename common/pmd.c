/* SPDX-License-Identifier: ISC */
/*
 * permessage-deflate (RFC 7692): the Sec-WebSocket-Extensions grammar
 * (RFC 6455 9.1 with RFC 7230 tokens, quoted strings and list rules),
 * the server's choice of an offer and its answer, the client's offer and
 * its check of the answer, and the zlib codec of one connection.
 *
 * Decisions (see also pmd.h):
 * - Extension and parameter names match case-insensitively, like other
 *   HTTP tokens; values are decimal window bits, quoted or not (7.1).
 * - A permessage-deflate offer with an unknown or repeated parameter or
 *   a bad value is declined, the next offer is tried (5, 7); a header
 *   that breaks the grammar is ignored as a whole.
 * - zlib cannot deflate with a 256-byte window (it fails -8 for raw
 *   streams): when 8 bits were agreed we deflate with 9.  zlib never
 *   emits a distance over its window less MIN_LOOKAHEAD (262), 250 bytes
 *   at 9 bits, so the peer's 256-byte window is enough (7.1.2.1).
 * - Without context takeover the zlib stream is freed after each message
 *   rather than reset: an idle connection then holds no zlib memory.
 */
#include "config.h"

#define ZLIB_CONST

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "pmd.h"

#define PMD_NAME	"permessage-deflate"
#define PMD_CHUNK	16384		/* output bytes per zlib call */
#define PMD_PIECE	(1U << 30)	/* input bytes per zlib call */
#define PMD_ZSTATE	8192		/* zlib's "few kilobytes" of state */

static const uint8_t pmd_tail[4] = { 0x00, 0x00, 0xff, 0xff };

static const char *const pmd_errstr[PMD_ERR_MAX] = {
	[PMD_OK] = "ok",
	[PMD_NONE] = "no permessage-deflate agreed",
	[PMD_ERR_INVAL] = "invalid argument",
	[PMD_ERR_NOMEM] = "out of memory",
	[PMD_ERR_SYNTAX] = "malformed Sec-WebSocket-Extensions",
	[PMD_ERR_UNOFFERED] = "server selected an extension not offered",
	[PMD_ERR_DUPLICATE] = "extension or parameter repeated",
	[PMD_ERR_PARAM] = "unknown or misused permessage-deflate parameter",
	[PMD_ERR_VALUE] = "window bits not a number from 8 to 15",
	[PMD_ERR_WINDOW] = "window bits larger than offered or missing",
	[PMD_ERR_CONTEXT] = "server_no_context_takeover was not accepted",
	[PMD_ERR_TOO_BIG] = "inflated message over the size limit",
	[PMD_ERR_DATA] = "invalid compressed data",
};

/* A cursor over a header value. */
struct pmd_lex {
	const char	*lx_s;
	size_t		 lx_n;
	size_t		 lx_i;
};

/* One extension element as parsed. */
struct pmd_offer {
	int		 po_pmd;	/* named permessage-deflate */
	int		 po_bad;	/* first PMD_ERR_* found, 0: fine */
	int		 po_snct;
	int		 po_cnct;
	int		 po_sbits;	/* -1: absent */
	int		 po_cbits;	/* -1: absent, 0: without a value */
};

/* One codec per connection; "in" is what the peer sends us. */
struct pmd {
	int		 pm_level;
	int		 pm_in_bits;
	int		 pm_out_bits;
	int		 pm_in_reset;	/* peer uses no context takeover */
	int		 pm_out_reset;	/* we use no context takeover */
	z_stream	 pm_in;
	z_stream	 pm_out;
	int		 pm_in_live;
	int		 pm_out_live;
	int		 pm_in_err;	/* sticky */
	int		 pm_out_err;	/* sticky */
	int		 pm_in_end;	/* the message had a final block */
	size_t		 pm_in_msg;	/* inflated bytes of this message */
	size_t		 pm_in_raw;	/* compressed bytes of this message */
	size_t		 pm_out_msg;	/* bytes of this message deflated */
};

/* A short description of a PMD_* result for logs. */
const char *
pmd_strerror(int err)
{
	if (err < 0 || err >= PMD_ERR_MAX || pmd_errstr[err] == NULL)
		return "unknown error";
	return pmd_errstr[err];
}

/* The close status an inflate or deflate error must be answered with. */
uint16_t
pmd_err_close_code(int err)
{
	switch (err) {
	case PMD_OK:
	case PMD_NONE:
		return WS_CLOSE_NORMAL;
	case PMD_ERR_TOO_BIG:
		return WS_CLOSE_TOO_BIG;
	case PMD_ERR_DATA:
		return WS_CLOSE_INVALID_DATA;
	case PMD_ERR_NOMEM:
	case PMD_ERR_INVAL:
		return WS_CLOSE_INTERNAL;
	default:
		return WS_CLOSE_PROTOCOL;
	}
}

/* Compression off, and RFC 7692's defaults for when it is turned on. */
void
pmd_config_default(struct pmd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->pc_server_max_window_bits = PMD_WBITS_MAX;
	c->pc_client_max_window_bits = PMD_WBITS_MAX;
	c->pc_level = -1;
}

/* Whether every value of a configuration is in range. */
int
pmd_config_valid(const struct pmd_config *c)
{
	return c->pc_server_max_window_bits >= PMD_WBITS_MIN &&
	    c->pc_server_max_window_bits <= PMD_WBITS_MAX &&
	    c->pc_client_max_window_bits >= PMD_WBITS_MIN &&
	    c->pc_client_max_window_bits <= PMD_WBITS_MAX &&
	    c->pc_level >= -1 && c->pc_level <= 9;
}

/* RFC 7230 tchar. */
static int
lex_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Skip optional white space (SP and HTAB). */
static void
lex_ows(struct pmd_lex *lx)
{
	while (lx->lx_i < lx->lx_n &&
	    (lx->lx_s[lx->lx_i] == ' ' || lx->lx_s[lx->lx_i] == '\t'))
		lx->lx_i++;
}

/* Whether the next byte is c (without taking it). */
static int
lex_at(const struct pmd_lex *lx, char c)
{
	return lx->lx_i < lx->lx_n && lx->lx_s[lx->lx_i] == c;
}

/* Take a token; -1 when there is none. */
static int
lex_token(struct pmd_lex *lx, const char **t, size_t *tl)
{
	size_t	 start = lx->lx_i;

	while (lx->lx_i < lx->lx_n &&
	    lex_tchar((unsigned char)lx->lx_s[lx->lx_i]))
		lx->lx_i++;
	*t = lx->lx_s + start;
	*tl = lx->lx_i - start;
	return *tl == 0 ? -1 : 0;
}

/* Append c to v if it fits; *vl counts every byte anyway. */
static void
lex_keep(char *v, size_t vsize, size_t *vl, char c)
{
	if (*vl + 1 < vsize)
		v[*vl] = c;
	(*vl)++;
}

/*
 * Take a parameter value, a token or a quoted-string (unescaped), into
 * v; *vl is its full length (v holds the first vsize - 1 bytes).
 */
static int
lex_value(struct pmd_lex *lx, char *v, size_t vsize, size_t *vl)
{
	const char	*t;
	size_t		 tl, i;
	unsigned char	 c;

	*vl = 0;
	if (!lex_at(lx, '"')) {
		if (lex_token(lx, &t, &tl) == -1)
			return -1;
		for (i = 0; i < tl; i++)
			lex_keep(v, vsize, vl, t[i]);
		v[*vl < vsize ? *vl : vsize - 1] = '\0';
		return 0;
	}
	for (lx->lx_i++; lx->lx_i < lx->lx_n; lx->lx_i++) {
		c = (unsigned char)lx->lx_s[lx->lx_i];
		if (c == '"') {
			lx->lx_i++;
			v[*vl < vsize ? *vl : vsize - 1] = '\0';
			return 0;
		}
		if (c == '\\') {
			if (++lx->lx_i == lx->lx_n)
				return -1;
			c = (unsigned char)lx->lx_s[lx->lx_i];
			if (c != '\t' && (c < 0x20 || c == 0x7f))
				return -1;
		} else if (c != '\t' && (c < 0x20 || c == 0x7f))
			return -1;
		lex_keep(v, vsize, vl, (char)c);
	}
	return -1;		/* no closing quote */
}

/* Whether the token t is name, ignoring case. */
static int
lex_is(const char *t, size_t tl, const char *name)
{
	return tl == strlen(name) && strncasecmp(t, name, tl) == 0;
}

/* Window bits: 1*DIGIT without leading zeroes, 8..15; -1 otherwise. */
static int
offer_bits(const char *v, size_t vl)
{
	if (vl == 1 && v[0] >= '8' && v[0] <= '9')
		return v[0] - '0';
	if (vl == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5')
		return 10 + v[1] - '0';
	return -1;
}

/* Note the first problem of an element. */
static void
offer_bad(struct pmd_offer *o, int err)
{
	if (o->po_bad == 0)
		o->po_bad = err;
}

/* A no-value flag parameter (the two *_no_context_takeover). */
static void
offer_flag(struct pmd_offer *o, int *flag, const char *v)
{
	if (*flag)
		offer_bad(o, PMD_ERR_DUPLICATE);
	else if (v != NULL)
		offer_bad(o, PMD_ERR_PARAM);
	*flag = 1;
}

/* A window bits parameter; optional: a value is not required. */
static void
offer_window(struct pmd_offer *o, int *bits, const char *v, size_t vl,
    int optional)
{
	int	 b;

	if (*bits != -1)
		offer_bad(o, PMD_ERR_DUPLICATE);
	else if (v == NULL && optional)
		*bits = 0;
	else if (v == NULL || (b = offer_bits(v, vl)) == -1)
		offer_bad(o, PMD_ERR_VALUE);
	else
		*bits = b;
}

/* Apply one parameter of a permessage-deflate element (7.1). */
static void
offer_param(struct pmd_offer *o, const char *n, size_t nl, const char *v,
    size_t vl)
{
	if (lex_is(n, nl, "server_no_context_takeover"))
		offer_flag(o, &o->po_snct, v);
	else if (lex_is(n, nl, "client_no_context_takeover"))
		offer_flag(o, &o->po_cnct, v);
	else if (lex_is(n, nl, "server_max_window_bits"))
		offer_window(o, &o->po_sbits, v, vl, 0);
	else if (lex_is(n, nl, "client_max_window_bits"))
		offer_window(o, &o->po_cbits, v, vl, 1);
	else
		offer_bad(o, PMD_ERR_PARAM);
}

/*
 * Parse one extension element, stopping before the "," or the end that
 * follows it; -1 on a syntax error.
 */
static int
lex_element(struct pmd_lex *lx, struct pmd_offer *o)
{
	const char	*t;
	size_t		 tl, vl = 0;
	char		 v[8];
	int		 has;

	memset(o, 0, sizeof(*o));
	o->po_sbits = o->po_cbits = -1;
	if (lex_token(lx, &t, &tl) == -1)
		return -1;
	o->po_pmd = lex_is(t, tl, PMD_NAME);
	for (;;) {
		lex_ows(lx);
		if (lx->lx_i == lx->lx_n || lex_at(lx, ','))
			return 0;
		if (!lex_at(lx, ';'))
			return -1;
		lx->lx_i++;
		lex_ows(lx);
		if (lex_token(lx, &t, &tl) == -1)
			return -1;
		lex_ows(lx);
		if ((has = lex_at(lx, '='))) {
			lx->lx_i++;
			lex_ows(lx);
			if (lex_value(lx, v, sizeof(v), &vl) == -1)
				return -1;
		}
		if (o->po_pmd)
			offer_param(o, t, tl, has ? v : NULL, vl);
	}
}

/*
 * The next element of a header value (empty list elements are skipped,
 * RFC 7230 7): 1 with *o filled, 0 at the end, -1 on a syntax error.
 */
static int
lex_next(struct pmd_lex *lx, struct pmd_offer *o)
{
	for (;;) {
		lex_ows(lx);
		if (lx->lx_i == lx->lx_n)
			return 0;
		if (!lex_at(lx, ','))
			break;
		lx->lx_i++;
	}
	return lex_element(lx, o) == -1 ? -1 : 1;
}

/*
 * Write "permessage-deflate" and its parameters: sbits 0 and cbits -1
 * leave the window parameters out, cbits 0 writes one without a value.
 */
static int
params_format(char *out, size_t len, int snct, int cnct, int sbits,
    int cbits)
{
	char	 sb[48] = "", cb[48] = "";
	int	 n;

	if (sbits > 0)
		(void)snprintf(sb, sizeof(sb), "; server_max_window_bits=%d",
		    sbits);
	if (cbits == 0)
		(void)snprintf(cb, sizeof(cb), "; client_max_window_bits");
	else if (cbits > 0)
		(void)snprintf(cb, sizeof(cb), "; client_max_window_bits=%d",
		    cbits);
	n = snprintf(out, len, "%s%s%s%s%s", PMD_NAME,
	    snct ? "; server_no_context_takeover" : "",
	    cnct ? "; client_no_context_takeover" : "", sb, cb);
	return n < 0 || (size_t)n >= len ? PMD_ERR_INVAL : PMD_OK;
}

/*
 * Whether a server configured with c accepts offer o; if so fill the
 * parameters and the answer (RFC 7692 7.1.1 and 7.1.2).
 */
static int
server_accept(const struct pmd_config *c, const struct pmd_offer *o,
    struct pmd_params *pp, char *resp, size_t rlen)
{
	int	 sbits, cbits;

	/*
	 * 7.1.2.2: we may only limit the client's window when it offered
	 * client_max_window_bits; without it we cannot bound our inflate
	 * window as configured, so decline.
	 */
	if (o->po_cbits == -1 &&
	    c->pc_client_max_window_bits < PMD_WBITS_MAX)
		return -1;
	pp->pp_server_no_context_takeover = o->po_snct ||
	    c->pc_server_no_context_takeover;
	pp->pp_client_no_context_takeover = o->po_cnct ||
	    c->pc_client_no_context_takeover;
	pp->pp_server_max_window_bits = c->pc_server_max_window_bits;
	if (o->po_sbits != -1 && o->po_sbits < pp->pp_server_max_window_bits)
		pp->pp_server_max_window_bits = o->po_sbits;
	pp->pp_client_max_window_bits = c->pc_client_max_window_bits;
	if (o->po_cbits > 0 && o->po_cbits < pp->pp_client_max_window_bits)
		pp->pp_client_max_window_bits = o->po_cbits;
	/* 7.1.2.1: an offered server_max_window_bits must be answered. */
	sbits = o->po_sbits != -1 ||
	    pp->pp_server_max_window_bits < PMD_WBITS_MAX ?
	    pp->pp_server_max_window_bits : 0;
	/* 7.1.2.2: answered only if offered, and then with a value. */
	cbits = o->po_cbits == -1 || (o->po_cbits == 0 &&
	    pp->pp_client_max_window_bits == PMD_WBITS_MAX) ? -1 :
	    pp->pp_client_max_window_bits;
	return params_format(resp, rlen, pp->pp_server_no_context_takeover,
	    pp->pp_client_no_context_takeover, sbits, cbits) == PMD_OK ? 0 :
	    -1;
}

/*
 * Server side: choose the first acceptable permessage-deflate offer in
 * a Sec-WebSocket-Extensions value (several headers joined with ",").
 * PMD_OK: *pp and resp (the value of our Sec-WebSocket-Extensions) are
 * set.  PMD_NONE: no offer acceptable, answer without the extension.
 * PMD_ERR_SYNTAX: the value breaks the grammar; also answer without it.
 */
int
pmd_server_negotiate(const struct pmd_config *c, const char *hdr,
    size_t len, struct pmd_params *pp, char *resp, size_t rlen)
{
	struct pmd_lex		 lx = { hdr, len, 0 };
	struct pmd_offer	 o;
	struct pmd_params	 p;
	int			 r, found = 0;

	if (rlen > 0)
		resp[0] = '\0';
	if (!c->pc_enabled || !pmd_config_valid(c))
		return PMD_NONE;
	while ((r = lex_next(&lx, &o)) == 1)
		if (!found && o.po_pmd && o.po_bad == 0 &&
		    server_accept(c, &o, &p, resp, rlen) == 0)
			found = 1;
	if (r == -1 || !found) {
		if (rlen > 0)
			resp[0] = '\0';
		return r == -1 ? PMD_ERR_SYNTAX : PMD_NONE;
	}
	*pp = p;
	return PMD_OK;
}

/* Client side: the value of our Sec-WebSocket-Extensions offer. */
int
pmd_client_offer(const struct pmd_config *c, char *out, size_t len)
{
	if (!c->pc_enabled || !pmd_config_valid(c))
		return PMD_ERR_INVAL;
	/* client_max_window_bits without a value: the server may limit us. */
	return params_format(out, len, c->pc_server_no_context_takeover,
	    c->pc_client_no_context_takeover,
	    c->pc_server_max_window_bits < PMD_WBITS_MAX ?
	    c->pc_server_max_window_bits : 0,
	    c->pc_client_max_window_bits < PMD_WBITS_MAX ?
	    c->pc_client_max_window_bits : 0);
}

/*
 * Client side: check the server's Sec-WebSocket-Extensions against the
 * offer pmd_client_offer() made from c.  PMD_OK: *pp is set; PMD_NONE:
 * the server declined; any PMD_ERR_*: fail the connection.
 */
int
pmd_client_accept(const struct pmd_config *c, const char *hdr, size_t len,
    struct pmd_params *pp)
{
	struct pmd_lex		 lx = { hdr, len, 0 };
	struct pmd_offer	 o, a;
	int			 r, n = 0;

	/* a is set with the one answer when n is 1 (gcc cannot tell) */
	memset(&a, 0, sizeof(a));
	while ((r = lex_next(&lx, &o)) == 1) {
		if (!o.po_pmd || !c->pc_enabled)
			return PMD_ERR_UNOFFERED;
		if (n++ > 0)
			return PMD_ERR_DUPLICATE;
		if (o.po_bad != 0)
			return o.po_bad;
		a = o;
	}
	if (r == -1)
		return PMD_ERR_SYNTAX;
	if (n == 0)
		return PMD_NONE;
	if (!pmd_config_valid(c))
		return PMD_ERR_INVAL;
	/* 7.1.2.2: the answer's client_max_window_bits has a value. */
	if (a.po_cbits == 0)
		return PMD_ERR_VALUE;
	/* 7.1.1.1: accepting our server_no_context_takeover echoes it. */
	if (c->pc_server_no_context_takeover && !a.po_snct)
		return PMD_ERR_CONTEXT;
	/* 7.1.2.1: an offered limit must be answered, same or smaller. */
	if (c->pc_server_max_window_bits < PMD_WBITS_MAX &&
	    (a.po_sbits == -1 || a.po_sbits > c->pc_server_max_window_bits))
		return PMD_ERR_WINDOW;
	/* 7.1.2.2: never larger than what we offered. */
	if (a.po_cbits > c->pc_client_max_window_bits)
		return PMD_ERR_WINDOW;
	pp->pp_server_no_context_takeover = a.po_snct;
	pp->pp_client_no_context_takeover = a.po_cnct ||
	    c->pc_client_no_context_takeover;
	pp->pp_server_max_window_bits = a.po_sbits != -1 ? a.po_sbits :
	    PMD_WBITS_MAX;
	pp->pp_client_max_window_bits = a.po_cbits > 0 ? a.po_cbits :
	    c->pc_client_max_window_bits;
	return PMD_OK;
}

/* The window bits zlib really deflates with (see the top comment). */
static int
deflate_bits(int bits)
{
	return bits < 9 ? 9 : bits;
}

/* zlib's documented deflate memory (zconf.h) for a window, our memLevel. */
size_t
pmd_deflate_memory(int bits)
{
	return ((size_t)1 << (deflate_bits(bits) + 2)) +
	    ((size_t)1 << (PMD_MEM_LEVEL + 9)) + PMD_ZSTATE;
}

/* zlib's documented inflate memory (zconf.h) for a window. */
size_t
pmd_inflate_memory(int bits)
{
	return ((size_t)1 << bits) + PMD_ZSTATE;
}

/*
 * A codec for one connection with the agreed parameters, for our role;
 * level is zlib's 0..9 or -1.  NULL when out of memory or a value is out
 * of range.  zlib streams are made on first use.
 */
struct pmd *
pmd_new(const struct pmd_params *pp, enum ws_role role, int level)
{
	struct pmd	*pm;
	int		 server = role == WS_ROLE_SERVER;

	if (level < -1 || level > 9 ||
	    pp->pp_server_max_window_bits < PMD_WBITS_MIN ||
	    pp->pp_server_max_window_bits > PMD_WBITS_MAX ||
	    pp->pp_client_max_window_bits < PMD_WBITS_MIN ||
	    pp->pp_client_max_window_bits > PMD_WBITS_MAX)
		return NULL;
	if ((pm = calloc(1, sizeof(*pm))) == NULL)
		return NULL;
	pm->pm_level = level;
	pm->pm_in_bits = server ? pp->pp_client_max_window_bits :
	    pp->pp_server_max_window_bits;
	pm->pm_out_bits = server ? pp->pp_server_max_window_bits :
	    pp->pp_client_max_window_bits;
	pm->pm_in_reset = server ? pp->pp_client_no_context_takeover :
	    pp->pp_server_no_context_takeover;
	pm->pm_out_reset = server ? pp->pp_server_no_context_takeover :
	    pp->pp_client_no_context_takeover;
	return pm;
}

/* Free a codec and its zlib streams; NULL is fine. */
void
pmd_free(struct pmd *pm)
{
	if (pm == NULL)
		return;
	if (pm->pm_in_live)
		(void)inflateEnd(&pm->pm_in);
	if (pm->pm_out_live)
		(void)deflateEnd(&pm->pm_out);
	free(pm);
}

/* Bytes the zlib streams hold now (zlib's formula, see zconf.h). */
size_t
pmd_memory(const struct pmd *pm)
{
	return (pm->pm_in_live ? pmd_inflate_memory(pm->pm_in_bits) : 0) +
	    (pm->pm_out_live ? pmd_deflate_memory(pm->pm_out_bits) : 0);
}

/* The most the zlib streams can hold: the figure for a memory budget. */
size_t
pmd_memory_peak(const struct pmd *pm)
{
	return pmd_inflate_memory(pm->pm_in_bits) +
	    pmd_deflate_memory(pm->pm_out_bits);
}

/* Inflate in[0..len) into out until the input is used up or ends. */
static int
inflate_run(struct pmd *pm, const uint8_t *in, size_t len, size_t limit,
    struct buf *out)
{
	z_stream	*z = &pm->pm_in;
	size_t		 room, got, n;
	int		 r;

	do {
		n = len > PMD_PIECE ? PMD_PIECE : len;
		z->next_in = in;
		z->avail_in = (uInt)n;
		for (;;) {
			/* Room for one byte past the limit, never more. */
			room = limit - pm->pm_in_msg;
			room = room < PMD_CHUNK ? room + 1 : PMD_CHUNK;
			if (buf_reserve(out, room) == -1)
				return PMD_ERR_NOMEM;
			z->next_out = (Bytef *)out->bf_data + out->bf_len;
			z->avail_out = (uInt)room;
			r = inflate(z, Z_SYNC_FLUSH);
			got = room - z->avail_out;
			out->bf_len += got;
			out->bf_data[out->bf_len] = '\0';
			pm->pm_in_msg += got;
			if (pm->pm_in_msg > limit)
				return PMD_ERR_TOO_BIG;
			if (r == Z_STREAM_END) {
				/* 7.2.3.3: what follows a final block is
				 * padding of the stripped empty block. */
				pm->pm_in_end = 1;
				return PMD_OK;
			}
			if (r == Z_MEM_ERROR)
				return PMD_ERR_NOMEM;
			if (r != Z_OK && r != Z_BUF_ERROR)
				return PMD_ERR_DATA;
			if (z->avail_in == 0 && z->avail_out > 0)
				break;
		}
		in += n;
		len -= n;
	} while (len > 0);
	return PMD_OK;
}

/*
 * A message ended with a final block but the window is taken over: a
 * new raw stream (inflate stops after a final block) with the old
 * window as its dictionary.
 */
static int
inflate_restart(struct pmd *pm)
{
	uint8_t	*dict;
	uInt	 dl = 0;
	int	 r = PMD_ERR_NOMEM;

	if ((dict = malloc((size_t)1 << pm->pm_in_bits)) == NULL)
		return PMD_ERR_NOMEM;
	if (inflateGetDictionary(&pm->pm_in, dict, &dl) == Z_OK &&
	    inflateReset(&pm->pm_in) == Z_OK &&
	    inflateSetDictionary(&pm->pm_in, dict, dl) == Z_OK)
		r = PMD_OK;
	free(dict);
	return r;
}

/* The end of an inflated message: keep, carry over or drop the window. */
static int
inflate_done(struct pmd *pm)
{
	int	 r = PMD_OK;

	if (pm->pm_in_live && pm->pm_in_reset) {
		(void)inflateEnd(&pm->pm_in);
		pm->pm_in_live = 0;
	} else if (pm->pm_in_end)
		r = inflate_restart(pm);
	pm->pm_in_msg = pm->pm_in_raw = 0;
	pm->pm_in_end = 0;
	return r;
}

/* Inflate one piece of a message; fin: the piece is its last. */
static int
inflate_piece(struct pmd *pm, const uint8_t *in, size_t len, int fin,
    size_t limit, struct buf *out)
{
	int	 r;

	if ((len > 0 || (fin && pm->pm_in_raw > 0)) && !pm->pm_in_live) {
		memset(&pm->pm_in, 0, sizeof(pm->pm_in));
		r = inflateInit2(&pm->pm_in, -pm->pm_in_bits);
		if (r != Z_OK)
			return r == Z_MEM_ERROR ? PMD_ERR_NOMEM : PMD_ERR_INVAL;
		pm->pm_in_live = 1;
	}
	if (len > 0 && !pm->pm_in_end &&
	    (r = inflate_run(pm, in, len, limit, out)) != PMD_OK)
		return r;
	pm->pm_in_raw += len;
	if (!fin)
		return PMD_OK;
	/* 7.2.2: the 4 bytes the sender stripped; none for no payload. */
	if (pm->pm_in_raw > 0 && !pm->pm_in_end) {
		if ((r = inflate_run(pm, pmd_tail, sizeof(pmd_tail), limit,
		    out)) != PMD_OK)
			return r;
		/* Not between two blocks: the message was cut short. */
		if (!pm->pm_in_end && !(pm->pm_in.data_type & 128))
			return PMD_ERR_DATA;
	}
	return inflate_done(pm);
}

/*
 * Inflate a piece of a compressed message (a frame payload or part of
 * one), appending to out; fin marks the message's last piece.  limit is
 * the most the whole message may inflate to: PMD_ERR_TOO_BIG as soon as
 * it would pass it, having inflated at most one byte more.  out must be
 * able to grow by limit + 1 bytes (bf_max 0 or large enough).  Errors
 * are sticky (the connection is closed on any).
 */
int
pmd_inflate(struct pmd *pm, const void *in, size_t len, int fin,
    size_t limit, struct buf *out)
{
	if (pm->pm_in_err != PMD_OK)
		return pm->pm_in_err;
	pm->pm_in_err = inflate_piece(pm, in, len, fin, limit, out);
	return pm->pm_in_err;
}

/* Deflate in[0..len) into out with flush, until zlib has all output. */
static int
deflate_run(struct pmd *pm, const uint8_t *in, size_t len, int flush,
    struct buf *out)
{
	z_stream	*z = &pm->pm_out;
	size_t		 n;
	int		 r;

	do {
		n = len > PMD_PIECE ? PMD_PIECE : len;
		z->next_in = in;
		z->avail_in = (uInt)n;
		do {
			if (buf_reserve(out, PMD_CHUNK) == -1)
				return PMD_ERR_NOMEM;
			z->next_out = (Bytef *)out->bf_data + out->bf_len;
			z->avail_out = PMD_CHUNK;
			r = deflate(z, n == len ? flush : Z_NO_FLUSH);
			out->bf_len += PMD_CHUNK - z->avail_out;
			out->bf_data[out->bf_len] = '\0';
			if (r != Z_OK && r != Z_BUF_ERROR)
				return PMD_ERR_INVAL;
		} while (z->avail_out == 0);
		in += n;
		len -= n;
	} while (len > 0);
	return PMD_OK;
}

/* Deflate one piece of a message; fin: the piece is its last. */
static int
deflate_piece(struct pmd *pm, const uint8_t *in, size_t len, int fin,
    struct buf *out)
{
	int	 r;

	if (len == 0 && !fin)
		return PMD_OK;
	/* 7.2.3.6: an empty message is one 0x00 byte (an empty block). */
	if (fin && len == 0 && pm->pm_out_msg == 0)
		return buf_addc(out, '\0') == -1 ? PMD_ERR_NOMEM : PMD_OK;
	if (!pm->pm_out_live) {
		memset(&pm->pm_out, 0, sizeof(pm->pm_out));
		r = deflateInit2(&pm->pm_out, pm->pm_level, Z_DEFLATED,
		    -deflate_bits(pm->pm_out_bits), PMD_MEM_LEVEL,
		    Z_DEFAULT_STRATEGY);
		if (r != Z_OK)
			return r == Z_MEM_ERROR ? PMD_ERR_NOMEM : PMD_ERR_INVAL;
		pm->pm_out_live = 1;
	}
	if ((r = deflate_run(pm, in, len, fin ? Z_SYNC_FLUSH : Z_NO_FLUSH,
	    out)) != PMD_OK)
		return r;
	pm->pm_out_msg += len;
	if (!fin)
		return PMD_OK;
	/* 7.2.1: a sync flush ends with 00 00 ff ff; strip them. */
	if (out->bf_len < sizeof(pmd_tail) || memcmp(out->bf_data +
	    out->bf_len - sizeof(pmd_tail), pmd_tail, sizeof(pmd_tail)) != 0)
		return PMD_ERR_INVAL;
	out->bf_len -= sizeof(pmd_tail);
	out->bf_data[out->bf_len] = '\0';
	pm->pm_out_msg = 0;
	if (pm->pm_out_reset) {
		(void)deflateEnd(&pm->pm_out);
		pm->pm_out_live = 0;
	}
	return PMD_OK;
}

/*
 * Deflate a piece of a message, appending the compressed bytes to out;
 * fin marks the message's last piece (then the output is complete and
 * ready to send with RSV1 on its first frame).  Errors are sticky.
 */
int
pmd_deflate(struct pmd *pm, const void *in, size_t len, int fin,
    struct buf *out)
{
	if (pm->pm_out_err != PMD_OK)
		return pm->pm_out_err;
	pm->pm_out_err = deflate_piece(pm, in, len, fin, out);
	return pm->pm_out_err;
}
