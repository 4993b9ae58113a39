/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for supervisor/route.c (which workers exist, which routes
 * join them, what graph each worker is told) and supervisor/resolve.c
 * (the name resolution answer), on hand-made deployments.
 */
#include "config.h"

#include <sys/socket.h>

#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "check.h"
#include "proc.h"
#include "conntype.h"
#include "sup.h"

static struct dep_connector	conns[8];
static struct dep_pipeline	pipes[4];
static struct dep_link		links[16];
static struct deployment	dep;

/* Make connector i instance k of n of the connector at index group. */
static void
inst(int i, int group, int k, int n)
{
	conns[i].dc_group = group;
	conns[i].dc_instance = k;
	conns[i].dc_ninstances = n;
}

static void
conn(int i, const char *name, const char *type)
{
	conns[i].dc_flow = (char *)(uintptr_t)"main";
	conns[i].dc_name = (char *)(uintptr_t)name;
	conns[i].dc_type = (char *)(uintptr_t)type;
	conns[i].dc_ctype = conntype_by_name(type) != NULL ?
	    conntype_by_name(type)->ct_type : CT_NONE;
	conns[i].dc_config = json_tokener_parse(
	    "{\"codec\":\"json\",\"config\":{\"delay\":5}}");
	conns[i].dc_used = 1;
	dep.d_nconnectors = i + 1 > dep.d_nconnectors ? i + 1 :
	    dep.d_nconnectors;
}

static void
pipe_(int i, const char *name)
{
	pipes[i].dp_flow = (char *)(uintptr_t)"main";
	pipes[i].dp_name = (char *)(uintptr_t)name;
	pipes[i].dp_compiled = json_tokener_parse("{\"name\":\"p\"}");
	dep.d_npipelines = i + 1 > dep.d_npipelines ? i + 1 :
	    dep.d_npipelines;
}

static void
link_(enum dep_kind fk, int f, const char *fp, enum dep_kind tk, int t,
    const char *tp)
{
	struct dep_link	*l = &links[dep.d_nlinks++];

	l->dl_from_kind = fk;
	l->dl_from = f;
	l->dl_from_port = (char *)(uintptr_t)fp;
	l->dl_to_kind = tk;
	l->dl_to = t;
	l->dl_to_port = (char *)(uintptr_t)tp;
}

static void
reset(void)
{
	int	 i;

	for (i = 0; i < dep.d_nconnectors; i++)
		json_object_put(conns[i].dc_config);
	for (i = 0; i < dep.d_npipelines; i++)
		json_object_put(pipes[i].dp_compiled);
	memset(&dep, 0, sizeof(dep));
	memset(conns, 0, sizeof(conns));
	memset(pipes, 0, sizeof(pipes));
	dep.d_connectors = conns;
	dep.d_pipelines = pipes;
	dep.d_links = links;
}

/* Serialise a worker's outputs for comparison. */
static const char *
outs(struct plan *p, int i, const char *key)
{
	return json_object_to_json_string_ext(
	    json_object_object_get(p->p_conf[i], key), JSON_C_TO_STRING_PLAIN);
}

/* The integration shape: in -> p -> out, p/exit -> exit; unused console. */
static void
test_basic(void)
{
	struct plan	 p;
	char		 err[128];

	reset();
	conn(0, "in", "file");
	conn(1, "out", "file");
	conn(2, "exit", "exit");
	conn(3, "console", "stdio");
	pipe_(0, "main");
	link_(DEP_CONNECTOR, 0, "out", DEP_PIPELINE, 0, "in");
	link_(DEP_PIPELINE, 0, "out", DEP_CONNECTOR, 1, "in");
	link_(DEP_PIPELINE, 0, "exit", DEP_CONNECTOR, 2, "in");
	CHECK(route_plan(&dep, &p, err, sizeof(err)) == 0);
	CHECK(p.p_conf[0] != NULL);
	CHECK(p.p_conf[1] != NULL);
	CHECK(p.p_conf[2] == NULL);	/* exit is not a process */
	CHECK(p.p_conf[3] == NULL);	/* in no connect: never started */
	CHECK_INT(p.p_role[0], ROLE_SOURCE);
	CHECK_INT(p.p_role[1], ROLE_SINK);
	CHECK_INT(p.p_exit[0], 1);	/* its pipeline leads to exit */
	CHECK_INT(p.p_exit[1], 0);
	CHECK_INT(p.p_nroutes, 1);
	CHECK_INT(p.p_routes[0].rt_src, 0);
	CHECK_INT(p.p_routes[0].rt_dst, 1);
	CHECK_STR(outs(&p, 0, "outputs"),
	    "{\"out\":[{\"pipeline\":0,\"port\":\"in\"}]}");
	CHECK_STR(outs(&p, 0, "pipelines"),
	    "[{\"name\":\"main\",\"compiled\":{\"name\":\"p\"},\"outputs\":"
	    "{\"out\":[{\"route\":0,\"port\":\"in\"}],"
	    "\"exit\":[{\"exit\":{\"delay\":5}}]}}]");
	CHECK_STR(outs(&p, 1, "outputs"), "{}");
	CHECK_STR(outs(&p, 1, "pipelines"), "[]");
	CHECK_STR(outs(&p, 0, "on_cycle"), "false");
	CHECK_STR(outs(&p, 1, "on_cycle"), "false");
	route_plan_free(&p);
	route_plan_free(&p);	/* twice is harmless */
}

