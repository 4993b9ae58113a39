/* SPDX-License-Identifier: ISC */
/*
 * Dialling for the ws_client connector in both its modes (dial.h): the
 * target read from the config, addresses numeric or resolved by the
 * supervisor, one connection attempt to one address, the identity
 * metadata of a connection and the queue of messages held until a
 * connection is open.  ws_client.c and ws_relay.c use this; neither
 * calls the other.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dial.h"
#include "khclient.h"
#include "log.h"
#include "proxy.h"
#include "tls.h"

/* TCP_NODELAY from the config: no_delay, socket_options.TCP_NODELAY
 * overriding it (troy made sure the two agree). */
static int
dl_nodelay(struct json_object *cconf)
{
	return jg_bool(jg_obj(cconf, "socket_options"), "TCP_NODELAY",
	    jg_bool(cconf, "no_delay", 1));
}

/*
 * tls.cert and tls.key: a client certificate to present.  Its chain
 * came from the supervisor and its key is the keyholder's
 * (workers/khclient.h); with the benchmark switch (tls.h) the worker
 * reads both files itself.
 */
static int
dl_client_cert(struct worker *w, struct dl_target *tg, struct json_object *t,
    char *err, size_t errlen)
{
	const char	*cert = jg_str(t, "cert", NULL);
	const char	*key = jg_str(t, "key", NULL);
	char		 e[160];

	if (cert == NULL || key == NULL)
		return 0;
	if (getenv(TLS_BENCH_KEYS_IN_WORKER) != NULL) {
		if (SSL_CTX_use_certificate_chain_file(tg->tg_ctx, cert) != 1 ||
		    SSL_CTX_use_PrivateKey_file(tg->tg_ctx, key,
		    SSL_FILETYPE_PEM) != 1) {
			snprintf(err, errlen, "client certificate %s, key %s: "
			    "%s", cert, key, tls_errstr(e, sizeof(e)));
			return -1;
		}
		return 0;
	}
	if (w->w_chain == NULL) {
		snprintf(err, errlen, "no certificate chain from the "
		    "supervisor");
		return -1;
	}
	if (khc_init() == -1) {
		snprintf(err, errlen, "cannot load the keyholder provider");
		return -1;
	}
	return khc_install(tg->tg_ctx, w->w_chain, w->w_chain_len, cert, err,
	    errlen);
}

/* A new client certificate chain (a reload): for new connections. */
void
dl_tls_chain(struct worker *w, struct dl_target *tg)
{
	char	 e[512];

	if (tg->tg_ctx == NULL)
		return;
	if (dl_client_cert(w, tg, jg_get(w->w_cconf, "tls"), e, sizeof(e))
	    == -1)
		log_warnx("connector %s: certificate reload: %s", w->w_name,
		    e);
	else
		log_info("connector %s: client certificate reloaded",
		    w->w_name);
}

/*
 * proxy (issue 14): "http://[user:pass@]host[:port]" or {"url": ...,
 * "credentials": "user:pass"} (wsflowd read a {"file": PATH} value).
 * The CONNECT request for the target is made once, here; neither the
 * URL nor the credentials are ever put in a message.
 */
static int
dl_proxy_read(struct worker *w, struct dl_target *tg, char *err,
    size_t errlen)
{
	struct json_object	*p = jg_get(w->w_cconf, "proxy");
	struct proxy_url	 px;
	struct buf		 b;
	const char		*url, *cred = NULL, *why = NULL;
	int			 rc = -1;

	tg->tg_dial = &tg->tg_url;
	if (p == NULL)
		return 0;
	if (json_object_is_type(p, json_type_object)) {
		url = jg_str(p, "url", "");
		cred = jg_str(p, "credentials", NULL);
	} else
		url = json_object_get_string(p);
	buf_init(&b, 0);
	if (proxy_url_parse(url, &px, &why) == -1) {
		snprintf(err, errlen, "proxy: %s", why);
		goto done;
	}
	if (cred != NULL && px.px_has_auth) {
		snprintf(err, errlen, "proxy: credentials both in the url and "
		    "in \"credentials\"");
		goto done;
	}
	if (cred != NULL && !proxy_auth_ok(cred)) {
		snprintf(err, errlen, "proxy: credentials are not one "
		    "user:password line");
		goto done;
	}
	if (proxy_connect_request(&b, &tg->tg_url, cred != NULL ? cred :
	    px.px_has_auth ? px.px_auth : NULL) == -1) {
		snprintf(err, errlen, "proxy: cannot write a CONNECT request "
		    "for %s", tg->tg_url.u_host);
		goto done;
	}
	tg->tg_proxied = 1;
	tg->tg_proxy = px.px_url;
	tg->tg_dial = &tg->tg_proxy;
	/* the conf owns the request now (wsconn_conf_clear wipes it) */
	tg->tg_conf.cf_proxy_req = b.bf_data;
	tg->tg_conf.cf_proxy_len = b.bf_len;
	b.bf_data = NULL;
	rc = 0;
 done:
	explicit_bzero(&px, sizeof(px));
	if (b.bf_data != NULL)
		freezero(b.bf_data, b.bf_cap);
	return rc;
}

