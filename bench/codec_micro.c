/* SPDX-License-Identifier: ISC */
/*
 * Micro-benchmark: decode + encode of a 624-byte Tremor-style record with
 * our json codec against plain json-c (tokener parse +
 * json_object_to_json_string_ext PLAIN) in the same run.  Prints
 * throughput of each and the ratio.  Not a test: `make bench-codec-micro`.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "buf.h"
#include "codec.h"

static const char record[] =
    "{\"id\":1234567,\"ts\":1650000000123456789,\"host\":\"edge-01.example."
    "net\",\"service\":\"checkout\",\"level\":\"info\",\"message\":\"request "
    "served in 12.5 ms \\u2014 path=/api/v1/cart?id=42\\n\","
    "\"latency_ms\":12.5,\"ratio\":0.000123,\"score\":-3.14159,\"ok\":true,"
    "\"tags\":[\"web\",\"eu-west-1\","
    "\"canary\"],\"http\":{\"method\":\"POST\",\"status\":200,\"bytes_in\":"
    "5321,\"bytes_out\":104857,\"headers\":{\"content-type\":\"application"
    "/json\",\"user-agent\":\"Mozilla/5.0 (X11; Linux x86_64)"
    "\"}},\"geo\":{\"lat\":52.52,\"lon\":13.405,\"alt\":34.0},\"samples\":"
    "[1.5,2.25,3.125,100.0,1e-7,6.02214076e23],\"user\":{\"name\":"
    "\"Zo\\u00eb\",\"roles\":[\"admin\",\"dev\"],\"quota\":{\"used\":1024,"
    "\"limit\":1048576}}}";

/* Seconds on the monotonic clock. */
static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Ours: codec_decode + codec_encode (json) n times. */
static double
run_ours(long n, enum codec_kind kind, size_t *outlen)
{
	struct json_object	*v;
	struct buf		 b;
	char			 err[256];
	double			 t0;
	long			 i;

	buf_init(&b, 0);
	t0 = now();
	for (i = 0; i < n; i++) {
		if (codec_decode(kind, record, sizeof(record) - 1, &v, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "decode: %s\n", err);
			exit(1);
		}
		buf_reset(&b);
		if (codec_encode(kind, v, &b) == -1)
			exit(1);
		json_object_put(v);
	}
	t0 = now() - t0;
	*outlen = b.bf_len;
	buf_free(&b);
	return t0;
}

/* json-c on its own: a reused tokener, then to_json_string PLAIN. */
static double
run_jsonc(long n, size_t *outlen)
{
	struct json_tokener	*tok;
	struct json_object	*v;
	const char		*s = "";
	double			 t0;
	long			 i;

	tok = json_tokener_new();
	t0 = now();
	for (i = 0; i < n; i++) {
		json_tokener_reset(tok);
		v = json_tokener_parse_ex(tok, record, sizeof(record) - 1);
		if (v == NULL)
			exit(1);
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		*outlen = strlen(s);
		json_object_put(v);
	}
	t0 = now() - t0;
	json_tokener_free(tok);
	return t0;
}

int
main(int argc, char *argv[])
{
	long	 n = 200000, round;
	size_t	 ol = 0, jl = 0;
	double	 to = 0, ts = 0, tj = 0, mb;

	if (argc > 1)
		n = strtol(argv[1], NULL, 10);
	if (n <= 0)
		n = 1;
	/* warm up, then interleave rounds so both see the same machine */
	(void)run_ours(n / 20 + 1, CODEC_JSON, &ol);
	(void)run_jsonc(n / 20 + 1, &jl);
	for (round = 0; round < 3; round++) {
		to += run_ours(n / 3, CODEC_JSON, &ol);
		ts += run_ours(n / 3, CODEC_JSON_SORTED, &ol);
		tj += run_jsonc(n / 3, &jl);
	}
	mb = (double)(sizeof(record) - 1) * (double)(n / 3 * 3) / 1e6;
	printf("record: %zu bytes in, %zu bytes out (json-c: %zu), %ld "
	    "iterations\n", sizeof(record) - 1, ol, jl, n / 3 * 3);
	printf("wsflow json:        %8.1f MB/s  %7.0f ns/record\n", mb / to,
	    to * 1e9 / (double)(n / 3 * 3));
	printf("wsflow json-sorted: %8.1f MB/s  %7.0f ns/record\n", mb / ts,
	    ts * 1e9 / (double)(n / 3 * 3));
	printf("json-c:             %8.1f MB/s  %7.0f ns/record\n", mb / tj,
	    tj * 1e9 / (double)(n / 3 * 3));
	printf("ratio wsflow/json-c throughput: json %.2f, json-sorted "
	    "%.2f\n", tj / to, tj / ts);
	return 0;
}
