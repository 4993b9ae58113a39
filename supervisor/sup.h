/* SPDX-License-Identifier: ISC */
/*
 * The running half of wsflowd: route planning (who talks to whom), the
 * process table (fork+exec, wire, configure, reap, restart), the
 * supervisor's phases over it (start, messages, stop), the control plane
 * and the services the supervisor offers its workers (name resolution).
 *
 * Calls go one way: wsflowd.c -> supervisor.c -> reload.c -> control.c
 * -> proctab.c (and route.c, rdiff.c, resolve.c, listen.c, state.c below
 * them).  A lower file reaches a higher one only through the callbacks it
 * was given: struct proctab_ops (messages, lost workers) and struct
 * ctl_sup_ops (state, stop).
 */
#ifndef WSFLOW_SUP_H
#define WSFLOW_SUP_H

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <json-c/json.h>

#include "deploy.h"
#include "proto.h"

#define ROLE_SOURCE	0x01
#define ROLE_SINK	0x02

/* One socketpair between two workers. */
struct route {
	uint32_t	rt_id;
	int		rt_src;		/* connector producing into it */
	int		rt_dst;		/* connector consuming from it */
	uint32_t	rt_gen;
};

/* What the parent decided: routes and each worker's configuration. */
struct plan {
	struct route		*p_routes;
	int			 p_nroutes;
	int			 p_nconn;
	struct json_object	**p_conf;	/* NULL: no worker */
	int			*p_role;
	int			*p_exit;	/* outputs reach an exit */
};

/* route.c */
int	 route_plan(const struct deployment *, struct plan *, char *, size_t);
void	 route_plan_free(struct plan *);
int	 route_cycles(int, const struct route *, int, int *);

/* wconf_build.c: the one place that builds workers' MSG_CONFIG objects
 * (their keys are declared in common/wconf.h) */
enum wcb_target {
	WCB_PIPELINE,		/* a pipeline of the worker, by index */
	WCB_ROUTE,		/* a route to another worker, by id */
	WCB_ROUTES,		/* routes to the instances of one connector
				 * (wcb_node_add_route) */
	WCB_SHARDS,		/* the same to a relay's instances: each
				 * stream to one of them ("by_stream") */
	WCB_LOCAL,		/* the worker's own sink */
};
struct json_object *wcb_identity(const struct dep_connector *);
struct json_object *wcb_worker(int, const struct dep_connector *,
	    struct json_object **, struct json_object **);
struct json_object *wcb_control(int, const char *, int64_t);
struct json_object *wcb_exporter(int, const char *);
void	 wcb_reporters(struct json_object *, const struct deployment *,
	    const int *);
struct json_object *wcb_keyholder(int);
struct json_object *wcb_port(struct json_object *, const char *);
struct json_object *wcb_pipeline(struct json_object *, const char *,
	    struct json_object *);
struct json_object *wcb_node(struct json_object *, enum wcb_target, int,
	    const char *);
void	 wcb_node_target(struct json_object *, enum wcb_target, int);
void	 wcb_node_add_route(struct json_object *, int);
void	 wcb_node_exit(struct json_object *, struct json_object *);
void	 wcb_on_cycle(struct json_object *, int);
void	 wcb_start(struct json_object *, int, int);
void	 wcb_resume(struct json_object *, const struct msg_source_pos *);

/*
 * rdiff.c: what a reload keeps.  A connector's canonical form is its
 * worker's configuration (type, config, codec, processors, the pipelines
 * it evaluates and where they lead) with worker and route ids replaced
 * by the names they stand for; equal forms keep their worker.  Pure.
 */
enum rdiff_verdict {
	RDIFF_NONE,		/* no worker, before or after */
	RDIFF_KEEP,		/* same canonical form: the worker stays */
	RDIFF_REPATH,		/* only its pipelines changed: the worker
				 * stays and gets them (MSG_PATH) */
	RDIFF_REPLACE,		/* changed: a new worker, the old drains */
	RDIFF_START,		/* new */
	RDIFF_STOP,		/* removed: the old worker drains */
};
struct rdiff {
	int	*rd_new;	/* per new connector: enum rdiff_verdict */
	int	*rd_match;	/* per new connector: old index or -1 */
	int	*rd_old;	/* per old connector: enum rdiff_verdict */
	int	 rd_nnew;
	int	 rd_nold;
	int	 rd_kept, rd_replaced, rd_started, rd_stopped;
	int	 rd_repathed;	/* of rd_kept */
};
#define RDIFF_KEPT(v)	((v) == RDIFF_KEEP || (v) == RDIFF_REPATH)
struct json_object *rdiff_canon(const struct deployment *,
	    const struct plan *, int);
