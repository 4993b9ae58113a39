/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of connector validation in the troy front end: types and
 * ports by the table in conntype.h, codec and config rules, defaults, and
 * errors placed at the source expression of the bad value.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "troy_testlib.h"

/* Validate with (JSON text) of a connector of type; src is troy text. */
static struct json_object *
validate(enum conn_type type, const char *with, const char *src,
    struct troy_diags *d)
{
	struct troy_src		 ts;
	struct troy_pos		 pos;
	struct troy_expr	*e;
	struct json_object	*w, *out;

	memset(d, 0, sizeof(*d));
	memset(&ts, 0, sizeof(ts));
	ts.sr_name = (char *)(uintptr_t)"t.troy";
	ts.sr_text = (char *)(uintptr_t)src;
	ts.sr_len = strlen(src);
	pos.p_src = &ts;
	pos.p_line = 9;
	pos.p_col = 9;
	e = troy_parse_expr(&ts);
	CHECK(e != NULL);
	w = json_tokener_parse(with);
	out = troy_conn_config(type, w, e, &pos, d);
	json_object_put(w);
	troy_expr_free(e);
	return out;
}

/* Compact JSON of a member of o. */
static const char *
member(struct json_object *o, const char *key)
{
	return json_object_to_json_string_ext(json_object_object_get(o, key),
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* Names troy accepts, and those it does not. */
static void
test_types(void)
{
	CHECK_INT(troy_conn_type("ws_client"), CT_WS_CLIENT);
	CHECK_INT(troy_conn_type("ws_server"), CT_WS_SERVER);
	CHECK_INT(troy_conn_type("file"), CT_FILE);
	CHECK_INT(troy_conn_type("stdio"), CT_STDIO);
	CHECK_INT(troy_conn_type("exit"), CT_EXIT);
	CHECK_INT(troy_conn_type("metrics"), CT_METRICS);
	CHECK_INT(troy_conn_type("control"), CT_NONE);	/* not a troy type */
	CHECK_INT(troy_conn_type("console"), CT_NONE);	/* a definition */
	CHECK_INT(troy_conn_type("ws-client"), CT_NONE);
}

/* Ports by type, and a file's by its mode. */
static void
test_ports(void)
{
	struct json_object	*rd, *wr;

	CHECK(troy_conn_port(CT_STDIO, NULL, "stdout", 0));
	CHECK(troy_conn_port(CT_STDIO, NULL, "STDERR", 0));
	CHECK(!troy_conn_port(CT_STDIO, NULL, "stdout", 1));
	CHECK(troy_conn_port(CT_WS_SERVER, NULL, "err", 1));
	CHECK(!troy_conn_port(CT_WS_SERVER, NULL, "stdout", 0));
	CHECK(troy_conn_port(CT_EXIT, NULL, "in", 0));
	CHECK(!troy_conn_port(CT_EXIT, NULL, "out", 1));
	CHECK(troy_conn_port(CT_METRICS, NULL, "in", 0));
	CHECK(troy_conn_port(CT_METRICS, NULL, "out", 1));
	CHECK(!troy_conn_port(CT_NONE, NULL, "in", 0));

	rd = json_tokener_parse("{\"config\": {\"mode\": \"read\"}}");
	wr = json_tokener_parse("{\"config\": {\"mode\": \"truncate\"}}");
	CHECK(troy_conn_reads(CT_FILE, rd));
	CHECK(!troy_conn_reads(CT_FILE, wr));
	CHECK(troy_conn_reads(CT_FILE, NULL));
	CHECK(troy_conn_reads(CT_WS_CLIENT, wr));	/* no mode ports */
	CHECK(troy_conn_port(CT_FILE, rd, "out", 1));
	CHECK(!troy_conn_port(CT_FILE, rd, "in", 0));
	CHECK(troy_conn_port(CT_FILE, wr, "in", 0));
	CHECK(!troy_conn_port(CT_FILE, wr, "out", 1));
	json_object_put(rd);
	json_object_put(wr);
}

/* Codec and config rules from the table; defaults filled in. */
static void
test_config(void)
{
	struct troy_diags	 d;
	struct json_object	*o;

	o = validate(CT_EXIT, "{}", "{}", &d);
	CHECK(o != NULL);
	CHECK_STR(member(o, "codec"), "null");
	CHECK_STR(member(o, "config"), "{\"delay\":0,\"graceful\":true}");
	CHECK_STR(member(o, "reconnect"), "\"none\"");
	CHECK_INT(d.dd_n, 0);
	json_object_put(o);
	troy_diags_free(&d);

	o = validate(CT_EXIT, "{\"codec\": \"json\"}", "{\"codec\": \"json\"}",
	    &d);
	CHECK(o == NULL);
	CHECK_INT(d.dd_errors, 1);
	CHECK_STR(d.dd_v[0].dg_msg, "connector type exit takes no codec");
	CHECK_INT(d.dd_v[0].dg_pos.p_col, 2);
	troy_diags_free(&d);

	o = validate(CT_FILE, "{}", "{}", &d);
	CHECK(o == NULL);
	CHECK_INT(d.dd_errors, 2);
	CHECK_STR(d.dd_v[0].dg_msg, "missing codec for connector type file");
	CHECK_STR(d.dd_v[1].dg_msg, "missing \"config\" for connector type "
	    "file");
	CHECK_INT(d.dd_v[1].dg_pos.p_line, 9);		/* the fallback */
	troy_diags_free(&d);

	o = validate(CT_STDIO, "{\"codec\": \"string\"}",
	    "{\"codec\": \"string\"}", &d);
	CHECK(o != NULL);
	CHECK_STR(member(o, "config"), "{}");
	json_object_put(o);
	troy_diags_free(&d);

	o = validate(CT_STDIO, "{\"codec\": \"string\", \"config\": {\"x\": 1}}",
	    "{\"codec\": \"string\", \"config\": {\"x\": 1}}", &d);
	CHECK(o == NULL);
	CHECK_INT(d.dd_errors, 1);
	troy_diags_free(&d);
}

/* max_buffered on ws_server and ws_client: an integer in range. */
static void
test_max_buffered(void)
{
	static const char *const good[] = {
		"{\"codec\": \"binary\", \"config\": {\"url\": \"ws://127.0.0.1:1\", "
		    "\"max_buffered\": 1048576}}",
		"{\"codec\": \"binary\", \"config\": {\"url\": \"ws://127.0.0.1:1\", "
		    "\"max_buffered\": 1099511627776}}",
	};
	static const char *const bad[] = {
		"{\"codec\": \"binary\", \"config\": {\"url\": \"ws://127.0.0.1:1\", "
		    "\"max_buffered\": 1048575}}",
		"{\"codec\": \"binary\", \"config\": {\"url\": \"ws://127.0.0.1:1\", "
		    "\"max_buffered\": 1099511627777}}",
		"{\"codec\": \"binary\", \"config\": {\"url\": \"ws://127.0.0.1:1\", "
		    "\"max_buffered\": \"1G\"}}",
	};
	static const enum conn_type types[] = { CT_WS_SERVER, CT_WS_CLIENT };
	struct troy_diags	 d;
	struct json_object	*o;
	size_t			 i, t;

	for (t = 0; t < 2; t++) {
		for (i = 0; i < 2; i++) {
			o = validate(types[t], good[i], good[i], &d);
			CHECK_MSG(o != NULL, "%s", good[i]);
			if (o != NULL)
				CHECK_STR(json_object_get_string(
				    json_object_object_get(json_object_object_get(
				    o, "config"), "max_buffered")), i == 0 ?
				    "1048576" : "1099511627776");
			json_object_put(o);
			troy_diags_free(&d);
		}
		for (i = 0; i < 3; i++) {
			o = validate(types[t], bad[i], bad[i], &d);
			CHECK(o == NULL);
			CHECK_INT(d.dd_errors, 1);
			if (d.dd_n > 0)
				CHECK_STR(d.dd_v[0].dg_msg, i < 2 ?
				    "\"max_buffered\" must be between 1048576 "
				    "and 1099511627776" : "\"max_buffered\" must "
				    "be an integer, not a string");
			troy_diags_free(&d);
		}
	}
}

/* broadcast on ws_server (issue 14): a bool or {"max_queued": bytes}. */
static void
test_broadcast(void)
{
	static const char *const good[] = {
		"true", "false", "{}", "{\"max_queued\": 65536}",
		"{\"max_queued\": 1073741824}",
	};
	static const struct {
		const char	*v;
		const char	*msg;
	} bad[] = {
		{ "\"all\"", "\"broadcast\" must be a bool or a record "
		    "{\"max_queued\"}, not a string" },
		{ "{\"max_queued\": 65535}", "\"max_queued\" must be between "
		    "65536 and 1073741824" },
		{ "{\"max_queued\": 1073741825}", "\"max_queued\" must be "
		    "between 65536 and 1073741824" },
		{ "{\"max_queued\": true}", "\"max_queued\" must be an "
		    "integer, not a bool" },
		{ "{\"max_queue\": 65536}", "unknown key \"max_queue\" in "
		    "broadcast (did you mean \"max_queued\"?)" },
	};
	struct troy_diags	 d;
	struct json_object	*o;
	char			 src[256];
	size_t			 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(src, sizeof(src), "{\"codec\": \"binary\", \"config\": "
		    "{\"url\": \"ws://127.0.0.1:1\", \"broadcast\": %s}}",
		    good[i]);
		o = validate(CT_WS_SERVER, src, src, &d);
		CHECK_MSG(o != NULL, "%s", src);
		json_object_put(o);
		troy_diags_free(&d);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(src, sizeof(src), "{\"codec\": \"binary\", \"config\": "
		    "{\"url\": \"ws://127.0.0.1:1\", \"broadcast\": %s}}",
		    bad[i].v);
		o = validate(CT_WS_SERVER, src, src, &d);
		CHECK_MSG(o == NULL, "%s", src);
		CHECK_INT(d.dd_errors, 1);
		if (d.dd_n > 0)
			CHECK_STR(d.dd_v[0].dg_msg, bad[i].msg);
		troy_diags_free(&d);
	}
	/* a server's key only */
	snprintf(src, sizeof(src), "{\"codec\": \"binary\", \"config\": "
	    "{\"url\": \"ws://127.0.0.1:1\", \"broadcast\": true}}");
	o = validate(CT_WS_CLIENT, src, src, &d);
	CHECK(o == NULL);
	troy_diags_free(&d);
}

/* An error points at the source of the bad value, inside records and
 * arrays. */
static void
test_positions(void)
{
	struct troy_diags	 d;
	struct json_object	*o;

	o = validate(CT_EXIT, "{\"config\": {\"delay\": \"x\"}}",
	    "{\"config\": {\"delay\": \"x\"}}", &d);
	CHECK(o == NULL);
	CHECK_INT(d.dd_errors, 1);
	CHECK_STR(d.dd_v[0].dg_msg, "\"delay\" must be an integer, not a "
	    "string");
	CHECK_INT(d.dd_v[0].dg_pos.p_line, 1);
	CHECK_INT(d.dd_v[0].dg_pos.p_col, 22);
	troy_diags_free(&d);

	o = validate(CT_STDIO, "{\"codec\": \"string\", "
	    "\"preprocessors\": [\"lines\", \"nope\"]}",
	    "{\"codec\": \"string\", \"preprocessors\": [\"lines\", \"nope\"]}",
	    &d);
	CHECK(o == NULL);
	CHECK_INT(d.dd_errors, 1);
	CHECK_INT(d.dd_v[0].dg_pos.p_col, 48);
	troy_diags_free(&d);
}

/* Through the resolver: a connector with a bad value, an unknown type. */
static void
test_load(void)
{
	static const char *const files[] = {
		"main.troy",
		"define flow f flow\n"
		"  define connector c from file with codec = \"json\", "
		"config = {\"path\": \"x\", \"mode\": \"rd\"} end;\n"
		"  define connector d from wsclient with codec = \"json\" end;\n"
		"  create connector c; create connector d;\n"
		"end;\n"
		"deploy flow f;\n",
		NULL,
	};
	struct troy_ctx		*ctx = NULL;

	CHECK(load(files, names, 1, NULL, 0, &ctx) == NULL);
	CHECK_STR(S(diags(ctx)), "main.troy:3:27: unknown connector type "
	    "\"wsclient\" (did you mean \"ws_client\"?)\n"
	    "    define connector d from wsclient with codec = \"json\" end;\n"
	    "                            ^\n"
	    "main.troy:2:84: unknown file mode \"rd\" (one of read, write, "
	    "append, truncate, overwrite)\n"
	    "    define connector c from file with codec = \"json\", config = "
	    "{\"path\": \"x\", \"mode\": \"rd\"} end;\n"
	    "                                                                  "
	    "                   ^\n");
	troy_ctx_free(ctx);
}

int
main(void)
{
	test_types();
	test_ports();
	test_config();
	test_positions();
	test_max_buffered();
	test_broadcast();
	test_load();
	return check_done();
}
