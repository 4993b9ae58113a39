/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for ctl/ctl_select.c: meta.yaml, tags.yaml, Tremor's tag
 * filter and include globs.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json.h>

#include "check.h"
#include "ctl_select.h"
#include "ctl_testlib.h"

/* Interpret a meta.yaml; return cts_meta's result and the globs or error. */
static int
meta(const char *text, const char **msg)
{
	static char		 out[256];
	struct json_object	*m = yaml_value(text), *incl = NULL;
	char			 err[256];
	int			 r;

	r = cts_meta(m, "m.yaml", &incl, err, sizeof(err));
	snprintf(out, sizeof(out), "%s", r == -1 ? err : incl == NULL ? "-" :
	    json_object_to_json_string_ext(incl, JSON_C_TO_STRING_PLAIN));
	json_object_put(incl);
	json_object_put(m);
	*msg = out;
	return r;
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

/* meta.yaml: kind and includes; bad ones say what is wrong. */
static void
test_meta(void)
{
	const char	*m;

	CHECK_INT(meta("kind: Integration\nincludes: '*'\n", &m), 1);
	CHECK_STR(m, "[\"*\"]");
	CHECK_INT(meta("kind: integration\nincludes: [a*, b/*]\n", &m), 1);
	CHECK_STR(m, "[\"a*\",\"b\\/*\"]");
	CHECK_INT(meta("kind: unit\n", &m), 0);
	CHECK_STR(m, "-");
	CHECK_INT(meta("", &m), -1);
	CHECK_STR(m, "m.yaml: kind missing");
	CHECK_INT(meta("[kind]", &m), -1);
	CHECK_STR(m, "m.yaml: kind missing");
	CHECK_INT(meta("kind: 1\n", &m), -1);
	CHECK_STR(m, "m.yaml: kind missing");
	CHECK_INT(meta("kind: integration\n", &m), -1);
	CHECK_STR(m, "m.yaml: includes missing");
	CHECK_INT(meta("kind: integration\nincludes:\n", &m), -1);
	CHECK_STR(m, "m.yaml: includes missing");
	CHECK_INT(meta("kind: integration\nincludes: [a, 1]\n", &m), -1);
	CHECK_STR(m, "m.yaml: includes must be glob strings");
	CHECK_INT(meta("kind: integration\nincludes: {a: b}\n", &m), -1);
	CHECK_STR(m, "m.yaml: includes must be a glob");
	CHECK_INT(meta("kind: integration\nincludes: 5\n", &m), -1);
	CHECK_STR(m, "m.yaml: includes must be a glob");
}

/* tags.yaml: a list of scalars; anything else says where. */
static void
test_tags_add(void)
{
	struct json_object	*tags = json_object_new_array(), *v;
	char			 ebuf[256], *err = ebuf;

	v = yaml_value("[a, 7]");
	CHECK_INT(cts_tags_add(tags, v, "t.yaml", ebuf, sizeof(ebuf)), 0);
	json_object_put(v);
	CHECK_INT(cts_tags_add(tags, NULL, "t.yaml", ebuf, sizeof(ebuf)), 0);
	CHECK_STR(json_object_to_json_string_ext(tags,
	    JSON_C_TO_STRING_PLAIN), "[\"a\",7]");
	v = yaml_value("a: b\n");
	CHECK_INT(cts_tags_add(tags, v, "t.yaml", ebuf, sizeof(ebuf)), -1);
	CHECK_STR(err, "t.yaml: must be a list of tags");
	json_object_put(v);
	v = yaml_value("- c\n- [d]\n");
	CHECK_INT(cts_tags_add(tags, v, "t.yaml", ebuf, sizeof(ebuf)), -1);
	CHECK_STR(err, "t.yaml:2: tags must be strings");
	json_object_put(v);
	/* the tags before the bad one were taken */
	CHECK_INT(json_object_array_length(tags), 3);
	/* not a list of tags at all: nothing selected by tag */
	{
		char *a[] = { (char *)"a" };

		CHECK_INT(cts_tags_selected(NULL, a, 1, NULL, 0), 0);
		CHECK_INT(cts_tags_selected(NULL, NULL, 0, a, 1), 1);
	}
	json_object_put(tags);
}

int
main(void)
{
	test_tags();
	test_includes();
	test_meta();
	test_tags_add();
	return check_done();
}
