/* SPDX-License-Identifier: ISC */
/*
 * The single inter-process contract of wsflow: message types exchanged
 * between the supervisor and its workers (control channel, fd 3) and
 * between workers (routes), and their fixed-size payload structs.
 *
 * Every message travels in the framing of common/proc.h; proto.c names
 * the types for logs and builds and checks the composite payloads.  Payloads are
 * host-endian: both ends are the same binary on the same host.  The
 * worker's first message is MSG_HELLO carrying WSFLOW_PROTO_VERSION; the
 * supervisor refuses a worker with another version.
 *
 * The one JSON payload the supervisor sends, MSG_CONFIG, is described by
 * wconf.h: every key, its type, whether it is required and what it means,
 * for all workers and per connector type (version 5).
 */
#ifndef WSFLOW_PROTO_H
#define WSFLOW_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define WSFLOW_PROTO_VERSION	8

/* The control channel is always this descriptor in a worker. */
#define PROTO_CONTROL_FD	3
/* The stdio connector's standard error (CTF_KEEPS_STDIO): descriptor 2
 * of every worker is a pipe to the supervisor, which logs what comes. */
#define PROTO_STDERR_FD		4

enum msg_type {
	/* 1-99: supervisor -> worker (control channel) */
	MSG_CONFIG = 1,		/* JSON text: the worker's whole config,
				 * its keys declared in wconf.h */
	MSG_ROUTE,		/* struct msg_route + one fd */
	MSG_CONFIG_END,		/* no payload: all config and routes sent */
	MSG_START,		/* no payload: begin work */
	MSG_DRAIN,		/* no payload: graceful stop */
	MSG_RESOLVE_RES,	/* struct msg_resolve_res */
	MSG_VERBOSE,		/* int32: new log verbosity */
	MSG_LISTEN,		/* one fd: a bound listener (ws_server, control) */
	MSG_STATS_REQ,		/* struct msg_stats_req: send your counters */
	MSG_CTL_RES,		/* struct msg_ctl_res + reply line (control) */
	MSG_METRICS_RES,	/* struct msg_metrics_res + text (exporter,
				 * metrics) */
	MSG_ROUTE_DROP,		/* struct msg_route, no fd: a reload removed
				 * the other end of this route */
	MSG_PATH,		/* JSON text: "outputs", "pipelines" and
				 * "on_cycle" replacing the config's (reload) */
	MSG_CTL_CLIENT,		/* struct msg_ctl_client + one fd: a wsflowctl
				 * client the supervisor accepted (control) */
	MSG_KH_CHANNEL,		/* one fd: the worker's channel to the
				 * keyholder (replaces the one before) */
	MSG_TLS_CHAIN,		/* PEM certificate chain of the worker's key
				 * (start-up and certificate reloads) */
	MSG_KH_PEER,		/* struct msg_kh_peer + one fd (keyholder) */
	MSG_KH_KEY,		/* struct msg_kh_key + chain PEM + the key
				 * file's fd (keyholder) */
	MSG_DIAL_RES,		/* struct msg_dial_res + the connected fd,
				 * or none with the error (version 7) */
	MSG_KH_FORGET,		/* struct msg_kh_forget: a reload retired that
				 * connector's worker; its keys are wiped
				 * (keyholder, version 8) */