int	 rdiff_compare(const struct deployment *, const struct plan *,
	    const struct deployment *, const struct plan *, struct rdiff *);
int	 rdiff_renumber(const struct deployment *, const struct plan *,
	    const struct deployment *, struct plan *, const struct rdiff *,
	    const int *, uint32_t *);
void	 rdiff_free(struct rdiff *);

/* resolve.c: names resolved for workers without blocking the loop */
struct event_base;
struct proc_msg;
typedef void (*resolve_cb)(const struct msg_resolve_res *, void *);
int	 resolve_init(struct event_base *);
int	 resolve_check(const struct msg_resolve_req *);
int	 resolve_request(const struct proc_msg *, resolve_cb, void *);
void	 resolve_forget(void *);
int	 resolve_pending(void);
void	 resolve_free(void);

/* preflight.c: what a start would fail on that troy cannot see (types
 * without a worker, TLS files, one address twice), printed to the FILE
 * as "file:line:col: ..."; -1 if anything is.  Private keys are loaded
 * (to check them against their certificates) only when the int is set:
 * by wsflowd -n, never in a daemon (the keyholder checks them). */
int	 pf_check(const struct deployment *, FILE *, int);

/* keys.c: certificate chains to workers, key files to the keyholder */
struct sup_worker;
/* What a keyholder's answer (MSG_KH_KEY_RES) asks of the caller. */
enum keys_res {
	KEYS_RES_BAD = -1,	/* malformed: a protocol error */
	KEYS_RES_DONE,		/* nothing more */
	KEYS_RES_REFUSED,	/* a key of the start-up: it fails */
	KEYS_RES_NEW_REFUSED,	/* a reload's new worker: the reload fails */
	KEYS_RES_NEW_TAKEN,	/* a reload's new worker may run */
};
int	 keys_init(int);
struct sup_worker *keys_add_holder(void);
int	 keys_configure(struct sup_worker *);
int	 keys_result(const struct proc_msg *, struct sup_worker **, char *,
	    size_t);
void	 keys_gone(struct sup_worker *);
int	 keys_add(struct sup_worker *, char *, size_t);
int	 keys_send_new(struct sup_worker **, char *, size_t);
int	 keys_waiting(const struct sup_worker *);
void	 keys_forget(struct sup_worker *);
int	 keys_reload(void);
void	 keys_free(void);

/* listen.c: a bound, listening, non-blocking socket for a ws_server
 * connector's config, or -1 with err; url "unix:PATH" makes a
 * Unix-domain socket, whose file listen_close removes (issue 14). */
int	 listen_open(struct json_object *, char *, size_t);
int	 listen_adopt(int, struct json_object *, char *, size_t);
void	 listen_close(int);
int	 listen_unix_perms(struct json_object *, uid_t *, gid_t *, mode_t *,
	    char *, size_t);
/* unixdial.c: a ws_client's unix_socket connected for it (issue 14) */
struct sup_worker;
int	 udial_request(struct sup_worker *, const struct proc_msg *);
/* hdrfile.c: ws_client header values read from files (issue 14) */
int	 hdrfile_resolve(struct json_object *, char *, size_t);

/* What wsflowd's main hands the supervisor. */
struct sup_opts {
	int		 so_verbose;
	int		 so_drain_ms;
	const char	*so_worker;	/* worker executable, NULL: find it */
	char *const	*so_files;	/* configuration files (status) */
	int		 so_nfiles;
	char *const	*so_defines;	/* -D name=value, for a reload */
	int		 so_ndefines;
	int		 so_ctl_fd;	/* listening control socket or -1 */
	const char	*so_ctl_path;
	int		 so_metrics_fd;	/* listening -m socket or -1 */
	const char	*so_state_dir;	/* resume = true positions */
	int		 so_ready_fd;	/* daemon: tell the parent, or -1 */
	int		 so_start_secs;	/* -t: start-up bound, 0: none */
};

