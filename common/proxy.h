/* SPDX-License-Identifier: ISC */
/*
 * HTTP CONNECT proxies for ws_client (issue 14), over caller-supplied
 * bytes: the proxy URL (http://[user:pass@]host[:port]), the CONNECT
 * request for a target (with Basic credentials, RFC 7617) and the
 * proxy's reply head, parsed strictly and within a bound.  Pure: no
 * sockets, no logging; nothing here echoes the URL or the credentials.
 */
#ifndef WSFLOW_PROXY_H
#define WSFLOW_PROXY_H

#include <stddef.h>

#include "buf.h"
#include "url.h"

#define PROXY_AUTH_MAX	1024	/* "user:password", decoded */

/* A proxy to dial: its host and port, and credentials or none. */
struct proxy_url {
	struct url	px_url;		/* host and port; u_path is "/" */
	char		px_auth[PROXY_AUTH_MAX];	/* "user:pass" */
	int		px_has_auth;
};

enum proxy_result {
	PROXY_OK,		/* a whole reply head */
	PROXY_NEED_MORE,	/* no blank line yet, under the bound */
	PROXY_ERR_STATUS,	/* not an HTTP/1.x status line */
	PROXY_ERR_HEADER,	/* a malformed header field or line end */
	PROXY_ERR_TOO_BIG,	/* no end of the head within the bound */
};

/* Parse s; -1 with *why (which never quotes s) when it is no proxy URL. */
int		 proxy_url_parse(const char *, struct proxy_url *,
		    const char **);
/* Whether s is usable as "user:password" (a colon, no controls). */
int		 proxy_auth_ok(const char *);
/* Append the CONNECT request for target (auth "user:pass" or NULL);
 * -1 (out unchanged in length) when the target cannot be written. */
int		 proxy_connect_request(struct buf *, const struct url *,
		    const char *);
/*
 * Parse the reply head in the first len bytes of data, at most max of
 * them: PROXY_OK with the status code and the bytes of the head (*used;
 * what follows belongs to the tunnel), PROXY_NEED_MORE, or an error.
 */
enum proxy_result proxy_reply_parse(const char *, size_t, size_t, int *,
		    size_t *);
/* Text of a result, for logs. */
const char	*proxy_strerror(enum proxy_result);

#endif