/* Read url, TLS material, options and policy into tg (before the
 * sandbox). */
int
dl_target_read(struct worker *w, struct dl_target *tg, char *err,
    size_t errlen)
{
	struct json_object	*t = NULL;
	const char		*url, *cafile = NULL, *domain = NULL;
	const char		*why = NULL;
	char			 e[256];

	if (wsconn_preload() == -1) {
		snprintf(err, errlen, "cannot initialise OpenSSL");
		return -1;
	}
	if ((url = jg_str(w->w_cconf, "url", NULL)) == NULL ||
	    url_parse(url, &tg->tg_url, &why) == -1) {
		snprintf(err, errlen, "url %s: %s", url ? url : "missing",
		    why ? why : "required");
		return -1;
	}
	/* wss:// or any tls value but false turns TLS on. */
	tg->tg_tls = tg->tg_url.u_tls;
	if ((t = jg_get(w->w_cconf, "tls")) != NULL) {
		if (json_object_is_type(t, json_type_boolean))
			tg->tg_tls |= json_object_get_boolean(t);
		else if (json_object_is_type(t, json_type_object)) {
			tg->tg_tls = 1;
			cafile = jg_str(t, "cafile", NULL);
			domain = jg_str(t, "domain", NULL);
		}
	}
	if (domain == NULL)
		domain = tg->tg_url.u_host;
	if (strlcpy(tg->tg_domain, domain, sizeof(tg->tg_domain)) >=
	    sizeof(tg->tg_domain)) {
		snprintf(err, errlen, "tls domain too long");
		return -1;
	}
	if (tg->tg_tls &&
	    (tg->tg_ctx = tls_client_ctx(cafile, e, sizeof(e))) == NULL) {
		snprintf(err, errlen, "tls: %s", e);
		return -1;
	}
	if (tg->tg_tls && dl_client_cert(w, tg, t, e, sizeof(e)) == -1) {
		snprintf(err, errlen, "tls: %s", e);
		return -1;
	}
	/* unix_socket (issue 14): the supervisor connects it */
	if (strlcpy(tg->tg_unix, jg_str(w->w_cconf, "unix_socket", ""),
	    sizeof(tg->tg_unix)) >= sizeof(tg->tg_unix)) {
		snprintf(err, errlen, "unix_socket too long");
		return -1;
	}
	tg->tg_nodelay = dl_nodelay(w->w_cconf);
	if (backoff_from_json(&tg->tg_bo, jg_get(jg_obj(w->w_conf,
	    "connector"), "reconnect"), e, sizeof(e)) == -1) {
		snprintf(err, errlen, "%s", e);
		return -1;
	}
	wsconn_conf_default(&tg->tg_conf, WS_ROLE_CLIENT);
	tg->tg_conf.cf_url = &tg->tg_url;
	tg->tg_conf.cf_stats = &tg->tg_st;
	tg->tg_conf.cf_budget = &w->w_budget;
	tg->tg_conf.cf_owner = w->w_name;
	wsconn_limits_read(&tg->tg_conf, w->w_cconf);
	/* origin and headers (issue 14; wsflowd read the files) */
	tg->tg_conf.cf_origin = jg_str(w->w_cconf, "origin", NULL);
	tg->tg_conf.cf_headers = jg_obj(w->w_cconf, "headers");
	if (dl_proxy_read(w, tg, err, errlen) == -1)
		return -1;
	/* per_stream: idle_timeout_ms is the relay's, for its upstreams */
	if (jg_bool(w->w_cconf, "per_stream", 0))
		tg->tg_conf.cf_idle_ms = 0;
	if (tg->tg_tls && json_object_is_type(t, json_type_object) &&
	    tls_ctx_policy(tg->tg_ctx, jg_str(t, "ciphers", NULL),
	    jg_str(t, "ciphersuites", NULL), jg_str(t, "min_version", NULL),
	    e, sizeof(e)) == -1) {
		snprintf(err, errlen, "tls: %s", e);
		return -1;
	}
	return wsconn_conf_read(&tg->tg_conf, w->w_cconf, err, errlen);
}

