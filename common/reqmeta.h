/* SPDX-License-Identifier: ISC */
/*
 * Request metadata of a ws_server connection (issue 14): the path, the
 * query and the request header fields a flow names in `request_headers`,
 * as the record $ws_server.request.  Pure: no I/O.
 */
#ifndef WSFLOW_REQMETA_H
#define WSFLOW_REQMETA_H

#include <stddef.h>

#include <json-c/json.h>

#define REQMETA_MAX_NAMES	32	/* request_headers entries */

int		 reqmeta_name_ok(const char *);
struct json_object *reqmeta_build(const char *, size_t, const char *,
		    const char *const *, size_t);

#endif
