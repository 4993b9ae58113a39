/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for permessage-deflate (common/pmd.c): offer parsing and
 * negotiation in both roles (RFC 7692 5 and 7.1, the RFC's examples,
 * browsers' offers, bad and repeated parameters, quoted values), the
 * codec (the RFC's 7.2.3 examples, round trips with and without context
 * takeover at several window sizes, inflate split at every byte, the
 * empty message, a decompression bomb, invalid streams, Python zlib
 * fixtures) and the memory figures against what zlib really allocates.
 * "test_pmd interop FILE" and "test_pmd server|client|offer ..." are
 * the C half of test_pmd_interop.sh.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "pmd.h"
#include "pmd_vectors.h"

/* A configuration: compression on with the given knobs. */
static struct pmd_config
cfg(int snct, int cnct, int sbits, int cbits)
{
	struct pmd_config	 c;

	pmd_config_default(&c);
	c.pc_enabled = 1;
	c.pc_server_no_context_takeover = snct;
	c.pc_client_no_context_takeover = cnct;
	c.pc_server_max_window_bits = sbits;
	c.pc_client_max_window_bits = cbits;
	return c;
}

/* The agreed parameters must be want (snct, cnct, sbits, cbits). */
static void
check_params(const char *hdr, const struct pmd_params *pp,
    const int want[4])
{
	CHECK_MSG(pp->pp_server_no_context_takeover == want[0] &&
	    pp->pp_client_no_context_takeover == want[1] &&
	    pp->pp_server_max_window_bits == want[2] &&
	    pp->pp_client_max_window_bits == want[3],
	    "\"%s\": agreed %d %d %d %d", hdr,
	    pp->pp_server_no_context_takeover,
	    pp->pp_client_no_context_takeover,
	    pp->pp_server_max_window_bits, pp->pp_client_max_window_bits);
}

struct srv_case {
	const char	*s_hdr;
	int		 s_cfg[4];	/* snct, cnct, sbits, cbits */
	int		 s_ret;
	const char	*s_resp;
	int		 s_pp[4];	/* agreed, when PMD_OK */
};

#define D	{ 0, 0, 15, 15 }
#define PD	"permessage-deflate"

/* The server's choice and answer. */
static void
test_server(void)
{
	static const struct srv_case cases[] = {
		/* Browsers' default offer (Chromium, Firefox). */
		{ PD "; client_max_window_bits", D, PMD_OK, PD,
		  { 0, 0, 15, 15 } },
		{ PD, D, PMD_OK, PD, { 0, 0, 15, 15 } },
		{ "", D, PMD_NONE, "", { 0 } },
		{ "x-webkit-deflate-frame", D, PMD_NONE, "", { 0 } },
		/* RFC 7692 5.2 examples. */
		{ PD "; client_max_window_bits=10, " PD, D, PMD_OK,
		  PD "; client_max_window_bits=10", { 0, 0, 15, 10 } },
		{ PD "; server_max_window_bits=10, " PD, D, PMD_OK,
		  PD "; server_max_window_bits=10", { 0, 0, 10, 15 } },
		{ PD "; server_no_context_takeover", D, PMD_OK,
		  PD "; server_no_context_takeover", { 1, 0, 15, 15 } },
		{ PD "; client_no_context_takeover", D, PMD_OK,
		  PD "; client_no_context_takeover", { 0, 1, 15, 15 } },
		/* Server configuration limits. */
		{ PD "; client_max_window_bits", { 0, 0, 15, 10 }, PMD_OK,
		  PD "; client_max_window_bits=10", { 0, 0, 15, 10 } },
		{ PD "; client_max_window_bits=12", { 0, 0, 15, 10 }, PMD_OK,
		  PD "; client_max_window_bits=10", { 0, 0, 15, 10 } },
		{ PD "; client_max_window_bits=9", { 0, 0, 15, 10 }, PMD_OK,
		  PD "; client_max_window_bits=9", { 0, 0, 15, 9 } },
		/* No client_max_window_bits: cannot limit it, decline. */
		{ PD, { 0, 0, 15, 10 }, PMD_NONE, "", { 0 } },
		{ PD ", " PD "; client_max_window_bits", { 0, 0, 15, 10 },
		  PMD_OK, PD "; client_max_window_bits=10",
		  { 0, 0, 15, 10 } },
		{ PD, { 0, 0, 11, 15 }, PMD_OK,
		  PD "; server_max_window_bits=11", { 0, 0, 11, 15 } },
		{ PD "; server_max_window_bits=12", { 0, 0, 11, 15 }, PMD_OK,
		  PD "; server_max_window_bits=11", { 0, 0, 11, 15 } },
		{ PD "; server_max_window_bits=8", D, PMD_OK,
		  PD "; server_max_window_bits=8", { 0, 0, 8, 15 } },
		{ PD, { 1, 1, 15, 15 }, PMD_OK, PD
		  "; server_no_context_takeover; client_no_context_takeover",
		  { 1, 1, 15, 15 } },
		/* Every parameter at once, in any case, with odd spacing. */
		{ "  PerMessage-Deflate ;Server_No_Context_Takeover;"
		  "client_no_context_takeover ; server_max_window_bits = 9 ;"
		  "\tCLIENT_MAX_WINDOW_BITS=\"8\"  ", D, PMD_OK,
		  PD "; server_no_context_takeover; client_no_context_takeover"
		  "; server_max_window_bits=9; client_max_window_bits=8",
		  { 1, 1, 9, 8 } },
		/* Quoted values (7.1: the unescaped value must conform). */
		{ PD "; server_max_window_bits=\"10\"", D, PMD_OK,
		  PD "; server_max_window_bits=10", { 0, 0, 10, 15 } },
		{ PD "; server_max_window_bits=\"1\\0\"", D, PMD_OK,
		  PD "; server_max_window_bits=10", { 0, 0, 10, 15 } },
		{ PD "; server_max_window_bits=\"10 \"", D, PMD_NONE, "",
		  { 0 } },
		/* Bad offers are declined; the next one is taken. */
		{ PD "; server_max_window_bits=7, " PD, D, PMD_OK, PD,
		  { 0, 0, 15, 15 } },
		{ PD "; server_max_window_bits=16", D, PMD_NONE, "", { 0 } },
		{ PD "; server_max_window_bits=010", D, PMD_NONE, "", { 0 } },
		{ PD "; server_max_window_bits=09", D, PMD_NONE, "", { 0 } },
		{ PD "; server_max_window_bits", D, PMD_NONE, "", { 0 } },
		{ PD "; server_max_window_bits=", D, PMD_ERR_SYNTAX, "",
		  { 0 } },
		{ PD "; server_max_window_bits=\"\"", D, PMD_NONE, "", { 0 } },
		{ PD "; server_max_window_bits=123456789012345678901", D,
		  PMD_NONE, "", { 0 } },
		{ PD "; client_max_window_bits=abc", D, PMD_NONE, "", { 0 } },
		{ PD "; server_no_context_takeover=1", D, PMD_NONE, "",
		  { 0 } },
		{ PD "; client_no_context_takeover=\"\"", D, PMD_NONE, "",
		  { 0 } },
		{ PD "; server_no_context_takeover; "
		  "server_no_context_takeover", D, PMD_NONE, "", { 0 } },
		{ PD "; client_max_window_bits; client_max_window_bits=10",
		  D, PMD_NONE, "", { 0 } },
		{ PD "; server_max_window_bits=10; server_max_window_bits=10",
		  D, PMD_NONE, "", { 0 } },
		{ PD "; foo", D, PMD_NONE, "", { 0 } },
		{ PD "; foo, " PD "; client_no_context_takeover", D, PMD_OK,
		  PD "; client_no_context_takeover", { 0, 1, 15, 15 } },
		/* Another extension's parameters are not ours to judge. */
		{ "x-foo; server_max_window_bits=99; a=\"b,c\", " PD, D,
		  PMD_OK, PD, { 0, 0, 15, 15 } },
		/* Several headers joined, empty list elements. */
		{ ", ," PD " ,, ", D, PMD_OK, PD, { 0, 0, 15, 15 } },
		{ ",", D, PMD_NONE, "", { 0 } },
		/* Grammar errors: the whole header is ignored. */
		{ PD ";", D, PMD_ERR_SYNTAX, "", { 0 } },
		{ PD "; ; server_no_context_takeover", D, PMD_ERR_SYNTAX, "",
		  { 0 } },
		{ PD " server_no_context_takeover", D, PMD_ERR_SYNTAX, "",
		  { 0 } },
		{ PD "; a=\"unterminated", D, PMD_ERR_SYNTAX, "", { 0 } },
		{ PD "; a=\"bad\\", D, PMD_ERR_SYNTAX, "", { 0 } },
		{ PD "; a=\"ctl\x01\"", D, PMD_ERR_SYNTAX, "", { 0 } },
		{ PD "; a=b c", D, PMD_ERR_SYNTAX, "", { 0 } },
		{ PD ", x=y", D, PMD_ERR_SYNTAX, "", { 0 } },
		{ "\"" PD "\"", D, PMD_ERR_SYNTAX, "", { 0 } },
		{ PD "; a=b, \x80", D, PMD_ERR_SYNTAX, "", { 0 } },
	};
	struct pmd_config	 c;
	struct pmd_params	 pp;
	char			 resp[PMD_RESPONSE_MAX];
	size_t			 i;
	int			 r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct srv_case *k = &cases[i];

		c = cfg(k->s_cfg[0], k->s_cfg[1], k->s_cfg[2], k->s_cfg[3]);
		memset(&pp, 0xff, sizeof(pp));
		r = pmd_server_negotiate(&c, k->s_hdr, strlen(k->s_hdr), &pp,
		    resp, sizeof(resp));
		CHECK_MSG(r == k->s_ret, "\"%s\": got %s, want %s", k->s_hdr,
		    pmd_strerror(r), pmd_strerror(k->s_ret));
		CHECK_MSG(strcmp(resp, k->s_resp) == 0,
		    "\"%s\": answer \"%s\", want \"%s\"", k->s_hdr, resp,
		    k->s_resp);
		if (r != PMD_OK || k->s_ret != PMD_OK)
			continue;
		check_params(k->s_hdr, &pp, k->s_pp);
	}
	/* Disabled: never negotiated. */
	pmd_config_default(&c);
	CHECK_INT(pmd_server_negotiate(&c, PD, strlen(PD), &pp, resp,
	    sizeof(resp)), PMD_NONE);
	/* The length bounds the value: no NUL needed. */
	c = cfg(0, 0, 15, 15);
	CHECK_INT(pmd_server_negotiate(&c, PD "; foo", strlen(PD), &pp,
	    resp, sizeof(resp)), PMD_OK);
	/* An answer that does not fit is not sent. */
	CHECK_INT(pmd_server_negotiate(&c, PD, strlen(PD), &pp, resp, 10),
	    PMD_NONE);
	CHECK(resp[0] == '\0');
}

