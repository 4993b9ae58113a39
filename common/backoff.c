/* SPDX-License-Identifier: ISC */
/*
 * Reconnect arithmetic (see backoff.h): attempt counting since the last
 * success and the growing, optionally randomized, waits between attempts.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"

/* Uniform in [lo, hi] from arc4random. */
static uint64_t
backoff_arc4(uint64_t lo, uint64_t hi, void *arg)
{
	uint64_t	 r;

	(void)arg;
	if (hi <= lo)
		return lo;
	if (hi - lo < UINT32_MAX)
		return lo + arc4random_uniform((uint32_t)(hi - lo + 1));
	arc4random_buf(&r, sizeof(r));
	return lo + r % (hi - lo + 1);
}

/* An unsigned integer member, or dflt when absent. */
static int
backoff_uint(struct json_object *o, const char *key, uint64_t dflt,
    uint64_t *out)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL) {
		*out = dflt;
		return 0;
	}
	if (!json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 0)
		return -1;
	*out = (uint64_t)json_object_get_int64(v);
	return 0;
}

/* Parse the policy (see backoff.h). */
int
backoff_from_json(struct backoff *b, struct json_object *v, char *err,
    size_t errlen)
{
	struct json_object	*r, *o;

	memset(b, 0, sizeof(*b));
	if (v == NULL || (json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), "none") == 0))
		return 0;
	if (!json_object_is_type(v, json_type_object) ||
	    !json_object_object_get_ex(v, "retry", &r) ||
	    !json_object_is_type(r, json_type_object)) {
		snprintf(err, errlen, "reconnect must be \"none\" or "
		    "{\"retry\": {...}}");
		return -1;
	}
	b->bo_retry = 1;
	if (!json_object_object_get_ex(r, "interval_ms", &o) ||
	    backoff_uint(r, "interval_ms", 0, &b->bo_interval) == -1) {
		snprintf(err, errlen, "reconnect retry needs an integer "
		    "\"interval_ms\"");
		return -1;
	}
	if (backoff_uint(r, "max_retries", UINT64_MAX, &b->bo_max) == -1) {
		snprintf(err, errlen, "\"max_retries\" must be an integer");
		return -1;
	}
	b->bo_growth = 1.5;
	if (json_object_object_get_ex(r, "growth_rate", &o) && o != NULL) {
		if (!json_object_is_type(o, json_type_int) &&
		    !json_object_is_type(o, json_type_double)) {
			snprintf(err, errlen, "\"growth_rate\" must be a "
			    "number");
			return -1;
		}
		b->bo_growth = json_object_get_double(o);
		if (!(b->bo_growth > 0) || !isfinite(b->bo_growth)) {
			snprintf(err, errlen, "\"growth_rate\" must be "
			    "positive");
			return -1;
		}
	}
	b->bo_random = 1;
	if (json_object_object_get_ex(r, "randomized", &o) && o != NULL) {
		if (!json_object_is_type(o, json_type_boolean)) {
			snprintf(err, errlen, "\"randomized\" must be a bool");
			return -1;
		}
		b->bo_random = json_object_get_boolean(o);
	}
	if (b->bo_interval > BACKOFF_WAIT_MAX)
		b->bo_interval = BACKOFF_WAIT_MAX;
	return 0;
}

/* A connection was established: counters and interval reset. */
void
backoff_success(struct backoff *b)
{
	b->bo_attempts++;
	b->bo_failures = 0;
	b->bo_prev = 0;
}

/* The next wait of the retry policy; it becomes the previous one. */
static uint64_t
backoff_next(struct backoff *b)
{
	backoff_rand_fn	 rnd = b->bo_rand != NULL ? b->bo_rand : backoff_arc4;
	double		 d;
	uint64_t	 next, w;

	if (b->bo_prev == 0)
		w = b->bo_interval;
	else {
		d = (double)b->bo_prev * b->bo_growth;	/* truncated below */
		next = d >= (double)BACKOFF_WAIT_MAX ? BACKOFF_WAIT_MAX :
		    (uint64_t)d;
		if (!b->bo_random)
			w = next;
		else if (next >= b->bo_prev)
			w = rnd(b->bo_prev, next, b->bo_rand_arg);
		else
			w = rnd(next, b->bo_prev, b->bo_rand_arg);
	}
	b->bo_prev = w;
	return w;
}

/* The wait before reconnecting after a loss. */
int
backoff_lost(struct backoff *b, uint64_t *wait)
{
	if (!b->bo_retry) {
		*wait = BACKOFF_NONE_MS;
		return 0;
	}
	b->bo_prev = 0;
	*wait = backoff_next(b);
	return 0;
}

/* The wait after a failed attempt, or -1 to give up. */
int
backoff_failed(struct backoff *b, uint64_t *wait)
{
	b->bo_attempts++;
	b->bo_failures++;
	*wait = 0;
	/* "none": only the attempt right after a loss; it failed. */
	if (!b->bo_retry)
		return -1;
	if (b->bo_failures >= b->bo_max)
		return -1;
	*wait = backoff_next(b);
	return 0;
}

/* A one-line description for logs. */
const char *
backoff_describe(const struct backoff *b, char *out, size_t len)
{
	char	 max[32];

	if (!b->bo_retry) {
		(void)strlcpy(out, "none", len);
		return out;
	}
	if (b->bo_max == UINT64_MAX)
		(void)strlcpy(max, "unlimited", sizeof(max));
	else
		snprintf(max, sizeof(max), "%llu",
		    (unsigned long long)b->bo_max);
	snprintf(out, len, "retry every %llu ms, growth %g%s, at most %s "
	    "attempts", (unsigned long long)b->bo_interval, b->bo_growth,
	    b->bo_random ? ", randomized" : "", max);
	return out;
}
