/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for common/wconf.c (the worker configuration contract) and
 * supervisor/wconf_build.c: every config the supervisor builds for the
 * example flows passes the key tables; an unknown key, an ill-typed key
 * and a missing required key are refused at every nesting level with
 * the key's name; the worker binary handed a bad config fails its start
 * naming the key.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "check.h"
#include "conntype.h"
#include "proc.h"
#include "load.h"
#include "sup.h"
#include "wconf.h"

/* A config of every nesting level: top, connector, connector.config
 * (with tls and socket_options), reconnect.retry, outputs and their
 * nodes, pipelines with their outputs and an exit node. */
static const char base[] = "{\"id\":0,\"name\":\"s\",\"flow\":\"main\","
    "\"type\":\"ws_server\",\"connector\":{\"codec\":\"json\","
    "\"preprocessors\":[],\"postprocessors\":[],\"config\":{"
    "\"url\":\"ws://127.0.0.1:1\",\"tls\":{\"cert\":\"c\",\"key\":\"k\"},"
    "\"socket_options\":{\"TCP_NODELAY\":true},\"max_connections\":4,"
    "\"max_buffered\":134217728},"
    "\"reconnect\":{\"retry\":{\"interval_ms\":5,\"growth_rate\":1.5}}},"
    "\"outputs\":{\"out\":[{\"pipeline\":0,\"port\":\"in\"}]},"
    "\"pipelines\":[{\"name\":\"p\",\"compiled\":{},\"outputs\":{\"out\":"
    "[{\"exit\":{\"delay\":1}},{\"route\":2,\"port\":\"in\"}]}}],"
    "\"on_cycle\":false,\"restarts\":0,\"verbose\":0}";

static int	 types_seen[CT_MAX];
static int	 flows_planned;

/* The member or element at a dotted path ("a.b.0.c"), or NULL. */
static struct json_object *
at(struct json_object *o, const char *path)
{
	char		 buf[256], *p, *s;
	const char	*errstr;
	long long	 idx;

	(void)strlcpy(buf, path, sizeof(buf));
	for (s = buf; o != NULL && (p = strsep(&s, ".")) != NULL;) {
		if (*p == '\0')
			continue;
		if (json_object_is_type(o, json_type_array)) {
			idx = strtonum(p, 0, 1000, &errstr);
			o = errstr == NULL ? json_object_array_get_idx(o, idx) :
			    NULL;
		} else
			o = json_object_object_get(o, p);
	}
	return o;
}

/* Base config with the record at path given key = value (JSON text), or
 * with key removed when value is NULL. */
static struct json_object *
mutate(const char *conf, const char *path, const char *key,
    const char *value)
{
	struct json_object	*c, *rec;

	c = json_tokener_parse(conf);
	rec = at(c, path);
	if (rec == NULL)
		abort();
	if (value == NULL)
		json_object_object_del(rec, key);
	else
		json_object_object_add(rec, key, json_tokener_parse(value));
	return c;
}

/* wconf_check of the mutated base refuses it and says want. */
static void
refused(const char *conf, const char *path, const char *key,
    const char *value, const char *want)
{
	struct json_object	*c;
	char			 err[256];

	c = mutate(conf, path, key, value);
	err[0] = '\0';
	CHECK_MSG(wconf_check(c, err, sizeof(err)) == -1 &&
	    strcmp(err, want) == 0, "%s.%s = %s: got \"%s\", want \"%s\"",
	    path, key, value ? value : "(deleted)", err, want);
	json_object_put(c);
}

/* Mutations of the base config and what the check says of them: an
 * unknown key, an ill-typed key and a missing required key at each
 * level, and the type choosing the table. */
