/* SPDX-License-Identifier: ISC */
/*
 * Connector validation: the keys every connector type accepts, their
 * types and defaults, URL and reconnect checks, codec and processor specs.
 * Produces the effective configuration stored in struct dep_connector.
 * Pure: no I/O.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "conntype.h"
#include "lines.h"
#include "proxy.h"
#include "reqmeta.h"
#include "troy.h"
#include "url.h"
#include "ws.h"

/* The type named name if troy files may use it, else CT_NONE. */
enum conn_type
troy_conn_type(const char *name)
{
	const struct conntype	*ct;

	if ((ct = conntype_by_name(name)) == NULL ||
	    (ct->ct_flags & CTF_TROY) == 0)
		return CT_NONE;
	return ct->ct_type;
}

/*
 * Does a connector of this type read its source (CTF_MODE_PORTS: a file
 * in mode "read", the default, or no mode)?  cfg is the effective
 * configuration (may be NULL).
 */
int
troy_conn_reads(enum conn_type type, struct json_object *cfg)
{
	const struct conntype	*ct = conntype_get(type);
	struct json_object	*c, *mode;

	if (ct == NULL || (ct->ct_flags & CTF_MODE_PORTS) == 0)
		return 1;
	if (json_object_object_get_ex(cfg, "config", &c) &&
	    json_object_object_get_ex(c, "mode", &mode))
		return strcmp(json_object_get_string(mode), "read") == 0;
	return 1;
}

/*
 * Is port a valid output (out=1) or input port of this type?  cfg is the
 * effective configuration (may be NULL): a type with CTF_MODE_PORTS that
 * reads has no input, one that writes no outputs.
 */
int
troy_conn_port(enum conn_type type, struct json_object *cfg,
    const char *port, int out)
{
	const struct conntype	*ct = conntype_get(type);

	if (ct != NULL && (ct->ct_flags & CTF_MODE_PORTS) &&
	    troy_conn_reads(type, cfg) == !out)
		return 0;
	return conntype_has_port(ct, port, out);
}

/* Where one value is written, for error messages. */
struct vctx {
	const struct troy_expr	*vc_src;	/* its source expression */
	struct troy_pos		 vc_pos;	/* fallback position */
	struct troy_diags	*vc_diags;
	const char		*vc_what;	/* "ws_client config" */
};

/* The source expression of key in a record expression, or NULL. */
static const struct troy_expr *
src_sub(const struct troy_expr *src, const char *key, struct troy_pos *kpos,
    const struct troy_pos *fallback)
{
	const struct troy_field	*f;
	int			 i;

	*kpos = troy_expr_pos(src, fallback);
	if (src == NULL || src->te_kind != EX_REC)
		return NULL;
	/* the last of duplicate keys wins, as in the folded record */
	for (i = src->te_list.tl_n; i-- > 0; ) {
		f = &src->te_list.tl_v[i];
		if (strcmp(f->tf_key, key) != 0)
			continue;
		kpos->p_line = f->tf_pos.p_line;
		kpos->p_col = f->tf_pos.p_col;
		return f->tf_expr;
	}
	return NULL;
}

/* Child context for key of a record value. */
static struct vctx
vc_key(const struct vctx *vc, const char *key, struct troy_pos *kpos)
{
	struct vctx	c = *vc;
	struct troy_pos	kp;

	c.vc_src = src_sub(vc->vc_src, key, &kp, &vc->vc_pos);
	c.vc_pos = troy_expr_pos(c.vc_src, &kp);
	if (kpos != NULL)
		*kpos = kp;
	return c;
}

/* Position of the value itself. */
static struct troy_pos
vc_pos(const struct vctx *vc)
{
	return troy_expr_pos(vc->vc_src, &vc->vc_pos);
}

/* Type names as troy users know them. */
static const char *
tname(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a bool";
	case json_type_int:
		return "an integer";
	case json_type_double:
		return "a float";
	case json_type_string:
		return "a string";
	case json_type_array:
		return "an array";
	default:
		return "a record";
	}
}

/* Complain that key has the wrong type. */
static int
bad_type(const struct vctx *vc, const char *key, const char *want,
    struct json_object *v)
{
	struct troy_pos	pos = vc_pos(vc);

	troy_error(vc->vc_diags, &pos, "\"%s\" must be %s, not %s", key, want,
	    tname(v));
	return -1;
}

/* Check that every key of record v is in names; report the others. */
static int
check_keys(const struct vctx *vc, struct json_object *v,
    const char *const *names, size_t n, const char *what)
{
	struct troy_pos	kpos;
	const char	*hint;
	int		 rc = 0;
	size_t		 i;

	json_object_object_foreach(v, key, val) {
		(void)val;
		for (i = 0; i < n; i++)
			if (strcmp(key, names[i]) == 0)
				break;
		if (i < n)
			continue;
		(void)vc_key(vc, key, &kpos);
		hint = suggest_closest(key, names, n);
		if (hint != NULL)
			troy_error(vc->vc_diags, &kpos, "unknown key \"%s\" in "
			    "%s (did you mean \"%s\"?)", key, what, hint);
		else
			troy_error(vc->vc_diags, &kpos, "unknown key \"%s\" in "
			    "%s", key, what);
		rc = -1;
	}
	return rc;
}

/* A key that must be an unsigned integer within [min, max]. */
static int
want_uint(const struct vctx *vc, struct json_object *rec, const char *key,
    long long min, long long max, long long dflt, int fill)
{
	struct json_object	*v;
	struct vctx		 c;
	struct troy_pos		 pos;

	if (!json_object_object_get_ex(rec, key, &v)) {
		if (fill)
			json_object_object_add(rec, key,
			    json_object_new_int64(dflt));
		return 0;
	}
	c = vc_key(vc, key, NULL);
	if (!json_object_is_type(v, json_type_int))
		return bad_type(&c, key, "an integer", v);
	if (json_object_get_int64(v) < min || json_object_get_int64(v) > max) {
		pos = vc_pos(&c);
		troy_error(vc->vc_diags, &pos, "\"%s\" must be between %lld "
		    "and %lld", key, min, max);
		return -1;
	}
	return 0;
}

/* A key that must be a bool (default filled in if dflt >= 0). */
static int
want_bool(const struct vctx *vc, struct json_object *rec, const char *key,
    int dflt)
{
	struct json_object	*v;
	struct vctx		 c;

	if (!json_object_object_get_ex(rec, key, &v)) {
		if (dflt >= 0)
			json_object_object_add(rec, key,
			    json_object_new_boolean(dflt));
		return 0;
	}
	c = vc_key(vc, key, NULL);
	if (!json_object_is_type(v, json_type_boolean))
		return bad_type(&c, key, "a bool", v);
	return 0;
}

/* A string key, if present, that must be one of names[0..n); what names
 * the kind of value in the error ("file mode"). */
