/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for common/ipcount: the per-address limit of ws_server's
 * max_connections_per_ip (IPv4, mapped IPv4, IPv6 per /64), entries freed
 * with their last connection, many addresses in one table.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ipcount.h"

/* The key of a numeric address. */
static struct ipc_key
key(const char *a)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&ss;
	struct ipc_key		 k;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, a, &s4->sin_addr) == 1)
		s4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, a, &s6->sin6_addr) == 1)
		s6->sin6_family = AF_INET6;
	memset(&k, 0xee, sizeof(k));
	CHECK_INT(ipc_key((struct sockaddr *)&ss, &k), 0);
	return k;
}

int
main(void)
{
	struct ipcount		*ic;
	struct ipc_key		 a, b, k;
	struct sockaddr_storage	 ss;
	char			 name[64];
	int			 i;

	/* Keys: IPv4 whole, mapped IPv4 as IPv4, IPv6 by its /64. */
	a = key("127.0.0.1");
	CHECK_INT(a.ik_len, 4);
	k = key("::ffff:127.0.0.1");
	CHECK_INT(k.ik_len, 4);
	CHECK(memcmp(a.ik_b, k.ik_b, 4) == 0);
	k = key("2001:db8:1:2::1");
	b = key("2001:db8:1:2:ffff::7");
	CHECK_INT(k.ik_len, 8);
	CHECK(memcmp(k.ik_b, b.ik_b, 8) == 0);
	b = key("2001:db8:1:3::1");
	CHECK(memcmp(k.ik_b, b.ik_b, 8) != 0);
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	CHECK_INT(ipc_key((struct sockaddr *)&ss, &k), -1);

	/* Three per address; the fourth is refused and not counted. */
	CHECK((ic = ipc_new(3, 0x1234)) != NULL);
	b = key("127.0.0.2");
	for (i = 0; i < 3; i++)
		CHECK_INT(ipc_take(ic, &a), 0);
	CHECK_INT(ipc_take(ic, &a), 1);
	CHECK_INT(ipc_count(ic, &a), 3);
	CHECK_INT(ipc_take(ic, &b), 0);
	CHECK_INT(ipc_count(ic, &b), 1);
	CHECK_INT(ipc_keys(ic), 2);
	/* One ends: one more may come; the last one frees the entry. */
	ipc_give(ic, &a);
	CHECK_INT(ipc_count(ic, &a), 2);
	CHECK_INT(ipc_take(ic, &a), 0);
	CHECK_INT(ipc_take(ic, &a), 1);
	for (i = 0; i < 3; i++)
		ipc_give(ic, &a);
	CHECK_INT(ipc_count(ic, &a), 0);
	CHECK_INT(ipc_keys(ic), 1);
	ipc_give(ic, &b);
	CHECK_INT(ipc_keys(ic), 0);
	/* Giving a key never taken changes nothing. */
	ipc_give(ic, &b);
	CHECK_INT(ipc_keys(ic), 0);

	/* 5000 addresses (chains longer than one bucket), each to its max. */
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "10.%d.%d.1", i / 256, i % 256);
		k = key(name);
		CHECK_INT(ipc_take(ic, &k) + ipc_take(ic, &k) +
		    ipc_take(ic, &k), 0);
		CHECK_INT(ipc_take(ic, &k), 1);
	}
	CHECK_INT(ipc_keys(ic), 5000);
	k = key("10.19.135.1");
	CHECK_INT(ipc_count(ic, &k), 3);
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "10.%d.%d.1", i / 256, i % 256);
		k = key(name);
		ipc_give(ic, &k);
		ipc_give(ic, &k);
		ipc_give(ic, &k);
	}
	CHECK_INT(ipc_keys(ic), 0);
	ipc_free(ic);
	ipc_free(NULL);

	/* A max of 0 is taken as 1. */
	CHECK((ic = ipc_new(0, 0)) != NULL);
	CHECK_INT(ipc_take(ic, &a), 0);
	CHECK_INT(ipc_take(ic, &a), 1);
	ipc_free(ic);
	return check_done();
}
