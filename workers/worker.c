/* SPDX-License-Identifier: ISC */
/*
 * wsflow-worker: exec'd by wsflowd with its control channel on fd 3.
 * Reads its configuration and route descriptors, opens what it needs,
 * enters the sandbox, acknowledges, waits for start and runs the event
 * loop until told to drain (or the supervisor goes away).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "conntype.h"
#include "log.h"
#include "pipeline.h"
#include "khclient.h"
#include "worker.h"

/* What each connector type runs, by the types of common/conntype.h (every
 * type flagged CTF_WORKER has a row; its co_type is the table's name). */
static const struct conn_ops *const wk_types[CT_MAX] = {
	[CT_FILE] = &file_ops,
	[CT_STDIO] = &stdio_ops,
	[CT_CONTROL] = &control_ops,
	[CT_EXPORTER] = &exporter_ops,
	[CT_METRICS] = &metrics_ops,
	[CT_WS_SERVER] = &ws_server_ops,
	[CT_WS_CLIENT] = &ws_client_ops,
	[CT_KEYHOLDER] = &keyholder_ops,
};

static struct worker	 wk;

static void	wk_ctl_cb(struct proc_peer *, const struct proc_msg *, void *);

/* Find a route end by id. */
static struct wk_route *
wk_route_find(struct worker *w, uint32_t id, int end)
{
	int	 i;

	for (i = 0; i < w->w_nroutes; i++)
		if (w->w_routes[i].wr_id == id && w->w_routes[i].wr_end == end)
			return &w->w_routes[i];
	return NULL;
}

/* A free route slot: one a dropped route left, or a new one; NULL when
 * the table is full. */
static struct wk_route *
wk_route_slot(struct worker *w)
{
	int	 i;

	for (i = 0; i < w->w_nroutes; i++)
		if (w->w_routes[i].wr_end == 0)
			return &w->w_routes[i];
	if (w->w_nroutes == WK_MAX_ROUTES)
		return NULL;
	return &w->w_routes[w->w_nroutes++];
}

/* MSG_ROUTE_DROP: a reload removed the connector at the other end of an
 * incoming route, or the pipelines that led to an outgoing one; close it
 * (an outgoing one once its queue is written) and free its slot. */
static void
wk_route_drop(struct worker *w, const struct msg_route *mr)
{
	struct wk_route	*r;

	if ((r = wk_route_find(w, mr->mr_id, mr->mr_end)) == NULL)
		return;
	if (r->wr_end == ROUTE_OUT && r->wr_proc != NULL) {
		proc_close_write(r->wr_proc);
		if (proc_flush(r->wr_proc) == -1)
			log_warnx("route %u: flush failed", r->wr_id);
	}
	proc_peer_free(r->wr_proc);
	r->wr_proc = NULL;
	ev_route_settle(w, r);		/* its queue leaves the budget */
	mc_clear(&r->wr_mcache);
	memset(r, 0, sizeof(*r));
	log_info("route %u dropped", mr->mr_id);
	wk_check_drain(w);
}

/* Give the source a chance to continue once flow allows. */
static void
wk_kick(struct worker *w)
{
	if (w->w_life.lf_started && !w->w_life.lf_draining &&
	    w->w_ops->co_kick != NULL && ev_can_emit(w))
		w->w_ops->co_kick(w);
}

/* An outgoing route fell below its low watermark. */
static void
wk_route_drained(struct proc_peer *p, void *arg)
{
	(void)p;
	ev_route_settle(&wk, arg);
	wk_kick(&wk);
	wk_check_drain(&wk);
}

