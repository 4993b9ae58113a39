/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for supervisor/rdiff.c, what a reload keeps: two troy texts
 * are loaded (the in-memory reader), planned (route.c) and compared
 * connector by connector; then the new plan is renumbered and a kept
 * worker's configuration must be exactly the one it runs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "troy_testlib.h"
#include "sup.h"

/* One side of a reload: a deployment and its plan. */
struct side {
	struct deployment	*s_d;
	struct plan		 s_p;
};

#define WS(n, port, codec)						\
	"  define connector " n " from ws_server with codec = \"" codec	\
	"\", config = {\"url\": \"127.0.0.1:" port "\"} end;\n"		\
	"  create connector " n ";\n"
#define ECHO(n)								\
	"  create pipeline echo_" n " from pipelines::passthrough;\n"	\
	"  connect /connector/" n " to /pipeline/echo_" n ";\n"		\
	"  connect /pipeline/echo_" n " to /connector/" n ";\n"
#define HEAD								\
	"define flow main\nflow\n  use integration;\n"			\
	"  use troy::pipelines;\n"
#define FILES(pipe, outfile)						\
	"  create connector in from integration::read_file;\n"		\
	"  create connector out from integration::write_file with "	\
	"file = \"" outfile "\" end;\n"					\
	"  define pipeline shout pipeline select {\"v\": event} from in "	\
	"into out; end;\n"						\
	"  create pipeline p from " pipe ";\n"				\
	"  connect /connector/in to /pipeline/p;\n"			\
	"  connect /pipeline/p to /connector/out;\n"
#define TAIL	"end;\ndeploy flow main;\n"

/* The base flow: a ws echo, and a file through pipeline p to a file. */
static const char base[] = HEAD WS("ws", "14700", "binary") ECHO("ws")
	FILES("pipelines::passthrough", "out.log") TAIL;

/* Load and plan text; 0 or -1. */
static int
side_load(struct side *s, const char *text)
{
	const char	*files[] = { "main.troy", text, NULL };
	struct troy_ctx	*ctx = NULL;
	char		 err[256];

	memset(s, 0, sizeof(*s));
	s->s_d = load(files, names, 1, NULL, 0, &ctx);
	if (s->s_d == NULL)
		fprintf(stderr, "%s", diags(ctx));
	troy_ctx_free(ctx);
	if (s->s_d == NULL)
		return -1;
	/* instances = "auto" is 4 here */
	if (deploy_instances(s->s_d, 4) == -1)
		return -1;
	if (route_plan(s->s_d, &s->s_p, err, sizeof(err)) == -1) {
		fprintf(stderr, "route_plan: %s\n", err);
		return -1;
	}
	return 0;
}

/* Release a side. */
static void
side_free(struct side *s)
{
	route_plan_free(&s->s_p);
	deploy_free(s->s_d);
}

/* The index of connector name in s, or -1. */
static int
idx(const struct side *s, const char *name)
{
	int	 i;

	for (i = 0; i < s->s_d->d_nconnectors; i++)
		if (strcmp(s->s_d->d_connectors[i].dc_name, name) == 0)
			return i;
	return -1;
}

/* The verdict of new connector name. */
static int
verdict(const struct rdiff *rd, const struct side *n, const char *name)
{
	int	 i = idx(n, name);

	return i < 0 ? -1 : rd->rd_new[i];
}

/* Compare old text with new text: the counts (kept, started, replaced,
 * stopped) and, per name=verdict pair, the verdicts. */
