/* SPDX-License-Identifier: ISC */
/*
 * common/proxy: proxy URLs good and bad (and that no error quotes the
 * credentials), the CONNECT request with and without Basic credentials,
 * and the reply head: real proxies' answers cut anywhere, what follows
 * the head left to the tunnel, malformed and oversized heads.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "proxy.h"

/* Good proxy URLs and what they hold. */
static void
test_url_good(void)
{
	struct proxy_url	 px;
	const char		*why = NULL;

	CHECK_INT(proxy_url_parse("http://127.0.0.1:3128", &px, &why), 0);
	CHECK_STR(px.px_url.u_host, "127.0.0.1");
	CHECK_INT(px.px_url.u_port, 3128);
	CHECK_INT(px.px_has_auth, 0);
	CHECK_INT(proxy_url_parse("HTTP://proxy.example/", &px, &why), 0);
	CHECK_STR(px.px_url.u_host, "proxy.example");
	CHECK_INT(px.px_url.u_port, 80);
	CHECK_INT(proxy_url_parse("http://[::1]:8888", &px, &why), 0);
	CHECK_STR(px.px_url.u_host, "::1");
	CHECK_INT(px.px_url.u_ipv6, 1);
	CHECK_INT(proxy_url_parse("http://al%69ce:p%40ss:w@p:1", &px, &why),
	    0);
	CHECK_INT(px.px_has_auth, 1);
	CHECK_STR(px.px_auth, "alice:p@ss:w");
	CHECK_STR(px.px_url.u_host, "p");
	CHECK_INT(proxy_url_parse("http://u:@p:1", &px, &why), 0);
	CHECK_STR(px.px_auth, "u:");
}

/* Bad proxy URLs; the reason never quotes the password. */
static void
test_url_bad(void)
{
	static const char *const bad[] = {
		"",
		"127.0.0.1:3128",
		"https://p:443",
		"socks5://p:1080",
		"http://",
		"http://p:0",
		"http://p:65536",
		"http://p:3128/path",
		"http://p:3128?x",
		"http://p:3128#f",
		"http://user@p:1",
		"http://us%3Aer:sekrit@p:1",
		"http://u:sek%0Arit@p:1",
		"http://u:sek%zzrit@p:1",
		"http://u:sek%2@p:1",
		"http://u:sek rit@p:1",
		"http://u:sekrit@",
		"http://u:sekrit@[::1",
		"http://p q:1",
	};
	struct proxy_url	 px;
	const char		*why;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		CHECK_MSG(proxy_url_parse(bad[i], &px, &why) == -1,
		    "case %zu", i);
		CHECK_MSG(why != NULL && strstr(why, "sek") == NULL,
		    "case %zu: %s", i, why ? why : "no reason");
		CHECK_INT(px.px_has_auth, 0);
		CHECK_STR(px.px_auth, "");
	}
	CHECK_INT(proxy_auth_ok("a:b"), 1);
	CHECK_INT(proxy_auth_ok(":"), 1);
	CHECK_INT(proxy_auth_ok("ab"), 0);
	CHECK_INT(proxy_auth_ok("a:b\n"), 0);
	CHECK_INT(proxy_auth_ok("a:\tb"), 0);
}

/* The CONNECT request for a target. */
static void
test_request(void)
{
	struct buf	 b;
	struct url	 t;

	buf_init(&b, 0);
	CHECK_INT(url_parse("wss://echo.example/feed?x", &t, NULL), 0);
	CHECK_INT(proxy_connect_request(&b, &t, NULL), 0);
	CHECK_INT(buf_addc(&b, '\0'), 0);
	CHECK_STR(b.bf_data, "CONNECT echo.example:443 HTTP/1.1\r\n"
	    "Host: echo.example:443\r\n\r\n");
	buf_reset(&b);
	CHECK_INT(url_parse("ws://[::1]:9001/", &t, NULL), 0);
	/* RFC 7617's example */
	CHECK_INT(proxy_connect_request(&b, &t, "Aladdin:open sesame"), 0);
	CHECK_INT(buf_addc(&b, '\0'), 0);
	CHECK_STR(b.bf_data, "CONNECT [::1]:9001 HTTP/1.1\r\n"
	    "Host: [::1]:9001\r\n"
	    "Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n");
	/* bad credentials or target: nothing appended */
	buf_reset(&b);
	CHECK_INT(proxy_connect_request(&b, &t, "no colon"), -1);
	CHECK_INT(b.bf_len, 0);
	strlcpy(t.u_host, "a b", sizeof(t.u_host));
	CHECK_INT(proxy_connect_request(&b, &t, NULL), -1);
	CHECK_INT(b.bf_len, 0);
	buf_free(&b);
}

/* Parse a whole string with a 1 KiB bound. */
static enum proxy_result
reply(const char *s, int *st, size_t *used)
{
	return proxy_reply_parse(s, strlen(s), 1024, st, used);
}

