/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the ws_server request metadata: any request the
 * handshake parser accepts gives a record, and the values it picks (a
 * repeated field joined) never hold more bytes than the request did.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reqmeta.h"
#include "ws.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"host", "x-a", "X-B", "sec-websocket-key", "origin",
	};
	struct ws_limits	 lim;
	struct ws_request	 req;
	struct json_object	*o, *h;
	size_t			 used, total = 0;

	ws_limits_default(&lim);
	lim.wl_max_request_line = 512;
	lim.wl_max_header_bytes = 2048;
	lim.wl_max_headers = 16;
	if (ws_server_request_parse((const char *)data, size, &lim, &req,
	    &used) != WS_OK)
		return 0;
	if ((o = reqmeta_build((const char *)data, used, req.wr_target,
	    names, 5)) == NULL)
		abort();
	if (!json_object_object_get_ex(o, "headers", &h) ||
	    !json_object_object_get_ex(h, "host", NULL))
		abort();
	json_object_object_foreach(h, k, v) {
		(void)k;
		total += (size_t)json_object_get_string_len(v);
	}
	if (total > used)
		abort();
	/* what the budget is charged covers the values and stays bounded */
	if (reqmeta_cost(o) < total || reqmeta_cost(o) > used +
	    2 * REQMETA_OBJECT_COST + (REQMETA_MAX_NAMES + 3) *
	    (REQMETA_MEMBER_COST + 130))
		abort();
	json_object_put(o);
	return 0;
}