/* What the daemon writes to its waiting parent once every worker runs. */
#define SUP_READY_BYTE	'R'


/* Worker ids: a connector's is its index in the deployment at start;
 * the daemon's own workers come after them, then the ids a reload gives
 * new and replaced workers. */
#define SUP_ID_CONTROL(n)	(n)
#define SUP_ID_EXPORTER(n)	((n) + 1)
#define SUP_ID_KEYHOLDER(n)	((n) + 2)
#define SUP_ID_FREE(n)		((n) + 3)

/* proctab.c: the process table, one entry per worker. */
enum sw_state {
	SW_DOWN,		/* not running (or waiting for a restart) */
	SW_CONFIGURING,		/* exec'd, config queued */
	SW_READY,		/* acknowledged */
	SW_STARTING,		/* MSG_START sent */
	SW_RUNNING,
	SW_DRAINING,
};

struct conntype;
struct proc_peer;
struct pt_log;

struct sup_worker {
	int			 sw_id;		/* worker id (stable across
						 * reloads), told at exec */
	int			 sw_idx;	/* connector index in the plan's
						 * deployment, -1: none */
	int			 sw_retired;	/* a reload removed or replaced
						 * it: draining, then dropped */
	int			 sw_ridx;	/* sw_idx before it was retired */
	int			 sw_pending;	/* a reload waits for it to run */
	int			 sw_fresh;	/* added by the reload going on */
	const struct dep_connector *sw_dc;
	const struct conntype	*sw_ct;		/* its row, NULL: none */
	int			 sw_role;
	int			 sw_exit;	/* its outputs reach an exit */
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
	struct sup_worker	*sw_listen_from; /* whose listener it took */
	/* A file source's acknowledged position (state.c). */
	int			 sw_has_pos;
	int			 sw_pos_dirty;	/* not in the state file yet */
	struct msg_source_pos	 sw_pos;
	struct pt_log		*sw_log;	/* its stderr pipe (proctab.c) */
	/* " [flow F, file:line:col]", where the connector is created, for
	 * the end of the lines that say what went wrong; "" for control */
	char			 sw_site[320];
};

/* What the table leaves to its owner (supervisor.c). */
struct proctab_ops {
	/* A message on a worker's control channel (no descriptor). */
	void	(*po_msg)(struct sup_worker *, const struct proc_msg *);
	/* A worker is reaped and its channel closed; failed: it said
	 * MSG_FAILED.  The owner may proctab_restart_later() it. */
	void	(*po_gone)(struct sup_worker *, pid_t, int, int);
	/* After a worker's MSG_CONFIG, before MSG_CONFIG_END: what else
	 * it needs (certificates, channels); -1 fails the worker. */
	int	(*po_configure)(struct sup_worker *);
};

/* What the control plane sees of one worker (proctab_view). */
struct sup_view {
	int			 sv_id;		/* worker id */
	int			 sv_idx;	/* connector index, -1: none */
	int			 sv_retired;	/* draining after a reload */
	const struct dep_connector *sv_dc;
	int			 sv_control;	/* the control worker */
	int			 sv_exporter;	/* the metrics exporter */
	const char		*sv_state;	/* "running", ... */
	long			 sv_pid;	/* 0: no process */
	long long		 sv_since;	/* running since (epoch) or 0 */
	int			 sv_restarts;
	struct proc_peer	*sv_peer;	/* NULL: cannot be asked */
};

struct event_base;
int	 proctab_init(struct event_base *, const struct deployment *,
	    struct plan *, const char *, const struct proctab_ops *);
struct sup_worker *proctab_add_control(int, const struct dep_connector *,
	    struct json_object *, int);
struct sup_worker *proctab_add_exporter(int, const struct dep_connector *,
	    struct json_object *, int);
struct sup_worker *proctab_exporter(void);
struct sup_worker *proctab_add_service(int, const struct dep_connector *,
	    struct json_object *);
