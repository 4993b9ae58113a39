/* SPDX-License-Identifier: ISC */
/*
 * The supervisor's policy over the process table (proctab.c): start-up
 * in phases (every worker configured and acknowledged, then sinks
 * started before sources), what each worker may say on its control
 * channel and what it means, exit requests, restarts of lost workers,
 * signals and the graceful or immediate stop, and what systemd is told
 * of them (READY=1 once every worker runs, STOPPING=1, the watchdog).
 * The supervisor never parses event payloads.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

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

#include "conntype.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"
#include "sdnotify.h"
#include "sup.h"

enum sup_phase {
	SUP_CONFIGURING,
	SUP_STARTING,
	SUP_RUNNING,
	SUP_STOPPING,
};

static const int sup_sigs[] = { SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGCHLD,
    SIGUSR1 };
#define SUP_NSIGS	(sizeof(sup_sigs) / sizeof(sup_sigs[0]))

static struct {
	const struct sup_opts	*s_opts;
	struct event_base	*s_base;
	enum sup_phase		 s_phase;
	int			 s_start_group;	/* 0 sinks, 1 mixed, 2 sources */
	int			 s_status;
	int			 s_exit_requested;
	struct event		*s_exit_timer;
	struct event		*s_drain_timer;
	struct event		*s_start_timer;	/* -t: bounds the start-up */
	struct event		*s_sigev[SUP_NSIGS];
	struct msg_exit		 s_exit;
	char			 s_worker[PATH_MAX];
	int			 s_nconnectors;	/* of the deployment */
	struct sockaddr_un	 s_notify;	/* $NOTIFY_SOCKET */
	socklen_t		 s_notify_len;	/* 0: none */
	int			 s_notify_warned;
	uint64_t		 s_watchdog_us;	/* keep-alive interval, 0: none */
	struct event		*s_watchdog;
	int			 s_ready_fd;	/* the daemon's parent, or -1 */
	int			 s_reloading;	/* from ro_begin to ro_done */
} sup;

static void	sup_stop(int);
static void	sup_reload(int);
static int	sup_nworkers(void);

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

/*
 * Where systemd listens, from the environment, which is then cleared so
 * that workers (not the service's main process) do not inherit it.
 */
static void
sup_notify_init(void)
{
	if (sdnotify_addr(getenv("NOTIFY_SOCKET"), &sup.s_notify,
	    &sup.s_notify_len) == -1)
		sup.s_notify_len = 0;
	else if (sdnotify_watchdog(getenv("WATCHDOG_USEC"),
	    getenv("WATCHDOG_PID"), getpid(), &sup.s_watchdog_us) == -1)
		sup.s_watchdog_us = 0;
	(void)unsetenv("NOTIFY_SOCKET");
	(void)unsetenv("WATCHDOG_USEC");
	(void)unsetenv("WATCHDOG_PID");
}

static void	sup_notify_text(const char *);

/*
 * Tell systemd flags and a one-line status (NULL: none), if it listens.
 * The notify protocol is one datagram, written by hand (see sdnotify.h)
 * rather than linking libsystemd for one sendto().  A failure is logged
 * once: systemd going away must not flood the log with keep-alives.
 */
static void
sup_notify(int flags, const char *status)
{
	char	 msg[SDNOTIFY_MSG_MAX];

	if (sup.s_notify_len == 0 ||
	    sdnotify_msg(msg, sizeof(msg), flags, status) == -1)
		return;
	sup_notify_text(msg);
}

/* Send one notify message text (sdnotify_msg's), if systemd listens. */
static void
sup_notify_text(const char *msg)
{
	int	 fd;

	if (sup.s_notify_len == 0)
		return;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&sup.s_notify, sup.s_notify_len) == -1) {
		if (!sup.s_notify_warned)
			log_warn("%s: NOTIFY_SOCKET", __func__);
		sup.s_notify_warned = 1;
	}
	if (fd != -1)
		close(fd);
}

/* Every half of systemd's watchdog timeout: the loop is alive. */
static void
sup_watchdog(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	sup_notify(SDNOTIFY_WATCHDOG, NULL);
}

