/* SPDX-License-Identifier: ISC */
/*
 * Benchmark helpers: a log-bucket histogram, a monotonic clock and /proc
 * readers for a server's CPU time and RSS including its children.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wsb.h"

/* Monotonic clock in nanoseconds. */
uint64_t
wsb_now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Empty histogram. */
void
wsb_hist_init(struct wsb_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->hi_min = UINT64_MAX;
}

/* Bucket of a value: octave from the top bit, 5 bits below it. */
static size_t
hist_index(uint64_t v)
{
	int	 top;

	if (v < WSB_HIST_SUB)
		return (size_t)v;
	top = 63 - __builtin_clzll(v);
	return (size_t)(top - 4) * WSB_HIST_SUB +
	    (size_t)((v >> (top - 5)) & (WSB_HIST_SUB - 1));
}

/* Smallest value of a bucket (inverse of hist_index). */
static uint64_t
hist_low(size_t i)
{
	size_t	 oct = i / WSB_HIST_SUB, sub = i % WSB_HIST_SUB;

	if (oct == 0)
		return sub;
	return (uint64_t)(WSB_HIST_SUB + sub) << (oct - 1);
}

/* Record one value. */
void
wsb_hist_add(struct wsb_hist *h, uint64_t v)
{
	h->hi_count[hist_index(v)]++;
	h->hi_n++;
	h->hi_sum += v;
	if (v > h->hi_max)
		h->hi_max = v;
	if (v < h->hi_min)
		h->hi_min = v;
}

/* Value at percentile pct (0-100): middle of its bucket, capped by max. */
uint64_t
wsb_hist_pct(const struct wsb_hist *h, double pct)
{
	uint64_t	 want, seen = 0, lo, hi;
	size_t		 i;

	if (h->hi_n == 0)
		return 0;
	if (pct >= 100)
		return h->hi_max;
	want = (uint64_t)((pct / 100.0) * (double)h->hi_n + 0.5);
	if (want < 1)
		want = 1;
	if (want > h->hi_n)
		want = h->hi_n;
	for (i = 0; i < WSB_HIST_N; i++) {
		seen += h->hi_count[i];
		if (seen >= want) {
			lo = hist_low(i);
			hi = i + 1 < WSB_HIST_N ? hist_low(i + 1) : lo;
			lo = lo + (hi - lo) / 2;
			if (lo > h->hi_max)
				lo = h->hi_max;
			if (lo < h->hi_min)
				lo = h->hi_min;
			return lo;
		}
	}
	return h->hi_max;
}

/* Read /proc/pid/stat: ppid, utime+stime, cutime+cstime in ticks. */
static int
proc_stat(pid_t pid, pid_t *ppid, uint64_t *self, uint64_t *kids)
{
	char		 path[64], line[1024], *p;
	FILE		*f;
	unsigned long long v[17];
	int		 i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) == NULL) {
		fclose(f);
		return -1;
	}
	fclose(f);
	/* comm may hold spaces and parentheses: skip to the last ')' */
	if ((p = strrchr(line, ')')) == NULL)
		return -1;
	p++;
	/* fields 3.. : state ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt utime stime cutime cstime */
	while (*p == ' ')
		p++;
	p++;				/* state */
	for (i = 0; i < 14; i++) {
		char	*end;

		v[i] = strtoull(p, &end, 10);
		if (end == p)
			return -1;
		p = end;
	}
	*ppid = (pid_t)v[0];
	*self = v[10] + v[11];
	*kids = v[12] + v[13];
	return 0;
}