static const struct mutation {
	const char	*mu_path;	/* record, dotted; "" the top */
	const char	*mu_key;
	const char	*mu_value;	/* JSON text; NULL: remove the key */
	const char	*mu_want;
} mutations[] = {
	/* unknown keys, one per level */
	{ "", "idz", "1", "ws_server: key \"idz\" unknown" },
	/* where a file source resumes: both numbers, nothing else */
	{ "", "resume", "{\"offset\":1}",
	    "ws_server: key \"resume.events\" missing" },
	{ "", "resume", "{\"offset\":\"1\",\"events\":1}",
	    "ws_server: key \"resume.offset\" is not an integer" },
	{ "", "resume", "{\"offset\":1,\"events\":1,\"line\":1}",
	    "ws_server: key \"resume.line\" unknown" },
	{ "connector", "codez", "1",
	    "ws_server: key \"connector.codez\" unknown" },
	{ "connector.config", "max_connectionz", "1",
	    "ws_server: key \"connector.config.max_connectionz\" unknown" },
	{ "connector.config.tls", "cafil", "\"x\"",
	    "ws_server: key \"connector.config.tls.cafil\" unknown" },
	{ "connector.config.tls", "verify_client", "1", "ws_server: key "
	    "\"connector.config.tls.verify_client\" is not a string" },
	{ "connector.config.socket_options", "TCP_NODELAYY",
	    "true", "ws_server: key "
	    "\"connector.config.socket_options.TCP_NODELAYY\" unknown" },
	{ "connector.reconnect", "retri", "{}",
	    "ws_server: key \"connector.reconnect.retri\" unknown" },
	{ "connector.reconnect.retry", "interval", "1",
	    "ws_server: key \"connector.reconnect.retry.interval\" unknown" },
	{ "outputs.out.0", "routez", "1",
	    "ws_server: key \"outputs.out[0].routez\" unknown" },
	{ "pipelines.0", "namez", "\"p\"",
	    "ws_server: key \"pipelines[0].namez\" unknown" },
	{ "pipelines.0.outputs.out.0.exit", "delayz", "1",
	    "ws_server: key \"pipelines[0].outputs.out[0].exit.delayz\" "
	    "unknown" },
	/* ill-typed keys, one per level */
	{ "", "id", "\"0\"",
	    "ws_server: key \"id\" is not an integer" },
	{ "", "on_cycle", "1",
	    "ws_server: key \"on_cycle\" is not a bool" },
	{ "connector", "preprocessors", "\"x\"",
	    "ws_server: key \"connector.preprocessors\" is not an array" },
	{ "connector", "codec", "1", "ws_server: key "
	    "\"connector.codec\" is not a string or an object or null" },
	{ "connector", "config", "[]",
	    "ws_server: key \"connector.config\" is not an object" },
	{ "connector.config", "url", "5",
	    "ws_server: key \"connector.config.url\" is not a string" },
	{ "connector.config", "tls", "true",
	    "ws_server: key \"connector.config.tls\" is not an object" },
	{ "connector.config.tls", "cert", "1",
	    "ws_server: key \"connector.config.tls.cert\" is not a string" },
	{ "connector.config.socket_options", "TCP_NODELAY",
	    "\"yes\"", "ws_server: key "
	    "\"connector.config.socket_options.TCP_NODELAY\" is not a bool" },
	{ "connector", "reconnect", "5", "ws_server: key "
	    "\"connector.reconnect\" is not a string or an object" },
	{ "connector.reconnect.retry", "growth_rate", "\"x\"",
	    "ws_server: key \"connector.reconnect.retry.growth_rate\" is "
	    "not a number" },
	{ "outputs", "out", "{}",
	    "ws_server: key \"outputs.out\" is not an array" },
	{ "outputs.out.0", "route", "\"x\"",
	    "ws_server: key \"outputs.out[0].route\" is not an integer" },
	{ "pipelines.0", "compiled", "1",
	    "ws_server: key \"pipelines[0].compiled\" is not an object" },
	{ "pipelines.0.outputs.out.0.exit", "graceful", "0",
	    "ws_server: key \"pipelines[0].outputs.out[0].exit.graceful\" "
	    "is not a bool" },
	{ "connector.config", "compression", "\"yes\"", "ws_server: key "
	    "\"connector.config.compression\" is not a bool or an object" },
	{ "connector.config", "compression", "{\"level\": true}",
	    "ws_server: key \"connector.config.compression.level\" is not an "
	    "integer" },
	{ "connector.config", "compression", "{\"window\": 9}",
	    "ws_server: key \"connector.config.compression.window\" "
	    "unknown" },
	{ "connector.config", "protocols", "[\"chat\", 1]", "ws_server: key "
	    "\"connector.config.protocols[1]\" is not a string" },
	/* required keys */
	{ "", "id", NULL, "ws_server: key \"id\" missing" },
	{ "", "connector", NULL,
	    "ws_server: key \"connector\" missing" },
	{ "connector.config", "url", NULL,
	    "ws_server: key \"connector.config.url\" missing" },
	{ "connector", "config", NULL,
	    "ws_server: key \"connector.config.url\" missing" },
	{ "connector.config.tls", "key", NULL,
	    "ws_server: key \"connector.config.tls.key\" missing" },
	{ "connector.reconnect.retry", "interval_ms", NULL,
	    "ws_server: key \"connector.reconnect.retry.interval_ms\" "
	    "missing" },
	{ "pipelines.0", "compiled", NULL,
	    "ws_server: key \"pipelines[0].compiled\" missing" },
	/* time limits, connection and TLS policy (issue 11) */
	{ "connector.config", "idle_timeout_ms", "\"5m\"", "ws_server: key "
	    "\"connector.config.idle_timeout_ms\" is not an integer" },
	{ "connector.config", "allowed_origins", "[\"https://a\", 1]",
	    "ws_server: key \"connector.config.allowed_origins[1]\" is not "
	    "a string" },
	{ "connector.config", "allowed_origins", "\"https://a\"",
	    "ws_server: key \"connector.config.allowed_origins\" is not "
	    "an array" },
	/* broadcast (issue 14) */
	{ "connector.config", "broadcast", "\"all\"", "ws_server: key "
	    "\"connector.config.broadcast\" is not a bool or an object" },
	{ "connector.config", "broadcast", "{\"max_queued\": \"1M\"}",
	    "ws_server: key \"connector.config.broadcast.max_queued\" is "
	    "not an integer" },
	{ "connector.config", "broadcast", "{\"queue\": 65536}",
	    "ws_server: key \"connector.config.broadcast.queue\" unknown" },
	/* request metadata (issue 14) */
	{ "connector.config", "request_headers", "[\"origin\", 1]",
	    "ws_server: key \"connector.config.request_headers[1]\" is not "
	    "a string" },
	/* Unix-domain sockets (issue 14): strings; unix_socket is the
	 * client's */
	{ "connector.config", "socket_mode", "432", "ws_server: key "
	    "\"connector.config.socket_mode\" is not a string" },
	{ "connector.config", "socket_group", "0", "ws_server: key "
	    "\"connector.config.socket_group\" is not a string" },
	{ "connector.config", "unix_socket", "\"/run/a.sock\"",
	    "ws_server: key \"connector.config.unix_socket\" unknown" },
	{ "connector.config.tls", "min_version", "1.2", "ws_server: key "
	    "\"connector.config.tls.min_version\" is not a string" },
	{ "connector.config.tls", "cipher", "\"x\"", "ws_server: key "
	    "\"connector.config.tls.cipher\" unknown" },
	/* the type decides the table */
	{ "", "type", NULL, "key \"type\" missing" },
	{ "", "type", "1", "key \"type\" is not a string" },
	{ "", "type", "\"exit\"",
	    "key \"type\": \"exit\" is no worker's connector type" },
	{ "", "type", "\"keyholder\"",
	    "keyholder: key \"connector.config.url\" unknown" },
	{ "", "type", "\"file\"",
	    "file: key \"connector.config.url\" unknown" },
};

