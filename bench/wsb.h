/* SPDX-License-Identifier: ISC */
/*
 * Shared pieces of the benchmark tools (wsbench, rawecho, jsonloop): a
 * log-bucket latency histogram, a monotonic clock and readers of a
 * process tree's CPU time and RSS from /proc.  The WebSocket framing
 * and handshakes come from common/ws.h.
 */
#ifndef WSFLOW_WSB_H
#define WSFLOW_WSB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Latency histogram: 64 octaves x 32 sub-buckets, ~3% resolution. */
#define WSB_HIST_SUB	32
#define WSB_HIST_N	(64 * WSB_HIST_SUB)
struct wsb_hist {
	uint64_t	 hi_count[WSB_HIST_N];
	uint64_t	 hi_n;
	uint64_t	 hi_max;
	uint64_t	 hi_min;
	long double	 hi_sum;
};

void	 wsb_hist_init(struct wsb_hist *);
void	 wsb_hist_add(struct wsb_hist *, uint64_t);
uint64_t wsb_hist_pct(const struct wsb_hist *, double);

uint64_t wsb_now_ns(void);

/* CPU time (ns) of pid, its live descendants and its reaped children. */
int	 wsb_proc_cpu(pid_t, uint64_t *);
/* Summed VmRSS and summed VmHWM (bytes) of pid and live descendants. */
int	 wsb_proc_rss(pid_t, uint64_t *, uint64_t *);
/* Summed PSS (bytes) of pid and live descendants. */
int	 wsb_proc_pss(pid_t, uint64_t *);
/* Raise RLIMIT_NOFILE to the hard limit; returns the new soft limit. */
long	 wsb_raise_nofile(void);

#endif
