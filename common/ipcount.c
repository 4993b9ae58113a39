/* SPDX-License-Identifier: ISC */
/*
 * Connections per client address (see ipcount.h): chained buckets keyed
 * by a seeded FNV-1a hash of the address, so a peer cannot pick
 * addresses that share a chain without knowing the seed.
 */
#include "config.h"

#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "ipcount.h"

#define IPC_BUCKETS	1024

struct ipc_ent {
	struct ipc_ent	*ie_next;
	struct ipc_key	 ie_key;
	unsigned int	 ie_n;
};

struct ipcount {
	struct ipc_ent	*ic_b[IPC_BUCKETS];
	unsigned int	 ic_max;
	uint32_t	 ic_seed;
	size_t		 ic_keys;
};

/* A new table (max 0 is taken as 1). */
struct ipcount *
ipc_new(unsigned int max, uint32_t seed)
{
	struct ipcount	*ic;

	if ((ic = calloc(1, sizeof(*ic))) == NULL)
		return NULL;
	ic->ic_max = max > 0 ? max : 1;
	ic->ic_seed = seed;
	return ic;
}

/* Free the table and its entries. */
void
ipc_free(struct ipcount *ic)
{
	struct ipc_ent	*e, *next;
	size_t		 i;

	if (ic == NULL)
		return;
	for (i = 0; i < IPC_BUCKETS; i++)
		for (e = ic->ic_b[i]; e != NULL; e = next) {
			next = e->ie_next;
			free(e);
		}
	free(ic);
}

/* The counting key of an address: IPv4 (or mapped) whole, IPv6 /64. */
int
ipc_key(const struct sockaddr *sa, struct ipc_key *k)
{
	const struct sockaddr_in	*s4 = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6	*s6 = (const struct sockaddr_in6 *)sa;

	memset(k, 0, sizeof(*k));
	if (sa->sa_family == AF_INET) {
		k->ik_len = 4;
		memcpy(k->ik_b, &s4->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family != AF_INET6)
		return -1;
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		k->ik_len = 4;
		memcpy(k->ik_b, s6->sin6_addr.s6_addr + 12, 4);
	} else {
		k->ik_len = 8;
		memcpy(k->ik_b, s6->sin6_addr.s6_addr, 8);
	}
	return 0;
}

/* The bucket index of a key. */
static size_t
ipc_bucket(const struct ipcount *ic, const struct ipc_key *k)
{
	uint32_t	 h = 2166136261U ^ ic->ic_seed;
	size_t		 i;

	h = (h ^ k->ik_len) * 16777619U;
	for (i = 0; i < k->ik_len; i++)
		h = (h ^ k->ik_b[i]) * 16777619U;
	h ^= h >> 15;
	return h & (IPC_BUCKETS - 1);
}

/* The entry of a key, or NULL. */
static struct ipc_ent *
ipc_find(const struct ipcount *ic, const struct ipc_key *k)
{
	struct ipc_ent	*e;

	for (e = ic->ic_b[ipc_bucket(ic, k)]; e != NULL; e = e->ie_next)
		if (e->ie_key.ik_len == k->ik_len &&
		    memcmp(e->ie_key.ik_b, k->ik_b, k->ik_len) == 0)
			return e;
	return NULL;
}

/* One more connection for a key, unless it is at the limit. */
int
ipc_take(struct ipcount *ic, const struct ipc_key *k)
{
	struct ipc_ent	*e, **b;

	if ((e = ipc_find(ic, k)) != NULL) {
		if (e->ie_n >= ic->ic_max)
			return 1;
		e->ie_n++;
		return 0;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -1;
	e->ie_key = *k;
	e->ie_n = 1;
	b = &ic->ic_b[ipc_bucket(ic, k)];
	e->ie_next = *b;
	*b = e;
	ic->ic_keys++;
	return 0;
}

/* One connection of a key ended; the entry goes with its last one. */
void
ipc_give(struct ipcount *ic, const struct ipc_key *k)
{
	struct ipc_ent	*e, **pp;

	for (pp = &ic->ic_b[ipc_bucket(ic, k)]; (e = *pp) != NULL; pp = &e->ie_next) {
		if (e->ie_key.ik_len != k->ik_len ||
		    memcmp(e->ie_key.ik_b, k->ik_b, k->ik_len) != 0)
			continue;
		if (--e->ie_n == 0) {
			*pp = e->ie_next;
			free(e);
			ic->ic_keys--;
		}
		return;
	}
}

/* Connections counted for a key. */
unsigned int
ipc_count(const struct ipcount *ic, const struct ipc_key *k)
{
	const struct ipc_ent	*e = ipc_find(ic, k);

	return e != NULL ? e->ie_n : 0;
}

/* Keys holding a connection. */
size_t
ipc_keys(const struct ipcount *ic)
{
	return ic->ic_keys;
}
