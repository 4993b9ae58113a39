/* SPDX-License-Identifier: ISC */
/*
 * common/prom (names, escaping, sample lines as the text exposition
 * format 0.0.4 says) and common/promstats (a show stats reply rendered:
 * every family once, in order, with HELP and TYPE, its samples and
 * labels; what a worker did not report gives no sample) and
 * common/statsum (a connector's instances summed).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "check.h"
#include "prom.h"
#include "promstats.h"
#include "statsum.h"

/* The buffer as a string. */
static const char *
str(struct buf *b)
{
	if (buf_addc(b, '\0') == -1)
		return "";
	b->bf_len--;
	return b->bf_data;
}

/* Metric and label names. */
static void
test_names(void)
{
	CHECK(prom_name_ok("wsflow_events_total"));
	CHECK(prom_name_ok("a:b_c9"));
	CHECK(prom_name_ok("_x"));
	CHECK(!prom_name_ok(""));
	CHECK(!prom_name_ok("9x"));
	CHECK(!prom_name_ok("a-b"));
	CHECK(!prom_name_ok("a b"));
	CHECK(!prom_name_ok(NULL));
	CHECK(prom_label_name_ok("connector"));
	CHECK(prom_label_name_ok("_x9"));
	CHECK(!prom_label_name_ok("__name__"));
	CHECK(!prom_label_name_ok("a:b"));
	CHECK(!prom_label_name_ok("1a"));
	CHECK(!prom_label_name_ok(""));
}

/* Label values and help texts are escaped as the format says. */
static void
test_escape(void)
{
	struct buf		 b;
	struct prom_label	 l[2] = { { "connector", "a\"b\\c\nd" },
				    { "flow", "" } };

	buf_init(&b, 0);
	CHECK_INT(prom_escape_value(&b, "x\\y\"z\n"), 0);
	CHECK_STR(str(&b), "x\\\\y\\\"z\\n");
	buf_reset(&b);
	CHECK_INT(prom_family(&b, "wsflow_x_total", PROM_COUNTER,
	    "Line \"one\"\nback\\slash."), 0);
	CHECK_STR(str(&b), "# HELP wsflow_x_total Line \"one\"\\nback\\\\slash."
	    "\n# TYPE wsflow_x_total counter\n");
	buf_reset(&b);
	CHECK_INT(prom_sample(&b, "wsflow_x_total", l, 2, 42), 0);
	CHECK_STR(str(&b), "wsflow_x_total{connector=\"a\\\"b\\\\c\\nd\","
	    "flow=\"\"} 42\n");
	buf_reset(&b);
	CHECK_INT(prom_family(&b, "bad name", PROM_GAUGE, "x"), -1);
	CHECK_INT(prom_family(&b, "g", PROM_GAUGE, "x"), 0);
	CHECK_INT(prom_family(&b, "u", PROM_UNTYPED, "x"), 0);
	CHECK_STR(str(&b), "# HELP g x\n# TYPE g gauge\n"
	    "# HELP u x\n# TYPE u untyped\n");
	buf_free(&b);
}

/* Sample lines: values, no labels, refused names and repeats. */
static void
test_sample(void)
{
	struct buf		 b;
	struct prom_label	 dup[2] = { { "a", "1" }, { "a", "2" } };
	struct prom_label	 bad[1] = { { "__x", "1" } };
	struct prom_label	 nul[1] = { { "a", NULL } };

	buf_init(&b, 0);
	CHECK_INT(prom_sample(&b, "m", NULL, 0, 0), 0);
	CHECK_INT(prom_sample(&b, "m", NULL, 0, 18446744073709551615.0), 0);
	CHECK_INT(prom_sample(&b, "m", NULL, 0, 9007199254740991.0), 0);
	CHECK_INT(prom_sample(&b, "m", NULL, 0, -3), 0);
	CHECK_INT(prom_sample(&b, "m", NULL, 0, 0.25), 0);
	CHECK_INT(prom_sample(&b, "m", NULL, 0, 1.0 / 0.0), 0);
	CHECK_INT(prom_sample(&b, "m", NULL, 0, -1.0 / 0.0), 0);
	CHECK_INT(prom_sample(&b, "m", NULL, 0, 0.0 / 0.0), 0);
	CHECK_STR(str(&b), "m 0\nm 1.8446744073709552e+19\n"
	    "m 9007199254740991\nm -3\nm 0.25\nm +Inf\nm -Inf\nm NaN\n");
	buf_reset(&b);
	CHECK_INT(prom_sample(&b, "m", dup, 2, 1), -1);
	CHECK_INT(prom_sample(&b, "m", bad, 1, 1), -1);
	CHECK_INT(prom_sample(&b, "m", nul, 1, 1), -1);
	CHECK_INT(prom_sample(&b, "m-x", NULL, 0, 1), -1);
	buf_free(&b);
	/* a bounded buffer fills up */
	buf_init(&b, 8);
	CHECK_INT(prom_sample(&b, "wsflow_long_name", NULL, 0, 1), -1);
	buf_free(&b);
}

