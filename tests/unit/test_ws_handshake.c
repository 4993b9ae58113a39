/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for the opening handshake and ws:// URLs: the RFC 6455
 * accept example, client request building, server request parsing with
 * accept and reject tables (each rejection its own error and HTTP
 * status), the limits, incremental parsing of every prefix, the server's
 * responses and the client's check of them, and a full round trip.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "url.h"
#include "ws.h"

#define KEY	"dGhlIHNhbXBsZSBub25jZQ=="
#define ACCEPT	"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
#define CRLF	"\r\n"
#define R_LINE	"GET /chat?x=1 HTTP/1.1\r\n"
#define R_HOST	"Host: server.example.com\r\n"
#define R_UPG	"Upgrade: websocket\r\n"
#define R_CONN	"Connection: Upgrade\r\n"
#define R_KEY	"Sec-WebSocket-Key: " KEY "\r\n"
#define R_VER	"Sec-WebSocket-Version: 13\r\n"
#define R_ALL	R_HOST R_UPG R_CONN R_KEY R_VER

struct req_case {
	const char	*q_name;
	const char	*q_req;
	int		 q_err;
	int		 q_status;
};

static const struct req_case req_cases[] = {
	{ "RFC example", R_LINE R_HOST R_UPG R_CONN R_KEY
	  "Origin: http://example.com\r\n"
	  "Sec-WebSocket-Protocol: chat, superchat\r\n" R_VER CRLF, WS_OK, 101 },
	{ "header names in any case", R_LINE "host: a\r\nUPGRADE: WebSocket\r\n"
	  "connection: upgrade\r\nsec-websocket-key: " KEY "\r\n"
	  "SEC-WEBSOCKET-VERSION: 13\r\n\r\n", WS_OK, 101 },
	{ "connection token list", R_LINE R_HOST R_UPG
	  "Connection: keep-alive, Upgrade\r\n" R_KEY R_VER CRLF, WS_OK, 101 },
	{ "connection over two lines", R_LINE R_HOST R_UPG
	  "Connection: keep-alive\r\nConnection: upgrade\r\n" R_KEY R_VER CRLF,
	  WS_OK, 101 },
	{ "upgrade token list", R_LINE R_HOST "Upgrade: foo/1, websocket\r\n"
	  R_CONN R_KEY R_VER CRLF, WS_OK, 101 },
	{ "bare LF line ends", "GET / HTTP/1.1\nHost: a\nUpgrade: websocket\n"
	  "Connection: Upgrade\nSec-WebSocket-Key: " KEY "\n"
	  "Sec-WebSocket-Version: 13\n\n", WS_OK, 101 },
	{ "whitespace around values", R_LINE "Host:   a  \r\n"
	  "Upgrade:\twebsocket\t\r\n" R_CONN "Sec-WebSocket-Key:  " KEY " \r\n"
	  "Sec-WebSocket-Version:13\r\n\r\n", WS_OK, 101 },
	{ "Content-Length 0", R_LINE R_ALL "Content-Length: 0\r\n\r\n", WS_OK,
	  101 },
	{ "POST", "POST /chat HTTP/1.1\r\n" R_ALL CRLF, WS_ERR_HS_METHOD, 405 },
	{ "lower-case get", "get /chat HTTP/1.1\r\n" R_ALL CRLF,
	  WS_ERR_HS_METHOD, 405 },
	{ "HTTP/1.0", "GET /chat HTTP/1.0\r\n" R_ALL CRLF,
	  WS_ERR_HS_HTTP_VERSION, 400 },
	{ "HTTP/2.0", "GET /chat HTTP/2.0\r\n" R_ALL CRLF,
	  WS_ERR_HS_HTTP_VERSION, 400 },
	{ "no version in request line", "GET /chat\r\n" R_ALL CRLF,
	  WS_ERR_HS_REQUEST_LINE, 400 },
	{ "two spaces", "GET  /chat HTTP/1.1\r\n" R_ALL CRLF,
	  WS_ERR_HS_REQUEST_LINE, 400 },
	{ "garbage protocol", "GET /chat HTTX/1.1\r\n" R_ALL CRLF,
	  WS_ERR_HS_REQUEST_LINE, 400 },
	{ "trailing space", "GET /chat HTTP/1.1 \r\n" R_ALL CRLF,
	  WS_ERR_HS_REQUEST_LINE, 400 },
	{ "relative target", "GET chat HTTP/1.1\r\n" R_ALL CRLF,
	  WS_ERR_HS_TARGET, 400 },
	{ "absolute-form target", "GET ws://a/chat HTTP/1.1\r\n" R_ALL CRLF,
	  WS_ERR_HS_TARGET, 400 },
	{ "no Host", R_LINE R_UPG R_CONN R_KEY R_VER CRLF, WS_ERR_HS_NO_HOST,
	  400 },
	{ "two Hosts", R_LINE R_HOST R_ALL CRLF, WS_ERR_HS_DUPLICATE_HEADER,
	  400 },
	{ "no Upgrade", R_LINE R_HOST R_CONN R_KEY R_VER CRLF,
	  WS_ERR_HS_NO_UPGRADE, 400 },
	{ "Upgrade h2c", R_LINE R_HOST "Upgrade: h2c\r\n" R_CONN R_KEY R_VER
	  CRLF, WS_ERR_HS_NO_UPGRADE, 400 },
	{ "Upgrade websocketx", R_LINE R_HOST "Upgrade: websocketx\r\n" R_CONN
	  R_KEY R_VER CRLF, WS_ERR_HS_NO_UPGRADE, 400 },
	{ "no Connection", R_LINE R_HOST R_UPG R_KEY R_VER CRLF,
	  WS_ERR_HS_NO_CONNECTION_UPGRADE, 400 },
	{ "Connection keep-alive", R_LINE R_HOST R_UPG
	  "Connection: keep-alive\r\n" R_KEY R_VER CRLF,
	  WS_ERR_HS_NO_CONNECTION_UPGRADE, 400 },
	{ "Connection upgraded", R_LINE R_HOST R_UPG "Connection: upgraded\r\n"
	  R_KEY R_VER CRLF, WS_ERR_HS_NO_CONNECTION_UPGRADE, 400 },
	{ "no key", R_LINE R_HOST R_UPG R_CONN R_VER CRLF, WS_ERR_HS_NO_KEY,
	  400 },
	{ "key without padding", R_LINE R_HOST R_UPG R_CONN
	  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ\r\n" R_VER CRLF,
	  WS_ERR_HS_BAD_KEY, 400 },
	{ "key of 15 bytes", R_LINE R_HOST R_UPG R_CONN
	  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j\r\n" R_VER CRLF,
	  WS_ERR_HS_BAD_KEY, 400 },
	{ "key of 17 bytes", R_LINE R_HOST R_UPG R_CONN
	  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ1=\r\n" R_VER CRLF,
	  WS_ERR_HS_BAD_KEY, 400 },
	{ "key with a bad symbol", R_LINE R_HOST R_UPG R_CONN
	  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j*Q==\r\n" R_VER CRLF,
	  WS_ERR_HS_BAD_KEY, 400 },
	{ "two keys", R_LINE R_ALL R_KEY CRLF, WS_ERR_HS_DUPLICATE_HEADER,
	  400 },
	{ "no version", R_LINE R_HOST R_UPG R_CONN R_KEY CRLF,
	  WS_ERR_HS_NO_VERSION, 426 },
	{ "version 8", R_LINE R_HOST R_UPG R_CONN R_KEY
	  "Sec-WebSocket-Version: 8\r\n\r\n", WS_ERR_HS_BAD_VERSION, 426 },
	{ "version list", R_LINE R_HOST R_UPG R_CONN R_KEY
	  "Sec-WebSocket-Version: 13, 8\r\n\r\n", WS_ERR_HS_BAD_VERSION, 426 },
	{ "two versions", R_LINE R_ALL R_VER CRLF, WS_ERR_HS_DUPLICATE_HEADER,
	  400 },
	{ "field without colon", R_LINE R_ALL "Bogus\r\n\r\n",
	  WS_ERR_HS_HEADER_SYNTAX, 400 },
	{ "space before colon", R_LINE "Host : a\r\n" R_UPG R_CONN R_KEY R_VER
	  CRLF, WS_ERR_HS_HEADER_SYNTAX, 400 },
	{ "folded line", R_LINE R_ALL " folded\r\n\r\n",
	  WS_ERR_HS_HEADER_SYNTAX, 400 },
	{ "empty name", R_LINE R_ALL ": x\r\n\r\n", WS_ERR_HS_HEADER_SYNTAX,
	  400 },
	{ "control character", R_LINE R_ALL "X: a\001b\r\n\r\n",
	  WS_ERR_HS_HEADER_SYNTAX, 400 },
	{ "body", R_LINE R_ALL "Content-Length: 5\r\n\r\nhello",
	  WS_ERR_HS_BODY, 400 },
	{ "chunked body", R_LINE R_ALL "Transfer-Encoding: chunked\r\n\r\n",
	  WS_ERR_HS_BODY, 400 },
	{ "origin too long", R_LINE R_ALL "Origin: http://"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "\r\n\r\n", WS_ERR_HS_FIELD_TOO_LONG, 431 },
};

