/* SPDX-License-Identifier: ISC */
/*
 * TLS contexts for the ws connectors (OpenSSL 3).  Everything that touches
 * the filesystem happens here, before a worker enters its sandbox: the
 * certificate chain, the key and the CA bundle are read eagerly, so no
 * lazy file lookup can happen inside the chroot.
 */
#ifndef WSFLOW_TLS_H
#define WSFLOW_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

/*
 * Server context: PEM certificate chain and private key (PKCS#8 or
 * PKCS#1, RSA or EC), TLS 1.2 and later only, on TLS 1.2 only
 * forward-secret AEAD suites (both kinds of context).  Returns NULL with
 * a message in err.
 */
SSL_CTX	*tls_server_ctx(const char *, const char *, char *, size_t);
/* The same policy with no certificate or key yet (the keyholder's
 * worker installs them, workers/khclient.h). */
SSL_CTX	*tls_server_ctx_new(char *, size_t);
/*
 * Benchmark switch, never for production: with WSFLOW_BENCH_KEYS_IN_WORKER
 * set in wsflowd's environment there is no keyholder and ws_server
 * workers read their key files themselves (tls_server_ctx), as before
 * the keyholder existed; bench/ compares the two.
 */
#define TLS_BENCH_KEYS_IN_WORKER	"WSFLOW_BENCH_KEYS_IN_WORKER"


/*
 * Client context that verifies the server: against the PEM certificates
 * in cafile, or the system bundle when cafile is NULL.  TLS 1.2+.
 */
SSL_CTX	*tls_client_ctx(const char *, char *, size_t);

/*
 * Prepare a client connection: SNI (for a DNS name) and verification of
 * the peer's certificate against name, a DNS name or an IP address
 * literal (IPv6 without brackets).
 */
int	 tls_client_setup(SSL *, const char *, char *, size_t);

/*
 * The tls record's policy keys, each NULL to keep the default: ciphers
 * (TLS 1.2 cipher list), ciphersuites (TLS 1.3) and min_version ("1.2"
 * or "1.3"), applied with OpenSSL's own calls.  -1 with OpenSSL's
 * reason in err when it refuses a value.
 */
int	 tls_ctx_policy(SSL_CTX *, const char *, const char *, const char *,
	    char *, size_t);
/* The SHA-256 of a key's public half (DER SubjectPublicKeyInfo) into
 * 32 bytes; 0 or -1. */
int	 tls_key_id(EVP_PKEY *, uint8_t *);

/* The chain loads and the key file opens (the key is not read). */
int	 tls_chain_check(const char *, const char *, char *, size_t);

/* Drain OpenSSL's error queue into buf ("unknown error" if empty). */
const char *tls_errstr(char *, size_t);

/* The system CA bundle used when no cafile is given. */
const char *tls_system_cafile(void);

#endif
