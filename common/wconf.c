/* SPDX-License-Identifier: ISC */
/*
 * The worker configuration contract as data (see wconf.h): the key
 * tables, the check a worker runs on the config it receives, and the
 * typed accessors it reads the config through.  Pure: no I/O.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "wconf.h"

#define WCONF_PATH_MAX	256

/* An exit connector's config: what an event routed to it does. */
static const struct wconf_key exit_keys[] = {
	/* nanoseconds to wait before the exit */
	{ "delay", WCT_INT, 0, NULL, NULL },
	/* drain the flows first (true) or stop at once */
	{ "graceful", WCT_BOOL, 0, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

/* A route id in a node's "routes". */
static const struct wconf_key route_elem = {
	"route", WCT_INT, 0, NULL, NULL
};

/* One node of an outputs list: one of pipeline, route(s), local, exit. */
static const struct wconf_key node_keys[] = {
	/* a pipeline of this worker: index into "pipelines" */
	{ "pipeline", WCT_INT, 0, NULL, NULL },
	/* a route to another worker: MSG_ROUTE's mr_id */
	{ "route", WCT_INT, 0, NULL, NULL },
	/* routes to the instances of one connector (ws_server instances):
	 * an event answering for one of them goes there, others to all */
	{ "routes", WCT_ARRAY, 0, NULL, &route_elem },
	/* with "routes" to a relay's instances (ws_client per_stream):
	 * each stream's events to one of them (common/shard), never all */
	{ "by_stream", WCT_BOOL, 0, NULL, NULL },
	/* this worker's own sink (true) */
	{ "local", WCT_BOOL, 0, NULL, NULL },
	/* the exit connector, with its config */
	{ "exit", WCT_OBJECT, 0, exit_keys, NULL },
	/* the target's input port (pipeline, route, local) */
	{ "port", WCT_STRING, 0, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct wconf_key node_rec = {
	"node", WCT_OBJECT, 0, node_keys, NULL
};

/* The value of an outputs map: the nodes an output port feeds, in order. */
static const struct wconf_key node_list = {
	"nodes", WCT_ARRAY, 0, NULL, &node_rec
};

/* A pipeline this worker runs. */
static const struct wconf_key pipeline_keys[] = {
	/* its troy name, for logs */
	{ "name", WCT_STRING, WCF_REQUIRED, NULL, NULL },
	/* the compiled form (common/pipeline.c reads it) */
	{ "compiled", WCT_OBJECT, WCF_REQUIRED, NULL, NULL },
	/* output port (as the pipeline names it) -> nodes */
	{ "outputs", WCT_OBJECT, WCF_MAP, NULL, &node_list },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct wconf_key pipeline_rec = {
	"pipeline", WCT_OBJECT, 0, pipeline_keys, NULL
};

/* reconnect.retry: the backoff policy of common/backoff.c. */
static const struct wconf_key retry_keys[] = {
	/* first wait after a failure, milliseconds */
	{ "interval_ms", WCT_INT, WCF_REQUIRED, NULL, NULL },
	/* factor applied to the wait after each failure */
	{ "growth_rate", WCT_NUMBER, 0, NULL, NULL },
	/* failures in a row before giving up (absent: never) */
	{ "max_retries", WCT_INT, 0, NULL, NULL },
	/* spread the waits randomly */
	{ "randomized", WCT_BOOL, 0, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

/* reconnect as a record (the other form is the string "none"). */
static const struct wconf_key reconnect_keys[] = {
	/* retry with growing waits */
	{ "retry", WCT_OBJECT, WCF_REQUIRED, retry_keys, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

/* The connector's definition as the troy front end validated it. */
static const struct wconf_key connector_keys[] = {
	/* codec name or record (common/codec.c), null: none */
	{ "codec", WCT_STRING | WCT_OBJECT | WCT_NULL, 0, NULL, NULL },
	/* preprocessor specs applied to input (common/lines.c) */
	{ "preprocessors", WCT_ARRAY, 0, NULL, NULL },
	/* postprocessor specs applied to output (common/lines.c) */
	{ "postprocessors", WCT_ARRAY, 0, NULL, NULL },
	/* the type's own keys: the per-type tables below */
	{ "config", WCT_OBJECT, WCF_TYPED, NULL, NULL },
	/* "none" or {"retry": {...}} (dialling connectors) */
	{ "reconnect", WCT_STRING | WCT_OBJECT, 0, reconnect_keys, NULL },
	/* seconds between reports to metrics connectors */
	{ "metrics_interval_s", WCT_INT, 0, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

/* Where a source that can replay starts (MSG_SOURCE_POS of its last
 * run, kept by the supervisor). */
static const struct wconf_key resume_keys[] = {
	/* input offset after the last acknowledged event */
	{ "offset", WCT_INT, WCF_REQUIRED, NULL, NULL },
	/* events emitted before that offset (their numbers go on) */
	{ "events", WCT_INT, WCF_REQUIRED, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

/* The keys every worker gets. */
const struct wconf_key wconf_common[] = {
	/* connector id: index in the deployment, as in MSG_HELLO */
	{ "id", WCT_INT, WCF_REQUIRED, NULL, NULL },
	/* connector name, for logs and the process title */
	{ "name", WCT_STRING, WCF_REQUIRED, NULL, NULL },
	/* the flow that defines it */
	{ "flow", WCT_STRING, 0, NULL, NULL },
	/* connector type name (conntype.h) */
	{ "type", WCT_STRING, WCF_REQUIRED, NULL, NULL },
	/* the connector's definition */
	{ "connector", WCT_OBJECT, WCF_REQUIRED, connector_keys, NULL },
	/* output port (lower case) -> nodes its events go to */
	{ "outputs", WCT_OBJECT, WCF_MAP, NULL, &node_list },
	/* the pipelines reachable from the outputs; nodes index them */
	{ "pipelines", WCT_ARRAY, 0, NULL, &pipeline_rec },
	/* the worker sits on a route cycle (drains without waiting) */
	{ "on_cycle", WCT_BOOL, 0, NULL, NULL },
	/* how often this connector was restarted before */
	{ "restarts", WCT_INT, 0, NULL, NULL },
	/* which of a ws_server's instances it is, from 0 (absent: the
	 * only one) */
	{ "instance", WCT_INT, 0, NULL, NULL },
	/* log verbosity at start */
	{ "verbose", WCT_INT, 0, NULL, NULL },
	/* a file source: where to start reading (absent: the start) */
	{ "resume", WCT_OBJECT, 0, resume_keys, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

/* socket_options of the WebSocket connectors. */
static const struct wconf_key sockopt_keys[] = {
	/* disable Nagle's algorithm (default true) */
	{ "TCP_NODELAY", WCT_BOOL, 0, NULL, NULL },
	/* accepted for Tremor compatibility; always on */
	{ "SO_REUSEADDR", WCT_BOOL, 0, NULL, NULL },
	/* accepted for Tremor compatibility; always off */
	{ "SO_REUSEPORT", WCT_BOOL, 0, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

/* compression as a record (true/false is the other form): RFC 7692. */
static const struct wconf_key compression_keys[] = {
	/* ask for (client) or grant (server) no context takeover */
	{ "server_no_context_takeover", WCT_BOOL, 0, NULL, NULL },
	{ "client_no_context_takeover", WCT_BOOL, 0, NULL, NULL },
	/* LZ77 window sizes, 8-15 bits */
	{ "server_max_window_bits", WCT_INT, 0, NULL, NULL },
	{ "client_max_window_bits", WCT_INT, 0, NULL, NULL },
	/* zlib level 0-9 of what we deflate */
	{ "level", WCT_INT, 0, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

/* One subprotocol name. */
static const struct wconf_key protocol_name = {
	"protocol", WCT_STRING, 0, NULL, NULL
};

/* ws_client tls as a record (true/false is the other form). */
static const struct wconf_key ws_client_tls_keys[] = {
	/* CA bundle to verify the server with (default: system) */
	{ "cafile", WCT_STRING, 0, NULL, NULL },
	/* name to verify and send as SNI (default: the url's host) */
	{ "domain", WCT_STRING, 0, NULL, NULL },
	/* TLS policy (issue 11): OpenSSL's TLS 1.2 cipher list */
	{ "ciphers", WCT_STRING, 0, NULL, NULL },
	/* OpenSSL's TLS 1.3 ciphersuites */
	{ "ciphersuites", WCT_STRING, 0, NULL, NULL },
	/* "1.2" or "1.3" */
	{ "min_version", WCT_STRING, 0, NULL, NULL },
	/* PEM client certificate chain to present (its key is the
	 * keyholder's) */
	{ "cert", WCT_STRING, 0, NULL, NULL },
	/* PEM private key of cert (read by the keyholder only) */
	{ "key", WCT_STRING, 0, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

/* One value of ws_client headers. */
static const struct wconf_key client_hdr_elem = {
	"header", WCT_STRING, 0, NULL, NULL
};

/* ws_client proxy as a record (a URL string is the other form). */
static const struct wconf_key ws_client_proxy_keys[] = {
	/* http://[user:pass@]host[:port] of an HTTP CONNECT proxy */
	{ "url", WCT_STRING, WCF_REQUIRED, NULL, NULL },
	/* "user:password" for Basic; wsflowd has read a {"file": PATH} */
	{ "credentials", WCT_STRING, 0, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct wconf_key ws_client_keys[] = {
	/* ws:// or wss:// URL to dial */
	{ "url", WCT_STRING, WCF_REQUIRED, NULL, NULL },
	/* TLS on (true), off (false) or with these settings */
	{ "tls", WCT_BOOL | WCT_OBJECT, 0, ws_client_tls_keys, NULL },
	/* TCP_NODELAY (socket_options overrides it) */
	{ "no_delay", WCT_BOOL, 0, NULL, NULL },
	/* socket options */
	{ "socket_options", WCT_OBJECT, 0, sockopt_keys, NULL },
	/* send a ping this often, milliseconds (0: never) */
	{ "ping_interval_ms", WCT_INT, 0, NULL, NULL },
	/* one upstream connection per source stream (ws_relay.c) */
	{ "per_stream", WCT_BOOL, 0, NULL, NULL },
	/* per_stream: most upstream connections at once */
	{ "max_connections", WCT_INT, 0, NULL, NULL },
	/* close after this long without a data frame, ms (0: never);
	 * per_stream: an idle upstream */
	{ "idle_timeout_ms", WCT_INT, 0, NULL, NULL },
	/* Time limits and sizes (issue 11), as for ws_server. */
	{ "handshake_timeout_ms", WCT_INT, 0, NULL, NULL },
	{ "pong_timeout_ms", WCT_INT, 0, NULL, NULL },
	{ "message_timeout_ms", WCT_INT, 0, NULL, NULL },
	{ "max_message_size", WCT_INT, 0, NULL, NULL },
	{ "max_frame_size", WCT_INT, 0, NULL, NULL },
	/* memory budget of the worker, bytes (common/budget.h) */
	{ "max_buffered", WCT_INT, 0, NULL, NULL },
	/* permessage-deflate: offer it (true or a record) or not */
	{ "compression", WCT_BOOL | WCT_OBJECT, 0, compression_keys, NULL },
	/* subprotocols to offer, preferred first */
	{ "protocols", WCT_ARRAY, 0, NULL, &protocol_name },
	/* extra handshake header fields (issue 14); wsflowd has read the
	 * values given as {"file": PATH}, so each is a string here */
	{ "headers", WCT_OBJECT, WCF_MAP, NULL, &client_hdr_elem },
	/* the Origin header field to send */
	{ "origin", WCT_STRING, 0, NULL, NULL },
	/* dial this Unix-domain socket (the supervisor connects it,
	 * MSG_DIAL_REQ); url still gives Host, path and TLS */
	{ "unix_socket", WCT_STRING, 0, NULL, NULL },
	/* an HTTP CONNECT proxy to tunnel through (issue 14) */
	{ "proxy", WCT_STRING | WCT_OBJECT, 0, ws_client_proxy_keys, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

/* ws_server tls: the certificate and key to serve wss:// with. */
static const struct wconf_key ws_server_tls_keys[] = {
	/* PEM certificate chain file */
	{ "cert", WCT_STRING, WCF_REQUIRED, NULL, NULL },
	/* PEM private key file (read by the keyholder only) */
	{ "key", WCT_STRING, WCF_REQUIRED, NULL, NULL },
	/* TLS policy (issue 11): OpenSSL's TLS 1.2 cipher list */
	{ "ciphers", WCT_STRING, 0, NULL, NULL },
	/* OpenSSL's TLS 1.3 ciphersuites */
	{ "ciphersuites", WCT_STRING, 0, NULL, NULL },
	/* "1.2" or "1.3" */
	{ "min_version", WCT_STRING, 0, NULL, NULL },
	/* CA bundle that client certificates are verified with */
	{ "cafile", WCT_STRING, 0, NULL, NULL },
	/* client certificates: "none", "optional" or "required" */
	{ "verify_client", WCT_STRING, 0, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

/* One allowed Origin of ws_server. */
static const struct wconf_key origin_elem = {
	"origin", WCT_STRING, 0, NULL, NULL
};

/* One header field name of ws_server request_headers. */
static const struct wconf_key reqhdr_elem = {
	"header", WCT_STRING, 0, NULL, NULL
};

/* ws_server broadcast as a record (true/false is the other form). */
static const struct wconf_key broadcast_keys[] = {
	/* the output bound of each client, bytes */
	{ "max_queued", WCT_INT, 0, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct wconf_key ws_server_keys[] = {
	/* ws:// or wss:// URL or unix:PATH to listen on (the supervisor
	 * binds it) */
	{ "url", WCT_STRING, WCF_REQUIRED, NULL, NULL },
	/* certificate and key for wss:// */
	{ "tls", WCT_OBJECT, 0, ws_server_tls_keys, NULL },
	/* listen backlog (used by the supervisor) */
	{ "backlog", WCT_INT, 0, NULL, NULL },
	/* socket options */
	{ "socket_options", WCT_OBJECT, 0, sockopt_keys, NULL },
	/* send a ping this often, milliseconds (0: never) */
	{ "ping_interval_ms", WCT_INT, 0, NULL, NULL },
	/* most clients at once */
	{ "max_connections", WCT_INT, 0, NULL, NULL },
	/* Time limits, sizes and connection policy (issue 11). */
	/* TCP (and TLS) to the end of the upgrade, ms */
	{ "handshake_timeout_ms", WCT_INT, 0, NULL, NULL },
	/* close after this long without a data frame, ms (0: never) */
	{ "idle_timeout_ms", WCT_INT, 0, NULL, NULL },
	/* a ping's answer within, ms (absent: ping_interval_ms) */
	{ "pong_timeout_ms", WCT_INT, 0, NULL, NULL },
	/* a message begun must be complete within, ms (0: never) */
	{ "message_timeout_ms", WCT_INT, 0, NULL, NULL },
	/* largest message and frame payload, bytes */
	{ "max_message_size", WCT_INT, 0, NULL, NULL },
	{ "max_frame_size", WCT_INT, 0, NULL, NULL },
	/* most clients from one address (IPv6: one /64) */
	{ "max_connections_per_ip", WCT_INT, 0, NULL, NULL },
	/* the Origins that may upgrade (absent: any) */
	{ "allowed_origins", WCT_ARRAY, 0, NULL, &origin_elem },
	/* memory budget of the worker, bytes (common/budget.h) */
	{ "max_buffered", WCT_INT, 0, NULL, NULL },
	/* permessage-deflate: accept offers (true or a record) or not */
	{ "compression", WCT_BOOL | WCT_OBJECT, 0, compression_keys, NULL },
	/* subprotocols supported: the first the client offers wins */
	{ "protocols", WCT_ARRAY, 0, NULL, &protocol_name },
	/* request metadata (issue 14): $ws_server.request with these
	 * header fields (present, even empty: path and query) */
	{ "request_headers", WCT_ARRAY, 0, NULL, &reqhdr_elem },
	/* url unix:PATH (issue 14): the socket file's mode (octal text),
	 * owner and group (names or numbers), set by the supervisor */
	{ "socket_mode", WCT_STRING, 0, NULL, NULL },
	{ "socket_owner", WCT_STRING, 0, NULL, NULL },
	{ "socket_group", WCT_STRING, 0, NULL, NULL },
	/* every event to every client (issue 14): true or a record */
	{ "broadcast", WCT_BOOL | WCT_OBJECT, 0, broadcast_keys, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct wconf_key file_keys[] = {
	/* the file to read or write */
	{ "path", WCT_STRING, WCF_REQUIRED, NULL, NULL },
	/* read, write, append, truncate or overwrite */
	{ "mode", WCT_STRING, WCF_REQUIRED, NULL, NULL },
	/* read size, bytes */
	{ "chunk_size", WCT_INT, 0, NULL, NULL },
	/* read mode: keep the position across daemon restarts (used by
	 * the supervisor) */
	{ "resume", WCT_BOOL, 0, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

/* Types without keys of their own (stdio, the exporter). */
static const struct wconf_key no_keys[] = {
	{ NULL, 0, 0, NULL, NULL }
};

static const struct wconf_key control_keys[] = {
	/* uid of wsflowd: clients with it (or root) may change things */
	{ "daemon_uid", WCT_INT, WCF_REQUIRED, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL }
};

/* A connector that reports to metrics connectors (metrics_interval_s). */
/* A port of a metered pipeline. */
static const struct wconf_key pipe_port_elem = {
	"port", WCT_STRING, 0, NULL, NULL
};

static const struct wconf_key reporter_keys[] = {
	/* its name, as the connector (or pipeline) tag of its events */
	{ "name", WCT_STRING, WCF_REQUIRED, NULL, NULL },
	/* seconds between its reports */
	{ "interval_s", WCT_INT, WCF_REQUIRED, NULL, NULL },
	/* it reads (reports ports out and err) */
	{ "source", WCT_BOOL, 0, NULL, NULL },
	/* it writes (reports port in) */
	{ "sink", WCT_BOOL, 0, NULL, NULL },
	/* a pipeline with #!config metrics_interval_s: its input ports
	 * (from) and output ports (into) are the nodes reported */
	{ "pipeline", WCT_BOOL, 0, NULL, NULL },
	{ "from", WCT_ARRAY, 0, NULL, &pipe_port_elem },
	{ "into", WCT_ARRAY, 0, NULL, &pipe_port_elem },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct wconf_key reporter_rec = {
	"reporter", WCT_OBJECT, 0, reporter_keys, NULL
};

/* The metrics connector: troy gives it no keys; the supervisor adds who
 * reports (supervisor/wconf_build.c). */
static const struct wconf_key metrics_keys[] = {
	/* the connectors and pipelines with metrics_interval_s, every
	 * flow's */
	{ "reporters", WCT_ARRAY, 0, NULL, &reporter_rec },
	{ NULL, 0, 0, NULL, NULL }
};

/* connector.config keys, by connector type. */
static const struct wconf_key *const type_keys[CT_MAX] = {
	[CT_WS_CLIENT] = ws_client_keys,
	[CT_WS_SERVER] = ws_server_keys,
	[CT_FILE] = file_keys,
	[CT_STDIO] = no_keys,
	[CT_EXIT] = exit_keys,
	[CT_METRICS] = metrics_keys,
	[CT_CONTROL] = control_keys,
	[CT_EXPORTER] = no_keys,
	[CT_KEYHOLDER] = no_keys,
};

/* Check state: the type's table for WCF_TYPED and where errors go. */
struct wcheck {
	const struct wconf_key	*wh_typed;
	const char		*wh_type;
	char			*wh_err;
	size_t			 wh_errlen;
};

static int	check_record(struct wcheck *, const struct wconf_key *,
		    struct json_object *, const char *);

/* The keys of connector.config for a type; NULL when it has no table. */
const struct wconf_key *
wconf_type_keys(enum conn_type t)
{
	if ((int)t <= (int)CT_NONE || (int)t >= (int)CT_MAX)
		return NULL;
	return type_keys[t];
}

/* The WCT_* bit of a JSON value. */
static unsigned int
check_jtype(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		return WCT_STRING;
	case json_type_int:
		return WCT_INT | WCT_NUMBER;
	case json_type_double:
		return WCT_NUMBER;
	case json_type_boolean:
		return WCT_BOOL;
	case json_type_object:
		return WCT_OBJECT;
	case json_type_array:
		return WCT_ARRAY;
	case json_type_null:
	default:
		return WCT_NULL;
	}
}

/* Say what went wrong with a key: "ws_server: key \"a.b\" unknown". */
static int
check_fail(struct wcheck *c, const char *path, const char *what)
{
	snprintf(c->wh_err, c->wh_errlen, "%s%skey \"%s\" %s",
	    c->wh_type != NULL ? c->wh_type : "",
	    c->wh_type != NULL ? ": " : "", path, what);
	return -1;
}

/* A key of an ill-typed value: name the types it may have. */
static int
check_bad_type(struct wcheck *c, const char *path, unsigned int types)
{
	static const struct {
		unsigned int	 bit;
		const char	*name;
	} names[] = {
		{ WCT_STRING, "a string" }, { WCT_INT, "an integer" },
		{ WCT_NUMBER, "a number" }, { WCT_BOOL, "a bool" },
		{ WCT_OBJECT, "an object" }, { WCT_ARRAY, "an array" },
		{ WCT_NULL, "null" },
	};
	char	 what[128];
	size_t	 i;
	int	 n = 0;

	(void)strlcpy(what, "is not ", sizeof(what));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(types & names[i].bit) ||
		    (names[i].bit == WCT_INT && (types & WCT_NUMBER)))
			continue;
		if (n++ > 0)
			(void)strlcat(what, " or ", sizeof(what));
		(void)strlcat(what, names[i].name, sizeof(what));
	}
	return check_fail(c, path, what);
}

/* Join a path and a member name (or an [index] when key is NULL). */
static int
check_path(struct wcheck *c, char *dst, size_t len, const char *path,
    const char *key, size_t idx)
{
	int	 r;

	if (key == NULL)
		r = snprintf(dst, len, "%s[%zu]", path, idx);
	else
		r = snprintf(dst, len, "%s%s%s", path, *path ? "." : "", key);
	if (r < 0 || (size_t)r >= len)
		return check_fail(c, path, "nests too deep");
	return 0;
}

/* Check one value against its key entry (path names it). */
static int
check_value(struct wcheck *c, const struct wconf_key *k,
    struct json_object *v, const char *path)
{
	char		 sub[WCONF_PATH_MAX];
	unsigned int	 jt = check_jtype(v);
	size_t		 i;

	if (!(jt & k->wc_types))
		return check_bad_type(c, path, k->wc_types);
	if (jt == WCT_OBJECT) {
		if (k->wc_flags & WCF_TYPED)
			return check_record(c, c->wh_typed, v, path);
		if (k->wc_keys != NULL)
			return check_record(c, k->wc_keys, v, path);
		if ((k->wc_flags & WCF_MAP) && k->wc_elem != NULL) {
			json_object_object_foreach(v, key, val) {
				if (check_path(c, sub, sizeof(sub), path, key,
				    0) == -1 ||
				    check_value(c, k->wc_elem, val, sub) == -1)
					return -1;
			}
		}
	} else if (jt == WCT_ARRAY && k->wc_elem != NULL) {
		for (i = 0; i < json_object_array_length(v); i++)
			if (check_path(c, sub, sizeof(sub), path, NULL, i) ==
			    -1 || check_value(c, k->wc_elem,
			    json_object_array_get_idx(v, i), sub) == -1)
				return -1;
	}
	return 0;
}

/* Refuse a missing required key of tab in o (o may be NULL). */
static int
check_missing(struct wcheck *c, const struct wconf_key *tab,
    struct json_object *o, const char *path)
{
	struct json_object	*v;
	char			 sub[WCONF_PATH_MAX];
	const struct wconf_key	*k;

	for (k = tab; k->wc_name != NULL; k++) {
		v = NULL;
		if (o != NULL)
			(void)json_object_object_get_ex(o, k->wc_name, &v);
		if (v != NULL)
			continue;
		if (check_path(c, sub, sizeof(sub), path, k->wc_name, 0) ==
		    -1)
			return -1;
		if (k->wc_flags & WCF_REQUIRED)
			return check_fail(c, sub, "missing");
		/* an absent typed record still needs its required keys */
		if ((k->wc_flags & WCF_TYPED) &&
		    check_missing(c, c->wh_typed, NULL, sub) == -1)
			return -1;
	}
	return 0;
}

/* Check every member of record o against tab, then the required keys. */
static int
check_record(struct wcheck *c, const struct wconf_key *tab,
    struct json_object *o, const char *path)
{
	const struct wconf_key	*k;
	char			 sub[WCONF_PATH_MAX];

	json_object_object_foreach(o, key, val) {
		if (check_path(c, sub, sizeof(sub), path, key, 0) == -1)
			return -1;
		for (k = tab; k->wc_name != NULL; k++)
			if (strcmp(k->wc_name, key) == 0)
				break;
		if (k->wc_name == NULL)
			return check_fail(c, sub, "unknown");
		if (check_value(c, k, val, sub) == -1)
			return -1;
	}
	return check_missing(c, tab, o, path);
}

/* Check a whole worker config against the contract (see wconf.h). */
int
wconf_check(struct json_object *conf, char *err, size_t errlen)
{
	const struct conntype	*ct;
	struct wcheck		 c;
	const char		*type;

	memset(&c, 0, sizeof(c));
	c.wh_err = err;
	c.wh_errlen = errlen;
	if (!json_object_is_type(conf, json_type_object)) {
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	if ((type = jg_str(conf, "type", NULL)) == NULL)
		return check_fail(&c, "type", jg_get(conf, "type") != NULL ?
		    "is not a string" : "missing");
	if ((ct = conntype_by_name(type)) == NULL ||
	    !(ct->ct_flags & CTF_WORKER) ||
	    (c.wh_typed = wconf_type_keys(ct->ct_type)) == NULL) {
		snprintf(err, errlen, "key \"type\": \"%s\" is no worker's "
		    "connector type", type);
		return -1;
	}
	c.wh_type = ct->ct_name;
	return check_record(&c, wconf_common, conf, "");
}
