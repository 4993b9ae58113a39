/* SPDX-License-Identifier: ISC */
/*
 * The Prometheus text exposition format, version 0.0.4: metric and label
 * names checked, label values and help texts escaped as the format says,
 * numbers written as Prometheus reads them.  Pure: it appends to a
 * struct buf and knows nothing of sockets or of wsflow's counters (see
 * promstats.h for those).
 *
 *	prom_family(&b, "wsflow_x_total", PROM_COUNTER, "What x counts.");
 *	prom_sample(&b, "wsflow_x_total", labels, nlabels, 42);
 */
#ifndef WSFLOW_PROM_H
#define WSFLOW_PROM_H

#include <stddef.h>

#include "buf.h"

/* What a scrape's Content-Type says. */
#define PROM_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

enum prom_type {
	PROM_COUNTER,
	PROM_GAUGE,
	PROM_UNTYPED,
};

struct prom_label {
	const char	*pl_name;
	const char	*pl_value;
};

/* Is s a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)? */
int	prom_name_ok(const char *);
/* Is s a label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__")? */
int	prom_label_name_ok(const char *);
/* Append s as a label value inside its quotes: \ " and newline escaped. */
int	prom_escape_value(struct buf *, const char *);
/* Append "# HELP name help" (\ and newline escaped) and "# TYPE name
 * type"; -1 for a bad name or no room. */
int	prom_family(struct buf *, const char *, enum prom_type,
	    const char *);
/* Append one sample line: name{l1="v1",...} value; -1 for a bad metric
 * or label name, a repeated label, or no room. */
int	prom_sample(struct buf *, const char *, const struct prom_label *,
	    size_t, double);
/* The name Prometheus gives a type ("counter", ...). */
const char *prom_type_name(enum prom_type);

#endif
