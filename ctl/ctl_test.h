/* SPDX-License-Identifier: ISC */
/*
 * wsflowctl test: the integration test runner (Tremor's `tremor test
 * integration` layout and semantics, plus a per-test timeout).  Its pure
 * parts have headers of their own: ctl_yaml.h, ctl_select.h,
 * ctl_assert.h.
 */
#ifndef WSFLOW_CTL_TEST_H
#define WSFLOW_CTL_TEST_H

#include <stddef.h>

#define CTR_TIMEOUT	60	/* default per-test timeout, seconds */
#define CTR_MAXTAGS	64	/* -i / -e arguments */

struct ctr_opts {
	int		 co_verbose;
	int		 co_timeout;		/* seconds, main process */
	const char	*co_report;		/* -o file or NULL */
	char		*co_incl[CTR_MAXTAGS];
	size_t		 co_nincl;
	char		*co_excl[CTR_MAXTAGS];
	size_t		 co_nexcl;
	const char	*co_daemon;		/* wsflowd to run as main process */
	const char	*co_tremor_bin;		/* $TREMOR_BIN, or NULL */
	const char	*co_shim;		/* what `cmd: tremor` runs */
	const char	*co_self;		/* this wsflowctl, for the shim */
};

/* Run every test found under dirs; returns the process exit status. */
int	ctr_run(const struct ctr_opts *, int, char **);

#endif
