/* SPDX-License-Identifier: ISC */
/*
 * The TLS layer of a WebSocket connection (wsconn_tls.h; wsconn.c does
 * the rest and acts on what each call returns).  OpenSSL reads the
 * socket itself, ahead (a whole batch of records per read(2)); what it
 * decrypts goes into the caller's buffer as one batch.  What a read
 * batch answers is sealed in one SSL_write and the records go to a BIO
 * that appends them to the wire buffer, which the connection writes in
 * one write: OpenSSL never waits to write (no SSL_ERROR_WANT_WRITE).
 * The handshake is driven by the same reads.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "wsconn_tls.h"

#define WSC_SEAL_MAX	(64U * 1024)	/* plaintext per SSL_write */

/* Why TLS failed, as wsc_tls_end and wsc_tls_seal report it. */
static char	 wsc_tls_why[256];

/* An SSL call returned r: OpenSSL waits for the socket, or it stopped. */
static enum wsc_tls_st
wsc_tls_stopped(struct wsc_tls *t, int r, struct wsc_tls_stop *stop)
{
	stop->ts_err = SSL_get_error(t->t_ssl, r);
	stop->ts_errno = errno;
	return stop->ts_err == SSL_ERROR_WANT_READ ? WSC_TLS_WANT :
	    WSC_TLS_STOP;
}

/* Why OpenSSL failed, with the certificate verdict when there is one. */
static const char *
wsc_tls_error(struct wsc_tls *t)
{
	char		 e[160] = "";
	unsigned long	 err;
	long		 v;

	while ((err = ERR_get_error()) != 0)
		if (e[0] == '\0')
			ERR_error_string_n(err, e, sizeof(e));
	if (t->t_client &&
	    (v = SSL_get_verify_result(t->t_ssl)) != X509_V_OK)
		(void)snprintf(wsc_tls_why, sizeof(wsc_tls_why),
		    "TLS: certificate verification failed: %s",
		    X509_verify_cert_error_string(v));
	else
		(void)snprintf(wsc_tls_why, sizeof(wsc_tls_why), "TLS: %s",
		    e[0] != '\0' ? e : errno != 0 ? strerror(errno) :
		    "handshake failed");
	return wsc_tls_why;
}

/*
 * How an SSL call stopped: the peer's close_notify or a bare end of
 * file is WSC_TLS_CLOSED (a dirty shutdown is allowed), anything else
 * WSC_TLS_FAILED with the reason in *why (valid until the next call).
 * Either way no close_notify follows unless the peer sent one.
 */
