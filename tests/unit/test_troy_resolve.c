/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of module resolution, constant folding and the deployment
 * the troy front end builds, using the in-memory module reader next to
 * the shipped lib/.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "troy_testlib.h"

/* Folding with args, nanos, defaults and -D. */
static void
test_folding(void)
{
	static const char *const files[] = {
		"main.troy",
		"use std::time::nanos;\n"
		"define flow f\n"
		"args base = 10, url\n"
		"flow\n"
		"  use integration;\n"
		"  use troy::pipelines;\n"
		"  define connector c from ws_client\n"
		"  args n = 2, u\n"
		"  with codec = \"json\", config = {\"url\": args.u},\n"
		"    reconnect = {\"retry\": {\"interval_ms\": args.n * 100 + 1, "
		"\"max_retries\": 0x10}}\n"
		"  end;\n"
		"  create connector c with u = args.url, n = args.base end;\n"
		"  create connector e from integration::exit;\n"
		"  create connector w from integration::write_file;\n"
		"  create pipeline p from pipelines::passthrough;\n"
		"  create pipeline x from integration::out_or_exit\n"
		"    with delay = std::time::nanos::from_seconds(args.base) end;\n"
		"  connect /pipeline/p to /connector/c;\n"
		"  connect /pipeline/x/exit to /connector/e;\n"
		"end;\n"
		"deploy flow f with url = \"ws://h:1\" end;\n"
		"deploy flow g from f with url = \"wss://h:2\", base = 1 end;\n",
		NULL,
	};
	static char		 d1[] = "base=3", d2[] = "unused=1";
	char			*defs[] = { d1, d2 };
	struct troy_ctx		*ctx = NULL;
	struct deployment	*d;

	d = load(files, names, 1, defs, 2, &ctx);
	CHECK_MSG(d != NULL, "%s", diags(ctx));
	if (d == NULL)
		goto out;
	CHECK_INT(d->d_nconnectors, 6);
	CHECK_INT(d->d_npipelines, 4);
	CHECK_INT(d->d_nlinks, 4);
	CHECK_STR(d->d_connectors[0].dc_flow, "f");
	CHECK_STR(d->d_connectors[0].dc_name, "c");
	CHECK_STR(d->d_connectors[0].dc_type, "ws_client");
	CHECK_INT(d->d_connectors[0].dc_used, 1);
	/* -D base=3 applies where the deploy does not set it */
	CHECK_STR(conf(d, 0, "reconnect"), "{\"retry\":{\"interval_ms\":301,"
	    "\"max_retries\":16,\"randomized\":true,\"growth_rate\":1.5}}");
	CHECK_STR(conf(d, 0, "config"), "{\"url\":\"ws://h:1\","
	    "\"no_delay\":true}");
	CHECK_STR(conf(d, 1, "config"), "{\"delay\":100000000,"
	    "\"graceful\":true}");
	CHECK_STR(conf(d, 1, "codec"), "null");
	CHECK_INT(d->d_connectors[2].dc_used, 0);
	CHECK_STR(conf(d, 2, "config"), "{\"path\":\"out.log\","
	    "\"mode\":\"truncate\",\"chunk_size\":8192}");
	CHECK_STR(conf(d, 2, "postprocessors"), "[\"lines\"]");
	CHECK_STR(conf(d, 2, "preprocessors"), "[]");
	CHECK_STR(json_object_to_json_string_ext(json_object_object_get(
	    d->d_pipelines[1].dp_compiled, "args"), JSON_C_TO_STRING_PLAIN),
	    "{\"delay\":3000000000}");
	/* the second flow has its own instances and args */
	CHECK_STR(d->d_connectors[3].dc_flow, "g");
	CHECK_STR(d->d_connectors[3].dc_name, "c");
	CHECK_STR(conf(d, 3, "config"), "{\"url\":\"wss://h:2\","
	    "\"no_delay\":true}");
	CHECK_STR(json_object_to_json_string_ext(json_object_object_get(
	    d->d_pipelines[3].dp_compiled, "args"), JSON_C_TO_STRING_PLAIN),
	    "{\"delay\":1000000000}");
	/* links: default ports, indexes */
	CHECK_INT(d->d_links[0].dl_from_kind, DEP_PIPELINE);
	CHECK_INT(d->d_links[0].dl_from, 0);
	CHECK_STR(d->d_links[0].dl_from_port, "out");
	CHECK_INT(d->d_links[0].dl_to_kind, DEP_CONNECTOR);
	CHECK_INT(d->d_links[0].dl_to, 0);
	CHECK_STR(d->d_links[0].dl_to_port, "in");
	CHECK_STR(d->d_links[1].dl_from_port, "exit");
	CHECK_INT(d->d_links[2].dl_to, 3);
	/* the unused define is a warning, not an error */
	CHECK(strstr(diags(ctx), "-D:1:1: warning: unused=1: no deployed "
	    "flow has this argument") != NULL);
	deploy_free(d);
out:
	troy_ctx_free(ctx);
}

