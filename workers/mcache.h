/* SPDX-License-Identifier: ISC */
/*
 * A small cache of event metadata: objects and their JSON text, kept
 * while they repeat (a source sends the same metadata for every event of
 * a connection).  Found by text on the receiving side of a route (the
 * text parsed once) or by object on the sending side (the object
 * serialised once).  A zeroed struct mcache is an empty cache; its slots
 * are allocated on the first store.
 */
#ifndef WSFLOW_MCACHE_H
#define WSFLOW_MCACHE_H

#include <stddef.h>

#include <json-c/json.h>

#define MC_TEXT_MAX	1024	/* longest text kept */
#define MC_SLOTS	64	/* texts kept per cache */

/* One metadata object and its text. */
struct mc_slot {
	struct json_object	*ms_obj;	/* a reference pins it */
	char			*ms_text;
	size_t			 ms_len;
};

struct mcache {
	struct mc_slot		*mc_slots;	/* MC_SLOTS or NULL */
};

/* Release what the cache holds; it is empty (and usable) again. */
void			 mc_clear(struct mcache *);
/* The object kept for text, with a new reference; NULL if none. */
struct json_object	*mc_by_text(struct mcache *, const char *, size_t);
/* Keep obj for its text (found by mc_by_text). */
void			 mc_put_text(struct mcache *, struct json_object *,
			    const char *, size_t);
/* The text kept for obj (its length in *len); NULL if none. */
const char		*mc_by_obj(struct mcache *, struct json_object *,
			    size_t *);
/* Keep the text of obj (found by mc_by_obj). */
void			 mc_put_obj(struct mcache *, struct json_object *,
			    const char *, size_t);

#endif
