/* SPDX-License-Identifier: ISC */
/*
 * wsflow-worker: one sandboxed process per connector instance.  This
 * header is shared by the worker's main loop, the event path and the
 * connector implementations (file, stdio, ...).
 */
#ifndef WSFLOW_WORKER_H
#define WSFLOW_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "budget.h"
#include "buf.h"
#include "codec.h"
#include "lines.h"
#include "mcache.h"
#include "proc.h"
#include "proto.h"
#include "sandbox.h"
#include "streams.h"
#include "wconf.h"

#define WK_FD_RESERVE	32	/* descriptors beyond the connections */
#define WK_PIPE_PORTS	4	/* output port lookups cached per pipeline */
#define WK_PIPE_COUNTS	16	/* ports counted per metered pipeline */
#define WK_MAX_DEPTH	32	/* pipeline chain depth */
#define EV_PARSE_DEPTH	8192	/* above any codec's nesting limit */
#define WK_MAX_ROUTES	256	/* route ends per worker */
#define WK_ROUTE_LOW	(64 * 1024)
#define WK_ROUTE_HIGH	(256 * 1024)
#define WK_MMAP_THRESHOLD	(4 * 1024 * 1024)	/* malloc maps at least this */
#define WK_ACK_BATCH	256	/* events per acknowledgement at most */
#define WK_ACK_MS	10	/* a smaller batch waits at most this */

struct worker;
struct wk_route;
struct conntype;

/*
 * What a connector type implements, indexed by its enum conn_type in
 * worker.c; what the type is (sink-driven, listener, ...) is its row of
 * common/conntype.h.  Every hook may be NULL.
 */
struct conn_ops {
	const char	*co_type;	/* the conntype table's name */
	/* Before the sandbox: open files, check config. */
	int		(*co_setup)(struct worker *, char *, size_t);
	/* Start producing (only called if an output port is connected). */
	void		(*co_start)(struct worker *);
	/* Flow may continue (routes drained, resumed or re-wired). */
	void		(*co_kick)(struct worker *);
	/* Sink output: one encoded and postprocessed event for port. */
	int		(*co_write)(struct worker *, const char *, const char *,
			    size_t);
	/* Stop producing for good (graceful stop). */
	void		(*co_stop)(struct worker *);
	/* Draining on a route cycle (after co_stop): read nothing more from
	 * outside until co_drain; what is read anyway is dropped. */
	void		(*co_stop_source)(struct worker *);
	/* Last words before exit: flush and sync. */
	void		(*co_finish)(struct worker *);
	/* Draining and upstream is done: 1 to finish later (the connector
	 * calls wk_check_drain() again), 0 to exit now. */
	int		(*co_drain)(struct worker *);
	/* An answer to wk_resolve() (checked for sizes already). */
	void		(*co_resolved)(struct worker *,
			    const struct msg_resolve_res *);
	/* An answer to wk_dial(): the connected unix_socket (fd, ours to
	 * close) or the errno in mds_error with fd -1 (issue 14). */
	void		(*co_dialled)(struct worker *,
			    const struct msg_dial_res *, int);
	/* Add the connector's own counters to an object (show stats). */
	void		(*co_stats)(struct worker *, struct json_object *);
	/* A stream of the source across a route ended (MSG_STREAM_END):
	 * origin connector id, its stream id. */
	void		(*co_stream_end)(struct worker *, uint32_t, uint64_t);
	/* The supervisor's answer to MSG_METRICS_REQ (exporter, metrics). */
	void		(*co_metrics_res)(struct worker *,
			    const struct proc_msg *);
	/* An outgoing route acknowledged events (its wr_acked grew). */
	void		(*co_acked)(struct worker *, struct wk_route *);
	/* An outgoing route was wired again with events unacknowledged:
	 * 1 when the source replays them (it counts that), 0 when they
	 * are lost (counted by the caller). */
	int		(*co_rewind)(struct worker *, struct wk_route *,
			    uint64_t);
	/* A new certificate chain (w_chain) after set-up: new connections
	 * get it, those open keep theirs (a certificate reload). */
	void		(*co_tls_chain)(struct worker *);
};

/* One pipeline instance evaluated in this worker. */
struct wk_pipe {
	struct pipeline		*wp_pipe;
	struct json_object	*wp_outputs;	/* port -> [node, ...] */
	/* The last output ports looked up (by the select's pointer). */
	const char		*wp_cport[WK_PIPE_PORTS];
	struct json_object	*wp_cnodes[WK_PIPE_PORTS];
	/* Events per pipeline port (#!config metrics_interval_s only):
	 * the first WK_PIPE_COUNTS ports seen, names borrowed from the
	 * graph. */
	const char		*wp_name;
	int			 wp_metered;
	int			 wp_ncnt;
	struct {
		const char	*pc_port;
		int		 pc_out;	/* leaving the pipeline */
		uint64_t	 pc_n;
	}			 wp_cnt[WK_PIPE_COUNTS];
};

