/* SPDX-License-Identifier: ISC */
/*
 * The ws_server connector: accepts WebSocket clients (plain or TLS) on a
 * socket the supervisor bound, one stream per connection.  Received
 * messages become events with $ws_server = {"tls", "peer": {"host",
 * "port"}} (and $binary for binary frames); events routed to its `in`
 * port go to the connection named by $ws_server.peer, else to the
 * connection the event came from.  A reply for a connection that is gone
 * is counted, logged and dropped; it never stalls the flow.
 *
 * On a Unix-domain socket (url "unix:PATH", issue 14) a client has no
 * address: its peer is {"host": "unix", "port": N} with N a number
 * unique among the live clients of the socket (so replies can still
 * name it), plus "pid" and "uid" from SO_PEERCRED; such clients are not
 * counted by max_connections_per_ip (they would all be one address, a
 * reverse proxy's) but by max_connections.
 * is counted, logged and dropped; it never stalls the flow.  With
 * broadcast (issue 14) every event goes to every open client instead,
 * framed once; a client whose output passes its bound is closed with
 * 1008 and counted, and an event no client takes is counted as dropped:
 * one slow client never holds up the others or the route.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ipcount.h"
#include "khclient.h"
#include "log.h"
#include "reqmeta.h"
#include "tls.h"
#include "url.h"
#include "worker.h"
#include "wsconn.h"

#define WSS_ACCEPT_BURST	64
#define WSS_BUSY_RETRY_MS	1000
#define WSS_BUCKETS		1024	/* stream id index (ids are sequential) */
#define WSS_UNIX_HOST		"unix"	/* the peer host of unix: clients */
#define WSS_BCAST_TRIM		(32 * 1024 * 1024)	/* heap kept, broadcast */

struct wss_conn {
	struct wss_conn		*sc_next;
	struct wss_conn		*sc_hnext;	/* ss_byid chain */
	struct wsconn		*sc_ws;
	struct wss_state	*sc_ss;
	uint64_t		 sc_id;		/* stream id */
	char			 sc_host[INET6_ADDRSTRLEN];
	uint16_t		 sc_port;
	int			 sc_open;	/* handshake done */
	struct ipc_key		 sc_key;	/* max_connections_per_ip */
	int			 sc_unix;	/* on a unix: socket */
	struct ucred		 sc_cred;	/* its peer (pid 0: unknown) */
	struct json_object	*sc_meta;	/* built on first use */
	struct json_object	*sc_meta_bin;
};

/* tls.verify_client */
enum wss_verify {
	WSS_VERIFY_NONE,
	WSS_VERIFY_OPTIONAL,
	WSS_VERIFY_REQUIRED,
};

struct wss_state {
	struct worker		*ss_w;
	int			 ss_fd;
	struct event		*ss_lev;
	struct event		*ss_busy;	/* listener off for a while */
	SSL_CTX			*ss_ctx;
	int			 ss_verify;	/* enum wss_verify */
	X509_STORE		*ss_ca;		/* client certificates' CAs */
	STACK_OF(X509_NAME)	*ss_ca_names;	/* as the request names them */
	struct wsconn_conf	 ss_conf;
	struct wsc_stats	 ss_st;
	struct wss_conn		*ss_conns;
	struct wss_conn		*ss_cur;	/* delivering a message now */
	struct wss_conn		*ss_byid[WSS_BUCKETS];	/* by sc_id */
	int			 ss_nconns;
	int			 ss_max;
	int			 ss_nodelay;	/* TCP_NODELAY on clients */
	uint64_t		 ss_next_id;
	int			 ss_paused;	/* input backpressure */
	int			 ss_stopped;	/* draining: no more accepts */
	int			 ss_closing;	/* draining: closes sent */
	int			 ss_done;	/* drain finished */
	int			 ss_quiet;	/* source stopped (route cycle) */
	uint64_t		 ss_late;	/* messages dropped since */
	uint64_t		 ss_unroutable;
	uint64_t		 ss_unsent;
	uint64_t		 ss_refused;
	/* Connection policy (issue 11). */
	struct ipcount		*ss_perip;	/* connections per address */
	unsigned int		 ss_max_ip;	/* max_connections_per_ip */
	uint64_t		 ss_refused_ip;	/* of ss_refused: per address */
	const char		**ss_origins;	/* allowed_origins (or NULL) */
	/* Request metadata (issue 14). */
	const char		*ss_req_names[REQMETA_MAX_NAMES];
	/* unix: socket clients' peer numbers in use (issue 14) */
	int			 ss_unix;
	uint16_t		 ss_unext;
	uint8_t			 ss_uports[65536 / 8];
	/* Broadcast (issue 14): every event to every open client. */
	int			 ss_bcast;
	uint64_t		 ss_bc_events;	/* sent to one client or more */
	uint64_t		 ss_bc_sent;	/* messages queued, all clients */
	uint64_t		 ss_bc_dropped;	/* taken by no client */
	uint64_t		 ss_bc_slow;	/* clients closed with 1008 */
};

static struct wss_state	 wss;

/* Stop or resume reading from every client. */
static void
wss_pause_all(struct wss_state *ss, int on)
{
	struct wss_conn	*sc;

	ss->ss_paused = on;
	for (sc = ss->ss_conns; sc != NULL; sc = sc->sc_next)
		wsconn_pause(sc->sc_ws, on);
}

/* Whether clients may be read: started (when something consumes our
 * events) and the routes take more. */
static int
wss_can_read(struct wss_state *ss)
{
	struct worker	*w = ss->ss_w;

	if (!ev_has_output(w))
		return 1;	/* events go nowhere; control frames matter */
	return w->w_life.lf_started && ev_can_emit(w);
}

