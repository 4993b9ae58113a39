/* SPDX-License-Identifier: ISC */
/*
 * Summing the counters of a connector's instances for show stats and
 * the metrics (see statsum.h).  Pure.
 */
#include "config.h"

#include <string.h>

#include "jsonget.h"
#include "statsum.h"

/* A copy of v for a sum (numbers and records as they are, deeply). */
static struct json_object *
ss_copy(struct json_object *v)
{
	struct json_object	*c = NULL;

	if (json_object_deep_copy(v, &c, NULL) != 0)
		return NULL;
	return c;
}

/* The entry of ports with src's port and direction, or NULL. */
static struct json_object *
ss_port(struct json_object *ports, struct json_object *src)
{
	struct json_object	*p;
	size_t			 i;

	for (i = 0; i < json_object_array_length(ports); i++) {
		p = json_object_array_get_idx(ports, i);
		if (strcmp(jg_str(p, "port", ""), jg_str(src, "port", "")) ==
		    0 && strcmp(jg_str(p, "direction", ""),
		    jg_str(src, "direction", "")) == 0)
			return p;
	}
	return NULL;
}

/* Add the "ports" list src into dst's. */
static void
ss_ports(struct json_object *dst, struct json_object *src)
{
	struct json_object	*p, *s;
	size_t			 i;

	for (i = 0; i < json_object_array_length(src); i++) {
		s = json_object_array_get_idx(src, i);
		if (!json_object_is_type(s, json_type_object))
			continue;
		if ((p = ss_port(dst, s)) != NULL)
			statsum_add(p, s);
		else
			json_object_array_add(dst, ss_copy(s));
	}
}

/* Add counters (see statsum.h). */
void
statsum_add(struct json_object *dst, struct json_object *src)
{
	struct json_object	*d;

	if (!json_object_is_type(dst, json_type_object) ||
	    !json_object_is_type(src, json_type_object))
		return;
	json_object_object_foreach(src, key, v) {
		if (!json_object_object_get_ex(dst, key, &d)) {
			/* routes are each instance's own */
			if (strcmp(key, "routes") != 0)
				json_object_object_add(dst, key, ss_copy(v));
			continue;
		}
		if (json_object_is_type(d, json_type_int) &&
		    json_object_is_type(v, json_type_int))
			json_object_object_add(dst, key, json_object_new_int64(
			    json_object_get_int64(d) +
			    json_object_get_int64(v)));
		else if ((json_object_is_type(d, json_type_int) ||
		    json_object_is_type(d, json_type_double)) &&
		    (json_object_is_type(v, json_type_int) ||
		    json_object_is_type(v, json_type_double)))
			json_object_object_add(dst, key,
			    json_object_new_double(json_object_get_double(d) +
			    json_object_get_double(v)));
		else if (json_object_is_type(d, json_type_object))
			statsum_add(d, v);
		else if (strcmp(key, "ports") == 0 &&
		    json_object_is_type(d, json_type_array) &&
		    json_object_is_type(v, json_type_array))
			ss_ports(d, v);
	}
}

/* The summed entry of connector name of flow in list, or NULL. */
static struct json_object *
ss_sum_of(struct json_object *list, size_t n, const char *name,
    const char *flow)
{
	struct json_object	*c;
	size_t			 i;

	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(list, i);
		if (jg_get(c, "instances") != NULL &&
		    strcmp(jg_str(c, "name", ""), name) == 0 &&
		    strcmp(jg_str(c, "flow", ""), flow) == 0)
			return c;
	}
	return NULL;
}

/* A new summed entry for instance c of connector name. */
static struct json_object *
ss_new_sum(struct json_object *c, const char *name)
{
	struct json_object	*s;

	s = json_object_new_object();
	json_object_object_add(s, "name", json_object_new_string(name));
	json_object_object_add(s, "type",
	    json_object_new_string(jg_str(c, "type", "")));
	json_object_object_add(s, "flow",
	    json_object_new_string(jg_str(c, "flow", "")));
	json_object_object_add(s, "state", json_object_new_string("running"));
	json_object_object_add(s, "instances", json_object_new_int(0));
	json_object_object_add(s, "running", json_object_new_int(0));
	json_object_object_add(s, "restarts", json_object_new_int(0));
	json_object_object_add(s, "stats", json_object_new_object());
	return s;
}

/* Add instance c into its sum s. */
static void
ss_add_instance(struct json_object *s, struct json_object *c)
{
	int	 run;

	run = strcmp(jg_str(c, "state", ""), "running") == 0;
	json_object_object_add(s, "instances", json_object_new_int(
	    (int)jg_int(s, "instances", 0) + 1));
	json_object_object_add(s, "running", json_object_new_int(
	    (int)jg_int(s, "running", 0) + run));
	json_object_object_add(s, "restarts", json_object_new_int64(
	    jg_int(s, "restarts", 0) + jg_int(c, "restarts", 0)));
	/* running when every instance runs */
	if (!run)
		json_object_object_add(s, "state", json_object_new_string(
		    jg_int(s, "running", 0) > 0 ? "degraded" : "down"));
	else if (jg_int(s, "running", 0) < jg_int(s, "instances", 0))
		json_object_object_add(s, "state",
		    json_object_new_string("degraded"));
	if (json_object_is_type(jg_get(c, "stats"), json_type_object))
		statsum_add(jg_get(s, "stats"), jg_get(c, "stats"));
}

/* Append the sums (see statsum.h). */
int
statsum_instances(struct json_object *reply)
{
	struct json_object	*list, *c, *s;
	size_t			 i, n;
	const char		*of;

	if ((list = jg_arr(reply, "connectors")) == NULL)
		return -1;
	n = json_object_array_length(list);
	for (i = 0; i < n; i++)
		if (jg_get(json_object_array_get_idx(list, i), "instances") !=
		    NULL)
			return 0;
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(list, i);
		if ((of = jg_str(c, "of", NULL)) == NULL)
			continue;
		if ((s = ss_sum_of(list, json_object_array_length(list), of,
		    jg_str(c, "flow", ""))) == NULL) {
			s = ss_new_sum(c, of);
			json_object_array_add(list, s);
		}
		ss_add_instance(s, c);
	}
	return 0;
}