	/* 100-199: worker -> supervisor (control channel) */
	MSG_HELLO = 100,	/* struct msg_hello */
	MSG_READY,		/* struct msg_ready: configured and sandboxed */
	MSG_FAILED,		/* text: why start-up failed */
	MSG_STARTED,		/* no payload */
	MSG_DRAINED,		/* struct msg_drained: about to exit */
	MSG_EXIT_REQ,		/* struct msg_exit: an event reached exit */
	MSG_RESOLVE_REQ,	/* struct msg_resolve_req */
	MSG_STATS,		/* struct msg_stats, its route ends, then the
				 * connector's own counters (JSON text) */
	MSG_CTL_REQ,		/* struct msg_ctl_req (control worker only) */
	MSG_METRICS_REQ,	/* struct msg_metrics_req (exporter, metrics) */
	MSG_SOURCE_POS,		/* struct msg_source_pos: acknowledged up to
				 * here (a source that can replay) */
	MSG_CTL_CLOSED,		/* struct msg_ctl_closed: a client is gone
				 * (control worker only) */
	MSG_KH_KEY_RES,		/* struct msg_kh_key_res + why (keyholder) */
	MSG_DIAL_REQ,		/* struct msg_dial_req: connect the
				 * connector's unix_socket (version 7) */

	/* 200-299: worker <-> worker (routes) */
	MSG_EVENT = 200,	/* struct msg_event + value + metadata */
	MSG_PAUSE,		/* upstream: stop producing into this route */
	MSG_RESUME,		/* upstream: produce again */
	MSG_STREAM_END,		/* struct msg_stream_end: a source stream ended */
	MSG_ACK,		/* upstream: struct msg_ack, events handled */
	MSG_KH_SIGN,		/* struct msg_kh_sign + data (to keyholder) */
	MSG_KH_SIG,		/* struct msg_kh_sig + signature (answer) */
};

#define MSG_CONTROL_DOWN_MIN	1
#define MSG_CONTROL_DOWN_MAX	99
#define MSG_CONTROL_UP_MIN	100
#define MSG_CONTROL_UP_MAX	199
#define MSG_ROUTE_MIN		200
#define MSG_ROUTE_MAX		299

struct msg_hello {
	uint32_t	mh_version;
	uint32_t	mh_id;		/* connector id the worker was told */
};

/* What the worker says of itself: informational only, the supervisor
 * reads a worker's ids and sandbox from /proc/PID/status. */
struct msg_ready {
	uint32_t	my_uid;		/* real uid after the sandbox */
	uint32_t	my_euid;
};

/* Which end of a route a worker holds. */
enum route_end {
	ROUTE_OUT = 1,		/* this worker produces events into it */
	ROUTE_IN = 2,		/* this worker consumes events from it */
};

struct msg_route {
	uint32_t	mr_id;		/* route id, unique in a deployment */
	uint32_t	mr_end;		/* enum route_end */
	uint32_t	mr_peer;	/* connector id at the other end */
	uint32_t	mr_generation;	/* bumps on every re-wiring */
};

struct msg_drained {
	uint64_t	md_events_in;
	uint64_t	md_events_out;
	uint64_t	md_dropped;
};

struct msg_exit {
	uint64_t	mx_delay_ns;
	int32_t		mx_code;
	uint32_t	mx_graceful;
};

/*
 * Counters of one worker: the answer to MSG_STATS_REQ (version 5).
 * struct msg_stats holds the counters every worker keeps; it is followed
 * by st_nroutes struct msg_stats_route (its route ends, at most
 * PROTO_STATS_ROUTES) and then by what its connector type adds (ws
 * connection counts, close codes, ...) as one JSON object text of at
 * most PROTO_STATS_CONN_MAX bytes, or nothing when the type adds none.
 * The supervisor does not parse that text: it passes it on unchanged
 * (as "connector" of the worker's stats in the show stats reply).
 */
#define PROTO_STATS_ROUTES	256
#define PROTO_STATS_CONN_MAX	(16 * 1024)
#define PROTO_STATS_PORTS	8	/* per-port event counts */
#define PROTO_STATS_PORT_MAX	16

struct msg_stats_req {
	uint32_t	sq_seq;
};

