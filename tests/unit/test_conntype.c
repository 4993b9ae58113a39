/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for common/conntype.c: the connector type table.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "conntype.h"
#include "proto.h"

/* Every row is reachable by its enum and by its name, and consistent. */
static void
test_rows(void)
{
	const struct conntype	*ct;
	int			 t;

	CHECK(conntype_get(CT_NONE) == NULL);
	CHECK(conntype_get(CT_MAX) == NULL);
	CHECK(conntype_get((enum conn_type)-1) == NULL);
	for (t = CT_NONE + 1; t < CT_MAX; t++) {
		ct = conntype_get(t);
		CHECK(ct != NULL);
		if (ct == NULL)
			continue;
		CHECK_INT(ct->ct_type, t);
		CHECK(ct->ct_name != NULL);
		CHECK(conntype_by_name(ct->ct_name) == ct);
		CHECK_STR(conntype_name(t), ct->ct_name);
		/* a worker may always say hello; a non-worker nothing */
		CHECK_INT(conntype_may_send(ct, MSG_HELLO),
		    (ct->ct_flags & CTF_WORKER) != 0);
		/* only what dials resolves, only control relays wsflowctl */
		CHECK_INT(conntype_may_send(ct, MSG_RESOLVE_REQ),
		    (ct->ct_flags & CTF_DIALS) != 0);
		CHECK_INT(conntype_may_send(ct, MSG_CTL_REQ), t == CT_CONTROL);
		CHECK_INT(conntype_may_send(ct, MSG_CTL_CLOSED),
		    t == CT_CONTROL);
		/* only the keyholder answers for keys */
		CHECK_INT(conntype_may_send(ct, MSG_KH_KEY_RES),
		    t == CT_KEYHOLDER);
		CHECK_INT(conntype_may_send(ct, MSG_EXIT_REQ),
		    (ct->ct_flags & CTF_TROY) && (ct->ct_flags & CTF_WORKER));
		/* route and downward messages are never control-channel
		 * messages from a worker */
		CHECK(!conntype_may_send(ct, MSG_CONFIG));
		CHECK(!conntype_may_send(ct, MSG_EVENT));
	}
	CHECK_STR(conntype_name(CT_NONE), "?");
	CHECK(conntype_by_name("console") == NULL);
	CHECK(conntype_by_name(NULL) == NULL);
	CHECK(conntype_by_name("WS_SERVER") == NULL);
}

/* Ports, case-insensitively, per direction. */
static void
test_ports(void)
{
	const struct conntype	*ws = conntype_get(CT_WS_SERVER);
	const struct conntype	*io = conntype_get(CT_STDIO);
	const struct conntype	*ex = conntype_get(CT_EXIT);
	const struct conntype	*me = conntype_get(CT_METRICS);

	CHECK(conntype_has_port(ws, "in", 0));
	CHECK(conntype_has_port(ws, "IN", 0));
	CHECK(conntype_has_port(ws, "out", 1));
	CHECK(conntype_has_port(ws, "err", 1));
	CHECK(!conntype_has_port(ws, "in", 1));
	CHECK(!conntype_has_port(ws, "stdout", 0));
	CHECK(conntype_has_port(io, "stdout", 0));
	CHECK(conntype_has_port(io, "Stderr", 0));
	CHECK(conntype_has_port(ex, "in", 0));
	CHECK(!conntype_has_port(ex, "out", 1));
	CHECK(conntype_has_port(me, "in", 0));
	CHECK(conntype_has_port(me, "out", 1));
	CHECK(!conntype_has_port(NULL, "in", 0));
	CHECK(!conntype_has_port(ws, NULL, 0));
}

/* The troy names, for hints: no internal types among them. */
static void
test_troy_names(void)
{
	const char	*names[CT_MAX];
	size_t		 n, i;
	int		 control = 0, server = 0;

	n = conntype_troy_names(names, CT_MAX);
	/* all but CT_NONE, control, exporter and keyholder */
	CHECK_INT(n, CT_MAX - 4);
	for (i = 0; i < n; i++) {
		control |= strcmp(names[i], "control") == 0 ||
		    strcmp(names[i], "exporter") == 0 ||
		    strcmp(names[i], "keyholder") == 0;
		server |= strcmp(names[i], "ws_server") == 0;
	}
	CHECK(!control);
	CHECK(server);
	CHECK_INT(conntype_troy_names(names, 1), 1);
}

/* Message permissions outside the worker -> supervisor range. */
static void
test_may_send(void)
{
	const struct conntype	*cl = conntype_get(CT_WS_CLIENT);

	CHECK(conntype_may_send(cl, MSG_RESOLVE_REQ));
	CHECK(conntype_may_send(cl, MSG_EXIT_REQ));
	CHECK(!conntype_may_send(cl, MSG_CTL_REQ));
	CHECK(!conntype_may_send(cl, 0));
	CHECK(!conntype_may_send(cl, MSG_CONTROL_UP_MAX + 1));
	CHECK(!conntype_may_send(NULL, MSG_HELLO));
	CHECK(!conntype_may_send(conntype_get(CT_CONTROL), MSG_EXIT_REQ));
}

int
main(void)
{
	test_rows();
	test_ports();
	test_troy_names();
	test_may_send();
	return check_done();
}
