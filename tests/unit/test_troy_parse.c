/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the troy parser: the AST of statements, typed expression
 * nodes with positions, error positions and recovery, bounds.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "troy.h"

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

int
main(void)
{
	test_parser();
	test_expr_ast();
	test_recovery();
	return check_done();
}
