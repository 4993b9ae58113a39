/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for common/codec.c: codec specifications, strict JSON
 * decoding, Tremor-exact encoding (escapes, sorted keys, float layout),
 * the string and binary codecs, round trips and error recovery.
 */
#include "config.h"

#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "codec.h"
#include "check.h"

#define ERRLEN	256

/* Parse a spec written as JSON text and run codec_from_spec on it. */
static int
spec(const char *text, enum codec_kind *kind, char *err, size_t errlen)
{
	struct json_object	*o;
	int			 rc;

	o = json_tokener_parse(text);
	rc = codec_from_spec(o, kind, err, errlen);
	json_object_put(o);
	return rc;
}

static void
test_spec(void)
{
	static const struct {
		const char	*spec;
		int		 kind;		/* -1: error */
		const char	*err;
	} t[] = {
		{ "\"json\"", CODEC_JSON, NULL },
		{ "\"json-sorted\"", CODEC_JSON_SORTED, NULL },
		{ "\"string\"", CODEC_STRING, NULL },
		{ "\"binary\"", CODEC_BINARY, NULL },
		{ "{\"name\": \"json\"}", CODEC_JSON, NULL },
		{ "{\"name\": \"json-sorted\"}", CODEC_JSON_SORTED, NULL },
		{ "{\"name\": \"json\", \"config\": {\"mode\": \"sorted\"}}",
		    CODEC_JSON_SORTED, NULL },
		{ "{\"config\": {\"mode\": \"unsorted\"}, \"name\": \"json\"}",
		    CODEC_JSON, NULL },
		{ "{\"name\": \"json\", \"config\": {}}", CODEC_JSON, NULL },
		{ "{\"name\": \"string\", \"config\": {\"x\": 1}}",
		    CODEC_STRING, NULL },
		{ "{\"name\": \"json\", \"config\": {\"mode\": \"fast\"}}", -1,
		    "codec \"json\": unknown mode \"fast\" (expected \"sorted\" "
		    "or \"unsorted\")" },
		{ "{\"name\": \"json\", \"config\": {\"mode\": 1}}", -1,
		    "codec \"json\": mode must be a string (\"sorted\" or "
		    "\"unsorted\"), not int" },
		{ "{\"name\": \"json\", \"config\": {\"sorted\": true}}", -1,
		    "codec \"json\": unknown config key \"sorted\" (known: "
		    "mode)" },
		{ "{\"name\": \"json\", \"config\": \"sorted\"}", -1,
		    "codec \"json\": config must be a record, not string" },
		{ "\"jsn\"", -1, "unknown codec \"jsn\" (did you mean "
		    "\"json\"?)" },
		{ "\"JSON\"", -1, "unknown codec \"JSON\" (did you mean "
		    "\"json\"?)" },
		{ "\"json-sortd\"", -1, "unknown codec \"json-sortd\" (did you "
		    "mean \"json-sorted\"?)" },
		{ "\"strng\"", -1, "unknown codec \"strng\" (did you mean "
		    "\"string\"?)" },
		{ "\"msgpack\"", -1, "unknown codec \"msgpack\" (known: json, "
		    "json-sorted, string, binary)" },
		{ "\"\"", -1, "unknown codec \"\" (known: json, json-sorted, "
		    "string, binary)" },
		{ "{\"name\": \"jsno\"}", -1, "unknown codec \"jsno\" (did you "
		    "mean \"json\"?)" },
		{ "42", -1, "codec must be a string or a record {\"name\": .., "
		    "\"config\": ..}, not int" },
		{ "[\"json\"]", -1, "codec must be a string or a record "
		    "{\"name\": .., \"config\": ..}, not array" },
		{ "true", -1, "codec must be a string or a record {\"name\": "
		    ".., \"config\": ..}, not boolean" },
		{ "null", -1, "codec must be a string or a record {\"name\": "
		    ".., \"config\": ..}, not null" },
		{ "{}", -1, "codec: record without \"name\"" },
		{ "{\"name\": 1}", -1, "codec: \"name\" must be a string, "
		    "not int" },
		{ "{\"name\": \"json\", \"mode\": \"sorted\"}", -1,
		    "codec: unknown key \"mode\" (known: name, config)" },
	};
	size_t		 i;
	enum codec_kind	 kind;
	char		 errbuf[ERRLEN], *err = errbuf;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		kind = (enum codec_kind)99;
		strlcpy(err, "untouched", ERRLEN);
		if (t[i].kind >= 0) {
			CHECK_MSG(spec(t[i].spec, &kind, err, ERRLEN) == 0,
			    "%s: %s", t[i].spec, err);
			CHECK_INT(kind, t[i].kind);
		} else {
			CHECK_MSG(spec(t[i].spec, &kind, err, ERRLEN) ==
			    -1, "%s accepted", t[i].spec);
			CHECK_STR(err, t[i].err);
			CHECK_INT(kind, 99);	/* untouched on error */
		}
	}
	CHECK_STR(codec_name(CODEC_JSON), "json");
	CHECK_STR(codec_name(CODEC_JSON_SORTED), "json-sorted");
	CHECK_STR(codec_name(CODEC_STRING), "string");
	CHECK_STR(codec_name(CODEC_BINARY), "binary");
	/* a short error buffer truncates, never overflows */
	CHECK(spec("\"jsn\"", &kind, err, 8) == -1);
	CHECK_STR(err, "unknown");
}

/* Decode text with kind and encode it back with the same kind. */
static int
recode(enum codec_kind kind, const char *in, size_t len, struct buf *out,
    char *err, size_t errlen)
{
	struct json_object	*v;

	buf_reset(out);
	if (codec_decode(kind, in, len, &v, err, errlen) == -1)
		return -1;
	if (codec_encode(kind, v, out) == -1) {
		json_object_put(v);
		strlcpy(err, "encode failed", errlen);
		return -1;
	}
	json_object_put(v);
	return 0;
}

#define LONGKEY	"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz" \
	"abcdefghijklmnopqrstuvwxyz"

