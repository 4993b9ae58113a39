/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the judgements the test runner makes on parsed
 * YAML (ctl/ctl_assert.c, ctl/ctl_select.c).  The input is an assert.yaml,
 * a NUL, the source's text, a NUL and the expected file's text (absent:
 * unreadable); the same YAML is also taken as meta.yaml and tags.yaml.
 */
#include "config.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <json.h>

#include "ctl_assert.h"
#include "ctl_select.h"
#include "ctl_yaml.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Judge every entry of an asserts list, as the runner does. */
static void
entries(struct json_object *list, const char *text, size_t tlen,
    const char *expect, size_t elen, struct json_object *fails)
{
	struct json_object	*a;
	const char		*name;
	size_t			 i;

	for (i = 0; i < json_object_array_length(list); i++) {
		a = json_object_array_get_idx(list, i);
		(void)cta_expect_file(a);
		if ((name = cta_source(a, i, fails)) != NULL)
			(void)cta_entry(a, i, name, text, tlen, expect, elen,
			    fails);
	}
}

/* Take the YAML as meta.yaml and tags.yaml, and select by its tags. */
static void
selection(struct json_object *v, const char *needle, const char *rel)
{
	struct json_object	*tags, *incl = NULL;
	char			 err[256], *list[1];
	size_t			 i;

	if (cts_meta(v, "meta.yaml", &incl, err, sizeof(err)) == 1 &&
	    rel != NULL)
		for (i = 0; i < json_object_array_length(incl); i++)
			(void)cts_include_match(json_object_get_string(
			    json_object_array_get_idx(incl, i)), rel);
	json_object_put(incl);
	if ((tags = json_object_new_array()) == NULL)
		return;
	(void)cts_tags_add(tags, v, "tags.yaml", err, sizeof(err));
	list[0] = (char *)needle;
	(void)cts_tags_selected(tags, list, 1, NULL, 0);
	(void)cts_tags_selected(tags, NULL, 0, list, 1);
	json_object_put(tags);
}

/* Split the input, parse the YAML and judge the texts with it. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const int	 statuses[] = { 0, 1 << 8, SIGKILL };
	struct json_object	*as = NULL, *list, *fails;
	const char		*y = (const char *)data, *end = y + len;
	const char		*text, *expect = NULL, *z1, *z2;
	size_t			 ylen, tlen, elen = 0;
	char			 err[256];

	z1 = memchr(y, '\0', len);
	ylen = z1 != NULL ? (size_t)(z1 - y) : len;
	text = z1 != NULL ? z1 + 1 : end;
	z2 = memchr(text, '\0', (size_t)(end - text));
	tlen = z2 != NULL ? (size_t)(z2 - text) : (size_t)(end - text);
	if (z2 != NULL) {
		expect = z2 + 1;
		elen = (size_t)(end - expect);
	}
	if (cty_parse(y, ylen, &as, err, sizeof(err)) == -1)
		return 0;
	if ((fails = json_object_new_array()) == NULL)
		goto out;
	if (cta_status(as, statuses[len % 3], &list, fails) == 0 &&
	    list != NULL)
		entries(list, text, tlen, expect, elen, fails);
	(void)cta_check(as, "fuzz", text, tlen, expect, elen, fails);
	if (z1 != NULL) {
		/* the YAML text is NUL-terminated here: a needle, a path */
		(void)cta_text_contains(text, tlen, y);
		selection(as, y, z2 != NULL ? text : NULL);
	} else
		selection(as, "", NULL);
	json_object_put(fails);
out:
	json_object_put(as);
	return 0;
}
