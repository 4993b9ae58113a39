/* SPDX-License-Identifier: ISC */
/*
 * Reload (SIGHUP, wsflowctl reload): the configuration the supervisor
 * runs, and replacing it without a restart.  This file owns the current
 * deployment and route plan (and the previous ones while the workers a
 * reload retired still drain).
 *
 * A reload reads and checks every file as a start does; any error leaves
 * everything running as it was.  Otherwise rdiff.c decides, connector by
 * connector, what is kept, replaced, started and stopped, and the switch
 * happens in this order, so that nothing stops before what replaces it
 * runs:
 *  1. new and replacing workers are added to the table (a replacing
 *     listener takes over its predecessor's listening socket), spawned,
 *     wired (a kept worker gets the new ends of routes to and from new
 *     workers, MSG_ROUTE) and configured; they start once ready;
 *  2. once all of them run, the retired (replaced and removed) workers
 *     drain: their clients get 1001, bounded by the drain timeout;
 *  3. once those are gone, kept workers forget the incoming routes whose
 *     source is gone (MSG_ROUTE_DROP), the old configuration is freed,
 *     systemd hears READY=1 and wsflowctl its answer.
 * A new worker that fails before step 2 undoes the reload (rl_undo): the
 * old workers never stopped, so they take their connectors back.  So
 * does step 1 taking longer than wsflowd -t (the start-up bound): the
 * new workers that have not started are killed.  A new
 * worker with a private key counts as running once the keyholder has
 * taken its key too (keys.c); a key it refuses undoes the reload, and a
 * retired worker's key is forgotten once the worker is gone.
 * A second reload while one is in progress is refused.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "load.h"
#include "log.h"
#include "proc.h"
#include "sup.h"

#define RL_ERR_MAX	2048	/* the error text wsflowctl is sent */

enum rl_stage {
	RL_IDLE,
	RL_STARTING,		/* new workers on their way */
	RL_DRAINING,		/* retired workers draining */
};

/* A kept worker's incoming route whose source was retired. */
struct rl_drop {
	struct sup_worker	*rd_sw;
	uint32_t		 rd_route;
};

static struct {
	const struct sup_opts	*r_opts;
	const struct rl_ops	*r_ops;
	struct event		*r_timer;	/* bounds the drain */
	struct event		*r_start_timer;	/* bounds step 1 (-t) */
	struct deployment	*r_dep;		/* running */
	struct plan		 r_plan;
	struct deployment	*r_old_dep;	/* until the retired are gone */
	struct plan		 r_old_plan;
	enum rl_stage		 r_stage;
	int			 r_client;	/* wsflowctl's, -1: SIGHUP */
	int			 r_next_id;	/* worker ids never used */
	uint32_t		 r_next_route;	/* route ids never used */
	struct rdiff		 r_diff;
	struct rl_drop		*r_drops;	/* incoming ends, at the end */
	int			 r_ndrops;
	struct rl_drop		*r_outdrops;	/* outgoing ends, with MSG_PATH */
	int			 r_noutdrops;
	uint32_t		 r_route_base;	/* route ids from here are new */
	struct sup_worker	**r_kept;	/* per new connector, or NULL */
	int			 r_nkept;
	char			 r_failed[512];	/* why the reload was undone */
} rl;

static void	rl_timeout(evutil_socket_t, short, void *);
static void	rl_start_timeout(evutil_socket_t, short, void *);

/* The deployment and plan running (the control plane's view). */
struct deployment *
rl_dep(void)
{
	return rl.r_dep;
}

/* The running route plan. */
struct plan *
rl_plan(void)
{
	return &rl.r_plan;
}