/* Valid JSON and what json (unsorted) writes back. */
static void
test_decode_ok(void)
{
	static const struct {
		const char	*in;
		const char	*out;
	} t[] = {
		{ "42", "42" },
		{ "-7", "-7" },
		{ "-0", "0" },
		{ "0", "0" },
		{ "42.0", "42.0" },
		{ "1e2", "100.0" },
		{ "1E2", "100.0" },
		{ "1e+2", "100.0" },
		{ "-0.0", "-0.0" },
		{ "0.5e-3", "0.0005" },
		{ "12.340", "12.34" },
		{ "1e-400", "0.0" },
		{ "9223372036854775807", "9223372036854775807" },
		{ "9223372036854775808", "9223372036854775808" },
		{ "18446744073709551615", "18446744073709551615" },
		{ "-9223372036854775808", "-9223372036854775808" },
		{ "1.7976931348623157e308", "1.7976931348623157e308" },
		{ "true", "true" },
		{ "false", "false" },
		{ "null", "null" },
		{ "\"\"", "\"\"" },
		{ "\"abc\"", "\"abc\"" },
		{ " \t\r\n[ 1 , 2 ]\n\n ", "[1,2]" },
		{ "[]", "[]" },
		{ "{}", "{}" },
		{ "[[],{},[{}]]", "[[],{},[{}]]" },
		{ "{\"b\": 1, \"a\": {\"d\": [3, 2], \"c\": null}}",
		    "{\"b\":1,\"a\":{\"d\":[3,2],\"c\":null}}" },
		{ "{\"\": null, \"NaN\": 42.0}", "{\"\":null,\"NaN\":42.0}" },
		/* duplicate keys: the later value wins */
		{ "{\"a\": 1, \"b\": 2, \"a\": 3}", "{\"a\":3,\"b\":2}" },
		/* escapes decoded, written back minimally */
		{ "\"\\/\"", "\"/\"" },
		{ "\"\\u00e9\\u00E9\"", "\"\xc3\xa9\xc3\xa9\"" },
		{ "\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"" },
		{ "\"\\\"\\\\\\b\\f\\n\\r\\t\"", "\"\\\"\\\\\\b\\f\\n\\r\\t\"" },
		{ "\"\\u0001\\u001F\\u007f\"", "\"\\u0001\\u001f\x7f\"" },
		{ "\"a\\u0000b\"", "\"a\\u0000b\"" },
		{ "\"\xe2\x82\xac \xf4\x8f\xbf\xbf \xed\x9f\xbf\"",
		    "\"\xe2\x82\xac \xf4\x8f\xbf\xbf \xed\x9f\xbf\"" },
		{ "{\"\\u00e9\": 1}", "{\"\xc3\xa9\":1}" },
		/* an escaped key stays intact while its value is parsed */
		{ "{\"k\\n\": {\"x\\t\": \"y\\r\", \"z\": [\"\\u0041\"]}}",
		    "{\"k\\n\":{\"x\\t\":\"y\\r\",\"z\":[\"A\"]}}" },
		/* keys and numbers longer than the parser's stack buffers */
		{ "{\"" LONGKEY "\": 1, \"" LONGKEY "\\u0021\": 2}",
		    "{\"" LONGKEY "\":1,\"" LONGKEY "!\":2}" },
		{ "1.000000000000000000000000000000000000000000000000000000000000"
		    "00000000001", "1.0" },
		{ "-12345678901234567890123456789012345678901234567890123456789"
		    "0123456789e-70", "-0.012345678901234568" },
	};
	struct buf	 b;
	char		 errbuf[ERRLEN], *err = errbuf;
	size_t		 i;

	buf_init(&b, 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK_MSG(recode(CODEC_JSON, t[i].in, strlen(t[i].in), &b, err,
		    ERRLEN) == 0, "%s: %s", t[i].in, err);
		CHECK_STR(b.bf_data, t[i].out);
	}
	buf_free(&b);
}

/* The decoded value's types follow Tremor: ints stay ints. */
static void
test_decode_types(void)
{
	struct json_object	*v;
	char			 errbuf[ERRLEN], *err = errbuf;

	CHECK(codec_decode(CODEC_JSON, "42", 2, &v, err, ERRLEN) == 0);
	CHECK(json_object_is_type(v, json_type_int));
	CHECK_INT(json_object_get_int64(v), 42);
	json_object_put(v);
	CHECK(codec_decode(CODEC_JSON, "42.0", 4, &v, err, ERRLEN) == 0);
	CHECK(json_object_is_type(v, json_type_double));
	json_object_put(v);
	CHECK(codec_decode(CODEC_JSON, "1e2", 3, &v, err, ERRLEN) == 0);
	CHECK(json_object_is_type(v, json_type_double));
	CHECK(json_object_get_double(v) == 100.0);
	json_object_put(v);
	CHECK(codec_decode(CODEC_JSON, "18446744073709551615", 20, &v, err,
	    ERRLEN) == 0);
	CHECK(json_object_is_type(v, json_type_int));
	CHECK(json_object_get_uint64(v) == UINT64_MAX);
	json_object_put(v);
	/* a chunk that is not NUL-terminated: only len bytes count */
	CHECK(codec_decode(CODEC_JSON, "123456", 3, &v, err, ERRLEN) == 0);
	CHECK_INT(json_object_get_int64(v), 123);
	json_object_put(v);
	CHECK(codec_decode(CODEC_JSON, "[1]]", 3, &v, err, ERRLEN) == 0);
	json_object_put(v);
	/* keys keep insertion order */
	CHECK(codec_decode(CODEC_JSON, "{\"z\":1,\"a\":2}", 13, &v, err,
	    ERRLEN) == 0);
	{
		const char	*first = NULL;

		json_object_object_foreach(v, k, val) {
			(void)val;
			if (first == NULL)
				first = k;
		}
		CHECK_STR(first, "z");
	}
	json_object_put(v);
}

/* Invalid JSON: an error naming the problem, never a value. */
static void
test_decode_errors(void)
{
	static const struct {
		const char	*in;
		size_t		 len;	/* 0: strlen */
		const char	*err;
	} t[] = {
		{ "", 0, "invalid JSON: empty input" },
		{ "   \n\t ", 0, "invalid JSON: empty input" },
		{ "NaN", 0, "invalid JSON at byte 0: unexpected character" },
		{ "nan", 0, "invalid JSON at byte 0: unexpected character" },
		{ "Infinity", 0, "invalid JSON at byte 0: unexpected "
		    "character" },
		{ "-Infinity", 0, "invalid JSON at byte 1: invalid number" },
		{ "[1, NaN]", 0, "invalid JSON at byte 4: unexpected "
		    "character" },
		{ "/* c */ 1", 0, "invalid JSON at byte 0: unexpected "
		    "character" },
		{ "1 // c", 0, "invalid JSON at byte 2: trailing characters "
		    "after the value" },
		{ "{'a': 1}", 0, "invalid JSON at byte 1: string key expected" },
		{ "'a'", 0, "invalid JSON at byte 0: unexpected character" },
		{ "[1,]", 0, "invalid JSON at byte 3: unexpected character" },
		{ "{\"a\":1,}", 0, "invalid JSON at byte 7: string key "
		    "expected" },
		{ "[1 2]", 0, "invalid JSON at byte 3: ',' or ']' expected" },
		{ "{\"a\" 1}", 0, "invalid JSON at byte 5: ':' expected" },
		{ "{\"a\":1 \"b\":2}", 0, "invalid JSON at byte 7: ',' or '}' "
		    "expected" },
		{ "{1:2}", 0, "invalid JSON at byte 1: string key expected" },
		{ "1 2", 0, "invalid JSON at byte 2: trailing characters after "
		    "the value" },
		{ "{}x", 0, "invalid JSON at byte 2: trailing characters after "
		    "the value" },
		{ "[1]\n[2]", 0, "invalid JSON at byte 4: trailing characters "
		    "after the value" },
		{ "\"a\"\0", 4, "invalid JSON at byte 3: trailing characters "
		    "after the value" },
		{ "[", 0, "invalid JSON: value expected at end of input" },
		{ "[1", 0, "invalid JSON: ',' or ']' expected at end of "
		    "input" },
		{ "{\"a\":", 0, "invalid JSON: value expected at end of "
		    "input" },
		{ "\"abc", 0, "invalid JSON: unterminated string at end of "
		    "input" },
		{ "\"abc\\", 0, "invalid JSON: unterminated string at end of "
		    "input" },
		{ "tru", 0, "invalid JSON at byte 0: unexpected character" },
		{ "True", 0, "invalid JSON at byte 0: unexpected character" },
		{ "nul", 0, "invalid JSON at byte 0: unexpected character" },
		{ "01", 0, "invalid JSON at byte 1: leading zero in number" },
		{ "-01", 0, "invalid JSON at byte 2: leading zero in number" },
		{ "+1", 0, "invalid JSON at byte 0: unexpected character" },
		{ ".5", 0, "invalid JSON at byte 0: unexpected character" },
		{ "1.", 0, "invalid JSON: digit expected after '.' at end of "
		    "input" },
		{ "1.e5", 0, "invalid JSON at byte 2: digit expected after "
		    "'.'" },
		{ "1e", 0, "invalid JSON: digit expected in exponent at end of "
		    "input" },
		{ "1e+", 0, "invalid JSON: digit expected in exponent at end "
		    "of input" },
		{ "-", 0, "invalid JSON: invalid number at end of input" },
		{ "0x10", 0, "invalid JSON at byte 1: trailing characters "
		    "after the value" },
		{ "18446744073709551616", 0, "invalid JSON at byte 0: integer "
		    "out of 64-bit range" },
		{ "-9223372036854775809", 0, "invalid JSON at byte 0: integer "
		    "out of 64-bit range" },
		{ "[1e309]", 0, "invalid JSON at byte 1: number out of range" },
		{ "-1.5e400", 0, "invalid JSON at byte 0: number out of "
		    "range" },
		{ "\"\\x41\"", 0, "invalid JSON at byte 1: invalid escape in "
		    "string" },
		{ "\"\\'\"", 0, "invalid JSON at byte 1: invalid escape in "
		    "string" },
		{ "\"\\u12\"", 0, "invalid JSON at byte 1: invalid \\u escape "
		    "in string" },
		{ "\"\\u12G4\"", 0, "invalid JSON at byte 1: invalid \\u "
		    "escape in string" },
		{ "\"\\ud800\"", 0, "invalid JSON at byte 1: lone high "
		    "surrogate in string" },
		{ "\"\\ud800\\u0041\"", 0, "invalid JSON at byte 1: lone high "
		    "surrogate in string" },
		{ "\"\\udc00\"", 0, "invalid JSON at byte 1: lone low "
		    "surrogate in string" },
		{ "\"a\tb\"", 0, "invalid JSON at byte 2: control character "
		    "in string" },
		{ "\"a\nb\"", 0, "invalid JSON at byte 2: control character "
		    "in string" },
		{ "\"a\0b\"", 5, "invalid JSON at byte 2: control character "
		    "in string" },
		{ "\"\xff\"", 0, "invalid JSON at byte 1: invalid UTF-8 in "
		    "string" },
		{ "\"\xc3\"", 0, "invalid JSON at byte 1: invalid UTF-8 in "
		    "string" },
		{ "\"\xc0\xaf\"", 0, "invalid JSON at byte 1: invalid UTF-8 "
		    "in string" },
		{ "\"\xe0\x80\xaf\"", 0, "invalid JSON at byte 1: invalid "
		    "UTF-8 in string" },
		{ "\"\xed\xa0\x80\"", 0, "invalid JSON at byte 1: invalid "
		    "UTF-8 in string" },
		{ "\"\xf4\x90\x80\x80\"", 0, "invalid JSON at byte 1: invalid "
		    "UTF-8 in string" },
		{ "\"\xf8\x88\x80\x80\x80\"", 0, "invalid JSON at byte 1: "
		    "invalid UTF-8 in string" },
		{ "{\"a\\u0000b\": 1}", 0, "invalid JSON at byte 3: object "
		    "key contains U+0000 (not supported)" },
		{ "\xef\xbb\xbf{}", 0, "invalid JSON at byte 0: unexpected "
		    "character" },
	};
	struct json_object	*v;
	char			 errbuf[ERRLEN], *err = errbuf;
	size_t			 i, len;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		len = t[i].len ? t[i].len : strlen(t[i].in);
		v = (struct json_object *)&v;
		CHECK_MSG(codec_decode(CODEC_JSON, t[i].in, len, &v, err,
		    ERRLEN) == -1, "accepted: %s", t[i].in);
		CHECK_STR(err, t[i].err);
		CHECK(v == (struct json_object *)&v);	/* untouched */
		/* json-sorted decodes exactly like json */
		CHECK(codec_decode(CODEC_JSON_SORTED, t[i].in, len, &v, err,
		    ERRLEN) == -1);
	}
	/* after any error the codec still works */
	CHECK(codec_decode(CODEC_JSON, "[1,2", 4, &v, err, ERRLEN) == -1);
	CHECK(codec_decode(CODEC_JSON, "[1,2]", 5, &v, err, ERRLEN) == 0);
	CHECK_INT(json_object_array_length(v), 2);
	json_object_put(v);
}

/* Nesting: CODEC_MAX_DEPTH (1024) levels decode, one more does not. */
static void
test_depth(void)
{
	struct json_object	*v, *inner;
	struct buf		 b, in;
	char			 errbuf[ERRLEN], *err = errbuf;
	int			 i;

	buf_init(&in, 0);
	buf_init(&b, 0);
	for (i = 0; i < 1024; i++)
		buf_addc(&in, '[');
	for (i = 0; i < 1024; i++)
		buf_addc(&in, ']');
	CHECK_MSG(codec_decode(CODEC_JSON, in.bf_data, in.bf_len, &v, err,
	    ERRLEN) == 0, "%s", err);
	CHECK(codec_encode(CODEC_JSON, v, &b) == 0);
	CHECK(b.bf_len == in.bf_len && memcmp(b.bf_data, in.bf_data,
	    in.bf_len) == 0);
	json_object_put(v);

	buf_reset(&in);
	for (i = 0; i < 1025; i++)
		buf_addc(&in, '[');
	for (i = 0; i < 1025; i++)
		buf_addc(&in, ']');
	CHECK(codec_decode(CODEC_JSON, in.bf_data, in.bf_len, &v, err,
	    ERRLEN) == -1);
	CHECK_STR(err, "invalid JSON at byte 1024: nesting too deep");

	buf_reset(&in);
	for (i = 0; i < 1024; i++)
		buf_adds(&in, "{\"a\":");
	buf_adds(&in, "1");
	for (i = 0; i < 1024; i++)
		buf_addc(&in, '}');
	CHECK(codec_decode(CODEC_JSON, in.bf_data, in.bf_len, &v, err,
	    ERRLEN) == 0);
	json_object_put(v);
	buf_reset(&in);
	for (i = 0; i < 1025; i++)
		buf_adds(&in, "{\"a\":");
	CHECK(codec_decode(CODEC_JSON, in.bf_data, in.bf_len, &v, err,
	    ERRLEN) == -1);
	CHECK_STR(err, "invalid JSON at byte 5120: nesting too deep");
	/* a deep attack is cut off at the limit, not by the stack */
	buf_reset(&in);
	for (i = 0; i < 1000000; i++)
		buf_addc(&in, '[');
	CHECK(codec_decode(CODEC_JSON, in.bf_data, in.bf_len, &v, err,
	    ERRLEN) == -1);

	/* encoding a value built deeper than 4096 levels fails cleanly */
	v = json_object_new_array();
	for (i = 0; i < 5000; i++) {
		inner = json_object_new_array();
		json_object_array_add(inner, v);
		v = inner;
	}
	buf_reset(&b);
	buf_adds(&b, "keep");
	CHECK(codec_encode(CODEC_JSON, v, &b) == -1);
	CHECK_STR(b.bf_data, "keep");
	CHECK(codec_encode(CODEC_JSON_SORTED, v, &b) == -1);
	CHECK_INT(b.bf_len, 4);
	json_object_put(v);
	buf_free(&b);
	buf_free(&in);
}

/* Strings: only '"', '\\' and bytes below 0x20 are escaped. */
static void
test_escapes(void)
{
	struct json_object	*v;
	struct buf		 b, want;
	char			 all[256];
	int			 i;

	for (i = 0; i < 256; i++)
		all[i] = (char)i;
	v = json_object_new_string_len(all, 256);
	buf_init(&b, 0);
	buf_init(&want, 0);
	CHECK(codec_json_write(&b, v, 0) == 0);
	buf_addc(&want, '"');
	buf_adds(&want, "\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006"
	    "\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012"
	    "\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b"
	    "\\u001c\\u001d\\u001e\\u001f !\\\"#$%&'()*+,-./0123456789:;<=>?"
	    "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\\\]^_`abcdefghijklmnopqrstuvwxyz"
	    "{|}~");
	buf_add(&want, all + 127, 129);
	buf_addc(&want, '"');
	CHECK(b.bf_len == want.bf_len &&
	    memcmp(b.bf_data, want.bf_data, b.bf_len) == 0);
	json_object_put(v);

	/* keys are escaped the same way */
	v = json_object_new_object();
	json_object_object_add(v, "a\"b\\c\n/\x7f\xc3\xa9", json_object_new_int(1));
	buf_reset(&b);
	CHECK(codec_json_write(&b, v, 1) == 0);
	CHECK_STR(b.bf_data, "{\"a\\\"b\\\\c\\n/\x7f\xc3\xa9\":1}");
	json_object_put(v);

	/* long runs between escapes */
	buf_reset(&want);
	for (i = 0; i < 1000; i++)
		buf_adds(&want, "abcdefgh\"");
	v = json_object_new_string_len(want.bf_data, (int)want.bf_len);
	buf_reset(&b);
	CHECK(codec_json_write(&b, v, 0) == 0);
	CHECK_INT(b.bf_len, 2 + 10 * 1000);
	CHECK(memcmp(b.bf_data + 1, "abcdefgh\\\"abcdefgh\\\"", 20) == 0);
	json_object_put(v);
	buf_free(&b);
	buf_free(&want);
}

/* Doubles: shortest round-trip digits in ryu's layout.  Expected text
 * from an independent shortest-repr implementation (Python's repr, same
 * digits as ryu) laid out by §5.4 of the spec; bits are IEEE 754. */
