/* SPDX-License-Identifier: ISC */
/*
 * Troy lexer: bytes to a token array.  Lexical errors become TT_ERROR
 * tokens so that the parser reports them at their position and goes on.
 * Pure: no I/O.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "troy.h"

#define TROY_MAX_TOKENS	(1024 * 1024)

static const char *const troy_keywords[] = {
	"define", "flow", "connector", "pipeline", "create", "connect",
	"deploy", "use", "as", "from", "to", "into", "with", "args", "end",
	"select", "where", "having", "group", "by", "set", "each", "window",
	"tumbling", "sliding", "stream", "operator", "script", "event",
	"state", "let", "match", "case", "of", "when", "default", "patch",
	"insert", "upsert", "update", "erase", "move", "copy", "merge", "for",
	"fn", "const", "intrinsic", "mod", "recur", "emit", "drop", "present",
	"absent", "true", "false", "null", "and", "or", "xor", "not",
};

/* Three-, two- and one-character punctuation, longest first. */
static const char *const troy_puncts[] = {
	">>>", "::", "==", "!=", "<=", ">=", "<<", ">>", "=>",
	":", ";", ",", ".", "/", "=", "<", ">", "+", "-", "*", "%", "(",
	")", "[", "]", "{", "}", "$", "!", "^", "&", "|", "~", "@",
};

struct lexer {
	const char		*lx_buf;
	size_t			 lx_len;
	size_t			 lx_off;
	int			 lx_line;
	int			 lx_col;
	struct troy_tokens	*lx_out;
	size_t			 lx_cap;
};

/* Is s a reserved word? */
int
troy_is_keyword(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof(troy_keywords) / sizeof(troy_keywords[0]); i++)
		if (strcmp(s, troy_keywords[i]) == 0)
			return 1;
	return 0;
}

/* Free a token array. */
void
troy_tokens_free(struct troy_tokens *tl)
{
	size_t	i;

	for (i = 0; i < tl->tl_n; i++)
		free(tl->tl_v[i].tk_text);
	free(tl->tl_v);
	tl->tl_v = NULL;
	tl->tl_n = 0;
}

/* Append a token; text is copied (len bytes, NUL added). */
static int
lx_push(struct lexer *lx, enum troy_tt type, int line, int col,
    const char *text, size_t len)
{
	struct troy_token	*t, *nv;
	size_t			 ncap;

	if (lx->lx_out->tl_n == lx->lx_cap) {
		if (lx->lx_cap >= TROY_MAX_TOKENS)
			return -1;
		ncap = lx->lx_cap ? lx->lx_cap * 2 : 256;
		nv = reallocarray(lx->lx_out->tl_v, ncap, sizeof(*nv));
		if (nv == NULL)
			return -1;
		lx->lx_out->tl_v = nv;
		lx->lx_cap = ncap;
	}
	t = &lx->lx_out->tl_v[lx->lx_out->tl_n];
	memset(t, 0, sizeof(*t));
	t->tk_type = type;
	t->tk_line = line;
	t->tk_col = col;
	if ((t->tk_text = malloc(len + 1)) == NULL)
		return -1;
	if (len > 0)
		memcpy(t->tk_text, text, len);
	t->tk_text[len] = '\0';
	t->tk_len = len;
	lx->lx_out->tl_n++;
	return 0;
}

/* Push an error token with a formatted message. */
static int
lx_error(struct lexer *lx, int line, int col, const char *msg)
{
	return lx_push(lx, TT_ERROR, line, col, msg, strlen(msg));
}

/* Advance one byte, tracking line and column. */
static void
lx_adv(struct lexer *lx)
{
	if (lx->lx_off >= lx->lx_len)
		return;
	if (lx->lx_buf[lx->lx_off] == '\n') {
		lx->lx_line++;
		lx->lx_col = 1;
	} else if (((unsigned char)lx->lx_buf[lx->lx_off] & 0xc0) != 0x80)
		lx->lx_col++;
	lx->lx_off++;
}

/* The byte at offset k from the current one, or 0 at the end. */
static int
lx_peek(const struct lexer *lx, size_t k)
{
	if (lx->lx_off + k >= lx->lx_len)
		return 0;
	return (unsigned char)lx->lx_buf[lx->lx_off + k];
}

