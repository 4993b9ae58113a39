/* SPDX-License-Identifier: ISC */
/*
 * Compiled pipelines: the selects of one pipeline instance, built from the
 * JSON form the supervisor sends, run against each event in the worker
 * where it enters.  Pure: no I/O.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr.h"
#include "jsonget.h"
#include "pipeline.h"

#define PIPELINE_MAX_SELECTS	1024

struct pl_select {
	char		*ps_from;
	char		*ps_into;
	struct expr	*ps_target;
	struct expr	*ps_where;	/* NULL: always */
	int		 ps_identity;	/* `select event`, no where */
};

struct pipeline {
	char			*pl_name;
	struct json_object	*pl_args;
	struct pl_select	*pl_selects;
	size_t			 pl_nselects;
};

/* Free a pipeline. */
void
pipeline_free(struct pipeline *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->pl_nselects; i++) {
		free(p->pl_selects[i].ps_from);
		free(p->pl_selects[i].ps_into);
		expr_free(p->pl_selects[i].ps_target);
		expr_free(p->pl_selects[i].ps_where);
	}
	free(p->pl_selects);
	free(p->pl_name);
	json_object_put(p->pl_args);
	free(p);
}

/* The instance name. */
const char *
pipeline_name(const struct pipeline *p)
{
	return p->pl_name;
}

/* 1 if a serialised target is the bare path `event`. */
static int
pl_is_event(struct json_object *t)
{
	struct json_object	*segs;
	const char		*kind, *root;

	if ((kind = jg_str(t, "t", NULL)) == NULL ||
	    strcmp(kind, "path") != 0 ||
	    (root = jg_str(t, "root", NULL)) == NULL ||
	    strcmp(root, "event") != 0 ||
	    (segs = jg_arr(t, "segs")) == NULL)
		return 0;
	return json_object_array_length(segs) == 0;
}

/* Build one select from {"from", "target", "where", "into"}. */
static int
pl_select_build(struct pl_select *s, struct json_object *o, char *err,
    size_t errlen)
{
	struct json_object	*v;
	const char		*from, *into;
	char			 sub[200];

	if (!json_object_is_type(o, json_type_object) ||
	    (from = jg_str(o, "from", NULL)) == NULL ||
	    (into = jg_str(o, "into", NULL)) == NULL ||
	    !json_object_object_get_ex(o, "target", &v)) {
		snprintf(err, errlen, "malformed select");
		return -1;
	}
	if ((s->ps_from = strdup(from)) == NULL ||
	    (s->ps_into = strdup(into)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((s->ps_target = expr_from_json(v, sub, sizeof(sub))) == NULL) {
		snprintf(err, errlen, "select target: %s", sub);
		return -1;
	}
	s->ps_identity = pl_is_event(v);
	if (json_object_object_get_ex(o, "where", &v) && v != NULL &&
	    (s->ps_where = expr_from_json(v, sub, sizeof(sub))) == NULL) {
		snprintf(err, errlen, "select where: %s", sub);
		return -1;
	}
	if (s->ps_where != NULL)
		s->ps_identity = 0;
	return 0;
}

/* Build a pipeline from its serialised form. */
struct pipeline *
pipeline_from_json(struct json_object *o, char *err, size_t errlen)
{
	struct pipeline		*p;
	struct json_object	*sel, *args;
	const char		*name;
	size_t			 i, n;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object) ||
	    (name = jg_str(o, "name", NULL)) == NULL ||
	    !json_object_object_get_ex(o, "selects", &sel) ||
	    !json_object_is_type(sel, json_type_array)) {
		snprintf(err, errlen, "malformed pipeline");
		goto fail;
	}
	if ((p->pl_name = strdup(name)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (json_object_object_get_ex(o, "args", &args) && args != NULL) {
		if (!json_object_is_type(args, json_type_object)) {
			snprintf(err, errlen, "pipeline args must be a record");
			goto fail;
		}
		p->pl_args = json_object_get(args);
	}
	n = json_object_array_length(sel);
	if (n > PIPELINE_MAX_SELECTS) {
		snprintf(err, errlen, "too many selects");
		goto fail;
	}
	if (n > 0 && (p->pl_selects = calloc(n, sizeof(*p->pl_selects)))
	    == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		p->pl_nselects++;
		if (pl_select_build(&p->pl_selects[i],
		    json_object_array_get_idx(sel, i), err, errlen) == -1)
			goto fail;
	}
	return p;
fail:
	pipeline_free(p);
	return NULL;
}

/* The output ports of port's selects when all pass events unchanged. */
int
pipeline_passthrough(const struct pipeline *p, const char *port,
    const char **into, int max)
{
	const struct pl_select	*s;
	size_t			 i;
	int			 n = 0;

	for (i = 0; i < p->pl_nselects; i++) {
		s = &p->pl_selects[i];
		if (strcasecmp(s->ps_from, port) != 0)
			continue;
		if (!s->ps_identity || n >= max)
			return -1;
		into[n++] = s->ps_into;
	}
	return n;
}

/* Run every select reading from port on one event. */
int
pipeline_run(const struct pipeline *p, const char *port,
    struct json_object *event, struct json_object *meta,
    pipeline_emit_fn emit, pipeline_error_fn error, void *arg)
{
	struct expr_env		 env;
	struct json_object	*out;
	const struct pl_select	*s;
	char			 err[256], msg[400];
	size_t			 i;
	int			 t, rc;

	env.ee_event = event;
	env.ee_meta = meta;
	env.ee_args = p->pl_args;
	for (i = 0; i < p->pl_nselects; i++) {
		s = &p->pl_selects[i];
		if (strcasecmp(s->ps_from, port) != 0)
			continue;
		if (s->ps_where != NULL) {
			t = expr_test(s->ps_where, &env, err, sizeof(err));
			if (t == -1) {
				snprintf(msg, sizeof(msg), "pipeline %s: "
				    "where: %s", p->pl_name, err);
				if (error != NULL)
					error(arg, msg);
				continue;
			}
			if (t == 0)
				continue;
		}
		if (expr_eval(s->ps_target, &env, &out, err, sizeof(err))
		    == -1) {
			snprintf(msg, sizeof(msg), "pipeline %s: select: %s",
			    p->pl_name, err);
			if (error != NULL)
				error(arg, msg);
			continue;
		}
		rc = emit(arg, s->ps_into, out, meta);
		json_object_put(out);
		if (rc == -1)
			return -1;
	}
	return 0;
}
