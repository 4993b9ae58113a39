/* SPDX-License-Identifier: ISC */
/*
 * A tiny assertion helper for the C unit tests.  Each CHECK counts as one
 * case; check_done() prints "N passed, N failed" and gives the exit status.
 */
#ifndef WSFLOW_CHECK_H
#define WSFLOW_CHECK_H

#include <stdio.h>
#include <string.h>

static int	check_pass, check_fail;

#define CHECK(cond) do {						\
	if (cond)							\
		check_pass++;						\
	else {								\
		check_fail++;						\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
	}								\
} while (0)

#define CHECK_MSG(cond, ...) do {					\
	if (cond)							\
		check_pass++;						\
	else {								\
		check_fail++;						\
		fprintf(stderr, "%s:%d: check failed: %s: ",		\
		    __FILE__, __LINE__, #cond);				\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

#define CHECK_STR(a, b) CHECK_MSG((a) != NULL && strcmp((a), (b)) == 0, \
	"got \"%s\", want \"%s\"", (a) ? (a) : "(null)", (b))

#define CHECK_INT(a, b) CHECK_MSG((long long)(a) == (long long)(b),	\
	"got %lld, want %lld", (long long)(a), (long long)(b))

/* Print the totals; exit status 0 only when nothing failed. */
static inline int
check_done(void)
{
	printf("%d passed, %d failed\n", check_pass, check_fail);
	return check_fail == 0 ? 0 : 1;
}

#endif