static void
diff(const char *what, const char *otext, const char *ntext, int kept,
    int started, int replaced, int stopped, const char *n1, int v1,
    const char *n2, int v2)
{
	struct side	 o, n;
	struct rdiff	 rd;

	int		 ok;

	ok = side_load(&o, otext) == 0 && side_load(&n, ntext) == 0;
	CHECK_MSG(ok, "%s: loads", what);
	if (!ok)
		return;
	CHECK_INT(rdiff_compare(o.s_d, &o.s_p, n.s_d, &n.s_p, &rd), 0);
	CHECK_MSG(rd.rd_kept == kept && rd.rd_started == started &&
	    rd.rd_replaced == replaced && rd.rd_stopped == stopped,
	    "%s: %d kept, %d started, %d replaced, %d stopped (want %d %d %d "
	    "%d)", what, rd.rd_kept, rd.rd_started, rd.rd_replaced,
	    rd.rd_stopped, kept, started, replaced, stopped);
	if (n1 != NULL)
		CHECK_MSG(verdict(&rd, &n, n1) == v1, "%s: %s is %d, not %d",
		    what, n1, verdict(&rd, &n, n1), v1);
	if (n2 != NULL)
		CHECK_MSG(verdict(&rd, &n, n2) == v2, "%s: %s is %d, not %d",
		    what, n2, verdict(&rd, &n, n2), v2);
	rdiff_free(&rd);
	side_free(&o);
	side_free(&n);
}

/* Verdicts: what stays, what is replaced, started, stopped. */
static void
test_verdicts(void)
{
	diff("same text", base, base, 3, 0, 0, 0, "ws", RDIFF_KEEP,
	    "in", RDIFF_KEEP);
	/* Comments, order and blank lines are no part of the form. */
	diff("reordered", base, HEAD "# a comment\n\n"
	    FILES("pipelines::passthrough", "out.log") WS("ws", "14700",
	    "binary") ECHO("ws") TAIL, 3, 0, 0, 0, "out", RDIFF_KEEP,
	    "ws", RDIFF_KEEP);
	diff("a connector added", base, HEAD WS("ws", "14700", "binary")
	    ECHO("ws") WS("b", "14701", "binary") ECHO("b")
	    FILES("pipelines::passthrough", "out.log") TAIL, 3, 1, 0, 0,
	    "b", RDIFF_START, "ws", RDIFF_KEEP);
	diff("a connector removed", base, HEAD FILES("pipelines::passthrough",
	    "out.log") TAIL, 2, 0, 0, 1, "in", RDIFF_KEEP, "out", RDIFF_KEEP);
	/* A pipeline runs in the worker its events enter: in's, which
	 * keeps running and takes the new one. */
	diff("a pipeline changed", base, HEAD WS("ws", "14700", "binary")
	    ECHO("ws") FILES("shout", "out.log") TAIL, 3, 0, 0, 0,
	    "in", RDIFF_REPATH, "out", RDIFF_KEEP);
	/* The route to out is named by out's name: in stays. */
	diff("a sink's config changed", base, HEAD WS("ws", "14700", "binary")
	    ECHO("ws") FILES("pipelines::passthrough", "other.log") TAIL,
	    2, 0, 1, 0, "out", RDIFF_REPLACE, "in", RDIFF_KEEP);
	diff("a codec changed", base, HEAD WS("ws", "14700", "json")
	    ECHO("ws") FILES("pipelines::passthrough", "out.log") TAIL,
	    2, 0, 1, 0, "ws", RDIFF_REPLACE, "in", RDIFF_KEEP);
	diff("a listener's port changed", base, HEAD WS("ws", "14701",
	    "binary") ECHO("ws") FILES("pipelines::passthrough", "out.log")
	    TAIL, 2, 0, 1, 0, "ws", RDIFF_REPLACE, "out", RDIFF_KEEP);
	/* The same name with another type is another connector. */
	diff("a type changed", base, HEAD
	    "  define connector ws from ws_client with codec = \"binary\", "
	    "config = {\"url\": \"ws://127.0.0.1:14700\"} end;\n"
	    "  create connector ws;\n" ECHO("ws")
	    FILES("pipelines::passthrough", "out.log") TAIL, 2, 0, 1, 0,
	    "ws", RDIFF_REPLACE, "in", RDIFF_KEEP);
	/* A new source into a kept sink: the sink's form has no inputs. */
	diff("a source added to a sink", base, HEAD WS("ws", "14700",
	    "binary") ECHO("ws") FILES("pipelines::passthrough", "out.log")
	    "  connect /connector/ws to /pipeline/p;\n" TAIL, 3, 0, 0, 0,
	    "out", RDIFF_KEEP, "ws", RDIFF_REPATH);
	/* A source that sent nothing from "out" never started producing:
	 * one that now does is replaced. */
	diff("out connected", HEAD WS("ws", "14700", "binary")
	    "  create pipeline p from pipelines::passthrough;\n"
	    "  connect /pipeline/p to /connector/ws;\n"
	    "  connect /connector/ws/err to /pipeline/p;\n" TAIL,
	    HEAD WS("ws", "14700", "binary") ECHO("ws")
	    "  connect /connector/ws/err to /pipeline/echo_ws;\n" TAIL,
	    0, 0, 1, 0, "ws", RDIFF_REPLACE, NULL, 0);
	/* New pipelines and a config change: replaced, not re-piped. */
	diff("pipeline and config", base, HEAD WS("ws", "14700", "binary")
	    ECHO("ws") "  create connector in from integration::read_file "
	    "with file = \"x.json\" end;\n"
	    "  create connector out from integration::write_file;\n"
	    "  define pipeline shout pipeline select {\"v\": event} from in "
	    "into out; end;\n  create pipeline p from shout;\n"
	    "  connect /connector/in to /pipeline/p;\n"
	    "  connect /pipeline/p to /connector/out;\n" TAIL, 2, 0, 1, 0,
	    "in", RDIFF_REPLACE, "out", RDIFF_KEEP);
	/* Wired to nothing: no worker, before or after. */
	diff("an unused connector", base, HEAD WS("ws", "14700", "binary")
	    ECHO("ws") FILES("pipelines::passthrough", "out.log")
	    WS("idle", "14702", "binary") TAIL, 3, 0, 0, 0, "idle",
	    RDIFF_NONE, "ws", RDIFF_KEEP);
}

