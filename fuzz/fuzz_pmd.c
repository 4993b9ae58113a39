/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for permessage-deflate (common/pmd.c): the input is
 * a Sec-WebSocket-Extensions value for the server's negotiation and the
 * client's check (every answer our server builds must satisfy a client
 * that offered everything), then deflate data for the inflater under a
 * small limit, fed in pieces the input chooses.  Whatever inflates must
 * deflate and inflate back to the same bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pmd.h"

#define FZ_LIMIT	65536

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Negotiation: the header half of the input. */
static void
fz_negotiate(uint8_t sel, const char *h, size_t n)
{
	struct pmd_config	 c, any;
	struct pmd_params	 pp, cp;
	char			 resp[PMD_RESPONSE_MAX];
	int			 r;

	pmd_config_default(&c);
	c.pc_enabled = 1;
	c.pc_server_no_context_takeover = sel & 1;
	c.pc_client_no_context_takeover = (sel >> 1) & 1;
	c.pc_server_max_window_bits = 8 + ((sel >> 2) & 7);
	c.pc_client_max_window_bits = 15 - ((sel >> 5) & 7);
	r = pmd_server_negotiate(&c, h, n, &pp, resp, sizeof(resp));
	if (r == PMD_OK) {
		pmd_config_default(&any);
		any.pc_enabled = 1;
		if (pmd_client_accept(&any, resp, strlen(resp), &cp) !=
		    PMD_OK || cp.pp_server_max_window_bits !=
		    pp.pp_server_max_window_bits ||
		    cp.pp_server_no_context_takeover !=
		    pp.pp_server_no_context_takeover)
			abort();
		if (pp.pp_server_max_window_bits >
		    c.pc_server_max_window_bits ||
		    pp.pp_client_max_window_bits >
		    c.pc_client_max_window_bits)
			abort();
	} else if (r != PMD_NONE && r != PMD_ERR_SYNTAX)
		abort();
	(void)pmd_client_accept(&c, h, n, &cp);
}

/* Deflate what was inflated and inflate it again: same bytes. */
static void
fz_round_trip(const struct pmd_params *pp, const struct buf *m)
{
	struct pmd	*tx, *rx;
	struct buf	 z, out;

	tx = pmd_new(pp, WS_ROLE_SERVER, -1);
	rx = pmd_new(pp, WS_ROLE_CLIENT, -1);
	if (tx == NULL || rx == NULL)
		abort();
	buf_init(&z, 0);
	buf_init(&out, 0);
	if (pmd_deflate(tx, m->bf_data, m->bf_len, 1, &z) != PMD_OK ||
	    pmd_inflate(rx, z.bf_data, z.bf_len, 1, FZ_LIMIT, &out) !=
	    PMD_OK || out.bf_len != m->bf_len ||
	    (m->bf_len > 0 && memcmp(out.bf_data, m->bf_data, m->bf_len)))
		abort();
	pmd_free(tx);
	pmd_free(rx);
	buf_free(&z);
	buf_free(&out);
}

/* Inflate: the data half, two messages, in pieces of sel-chosen size. */
static void
fz_inflate(uint8_t sel, const uint8_t *d, size_t n)
{
	struct pmd_params	 pp;
	struct pmd		*pm;
	struct buf		 out;
	size_t			 off = 0, k, piece = 1 + (sel >> 4) * 7;
	int			 r = PMD_OK, msg;

	pp.pp_server_no_context_takeover = sel & 1;
	pp.pp_client_no_context_takeover = (sel >> 1) & 1;
	pp.pp_server_max_window_bits = (sel & 4) ? 8 + (sel >> 4) % 8 : 15;
	pp.pp_client_max_window_bits = 15;
	if ((pm = pmd_new(&pp, WS_ROLE_CLIENT, -1)) == NULL)
		abort();
	buf_init(&out, 0);
	for (msg = 0; msg < 2 && r == PMD_OK; msg++) {
		buf_reset(&out);
		/* The first message takes half the data, the second all. */
		while (r == PMD_OK) {
			k = n - off < piece ? n - off : piece;
			if (msg == 0 && off + k > n / 2)
				k = n / 2 - off;
			off += k;
			r = pmd_inflate(pm, d + off - k, k,
			    msg == 0 ? off == n / 2 : off == n, FZ_LIMIT, &out);
			if (msg == 0 ? off == n / 2 : off == n)
				break;
		}
		if (out.bf_len > FZ_LIMIT + 1 ||
		    (r == PMD_OK && out.bf_len > FZ_LIMIT))
			abort();
		if (r == PMD_OK)
			fz_round_trip(&pp, &out);
		else if (r != PMD_ERR_DATA && r != PMD_ERR_TOO_BIG)
			abort();
		if (pmd_memory(pm) > pmd_memory_peak(pm))
			abort();
	}
	pmd_free(pm);
	buf_free(&out);
}

/*
 * Byte 0 chooses the configuration, byte 1 the parameters and pieces;
 * up to the first NUL is the header, the rest deflate data.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*nul;
	size_t		 hl;

	if (size < 2)
		return 0;
	nul = memchr(data + 2, '\0', size - 2);
	hl = nul != NULL ? (size_t)(nul - data) - 2 : size - 2;
	fz_negotiate(data[0], (const char *)data + 2, hl);
	if (nul != NULL)
		fz_inflate(data[1], nul + 1, size - 2 - hl - 1);
	return 0;
}
