/* SPDX-License-Identifier: ISC */
/*
 * Listening sockets for ws_server connectors.  The supervisor binds them
 * (it may hold the privilege for ports below 1024) before any worker
 * starts, keeps them for the life of the deployment and hands a copy to
 * the worker with MSG_LISTEN, again after every restart, so clients
 * queue in the backlog while a worker is being replaced.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sup.h"
#include "url.h"

/* A bool member of socket_options, or dflt. */
static int
listen_opt(struct json_object *cconf, const char *key, int dflt)
{
	struct json_object	*so, *v;

	if (json_object_object_get_ex(cconf, "socket_options", &so) &&
	    json_object_object_get_ex(so, key, &v) &&
	    json_object_is_type(v, json_type_boolean))
		return json_object_get_boolean(v);
	return dflt;
}

/* Bind and listen for one ws_server (see sup.h). */
int
listen_open(struct json_object *cconf, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	struct json_object *v;
	struct url	 u;
	const char	*url = NULL, *why = NULL;
	char		 serv[8];
	int		 fd = -1, on = 1, backlog = 128, e, saved = 0;

	if (json_object_object_get_ex(cconf, "url", &v))
		url = json_object_get_string(v);
	if (url == NULL || url_parse(url, &u, &why) == -1) {
		snprintf(err, errlen, "url \"%s\": %s", url ? url : "",
		    why ? why : "missing");
		return -1;
	}
	if (json_object_object_get_ex(cconf, "backlog", &v) &&
	    json_object_is_type(v, json_type_int) &&
	    json_object_get_int(v) > 0)
		backlog = json_object_get_int(v);
	snprintf(serv, sizeof(serv), "%u", u.u_port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((e = getaddrinfo(u.u_host, serv, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", u.u_host, gai_strerror(e));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd == -1) {
			saved = errno;
			continue;
		}
		if (listen_opt(cconf, "SO_REUSEADDR", 1))
			(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
			    sizeof(on));
		if (listen_opt(cconf, "SO_REUSEPORT", 0))
			(void)setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on,
			    sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, backlog) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		snprintf(err, errlen, "cannot listen on %s%s%s:%u: %s",
		    u.u_ipv6 ? "[" : "", u.u_host, u.u_ipv6 ? "]" : "",
		    u.u_port, strerror(saved));
		return -1;
	}
	return fd;
}