/* Messages on a route (events in, contraflow out) and its loss. */
static void
wk_route_cb(struct proc_peer *p, const struct proc_msg *m, void *arg)
{
	struct wk_route	*r = arg;

	if (m != NULL) {
		ev_route_msg(&wk, r, m);
		return;
	}
	/* What it never acknowledged is counted when it is wired again. */
	if (r->wr_end == ROUTE_OUT && proc_pending(p) > 0)
		log_warnx("route %u to connector %u lost: %zu bytes of "
		    "queued events not delivered", r->wr_id, r->wr_peer,
		    proc_pending(p));
	else if (!wk.w_life.lf_draining)
		log_info("route %u to connector %u closed: %s", r->wr_id,
		    r->wr_peer, proc_error(p));
	proc_peer_free(p);
	r->wr_proc = NULL;
	ev_route_settle(&wk, r);
	wk_check_drain(&wk);
}

/*
 * The sink cannot write for now: tell every upstream producer to pause
 * (contraflow on the same socketpair) and stop taking events, or resume.
 */
void
wk_pause_inputs(struct worker *w, int pause)
{
	struct wk_route	*r;
	int		 i;

	if (w->w_life.lf_inputs_paused == pause)
		return;
	w->w_life.lf_inputs_paused = pause;
	for (i = 0; i < w->w_nroutes; i++) {
		r = &w->w_routes[i];
		if (r->wr_end != ROUTE_IN || r->wr_proc == NULL)
			continue;
		if (proc_send(r->wr_proc, pause ? MSG_PAUSE : MSG_RESUME, -1,
		    NULL, 0) == -1)
			log_warn("route %u: %s", r->wr_id,
			    pause ? "pause" : "resume");
		proc_read_enable(r->wr_proc, !pause);
	}
	log_info("connector %s: %s upstream", w->w_name,
	    pause ? "pausing" : "resuming");
	if (!pause)
		ev_ack_flush(w, 0);	/* what was held is written now */
}

/*
 * Ask the supervisor to resolve host and service (a chrooted worker cannot
 * read resolv.conf); the answer reaches co_resolved with the same id.
 */
int
wk_resolve(struct worker *w, uint32_t id, int family, const char *host,
    const char *serv)
{
	struct msg_resolve_req	 q;

	if (proto_resolve_req(&q, id, family, host, serv) == -1)
		return -1;
	return proc_send(w->w_ctl, MSG_RESOLVE_REQ, -1, &q, sizeof(q));
}

/*
 * Before the sandbox, for a connector with one descriptor and one source
 * stream per connection: raise the soft descriptor limit toward the hard
 * one so that want connections fit beside WK_FD_RESERVE others, size the
 * stream table, and return how many connections there may be.  If the
 * hard limit is too low the connector runs with fewer (one warning): a
 * daemon started with a low limit keeps serving rather than failing.
 */
int
wk_conn_budget(struct worker *w, int want)
{
	struct rlimit	 rl;
	rlim_t		 need;
	int		 max = want;

	if (max < 1)
		max = 1;
	if (max > WK_MAX_CONNS)
		max = WK_MAX_CONNS;
	need = (rlim_t)max + WK_FD_RESERVE;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ?
		    need : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("connector %s: setrlimit", w->w_name);
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
		    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
			max = rl.rlim_cur > WK_FD_RESERVE + 1 ?
			    (int)(rl.rlim_cur - WK_FD_RESERVE) : 1;
			log_warnx("connector %s: the descriptor limit "
			    "(RLIMIT_NOFILE) is %llu, so at most %d "
			    "connections, not max_connections %d; raise the "
			    "hard limit (LimitNOFILE= for systemd) to %llu",
			    w->w_name, (unsigned long long)rl.rlim_cur, max,
			    want, (unsigned long long)need);
		}
	}
	w->w_smax = max;
	return max;
}

/* Check an answer from the supervisor before anyone uses it. */
static void
wk_resolved(struct worker *w, const struct proc_msg *m)
{
	struct msg_resolve_res	 res;
	uint32_t		 i;

	if (proc_get(m, &res, sizeof(res)) == -1 ||
	    res.ms_naddrs > PROTO_ADDRS_MAX)
		fatalx("bad resolve answer");
	for (i = 0; i < res.ms_naddrs; i++)
		if (res.ms_addrs[i].pa_len == 0 || res.ms_addrs[i].pa_len >
		    sizeof(res.ms_addrs[i].pa_addr))
			fatalx("bad address in resolve answer");
	if (w->w_ops != NULL && w->w_ops->co_resolved != NULL)
		w->w_ops->co_resolved(w, &res);
	else
		log_warnx("connector %s: unexpected resolve answer", w->w_name);
}