struct msg_stats_route {
	uint32_t	sr_id;		/* route id */
	uint32_t	sr_end;		/* enum route_end */
	uint32_t	sr_peer;	/* connector id at the other end */
	uint32_t	sr_generation;
	uint32_t	sr_up;		/* 1: the route end is open */
	uint32_t	sr_paused;	/* 1: the consumer asked for a pause */
	uint64_t	sr_events;	/* events sent (out) or received (in) */
	uint64_t	sr_dropped;
	uint64_t	sr_bytes;
	uint64_t	sr_queued;	/* bytes waiting to be written */
	uint64_t	sr_acked;	/* out: acknowledged by the consumer
					 * since wiring; in: acknowledged */
	uint64_t	sr_lost;	/* out: sent, never acknowledged, the
					 * consumer gone, not replayed */
	uint64_t	sr_duplicates;	/* in: events numbered no higher than
					 * one already handled (a replay) */
};

/* Events through one port of the connector (out: it emitted them there;
 * in: they entered it there to be written). */
struct msg_stats_port {
	char		sp_port[PROTO_STATS_PORT_MAX];	/* NUL-terminated */
	uint32_t	sp_out;		/* 1: an output port */
	uint32_t	sp_pad;
	uint64_t	sp_events;
};

struct msg_stats {
	uint32_t	st_seq;		/* as in the request */
	uint32_t	st_nroutes;	/* struct msg_stats_route that follow */
	uint64_t	st_events_in;
	uint64_t	st_events_out;
	uint64_t	st_errors;	/* events sent to err ports */
	uint64_t	st_dropped;
	uint64_t	st_bytes_in;
	uint64_t	st_bytes_out;
	uint64_t	st_pulls;	/* reads so far (not shown yet) */
	uint32_t	st_nports;	/* st_ports in use */
	uint32_t	st_pad;
	struct msg_stats_port st_ports[PROTO_STATS_PORTS];
	uint64_t	st_lost;	/* sum of the routes' sr_lost */
	uint64_t	st_replayed;	/* events a source emitted again after
					 * going back to its acknowledged
					 * position */
	uint64_t	st_duplicates;	/* sum of the routes' sr_duplicates */
};

/* A wsflowctl request the control worker accepted (see ctlproto.h). */
struct msg_ctl_req {
	uint32_t	cq_id;		/* the control worker's client id */
	uint32_t	cq_cmd;		/* enum ctl_cmd */
	uint32_t	cq_uid;		/* peer credentials of the client */
	int32_t		cq_pid;
};

/* Followed by the reply line (JSON object and newline). */
struct msg_ctl_res {
	uint32_t	cs_id;
};

/*
 * What the metrics exporter and the metrics connector ask the supervisor:
 * the workers' counters (answered with the show stats reply, a JSON
 * object text, once every worker answered or CTL_STATS_WAIT_MS passed)
 * or whether every worker runs (answered at once; mr_status 0 and "ok",
 * or 1 and the reason).  mq_id is the asker's and comes back as mr_id.
 */
enum metrics_what {
	METRICS_STATS = 1,
	METRICS_HEALTH,
};

struct msg_metrics_req {
	uint32_t	mq_id;
	uint32_t	mq_what;	/* enum metrics_what */
};

/* Followed by the text. */
struct msg_metrics_res {
	uint32_t	mr_id;
	uint32_t	mr_what;
	uint32_t	mr_status;	/* health: 0 healthy, 1 not */
	uint32_t	mr_pad;
};

/* A client the supervisor accepted, with its SO_PEERCRED (the fd). */
struct msg_ctl_client {
	uint32_t	ck_id;		/* its id in MSG_CTL_REQ and _RES */
	uint32_t	ck_uid;
	int32_t		ck_pid;
	uint32_t	ck_may_change;	/* 1: root or the daemon's user */
};

/* The control worker closed client ce_id: its slot is free again. */
struct msg_ctl_closed {
	uint32_t	ce_id;
};

/*
 * The keyholder (workers/keyholder.c) is the one process holding private
 * keys.  The supervisor opens each key file and passes the descriptor
 * with MSG_KH_KEY (it never reads a key itself), and gives every worker
 * with a key a SOCK_SEQPACKET socketpair to the keyholder: one end with
 * MSG_KH_CHANNEL to the worker, the other with MSG_KH_PEER, naming the
 * connector, to the keyholder, which signs for a channel with that
 * connector's key only.  Each datagram on a channel is a struct proc_hdr
 * (MSG_KH_SIGN or MSG_KH_SIG) and its payload.
 */
