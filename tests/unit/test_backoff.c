/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for common/backoff: Tremor's reconnect arithmetic, including
 * the documented 500 ms / growth 2 / 3 attempts example.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "check.h"

/* Deterministic "random": always the upper (or lower) end. */
static uint64_t
pick(uint64_t lo, uint64_t hi, void *arg)
{
	return *(int *)arg ? hi : lo;
}

static struct json_object *
conf(const char *s)
{
	return json_tokener_parse(s);
}

/* Parse a policy; returns 0 or -1. */
static int
load(struct backoff *b, const char *s)
{
	struct json_object	*o = conf(s);
	char			 err[128];
	int			 r;

	r = backoff_from_json(b, o, err, sizeof(err));
	json_object_put(o);
	return r;
}

int
main(void)
{
	struct backoff	 b;
	uint64_t	 w;
	int		 hi = 1, i, n;
	char		 d[128];

	/* "none": first failure is final; a loss gets one retry after 1 s. */
	CHECK_INT(backoff_from_json(&b, NULL, d, sizeof(d)), 0);
	CHECK_INT(b.bo_retry, 0);
	CHECK_INT(backoff_failed(&b, &w), -1);
	CHECK_INT(load(&b, "\"none\""), 0);
	backoff_success(&b);
	CHECK_INT(backoff_lost(&b, &w), 0);
	CHECK_INT(w, 1000);
	CHECK_INT(backoff_failed(&b, &w), -1);
	CHECK_STR(backoff_describe(&b, d, sizeof(d)), "none");

	/* The seed's example, not randomized: 500, 1000, give up. */
	CHECK_INT(load(&b, "{\"retry\": {\"interval_ms\": 500, "
	    "\"growth_rate\": 2, \"max_retries\": 3, \"randomized\": false}}"),
	    0);
	CHECK_INT(b.bo_retry, 1);
	CHECK_INT(backoff_failed(&b, &w), 0);
	CHECK_INT(w, 500);
	CHECK_INT(backoff_failed(&b, &w), 0);
	CHECK_INT(w, 1000);
	CHECK_INT(backoff_failed(&b, &w), -1);
	CHECK_INT(b.bo_attempts, 3);

	/* Success resets both the count and the interval. */
	backoff_success(&b);
	CHECK_INT(backoff_failed(&b, &w), 0);
	CHECK_INT(w, 500);
	backoff_success(&b);
	CHECK_INT(backoff_lost(&b, &w), 0);
	CHECK_INT(w, 500);
	CHECK_INT(backoff_failed(&b, &w), 0);
	CHECK_INT(w, 1000);
	CHECK_INT(backoff_failed(&b, &w), 0);
	CHECK_INT(w, 2000);
	CHECK_INT(backoff_failed(&b, &w), -1);

	/* Randomized (the default): between the previous and the next. */
	CHECK_INT(load(&b, "{\"retry\": {\"interval_ms\": 500, "
	    "\"growth_rate\": 2, \"max_retries\": 3}}"), 0);
	CHECK_INT(b.bo_random, 1);
	b.bo_rand = pick;
	b.bo_rand_arg = &hi;
	CHECK_INT(backoff_failed(&b, &w), 0);
	CHECK_INT(w, 500);
	hi = 0;
	CHECK_INT(backoff_failed(&b, &w), 0);
	CHECK_INT(w, 500);		/* picked the low end: prev stays */
	CHECK_INT(backoff_failed(&b, &w), -1);
	b.bo_rand = NULL;		/* arc4random stays in range */
	for (i = 0; i < 100; i++) {
		backoff_success(&b);
		(void)backoff_failed(&b, &w);
		CHECK_INT(w, 500);
		(void)backoff_failed(&b, &w);
		CHECK(w >= 500 && w <= 1000);
	}

	/* Defaults: growth 1.5, no limit; truncation to whole ms. */
	CHECK_INT(load(&b, "{\"retry\": {\"interval_ms\": 3, "
	    "\"randomized\": false}}"), 0);
	CHECK(b.bo_growth == 1.5);
	CHECK(b.bo_max == UINT64_MAX);
	CHECK_INT(backoff_failed(&b, &w), 0);
	CHECK_INT(w, 3);
	CHECK_INT(backoff_failed(&b, &w), 0);
	CHECK_INT(w, 4);		/* 4.5 truncated */
	CHECK_INT(backoff_failed(&b, &w), 0);
	CHECK_INT(w, 6);
	for (n = 0; n < 200; n++)
		CHECK_INT(backoff_failed(&b, &w), 0);
	CHECK(w <= BACKOFF_WAIT_MAX);	/* no overflow */
	CHECK_STR(backoff_describe(&b, d, sizeof(d)),
	    "retry every 3 ms, growth 1.5, at most unlimited attempts");

	/* Shrinking growth picks between next and previous. */
	CHECK_INT(load(&b, "{\"retry\": {\"interval_ms\": 1000, "
	    "\"growth_rate\": 0.5, \"max_retries\": 10}}"), 0);
	hi = 1;
	b.bo_rand = pick;
	b.bo_rand_arg = &hi;
	CHECK_INT(backoff_failed(&b, &w), 0);
	CHECK_INT(w, 1000);
	CHECK_INT(backoff_failed(&b, &w), 0);
	CHECK_INT(w, 1000);
	hi = 0;
	CHECK_INT(backoff_failed(&b, &w), 0);
	CHECK_INT(w, 500);

	/* max_retries 0 and 1: the first failure is final. */
	CHECK_INT(load(&b, "{\"retry\": {\"interval_ms\": 10, "
	    "\"max_retries\": 0}}"), 0);
	CHECK_INT(backoff_failed(&b, &w), -1);
	CHECK_INT(load(&b, "{\"retry\": {\"interval_ms\": 10, "
	    "\"max_retries\": 1}}"), 0);
	CHECK_INT(backoff_failed(&b, &w), -1);

	/* Bad input. */
	CHECK_INT(load(&b, "{\"retry\": {}}"), -1);
	CHECK_INT(load(&b, "{\"retry\": {\"interval_ms\": -1}}"), -1);
	CHECK_INT(load(&b, "{\"retry\": {\"interval_ms\": 1, "
	    "\"growth_rate\": 0}}"), -1);
	CHECK_INT(load(&b, "{\"retry\": {\"interval_ms\": 1, "
	    "\"randomized\": 1}}"), -1);
	CHECK_INT(load(&b, "\"sometimes\""), -1);
	CHECK_INT(load(&b, "{\"again\": {}}"), -1);
	return check_done();
}