/* Take the configuration a start loaded (ownership of d and *p). */
void
rl_init(const struct sup_opts *o, const struct rl_ops *ops,
    struct event_base *base, struct deployment *d, struct plan *p)
{
	memset(&rl, 0, sizeof(rl));
	rl.r_opts = o;
	rl.r_ops = ops;
	rl.r_dep = d;
	rl.r_plan = *p;
	memset(p, 0, sizeof(*p));
	rl.r_client = -1;
	/* Ids 0..n-1 are the connectors', n the control worker's. */
	rl.r_next_id = SUP_ID_FREE(d->d_nconnectors);
	rl.r_next_route = rl.r_plan.p_nroutes;
	if ((rl.r_timer = evtimer_new(base, rl_timeout, NULL)) == NULL ||
	    (rl.r_start_timer = evtimer_new(base, rl_start_timeout,
	    NULL)) == NULL)
		fatalx("%s: evtimer_new", __func__);
}

/* Free both configurations. */
void
rl_free(void)
{
	if (rl.r_timer != NULL)
		event_free(rl.r_timer);
	if (rl.r_start_timer != NULL)
		event_free(rl.r_start_timer);
	route_plan_free(&rl.r_plan);
	deploy_free(rl.r_dep);
	route_plan_free(&rl.r_old_plan);
	deploy_free(rl.r_old_dep);
	rdiff_free(&rl.r_diff);
	free(rl.r_drops);
	free(rl.r_outdrops);
	free(rl.r_kept);
	memset(&rl, 0, sizeof(rl));
}

/* Tell whoever asked how it went (wsflowctl, or the log for SIGHUP). */
static void
rl_answer(int ok, const char *text)
{
	if (ok)
		log_info("%s", text);
	if (rl.r_client >= 0)
		ctl_sup_reloaded((uint32_t)rl.r_client, ok, text, ok ?
		    &rl.r_diff : NULL);
	rl.r_client = -1;
}

/* The reload failed before anything changed: log every line of why. */
static void
rl_refuse(const char *why)
{
	char		 line[512];
	const char	*p, *e;

	for (p = why; *p != '\0'; p = *e != '\0' ? e + 1 : e) {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		if (e > p) {
			snprintf(line, sizeof(line), "%.*s", (int)(e - p), p);
			log_warnx("reload failed: %s", line);
		}
	}
	log_warnx("reload failed; still running the previous configuration");
	rl_answer(0, why);
	rl.r_ops->ro_done(0);
}

/* Load and check the files as a start does; the diagnostics (every
 * "file:line:col: message" with its source line) into text. */
static struct deployment *
rl_load(char *text, size_t len)
{
	struct deployment	*d;
	char			*buf = NULL;
	size_t			 blen = 0;
	FILE			*fp;

	text[0] = '\0';
	if ((fp = open_memstream(&buf, &blen)) == NULL) {
		snprintf(text, len, "out of memory");
		return NULL;
	}
	d = deploy_load((char **)(uintptr_t)rl.r_opts->so_files,
	    rl.r_opts->so_nfiles, (char **)(uintptr_t)rl.r_opts->so_defines,
	    rl.r_opts->so_ndefines, fp);
	if (fclose(fp) == 0 && buf != NULL)
		(void)strlcpy(text, buf, len);
	free(buf);
	/* The last diagnostic's newline is no part of the answer. */
	while ((blen = strlen(text)) > 0 && text[blen - 1] == '\n')
		text[blen - 1] = '\0';
	if (d == NULL && text[0] == '\0')
		snprintf(text, len, "the configuration cannot be loaded");
	return d;
}

/*
 * Which worker the new connector i will be: ids (a kept worker's own id,
 * a fresh one for a new worker, -1 for none) and kept (the kept entry).
 * A kept connector whose worker is missing from the table (never
 * happens) is replaced instead.
 */
