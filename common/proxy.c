/* SPDX-License-Identifier: ISC */
/*
 * HTTP CONNECT for ws_client (proxy.h).  The URL is checked as strictly
 * as the ws_client url (url.c does the host and port); the reply head as
 * RFC 9112 writes it: an HTTP/1.x status line and header fields, every
 * line ended by CRLF (a bare CR or LF, a NUL, an obsolete line folding
 * or a control character fails it), at most max bytes.  The bytes after
 * the head are not looked at: they are the tunnel's.
 */
#include "config.h"

#include <openssl/evp.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy.h"

#define PX_B64_MAX	(4 * ((PROXY_AUTH_MAX + 2) / 3) + 1)

/* Whether c may appear raw in the user info of a URL (RFC 3986 3.2.1). */
static int
px_userchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("-._~!$&'()*+,;=:", c) != NULL;
}

/* Whether c is a control character (HTAB is not one in field values). */
static int
px_ctl(unsigned char c)
{
	return (c < ' ' && c != '\t') || c == 0x7f;
}

/*
 * Percent-decode s[0..n) and append it to out (room: outlen, terminated);
 * -1 on a bad escape, a raw character URLs do not allow, a control
 * character once decoded, or no room.
 */
static int
px_decode(const char *s, size_t n, char *out, size_t outlen, size_t *off)
{
	size_t	 i;
	char	 c, hex[3];

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '%') {
			if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) ||
			    !isxdigit((unsigned char)s[i + 2]))
				return -1;
			hex[0] = s[i + 1];
			hex[1] = s[i + 2];
			hex[2] = '\0';
			c = (char)strtol(hex, NULL, 16);
			i += 2;
		} else if (!px_userchar(c))
			return -1;
		if (px_ctl((unsigned char)c) || c == '\0' ||
		    *off + 1 >= outlen)
			return -1;
		out[(*off)++] = c;
	}
	out[*off] = '\0';
	return 0;
}

/*
 * user:password of a proxy URL into px->px_auth: the user may not hold a
 * colon once decoded (RFC 7617), neither may hold control characters.
 */
static int
px_userinfo(const char *s, size_t n, struct proxy_url *px, const char **why)
{
	const char	*colon = memchr(s, ':', n);
	size_t		 off = 0;

	if (colon == NULL) {
		*why = "credentials must be user:password";
		return -1;
	}
	if (px_decode(s, (size_t)(colon - s), px->px_auth,
	    sizeof(px->px_auth), &off) == -1 ||
	    memchr(px->px_auth, ':', off) != NULL) {
		*why = "bad character or escape in the user name";
		return -1;
	}
	px->px_auth[off++] = ':';
	if (off >= sizeof(px->px_auth) || px_decode(colon + 1,
	    n - (size_t)(colon + 1 - s), px->px_auth, sizeof(px->px_auth),
	    &off) == -1) {
		*why = "bad character or escape in the password, or too long";
		return -1;
	}
	px->px_has_auth = 1;
	return 0;
}

/* Parse an http:// proxy URL; *why never quotes it (credentials). */
int
proxy_url_parse(const char *s, struct proxy_url *px, const char **why)
{
	const char	*auth, *at, *e = NULL;
	char		 hp[URL_HOST_MAX + 16];
	size_t		 n;

	memset(px, 0, sizeof(*px));
	if (strncasecmp(s, "https://", 8) == 0) {
		e = "https:// proxies are not supported (http:// only)";
		goto fail;
	}
	if (strncasecmp(s, "http://", 7) != 0) {
		e = "scheme must be http://";
		goto fail;
	}
	auth = s + 7;
	n = strcspn(auth, "/?#");
	if (auth[n] != '\0' && strcmp(auth + n, "/") != 0) {
		e = "a path, query or fragment is not allowed";
		goto fail;
	}
	for (at = auth + n; at > auth && at[-1] != '@'; at--)
		;
	if (at > auth) {
		if (px_userinfo(auth, (size_t)(at - 1 - auth), px, &e) == -1)
			goto fail;
		n -= (size_t)(at - auth);
		auth = at;
	}
	if (n == 0 || n >= sizeof(hp)) {
		e = n == 0 ? "host missing" : "host name too long";
		goto fail;
	}
	memcpy(hp, auth, n);
	hp[n] = '\0';
	if (url_parse(hp, &px->px_url, &e) == -1)
		goto fail;
	explicit_bzero(hp, sizeof(hp));
	return 0;
 fail:
	explicit_bzero(px, sizeof(*px));
	explicit_bzero(hp, sizeof(hp));
	if (why != NULL)
		*why = e;
	return -1;
}