/* Every table case, whole and then one prefix at a time. */
static void
test_request_table(void)
{
	struct ws_request	 req;
	size_t			 i, k, used, len, bad;
	int			 r;

	for (i = 0; i < sizeof(req_cases) / sizeof(req_cases[0]); i++) {
		const struct req_case *c = &req_cases[i];

		len = strlen(c->q_req);
		r = ws_server_request_parse(c->q_req, len, NULL, &req, &used);
		CHECK_MSG(r == c->q_err, "%s: got %s, want %s", c->q_name,
		    ws_strerror(r), ws_strerror(c->q_err));
		CHECK_MSG(ws_err_http_status(r) == c->q_status, "%s: status %d",
		    c->q_name, ws_err_http_status(r));
		if (r == WS_OK) {
			CHECK_STR(req.wr_key, KEY);
			CHECK_MSG(used == len, "%s: used %zu of %zu",
			    c->q_name, used, len);
		} else
			CHECK_MSG(used == 0 && req.wr_key[0] == '\0',
			    "%s: partial results", c->q_name);
		for (bad = 0, k = 0; k < len; k++) {
			r = ws_server_request_parse(c->q_req, k, NULL, &req,
			    &used);
			/* Only "body" has bytes after the blank line. */
			if (r != WS_NEED_MORE && !(r == c->q_err &&
			    strstr(c->q_req, "\r\n\r\n") < c->q_req + k - 3))
				bad++;
		}
		CHECK_MSG(bad == 0, "%s: %zu prefixes", c->q_name, bad);
	}
}

