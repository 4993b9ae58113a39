/* SPDX-License-Identifier: ISC */
/*
 * Listening sockets for ws_server connectors.  The supervisor binds them
 * (it may hold the privilege for ports below 1024) before any worker
 * starts, keeps them for the life of the deployment and hands a copy to
 * the worker with MSG_LISTEN, again after every restart, so clients
 * queue in the backlog while a worker is being replaced.
 *
 * A url "unix:PATH" makes a Unix-domain socket instead (issue 14): a
 * stale socket at PATH is replaced only when nothing answers there, any
 * other file is left alone and refused, the socket is created 0600 and
 * then given socket_owner, socket_group and socket_mode, and the file is
 * removed when its listener is closed (listen_close) if it is still the
 * one bound.  Workers only ever see the descriptor.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sup.h"
#include "url.h"

#define LISTEN_UNIX_MODE	0660	/* socket_mode's default */

/* A Unix-domain socket file this process bound and will remove. */
struct ls_unix {
	int	 lu_fd;
	dev_t	 lu_dev;
	ino_t	 lu_ino;
	char	 lu_path[URL_UNIX_MAX];
};

static struct {
	struct ls_unix	*l_unix;
	int		 l_nunix;
} ls;

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

/* The backlog of a listener's config, default 128. */
static int
listen_backlog(struct json_object *cconf)
{
	struct json_object	*v;

	if (json_object_object_get_ex(cconf, "backlog", &v) &&
	    json_object_is_type(v, json_type_int) &&
	    json_object_get_int(v) > 0)
		return json_object_get_int(v);
	return 128;
}

