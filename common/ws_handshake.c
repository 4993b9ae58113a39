/* SPDX-License-Identifier: ISC */
/*
 * The RFC 6455 opening handshake over HTTP/1.1: the client's request and
 * the check of the server's answer, the server's parse of the request and
 * its 101 or error response.  The parsers are incremental in the simple
 * way: the caller passes everything received so far and gets
 * WS_NEED_MORE until the blank line, with the size limits applied to the
 * partial input so an endless header is refused early.
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "url.h"
#include "ws.h"

#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* One header field, pointing into the caller's input. */
struct hs_field {
	const char	*hf_name;
	size_t		 hf_nlen;
	const char	*hf_value;	/* optional whitespace trimmed */
	size_t		 hf_vlen;
};

typedef int	(*hs_field_cb)(const struct hs_field *, void *);

/* Whether c is a tchar of RFC 7230. */
static int
hs_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Whether a field has the given (case-insensitive) name. */
static int
hs_is(const struct hs_field *f, const char *name)
{
	return f->hf_nlen == strlen(name) &&
	    strncasecmp(f->hf_name, name, f->hf_nlen) == 0;
}

/*
 * Find the end of the header section in data[0..len), applying the
 * limits to what is there so far.  *end is the length including the
 * blank line.
 */
static int
hs_find_end(const char *data, size_t len, const struct ws_limits *l,
    size_t *end, int toolong)
{
	const char	*nl;
	size_t		 off = 0, line, count = 0;

	for (;;) {
		nl = memchr(data + off, '\n', len - off);
		line = (nl != NULL ? (size_t)(nl - data) : len) - off;
		/* Without its newline yet, a final CR may still be a CRLF. */
		if (line > 0 && data[off + line - 1] == '\r')
			line--;
		if (line > l->wl_max_request_line)
			return off == 0 ? toolong : WS_ERR_HS_HEADER_TOO_LONG;
		if ((nl != NULL ? (size_t)(nl - data) + 1 : len) >
		    l->wl_max_header_bytes)
			return WS_ERR_HS_HEADERS_TOO_BIG;
		if (nl == NULL)
			return WS_NEED_MORE;
		if (line == 0 && off > 0) {
			*end = (size_t)(nl - data) + 1;
			return WS_OK;
		}
		if (off > 0 && ++count > l->wl_max_headers)
			return WS_ERR_HS_TOO_MANY_HEADERS;
		off = (size_t)(nl - data) + 1;
	}
}

/* The start line of a complete header section, without its CRLF. */
static void
hs_first_line(const char *data, size_t end, const char **first,
    size_t *flen)
{
	const char	*nl = memchr(data, '\n', end);
	size_t		 n = (size_t)(nl - data);

	if (n > 0 && data[n - 1] == '\r')
		n--;
	*first = data;
	*flen = n;
}

/*
 * Call cb for each field of a complete header section, in order.  The
 * section was already bounded by hs_find_end().
 */
