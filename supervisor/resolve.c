/* SPDX-License-Identifier: ISC */
/*
 * Name resolution for workers: they are chrooted and cannot read
 * resolv.conf, so they send MSG_RESOLVE_REQ and the supervisor answers
 * with the addresses getaddrinfo() returns (at most PROTO_ADDRS_MAX).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>
#include <string.h>

#include "proc.h"
#include "sup.h"

/* Supervisor side: check one MSG_RESOLVE_REQ and answer it into res.
 * Returns -1 for a malformed request (a protocol error). */
int
resolve_handle(const struct proc_msg *m, struct msg_resolve_res *res)
{
	struct msg_resolve_req	 q;

	if (m->pm_type != MSG_RESOLVE_REQ || m->pm_fd != -1 ||
	    proc_get(m, &q, sizeof(q)) == -1)
		return -1;
	return resolve_answer(&q, res);
}

/* Answer one request; returns -1 if the request itself is malformed. */
int
resolve_answer(const struct msg_resolve_req *q, struct msg_resolve_res *r)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	int		 e;

	memset(r, 0, sizeof(*r));
	r->ms_id = q->mq_id;
	if (memchr(q->mq_host, '\0', sizeof(q->mq_host)) == NULL ||
	    memchr(q->mq_serv, '\0', sizeof(q->mq_serv)) == NULL ||
	    q->mq_host[0] == '\0')
		return -1;
	if (q->mq_family != AF_UNSPEC && q->mq_family != AF_INET &&
	    q->mq_family != AF_INET6)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = q->mq_family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	e = getaddrinfo(q->mq_host, q->mq_serv[0] ? q->mq_serv : NULL,
	    &hints, &res);
	/* AI_ADDRCONFIG does not count loopback addresses: on a host (or
	 * network namespace) with only loopback, "localhost" would have
	 * no address.  Ask again without it. */
	if (e == EAI_NONAME || e == EAI_ADDRFAMILY || e == EAI_NODATA) {
		hints.ai_flags = 0;
		e = getaddrinfo(q->mq_host, q->mq_serv[0] ? q->mq_serv : NULL,
		    &hints, &res);
	}
	if (e != 0) {
		r->ms_error = e;
		return 0;
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
	freeaddrinfo(res);
	if (r->ms_naddrs == 0)
		r->ms_error = EAI_NONAME;
	return 0;
}
