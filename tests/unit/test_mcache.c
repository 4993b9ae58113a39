/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for workers/mcache.c: an empty (zeroed) cache, found by text
 * and by object, a text that differs in one byte or in length, eviction
 * when more texts or objects than slots repeat, texts longer than
 * MC_TEXT_MAX never kept, and references held and released.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "check.h"
#include "mcache.h"

/* By text: same text, same object; other texts miss. */
static void
test_text(void)
{
	struct mcache		 mc;
	struct json_object	*o, *got;
	const char		*s = "{\"k\":1}";

	memset(&mc, 0, sizeof(mc));
	CHECK(mc_by_text(&mc, s, strlen(s)) == NULL);	/* empty */
	CHECK(mc.mc_slots == NULL);
	o = json_tokener_parse(s);
	mc_put_text(&mc, o, s, strlen(s));
	json_object_put(o);			/* the cache holds it */
	got = mc_by_text(&mc, s, strlen(s));
	CHECK(got == o);
	CHECK_STR(json_object_to_json_string_ext(got,
	    JSON_C_TO_STRING_PLAIN), s);
	json_object_put(got);
	CHECK(mc_by_text(&mc, "{\"k\":2}", 7) == NULL);
	CHECK(mc_by_text(&mc, s, strlen(s) - 1) == NULL);
	CHECK(mc_by_text(&mc, "", 0) == NULL);
	mc_clear(&mc);
	CHECK(mc.mc_slots == NULL);
	CHECK(mc_by_text(&mc, s, strlen(s)) == NULL);
	mc_clear(&mc);				/* twice: no harm */
}

/* By object: the text kept while a reference pins the object. */
static void
test_obj(void)
{
	struct mcache		 mc;
	struct json_object	*o, *p;
	const char		*t;
	size_t			 len = 0;

	memset(&mc, 0, sizeof(mc));
	o = json_object_new_object();
	p = json_object_new_object();
	CHECK(mc_by_obj(&mc, o, &len) == NULL);
	mc_put_obj(&mc, o, "{}", 2);
	CHECK((t = mc_by_obj(&mc, o, &len)) != NULL && len == 2 &&
	    strcmp(t, "{}") == 0);
	CHECK(mc_by_obj(&mc, NULL, &len) == NULL);
	if (((uintptr_t)o >> 4) % MC_SLOTS != ((uintptr_t)p >> 4) % MC_SLOTS)
		CHECK(mc_by_obj(&mc, p, &len) == NULL);
	/* the cache's reference keeps o alive after ours is gone */
	json_object_put(o);
	CHECK(mc_by_obj(&mc, o, &len) != NULL);
	mc_clear(&mc);
	json_object_put(p);
}

/* More texts than slots: the newest is always kept, some older ones are
 * evicted, and an evicted text stored again is found again. */
static void
test_evict(void)
{
	struct mcache		 mc;
	struct json_object	*o[MC_SLOTS + 1], *got;
	char			 s[MC_SLOTS + 1][32];
	size_t			 len;
	int			 i, hits = 0, miss = -1;

	memset(&mc, 0, sizeof(mc));
	for (i = 0; i <= MC_SLOTS; i++) {
		snprintf(s[i], sizeof(s[i]), "{\"n\":%d}", i);
		o[i] = json_tokener_parse(s[i]);
		mc_put_text(&mc, o[i], s[i], strlen(s[i]));
		got = mc_by_text(&mc, s[i], strlen(s[i]));
		CHECK(got == o[i]);
		json_object_put(got);
	}
	for (i = 0; i <= MC_SLOTS; i++) {
		if ((got = mc_by_text(&mc, s[i], strlen(s[i]))) != NULL) {
			CHECK(got == o[i]);
			hits++;
		} else
			miss = i;
		json_object_put(got);
	}
	CHECK(hits <= MC_SLOTS);		/* one slot each at most */
	CHECK(miss >= 0);
	if (miss >= 0) {
		mc_put_text(&mc, o[miss], s[miss], strlen(s[miss]));
		got = mc_by_text(&mc, s[miss], strlen(s[miss]));
		CHECK(got == o[miss]);
		json_object_put(got);
	}
	for (i = 0; i <= MC_SLOTS; i++)
		json_object_put(o[i]);
	mc_clear(&mc);
	/* objects alike: more than MC_SLOTS live objects evict */
	memset(&mc, 0, sizeof(mc));
	hits = 0;
	for (i = 0; i <= MC_SLOTS; i++) {
		o[i] = json_object_new_int(i);
		mc_put_obj(&mc, o[i], s[i], strlen(s[i]));
	}
	for (i = 0; i <= MC_SLOTS; i++)
		if (mc_by_obj(&mc, o[i], &len) != NULL)
			hits++;
	CHECK(hits <= MC_SLOTS);
	/* the newest is kept */
	CHECK(mc_by_obj(&mc, o[MC_SLOTS], &len) != NULL &&
	    len == strlen(s[MC_SLOTS]));
	for (i = 0; i <= MC_SLOTS; i++)
		json_object_put(o[i]);
	mc_clear(&mc);
}

/* A text longer than MC_TEXT_MAX is not kept, nor does it evict. */
static void
test_long(void)
{
	struct mcache		 mc;
	struct json_object	*o, *got;
	char			*s;
	size_t			 len, tlen;

	memset(&mc, 0, sizeof(mc));
	for (len = MC_TEXT_MAX; len <= MC_TEXT_MAX + 1; len++) {
		CHECK((s = malloc(len + 1)) != NULL);
		memset(s, 'a', len);
		s[0] = s[len - 1] = '"';
		s[len] = '\0';
		o = json_tokener_parse(s);
		CHECK(o != NULL);
		mc_put_text(&mc, o, s, len);
		got = mc_by_text(&mc, s, len);
		if (len == MC_TEXT_MAX)
			CHECK(got == o);	/* at the limit: kept */
		else
			CHECK(got == NULL);
		json_object_put(got);
		mc_put_obj(&mc, o, s, len);
		if (len == MC_TEXT_MAX)
			CHECK(mc_by_obj(&mc, o, &tlen) != NULL &&
			    tlen == len);
		else
			CHECK(mc_by_obj(&mc, o, &tlen) == NULL);
		json_object_put(o);
		free(s);
	}
	mc_clear(&mc);
	/* too long as the first store: no slots made at all */
	CHECK((s = calloc(1, MC_TEXT_MAX + 2)) != NULL);
	memset(s, ' ', MC_TEXT_MAX + 1);
	mc_put_text(&mc, NULL, s, MC_TEXT_MAX + 1);
	CHECK(mc.mc_slots == NULL);
	free(s);
	mc_clear(&mc);
}

int
main(void)
{
	test_text();
	test_obj();
	test_evict();
	test_long();
	return check_done();
}