/* One route end held by this worker. */
struct wk_route {
	uint32_t		 wr_id;
	int			 wr_end;	/* ROUTE_OUT or ROUTE_IN */
	uint32_t		 wr_peer;
	uint32_t		 wr_gen;
	struct proc_peer	*wr_proc;	/* NULL while down */
	int			 wr_paused;	/* peer sent MSG_PAUSE */
	uint64_t		 wr_events;
	uint64_t		 wr_dropped;
	uint64_t		 wr_bytes;	/* event payload bytes */
	/* Acknowledgements (this generation): out: events sent and
	 * acknowledged; in: events received and acknowledged. */
	uint64_t		 wr_seq;
	uint64_t		 wr_acked;
	uint64_t		 wr_lost;	/* out: unacknowledged, gone */
	uint64_t		 wr_dups;	/* in: events numbered again */
	uint64_t		 wr_high;	/* in: highest event number */
	int			 wr_slot;	/* out: its ackwin route */
	/* metadata parsed on this route, by text (event.c) */
	struct mcache		 wr_mcache;
	/* events queued on it (ROUTE_OUT), charged to max_buffered */
	struct budget_hold	 wr_hold;
};

/* The connector's event path as configured (event.c). */
struct wk_path {
	int			 ep_has_codec;
	enum codec_kind		 ep_codec;
	struct proc_spec	 ep_pre[WK_MAX_PROCS];
	int			 ep_npre;
	struct proc_spec	 ep_post[WK_MAX_PROCS];
	int			 ep_npost;
	struct json_object	*ep_outputs;	/* connector port -> nodes */
	struct json_object	*ep_out_nodes;	/* ep_outputs' "out" */
	struct json_object	*ep_err_nodes;	/* ep_outputs' "err" */
	struct wk_pipe		*ep_pipes;
	int			 ep_npipes;
	struct buf		 ep_enc;	/* sink encoding scratch */
	/* metadata sent on routes and its text, by object */
	struct mcache		 ep_mcache;
};

/* What the worker counts (show stats, the drained report). */
struct wk_counters {
	uint64_t		 cn_events_in;
	uint64_t		 cn_events_out;
	uint64_t		 cn_dropped;
	uint64_t		 cn_errors;
	uint64_t		 cn_pulls;	/* reads so far (Tremor's pull id) */
	uint64_t		 cn_bytes_in;	/* read by the source */
	uint64_t		 cn_bytes_out;	/* written by the sink */
	/* events per port, as MSG_STATS reports them (event.c) */
	struct msg_stats_port	 cn_ports[PROTO_STATS_PORTS];
	uint32_t		 cn_nports;
	uint64_t		 cn_lost;	/* the routes' wr_lost */
	uint64_t		 cn_replayed;	/* emitted again after a rewind */
	uint64_t		 cn_duplicates;	/* the routes' wr_dups */
};

/* Where the worker is in its life: configured, started, draining. */
struct wk_life {
	int			 lf_configured;
	int			 lf_started;
	int			 lf_draining;
	int			 lf_on_cycle;	/* routes lead back to us */
	int			 lf_exit_sent;
	int			 lf_inputs_paused;
	int			 lf_in_noread;	/* incoming routes not read */
};

/* Whose events the source emits. */
struct wk_emit {
	uint64_t		 em_stream;	/* source stream being read */
	/* Set by a relaying source while it reads: events it emits on
	 * routes carry this origin instead of its own id and stream. */
	int			 em_as;
	uint32_t		 em_as_origin;
	uint64_t		 em_as_stream;
	/* A source that can replay numbers its events (from 1, across its
	 * restarts): em_seq is the number of the last one emitted. */
	int			 em_numbered;
	uint64_t		 em_seq;
	/* Told after each event decoded from a line of the read being
	 * processed (one preprocessor): where in that read it ends. */
	void			(*em_done)(struct worker *, size_t);
};

/* The event co_write is writing (valid during co_write only). */
struct wk_sink_event {
	struct json_object	*sk_meta;	/* borrowed, may be NULL */
	uint32_t		 sk_origin;	/* connector that emitted it */
	uint64_t		 sk_stream;	/* its stream at that connector */
};

struct worker {
	struct event_base	*w_base;
	struct proc_peer	*w_ctl;
	uint32_t		 w_id;
	char			 w_name[128];	/* alias, e.g. "in" */
	char			 w_type[32];
	struct json_object	*w_conf;	/* whole config message */
	struct json_object	*w_cconf;	/* the connector's "config" */
	const struct conntype	*w_ct;		/* its row of the type table */
	const struct conn_ops	*w_ops;
	void			*w_state;	/* the connector's own */
	enum sandbox_profile	 w_profile;	/* set by co_setup */
	int			 w_restarts;
	int			 w_listen_fd;	/* MSG_LISTEN, -1: none */
	char			*w_chain;	/* MSG_TLS_CHAIN: PEM chain */
	size_t			 w_chain_len;

