/* SPDX-License-Identifier: ISC */
/*
 * ws_client header values and proxy credentials kept in files (issue
 * 14): a value given as {"file": PATH} in the troy file is read here, by
 * wsflowd at start (workers cannot open files), its trailing newlines
 * trimmed, and put in the worker's configuration as a string, so secrets
 * such as bearer tokens and proxy passwords stay out of the troy file.
 * The file is bounded and its content must be one header value: no CR,
 * LF or other control characters (and "user:password" for a proxy).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy.h"
#include "sup.h"
#include "ws.h"

#define HDRFILE_MAX	4096	/* a handshake line, ws.h */

/* Read path into v[HDRFILE_MAX + 1], trimmed; -1 with err. */
static int
hdrfile_read(const char *path, char *v, char *err, size_t errlen)
{
	size_t	 n = 0;
	ssize_t	 r;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (n <= HDRFILE_MAX) {
		r = read(fd, v + n, HDRFILE_MAX + 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > HDRFILE_MAX) {
		snprintf(err, errlen, "%s: longer than %d bytes", path,
		    HDRFILE_MAX);
		return -1;
	}
	while (n > 0 && (v[n - 1] == '\n' || v[n - 1] == '\r'))
		n--;
	v[n] = '\0';
	if (memchr(v, '\0', n) != NULL || !ws_header_value_ok(v)) {
		snprintf(err, errlen, "%s: not one header value (a control "
		    "character or a line break inside)", path);
		return -1;
	}
	return 0;
}

/* conf's connector.config, or NULL. */
static struct json_object *
hdrfile_config(struct json_object *conf)
{
	struct json_object	*conn, *c;

	if (!json_object_object_get_ex(conf, "connector", &conn) ||
	    !json_object_object_get_ex(conn, "config", &c) ||
	    !json_object_is_type(c, json_type_object))
		return NULL;
	return c;
}

/* c's member key if it is a record, else NULL. */
static struct json_object *
hdrfile_record(struct json_object *c, const char *key)
{
	struct json_object	*v;

	if (c == NULL || !json_object_object_get_ex(c, key, &v) ||
	    !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

/* Whether config c names a file to read. */
static int
hdrfile_any(struct json_object *c)
{
	struct json_object	*h;
	int			 any = 0;

	if ((h = hdrfile_record(c, "headers")) != NULL) {
		json_object_object_foreach(h, n1, v1) {
			(void)n1;
			any |= json_object_is_type(v1, json_type_object);
		}
	}
	return any || hdrfile_record(hdrfile_record(c, "proxy"),
	    "credentials") != NULL;
}

/* Replace the {"file": PATH} values of headers; -1 with err. */
static int
hdrfile_headers(struct json_object *c, char *v, char *err, size_t errlen)
{
	struct json_object	*h, *f;
	int			 n;

	if ((h = hdrfile_record(c, "headers")) == NULL)
		return 0;
	json_object_object_foreach(h, name, val) {
		if (!json_object_object_get_ex(val, "file", &f))
			continue;
		n = snprintf(err, errlen, "headers: ");
		if (hdrfile_read(json_object_get_string(f), v, err + n,
		    errlen - (size_t)n) == -1)
			return -1;
		json_object_object_add(h, name, json_object_new_string(v));
	}
	return 0;
}

/*
 * proxy.credentials given as {"file": PATH} (issue 14): the file holds
 * "user:password" on one line.  -1 with err (which never quotes it).
 */
static int
hdrfile_proxy(struct json_object *c, char *v, char *err, size_t errlen)
{
	struct json_object	*p, *f;
	const char		*path;
	int			 n;

	if ((p = hdrfile_record(c, "proxy")) == NULL ||
	    !json_object_object_get_ex(hdrfile_record(p, "credentials"),
	    "file", &f))
		return 0;
	path = json_object_get_string(f);
	n = snprintf(err, errlen, "proxy credentials: ");
	if (hdrfile_read(path, v, err + n, errlen - (size_t)n) == -1)
		return -1;
	if (!proxy_auth_ok(v)) {
		snprintf(err, errlen, "proxy credentials: %s: not one "
		    "user:password line", path);
		return -1;
	}
	json_object_object_add(p, "credentials", json_object_new_string(v));
	return 0;
}

/*
 * Replace the {"file": PATH} values of conf's connector.config (headers
 * and proxy credentials) by the files' contents.  The connector record
 * is shared with the deployment, so a copy is changed.  0, or -1 with
 * err naming the key and the path, never the content.
 */
int
hdrfile_resolve(struct json_object *conf, char *err, size_t errlen)
{
	struct json_object	*c, *copy = NULL;
	char			 v[HDRFILE_MAX + 1];
	int			 rc;

	if (!hdrfile_any(hdrfile_config(conf)))
		return 0;
	if (json_object_deep_copy(json_object_object_get(conf, "connector"),
	    &copy, NULL) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_object_object_add(conf, "connector", copy);
	c = hdrfile_config(conf);
	rc = hdrfile_headers(c, v, err, errlen) == -1 ||
	    hdrfile_proxy(c, v, err, errlen) == -1 ? -1 : 0;
	explicit_bzero(v, sizeof(v));
	return rc;
}