/* Identifier characters: ASCII letters, digits, _ and any non-ASCII. */
static int
lx_isident(int c, int first)
{
	if (c >= 0x80 || c == '_' || isalpha(c))
		return 1;
	return !first && isdigit(c);
}

/* Append UTF-8 for code point cp to the dynamic buffer. */
static void
lx_utf8(char *out, size_t *n, uint32_t cp)
{
	if (cp < 0x80)
		out[(*n)++] = (char)cp;
	else if (cp < 0x800) {
		out[(*n)++] = (char)(0xc0 | (cp >> 6));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*n)++] = (char)(0xe0 | (cp >> 12));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*n)++] = (char)(0xf0 | (cp >> 18));
		out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	}
}

/* Read four hex digits after \u; returns the value or -1. */
static long
lx_hex4(struct lexer *lx)
{
	long	v = 0;
	int	i, c;

	for (i = 0; i < 4; i++) {
		c = lx_peek(lx, 0);
		if (!isxdigit(c))
			return -1;
		v = v * 16 + (isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
		lx_adv(lx);
	}
	return v;
}

/* Lex a string literal; the opening quote is current. */
static int
lx_string(struct lexer *lx)
{
	int	 line = lx->lx_line, col = lx->lx_col, c, eline, ecol;
	char	*out, msg[80];
	size_t	 n = 0;
	long	 cp, lo;
	int	 rc;

	if (lx_peek(lx, 1) == '"' && lx_peek(lx, 2) == '"') {
		lx_adv(lx);
		lx_adv(lx);
		lx_adv(lx);
		return lx_error(lx, line, col, "heredoc strings (\"\"\") are "
		    "not supported by wsflow");
	}
	lx_adv(lx);
	/* decoded text is never longer than the source */
	if ((out = malloc(lx->lx_len - lx->lx_off + 1)) == NULL)
		return -1;
	for (;;) {
		c = lx_peek(lx, 0);
		if (lx->lx_off >= lx->lx_len) {
			free(out);
			return lx_error(lx, line, col,
			    "unterminated string");
		}
		if (c == '"') {
			lx_adv(lx);
			break;
		}
		if (c == '#' && lx_peek(lx, 1) == '{') {
			eline = lx->lx_line;
			ecol = lx->lx_col;
			/* skip the rest of the string */
			while (lx->lx_off < lx->lx_len && lx_peek(lx, 0) != '"')
				lx_adv(lx);
			lx_adv(lx);
			free(out);
			return lx_error(lx, eline, ecol, "string interpolation "
			    "#{...} is not supported by wsflow (write \\# for "
			    "a literal #)");
		}
		if (c != '\\') {
			out[n++] = (char)c;
			lx_adv(lx);
			continue;
		}
		eline = lx->lx_line;
		ecol = lx->lx_col;
		lx_adv(lx);
		c = lx_peek(lx, 0);
		switch (c) {
		case '"':
		case '\\':
		case '#':
			out[n++] = (char)c;
			break;
		case 'b':
			out[n++] = '\b';
			break;
		case 'f':
			out[n++] = '\f';
			break;
		case 'n':
			out[n++] = '\n';
			break;
		case 'r':
			out[n++] = '\r';
			break;
		case 't':
			out[n++] = '\t';
			break;
		case 'u':
			lx_adv(lx);
			if ((cp = lx_hex4(lx)) == -1)
				goto badescape;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (lx_peek(lx, 0) != '\\' ||
				    lx_peek(lx, 1) != 'u')
					goto badescape;
				lx_adv(lx);
				lx_adv(lx);
				if ((lo = lx_hex4(lx)) == -1 || lo < 0xdc00 ||
				    lo > 0xdfff)
					goto badescape;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff)
				goto badescape;
			lx_utf8(out, &n, (uint32_t)cp);
			continue;
		default:
			goto badescape;
		}
		lx_adv(lx);
	}
	rc = lx_push(lx, TT_STRING, line, col, out, n);
	free(out);
	return rc;
badescape:
	free(out);
	if (c == '/')
		snprintf(msg, sizeof(msg), "invalid escape \\/ in string "
		    "(write / without a backslash)");
	else if (c >= 0x20 && c < 0x7f)
		snprintf(msg, sizeof(msg), "invalid escape \\%c in string",
		    c);
	else
		snprintf(msg, sizeof(msg), "invalid escape in string");
	/* skip to the end of the string so lexing can go on */
	while (lx->lx_off < lx->lx_len && lx_peek(lx, 0) != '"') {
		if (lx_peek(lx, 0) == '\\')
			lx_adv(lx);
		lx_adv(lx);
	}
	lx_adv(lx);
	return lx_error(lx, eline, ecol, msg);
}