/* A client completed the handshake. */
static void
wss_open(struct wsconn *ws, void *arg)
{
	struct wss_conn	*sc = arg;

	(void)ws;
	sc->sc_open = 1;
	log_debug("connector %s: %s: connected (stream %llu)",
	    sc->sc_ss->ss_w->w_name, wsconn_name(sc->sc_ws),
	    (unsigned long long)sc->sc_id);
}

/*
 * The verified client certificate of a connection as
 * $ws_server.tls_client = {"subject": RFC 2253 text, "san": ["DNS:..",
 * "IP:..", "email:..", "URI:.."]}, null without one; $ws_server.tls
 * stays the bool Tremor has.
 */
static void
wss_meta_client(struct wss_conn *sc, struct json_object *in)
{
	struct json_object	*rec, *sans;
	SSL			*ssl = wsconn_ssl(sc->sc_ws);
	X509			*peer;
	GENERAL_NAMES		*gens;
	const GENERAL_NAME	*g;
	BIO			*b;
	BUF_MEM			*bm;
	char			 ip[INET6_ADDRSTRLEN], san[512];
	int			 i, len, af;

	if (ssl == NULL || (peer = SSL_get0_peer_certificate(ssl)) == NULL ||
	    SSL_get_verify_result(ssl) != X509_V_OK ||
	    (b = BIO_new(BIO_s_mem())) == NULL) {
		json_object_object_add(in, "tls_client", NULL);
		return;
	}
	rec = json_object_new_object();
	if (X509_NAME_print_ex(b, X509_get_subject_name(peer), 0,
	    XN_FLAG_RFC2253) >= 0) {
		BIO_get_mem_ptr(b, &bm);
		json_object_object_add(rec, "subject",
		    json_object_new_string_len(bm->data, (int)bm->length));
	}
	BIO_free(b);
	sans = json_object_new_array();
	gens = X509_get_ext_d2i(peer, NID_subject_alt_name, NULL, NULL);
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		san[0] = '\0';
		if (g->type == GEN_DNS || g->type == GEN_EMAIL ||
		    g->type == GEN_URI)
			(void)snprintf(san, sizeof(san), "%s:%.*s",
			    g->type == GEN_DNS ? "DNS" : g->type == GEN_EMAIL ?
			    "email" : "URI", ASN1_STRING_length(g->d.ia5),
			    (const char *)ASN1_STRING_get0_data(g->d.ia5));
		else if (g->type == GEN_IPADD) {
			len = ASN1_STRING_length(g->d.ip);
			af = len == 4 ? AF_INET : len == 16 ? AF_INET6 : -1;
			if (af != -1 && inet_ntop(af,
			    ASN1_STRING_get0_data(g->d.ip), ip, sizeof(ip)) !=
			    NULL)
				(void)snprintf(san, sizeof(san), "IP:%s", ip);
		}
		if (san[0] != '\0')
			json_object_array_add(sans,
			    json_object_new_string(san));
	}
	GENERAL_NAMES_free(gens);
	json_object_object_add(rec, "san", sans);
	json_object_object_add(in, "tls_client", rec);
}

/* A unix: client's credentials in its peer record: "pid", "uid". */
static void
wss_meta_cred(struct wss_conn *sc, struct json_object *m)
{
	struct json_object	*in, *peer;

	if (!json_object_object_get_ex(m, "ws_server", &in) ||
	    !json_object_object_get_ex(in, "peer", &peer))
		return;
	json_object_object_add(peer, "pid",
	    json_object_new_int64(sc->sc_cred.pid));
	json_object_object_add(peer, "uid",
	    json_object_new_int64(sc->sc_cred.uid));
}

/*
 * A unix: client's peer number, unique among the live ones (1 to 65535,
 * in turn); 0 when all are taken.
 */
static uint16_t
wss_unix_take(struct wss_state *ss)
{
	unsigned int	 i;
	uint16_t	 n;

	for (i = 0; i < 65535; i++) {
		n = ss->ss_unext++;
		if (ss->ss_unext == 0)
			ss->ss_unext = 1;
		if (n == 0)
			continue;
		if (!(ss->ss_uports[n / 8] & (1u << (n % 8)))) {
			ss->ss_uports[n / 8] |= 1u << (n % 8);
			return n;
		}
	}
	return 0;
}

/* A unix: client's peer number is free again. */
static void
wss_unix_give(struct wss_state *ss, struct wss_conn *sc)
{
	if (sc->sc_unix && sc->sc_port != 0)
		ss->ss_uports[sc->sc_port / 8] &= ~(1u << (sc->sc_port % 8));
}

/*
 * The connection's metadata for text or binary messages, built when
 * first needed: an idle connection keeps no json-c objects.
 */
static struct json_object *
wss_meta(struct wss_conn *sc, int binary)
{
	struct json_object	**mp = binary ? &sc->sc_meta_bin : &sc->sc_meta;
	struct json_object	*req, *in;

	if (*mp == NULL) {
		*mp = wsconn_meta("ws_server", sc->sc_host, sc->sc_port,
		    sc->sc_ss->ss_ctx != NULL, binary,
		    wsconn_protocol(sc->sc_ws));
		if (sc->sc_unix && sc->sc_cred.pid != 0)
			wss_meta_cred(sc, *mp);
		if (sc->sc_ss->ss_verify != WSS_VERIFY_NONE)
			wss_meta_client(sc, json_object_object_get(*mp,
			    "ws_server"));
		/* request_headers (issue 14): $ws_server.request */
		if ((req = wsconn_request(sc->sc_ws)) != NULL &&
		    json_object_object_get_ex(*mp, "ws_server", &in))
			json_object_object_add(in, "request",
			    json_object_get(req));
	}
	return *mp;
}

