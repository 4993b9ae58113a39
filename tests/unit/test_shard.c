/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for common/shard: a stream always goes to the same relay
 * instance, in range, and the streams of ws_server instances (ids with
 * the instance in the top byte) spread over all relay instances.
 */
#include "config.h"

#include <stdint.h>

#include "check.h"
#include "shard.h"

/* One instance, or none: always 0. */
static void
test_single(void)
{
	CHECK_INT(shard_pick(3, 12345, 1), 0);
	CHECK_INT(shard_pick(3, 12345, 0), 0);
	CHECK_INT(shard_pick(3, 12345, -4), 0);
}

/* The same stream of the same origin: the same instance, in range. */
static void
test_stable(void)
{
	uint64_t	 s;
	int		 n, k;

	for (n = 2; n <= 256; n *= 2)
		for (s = 0; s < 1000; s++) {
			k = shard_pick(7, s, n);
			CHECK_MSG(k >= 0 && k < n, "stream %llu of %d: %d",
			    (unsigned long long)s, n, k);
			CHECK_INT(shard_pick(7, s, n), k);
		}
}

/* Consecutive ids of each ws_server instance and restart spread evenly. */
static void
test_spread(void)
{
	uint64_t	 base, s;
	int		 count[3], inst, n, k;

	for (inst = 0; inst < 4; inst++) {
		base = (uint64_t)inst << 56 | (uint64_t)1 << 40;
		for (n = 2; n <= 3; n++) {
			count[0] = count[1] = count[2] = 0;
			for (s = 1; s <= 3000; s++)
				count[shard_pick(4 + inst, base + s, n)]++;
			for (k = 0; k < n; k++)
				CHECK_MSG(count[k] > 3000 / n * 8 / 10,
				    "instance %d of %d got %d of 3000", k, n,
				    count[k]);
		}
	}
	/* the same stream id from two origins is two streams */
	for (s = 1, k = 0; s <= 64; s++)
		k += shard_pick(1, s, 2) != shard_pick(2, s, 2);
	CHECK_MSG(k > 8, "origin changes the pick for %d of 64", k);
}

int
main(void)
{
	test_single();
	test_stable();
	test_spread();
	return check_done();
}
