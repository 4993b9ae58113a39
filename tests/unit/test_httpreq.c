/* SPDX-License-Identifier: ISC */
/*
 * common/httpreq: the request heads a scrape sends, cut anywhere, and
 * the malformed, oversized and body-carrying ones the exporter refuses.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "httpreq.h"

/* Parse a whole string. */
static enum httpreq_result
parse(const char *s, struct httpreq *r)
{
	return httpreq_parse(s, strlen(s), r);
}

/* Good heads, their fields, and every prefix of one needing more. */
static void
test_good(void)
{
	static const char	 curl[] = "GET /metrics HTTP/1.1\r\n"
	    "Host: 127.0.0.1:9100\r\nUser-Agent: curl/7.88.1\r\n"
	    "Accept: */*\r\n\r\n";
	struct httpreq		 r;
	size_t			 i;

	CHECK_INT(parse(curl, &r), HTTPREQ_OK);
	CHECK_STR(r.hr_method, "GET");
	CHECK_STR(r.hr_path, "/metrics");
	CHECK_INT(r.hr_minor, 1);
	CHECK_INT(r.hr_len, strlen(curl));
	for (i = 0; i < strlen(curl); i++)
		CHECK_INT(httpreq_parse(curl, i, &r), HTTPREQ_NEED_MORE);
	CHECK_INT(parse("HEAD /health?x=1&y HTTP/1.0\n\n", &r), HTTPREQ_OK);
	CHECK_STR(r.hr_method, "HEAD");
	CHECK_STR(r.hr_path, "/health");
	CHECK_INT(r.hr_minor, 0);
	CHECK_INT(parse("GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &r),
	    HTTPREQ_OK);
	CHECK_INT(parse("POST /metrics HTTP/1.1\r\nX-Empty:\r\n\r\n", &r),
	    HTTPREQ_OK);
	CHECK_STR(r.hr_method, "POST");
	/* what follows the head is not the parser's */
	CHECK_INT(parse("GET / HTTP/1.1\r\n\r\ntrailing", &r), HTTPREQ_OK);
	CHECK_INT(r.hr_len, 18);
}

/* Malformed heads are refused. */
static void
test_bad(void)
{
	static const char *const bad[] = {
		"\r\n\r\n",
		"GET\r\n\r\n",
		"GET /metrics\r\n\r\n",
		"GET /metrics HTTP/2.0\r\n\r\n",
		"GET /metrics HTTP/1.1 x\r\n\r\n",
		"GET  /metrics HTTP/1.1\r\n\r\n",
		"GET metrics HTTP/1.1\r\n\r\n",
		"GET http://x/metrics HTTP/1.1\r\n\r\n",
		"G(T /metrics HTTP/1.1\r\n\r\n",
		"GET /m\x01trics HTTP/1.1\r\n\r\n",
		"GET /m\x80 HTTP/1.1\r\n\r\n",
		"TOOLONGMETHODNAMEXX / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nno colon\r\n\r\n",
		"GET / HTTP/1.1\r\n: empty name\r\n\r\n",
		"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
		"GET / HTTP/1.1\r\nContent-Length: 0x\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length:\r\n\r\n",
		"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
	};
	struct httpreq	 r;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_MSG(parse(bad[i], &r) == HTTPREQ_BAD, "case %zu", i);
	/* a NUL inside the head */
	CHECK_INT(httpreq_parse("GET /\0 HTTP/1.1\r\n\r\n", 19, &r),
	    HTTPREQ_BAD);
}

/* The bound: a head must end within HTTPREQ_MAX bytes. */
static void
test_bound(void)
{
	static char	 big[HTTPREQ_MAX + 64];
	struct httpreq	 r;
	size_t		 n;

	n = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nX: ");
	memset(big + n, 'a', sizeof(big) - n);
	CHECK_INT(httpreq_parse(big, HTTPREQ_MAX - 1, &r), HTTPREQ_NEED_MORE);
	CHECK_INT(httpreq_parse(big, HTTPREQ_MAX, &r), HTTPREQ_BAD);
	CHECK_INT(httpreq_parse(big, sizeof(big), &r), HTTPREQ_BAD);
	/* a head ending exactly at the bound is whole */
	memcpy(big + HTTPREQ_MAX - 4, "\r\n\r\n", 4);
	CHECK_INT(httpreq_parse(big, HTTPREQ_MAX, &r), HTTPREQ_OK);
	/* a long path */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	memcpy(big + HTTPREQ_PATH_MAX + 5, " HTTP/1.1\r\n\r\n", 13);
	CHECK_INT(httpreq_parse(big, HTTPREQ_PATH_MAX + 18, &r), HTTPREQ_BAD);
}

int
main(void)
{
	test_good();
	test_bad();
	test_bound();
	return check_done();
}