static int
want_enum(const struct vctx *vc, struct json_object *rec, const char *key,
    const char *const *names, size_t n, const char *what)
{
	struct json_object	*v;
	struct vctx		 c;
	struct troy_pos		 pos;
	const char		*hint;
	char			 all[128] = "one of ";
	size_t			 i;

	if (!json_object_object_get_ex(rec, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(json_object_get_string(v), names[i]) == 0)
			return 0;
	for (i = 0; i < n; i++) {
		(void)strlcat(all, names[i], sizeof(all));
		if (i + 1 < n)
			(void)strlcat(all, ", ", sizeof(all));
	}
	c = vc_key(vc, key, NULL);
	pos = vc_pos(&c);
	hint = suggest_closest(json_object_get_string(v), names, n);
	troy_error(vc->vc_diags, &pos, "unknown %s \"%s\" (%s%s%s)", what,
	    json_object_get_string(v), hint ? "did you mean \"" : all,
	    hint ? hint : "", hint ? "\"?" : "");
	return -1;
}

/* A key that must be a string; required ones are reported if missing. */
static int
want_str(const struct vctx *vc, struct json_object *rec, const char *key,
    int required, const char *what)
{
	struct json_object	*v;
	struct vctx		 c;

	if (!json_object_object_get_ex(rec, key, &v)) {
		if (required) {
			struct troy_pos pos = vc_pos(vc);

			troy_error(vc->vc_diags, &pos, "missing key \"%s\" "
			    "in %s", key, what);
			return -1;
		}
		return 0;
	}
	c = vc_key(vc, key, NULL);
	if (!json_object_is_type(v, json_type_string))
		return bad_type(&c, key, "a string", v);
	if (required && json_object_get_string_len(v) == 0) {
		struct troy_pos pos = vc_pos(&c);

		troy_error(vc->vc_diags, &pos, "\"%s\" must not be empty",
		    key);
		return -1;
	}
	return 0;
}

/* Check a ws:// or wss:// URL (a bare host:port gets ws:// in front). */
static int
check_url(const struct vctx *vc, struct json_object *rec)
{
	struct json_object	*v;
	struct vctx		 c;
	struct troy_pos		 pos;
	const char		*url, *p, *auth, *host, *hend, *port;
	const char		*why = NULL;
	size_t			 sl;
	long			 n;

	if (!json_object_object_get_ex(rec, "url", &v))
		return 0;	/* reported as missing */
	c = vc_key(vc, "url", NULL);
	pos = vc_pos(&c);
	url = json_object_get_string(v);
	for (p = url; isalpha((unsigned char)*p) || *p == '-'; p++)
		;
	if (p > url && strncmp(p, "://", 3) == 0) {
		sl = (size_t)(p - url);
		if (!((sl == 2 && strncasecmp(url, "ws", 2) == 0) ||
		    (sl == 3 && strncasecmp(url, "wss", 3) == 0))) {
			troy_error(vc->vc_diags, &pos, "malformed url \"%s\": "
			    "scheme must be ws or wss", url);
			return -1;
		}
		auth = p + 3;
	} else
		auth = url;
	if (strchr(url, ' ') != NULL || strlen(url) > 2048) {
		why = "spaces or too long";
		goto bad;
	}
	host = auth;
	if (*host == '[') {
		if ((hend = strchr(host, ']')) == NULL) {
			why = "unterminated [";
			goto bad;
		}
		hend++;
	} else {
		for (hend = host; *hend != '\0' && *hend != ':' &&
		    *hend != '/' && *hend != '?' && *hend != '#'; hend++)
			if (*hend == '@') {
				why = "user info is not supported";
				goto bad;
			}
	}
	if (hend == host) {
		why = "host missing";
		goto bad;
	}
	if (*hend == ':') {
		port = hend + 1;
		n = 0;
		if (!isdigit((unsigned char)*port)) {
			why = "port must be a number";
			goto bad;
		}
		for (; isdigit((unsigned char)*port); port++) {
			n = n * 10 + (*port - '0');
			if (n > 65535)
				break;
		}
		if (n < 1 || n > 65535) {
			why = "port out of range";
			goto bad;
		}
		if (*port != '\0' && *port != '/' && *port != '?' &&
		    *port != '#') {
			why = "port must be a number";
			goto bad;
		}
	} else if (*hend != '\0' && *hend != '/' && *hend != '?' &&
	    *hend != '#') {
		why = "bad host";
		goto bad;
	}
	return 0;
bad:
	troy_error(vc->vc_diags, &pos, "malformed url \"%s\": %s", url, why);
	return -1;
}

/* An error at key of the record: the message a, b and c. */
static int
key_error(const struct vctx *vc, const char *key, const char *a,
    const char *b, const char *c)
{
	struct vctx	 kc = vc_key(vc, key, NULL);
	struct troy_pos	 pos = vc_pos(&kc);

	troy_error(vc->vc_diags, &pos, "%s%s%s", a, b, c);
	return -1;
}

/*
 * A Unix-domain socket path (issue 14): ws_server's url "unix:PATH"
 * with its socket_mode, socket_owner and socket_group (which need
 * one), or ws_client's unix_socket.
 */
static int
check_unix(const struct vctx *vc, struct json_object *rec, int server)
{
	static const char *const perms[] = {
		"socket_mode", "socket_owner", "socket_group",
	};
	struct json_object	*v;
	const char		*s, *path, *why = NULL;
	char			*end;
	long			 mode;
	size_t			 i;
	int			 isunix = 0, rc = 0;

	if (server && json_object_object_get_ex(rec, "url", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    (isunix = url_is_unix(json_object_get_string(v))) &&
	    url_unix(json_object_get_string(v), &path, &why) == -1) {
		rc = key_error(vc, "url", "malformed url: ", why, "");
		why = NULL;
	}
	if (!server && json_object_object_get_ex(rec, "unix_socket", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    url_unix_path(json_object_get_string(v), &why) == -1)
		rc = key_error(vc, "unix_socket", "bad unix_socket: ", why,
		    "");
	/* the supervisor hands over a connected socket: no proxy to dial */
	if (!server && json_object_object_get_ex(rec, "unix_socket", NULL) &&
	    json_object_object_get_ex(rec, "proxy", NULL))
		rc = key_error(vc, "proxy", "\"proxy\" and \"unix_socket\" ",
		    "exclude each other", "");
	if (!server)
		return rc;
	for (i = 0; i < sizeof(perms) / sizeof(perms[0]); i++) {
		if (!json_object_object_get_ex(rec, perms[i], &v))
			continue;
		if (want_str(vc, rec, perms[i], 1, "ws_server config") == -1)
			rc = -1;
		else if (!isunix)
			rc = key_error(vc, perms[i], "\"", perms[i],
			    "\" needs a url \"unix:PATH\"");
	}
	if (json_object_object_get_ex(rec, "socket_mode", &v) &&
	    json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		mode = strtol(s, &end, 8);
		if (*s < '0' || *s > '7' || *end != '\0' || mode > 0777)
			rc = key_error(vc, "socket_mode", "socket_mode \"", s,
			    "\" must be octal digits from \"0\" to \"0777\", "
			    "such as \"0660\"");
	}
	return rc;
}

/*
 * socket_options {"TCP_NODELAY", "SO_REUSEADDR", "SO_REUSEPORT"}; a
 * missing TCP_NODELAY follows nodelay.
 */
static int
check_sockopts(const struct vctx *vc, struct json_object *rec, int nodelay)
{
	static const char *const names[] = {
		"TCP_NODELAY", "SO_REUSEADDR", "SO_REUSEPORT",
	};
	struct json_object	*v;
	struct vctx		 c;
	int			 rc;

	if (!json_object_object_get_ex(rec, "socket_options", &v))
		return 0;
	c = vc_key(vc, "socket_options", NULL);
	if (!json_object_is_type(v, json_type_object))
		return bad_type(&c, "socket_options", "a record", v);
	rc = check_keys(&c, v, names, 3, "socket_options");
	rc |= want_bool(&c, v, "TCP_NODELAY", nodelay);
	rc |= want_bool(&c, v, "SO_REUSEADDR", 1);
	rc |= want_bool(&c, v, "SO_REUSEPORT", 0);
	return rc ? -1 : 0;
}

/*
 * Time limits and sizes shared by ws_server and ws_client (issue 11);
 * the worker fills in what is absent.
 */
static int
check_limits(const struct vctx *vc, struct json_object *rec)
{
	int	 rc;

	rc = want_uint(vc, rec, "handshake_timeout_ms", 1, 3600000, 0, 0);
	rc |= want_uint(vc, rec, "pong_timeout_ms", 1, 86400000, 0, 0);
	rc |= want_uint(vc, rec, "message_timeout_ms", 0, 86400000, 0, 0);
	rc |= want_uint(vc, rec, "max_message_size", 1, 1073741824, 0, 0);
	rc |= want_uint(vc, rec, "max_frame_size", 1, 1073741824, 0, 0);
	return rc ? -1 : 0;
}

/* Whether s is an origin as browsers send it: scheme://host[:port]. */
static int
origin_ok(const char *s)
{
	const char	*p = s, *h;

	if (!isalpha((unsigned char)*p))
		return 0;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
	    *p == '.')
		p++;
	if (strncmp(p, "://", 3) != 0)
		return 0;
	for (h = p += 3; *p != '\0' && *p != ':'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' &&
		    *p != '[' && *p != ']')
			return 0;
	if (p == h)
		return 0;
	if (*p == ':') {
		if (*++p == '\0')
			return 0;
		for (; *p != '\0'; p++)
			if (!isdigit((unsigned char)*p))
				return 0;
	}
	return 1;
}

/* allowed_origins: an array of exact origins (scheme://host[:port]). */
static int
check_origins(const struct vctx *vc, struct json_object *rec)
{
	struct json_object	*v, *o;
	struct vctx		 c;
	struct troy_pos		 pos;
	size_t			 i;
	int			 rc = 0;

	if (!json_object_object_get_ex(rec, "allowed_origins", &v))
		return 0;
	c = vc_key(vc, "allowed_origins", NULL);
	if (!json_object_is_type(v, json_type_array))
		return bad_type(&c, "allowed_origins", "an array of strings", v);
	for (i = 0; i < json_object_array_length(v); i++) {
		o = json_object_array_get_idx(v, i);
		pos = vc_pos(&c);
		if (c.vc_src != NULL && c.vc_src->te_kind == EX_ARR &&
		    i < (size_t)c.vc_src->te_list.tl_n)
			pos = troy_expr_pos(c.vc_src->te_list.tl_v[i].tf_expr,
			    &pos);
		if (!json_object_is_type(o, json_type_string)) {
			troy_error(vc->vc_diags, &pos, "\"allowed_origins\" "
			    "must hold strings, not %s", tname(o));
			rc = -1;
		} else if (!origin_ok(json_object_get_string(o))) {
			troy_error(vc->vc_diags, &pos, "\"%s\" is not an "
			    "origin (scheme://host or scheme://host:port, no "
			    "path)", json_object_get_string(o));
			rc = -1;
		}
	}
	return rc;
}

/* Position of element i of an array value, for error messages. */
static struct troy_pos
vc_elem_pos(const struct vctx *c, size_t i)
{
	struct troy_pos	 pos = vc_pos(c);

	if (c->vc_src != NULL && c->vc_src->te_kind == EX_ARR &&
	    i < (size_t)c->vc_src->te_list.tl_n)
		pos = troy_expr_pos(c->vc_src->te_list.tl_v[i].tf_expr, &pos);
	return pos;
}

/*
 * request_headers (issue 14): at most REQMETA_MAX_NAMES header field
 * names (tokens of up to 128 characters), none twice in any case.
 */
static int
check_request_headers(const struct vctx *vc, struct json_object *rec)
{
	struct json_object	*v, *o;
	struct vctx		 c;
	struct troy_pos		 pos;
	const char		*s;
	size_t			 i, j, n;
	int			 rc = 0;

	if (!json_object_object_get_ex(rec, "request_headers", &v))
		return 0;
	c = vc_key(vc, "request_headers", NULL);
	if (!json_object_is_type(v, json_type_array))
		return bad_type(&c, "request_headers", "an array of strings", v);
	if ((n = json_object_array_length(v)) > REQMETA_MAX_NAMES) {
		pos = vc_elem_pos(&c, REQMETA_MAX_NAMES);
		troy_error(vc->vc_diags, &pos, "\"request_headers\" names "
		    "%zu fields; at most %d", n, REQMETA_MAX_NAMES);
		return -1;
	}
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(v, i);
		pos = vc_elem_pos(&c, i);
		if (!json_object_is_type(o, json_type_string)) {
			troy_error(vc->vc_diags, &pos, "\"request_headers\" "
			    "must hold strings, not %s", tname(o));
			rc = -1;
			continue;
		}
		s = json_object_get_string(o);
		if (!reqmeta_name_ok(s) || strlen(s) > 128) {
			troy_error(vc->vc_diags, &pos, "\"%s\" is not a header "
			    "field name (letters, digits and !#$%%&'*+-.^_`|~, "
			    "at most 128)", s);
			rc = -1;
			continue;
		}
		for (j = 0; j < i; j++)
			if (strcasecmp(s, json_object_get_string(
			    json_object_array_get_idx(v, j))) == 0)
				break;
		if (j < i) {
			troy_error(vc->vc_diags, &pos, "\"request_headers\" "
			    "names \"%s\" twice", s);
			rc = -1;
		}
	}
	return rc;
}

/* Whether a header field name is one the handshake writes itself. */
static int
hdr_owned(const char *name)
{
	static const char *const owned[] = {
		"host", "upgrade", "connection", "origin", "content-length",
		"transfer-encoding",
	};
	size_t	 i;

	if (strncasecmp(name, "sec-websocket-", 14) == 0)
		return 1;
	for (i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		if (strcasecmp(name, owned[i]) == 0)
			return 1;
	return 0;
}

/*
 * ws_client headers (issue 14): a record of at most REQMETA_MAX_NAMES
 * extra handshake fields, each a string or {"file": PATH} (wsflowd reads
 * it at start), none the handshake's own; and origin, a string.  Values
 * with CR, LF or other controls are refused.
 */
static int
check_client_headers(const struct vctx *vc, struct json_object *rec)
{
	static const char *const filekeys[] = { "file" };
	struct json_object	*v;
	struct vctx		 c, e;
	struct troy_pos		 pos;
	int			 rc = 0;

	if (want_str(vc, rec, "origin", 0, "ws_client config") == -1)
		return -1;
	if (json_object_object_get_ex(rec, "origin", &v) &&
	    !ws_header_value_ok(json_object_get_string(v))) {
		c = vc_key(vc, "origin", NULL);
		pos = vc_pos(&c);
		troy_error(vc->vc_diags, &pos, "\"origin\" holds a control "
		    "character (CR, LF or another)");
		rc = -1;
	}
	if (!json_object_object_get_ex(rec, "headers", &v))
		return rc;
	c = vc_key(vc, "headers", NULL);
	if (!json_object_is_type(v, json_type_object))
		return bad_type(&c, "headers", "a record", v);
	if (json_object_object_length(v) > REQMETA_MAX_NAMES) {
		pos = vc_pos(&c);
		troy_error(vc->vc_diags, &pos, "\"headers\" has %d fields; at "
		    "most %d", json_object_object_length(v), REQMETA_MAX_NAMES);
		return -1;
	}
	json_object_object_foreach(v, name, val) {
		e = vc_key(&c, name, &pos);
		if (!reqmeta_name_ok(name) || hdr_owned(name)) {
			troy_error(vc->vc_diags, &pos, "\"%s\" %s", name,
			    hdr_owned(name) ? "is written by the handshake "
			    "itself (Host, Upgrade, Connection, Origin: use "
			    "\"origin\", Sec-WebSocket-*)" : "is not a header "
			    "field name");
			rc = -1;
			continue;
		}
		if (json_object_is_type(val, json_type_object)) {
			if (check_keys(&e, val, filekeys, 1, "header") == -1 ||
			    want_str(&e, val, "file", 1, "header") == -1)
				rc = -1;
			continue;
		}
		if (!json_object_is_type(val, json_type_string)) {
			rc |= bad_type(&e, name, "a string or a record "
			    "{\"file\": PATH}", val);
			continue;
		}
		if (!ws_header_value_ok(json_object_get_string(val))) {
			pos = vc_pos(&e);
			troy_error(vc->vc_diags, &pos, "header \"%s\" holds a "
			    "control character (CR, LF or another)", name);
			rc = -1;
		}
	}
	return rc;
}

/* proxy.credentials: "user:password" or {"file": PATH}. */
static int
check_proxy_credentials(const struct vctx *vc, struct json_object *cr)
{
	static const char *const filekeys[] = { "file" };
	struct troy_pos		 pos;

	if (json_object_is_type(cr, json_type_object))
		return check_keys(vc, cr, filekeys, 1, "credentials") == -1 ||
		    want_str(vc, cr, "file", 1, "credentials") == -1 ? -1 : 0;
	if (!json_object_is_type(cr, json_type_string))
		return bad_type(vc, "credentials", "a string or a record "
		    "{\"file\": PATH}", cr);
	if (!proxy_auth_ok(json_object_get_string(cr))) {
		pos = vc_pos(vc);
		troy_error(vc->vc_diags, &pos, "\"credentials\" must be "
		    "user:password (a colon, no control characters)");
		return -1;
	}
	return 0;
}

/*
 * ws_client proxy (issue 14): an http:// URL, or a record {"url",
 * "credentials"} whose credentials are "user:password" or {"file":
 * PATH} (wsflowd reads it at start).  No message quotes the URL: it may
 * hold a password.
 */
static int
check_client_proxy(const struct vctx *vc, struct json_object *rec)
{
	static const char *const keys[] = { "url", "credentials" };
	struct json_object	*v, *u, *cr = NULL;
	struct vctx		 c, e;
	struct troy_pos		 pos;
	struct proxy_url	 px;
	const char		*why = NULL;
	int			 rc = 0;

	if (!json_object_object_get_ex(rec, "proxy", &v))
		return 0;
	c = vc_key(vc, "proxy", NULL);
	if (json_object_is_type(v, json_type_object)) {
		if (check_keys(&c, v, keys, 2, "proxy") == -1 ||
		    want_str(&c, v, "url", 1, "proxy") == -1)
			return -1;
		(void)json_object_object_get_ex(v, "url", &u);
		(void)json_object_object_get_ex(v, "credentials", &cr);
		e = vc_key(&c, "url", NULL);
	} else if (json_object_is_type(v, json_type_string)) {
		u = v;
		e = c;
	} else
		return bad_type(&c, "proxy", "a string (an http:// URL) or a "
		    "record", v);
	if (proxy_url_parse(json_object_get_string(u), &px, &why) == -1) {
		pos = vc_pos(&e);
		troy_error(vc->vc_diags, &pos, "malformed proxy url: %s", why);
		return -1;
	}
	if (cr != NULL) {
		e = vc_key(&c, "credentials", NULL);
		rc = check_proxy_credentials(&e, cr);
		if (rc == 0 && px.px_has_auth) {
			pos = vc_pos(&e);
			troy_error(vc->vc_diags, &pos, "credentials both in "
			    "the proxy url and in \"credentials\"");
			rc = -1;
		}
	}
	explicit_bzero(&px, sizeof(px));
	return rc;
}

/* The TLS policy keys of a tls record (both roles). */
static int
check_tls_policy(const struct vctx *vc, struct json_object *tls)
{
	struct json_object	*v;
	struct vctx		 c;
	struct troy_pos		 pos;
	const char		*s;
	int			 rc;

	rc = want_str(vc, tls, "ciphers", 0, "tls");
	rc |= want_str(vc, tls, "ciphersuites", 0, "tls");
	rc |= want_str(vc, tls, "min_version", 0, "tls");
	if (rc == 0 && json_object_object_get_ex(tls, "min_version", &v)) {
		s = json_object_get_string(v);
		if (strcmp(s, "1.2") != 0 && strcmp(s, "1.3") != 0) {
			c = vc_key(vc, "min_version", NULL);
			pos = vc_pos(&c);
			troy_error(vc->vc_diags, &pos, "\"min_version\" must be "
			    "\"1.2\" or \"1.3\", not \"%s\"", s);
			rc = -1;
		}
	}
	return rc ? -1 : 0;
}

/*
 * compression: false, true or a record of RFC 7692 parameters and the
 * zlib level (both WebSocket connectors).
 */
static int
check_compression(const struct vctx *vc, struct json_object *rec)
{
	static const char *const names[] = {
		"server_no_context_takeover", "client_no_context_takeover",
		"server_max_window_bits", "client_max_window_bits", "level",
	};
	struct json_object	*v;
	struct vctx		 c;
	int			 rc;

	if (!json_object_object_get_ex(rec, "compression", &v) ||
	    json_object_is_type(v, json_type_boolean))
		return 0;
	c = vc_key(vc, "compression", NULL);
	if (!json_object_is_type(v, json_type_object))
		return bad_type(&c, "compression", "a bool or a record", v);
	rc = check_keys(&c, v, names, 5, "compression");
	rc |= want_bool(&c, v, "server_no_context_takeover", -1);
	rc |= want_bool(&c, v, "client_no_context_takeover", -1);
	rc |= want_uint(&c, v, "server_max_window_bits", 8, 15, 15, 0);
	rc |= want_uint(&c, v, "client_max_window_bits", 8, 15, 15, 0);
	rc |= want_uint(&c, v, "level", 0, 9, 6, 0);
	return rc ? -1 : 0;
}

/*
 * max_buffered: the worker's memory budget for what peers make it hold,
 * bytes (1 MiB to 1 TiB, default 256 MiB; the worker's default).
 */
static int
want_budget(const struct vctx *vc, struct json_object *rec)
{
	return want_uint(vc, rec, "max_buffered", 1LL << 20, 1LL << 40,
	    256LL << 20, 0);
}

/*
 * protocols: subprotocol names (RFC 6455 4.1: tokens), each once, that
 * fit one Sec-WebSocket-Protocol header.
 */
static int
check_protocols(const struct vctx *vc, struct json_object *rec)
{
	struct json_object	*v, *e;
	struct vctx		 c;
	struct troy_pos		 pos;
	const char		*p, *q;
	size_t			 i, j, n, total = 0;

	if (!json_object_object_get_ex(rec, "protocols", &v))
		return 0;
	c = vc_key(vc, "protocols", NULL);
	pos = vc_pos(&c);
	if (!json_object_is_type(v, json_type_array))
		return bad_type(&c, "protocols", "an array of strings", v);
	if ((n = json_object_array_length(v)) > 16) {
		troy_error(vc->vc_diags, &pos, "\"protocols\" has more than "
		    "16 names");
		return -1;
	}
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(v, i);
		if (!json_object_is_type(e, json_type_string))
			return bad_type(&c, "protocols", "an array of strings",
			    e);
		p = json_object_get_string(e);
		for (q = p; *q != '\0'; q++)
			if (!isalnum((unsigned char)*q) &&
			    strchr("!#$%&'*+-.^_`|~", *q) == NULL)
				break;
		if (*p == '\0' || *q != '\0') {
			troy_error(vc->vc_diags, &pos, "protocol \"%s\" is "
			    "not a token (letters, digits and !#$%%&'*+-.^_`|~)",
			    p);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(p, json_object_get_string(
			    json_object_array_get_idx(v, j))) == 0) {
				troy_error(vc->vc_diags, &pos, "protocol "
				    "\"%s\" is named twice", p);
				return -1;
			}
		total += strlen(p) + 2;
	}
	if (total > 255) {
		troy_error(vc->vc_diags, &pos, "\"protocols\" are too long "
		    "for one header (at most 255 bytes with \", \")");
		return -1;
	}
	return 0;
}

static int	check_instances(const struct vctx *, struct json_object *);
static int	check_relay_instances(const struct vctx *,
		    struct json_object *);

/* ws_client config. */
static int
conf_ws_client(const struct vctx *vc, struct json_object *rec)
{
	static const char *const names[] = {
		"url", "no_delay", "tls", "socket_options", "ping_interval_ms",
		"per_stream", "max_connections", "idle_timeout_ms",
		"handshake_timeout_ms", "pong_timeout_ms",
		"message_timeout_ms", "max_message_size", "max_frame_size",
		/* memory budget (issue 11) */
		"max_buffered",
		/* permessage-deflate and subprotocols (issue 14) */
		"compression", "protocols",
		"headers", "origin",
		/* Unix-domain sockets (issue 14) */
		"unix_socket",
		/* an HTTP CONNECT proxy (issue 14) */
		"proxy",
		/* relay worker processes (issue 15) */
		"instances",
	};
	static const char *const tlsnames[] = {
		"cafile", "domain", "ciphers", "ciphersuites", "min_version",
		"cert", "key",
	};
	struct json_object	*v, *s;
	struct vctx		 c;
	int			 rc, explicit;

	rc = check_keys(vc, rec, names, sizeof(names) / sizeof(names[0]),
	    "ws_client config");
	rc |= want_budget(vc, rec);
	rc |= check_compression(vc, rec);
	rc |= check_protocols(vc, rec);
	rc |= check_client_headers(vc, rec);
	rc |= check_client_proxy(vc, rec);
	rc |= want_uint(vc, rec, "ping_interval_ms", 0, 86400000, 0, 0);
	rc |= check_limits(vc, rec);
	/* the relay mode (workers/ws_relay.c) and its bounds */
	rc |= want_bool(vc, rec, "per_stream", -1);
	rc |= want_uint(vc, rec, "max_connections", 1, 65536, 1024, 0);
	rc |= want_uint(vc, rec, "idle_timeout_ms", 0, 86400000, 0, 0);
	if (check_instances(vc, rec) == -1)
		rc = -1;
	else
		rc |= check_relay_instances(vc, rec);
	rc |= want_str(vc, rec, "url", 1, "ws_client config");
	rc |= check_url(vc, rec);
	rc |= want_str(vc, rec, "unix_socket", 0, "ws_client config");
	rc |= check_unix(vc, rec, 0);
	/* no_delay and socket_options.TCP_NODELAY are one setting */
	explicit = json_object_object_get_ex(rec, "no_delay", NULL);
	if (!explicit && json_object_object_get_ex(rec, "socket_options", &s) &&
	    json_object_object_get_ex(s, "TCP_NODELAY", &v) &&
	    json_object_is_type(v, json_type_boolean))
		json_object_object_add(rec, "no_delay", json_object_get(v));
	rc |= want_bool(vc, rec, "no_delay", 1);
	v = json_object_object_get(rec, "no_delay");
	rc |= check_sockopts(vc, rec, json_object_get_boolean(v));
	if (rc == 0 && explicit &&
	    json_object_object_get_ex(rec, "socket_options", &s) &&
	    json_object_get_boolean(json_object_object_get(s, "TCP_NODELAY")) !=
	    json_object_get_boolean(v)) {
		struct troy_pos pos;

		c = vc_key(vc, "socket_options", NULL);
		pos = vc_pos(&c);
		troy_error(vc->vc_diags, &pos, "\"no_delay\" and "
		    "socket_options \"TCP_NODELAY\" disagree");
		return -1;
	}
	if (json_object_object_get_ex(rec, "tls", &v) &&
	    !json_object_is_type(v, json_type_boolean)) {
		c = vc_key(vc, "tls", NULL);
		if (!json_object_is_type(v, json_type_object))
			return bad_type(&c, "tls", "a bool or a record", v);
		rc |= check_keys(&c, v, tlsnames, 7, "ws_client tls");
		rc |= want_str(&c, v, "cafile", 0, "tls");
		rc |= want_str(&c, v, "domain", 0, "tls");
		rc |= check_tls_policy(&c, v);
		/* a client certificate: both files or neither */
		rc |= want_str(&c, v, "cert", json_object_object_get_ex(v,
		    "key", NULL), "ws_client tls");
		rc |= want_str(&c, v, "key", json_object_object_get_ex(v,
		    "cert", NULL), "ws_client tls");
	}
	return rc ? -1 : 0;
}

/* ws_server tls: cafile, and verify_client none (the default), optional
 * or required, which needs a cafile to verify with. */
static int
check_verify_client(const struct vctx *vc, struct json_object *tls)
{
	static const char *const modes[] = { "none", "optional", "required" };
	struct json_object	*v;
	struct vctx		 c;
	struct troy_pos		 pos;
	int			 rc;

	rc = want_str(vc, tls, "cafile", 0, "ws_server tls");
	rc |= want_str(vc, tls, "verify_client", 0, "ws_server tls");
	rc |= want_enum(vc, tls, "verify_client", modes, 3,
	    "verify_client mode");
	if (rc == 0 && json_object_object_get_ex(tls, "verify_client", &v) &&
	    strcmp(json_object_get_string(v), "none") != 0 &&
	    !json_object_object_get_ex(tls, "cafile", NULL)) {
		c = vc_key(vc, "verify_client", NULL);
		pos = vc_pos(&c);
		troy_error(vc->vc_diags, &pos, "verify_client \"%s\" needs a "
		    "\"cafile\" to verify client certificates with",
		    json_object_get_string(v));
		rc = -1;
	}
	return rc;
}

/* ws_server and relay instances: 1 to DEPLOY_MAX_INSTANCES worker
 * processes, or "auto" (one per online CPU, counted when the daemon starts). */
static int
check_instances(const struct vctx *vc, struct json_object *rec)
{
	struct json_object	*v;
	struct vctx		 c;
	struct troy_pos		 pos;

	if (!json_object_object_get_ex(rec, "instances", &v) ||
	    json_object_is_type(v, json_type_int))
		return want_uint(vc, rec, "instances", 1, DEPLOY_MAX_INSTANCES,
		    1, 0);
	c = vc_key(vc, "instances", NULL);
	if (!json_object_is_type(v, json_type_string))
		return bad_type(&c, "instances", "an integer or \"auto\"", v);
	if (strcmp(json_object_get_string(v), "auto") == 0)
		return 0;
	pos = vc_pos(&c);
	troy_error(vc->vc_diags, &pos, "\"instances\" must be an integer "
	    "between 1 and %d or \"auto\", not \"%s\"", DEPLOY_MAX_INSTANCES,
	    json_object_get_string(v));
	return -1;
}

/* Instances share an address through SO_REUSEPORT, which Unix-domain
 * sockets do not have: a unix: url takes instances = 1 only. */
static int
check_unix_instances(const struct vctx *vc, struct json_object *rec)
{
	struct json_object	*u, *n;

	if (!json_object_object_get_ex(rec, "url", &u) ||
	    !json_object_is_type(u, json_type_string) ||
	    !url_is_unix(json_object_get_string(u)) ||
	    !json_object_object_get_ex(rec, "instances", &n) ||
	    (json_object_is_type(n, json_type_int) &&
	    json_object_get_int64(n) == 1))
		return 0;
	return key_error(vc, "instances", "\"instances\" must be 1 with a ",
	    "unix: url ", "(several workers share an address only over TCP)");
}

/* ws_client instances: only the relay (per_stream) runs as several
 * workers, each owning the upstream connections of its share of the
 * streams; a single connection cannot be shared out. */
static int
check_relay_instances(const struct vctx *vc, struct json_object *rec)
{
	struct json_object	*n, *ps;

	if (!json_object_object_get_ex(rec, "instances", &n) ||
	    (json_object_is_type(n, json_type_int) &&
	    json_object_get_int64(n) == 1) ||
	    (json_object_object_get_ex(rec, "per_stream", &ps) &&
	    json_object_is_type(ps, json_type_boolean) &&
	    json_object_get_boolean(ps)))
		return 0;
	return key_error(vc, "instances", "instances needs ",
	    "per_stream = true ", "on a ws_client");
}

/*
 * ws_server broadcast: a bool, or a record {"max_queued": bytes}, the
 * output bound of each client (64 KiB to 1 GiB, default 8 MiB).
 */
static int
check_broadcast(const struct vctx *vc, struct json_object *rec)
{
	static const char *const names[] = { "max_queued" };
	struct json_object	*v;
	struct vctx		 c;
	int			 rc;

	if (!json_object_object_get_ex(rec, "broadcast", &v) ||
	    json_object_is_type(v, json_type_boolean))
		return 0;
	c = vc_key(vc, "broadcast", NULL);
	if (!json_object_is_type(v, json_type_object))
		return bad_type(&c, "broadcast", "a bool or a record "
		    "{\"max_queued\"}", v);
	rc = check_keys(&c, v, names, 1, "broadcast");
	rc |= want_uint(&c, v, "max_queued", 64LL << 10, 1LL << 30, 8LL << 20,
	    0);
	return rc ? -1 : 0;
}

/* ws_server config. */
static int
conf_ws_server(const struct vctx *vc, struct json_object *rec)
{
	static const char *const names[] = {
		"url", "tls", "backlog", "socket_options", "ping_interval_ms",
		"max_connections", "handshake_timeout_ms", "idle_timeout_ms",
		"pong_timeout_ms", "message_timeout_ms", "max_message_size",
		"max_frame_size", "max_connections_per_ip", "allowed_origins",
		/* memory budget (issue 11) */
		"max_buffered",
		/* permessage-deflate and subprotocols (issue 14) */
		"compression", "protocols",
		"request_headers",
		/* worker processes on the one address (issue 15) */
		"instances",
		/* Unix-domain sockets (issue 14) */
		"socket_mode", "socket_owner", "socket_group",
		/* every event to every client (issue 14) */
		"broadcast",
	};
	static const char *const tlsnames[] = {
		"cert", "key", "ciphers", "ciphersuites", "min_version",
		"cafile", "verify_client",
	};
	struct json_object	*v;
	struct vctx		 c;
	struct troy_pos		 pos;
	int			 rc;

	rc = check_keys(vc, rec, names, sizeof(names) / sizeof(names[0]),
	    "ws_server config");
	rc |= want_budget(vc, rec);
	rc |= check_compression(vc, rec);
	rc |= check_protocols(vc, rec);
	rc |= want_uint(vc, rec, "ping_interval_ms", 0, 86400000, 0, 0);
	rc |= want_uint(vc, rec, "max_connections", 1, 65536, 1024, 0);
	rc |= want_uint(vc, rec, "idle_timeout_ms", 0, 86400000, 0, 0);
	rc |= want_uint(vc, rec, "max_connections_per_ip", 1, 65536, 0, 0);
	rc |= check_limits(vc, rec);
	rc |= check_origins(vc, rec);
	rc |= check_request_headers(vc, rec);
	rc |= check_broadcast(vc, rec);
	rc |= want_str(vc, rec, "url", 1, "ws_server config");
	if ((v = json_object_object_get(rec, "url")) != NULL &&
	    json_object_is_type(v, json_type_string) &&
	    url_is_unix(json_object_get_string(v)))
		rc |= check_unix(vc, rec, 1);
	else
		rc |= check_url(vc, rec) | check_unix(vc, rec, 1);
	rc |= want_uint(vc, rec, "backlog", 1, 65535, 128, 1);
	rc |= check_sockopts(vc, rec, 1);
	rc |= check_instances(vc, rec);
	rc |= check_unix_instances(vc, rec);
	if (json_object_object_get_ex(rec, "tls", &v)) {
		c = vc_key(vc, "tls", NULL);
		if (!json_object_is_type(v, json_type_object))
			return bad_type(&c, "tls", "a record {\"cert\", "
			    "\"key\"}", v);
		rc |= check_keys(&c, v, tlsnames, 7, "ws_server tls");
		rc |= want_str(&c, v, "cert", 1, "ws_server tls");
		rc |= want_str(&c, v, "key", 1, "ws_server tls");
		rc |= check_tls_policy(&c, v);
		rc |= check_verify_client(&c, v);
	} else if (json_object_object_get_ex(rec, "url", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    strncasecmp(json_object_get_string(v), "wss://", 6) == 0) {
		/* A server cannot do TLS without a certificate. */
		c = vc_key(vc, "url", NULL);
		pos = vc_pos(&c);
		troy_error(vc->vc_diags, &pos, "url \"%s\" asks for TLS but "
		    "there is no \"tls\" record with \"cert\" and \"key\"",
		    json_object_get_string(v));
		rc = -1;
	}
	return rc ? -1 : 0;
}

/* file config. */
static int
conf_file(const struct vctx *vc, struct json_object *rec)
{
	static const char *const names[] = { "path", "mode", "chunk_size",
		"resume" };
	static const char *const modes[] = {
		"read", "write", "append", "truncate", "overwrite",
	};
	struct json_object	*v;
	struct vctx		 c;
	struct troy_pos		 pos;
	int			 rc;

	rc = check_keys(vc, rec, names, 4, "file config");
	rc |= want_str(vc, rec, "path", 1, "file config");
	rc |= want_str(vc, rec, "mode", 1, "file config");
	rc |= want_uint(vc, rec, "chunk_size", 1, 16 * 1024 * 1024, 8192, 1);
	rc |= want_bool(vc, rec, "resume", -1);
	/* only a source has a position to keep */
	if (json_object_object_get_ex(rec, "resume", &v) &&
	    json_object_is_type(v, json_type_boolean) &&
	    json_object_get_boolean(v) && json_object_object_get_ex(rec,
	    "mode", &v) && json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), "read") != 0) {
		c = vc_key(vc, "resume", NULL);
		pos = vc_pos(&c);
		troy_error(vc->vc_diags, &pos, "resume = true needs mode "
		    "\"read\"");
		rc = -1;
	}
	rc |= want_enum(vc, rec, "mode", modes, 5, "file mode");
	return rc ? -1 : 0;
}