/* Workers that play a connector (not the control worker or the metrics
 * exporter, not one a reload retired). */
static int
sup_nworkers(void)
{
	struct sup_worker	*sw;
	int			 i, n = 0;

	for (i = 0; i < proctab_count(); i++) {
		sw = proctab_get(i);
		if (sw != proctab_control() && sw != proctab_exporter() &&
		    !sw->sw_retired)
			n++;
	}
	return n;
}

/*
 * The flow runs: tell systemd, with a summary, and a daemon's waiting
 * parent, which then exits 0; from now on a daemon logs to syslog only
 * (its standard error was the terminal's).
 */
static void
sup_ready(const char *status)
{
	char	 c = SUP_READY_BYTE;
	int	 null;

	sup_notify(SDNOTIFY_READY, status);
	if (sup.s_ready_fd == -1)
		return;
	log_targets(LOG_TO_SYSLOG);
	if ((null = open("/dev/null", O_WRONLY | O_CLOEXEC)) != -1) {
		(void)dup2(null, STDERR_FILENO);
		close(null);
	}
	if (write(sup.s_ready_fd, &c, 1) != 1)
		log_warn("%s: start-up pipe", __func__);
	close(sup.s_ready_fd);
	sup.s_ready_fd = -1;
}

/* The flow runs: log it and say so. */
static void
sup_running(void)
{
	char	 status[128];
	int	 n = sup_nworkers();

	sup.s_phase = SUP_RUNNING;
	evtimer_del(sup.s_start_timer);
	log_info("all %d workers started", proctab_count());
	snprintf(status, sizeof(status), "running: %d workers, %d connectors",
	    n, sup.s_nconnectors);
	sup_ready(status);
}

/* Start-up failed: say why and stop with status 1. */
static void
sup_startup_failed(void)
{
	sup.s_status = 1;
	sup_stop(0);
}

/*
 * -t: the start-up took too long.  Name every worker that has not
 * acknowledged its start (with how far it got) and stop with status 1;
 * a daemon's waiting parent reads that on its standard error.
 */
static void
sup_start_timeout(evutil_socket_t fd, short ev, void *arg)
{
	char	 late[1024];
	int	 n;

	(void)fd;
	(void)ev;
	(void)arg;
	if (sup.s_phase != SUP_CONFIGURING && sup.s_phase != SUP_STARTING)
		return;
	n = proctab_late(late, sizeof(late), 0);
	log_warnx("start-up timed out after %d s: %d worker%s did not start: "
	    "%s", sup.s_opts->so_start_secs, n, n == 1 ? "" : "s", late);
	sup_startup_failed();
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
		for (i = 0; i < proctab_count(); i++) {
			sw = proctab_get(i);
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
	sup_running();
}

/* All workers acknowledged their configuration? Then start. */
static void
sup_check_ready(void)
{
	int	 i;

	for (i = 0; i < proctab_count(); i++)
		if (proctab_get(i)->sw_state != SW_READY)
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
	struct sup_worker	*c = proctab_control();
	int			 i;

	for (i = 0; i < proctab_count(); i++)
		if (proctab_alive(proctab_get(i)) && proctab_get(i) != c)
			return;
	if (c != NULL && proctab_alive(c)) {
		if (c->sw_state != SW_DRAINING && c->sw_peer != NULL &&
		    proc_send(c->sw_peer, MSG_DRAIN, -1, NULL, 0) == 0)
			c->sw_state = SW_DRAINING;
		return;
	}
	event_base_loopexit(sup.s_base, NULL);
}

/* Drain took too long. */
static void
sup_drain_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct sup_worker	*sw;
	int			 i, n = 0;

	(void)fd;
	(void)ev;
	(void)arg;
	for (i = 0; i < proctab_count(); i++) {
		sw = proctab_get(i);
		if (proctab_alive(sw)) {
			log_warnx("drain timeout: stopping connector %s "
			    "(pid %ld)%s", sw->sw_dc->dc_name,
			    (long)sw->sw_pid, sw->sw_site);
			n++;
		}
	}
	if (n > 0)
		proctab_kill_all(SIGKILL);
}

