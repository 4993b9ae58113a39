/*
 * The process table of wsflowd: fork+exec one wsflow-worker per used
 * connector with its control channel on fd 3, push each its configuration
 * and route descriptors, wait for every acknowledgement, start sinks
 * before sources, then serve exit requests and name resolution, restart
 * workers that die (re-wiring their routes) and stop everything
 * gracefully or at once.  The supervisor never parses event payloads.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "proc.h"
#include "sup.h"

#define SUP_BACKOFF_MIN_MS	100
#define SUP_BACKOFF_MAX_MS	10000
#define SUP_STABLE_SECS		30	/* running this long resets backoff */

enum sw_state {
	SW_DOWN,		/* not running (or waiting for a restart) */
	SW_CONFIGURING,		/* exec'd, config queued */
	SW_READY,		/* acknowledged */
	SW_STARTING,		/* MSG_START sent */
	SW_RUNNING,
	SW_DRAINING,
};

struct sup_worker {
	int			 sw_id;
	const struct dep_connector *sw_dc;
	int			 sw_role;
	enum sw_state		 sw_state;
	pid_t			 sw_pid;		/* 0: no process */
	int			 sw_reaped;	/* waited for, status below */
	int			 sw_wstatus;
	struct proc_peer	*sw_peer;
	int			 sw_hello;
	int			 sw_restarts;
	int			 sw_backoff_ms;
	time_t			 sw_since;
	struct event		*sw_timer;
	struct json_object	*sw_conf;	/* sent at every (re)start */
	int			 sw_listen;	/* passed with MSG_LISTEN or -1 */
};

enum sup_phase {
	SUP_CONFIGURING,
	SUP_STARTING,
	SUP_RUNNING,
	SUP_STOPPING,
};

static struct {
	const struct deployment	*s_d;
	const struct sup_opts	*s_opts;
	struct event_base	*s_base;
	struct plan		 s_plan;
	struct sup_worker	*s_w;
	int			 s_nw;
	enum sup_phase		 s_phase;
	int			 s_start_group;	/* 0 sinks, 1 mixed, 2 sources */
	int			 s_status;
	int			 s_exit_requested;
	struct event		*s_exit_timer;
	struct event		*s_drain_timer;
	struct msg_exit		 s_exit;
	char			 s_worker[PATH_MAX];
	struct sup_worker	*s_ctl;		/* the control worker or NULL */
} sup;

static void	sup_ctl_cb(struct proc_peer *, const struct proc_msg *, void *);
static void	sup_stop(int);
static int	sup_spawn(struct sup_worker *);
static void	sup_gone(struct sup_worker *);
static void	sup_schedule_restart(struct sup_worker *);

/* Where the worker executable is: $WSFLOW_WORKER, the build tree, or
 * the installed libexec directory. */
const char *
sup_worker_path(void)
{
	static char	 path[PATH_MAX];
	char		 self[PATH_MAX];
	const char	*env;
	ssize_t		 n;

	if ((env = getenv("WSFLOW_WORKER")) != NULL && *env != '\0')
		return env;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if (strcmp(self, WSFLOW_BUILDDIR "/supervisor/wsflowd") == 0) {
			(void)strlcpy(path, WSFLOW_BUILDDIR
			    "/workers/wsflow-worker", sizeof(path));
			return path;
		}
	}
	(void)strlcpy(path, WSFLOW_LIBEXECDIR "/wsflow-worker", sizeof(path));
	return path;
}

/* The worker playing connector id, or NULL. */
static struct sup_worker *
sup_worker(int id)
{
	int	 i;

	for (i = 0; i < sup.s_nw; i++)
		if (sup.s_w[i].sw_id == id)
			return &sup.s_w[i];
	return NULL;
}

/* Is this worker process alive (forked and not reaped)? */
static int
sw_alive(const struct sup_worker *sw)
{
	return sw->sw_pid > 0;
}

