/*
 * Shared pieces of the benchmark tools (wsbench, rawecho): the small
 * amount of RFC 6455 client-side framing they need, the opening
 * handshake's accept key, a log-bucket latency histogram and readers
 * of a process tree's CPU time and RSS from /proc.
 *
 * Note: common/ws.h (branch ws) was not on main when the harness was
 * written; the generator needs only header building, masking and a
 * lenient header parser, so they live here.  Switch to common/ws.h once
 * it is merged if it can parse server frames chunk by chunk.
 */
#ifndef WSFLOW_WSB_H
#define WSFLOW_WSB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define WSB_OP_CONT	0x0
#define WSB_OP_TEXT	0x1
#define WSB_OP_BINARY	0x2
#define WSB_OP_CLOSE	0x8
#define WSB_OP_PING	0x9
#define WSB_OP_PONG	0xa
#define WSB_HDR_MAX	14
#define WSB_ACCEPT_LEN	28

/* A parsed frame header. */
struct wsb_hdr {
	int		 wh_fin;
	int		 wh_op;
	int		 wh_masked;
	uint8_t		 wh_mask[4];
	uint64_t	 wh_len;
	size_t		 wh_hlen;	/* header bytes */
};

size_t	 wsb_hdr_build(uint8_t *, int, int, uint64_t, const uint8_t *);
int	 wsb_hdr_parse(const uint8_t *, size_t, struct wsb_hdr *);
void	 wsb_mask(uint8_t *, size_t, const uint8_t *, uint64_t);
int	 wsb_accept(const char *, size_t, char *, size_t);

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
/* Raise RLIMIT_NOFILE to the hard limit; returns the new soft limit. */
long	 wsb_raise_nofile(void);

#endif