/* Good replies (tinyproxy's, squid's), cut anywhere; the tunnel's bytes. */
static void
test_reply_good(void)
{
	static const char	 tiny[] = "HTTP/1.0 200 Connection established"
	    "\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\n";
	static const char	 squid[] = "HTTP/1.1 407 Proxy Authentication "
	    "Required\r\nServer: squid/5.7\r\nProxy-Authenticate: Basic "
	    "realm=\"x\"\r\nContent-Length: 3\r\nX-Empty:\r\n\r\nabc";
	size_t			 i, used;
	int			 st;

	CHECK_INT(reply(tiny, &st, &used), PROXY_OK);
	CHECK_INT(st, 200);
	CHECK_INT(used, strlen(tiny));
	for (i = 0; i < strlen(tiny); i++)
		CHECK_MSG(proxy_reply_parse(tiny, i, 1024, &st, &used) ==
		    PROXY_NEED_MORE, "cut at %zu", i);
	CHECK_INT(reply(squid, &st, &used), PROXY_OK);
	CHECK_INT(st, 407);
	CHECK_INT(used, strlen(squid) - 3);
	CHECK_INT(reply("HTTP/1.1 204\r\n\r\n", &st, &used), PROXY_OK);
	CHECK_INT(st, 204);
	/* what follows the head is the tunnel's, even a second head */
	CHECK_INT(reply("HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 101\r\n\r\n", &st,
	    &used), PROXY_OK);
	CHECK_INT(used, 19);
	CHECK_INT(reply("HTTP/1.1 200 OK\r\n\r\n\x16\x03\x01", &st, &used),
	    PROXY_OK);
	CHECK_INT(used, 19);
}

/* Malformed replies fail, garbage as soon as it is seen. */
static void
test_reply_bad(void)
{
	static const char *const bad[] = {
		"garbage",
		"HTTX",
		"\x16\x03\x01",
		"SSH-2.0-OpenSSH\r\n",
		"HTTP/2 200\r\n\r\n",
		"HTTP/1.1 200\n\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 600 OK\r\n\r\n",
		"HTTP/1.1 099 OK\r\n\r\n",
		"HTTP/1.1  200 OK\r\n\r\n",
		"HTTP/1.1 200 O\x01K\r\n\r\n",
		"HTTP/1.1 200 OK\r\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\n\r\n",
		"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
		"HTTP/1.1 200 OK\r\n: empty\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n",
		("HTTP/1.1 200 OK\r\nX: a\x7f" "b\r\n\r\n"),
	};
	size_t	 i, used;
	int	 st, r;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = reply(bad[i], &st, &used);
		CHECK_MSG(r == PROXY_ERR_STATUS || r == PROXY_ERR_HEADER,
		    "case %zu: %d", i, r);
	}
	CHECK_INT(proxy_reply_parse("HTTP/1.1 200\0 OK\r\n\r\n", 20, 1024,
	    &st, &used), PROXY_ERR_STATUS);
	CHECK_INT(proxy_reply_parse("HTTP/1.1 200 OK\r\nX\0: 1\r\n\r\n", 26,
	    1024, &st, &used), PROXY_ERR_HEADER);
	CHECK_STR(proxy_strerror(PROXY_ERR_TOO_BIG), "reply head too big");
	/* a prefix of a status line waits for more */
	CHECK_INT(reply("HTTP/", &st, &used), PROXY_NEED_MORE);
}

/* The bound: a head must end within max bytes. */
static void
test_reply_bound(void)
{
	static char	 big[2048];
	size_t		 n, used;
	int		 st;

	n = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nX: ");
	memset(big + n, 'a', sizeof(big) - n);
	CHECK_INT(proxy_reply_parse(big, 1023, 1024, &st, &used),
	    PROXY_NEED_MORE);
	CHECK_INT(proxy_reply_parse(big, 1024, 1024, &st, &used),
	    PROXY_ERR_TOO_BIG);
	CHECK_INT(proxy_reply_parse(big, sizeof(big), 1024, &st, &used),
	    PROXY_ERR_TOO_BIG);
	/* a head ending exactly at the bound is whole */
	memcpy(big + 1020, "\r\n\r\n", 4);
	CHECK_INT(proxy_reply_parse(big, sizeof(big), 1024, &st, &used),
	    PROXY_OK);
	CHECK_INT(used, 1024);
	/* a status line alone over the bound */
	memset(big, 'a', sizeof(big));
	memcpy(big, "HTTP/1.1 200 ", 13);
	CHECK_INT(proxy_reply_parse(big, sizeof(big), 1024, &st, &used),
	    PROXY_ERR_TOO_BIG);
}

int
main(void)
{
	test_url_good();
	test_url_bad();
	test_request();
	test_reply_good();
	test_reply_bad();
	test_reply_bound();
	return check_done();
}
