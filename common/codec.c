/* SPDX-License-Identifier: ISC */
/*
 * Codecs json, json-sorted, string and binary, byte-compatible with
 * Tremor's (simd-json decoding, value-trait/ryu encoding).
 *
 * Decoding JSON is one pass of our own that builds json-c values
 * directly: strict RFC 8259 plus Tremor's extra rules (no NaN/Infinity,
 * no comments, valid UTF-8, no lone surrogates, integers within 64 bits,
 * finite numbers, nesting at most CODEC_MAX_DEPTH).  json-c's tokener
 * is laxer (NaN, lone surrogates) and about half as fast; the fuzzer
 * uses it as an oracle for every document both accept.
 *
 * Encoding is our own writer: compact, minimal escaping, raw UTF-8 and
 * shortest round-trip doubles laid out the way ryu's format_finite does.
 */
#include "config.h"

#include <float.h>
#include <limits.h>
#include <math.h>		/* isfinite, isinf, signbit: macros */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "buf.h"
#include "codec.h"
#include "suggest.h"

/* Arrays and objects nested in input; deeper is an error. */
#define CODEC_MAX_DEPTH		1024
/* Nesting of values to encode; also stops cycles in built values. */
#define CODEC_MAX_ENCODE_DEPTH	4096

struct json_parser {
	const unsigned char	*jp_p;
	const unsigned char	*jp_start;
	const unsigned char	*jp_end;
	char			*jp_err;
	size_t			 jp_errlen;
	struct buf		 jp_scratch;	/* unescaped strings */
};

static const char *const codec_names[] = {
	"json", "json-sorted", "string", "binary",
};

/* Name of a codec as written in troy. */
const char *
codec_name(enum codec_kind kind)
{
	if ((size_t)kind < sizeof(codec_names) / sizeof(codec_names[0]))
		return codec_names[kind];
	return "unknown";
}

/* Find a codec by its exact name. */
static int
codec_lookup(const char *name, enum codec_kind *kind)
{
	size_t	 i;

	for (i = 0; i < sizeof(codec_names) / sizeof(codec_names[0]); i++) {
		if (strcmp(name, codec_names[i]) == 0) {
			*kind = (enum codec_kind)i;
			return 0;
		}
	}
	return -1;
}

/* Resolve a codec name, with a hint in err when it is unknown. */
static int
codec_by_name(const char *name, enum codec_kind *kind, char *err,
    size_t errlen)
{
	const char	*hint;

	if (codec_lookup(name, kind) == 0)
		return 0;
	hint = suggest_closest(name, codec_names,
	    sizeof(codec_names) / sizeof(codec_names[0]));
	if (hint != NULL)
		snprintf(err, errlen, "unknown codec \"%s\" (did you mean "
		    "\"%s\"?)", name, hint);
	else
		snprintf(err, errlen, "unknown codec \"%s\" (known: json, "
		    "json-sorted, string, binary)", name);
	return -1;
}

/* Apply {"mode": "sorted"|"unsorted"} to the json codec. */
static int
codec_json_config(struct json_object *cfg, enum codec_kind *kind, char *err,
    size_t errlen)
{
	struct json_object	*mode = NULL;
	const char		*m;

	if (!json_object_is_type(cfg, json_type_object)) {
		snprintf(err, errlen, "codec \"json\": config must be a "
		    "record, not %s", json_type_to_name(json_object_get_type(
		    cfg)));
		return -1;
	}
	json_object_object_foreach(cfg, key, val) {
		if (strcmp(key, "mode") != 0) {
			snprintf(err, errlen, "codec \"json\": unknown config "
			    "key \"%s\" (known: mode)", key);
			return -1;
		}
		mode = val;
	}
	if (mode == NULL)
		return 0;
	if (!json_object_is_type(mode, json_type_string)) {
		snprintf(err, errlen, "codec \"json\": mode must be a string "
		    "(\"sorted\" or \"unsorted\"), not %s",
		    json_type_to_name(json_object_get_type(mode)));
		return -1;
	}
	m = json_object_get_string(mode);
	if (strcmp(m, "sorted") == 0)
		*kind = CODEC_JSON_SORTED;
	else if (strcmp(m, "unsorted") == 0)
		*kind = CODEC_JSON;
	else {
		snprintf(err, errlen, "codec \"json\": unknown mode \"%s\" "
		    "(expected \"sorted\" or \"unsorted\")", m);
		return -1;
	}
	return 0;
}

/* Parse a codec specification: a name or {"name": .., "config": ..}. */
int
codec_from_spec(struct json_object *spec, enum codec_kind *kind, char *err,
    size_t errlen)
{
	struct json_object	*name = NULL, *cfg = NULL;
	enum codec_kind		 k = CODEC_JSON;

	if (json_object_is_type(spec, json_type_string))
		return codec_by_name(json_object_get_string(spec), kind, err,
		    errlen);
	if (!json_object_is_type(spec, json_type_object)) {
		snprintf(err, errlen, "codec must be a string or a record "
		    "{\"name\": .., \"config\": ..}, not %s",
		    json_type_to_name(json_object_get_type(spec)));
		return -1;
	}
	json_object_object_foreach(spec, key, val) {
		if (strcmp(key, "name") == 0)
			name = val;
		else if (strcmp(key, "config") == 0)
			cfg = val;
		else {
			snprintf(err, errlen, "codec: unknown key \"%s\" "
			    "(known: name, config)", key);
			return -1;
		}
	}
	if (name == NULL) {
		snprintf(err, errlen, "codec: record without \"name\"");
		return -1;
	}
	if (!json_object_is_type(name, json_type_string)) {
		snprintf(err, errlen, "codec: \"name\" must be a string, "
		    "not %s",
		    json_type_to_name(json_object_get_type(name)));
		return -1;
	}
	if (codec_by_name(json_object_get_string(name), &k, err, errlen) == -1)
		return -1;
	if (cfg != NULL && k == CODEC_JSON) {
		if (codec_json_config(cfg, &k, err, errlen) == -1)
			return -1;
	}
	*kind = k;
	return 0;
}