void	 proctab_free(void);
int	 proctab_count(void);
struct sup_worker *proctab_get(int);
struct sup_worker *proctab_control(void);
int	 proctab_alive(const struct sup_worker *);
int	 proctab_spawn(struct sup_worker *);
int	 proctab_wire(struct sup_worker *, int);
/* for reload */
struct sup_worker *proctab_add(int, int, const struct dep_connector *,
	    struct plan *);
void	 proctab_adopt(struct sup_worker *, int, const struct dep_connector *,
	    struct plan *);
int	 proctab_listen(struct sup_worker *, char *, size_t);
void	 proctab_unlisten(struct sup_worker *);
struct sup_worker *proctab_find(int);
int	 proctab_wire_route(struct route *, int);
void	 proctab_drop_route(struct sup_worker *, uint32_t, int);
void	 proctab_set_plan(struct plan *);
void	 proctab_retire(struct sup_worker *);
void	 proctab_remove(struct sup_worker *);
void	 proctab_kill(struct sup_worker *);
int	 proctab_configure(struct sup_worker *);
void	 proctab_protocol_error(struct sup_worker *, const char *);
void	 proctab_restart_later(struct sup_worker *);
void	 proctab_no_restarts(void);
void	 proctab_kill_all(int);
void	 proctab_reap(void);
int	 proctab_view(int, struct sup_view *);
int	 proctab_late(char *, size_t, int);

/* supervisor.c: start-up in phases, worker messages, stop; in the order
 * wsflowd's main calls them. */
const char *sup_worker_path(void);
int	 sup_init(const struct sup_opts *);
int	 sup_table(struct deployment *, struct plan *);
void	 sup_spawn(void);
void	 sup_wire(void);
void	 sup_configure(void);
void	 sup_start(void);
int	 sup_loop(void);
void	 sup_free(void);

/* reload.c: the running configuration and reloading it (supervisor.c
 * calls in; it calls control.c and proctab.c). */
struct rl_ops {
	void	(*ro_begin)(void);		/* RELOADING=1 */
	void	(*ro_update)(const struct deployment *);	/* committed */
	void	(*ro_done)(int);		/* READY=1 again */
};
void	 rl_init(const struct sup_opts *, const struct rl_ops *,
	    struct event_base *, struct deployment *, struct plan *);
void	 rl_free(void);
struct deployment *rl_dep(void);
struct plan *rl_plan(void);
void	 rl_begin(int);
void	 rl_check(void);
void	 rl_started(struct sup_worker *);
void	 rl_new_failed(struct sup_worker *, const char *);
void	 rl_key_refused(struct sup_worker *, const char *);
void	 rl_retired_gone(struct sup_worker *);
void	 rl_abort(void);

/* control.c: the control socket and the supervisor's answers. */
int	 ctl_open(const char *, int, int *);
void	 ctl_close(int, const char *);
/* What control.c asks of the supervisor. */
struct ctl_sup_ops {
	const char	*(*cso_state)(void);	/* "starting", "running", ... */
	int		 (*cso_stop)(void);	/* graceful; -1: stopping */
	void		 (*cso_reload)(uint32_t);	/* answers later */
};
const struct dep_connector *ctl_sup_init(const struct deployment *,
	    const struct plan *, const struct sup_opts *, struct event_base *,
	    const struct ctl_sup_ops *, struct json_object **);
const struct dep_connector *ctl_sup_exporter(int, struct json_object **);
int	 ctl_sup_msg(int, int, const struct proc_msg *);
void	 ctl_sup_update(const struct deployment *, const struct plan *);
struct rdiff;
void	 ctl_sup_reloaded(uint32_t, int, const char *, const struct rdiff *);
void	 ctl_sup_clients_gone(void);
void	 ctl_sup_done(void);

/* state.c: file sources' positions, across restarts of their worker
 * and (resume = true) of the daemon. */
int	 state_init(struct event_base *, const char *);
void	 state_load(struct sup_worker *);
void	 state_pos(struct sup_worker *, const struct msg_source_pos *);
void	 state_flush(void);
void	 state_free(void);

#endif