static const char reply[] =
    "{\"ok\":true,\"connectors\":["
    "{\"name\":\"ws\",\"type\":\"ws_server\",\"flow\":\"main\","
    "\"state\":\"running\",\"pid\":7,\"restarts\":2,\"stats\":{"
    "\"events_in\":5,\"events_out\":5,\"errors\":1,\"dropped\":3,"
    "\"bytes_in\":100,\"bytes_out\":90,\"routes\":[],"
    "\"ports\":[{\"port\":\"out\",\"direction\":\"out\",\"events\":4},"
    "{\"port\":\"err\",\"direction\":\"out\",\"events\":1},"
    "{\"port\":\"in\",\"direction\":\"in\",\"events\":5}],"
    "\"connector\":{\"connections\":3,\"open\":1,\"frames_in\":6,"
    "\"close_in\":{\"1000\":2},\"close_out\":{},\"per_stream\":true,"
    "\"new_thing\":9,\"text\":\"x\",\"budget_closed_in\":2,"
    "\"budget_closed_out\":1,\"buffered\":{\"used\":100,"
    "\"limit\":1000,\"peak\":300,\"refused\":4}}}},"
    "{\"name\":\"q\\\"x\",\"type\":\"file\",\"flow\":\"\","
    "\"state\":\"restarting\",\"pid\":0,\"restarts\":0,\"stats\":null}],"
    "\"routes\":[{\"id\":1,\"from\":\"ws\",\"to\":\"q\\\"x\","
    "\"generation\":0,\"sent\":4,\"received\":null,\"bytes\":80,"
    "\"queued\":16,\"paused\":false,\"dropped_sending\":0}]}";

/* Does the text hold this line? */
static int
has_line(const char *text, const char *line)
{
	const char	*p = text;
	size_t		 n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p++;
	}
	return 0;
}

