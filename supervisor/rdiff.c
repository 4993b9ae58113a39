/* SPDX-License-Identifier: ISC */
/*
 * What a reload keeps, replaces, starts and stops (wsflowd(8) RELOAD).
 * Two deployments and their route plans are compared connector by
 * connector, by name (flow and alias): a connector keeps its worker when
 * its canonical form is the same, which is its worker's configuration
 * (identity, type, the connector's config with codec and processors, the
 * pipelines it evaluates and the graph of where their ports lead, whether
 * it sits on a route cycle) with the numbers in it that differ from one
 * plan to the next replaced by what they stand for: its own id dropped,
 * each route id by the connector at the route's other end, and what
 * changes per start (restarts, verbosity) left out.
 *
 * A connector whose form differs only in that graph (its pipelines changed,
 * or where they lead) keeps its worker too, which takes the new graph
 * (RDIFF_REPATH): pipelines keep no state between events.
 *
 * Once that is decided, the new plan is renumbered so that what stays
 * keeps its numbers: a kept worker's id, and the id and generation of
 * every route leaving a kept worker, whose configuration names it.
 * Pure: no I/O.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sup.h"

/* Keys of a worker configuration that are no part of what it does. */
static const char *const rdiff_volatile[] = { "id", "restarts", "verbose" };
/* Keys a running worker can take anew (MSG_PATH): its graph. */
static const char *const rdiff_path[] = { "outputs", "pipelines",
    "on_cycle" };

/* The route of plan p with id rid, or NULL. */
static const struct route *
rdiff_route(const struct plan *p, int64_t rid)
{
	int	 i;

	for (i = 0; i < p->p_nroutes; i++)
		if ((int64_t)p->p_routes[i].rt_id == rid)
			return &p->p_routes[i];
	return NULL;
}

/* Whether connectors a (of da) and b (of db) have the same name. */
static int
rdiff_same_name(const struct dep_connector *a, const struct dep_connector *b)
{
	return strcmp(a->dc_name, b->dc_name) == 0 &&
	    strcmp(a->dc_flow != NULL ? a->dc_flow : "",
	    b->dc_flow != NULL ? b->dc_flow : "") == 0;
}

/* Call fn for every node of conf's outputs and of its pipelines'
 * outputs that leads to a route (its "route" value: the route id), and
 * put what it returns in the id's place; the same for every id of the
 * "routes" of a node leading to a connector's instances. */
static void
rdiff_each_route(struct json_object *conf,
    struct json_object *(*fn)(int64_t, void *), void *arg)
{
	struct json_object	*pipes, *outputs, *node, *v;
	size_t			 i, j, k, n, np;

	pipes = json_object_object_get(conf, "pipelines");
	np = json_object_is_type(pipes, json_type_array) ?
	    json_object_array_length(pipes) : 0;
	for (j = 0; j <= np; j++) {
		outputs = json_object_object_get(j == np ? conf :
		    json_object_array_get_idx(pipes, j), "outputs");
		if (!json_object_is_type(outputs, json_type_object))
			continue;
		json_object_object_foreach(outputs, port, nodes) {
			(void)port;
			n = json_object_is_type(nodes, json_type_array) ?
			    json_object_array_length(nodes) : 0;
			for (i = 0; i < n; i++) {
				node = json_object_array_get_idx(nodes, i);
				if (json_object_object_get_ex(node, "route",
				    &v))
					json_object_object_add(node, "route",
					    fn(json_object_get_int64(v), arg));
				if (!json_object_object_get_ex(node, "routes",
				    &v) || !json_object_is_type(v,
				    json_type_array))
					continue;
				for (k = 0; k < json_object_array_length(v);
				    k++)
					json_object_array_put_idx(v, k, fn(
					    json_object_get_int64(
					    json_object_array_get_idx(v, k)),
					    arg));
			}
		}
	}
}

/* What rdiff_canon_route needs. */
struct rdiff_canon_arg {
	const struct deployment	*ca_d;
	const struct plan	*ca_p;
};

