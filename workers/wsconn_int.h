/*
 * Inside one WebSocket connection: what wsconn.c (states, plain I/O,
 * handshake, frames) and wsconn_tls.c (TLS through OpenSSL and the wire
 * BIO) share.  Nothing outside these two files includes it.
 */
#ifndef WSFLOW_WSCONN_INT_H
#define WSFLOW_WSCONN_INT_H

#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "buf.h"
#include "ws.h"
#include "wsconn.h"

#define WSC_OUT_LOW	(64U * 1024)	/* writable again below this */
#define WSC_READ_MAX	(64U * 1024)	/* bytes per read(2) or batch */
#define WSC_SEAL_MAX	(64U * 1024)	/* TLS: plaintext per SSL_write */
#define WSC_SMALL_FRAME	512		/* queued in one piece up to this */

enum wsc_state {
	WSC_CONNECTING,		/* client: TCP connect in progress */
	WSC_TLS,		/* client: TLS handshake */
	WSC_HANDSHAKE,		/* HTTP upgrade */
	WSC_OPEN,
	WSC_CLOSING,		/* our close sent, waiting for the peer's */
	WSC_FLUSH,		/* write what is queued, then drop TCP */
	WSC_WAIT_EOF,		/* client: close done, server drops TCP */
	WSC_DEAD		/* the owner is told and it is freed */
};

struct wsconn {
	struct event_base	*c_base;
	SSL			*c_ssl;		/* TLS (ours) */
	struct evbuffer		*c_wire;	/* TLS: records to send */
	int			 c_fd;
	struct evbuffer		*c_in;		/* received (lazy) */
	struct evbuffer		*c_out;		/* to send (TLS: to seal) */
	struct event		*c_rev;		/* readable */
	struct event		*c_wev;		/* output backlog */
	const struct wsconn_conf *c_conf;	/* the owner's */
	const struct wsconn_cb	*c_cb;
	void			*c_arg;
	enum wsc_state		 c_state;
	unsigned int		 c_was_open:1;
	unsigned int		 c_paused:1;
	unsigned int		 c_tls_done:1;
	unsigned int		 c_tls_bad:1;	/* failed: no close_notify */
	unsigned int		 c_tcp_ok:1;	/* client: TCP connected */
	unsigned int		 c_in_cb:1;	/* flush when done */
	unsigned int		 c_ping_unanswered:1;
	struct ws_parser	 c_parser;
	struct ws_close		 c_close;
	const uint8_t		*c_vtext;	/* text being delivered */
	size_t			 c_vlen;
	struct event		*c_timer;	/* handshake, close wait (lazy) */
	struct event		*c_ping;
	struct event		*c_defer;	/* reap or resume */
	struct event		*c_conn_ev;	/* client TCP connect */
	uint64_t		 c_ping_seq;
	char			 c_key[WS_KEY_LEN + 1];
	char			*c_name;
	char			*c_err;		/* why it ended (allocated) */
	struct buf		 c_tmp;
};

/* The buffer a read batch lands in (one worker, one thread). */
extern uint8_t	 wsc_rbuf[WSC_READ_MAX];

/* wsconn.c */
void	 wsc_why(struct wsconn *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 wsc_dead(struct wsconn *);
void	 wsc_hs_failed(struct wsconn *);
void	 wsc_client_request(struct wsconn *);
void	 wsc_flush(struct wsconn *);
void	 wsc_batch(struct wsconn *, uint8_t *, size_t);
void	 wsc_io_event(struct wsconn *, short, int);

/* wsconn_tls.c */
int	 wsc_tls_start(struct wsconn *, int);
void	 wsc_tls_read(struct wsconn *);
int	 wsc_tls_seal(struct wsconn *);
int	 wsc_tls_pending(struct wsconn *);
void	 wsc_tls_shutdown(struct wsconn *);

#endif
