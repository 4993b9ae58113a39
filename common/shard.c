/* SPDX-License-Identifier: ISC */
/*
 * Stream to relay instance (see shard.h).  A stream id is a counter with
 * its ws_server instance in the top byte and the restart count above bit
 * 40, so the key is mixed (a 64-bit finalizer) before the modulo: the
 * low bits alone would put the streams of one client pattern together.
 */
#include "config.h"

#include "shard.h"

/* Mix the bits of x so that each input bit moves about half the output. */
static uint64_t
shard_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* The instance owning a stream (see shard.h). */
int
shard_pick(uint32_t origin, uint64_t stream, int n)
{
	if (n < 2)
		return 0;
	return (int)(shard_mix(stream ^ shard_mix(origin)) % (uint64_t)n);
}
