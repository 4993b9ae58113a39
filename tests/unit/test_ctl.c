/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for the control socket protocol (common/ctlproto.c: command
 * table, request lines, error replies) and wsflowctl's text tables
 * (ctl/ctl_render.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "check.h"
#include "ctl_render.h"
#include "ctlproto.h"

/* An array as a pointer (CHECK_STR tests pointers for NULL). */
static const char *
str(const char *s)
{
	return s;
}

/* Parse a request given as a C string. */
static int
parse(const char *s, enum ctl_cmd *cmd, char *err, size_t errlen)
{
	return ctlproto_req_parse(s, strlen(s), cmd, err, errlen);
}

/* A request that must fail with a message containing want. */
static void
bad_request(const char *s, size_t len, const char *want)
{
	enum ctl_cmd	 cmd = CTL_STATUS;
	char		 err[256] = "";

	CHECK_MSG(ctlproto_req_parse(s, len, &cmd, err, sizeof(err)) == -1,
	    "accepted %.*s", (int)(len > 60 ? 60 : len), s);
	CHECK_INT(cmd, 0);
	CHECK_MSG(strstr(err, want) != NULL, "error \"%s\", want \"%s\"",
	    err, want);
}

static void
test_table(void)
{
	static const char *const names[] = { "status", "show connectors",
		"show pipelines", "show stats", "log verbose", "log brief",
		"stop", "reload" };
	static const int mutating[] = { 0, 0, 0, 0, 1, 1, 1, 1 };
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		enum ctl_cmd c = ctlproto_cmd(names[i]);

		CHECK_MSG(c != 0, "%s unknown", names[i]);
		CHECK_STR(ctlproto_name(c), names[i]);
		CHECK_INT(ctlproto_mutating(c), mutating[i]);
	}
	CHECK_INT(ctlproto_cmd("show"), 0);
	CHECK_INT(ctlproto_cmd("Status"), 0);
	CHECK_INT(ctlproto_cmd(""), 0);
	CHECK(ctlproto_name(0) == NULL);
	CHECK(ctlproto_name(99) == NULL);
	CHECK_INT(ctlproto_mutating(99), 1);	/* unknown: not for anyone */
}

static void
test_parse(void)
{
	enum ctl_cmd	 cmd;
	char		 err[256], big[CTL_REQ_MAX + 64];
	size_t		 n;

	CHECK(parse("{\"command\":\"status\"}\n", &cmd, err,
	    sizeof(err)) == 0);
	CHECK_INT(cmd, CTL_STATUS);
	CHECK(parse("{ \"command\" : \"show stats\" }\r\n", &cmd, err,
	    sizeof(err)) == 0);
	CHECK_INT(cmd, CTL_SHOW_STATS);
	CHECK(parse("{\"command\":\"stop\"}", &cmd, err, sizeof(err)) == 0);
	CHECK_INT(cmd, CTL_STOP);
	/* Escapes are JSON's: "\u0073tatus" is "status". */
	CHECK(parse("{\"command\":\"\\u0073tatus\"}\n", &cmd, err,
	    sizeof(err)) == 0);
	CHECK_INT(cmd, CTL_STATUS);

	bad_request("", 0, "expected one line of JSON");
	bad_request("\n", 1, "expected one line of JSON");
	bad_request("garbage\n", 8, "not a JSON object");
	bad_request("[1,2]\n", 6, "expected {\"command\"");
	bad_request("\"status\"\n", 9, "expected {\"command\"");
	bad_request("{}\n", 3, "expected {\"command\"");
	bad_request("{\"command\":7}\n", 14, "expected {\"command\"");
	bad_request("{\"command\":null}\n", 17, "expected {\"command\"");
	bad_request("{\"command\":\"status\",\"x\":1}\n", 27,
	    "only \"command\"");
	bad_request("{\"command\":\"status\"} x\n", 23, "not a JSON object");
	bad_request("{\"command\":\"status\"}{}\n", 23, "not a JSON object");
	bad_request("{\"command\":\"status\"\n", 20, "not a JSON object");
	bad_request("{\"command\":\"status\"}\n{}\n", 24, "one line");
	bad_request("{\"command\":\"sta\0tus\"}\n", 22, "one line");
	bad_request("{\"command\":{\"a\":{\"b\":1}}}\n", 26,
	    "not a JSON object");	/* deeper than 2 */
	bad_request("[[[[[[[[[[[[[[[[[[[[\n", 21, "not a JSON object");
	bad_request("\xff\xfe\n", 3, "not a JSON object");
	bad_request("{\"command\":\"rm -rf\"}\n", 21,
	    "unknown command \"rm -rf\"");
	bad_request("{\"command\":\"show\"}\n", 19, "unknown command");
	/* A long unknown name is not echoed. */
	n = (size_t)snprintf(big, sizeof(big), "{\"command\":\"%0100d\"}\n", 0);
	bad_request(big, n, "unknown command");
	CHECK(ctlproto_req_parse(big, n, &cmd, err, sizeof(err)) == -1);
	CHECK_STR(str(err), "unknown command");
	/* Bounded: CTL_REQ_MAX bytes, newline included. */
	memset(big, ' ', sizeof(big));
	memcpy(big, "{\"command\":\"status\"", 19);
	big[CTL_REQ_MAX - 2] = '}';
	big[CTL_REQ_MAX - 1] = '\n';
	CHECK(ctlproto_req_parse(big, CTL_REQ_MAX, &cmd, err,
	    sizeof(err)) == 0);
	CHECK_INT(cmd, CTL_STATUS);
	big[CTL_REQ_MAX - 1] = ' ';
	big[CTL_REQ_MAX] = '}';
	bad_request(big, CTL_REQ_MAX + 1, "request longer than 1024 bytes");
}

