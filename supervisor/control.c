/* SPDX-License-Identifier: ISC */
/*
 * The supervisor's side of the control plane.  wsflowd binds the control
 * socket here (before it daemonizes, so a second daemon on the same
 * socket is refused on the terminal) and accepts wsflowctl clients
 * itself: it reads each client's SO_PEERCRED, holds every uid to
 * CTL_MAX_PER_UID connections and the other users together to what
 * leaves root and the daemon's user their share of CTL_MAX_CLIENTS, and
 * hands the connection to the control worker (MSG_CTL_CLIENT), which
 * reads the client's request and forwards it checked and typed
 * (MSG_CTL_REQ); the worker says when it closed one (MSG_CTL_CLOSED).  The answers come from the process table
 * (proctab_view), the supervisor's state (struct ctl_sup_ops) and,
 * for show stats, from the workers themselves (MSG_STATS_REQ, answered
 * by MSG_STATS within CTL_STATS_WAIT_MS).  Replies are JSON lines.
 *
 * The socket is mode 0666: anyone may connect and read; only root and
 * the daemon's user may run what changes the daemon (stop, log, reload),
 * which the supervisor decides from the credentials it read itself.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "ctlproto.h"
#include "log.h"
#include "proc.h"
#include "sup.h"

#define CTL_BACKLOG		16
#define CTL_STATS_WAIT_MS	2000
#define CTL_MAX_PENDING		64	/* show stats collections at once */

/* One show stats request waiting for the workers' counters. */
struct ctl_collect {
	TAILQ_ENTRY(ctl_collect) cc_entry;
	uint32_t		 cc_seq;
	uint32_t		 cc_client;	/* or the worker's request id */
	int			 cc_worker;	/* asked by this worker, or -1:
						 * by a wsflowctl client */
	int			 cc_waiting;
	struct json_object	*cc_stats;	/* "connector id" -> counters */
	struct event		*cc_timer;
};

static struct {
	const struct deployment	*c_d;
	const struct plan	*c_plan;
	const struct sup_opts	*c_o;
	const struct ctl_sup_ops *c_ops;	/* the supervisor's state, stop */
	struct event_base	*c_base;
	time_t			 c_started;
	struct dep_connector	 c_dc;		/* how the worker is named */
	struct json_object	*c_conf;
	struct dep_connector	 c_edc;		/* the metrics exporter */
	struct json_object	*c_econf;
	uint32_t		 c_seq;
	int			 c_npending;
	TAILQ_HEAD(, ctl_collect) c_pending;
	dev_t			 c_dev;		/* the socket we bound */
	ino_t			 c_ino;
	struct event		*c_accept;	/* on so_ctl_fd */
	uint32_t		 c_next_client;
	struct ctl_peer {
		uint32_t	 cp_id;		/* 0: free */
		uid_t		 cp_uid;
		pid_t		 cp_pid;
	}			 c_clients[CTL_MAX_CLIENTS];
} cs;

static void	ctl_metrics_send(int, uint32_t, uint32_t, uint32_t,
		    struct json_object *);

/* Fill a sockaddr_un; -1 if the path does not fit. */
static int
ctl_sun(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlcpy(sun->sun_path, path, sizeof(sun->sun_path)) >=
	    sizeof(sun->sun_path)) {
		log_warnx("control socket %s: path too long", path);
		return -1;
	}
	return 0;
}

/*
 * Bind and listen on the control socket at path.  A daemon answering
 * there already is an error for an explicit -s path; a stale socket is
 * removed.  When the default path (required is 0) is taken by another
 * daemon or cannot be created, wsflowd runs without a control socket:
 * *fdp is -1 and 0 is returned.  Returns -1 on error.
 */
int
ctl_open(const char *path, int required, int *fdp)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	mode_t			 old;
	int			 fd, e;

	*fdp = -1;
	if (ctl_sun(path, &sun) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("control socket: socket");
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(fd);
		if (!required) {
			/* A second daemon on the host (tests, a user's own
			 * flow next to the system one) still runs. */
			log_warnx("control socket %s: another wsflowd is "
			    "answering there; running without one (use -s)",
			    path);
			return 0;
		}
		log_warnx("control socket %s: another wsflowd is answering "
		    "there; refusing to start", path);
		return -1;
	}
	e = errno;
	close(fd);
	if (e == ECONNREFUSED) {
		if (lstat(path, &st) == -1 || !S_ISSOCK(st.st_mode)) {
			log_warnx("control socket %s: exists and is not a "
			    "socket", path);
			return -1;
		}
		log_info("control socket %s: removing a stale socket", path);
		if (unlink(path) == -1 && errno != ENOENT) {
			log_warn("control socket %s: unlink", path);
			return -1;
		}
	} else if (e != ENOENT && required) {
		errno = e;
		log_warn("control socket %s", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("control socket: socket");
		return -1;
	}
	old = umask(S_IXUSR | S_IXGRP | S_IXOTH);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		e = errno;
		(void)umask(old);
		close(fd);
		errno = e;
		if (!required) {
			log_warn("control socket %s: not available, running "
			    "without one", path);
			return 0;
		}
		log_warn("control socket %s: bind", path);
		return -1;
	}
	(void)umask(old);
	if (chmod(path, 0666) == -1 || stat(path, &st) == -1 ||
	    listen(fd, CTL_BACKLOG) == -1) {
		log_warn("control socket %s", path);
		(void)unlink(path);
		close(fd);
		return -1;
	}
	cs.c_dev = st.st_dev;
	cs.c_ino = st.st_ino;
	*fdp = fd;
	return 0;
}

