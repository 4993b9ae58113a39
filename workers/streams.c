/* SPDX-License-Identifier: ISC */
/*
 * The stream table of a source (streams.h): a fixed array of slots, a
 * power-of-two bucket array of slot numbers (+1, 0 ends a chain) and a
 * free list threaded through the slots.  Lookups, inserts and drops cost
 * one hash and a short chain walk; nothing is allocated after stab_new.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "streams.h"

/* A table for max live streams, allocated once. */
struct stab *
stab_new(int max)
{
	struct stab	*t;
	uint32_t	 n = 16;

	if (max <= 0)
		max = WK_MAX_STREAMS;
	if (max > WK_MAX_CONNS)
		max = WK_MAX_CONNS;
	while (n < (uint32_t)max)
		n <<= 1;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->sb_max = max;
	t->sb_mask = n - 1;
	t->sb_slots = calloc((size_t)max, sizeof(*t->sb_slots));
	t->sb_hash = calloc(n, sizeof(*t->sb_hash));
	if (t->sb_slots == NULL || t->sb_hash == NULL) {
		stab_free(t);
		return NULL;
	}
	return t;
}

/* Release the table (NULL is fine). */
void
stab_free(struct stab *t)
{
	if (t == NULL)
		return;
	free(t->sb_slots);
	free(t->sb_hash);
	free(t);
}

/* The bucket an id hashes to. */
uint32_t
stab_bucket(const struct stab *t, uint64_t id)
{
	id ^= id >> 29;
	id *= 0xbf58476d1ce4e5b9ULL;
	id ^= id >> 32;
	return (uint32_t)(id & t->sb_mask);
}

/* The stream id if it lives, else NULL. */
struct stab_stream *
stab_find(struct stab *t, uint64_t id)
{
	int	 i;

	for (i = t->sb_hash[stab_bucket(t, id)]; i != 0;
	    i = t->sb_slots[i - 1].ss_next)
		if (t->sb_slots[i - 1].ss_id == id)
			return &t->sb_slots[i - 1];
	return NULL;
}

/* Find or create the stream id (at most sb_max live). */
struct stab_stream *
stab_get(struct stab *t, uint64_t id, int *created)
{
	struct stab_stream	*st;
	int			*head, i;

	*created = 0;
	if ((st = stab_find(t, id)) != NULL)
		return st;
	if (t->sb_free != 0) {
		i = t->sb_free;
		t->sb_free = t->sb_slots[i - 1].ss_next;
	} else if (t->sb_high < t->sb_max)
		i = ++t->sb_high;
	else
		return NULL;
	head = &t->sb_hash[stab_bucket(t, id)];
	st = &t->sb_slots[i - 1];
	memset(st, 0, sizeof(*st));
	st->ss_used = 1;
	st->ss_id = id;
	st->ss_next = *head;
	*head = i;
	t->sb_live++;
	*created = 1;
	return st;
}

/* Forget a stream: unhash its slot and put it on the free list. */
void
stab_drop(struct stab *t, struct stab_stream *st)
{
	int	*link, i = (int)(st - t->sb_slots) + 1;

	if (!st->ss_used)
		return;
	for (link = &t->sb_hash[stab_bucket(t, st->ss_id)]; *link != 0;
	    link = &t->sb_slots[*link - 1].ss_next)
		if (*link == i) {
			*link = st->ss_next;
			break;
		}
	st->ss_used = 0;
	st->ss_next = t->sb_free;
	t->sb_free = i;
	t->sb_live--;
}

/* Call fn on every live stream, in slot order. */
void
stab_foreach(struct stab *t, void (*fn)(struct stab_stream *, void *),
    void *arg)
{
	int	 i;

	for (i = 0; i < t->sb_high; i++)
		if (t->sb_slots[i].ss_used)
			fn(&t->sb_slots[i], arg);
}
