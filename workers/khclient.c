/* SPDX-License-Identifier: ISC */
/*
 * Private-key operations of a worker, made by the keyholder (khclient.h).
 *
 * Why a provider: with OpenSSL 3 the other way is RSA_METHOD and
 * EC_KEY_METHOD, deprecated, and with no method at all for Ed25519.  A
 * provider covers RSA (PKCS#1 v1.5 and PSS), ECDSA and Ed25519 alike,
 * for TLS 1.2 and 1.3, through the API OpenSSL keeps.  Its keymgmt
 * holds the public half (a key of the default provider, from the
 * certificate) and answers questions about the key from it; it refuses
 * to export a private half, so libssl cannot move the key to the
 * default provider and signs through this provider's signature, which
 * digests locally and sends the digest (Ed25519: the message) to the
 * keyholder.  Decryption is never needed: the TLS 1.2 suites are all
 * ECDHE or DHE (tls.c), so there is no asym-cipher.
 *
 * Every fetch made without a provider named prefers the default one
 * ("?provider=default"), so keys and operations of the default provider
 * are never taken from here by accident.  A request waits for its
 * answer (KHC_TIMEOUT_MS at most); when the keyholder is away the
 * signature fails and so does that handshake, and nothing else.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "khclient.h"
#include "tls.h"
#include "log.h"
#include "proc.h"
#include "proto.h"

#define KHC_NAME	"wsflow-keyholder"
#define KHC_PROPS	"provider=wsflow-keyholder"
#define KHC_REMOTE	"wsflow-keyholder"	/* import param: remote key */
#define KHC_TIMEOUT_MS	2000

enum khc_type { KHC_RSA, KHC_EC, KHC_ED25519, KHC_NTYPES };

static const char *const khc_types[KHC_NTYPES] = { "RSA", "EC", "ED25519" };

/* A key: the public half, and whether the keyholder has the private. */
struct khc_key {
	enum khc_type	 k_type;
	EVP_PKEY	*k_pub;
	int		 k_remote;
	uint8_t		 k_id[PROTO_KH_KEYID_LEN];	/* tls_key_id */
};

/* A signature in progress. */
struct khc_sig {
	struct khc_key	*s_key;
	EVP_MD_CTX	*s_mdctx;	/* digest_sign: the running digest */
	char		 s_md[PROTO_KH_MD_MAX];
	int		 s_pad;		/* enum kh_pad */
	int		 s_saltlen;
};

static int		 khc_fd = -1;
static uint32_t		 khc_seq;
static int		 khc_ready;

/* The channel to the keyholder; the one before is closed. */
void
khc_set_channel(int fd)
{
	if (khc_fd != -1)
		close(khc_fd);
	khc_fd = fd;
}

/* Milliseconds on the monotonic clock. */
static long long
khc_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The channel failed: drop it until the supervisor passes a new one. */
static int
khc_lost(const char *why)
{
	log_warnx("keyholder: %s; handshakes fail until it is back", why);
	khc_set_channel(-1);
	return 0;
}

