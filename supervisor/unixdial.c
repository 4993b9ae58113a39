/* SPDX-License-Identifier: ISC */
/*
 * Unix-domain sockets dialled for ws_client workers (issue 14): a
 * sandboxed worker cannot reach the file system, so it sends
 * MSG_DIAL_REQ and the supervisor connects the unix_socket of that
 * worker's own configuration (never a path the worker names, so a
 * compromised worker reaches no other socket) and answers MSG_DIAL_RES
 * with the connected descriptor or the errno.  A non-blocking connect
 * on a Unix-domain socket completes or fails at once (a full backlog is
 * EAGAIN), so the answer never waits.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "sup.h"

/* Connect to path: a non-blocking connected socket, or -1 with errno. */
static int
udial_connect(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd, e;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * Answer one MSG_DIAL_REQ of worker sw.  -1 for a malformed request or
 * a worker without unix_socket (a protocol error).
 */
int
udial_request(struct sup_worker *sw, const struct proc_msg *m)
{
	struct msg_dial_req	 q;
	struct msg_dial_res	 r;
	struct json_object	*v;
	int			 fd;

	if (m->pm_fd != -1 || proc_get(m, &q, sizeof(q)) == -1 ||
	    sw->sw_dc == NULL || !json_object_object_get_ex(
	    json_object_object_get(sw->sw_dc->dc_config, "config"),
	    "unix_socket", &v) || !json_object_is_type(v, json_type_string))
		return -1;
	memset(&r, 0, sizeof(r));
	r.mds_id = q.mdq_id;
	if ((fd = udial_connect(json_object_get_string(v))) == -1) {
		r.mds_error = errno;
		log_debug("connector %s: %s: %s", sw->sw_dc->dc_name,
		    json_object_get_string(v), strerror(errno));
	}
	/* proc_send owns fd from here, sent or not */
	if (sw->sw_peer != NULL && proc_send(sw->sw_peer, MSG_DIAL_RES, fd,
	    &r, sizeof(r)) == -1)
		log_warn("connector %s: dial answer", sw->sw_dc->dc_name);
	else if (sw->sw_peer == NULL && fd != -1)
		close(fd);
	return 0;
}
