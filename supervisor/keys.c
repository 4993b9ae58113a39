/* SPDX-License-Identifier: ISC */
/*
 * Certificates and keys, the supervisor's side of the keyholder
 * (workers/keyholder.c).  The supervisor reads certificate chains (they
 * are public) and sends each worker its own (MSG_TLS_CHAIN); it never
 * reads a private key: it opens the key file and passes the descriptor
 * to the keyholder with the chain the key must match (MSG_KH_KEY).  It
 * gives each worker with a key a SOCK_SEQPACKET channel to the
 * keyholder (MSG_KH_CHANNEL to the worker, MSG_KH_PEER with the
 * connector's id to the keyholder), whenever either of the two (re)starts.
 *
 * keys_reload() re-reads every chain and key: the keyholder checks the
 * new pair and takes the key, then the worker gets the new chain for its
 * new connections (existing ones keep theirs).  A pair the keyholder
 * refuses changes nothing.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conntype.h"
#include "jsonget.h"
#include "log.h"
#include "proc.h"
#include "sup.h"
#include "tls.h"

/* One worker with a key. */
struct key_slot {
	struct sup_worker	*ks_sw;
	const char		*ks_cert;	/* file names, from its config */
	const char		*ks_key;
	char			*ks_chain;	/* PEM, as the worker has it */
	size_t			 ks_chain_len;
	char			*ks_new;	/* a reload the keyholder has */
	size_t			 ks_new_len;	/* not answered yet */
	int			 ks_sent;	/* configured in this life */
};

static struct {
	struct key_slot		*k_slots;
	int			 k_n;
	struct sup_worker	*k_holder;
	int			 k_holder_up;	/* configured in this life */
	struct dep_connector	 k_dc;
	struct json_object	*k_conf;	/* the keyholder's config */
} keys;

/* The certificate and key files of a connector, if it has a key:
 * ws_server tls {cert, key}, ws_client tls {cert, key}. */
static int
keys_files(const struct dep_connector *dc, const char **cert,
    const char **key)
{
	struct json_object	*tls;

	if (dc->dc_ctype != CT_WS_SERVER && dc->dc_ctype != CT_WS_CLIENT)
		return 0;
	tls = jg_obj(jg_obj(dc->dc_config, "config"), "tls");
	*cert = jg_str(tls, "cert", NULL);
	*key = jg_str(tls, "key", NULL);
	return *cert != NULL && *key != NULL;
}

/* Whether connector dc has a private key (the keyholder signs for it). */
int
keys_has_key(const struct dep_connector *dc)
{
	const char	*cert, *key;

	return keys_files(dc, &cert, &key);
}