struct cli_case {
	const char	*c_hdr;
	int		 c_cfg[4];
	int		 c_ret;
	int		 c_pp[4];
};

/* The client's offer, and its check of the answer. */
static void
test_client(void)
{
	static const struct cli_case cases[] = {
		{ "", D, PMD_NONE, { 0 } },
		{ " , ", D, PMD_NONE, { 0 } },
		{ PD, D, PMD_OK, { 0, 0, 15, 15 } },
		{ "PERMESSAGE-DEFLATE", D, PMD_OK, { 0, 0, 15, 15 } },
		{ PD "; server_no_context_takeover", D, PMD_OK,
		  { 1, 0, 15, 15 } },
		{ PD "; client_no_context_takeover", D, PMD_OK,
		  { 0, 1, 15, 15 } },
		{ PD "; server_max_window_bits=10", D, PMD_OK,
		  { 0, 0, 10, 15 } },
		{ PD "; client_max_window_bits=\"9\"", D, PMD_OK,
		  { 0, 0, 15, 9 } },
		{ PD, { 0, 1, 15, 15 }, PMD_OK, { 0, 1, 15, 15 } },
		{ PD, { 0, 0, 15, 10 }, PMD_OK, { 0, 0, 15, 10 } },
		{ PD "; client_max_window_bits=9", { 0, 0, 15, 10 }, PMD_OK,
		  { 0, 0, 15, 9 } },
		{ PD "; server_max_window_bits=9", { 0, 0, 10, 15 }, PMD_OK,
		  { 0, 0, 9, 15 } },
		{ PD "; server_no_context_takeover", { 1, 0, 15, 15 }, PMD_OK,
		  { 1, 0, 15, 15 } },
		/* Failures: the client fails the connection. */
		{ "x-foo", D, PMD_ERR_UNOFFERED, { 0 } },
		{ PD ", x-foo", D, PMD_ERR_UNOFFERED, { 0 } },
		{ PD ", " PD, D, PMD_ERR_DUPLICATE, { 0 } },
		{ PD "; foo", D, PMD_ERR_PARAM, { 0 } },
		{ PD "; server_no_context_takeover=1", D, PMD_ERR_PARAM,
		  { 0 } },
		{ PD "; client_no_context_takeover; "
		  "client_no_context_takeover", D, PMD_ERR_DUPLICATE, { 0 } },
		{ PD "; server_max_window_bits=16", D, PMD_ERR_VALUE, { 0 } },
		{ PD "; client_max_window_bits", D, PMD_ERR_VALUE, { 0 } },
		{ PD "; server_max_window_bits=11", { 0, 0, 10, 15 },
		  PMD_ERR_WINDOW, { 0 } },
		{ PD, { 0, 0, 10, 15 }, PMD_ERR_WINDOW, { 0 } },
		{ PD "; client_max_window_bits=11", { 0, 0, 15, 10 },
		  PMD_ERR_WINDOW, { 0 } },
		{ PD, { 1, 0, 15, 15 }, PMD_ERR_CONTEXT, { 0 } },
		{ PD ";", D, PMD_ERR_SYNTAX, { 0 } },
	};
	struct pmd_config	 c;
	struct pmd_params	 pp;
	char			 o[PMD_RESPONSE_MAX];
	size_t			 i;
	int			 r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct cli_case *k = &cases[i];

		c = cfg(k->c_cfg[0], k->c_cfg[1], k->c_cfg[2], k->c_cfg[3]);
		r = pmd_client_accept(&c, k->c_hdr, strlen(k->c_hdr), &pp);
		CHECK_MSG(r == k->c_ret, "\"%s\": got %s, want %s", k->c_hdr,
		    pmd_strerror(r), pmd_strerror(k->c_ret));
		if (r != PMD_OK || k->c_ret != PMD_OK)
			continue;
		check_params(k->c_hdr, &pp, k->c_pp);
	}
	/* Compression off: any extension in the answer fails. */
	pmd_config_default(&c);
	CHECK_INT(pmd_client_accept(&c, PD, strlen(PD), &pp),
	    PMD_ERR_UNOFFERED);
	CHECK_INT(pmd_client_accept(&c, "", 0, &pp), PMD_NONE);
	CHECK_INT(pmd_client_offer(&c, o, sizeof(o)), PMD_ERR_INVAL);

	c = cfg(0, 0, 15, 15);
	CHECK_INT(pmd_client_offer(&c, o, sizeof(o)), PMD_OK);
	CHECK_MSG(strcmp(o, PD "; client_max_window_bits") == 0, "%s", o);
	c = cfg(1, 1, 10, 9);
	CHECK_INT(pmd_client_offer(&c, o, sizeof(o)), PMD_OK);
	CHECK_MSG(strcmp(o, PD "; server_no_context_takeover; "
	    "client_no_context_takeover; server_max_window_bits=10; "
	    "client_max_window_bits=9") == 0, "%s", o);
	CHECK_INT(pmd_client_offer(&c, o, 20), PMD_ERR_INVAL);
	c.pc_level = 10;
	CHECK_INT(pmd_client_offer(&c, o, sizeof(o)), PMD_ERR_INVAL);

	/* Our own offer, answered by our own server, accepted by us. */
	{
		struct pmd_config	 sc = cfg(0, 1, 12, 11);
		struct pmd_params	 sp;
		char			 resp[PMD_RESPONSE_MAX];

		c = cfg(1, 0, 13, 15);
		CHECK_INT(pmd_client_offer(&c, o, sizeof(o)), PMD_OK);
		CHECK_INT(pmd_server_negotiate(&sc, o, strlen(o), &sp, resp,
		    sizeof(resp)), PMD_OK);
		CHECK_INT(pmd_client_accept(&c, resp, strlen(resp), &pp),
		    PMD_OK);
		CHECK(memcmp(&sp, &pp, sizeof(sp)) == 0);
		CHECK(sp.pp_server_no_context_takeover &&
		    sp.pp_client_no_context_takeover &&
		    sp.pp_server_max_window_bits == 12 &&
		    sp.pp_client_max_window_bits == 11);
	}
}

