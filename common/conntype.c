/* SPDX-License-Identifier: ISC */
/*
 * The connector type table (see conntype.h).  Pure data and lookups.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "conntype.h"
#include "proto.h"

#define UP(m)		(1ULL << ((m) - MSG_CONTROL_UP_MIN))
/* What every worker says on its control channel. */
#define UP_ALL		(UP(MSG_HELLO) | UP(MSG_READY) | UP(MSG_FAILED) | \
			    UP(MSG_STARTED) | UP(MSG_DRAINED) | UP(MSG_STATS))
/* A worker whose pipelines lead to an exit connector asks for the exit;
 * any connector that reads can be such a worker. */
#define UP_SOURCE	(UP_ALL | UP(MSG_EXIT_REQ))

static const struct conntype conntypes[CT_MAX] = {
	[CT_WS_CLIENT] = {
		.ct_type = CT_WS_CLIENT, .ct_name = "ws_client",
		.ct_flags = CTF_TROY | CTF_WORKER | CTF_DIALS | CTF_CODEC |
		    CTF_NEEDS_CONFIG | CTF_SINK_DRIVEN,
		.ct_in = { "in" }, .ct_out = { "out", "err" },
		.ct_profile = SANDBOX_WS_CLIENT,
		.ct_up_msgs = UP_SOURCE | UP(MSG_RESOLVE_REQ) |
		    UP(MSG_DIAL_REQ),
	},
	[CT_WS_SERVER] = {
		.ct_type = CT_WS_SERVER, .ct_name = "ws_server",
		.ct_flags = CTF_TROY | CTF_WORKER | CTF_LISTENER | CTF_CODEC |
		    CTF_NEEDS_CONFIG,
		.ct_in = { "in" }, .ct_out = { "out", "err" },
		.ct_profile = SANDBOX_WS_SERVER,
		.ct_up_msgs = UP_SOURCE,
	},
	[CT_FILE] = {
		.ct_type = CT_FILE, .ct_name = "file",
		.ct_flags = CTF_TROY | CTF_WORKER | CTF_CODEC |
		    CTF_NEEDS_CONFIG | CTF_MODE_PORTS,
		.ct_in = { "in" }, .ct_out = { "out", "err" },
		.ct_profile = SANDBOX_FILE_READ,
		/* a file read from can be replayed from an offset */
		.ct_up_msgs = UP_SOURCE | UP(MSG_SOURCE_POS),
	},
	[CT_STDIO] = {
		.ct_type = CT_STDIO, .ct_name = "stdio",
		.ct_flags = CTF_TROY | CTF_WORKER | CTF_CODEC |
		    CTF_KEEPS_STDIO,
		.ct_in = { "in", "stdout", "stderr" }, .ct_out = { "out", "err" },
		.ct_profile = SANDBOX_CONSOLE,
		.ct_up_msgs = UP_SOURCE,
	},
	[CT_EXIT] = {
		/* Not a process: an event routed here becomes MSG_EXIT_REQ
		 * from the worker that evaluated the pipeline. */
		.ct_type = CT_EXIT, .ct_name = "exit",
		.ct_flags = CTF_TROY | CTF_IN_PLACE,
		.ct_in = { "in" },
	},
	[CT_METRICS] = {
		/* Tremor's metrics connector: counters of the connectors
		 * that set metrics_interval_s, asked of the supervisor, on
		 * out; custom metrics events from in passed on to out. */
		.ct_type = CT_METRICS, .ct_name = "metrics",
		.ct_flags = CTF_TROY | CTF_WORKER,
		.ct_in = { "in" }, .ct_out = { "out", "err" },
		.ct_profile = SANDBOX_CONSOLE,
		.ct_up_msgs = UP_SOURCE | UP(MSG_METRICS_REQ),
	},
	[CT_CONTROL] = {
		.ct_type = CT_CONTROL, .ct_name = "control",
		.ct_flags = CTF_WORKER,
		.ct_profile = SANDBOX_CONTROL,
		.ct_up_msgs = UP_ALL | UP(MSG_CTL_REQ) | UP(MSG_CTL_CLOSED),
	},
	[CT_EXPORTER] = {
		/* Serves GET /metrics and /health on the listener wsflowd
		 * -m binds; no files, no sockets of its own. */
		.ct_type = CT_EXPORTER, .ct_name = "exporter",
		.ct_flags = CTF_WORKER,
		.ct_profile = SANDBOX_CONTROL,
		.ct_up_msgs = UP_ALL | UP(MSG_METRICS_REQ),
	},
	[CT_KEYHOLDER] = {
		/* The one process with private keys (workers/keyholder.c). */
		.ct_type = CT_KEYHOLDER, .ct_name = "keyholder",
		.ct_flags = CTF_WORKER | CTF_TITLE_TYPE,
		.ct_profile = SANDBOX_KEYHOLDER,
		.ct_up_msgs = UP_ALL | UP(MSG_KH_KEY_RES),
	},
};

/* The row of a type, or NULL for CT_NONE and out-of-range values. */
const struct conntype *
conntype_get(enum conn_type t)
{
	if ((int)t <= (int)CT_NONE || (int)t >= (int)CT_MAX)
		return NULL;
	return &conntypes[t];
}

/* The row named name, or NULL. */
const struct conntype *
conntype_by_name(const char *name)
{
	int	 t;

	if (name == NULL)
		return NULL;
	for (t = CT_NONE + 1; t < CT_MAX; t++)
		if (strcmp(conntypes[t].ct_name, name) == 0)
			return &conntypes[t];
	return NULL;
}

/* The name of a type; "?" when unknown. */
const char *
conntype_name(enum conn_type t)
{
	const struct conntype	*ct;

	return (ct = conntype_get(t)) == NULL ? "?" : ct->ct_name;
}

/* The names troy accepts, in table order. */
size_t
conntype_troy_names(const char **names, size_t max)
{
	size_t	 n = 0;
	int	 t;

	for (t = CT_NONE + 1; t < CT_MAX && n < max; t++)
		if (conntypes[t].ct_flags & CTF_TROY)
			names[n++] = conntypes[t].ct_name;
	return n;
}

/* Is port an input (out = 0) or output port of the type? */
int
conntype_has_port(const struct conntype *ct, const char *port, int out)
{
	const char *const	*p;
	int			 i;

	if (ct == NULL || port == NULL)
		return 0;
	p = out ? ct->ct_out : ct->ct_in;
	for (i = 0; i < CT_PORTS_MAX && p[i] != NULL; i++)
		if (strcasecmp(p[i], port) == 0)
			return 1;
	return 0;
}

/* May a worker of this type send message type msg to the supervisor? */
int
conntype_may_send(const struct conntype *ct, unsigned int msg)
{
	if (ct == NULL || msg < MSG_CONTROL_UP_MIN || msg > MSG_CONTROL_UP_MAX)
		return 0;
	if (msg - MSG_CONTROL_UP_MIN >= 64)
		return 0;
	return (ct->ct_up_msgs & UP(msg)) != 0;
}