/* Ask the keyholder to sign data; 1 with the signature in sig, else 0. */
static int
khc_request(const struct khc_sig *s, int op, const unsigned char *data,
    size_t len, unsigned char *sig, size_t *siglen, size_t sigsize)
{
	struct proc_hdr		 h;
	struct msg_kh_sign	 q;
	struct msg_kh_sig	 a;
	struct iovec		 iov[3];
	struct pollfd		 pfd;
	const uint8_t		*got;
	unsigned char		 buf[sizeof(h) + sizeof(a) +
				    PROTO_KH_SIG_MAX + 1];
	long long		 end;
	ssize_t			 n;
	int			 left;

	if (khc_fd == -1) {
		log_warnx("keyholder: not connected; handshake refused");
		return 0;
	}
	if (len > PROTO_KH_DATA_MAX)
		return 0;
	memset(&q, 0, sizeof(q));
	q.ks_seq = ++khc_seq;
	q.ks_op = op;
	q.ks_pad = s->s_pad;
	q.ks_saltlen = s->s_saltlen;
	q.ks_len = len;
	(void)strlcpy(q.ks_md, s->s_md, sizeof(q.ks_md));
	memcpy(q.ks_key, s->s_key->k_id, sizeof(q.ks_key));
	memset(&h, 0, sizeof(h));
	h.ph_type = MSG_KH_SIGN;
	h.ph_len = sizeof(q) + len;
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = &q;
	iov[1].iov_len = sizeof(q);
	iov[2].iov_base = (void *)data;
	iov[2].iov_len = len;
	if (writev(khc_fd, iov, 3) == -1)
		return khc_lost(strerror(errno));
	end = khc_now_ms() + KHC_TIMEOUT_MS;
	for (;;) {
		if ((left = (int)(end - khc_now_ms())) <= 0) {
			/* Kept: a late answer is told apart by its seq. */
			log_warnx("keyholder: no answer in %d ms; handshake "
			    "refused", KHC_TIMEOUT_MS);
			return 0;
		}
		pfd.fd = khc_fd;
		pfd.events = POLLIN;
		if ((n = poll(&pfd, 1, left)) == -1 && errno != EINTR)
			return khc_lost(strerror(errno));
		if (n <= 0)
			continue;
		if ((n = read(khc_fd, buf, sizeof(buf))) <= 0) {
			if (n == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			return khc_lost(n == 0 ? "gone" : strerror(errno));
		}
		if (proto_kh_sig_parse(buf, (size_t)n, &a, &got) == -1)
			return khc_lost("malformed answer");
		if (a.sg_seq != q.ks_seq)
			continue;	/* the answer to a request timed out */
		if (!a.sg_ok) {
			log_warnx("keyholder: signature refused");
			return 0;
		}
		if (a.sg_len > sigsize)
			return 0;
		memcpy(sig, got, a.sg_len);
		*siglen = a.sg_len;
		return 1;
	}
}

/* keymgmt: a new, empty key of each type. */
static void *
khc_new(enum khc_type t)
{
	struct khc_key	*k;

	if ((k = calloc(1, sizeof(*k))) != NULL)
		k->k_type = t;
	return k;
}

static void *
khc_rsa_new(void *provctx)
{
	(void)provctx;
	return khc_new(KHC_RSA);
}

static void *
khc_ec_new(void *provctx)
{
	(void)provctx;
	return khc_new(KHC_EC);
}

static void *
khc_ed_new(void *provctx)
{
	(void)provctx;
	return khc_new(KHC_ED25519);
}

/* keymgmt: free a key. */
static void
khc_free(void *kd)
{
	struct khc_key	*k = kd;

	if (k == NULL)
		return;
	EVP_PKEY_free(k->k_pub);
	free(k);
}

/* keymgmt: what a key has; the private half only when remote. */
static int
khc_has(const void *kd, int selection)
{
	const struct khc_key	*k = kd;

	if (k == NULL)
		return 0;
	if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) && !k->k_remote)
		return 0;
	if ((selection & (OSSL_KEYMGMT_SELECT_PUBLIC_KEY |
	    OSSL_KEYMGMT_SELECT_ALL_PARAMETERS)) && k->k_pub == NULL)
		return 0;
	return 1;
}

/* keymgmt: the public half from params (a key of the default provider);
 * KHC_REMOTE marks the keys khc_install makes. */
static int
khc_import(void *kd, int selection, const OSSL_PARAM params[])
{
	struct khc_key		*k = kd;
	const OSSL_PARAM	*p;
	EVP_PKEY_CTX		*ctx;
	EVP_PKEY		*pub = NULL;
	int			 remote = 0;

	if (k == NULL || !(selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY))
		return 0;
	if ((p = OSSL_PARAM_locate_const(params, KHC_REMOTE)) != NULL &&
	    !OSSL_PARAM_get_int(p, &remote))
		return 0;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, khc_types[k->k_type],
	    "provider=default")) == NULL)
		return 0;
	if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pub, EVP_PKEY_PUBLIC_KEY,
	    (OSSL_PARAM *)params) <= 0) {
		EVP_PKEY_CTX_free(ctx);
		return 0;
	}
	EVP_PKEY_CTX_free(ctx);
	if (remote && tls_key_id(pub, k->k_id) == -1) {
		EVP_PKEY_free(pub);
		return 0;
	}
	EVP_PKEY_free(k->k_pub);
	k->k_pub = pub;
	k->k_remote = remote != 0;
	return 1;
}