/*
 * Ask the supervisor to connect the unix_socket of this connector's
 * configuration (the worker cannot reach the file system); the answer
 * reaches co_dialled with the same id.
 */
int
wk_dial(struct worker *w, uint32_t id)
{
	struct msg_dial_req	 q;

	memset(&q, 0, sizeof(q));
	q.mdq_id = id;
	return proc_send(w->w_ctl, MSG_DIAL_REQ, -1, &q, sizeof(q));
}

/* The supervisor's answer to wk_dial: a descriptor or an errno. */
static void
wk_dialled(struct worker *w, const struct proc_msg *m)
{
	struct msg_dial_res	 res;

	if (proc_get(m, &res, sizeof(res)) == -1 ||
	    (res.mds_error == 0) != (m->pm_fd != -1))
		fatalx("bad dial answer");
	if (w->w_ops != NULL && w->w_ops->co_dialled != NULL)
		w->w_ops->co_dialled(w, &res, m->pm_fd);
	else {
		log_warnx("connector %s: unexpected dial answer", w->w_name);
		if (m->pm_fd != -1)
			close(m->pm_fd);
	}
}

/* Install (or replace, after a restart) one route end. */
static void
wk_route_add(struct worker *w, const struct msg_route *mr, int fd)
{
	struct wk_route	*r;
	char		 name[64];
	int		 i;

	if (mr->mr_end != ROUTE_OUT && mr->mr_end != ROUTE_IN)
		fatalx("route %u: bad end %u", mr->mr_id, mr->mr_end);
	if ((r = wk_route_find(w, mr->mr_id, mr->mr_end)) == NULL) {
		/* New after start: a reload connected a source to us, or
		 * wires what the pipelines of its MSG_PATH lead to. */
		if ((r = wk_route_slot(w)) == NULL)
			fatalx("route %u: too many routes", mr->mr_id);
		memset(r, 0, sizeof(*r));
		r->wr_id = mr->mr_id;
		r->wr_end = mr->mr_end;
		for (i = 0; i < w->w_nroutes - 1; i++)
			if (w->w_routes[i].wr_end == ROUTE_OUT &&
			    r->wr_end == ROUTE_OUT)
				r->wr_slot++;
	} else {
		/* acknowledgements the old consumer sent before it went */
		if (r->wr_proc != NULL && r->wr_end == ROUTE_OUT)
			proc_read_now(r->wr_proc);
		if (r->wr_proc != NULL && proc_pending(r->wr_proc) > 0)
			log_warnx("route %u re-wired: %zu bytes of queued "
			    "events not delivered", r->wr_id,
			    proc_pending(r->wr_proc));
		proc_peer_free(r->wr_proc);
		r->wr_proc = NULL;
		ev_route_settle(w, r);
		ev_route_rewired(w, r);
	}
	r->wr_peer = mr->mr_peer;
	r->wr_gen = mr->mr_generation;
	r->wr_paused = 0;
	snprintf(name, sizeof(name), "route %u", mr->mr_id);
	if ((r->wr_proc = proc_peer_new(w->w_base, fd, name, wk_route_cb, r))
	    == NULL)
		fatal("%s", __func__);
	if (r->wr_end == ROUTE_OUT)
		proc_set_watermarks(r->wr_proc, WK_ROUTE_LOW, WK_ROUTE_HIGH,
		    wk_route_drained, r);
	else if (w->w_life.lf_inputs_paused) {
		(void)proc_send(r->wr_proc, MSG_PAUSE, -1, NULL, 0);
		proc_read_enable(r->wr_proc, 0);
	} else if (!w->w_life.lf_started)
		proc_read_enable(r->wr_proc, 0);	/* events wait for start */
	if (r->wr_end == ROUTE_IN && w->w_life.lf_in_noread)
		proc_read_enable(r->wr_proc, 0);
	if (w->w_life.lf_started)
		log_info("route %u to connector %u re-wired (generation %u)",
		    r->wr_id, r->wr_peer, r->wr_gen);
	wk_kick(w);
}

