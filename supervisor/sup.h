/* SPDX-License-Identifier: ISC */
/*
 * The running half of wsflowd: route planning (who talks to whom), the
 * process table (fork+exec, wire, configure, reap, restart), the
 * supervisor's phases over it (start, messages, stop), the control plane
 * and the services the supervisor offers its workers (name resolution).
 *
 * Calls go one way: wsflowd.c -> supervisor.c -> control.c -> proctab.c
 * (and route.c, resolve.c, listen.c below them).  A lower file reaches a
 * higher one only through the callbacks it was given: struct proctab_ops
 * (messages, lost workers) and struct ctl_sup_ops (state, stop).
 */
#ifndef WSFLOW_SUP_H
#define WSFLOW_SUP_H

#include <sys/types.h>

#include <stdint.h>
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
	WCB_LOCAL,		/* the worker's own sink */
};
struct json_object *wcb_identity(const struct dep_connector *);
struct json_object *wcb_worker(int, const struct dep_connector *,
	    struct json_object **, struct json_object **);
struct json_object *wcb_control(int, const char *, int64_t);
struct json_object *wcb_exporter(int, const char *);
void	 wcb_reporters(struct json_object *, const struct deployment *,
	    const int *);
struct json_object *wcb_port(struct json_object *, const char *);
struct json_object *wcb_pipeline(struct json_object *, const char *,
	    struct json_object *);
struct json_object *wcb_node(struct json_object *, enum wcb_target, int,
	    const char *);
void	 wcb_node_target(struct json_object *, enum wcb_target, int);
void	 wcb_node_exit(struct json_object *, struct json_object *);
void	 wcb_on_cycle(struct json_object *, int);
void	 wcb_start(struct json_object *, int, int);

/* resolve.c */
struct proc_msg;
int	 resolve_answer(const struct msg_resolve_req *,
	    struct msg_resolve_res *);
int	 resolve_handle(const struct proc_msg *, struct msg_resolve_res *);

/* listen.c: a bound, listening, non-blocking socket for a ws_server
 * connector's config, or -1 with err. */
int	 listen_open(struct json_object *, char *, size_t);
/* hdrfile.c: ws_client header values read from files (issue 14) */
int	 hdrfile_resolve(struct json_object *, char *, size_t);

/* What wsflowd's main hands the supervisor. */
struct sup_opts {
	int		 so_verbose;
	int		 so_drain_ms;
	const char	*so_worker;	/* worker executable, NULL: find it */
	char *const	*so_files;	/* configuration files (status) */
	int		 so_nfiles;
	int		 so_ctl_fd;	/* listening control socket or -1 */
	const char	*so_ctl_path;
	int		 so_metrics_fd;	/* listening -m socket or -1 */
};

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
struct sup_worker {
	int			 sw_id;
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
};

/* What the table leaves to its owner (supervisor.c). */
struct proctab_ops {
	/* A message on a worker's control channel (no descriptor). */
	void	(*po_msg)(struct sup_worker *, const struct proc_msg *);
	/* A worker is reaped and its channel closed; failed: it said
	 * MSG_FAILED.  The owner may proctab_restart_later() it. */
	void	(*po_gone)(struct sup_worker *, pid_t, int, int);
};

/* What the control plane sees of one worker (proctab_view). */
struct sup_view {
	int			 sv_id;		/* connector id */
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
void	 proctab_free(void);
int	 proctab_count(void);
struct sup_worker *proctab_get(int);
struct sup_worker *proctab_control(void);
int	 proctab_alive(const struct sup_worker *);
int	 proctab_spawn(struct sup_worker *);
int	 proctab_wire(struct sup_worker *, int);
int	 proctab_configure(struct sup_worker *);
void	 proctab_protocol_error(struct sup_worker *, const char *);
void	 proctab_restart_later(struct sup_worker *);
void	 proctab_no_restarts(void);
void	 proctab_kill_all(int);
void	 proctab_reap(void);
int	 proctab_view(int, struct sup_view *);

/* supervisor.c: start-up in phases, worker messages, stop; in the order
 * wsflowd's main calls them. */
const char *sup_worker_path(void);
int	 sup_init(const struct sup_opts *);
int	 sup_table(const struct deployment *, struct plan *);
void	 sup_spawn(void);
void	 sup_wire(void);
void	 sup_configure(void);
void	 sup_start(void);
int	 sup_loop(void);
void	 sup_free(void);

/* control.c: the control socket and the supervisor's answers. */
int	 ctl_open(const char *, int, int *);
void	 ctl_close(int, const char *);
/* What control.c asks of the supervisor. */
struct ctl_sup_ops {
	const char	*(*cso_state)(void);	/* "starting", "running", ... */
	int		 (*cso_stop)(void);	/* graceful; -1: stopping */
};
const struct dep_connector *ctl_sup_init(const struct deployment *,
	    const struct plan *, const struct sup_opts *, struct event_base *,
	    const struct ctl_sup_ops *, struct json_object **);
const struct dep_connector *ctl_sup_exporter(int, struct json_object **);
int	 ctl_sup_msg(int, int, const struct proc_msg *);
void	 ctl_sup_done(void);

#endif
