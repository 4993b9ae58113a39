/* SPDX-License-Identifier: ISC */
/*
 * WebSocket URLs: ws://host[:port][/path][?query], wss://..., and a bare
 * host:port.  IPv6 literals in brackets; default ports 80 and 443.
 */
#ifndef WSFLOW_URL_H
#define WSFLOW_URL_H

#include <stdint.h>

#define URL_HOST_MAX	256
#define URL_PATH_MAX	2048

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

#endif