#define PROTO_PATH_MAX		1024
#define PROTO_CHAIN_MAX		(1024 * 1024)	/* PEM chain bytes */
#define PROTO_KEYFILE_MAX	(64 * 1024)	/* PEM key file bytes */
#define PROTO_KH_DATA_MAX	4096	/* digest, or message (Ed25519) */
#define PROTO_KH_SIG_MAX	1024	/* RSA 8192 bits */
#define PROTO_KH_MD_MAX		32
#define PROTO_KH_KEYID_LEN	32	/* SHA-256 */
#define PROTO_KH_KEYS_MAX	64	/* connectors with a key, reloads'
					 * retired ones included */

struct msg_kh_peer {
	uint32_t	kp_id;		/* connector id of the channel */
};

/* Followed by kk_chain_len bytes of PEM chain (the key is checked
 * against its first certificate). */
struct msg_kh_key {
	uint32_t	kk_id;		/* connector id */
	uint32_t	kk_chain_len;
	char		kk_certfile[PROTO_PATH_MAX];	/* for messages */
	char		kk_keyfile[PROTO_PATH_MAX];
};

/* The connector whose key (and channels) the keyholder forgets. */
struct msg_kh_forget {
	uint32_t	kf_id;
};

/* Followed by a reason (text) when kr_ok is 0. */
struct msg_kh_key_res {
	uint32_t	kr_id;
	uint32_t	kr_ok;
};

/* What a MSG_KH_SIGN asks for. */
enum kh_op {
	KH_SIGN_DIGEST = 1,	/* RSA, ECDSA: sign a digest of ks_md */
	KH_SIGN_MESSAGE,	/* Ed25519: sign the message itself */
};

enum kh_pad {
	KH_PAD_NONE = 0,	/* not RSA */
	KH_PAD_PKCS1,		/* RSASSA-PKCS1-v1_5 */
	KH_PAD_PSS,		/* RSASSA-PSS, MGF1 with ks_md */
};

/* Followed by ks_len (at most PROTO_KH_DATA_MAX) bytes. */
struct msg_kh_sign {
	uint32_t	ks_seq;
	uint32_t	ks_op;		/* enum kh_op */
	uint32_t	ks_pad;		/* enum kh_pad */
	int32_t		ks_saltlen;	/* PSS: -1 digest length, -2 maximum */
	uint32_t	ks_len;
	char		ks_md[PROTO_KH_MD_MAX];	/* digest name, NUL-terminated */
	/* which key: SHA-256 of its public half (tls_key_id), so that a
	 * handshake begun before a reload signs with the key it began with */
	uint8_t		ks_key[PROTO_KH_KEYID_LEN];
};

/* Followed by sg_len (at most PROTO_KH_SIG_MAX) bytes of signature. */
struct msg_kh_sig {
	uint32_t	sg_seq;
	uint32_t	sg_ok;		/* 0: refused or failed */
	uint32_t	sg_len;
};

#define PROTO_HOST_MAX		256
#define PROTO_SERV_MAX		32
#define PROTO_ADDRS_MAX		8

struct msg_resolve_req {
	uint32_t	mq_id;
	int32_t		mq_family;	/* AF_UNSPEC, AF_INET, AF_INET6 */
	char		mq_host[PROTO_HOST_MAX];	/* NUL-terminated */
	char		mq_serv[PROTO_SERV_MAX];	/* NUL-terminated */
};

/*
 * A ws_client with unix_socket cannot reach the file system: the
 * supervisor connects the socket its configuration names (never a path
 * the worker sends) and passes the descriptor, or the errno why not.
 */