/* Chained pipelines, an echo back into the same connector, err port,
 * two sinks, upper-case connector port names, a pipeline cycle. */
static void
test_chain(void)
{
	struct plan	 p;
	char		 err[128];

	reset();
	conn(0, "console", "stdio");
	conn(1, "a", "file");
	conn(2, "b", "file");
	pipe_(0, "first");
	pipe_(1, "second");
	link_(DEP_CONNECTOR, 0, "OUT", DEP_PIPELINE, 0, "in");
	link_(DEP_CONNECTOR, 0, "err", DEP_PIPELINE, 1, "in");
	link_(DEP_PIPELINE, 0, "out", DEP_PIPELINE, 1, "in");
	link_(DEP_PIPELINE, 1, "out", DEP_CONNECTOR, 0, "STDERR");
	link_(DEP_PIPELINE, 1, "out", DEP_CONNECTOR, 1, "in");
	link_(DEP_PIPELINE, 1, "err", DEP_CONNECTOR, 2, "in");
	link_(DEP_PIPELINE, 1, "loop", DEP_PIPELINE, 0, "in");
	CHECK(route_plan(&dep, &p, err, sizeof(err)) == 0);
	CHECK_INT(p.p_role[0], ROLE_SOURCE | ROLE_SINK);
	CHECK_INT(p.p_exit[0], 0);	/* no exit connector */
	CHECK_INT(p.p_nroutes, 2);
	CHECK_STR(outs(&p, 0, "outputs"),
	    "{\"out\":[{\"pipeline\":0,\"port\":\"in\"}],"
	    "\"err\":[{\"pipeline\":1,\"port\":\"in\"}]}");
	CHECK_STR(outs(&p, 0, "pipelines"),
	    "[{\"name\":\"first\",\"compiled\":{\"name\":\"p\"},\"outputs\":"
	    "{\"out\":[{\"pipeline\":1,\"port\":\"in\"}]}},"
	    "{\"name\":\"second\",\"compiled\":{\"name\":\"p\"},\"outputs\":"
	    "{\"out\":[{\"local\":true,\"port\":\"stderr\"},"
	    "{\"route\":0,\"port\":\"in\"}],"
	    "\"err\":[{\"route\":1,\"port\":\"in\"}],"
	    "\"loop\":[{\"pipeline\":0,\"port\":\"in\"}]}}]");
	route_plan_free(&p);

	/* A link to something that does not exist is an error. */
	link_(DEP_PIPELINE, 1, "x", DEP_CONNECTOR, 7, "in");
	CHECK(route_plan(&dep, &p, err, sizeof(err)) == -1);
	CHECK(strstr(err, "unknown connector") != NULL);
	reset();
}

struct rres {
	int			 n;
	struct msg_resolve_res	 res;
	int			 bad;
	struct proc_peer	*peer;
};

/* An answer of the resolver, kept. */
static void
got_answer(const struct msg_resolve_res *ms, void *arg)
{
	struct rres	*r = arg;

	r->res = *ms;
	r->n++;
}

/* Ask for host (family, serv) through resolve_request and run the loop
 * until the answer comes; -1 if the request is refused. */
static int
ask(struct event_base *base, int family, const char *host, const char *serv,
    struct rres *r)
{
	struct msg_resolve_req	 q;
	struct proc_msg		 m;
	struct timeval		 tv = { 0, 50000 };
	int			 i, n = r->n;

