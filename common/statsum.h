/* SPDX-License-Identifier: ISC */
/*
 * The counters of a ws_server with instances = N summed (issue 15).  A
 * show stats reply lists each instance as its own connector ("NAME#k",
 * with "of": NAME and "instance": k); statsum_instances appends to the
 * reply's "connectors" one entry per such connector, named NAME, whose
 * counters are the sum of its instances'.  Pure; shared by wsflowctl
 * (show stats, metrics) and the metrics exporter.
 */
#ifndef WSFLOW_STATSUM_H
#define WSFLOW_STATSUM_H

#include <json-c/json.h>

/* Append the sums to reply (once: a reply that has them is left alone).
 * 0, or -1 when the reply is not a show stats reply. */
int	statsum_instances(struct json_object *);

/* Add the numbers of counters src into dst (objects recursively,
 * "ports" entries by port and direction; other values: dst keeps the
 * first it had). */
void	statsum_add(struct json_object *, struct json_object *);

#endif