/* Parameters for a codec test. */
static struct pmd_params
params(int snct, int cnct, int sbits, int cbits)
{
	struct pmd_params	 p;

	p.pp_server_no_context_takeover = snct;
	p.pp_client_no_context_takeover = cnct;
	p.pp_server_max_window_bits = sbits;
	p.pp_client_max_window_bits = cbits;
	return p;
}

/* Inflate one whole message; returns the PMD_* result. */
static int
inflate1(struct pmd *pm, const void *z, size_t n, size_t limit,
    struct buf *out)
{
	buf_reset(out);
	return pmd_inflate(pm, z, n, 1, limit, out);
}

/* RFC 7692 7.2.3: the examples, inflated. */
static void
test_rfc_examples(void)
{
	static const uint8_t hello[] = { 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07,
	    0x00 };
	static const uint8_t again[] = { 0xf2, 0x00, 0x11, 0x00, 0x00 };
	static const uint8_t stored[] = { 0x00, 0x05, 0x00, 0xfa, 0xff,
	    0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00 };
	static const uint8_t bfinal[] = { 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07,
	    0x00, 0x00 };
	static const uint8_t two[] = { 0xf2, 0x48, 0x05, 0x00, 0x00, 0x00,
	    0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00 };
	struct pmd_params	 p = params(0, 0, 15, 15);
	struct pmd		*pm;
	struct buf		 out;

	buf_init(&out, 0);
	pm = pmd_new(&p, WS_ROLE_CLIENT, -1);
	CHECK(pm != NULL);
	/* 7.2.3.1, fragmented across two frames. */
	CHECK_INT(pmd_inflate(pm, hello, 3, 0, 100, &out), PMD_OK);
	CHECK_INT(pmd_inflate(pm, hello + 3, 4, 1, 100, &out), PMD_OK);
	CHECK(out.bf_len == 5 && memcmp(out.bf_data, "Hello", 5) == 0);
	/* 7.2.3.2: the second "Hello" uses the first's window. */
	CHECK_INT(inflate1(pm, again, sizeof(again), 100, &out), PMD_OK);
	CHECK_STR(out.bf_data, "Hello");
	CHECK_INT(inflate1(pm, stored, sizeof(stored), 100, &out), PMD_OK);
	CHECK_STR(out.bf_data, "Hello");
	/* 7.2.3.4 (BFINAL), then the window still serves the next one. */
	CHECK_INT(inflate1(pm, bfinal, sizeof(bfinal), 100, &out), PMD_OK);
	CHECK_STR(out.bf_data, "Hello");
	CHECK_INT(inflate1(pm, again, sizeof(again), 100, &out), PMD_OK);
	CHECK_STR(out.bf_data, "Hello");
	CHECK_INT(inflate1(pm, two, sizeof(two), 100, &out), PMD_OK);
	CHECK_STR(out.bf_data, "Hello");
	/* 7.2.3.6: the empty message, and no payload at all. */
	CHECK_INT(inflate1(pm, "", 1, 100, &out), PMD_OK);
	CHECK_INT(out.bf_len, 0);
	CHECK_INT(inflate1(pm, "", 0, 100, &out), PMD_OK);
	CHECK_INT(out.bf_len, 0);
	pmd_free(pm);
	pmd_free(NULL);

	/* Our output for the same: 7.2.3.1, 7.2.3.2 and 7.2.3.6. */
	pm = pmd_new(&p, WS_ROLE_SERVER, -1);
	CHECK_INT(pmd_deflate(pm, "Hello", 5, 1, &out), PMD_OK);
	CHECK(out.bf_len == sizeof(hello) &&
	    memcmp(out.bf_data, hello, sizeof(hello)) == 0);
	buf_reset(&out);
	CHECK_INT(pmd_deflate(pm, "Hello", 5, 1, &out), PMD_OK);
	CHECK(out.bf_len == sizeof(again) &&
	    memcmp(out.bf_data, again, sizeof(again)) == 0);
	buf_reset(&out);
	CHECK_INT(pmd_deflate(pm, "", 0, 1, &out), PMD_OK);
	CHECK(out.bf_len == 1 && out.bf_data[0] == '\0');
	pmd_free(pm);
	buf_free(&out);
}