/* keymgmt: export the public half; never a private one (so libssl
 * cannot hand the key to another provider's signature). */
static int
khc_export(void *kd, int selection, OSSL_CALLBACK *cb, void *arg)
{
	struct khc_key	*k = kd;
	OSSL_PARAM	*params = NULL;
	int		 r;

	if (k == NULL || k->k_pub == NULL ||
	    (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY))
		return 0;
	if (EVP_PKEY_todata(k->k_pub, EVP_PKEY_PUBLIC_KEY, &params) <= 0)
		return 0;
	r = cb(params, arg);
	OSSL_PARAM_free(params);
	return r;
}

/* keymgmt: the parameters the import and export take, by type. */
static const OSSL_PARAM khc_rsa_types[] = {
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
	OSSL_PARAM_int(KHC_REMOTE, NULL),
	OSSL_PARAM_END
};
static const OSSL_PARAM khc_ec_types[] = {
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
	OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
	OSSL_PARAM_int(KHC_REMOTE, NULL),
	OSSL_PARAM_END
};
static const OSSL_PARAM khc_ed_types[] = {
	OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
	OSSL_PARAM_int(KHC_REMOTE, NULL),
	OSSL_PARAM_END
};

static const OSSL_PARAM *
khc_rsa_types_fn(int selection)
{
	(void)selection;
	return khc_rsa_types;
}

static const OSSL_PARAM *
khc_ec_types_fn(int selection)
{
	(void)selection;
	return khc_ec_types;
}

static const OSSL_PARAM *
khc_ed_types_fn(int selection)
{
	(void)selection;
	return khc_ed_types;
}

/* keymgmt: bits, sizes, group, ... all come from the public half. */
static int
khc_get_params(void *kd, OSSL_PARAM params[])
{
	struct khc_key	*k = kd;

	if (k == NULL || k->k_pub == NULL)
		return 0;
	return EVP_PKEY_get_params(k->k_pub, params);
}

/* keymgmt: what get_params answers: the default provider's list. */
static const OSSL_PARAM *
khc_gettable(enum khc_type t)
{
	static EVP_KEYMGMT	*km[KHC_NTYPES];

	if (km[t] == NULL &&
	    (km[t] = EVP_KEYMGMT_fetch(NULL, khc_types[t],
	    "provider=default")) == NULL)
		return NULL;
	return EVP_KEYMGMT_gettable_params(km[t]);
}

static const OSSL_PARAM *
khc_rsa_gettable(void *provctx)
{
	(void)provctx;
	return khc_gettable(KHC_RSA);
}

static const OSSL_PARAM *
khc_ec_gettable(void *provctx)
{
	(void)provctx;
	return khc_gettable(KHC_EC);
}

static const OSSL_PARAM *
khc_ed_gettable(void *provctx)
{
	(void)provctx;
	return khc_gettable(KHC_ED25519);
}

/* keymgmt: keys match when their public halves do. */
static int
khc_match(const void *a, const void *b, int selection)
{
	const struct khc_key	*ka = a, *kb = b;

	(void)selection;
	if (ka == NULL || kb == NULL || ka->k_pub == NULL ||
	    kb->k_pub == NULL)
		return 0;
	return EVP_PKEY_eq(ka->k_pub, kb->k_pub) == 1;
}

/* keymgmt: EC keys sign with ECDSA. */
static const char *
khc_ec_opname(int op)
{
	return op == OSSL_OP_SIGNATURE ? "ECDSA" : NULL;
}