/* Module search order and the own namespaces. */
static void
test_modules(void)
{
	static const char *const files[] = {
		"main.troy",
		"use mine::stuff;\nuse troy::pipelines;\n"
		"deploy flow main from stuff::main;\n",
		"/mem/mine/stuff.troy",
		"use troy::connectors;\n"
		"define flow main flow\n"
		"  use troy::pipelines;\n"
		"  create connector c from connectors::console;\n"
		"  create pipeline p from pipelines::passthrough;\n"
		"  connect /connector/c to /pipeline/p;\n"
		"  connect /pipeline/p to /connector/c/stderr;\n"
		"end;\n",
		/* never read: troy:: comes from wsflow's own library */
		"/mem/troy/pipelines.troy", "this is not troy",
		NULL,
	};
	static const char *const bad[] = {
		"main.troy",
		"use nope;\nuse mine::bad;\ndeploy flow x from bad::x;\n",
		"/mem/mine/bad.tremor",
		"define flow x flow\n"
		"  create connector c from nope::c;\n"
		"  create pipeline p from mine::nothing::p;\n"
		"end;\n",
		NULL,
	};
	struct troy_ctx		*ctx = NULL;
	struct deployment	*d;

	d = load(files, names, 1, NULL, 0, &ctx);
	CHECK_MSG(d != NULL, "%s", diags(ctx));
	if (d != NULL) {
		CHECK_INT(d->d_nconnectors, 1);
		CHECK_STR(d->d_connectors[0].dc_type, "stdio");
		CHECK_STR(conf(d, 0, "codec"), "\"string\"");
		CHECK_STR(d->d_links[1].dl_to_port, "stderr");
		deploy_free(d);
	}
	troy_ctx_free(ctx);

	d = load(bad, names, 1, NULL, 0, &ctx);
	CHECK(d == NULL);
	CHECK_STR(S(diags(ctx)), "main.troy:1:5: module nope not found "
	    "(searched WSFLOW_PATH, TREMOR_PATH and the wsflow library)\n"
	    "  use nope;\n      ^\n"
	    "/mem/mine/bad.tremor:2:27: unknown module nope (missing "
	    "`use nope;`?)\n"
	    "    create connector c from nope::c;\n"
	    "                            ^\n"
	    "/mem/mine/bad.tremor:3:26: unknown module mine::nothing "
	    "(missing `use mine::nothing;`?)\n"
	    "    create pipeline p from mine::nothing::p;\n"
	    "                           ^\n");
	troy_ctx_free(ctx);
}

/* Compiled pipelines: resolved calls, no positions, ports. */
static void
test_pipeline_compile(void)
{
	static const char *const files[] = {
		"main.troy",
		"define flow main flow\n"
		"  use std::time::nanos as n;\n"
		"  define pipeline p into out, exit args d = 1 pipeline\n"
		"    select {\"delay\": n::from_millis(args.d)} from in "
		"where present $ws_server into exit;\n"
		"  end;\n"
		"  create pipeline p with d = 5 end;\n"
		"end;\n"
		"deploy flow main;\n",
		NULL,
	};
	struct troy_ctx		*ctx = NULL;
	struct deployment	*d;

	d = load(files, names, 1, NULL, 0, &ctx);
	CHECK_MSG(d != NULL, "%s", diags(ctx));
	if (d != NULL) {
		CHECK_STR(json_object_to_json_string_ext(
		    d->d_pipelines[0].dp_compiled, JSON_C_TO_STRING_PLAIN),
		    "{\"name\":\"p\",\"from\":[\"in\"],\"into\":[\"out\","
		    "\"exit\"],\"args\":{\"d\":5},\"selects\":[{\"from\":"
		    "\"in\",\"target\":{\"t\":\"rec\",\"f\":[[\"delay\",{\"t\":"
		    "\"call\",\"fn\":\"std::time::nanos::from_millis\",\"a\":"
		    "[{\"t\":\"path\",\"root\":\"args\",\"segs\":[\"d\"]}]}]]},"
		    "\"where\":{\"t\":\"present\",\"e\":{\"t\":\"path\","
		    "\"root\":\"meta\",\"segs\":[\"ws_server\"]}},\"into\":"
		    "\"exit\"}]}");
		CHECK_INT(d->d_connectors == NULL, 1);
		deploy_free(d);
	}
	troy_ctx_free(ctx);
}

/* Load one file; NULL when it does not load.  Its diagnostics: diags. */
static struct deployment *
load_one(const char *text, struct troy_ctx **ctx)
{
	const char	*files[] = { "main.troy", text, NULL };

	return load(files, names, 1, NULL, 0, ctx);
}

