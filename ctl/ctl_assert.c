/* SPDX-License-Identifier: ISC */
/*
 * wsflowctl test: assertions.  A test passes when the main process's exit
 * status is the one assert.yaml names and every assert entry holds for
 * its source: contains and doesnt_contain look for a trimmed string within
 * one line, equals_file compares bytes and says where the first
 * difference is.  Pure: no I/O, no global state; the runner reads the
 * files.
 */
#include "config.h"

#include <sys/wait.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "ctl_assert.h"
#include "ctl_yaml.h"

/* Trim ASCII white space from both ends of s (length *len). */
static const char *
trim(const char *s, size_t *len)
{
	while (*len > 0 && isspace((unsigned char)*s)) {
		s++;
		(*len)--;
	}
	while (*len > 0 && isspace((unsigned char)s[*len - 1]))
		(*len)--;
	return s;
}

/* Find the line (1-based) holding the trimmed needle; 0 when none. */
static size_t
text_find(const char *text, size_t len, const char *needle)
{
	size_t		 nlen = strlen(needle), llen, lineno = 0;
	const char	*n, *p = text, *end = text + len, *nl;

	n = trim(needle, &nlen);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		llen = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		lineno++;
		if (llen > 0 && p[llen - 1] == '\r')
			llen--;
		if (nlen == 0 || (llen >= nlen && memmem(p, llen, n, nlen)))
			return lineno;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return 0;
}

/* 1 when the trimmed needle occurs within one line of text. */
int
cta_text_contains(const char *text, size_t len, const char *needle)
{
	return text_find(text, len, needle) != 0;
}

/* Append a formatted message to the fails array. */
void
cta_fail(struct json_object *fails, const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_array_add(fails, json_object_new_string(msg));
}

/* Copy one line of text (at most 60 bytes, escaped) for a message. */
static void
line_excerpt(const char *p, const char *end, char *buf, size_t len)
{
	size_t	 o = 0;

	buf[0] = '\0';
	while (p < end && *p != '\n' && o + 5 < len) {
		unsigned char c = (unsigned char)*p++;

		if (c >= 0x20 && c != 0x7f && c != '"' && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		if (o >= 60) {
			strlcpy(buf + o, "...", len - o);
			return;
		}
	}
	buf[o] = '\0';
}

/* Describe where got differs from want (first differing line). */
static void
text_diff(const char *src, const char *file, const char *got, size_t glen,
    const char *want, size_t wlen, struct json_object *fails)
{
	size_t		 i, line = 1, bol = 0;
	char		 g[80], w[80];

	for (i = 0; i < glen && i < wlen && got[i] == want[i]; i++)
		if (got[i] == '\n') {
			line++;
			bol = i + 1;
		}
	if (i == glen && i == wlen)
		return;
	if (i == glen && glen == wlen - 1 && want[i] == '\n') {
		cta_fail(fails, "%s differs from %s: missing final newline",
		    src, file);
		return;
	}
	if (i == wlen && wlen == glen - 1 && got[i] == '\n') {
		cta_fail(fails, "%s differs from %s: extra newline at end",
		    src, file);
		return;
	}
	line_excerpt(got + bol, got + glen, g, sizeof(g));
	line_excerpt(want + bol, want + wlen, w, sizeof(w));
	cta_fail(fails, "%s differs from %s at line %zu: got \"%s\"%s, "
	    "expected \"%s\"%s", src, file, line, g, bol >= glen ? " (eof)" :
	    "", w, bol >= wlen ? " (eof)" : "");
}

/* Run fn over every string of a list-or-scalar value. */
static int
each_str(struct json_object *v, const char *src, const char *key,
    struct json_object *fails, const char *text, size_t len, int want)
{
	size_t		 i, n, line;
	char		 buf[64];
	const char	*s;
	int		 bad = 0;
	struct json_object *e;

	n = json_object_is_type(v, json_type_array) ?
	    json_object_array_length(v) : 1;
	for (i = 0; i < n; i++) {
		e = json_object_is_type(v, json_type_array) ?
		    json_object_array_get_idx(v, i) : v;
		if ((s = cty_str(e, buf, sizeof(buf))) == NULL) {
			cta_fail(fails, "%s: %s entries must be strings", src,
			    key);
			return -1;
		}
		line = text_find(text, len, s);
		if (want && line == 0) {
			cta_fail(fails, "%s does not contain \"%s\"", src, s);
			bad++;
		} else if (!want && line != 0) {
			cta_fail(fails, "%s contains \"%s\" (line %zu)", src, s,
			    line);
			bad++;
		}
	}
	return bad;
}

/* Evaluate one assert entry; returns failed checks or -1 if malformed. */
int
cta_check(struct json_object *a, const char *src,
    const char *text, size_t len, const char *expect, size_t elen,
    struct json_object *fails)
{
	struct json_object	*v;
	int			 bad = 0, r;

	if (!json_object_is_type(a, json_type_object)) {
		cta_fail(fails, "assert entry is not a mapping");
		return -1;
	}
	json_object_object_foreach(a, key, val) {
		(void)val;
		if (strcmp(key, "source") != 0 && strcmp(key, "contains") != 0 &&
		    strcmp(key, "doesnt_contain") != 0 &&
		    strcmp(key, "equals_file") != 0) {
			cta_fail(fails, "%s: unknown assert key \"%s\"", src,
			    key);
			return -1;
		}
	}
	if (json_object_object_get_ex(a, "contains", &v)) {
		if ((r = each_str(v, src, "contains", fails, text, len, 1)) < 0)
			return -1;
		bad += r;
	}
	if (json_object_object_get_ex(a, "doesnt_contain", &v)) {
		if ((r = each_str(v, src, "doesnt_contain", fails, text, len,
		    0)) < 0)
			return -1;
		bad += r;
	}
	if (json_object_object_get_ex(a, "equals_file", &v)) {
		if (!json_object_is_type(v, json_type_string)) {
			cta_fail(fails, "%s: equals_file must be a string", src);
			return -1;
		}
		if (expect == NULL) {
			cta_fail(fails, "%s: cannot read %s", src,
			    json_object_get_string(v));
			bad++;
		} else if (len != elen || memcmp(text, expect, len) != 0) {
			text_diff(src, json_object_get_string(v), text, len,
			    expect, elen, fails);
			bad++;
		}
	}
	return bad;
}

/* Describe a wait status: "exit status 3" or "terminated by signal 9". */
const char *
cta_status_str(int st, char *buf, size_t len)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "terminated by signal %d", WTERMSIG(st));
	else
		snprintf(buf, len, "wait status %d", st);
	return buf;
}

