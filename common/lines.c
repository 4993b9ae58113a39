/* SPDX-License-Identifier: ISC */
/*
 * The "lines" / "separate" pre- and postprocessors, following Tremor's
 * src/preprocessor/lines.rs at the reference commit, quirks included.
 * Unlike Tremor the fragment buffer has a hard cap (LINES_MAX_BUFFER)
 * even when max_length is 0, so a peer cannot grow memory without bound.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "lines.h"
#include "suggest.h"

#define LINES_MAX_BUFFER	(64UL * 1024 * 1024)

struct lines {
	struct proc_spec	 ln_spec;
	struct buf		 ln_buf;	/* unfinished line */
};

static const char *const lines_names[] = { "lines", "separate" };

/* Describe a value's bytes for an error message (truncated, printable). */
static void
lines_quote(const char *s, size_t len, char *out, size_t outlen)
{
	size_t		 i, o = 0;
	unsigned char	 c;

	for (i = 0; i < len && o + 5 < outlen; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x",
			    c);
	}
	out[o < outlen ? o : outlen - 1] = '\0';
}

/* Apply one "config" key to the spec. */
static int
lines_config_key(const char *key, struct json_object *val, int pre,
    struct proc_spec *ps, char *err, size_t errlen)
{
	const char	*s;
	char		 q[64];
	int64_t		 n;
	size_t		 len;

	if (strcmp(key, "separator") == 0) {
		if (!json_object_is_type(val, json_type_string)) {
			snprintf(err, errlen, "Invalid 'separator': must be a "
			    "string of 1 byte, not %s",
			    json_type_to_name(json_object_get_type(val)));
			return -1;
		}
		s = json_object_get_string(val);
		len = (size_t)json_object_get_string_len(val);
		if (len != 1) {
			lines_quote(s, len, q, sizeof(q));
			snprintf(err, errlen, "Invalid 'separator': \"%s\", "
			    "must be 1 byte.", q);
			return -1;
		}
		ps->ps_separator = s[0];
		return 0;
	}
	if (pre && strcmp(key, "max_length") == 0) {
		if (!json_object_is_type(val, json_type_int) ||
		    (n = json_object_get_int64(val)) < 0) {
			snprintf(err, errlen, "Invalid 'max_length': must be "
			    "a non-negative integer (0: unlimited)");
			return -1;
		}
		ps->ps_max_length = (uint64_t)n > SIZE_MAX ? SIZE_MAX :
		    (size_t)n;
		return 0;
	}
	if (pre && strcmp(key, "buffered") == 0) {
		if (!json_object_is_type(val, json_type_boolean)) {
			snprintf(err, errlen, "Invalid 'buffered': must be "
			    "true or false, not %s",
			    json_type_to_name(json_object_get_type(val)));
			return -1;
		}
		ps->ps_buffered = json_object_get_boolean(val);
		return 0;
	}
	snprintf(err, errlen, "unknown %sprocessor config key \"%s\" "
	    "(known: %s)", pre ? "pre" : "post", key,
	    pre ? "separator, max_length, buffered" : "separator");
	return -1;
}

