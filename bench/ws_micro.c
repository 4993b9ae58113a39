/* SPDX-License-Identifier: ISC */
/*
 * Micro-benchmark of the receive path: frame parsing, unmasking and (for
 * text) UTF-8 validation, for 64 B, 1 KiB and 16 KiB frames, printed as
 * a ratio to memcpy of the same bytes measured in the same run.  Not a
 * test; run it with "make bench-ws-micro".
 *
 * The frames are parsed again and again in place.  Unmasking twice
 * restores the masked bytes, so text payloads are ASCII and the key has
 * every high bit clear: both the masked and the clear form stay valid
 * UTF-8 and each pass does the full work.  The multi-byte text case
 * (mostly 2- and 3-byte characters) and the mixed one (JSON with a
 * multi-byte character every 20 bytes or so) use the all-zero key for
 * the same reason (it still XORs every byte).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "utf8.h"
#include "ws.h"

#define BENCH_TOTAL	(128 * 1024)	/* bytes of frames per pass */
#define BENCH_ROUNDS	7
#define BENCH_NSEC	40000000LL	/* per round and contender */

enum bench_kind { BK_BINARY, BK_ASCII, BK_UTF8, BK_MIXED };

static volatile size_t	 bench_sink;

/* CPU time of this thread in nanoseconds: other load does not count. */
static long long
bench_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Fill a buffer with as many masked frames of size sz as fit. */
static size_t
bench_frames(uint8_t *out, size_t sz, enum bench_kind k, size_t *nframes)
{
	static const uint8_t	 ascii_key[4] = { 0x37, 0x5a, 0x1c, 0x6e };
	static const uint8_t	 zero_key[4] = { 0, 0, 0, 0 };
	static const char	 json[] = "{\"id\":12345,\"name\":\"sensor-7\","
	    "\"value\":21.5,\"tags\":[\"a\",\"b\"]} ";
	static const char	 utf8[] = "gr\xc3\xbc\xc3\x9f \xce\xba\xe1\xbd"
	    "\xb9\xcf\x83\xce\xbc\xce\xb5 \xe2\x82\xac 1 ";
	static const char	 mixed[] = "{\"id\":12345,\"name\":\"M\xc3\xbcller\","
	    "\"city\":\"Z\xc3\xbcrich\",\"price\":\"21.50 \xe2\x82\xac\","
	    "\"tags\":[\"a\",\"b\"]} ";
	const uint8_t		*key = k == BK_UTF8 || k == BK_MIXED ?
	    zero_key : ascii_key;
	size_t			 off = 0, hl, i, n = 0;
	uint8_t			*p;

	while (off + sz + WS_HEADER_MAX <= BENCH_TOTAL) {
		if (ws_frame_header(out + off, &hl, k == BK_BINARY ?
		    WS_OP_BINARY : WS_OP_TEXT, 1, sz, key) == -1)
			abort();
		p = out + off + hl;
		for (i = 0; i < sz; i++) {
			if (k == BK_BINARY)
				p[i] = (uint8_t)(i * 131 + n * 7);
			else if (k == BK_ASCII)
				p[i] = (uint8_t)json[i % (sizeof(json) - 1)];
			else if (k == BK_UTF8)
				p[i] = (uint8_t)utf8[i % (sizeof(utf8) - 1)];
			else
				p[i] = (uint8_t)mixed[i % (sizeof(mixed) - 1)];
		}
		if (k == BK_UTF8 || k == BK_MIXED) {
			/* end on a whole character */
			for (i = sz; i > 0 && (p[i - 1] & 0xc0) == 0x80; i--)
				;
			if (i > 0 && p[i - 1] >= 0xc0)
				memset(p + i - 1, ' ', sz - i + 1);
		}
		ws_mask(p, sz, key, 0);
		off += hl + sz;
		n++;
	}
	*nframes = n;
	return off;
}

/* One pass of the parser over all frames; returns payload bytes seen. */
static size_t
bench_parse(uint8_t *buf, size_t len)
{
	struct ws_parser	 p;
	struct ws_event		 ev;
	size_t			 off = 0, used, got = 0;

	ws_parser_init(&p, WS_ROLE_SERVER, NULL, 0);
	while (ws_parse(&p, buf + off, len - off, &used, &ev) == WS_OK) {
		off += used;
		got += ev.we_len;
	}
	ws_parser_free(&p);
	if (p.wp_err != WS_OK)
		abort();
	return got;
}

/* Best time per pass (ns) of parsing, and of memcpy, interleaved. */
static void
bench_one(size_t sz, enum bench_kind k)
{
	static const char *const names[] = { "binary", "text-ascii",
	    "text-utf8", "text-mixed" };
	uint8_t		*buf, *dst;
	size_t		 len, nframes, expect;
	long long	 t0, t, best_p = -1, best_m = -1, passes;
	int		 r;

	if ((buf = aligned_alloc(64, BENCH_TOTAL)) == NULL ||
	    (dst = aligned_alloc(64, BENCH_TOTAL)) == NULL)
		abort();
	len = bench_frames(buf, sz, k, &nframes);
	expect = nframes * sz;
	if (bench_parse(buf, len) != expect || bench_parse(buf, len) != expect)
		abort();
	for (r = 0; r < BENCH_ROUNDS; r++) {
		t0 = bench_now();
		passes = 0;
		do {
			bench_sink += bench_parse(buf, len);
			passes++;
		} while ((t = bench_now() - t0) < BENCH_NSEC);
		if (best_p < 0 || t / passes < best_p)
			best_p = t / passes;
		t0 = bench_now();
		passes = 0;
		do {
			memcpy(dst, buf, len);
			__asm__ volatile("" : : "r"(dst) : "memory");
			passes++;
		} while ((t = bench_now() - t0) < BENCH_NSEC);
		if (best_m < 0 || t / passes < best_m)
			best_m = t / passes;
	}
	printf("%6zu B  %-10s  %5zu frames  parse %7.0f MB/s  memcpy %7.0f "
	    "MB/s  ratio %.2fx\n", sz, names[k], nframes,
	    (double)len * 1e3 / (double)best_p,
	    (double)len * 1e3 / (double)best_m,
	    (double)best_m / (double)best_p);
	free(buf);
	free(dst);
}

int
main(int argc, char *argv[])
{
	static const size_t	 sizes[] = { 64, 1024, 16384 };
	size_t			 i;
	int			 k;

	/*
	 * Optional arguments: only this frame size, only this kind, this
	 * UTF-8 implementation (UTF8_IMPL_*, as in utf8.h).
	 */
	if (argc >= 4 && utf8_impl_set((int)strtol(argv[3], NULL, 10)) == -1) {
		fprintf(stderr, "ws_micro: no UTF-8 implementation %s here\n",
		    argv[3]);
		return 1;
	}
	printf("ws_micro: parse + unmask (+ UTF-8) vs memcpy of the same "
	    "%d KiB of frames, best of %d, UTF-8 implementation %d\n",
	    BENCH_TOTAL / 1024, BENCH_ROUNDS, utf8_impl_get());
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (k = BK_BINARY; k <= BK_MIXED; k++)
			if ((argc < 2 || strtoul(argv[1], NULL, 10) ==
			    sizes[i]) && (argc < 3 || strtol(argv[2], NULL, 10) == k))
				bench_one(sizes[i], (enum bench_kind)k);
	return 0;
}