/* What a good request gives, and the bytes after it. */
static void
test_request_fields(void)
{
	const char	*q = R_LINE R_HOST R_UPG R_CONN R_KEY
	    "Origin: http://example.com\r\n"
	    "Sec-WebSocket-Protocol: chat, superchat\r\n"
	    "Sec-WebSocket-Protocol: v2\r\n"
	    "Sec-WebSocket-Extensions: permessage-deflate\r\n" R_VER CRLF
	    "\x81\x85";
	struct ws_request req;
	size_t		 used;

	CHECK_INT(ws_server_request_parse(q, strlen(q), NULL, &req, &used),
	    WS_OK);
	CHECK_INT(used, strlen(q) - 2);
	CHECK_STR(req.wr_target, "/chat?x=1");
	CHECK_STR(req.wr_host, "server.example.com");
	CHECK_STR(req.wr_origin, "http://example.com");
	CHECK_STR(req.wr_protocols, "chat, superchat, v2");
	CHECK_STR(req.wr_extensions, "permessage-deflate");
	CHECK(ws_token_list_has(req.wr_protocols, strlen(req.wr_protocols),
	    "superchat"));
	CHECK(!ws_token_list_has(req.wr_protocols, strlen(req.wr_protocols),
	    "super"));
	CHECK(ws_token_list_has(" a ,, B ", 8, "b"));
	CHECK(!ws_token_list_has("", 0, ""));
}

/* Line, size and count limits: 400 / 414 / 431, before the end too. */
static void
test_request_limits(void)
{
	struct ws_limits	 lim;
	struct ws_request	 req;
	struct buf		 b;
	size_t			 used, i;

	ws_limits_default(&lim);
	CHECK_INT(lim.wl_max_request_line, 4096);
	CHECK_INT(lim.wl_max_header_bytes, 16384);
	CHECK_INT(lim.wl_max_headers, 64);

	/* A request line over 4096 bytes, refused before its end. */
	buf_init(&b, 0);
	buf_adds(&b, "GET /");
	for (i = 0; i < 4100; i++)
		buf_addc(&b, 'a');
	CHECK_INT(ws_server_request_parse(b.bf_data, b.bf_len, NULL, &req,
	    &used), WS_ERR_HS_REQUEST_LINE_TOO_LONG);
	CHECK_INT(ws_err_http_status(WS_ERR_HS_REQUEST_LINE_TOO_LONG), 400);
	/* A target that fits the line but not the target buffer. */
	buf_reset(&b);
	buf_adds(&b, "GET /");
	for (i = 0; i < 3000; i++)
		buf_addc(&b, 'a');
	buf_adds(&b, " HTTP/1.1\r\n" R_ALL CRLF);
	CHECK_INT(ws_server_request_parse(b.bf_data, b.bf_len, NULL, &req,
	    &used), WS_ERR_HS_TARGET_TOO_LONG);
	CHECK_INT(ws_err_http_status(WS_ERR_HS_TARGET_TOO_LONG), 414);
	/* One header line over the line limit, refused unfinished. */
	buf_reset(&b);
	buf_adds(&b, R_LINE "X-Long: ");
	for (i = 0; i < 4100; i++)
		buf_addc(&b, 'b');
	CHECK_INT(ws_server_request_parse(b.bf_data, b.bf_len, NULL, &req,
	    &used), WS_ERR_HS_HEADER_TOO_LONG);
	CHECK_INT(ws_err_http_status(WS_ERR_HS_HEADER_TOO_LONG), 431);
	/* 65 header fields. */
	buf_reset(&b);
	buf_adds(&b, R_LINE R_ALL);
	for (i = 0; i < 60; i++)
		buf_printf(&b, "X-%zu: y\r\n", i);
	CHECK_INT(ws_server_request_parse(b.bf_data, b.bf_len, NULL, &req,
	    &used), WS_ERR_HS_TOO_MANY_HEADERS);
	CHECK_INT(ws_err_http_status(WS_ERR_HS_TOO_MANY_HEADERS), 431);
	/* 64 are fine. */
	buf_reset(&b);
	buf_adds(&b, R_LINE R_ALL);
	for (i = 0; i < 59; i++)
		buf_printf(&b, "X-%zu: y\r\n", i);
	buf_adds(&b, CRLF);
	CHECK_INT(ws_server_request_parse(b.bf_data, b.bf_len, NULL, &req,
	    &used), WS_OK);
	/* Over 16 KiB in all, refused unfinished. */
	buf_reset(&b);
	buf_adds(&b, R_LINE);
	for (i = 0; i < 50; i++) {
		buf_printf(&b, "X-%zu: ", i);
		while (b.bf_len % 400 != 0)
			buf_addc(&b, 'c');
		buf_adds(&b, CRLF);
	}
	CHECK_INT(ws_server_request_parse(b.bf_data, b.bf_len, NULL, &req,
	    &used), WS_ERR_HS_HEADERS_TOO_BIG);
	CHECK_INT(ws_err_http_status(WS_ERR_HS_HEADERS_TOO_BIG), 431);
	/* Smaller configured limits apply. */
	lim.wl_max_headers = 4;
	CHECK_INT(ws_server_request_parse(R_LINE R_ALL CRLF,
	    strlen(R_LINE R_ALL CRLF), &lim, &req, &used),
	    WS_ERR_HS_TOO_MANY_HEADERS);
	lim.wl_max_headers = 5;
	CHECK_INT(ws_server_request_parse(R_LINE R_ALL CRLF,
	    strlen(R_LINE R_ALL CRLF), &lim, &req, &used), WS_OK);
	/* A line exactly at the limit: its CR alone is not "too long". */
	lim.wl_max_request_line = strlen(R_LINE) - 2;
	CHECK_INT(ws_server_request_parse(R_LINE, strlen(R_LINE) - 1, &lim,
	    &req, &used), WS_NEED_MORE);
	CHECK_INT(ws_server_request_parse(R_LINE R_ALL CRLF,
	    strlen(R_LINE R_ALL CRLF), &lim, &req, &used),
	    WS_ERR_HS_HEADER_TOO_LONG);
	lim.wl_max_request_line = 10;
	CHECK_INT(ws_server_request_parse(R_LINE R_ALL CRLF,
	    strlen(R_LINE R_ALL CRLF), &lim, &req, &used),
	    WS_ERR_HS_REQUEST_LINE_TOO_LONG);
	buf_free(&b);
}