static void
rl_assign(const struct deployment *nd, int *ids, struct sup_worker **kept)
{
	struct rdiff	*rd = &rl.r_diff;
	int		 i;

	for (i = 0; i < nd->d_nconnectors; i++) {
		kept[i] = NULL;
		ids[i] = -1;
		if (RDIFF_KEPT(rd->rd_new[i]) &&
		    (kept[i] = proctab_find(rd->rd_match[i])) == NULL) {
			if (rd->rd_new[i] == RDIFF_REPATH)
				rd->rd_repathed--;
			rd->rd_new[i] = rd->rd_old[rd->rd_match[i]] =
			    RDIFF_REPLACE;
			rd->rd_kept--;
			rd->rd_replaced++;
		}
		if (kept[i] != NULL)
			ids[i] = kept[i]->sw_id;
		else if (rd->rd_new[i] != RDIFF_NONE)
			ids[i] = rl.r_next_id++;
	}
}

/* Whether plan p has a route with id. */
static int
rl_has_route(const struct plan *p, uint32_t id)
{
	int	 i;

	for (i = 0; i < p->p_nroutes; i++)
		if (p->p_routes[i].rt_id == id)
			return 1;
	return 0;
}

/*
 * Routes of the old plan that the new plan np has not (a kept route keeps
 * its id): a kept worker at their end forgets them, the source's end with
 * its new pipelines (MSG_PATH), the sink's end once the retired are gone.
 * -1 out of memory.
 */
static int
rl_plan_drops(const struct plan *np)
{
	const struct route	*rt;
	struct sup_worker	*sw;
	int			 i;

	free(rl.r_drops);
	free(rl.r_outdrops);
	rl.r_ndrops = rl.r_noutdrops = 0;
	rl.r_outdrops = NULL;
	if ((rl.r_drops = calloc(rl.r_plan.p_nroutes + 1,
	    sizeof(*rl.r_drops))) == NULL ||
	    (rl.r_outdrops = calloc(rl.r_plan.p_nroutes + 1,
	    sizeof(*rl.r_outdrops))) == NULL)
		return -1;
	for (i = 0; i < rl.r_plan.p_nroutes; i++) {
		rt = &rl.r_plan.p_routes[i];
		if (rl_has_route(np, rt->rt_id))
			continue;
		if (RDIFF_KEPT(rl.r_diff.rd_old[rt->rt_dst]) &&
		    (sw = proctab_find(rt->rt_dst)) != NULL) {
			rl.r_drops[rl.r_ndrops].rd_sw = sw;
			rl.r_drops[rl.r_ndrops++].rd_route = rt->rt_id;
		}
		if (RDIFF_KEPT(rl.r_diff.rd_old[rt->rt_src]) &&
		    (sw = proctab_find(rt->rt_src)) != NULL) {
			rl.r_outdrops[rl.r_noutdrops].rd_sw = sw;
			rl.r_outdrops[rl.r_noutdrops++].rd_route = rt->rt_id;
		}
	}
	return 0;
}

/* Drop sw from the table for good: a worker a reload retired (or an
 * undone reload added) is gone, and the keyholder forgets its key. */
static void
rl_remove(struct sup_worker *sw)
{
	keys_forget(sw);
	proctab_remove(sw);
}

/*
 * The fallible part of the switch: retire the replaced and removed
 * workers, add the new ones and give listeners their sockets.  On
 * failure everything is put back and -1 returned with err.
 */