/*
 * Decoding.
 */

/* Record a validation error at the current position. */
static int
json_fail(struct json_parser *jp, const char *what)
{
	if (jp->jp_p < jp->jp_end)
		snprintf(jp->jp_err, jp->jp_errlen, "invalid JSON at byte %zu: "
		    "%s", (size_t)(jp->jp_p - jp->jp_start), what);
	else
		snprintf(jp->jp_err, jp->jp_errlen, "invalid JSON: %s at end "
		    "of input", what);
	return -1;
}

/* Skip JSON whitespace. */
static void
json_skip_ws(struct json_parser *jp)
{
	while (jp->jp_p < jp->jp_end && (*jp->jp_p == ' ' ||
	    *jp->jp_p == '\n' || *jp->jp_p == '\r' || *jp->jp_p == '\t'))
		jp->jp_p++;
}

/* Value of one hex digit, or -1. */
static int
json_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Read the 4 hex digits of a \u escape at p. */
static int
json_hex4(const unsigned char *p, const unsigned char *end, unsigned *out)
{
	unsigned	 v = 0;
	int		 i, h;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((h = json_hexval(p[i])) == -1)
			return -1;
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return 0;
}

/* Length of the valid UTF-8 sequence at p, or 0 if it is not valid. */
static size_t
json_utf8_len(const unsigned char *p, const unsigned char *end)
{
	size_t	 avail = (size_t)(end - p);

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		if (avail >= 2 && (p[1] & 0xc0) == 0x80)
			return 2;
		return 0;
	}
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if (avail < 3 || (p[1] & 0xc0) != 0x80 ||
		    (p[2] & 0xc0) != 0x80)
			return 0;
		if (p[0] == 0xe0 && p[1] < 0xa0)
			return 0;	/* overlong */
		if (p[0] == 0xed && p[1] >= 0xa0)
			return 0;	/* surrogate */
		return 3;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if (avail < 4 || (p[1] & 0xc0) != 0x80 ||
		    (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if (p[0] == 0xf0 && p[1] < 0x90)
			return 0;	/* overlong */
		if (p[0] == 0xf4 && p[1] >= 0x90)
			return 0;	/* above U+10FFFF */
		return 4;
	}
	return 0;
}

/* Bytes that end a run of plain string content: '"', '\\', < 0x20, >= 0x80. */
static const unsigned char json_str_special[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Append code point cp (at most U+10FFFF) as UTF-8. */
static int
json_put_utf8(struct buf *b, unsigned cp)
{
	char	 u[4];
	size_t	 n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_add(b, u, n);
}

/* Out of memory while building: reported like a parse error. */
static int
json_nomem(struct json_parser *jp)
{
	snprintf(jp->jp_err, jp->jp_errlen, "out of memory");
	return -1;
}

/*
 * Parse a string starting at the opening quote.  On success *s / *len
 * are its decoded bytes: inside the input when it has no escapes, else in
 * jp_scratch (valid until the next string).  Keys may not contain U+0000:
 * json-c keeps object keys as C strings and would cut them.
 */
static int
json_parse_string(struct json_parser *jp, int key, const char **s,
    size_t *len)
{
	const unsigned char	*start = jp->jp_p + 1, *p = start;
	const unsigned char	*seg = start;
	const unsigned char	*end = jp->jp_end;
	unsigned		 cp, lo;
	size_t			 n;
	int			 escaped = 0;
	char			 c;

	for (;;) {
		while (p < end && !json_str_special[*p])
			p++;
		jp->jp_p = p;
		if (p >= end)
			return json_fail(jp, "unterminated string");
		if (*p == '"')
			break;
		if (*p < 0x20)
			return json_fail(jp, "control character in string");
		if (*p >= 0x80) {
			if ((n = json_utf8_len(p, end)) == 0)
				return json_fail(jp, "invalid UTF-8 in string");
			p += n;
			continue;
		}
		/* backslash */
		if (p + 1 >= end) {
			jp->jp_p = end;
			return json_fail(jp, "unterminated string");
		}
		if (!escaped) {
			buf_reset(&jp->jp_scratch);
			escaped = 1;
		}
		if (buf_add(&jp->jp_scratch, seg, (size_t)(p - seg)) == -1)
			return json_nomem(jp);
		switch (p[1]) {
		case '"':  c = '"'; break;
		case '\\': c = '\\'; break;
		case '/':  c = '/'; break;
		case 'b':  c = '\b'; break;
		case 'f':  c = '\f'; break;
		case 'n':  c = '\n'; break;
		case 'r':  c = '\r'; break;
		case 't':  c = '\t'; break;
		case 'u':  c = 0; break;
		default:
			return json_fail(jp, "invalid escape in string");
		}
		if (p[1] != 'u') {
			if (buf_addc(&jp->jp_scratch, c) == -1)
				return json_nomem(jp);
			seg = p += 2;
			continue;
		}
		if (json_hex4(p + 2, end, &cp) == -1)
			return json_fail(jp, "invalid \\u escape in string");
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return json_fail(jp, "lone low surrogate in string");
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (end - p < 12 || p[6] != '\\' || p[7] != 'u' ||
			    json_hex4(p + 8, end, &lo) == -1 ||
			    lo < 0xdc00 || lo > 0xdfff)
				return json_fail(jp, "lone high surrogate in "
				    "string");
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			p += 6;
		}
		if (cp == 0 && key)
			return json_fail(jp, "object key contains U+0000 "
			    "(not supported)");
		if (json_put_utf8(&jp->jp_scratch, cp) == -1)
			return json_nomem(jp);
		seg = p += 6;
	}
	jp->jp_p = p + 1;
	if (!escaped) {
		*s = (const char *)start;
		*len = (size_t)(p - start);
		return 0;
	}
	if (buf_add(&jp->jp_scratch, seg, (size_t)(p - seg)) == -1)
		return json_nomem(jp);
	*s = jp->jp_scratch.bf_data;
	*len = jp->jp_scratch.bf_len;
	return 0;
}