/* Collect decimal digits (skipping _ separators) into d. */
static int
lx_digits(struct lexer *lx, char *d, size_t *n, size_t size)
{
	int	c;

	while (isdigit(c = lx_peek(lx, 0)) || c == '_') {
		lx_adv(lx);
		if (c == '_')
			continue;
		if (*n >= size - 4)
			return -1;
		d[(*n)++] = (char)c;
	}
	return 0;
}

/* Lex a number: decimal or hex integer with _ separators, or a float. */
static int
lx_number(struct lexer *lx)
{
	int		 line = lx->lx_line, col = lx->lx_col, c, isfloat = 0;
	char		 digits[128];
	size_t		 n = 0;
	uint64_t	 v = 0;
	struct troy_token *t;
	char		*end;
	double		 d;

	if (lx_peek(lx, 0) == '0' && (lx_peek(lx, 1) == 'x' ||
	    lx_peek(lx, 1) == 'X')) {
		lx_adv(lx);
		lx_adv(lx);
		if (!isxdigit(lx_peek(lx, 0)))
			return lx_error(lx, line, col, "bad hex literal");
		while (isxdigit(c = lx_peek(lx, 0)) || c == '_') {
			lx_adv(lx);
			if (c == '_')
				continue;
			if (v > (uint64_t)INT64_MAX / 16) {
				while (isxdigit(lx_peek(lx, 0)) ||
				    lx_peek(lx, 0) == '_')
					lx_adv(lx);
				return lx_error(lx, line, col,
				    "integer literal too large");
			}
			v = v * 16 + (uint64_t)(isdigit(c) ? c - '0' :
			    (tolower(c) - 'a' + 10));
		}
		goto integer;
	}
	if (lx_digits(lx, digits, &n, sizeof(digits)) == -1)
		goto toolong;
	if (lx_peek(lx, 0) == '.' && isdigit(lx_peek(lx, 1))) {
		isfloat = 1;
		digits[n++] = '.';
		lx_adv(lx);
		if (lx_digits(lx, digits, &n, sizeof(digits)) == -1)
			goto toolong;
	}
	c = lx_peek(lx, 0);
	if ((c == 'e' || c == 'E') && (isdigit(lx_peek(lx, 1)) ||
	    ((lx_peek(lx, 1) == '-' || lx_peek(lx, 1) == '+') &&
	    isdigit(lx_peek(lx, 2))))) {
		isfloat = 1;
		digits[n++] = 'e';
		lx_adv(lx);
		if (!isdigit(lx_peek(lx, 0))) {
			digits[n++] = (char)lx_peek(lx, 0);
			lx_adv(lx);
		}
		if (lx_digits(lx, digits, &n, sizeof(digits)) == -1)
			goto toolong;
	}
	digits[n] = '\0';
	if (isfloat) {
		errno = 0;
		d = strtod(digits, &end);
		if (*end != '\0' || !isfinite(d))
			return lx_error(lx, line, col, "bad float literal");
		if (lx_push(lx, TT_FLOAT, line, col, digits, n) == -1)
			return -1;
		lx->lx_out->tl_v[lx->lx_out->tl_n - 1].tk_float = d;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (v > ((uint64_t)INT64_MAX - (uint64_t)(digits[i] - '0')) /
		    10)
			return lx_error(lx, line, col,
			    "integer literal too large");
		v = v * 10 + (uint64_t)(digits[i] - '0');
	}
integer:
	if (lx_push(lx, TT_INT, line, col, digits, 0) == -1)
		return -1;
	t = &lx->lx_out->tl_v[lx->lx_out->tl_n - 1];
	t->tk_int = (int64_t)v;
	return 0;
toolong:
	while (isalnum(lx_peek(lx, 0)) || lx_peek(lx, 0) == '_' ||
	    lx_peek(lx, 0) == '.')
		lx_adv(lx);
	return lx_error(lx, line, col, "number literal too long");
}