/* A show stats reply rendered. */
static void
test_render(void)
{
	const struct promstats_family	*f;
	struct json_object		*o;
	struct buf			 b;
	char				 err[128], line[256];
	const char			*t;
	size_t				 i, j, n;

	o = json_tokener_parse(reply);
	CHECK(o != NULL);
	buf_init(&b, 0);
	CHECK_INT(promstats_render(o, &b, err, sizeof(err)), 0);
	t = str(&b);
	f = promstats_families(&n);
	CHECK(n >= 30);
	for (i = 0; i < n; i++) {
		CHECK_MSG(strncmp(f[i].pf_name, "wsflow_", 7) == 0 &&
		    prom_name_ok(f[i].pf_name), "%s", f[i].pf_name);
		CHECK_MSG((f[i].pf_type == PROM_COUNTER) ==
		    (strlen(f[i].pf_name) > 6 && strcmp(f[i].pf_name +
		    strlen(f[i].pf_name) - 6, "_total") == 0), "%s",
		    f[i].pf_name);
		/* distinct also as parsers name counters: without _total */
		for (j = 0; j < i; j++)
			CHECK_MSG(strncmp(f[i].pf_name, f[j].pf_name,
			    strlen(f[j].pf_name) - (f[j].pf_type ==
			    PROM_COUNTER ? 6 : 0)) != 0 || strlen(f[i].pf_name) -
			    (f[i].pf_type == PROM_COUNTER ? 6 : 0) !=
			    strlen(f[j].pf_name) - (f[j].pf_type ==
			    PROM_COUNTER ? 6 : 0), "%s ~ %s", f[i].pf_name,
			    f[j].pf_name);
		snprintf(line, sizeof(line), "# TYPE %s %s", f[i].pf_name,
		    prom_type_name(f[i].pf_type));
		CHECK_MSG(has_line(t, line), "%s", line);
	}
	CHECK(has_line(t, "wsflow_connector_up{connector=\"ws\","
	    "flow=\"main\"} 1"));
	CHECK(has_line(t, "wsflow_connector_up{connector=\"q\\\"x\","
	    "flow=\"\"} 0"));
	CHECK(has_line(t, "wsflow_connector_restarts_total{connector=\"ws\","
	    "flow=\"main\"} 2"));
	CHECK(has_line(t, "wsflow_events_out_total{connector=\"ws\","
	    "flow=\"main\",port=\"out\"} 4"));
	CHECK(has_line(t, "wsflow_events_out_total{connector=\"ws\","
	    "flow=\"main\",port=\"err\"} 1"));
	CHECK(has_line(t, "wsflow_events_in_total{connector=\"ws\","
	    "flow=\"main\",port=\"in\"} 5"));
	CHECK(has_line(t, "wsflow_events_dropped_total{connector=\"ws\","
	    "flow=\"main\"} 3"));
	CHECK(has_line(t, "wsflow_connections_open{connector=\"ws\","
	    "flow=\"main\"} 1"));
	CHECK(has_line(t, "wsflow_connections_total{connector=\"ws\","
	    "flow=\"main\"} 3"));
	CHECK(has_line(t, "wsflow_frames_received_total{connector=\"ws\","
	    "flow=\"main\"} 6"));
	CHECK(has_line(t, "wsflow_close_received_total{connector=\"ws\","
	    "flow=\"main\",code=\"1000\"} 2"));
	CHECK(has_line(t, "wsflow_connector_counter{connector=\"ws\","
	    "flow=\"main\",name=\"new_thing\"} 9"));
	/* the memory budget: its own families, not connector_counter */
	CHECK(has_line(t, "wsflow_buffered_bytes{connector=\"ws\","
	    "flow=\"main\"} 100"));
	CHECK(has_line(t, "wsflow_buffered_limit_bytes{connector=\"ws\","
	    "flow=\"main\"} 1000"));
	CHECK(has_line(t, "wsflow_buffered_peak_bytes{connector=\"ws\","
	    "flow=\"main\"} 300"));
	CHECK(has_line(t, "wsflow_budget_refused_total{connector=\"ws\","
	    "flow=\"main\"} 4"));
	CHECK(has_line(t, "wsflow_budget_closed_total{connector=\"ws\","
	    "flow=\"main\",direction=\"in\"} 2"));
	CHECK(has_line(t, "wsflow_budget_closed_total{connector=\"ws\","
	    "flow=\"main\",direction=\"out\"} 1"));
	CHECK(strstr(t, "name=\"budget_closed") == NULL);
	CHECK(strstr(t, "per_stream") == NULL);
	CHECK(strstr(t, "name=\"text\"") == NULL);
	CHECK(has_line(t, "wsflow_route_queue_bytes{route=\"1\",from=\"ws\","
	    "to=\"q\\\"x\"} 16"));
	CHECK(has_line(t, "wsflow_route_events_total{route=\"1\",from=\"ws\","
	    "to=\"q\\\"x\"} 4"));
	CHECK(has_line(t, "wsflow_route_paused{route=\"1\",from=\"ws\","
	    "to=\"q\\\"x\"} 0"));
	/* the file connector did not answer: no counters of it */
	CHECK(strstr(t, "wsflow_events_dropped_total{connector=\"q") == NULL);
	json_object_put(o);

	/* an error reply and a non-reply */
	o = json_tokener_parse("{\"ok\":false,\"error\":\"busy\"}");
	CHECK_INT(promstats_render(o, &b, err, sizeof(err)), -1);
	CHECK(strcmp(err, "busy") == 0);
	json_object_put(o);
	o = json_tokener_parse("[1,2]");
	CHECK_INT(promstats_render(o, &b, err, sizeof(err)), -1);
	json_object_put(o);
	/* hostile shapes give no samples, not a crash */
	o = json_tokener_parse("{\"ok\":true,\"connectors\":[1,\"x\","
	    "{\"stats\":{\"ports\":[1,{}],\"connector\":{\"close_in\":[1]}}}],"
	    "\"routes\":{}}");
	buf_reset(&b);
	CHECK_INT(promstats_render(o, &b, err, sizeof(err)), 0);
	json_object_put(o);
	buf_free(&b);
}

