/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the test runner's YAML to JSON converter
 * (ctl/ctl_yaml.c): any bytes parse or fail with a message, and every
 * value parsed keeps a line and, if a scalar, a string form.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <json.h>

#include "ctl_yaml.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Visit v and everything below it. */
static void
walk(struct json_object *v)
{
	char	 buf[64];
	size_t	 i;

	(void)cty_line(v);
	(void)cty_str(v, buf, sizeof(buf));
	if (json_object_is_type(v, json_type_array)) {
		for (i = 0; i < json_object_array_length(v); i++)
			walk(json_object_array_get_idx(v, i));
	} else if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val) {
			(void)key;
			walk(val);
		}
	}
}

/* Parse the input as YAML; serialise and walk what it gives. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct json_object	*v = NULL;
	char			 err[256];

	if (cty_parse((const char *)data, len, &v, err, sizeof(err)) == -1) {
		if (v != NULL || memchr(err, '\0', sizeof(err)) == NULL)
			__builtin_trap();
		return 0;
	}
	(void)json_object_to_json_string(v);
	walk(v);
	json_object_put(v);
	return 0;
}