/* Fill n bytes of JSON-like text, varied by seed. */
static void
fill_text(char *d, size_t n, unsigned seed)
{
	static const char *const w[] = { "{\"event\":", "\"click\"",
	    ",\"user\":", "\"alice\"", ",\"id\":", "12345", "}\n", "[1,2]" };
	size_t	 i = 0, k;

	while (i < n) {
		seed = seed * 1103515245u + 12345u;
		k = strlen(w[(seed >> 16) % 8]);
		if (k > n - i)
			k = n - i;
		memcpy(d + i, w[(seed >> 16) % 8], k);
		i += k;
	}
}

/* Fill n pseudo-random (incompressible) bytes. */
static void
fill_random(uint8_t *d, size_t n, unsigned seed)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		d[i] = (uint8_t)(seed >> 16);
	}
}

/*
 * Send messages from one role to the other with the given parameters;
 * every message must come back whole, and with context takeover a
 * repeated message must shrink.
 */
static void
round_trip(const struct pmd_params *p, enum ws_role from)
{
	static char	 text[70000];
	static uint8_t	 rnd[40000];
	const struct {
		const void	*m;
		size_t		 n;
	} msgs[] = {
		{ text, 1000 }, { text, 1000 }, { "", 0 }, { text, 70000 },
		{ rnd, 40000 }, { "x", 1 }, { text + 5, 3000 }, { text, 1000 },
	};
	struct pmd	*tx, *rx;
	struct buf	 z, out;
	size_t		 i, first = 0, k;
	int		 takeover, bits, r;

	takeover = from == WS_ROLE_SERVER ? !p->pp_server_no_context_takeover :
	    !p->pp_client_no_context_takeover;
	bits = from == WS_ROLE_SERVER ? p->pp_server_max_window_bits :
	    p->pp_client_max_window_bits;
	fill_text(text, sizeof(text), 7);
	fill_random(rnd, sizeof(rnd), 9);
	tx = pmd_new(p, from, 6);
	rx = pmd_new(p, from == WS_ROLE_SERVER ? WS_ROLE_CLIENT :
	    WS_ROLE_SERVER, -1);
	CHECK(tx != NULL && rx != NULL);
	buf_init(&z, 0);
	buf_init(&out, 0);
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		buf_reset(&z);
		/* Deflate in three pieces when there is something to cut. */
		k = msgs[i].n / 3;
		r = pmd_deflate(tx, msgs[i].m, k, 0, &z);
		r |= pmd_deflate(tx, (const char *)msgs[i].m + k, k, 0, &z);
		r |= pmd_deflate(tx, (const char *)msgs[i].m + 2 * k,
		    msgs[i].n - 2 * k, 1, &z);
		CHECK_INT(r, PMD_OK);
		if (i == 0)
			first = z.bf_len;
		/* A window under 1 KB cannot reach the whole first one. */
		if (i == 1)
			CHECK_MSG(!takeover ? z.bf_len == first : bits < 11 ?
			    z.bf_len < first : z.bf_len < first / 4,
			    "takeover %d: %zu then %zu", takeover, first,
			    z.bf_len);
		r = inflate1(rx, z.bf_data, z.bf_len, 1 << 20, &out);
		CHECK_MSG(r == PMD_OK && out.bf_len == msgs[i].n &&
		    memcmp(out.bf_data, msgs[i].m, msgs[i].n) == 0,
		    "bits %d/%d message %zu: %s, %zu bytes",
		    p->pp_server_max_window_bits,
		    p->pp_client_max_window_bits, i, pmd_strerror(r),
		    out.bf_len);
		/* Streams are dropped between messages without takeover. */
		if (!takeover)
			CHECK_INT(pmd_memory(tx), 0);
	}
	pmd_free(tx);
	pmd_free(rx);
	buf_free(&z);
	buf_free(&out);
}