/* A message: its bytes go through the stream's preprocessors. */
static void
wss_message(struct wsconn *ws, int binary, const uint8_t *data, size_t len,
    void *arg)
{
	struct wss_conn		*sc = arg;
	struct wss_state	*ss = sc->sc_ss;

	if (ss->ss_quiet) {
		ss->ss_late++;
		ss->ss_w->w_cnt.cn_dropped++;
		return;
	}
	/* A reply made while this runs finds its connection at once. */
	ss->ss_cur = sc;
	if (ev_source_data(ss->ss_w, sc->sc_id, (const char *)data, len,
	    wss_meta(sc, binary)) == -1)
		wsconn_budget_close(ws);
	ss->ss_cur = NULL;
	if (!ss->ss_paused && !wss_can_read(ss))
		wss_pause_all(ss, 1);
}

/* Turn the listener on or off. */
static void
wss_listen(struct wss_state *ss, int on)
{
	if (ss->ss_lev == NULL)
		return;
	if (on && !ss->ss_stopped)
		event_add(ss->ss_lev, NULL);
	else
		event_del(ss->ss_lev);
}

/* The connection of a stream id, or NULL: replies without a peer. */
static struct wss_conn *
wss_by_id(struct wss_state *ss, uint64_t id)
{
	struct wss_conn	*sc = ss->ss_cur;

	if (sc != NULL && sc->sc_id == id)
		return sc;
	for (sc = ss->ss_byid[id & (WSS_BUCKETS - 1)]; sc != NULL;
	    sc = sc->sc_hnext)
		if (sc->sc_id == id)
			break;
	return sc;
}

/* Take a connection out of the stream id index. */
static void
wss_unindex(struct wss_state *ss, struct wss_conn *sc)
{
	struct wss_conn	**pp;

	for (pp = &ss->ss_byid[sc->sc_id & (WSS_BUCKETS - 1)]; *pp != NULL;
	    pp = &(*pp)->sc_hnext)
		if (*pp == sc) {
			*pp = sc->sc_hnext;
			break;
		}
}

/* A connection ended: flush its stream, forget it. */
static void
wss_closed(struct wsconn *ws, void *arg)
{
	struct wss_conn		*sc = arg, **pp;
	struct wss_state	*ss = sc->sc_ss;
	struct worker		*w = ss->ss_w;

	if (sc->sc_open) {
		/* Flush the stream's preprocessors (last partial line). */
		if (!ss->ss_quiet)
			ev_source_end(w, sc->sc_id, wss_meta(sc, 0));
		log_info("connector %s: %s: %s", w->w_name, wsconn_name(ws),
		    wsconn_error(ws));
	} else
		log_info("connector %s: %s: connection failed: %s",
		    w->w_name, wsconn_name(ws), wsconn_error(ws));
	for (pp = &ss->ss_conns; *pp != NULL; pp = &(*pp)->sc_next)
		if (*pp == sc) {
			*pp = sc->sc_next;
			break;
		}
	wss_unindex(ss, sc);
	ipc_give(ss->ss_perip, &sc->sc_key);
	wss_unix_give(ss, sc);
	ss->ss_nconns--;
	if (ss->ss_cur == sc)
		ss->ss_cur = NULL;
	json_object_put(sc->sc_meta);
	json_object_put(sc->sc_meta_bin);
	free(sc);
	if (ss->ss_closing && ss->ss_nconns == 0 && !ss->ss_done) {
		ss->ss_done = 1;
		wk_check_drain(w);
	}
}

static const struct wsconn_cb wss_cb = {
	.wc_open = wss_open,
	.wc_message = wss_message,
	.wc_closed = wss_closed,
};

/*
 * Full, or the address holds max_connections_per_ip (perip): answer 503
 * and hang up (a small write on a fresh socket).
 */
static void
wss_refuse(struct wss_state *ss, int fd, const char *host, uint16_t port,
    int perip)
{
	static const char	 busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
	    "Connection: close\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 20\r\n\r\ntoo many connections";
	static const char	 busy_ip[] = "HTTP/1.1 503 Service "
	    "Unavailable\r\nConnection: close\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 38\r\n\r\ntoo many connections from this address";

	ss->ss_refused++;
	if (perip)
		ss->ss_refused_ip++;
	if (wsconn_often(ss->ss_refused))
		log_warnx("connector %s: %s:%u refused: %u connections%s is "
		    "the limit (%llu refused so far)", ss->ss_w->w_name, host,
		    port, perip ? ss->ss_max_ip : (unsigned int)ss->ss_max,
		    perip ? " from one address" : "",
		    (unsigned long long)ss->ss_refused);
	if (perip)
		(void)send(fd, busy_ip, sizeof(busy_ip) - 1,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
	else
		(void)send(fd, busy, sizeof(busy) - 1,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

/*
 * TCP_NODELAY on an accepted socket as configured: without it a reply
 * larger than a segment waits for the client's delayed ACK (~40 ms).
 */
static void
wss_nodelay(struct wss_state *ss, int fd, const char *name)
{
	int		 on = ss->ss_nodelay;
	socklen_t	 len = sizeof(on);

	if (ss->ss_unix)
		return;		/* no Nagle on a Unix-domain socket */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1)
		log_warn("connector %s: %s: TCP_NODELAY", ss->ss_w->w_name,
		    name);
	if (log_getverbose() > 1 &&
	    getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len) == 0)
		log_debug("connector %s: %s: tcp_nodelay %s",
		    ss->ss_w->w_name, name, on ? "on" : "off");
}

/* A unix: client's peer: "unix", its number, its credentials. */
static void
wss_unix_peer(struct wss_state *ss, struct wss_conn *sc, int fd)
{
	socklen_t	 len = sizeof(sc->sc_cred);

	sc->sc_unix = 1;
	strlcpy(sc->sc_host, WSS_UNIX_HOST, sizeof(sc->sc_host));
	sc->sc_port = wss_unix_take(ss);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &sc->sc_cred, &len) == -1)
		memset(&sc->sc_cred, 0, sizeof(sc->sc_cred));
}

