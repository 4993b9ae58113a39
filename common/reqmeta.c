/* SPDX-License-Identifier: ISC */
/*
 * Request metadata of a ws_server connection (issue 14): from the
 * request header section the handshake accepted, the record
 * {"path", "query", "headers": {name: value}} with only the fields the
 * flow names (at most REQMETA_MAX_NAMES).  A field sent more than once
 * is joined with ", " in the order received (RFC 7230 3.2.2); a field
 * not sent is left out.  Names are keys in lower case.  The values are
 * bytes of the request's header section, which the handshake's limits
 * bound, so together they never exceed it.  Bytes that are not UTF-8
 * become "?".  reqmeta_cost() is what a record keeps allocated, an upper
 * bound a worker charges to its memory budget (issue 11).
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "reqmeta.h"
#include "utf8.h"
#include "ws.h"

/* What the walk over the fields collects: one value per name. */
struct rm_walk {
	const char *const	*rw_names;
	size_t			 rw_n;
	struct buf		 rw_val[REQMETA_MAX_NAMES];
	int			 rw_seen[REQMETA_MAX_NAMES];
	int			 rw_nomem;
};

/* Whether s is a header field name (an RFC 7230 token). */
int
reqmeta_name_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) &&
		    strchr("!#$%&'*+-.^_`|~", *s) == NULL)
			return 0;
	return 1;
}

/* One field: keep its value when its name is wanted. */
static int
rm_field(const char *name, size_t nlen, const char *value, size_t vlen,
    void *arg)
{
	struct rm_walk	*w = arg;
	size_t		 i;

	for (i = 0; i < w->rw_n; i++) {
		if (strlen(w->rw_names[i]) != nlen ||
		    strncasecmp(w->rw_names[i], name, nlen) != 0)
			continue;
		if ((w->rw_seen[i]++ > 0 &&
		    buf_add(&w->rw_val[i], ", ", 2) == -1) ||
		    buf_add(&w->rw_val[i], value, vlen) == -1) {
			w->rw_nomem = 1;
			return -1;
		}
	}
	return 0;
}

/* A JSON string of s[0..n): bytes of invalid UTF-8 replaced by "?". */
static struct json_object *
rm_string(char *s, size_t n)
{
	size_t	 i;

	if (!utf8_valid(s, n))
		for (i = 0; i < n; i++)
			if ((unsigned char)s[i] >= 0x80)
				s[i] = '?';
	return json_object_new_string_len(s, (int)n);
}

/*
 * The record for the request target (path and query) and header section
 * req[0..len) of an accepted request, with the fields of names[0..n)
 * (n at most REQMETA_MAX_NAMES).  NULL when out of memory or when req is
 * not a complete header section.
 */
struct json_object *
reqmeta_build(const char *req, size_t len, const char *target,
    const char *const *names, size_t n)
{
	struct rm_walk		 w;
	struct json_object	*o = NULL, *h;
	const char		*q;
	char			 key[256];
	size_t			 i, k;

	if (n > REQMETA_MAX_NAMES)
		return NULL;
	memset(&w, 0, sizeof(w));
	w.rw_names = names;
	w.rw_n = n;
	if (ws_request_fields(req, len, rm_field, &w) == -1)
		goto fail;
	if ((o = json_object_new_object()) == NULL ||
	    (h = json_object_new_object()) == NULL)
		goto fail;
	json_object_object_add(o, "headers", h);
	q = strchr(target, '?');
	json_object_object_add(o, "path", json_object_new_string_len(target,
	    (int)(q != NULL ? (size_t)(q - target) : strlen(target))));
	json_object_object_add(o, "query",
	    json_object_new_string(q != NULL ? q + 1 : ""));
	for (i = 0; i < n; i++) {
		if (!w.rw_seen[i])
			continue;
		for (k = 0; names[i][k] != '\0' && k + 1 < sizeof(key); k++)
			key[k] = (char)tolower((unsigned char)names[i][k]);
		key[k] = '\0';
		json_object_object_add(h, key, rm_string(w.rw_val[i].bf_data,
		    w.rw_val[i].bf_len));
	}
	for (i = 0; i < n; i++)
		buf_free(&w.rw_val[i]);
	return o;
 fail:
	json_object_put(o);
	for (i = 0; i < n; i++)
		buf_free(&w.rw_val[i]);
	return NULL;
}

/*
 * The bytes record o (reqmeta_build's: objects of strings) keeps
 * allocated, rounded up: for the worker's memory budget.
 */
size_t
reqmeta_cost(struct json_object *o)
{
	size_t	 n;

	if (!json_object_is_type(o, json_type_object))
		return (size_t)json_object_get_string_len(o) + 1;
	n = REQMETA_OBJECT_COST;
	json_object_object_foreach(o, key, v)
		n += REQMETA_MEMBER_COST + strlen(key) + 1 + reqmeta_cost(v);
	return n;
}
