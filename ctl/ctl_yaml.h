/* SPDX-License-Identifier: ISC */
/*
 * wsflowctl test: YAML documents (meta.yaml, tags.yaml, before.yaml,
 * after.yaml, assert.yaml) read with libyaml into json-c values that
 * remember their line.  Pure: bytes in, values out.
 */
#ifndef WSFLOW_CTL_YAML_H
#define WSFLOW_CTL_YAML_H

#include <stddef.h>

struct json_object;

/*
 * Parse YAML text into a json-c value (*out, NULL for a null document).
 * On error returns -1 and writes "LINE:COL: problem" to err.
 */
int	cty_parse(const char *, size_t, struct json_object **, char *,
	    size_t);
/* The line a value parsed by cty_parse came from; 0 unknown. */
size_t	cty_line(struct json_object *);
/* Type one scalar as a YAML 1.1 plain scalar would be (plain != 0). */
int	cty_scalar(const char *, size_t, int, struct json_object **);
/* The string form of a scalar (string, int, bool, double); NULL if not. */
const char *cty_str(struct json_object *, char *, size_t);

#endif
