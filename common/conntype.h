/* SPDX-License-Identifier: ISC */
/*
 * Connector types as data: the one table every program of wsflow reads.
 * The troy front end validates against it, the supervisor plans processes,
 * listeners and permitted messages from it, the worker indexes its ops
 * table by the same enum and wsflowctl renders by it.  Adding a connector
 * type means adding a row here (see HACKING.md for the rest).
 */
#ifndef WSFLOW_CONNTYPE_H
#define WSFLOW_CONNTYPE_H

#include <stdint.h>

#include "sandbox.h"

enum conn_type {
	CT_NONE = 0,
	CT_WS_CLIENT,
	CT_WS_SERVER,
	CT_FILE,
	CT_STDIO,
	CT_EXIT,
	CT_METRICS,
	CT_CONTROL,		/* the control worker; not a troy type */
	CT_EXPORTER,		/* the metrics exporter (wsflowd -m); not a
				 * troy type */
	CT_KEYHOLDER,		/* holds the private keys; not a troy type */
	CT_MAX
};

/* ct_flags */
#define CTF_TROY	0x0001	/* troy files may name it */
#define CTF_WORKER	0x0002	/* runs as a worker process */
#define CTF_LISTENER	0x0004	/* the supervisor binds its address */
#define CTF_DIALS	0x0008	/* asks the supervisor to resolve names */
#define CTF_CODEC	0x0010	/* needs a codec (else refuses one) */
#define CTF_NEEDS_CONFIG 0x0020	/* its "config" record is required */
#define CTF_KEEPS_STDIO	0x0040	/* stdin and stdout are its data */
#define CTF_SINK_DRIVEN	0x0080	/* as a source only answers its sink */
#define CTF_MODE_PORTS	0x0100	/* config.mode "read" means source only,
				 * anything else sink only (file) */
#define CTF_IN_PLACE	0x0200	/* no process: the worker routing to it
				 * does its work (exit) */
#define CTF_TITLE_TYPE	0x0400	/* its process title is its type alone */

#define CT_PORTS_MAX	4

struct conntype {
	enum conn_type		 ct_type;
	const char		*ct_name;
	unsigned int		 ct_flags;
	/* Ports as troy names them, lower case, NULL-terminated. */
	const char		*ct_in[CT_PORTS_MAX];
	const char		*ct_out[CT_PORTS_MAX];
	/* The sandbox it runs in (file: read; the write profile follows
	 * from CTF_MODE_PORTS and the mode). */
	enum sandbox_profile	 ct_profile;
	/* Worker -> supervisor messages it may send: bit (type - 100). */
	uint64_t		 ct_up_msgs;
};

/* The row of a type, or NULL for CT_NONE and out-of-range values. */
const struct conntype	*conntype_get(enum conn_type);
/* The row named name (troy types and "control"), or NULL. */
const struct conntype	*conntype_by_name(const char *);
/* The name of a type; "?" when unknown. */
const char		*conntype_name(enum conn_type);
/* The names troy accepts, for "did you mean" hints: fills names (at most
 * max) and returns how many. */
size_t			 conntype_troy_names(const char **, size_t);
/* Is port (any case) an input (out = 0) or output port of the type? */
int			 conntype_has_port(const struct conntype *,
			    const char *, int);
/* May a worker of this type send message type msg to the supervisor? */
int			 conntype_may_send(const struct conntype *,
			    unsigned int);

#endif