static int
hs_fields(const char *data, size_t end, hs_field_cb cb, void *arg)
{
	struct hs_field	 f;
	const char	*nl, *c, *line;
	size_t		 off = 0, n, i;
	int		 r;

	for (;;) {
		nl = memchr(data + off, '\n', end - off);
		line = data + off;
		n = (size_t)(nl - line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		off = (size_t)(nl - data) + 1;
		if (line == data)
			continue;
		if (n == 0)
			return WS_OK;
		if ((c = memchr(line, ':', n)) == NULL || c == line)
			return WS_ERR_HS_HEADER_SYNTAX;
		f.hf_name = line;
		f.hf_nlen = (size_t)(c - line);
		for (i = 0; i < f.hf_nlen; i++)
			if (!hs_tchar((unsigned char)line[i]))
				return WS_ERR_HS_HEADER_SYNTAX;
		f.hf_value = c + 1;
		f.hf_vlen = n - f.hf_nlen - 1;
		for (i = 0; i < f.hf_vlen; i++)
			if (((unsigned char)f.hf_value[i] < ' ' &&
			    f.hf_value[i] != '\t') || f.hf_value[i] == 0x7f)
				return WS_ERR_HS_HEADER_SYNTAX;
		while (f.hf_vlen > 0 && (*f.hf_value == ' ' ||
		    *f.hf_value == '\t')) {
			f.hf_value++;
			f.hf_vlen--;
		}
		while (f.hf_vlen > 0 && (f.hf_value[f.hf_vlen - 1] == ' ' ||
		    f.hf_value[f.hf_vlen - 1] == '\t'))
			f.hf_vlen--;
		if ((r = cb(&f, arg)) != WS_OK)
			return r;
	}
}

/*
 * The next element of the comma-separated list value[0..len) from *i:
 * value[*s..*e), optional whitespace trimmed (may be empty).  0 at the
 * end of the list.
 */
static int
hs_list_next(const char *value, size_t len, size_t *i, size_t *s,
    size_t *e)
{
	while (*i < len && (value[*i] == ' ' || value[*i] == '\t' ||
	    value[*i] == ','))
		(*i)++;
	if (*i >= len)
		return 0;
	*s = *i;
	while (*i < len && value[*i] != ',')
		(*i)++;
	*e = *i;
	while (*e > *s && (value[*e - 1] == ' ' || value[*e - 1] == '\t'))
		(*e)--;
	return 1;
}

/*
 * Whether the comma-separated list value[0..len) holds token
 * (case-insensitive, optional whitespace around elements).
 */
int
ws_token_list_has(const char *value, size_t len, const char *token)
{
	size_t	 tlen = strlen(token), i = 0, s, e;

	while (hs_list_next(value, len, &i, &s, &e))
		if (e - s == tlen && e > s &&
		    strncasecmp(value + s, token, tlen) == 0)
			return 1;
	return 0;
}

/*
 * Server side: the subprotocol to answer with, the first element of the
 * client's list offered[] (Sec-WebSocket-Protocol, "a, b") that is one
 * of the n names in supported[] (compared exactly).  1 with it in out,
 * 0 when none matches (answer without the header, RFC 6455 4.2.2).
 */
int
ws_protocol_select(const char *offered, const char *const *supported,
    size_t n, char *out, size_t outlen)
{
	size_t	 i = 0, len = strlen(offered), s, e, k;

	if (outlen > 0)
		out[0] = '\0';
	while (hs_list_next(offered, len, &i, &s, &e)) {
		for (k = 0; e > s && k < n; k++) {
			if (strlen(supported[k]) != e - s ||
			    memcmp(supported[k], offered + s, e - s) != 0)
				continue;
			if (e - s >= outlen)
				return 0;
			memcpy(out, offered + s, e - s);
			out[e - s] = '\0';
			return 1;
		}
	}
	return 0;
}

/* Copy a field value into a fixed string; too long is an error. */
static int
hs_copy(char *dst, size_t size, const struct hs_field *f)
{
	if (f->hf_vlen >= size)
		return WS_ERR_HS_FIELD_TOO_LONG;
	memcpy(dst, f->hf_value, f->hf_vlen);
	dst[f->hf_vlen] = '\0';
	return WS_OK;
}

/* Append a field value to a list kept as "a, b"; too long is an error. */
static int
hs_append(char *dst, size_t size, const struct hs_field *f)
{
	size_t	 n = strlen(dst), add = f->hf_vlen + (n > 0 ? 2 : 0);

	if (f->hf_vlen == 0)
		return WS_OK;
	if (n + add >= size)
		return WS_ERR_HS_FIELD_TOO_LONG;
	if (n > 0) {
		memcpy(dst + n, ", ", 2);
		n += 2;
	}
	memcpy(dst + n, f->hf_value, f->hf_vlen);
	dst[n + f->hf_vlen] = '\0';
	return WS_OK;
}

/* Whether s is 16 bytes in base64: 22 symbols and "==". */
static int
hs_key_ok(const char *s, size_t n)
{
	size_t	 i;

	if (n != WS_KEY_LEN || s[22] != '=' || s[23] != '=')
		return 0;
	for (i = 0; i < 22; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '+' ||
		    s[i] == '/'))
			return 0;
	return 1;
}

