/* SPDX-License-Identifier: ISC */
/*
 * Name resolution for workers: they are chrooted and cannot read
 * resolv.conf, so they send MSG_RESOLVE_REQ and the supervisor answers
 * with at most PROTO_ADDRS_MAX addresses.  Resolution never blocks the
 * supervisor's loop: libevent's evdns asks the name servers of
 * /etc/resolv.conf (read at start) and reads /etc/hosts, each query
 * bounded (RESOLVE_TIMEOUT_S, RESOLVE_ATTEMPTS), so a resolver that never
 * answers delays only the worker that asked.  As getaddrinfo(3) would,
 * a name is asked for with AI_ADDRCONFIG first and, when that finds
 * nothing (a loopback-only host or namespace), once more without it.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "log.h"
#include "proc.h"
#include "sup.h"

#define RESOLVE_TIMEOUT_S	"2"	/* per query and attempt */
#define RESOLVE_ATTEMPTS	"2"
#define RESOLVE_MAX_PENDING	256	/* in flight, all workers */

/* One request in flight. */
struct rs_query {
	TAILQ_ENTRY(rs_query)		 rq_entry;
	struct msg_resolve_req		 rq_req;
	struct evdns_getaddrinfo_request *rq_dns;	/* NULL: none pending */
	int				 rq_retried;	/* without AI_ADDRCONFIG */
	resolve_cb			 rq_cb;
	void				*rq_arg;
};

static struct {
	struct evdns_base		*r_dns;
	TAILQ_HEAD(, rs_query)		 r_pending;
	int				 r_npending;
} rs = { NULL, TAILQ_HEAD_INITIALIZER(rs.r_pending), 0 };

static void	rs_done(int, struct evutil_addrinfo *, void *);

/* Is the request well-formed (terminated, non-empty, a known family)? */
int
resolve_check(const struct msg_resolve_req *q)
{
	if (memchr(q->mq_host, '\0', sizeof(q->mq_host)) == NULL ||
	    memchr(q->mq_serv, '\0', sizeof(q->mq_serv)) == NULL ||
	    q->mq_host[0] == '\0')
		return -1;
	if (q->mq_family != AF_UNSPEC && q->mq_family != AF_INET &&
	    q->mq_family != AF_INET6)
		return -1;
	return 0;
}

/* libevent's error code as the system's, which the worker prints. */
static int
rs_errcode(int e)
{
	static const struct {
		int	ev;
		int	sys;
	} map[] = {
		{ EVUTIL_EAI_ADDRFAMILY, EAI_ADDRFAMILY },
		{ EVUTIL_EAI_AGAIN, EAI_AGAIN },
		{ EVUTIL_EAI_BADFLAGS, EAI_BADFLAGS },
		{ EVUTIL_EAI_FAIL, EAI_FAIL },
		{ EVUTIL_EAI_FAMILY, EAI_FAMILY },
		{ EVUTIL_EAI_MEMORY, EAI_MEMORY },
		{ EVUTIL_EAI_NODATA, EAI_NODATA },
		{ EVUTIL_EAI_NONAME, EAI_NONAME },
		{ EVUTIL_EAI_SERVICE, EAI_SERVICE },
		{ EVUTIL_EAI_SOCKTYPE, EAI_SOCKTYPE },
		{ EVUTIL_EAI_SYSTEM, EAI_SYSTEM },
		{ EVUTIL_EAI_CANCEL, EAI_AGAIN },
	};
	size_t	 i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].ev == e)
			return map[i].sys;
	return EAI_FAIL;
}

/* The addresses of res (or the error e) as the answer to q. */
static void
rs_fill(const struct msg_resolve_req *q, int e, struct evutil_addrinfo *res,
    struct msg_resolve_res *r)
{
	struct evutil_addrinfo	*ai;

	memset(r, 0, sizeof(*r));
	r->ms_id = q->mq_id;
	if (e != 0) {
		r->ms_error = rs_errcode(e);
		return;
	}
	for (ai = res; ai != NULL && r->ms_naddrs < PROTO_ADDRS_MAX;
	    ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(r->ms_addrs[0].pa_addr))
			continue;
		r->ms_addrs[r->ms_naddrs].pa_len = ai->ai_addrlen;
		memcpy(&r->ms_addrs[r->ms_naddrs].pa_addr, ai->ai_addr,
		    ai->ai_addrlen);
		r->ms_naddrs++;
	}
	if (r->ms_naddrs == 0)
		r->ms_error = EAI_NONAME;
}

/* Ask evdns for rq (AI_ADDRCONFIG unless retried); rs_done answers,
 * perhaps before this returns. */
