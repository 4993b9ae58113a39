/* SPDX-License-Identifier: ISC */
/*
 * Builders and parsers of the payloads of proto.h, and the names of its
 * message types for logs.  The message layer (proc.c) moves bytes and
 * descriptors; what the bytes of a message mean is written here.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "proc.h"
#include "proto.h"

#define PROTO_NAME(m)	case m: return #m

/*
 * The name of a message type ("MSG_EVENT"), or "MSG_UNKNOWN(n)" in a
 * static buffer.  No default: the compiler (-Wswitch) names any value of
 * enum msg_type this switch forgets.
 */
const char *
proto_msg_name(unsigned int type)
{
	static char	 buf[32];

	switch ((enum msg_type)type) {
	PROTO_NAME(MSG_CONFIG);
	PROTO_NAME(MSG_ROUTE);
	PROTO_NAME(MSG_CONFIG_END);
	PROTO_NAME(MSG_START);
	PROTO_NAME(MSG_DRAIN);
	PROTO_NAME(MSG_RESOLVE_RES);
	PROTO_NAME(MSG_VERBOSE);
	PROTO_NAME(MSG_LISTEN);
	PROTO_NAME(MSG_STATS_REQ);
	PROTO_NAME(MSG_CTL_RES);
	PROTO_NAME(MSG_METRICS_RES);
	PROTO_NAME(MSG_ROUTE_DROP);
	PROTO_NAME(MSG_PATH);
	PROTO_NAME(MSG_CTL_CLIENT);
	PROTO_NAME(MSG_KH_CHANNEL);
	PROTO_NAME(MSG_TLS_CHAIN);
	PROTO_NAME(MSG_KH_PEER);
	PROTO_NAME(MSG_KH_KEY);
	PROTO_NAME(MSG_DIAL_RES);
	PROTO_NAME(MSG_KH_FORGET);
	PROTO_NAME(MSG_HELLO);
	PROTO_NAME(MSG_READY);
	PROTO_NAME(MSG_FAILED);
	PROTO_NAME(MSG_STARTED);
	PROTO_NAME(MSG_DRAINED);
	PROTO_NAME(MSG_EXIT_REQ);
	PROTO_NAME(MSG_RESOLVE_REQ);
	PROTO_NAME(MSG_STATS);
	PROTO_NAME(MSG_CTL_REQ);
	PROTO_NAME(MSG_METRICS_REQ);
	PROTO_NAME(MSG_SOURCE_POS);
	PROTO_NAME(MSG_CTL_CLOSED);
	PROTO_NAME(MSG_KH_KEY_RES);
	PROTO_NAME(MSG_DIAL_REQ);
	PROTO_NAME(MSG_EVENT);
	PROTO_NAME(MSG_PAUSE);
	PROTO_NAME(MSG_RESUME);
	PROTO_NAME(MSG_STREAM_END);
	PROTO_NAME(MSG_ACK);
	PROTO_NAME(MSG_KH_SIGN);
	PROTO_NAME(MSG_KH_SIG);
	}
	(void)snprintf(buf, sizeof(buf), "MSG_UNKNOWN(%u)", type);
	return buf;
}

/* Queue one event: header, value bytes, metadata bytes. */
int
proto_event_send(struct proc_peer *p, const struct msg_event *ev,
    const void *value, const void *meta)
{
	struct iovec	 iov[3];

	iov[0].iov_base = (void *)(uintptr_t)ev;
	iov[0].iov_len = sizeof(*ev);
	iov[1].iov_base = (void *)(uintptr_t)value;
	iov[1].iov_len = ev->me_value_len;
	iov[2].iov_base = (void *)(uintptr_t)meta;
	iov[2].iov_len = ev->me_meta_len;
	return proc_sendv(p, MSG_EVENT, -1, iov, 3);
}

