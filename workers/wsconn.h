/* SPDX-License-Identifier: ISC */
/*
 * One WebSocket connection (on its own libevent events and evbuffers;
 * TLS through OpenSSL, which reads the socket ahead and writes its
 * records to an evbuffer), shared by the ws_server and ws_client
 * connectors: opening handshake (either side), frame parsing with
 * common/ws.h, automatic pong, close echo, error close codes,
 * keepalive pings, bounded output and input backpressure,
 * permessage-deflate (common/pmd.h) and subprotocol choice.  Messages go
 * up through callbacks; nothing here knows about events, codecs or
 * routes.
 */
#ifndef WSFLOW_WSCONN_H
#define WSFLOW_WSCONN_H

#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include <event2/event.h>
#include <json-c/json.h>
#include <openssl/ssl.h>

#include "budget.h"
#include "buf.h"
#include "pmd.h"
#include "url.h"
#include "ws.h"

#define WSC_HS_TIMEOUT_MS	10000	/* TCP + TLS + HTTP upgrade */
#define WSC_CLOSE_WAIT_MS	2000	/* for the peer's close frame / EOF */
#define WSC_OUT_MAX		(8U * 1024 * 1024)	/* queued output */
/*
 * Over the output bound, a peer that has taken at least this much of
 * its output by the end of a close wait is reading (slowly): it gets
 * another close wait.  With the 2 s wait, 32 KiB/s (256 kbit/s).
 */
#define WSC_DRAIN_MIN		(64U * 1024)
#define WSC_NAME_MAX		96
/* Time limits (issue 11); each is a config key, 0 turns it off. */
#define WSC_IDLE_MS_SERVER	300000	/* no data frame either way */
#define WSC_MSG_TIMEOUT_MS	120000	/* an unfinished message */
#define WSC_PROTOCOLS_MAX	16	/* subprotocols configured */

/* Counters a connector keeps for all its connections (show stats). */
struct wsc_stats {
	uint64_t	st_connections;		/* opened (handshake done) */
	uint64_t	st_handshake_failed;
	uint64_t	st_frames_in;		/* messages received */
	uint64_t	st_frames_out;		/* messages sent */
	uint64_t	st_bytes_in;		/* payload bytes */
	uint64_t	st_bytes_out;
	uint64_t	st_pings_in;
	uint64_t	st_overflows;		/* closed with 1008 */
	uint64_t	st_budget_in;		/* max_buffered: closed 1009 */
	uint64_t	st_budget_out;		/* max_buffered: closed 1008 */
	uint64_t	st_close_in[16];	/* codes 1000-1015 received */
	uint64_t	st_close_out[16];	/* codes 1000-1015 sent */
	uint64_t	st_close_other;		/* other codes, either way */
	uint64_t	st_timeouts;		/* idle, message or pong */
	uint64_t	st_deflate;		/* opened with permessage-deflate */
	uint64_t	st_deflate_mem;		/* zlib bound of those open now */
	uint64_t	st_proxy_failed;	/* CONNECT refused or malformed */
};

struct wsconn;

/* What a connection tells its owner.  wc_closed is the last call; the
 * connection is freed right after it returns. */
struct wsconn_cb {
	void	(*wc_open)(struct wsconn *, void *);
	void	(*wc_message)(struct wsconn *, int, const uint8_t *, size_t,
		    void *);
	void	(*wc_closed)(struct wsconn *, void *);
	/* Queued output fell below 64 KiB (may be NULL). */
	void	(*wc_writable)(struct wsconn *, void *);
};

struct wsconn_conf {
	enum ws_role		 cf_role;
	struct ws_limits	 cf_lim;
	int			 cf_hs_timeout_ms;
	int			 cf_close_wait_ms;
	int			 cf_ping_ms;	/* 0: no keepalive pings */
	/* Time limits and the Origin policy (issue 11). */
	int			 cf_pong_ms;	/* ping answer; 0: cf_ping_ms */
	int			 cf_idle_ms;	/* no data frame; 0: none */
	int			 cf_msg_ms;	/* message to complete; 0: none */
	const char *const	*cf_origins;	/* server: allowed Origins */
	size_t			 cf_norigins;	/* (cf_origins NULL: any) */
	size_t			 cf_out_max;
	const struct url	*cf_url;	/* client: target and Host */
	struct wsc_stats	*cf_stats;
	struct budget		*cf_budget;	/* the worker's, or NULL */
	const char		*cf_owner;	/* connector name for logs */
	struct pmd_config	 cf_pmd;	/* permessage-deflate wanted */
	char			*cf_protocols[WSC_PROTOCOLS_MAX];
	size_t			 cf_nprotocols;	/* subprotocols, preferred first */
	char			*cf_protocol_offer;	/* client: "a, b" */
	/* Request metadata (issue 14): server, when cf_request is set. */
	int			 cf_request;	/* keep wsconn_request() */
	const char *const	*cf_req_names;	/* request_headers */
	size_t			 cf_nreq_names;
	/* Client (issue 14): Origin and extra fields {name: value}. */
	const char		*cf_origin;	/* NULL: none */
	struct json_object	*cf_headers;	/* NULL: none */
	/* Client (issue 14): the CONNECT request to send to a proxy first
	 * (holds its credentials; wsconn_conf_clear wipes it), or NULL. */
	char			*cf_proxy_req;
	size_t			 cf_proxy_len;
};