/* Begin stopping: graceful drains (bounded), otherwise immediate. */
static void
sup_stop(int graceful)
{
	struct sup_worker	*sw;
	struct timeval		 tv;
	int			 i;

	if (sup.s_phase == SUP_STOPPING) {
		if (!graceful)
			proctab_kill_all(SIGTERM);
		return;
	}
	/* Only a flow whose workers are all configured can drain. */
	if (sup.s_phase != SUP_RUNNING && sup.s_phase != SUP_STARTING)
		graceful = 0;
	sup.s_phase = SUP_STOPPING;
	evtimer_del(sup.s_start_timer);
	log_info("stopping (%s)", graceful ? "graceful" : "immediate");
	sup_notify(SDNOTIFY_STOPPING, graceful ? "stopping (graceful)" :
	    "stopping (immediate)");
	proctab_no_restarts();
	rl_abort();
	tv.tv_sec = sup.s_opts->so_drain_ms / 1000;
	tv.tv_usec = (sup.s_opts->so_drain_ms % 1000) * 1000;
	/* Either way, whatever is left after the timeout is killed. */
	evtimer_add(sup.s_drain_timer, &tv);
	if (!graceful) {
		proctab_kill_all(SIGTERM);
		sup_check_done();
		return;
	}
	for (i = 0; i < proctab_count(); i++) {
		sw = proctab_get(i);
		if (!proctab_alive(sw) || sw->sw_peer == NULL ||
		    sw == proctab_control())
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

/* A worker's credentials and sandbox as the kernel reports them. */
struct sup_creds {
	unsigned int	sc_uid[4];	/* real, effective, saved, file system */
	unsigned int	sc_gid[4];
	int		sc_nnp;		/* NoNewPrivs */
	int		sc_seccomp;	/* 2: a filter */
};

/* Read pid's credentials from /proc/PID/status (never from the worker);
 * -1 if it cannot be read or a line is missing. */
static int
sup_read_creds(pid_t pid, struct sup_creds *sc)
{
	char		 path[64], line[256];
	unsigned int	*u = sc->sc_uid, *g = sc->sc_gid;
	FILE		*f;
	int		 have = 0;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "Uid: %u %u %u %u", &u[0], &u[1], &u[2],
		    &u[3]) == 4)
			have |= 1;
		else if (sscanf(line, "Gid: %u %u %u %u", &g[0], &g[1], &g[2],
		    &g[3]) == 4)
			have |= 2;
		else if (sscanf(line, "NoNewPrivs: %d", &sc->sc_nnp) == 1)
			have |= 4;
		else if (sscanf(line, "Seccomp: %d", &sc->sc_seccomp) == 1)
			have |= 8;
	}
	fclose(f);
	return have == 15 ? 0 : -1;
}

/*
 * Why a worker that says it is ready and sandboxed is refused, or NULL:
 * any of its uids 0, any gid 0 when we are root (it dropped to the
 * unprivileged user), no no_new_privs, or no seccomp filter in a build
 * that installs one (not with sanitizers or --disable-sandbox).
 */
static const char *
sup_creds_refused(pid_t pid)
{
	struct sup_creds	 sc;
	int			 i;

	if (sup_read_creds(pid, &sc) == -1)
		return "cannot read its /proc status";
	for (i = 0; i < 4; i++) {
		if (sc.sc_uid[i] == 0)
			return "worker runs as root";
		if (sc.sc_gid[i] == 0 && geteuid() == 0)
			return "worker runs in group 0";
	}
	if (sc.sc_nnp != 1)
		return "worker runs without no_new_privs";
	if ((sandbox_layers_built() & SANDBOX_L_SECCOMP) && sc.sc_seccomp != 2)
		return "worker runs without a seccomp filter";
	return NULL;
}

/*
 * Why sw may not send this message type on its control channel, or NULL
 * if it may.  Its connector type's row says which messages (types that
 * run no worker declare none: their worker refuses the type itself); an
 * exit request also needs a path from the worker's outputs to an exit
 * connector (the plan's).
 */
