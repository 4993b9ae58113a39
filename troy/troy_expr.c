/* SPDX-License-Identifier: ISC */
/*
 * Typed expression nodes of the troy front end: what the parser builds
 * and resolve, fold and validate read, positions included.  Resolve
 * compiles them to struct expr (common/expr.c) for evaluation.  Pure.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "troy.h"

static const char *const troy_roots[] = {
	[TR_EVENT] = "event", [TR_META] = "meta", [TR_ARGS] = "args",
};

/* A node of kind at pos, children to come. */
struct troy_expr *
troy_expr_new(enum expr_kind kind, const struct troy_pos *pos)
{
	struct troy_expr	*e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->te_kind = kind;
	e->te_pos = *pos;
	return e;
}

/* Append a field (key may be NULL) to a list node; takes kid. */
int
troy_expr_add(struct troy_expr *e, const char *key,
    const struct troy_pos *kpos, struct troy_expr *kid)
{
	struct troy_field	*v, *f;

	v = reallocarray(e->te_list.tl_v, (size_t)e->te_list.tl_n + 1,
	    sizeof(*v));
	if (v == NULL)
		goto fail;
	e->te_list.tl_v = v;
	f = &v[e->te_list.tl_n];
	memset(f, 0, sizeof(*f));
	if (key != NULL && (f->tf_key = strdup(key)) == NULL)
		goto fail;
	if (kpos != NULL)
		f->tf_pos = *kpos;
	f->tf_expr = kid;
	e->te_list.tl_n++;
	return 0;
fail:
	troy_expr_free(kid);
	return -1;
}

/* Free a node and its children. */
void
troy_expr_free(struct troy_expr *e)
{
	int	i;

	if (e == NULL)
		return;
	switch (e->te_kind) {
	case EX_LIT:
		json_object_put(e->te_lit);
		break;
	case EX_REC:
	case EX_ARR:
	case EX_PATH:
	case EX_CALL:
		for (i = 0; i < e->te_list.tl_n; i++) {
			free(e->te_list.tl_v[i].tf_key);
			troy_expr_free(e->te_list.tl_v[i].tf_expr);
		}
		free(e->te_list.tl_v);
		free(e->te_list.tl_fn);
		break;
	default:
		troy_expr_free(e->te_op.to_l);
		troy_expr_free(e->te_op.to_r);
		break;
	}
	free(e);
}

/* The position of an expression node, or fallback. */
struct troy_pos
troy_expr_pos(const struct troy_expr *e, const struct troy_pos *fallback)
{
	return e != NULL ? e->te_pos : *fallback;
}

/* The name of a path root. */
const char *
troy_root_name(enum troy_root r)
{
	return troy_roots[r];
}
