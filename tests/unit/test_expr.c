/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for common/expr.c and common/pipeline.c: evaluation,
 * runtime errors, the JSON round trip of compiled expressions, and
 * running compiled pipelines.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "expr.h"
#include "pipeline.h"

static struct json_object *t_event, *t_meta, *t_args;

/* An array as a pointer, for CHECK_STR. */
static const char *
S(const char *s)
{
	return s;
}

/* Parse JSON text (NULL for the literal null), nesting up to 2000. */
static struct json_object *
J(const char *s)
{
	struct json_tokener	*tok = json_tokener_new_ex(2000);
	struct json_object	*o;

	o = json_tokener_parse_ex(tok, s, (int)strlen(s));
	json_tokener_free(tok);
	return o;
}

/* Evaluate a serialised expression; returns the compact result or "ERR:..". */
static const char *
ev(const char *src)
{
	static char		 buf[512];
	struct json_object	*o, *out = NULL;
	struct expr		*e;
	struct expr_env		 env;
	char			 err[256];

	o = J(src);
	if ((e = expr_from_json(o, err, sizeof(err))) == NULL) {
		snprintf(buf, sizeof(buf), "BUILD:%s", err);
		json_object_put(o);
		return buf;
	}
	env.ee_event = t_event;
	env.ee_meta = t_meta;
	env.ee_args = t_args;
	if (expr_eval(e, &env, &out, err, sizeof(err)) == -1)
		snprintf(buf, sizeof(buf), "ERR:%s", err);
	else
		snprintf(buf, sizeof(buf), "%s", out == NULL ? "null" :
		    json_object_to_json_string_ext(out,
		    JSON_C_TO_STRING_PLAIN));
	json_object_put(out);
	expr_free(e);
	json_object_put(o);
	return buf;
}

#define LIT(v)		"{\"t\":\"lit\",\"v\":" v "}"
#define BIN(op, l, r)	"{\"t\":\"bin\",\"op\":\"" op "\",\"l\":" l ",\"r\":" r "}"
#define PATH(root, segs) "{\"t\":\"path\",\"root\":\"" root "\",\"segs\":[" segs "]}"
#define UN(op, e)	"{\"t\":\"un\",\"op\":\"" op "\",\"e\":" e "}"

/* Literals, records, arrays and paths. */
static void
test_values(void)
{
	CHECK_STR(ev(LIT("42")), "42");
	CHECK_STR(ev(LIT("null")), "null");
	CHECK_STR(ev(LIT("\"s\"")), "\"s\"");
	CHECK_STR(ev("{\"t\":\"rec\",\"f\":[[\"b\"," LIT("1") "],[\"a\","
	    PATH("args", "\"delay\"") "]]}"), "{\"b\":1,\"a\":5}");
	CHECK_STR(ev("{\"t\":\"arr\",\"v\":[" LIT("1") "," LIT("true") "]}"),
	    "[1,true]");
	CHECK_STR(ev(PATH("event", "")), "{\"a\":{\"b\":[10,20]},\"s\":\"x\","
	    "\"n\":3,\"f\":1.5}");
	CHECK_STR(ev(PATH("event", "\"a\",\"b\"")), "[10,20]");
	CHECK_STR(ev(PATH("event", "\"a\",\"b\"," LIT("1"))), "20");
	CHECK_STR(ev(PATH("event", LIT("\"s\""))), "\"x\"");
	CHECK_STR(ev(PATH("meta", "\"ws_server\",\"peer\",\"port\"")), "4242");
	CHECK_STR(ev(PATH("meta", "")),
	    "{\"ws_server\":{\"peer\":{\"host\":\"127.0.0.1\",\"port\":4242}}}");
	/* missing fields and bad indexes are runtime errors */
	CHECK_STR(ev(PATH("event", "\"nope\"")), "ERR:event has no field \"nope\"");
	CHECK_STR(ev(PATH("event", "\"s\",\"x\"")),
	    "ERR:cannot get field \"x\" of a string");
	CHECK_STR(ev(PATH("event", "\"a\",\"b\"," LIT("5"))),
	    "ERR:index 5 out of range");
	CHECK_STR(ev(PATH("event", LIT("true"))), "ERR:cannot index with a bool");
	CHECK_STR(ev(PATH("args", "\"nope\"")), "ERR:args has no field \"nope\"");
}

