/*
 * libFuzzer harness for common/codec.c.  The first byte picks the codec;
 * the rest is decoded.  Whatever decodes must encode, decode again to an
 * equal value and encode to the very same bytes (the encoding is a fixed
 * point), with json and json-sorted alike.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "codec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Encode v with kind into b, from empty. */
static void
encode(enum codec_kind kind, struct json_object *v, struct buf *b)
{
	buf_reset(b);
	if (codec_encode(kind, v, b) == -1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object	*v, *w;
	struct buf		 a, b;
	enum codec_kind		 kind;
	char			 err[256];

	if (size < 1)
		return 0;
	kind = (enum codec_kind)(data[0] % 4);
	if (codec_decode(kind, (const char *)data + 1, size - 1, &v, err,
	    sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();	/* errors always say why */
		return 0;
	}
	buf_init(&a, 0);
	buf_init(&b, 0);
	encode(kind, v, &a);
	if (kind == CODEC_BINARY || kind == CODEC_STRING) {
		/* the bytes come back unchanged */
		if (a.bf_len != size - 1 || memcmp(a.bf_data, data + 1,
		    size - 1) != 0)
			abort();
	} else {
		if (codec_decode(kind, a.bf_data, a.bf_len, &w, err,
		    sizeof(err)) == -1)
			abort();
		if (!json_object_equal(v, w))
			abort();
		encode(kind, w, &b);
		if (a.bf_len != b.bf_len || memcmp(a.bf_data, b.bf_data,
		    a.bf_len) != 0)
			abort();
		json_object_put(w);
		/* the other key order decodes to an equal value too */
		encode(kind == CODEC_JSON ? CODEC_JSON_SORTED : CODEC_JSON, v,
		    &b);
		if (codec_decode(kind, b.bf_data, b.bf_len, &w, err,
		    sizeof(err)) == -1 || !json_object_equal(v, w))
			abort();
		json_object_put(w);
	}
	json_object_put(v);
	buf_free(&a);
	buf_free(&b);
	return 0;
}
