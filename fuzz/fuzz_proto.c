/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the message checks a process applies to bytes
 * another process sent: the frame header (proc_hdr_parse) and a MSG_EVENT
 * payload (proto_event_parse), and the keyholder's datagrams
 * (proto_kh_sign_parse, proto_kh_sig_parse).  An accepted event's value
 * and metadata must lie inside the payload and add up to it; an accepted
 * datagram's data must end where it ends, within its bound; every type
 * has a name.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The keyholder's checks of a request and of an answer. */
static void
fuzz_kh(const uint8_t *data, size_t len)
{
	struct msg_kh_sign	 q;
	struct msg_kh_sig	 a;
	const uint8_t		*d;

	if (proto_kh_sign_parse(data, len, &q, &d) == 0 &&
	    (q.ks_len > PROTO_KH_DATA_MAX || d + q.ks_len != data + len ||
	    memchr(q.ks_md, '\0', sizeof(q.ks_md)) == NULL))
		abort();
	if (proto_kh_sig_parse(data, len, &a, &d) == 0 &&
	    (a.sg_len > PROTO_KH_SIG_MAX || d + a.sg_len != data + len))
		abort();
}

/* One input: a header, then (whatever the header says) an event payload. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct proc_hdr		 h;
	struct proto_event	 pe;
	struct proc_msg		 m;
	char			 err[128];
	const char		*base;
	int			 r;

	fuzz_kh(data, len);
	r = proc_hdr_parse(data, len, &h, err, sizeof(err));
	if (r == 1 && (h.ph_type == 0 || h.ph_len > PROC_MAX_PAYLOAD ||
	    (h.ph_flags & ~PROC_F_ALL)))
		abort();
	if (r == 1 && proto_msg_name(h.ph_type)[0] == '\0')
		abort();
	memset(&m, 0, sizeof(m));
	m.pm_type = MSG_EVENT;
	m.pm_data = data;
	m.pm_len = (uint32_t)len;
	m.pm_fd = -1;
	if (len > UINT32_MAX ||
	    proto_event_parse(&m, &pe, err, sizeof(err)) == -1)
		return 0;
	base = (const char *)data;
	if (pe.pe_value != base + sizeof(struct msg_event) ||
	    pe.pe_meta != pe.pe_value + pe.pe_hdr.me_value_len ||
	    pe.pe_meta + pe.pe_hdr.me_meta_len != base + len ||
	    memchr(pe.pe_hdr.me_port, '\0', sizeof(pe.pe_hdr.me_port)) == NULL)
		abort();
	return 0;
}
