/* SPDX-License-Identifier: ISC */
/*
 * Typed, length-prefixed messages between wsflow processes over Unix
 * stream sockets, with descriptor passing (SCM_RIGHTS), on libevent.
 *
 * Wire format of one message: struct proc_hdr, then ph_len payload bytes.
 * A message flagged PROC_F_FD carries exactly one descriptor, sent with the
 * first byte of its header.  Sizes are checked before anything is
 * allocated; a malformed message closes the peer with an error string and
 * the owner decides what that means (fatal for the control channel).
 * The layer carries bytes and descriptors: what a type means and what
 * its payload holds is the application's (proto.h, proto.c).
 */
#ifndef WSFLOW_PROC_H
#define WSFLOW_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <event2/event.h>

#define PROC_MAX_PAYLOAD	(16U * 1024 * 1024)
#define PROC_OUT_MAX		(64U * 1024 * 1024)	/* hard cap per peer */
#define PROC_MAX_FDS		32	/* descriptors queued per direction */

#define PROC_F_FD		0x0001
#define PROC_F_ALL		PROC_F_FD

struct proc_hdr {
	uint32_t	ph_len;		/* payload bytes after the header */
	uint16_t	ph_type;
	uint16_t	ph_flags;
};

struct proc_msg {
	uint16_t	 pm_type;
	uint32_t	 pm_len;
	const void	*pm_data;
	int		 pm_fd;		/* -1 if none; the callee owns it */
};

struct proc_peer;

/*
 * Called for each message; msg == NULL when the peer is gone (EOF, error
 * or malformed input; proc_error() says which).  The callback may free
 * the peer.
 */
typedef void (*proc_msg_fn)(struct proc_peer *, const struct proc_msg *,
	    void *);
/* Called when queued output falls to the low watermark after having
 * passed the high one. */
typedef void (*proc_drain_fn)(struct proc_peer *, void *);

/*
 * Pure header check: returns 1 if buf holds a complete valid header (and
 * fills hdr), 0 if more bytes are needed, -1 if malformed (err says why).
 */
int	 proc_hdr_parse(const void *, size_t, struct proc_hdr *, char *,
	    size_t);

/* Takes ownership of fd (made non-blocking, closed by proc_peer_free). */
struct proc_peer *proc_peer_new(struct event_base *, int, const char *,
	    proc_msg_fn, void *);
void	 proc_peer_free(struct proc_peer *);
const char *proc_error(const struct proc_peer *);
const char *proc_name(const struct proc_peer *);
int	 proc_fd(const struct proc_peer *);

/* Queue a message; fd (or -1) is owned by proc from here on.  Returns 0,
 * or -1 (too large, peer closed, over PROC_OUT_MAX) and closes fd. */
int	 proc_send(struct proc_peer *, uint16_t, int, const void *, size_t);
int	 proc_sendv(struct proc_peer *, uint16_t, int, const struct iovec *,
	    int);
/* Write everything queued now, blocking (start-up and exit paths). */
int	 proc_flush(struct proc_peer *);

size_t	 proc_pending(const struct proc_peer *);
void	 proc_set_watermarks(struct proc_peer *, size_t, size_t,
	    proc_drain_fn, void *);
int	 proc_over_high(const struct proc_peer *);
/* Read and dispatch now what the socket holds (at most a few reads). */
void	 proc_read_now(struct proc_peer *);
/* Stop or resume dispatching incoming messages. */
void	 proc_read_enable(struct proc_peer *, int);
/* After the queue is written, shut down our sending side (EOF for the
 * other end). */
void	 proc_close_write(struct proc_peer *);

/* Copy a payload of exactly size bytes; -1 for any other length. */
int	 proc_get(const struct proc_msg *, void *, size_t);
/* Name message types in the layer's errors (e.g. proto_msg_name);
 * without one they are numbers. */
void	 proc_set_msg_name(const char *(*)(unsigned int));

#endif