/* The instances of a connector summed: counters, ports, states. */
static void
test_statsum(void)
{
	static const char instances[] = "{\"ok\":true,\"connectors\":["
	    "{\"name\":\"ws#1\",\"of\":\"ws\",\"instance\":1,"
	    "\"type\":\"ws_server\",\"flow\":\"main\",\"state\":\"running\","
	    "\"restarts\":1,\"stats\":{\"events_in\":3,\"dropped\":1,"
	    "\"ports\":[{\"port\":\"in\",\"direction\":\"in\",\"events\":3}],"
	    "\"routes\":[{\"id\":0}],\"connector\":{\"open\":2,"
	    "\"buffered\":{\"used\":10},\"close_in\":{\"1000\":1}}}},"
	    "{\"name\":\"f\",\"type\":\"file\",\"flow\":\"main\","
	    "\"state\":\"running\",\"stats\":{\"events_in\":7}},"
	    "{\"name\":\"ws#2\",\"of\":\"ws\",\"instance\":2,"
	    "\"type\":\"ws_server\",\"flow\":\"main\",\"state\":\"running\","
	    "\"restarts\":0,\"stats\":{\"events_in\":4,\"dropped\":0,"
	    "\"ports\":[{\"port\":\"in\",\"direction\":\"in\",\"events\":4},"
	    "{\"port\":\"out\",\"direction\":\"out\",\"events\":4}],"
	    "\"connector\":{\"open\":5,\"buffered\":{\"used\":1},"
	    "\"close_in\":{\"1000\":2,\"1001\":1}}}},"
	    "{\"name\":\"ws#3\",\"of\":\"ws\",\"instance\":3,"
	    "\"type\":\"ws_server\",\"flow\":\"main\",\"state\":\"down\","
	    "\"restarts\":2,\"stats\":null}],\"routes\":[]}";
	struct json_object	*o, *list, *sum;
	struct buf		 b;
	char			 err[128];
	const char		*t;

	o = json_tokener_parse(instances);
	CHECK(o != NULL);
	CHECK_INT(statsum_instances(o), 0);
	list = json_object_object_get(o, "connectors");
	CHECK_INT(json_object_array_length(list), 5);
	sum = json_object_array_get_idx(list, 4);
	CHECK_STR(json_object_to_json_string_ext(sum, JSON_C_TO_STRING_PLAIN),
	    "{\"name\":\"ws\",\"type\":\"ws_server\",\"flow\":\"main\","
	    "\"state\":\"degraded\",\"instances\":3,\"running\":2,"
	    "\"restarts\":3,\"stats\":{\"events_in\":7,\"dropped\":1,"
	    "\"ports\":[{\"port\":\"in\",\"direction\":\"in\",\"events\":7},"
	    "{\"port\":\"out\",\"direction\":\"out\",\"events\":4}],"
	    "\"connector\":{\"open\":7,\"buffered\":{\"used\":11},"
	    "\"close_in\":{\"1000\":3,\"1001\":1}}}}");
	/* once: a reply that has its sums keeps them */
	CHECK_INT(statsum_instances(o), 0);
	CHECK_INT(json_object_array_length(list), 5);
	buf_init(&b, 0);
	CHECK_INT(promstats_render(o, &b, err, sizeof(err)), 0);
	t = str(&b);
	CHECK(has_line(t, "wsflow_connections_open{connector=\"ws#1\","
	    "flow=\"main\"} 2"));
	CHECK(has_line(t, "wsflow_connections_open{connector=\"ws\","
	    "flow=\"main\"} 7"));
	CHECK(has_line(t, "wsflow_connector_up{connector=\"ws\","
	    "flow=\"main\"} 0"));
	CHECK(has_line(t, "wsflow_events_in_total{connector=\"ws\","
	    "flow=\"main\",port=\"in\"} 7"));
	buf_free(&b);
	json_object_put(o);
	/* not a reply; hostile shapes */
	o = json_tokener_parse("[1]");
	CHECK_INT(statsum_instances(o), -1);
	json_object_put(o);
	o = json_tokener_parse("{\"connectors\":[1,{\"of\":2},{\"of\":\"x\","
	    "\"stats\":{\"ports\":[1,{\"events\":\"a\"}],\"connector\":3}},"
	    "{\"of\":\"x\",\"stats\":{\"ports\":{},\"connector\":{}}}]}");
	CHECK_INT(statsum_instances(o), 0);
	json_object_put(o);
}

/* wsflowd(8)'s METRICS section lists every family. */
static void
test_documented(void)
{
	const struct promstats_family	*f;
	static char			 page[256 * 1024];
	char				 item[128];
	FILE				*fp;
	size_t				 i, n, len;

	fp = fopen(WSFLOW_SRCDIR "/man/wsflowd.8.in", "r");
	CHECK(fp != NULL);
	if (fp == NULL)
		return;
	len = fread(page, 1, sizeof(page) - 1, fp);
	page[len] = '\0';
	fclose(fp);
	f = promstats_families(&n);
	for (i = 0; i < n; i++) {
		snprintf(item, sizeof(item), ".It Li %s Pq %s;", f[i].pf_name,
		    prom_type_name(f[i].pf_type));
		CHECK_MSG(strstr(page, item) != NULL, "wsflowd.8: no \"%s\"",
		    item);
	}
}

int
main(void)
{
	test_documented();
	test_names();
	test_escape();
	test_sample();
	test_render();
	test_statsum();
	return check_done();
}