/*
 * The double written as [s, e): strtod on a NUL-terminated copy.  Like
 * the printf calls of the writer this assumes the C locale for numbers
 * (wsflow never calls setlocale).
 */
static int
json_read_double(const unsigned char *s, const unsigned char *e, double *d)
{
	char	 small[64], *copy = small;
	size_t	 n = (size_t)(e - s);

	if (n >= sizeof(small) && (copy = malloc(n + 1)) == NULL)
		return -1;
	memcpy(copy, s, n);
	copy[n] = '\0';
	*d = strtod(copy, NULL);
	if (copy != small)
		free(copy);
	return 0;
}

/* Parse a number: RFC 8259 grammar, 64-bit integers, finite doubles. */
static int
json_parse_number(struct json_parser *jp, struct json_object **out)
{
	const unsigned char	*s = jp->jp_p, *p = jp->jp_p;
	const unsigned char	*end = jp->jp_end;
	uint64_t		 mag = 0;
	double			 d;
	int			 neg = 0, isint = 1, overflow = 0;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (p >= end || *p < '0' || *p > '9') {
		jp->jp_p = p;
		return json_fail(jp, "invalid number");
	}
	if (*p == '0') {
		p++;
		if (p < end && *p >= '0' && *p <= '9') {
			jp->jp_p = p;
			return json_fail(jp, "leading zero in number");
		}
	} else {
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			if (mag > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
				overflow = 1;
			else
				mag = mag * 10 + (uint64_t)(*p - '0');
		}
	}
	if (p < end && *p == '.') {
		isint = 0;
		p++;
		if (p >= end || *p < '0' || *p > '9') {
			jp->jp_p = p;
			return json_fail(jp, "digit expected after '.'");
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		isint = 0;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9') {
			jp->jp_p = p;
			return json_fail(jp, "digit expected in exponent");
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (isint) {
		if (overflow || (neg && mag > (uint64_t)INT64_MAX + 1)) {
			jp->jp_p = s;
			return json_fail(jp, "integer out of 64-bit range");
		}
		if (neg)
			*out = json_object_new_int64(mag >
			    (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)mag);
		else if (mag > (uint64_t)INT64_MAX)
			*out = json_object_new_uint64(mag);
		else
			*out = json_object_new_int64((int64_t)mag);
	} else {
		if (json_read_double(s, p, &d) == -1)
			return json_nomem(jp);
		if (isinf(d)) {
			jp->jp_p = s;
			return json_fail(jp, "number out of range");
		}
		*out = json_object_new_double(d);
	}
	if (*out == NULL)
		return json_nomem(jp);
	jp->jp_p = p;
	return 0;
}

/* Parse an exact literal (true, false, null). */
static int
json_parse_literal(struct json_parser *jp, const char *lit, size_t len)
{
	if ((size_t)(jp->jp_end - jp->jp_p) < len ||
	    memcmp(jp->jp_p, lit, len) != 0)
		return json_fail(jp, "unexpected character");
	jp->jp_p += len;
	return 0;
}

static int	json_parse_value(struct json_parser *, int,
		    struct json_object **);

/* Parse "key": value and add it to obj (a later duplicate replaces). */
static int
json_parse_member(struct json_parser *jp, int depth, struct json_object *obj)
{
	struct json_object	*val = NULL;
	const char		*s;
	char			 small[64], *key = small;
	size_t			 len;
	int			 rc = -1;

	json_skip_ws(jp);
	if (jp->jp_p >= jp->jp_end || *jp->jp_p != '"')
		return json_fail(jp, "string key expected");
	if (json_parse_string(jp, 1, &s, &len) == -1)
		return -1;
	/* the value may reuse the scratch space: keep the key apart */
	if (len >= sizeof(small) && (key = malloc(len + 1)) == NULL)
		return json_nomem(jp);
	memcpy(key, s, len);
	key[len] = '\0';
	json_skip_ws(jp);
	if (jp->jp_p >= jp->jp_end || *jp->jp_p != ':') {
		json_fail(jp, "':' expected");
		goto done;
	}
	jp->jp_p++;
	if (json_parse_value(jp, depth + 1, &val) == -1)
		goto done;
	if (json_object_object_add(obj, key, val) != 0) {
		json_object_put(val);
		json_nomem(jp);
		goto done;
	}
	rc = 0;
 done:
	if (key != small)
		free(key);
	return rc;
}

/* Parse an object or array starting at its opening bracket. */
static int
json_parse_container(struct json_parser *jp, int depth, char close,
    struct json_object **out)
{
	struct json_object	*c, *v;

	if (depth >= CODEC_MAX_DEPTH)
		return json_fail(jp, "nesting too deep");
	c = close == '}' ? json_object_new_object() : json_object_new_array();
	if (c == NULL)
		return json_nomem(jp);
	jp->jp_p++;
	json_skip_ws(jp);
	if (jp->jp_p < jp->jp_end && *jp->jp_p == close) {
		jp->jp_p++;
		*out = c;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			if (json_parse_member(jp, depth, c) == -1)
				goto fail;
		} else {
			if (json_parse_value(jp, depth + 1, &v) == -1)
				goto fail;
			if (json_object_array_add(c, v) != 0) {
				json_object_put(v);
				json_nomem(jp);
				goto fail;
			}
		}
		json_skip_ws(jp);
		if (jp->jp_p < jp->jp_end && *jp->jp_p == ',') {
			jp->jp_p++;
			continue;
		}
		if (jp->jp_p < jp->jp_end && *jp->jp_p == close) {
			jp->jp_p++;
			*out = c;
			return 0;
		}
		json_fail(jp, close == '}' ? "',' or '}' expected" :
		    "',' or ']' expected");
		goto fail;
	}
 fail:
	json_object_put(c);
	return -1;
}

/* Parse one value (recursive; depth is bounded by CODEC_MAX_DEPTH). */
static int
json_parse_value(struct json_parser *jp, int depth, struct json_object **out)
{
	const char	*s;
	size_t		 len;

	json_skip_ws(jp);
	if (jp->jp_p >= jp->jp_end)
		return json_fail(jp, "value expected");
	*out = NULL;
	switch (*jp->jp_p) {
	case '{':
		return json_parse_container(jp, depth, '}', out);
	case '[':
		return json_parse_container(jp, depth, ']', out);
	case '"':
		if (json_parse_string(jp, 0, &s, &len) == -1)
			return -1;
		if (len > INT_MAX ||
		    (*out = json_object_new_string_len(s, (int)len)) == NULL)
			return json_nomem(jp);
		return 0;
	case 't':
		if (json_parse_literal(jp, "true", 4) == -1)
			return -1;
		if ((*out = json_object_new_boolean(1)) == NULL)
			return json_nomem(jp);
		return 0;
	case 'f':
		if (json_parse_literal(jp, "false", 5) == -1)
			return -1;
		if ((*out = json_object_new_boolean(0)) == NULL)
			return json_nomem(jp);
		return 0;
	case 'n':
		return json_parse_literal(jp, "null", 4);
	default:
		if (*jp->jp_p == '-' || (*jp->jp_p >= '0' && *jp->jp_p <= '9'))
			return json_parse_number(jp, out);
		return json_fail(jp, "unexpected character");
	}
}

/* Decode one JSON document: one value, then only whitespace. */
static int
codec_decode_json(const char *data, size_t len, struct json_object **out,
    char *err, size_t errlen)
{
	struct json_parser	 jp;
	struct json_object	*v = NULL;
	int			 rc = -1;

	jp.jp_start = jp.jp_p = (const unsigned char *)data;
	jp.jp_end = jp.jp_start + len;
	jp.jp_err = err;
	jp.jp_errlen = errlen;
	buf_init(&jp.jp_scratch, 0);
	json_skip_ws(&jp);
	if (jp.jp_p >= jp.jp_end) {
		snprintf(err, errlen, "invalid JSON: empty input");
		goto done;
	}
	if (json_parse_value(&jp, 0, &v) == -1)
		goto done;
	json_skip_ws(&jp);
	if (jp.jp_p < jp.jp_end) {
		json_fail(&jp, "trailing characters after the value");
		json_object_put(v);
		goto done;
	}
	*out = v;
	rc = 0;
 done:
	buf_free(&jp.jp_scratch);
	return rc;
}

/* Check that len bytes are UTF-8 (no overlongs, surrogates or > U+10FFFF). */
static int
codec_utf8_valid(const char *data, size_t len)
{
	const unsigned char	*p = (const unsigned char *)data;
	const unsigned char	*end = p + len;
	size_t			 n;

	while (p < end) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((n = json_utf8_len(p, end)) == 0)
			return -1;
		p += n;
	}
	return 0;
}