/* The canonical form: no ids, routes by name. */
static void
test_canon(void)
{
	struct side		 s;
	struct json_object	*c, *node;
	const char		*t;

	if (side_load(&s, base) == -1) {
		CHECK(0);
		return;
	}
	c = rdiff_canon(s.s_d, &s.s_p, idx(&s, "in"));
	CHECK(c != NULL);
	CHECK(!json_object_object_get_ex(c, "id", NULL));
	node = json_object_array_get_idx(json_object_object_get(
	    json_object_object_get(json_object_array_get_idx(
	    json_object_object_get(c, "pipelines"), 0), "outputs"), "out"), 0);
	t = json_object_get_string(json_object_object_get(node, "route"));
	CHECK_STR(t, "main/out");
	json_object_put(c);
	CHECK(rdiff_canon(s.s_d, &s.s_p, -1) == NULL);
	CHECK(rdiff_canon(s.s_d, &s.s_p, s.s_d->d_nconnectors) == NULL);
	side_free(&s);
}

/*
 * Renumbering: connectors move (a new one defined first), a kept worker
 * keeps its id and the id and generation of the routes it sends on, so
 * its configuration is exactly the old one; new routes get fresh ids.
 */
static void
test_renumber(void)
{
	static const char next[] = HEAD WS("b", "14701", "binary")
	    "  connect /connector/b to /pipeline/p;\n"
	    WS("ws", "14700", "binary") ECHO("ws")
	    FILES("pipelines::passthrough", "out.log") TAIL;
	struct side	 o, n;
	struct rdiff	 rd;
	uint32_t	 next_route;
	int		 ids[16], i, oi, ni, fresh = 100, r;

	if (side_load(&o, base) == -1 || side_load(&n, next) == -1) {
		CHECK(0);
		return;
	}
	/* The running plan: worker id = index, as a start makes it. */
	next_route = o.s_p.p_nroutes;
	for (r = 0; r < o.s_p.p_nroutes; r++)
		o.s_p.p_routes[r].rt_gen = 3;
	CHECK_INT(rdiff_compare(o.s_d, &o.s_p, n.s_d, &n.s_p, &rd), 0);
	CHECK_INT(rd.rd_kept, 3);
	CHECK_INT(rd.rd_started, 1);
	CHECK(n.s_d->d_nconnectors < 16);
	for (i = 0; i < n.s_d->d_nconnectors; i++)
		ids[i] = rd.rd_new[i] == RDIFF_KEEP ? rd.rd_match[i] :
		    rd.rd_new[i] == RDIFF_NONE ? -1 : fresh++;
	CHECK(idx(&n, "in") != idx(&o, "in"));	/* it moved */
	CHECK_INT(rdiff_renumber(o.s_d, &o.s_p, n.s_d, &n.s_p, &rd, ids,
	    &next_route), 0);
	for (i = 0; i < n.s_d->d_nconnectors; i++) {
		if (rd.rd_new[i] != RDIFF_KEEP)
			continue;
		oi = rd.rd_match[i];
		CHECK_MSG(json_object_equal(o.s_p.p_conf[oi], n.s_p.p_conf[i]),
		    "kept %s: the same configuration after renumbering",
		    n.s_d->d_connectors[i].dc_name);
	}
	ni = idx(&n, "b");
	CHECK_INT(json_object_get_int(json_object_object_get(n.s_p.p_conf[ni],
	    "id")), 100);
	/* in -> out kept its id and generation; b -> out is new. */
	for (r = 0; r < n.s_p.p_nroutes; r++) {
		if (n.s_p.p_routes[r].rt_src == idx(&n, "in")) {
			CHECK_INT(n.s_p.p_routes[r].rt_id,
			    o.s_p.p_routes[0].rt_id);
			CHECK_INT(n.s_p.p_routes[r].rt_gen, 3);
		} else if (n.s_p.p_routes[r].rt_src == ni) {
			CHECK_INT(n.s_p.p_routes[r].rt_id, o.s_p.p_nroutes);
			CHECK_INT(n.s_p.p_routes[r].rt_gen, 0);
		}
	}
	CHECK_INT(next_route, o.s_p.p_nroutes + 1);
	rdiff_free(&rd);
	side_free(&o);
	side_free(&n);
}

