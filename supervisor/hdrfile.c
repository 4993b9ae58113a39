/* SPDX-License-Identifier: ISC */
/*
 * ws_client header values kept in files (issue 14): a value given as
 * {"file": PATH} in the troy file is read here, by wsflowd at start
 * (workers cannot open files), its trailing newlines trimmed, and put in
 * the worker's configuration as a string, so secrets such as bearer
 * tokens stay out of the troy file.  The file is bounded and its content
 * must be one header value: no CR, LF or other control characters.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* conf's connector.config.headers, or NULL. */
static struct json_object *
hdrfile_headers(struct json_object *conf)
{
	struct json_object	*conn, *c, *h;

	if (!json_object_object_get_ex(conf, "connector", &conn) ||
	    !json_object_object_get_ex(conn, "config", &c) ||
	    !json_object_object_get_ex(c, "headers", &h) ||
	    !json_object_is_type(h, json_type_object))
		return NULL;
	return h;
}

/*
 * Replace the {"file": PATH} values of conf's connector.config.headers
 * by the files' contents.  The connector record is shared with the
 * deployment, so a copy is changed.  0, or -1 with err.
 */
int
hdrfile_resolve(struct json_object *conf, char *err, size_t errlen)
{
	struct json_object	*h, *copy = NULL, *f;
	char			 v[HDRFILE_MAX + 1];
	int			 any = 0;

	if ((h = hdrfile_headers(conf)) == NULL)
		return 0;
	json_object_object_foreach(h, n1, v1) {
		(void)n1;
		any |= json_object_is_type(v1, json_type_object);
	}
	if (!any)
		return 0;
	if (json_object_deep_copy(json_object_object_get(conf, "connector"),
	    &copy, NULL) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_object_object_add(conf, "connector", copy);
	h = hdrfile_headers(conf);
	json_object_object_foreach(h, name, val) {
		if (!json_object_object_get_ex(val, "file", &f))
			continue;
		if (hdrfile_read(json_object_get_string(f), v, err, errlen) ==
		    -1)
			return -1;
		json_object_object_add(h, name, json_object_new_string(v));
	}
	return 0;
}