/* Close the control socket and remove it if it is still the one bound. */
void
ctl_close(int fd, const char *path)
{
	struct stat	 st;

	if (fd == -1)
		return;
	close(fd);
	if (stat(path, &st) == 0 && st.st_dev == cs.c_dev &&
	    st.st_ino == cs.c_ino)
		(void)unlink(path);
}

/* May uid change the daemon (stop, log, reload)? */
static int
ctl_may_change(uid_t uid)
{
	return uid == 0 || uid == getuid();
}

/*
 * Why a client of uid may not have a slot now, or NULL (then *slot is
 * its free slot): CTL_MAX_PER_UID per uid, and the other users together
 * no more than leaves root and the daemon's user CTL_MAX_PER_UID each.
 */
static const char *
ctl_slot(uid_t uid, int *slot)
{
	int	 i, mine = 0, others = 0;

	*slot = -1;
	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		if (cs.c_clients[i].cp_id == 0) {
			if (*slot == -1)
				*slot = i;
			continue;
		}
		if (cs.c_clients[i].cp_uid == uid)
			mine++;
		if (!ctl_may_change(cs.c_clients[i].cp_uid))
			others++;
	}
	if (mine >= CTL_MAX_PER_UID)
		return "too many clients of this user";
	if (!ctl_may_change(uid) &&
	    others >= CTL_MAX_CLIENTS - 2 * CTL_MAX_PER_UID)
		return "too many clients";
	if (*slot == -1)
		return "too many clients";
	return NULL;
}

/* Refuse a client with one error line (best effort) and close it. */
static void
ctl_refuse(int fd, const char *why)
{
	char	 line[256];

	if (ctlproto_error(why, line, sizeof(line)) == 0 &&
	    send(fd, line, strlen(line), MSG_DONTWAIT | MSG_NOSIGNAL) == -1)
		log_debug("control: refusal: %s", strerror(errno));
	close(fd);
}

/* The control worker that can take a client now, or NULL. */
static struct proc_peer *
ctl_worker(void)
{
	struct sup_view	 sv;
	int		 i;

	for (i = 0; proctab_view(i, &sv) == 0; i++)
		if (sv.sv_control && sv.sv_peer != NULL &&
		    strcmp(sv.sv_state, "draining") != 0)
			return sv.sv_peer;
	return NULL;
}

/* A wsflowctl client connected: its credentials decide whether it gets
 * a slot; if so, the control worker gets the connection. */
static void
ctl_accept(evutil_socket_t lfd, short ev, void *arg)
{
	struct msg_ctl_client	 ck;
	struct proc_peer	*cw;
	struct ucred		 cred;
	socklen_t		 len = sizeof(cred);
	const char		*why;
	int			 fd, slot;

	(void)ev;
	(void)arg;
	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC))
	    == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("control: accept");
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("control: peer credentials");
		close(fd);
		return;
	}
	if ((cw = ctl_worker()) == NULL) {
		ctl_refuse(fd, strcmp(cs.c_ops->cso_state(), "draining") == 0 ?
		    "wsflowd is stopping" :
		    "the control worker is restarting; try again");
		return;
	}
	if ((why = ctl_slot(cred.uid, &slot)) != NULL) {
		log_debug("control: uid %ld, pid %ld: %s", (long)cred.uid,
		    (long)cred.pid, why);
		ctl_refuse(fd, why);
		return;
	}
	if (++cs.c_next_client == 0)
		cs.c_next_client = 1;
	memset(&ck, 0, sizeof(ck));
	ck.ck_id = cs.c_next_client;
	ck.ck_uid = cred.uid;
	ck.ck_pid = cred.pid;
	ck.ck_may_change = ctl_may_change(cred.uid);
	/* The descriptor is proc's from here on, sent or not. */
	if (proc_send(cw, MSG_CTL_CLIENT, fd, &ck, sizeof(ck)) == -1) {
		log_warn("control: client");
		return;
	}
	cs.c_clients[slot].cp_id = ck.ck_id;
	cs.c_clients[slot].cp_uid = cred.uid;
	cs.c_clients[slot].cp_pid = cred.pid;
}

/* The slot of client id, or -1. */
static int
ctl_client_slot(uint32_t id)
{
	int	 i;

	for (i = 0; id != 0 && i < CTL_MAX_CLIENTS; i++)
		if (cs.c_clients[i].cp_id == id)
			return i;
	return -1;
}

/* The control worker is gone, and its clients with it. */
void
ctl_sup_clients_gone(void)
{
	memset(cs.c_clients, 0, sizeof(cs.c_clients));
}

/* Remember what status needs; the control worker's name and config. */
const struct dep_connector *
ctl_sup_init(const struct deployment *d, const struct plan *p,
    const struct sup_opts *o, struct event_base *base,
    const struct ctl_sup_ops *ops, struct json_object **conf)
{
	static char		 name[] = "control", flow[] = "";

	cs.c_d = d;
	cs.c_plan = p;
	cs.c_o = o;
	cs.c_ops = ops;
	cs.c_base = base;
	cs.c_started = time(NULL);
	TAILQ_INIT(&cs.c_pending);
	cs.c_dc.dc_name = name;
	cs.c_dc.dc_type = name;
	cs.c_dc.dc_ctype = CT_CONTROL;
	cs.c_dc.dc_flow = flow;
	cs.c_conf = wcb_control(d->d_nconnectors, name, getuid());
	*conf = cs.c_conf;
	memset(cs.c_clients, 0, sizeof(cs.c_clients));
	cs.c_accept = event_new(base, o->so_ctl_fd, EV_READ | EV_PERSIST,
	    ctl_accept, NULL);
	if (cs.c_accept == NULL || event_add(cs.c_accept, NULL) == -1)
		fatalx("%s: control socket event", __func__);
	return &cs.c_dc;
}

