/* SPDX-License-Identifier: ISC */
/*
 * The one place the supervisor builds worker configurations (the JSON
 * object MSG_CONFIG carries).  Every key added here is declared, with
 * its type and meaning, in the tables of common/wconf.c; a worker
 * refuses a config that does not match them.  route.c decides what goes
 * where, supervisor.c adds what changes per start, control.c asks for
 * the control worker's config.  Pure: no I/O.
 */
#include "config.h"

#include <stdint.h>

#include "conntype.h"
#include "sup.h"

/* A new object naming a connector: its name, flow and type (worker
 * configs, wsflowctl's connector list). */
struct json_object *
wcb_identity(const struct dep_connector *dc)
{
	struct json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(dc->dc_name));
	json_object_object_add(o, "flow",
	    json_object_new_string(dc->dc_flow ? dc->dc_flow : ""));
	json_object_object_add(o, "type", json_object_new_string(dc->dc_type));
	return o;
}

/* A worker for connector id of the deployment, with empty outputs and
 * pipelines (returned through outputs and pipes, owned by the config). */
struct json_object *
wcb_worker(int id, const struct dep_connector *dc,
    struct json_object **outputs, struct json_object **pipes)
{
	struct json_object	*conf;

	conf = wcb_identity(dc);
	*outputs = json_object_new_object();
	*pipes = json_object_new_array();
	json_object_object_add(conf, "id", json_object_new_int(id));
	/* instances = N: which one, from 0 (its streams' ids say so) */
	if (DEP_INSTANCED(dc))
		json_object_object_add(conf, "instance",
		    json_object_new_int(dc->dc_instance - 1));
	json_object_object_add(conf, "connector",
	    json_object_get(dc->dc_config));
	json_object_object_add(conf, "outputs", *outputs);
	json_object_object_add(conf, "pipelines", *pipes);
	return conf;
}

/* The configuration of an internal worker of type t (not a troy
 * connector) with its connector.config c (consumed). */
static struct json_object *
wcb_internal(int id, const char *name, enum conn_type t,
    struct json_object *c)
{
	struct json_object	*conf, *conn;

	conf = json_object_new_object();
	json_object_object_add(conf, "id", json_object_new_int(id));
	json_object_object_add(conf, "name", json_object_new_string(name));
	json_object_object_add(conf, "type", json_object_new_string(
	    conntype_name(t)));
	conn = json_object_new_object();
	json_object_object_add(conn, "config", c);
	json_object_object_add(conf, "connector", conn);
	return conf;
}

/* The control worker's configuration. */
struct json_object *
wcb_control(int id, const char *name, int64_t daemon_uid)
{
	struct json_object	*c;

	c = json_object_new_object();
	json_object_object_add(c, "daemon_uid",
	    json_object_new_int64(daemon_uid));
	return wcb_internal(id, name, CT_CONTROL, c);
}

/* The metrics exporter's configuration (wsflowd -m). */
struct json_object *
wcb_exporter(int id, const char *name)
{
	return wcb_internal(id, name, CT_EXPORTER, json_object_new_object());
}

/* The keyholder's configuration: who it is; its keys come as
 * descriptors. */
struct json_object *
wcb_keyholder(int id)
{
	return wcb_internal(id, conntype_name(CT_KEYHOLDER), CT_KEYHOLDER,
	    json_object_new_object());
}

/* The node list of an output port in an outputs map, added if new. */
struct json_object *
wcb_port(struct json_object *outputs, const char *port)
{
	struct json_object	*nodes;

	if (!json_object_object_get_ex(outputs, port, &nodes)) {
		nodes = json_object_new_array();
		json_object_object_add(outputs, port, nodes);
	}
	return nodes;
}

/* Append a pipeline to pipes; returns its (empty) outputs map. */
struct json_object *
wcb_pipeline(struct json_object *pipes, const char *name,
    struct json_object *compiled)
{
	struct json_object	*pj, *outputs;

	pj = json_object_new_object();
	outputs = json_object_new_object();
	json_object_object_add(pj, "name", json_object_new_string(name));
	json_object_object_add(pj, "compiled", json_object_get(compiled));
	json_object_object_add(pj, "outputs", outputs);
	json_object_array_add(pipes, pj);
	return outputs;
}

/* The key a target kind is stored under in a node. */
static const char *
wcb_target_key(enum wcb_target t)
{
	switch (t) {
	case WCB_PIPELINE:
		return "pipeline";
	case WCB_ROUTE:
		return "route";
	case WCB_ROUTES:
	case WCB_SHARDS:
		return "routes";
	case WCB_LOCAL:
	default:
		return "local";
	}
}

/* Set (or change) the target of a node: a pipeline index, a route id. */
void
wcb_node_target(struct json_object *node, enum wcb_target t, int id)
{
	json_object_object_add(node, wcb_target_key(t), t == WCB_LOCAL ?
	    json_object_new_boolean(1) : t == WCB_ROUTES || t == WCB_SHARDS ?
	    json_object_new_array() : json_object_new_int(id));
	if (t == WCB_SHARDS)
		json_object_object_add(node, "by_stream",
		    json_object_new_boolean(1));
}

