/* SPDX-License-Identifier: ISC */
/*
 * WebSocket URLs: ws://host[:port][/path][?query], wss://..., and a bare
 * host:port.  IPv6 literals in brackets; default ports 80 and 443.
 * A listener's url may also be unix:/absolute/path (url_unix).
 */
#ifndef WSFLOW_URL_H
#define WSFLOW_URL_H

#include <stdint.h>

#define URL_HOST_MAX	256
#define URL_PATH_MAX	2048
#define URL_UNIX_MAX	108	/* sun_path of Linux, with its NUL */

struct url {
	int		 u_tls;			/* wss:// */
	int		 u_ipv6;		/* host was in brackets */
	int		 u_port_default;	/* no port given */
	uint16_t	 u_port;
	char		 u_host[URL_HOST_MAX];	/* without brackets */
	char		 u_path[URL_PATH_MAX];	/* path and query, "/" at least */
};

int	url_parse(const char *, struct url *, const char **);
int	url_host_header(const struct url *, char *, size_t);
int	url_is_unix(const char *);
int	url_unix(const char *, const char **, const char **);
int	url_unix_path(const char *, const char **);

#endif
