/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for common/proto.c: every message type has a name, events
 * are encoded as the contract says and malformed ones refused, name
 * resolution requests are bounded.
 */
#include "config.h"

#include <sys/socket.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "check.h"
#include "proc.h"
#include "proto.h"

/* Each range of enum msg_type: its first and last value. */
static const struct {
	unsigned int	 first, last, max;
} ranges[] = {
	{ MSG_CONFIG, MSG_KH_FORGET, MSG_CONTROL_DOWN_MAX },
	{ MSG_HELLO, MSG_DIAL_REQ, MSG_CONTROL_UP_MAX },
	{ MSG_EVENT, MSG_KH_SIG, MSG_ROUTE_MAX },
};

/* Names: every value of the enum named after itself, unique, others
 * "MSG_UNKNOWN(n)". */
static void
test_names(void)
{
	const char	*seen[64];
	char		 want[32];
	unsigned int	 t, r, n = 0, i;

	CHECK_STR(proto_msg_name(MSG_CONFIG), "MSG_CONFIG");
	CHECK_STR(proto_msg_name(MSG_EXIT_REQ), "MSG_EXIT_REQ");
	CHECK_STR(proto_msg_name(MSG_STREAM_END), "MSG_STREAM_END");
	CHECK_STR(proto_msg_name(0), "MSG_UNKNOWN(0)");
	CHECK_STR(proto_msg_name(65535), "MSG_UNKNOWN(65535)");
	for (r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
		CHECK(ranges[r].last - ranges[r].first < 64);
		for (t = ranges[r].first; t <= ranges[r].max; t++) {
			snprintf(want, sizeof(want), "MSG_UNKNOWN(%u)", t);
			if (t > ranges[r].last) {
				CHECK_STR(proto_msg_name(t), want);
				continue;
			}
			CHECK_MSG(strncmp(proto_msg_name(t), "MSG_", 4) == 0 &&
			    strcmp(proto_msg_name(t), want) != 0,
			    "type %u has no name", t);
			for (i = 0; i < n; i++)
				CHECK_MSG(strcmp(seen[i], proto_msg_name(t)) != 0,
				    "type %u: %s twice", t, seen[i]);
			if (n < 64)
				seen[n++] = proto_msg_name(t);
		}
	}
	CHECK_INT(n, 41);
}

/* Decoding: lengths, flags and the port are checked. */
static void
test_event_parse(void)
{
	struct msg_event	 ev;
	struct proto_event	 pe;
	struct proc_msg		 m;
	char			 buf[sizeof(ev) + 16], err[128];

	memset(&ev, 0, sizeof(ev));
	ev.me_stream = 7;
	ev.me_origin = 2;
	ev.me_flags = EV_STRING;
	ev.me_value_len = 3;
	ev.me_meta_len = 2;
	(void)strlcpy(ev.me_port, "in", sizeof(ev.me_port));
	memcpy(buf, &ev, sizeof(ev));
	memcpy(buf + sizeof(ev), "\xff\x00x{}", 5);
	m.pm_type = MSG_EVENT;
	m.pm_data = buf;
	m.pm_len = sizeof(ev) + 5;
	m.pm_fd = -1;
	CHECK(proto_event_parse(&m, &pe, err, sizeof(err)) == 0);
	CHECK_INT(pe.pe_hdr.me_stream, 7);
	CHECK(memcmp(pe.pe_value, "\xff\x00x", 3) == 0);
	CHECK(memcmp(pe.pe_meta, "{}", 2) == 0);
	m.pm_len = sizeof(ev) + 4;
	CHECK(proto_event_parse(&m, &pe, err, sizeof(err)) == -1);
	m.pm_len = sizeof(ev) - 1;
	CHECK(proto_event_parse(&m, &pe, err, sizeof(err)) == -1);
	m.pm_len = sizeof(ev) + 5;
	m.pm_type = MSG_CONFIG;
	CHECK(proto_event_parse(&m, &pe, err, sizeof(err)) == -1);
	m.pm_type = MSG_EVENT;
	((struct msg_event *)(void *)buf)->me_flags = 0x100;
	CHECK(proto_event_parse(&m, &pe, err, sizeof(err)) == -1);
	CHECK(strstr(err, "flags") != NULL);
	((struct msg_event *)(void *)buf)->me_flags = 0;
	memset(((struct msg_event *)(void *)buf)->me_port, 'x', PROTO_PORT_MAX);
	CHECK(proto_event_parse(&m, &pe, err, sizeof(err)) == -1);
	CHECK(strstr(err, "port") != NULL);
}