/* Fill *pa from a numeric host; -1 when the host is a name. */
static int
dl_numeric(const struct url *u, struct proto_addr *pa)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&pa->pa_addr;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&pa->pa_addr;

	memset(pa, 0, sizeof(*pa));
	if (inet_pton(AF_INET, u->u_host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(u->u_port);
		pa->pa_len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, u->u_host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(u->u_port);
		pa->pa_len = sizeof(*s6);
		return 0;
	}
	return -1;
}

/* Addresses known, numeric, or asked of the supervisor (once at a time). */
int
dl_resolve(struct dl_resolver *rv, struct worker *w, const struct url *u)
{
	char	 serv[8];

	if (rv->rv_naddrs == 0 && dl_numeric(u, &rv->rv_addrs[0]) == 0)
		rv->rv_naddrs = 1;
	if (rv->rv_naddrs > 0)
		return 0;
	if (rv->rv_resolving)
		return 1;
	snprintf(serv, sizeof(serv), "%u", u->u_port);
	if (wk_resolve(w, ++rv->rv_id, AF_UNSPEC, u->u_host, serv) == -1)
		fatal("%s: resolve request", __func__);
	rv->rv_resolving = 1;
	return 1;
}

/* The supervisor's answer to a name lookup (sizes checked by worker.c). */
int
dl_resolved(struct dl_resolver *rv, const struct msg_resolve_res *ms,
    const struct url *u, char *e, size_t elen)
{
	if (!rv->rv_resolving || ms->ms_id != rv->rv_id)
		return -1;	/* a late answer to an abandoned attempt */
	rv->rv_resolving = 0;
	if (ms->ms_error != 0 || ms->ms_naddrs == 0) {
		snprintf(e, elen, "cannot resolve %s: %s", u->u_host,
		    ms->ms_error != 0 ? gai_strerror(ms->ms_error) :
		    "no address");
		return 1;
	}
	memcpy(rv->rv_addrs, ms->ms_addrs, sizeof(rv->rv_addrs));
	rv->rv_naddrs = (int)ms->ms_naddrs;
	return 0;
}

/* TCP refused: the next address of the same name first. */
int
dl_next_addr(const struct dl_resolver *rv, struct wsconn *ws, int *addr)
{
	if (wsconn_tcp_ok(ws) || *addr + 1 >= rv->rv_naddrs)
		return 0;
	(*addr)++;
	return 1;
}

/* Ask the supervisor to connect unix_socket (once at a time). */
int
dl_unix_ask(struct dl_resolver *rv, struct worker *w)
{
	if (rv->rv_resolving)
		return 1;
	rv->rv_naddrs = 0;
	if (wk_dial(w, ++rv->rv_id) == -1)
		fatal("%s: dial request", __func__);
	rv->rv_resolving = 1;
	return 1;
}

/* The address of unix_socket (for the metadata and the logs). */
void
dl_unix_addr(const struct dl_target *tg, struct proto_addr *pa)
{
	struct sockaddr_un	*sun = (struct sockaddr_un *)&pa->pa_addr;

	memset(pa, 0, sizeof(*pa));
	sun->sun_family = AF_UNIX;
	strlcpy(sun->sun_path, tg->tg_unix, sizeof(sun->sun_path));
	pa->pa_len = sizeof(*sun);
}

/* Why a dial answer failed, in e; 1, or 0 when it did not. */
int
dl_unix_failed(const struct dl_target *tg, const struct msg_dial_res *r,
    char *e, size_t elen)
{
	if (r->mds_error == 0)
		return 0;
	snprintf(e, elen, "unix_socket %s: %s", tg->tg_unix,
	    strerror(r->mds_error));
	return 1;
}

