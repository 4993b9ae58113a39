/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for ctl/ctl_assert.c: contains, doesnt_contain,
 * equals_file and their messages, the exit status, and the errors a
 * malformed assert.yaml gives.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <json.h>

#include "check.h"
#include "ctl_assert.h"
#include "ctl_testlib.h"

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

/* Run one assert; return the count and the first message. */
static int
check1(const char *yaml, const char *text, const char *expect,
    char *msg, size_t msglen)
{
	struct json_object	*a = yaml_value(yaml), *fails;
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

/* The first message of fails, or "" (static buffer). */
static const char *
first(struct json_object *fails)
{
	static char	 msg[512];

	snprintf(msg, sizeof(msg), "%s", json_object_array_length(fails) > 0 ?
	    json_object_get_string(json_object_array_get_idx(fails, 0)) : "");
	return msg;
}

/*
 * Judge a status against an assert.yaml given as YAML (NULL: none).  The
 * parsed assert.yaml lives until the next call, since *list points into it.
 */
static int
status1(const char *yaml, int status, struct json_object **list,
    const char **msg)
{
	static struct json_object	*as;
	struct json_object		*fails = json_object_new_array();
	int				 r;

	json_object_put(as);
	as = yaml != NULL ? yaml_value(yaml) : NULL;
	r = cta_status(as, status, list, fails);
	*msg = first(fails);
	json_object_put(fails);
	return r;
}

/* The exit status, and assert.yaml's shape. */
static void
test_status(void)
{
	struct json_object	*l;
	const char		*m;

	CHECK_INT(status1(NULL, 0, &l, &m), 0);
	CHECK(l == NULL);
	CHECK_STR(m, "");
	CHECK_INT(status1(NULL, 1 << 8, &l, &m), 0);
	CHECK_STR(m, "exit status 1, expected exit status 0");
	CHECK_INT(status1(NULL, SIGKILL, &l, &m), 0);
	CHECK_STR(m, "terminated by signal 9, expected exit status 0");
	CHECK_INT(status1("status: 3\n", 3 << 8, &l, &m), 0);
	CHECK(l == NULL);
	CHECK_STR(m, "");
	CHECK_INT(status1("status: 1\nasserts: []\n", 0, &l, &m), 0);
	CHECK(json_object_is_type(l, json_type_array));
	CHECK_STR(m, "exit status 0, expected exit status 1");
	CHECK_INT(status1("status: 0\nasserts:\n", 0, &l, &m), 0);
	CHECK(l == NULL);
	/* malformed */
	CHECK_INT(status1("[1]", 0, &l, &m), -1);
	CHECK_STR(m, "assert.yaml: must be a mapping");
	CHECK_INT(status1("asserts: []\n", 0, &l, &m), -1);
	CHECK_STR(m, "assert.yaml:1: status missing or not an integer");
	CHECK_INT(status1("# x\n\nstatus: '0'\n", 0, &l, &m), -1);
	CHECK_STR(m, "assert.yaml:3: status missing or not an integer");
	CHECK_INT(status1("status: 0\nasserts: {a: 1}\n", 0, &l, &m), -1);
	CHECK(l == NULL);
	CHECK_STR(m, "assert.yaml:2: asserts must be a list");
	(void)status1(NULL, 0, &l, &m);
}

/* One asserts[i]: its source, its expected file, where a bad one is. */
static void
test_entry(void)
{
	struct json_object	*fails = json_object_new_array(), *a;

	a = yaml_value("\n{contains: [a]}");
	CHECK(cta_source(a, 2, fails) == NULL);
	CHECK_STR(first(fails), "assert.yaml:2: asserts[2]: source missing "
	    "or not a string");
	CHECK(cta_expect_file(a) == NULL);
	json_object_put(a);
	a = yaml_value("{source: 1, equals_file: [e]}");
	CHECK(cta_source(a, 0, fails) == NULL);
	CHECK(cta_expect_file(a) == NULL);
	json_object_put(a);
	a = yaml_value("[source]");
	CHECK(cta_source(a, 0, fails) == NULL);
	json_object_put(a);
	CHECK_INT(json_object_array_length(fails), 3);
	CHECK(cta_expect_file(NULL) == NULL);
	json_object_put(fails);

	fails = json_object_new_array();
	a = yaml_value("{source: stdout, equals_file: e.json}");
	CHECK_STR(cta_source(a, 0, fails), "stdout");
	CHECK_STR(cta_expect_file(a), "e.json");
	CHECK_INT(cta_entry(a, 0, "stdout", "x\n", 2, "y\n", 2, fails), 1);
	CHECK_STR(first(fails), "stdout differs from e.json at line 1: got "
	    "\"x\", expected \"y\"");
	json_object_put(a);
	json_object_put(fails);

	fails = json_object_new_array();
	a = yaml_value("- source: x\n  contain: [a]\n");
	CHECK_INT(cta_entry(json_object_array_get_idx(a, 0), 4, "x", "a", 1,
	    NULL, 0, fails), -1);
	CHECK_STR(first(fails), "assert.yaml:1: asserts[4]: x: unknown "
	    "assert key \"contain\"");
	json_object_put(a);
	json_object_put(fails);
}

/* Messages of malformed entries, long lines, empty needles. */
static void
test_messages(void)
{
	static char	 mbuf[512];
	char		 got[128], want[128];
	char		*m = mbuf;

	CHECK_INT(check1("{source: x, equals_file: [a]}", "a\n", NULL, m,
	    sizeof(mbuf)), -1);
	CHECK_STR(m, "out.log: equals_file must be a string");
	CHECK_INT(check1("{source: x, doesnt_contain: [{a: 1}]}", "a\n", NULL,
	    m, sizeof(mbuf)), -1);
	CHECK_STR(m, "out.log: doesnt_contain entries must be strings");
	CHECK_INT(check1("{source: x, contains: ~}", "a\n", NULL, m,
	    sizeof(mbuf)), -1);
	CHECK_STR(m, "out.log: contains entries must be strings");
	/* a long differing line is cut at 60 bytes */
	memset(got, 'a', 100);
	got[100] = '\0';
	memset(want, 'b', 100);
	want[100] = '\0';
	CHECK_INT(check1("{source: x, equals_file: e}", got, want, m,
	    sizeof(mbuf)), 1);
	CHECK_STR(m, "out.log differs from e at line 1: got \"aaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\", "
	    "expected \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	    "bbbbbbbbbb...\"");
	/* an empty needle is found on the first line there is */
	CHECK_INT(cta_text_contains("a", 1, "  "), 1);
	CHECK_INT(cta_text_contains("", 0, ""), 0);
	CHECK_STR(cta_status_str(0x137f, got, sizeof(got)),
	    "wait status 4991");
}

int
main(void)
{
	test_contains();
	test_asserts();
	test_status();
	test_entry();
	test_messages();
	return check_done();
}
