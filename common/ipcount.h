/* SPDX-License-Identifier: ISC */
/*
 * Connections per client address, for ws_server's max_connections_per_ip:
 * a counter per address in a hash table, an entry only while the address
 * holds a connection (so at most one entry per connection).  IPv4 and
 * IPv4-mapped IPv6 count per address, other IPv6 per /64, the block one
 * host is normally given.  Pure: no I/O.
 */
#ifndef WSFLOW_IPCOUNT_H
#define WSFLOW_IPCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#define IPC_KEY_MAX	8

/* What connections are counted under. */
struct ipc_key {
	uint8_t		ik_len;		/* 4 (IPv4) or 8 (an IPv6 /64) */
	uint8_t		ik_b[IPC_KEY_MAX];
};

struct ipcount;

/* A table allowing max connections per key; seed spreads the hash. */
struct ipcount	*ipc_new(unsigned int, uint32_t);
void		 ipc_free(struct ipcount *);
/* The key of a peer address; -1 for a family other than IPv4/IPv6. */
int		 ipc_key(const struct sockaddr *, struct ipc_key *);
/* Count one more connection for key: 0, 1 when it holds max already
 * (not counted), -1 out of memory (not counted). */
int		 ipc_take(struct ipcount *, const struct ipc_key *);
/* One connection of key ended (must have been taken). */
void		 ipc_give(struct ipcount *, const struct ipc_key *);
/* Connections counted for key. */
unsigned int	 ipc_count(const struct ipcount *, const struct ipc_key *);
/* Keys holding at least one connection. */
size_t		 ipc_keys(const struct ipcount *);

#endif