/* What the request parser collects besides struct ws_request. */
struct hs_req_state {
	struct ws_request	*rs_req;
	int			 rs_host, rs_upgrade, rs_connection;
	int			 rs_version, rs_version_ok, rs_key;
	int			 rs_key_ok;
};

/* One request header field. */
static int
hs_req_field(const struct hs_field *f, void *arg)
{
	struct hs_req_state	*s = arg;
	struct ws_request	*r = s->rs_req;

	if (hs_is(f, "Host")) {
		if (s->rs_host++)
			return WS_ERR_HS_DUPLICATE_HEADER;
		return hs_copy(r->wr_host, sizeof(r->wr_host), f);
	}
	if (hs_is(f, "Upgrade")) {
		s->rs_upgrade |= ws_token_list_has(f->hf_value, f->hf_vlen,
		    "websocket");
		return WS_OK;
	}
	if (hs_is(f, "Connection")) {
		s->rs_connection |= ws_token_list_has(f->hf_value,
		    f->hf_vlen, "upgrade");
		return WS_OK;
	}
	if (hs_is(f, "Sec-WebSocket-Key")) {
		if (s->rs_key++)
			return WS_ERR_HS_DUPLICATE_HEADER;
		if ((s->rs_key_ok = hs_key_ok(f->hf_value, f->hf_vlen)))
			memcpy(r->wr_key, f->hf_value, WS_KEY_LEN);
		return WS_OK;
	}
	if (hs_is(f, "Sec-WebSocket-Version")) {
		if (s->rs_version++)
			return WS_ERR_HS_DUPLICATE_HEADER;
		s->rs_version_ok = f->hf_vlen == 2 &&
		    memcmp(f->hf_value, "13", 2) == 0;
		return WS_OK;
	}
	if (hs_is(f, "Origin") || hs_is(f, "Sec-WebSocket-Origin"))
		return hs_copy(r->wr_origin, sizeof(r->wr_origin), f);
	if (hs_is(f, "Sec-WebSocket-Protocol"))
		return hs_append(r->wr_protocols, sizeof(r->wr_protocols), f);
	if (hs_is(f, "Sec-WebSocket-Extensions"))
		return hs_append(r->wr_extensions, sizeof(r->wr_extensions),
		    f);
	if (hs_is(f, "Transfer-Encoding"))
		return WS_ERR_HS_BODY;
	if (hs_is(f, "Content-Length") &&
	    (f->hf_vlen != 1 || f->hf_value[0] != '0'))
		return WS_ERR_HS_BODY;
	return WS_OK;
}

/* Check "GET /target HTTP/1.1" and keep the target. */
static int
hs_request_line(const char *l, size_t n, struct ws_request *r)
{
	const char	*sp1, *sp2;
	size_t		 i, tlen;

	if ((sp1 = memchr(l, ' ', n)) == NULL || sp1 == l)
		return WS_ERR_HS_REQUEST_LINE;
	for (i = 0; l + i < sp1; i++)
		if (!hs_tchar((unsigned char)l[i]))
			return WS_ERR_HS_REQUEST_LINE;
	sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - l));
	if (sp2 == NULL || sp2 == sp1 + 1)
		return WS_ERR_HS_REQUEST_LINE;
	for (i = (size_t)(sp1 + 1 - l); l + i < sp2; i++)
		if ((unsigned char)l[i] <= ' ' || (unsigned char)l[i] >= 0x7f)
			return WS_ERR_HS_REQUEST_LINE;
	i = n - (size_t)(sp2 + 1 - l);
	if (i != 8 || memcmp(sp2 + 1, "HTTP/", 5) != 0 ||
	    sp2[6] < '0' || sp2[6] > '9' || sp2[7] != '.' ||
	    sp2[8] < '0' || sp2[8] > '9')
		return WS_ERR_HS_REQUEST_LINE;
	if (sp1 - l != 3 || memcmp(l, "GET", 3) != 0)
		return WS_ERR_HS_METHOD;
	if (sp2[6] != '1' || sp2[8] != '1')
		return WS_ERR_HS_HTTP_VERSION;
	if (sp1[1] != '/')
		return WS_ERR_HS_TARGET;
	tlen = (size_t)(sp2 - sp1 - 1);
	if (tlen >= sizeof(r->wr_target))
		return WS_ERR_HS_TARGET_TOO_LONG;
	memcpy(r->wr_target, sp1 + 1, tlen);
	r->wr_target[tlen] = '\0';
	return WS_OK;
}