/* present / absent. */
static void
test_present(void)
{
	CHECK_STR(ev("{\"t\":\"present\",\"e\":" PATH("event", "\"a\"") "}"),
	    "true");
	CHECK_STR(ev("{\"t\":\"present\",\"e\":" PATH("event", "\"z\"") "}"),
	    "false");
	CHECK_STR(ev("{\"t\":\"absent\",\"e\":" PATH("event", "\"z\"") "}"),
	    "true");
	CHECK_STR(ev("{\"t\":\"absent\",\"e\":" PATH("meta",
	    "\"ws_server\",\"peer\"") "}"), "false");
	CHECK_STR(ev("{\"t\":\"present\",\"e\":" PATH("meta", "\"binary\"") "}"),
	    "false");
	/* present needs a path */
	CHECK(strncmp(ev("{\"t\":\"present\",\"e\":" LIT("1") "}"), "BUILD:",
	    6) == 0);
}

/* Arithmetic, comparison, logic. */
static void
test_operators(void)
{
	CHECK_STR(ev(BIN("+", LIT("1"), LIT("2"))), "3");
	CHECK_STR(ev(BIN("-", LIT("1"), LIT("2"))), "-1");
	CHECK_STR(ev(BIN("*", LIT("6"), LIT("7"))), "42");
	CHECK_STR(ev(BIN("/", LIT("1"), LIT("2"))), "0.5");
	CHECK_STR(ev(BIN("%", LIT("7"), LIT("3"))), "1");
	CHECK_STR(ev(BIN("%", LIT("-7"), LIT("3"))), "-1");
	CHECK_STR(ev(BIN("%", LIT("5.5"), LIT("2"))), "1.5");
	CHECK_STR(ev(BIN("+", LIT("1"), LIT("0.5"))), "1.5");
	CHECK_STR(ev(BIN("+", LIT("\"ab\""), LIT("\"cd\""))), "\"abcd\"");
	CHECK_STR(ev(BIN("/", LIT("1"), LIT("0"))), "ERR:division by zero");
	CHECK_STR(ev(BIN("%", LIT("1"), LIT("0"))), "ERR:division by zero");
	CHECK_STR(ev(BIN("+", LIT("9223372036854775807"), LIT("1"))),
	    "ERR:arithmetic overflow in +");
	CHECK_STR(ev(BIN("*", LIT("-9223372036854775807"), LIT("2"))),
	    "ERR:arithmetic overflow in *");
	CHECK_STR(ev(BIN("+", LIT("1"), LIT("\"a\""))),
	    "ERR:cannot apply + to integer and string");
	CHECK_STR(ev(UN("-", LIT("5"))), "-5");
	CHECK_STR(ev(UN("-", LIT("2.5"))), "-2.5");
	CHECK_STR(ev(UN("-", LIT("\"x\""))), "ERR:cannot apply unary - to a string");
	CHECK_STR(ev(UN("-", LIT("-9223372036854775808"))),
	    "ERR:arithmetic overflow in -");
	CHECK_STR(ev(BIN("<", LIT("1"), LIT("2"))), "true");
	CHECK_STR(ev(BIN("<=", LIT("2"), LIT("2.0"))), "true");
	CHECK_STR(ev(BIN(">", LIT("\"b\""), LIT("\"a\""))), "true");
	CHECK_STR(ev(BIN(">=", LIT("1"), LIT("2"))), "false");
	CHECK_STR(ev(BIN("<", LIT("1"), LIT("\"a\""))),
	    "ERR:cannot compare integer with string");
	CHECK_STR(ev(BIN("==", LIT("1"), LIT("1.0"))), "true");
	CHECK_STR(ev(BIN("==", LIT("{\"a\":[1,2]}"), LIT("{\"a\":[1,2.0]}"))),
	    "true");
	CHECK_STR(ev(BIN("==", LIT("{\"a\":1}"), LIT("{\"a\":1,\"b\":2}"))),
	    "false");
	CHECK_STR(ev(BIN("!=", LIT("[1]"), LIT("\"exit\""))), "true");
	CHECK_STR(ev(BIN("==", PATH("event", "\"s\""), LIT("\"x\""))), "true");
	CHECK_STR(ev(BIN("==", LIT("null"), LIT("null"))), "true");
	CHECK_STR(ev(BIN("and", LIT("true"), LIT("false"))), "false");
	CHECK_STR(ev(BIN("or", LIT("false"), LIT("true"))), "true");
	CHECK_STR(ev(BIN("xor", LIT("true"), LIT("true"))), "false");
	/* short circuit: the right side is never evaluated */
	CHECK_STR(ev(BIN("and", LIT("false"), BIN("/", LIT("1"), LIT("0")))),
	    "false");
	CHECK_STR(ev(BIN("or", LIT("true"), LIT("1"))), "true");
	CHECK_STR(ev(BIN("and", LIT("1"), LIT("true"))),
	    "ERR:expected a bool, got a integer");
	CHECK_STR(ev(UN("not", LIT("false"))), "true");
	CHECK_STR(ev(UN("not", LIT("null"))), "ERR:expected a bool, got a null");
}