enum wsc_tls_st
wsc_tls_end(struct wsc_tls *t, const struct wsc_tls_stop *stop,
    const char **why)
{
	unsigned long	 err = ERR_peek_error();
	int		 e = stop->ts_err;

	if (e == SSL_ERROR_ZERO_RETURN ||
	    (e == SSL_ERROR_SYSCALL && err == 0 && stop->ts_errno == 0) ||
	    (e == SSL_ERROR_SSL && ERR_GET_LIB(err) == ERR_LIB_SSL &&
	    ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
		if (e != SSL_ERROR_ZERO_RETURN)
			t->t_bad = 1;
		ERR_clear_error();
		*why = NULL;
		return WSC_TLS_CLOSED;
	}
	t->t_bad = 1;
	if (!t->t_done || err != 0) {
		errno = stop->ts_errno;
		*why = wsc_tls_error(t);
	} else
		*why = stop->ts_errno != 0 ? strerror(stop->ts_errno) :
		    "connection error";
	return WSC_TLS_FAILED;
}

/*
 * Seal what is queued on out into records on the wire buffer, in pieces
 * of at most WSC_SEAL_MAX (a frame's header and payload in one record).
 * WSC_TLS_OK, or how it ended (*why as for wsc_tls_end).
 */
enum wsc_tls_st
wsc_tls_seal(struct wsc_tls *t, struct evbuffer *out, const char **why)
{
	struct wsc_tls_stop	 stop;
	unsigned char		*p;
	size_t			 len;
	int			 r;

	while ((len = evbuffer_get_length(out)) > 0) {
		if (len > WSC_SEAL_MAX)
			len = WSC_SEAL_MAX;
		if ((p = evbuffer_pullup(out, (ssize_t)len)) == NULL) {
			*why = "out of memory";
			return WSC_TLS_FAILED;
		}
		ERR_clear_error();
		if ((r = SSL_write(t->t_ssl, p, (int)len)) <= 0) {
			(void)wsc_tls_stopped(t, r, &stop);
			return wsc_tls_end(t, &stop, why);
		}
		evbuffer_drain(out, (size_t)r);
	}
	return WSC_TLS_OK;
}

/*
 * Drive the handshake with what the socket holds: WSC_TLS_OK once it is
 * complete (the caller's first read follows), WSC_TLS_WANT while it
 * needs more, else WSC_TLS_STOP (*stop for wsc_tls_end).
 */
enum wsc_tls_st
wsc_tls_handshake(struct wsc_tls *t, struct wsc_tls_stop *stop)
{
	int	 n;

	ERR_clear_error();
	if ((n = SSL_do_handshake(t->t_ssl)) != 1)
		return wsc_tls_stopped(t, n, stop);
	t->t_done = 1;
	return WSC_TLS_OK;
}

/*
 * What OpenSSL decrypts, gathered into buf (at most size bytes, *np
 * set in every case): records are taken while OpenSSL holds more (it
 * reads the socket ahead), so a message split over records is parsed in
 * place and no read(2) is made only to hear EAGAIN.  WSC_TLS_OK when
 * OpenSSL holds nothing more or buf is full, WSC_TLS_WANT when it waits
 * for the socket, WSC_TLS_STOP when it stopped (after the bytes in buf).
 */
enum wsc_tls_st
wsc_tls_read(struct wsc_tls *t, uint8_t *buf, size_t size, size_t *np,
    struct wsc_tls_stop *stop)
{
	enum wsc_tls_st	 st = WSC_TLS_OK;
	size_t		 off = 0;
	int		 n;

	while (off < size) {
		ERR_clear_error();
		n = SSL_read(t->t_ssl, buf + off, (int)(size - off));
		if (n <= 0) {
			st = wsc_tls_stopped(t, n, stop);
			break;
		}
		off += (size_t)n;
		if (!SSL_has_pending(t->t_ssl))
			break;
	}
	*np = off;
	return st;
}

/* TLS records OpenSSL writes go to the connection's wire buffer. */
static int
wsc_bio_write(BIO *b, const char *data, int len)
{
	struct evbuffer	*wire = BIO_get_data(b);

	BIO_clear_retry_flags(b);
	if (len <= 0)
		return 0;
	if (evbuffer_add(wire, data, (size_t)len) == -1)
		return -1;
	return len;
}

/* The wire BIO has nothing to control; a flush is a success. */
static long
wsc_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

/* A wire BIO is ready once made. */
static int
wsc_bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

/* The wire BIO's method, made once per process. */
static BIO_METHOD *
wsc_bio_method(void)
{
	static BIO_METHOD	*m;
	int			 idx;

	if (m != NULL)
		return m;
	if ((idx = BIO_get_new_index()) == -1 ||
	    (m = BIO_meth_new(idx | BIO_TYPE_SOURCE_SINK, "wsconn wire"))
	    == NULL)
		return NULL;
	if (!BIO_meth_set_write(m, wsc_bio_write) ||
	    !BIO_meth_set_ctrl(m, wsc_bio_ctrl) ||
	    !BIO_meth_set_create(m, wsc_bio_create)) {
		BIO_meth_free(m);
		m = NULL;
	}
	return m;
}

/*
 * TLS on the socket fd (t_ssl given, ours from now on): OpenSSL reads it
 * (ahead, up to WSC_READ_MAX at a time) and writes records to the wire
 * buffer.  The side that connects checks the peer's certificate.
 */
int
wsc_tls_start(struct wsc_tls *t, int fd, int accepting)
{
	BIO_METHOD	*m;
	BIO		*rb, *wb;

	t->t_client = !accepting;
	if ((m = wsc_bio_method()) == NULL ||
	    (t->t_wire = evbuffer_new()) == NULL)
		return -1;
	if ((rb = BIO_new_socket(fd, BIO_NOCLOSE)) == NULL)
		return -1;
	if ((wb = BIO_new(m)) == NULL) {
		BIO_free(rb);
		return -1;
	}
	BIO_set_data(wb, t->t_wire);
	SSL_set_bio(t->t_ssl, rb, wb);
	SSL_set_read_ahead(t->t_ssl, 1);
	SSL_set_default_read_buffer_len(t->t_ssl, WSC_READ_MAX);
	if (accepting)
		SSL_set_accept_state(t->t_ssl);
	else
		SSL_set_connect_state(t->t_ssl);
	return 0;
}

/* Whether OpenSSL holds decrypted input not taken yet. */
int
wsc_tls_pending(const struct wsc_tls *t)
{
	return SSL_has_pending(t->t_ssl);
}

/*
 * The end: close_notify (or an alert) onto the wire buffer, best effort,
 * unless the handshake never completed or TLS failed; the caller makes
 * one try at writing the wire buffer.
 */
void
wsc_tls_shutdown(struct wsc_tls *t)
{
	ERR_clear_error();
	if (t->t_done && !t->t_bad)
		(void)SSL_shutdown(t->t_ssl);
	ERR_clear_error();
}

/* Free the wire buffer and the SSL with its BIOs (NULL fields are fine). */
void
wsc_tls_free(struct wsc_tls *t)
{
	if (t->t_wire != NULL)
		evbuffer_free(t->t_wire);
	t->t_wire = NULL;
	SSL_free(t->t_ssl);
	t->t_ssl = NULL;
}