/* Round trips both ways at several window sizes, with and without
 * context takeover. */
static void
test_round_trips(void)
{
	static const int	 bits[] = { 8, 9, 10, 12, 15 };
	struct pmd_params	 p;
	size_t			 i;
	int			 nct;

	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		for (nct = 0; nct < 2; nct++) {
			p = params(nct, nct, bits[i], 15 - (int)i);
			round_trip(&p, WS_ROLE_SERVER);
			round_trip(&p, WS_ROLE_CLIENT);
		}
	/* Level 0 (stored blocks) and 9. */
	p = params(0, 0, 15, 15);
	{
		struct pmd	*a = pmd_new(&p, WS_ROLE_SERVER, 0);
		struct pmd	*b = pmd_new(&p, WS_ROLE_CLIENT, 9);
		struct buf	 z, out;

		buf_init(&z, 0);
		buf_init(&out, 0);
		CHECK_INT(pmd_deflate(a, "aaaaaaaaaaaaaaaa", 16, 1, &z), 0);
		CHECK(z.bf_len > 16);
		CHECK_INT(inflate1(b, z.bf_data, z.bf_len, 16, &out), PMD_OK);
		CHECK_STR(out.bf_data, "aaaaaaaaaaaaaaaa");
		pmd_free(a);
		pmd_free(b);
		buf_free(&z);
		buf_free(&out);
	}
	CHECK(pmd_new(&p, WS_ROLE_SERVER, 10) == NULL);
	p.pp_client_max_window_bits = 7;
	CHECK(pmd_new(&p, WS_ROLE_SERVER, -1) == NULL);
}