static int
rl_prepare(struct deployment *nd, struct plan *np, const int *ids,
    char *err, size_t errlen)
{
	struct sup_worker	*sw;
	char			 e[256];
	int			 i, n0 = proctab_count();

	for (i = 0; i < rl.r_dep->d_nconnectors; i++)
		if ((rl.r_diff.rd_old[i] == RDIFF_REPLACE ||
		    rl.r_diff.rd_old[i] == RDIFF_STOP) &&
		    (sw = proctab_find(i)) != NULL)
			proctab_retire(sw);
	for (i = 0; i < nd->d_nconnectors; i++) {
		if (rl.r_diff.rd_new[i] != RDIFF_START &&
		    rl.r_diff.rd_new[i] != RDIFF_REPLACE)
			continue;
		sw = proctab_add(ids[i], i, &nd->d_connectors[i], np);
		state_load(sw);
		sw->sw_pending = 1;
		sw->sw_fresh = 1;
		if (proctab_listen(sw, e, sizeof(e)) == -1 ||
		    hdrfile_resolve(np->p_conf[i], e, sizeof(e)) == -1 ||
		    keys_add(sw, e, sizeof(e)) == -1) {
			snprintf(err, errlen, "connector %s: %s",
			    sw->sw_dc->dc_name, e);
			goto fail;
		}
	}
	return 0;
fail:
	/* Undo: the new entries go, the retired come back. */
	while (proctab_count() > n0) {
		sw = proctab_get(proctab_count() - 1);
		proctab_unlisten(sw);
		rl_remove(sw);
	}
	for (i = 0; i < proctab_count(); i++) {
		sw = proctab_get(i);
		if (sw->sw_retired && sw->sw_ridx >= 0) {
			sw->sw_retired = 0;
			sw->sw_idx = sw->sw_ridx;
		}
	}
	return -1;
}

/* Start the new workers: spawn, wire the routes that touch them, give
 * the keyholder their keys, configure.  A worker that cannot be spawned
 * undoes the reload; one that cannot be configured is killed, which
 * undoes it too. */
static void
rl_spawn(void)
{
	struct sup_worker	*sw, *src, *dst;
	struct route		*rt;
	char			 why[256];
	int			 i;

	for (i = 0; i < proctab_count(); i++) {
		sw = proctab_get(i);
		if (sw->sw_pending && proctab_spawn(sw) == -1)
			rl_new_failed(sw, "cannot start its worker");
	}
	for (i = 0; i < rl.r_plan.p_nroutes; i++) {
		rt = &rl.r_plan.p_routes[i];
		src = proctab_find(rt->rt_src);
		dst = proctab_find(rt->rt_dst);
		/* New workers' routes, and new ones between kept workers
		 * (where new pipelines lead). */
		if (src == NULL || dst == NULL || (!src->sw_pending &&
		    !dst->sw_pending && rt->rt_id < rl.r_route_base))
			continue;
		(void)proctab_wire_route(rt, rt->rt_id < rl.r_route_base);
	}
	/* Before their channels to the keyholder (keys_configure), so
	 * that it has the key when the first handshake asks. */
	if (keys_send_new(&sw, why, sizeof(why)) == -1)
		rl_new_failed(sw, why);
	for (i = 0; i < proctab_count(); i++) {
		sw = proctab_get(i);
		if (sw->sw_pending && sw->sw_peer != NULL &&
		    proctab_configure(sw) == -1)
			(void)kill(sw->sw_pid, SIGKILL);
	}
}

/* What a start would fail on that troy cannot see (pf_check), into
 * text; -1 if anything is. */
static int
rl_preflight(const struct deployment *d, char *text, size_t len)
{
	FILE	*fp;
	int	 rc;

	if ((fp = fmemopen(text, len, "w")) == NULL) {
		snprintf(text, len, "%s: %s", __func__, strerror(errno));
		return -1;
	}
	rc = pf_check(d, fp, 0);
	fclose(fp);
	return rc;
}