/* The supervisor's answer to dl_unix_ask. */
int
dl_unix_answer(struct dl_resolver *rv, const struct dl_target *tg,
    const struct msg_dial_res *r, int fd, char *e, size_t elen)
{
	if (!rv->rv_resolving || r->mds_id != rv->rv_id) {
		if (fd != -1)
			close(fd);	/* a late answer */
		return -1;
	}
	rv->rv_resolving = 0;
	if (dl_unix_failed(tg, r, e, elen))
		return 1;
	dl_unix_addr(tg, &rv->rv_addrs[0]);
	rv->rv_naddrs = 1;
	return 0;
}

/* The TLS session of a new connection to tg, if it has TLS: 0 (*sslp
 * NULL without), or -1 with e. */
static int
dl_ssl(const struct dl_target *tg, SSL **sslp, char *e, size_t elen)
{
	SSL	*ssl;

	*sslp = NULL;
	if (tg->tg_ctx == NULL)
		return 0;
	if ((ssl = SSL_new(tg->tg_ctx)) == NULL) {
		snprintf(e, elen, "SSL_new failed");
		return -1;
	}
	if (tls_client_setup(ssl, tg->tg_domain, e, elen) == -1) {
		SSL_free(ssl);
		return -1;
	}
	*sslp = ssl;
	return 0;
}

/* Start TLS and the upgrade on a connected unix_socket (fd taken). */
struct wsconn *
dl_dial_fd(struct worker *w, const struct dl_target *tg, int fd,
    const struct wsconn_cb *cb, void *arg, char *e, size_t elen)
{
	char			 name[WSC_NAME_MAX];
	SSL			*ssl;
	struct wsconn		*ws;

	if (dl_ssl(tg, &ssl, e, elen) == -1) {
		close(fd);
		return NULL;
	}
	/* a log name: a path too long for it keeps its head */
	if (snprintf(name, sizeof(name), "unix:%s", tg->tg_unix) >=
	    (int)sizeof(name))
		log_debug("connector %s: %s is named %s", w->w_name,
		    tg->tg_unix, name);
	ws = wsconn_connect(w->w_base, fd, ssl, NULL, 0, &tg->tg_conf, cb,
	    arg, name);
	if (ws == NULL)
		snprintf(e, elen, "out of memory");
	return ws;
}

/*
 * Open a socket to pa and start TCP, TLS and the upgrade; NULL with the
 * reason in e when that fails at once.
 */
struct wsconn *
dl_dial(struct worker *w, const struct dl_target *tg,
    const struct proto_addr *pa, const struct wsconn_cb *cb, void *arg,
    char *e, size_t elen)
{
	char			 host[INET6_ADDRSTRLEN];
	char			 name[WSC_NAME_MAX + URL_HOST_MAX + 16];
	uint16_t		 port;
	SSL			*ssl;
	struct wsconn		*ws;
	int			 fd, on = tg->tg_nodelay;

	wsconn_addr(&pa->pa_addr, host, sizeof(host), &port);
	if (tg->tg_proxied)
		snprintf(name, sizeof(name), "%s%s%s:%u via proxy %s%s%s:%u",
		    tg->tg_url.u_ipv6 ? "[" : "", tg->tg_url.u_host,
		    tg->tg_url.u_ipv6 ? "]" : "", tg->tg_url.u_port,
		    pa->pa_addr.ss_family == AF_INET6 ? "[" : "", host,
		    pa->pa_addr.ss_family == AF_INET6 ? "]" : "", port);
	else
		snprintf(name, sizeof(name), "%s%s%s:%u",
		    pa->pa_addr.ss_family == AF_INET6 ? "[" : "", host,
		    pa->pa_addr.ss_family == AF_INET6 ? "]" : "", port);
	fd = socket(pa->pa_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(e, elen, "socket: %s", strerror(errno));
		return NULL;
	}
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1)
		log_warn("connector %s: TCP_NODELAY", w->w_name);
	if (dl_ssl(tg, &ssl, e, elen) == -1) {
		close(fd);
		return NULL;
	}
	ws = wsconn_connect(w->w_base, fd, ssl,
	    (const struct sockaddr *)&pa->pa_addr, pa->pa_len, &tg->tg_conf,
	    cb, arg, name);
	if (ws == NULL)
		snprintf(e, elen, "out of memory");
	return ws;
}

/* Whether reading the server is allowed now. */
int
dl_can_read(struct worker *w)
{
	if (!ev_has_output(w))
		return 1;
	return w->w_life.lf_started && ev_can_emit(w);
}

