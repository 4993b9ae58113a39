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
 *
 * A reload that starts or replaces a connector with a key gives its new
 * worker a slot (keys_add): the key goes to the keyholder (started then
 * if there was none) before the worker is configured, and the reload
 * waits for the keyholder's answer as it waits for the worker to run; a
 * key it refuses fails the reload (keys_result).  A worker a reload
 * retired loses its slot once it is gone (keys_forget), and the
 * keyholder wipes that key.  The table is bounded (PROTO_KH_KEYS_MAX),
 * as the keyholder's is, and a restarted keyholder learns every slot's
 * key again.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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
	/* The file names: copies, a reload frees the config they are in. */
	char			*ks_cert;
	char			*ks_key;
	char			*ks_chain;	/* PEM, as the worker has it */
	size_t			 ks_chain_len;
	char			*ks_new;	/* a reload the keyholder has */
	size_t			 ks_new_len;	/* not answered yet */
	int			 ks_sent;	/* configured in this life */
	int			 ks_wait;	/* a reload's: the keyholder has
						 * not taken the key yet */
};

static struct {
	struct key_slot		 k_slots[PROTO_KH_KEYS_MAX];
	int			 k_n;
	int			 k_bench;	/* keys stay in the workers */
	int			 k_holder_id;
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

/* Free what a slot holds. */
static void
keys_slot_clear(struct key_slot *ks)
{
	free(ks->ks_cert);
	free(ks->ks_key);
	free(ks->ks_chain);
	free(ks->ks_new);
	memset(ks, 0, sizeof(*ks));
}

/*
 * A slot for worker sw if its connector has a key: 1 with the chain
 * read, 0 when it has no key, -1 with err when the table is full or the
 * chain cannot be read.
 */
static int
keys_slot_add(struct sup_worker *sw, char *err, size_t errlen)
{
	struct key_slot	*ks;
	const char	*cert, *key;

	if (keys.k_bench || !keys_files(sw->sw_dc, &cert, &key))
		return 0;
	if (keys.k_n == PROTO_KH_KEYS_MAX) {
		snprintf(err, errlen, "more than %d connectors with a private "
		    "key (tls.key), the keyholder's maximum, counting those a "
		    "reload still drains", PROTO_KH_KEYS_MAX);
		return -1;
	}
	ks = &keys.k_slots[keys.k_n];
	memset(ks, 0, sizeof(*ks));
	ks->ks_sw = sw;
	if ((ks->ks_cert = strdup(cert)) == NULL ||
	    (ks->ks_key = strdup(key)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (keys_read_chain(cert, &ks->ks_chain, &ks->ks_chain_len) == -1) {
		snprintf(err, errlen, "certificate %s: %s", cert,
		    strerror(errno));
		goto fail;
	}
	keys.k_n++;
	return 1;
fail:
	keys_slot_clear(ks);
	return -1;
}

/*
 * Find the workers with a key and read their chains; the number of
 * them (a keyholder is needed when > 0), or -1 when a chain cannot be
 * read.  holder_id is the keyholder's worker id, now or when a reload
 * needs one.  Not with the benchmark switch (tls.h): then workers read
 * their keys as before.
 */
int
keys_init(int holder_id)
{
	struct sup_worker	*sw;
	char			 err[PROTO_PATH_MAX + 128];
	int			 i;

	memset(&keys, 0, sizeof(keys));
	keys.k_holder_id = holder_id;
	keys.k_dc.dc_name = keys.k_dc.dc_type =
	    (char *)conntype_name(CT_KEYHOLDER);
	keys.k_dc.dc_flow = (char *)"";
	keys.k_dc.dc_ctype = CT_KEYHOLDER;
	if (getenv(TLS_BENCH_KEYS_IN_WORKER) != NULL) {
		log_warnx("%s is set: private keys stay in the workers "
		    "(for benchmarks only)", TLS_BENCH_KEYS_IN_WORKER);
		keys.k_bench = 1;
		return 0;
	}
	for (i = 0; i < proctab_count(); i++) {
		sw = proctab_get(i);
		if (keys_slot_add(sw, err, sizeof(err)) == -1) {
			log_warnx("connector %s: %s", sw->sw_dc->dc_name, err);
			return -1;
		}
	}
	return keys.k_n;
}

/* The keyholder's table entry. */
struct sup_worker *
keys_add_holder(void)
{
	keys.k_conf = wcb_keyholder(keys.k_holder_id);
	keys.k_holder = proctab_add_service(keys.k_holder_id, &keys.k_dc,
	    keys.k_conf);
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
 * why).  A reload that was taken sends the worker its new chain.  What
 * the caller does next (enum keys_res), with the worker whose key a
 * reload added in *swp and the keyholder's reason in why.  An answer
 * for a slot gone since is ignored.
 */
int
keys_result(const struct proc_msg *m, struct sup_worker **swp, char *why,
    size_t whylen)
{
	struct msg_kh_key_res	 kr;
	struct key_slot		*ks = NULL;
	struct sup_worker	*sw;
	char			 safe[LOG_VIS_SIZE(512)];
	int			 i;

	*swp = NULL;
	if (m->pm_len < sizeof(kr) || m->pm_len - sizeof(kr) > 512)
		return KEYS_RES_BAD;
	memcpy(&kr, m->pm_data, sizeof(kr));
	if (kr.kr_ok && m->pm_len != sizeof(kr))
		return KEYS_RES_BAD;
	for (i = 0; i < keys.k_n; i++)
		if ((uint32_t)keys.k_slots[i].ks_sw->sw_id == kr.kr_id)
			ks = &keys.k_slots[i];
	if (ks == NULL) {
		log_debug("keyholder: answer for worker %u, gone", kr.kr_id);
		return KEYS_RES_DONE;
	}
	sw = ks->ks_sw;
	if (!kr.kr_ok) {
		(void)log_vis(safe, sizeof(safe), (const char *)m->pm_data +
		    sizeof(kr), m->pm_len - sizeof(kr));
		log_warnx("connector %s: tls: %s%s", sw->sw_dc->dc_name, safe,
		    ks->ks_new != NULL ?
		    "; reload refused, keeping the old certificate" : "");
		if (ks->ks_wait) {
			ks->ks_wait = 0;
			*swp = sw;
			snprintf(why, whylen, "tls: %s", safe);
			return KEYS_RES_NEW_REFUSED;
		}
		if (ks->ks_new == NULL)
			return KEYS_RES_REFUSED;
		free(ks->ks_new);
		ks->ks_new = NULL;
		return KEYS_RES_DONE;
	}
	if (ks->ks_wait) {
		ks->ks_wait = 0;
		*swp = sw;
		log_info("connector %s: key %s in the keyholder",
		    sw->sw_dc->dc_name, ks->ks_key);
		return KEYS_RES_NEW_TAKEN;
	}
	if (ks->ks_new == NULL)
		return KEYS_RES_DONE;
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
	return KEYS_RES_DONE;
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
 * A reload adds worker sw (it starts or replaces a connector): a slot,
 * if its connector has a key, whose key the keyholder must take before
 * the reload goes on (keys_send_new).  0, or -1 with err (the table is
 * full, the chain cannot be read): the reload is refused.
 */
int
keys_add(struct sup_worker *sw, char *err, size_t errlen)
{
	int	 r;

	if ((r = keys_slot_add(sw, err, errlen)) == -1)
		return -1;
	if (r == 1)
		keys.k_slots[keys.k_n - 1].ks_wait = 1;
	return 0;
}

/*
 * Before a reload configures its new workers: the keys of their slots to
 * the keyholder, started now if there was none (it learns every key as
 * it is configured; a restarting one will).  0, or -1 with the worker
 * whose key cannot be sent in *swp and why.
 */
int
keys_send_new(struct sup_worker **swp, char *why, size_t whylen)
{
	struct key_slot	*ks;
	int		 i, n = 0;

	*swp = NULL;
	for (i = 0; i < keys.k_n; i++)
		if (keys.k_slots[i].ks_wait)
			n++;
	if (n == 0)
		return 0;
	if (keys.k_holder == NULL) {
		/* From here on it is restarted like any worker. */
		log_info("reload: starting the keyholder");
		(void)keys_add_holder();
		if (proctab_spawn(keys.k_holder) == -1 ||
		    proctab_configure(keys.k_holder) == -1) {
			if (proctab_alive(keys.k_holder))
				(void)kill(keys.k_holder->sw_pid, SIGKILL);
			else
				proctab_restart_later(keys.k_holder);
		}
		return 0;
	}
	if (!keys.k_holder_up || keys.k_holder->sw_peer == NULL)
		return 0;
	for (i = 0; i < keys.k_n; i++) {
		ks = &keys.k_slots[i];
		if (!ks->ks_wait)
			continue;
		if (keys_send_key(ks, ks->ks_chain, ks->ks_chain_len) == -1) {
			*swp = ks->ks_sw;
			snprintf(why, whylen, "key %s cannot be passed to the "
			    "keyholder", ks->ks_key);
			return -1;
		}
	}
	return 0;
}

/* Whether a reload still waits for the keyholder to take sw's key. */
int
keys_waiting(const struct sup_worker *sw)
{
	const struct key_slot	*ks = keys_slot(sw);

	return ks != NULL && ks->ks_wait;
}

/*
 * A worker a reload retired (or an undone reload added) is gone for
 * good: its slot goes, and the keyholder wipes its key.
 */
void
keys_forget(struct sup_worker *sw)
{
	struct msg_kh_forget	 kf;
	struct key_slot		*ks;

	if ((ks = keys_slot(sw)) == NULL)
		return;
	memset(&kf, 0, sizeof(kf));
	kf.kf_id = (uint32_t)sw->sw_id;
	if (keys.k_holder_up && keys.k_holder->sw_peer != NULL &&
	    proc_send(keys.k_holder->sw_peer, MSG_KH_FORGET, -1, &kf,
	    sizeof(kf)) == -1)
		log_warn("connector %s: forgetting its key",
		    sw->sw_dc->dc_name);
	keys_slot_clear(ks);
	/* The last slot takes its place: the order means nothing. */
	if (ks != &keys.k_slots[keys.k_n - 1]) {
		*ks = keys.k_slots[keys.k_n - 1];
		memset(&keys.k_slots[keys.k_n - 1], 0, sizeof(*ks));
	}
	keys.k_n--;
}

/*
 * Re-read every certificate chain and key (SIGUSR1; the reload's).
 * Each pair goes to the keyholder, which checks it; the worker gets
 * the new chain once it has (keys_result).  The number of pairs sent,
 * -1 when there is no keyholder to send them to.  Slots whose first key
 * is on its way, and retired workers', are left alone.
 */
int
keys_reload(void)
{
	struct key_slot	*ks;
	int		 i, n = 0, want = 0;

	if (keys.k_n == 0)
		return 0;
	if (!keys.k_holder_up || keys.k_holder->sw_peer == NULL) {
		log_warnx("certificate reload: the keyholder is not running");
		return -1;
	}
	for (i = 0; i < keys.k_n; i++) {
		ks = &keys.k_slots[i];
		if (ks->ks_wait || ks->ks_sw->sw_retired)
			continue;
		want++;
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
	    want);
	return n;
}

/* Forget the chains. */
void
keys_free(void)
{
	int	 i;

	for (i = 0; i < keys.k_n; i++)
		keys_slot_clear(&keys.k_slots[i]);
	json_object_put(keys.k_conf);
	memset(&keys, 0, sizeof(keys));
}