/* Inflate split at every byte, and one byte at a time. */
static void
test_splits(void)
{
	struct pmd_params	 p = params(0, 0, 15, 15);
	struct pmd		*tx, *rx;
	struct buf		 z1, z2, out;
	char			 text[600];
	size_t			 s, i;
	int			 r, bad = 0;

	fill_text(text, sizeof(text), 3);
	buf_init(&z1, 0);
	buf_init(&z2, 0);
	buf_init(&out, 0);
	tx = pmd_new(&p, WS_ROLE_CLIENT, -1);
	CHECK_INT(pmd_deflate(tx, text, sizeof(text), 1, &z1), PMD_OK);
	CHECK_INT(pmd_deflate(tx, text + 1, sizeof(text) - 1, 1, &z2), 0);
	pmd_free(tx);
	for (s = 0; s <= z1.bf_len && !bad; s++) {
		/* Both messages, each split at s: context carries over. */
		rx = pmd_new(&p, WS_ROLE_SERVER, -1);
		buf_reset(&out);
		r = pmd_inflate(rx, z1.bf_data, s, 0, sizeof(text), &out);
		r |= pmd_inflate(rx, z1.bf_data + s, z1.bf_len - s, 1,
		    sizeof(text), &out);
		if (r != PMD_OK || out.bf_len != sizeof(text) ||
		    memcmp(out.bf_data, text, sizeof(text)) != 0)
			bad = 1;
		buf_reset(&out);
		i = s < z2.bf_len ? s : z2.bf_len;
		r = pmd_inflate(rx, z2.bf_data, i, 0, sizeof(text), &out);
		r |= pmd_inflate(rx, z2.bf_data + i, z2.bf_len - i, 1,
		    sizeof(text), &out);
		if (r != PMD_OK || out.bf_len != sizeof(text) - 1 ||
		    memcmp(out.bf_data, text + 1, sizeof(text) - 1) != 0)
			bad = 1;
		if (bad)
			fprintf(stderr, "split at %zu: %s\n", s,
			    pmd_strerror(r));
		pmd_free(rx);
	}
	CHECK(!bad);
	rx = pmd_new(&p, WS_ROLE_SERVER, -1);
	buf_reset(&out);
	for (i = 0, r = 0; i < z1.bf_len; i++)
		r |= pmd_inflate(rx, z1.bf_data + i, 1, 0, sizeof(text), &out);
	r |= pmd_inflate(rx, "", 0, 1, sizeof(text), &out);
	CHECK(r == PMD_OK && out.bf_len == sizeof(text) &&
	    memcmp(out.bf_data, text, sizeof(text)) == 0);
	pmd_free(rx);
	buf_free(&z1);
	buf_free(&z2);
	buf_free(&out);
}

/* A small message inflating past the limit stops at the limit. */
static void
test_bomb(void)
{
	struct pmd_params	 p = params(0, 0, 15, 15);
	struct pmd		*tx, *rx;
	struct buf		 z, out;
	char			*zeros;
	size_t			 n = 16 << 20, limit = 1 << 20, i;
	int			 r = PMD_OK;

	zeros = calloc(1, n);
	buf_init(&z, 0);
	buf_init(&out, 0);
	tx = pmd_new(&p, WS_ROLE_CLIENT, 9);
	CHECK_INT(pmd_deflate(tx, zeros, n, 1, &z), PMD_OK);
	pmd_free(tx);
	free(zeros);
	CHECK_MSG(z.bf_len < 20000, "16 MB of zeros in %zu bytes", z.bf_len);

	/* All at once. */
	rx = pmd_new(&p, WS_ROLE_SERVER, -1);
	CHECK_INT(pmd_inflate(rx, z.bf_data, z.bf_len, 1, limit, &out),
	    PMD_ERR_TOO_BIG);
	CHECK_INT(out.bf_len, limit + 1);
	CHECK_MSG(out.bf_cap <= 2 * (limit + 16384 + 1), "cap %zu",
	    out.bf_cap);
	CHECK(pmd_memory(rx) <= pmd_memory_peak(rx));
	/* Sticky: nothing more is inflated. */
	CHECK_INT(pmd_inflate(rx, z.bf_data, z.bf_len, 1, limit, &out),
	    PMD_ERR_TOO_BIG);
	CHECK_INT(out.bf_len, limit + 1);
	CHECK_INT(pmd_err_close_code(PMD_ERR_TOO_BIG), 1009);
	pmd_free(rx);

	/* Fed in 100-byte pieces: stops in the piece that passes. */
	rx = pmd_new(&p, WS_ROLE_SERVER, -1);
	buf_reset(&out);
	for (i = 0; i < z.bf_len && r == PMD_OK; i += 100)
		r = pmd_inflate(rx, z.bf_data + i, z.bf_len - i < 100 ?
		    z.bf_len - i : 100, 0, limit, &out);
	CHECK_INT(r, PMD_ERR_TOO_BIG);
	CHECK_INT(out.bf_len, limit + 1);
	CHECK_MSG(i < z.bf_len / 8, "stopped after %zu of %zu bytes", i,
	    z.bf_len);
	pmd_free(rx);

	/* Exactly at the limit is fine. */
	rx = pmd_new(&p, WS_ROLE_SERVER, -1);
	CHECK_INT(inflate1(rx, z.bf_data, z.bf_len, n, &out), PMD_OK);
	CHECK_INT(out.bf_len, n);
	pmd_free(rx);
	rx = pmd_new(&p, WS_ROLE_SERVER, -1);
	CHECK_INT(inflate1(rx, z.bf_data, z.bf_len, n - 1, &out),
	    PMD_ERR_TOO_BIG);
	pmd_free(rx);
	/* A zero limit: only the empty message. */
	rx = pmd_new(&p, WS_ROLE_SERVER, -1);
	CHECK_INT(inflate1(rx, "", 1, 0, &out), PMD_OK);
	CHECK_INT(inflate1(rx, "\xf2\x48\xcd\xc9\xc9\x07\x00", 7, 0, &out),
	    PMD_ERR_TOO_BIG);
	pmd_free(rx);
	buf_free(&z);
	buf_free(&out);
}

