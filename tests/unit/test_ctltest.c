/*
 * Unit tests for the pure parts of wsflowctl test: YAML to JSON, scalar
 * typing, tag selection and assert evaluation.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json.h>

#include "check.h"
#include "ctl_assert.h"
#include "ctl_select.h"
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

/* Tags: Tremor's include/exclude rules. */
static void
test_tags(void)
{
	struct json_object	*t;
	char			*fast[] = { (char *)"fast" }, *net[] = { (char *)"net" };
	char			*none[] = { (char *)"nope" };

	t = json_object_new_array();
	json_object_array_add(t, json_object_new_string("fast"));
	json_object_array_add(t, json_object_new_string("net"));
	CHECK_INT(cts_tags_selected(t, NULL, 0, NULL, 0), 1);
	CHECK_INT(cts_tags_selected(t, fast, 1, NULL, 0), 1);
	CHECK_INT(cts_tags_selected(t, none, 1, NULL, 0), 0);
	CHECK_INT(cts_tags_selected(t, NULL, 0, net, 1), 0);
	CHECK_INT(cts_tags_selected(t, NULL, 0, none, 1), 1);
	/* include wins over exclude */
	CHECK_INT(cts_tags_selected(t, fast, 1, net, 1), 1);
	CHECK_INT(cts_tags_selected(t, none, 1, net, 1), 0);
	json_object_put(t);
	t = json_object_new_array();
	json_object_array_add(t, json_object_new_int(7));
	{
		char *seven[] = { (char *)"7" };

		CHECK_INT(cts_tags_selected(t, seven, 1, NULL, 0), 1);
	}
	json_object_put(t);
}