/* Read a certificate chain file (at most PROTO_CHAIN_MAX bytes). */
static int
keys_read_chain(const char *path, char **buf, size_t *len)
{
	struct stat	 st;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd;

	*buf = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size <= 0 || st.st_size > PROTO_CHAIN_MAX) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	if ((*buf = malloc((size_t)st.st_size)) == NULL) {
		close(fd);
		return -1;
	}
	while (off < (size_t)st.st_size) {
		if ((n = read(fd, *buf + off, (size_t)st.st_size - off)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			if (n == 0)
				errno = EIO;
			free(*buf);
			*buf = NULL;
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	close(fd);
	*len = off;
	return 0;
}

/*
 * Find the workers with a key and read their chains; the number of
 * them (a keyholder is needed when > 0), or -1 when a chain cannot be
 * read.  Not with the benchmark switch (tls.h): then workers read
 * their keys as before.
 */
int
keys_init(void)
{
	struct sup_worker	*sw;
	struct key_slot		*ks;
	const char		*cert, *key;
	int			 i;

	memset(&keys, 0, sizeof(keys));
	if (getenv(TLS_BENCH_KEYS_IN_WORKER) != NULL) {
		log_warnx("%s is set: private keys stay in the workers "
		    "(for benchmarks only)", TLS_BENCH_KEYS_IN_WORKER);
		return 0;
	}
	if ((keys.k_slots = calloc(proctab_count() + 1,
	    sizeof(*keys.k_slots))) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < proctab_count(); i++) {
		sw = proctab_get(i);
		if (!keys_files(sw->sw_dc, &cert, &key))
			continue;
		ks = &keys.k_slots[keys.k_n++];
		ks->ks_sw = sw;
		ks->ks_cert = cert;
		ks->ks_key = key;
		if (keys_read_chain(cert, &ks->ks_chain, &ks->ks_chain_len)
		    == -1) {
			log_warn("connector %s: certificate %s",
			    sw->sw_dc->dc_name, cert);
			return -1;
		}
	}
	keys.k_dc.dc_name = keys.k_dc.dc_type =
	    (char *)conntype_name(CT_KEYHOLDER);
	keys.k_dc.dc_flow = (char *)"";
	keys.k_dc.dc_ctype = CT_KEYHOLDER;
	return keys.k_n;
}

/* The keyholder's table entry, connector id id. */
struct sup_worker *
keys_add_holder(int id)
{
	keys.k_conf = wcb_keyholder(id);
	keys.k_holder = proctab_add_service(id, &keys.k_dc, keys.k_conf);
	return keys.k_holder;
}

/* The slot of a worker, or NULL. */
static struct key_slot *
keys_slot(const struct sup_worker *sw)
{
	int	 i;

	for (i = 0; i < keys.k_n; i++)
		if (keys.k_slots[i].ks_sw == sw)
			return &keys.k_slots[i];
	return NULL;
}

/* A channel between a worker and the keyholder, if it runs. */
static int
keys_link(struct key_slot *ks)
{
	struct msg_kh_peer	 mp;
	struct sup_worker	*sw = ks->ks_sw;
	int			 sv[2];

	if (!keys.k_holder_up || keys.k_holder->sw_peer == NULL ||
	    sw->sw_peer == NULL)
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("%s: socketpair", __func__);
		return -1;
	}
	memset(&mp, 0, sizeof(mp));
	mp.kp_id = sw->sw_id;
	if (proc_send(sw->sw_peer, MSG_KH_CHANNEL, sv[0], NULL, 0) == -1) {
		close(sv[1]);
		return -1;
	}
	return proc_send(keys.k_holder->sw_peer, MSG_KH_PEER, sv[1], &mp,
	    sizeof(mp));
}

/* Give the keyholder a worker's key file, with the chain it matches. */
static int
keys_send_key(struct key_slot *ks, const char *chain, size_t len)
{
	struct msg_kh_key	 kk;
	struct iovec		 iov[2];
	const char		*name = ks->ks_sw->sw_dc->dc_name;
	int			 fd;

	memset(&kk, 0, sizeof(kk));
	kk.kk_id = ks->ks_sw->sw_id;
	kk.kk_chain_len = len;
	if (strlcpy(kk.kk_certfile, ks->ks_cert, sizeof(kk.kk_certfile)) >=
	    sizeof(kk.kk_certfile) || strlcpy(kk.kk_keyfile, ks->ks_key,
	    sizeof(kk.kk_keyfile)) >= sizeof(kk.kk_keyfile)) {
		log_warnx("connector %s: file name too long", name);
		return -1;
	}
	/* Opened, never read: only the keyholder reads keys. */
	if ((fd = open(ks->ks_key, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		log_warn("connector %s: key %s", name, ks->ks_key);
		return -1;
	}
	iov[0].iov_base = &kk;
	iov[0].iov_len = sizeof(kk);
	iov[1].iov_base = (void *)chain;
	iov[1].iov_len = len;
	if (proc_sendv(keys.k_holder->sw_peer, MSG_KH_KEY, fd, iov, 2) == -1) {
		log_warn("connector %s: key to the keyholder", name);
		return -1;
	}
	return 0;
}

/*
 * Before a worker's MSG_CONFIG_END: a worker with a key gets its chain
 * and a channel; the keyholder gets every key, then a channel to every
 * worker already configured (it restarted).  -1 fails the worker.
 */
int
keys_configure(struct sup_worker *sw)
{
	struct key_slot	*ks;
	int		 i;

	if (sw == keys.k_holder) {
		for (i = 0; i < keys.k_n; i++)
			if (keys_send_key(&keys.k_slots[i],
			    keys.k_slots[i].ks_chain,
			    keys.k_slots[i].ks_chain_len) == -1)
				return -1;
		keys.k_holder_up = 1;
		for (i = 0; i < keys.k_n; i++)
			if (keys.k_slots[i].ks_sent &&
			    keys_link(&keys.k_slots[i]) == -1)
				return -1;
		return 0;
	}
	if ((ks = keys_slot(sw)) == NULL)
		return 0;
	if (proc_send(sw->sw_peer, MSG_TLS_CHAIN, -1, ks->ks_chain,
	    ks->ks_chain_len) == -1)
		return -1;
	ks->ks_sent = 1;
	return keys_link(ks);
}

/*
 * MSG_KH_KEY_RES: the keyholder took a key, or refused it (and said
 * why).  A reload that was taken sends the worker its new chain.  -1
 * for a malformed answer, 1 when a key of the start-up was refused.
 */
int
keys_result(const struct proc_msg *m)
{
	struct msg_kh_key_res	 kr;
	struct key_slot		*ks = NULL;
	struct sup_worker	*sw;
	char			 safe[LOG_VIS_SIZE(512)];
	int			 i;

	if (m->pm_len < sizeof(kr) || m->pm_len - sizeof(kr) > 512)
		return -1;
	memcpy(&kr, m->pm_data, sizeof(kr));
	for (i = 0; i < keys.k_n; i++)
		if ((uint32_t)keys.k_slots[i].ks_sw->sw_id == kr.kr_id)
			ks = &keys.k_slots[i];
	if (ks == NULL || (kr.kr_ok && m->pm_len != sizeof(kr)))
		return -1;
	sw = ks->ks_sw;
	if (!kr.kr_ok) {
		log_warnx("connector %s: tls: %s%s", sw->sw_dc->dc_name,
		    log_vis(safe, sizeof(safe), (const char *)m->pm_data +
		    sizeof(kr), m->pm_len - sizeof(kr)), ks->ks_new != NULL ?
		    "; reload refused, keeping the old certificate" : "");
		if (ks->ks_new == NULL)
			return 1;
		free(ks->ks_new);
		ks->ks_new = NULL;
		return 0;
	}
	if (ks->ks_new == NULL)
		return 0;
	free(ks->ks_chain);
	ks->ks_chain = ks->ks_new;
	ks->ks_chain_len = ks->ks_new_len;
	ks->ks_new = NULL;
	if (ks->ks_sent && sw->sw_peer != NULL &&
	    proc_send(sw->sw_peer, MSG_TLS_CHAIN, -1, ks->ks_chain,
	    ks->ks_chain_len) == -1)
		log_warn("connector %s: new certificate", sw->sw_dc->dc_name);
	log_info("connector %s: certificate %s and key %s reloaded",
	    sw->sw_dc->dc_name, ks->ks_cert, ks->ks_key);
	return 0;
}

/* A worker is gone: the keyholder's channels go with it. */
void
keys_gone(struct sup_worker *sw)
{
	struct key_slot	*ks;
	int		 i;

	if (sw == keys.k_holder) {
		keys.k_holder_up = 0;
		for (i = 0; i < keys.k_n; i++) {
			free(keys.k_slots[i].ks_new);
			keys.k_slots[i].ks_new = NULL;
		}
	} else if ((ks = keys_slot(sw)) != NULL)
		ks->ks_sent = 0;
}

/*
 * Re-read every certificate chain and key (SIGUSR1; the reload's).
 * Each pair goes to the keyholder, which checks it; the worker gets
 * the new chain once it has (keys_result).  The number of pairs sent,
 * -1 when there is no keyholder to send them to.
 */
int
keys_reload(void)
{
	struct key_slot	*ks;
	int		 i, n = 0;

	if (keys.k_n == 0)
		return 0;
	if (!keys.k_holder_up || keys.k_holder->sw_peer == NULL) {
		log_warnx("certificate reload: the keyholder is not running");
		return -1;
	}
	for (i = 0; i < keys.k_n; i++) {
		ks = &keys.k_slots[i];
		free(ks->ks_new);
		ks->ks_new = NULL;
		if (keys_read_chain(ks->ks_cert, &ks->ks_new, &ks->ks_new_len)
		    == -1) {
			log_warn("connector %s: certificate reload: %s",
			    ks->ks_sw->sw_dc->dc_name, ks->ks_cert);
			continue;
		}
		if (keys_send_key(ks, ks->ks_new, ks->ks_new_len) == -1) {
			free(ks->ks_new);
			ks->ks_new = NULL;
			continue;
		}
		n++;
	}
	log_info("certificate reload: %d of %d sent to the keyholder", n,
	    keys.k_n);
	return n;
}

/* Forget the chains. */
void
keys_free(void)
{
	int	 i;

	for (i = 0; i < keys.k_n; i++) {
		free(keys.k_slots[i].ks_chain);
		free(keys.k_slots[i].ks_new);
	}
	free(keys.k_slots);
	json_object_put(keys.k_conf);
	memset(&keys, 0, sizeof(keys));
}