#define KHC_KEYMGMT(pfx)						\
static const OSSL_DISPATCH khc_##pfx##_keymgmt[] = {			\
	{ OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))khc_##pfx##_new },	\
	{ OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))khc_free },		\
	{ OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))khc_has },		\
	{ OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))khc_match },	\
	{ OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))khc_import },	\
	{ OSSL_FUNC_KEYMGMT_IMPORT_TYPES,				\
	    (void (*)(void))khc_##pfx##_types_fn },			\
	{ OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))khc_export },	\
	{ OSSL_FUNC_KEYMGMT_EXPORT_TYPES,				\
	    (void (*)(void))khc_##pfx##_types_fn },			\
	{ OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))khc_get_params }, \
	{ OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS,				\
	    (void (*)(void))khc_##pfx##_gettable },			\
	KHC_KEYMGMT_OPNAME_##pfx					\
	{ 0, NULL }							\
}
#define KHC_KEYMGMT_OPNAME_rsa
#define KHC_KEYMGMT_OPNAME_ed
#define KHC_KEYMGMT_OPNAME_ec						\
	{ OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME,			\
	    (void (*)(void))khc_ec_opname },

KHC_KEYMGMT(rsa);
KHC_KEYMGMT(ec);
KHC_KEYMGMT(ed);

/* signature: a new context. */
static void *
khc_sig_new(void *provctx, const char *propq)
{
	(void)provctx;
	(void)propq;
	return calloc(1, sizeof(struct khc_sig));
}

/* signature: free a context. */
static void
khc_sig_free(void *ctx)
{
	struct khc_sig	*s = ctx;

	if (s == NULL)
		return;
	EVP_MD_CTX_free(s->s_mdctx);
	free(s);
}

/* signature: a copy of a context, its running digest too. */
static void *
khc_sig_dup(void *ctx)
{
	struct khc_sig	*s = ctx, *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	*d = *s;
	d->s_mdctx = NULL;
	if (s->s_mdctx != NULL && ((d->s_mdctx = EVP_MD_CTX_new()) == NULL ||
	    !EVP_MD_CTX_copy_ex(d->s_mdctx, s->s_mdctx))) {
		khc_sig_free(d);
		return NULL;
	}
	return d;
}

/* signature: digest, padding and salt length, as libssl sets them. */
static int
khc_sig_set(void *ctx, const OSSL_PARAM params[])
{
	struct khc_sig		*s = ctx;
	const OSSL_PARAM	*p;
	const char		*str;
	int			 i;

	if (params == NULL)
		return 1;
	if ((p = OSSL_PARAM_locate_const(params,
	    OSSL_SIGNATURE_PARAM_DIGEST)) != NULL) {
		if (!OSSL_PARAM_get_utf8_string_ptr(p, &str) ||
		    strlcpy(s->s_md, str, sizeof(s->s_md)) >= sizeof(s->s_md))
			return 0;
	}
	if ((p = OSSL_PARAM_locate_const(params,
	    OSSL_SIGNATURE_PARAM_PAD_MODE)) != NULL) {
		if (OSSL_PARAM_get_int(p, &i))
			;
		else if (OSSL_PARAM_get_utf8_string_ptr(p, &str))
			i = strcmp(str, OSSL_PKEY_RSA_PAD_MODE_PSS) == 0 ?
			    RSA_PKCS1_PSS_PADDING :
			    strcmp(str, OSSL_PKEY_RSA_PAD_MODE_PKCSV15) == 0 ?
			    RSA_PKCS1_PADDING : -1;
		else
			return 0;
		if (i == RSA_PKCS1_PSS_PADDING)
			s->s_pad = KH_PAD_PSS;
		else if (i == RSA_PKCS1_PADDING)
			s->s_pad = KH_PAD_PKCS1;
		else
			return 0;
	}
	if ((p = OSSL_PARAM_locate_const(params,
	    OSSL_SIGNATURE_PARAM_PSS_SALTLEN)) != NULL) {
		if (OSSL_PARAM_get_int(p, &i))
			s->s_saltlen = i;
		else if (OSSL_PARAM_get_utf8_string_ptr(p, &str))
			s->s_saltlen = strcmp(str,
			    OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST) == 0 ? -1 : -2;
		else
			return 0;
	}
	return 1;
}