/* meta.yaml includes: gitignore-like, case-insensitive. */
static void
test_includes(void)
{
	CHECK_INT(cts_include_match("*", "ws"), 1);
	CHECK_INT(cts_include_match("*", "group/ws"), 1);
	CHECK_INT(cts_include_match("ws*", "WS-tls"), 1);
	CHECK_INT(cts_include_match("ws*", "group/ws-tls"), 1);
	CHECK_INT(cts_include_match("ws*", "tls"), 0);
	CHECK_INT(cts_include_match("group/*", "group/x"), 1);
	CHECK_INT(cts_include_match("group/*", "other/x"), 0);
	CHECK_INT(cts_include_match("group/*", "group/x/y"), 0);
	CHECK_INT(cts_include_match("g?oup/[xy]", "group/y"), 1);
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

/* contains: trimmed needle, substring of one line. */
static void
test_contains(void)
{
	const char	*text = "first line\nsecond  line\r\nthird\n";

	CHECK_INT(cta_text_contains(text, strlen(text), "second"), 1);
	CHECK_INT(cta_text_contains(text, strlen(text), "  third  \n"), 1);
	CHECK_INT(cta_text_contains(text, strlen(text), "line\nsecond"),
	    0);
	CHECK_INT(cta_text_contains(text, strlen(text), "line\r"), 1);
	CHECK_INT(cta_text_contains(text, strlen(text), "fourth"), 0);
	CHECK_INT(cta_text_contains("abc", 3, "bc"), 1);
	CHECK_INT(cta_text_contains("", 0, "x"), 0);
	/* only the first len bytes count */
	CHECK_INT(cta_text_contains("abcdef", 3, "de"), 0);
}

/* Parse a YAML assert entry for the tests below. */
static struct json_object *
entry(const char *yaml)
{
	struct json_object	*v = NULL;
	char			 err[256];

	if (cty_parse(yaml, strlen(yaml), &v, err, sizeof(err)) == -1)
		fprintf(stderr, "bad test yaml: %s\n", err);
	return v;
}

/* Run one assert; return the count and the first message. */
static int
check1(const char *yaml, const char *text, const char *expect,
    char *msg, size_t msglen)
{
	struct json_object	*a = entry(yaml), *fails;
	int			 r;

	fails = json_object_new_array();
	r = cta_check(a, "out.log", text, strlen(text), expect,
	    expect != NULL ? strlen(expect) : 0, fails);
	msg[0] = '\0';
	if (json_object_array_length(fails) > 0)
		snprintf(msg, msglen, "%s", json_object_get_string(
		    json_object_array_get_idx(fails, 0)));
	json_object_put(fails);
	json_object_put(a);
	return r;
}

/* Assert evaluation and its messages. */
static void
test_asserts(void)
{
	static char	 mbuf[512];
	char		*m = mbuf;

	CHECK_INT(check1("{source: stdout, contains: [hello, world]}",
	    "hello\nworld\n", NULL, m, sizeof(mbuf)), 0);
	CHECK_INT(check1("{source: stdout, contains: [hello, planet]}",
	    "hello\nworld\n", NULL, m, sizeof(mbuf)), 1);
	CHECK_STR(m, "out.log does not contain \"planet\"");
	CHECK_INT(check1("{source: stdout, doesnt_contain: [error, world]}",
	    "hello\nworld\n", NULL, m, sizeof(mbuf)), 1);
	CHECK_STR(m, "out.log contains \"world\" (line 2)");
	CHECK_INT(check1("{source: x, contains: [a, b], doesnt_contain: [c]}",
	    "c\n", NULL, m, sizeof(mbuf)), 3);
	CHECK_INT(check1("{source: x, contains: [42]}", "n=42\n", NULL, m,
	    sizeof(mbuf)), 0);
	CHECK_INT(check1("{source: x, contains: yes}", "true\n", NULL, m,
	    sizeof(mbuf)), 0);
	/* equals_file: exact, including the final newline */
	CHECK_INT(check1("{source: x, equals_file: e.json}", "{\"a\":1}\n",
	    "{\"a\":1}\n", m, sizeof(mbuf)), 0);
	CHECK_INT(check1("{source: x, equals_file: e.json}", "{\"a\":1}",
	    "{\"a\":1}\n", m, sizeof(mbuf)), 1);
	CHECK_STR(m, "out.log differs from e.json: missing final newline");
	CHECK_INT(check1("{source: x, equals_file: e.json}", "{\"a\":1}\n\n",
	    "{\"a\":1}\n", m, sizeof(mbuf)), 1);
	CHECK_STR(m, "out.log differs from e.json: extra newline at end");
	CHECK_INT(check1("{source: x, equals_file: e.json}", "{\"a\":1}\n",
	    "{\"a\":1}", m, sizeof(mbuf)), 1);
	CHECK_STR(m, "out.log differs from e.json: extra newline at end");
	CHECK_INT(check1("{source: x, equals_file: e.json}", "1\n2\nX\n",
	    "1\n2\n3\n", m, sizeof(mbuf)), 1);
	CHECK_STR(m, "out.log differs from e.json at line 3: got \"X\", "
	    "expected \"3\"");
	CHECK_INT(check1("{source: x, equals_file: e.json}", "1\n",
	    "1\n2\n", m, sizeof(mbuf)), 1);
	CHECK_STR(m, "out.log differs from e.json at line 2: got \"\" (eof), "
	    "expected \"2\"");
	CHECK_INT(check1("{source: x, equals_file: e.json}", "a\"\tb\n",
	    "ab\n", m, sizeof(mbuf)), 1);
	CHECK_STR(m, "out.log differs from e.json at line 1: got "
	    "\"a\\x22\\x09b\", expected \"ab\"");
	CHECK_INT(check1("{source: x, equals_file: e.json}", "1\n", NULL, m,
	    sizeof(mbuf)), 1);
	CHECK_STR(m, "out.log: cannot read e.json");
	/* no checks: nothing to fail (Tremor skips it) */
	CHECK_INT(check1("{source: x}", "", NULL, m, sizeof(mbuf)), 0);
	/* malformed entries */
	CHECK_INT(check1("{source: x, contain: [a]}", "a\n", NULL, m,
	    sizeof(mbuf)), -1);
	CHECK_STR(m, "out.log: unknown assert key \"contain\"");
	CHECK_INT(check1("{source: x, contains: [[a]]}", "a\n", NULL, m,
	    sizeof(mbuf)), -1);
	CHECK_STR(m, "out.log: contains entries must be strings");
	CHECK_INT(check1("[1]", "a\n", NULL, m, sizeof(mbuf)), -1);
	CHECK_STR(m, "assert entry is not a mapping");
	CHECK_INT(check1("{source: x, equals_file: [a]}", "a\n", NULL, m,
	    sizeof(mbuf)), -1);
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

int
main(void)
{
	test_yaml();
	test_lines();
	test_tags();
	test_includes();
	test_deep();
	test_contains();
	test_asserts();
	test_scalar();
	return check_done();
}