/*
 * MSG_PATH: a reload changed the pipelines this worker evaluates (and so
 * its outputs and whether it sits on a route cycle), nothing else.  The
 * new keys replace the old in the configuration, which is checked again
 * as at start; the routes they name were sent before.  A path the
 * supervisor should never have sent is fatal.
 */
static void
wk_path(struct worker *w, const struct proc_msg *m)
{
	static const char *const keys[] = { "outputs", "pipelines",
	    "on_cycle" };
	struct json_object	*path = NULL, *conf, *v;
	char			 err[512];
	size_t			 i;

	if (ev_parse(m->pm_data, m->pm_len, &path) == -1 ||
	    !json_object_is_type(path, json_type_object))
		fatalx("path is not a JSON object");
	conf = json_object_new_object();
	json_object_object_foreach(w->w_conf, k, val)
		json_object_object_add(conf, k, json_object_get(val));
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!json_object_object_get_ex(path, keys[i], &v))
			fatalx("path without %s", keys[i]);
		json_object_object_add(conf, keys[i], json_object_get(v));
	}
	json_object_put(path);
	if (wconf_check(conf, err, sizeof(err)) == -1 ||
	    ev_path_set(w, conf, err, sizeof(err)) == -1)
		fatalx("path: %s", err);
	json_object_put(w->w_conf);
	w->w_conf = conf;
	w->w_life.lf_on_cycle = jg_bool(conf, "on_cycle", 0);
	log_info("connector %s: pipelines replaced by a reload", w->w_name);
	wk_kick(w);
}

/* The start failed: tell the supervisor why and exit. */
static void
wk_start_failed(struct worker *w, const char *err)
{
	(void)proc_send(w->w_ctl, MSG_FAILED, -1, err, strlen(err));
	(void)proc_flush(w->w_ctl);
	exit(1);
}

/* Config complete: check it against the contract (wconf.h), open
 * resources, enter the sandbox, acknowledge. */
