/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for workers/event.c without sockets: a worker whose sink
 * writes into a buffer.  Stream state through the event path (the
 * 1024-stream bound, reuse after end, interleaved partial lines; the
 * table itself: test_streams), canonical input passed on
 * unparsed and non-canonical input re-encoded alike, passthrough and
 * filtering pipelines, route messages to json, json-sorted and string
 * sinks, and the route metadata kept while its text repeats.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "check.h"
#include "log.h"
#include "proto.h"
#include "worker.h"

static struct worker	 tw;
static struct buf	 out;		/* what the sink wrote, one per line */
static struct json_object *last_meta;	/* w_sink.sk_meta of the last write */
static int		 writes;

/* The sink: append the encoded (and postprocessed) event. */
static int
t_write(struct worker *w, const char *port, const char *data, size_t len)
{
	(void)port;
	last_meta = w->w_sink.sk_meta;
	writes++;
	return buf_add(&out, data, len);
}

static const struct conn_ops	t_ops = {
	.co_type = "test",
	.co_write = t_write,
};

/* Set the test worker up from a config written as JSON text. */
static void
setup(const char *conf)
{
	char	 err[256];

	memset(&tw, 0, sizeof(tw));
	strlcpy(tw.w_name, "t", sizeof(tw.w_name));
	tw.w_ops = &t_ops;
	tw.w_conf = json_tokener_parse(conf);
	CHECK(tw.w_conf != NULL);
	CHECK_MSG(ev_setup(&tw, err, sizeof(err)) == 0, "%s", err);
	buf_reset(&out);
	writes = 0;
}

/* Undo setup. */
static void
teardown(void)
{
	ev_teardown(&tw);
	json_object_put(tw.w_conf);
	tw.w_conf = NULL;
}

/* Feed text on a stream. */
static void
feed(uint64_t stream, const char *s)
{
	ev_source_data(&tw, stream, s, strlen(s), NULL);
}

/* What the sink wrote so far, as a C string. */
static const char *
written(void)
{
	return out.bf_len == 0 ? "" : out.bf_data;
}

#define ECHO(codec, pipes, outs)					\
	"{\"connector\":{\"codec\":\"" codec "\",\"preprocessors\":"	\
	"[\"lines\"],\"postprocessors\":[\"lines\"]},\"outputs\":{"	\
	"\"out\":" outs "},\"pipelines\":" pipes "}"
#define LOCAL	"[{\"local\":true,\"port\":\"in\"}]"
#define SELECT(where)							\
	"{\"from\":\"in\",\"target\":{\"t\":\"path\",\"root\":\"event\","	\
	"\"segs\":[]},\"where\":" where ",\"into\":\"out\"}"
#define PIPE(sel)							\
	"[{\"outputs\":{\"out\":" LOCAL "},\"compiled\":{\"name\":\"p\","	\
	"\"selects\":[" sel "]}}]"

/* Streams: found by id, at most WK_MAX_STREAMS live, slots reused. */
static void
test_streams(void)
{
	uint64_t	 id;
	char		 line[64];
	int		 i;

	setup(ECHO("json", "[]", LOCAL));
	/* partial lines of two streams interleaved stay apart */
	feed(5, "{\"s\":");
	feed(5 + 1024, "{\"t\":2}\n{\"u\":");
	feed(5, "1}\n");
	feed(5 + 1024, "3}\n");
	CHECK_STR(written(), "{\"t\":2}\n{\"s\":1}\n{\"u\":3}\n");
	ev_source_end(&tw, 5, NULL);
	ev_source_end(&tw, 5 + 1024, NULL);
	/* fill every slot with a stream holding half a line */
	buf_reset(&out);
	writes = 0;
	for (i = 0; i < WK_MAX_STREAMS; i++)
		feed((uint64_t)i * 7919, "[");
	CHECK_INT(tw.w_cnt.cn_dropped, 0);
	feed(UINT64_MAX, "[1]\n");		/* one too many */
	CHECK_INT(tw.w_cnt.cn_dropped, 1);
	CHECK_INT(writes, 0);
	/* each finishes its own line */
	for (i = WK_MAX_STREAMS - 1; i >= 0; i--) {
		snprintf(line, sizeof(line), "%d]\n", i);
		feed((uint64_t)i * 7919, line);
	}
	CHECK_INT(writes, WK_MAX_STREAMS);
	CHECK(strncmp(written(), "[1023]\n[1022]\n", 14) == 0);
	/* ending some frees their slots for new streams */
	for (i = 0; i < 10; i++)
		ev_source_end(&tw, (uint64_t)i * 7919, NULL);
	buf_reset(&out);
	for (id = 1; id <= 10; id++)
		feed(UINT64_MAX - id, "[true]\n");
	feed(UINT64_MAX, "[false]\n");
	CHECK_INT(tw.w_cnt.cn_dropped, 2);
	CHECK_INT(writes, WK_MAX_STREAMS + 10);
	/* an ended stream starts afresh: its half line is gone */
	feed(7919 * 20, "\n");
	ev_source_end(&tw, 7919 * 20, NULL);
	teardown();
}