/* Accept what is waiting (in bursts, so clients cannot starve others). */
static void
wss_accept(evutil_socket_t lfd, short ev, void *arg)
{
	struct wss_state	*ss = arg;
	struct sockaddr_storage	 sa;
	struct wss_conn		*sc;
	socklen_t		 len;
	char			 name[WSC_NAME_MAX];
	struct timeval		 tv;
	SSL			*ssl = NULL;
	int			 fd, i;

	(void)ev;
	for (i = 0; i < WSS_ACCEPT_BURST; i++) {
		len = sizeof(sa);
		fd = accept4(lfd, (struct sockaddr *)&sa, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR || errno == ECONNABORTED)
				return;
			log_warn("connector %s: accept", ss->ss_w->w_name);
			/* Out of descriptors or memory: pause, retry. */
			wss_listen(ss, 0);
			tv.tv_sec = WSS_BUSY_RETRY_MS / 1000;
			tv.tv_usec = 0;
			evtimer_add(ss->ss_busy, &tv);
			return;
		}
		if ((sc = calloc(1, sizeof(*sc))) == NULL) {
			close(fd);
			continue;
		}
		if (ss->ss_unix)
			wss_unix_peer(ss, sc, fd);
		else
			wsconn_addr(&sa, sc->sc_host, sizeof(sc->sc_host),
			    &sc->sc_port);
		if (ss->ss_nconns >= ss->ss_max ||
		    (sc->sc_unix && sc->sc_port == 0)) {
			wss_refuse(ss, fd, sc->sc_host, sc->sc_port, 0);
			free(sc);
			continue;
		}
		/* max_connections_per_ip (an address not counted: none) */
		if (ipc_key((struct sockaddr *)&sa, &sc->sc_key) == 0 &&
		    ipc_take(ss->ss_perip, &sc->sc_key) != 0) {
			wss_refuse(ss, fd, sc->sc_host, sc->sc_port, 1);
			free(sc);
			continue;
		}
		snprintf(name, sizeof(name), "%s%s%s:%u",
		    sa.ss_family == AF_INET6 ? "[" : "", sc->sc_host,
		    sa.ss_family == AF_INET6 ? "]" : "", sc->sc_port);
		if (sc->sc_unix && sc->sc_cred.pid != 0)
			log_debug("connector %s: %s is pid %ld, uid %lu",
			    ss->ss_w->w_name, name, (long)sc->sc_cred.pid,
			    (unsigned long)sc->sc_cred.uid);
		wss_nodelay(ss, fd, name);
		sc->sc_ss = ss;
		sc->sc_id = ss->ss_next_id++;
		if (ss->ss_ctx != NULL && (ssl = SSL_new(ss->ss_ctx)) == NULL) {
			log_warnx("connector %s: %s: SSL_new failed",
			    ss->ss_w->w_name, name);
			close(fd);
			goto fail;
		}
		sc->sc_ws = wsconn_accept(ss->ss_w->w_base, fd, ssl,
		    &ss->ss_conf, &wss_cb, sc, name);
		if (sc->sc_ws == NULL) {
			log_warnx("connector %s: %s: out of memory",
			    ss->ss_w->w_name, name);
			goto fail;
		}
		log_debug("connector %s: %s: accepted", ss->ss_w->w_name, name);
		sc->sc_next = ss->ss_conns;
		ss->ss_conns = sc;
		sc->sc_hnext = ss->ss_byid[sc->sc_id & (WSS_BUCKETS - 1)];
		ss->ss_byid[sc->sc_id & (WSS_BUCKETS - 1)] = sc;
		ss->ss_nconns++;
		if (ss->ss_paused)
			wsconn_pause(sc->sc_ws, 1);
		continue;
fail:
		ipc_give(ss->ss_perip, &sc->sc_key);
		wss_unix_give(ss, sc);
		free(sc);
	}
}

/* The listener was switched off for lack of descriptors. */
static void
wss_busy_over(evutil_socket_t fd, short ev, void *arg)
{
	struct wss_state	*ss = arg;

	(void)fd;
	(void)ev;
	if (ss->ss_nconns < ss->ss_max)
		wss_listen(ss, 1);
}

/*
 * Connection policy: max_connections_per_ip (default a quarter of the
 * connections, rounded up) and allowed_origins (absent: any).
 */