/* "user:password": a colon, no control characters, not too long. */
int
proxy_auth_ok(const char *s)
{
	size_t	 i, n = strlen(s);

	if (n >= PROXY_AUTH_MAX || strchr(s, ':') == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (px_ctl((unsigned char)s[i]) || s[i] == '\t')
			return 0;
	return 1;
}

/*
 * Append "CONNECT host:port HTTP/1.1", its Host field and, with auth,
 * Proxy-Authorization: Basic.  The buffer is made big enough first, so
 * that no copy of the credentials is left behind by a reallocation.
 */
int
proxy_connect_request(struct buf *out, const struct url *t, const char *auth)
{
	char		 hp[URL_HOST_MAX + 16], b64[PX_B64_MAX];
	size_t		 start = out->bf_len, i, alen;
	int		 r;

	for (i = 0; t->u_host[i] != '\0'; i++)
		if ((unsigned char)t->u_host[i] <= ' ' ||
		    (unsigned char)t->u_host[i] >= 0x7f)
			return -1;
	if (i == 0 || t->u_port == 0)
		return -1;
	r = t->u_ipv6 ? snprintf(hp, sizeof(hp), "[%s]:%u", t->u_host,
	    t->u_port) : snprintf(hp, sizeof(hp), "%s:%u", t->u_host,
	    t->u_port);
	if (r < 0 || (size_t)r >= sizeof(hp))
		return -1;
	if (auth != NULL && !proxy_auth_ok(auth))
		return -1;
	if (buf_reserve(out, 2 * sizeof(hp) + sizeof(b64) + 80) == -1)
		return -1;
	if (buf_printf(out, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n", hp, hp) ==
	    -1)
		goto fail;
	if (auth != NULL) {
		alen = strlen(auth);
		r = EVP_EncodeBlock((unsigned char *)b64,
		    (const unsigned char *)auth, (int)alen);
		if (r <= 0 || buf_printf(out, "Proxy-Authorization: Basic "
		    "%s\r\n", b64) == -1) {
			explicit_bzero(b64, sizeof(b64));
			goto fail;
		}
		explicit_bzero(b64, sizeof(b64));
	}
	if (buf_adds(out, "\r\n") == -1)
		goto fail;
	return 0;
 fail:
	if (out->bf_data != NULL)
		explicit_bzero(out->bf_data + start, out->bf_len - start);
	out->bf_len = start;
	return -1;
}

/*
 * The line starting at off: 1 with its end (the CR) in *eol, 0 while it
 * is incomplete within lim, -1 for a NUL, a bare CR or a bare LF.
 */
static int
px_line(const char *d, size_t off, size_t lim, size_t *eol)
{
	size_t	 i;

	for (i = off; i < lim; i++) {
		if (d[i] == '\0' || d[i] == '\n')
			return -1;
		if (d[i] != '\r')
			continue;
		if (i + 1 >= lim)
			return 0;
		if (d[i + 1] != '\n')
			return -1;
		*eol = i;
		return 1;
	}
	return 0;
}

/* "HTTP/1.x SSS[ reason]" in s[0..n): the status, or -1. */
static int
px_status(const char *s, size_t n)
{
	size_t	 i;

	if (n < 12 || strncmp(s, "HTTP/1.", 7) != 0 ||
	    (s[7] != '0' && s[7] != '1') || s[8] != ' ' ||
	    s[9] < '1' || s[9] > '5' || s[10] < '0' || s[10] > '9' ||
	    s[11] < '0' || s[11] > '9' || (n > 12 && s[12] != ' '))
		return -1;
	for (i = 12; i < n; i++)
		if (px_ctl((unsigned char)s[i]))
			return -1;
	return (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
}

/* Whether c is a token character (RFC 9110 5.6.2). */
static int
px_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* "name: value" in s[0..n): 0, or -1. */
static int
px_field(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n && px_tchar(s[i]); i++)
		;
	if (i == 0 || i == n || s[i] != ':')
		return -1;
	for (i++; i < n; i++)
		if (px_ctl((unsigned char)s[i]))
			return -1;
	return 0;
}

/* Parse the reply head (proxy.h). */
enum proxy_result
proxy_reply_parse(const char *d, size_t len, size_t max, int *status,
    size_t *used)
{
	size_t	 lim = len < max ? len : max, off, eol = 0;
	int	 r, st;

	/* Garbage fails as soon as it is seen, not at the bound. */
	if (strncmp(d, "HTTP/1.", lim < 7 ? lim : 7) != 0)
		return PROXY_ERR_STATUS;
	if ((r = px_line(d, 0, lim, &eol)) == -1)
		return PROXY_ERR_STATUS;
	if (r == 0)
		return lim >= max ? PROXY_ERR_TOO_BIG : PROXY_NEED_MORE;
	if ((st = px_status(d, eol)) == -1)
		return PROXY_ERR_STATUS;
	for (off = eol + 2;; off = eol + 2) {
		if ((r = px_line(d, off, lim, &eol)) == -1)
			return PROXY_ERR_HEADER;
		if (r == 0)
			return lim >= max ? PROXY_ERR_TOO_BIG :
			    PROXY_NEED_MORE;
		if (eol == off)
			break;
		/* obs-fold (a line starting with SP or HTAB) is refused */
		if (px_field(d + off, eol - off) == -1)
			return PROXY_ERR_HEADER;
	}
	*status = st;
	*used = eol + 2;
	return PROXY_OK;
}

/* Text of a result. */
const char *
proxy_strerror(enum proxy_result r)
{
	switch (r) {
	case PROXY_OK:
		return "ok";
	case PROXY_NEED_MORE:
		return "incomplete reply";
	case PROXY_ERR_STATUS:
		return "not an HTTP/1.x status line";
	case PROXY_ERR_HEADER:
		return "malformed header field";
	case PROXY_ERR_TOO_BIG:
		return "reply head too big";
	}
	return "unknown error";
}
