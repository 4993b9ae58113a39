/* SPDX-License-Identifier: ISC */
/*
 * A helper for the unit tests of wsflowctl test's pure modules: values
 * written as YAML.
 */
#ifndef WSFLOW_CTL_TESTLIB_H
#define WSFLOW_CTL_TESTLIB_H

#include <stdio.h>
#include <string.h>

#include <json.h>

#include "ctl_yaml.h"

/* Parse YAML for a test (NULL, with a message, on a parse error). */
static inline struct json_object *
yaml_value(const char *text)
{
	struct json_object	*v = NULL;
	char			 err[256];

	if (cty_parse(text, strlen(text), &v, err, sizeof(err)) == -1)
		fprintf(stderr, "bad test yaml: %s\n", err);
	return v;
}

#endif
