/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of common/ackwin.c: marks done in order only when every
 * route acknowledged them (fan-out joins), marks no route waits on done
 * at once (filtered events), a full ring merging marks, a re-wired route
 * dropping the marks, out-of-range input changing nothing, and a steady
 * flow acknowledged a batch behind never holding the position back.
 */
#include "config.h"

#include "ackwin.h"
#include "check.h"

/* Mark at offset off after events ev, routes sent a and b. */
static int
mark2(struct ackwin *aw, uint64_t off, uint64_t ev, uint64_t a, uint64_t b)
{
	struct aw_pos	 p = { off, ev };
	uint64_t	 s[2] = { a, b };

	return aw_mark(aw, &p, s);
}

/* One route: a sequence window acknowledged in batches. */
static void
test_window(void)
{
	struct ackwin	 aw;
	struct aw_pos	 start = { 100, 7 }, p;
	uint64_t	 s;
	int		 i;

	CHECK(aw_init(&aw, 1, 0, &start) == 0);
	CHECK_INT(aw.aw_done.ap_offset, 100);
	for (i = 1; i <= 10; i++) {
		p.ap_offset = 100 + 10 * i;
		p.ap_events = 7 + i;
		s = i;
		CHECK_INT(aw_mark(&aw, &p, &s), 0);
	}
	CHECK_INT(aw.aw_len, 10);
	CHECK_INT(aw_ack(&aw, 0, 3), 1);
	CHECK_INT(aw.aw_done.ap_offset, 130);
	CHECK_INT(aw.aw_done.ap_events, 10);
	CHECK_INT(aw_ack(&aw, 0, 2), 0);	/* older: nothing */
	CHECK_INT(aw_ack(&aw, 0, 3), 0);	/* repeated: nothing */
	CHECK_INT(aw_unacked(&aw, 0, 10), 7);
	CHECK_INT(aw_ack(&aw, 0, 10), 1);
	CHECK_INT(aw.aw_done.ap_offset, 200);
	CHECK_INT(aw.aw_len, 0);
	CHECK_INT(aw_ack(&aw, 5, 10), 0);	/* no such route */
	aw_free(&aw);
	aw_free(&aw);
}

/* Fan-out: a mark is done when both branches acknowledged it; events no
 * route got (a where dropped them) wait on nobody. */
static void
test_fanout(void)
{
	struct ackwin	 aw;

	CHECK(aw_init(&aw, 2, 0, NULL) == 0);
	CHECK_INT(mark2(&aw, 10, 1, 1, 1), 0);
	CHECK_INT(mark2(&aw, 20, 2, 2, 1), 0);	/* only route 0 */
	CHECK_INT(mark2(&aw, 30, 3, 3, 2), 0);
	CHECK_INT(aw_ack(&aw, 0, 3), 0);	/* route 1 lags */
	CHECK_INT(aw.aw_done.ap_offset, 0);
	CHECK_INT(aw_ack(&aw, 1, 1), 1);
	CHECK_INT(aw.aw_done.ap_offset, 20);
	CHECK_INT(aw_ack(&aw, 1, 2), 1);
	CHECK_INT(aw.aw_done.ap_offset, 30);
	/* filtered: nothing sent since, done at once */
	CHECK_INT(mark2(&aw, 40, 4, 3, 2), 1);
	CHECK_INT(aw.aw_done.ap_offset, 40);
	CHECK_INT(aw.aw_done.ap_events, 4);
	aw_free(&aw);
}

/* A full ring merges into its newest mark; a re-wired route drops the
 * marks and keeps the last acknowledged position. */
static void
test_full_and_reset(void)
{
	struct ackwin	 aw;
	int		 i;

	CHECK(aw_init(&aw, 2, 4, NULL) == 0);
	for (i = 1; i <= 9; i++)
		CHECK_INT(mark2(&aw, i * 10, i, i, i), 0);
	CHECK_INT(aw.aw_len, 4);
	CHECK_INT(aw_ack(&aw, 0, 4), 0);
	CHECK_INT(aw_ack(&aw, 1, 4), 1);
	CHECK_INT(aw.aw_done.ap_offset, 30);	/* 4 is merged into 9 */
	CHECK_INT(aw_ack(&aw, 0, 8), 0);
	CHECK_INT(aw_ack(&aw, 1, 8), 0);	/* 9 is not acked yet */
	CHECK_INT(aw_ack(&aw, 0, 9), 0);
	aw_route_reset(&aw, 1);
	CHECK_INT(aw.aw_len, 0);
	CHECK_INT(aw.aw_done.ap_offset, 30);
	CHECK_INT(aw_unacked(&aw, 1, 2), 2);
	CHECK_INT(aw_unacked(&aw, 0, 9), 0);
	/* after the reset route 1 counts from 0 again */
	CHECK_INT(mark2(&aw, 100, 12, 12, 2), 0);
	CHECK_INT(aw_ack(&aw, 1, 2), 0);
	CHECK_INT(aw_ack(&aw, 0, 12), 1);
	CHECK_INT(aw.aw_done.ap_offset, 100);
	aw_free(&aw);
	CHECK(aw_init(&aw, AW_ROUTES_MAX + 1, 0, NULL) == -1);
	CHECK(aw_init(&aw, 0, 2, NULL) == 0);
	CHECK_INT(mark2(&aw, 5, 1, 0, 0), 1);	/* no route: done */
	aw_free(&aw);
}

/*
 * Steady flow: a source marking after every event, two routes whose
 * acknowledgements come in batches one batch behind.  Nothing waits:
 * every mark is taken, the acknowledged position trails by at most two
 * batches (one batch plus the one being acknowledged) with room for the
 * lag, by three once a small ring merges, and it is the last mark once
 * the routes caught up.
 */
static void
test_steady(size_t cap, uint64_t maxlag)
{
	struct ackwin	 aw;
	const uint64_t	 batch = 256, n = 100000;
	uint64_t	 i, lag, worst = 0;

	CHECK(aw_init(&aw, 2, cap, NULL) == 0);
	for (i = 1; i <= n; i++) {
		(void)mark2(&aw, i * 10, i, i, i);
		if (i % batch == 0 && i > batch) {
			(void)aw_ack(&aw, 1, i - batch);
			(void)aw_ack(&aw, 0, i - batch);
		}
		lag = i - aw.aw_done.ap_events;
		if (lag > worst)
			worst = lag;
		CHECK(aw.aw_len <= aw.aw_cap);
	}
	CHECK_MSG(worst <= maxlag, "cap %zu: lag %llu > %llu", cap,
	    (unsigned long long)worst, (unsigned long long)maxlag);
	CHECK_INT(aw_ack(&aw, 0, n), 0);	/* route 1 still owes */
	CHECK_INT(aw_ack(&aw, 1, n), 1);
	CHECK_INT(aw.aw_done.ap_events, n);
	CHECK_INT(aw.aw_done.ap_offset, n * 10);
	CHECK_INT(aw.aw_len, 0);
	aw_free(&aw);
}

int
main(void)
{
	test_window();
	test_fanout();
	test_full_and_reset();
	test_steady(0, 2 * 256);
	test_steady(8192, 2 * 256);
	test_steady(16, 3 * 256);
	return check_done();
}