static void
test_build(void)
{
	enum ctl_cmd	 cmd;
	char		 line[CTL_REQ_MAX], err[256];
	int		 c;

	CHECK(ctlproto_req_build(CTL_SHOW_STATS, line, sizeof(line)) == 0);
	CHECK_STR(str(line), "{\"command\":\"show stats\"}\n");
	CHECK(ctlproto_req_build(CTL_SHOW_STATS, line, 10) == -1);
	CHECK(ctlproto_req_build(0, line, sizeof(line)) == -1);
	for (c = CTL_STATUS; c <= CTL_RELOAD; c++) {
		CHECK(ctlproto_req_build(c, line, sizeof(line)) == 0);
		CHECK(ctlproto_req_parse(line, strlen(line), &cmd, err,
		    sizeof(err)) == 0);
		CHECK_INT(cmd, c);
	}
	CHECK(ctlproto_error("say \"no\"\n", line, sizeof(line)) == 0);
	CHECK_STR(str(line), "{\"ok\":false,\"error\":\"say \\\"no\\\"\\n\"}\n");
	CHECK(ctlproto_error("long message", line, 20) == -1);
}

/* Render a reply given as JSON text; returns the text or NULL. */
static char *
render(enum ctl_cmd cmd, const char *json)
{
	struct json_object	*o = json_tokener_parse(json);
	struct buf		 b;
	char			 err[128], *s = NULL;

	buf_init(&b, 0);
	if (o != NULL && render_reply(cmd, o, &b, err, sizeof(err)) == 0 &&
	    buf_addc(&b, '\0') == 0)
		s = strdup(b.bf_data != NULL ? b.bf_data : "");
	buf_free(&b);
	json_object_put(o);
	return s;
}