/* signature: what khc_sig_set takes. */
static const OSSL_PARAM *
khc_sig_settable(void *ctx, void *provctx)
{
	static const OSSL_PARAM	 settable[] = {
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, NULL, 0),
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PSS_SALTLEN,
		    NULL, 0),
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST,
		    NULL, 0),
		OSSL_PARAM_END
	};

	(void)ctx;
	(void)provctx;
	return settable;
}

/* signature: begin, with a key the keyholder holds. */
static int
khc_sig_init(void *ctx, void *kd, const OSSL_PARAM params[])
{
	struct khc_sig	*s = ctx;
	struct khc_key	*k = kd;

	if (k == NULL || !k->k_remote)
		return 0;
	s->s_key = k;
	s->s_pad = k->k_type == KHC_RSA ? KH_PAD_PKCS1 : KH_PAD_NONE;
	s->s_saltlen = -2;
	return khc_sig_set(s, params);
}

/* The largest signature of the key. */
static size_t
khc_sig_size(const struct khc_sig *s)
{
	int	 n = EVP_PKEY_get_size(s->s_key->k_pub);

	return n > 0 ? (size_t)n : PROTO_KH_SIG_MAX;
}

/* signature: sign a digest (RSA, ECDSA) or a message (Ed25519). */
static int
khc_sig_sign(void *ctx, unsigned char *sig, size_t *siglen, size_t sigsize,
    const unsigned char *tbs, size_t tbslen)
{
	struct khc_sig	*s = ctx;

	if (sig == NULL) {
		*siglen = khc_sig_size(s);
		return 1;
	}
	return khc_request(s, s->s_key->k_type == KHC_ED25519 ?
	    KH_SIGN_MESSAGE : KH_SIGN_DIGEST, tbs, tbslen, sig, siglen,
	    sigsize);
}

/* signature: begin a digest-and-sign (no digest for Ed25519). */
static int
khc_dsign_init(void *ctx, const char *mdname, void *kd,
    const OSSL_PARAM params[])
{
	struct khc_sig	*s = ctx;
	EVP_MD		*md;
	int		 ok;

	if (!khc_sig_init(ctx, kd, params))
		return 0;
	if (s->s_key->k_type == KHC_ED25519)
		return mdname == NULL || *mdname == '\0';
	if (mdname != NULL && strlcpy(s->s_md, mdname, sizeof(s->s_md)) >=
	    sizeof(s->s_md))
		return 0;
	if (s->s_md[0] == '\0')
		(void)strlcpy(s->s_md, "SHA256", sizeof(s->s_md));
	if ((md = EVP_MD_fetch(NULL, s->s_md, "provider=default")) == NULL)
		return 0;
	/* The name the keyholder looks up: the digest's canonical one. */
	(void)strlcpy(s->s_md, EVP_MD_get0_name(md), sizeof(s->s_md));
	if (s->s_mdctx == NULL && (s->s_mdctx = EVP_MD_CTX_new()) == NULL) {
		EVP_MD_free(md);
		return 0;
	}
	ok = EVP_DigestInit_ex2(s->s_mdctx, md, NULL);
	EVP_MD_free(md);
	return ok;
}

/* signature: more data to digest. */
static int
khc_dsign_update(void *ctx, const unsigned char *data, size_t len)
{
	struct khc_sig	*s = ctx;

	if (s->s_mdctx == NULL)
		return 0;
	return EVP_DigestUpdate(s->s_mdctx, data, len);
}

