/* SPDX-License-Identifier: ISC */
/*
 * wsflowctl test: selection.  A meta.yaml of kind integration names the
 * test directories below it with gitignore-like globs; tags.yaml files
 * from the base directory down to a test give its tags, and -i / -e pick
 * the tests to run by tag.  Pure: the runner walks the directories and
 * reads the files.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json.h>

#include "ctl_select.h"
#include "ctl_yaml.h"

/* Interpret a parsed meta.yaml; 1 integration, 0 another kind, -1 bad. */
int
cts_meta(struct json_object *meta, const char *path,
    struct json_object **incl, char *err, size_t errlen)
{
	struct json_object	*kind, *inc, *e;
	size_t			 i;

	*incl = NULL;
	if (!json_object_is_type(meta, json_type_object) ||
	    !json_object_object_get_ex(meta, "kind", &kind) ||
	    !json_object_is_type(kind, json_type_string)) {
		snprintf(err, errlen, "%s: kind missing", path);
		return -1;
	}
	if (strcasecmp(json_object_get_string(kind), "integration") != 0)
		return 0;
	if (!json_object_object_get_ex(meta, "includes", &inc) ||
	    inc == NULL) {
		snprintf(err, errlen, "%s: includes missing", path);
		return -1;
	}
	if (!json_object_is_type(inc, json_type_string) &&
	    !json_object_is_type(inc, json_type_array)) {
		snprintf(err, errlen, "%s: includes must be a glob", path);
		return -1;
	}
	if ((*incl = json_object_new_array()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (json_object_is_type(inc, json_type_string)) {
		json_object_array_add(*incl, json_object_get(inc));
		return 1;
	}
	for (i = 0; i < json_object_array_length(inc); i++) {
		e = json_object_array_get_idx(inc, i);
		if (!json_object_is_type(e, json_type_string)) {
			snprintf(err, errlen, "%s: includes must be glob "
			    "strings", path);
			json_object_put(*incl);
			*incl = NULL;
			return -1;
		}
		json_object_array_add(*incl, json_object_get(e));
	}
	return 1;
}

/*
 * Tremor matches includes like gitignore patterns: without a '/' the
 * pattern matches a directory's name at any depth, with one it matches the
 * path relative to the meta's directory.  Case-insensitive.
 */
int
cts_include_match(const char *pat, const char *rel)
{
	const char	*name = strrchr(rel, '/');

	if (strchr(pat, '/') == NULL)
		return fnmatch(pat, name != NULL ? name + 1 : rel,
		    FNM_CASEFOLD) == 0;
	return fnmatch(pat, rel, FNM_PATHNAME | FNM_CASEFOLD) == 0;
}

/* Append a parsed tags.yaml to tags; -1 with err when it is malformed. */
int
cts_tags_add(struct json_object *tags, struct json_object *v,
    const char *path, char *err, size_t errlen)
{
	struct json_object	*e;
	char			 buf[64];
	size_t			 i, n;

	if (v != NULL && !json_object_is_type(v, json_type_array)) {
		snprintf(err, errlen, "%s: must be a list of tags", path);
		return -1;
	}
	n = v != NULL ? json_object_array_length(v) : 0;
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(v, i);
		if (cty_str(e, buf, sizeof(buf)) == NULL) {
			snprintf(err, errlen, "%s:%zu: tags must be strings",
			    path, cty_line(e));
			return -1;
		}
		json_object_array_add(tags, json_object_get(e));
	}
	return 0;
}

/* 1 when one of the test's tags is in list. */
static int
tags_any(struct json_object *tags, char *const *list, size_t n)
{
	size_t		 i, j, nt;
	char		 buf[64];
	const char	*t;

	nt = json_object_is_type(tags, json_type_array) ?
	    json_object_array_length(tags) : 0;
	for (i = 0; i < nt; i++) {
		t = cty_str(json_object_array_get_idx(tags, i), buf,
		    sizeof(buf));
		if (t == NULL)
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(t, list[j]) == 0)
				return 1;
	}
	return 0;
}

/*
 * Tremor's tag filter: no filters runs everything; an included tag always
 * runs; otherwise an excluded tag skips; otherwise -i alone skips and -e
 * alone runs.
 */
int
cts_tags_selected(struct json_object *tags, char *const *incl,
    size_t nincl, char *const *excl, size_t nexcl)
{
	if (nincl == 0 && nexcl == 0)
		return 1;
	if (tags_any(tags, incl, nincl))
		return 1;
	if (tags_any(tags, excl, nexcl))
		return 0;
	return nincl == 0;
}
