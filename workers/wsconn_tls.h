/* SPDX-License-Identifier: ISC */
/*
 * The TLS layer of one WebSocket connection, below wsconn.c: OpenSSL
 * reads the socket itself, ahead, and writes its records to a wire
 * buffer that the connection sends.  The layer knows nothing of the
 * connection: each call says what happened (enum wsc_tls_st) and
 * wsconn.c acts on it.  Nothing outside wsconn.c includes this.
 */
#ifndef WSFLOW_WSCONN_TLS_H
#define WSFLOW_WSCONN_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>
#include <openssl/ssl.h>

#define WSC_READ_MAX	(64U * 1024)	/* bytes per read(2) or batch */

/* What a TLS call did. */
enum wsc_tls_st {
	WSC_TLS_OK,		/* handshake done, records decrypted, sealed */
	WSC_TLS_WANT,		/* OpenSSL waits for more from the socket */
	WSC_TLS_STOP,		/* an SSL call stopped: wsc_tls_end says how */
	WSC_TLS_CLOSED,		/* the peer's close_notify or an end of file */
	WSC_TLS_FAILED		/* failed, for the reason given */
};

/* TLS on one socket (inside struct wsconn). */
struct wsc_tls {
	SSL			*t_ssl;		/* ours once given */
	struct evbuffer		*t_wire;	/* records to send */
	unsigned int		 t_client:1;	/* we connected: verify */
	unsigned int		 t_done:1;	/* handshake complete */
	unsigned int		 t_bad:1;	/* failed: no close_notify */
};

/* Where an SSL call stopped, kept by the caller until wsc_tls_end. */
struct wsc_tls_stop {
	int	 ts_err;		/* SSL_get_error() */
	int	 ts_errno;		/* errno just after */
};

int		 wsc_tls_start(struct wsc_tls *, int, int);
enum wsc_tls_st	 wsc_tls_handshake(struct wsc_tls *, struct wsc_tls_stop *);
enum wsc_tls_st	 wsc_tls_read(struct wsc_tls *, uint8_t *, size_t, size_t *,
		    struct wsc_tls_stop *);
enum wsc_tls_st	 wsc_tls_end(struct wsc_tls *, const struct wsc_tls_stop *,
		    const char **);
enum wsc_tls_st	 wsc_tls_seal(struct wsc_tls *, struct evbuffer *,
		    const char **);
int		 wsc_tls_pending(const struct wsc_tls *);
void		 wsc_tls_shutdown(struct wsc_tls *);
void		 wsc_tls_free(struct wsc_tls *);

#endif