	struct wk_life		 w_life;
	struct wk_path		 w_path;
	/* Stream table for w_smax live streams (set by co_setup, 0:
	 * WK_MAX_STREAMS), allocated after it (event.c). */
	struct stab		*w_streams;
	int			 w_smax;
	struct wk_emit		 w_emit;
	struct wk_route		 w_routes[WK_MAX_ROUTES];
	int			 w_nroutes;
	struct wk_sink_event	 w_sink;
	struct wk_counters	 w_cnt;
	struct event		*w_ack_ev;	/* acknowledgements due */
	/* What peers make this worker hold (max_buffered, budget.h). */
	struct budget		 w_budget;
};

/* A descriptor read in chunks with backpressure (file, stdin). */
struct wk_reader {
	struct worker		*rd_w;
	int			 rd_fd;
	size_t			 rd_chunk;
	int			 rd_pollable;
	int			 rd_blocked;
	int			 rd_eof;
	int			 rd_stopped;
	int			 rd_running;
	struct event		*rd_ev;
	struct json_object	*rd_meta;	/* borrowed */
	char			*rd_buf;
	/* Called after each chunk (its length) and at the end (0) has
	 * gone through the event path; NULL: nothing. */
	void			(*rd_after)(struct wk_reader *, size_t);
};

extern const struct conn_ops	file_ops;
extern const struct conn_ops	stdio_ops;
extern const struct conn_ops	control_ops;
extern const struct conn_ops	exporter_ops;
extern const struct conn_ops	metrics_ops;
extern const struct conn_ops	ws_server_ops;
extern const struct conn_ops	keyholder_ops;
extern const struct conn_ops	ws_client_ops;
/* ws_client with "per_stream": true, chosen by ws_client_ops' setup */
extern const struct conn_ops	ws_relay_ops;

/* worker.c */
void		 wk_check_drain(struct worker *);
void		 wk_pause_inputs(struct worker *, int);
int		 wk_resolve(struct worker *, uint32_t, int, const char *,
		    const char *);
/* Ask the supervisor to connect the connector's unix_socket; the answer
 * reaches co_dialled with the same id (issue 14). */
int		 wk_dial(struct worker *, uint32_t);
int		 wk_conn_budget(struct worker *, int);

/* control.c */
void		 ctl_stats_answer(struct worker *, const struct proc_msg *);
void		 ctl_budget_json(const struct budget *, struct json_object *);
void		 ctl_reply(struct worker *, const struct proc_msg *);
void		 ctl_client_new(struct worker *, const struct proc_msg *);

/* keyholder.c: the keyholder's own control messages */
void		 kh_key_msg(struct worker *, const struct proc_msg *);
void		 kh_peer_msg(struct worker *, const struct proc_msg *);
void		 kh_forget_msg(struct worker *, const struct proc_msg *);

/* reader.c */
int	 rd_init(struct wk_reader *, struct worker *, int, size_t,
	    struct json_object *);
void	 rd_start(struct wk_reader *);
void	 rd_kick(struct wk_reader *);
void	 rd_stop(struct wk_reader *);
void	 rd_rewind(struct wk_reader *);
void	 rd_free(struct wk_reader *);
int	 wk_write_all(int, const char *, size_t, size_t *);

/* event.c */
void	 ev_route_settle(struct worker *, struct wk_route *);
int	 ev_setup(struct worker *, char *, size_t);
int	 ev_path_set(struct worker *, struct json_object *, char *, size_t);
int	 ev_streams_alloc(struct worker *);
void	 ev_teardown(struct worker *);
int	 ev_has_output(struct worker *);
int	 ev_can_emit(struct worker *);
int	 ev_source_data(struct worker *, uint64_t, const char *, size_t,
	    struct json_object *);
void	 ev_source_end(struct worker *, uint64_t, struct json_object *);
int	 ev_source_pending(struct worker *, uint64_t, size_t *);
void	 ev_source_forget(struct worker *, uint64_t);
void	 ev_emit(struct worker *, const char *, struct json_object *,
	    struct json_object *);
int	 ev_parse(const char *, size_t, struct json_object **);
void	 ev_route_msg(struct worker *, struct wk_route *,
	    const struct proc_msg *);
void	 ev_sink(struct worker *, const char *, struct json_object *,
	    struct json_object *);
void	 ev_read_inputs(struct worker *, int);
void	 ev_count_port(struct worker *, const char *, int);
void	 ev_pipe_stats(struct worker *, struct json_object *);
void	 ev_ack_flush(struct worker *, int);
void	 ev_route_rewired(struct worker *, struct wk_route *);

#endif