/* signature: the digest, signed by the keyholder. */
static int
khc_dsign_final(void *ctx, unsigned char *sig, size_t *siglen,
    size_t sigsize)
{
	struct khc_sig	*s = ctx;
	unsigned char	 dgst[EVP_MAX_MD_SIZE];
	unsigned int	 dlen;

	if (s->s_mdctx == NULL)
		return 0;
	if (sig == NULL) {
		*siglen = khc_sig_size(s);
		return 1;
	}
	if (!EVP_DigestFinal_ex(s->s_mdctx, dgst, &dlen))
		return 0;
	return khc_request(s, KH_SIGN_DIGEST, dgst, dlen, sig, siglen,
	    sigsize);
}

/* signature: one-shot digest-and-sign (the only form for Ed25519). */
static int
khc_dsign(void *ctx, unsigned char *sig, size_t *siglen, size_t sigsize,
    const unsigned char *tbs, size_t tbslen)
{
	struct khc_sig	*s = ctx;

	if (s->s_key->k_type == KHC_ED25519)
		return khc_sig_sign(ctx, sig, siglen, sigsize, tbs, tbslen);
	if (sig != NULL && !khc_dsign_update(ctx, tbs, tbslen))
		return 0;
	return khc_dsign_final(ctx, sig, siglen, sigsize);
}

static const OSSL_DISPATCH khc_signature[] = {
	{ OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))khc_sig_new },
	{ OSSL_FUNC_SIGNATURE_FREECTX, (void (*)(void))khc_sig_free },
	{ OSSL_FUNC_SIGNATURE_DUPCTX, (void (*)(void))khc_sig_dup },
	{ OSSL_FUNC_SIGNATURE_SIGN_INIT, (void (*)(void))khc_sig_init },
	{ OSSL_FUNC_SIGNATURE_SIGN, (void (*)(void))khc_sig_sign },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT,
	    (void (*)(void))khc_dsign_init },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE,
	    (void (*)(void))khc_dsign_update },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL,
	    (void (*)(void))khc_dsign_final },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN, (void (*)(void))khc_dsign },
	{ OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, (void (*)(void))khc_sig_set },
	{ OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS,
	    (void (*)(void))khc_sig_settable },
	{ 0, NULL }
};

/* The algorithm names are the default provider's, so that libssl's
 * EVP_PKEY_is_a() classifies our keys as it does its own. */
static const OSSL_ALGORITHM khc_keymgmts[] = {
	{ "RSA:rsaEncryption:1.2.840.113549.1.1.1", KHC_PROPS,
	    khc_rsa_keymgmt, NULL },
	{ "EC:id-ecPublicKey:1.2.840.10045.2.1", KHC_PROPS,
	    khc_ec_keymgmt, NULL },
	{ "ED25519:1.3.101.112", KHC_PROPS, khc_ed_keymgmt, NULL },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM khc_signatures[] = {
	{ "RSA:rsaEncryption:1.2.840.113549.1.1.1", KHC_PROPS,
	    khc_signature, NULL },
	{ "ECDSA", KHC_PROPS, khc_signature, NULL },
	{ "ED25519:1.3.101.112", KHC_PROPS, khc_signature, NULL },
	{ NULL, NULL, NULL, NULL }
};

/* provider: the operations it offers. */
static const OSSL_ALGORITHM *
khc_query(void *provctx, int op, int *no_cache)
{
	(void)provctx;
	*no_cache = 0;
	switch (op) {
	case OSSL_OP_KEYMGMT:
		return khc_keymgmts;
	case OSSL_OP_SIGNATURE:
		return khc_signatures;
	default:
		return NULL;
	}
}

static const OSSL_DISPATCH khc_provider[] = {
	{ OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))khc_query },
	{ 0, NULL }
};

/* provider: its entry point. */
static int
khc_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
    const OSSL_DISPATCH **out, void **provctx)
{
	(void)handle;
	(void)in;
	*out = khc_provider;
	*provctx = NULL;
	return 1;
}

