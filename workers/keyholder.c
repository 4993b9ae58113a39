/* SPDX-License-Identifier: ISC */
/*
 * The keyholder: the one wsflow process that holds private keys, as
 * OpenBSD relayd's "ca" process does.  The supervisor passes it each
 * key file as an open descriptor with the certificate chain it belongs
 * to (MSG_KH_KEY; the supervisor never reads a key), and one end of a
 * SOCK_SEQPACKET socketpair per worker with a key (MSG_KH_PEER, naming
 * the connector).  It answers each MSG_KH_SIGN on a channel with that
 * connector's key only (the one the request names by the hash of its
 * public half: the current one, or the one before the last reload, for
 * a handshake that began before it), after checking the request's size
 * and form; a malformed request closes that channel.  It sandboxes itself like any
 * worker (SANDBOX_KEYHOLDER: no network, no files, no new sockets) and
 * is restarted like one.  New keys may come at any time (a reload that
 * starts or replaces a connector with a key, or rotates one), at most
 * PROTO_KH_KEYS_MAX connectors' at once; a reload that retires a
 * connector's worker makes it forget that key (MSG_KH_FORGET): freed
 * and wiped, with the channels of that connector (OpenSSL's own freed
 * copies are wiped too: kh_wipe_freed).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "log.h"
#include "tls.h"
#include "worker.h"

/* One connector's key, and the one before a reload (a handshake that
 * began before it signs with the key it began with). */
struct kh_key {
	struct kh_key		*k_next;
	uint32_t		 k_id;
	EVP_PKEY		*k_pkey;
	uint8_t			 k_kid[PROTO_KH_KEYID_LEN];	/* tls_key_id */
	EVP_PKEY		*k_old;
	uint8_t			 k_oldkid[PROTO_KH_KEYID_LEN];
};

/* One worker's channel. */
struct kh_peer {
	struct kh_peer		*p_next;
	uint32_t		 p_id;		/* the connector it serves */
	int			 p_fd;
	struct event		*p_ev;
};

static struct {
	struct worker		*kh_w;
	struct kh_key		*kh_keys;
	struct kh_peer		*kh_peers;
	int			 kh_open;	/* sandboxed: serve requests */
	int			 kh_nkeys;
	uint64_t		 kh_signed;
	uint64_t		 kh_refused;
} kh;

/*
 * OpenSSL's allocations in the keyholder are wiped when freed: its
 * decoders free copies of a key they read (the DER of a PEM file)
 * without cleansing them, and a key the keyholder forgets must leave
 * nothing behind in its heap.  Set before the first key is read.
 */
static void *
kh_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return malloc(n);
}

/* Wipe, then free. */
static void
kh_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	if (p != NULL)
		explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

/* A new block, the old one wiped (realloc may leave it behind). */
static void *
kh_realloc(void *p, size_t n, const char *file, int line)
{
	void	*q;
	size_t	 old;

	if (p == NULL)
		return kh_malloc(n, file, line);
	if (n == 0) {
		kh_free(p, file, line);
		return NULL;
	}
	if ((q = malloc(n)) == NULL)
		return NULL;
	old = malloc_usable_size(p);
	memcpy(q, p, old < n ? old : n);
	kh_free(p, file, line);
	return q;
}

/* Install the wiping allocator once, before OpenSSL allocates anything
 * in this process (it refuses after). */
static void
kh_wipe_freed(void)
{
	static int	 done;

	if (done)
		return;
	if (CRYPTO_set_mem_functions(kh_malloc, kh_realloc, kh_free) != 1)
		fatalx("keyholder: OpenSSL allocated before its allocator "
		    "was set");
	done = 1;
}

/* The key of connector id, or NULL. */
static struct kh_key *
kh_key_find(uint32_t id)
{
	struct kh_key	*k;

	for (k = kh.kh_keys; k != NULL; k = k->k_next)
		if (k->k_id == id)
			return k;
	return NULL;
}