/* Send one route end to a worker (fd ownership passes to proc). */
static void
sup_send_route(struct sup_worker *sw, const struct route *rt, int end,
    int fd)
{
	struct msg_route	 mr;

	memset(&mr, 0, sizeof(mr));
	mr.mr_id = rt->rt_id;
	mr.mr_end = end;
	mr.mr_peer = end == ROUTE_OUT ? rt->rt_dst : rt->rt_src;
	mr.mr_generation = rt->rt_gen;
	if (sw == NULL || sw->sw_peer == NULL) {
		close(fd);
		return;
	}
	if (proc_send(sw->sw_peer, MSG_ROUTE, fd, &mr, sizeof(mr)) == -1)
		log_warn("connector %s: route %u", sw->sw_dc->dc_name,
		    rt->rt_id);
}

/* Give every route touching sw a fresh socketpair (both ends). */
static int
sup_wire(struct sup_worker *sw, int initial)
{
	struct route	*rt;
	struct sup_worker *src, *dst;
	int		 i, sv[2];

	for (i = 0; i < sup.s_plan.p_nroutes; i++) {
		rt = &sup.s_plan.p_routes[i];
		if (rt->rt_src != sw->sw_id && rt->rt_dst != sw->sw_id)
			continue;
		/* At start-up each route is wired once, by its source. */
		if (initial && rt->rt_src != sw->sw_id)
			continue;
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)
		    == -1) {
			log_warn("socketpair");
			return -1;
		}
		if (!initial)
			rt->rt_gen++;
		src = sup_worker(rt->rt_src);
		dst = sup_worker(rt->rt_dst);
		sup_send_route(src, rt, ROUTE_OUT, sv[0]);
		sup_send_route(dst, rt, ROUTE_IN, sv[1]);
	}
	return 0;
}