/* Load the default provider, then ours, and prefer the default. */
int
khc_init(void)
{
	/* Loaded for the process's life: kept here, so the references
	 * are held rather than dropped (LeakSanitizer reported them). */
	static OSSL_PROVIDER	*dflt, *ours;

	if (khc_ready)
		return 0;
	if ((dflt == NULL &&
	    (dflt = OSSL_PROVIDER_load(NULL, "default")) == NULL) ||
	    (ours == NULL && (!OSSL_PROVIDER_add_builtin(NULL, KHC_NAME,
	    khc_provider_init) ||
	    (ours = OSSL_PROVIDER_load(NULL, KHC_NAME)) == NULL)) ||
	    !EVP_set_default_properties(NULL, "?provider=default"))
		return -1;
	khc_ready = 1;
	return 0;
}

/* A key of ours with the public half of the certificate's key. */
static EVP_PKEY *
khc_pkey(X509 *leaf, char *err, size_t errlen)
{
	EVP_PKEY	*pub = X509_get0_pubkey(leaf), *pkey = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	OSSL_PARAM	*pp = NULL, *all = NULL, mark[2];
	int		 one = 1, t;

	for (t = 0; t < KHC_NTYPES; t++)
		if (pub != NULL && EVP_PKEY_is_a(pub, khc_types[t]))
			break;
	if (t == KHC_NTYPES) {
		snprintf(err, errlen, "the certificate's key is not RSA, EC "
		    "or Ed25519");
		return NULL;
	}
	mark[0] = OSSL_PARAM_construct_int(KHC_REMOTE, &one);
	mark[1] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_todata(pub, EVP_PKEY_PUBLIC_KEY, &pp) <= 0 ||
	    (all = OSSL_PARAM_merge(pp, mark)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, khc_types[t], KHC_PROPS))
	    == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, all) <= 0) {
		snprintf(err, errlen, "cannot make a keyholder key");
		pkey = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(all);
	OSSL_PARAM_free(pp);
	return pkey;
}

/* Install the chain and the keyholder's key for its leaf in ctx. */
int
khc_install(SSL_CTX *ctx, const char *pem, size_t len, const char *certfile,
    char *err, size_t errlen)
{
	BIO		*b;
	X509		*leaf = NULL, *x;
	EVP_PKEY	*pkey = NULL;
	char		 e[160];
	unsigned long	 last;
	int		 rc = -1;

	ERR_clear_error();
	if (len > PROTO_CHAIN_MAX ||
	    (b = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((leaf = PEM_read_bio_X509_AUX(b, NULL, NULL, NULL)) == NULL ||
	    SSL_CTX_use_certificate(ctx, leaf) != 1) {
		snprintf(err, errlen, "invalid certificate in %s: %s",
		    certfile, tls_errstr(e, sizeof(e)));
		goto done;
	}
	(void)SSL_CTX_clear_chain_certs(ctx);
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		if (SSL_CTX_add0_chain_cert(ctx, x) != 1) {
			X509_free(x);
			snprintf(err, errlen, "invalid certificate chain in "
			    "%s", certfile);
			goto done;
		}
	last = ERR_peek_last_error();
	if (ERR_GET_LIB(last) == ERR_LIB_PEM &&
	    ERR_GET_REASON(last) == PEM_R_NO_START_LINE)
		ERR_clear_error();
	else if (last != 0) {
		snprintf(err, errlen, "invalid certificate chain in %s: %s",
		    certfile, tls_errstr(e, sizeof(e)));
		goto done;
	}
	if ((pkey = khc_pkey(leaf, e, sizeof(e))) == NULL) {
		snprintf(err, errlen, "%s: %s", certfile, e);
		goto done;
	}
	if (SSL_CTX_use_PrivateKey(ctx, pkey) != 1) {
		snprintf(err, errlen, "%s: the keyholder's key is refused: %s",
		    certfile, tls_errstr(e, sizeof(e)));
		goto done;
	}
	rc = 0;
done:
	EVP_PKEY_free(pkey);
	X509_free(leaf);
	BIO_free(b);
	return rc;
}
