/* SPDX-License-Identifier: ISC */
/*
 * The Prometheus text exposition format (see prom.h).  Pure.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "prom.h"

/* Is c a letter, a digit (when digits) or one of extra? */
static int
prom_char(char c, int digits, const char *extra)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return 1;
	if (digits && c >= '0' && c <= '9')
		return 1;
	return c != '\0' && strchr(extra, c) != NULL;
}

/* Is s a non-empty name of the characters allowed (extra: ":" or ""). */
static int
prom_ident(const char *s, const char *extra)
{
	size_t	 i;

	if (s == NULL || !prom_char(s[0], 0, extra))
		return 0;
	for (i = 1; s[i] != '\0'; i++)
		if (!prom_char(s[i], 1, extra))
			return 0;
	return 1;
}

/* Is s a metric name? */
int
prom_name_ok(const char *s)
{
	return prom_ident(s, ":");
}

/* Is s a label name (names starting with "__" are reserved)? */
int
prom_label_name_ok(const char *s)
{
	return prom_ident(s, "") && strncmp(s, "__", 2) != 0;
}

/* Append s with backslash, newline and (when quote) '"' escaped. */
static int
prom_escape(struct buf *b, const char *s, int quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\') {
			if (buf_adds(b, "\\\\") == -1)
				return -1;
		} else if (*s == '\n') {
			if (buf_adds(b, "\\n") == -1)
				return -1;
		} else if (quote && *s == '"') {
			if (buf_adds(b, "\\\"") == -1)
				return -1;
		} else if (buf_addc(b, *s) == -1)
			return -1;
	}
	return 0;
}

/* Append a label value, escaped. */
int
prom_escape_value(struct buf *b, const char *s)
{
	return prom_escape(b, s, 1);
}

/* The name Prometheus gives a type. */
const char *
prom_type_name(enum prom_type t)
{
	switch (t) {
	case PROM_COUNTER:
		return "counter";
	case PROM_GAUGE:
		return "gauge";
	default:
		return "untyped";
	}
}

/* Append the HELP and TYPE lines of a family. */
int
prom_family(struct buf *b, const char *name, enum prom_type t,
    const char *help)
{
	if (!prom_name_ok(name))
		return -1;
	if (buf_printf(b, "# HELP %s ", name) == -1 ||
	    prom_escape(b, help, 0) == -1 ||
	    buf_printf(b, "\n# TYPE %s %s\n", name, prom_type_name(t)) == -1)
		return -1;
	return 0;
}

/* Append a value as Prometheus reads it: integers exactly, others with
 * enough digits to round-trip, and the special values by name. */
static int
prom_value(struct buf *b, double v)
{
	if (isnan(v))
		return buf_adds(b, "NaN");
	if (isinf(v))
		return buf_adds(b, v > 0 ? "+Inf" : "-Inf");
	if (v > -9007199254740992.0 && v < 9007199254740992.0 &&
	    (double)(long long)v == v)
		return buf_printf(b, "%lld", (long long)v);
	return buf_printf(b, "%.17g", v);
}

/* Append one sample line. */
int
prom_sample(struct buf *b, const char *name, const struct prom_label *l,
    size_t n, double v)
{
	size_t	 i, j;

	if (!prom_name_ok(name) || buf_adds(b, name) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (!prom_label_name_ok(l[i].pl_name) || l[i].pl_value == NULL)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(l[i].pl_name, l[j].pl_name) == 0)
				return -1;
		if (buf_printf(b, "%s%s=\"", i == 0 ? "{" : ",",
		    l[i].pl_name) == -1 ||
		    prom_escape_value(b, l[i].pl_value) == -1 ||
		    buf_addc(b, '"') == -1)
			return -1;
	}
	if ((n > 0 && buf_addc(b, '}') == -1) || buf_addc(b, ' ') == -1 ||
	    prom_value(b, v) == -1 || buf_addc(b, '\n') == -1)
		return -1;
	return 0;
}
