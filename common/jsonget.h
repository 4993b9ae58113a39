/* SPDX-License-Identifier: ISC */
/*
 * Typed members of json-c objects (see jsonget.c).
 */
#ifndef WSFLOW_JSONGET_H
#define WSFLOW_JSONGET_H

#include <stdint.h>

#include <json-c/json.h>

/*
 * The member key of object o (o may be NULL), or dflt when it is absent,
 * null or of another type.
 */
const char		*jg_str(struct json_object *, const char *,
			    const char *);
int64_t			 jg_int(struct json_object *, const char *, int64_t);
int			 jg_bool(struct json_object *, const char *, int);
/* An object member, or NULL. */
struct json_object	*jg_obj(struct json_object *, const char *);
/* An array member, or NULL. */
struct json_object	*jg_arr(struct json_object *, const char *);
/* A member of any type but null, or NULL (keys of several types). */
struct json_object	*jg_get(struct json_object *, const char *);

#endif
