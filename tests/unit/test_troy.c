/*
 * Unit tests for the troy front end: lexer, parser (AST and error
 * recovery), constant folding, module resolution and the deployment it
 * builds, using an in-memory module reader next to the shipped lib/.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "troy.h"

/* An array as a pointer, for CHECK_STR. */
static const char *
S(const char *s)
{
	return s;
}

/* In-memory files: path, text. */
static const char *const *mem_files;

/* The one reader: in-memory files, else real files under the source tree. */
static int
mem_read(void *arg, const char *path, char **buf, size_t *len)
{
	FILE	*fp;
	char	*b;
	long	 n;
	int	 i;

	(void)arg;
	for (i = 0; mem_files != NULL && mem_files[i] != NULL; i += 2)
		if (strcmp(mem_files[i], path) == 0) {
			*len = strlen(mem_files[i + 1]);
			*buf = strdup(mem_files[i + 1]);
			return *buf == NULL ? -1 : 0;
		}
	if (strncmp(path, WSFLOW_SRCDIR, strlen(WSFLOW_SRCDIR)) != 0 ||
	    (fp = fopen(path, "r")) == NULL)
		return -1;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	if (n < 0 || (b = malloc((size_t)n + 1)) == NULL) {
		fclose(fp);
		return -1;
	}
	*len = fread(b, 1, (size_t)n, fp);
	b[*len] = '\0';
	fclose(fp);
	*buf = b;
	return 0;
}

/* Lex text; returns the number of tokens (incl. EOF). */
static size_t
lex(const char *text, struct troy_tokens *tl)
{
	CHECK_INT(troy_lex(text, strlen(text), tl), 0);
	return tl->tl_n;
}