/* exit config. */
static int
conf_exit(const struct vctx *vc, struct json_object *rec)
{
	static const char *const names[] = { "delay", "graceful" };
	int	rc;

	rc = check_keys(vc, rec, names, 2, "exit config");
	rc |= want_uint(vc, rec, "delay", 0, INT64_MAX, 0, 1);
	rc |= want_bool(vc, rec, "graceful", 1);
	return rc ? -1 : 0;
}

/* reconnect = "none" | {"retry": {...}}; returns the effective value. */
static struct json_object *
conf_reconnect(const struct vctx *vc, struct json_object *v)
{
	static const char *const strategies[] = { "none", "retry" };
	static const char *const names[] = {
		"interval_ms", "growth_rate", "max_retries", "randomized",
	};
	struct json_object	*r, *g;
	struct vctx		 c;
	struct troy_pos		 pos = vc_pos(vc);
	const char		*hint;
	int			 rc;

	if (v == NULL)
		return json_object_new_string("none");
	if (json_object_is_type(v, json_type_string)) {
		if (strcmp(json_object_get_string(v), "none") == 0)
			return json_object_get(v);
		hint = suggest_closest(json_object_get_string(v), strategies,
		    2);
		troy_error(vc->vc_diags, &pos, "unknown reconnect strategy "
		    "\"%s\" (%s)", json_object_get_string(v), hint != NULL &&
		    strcmp(hint, "none") == 0 ? "did you mean \"none\"?" :
		    "\"none\" or {\"retry\": {...}}");
		return NULL;
	}
	if (!json_object_is_type(v, json_type_object) ||
	    json_object_object_length(v) != 1 ||
	    !json_object_object_get_ex(v, "retry", &r)) {
		if (json_object_is_type(v, json_type_object) &&
		    json_object_object_length(v) == 1) {
			json_object_object_foreach(v, k, val) {
				(void)val;
				(void)vc_key(vc, k, &pos);
				hint = suggest_closest(k, strategies, 2);
				troy_error(vc->vc_diags, &pos, "unknown "
				    "reconnect strategy \"%s\"%s%s%s", k,
				    hint ? " (did you mean \"" : "",
				    hint ? hint : "", hint ? "\"?)" : "");
			}
			return NULL;
		}
		troy_error(vc->vc_diags, &pos, "reconnect must be \"none\" or "
		    "{\"retry\": {...}}");
		return NULL;
	}
	c = vc_key(vc, "retry", NULL);
	if (!json_object_is_type(r, json_type_object)) {
		bad_type(&c, "retry", "a record", r);
		return NULL;
	}
	r = json_object_get(r);
	rc = check_keys(&c, r, names, 4, "reconnect retry");
	if (!json_object_object_get_ex(r, "interval_ms", &g)) {
		pos = vc_pos(&c);
		troy_error(vc->vc_diags, &pos, "missing key \"interval_ms\" "
		    "in reconnect retry");
		rc = -1;
	} else
		rc |= want_uint(&c, r, "interval_ms", 0, INT64_MAX, 0, 0);
	rc |= want_uint(&c, r, "max_retries", 0, INT64_MAX, 0, 0);
	rc |= want_bool(&c, r, "randomized", 1);
	if (!json_object_object_get_ex(r, "growth_rate", &g))
		json_object_object_add(r, "growth_rate",
		    json_object_new_double(1.5));
	else {
		struct vctx gc = vc_key(&c, "growth_rate", NULL);

		if (!json_object_is_type(g, json_type_int) &&
		    !json_object_is_type(g, json_type_double))
			rc |= bad_type(&gc, "growth_rate", "a number", g);
		else if (json_object_get_double(g) <= 0) {
			pos = vc_pos(&gc);
			troy_error(vc->vc_diags, &pos, "\"growth_rate\" must "
			    "be positive");
			rc = -1;
		} else
			json_object_object_add(r, "growth_rate",
			    json_object_new_double(json_object_get_double(g)));
	}
	if (rc) {
		json_object_put(r);
		return NULL;
	}
	g = json_object_new_object();
	json_object_object_add(g, "retry", r);
	return g;
}