/* The hand-made configs: the base passes, every mutation is named. */
static void
test_levels(void)
{
	struct json_object	*c;
	char			 err[256];
	size_t			 i;

	c = json_tokener_parse(base);
	CHECK_MSG(wconf_check(c, err, sizeof(err)) == 0, "base: %s", err);
	json_object_put(c);
	for (i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++)
		refused(base, mutations[i].mu_path, mutations[i].mu_key,
		    mutations[i].mu_value, mutations[i].mu_want);
	c = mutate(base, "connector.config", "tls", "true");
	json_object_object_add(c, "type", json_object_new_string(
	    "ws_client"));
	CHECK_MSG(wconf_check(c, err, sizeof(err)) == 0, "%s", err);
	json_object_put(c);
	c = mutate(base, "connector.config", "socket_mode", "\"0660\"");
	CHECK_MSG(wconf_check(c, err, sizeof(err)) == 0, "socket_mode: %s",
	    err);
	json_object_put(c);
	c = mutate(base, "connector.config", "unix_socket", "\"/run/a\"");
	json_object_object_add(c, "type", json_object_new_string(
	    "ws_client"));
	CHECK_MSG(wconf_check(c, err, sizeof(err)) == 0, "unix_socket: %s",
	    err);
	json_object_put(c);
	c = mutate(base, "", "resume", "{\"offset\":10,\"events\":2}");
	CHECK_MSG(wconf_check(c, err, sizeof(err)) == 0, "resume: %s", err);
	json_object_put(c);
}

