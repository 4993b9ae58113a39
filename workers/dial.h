/* SPDX-License-Identifier: ISC */
/*
 * What the two modes of the ws_client connector share: ws_client.c keeps
 * one connection for the whole connector, ws_relay.c one per stream.
 * The target (url, TLS, policy) read once from the config, names
 * resolved by the supervisor, dialling a resolved address (or a
 * unix_socket the supervisor connected), the identity
 * metadata of a connection ({"ws_client": {...}}) and the queue of
 * messages held while a connection opens (hq_).
 */
#ifndef WSFLOW_DIAL_H
#define WSFLOW_DIAL_H

#include <netinet/in.h>

#include <openssl/ssl.h>

#include "backoff.h"
#include "proto.h"
#include "url.h"
#include "worker.h"
#include "wsconn.h"

/* Where and how to connect: read once from the connector config. */
struct dl_target {
	struct url		 tg_url;
	int			 tg_tls;
	SSL_CTX			*tg_ctx;
	char			 tg_domain[URL_HOST_MAX];
	int			 tg_nodelay;
	struct backoff		 tg_bo;		/* the policy, as configured */
	struct wsconn_conf	 tg_conf;	/* points at tg_url, tg_st */
	struct wsc_stats	 tg_st;
	char			 tg_unix[URL_UNIX_MAX];	/* unix_socket, ""
						 * none (issue 14) */
	/* HTTP CONNECT proxy (issue 14): its host is what is resolved and
	 * dialled; tg_conf holds the CONNECT request for tg_url. */
	int			 tg_proxied;
	struct url		 tg_proxy;
	const struct url	*tg_dial;	/* &tg_proxy or &tg_url */
};

/* The addresses of the target's host: numeric, or asked of the
 * supervisor (a chrooted worker cannot read resolv.conf). */
struct dl_resolver {
	struct proto_addr	 rv_addrs[PROTO_ADDRS_MAX];
	int			 rv_naddrs;	/* 0: not known */
	int			 rv_resolving;	/* an answer is due */
	uint32_t		 rv_id;		/* of the last question */
};

/* The metadata of connections to one address, shared by them (nothing
 * changes the objects, so the routes send their cached text). */
struct dl_meta {
	struct json_object	*dm_text, *dm_bin;	/* text, binary */
	char			 dm_host[INET6_ADDRSTRLEN];
	uint16_t		 dm_port;
	char			 dm_protocol[WS_FIELD_MAX];	/* "" none */
};

/* A message waiting for a connection. */
struct hq_msg {
	struct hq_msg		*h_next;
	int			 h_binary;
	size_t			 h_len;
	char			 h_data[];
};

/* Messages waiting for a connection, in order. */
struct hq_queue {
	struct hq_msg		*q_head, **q_tail;
	size_t			 q_n, q_bytes;
	struct budget		*q_budget;	/* max_buffered, or NULL */
	struct budget_hold	 q_hold;
};

/* Called for each queued message a connection refused. */
typedef void (*hq_drop_fn)(void *, const char *);

/* Read url, TLS material, options and policy (before the sandbox). */
int		 dl_target_read(struct worker *, struct dl_target *, char *,
		    size_t);
/* A new client certificate chain from the supervisor (a reload). */
void		 dl_tls_chain(struct worker *, struct dl_target *);
/* Addresses for the target: 0 when rv_addrs holds them (known or a
 * numeric host), 1 when the supervisor was asked (dl_resolved). */
int		 dl_resolve(struct dl_resolver *, struct worker *,
		    const struct url *);
/* An answer: -1 when it is not the one awaited (a late answer), 0 when
 * rv_addrs holds the addresses, 1 when the name failed (why in e). */
int		 dl_resolved(struct dl_resolver *,
		    const struct msg_resolve_res *, const struct url *, char *,
		    size_t);
/* unix_socket: ask the supervisor for a connected descriptor (1: the
 * answer comes to dl_unix_answer). */
int		 dl_unix_ask(struct dl_resolver *, struct worker *);
/* Its answer: -1 when it is not the one awaited (fd closed), 0 when fd
 * is connected (and rv_addrs[0] names the socket), 1 when it failed
 * (why in e). */
int		 dl_unix_answer(struct dl_resolver *, const struct dl_target *,
		    const struct msg_dial_res *, int, char *, size_t);
/* The address of unix_socket in pa; why an answer failed in e (1) or
 * 0 (for the relay, which asks per stream). */
void		 dl_unix_addr(const struct dl_target *, struct proto_addr *);
int		 dl_unix_failed(const struct dl_target *,
		    const struct msg_dial_res *, char *, size_t);
/* Start TLS and the upgrade on a connected unix_socket descriptor
 * (taken); NULL with the reason in e when that fails at once. */
struct wsconn	*dl_dial_fd(struct worker *, const struct dl_target *, int,
		    const struct wsconn_cb *, void *, char *, size_t);
/* After an attempt on address *addr ended: 1 (and *addr advanced) when
 * TCP was refused and another address of the name is left to try. */
int		 dl_next_addr(const struct dl_resolver *, struct wsconn *,
		    int *);
/* Open a socket to an address and start TCP, TLS and the upgrade; NULL
 * with the reason in e when that fails at once. */
struct wsconn	*dl_dial(struct worker *, const struct dl_target *,
		    const struct proto_addr *, const struct wsconn_cb *,
		    void *, char *, size_t);
/* Whether the events of a frame read from the peer may be emitted now. */
int		 dl_can_read(struct worker *);
/* Whether the event being written goes out as a binary frame. */
int		 dl_binary(struct worker *);
/* Count (in *n and the worker's total) and log one dropped event. */
void		 dl_drop(struct worker *, uint64_t *, const char *);
/* Arm a timer ms milliseconds from now. */
void		 dl_schedule(struct event *, uint64_t);
/* Point dm at the metadata of a connection to sa with the subprotocol
 * agreed (NULL: none), made when either differs from the last one. */
void		 dl_meta_set(struct dl_meta *, const struct dl_target *,
		    const struct sockaddr_storage *, const char *);
/* Release the metadata objects. */
void		 dl_meta_clear(struct dl_meta *);

/* Start an empty queue whose messages the budget (NULL: none) holds. */
void		 hq_init(struct hq_queue *, struct budget *);
/* Queue a copy of one message; -1 when out of memory, -2 when the
 * budget refuses it. */
int		 hq_push(struct hq_queue *, int, const char *, size_t);
/* Free every message; how many there were. */
size_t		 hq_clear(struct hq_queue *);
/* Send queued messages while the connection's output is below high
 * (0: no limit); one it refuses goes to drop, the rest stay if it
 * closed. */
void		 hq_send(struct hq_queue *, struct wsconn *, size_t,
		    hq_drop_fn, void *);

#endif