/*
 * A connector that set w_smax in co_setup (max_connections above the
 * default): that many streams live at once, one more is dropped, and
 * every stream is still found by id (with few hash collisions).
 */
static void
test_streams_max(void)
{
	char	 line[64];
	int	 i, n = 3000;

	setup(ECHO("json", "[]", LOCAL));
	tw.w_smax = n;
	CHECK(ev_streams_alloc(&tw) == 0);
	for (i = 0; i < n; i++)
		feed((uint64_t)i << 20, "[");
	CHECK_INT(tw.w_cnt.cn_dropped, 0);
	feed(1, "[1]\n");			/* one too many */
	CHECK_INT(tw.w_cnt.cn_dropped, 1);
	for (i = n - 1; i >= 0; i--) {
		snprintf(line, sizeof(line), "%d]\n", i);
		feed((uint64_t)i << 20, line);
	}
	CHECK_INT(writes, n);
	CHECK(strncmp(written(), "[2999]\n[2998]\n", 14) == 0);
	ev_source_end(&tw, (uint64_t)7 << 20, NULL);
	feed(1, "[1]\n");			/* a slot is free again */
	CHECK_INT(writes, n + 1);
	CHECK_INT(tw.w_cnt.cn_dropped, 1);
	teardown();
}

/* Canonical input goes out as it came, the rest re-encoded as before. */
static void
test_passthrough(void)
{
	static const char *pipes[] = {
		"[]", PIPE(SELECT("null")), PIPE(SELECT("{\"t\":\"lit\","
		    "\"v\":true}")),
	};
	static const char	 in[] =
	    "{\"b\":1,\"a\":[1.5,-0.0,\"\\u0001\xc3\xa9\"]}\n"
	    "{ \"b\" : 1 }\n"
	    "{\"n\":[1.50,1e5,-0,\"\\/\"],\"n\":2}\n"
	    "42\n"
	    "\"str\"\n"
	    "{\"bad\":}\n";
	static const char	 want[] =
	    "{\"b\":1,\"a\":[1.5,-0.0,\"\\u0001\xc3\xa9\"]}\n"
	    "{\"b\":1}\n"
	    "{\"n\":2}\n"
	    "42\n"
	    "\"str\"\n";
	size_t	 i;
	char	 conf[2048];

	for (i = 0; i < sizeof(pipes) / sizeof(pipes[0]); i++) {
		/* ECHO lays outputs out before pipelines */
		snprintf(conf, sizeof(conf), ECHO("json", "%s", "%s"),
		    i == 0 ? LOCAL : "[{\"pipeline\":0,\"port\":\"in\"}]",
		    pipes[i]);
		setup(conf);
		feed(1, in);
		CHECK_STR(written(), want);
		CHECK_INT(tw.w_cnt.cn_errors, 1);	/* {"bad":} */
		teardown();
	}
	/* a where that filters: still exact, what passes */
	setup(ECHO("json", PIPE(SELECT("{\"t\":\"bin\",\"op\":\"==\",\"l\":"
	    "{\"t\":\"path\",\"root\":\"event\",\"segs\":[]},\"r\":{\"t\":"
	    "\"lit\",\"v\":42}}")), "[{\"pipeline\":0,\"port\":\"in\"}]"));
	feed(1, in);
	CHECK_STR(written(), "42\n");
	teardown();
	/* json-sorted sink: canonical input is sorted all the same */
	setup(ECHO("json-sorted", PIPE(SELECT("null")),
	    "[{\"pipeline\":0,\"port\":\"in\"}]"));
	feed(1, "{\"b\":1,\"a\":{\"d\":[],\"c\":0.5}}\n");
	CHECK_STR(written(), "{\"a\":{\"c\":0.5,\"d\":[]},\"b\":1}\n");
	teardown();
}

/* A binary source's bytes: kept as they are, built only when needed. */
static void
test_raw(void)
{
	static const char	 in[] = "a\"\xff\\\n\x01\n";
	char			 conf[2048];
	int			 i;

	for (i = 0; i < 2; i++) {
		snprintf(conf, sizeof(conf), ECHO("binary", "%s", "%s"),
		    i == 0 ? LOCAL : "[{\"pipeline\":0,\"port\":\"in\"}]",
		    PIPE(SELECT("null")));
		setup(conf);
		feed(1, in);
		CHECK_INT(writes, 2);
		CHECK(out.bf_len == sizeof(in) - 1 &&
		    memcmp(out.bf_data, in, out.bf_len) == 0);
		teardown();
	}
	/* a where that looks at the value builds it */
	setup(ECHO("binary", PIPE(SELECT("{\"t\":\"bin\",\"op\":\"==\","
	    "\"l\":{\"t\":\"path\",\"root\":\"event\",\"segs\":[]},\"r\":"
	    "{\"t\":\"lit\",\"v\":\"\\u0001\"}}")),
	    "[{\"pipeline\":0,\"port\":\"in\"}]"));
	feed(1, in);
	CHECK(out.bf_len == 2 && memcmp(out.bf_data, "\x01\n", 2) == 0);
	teardown();
}