/* Numbers, strings, identifiers, punctuation, positions. */
static void
test_lexer(void)
{
	struct troy_tokens	tl;

	CHECK_INT(lex("1_000 0x1F 0x_ff 1.5 1e3 2.5e-3 7", &tl), 9);
	CHECK_INT(tl.tl_v[0].tk_type, TT_INT);
	CHECK_INT(tl.tl_v[0].tk_int, 1000);
	CHECK_INT(tl.tl_v[1].tk_int, 31);
	CHECK_INT(tl.tl_v[2].tk_type, TT_ERROR);
	CHECK_INT(tl.tl_v[3].tk_type, TT_IDENT);	/* _ff after the error */
	CHECK_INT(tl.tl_v[4].tk_type, TT_FLOAT);
	CHECK(tl.tl_v[4].tk_float == 1.5);
	CHECK(tl.tl_v[5].tk_float == 1000.0);
	CHECK(tl.tl_v[6].tk_float == 0.0025);
	CHECK_INT(tl.tl_v[7].tk_int, 7);
	troy_tokens_free(&tl);

	lex("9223372036854775807 9223372036854775808 event.a 1.x", &tl);
	CHECK_INT(tl.tl_v[0].tk_int, INT64_MAX);
	CHECK_INT(tl.tl_v[1].tk_type, TT_ERROR);
	CHECK_STR(tl.tl_v[1].tk_text, "integer literal too large");
	CHECK_STR(tl.tl_v[2].tk_text, "event");
	CHECK_STR(tl.tl_v[3].tk_text, ".");
	CHECK_INT(tl.tl_v[5].tk_type, TT_INT);		/* 1 . x */
	CHECK_STR(tl.tl_v[6].tk_text, ".");
	troy_tokens_free(&tl);

	lex("\"a\\\"b\\\\c\\#d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"", &tl);
	CHECK_INT(tl.tl_v[0].tk_type, TT_STRING);
	CHECK_INT(tl.tl_v[0].tk_len, 18);
	CHECK(memcmp(tl.tl_v[0].tk_text, "a\"b\\c#d\b\f\n\r\t\xc3\xa9"
	    "\xf0\x9f\x98\x80", 18) == 0);
	troy_tokens_free(&tl);

	lex("\"a\\/b\" \"#{x}\" \"\\u12\" \"\\udc00\" \"ok\" \"open", &tl);
	CHECK_INT(tl.tl_v[0].tk_type, TT_ERROR);
	CHECK_STR(tl.tl_v[0].tk_text, "invalid escape \\/ in string (write / "
	    "without a backslash)");
	CHECK_INT(tl.tl_v[0].tk_col, 3);
	CHECK_INT(tl.tl_v[1].tk_type, TT_ERROR);
	CHECK(strstr(tl.tl_v[1].tk_text, "interpolation") != NULL);
	CHECK_INT(tl.tl_v[2].tk_type, TT_ERROR);
	CHECK_INT(tl.tl_v[3].tk_type, TT_ERROR);
	CHECK_INT(tl.tl_v[4].tk_type, TT_STRING);	/* lexing goes on */
	CHECK_STR(tl.tl_v[4].tk_text, "ok");
	CHECK_STR(tl.tl_v[5].tk_text, "unterminated string");
	troy_tokens_free(&tl);

	lex("# comment \"x\"\n  a::b /c/ == != <= `flow` ?\n\"\\u0000\"", &tl);
	CHECK_STR(tl.tl_v[0].tk_text, "a");
	CHECK_INT(tl.tl_v[0].tk_line, 2);
	CHECK_INT(tl.tl_v[0].tk_col, 3);
	CHECK_STR(tl.tl_v[1].tk_text, "::");
	CHECK_STR(tl.tl_v[3].tk_text, "/");
	CHECK_STR(tl.tl_v[6].tk_text, "==");
	CHECK_STR(tl.tl_v[7].tk_text, "!=");
	CHECK_STR(tl.tl_v[8].tk_text, "<=");
	CHECK_STR(tl.tl_v[9].tk_text, "flow");
	CHECK_INT(tl.tl_v[9].tk_quoted, 1);
	CHECK_INT(tl.tl_v[10].tk_type, TT_ERROR);
	CHECK_STR(tl.tl_v[10].tk_text, "unexpected character '?'");
	CHECK_INT(tl.tl_v[11].tk_len, 1);		/* embedded NUL */
	CHECK_INT(tl.tl_v[12].tk_type, TT_EOF);
	troy_tokens_free(&tl);

	CHECK(troy_is_keyword("define"));
	CHECK(troy_is_keyword("present"));
	CHECK(!troy_is_keyword("in"));
	CHECK(!troy_is_keyword("exit"));
}

/* Parse text as file "t.troy". */
static int
parse(const char *text, struct troy_stmts *sl, struct troy_diags *d,
    struct troy_src *src)
{
	memset(d, 0, sizeof(*d));
	src->sr_name = (char *)(uintptr_t)"t.troy";
	src->sr_text = (char *)(uintptr_t)text;
	src->sr_len = strlen(text);
	return troy_parse(src, sl, d);
}

/* The AST of a flow. */
static void
test_parser(void)
{
	struct troy_stmts	 sl;
	struct troy_diags	 d;
	struct troy_src		 src;
	struct troy_stmt	*f, *s;

	CHECK_INT(parse("use tremor::{connectors, pipelines,};\n"
	    "define flow main args x = 1, y flow\n"
	    "  use integration as i;\n"
	    "  define connector c from ws_client args u with codec = \"json\","
	    " end;\n"
	    "  define pipeline p from in, other into out args d = 0 pipeline\n"
	    "    select event from in where event != \"exit\" into out;\n"
	    "    select {\"a\": args.d} from other into out\n"
	    "  end;\n"
	    "  create connector c from i::read_file with file = \"x\" end;\n"
	    "  create pipeline p;\n"
	    "  connect /connector/c to /pipeline/p/other;\n"
	    "  connect /pipeline/p to /pipeline/q;\n"
	    "end;\n"
	    "deploy flow main with y = 2 end\n", &sl, &d, &src), 0);
	CHECK_INT(d.dd_errors, 0);
	CHECK_INT(sl.st_n, 4);
	CHECK_INT(sl.st_v[0].s_kind, TS_USE);
	CHECK_STR(sl.st_v[0].s_name, "connectors");
	CHECK_INT(sl.st_v[0].s_path.pa_n, 2);
	CHECK_STR(sl.st_v[1].s_name, "pipelines");
	CHECK_STR(sl.st_v[1].s_path.pa_segs[0], "tremor");
	f = &sl.st_v[2];
	CHECK_INT(f->s_kind, TS_DEFFLOW);
	CHECK_INT(f->s_nargs, 2);
	CHECK(f->s_args[0].a_default != NULL);
	CHECK(f->s_args[1].a_default == NULL);
	CHECK_INT(f->s_body.st_n, 7);
	s = &f->s_body.st_v[0];
	CHECK_STR(s->s_name, "i");
	s = &f->s_body.st_v[1];
	CHECK_INT(s->s_kind, TS_DEFCONN);
	CHECK_STR(s->s_type, "ws_client");
	CHECK_INT(s->s_nargs, 1);
	CHECK_INT(s->s_nwith, 1);
	CHECK_STR(s->s_with[0].w_key, "codec");
	CHECK_INT(s->s_with[0].w_pos.p_line, 4);
	CHECK_INT(s->s_with[0].w_pos.p_col, 49);
	s = &f->s_body.st_v[2];
	CHECK_INT(s->s_kind, TS_DEFPIPE);
	CHECK_INT(s->s_nfrom, 2);
	CHECK_INT(s->s_ninto, 1);
	CHECK_INT(s->s_body.st_n, 2);
	CHECK_STR(s->s_body.st_v[0].s_selfrom, "in");
	CHECK(s->s_body.st_v[0].s_where != NULL);
	CHECK(s->s_body.st_v[1].s_where == NULL);
	CHECK_STR(s->s_body.st_v[1].s_selfrom, "other");
	s = &f->s_body.st_v[3];
	CHECK_INT(s->s_kind, TS_CREATE);
	CHECK_INT(s->s_ckind, DEP_CONNECTOR);
	CHECK_INT(s->s_path.pa_n, 2);
	s = &f->s_body.st_v[4];
	CHECK_INT(s->s_ckind, DEP_PIPELINE);
	CHECK_INT(s->s_path.pa_n, 0);
	s = &f->s_body.st_v[5];
	CHECK_INT(s->s_kind, TS_CONNECT);
	CHECK(s->s_src.ep_port == NULL);
	CHECK_STR(s->s_dst.ep_port, "other");
	s = &f->s_body.st_v[6];
	CHECK_INT(s->s_src.ep_kind, DEP_PIPELINE);
	CHECK_INT(s->s_dst.ep_kind, DEP_PIPELINE);
	CHECK_INT(sl.st_v[3].s_kind, TS_DEPLOY);
	CHECK_INT(sl.st_v[3].s_nwith, 1);
	troy_stmts_free(&sl);
	troy_diags_free(&d);
}

/* Expressions as typed nodes, with positions. */
static void
test_expr_ast(void)
{
	struct troy_src		 src;
	struct troy_expr	*e, *r;

	memset(&src, 0, sizeof(src));
	src.sr_text = (char *)(uintptr_t)"1 + 2 * -3 == 7 and not $a.b";
	src.sr_len = strlen(src.sr_text);
	e = troy_parse_expr(&src);
	CHECK(e != NULL);
	CHECK_INT(e->te_kind, EX_BIN);
	CHECK_STR(e->te_op.to_op, "and");
	r = e->te_op.to_l;
	CHECK_STR(r->te_op.to_op, "==");
	r = r->te_op.to_l;
	CHECK_STR(r->te_op.to_op, "+");
	r = r->te_op.to_r;
	CHECK_STR(r->te_op.to_op, "*");
	r = r->te_op.to_r;
	CHECK_INT(r->te_kind, EX_LIT);
	CHECK_INT(json_object_get_int(r->te_lit), -3);
	r = e->te_op.to_r;
	CHECK_INT(r->te_kind, EX_UN);
	CHECK_STR(r->te_op.to_op, "not");
	r = r->te_op.to_l;
	CHECK_INT(r->te_kind, EX_PATH);
	CHECK_INT(r->te_list.tl_root, TR_META);
	CHECK_INT(r->te_list.tl_n, 2);
	CHECK_STR(r->te_list.tl_v[0].tf_key, "a");
	CHECK_STR(r->te_list.tl_v[1].tf_key, "b");
	CHECK_INT(r->te_pos.p_col, 25);
	troy_expr_free(e);

	/* records keep their keys' positions, calls their names */
	src.sr_text = (char *)(uintptr_t)"{\"k\": [1, args.x[0]], \"f\": "
	    "m::from_millis(2), \"p\": present event.y}";
	src.sr_len = strlen(src.sr_text);
	e = troy_parse_expr(&src);
	CHECK(e != NULL);
	CHECK_INT(e->te_kind, EX_REC);
	CHECK_INT(e->te_list.tl_n, 3);
	CHECK_STR(e->te_list.tl_v[0].tf_key, "k");
	CHECK_INT(e->te_list.tl_v[0].tf_pos.p_col, 2);
	CHECK_INT(e->te_list.tl_v[1].tf_pos.p_col, 23);
	r = e->te_list.tl_v[0].tf_expr;
	CHECK_INT(r->te_kind, EX_ARR);
	CHECK_INT(r->te_list.tl_n, 2);
	r = r->te_list.tl_v[1].tf_expr;
	CHECK_INT(r->te_list.tl_root, TR_ARGS);
	CHECK_STR(r->te_list.tl_v[0].tf_key, "x");
	CHECK(r->te_list.tl_v[1].tf_key == NULL);
	CHECK_INT(r->te_list.tl_v[1].tf_expr->te_kind, EX_LIT);
	r = e->te_list.tl_v[1].tf_expr;
	CHECK_INT(r->te_kind, EX_CALL);
	CHECK_STR(r->te_list.tl_fn, "m::from_millis");
	CHECK_INT(r->te_list.tl_n, 1);
	r = e->te_list.tl_v[2].tf_expr;
	CHECK_INT(r->te_kind, EX_PRESENT);
	CHECK_INT(r->te_op.to_l->te_list.tl_root, TR_EVENT);
	troy_expr_free(e);

	src.sr_text = (char *)(uintptr_t)"1 +";
	src.sr_len = 3;
	CHECK(troy_parse_expr(&src) == NULL);
	src.sr_text = (char *)(uintptr_t)"1 2";
	CHECK(troy_parse_expr(&src) == NULL);
}

/* Errors are positioned and the parser recovers after each. */
static void
test_recovery(void)
{
	struct troy_stmts	 sl;
	struct troy_diags	 d;
	struct troy_src		 src;
	char			 deep[4096];
	int			 i;

	CHECK_INT(parse("define flow main flow\n"
	    "  create connector a from;\n"
	    "  create connector b;\n"
	    "  connect /connector/b to pipeline/p;\n"
	    "  create pipeline p;\n"
	    "end;\n"
	    "define my_wsc out from ws_client with codec = \"json\" end;\n"
	    "deploy flow main;\n", &sl, &d, &src), -1);
	CHECK_INT(d.dd_errors, 3);
	CHECK_INT(d.dd_v[0].dg_pos.p_line, 2);
	CHECK_INT(d.dd_v[0].dg_pos.p_col, 26);
	CHECK_STR(d.dd_v[0].dg_msg, "expected a module or definition name, "
	    "found `;`");
	CHECK_INT(d.dd_v[1].dg_pos.p_line, 4);
	CHECK_STR(d.dd_v[1].dg_msg, "expected `/`, found `pipeline`");
	CHECK_INT(d.dd_v[2].dg_pos.p_line, 7);
	CHECK_INT(d.dd_v[2].dg_pos.p_col, 8);
	/* the good statements survived */
	CHECK_INT(sl.st_n, 2);
	CHECK_INT(sl.st_v[0].s_body.st_n, 2);
	CHECK_INT(sl.st_v[1].s_kind, TS_DEPLOY);
	troy_stmts_free(&sl);
	troy_diags_free(&d);

	/* unsupported constructs name their line */
	parse("define flow f flow\n define pipeline p pipeline\n"
	    "  define script s script let x = 1; match event of case 1 => 2 "
	    "end end;\n  select event from in into out;\n end;\nend;\n",
	    &sl, &d, &src);
	CHECK_INT(d.dd_errors, 1);
	CHECK_STR(d.dd_v[0].dg_msg, "`define script` is not supported by "
	    "wsflow");
	CHECK_INT(d.dd_v[0].dg_pos.p_line, 3);
	CHECK_INT(sl.st_v[0].s_body.st_v[0].s_body.st_n, 1);
	troy_stmts_free(&sl);
	troy_diags_free(&d);

	/* deep nesting is an error, not a stack overflow */
	strlcpy(deep, "deploy flow x with a = ", sizeof(deep));
	for (i = 0; i < 1000; i++)
		strlcat(deep, "[", sizeof(deep));
	parse(deep, &sl, &d, &src);
	CHECK(d.dd_errors >= 1);
	CHECK_STR(d.dd_v[0].dg_msg, "expression nested too deeply");
	troy_stmts_free(&sl);
	troy_diags_free(&d);

	/* so are long operator chains (each one nests the tree) */
	strlcpy(deep, "deploy flow x with a = 1", sizeof(deep));
	for (i = 0; i < 500; i++)
		strlcat(deep, " + 1", sizeof(deep));
	strlcat(deep, " end;", sizeof(deep));
	parse(deep, &sl, &d, &src);
	CHECK_INT(d.dd_errors, 1);
	CHECK_STR(d.dd_v[0].dg_msg, "expression nested too deeply");
	troy_stmts_free(&sl);
	troy_diags_free(&d);
	strlcpy(deep, "deploy flow x with a = 1", sizeof(deep));
	for (i = 0; i < 90; i++)
		strlcat(deep, " + 1", sizeof(deep));
	strlcat(deep, " end;", sizeof(deep));
	CHECK_INT(parse(deep, &sl, &d, &src), 0);
	troy_stmts_free(&sl);
	troy_diags_free(&d);

	/* the number of diagnostics is bounded */
	{
		char	*many = malloc(300 * 4 + 1);

		many[0] = '\0';
		for (i = 0; i < 300; i++)
			strlcat(many, "??;\n", 300 * 4 + 1);
		parse(many, &sl, &d, &src);
		CHECK(d.dd_n <= TROY_MAX_DIAGS);
		troy_stmts_free(&sl);
		troy_diags_free(&d);
		free(many);
	}
}

static char	 own_dir[] = WSFLOW_SRCDIR "/lib";
static char	 path_dir[] = "/mem";
static char	 main_name[] = "main.troy";
static char	*own_dirs[] = { own_dir };
static char	*path_dirs[] = { path_dir };
static char	*names[] = { main_name };

/* Load files with the in-memory reader. */
static struct deployment *
load(const char *const *files, char **fnames, int n, char **defines,
    int ndefines, struct troy_ctx **ctx)
{
	struct troy_opts	o;

	memset(&o, 0, sizeof(o));
	mem_files = files;
	o.to_read = mem_read;
	o.to_own = own_dirs;
	o.to_nown = 1;
	o.to_path = path_dirs;
	o.to_npath = 1;
	o.to_defines = defines;
	o.to_ndefines = ndefines;
	return troy_load(&o, fnames, n, ctx);
}

/* Print diagnostics of ctx to a string. */
static const char *
diags(struct troy_ctx *ctx)
{
	static char	buf[4096];
	FILE		*fp;

	memset(buf, 0, sizeof(buf));
	if ((fp = fmemopen(buf, sizeof(buf) - 1, "w")) == NULL)
		return "";
	troy_diags_print(troy_ctx_diags(ctx), fp);
	fclose(fp);
	return buf;
}

/* A connector's config value as compact JSON. */
static const char *
conf(struct deployment *d, int i, const char *key)
{
	struct json_object *v = json_object_object_get(
	    d->d_connectors[i].dc_config, key);

	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
}

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
	test_lexer();
	test_parser();
	test_expr_ast();
	test_recovery();
	test_folding();
	test_modules();
	test_pipeline_compile();
	test_dedup();
	return check_done();
}