/* Parse a processor specification (name or {"name", "config"}). */
int
lines_spec_parse(struct json_object *spec, int pre, struct proc_spec *out,
    char *err, size_t errlen)
{
	struct json_object	*name = NULL, *cfg = NULL;
	struct proc_spec	 ps;
	const char		*n, *hint, *what = pre ? "preprocessor" :
				    "postprocessor";
	size_t			 i;

	memset(&ps, 0, sizeof(ps));
	ps.ps_kind = PROC_LINES;
	ps.ps_separator = '\n';
	ps.ps_max_length = 0;
	ps.ps_buffered = 1;

	if (json_object_is_type(spec, json_type_string))
		name = spec;
	else if (json_object_is_type(spec, json_type_object)) {
		json_object_object_foreach(spec, key, val) {
			if (strcmp(key, "name") == 0)
				name = val;
			else if (strcmp(key, "config") == 0)
				cfg = val;
			else {
				snprintf(err, errlen, "%s: unknown key \"%s\" "
				    "(known: name, config)", what, key);
				return -1;
			}
		}
		if (name == NULL) {
			snprintf(err, errlen, "%s: record without \"name\"",
			    what);
			return -1;
		}
		if (!json_object_is_type(name, json_type_string)) {
			snprintf(err, errlen, "%s: \"name\" must be a string, "
			    "not %s", what,
			    json_type_to_name(json_object_get_type(name)));
			return -1;
		}
	} else {
		snprintf(err, errlen, "%s must be a string or a record "
		    "{\"name\": .., \"config\": ..}, not %s", what,
		    json_type_to_name(json_object_get_type(spec)));
		return -1;
	}

	n = json_object_get_string(name);
	for (i = 0; i < sizeof(lines_names) / sizeof(lines_names[0]); i++)
		if (strcmp(n, lines_names[i]) == 0)
			break;
	if (i == sizeof(lines_names) / sizeof(lines_names[0])) {
		hint = suggest_closest(n, lines_names,
		    sizeof(lines_names) / sizeof(lines_names[0]));
		if (hint != NULL)
			snprintf(err, errlen, "unknown %s \"%s\" (did you "
			    "mean \"%s\"?)", what, n, hint);
		else
			snprintf(err, errlen, "unknown %s \"%s\" (known: "
			    "lines, separate)", what, n);
		return -1;
	}

	if (cfg != NULL) {
		if (!json_object_is_type(cfg, json_type_object)) {
			snprintf(err, errlen, "%s \"%s\": config must be a "
			    "record, not %s", what, n,
			    json_type_to_name(json_object_get_type(cfg)));
			return -1;
		}
		json_object_object_foreach(cfg, key, val) {
			if (lines_config_key(key, val, pre, &ps, err,
			    errlen) == -1)
				return -1;
		}
	}
	*out = ps;
	return 0;
}

/* A splitter for one stream. */
struct lines *
lines_new(const struct proc_spec *ps)
{
	struct lines	*ln;

	if ((ln = calloc(1, sizeof(*ln))) == NULL)
		return NULL;
	ln->ln_spec = *ps;
	buf_init(&ln->ln_buf, LINES_MAX_BUFFER);
	return ln;
}

/* Free a splitter and anything it buffered. */
void
lines_free(struct lines *ln)
{
	if (ln == NULL)
		return;
	buf_free(&ln->ln_buf);
	free(ln);
}

/* Would a buffered fragment of n bytes be too long? */
static int
lines_fragment_too_long(const struct lines *ln, size_t n)
{
	if (n > LINES_MAX_BUFFER)
		return 1;
	return ln->ln_spec.ps_max_length != 0 && n > ln->ln_spec.ps_max_length;
}

/* Is a complete line short enough to be emitted? */
static int
lines_ok(const struct lines *ln, size_t n)
{
	return ln->ln_spec.ps_max_length == 0 || n <= ln->ln_spec.ps_max_length;
}

/* Reject a fragment: drop the buffer and say why. */
static int
lines_too_long(struct lines *ln, size_t add, char *err, size_t errlen)
{
	size_t	 total = ln->ln_buf.bf_len + add;
	size_t	 max = ln->ln_spec.ps_max_length;

	if (max == 0 || max > LINES_MAX_BUFFER)
		max = LINES_MAX_BUFFER;
	snprintf(err, errlen, "discarded line fragment of length %zu: total "
	    "length %zu exceeds the maximum line length of %zu", add, total,
	    max);
	buf_reset(&ln->ln_buf);
	return -1;
}

/* Report that the consumer stopped us; the buffer is dropped. */
static int
lines_stopped(struct lines *ln, char *err, size_t errlen)
{
	snprintf(err, errlen, "processing stopped by the consumer");
	buf_reset(&ln->ln_buf);
	return -1;
}