static void
wk_configure(struct worker *w)
{
	struct msg_ready	 my;
	const char		*type, *name;
	char			 err[512], e[448];

	if (w->w_conf == NULL)
		fatalx("no configuration before end of configuration");
	if (wconf_check(w->w_conf, e, sizeof(e)) == -1) {
		snprintf(err, sizeof(err), "config: %s", e);
		wk_start_failed(w, err);
	}
	type = jg_str(w->w_conf, "type", NULL);
	name = jg_str(w->w_conf, "name", NULL);
	if (type == NULL || name == NULL)
		fatalx("configuration without type or name");
	(void)strlcpy(w->w_type, type, sizeof(w->w_type));
	(void)strlcpy(w->w_name, name, sizeof(w->w_name));
	if ((w->w_ct = conntype_by_name(type)) != NULL &&
	    (w->w_ops = wk_types[w->w_ct->ct_type]) != NULL &&
	    strcmp(w->w_ops->co_type, w->w_ct->ct_name) != 0)
		fatalx("connector type %s runs %s", type, w->w_ops->co_type);
	if (w->w_ct != NULL && (w->w_ct->ct_flags & CTF_TITLE_TYPE))
		snprintf(err, sizeof(err), "%s", type);
	else
		snprintf(err, sizeof(err), "%s %s", type, name);
	setproctitle("%s", err);
	w->w_cconf = jg_obj(jg_obj(w->w_conf, "connector"), "config");
	/* max_buffered (ws_server, ws_client); the default for the rest */
	budget_init(&w->w_budget, (size_t)jg_int(w->w_cconf, "max_buffered",
	    (int64_t)BUDGET_DEFAULT));
	w->w_restarts = jg_int(w->w_conf, "restarts", 0);
	w->w_life.lf_on_cycle = jg_bool(w->w_conf, "on_cycle", 0);
	err[0] = '\0';
	if (w->w_ops == NULL)
		snprintf(err, sizeof(err), "connector type %s is not "
		    "supported", type);
	else if (ev_setup(w, err, sizeof(err)) == -1)
		;
	else if (w->w_ops->co_setup != NULL &&
	    w->w_ops->co_setup(w, err, sizeof(err)) == -1)
		;
	else if (ev_streams_alloc(w) == -1)
		snprintf(err, sizeof(err), "out of memory for %d streams",
		    w->w_smax);
	else
		err[0] = '\0';
	if (err[0] != '\0')
		wk_start_failed(w, err);
	if (sandbox_enter(w->w_profile, WSFLOW_USER, WSFLOW_CHROOT, err,
	    sizeof(err)) == -1)
		wk_start_failed(w, err);
	log_info("connector %s: sandbox: %s", w->w_name, err);
	if (geteuid() == 0 || getuid() == 0)
		fatalx("still root after the sandbox; refusing to run");
	memset(&my, 0, sizeof(my));
	my.my_uid = getuid();
	my.my_euid = geteuid();
	w->w_life.lf_configured = 1;
	if (proc_send(w->w_ctl, MSG_READY, -1, &my, sizeof(my)) == -1)
		fatal("%s: send", __func__);
}

/* Half-close every outgoing route once its queue is written; with wait,
 * block until it is. */
static void
wk_close_outputs(struct worker *w, int wait)
{
	int	 i;

	for (i = 0; i < w->w_nroutes; i++) {
		if (w->w_routes[i].wr_end != ROUTE_OUT ||
		    w->w_routes[i].wr_proc == NULL)
			continue;
		proc_close_write(w->w_routes[i].wr_proc);
		if (wait && proc_flush(w->w_routes[i].wr_proc) == -1)
			log_warnx("route %u: flush failed", w->w_routes[i].wr_id);
	}
}

/*
 * Graceful stop on a route cycle: waiting for the incoming routes first
 * would wait forever (the peers wait for us).  A connector whose source
 * is external stops reading it and closes its outgoing routes now, so the
 * sink-driven peers (ws_client) drain, close their routes back to us and
 * let our drain finish.  The queues are written from the event loop: a
 * blocking flush could wait on a peer that waits on us.
 */
static void
wk_drain_cycle(struct worker *w)
{
	if (!w->w_life.lf_on_cycle || w->w_ops == NULL ||
	    (w->w_ct->ct_flags & CTF_SINK_DRIVEN))
		return;
	if (w->w_ops->co_stop_source != NULL)
		w->w_ops->co_stop_source(w);
	wk_close_outputs(w, 0);
	log_info("connector %s: on a route cycle: source stopped, outgoing "
	    "routes closed", w->w_name);
}

/* Drain finished?  Then flush routes, sync, report and exit. */
void
wk_check_drain(struct worker *w)
{
	struct msg_drained	 md;
	int			 i;

	if (!w->w_life.lf_draining)
		return;
	for (i = 0; i < w->w_nroutes; i++)
		if (w->w_routes[i].wr_end == ROUTE_IN &&
		    w->w_routes[i].wr_proc != NULL)
			return;		/* upstream still sending */
	if (w->w_ops != NULL && w->w_ops->co_drain != NULL &&
	    w->w_ops->co_drain(w))
		return;		/* the connector still closes connections */
	wk_close_outputs(w, 1);
	if (w->w_ops != NULL && w->w_ops->co_finish != NULL)
		w->w_ops->co_finish(w);
	memset(&md, 0, sizeof(md));
	md.md_events_in = w->w_cnt.cn_events_in;
	md.md_events_out = w->w_cnt.cn_events_out;
	md.md_dropped = w->w_cnt.cn_dropped;
	log_debug("connector %s: drained: %llu in, %llu out, %llu dropped",
	    w->w_name, (unsigned long long)w->w_cnt.cn_events_in,
	    (unsigned long long)w->w_cnt.cn_events_out,
	    (unsigned long long)w->w_cnt.cn_dropped);
	if (proc_send(w->w_ctl, MSG_DRAINED, -1, &md, sizeof(md)) == 0)
		(void)proc_flush(w->w_ctl);
	event_base_loopexit(w->w_base, NULL);
}

