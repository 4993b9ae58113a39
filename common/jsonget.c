/* SPDX-License-Identifier: ISC */
/*
 * Typed members of json-c objects: the one set of getters the worker
 * configuration (after wconf_check), compiled pipelines and wsflowctl's
 * replies are read with.  Pure.
 */
#include "config.h"

#include <stddef.h>

#include "jsonget.h"

/* A member of any type but null, or NULL. */
struct json_object *
jg_get(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* A string member, or dflt. */
const char *
jg_str(struct json_object *o, const char *key, const char *dflt)
{
	struct json_object	*v = jg_get(o, key);

	return json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : dflt;
}

/* An integer member, or dflt. */
int64_t
jg_int(struct json_object *o, const char *key, int64_t dflt)
{
	struct json_object	*v = jg_get(o, key);

	return json_object_is_type(v, json_type_int) ?
	    json_object_get_int64(v) : dflt;
}

/* A bool member, or dflt. */
int
jg_bool(struct json_object *o, const char *key, int dflt)
{
	struct json_object	*v = jg_get(o, key);

	return json_object_is_type(v, json_type_boolean) ?
	    json_object_get_boolean(v) : dflt;
}

/* An object member, or NULL. */
struct json_object *
jg_obj(struct json_object *o, const char *key)
{
	struct json_object	*v = jg_get(o, key);

	return json_object_is_type(v, json_type_object) ? v : NULL;
}

/* An array member, or NULL. */
struct json_object *
jg_arr(struct json_object *o, const char *key)
{
	struct json_object	*v = jg_get(o, key);

	return json_object_is_type(v, json_type_array) ? v : NULL;
}