/* Decode bytes with the given codec into a new value. */
int
codec_decode(enum codec_kind kind, const char *data, size_t len,
    struct json_object **out, char *err, size_t errlen)
{
	struct json_object	*v;

	switch (kind) {
	case CODEC_JSON:
	case CODEC_JSON_SORTED:
		return codec_decode_json(data, len, out, err, errlen);
	case CODEC_STRING:
		if (codec_utf8_valid(data, len) == -1) {
			snprintf(err, errlen, "invalid UTF-8 in string input");
			return -1;
		}
		break;
	case CODEC_BINARY:
		break;
	default:
		snprintf(err, errlen, "unknown codec");
		return -1;
	}
	if (len > INT_MAX) {
		snprintf(err, errlen, "input too large");
		return -1;
	}
	if ((v = json_object_new_string_len(data, (int)len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * Encoding.
 */

/* Escape for each byte: 0 raw, else the letter of a short escape or 'u'. */
static const char json_esc[256] = {
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	0, 0, '"', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\\', 0, 0, 0,
	/* 0x60 .. 0xff: all raw */
};

/*
 * Append one byte.  The fast path skips buf_add's NUL terminator;
 * codec_json_write terminates the buffer once at the end.
 */
static inline int
json_putc(struct buf *b, char c)
{
	if (b->bf_len + 1 < b->bf_cap &&
	    (b->bf_max == 0 || b->bf_len < b->bf_max)) {
		b->bf_data[b->bf_len++] = c;
		return 0;
	}
	return buf_addc(b, c);
}

/* Write s as a JSON string: only '"', '\\' and bytes < 0x20 escaped. */
static int
json_write_string(struct buf *b, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;
	const unsigned char	*end = p + len, *run;
	char			 e[6];
	char			 c;

	if (buf_reserve(b, len + 2) == -1)
		return -1;
	b->bf_data[b->bf_len++] = '"';
	while (p < end) {
		run = p;
		while (p < end && json_esc[*p] == 0)
			p++;
		if (p > run && buf_add(b, run, (size_t)(p - run)) == -1)
			return -1;
		if (p >= end)
			break;
		c = json_esc[*p];
		e[0] = '\\';
		if (c != 'u') {
			e[1] = c;
			if (buf_add(b, e, 2) == -1)
				return -1;
		} else {
			e[1] = 'u';
			e[2] = '0';
			e[3] = '0';
			e[4] = hex[*p >> 4];
			e[5] = hex[*p & 0xf];
			if (buf_add(b, e, 6) == -1)
				return -1;
		}
		p++;
	}
	return json_putc(b, '"');
}

/* Decimal digits of u into the end of tmp[24]; returns the start. */
static char *
json_utoa(uint64_t u, char *end)
{
	char	*p = end;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	return p;
}

/* Write a json-c integer (int64, or uint64 above INT64_MAX). */
static int
json_write_int(struct buf *b, struct json_object *v)
{
	char		 tmp[24], *p, *end = tmp + sizeof(tmp);
	int64_t		 i;
	uint64_t	 u;

	i = json_object_get_int64(v);
	if (i == INT64_MAX)
		u = json_object_get_uint64(v);
	else if (i < 0)
		u = (uint64_t)0 - (uint64_t)i;
	else
		u = (uint64_t)i;
	p = json_utoa(u, end);
	if (i < 0)
		*--p = '-';
	return buf_add(b, p, (size_t)(end - p));
}

/* Exact powers of ten representable as doubles. */
static const double json_pow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* Print d with prec+1 significant digits; 1 if that reads back as d. */
static int
json_try_prec(double d, int prec, char *tmp, size_t len)
{
	snprintf(tmp, len, "%.*e", prec, d);
	return strtod(tmp, NULL) == d;
}

/*
 * With 16 digits the correctly rounded text can miss d's rounding interval
 * while its neighbour is inside (d next to a power of two): try both.
 */
static int
json_try_neighbours(double d, char *tmp, size_t len)
{
	char		 cand[40];
	uint64_t	 m;
	long		 exp10;
	char		*e;
	int		 i, delta;

	/* tmp holds "D.DDDDDDDDDDDDDDDe[+-]XX" (16 digits) */
	m = 0;
	for (i = 0; tmp[i] != 'e'; i++) {
		if (tmp[i] != '.')
			m = m * 10 + (uint64_t)(tmp[i] - '0');
	}
	exp10 = strtol(tmp + i + 1, &e, 10);
	for (delta = -1; delta <= 1; delta += 2) {
		uint64_t	 c = delta < 0 ? m - 1 : m + 1;

		if (c < 1000000000000000ULL || c > 9999999999999999ULL)
			continue;
		snprintf(cand, sizeof(cand), "%llue%ld", (unsigned long long)c,
		    exp10 - 15);
		if (strtod(cand, NULL) == d) {
			snprintf(tmp, len, "%c.%015llue%ld",
			    (char)('0' + c / 1000000000000000ULL),
			    (unsigned long long)(c % 1000000000000000ULL),
			    exp10);
			return 1;
		}
	}
	return 0;
}

/*
 * Shortest digits of a positive finite double by printf/strtod: the
 * smallest precision whose %.*e text reads back as d.  For normal
 * numbers 15 significant digits round-trip whenever anything shorter
 * does (the double is more precise than that), so we start there;
 * subnormals are less precise and try every precision.  Writes the
 * digits (no trailing zeros) to dig and returns their count; *kk gets
 * the position of the decimal point (value = 0.DIGITS x 10^kk).
 */
static int
json_digits_slow(double d, char *dig, int *kk)
{
	char	 tmp[40], *e;
	int	 prec, n, i;

	if (d >= DBL_MIN) {
		if (!json_try_prec(d, 14, tmp, sizeof(tmp)) &&
		    !json_try_prec(d, 15, tmp, sizeof(tmp)) &&
		    !json_try_neighbours(d, tmp, sizeof(tmp)))
			(void)json_try_prec(d, 16, tmp, sizeof(tmp));
	} else {
		for (prec = 0; prec < 16; prec++)
			if (json_try_prec(d, prec, tmp, sizeof(tmp)))
				break;
		if (prec == 16)
			(void)json_try_prec(d, 16, tmp, sizeof(tmp));
	}
	/* tmp is "D.DDDDe[+-]XX" or "De[+-]XX" */
	n = 0;
	for (i = 0; tmp[i] != 'e'; i++) {
		if (tmp[i] != '.')
			dig[n++] = tmp[i];
	}
	*kk = (int)strtol(tmp + i + 1, &e, 10) + 1;
	while (n > 1 && dig[n - 1] == '0')
		n--;
	return n;
}

/*
 * Decimal digits of u (u > 0) into dig, NUL-terminated with all digits;
 * returns the count without trailing zeros.
 */
static int
json_digits_of(uint64_t u, char *dig)
{
	char	 tmp[24], *p, *end = tmp + sizeof(tmp);
	int	 n;

	p = json_utoa(u, end);
	n = (int)(end - p);
	memcpy(dig, p, (size_t)n);
	dig[n] = '\0';
	while (n > 1 && dig[n - 1] == '0')
		n--;
	return n;
}

/*
 * Shortest round-trip digits of a positive finite double.  Fast exact
 * paths: integers below 2^53, and values with at most 15 significant
 * digits found by scaling with exact powers of ten (r / 10^k is correctly
 * rounded, so equality with d is the round-trip test strtod would do).
 */
static int
json_digits(double d, char *dig, int *kk)
{
	double	 t, r;
	int	 k, n;

	if (d < 9007199254740992.0 && (double)(uint64_t)d == d) {
		n = json_digits_of((uint64_t)d, dig);
		*kk = (int)strlen(dig);
		return n;
	}
	if (d >= 1e-7 && d < 1e15) {
		for (k = 1; k <= 22; k++) {
			t = d * json_pow10[k];
			if (t >= 1e15)
				break;
			r = (double)(uint64_t)(t + 0.5);
			if (r / json_pow10[k] != d)
				continue;
			n = json_digits_of((uint64_t)r, dig);
			*kk = (int)strlen(dig) - k;
			return n;
		}
	}
	return json_digits_slow(d, dig, kk);
}

#define JSON_DOUBLE_MAX	48	/* room for any formatted double */

/*
 * Format a double the way ryu's format_finite lays it out (non-finite
 * as null) into out[JSON_DOUBLE_MAX]; returns the length.
 */
static int
json_format_double(double d, char *out)
{
	char	 dig[24];
	int	 n, kk, k, o = 0, i;

	if (!isfinite(d)) {
		memcpy(out, "null", 4);
		return 4;
	}
	if (d == 0) {
		if (signbit(d)) {
			memcpy(out, "-0.0", 4);
			return 4;
		}
		memcpy(out, "0.0", 3);
		return 3;
	}
	if (d < 0) {
		out[o++] = '-';
		d = -d;
	}
	n = json_digits(d, dig, &kk);
	k = kk - n;
	if (k >= 0 && kk <= 16) {
		memcpy(out + o, dig, (size_t)n);
		o += n;
		for (i = 0; i < k; i++)
			out[o++] = '0';
		out[o++] = '.';
		out[o++] = '0';
	} else if (kk > 0 && kk <= 16) {
		memcpy(out + o, dig, (size_t)kk);
		o += kk;
		out[o++] = '.';
		memcpy(out + o, dig + kk, (size_t)(n - kk));
		o += n - kk;
	} else if (kk > -5 && kk <= 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (i = 0; i < -kk; i++)
			out[o++] = '0';
		memcpy(out + o, dig, (size_t)n);
		o += n;
	} else {
		out[o++] = dig[0];
		if (n > 1) {
			out[o++] = '.';
			memcpy(out + o, dig + 1, (size_t)(n - 1));
			o += n - 1;
		}
		o += snprintf(out + o, (size_t)(JSON_DOUBLE_MAX - o), "e%d",
		    kk - 1);
	}
	return o;
}

/* Write a double as the json codec does. */
static int
json_write_double(struct buf *b, double d)
{
	char	 out[JSON_DOUBLE_MAX];

	return buf_add(b, out, (size_t)json_format_double(d, out));
}

/* One member of an object being written in sorted order. */
struct json_member {
	const char		*jm_key;
	struct json_object	*jm_val;
};

/* Order members by key, byte-wise (strcmp compares as unsigned char). */
static int
json_member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct json_member *)a)->jm_key,
	    ((const struct json_member *)b)->jm_key);
}