static const struct {
	uint64_t	 bits;
	const char	*text;
} double_table[] = {
	{ 0x4045000000000000ULL, "42.0" },	/* 42.0 */
	{ 0x4059000000000000ULL, "100.0" },	/* 100.0 */
	{ 0x430c6bf526340000ULL, "1000000000000000.0" },	/* 1000000000000000.0 */
	{ 0x4341c37937e08000ULL, "1e16" },	/* 1e+16 */
	{ 0x4028ae147ae147aeULL, "12.34" },	/* 12.34 */
	{ 0x3f5437c5692b3cc5ULL, "0.001234" },	/* 0.001234 */
	{ 0x3ee4f8b588e368f1ULL, "0.00001" },	/* 1e-05 */
	{ 0x3eb0c6f7a0b5ed8dULL, "1e-6" },	/* 1e-06 */
	{ 0x3e8421f5f40d8376ULL, "1.5e-7" },	/* 1.5e-07 */
	{ 0x441ac53a7e04bcdaULL, "1.2345678901234568e20" },	/* 1.2345678901234568e+20 */
	{ 0x0000000000000000ULL, "0.0" },	/* 0.0 */
	{ 0x8000000000000000ULL, "-0.0" },	/* -0.0 */
	{ 0x3fb999999999999aULL, "0.1" },	/* 0.1 */
	{ 0x3fc999999999999aULL, "0.2" },	/* 0.2 */
	{ 0x3fd3333333333333ULL, "0.3" },	/* 0.3 */
	{ 0x3fd5555555555555ULL, "0.3333333333333333" },	/* 0.3333333333333333 */
	{ 0x3fe5555555555555ULL, "0.6666666666666666" },	/* 0.6666666666666666 */
	{ 0x3fd3333333333334ULL, "0.30000000000000004" },	/* 0.30000000000000004 */
	{ 0x444b1ae4d6e2ef50ULL, "1e21" },	/* 1e+21 */
	{ 0x4480f0cf064dd592ULL, "1e22" },	/* 1e+22 */
	{ 0x44b52d02c7e14af6ULL, "1e23" },	/* 1e+23 */
	{ 0x0000000000000001ULL, "5e-324" },	/* 5e-324 */
	{ 0x7fefffffffffffffULL, "1.7976931348623157e308" },	/* 1.7976931348623157e+308 */
	{ 0x0010000000000000ULL, "2.2250738585072014e-308" },	/* 2.2250738585072014e-308 */
	{ 0x000fffffffffffffULL, "2.225073858507201e-308" },	/* 2.225073858507201e-308 */
	{ 0x4340000000000000ULL, "9007199254740992.0" },	/* 9007199254740992.0 */
	{ 0x4340000000000000ULL, "9007199254740992.0" },	/* 9007199254740992.0 */
	{ 0x4340000000000001ULL, "9007199254740994.0" },	/* 9007199254740994.0 */
	{ 0x4330000000000000ULL, "4503599627370496.0" },	/* 4503599627370496.0 */
	{ 0x419d6f34547df3b6ULL, "123456789.123" },	/* 123456789.123 */
	{ 0x3e7ad7f29abcaf48ULL, "1e-7" },	/* 1e-07 */
	{ 0x3f1a36e2eb1c432dULL, "0.0001" },	/* 0.0001 */
	{ 0x3ee4f8b588e368f1ULL, "0.00001" },	/* 1e-05 */
	{ 0x3ee9e3abe16fc70dULL, "0.000012345" },	/* 1.2345e-05 */
	{ 0x4341c37937e08000ULL, "1e16" },	/* 1e+16 */
	{ 0x4341c37937e07fffULL, "9999999999999998.0" },	/* 9999999999999998.0 */
	{ 0x43118b54f22aeb03ULL, "1234567890123456.8" },	/* 1234567890123456.8 */
	{ 0x43e56a95319d63e1ULL, "1.2345678901234567e19" },	/* 1.2345678901234567e+19 */
	{ 0xc004000000000000ULL, "-2.5" },	/* -2.5 */
	{ 0x400921f9f01b866eULL, "3.14159" },	/* 3.14159 */
	{ 0x4005bf0a8b145769ULL, "2.718281828459045" },	/* 2.718281828459045 */
	{ 0x54b249ad2594c37dULL, "1e100" },	/* 1e+100 */
	{ 0x2b2bff2ee48e0530ULL, "1e-100" },	/* 1e-100 */
	{ 0x7fe1ccf385ebc8a0ULL, "1e308" },	/* 1e+308 */
	{ 0x000730d67819e8d2ULL, "1e-308" },	/* 1e-308 */
	{ 0x441aabdf2145b430ULL, "1.23e20" },	/* 1.23e+20 */
	{ 0x3fe0000000000000ULL, "0.5" },	/* 0.5 */
	{ 0x3fd0000000000000ULL, "0.25" },	/* 0.25 */
	{ 0x3ff0000000000000ULL, "1.0" },	/* 1.0 */
	{ 0xbff0000000000000ULL, "-1.0" },	/* -1.0 */
	{ 0x000012688b70e62bULL, "1e-310" },	/* 1e-310 */
	{ 0x3e012e0be826d695ULL, "5e-10" },	/* 5e-10 */
	{ 0x41b1de784a000000ULL, "299792458.0" },	/* 299792458.0 */
	{ 0x44dfe185ca57c517ULL, "6.02214076e23" },	/* 6.02214076e+23 */
	{ 0x3c07a4da290c1653ULL, "1.602176634e-19" },	/* 1.602176634e-19 */
	{ 0x40f0000000000000ULL, "65536.0" },	/* 65536.0 */
	{ 0x41f0000000080000ULL, "4294967296.5" },	/* 4294967296.5 */
	{ 0x3ef1d3671ac14c66ULL, "0.000017" },	/* 1.7e-05 */
	{ 0x3ee9cb8320b15070ULL, "0.0000123" },	/* 1.23e-05 */
	{ 0x3fefffffffffffffULL, "0.9999999999999999" },	/* 0.9999999999999999 */
	{ 0x3ff0000000000001ULL, "1.0000000000000002" },	/* 1.0000000000000002 */
	{ 0x0000000000000003ULL, "1.5e-323" },	/* 1.5e-323 */
	{ 0x43b0000000000000ULL, "1.152921504606847e18" },	/* 1152921504606846976 */
	{ 0x4340000000000000ULL, "9007199254740992.0" },	/* 9007199254740992.0 */
	{ 0x43e0000000000000ULL, "9.223372036854776e18" },	/* 9223372036854775808 */
	{ 0x43f0000000000000ULL, "1.8446744073709552e19" },	/* 18446744073709551616 */
	{ 0x430c6bf526340004ULL, "1000000000000000.5" },	/* 1000000000000000.5 */
	{ 0x430c6bf52633fffcULL, "999999999999999.5" },	/* 999999999999999.5 */
	{ 0x42dc12218377de6bULL, "123456789012345.67" },	/* 123456789012345.67 */
	{ 0x0228451a088e3422ULL, "2.8992308840904375e-298" },	/* 2.8992308840904375e-298 */
	{ 0x04de9f7056d38e0aULL, "3.2177265158187784e-285" },	/* 3.2177265158187784e-285 */
	{ 0xb960a9a6686fb6faULL, "-2.567294727224816e-32" },	/* -2.567294727224816e-32 */
	{ 0xb575b682fe3677f0ULL, "-3.627098117582994e-51" },	/* -3.627098117582994e-51 */
	{ 0xa2b447eb278d62afULL, "-1.6631443848174332e-141" },	/* -1.6631443848174332e-141 */
	{ 0x1843d9b6ea0486e0ULL, "8.70167919401686e-192" },	/* 8.70167919401686e-192 */
	{ 0x6dca67e458b20aaaULL, "7.457042697781443e220" },	/* 7.457042697781443e+220 */
	{ 0x95936e8da8d468afULL, "-9.684051388225462e-205" },	/* -9.684051388225462e-205 */
	{ 0xb9ace15cbbe29f77ULL, "-7.1195488656898615e-31" },	/* -7.1195488656898615e-31 */
	{ 0xfe0f73bea8ed6f14ULL, "-1.6455676686672974e299" },	/* -1.6455676686672974e+299 */
	{ 0x8dd411e261d65ccbULL, "-4.702922804530066e-242" },	/* -4.702922804530066e-242 */
	{ 0x02899a0adb3a0ba5ULL, "1.9573277866152326e-296" },	/* 1.9573277866152326e-296 */
	{ 0x909c37c30b8d9ab4ULL, "-1.1632331260519983e-228" },	/* -1.1632331260519983e-228 */
	{ 0x5ab98850c3796188ULL, "1.1061428131159335e129" },	/* 1.1061428131159335e+129 */
	{ 0xda42d0b8b173877fULL, "-6.368244939214391e126" },	/* -6.368244939214391e+126 */
	{ 0x79c60a6e0c510b6cULL, "3.9070791703060635e278" },	/* 3.9070791703060635e+278 */
	{ 0xd5c090dccc38da8cULL, "-1.1873061833654134e105" },	/* -1.1873061833654134e+105 */
	{ 0x94076e07cb210032ULL, "-3.4798599517963973e-212" },	/* -3.4798599517963973e-212 */
	{ 0x495d77e2dc95bd66ULL, "2.6286606792233777e45" },	/* 2.6286606792233777e+45 */
	{ 0x323926756c7862d4ULL, "9.328738500175083e-67" },	/* 9.328738500175083e-67 */
	{ 0xfa38946df48d6640ULL, "-5.577176261527428e280" },	/* -5.577176261527428e+280 */
	{ 0x2edc1c217192248aULL, "5.787890138537142e-83" },	/* 5.787890138537142e-83 */
	{ 0xad81a4f02b9a83d9ULL, "-1.7323493461416732e-89" },	/* -1.7323493461416732e-89 */
	{ 0xa8b63189f40010bfULL, "-1.4419415222360747e-112" },	/* -1.4419415222360747e-112 */
	{ 0xee3e9e08f2d6eaa4ULL, "-1.1067360061498485e223" },	/* -1.1067360061498485e+223 */
	{ 0xa723bf4097e00be4ULL, "-3.8236189945328035e-120" },	/* -3.8236189945328035e-120 */
	{ 0x0baaf14cd8ea84b8ULL, "1.837438487893465e-252" },	/* 1.837438487893465e-252 */
	{ 0x276b44ac0da4e212ULL, "8.44790445924497e-119" },	/* 8.44790445924497e-119 */
	{ 0xb272a3cac0ae8ffaULL, "-1.1062225153635093e-65" },	/* -1.1062225153635093e-65 */
	{ 0x0d5275f7356ea9e0ULL, "1.6897954086006337e-244" },	/* 1.6897954086006337e-244 */
	{ 0x336f23bdaadb6558ULL, "6.055696452535753e-61" },	/* 6.055696452535753e-61 */
	{ 0x472d4cb75706eae2ULL, "7.6066298857343125e34" },	/* 7.6066298857343125e+34 */
	{ 0x92d2016e54b87042ULL, "-5.100708432692374e-218" },	/* -5.100708432692374e-218 */
	{ 0x406dafdbe165535bULL, "237.49559087553175" },	/* 237.49559087553175 */
	{ 0xcfc90e563ab111e2ULL, "-2.266630441199784e76" },	/* -2.266630441199784e+76 */
	{ 0xfd95b479b84159ccULL, "-8.871870174000783e296" },	/* -8.871870174000783e+296 */
	{ 0x454a86fafb8aaabcULL, "6.413899646038139e25" },	/* 6.413899646038139e+25 */
	{ 0x6d6f222d683ea2c4ULL, "1.3737727143322001e219" },	/* 1.3737727143322001e+219 */
	{ 0x4e43016f76cd9ffcULL, "1.0247803052568285e69" },	/* 1.0247803052568285e+69 */
	{ 0x1f3a4381d70c8f78ULL, "2.988946885709771e-158" },	/* 2.988946885709771e-158 */
	{ 0xd790b76b9767973dULL, "-6.432256483085587e113" },	/* -6.432256483085587e+113 */
	{ 0x3093559e9fb5822fULL, "1.068643734012337e-74" },	/* 1.068643734012337e-74 */
	{ 0x927e47074b0eab8dULL, "-1.3401781771440499e-219" },	/* -1.3401781771440499e-219 */
	{ 0xc8a983759540b1aaULL, "-1.111270216500269e42" },	/* -1.111270216500269e+42 */
	{ 0xfae8775da16d458eULL, "-1.1369300251397926e284" },	/* -1.1369300251397926e+284 */
	{ 0x44f478b454a0a68aULL, "1.546782930139201e24" },	/* 1.546782930139201e+24 */
	{ 0xe1d3b2cc8797735aULL, "-1.772431072820787e163" },	/* -1.772431072820787e+163 */
	{ 0x1f06db8ad78da6e7ULL, "3.251641739990768e-159" },	/* 3.251641739990768e-159 */
	{ 0x09ad7881d38694ecULL, "4.679556482089905e-262" },	/* 4.679556482089905e-262 */
	{ 0x07632a1255f99e62ULL, "4.4282064519563436e-273" },	/* 4.4282064519563436e-273 */
	{ 0x02ac4d2bb7a2c9edULL, "8.654917491508698e-296" },	/* 8.654917491508698e-296 */
	{ 0x155b7904aa5d58f9ULL, "8.557063444676826e-206" },	/* 8.557063444676826e-206 */
	{ 0x5061fd62f544dfdeULL, "1.666460409218398e79" },	/* 1.666460409218398e+79 */
	{ 0xadb6850398e75fa3ULL, "-1.7688120505886468e-88" },	/* -1.7688120505886468e-88 */
	{ 0x08c0d8790e0dfd19ULL, "1.6326017463918814e-266" },	/* 1.6326017463918814e-266 */
	{ 0x554311a7de2ee33aULL, "5.338702521161829e102" },	/* 5.338702521161829e+102 */
	{ 0x22c1c42d41a7a5a4ULL, "2.913864912408433e-141" },	/* 2.913864912408433e-141 */
	{ 0xad09440cd1443975ULL, "-9.690021460812503e-92" },	/* -9.690021460812503e-92 */
	{ 0x3f654e83fecdbf61ULL, "0.0026009157212953248" },	/* 0.0026009157212953248 */
	{ 0x4ccb4a0796c9a056ULL, "8.770403761098997e61" },	/* 8.770403761098997e+61 */
	{ 0xfb82391bcbe37afaULL, "-8.671369172639273e286" },	/* -8.671369172639273e+286 */
	{ 0x1296f9eca05df9e0ULL, "4.0680158134473966e-219" },	/* 4.0680158134473966e-219 */
	{ 0x64b0d2d9001ff97eULL, "1.0652143603751824e177" },	/* 1.0652143603751824e+177 */
	{ 0x30028a457a425f20ULL, "2.0014453022852108e-77" },	/* 2.0014453022852108e-77 */
	{ 0xd458125afd50d9ecULL, "-2.0566736413284615e98" },	/* -2.0566736413284615e+98 */
	{ 0x89a049edffab0feaULL, "-2.58644085412682e-262" },	/* -2.58644085412682e-262 */
	{ 0xb76f0caabca2cffcULL, "-1.1138454777651965e-41" },	/* -1.1138454777651965e-41 */
	{ 0xb5864087b72a73c2ULL, "-7.434318713149532e-51" },	/* -7.434318713149532e-51 */
	{ 0x0e062b5d9a17647dULL, "4.15592175622546e-241" },	/* 4.15592175622546e-241 */
	{ 0xa0a590765b6fb81dULL, "-2.058674453554923e-151" },	/* -2.058674453554923e-151 */
	{ 0xe3e691347720432cULL, "-1.744236349945149e173" },	/* -1.744236349945149e+173 */
	{ 0xd79a4665ea7c4be1ULL, "-1.0110228728436154e114" },	/* -1.0110228728436154e+114 */
	{ 0x806e26a849f1bc06ULL, "-1.3417642777522875e-306" },	/* -1.3417642777522875e-306 */
	{ 0x2e15d0c7f935e3c6ULL, "1.0966485052365165e-86" },	/* 1.0966485052365165e-86 */
	{ 0xbbc28a4c45257998ULL, "-7.852091258342239e-21" },	/* -7.852091258342239e-21 */
	{ 0x70f6d0a0f34f79e4ULL, "1.4508290794812853e236" },	/* 1.4508290794812853e+236 */
	{ 0x4b5819701e943395ULL, "9.233043138143436e54" },	/* 9.233043138143436e+54 */
	{ 0xb2311bdb8a968fbbULL, "-6.34601354985143e-67" },	/* -6.34601354985143e-67 */
	{ 0xd116b722adfcb709ULL, "-4.3094187837475994e82" },	/* -4.3094187837475994e+82 */
	{ 0x6801f2b855d93275ULL, "1.0235906947308374e193" },	/* 1.0235906947308374e+193 */
	{ 0x8b1b6154981296c9ULL, "-3.647037719244733e-255" },	/* -3.647037719244733e-255 */
	{ 0xd8ceaf9b83f5030fULL, "-6.190533893845258e119" },	/* -6.190533893845258e+119 */
	{ 0xb606ea3304ea373dULL, "-1.9598713068363432e-48" },	/* -1.9598713068363432e-48 */
	{ 0xd20eff1f9011b2e1ULL, "-1.92691464693516e87" },	/* -1.92691464693516e+87 */
	{ 0xadd2a9a2875ceb27ULL, "-5.863464039761272e-88" },	/* -5.863464039761272e-88 */
	{ 0xb09306cb45c90d44ULL, "-1.0516249567808044e-74" },	/* -1.0516249567808044e-74 */
	{ 0x707194be60a417deULL, "4.367178727659992e233" },	/* 4.367178727659992e+233 */
	{ 0xe19c180413f59e17ULL, "-1.5798954919950253e162" },	/* -1.5798954919950253e+162 */
	{ 0xf8b112b19dee8166ULL, "-2.3090136403119435e273" },	/* -2.3090136403119435e+273 */
	{ 0x7b6ea78e8190901fULL, "3.646702953234259e286" },	/* 3.646702953234259e+286 */
	{ 0x3e3db796f03db463ULL, "6.919062437452574e-9" },	/* 6.919062437452574e-09 */
	{ 0x05896a3eef2053baULL, "5.4692096969308234e-282" },	/* 5.4692096969308234e-282 */
	{ 0x1374d6a6ed56e830ULL, "6.044901632373841e-215" },	/* 6.044901632373841e-215 */
	{ 0x208d1d65572bc1f2ULL, "6.94874574232948e-152" },	/* 6.94874574232948e-152 */
	{ 0xdbe7070521b77470ULL, "-5.230381896645072e134" },	/* -5.230381896645072e+134 */
	{ 0x6bd29937be3fdb95ULL, "2.445766836390959e211" },	/* 2.445766836390959e+211 */
	{ 0x8ff159fb1103b2f2ULL, "-6.985219409939919e-232" },	/* -6.985219409939919e-232 */
	{ 0xbacffa448c9ff083ULL, "-2.0665045132883752e-25" },	/* -2.0665045132883752e-25 */
	{ 0xe68c0038291ccb79ULL, "-9.518284130358841e185" },	/* -9.518284130358841e+185 */
	{ 0xd908bec3d395853bULL, "-7.987278326556841e120" },	/* -7.987278326556841e+120 */
	{ 0x8806a13f129a296cULL, "-5.354463118764715e-270" },	/* -5.354463118764715e-270 */
	{ 0x5004cc0ffa97325cULL, "3.010177297595155e77" },	/* 3.010177297595155e+77 */
	{ 0xa6da8ca607a2f293ULL, "-1.6064847557608323e-121" },	/* -1.6064847557608323e-121 */
	{ 0xc13bce523a860408ULL, "-1822290.228607418" },	/* -1822290.228607418 */
	{ 0xff655249214350b6ULL, "-4.678880055396495e305" },	/* -4.678880055396495e+305 */
	{ 0xa0b8127e2791e5f6ULL, "-4.596197099099832e-151" },	/* -4.596197099099832e-151 */
	{ 0xbc3ab6b52143a7ccULL, "-1.4481526505047813e-18" },	/* -1.4481526505047813e-18 */
	{ 0x0c3f7aaa1dc3916cULL, "1.0991746876144359e-249" },	/* 1.0991746876144359e-249 */
	{ 0xc4d07c408eaf93bdULL, "-3.11399647358274e23" },	/* -3.11399647358274e+23 */
	{ 0xb98d52b750351f41ULL, "-1.8071761573301367e-31" },	/* -1.8071761573301367e-31 */
	{ 0xd3ab38b9beb0d31aULL, "-1.1356435749649108e95" },	/* -1.1356435749649108e+95 */
	{ 0xf7b3f0e772314329ULL, "-4.1151320048604524e268" },	/* -4.1151320048604524e+268 */
	{ 0x65809dc95510367cULL, "8.618727108619973e180" },	/* 8.618727108619973e+180 */
	{ 0x2646df894b843130ULL, "2.703202076620174e-124" },	/* 2.703202076620174e-124 */
	{ 0xee73c0106fcaf2b3ULL, "-1.1422716714693569e224" },	/* -1.1422716714693569e+224 */
	{ 0xead850b9a6bbcb3aULL, "-4.8790723836286965e206" },	/* -4.8790723836286965e+206 */
	{ 0xc3a76e62c634cc96ULL, "-8.441977568696922e17" },	/* -8.441977568696922e+17 */
	{ 0xfe8550bd1a7370e3ULL, "-2.8549523769497306e301" },	/* -2.8549523769497306e+301 */
	{ 0xfde1cc0ecbaf345fULL, "-2.3278499330005146e298" },	/* -2.3278499330005146e+298 */
	{ 0x79ae84bd010b1fefULL, "1.3524752517005546e278" },	/* 1.3524752517005546e+278 */
	{ 0x6bada9511c7f4e65ULL, "4.8757175937034364e210" },	/* 4.8757175937034364e+210 */
	{ 0x29197688f6dca567ULL, "1.0587944151794183e-110" },	/* 1.0587944151794183e-110 */
	{ 0x169d54a33c4b9c24ULL, "9.579527060852417e-200" },	/* 9.579527060852417e-200 */
	{ 0xd47b141f9b9a17c9ULL, "-9.254328661969626e98" },	/* -9.254328661969626e+98 */
	{ 0x3bcf40f047f3eda4ULL, "1.3236442580842142e-20" },	/* 1.3236442580842142e-20 */
	{ 0x4fba96a21bb6a7eeULL, "1.2026279952944343e76" },	/* 1.2026279952944343e+76 */
	{ 0x196318d799068b4cULL, "2.1945159666027553e-186" },	/* 2.1945159666027553e-186 */
	{ 0xd1226b56b96c9f15ULL, "-6.988786269123948e82" },	/* -6.988786269123948e+82 */
	{ 0x876aeeead26dd80bULL, "-6.223332941991074e-273" },	/* -6.223332941991074e-273 */
	{ 0x82dc0151effdf9d9ULL, "-6.851446363230438e-295" },	/* -6.851446363230438e-295 */
	{ 0x5ae1d1ac338ed741ULL, "6.17578688653755e129" },	/* 6.17578688653755e+129 */
	{ 0x29c6abf444de4be1ULL, "1.930703421406757e-107" },	/* 1.930703421406757e-107 */
	{ 0x4d6e6a45eba6ba36ULL, "1.0009646808618228e65" },	/* 1.0009646808618228e+65 */
	{ 0x227ecba3f7d96258ULL, "1.5783703374808165e-142" },	/* 1.5783703374808165e-142 */
	{ 0x3671bba270d30121ULL, "1.941339996696744e-46" },	/* 1.941339996696744e-46 */
	{ 0xd4a4f92fe455ffe1ULL, "-5.734256995892746e99" },	/* -5.734256995892746e+99 */
	{ 0x4ebc31c03c42851bULL, "1.9459017984628832e71" },	/* 1.9459017984628832e+71 */
	{ 0xda65975fe0aa0de4ULL, "-2.9231231355289957e127" },	/* -2.9231231355289957e+127 */
	{ 0x6b8b2701bfbe4c68ULL, "1.1158215511787018e210" },	/* 1.1158215511787018e+210 */
	{ 0xd99a090f6341066bULL, "-4.302712662989982e123" },	/* -4.302712662989982e+123 */
	{ 0xd84d9565a76ba88fULL, "-2.331304991451449e117" },	/* -2.331304991451449e+117 */
	{ 0xda81bf3c8f104305ULL, "-9.61066766168376e127" },	/* -9.61066766168376e+127 */
	{ 0x77dee0d19d15e62bULL, "2.5488724019415894e269" },	/* 2.5488724019415894e+269 */
	{ 0x6d92cba408525744ULL, "6.634834300720593e219" },	/* 6.634834300720593e+219 */
	{ 0xa250b3bbea7bef5bULL, "-2.1400937135960927e-143" },	/* -2.1400937135960927e-143 */
	{ 0xf1141b67c19f608eULL, "-5.114521506466351e236" },	/* -5.114521506466351e+236 */
	{ 0x68e425ef59fc726fULL, "1.8826217596572414e197" },	/* 1.8826217596572414e+197 */
	{ 0x875a832062b71ab8ULL, "-3.063020649352775e-273" },	/* -3.063020649352775e-273 */
	{ 0x8f0f1698423c879dULL, "-3.819353345820849e-236" },	/* -3.819353345820849e-236 */
	{ 0x30864d28160e7557ULL, "6.163154823614734e-75" },	/* 6.163154823614734e-75 */
	{ 0x4116ba81d9003eeaULL, "372384.461915" },	/* 372384.461915 */
	{ 0x429ba5d6e70612cdULL, "7599772254596.7" },	/* 7599772254596.7 */
	{ 0x41247f4c483126e9ULL, "671654.141" },	/* 671654.141 */
	{ 0x3fe49a88c0cd47eeULL, "0.6438640371" },	/* 0.6438640371 */
	{ 0xc12c649250a17b0fULL, "-930377.157482" },	/* -930377.157482 */
	{ 0x420b5359b9f00000ULL, "14670313278.0" },	/* 14670313278.0 */
	{ 0x40ffd7147ef9db23ULL, "130417.281" },	/* 130417.281 */
	{ 0x3f6328dd4a3ddcbeULL, "0.0023388216085852" },	/* 0.0023388216085852 */
	{ 0x412ad5ce00000000ULL, "879335.0" },	/* 879335.0 */
	{ 0x3e59c511dc3a41dfULL, "2.4e-8" },	/* 2.4e-08 */
	{ 0x412bdfbf32b020c5ULL, "913375.599" },	/* 913375.599 */
	{ 0x414bd3bf00000000ULL, "3647358.0" },	/* 3647358.0 */
	{ 0x4129f11345b70997ULL, "850057.63616209" },	/* 850057.63616209 */
	{ 0x40c5151e2adc4c9dULL, "10794.235683" },	/* 10794.235683 */
	{ 0xc129a03000000000ULL, "-839704.0" },	/* -839704.0 */
	{ 0x3c8a75a4f8f665ddULL, "4.59e-17" },	/* 4.59e-17 */
	{ 0x4102beefe902c329ULL, "153565.9887748" },	/* 153565.9887748 */
	{ 0x428d73e24b3d1800ULL, "4047944378275.0" },	/* 4047944378275.0 */
	{ 0x40f3ca619999999aULL, "81062.1" },	/* 81062.1 */
	{ 0x3ff2b851eb851eb8ULL, "1.17" },	/* 1.17 */
	{ 0xc12392237e5753a4ULL, "-641297.74676" },	/* -641297.74676 */
	{ 0x3dd1533f37f72166ULL, "6.302865e-11" },	/* 6.302865e-11 */
	{ 0x40fa8a8c85eb313cULL, "108712.782695" },	/* 108712.782695 */
	{ 0x3fe0852426d0cf3bULL, "0.51625259" },	/* 0.51625259 */
	{ 0xc117424800000000ULL, "-381074.0" },	/* -381074.0 */
	{ 0x3f86775fb300f317ULL, "0.010969875002155" },	/* 0.010969875002155 */
	{ 0xc104b3272267534bULL, "-169572.89179864" },	/* -169572.89179864 */
	{ 0x40e8eedbced91687ULL, "51062.869" },	/* 51062.869 */
	{ 0xc122527c00000000ULL, "-600382.0" },	/* -600382.0 */
	{ 0x422c6aef77e5cccdULL, "61026581490.9" },	/* 61026581490.9 */
	{ 0x4119f8a4b6de3327ULL, "425513.178582" },	/* 425513.178582 */
	{ 0x3e04a9ed622b7ee0ULL, "6.0139510415e-10" },	/* 6.0139510415e-10 */
	{ 0xc11feb469cf268e9ULL, "-522961.65326847" },	/* -522961.65326847 */
	{ 0x3fa326e115592d99ULL, "0.037406" },	/* 0.037406 */
	{ 0x411075c4b851eb85ULL, "269681.18" },	/* 269681.18 */
	{ 0x40162b93ba693582ULL, "5.542555725738" },	/* 5.542555725738 */
	{ 0xc119094b9999999aULL, "-410194.9" },	/* -410194.9 */
	{ 0x3f747ae147ae147bULL, "0.005" },	/* 0.005 */
	{ 0x4105e79733333333ULL, "179442.9" },	/* 179442.9 */
	{ 0x40181ba5e353f7cfULL, "6.027" },	/* 6.027 */
	{ 0x4125fde14d3996fbULL, "720624.65083" },	/* 720624.65083 */
	{ 0x40330f5c28f5c28fULL, "19.06" },	/* 19.06 */
	{ 0x41173326852b0a70ULL, "380105.630047" },	/* 380105.630047 */
	{ 0x3e71ef25f31ac890ULL, "6.681e-8" },	/* 6.681e-08 */
	{ 0x412376a84ccccccdULL, "637780.15" },	/* 637780.15 */
	{ 0x40dbe425bdccea29ULL, "28560.5897095" },	/* 28560.5897095 */
	{ 0xc12892d09b20d0dbULL, "-805224.30298474" },	/* -805224.30298474 */
	{ 0x40f29e5b33333333ULL, "76261.7" },	/* 76261.7 */
	{ 0xc1022a9ad04816f0ULL, "-148819.3517" },	/* -148819.3517 */
	{ 0x3d04ec792adedf82ULL, "9.292e-15" },	/* 9.292e-15 */
	{ 0x41087c32a3d70a3dULL, "200582.33" },	/* 200582.33 */
	{ 0x3fd6809b2544cd94ULL, "0.351599489589" },	/* 0.351599489589 */
	{ 0x41266718222d2fe4ULL, "734092.066751" },	/* 734092.066751 */
	{ 0x3d9532d669bdba0dULL, "4.82e-12" },	/* 4.82e-12 */
	{ 0xc11fe94a2dec9b9fULL, "-522834.5448479" },	/* -522834.5448479 */
	{ 0x3ea7bea577158cafULL, "7.07647570913e-7" },	/* 7.07647570913e-07 */
	{ 0x41281fbc1dd15ba8ULL, "790494.0582379" },	/* 790494.0582379 */
	{ 0x415bad2530131fd8ULL, "7255188.75116726" },	/* 7255188.75116726 */
	{ 0x4108978000000000ULL, "201456.0" },	/* 201456.0 */
	{ 0x3e99e715fe0b09a7ULL, "3.8598e-7" },	/* 3.8598e-07 */
	{ 0xc109659fb7d4ee03ULL, "-208051.9647616" },	/* -208051.9647616 */
	{ 0x3d627a53082b77d1ULL, "5.251715e-13" },	/* 5.251715e-13 */
	{ 0x412a7e70501630c4ULL, "868152.1564193" },	/* 868152.1564193 */
	{ 0x3f435d1bc5d34319ULL, "0.000590933381" },	/* 0.000590933381 */
	{ 0x412da1f29999999aULL, "971001.3" },	/* 971001.3 */
	{ 0x4294ea54c9c33400ULL, "5749169352909.0" },	/* 5749169352909.0 */
	{ 0xc0fe8e6c596a6a01ULL, "-125158.77183" },	/* -125158.77183 */
	{ 0x3dbd6c453769977aULL, "2.676e-11" },	/* 2.676e-11 */
	{ 0x411b018588aa021dULL, "442465.38346103" },	/* 442465.38346103 */
	{ 0x3d2b30c37a3ec5efULL, "4.83e-14" },	/* 4.83e-14 */
	{ 0xc11007fc00000000ULL, "-262655.0" },	/* -262655.0 */
	{ 0x3ee01cbb69190826ULL, "7.6829121865609e-6" },	/* 7.6829121865609e-06 */
	{ 0x4124285ccee631f9ULL, "660526.4041" },	/* 660526.4041 */
	{ 0x3fe0a3d70a3d70a4ULL, "0.52" },	/* 0.52 */
	{ 0xc112b5a58f5c28f6ULL, "-306537.39" },	/* -306537.39 */
	{ 0x3e85f3322d60ae0aULL, "1.6354012783e-7" },	/* 1.6354012783e-07 */
	{ 0x4120cdcf8b439581ULL, "550631.772" },	/* 550631.772 */
	{ 0x40c37d8000000000ULL, "9979.0" },	/* 9979.0 */
	{ 0x4124c2745e5bafa9ULL, "680250.18429326" },	/* 680250.18429326 */
	{ 0x41e091547218e632ULL, "2223678352.7781" },	/* 2223678352.7781 */
	{ 0xc11778830faacd9fULL, "-384544.7653" },	/* -384544.7653 */
	{ 0x425b9e1b3b1e8000ULL, "474466806906.0" },	/* 474466806906.0 */
	{ 0x40ece30000000000ULL, "59160.0" },	/* 59160.0 */
	{ 0x40ba07fa291fb3faULL, "6663.97719" },	/* 6663.97719 */
	{ 0x40ea7fcf22d0e560ULL, "54270.473" },	/* 54270.473 */
	{ 0x3ffffbe76c8b4396ULL, "1.999" },	/* 1.999 */
	{ 0x412b684acccccccdULL, "898085.4" },	/* 898085.4 */
	{ 0x400d99999999999aULL, "3.7" },	/* 3.7 */
	{ 0xc0ff984fe6f9335dULL, "-129412.99389" },	/* -129412.99389 */
	{ 0x407fb00000000000ULL, "507.0" },	/* 507.0 */
	{ 0x4101551a66666666ULL, "141987.3" },	/* 141987.3 */
	{ 0x3df0d7ad7c065c34ULL, "2.450905e-10" },	/* 2.450905e-10 */
	{ 0x412dd4c9c4fd809fULL, "977508.88474657" },	/* 977508.88474657 */
	{ 0x42851941952fa0cdULL, "2899777332724.1" },	/* 2899777332724.1 */
	{ 0xc12b450af51e6dd4ULL, "-893573.47874778" },	/* -893573.47874778 */
	{ 0x3cd203af9ee75616ULL, "1e-15" },	/* 1e-15 */
	{ 0xc10c84922b8ae31dULL, "-233618.271261" },	/* -233618.271261 */
	{ 0x3f5a8ac0489a3bdaULL, "0.00161999490447661" },	/* 0.00161999490447661 */
	{ 0x4120537066666666ULL, "534968.2" },	/* 534968.2 */
	{ 0x40be0286c25ae8d9ULL, "7682.52640312371" },	/* 7682.52640312371 */
	{ 0xc1093be2d20e96f2ULL, "-206716.35256689" },	/* -206716.35256689 */
	{ 0x4251f372882d8666ULL, "308395253942.1" },	/* 308395253942.1 */
	{ 0xc0ce3ade599ed7c7ULL, "-15477.73711" },	/* -15477.73711 */
	{ 0x3fb972474538ef35ULL, "0.0994" },	/* 0.0994 */
	{ 0x40f0f1d0ba5e353fULL, "69405.0455" },	/* 69405.0455 */
	{ 0x41916cc29976e2ebULL, "73085094.3661" },	/* 73085094.3661 */
	{ 0x40fea9d5e8a71de7ULL, "125597.3693" },	/* 125597.3693 */
	{ 0x3cbcd2b297d889bcULL, "4e-16" },	/* 4e-16 */
	{ 0x4115691d5ecf291eULL, "350791.34258713" },	/* 350791.34258713 */
	{ 0x3fce147ae147ae14ULL, "0.235" },	/* 0.235 */
	{ 0xc0d2a38000000000ULL, "-19086.0" },	/* -19086.0 */
	{ 0x4200cf5eba3add2fULL, "9024821063.358" },	/* 9024821063.358 */
	{ 0xc127ae4f3b32f017ULL, "-775975.615623" },	/* -775975.615623 */
	{ 0x3f654c985f06f694ULL, "0.0026" },	/* 0.0026 */
	{ 0xc10bd665dd2f1aa0ULL, "-228044.733" },	/* -228044.733 */
	{ 0x3fc999999999999aULL, "0.2" },	/* 0.2 */
	{ 0x4117ca4b6bd3c361ULL, "389778.8553" },	/* 389778.8553 */
	{ 0x3cd8703697b8e8c0ULL, "1.3566e-15" },	/* 1.3566e-15 */
	{ 0xc11d5a9dfd70a3d7ULL, "-480935.4975" },	/* -480935.4975 */
	{ 0x40319d254d262069ULL, "17.61385042363" },	/* 17.61385042363 */
	{ 0x41111eecbadea897ULL, "280507.18249" },	/* 280507.18249 */
	{ 0x414c3b1aca3d70a4ULL, "3700277.58" },	/* 3700277.58 */
	{ 0x411e74b200000000ULL, "498988.5" },	/* 498988.5 */
	{ 0x3eed32c4486c3653ULL, "0.0000139228379914216" },	/* 1.39228379914216e-05 */
	{ 0xc11067ebbd70a3d7ULL, "-268794.935" },	/* -268794.935 */
	{ 0x41ae81c07b428f5cULL, "255909949.63" },	/* 255909949.63 */
	{ 0xc1159dfe70a3d70aULL, "-354175.61" },	/* -354175.61 */
	{ 0x3faf56eac8605682ULL, "0.06121" },	/* 0.06121 */
	{ 0x411fbca84d973795ULL, "519978.07577216" },	/* 519978.07577216 */
	{ 0x3e9421f5f40d8376ULL, "3e-7" },	/* 3e-07 */
	{ 0xc110cc5734395810ULL, "-275221.801" },	/* -275221.801 */
	{ 0x3f98008cedb9ac5fULL, "0.0234396" },	/* 0.0234396 */
	{ 0xc11c719f22d0e560ULL, "-466023.784" },	/* -466023.784 */
	{ 0x40e681c41b1960faULL, "46094.128308" },	/* 46094.128308 */
	{ 0xc0e320a000000000ULL, "-39173.0" },	/* -39173.0 */
	{ 0x4089528d4fdf3b64ULL, "810.319" },	/* 810.319 */
	{ 0x412378fd482906dfULL, "638078.64093801" },	/* 638078.64093801 */
	{ 0x3ff9cac083126e98ULL, "1.612" },	/* 1.612 */
	{ 0xc12af478849ba5e3ULL, "-883260.259" },	/* -883260.259 */
	{ 0x401024dd2f1a9fbeULL, "4.036" },	/* 4.036 */
	{ 0xc11f07e1c1d7dbf5ULL, "-508408.4393" },	/* -508408.4393 */
	{ 0x41fc22dbe5af1b09ULL, "7552745050.9441" },	/* 7552745050.9441 */
	{ 0xc10561c2377f0d26ULL, "-175160.2770978" },	/* -175160.2770978 */
	{ 0x3fd6a982a5b490aaULL, "0.35409609014665" },	/* 0.35409609014665 */
	{ 0xc11414a000000000ULL, "-329000.0" },	/* -329000.0 */
	{ 0x3f977b451abc43e9ULL, "0.022931175" },	/* 0.022931175 */
	{ 0xc12673c21e54c554ULL, "-735713.0592405" },	/* -735713.0592405 */
	{ 0x3e4ea7996cce7daaULL, "1.42747e-8" },	/* 1.42747e-08 */
	{ 0x412a30aed72ba9d2ULL, "858199.420255" },	/* 858199.420255 */
	{ 0x3f2fa3f518b68c78ULL, "0.00024139754201" },	/* 0.00024139754201 */
	{ 0xc106c98c00000000ULL, "-186673.5" },	/* -186673.5 */
	{ 0x3db3ca8cb153a753ULL, "1.8e-11" },	/* 1.8e-11 */
	{ 0x40c282b62d0a2446ULL, "9477.4232495" },	/* 9477.4232495 */
	{ 0x3ebc8a2b3ae1eb51ULL, "1.7011e-6" },	/* 1.7011e-06 */
	{ 0xc1245c9f9999999aULL, "-667215.8" },	/* -667215.8 */
	{ 0x3f3b9221f54101bcULL, "0.0004206974892931" },	/* 0.0004206974892931 */
	{ 0xc1221cbdcabb26b2ULL, "-593502.8959591" },	/* -593502.8959591 */
	{ 0x40e763ad70a3d70aULL, "47901.42" },	/* 47901.42 */
	{ 0xc120fd3254fdf3b6ULL, "-556697.166" },	/* -556697.166 */
	{ 0x3f60624dd2f1a9fcULL, "0.002" },	/* 0.002 */
	{ 0x4111675b1e7fcbe8ULL, "285142.77978438" },	/* 285142.77978438 */
	{ 0x3cc9385c44dd7885ULL, "7e-16" },	/* 7e-16 */
	{ 0x4119a4fece465b03ULL, "420159.70144026" },	/* 420159.70144026 */
	{ 0x3efd0ba9816e29a9ULL, "0.0000277" },	/* 2.77e-05 */
	{ 0x41274c86ffa43fe6ULL, "763459.4993" },	/* 763459.4993 */
	{ 0x3d4e58a3261161f2ULL, "2.15623e-13" },	/* 2.15623e-13 */
	{ 0xc1242a959a711516ULL, "-660810.801644" },	/* -660810.801644 */
	{ 0x40a4582a42413f23ULL, "2604.08253673454" },	/* 2604.08253673454 */
	{ 0x41101993676c8b44ULL, "263780.851" },	/* 263780.851 */
	{ 0x3fb1a9fbe76c8b44ULL, "0.069" },	/* 0.069 */
	{ 0xc113908c00000000ULL, "-320547.0" },	/* -320547.0 */
	{ 0x3ee3127a8ee44484ULL, "9.0943253466e-6" },	/* 9.0943253466e-06 */
	{ 0xc101461dc9a1819aULL, "-141507.72345258" },	/* -141507.72345258 */
	{ 0x3f76f0068db8bac7ULL, "0.0056" },	/* 0.0056 */
	{ 0xc10df6c8f5c28f5cULL, "-245465.12" },	/* -245465.12 */
	{ 0x3f7b2067169d7cc8ULL, "0.00662269848712" },	/* 0.00662269848712 */
	{ 0x411949ddb436f80fULL, "414327.42599094" },	/* 414327.42599094 */
	{ 0x40c014f1cac08312ULL, "8233.889" },	/* 8233.889 */
	{ 0x40e3c17aa2339c0fULL, "40459.8323" },	/* 40459.8323 */
	{ 0x3e3aedf01a9e28adULL, "6.27e-9" },	/* 6.27e-09 */
	{ 0x40d08d123a29c77aULL, "16948.2848" },	/* 16948.2848 */
	{ 0x3dfa1d07dbc02771ULL, "3.8e-10" },	/* 3.8e-10 */
	{ 0xc126ab0e00000000ULL, "-742791.0" },	/* -742791.0 */
	{ 0x3e0f85c44242064eULL, "9.1742625e-10" },	/* 9.1742625e-10 */
	{ 0xc1204dfd66666666ULL, "-534270.7" },	/* -534270.7 */
	{ 0x3e9081ef6d738008ULL, "2.4598180688e-7" },	/* 2.4598180688e-07 */
	{ 0x411017d739096bbaULL, "263669.8057" },	/* 263669.8057 */
	{ 0x3dc3ca8cb153a753ULL, "3.6e-11" },	/* 3.6e-11 */
	{ 0x4103241a95810625ULL, "156803.323" },	/* 156803.323 */
	{ 0x3ed67d1101306cbeULL, "5.3616859246e-6" },	/* 5.3616859246e-06 */
	{ 0xc12720bec1325ccaULL, "-757855.37733736" },	/* -757855.37733736 */
	{ 0x3fe65496b32bcf4bULL, "0.69782576555597" },	/* 0.69782576555597 */
	{ 0x412af7da1368ad69ULL, "883693.037908" },	/* 883693.037908 */
	{ 0x3fd59fb6c92ff170ULL, "0.3378731693954" },	/* 0.3378731693954 */
	{ 0x41282641a58793deULL, "791328.8233" },	/* 791328.8233 */
	{ 0x40275dd19ec3a506ULL, "11.6832399" },	/* 11.6832399 */
	{ 0x411a758003958106ULL, "433504.0035" },	/* 433504.0035 */
	{ 0x3fa193172ca13f87ULL, "0.03432533664511" },	/* 0.03432533664511 */
	{ 0xc12e3c3c00000000ULL, "-990750.0" },	/* -990750.0 */
	{ 0x3e09672e262850abULL, "7.39326e-10" },	/* 7.39326e-10 */
	{ 0x000378c3e065955eULL, "4.828047083832885e-309" },	/* 4.828047083832885e-309 */
	{ 0x000f8edee09f8b20ULL, "2.1636184783214536e-308" },	/* 2.1636184783214536e-308 */
	{ 0x000ac8432cd19999ULL, "1.4994598912871e-308" },	/* 1.4994598912871e-308 */
	{ 0x000dfb6ea3d23997ULL, "1.9444582490397715e-308" },	/* 1.9444582490397715e-308 */
	{ 0x00082d957f576ce9ULL, "1.1372995536779794e-308" },	/* 1.1372995536779794e-308 */
	{ 0x000a9804707ac6a7ULL, "1.473251682116738e-308" },	/* 1.473251682116738e-308 */
	{ 0x000d430fc957fb53ULL, "1.844302480727628e-308" },	/* 1.844302480727628e-308 */
	{ 0x000b6bb8bcc0a669ULL, "1.5882559982338505e-308" },	/* 1.5882559982338505e-308 */
	{ 0x00024d313a3ec004ULL, "3.20067473935126e-309" },	/* 3.20067473935126e-309 */
	{ 0x000971af19d31f9eULL, "1.3133607029769007e-308" },	/* 1.3133607029769007e-308 */
	{ 0x0001484366726164ULL, "1.783227654799985e-309" },	/* 1.783227654799985e-309 */
	{ 0x0001f4fb47e630c3ULL, "2.721486781627145e-309" },	/* 2.721486781627145e-309 */
	{ 0x000deddb8891f435ULL, "1.9370840877808865e-308" },	/* 1.9370840877808865e-308 */
	{ 0x0004809275dd8ef2ULL, "6.26112811082878e-309" },	/* 6.26112811082878e-309 */
	{ 0x000577615d015d34ULL, "7.60186665076641e-309" },	/* 7.60186665076641e-309 */
	{ 0x000fbc369e51a2beULL, "2.188250055863357e-308" },	/* 2.188250055863357e-308 */
	{ 0x0001dbb72c54d237ULL, "2.584233808755817e-309" },	/* 2.584233808755817e-309 */
	{ 0x00077d79333a84c0ULL, "1.0416308645346224e-308" },	/* 1.0416308645346224e-308 */
	{ 0x000b14fbdbda44d2ULL, "1.5411373394854075e-308" },	/* 1.5411373394854075e-308 */
	{ 0x0003c767d54f1b6bULL, "5.255246357397306e-309" },	/* 5.255246357397306e-309 */
	{ 0x0002827d9daa381aULL, "3.490208086023667e-309" },	/* 3.490208086023667e-309 */
	{ 0x0006f572354e2f66ULL, "9.677366223207173e-309" },	/* 9.677366223207173e-309 */
	{ 0x00094a2fbc9987a7ULL, "1.291904430788339e-308" },	/* 1.291904430788339e-308 */
	{ 0x000001ce455732a3ULL, "9.80936822989e-312" },	/* 9.80936822989e-312 */
	{ 0x00096c7f26c3ddc0ULL, "1.3105427998300804e-308" },	/* 1.3105427998300804e-308 */
	{ 0x0001fd0b66e17fb4ULL, "2.76528734283784e-309" },	/* 2.76528734283784e-309 */
	{ 0x0000bf8fbd7e3807ULL, "1.040621223097023e-309" },	/* 1.040621223097023e-309 */
	{ 0x0003b5bf1a4bb7e2ULL, "5.15931664603228e-309" },	/* 5.15931664603228e-309 */
	{ 0x0005a826b5fc01d3ULL, "7.866805200784886e-309" },	/* 7.866805200784886e-309 */
	{ 0x000739247276b2e6ULL, "1.0045113163217507e-308" },	/* 1.0045113163217507e-308 */
};

