/* SPDX-License-Identifier: ISC */
/*
 * Codecs: bytes <-> values.  Values are json-c objects everywhere in wsflow
 * (objects keep insertion order).  Pure: no I/O, no logging.
 *
 *   json         decode any JSON document; encode compact, insertion order
 *   json-sorted  decode as json; encode with byte-wise sorted keys
 *                ({"name": "json", "config": {"mode": "sorted"}} is the same)
 *   string       decode UTF-8 text to a string value; encode a string value
 *                as its raw bytes, anything else as compact JSON
 *   binary       decode bytes to a string value holding them unchanged;
 *                encode like string (byte-exact pass-through)
 *
 * Encoding follows Tremor byte for byte: minimal escaping, raw UTF-8,
 * floats in shortest round-trip form with ".0" for integral values.
 */
#ifndef WSFLOW_CODEC_H
#define WSFLOW_CODEC_H

#include <stddef.h>

#include <json-c/json.h>

#include "buf.h"

enum codec_kind {
	CODEC_JSON,
	CODEC_JSON_SORTED,
	CODEC_STRING,
	CODEC_BINARY,
};

/*
 * Parse a codec specification as written in troy: a string ("json",
 * "json-sorted", "string", "binary") or {"name": .., "config": {..}}.
 * On error writes a message (with a "did you mean" hint where one helps)
 * to err and returns -1.
 */
int	 codec_from_spec(struct json_object *, enum codec_kind *, char *,
	    size_t);
const char *codec_name(enum codec_kind);

/*
 * Decode len bytes into a new value (caller owns *out; the JSON document
 * "null" gives *out == NULL, json-c's null).  Returns 0, or -1 with a
 * message in err; invalid input never does anything else.  JSON nests at
 * most 1024 deep.  No static state: safe to call from several threads.
 */
int	 codec_decode(enum codec_kind, const char *, size_t,
	    struct json_object **, char *, size_t);

/* Append the encoding of v to out.  Returns 0 or -1 (out of room). */
int	 codec_encode(enum codec_kind, struct json_object *, struct buf *);

/*
 * 1 if len bytes are a JSON document the json codec decodes without error
 * and encodes (unsorted) back to exactly the same bytes: no whitespace,
 * the writer's escapes, numbers as it prints them, no duplicate keys.
 * 0 otherwise, including when unsure.  Builds nothing.
 */
int	 codec_json_canonical(const char *, size_t);

/* The JSON encoders on their own (used for routes and diagnostics). */
int	 codec_json_write(struct buf *, struct json_object *, int sorted);

#endif
