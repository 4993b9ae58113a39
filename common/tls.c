/* SPDX-License-Identifier: ISC */
/*
 * TLS context set-up.  Policy: TLS 1.2 minimum, no renegotiation, no
 * compression, no session tickets on the server (workers are short-lived
 * and restart; tickets would only add key material to protect), peer
 * verification always on for clients.
 */
#include "config.h"

#include <errno.h>
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

/* Drain OpenSSL's error queue into buf. */
const char *
tls_errstr(char *buf, size_t len)
{
	unsigned long	 e, last = 0;

	while ((e = ERR_get_error()) != 0)
		last = e;
	if (last == 0)
		(void)strlcpy(buf, "unknown error", len);
	else
		ERR_error_string_n(last, buf, len);
	return buf;
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
	SSL_CTX	*ctx;
	char	 ebuf[256];

	if ((ctx = tls_server_ctx_new(err, errlen)) == NULL)
		return NULL;
	if (SSL_CTX_use_certificate_chain_file(ctx, certfile) != 1) {
		snprintf(err, errlen, "invalid certificate in %s: %s",
		    certfile, tls_errstr(ebuf, sizeof(ebuf)));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, keyfile, SSL_FILETYPE_PEM) != 1) {
		snprintf(err, errlen, "no valid private key (RSA, EC, PKCS#1 "
		    "or PKCS#8) in %s: %s", keyfile,
		    tls_errstr(ebuf, sizeof(ebuf)));
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "private key in %s does not match the "
		    "certificate in %s", keyfile, certfile);
		ERR_clear_error();
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
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