static const char *
sup_refused(const struct sup_worker *sw, unsigned int type)
{
	if (sw->sw_ct == NULL || !(sw->sw_ct->ct_flags & CTF_WORKER))
		return NULL;
	if (!conntype_may_send(sw->sw_ct, type))
		return "not sent by its connector type";
	if (type == MSG_EXIT_REQ && !sw->sw_exit)
		return "no path to an exit connector";
	return NULL;
}

/* A name a worker asked for is resolved: answer it, if it still runs
 * (a worker that is gone is forgotten, see sup_gone). */
static void
sup_resolved(const struct msg_resolve_res *ms, void *arg)
{
	struct sup_worker	*sw = arg;

	if (sw->sw_peer != NULL && proc_send(sw->sw_peer, MSG_RESOLVE_RES, -1,
	    ms, sizeof(*ms)) == -1)
		log_warn("connector %s: resolve answer", sw->sw_dc->dc_name);
}

/* Messages from a worker's control channel (a protocol error kills and
 * restarts the worker). */
static void
sup_msg(struct sup_worker *sw, const struct proc_msg *m)
{
	struct proc_peer	*p = sw->sw_peer;
	struct msg_hello	 mh;
	struct msg_ready	 my;
	struct msg_exit		 mx;
	struct msg_drained	 md;
	struct msg_source_pos	 sp;
	struct sup_worker	*ksw;
	const char		*why;
	char			 text[512], safe[LOG_VIS_SIZE(sizeof(text))];

	if (!sw->sw_hello && m->pm_type != MSG_HELLO) {
		proctab_protocol_error(sw, "no hello");
		return;
	}
	if ((why = sup_refused(sw, m->pm_type)) != NULL) {
		snprintf(text, sizeof(text), "%s from a %s worker: %s",
		    proto_msg_name(m->pm_type), sw->sw_ct->ct_name, why);
		proctab_protocol_error(sw, text);
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
			proctab_protocol_error(sw, "protocol version mismatch");
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
		/* What it says of its uid is not what counts. */
		if ((why = sup_creds_refused(sw->sw_pid)) != NULL) {
			log_warnx("connector %s: %s; refusing%s",
			    sw->sw_dc->dc_name, why, sw->sw_site);
			proctab_protocol_error(sw, why);
			sup_startup_failed();
			return;
		}
		sw->sw_state = SW_READY;
		log_debug("connector %s: ready (pid %ld)", sw->sw_dc->dc_name,
		    (long)sw->sw_pid);
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
		log_warnx("connector %s: %s%s", sw->sw_dc->dc_name,
		    log_vis(safe, sizeof(safe), m->pm_data, m->pm_len),
		    sw->sw_site);
		rl_new_failed(sw, safe);
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
		else if (sw->sw_pending)
			rl_started(sw);
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
		/* Answered from the loop (sup_resolved), never blocking it. */
		if (resolve_request(m, sup_resolved, sw) == -1)
			goto bad;
		break;
	case MSG_DIAL_REQ:
		/* unix_socket connected at once (issue 14) */
		if (udial_request(sw, m) == -1)
			goto bad;
		break;
	case MSG_SOURCE_POS:
		if (proc_get(m, &sp, sizeof(sp)) == -1 ||
		    sp.sp_offset > INT64_MAX || sp.sp_events > INT64_MAX)
			goto bad;
		state_pos(sw, &sp);
		break;
	case MSG_KH_KEY_RES:
		switch (keys_result(m, &ksw, safe, sizeof(safe))) {
		case KEYS_RES_BAD:
			goto bad;
		case KEYS_RES_REFUSED:
			if (sup.s_phase != SUP_RUNNING)
				sup_startup_failed();
			break;
		case KEYS_RES_NEW_REFUSED:
			rl_key_refused(ksw, safe);
			break;
		case KEYS_RES_NEW_TAKEN:
			rl_started(ksw);
			break;
		default:
			break;
		}
		break;
	case MSG_STATS:
	case MSG_CTL_REQ:
	case MSG_METRICS_REQ:
	case MSG_CTL_CLOSED:
		if (ctl_sup_msg(sw->sw_id, sw == proctab_control(), m) == -1)
			goto bad;
		break;
	default:
		goto bad;
	}
	return;
bad:
	snprintf(text, sizeof(text), "unexpected %s (%u bytes)",
	    proto_msg_name(m->pm_type), m->pm_len);
	proctab_protocol_error(sw, text);
}

