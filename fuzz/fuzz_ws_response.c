/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the client side: the server's handshake
 * response parser, and the URL parser with the request builder (every
 * URL it accepts must give a request our own server parser accepts).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"
#include "ws.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The URL half: parse, build the request, parse it as a server. */
static void
fz_url(const uint8_t *data, size_t size)
{
	struct url		 u;
	struct ws_request	 req;
	struct buf		 out;
	char			*s, key[WS_KEY_LEN + 1];
	size_t			 used;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	if (url_parse(s, &u, NULL) == 0) {
		if (u.u_path[0] != '/' || u.u_port == 0 || u.u_host[0] == '\0')
			abort();
		buf_init(&out, 0);
		if (ws_client_key(key) == -1 ||
		    ws_client_request(&out, &u, key, "http://o", "chat") !=
		    WS_OK)
			abort();
		if (ws_server_request_parse(out.bf_data, out.bf_len, NULL,
		    &req, &used) != WS_OK || used != out.bf_len ||
		    strcmp(req.wr_target, u.u_path) != 0 ||
		    strcmp(req.wr_key, key) != 0)
			abort();
		buf_free(&out);
	}
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_limits	 lim;
	struct ws_response	 resp;
	const char		*d = (const char *)data;
	size_t			 used, u2;
	int			 r, r2;

	ws_limits_default(&lim);
	lim.wl_max_request_line = 512;
	lim.wl_max_header_bytes = 2048;
	lim.wl_max_headers = 16;
	r = ws_client_response_parse(d, size, &lim,
	    "dGhlIHNhbXBsZSBub25jZQ==", "chat, superchat", &resp, &used);
	if (r == WS_OK && (used > size || used == 0 || resp.ws_status != 101))
		abort();
	if (size > 1) {
		r2 = ws_client_response_parse(d, size / 2, &lim,
		    "dGhlIHNhbXBsZSBub25jZQ==", "chat, superchat", &resp, &u2);
		if (r2 != WS_NEED_MORE && r2 != r)
			abort();
	}
	if (r != WS_OK && r != WS_NEED_MORE && ws_strerror(r) == NULL)
		abort();
	if (size < 512)
		fz_url(data, size);
	return 0;
}
