/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for common/codec.c.  The first byte picks the codec;
 * the rest is decoded.  Whatever decodes must encode, decode again to an
 * equal value and encode to the very same bytes (the encoding is a fixed
 * point), with json and json-sorted alike.  json-c's own strict tokener
 * is the oracle: whatever we accept it must accept too, with an equal
 * value (it is laxer, so not the other way round).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "codec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Parse with json-c's tokener (strict, UTF-8 checked, deep enough). */
static struct json_object *
oracle(const char *data, size_t len, int *ok)
{
	static struct json_tokener	*tok;
	struct json_object		*v;

	if (tok == NULL) {
		if ((tok = json_tokener_new_ex(2048)) == NULL)
			abort();
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
		    JSON_TOKENER_VALIDATE_UTF8);
	}
	json_tokener_reset(tok);
	v = json_tokener_parse_ex(tok, data, (int)len);
	if (v == NULL && json_tokener_get_error(tok) == json_tokener_continue)
		v = json_tokener_parse_ex(tok, "", 1);
	*ok = json_tokener_get_error(tok) == json_tokener_success;
	return v;
}

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
		int	 ok;

		w = oracle((const char *)data + 1, size - 1, &ok);
		if (!ok || !json_object_equal(v, w))
			abort();
		json_object_put(w);
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
