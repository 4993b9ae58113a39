/* SPDX-License-Identifier: ISC */
/*
 * Troy resolver: loads the given files and the modules they use (through
 * the caller's one read function), checks definitions, instantiates each
 * `deploy flow`, folds `with` and `args` expressions to constants,
 * validates connectors and links, and fills struct deployment.  Pure
 * apart from the read function.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr.h"
#include "troy.h"

#define TROY_MAX_DEPLOYS	256

struct troy_module {
	char			*m_canon;	/* a::b, or the file name */
	struct troy_src		*m_src;
	struct troy_stmts	 m_stmts;
	int			 m_loading;
	int			 m_main;
};

struct troy_ctx {
	const struct troy_opts	*c_opts;
	struct troy_diags	 c_diags;
	struct troy_src		**c_srcs;
	int			 c_nsrcs;
	struct troy_module	**c_mods;
	int			 c_nmods;
	struct deployment	*c_dep;
	struct troy_stmt	*c_deploys[TROY_MAX_DEPLOYS];
	int			 c_ndeploys;
	int			*c_used_defines;
	struct troy_pos		*c_cpos;	/* where each connector */
	int			 c_ncpos;	/* instance was created */
	const struct troy_stmt	**c_pdefs;	/* each pipeline instance's */
	int			 c_npdefs;	/* definition (NULL: bad) */
};

/* A lexical scope: a statement list and the scope around it. */
struct scope {
	const struct scope	*sc_parent;
	struct troy_module	*sc_mod;
	const struct troy_stmts	*sc_stmts;
};

/* A definition found by name, with the scope it was written in. */
struct found {
	struct troy_stmt	*f_stmt;
	struct scope		 f_scope;
};

static const char *const kind_names[] = {
	"use", "connector", "pipeline", "flow",
};

/* Free the context and everything it owns. */
void
troy_ctx_free(struct troy_ctx *ctx)
{
	int	i;

	if (ctx == NULL)
		return;
	for (i = 0; i < ctx->c_nmods; i++) {
		troy_stmts_free(&ctx->c_mods[i]->m_stmts);
		free(ctx->c_mods[i]->m_canon);
		free(ctx->c_mods[i]);
	}
	free(ctx->c_mods);
	for (i = 0; i < ctx->c_nsrcs; i++) {
		free(ctx->c_srcs[i]->sr_name);
		free(ctx->c_srcs[i]->sr_text);
		free(ctx->c_srcs[i]);
	}
	free(ctx->c_srcs);
	troy_diags_free(&ctx->c_diags);
	free(ctx->c_used_defines);
	free(ctx->c_cpos);
	free(ctx->c_pdefs);
	if (ctx->c_dep != NULL) {
		deploy_free_contents(ctx->c_dep);
		free(ctx->c_dep);
	}
	free(ctx);
}

/* The diagnostics collected so far. */
const struct troy_diags *
troy_ctx_diags(const struct troy_ctx *ctx)
{
	return &ctx->c_diags;
}

/* Keep a source (takes text). */
static struct troy_src *
add_src(struct troy_ctx *ctx, const char *name, char *text, size_t len)
{
	struct troy_src	**nv, *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto fail;
	nv = reallocarray(ctx->c_srcs, (size_t)ctx->c_nsrcs + 1, sizeof(*nv));
	if (nv == NULL || (s->sr_name = strdup(name)) == NULL) {
		if (nv != NULL)
			ctx->c_srcs = nv;
		free(s);
		goto fail;
	}
	ctx->c_srcs = nv;
	s->sr_text = text;
	s->sr_len = len;
	nv[ctx->c_nsrcs++] = s;
	return s;
fail:
	free(text);
	return NULL;
}

/* Join segs[0..n) with sep. */
static int
join(char *buf, size_t len, char *const *segs, int n, const char *sep)
{
	int	i;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0 && strlcat(buf, sep, len) >= len)
			return -1;
		if (strlcat(buf, segs[i], len) >= len)
			return -1;
	}
	return 0;
}

static void check_stmts(struct troy_ctx *, struct troy_module *,
    const struct scope *, struct troy_stmts *);

/* Parse one file into a module and check it. */
static struct troy_module *
load_module(struct troy_ctx *ctx, const char *path, const char *canon,
    int main)
{
	struct troy_module	*m, **nv;
	struct troy_src		*src;
	struct scope		 sc;
	char			*text = NULL;
	size_t			 len = 0;

	if (ctx->c_opts->to_read(ctx->c_opts->to_arg, path, &text, &len) ==
	    -1)
		return NULL;
	if ((src = add_src(ctx, path, text, len)) == NULL)
		return NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	nv = reallocarray(ctx->c_mods, (size_t)ctx->c_nmods + 1, sizeof(*nv));
	if (nv == NULL || (m->m_canon = strdup(canon)) == NULL) {
		if (nv != NULL)
			ctx->c_mods = nv;
		free(m);
		return NULL;
	}
	ctx->c_mods = nv;
	nv[ctx->c_nmods++] = m;
	m->m_src = src;
	m->m_main = main;
	m->m_loading = 1;
	troy_parse(src, &m->m_stmts, &ctx->c_diags);
	memset(&sc, 0, sizeof(sc));
	sc.sc_mod = m;
	sc.sc_stmts = &m->m_stmts;
	check_stmts(ctx, m, &sc, &m->m_stmts);
	m->m_loading = 0;
	return m;
}

/* Find (loading if needed) the module a::b::c; NULL if not found. */
static struct troy_module *
find_module(struct troy_ctx *ctx, char *const *segs, int n,
    const struct troy_pos *pos)
{
	const struct troy_opts	*o = ctx->c_opts;
	static const char *const exts[] = { ".troy", ".tremor" };
	char			 canon[512], rel[512], path[PATH_MAX];
	char			**dirs[2];
	int			 ndirs[2], i, j, k, own;
	struct troy_module	*m;

	if (n < 1 || join(canon, sizeof(canon), segs, n, "::") == -1 ||
	    join(rel, sizeof(rel), segs, n, "/") == -1)
		return NULL;
	for (i = 0; i < ctx->c_nmods; i++) {
		m = ctx->c_mods[i];
		if (m->m_main || strcmp(m->m_canon, canon) != 0)
			continue;
		if (m->m_loading) {
			troy_error(&ctx->c_diags, pos, "module %s uses itself "
			    "(cyclic use)", canon);
			return NULL;
		}
		return m;
	}
	if (ctx->c_nmods >= TROY_MAX_MODULES) {
		troy_error(&ctx->c_diags, pos, "too many modules");
		return NULL;
	}
	own = strcmp(segs[0], "std") == 0 || strcmp(segs[0], "troy") == 0 ||
	    strcmp(segs[0], "tremor") == 0;
	dirs[own ? 0 : 1] = o->to_own;
	ndirs[own ? 0 : 1] = o->to_nown;
	dirs[own ? 1 : 0] = o->to_path;
	ndirs[own ? 1 : 0] = o->to_npath;
	for (i = 0; i < 2; i++)
		for (j = 0; j < ndirs[i]; j++)
			for (k = 0; k < 2; k++) {
				if (snprintf(path, sizeof(path), "%s/%s%s",
				    dirs[i][j], rel, exts[k]) >=
				    (int)sizeof(path))
					continue;
				m = load_module(ctx, path, canon, 0);
				if (m != NULL)
					return m;
			}
	return NULL;
}