/* Add route id to a WCB_ROUTES node (the instances of one connector). */
void
wcb_node_add_route(struct json_object *node, int id)
{
	json_object_array_add(json_object_object_get(node, "routes"),
	    json_object_new_int(id));
}

/* Append a node to nodes: events go to target t (id) at port. */
struct json_object *
wcb_node(struct json_object *nodes, enum wcb_target t, int id,
    const char *port)
{
	struct json_object	*node;

	node = json_object_new_object();
	wcb_node_target(node, t, id);
	json_object_object_add(node, "port", json_object_new_string(port));
	json_object_array_add(nodes, node);
	return node;
}

/* Append a node to nodes: events reach the exit connector (config cfg,
 * NULL for none). */
void
wcb_node_exit(struct json_object *nodes, struct json_object *cfg)
{
	struct json_object	*node;

	node = json_object_new_object();
	json_object_object_add(node, "exit", cfg != NULL ?
	    json_object_get(cfg) : json_object_new_object());
	json_object_array_add(nodes, node);
}

/* Whether the worker sits on a route cycle. */
void
wcb_on_cycle(struct json_object *conf, int on)
{
	json_object_object_add(conf, "on_cycle", json_object_new_boolean(on));
}

/* What changes from one start of a worker to the next. */
void
wcb_start(struct json_object *conf, int restarts, int verbose)
{
	json_object_object_add(conf, "restarts",
	    json_object_new_int(restarts));
	json_object_object_add(conf, "verbose", json_object_new_int(verbose));
}

/* A pipeline with `#!config metrics_interval_s` as a reporter: its name
 * (Tremor's tag), interval and ports. */
static void
wcb_pipe_reporter(struct json_object *list, const struct dep_pipeline *dp)
{
	struct json_object	*r, *v;

	if (dp->dp_compiled == NULL || !json_object_object_get_ex(
	    dp->dp_compiled, "metrics_interval_s", &v) ||
	    json_object_get_int64(v) <= 0)
		return;
	r = json_object_new_object();
	json_object_object_add(r, "name", json_object_new_string(dp->dp_name));
	json_object_object_add(r, "interval_s",
	    json_object_new_int64(json_object_get_int64(v)));
	json_object_object_add(r, "pipeline", json_object_new_boolean(1));
	if (json_object_object_get_ex(dp->dp_compiled, "from", &v))
		json_object_object_add(r, "from", json_object_get(v));
	if (json_object_object_get_ex(dp->dp_compiled, "into", &v))
		json_object_object_add(r, "into", json_object_get(v));
	json_object_array_add(list, r);
}

/*
 * A metrics connector's reporters: every connector that runs and sets
 * metrics_interval_s, with its roles, and every pipeline with
 * `#!config metrics_interval_s`, added as connector.config "reporters" to a copy of the metrics connector's definition (the
 * deployment's stays as troy made it).
 */
void
wcb_reporters(struct json_object *conf, const struct deployment *d,
    const int *role)
{
	const struct dep_connector	*dc;
	struct json_object		*conn = NULL, *c, *list, *r, *v;
	int				 i;

	if (json_object_deep_copy(json_object_object_get(conf, "connector"),
	    &conn, NULL) != 0 || conn == NULL)
		return;
	if ((c = json_object_object_get(conn, "config")) == NULL ||
	    !json_object_is_type(c, json_type_object)) {
		c = json_object_new_object();
		json_object_object_add(conn, "config", c);
	}
	list = json_object_new_array();
	for (i = 0; i < d->d_nconnectors; i++) {
		dc = &d->d_connectors[i];
		if (role[i] == 0 || dc->dc_ctype == CT_EXIT ||
		    !json_object_object_get_ex(dc->dc_config,
		    "metrics_interval_s", &v) ||
		    !json_object_is_type(v, json_type_int) ||
		    json_object_get_int64(v) <= 0)
			continue;
		r = json_object_new_object();
		json_object_object_add(r, "name",
		    json_object_new_string(dc->dc_name));
		json_object_object_add(r, "interval_s",
		    json_object_new_int64(json_object_get_int64(v)));
		json_object_object_add(r, "source",
		    json_object_new_boolean((role[i] & ROLE_SOURCE) != 0));
		json_object_object_add(r, "sink",
		    json_object_new_boolean((role[i] & ROLE_SINK) != 0));
		json_object_array_add(list, r);
	}
	for (i = 0; i < d->d_npipelines; i++)
		wcb_pipe_reporter(list, &d->d_pipelines[i]);
	json_object_object_add(c, "reporters", list);
	json_object_object_add(conf, "connector", conn);
}

/* Where a restarted file source starts reading. */
void
wcb_resume(struct json_object *conf, const struct msg_source_pos *sp)
{
	struct json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "offset",
	    json_object_new_int64((int64_t)sp->sp_offset));
	json_object_object_add(o, "events",
	    json_object_new_int64((int64_t)sp->sp_events));
	json_object_object_add(conf, "resume", o);
}