/* A worker is gone (reaped, channel closed): log it, then restart it
 * or, while starting or stopping, fail or finish. */
static void
sup_gone(struct sup_worker *sw, pid_t pid, int st, int failed)
{
	resolve_forget(sw);	/* answers were for the process that died */
	if (sw == proctab_control())
		ctl_sup_clients_gone();
	keys_gone(sw);
	if (sup.s_phase == SUP_STOPPING) {
		if (WIFSIGNALED(st) && WTERMSIG(st) != SIGTERM &&
		    WTERMSIG(st) != SIGKILL)
			log_warnx("connector %s: pid %ld killed by signal %d "
			    "while stopping%s", sw->sw_dc->dc_name, (long)pid,
			    WTERMSIG(st), sw->sw_site);
		sup_check_done();
		return;
	}
	/* A new worker of a reload that never ran undoes the reload. */
	if (sw->sw_pending && !failed)
		rl_new_failed(sw, "its worker ended before it ran");
	if (sw->sw_retired) {
		/* A reload replaced or removed it: it drained (or not). */
		if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
			log_warnx("connector %s: retired pid %ld killed by "
			    "signal %d", sw->sw_dc->dc_name, (long)pid,
			    WTERMSIG(st));
		rl_retired_gone(sw);
		return;
	}
	if (WIFSIGNALED(st))
		log_warnx("lost child: pid %ld (connector %s) killed by "
		    "signal %d%s", (long)pid, sw->sw_dc->dc_name, WTERMSIG(st),
		    sw->sw_site);
	else if (!failed || sup.s_phase == SUP_RUNNING)
		log_warnx("lost child: pid %ld (connector %s) exited %d%s",
		    (long)pid, sw->sw_dc->dc_name, WEXITSTATUS(st),
		    sw->sw_site);
	if (sup.s_phase != SUP_RUNNING) {
		if (!failed)
			log_warnx("connector %s: worker ended during "
			    "start-up%s", sw->sw_dc->dc_name, sw->sw_site);
		sup_startup_failed();
	} else
		proctab_restart_later(sw);
}

/* Signals: TERM/INT drain, QUIT immediate, HUP reload, CHLD reap, USR1
 * certificates and keys re-read. */
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
		log_info("signal %d: reloading", (int)sig);
		sup_reload(-1);
		break;
	case SIGCHLD:
		proctab_reap();
		break;
	case SIGUSR1:
		log_info("signal %d: re-reading certificates and keys",
		    (int)sig);
		(void)keys_reload();
		break;
	}
}

/* The daemon's state for wsflowctl status. */
static const char *
sup_state(void)
{
	switch (sup.s_phase) {
	case SUP_CONFIGURING:
	case SUP_STARTING:
		return "starting";
	case SUP_RUNNING:
		return sup.s_reloading ? "reloading" : "running";
	default:
		return "draining";
	}
}

/* A reload (SIGHUP: client -1, or wsflowctl's client), only while the
 * flow runs; reload.c answers the client. */
static void
sup_reload(int client)
{
	if (sup.s_phase != SUP_RUNNING) {
		log_warnx("reload refused: %s", sup_state());
		if (client >= 0)
			ctl_sup_reloaded((uint32_t)client, 0, sup.s_phase ==
			    SUP_STOPPING ? "stopping: not reloading" :
			    "still starting: not reloading", NULL);
		return;
	}
	rl_begin(client);
}

/* wsflowctl reload. */
static void
sup_ctl_reload(uint32_t client)
{
	sup_reload((int)client);
}

/* A reload begins: systemd hears RELOADING=1 with the monotonic time. */
static void
sup_reload_begin(void)
{
	struct timespec	 ts;
	char		 msg[SDNOTIFY_MSG_MAX];

	sup.s_reloading = 1;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1 ||
	    sdnotify_msg_usec(msg, sizeof(msg), SDNOTIFY_RELOADING,
	    (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000,
	    "reloading") == -1)
		return;
	sup_notify_text(msg);
}

