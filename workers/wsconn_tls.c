/*
 * The TLS layer of a WebSocket connection (wsconn.c does the rest).
 * OpenSSL reads the socket itself, ahead (a whole batch of records per
 * read(2)); what it decrypts is handed to wsconn.c as one batch.  What
 * a read batch answers is sealed in one SSL_write and the records go to
 * a BIO that appends them to the connection's wire buffer, written by
 * wsconn.c in one write: OpenSSL never waits to write (no
 * SSL_ERROR_WANT_WRITE).  The handshake is driven by the same reads.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "wsconn.h"
#include "wsconn_int.h"

/* Why OpenSSL failed, with the certificate verdict when there is one. */
static void
wsc_tls_error(struct wsconn *c)
{
	char		 e[160] = "";
	unsigned long	 err;
	long		 v;

	while ((err = ERR_get_error()) != 0)
		if (e[0] == '\0')
			ERR_error_string_n(err, e, sizeof(e));
	if (c->c_conf->cf_role == WS_ROLE_CLIENT &&
	    (v = SSL_get_verify_result(c->c_ssl)) != X509_V_OK) {
		wsc_why(c, "TLS: certificate verification failed: %s",
		    X509_verify_cert_error_string(v));
		return;
	}
	if (e[0] != '\0')
		wsc_why(c, "TLS: %s", e);
	else if (errno != 0)
		wsc_why(c, "TLS: %s", strerror(errno));
	else
		wsc_why(c, "TLS: handshake failed");
}

/*
 * TLS: an SSL call failed with SSL_get_error() e (errno saved): the
 * peer's close_notify or a bare end of file is an end of file (a dirty
 * shutdown is allowed), anything else an error.
 */