/* A double from its bit pattern. */
static double
from_bits(uint64_t u)
{
	double	 d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

/* Encode one double as a json value. */
static void
encode_double(double d, struct buf *b)
{
	struct json_object	*v;

	v = json_object_new_double(d);
	buf_reset(b);
	(void)codec_json_write(b, v, 0);
	json_object_put(v);
}

/* Smallest precision whose %.*e text reads back as d: the reference. */
static int
slow_sig_digits(double d)
{
	char	 tmp[64];
	int	 p;

	for (p = 0; p < 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*e", p, d);
		if (strtod(tmp, NULL) == d)
			return p + 1;
	}
	return 17;
}

/* Significant digits in our output (mantissa digits without zeros). */
static int
our_sig_digits(const char *s)
{
	int	 n = 0, lead = 1, trail = 0;

	if (*s == '-')
		s++;
	for (; *s != '\0' && *s != 'e'; s++) {
		if (*s == '.')
			continue;
		if (*s == '0' && lead)
			continue;
		lead = 0;
		n++;
		trail = *s == '0' ? trail + 1 : 0;
	}
	return n - trail;
}

static void
test_doubles(void)
{
	struct buf	 b;
	uint64_t	 state = 0x9e3779b97f4a7c15ULL, u;
	double		 d;
	size_t		 i;
	int		 bad = 0;

	buf_init(&b, 0);
	for (i = 0; i < sizeof(double_table) / sizeof(double_table[0]); i++) {
		d = from_bits(double_table[i].bits);
		encode_double(d, &b);
		CHECK_MSG(strcmp(b.bf_data, double_table[i].text) == 0,
		    "%.17g: got %s want %s", d, b.bf_data,
		    double_table[i].text);
		/* and the text reads back as the same double */
		CHECK(strtod(b.bf_data, NULL) == d);
	}
	/* random doubles: round trip and shortest digit count */
	for (i = 0; i < 20000; i++) {
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		u = state;
		if (i % 2)	/* values with few digits, common in events */
			d = (double)(u % 100000000) / (double)(1ULL << (u >> 60));
		else
			d = from_bits(u);
		if (d != d || d - d != 0)
			continue;
		encode_double(d, &b);
		if (strtod(b.bf_data, NULL) != d ||
		    our_sig_digits(b.bf_data) != slow_sig_digits(d)) {
			if (bad++ < 5)
				fprintf(stderr, "%.17g -> %s\n", d, b.bf_data);
		}
	}
	CHECK_INT(bad, 0);
	/* NaN and infinity cannot come from JSON; they never write garbage */
	encode_double(from_bits(0x7ff8000000000000ULL), &b);
	CHECK_STR(b.bf_data, "null");
	encode_double(from_bits(0x7ff0000000000000ULL), &b);
	CHECK_STR(b.bf_data, "null");
	buf_free(&b);
}

/* Integers: decimal, int64 and uint64. */
static void
test_ints(void)
{
	static const struct {
		int64_t		 i;
		const char	*text;
	} t[] = {
		{ 0, "0" }, { 1, "1" }, { -1, "-1" }, { 10, "10" },
		{ 1234567890, "1234567890" },
		{ INT64_MAX, "9223372036854775807" },
		{ INT64_MIN, "-9223372036854775808" },
		{ INT64_MIN + 1, "-9223372036854775807" },
	};
	struct json_object	*v;
	struct buf		 b;
	size_t			 i;

	buf_init(&b, 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = json_object_new_int64(t[i].i);
		buf_reset(&b);
		CHECK(codec_json_write(&b, v, 0) == 0);
		CHECK_STR(b.bf_data, t[i].text);
		json_object_put(v);
	}
	v = json_object_new_uint64(UINT64_MAX);
	buf_reset(&b);
	CHECK(codec_json_write(&b, v, 0) == 0);
	CHECK_STR(b.bf_data, "18446744073709551615");
	json_object_put(v);
	v = json_object_new_uint64((uint64_t)INT64_MAX + 1);
	buf_reset(&b);
	CHECK(codec_json_write(&b, v, 0) == 0);
	CHECK_STR(b.bf_data, "9223372036854775808");
	json_object_put(v);
	buf_free(&b);
}

/* json-sorted: byte-wise key order at every level, arrays untouched. */
static void
test_sorted(void)
{
	static const struct {
		const char	*in;
		const char	*out;
	} t[] = {
		{ "{\"b\":1,\"a\":2}", "{\"a\":2,\"b\":1}" },
		{ "{\"application\":1,\"aint\":2,\"about\":3,\"abool\":true}",
		    "{\"abool\":true,\"about\":3,\"aint\":2,\"application\":1}" },
		{ "{\"ab\":1,\"b\":2,\"a\":3,\"\":4}",
		    "{\"\":4,\"a\":3,\"ab\":1,\"b\":2}" },
		{ "{\"a\":1,\"B\":2,\"_\":3,\"\\u00e9\":4,\"z\":5,\"1\":6}",
		    "{\"1\":6,\"B\":2,\"_\":3,\"a\":1,\"z\":5,\"\xc3\xa9\":4}" },
		{ "{\"z\":{\"y\":[{\"d\":1,\"c\":2},3],\"x\":{\"b\":1,\"a\":"
		    "{\"n\":1,\"m\":2}}},\"a\":[3,1,2]}",
		    "{\"a\":[3,1,2],\"z\":{\"x\":{\"a\":{\"m\":2,\"n\":1},\"b\":"
		    "1},\"y\":[{\"c\":2,\"d\":1},3]}}" },
		{ "[{\"b\":1,\"a\":2},{\"d\":1,\"c\":2}]",
		    "[{\"a\":2,\"b\":1},{\"c\":2,\"d\":1}]" },
		{ "{\"\xc3\xa9\":1,\"\xc3\xa8\":2,\"\xe2\x82\xac\":3,"
		    "\"\x7f\":4}",
		    "{\"\x7f\":4,\"\xc3\xa8\":2,\"\xc3\xa9\":1,"
		    "\"\xe2\x82\xac\":3}" },
		{ "42.0", "42.0" },
	};
	struct buf	 b, big;
	char		 errbuf[ERRLEN], *err = errbuf;
	size_t		 i;
	int		 ok;

	buf_init(&b, 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK_MSG(recode(CODEC_JSON_SORTED, t[i].in, strlen(t[i].in),
		    &b, err, ERRLEN) == 0, "%s: %s", t[i].in, err);
		CHECK_STR(b.bf_data, t[i].out);
	}
	/* more keys than fit on the stack: heap path */
	buf_init(&big, 0);
	buf_addc(&big, '{');
	for (i = 0; i < 100; i++)
		buf_printf(&big, "%s\"k%03zu\":%zu", i ? "," : "", 99 - i, i);
	buf_addc(&big, '}');
	CHECK(recode(CODEC_JSON_SORTED, big.bf_data, big.bf_len, &b, err,
	    ERRLEN) == 0);
	ok = strncmp(b.bf_data, "{\"k000\":99,\"k001\":98,", 21) == 0 &&
	    strstr(b.bf_data, "\"k099\":0}") != NULL;
	CHECK(ok);
	/* unsorted keeps insertion order of the same document */
	CHECK(recode(CODEC_JSON, big.bf_data, big.bf_len, &b, err,
	    ERRLEN) == 0);
	CHECK(b.bf_len == big.bf_len &&
	    memcmp(b.bf_data, big.bf_data, b.bf_len) == 0);
	buf_free(&big);
	buf_free(&b);
}

/* string and binary codecs. */
static void
test_string_binary(void)
{
	struct json_object	*v;
	struct buf		 b;
	char			 errbuf[ERRLEN], *err = errbuf;
	static const char	 bin[] = "a\0b\xff\xfe\n\"\\";

	buf_init(&b, 0);
	/* string: UTF-8 text in, the same bytes out */
	CHECK(recode(CODEC_STRING, "h\xc3\xa9llo \"x\"\n", 12, &b, err,
	    ERRLEN) == 0);
	CHECK_STR(b.bf_data, "h\xc3\xa9llo \"x\"\n");
	CHECK(codec_decode(CODEC_STRING, "", 0, &v, err, ERRLEN) == 0);
	CHECK(json_object_is_type(v, json_type_string));
	CHECK_INT(json_object_get_string_len(v), 0);
	json_object_put(v);
	CHECK(codec_decode(CODEC_STRING, "{\"a\":1}", 7, &v, err,
	    ERRLEN) == 0);
	CHECK(json_object_is_type(v, json_type_string));
	json_object_put(v);
	CHECK(codec_decode(CODEC_STRING, "ab\xff", 3, &v, err,
	    ERRLEN) == -1);
	CHECK_STR(err, "invalid UTF-8 in string input");
	CHECK(codec_decode(CODEC_STRING, "\xed\xa0\x80", 3, &v, err,
	    ERRLEN) == -1);
	CHECK(codec_decode(CODEC_STRING, "\xc3", 1, &v, err,
	    ERRLEN) == -1);
	/* NUL is valid UTF-8 */
	CHECK(recode(CODEC_STRING, "a\0b", 3, &b, err, ERRLEN) == 0);
	CHECK(b.bf_len == 3 && memcmp(b.bf_data, "a\0b", 3) == 0);

	/* binary: any bytes, unchanged both ways */
	CHECK(recode(CODEC_BINARY, bin, sizeof(bin) - 1, &b, err,
	    ERRLEN) == 0);
	CHECK(b.bf_len == sizeof(bin) - 1 &&
	    memcmp(b.bf_data, bin, sizeof(bin) - 1) == 0);
	CHECK(codec_decode(CODEC_BINARY, bin, sizeof(bin) - 1, &v, err,
	    ERRLEN) == 0);
	CHECK_INT(json_object_get_string_len(v), sizeof(bin) - 1);
	json_object_put(v);

	/* non-string values are written as compact JSON, insertion order */
	CHECK(codec_decode(CODEC_JSON, "{\"b\": [1, 2.5], \"a\": \"x\"}", 25,
	    &v, err, ERRLEN) == 0);
	buf_reset(&b);
	CHECK(codec_encode(CODEC_STRING, v, &b) == 0);
	CHECK_STR(b.bf_data, "{\"b\":[1,2.5],\"a\":\"x\"}");
	buf_reset(&b);
	CHECK(codec_encode(CODEC_BINARY, v, &b) == 0);
	CHECK_STR(b.bf_data, "{\"b\":[1,2.5],\"a\":\"x\"}");
	json_object_put(v);
	buf_reset(&b);
	CHECK(codec_encode(CODEC_STRING, NULL, &b) == 0);
	CHECK_STR(b.bf_data, "null");
	/* a string value is not quoted by string/binary, but is by json */
	v = json_object_new_string("q\"");
	buf_reset(&b);
	CHECK(codec_encode(CODEC_STRING, v, &b) == 0);
	CHECK_STR(b.bf_data, "q\"");
	buf_reset(&b);
	CHECK(codec_encode(CODEC_JSON, v, &b) == 0);
	CHECK_STR(b.bf_data, "\"q\\\"\"");
	json_object_put(v);
	buf_free(&b);
}

/* Encoding appends, and a full buffer fails without a partial write. */
static void
test_buffer(void)
{
	struct json_object	*v;
	struct buf		 b;
	char			 errbuf[ERRLEN], *err = errbuf;
	const char		*doc = "{\"a\":[1,2,3],\"b\":\"xyz\",\"c\":1.5}";

	CHECK(codec_decode(CODEC_JSON, doc, strlen(doc), &v, err,
	    ERRLEN) == 0);
	buf_init(&b, 40);
	buf_adds(&b, "pre:");
	CHECK(codec_encode(CODEC_JSON, v, &b) == 0);
	CHECK_STR(b.bf_data, "pre:{\"a\":[1,2,3],\"b\":\"xyz\",\"c\":1.5}");
	buf_reset(&b);
	buf_adds(&b, "0123456789");
	CHECK(codec_encode(CODEC_JSON, v, &b) == -1);
	CHECK_STR(b.bf_data, "0123456789");
	CHECK(codec_encode(CODEC_JSON_SORTED, v, &b) == -1);
	CHECK_INT(b.bf_len, 10);
	json_object_put(v);
	v = json_object_new_string("0123456789012345678901234567890123");
	CHECK(codec_encode(CODEC_STRING, v, &b) == -1);
	CHECK_STR(b.bf_data, "0123456789");
	json_object_put(v);
	buf_free(&b);
}

/* decode(encode(decode(x))) gives the same text: a Tremor-style record. */
static void
test_roundtrip(void)
{
	static const char *docs[] = {
		"{\"id\":12345,\"name\":\"sensor-\xc3\xa9\",\"ok\":true,"
		    "\"tags\":[\"a\",\"b\\n\",\"\\u0000\"],\"v\":[1.5,-0.0,"
		    "1e-7,1e21,12.34,100.0],\"meta\":{\"z\":null,\"a\":{\"b\":"
		    "[[],{}]}},\"big\":18446744073709551615,"
		    "\"neg\":-9223372036854775808}",
		"[0.1,0.2,0.30000000000000004,1.7976931348623157e308,5e-324]",
		"\"\\\\/\x7f\"",
	};
	struct json_object	*v;
	struct buf		 a, b;
	char			 errbuf[ERRLEN], *err = errbuf;
	size_t			 i;
	int			 k;

	buf_init(&a, 0);
	buf_init(&b, 0);
	for (k = CODEC_JSON; k <= CODEC_JSON_SORTED; k++) {
		for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
			CHECK(recode(k, docs[i], strlen(docs[i]), &a, err,
			    ERRLEN) == 0);
			CHECK(recode(k, a.bf_data, a.bf_len, &b, err,
			    ERRLEN) == 0);
			CHECK(a.bf_len == b.bf_len &&
			    memcmp(a.bf_data, b.bf_data, a.bf_len) == 0);
			if (k == CODEC_JSON)
				CHECK_STR(a.bf_data, docs[i]);
		}
	}
	/* and the values compare equal */
	CHECK(codec_decode(CODEC_JSON, docs[0], strlen(docs[0]), &v, err,
	    ERRLEN) == 0);
	{
		struct json_object	*w;

		buf_reset(&a);
		CHECK(codec_encode(CODEC_JSON_SORTED, v, &a) == 0);
		CHECK(codec_decode(CODEC_JSON, a.bf_data, a.bf_len, &w, err,
		    ERRLEN) == 0);
		CHECK(json_object_equal(v, w));
		json_object_put(w);
	}
	json_object_put(v);
	buf_free(&a);
	buf_free(&b);
}

