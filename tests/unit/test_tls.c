/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for common/tls: credentials are generated in memory with
 * OpenSSL, written to a scratch directory, loaded through the module and
 * exercised by full handshakes over an in-memory BIO pair.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls.h"
#include "check.h"

static char	 dir[] = "/tmp/wsflow-tls-XXXXXX";

/* A path inside the scratch directory (static buffer rotation). */
static const char *
path(const char *name)
{
	static char	 bufs[8][256];
	static int	 i;
	char		*b = bufs[i++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

/* An RSA or EC key. */
static EVP_PKEY *
make_key(int ec)
{
	if (ec)
		return EVP_EC_gen("P-256");
	return EVP_RSA_gen(2048);
}

/* Add one v3 extension by its config string. */
static void
add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX	 ctx;
	X509_EXTENSION	*ex;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ex == NULL)
		abort();
	X509_add_ext(cert, ex, -1);
	X509_EXTENSION_free(ex);
}

/* A certificate for key, signed by ikey/issuer (self-signed if NULL). */
static X509 *
make_cert(EVP_PKEY *key, EVP_PKEY *ikey, X509 *issuer, const char *cn,
    const char *san, long from, long to, int ca)
{
	X509		*c = X509_new();
	X509_NAME	*n;
	static long	 serial = 1;

	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), serial++);
	X509_gmtime_adj(X509_getm_notBefore(c), from);
	X509_gmtime_adj(X509_getm_notAfter(c), to);
	X509_set_pubkey(c, key);
	n = X509_get_subject_name(c);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : n);
	add_ext(c, issuer ? issuer : c, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "CA:FALSE");
	if (san != NULL)
		add_ext(c, issuer ? issuer : c, NID_subject_alt_name, san);
	X509_sign(c, ikey ? ikey : key, EVP_sha256());
	return c;
}

/* Write a certificate (and optionally a key in PKCS#8 or PKCS#1). */
static void
write_pem(const char *name, X509 *c, EVP_PKEY *k, int pkcs1)
{
	BIO	*f = BIO_new_file(path(name), "w");

	if (f == NULL)
		abort();
	if (c != NULL)
		PEM_write_bio_X509(f, c);
	if (k != NULL && !pkcs1)
		PEM_write_bio_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	if (k != NULL && pkcs1)
		PEM_write_bio_PrivateKey_traditional(f, k, NULL, NULL, 0,
		    NULL, NULL);
	BIO_free(f);
}

/*
 * Run a handshake between a server using cert/key and a client trusting
 * cafile and checking name.  Returns 1 when both sides complete.
 */
/* A peer's own TLS 1.2 cipher list, as a peer that is not wsflow has;
 * NULL keeps what wsflow's contexts set. */
static const char	*peer_client_ciphers, *peer_server_ciphers;
/* The server's tls record policy keys (tls_ctx_policy), NULL: absent. */
static const char	*srv_ciphers, *srv_suites, *srv_minver;

static int
handshake(const char *cert, const char *key, const char *cafile,
    const char *name, int client_max)
{
	SSL_CTX	*sctx, *cctx;
	SSL	*s, *c;
	BIO	*sb, *cb;
	char	 err[256];
	int	 i, sdone = 0, cdone = 0, r, ok = 0;

	sctx = tls_server_ctx(cert, key, err, sizeof(err));
	cctx = tls_client_ctx(cafile, err, sizeof(err));
	if (sctx == NULL || cctx == NULL)
		goto out;
	if (tls_ctx_policy(sctx, srv_ciphers, srv_suites, srv_minver, err,
	    sizeof(err)) == -1)
		goto out;
	if (client_max)
		SSL_CTX_set_max_proto_version(cctx, client_max);
	if (peer_client_ciphers != NULL)
		SSL_CTX_set_cipher_list(cctx, peer_client_ciphers);
	if (peer_server_ciphers != NULL)
		SSL_CTX_set_cipher_list(sctx, peer_server_ciphers);
	if (client_max && client_max < TLS1_2_VERSION) {
		SSL_CTX_set_min_proto_version(cctx, client_max);
		SSL_CTX_set_security_level(cctx, 0);
		SSL_CTX_set_cipher_list(cctx, "DEFAULT:@SECLEVEL=0");
	}
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	if (tls_client_setup(c, name, err, sizeof(err)) == -1) {
		SSL_free(s);
		SSL_free(c);
		goto out;
	}
	BIO_new_bio_pair(&sb, 0, &cb, 0);
	SSL_set_bio(s, sb, sb);
	SSL_set_bio(c, cb, cb);
	SSL_set_accept_state(s);
	SSL_set_connect_state(c);
	for (i = 0; i < 100 && !(sdone && cdone); i++) {
		if (!cdone) {
			r = SSL_do_handshake(c);
			if (r == 1)
				cdone = 1;
			else if (SSL_get_error(c, r) != SSL_ERROR_WANT_READ)
				break;
		}
		if (!sdone) {
			r = SSL_do_handshake(s);
			if (r == 1)
				sdone = 1;
			else if (SSL_get_error(s, r) != SSL_ERROR_WANT_READ)
				break;
		}
	}
	ok = sdone && cdone;
	SSL_free(s);
	SSL_free(c);
out:
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	ERR_clear_error();
	return ok;
}