static void
test_render(void)
{
	static const char *const cells[] = {
		"NAME", "PID", "STATE",
		"in", "12345", "running",
		"longer-name", NULL, "down",
	};
	struct buf	 b;
	char		 d[32], *s;

	buf_init(&b, 0);
	CHECK(render_table(&b, cells, 3, 3) == 0);
	CHECK(buf_addc(&b, '\0') == 0);
	CHECK_STR(b.bf_data,
	    "NAME         PID    STATE\n"
	    "in           12345  running\n"
	    "longer-name  -      down\n");
	buf_free(&b);

	render_duration(0, d, sizeof(d));
	CHECK_STR(str(d), "0s");
	render_duration(59, d, sizeof(d));
	CHECK_STR(str(d), "59s");
	render_duration(61, d, sizeof(d));
	CHECK_STR(str(d), "1m1s");
	render_duration(3600 + 120 + 5, d, sizeof(d));
	CHECK_STR(str(d), "1h2m");
	render_duration(2 * 86400 + 3 * 3600, d, sizeof(d));
	CHECK_STR(str(d), "2d3h");
	render_duration(-1, d, sizeof(d));
	CHECK_STR(str(d), "-");

	s = render(CTL_SHOW_CONNECTORS, "{\"ok\":true,\"connectors\":["
	    "{\"name\":\"in\",\"flow\":\"main\",\"type\":\"file\",\"state\":"
	    "\"running\",\"pid\":42,\"uptime\":75,\"restarts\":1},"
	    "{\"name\":\"exit\",\"flow\":\"main\",\"type\":\"exit\",\"state\":"
	    "\"no process\",\"pid\":0,\"uptime\":null,\"restarts\":0}]}");
	CHECK_STR(s,
	    "NAME  FLOW  TYPE  STATE       PID  UPTIME  RESTARTS\n"
	    "in    main  file  running     42   1m15s   1\n"
	    "exit  main  exit  no process  -    -       0\n");
	free(s);

	s = render(CTL_STATUS, "{\"ok\":true,\"pid\":7,\"state\":\"running\","
	    "\"uptime\":3,\"config\":[\"a.troy\",\"b.troy\"],\"socket\":"
	    "\"/s\",\"connectors\":2,\"pipelines\":1,\"workers\":2,"
	    "\"control\":{\"pid\":9,\"state\":\"running\",\"restarts\":0},"
	    "\"verbose\":0,\"version\":\"0.1.0\"}");
	CHECK_STR(s,
	    "pid         7\n"
	    "state       running\n"
	    "uptime      3s\n"
	    "config      a.troy, b.troy\n"
	    "socket      /s\n"
	    "connectors  2\n"
	    "pipelines   1\n"
	    "workers     2\n"
	    "control     pid 9, running, 0 restarts\n"
	    "verbose     0\n"
	    "version     0.1.0\n");
	free(s);

	s = render(CTL_SHOW_PIPELINES, "{\"ok\":true,\"pipelines\":[{\"name\":"
	    "\"p\",\"flow\":\"f\",\"inputs\":[\"/connector/in/out -> in\"],"
	    "\"outputs\":[\"out -> /connector/a/in\",\"err -> /connector/b/in\"],"
	    "\"evaluated_in\":[]}]}");
	CHECK_STR(s,
	    "NAME  FLOW  INPUTS                   OUTPUTS"
	    "                                         EVALUATED-IN\n"
	    "p     f     /connector/in/out -> in  out -> /connector/a/in, "
	    "err -> /connector/b/in  -\n");
	free(s);

	s = render(CTL_SHOW_STATS, "{\"ok\":true,\"connectors\":["
	    "{\"name\":\"in\",\"type\":\"file\",\"state\":\"running\",\"stats\":"
	    "{\"events_in\":5,\"events_out\":5,\"errors\":0,\"dropped\":0,"
	    "\"bytes_in\":40,\"bytes_out\":0}},"
	    "{\"name\":\"ws\",\"type\":\"ws_server\",\"state\":\"restarting\","
	    "\"stats\":null},"
	    "{\"name\":\"srv\",\"type\":\"ws_server\",\"state\":\"running\","
	    "\"stats\":{\"events_in\":1,\"events_out\":1,\"errors\":0,"
	    "\"dropped\":0,\"bytes_in\":3,\"bytes_out\":3,\"connector\":"
	    "{\"connections\":2,\"close_in\":{\"1000\":1}}}}],"
	    "\"routes\":[{\"id\":0,\"from\":\"in\",\"to\":\"srv\",\"sent\":5,"
	    "\"received\":4,\"dropped_sending\":1,\"dropped_receiving\":1,"
	    "\"bytes\":40,\"queued\":0,\"paused\":false}]}");
	CHECK_STR(s,
	    "CONNECTOR  TYPE       STATE       EVENTS-IN  EVENTS-OUT  ERRORS"
	    "  DROPPED  BYTES-IN  BYTES-OUT\n"
	    "in         file       running     5          5           0     "
	    "  0        40        0\n"
	    "ws         ws_server  restarting  -          -           -     "
	    "  -        -         -\n"
	    "srv        ws_server  running     1          1           0     "
	    "  0        3         3\n"
	    "\n"
	    "ROUTE  FROM  TO   SENT  RECEIVED  DROPPED  BYTES  QUEUED  PAUSED\n"
	    "0      in    srv  5     4         2        40     0       no\n"
	    "\n"
	    "srv: connections=2 close_in.1000=1\n");
	free(s);

	s = render(CTL_LOG_VERBOSE, "{\"ok\":true,\"verbose\":2}");
	CHECK_STR(s, "log level 2 (verbose: debug messages on)\n");
	free(s);
	s = render(CTL_STOP, "{\"ok\":true,\"message\":\"stopping\"}");
	CHECK_STR(s, "stopping\n");
	free(s);

	/* Replies without what the command needs are errors, not crashes. */
	CHECK(render(CTL_SHOW_CONNECTORS, "{\"ok\":true}") == NULL);
	CHECK(render(CTL_SHOW_CONNECTORS, "{\"ok\":true,\"connectors\":7}")
	    == NULL);
	CHECK(render(CTL_SHOW_STATS, "{\"ok\":true,\"connectors\":[]}") ==
	    NULL);
	CHECK(render(CTL_SHOW_PIPELINES, "{\"ok\":true,\"pipelines\":{}}") ==
	    NULL);
	CHECK(render(CTL_LOG_BRIEF, "{\"ok\":true}") == NULL);
	/* Odd member types still render. */
	s = render(CTL_SHOW_CONNECTORS, "{\"ok\":true,\"connectors\":[7,"
	    "{\"name\":[1,{}],\"pid\":\"x\",\"uptime\":\"y\"}]}");
	CHECK(s != NULL);
	free(s);
}

int
main(void)
{
	test_table();
	test_parse();
	test_build();
	test_render();
	return check_done();
}