static int	json_write(struct buf *, struct json_object *, int, int);

/* Write an object, keys in insertion order or sorted. */
static int
json_write_object(struct buf *b, struct json_object *v, int sorted,
    int depth)
{
	struct json_member	 stackm[32], *m = stackm;
	size_t			 n, i;
	int			 first = 1, rc = -1;

	if (json_putc(b, '{') == -1)
		return -1;
	if (!sorted) {
		json_object_object_foreach(v, key, val) {
			if (!first && json_putc(b, ',') == -1)
				return -1;
			first = 0;
			if (json_write_string(b, key, strlen(key)) == -1 ||
			    json_putc(b, ':') == -1 ||
			    json_write(b, val, 0, depth + 1) == -1)
				return -1;
		}
		return json_putc(b, '}');
	}
	n = (size_t)json_object_object_length(v);
	if (n > sizeof(stackm) / sizeof(stackm[0]) &&
	    (m = reallocarray(NULL, n, sizeof(*m))) == NULL)
		return -1;
	i = 0;
	json_object_object_foreach(v, key2, val2) {
		if (i < n) {
			m[i].jm_key = key2;
			m[i++].jm_val = val2;
		}
	}
	n = i;
	qsort(m, n, sizeof(*m), json_member_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0 && json_putc(b, ',') == -1)
			goto fail;
		if (json_write_string(b, m[i].jm_key, strlen(m[i].jm_key)) ==
		    -1 || json_putc(b, ':') == -1 ||
		    json_write(b, m[i].jm_val, 1, depth + 1) == -1)
			goto fail;
	}
	rc = json_putc(b, '}');
 fail:
	if (m != stackm)
		free(m);
	return rc;
}

