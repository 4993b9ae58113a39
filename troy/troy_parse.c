/* SPDX-License-Identifier: ISC */
/*
 * Troy parser: recursive descent over the token array, building the AST
 * of troy.h.  Expressions become typed nodes (struct troy_expr) with the
 * position of each.  After an error the parser
 * skips to the next statement and goes on, so one run reports several
 * errors.  Pure: no I/O.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "troy.h"

struct parser {
	const struct troy_src	*pr_src;
	struct troy_tokens	 pr_toks;
	size_t			 pr_i;
	struct troy_diags	*pr_diags;
	int			 pr_depth;
	int			 pr_with;	/* open with/script blocks */
	struct troy_stmt	*pr_pipe;	/* pipeline being defined */
};

/* The current token. */
static const struct troy_token *
cur(const struct parser *p)
{
	return &p->pr_toks.tl_v[p->pr_i];
}

/* The token k ahead (clamped to EOF). */
static const struct troy_token *
ahead(const struct parser *p, size_t k)
{
	if (p->pr_i + k >= p->pr_toks.tl_n)
		return &p->pr_toks.tl_v[p->pr_toks.tl_n - 1];
	return &p->pr_toks.tl_v[p->pr_i + k];
}

/* Move to the next token (never past EOF). */
static void
next(struct parser *p)
{
	if (cur(p)->tk_type != TT_EOF)
		p->pr_i++;
}

/* Position of a token. */
static struct troy_pos
tpos(const struct parser *p, const struct troy_token *t)
{
	struct troy_pos	pos;

	pos.p_src = p->pr_src;
	pos.p_line = t->tk_line;
	pos.p_col = t->tk_col;
	return pos;
}

/* Is the current token the keyword (unquoted identifier) kw? */
static int
iskw(const struct troy_token *t, const char *kw)
{
	return t->tk_type == TT_IDENT && !t->tk_quoted &&
	    strcmp(t->tk_text, kw) == 0;
}

/* Is the current token punctuation s? */
static int
ispunct_(const struct troy_token *t, const char *s)
{
	return t->tk_type == TT_PUNCT && strcmp(t->tk_text, s) == 0;
}

/* Describe a token for error messages. */
static void
describe(const struct troy_token *t, char *buf, size_t len)
{
	switch (t->tk_type) {
	case TT_EOF:
		snprintf(buf, len, "end of file");
		break;
	case TT_STRING:
		snprintf(buf, len, "a string");
		break;
	case TT_INT:
	case TT_FLOAT:
		snprintf(buf, len, "a number");
		break;
	default:
		snprintf(buf, len, "`%.40s`", t->tk_text);
		break;
	}
}