/* Queue config, (routes) and end of configuration for a new worker. */
static int
sup_configure(struct sup_worker *sw)
{
	struct json_object	*conf;
	const char		*s;
	size_t			 len;
	int			 r;

	conf = sw->sw_conf;
	json_object_object_add(conf, "restarts",
	    json_object_new_int(sw->sw_restarts));
	json_object_object_add(conf, "verbose",
	    json_object_new_int(log_getverbose()));
	s = json_object_to_json_string_length(conf, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	r = proc_send(sw->sw_peer, MSG_CONFIG, -1, s, len);
	if (r == -1) {
		log_warn("connector %s: configuration", sw->sw_dc->dc_name);
		return -1;
	}
	return 0;
}

/* Close the end of configuration (after routes). */
static int
sup_configured(struct sup_worker *sw)
{
	return proc_send(sw->sw_peer, MSG_CONFIG_END, -1, NULL, 0);
}

/* Start-up failed: say why and stop with status 1. */
static void
sup_startup_failed(void)
{
	sup.s_status = 1;
	sup_stop(0);
}

/* The start group (0 sink-only, 1 mixed, 2 source-only) of a worker. */
static int
sw_group(const struct sup_worker *sw)
{
	if (sw->sw_role == ROLE_SINK)
		return 0;
	if (sw->sw_role == (ROLE_SINK | ROLE_SOURCE))
		return 1;
	return 2;
}

/* Start the next group once the previous one has started. */
static void
sup_start_next(void)
{
	struct sup_worker	*sw;
	int			 i, waiting;

	for (;;) {
		waiting = 0;
		for (i = 0; i < sup.s_nw; i++) {
			sw = &sup.s_w[i];
			if (sw_group(sw) != sup.s_start_group)
				continue;
			if (sw->sw_state == SW_READY) {
				if (proc_send(sw->sw_peer, MSG_START, -1,
				    NULL, 0) == -1)
					fatal("%s: send", __func__);
				sw->sw_state = SW_STARTING;
			}
			if (sw->sw_state == SW_STARTING)
				waiting++;
		}
		if (waiting > 0)
			return;
		if (++sup.s_start_group > 2)
			break;
	}
	sup.s_phase = SUP_RUNNING;
	log_info("all %d workers started", sup.s_nw);
}

/* All workers acknowledged their configuration? Then start. */
static void
sup_check_ready(void)
{
	int	 i;

	for (i = 0; i < sup.s_nw; i++)
		if (sup.s_w[i].sw_state != SW_READY)
			return;
	sup.s_phase = SUP_STARTING;
	sup.s_start_group = 0;
	sup_start_next();
}

/* Stop the event loop when no worker is left.  The control worker
 * drains last, so wsflowctl can watch the others drain. */
static void
sup_check_done(void)
{
	struct sup_worker	*c = sup.s_ctl;
	int			 i;

	for (i = 0; i < sup.s_nw; i++)
		if (sw_alive(&sup.s_w[i]) && &sup.s_w[i] != c)
			return;
	if (c != NULL && sw_alive(c)) {
		if (c->sw_state != SW_DRAINING && c->sw_peer != NULL &&
		    proc_send(c->sw_peer, MSG_DRAIN, -1, NULL, 0) == 0)
			c->sw_state = SW_DRAINING;
		return;
	}
	event_base_loopexit(sup.s_base, NULL);
}

/* Signal every live worker. */
static void
sup_kill_all(int sig)
{
	int	 i;

	for (i = 0; i < sup.s_nw; i++)
		if (sw_alive(&sup.s_w[i]) && !sup.s_w[i].sw_reaped)
			(void)kill(sup.s_w[i].sw_pid, sig);
}

/* Drain took too long. */
static void
sup_drain_timeout(evutil_socket_t fd, short ev, void *arg)
{
	int	 i, n = 0;

	(void)fd;
	(void)ev;
	(void)arg;
	for (i = 0; i < sup.s_nw; i++)
		if (sw_alive(&sup.s_w[i])) {
			log_warnx("drain timeout: stopping connector %s "
			    "(pid %ld)", sup.s_w[i].sw_dc->dc_name,
			    (long)sup.s_w[i].sw_pid);
			n++;
		}
	if (n > 0)
		sup_kill_all(SIGKILL);
}

/* Begin stopping: graceful drains (bounded), otherwise immediate. */
static void
sup_stop(int graceful)
{
	struct timeval	 tv;
	int		 i;

	if (sup.s_phase == SUP_STOPPING) {
		if (!graceful)
			sup_kill_all(SIGTERM);
		return;
	}
	/* Only a flow whose workers are all configured can drain. */
	if (sup.s_phase != SUP_RUNNING && sup.s_phase != SUP_STARTING)
		graceful = 0;
	sup.s_phase = SUP_STOPPING;
	log_info("stopping (%s)", graceful ? "graceful" : "immediate");
	for (i = 0; i < sup.s_nw; i++)
		if (sup.s_w[i].sw_timer != NULL)
			evtimer_del(sup.s_w[i].sw_timer);
	tv.tv_sec = sup.s_opts->so_drain_ms / 1000;
	tv.tv_usec = (sup.s_opts->so_drain_ms % 1000) * 1000;
	/* Either way, whatever is left after the timeout is killed. */
	evtimer_add(sup.s_drain_timer, &tv);
	if (!graceful) {
		sup_kill_all(SIGTERM);
		sup_check_done();
		return;
	}
	for (i = 0; i < sup.s_nw; i++) {
		struct sup_worker *sw = &sup.s_w[i];

		if (!sw_alive(sw) || sw->sw_peer == NULL || sw == sup.s_ctl)
			continue;
		if (proc_send(sw->sw_peer, MSG_DRAIN, -1, NULL, 0) == 0)
			sw->sw_state = SW_DRAINING;
	}
	sup_check_done();
}

/* The exit connector's delay has passed. */
static void
sup_exit_timer(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	sup_stop(sup.s_exit.mx_graceful);
}

/* An event reached the exit connector (first request only). */
static void
sup_exit_request(struct sup_worker *sw, const struct msg_exit *mx)
{
	struct timeval	 tv;

	if (sup.s_exit_requested || sup.s_phase == SUP_STOPPING)
		return;
	sup.s_exit_requested = 1;
	sup.s_exit = *mx;
	sup.s_status = mx->mx_code;
	log_info("connector %s: exit requested: status %d, delay %llu ns, %s",
	    sw->sw_dc->dc_name, mx->mx_code,
	    (unsigned long long)mx->mx_delay_ns,
	    mx->mx_graceful ? "graceful" : "immediate");
	tv.tv_sec = mx->mx_delay_ns / 1000000000ULL;
	tv.tv_usec = (mx->mx_delay_ns % 1000000000ULL) / 1000;
	evtimer_add(sup.s_exit_timer, &tv);
}

/* Misbehaving worker: it is killed (and restarted like any lost child). */
static void
sup_protocol_error(struct sup_worker *sw, const char *what)
{
	log_warnx("connector %s: protocol error: %s; killing pid %ld",
	    sw->sw_dc->dc_name, what, (long)sw->sw_pid);
	proc_peer_free(sw->sw_peer);
	sw->sw_peer = NULL;
	if (sw_alive(sw) && !sw->sw_reaped)
		(void)kill(sw->sw_pid, SIGKILL);
	sup_gone(sw);
}

/* Messages from a worker's control channel. */
static void
sup_ctl_cb(struct proc_peer *p, const struct proc_msg *m, void *arg)
{
	struct sup_worker	*sw = arg;
	struct msg_hello	 mh;
	struct msg_ready	 my;
	struct msg_exit		 mx;
	struct msg_drained	 md;
	struct msg_resolve_res	 ms;
	char			 text[512];

	if (m == NULL) {
		/* EOF: the child is exiting; SIGCHLD does the rest. */
		if (strcmp(proc_error(p), "connection closed") != 0)
			sup_protocol_error(sw, proc_error(p));
		else {
			proc_peer_free(p);
			sw->sw_peer = NULL;
			sup_gone(sw);
		}
		return;
	}
	if (m->pm_fd != -1) {
		close(m->pm_fd);
		sup_protocol_error(sw, "unexpected descriptor");
		return;
	}
	if (!sw->sw_hello && m->pm_type != MSG_HELLO) {
		sup_protocol_error(sw, "no hello");
		return;
	}
	switch (m->pm_type) {
	case MSG_HELLO:
		if (sw->sw_hello || proc_get(m, &mh, sizeof(mh)) == -1)
			goto bad;
		if (mh.mh_version != WSFLOW_PROTO_VERSION) {
			log_warnx("connector %s: worker speaks protocol %u, "
			    "not %u (%s)", sw->sw_dc->dc_name, mh.mh_version,
			    WSFLOW_PROTO_VERSION, sup.s_worker);
			sup_protocol_error(sw, "protocol version mismatch");
			if (sup.s_phase != SUP_RUNNING)
				sup_startup_failed();
			return;
		}
		if ((int)mh.mh_id != sw->sw_id)
			goto bad;
		sw->sw_hello = 1;
		break;
	case MSG_READY:
		if (sw->sw_state != SW_CONFIGURING ||
		    proc_get(m, &my, sizeof(my)) == -1)
			goto bad;
		if (my.my_uid == 0 || my.my_euid == 0) {
			log_warnx("connector %s: worker runs as root; "
			    "refusing", sw->sw_dc->dc_name);
			sup_protocol_error(sw, "worker runs as root");
			sup_startup_failed();
			return;
		}
		sw->sw_state = SW_READY;
		log_debug("connector %s: ready (pid %ld, uid %u)",
		    sw->sw_dc->dc_name, (long)sw->sw_pid, my.my_uid);
		if (sup.s_phase == SUP_CONFIGURING)
			sup_check_ready();
		else if (sup.s_phase == SUP_RUNNING) {
			/* A restarted worker starts at once. */
			if (proc_send(p, MSG_START, -1, NULL, 0) == -1)
				fatal("%s: send", __func__);
			sw->sw_state = SW_STARTING;
		}
		break;
	case MSG_FAILED:
		if (sw->sw_state != SW_CONFIGURING || m->pm_len == 0 ||
		    m->pm_len >= sizeof(text))
			goto bad;
		memcpy(text, m->pm_data, m->pm_len);
		text[m->pm_len] = '\0';
		log_warnx("connector %s: %s", sw->sw_dc->dc_name, text);
		sw->sw_state = SW_DOWN;
		if (sup.s_phase != SUP_RUNNING)
			sup_startup_failed();
		break;
	case MSG_STARTED:
		if (sw->sw_state != SW_STARTING || m->pm_len != 0)
			goto bad;
		sw->sw_state = SW_RUNNING;
		sw->sw_since = time(NULL);
		if (sup.s_phase == SUP_STARTING)
			sup_start_next();
		break;
	case MSG_DRAINED:
		if (proc_get(m, &md, sizeof(md)) == -1)
			goto bad;
		if (md.md_dropped > 0)
			log_warnx("connector %s: events were dropped %llu times",
			    sw->sw_dc->dc_name,
			    (unsigned long long)md.md_dropped);
		log_debug("connector %s: drained: %llu events in, %llu out",
		    sw->sw_dc->dc_name, (unsigned long long)md.md_events_in,
		    (unsigned long long)md.md_events_out);
		break;
	case MSG_EXIT_REQ:
		if (proc_get(m, &mx, sizeof(mx)) == -1)
			goto bad;
		sup_exit_request(sw, &mx);
		break;
	case MSG_RESOLVE_REQ:
		if (resolve_handle(m, &ms) == -1)
			goto bad;
		if (proc_send(p, MSG_RESOLVE_RES, -1, &ms, sizeof(ms)) == -1)
			log_warn("connector %s: resolve answer",
			    sw->sw_dc->dc_name);
		break;
	case MSG_STATS:
	case MSG_CTL_REQ:
		if (ctl_sup_msg(sw->sw_id, sw == sup.s_ctl, m) == -1)
			goto bad;
		break;
	default:
		goto bad;
	}
	return;
bad:
	snprintf(text, sizeof(text), "unexpected %s (%u bytes)",
	    proto_msg_name(m->pm_type), m->pm_len);
	sup_protocol_error(sw, text);
}

/* In the child: descriptors 0-2 as needed, control on 3, then exec. */
static void
sup_exec_child(struct sup_worker *sw, int ctl)
{
	char	 id[16], a0[] = "wsflowd", ai[] = "-i", av[] = "-v";
	char	*argv[8];
	int	 i = 0, null, v;

	if (ctl == PROTO_CONTROL_FD) {
		if (fcntl(ctl, F_SETFD, 0) == -1)
			_exit(127);
	} else if (dup2(ctl, PROTO_CONTROL_FD) == -1)
		_exit(127);
	if (strcmp(sw->sw_dc->dc_type, "stdio") != 0 &&
	    (null = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(null, STDIN_FILENO);
		(void)dup2(null, STDOUT_FILENO);
		if (null > 2)
			close(null);
	}
	closefrom(PROTO_CONTROL_FD + 1);
	signal(SIGPIPE, SIG_DFL);
	snprintf(id, sizeof(id), "%d", sw->sw_id);
	argv[i++] = a0;		/* titles read "wsflowd: file in" */
	argv[i++] = ai;
	argv[i++] = id;
	for (v = 0; v < log_getverbose() && v < 2; v++)
		argv[i++] = av;
	argv[i] = NULL;
	execv(sup.s_worker, argv);
	fprintf(stderr, "wsflowd: exec %s: %s\n", sup.s_worker,
	    strerror(errno));
	_exit(127);
}

/* Pass a copy of the worker's listening socket (ws_server, control). */
static int
sup_send_listener(struct sup_worker *sw)
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

/* Fork+exec one worker and queue its configuration. */
static int
sup_spawn(struct sup_worker *sw)
{
	sigset_t all, old;
	char	 name[160];
	int	 sv[2], sig;
	pid_t	 pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("socketpair");
		return -1;
	}
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
		return -1;
	case 0:
		for (sig = 1; sig < NSIG; sig++)
			(void)signal(sig, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(sv[0]);
		sup_exec_child(sw, sv[1]);
		/* NOTREACHED */
	default:
		break;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(sv[1]);
	sw->sw_pid = pid;
	sw->sw_hello = 0;
	sw->sw_state = SW_CONFIGURING;
	snprintf(name, sizeof(name), "connector %s", sw->sw_dc->dc_name);
	sw->sw_peer = proc_peer_new(sup.s_base, sv[0], name, sup_ctl_cb, sw);
	if (sw->sw_peer == NULL) {
		log_warn("%s", name);
		return -1;
	}
	log_debug("connector %s: worker pid %ld", sw->sw_dc->dc_name,
	    (long)pid);
	if (sup_configure(sw) == -1)
		return -1;
	return sup_send_listener(sw);
}

/* Backoff expired: bring a lost worker back and re-wire its routes. */
static void
sup_restart(evutil_socket_t fd, short ev, void *arg)
{
	struct sup_worker	*sw = arg;

	(void)fd;
	(void)ev;
	if (sup.s_phase == SUP_STOPPING)
		return;
	sw->sw_restarts++;
	log_info("connector %s: restarting (restart %d)", sw->sw_dc->dc_name,
	    sw->sw_restarts);
	if (sup_spawn(sw) == -1 || sup_wire(sw, 0) == -1 ||
	    sup_configured(sw) == -1) {
		log_warnx("connector %s: restart failed", sw->sw_dc->dc_name);
		/* A process that exists is reaped and retried via sup_gone. */
		if (sw_alive(sw))
			(void)kill(sw->sw_pid, SIGKILL);
		else
			sup_schedule_restart(sw);
	}
}

/* Schedule a restart with exponential backoff. */
static void
sup_schedule_restart(struct sup_worker *sw)
{
	struct timeval	 tv;

	if (sw->sw_since != 0 && time(NULL) - sw->sw_since >= SUP_STABLE_SECS)
		sw->sw_backoff_ms = 0;
	if (sw->sw_backoff_ms == 0)
		sw->sw_backoff_ms = SUP_BACKOFF_MIN_MS;
	else if ((sw->sw_backoff_ms *= 2) > SUP_BACKOFF_MAX_MS)
		sw->sw_backoff_ms = SUP_BACKOFF_MAX_MS;
	tv.tv_sec = sw->sw_backoff_ms / 1000;
	tv.tv_usec = (sw->sw_backoff_ms % 1000) * 1000;
	log_warnx("connector %s: restart in %d ms", sw->sw_dc->dc_name,
	    sw->sw_backoff_ms);
	evtimer_add(sw->sw_timer, &tv);
}

/* A worker is gone once reaped and its channel read to the end (so its
 * last words, e.g. why it failed, are not lost).  Log, restart or stop. */
static void
sup_gone(struct sup_worker *sw)
{
	pid_t	 pid = sw->sw_pid;
	int	 st = sw->sw_wstatus, failed;

	if (!sw->sw_reaped || sw->sw_peer != NULL)
		return;
	failed = sw->sw_state == SW_DOWN;	/* said MSG_FAILED */
	sw->sw_pid = 0;
	sw->sw_reaped = 0;
	sw->sw_state = SW_DOWN;
	if (sup.s_phase == SUP_STOPPING) {
		if (WIFSIGNALED(st) && WTERMSIG(st) != SIGTERM &&
		    WTERMSIG(st) != SIGKILL)
			log_warnx("connector %s: pid %ld killed by signal %d "
			    "while stopping", sw->sw_dc->dc_name, (long)pid,
			    WTERMSIG(st));
		sup_check_done();
		return;
	}
	if (WIFSIGNALED(st))
		log_warnx("lost child: pid %ld (connector %s) killed by "
		    "signal %d", (long)pid, sw->sw_dc->dc_name, WTERMSIG(st));
	else if (!failed || sup.s_phase == SUP_RUNNING)
		log_warnx("lost child: pid %ld (connector %s) exited %d",
		    (long)pid, sw->sw_dc->dc_name, WEXITSTATUS(st));
	if (sup.s_phase != SUP_RUNNING) {
		if (!failed)
			log_warnx("connector %s: worker ended during start-up",
			    sw->sw_dc->dc_name);
		sup_startup_failed();
	} else
		sup_schedule_restart(sw);
}

/* Reap children. */
static void
sup_sigchld(void)
{
	pid_t	 pid;
	int	 st, i;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < sup.s_nw; i++) {
			if (sup.s_w[i].sw_pid != pid)
				continue;
			sup.s_w[i].sw_reaped = 1;
			sup.s_w[i].sw_wstatus = st;
			sup_gone(&sup.s_w[i]);
		}
	}
}