/* Invalid deflate data is PMD_ERR_DATA (close 1007). */
static void
test_invalid(void)
{
	static const struct {
		const char	*d;
		size_t		 n;
	} bad[] = {
		{ "\x07", 1 },				/* BTYPE 11 */
		{ "\xff\xff\xff\xff", 4 },
		{ "\x00\x05\x00\xfb\xff" "Hello\x00", 11 }, /* NLEN wrong */
		{ "\xf2\x48\xcd\xc9\xc9", 5 },		/* cut short */
		{ "\xf2\x48\xcd", 3 },
		{ "\xfc\x00\x00", 3 },	/* too many length symbols */
		/* Valid blocks, but the tail leaves it inside a block. */
		{ "\x62\x60\x60\x00\x02\x00", 6 },
	};
	struct pmd_params	 p = params(0, 0, 15, 15);
	struct pmd		*rx;
	struct buf		 out;
	size_t			 i;
	int			 r;

	buf_init(&out, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rx = pmd_new(&p, WS_ROLE_SERVER, -1);
		r = inflate1(rx, bad[i].d, bad[i].n, 1000, &out);
		CHECK_MSG(r == PMD_ERR_DATA, "case %zu: %s", i,
		    pmd_strerror(r));
		/* Sticky. */
		CHECK_INT(inflate1(rx, "", 1, 1000, &out), PMD_ERR_DATA);
		pmd_free(rx);
	}
	CHECK_INT(pmd_err_close_code(PMD_ERR_DATA), 1007);
	buf_free(&out);
}

/* Python's zlib output (pmd_vectors.h) inflates with ours. */
static void
test_python_vectors(void)
{
	struct pmd_params	 p = params(0, 0, 15, 15);
	struct pmd		*rx;
	struct buf		 out;

	buf_init(&out, 0);
	rx = pmd_new(&p, WS_ROLE_CLIENT, -1);
	CHECK_INT(inflate1(rx, pv_w15_0, sizeof(pv_w15_0), 1000, &out), 0);
	CHECK_STR(out.bf_data, pv_msg0);
	CHECK_INT(inflate1(rx, pv_w15_1, sizeof(pv_w15_1), 1000, &out), 0);
	CHECK_STR(out.bf_data, pv_msg1);
	CHECK_INT(inflate1(rx, pv_w15_2, sizeof(pv_w15_2), 1000, &out), 0);
	CHECK_STR(out.bf_data, pv_msg2);
	pmd_free(rx);
	buf_free(&out);
}

static size_t	 zbytes;

/* A counting zlib allocator (size in front of each block). */
static voidpf
zcount_alloc(voidpf opaque, uInt items, uInt size)
{
	size_t	*b;

	(void)opaque;
	if ((b = malloc(sizeof(size_t) + (size_t)items * size)) == NULL)
		return NULL;
	*b = (size_t)items * size;
	zbytes += *b;
	return b + 1;
}

/* Its free. */
static void
zcount_free(voidpf opaque, voidpf p)
{
	(void)opaque;
	free((size_t *)p - 1);
}

/* The memory figures bound what zlib really allocates. */
static void
test_memory(void)
{
	struct pmd_params	 p = params(0, 0, 10, 12);
	struct pmd		*pm;
	struct buf		 z, out;
	z_stream		 s;
	uint8_t			 in[70000], o[80000];
	size_t			 zlen;
	int			 bits;

	for (bits = 8; bits <= 15; bits++) {
		fill_random(in, sizeof(in), (unsigned)bits);
		memset(&s, 0, sizeof(s));
		s.zalloc = zcount_alloc;
		s.zfree = zcount_free;
		zbytes = 0;
		CHECK(deflateInit2(&s, 9, Z_DEFLATED, bits < 9 ? -9 : -bits,
		    PMD_MEM_LEVEL, Z_DEFAULT_STRATEGY) == Z_OK);
		s.next_in = in;
		s.avail_in = sizeof(in);
		s.next_out = o;
		s.avail_out = sizeof(o);
		CHECK(deflate(&s, Z_SYNC_FLUSH) == Z_OK);
		CHECK_MSG(zbytes <= pmd_deflate_memory(bits),
		    "deflate %d: %zu > %zu", bits, zbytes,
		    pmd_deflate_memory(bits));
		zlen = sizeof(o) - s.avail_out;
		(void)deflateEnd(&s);
		memset(&s, 0, sizeof(s));
		s.zalloc = zcount_alloc;
		s.zfree = zcount_free;
		zbytes = 0;
		CHECK(inflateInit2(&s, -bits) == Z_OK);
		s.next_in = o;
		s.avail_in = (uInt)zlen;	/* only what deflate wrote */
		s.next_out = in;
		s.avail_out = sizeof(in);
		(void)inflate(&s, Z_SYNC_FLUSH);
		CHECK_MSG(zbytes <= pmd_inflate_memory(bits),
		    "inflate %d: %zu > %zu", bits, zbytes,
		    pmd_inflate_memory(bits));
		(void)inflateEnd(&s);
	}
	CHECK(pmd_deflate_memory(15) < 150 * 1024);

	pm = pmd_new(&p, WS_ROLE_SERVER, -1);
	buf_init(&z, 0);
	buf_init(&out, 0);
	CHECK_INT(pmd_memory(pm), 0);
	CHECK_INT(pmd_memory_peak(pm), pmd_inflate_memory(12) +
	    pmd_deflate_memory(10));
	CHECK_INT(pmd_deflate(pm, "abc", 3, 1, &z), PMD_OK);
	CHECK_INT(pmd_memory(pm), pmd_deflate_memory(10));
	CHECK_INT(inflate1(pm, "\xf2\x48\xcd\xc9\xc9\x07\x00", 7, 10, &out),
	    PMD_OK);
	CHECK_INT(pmd_memory(pm), pmd_memory_peak(pm));
	pmd_free(pm);
	buf_free(&z);
	buf_free(&out);
}