/* A use alias visible from scope sc, or NULL. */
static struct troy_module *
lookup_use(const struct scope *sc, const char *name)
{
	int	i;

	for (; sc != NULL; sc = sc->sc_parent)
		for (i = sc->sc_stmts->st_n - 1; i >= 0; i--) {
			struct troy_stmt *s = &sc->sc_stmts->st_v[i];

			if (s->s_kind == TS_USE && s->s_module != NULL &&
			    strcmp(s->s_name, name) == 0)
				return s->s_module;
		}
	return NULL;
}

/* A definition of kind visible from sc. */
static int
lookup_def(const struct scope *sc, enum troy_sk kind, const char *name,
    struct found *f)
{
	int	i;

	for (; sc != NULL; sc = sc->sc_parent)
		for (i = 0; i < sc->sc_stmts->st_n; i++) {
			struct troy_stmt *s = &sc->sc_stmts->st_v[i];

			if (s->s_kind == kind && s->s_name != NULL &&
			    strcmp(s->s_name, name) == 0) {
				f->f_stmt = s;
				f->f_scope = *sc;
				return 0;
			}
		}
	return -1;
}

/* Names of definitions of kind visible from sc (for hints). */
static int
def_names(const struct scope *sc, enum troy_sk kind, const char **v, int max)
{
	int	i, n = 0;

	for (; sc != NULL; sc = sc->sc_parent)
		for (i = 0; i < sc->sc_stmts->st_n && n < max; i++)
			if (sc->sc_stmts->st_v[i].s_kind == kind)
				v[n++] = sc->sc_stmts->st_v[i].s_name;
	return n;
}

/* The module named by segs[0..n) from sc: a use alias chain or a path. */
static struct troy_module *
resolve_modpath(struct troy_ctx *ctx, const struct scope *sc,
    char *const *segs, int n, const struct troy_pos *pos)
{
	struct troy_module	*m;
	struct scope		 ms;
	int			 i;

	if ((m = lookup_use(sc, segs[0])) != NULL) {
		for (i = 1; i < n && m != NULL; i++) {
			memset(&ms, 0, sizeof(ms));
			ms.sc_mod = m;
			ms.sc_stmts = &m->m_stmts;
			m = lookup_use(&ms, segs[i]);
		}
		if (m != NULL)
			return m;
	}
	return find_module(ctx, segs, n, pos);
}

/* Resolve path to a definition of kind; reports what is missing. */
static int
resolve_def(struct troy_ctx *ctx, const struct scope *sc,
    const struct troy_path *pa, const char *name, struct troy_pos namepos,
    enum troy_sk kind, struct found *f)
{
	struct troy_module	*m;
	struct scope		 ms;
	const char		*names[64], *hint;
	char			 buf[512];
	int			 n;

	if (pa->pa_n == 0) {
		if (lookup_def(sc, kind, name, f) == 0)
			return 0;
		n = def_names(sc, kind, names, 64);
		hint = suggest_closest(name, names, (size_t)n);
		troy_error(&ctx->c_diags, &namepos, "no %s definition \"%s\"%s"
		    "%s%s", kind_names[kind], name, hint ? " (did you mean \"" :
		    "", hint ? hint : "", hint ? "\"?)" : "");
		return -1;
	}
	if (pa->pa_n == 1) {
		if (lookup_def(sc, kind, pa->pa_segs[0], f) == 0)
			return 0;
		n = def_names(sc, kind, names, 64);
		hint = suggest_closest(pa->pa_segs[0], names, (size_t)n);
		troy_error(&ctx->c_diags, &pa->pa_pos, "no %s definition "
		    "\"%s\"%s%s%s", kind_names[kind], pa->pa_segs[0],
		    hint ? " (did you mean \"" : "", hint ? hint : "",
		    hint ? "\"?)" : "");
		return -1;
	}
	join(buf, sizeof(buf), pa->pa_segs, pa->pa_n - 1, "::");
	m = resolve_modpath(ctx, sc, pa->pa_segs, pa->pa_n - 1, &pa->pa_pos);
	if (m == NULL) {
		troy_error(&ctx->c_diags, &pa->pa_pos, "unknown module %s "
		    "(missing `use %s;`?)", buf, buf);
		return -1;
	}
	memset(&ms, 0, sizeof(ms));
	ms.sc_mod = m;
	ms.sc_stmts = &m->m_stmts;
	if (lookup_def(&ms, kind, pa->pa_segs[pa->pa_n - 1], f) == 0 &&
	    f->f_scope.sc_parent == NULL)
		return 0;
	n = def_names(&ms, kind, names, 64);
	hint = suggest_closest(pa->pa_segs[pa->pa_n - 1], names, (size_t)n);
	troy_error(&ctx->c_diags, &pa->pa_pos, "module %s has no %s \"%s\"%s"
	    "%s%s", buf, kind_names[kind], pa->pa_segs[pa->pa_n - 1],
	    hint ? " (did you mean \"" : "", hint ? hint : "",
	    hint ? "\"?)" : "");
	return -1;
}

/* Report an unknown args name (names NULL: no args at all). */
static void
unknown_arg(struct troy_ctx *ctx, const struct troy_pos *pos,
    const char *name, struct json_object *names)
{
	const char	*cands[64], *hint = NULL;
	int		 nc = 0;

	if (names != NULL) {
		json_object_object_foreach(names, k, v) {
			(void)v;
			if (nc < 64)
				cands[nc++] = k;
		}
		hint = suggest_closest(name, cands, (size_t)nc);
	}
	troy_error(&ctx->c_diags, pos, "unknown argument \"%s\"%s%s%s", name,
	    hint ? " (did you mean \"" : "", hint ? hint : "",
	    hint ? "\"?)" : "");
}

