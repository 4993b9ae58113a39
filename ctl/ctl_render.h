/* SPDX-License-Identifier: ISC */
/*
 * wsflowctl's text form of the daemon's JSON replies: aligned columns.
 * Pure: renders into a struct buf, no I/O.
 */
#ifndef WSFLOW_CTL_RENDER_H
#define WSFLOW_CTL_RENDER_H

#include <stddef.h>

#include "buf.h"
#include "ctlproto.h"

struct json_object;

/*
 * Write nrows rows of ncols cells (row-major; NULL cells print as "-")
 * as columns separated by two spaces, each as wide as its widest cell.
 */
int	 render_table(struct buf *, const char *const *, size_t, size_t);
/* "3d4h", "1h2m", "5m6s", "7s"; "-" when negative. */
void	 render_duration(long long, char *, size_t);
/* The text form of a successful reply to cmd; -1 with err if malformed. */
int	 render_reply(enum ctl_cmd, struct json_object *, struct buf *,
	    char *, size_t);

#endif
