/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for common/httpreq: the input as the bytes a scrape
 * sends, whole and cut at every tenth byte.  A parsed head stays inside
 * the input and the bound, and its path and method are terminated.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "httpreq.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Parse the input, and prefixes of it, as the exporter would. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct httpreq	 r;
	size_t		 cut;

	for (cut = len % 10; cut <= len; cut += 10) {
		if (httpreq_parse((const char *)data, cut, &r) != HTTPREQ_OK)
			continue;
		if (r.hr_len == 0 || r.hr_len > cut || r.hr_len > HTTPREQ_MAX ||
		    memchr(r.hr_path, '\0', sizeof(r.hr_path)) == NULL ||
		    memchr(r.hr_method, '\0', sizeof(r.hr_method)) == NULL ||
		    r.hr_path[0] != '/')
			__builtin_trap();
	}
	return 0;
}
