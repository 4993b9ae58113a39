/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for codec_json_canonical, differential against the
 * codec itself and json-c.  A document the check calls canonical must
 * decode and encode back to the same bytes; a short document that does
 * must be called canonical (longer ones may hit the key limits, where it
 * answers no).  And the route contract the event path relies on: what
 * the json codec writes, parsed by json-c's tokener as a route reader
 * does, is written back to the very same bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "codec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Parse as workers/event.c's ev_parse does (json-c, default flags). */
static int
route_parse(const char *s, size_t len, struct json_object **out)
{
	static struct json_tokener	*tok;
	size_t				 end;

	if (tok == NULL && (tok = json_tokener_new_ex(8192)) == NULL)
		abort();
	json_tokener_reset(tok);
	*out = json_tokener_parse_ex(tok, s, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success)
		return -1;
	end = json_tokener_get_parse_end(tok);
	if (end < len && s[end] == '\n')
		end++;
	return end == len ? 0 : -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object	*v = NULL, *w = NULL;
	struct buf		 a, b;
	char			 err[256];
	int			 canon, same = 0;

	canon = codec_json_canonical((const char *)data, size);
	buf_init(&a, 0);
	buf_init(&b, 0);
	if (codec_decode(CODEC_JSON, (const char *)data, size, &v, err,
	    sizeof(err)) == 0) {
		if (codec_json_write(&a, v, 0) == -1)
			abort();
		same = a.bf_len == size && memcmp(a.bf_data, data, size) == 0;
		/* the route: our text, json-c's parse, our text again */
		if (buf_addc(&a, '\n') == -1 ||
		    route_parse(a.bf_data, a.bf_len, &w) == -1 ||
		    codec_json_write(&b, w, 0) == -1 ||
		    b.bf_len + 1 != a.bf_len ||
		    memcmp(a.bf_data, b.bf_data, b.bf_len) != 0)
			abort();
	}
	if (canon && !same)
		abort();	/* forwarded bytes the codec would change */
	if (same && !canon && size < 384)
		abort();	/* missed, and not for the key limits */
	json_object_put(v);
	json_object_put(w);
	buf_free(&a);
	buf_free(&b);
	return 0;
}
