/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the server's handshake request parser.  Checks
 * that a prefix never gives a different verdict than the whole input
 * unless it only needs more, and that an accepted request yields a 101
 * response the client parser accepts (also with a subprotocol chosen
 * from the request's and an extension answer); refusals yield an HTTP
 * error.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ws.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sup[] = { "chat", "superchat" };
	struct ws_limits	 lim;
	struct ws_request	 req;
	struct ws_response	 resp;
	struct buf		 out;
	const char		*d = (const char *)data;
	char			 proto[WS_FIELD_MAX];
	size_t			 used, u2, cut;
	int			 r, r2, chosen;

	ws_limits_default(&lim);
	lim.wl_max_request_line = 512;
	lim.wl_max_header_bytes = 2048;
	lim.wl_max_headers = 16;
	r = ws_server_request_parse(d, size, &lim, &req, &used);
	if (r == WS_OK && (used > size || used == 0))
		abort();
	if (size > 0) {
		cut = size / 2;
		r2 = ws_server_request_parse(d, cut, &lim, &req, &u2);
		if (r2 != WS_NEED_MORE && r2 != r)
			abort();
		r = ws_server_request_parse(d, size, &lim, &req, &used);
	}
	buf_init(&out, 1 << 16);
	if (r == WS_OK) {
		if (strlen(req.wr_key) != WS_KEY_LEN ||
		    req.wr_target[0] != '/')
			abort();
		if (ws_server_response(&out, &req, NULL) != WS_OK)
			abort();
		if (ws_client_response_parse(out.bf_data, out.bf_len, NULL,
		    req.wr_key, NULL, &resp, &u2) != WS_OK ||
		    u2 != out.bf_len)
			abort();
		/* a subprotocol chosen from the offer, an extension answer */
		chosen = ws_protocol_select(req.wr_protocols, sup, 2, proto,
		    sizeof(proto));
		buf_reset(&out);
		if (ws_server_response_ext(&out, &req, chosen ? proto : NULL,
		    "permessage-deflate") != WS_OK ||
		    ws_client_response_parse_ext(out.bf_data, out.bf_len, NULL,
		    req.wr_key, req.wr_protocols, 1, &resp, &u2) != WS_OK ||
		    strcmp(resp.ws_protocol, chosen ? proto : "") != 0 ||
		    strcmp(resp.ws_extensions, "permessage-deflate") != 0)
			abort();
	} else if (r != WS_NEED_MORE) {
		if (ws_err_http_status(r) < 400 ||
		    ws_server_error_response(&out, r) != WS_OK)
			abort();
	}
	buf_free(&out);
	return 0;
}
