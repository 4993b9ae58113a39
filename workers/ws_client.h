/*
 * The ws_client connector in two modes sharing one target: ws_client.c
 * keeps one connection for the whole connector (Tremor's ws_client);
 * ws_relay.c, chosen by "per_stream": true, keeps one connection per
 * stream of the events it receives and answers on behalf of that stream.
 */
#ifndef WSFLOW_WS_CLIENT_H
#define WSFLOW_WS_CLIENT_H

#include <openssl/ssl.h>

#include "backoff.h"
#include "proto.h"
#include "url.h"
#include "worker.h"
#include "wsconn.h"

/* Where and how to connect: read once from the connector config. */
struct wcl_target {
	struct url		 tg_url;
	int			 tg_tls;
	SSL_CTX			*tg_ctx;
	char			 tg_domain[URL_HOST_MAX];
	int			 tg_nodelay;
	struct backoff		 tg_bo;		/* the policy, as configured */
	struct wsconn_conf	 tg_conf;	/* points at tg_url, tg_st */
	struct wsc_stats	 tg_st;
};

/* Messages waiting for a connection, in order. */
struct wcl_held {
	struct wcl_held		*h_next;
	int			 h_binary;
	size_t			 h_len;
	char			 h_data[];
};

struct wcl_queue {
	struct wcl_held		*q_head, **q_tail;
	size_t			 q_n, q_bytes;
};

/* Called for each queued message a connection refused. */
typedef void (*wcl_drop_fn)(void *, const char *);

/* ws_client.c */
void		 wcl_q_init(struct wcl_queue *);
int		 wcl_q_push(struct wcl_queue *, int, const char *, size_t);
size_t		 wcl_q_clear(struct wcl_queue *);
void		 wcl_q_send(struct wcl_queue *, struct wsconn *, size_t,
		    wcl_drop_fn, void *);
struct wsconn	*wcl_dial(struct worker *, const struct wcl_target *,
		    const struct proto_addr *, const struct wsconn_cb *,
		    void *, char *, size_t);
/* Whether the events of a binary or text frame may be emitted now. */
int		 wcl_can_read(struct worker *);
/* Fill *pa from a numeric host; -1 when the host is a name. */
int		 wcl_numeric(const struct url *, struct proto_addr *);

/* ws_relay.c: take over the connector (the target moves in). */
int		 wrl_setup(struct worker *, struct wcl_target *, char *,
		    size_t);

#endif