/* The accessors: typed values or the default. */
static void
test_accessors(void)
{
	struct json_object	*c;

	c = json_tokener_parse("{\"s\":\"x\",\"i\":7,\"b\":true,\"o\":{},"
	    "\"a\":[],\"n\":null}");
	CHECK_STR(jg_str(c, "s", NULL), "x");
	CHECK(jg_str(c, "i", NULL) == NULL);
	CHECK_STR(jg_str(c, "zz", "d"), "d");
	CHECK_INT(jg_int(c, "i", 0), 7);
	CHECK_INT(jg_int(c, "s", -1), -1);
	CHECK_INT(jg_bool(c, "b", 0), 1);
	CHECK_INT(jg_bool(c, "n", 0), 0);
	CHECK(jg_obj(c, "o") != NULL && jg_obj(c, "a") == NULL);
	CHECK(jg_arr(c, "a") != NULL && jg_arr(c, "o") == NULL);
	CHECK(jg_get(c, "n") == NULL && jg_get(c, "b") != NULL);
	CHECK(jg_get(NULL, "b") == NULL);
	CHECK_INT(jg_int(NULL, "i", 3), 3);
	json_object_put(c);
}

/* What wsflowd does at start for ws_client header values given as
 * {"file": PATH} (supervisor/hdrfile.c reads them): a string instead. */
static void
stand_in_header_files(struct json_object *conf)
{
	struct json_object	*conn, *c, *h, *copy = NULL;

	if (!json_object_object_get_ex(conf, "connector", &conn) ||
	    !json_object_object_get_ex(conn, "config", &c) ||
	    !json_object_object_get_ex(c, "headers", &h))
		return;
	if (json_object_deep_copy(conn, &copy, NULL) != 0)
		abort();
	json_object_object_add(conf, "connector", copy);
	h = json_object_object_get(json_object_object_get(copy, "config"),
	    "headers");
	json_object_object_foreach(h, name, val) {
		if (json_object_is_type(val, json_type_object))
			json_object_object_add(h, name,
			    json_object_new_string("read from the file"));
	}
}

/* Plan one flow file as the supervisor does; check every worker's
 * config.  A file that does not load (a bad-config case) is skipped. */
static void
check_flow(const char *path)
{
	struct deployment	*d;
	struct plan		 p;
	const struct conntype	*ct;
	char			*files[1], err[256];
	FILE			*devnull;
	int			 i;

	if ((devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	files[0] = (char *)(uintptr_t)path;
	d = deploy_load(files, 1, NULL, 0, devnull);
	fclose(devnull);
	if (d == NULL)
		return;
	if (route_plan(d, &p, err, sizeof(err)) == -1) {
		CHECK_MSG(0, "%s: %s", path, err);
		deploy_free(d);
		return;
	}
	flows_planned++;
	for (i = 0; i < p.p_nconn; i++) {
		if (p.p_conf[i] == NULL)
			continue;
		wcb_start(p.p_conf[i], 1, 2);
		stand_in_header_files(p.p_conf[i]);
		CHECK_MSG(wconf_check(p.p_conf[i], err, sizeof(err)) == 0,
		    "%s: connector %s: %s", path,
		    d->d_connectors[i].dc_name, err);
		if ((ct = conntype_by_name(d->d_connectors[i].dc_type)) !=
		    NULL)
			types_seen[ct->ct_type]++;
	}
	route_plan_free(&p);
	deploy_free(d);
}

/* Every config.troy one level under dir. */
static void
check_flows(const char *dir)
{
	struct dirent	*de;
	DIR		*dp;
	char		 path[1024];

	if ((dp = opendir(dir)) == NULL) {
		CHECK_MSG(0, "%s: cannot open", dir);
		return;
	}
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s/config.troy", dir,
		    de->d_name) >= (int)sizeof(path) ||
		    access(path, R_OK) == -1)
			continue;
		check_flow(path);
	}
	closedir(dp);
}