/* Begin a reload for wsflowctl client (-1: SIGHUP); see the top. */
void
rl_begin(int client)
{
	struct deployment	*nd;
	struct sup_worker	**kept = NULL;
	struct plan		 np;
	struct timeval		 tv;
	char			*text;
	int			*ids = NULL, i, old_exit;

	if (rl.r_stage != RL_IDLE) {
		log_warnx("reload refused: a reload is in progress");
		if (client >= 0)
			ctl_sup_reloaded((uint32_t)client, 0, "a reload is in "
			    "progress; try again when it is done", NULL);
		return;
	}
	rl.r_client = client;
	rl.r_failed[0] = '\0';
	rl.r_ops->ro_begin();
	log_info("reloading %s%s", rl.r_opts->so_files[0],
	    rl.r_opts->so_nfiles > 1 ? " ..." : "");
	memset(&np, 0, sizeof(np));
	if ((text = calloc(1, RL_ERR_MAX)) == NULL)
		fatal("%s", __func__);
	if ((nd = rl_load(text, RL_ERR_MAX)) == NULL)
		goto refuse;
	if (route_plan(nd, &np, text, RL_ERR_MAX) == -1 ||
	    rl_preflight(nd, text, RL_ERR_MAX) == -1)
		goto refuse;
	rdiff_free(&rl.r_diff);
	if (rdiff_compare(rl.r_dep, &rl.r_plan, nd, &np, &rl.r_diff) == -1 ||
	    (ids = calloc(nd->d_nconnectors + 1, sizeof(*ids))) == NULL ||
	    (kept = calloc(nd->d_nconnectors + 1, sizeof(*kept))) == NULL) {
		snprintf(text, RL_ERR_MAX, "out of memory");
		goto refuse;
	}
	rl_assign(nd, ids, kept);
	rl.r_route_base = rl.r_next_route;
	if (rdiff_renumber(rl.r_dep, &rl.r_plan, nd, &np, &rl.r_diff, ids,
	    &rl.r_next_route) == -1 || rl_plan_drops(&np) == -1) {
		snprintf(text, RL_ERR_MAX, "out of memory");
		goto refuse;
	}
	if (rl_prepare(nd, &np, ids, text, RL_ERR_MAX) == -1)
		goto refuse;

	/* Committed: from here on the new configuration is the one. */
	for (i = 0; i < nd->d_nconnectors; i++) {
		if (kept[i] == NULL)
			continue;
		/* Until it has its new pipelines it may still ask for the
		 * exit its old ones reach. */
		old_exit = kept[i]->sw_exit;
		proctab_adopt(kept[i], i, &nd->d_connectors[i], &np);
		if (rl.r_diff.rd_new[i] == RDIFF_REPATH)
			kept[i]->sw_exit |= old_exit;
	}
	/* Certificate rotation: kept connectors' chains and keys read again
	 * (new connections get them, open ones keep theirs). */
	(void)keys_reload();
	rl.r_old_dep = rl.r_dep;
	rl.r_old_plan = rl.r_plan;
	rl.r_dep = nd;
	rl.r_plan = np;
	proctab_set_plan(&rl.r_plan);
	ctl_sup_update(rl.r_dep, &rl.r_plan);
	rl.r_ops->ro_update(rl.r_dep);
	log_info("reload: %d kept (%d with new pipelines), %d started, "
	    "%d replaced, %d stopped", rl.r_diff.rd_kept,
	    rl.r_diff.rd_repathed, rl.r_diff.rd_started,
	    rl.r_diff.rd_replaced, rl.r_diff.rd_stopped);
	rl.r_stage = RL_STARTING;
	if (rl.r_opts->so_start_secs > 0) {
		tv.tv_sec = rl.r_opts->so_start_secs;
		tv.tv_usec = 0;
		evtimer_add(rl.r_start_timer, &tv);
	}
	free(rl.r_kept);
	rl.r_kept = kept;
	rl.r_nkept = nd->d_nconnectors;
	rl_spawn();
	free(ids);
	free(text);
	rl_check();
	return;
refuse:
	route_plan_free(&np);
	deploy_free(nd);
	free(ids);
	free(kept);
	rl_refuse(text);
	free(text);
}

/* Every retired worker still alive. */
static int
rl_retired_alive(void)
{
	struct sup_worker	*sw;
	int			 i, n = 0;

	for (i = 0; i < proctab_count(); i++) {
		sw = proctab_get(i);
		if (sw->sw_retired && proctab_alive(sw))
			n++;
	}
	return n;
}

/* The retired are gone: forget their routes and the old configuration,
 * and answer. */