/* Signals: TERM/INT drain, QUIT immediate, HUP not yet, CHLD reap. */
static void
sup_signal(evutil_socket_t sig, short ev, void *arg)
{
	(void)ev;
	(void)arg;
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		log_info("signal %d: stopping", (int)sig);
		sup_stop(1);
		break;
	case SIGQUIT:
		log_info("signal %d: stopping now", (int)sig);
		sup_stop(0);
		break;
	case SIGHUP:
		log_warnx("reload is not supported yet; still running");
		break;
	case SIGCHLD:
		sup_sigchld();
		break;
	}
}

/* What the control plane may see of worker i; -1 past the last. */
int
sup_view(int i, struct sup_view *sv)
{
	static const char *const states[] = {
		[SW_DOWN] = "down", [SW_CONFIGURING] = "configuring",
		[SW_READY] = "ready", [SW_STARTING] = "starting",
		[SW_RUNNING] = "running", [SW_DRAINING] = "draining",
	};
	struct sup_worker	*sw;

	if (i < 0 || i >= sup.s_nw)
		return -1;
	sw = &sup.s_w[i];
	memset(sv, 0, sizeof(*sv));
	sv->sv_id = sw->sw_id;
	sv->sv_dc = sw->sw_dc;
	sv->sv_control = sw == sup.s_ctl;
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

/* The daemon's state for wsflowctl status. */
const char *
sup_state(void)
{
	switch (sup.s_phase) {
	case SUP_CONFIGURING:
	case SUP_STARTING:
		return "starting";
	case SUP_RUNNING:
		return "running";
	default:
		return "draining";
	}
}

/* wsflowctl stop: the graceful stop SIGTERM starts; 0 if it started. */
int
sup_ctl_stop(void)
{
	if (sup.s_phase == SUP_STOPPING)
		return -1;
	log_info("stop requested over the control socket");
	sup_stop(1);
	return 0;
}

/* Run the deployment until it stops; returns the exit status. */
int
sup_run(const struct deployment *d, const struct sup_opts *o)
{
	static const int	 sigs[] = { SIGTERM, SIGINT, SIGQUIT, SIGHUP,
				    SIGCHLD };
	struct event		*sigev[5];
	struct sup_worker	*sw;
	char			 err[256];
	int			 i, n;

	memset(&sup, 0, sizeof(sup));
	sup.s_d = d;
	sup.s_opts = o;
	(void)strlcpy(sup.s_worker, o->so_worker != NULL ? o->so_worker :
	    sup_worker_path(), sizeof(sup.s_worker));
	/* Workers drop to the unprivileged user; without one, refuse. */
	if ((geteuid() == 0 || getuid() == 0) && getpwnam(WSFLOW_USER) == NULL) {
		log_warnx("user %s does not exist: refusing to run workers "
		    "as root", WSFLOW_USER);
		return 1;
	}
	if (access(sup.s_worker, X_OK) == -1) {
		log_warn("worker %s", sup.s_worker);
		return 1;
	}
	if (route_plan(d, &sup.s_plan, err, sizeof(err)) == -1) {
		log_warnx("routes: %s", err);
		return 1;
	}
	for (i = n = 0; i < d->d_nconnectors; i++)
		if (sup.s_plan.p_conf[i] != NULL)
			n++;
	if ((sup.s_w = calloc(n + 1, sizeof(*sup.s_w))) == NULL)
		fatal("%s", __func__);
	if ((sup.s_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < 5; i++) {
		sigev[i] = evsignal_new(sup.s_base, sigs[i], sup_signal, NULL);
		if (sigev[i] == NULL || evsignal_add(sigev[i], NULL) == -1)
			fatalx("signal events");
	}
	sup.s_exit_timer = evtimer_new(sup.s_base, sup_exit_timer, NULL);
	sup.s_drain_timer = evtimer_new(sup.s_base, sup_drain_timeout, NULL);
	for (i = 0; i < d->d_nconnectors; i++) {
		if (sup.s_plan.p_conf[i] == NULL)
			continue;
		sw = &sup.s_w[sup.s_nw++];
		sw->sw_id = i;
		sw->sw_dc = &d->d_connectors[i];
		sw->sw_role = sup.s_plan.p_role[i];
		sw->sw_timer = evtimer_new(sup.s_base, sup_restart, sw);
		sw->sw_conf = sup.s_plan.p_conf[i];
		sw->sw_listen = -1;
		if (strcmp(sw->sw_dc->dc_type, "ws_server") == 0 &&
		    (sw->sw_listen = listen_open(json_object_object_get(
		    sw->sw_dc->dc_config, "config"), err, sizeof(err))) == -1) {
			log_warnx("connector %s: %s", sw->sw_dc->dc_name, err);
			sup.s_status = 1;
			goto done;
		}
	}
	if (o->so_ctl_fd != -1) {
		sw = sup.s_ctl = &sup.s_w[sup.s_nw++];
		sw->sw_id = d->d_nconnectors;
		sw->sw_dc = ctl_sup_init(d, &sup.s_plan, o, sup.s_base,
		    &sw->sw_conf);
		sw->sw_timer = evtimer_new(sup.s_base, sup_restart, sw);
		/* Ours to close; wsflowd keeps its own to remove the socket. */
		if ((sw->sw_listen = fcntl(o->so_ctl_fd, F_DUPFD_CLOEXEC, 0))
		    == -1)
			fatal("%s: control socket", __func__);
	}
	log_info("%d workers, %d routes", sup.s_nw, sup.s_plan.p_nroutes);
	sup.s_phase = SUP_CONFIGURING;
	for (i = 0; i < sup.s_nw; i++)
		if (sup_spawn(&sup.s_w[i]) == -1) {
			sup_startup_failed();
			break;
		}
	for (i = 0; i < sup.s_nw && sup.s_phase == SUP_CONFIGURING; i++)
		if (sup_wire(&sup.s_w[i], 1) == -1)
			sup_startup_failed();
	for (i = 0; i < sup.s_nw && sup.s_phase == SUP_CONFIGURING; i++)
		if (sup_configured(&sup.s_w[i]) == -1)
			sup_startup_failed();
	if (sup.s_nw == (sup.s_ctl != NULL ? 1 : 0)) {
		log_warnx("nothing to run: no connector is connected");
		sup.s_phase = SUP_RUNNING;
	}
	event_base_dispatch(sup.s_base);
done:
	for (i = 0; i < sup.s_nw; i++) {
		proc_peer_free(sup.s_w[i].sw_peer);
		event_free(sup.s_w[i].sw_timer);
		if (sup.s_w[i].sw_listen != -1)
			close(sup.s_w[i].sw_listen);
	}
	for (i = 0; i < 5; i++)
		event_free(sigev[i]);
	event_free(sup.s_exit_timer);
	event_free(sup.s_drain_timer);
	event_base_free(sup.s_base);
	route_plan_free(&sup.s_plan);
	ctl_sup_done();
	free(sup.s_w);
	return sup.s_status;
}
