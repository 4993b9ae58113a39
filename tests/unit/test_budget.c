/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for common/budget: charges against the limit, the reserve
 * kept for small holders, releases, settling, the peak and the refusals.
 */
#include "config.h"

#include <stdint.h>

#include "budget.h"
#include "check.h"

#define MiB	(1024U * 1024)

/* Charges up to the limit, less the reserve for a large holder. */
static void
test_limit(void)
{
	struct budget		 b;
	struct budget_hold	 a = { 0 }, c = { 0 };

	budget_init(&b, 128 * MiB);
	CHECK_INT(budget_charge(&b, &a, 64 * MiB), 0);
	CHECK_INT(b.bg_used, 64 * MiB);
	/* 128 - 16 (the reserve) = 112 for large holders */
	CHECK_INT(budget_charge(&b, &c, 48 * MiB), 0);
	CHECK_INT(budget_charge(&b, &c, 1), -1);
	CHECK_INT(b.bg_refused, 1);
	CHECK_INT(c.bh_bytes, 48 * MiB);
	CHECK_INT(b.bg_used, 112 * MiB);
	CHECK_INT(budget_room(&b, &c), 0);
	/* a small holder still gets the reserve, up to BUDGET_SMALL */
	{
		struct budget_hold	 s = { 0 };

		CHECK_INT(budget_room(&b, &s), BUDGET_SMALL);
		CHECK_INT(budget_charge(&b, &s, BUDGET_SMALL), 0);
		CHECK_INT(budget_charge(&b, &s, 1), -1);
		budget_release_all(&b, &s);
		CHECK_INT(s.bh_bytes, 0);
	}
	budget_release(&b, &a, 64 * MiB);
	CHECK_INT(a.bh_bytes, 0);
	CHECK_INT(b.bg_used, 48 * MiB);
	CHECK_INT(b.bg_peak, 112 * MiB + BUDGET_SMALL);
	CHECK_INT(budget_charge(&b, &c, 64 * MiB), 0);
	CHECK_INT(budget_charge(&b, &c, 1), -1);
	budget_release_all(&b, &c);
	CHECK_INT(b.bg_used, 0);
}

/* Small holders fill the whole limit, never more. */
static void
test_reserve(void)
{
	struct budget		 b;
	struct budget_hold	 h[20] = { { 0 } };
	int			 i, ok = 0;

	budget_init(&b, 1 * MiB);	/* 16 small holders fill it */
	for (i = 0; i < 20; i++)
		if (budget_charge(&b, &h[i], BUDGET_SMALL) == 0)
			ok++;
	CHECK_INT(ok, 16);
	CHECK_INT(b.bg_used, 1 * MiB);
	CHECK_INT(budget_room(&b, &h[19]), 0);
	CHECK_INT(b.bg_refused, 4);
	/* a large holder may not enter the reserve even when empty */
	for (i = 0; i < 20; i++)
		budget_release_all(&b, &h[i]);
	CHECK_INT(budget_charge(&b, &h[0], 1 * MiB), -1);
	CHECK_INT(budget_charge(&b, &h[0], 1 * MiB - 128 * 1024), 0);
	CHECK_INT(budget_room(&b, &h[0]), 0);
	CHECK_INT(budget_room(&b, &h[1]), 128 * 1024 > BUDGET_SMALL ?
	    BUDGET_SMALL : 128 * 1024);
}

/* Lasting charges (request metadata) stop short of the reserve, which
 * stays for small holders' messages. */
static void
test_lasting(void)
{
	struct budget		 b;
	struct budget_hold	 h[64] = { { 0 } }, m = { 0 };
	int			 i, ok = 0;

	budget_init(&b, 1 * MiB);	/* 896 KiB below the reserve */
	for (i = 0; i < 64; i++)
		if (budget_charge_lasting(&b, &h[i], 16 * 1024) == 0)
			ok++;
	CHECK_INT(ok, 56);
	CHECK_INT(b.bg_used, 1 * MiB - 128 * 1024);
	CHECK_INT(b.bg_refused, 8);
	/* a small holder's message still gets the reserve */
	CHECK_INT(budget_charge(&b, &m, BUDGET_SMALL), 0);
	CHECK_INT(budget_charge_lasting(&b, &h[63], 1), -1);
	budget_release_all(&b, &m);
	for (i = 0; i < 64; i++)
		budget_release_all(&b, &h[i]);
	CHECK_INT(b.bg_used, 0);
	CHECK_INT(budget_charge_lasting(&b, &h[0], SIZE_MAX), -1);
	CHECK_INT(budget_charge_lasting(NULL, &h[0], 5), 0);	/* no budget */
	CHECK_INT(h[0].bh_bytes, 5);
	budget_init(&b, 0);			/* no limit */
	CHECK_INT(budget_charge_lasting(&b, &h[1], 1ULL << 40), 0);
}

/* Settling, forcing, release beyond the share, NULL and no limit. */
static void
test_settle(void)
{
	struct budget		 b;
	struct budget_hold	 h = { 0 };

	budget_init(&b, 10 * MiB);
	CHECK_INT(budget_settle(&b, &h, 2 * MiB), 0);
	CHECK_INT(b.bg_used, 2 * MiB);
	CHECK_INT(budget_settle(&b, &h, 1 * MiB), 0);
	CHECK_INT(b.bg_used, 1 * MiB);
	CHECK_INT(budget_settle(&b, &h, 20 * MiB), -1);
	CHECK_INT(h.bh_bytes, 1 * MiB);
	budget_track(&b, &h, 3 * MiB);		/* allocated: no check */
	CHECK_INT(b.bg_used, 3 * MiB);
	budget_track(&b, &h, 1 * MiB);
	CHECK_INT(b.bg_used, 1 * MiB);
	CHECK_INT(b.bg_refused, 1);
	budget_force(&b, &h, 20 * MiB);		/* over, but counted */
	CHECK_INT(b.bg_used, 21 * MiB);
	CHECK_INT(budget_room(&b, &h), 0);
	CHECK_INT(budget_charge(&b, &h, 1), -1);
	budget_release(&b, &h, 100 * MiB);	/* only what it holds */
	CHECK_INT(h.bh_bytes, 0);
	CHECK_INT(b.bg_used, 0);
	CHECK_INT(budget_charge(&b, &h, SIZE_MAX), -1);

	budget_init(&b, 0);			/* no limit */
	CHECK_INT(budget_charge(&b, &h, 1ULL << 40), 0);
	CHECK_INT(b.bg_used, 1ULL << 40);
	budget_release_all(&b, &h);
	CHECK_INT(budget_charge(NULL, &h, 5), 0);	/* no budget */
	CHECK_INT(h.bh_bytes, 5);
	budget_release(NULL, &h, 5);
	CHECK_INT(h.bh_bytes, 0);
}

int
main(void)
{
	test_limit();
	test_reserve();
	test_lasting();
	test_settle();
	return check_done();
}
