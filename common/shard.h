/* SPDX-License-Identifier: ISC */
/*
 * Which of a relay's instances owns a stream: every event of one stream
 * goes to the same instance, which holds the stream's upstream
 * connection; streams spread evenly over the instances.  Pure.
 */
#ifndef SHARD_H
#define SHARD_H

#include <stdint.h>

/* The instance, 0..n-1, owning stream of origin worker; 0 when n < 2. */
int	shard_pick(uint32_t origin, uint64_t stream, int n);

#endif