static void
rl_finish(void)
{
	struct sup_worker	*sw;
	char			 text[256];
	int			 i;

	evtimer_del(rl.r_timer);
	for (i = proctab_count() - 1; i >= 0; i--) {
		sw = proctab_get(i);
		sw->sw_fresh = 0;
		if (sw->sw_retired && !proctab_alive(sw))
			rl_remove(sw);
	}
	for (i = 0; i < rl.r_ndrops; i++)
		proctab_drop_route(rl.r_drops[i].rd_sw,
		    rl.r_drops[i].rd_route, ROUTE_IN);
	free(rl.r_drops);
	rl.r_drops = NULL;
	rl.r_ndrops = 0;
	route_plan_free(&rl.r_old_plan);
	deploy_free(rl.r_old_dep);
	rl.r_old_dep = NULL;
	rl.r_stage = RL_IDLE;
	snprintf(text, sizeof(text), "reloaded: %d kept, %d started, "
	    "%d replaced, %d stopped%s", rl.r_diff.rd_kept,
	    rl.r_diff.rd_started, rl.r_diff.rd_replaced,
	    rl.r_diff.rd_stopped, rl.r_diff.rd_repathed > 0 ?
	    "; new pipelines in kept workers" : "");
	if (rl.r_failed[0] != '\0') {
		log_warnx("reload: %s", rl.r_failed);
		rl_answer(0, rl.r_failed);
	} else
		rl_answer(1, text);
	rl.r_ops->ro_done(1);
}

/*
 * Every new worker runs: kept workers whose pipelines changed take them
 * now (MSG_PATH; the routes they lead to were wired with the new
 * workers), then close the routes their old pipelines used.  From here
 * on the reload is not undone.
 */
static void
rl_paths(void)
{
	struct json_object	*path;
	struct sup_worker	*sw;
	const char		*s;
	size_t			 len;
	int			 i, k;

	for (i = 0; i < rl.r_nkept; i++) {
		if ((sw = rl.r_kept[i]) == NULL ||
		    rl.r_diff.rd_new[i] != RDIFF_REPATH || sw->sw_peer == NULL)
			continue;
		path = json_object_new_object();
		for (k = 0; k < 3; k++) {
			static const char *const keys[] = { "outputs",
			    "pipelines", "on_cycle" };

			json_object_object_add(path, keys[k], json_object_get(
			    json_object_object_get(sw->sw_conf, keys[k])));
		}
		s = json_object_to_json_string_length(path,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		    &len);
		if (proc_send(sw->sw_peer, MSG_PATH, -1, s, len) == -1)
			log_warn("connector %s: pipelines", sw->sw_dc->dc_name);
		sw->sw_exit = rl.r_plan.p_exit[i];
		json_object_put(path);
	}
	for (i = 0; i < rl.r_noutdrops; i++)
		proctab_drop_route(rl.r_outdrops[i].rd_sw,
		    rl.r_outdrops[i].rd_route, ROUTE_OUT);
	rl.r_noutdrops = 0;
}

/* Move the reload on: all new workers run -> drain the retired; all
 * retired gone -> finish. */
void
rl_check(void)
{
	struct sup_worker	*sw;
	struct timeval		 tv;
	int			 i;

	if (rl.r_stage == RL_STARTING) {
		for (i = 0; i < proctab_count(); i++)
			if (proctab_get(i)->sw_pending)
				return;
		rl.r_stage = RL_DRAINING;
		evtimer_del(rl.r_start_timer);
		rl_paths();
		for (i = 0; i < proctab_count(); i++) {
			sw = proctab_get(i);
			if (sw->sw_retired && sw->sw_peer != NULL &&
			    proc_send(sw->sw_peer, MSG_DRAIN, -1, NULL, 0) == 0)
				sw->sw_state = SW_DRAINING;
		}
		tv.tv_sec = rl.r_opts->so_drain_ms / 1000;
		tv.tv_usec = (rl.r_opts->so_drain_ms % 1000) * 1000;
		evtimer_add(rl.r_timer, &tv);
	}
	if (rl.r_stage == RL_DRAINING && rl_retired_alive() == 0)
		rl_finish();
}