/* The accept value and the server's responses. */
static void
test_responses(void)
{
	char		 acc[WS_ACCEPT_LEN + 1], k1[WS_KEY_LEN + 1];
	char		 k2[WS_KEY_LEN + 1];
	struct ws_request req;
	struct buf	 b;
	size_t		 used;
	const char	*q = R_LINE R_HOST R_UPG R_CONN R_KEY
	    "Sec-WebSocket-Protocol: chat, superchat\r\n" R_VER CRLF;

	CHECK(ws_accept_key(KEY, acc) == 0);
	CHECK(strcmp(acc, ACCEPT) == 0);
	CHECK(ws_accept_key("short", acc) == -1);
	CHECK(ws_client_key(k1) == 0 && ws_client_key(k2) == 0);
	CHECK(strlen(k1) == 24 && strcmp(k1 + 22, "==") == 0);
	CHECK(strcmp(k1, k2) != 0);

	CHECK_INT(ws_server_request_parse(q, strlen(q), NULL, &req, &used),
	    WS_OK);
	buf_init(&b, 0);
	CHECK_INT(ws_server_response(&b, &req, NULL), WS_OK);
	CHECK_STR(b.bf_data, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: " ACCEPT "\r\n\r\n");
	buf_reset(&b);
	CHECK_INT(ws_server_response(&b, &req, "superchat"), WS_OK);
	CHECK(strstr(b.bf_data, "\r\nSec-WebSocket-Protocol: superchat\r\n\r\n")
	    != NULL);
	buf_reset(&b);
	CHECK_INT(ws_server_response(&b, &req, "other"), WS_ERR_INVAL);
	CHECK_INT(b.bf_len, 0);

	CHECK_INT(ws_server_error_response(&b, WS_ERR_HS_BAD_VERSION), WS_OK);
	CHECK_STR(b.bf_data, "HTTP/1.1 426 Upgrade Required\r\n"
	    "Connection: close\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 32\r\nSec-WebSocket-Version: 13\r\n\r\n"
	    "Sec-WebSocket-Version is not 13\n");
	buf_reset(&b);
	CHECK_INT(ws_server_error_response(&b, WS_ERR_HS_TOO_MANY_HEADERS),
	    WS_OK);
	CHECK(strncmp(b.bf_data, "HTTP/1.1 431 Request Header Fields Too "
	    "Large\r\n", 46) == 0);
	CHECK(strstr(b.bf_data, "Sec-WebSocket-Version") == NULL);
	buf_reset(&b);
	CHECK_INT(ws_server_error_response(&b, WS_ERR_HS_METHOD), WS_OK);
	CHECK(strncmp(b.bf_data, "HTTP/1.1 405 Method Not Allowed\r\n", 33) ==
	    0);
	buf_reset(&b);
	CHECK_INT(ws_server_error_response(&b, WS_ERR_HS_NO_KEY), WS_OK);
	CHECK(strncmp(b.bf_data, "HTTP/1.1 400 Bad Request\r\n", 26) == 0);
	/* the worker's memory budget has no room for the request */
	buf_reset(&b);
	CHECK_INT(ws_server_error_response(&b, WS_ERR_BUDGET), WS_OK);
	CHECK(strncmp(b.bf_data, "HTTP/1.1 503 Service Unavailable\r\n",
	    34) == 0);
	CHECK_INT(ws_server_error_response(&b, WS_OK), WS_ERR_INVAL);
	buf_free(&b);
}

#define S_OK	"HTTP/1.1 101 Switching Protocols\r\n"
#define S_UPG	"Upgrade: websocket\r\n"
#define S_CONN	"Connection: Upgrade\r\n"
#define S_ACC	"Sec-WebSocket-Accept: " ACCEPT "\r\n"

struct resp_case {
	const char	*s_name;
	const char	*s_resp;
	const char	*s_offered;
	int		 s_err;
	int		 s_status;
};

static const struct resp_case resp_cases[] = {
	{ "good", S_OK S_UPG S_CONN S_ACC CRLF, NULL, WS_OK, 101 },
	{ "no reason phrase", "HTTP/1.1 101\r\n" S_UPG S_CONN S_ACC CRLF,
	  NULL, WS_OK, 101 },
	{ "names in any case", S_OK "upgrade: WebSocket\r\nCONNECTION: upgrade"
	  "\r\nsec-websocket-accept: " ACCEPT "\r\n\r\n", NULL, WS_OK, 101 },
	{ "protocol offered", S_OK S_UPG S_CONN S_ACC
	  "Sec-WebSocket-Protocol: chat\r\n\r\n", "chat, superchat", WS_OK,
	  101 },
	{ "protocol offered, none chosen", S_OK S_UPG S_CONN S_ACC CRLF,
	  "chat", WS_OK, 101 },
	{ "200", "HTTP/1.1 200 OK\r\n\r\n", NULL, WS_ERR_HS_STATUS, 200 },
	{ "426", "HTTP/1.1 426 Upgrade Required\r\n"
	  "Sec-WebSocket-Version: 13\r\n\r\n", NULL, WS_ERR_HS_STATUS, 426 },
	{ "HTTP/1.0", "HTTP/1.0 101 Switching Protocols\r\n" S_UPG S_CONN
	  S_ACC CRLF, NULL, WS_ERR_HS_STATUS_LINE, 0 },
	{ "garbage", "SSH-2.0-OpenSSH\r\n\r\n", NULL, WS_ERR_HS_STATUS_LINE,
	  0 },
	{ "status 1010", "HTTP/1.1 1010 x\r\n\r\n", NULL,
	  WS_ERR_HS_STATUS_LINE, 0 },
	{ "no Upgrade", S_OK S_CONN S_ACC CRLF, NULL, WS_ERR_HS_RESP_UPGRADE,
	  101 },
	{ "no Connection", S_OK S_UPG S_ACC CRLF, NULL,
	  WS_ERR_HS_RESP_CONNECTION, 101 },
	{ "no accept", S_OK S_UPG S_CONN CRLF, NULL, WS_ERR_HS_NO_ACCEPT,
	  101 },
	{ "wrong accept", S_OK S_UPG S_CONN
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOO=\r\n\r\n", NULL,
	  WS_ERR_HS_BAD_ACCEPT, 101 },
	{ "two accepts", S_OK S_UPG S_CONN S_ACC S_ACC CRLF, NULL,
	  WS_ERR_HS_DUPLICATE_HEADER, 101 },
	{ "extension not offered", S_OK S_UPG S_CONN S_ACC
	  "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n", NULL,
	  WS_ERR_HS_EXTENSION, 101 },
	{ "protocol not offered", S_OK S_UPG S_CONN S_ACC
	  "Sec-WebSocket-Protocol: chat\r\n\r\n", NULL, WS_ERR_HS_PROTOCOL,
	  101 },
	{ "other protocol", S_OK S_UPG S_CONN S_ACC
	  "Sec-WebSocket-Protocol: mqtt\r\n\r\n", "chat", WS_ERR_HS_PROTOCOL,
	  101 },
	{ "two protocols", S_OK S_UPG S_CONN S_ACC
	  "Sec-WebSocket-Protocol: chat, superchat\r\n\r\n", "chat, superchat",
	  WS_ERR_HS_PROTOCOL, 101 },
	{ "bad field", S_OK S_UPG "Connection Upgrade\r\n" S_ACC CRLF, NULL,
	  WS_ERR_HS_HEADER_SYNTAX, 101 },
};

/* The client's check of the server's answer. */
static void
test_response_table(void)
{
	struct ws_response	 resp;
	size_t			 i, k, used, len, bad;
	int			 r;

	for (i = 0; i < sizeof(resp_cases) / sizeof(resp_cases[0]); i++) {
		const struct resp_case *c = &resp_cases[i];

		len = strlen(c->s_resp);
		r = ws_client_response_parse(c->s_resp, len, NULL, KEY,
		    c->s_offered, &resp, &used);
		CHECK_MSG(r == c->s_err, "%s: got %s, want %s", c->s_name,
		    ws_strerror(r), ws_strerror(c->s_err));
		CHECK_MSG(resp.ws_status == c->s_status, "%s: status %d",
		    c->s_name, resp.ws_status);
		CHECK(r != WS_OK || used == len);
		for (bad = 0, k = 0; k < len; k++)
			if (ws_client_response_parse(c->s_resp, k, NULL, KEY,
			    c->s_offered, &resp, &used) != WS_NEED_MORE)
				bad++;
		CHECK_MSG(bad == 0, "%s: %zu prefixes", c->s_name, bad);
	}
	r = ws_client_response_parse(S_OK S_UPG S_CONN S_ACC
	    "Sec-WebSocket-Protocol: superchat\r\n\r\n\x81\x02hi",
	    strlen(S_OK S_UPG S_CONN S_ACC
	    "Sec-WebSocket-Protocol: superchat\r\n\r\n\x81\x02hi"), NULL, KEY,
	    "chat, superchat", &resp, &used);
	CHECK_INT(r, WS_OK);
	CHECK_STR(resp.ws_protocol, "superchat");
	CHECK_INT(used, strlen(S_OK S_UPG S_CONN S_ACC
	    "Sec-WebSocket-Protocol: superchat\r\n\r\n"));
	CHECK_INT(ws_client_response_parse(S_OK, strlen(S_OK), NULL, "bad",
	    NULL, &resp, &used), WS_ERR_INVAL);
}

struct url_case {
	const char	*u_in;
	int		 u_tls;
	const char	*u_host;
	int		 u_port;
	const char	*u_path;
	const char	*u_hosthdr;
};

static const struct url_case url_ok[] = {
	{ "ws://example.com/chat", 0, "example.com", 80, "/chat",
	  "example.com" },
	{ "ws://example.com", 0, "example.com", 80, "/", "example.com" },
	{ "WS://Example.com:9001", 0, "Example.com", 9001, "/",
	  "Example.com:9001" },
	{ "wss://example.com/a/b?x=1&y=2", 1, "example.com", 443,
	  "/a/b?x=1&y=2", "example.com" },
	{ "wss://example.com:443/", 1, "example.com", 443, "/",
	  "example.com" },
	{ "wss://example.com:80/", 1, "example.com", 80, "/",
	  "example.com:80" },
	{ "ws://example.com:443/", 0, "example.com", 443, "/",
	  "example.com:443" },
	{ "ws://127.0.0.1:4242", 0, "127.0.0.1", 4242, "/",
	  "127.0.0.1:4242" },
	{ "ws://[::1]:9001/p", 0, "::1", 9001, "/p", "[::1]:9001" },
	{ "wss://[2001:db8::1]/", 1, "2001:db8::1", 443, "/",
	  "[2001:db8::1]" },
	{ "localhost:4242", 0, "localhost", 4242, "/", "localhost:4242" },
	{ "localhost", 0, "localhost", 80, "/", "localhost" },
	{ "example.com?q=1", 0, "example.com", 80, "/?q=1", "example.com" },
	{ "[::1]:8080", 0, "::1", 8080, "/", "[::1]:8080" },
};

static const char *const url_bad[] = {
	"http://example.com/", "ws://", "ws:///path", "ws://:80/",
	"ws://h:0/", "ws://h:65536/", "ws://h:12ab/", "ws://h:/",
	"ws://user@h/", "ws://h/#frag", "ws://[::1/", "ws://[zz::1]/",
	"ws://[]/", "ws://h/p q", "ws://ho st/", "ws://h%41/", "",
	"ws://h:-1/", "ws://h:+80/", "ws://h/\x7f",
};

/* URLs accepted and refused, and the Host header they give. */
static void
test_urls(void)
{
	struct url	 u;
	const char	*err;
	char		 hh[URL_HOST_MAX + 16];
	size_t		 i;

	for (i = 0; i < sizeof(url_ok) / sizeof(url_ok[0]); i++) {
		const struct url_case *c = &url_ok[i];

		CHECK_MSG(url_parse(c->u_in, &u, &err) == 0, "%s", c->u_in);
		CHECK_MSG(u.u_tls == c->u_tls && u.u_port == c->u_port &&
		    strcmp(u.u_host, c->u_host) == 0 &&
		    strcmp(u.u_path, c->u_path) == 0, "%s: %d %s %u %s",
		    c->u_in, u.u_tls, u.u_host, u.u_port, u.u_path);
		CHECK(url_host_header(&u, hh, sizeof(hh)) == 0);
		CHECK_MSG(strcmp(hh, c->u_hosthdr) == 0, "%s: %s", c->u_in, hh);
	}
	for (i = 0; i < sizeof(url_bad) / sizeof(url_bad[0]); i++) {
		err = NULL;
		CHECK_MSG(url_parse(url_bad[i], &u, &err) == -1 && err != NULL,
		    "%s accepted", url_bad[i]);
	}
	CHECK(url_parse("ws://example.com:9001", &u, NULL) == 0);
	CHECK(url_host_header(&u, hh, 16) == -1);
	CHECK(url_host_header(&u, hh, 17) == 0);
}

/* unix:PATH listener urls and unix_socket paths (issue 14). */
static void
test_unix_urls(void)
{
	static const char *const bad[] = {
		"unix:", "unix:run/w.sock", "unix:/run/", "unix:/run/../w",
		"unix:/./w", "unix:/run/.", "unix:/a/..",
	};
	const char	*path, *err;
	char		 longp[URL_UNIX_MAX + 8];
	size_t		 i;

	CHECK(url_unix("unix:/run/wsflow/w.sock", &path, &err) == 0);
	CHECK_STR(path, "/run/wsflow/w.sock");
	CHECK(url_unix("unix:/run/.hidden/..x", &path, &err) == 0);
	CHECK(url_unix("ws://unix:80/", &path, &err) == 1);
	CHECK(url_unix("UNIX:/x", &path, &err) == 1);
	CHECK(url_is_unix("unix:/x") && !url_is_unix("ws://x"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		CHECK_MSG(url_unix(bad[i], &path, &err) == -1 && err != NULL,
		    "%s accepted", bad[i]);
	}
	memset(longp, 'a', sizeof(longp));
	longp[0] = '/';
	longp[URL_UNIX_MAX - 1] = '\0';	/* 107 bytes: fits */
	CHECK(url_unix_path(longp, &err) == 0);
	longp[URL_UNIX_MAX - 1] = 'a';
	longp[URL_UNIX_MAX] = '\0';		/* 108: does not */
	CHECK(url_unix_path(longp, &err) == -1);
}

/* Client request bytes, then the whole exchange both ways. */
static void
test_round_trip(void)
{
	struct url		 u;
	struct ws_request	 req;
	struct ws_response	 resp;
	struct buf		 q, s;
	char			 key[WS_KEY_LEN + 1];
	size_t			 used, i;

	buf_init(&q, 0);
	CHECK(url_parse("ws://[::1]:9001/chat?room=1", &u, NULL) == 0);
	CHECK_INT(ws_client_request(&q, &u, KEY, "http://example.com",
	    "chat, superchat"), WS_OK);
	CHECK_STR(q.bf_data, "GET /chat?room=1 HTTP/1.1\r\n"
	    "Host: [::1]:9001\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: " KEY "\r\n"
	    "Sec-WebSocket-Version: 13\r\n"
	    "Origin: http://example.com\r\n"
	    "Sec-WebSocket-Protocol: chat, superchat\r\n\r\n");
	buf_reset(&q);
	CHECK_INT(ws_client_request(&q, &u, KEY, "a\r\nInjected: 1", NULL),
	    WS_ERR_INVAL);
	CHECK_INT(ws_client_request(&q, &u, "short", NULL, NULL),
	    WS_ERR_INVAL);
	CHECK_INT(q.bf_len, 0);
	buf_free(&q);

	for (i = 0; i < sizeof(url_ok) / sizeof(url_ok[0]); i++) {
		CHECK(url_parse(url_ok[i].u_in, &u, NULL) == 0);
		CHECK(ws_client_key(key) == 0);
		buf_init(&q, 0);
		buf_init(&s, 0);
		CHECK_INT(ws_client_request(&q, &u, key, NULL, "chat"), WS_OK);
		CHECK_INT(ws_server_request_parse(q.bf_data, q.bf_len, NULL,
		    &req, &used), WS_OK);
		CHECK_STR(req.wr_target, url_ok[i].u_path);
		CHECK_STR(req.wr_host, url_ok[i].u_hosthdr);
		CHECK_INT(ws_server_response(&s, &req, "chat"), WS_OK);
		CHECK_INT(ws_client_response_parse(s.bf_data, s.bf_len, NULL,
		    key, "chat", &resp, &used), WS_OK);
		CHECK_STR(resp.ws_protocol, "chat");
		buf_free(&q);
		buf_free(&s);
	}
}

/* allowed_origins: exact match, ASCII case aside; no Origin passes. */
static void
test_origin(void)
{
	static const char *const list[] = {
		"https://app.example.com", "http://localhost:8080",
	};

	CHECK(ws_origin_allowed("https://app.example.com", NULL, 0));
	CHECK(ws_origin_allowed("https://evil.example", NULL, 0));
	CHECK(ws_origin_allowed("https://app.example.com", list, 2));
	CHECK(ws_origin_allowed("HTTPS://App.Example.COM", list, 2));
	CHECK(ws_origin_allowed("http://localhost:8080", list, 2));
	CHECK(ws_origin_allowed("", list, 2));
	CHECK(ws_origin_allowed(NULL, list, 2));
	CHECK(!ws_origin_allowed("https://evil.example", list, 2));
	CHECK(!ws_origin_allowed("http://app.example.com", list, 2));
	CHECK(!ws_origin_allowed("https://app.example.com:443", list, 2));
	CHECK(!ws_origin_allowed("https://app.example.com.evil", list, 2));
	CHECK(!ws_origin_allowed("https://app.example.co", list, 2));
	CHECK(!ws_origin_allowed("http://localhost", list, 2));
	CHECK(!ws_origin_allowed("null", list, 2));
	/* an empty list: only requests without Origin */
	CHECK(!ws_origin_allowed("https://app.example.com", list, 0));
	CHECK(ws_origin_allowed("", list, 0));
	/* 403 Forbidden with the reason */
	{
		struct buf	 b;

		buf_init(&b, 0);
		CHECK_INT(ws_server_error_response(&b, WS_ERR_HS_ORIGIN),
		    WS_OK);
		buf_adds(&b, "");
		CHECK(strncmp(b.bf_data, "HTTP/1.1 403 Forbidden\r\n", 24)
		    == 0);
		CHECK(strstr(b.bf_data, "\r\n\r\nOrigin not allowed\n") !=
		    NULL);
		buf_free(&b);
	}
}

/* The server's subprotocol choice: the client's order, exact names. */
static void
test_protocol_select(void)
{
	static const char *const sup[] = { "v2.chat", "chat", "mqtt" };
	static const struct {
		const char	*offered;
		int		 want;
		const char	*chosen;
	} t[] = {
		{ "chat, v2.chat", 1, "chat" },		/* client's order */
		{ "v2.chat,chat", 1, "v2.chat" },
		{ "  x , ,mqtt\t", 1, "mqtt" },
		{ "Chat", 0, "" },			/* exact names */
		{ "cha, chatt, v2", 0, "" },
		{ "", 0, "" },
		{ ",,, ,", 0, "" },
	};
	char	 buf[WS_FIELD_MAX];
	char	*out = buf;
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK_INT(ws_protocol_select(t[i].offered, sup, 3, out,
		    sizeof(buf)), t[i].want);
		CHECK_STR(out, t[i].chosen);
	}
	CHECK_INT(ws_protocol_select("chat", sup, 0, out, sizeof(buf)), 0);
	/* a name longer than the room is not chosen */
	CHECK_INT(ws_protocol_select("v2.chat", sup, 3, out, 7), 0);
}

/* Extensions: offered, answered, and refused when never offered. */
static void
test_extensions(void)
{
	struct url		 u;
	struct ws_request	 req;
	struct ws_response	 resp;
	struct buf		 q, s;
	size_t			 used;

	buf_init(&q, 0);
	buf_init(&s, 0);
	CHECK(url_parse("ws://127.0.0.1:1/", &u, NULL) == 0);
	CHECK_INT(ws_client_request_ext(&q, &u, KEY, NULL, NULL,
	    "permessage-deflate; client_max_window_bits"), WS_OK);
	CHECK(strstr(q.bf_data, "\r\nSec-WebSocket-Extensions: "
	    "permessage-deflate; client_max_window_bits\r\n") != NULL);
	CHECK_INT(ws_client_request_ext(&q, &u, KEY, NULL, NULL,
	    "x\r\nEvil: 1"), WS_ERR_INVAL);
	CHECK_INT(ws_server_request_parse(q.bf_data, q.bf_len, NULL, &req,
	    &used), WS_OK);
	CHECK_STR(req.wr_extensions,
	    "permessage-deflate; client_max_window_bits");
	CHECK_INT(ws_server_response_ext(&s, &req, NULL,
	    "permessage-deflate; server_no_context_takeover"), WS_OK);
	CHECK(strstr(s.bf_data, "\r\nSec-WebSocket-Extensions: "
	    "permessage-deflate; server_no_context_takeover\r\n") != NULL);
	CHECK_INT(ws_server_response_ext(&q, &req, NULL, "a\nb"),
	    WS_ERR_INVAL);
	/* offered: handed to the caller; not offered: refused */
	CHECK_INT(ws_client_response_parse_ext(s.bf_data, s.bf_len, NULL,
	    KEY, NULL, 1, &resp, &used), WS_OK);
	CHECK_STR(resp.ws_extensions,
	    "permessage-deflate; server_no_context_takeover");
	CHECK_INT(ws_client_response_parse(s.bf_data, s.bf_len, NULL, KEY,
	    NULL, &resp, &used), WS_ERR_HS_EXTENSION);
	buf_reset(&s);
	CHECK_INT(ws_server_response_ext(&s, &req, NULL, ""), WS_OK);
	CHECK(strstr(s.bf_data, "Extensions") == NULL);
	CHECK_INT(ws_client_response_parse_ext(s.bf_data, s.bf_len, NULL,
	    KEY, NULL, 1, &resp, &used), WS_OK);
	CHECK_STR(resp.ws_extensions, "");
	buf_free(&q);
	buf_free(&s);
}

/* Client headers (issue 14): extra fields land before the blank line
 * and the server still accepts the request; injections are refused. */
static void
test_client_fields(void)
{
	struct url		 u;
	struct ws_request	 req;
	struct buf		 q;
	size_t			 used, len;

	buf_init(&q, 0);
	CHECK(url_parse("ws://h:1/p", &u, NULL) == 0);
	CHECK_INT(ws_client_request_field(&q, "X-A", "1"), WS_ERR_INVAL);
	CHECK_INT(ws_client_request(&q, &u, KEY, NULL, NULL), WS_OK);
	CHECK_INT(ws_client_request_field(&q, "Origin", "https://a"), WS_OK);
	CHECK_INT(ws_client_request_field(&q, "Authorization",
	    "Bearer t\tu"), WS_OK);
	len = q.bf_len;
	CHECK_INT(ws_client_request_field(&q, "X-B", "a\r\nInjected: 1"),
	    WS_ERR_INVAL);
	CHECK_INT(ws_client_request_field(&q, "X-B", "a\nb"), WS_ERR_INVAL);
	CHECK_INT(ws_client_request_field(&q, "X B", "a"), WS_ERR_INVAL);
	CHECK_INT(ws_client_request_field(&q, "X:B", "a"), WS_ERR_INVAL);
	CHECK_INT(ws_client_request_field(&q, "", "a"), WS_ERR_INVAL);
	CHECK_INT(q.bf_len, len);
	CHECK_STR(q.bf_data, "GET /p HTTP/1.1\r\n"
	    "Host: h:1\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: " KEY "\r\n"
	    "Sec-WebSocket-Version: 13\r\n"
	    "Origin: https://a\r\n"
	    "Authorization: Bearer t\tu\r\n\r\n");
	CHECK_INT(ws_server_request_parse(q.bf_data, q.bf_len, NULL, &req,
	    &used), WS_OK);
	CHECK_INT(used, q.bf_len);
	CHECK_STR(req.wr_origin, "https://a");
	buf_free(&q);
}

int
main(void)
{
	test_origin();
	test_request_table();
	test_request_fields();
	test_request_limits();
	test_responses();
	test_response_table();
	test_urls();
	test_unix_urls();
	test_round_trip();
	test_protocol_select();
	test_extensions();
	test_client_fields();
	return check_done();
}
