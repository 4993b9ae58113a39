/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the troy front end: lexer, parser, resolver,
 * folding and validation, with an in-memory module reader.  The input is
 * up to four files separated by lines "%%": main.troy, then the modules
 * a (use a), b::c (use b::c) and troy::pipelines (which must never be
 * read, wsflow's own copy wins).  A small own library is built in.
 * Every compiled pipeline is then rebuilt with pipeline_from_json (as a
 * worker does) and run on a few events.
 *
 *   CC=clang ../configure --enable-fuzz && make fuzz/fuzz_troy
 *   ./fuzz/fuzz_troy -max_total_time=300 -dict=../fuzz/troy.dict CORPUS \
 *	../tests/conf
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy.h"
#include "pipeline.h"
#include "troy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define NFILES	4

static const char *const own_lib[] = {
	"/own/troy/connectors.troy",
	"define connector exit from exit;\n"
	"define connector console from stdio with preprocessors = [\"lines\"],"
	" postprocessors = [\"lines\"], codec = \"string\" end;\n",
	"/own/troy/pipelines.troy",
	"define pipeline passthrough pipeline select event from in into out;"
	" end;\n",
	"/own/std/time/nanos.tremor", "# builtin\n",
	"/own/integration.troy",
	"use std::time::nanos;\n"
	"define connector exit from exit with config = {\"delay\": "
	"nanos::from_millis(100), \"graceful\": true} end;\n"
	"define connector write_file from file args file = \"out.log\" with "
	"codec = \"json-sorted\", config = {\"path\": args.file, \"mode\": "
	"\"truncate\"}, postprocessors = [\"lines\"] end;\n"
	"define pipeline out_or_exit into out, exit args delay = 0 pipeline\n"
	"select event from in where event != \"exit\" into out;\n"
	"select {\"exit\": 0, \"delay\": args.delay} from in where event == "
	"\"exit\" into exit; end;\n",
	NULL,
};

static const char *const mem_names[NFILES] = {
	"main.troy", "/mem/a.troy", "/mem/b/c.troy", "/mem/troy/pipelines.troy",
};

struct mem {
	const char	*m_text[NFILES];
	size_t		 m_len[NFILES];
};

/* The in-memory reader: the fuzzed files, then the built-in library. */
static int
fuzz_read(void *arg, const char *path, char **buf, size_t *len)
{
	struct mem	*m = arg;
	int		 i;

	for (i = 0; i < NFILES; i++)
		if (m->m_text[i] != NULL && strcmp(path, mem_names[i]) == 0) {
			if ((*buf = malloc(m->m_len[i] + 1)) == NULL)
				return -1;
			memcpy(*buf, m->m_text[i], m->m_len[i]);
			(*buf)[m->m_len[i]] = '\0';
			*len = m->m_len[i];
			return 0;
		}
	for (i = 0; own_lib[i] != NULL; i += 2)
		if (strcmp(path, own_lib[i]) == 0) {
			*len = strlen(own_lib[i + 1]);
			*buf = strdup(own_lib[i + 1]);
			return *buf == NULL ? -1 : 0;
		}
	return -1;
}

/* Emit callback: ignore. */
static int
fuzz_emit(void *arg, const char *port, struct json_object *v,
    struct json_object *meta)
{
	(void)arg;
	(void)port;
	(void)v;
	(void)meta;
	return 0;
}

/* Run each compiled pipeline on a few events. */
static void
fuzz_pipelines(const struct deployment *d)
{
	static const char *const events[] = {
		"{\"a\":{\"b\":[1,2.5,\"x\"]},\"n\":3}", "\"exit\"", "[1,2]",
		"null",
	};
	struct json_object	*meta, *ev;
	struct pipeline		*p;
	char			 err[256];
	int			 i;
	size_t			 j;

	meta = json_tokener_parse("{\"ws_server\":{\"peer\":{\"host\":"
	    "\"::1\",\"port\":1}},\"binary\":true}");
	for (i = 0; i < d->d_npipelines; i++) {
		p = pipeline_from_json(d->d_pipelines[i].dp_compiled, err,
		    sizeof(err));
		if (p == NULL)
			abort();	/* the supervisor made it: must build */
		for (j = 0; j < sizeof(events) / sizeof(events[0]); j++) {
			ev = json_tokener_parse(events[j]);
			pipeline_run(p, "in", ev, meta, fuzz_emit, NULL, NULL);
			json_object_put(ev);
		}
		pipeline_free(p);
	}
	json_object_put(meta);
}

/* Split the input into files and run the whole front end on them. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char		 own[] = "/own", mem[] = "/mem", def[] = "x=1";
	static char		 name[] = "main.troy";
	char			*owns[] = { own }, *paths[] = { mem };
	char			*defs[] = { def }, *names[] = { name };
	struct troy_opts	 o;
	struct troy_ctx		*ctx = NULL;
	struct deployment	*d;
	struct mem		 m;
	const char		*p = (const char *)data, *end = p + size, *sep;
	FILE			*fp;
	int			 i;

	if (size > 64 * 1024)
		return 0;
	memset(&m, 0, sizeof(m));
	for (i = 0; i < NFILES && p <= end; i++) {
		sep = memmem(p, (size_t)(end - p), "\n%%\n", 4);
		m.m_text[i] = p;
		m.m_len[i] = sep != NULL ? (size_t)(sep - p) : (size_t)(end - p);
		if (sep == NULL)
			break;
		p = sep + 4;
	}
	memset(&o, 0, sizeof(o));
	o.to_read = fuzz_read;
	o.to_arg = &m;
	o.to_own = owns;
	o.to_nown = 1;
	o.to_path = paths;
	o.to_npath = 1;
	o.to_defines = defs;
	o.to_ndefines = 1;
	d = troy_load(&o, names, 1, &ctx);
	if ((fp = fopen("/dev/null", "w")) != NULL) {
		if (ctx != NULL)
			troy_diags_print(troy_ctx_diags(ctx), fp);
		if (d != NULL)
			deploy_print(d, fp);
		fclose(fp);
	}
	if (d != NULL)
		fuzz_pipelines(d);
	deploy_free(d);
	troy_ctx_free(ctx);
	return 0;
}