/* A call's function name with a use alias resolved to its module. */
static void
call_name(const struct scope *sc, const char *name, char *full,
    size_t len)
{
	char			 fn[512], rest[512], *segs[16], *tok, *save;
	int			 nseg = 0;
	struct troy_module	*m;

	strlcpy(fn, name, sizeof(fn));
	for (tok = strtok_r(fn, ":", &save); tok != NULL && nseg < 16;
	    tok = strtok_r(NULL, ":", &save))
		segs[nseg++] = tok;
	full[0] = '\0';
	if (nseg >= 2 && (m = lookup_use(sc, segs[0])) != NULL) {
		join(rest, sizeof(rest), segs + 1, nseg - 1, "::");
		snprintf(full, len, "%s::%s", m->m_canon, rest);
	} else
		join(full, len, segs, nseg, "::");
}

/* What compiling an expression needs to know of where it is. */
struct prep {
	struct troy_ctx		*pp_ctx;
	const struct scope	*pp_sc;
	struct json_object	*pp_names;	/* args names; NULL: none */
	int			 pp_event;	/* event and $ allowed */
};

static struct expr *prepare(const struct prep *, const struct troy_expr *);

/* Check what a path may see: event and $ only where allowed, args only
 * by the names of the definition. */
static int
check_path(const struct prep *pp, const struct troy_expr *e)
{
	const struct troy_field	*f0;
	enum troy_root		 root = e->te_list.tl_root;

	if (root != TR_ARGS && !pp->pp_event) {
		troy_error(&pp->pp_ctx->c_diags, &e->te_pos, "%s is not "
		    "available here (only constants and args)",
		    root == TR_EVENT ? "`event`" : "metadata ($)");
		return -1;
	}
	f0 = e->te_list.tl_n > 0 ? &e->te_list.tl_v[0] : NULL;
	if (root == TR_ARGS && f0 != NULL && f0->tf_key != NULL &&
	    (pp->pp_names == NULL || !json_object_object_get_ex(pp->pp_names,
	    f0->tf_key, NULL))) {
		unknown_arg(pp->pp_ctx, &e->te_pos, f0->tf_key, pp->pp_names);
		return -1;
	}
	return 0;
}

/* The operands or fields of e, compiled into kids (n of them). */
static int
prepare_kids(const struct prep *pp, const struct troy_expr *e,
    struct expr **kids, size_t *n)
{
	const struct troy_field	*f;
	int			 i;

	*n = 0;
	switch (e->te_kind) {
	case EX_LIT:
		return 0;
	case EX_REC:
	case EX_ARR:
	case EX_PATH:
	case EX_CALL:
		for (i = 0; i < e->te_list.tl_n; i++) {
			f = &e->te_list.tl_v[i];
			kids[i] = NULL;
			if (f->tf_expr != NULL &&
			    (kids[i] = prepare(pp, f->tf_expr)) == NULL)
				return -1;
			(*n)++;
		}
		return 0;
	default:
		if ((kids[0] = prepare(pp, e->te_op.to_l)) == NULL)
			return -1;
		*n = 1;
		if (e->te_op.to_r == NULL)
			return 0;
		if ((kids[1] = prepare(pp, e->te_op.to_r)) == NULL)
			return -1;
		*n = 2;
		return 0;
	}
}

/* A new node for e with the compiled kids (taking them); reports. */
static struct expr *
prepare_node(const struct prep *pp, const struct troy_expr *e,
    struct expr **kids, size_t n)
{
	struct troy_ctx		*ctx = pp->pp_ctx;
	struct expr		*x;
	const char		*name = NULL, *key;
	char			 full[600], err[256];
	size_t			 i;

	if (e->te_kind == EX_LIT) {
		if ((x = expr_new_lit(json_object_get(e->te_lit))) == NULL)
			troy_error(&ctx->c_diags, &e->te_pos, "out of memory");
		return x;
	}
	if (e->te_kind == EX_PATH)
		name = troy_root_name(e->te_list.tl_root);
	else if (e->te_kind == EX_CALL) {
		call_name(pp->pp_sc, e->te_list.tl_fn, full, sizeof(full));
		name = full;
	} else if (e->te_kind == EX_BIN || e->te_kind == EX_UN)
		name = e->te_op.to_op;
	if ((x = expr_new(e->te_kind, name, n, err, sizeof(err))) == NULL) {
		if (strncmp(err, "unknown function", 16) == 0)
			troy_error(&ctx->c_diags, &e->te_pos, "unknown "
			    "function %s", e->te_list.tl_fn);
		else
			troy_error(&ctx->c_diags, &e->te_pos, "%s", err);
		goto fail;
	}
	for (i = 0; i < n; i++) {
		key = e->te_kind == EX_REC || e->te_kind == EX_PATH ?
		    e->te_list.tl_v[i].tf_key : NULL;
		if (expr_set(x, i, key, kids[i]) == -1) {
			kids[i] = NULL;
			troy_error(&ctx->c_diags, &e->te_pos, "malformed "
			    "expression");
			goto fail;
		}
		kids[i] = NULL;
	}
	return x;
fail:
	for (i = 0; i < n; i++)
		expr_free(kids[i]);
	expr_free(x);
	return NULL;
}

/*
 * Compile an expression for evaluation: resolve call names through use
 * aliases, check args references against names, forbid event/$ unless
 * allowed.  Children first, so errors come in source order.  Returns the
 * compiled expression or NULL after reporting.
 */
static struct expr *
prepare(const struct prep *pp, const struct troy_expr *e)
{
	struct expr	**kids = NULL, *x;
	size_t		  n = 0, i, max;

	max = e->te_kind == EX_REC || e->te_kind == EX_ARR ||
	    e->te_kind == EX_PATH || e->te_kind == EX_CALL ?
	    (size_t)e->te_list.tl_n : 2;
	if (max > 0 && (kids = calloc(max, sizeof(*kids))) == NULL) {
		troy_error(&pp->pp_ctx->c_diags, &e->te_pos, "out of memory");
		return NULL;
	}
	if (prepare_kids(pp, e, kids, &n) == -1 ||
	    (e->te_kind == EX_PATH && check_path(pp, e) == -1)) {
		for (i = 0; i < n; i++)
			expr_free(kids[i]);
		free(kids);
		return NULL;
	}
	x = prepare_node(pp, e, kids, n);
	free(kids);
	return x;
}