/* Write any value as compact JSON. */
static int
json_write(struct buf *b, struct json_object *v, int sorted, int depth)
{
	size_t	 i, n;

	if (depth > CODEC_MAX_ENCODE_DEPTH)
		return -1;
	switch (json_object_get_type(v)) {
	case json_type_null:
		return buf_add(b, "null", 4);
	case json_type_boolean:
		return json_object_get_boolean(v) ? buf_add(b, "true", 4) :
		    buf_add(b, "false", 5);
	case json_type_int:
		return json_write_int(b, v);
	case json_type_double:
		return json_write_double(b, json_object_get_double(v));
	case json_type_string:
		return json_write_string(b, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v));
	case json_type_array:
		if (json_putc(b, '[') == -1)
			return -1;
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			if (i > 0 && json_putc(b, ',') == -1)
				return -1;
			if (json_write(b, json_object_array_get_idx(v, i),
			    sorted, depth + 1) == -1)
				return -1;
		}
		return json_putc(b, ']');
	case json_type_object:
		return json_write_object(b, v, sorted, depth);
	}
	return -1;
}

/* Append v as compact JSON; on failure out keeps its previous length. */
int
codec_json_write(struct buf *b, struct json_object *v, int sorted)
{
	size_t	 len = b->bf_len;

	if (json_write(b, v, sorted, 0) == -1) {
		b->bf_len = len;
		if (b->bf_data != NULL)
			b->bf_data[len] = '\0';
		return -1;
	}
	b->bf_data[b->bf_len] = '\0';	/* json_putc leaves it out */
	return 0;
}

