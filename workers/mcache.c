/* SPDX-License-Identifier: ISC */
/*
 * The metadata cache (mcache.h): MC_SLOTS direct-mapped slots, indexed by
 * a hash of the text or of the object's address.  A store replaces what
 * the slot held; texts longer than MC_TEXT_MAX are not kept.  Both ways
 * of finding use one slot array, but a cache is used one way only.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcache.h"

/* Release what the cache holds. */
void
mc_clear(struct mcache *mc)
{
	int	 i;

	if (mc->mc_slots == NULL)
		return;
	for (i = 0; i < MC_SLOTS; i++) {
		json_object_put(mc->mc_slots[i].ms_obj);
		free(mc->mc_slots[i].ms_text);
	}
	free(mc->mc_slots);
	mc->mc_slots = NULL;
}

/* The slot of a text (FNV-1a). */
static size_t
mc_text_slot(const char *s, size_t len)
{
	uint32_t	 h = 2166136261u;
	size_t		 i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h % MC_SLOTS;
}

/* The slot of an object (its address, past the allocator's alignment). */
static size_t
mc_obj_slot(struct json_object *obj)
{
	return ((uintptr_t)obj >> 4) % MC_SLOTS;
}

/* Keep obj and its text in slot i (the slots made on first use). */
static void
mc_put(struct mcache *mc, size_t i, struct json_object *obj,
    const char *text, size_t len)
{
	struct mc_slot	*sl;
	char		*copy;

	if (len > MC_TEXT_MAX)
		return;
	if (mc->mc_slots == NULL &&
	    (mc->mc_slots = calloc(MC_SLOTS, sizeof(*mc->mc_slots))) == NULL)
		return;
	if ((copy = malloc(len + 1)) == NULL)
		return;
	memcpy(copy, text, len);
	copy[len] = '\0';
	sl = &mc->mc_slots[i];
	json_object_put(sl->ms_obj);
	free(sl->ms_text);
	sl->ms_obj = json_object_get(obj);
	sl->ms_text = copy;
	sl->ms_len = len;
}

/* The object kept for text, with a new reference. */
struct json_object *
mc_by_text(struct mcache *mc, const char *s, size_t len)
{
	struct mc_slot	*sl;

	if (mc->mc_slots == NULL)
		return NULL;
	sl = &mc->mc_slots[mc_text_slot(s, len)];
	if (sl->ms_obj != NULL && sl->ms_len == len &&
	    memcmp(sl->ms_text, s, len) == 0)
		return json_object_get(sl->ms_obj);
	return NULL;
}

/* Keep obj for its text. */
void
mc_put_text(struct mcache *mc, struct json_object *obj, const char *s,
    size_t len)
{
	mc_put(mc, mc_text_slot(s, len), obj, s, len);
}

/* The text kept for obj. */
const char *
mc_by_obj(struct mcache *mc, struct json_object *obj, size_t *len)
{
	struct mc_slot	*sl;

	if (mc->mc_slots == NULL || obj == NULL)
		return NULL;
	sl = &mc->mc_slots[mc_obj_slot(obj)];
	if (sl->ms_obj != obj)
		return NULL;
	*len = sl->ms_len;
	return sl->ms_text;
}

/* Keep the text of obj. */
void
mc_put_obj(struct mcache *mc, struct json_object *obj, const char *s,
    size_t len)
{
	mc_put(mc, mc_obj_slot(obj), obj, s, len);
}