/* Never called: the test reads the other end of the socket itself. */
static void
ignore_cb(struct proc_peer *p, const struct proc_msg *m, void *arg)
{
	(void)p;
	(void)m;
	(void)arg;
}

/* Encoding: one message, header then value then metadata. */
static void
test_event_send(void)
{
	struct event_base	*base = event_base_new();
	struct proc_peer	*a;
	struct proc_hdr		 h;
	struct msg_event	 ev, got;
	char			 buf[sizeof(h) + sizeof(ev) + 16];
	int			 sv[2];
	ssize_t			 n;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	a = proc_peer_new(base, sv[0], "a", ignore_cb, NULL);
	memset(&ev, 0, sizeof(ev));
	ev.me_stream = 9;
	ev.me_value_len = 3;
	ev.me_meta_len = 2;
	(void)strlcpy(ev.me_port, "out", sizeof(ev.me_port));
	CHECK(proto_event_send(a, &ev, "\xff\x00x", "{}") == 0);
	CHECK(proc_flush(a) == 0);
	n = read(sv[1], buf, sizeof(buf));
	CHECK_INT(n, sizeof(h) + sizeof(ev) + 5);
	memcpy(&h, buf, sizeof(h));
	CHECK_INT(h.ph_type, MSG_EVENT);
	CHECK_INT(h.ph_len, sizeof(ev) + 5);
	CHECK_INT(h.ph_flags, 0);
	memcpy(&got, buf + sizeof(h), sizeof(got));
	CHECK_INT(got.me_stream, 9);
	CHECK(memcmp(buf + sizeof(h) + sizeof(ev), "\xff\x00x{}", 5) == 0);
	proc_peer_free(a);
	close(sv[1]);
	event_base_free(base);
}

/* Resolution requests: names must be there and fit. */
static void
test_resolve_req(void)
{
	struct msg_resolve_req	 q;
	char			 longname[PROTO_HOST_MAX + 10];

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK(proto_resolve_req(&q, 1, AF_INET, longname, "80") == -1);
	CHECK(proto_resolve_req(&q, 1, AF_INET, "", "80") == -1);
	CHECK(proto_resolve_req(&q, 1, AF_INET, NULL, "80") == -1);
	CHECK(proto_resolve_req(&q, 1, AF_INET, "h", longname) == -1);
	CHECK(proto_resolve_req(&q, 7, AF_INET6, "::1", NULL) == 0);
	CHECK_INT(q.mq_id, 7);
	CHECK_INT(q.mq_family, AF_INET6);
	CHECK_STR(q.mq_host, "::1");
	CHECK_STR(q.mq_serv, "");
}

/* A keyholder request of len data bytes into buf; its size. */
static size_t
kh_request(uint8_t *buf, size_t len)
{
	struct proc_hdr		 h;
	struct msg_kh_sign	 q;

	memset(&h, 0, sizeof(h));
	memset(&q, 0, sizeof(q));
	h.ph_type = MSG_KH_SIGN;
	h.ph_len = sizeof(q) + len;
	q.ks_seq = 7;
	q.ks_op = KH_SIGN_DIGEST;
	q.ks_len = len;
	(void)strlcpy(q.ks_md, "SHA256", sizeof(q.ks_md));
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), &q, sizeof(q));
	memset(buf + sizeof(h) + sizeof(q), 0xab, len);
	return sizeof(h) + sizeof(q) + len;
}