/* The configs the supervisor builds for the example and test flows. */
static void
test_built(void)
{
	struct json_object	*c;
	char			 err[256];
	int			 t;

	check_flows(WSFLOW_SRCDIR "/examples");
	check_flows(WSFLOW_SRCDIR "/tests/integration");
	CHECK_MSG(flows_planned >= 20, "only %d flows planned",
	    flows_planned);
	c = wcb_control(7, "control", 1000);
	wcb_start(c, 0, 0);
	CHECK_MSG(wconf_check(c, err, sizeof(err)) == 0, "control: %s", err);
	types_seen[CT_CONTROL]++;
	refused(json_object_to_json_string(c), "connector.config",
	    "daemon_uid", NULL,
	    "control: key \"connector.config.daemon_uid\" missing");
	refused(json_object_to_json_string(c), "connector.config",
	    "daemon_uid", "\"0\"",
	    "control: key \"connector.config.daemon_uid\" is not an integer");
	json_object_put(c);
	c = wcb_exporter(8, "exporter");
	wcb_start(c, 0, 0);
	CHECK_MSG(wconf_check(c, err, sizeof(err)) == 0, "exporter: %s", err);
	types_seen[CT_EXPORTER]++;
	refused(json_object_to_json_string(c), "connector.config",
	    "listen", "\"x\"",
	    "exporter: key \"connector.config.listen\" unknown");
	json_object_put(c);
	c = wcb_keyholder(8);
	wcb_start(c, 0, 0);
	CHECK_MSG(wconf_check(c, err, sizeof(err)) == 0, "keyholder: %s",
	    err);
	types_seen[CT_KEYHOLDER]++;
	refused(json_object_to_json_string(c), "connector.config", "cert",
	    "\"x\"", "keyholder: key \"connector.config.cert\" unknown");
	json_object_put(c);
	/* every worker type has a table and was built at least once */
	for (t = CT_NONE + 1; t < CT_MAX; t++) {
		if (!(conntype_get(t)->ct_flags & CTF_WORKER))
			continue;
		CHECK_MSG(wconf_type_keys(t) != NULL, "%s: no table",
		    conntype_name(t));
		CHECK_MSG(types_seen[t] > 0, "%s: no config built",
		    conntype_name(t));
	}
}

/* What the fake supervisor saw from the worker. */
struct wrx {
	struct json_object	*conf;
	int			 hello;
	char			 failed[512];
	int			 gone;
};

static struct event_base	*base_ev;

/* Supervisor side: configure on MSG_HELLO, keep MSG_FAILED's text. */
static void
wrx_cb(struct proc_peer *peer, const struct proc_msg *m, void *arg)
{
	struct wrx	*rx = arg;
	const char	*s;
	size_t		 len;

	if (m == NULL) {
		rx->gone = 1;
		event_base_loopbreak(base_ev);
		return;
	}
	if (m->pm_fd != -1)
		close(m->pm_fd);
	if (m->pm_type == MSG_HELLO) {
		rx->hello = 1;
		s = json_object_to_json_string_length(rx->conf,
		    JSON_C_TO_STRING_PLAIN, &len);
		if (proc_send(peer, MSG_CONFIG, -1, s, len) == -1 ||
		    proc_send(peer, MSG_CONFIG_END, -1, NULL, 0) == -1)
			abort();
	} else if (m->pm_type == MSG_FAILED) {
		len = m->pm_len < sizeof(rx->failed) - 1 ? m->pm_len :
		    sizeof(rx->failed) - 1;
		memcpy(rx->failed, m->pm_data, len);
		rx->failed[len] = '\0';
	}
}

/* The worker said nothing for too long. */
static void
wrx_timeout(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	event_base_loopbreak(base_ev);
}