/* Split data with buffered=false: every segment, then the remainder. */
static int
lines_unbuffered(struct lines *ln, const char *data, size_t len,
    lines_emit_fn emit, void *arg, char *err, size_t errlen)
{
	const char	*p = data, *end = data + len, *sep;

	while (p < end && (sep = memchr(p, ln->ln_spec.ps_separator,
	    (size_t)(end - p))) != NULL) {
		if (lines_ok(ln, (size_t)(sep - p)) &&
		    emit(arg, p, (size_t)(sep - p)) == -1)
			return lines_stopped(ln, err, errlen);
		p = sep + 1;
	}
	if (emit(arg, p, (size_t)(end - p)) == -1)
		return lines_stopped(ln, err, errlen);
	return 0;
}

/* Feed bytes; see lines.h for what happens on errors. */
int
lines_process(struct lines *ln, const char *data, size_t len,
    lines_emit_fn emit, void *arg, char *err, size_t errlen)
{
	const char	*first, *last, *p, *sep, *end = data + len;
	size_t		 firstlen, restlen;
	char		 sc = ln->ln_spec.ps_separator;

	if (!ln->ln_spec.ps_buffered)
		return lines_unbuffered(ln, data, len, emit, arg, err, errlen);

	if (len == 0 || (first = memchr(data, sc, len)) == NULL) {
		if (lines_fragment_too_long(ln, ln->ln_buf.bf_len + len))
			return lines_too_long(ln, len, err, errlen);
		if (buf_add(&ln->ln_buf, data, len) == -1)
			return lines_too_long(ln, len, err, errlen);
		return 0;
	}
	last = memrchr(data, sc, len);
	firstlen = (size_t)(first - data);
	restlen = (size_t)(end - (last + 1));

	/* Check everything that can fail before emitting anything. */
	if (ln->ln_buf.bf_len > 0 &&
	    lines_fragment_too_long(ln, ln->ln_buf.bf_len + firstlen))
		return lines_too_long(ln, firstlen, err, errlen);
	if (lines_fragment_too_long(ln, restlen)) {
		buf_reset(&ln->ln_buf);
		return lines_too_long(ln, restlen, err, errlen);
	}

	if (ln->ln_buf.bf_len > 0) {
		if (buf_add(&ln->ln_buf, data, firstlen) == -1)
			return lines_too_long(ln, firstlen, err, errlen);
		if (emit(arg, ln->ln_buf.bf_data, ln->ln_buf.bf_len) == -1)
			return lines_stopped(ln, err, errlen);
		buf_reset(&ln->ln_buf);
	} else if (lines_ok(ln, firstlen) &&
	    emit(arg, data, firstlen) == -1)
		return lines_stopped(ln, err, errlen);

	for (p = first + 1; p <= last; p = sep + 1) {
		sep = memchr(p, sc, (size_t)(last + 1 - p));
		if (lines_ok(ln, (size_t)(sep - p)) &&
		    emit(arg, p, (size_t)(sep - p)) == -1)
			return lines_stopped(ln, err, errlen);
	}
	if (buf_add(&ln->ln_buf, last + 1, restlen) == -1)
		return lines_too_long(ln, restlen, err, errlen);
	return 0;
}

/* End of stream: emit the fragment, if any, without a length check. */
int
lines_finish(struct lines *ln, lines_emit_fn emit, void *arg)
{
	int	 rc = 0;

	if (ln->ln_buf.bf_len > 0)
		rc = emit(arg, ln->ln_buf.bf_data, ln->ln_buf.bf_len);
	buf_reset(&ln->ln_buf);
	return rc == -1 ? -1 : 0;
}

/* Bytes held for an unfinished line (0 for NULL). */
size_t
lines_pending(const struct lines *ln)
{
	return ln != NULL ? ln->ln_buf.bf_len : 0;
}

/* The fragment buffer's size (what it holds in memory, not its length). */
size_t
lines_buffered(const struct lines *ln)
{
	return ln != NULL ? ln->ln_buf.bf_cap : 0;
}

/* Postprocessor: one separator after each encoded event. */
int
lines_post(const struct proc_spec *ps, struct buf *b)
{
	return buf_addc(b, ps->ps_separator);
}