/*
 * Server side: parse the client's opening request from data[0..len)
 * (everything received so far).  WS_OK fills *req and sets *used to the
 * length of the request; bytes after it belong to the frame stream.
 * Errors map to an HTTP status with ws_err_http_status().
 */
int
ws_server_request_parse(const char *data, size_t len,
    const struct ws_limits *lim, struct ws_request *req, size_t *used)
{
	struct ws_limits	 dl;
	struct hs_req_state	 st;
	const char		*first;
	size_t			 end, flen;
	int			 r;

	*used = 0;
	memset(req, 0, sizeof(*req));
	if (lim == NULL) {
		ws_limits_default(&dl);
		lim = &dl;
	}
	r = hs_find_end(data, len, lim, &end, WS_ERR_HS_REQUEST_LINE_TOO_LONG);
	if (r != WS_OK)
		return r;
	memset(&st, 0, sizeof(st));
	st.rs_req = req;
	hs_first_line(data, end, &first, &flen);
	if ((r = hs_request_line(first, flen, req)) != WS_OK)
		goto fail;
	if ((r = hs_fields(data, end, hs_req_field, &st)) != WS_OK)
		goto fail;
	r = !st.rs_host ? WS_ERR_HS_NO_HOST :
	    !st.rs_upgrade ? WS_ERR_HS_NO_UPGRADE :
	    !st.rs_connection ? WS_ERR_HS_NO_CONNECTION_UPGRADE :
	    !st.rs_version ? WS_ERR_HS_NO_VERSION :
	    !st.rs_version_ok ? WS_ERR_HS_BAD_VERSION :
	    !st.rs_key ? WS_ERR_HS_NO_KEY :
	    !st.rs_key_ok ? WS_ERR_HS_BAD_KEY : WS_OK;
	if (r != WS_OK)
		goto fail;
	*used = end;
	return WS_OK;
 fail:
	memset(req, 0, sizeof(*req));
	return r;
}

/* Sec-WebSocket-Accept for a client key: base64(SHA-1(key GUID)). */
int
ws_accept_key(const char *key, char out[WS_ACCEPT_LEN + 1])
{
	unsigned char	 in[WS_KEY_LEN + sizeof(WS_GUID)];
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen;
	size_t		 klen = strlen(key);

	if (klen != WS_KEY_LEN)
		return -1;
	memcpy(in, key, klen);
	memcpy(in + klen, WS_GUID, sizeof(WS_GUID) - 1);
	if (EVP_Digest(in, klen + sizeof(WS_GUID) - 1, md, &mdlen,
	    EVP_sha1(), NULL) != 1 || mdlen != 20)
		return -1;
	if (EVP_EncodeBlock((unsigned char *)out, md, 20) != WS_ACCEPT_LEN)
		return -1;
	return 0;
}

/* A fresh Sec-WebSocket-Key: 16 random bytes in base64. */
int
ws_client_key(char out[WS_KEY_LEN + 1])
{
	unsigned char	 raw[16];

	arc4random_buf(raw, sizeof(raw));
	if (EVP_EncodeBlock((unsigned char *)out, raw, 16) != WS_KEY_LEN)
		return -1;
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

/* Whether s is safe inside a header value (no CR, LF or controls). */
static int
hs_value_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < ' ' && *s != '\t') || *s == 0x7f)
			return 0;
	return 1;
}

/*
 * Client side: append the opening request for u with key (from
 * ws_client_key()) to out; origin and protocols (a comma-separated list)
 * may be NULL.  On error out is unchanged.
 */
int
ws_client_request(struct buf *out, const struct url *u, const char *key,
    const char *origin, const char *protocols)
{
	return ws_client_request_ext(out, u, key, origin, protocols, NULL);
}

/*
 * ws_client_request() with a Sec-WebSocket-Extensions offer (extensions,
 * may be NULL or "").
 */