struct json_object;
/* Add the counters to o (show stats); close codes by number. */
void		 wsconn_stats_json(const struct wsc_stats *, struct json_object *);

int		 wsconn_preload(void);
void		 wsconn_conf_default(struct wsconn_conf *, enum ws_role);
/* Time limits and sizes from a ws_server or ws_client config record. */
void		 wsconn_limits_read(struct wsconn_conf *, struct json_object *);
/* Read "compression" and "protocols" of a connector config (troy
 * checked them); -1 with the reason in the buffer. */
int		 wsconn_conf_read(struct wsconn_conf *, struct json_object *,
		    char *, size_t);
/* Free what wsconn_conf_read() allocated. */
void		 wsconn_conf_clear(struct wsconn_conf *);

/*
 * Server side: take an accepted socket (ownership passes) and, when ssl is
 * not NULL, the SSL object to accept TLS on (ownership passes).  The conf
 * (of wsconn_accept and wsconn_connect) is the owner's and must outlive
 * the connection: it is not copied.
 */
struct wsconn	*wsconn_accept(struct event_base *, int, SSL *,
		    const struct wsconn_conf *, const struct wsconn_cb *,
		    void *, const char *);
/*
 * Client side: connect the non-blocking socket fd (ownership passes) to
 * sa (NULL: fd is connected already), then TLS (ssl prepared with SNI
 * and verification, or NULL), then the HTTP upgrade.  NULL on immediate
 * failure (fd and ssl freed).
 */
struct wsconn	*wsconn_connect(struct event_base *, int, SSL *,
		    const struct sockaddr *, socklen_t,
		    const struct wsconn_conf *, const struct wsconn_cb *,
		    void *, const char *);
/* Free at once, without any callback (owner's shutdown). */
void		 wsconn_free(struct wsconn *);

/* Queue one message as one frame; -1 with a reason when not sent
 * (not open, not UTF-8 for a text frame, output bound: closed 1008). */
int		 wsconn_send(struct wsconn *, int, const void *, size_t,
		    const char **);
/*
 * A message framed once for many server connections (broadcast): a
 * text message is checked for UTF-8 here, once.  NULL with a reason.
 * Connections that write it keep a reference; wsconn_shared_free drops
 * the creator's (accepts NULL).
 */
struct wsconn_shared;
struct wsconn_shared *wsconn_shared_new(int, const void *, size_t,
		    const char **);
void		 wsconn_shared_free(struct wsconn_shared *);
/*
 * Queue a shared message on a server connection (its header and
 * payload referenced, not copied, when larger than 1 KiB; a compressed
 * connection deflates it on its own): 0, -1 with a reason when not sent,
 * -2 when the output bound or max_buffered refused it (1008 follows).
 */
int		 wsconn_send_shared(struct wsconn *, struct wsconn_shared *,
		    const char **);
/* The owner's memory budget refused what a received message needs (a
 * preprocessor fragment): count, log, close with 1009. */
void		 wsconn_budget_close(struct wsconn *);
/* Start the closing handshake with code and reason. */
void		 wsconn_close(struct wsconn *, uint16_t, const char *);
/* Stop (1) or resume (0) reading: input backpressure. */
void		 wsconn_pause(struct wsconn *, int);
/* Whether messages can be sent (handshake done, no close yet). */
int		 wsconn_is_open(const struct wsconn *);
/* Bytes queued for the peer. */
size_t		 wsconn_pending(const struct wsconn *);
/* "127.0.0.1:4242" as given at creation. */
const char	*wsconn_name(const struct wsconn *);
/* Its TLS object (peer certificate, ...), NULL without TLS. */
SSL		*wsconn_ssl(const struct wsconn *);
/* Why the connection ended (valid in wc_closed). */
const char	*wsconn_error(const struct wsconn *);
/* Whether it was open (handshake completed) before it ended. */
int		 wsconn_was_open(const struct wsconn *);
/* Client: whether the TCP connect itself succeeded. */
int		 wsconn_tcp_ok(const struct wsconn *);
/* The subprotocol agreed in the handshake, or NULL. */
const char	*wsconn_protocol(const struct wsconn *);
/* Whether permessage-deflate was agreed. */
int		 wsconn_deflate(const struct wsconn *);


/* Numeric host (IPv6 without brackets) and port of an address. */
void		 wsconn_addr(const struct sockaddr_storage *, char *, size_t,
		    uint16_t *);
/* {type: {"tls": b, "peer": {"host", "port"}, "protocol": p}} plus
 * "binary": true; "protocol" only when one was agreed (p not NULL). */
struct json_object *wsconn_meta(const char *, const char *, uint16_t, int,
		    int, const char *);
/* Server with cf_request: {"path", "query", "headers"} of the upgrade
 * request (common/reqmeta.h), or NULL; the connection's. */
struct json_object *wsconn_request(const struct wsconn *);
/* Log the first ten of a repeated problem, then every thousandth. */
int		 wsconn_often(uint64_t);

#endif
