/* SPDX-License-Identifier: ISC */
/*
 * TLS context set-up.  Policy: TLS 1.2 minimum, no renegotiation, no
 * compression, no session tickets on the server (workers are short-lived
 * and restart; tickets would only add key material to protect), peer
 * verification always on for clients.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls.h"

/* SHA-256 of the DER SubjectPublicKeyInfo of a key: names a key pair
 * between a worker (which has the certificate) and the keyholder. */
int
tls_key_id(EVP_PKEY *pkey, uint8_t *id)
{
	unsigned char	*der = NULL;
	unsigned int	 len = 0;
	int		 n, r;

	if ((n = i2d_PUBKEY(pkey, &der)) <= 0)
		return -1;
	r = EVP_Digest(der, (size_t)n, id, &len, EVP_sha256(), NULL);
	OPENSSL_free(der);
	return r == 1 && len == 32 ? 0 : -1;
}

/*
 * Drain OpenSSL's error queue into buf: the first error's reason (the
 * cause; later ones are its callers') in words ("PEM routines: no start
 * line"), or what the system said when the error came from a system call.
 */
const char *
tls_errstr(char *buf, size_t len)
{
	unsigned long	 e, last = 0, sys = 0;
	const char	*lib, *reason;

	while ((e = ERR_get_error()) != 0) {
		if (ERR_SYSTEM_ERROR(e))
			sys = e;
		if (last == 0)
			last = e;
	}
	if (sys != 0)
		(void)strlcpy(buf, strerror(ERR_GET_REASON(sys)), len);
	else if (last == 0)
		(void)strlcpy(buf, "unknown error", len);
	else if ((reason = ERR_reason_error_string(last)) != NULL) {
		lib = ERR_lib_error_string(last);
		snprintf(buf, len, "%s%s%s", lib ? lib : "", lib ? ": " : "",
		    reason);
	} else
		ERR_error_string_n(last, buf, len);
	return buf;
}

/*
 * Can path be opened for reading?  OpenSSL reports a missing or
 * unreadable file as "system lib"; say what the system said, naming the
 * file: "what path: No such file or directory".
 */
static int
tls_readable(const char *what, const char *path, char *err, size_t errlen)
{
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s %s: %s", what, path,
		    strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * TLS 1.2 suites by default: forward-secret key exchange with an AEAD
 * cipher only (no static RSA, no CBC).  TLS 1.3 suites are all of that
 * already and keep OpenSSL's defaults.
 */
#define TLS_CIPHERS_12	"ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20" \
			":!aNULL:!PSK:!SRP"

/* Options shared by client and server contexts. */
static int
tls_ctx_common(SSL_CTX *ctx)
{
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION))
		return -1;
	if (SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS_12) != 1)
		return -1;
	SSL_CTX_set_dh_auto(ctx, 1);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 |
	    SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return 0;
}