/* Fold e to a constant with args; NULL after reporting. */
static struct json_object *
fold(struct troy_ctx *ctx, const struct scope *sc, const struct troy_expr *e,
    struct json_object *args, const struct troy_pos *fb, int *ok)
{
	struct json_object	*v = NULL;
	struct expr		*x;
	struct expr_env		 env;
	struct troy_pos		 pos = troy_expr_pos(e, fb);
	struct prep		 pp;
	char			 err[256];

	*ok = 0;
	memset(&pp, 0, sizeof(pp));
	pp.pp_ctx = ctx;
	pp.pp_sc = sc;
	pp.pp_names = args;
	if ((x = prepare(&pp, e)) == NULL)
		return NULL;
	memset(&env, 0, sizeof(env));
	env.ee_args = args;
	if (expr_eval(x, &env, &v, err, sizeof(err)) == -1)
		troy_error(&ctx->c_diags, &pos, "%s", err);
	else
		*ok = 1;
	expr_free(x);
	return v;
}

/* Default ports of a pipeline definition. */
static void
default_ports(struct troy_stmt *s)
{
	char	**v;

	if (s->s_nfrom == 0 && (v = calloc(1, sizeof(*v))) != NULL) {
		v[0] = strdup("in");
		s->s_from = v;
		s->s_nfrom = 1;
	}
	if (s->s_ninto == 0 && (v = calloc(2, sizeof(*v))) != NULL) {
		v[0] = strdup("out");
		v[1] = strdup("err");
		s->s_into = v;
		s->s_ninto = 2;
	}
}

/* Is port in ports (case-insensitive)? */
static int
has_port(char **ports, int n, const char *port)
{
	int	i;

	for (i = 0; i < n; i++)
		if (ports[i] != NULL && strcasecmp(ports[i], port) == 0)
			return 1;
	return 0;
}

/* Report a port that is not declared. */
static void
bad_port(struct troy_ctx *ctx, const struct troy_pos *pos, const char *what,
    const char *name, const char *dir, const char *port, char **ports,
    int n)
{
	const char	*hint;
	char		 list[256];

	hint = suggest_closest(port, (const char *const *)ports, (size_t)n);
	join(list, sizeof(list), ports, n, ", ");
	if (hint != NULL)
		troy_error(&ctx->c_diags, pos, "%s \"%s\" has no %s port "
		    "\"%s\" (did you mean \"%s\"?)", what, name, dir, port,
		    hint);
	else
		troy_error(&ctx->c_diags, pos, "%s \"%s\" has no %s port "
		    "\"%s\" (it has: %s)", what, name, dir, port, list);
}

/* Arg names of a definition as a record (for args checks). */
static struct json_object *
arg_names(const struct troy_stmt *s)
{
	struct json_object	*o = json_object_new_object();
	int			 i;

	for (i = 0; i < s->s_nargs; i++)
		json_object_object_add(o, s->s_args[i].a_name, NULL);
	return o;
}

/* An expression compiled to the serialised form workers receive. */
static struct json_object *
compile_expr(const struct prep *pp, const struct troy_expr *e)
{
	struct json_object	*o;
	struct expr		*x;

	if ((x = prepare(pp, e)) == NULL)
		return NULL;
	o = expr_to_json(x);
	expr_free(x);
	return o;
}

/* Compile the selects of a pipeline definition. */
static void
check_pipeline(struct troy_ctx *ctx, const struct scope *outer,
    struct troy_stmt *s)
{
	struct json_object	*names, *sels, *sel, *t, *w;
	struct scope		 sc;
	struct prep		 pp;
	int			 i, bad = 0;

	default_ports(s);
	if (s->s_bad)
		return;
	sc.sc_parent = outer;
	sc.sc_mod = outer->sc_mod;
	sc.sc_stmts = &s->s_body;
	names = arg_names(s);
	memset(&pp, 0, sizeof(pp));
	pp.pp_ctx = ctx;
	pp.pp_sc = &sc;
	pp.pp_names = names;
	pp.pp_event = 1;
	sels = json_object_new_array();
	for (i = 0; i < s->s_body.st_n; i++) {
		struct troy_stmt *q = &s->s_body.st_v[i];

		if (q->s_kind != TS_SELECT)
			continue;
		if (!has_port(s->s_from, s->s_nfrom, q->s_selfrom)) {
			bad_port(ctx, &q->s_selfrompos, "pipeline", s->s_name,
			    "input", q->s_selfrom, s->s_from, s->s_nfrom);
			bad = 1;
		}
		if (!has_port(s->s_into, s->s_ninto, q->s_selinto)) {
			bad_port(ctx, &q->s_selintopos, "pipeline", s->s_name,
			    "output", q->s_selinto, s->s_into, s->s_ninto);
			bad = 1;
		}
		t = compile_expr(&pp, q->s_target);
		w = NULL;
		if (q->s_where != NULL)
			w = compile_expr(&pp, q->s_where);
		if (t == NULL || (q->s_where != NULL && w == NULL)) {
			json_object_put(t);
			json_object_put(w);
			bad = 1;
			continue;
		}
		sel = json_object_new_object();
		json_object_object_add(sel, "from",
		    json_object_new_string(q->s_selfrom));
		json_object_object_add(sel, "target", t);
		json_object_object_add(sel, "where", w);
		json_object_object_add(sel, "into",
		    json_object_new_string(q->s_selinto));
		json_object_array_add(sels, sel);
	}
	json_object_put(names);
	s->s_compiled = sels;
	s->s_bad |= bad;
}

/*
 * Definitions in troy::connectors that are not types but are written as
 * one (`define connector c from console`): the error says how to use them.
 */
static const char *const shipped_defs[] = { "console", NULL };

