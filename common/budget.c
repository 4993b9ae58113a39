/* SPDX-License-Identifier: ISC */
/*
 * A worker's memory budget (see budget.h): charges checked against the
 * limit and the reserve for small holders, releases, and the peak.
 */
#include "config.h"

#include <string.h>

#include "budget.h"

/* Start an empty budget. */
void
budget_init(struct budget *b, size_t limit)
{
	memset(b, 0, sizeof(*b));
	b->bg_limit = limit;
}

/* What a holder that would hold after bytes may fill the budget up to. */
static size_t
budget_cap(const struct budget *b, size_t after)
{
	if (after <= BUDGET_SMALL)
		return b->bg_limit;
	return b->bg_limit - b->bg_limit / BUDGET_RESERVE_DIV;
}

/* Add n to the budget and the holder, keeping the peak. */
static void
budget_add(struct budget *b, struct budget_hold *h, size_t n)
{
	h->bh_bytes += n;
	if (b == NULL)
		return;
	b->bg_used += n;
	if (b->bg_used > b->bg_peak)
		b->bg_peak = b->bg_used;
}

/*
 * Charge n bytes to h if the limit allows: up to the whole limit when h
 * stays small and the charge is not lasting, short of the reserve
 * otherwise.
 */
static int
budget_try(struct budget *b, struct budget_hold *h, size_t n, int lasting)
{
	size_t	 cap;

	if (b != NULL && b->bg_limit != 0) {
		if (n > SIZE_MAX - h->bh_bytes) {
			b->bg_refused++;
			return -1;
		}
		cap = budget_cap(b, lasting ? SIZE_MAX : h->bh_bytes + n);
		if (b->bg_used > cap || n > cap - b->bg_used) {
			b->bg_refused++;
			return -1;
		}
	}
	budget_add(b, h, n);
	return 0;
}

/* Charge n bytes to h if the limit (and the reserve) allows. */
int
budget_charge(struct budget *b, struct budget_hold *h, size_t n)
{
	return budget_try(b, h, n, 0);
}

/* Charge n lasting bytes to h, below the reserve. */
int
budget_charge_lasting(struct budget *b, struct budget_hold *h, size_t n)
{
	return budget_try(b, h, n, 1);
}

/* Charge n bytes already allocated. */
void
budget_force(struct budget *b, struct budget_hold *h, size_t n)
{
	budget_add(b, h, n);
}

/* Give back n bytes of h (at most what it holds). */
void
budget_release(struct budget *b, struct budget_hold *h, size_t n)
{
	if (n > h->bh_bytes)
		n = h->bh_bytes;
	h->bh_bytes -= n;
	if (b == NULL)
		return;
	b->bg_used -= n <= b->bg_used ? n : b->bg_used;
}

/* Give back all of h. */
void
budget_release_all(struct budget *b, struct budget_hold *h)
{
	budget_release(b, h, h->bh_bytes);
}

/* Make h hold exactly n bytes. */
int
budget_settle(struct budget *b, struct budget_hold *h, size_t n)
{
	if (n > h->bh_bytes)
		return budget_charge(b, h, n - h->bh_bytes);
	budget_release(b, h, h->bh_bytes - n);
	return 0;
}

/* Make h hold exactly n allocated bytes, without a check. */
void
budget_track(struct budget *b, struct budget_hold *h, size_t n)
{
	if (n > h->bh_bytes)
		budget_force(b, h, n - h->bh_bytes);
	else
		budget_release(b, h, h->bh_bytes - n);
}

/* How much more h may charge now. */
size_t
budget_room(const struct budget *b, const struct budget_hold *h)
{
	size_t	 cap, small;

	if (b == NULL || b->bg_limit == 0)
		return SIZE_MAX - h->bh_bytes;
	/* As a small holder: up to BUDGET_SMALL, within the whole limit. */
	small = 0;
	if (h->bh_bytes < BUDGET_SMALL && b->bg_used < b->bg_limit) {
		small = BUDGET_SMALL - h->bh_bytes;
		if (small > b->bg_limit - b->bg_used)
			small = b->bg_limit - b->bg_used;
	}
	cap = budget_cap(b, SIZE_MAX);
	if (b->bg_used >= cap || cap - b->bg_used < small)
		return small;
	return cap - b->bg_used;
}