/* Append the encoding of v with the given codec. */
int
codec_encode(enum codec_kind kind, struct json_object *v, struct buf *b)
{
	switch (kind) {
	case CODEC_JSON:
		return codec_json_write(b, v, 0);
	case CODEC_JSON_SORTED:
		return codec_json_write(b, v, 1);
	case CODEC_STRING:
	case CODEC_BINARY:
		if (json_object_is_type(v, json_type_string))
			return buf_add(b, json_object_get_string(v),
			    (size_t)json_object_get_string_len(v));
		return codec_json_write(b, v, 0);
	}
	return -1;
}

/*
 * Canonical form: the bytes the json codec would write back for what it
 * reads.  A source whose input is already in that form can forward the
 * input itself instead of building values and writing them again.  The
 * check builds nothing; anything it is unsure of answers "no" and the
 * caller takes the full path, which also words every error.
 */

#define CANON_MAX_KEYS	256	/* keys of the open objects, all levels */
#define CANON_MAX_OBJ	64	/* keys compared pairwise in one object */

struct json_canon {
	const unsigned char	*jc_p;
	const unsigned char	*jc_end;
	const unsigned char	*jc_key[CANON_MAX_KEYS];	/* after '"' */
	size_t			 jc_keylen[CANON_MAX_KEYS];
	size_t			 jc_nkeys;
};

static int	canon_value(struct json_canon *, int);

#define CANON_ONES	0x0101010101010101ULL
#define CANON_HIGHS	0x8080808080808080ULL

/*
 * Skip plain string bytes (not '"', '\\', < 0x20 or >= 0x80) eight at a
 * time: a byte's high bit in the mask is set when it may be special.
 */
static const unsigned char *
canon_plain(const unsigned char *p, const unsigned char *end)
{
	uint64_t	 x, m;
#ifdef __SSE2__
	__m128i		 v, sp;
	int		 bits;

	/* 16 at a time: as signed bytes, < 0x20 also catches >= 0x80 */
	while (end - p >= 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)p);
		sp = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
		    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
		    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
		if ((bits = _mm_movemask_epi8(sp)) != 0)
			return p + __builtin_ctz((unsigned)bits);
		p += 16;
	}
#endif
	while (end - p >= 8) {
		memcpy(&x, p, 8);
		m = x | ((x - 0x20 * CANON_ONES) & ~x);	/* >= 0x80, < 0x20 */
		m |= ((x ^ 0x22 * CANON_ONES) - CANON_ONES) &
		    ~(x ^ 0x22 * CANON_ONES);
		m |= ((x ^ 0x5c * CANON_ONES) - CANON_ONES) &
		    ~(x ^ 0x5c * CANON_ONES);
		if ((m & CANON_HIGHS) != 0) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			/* borrows only carry upwards: the lowest flag is
			 * the first special byte */
			return p + __builtin_ctzll(m & CANON_HIGHS) / 8;
#else
			break;
#endif
		}
		p += 8;
	}
	while (p < end && !json_str_special[*p])
		p++;
	return p;
}

/* A string at its opening quote, every escape the one the writer uses. */
static int
canon_string(struct json_canon *jc, int key)
{
	const unsigned char	*p = jc->jc_p + 1, *end = jc->jc_end;
	unsigned		 cp;
	size_t			 n;

	for (;;) {
		p = canon_plain(p, end);
		if (p >= end || *p < 0x20)
			return -1;
		if (*p == '"')
			break;
		if (*p >= 0x80) {
			if ((n = json_utf8_len(p, end)) == 0)
				return -1;
			p += n;
			continue;
		}
		if (end - p < 2)
			return -1;
		switch (p[1]) {
		case '"': case '\\': case 'b': case 'f': case 'n': case 'r':
		case 't':
			p += 2;
			continue;
		case 'u':
			break;
		default:
			return -1;	/* '/' is written raw */
		}
		/* only \u00XX, lower-case, for a byte with no short escape */
		if (end - p < 6 || p[2] != '0' || p[3] != '0' ||
		    json_hex4(p + 2, end, &cp) == -1 || cp >= 0x20 ||
		    json_esc[cp] != 'u' || (key && cp == 0) ||
		    (p[5] >= 'A' && p[5] <= 'F') || (p[4] >= 'A' &&
		    p[4] <= 'F'))
			return -1;
		p += 6;
	}
	jc->jc_p = p + 1;
	return 0;
}

/*
 * Quick answer for a plain decimal I.F (no exponent; dot points to the
 * point, s to the first digit, e past the last) of at most 15
 * significant digits: such a decimal is the shortest text of its double,
 * so the writer prints the same digits, as I.F when I > 0, as 0.F with at
 * most 4 zeros after the point, as I.0 when integral.  0 canonical, -1
 * not, 1 when the full check must decide.
 */