/* One TLS 1.2 handshake where the peer offers (or, as a server, takes)
 * only the given suites; role 'c': the peer is the client. */
static int
peer_only(int role, const char *suites, const char *cert, const char *key)
{
	int	 ok;

	if (role == 'c')
		peer_client_ciphers = suites;
	else
		peer_server_ciphers = suites;
	ok = handshake(path(cert), path(key), path("ca.pem"), "localhost",
	    TLS1_2_VERSION);
	peer_client_ciphers = peer_server_ciphers = NULL;
	return ok;
}

/* wsflow refuses TLS 1.2 suites without forward secrecy or without AEAD,
 * as a server and as a client, and takes the good ones. */
static void
test_ciphers(void)
{
	static const char *const bad[] = {
		"AES128-SHA", "AES256-SHA256", "AES128-GCM-SHA256",
		"ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384",
		"DHE-RSA-AES128-SHA",
	};
	static const char *const good[] = {
		"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
		"ECDHE-RSA-CHACHA20-POLY1305", "DHE-RSA-AES128-GCM-SHA256",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_MSG(!peer_only('c', bad[i], "good.pem", "good.key"),
		    "server took %s", bad[i]);
		CHECK_MSG(!peer_only('s', bad[i], "good.pem", "good.key"),
		    "client took %s", bad[i]);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK_MSG(peer_only('c', good[i], "good.pem", "good.key"),
		    "server refused %s", good[i]);
		CHECK_MSG(peer_only('s', good[i], "good.pem", "good.key"),
		    "client refused %s", good[i]);
	}
	CHECK(peer_only('c', "ECDHE-ECDSA-AES256-GCM-SHA384", "ec.pem",
	    "ec.key"));
	CHECK(!peer_only('c', "ECDHE-ECDSA-AES256-SHA", "ec.pem", "ec.key"));
}

/* The tls record's ciphers, ciphersuites and min_version keys. */
static void
test_policy(void)
{
	SSL_CTX	*ctx;
	char	 err[256];

	ctx = tls_server_ctx(path("good.pem"), path("good.key"), err,
	    sizeof(err));
	CHECK(ctx != NULL);
	CHECK_INT(tls_ctx_policy(ctx, NULL, NULL, NULL, err, sizeof(err)), 0);
	CHECK_INT(tls_ctx_policy(ctx, "NO-SUCH-CIPHER", NULL, NULL, err,
	    sizeof(err)), -1);
	CHECK_MSG(strstr(err, "ciphers \"NO-SUCH-CIPHER\": ") != NULL &&
	    strstr(err, "no cipher match") != NULL, "%s", err);
	CHECK_INT(tls_ctx_policy(ctx, NULL, "TLS_NO_SUCH_SUITE", NULL, err,
	    sizeof(err)), -1);
	CHECK_MSG(strstr(err, "ciphersuites \"TLS_NO_SUCH_SUITE\": ") !=
	    NULL, "%s", err);
	CHECK_INT(tls_ctx_policy(ctx, NULL, NULL, "1.1", err, sizeof(err)),
	    -1);
	CHECK_MSG(strcmp(err, "min_version \"1.1\": not 1.2 or 1.3") == 0, "%s",
	    err);
	CHECK_INT(tls_ctx_policy(ctx, "ECDHE+AESGCM", "TLS_AES_256_GCM_SHA384",
	    "1.3", err, sizeof(err)), 0);
	SSL_CTX_free(ctx);

	/* AES128-SHA refused by default, taken when the server allows it. */
	CHECK(!peer_only('c', "AES128-SHA", "good.pem", "good.key"));
	srv_ciphers = "AES128-SHA";
	CHECK(peer_only('c', "AES128-SHA", "good.pem", "good.key"));
	CHECK(!peer_only('c', "ECDHE-RSA-AES128-GCM-SHA256", "good.pem",
	    "good.key"));
	srv_ciphers = NULL;
	/* min_version "1.3": a TLS 1.2 client is refused, 1.3 taken. */
	srv_minver = "1.3";
	CHECK(!handshake(path("good.pem"), path("good.key"), path("ca.pem"),
	    "localhost", TLS1_2_VERSION));
	CHECK(handshake(path("good.pem"), path("good.key"), path("ca.pem"),
	    "localhost", 0));
	/* ciphersuites: a 1.3 client whose only suite is not offered fails */
	srv_suites = "TLS_AES_256_GCM_SHA384";
	peer_client_ciphers = NULL;
	CHECK(handshake(path("good.pem"), path("good.key"), path("ca.pem"),
	    "localhost", 0));
	srv_minver = srv_suites = NULL;
}

