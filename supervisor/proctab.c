/* SPDX-License-Identifier: ISC */
/*
 * The process table of wsflowd: one wsflow-worker per used connector
 * (and the control worker), each fork+exec'd with its control channel on
 * fd 3, its routes wired over fresh socketpairs and its configuration
 * pushed; reaped when it dies and restarted with exponential backoff
 * when its owner says so.  The table is mechanism: what a worker's
 * messages mean and whether a lost worker comes back is supervisor.c's,
 * reached through struct proctab_ops.  Each worker's descriptor 2 is a
 * pipe to the supervisor, which logs what comes as the worker's lines
 * (bounded and encoded by common/logline), so nothing a worker writes
 * reaches the log unchecked.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "conntype.h"
#include "log.h"
#include "logline.h"
#include "proc.h"
#include "sup.h"

#define PT_BACKOFF_MIN_MS	100
#define PT_BACKOFF_MAX_MS	10000
#define PT_STABLE_SECS		30	/* running this long resets backoff */
#define PT_LOG_READ		16384	/* of a worker's stderr, at a time */
#define PT_LOG_DRAIN		(1024 * 1024)	/* read once it is gone */

/* A worker's standard error: the read end of its pipe, its lines. */
struct pt_log {
	struct bufferevent	*pl_bev;
	struct logline		 pl_ll;
	struct sup_worker	*pl_sw;
	pid_t			 pl_pid;
};

static struct {
	struct event_base	*pt_base;
	struct plan		*pt_plan;
	const struct proctab_ops *pt_ops;
	const char		*pt_exec;	/* the worker executable */
	struct sup_worker	**pt_w;		/* each allocated: pointers to an
						 * entry stay valid (callbacks) */
	int			 pt_nw;
	int			 pt_cap;
	struct sup_worker	*pt_ctl;	/* the control worker or NULL */
	struct sup_worker	*pt_exp;	/* the metrics exporter or NULL */
	int			 pt_stopping;	/* no more restarts */
} pt;

static void	pt_restart(evutil_socket_t, short, void *);
static void	pt_log_close(struct sup_worker *);

/* Where the entry's connector is created, for the end of log lines. */
static void
pt_site(struct sup_worker *sw)
{
	const struct dep_connector	*dc = sw->sw_dc;

	sw->sw_site[0] = '\0';
	if (dc->dc_file != NULL)
		snprintf(sw->sw_site, sizeof(sw->sw_site),
		    " [flow %s, %s:%d:%d]", dc->dc_flow, dc->dc_file,
		    dc->dc_line, dc->dc_col);
}

/* A table entry for worker id playing connector idx of the deployment
 * (-1: none); its configuration stays the caller's. */
static struct sup_worker *
pt_add(int id, int idx, const struct dep_connector *dc,
    struct json_object *conf)
{
	struct sup_worker	**w, *sw;