static int
canon_decimal(const unsigned char *s, const unsigned char *dot,
    const unsigned char *e)
{
	const unsigned char	*f;
	size_t			 li, lf, z;

	li = (size_t)(dot - s);
	f = dot + 1;
	lf = (size_t)(e - f);
	if (lf == 1 && f[0] == '0')	/* integral: 0.0, or I.0 below 2^53 */
		return li <= 15 ? 0 : 1;
	if (e[-1] == '0')
		return -1;		/* the writer drops trailing zeros */
	if (li == 1 && s[0] == '0') {
		for (z = 0; z < lf && f[z] == '0'; z++)
			;
		if (z > 4)
			return -1;	/* written with an exponent */
		return lf - z <= 15 ? 0 : 1;
	}
	return li + lf <= 15 ? 0 : 1;
}

/* A number: integers in 64 bits (not -0), doubles as the writer lays them. */
static int
canon_number(struct json_canon *jc)
{
	const unsigned char	*s = jc->jc_p, *p = s, *end = jc->jc_end, *d0;
	const unsigned char	*dot = NULL, *expo = NULL;
	char			 out[JSON_DOUBLE_MAX];
	uint64_t		 mag = 0;
	double			 d;
	int			 neg = 0, isint = 1, n;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (p >= end || *p < '0' || *p > '9')
		return -1;
	if (*p == '0') {
		if (++p < end && *p >= '0' && *p <= '9')
			return -1;
	} else {
		d0 = p;
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			mag = mag * 10 + (uint64_t)(*p - '0');
		/* 19 digits always fit in 64 bits, 20 up to UINT64_MAX */
		if (p - d0 > 20 || (p - d0 == 20 &&
		    memcmp(d0, "18446744073709551615", 20) > 0))
			return -1;
	}
	if (p < end && *p == '.') {
		isint = 0;
		dot = p;
		if (++p >= end || *p < '0' || *p > '9')
			return -1;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		isint = 0;
		expo = p;
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return -1;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	jc->jc_p = p;
	if (isint)	/* -0 reads as 0; beyond int64 on the minus side fails */
		return neg && (mag == 0 || mag > (uint64_t)INT64_MAX + 1) ?
		    -1 : 0;
	if (dot != NULL && expo == NULL &&
	    (n = canon_decimal(s + neg, dot, p)) != 1)
		return n;
	if (p - s >= JSON_DOUBLE_MAX || json_read_double(s, p, &d) == -1 ||
	    isinf(d))
		return -1;
	n = json_format_double(d, out);
	return n == p - s && memcmp(out, s, (size_t)n) == 0 ? 0 : -1;
}

/* An object or array at its bracket; keys of an object all different. */
static int
canon_container(struct json_canon *jc, int depth)
{
	const unsigned char	*k;
	size_t			 base = jc->jc_nkeys, i, len;
	uint64_t		 seen = 0, bit;	/* keys by a 6-bit hash */
	char			 close = *jc->jc_p == '{' ? '}' : ']';

	if (depth >= CODEC_MAX_DEPTH)
		return -1;
	jc->jc_p++;
	if (jc->jc_p < jc->jc_end && *jc->jc_p == close) {
		jc->jc_p++;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			if (jc->jc_p >= jc->jc_end || *jc->jc_p != '"')
				return -1;
			k = jc->jc_p + 1;
			if (canon_string(jc, 1) == -1)
				return -1;
			len = (size_t)(jc->jc_p - 1 - k);
			/* one spelling per string: equal keys, equal bytes */
			if (jc->jc_nkeys >= CANON_MAX_KEYS ||
			    jc->jc_nkeys - base >= CANON_MAX_OBJ)
				return -1;
			bit = (uint64_t)1 << ((len == 0 ? 0 : len * 31 + k[0] +
			    k[len - 1] * 7u) & 63);
			if (seen & bit)	/* maybe seen: compare */
				for (i = base; i < jc->jc_nkeys; i++)
					if (jc->jc_keylen[i] == len &&
					    memcmp(jc->jc_key[i], k, len) == 0)
						return -1;
			seen |= bit;
			jc->jc_key[jc->jc_nkeys] = k;
			jc->jc_keylen[jc->jc_nkeys++] = len;
			if (jc->jc_p >= jc->jc_end || *jc->jc_p != ':')
				return -1;
			jc->jc_p++;
		}
		if (canon_value(jc, depth + 1) == -1)
			return -1;
		if (jc->jc_p < jc->jc_end && *jc->jc_p == ',') {
			jc->jc_p++;
			continue;
		}
		if (jc->jc_p < jc->jc_end && *jc->jc_p == close) {
			jc->jc_p++;
			jc->jc_nkeys = base;
			return 0;
		}
		return -1;
	}
}

/* Any value, no whitespace around it. */
static int
canon_value(struct json_canon *jc, int depth)
{
	const unsigned char	*p = jc->jc_p;
	size_t			 left = (size_t)(jc->jc_end - p);

	if (left == 0)
		return -1;
	switch (*p) {
	case '{':
	case '[':
		return canon_container(jc, depth);
	case '"':
		return canon_string(jc, 0);
	case 't':
		if (left < 4 || memcmp(p, "true", 4) != 0)
			return -1;
		jc->jc_p += 4;
		return 0;
	case 'f':
		if (left < 5 || memcmp(p, "false", 5) != 0)
			return -1;
		jc->jc_p += 5;
		return 0;
	case 'n':
		if (left < 4 || memcmp(p, "null", 4) != 0)
			return -1;
		jc->jc_p += 4;
		return 0;
	default:
		return canon_number(jc);
	}
}

/* 1 if the json codec decodes len bytes and writes them back unchanged. */
int
codec_json_canonical(const char *data, size_t len)
{
	struct json_canon	 jc;

	jc.jc_p = (const unsigned char *)data;
	jc.jc_end = jc.jc_p + len;
	jc.jc_nkeys = 0;
	if (canon_value(&jc, 0) == -1)
		return 0;
	return jc.jc_p == jc.jc_end;
}