/* Start the worker binary with conf on its control channel; the text of
 * its MSG_FAILED into failed. */
static int
run_worker(struct json_object *conf, char *failed, size_t len)
{
	struct proc_peer	*peer;
	struct wrx		 rx;
	struct event		*tmo;
	struct timeval		 tv = { 10, 0 };
	pid_t			 pid;
	int			 sv[2], status;

	memset(&rx, 0, sizeof(rx));
	rx.conf = conf;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if (dup2(sv[1], PROTO_CONTROL_FD) == -1)
			_exit(127);
		execl(WSFLOW_BUILDDIR "/workers/wsflow-worker",
		    "wsflow-worker", "-i", "0", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	peer = proc_peer_new(base_ev, sv[0], "worker", wrx_cb, &rx);
	tmo = evtimer_new(base_ev, wrx_timeout, NULL);
	if (peer == NULL || tmo == NULL)
		abort();
	evtimer_add(tmo, &tv);
	event_base_dispatch(base_ev);
	event_free(tmo);
	proc_peer_free(peer);
	if (!rx.gone)
		(void)kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) == -1)
		return -1;
	(void)strlcpy(failed, rx.failed, len);
	return rx.hello && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ws_client proxy (issue 14): a URL string or {url, credentials}. */
static void
test_proxy(void)
{
	static const struct {
		const char	*value;
		const char	*err;	/* NULL: accepted */
	} cases[] = {
		{ "\"http://127.0.0.1:3128\"", NULL },
		{ "{\"url\": \"http://p:1\", \"credentials\": \"a:b\"}", NULL },
		{ "{\"url\": \"http://p:1\"}", NULL },
		{ "5", "ws_client: key \"connector.config.proxy\" is not a "
		    "string or an object" },
		{ "{\"credentials\": \"a:b\"}", "ws_client: key "
		    "\"connector.config.proxy.url\" missing" },
		{ "{\"url\": \"http://p:1\", \"credentials\": {\"file\": "
		    "\"/x\"}}", "ws_client: key "
		    "\"connector.config.proxy.credentials\" is not a string" },
		{ "{\"url\": \"http://p:1\", \"user\": \"a\"}",
		    "ws_client: key \"connector.config.proxy.user\" unknown" },
	};
	struct json_object	*c;
	char			 err[256];
	size_t			 i;
	int			 r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = mutate(base, "connector.config", "proxy", cases[i].value);
		json_object_object_add(c, "type", json_object_new_string(
		    "ws_client"));
		json_object_object_add(at(c, "connector.config"), "tls",
		    json_object_new_boolean(0));
		err[0] = '\0';
		r = wconf_check(c, err, sizeof(err));
		if (cases[i].err == NULL)
			CHECK_MSG(r == 0, "case %zu: %s", i, err);
		else
			CHECK_MSG(r == -1 && strcmp(err, cases[i].err) == 0,
			    "case %zu: got %s", i, err);
		json_object_put(c);
	}
}

/* The worker refuses a bad config at its start, naming the key. */
static void
test_worker(void)
{
	struct json_object	*c;
	char			 failed[512];

	base_ev = event_base_new();
	c = mutate(base, "connector.config", "max_connectionz", "1");
	CHECK_INT(run_worker(c, failed, sizeof(failed)), 1);
	CHECK_MSG(strcmp(failed, "config: ws_server: key "
	    "\"connector.config.max_connectionz\" unknown") == 0, "got %s",
	    failed);
	json_object_put(c);
	c = mutate(base, "connector.config", "url", "1");
	json_object_object_add(c, "type", json_object_new_string(
	    "ws_client"));
	json_object_object_add(at(c, "connector.config"), "tls",
	    json_object_new_boolean(0));
	CHECK_INT(run_worker(c, failed, sizeof(failed)), 1);
	CHECK_MSG(strcmp(failed, "config: ws_client: key "
	    "\"connector.config.url\" is not a string") == 0, "got %s",
	    failed);
	json_object_put(c);
	event_base_free(base_ev);
}

int
main(void)
{
	test_accessors();
	test_levels();
	test_built();
	test_proxy();
	test_worker();
	return check_done();
}
