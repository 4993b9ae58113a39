/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for the benchmark helpers in bench/wsb.c: the histogram's
 * percentiles and the /proc readers on ourselves.  (The framing the
 * tools use is common/ws.h's, tested in tests/unit/test_ws.c.)
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "wsb.h"

/* Percentiles of 1..100000 within the buckets' 3%. */
static void
test_hist(void)
{
	struct wsb_hist	*h;
	uint64_t	 v;
	double		 pcts[] = { 50, 90, 99, 99.9 };
	size_t		 i;

	if ((h = malloc(sizeof(*h))) == NULL)
		abort();
	wsb_hist_init(h);
	CHECK_INT(wsb_hist_pct(h, 50), 0);
	for (v = 1; v <= 100000; v++)
		wsb_hist_add(h, v);
	for (i = 0; i < 4; i++) {
		double	 want = pcts[i] * 1000, got = wsb_hist_pct(h, pcts[i]);

		CHECK_MSG(got > want * 0.97 && got < want * 1.03,
		    "p%.1f: got %.0f, want %.0f", pcts[i], got, want);
	}
	CHECK_INT(wsb_hist_pct(h, 100), 100000);
	CHECK_INT(h->hi_max, 100000);
	CHECK_INT(h->hi_min, 1);
	/* small values are exact */
	wsb_hist_init(h);
	wsb_hist_add(h, 7);
	CHECK_INT(wsb_hist_pct(h, 50), 7);
	free(h);
}

/* Our own process: CPU time and RSS readable, unknown pid refused. */
static void
test_proc(void)
{
	uint64_t	 cpu, rss, hwm;
	volatile uint64_t spin = 0;
	struct timespec	 ts;

	do {				/* 50 ms of CPU: 5 ticks at 100 Hz */
		spin++;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	} while (ts.tv_sec == 0 && ts.tv_nsec < 50000000L);
	CHECK_INT(wsb_proc_cpu(getpid(), &cpu), 0);
	CHECK(cpu > 0);
	CHECK_INT(wsb_proc_rss(getpid(), &rss, &hwm), 0);
	if (access("/proc/self/smaps_rollup", R_OK) == 0) {
		uint64_t	 pss = 0;

		CHECK_INT(wsb_proc_pss(getpid(), &pss), 0);
		CHECK(pss > 0 && pss <= rss + 4096 * 1024);
	}
	CHECK(rss > 0 && hwm >= rss / 2);
	CHECK_INT(wsb_proc_cpu(0x7ffffff0, &cpu), -1);
	CHECK(wsb_raise_nofile() > 0);
}

int
main(void)
{
	test_hist();
	test_proc();
	return check_done();
}