int
main(void)
{
	EVP_PKEY	*cak, *rsak, *eck, *otherk;
	X509		*ca, *good, *ecc, *expired, *other, *self;
	char		 err[256];
	SSL_CTX		*ctx;

	if (mkdtemp(dir) == NULL)
		return 99;
	cak = make_key(1);
	rsak = make_key(0);
	eck = make_key(1);
	otherk = make_key(1);
	ca = make_cert(cak, NULL, NULL, "wsflow test ca", NULL, 0, 86400, 1);
	good = make_cert(rsak, cak, ca, "localhost",
	    "DNS:localhost,IP:127.0.0.1,IP:::1", 0, 86400, 0);
	ecc = make_cert(eck, cak, ca, "localhost", "DNS:localhost", 0, 86400,
	    0);
	expired = make_cert(rsak, cak, ca, "localhost", "DNS:localhost",
	    -7200, -3600, 0);
	other = make_cert(otherk, otherk, NULL, "other ca", NULL, 0, 86400, 1);
	self = make_cert(rsak, NULL, NULL, "localhost",
	    "DNS:localhost,IP:127.0.0.1", 0, 86400, 0);
	write_pem("ca.pem", ca, NULL, 0);
	write_pem("other.pem", other, NULL, 0);
	write_pem("good.pem", good, NULL, 0);
	write_pem("good.key", NULL, rsak, 0);
	write_pem("good-pkcs1.key", NULL, rsak, 1);
	write_pem("ec.pem", ecc, NULL, 0);
	write_pem("ec.key", NULL, eck, 0);
	write_pem("ec-trad.key", NULL, eck, 1);
	write_pem("expired.pem", expired, NULL, 0);
	write_pem("self.pem", self, NULL, 0);
	write_pem("wrong.key", NULL, otherk, 0);
	write_pem("garbage.pem", NULL, NULL, 0);

	/* Key ids: a certificate's public key and its private key agree;
	 * another key differs. */
	{
		uint8_t	 a[32], b[32], c[32];

		CHECK_INT(tls_key_id(X509_get0_pubkey(good), a), 0);
		CHECK_INT(tls_key_id(rsak, b), 0);
		CHECK_INT(tls_key_id(eck, c), 0);
		CHECK(memcmp(a, b, 32) == 0);
		CHECK(memcmp(a, c, 32) != 0);
	}

	/* Loading credentials. */
	ctx = tls_server_ctx(path("good.pem"), path("good.key"), err,
	    sizeof(err));
	CHECK(ctx != NULL);
	SSL_CTX_free(ctx);
	ctx = tls_server_ctx(path("good.pem"), path("good-pkcs1.key"), err,
	    sizeof(err));
	CHECK_MSG(ctx != NULL, "pkcs1 rsa: %s", err);
	SSL_CTX_free(ctx);
	ctx = tls_server_ctx(path("ec.pem"), path("ec-trad.key"), err,
	    sizeof(err));
	CHECK_MSG(ctx != NULL, "ec traditional: %s", err);
	SSL_CTX_free(ctx);
	ctx = tls_server_ctx(path("good.pem"), path("wrong.key"), err,
	    sizeof(err));
	CHECK(ctx == NULL && strstr(err, "does not match") != NULL);
	ctx = tls_server_ctx(path("missing.pem"), path("good.key"), err,
	    sizeof(err));
	CHECK_MSG(ctx == NULL && strstr(err, "missing.pem: No such file or "
	    "directory") != NULL, "missing: %s", err);
	ctx = tls_server_ctx(path("good.pem"), path("missing.key"), err,
	    sizeof(err));
	CHECK_MSG(ctx == NULL && strstr(err, "key ") != NULL &&
	    strstr(err, "missing.key: No such file or directory") != NULL,
	    "missing key: %s", err);
	ctx = tls_client_ctx(path("missing-ca.pem"), err, sizeof(err));
	CHECK_MSG(ctx == NULL && strstr(err, "CA file ") != NULL &&
	    strstr(err, "missing-ca.pem: No such file or directory") != NULL,
	    "missing CA: %s", err);
	ctx = tls_server_ctx(path("garbage.pem"), path("good.key"), err,
	    sizeof(err));
	CHECK_MSG(ctx == NULL && strstr(err, "invalid certificate in") !=
	    NULL && strstr(err, "error:") == NULL, "garbage: %s", err);
	ctx = tls_server_ctx(path("good.pem"), path("garbage.pem"), err,
	    sizeof(err));
	CHECK(ctx == NULL && strstr(err, "no valid private key") != NULL);
	ctx = tls_client_ctx(path("garbage.pem"), err, sizeof(err));
	CHECK(ctx == NULL && strstr(err, "garbage.pem") != NULL);
	ctx = tls_client_ctx(NULL, err, sizeof(err));
	CHECK_MSG(ctx != NULL, "system CAs: %s", err);
	SSL_CTX_free(ctx);

	/* Handshakes: names, addresses, chains, dates, versions. */
	CHECK(handshake(path("good.pem"), path("good.key"), path("ca.pem"),
	    "localhost", 0));
	CHECK(handshake(path("good.pem"), path("good.key"), path("ca.pem"),
	    "127.0.0.1", 0));
	CHECK(handshake(path("good.pem"), path("good.key"), path("ca.pem"),
	    "::1", 0));
	CHECK(!handshake(path("good.pem"), path("good.key"), path("ca.pem"),
	    "example.org", 0));
	CHECK(!handshake(path("good.pem"), path("good.key"), path("ca.pem"),
	    "10.0.0.1", 0));
	CHECK(!handshake(path("good.pem"), path("good.key"),
	    path("other.pem"), "localhost", 0));
	CHECK(!handshake(path("expired.pem"), path("good.key"),
	    path("ca.pem"), "localhost", 0));
	CHECK(handshake(path("ec.pem"), path("ec.key"), path("ca.pem"),
	    "localhost", 0));
	CHECK(handshake(path("self.pem"), path("good.key"), path("self.pem"),
	    "localhost", 0));
	CHECK(handshake(path("good.pem"), path("good.key"), path("ca.pem"),
	    "localhost", TLS1_2_VERSION));
	CHECK(!handshake(path("good.pem"), path("good.key"), path("ca.pem"),
	    "localhost", TLS1_1_VERSION));

	/* TLS 1.2 suites: forward-secret AEAD only, either side. */
	test_ciphers();
	/* ciphers, ciphersuites, min_version (issue 11) */
	test_policy();

	X509_free(ca);
	X509_free(good);
	X509_free(ecc);
	X509_free(expired);
	X509_free(other);
	X509_free(self);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(rsak);
	EVP_PKEY_free(eck);
	EVP_PKEY_free(otherk);
	{
		const char *names[] = { "ca.pem", "other.pem", "good.pem",
		    "good.key", "good-pkcs1.key", "ec.pem", "ec.key",
		    "ec-trad.key", "expired.pem", "self.pem", "wrong.key",
		    "garbage.pem" };
		size_t	 i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			unlink(path(names[i]));
		rmdir(dir);
	}
	return check_done();
}