#define WSN(n, port, inst)						\
	"  define connector " n " from ws_server with codec = "		\
	"\"json\", config = {\"url\": \"127.0.0.1:" port "\", "		\
	"\"instances\": " inst "} end;\n  create connector " n ";\n"
#define RELAY(front)							\
	"  define connector back from ws_client with codec = "		\
	"\"json\", config = {\"url\": \"ws://127.0.0.1:14702/\", "	\
	"\"per_stream\": true} end;\n  create connector back;\n"	\
	"  create pipeline up from pipelines::passthrough;\n"		\
	"  create pipeline down from pipelines::passthrough;\n"		\
	"  connect /connector/" front " to /pipeline/up;\n"		\
	"  connect /pipeline/up to /connector/back;\n"			\
	"  connect /connector/back to /pipeline/down;\n"		\
	"  connect /pipeline/down to /connector/" front ";\n"

/* ws_server instances: the expansion, the plan, what a reload keeps. */
static void
test_instances(void)
{
	static const char two[] = HEAD WSN("ws", "14700", "2") ECHO("ws")
		TAIL;
	static const char three[] = HEAD WSN("ws", "14700", "3") ECHO("ws")
		TAIL;
	static const char one[] = HEAD WSN("ws", "14700", "1") ECHO("ws")
		TAIL;
	static const char aut[] = HEAD WSN("ws", "14700", "\"auto\"")
		ECHO("ws") TAIL;
	static const char relay[] = HEAD WSN("front", "14701", "2")
		RELAY("front") TAIL;
	static const char relay3[] = HEAD WSN("front", "14701", "3")
		RELAY("front") TAIL;
	struct side	 s;
	const struct dep_connector *dc;
	struct json_object *c;
	int		 i, j;

	CHECK_INT(side_load(&s, two), 0);
	CHECK_INT(s.s_d->d_nconnectors, 2);
	CHECK_INT(idx(&s, "ws#1"), 0);
	CHECK_INT(idx(&s, "ws#2"), 1);
	for (i = 0; i < 2; i++) {
		dc = &s.s_d->d_connectors[i];
		CHECK_INT(dc->dc_instance, i + 1);
		CHECK_INT(dc->dc_ninstances, 2);
		CHECK_INT(dc->dc_group, 0);
		CHECK_STR(dc->dc_base, "ws");
		c = json_object_object_get(dc->dc_config, "config");
		CHECK(json_object_object_get(c, "instances") == NULL);
		CHECK_STR(json_object_to_json_string(json_object_object_get(c,
		    "socket_options")), "{ \"SO_REUSEPORT\": true }");
		/* each echoes to itself only: no route between them */
		CHECK_INT(json_object_get_int(json_object_object_get(
		    s.s_p.p_conf[i], "instance")), i);
		CHECK_INT(s.s_p.p_role[i], ROLE_SOURCE | ROLE_SINK);
	}
	CHECK_INT(s.s_p.p_nroutes, 0);
	side_free(&s);

	CHECK_INT(side_load(&s, one), 0);
	CHECK_INT(s.s_d->d_nconnectors, 1);
	CHECK_STR(s.s_d->d_connectors[0].dc_name, "ws");
	CHECK(!DEP_INSTANCED(&s.s_d->d_connectors[0]));
	CHECK(json_object_object_get(s.s_p.p_conf[0], "instance") == NULL);
	side_free(&s);
	CHECK_INT(side_load(&s, aut), 0);
	CHECK_INT(s.s_d->d_nconnectors, 4);
	CHECK_INT(idx(&s, "ws#4"), 3);
	side_free(&s);

	/* A relay: each instance has a route to back, back one "routes"
	 * node with a route to each instance. */
	CHECK_INT(side_load(&s, relay), 0);
	i = idx(&s, "back");
	CHECK_INT(s.s_p.p_nroutes, 4);
	c = json_object_object_get(json_object_array_get_idx(
	    json_object_object_get(s.s_p.p_conf[i], "pipelines"), 0),
	    "outputs");
	c = json_object_object_get(json_object_array_get_idx(
	    json_object_object_get(c, "out"), 0), "routes");
	CHECK_INT(json_object_array_length(c), 2);
	for (j = 0; j < 2; j++) {
		const struct route *rt = &s.s_p.p_routes[json_object_get_int(
		    json_object_array_get_idx(c, j))];

		CHECK_INT(rt->rt_src, i);
		CHECK_INT(rt->rt_dst, idx(&s, j == 0 ? "front#1" : "front#2"));
	}
	side_free(&s);

	/* Reloads: a changed count keeps the instances that stay. */
	diff("instances 2 -> 3", two, three, 2, 1, 0, 0, "ws#1", RDIFF_KEEP,
	    "ws#3", RDIFF_START);
	diff("instances 3 -> 2", three, two, 2, 0, 0, 1, "ws#2", RDIFF_KEEP,
	    NULL, 0);
	diff("instances 1 -> 2", one, two, 0, 2, 0, 1, "ws#1", RDIFF_START,
	    NULL, 0);
	diff("relay, same text", relay, relay, 3, 0, 0, 0, "back", RDIFF_KEEP,
	    "front#2", RDIFF_KEEP);
	diff("relay, 2 -> 3 instances", relay, relay3, 3, 1, 0, 0, "back",
	    RDIFF_REPATH, "front#3", RDIFF_START);
}

int
main(void)
{
	test_instances();
	test_verdicts();
	test_canon();
	test_renumber();
	return check_done();
}