static void
wsc_tls_fail(struct wsconn *c, int e, int saved)
{
	unsigned long	 err = ERR_peek_error();

	if (e == SSL_ERROR_ZERO_RETURN ||
	    (e == SSL_ERROR_SYSCALL && err == 0 && saved == 0) ||
	    (e == SSL_ERROR_SSL && ERR_GET_LIB(err) == ERR_LIB_SSL &&
	    ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
		if (e != SSL_ERROR_ZERO_RETURN)
			c->c_tls_bad = 1;
		ERR_clear_error();
		wsc_io_event(c, BEV_EVENT_EOF | BEV_EVENT_READING, 0);
		return;
	}
	c->c_tls_bad = 1;
	if (!c->c_tls_done || err != 0) {
		errno = saved;
		wsc_tls_error(c);
		if (!c->c_tls_done)
			wsc_hs_failed(c);
		wsc_dead(c);
		return;
	}
	wsc_io_event(c, BEV_EVENT_ERROR | BEV_EVENT_READING, saved);
}

/*
 * TLS: seal what is queued into records on the wire buffer, in pieces of
 * at most WSC_SEAL_MAX (a frame's header and payload in one record).
 */
int
wsc_tls_seal(struct wsconn *c)
{
	unsigned char	*p;
	size_t		 len;
	int		 r;

	while ((len = evbuffer_get_length(c->c_out)) > 0) {
		if (len > WSC_SEAL_MAX)
			len = WSC_SEAL_MAX;
		if ((p = evbuffer_pullup(c->c_out, (ssize_t)len)) == NULL) {
			wsc_why(c, "out of memory");
			wsc_dead(c);
			return -1;
		}
		ERR_clear_error();
		if ((r = SSL_write(c->c_ssl, p, (int)len)) <= 0) {
			wsc_tls_fail(c, SSL_get_error(c->c_ssl, r), errno);
			return -1;
		}
		evbuffer_drain(c->c_out, (size_t)r);
	}
	return 0;
}

/*
 * TLS: the handshake, then what OpenSSL decrypts, gathered into one
 * batch: records are taken while OpenSSL holds more (it reads the socket
 * ahead), so a message split over records is parsed in place and no
 * read(2) is made only to hear EAGAIN.  Data OpenSSL still holds when the
 * input is paused is taken on resume (wsc_deferred).  All replies and
 * handshake records go out in one write at the end.
 */
void
wsc_tls_read(struct wsconn *c)
{
	size_t	 off;
	int	 n, e = SSL_ERROR_NONE, saved = 0;

	c->c_in_cb = 1;
	if (!c->c_tls_done) {
		ERR_clear_error();
		if ((n = SSL_do_handshake(c->c_ssl)) != 1) {
			e = SSL_get_error(c->c_ssl, n);
			saved = errno;
			goto done;
		}
		c->c_tls_done = 1;
		if (c->c_state == WSC_TLS)
			wsc_client_request(c);
	}
	do {
		off = 0;
		while (off < sizeof(wsc_rbuf)) {
			ERR_clear_error();
			n = SSL_read(c->c_ssl, wsc_rbuf + off,
			    (int)(sizeof(wsc_rbuf) - off));
			if (n <= 0) {
				e = SSL_get_error(c->c_ssl, n);
				saved = errno;
				break;
			}
			off += (size_t)n;
			if (!SSL_has_pending(c->c_ssl))
				break;
		}
		if (off > 0 && c->c_state != WSC_DEAD)
			wsc_batch(c, wsc_rbuf, off);
	} while (off == sizeof(wsc_rbuf) && e == SSL_ERROR_NONE &&
	    !c->c_paused && c->c_state != WSC_DEAD &&
	    SSL_has_pending(c->c_ssl));
 done:
	c->c_in_cb = 0;
	if (c->c_state == WSC_DEAD)
		return;
	/* The end: the reason first; an alert leaves with wsc_dead. */
	if (e != SSL_ERROR_NONE && e != SSL_ERROR_WANT_READ)
		wsc_tls_fail(c, e, saved);
	else
		wsc_flush(c);
}

/* TLS records OpenSSL writes go to the connection's wire buffer. */
static int
wsc_bio_write(BIO *b, const char *data, int len)
{
	struct wsconn	*c = BIO_get_data(b);

	BIO_clear_retry_flags(b);
	if (len <= 0)
		return 0;
	if (evbuffer_add(c->c_wire, data, (size_t)len) == -1)
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
 * TLS on the socket: OpenSSL reads it (ahead, up to WSC_READ_MAX at a
 * time) and writes records to the wire buffer.
 */
int
wsc_tls_start(struct wsconn *c, int accepting)
{
	BIO_METHOD	*m;
	BIO		*rb, *wb;

	if ((m = wsc_bio_method()) == NULL ||
	    (c->c_wire = evbuffer_new()) == NULL)
		return -1;
	if ((rb = BIO_new_socket(c->c_fd, BIO_NOCLOSE)) == NULL)
		return -1;
	if ((wb = BIO_new(m)) == NULL) {
		BIO_free(rb);
		return -1;
	}
	BIO_set_data(wb, c);
	SSL_set_bio(c->c_ssl, rb, wb);
	SSL_set_read_ahead(c->c_ssl, 1);
	SSL_set_default_read_buffer_len(c->c_ssl, WSC_READ_MAX);
	if (accepting)
		SSL_set_accept_state(c->c_ssl);
	else
		SSL_set_connect_state(c->c_ssl);
	return 0;
}

/* Whether OpenSSL holds decrypted input not taken yet. */
int
wsc_tls_pending(struct wsconn *c)
{
	return SSL_has_pending(c->c_ssl);
}

/* The end: close_notify (or an alert), best effort: one try. */
void
wsc_tls_shutdown(struct wsconn *c)
{
	ERR_clear_error();
	if (c->c_tls_done && !c->c_tls_bad)
		(void)SSL_shutdown(c->c_ssl);
	(void)evbuffer_write(c->c_wire, c->c_fd);
	ERR_clear_error();
}