/* What codec_json_canonical must answer: decodes, and encodes back as is. */
static int
canon_oracle(const char *doc, size_t len)
{
	struct json_object	*v;
	struct buf		 b;
	char			 err[ERRLEN];
	int			 same;

	if (codec_decode(CODEC_JSON, doc, len, &v, err, sizeof(err)) == -1)
		return 0;
	buf_init(&b, 0);
	CHECK(codec_encode(CODEC_JSON, v, &b) == 0);
	same = b.bf_len == len && memcmp(b.bf_data, doc, len) == 0;
	buf_free(&b);
	json_object_put(v);
	return same;
}

/* Canonical form: accept and reject tables, each checked against decode +
 * encode, and generated numbers and escapes compared with that oracle. */
static void
test_canonical(void)
{
	static const char *yes[] = {
		"{}", "[]", "0", "-1", "1.5", "-0.0", "0.0", "1.0", "100.0",
		"1e-7", "1e21", "0.1", "0.30000000000000004", "100",
		"1.7976931348623157e308", "5e-324", "9223372036854775807",
		"-9223372036854775808", "18446744073709551615", "true",
		"false", "null", "\"\"", "\"a\\\"b\\\\c\"",
		"\"\\b\\f\\n\\r\\t\"", "\"\\u0000\\u001f\\u000b\"",
		"\"/\x7f\"", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
		"{\"a\":1,\"b\":[true,false,null],\"c\":{\"a\":{}}}",
		"{\"a\":{\"x\":1},\"b\":{\"x\":2}}",
		"{\"ab\":1,\"a\":2,\"b\":3,\"\":4}",
		"[{\"k\":1},{\"k\":1}]",
		"{\"\xc3\xa9\":1,\"e\":2}",
		"{\"a\\nb\":1,\"a\\u0001b\":2}",
	};
	static const char *no[] = {
		"", " {}", "{} ", "{ }", "[1, 2]", "{\"a\": 1}", "{\"a\" :1}",
		"[1,2]\n", "-0", "1e5", "1E5", "1.50", "01", "1.", ".5",
		"1e+21", "1.0e-7", "0.10", "1e400", "-", "+1",
		"18446744073709551616", "-9223372036854775809", "NaN",
		"\"\\/\"", "\"\\u0041\"", "\"\\u001F\"", "\"\\u0008\"",
		"\"\\u000a\"", "\"\\u00e9\"", "\"\\ud83d\\ude00\"", "\"\\x\"",
		"\"\x01\"", "\"\xc3\"", "\"\xed\xa0\x80\"", "\"\xc0\xaf\"",
		"\"abc", "{\"a\":1,\"a\":2}", "{\"a\":1,\"b\":2,\"a\":3}",
		"{\"\\u0000\":1}", "[1,]", "{\"a\":1,}", "[", "{\"a\"}",
		"{\"a\":}", "tru", "nul", "truex", "[]]", "{}{}", "{1:2}",
	};
	static const char *nums[] = {
		"0", "1", "-1", "10", "1.0", "1.25", "-1.25", "0.5", "2.0",
		"1e1", "1e16", "1e17", "1e22", "1e23", "12345678901234567.0",
		"1234567890123456.0", "123456789012345678", "0.000001",
		"0.0001", "1e-5", "1e-4", "0.001", "3.14159", "2.5e-8",
		"9007199254740993.0", "9007199254740992.0", "4.9e-324",
		"2.2250738585072014e-308", "1.0e0", "10.0", "1e2", "-0.5",
		"-0.0", "0.00", "123.456", "1e-7", "1.5e300", "1.5e-300",
		"99999999999999999999", "10000000000000000000",
		"18446744073709551615", "18446744073709551616",
		"9999999999999999999", "-9999999999999999999",
		"100000000000000000000", "-18446744073709551615",
		"0.00001", "0.000001", "0.50", "123456789012345.5",
		"12345678901234.5", "1234567890123456.5", "0.000012345678901234",
		"0.00001234567890123", "0.0000123456789012345",
		"999999999999999.0", "9999999999999999.0", "-0.00", "0.1000",
		"-123.456", "-0.000015", "0.999999999999999", "9.5", "95.0",
		"1.0000000000000002", "0.30000000000000004", "-1.0",
	};
	char		 doc[64];
	size_t		 i;
	int		 c;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		CHECK(codec_json_canonical(yes[i], strlen(yes[i])) == 1);
		CHECK(canon_oracle(yes[i], strlen(yes[i])) == 1);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		CHECK(codec_json_canonical(no[i], strlen(no[i])) == 0);
		CHECK(canon_oracle(no[i], strlen(no[i])) == 0);
	}
	/* a NUL inside a string is escaped, raw it is not canonical */
	CHECK(codec_json_canonical("\"a\0\"", 4) == 0);
	CHECK(codec_json_canonical("[1]", 2) == 0);	/* length counts */
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		CHECK_INT(codec_json_canonical(nums[i], strlen(nums[i])),
		    canon_oracle(nums[i], strlen(nums[i])));
	/* generated decimals: digits, point, zeros and lengths at random */
	{
		uint64_t	 x = 0x9e3779b97f4a7c15ULL;
		size_t		 n, k, li, lf;

		for (i = 0; i < 20000; i++) {
			n = 0;
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			if (x & 1)
				doc[n++] = '-';
			li = (size_t)(x >> 8) % 18;
			lf = (size_t)(x >> 16) % 20 + 1;
			if (li == 0)
				doc[n++] = '0';
			for (k = 0; k < li; k++)
				doc[n++] = (char)('0' + (k == 0 ? 1 + (x >> (24 +
				    k)) % 9 : (x >> (20 + 2 * k)) % 10));
			doc[n++] = '.';
			for (k = 0; k < lf; k++)
				doc[n++] = (char)((x >> (3 * k + 1)) % 4 == 0 ?
				    '0' : '0' + (x >> (2 * k + 5)) % 10);
			if ((x >> 60) == 0)
				n += (size_t)snprintf(doc + n, sizeof(doc) - n,
				    "e%d", (int)((x >> 40) % 40) - 20);
			CHECK_INT(codec_json_canonical(doc, n),
			    canon_oracle(doc, n));
		}
	}
	/* one odd byte at every offset of a long string (the wide scans) */
	{
		static const char *const odd[] = {
			"\"", "\\", "\\n", "\\u0001", "\x01", "\x1f", "\x7f",
			"\x80", "\xc3\xa9", "\xed\xa0\x80", " ", "\xff",
		};
		char	 str[80];
		size_t	 o, j, n;

		for (j = 0; j < sizeof(odd) / sizeof(odd[0]); j++)
			for (o = 0; o < 40; o++) {
				n = (size_t)snprintf(str, sizeof(str),
				    "[\"%.*s%s%.*s\"]", (int)o,
				    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
				    odd[j], (int)(39 - o),
				    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
				CHECK_INT(codec_json_canonical(str, n),
				    canon_oracle(str, n));
			}
	}
	/* generated objects: short keys from a few letters, some repeated */
	{
		uint64_t	 x = 0x2545f4914f6cdd1dULL;
		struct buf	 b;
		int		 nk, j, kl, l;

		buf_init(&b, 0);
		for (i = 0; i < 5000; i++) {
			buf_reset(&b);
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			nk = (int)(x % 20);
			CHECK(buf_addc(&b, '{') == 0);
			for (j = 0; j < nk; j++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				CHECK(buf_adds(&b, j > 0 ? ",\"" : "\"") == 0);
				kl = (int)(x % 4);
				for (l = 0; l < kl; l++)
					CHECK(buf_addc(&b, (char)('a' +
					    (x >> (8 + 2 * l)) % 3)) == 0);
				CHECK(buf_adds(&b, "\":0") == 0);
			}
			CHECK(buf_addc(&b, '}') == 0);
			CHECK_INT(codec_json_canonical(b.bf_data, b.bf_len),
			    canon_oracle(b.bf_data, b.bf_len));
		}
		buf_free(&b);
	}
	/* every \u00XX escape and every raw byte in a string */
	for (c = 0; c < 256; c++) {
		snprintf(doc, sizeof(doc), "[\"\\u00%02x\",\"\\u00%02X\"]", c,
		    c);
		CHECK_INT(codec_json_canonical(doc, 10), canon_oracle(doc, 10));
		CHECK_INT(codec_json_canonical(doc + 11, 8),
		    canon_oracle(doc + 11, 8));
		doc[0] = '"';
		doc[1] = (char)c;
		doc[2] = '"';
		CHECK_INT(codec_json_canonical(doc, 3), canon_oracle(doc, 3));
	}
	/* deep nesting up to the decoder's limit, and one more */
	{
		char	*deep;
		size_t	 n;

		for (n = 1023; n <= 1025; n++) {
			if ((deep = malloc(2 * n)) == NULL)
				abort();
			memset(deep, '[', n);
			memset(deep + n, ']', n);
			CHECK_INT(codec_json_canonical(deep, 2 * n),
			    canon_oracle(deep, 2 * n));
			CHECK_INT(codec_json_canonical(deep, 2 * n), n <= 1024);
			free(deep);
		}
	}
	/* many keys: canonical, but past what is compared it says no */
	{
		struct buf	 b;

		buf_init(&b, 0);
		for (c = 0; c < 70; c++) {
			buf_printf(&b, "%s\"k%d\":%d", c == 0 ? "{" : ",", c, c);
			if (c == 10) {
				CHECK(buf_addc(&b, '}') == 0);
				CHECK(codec_json_canonical(b.bf_data, b.bf_len)
				    == 1);
				b.bf_len--;
			}
		}
		CHECK(buf_addc(&b, '}') == 0);
		CHECK(canon_oracle(b.bf_data, b.bf_len) == 1);
		CHECK(codec_json_canonical(b.bf_data, b.bf_len) == 0);
		buf_free(&b);
	}
}

int
main(void)
{
	test_spec();
	test_decode_ok();
	test_decode_types();
	test_decode_errors();
	test_depth();
	test_escapes();
	test_doubles();
	test_ints();
	test_sorted();
	test_string_binary();
	test_buffer();
	test_roundtrip();
	test_canonical();
	return check_done();
}
