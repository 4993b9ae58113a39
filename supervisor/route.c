/* SPDX-License-Identifier: ISC */
/*
 * Route planning: from the deployment's connect statements, decide which
 * connectors get a worker, which pairs of workers share a socketpair
 * (one per source worker and sink worker that some path "connector port
 * -> pipelines -> connector port" joins), and have each worker's
 * configuration built (wconf_build.c): its connector config plus the
 * pipelines reachable from its output ports as a small graph whose leaves
 * are routes, the worker's own sink, or the exit connector (whose workers
 * may then ask for the exit, p_exit).  Pure: no I/O.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conntype.h"
#include "sup.h"

/* Per-worker build state. */
struct build {
	const struct deployment	*b_d;
	struct plan		*b_plan;
	int			 b_src;		/* connector being built */
	int			*b_local;	/* global pipeline -> local */
	struct json_object	*b_pipes;	/* array */
	char			*b_err;
	size_t			 b_errlen;
};

static int	add_targets(struct build *, enum dep_kind, int, const char *,
		    struct json_object *);

/* Connector ports are case-insensitive: keep them lower case. */
static void
port_lower(char *dst, const char *src, size_t len)
{
	size_t	 i;

	for (i = 0; i + 1 < len && src[i] != '\0'; i++)
		dst[i] = tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

/* Find or add the route between two workers. */
static int
route_get(struct plan *p, int src, int dst)
{
	struct route	*r;
	int		 i;

	for (i = 0; i < p->p_nroutes; i++)
		if (p->p_routes[i].rt_src == src && p->p_routes[i].rt_dst == dst)
			return p->p_routes[i].rt_id;
	r = reallocarray(p->p_routes, p->p_nroutes + 1, sizeof(*r));
	if (r == NULL)
		return -1;
	p->p_routes = r;
	r = &p->p_routes[p->p_nroutes];
	r->rt_id = p->p_nroutes;
	r->rt_src = src;
	r->rt_dst = dst;
	r->rt_gen = 0;
	p->p_nroutes++;
	return r->rt_id;
}

/* Add under obj[port] every node that the link targets lead to. */
static int
add_links_from(struct build *b, enum dep_kind kind, int idx,
    struct json_object *outputs)
{
	const struct deployment	*d = b->b_d;
	struct json_object	*nodes;
	char			 port[64];
	int			 i;

	for (i = 0; i < d->d_nlinks; i++) {
		const struct dep_link	*l = &d->d_links[i];

		if (l->dl_from_kind != kind || l->dl_from != idx)
			continue;
		if (kind == DEP_CONNECTOR)
			port_lower(port, l->dl_from_port, sizeof(port));
		else
			(void)strlcpy(port, l->dl_from_port, sizeof(port));
		nodes = wcb_port(outputs, port);
		if (add_targets(b, l->dl_to_kind, l->dl_to, l->dl_to_port,
		    nodes) == -1)
			return -1;
	}
	return 0;
}

/* Local index of a pipeline in this worker, adding it (and what it feeds). */
static int
pipe_local(struct build *b, int gp)
{
	struct json_object	*outputs;
	int			 li;

	if (b->b_local[gp] != -1)
		return b->b_local[gp];
	li = json_object_array_length(b->b_pipes);
	b->b_local[gp] = li;		/* before recursing: cycles end here */
	outputs = wcb_pipeline(b->b_pipes, b->b_d->d_pipelines[gp].dp_name,
	    b->b_d->d_pipelines[gp].dp_compiled);
	if (add_links_from(b, DEP_PIPELINE, gp, outputs) == -1)
		return -1;
	return li;
}

/*
 * A path into a connector with several instances: one node with a route
 * to each ("routes"); the worker sends an event that answers for one of
 * them (its origin) to that one only, any other to all of them; into a
 * relay's instances ("by_stream") to the one owning its stream.
 */
static int
add_instances(struct build *b, int idx, const char *port,
    struct json_object *nodes)
{
	const struct deployment	*d = b->b_d;
	struct json_object	*node;
	int			 i, rid;

	node = wcb_node(nodes, d->d_connectors[idx].dc_ctype == CT_WS_CLIENT ?
	    WCB_SHARDS : WCB_ROUTES, 0, port);
	for (i = 0; i < d->d_nconnectors; i++) {
		if (d->d_connectors[i].dc_group != idx ||
		    !DEP_INSTANCED(&d->d_connectors[i]))
			continue;
		if ((rid = route_get(b->b_plan, b->b_src, i)) == -1) {
			snprintf(b->b_err, b->b_errlen, "out of memory");
			return -1;
		}
		wcb_node_add_route(node, rid);
	}
	return 0;
}

/* Append the node(s) for one link target. */
static int
add_targets(struct build *b, enum dep_kind kind, int idx, const char *port,
    struct json_object *nodes)
{
	const struct deployment	*d = b->b_d;
	struct json_object	*node;
	char			 lport[64];
	int			 li, rid;

	if (kind == DEP_PIPELINE) {
		if (idx < 0 || idx >= d->d_npipelines)
			goto bad;
		node = wcb_node(nodes, WCB_PIPELINE, 0, port);
		if ((li = pipe_local(b, idx)) == -1)
			return -1;
		wcb_node_target(node, WCB_PIPELINE, li);
		return 0;
	}
	if (idx < 0 || idx >= d->d_nconnectors)
		goto bad;
	port_lower(lport, port, sizeof(lport));
	if (d->d_connectors[idx].dc_ctype == CT_EXIT) {
		b->b_plan->p_exit[b->b_src] = 1;
		wcb_node_exit(nodes, json_object_object_get(
		    d->d_connectors[idx].dc_config, "config"));
	} else if (idx == b->b_src || (DEP_INSTANCED(&d->d_connectors[b->b_src])
	    && idx == d->d_connectors[b->b_src].dc_group))
		/* to itself: each instance to itself (instance i -> i) */
		(void)wcb_node(nodes, WCB_LOCAL, 0, lport);
	else if (DEP_INSTANCED(&d->d_connectors[idx]))
		return add_instances(b, idx, lport, nodes);
	else {
		if ((rid = route_get(b->b_plan, b->b_src, idx)) == -1) {
			snprintf(b->b_err, b->b_errlen, "out of memory");
			return -1;
		}
		(void)wcb_node(nodes, WCB_ROUTE, rid, lport);
	}
	return 0;
bad:
	snprintf(b->b_err, b->b_errlen, "link to unknown %s %d",
	    kind == DEP_PIPELINE ? "pipeline" : "connector", idx);
	return -1;
}

/* Roles: source if a link leaves the connector, sink if one enters. */
static void
plan_roles(const struct deployment *d, int *role)
{
	int	 i;

	for (i = 0; i < d->d_nlinks; i++) {
		const struct dep_link	*l = &d->d_links[i];

		if (l->dl_from_kind == DEP_CONNECTOR && l->dl_from >= 0 &&
		    l->dl_from < d->d_nconnectors)
			role[l->dl_from] |= ROLE_SOURCE;
		if (l->dl_to_kind == DEP_CONNECTOR && l->dl_to >= 0 &&
		    l->dl_to < d->d_nconnectors)
			role[l->dl_to] |= ROLE_SINK;
	}
	/* links name an instanced connector's first instance */
	for (i = 0; i < d->d_nconnectors; i++)
		if (DEP_INSTANCED(&d->d_connectors[i]))
			role[i] = role[d->d_connectors[i].dc_group];
}

/*
 * Which of n workers sit on a route cycle: on[i] = 1 when worker i and
 * some other worker each reach the other along routes (a strongly
 * connected component of more than one worker).  A route from a worker
 * to itself is no cycle between workers.  0, or -1 out of memory.
 */
int
route_cycles(int n, const struct route *rt, int nrt, int *on)
{
	unsigned char	*reach = NULL;
	int		*stack = NULL;
	int		 i, j, k, sp, v;

	if (n <= 0)
		return 0;
	if ((size_t)n > SIZE_MAX / (size_t)n ||
	    (reach = calloc((size_t)n * n, 1)) == NULL ||
	    (stack = calloc((size_t)n + 1, sizeof(*stack))) == NULL) {
		free(reach);
		return -1;
	}
	/* reach[i * n + j]: j is reachable from i by one route or more. */
	for (i = 0; i < n; i++) {
		sp = 0;
		stack[sp++] = i;
		while (sp > 0) {
			v = stack[--sp];
			for (k = 0; k < nrt; k++) {
				if (rt[k].rt_src != v || rt[k].rt_src ==
				    rt[k].rt_dst || rt[k].rt_dst < 0 ||
				    rt[k].rt_dst >= n ||
				    reach[i * n + rt[k].rt_dst])
					continue;
				reach[i * n + rt[k].rt_dst] = 1;
				stack[sp++] = rt[k].rt_dst;
			}
		}
	}
	for (i = 0; i < n; i++) {
		on[i] = 0;
		for (j = 0; j < n && !on[i]; j++)
			if (j != i && reach[i * n + j] && reach[j * n + i])
				on[i] = 1;
	}
	free(stack);
	free(reach);
	return 0;
}

/* Tell each worker whether it sits on a route cycle ("on_cycle"). */
static int
plan_cycles(struct plan *p)
{
	int	*on;
	int	 i;

	if ((on = calloc(p->p_nconn + 1, sizeof(*on))) == NULL)
		return -1;
	if (route_cycles(p->p_nconn, p->p_routes, p->p_nroutes, on) == -1) {
		free(on);
		return -1;
	}
	for (i = 0; i < p->p_nconn; i++)
		if (p->p_conf[i] != NULL)
			wcb_on_cycle(p->p_conf[i], on[i]);
	free(on);
	return 0;
}

/* Decide routes and build every worker's configuration. */
int
route_plan(const struct deployment *d, struct plan *p, char *err,
    size_t errlen)
{
	struct build		 b;
	struct json_object	*outputs;
	const struct dep_connector *dc;
	int			 i, j;

	memset(p, 0, sizeof(*p));
	memset(&b, 0, sizeof(b));
	p->p_nconn = d->d_nconnectors;
	p->p_conf = calloc(d->d_nconnectors + 1, sizeof(*p->p_conf));
	p->p_role = calloc(d->d_nconnectors + 1, sizeof(*p->p_role));
	p->p_exit = calloc(d->d_nconnectors + 1, sizeof(*p->p_exit));
	b.b_local = calloc(d->d_npipelines + 1, sizeof(*b.b_local));
	if (p->p_conf == NULL || p->p_role == NULL || p->p_exit == NULL ||
	    b.b_local == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	plan_roles(d, p->p_role);
	b.b_d = d;
	b.b_plan = p;
	b.b_err = err;
	b.b_errlen = errlen;
	for (i = 0; i < d->d_nconnectors; i++) {
		dc = &d->d_connectors[i];
		/* Tremor: connectors in no connect are never started. */
		if (p->p_role[i] == 0 || dc->dc_ctype == CT_EXIT)
			continue;
		for (j = 0; j < d->d_npipelines; j++)
			b.b_local[j] = -1;
		b.b_src = i;
		p->p_conf[i] = wcb_worker(i, dc, &outputs, &b.b_pipes);
		/* an instance has the links of the first */
		if (add_links_from(&b, DEP_CONNECTOR, DEP_INSTANCED(dc) ?
		    dc->dc_group : i, outputs) == -1)
			goto fail;
	}
	for (i = 0; i < d->d_nconnectors; i++)
		if (p->p_conf[i] != NULL &&
		    d->d_connectors[i].dc_ctype == CT_METRICS)
			wcb_reporters(p->p_conf[i], d, p->p_role);
	if (plan_cycles(p) == -1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	free(b.b_local);
	return 0;
fail:
	free(b.b_local);
	route_plan_free(p);
	return -1;
}

/* Release a plan; NULL members are fine. */
void
route_plan_free(struct plan *p)
{
	int	 i;

	if (p->p_conf != NULL)
		for (i = 0; i < p->p_nconn; i++)
			json_object_put(p->p_conf[i]);
	free(p->p_conf);
	free(p->p_role);
	free(p->p_exit);
	free(p->p_routes);
	memset(p, 0, sizeof(*p));
}