/* Whether this worker was configured as the keyholder (its messages
 * come before its set-up). */
static int
wk_is_keyholder(struct worker *w)
{
	const char	*type = jg_str(w->w_conf, "type", NULL);

	return type != NULL &&
	    strcmp(type, conntype_name(CT_KEYHOLDER)) == 0;
}

/* MSG_TLS_CHAIN: the certificate chain of this connector's key (kept for
 * set-up; after it, the connector takes it for new connections). */
static void
wk_tls_chain(struct worker *w, const struct proc_msg *m)
{
	char	*pem;

	if (m->pm_fd != -1 || m->pm_len == 0 || m->pm_len > PROTO_CHAIN_MAX)
		fatalx("bad certificate chain message");
	if ((pem = malloc(m->pm_len)) == NULL)
		fatal("%s", __func__);
	memcpy(pem, m->pm_data, m->pm_len);
	free(w->w_chain);
	w->w_chain = pem;
	w->w_chain_len = m->pm_len;
	if (w->w_life.lf_configured && w->w_ops != NULL) {
		if (w->w_ops->co_tls_chain != NULL)
			w->w_ops->co_tls_chain(w);
		else
			log_warnx("connector %s: a certificate chain it does "
			    "not use", w->w_name);
	}
}

/* Control messages from the supervisor; anything unexpected is fatal. */
static void
wk_ctl_cb(struct proc_peer *p, const struct proc_msg *m, void *arg)
{
	struct worker		*w = arg;
	struct msg_route	 mr;
	int32_t			 v;
	int			 i;

	if (m == NULL) {
		/* The supervisor is gone: nothing sensible is left to do. */
		log_warnx("control channel: %s", proc_error(p));
		if (w->w_ops != NULL && w->w_ops->co_finish != NULL)
			w->w_ops->co_finish(w);
		exit(0);
	}
	switch (m->pm_type) {
	case MSG_CONFIG:
		if (w->w_conf != NULL || m->pm_len == 0)
			fatalx("unexpected configuration");
		if (ev_parse(m->pm_data, m->pm_len, &w->w_conf) == -1 ||
		    !json_object_is_type(w->w_conf, json_type_object))
			fatalx("configuration is not a JSON object");
		log_setverbose(jg_int(w->w_conf, "verbose", 0));
		break;
	case MSG_ROUTE:
		if (m->pm_fd == -1 || proc_get(m, &mr, sizeof(mr)) == -1)
			fatalx("bad route message");
		wk_route_add(w, &mr, m->pm_fd);
		break;
	case MSG_ROUTE_DROP:
		if (m->pm_fd != -1 || proc_get(m, &mr, sizeof(mr)) == -1)
			fatalx("bad route drop message");
		wk_route_drop(w, &mr);
		break;
	case MSG_PATH:
		if (!w->w_life.lf_configured || m->pm_fd != -1)
			fatalx("unexpected path");
		wk_path(w, m);
		break;
	case MSG_CONFIG_END:
		if (w->w_life.lf_configured)
			fatalx("configured twice");
		wk_configure(w);
		break;
	case MSG_START:
		if (!w->w_life.lf_configured || w->w_life.lf_started)
			fatalx("unexpected start");
		w->w_life.lf_started = 1;
		for (i = 0; i < w->w_nroutes; i++)
			if (w->w_routes[i].wr_end == ROUTE_IN &&
			    w->w_routes[i].wr_proc != NULL &&
			    !w->w_life.lf_inputs_paused)
				proc_read_enable(w->w_routes[i].wr_proc, 1);
		if (proc_send(p, MSG_STARTED, -1, NULL, 0) == -1)
			fatal("%s: send", __func__);
		if (ev_has_output(w) && w->w_ops->co_start != NULL)
			w->w_ops->co_start(w);
		break;
	case MSG_DRAIN:
		if (w->w_life.lf_draining)
			break;
		w->w_life.lf_draining = 1;
		/* Never started: still take what upstream already sent. */
		for (i = 0; w->w_life.lf_configured && !w->w_life.lf_started &&
		    i < w->w_nroutes; i++)
			if (w->w_routes[i].wr_end == ROUTE_IN &&
			    w->w_routes[i].wr_proc != NULL)
				proc_read_enable(w->w_routes[i].wr_proc, 1);
		if (w->w_ops != NULL && w->w_ops->co_stop != NULL)
			w->w_ops->co_stop(w);
		wk_drain_cycle(w);
		wk_check_drain(w);
		break;
	case MSG_VERBOSE:
		if (proc_get(m, &v, sizeof(v)) == -1)
			fatalx("bad verbose message");
		log_setverbose(v);
		break;
	case MSG_LISTEN:
		/* A listening socket bound by the supervisor (ws_server,
		 * control). */
		if (m->pm_fd == -1 || w->w_life.lf_configured)
			fatalx("bad listen message");
		if (w->w_listen_fd != -1)
			close(w->w_listen_fd);
		w->w_listen_fd = m->pm_fd;
		break;
	case MSG_RESOLVE_RES:
		wk_resolved(w, m);
		break;
	case MSG_DIAL_RES:
		wk_dialled(w, m);
		break;
	case MSG_STATS_REQ:
		ctl_stats_answer(w, m);
		break;
	case MSG_CTL_RES:
		ctl_reply(w, m);
		break;
	case MSG_METRICS_RES:
		if (w->w_ops == NULL || w->w_ops->co_metrics_res == NULL)
			fatalx("unexpected metrics reply");
		w->w_ops->co_metrics_res(w, m);
		break;
	case MSG_CTL_CLIENT:
		ctl_client_new(w, m);
		break;
	case MSG_KH_CHANNEL:
		if (m->pm_fd == -1 || m->pm_len != 0)
			fatalx("bad keyholder channel");
		khc_set_channel(m->pm_fd);
		break;
	case MSG_TLS_CHAIN:
		wk_tls_chain(w, m);
		break;
	case MSG_KH_KEY:
	case MSG_KH_PEER:
	case MSG_KH_FORGET:
		if (!wk_is_keyholder(w))
			fatalx("control channel: unexpected %s",
			    proto_msg_name(m->pm_type));
		if (m->pm_type == MSG_KH_KEY)
			kh_key_msg(w, m);
		else if (m->pm_type == MSG_KH_PEER)
			kh_peer_msg(w, m);
		else
			kh_forget_msg(w, m);
		break;
	default:
		fatalx("control channel: unexpected %s",
		    proto_msg_name(m->pm_type));
	}
}