/* Judge a wait status against assert.yaml; -1 when it is malformed. */
int
cta_status(struct json_object *as, int status, struct json_object **list,
    struct json_object *fails)
{
	struct json_object	*v = NULL;
	char			 st[64];
	int			 code = 0;

	*list = NULL;
	if (as != NULL) {
		if (!json_object_is_type(as, json_type_object)) {
			cta_fail(fails, "assert.yaml: must be a mapping");
			return -1;
		}
		if (!json_object_object_get_ex(as, "status", &v) ||
		    !json_object_is_type(v, json_type_int)) {
			cta_fail(fails, "assert.yaml:%zu: status missing or "
			    "not an integer", cty_line(v != NULL ? v : as));
			return -1;
		}
		code = json_object_get_int(v);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != code)
		cta_fail(fails, "%s, expected exit status %d",
		    cta_status_str(status, st, sizeof(st)), code);
	if (as == NULL || !json_object_object_get_ex(as, "asserts", &v) ||
	    v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_array)) {
		cta_fail(fails, "assert.yaml:%zu: asserts must be a list",
		    cty_line(v));
		return -1;
	}
	*list = v;
	return 0;
}

/* The source asserts[i] reads; NULL (with a message) when it names none. */
const char *
cta_source(struct json_object *a, size_t i, struct json_object *fails)
{
	struct json_object	*src;

	if (!json_object_is_type(a, json_type_object) ||
	    !json_object_object_get_ex(a, "source", &src) ||
	    !json_object_is_type(src, json_type_string)) {
		cta_fail(fails, "assert.yaml:%zu: asserts[%zu]: source missing "
		    "or not a string", cty_line(a), i);
		return NULL;
	}
	return json_object_get_string(src);
}

/* The expected file asserts[i] compares with; NULL when it names none. */
const char *
cta_expect_file(struct json_object *a)
{
	struct json_object	*v;

	if (!json_object_is_type(a, json_type_object) ||
	    !json_object_object_get_ex(a, "equals_file", &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* cta_check for asserts[i]; a malformed entry's message says where. */
int
cta_entry(struct json_object *a, size_t i, const char *src,
    const char *text, size_t len, const char *expect, size_t elen,
    struct json_object *fails)
{
	char	 msg[1024];
	size_t	 last;
	int	 r;

	if ((r = cta_check(a, src, text, len, expect, elen, fails)) != -1)
		return r;
	if ((last = json_object_array_length(fails)) == 0)
		return -1;
	snprintf(msg, sizeof(msg), "assert.yaml:%zu: asserts[%zu]: %s",
	    cty_line(a), i, json_object_get_string(
	    json_object_array_get_idx(fails, last - 1)));
	json_object_array_put_idx(fails, last - 1,
	    json_object_new_string(msg));
	return -1;
}
