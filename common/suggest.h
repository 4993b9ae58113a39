/* SPDX-License-Identifier: ISC */
/*
 * "Did you mean" hints for names a user typed: the closest candidate by
 * edit distance, when it is close enough to be a plausible typo.  Pure.
 */
#ifndef WSFLOW_SUGGEST_H
#define WSFLOW_SUGGEST_H

#include <stddef.h>

const char	*suggest_closest(const char *, const char *const *, size_t);

#endif
