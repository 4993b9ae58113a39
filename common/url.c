/* SPDX-License-Identifier: ISC */
/*
 * A strict parser for the URLs a ws_client connects to.  It takes only
 * what RFC 6455 section 3 allows (no user info, no fragment) and what a
 * connector needs: TLS or not, host, port, and the request target.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "url.h"

/* Whether c may appear in a host name or IPv4 literal. */
static int
url_hostchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

/*
 * Parse s into u.  Returns 0, or -1 with *errstr (if not NULL) saying
 * what is wrong.
 */
int
url_parse(const char *s, struct url *u, const char **errstr)
{
	const char	*p, *h, *e, *err = NULL;
	char		 port[8];
	size_t		 n;
	struct in6_addr	 a6;
	long long	 pn;

	memset(u, 0, sizeof(*u));
	if ((p = strstr(s, "://")) != NULL) {
		if ((size_t)(p - s) == 2 && strncasecmp(s, "ws", 2) == 0)
			u->u_tls = 0;
		else if ((size_t)(p - s) == 3 && strncasecmp(s, "wss", 3) == 0)
			u->u_tls = 1;
		else {
			err = "scheme is not ws or wss";
			goto fail;
		}
		s = p + 3;
	}
	if (strchr(s, '#') != NULL) {
		err = "fragment not allowed";
		goto fail;
	}
	n = strcspn(s, "/?");
	if (memchr(s, '@', n) != NULL) {
		err = "user info not supported";
		goto fail;
	}
	if (*s == '[') {
		if ((e = memchr(s, ']', n)) == NULL) {
			err = "unterminated IPv6 address";
			goto fail;
		}
		h = s + 1;
		if ((size_t)(e - h) >= sizeof(u->u_host) || e == h) {
			err = "bad IPv6 address";
			goto fail;
		}
		memcpy(u->u_host, h, (size_t)(e - h));
		if (inet_pton(AF_INET6, u->u_host, &a6) != 1) {
			err = "bad IPv6 address";
			goto fail;
		}
		u->u_ipv6 = 1;
		p = e + 1;
	} else {
		for (p = s; p < s + n && url_hostchar(*p); p++)
			;
		if (p == s) {
			err = "host missing";
			goto fail;
		}
		if ((size_t)(p - s) >= sizeof(u->u_host)) {
			err = "host name too long";
			goto fail;
		}
		memcpy(u->u_host, s, (size_t)(p - s));
	}
	if (p < s + n && *p == ':') {
		p++;
		if ((size_t)(s + n - p) >= sizeof(port) || p == s + n ||
		    strspn(p, "0123456789") != (size_t)(s + n - p)) {
			err = "bad port";
			goto fail;
		}
		memcpy(port, p, (size_t)(s + n - p));
		port[s + n - p] = '\0';
		pn = strtonum(port, 1, 65535, NULL);
		if (pn == 0) {
			err = "bad port";
			goto fail;
		}
		u->u_port = (uint16_t)pn;
		p = s + n;
	} else if (p == s + n) {
		u->u_port = u->u_tls ? 443 : 80;
		u->u_port_default = 1;
	}
	if (p != s + n) {
		err = "bad character in host";
		goto fail;
	}
	p = s + n;
	for (e = p; *e != '\0'; e++)
		if (*e <= ' ' || *e >= 0x7f) {
			err = "bad character in path";
			goto fail;
		}
	if (snprintf(u->u_path, sizeof(u->u_path), "%s%s",
	    *p == '/' ? "" : "/", p) >= (int)sizeof(u->u_path)) {
		err = "path too long";
		goto fail;
	}
	return 0;
 fail:
	if (errstr != NULL)
		*errstr = err;
	memset(u, 0, sizeof(*u));
	return -1;
}

/*
 * The Host header value for u: brackets around IPv6, the port only when
 * it is not the scheme's default.
 */
int
url_host_header(const struct url *u, char *out, size_t len)
{
	int	 r, dflt = u->u_port == (u->u_tls ? 443 : 80);

	if (u->u_ipv6)
		r = dflt ? snprintf(out, len, "[%s]", u->u_host) :
		    snprintf(out, len, "[%s]:%u", u->u_host, u->u_port);
	else
		r = dflt ? snprintf(out, len, "%s", u->u_host) :
		    snprintf(out, len, "%s:%u", u->u_host, u->u_port);
	return r < 0 || (size_t)r >= len ? -1 : 0;
}

/* Whether a listener's url names a Unix-domain socket ("unix:..."). */
int
url_is_unix(const char *s)
{
	return strncmp(s, "unix:", 5) == 0;
}

/*
 * A socket path as ws_server's "unix:PATH" and ws_client's unix_socket
 * take it: absolute, at most URL_UNIX_MAX - 1 bytes, not a directory
 * (no trailing slash), no "." or ".." component.  0, or -1 with *errstr.
 */
int
url_unix_path(const char *path, const char **errstr)
{
	const char	*p, *err = NULL;
	size_t		 n = strlen(path);

	if (path[0] != '/')
		err = "the socket path must be absolute";
	else if (n >= URL_UNIX_MAX)
		err = "the socket path is too long (at most 107 bytes)";
	else if (path[n - 1] == '/')
		err = "the socket path must not end in /";
	else
		for (p = path; *p != '\0' && err == NULL; p++)
			if (p[0] == '/' && p[1] == '.' && (p[2] == '/' ||
			    p[2] == '\0' || (p[2] == '.' && (p[3] == '/' ||
			    p[3] == '\0'))))
				err = "the socket path must not have . or .. "
				    "components";
	if (err != NULL) {
		if (errstr != NULL)
			*errstr = err;
		return -1;
	}
	return 0;
}

/*
 * "unix:PATH": *path points at PATH in s.  0; 1 when s is not a unix:
 * url; -1 with *errstr when PATH is not acceptable (url_unix_path).
 */
int
url_unix(const char *s, const char **path, const char **errstr)
{
	if (!url_is_unix(s))
		return 1;
	*path = s + 5;
	return url_unix_path(*path, errstr) == 0 ? 0 : -1;
}