/* A retired worker took longer than the drain timeout. */
static void
rl_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct sup_worker	*sw;
	int			 i;

	(void)fd;
	(void)ev;
	(void)arg;
	for (i = 0; i < proctab_count(); i++) {
		sw = proctab_get(i);
		if (sw->sw_retired && proctab_alive(sw) && !sw->sw_reaped) {
			log_warnx("reload: drain timeout: stopping connector "
			    "%s (pid %ld)", sw->sw_dc->dc_name,
			    (long)sw->sw_pid);
			proctab_kill(sw);
		}
	}
}

/* A new worker runs (MSG_STARTED), or the keyholder took its key: once
 * both are true, the reload stops waiting for it. */
void
rl_started(struct sup_worker *sw)
{
	if (!sw->sw_pending || sw->sw_state != SW_RUNNING || keys_waiting(sw))
		return;
	sw->sw_pending = 0;
	rl_check();
}

/*
 * Undo a reload whose new worker failed before the retired ones were
 * told to drain: the new workers become the retired ones (they drain;
 * a listener goes back to its old worker), the old workers play their
 * connectors again with the old plan, routes from kept workers to the
 * restored ones get fresh socketpairs and kept sinks forget the routes
 * from the new workers.  Entries are not removed here: the caller may
 * hold one (the retired are removed when gone, rl_retired_gone).
 * failed is the worker that failed: it exits by itself (NULL: none
 * does, a worker whose key was refused drains with the others).
 */
static void
rl_undo(struct sup_worker *failed)
{
	struct deployment	*d;
	struct plan		 p;
	struct sup_worker	*sw, *o;
	struct route		*rt;
	struct timeval		 tv;
	int			 i;

	/* The old workers play their connectors again... */
	for (i = 0; i < proctab_count(); i++) {
		sw = proctab_get(i);
		if (sw->sw_retired && !sw->sw_fresh) {
			sw->sw_retired = 0;
			sw->sw_idx = sw->sw_ridx;
		}
	}
	/* ... and the new ones drain, their listeners given back. */
	for (i = 0; i < proctab_count(); i++) {
		sw = proctab_get(i);
		if (!sw->sw_fresh || sw->sw_retired)
			continue;
		sw->sw_pending = 0;
		o = sw->sw_listen_from;
		proctab_unlisten(sw);
		if (o != NULL)
			o->sw_listen_from = NULL;
		proctab_retire(sw);
		/* One that runs may have clients: they get 1001.  One that
		 * does not (the one that failed among them) just ends. */
		if (sw == failed || !proctab_alive(sw) || sw->sw_reaped)
			continue;
		if ((sw->sw_state == SW_RUNNING ||
		    sw->sw_state == SW_STARTING) && sw->sw_peer != NULL &&
		    proc_send(sw->sw_peer, MSG_DRAIN, -1, NULL, 0) == 0)
			sw->sw_state = SW_DRAINING;
		else
			proctab_kill(sw);
	}
	/* Kept workers forget the routes the reload added to them. */
	for (i = 0; i < rl.r_plan.p_nroutes; i++) {
		rt = &rl.r_plan.p_routes[i];
		if (rt->rt_id < rl.r_route_base)
			continue;
		if (rl.r_kept[rt->rt_dst] != NULL)
			proctab_drop_route(rl.r_kept[rt->rt_dst], rt->rt_id,
			    ROUTE_IN);
		if (rl.r_kept[rt->rt_src] != NULL)
			proctab_drop_route(rl.r_kept[rt->rt_src], rt->rt_id,
			    ROUTE_OUT);
	}
	for (i = 0; i < rl.r_nkept; i++)
		if ((sw = rl.r_kept[i]) != NULL)
			proctab_adopt(sw, rl.r_diff.rd_match[i],
			    &rl.r_old_dep->d_connectors[rl.r_diff.rd_match[i]],
			    &rl.r_old_plan);
	d = rl.r_dep;
	p = rl.r_plan;
	rl.r_dep = rl.r_old_dep;
	rl.r_plan = rl.r_old_plan;
	rl.r_old_dep = d;		/* until the new workers are gone */
	rl.r_old_plan = p;
	proctab_set_plan(&rl.r_plan);
	ctl_sup_update(rl.r_dep, &rl.r_plan);
	rl.r_ops->ro_update(rl.r_dep);
	/* Kept workers sent to the replaced ones: wire those again. */
	for (i = 0; i < rl.r_plan.p_nroutes; i++) {
		rt = &rl.r_plan.p_routes[i];
		if (RDIFF_KEPT(rl.r_diff.rd_old[rt->rt_src]) &&
		    rl.r_diff.rd_old[rt->rt_dst] == RDIFF_REPLACE)
			(void)proctab_wire_route(rt, 1);
	}
	free(rl.r_drops);
	rl.r_drops = NULL;
	rl.r_ndrops = 0;
	rl.r_stage = RL_DRAINING;
	evtimer_del(rl.r_start_timer);
	/* The new workers' drain is bounded as the retired ones' is. */
	tv.tv_sec = rl.r_opts->so_drain_ms / 1000;
	tv.tv_usec = (rl.r_opts->so_drain_ms % 1000) * 1000;
	evtimer_add(rl.r_timer, &tv);
}

