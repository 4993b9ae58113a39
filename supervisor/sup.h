/*
 * The running half of wsflowd: route planning (who talks to whom), the
 * process table (fork+exec, configure, start, restart, stop) and the
 * services the supervisor offers its workers (name resolution).
 */
#ifndef WSFLOW_SUP_H
#define WSFLOW_SUP_H

#include <stdint.h>

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

/* resolve.c */
struct proc_msg;
int	 resolve_answer(const struct msg_resolve_req *,
	    struct msg_resolve_res *);
int	 resolve_handle(const struct proc_msg *, struct msg_resolve_res *);

/* listen.c: a bound, listening, non-blocking socket for a ws_server
 * connector's config, or -1 with err. */
int	 listen_open(struct json_object *, char *, size_t);

/* supervisor.c */
struct sup_opts {
	int		 so_verbose;
	int		 so_drain_ms;
	const char	*so_worker;	/* worker executable, NULL: find it */
	char *const	*so_files;	/* configuration files (status) */
	int		 so_nfiles;
	int		 so_ctl_fd;	/* listening control socket or -1 */
	const char	*so_ctl_path;
};
int	 sup_run(const struct deployment *, const struct sup_opts *);
const char *sup_worker_path(void);

/* What the control plane sees of one worker (sup_view). */
struct proc_peer;
struct sup_view {
	int			 sv_id;		/* connector id */
	const struct dep_connector *sv_dc;
	int			 sv_control;	/* the control worker */
	const char		*sv_state;	/* "running", ... */
	long			 sv_pid;	/* 0: no process */
	long long		 sv_since;	/* running since (epoch) or 0 */
	int			 sv_restarts;
	struct proc_peer	*sv_peer;	/* NULL: cannot be asked */
};
int	 sup_view(int, struct sup_view *);
const char *sup_state(void);
int	 sup_ctl_stop(void);

/* control.c: the control socket and the supervisor's answers. */
int	 ctl_open(const char *, int, int *);
void	 ctl_close(int, const char *);
struct event_base;
const struct dep_connector *ctl_sup_init(const struct deployment *,
	    const struct plan *, const struct sup_opts *, struct event_base *,
	    struct json_object **);
int	 ctl_sup_msg(int, int, const struct proc_msg *);
void	 ctl_sup_done(void);

#endif