/* Check a connector definition: known type, no duplicate keys. */
static void
check_defconn(struct troy_ctx *ctx, struct troy_stmt *s)
{
	const char	*hint, *types[CT_MAX];
	size_t		 n;
	int		 i, j;

	if (s->s_bad || s->s_type == NULL)
		return;

	if (troy_conn_type(s->s_type) == CT_NONE) {
		s->s_bad = 1;
		for (i = 0; shipped_defs[i] != NULL; i++)
			if (strcmp(s->s_type, shipped_defs[i]) == 0) {
				troy_error(&ctx->c_diags, &s->s_typepos,
				    "unknown connector type \"%s\" (%s is a "
				    "definition: `use troy::connectors;` and "
				    "`create connector NAME from "
				    "connectors::%s`)", s->s_type, s->s_type,
				    s->s_type);
				return;
			}
		n = conntype_troy_names(types, CT_MAX);
		hint = suggest_closest(s->s_type, types, n);
		troy_error(&ctx->c_diags, &s->s_typepos, "unknown connector "
		    "type \"%s\"%s%s%s", s->s_type,
		    hint ? " (did you mean \"" : "", hint ? hint : "",
		    hint ? "\"?)" : "");
	}
	for (i = 0; i < s->s_nwith; i++)
		for (j = 0; j < i; j++)
			if (strcmp(s->s_with[i].w_key, s->s_with[j].w_key) ==
			    0) {
				troy_error(&ctx->c_diags, &s->s_with[i].w_pos,
				    "duplicate key \"%s\"", s->s_with[i].w_key);
				s->s_bad = 1;
			}
}

/* Resolve uses and check definitions in a statement list. */
static void
check_stmts(struct troy_ctx *ctx, struct troy_module *m,
    const struct scope *sc, struct troy_stmts *sl)
{
	struct troy_stmt	*s;
	struct scope		 inner;
	char			 canon[512];
	int			 i, j, errs;

	for (i = 0; i < sl->st_n; i++) {
		s = &sl->st_v[i];
		/* duplicate definitions in one scope */
		if (s->s_kind == TS_DEFCONN || s->s_kind == TS_DEFPIPE ||
		    s->s_kind == TS_DEFFLOW)
			for (j = 0; j < i; j++)
				if (sl->st_v[j].s_kind == s->s_kind &&
				    strcmp(sl->st_v[j].s_name, s->s_name) ==
				    0) {
					troy_error(&ctx->c_diags,
					    &s->s_namepos, "duplicate %s "
					    "definition \"%s\" (first defined "
					    "at line %d)", kind_names[
					    s->s_kind], s->s_name,
					    sl->st_v[j].s_namepos.p_line);
					break;
				}
		switch (s->s_kind) {
		case TS_USE:
			errs = ctx->c_diags.dd_errors;
			s->s_module = find_module(ctx, s->s_path.pa_segs,
			    s->s_path.pa_n, &s->s_path.pa_pos);
			if (s->s_module == NULL &&
			    errs == ctx->c_diags.dd_errors) {
				join(canon, sizeof(canon), s->s_path.pa_segs,
				    s->s_path.pa_n, "::");
				troy_error(&ctx->c_diags, &s->s_path.pa_pos,
				    "module %s not found (searched "
				    "WSFLOW_PATH, TREMOR_PATH and the wsflow "
				    "library)", canon);
			}
			break;
		case TS_DEFCONN:
			check_defconn(ctx, s);
			break;
		case TS_DEFPIPE:
			inner.sc_parent = sc;
			inner.sc_mod = m;
			inner.sc_stmts = &s->s_body;
			check_stmts(ctx, m, &inner, &s->s_body);
			check_pipeline(ctx, sc, s);
			break;
		case TS_DEFFLOW:
			inner.sc_parent = sc;
			inner.sc_mod = m;
			inner.sc_stmts = &s->s_body;
			check_stmts(ctx, m, &inner, &s->s_body);
			break;
		case TS_DEPLOY:
			if (!m->m_main)
				troy_error(&ctx->c_diags, &s->s_pos, "`deploy` "
				    "is not allowed in a module");
			break;
		default:
			break;
		}
	}
}

/* Bind the args of definition def from a creational with-list. */
static struct json_object *
bind_args(struct troy_ctx *ctx, const struct found *def,
    const struct troy_stmt *create, const struct scope *csc,
    struct json_object *cargs, int flowdefines)
{
	const struct troy_stmt	*d = def->f_stmt;
	struct json_object	*out, *given, *v;
	const char		*names[1024], *hint;
	int			 i, j, ok, bad = 0;

	out = json_object_new_object();
	given = json_object_new_object();
	for (i = 0; i < d->s_nargs; i++)
		names[i] = d->s_args[i].a_name;
	for (i = 0; i < create->s_nwith; i++) {
		const struct troy_with *w = &create->s_with[i];

		for (j = 0; j < d->s_nargs; j++)
			if (strcmp(w->w_key, d->s_args[j].a_name) == 0)
				break;
		if (j == d->s_nargs) {
			hint = suggest_closest(w->w_key, names,
			    (size_t)d->s_nargs);
			troy_error(&ctx->c_diags, &w->w_pos, "unknown argument "
			    "\"%s\" for %s \"%s\"%s%s%s", w->w_key,
			    kind_names[d->s_kind], d->s_name,
			    hint ? " (did you mean \"" : "", hint ? hint : "",
			    hint ? "\"?)" : "");
			bad = 1;
			continue;
		}
		if (json_object_object_get_ex(given, w->w_key, NULL)) {
			troy_error(&ctx->c_diags, &w->w_pos, "duplicate key "
			    "\"%s\"", w->w_key);
			bad = 1;
			continue;
		}
		v = fold(ctx, csc, w->w_expr, cargs, &w->w_pos, &ok);
		if (!ok)
			bad = 1;
		json_object_object_add(given, w->w_key, v);
	}
	for (i = 0; i < d->s_nargs; i++) {
		const struct troy_arg *a = &d->s_args[i];

		if (json_object_object_get_ex(given, a->a_name, &v)) {
			json_object_object_add(out, a->a_name,
			    json_object_get(v));
			continue;
		}
		if (flowdefines) {
			const struct troy_opts *o = ctx->c_opts;
			size_t nl = strlen(a->a_name);

			for (j = 0; j < o->to_ndefines; j++)
				if (strncmp(o->to_defines[j], a->a_name, nl) ==
				    0 && o->to_defines[j][nl] == '=')
					break;
			if (j < o->to_ndefines) {
				struct troy_src	 ds;
				struct troy_expr *e;
				const char *val = o->to_defines[j] + nl + 1;

				ctx->c_used_defines[j] = 1;
				memset(&ds, 0, sizeof(ds));
				ds.sr_name = (char *)(uintptr_t)"-D";
				ds.sr_text = (char *)(uintptr_t)val;
				ds.sr_len = strlen(val);
				e = troy_parse_expr(&ds);
				v = NULL;
				if (e != NULL) {
					struct troy_diags save = ctx->c_diags;

					memset(&ctx->c_diags, 0,
					    sizeof(ctx->c_diags));
					v = fold(ctx, csc, e, NULL, &a->a_pos,
					    &ok);
					troy_diags_free(&ctx->c_diags);
					ctx->c_diags = save;
					troy_expr_free(e);
					if (!ok) {
						json_object_put(v);
						v = NULL;
						e = NULL;
					}
				}
				if (e == NULL)
					v = json_object_new_string(val);
				json_object_object_add(out, a->a_name, v);
				continue;
			}
		}
		if (a->a_default != NULL) {
			v = fold(ctx, &def->f_scope, a->a_default, NULL,
			    &a->a_pos, &ok);
			if (!ok)
				bad = 1;
			json_object_object_add(out, a->a_name, v);
			continue;
		}
		troy_error(&ctx->c_diags, &create->s_namepos, "missing "
		    "argument \"%s\" for %s \"%s\" (defined at %s:%d)",
		    a->a_name, kind_names[d->s_kind], d->s_name,
		    a->a_pos.p_src->sr_name, a->a_pos.p_line);
		bad = 1;
	}
	json_object_put(given);
	if (bad) {
		json_object_put(out);
		return NULL;
	}
	return out;
}