/* Calls to std::time::nanos. */
static void
test_calls(void)
{
	CHECK_STR(ev("{\"t\":\"call\",\"fn\":\"std::time::nanos::from_millis\","
	    "\"a\":[" LIT("100") "]}"), "100000000");
	CHECK_STR(ev("{\"t\":\"call\",\"fn\":\"std::time::nanos::from_seconds\","
	    "\"a\":[" LIT("2") "]}"), "2000000000");
	CHECK_STR(ev("{\"t\":\"call\",\"fn\":\"std::time::nanos::from_weeks\","
	    "\"a\":[" LIT("1") "]}"), "604800000000000");
	CHECK_STR(ev("{\"t\":\"call\",\"fn\":\"std::time::nanos::from_weeks\","
	    "\"a\":[" LIT("100000") "]}"),
	    "ERR:std::time::nanos::from_weeks: arithmetic overflow");
	CHECK_STR(ev("{\"t\":\"call\",\"fn\":\"std::time::nanos::from_millis\","
	    "\"a\":[" LIT("1.5") "]}"),
	    "ERR:std::time::nanos::from_millis: expected an integer, got a float");
	CHECK_STR(ev("{\"t\":\"call\",\"fn\":\"nanos::from_millis\",\"a\":[]}"),
	    "BUILD:unknown function nanos::from_millis");
	CHECK_STR(ev("{\"t\":\"call\",\"fn\":\"std::time::nanos::from_millis\","
	    "\"a\":[]}"), "BUILD:std::time::nanos::from_millis takes 1 "
	    "argument, not 0");
}

/* Malformed serialised forms are rejected, never crash. */
static void
test_malformed(void)
{
	char	deep[8192];
	size_t	i, n = 0;

	CHECK_STR(ev("[]"), "BUILD:malformed expression");
	CHECK_STR(ev("{\"t\":\"lit\"}"), "BUILD:malformed expression");
	CHECK_STR(ev("{\"t\":\"what\"}"), "BUILD:malformed expression");
	CHECK_STR(ev(BIN("**", LIT("1"), LIT("2"))),
	    "BUILD:unknown operator \"**\"");
	CHECK_STR(ev(UN("==", LIT("1"))), "BUILD:unknown operator \"==\"");
	CHECK_STR(ev("{\"t\":\"path\",\"root\":\"state\",\"segs\":[]}"),
	    "BUILD:malformed expression");
	CHECK_STR(ev("{\"t\":\"rec\",\"f\":[[1," LIT("1") "]]}"),
	    "BUILD:malformed expression");
	CHECK_STR(ev("{\"t\":\"bin\",\"op\":\"+\",\"l\":" LIT("1") "}"),
	    "BUILD:malformed expression");
	for (i = 0; i < 300; i++)
		n += (size_t)snprintf(deep + n, sizeof(deep) - n,
		    "{\"t\":\"un\",\"op\":\"not\",\"e\":");
	n += (size_t)snprintf(deep + n, sizeof(deep) - n, LIT("true"));
	for (i = 0; i < 300; i++)
		deep[n++] = '}';
	deep[n] = '\0';
	CHECK_STR(ev(deep), "BUILD:expression nested too deeply");
}