/* The metrics exporter's name and config (wsflowd -m): connector id. */
const struct dep_connector *
ctl_sup_exporter(int id, struct json_object **conf)
{
	static char		 name[] = "exporter", flow[] = "";

	cs.c_edc.dc_name = name;
	cs.c_edc.dc_type = name;
	cs.c_edc.dc_ctype = CT_EXPORTER;
	cs.c_edc.dc_flow = flow;
	cs.c_econf = wcb_exporter(id, name);
	*conf = cs.c_econf;
	return &cs.c_edc;
}

/* Send a reply (consumed) to the control worker for its client. */
static void
ctl_send(uint32_t client, struct json_object *reply)
{
	struct msg_ctl_res	 res;
	struct sup_view		 sv;
	struct iovec		 iov[3];
	const char		*s;
	size_t			 len;
	int			 i;

	s = json_object_to_json_string_length(reply, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (len + 1 > CTL_RES_MAX) {
		s = "{\"ok\":false,\"error\":\"reply too large\"}";
		len = strlen(s);
	}
	memset(&res, 0, sizeof(res));
	res.cs_id = client;
	iov[0].iov_base = &res;
	iov[0].iov_len = sizeof(res);
	iov[1].iov_base = (void *)s;
	iov[1].iov_len = len;
	iov[2].iov_base = (void *)"\n";
	iov[2].iov_len = 1;
	for (i = 0; proctab_view(i, &sv) == 0; i++)
		if (sv.sv_control && sv.sv_peer != NULL &&
		    proc_sendv(sv.sv_peer, MSG_CTL_RES, -1, iov, 3) == -1)
			log_warn("control: reply");
	json_object_put(reply);
}

/* A new reply object with "ok". */
static struct json_object *
ctl_reply_new(int ok)
{
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	return o;
}

/* A reply {"ok":false,"error":msg}. */
static struct json_object *
ctl_error(const char *msg)
{
	struct json_object	*o = ctl_reply_new(0);

	json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

/* status: the daemon as a whole. */
static struct json_object *
ctl_status(void)
{
	struct json_object	*o, *files, *c;
	struct sup_view		 sv;
	time_t			 now = time(NULL);
	int			 i, nworkers = 0;

	o = ctl_reply_new(1);
	json_object_object_add(o, "pid", json_object_new_int64(getpid()));
	json_object_object_add(o, "state", json_object_new_string(
	    cs.c_ops->cso_state()));
	json_object_object_add(o, "started",
	    json_object_new_int64(cs.c_started));
	json_object_object_add(o, "uptime",
	    json_object_new_int64(now - cs.c_started));
	files = json_object_new_array();
	for (i = 0; i < cs.c_o->so_nfiles; i++)
		json_object_array_add(files,
		    json_object_new_string(cs.c_o->so_files[i]));
	json_object_object_add(o, "config", files);
	json_object_object_add(o, "socket", json_object_new_string(
	    cs.c_o->so_ctl_path));
	json_object_object_add(o, "connectors",
	    json_object_new_int(cs.c_d->d_nconnectors));
	json_object_object_add(o, "pipelines",
	    json_object_new_int(cs.c_d->d_npipelines));
	for (i = 0; proctab_view(i, &sv) == 0; i++) {
		if (sv.sv_exporter)
			continue;
		if (!sv.sv_control) {
			nworkers++;
			continue;
		}
		c = json_object_new_object();
		json_object_object_add(c, "pid",
		    json_object_new_int64(sv.sv_pid));
		json_object_object_add(c, "state",
		    json_object_new_string(sv.sv_state));
		json_object_object_add(c, "restarts",
		    json_object_new_int(sv.sv_restarts));
		json_object_object_add(o, "control", c);
	}
	json_object_object_add(o, "workers", json_object_new_int(nworkers));
	json_object_object_add(o, "verbose",
	    json_object_new_int(log_getverbose()));
	json_object_object_add(o, "version",
	    json_object_new_string(PACKAGE_VERSION));
	return o;
}

/* The process table entry of connector idx of the deployment, or -1. */
static int
ctl_find(int idx, struct sup_view *sv)
{
	int	 i;

	for (i = 0; proctab_view(i, sv) == 0; i++)
		if (!sv->sv_control && !sv->sv_retired && sv->sv_idx == idx)
			return 0;
	return -1;
}

/* show connectors: every connector, with its worker if it has one. */
static struct json_object *
ctl_connectors(void)
{
	struct json_object	*o, *list, *c;
	const struct dep_connector *dc;
	struct sup_view		 sv;
	time_t			 now = time(NULL);
	int			 i, have;

	o = ctl_reply_new(1);
	list = json_object_new_array();
	for (i = 0; i < cs.c_d->d_nconnectors; i++) {
		dc = &cs.c_d->d_connectors[i];
		have = ctl_find(i, &sv) == 0;
		c = wcb_identity(dc);
		json_object_object_add(c, "state", json_object_new_string(
		    have ? sv.sv_state : !dc->dc_used ? "unused" :
		    "no process"));
		json_object_object_add(c, "pid",
		    json_object_new_int64(have ? sv.sv_pid : 0));
		json_object_object_add(c, "uptime", have && sv.sv_since > 0 ?
		    json_object_new_int64(now - sv.sv_since) : NULL);
		json_object_object_add(c, "restarts",
		    json_object_new_int(have ? sv.sv_restarts : 0));
		json_object_array_add(list, c);
	}
	json_object_object_add(o, "connectors", list);
	return o;
}

/* Write "/connector/name/port" or "/pipeline/name/port". */
static void
ctl_node(char *s, size_t len, enum dep_kind kind, int idx, const char *port)
{
	snprintf(s, len, "/%s/%s/%s", kind == DEP_CONNECTOR ? "connector" :
	    "pipeline", kind == DEP_CONNECTOR ?
	    cs.c_d->d_connectors[idx].dc_name :
	    cs.c_d->d_pipelines[idx].dp_name, port);
}

/* Whether connector i's worker evaluates a pipeline named name. */
static int
ctl_evaluates(int i, const char *name)
{
	struct json_object	*pipes, *p;
	const char		*s;
	size_t			 j, n;

	if (i >= cs.c_plan->p_nconn || cs.c_plan->p_conf[i] == NULL)
		return 0;
	pipes = json_object_object_get(cs.c_plan->p_conf[i], "pipelines");
	n = json_object_is_type(pipes, json_type_array) ?
	    json_object_array_length(pipes) : 0;
	for (j = 0; j < n; j++) {
		p = json_object_array_get_idx(pipes, j);
		s = json_object_get_string(json_object_object_get(p, "name"));
		if (s != NULL && strcmp(s, name) == 0)
			return 1;
	}
	return 0;
}

/* show pipelines: what feeds each, where it leads, who evaluates it. */
static struct json_object *
ctl_pipelines(void)
{
	const struct deployment	*d = cs.c_d;
	const struct dep_link	*l;
	struct json_object	*o, *list, *p, *in, *out, *wk;
	char			 node[384], s[512];
	int			 i, j;

	o = ctl_reply_new(1);
	list = json_object_new_array();
	for (i = 0; i < d->d_npipelines; i++) {
		in = json_object_new_array();
		out = json_object_new_array();
		wk = json_object_new_array();
		for (j = 0; j < d->d_nlinks; j++) {
			l = &d->d_links[j];
			if (l->dl_to_kind == DEP_PIPELINE && l->dl_to == i) {
				ctl_node(node, sizeof(node), l->dl_from_kind,
				    l->dl_from, l->dl_from_port);
				snprintf(s, sizeof(s), "%s -> %s", node,
				    l->dl_to_port);
				json_object_array_add(in,
				    json_object_new_string(s));
			}
			if (l->dl_from_kind == DEP_PIPELINE &&
			    l->dl_from == i) {
				ctl_node(node, sizeof(node), l->dl_to_kind,
				    l->dl_to, l->dl_to_port);
				snprintf(s, sizeof(s), "%s -> %s",
				    l->dl_from_port, node);
				json_object_array_add(out,
				    json_object_new_string(s));
			}
		}
		for (j = 0; j < d->d_nconnectors; j++)
			if (ctl_evaluates(j, d->d_pipelines[i].dp_name))
				json_object_array_add(wk, json_object_new_string(
				    d->d_connectors[j].dc_name));
		p = json_object_new_object();
		json_object_object_add(p, "name",
		    json_object_new_string(d->d_pipelines[i].dp_name));
		json_object_object_add(p, "flow", json_object_new_string(
		    d->d_pipelines[i].dp_flow ? d->d_pipelines[i].dp_flow :
		    ""));
		json_object_object_add(p, "inputs", in);
		json_object_object_add(p, "outputs", out);
		json_object_object_add(p, "evaluated_in", wk);
		json_object_array_add(list, p);
	}
	json_object_object_add(o, "pipelines", list);
	return o;
}

/* The route end (id, "out"|"in") in a worker's counters, or NULL. */
static struct json_object *
ctl_route_end(struct json_object *st, int id, const char *end)
{
	struct json_object	*routes, *r, *v;
	size_t			 i, n;

	if (!json_object_object_get_ex(st, "routes", &routes) ||
	    !json_object_is_type(routes, json_type_array))
		return NULL;
	n = json_object_array_length(routes);
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(routes, i);
		if (json_object_object_get_ex(r, "id", &v) &&
		    json_object_get_int(v) == id &&
		    json_object_object_get_ex(r, "end", &v) &&
		    strcmp(json_object_get_string(v), end) == 0)
			return r;
	}
	return NULL;
}

/* Copy key from a route end (or null) into o as name. */
static void
ctl_copy(struct json_object *o, const char *name, struct json_object *from,
    const char *key)
{
	struct json_object	*v = NULL;

	if (from != NULL)
		(void)json_object_object_get_ex(from, key, &v);
	json_object_object_add(o, name, json_object_get(v));
}

/* The counters of worker id in a collection, or NULL. */
static struct json_object *
ctl_stats_of(struct ctl_collect *cc, int id)
{
	char	 key[16];

	snprintf(key, sizeof(key), "%d", id);
	return json_object_object_get(cc->cc_stats, key);
}

/* The counters of connector idx's worker in a collection, or NULL. */
static struct json_object *
ctl_stats_at(struct ctl_collect *cc, int idx)
{
	struct sup_view	 sv;

	if (ctl_find(idx, &sv) == -1)
		return NULL;
	return ctl_stats_of(cc, sv.sv_id);
}

/* show stats: the collected counters per connector and per route. */
static void
ctl_stats_finish(struct ctl_collect *cc)
{
	const struct deployment	*d = cs.c_d;
	const struct route	*rt;
	struct json_object	*o, *list, *c, *st, *out, *in;
	struct sup_view		 sv;
	int			 i;

	o = ctl_reply_new(1);
	list = json_object_new_array();
	for (i = 0; proctab_view(i, &sv) == 0; i++) {
		if (sv.sv_control || sv.sv_exporter)
			continue;
		c = json_object_new_object();
		json_object_object_add(c, "name",
		    json_object_new_string(sv.sv_dc->dc_name));
		json_object_object_add(c, "type",
		    json_object_new_string(sv.sv_dc->dc_type));
		json_object_object_add(c, "flow", json_object_new_string(
		    sv.sv_dc->dc_flow != NULL ? sv.sv_dc->dc_flow : ""));
		json_object_object_add(c, "state",
		    json_object_new_string(sv.sv_state));
		json_object_object_add(c, "pid",
		    json_object_new_int64(sv.sv_pid));
		json_object_object_add(c, "restarts",
		    json_object_new_int(sv.sv_restarts));
		if (DEP_INSTANCED(sv.sv_dc)) {
			/* one of several: summed by statsum_instances */
			json_object_object_add(c, "of",
			    json_object_new_string(sv.sv_dc->dc_base));
			json_object_object_add(c, "instance",
			    json_object_new_int(sv.sv_dc->dc_instance));
		}
		st = ctl_stats_of(cc, sv.sv_id);
		json_object_object_add(c, "stats", json_object_get(st));
		json_object_array_add(list, c);
	}
	json_object_object_add(o, "connectors", list);
	list = json_object_new_array();
	for (i = 0; i < cs.c_plan->p_nroutes; i++) {
		rt = &cs.c_plan->p_routes[i];
		out = ctl_route_end(ctl_stats_at(cc, rt->rt_src), rt->rt_id,
		    "out");
		in = ctl_route_end(ctl_stats_at(cc, rt->rt_dst), rt->rt_id,
		    "in");
		c = json_object_new_object();
		json_object_object_add(c, "id", json_object_new_int(rt->rt_id));
		json_object_object_add(c, "from", json_object_new_string(
		    d->d_connectors[rt->rt_src].dc_name));
		json_object_object_add(c, "to", json_object_new_string(
		    d->d_connectors[rt->rt_dst].dc_name));
		json_object_object_add(c, "generation",
		    json_object_new_int64(rt->rt_gen));
		ctl_copy(c, "sent", out, "events");
		ctl_copy(c, "received", in, "events");
		ctl_copy(c, "dropped_sending", out, "dropped");
		ctl_copy(c, "dropped_receiving", in, "dropped");
		ctl_copy(c, "bytes", out, "bytes");
		ctl_copy(c, "queued", out, "queued");
		ctl_copy(c, "paused", out, "paused");
		json_object_array_add(list, c);
	}
	json_object_object_add(o, "routes", list);
	if (cc->cc_worker >= 0)
		ctl_metrics_send(cc->cc_worker, cc->cc_client, METRICS_STATS,
		    0, o);
	else
		ctl_send(cc->cc_client, o);
	TAILQ_REMOVE(&cs.c_pending, cc, cc_entry);
	cs.c_npending--;
	event_free(cc->cc_timer);
	json_object_put(cc->cc_stats);
	free(cc);
}

/* Some worker did not answer in time: reply with what there is. */
static void
ctl_stats_timeout(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	ctl_stats_finish(arg);
}

/* show stats: ask every worker that can answer for its counters; the
 * reply goes to a wsflowctl client, or (worker >= 0) to that worker. */
static void
ctl_stats_start(uint32_t client, int worker)
{
	struct ctl_collect	*cc;
	struct msg_stats_req	 sq;
	struct sup_view		 sv;
	struct timeval		 tv;
	int			 i;

	if (cs.c_npending >= CTL_MAX_PENDING ||
	    (cc = calloc(1, sizeof(*cc))) == NULL) {
		if (worker >= 0)
			ctl_metrics_send(worker, client, METRICS_STATS, 1,
			    ctl_error("busy: too many requests"));
		else
			ctl_send(client, ctl_error("busy: too many requests"));
		return;
	}
	cc->cc_seq = ++cs.c_seq;
	cc->cc_client = client;
	cc->cc_worker = worker;
	cc->cc_stats = json_object_new_object();
	cc->cc_timer = evtimer_new(cs.c_base, ctl_stats_timeout, cc);
	TAILQ_INSERT_TAIL(&cs.c_pending, cc, cc_entry);
	cs.c_npending++;
	memset(&sq, 0, sizeof(sq));
	sq.sq_seq = cc->cc_seq;
	for (i = 0; proctab_view(i, &sv) == 0; i++)
		if (!sv.sv_control && !sv.sv_exporter && sv.sv_peer != NULL &&
		    proc_send(sv.sv_peer, MSG_STATS_REQ, -1, &sq,
		    sizeof(sq)) == 0)
			cc->cc_waiting++;
	if (cc->cc_waiting == 0) {
		ctl_stats_finish(cc);
		return;
	}
	tv.tv_sec = CTL_STATS_WAIT_MS / 1000;
	tv.tv_usec = (CTL_STATS_WAIT_MS % 1000) * 1000;
	evtimer_add(cc->cc_timer, &tv);
}

/* json-c serializer of a JSON text passed on without parsing. */
static int
ctl_raw_json(struct json_object *o, struct printbuf *pb, int level,
    int flags)
{
	(void)level;
	(void)flags;
	return printbuf_memappend(pb, json_object_get_string(o),
	    json_object_get_string_len(o));
}

/* o[key] = v */
static void
ctl_add_u64(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

/* One route end's counters as JSON. */
static struct json_object *
ctl_route_json(const struct msg_stats_route *sr)
{
	struct json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(sr->sr_id));
	json_object_object_add(o, "end", json_object_new_string(
	    sr->sr_end == ROUTE_OUT ? "out" : "in"));
	json_object_object_add(o, "peer", json_object_new_int64(sr->sr_peer));
	json_object_object_add(o, "generation",
	    json_object_new_int64(sr->sr_generation));
	json_object_object_add(o, "up", json_object_new_boolean(sr->sr_up));
	json_object_object_add(o, "paused",
	    json_object_new_boolean(sr->sr_paused));
	ctl_add_u64(o, "events", sr->sr_events);
	ctl_add_u64(o, "dropped", sr->sr_dropped);
	ctl_add_u64(o, "bytes", sr->sr_bytes);
	ctl_add_u64(o, "queued", sr->sr_queued);
	ctl_add_u64(o, "acked", sr->sr_acked);
	ctl_add_u64(o, "lost", sr->sr_lost);
	ctl_add_u64(o, "duplicates", sr->sr_duplicates);
	return o;
}

/* A worker's per-port event counts as JSON. */
static struct json_object *
ctl_ports_json(const struct msg_stats *st)
{
	const struct msg_stats_port	*sp;
	struct json_object		*a, *p;
	uint32_t			 i;

	a = json_object_new_array();
	for (i = 0; i < st->st_nports && i < PROTO_STATS_PORTS; i++) {
		sp = &st->st_ports[i];
		if (memchr(sp->sp_port, '\0', sizeof(sp->sp_port)) == NULL)
			continue;
		p = json_object_new_object();
		json_object_object_add(p, "port",
		    json_object_new_string(sp->sp_port));
		json_object_object_add(p, "direction",
		    json_object_new_string(sp->sp_out ? "out" : "in"));
		ctl_add_u64(p, "events", sp->sp_events);
		json_object_array_add(a, p);
	}
	return a;
}

/*
 * MSG_STATS (proto.h) as the JSON of show stats: the typed counters,
 * the route ends and the connector's own counters, a JSON object text
 * passed on unparsed.  NULL when the message is malformed.
 */
static struct json_object *
ctl_stats_json(const struct proc_msg *m, struct msg_stats *st)
{
	struct msg_stats_route	 sr;
	struct json_object	*o, *routes, *c;
	const char		*text;
	size_t			 len, rlen;
	uint32_t		 i;

	if (m->pm_len < sizeof(*st))
		return NULL;
	memcpy(st, m->pm_data, sizeof(*st));
	len = m->pm_len - sizeof(*st);
	if (st->st_nroutes > PROTO_STATS_ROUTES ||
	    (rlen = st->st_nroutes * sizeof(sr)) > len ||
	    len - rlen > PROTO_STATS_CONN_MAX)
		return NULL;
	text = (const char *)m->pm_data + sizeof(*st) + rlen;
	len -= rlen;
	/* Unparsed, but one JSON object on the reply's one line. */
	if (len > 0 && (len < 2 || text[0] != '{' || text[len - 1] != '}' ||
	    memchr(text, '\n', len) != NULL || memchr(text, '\0', len) !=
	    NULL))
		return NULL;
	o = json_object_new_object();
	ctl_add_u64(o, "events_in", st->st_events_in);
	ctl_add_u64(o, "events_out", st->st_events_out);
	ctl_add_u64(o, "errors", st->st_errors);
	ctl_add_u64(o, "dropped", st->st_dropped);
	ctl_add_u64(o, "bytes_in", st->st_bytes_in);
	ctl_add_u64(o, "bytes_out", st->st_bytes_out);
	ctl_add_u64(o, "lost", st->st_lost);
	ctl_add_u64(o, "replayed", st->st_replayed);
	ctl_add_u64(o, "duplicates", st->st_duplicates);
	routes = json_object_new_array();
	for (i = 0; i < st->st_nroutes; i++) {
		memcpy(&sr, (const char *)m->pm_data + sizeof(*st) +
		    i * sizeof(sr), sizeof(sr));
		json_object_array_add(routes, ctl_route_json(&sr));
	}
	json_object_object_add(o, "routes", routes);
	json_object_object_add(o, "ports", ctl_ports_json(st));
	if (len > 0) {
		c = json_object_new_string_len(text, (int)len);
		json_object_set_serializer(c, ctl_raw_json, NULL, NULL);
		json_object_object_add(o, "connector", c);
	}
	return o;
}

/* MSG_STATS: one worker's counters. */
static int
ctl_stats_msg(int id, const struct proc_msg *m)
{
	struct msg_stats	 st;
	struct ctl_collect	*cc;
	struct json_object	*o;
	char			 key[16];

	if ((o = ctl_stats_json(m, &st)) == NULL)
		return -1;
	TAILQ_FOREACH(cc, &cs.c_pending, cc_entry)
		if (cc->cc_seq == st.st_seq)
			break;
	if (cc == NULL) {		/* too late: already answered */
		json_object_put(o);
		return 0;
	}
	snprintf(key, sizeof(key), "%d", id);
	json_object_object_add(cc->cc_stats, key, o);
	if (--cc->cc_waiting == 0)
		ctl_stats_finish(cc);
	return 0;
}

/* The control channel of worker id, or NULL. */
static struct proc_peer *
ctl_peer(int id)
{
	struct sup_view	 sv;
	int		 i;

	for (i = 0; proctab_view(i, &sv) == 0; i++)
		if (sv.sv_id == id)
			return sv.sv_peer;
	return NULL;
}

/* Send MSG_METRICS_RES with a JSON reply (consumed) or a text. */
static void
ctl_metrics_send(int worker, uint32_t id, uint32_t what, uint32_t status,
    struct json_object *reply)
{
	struct msg_metrics_res	 mr;
	struct proc_peer	*p;
	struct iovec		 iov[2];
	const char		*s;
	size_t			 len;

	s = json_object_get_type(reply) == json_type_string ?
	    json_object_get_string(reply) :
	    json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(s);
	if (len > CTL_RES_MAX) {
		s = "{\"ok\":false,\"error\":\"reply too large\"}";
		len = strlen(s);
	}
	memset(&mr, 0, sizeof(mr));
	mr.mr_id = id;
	mr.mr_what = what;
	mr.mr_status = status;
	iov[0].iov_base = &mr;
	iov[0].iov_len = sizeof(mr);
	iov[1].iov_base = (void *)s;
	iov[1].iov_len = len;
	if ((p = ctl_peer(worker)) != NULL &&
	    proc_sendv(p, MSG_METRICS_RES, -1, iov, 2) == -1)
		log_warn("metrics: reply");
	json_object_put(reply);
}

/*
 * Whether every worker runs: "ok", or the first reason it does not (the
 * daemon starting or stopping, a connector's worker restarting).
 */
static int
ctl_health(char *reason, size_t len)
{
	struct sup_view	 sv;
	const char	*state = cs.c_ops->cso_state();
	int		 i;

	/* a reload keeps what runs running (new workers count below) */
	if (strcmp(state, "running") != 0 && strcmp(state, "reloading") != 0) {
		snprintf(reason, len, "wsflowd is %s", state);
		return 1;
	}
	for (i = 0; proctab_view(i, &sv) == 0; i++)
		if (strcmp(sv.sv_state, "running") != 0) {
			snprintf(reason, len, "connector %s%s%s: %s",
			    sv.sv_dc->dc_flow != NULL && *sv.sv_dc->dc_flow ?
			    sv.sv_dc->dc_flow : "",
			    sv.sv_dc->dc_flow != NULL && *sv.sv_dc->dc_flow ?
			    "/" : "", sv.sv_dc->dc_name, sv.sv_state);
			return 1;
		}
	snprintf(reason, len, "ok");
	return 0;
}

/* MSG_METRICS_REQ: counters (collected) or health (at once). */
static int
ctl_metrics_req(int id, const struct proc_msg *m)
{
	struct msg_metrics_req	 mq;
	char			 reason[256];
	int			 st;

	if (proc_get(m, &mq, sizeof(mq)) == -1)
		return -1;
	switch (mq.mq_what) {
	case METRICS_STATS:
		ctl_stats_start(mq.mq_id, id);
		return 0;
	case METRICS_HEALTH:
		st = ctl_health(reason, sizeof(reason));
		ctl_metrics_send(id, mq.mq_id, METRICS_HEALTH, st,
		    json_object_new_string(reason));
		return 0;
	default:
		return -1;
	}
}

/* log verbose|brief: the supervisor and every worker. */
static struct json_object *
ctl_verbose(int verbose)
{
	struct json_object	*o;
	struct sup_view		 sv;
	int32_t			 v;
	int			 i;

	v = verbose ? 2 : cs.c_o->so_verbose < 1 ? cs.c_o->so_verbose : 1;
	log_setverbose(v);
	log_info("log level %d (wsflowctl log %s)", v,
	    verbose ? "verbose" : "brief");
	for (i = 0; proctab_view(i, &sv) == 0; i++)
		if (sv.sv_peer != NULL && proc_send(sv.sv_peer, MSG_VERBOSE,
		    -1, &v, sizeof(v)) == -1)
			log_warn("connector %s: verbose", sv.sv_dc->dc_name);
	o = ctl_reply_new(1);
	json_object_object_add(o, "verbose", json_object_new_int(v));
	return o;
}

/*
 * MSG_CTL_REQ: a request the control worker checked, for a client the
 * supervisor accepted (unknown: a protocol error).  Whether it may
 * change the daemon is decided again here, from the credentials the
 * supervisor read, not from what the worker says.  A worker that names
 * other credentials than it was given, or passes on what its client may
 * not ask, lies: a protocol error too (killed and restarted), and the
 * request is not run.
 */
static int
ctl_request(const struct proc_msg *m)
{
	struct msg_ctl_req	 cq;
	struct ctl_peer		*cp;
	struct json_object	*o;
	int			 slot;

	if (proc_get(m, &cq, sizeof(cq)) == -1 ||
	    ctlproto_name(cq.cq_cmd) == NULL ||
	    (slot = ctl_client_slot(cq.cq_id)) == -1)
		return -1;
	cp = &cs.c_clients[slot];
	log_debug("control: %s (uid %ld, pid %ld)", ctlproto_name(cq.cq_cmd),
	    (long)cp->cp_uid, (long)cp->cp_pid);
	if ((uid_t)cq.cq_uid != cp->cp_uid || (pid_t)cq.cq_pid != cp->cp_pid) {
		log_warnx("control: %s refused: the control worker says uid "
		    "%ld, pid %ld for a client of uid %ld, pid %ld",
		    ctlproto_name(cq.cq_cmd), (long)cq.cq_uid,
		    (long)cq.cq_pid, (long)cp->cp_uid, (long)cp->cp_pid);
		return -1;
	}
	if (ctlproto_mutating(cq.cq_cmd) && !ctl_may_change(cp->cp_uid)) {
		log_warnx("control: %s from uid %ld refused (the control "
		    "worker let it through)", ctlproto_name(cq.cq_cmd),
		    (long)cp->cp_uid);
		return -1;
	}
	switch (cq.cq_cmd) {
	case CTL_STATUS:
		ctl_send(cq.cq_id, ctl_status());
		break;
	case CTL_SHOW_CONNECTORS:
		ctl_send(cq.cq_id, ctl_connectors());
		break;
	case CTL_SHOW_PIPELINES:
		ctl_send(cq.cq_id, ctl_pipelines());
		break;
	case CTL_SHOW_STATS:
		ctl_stats_start(cq.cq_id, -1);
		break;
	case CTL_LOG_VERBOSE:
	case CTL_LOG_BRIEF:
		ctl_send(cq.cq_id, ctl_verbose(cq.cq_cmd == CTL_LOG_VERBOSE));
		break;
	case CTL_STOP:
		/* The reply is queued before the workers are told. */
		o = ctl_reply_new(1);
		json_object_object_add(o, "message", json_object_new_string(
		    strcmp(cs.c_ops->cso_state(), "draining") == 0 ?
		    "already stopping" : "stopping"));
		ctl_send(cq.cq_id, o);
		(void)cs.c_ops->cso_stop();
		break;
	case CTL_RELOAD:
		/* Answered by ctl_sup_reloaded once it is done. */
		log_info("reload requested over the control socket");
		cs.c_ops->cso_reload(cq.cq_id);
		break;
	}
	return 0;
}

/* A control plane message from worker id; -1 if it is a protocol error. */
int
ctl_sup_msg(int id, int is_control, const struct proc_msg *m)
{
	struct msg_ctl_closed	 ce;
	int			 slot;

	if (m->pm_type == MSG_STATS)
		return ctl_stats_msg(id, m);
	if (m->pm_type == MSG_CTL_REQ && is_control)
		return ctl_request(m);
	if (m->pm_type == MSG_METRICS_REQ)
		return ctl_metrics_req(id, m);
	if (m->pm_type == MSG_CTL_CLOSED && is_control) {
		if (proc_get(m, &ce, sizeof(ce)) == -1 ||
		    (slot = ctl_client_slot(ce.ce_id)) == -1)
			return -1;
		cs.c_clients[slot].cp_id = 0;
		return 0;
	}
	return -1;
}

/* A reload committed: the configuration to show from now on. */
void
ctl_sup_update(const struct deployment *d, const struct plan *p)
{
	cs.c_d = d;
	cs.c_plan = p;
}

/* Answer wsflowctl reload for client: ok with the summary text and the
 * counts of rd, or the error text. */
void
ctl_sup_reloaded(uint32_t client, int ok, const char *text,
    const struct rdiff *rd)
{
	struct json_object	*o;

	if (!ok) {
		ctl_send(client, ctl_error(text));
		return;
	}
	o = ctl_reply_new(1);
	json_object_object_add(o, "message", json_object_new_string(text));
	if (rd != NULL) {
		json_object_object_add(o, "kept",
		    json_object_new_int(rd->rd_kept));
		json_object_object_add(o, "started",
		    json_object_new_int(rd->rd_started));
		json_object_object_add(o, "replaced",
		    json_object_new_int(rd->rd_replaced));
		json_object_object_add(o, "stopped",
		    json_object_new_int(rd->rd_stopped));
		json_object_object_add(o, "new_pipelines",
		    json_object_new_int(rd->rd_repathed));
	}
	ctl_send(client, o);
}

/* Forget pending requests and the control worker's config. */
void
ctl_sup_done(void)
{
	struct ctl_collect	*cc;

	while (cs.c_pending.tqh_first != NULL) {
		cc = TAILQ_FIRST(&cs.c_pending);
		TAILQ_REMOVE(&cs.c_pending, cc, cc_entry);
		event_free(cc->cc_timer);
		json_object_put(cc->cc_stats);
		free(cc);
	}
	cs.c_npending = 0;
	json_object_put(cs.c_conf);
	cs.c_conf = NULL;
	json_object_put(cs.c_econf);
	cs.c_econf = NULL;
	if (cs.c_accept != NULL)
		event_free(cs.c_accept);
	cs.c_accept = NULL;
}
