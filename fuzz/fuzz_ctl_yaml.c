/*
 * libFuzzer harness for the test runner's YAML to JSON converter and the
 * assert evaluation that consumes its output.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <json.h>

#include "ctl_assert.h"
#include "ctl_select.h"
#include "ctl_yaml.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Parse the input as YAML; judge it as an assert entry against itself. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct json_object	*v = NULL, *fails;
	char			 err[256];
	const char		*text = (const char *)data;

	if (cty_parse(text, len, &v, err, sizeof(err)) == -1)
		return 0;
	(void)json_object_to_json_string(v);
	(void)cty_line(v);
	fails = json_object_new_array();
	(void)cta_check(v, "fuzz", text, len, text, len, fails);
	(void)cts_tags_selected(v, NULL, 0, NULL, 0);
	json_object_put(fails);
	json_object_put(v);
	return 0;
}