/* Names and close codes. */
static void
test_strerror(void)
{
	int	 e, f, dup = 0;

	for (e = PMD_OK; e < PMD_ERR_MAX; e++) {
		CHECK_MSG(strcmp(pmd_strerror(e), "unknown error") != 0,
		    "error %d has no name", e);
		for (f = PMD_OK; f < e; f++)
			if (strcmp(pmd_strerror(e), pmd_strerror(f)) == 0)
				dup++;
	}
	CHECK_INT(dup, 0);
	CHECK_STR(pmd_strerror(PMD_ERR_MAX), "unknown error");
	CHECK_INT(pmd_err_close_code(PMD_ERR_NOMEM), 1011);
}

/* Decode a hex string into b; -1 if it is not hex. */
static int
unhex(const char *h, struct buf *b)
{
	unsigned	 v;

	buf_reset(b);
	for (; h[0] != '\0' && h[0] != '\n'; h += 2) {
		if (sscanf(h, "%2x", &v) != 1)
			return -1;
		buf_addc(b, (char)v);
	}
	return 0;
}

/*
 * Interop (test_pmd_interop.sh): each line of path is "bits orig comp"
 * in hex, Python's deflate of a sequence of messages on one stream per
 * window size.  Inflate comp with ours and compare; print "bits orig
 * ours" with our deflate of orig for Python to inflate.
 */
static int
interop(const char *path)
{
	struct pmd_params	 p;
	struct pmd		*tx = NULL, *rx = NULL;
	struct buf		 orig, comp, out, z;
	char			 line[200000], *sp1, *sp2;
	FILE			*f;
	size_t			 i;
	int			 bits, cur = 0, fail = 0;

	if ((f = fopen(path, "r")) == NULL)
		return 2;
	buf_init(&orig, 0);
	buf_init(&comp, 0);
	buf_init(&out, 0);
	buf_init(&z, 0);
	while (fgets(line, sizeof(line), f) != NULL) {
		bits = (int)strtol(line, NULL, 10);
		if ((sp1 = strchr(line, ' ')) == NULL ||
		    (sp2 = strchr(sp1 + 1, ' ')) == NULL)
			return 2;
		*sp2 = '\0';
		if (unhex(sp1 + 1, &orig) == -1 || unhex(sp2 + 1, &comp) == -1)
			return 2;
		if (bits != cur) {
			pmd_free(tx);
			pmd_free(rx);
			p = params(0, 0, bits, bits);
			tx = pmd_new(&p, WS_ROLE_SERVER, -1);
			rx = pmd_new(&p, WS_ROLE_CLIENT, -1);
			cur = bits;
		}
		if (inflate1(rx, comp.bf_data, comp.bf_len, 1 << 24, &out) !=
		    PMD_OK || out.bf_len != orig.bf_len || (orig.bf_len > 0 &&
		    memcmp(out.bf_data, orig.bf_data, orig.bf_len) != 0)) {
			fprintf(stderr, "bits %d: python's message %s did not "
			    "inflate\n", bits, sp1 + 1);
			fail = 1;
		}
		buf_reset(&z);
		if (pmd_deflate(tx, orig.bf_data, orig.bf_len, 1, &z) !=
		    PMD_OK)
			fail = 1;
		printf("%d %s ", bits, sp1 + 1);
		for (i = 0; i < z.bf_len; i++)
			printf("%02x", (uint8_t)z.bf_data[i]);
		printf("\n");
	}
	fclose(f);
	pmd_free(tx);
	pmd_free(rx);
	buf_free(&orig);
	buf_free(&comp);
	buf_free(&out);
	buf_free(&z);
	return fail;
}

/*
 * Negotiation for test_pmd_interop.sh: "server|client|offer SNCT CNCT
 * SBITS CBITS [HEADER]" prints the result's name, then the answer (the
 * server), the agreed parameters (the client) or the offer.
 */
static int
negotiate(int argc, char *argv[])
{
	struct pmd_config	 c;
	struct pmd_params	 pp;
	char			 s[PMD_RESPONSE_MAX] = "";
	const char		*h = argc > 6 ? argv[6] : "";
	int			 r;

	c = cfg((int)strtol(argv[2], NULL, 10), (int)strtol(argv[3], NULL, 10),
	    (int)strtol(argv[4], NULL, 10), (int)strtol(argv[5], NULL, 10));
	memset(&pp, 0, sizeof(pp));
	if (strcmp(argv[1], "server") == 0)
		r = pmd_server_negotiate(&c, h, strlen(h), &pp, s, sizeof(s));
	else if (strcmp(argv[1], "client") == 0) {
		r = pmd_client_accept(&c, h, strlen(h), &pp);
		(void)snprintf(s, sizeof(s), "%d %d %d %d",
		    pp.pp_server_no_context_takeover,
		    pp.pp_client_no_context_takeover,
		    pp.pp_server_max_window_bits, pp.pp_client_max_window_bits);
	} else
		r = pmd_client_offer(&c, s, sizeof(s));
	printf("%s\n%s\n", pmd_strerror(r), s);
	return 0;
}

int
main(int argc, char *argv[])
{
	if (argc == 3 && strcmp(argv[1], "interop") == 0)
		return interop(argv[2]);
	if (argc >= 6 && (strcmp(argv[1], "server") == 0 ||
	    strcmp(argv[1], "client") == 0 || strcmp(argv[1], "offer") == 0))
		return negotiate(argc, argv);
	test_server();
	test_client();
	test_rfc_examples();
	test_round_trips();
	test_splits();
	test_bomb();
	test_invalid();
	test_python_vectors();
	test_memory();
	test_strerror();
	return check_done();
}