/* Visit pid and every live descendant (scan of /proc, parent links). */
static int
proc_tree(pid_t root, pid_t **out, size_t *nout)
{
	DIR		*d;
	struct dirent	*de;
	pid_t		*pids = NULL, *par = NULL, *tree = NULL, *tmp;
	size_t		 n = 0, cap = 0, nt = 0, i, j;
	uint64_t	 a, b;

	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		pid_t	 pid, pp;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)strtol(de->d_name, NULL, 10);
		if (proc_stat(pid, &pp, &a, &b) == -1)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((tmp = reallocarray(pids, cap, sizeof(*pids))) ==
			    NULL)
				goto fail;
			pids = tmp;
			if ((tmp = reallocarray(par, cap, sizeof(*par))) ==
			    NULL)
				goto fail;
			par = tmp;
		}
		pids[n] = pid;
		par[n++] = pp;
	}
	closedir(d);
	d = NULL;
	if ((tree = calloc(n + 1, sizeof(*tree))) == NULL)
		goto fail;
	tree[nt++] = root;
	/* breadth-first: each round appends the children of the tree */
	for (i = 0; i < nt; i++)
		for (j = 0; j < n; j++)
			if (par[j] == tree[i] && pids[j] != root)
				tree[nt++] = pids[j];
	free(pids);
	free(par);
	*out = tree;
	*nout = nt;
	return 0;
fail:
	if (d != NULL)
		closedir(d);
	free(pids);
	free(par);
	free(tree);
	return -1;
}

/* CPU time in ns of the process tree at pid (plus reaped children). */
int
wsb_proc_cpu(pid_t pid, uint64_t *ns)
{
	pid_t		*tree;
	size_t		 n, i;
	uint64_t	 ticks = 0, self, kids;
	pid_t		 pp;
	long		 hz = sysconf(_SC_CLK_TCK);

	if (proc_tree(pid, &tree, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (proc_stat(tree[i], &pp, &self, &kids) == -1) {
			if (i == 0) {
				free(tree);
				return -1;
			}
			continue;
		}
		ticks += self + kids;
	}
	free(tree);
	*ns = ticks * (1000000000ULL / (uint64_t)(hz > 0 ? hz : 100));
	return 0;
}

/* One "Name:  N kB" field of /proc/pid/FILE, in bytes. */
static int
proc_status_kb(pid_t pid, const char *file, const char *name,
    uint64_t *bytes)
{
	char	 path[64], line[256];
	size_t	 len = strlen(name);
	FILE	*f;
	int	 rc = -1;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, len) == 0 && line[len] == ':') {
			*bytes = strtoull(line + len + 1, NULL, 10) * 1024;
			rc = 0;
			break;
		}
	fclose(f);
	return rc;
}

/* RSS of the tree at pid summed, and the sum of their peaks (VmHWM). */
int
wsb_proc_rss(pid_t pid, uint64_t *rss, uint64_t *hwm)
{
	pid_t		*tree;
	size_t		 n, i;
	uint64_t	 v, sum = 0, peak = 0;

	if (proc_tree(pid, &tree, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (proc_status_kb(tree[i], "status", "VmRSS", &v) == 0)
			sum += v;
		if (proc_status_kb(tree[i], "status", "VmHWM", &v) == 0)
			peak += v;
	}
	free(tree);
	if (peak == 0)
		return -1;
	*rss = sum;
	*hwm = peak;
	return 0;
}

/*
 * Summed PSS of the tree at pid (/proc/PID/smaps_rollup): pages shared
 * between processes count once in total, so a server that forks a
 * process per connection is not charged for each one's libc again.
 */
int
wsb_proc_pss(pid_t pid, uint64_t *pss)
{
	pid_t		*tree;
	size_t		 n, i;
	uint64_t	 v, sum = 0;
	int		 rc = 0;

	if (proc_tree(pid, &tree, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (proc_status_kb(tree[i], "smaps_rollup", "Pss", &v) == 0)
			sum += v;
		else if (i == 0)
			rc = -1;
	}
	free(tree);
	*pss = sum;
	return rc;
}

/* Soft RLIMIT_NOFILE up to the hard limit. */
long
wsb_raise_nofile(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	return (long)rl.rlim_cur;
}