/* Check and split a MSG_EVENT payload. */
int
proto_event_parse(const struct proc_msg *m, struct proto_event *pe,
    char *err, size_t errlen)
{
	const struct msg_event	*h;
	const char		*data = m->pm_data;

	if (m->pm_type != MSG_EVENT || m->pm_len < sizeof(*h)) {
		snprintf(err, errlen, "short event message");
		return -1;
	}
	memcpy(&pe->pe_hdr, data, sizeof(pe->pe_hdr));
	h = &pe->pe_hdr;
	if ((uint64_t)h->me_value_len + h->me_meta_len !=
	    m->pm_len - sizeof(*h)) {
		snprintf(err, errlen, "event lengths do not add up");
		return -1;
	}
	if (h->me_flags & ~EV_FLAGS_ALL) {
		snprintf(err, errlen, "unknown event flags 0x%x", h->me_flags);
		return -1;
	}
	if (memchr(h->me_port, '\0', sizeof(h->me_port)) == NULL ||
	    h->me_port[0] == '\0') {
		snprintf(err, errlen, "bad port in event");
		return -1;
	}
	pe->pe_value = data + sizeof(*h);
	pe->pe_meta = pe->pe_value + h->me_value_len;
	return 0;
}

/* Fill a name resolution request; -1 if a name is empty or does not fit. */
int
proto_resolve_req(struct msg_resolve_req *q, uint32_t id, int family,
    const char *host, const char *serv)
{
	memset(q, 0, sizeof(*q));
	q->mq_id = id;
	q->mq_family = family;
	if (host == NULL || *host == '\0' ||
	    strlcpy(q->mq_host, host, sizeof(q->mq_host)) >=
	    sizeof(q->mq_host))
		return -1;
	if (serv != NULL && strlcpy(q->mq_serv, serv, sizeof(q->mq_serv)) >=
	    sizeof(q->mq_serv))
		return -1;
	return 0;
}

/*
 * Check one datagram of a keyholder channel (MSG_KH_SIGN or MSG_KH_SIG):
 * the header, the struct and the data length agree, the data fits max.
 * 0 with the struct copied to st (stlen bytes) and *data set, or -1.
 */
static int
proto_kh_parse(const void *buf, size_t n, uint16_t type, void *st,
    size_t stlen, size_t lenoff, size_t max, const uint8_t **data)
{
	struct proc_hdr	 h;
	uint32_t	 len;

	if (n < sizeof(h) + stlen)
		return -1;
	memcpy(&h, buf, sizeof(h));
	memcpy(st, (const uint8_t *)buf + sizeof(h), stlen);
	memcpy(&len, (const uint8_t *)st + lenoff, sizeof(len));
	if (h.ph_type != type || h.ph_flags != 0 ||
	    h.ph_len != n - sizeof(h) || len != h.ph_len - stlen || len > max)
		return -1;
	*data = (const uint8_t *)buf + sizeof(h) + stlen;
	return 0;
}

/* A keyholder request: sizes as proto_kh_parse, a NUL-terminated digest
 * name; 0 or -1. */
int
proto_kh_sign_parse(const void *buf, size_t n, struct msg_kh_sign *q,
    const uint8_t **data)
{
	if (proto_kh_parse(buf, n, MSG_KH_SIGN, q, sizeof(*q),
	    offsetof(struct msg_kh_sign, ks_len), PROTO_KH_DATA_MAX, data) ==
	    -1 || memchr(q->ks_md, '\0', sizeof(q->ks_md)) == NULL)
		return -1;
	return 0;
}

/* A keyholder answer: sizes as proto_kh_parse; 0 or -1. */
int
proto_kh_sig_parse(const void *buf, size_t n, struct msg_kh_sig *a,
    const uint8_t **sig)
{
	return proto_kh_parse(buf, n, MSG_KH_SIG, a, sizeof(*a),
	    offsetof(struct msg_kh_sig, sg_len), PROTO_KH_SIG_MAX, sig);
}