/* expr_to_json(expr_from_json(x)) == x. */
static void
test_roundtrip(void)
{
	static const char *const forms[] = {
		LIT("1.5"),
		LIT("{\"a\":[1,null]}"),
		"{\"t\":\"rec\",\"f\":[[\"exit\"," LIT("0") "],[\"delay\","
		    PATH("args", "\"delay\"") "]]}",
		"{\"t\":\"arr\",\"v\":[" LIT("1") "," PATH("meta", "") "]}",
		PATH("event", "\"a\"," LIT("\"b\"") "," LIT("0")),
		BIN("!=", PATH("event", ""), LIT("\"exit\"")),
		BIN("and", BIN("<", LIT("1"), LIT("2")), UN("not", LIT("false"))),
		UN("-", PATH("event", "\"n\"")),
		UN("+", LIT("1")),
		"{\"t\":\"absent\",\"e\":" PATH("event", "\"a\"") "}",
		"{\"t\":\"call\",\"fn\":\"std::time::nanos::from_hours\","
		    "\"a\":[" LIT("1") "]}",
	};
	struct json_object	*in, *out;
	struct expr		*e;
	char			 err[128];
	size_t			 i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		in = J(forms[i]);
		e = expr_from_json(in, err, sizeof(err));
		CHECK_MSG(e != NULL, "%s: %s", forms[i], err);
		if (e == NULL) {
			json_object_put(in);
			continue;
		}
		out = expr_to_json(e);
		CHECK_MSG(json_object_equal(in, out), "%s -> %s", forms[i],
		    json_object_to_json_string(out));
		json_object_put(in);
		json_object_put(out);
		expr_free(e);
	}
	expr_free(NULL);
}

/* expr_test on non-booleans is an error. */
static void
test_condition(void)
{
	struct json_object	*o;
	struct expr		*e;
	struct expr_env		 env = { t_event, t_meta, t_args };
	char			 err[128];

	o = J(BIN("==", PATH("event", "\"n\""), LIT("3")));
	e = expr_from_json(o, err, sizeof(err));
	CHECK_INT(expr_test(e, &env, err, sizeof(err)), 1);
	expr_free(e);
	json_object_put(o);
	o = J(PATH("event", "\"n\""));
	e = expr_from_json(o, err, sizeof(err));
	CHECK_INT(expr_test(e, &env, err, sizeof(err)), -1);
	CHECK_STR(S(err), "expected a bool, got a integer");
	expr_free(e);
	json_object_put(o);
}

struct sink {
	char	buf[2048];
	char	errs[1024];
	int	stop_after;
	int	n;
};

/* Collect emitted events as "port value meta;" */
static int
collect(void *arg, const char *port, struct json_object *v,
    struct json_object *meta)
{
	struct sink	*s = arg;
	size_t		 l = strlen(s->buf);

	snprintf(s->buf + l, sizeof(s->buf) - l, "%s %s %s;", port,
	    v == NULL ? "null" : json_object_to_json_string_ext(v,
	    JSON_C_TO_STRING_PLAIN), meta == NULL ? "-" :
	    json_object_to_json_string_ext(meta, JSON_C_TO_STRING_PLAIN));
	s->n++;
	return s->stop_after > 0 && s->n >= s->stop_after ? -1 : 0;
}