	if (pt.pt_nw == pt.pt_cap) {
		if ((w = reallocarray(pt.pt_w, pt.pt_cap + 8,
		    sizeof(*w))) == NULL)
			fatal("%s", __func__);
		pt.pt_w = w;
		pt.pt_cap += 8;
	}
	if ((sw = calloc(1, sizeof(*sw))) == NULL)
		fatal("%s", __func__);
	pt.pt_w[pt.pt_nw++] = sw;
	sw->sw_id = id;
	sw->sw_idx = idx;
	sw->sw_dc = dc;
	sw->sw_ct = conntype_get(dc->dc_ctype);
	sw->sw_conf = conf;
	sw->sw_listen = -1;
	pt_site(sw);
	if ((sw->sw_timer = evtimer_new(pt.pt_base, pt_restart, sw)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	return sw;
}

/*
 * One entry per connector the plan gives a worker, room for the control
 * worker, and the listening socket of every connector type that has one
 * (bound here, before any worker runs).  -1 if a listener cannot be had.
 */
int
proctab_init(struct event_base *base, const struct deployment *d,
    struct plan *p, const char *exec, const struct proctab_ops *ops)
{
	struct sup_worker	*sw;
	char			 err[256];
	int			 i;

	memset(&pt, 0, sizeof(pt));
	pt.pt_base = base;
	pt.pt_plan = p;
	pt.pt_ops = ops;
	pt.pt_exec = exec;
	for (i = 0; i < d->d_nconnectors; i++) {
		if (p->p_conf[i] == NULL)
			continue;
		sw = proctab_add(i, i, &d->d_connectors[i], p);
		if (proctab_listen(sw, err, sizeof(err)) == -1) {
			log_warnx("connector %s: %s%s", sw->sw_dc->dc_name, err,
			    sw->sw_site);
			return -1;
		}
		/* ws_client header values and proxy credentials from
		 * files (issue 14) */
		if (hdrfile_resolve(p->p_conf[i], err, sizeof(err)) == -1) {
			log_warnx("connector %s: %s", sw->sw_dc->dc_name, err);
			return -1;
		}
	}
	return 0;
}

/* A table entry of an internal worker with its listener (taken). */
static struct sup_worker *
pt_add_listening(int id, const struct dep_connector *dc,
    struct json_object *conf, int listen_fd)
{
	struct sup_worker	*sw = pt_add(id, -1, dc, conf);

	sw->sw_listen = listen_fd;
	return sw;
}


/* A new entry: worker id playing connector idx of plan p's deployment
 * (its configuration, role and exit path from p). */
struct sup_worker *
proctab_add(int id, int idx, const struct dep_connector *dc, struct plan *p)
{
	struct sup_worker	*sw;

	sw = pt_add(id, idx, dc, p->p_conf[idx]);
	proctab_adopt(sw, idx, dc, p);
	return sw;
}

/* Entry sw now plays connector idx of plan p (a reload kept it). */
void
proctab_adopt(struct sup_worker *sw, int idx, const struct dep_connector *dc,
    struct plan *p)
{
	sw->sw_idx = idx;
	sw->sw_dc = dc;
	sw->sw_conf = p->p_conf[idx];
	sw->sw_role = p->p_role[idx];
	sw->sw_exit = p->p_exit[idx];
	pt_site(sw);
}

/* The "url" of a listener's config, or "". */
static const char *
pt_listen_url(const struct sup_worker *sw)
{
	const char	*s;

	s = json_object_get_string(json_object_object_get(
	    json_object_object_get(sw->sw_dc->dc_config, "config"), "url"));
	return s != NULL ? s : "";
}

/*
 * An instance that cannot bind its own socket on the address (a reload
 * from one instance to several: the one taken over was bound without
 * SO_REUSEPORT) shares a sibling's: a copy of it, or -1.
 */
static int
pt_listen_sibling(struct sup_worker *sw)
{
	struct sup_worker	*o;
	int			 i, fd;

	for (i = 0; i < pt.pt_nw; i++) {
		o = pt.pt_w[i];
		if (o == sw || o->sw_retired || o->sw_listen == -1 ||
		    o->sw_dc == NULL || !DEP_INSTANCED(o->sw_dc) ||
		    o->sw_dc->dc_group != sw->sw_dc->dc_group ||
		    strcmp(pt_listen_url(o), pt_listen_url(sw)) != 0)
			continue;
		if ((fd = fcntl(o->sw_listen, F_DUPFD_CLOEXEC, 0)) == -1)
			return -1;
		log_info("connector %s: shares the listening socket of %s",
		    sw->sw_dc->dc_name, o->sw_dc->dc_name);
		return fd;
	}
	return -1;
}

/*
 * The listening socket of a listener type: taken over from a retired
 * entry listening on the same url (a reload replacing a ws_server, so the
 * port never stops accepting), else bound.  0 (also for other types), or
 * -1 with err.
 */
int
proctab_listen(struct sup_worker *sw, char *err, size_t errlen)
{
	struct sup_worker	*o;
	int			 i;

	if (sw->sw_ct == NULL || !(sw->sw_ct->ct_flags & CTF_LISTENER) ||
	    sw->sw_listen != -1)
		return 0;
	for (i = 0; i < pt.pt_nw; i++) {
		o = pt.pt_w[i];
		if (o->sw_retired && o->sw_listen != -1 && o->sw_ct == sw->sw_ct &&
		    strcmp(pt_listen_url(o), pt_listen_url(sw)) == 0) {
			sw->sw_listen = o->sw_listen;
			o->sw_listen = -1;
			sw->sw_listen_from = o;
			/* a unix: socket keeps its file, with the new
			 * owner, group and mode */
			return listen_adopt(sw->sw_listen, json_object_object_get(
			    sw->sw_dc->dc_config, "config"), err, errlen);
		}
	}
	sw->sw_listen = listen_open(json_object_object_get(sw->sw_dc->dc_config,
	    "config"), err, errlen);
	if (sw->sw_listen == -1 && DEP_INSTANCED(sw->sw_dc))
		sw->sw_listen = pt_listen_sibling(sw);
	return sw->sw_listen == -1 ? -1 : 0;
}

/* Add the control worker (connector id past the last); takes listen_fd. */
struct sup_worker *
proctab_add_control(int id, const struct dep_connector *dc,
    struct json_object *conf, int listen_fd)
{
	return pt.pt_ctl = pt_add_listening(id, dc, conf, listen_fd);
}

/* Add the metrics exporter (wsflowd -m); takes listen_fd. */
struct sup_worker *
proctab_add_exporter(int id, const struct dep_connector *dc,
    struct json_object *conf, int listen_fd)
{
	return pt.pt_exp = pt_add_listening(id, dc, conf, listen_fd);
}

/* The metrics exporter, or NULL. */
struct sup_worker *
proctab_exporter(void)
{
	return pt.pt_exp;
}

/* Release one entry: channel, timer and listener (not its process). */
static void
pt_free(struct sup_worker *sw)
{
	proc_peer_free(sw->sw_peer);
	pt_log_close(sw);
	event_free(sw->sw_timer);
	listen_close(sw->sw_listen);
	free(sw);
}

/* Add a worker of the daemon's own, not a connector (the keyholder);
 * its configuration stays the caller's. */
struct sup_worker *
proctab_add_service(int id, const struct dep_connector *dc,
    struct json_object *conf)
{
	return pt_add(id, -1, dc, conf);
}

/* Release the table: channels, timers and listeners (not processes). */
void
proctab_free(void)
{
	int	 i;

	for (i = 0; i < pt.pt_nw; i++)
		pt_free(pt.pt_w[i]);
	free(pt.pt_w);
	memset(&pt, 0, sizeof(pt));
}

/* How many workers the table holds (the control worker included). */
int
proctab_count(void)
{
	return pt.pt_nw;
}

/* Worker i of the table (0 <= i < proctab_count()). */
struct sup_worker *
proctab_get(int i)
{
	return pt.pt_w[i];
}

/* The control worker, or NULL. */
struct sup_worker *
proctab_control(void)
{
	return pt.pt_ctl;
}

/* The (not retired) worker playing connector idx of the plan, or NULL. */
struct sup_worker *
proctab_find(int idx)
{
	int	 i;

	for (i = 0; i < pt.pt_nw; i++)
		if (pt.pt_w[i]->sw_idx == idx && idx >= 0 &&
		    !pt.pt_w[i]->sw_retired)
			return pt.pt_w[i];
	return NULL;
}

/* Is this worker process alive (forked and not reaped)? */
int
proctab_alive(const struct sup_worker *sw)
{
	return sw->sw_pid > 0;
}

/* Send one route end to a worker (fd ownership passes to proc). */
static void
pt_send_route(struct sup_worker *sw, const struct route *rt, int end,
    int fd)
{
	struct msg_route	 mr;
	struct sup_worker	*peer;

	memset(&mr, 0, sizeof(mr));
	mr.mr_id = rt->rt_id;
	mr.mr_end = end;
	peer = proctab_find(end == ROUTE_OUT ? rt->rt_dst : rt->rt_src);
	mr.mr_peer = peer != NULL ? peer->sw_id : 0;
	mr.mr_generation = rt->rt_gen;
	if (sw == NULL || sw->sw_peer == NULL) {
		close(fd);
		return;
	}
	if (proc_send(sw->sw_peer, MSG_ROUTE, fd, &mr, sizeof(mr)) == -1)
		log_warn("connector %s: route %u", sw->sw_dc->dc_name,
		    rt->rt_id);
}

/* Give every route touching sw a fresh socketpair (both ends); at
 * start-up (initial) each route is wired once, by its source. */
int
proctab_wire(struct sup_worker *sw, int initial)
{
	struct route	*rt;
	int		 i;

	if (sw->sw_idx < 0)
		return 0;
	for (i = 0; i < pt.pt_plan->p_nroutes; i++) {
		rt = &pt.pt_plan->p_routes[i];
		if (rt->rt_src != sw->sw_idx && rt->rt_dst != sw->sw_idx)
			continue;
		if (initial && rt->rt_src != sw->sw_idx)
			continue;
		if (proctab_wire_route(rt, !initial) == -1)
			return -1;
	}
	return 0;
}

/* One route: a fresh socketpair, an end to each of its two workers;
 * again (a re-wiring) bumps its generation. */
int
proctab_wire_route(struct route *rt, int again)
{
	int	 sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("socketpair");
		return -1;
	}
	if (again)
		rt->rt_gen++;
	pt_send_route(proctab_find(rt->rt_src), rt, ROUTE_OUT, sv[0]);
	pt_send_route(proctab_find(rt->rt_dst), rt, ROUTE_IN, sv[1]);
	return 0;
}

/* Tell sw to forget its end (ROUTE_IN, ROUTE_OUT) of route id
 * (MSG_ROUTE_DROP): a reload removed what was at the other end, or what
 * led there. */
void
proctab_drop_route(struct sup_worker *sw, uint32_t id, int end)
{
	struct msg_route	 mr;

	if (sw->sw_peer == NULL)
		return;
	memset(&mr, 0, sizeof(mr));
	mr.mr_id = id;
	mr.mr_end = end;
	if (proc_send(sw->sw_peer, MSG_ROUTE_DROP, -1, &mr, sizeof(mr)) == -1)
		log_warn("connector %s: route %u", sw->sw_dc->dc_name, id);
}

/* The routes of plan p from now on (a reload). */
void
proctab_set_plan(struct plan *p)
{
	pt.pt_plan = p;
}

/* A reload retires sw: it no longer plays a connector of the plan, is
 * not restarted, and is dropped from the table once gone. */
void
proctab_retire(struct sup_worker *sw)
{
	sw->sw_retired = 1;
	sw->sw_ridx = sw->sw_idx;
	sw->sw_idx = -1;
	evtimer_del(sw->sw_timer);
}

/* Give back a listener taken over from a retired entry (a reload that
 * is undone). */
void
proctab_unlisten(struct sup_worker *sw)
{
	char	 e[256];

	if (sw->sw_listen_from != NULL && sw->sw_listen_from->sw_listen == -1) {
		sw->sw_listen_from->sw_listen = sw->sw_listen;
		if (listen_adopt(sw->sw_listen, json_object_object_get(
		    sw->sw_listen_from->sw_dc->dc_config, "config"), e,
		    sizeof(e)) == -1)
			log_warnx("connector %s: %s",
			    sw->sw_listen_from->sw_dc->dc_name, e);
	} else
		listen_close(sw->sw_listen);
	sw->sw_listen = -1;
	sw->sw_listen_from = NULL;
}

/* Remove sw from the table and free it (its process must be gone). */
void
proctab_remove(struct sup_worker *sw)
{
	int	 i;

	for (i = 0; i < pt.pt_nw; i++)
		if (pt.pt_w[i]->sw_listen_from == sw)
			pt.pt_w[i]->sw_listen_from = NULL;
	for (i = 0; i < pt.pt_nw; i++)
		if (pt.pt_w[i] == sw) {
			memmove(&pt.pt_w[i], &pt.pt_w[i + 1],
			    (pt.pt_nw - i - 1) * sizeof(*pt.pt_w));
			pt.pt_nw--;
			pt_free(sw);
			return;
		}
}

/* Pass a copy of the worker's listening socket (ws_server, control). */
static int
pt_send_listener(struct sup_worker *sw)
{
	int	 fd;

	if (sw->sw_listen == -1)
		return 0;
	if ((fd = fcntl(sw->sw_listen, F_DUPFD_CLOEXEC, 0)) == -1 ||
	    proc_send(sw->sw_peer, MSG_LISTEN, fd, NULL, 0) == -1) {
		log_warn("connector %s: listener", sw->sw_dc->dc_name);
		return -1;
	}
	return 0;
}

/* Push a worker's configuration, its listener and the end of both. */
int
proctab_configure(struct sup_worker *sw)
{
	struct json_object	*conf;
	const char		*s;
	size_t			 len;
	int			 r;

	conf = sw->sw_conf;
	wcb_start(conf, sw->sw_restarts, log_getverbose());
	if (sw->sw_has_pos)
		wcb_resume(conf, &sw->sw_pos);
	s = json_object_to_json_string_length(conf, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	r = proc_send(sw->sw_peer, MSG_CONFIG, -1, s, len);
	if (r == -1) {
		log_warn("connector %s: configuration", sw->sw_dc->dc_name);
		return -1;
	}
	if (pt.pt_ops->po_configure != NULL && pt.pt_ops->po_configure(sw)
	    == -1)
		return -1;
	if (pt_send_listener(sw) == -1)
		return -1;
	return proc_send(sw->sw_peer, MSG_CONFIG_END, -1, NULL, 0);
}

/* Signal every live worker. */
void
proctab_kill_all(int sig)
{
	int	 i;

	for (i = 0; i < pt.pt_nw; i++)
		if (proctab_alive(pt.pt_w[i]) && !pt.pt_w[i]->sw_reaped)
			(void)kill(pt.pt_w[i]->sw_pid, sig);
}

/* A worker is gone once reaped and its channel read to the end (so its
 * last words, e.g. why it failed, are not lost): tell the owner. */
static void
pt_gone(struct sup_worker *sw)
{
	pid_t	 pid = sw->sw_pid;
	int	 failed;

	if (!sw->sw_reaped || sw->sw_peer != NULL)
		return;
	failed = sw->sw_state == SW_DOWN;	/* said MSG_FAILED */
	sw->sw_pid = 0;
	sw->sw_reaped = 0;
	sw->sw_state = SW_DOWN;
	pt.pt_ops->po_gone(sw, pid, sw->sw_wstatus, failed);
}

/* Kill a worker the supervisor has no more use for (a reload undone
 * before it ran): its channel is closed first, so what it leaves unread
 * there is not taken for a protocol error; gone once reaped. */
void
proctab_kill(struct sup_worker *sw)
{
	proc_peer_free(sw->sw_peer);
	sw->sw_peer = NULL;
	if (proctab_alive(sw) && !sw->sw_reaped)
		(void)kill(sw->sw_pid, SIGKILL);
}

/* Misbehaving worker: it is killed (and restarted like any lost child). */
void
proctab_protocol_error(struct sup_worker *sw, const char *what)
{
	log_warnx("connector %s: protocol error: %s; killing pid %ld%s",
	    sw->sw_dc->dc_name, what, (long)sw->sw_pid, sw->sw_site);
	proc_peer_free(sw->sw_peer);
	sw->sw_peer = NULL;
	if (proctab_alive(sw) && !sw->sw_reaped)
		(void)kill(sw->sw_pid, SIGKILL);
	pt_gone(sw);
}

/* A worker's control channel: descriptors and errors are the table's,
 * messages the owner's. */
static void
pt_channel(struct proc_peer *p, const struct proc_msg *m, void *arg)
{
	struct sup_worker	*sw = arg;

	if (m == NULL) {
		/* EOF: the child is exiting; SIGCHLD does the rest. */
		if (strcmp(proc_error(p), "connection closed") != 0)
			proctab_protocol_error(sw, proc_error(p));
		else {
			proc_peer_free(p);
			sw->sw_peer = NULL;
			pt_gone(sw);
		}
		return;
	}
	if (m->pm_fd != -1) {
		close(m->pm_fd);
		proctab_protocol_error(sw, "unexpected descriptor");
		return;
	}
	pt.pt_ops->po_msg(sw, m);
}

/* One line of a worker's standard error, logged as the worker's. */
static void
pt_log_line(void *arg, const struct logline_out *lo)
{
	struct pt_log	*pl = arg;
	char		 text[LOGLINE_TEXT + 32];

	if (lo->lo_text == NULL) {
		log_warnx("connector %s: a log line of pid %ld over %d "
		    "bytes: %llu more bytes dropped", pl->pl_sw->sw_dc->dc_name,
		    (long)pl->pl_pid, LOGLINE_MAX,
		    (unsigned long long)lo->lo_dropped);
		return;
	}
	if (!lo->lo_cut) {
		log_worker(lo->lo_pri, pl->pl_pid, lo->lo_text);
		return;
	}
	snprintf(text, sizeof(text), "%s... [cut]", lo->lo_text);
	log_worker(lo->lo_pri, pl->pl_pid, text);
}

/* Log the whole lines the pipe has brought. */
static void
pt_log_take(struct pt_log *pl)
{
	struct evbuffer	*in = bufferevent_get_input(pl->pl_bev);
	char		 buf[4096];
	int		 n;

	while ((n = evbuffer_remove(in, buf, sizeof(buf))) > 0)
		logline_feed(&pl->pl_ll, buf, n);
}

/* The worker's standard error is readable. */
static void
pt_log_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	pt_log_take(arg);
}

/* Its end, or an error: the rest is logged, then the pipe closed. */
static void
pt_log_event(struct bufferevent *bev, short what, void *arg)
{
	struct pt_log	*pl = arg;

	(void)bev;
	(void)what;
	pt_log_close(pl->pl_sw);
}

/*
 * Stop reading a worker's standard error: what the pipe still holds (all
 * of it once the worker is gone, up to PT_LOG_DRAIN) and a last line
 * without newline are logged first.
 */
static void
pt_log_close(struct sup_worker *sw)
{
	struct pt_log	*pl = sw->sw_log;
	char		 buf[4096];
	ssize_t		 n;
	size_t		 total = 0;

	if (pl == NULL)
		return;
	sw->sw_log = NULL;
	pt_log_take(pl);
	while (total < PT_LOG_DRAIN && (n = read(bufferevent_getfd(
	    pl->pl_bev), buf, sizeof(buf))) > 0) {
		logline_feed(&pl->pl_ll, buf, n);
		total += n;
	}
	logline_end(&pl->pl_ll);
	bufferevent_free(pl->pl_bev);
	free(pl);
}

/* Read the pipe fd (taken) that is worker pid's standard error. */
static void
pt_log_open(struct sup_worker *sw, int fd, pid_t pid)
{
	struct pt_log	*pl;

	if ((pl = calloc(1, sizeof(*pl))) == NULL ||
	    evutil_make_socket_nonblocking(fd) == -1 ||
	    (pl->pl_bev = bufferevent_socket_new(pt.pt_base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		/* Its lines are lost; it runs all the same. */
		log_warn("connector %s: log pipe", sw->sw_dc->dc_name);
		free(pl);
		close(fd);
		return;
	}
	pl->pl_sw = sw;
	pl->pl_pid = pid;
	logline_init(&pl->pl_ll, pt_log_line, pl);
	bufferevent_setcb(pl->pl_bev, pt_log_read, NULL, pt_log_event, pl);
	bufferevent_setwatermark(pl->pl_bev, EV_READ, 0, PT_LOG_READ);
	if (bufferevent_enable(pl->pl_bev, EV_READ) == -1) {
		log_warnx("connector %s: log pipe", sw->sw_dc->dc_name);
		bufferevent_free(pl->pl_bev);
		free(pl);
		return;
	}
	sw->sw_log = pl;
}

/*
 * In the child: descriptors 0-2 as needed (2 is the log pipe logw; the
 * stdio connector's own standard error moves to PROTO_STDERR_FD),
 * control on 3, then exec.
 */
static void
pt_exec_child(struct sup_worker *sw, int ctl, int logw)
{
	char	 id[16], a0[] = "wsflowd", ai[] = "-i", av[] = "-v", as[] = "-S",
		 al[] = "-l";
	char	*argv[9];
	int	 i = 0, null, v, keep;

	keep = sw->sw_ct != NULL && (sw->sw_ct->ct_flags & CTF_KEEPS_STDIO);
	/* Above every descriptor set below, so none is overwritten. */
	if ((ctl = fcntl(ctl, F_DUPFD_CLOEXEC, 10)) == -1 ||
	    (logw = fcntl(logw, F_DUPFD_CLOEXEC, 10)) == -1)
		_exit(127);
	if (keep && dup2(STDERR_FILENO, PROTO_STDERR_FD) == -1)
		_exit(127);
	if (dup2(ctl, PROTO_CONTROL_FD) == -1 ||
	    dup2(logw, STDERR_FILENO) == -1)
		_exit(127);
	if (!keep && (null = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(null, STDIN_FILENO);
		(void)dup2(null, STDOUT_FILENO);
		if (null > 2)
			close(null);
	}
	closefrom(keep ? PROTO_STDERR_FD + 1 : PROTO_CONTROL_FD + 1);
	signal(SIGPIPE, SIG_DFL);
	snprintf(id, sizeof(id), "%d", sw->sw_id);
	argv[i++] = a0;		/* titles read "wsflowd: file in" */
	argv[i++] = ai;
	argv[i++] = id;
	argv[i++] = al;		/* it logs through us */
	for (v = 0; v < log_getverbose() && v < 2; v++)
		argv[i++] = av;
	if (log_get_targets() & LOG_TO_SYSLOG)
		argv[i++] = as;		/* a daemon's info lines are kept */
	argv[i] = NULL;
	execv(pt.pt_exec, argv);
	/* To the log pipe, as a worker's line would be. */
	dprintf(STDERR_FILENO, "<%d>exec %s: %s\n", LOG_ERR, pt.pt_exec,
	    strerror(errno));
	_exit(127);
}

/* Fork+exec one worker with its control channel and log pipe. */
int
proctab_spawn(struct sup_worker *sw)
{
	sigset_t all, old;
	char	 name[160];
	int	 sv[2], lp[2], sig;
	pid_t	 pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("socketpair");
		return -1;
	}
	if (pipe2(lp, O_CLOEXEC) == -1) {
		log_warn("pipe");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	pt_log_close(sw);	/* a fresh pipe for every process */
	/*
	 * Until exec the child would run our signal handlers (and a signal
	 * meant for it would be taken as one for us): block signals across
	 * fork, give the child default handlers, then unblock.
	 */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	switch ((pid = fork())) {
	case -1:
		sigprocmask(SIG_SETMASK, &old, NULL);
		log_warn("fork");
		close(sv[0]);
		close(sv[1]);
		close(lp[0]);
		close(lp[1]);
		return -1;
	case 0:
		for (sig = 1; sig < NSIG; sig++)
			(void)signal(sig, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(sv[0]);
		close(lp[0]);
		pt_exec_child(sw, sv[1], lp[1]);
		/* NOTREACHED */
	default:
		break;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(sv[1]);
	close(lp[1]);
	pt_log_open(sw, lp[0], pid);
	sw->sw_pid = pid;
	sw->sw_hello = 0;
	sw->sw_state = SW_CONFIGURING;
	snprintf(name, sizeof(name), "connector %s", sw->sw_dc->dc_name);
	sw->sw_peer = proc_peer_new(pt.pt_base, sv[0], name, pt_channel, sw);
	if (sw->sw_peer == NULL) {
		log_warn("%s", name);
		return -1;
	}
	log_debug("connector %s: worker pid %ld", sw->sw_dc->dc_name,
	    (long)pid);
	return 0;
}

/* Backoff expired: bring a lost worker back the way it first came:
 * spawn, wire its routes again, configure. */
static void
pt_restart(evutil_socket_t fd, short ev, void *arg)
{
	struct sup_worker	*sw = arg;

	(void)fd;
	(void)ev;
	if (pt.pt_stopping)
		return;
	sw->sw_restarts++;
	log_info("connector %s: restarting (restart %d)", sw->sw_dc->dc_name,
	    sw->sw_restarts);
	if (proctab_spawn(sw) == -1 || proctab_wire(sw, 0) == -1 ||
	    proctab_configure(sw) == -1) {
		log_warnx("connector %s: restart failed%s", sw->sw_dc->dc_name,
		    sw->sw_site);
		/* A process that exists is reaped and retried via pt_gone. */
		if (proctab_alive(sw))
			(void)kill(sw->sw_pid, SIGKILL);
		else
			proctab_restart_later(sw);
	}
}

/* Schedule a restart with exponential backoff. */
void
proctab_restart_later(struct sup_worker *sw)
{
	struct timeval	 tv;

	if (sw->sw_since != 0 && time(NULL) - sw->sw_since >= PT_STABLE_SECS)
		sw->sw_backoff_ms = 0;
	if (sw->sw_backoff_ms == 0)
		sw->sw_backoff_ms = PT_BACKOFF_MIN_MS;
	else if ((sw->sw_backoff_ms *= 2) > PT_BACKOFF_MAX_MS)
		sw->sw_backoff_ms = PT_BACKOFF_MAX_MS;
	tv.tv_sec = sw->sw_backoff_ms / 1000;
	tv.tv_usec = (sw->sw_backoff_ms % 1000) * 1000;
	log_warnx("connector %s: restart in %d ms", sw->sw_dc->dc_name,
	    sw->sw_backoff_ms);
	evtimer_add(sw->sw_timer, &tv);
}

/* Stopping: cancel pending restarts and refuse new ones. */
void
proctab_no_restarts(void)
{
	int	 i;

	pt.pt_stopping = 1;
	for (i = 0; i < pt.pt_nw; i++)
		if (pt.pt_w[i]->sw_timer != NULL)
			evtimer_del(pt.pt_w[i]->sw_timer);
}

/* Reap children (SIGCHLD). */
void
proctab_reap(void)
{
	pid_t	 pid;
	int	 st, i;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		/* One entry per pid; pt_gone's owner may remove it. */
		for (i = 0; i < pt.pt_nw; i++) {
			if (pt.pt_w[i]->sw_pid != pid)
				continue;
			pt.pt_w[i]->sw_reaped = 1;
			pt.pt_w[i]->sw_wstatus = st;
			/* Its last lines: nothing more can come. */
			pt_log_close(pt.pt_w[i]);
			pt_gone(pt.pt_w[i]);
			break;
		}
	}
}

/*
 * Name the workers that have not started into buf, "flow/name (state)"
 * comma-separated: with pending only a reload's new workers (one that
 * runs still waits for the keyholder to take its key), else every
 * connector's.  Returns how many there are.
 */
int
proctab_late(char *buf, size_t len, int pending)
{
	struct sup_view	 sv;
	const char	*state, *flow;
	size_t		 n = 0;
	int		 i, late = 0;

	buf[0] = '\0';
	for (i = 0; proctab_view(i, &sv) == 0; i++) {
		if (sv.sv_dc == NULL || (pending ? !pt.pt_w[i]->sw_pending :
		    strcmp(sv.sv_state, "running") == 0))
			continue;
		state = strcmp(sv.sv_state, "running") == 0 ?
		    "running, its key not taken" : sv.sv_state;
		flow = sv.sv_dc->dc_flow != NULL ? sv.sv_dc->dc_flow : "";
		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s%s%s (%s)",
			    late > 0 ? ", " : "", flow, *flow != '\0' ? "/" : "",
			    sv.sv_dc->dc_name, state);
		late++;
	}
	return late;
}

/* What the control plane may see of worker i; -1 past the last. */
int
proctab_view(int i, struct sup_view *sv)
{
	static const char *const states[] = {
		[SW_DOWN] = "down", [SW_CONFIGURING] = "configuring",
		[SW_READY] = "ready", [SW_STARTING] = "starting",
		[SW_RUNNING] = "running", [SW_DRAINING] = "draining",
	};
	struct sup_worker	*sw;

	if (i < 0 || i >= pt.pt_nw)
		return -1;
	sw = pt.pt_w[i];
	memset(sv, 0, sizeof(*sv));
	sv->sv_id = sw->sw_id;
	sv->sv_idx = sw->sw_idx;
	sv->sv_retired = sw->sw_retired;
	sv->sv_dc = sw->sw_dc;
	sv->sv_control = sw == pt.pt_ctl;
	sv->sv_exporter = sw == pt.pt_exp;
	sv->sv_state = states[sw->sw_state];
	if (sw->sw_state == SW_DOWN && evtimer_pending(sw->sw_timer, NULL))
		sv->sv_state = "restarting";
	sv->sv_pid = sw->sw_pid;
	sv->sv_since = sw->sw_state == SW_RUNNING ||
	    sw->sw_state == SW_DRAINING ? sw->sw_since : 0;
	sv->sv_restarts = sw->sw_restarts;
	sv->sv_peer = sw->sw_hello ? sw->sw_peer : NULL;
	return 0;
}