/* Close a channel and forget it. */
static void
kh_peer_drop(struct kh_peer *p)
{
	struct kh_peer	**pp;

	for (pp = &kh.kh_peers; *pp != NULL; pp = &(*pp)->p_next)
		if (*pp == p) {
			*pp = p->p_next;
			break;
		}
	if (p->p_ev != NULL)
		event_free(p->p_ev);
	close(p->p_fd);
	free(p);
}

/* No passphrase is ever asked for: keys must be unencrypted. */
static int
kh_no_pass(char *buf, int size, int rw, void *u)
{
	(void)buf;
	(void)size;
	(void)rw;
	(void)u;
	return 0;
}

/* Read a key file from its descriptor (at most PROTO_KEYFILE_MAX); the
 * caller wipes and frees *buf. */
static int
kh_read_fd(int fd, char **buf, size_t *len, char *err, size_t errlen)
{
	struct stat	 st;
	ssize_t		 n;
	size_t		 off = 0;

	*buf = NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size <= 0 || st.st_size > PROTO_KEYFILE_MAX) {
		snprintf(err, errlen, "not a regular file of at most %d bytes",
		    PROTO_KEYFILE_MAX);
		return -1;
	}
	if ((*buf = malloc((size_t)st.st_size)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (off < (size_t)st.st_size) {
		if ((n = read(fd, *buf + off, (size_t)st.st_size - off)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			snprintf(err, errlen, "read: %s", n == 0 ?
			    "file shrank" : strerror(errno));
			return -1;
		}
		off += (size_t)n;
	}
	*len = off;
	return 0;
}

/* Whether the key is of a kind we sign with: RSA, ECDSA on P-256 or
 * P-384, Ed25519. */
static int
kh_key_kind_ok(EVP_PKEY *pkey)
{
	char	 group[32];

	if (EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_is_a(pkey, "ED25519"))
		return 1;
	if (!EVP_PKEY_is_a(pkey, "EC") ||
	    !EVP_PKEY_get_group_name(pkey, group, sizeof(group), NULL))
		return 0;
	return strcmp(group, "prime256v1") == 0 ||
	    strcmp(group, "secp384r1") == 0;
}

/* The key in the file behind fd, checked against the chain's first
 * certificate; NULL with err. */
static EVP_PKEY *
kh_key_load(const struct msg_kh_key *kk, const char *chain, int fd,
    char *err, size_t errlen)
{
	EVP_PKEY	*pkey = NULL;
	X509		*leaf = NULL;
	BIO		*b = NULL;
	char		*buf = NULL, e[160];
	size_t		 len = 0;

	ERR_clear_error();
	if (kh_read_fd(fd, &buf, &len, e, sizeof(e)) == -1) {
		snprintf(err, errlen, "key file %s: %s", kk->kk_keyfile, e);
		goto fail;
	}
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL ||
	    (pkey = PEM_read_bio_PrivateKey(b, NULL, kh_no_pass, NULL))
	    == NULL) {
		snprintf(err, errlen, "no valid private key (RSA, EC, PKCS#1 "
		    "or PKCS#8) in %s: %s", kk->kk_keyfile,
		    tls_errstr(e, sizeof(e)));
		goto fail;
	}
	BIO_free(b);
	if ((b = BIO_new_mem_buf(chain, (int)kk->kk_chain_len)) == NULL ||
	    (leaf = PEM_read_bio_X509_AUX(b, NULL, NULL, NULL)) == NULL) {
		snprintf(err, errlen, "invalid certificate in %s: %s",
		    kk->kk_certfile, tls_errstr(e, sizeof(e)));
		goto fail;
	}
	if (X509_check_private_key(leaf, pkey) != 1) {
		snprintf(err, errlen, "private key in %s does not match the "
		    "certificate in %s", kk->kk_keyfile, kk->kk_certfile);
		goto fail;
	}
	if (!kh_key_kind_ok(pkey)) {
		snprintf(err, errlen, "key in %s: only RSA, ECDSA P-256 or "
		    "P-384 and Ed25519 keys are supported", kk->kk_keyfile);
		goto fail;
	}
	goto done;
fail:
	EVP_PKEY_free(pkey);
	pkey = NULL;
done:
	ERR_clear_error();
	X509_free(leaf);
	BIO_free(b);
	if (buf != NULL)
		freezero(buf, len);
	return pkey;
}

/* MSG_KH_KEY: a connector's (new) key; answered with MSG_KH_KEY_RES. */
void
kh_key_msg(struct worker *w, const struct proc_msg *m)
{
	struct msg_kh_key	 kk;
	struct msg_kh_key_res	 kr;
	struct kh_key		*k;
	struct iovec		 iov[2];
	EVP_PKEY		*pkey;
	uint8_t			 kid[PROTO_KH_KEYID_LEN];
	char			 err[2 * PROTO_PATH_MAX + 128] = "";

	if (m->pm_fd == -1 || m->pm_len < sizeof(kk))
		fatalx("bad keyholder key message");
	kh_wipe_freed();
	memcpy(&kk, m->pm_data, sizeof(kk));
	if (kk.kk_chain_len != m->pm_len - sizeof(kk) ||
	    kk.kk_chain_len > PROTO_CHAIN_MAX ||
	    memchr(kk.kk_certfile, '\0', sizeof(kk.kk_certfile)) == NULL ||
	    memchr(kk.kk_keyfile, '\0', sizeof(kk.kk_keyfile)) == NULL)
		fatalx("bad keyholder key message");
	pkey = kh_key_load(&kk, (const char *)m->pm_data + sizeof(kk),
	    m->pm_fd, err, sizeof(err));
	close(m->pm_fd);
	if (pkey != NULL && tls_key_id(pkey, kid) == -1) {
		snprintf(err, sizeof(err), "key in %s: no key id",
		    kk.kk_keyfile);
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	memset(&kr, 0, sizeof(kr));
	kr.kr_id = kk.kk_id;
	if (pkey != NULL && (k = kh_key_find(kk.kk_id)) == NULL &&
	    kh.kh_nkeys >= PROTO_KH_KEYS_MAX) {
		snprintf(err, sizeof(err), "the keyholder holds the keys of "
		    "%d connectors, its maximum", PROTO_KH_KEYS_MAX);
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	if (pkey != NULL) {
		if ((k = kh_key_find(kk.kk_id)) == NULL) {
			if ((k = calloc(1, sizeof(*k))) == NULL)
				fatal("%s", __func__);
			k->k_id = kk.kk_id;
			k->k_next = kh.kh_keys;
			kh.kh_keys = k;
			kh.kh_nkeys++;
		}
		EVP_PKEY_free(k->k_old);
		k->k_old = k->k_pkey;
		memcpy(k->k_oldkid, k->k_kid, sizeof(k->k_oldkid));
		k->k_pkey = pkey;
		memcpy(k->k_kid, kid, sizeof(k->k_kid));
		kr.kr_ok = 1;
	}
	iov[0].iov_base = &kr;
	iov[0].iov_len = sizeof(kr);
	iov[1].iov_base = err;
	iov[1].iov_len = kr.kr_ok ? 0 : strlen(err);
	if (proc_sendv(w->w_ctl, MSG_KH_KEY_RES, -1, iov, 2) == -1)
		fatal("%s: send", __func__);
}

/* Free one connector's keys; OpenSSL wipes their secret parts. */
static void
kh_key_free(struct kh_key *k)
{
	EVP_PKEY_free(k->k_pkey);
	EVP_PKEY_free(k->k_old);
	freezero(k, sizeof(*k));
}

/* MSG_KH_FORGET: a reload retired a connector's worker (it is gone):
 * its keys and channels go.  An id without a key is no error (its key
 * was refused, or never sent). */
void
kh_forget_msg(struct worker *w, const struct proc_msg *m)
{
	struct msg_kh_forget	 kf;
	struct kh_key		**kp, *k;
	struct kh_peer		*p, *next;

	(void)w;
	if (m->pm_fd != -1 || proc_get(m, &kf, sizeof(kf)) == -1)
		fatalx("bad keyholder forget message");
	for (kp = &kh.kh_keys; (k = *kp) != NULL; kp = &k->k_next)
		if (k->k_id == kf.kf_id) {
			*kp = k->k_next;
			kh_key_free(k);
			kh.kh_nkeys--;
			break;
		}
	for (p = kh.kh_peers; p != NULL; p = next) {
		next = p->p_next;
		if (p->p_id == kf.kf_id)
			kh_peer_drop(p);
	}
	log_debug("keyholder: connector %u forgotten", kf.kf_id);
}

/*
 * Sign what q asks with key: a digest (RSA with PKCS#1 v1.5 or PSS
 * padding, ECDSA) or a message (Ed25519).  0 with *siglen set, or -1.
 */
static int
kh_sign(EVP_PKEY *key, const struct msg_kh_sign *q, const uint8_t *data,
    uint8_t *sig, size_t *siglen)
{
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_MD_CTX	*mctx = NULL;
	const EVP_MD	*md;
	int		 rsa = EVP_PKEY_is_a(key, "RSA"), ok = 0;

	if (q->ks_op == KH_SIGN_MESSAGE) {
		if (!EVP_PKEY_is_a(key, "ED25519") || q->ks_pad != KH_PAD_NONE)
			return -1;
		ok = (mctx = EVP_MD_CTX_new()) != NULL &&
		    EVP_DigestSignInit_ex(mctx, NULL, NULL, NULL, NULL, key,
		    NULL) == 1 &&
		    EVP_DigestSign(mctx, sig, siglen, data, q->ks_len) == 1;
		EVP_MD_CTX_free(mctx);
		return ok ? 0 : -1;
	}
	if (q->ks_op != KH_SIGN_DIGEST || EVP_PKEY_is_a(key, "ED25519") ||
	    (md = EVP_get_digestbyname(q->ks_md)) == NULL ||
	    (size_t)EVP_MD_get_size(md) != q->ks_len ||
	    (rsa ? q->ks_pad == KH_PAD_NONE : q->ks_pad != KH_PAD_NONE))
		return -1;
	if ((ctx = EVP_PKEY_CTX_new(key, NULL)) == NULL ||
	    EVP_PKEY_sign_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, md) <= 0)
		goto done;
	if (rsa && q->ks_pad == KH_PAD_PKCS1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0)
		goto done;
	if (rsa && q->ks_pad == KH_PAD_PSS &&
	    (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, q->ks_saltlen == -1 ?
	    RSA_PSS_SALTLEN_DIGEST : q->ks_saltlen < 0 ? RSA_PSS_SALTLEN_MAX :
	    q->ks_saltlen) <= 0))
		goto done;
	ok = EVP_PKEY_sign(ctx, sig, siglen, data, q->ks_len) == 1;
done:
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* The key of k a request names (the current one or the one before). */
static EVP_PKEY *
kh_key_pick(struct kh_key *k, const uint8_t *kid)
{
	if (k->k_pkey != NULL &&
	    memcmp(k->k_kid, kid, sizeof(k->k_kid)) == 0)
		return k->k_pkey;
	if (k->k_old != NULL &&
	    memcmp(k->k_oldkid, kid, sizeof(k->k_oldkid)) == 0)
		return k->k_old;
	return NULL;
}

/* A request on a channel: checked, signed with that connector's key,
 * answered; anything malformed closes the channel. */
static void
kh_peer_read(evutil_socket_t fd, short ev, void *arg)
{
	struct kh_peer		*p = arg;
	struct proc_hdr		 h;
	struct msg_kh_sign	 q;
	struct msg_kh_sig	 a;
	struct kh_key		*k;
	struct iovec		 iov[3];
	uint8_t			 buf[sizeof(h) + sizeof(q) +
				    PROTO_KH_DATA_MAX + 1];
	uint8_t			 sig[PROTO_KH_SIG_MAX];
	const uint8_t		*data;
	EVP_PKEY		*key;
	size_t			 siglen = sizeof(sig);
	ssize_t			 n;

	(void)ev;
	if ((n = read(fd, buf, sizeof(buf))) == -1 &&
	    (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		log_debug("keyholder: channel of connector %u closed",
		    p->p_id);
		kh_peer_drop(p);
		return;
	}
	if (proto_kh_sign_parse(buf, (size_t)n, &q, &data) == -1)
		goto bad;
	memset(&a, 0, sizeof(a));
	a.sg_seq = q.ks_seq;
	if ((k = kh_key_find(p->p_id)) != NULL &&
	    (key = kh_key_pick(k, q.ks_key)) != NULL &&
	    kh_sign(key, &q, data, sig, &siglen) == 0 && siglen <= sizeof(sig)) {
		a.sg_ok = 1;
		a.sg_len = siglen;
		kh.kh_signed++;
	} else {
		kh.kh_refused++;
		log_warnx("keyholder: request of connector %u refused",
		    p->p_id);
		ERR_clear_error();
	}
	memset(&h, 0, sizeof(h));
	h.ph_type = MSG_KH_SIG;
	h.ph_len = sizeof(a) + a.sg_len;
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = &a;
	iov[1].iov_len = sizeof(a);
	iov[2].iov_base = sig;
	iov[2].iov_len = a.sg_len;
	if (writev(fd, iov, 3) == -1) {
		log_warn("keyholder: answer to connector %u", p->p_id);
		kh_peer_drop(p);
	}
	return;
bad:
	log_warnx("keyholder: malformed request from connector %u (%zd "
	    "bytes); closing its channel", p->p_id, n);
	kh_peer_drop(p);
}

/* Serve a channel (once sandboxed). */
static void
kh_peer_open(struct kh_peer *p)
{
	if (event_add(p->p_ev, NULL) == -1)
		fatalx("%s: event_add", __func__);
}

/* MSG_KH_PEER: a channel of a worker with a key. */
void
kh_peer_msg(struct worker *w, const struct proc_msg *m)
{
	struct msg_kh_peer	 mp;
	struct kh_peer		*p;

	if (m->pm_fd == -1 || proc_get(m, &mp, sizeof(mp)) == -1)
		fatalx("bad keyholder channel message");
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    evutil_make_socket_nonblocking(m->pm_fd) == -1 ||
	    (p->p_ev = event_new(w->w_base, m->pm_fd, EV_READ | EV_PERSIST,
	    kh_peer_read, p)) == NULL)
		fatal("%s", __func__);
	p->p_id = mp.kp_id;
	p->p_fd = m->pm_fd;
	p->p_next = kh.kh_peers;
	kh.kh_peers = p;
	if (kh.kh_open)
		kh_peer_open(p);
}

/* Set up: the minimal sandbox.  Channels are served from here on: no
 * callback runs before wk_configure, right after this, has entered the
 * sandbox. */
static int
kh_setup(struct worker *w, char *err, size_t errlen)
{
	struct kh_peer	*p;

	(void)err;
	(void)errlen;
	kh.kh_w = w;
	w->w_profile = SANDBOX_KEYHOLDER;
	w->w_state = &kh;
	kh.kh_open = 1;
	for (p = kh.kh_peers; p != NULL; p = p->p_next)
		kh_peer_open(p);
	return 0;
}

/* Last words: drop every key. */
static void
kh_finish(struct worker *w)
{
	struct kh_key	*k;

	(void)w;
	while ((k = kh.kh_keys) != NULL) {
		kh.kh_keys = k->k_next;
		kh_key_free(k);
	}
	kh.kh_nkeys = 0;
	while (kh.kh_peers != NULL)
		kh_peer_drop(kh.kh_peers);
}

/* Its counters (show stats). */
static void
kh_stats(struct worker *w, struct json_object *o)
{
	struct kh_key	*k;
	struct kh_peer	*p;
	int		 nk = 0, np = 0;

	(void)w;
	for (k = kh.kh_keys; k != NULL; k = k->k_next)
		nk++;
	for (p = kh.kh_peers; p != NULL; p = p->p_next)
		np++;
	json_object_object_add(o, "keys", json_object_new_int(nk));
	json_object_object_add(o, "channels", json_object_new_int(np));
	json_object_object_add(o, "signed",
	    json_object_new_int64((int64_t)kh.kh_signed));
	json_object_object_add(o, "refused",
	    json_object_new_int64((int64_t)kh.kh_refused));
}

const struct conn_ops keyholder_ops = {
	.co_type = "keyholder",
	.co_setup = kh_setup,
	.co_finish = kh_finish,
	.co_stats = kh_stats,
};
