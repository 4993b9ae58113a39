/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the control socket's request parser (any local
 * user can send these bytes to the control worker) and for wsflowctl's
 * rendering of whatever JSON a reply holds.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <json.h>

#include "ctl_render.h"
#include "ctlproto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Parse the input as a request; render it as a reply to every command. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct json_tokener	*tok;
	struct json_object	*o;
	struct buf		 b;
	enum ctl_cmd		 cmd;
	char			 err[256], line[512];
	int			 c;

	if (ctlproto_req_parse((const char *)data, len, &cmd, err,
	    sizeof(err)) == 0 && ctlproto_name(cmd) == NULL)
		__builtin_trap();
	(void)ctlproto_error(err, line, sizeof(line));
	if ((tok = json_tokener_new_ex(16)) == NULL)
		return 0;
	o = json_tokener_parse_ex(tok, (const char *)data, (int)len);
	json_tokener_free(tok);
	if (o == NULL)
		return 0;
	for (c = CTL_STATUS; c <= CTL_RELOAD; c++) {
		buf_init(&b, 1024 * 1024);
		(void)render_reply(c, o, &b, err, sizeof(err));
		buf_free(&b);
	}
	json_object_put(o);
	return 0;
}