/* Collect runtime errors. */
static void
errors(void *arg, const char *msg)
{
	struct sink	*s = arg;
	size_t		 l = strlen(s->errs);

	snprintf(s->errs + l, sizeof(s->errs) - l, "%s;", msg);
}

/* Build a pipeline from its JSON form (consumed), failing the check if
 * it does not build. */
static struct pipeline *
pipeline_built(struct json_object *o)
{
	struct pipeline	*p;
	char		 err[256];

	p = pipeline_from_json(o, err, sizeof(err));
	CHECK_MSG(p != NULL, "%s", err);
	json_object_put(o);
	return p;
}

/* Compiled pipelines: out_or_exit and error isolation. */
static void
test_pipeline(void)
{
	struct json_object	*o, *ev1, *meta;
	struct pipeline		*p;
	struct sink		 s;
	char			 err[256];

	o = J("{\"name\":\"server_side\",\"from\":[\"in\"],"
	    "\"into\":[\"out\",\"exit\"],\"args\":{\"delay\":7},\"selects\":["
	    "{\"from\":\"in\",\"target\":" PATH("event", "") ",\"where\":"
	    BIN("!=", PATH("event", ""), LIT("\"exit\"")) ",\"into\":\"out\"},"
	    "{\"from\":\"in\",\"target\":{\"t\":\"rec\",\"f\":[[\"exit\","
	    LIT("0") "],[\"delay\"," PATH("args", "\"delay\"") "]]},\"where\":"
	    BIN("==", PATH("event", ""), LIT("\"exit\"")) ",\"into\":\"exit\"},"
	    "{\"from\":\"other\",\"target\":" PATH("event", "\"x\"")
	    ",\"where\":null,\"into\":\"out\"},"
	    "{\"from\":\"other\",\"target\":" LIT("1") ",\"where\":"
	    PATH("event", "") ",\"into\":\"out\"},"
	    "{\"from\":\"other\",\"target\":" LIT("\"last\"") ",\"into\":\"out\"}"
	    "]}");
	if ((p = pipeline_built(o)) == NULL)
		return;
	CHECK_STR(pipeline_name(p), "server_side");
	meta = J("{\"ws_server\":{\"peer\":{\"host\":\"::1\",\"port\":1}}}");
	memset(&s, 0, sizeof(s));
	ev1 = J("[\"snot\",\"badger\"]");
	CHECK_INT(pipeline_run(p, "in", ev1, meta, collect, errors, &s), 0);
	json_object_put(ev1);
	ev1 = J("\"exit\"");
	CHECK_INT(pipeline_run(p, "IN", ev1, meta, collect, errors, &s), 0);
	json_object_put(ev1);
	CHECK_STR(S(s.buf), "out [\"snot\",\"badger\"] "
	    "{\"ws_server\":{\"peer\":{\"host\":\"::1\",\"port\":1}}};"
	    "exit {\"exit\":0,\"delay\":7} "
	    "{\"ws_server\":{\"peer\":{\"host\":\"::1\",\"port\":1}}};");
	CHECK_STR(S(s.errs), "");
	/* a failing select loses only its own output */
	memset(&s, 0, sizeof(s));
	ev1 = J("{\"y\":1}");
	CHECK_INT(pipeline_run(p, "other", ev1, NULL, collect, errors, &s), 0);
	json_object_put(ev1);
	CHECK_STR(S(s.buf), "out \"last\" -;");
	CHECK_STR(S(s.errs), "pipeline server_side: select: event has no field "
	    "\"x\";pipeline server_side: where: expected a bool, got a record;");
	/* no select reads port "nope" */
	memset(&s, 0, sizeof(s));
	CHECK_INT(pipeline_run(p, "nope", NULL, NULL, collect, errors, &s), 0);
	CHECK_INT(s.n, 0);
	/* emit asks to stop */
	memset(&s, 0, sizeof(s));
	s.stop_after = 1;
	ev1 = J("{\"x\":2}");
	CHECK_INT(pipeline_run(p, "other", ev1, NULL, collect, NULL, &s), -1);
	json_object_put(ev1);
	CHECK_STR(S(s.buf), "out 2 -;");
	json_object_put(meta);
	pipeline_free(p);
	pipeline_free(NULL);

	/* malformed pipelines */
	o = J("{\"name\":\"p\"}");
	CHECK(pipeline_from_json(o, err, sizeof(err)) == NULL);
	CHECK_STR(S(err), "malformed pipeline");
	json_object_put(o);
	o = J("{\"name\":\"p\",\"selects\":[{\"from\":\"in\",\"into\":\"out\","
	    "\"target\":{\"t\":\"x\"}}]}");
	CHECK(pipeline_from_json(o, err, sizeof(err)) == NULL);
	CHECK_STR(S(err), "select target: malformed expression");
	json_object_put(o);
	o = J("{\"name\":\"p\",\"args\":[],\"selects\":[]}");
	CHECK(pipeline_from_json(o, err, sizeof(err)) == NULL);
	json_object_put(o);
}