/* Deliver one route event to the test worker's sink. */
static void
route_event(struct wk_route *r, uint32_t flags, const char *value,
    size_t vlen, const char *meta)
{
	struct msg_event	 ev;
	struct proc_msg		 m;
	struct buf		 b;

	memset(&ev, 0, sizeof(ev));
	ev.me_origin = 9;
	ev.me_flags = flags;
	ev.me_value_len = (uint32_t)vlen;
	ev.me_meta_len = meta == NULL ? 0 : (uint32_t)strlen(meta);
	strlcpy(ev.me_port, "in", sizeof(ev.me_port));
	buf_init(&b, 0);
	CHECK(buf_add(&b, &ev, sizeof(ev)) == 0);
	CHECK(buf_add(&b, value, vlen) == 0);
	if (meta != NULL)
		CHECK(buf_adds(&b, meta) == 0);
	memset(&m, 0, sizeof(m));
	m.pm_type = MSG_EVENT;
	m.pm_len = (uint32_t)b.bf_len;
	m.pm_data = b.bf_data;
	m.pm_fd = -1;
	ev_route_msg(&tw, r, &m);
	buf_free(&b);
}

/* Route events: the json codec's text written as is, or re-encoded. */
static void
test_route(void)
{
	static const char	 val[] = "{\"b\":[1.5,\"\xff\\u0000\"],\"a\":"
	    "18446744073709551615}\n";
	struct wk_route		 r;
	struct json_object	*m1, *m2;

	memset(&r, 0, sizeof(r));
	r.wr_end = ROUTE_IN;
	setup(ECHO("json", "[]", "[]"));
	route_event(&r, 0, val, sizeof(val) - 1, "{\"k\":1}");
	CHECK_STR(written(), val);
	m1 = json_object_get(last_meta);	/* held: no address reuse */
	CHECK(m1 != NULL);
	route_event(&r, 0, "7\n", 2, "{\"k\":1}");
	CHECK(last_meta == m1);			/* same text, same object */
	route_event(&r, EV_STRING, "a\"\xff", 3, "{\"k\":2}");
	CHECK(last_meta != m1);
	m2 = json_object_get(last_meta);
	route_event(&r, 0, "8\n", 2, "{\"k\":1}");
	CHECK(last_meta == m1);			/* interleaved texts stay kept */
	route_event(&r, 0, "9\n", 2, "{\"k\":2}");
	CHECK(last_meta == m2);
	CHECK_STR(json_object_to_json_string_ext(last_meta,
	    JSON_C_TO_STRING_PLAIN), "{\"k\":2}");
	route_event(&r, 0, "null\n", 5, NULL);
	CHECK(last_meta == NULL);
	CHECK_STR(written(), "{\"b\":[1.5,\"\xff\\u0000\"],\"a\":"
	    "18446744073709551615}\n7\n\"a\\\"\xff\"\n8\n9\nnull\n");
	CHECK_INT(r.wr_events, 6);
	json_object_put(m1);
	json_object_put(m2);
	teardown();

	setup(ECHO("json-sorted", "[]", "[]"));
	route_event(&r, 0, val, sizeof(val) - 1, NULL);
	CHECK_STR(written(), "{\"a\":18446744073709551615,\"b\":[1.5,"
	    "\"\xff\\u0000\"]}\n");
	teardown();

	setup(ECHO("json", "[]", "[]"));
	route_event(&r, EV_STRING, "a\"\xff\x01", 4, NULL);
	CHECK_STR(written(), "\"a\\\"\xff\\u0001\"\n");
	teardown();

	setup(ECHO("binary", "[]", "[]"));
	route_event(&r, EV_STRING, "\0\xff", 2, NULL);
	CHECK(out.bf_len == 3 && memcmp(out.bf_data, "\0\xff\n", 3) == 0);
	teardown();

	setup(ECHO("string", "[]", "[]"));
	route_event(&r, 0, val, sizeof(val) - 1, NULL);
	route_event(&r, EV_STRING, "raw\xfe", 4, NULL);
	CHECK_STR(written(), "{\"b\":[1.5,\"\xff\\u0000\"],\"a\":"
	    "18446744073709551615}\nraw\xfe\n");
	teardown();
	/* r is not one of the worker's routes: drop its metadata cache. */
	mc_clear(&r.wr_mcache);
}

int
main(void)
{
	log_init("test_event", 0);
	buf_init(&out, 0);
	test_streams();
	test_streams_max();
	test_passthrough();
	test_raw();
	test_route();
	buf_free(&out);
	return check_done();
}