int
ws_client_request_ext(struct buf *out, const struct url *u, const char *key,
    const char *origin, const char *protocols, const char *extensions)
{
	char	 host[URL_HOST_MAX + 16];
	size_t	 start = out->bf_len;

	if (strlen(key) != WS_KEY_LEN || url_host_header(u, host,
	    sizeof(host)) == -1 || (origin != NULL && !hs_value_ok(origin)) ||
	    (protocols != NULL && !hs_value_ok(protocols)) ||
	    (extensions != NULL && !hs_value_ok(extensions)) ||
	    !hs_value_ok(u->u_path) || u->u_path[0] != '/')
		return WS_ERR_INVAL;
	if (buf_printf(out, "GET %s HTTP/1.1\r\n"
	    "Host: %s\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\n"
	    "Sec-WebSocket-Version: 13\r\n", u->u_path, host, key) == -1)
		goto fail;
	if (origin != NULL && *origin != '\0' &&
	    buf_printf(out, "Origin: %s\r\n", origin) == -1)
		goto fail;
	if (protocols != NULL && *protocols != '\0' &&
	    buf_printf(out, "Sec-WebSocket-Protocol: %s\r\n", protocols) == -1)
		goto fail;
	if (extensions != NULL && *extensions != '\0' &&
	    buf_printf(out, "Sec-WebSocket-Extensions: %s\r\n",
	    extensions) == -1)
		goto fail;
	if (buf_adds(out, "\r\n") == -1)
		goto fail;
	return WS_OK;
 fail:
	out->bf_len = start;
	return WS_ERR_NOMEM;
}

/*
 * Server side: append the 101 response for req to out; protocol is the
 * selected subprotocol or NULL.
 */
int
ws_server_response(struct buf *out, const struct ws_request *req,
    const char *protocol)
{
	return ws_server_response_ext(out, req, protocol, NULL);
}

/*
 * ws_server_response() with our Sec-WebSocket-Extensions answer
 * (extensions, may be NULL or "").
 */
