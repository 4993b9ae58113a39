/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for common/proxy: the input as a proxy's reply,
 * whole and cut at every tenth byte, under two bounds (a parsed head
 * stays inside the input and the bound and has a status 100-599), and
 * as a proxy URL (credentials terminated, a CONNECT request built for
 * the host it names).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Parse the input as a reply head and as a proxy URL. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const size_t	 max[] = { 64, 16384 };
	struct proxy_url	 px;
	struct buf		 b;
	char			*s;
	size_t			 cut, used, i;
	int			 st;

	for (i = 0; i < sizeof(max) / sizeof(max[0]); i++)
		for (cut = len % 10; cut <= len; cut += 10) {
			if (proxy_reply_parse((const char *)data, cut, max[i],
			    &st, &used) != PROXY_OK)
				continue;
			if (used < 16 || used > cut || used > max[i] ||
			    st < 100 || st > 599)
				__builtin_trap();
		}
	if ((s = malloc(len + 1)) == NULL)
		return 0;
	memcpy(s, data, len);
	s[len] = '\0';
	if (proxy_url_parse(s, &px, NULL) == 0) {
		if (memchr(px.px_auth, '\0', sizeof(px.px_auth)) == NULL ||
		    (px.px_has_auth && !proxy_auth_ok(px.px_auth)))
			__builtin_trap();
		buf_init(&b, 0);
		if (proxy_connect_request(&b, &px.px_url, px.px_has_auth ?
		    px.px_auth : NULL) == -1)
			__builtin_trap();
		buf_free(&b);
	}
	free(s);
	return 0;
}