/* `#!config metrics_interval_s = N` in pipeline definitions. */
static void
test_config_directive(void)
{
	static const char *const bad[][2] = {
		{ "#!config metrics_interval_s = 0",
		    "main.troy:3:35: `metrics_interval_s` must be a whole "
		    "number of seconds from 1 to 31536000, found a number\n" },
		{ "#!config metrics_interval_s = \"5\"",
		    "main.troy:3:35: `metrics_interval_s` must be a whole "
		    "number of seconds from 1 to 31536000, found a string\n" },
		{ "#!config metrics_interval_s = 1.5",
		    "main.troy:3:35: `metrics_interval_s` must be a whole "
		    "number of seconds from 1 to 31536000, found a number\n" },
		{ "#!config metrics_interval = 5",
		    "main.troy:3:14: unknown pipeline config directive "
		    "`metrics_interval` (wsflow knows `metrics_interval_s`)\n" },
		{ "#!config metrics_interval_s 5",
		    "main.troy:3:33: expected `=` after `metrics_interval_s`, "
		    "found a number\n" },
		{ "#!config metrics_interval_s = 5 6",
		    "main.troy:3:37: expected the end of the `#!config` line, "
		    "found a number\n" },
	};
	char			 text[512];
	struct troy_ctx		*ctx = NULL;
	struct deployment	*d;
	const char		*s;
	size_t			 i;

	d = load_one("define flow main flow\n"
	    "  define pipeline p pipeline\n"
	    "    #!config metrics_interval_s = 5\n"
	    "    select event from in into out;\n"
	    "  end;\n"
	    "  create pipeline p;\n"
	    "end;\n"
	    "deploy flow main;\n", &ctx);
	CHECK_MSG(d != NULL, "%s", diags(ctx));
	if (d != NULL) {
		CHECK_INT(json_object_get_int(json_object_object_get(
		    d->d_pipelines[0].dp_compiled, "metrics_interval_s")), 5);
		deploy_free(d);
	}
	troy_ctx_free(ctx);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ctx = NULL;
		snprintf(text, sizeof(text), "define flow main flow\n"
		    "  define pipeline p pipeline\n"
		    "    %s\n"
		    "    select event from in into out;\n"
		    "  end;\n"
		    "  create pipeline p;\n"
		    "end;\n"
		    "deploy flow main;\n", bad[i][0]);
		CHECK(load_one(text, &ctx) == NULL);
		s = diags(ctx);
		/* the first line: file:line:col and the message */
		CHECK_MSG(strncmp(s, bad[i][1], strlen(bad[i][1])) == 0,
		    "%s: %s", bad[i][0], s);
		troy_ctx_free(ctx);
	}
	/* Outside a pipeline Tremor has no use for it: a warning. */
	ctx = NULL;
	d = load_one("#!config metrics_interval_s = 5\n"
	    "define flow main flow\n"
	    "  define pipeline p pipeline select event from in into out; "
	    "end;\n"
	    "  create pipeline p;\n"
	    "end;\n"
	    "deploy flow main;\n", &ctx);
	CHECK_MSG(d != NULL, "%s", diags(ctx));
	CHECK_MSG(strstr(diags(ctx), "main.troy:1:1: warning: `#!config` "
	    "outside a pipeline definition is ignored") != NULL, "%s",
	    diags(ctx));
	if (d != NULL) {
		CHECK(json_object_object_get(d->d_pipelines[0].dp_compiled,
		    "metrics_interval_s") == NULL);
		deploy_free(d);
	}
	troy_ctx_free(ctx);
}

/* A bad definition instantiated twice is reported once. */
static void
test_dedup(void)
{
	static const char *const files[] = {
		"main.troy",
		"define flow main flow\n"
		"  define connector c from exit with config = {\"delay\": -1} "
		"end;\n"
		"  create connector c;\n"
		"end;\n"
		"deploy flow a from main;\n"
		"deploy flow b from main;\n",
		NULL,
	};
	struct troy_ctx		*ctx = NULL;

	CHECK(load(files, names, 1, NULL, 0, &ctx) == NULL);
	CHECK_INT(troy_ctx_diags(ctx)->dd_errors, 1);
	CHECK_STR(S(diags(ctx)), "main.troy:2:56: \"delay\" must be between "
	    "0 and 9223372036854775807\n"
	    "    define connector c from exit with config = {\"delay\": -1} "
	    "end;\n"
	    "                                                         ^\n");
	troy_ctx_free(ctx);
}

int
main(void)
{
	test_folding();
	test_modules();
	test_pipeline_compile();
	test_config_directive();
	test_dedup();
	return check_done();
}
