/*
 * Typo hints: Levenshtein distance over bytes, bounded input length so the
 * work stays small whatever a configuration file contains.
 */
#include "config.h"

#include <string.h>

#include "suggest.h"

#define SUGGEST_MAXLEN	64

/* Edit distance between a and b (both at most SUGGEST_MAXLEN bytes). */
static size_t
suggest_distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t	 row[SUGGEST_MAXLEN + 1], i, j, diag, up, cost, best;

	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			cost = a[i - 1] == b[j - 1] ? 0 : 1;
			best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
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