/* Validate a list of processor specs. */
static struct json_object *
conf_procs(const struct vctx *vc, struct json_object *v, int pre)
{
	struct proc_spec	 spec;
	struct json_object	*item;
	const struct troy_expr	*src;
	struct troy_pos		 pos;
	char			 err[256];
	size_t			 i;
	int			 rc = 0;

	if (v == NULL)
		return json_object_new_array();
	if (!json_object_is_type(v, json_type_array)) {
		bad_type(vc, pre ? "preprocessors" : "postprocessors",
		    "an array", v);
		return NULL;
	}
	for (i = 0; i < json_object_array_length(v); i++) {
		item = json_object_array_get_idx(v, i);
		src = NULL;
		if (vc->vc_src != NULL && vc->vc_src->te_kind == EX_ARR &&
		    i < (size_t)vc->vc_src->te_list.tl_n)
			src = vc->vc_src->te_list.tl_v[i].tf_expr;
		pos = troy_expr_pos(src, &vc->vc_pos);
		if (src == NULL)
			pos = vc_pos(vc);
		if (lines_spec_parse(item, pre, &spec, err, sizeof(err)) ==
		    -1) {
			troy_error(vc->vc_diags, &pos, "%s", err);
			rc = -1;
		}
	}
	return rc ? NULL : json_object_get(v);
}