/* The event's metadata asks for a binary frame. */
int
dl_binary(struct worker *w)
{
	struct json_object	*b;

	if (json_object_object_get_ex(w->w_sink.sk_meta, "binary", &b) &&
	    json_object_is_type(b, json_type_boolean))
		return json_object_get_boolean(b);
	return 0;
}

/* Count and log one event that cannot be delivered. */
void
dl_drop(struct worker *w, uint64_t *n, const char *why)
{
	(*n)++;
	w->w_cnt.cn_dropped++;
	if (wsconn_often(*n))
		log_warnx("connector %s: event dropped: %s (%llu so far)",
		    w->w_name, why, (unsigned long long)*n);
}

/* Arm a timer. */
void
dl_schedule(struct event *ev, uint64_t ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

/* The metadata of a connection to sa: {"ws_client": {"tls", "peer",
 * "protocol"}}. */
void
dl_meta_set(struct dl_meta *dm, const struct dl_target *tg,
    const struct sockaddr_storage *sa, const char *protocol)
{
	char		 host[INET6_ADDRSTRLEN];
	uint16_t	 port;

	wsconn_addr(sa, host, sizeof(host), &port);
	if (dm->dm_text != NULL && dm->dm_port == port &&
	    strcmp(dm->dm_host, host) == 0 &&
	    strcmp(dm->dm_protocol, protocol != NULL ? protocol : "") == 0)
		return;
	dl_meta_clear(dm);
	dm->dm_text = wsconn_meta("ws_client", host, port, tg->tg_tls, 0,
	    protocol);
	dm->dm_bin = wsconn_meta("ws_client", host, port, tg->tg_tls, 1,
	    protocol);
	strlcpy(dm->dm_host, host, sizeof(dm->dm_host));
	strlcpy(dm->dm_protocol, protocol != NULL ? protocol : "",
	    sizeof(dm->dm_protocol));
	dm->dm_port = port;
}

/* Release the metadata objects. */
void
dl_meta_clear(struct dl_meta *dm)
{
	json_object_put(dm->dm_text);
	json_object_put(dm->dm_bin);
	dm->dm_text = dm->dm_bin = NULL;
}

/* Start an empty queue. */
void
hq_init(struct hq_queue *q, struct budget *b)
{
	q->q_head = NULL;
	q->q_tail = &q->q_head;
	q->q_n = q->q_bytes = 0;
	q->q_budget = b;
	q->q_hold.bh_bytes = 0;
}

/* Queue a copy of one message; -1 when out of memory. */
int
hq_push(struct hq_queue *q, int binary, const char *data, size_t len)
{
	struct hq_msg	*h;

	if (budget_charge(q->q_budget, &q->q_hold, sizeof(*h) + len) == -1)
		return -2;
	if ((h = malloc(sizeof(*h) + len)) == NULL) {
		budget_release(q->q_budget, &q->q_hold, sizeof(*h) + len);
		return -1;
	}
	h->h_next = NULL;
	h->h_binary = binary;
	h->h_len = len;
	memcpy(h->h_data, data, len);
	*q->q_tail = h;
	q->q_tail = &h->h_next;
	q->q_n++;
	q->q_bytes += len;
	return 0;
}

/* Free the first message. */
static void
hq_shift(struct hq_queue *q)
{
	struct hq_msg	*h = q->q_head;

	q->q_head = h->h_next;
	if (q->q_head == NULL)
		q->q_tail = &q->q_head;
	q->q_n--;
	q->q_bytes -= h->h_len;
	budget_release(q->q_budget, &q->q_hold, sizeof(*h) + h->h_len);
	free(h);
}

/* Free every message; how many there were. */
size_t
hq_clear(struct hq_queue *q)
{
	size_t	 n = q->q_n;

	while (q->q_head != NULL)
		hq_shift(q);
	return n;
}

/*
 * Send queued messages in order while the connection's output is below
 * high (0: no limit); one the connection refuses goes to drop, and what
 * is left stays queued if it closed.
 */
void
hq_send(struct hq_queue *q, struct wsconn *ws, size_t high, hq_drop_fn drop,
    void *arg)
{
	struct hq_msg	*h;
	const char	*why;

	while ((h = q->q_head) != NULL &&
	    (high == 0 || wsconn_pending(ws) < high)) {
		if (wsconn_send(ws, h->h_binary, h->h_data, h->h_len,
		    &why) == -1) {
			if (!wsconn_is_open(ws))
				return;		/* for the next connection */
			drop(arg, why);
		}
		hq_shift(q);
	}
}