/* Which input ports a pipeline passes through unchanged. */
static void
test_passthrough(void)
{
	struct json_object	*o;
	struct pipeline		*p;
	const char		*into[4];
	int			 i;

	o = J("{\"name\":\"p\",\"selects\":["
	    "{\"from\":\"in\",\"target\":" PATH("event", "") ",\"into\":\"out\"},"
	    "{\"from\":\"IN\",\"target\":" PATH("event", "") ",\"where\":null,"
	    "\"into\":\"err\"},"
	    "{\"from\":\"w\",\"target\":" PATH("event", "") ",\"where\":"
	    LIT("true") ",\"into\":\"out\"},"
	    "{\"from\":\"f\",\"target\":" PATH("event", "\"a\"")
	    ",\"into\":\"out\"},"
	    "{\"from\":\"m\",\"target\":" PATH("meta", "") ",\"into\":\"out\"},"
	    "{\"from\":\"l\",\"target\":" LIT("1") ",\"into\":\"out\"},"
	    "{\"from\":\"many\",\"target\":" PATH("event", "") ",\"into\":\"a\"},"
	    "{\"from\":\"many\",\"target\":" PATH("event", "") ",\"into\":\"b\"},"
	    "{\"from\":\"many\",\"target\":" PATH("event", "") ",\"into\":\"c\"}"
	    "]}");
	if ((p = pipeline_built(o)) == NULL)
		return;
	CHECK_INT(pipeline_passthrough(p, "in", into, 4), 2);
	CHECK_STR(into[0], "out");
	CHECK_STR(into[1], "err");
	CHECK_INT(pipeline_passthrough(p, "nope", into, 4), 0);
	CHECK_INT(pipeline_passthrough(p, "w", into, 4), -1);
	CHECK_INT(pipeline_passthrough(p, "f", into, 4), -1);
	CHECK_INT(pipeline_passthrough(p, "m", into, 4), -1);
	CHECK_INT(pipeline_passthrough(p, "l", into, 4), -1);
	CHECK_INT(pipeline_passthrough(p, "many", into, 3), 3);
	CHECK_INT(pipeline_passthrough(p, "many", into, 2), -1);
	for (i = 0; i < 3; i++)
		CHECK_INT(into[i][0], 'a' + i);
	pipeline_free(p);
}

int
main(void)
{
	t_event = J("{\"a\":{\"b\":[10,20]},\"s\":\"x\",\"n\":3,\"f\":1.5}");
	t_meta = J("{\"ws_server\":{\"peer\":{\"host\":\"127.0.0.1\","
	    "\"port\":4242}}}");
	t_args = J("{\"delay\":5}");
	test_values();
	test_present();
	test_operators();
	test_calls();
	test_malformed();
	test_roundtrip();
	test_condition();
	test_pipeline();
	test_passthrough();
	json_object_put(t_event);
	json_object_put(t_meta);
	json_object_put(t_args);
	return check_done();
}