/* Keyholder datagrams: every length must agree, the data fit its bound. */
static void
test_kh_parse(void)
{
	static uint8_t		 buf[sizeof(struct proc_hdr) +
				    sizeof(struct msg_kh_sign) +
				    PROTO_KH_DATA_MAX + 8];
	struct proc_hdr		 h;
	struct msg_kh_sign	 q;
	struct msg_kh_sig	 a;
	const uint8_t		*data;
	size_t			 n, off = sizeof(h);

	n = kh_request(buf, 32);
	CHECK_INT(proto_kh_sign_parse(buf, n, &q, &data), 0);
	CHECK_INT(q.ks_seq, 7);
	CHECK(data == buf + sizeof(h) + sizeof(q) && data[31] == 0xab);
	n = kh_request(buf, 0);
	CHECK_INT(proto_kh_sign_parse(buf, n, &q, &data), 0);
	n = kh_request(buf, PROTO_KH_DATA_MAX);
	CHECK_INT(proto_kh_sign_parse(buf, n, &q, &data), 0);
	/* one byte more than the bound, lengths agreeing */
	n = kh_request(buf, PROTO_KH_DATA_MAX + 1);
	CHECK_INT(proto_kh_sign_parse(buf, n, &q, &data), -1);
	/* short, long, torn lengths */
	n = kh_request(buf, 32);
	CHECK_INT(proto_kh_sign_parse(buf, sizeof(h) + sizeof(q) - 1, &q,
	    &data), -1);
	CHECK_INT(proto_kh_sign_parse(buf, n - 1, &q, &data), -1);
	CHECK_INT(proto_kh_sign_parse(buf, n + 1, &q, &data), -1);
	CHECK_INT(proto_kh_sign_parse(buf, 0, &q, &data), -1);
	buf[off + offsetof(struct msg_kh_sign, ks_len)]++;
	CHECK_INT(proto_kh_sign_parse(buf, n, &q, &data), -1);
	/* another type, flags, an unterminated digest name */
	n = kh_request(buf, 32);
	buf[offsetof(struct proc_hdr, ph_type)] = MSG_KH_SIG & 0xff;
	CHECK_INT(proto_kh_sign_parse(buf, n, &q, &data), -1);
	n = kh_request(buf, 32);
	buf[offsetof(struct proc_hdr, ph_flags)] = 1;
	CHECK_INT(proto_kh_sign_parse(buf, n, &q, &data), -1);
	n = kh_request(buf, 32);
	memset(buf + off + offsetof(struct msg_kh_sign, ks_md), 'A',
	    PROTO_KH_MD_MAX);
	CHECK_INT(proto_kh_sign_parse(buf, n, &q, &data), -1);
	/* an answer is not a request, nor the other way */
	n = kh_request(buf, 32);
	CHECK_INT(proto_kh_sig_parse(buf, n, &a, &data), -1);
	memset(&h, 0, sizeof(h));
	memset(&a, 0, sizeof(a));
	h.ph_type = MSG_KH_SIG;
	h.ph_len = sizeof(a) + 64;
	a.sg_ok = 1;
	a.sg_len = 64;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), &a, sizeof(a));
	n = sizeof(h) + sizeof(a) + 64;
	CHECK_INT(proto_kh_sig_parse(buf, n, &a, &data), 0);
	CHECK_INT(proto_kh_sign_parse(buf, n, &q, &data), -1);
	h.ph_len = sizeof(a) + PROTO_KH_SIG_MAX + 1;
	a.sg_len = PROTO_KH_SIG_MAX + 1;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), &a, sizeof(a));
	CHECK_INT(proto_kh_sig_parse(buf, sizeof(h) + sizeof(a) +
	    PROTO_KH_SIG_MAX + 1, &a, &data), -1);
}

int
main(void)
{
	test_names();
	test_event_parse();
	test_event_send();
	test_resolve_req();
	test_kh_parse();
	return check_done();
}
