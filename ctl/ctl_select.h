/* SPDX-License-Identifier: ISC */
/*
 * wsflowctl test: which tests there are and which of them run, from the
 * values of meta.yaml and tags.yaml (Tremor's rules).  Pure.
 */
#ifndef WSFLOW_CTL_SELECT_H
#define WSFLOW_CTL_SELECT_H

#include <stddef.h>

struct json_object;

/*
 * Interpret a parsed meta.yaml (read from path): 1 with a new array of
 * include globs in *incl for an integration meta, 0 for another kind, -1
 * with "PATH: problem" in err.
 */
int	cts_meta(struct json_object *, const char *, struct json_object **,
	    char *, size_t);
/* 1 when a meta.yaml includes glob matches a directory (relative path). */
int	cts_include_match(const char *, const char *);
/*
 * Append the tags of a parsed tags.yaml (read from path) to the tags
 * array; -1 with "PATH[:LINE]: problem" in err when they are not a list
 * of strings (the tags before the bad one stay appended).
 */
int	cts_tags_add(struct json_object *, struct json_object *, const char *,
	    char *, size_t);
/* Tremor's tag filter: 1 when a test with these tags is to run. */
int	cts_tags_selected(struct json_object *, char *const *, size_t,
	    char *const *, size_t);

#endif