static void
rs_ask(struct rs_query *rq)
{
	struct evutil_addrinfo			 hints;
	struct evdns_getaddrinfo_request	*dr;
	const struct msg_resolve_req		*q = &rq->rq_req;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = q->mq_family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = rq->rq_retried ? 0 : EVUTIL_AI_ADDRCONFIG;
	rq->rq_dns = NULL;
	dr = evdns_getaddrinfo(rs.r_dns, q->mq_host, q->mq_serv[0] ?
	    q->mq_serv : NULL, &hints, rs_done, rq);
	/* NULL: answered already (and rq freed), or asked again. */
	if (dr != NULL)
		rq->rq_dns = dr;
}

/* evdns answered (or the request was cancelled): retry, or answer. */
static void
rs_done(int e, struct evutil_addrinfo *res, void *arg)
{
	struct rs_query		*rq = arg;
	struct msg_resolve_res	 r;

	rq->rq_dns = NULL;
	if (!rq->rq_retried && (e == EVUTIL_EAI_NONAME ||
	    e == EVUTIL_EAI_ADDRFAMILY || e == EVUTIL_EAI_NODATA)) {
		if (res != NULL)
			evutil_freeaddrinfo(res);
		rq->rq_retried = 1;
		rs_ask(rq);
		return;
	}
	rs_fill(&rq->rq_req, e, res, &r);
	if (res != NULL)
		evutil_freeaddrinfo(res);
	TAILQ_REMOVE(&rs.r_pending, rq, rq_entry);
	rs.r_npending--;
	if (e != EVUTIL_EAI_CANCEL && rq->rq_cb != NULL)
		rq->rq_cb(&r, rq->rq_arg);
	free(rq);
}

/* The resolver on base, with the system's name servers and hosts file;
 * -1 if it cannot be had (then every answer is an error). */
int
resolve_init(struct event_base *base)
{
	TAILQ_INIT(&rs.r_pending);
	rs.r_npending = 0;
	rs.r_dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
	    EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (rs.r_dns == NULL) {
		log_warnx("resolver: cannot read /etc/resolv.conf; names "
		    "will not resolve");
		return -1;
	}
	if (evdns_base_set_option(rs.r_dns, "timeout:", RESOLVE_TIMEOUT_S) ||
	    evdns_base_set_option(rs.r_dns, "attempts:", RESOLVE_ATTEMPTS))
		log_warnx("resolver: cannot set its timeout");
	return 0;
}

/*
 * Answer one MSG_RESOLVE_REQ through cb(answer, arg), now or later from
 * the loop.  Returns -1 for a malformed request (a protocol error; cb is
 * not called).
 */
int
resolve_request(const struct proc_msg *m, resolve_cb cb, void *arg)
{
	struct msg_resolve_req	 q;
	struct msg_resolve_res	 r;
	struct rs_query		*rq;

	if (m->pm_type != MSG_RESOLVE_REQ || m->pm_fd != -1 ||
	    proc_get(m, &q, sizeof(q)) == -1 || resolve_check(&q) == -1)
		return -1;
	if (rs.r_dns == NULL || rs.r_npending >= RESOLVE_MAX_PENDING ||
	    (rq = calloc(1, sizeof(*rq))) == NULL) {
		memset(&r, 0, sizeof(r));
		r.ms_id = q.mq_id;
		r.ms_error = EAI_AGAIN;
		cb(&r, arg);
		return 0;
	}
	rq->rq_req = q;
	rq->rq_cb = cb;
	rq->rq_arg = arg;
	TAILQ_INSERT_TAIL(&rs.r_pending, rq, rq_entry);
	rs.r_npending++;
	rs_ask(rq);
	return 0;
}

/* Forget the requests made for arg (its worker is gone): no answer. */
void
resolve_forget(void *arg)
{
	struct rs_query	*rq;

	TAILQ_FOREACH(rq, &rs.r_pending, rq_entry)
		if (rq->rq_arg == arg)
			rq->rq_cb = NULL;
}

/* Requests in flight (for tests). */
int
resolve_pending(void)
{
	return rs.r_npending;
}

/* Fail every request (no answers) and free the resolver; before the
 * event base. */
void
resolve_free(void)
{
	struct rs_query	*rq;

	TAILQ_FOREACH(rq, &rs.r_pending, rq_entry)
		rq->rq_cb = NULL;
	if (rs.r_dns != NULL)
		evdns_base_free(rs.r_dns, 1);
	rs.r_dns = NULL;
	/* Those whose failure is still to be delivered never will be. */
	while ((rq = TAILQ_FIRST(&rs.r_pending)) != NULL) {
		TAILQ_REMOVE(&rs.r_pending, rq, rq_entry);
		free(rq);
	}
	rs.r_npending = 0;
}