	memset(&q, 0, sizeof(q));
	q.mq_id = 9;
	q.mq_family = family;
	(void)strlcpy(q.mq_host, host, sizeof(q.mq_host));
	(void)strlcpy(q.mq_serv, serv, sizeof(q.mq_serv));
	memset(&m, 0, sizeof(m));
	m.pm_type = MSG_RESOLVE_REQ;
	m.pm_fd = -1;
	m.pm_data = (void *)&q;
	m.pm_len = sizeof(q);
	if (resolve_request(&m, got_answer, r) == -1)
		return -1;
	for (i = 0; i < 200 && r->n == n; i++) {
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	return 0;
}

/* The resolver: numbers at once, names from the hosts file, malformed
 * requests refused. */
static void
test_resolve(void)
{
	struct event_base	*base = event_base_new();
	struct msg_resolve_req	 q;
	struct sockaddr_in	*sin;
	struct rres		 r;

	memset(&r, 0, sizeof(r));
	CHECK(resolve_init(base) == 0);
	CHECK(ask(base, AF_INET, "127.0.0.1", "4242", &r) == 0);
	CHECK_INT(r.n, 1);
	CHECK_INT(r.res.ms_id, 9);
	CHECK_INT(r.res.ms_error, 0);
	CHECK_INT(r.res.ms_naddrs, 1);
	sin = (struct sockaddr_in *)&r.res.ms_addrs[0].pa_addr;
	CHECK_INT(r.res.ms_addrs[0].pa_len, sizeof(*sin));
	CHECK_INT(ntohs(sin->sin_port), 4242);
	CHECK_INT(ntohl(sin->sin_addr.s_addr), 0x7f000001);
	/* From /etc/hosts, also where only loopback is up (the retry
	 * without AI_ADDRCONFIG). */
	CHECK(ask(base, AF_INET, "localhost", "80", &r) == 0);
	CHECK_INT(r.n, 2);
	CHECK_INT(r.res.ms_error, 0);
	CHECK(r.res.ms_naddrs >= 1);
	CHECK_INT(resolve_pending(), 0);
	/* Malformed requests: unterminated, empty, bad family, service. */
	memset(&q, 0, sizeof(q));
	memset(q.mq_host, 'x', sizeof(q.mq_host));
	CHECK(resolve_check(&q) == -1);
	q.mq_host[0] = '\0';
	CHECK(resolve_check(&q) == -1);
	(void)strlcpy(q.mq_host, "localhost", sizeof(q.mq_host));
	CHECK(resolve_check(&q) == 0);
	q.mq_family = 12345;
	CHECK(resolve_check(&q) == -1);
	memset(q.mq_serv, 'x', sizeof(q.mq_serv));
	q.mq_family = AF_UNSPEC;
	CHECK(resolve_check(&q) == -1);
	CHECK(ask(base, 12345, "localhost", "80", &r) == -1);
	CHECK_INT(r.n, 2);
	resolve_free();
	event_base_free(base);
}

/* The answer goes back to the worker, as sup_resolved does it. */
static void
sup_answer(const struct msg_resolve_res *ms, void *arg)
{
	struct rres	*r = arg;

	(void)proc_send(r->peer, MSG_RESOLVE_RES, -1, ms, sizeof(*ms));
}

/* The supervisor's side of the exchange, as sup_msg does it. */
static void
sup_side(struct proc_peer *p, const struct proc_msg *m, void *arg)
{
	struct rres		*r = arg;

	if (m == NULL)
		return;
	r->peer = p;
	if (resolve_request(m, sup_answer, r) == -1)
		r->bad++;
}

/* The worker's side: collect answers. */
static void
worker_side(struct proc_peer *p, const struct proc_msg *m, void *arg)
{
	struct rres	*r = arg;

	(void)p;
	if (m != NULL && proc_get(m, &r->res, sizeof(r->res)) == 0)
		r->n++;
}

/* Request and answer over a socketpair with proc messages. */
static void
test_resolve_msgs(void)
{
	struct event_base	*base = event_base_new();
	struct proc_peer	*w, *s;
	struct msg_resolve_req	 q;
	struct rres		 rs, rw;
	struct timeval		 tv = { 0, 100000 };
	char			 longname[PROTO_HOST_MAX + 10];
	int			 sv[2], i;

	memset(&rs, 0, sizeof(rs));
	memset(&rw, 0, sizeof(rw));
	CHECK(resolve_init(base) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	w = proc_peer_new(base, sv[0], "worker", worker_side, &rw);
	s = proc_peer_new(base, sv[1], "supervisor", sup_side, &rs);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK(proto_resolve_req(&q, 1, AF_INET, longname, "80") == -1);
	CHECK(proto_resolve_req(&q, 1, AF_INET, "", "80") == -1);
	CHECK(proto_resolve_req(&q, 7, AF_INET, "127.0.0.1", "8080") == 0);
	CHECK(proc_send(w, MSG_RESOLVE_REQ, -1, &q, sizeof(q)) == 0);
	/* Wrong size: refused as a protocol error, nothing answered. */
	CHECK(proc_send(w, MSG_RESOLVE_REQ, -1, &q, sizeof(q) - 1) == 0);
	for (i = 0; i < 20 && (rw.n < 1 || rs.bad < 1); i++) {
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	CHECK_INT(rw.n, 1);
	CHECK_INT(rs.bad, 1);
	CHECK_INT(rw.res.ms_id, 7);
	CHECK_INT(rw.res.ms_error, 0);
	CHECK_INT(rw.res.ms_naddrs, 1);
	proc_peer_free(w);
	proc_peer_free(s);
	resolve_free();
	event_base_free(base);
}

/* One graph for route_cycles: edges "a>b" and the expected flags. */
struct cycle_case {
	const char	*name;
	int		 n;
	int		 edges[8][2];
	int		 nedges;
	int		 want[8];
};

static const struct cycle_case cycle_cases[] = {
	{ "empty", 3, { { 0 } }, 0, { 0, 0, 0 } },
	{ "line", 4, { { 0, 1 }, { 1, 2 }, { 2, 3 } }, 3, { 0, 0, 0, 0 } },
	{ "diamond", 4, { { 0, 1 }, { 0, 2 }, { 1, 3 }, { 2, 3 } }, 4,
	    { 0, 0, 0, 0 } },
	{ "2-cycle", 3, { { 0, 1 }, { 1, 0 }, { 1, 2 } }, 3, { 1, 1, 0 } },
	{ "3-cycle with a tail", 5,
	    { { 4, 0 }, { 0, 1 }, { 1, 2 }, { 2, 0 }, { 2, 3 } }, 5,
	    { 1, 1, 1, 0, 0 } },
	{ "self-loop", 2, { { 0, 0 }, { 0, 1 } }, 2, { 0, 0 } },
	{ "self-loop on a cycle", 2, { { 0, 0 }, { 0, 1 }, { 1, 0 } }, 3,
	    { 1, 1 } },
	{ "two disjoint cycles and a bridge", 7,
	    { { 0, 1 }, { 1, 0 }, { 2, 3 }, { 3, 4 }, { 4, 2 }, { 1, 2 },
	    { 5, 6 } }, 7, { 1, 1, 1, 1, 1, 0, 0 } },
	{ "diamond closed into a cycle", 4,
	    { { 0, 1 }, { 0, 2 }, { 1, 3 }, { 2, 3 }, { 3, 0 } }, 5,
	    { 1, 1, 1, 1 } },
};

/* route_cycles: per-worker flags for each table entry. */
static void
test_cycles(void)
{
	const struct cycle_case	*c;
	struct route		 rt[8];
	int			 on[8];
	size_t			 i;
	int			 j, ok;

	for (i = 0; i < sizeof(cycle_cases) / sizeof(cycle_cases[0]); i++) {
		c = &cycle_cases[i];
		memset(rt, 0, sizeof(rt));
		for (j = 0; j < c->nedges; j++) {
			rt[j].rt_id = j;
			rt[j].rt_src = c->edges[j][0];
			rt[j].rt_dst = c->edges[j][1];
		}
		memset(on, 0xff, sizeof(on));
		CHECK(route_cycles(c->n, rt, c->nedges, on) == 0);
		ok = 1;
		for (j = 0; j < c->n; j++)
			if (on[j] != c->want[j]) {
				fprintf(stderr, "%s: worker %d: on_cycle %d, "
				    "want %d\n", c->name, j, on[j], c->want[j]);
				ok = 0;
			}
		CHECK(ok);
	}
	CHECK(route_cycles(0, NULL, 0, NULL) == 0);
}

/* The relay shape: front -> back -> front is a cycle, a logger is not. */
static void
test_plan_cycle(void)
{
	struct plan	 p;
	char		 err[128];

	reset();
	conn(0, "front", "ws_server");
	conn(1, "back", "ws_client");
	conn(2, "exit", "exit");
	conn(3, "log", "file");
	pipe_(0, "out");
	pipe_(1, "back_in");
	link_(DEP_CONNECTOR, 0, "out", DEP_PIPELINE, 0, "in");
	link_(DEP_PIPELINE, 0, "out", DEP_CONNECTOR, 1, "in");
	link_(DEP_PIPELINE, 0, "exit", DEP_CONNECTOR, 2, "in");
	link_(DEP_CONNECTOR, 1, "out", DEP_PIPELINE, 1, "in");
	link_(DEP_PIPELINE, 1, "out", DEP_CONNECTOR, 0, "in");
	link_(DEP_PIPELINE, 1, "out", DEP_CONNECTOR, 3, "in");
	CHECK(route_plan(&dep, &p, err, sizeof(err)) == 0);
	CHECK_INT(p.p_nroutes, 3);
	CHECK_STR(outs(&p, 0, "on_cycle"), "true");
	CHECK_STR(outs(&p, 1, "on_cycle"), "true");
	CHECK_STR(outs(&p, 3, "on_cycle"), "false");
	/* Only the worker whose own pipelines reach exit may ask for it. */
	CHECK_INT(p.p_exit[0], 1);
	CHECK_INT(p.p_exit[1], 0);
	CHECK_INT(p.p_exit[3], 0);
	route_plan_free(&p);
	reset();
}

/*
 * ws_server in -> p -> relay r (two instances) -> in: the path into the
 * relay is one node with a route to each instance that picks one per
 * stream (by_stream); a path into ws_server instances does not.
 */
static void
test_relay_instances(void)
{
	struct plan	 p;
	const char	*s;
	char		 err[128];
	int		 i;

	reset();
	conn(0, "in", "ws_server");
	conn(1, "r#1", "ws_client");
	conn(2, "r#2", "ws_client");
	inst(0, 0, 0, 0);
	inst(1, 1, 1, 2);
	inst(2, 1, 2, 2);
	pipe_(0, "p");
	link_(DEP_CONNECTOR, 0, "out", DEP_PIPELINE, 0, "in");
	link_(DEP_PIPELINE, 0, "out", DEP_CONNECTOR, 1, "in");
	link_(DEP_CONNECTOR, 1, "out", DEP_CONNECTOR, 0, "in");
	CHECK(route_plan(&dep, &p, err, sizeof(err)) == 0);
	/* in -> r#1, in -> r#2, r#1 -> in, r#2 -> in */
	CHECK_INT(p.p_nroutes, 4);
	for (i = 0; i < 3; i++)
		CHECK(p.p_conf[i] != NULL);
	s = outs(&p, 0, "pipelines");
	CHECK_MSG(strstr(s, "\"routes\":[") != NULL &&
	    strstr(s, "\"by_stream\":true") != NULL, "in's pipeline: %s", s);
	CHECK_STR(outs(&p, 1, "instance"), "0");
	CHECK_STR(outs(&p, 2, "instance"), "1");
	route_plan_free(&p);

	/* the other way round: relay r -> ws_server instances s#1, s#2 */
	reset();
	conn(0, "r", "ws_client");
	conn(1, "s#1", "ws_server");
	conn(2, "s#2", "ws_server");
	inst(1, 1, 1, 2);
	inst(2, 1, 2, 2);
	link_(DEP_CONNECTOR, 0, "out", DEP_CONNECTOR, 1, "in");
	link_(DEP_CONNECTOR, 1, "out", DEP_CONNECTOR, 0, "in");
	CHECK(route_plan(&dep, &p, err, sizeof(err)) == 0);
	s = outs(&p, 0, "outputs");
	CHECK_MSG(strstr(s, "\"routes\":[") != NULL &&
	    strstr(s, "by_stream") == NULL, "r's outputs: %s", s);
	route_plan_free(&p);
	reset();
}

int
main(void)
{
	test_basic();
	test_chain();
	test_cycles();
	test_plan_cycle();
	test_relay_instances();
	test_resolve();
	test_resolve_msgs();
	reset();
	return check_done();
}