/* A server context with the policy and no credentials yet. */
SSL_CTX *
tls_server_ctx_new(char *err, size_t errlen)
{
	SSL_CTX	*ctx;
	char	 ebuf[256];

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		snprintf(err, errlen, "tls: %s", tls_errstr(ebuf, sizeof(ebuf)));
		return NULL;
	}
	if (tls_ctx_common(ctx) == -1) {
		snprintf(err, errlen, "tls: %s", tls_errstr(ebuf, sizeof(ebuf)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
}

/* Load the whole server credential set; every failure names the file. */
SSL_CTX *
tls_server_ctx(const char *certfile, const char *keyfile, char *err,
    size_t errlen)
{
	SSL_CTX		*ctx;
	char		 ebuf[256];
	unsigned long	 e;

	if ((ctx = tls_server_ctx_new(err, errlen)) == NULL)
		return NULL;
	if (tls_readable("certificate", certfile, err, errlen) == -1 ||
	    tls_readable("key", keyfile, err, errlen) == -1)
		goto fail;
	if (SSL_CTX_use_certificate_chain_file(ctx, certfile) != 1) {
		snprintf(err, errlen, "invalid certificate in %s: %s",
		    certfile, tls_errstr(ebuf, sizeof(ebuf)));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, keyfile, SSL_FILETYPE_PEM) != 1) {
		/* OpenSSL checks the pair as it loads the key. */
		e = ERR_peek_error();
		if (ERR_GET_LIB(e) == ERR_LIB_X509 &&
		    ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
			goto mismatch;
		snprintf(err, errlen, "no valid private key (RSA, EC, PKCS#1 "
		    "or PKCS#8) in %s: %s", keyfile,
		    tls_errstr(ebuf, sizeof(ebuf)));
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1)
		goto mismatch;
	return ctx;
mismatch:
	snprintf(err, errlen, "private key in %s does not match the "
	    "certificate in %s", keyfile, certfile);
	ERR_clear_error();
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/*
 * The certificate chain loads and the key file can be opened; the key is
 * not read (at start the keyholder checks the pair, and no other process
 * may hold the key).  -1 with err naming the file.
 */
int
tls_chain_check(const char *certfile, const char *keyfile, char *err,
    size_t errlen)
{
	SSL_CTX	*ctx;
	char	 ebuf[256];
	int	 rc = -1;

	if (tls_readable("certificate", certfile, err, errlen) == -1 ||
	    tls_readable("key", keyfile, err, errlen) == -1 ||
	    (ctx = tls_server_ctx_new(err, errlen)) == NULL)
		return -1;
	if (SSL_CTX_use_certificate_chain_file(ctx, certfile) != 1)
		snprintf(err, errlen, "invalid certificate in %s: %s",
		    certfile, tls_errstr(ebuf, sizeof(ebuf)));
	else
		rc = 0;
	SSL_CTX_free(ctx);
	return rc;
}

/* ciphers, ciphersuites and min_version of a tls record. */
int
tls_ctx_policy(SSL_CTX *ctx, const char *ciphers, const char *suites,
    const char *minver, char *err, size_t errlen)
{
	char	 ebuf[256];
	int	 v;

	ERR_clear_error();
	if (ciphers != NULL && SSL_CTX_set_cipher_list(ctx, ciphers) != 1) {
		snprintf(err, errlen, "ciphers \"%s\": %s", ciphers,
		    tls_errstr(ebuf, sizeof(ebuf)));
		return -1;
	}
	if (suites != NULL && SSL_CTX_set_ciphersuites(ctx, suites) != 1) {
		snprintf(err, errlen, "ciphersuites \"%s\": %s", suites,
		    tls_errstr(ebuf, sizeof(ebuf)));
		return -1;
	}
	if (minver == NULL)
		return 0;
	if (strcmp(minver, "1.2") == 0)
		v = TLS1_2_VERSION;
	else if (strcmp(minver, "1.3") == 0)
		v = TLS1_3_VERSION;
	else {
		snprintf(err, errlen, "min_version \"%s\": not 1.2 or 1.3",
		    minver);
		return -1;
	}
	if (SSL_CTX_set_min_proto_version(ctx, v) != 1) {
		snprintf(err, errlen, "min_version \"%s\": %s", minver,
		    tls_errstr(ebuf, sizeof(ebuf)));
		return -1;
	}
	return 0;
}

/* Where Debian (and OpenSSL's default) keep the system CA bundle. */
const char *
tls_system_cafile(void)
{
	const char	*env, *f;

	if ((env = getenv(X509_get_default_cert_file_env())) != NULL)
		return env;
	f = X509_get_default_cert_file();
	if (access(f, R_OK) == 0)
		return f;
	return "/etc/ssl/certs/ca-certificates.crt";
}

/* Client context; the CA file is read now, never looked up later. */
SSL_CTX *
tls_client_ctx(const char *cafile, char *err, size_t errlen)
{
	SSL_CTX	*ctx;
	char	 ebuf[256];
	const char *ca = cafile ? cafile : tls_system_cafile();

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		snprintf(err, errlen, "tls: %s", tls_errstr(ebuf, sizeof(ebuf)));
		return NULL;
	}
	if (tls_ctx_common(ctx) == -1) {
		snprintf(err, errlen, "tls: %s", tls_errstr(ebuf, sizeof(ebuf)));
		goto fail;
	}
	if (tls_readable("CA file", ca, err, errlen) == -1)
		goto fail;
	if (SSL_CTX_load_verify_file(ctx, ca) != 1) {
		snprintf(err, errlen, "invalid certificate in %s: %s", ca,
		    tls_errstr(ebuf, sizeof(ebuf)));
		goto fail;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* SNI for names, and host or IP verification for every connection. */
int
tls_client_setup(SSL *ssl, const char *name, char *err, size_t errlen)
{
	X509_VERIFY_PARAM	*vp = SSL_get0_param(ssl);
	unsigned char		 addr[16];
	int			 isip;

	isip = inet_pton(AF_INET, name, addr) == 1 ||
	    inet_pton(AF_INET6, name, addr) == 1;
	if (isip) {
		if (X509_VERIFY_PARAM_set1_ip_asc(vp, name) != 1) {
			snprintf(err, errlen, "bad address %s", name);
			return -1;
		}
		return 0;
	}
	X509_VERIFY_PARAM_set_hostflags(vp,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (X509_VERIFY_PARAM_set1_host(vp, name, 0) != 1 ||
	    SSL_set_tlsext_host_name(ssl, name) != 1) {
		snprintf(err, errlen, "bad host name %s", name);
		return -1;
	}
	return 0;
}