/* A route id becomes the name of the connector at its other end. */
static struct json_object *
rdiff_canon_route(int64_t rid, void *arg)
{
	struct rdiff_canon_arg	*ca = arg;
	const struct dep_connector *dc;
	const struct route	*rt;
	char			 name[512];

	rt = rdiff_route(ca->ca_p, rid);
	if (rt == NULL || rt->rt_dst < 0 || rt->rt_dst >= ca->ca_d->d_nconnectors)
		snprintf(name, sizeof(name), "?");
	else {
		dc = &ca->ca_d->d_connectors[rt->rt_dst];
		snprintf(name, sizeof(name), "%s/%s",
		    dc->dc_flow != NULL ? dc->dc_flow : "", dc->dc_name);
	}
	return json_object_new_string(name);
}

/* The canonical form of connector idx of d in plan p (a new object), or
 * NULL when it has no worker. */
struct json_object *
rdiff_canon(const struct deployment *d, const struct plan *p, int idx)
{
	struct rdiff_canon_arg	 ca = { d, p };
	struct json_object	*c = NULL;
	size_t			 i;

	if (idx < 0 || idx >= p->p_nconn || p->p_conf[idx] == NULL ||
	    json_object_deep_copy(p->p_conf[idx], &c, NULL) != 0)
		return NULL;
	for (i = 0; i < sizeof(rdiff_volatile) / sizeof(rdiff_volatile[0]);
	    i++)
		json_object_object_del(c, rdiff_volatile[i]);
	rdiff_each_route(c, rdiff_canon_route, &ca);
	return c;
}

/* Whether a form sends anything from its "out" port (a worker that
 * sends nothing never started producing, so it cannot take a graph
 * that does). */
static int
rdiff_has_out(struct json_object *c)
{
	struct json_object	*out;

	out = json_object_object_get(json_object_object_get(c, "outputs"),
	    "out");
	return json_object_is_type(out, json_type_array) &&
	    json_object_array_length(out) > 0;
}

/* What old connector o becomes as new connector i: RDIFF_KEEP (equal
 * forms), RDIFF_REPATH (equal but for the graph) or RDIFF_REPLACE. */
static int
rdiff_verdict(const struct deployment *od, const struct plan *op, int o,
    const struct deployment *nd, const struct plan *np, int i)
{
	struct json_object	*a, *b;
	size_t			 k;
	int			 v = RDIFF_REPLACE;

	a = rdiff_canon(od, op, o);
	b = rdiff_canon(nd, np, i);
	if (a != NULL && b != NULL && json_object_equal(a, b))
		v = RDIFF_KEEP;
	else if (a != NULL && b != NULL &&
	    rdiff_has_out(a) == rdiff_has_out(b)) {
		for (k = 0; k < sizeof(rdiff_path) / sizeof(rdiff_path[0]);
		    k++) {
			json_object_object_del(a, rdiff_path[k]);
			json_object_object_del(b, rdiff_path[k]);
		}
		if (json_object_equal(a, b))
			v = RDIFF_REPATH;
	}
	json_object_put(a);
	json_object_put(b);
	return v;
}