/* Tokenise buf; always ends with a TT_EOF token.  -1 only on ENOMEM. */
int
troy_lex(const char *buf, size_t len, struct troy_tokens *out)
{
	struct lexer	 lx;
	size_t		 i, start, pl;
	int		 c, line, col;
	char		 msg[80];

	memset(&lx, 0, sizeof(lx));
	lx.lx_buf = buf;
	lx.lx_len = len;
	lx.lx_line = 1;
	lx.lx_col = 1;
	lx.lx_out = out;
	out->tl_v = NULL;
	out->tl_n = 0;
	while (lx.lx_off < len) {
		c = lx_peek(&lx, 0);
		line = lx.lx_line;
		col = lx.lx_col;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			lx_adv(&lx);
			continue;
		}
		if (c == '#' && lx.lx_off + 9 <= len &&
		    memcmp(buf + lx.lx_off, "#!config", 8) == 0 &&
		    (buf[lx.lx_off + 8] == ' ' || buf[lx.lx_off + 8] == '\t')) {
			/* Tremor's config directive: its tokens follow */
			if (lx_push(&lx, TT_DIRECTIVE, line, col, "#!config",
			    8) == -1)
				goto fail;
			for (start = 0; start < 8; start++)
				lx_adv(&lx);
			continue;
		}
		if (c == '#') {
			while (lx.lx_off < len && lx_peek(&lx, 0) != '\n')
				lx_adv(&lx);
			continue;
		}
		if (c == '"') {
			if (lx_string(&lx) == -1)
				goto fail;
			continue;
		}
		if (isdigit(c)) {
			if (lx_number(&lx) == -1)
				goto fail;
			continue;
		}
		if (c == '`') {
			lx_adv(&lx);
			start = lx.lx_off;
			while (lx.lx_off < len && lx_peek(&lx, 0) != '`' &&
			    lx_peek(&lx, 0) != '\n')
				lx_adv(&lx);
			if (lx_peek(&lx, 0) != '`' || lx.lx_off == start) {
				if (lx_error(&lx, line, col, "unterminated "
				    "or empty `identifier`") == -1)
					goto fail;
				continue;
			}
			if (lx_push(&lx, TT_IDENT, line, col, buf + start,
			    lx.lx_off - start) == -1)
				goto fail;
			out->tl_v[out->tl_n - 1].tk_quoted = 1;
			lx_adv(&lx);
			continue;
		}
		if (lx_isident(c, 1)) {
			start = lx.lx_off;
			while (lx.lx_off < len && lx_isident(lx_peek(&lx, 0),
			    0))
				lx_adv(&lx);
			if (lx_push(&lx, TT_IDENT, line, col, buf + start,
			    lx.lx_off - start) == -1)
				goto fail;
			continue;
		}
		for (i = 0; i < sizeof(troy_puncts) / sizeof(troy_puncts[0]);
		    i++) {
			pl = strlen(troy_puncts[i]);
			if (pl <= len - lx.lx_off &&
			    memcmp(buf + lx.lx_off, troy_puncts[i], pl) == 0)
				break;
		}
		if (i < sizeof(troy_puncts) / sizeof(troy_puncts[0])) {
			if (lx_push(&lx, TT_PUNCT, line, col, troy_puncts[i],
			    pl) == -1)
				goto fail;
			while (pl-- > 0)
				lx_adv(&lx);
			continue;
		}
		if (c >= 0x21 && c < 0x7f)
			snprintf(msg, sizeof(msg), "unexpected character '%c'",
			    c);
		else
			snprintf(msg, sizeof(msg), "unexpected byte 0x%02x", c);
		lx_adv(&lx);
		if (lx_error(&lx, line, col, msg) == -1)
			goto fail;
	}
	if (lx_push(&lx, TT_EOF, lx.lx_line, lx.lx_col, "", 0) == -1)
		goto fail;
	return 0;
fail:
	troy_tokens_free(out);
	return -1;
}