/* A new worker of the reload failed before the reload went on (exits:
 * it ends by itself): the reload is undone and its answer says why. */
static void
rl_fail(struct sup_worker *sw, const char *why, int exits)
{
	if (!sw->sw_pending || rl.r_stage != RL_STARTING)
		return;
	snprintf(rl.r_failed, sizeof(rl.r_failed), "connector %s: %s; "
	    "reload undone, the previous configuration runs",
	    sw->sw_dc->dc_name, why);
	log_warnx("reload: %s", rl.r_failed);
	rl_undo(exits ? sw : NULL);
}

/* A new worker of the reload failed before it ran: the reload is undone
 * (the old workers never stopped) and its answer says why. */
void
rl_new_failed(struct sup_worker *sw, const char *why)
{
	rl_fail(sw, why, 1);
}

/* The keyholder refused the key of a new worker of the reload (which
 * may run already): the reload is undone, that worker drains too. */
void
rl_key_refused(struct sup_worker *sw, const char *why)
{
	rl_fail(sw, why, 0);
}

/*
 * -t: the new workers took too long to start (or the keyholder to take
 * their keys).  Those that have not started are killed and the reload is
 * undone; its answer names them, as the start-up timeout does.
 */
static void
rl_start_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct sup_worker	*sw;
	char			 late[384];
	int			 i, n;

	(void)fd;
	(void)ev;
	(void)arg;
	if (rl.r_stage != RL_STARTING)
		return;
	n = proctab_late(late, sizeof(late), 1);
	snprintf(rl.r_failed, sizeof(rl.r_failed), "reload timed out after "
	    "%d s: %d worker%s did not start: %s; reload undone, the previous "
	    "configuration runs", rl.r_opts->so_start_secs, n, n == 1 ? "" :
	    "s", late);
	log_warnx("%s", rl.r_failed);
	for (i = 0; i < proctab_count(); i++) {
		sw = proctab_get(i);
		if (sw->sw_pending)
			proctab_kill(sw);
	}
	rl_undo(NULL);
	rl_check();
}

/* A retired worker is gone: drop it from the table. */
void
rl_retired_gone(struct sup_worker *sw)
{
	rl_remove(sw);
	rl_check();
}

/* Stopping: a reload in progress will not finish; say so. */
void
rl_abort(void)
{
	if (rl.r_stage == RL_IDLE)
		return;
	evtimer_del(rl.r_timer);
	evtimer_del(rl.r_start_timer);
	rl_answer(0, "stopping: the reload did not finish");
	rl.r_stage = RL_IDLE;
}
