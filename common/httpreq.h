/* SPDX-License-Identifier: ISC */
/*
 * The one HTTP request a metrics scrape sends: the request line and the
 * headers, at most HTTPREQ_MAX bytes, over caller-supplied bytes.  Pure.
 * Only what a GET needs is kept (the method and the path); the headers
 * are checked for shape and otherwise ignored, and a request with a body
 * is refused.  Anything malformed is HTTPREQ_BAD (answered with 400).
 */
#ifndef WSFLOW_HTTPREQ_H
#define WSFLOW_HTTPREQ_H

#include <stddef.h>

#define HTTPREQ_MAX		8192	/* request line and headers */
#define HTTPREQ_PATH_MAX	256
#define HTTPREQ_METHOD_MAX	16

enum httpreq_result {
	HTTPREQ_OK,		/* a whole request head */
	HTTPREQ_NEED_MORE,	/* no blank line yet, under the bound */
	HTTPREQ_BAD,		/* malformed, too long, or with a body */
};

struct httpreq {
	char	hr_method[HTTPREQ_METHOD_MAX];
	char	hr_path[HTTPREQ_PATH_MAX];	/* without the query */
	int	hr_minor;			/* HTTP/1.x */
	size_t	hr_len;				/* bytes of the head */
};

/* Parse the request head in the first len bytes of buf. */
enum httpreq_result httpreq_parse(const char *, size_t, struct httpreq *);

#endif