/* Compare old and new connector by connector into rd; -1 out of memory. */
int
rdiff_compare(const struct deployment *od, const struct plan *op,
    const struct deployment *nd, const struct plan *np, struct rdiff *rd)
{
	int	 i, o;

	memset(rd, 0, sizeof(*rd));
	rd->rd_nnew = nd->d_nconnectors;
	rd->rd_nold = od->d_nconnectors;
	if ((rd->rd_new = calloc(rd->rd_nnew + 1, sizeof(int))) == NULL ||
	    (rd->rd_match = calloc(rd->rd_nnew + 1, sizeof(int))) == NULL ||
	    (rd->rd_old = calloc(rd->rd_nold + 1, sizeof(int))) == NULL) {
		rdiff_free(rd);
		return -1;
	}
	for (o = 0; o < od->d_nconnectors; o++)
		rd->rd_old[o] = o < op->p_nconn && op->p_conf[o] != NULL ?
		    RDIFF_STOP : RDIFF_NONE;
	for (i = 0; i < nd->d_nconnectors; i++) {
		rd->rd_match[i] = -1;
		if (i >= np->p_nconn || np->p_conf[i] == NULL) {
			rd->rd_new[i] = RDIFF_NONE;
			continue;
		}
		for (o = 0; o < od->d_nconnectors; o++)
			if (rd->rd_old[o] == RDIFF_STOP &&
			    rdiff_same_name(&od->d_connectors[o],
			    &nd->d_connectors[i]))
				break;
		if (o == od->d_nconnectors) {
			rd->rd_new[i] = RDIFF_START;
			rd->rd_started++;
			continue;
		}
		rd->rd_match[i] = o;
		rd->rd_new[i] = rd->rd_old[o] = rdiff_verdict(od, op, o, nd,
		    np, i);
		if (RDIFF_KEPT(rd->rd_new[i])) {
			rd->rd_kept++;
			if (rd->rd_new[i] == RDIFF_REPATH)
				rd->rd_repathed++;
		} else {
			rd->rd_new[i] = rd->rd_old[o] = RDIFF_REPLACE;
			rd->rd_replaced++;
		}
	}
	for (o = 0; o < od->d_nconnectors; o++)
		if (rd->rd_old[o] == RDIFF_STOP)
			rd->rd_stopped++;
	return 0;
}

/* What rdiff_renumber_route needs: old route k's new id is map[k]. */
struct rdiff_map {
	const uint32_t	*rm_map;
	int		 rm_n;
};

/* Route k becomes map[k]. */
static struct json_object *
rdiff_renumber_route(int64_t k, void *arg)
{
	struct rdiff_map	*rm = arg;

	return json_object_new_int64(k >= 0 && k < rm->rm_n ? rm->rm_map[k] :
	    k);
}

/*
 * Give the new plan np the numbers that stay: connector i's worker id is
 * ids[i] (a kept worker's own), and a route leaving a kept worker for a
 * connector of the same name as before keeps its id and generation; any
 * other route gets a fresh id from *next_route.  np must be fresh from
 * route_plan (route ids are indices).  -1 out of memory.
 */
int
rdiff_renumber(const struct deployment *od, const struct plan *op,
    const struct deployment *nd, struct plan *np, const struct rdiff *rd,
    const int *ids, uint32_t *next_route)
{
	struct route		*rt;
	const struct route	*ort;
	struct rdiff_map	 rm;
	uint32_t		*map;
	int			 k, o, m;

	if ((map = calloc(np->p_nroutes + 1, sizeof(*map))) == NULL)
		return -1;
	for (k = 0; k < np->p_nroutes; k++) {
		rt = &np->p_routes[k];
		ort = NULL;
		if (RDIFF_KEPT(rd->rd_new[rt->rt_src])) {
			o = rd->rd_match[rt->rt_src];
			for (m = 0; m < op->p_nroutes && ort == NULL; m++)
				if (op->p_routes[m].rt_src == o &&
				    rdiff_same_name(&od->d_connectors[
				    op->p_routes[m].rt_dst],
				    &nd->d_connectors[rt->rt_dst]))
					ort = &op->p_routes[m];
		}
		if (ort != NULL) {
			map[k] = ort->rt_id;
			rt->rt_gen = ort->rt_gen;
		} else
			map[k] = (*next_route)++;
	}
	for (k = 0; k < np->p_nroutes; k++)
		np->p_routes[k].rt_id = map[k];
	rm.rm_map = map;
	rm.rm_n = np->p_nroutes;
	for (k = 0; k < np->p_nconn; k++) {
		if (np->p_conf[k] == NULL)
			continue;
		json_object_object_add(np->p_conf[k], "id",
		    json_object_new_int(ids[k]));
		rdiff_each_route(np->p_conf[k], rdiff_renumber_route, &rm);
	}
	free(map);
	return 0;
}

/* Release what rdiff_compare allocated. */
void
rdiff_free(struct rdiff *rd)
{
	free(rd->rd_new);
	free(rd->rd_match);
	free(rd->rd_old);
	memset(rd, 0, sizeof(*rd));
}
