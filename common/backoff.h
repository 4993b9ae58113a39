/* SPDX-License-Identifier: ISC */
/*
 * Reconnect policy of a connector (troy `reconnect`), as Tremor defines
 * it: "none" retries once, after 1 s, only when an established connection
 * is lost; {"retry": {...}} waits interval_ms, then each wait is the
 * previous one times growth_rate (truncated to whole milliseconds; with
 * randomized, a uniform pick between the previous and the next value),
 * and gives up once max_retries attempts since the last success failed.
 * Pure arithmetic: the caller owns timers and randomness.
 */
#ifndef WSFLOW_BACKOFF_H
#define WSFLOW_BACKOFF_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#define BACKOFF_NONE_MS		1000	/* the one retry of "none" */
#define BACKOFF_WAIT_MAX	(24ULL * 3600 * 1000)	/* overflow guard */

/* Uniform integer in [lo, hi]. */
typedef uint64_t (*backoff_rand_fn)(uint64_t, uint64_t, void *);

struct backoff {
	int		 bo_retry;	/* 0: "none" */
	uint64_t	 bo_interval;	/* ms */
	double		 bo_growth;
	uint64_t	 bo_max;	/* failures allowed, UINT64_MAX */
	int		 bo_random;
	backoff_rand_fn	 bo_rand;	/* NULL: arc4random */
	void		*bo_rand_arg;
	uint64_t	 bo_failures;	/* failed attempts since success */
	uint64_t	 bo_prev;	/* last wait, 0: none since success */
	uint64_t	 bo_attempts;	/* all attempts, for logs */
};

/* Read a connector's effective "reconnect" value ("none" or
 * {"retry": {...}}); NULL means "none". */
int	 backoff_from_json(struct backoff *, struct json_object *, char *,
	    size_t);
/* A connection was established. */
void	 backoff_success(struct backoff *);
/* An established connection was lost: 0 and the wait before the first
 * attempt, or -1 (never happens today: both policies retry once). */
int	 backoff_lost(struct backoff *, uint64_t *);
/* A connect attempt failed: 0 and the wait before the next, or -1 when
 * the policy gives up. */
int	 backoff_failed(struct backoff *, uint64_t *);
/* "none", or "retry 500 ms x2 max 3" for logs. */
const char *backoff_describe(const struct backoff *, char *, size_t);

#endif
