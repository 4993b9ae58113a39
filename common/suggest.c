/* SPDX-License-Identifier: ISC */
/*
 * Typo hints: Levenshtein distance over bytes, bounded input length so the
 * work stays small whatever a configuration file contains.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "suggest.h"

#define SUGGEST_MAXLEN	64

/* Same byte, ignoring ASCII case. */
static int
suggest_eq(char a, char b)
{
	return tolower((unsigned char)a) == tolower((unsigned char)b);
}

/*
 * Edit distance ignoring ASCII case, counting a swap of two neighbours as
 * one edit (optimal string alignment); both at most SUGGEST_MAXLEN bytes.
 */
static size_t
suggest_distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t	 rows[3][SUGGEST_MAXLEN + 1], *prev2, *prev, *cur, *tmp;
	size_t	 i, j, best;

	prev2 = rows[0];
	prev = rows[1];
	cur = rows[2];
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			best = prev[j - 1] + (suggest_eq(a[i - 1], b[j - 1]) ?
			    0 : 1);
			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 && suggest_eq(a[i - 1], b[j - 2]) &&
			    suggest_eq(a[i - 2], b[j - 1]) &&
			    prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		tmp = prev2;
		prev2 = prev;
		prev = cur;
		cur = tmp;
	}
	return prev[lb];
}

/*
 * Return the candidate closest to word if it is at most a third of the
 * word's length away (at least 1, at most 3 edits), else NULL.
 */
const char *
suggest_closest(const char *word, const char *const *cands, size_t n)
{
	const char	*best = NULL;
	size_t		 lw, lc, d, bestd = (size_t)-1, limit, i;

	lw = strlen(word);
	if (lw == 0 || lw > SUGGEST_MAXLEN)
		return NULL;
	limit = lw / 3;
	if (limit < 1)
		limit = 1;
	if (limit > 3)
		limit = 3;
	for (i = 0; i < n; i++) {
		lc = strlen(cands[i]);
		if (lc > SUGGEST_MAXLEN)
			continue;
		d = suggest_distance(word, lw, cands[i], lc);
		if (d <= limit && d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	return best;
}