static int
wss_policy(struct wss_state *ss, char *err, size_t errlen)
{
	struct json_object	*cconf = ss->ss_w->w_cconf, *list;
	size_t			 i, n;

	ss->ss_max_ip = (unsigned int)jg_int(cconf, "max_connections_per_ip",
	    (ss->ss_max + 3) / 4);
	if ((ss->ss_perip = ipc_new(ss->ss_max_ip, arc4random())) == NULL)
		goto nomem;
	if ((list = jg_get(cconf, "allowed_origins")) == NULL ||
	    !json_object_is_type(list, json_type_array))
		return 0;
	n = json_object_array_length(list);
	/* one more, so that an empty list is not NULL (NULL: any) */
	if ((ss->ss_origins = calloc(n + 1, sizeof(*ss->ss_origins))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++)
		ss->ss_origins[i] = json_object_get_string(
		    json_object_array_get_idx(list, i));
	ss->ss_conf.cf_origins = ss->ss_origins;
	ss->ss_conf.cf_norigins = n;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* The tls record's ciphers, ciphersuites and min_version. */
static int
wss_ctx_policy(struct worker *w, SSL_CTX *ctx, char *err, size_t errlen)
{
	struct json_object	*t = jg_obj(w->w_cconf, "tls");

	return tls_ctx_policy(ctx, jg_str(t, "ciphers", NULL),
	    jg_str(t, "ciphersuites", NULL), jg_str(t, "min_version", NULL),
	    err, errlen);
}

/* Client certificates as tls.verify_client says, against the CA file
 * read at set-up (no file can be read at a reload). */
static int
wss_ctx_verify(struct wss_state *ss, SSL_CTX *ctx, char *err, size_t errlen)
{
	STACK_OF(X509_NAME)	*names;

	if (ss->ss_verify == WSS_VERIFY_NONE)
		return 0;
	SSL_CTX_set1_cert_store(ctx, ss->ss_ca);
	if ((names = SSL_dup_CA_list(ss->ss_ca_names)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	SSL_CTX_set_client_CA_list(ctx, names);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    (ss->ss_verify == WSS_VERIFY_REQUIRED ?
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
	return 0;
}

/* tls.cafile and tls.verify_client: the CAs read now (before the
 * sandbox), once. */
static int
wss_ca_read(struct wss_state *ss, struct json_object *t, char *err,
    size_t errlen)
{
	const char	*mode = jg_str(t, "verify_client", "none");
	const char	*cafile = jg_str(t, "cafile", NULL);
	char		 e[160];

	ss->ss_verify = strcmp(mode, "required") == 0 ? WSS_VERIFY_REQUIRED :
	    strcmp(mode, "optional") == 0 ? WSS_VERIFY_OPTIONAL :
	    WSS_VERIFY_NONE;
	if (ss->ss_verify == WSS_VERIFY_NONE)
		return 0;
	if (cafile == NULL) {
		snprintf(err, errlen, "verify_client %s needs a cafile", mode);
		return -1;
	}
	ERR_clear_error();
	if ((ss->ss_ca = X509_STORE_new()) == NULL ||
	    X509_STORE_load_file(ss->ss_ca, cafile) != 1 ||
	    (ss->ss_ca_names = SSL_load_client_CA_file(cafile)) == NULL) {
		snprintf(err, errlen, "invalid certificate in %s: %s", cafile,
		    tls_errstr(e, sizeof(e)));
		return -1;
	}
	return 0;
}

/*
 * A TLS context with the certificate chain the supervisor sent and the
 * keyholder's key for it (workers/khclient.h); NULL with err.
 */
static SSL_CTX *
wss_ctx(struct wss_state *ss, char *err, size_t errlen)
{
	struct worker	*w = ss->ss_w;
	SSL_CTX		*ctx;
	const char	*cert = jg_str(jg_obj(w->w_cconf, "tls"), "cert", "");

	if (w->w_chain == NULL) {
		snprintf(err, errlen, "no certificate chain from the "
		    "supervisor");
		return NULL;
	}
	if (khc_init() == -1) {
		snprintf(err, errlen, "cannot load the keyholder provider");
		return NULL;
	}
	if ((ctx = tls_server_ctx_new(err, errlen)) == NULL)
		return NULL;
	if (wss_ctx_policy(w, ctx, err, errlen) == -1 ||
	    wss_ctx_verify(ss, ctx, err, errlen) == -1 ||
	    khc_install(ctx, w->w_chain, w->w_chain_len, cert, err,
	    errlen) == -1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* A new chain (a certificate reload): new connections get it, the open
 * ones keep the context they hold a reference to. */
static void
wss_tls_chain(struct worker *w)
{
	struct wss_state	*ss = w->w_state;
	SSL_CTX			*ctx;
	char			 e[512];

	if (ss->ss_ctx == NULL)
		return;
	if ((ctx = wss_ctx(ss, e, sizeof(e))) == NULL) {
		log_warnx("connector %s: certificate reload: %s; keeping the "
		    "old certificate", w->w_name, e);
		return;
	}
	SSL_CTX_free(ss->ss_ctx);
	ss->ss_ctx = ctx;
	log_info("connector %s: certificate reloaded", w->w_name);
}

/*
 * request_headers (issue 14): when present, each connection keeps
 * $ws_server.request with these fields (troy checked names and count).
 */
static void
wss_request_conf(struct wss_state *ss)
{
	struct json_object	*list;
	size_t			 i, n;

	if ((list = jg_get(ss->ss_w->w_cconf, "request_headers")) == NULL ||
	    !json_object_is_type(list, json_type_array))
		return;
	n = json_object_array_length(list);
	if (n > REQMETA_MAX_NAMES)
		n = REQMETA_MAX_NAMES;
	for (i = 0; i < n; i++)
		ss->ss_req_names[i] = json_object_get_string(
		    json_object_array_get_idx(list, i));
	ss->ss_conf.cf_request = 1;
	ss->ss_conf.cf_req_names = ss->ss_req_names;
	ss->ss_conf.cf_nreq_names = n;
}

/*
 * broadcast = true or {"max_queued": bytes} (troy checked the range):
 * the output bound of each client, 8 MiB unless given.
 */
static void
wss_broadcast_conf(struct wss_state *ss)
{
	struct json_object	*v = jg_get(ss->ss_w->w_cconf, "broadcast");

	if (v == NULL || (json_object_is_type(v, json_type_boolean) &&
	    !json_object_get_boolean(v)))
		return;
	ss->ss_bcast = 1;
#ifdef M_TRIM_THRESHOLD
	/*
	 * Every client's output is allocated and freed on each loop pass
	 * (an event or a few to a thousand clients: megabytes); glibc would
	 * give that back to the system each time and fault it in again.
	 */
	(void)mallopt(M_TRIM_THRESHOLD, WSS_BCAST_TRIM);
#endif
	if (json_object_is_type(v, json_type_object))
		ss->ss_conf.cf_out_max = (size_t)jg_int(v, "max_queued",
		    (int64_t)ss->ss_conf.cf_out_max);
}

/* Read the config and TLS material; listen (before the sandbox). */
static int
wss_setup(struct worker *w, char *err, size_t errlen)
{
	struct wss_state	*ss = &wss;
	struct json_object	*t;
	const char		*url, *cert, *key, *why = NULL;
	struct url		 u;
	char			 e[256];
	int			 max = 1024;

	memset(ss, 0, sizeof(*ss));
	ss->ss_w = w;
	ss->ss_fd = -1;
	/* Stream ids stay unique across worker restarts too, and across a
	 * connector's instances (the top byte: which one). */
	ss->ss_next_id = (uint64_t)jg_int(w->w_conf, "instance", 0) << 56 |
	    ((uint64_t)w->w_restarts & 0xffff) << 40;
	w->w_profile = SANDBOX_WS_SERVER;
	w->w_state = ss;
	if (wsconn_preload() == -1) {
		snprintf(err, errlen, "cannot initialise OpenSSL");
		return -1;
	}
	if ((url = jg_str(w->w_cconf, "url", NULL)) != NULL &&
	    url_is_unix(url)) {
		/* the supervisor made the socket; TLS only with a record */
		memset(&u, 0, sizeof(u));
		ss->ss_unix = 1;
		ss->ss_unext = 1;
	} else if (url == NULL || url_parse(url, &u, &why) == -1) {
		snprintf(err, errlen, "url %s: %s", url ? url : "missing",
		    why ? why : "required");
		return -1;
	}
	if ((t = jg_get(w->w_cconf, "tls")) != NULL) {
		cert = jg_str(t, "cert", NULL);
		key = jg_str(t, "key", NULL);
		if (cert == NULL || key == NULL) {
			snprintf(err, errlen, "tls needs \"cert\" and \"key\"");
			return -1;
		}
		if (wss_ca_read(ss, t, err, errlen) == -1)
			return -1;
		/* The bench's switch only (tls.h); else the keyholder's. */
		if (getenv(TLS_BENCH_KEYS_IN_WORKER) != NULL) {
			if ((ss->ss_ctx = tls_server_ctx(cert, key, e,
			    sizeof(e))) != NULL &&
			    (wss_ctx_policy(w, ss->ss_ctx, e, sizeof(e)) == -1 ||
			    wss_ctx_verify(ss, ss->ss_ctx, e, sizeof(e)) == -1)) {
				SSL_CTX_free(ss->ss_ctx);
				ss->ss_ctx = NULL;
			}
		} else
			ss->ss_ctx = wss_ctx(ss, e, sizeof(e));
		if (ss->ss_ctx == NULL) {
			snprintf(err, errlen, "tls: %s", e);
			return -1;
		}
	} else if (u.u_tls) {
		snprintf(err, errlen, "url %s asks for TLS but there is no "
		    "\"tls\" record with \"cert\" and \"key\"", url);
		return -1;
	}
	if (jg_int(w->w_cconf, "max_connections", 0) > 0)
		max = (int)jg_int(w->w_cconf, "max_connections", 0);
	ss->ss_max = wk_conn_budget(w, max);
	/* socket_options.TCP_NODELAY, default true (as for ws_client) */
	ss->ss_nodelay = jg_bool(jg_obj(w->w_cconf, "socket_options"),
	    "TCP_NODELAY", 1);
	wsconn_conf_default(&ss->ss_conf, WS_ROLE_SERVER);
	ss->ss_conf.cf_stats = &ss->ss_st;
	ss->ss_conf.cf_budget = &w->w_budget;
	ss->ss_conf.cf_owner = w->w_name;
	wsconn_limits_read(&ss->ss_conf, w->w_cconf);
	if (wss_policy(ss, err, errlen) == -1 ||
	    wsconn_conf_read(&ss->ss_conf, w->w_cconf, err, errlen) == -1)
		return -1;
	wss_request_conf(ss);
	wss_broadcast_conf(ss);
	if ((ss->ss_fd = w->w_listen_fd) == -1) {
		snprintf(err, errlen, "no listening socket from the "
		    "supervisor");
		return -1;
	}
	w->w_listen_fd = -1;
	ss->ss_lev = event_new(w->w_base, ss->ss_fd, EV_READ | EV_PERSIST,
	    wss_accept, ss);
	ss->ss_busy = evtimer_new(w->w_base, wss_busy_over, ss);
	if (ss->ss_lev == NULL || ss->ss_busy == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Until started, clients are accepted but not read. */
	ss->ss_paused = !wss_can_read(ss);
	wss_listen(ss, 1);
	if (ss->ss_unix)
		log_info("connector %s: listening on %s%s, at most %d "
		    "connections", w->w_name, url, ss->ss_ctx ? " (TLS)" : "",
		    ss->ss_max);
	else
		log_info("connector %s: listening on %s%s%s:%u%s, at most %d "
		    "connections, %u per address", w->w_name,
		    u.u_ipv6 ? "[" : "", u.u_host, u.u_ipv6 ? "]" : "",
		    u.u_port, ss->ss_ctx ? " (TLS)" : "", ss->ss_max,
		    ss->ss_max_ip);
	return 0;
}

/* Started, or the routes drained: read the clients again. */
static void
wss_start(struct worker *w)
{
	struct wss_state	*ss = w->w_state;

	if (ss->ss_paused && !ss->ss_quiet && wss_can_read(ss))
		wss_pause_all(ss, 0);
}

/* The routes take events again. */
static void
wss_kick(struct worker *w)
{
	wss_start(w);
}

/* The connection an event names in $ws_server.peer, or NULL. */
static struct wss_conn *
wss_by_peer(struct wss_state *ss, struct json_object *meta, char *name,
    size_t len)
{
	struct json_object	*in, *peer, *h, *p;
	struct wss_conn		*sc;
	const char		*host;
	int64_t			 port;

	if (!json_object_object_get_ex(meta, "ws_server", &in) ||
	    !json_object_object_get_ex(in, "peer", &peer) ||
	    !json_object_object_get_ex(peer, "host", &h) ||
	    !json_object_object_get_ex(peer, "port", &p) ||
	    !json_object_is_type(h, json_type_string) ||
	    !json_object_is_type(p, json_type_int))
		return NULL;
	host = json_object_get_string(h);
	port = json_object_get_int64(p);
	if (port < 0 || port > 65535)
		return NULL;
	for (sc = ss->ss_conns; sc != NULL; sc = sc->sc_next)
		if (sc->sc_port == port && strcmp(sc->sc_host, host) == 0)
			return sc;
	snprintf(name, len, "%s:%lld", host, (long long)port);
	return NULL;
}

/*
 * The connection an event came from when it still carries that
 * connection's own metadata object (pipelines pass $ unchanged): no
 * lookup by peer needed.
 */
static struct wss_conn *
wss_by_origin(struct wss_state *ss, struct worker *w, struct json_object *meta)
{
	struct wss_conn	*sc;

	if (w->w_sink.sk_origin != w->w_id)
		return NULL;
	sc = wss_by_id(ss, w->w_sink.sk_stream);
	if (sc != NULL && meta != NULL &&
	    (meta == sc->sc_meta || meta == sc->sc_meta_bin))
		return sc;
	return NULL;
}

/* The event's $binary (text frames without it). */
static int
wss_binary(struct json_object *meta)
{
	struct json_object	*b;

	return json_object_object_get_ex(meta, "binary", &b) &&
	    json_object_is_type(b, json_type_boolean) &&
	    json_object_get_boolean(b);
}

/* A broadcast client that passed its output bound: 1008, counted. */
static void
wss_slow(struct wss_state *ss, struct wss_conn *sc, const char *why)
{
	ss->ss_bc_slow++;
	if (wsconn_often(ss->ss_bc_slow))
		log_warnx("connector %s: %s: slow client closed with 1008: %s "
		    "(%llu so far)", ss->ss_w->w_name, wsconn_name(sc->sc_ws),
		    why, (unsigned long long)ss->ss_bc_slow);
	if (wsconn_is_open(sc->sc_ws))
		wsconn_close(sc->sc_ws, 1008, "slow client");
}

/*
 * broadcast: the event, framed once, to every open client; 0 when one
 * or more took it (the event is then acknowledged: queued to every
 * client open now that keeps up), -1 when none did (counted dropped).
 */
static int
wss_broadcast(struct wss_state *ss, const char *data, size_t len)
{
	struct worker		*w = ss->ss_w;
	struct wsconn_shared	*sh;
	struct wss_conn		*sc;
	const char		*why = "no client connected";
	uint64_t		 n = 0;
	int			 r;

	if (ss->ss_nconns > 0 &&
	    (sh = wsconn_shared_new(wss_binary(w->w_sink.sk_meta), data, len,
	    &why)) != NULL) {
		for (sc = ss->ss_conns; sc != NULL; sc = sc->sc_next) {
			if (!sc->sc_open || !wsconn_is_open(sc->sc_ws))
				continue;
			if ((r = wsconn_send_shared(sc->sc_ws, sh, &why)) == 0)
				n++;
			else if (r == -2)
				wss_slow(ss, sc, why);
		}
		wsconn_shared_free(sh);
		if (n == 0)
			why = "no client took it";
	}
	if (n > 0) {
		ss->ss_bc_events++;
		ss->ss_bc_sent += n;
		return 0;
	}
	ss->ss_bc_dropped++;
	w->w_cnt.cn_dropped++;
	if (wsconn_often(ss->ss_bc_dropped))
		log_warnx("connector %s: broadcast event dropped: %s (%llu so "
		    "far)", w->w_name, why,
		    (unsigned long long)ss->ss_bc_dropped);
	return -1;
}

/* One reply: to the peer it names, else back where it came from. */
static int
wss_write(struct worker *w, const char *port, const char *data, size_t len)
{
	struct wss_state	*ss = w->w_state;
	struct json_object	*meta = w->w_sink.sk_meta;
	struct wss_conn		*sc;
	const char		*why;
	char			 name[INET6_ADDRSTRLEN + 16] = "";
	int			 binary = 0;

	(void)port;
	if (ss->ss_bcast)
		return wss_broadcast(ss, data, len);
	if ((sc = wss_by_origin(ss, w, meta)) != NULL)
		binary = meta == sc->sc_meta_bin;
	else {
		binary = wss_binary(meta);
		sc = wss_by_peer(ss, meta, name, sizeof(name));
	}
	if (sc == NULL && w->w_sink.sk_origin == w->w_id)
		sc = wss_by_id(ss, w->w_sink.sk_stream);
	if (sc == NULL || !sc->sc_open) {
		ss->ss_unroutable++;
		w->w_cnt.cn_dropped++;
		if (wsconn_often(ss->ss_unroutable))
			log_warnx("connector %s: no connection %s%sfor an "
			    "event, dropped (%llu so far)", w->w_name, name,
			    name[0] ? " " : "",
			    (unsigned long long)ss->ss_unroutable);
		return -1;
	}
	if (wsconn_send(sc->sc_ws, binary, data, len, &why) == -1) {
		ss->ss_unsent++;
		w->w_cnt.cn_dropped++;
		if (wsconn_often(ss->ss_unsent))
			log_warnx("connector %s: %s: event dropped: %s (%llu "
			    "so far)", w->w_name, wsconn_name(sc->sc_ws), why,
			    (unsigned long long)ss->ss_unsent);
		return -1;
	}
	return 0;
}

/* Draining: accept nobody new. */
static void
wss_stop(struct worker *w)
{
	struct wss_state	*ss = w->w_state;

	if (ss == NULL)
		return;
	ss->ss_stopped = 1;
	wss_listen(ss, 0);
	evtimer_del(ss->ss_busy);
}

/* Draining on a route cycle: no new clients, no reading until the
 * close handshake; messages read from then on are dropped. */
static void
wss_stop_source(struct worker *w)
{
	struct wss_state	*ss = w->w_state;

	if (ss == NULL)
		return;
	wss_stop(w);
	ss->ss_quiet = 1;
	wss_pause_all(ss, 1);
}

/* Upstream is done: close every client with 1001 and wait for them. */
static int
wss_drain(struct worker *w)
{
	struct wss_state	*ss = w->w_state;
	struct wss_conn		*sc, *next;

	if (ss == NULL || ss->ss_done)
		return 0;
	if (!ss->ss_closing) {
		ss->ss_closing = 1;
		wss_stop(w);
		for (sc = ss->ss_conns; sc != NULL; sc = next) {
			next = sc->sc_next;
			wsconn_close(sc->sc_ws, WS_CLOSE_GOING_AWAY,
			    "shutting down");
		}
		/* Input still counts until each peer answers. */
		wss_pause_all(ss, 0);
	}
	if (ss->ss_nconns == 0) {
		ss->ss_done = 1;
		return 0;
	}
	return 1;
}

/* The counters for logs (and show stats). */
static void
wss_log_stats(struct wss_state *ss)
{
	struct wsc_stats	*st = &ss->ss_st;

	log_debug("connector %s: %llu connections, %llu failed handshakes, "
	    "%llu refused, messages %llu in %llu out, bytes %llu in %llu out, "
	    "%llu overflows, %llu replies without a connection",
	    ss->ss_w->w_name, (unsigned long long)st->st_connections,
	    (unsigned long long)st->st_handshake_failed,
	    (unsigned long long)ss->ss_refused,
	    (unsigned long long)st->st_frames_in,
	    (unsigned long long)st->st_frames_out,
	    (unsigned long long)st->st_bytes_in,
	    (unsigned long long)st->st_bytes_out,
	    (unsigned long long)st->st_overflows,
	    (unsigned long long)ss->ss_unroutable);
}

/* Free everything before exit. */
static void
wss_finish(struct worker *w)
{
	struct wss_state	*ss = w->w_state;
	struct wss_conn		*sc;

	if (ss == NULL)
		return;
	wss_log_stats(ss);
	if (ss->ss_late > 0)
		log_warnx("connector %s: %llu client messages read after "
		    "the drain began, dropped", w->w_name,
		    (unsigned long long)ss->ss_late);
	while ((sc = ss->ss_conns) != NULL) {
		ss->ss_conns = sc->sc_next;
		wsconn_free(sc->sc_ws);
		json_object_put(sc->sc_meta);
		json_object_put(sc->sc_meta_bin);
		free(sc);
	}
	memset(ss->ss_byid, 0, sizeof(ss->ss_byid));
	ss->ss_nconns = 0;
	if (ss->ss_lev != NULL)
		event_free(ss->ss_lev);
	if (ss->ss_busy != NULL)
		event_free(ss->ss_busy);
	ss->ss_lev = ss->ss_busy = NULL;
	if (ss->ss_fd != -1)
		close(ss->ss_fd);
	ss->ss_fd = -1;
	SSL_CTX_free(ss->ss_ctx);
	wsconn_conf_clear(&ss->ss_conf);
	ss->ss_ctx = NULL;
	ipc_free(ss->ss_perip);
	ss->ss_perip = NULL;
	free(ss->ss_origins);
	ss->ss_origins = NULL;
	X509_STORE_free(ss->ss_ca);
	ss->ss_ca = NULL;
	sk_X509_NAME_pop_free(ss->ss_ca_names, X509_NAME_free);
	ss->ss_ca_names = NULL;
	w->w_state = NULL;
}

/* show stats: connection counters, open and refused connections. */
static void
wss_stats(struct worker *w, struct json_object *o)
{
	struct wss_state	*ss = w->w_state;

	if (ss == NULL)
		return;
	wsconn_stats_json(&ss->ss_st, o);
	json_object_object_add(o, "open", json_object_new_int(ss->ss_nconns));
	json_object_object_add(o, "refused",
	    json_object_new_uint64(ss->ss_refused));
	json_object_object_add(o, "refused_per_ip",
	    json_object_new_uint64(ss->ss_refused_ip));
	if (!ss->ss_bcast)
		return;
	json_object_object_add(o, "broadcast_events",
	    json_object_new_uint64(ss->ss_bc_events));
	json_object_object_add(o, "broadcast_sent",
	    json_object_new_uint64(ss->ss_bc_sent));
	json_object_object_add(o, "broadcast_dropped",
	    json_object_new_uint64(ss->ss_bc_dropped));
	json_object_object_add(o, "slow_closed",
	    json_object_new_uint64(ss->ss_bc_slow));
}

const struct conn_ops ws_server_ops = {
	.co_type = "ws_server",
	.co_setup = wss_setup,
	.co_start = wss_start,
	.co_kick = wss_kick,
	.co_write = wss_write,
	.co_stop = wss_stop,
	.co_stop_source = wss_stop_source,
	.co_drain = wss_drain,
	.co_finish = wss_finish,
	.co_stats = wss_stats,
	.co_tls_chain = wss_tls_chain,
};