/* Append to a growable array of structs. */
static void *
grow(void *v, int n, size_t size)
{
	return reallocarray(v, (size_t)n + 1, size);
}

/* Create one connector instance. */
static void
create_connector(struct troy_ctx *ctx, const char *flow,
    const struct scope *fsc, struct troy_stmt *c, struct json_object *fargs)
{
	struct deployment	*dep = ctx->c_dep;
	struct dep_connector	*dc;
	struct json_object	*args, *with, *v;
	struct troy_expr	 src;
	struct troy_field	*f;
	struct found		 def;
	struct troy_pos		*pos;
	const struct troy_stmt	*d;
	int			 i, ok, bad = 0;

	if (resolve_def(ctx, fsc, &c->s_path, c->s_name, c->s_namepos,
	    TS_DEFCONN, &def) == -1)
		bad = 1;
	if ((dc = grow(dep->d_connectors, dep->d_nconnectors,
	    sizeof(*dc))) == NULL)
		return;
	dep->d_connectors = dc;
	dc = &dep->d_connectors[dep->d_nconnectors++];
	memset(dc, 0, sizeof(*dc));
	if ((pos = grow(ctx->c_cpos, ctx->c_ncpos, sizeof(*pos))) != NULL) {
		ctx->c_cpos = pos;
		ctx->c_cpos[ctx->c_ncpos++] = c->s_namepos;
	}
	dc->dc_flow = strdup(flow);
	dc->dc_name = strdup(c->s_name);
	dc->dc_file = strdup(c->s_namepos.p_src != NULL ?
	    c->s_namepos.p_src->sr_name : "?");
	dc->dc_line = c->s_namepos.p_line;
	dc->dc_col = c->s_namepos.p_col;
	if (bad) {
		dc->dc_type = strdup("?");
		return;
	}
	d = def.f_stmt;
	dc->dc_type = strdup(d->s_type != NULL ? d->s_type : "?");
	dc->dc_ctype = troy_conn_type(d->s_type);
	if (d->s_bad)
		return;		/* already reported */
	if ((args = bind_args(ctx, &def, c, fsc, fargs, 0)) == NULL)
		return;
	/* the with-list as a record of its source expressions (borrowed),
	 * for the positions of errors in the folded values */
	memset(&src, 0, sizeof(src));
	src.te_kind = EX_REC;
	src.te_pos = d->s_namepos;
	if (d->s_nwith > 0 && (src.te_list.tl_v = calloc((size_t)d->s_nwith,
	    sizeof(*src.te_list.tl_v))) == NULL) {
		json_object_put(args);
		return;
	}
	with = json_object_new_object();
	for (i = 0; i < d->s_nwith; i++) {
		v = fold(ctx, &def.f_scope, d->s_with[i].w_expr, args,
		    &d->s_with[i].w_pos, &ok);
		if (!ok) {
			bad = 1;
			continue;
		}
		json_object_object_add(with, d->s_with[i].w_key, v);
		f = &src.te_list.tl_v[src.te_list.tl_n++];
		f->tf_key = d->s_with[i].w_key;
		f->tf_pos = d->s_with[i].w_pos;
		f->tf_expr = d->s_with[i].w_expr;
	}
	if (!bad)
		dc->dc_config = troy_conn_config(dc->dc_ctype, with, &src,
		    &d->s_namepos, &ctx->c_diags);
	json_object_put(with);
	free(src.te_list.tl_v);
	json_object_put(args);
}

/* A string array as a JSON array. */
static struct json_object *
strv_json(char **v, int n)
{
	struct json_object	*a = json_object_new_array();
	int			 i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

/* Create one pipeline instance. */
static void
create_pipeline(struct troy_ctx *ctx, const char *flow,
    const struct scope *fsc, struct troy_stmt *c, struct json_object *fargs)
{
	struct deployment	*dep = ctx->c_dep;
	struct dep_pipeline	*dp;
	struct json_object	*args, *o;
	struct found		 def;
	const struct troy_stmt	*d, **defs;

	if ((defs = grow(ctx->c_pdefs, ctx->c_npdefs, sizeof(*defs))) == NULL)
		return;
	ctx->c_pdefs = defs;
	if ((dp = grow(dep->d_pipelines, dep->d_npipelines, sizeof(*dp))) ==
	    NULL)
		return;
	ctx->c_pdefs[ctx->c_npdefs++] = NULL;
	dep->d_pipelines = dp;
	dp = &dep->d_pipelines[dep->d_npipelines++];
	memset(dp, 0, sizeof(*dp));
	dp->dp_flow = strdup(flow);
	dp->dp_name = strdup(c->s_name);
	if (resolve_def(ctx, fsc, &c->s_path, c->s_name, c->s_namepos,
	    TS_DEFPIPE, &def) == -1)
		return;
	d = def.f_stmt;
	if (d->s_bad)
		return;		/* already reported */
	if ((args = bind_args(ctx, &def, c, fsc, fargs, 0)) == NULL)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(c->s_name));
	json_object_object_add(o, "from", strv_json(d->s_from, d->s_nfrom));
	json_object_object_add(o, "into", strv_json(d->s_into, d->s_ninto));
	json_object_object_add(o, "args", args);
	json_object_object_add(o, "selects", json_object_get(d->s_compiled));
	if (d->s_metrics_s > 0)
		json_object_object_add(o, "metrics_interval_s",
		    json_object_new_int64(d->s_metrics_s));
	dp->dp_compiled = o;
	ctx->c_pdefs[ctx->c_npdefs - 1] = d;
}