/* The validators of the config record, by type (NULL: takes no keys). */
static int (*const conf_fns[CT_MAX])(const struct vctx *,
    struct json_object *) = {
	[CT_WS_CLIENT] = conf_ws_client,
	[CT_WS_SERVER] = conf_ws_server,
	[CT_FILE] = conf_file,
	[CT_EXIT] = conf_exit,
};

/* Validate a folded with-record; return the effective configuration. */
struct json_object *
troy_conn_config(enum conn_type ctype, struct json_object *with,
    const struct troy_expr *src, const struct troy_pos *pos,
    struct troy_diags *diags)
{
	static const char *const top[] = {
		"codec", "config", "preprocessors", "postprocessors",
		"reconnect", "metrics_interval_s",
	};
	struct json_object	*out, *v, *cfg, *r;
	struct vctx		 vc, c;
	struct troy_pos		 kpos;
	enum codec_kind		 kind;
	const char		*hint;
	char			 err[256], what[64];
	const struct conntype	*ct = conntype_get(ctype);
	const char		*type = conntype_name(ctype);
	int			 rc = 0, keys = 1;
	size_t			 i;

	if (ct == NULL)
		return NULL;
	memset(&vc, 0, sizeof(vc));
	vc.vc_src = src;
	vc.vc_pos = *pos;
	vc.vc_diags = diags;
	out = json_object_new_object();
	json_object_object_foreach(with, key, val) {
		(void)val;
		for (i = 0; i < 6; i++)
			if (strcmp(key, top[i]) == 0)
				break;
		if (i < 6)
			continue;
		(void)vc_key(&vc, key, &kpos);
		hint = suggest_closest(key, top, 6);
		troy_warn(diags, &kpos, "unknown connector key \"%s\" is "
		    "ignored%s%s%s", key, hint ? " (did you mean \"" : "",
		    hint ? hint : "", hint ? "\"?)" : "");
	}
	/* codec */
	c = vc_key(&vc, "codec", &kpos);
	if (json_object_object_get_ex(with, "codec", &v)) {
		struct troy_pos cpos = vc_pos(&c);

		if ((ct->ct_flags & CTF_CODEC) == 0) {
			troy_error(diags, &kpos, "connector type %s takes no "
			    "codec", type);
			rc = -1;
		} else if (codec_from_spec(v, &kind, err, sizeof(err)) == -1) {
			troy_error(diags, &cpos, "%s", err);
			rc = -1;
		}
		json_object_object_add(out, "codec", json_object_get(v));
	} else {
		if (ct->ct_flags & CTF_CODEC) {
			troy_error(diags, pos, "missing codec for connector "
			    "type %s", type);
			rc = -1;
		}
		json_object_object_add(out, "codec", NULL);
	}
	/* processors */
	c = vc_key(&vc, "preprocessors", NULL);
	v = NULL;
	json_object_object_get_ex(with, "preprocessors", &v);
	if ((r = conf_procs(&c, v, 1)) == NULL)
		rc = -1;
	json_object_object_add(out, "preprocessors", r);
	c = vc_key(&vc, "postprocessors", NULL);
	v = NULL;
	json_object_object_get_ex(with, "postprocessors", &v);
	if ((r = conf_procs(&c, v, 0)) == NULL)
		rc = -1;
	json_object_object_add(out, "postprocessors", r);
	/* config */
	c = vc_key(&vc, "config", NULL);
	snprintf(what, sizeof(what), "%s config", type);
	if (!json_object_object_get_ex(with, "config", &v) || v == NULL) {
		if (ct->ct_flags & CTF_NEEDS_CONFIG) {
			troy_error(diags, pos, "missing \"config\" for "
			    "connector type %s", type);
			rc = -1;
			keys = 0;	/* no more errors about its keys */
		}
		cfg = json_object_new_object();
	} else if (!json_object_is_type(v, json_type_object)) {
		rc = bad_type(&c, "config", "a record", v);
		cfg = json_object_new_object();
		keys = 0;
	} else
		cfg = json_object_get(v);
	/* work on a copy so defaults do not leak into shared values */
	r = NULL;
	json_object_deep_copy(cfg, &r, NULL);
	json_object_put(cfg);
	cfg = r;
	if (keys && conf_fns[ctype] != NULL)
		rc |= conf_fns[ctype](&c, cfg);
	else if (keys)
		rc |= check_keys(&c, cfg, NULL, 0, what);
	json_object_object_add(out, "config", cfg);
	/* reconnect */
	c = vc_key(&vc, "reconnect", NULL);
	v = NULL;
	json_object_object_get_ex(with, "reconnect", &v);
	if ((r = conf_reconnect(&c, v)) == NULL)
		rc = -1;
	json_object_object_add(out, "reconnect", r);
	if (json_object_object_get_ex(with, "metrics_interval_s", &v)) {
		rc |= want_uint(&vc, with, "metrics_interval_s", 0, INT64_MAX,
		    0, 0);
		json_object_object_add(out, "metrics_interval_s",
		    json_object_get(v));
	}
	if (rc) {
		json_object_put(out);
		return NULL;
	}
	return out;
}