/* libevent's own complaints go to our log, at debug level. */
static void
wk_event_log(int sev, const char *msg)
{
	if (sev >= EVENT_LOG_WARN)
		log_debug("libevent: %s", msg);
}

/* Stop immediately on SIGTERM: what is written is written. */
static void
wk_sigterm(evutil_socket_t sig, short ev, void *arg)
{
	(void)sig;
	(void)ev;
	(void)arg;
	_exit(0);
}

int
main(int argc, char *argv[], char *envp[])
{
	struct msg_hello	 mh;
	struct event		*sigev;
	struct event_config	*ecfg;
	int			 ch, verbose = 0, relay = 0, info = 0;
	uint32_t		 id = 0;
	const char		*errstr;

	setproctitle_init(argc, argv, envp);
	log_init(LOG_WORKER_NAME, 0);
#ifdef M_MMAP_THRESHOLD
	/*
	 * Peers' big buffers (messages being reassembled, queued output)
	 * go back to the system when freed: a fixed threshold, as glibc
	 * otherwise raises it to each freed size (up to 32 MiB) and serves
	 * later ones from a heap that keeps what it once held (max_buffered
	 * counts bytes, not heaps).  Not lower: below it buffers are reused
	 * without page faults (256 KiB made 1 MiB JSON echoes 4x slower).
	 * A fixed threshold also fixes the heap's trim threshold at
	 * 128 KiB: a queue of a few hundred KiB drained (a ws_client's
	 * output in S5) gave its pages back and faulted them in again
	 * hundreds of times a second, a TLB flush each; the heap's top
	 * may keep as much as one buffer below the threshold.
	 */
	(void)mallopt(M_MMAP_THRESHOLD, WK_MMAP_THRESHOLD);
#endif
#ifdef M_TRIM_THRESHOLD
	(void)mallopt(M_TRIM_THRESHOLD, WK_MMAP_THRESHOLD);
#endif
	proc_set_msg_name(proto_msg_name);
	while ((ch = getopt(argc, argv, "i:lSv")) != -1) {
		switch (ch) {
		case 'i':
			id = strtonum(optarg, 0, UINT32_MAX, &errstr);
			if (errstr != NULL)
				fatalx("connector id %s: %s", optarg, errstr);
			break;
		case 'l':
			/* stderr is the supervisor's pipe: it logs for us */
			relay = 1;
			break;
		case 'S':
			/* the daemon logs to syslog: info lines too */
			info = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			fatalx("usage: wsflow-worker [-lSv] -i id "
			    "(run by wsflowd only)");
		}
	}
	log_setverbose(verbose);
	if (fcntl(PROTO_CONTROL_FD, F_GETFD) == -1)
		fatalx("no control channel on fd %d: run by wsflowd only",
		    PROTO_CONTROL_FD);
	if (relay)
		log_relay(info);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);	/* the supervisor decides */
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	wk.w_id = id;
	wk.w_listen_fd = -1;
	event_set_log_callback(wk_event_log);
	/*
	 * epoll with a changelist: the event changes of one loop turn (a
	 * write event armed and dropped again) reach the kernel as one
	 * epoll_ctl or none.  Its hazard is a descriptor and a dup() of it
	 * in the same process: workers never dup, every route end or socket
	 * received with SCM_RIGHTS is a socket of its own, and events are
	 * freed before their descriptor is closed.
	 */
	if ((ecfg = event_config_new()) == NULL)
		fatalx("event_config_new");
	event_config_set_flag(ecfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	wk.w_base = event_base_new_with_config(ecfg);
	event_config_free(ecfg);
	if (wk.w_base == NULL)
		fatalx("event_base_new");
	sigev = evsignal_new(wk.w_base, SIGTERM, wk_sigterm, NULL);
	if (sigev == NULL || evsignal_add(sigev, NULL) == -1)
		fatalx("signal event");
	wk.w_ctl = proc_peer_new(wk.w_base, PROTO_CONTROL_FD, "control",
	    wk_ctl_cb, &wk);
	if (wk.w_ctl == NULL)
		fatal("control channel");
	memset(&mh, 0, sizeof(mh));
	mh.mh_version = WSFLOW_PROTO_VERSION;
	mh.mh_id = id;
	if (proc_send(wk.w_ctl, MSG_HELLO, -1, &mh, sizeof(mh)) == -1)
		fatal("send hello");
	event_base_dispatch(wk.w_base);
	ev_teardown(&wk);
	event_free(sigev);
	proc_peer_free(wk.w_ctl);
	json_object_put(wk.w_conf);
	free(wk.w_chain);
	event_base_free(wk.w_base);
	exit(0);
}
