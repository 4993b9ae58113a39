/*
 * Unit tests for the benchmark helpers in bench/wsb.c: frame headers
 * (every length class, masked and not, incomplete and bad input), the
 * word-at-a-time masking against a byte loop, the RFC 6455 accept key,
 * the histogram's percentiles and the /proc readers on ourselves.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "wsb.h"

/* Build then parse headers of each length class. */
static void
test_headers(void)
{
	static const uint64_t	 lens[] = { 0, 1, 125, 126, 65535, 65536,
	    (1ULL << 32) + 5 };
	uint8_t			 h[WSB_HDR_MAX], mask[4] = { 1, 2, 3, 4 };
	struct wsb_hdr		 hd;
	size_t			 i, n, k;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		n = wsb_hdr_build(h, 1, WSB_OP_BINARY, lens[i], mask);
		CHECK_INT(wsb_hdr_parse(h, n, &hd), 1);
		CHECK_INT(hd.wh_len, lens[i]);
		CHECK_INT(hd.wh_hlen, n);
		CHECK(hd.wh_masked && memcmp(hd.wh_mask, mask, 4) == 0);
		CHECK(hd.wh_fin && hd.wh_op == WSB_OP_BINARY);
		/* every shorter prefix asks for more */
		for (k = 0; k < n; k++)
			CHECK_INT(wsb_hdr_parse(h, k, &hd), 0);
		n = wsb_hdr_build(h, 0, WSB_OP_CONT, lens[i], NULL);
		CHECK_INT(wsb_hdr_parse(h, n, &hd), 1);
		CHECK(!hd.wh_masked && !hd.wh_fin && hd.wh_op == WSB_OP_CONT);
		CHECK_INT(hd.wh_len, lens[i]);
	}
	/* 126 bytes takes the 16-bit form, 65536 the 64-bit one */
	CHECK_INT(wsb_hdr_build(h, 1, 1, 126, NULL), 4);
	CHECK_INT(wsb_hdr_build(h, 1, 1, 65536, NULL), 10);
	/* reserved bits, long or fragmented control frames, 2^63 */
	h[0] = 0xc1; h[1] = 0;
	CHECK_INT(wsb_hdr_parse(h, 2, &hd), -1);
	h[0] = 0x89; h[1] = 126; h[2] = 0; h[3] = 126;
	CHECK_INT(wsb_hdr_parse(h, 4, &hd), -1);
	h[0] = 0x09; h[1] = 0;
	CHECK_INT(wsb_hdr_parse(h, 2, &hd), -1);
	memset(h, 0, sizeof(h));
	h[0] = 0x82; h[1] = 127; h[2] = 0x80;
	CHECK_INT(wsb_hdr_parse(h, 10, &hd), -1);
}

/* Masking at any offset and length equals the byte-by-byte definition. */
static void
test_mask(void)
{
	uint8_t		 a[64], b[64], mask[4] = { 0xde, 0xad, 0xbe, 0xef };
	size_t		 off, len, i;
	int		 same = 1;

	for (off = 0; off < 8; off++)
		for (len = 0; len <= 40; len++) {
			for (i = 0; i < sizeof(a); i++)
				a[i] = b[i] = (uint8_t)(i * 37 + off);
			wsb_mask(a, len, mask, off);
			for (i = 0; i < len; i++)
				b[i] ^= mask[(off + i) % 4];
			if (memcmp(a, b, sizeof(a)) != 0)
				same = 0;
		}
	CHECK(same);
}

/* The RFC 6455 section 1.3 example. */
static void
test_accept(void)
{
	const char	*key = "dGhlIHNhbXBsZSBub25jZQ==";
	char		 out[WSB_ACCEPT_LEN + 1];

	CHECK_INT(wsb_accept(key, strlen(key), out, sizeof(out)), 0);
	CHECK(strcmp(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0);
	CHECK_INT(wsb_accept(key, strlen(key), out, 10), -1);
}

/* Percentiles of 1..100000 within the buckets' 3%. */
static void
test_hist(void)
{
	struct wsb_hist	*h;
	uint64_t	 v;
	double		 pcts[] = { 50, 90, 99, 99.9 };
	size_t		 i;

	if ((h = malloc(sizeof(*h))) == NULL)
		abort();
	wsb_hist_init(h);
	CHECK_INT(wsb_hist_pct(h, 50), 0);
	for (v = 1; v <= 100000; v++)
		wsb_hist_add(h, v);
	for (i = 0; i < 4; i++) {
		double	 want = pcts[i] * 1000, got = wsb_hist_pct(h, pcts[i]);

		CHECK_MSG(got > want * 0.97 && got < want * 1.03,
		    "p%.1f: got %.0f, want %.0f", pcts[i], got, want);
	}
	CHECK_INT(wsb_hist_pct(h, 100), 100000);
	CHECK_INT(h->hi_max, 100000);
	CHECK_INT(h->hi_min, 1);
	/* small values are exact */
	wsb_hist_init(h);
	wsb_hist_add(h, 7);
	CHECK_INT(wsb_hist_pct(h, 50), 7);
	free(h);
}

/* Our own process: CPU time and RSS readable, unknown pid refused. */
static void
test_proc(void)
{
	uint64_t	 cpu, rss, hwm;
	volatile uint64_t spin = 0;
	struct timespec	 ts;

	do {				/* 50 ms of CPU: 5 ticks at 100 Hz */
		spin++;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	} while (ts.tv_sec == 0 && ts.tv_nsec < 50000000L);
	CHECK_INT(wsb_proc_cpu(getpid(), &cpu), 0);
	CHECK(cpu > 0);
	CHECK_INT(wsb_proc_rss(getpid(), &rss, &hwm), 0);
	CHECK(rss > 0 && hwm >= rss / 2);
	CHECK_INT(wsb_proc_cpu(0x7ffffff0, &cpu), -1);
	CHECK(wsb_raise_nofile() > 0);
}

int
main(void)
{
	test_headers();
	test_mask();
	test_accept();
	test_hist();
	test_proc();
	return check_done();
}
