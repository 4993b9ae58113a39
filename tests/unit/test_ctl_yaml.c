/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for ctl/ctl_yaml.c: YAML documents of the shapes the test
 * files use, scalar typing, line numbers, and the errors bad input gives.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json.h>

#include "check.h"
#include "ctl_yaml.h"

/* Parse text and return the compact JSON (static buffer), or the error. */
static const char *
y2j(const char *text)
{
	static char		 out[2048];
	struct json_object	*v = NULL;
	char			 err[256];

	if (cty_parse(text, strlen(text), &v, err, sizeof(err)) ==
	    -1) {
		snprintf(out, sizeof(out), "ERR %s", err);
		return out;
	}
	snprintf(out, sizeof(out), "%s", v == NULL ? "null" :
	    json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(v);
	return out;
}

/* YAML documents of the shapes the test files use. */
static void
test_yaml(void)
{
	CHECK_STR(y2j("{\"kind\": \"Integration\", \"includes\": \"*\"}"),
	    "{\"kind\":\"Integration\",\"includes\":\"*\"}");
	CHECK_STR(y2j("[\"ws\", \"tls\"]\n"), "[\"ws\",\"tls\"]");
	CHECK_STR(y2j("- ws\n- tls\n"), "[\"ws\",\"tls\"]");
	CHECK_STR(y2j(
	    "status: 0\n"
	    "name: ws test\n"
	    "asserts:\n"
	    "  - source: out.log\n"
	    "    equals_file: expected.json\n"
	    "  - source: stderr\n"
	    "    contains:\n"
	    "      - \"error\"\n"),
	    "{\"status\":0,\"name\":\"ws test\",\"asserts\":[{\"source\":"
	    "\"out.log\",\"equals_file\":\"expected.json\"},{\"source\":"
	    "\"stderr\",\"contains\":[\"error\"]}]}");
	CHECK_STR(y2j(
	    "- dir: ./before\n"
	    "  cmd: tremor\n"
	    "  args: ['server', 'run', '-p', '../before.pid', config.troy]\n"
	    "  await:\n"
	    "    port-open:\n"
	    "      - \"4242\"\n"
	    "  max-await-secs: 15\n"),
	    "[{\"dir\":\"./before\",\"cmd\":\"tremor\",\"args\":[\"server\","
	    "\"run\",\"-p\",\"../before.pid\",\"config.troy\"],\"await\":"
	    "{\"port-open\":[\"4242\"]},\"max-await-secs\":15}]");
	/* Typing: plain scalars typed, quoted stay strings. */
	CHECK_STR(y2j("[1, \"1\", '1', true, \"true\", yes, off, ~, null, "
	    "\"\", 0x1f, 017, -5, +3, 1_000, 1.5, abc, 09, 1.2.3]"),
	    "[1,\"1\",\"1\",true,\"true\",true,false,null,null,\"\",31,15,"
	    "-5,3,1000,1.5,\"abc\",\"09\",\"1.2.3\"]");
	CHECK_STR(y2j("a: !!str 42\nb: 42\n"), "{\"a\":\"42\",\"b\":42}");
	CHECK_STR(y2j("a:\nb: c\n"), "{\"a\":null,\"b\":\"c\"}");
	CHECK_STR(y2j("x: |\n  two\n  lines\n"),
	    "{\"x\":\"two\\nlines\\n\"}");
	CHECK_STR(y2j("n: 9223372036854775807\nm: 9223372036854775808\n"),
	    "{\"n\":9223372036854775807,\"m\":\"9223372036854775808\"}");
	CHECK_STR(y2j(""), "null");
	CHECK_STR(y2j("# only a comment\n"), "null");
	/* Errors name line and column, nothing leaks. */
	CHECK_STR(y2j("status: 0\nasserts: [\n  - source: x\n"),
	    "ERR 3:3: did not find expected node content while parsing a flow "
	    "node");
	CHECK_STR(y2j("a: 1\n b: 2\n"),
	    "ERR 2:3: mapping values are not allowed in this context");
	CHECK_STR(y2j("a: &x 1\nb: *x\n"), "ERR 2:4: aliases are not supported");
	CHECK_STR(y2j("? [1]\n: 2\n"), "ERR 1:3: mapping keys must be scalars");
	CHECK_STR(y2j("a: 1\n---\nb: 2\n"), "ERR 2:1: more than one document");
	CHECK_STR(y2j("\"unterminated\n"),
	    "ERR 2:1: found unexpected end of stream while scanning a quoted "
	    "scalar");
}

/* Values remember the line they came from. */
static void
test_lines(void)
{
	struct json_object	*v = NULL, *e;
	const char		*y = "# comment\n- cmd: sh\n  args: [a, b]\n"
				    "- cmd: x\n  min-await-secs: 1.5\n";
	char			 err[128];

	CHECK_INT(cty_parse(y, strlen(y), &v, err, sizeof(err)), 0);
	CHECK_INT(cty_line(v), 2);
	e = json_object_array_get_idx(v, 1);
	CHECK_INT(cty_line(e), 4);
	CHECK_INT(cty_line(json_object_object_get(e, "cmd")), 4);
	e = json_object_array_get_idx(v, 0);
	CHECK_INT(cty_line(json_object_object_get(e, "args")), 3);
	/* doubles keep their default serialiser, so no line */
	e = json_object_object_get(json_object_array_get_idx(v, 1),
	    "min-await-secs");
	CHECK_INT(cty_line(e), 0);
	CHECK_STR(json_object_to_json_string(e), "1.5");
	CHECK_INT(cty_line(NULL), 0);
	json_object_put(v);
}

/* Nesting is bounded; the error says where. */
static void
test_deep(void)
{
	char	 buf[300];
	size_t	 i;

	for (i = 0; i < 100; i++)
		buf[i] = '[';
	buf[i] = '\0';
	CHECK_STR(y2j(buf), "ERR 1:65: nested too deeply");
	for (i = 0; i < 64; i++)
		buf[i] = '[';
	for (; i < 128; i++)
		buf[i] = ']';
	buf[i] = '\0';
	CHECK_STR(y2j(buf), "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
	    "]]]]]]]]]]]]]");
}

/* Scalar typing directly, and the string form of scalars. */
static void
test_scalar(void)
{
	struct json_object	*v;
	char			 buf[64];

	CHECK_INT(cty_scalar("4242", 4, 1, &v), 0);
	CHECK(json_object_is_type(v, json_type_int));
	CHECK_STR(cty_str(v, buf, sizeof(buf)), "4242");
	json_object_put(v);
	CHECK_INT(cty_scalar("4242", 4, 0, &v), 0);
	CHECK(json_object_is_type(v, json_type_string));
	json_object_put(v);
	CHECK_INT(cty_scalar("0b101", 5, 1, &v), 0);
	CHECK_INT(json_object_get_int(v), 5);
	json_object_put(v);
	CHECK_INT(cty_scalar("-", 1, 1, &v), 0);
	CHECK_STR(json_object_get_string(v), "-");
	json_object_put(v);
	CHECK_INT(cty_scalar("1e3", 3, 1, &v), 0);
	CHECK(json_object_is_type(v, json_type_string));
	json_object_put(v);
	CHECK_INT(cty_scalar("1.0e+3", 6, 1, &v), 0);
	CHECK(json_object_is_type(v, json_type_double));
	CHECK_STR(cty_str(v, buf, sizeof(buf)), "1000");
	json_object_put(v);
	CHECK(cty_str(NULL, buf, sizeof(buf)) == NULL);
}

/* Bad input: every error names the line and column and says what. */
static void
test_bad(void)
{
	struct json_object	*v = (struct json_object *)&v;
	char			 ebuf[8], *err = ebuf;

	CHECK_STR(y2j("a: 1\n\tb: 2\n"), "ERR 2:1: found a tab character "
	    "that violates indentation while scanning a plain scalar");
	/* libyaml gives a reader error an offset, not a line */
	CHECK_STR(y2j("a: \xff\n"), "ERR 1:1: invalid leading UTF-8 octet");
	CHECK_STR(y2j("a: [1, 2\n"), "ERR 2:1: did not find expected ',' "
	    "or ']' while parsing a flow sequence");
	CHECK_STR(y2j("- a\nb: c\n"), "ERR 2:1: did not find expected '-' "
	    "indicator while parsing a block collection");
	CHECK_STR(y2j("[1, 2]: x\n"), "ERR 1:1: mapping keys must be scalars");
	CHECK_STR(y2j("{a: [1], {b: 2}: c}"),
	    "ERR 1:10: mapping keys must be scalars");
	CHECK_STR(y2j("- !!binary aGk=\n- &a x\n- *a\n"),
	    "ERR 3:3: aliases are not supported");
	/* a NUL byte inside the given length is an error, not an end */
	CHECK_INT(cty_parse("a: b\0c", 6, &v, ebuf, sizeof(ebuf)), -1);
	CHECK(v == NULL);
	/* the message is cut to the buffer, never past it */
	CHECK_INT(cty_parse("a: &x 1\nb: *x\n", 14, &v, ebuf, sizeof(ebuf)),
	    -1);
	CHECK_STR(err, "2:4: al");
	CHECK(v == NULL);
}

/* Plain scalars at the edges of YAML 1.1 typing; duplicate keys. */
static void
test_numbers(void)
{
	CHECK_STR(y2j("[-9223372036854775808, -9223372036854775809]"),
	    "[-9223372036854775808,\"-9223372036854775809\"]");
	CHECK_STR(y2j("[0x, 0b2, 0xfF, 0b_1, _, 08, -0]"),
	    "[\"0x\",\"0b2\",255,1,\"_\",\"08\",0]");
	CHECK_STR(y2j("[.5, 1., +.25e+1, 1e5, 1.5e, 1_0.2_5]"),
	    "[0.5,1.0,2.5,\"1e5\",\"1.5e\",10.25]");
	CHECK_STR(y2j("[Yes, oN, OFF, NULL, nULL, ~x]"),
	    "[true,\"oN\",false,null,\"nULL\",\"~x\"]");
	/* the last of two equal keys wins */
	CHECK_STR(y2j("{a: 1, a: 2}"), "{\"a\":2}");
}

/* The string form of scalars; containers have none. */
static void
test_str(void)
{
	struct json_object	*v;
	char			 buf[64];

	v = json_object_new_int64(-5);
	CHECK_STR(cty_str(v, buf, sizeof(buf)), "-5");
	json_object_put(v);
	v = json_object_new_boolean(0);
	CHECK_STR(cty_str(v, buf, sizeof(buf)), "false");
	json_object_put(v);
	v = json_object_new_double(0.25);
	CHECK_STR(cty_str(v, buf, sizeof(buf)), "0.25");
	json_object_put(v);
	v = json_object_new_array();
	CHECK(cty_str(v, buf, sizeof(buf)) == NULL);
	json_object_put(v);
	v = json_object_new_object();
	CHECK(cty_str(v, buf, sizeof(buf)) == NULL);
	json_object_put(v);
}

int
main(void)
{
	test_yaml();
	test_lines();
	test_deep();
	test_scalar();
	test_bad();
	test_numbers();
	test_str();
	return check_done();
}