/* A reload changed the configuration. */
static void
sup_reload_update(const struct deployment *d)
{
	sup.s_nconnectors = d->d_nconnectors;
}

/* A reload ended (ok: the new configuration runs): READY=1 again. */
static void
sup_reload_done(int ok)
{
	char	 status[128];

	sup.s_reloading = 0;
	snprintf(status, sizeof(status), "running: %d workers, %d connectors%s",
	    sup_nworkers(), sup.s_nconnectors, ok ? "" :
	    " (the last reload failed)");
	sup_notify(SDNOTIFY_READY, status);
}

/* wsflowctl stop: the graceful stop SIGTERM starts; 0 if it started. */
static int
sup_ctl_stop(void)
{
	if (sup.s_phase == SUP_STOPPING)
		return -1;
	log_info("stop requested over the control socket");
	sup_stop(1);
	return 0;
}

/* libevent's own messages (evdns's "nameserver has failed") to our log. */
static void
sup_event_log(int sev, const char *msg)
{
	if (sev >= EVENT_LOG_WARN)
		log_info("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

/* Before planning: the worker executable and the user it drops to. */
int
sup_init(const struct sup_opts *o)
{
	memset(&sup, 0, sizeof(sup));
	sup.s_opts = o;
	sup.s_ready_fd = o->so_ready_fd;
	(void)strlcpy(sup.s_worker, o->so_worker != NULL ? o->so_worker :
	    sup_worker_path(), sizeof(sup.s_worker));
	/* Workers drop to the unprivileged user; without one, refuse. */
	if ((geteuid() == 0 || getuid() == 0) && getpwnam(WSFLOW_USER) == NULL) {
		log_warnx("user %s does not exist: refusing to run workers "
		    "as root", WSFLOW_USER);
		return -1;
	}
	if (access(sup.s_worker, X_OK) == -1) {
		log_warn("worker %s", sup.s_worker);
		return -1;
	}
	sup_notify_init();
	return 0;
}

/* The event loop, signals, and the process table of the plan (with the
 * control worker when there is a control socket); -1 on failure.  Takes
 * d and the contents of p (freed by sup_free) in either case. */
int
sup_table(struct deployment *d, struct plan *p)
{
	static const struct proctab_ops	 ops = { sup_msg, sup_gone,
	    keys_configure };
	static const struct ctl_sup_ops	 ctl_ops = { sup_state, sup_ctl_stop,
	    sup_ctl_reload };
	static const struct rl_ops	 rl_ops = { sup_reload_begin,
	    sup_reload_update, sup_reload_done };
	const struct dep_connector	*dc;
	struct json_object		*conf;
	struct timeval			 tv;
	size_t				 i;
	int				 n;

	event_set_log_callback(sup_event_log);
	if ((sup.s_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < SUP_NSIGS; i++) {
		sup.s_sigev[i] = evsignal_new(sup.s_base, sup_sigs[i],
		    sup_signal, NULL);
		if (sup.s_sigev[i] == NULL ||
		    evsignal_add(sup.s_sigev[i], NULL) == -1)
			fatalx("signal events");
	}
	sup.s_exit_timer = evtimer_new(sup.s_base, sup_exit_timer, NULL);
	sup.s_drain_timer = evtimer_new(sup.s_base, sup_drain_timeout, NULL);
	if ((sup.s_start_timer = evtimer_new(sup.s_base, sup_start_timeout,
	    NULL)) == NULL)
		fatalx("start-up timer");
	if (sup.s_opts->so_start_secs > 0) {
		tv.tv_sec = sup.s_opts->so_start_secs;
		tv.tv_usec = 0;
		evtimer_add(sup.s_start_timer, &tv);
	}
	if (sup.s_watchdog_us > 0) {
		tv.tv_sec = sup.s_watchdog_us / 1000000;
		tv.tv_usec = sup.s_watchdog_us % 1000000;
		if ((sup.s_watchdog = event_new(sup.s_base, -1, EV_PERSIST,
		    sup_watchdog, NULL)) == NULL ||
		    event_add(sup.s_watchdog, &tv) == -1)
			fatalx("watchdog timer");
	}
	(void)resolve_init(sup.s_base);
	/* From here on the configuration is reload.c's. */
	rl_init(sup.s_opts, &rl_ops, sup.s_base, d, p);
	d = rl_dep();
	p = rl_plan();
	if (proctab_init(sup.s_base, d, p, sup.s_worker, &ops) == -1 ||
	    state_init(sup.s_base, sup.s_opts->so_state_dir) == -1)
		return -1;
	for (i = 0; i < (size_t)proctab_count(); i++)
		state_load(proctab_get(i));
	if (sup.s_opts->so_ctl_fd != -1) {
		/* The supervisor accepts; the worker gets each client. */
		dc = ctl_sup_init(d, p, sup.s_opts, sup.s_base, &ctl_ops,
		    &conf);
		(void)proctab_add_control(SUP_ID_CONTROL(d->d_nconnectors), dc,
		    conf, -1);
	}
	if (sup.s_opts->so_metrics_fd != -1) {
		/* The listener is the table's from here on. */
		dc = ctl_sup_exporter(SUP_ID_EXPORTER(d->d_nconnectors), &conf);
		(void)proctab_add_exporter(SUP_ID_EXPORTER(d->d_nconnectors), dc,
		    conf,
		    sup.s_opts->so_metrics_fd);
	}
	/* The keyholder, when a worker has a private key. */
	if ((n = keys_init(SUP_ID_KEYHOLDER(d->d_nconnectors))) == -1)
		return -1;
	if (n > 0)
		(void)keys_add_holder();
	log_info("%d workers, %d routes", proctab_count(), p->p_nroutes);
	sup.s_phase = SUP_CONFIGURING;
	sup.s_nconnectors = d->d_nconnectors;
	sup_notify(0, "starting");
	return 0;
}

/* Fork+exec every worker; a failure stops the start-up. */
void
sup_spawn(void)
{
	int	 i;

	for (i = 0; i < proctab_count(); i++)
		if (proctab_spawn(proctab_get(i)) == -1) {
			sup_startup_failed();
			break;
		}
}

/* Hand every route's two ends to its two workers. */
void
sup_wire(void)
{
	int	 i;

	for (i = 0; i < proctab_count() && sup.s_phase == SUP_CONFIGURING;
	    i++)
		if (proctab_wire(proctab_get(i), 1) == -1)
			sup_startup_failed();
}

/* Push every worker its configuration (and listener). */
void
sup_configure(void)
{
	int	 i;

	for (i = 0; i < proctab_count() && sup.s_phase == SUP_CONFIGURING;
	    i++)
		if (proctab_configure(proctab_get(i)) == -1)
			sup_startup_failed();
}

/*
 * Start: once the last worker acknowledged its configuration, MSG_START
 * goes to the sinks, then to workers that are both, then to the sources,
 * each group when the one before runs (sup_check_ready, from the loop).
 */
void
sup_start(void)
{
	if (proctab_count() == (proctab_control() != NULL ? 1 : 0) +
	    (proctab_exporter() != NULL ? 1 : 0)) {
		log_warnx("nothing to run: no connector is connected");
		sup.s_phase = SUP_RUNNING;
		evtimer_del(sup.s_start_timer);
		sup_ready("running: no connector is connected");
	}
}

/* Run the loop until every worker is gone; the exit status. */
int
sup_loop(void)
{
	event_base_dispatch(sup.s_base);
	state_flush();
	return sup.s_status;
}

/* Release the table, the events and the control plane's state. */
void
sup_free(void)
{
	size_t	 i;

	state_free();
	proctab_free();
	rl_free();
	keys_free();
	if (sup.s_base != NULL) {
		resolve_free();
		for (i = 0; i < SUP_NSIGS; i++)
			event_free(sup.s_sigev[i]);
		event_free(sup.s_exit_timer);
		event_free(sup.s_drain_timer);
		if (sup.s_start_timer != NULL)
			event_free(sup.s_start_timer);
		if (sup.s_watchdog != NULL)
			event_free(sup.s_watchdog);
		event_base_free(sup.s_base);
	}
	ctl_sup_done();
	if (sup.s_ready_fd != -1)
		close(sup.s_ready_fd);
	memset(&sup, 0, sizeof(sup));
}
