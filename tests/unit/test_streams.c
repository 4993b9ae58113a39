/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for workers/streams.c: sizes and the ceiling, lookup and
 * creation, a full table, slot reuse after a drop (and the free list's
 * order), ids that share a bucket (dropped from the head, the middle and
 * the end of a chain) and iteration over live streams.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "streams.h"

/* Sizes: the default, a maximum above it, the ceiling. */
static void
test_sizes(void)
{
	struct stab	*t;

	CHECK((t = stab_new(0)) != NULL);
	CHECK_INT(t->sb_max, WK_MAX_STREAMS);
	CHECK_INT(t->sb_mask, WK_MAX_STREAMS - 1);
	stab_free(t);
	CHECK((t = stab_new(3000)) != NULL);
	CHECK_INT(t->sb_max, 3000);
	CHECK_INT(t->sb_mask, 4095);
	stab_free(t);
	CHECK((t = stab_new(1)) != NULL);
	CHECK_INT(t->sb_max, 1);
	CHECK_INT(t->sb_mask, 15);		/* 16 buckets at least */
	stab_free(t);
	/* the ceiling holds whatever a connector asks for */
	CHECK((t = stab_new(WK_MAX_CONNS + 1)) != NULL);
	CHECK_INT(t->sb_max, WK_MAX_CONNS);
	CHECK_INT(t->sb_mask, WK_MAX_CONNS - 1);
	stab_free(t);
	stab_free(NULL);
}

/* Found by id, full at sb_max, a dropped slot reused first. */
static void
test_full_reuse(void)
{
	struct stab		*t;
	struct stab_stream	*st, *a, *b;
	int			 i, created;

	CHECK((t = stab_new(100)) != NULL);
	for (i = 0; i < 100; i++) {
		st = stab_get(t, (uint64_t)i * 7919, &created);
		CHECK(st != NULL && created && st->ss_id == (uint64_t)i * 7919);
		st->ss_pull = (uint64_t)i;
	}
	CHECK_INT(t->sb_live, 100);
	CHECK(stab_get(t, UINT64_MAX, &created) == NULL);	/* full */
	CHECK(!created);
	CHECK(stab_find(t, UINT64_MAX) == NULL);
	/* an existing one is still found, not created */
	st = stab_get(t, 42 * 7919, &created);
	CHECK(st != NULL && !created && st->ss_pull == 42);
	/* drop two: the last dropped slot is taken first, zeroed */
	a = stab_find(t, 10 * 7919);
	b = stab_find(t, 20 * 7919);
	CHECK(a != NULL && b != NULL);
	stab_drop(t, a);
	stab_drop(t, b);
	stab_drop(t, b);			/* twice: no harm */
	CHECK_INT(t->sb_live, 98);
	CHECK(stab_find(t, 10 * 7919) == NULL);
	st = stab_get(t, UINT64_MAX, &created);
	CHECK(st == b && created && st->ss_pull == 0);
	st = stab_get(t, UINT64_MAX - 1, &created);
	CHECK(st == a && created);
	CHECK(stab_get(t, UINT64_MAX - 2, &created) == NULL);
	CHECK_INT(t->sb_high, 100);		/* no slot beyond the max */
	/* a dropped id comes back as a new stream */
	stab_drop(t, stab_find(t, 0));
	st = stab_get(t, 0, &created);
	CHECK(st != NULL && created && st->ss_pull == 0);
	stab_free(t);
}

/* Ids sharing a bucket: each found, dropped anywhere in the chain. */
static void
test_collisions(void)
{
	struct stab		*t;
	struct stab_stream	*st;
	uint64_t		 ids[5], id;
	uint32_t		 b;
	int			 n = 0, i, created;

	CHECK((t = stab_new(16)) != NULL);
	b = stab_bucket(t, 1);
	for (id = 1; n < 5; id++)
		if (stab_bucket(t, id) == b)
			ids[n++] = id;
	for (i = 0; i < 5; i++)
		CHECK(stab_get(t, ids[i], &created) != NULL && created);
	/* a neighbour in another bucket */
	for (id = 1; stab_bucket(t, id) == b; id++)
		;
	CHECK(stab_get(t, id, &created) != NULL && created);
	for (i = 0; i < 5; i++)
		CHECK((st = stab_find(t, ids[i])) != NULL &&
		    st->ss_id == ids[i]);
	/* the head (newest), the middle, the tail (oldest) */
	stab_drop(t, stab_find(t, ids[4]));
	stab_drop(t, stab_find(t, ids[2]));
	stab_drop(t, stab_find(t, ids[0]));
	CHECK(stab_find(t, ids[4]) == NULL);
	CHECK(stab_find(t, ids[2]) == NULL);
	CHECK(stab_find(t, ids[0]) == NULL);
	CHECK(stab_find(t, ids[1]) != NULL);
	CHECK(stab_find(t, ids[3]) != NULL);
	CHECK(stab_find(t, id) != NULL);
	/* and back in */
	CHECK(stab_get(t, ids[2], &created) != NULL && created);
	CHECK(stab_find(t, ids[2]) != NULL && stab_find(t, ids[1]) != NULL);
	CHECK_INT(t->sb_live, 4);
	stab_free(t);
}

/* stab_foreach: counts live streams; drop them all from inside. */
static void
t_count(struct stab_stream *st, void *arg)
{
	(void)st;
	(*(int *)arg)++;
}

/* stab_foreach callback: drop the stream. */
static void
t_drop(struct stab_stream *st, void *arg)
{
	stab_drop(arg, st);
}

/* Iteration visits live streams only; a callback may drop its own. */
static void
test_foreach(void)
{
	struct stab	*t;
	int		 i, n = 0, created;

	CHECK((t = stab_new(50)) != NULL);
	for (i = 0; i < 50; i++)
		CHECK(stab_get(t, (uint64_t)i, &created) != NULL);
	for (i = 0; i < 50; i += 3)
		stab_drop(t, stab_find(t, (uint64_t)i));
	stab_foreach(t, t_count, &n);
	CHECK_INT(n, t->sb_live);
	CHECK_INT(n, 33);
	stab_foreach(t, t_drop, t);
	CHECK_INT(t->sb_live, 0);
	n = 0;
	stab_foreach(t, t_count, &n);
	CHECK_INT(n, 0);
	/* every slot free again */
	for (i = 0; i < 50; i++)
		CHECK(stab_get(t, (uint64_t)i + 1000, &created) != NULL);
	CHECK(stab_get(t, 0, &created) == NULL);
	stab_free(t);
}

int
main(void)
{
	test_sizes();
	test_full_reuse();
	test_collisions();
	test_foreach();
	return check_done();
}
