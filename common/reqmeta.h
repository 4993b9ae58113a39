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
/* What reqmeta_cost() counts beyond the bytes of keys and strings: an
 * object with its hash table, and a member (its entry, the copy of its
 * key, its value's object, the allocator's headers); measured with
 * json-c 0.16 and rounded up. */
#define REQMETA_OBJECT_COST	1280
#define REQMETA_MEMBER_COST	160

int		 reqmeta_name_ok(const char *);
struct json_object *reqmeta_build(const char *, size_t, const char *,
		    const char *const *, size_t);
size_t		 reqmeta_cost(struct json_object *);

#endif