/* A string member of cconf, or NULL. */
static const char *
listen_str(struct json_object *cconf, const char *key)
{
	struct json_object	*v;

	if (json_object_object_get_ex(cconf, key, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

/* A user (or group) id from a number or a name; -1 if unknown. */
static int
listen_id(const char *s, int user, long long *id)
{
	struct passwd	*pw;
	struct group	*gr;
	const char	*es;

	*id = strtonum(s, 0, UINT32_MAX - 1, &es);
	if (es == NULL)
		return 0;
	if (user && (pw = getpwnam(s)) != NULL)
		*id = pw->pw_uid;
	else if (!user && (gr = getgrnam(s)) != NULL)
		*id = gr->gr_gid;
	else
		return -1;
	return 0;
}

/*
 * socket_owner, socket_group (names or numbers; (uid_t)-1 and (gid_t)-1
 * when not given) and socket_mode (octal text) of a unix: listener.
 * -1 with err when a name is unknown.
 */
int
listen_unix_perms(struct json_object *cconf, uid_t *uid, gid_t *gid,
    mode_t *mode, char *err, size_t errlen)
{
	const char	*s;
	long long	 n, id;
	char		*end;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	*mode = LISTEN_UNIX_MODE;
	if ((s = listen_str(cconf, "socket_mode")) != NULL) {
		n = strtoll(s, &end, 8);
		if (*s == '\0' || *end != '\0' || n < 0 || n > 0777) {
			snprintf(err, errlen, "socket_mode \"%s\": not an "
			    "octal mode from 0 to 0777", s);
			return -1;
		}
		*mode = (mode_t)n;
	}
	if ((s = listen_str(cconf, "socket_owner")) != NULL &&
	    listen_id(s, 1, &id) == -1) {
		snprintf(err, errlen, "socket_owner \"%s\": no such user", s);
		return -1;
	} else if (s != NULL)
		*uid = (uid_t)id;
	if ((s = listen_str(cconf, "socket_group")) != NULL &&
	    listen_id(s, 0, &id) == -1) {
		snprintf(err, errlen, "socket_group \"%s\": no such group", s);
		return -1;
	} else if (s != NULL)
		*gid = (gid_t)id;
	return 0;
}

/* Give the socket file at path its owner, group and mode; it must still
 * be a socket (not swapped for something else). */
static int
listen_unix_chmod(const char *path, struct json_object *cconf, char *err,
    size_t errlen)
{
	struct stat	 st;
	uid_t		 uid;
	gid_t		 gid;
	mode_t		 mode;

	if (listen_unix_perms(cconf, &uid, &gid, &mode, err, errlen) == -1)
		return -1;
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    lchown(path, uid, gid) == -1) {
		snprintf(err, errlen, "%s: chown: %s", path, strerror(errno));
		return -1;
	}
	if (lstat(path, &st) == -1 || !S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s: no longer our socket", path);
		return -1;
	}
	if (chmod(path, mode) == -1) {
		snprintf(err, errlen, "%s: chmod: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Make room for a socket at sun's path: nothing there, or a stale socket
 * (nothing answers a connect) that is removed.  Anything else, or a
 * socket something listens on, is refused and left alone.
 */
static int
listen_unix_clear(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	const char	*path = sun->sun_path;
	struct stat	 st;
	int		 fd, e;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	e = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ?
	    0 : errno;
	close(fd);
	if (e == ENOENT)
		return 0;
	if (e == 0 || e == EAGAIN || e == EINPROGRESS) {
		snprintf(err, errlen, "%s: something listens there already "
		    "(another wsflowd?)", path);
		return -1;
	}
	if (lstat(path, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket; it is "
		    "left alone", path);
		return -1;
	}
	if (e != ECONNREFUSED) {
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -1;
	}
	log_info("%s: removing a stale socket", path);
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "%s: unlink: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Remember a socket file to remove when fd is closed. */
static int
listen_unix_keep(int fd, const char *path, char *err, size_t errlen)
{
	struct ls_unix	*lu;
	struct stat	 st;

	if (lstat(path, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((lu = reallocarray(ls.l_unix, ls.l_nunix + 1, sizeof(*lu))) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ls.l_unix = lu;
	lu = &ls.l_unix[ls.l_nunix++];
	lu->lu_fd = fd;
	lu->lu_dev = st.st_dev;
	lu->lu_ino = st.st_ino;
	strlcpy(lu->lu_path, path, sizeof(lu->lu_path));
	return 0;
}

/* Bind and listen on the Unix-domain socket path for cconf. */
static int
listen_unix(struct json_object *cconf, const char *path, char *err,
    size_t errlen)
{
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd = -1, e;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if (listen_unix_clear(&sun, err, errlen) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* 0600 until owner, group and mode are set: nobody else in between */
	old = umask(0177);
	e = bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 ? 0 : errno;
	(void)umask(old);
	if (e != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path,
		    strerror(e));
		close(fd);
		return -1;
	}
	if (listen_unix_chmod(path, cconf, err, errlen) == -1 ||
	    listen_unix_keep(fd, path, err, errlen) == -1)
		goto fail;
	if (listen(fd, listen_backlog(cconf)) == -1) {
		snprintf(err, errlen, "cannot listen on %s: %s", path,
		    strerror(errno));
		listen_close(fd);
		return -1;
	}
	return fd;
fail:
	(void)unlink(path);
	close(fd);
	return -1;
}

/*
 * A listener taken over by a new worker of the same url (a reload):
 * the socket file, if it is one, gets the new config's owner, group
 * and mode.  0, or -1 with err.
 */
int
listen_adopt(int fd, struct json_object *cconf, char *err, size_t errlen)
{
	int	 i;

	for (i = 0; i < ls.l_nunix; i++)
		if (ls.l_unix[i].lu_fd == fd)
			return listen_unix_chmod(ls.l_unix[i].lu_path, cconf,
			    err, errlen);
	return 0;
}

/* Close a listener; a Unix-domain socket's file goes too if it is
 * still the one bound (not replaced by someone since). */
void
listen_close(int fd)
{
	struct ls_unix	*lu;
	struct stat	 st;
	int		 i;

	if (fd == -1)
		return;
	close(fd);
	for (i = 0; i < ls.l_nunix; i++) {
		lu = &ls.l_unix[i];
		if (lu->lu_fd != fd)
			continue;
		if (lstat(lu->lu_path, &st) == 0 && st.st_dev == lu->lu_dev &&
		    st.st_ino == lu->lu_ino && unlink(lu->lu_path) == 0)
			log_debug("%s: removed", lu->lu_path);
		ls.l_unix[i] = ls.l_unix[--ls.l_nunix];
		if (ls.l_nunix == 0) {
			free(ls.l_unix);
			ls.l_unix = NULL;
		}
		return;
	}
}

/* Bind and listen for one ws_server (see sup.h). */
int
listen_open(struct json_object *cconf, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	struct json_object *v;
	struct url	 u;
	const char	*url = NULL, *why = NULL, *path;
	char		 serv[8];
	int		 fd = -1, on = 1, backlog, e, saved = 0;

	if (json_object_object_get_ex(cconf, "url", &v))
		url = json_object_get_string(v);
	if (url != NULL && (e = url_unix(url, &path, &why)) != 1) {
		if (e == 0)
			return listen_unix(cconf, path, err, errlen);
		snprintf(err, errlen, "url \"%s\": %s", url, why);
		return -1;
	}
	if (url == NULL || url_parse(url, &u, &why) == -1) {
		snprintf(err, errlen, "url \"%s\": %s", url ? url : "",
		    why ? why : "missing");
		return -1;
	}
	backlog = listen_backlog(cconf);
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
