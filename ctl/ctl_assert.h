/* SPDX-License-Identifier: ISC */
/*
 * wsflowctl test: the judgement of a test's outputs against its
 * assert.yaml (exit status, contains, doesnt_contain, equals_file).  Pure:
 * the runner reads the files and passes their bytes; failed checks are
 * appended as message strings to a json-c array.
 */
#ifndef WSFLOW_CTL_ASSERT_H
#define WSFLOW_CTL_ASSERT_H

#include <stddef.h>

struct json_object;

/* Append a formatted message to the fails array. */
void	cta_fail(struct json_object *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Describe a wait status: "exit status 3" or "terminated by signal 9". */
const char *cta_status_str(int, char *, size_t);
/* 1 when the trimmed needle occurs within one line of text. */
int	cta_text_contains(const char *, size_t, const char *);
/*
 * Judge a wait status against assert.yaml (NULL when the test has none:
 * exit status 0 expected).  *list gets its asserts list, NULL when there
 * is none; returns -1 (with a message in fails) when assert.yaml is
 * malformed.
 */
int	cta_status(struct json_object *, int, struct json_object **,
	    struct json_object *);
/* The source asserts[i] reads; NULL (with a message) when it names none. */
const char *cta_source(struct json_object *, size_t, struct json_object *);
/* The expected file asserts[i] compares with; NULL when it names none. */
const char *cta_expect_file(struct json_object *);
/*
 * Evaluate one assert entry against the source text (and, for
 * equals_file, the expected text; NULL when unreadable).  Appends one
 * message string per failed check to fails and returns how many failed,
 * or -1 (with a message appended) when the entry is malformed.
 */
int	cta_check(struct json_object *, const char *, const char *, size_t,
	    const char *, size_t, struct json_object *);
/*
 * cta_check for asserts[i] of assert.yaml: a malformed entry's message
 * also says where the entry is.
 */
int	cta_entry(struct json_object *, size_t, const char *, const char *,
	    size_t, const char *, size_t, struct json_object *);

#endif