/* Find an instance of kind named name in flow (index from first). */
static int
find_instance(struct troy_ctx *ctx, enum dep_kind kind, const char *flow,
    const char *name, int first)
{
	struct deployment	*dep = ctx->c_dep;
	int			 i;

	if (kind == DEP_CONNECTOR) {
		for (i = first; i < dep->d_nconnectors; i++)
			if (strcmp(dep->d_connectors[i].dc_flow, flow) == 0 &&
			    strcmp(dep->d_connectors[i].dc_name, name) == 0)
				return i;
	} else {
		for (i = first; i < dep->d_npipelines; i++)
			if (strcmp(dep->d_pipelines[i].dp_flow, flow) == 0 &&
			    strcmp(dep->d_pipelines[i].dp_name, name) == 0)
				return i;
	}
	return -1;
}

/* Lower-case copy of a port name. */
static char *
port_dup(const char *s)
{
	char	*p = strdup(s), *q;

	for (q = p; q != NULL && *q != '\0'; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return p;
}

/*
 * The ports of a connector whose type is unknown (reported already): the
 * ports every type has, so that a wrong port is reported too.
 */
static const struct conntype unknown_type = {
	.ct_name = "?", .ct_in = { "in" }, .ct_out = { "out", "err" },
};

/* Resolve one endpoint of a connect; -1 after reporting. */
static int
endpoint(struct troy_ctx *ctx, const char *flow, int cfirst, int pfirst,
    const struct troy_endpoint *ep, int out, const char **portp)
{
	struct deployment	*dep = ctx->c_dep;
	const char		*names[256], *hint, *port;
	int			 i, n = 0, idx;

	idx = find_instance(ctx, ep->ep_kind, flow, ep->ep_name,
	    ep->ep_kind == DEP_CONNECTOR ? cfirst : pfirst);
	if (idx == -1) {
		if (ep->ep_kind == DEP_CONNECTOR)
			for (i = cfirst; i < dep->d_nconnectors && n < 256; i++)
				names[n++] = dep->d_connectors[i].dc_name;
		else
			for (i = pfirst; i < dep->d_npipelines && n < 256; i++)
				names[n++] = dep->d_pipelines[i].dp_name;
		hint = suggest_closest(ep->ep_name, names, (size_t)n);
		troy_error(&ctx->c_diags, &ep->ep_pos, "no %s \"%s\" in flow "
		    "\"%s\"%s%s%s", ep->ep_kind == DEP_CONNECTOR ?
		    "connector" : "pipeline", ep->ep_name, flow,
		    hint ? " (did you mean \"" : "", hint ? hint : "",
		    hint ? "\"?)" : "");
		return -1;
	}
	port = ep->ep_port != NULL ? ep->ep_port : out ? "out" : "in";
	*portp = port;
	if (ep->ep_kind == DEP_CONNECTOR) {
		const struct dep_connector *dc = &dep->d_connectors[idx];
		const struct conntype *ct = conntype_get(dc->dc_ctype);
		const char *const *pv;
		char what[64];

		if (ct == NULL && strcmp(dc->dc_type, "?") == 0)
			return idx;	/* its definition failed */
		if (ct == NULL)
			ct = &unknown_type;
		if (ct == &unknown_type ? conntype_has_port(ct, port, out) :
		    troy_conn_port(dc->dc_ctype, dc->dc_config, port, out))
			return idx;
		if (ct != &unknown_type && troy_conn_port(dc->dc_ctype,
		    dc->dc_config, out ? "out" : "in", out) == 0) {
			if (ct->ct_flags & CTF_MODE_PORTS)
				snprintf(what, sizeof(what), "%s, %s",
				    dc->dc_type, out ? "writing" :
				    "mode read");
			else
				strlcpy(what, dc->dc_type, sizeof(what));
			troy_error(&ctx->c_diags, ep->ep_port ? &ep->ep_portpos
			    : &ep->ep_pos, "connector \"%s\" (%s) has no %s "
			    "ports: it only %s", dc->dc_name, what,
			    out ? "output" : "input", out ? "receives events" :
			    "reads");
			return -1;
		}
		pv = out ? ct->ct_out : ct->ct_in;
		for (n = 0; n < CT_PORTS_MAX && pv[n] != NULL; n++)
			;
		hint = suggest_closest(port, pv, (size_t)n);
		troy_error(&ctx->c_diags, ep->ep_port ? &ep->ep_portpos :
		    &ep->ep_pos, "connector \"%s\" (%s) has no %s port "
		    "\"%s\"%s%s%s", dc->dc_name, dc->dc_type, out ? "output" :
		    "input", port, hint ? " (did you mean \"" : "",
		    hint ? hint : "", hint ? "\"?)" : "");
		return -1;
	}
	{
		const struct dep_pipeline *dp = &dep->d_pipelines[idx];
		const struct troy_stmt *d = ctx->c_pdefs[idx];
		char **pv;
		int np;

		if (d == NULL)
			return idx;
		pv = out ? d->s_into : d->s_from;
		np = out ? d->s_ninto : d->s_nfrom;
		if (np > 64)
			np = 64;
		if (has_port(pv, np, port))
			return idx;
		bad_port(ctx, ep->ep_port ? &ep->ep_portpos : &ep->ep_pos,
		    "pipeline", dp->dp_name, out ? "output" : "input", port,
		    pv, np);
		return -1;
	}
}

/* Instantiate one `deploy flow`. */
static void
deploy_flow(struct troy_ctx *ctx, struct troy_module *m, struct troy_stmt *d)
{
	struct deployment	*dep = ctx->c_dep;
	struct scope		 fs, flsc;
	struct found		 def;
	struct json_object	*fargs;
	struct dep_link		*dl;
	const char		*flow = d->s_name, *fp, *tp;
	int			 i, j, cfirst, pfirst, from, to;

	memset(&fs, 0, sizeof(fs));
	fs.sc_mod = m;
	fs.sc_stmts = &m->m_stmts;
	for (i = 0; i < ctx->c_ndeploys; i++)
		if (strcmp(ctx->c_deploys[i]->s_name, flow) == 0) {
			troy_error(&ctx->c_diags, &d->s_namepos, "duplicate "
			    "flow instance \"%s\" (first deployed at %s:%d)",
			    flow, ctx->c_deploys[i]->s_namepos.p_src->sr_name,
			    ctx->c_deploys[i]->s_namepos.p_line);
			return;
		}
	if (ctx->c_ndeploys < TROY_MAX_DEPLOYS)
		ctx->c_deploys[ctx->c_ndeploys++] = d;
	if (resolve_def(ctx, &fs, &d->s_path, d->s_name, d->s_namepos,
	    TS_DEFFLOW, &def) == -1)
		return;
	if (def.f_stmt->s_bad)
		return;		/* already reported */
	if ((fargs = bind_args(ctx, &def, d, &fs, NULL, 1)) == NULL)
		return;
	flsc.sc_parent = &def.f_scope;
	flsc.sc_mod = def.f_scope.sc_mod;
	flsc.sc_stmts = &def.f_stmt->s_body;
	cfirst = dep->d_nconnectors;
	pfirst = dep->d_npipelines;
	for (i = 0; i < def.f_stmt->s_body.st_n; i++) {
		struct troy_stmt *c = &def.f_stmt->s_body.st_v[i];

		if (c->s_kind != TS_CREATE)
			continue;
		j = find_instance(ctx, c->s_ckind, flow, c->s_name,
		    c->s_ckind == DEP_CONNECTOR ? cfirst : pfirst);
		if (j != -1) {
			troy_error(&ctx->c_diags, &c->s_namepos, "duplicate "
			    "%s instance \"%s\"", c->s_ckind == DEP_CONNECTOR ?
			    "connector" : "pipeline", c->s_name);
			continue;
		}
		if (c->s_ckind == DEP_CONNECTOR)
			create_connector(ctx, flow, &flsc, c, fargs);
		else
			create_pipeline(ctx, flow, &flsc, c, fargs);
	}
	for (i = 0; i < def.f_stmt->s_body.st_n; i++) {
		struct troy_stmt *c = &def.f_stmt->s_body.st_v[i];

		if (c->s_kind != TS_CONNECT)
			continue;
		if (c->s_src.ep_kind == DEP_CONNECTOR &&
		    c->s_dst.ep_kind == DEP_CONNECTOR) {
			troy_error(&ctx->c_diags, &c->s_dst.ep_pos, "cannot "
			    "connect a connector to a connector (put a "
			    "pipeline in between)");
			continue;
		}
		from = endpoint(ctx, flow, cfirst, pfirst, &c->s_src, 1, &fp);
		to = endpoint(ctx, flow, cfirst, pfirst, &c->s_dst, 0, &tp);
		if (from == -1 || to == -1)
			continue;
		if ((dl = grow(dep->d_links, dep->d_nlinks, sizeof(*dl))) ==
		    NULL)
			continue;
		dep->d_links = dl;
		dl = &dep->d_links[dep->d_nlinks++];
		dl->dl_from_kind = c->s_src.ep_kind;
		dl->dl_from = from;
		dl->dl_from_port = port_dup(fp);
		dl->dl_to_kind = c->s_dst.ep_kind;
		dl->dl_to = to;
		dl->dl_to_port = port_dup(tp);
		if (dl->dl_from_kind == DEP_CONNECTOR)
			dep->d_connectors[from].dc_used = 1;
		if (dl->dl_to_kind == DEP_CONNECTOR)
			dep->d_connectors[to].dc_used = 1;
	}
	for (i = cfirst; i < dep->d_nconnectors && i < ctx->c_ncpos; i++)
		if (!dep->d_connectors[i].dc_used &&
		    dep->d_connectors[i].dc_config != NULL)
			troy_warn(&ctx->c_diags, &ctx->c_cpos[i],
			    "connector \"%s\" is in no `connect` and will not "
			    "be started", dep->d_connectors[i].dc_name);
	json_object_put(fargs);
}

/* Load, resolve and validate. */
struct deployment *
troy_load(const struct troy_opts *opts, char **files, int nfiles,
    struct troy_ctx **ctxp)
{
	struct troy_ctx		*ctx;
	struct troy_module	*m;
	struct troy_pos		 pos;
	struct deployment	*dep;
	int			 i, j, ndeploy = 0;

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return NULL;
	*ctxp = ctx;
	ctx->c_opts = opts;
	ctx->c_used_defines = calloc((size_t)opts->to_ndefines + 1,
	    sizeof(int));
	if ((ctx->c_dep = calloc(1, sizeof(*ctx->c_dep))) == NULL ||
	    ctx->c_used_defines == NULL)
		return NULL;
	memset(&pos, 0, sizeof(pos));
	for (i = 0; i < nfiles; i++) {
		m = load_module(ctx, files[i], files[i], 1);
		if (m == NULL) {
			struct troy_src *s = add_src(ctx, files[i], NULL, 0);

			pos.p_src = s;
			pos.p_line = 0;
			pos.p_col = 0;
			troy_error(&ctx->c_diags, &pos, "cannot read file");
			continue;
		}
		for (j = 0; j < m->m_stmts.st_n; j++)
			if (m->m_stmts.st_v[j].s_kind == TS_DEPLOY) {
				ndeploy++;
				deploy_flow(ctx, m, &m->m_stmts.st_v[j]);
			}
	}
	for (i = 0; i < opts->to_ndefines; i++) {
		struct troy_src *s;

		if (ctx->c_used_defines[i])
			continue;
		s = add_src(ctx, "-D", strdup(opts->to_defines[i]),
		    strlen(opts->to_defines[i]));
		pos.p_src = s;
		pos.p_line = 1;
		pos.p_col = 1;
		troy_warn(&ctx->c_diags, &pos, "%s: no deployed flow has this "
		    "argument", opts->to_defines[i]);
	}
	if (ndeploy == 0 && ctx->c_diags.dd_errors == 0 && nfiles > 0) {
		pos.p_src = ctx->c_nsrcs > 0 ? ctx->c_srcs[0] : NULL;
		pos.p_line = 1;
		pos.p_col = 1;
		troy_error(&ctx->c_diags, &pos, "nothing to run: no `deploy "
		    "flow` statement");
	}
	if (ctx->c_diags.dd_errors > 0)
		return NULL;
	dep = ctx->c_dep;
	ctx->c_dep = NULL;
	return dep;
}