/* Report an error at the current token ("expected X, found Y"). */
static int
perr(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int
perr(struct parser *p, const char *fmt, ...)
{
	const struct troy_token	*t = cur(p);
	struct troy_pos		 pos = tpos(p, t);
	char			 msg[256];
	va_list			 ap;

	if (t->tk_type == TT_ERROR) {
		troy_error(p->pr_diags, &pos, "%s", t->tk_text);
		return -1;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	troy_error(p->pr_diags, &pos, "%s", msg);
	return -1;
}

/* Expect the token s as matched by is (keyword or punctuation). */
static int
expect_tok(struct parser *p, const char *s,
    int (*is)(const struct troy_token *, const char *))
{
	char	found[64];

	if (is(cur(p), s)) {
		next(p);
		return 0;
	}
	describe(cur(p), found, sizeof(found));
	return perr(p, "expected `%s`, found %s", s, found);
}

/* Expect keyword kw. */
static int
expect_kw(struct parser *p, const char *kw)
{
	return expect_tok(p, kw, iskw);
}

/* Expect punctuation s. */
static int
expect_punct(struct parser *p, const char *s)
{
	return expect_tok(p, s, ispunct_);
}

/* Expect an identifier that is not a reserved word; *out is a copy. */
static int
expect_ident(struct parser *p, const char *what, char **out,
    struct troy_pos *pos)
{
	const struct troy_token	*t = cur(p);
	char			 found[64];

	if (t->tk_type == TT_IDENT && (t->tk_quoted ||
	    !troy_is_keyword(t->tk_text))) {
		if (pos != NULL)
			*pos = tpos(p, t);
		if ((*out = strdup(t->tk_text)) == NULL)
			return perr(p, "out of memory");
		next(p);
		return 0;
	}
	describe(t, found, sizeof(found));
	if (t->tk_type == TT_IDENT)
		return perr(p, "expected %s, found keyword %s (write `%s` "
		    "in backticks to use it as a name)", what, found,
		    t->tk_text);
	return perr(p, "expected %s, found %s", what, found);
}

/* Free a string array. */
static void
strv_free(char **v, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Append a copy of s to a string array. */
static int
strv_add(char ***v, int *n, char *s)
{
	char	**nv;

	if (*n >= 4096 || (nv = reallocarray(*v, (size_t)*n + 1,
	    sizeof(*nv))) == NULL) {
		free(s);
		return -1;
	}
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

/* Free one statement's contents. */
static void
stmt_free(struct troy_stmt *s)
{
	int	i;

	free(s->s_name);
	strv_free(s->s_path.pa_segs, s->s_path.pa_n);
	free(s->s_type);
	for (i = 0; i < s->s_nargs; i++) {
		free(s->s_args[i].a_name);
		troy_expr_free(s->s_args[i].a_default);
	}
	free(s->s_args);
	for (i = 0; i < s->s_nwith; i++) {
		free(s->s_with[i].w_key);
		troy_expr_free(s->s_with[i].w_expr);
	}
	free(s->s_with);
	strv_free(s->s_from, s->s_nfrom);
	strv_free(s->s_into, s->s_ninto);
	troy_stmts_free(&s->s_body);
	free(s->s_src.ep_name);
	free(s->s_src.ep_port);
	free(s->s_dst.ep_name);
	free(s->s_dst.ep_port);
	troy_expr_free(s->s_target);
	troy_expr_free(s->s_where);
	free(s->s_selfrom);
	free(s->s_selinto);
	json_object_put(s->s_compiled);
}

/* Free a statement list. */
void
troy_stmts_free(struct troy_stmts *sl)
{
	int	i;

	for (i = 0; i < sl->st_n; i++)
		stmt_free(&sl->st_v[i]);
	free(sl->st_v);
	memset(sl, 0, sizeof(*sl));
}

/* Append a (zeroed) statement, returning it. */
static struct troy_stmt *
stmt_add(struct troy_stmts *sl)
{
	struct troy_stmt	*nv;
	int			 ncap;

	if (sl->st_n == sl->st_cap) {
		if (sl->st_cap >= 65536)
			return NULL;
		ncap = sl->st_cap ? sl->st_cap * 2 : 8;
		nv = reallocarray(sl->st_v, (size_t)ncap, sizeof(*nv));
		if (nv == NULL)
			return NULL;
		sl->st_v = nv;
		sl->st_cap = ncap;
	}
	memset(&sl->st_v[sl->st_n], 0, sizeof(sl->st_v[0]));
	return &sl->st_v[sl->st_n++];
}

/* Remove the last statement (after a parse error in it). */
static void
stmt_drop(struct troy_stmts *sl)
{
	stmt_free(&sl->st_v[--sl->st_n]);
}

/* Expressions. */

static struct troy_expr *parse_expr(struct parser *);

/* A new node of kind at token t; reports running out of memory. */
static struct troy_expr *
node(struct parser *p, enum expr_kind kind, const struct troy_token *t)
{
	struct troy_pos		 pos = tpos(p, t);
	struct troy_expr	*e;

	if ((e = troy_expr_new(kind, &pos)) == NULL)
		perr(p, "out of memory");
	return e;
}

/* Append a field to a list node (taking kid); reports failure. */
static int
add(struct parser *p, struct troy_expr *e, const char *key,
    const struct troy_token *kt, struct troy_expr *kid)
{
	struct troy_pos	kpos;

	if (kt != NULL)
		kpos = tpos(p, kt);
	if (troy_expr_add(e, key, kt != NULL ? &kpos : NULL, kid) == -1)
		return perr(p, "out of memory");
	return 0;
}

/* Path segments: .ident, [expr]; appended to the path node n. */
static int
parse_segs(struct parser *p, struct troy_expr *n)
{
	struct troy_expr	*e;
	const struct troy_token	*t;

	for (;;) {
		t = cur(p);
		if (ispunct_(t, ".")) {
			next(p);
			t = cur(p);
			if (t->tk_type != TT_IDENT)
				return perr(p, "expected a field name after "
				    "`.`");
			if (add(p, n, t->tk_text, NULL, NULL) == -1)
				return -1;
			next(p);
		} else if (ispunct_(t, "[")) {
			next(p);
			if ((e = parse_expr(p)) == NULL)
				return -1;
			if (add(p, n, NULL, NULL, e) == -1)
				return -1;
			if (ispunct_(cur(p), ":"))
				return perr(p, "range slices [a:b] are not "
				    "supported by wsflow");
			if (expect_punct(p, "]") == -1)
				return -1;
		} else
			return 0;
	}
}

/* A path rooted at event or args. */
static struct troy_expr *
parse_path(struct parser *p, enum troy_root root)
{
	struct troy_expr	*n;

	if ((n = node(p, EX_PATH, cur(p))) == NULL)
		return NULL;
	n->te_list.tl_root = root;
	next(p);
	if (parse_segs(p, n) == -1) {
		troy_expr_free(n);
		return NULL;
	}
	return n;
}

/* $ [ident] segs: the metadata root. */
static struct troy_expr *
parse_meta(struct parser *p)
{
	struct troy_expr	*n;
	const struct troy_token	*t = cur(p), *id;

	if ((n = node(p, EX_PATH, t)) == NULL)
		return NULL;
	n->te_list.tl_root = TR_META;
	next(p);
	id = cur(p);
	if (id->tk_type == TT_IDENT && id->tk_line == t->tk_line &&
	    id->tk_col == t->tk_col + 1) {
		if (add(p, n, id->tk_text, NULL, NULL) == -1)
			goto fail;
		next(p);
	}
	if (parse_segs(p, n) == -1)
		goto fail;
	return n;
fail:
	troy_expr_free(n);
	return NULL;
}

/* ident { :: ident } [ ( args ) ]: a call to a module function. */
static struct troy_expr *
parse_call(struct parser *p)
{
	const struct troy_token	*t = cur(p);
	struct troy_expr	*n, *e;
	char			 name[512];
	int			 segs = 0;

	name[0] = '\0';
	for (;;) {
		if (cur(p)->tk_type != TT_IDENT) {
			perr(p, "expected a name after `::`");
			return NULL;
		}
		if (strlcat(name, cur(p)->tk_text, sizeof(name)) >=
		    sizeof(name)) {
			perr(p, "name too long");
			return NULL;
		}
		segs++;
		next(p);
		if (!ispunct_(cur(p), "::"))
			break;
		next(p);
		strlcat(name, "::", sizeof(name));
	}
	if (!ispunct_(cur(p), "(")) {
		struct troy_pos pos = tpos(p, t);

		if (segs == 1)
			troy_error(p->pr_diags, &pos, "unknown name \"%s\" "
			    "(only event, $, args and literals can be used "
			    "here)", name);
		else
			troy_error(p->pr_diags, &pos, "module constants "
			    "(%s) are not supported by wsflow", name);
		return NULL;
	}
	next(p);
	if ((n = node(p, EX_CALL, t)) == NULL)
		return NULL;
	if ((n->te_list.tl_fn = strdup(name)) == NULL) {
		perr(p, "out of memory");
		goto fail;
	}
	while (!ispunct_(cur(p), ")")) {
		if ((e = parse_expr(p)) == NULL)
			goto fail;
		if (add(p, n, NULL, NULL, e) == -1)
			goto fail;
		if (!ispunct_(cur(p), ","))
			break;
		next(p);
	}
	if (expect_punct(p, ")") == -1)
		goto fail;
	return n;
fail:
	troy_expr_free(n);
	return NULL;
}

/* A literal node around value v (taking it). */
static struct troy_expr *
lit(struct parser *p, const struct troy_token *t, struct json_object *v)
{
	struct troy_expr	*n;

	if ((n = node(p, EX_LIT, t)) == NULL) {
		json_object_put(v);
		return NULL;
	}
	n->te_lit = v;
	return n;
}

/* Record literal { "k": e, ... }. */
static struct troy_expr *
parse_record(struct parser *p)
{
	struct troy_expr	*n, *e;
	const struct troy_token	*t = cur(p), *k;

	if ((n = node(p, EX_REC, t)) == NULL)
		return NULL;
	next(p);
	while (!ispunct_(cur(p), "}")) {
		k = cur(p);
		if (k->tk_type != TT_STRING) {
			char found[64];

			describe(k, found, sizeof(found));
			perr(p, "expected a string as record key, found %s",
			    found);
			goto fail;
		}
		next(p);
		if (expect_punct(p, ":") == -1)
			goto fail;
		if ((e = parse_expr(p)) == NULL)
			goto fail;
		if (add(p, n, k->tk_text, k, e) == -1)
			goto fail;
		if (!ispunct_(cur(p), ","))
			break;
		next(p);
	}
	if (expect_punct(p, "}") == -1)
		goto fail;
	return n;
fail:
	troy_expr_free(n);
	return NULL;
}

/* Array literal [ e, ... ]. */
static struct troy_expr *
parse_array(struct parser *p)
{
	struct troy_expr	*n, *e;

	if ((n = node(p, EX_ARR, cur(p))) == NULL)
		return NULL;
	next(p);
	while (!ispunct_(cur(p), "]")) {
		if ((e = parse_expr(p)) == NULL)
			goto fail;
		if (add(p, n, NULL, NULL, e) == -1)
			goto fail;
		if (!ispunct_(cur(p), ","))
			break;
		next(p);
	}
	if (expect_punct(p, "]") == -1)
		goto fail;
	return n;
fail:
	troy_expr_free(n);
	return NULL;
}

/* Keywords that start expressions wsflow does not evaluate. */
static const char *const unsupported_exprs[] = {
	"match", "let", "for", "patch", "merge", "state", "emit", "drop",
	"recur", "fn", "const",
};

/* Primary expressions. */
static struct troy_expr *
parse_primary(struct parser *p)
{
	const struct troy_token	*t = cur(p);
	struct troy_expr	*e, *n;
	char			 found[64];
	size_t			 i;

	switch (t->tk_type) {
	case TT_INT:
		next(p);
		return lit(p, t, json_object_new_int64(t->tk_int));
	case TT_FLOAT:
		next(p);
		return lit(p, t, json_object_new_double(t->tk_float));
	case TT_STRING:
		next(p);
		return lit(p, t, json_object_new_string_len(t->tk_text,
		    (int)t->tk_len));
	default:
		break;
	}
	if (ispunct_(t, "{"))
		return parse_record(p);
	if (ispunct_(t, "["))
		return parse_array(p);
	if (ispunct_(t, "$"))
		return parse_meta(p);
	if (ispunct_(t, "(")) {
		next(p);
		if ((e = parse_expr(p)) == NULL)
			return NULL;
		if (expect_punct(p, ")") == -1) {
			troy_expr_free(e);
			return NULL;
		}
		return e;
	}
	if (t->tk_type == TT_IDENT && !t->tk_quoted) {
		if (strcmp(t->tk_text, "true") == 0 ||
		    strcmp(t->tk_text, "false") == 0) {
			next(p);
			return lit(p, t, json_object_new_boolean(
			    t->tk_text[0] == 't'));
		}
		if (strcmp(t->tk_text, "null") == 0) {
			next(p);
			return lit(p, t, NULL);
		}
		if (strcmp(t->tk_text, "event") == 0)
			return parse_path(p, TR_EVENT);
		if (strcmp(t->tk_text, "args") == 0)
			return parse_path(p, TR_ARGS);
		if (strcmp(t->tk_text, "present") == 0 ||
		    strcmp(t->tk_text, "absent") == 0) {
			next(p);
			if ((n = node(p, t->tk_text[0] == 'p' ? EX_PRESENT :
			    EX_ABSENT, t)) == NULL)
				return NULL;
			if (iskw(cur(p), "event"))
				e = parse_path(p, TR_EVENT);
			else if (iskw(cur(p), "args"))
				e = parse_path(p, TR_ARGS);
			else if (ispunct_(cur(p), "$"))
				e = parse_meta(p);
			else {
				perr(p, "expected a path (event, $ or args) "
				    "after `%s`", t->tk_text);
				e = NULL;
			}
			if (e == NULL) {
				troy_expr_free(n);
				return NULL;
			}
			n->te_op.to_l = e;
			return n;
		}
		for (i = 0; i < sizeof(unsupported_exprs) /
		    sizeof(unsupported_exprs[0]); i++)
			if (strcmp(t->tk_text, unsupported_exprs[i]) == 0) {
				perr(p, "`%s` is not supported by wsflow "
				    "(pipelines support select expressions "
				    "only)", t->tk_text);
				return NULL;
			}
	}
	if (t->tk_type == TT_IDENT && (t->tk_quoted ||
	    !troy_is_keyword(t->tk_text)))
		return parse_call(p);
	describe(t, found, sizeof(found));
	perr(p, "expected an expression, found %s", found);
	return NULL;
}

/* Unary: - + not; ! is bitwise and unsupported. */
static struct troy_expr *
parse_unary(struct parser *p)
{
	const struct troy_token	*t = cur(p);
	struct troy_expr	*n, *e;
	const char		*op = NULL;

	if (ispunct_(t, "-"))
		op = "-";
	else if (ispunct_(t, "+"))
		op = "+";
	else if (iskw(t, "not"))
		op = "not";
	else if (ispunct_(t, "!")) {
		perr(p, "bitwise `!` is not supported by wsflow (use `not`)");
		return NULL;
	}
	if (op == NULL)
		return parse_primary(p);
	if (++p->pr_depth > TROY_MAX_DEPTH) {
		perr(p, "expression nested too deeply");
		return NULL;
	}
	next(p);
	e = parse_unary(p);
	p->pr_depth--;
	if (e == NULL)
		return NULL;
	/* fold negative number literals right away */
	if (strcmp(op, "-") == 0 && e->te_kind == EX_LIT &&
	    json_object_is_type(e->te_lit, json_type_int) &&
	    json_object_get_int64(e->te_lit) != INT64_MIN &&
	    json_object_get_int64(e->te_lit) != INT64_MAX) {
		n = lit(p, t, json_object_new_int64(
		    -json_object_get_int64(e->te_lit)));
		troy_expr_free(e);
		return n;
	}
	if ((n = node(p, EX_UN, t)) == NULL) {
		troy_expr_free(e);
		return NULL;
	}
	n->te_op.to_op = op;
	n->te_op.to_l = e;
	return n;
}

/* Binary operators by precedence level, lowest first. */
static const char *const binops[][5] = {
	{ "or", NULL },
	{ "xor", NULL },
	{ "and", NULL },
	{ "==", "!=", NULL },
	{ "<", "<=", ">", ">=", NULL },
	{ "+", "-", NULL },
	{ "*", "/", "%", NULL },
};
#define NLEVELS	(int)(sizeof(binops) / sizeof(binops[0]))

/* The operator at the current token for level, or NULL. */
static const char *
binop_at(const struct troy_token *t, int level)
{
	int	i;

	for (i = 0; binops[level][i] != NULL; i++) {
		if (t->tk_type == TT_PUNCT &&
		    strcmp(t->tk_text, binops[level][i]) == 0)
			return binops[level][i];
		if (iskw(t, binops[level][i]))
			return binops[level][i];
	}
	return NULL;
}

/* One precedence level, left associative. */
static struct troy_expr *
parse_level(struct parser *p, int level)
{
	struct troy_expr	*l, *r, *n;
	const struct troy_token	*t;
	const char		*op;
	int			 added = 0;

	if (level == NLEVELS)
		return parse_unary(p);
	if ((l = parse_level(p, level + 1)) == NULL)
		return NULL;
	for (;; added++, p->pr_depth++) {
		/* each operator in a chain nests the tree one level deeper */
		if (p->pr_depth > TROY_MAX_DEPTH) {
			perr(p, "expression nested too deeply");
			troy_expr_free(l);
			l = NULL;
			break;
		}
		t = cur(p);
		if (t->tk_type == TT_PUNCT && (strcmp(t->tk_text, "&") == 0 ||
		    strcmp(t->tk_text, "^") == 0 ||
		    strcmp(t->tk_text, "<<") == 0 ||
		    strcmp(t->tk_text, ">>") == 0 ||
		    strcmp(t->tk_text, ">>>") == 0)) {
			perr(p, "bitwise operator `%s` is not supported by "
			    "wsflow", t->tk_text);
			troy_expr_free(l);
			l = NULL;
			break;
		}
		if ((op = binop_at(t, level)) == NULL)
			break;
		next(p);
		if ((r = parse_level(p, level + 1)) == NULL) {
			troy_expr_free(l);
			l = NULL;
			break;
		}
		if ((n = node(p, EX_BIN, t)) == NULL) {
			troy_expr_free(l);
			troy_expr_free(r);
			l = NULL;
			break;
		}
		n->te_op.to_op = op;
		n->te_op.to_l = l;
		n->te_op.to_r = r;
		l = n;
	}
	p->pr_depth -= added;
	return l;
}

/* An expression. */
static struct troy_expr *
parse_expr(struct parser *p)
{
	struct troy_expr	*e;

	if (++p->pr_depth > TROY_MAX_DEPTH) {
		perr(p, "expression nested too deeply");
		p->pr_depth--;
		return NULL;
	}
	e = parse_level(p, 0);
	p->pr_depth--;
	return e;
}

/* Statements. */

/* mod_path: ident { :: ident }. */
static int
parse_modpath(struct parser *p, struct troy_path *pa)
{
	char	*s;

	pa->pa_pos = tpos(p, cur(p));
	for (;;) {
		if (expect_ident(p, "a module or definition name", &s, NULL)
		    == -1)
			return -1;
		if (strv_add(&pa->pa_segs, &pa->pa_n, s) == -1)
			return perr(p, "path too long");
		if (!ispunct_(cur(p), "::") || ispunct_(ahead(p, 1), "{"))
			return 0;
		next(p);
	}
}

/* use a::b [as c];  use a::{b, c}; — adds one TS_USE per module. */
static int
parse_use(struct parser *p, struct troy_stmts *out)
{
	struct troy_stmt	*s;
	struct troy_path	 base;
	struct troy_pos		 upos = tpos(p, cur(p));
	char			*name;
	int			 i;

	next(p);
	memset(&base, 0, sizeof(base));
	if (parse_modpath(p, &base) == -1)
		goto fail;
	if (ispunct_(cur(p), "::")) {
		next(p);
		next(p);	/* { */
		for (;;) {
			struct troy_pos npos;

			if (expect_ident(p, "a module name", &name, &npos) ==
			    -1)
				goto fail;
			if ((s = stmt_add(out)) == NULL) {
				free(name);
				perr(p, "too many statements");
				goto fail;
			}
			s->s_kind = TS_USE;
			s->s_pos = upos;
			s->s_path.pa_pos = base.pa_pos;
			for (i = 0; i < base.pa_n; i++)
				strv_add(&s->s_path.pa_segs, &s->s_path.pa_n,
				    strdup(base.pa_segs[i]));
			s->s_name = strdup(name);
			s->s_namepos = npos;
			strv_add(&s->s_path.pa_segs, &s->s_path.pa_n, name);
			if (!ispunct_(cur(p), ","))
				break;
			next(p);
			if (ispunct_(cur(p), "}"))
				break;
		}
		strv_free(base.pa_segs, base.pa_n);
		return expect_punct(p, "}");
	}
	if ((s = stmt_add(out)) == NULL) {
		perr(p, "too many statements");
		goto fail;
	}
	s->s_kind = TS_USE;
	s->s_pos = upos;
	s->s_path = base;
	s->s_namepos = base.pa_pos;
	if (iskw(cur(p), "as")) {
		next(p);
		if (expect_ident(p, "an alias", &s->s_name, &s->s_namepos)
		    == -1)
			return -1;
	} else
		s->s_name = strdup(base.pa_segs[base.pa_n - 1]);
	return 0;
fail:
	strv_free(base.pa_segs, base.pa_n);
	return -1;
}

/* args a [= e], b, ... */
static int
parse_args(struct parser *p, struct troy_stmt *s)
{
	struct troy_arg	*na;
	char		*name;
	struct troy_pos	 pos;

	next(p);
	for (;;) {
		if (expect_ident(p, "an argument name", &name, &pos) == -1)
			return -1;
		na = reallocarray(s->s_args, (size_t)s->s_nargs + 1,
		    sizeof(*na));
		if (na == NULL || s->s_nargs >= 1024) {
			free(name);
			return perr(p, "too many arguments");
		}
		s->s_args = na;
		memset(&na[s->s_nargs], 0, sizeof(*na));
		na[s->s_nargs].a_name = name;
		na[s->s_nargs].a_pos = pos;
		s->s_nargs++;
		if (ispunct_(cur(p), "=")) {
			next(p);
			na[s->s_nargs - 1].a_default = parse_expr(p);
			if (na[s->s_nargs - 1].a_default == NULL)
				return -1;
		}
		if (!ispunct_(cur(p), ","))
			return 0;
		next(p);
		if (cur(p)->tk_type != TT_IDENT || iskw(cur(p), "with") ||
		    iskw(cur(p), "pipeline") || iskw(cur(p), "flow"))
			return 0;
	}
}

/* with k = e, ... end */
static int
parse_with(struct parser *p, struct troy_stmt *s)
{
	struct troy_with	*nw;
	char			*key;
	struct troy_pos		 pos;

	next(p);
	p->pr_with++;
	while (!iskw(cur(p), "end")) {
		if (expect_ident(p, "a key", &key, &pos) == -1)
			return -1;
		nw = reallocarray(s->s_with, (size_t)s->s_nwith + 1,
		    sizeof(*nw));
		if (nw == NULL || s->s_nwith >= 1024) {
			free(key);
			return perr(p, "too many keys");
		}
		s->s_with = nw;
		memset(&nw[s->s_nwith], 0, sizeof(*nw));
		nw[s->s_nwith].w_key = key;
		nw[s->s_nwith].w_pos = pos;
		s->s_nwith++;
		if (expect_punct(p, "=") == -1)
			return -1;
		if ((nw[s->s_nwith - 1].w_expr = parse_expr(p)) == NULL)
			return -1;
		if (!ispunct_(cur(p), ","))
			break;
		next(p);
	}
	if (expect_kw(p, "end") == -1)
		return -1;
	p->pr_with--;
	return 0;
}

/* define connector NAME from TYPE [[args ...] with ... end] */
static int
parse_defconn(struct parser *p, struct troy_stmt *s)
{
	s->s_kind = TS_DEFCONN;
	if (expect_ident(p, "a connector name", &s->s_name, &s->s_namepos) ==
	    -1)
		return -1;
	if (expect_kw(p, "from") == -1)
		return -1;
	if (expect_ident(p, "a connector type", &s->s_type, &s->s_typepos) ==
	    -1)
		return -1;
	if (iskw(cur(p), "args") && parse_args(p, s) == -1)
		return -1;
	if (iskw(cur(p), "with"))
		return parse_with(p, s);
	if (s->s_nargs > 0)
		return perr(p, "expected `with` after the args of a "
		    "connector definition");
	return 0;
}

/* ports: ident { , ident } */
static int
parse_ports(struct parser *p, char ***v, int *n)
{
	char	*s;

	next(p);
	for (;;) {
		if (expect_ident(p, "a port name", &s, NULL) == -1)
			return -1;
		if (strv_add(v, n, s) == -1)
			return perr(p, "too many ports");
		if (!ispunct_(cur(p), ","))
			return 0;
		next(p);
	}
}

/* Skip an unsupported block (define script ... end) up to its end. */
static void
skip_block(struct parser *p)
{
	static const char *const openers[] = {
		"script", "match", "for", "patch", "with",
	};
	int	depth = 0;
	size_t	i;

	while (cur(p)->tk_type != TT_EOF) {
		for (i = 0; i < sizeof(openers) / sizeof(openers[0]); i++)
			if (iskw(cur(p), openers[i]))
				depth++;
		if (iskw(cur(p), "end") && --depth <= 0) {
			next(p);
			return;
		}
		if (depth == 0 && ispunct_(cur(p), ";"))
			return;
		next(p);
	}
}

static int parse_body(struct parser *, struct troy_stmts *, int);

/*
 * The older `from in/PORT` and `into out/PORT` forms: the pipeline port
 * is the part after the slash.
 */
static int
select_port(struct parser *p, char **port, struct troy_pos *pos)
{
	char	*s;

	next(p);
	if (expect_ident(p, "a port name", &s, pos) == -1)
		return -1;
	free(*port);
	*port = s;
	return 0;
}

/* select E from PORT [where E] into PORT */
static int
parse_select(struct parser *p, struct troy_stmt *s)
{
	s->s_kind = TS_SELECT;
	next(p);
	if ((s->s_target = parse_expr(p)) == NULL)
		return -1;
	if (expect_kw(p, "from") == -1)
		return -1;
	if (expect_ident(p, "an input port", &s->s_selfrom, &s->s_selfrompos)
	    == -1)
		return -1;
	if (ispunct_(cur(p), "/") && select_port(p, &s->s_selfrom,
	    &s->s_selfrompos) == -1)
		return -1;
	if (iskw(cur(p), "where")) {
		next(p);
		if ((s->s_where = parse_expr(p)) == NULL)
			return -1;
	}
	if (iskw(cur(p), "window") || ispunct_(cur(p), "["))
		return perr(p, "windows are not supported by wsflow");
	if (iskw(cur(p), "group") || iskw(cur(p), "having"))
		return perr(p, "`%s` is not supported by wsflow",
		    cur(p)->tk_text);
	if (expect_kw(p, "into") == -1)
		return -1;
	if (expect_ident(p, "an output port", &s->s_selinto,
	    &s->s_selintopos) == -1)
		return -1;
	if (ispunct_(cur(p), "/") && select_port(p, &s->s_selinto,
	    &s->s_selintopos) == -1)
		return -1;
	return 0;
}

/* define pipeline NAME [from ..] [into ..] [args ..] pipeline ... end */
static int
parse_defpipe(struct parser *p, struct troy_stmt *s)
{
	struct troy_stmt	*outer;

	s->s_kind = TS_DEFPIPE;
	if (expect_ident(p, "a pipeline name", &s->s_name, &s->s_namepos) ==
	    -1)
		return -1;
	if (iskw(cur(p), "from") && parse_ports(p, &s->s_from, &s->s_nfrom)
	    == -1)
		return -1;
	if (iskw(cur(p), "into") && parse_ports(p, &s->s_into, &s->s_ninto)
	    == -1)
		return -1;
	if (iskw(cur(p), "args") && parse_args(p, s) == -1)
		return -1;
	if (expect_kw(p, "pipeline") == -1)
		return -1;
	outer = p->pr_pipe;
	p->pr_pipe = s;
	if (parse_body(p, &s->s_body, TS_DEFPIPE) != 0)
		s->s_bad = 1;
	p->pr_pipe = outer;
	return 0;
}

/* define flow NAME [args ..] flow ... end */
static int
parse_defflow(struct parser *p, struct troy_stmt *s)
{
	s->s_kind = TS_DEFFLOW;
	if (expect_ident(p, "a flow name", &s->s_name, &s->s_namepos) == -1)
		return -1;
	if (iskw(cur(p), "args") && parse_args(p, s) == -1)
		return -1;
	if (expect_kw(p, "flow") == -1)
		return -1;
	(void)parse_body(p, &s->s_body, TS_DEFFLOW);
	return 0;
}

/* / connector|pipeline / NAME [/ PORT] */
static int
parse_endpoint(struct parser *p, struct troy_endpoint *ep)
{
	if (expect_punct(p, "/") == -1)
		return -1;
	ep->ep_pos = tpos(p, cur(p));
	if (iskw(cur(p), "connector"))
		ep->ep_kind = DEP_CONNECTOR;
	else if (iskw(cur(p), "pipeline"))
		ep->ep_kind = DEP_PIPELINE;
	else {
		char found[64];

		describe(cur(p), found, sizeof(found));
		return perr(p, "expected `connector` or `pipeline`, found %s",
		    found);
	}
	next(p);
	if (expect_punct(p, "/") == -1)
		return -1;
	if (expect_ident(p, "an instance name", &ep->ep_name, &ep->ep_pos) ==
	    -1)
		return -1;
	if (ispunct_(cur(p), "/")) {
		next(p);
		if (cur(p)->tk_type != TT_IDENT)
			return perr(p, "expected a port name");
		ep->ep_portpos = tpos(p, cur(p));
		ep->ep_port = strdup(cur(p)->tk_text);
		next(p);
	}
	return 0;
}

/* What kind of definition follows `define`. */
static int
parse_define(struct parser *p, struct troy_stmt *s, int ctx)
{
	const struct troy_token	*t;
	char			 found[64];

	next(p);
	t = cur(p);
	if (iskw(t, "connector")) {
		next(p);
		return parse_defconn(p, s);
	}
	if (iskw(t, "pipeline") && ctx != TS_DEFPIPE) {
		next(p);
		return parse_defpipe(p, s);
	}
	if (iskw(t, "flow") && ctx == 0) {
		next(p);
		return parse_defflow(p, s);
	}
	if (iskw(t, "script") || iskw(t, "operator") || iskw(t, "window")) {
		perr(p, "`define %s` is not supported by wsflow", t->tk_text);
		next(p);
		skip_block(p);
		return -2;
	}
	describe(t, found, sizeof(found));
	if (t->tk_type == TT_IDENT && !troy_is_keyword(t->tk_text))
		return perr(p, "expected `connector`, `pipeline` or `flow` "
		    "after `define`, found %s (did you forget `connector`?)",
		    found);
	return perr(p, "expected `connector`, `pipeline` or `flow` after "
	    "`define`, found %s", found);
}

/* Skip the tokens left on line (a directive's). */
static void
skip_line(struct parser *p, int line)
{
	while (cur(p)->tk_type != TT_EOF && cur(p)->tk_line == line)
		next(p);
}

/*
 * `#!config KEY = VALUE`, Tremor's config directive.  In a pipeline
 * definition the one key is metrics_interval_s, a whole number of
 * seconds; anything else is an error.  Elsewhere Tremor has no use for
 * it: ignored with a warning.  Returns 0 or -1 (reported, line skipped).
 */
static int
parse_directive(struct parser *p, int ctx)
{
	const struct troy_token	*t;
	struct troy_pos		 pos = tpos(p, cur(p));
	char			 found[64];
	int			 line = cur(p)->tk_line;

	next(p);
	if (ctx != TS_DEFPIPE || p->pr_pipe == NULL) {
		troy_warn(p->pr_diags, &pos, "`#!config` outside a pipeline "
		    "definition is ignored");
		skip_line(p, line);
		return 0;
	}
	t = cur(p);
	if (t->tk_type != TT_IDENT || t->tk_line != line ||
	    strcmp(t->tk_text, "metrics_interval_s") != 0) {
		describe(t, found, sizeof(found));
		perr(p, "unknown pipeline config directive %s (wsflow knows "
		    "`metrics_interval_s`)", found);
		goto fail;
	}
	next(p);
	if (!ispunct_(cur(p), "=") || cur(p)->tk_line != line) {
		describe(cur(p), found, sizeof(found));
		perr(p, "expected `=` after `metrics_interval_s`, found %s",
		    found);
		goto fail;
	}
	next(p);
	t = cur(p);
	if (t->tk_type != TT_INT || t->tk_line != line || t->tk_int < 1 ||
	    t->tk_int > TROY_METRICS_MAX_S) {
		describe(t, found, sizeof(found));
		perr(p, "`metrics_interval_s` must be a whole number of "
		    "seconds from 1 to %d, found %s", TROY_METRICS_MAX_S,
		    found);
		goto fail;
	}
	p->pr_pipe->s_metrics_s = t->tk_int;
	next(p);
	if (cur(p)->tk_type != TT_EOF && cur(p)->tk_line == line) {
		describe(cur(p), found, sizeof(found));
		perr(p, "expected the end of the `#!config` line, found %s",
		    found);
		goto fail;
	}
	return 0;
fail:
	skip_line(p, line);
	return -1;
}

/*
 * One statement of a file (ctx 0), flow body or pipeline body.  Returns
 * 0, -1 on a syntax error (caller resynchronises), -2 when the statement
 * was reported and already skipped.
 */
static int
parse_stmt(struct parser *p, struct troy_stmts *out, int ctx)
{
	const struct troy_token	*t = cur(p);
	struct troy_stmt	*s;
	char			 found[64];
	int			 rc;

	if (iskw(t, "use"))
		return parse_use(p, out);
	if ((s = stmt_add(out)) == NULL)
		return perr(p, "too many statements");
	s->s_pos = tpos(p, t);
	if (iskw(t, "define"))
		rc = parse_define(p, s, ctx);
	else if (iskw(t, "select") && ctx == TS_DEFPIPE)
		rc = parse_select(p, s);
	else if (iskw(t, "create") && ctx == TS_DEFPIPE) {
		rc = perr(p, "`create %s` is not supported by wsflow in "
		    "pipelines", ahead(p, 1)->tk_text);
	} else if (iskw(t, "create") && ctx == TS_DEFFLOW) {
		s->s_kind = TS_CREATE;
		next(p);
		if (iskw(cur(p), "connector"))
			s->s_ckind = DEP_CONNECTOR;
		else if (iskw(cur(p), "pipeline"))
			s->s_ckind = DEP_PIPELINE;
		else {
			describe(cur(p), found, sizeof(found));
			rc = perr(p, "expected `connector` or `pipeline` after "
			    "`create`, found %s", found);
			goto done;
		}
		next(p);
		rc = expect_ident(p, "an instance name", &s->s_name,
		    &s->s_namepos);
		if (rc == 0 && iskw(cur(p), "from")) {
			next(p);
			rc = parse_modpath(p, &s->s_path);
		}
		if (rc == 0 && iskw(cur(p), "args"))
			rc = perr(p, "`args` is not allowed in `create`; use "
			    "`with ... end`");
		if (rc == 0 && iskw(cur(p), "with"))
			rc = parse_with(p, s);
	} else if (iskw(t, "connect") && ctx == TS_DEFFLOW) {
		s->s_kind = TS_CONNECT;
		next(p);
		rc = parse_endpoint(p, &s->s_src);
		if (rc == 0)
			rc = expect_kw(p, "to");
		if (rc == 0)
			rc = parse_endpoint(p, &s->s_dst);
	} else if (iskw(t, "deploy") && ctx == 0) {
		s->s_kind = TS_DEPLOY;
		next(p);
		rc = expect_kw(p, "flow");
		if (rc == 0)
			rc = expect_ident(p, "a flow name", &s->s_name,
			    &s->s_namepos);
		if (rc == 0 && iskw(cur(p), "from")) {
			next(p);
			rc = parse_modpath(p, &s->s_path);
		}
		if (rc == 0 && iskw(cur(p), "with"))
			rc = parse_with(p, s);
	} else if ((iskw(t, "fn") || iskw(t, "const") ||
	    iskw(t, "intrinsic") || iskw(t, "mod")) && ctx != TS_DEFPIPE) {
		rc = perr(p, "`%s` is not supported by wsflow", t->tk_text);
		skip_block(p);
		rc = -2;
	} else {
		describe(t, found, sizeof(found));
		if ((iskw(t, "create") || iskw(t, "connect")) && ctx == 0)
			rc = perr(p, "`%s` must be inside `define flow ... "
			    "end`", t->tk_text);
		else if (ctx == TS_DEFPIPE)
			rc = perr(p, "expected `select`, `use` or `end`, "
			    "found %s", found);
		else if (ctx == TS_DEFFLOW)
			rc = perr(p, "expected `use`, `define`, `create`, "
			    "`connect` or `end`, found %s", found);
		else
			rc = perr(p, "expected `use`, `define` or `deploy`, "
			    "found %s", found);
	}
done:
	if (rc != 0) {
		/* keep a broken definition so uses of it do not cascade */
		if ((s->s_kind == TS_DEFCONN || s->s_kind == TS_DEFPIPE ||
		    s->s_kind == TS_DEFFLOW) && s->s_name != NULL)
			s->s_bad = 1;
		else
			stmt_drop(out);
	}
	return rc;
}

/* Skip to the next statement after an error. */
static void
resync(struct parser *p, int withdepth)
{
	int	brackets = 0, with = withdepth;

	while (cur(p)->tk_type != TT_EOF) {
		const struct troy_token *t = cur(p);

		if (ispunct_(t, "(") || ispunct_(t, "[") || ispunct_(t, "{"))
			brackets++;
		else if ((ispunct_(t, ")") || ispunct_(t, "]") ||
		    ispunct_(t, "}")) && brackets > 0)
			brackets--;
		else if (iskw(t, "with"))
			with++;
		else if (iskw(t, "end")) {
			if (with == 0)
				return;		/* end of the body */
			with--;
		} else if (brackets == 0 && with == 0 && ispunct_(t, ";")) {
			next(p);
			return;
		} else if (brackets == 0 && with == 0 && (iskw(t, "define") ||
		    iskw(t, "create") || iskw(t, "connect") ||
		    iskw(t, "deploy") || iskw(t, "select")) &&
		    p->pr_i > 0)
			return;
		next(p);
	}
}

/*
 * Statements up to `end` (ctx = TS_DEFFLOW / TS_DEFPIPE) or EOF (ctx 0),
 * separated by ";".
 */
static int
parse_body(struct parser *p, struct troy_stmts *out, int ctx)
{
	int	rc, errs = 0, with0 = p->pr_with;
	size_t	start;

	if (++p->pr_depth > 8) {
		p->pr_depth--;
		return perr(p, "definitions nested too deeply");
	}
	for (;;) {
		if (p->pr_diags->dd_errors >= TROY_MAX_DIAGS)
			break;
		while (ispunct_(cur(p), ";"))
			next(p);
		if (ctx != 0 && iskw(cur(p), "end")) {
			next(p);
			break;
		}
		if (cur(p)->tk_type == TT_EOF) {
			if (ctx != 0)
				perr(p, "missing `end` of %s",
				    ctx == TS_DEFFLOW ? "flow" : "pipeline");
			break;
		}
		if (cur(p)->tk_type == TT_DIRECTIVE) {
			if (parse_directive(p, ctx) == -1)
				errs++;
			continue;
		}
		start = p->pr_i;
		rc = parse_stmt(p, out, ctx);
		if (rc == 0) {
			if (ispunct_(cur(p), ";")) {
				next(p);
				continue;
			}
			if (ctx != 0 && iskw(cur(p), "end"))
				continue;
			if (cur(p)->tk_type == TT_EOF)
				continue;
			{
				char found[64];

				describe(cur(p), found, sizeof(found));
				perr(p, "expected `;`, found %s", found);
			}
			/* the next statement probably starts here */
			if (cur(p)->tk_type == TT_ERROR)
				next(p);
			errs++;
			continue;
		}
		errs++;
		if (rc == -1) {
			/* skip the offending token and what follows it */
			if (p->pr_i == start || (!ispunct_(cur(p), ";") &&
			    !iskw(cur(p), "end")))
				next(p);
			resync(p, p->pr_with - with0);
		}
		p->pr_with = with0;
	}
	p->pr_depth--;
	return errs;
}

/* Parse a file. */
int
troy_parse(const struct troy_src *src, struct troy_stmts *out,
    struct troy_diags *diags)
{
	struct parser	p;
	int		rc;

	memset(&p, 0, sizeof(p));
	memset(out, 0, sizeof(*out));
	p.pr_src = src;
	p.pr_diags = diags;
	if (troy_lex(src->sr_text, src->sr_len, &p.pr_toks) == -1) {
		struct troy_pos pos = { src, 1, 1 };

		troy_error(diags, &pos, "out of memory (or too many tokens)");
		return -1;
	}
	rc = parse_body(&p, out, 0);
	troy_tokens_free(&p.pr_toks);
	return rc == 0 ? 0 : -1;
}

/* Parse a lone expression, e.g. a -D value. */
struct troy_expr *
troy_parse_expr(const struct troy_src *src)
{
	struct parser		p;
	struct troy_diags	d;
	struct troy_expr	*e = NULL;

	memset(&p, 0, sizeof(p));
	memset(&d, 0, sizeof(d));
	p.pr_src = src;
	p.pr_diags = &d;
	if (troy_lex(src->sr_text, src->sr_len, &p.pr_toks) == -1)
		return NULL;
	e = parse_expr(&p);
	if (e != NULL && cur(&p)->tk_type != TT_EOF) {
		troy_expr_free(e);
		e = NULL;
	}
	troy_tokens_free(&p.pr_toks);
	troy_diags_free(&d);
	return e;
}