int
ws_server_response_ext(struct buf *out, const struct ws_request *req,
    const char *protocol, const char *extensions)
{
	char	 accept[WS_ACCEPT_LEN + 1];
	size_t	 start = out->bf_len;

	if ((protocol != NULL && (!hs_value_ok(protocol) ||
	    !ws_token_list_has(req->wr_protocols, strlen(req->wr_protocols),
	    protocol))) || (extensions != NULL && !hs_value_ok(extensions)))
		return WS_ERR_INVAL;
	if (ws_accept_key(req->wr_key, accept) == -1)
		return WS_ERR_HS_CRYPTO;
	if (buf_printf(out, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n", accept) == -1)
		goto fail;
	if (protocol != NULL && *protocol != '\0' &&
	    buf_printf(out, "Sec-WebSocket-Protocol: %s\r\n", protocol) == -1)
		goto fail;
	if (extensions != NULL && *extensions != '\0' &&
	    buf_printf(out, "Sec-WebSocket-Extensions: %s\r\n",
	    extensions) == -1)
		goto fail;
	if (buf_adds(out, "\r\n") == -1)
		goto fail;
	return WS_OK;
 fail:
	out->bf_len = start;
	return WS_ERR_NOMEM;
}

/* The reason phrase of an HTTP status we send. */
static const char *
hs_reason(int status)
{
	switch (status) {
	case 403:
		return "Forbidden";
	case 405:
		return "Method Not Allowed";
	case 414:
		return "URI Too Long";
	case 426:
		return "Upgrade Required";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Bad Request";
	}
}

/*
 * Server side: append the HTTP error response for a handshake error
 * (the body names the error); the connection is then closed.
 */
int
ws_server_error_response(struct buf *out, int err)
{
	int	 status = ws_err_http_status(err);
	size_t	 start = out->bf_len;

	if (status == 101)
		return WS_ERR_INVAL;
	if (buf_printf(out, "HTTP/1.1 %d %s\r\n"
	    "Connection: close\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Length: %zu\r\n", status, hs_reason(status),
	    strlen(ws_strerror(err)) + 1) == -1)
		goto fail;
	if (status == 426 &&
	    buf_adds(out, "Sec-WebSocket-Version: 13\r\n") == -1)
		goto fail;
	if (buf_printf(out, "\r\n%s\n", ws_strerror(err)) == -1)
		goto fail;
	return WS_OK;
 fail:
	out->bf_len = start;
	return WS_ERR_NOMEM;
}

/* Server policy: the request's Origin against the allowed list. */
int
ws_origin_allowed(const char *origin, const char *const *list, size_t n)
{
	size_t	 i;

	if (list == NULL || origin == NULL || *origin == '\0')
		return 1;
	for (i = 0; i < n; i++)
		if (list[i] != NULL && strcasecmp(origin, list[i]) == 0)
			return 1;
	return 0;
}

/* What the response parser collects. */
struct hs_resp_state {
	struct ws_response	*ss_resp;
	const char		*ss_accept;	/* expected */
	const char		*ss_offered;	/* subprotocols offered */
	int			 ss_ext;	/* extensions were offered */
	int			 ss_upgrade, ss_connection, ss_seen_accept;
	int			 ss_accept_ok;
};

/* One response header field. */
static int
hs_resp_field(const struct hs_field *f, void *arg)
{
	struct hs_resp_state	*s = arg;
	struct ws_response	*r = s->ss_resp;
	int			 e;

	if (hs_is(f, "Upgrade"))
		s->ss_upgrade |= ws_token_list_has(f->hf_value, f->hf_vlen,
		    "websocket");
	else if (hs_is(f, "Connection"))
		s->ss_connection |= ws_token_list_has(f->hf_value,
		    f->hf_vlen, "upgrade");
	else if (hs_is(f, "Sec-WebSocket-Accept")) {
		if (s->ss_seen_accept++)
			return WS_ERR_HS_DUPLICATE_HEADER;
		s->ss_accept_ok = f->hf_vlen == WS_ACCEPT_LEN &&
		    memcmp(f->hf_value, s->ss_accept, WS_ACCEPT_LEN) == 0;
	} else if (hs_is(f, "Sec-WebSocket-Extensions")) {
		if (f->hf_vlen > 0 && !s->ss_ext)
			return WS_ERR_HS_EXTENSION;
		return hs_append(r->ws_extensions, sizeof(r->ws_extensions),
		    f);
	} else if (hs_is(f, "Sec-WebSocket-Protocol")) {
		if (r->ws_protocol[0] != '\0' || f->hf_vlen == 0 ||
		    memchr(f->hf_value, ',', f->hf_vlen) != NULL ||
		    s->ss_offered == NULL)
			return WS_ERR_HS_PROTOCOL;
		if ((e = hs_copy(r->ws_protocol, sizeof(r->ws_protocol), f)) !=
		    WS_OK)
			return e;
		if (!ws_token_list_has(s->ss_offered, strlen(s->ss_offered),
		    r->ws_protocol))
			return WS_ERR_HS_PROTOCOL;
	}
	return WS_OK;
}

/*
 * Client side: check the server's answer in data[0..len) to a request
 * sent with key and the offered protocols (may be NULL).  WS_OK sets
 * *used to the length of the response; the rest is frames.  Any
 * Sec-WebSocket-Extensions in the answer is an error (none was offered).
 */
int
ws_client_response_parse(const char *data, size_t len,
    const struct ws_limits *lim, const char *key, const char *protocols,
    struct ws_response *resp, size_t *used)
{
	return ws_client_response_parse_ext(data, len, lim, key, protocols, 0,
	    resp, used);
}

/*
 * ws_client_response_parse() after a request that offered extensions
 * (ext 1): the server's Sec-WebSocket-Extensions are joined in
 * resp->ws_extensions for the caller to check against its offer.
 */
int
ws_client_response_parse_ext(const char *data, size_t len,
    const struct ws_limits *lim, const char *key, const char *protocols,
    int ext, struct ws_response *resp, size_t *used)
{
	struct ws_limits	 dl;
	struct hs_resp_state	 st;
	char			 accept[WS_ACCEPT_LEN + 1];
	const char		*l;
	size_t			 end, n;
	int			 r;

	*used = 0;
	memset(resp, 0, sizeof(*resp));
	if (lim == NULL) {
		ws_limits_default(&dl);
		lim = &dl;
	}
	if (ws_accept_key(key, accept) == -1)
		return WS_ERR_INVAL;
	if ((r = hs_find_end(data, len, lim, &end, WS_ERR_HS_STATUS_LINE)) !=
	    WS_OK)
		return r;
	memset(&st, 0, sizeof(st));
	st.ss_resp = resp;
	st.ss_accept = accept;
	st.ss_offered = protocols;
	st.ss_ext = ext;
	hs_first_line(data, end, &l, &n);
	/* "HTTP/1.1 101" then a space and a reason, or nothing. */
	if (n < 12 || memcmp(l, "HTTP/1.1 ", 9) != 0 ||
	    l[9] < '1' || l[9] > '5' || l[10] < '0' || l[10] > '9' ||
	    l[11] < '0' || l[11] > '9' || (n > 12 && l[12] != ' ')) {
		r = WS_ERR_HS_STATUS_LINE;
		goto fail;
	}
	resp->ws_status = (l[9] - '0') * 100 + (l[10] - '0') * 10 +
	    (l[11] - '0');
	if (resp->ws_status != 101) {
		r = WS_ERR_HS_STATUS;
		goto fail;
	}
	if ((r = hs_fields(data, end, hs_resp_field, &st)) != WS_OK)
		goto fail;
	r = !st.ss_upgrade ? WS_ERR_HS_RESP_UPGRADE :
	    !st.ss_connection ? WS_ERR_HS_RESP_CONNECTION :
	    !st.ss_seen_accept ? WS_ERR_HS_NO_ACCEPT :
	    !st.ss_accept_ok ? WS_ERR_HS_BAD_ACCEPT : WS_OK;
	if (r != WS_OK)
		goto fail;
	*used = end;
	return WS_OK;
 fail:
	n = (size_t)resp->ws_status;
	memset(resp, 0, sizeof(*resp));
	resp->ws_status = (int)n;
	return r;
}

/* Request metadata (issue 14): the public walk over header fields. */
struct hs_walk {
	ws_field_fn	 hw_fn;
	void		*hw_arg;
};

/* One field for ws_request_fields(): hand it to the caller's function. */
static int
hs_walk_field(const struct hs_field *f, void *arg)
{
	struct hs_walk	*w = arg;

	return w->hw_fn(f->hf_name, f->hf_nlen, f->hf_value, f->hf_vlen,
	    w->hw_arg) == 0 ? WS_OK : WS_ERR_INVAL;
}

/* Call fn for each field of the complete request header section data. */
int
ws_request_fields(const char *data, size_t len, ws_field_fn fn, void *arg)
{
	struct ws_limits	 l;
	struct hs_walk		 w;
	size_t			 end;

	memset(&l, 0, sizeof(l));
	l.wl_max_request_line = len;
	l.wl_max_header_bytes = len;
	l.wl_max_headers = len;
	if (hs_find_end(data, len, &l, &end, WS_ERR_INVAL) != WS_OK)
		return -1;
	w.hw_fn = fn;
	w.hw_arg = arg;
	return hs_fields(data, end, hs_walk_field, &w) == WS_OK ? 0 : -1;
}

/* Client: one more field before the blank line of a built request. */
int
ws_client_request_field(struct buf *out, const char *name, const char *value)
{
	size_t	 i, len = out->bf_len;

	if (len < 4 || memcmp(out->bf_data + len - 4, "\r\n\r\n", 4) != 0 ||
	    *name == '\0' || !hs_value_ok(value))
		return WS_ERR_INVAL;
	for (i = 0; name[i] != '\0'; i++)
		if (!hs_tchar((unsigned char)name[i]))
			return WS_ERR_INVAL;
	out->bf_len -= 2;
	if (buf_printf(out, "%s: %s\r\n\r\n", name, value) == -1) {
		out->bf_len = len;
		memcpy(out->bf_data + len - 2, "\r\n", 2);
		return WS_ERR_NOMEM;
	}
	return WS_OK;
}

/* Whether s may be a header field value (troy and wsflowd check with it). */
int
ws_header_value_ok(const char *s)
{
	return hs_value_ok(s);
}