struct msg_dial_req {
	uint32_t	mdq_id;
};

struct msg_dial_res {
	uint32_t	mds_id;
	int32_t		mds_error;	/* errno, 0: the fd is connected */
};

struct proto_addr {
	uint32_t		pa_len;
	struct sockaddr_storage	pa_addr;
};

struct msg_resolve_res {
	uint32_t	ms_id;
	int32_t		ms_error;	/* getaddrinfo() code, 0 on success */
	uint32_t	ms_naddrs;
	struct proto_addr ms_addrs[PROTO_ADDRS_MAX];
};

/*
 * Event flags.  A value whose top-level is a string travels as its raw
 * bytes with EV_STRING (so non-UTF-8 bytes from the string and binary
 * codecs survive); any other value is one line of JSON text exactly as
 * the json codec writes it (codec_json_write, unsorted), which a sink
 * with that codec writes out without parsing it (version 4).
 */
#define EV_STRING	0x0001
#define EV_BINARY	0x0002	/* the source saw a binary frame */
#define EV_FLAGS_ALL	(EV_STRING | EV_BINARY)

#define PROTO_PORT_MAX	16

/* Followed by me_value_len bytes of value and me_meta_len bytes of JSON. */
struct msg_event {
	uint64_t	me_stream;
	uint32_t	me_origin;	/* connector id of the source */
	uint32_t	me_flags;
	uint32_t	me_value_len;
	uint32_t	me_meta_len;
	char		me_port[PROTO_PORT_MAX];	/* target port, NUL-terminated */
	uint64_t	me_seq;		/* the source's event number, from 1,
					 * kept across its restarts; 0: none */
};

/*
 * A stream of the source at the other end of a route ended (a ws_server
 * client closed, a file was read to its end).  It follows the stream's
 * last event on every outgoing route; a sink may release what it keeps
 * for that stream (a relaying ws_client closes its upstream connection).
 */
struct msg_stream_end {
	uint64_t	se_stream;
	uint32_t	se_origin;	/* connector id of the source */
	uint32_t	se_pad;
};

/*
 * Acknowledgement, upstream on a route: the consumer has handled (written,
 * or counted as dropped) the first ma_seq events it received on this
 * route since it was wired.  Sent in batches; ma_seq only grows.
 */
struct msg_ack {
	uint64_t	ma_seq;
};

/*
 * What a source that can replay (a regular file) has had acknowledged by
 * every route its events took: the input position after the last such
 * event and how many events it had emitted by then.  The supervisor
 * keeps it and passes it back when it restarts the worker ("resume" in
 * its config); with resume = true it also keeps it in the state directory.
 */
struct msg_source_pos {
	uint64_t	sp_offset;
	uint64_t	sp_events;
};

/*
 * proto.c: the names of message types and the payloads that are more
 * than one struct, built and checked over the message layer (proc.h).
 */
struct proc_peer;
struct proc_msg;

/* One event decoded from a MSG_EVENT payload (pointers into it). */
struct proto_event {
	struct msg_event	 pe_hdr;
	const char		*pe_value;
	const char		*pe_meta;
};

/* "MSG_EVENT", ...; "MSG_UNKNOWN(n)" (a static buffer) for others. */
const char	*proto_msg_name(unsigned int);
int		 proto_event_send(struct proc_peer *, const struct msg_event *,
		    const void *, const void *);
int		 proto_event_parse(const struct proc_msg *,
		    struct proto_event *, char *, size_t);
int		 proto_resolve_req(struct msg_resolve_req *, uint32_t, int,
		    const char *, const char *);
/* One keyholder channel datagram (struct proc_hdr, the struct, the
 * data), every length checked; 0 with the struct and the data, or -1. */
int		 proto_kh_sign_parse(const void *, size_t, struct msg_kh_sign *,
		    const uint8_t **);
int		 proto_kh_sig_parse(const void *, size_t, struct msg_kh_sig *,
		    const uint8_t **);

#endif
