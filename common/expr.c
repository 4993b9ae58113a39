/* SPDX-License-Identifier: ISC */
/*
 * Pipeline expressions: build from the serialised JSON form, evaluate
 * against an event, serialise back.  The troy parser emits the same JSON
 * form (plus "pos" members, ignored here), so the supervisor folds
 * constants with this evaluator too.
 *
 * Serialised form, one JSON object per node:
 *   {"t": "lit", "v": VALUE}
 *   {"t": "rec", "f": [[KEY, E], ...]}
 *   {"t": "arr", "v": [E, ...]}
 *   {"t": "path", "root": "event"|"meta"|"args", "segs": [S, ...]}
 *	S is a string (field) or E (index expression)
 *   {"t": "bin", "op": "==", "l": E, "r": E}
 *   {"t": "un", "op": "not"|"-"|"+", "e": E}
 *   {"t": "present"|"absent", "e": PATH}
 *   {"t": "call", "fn": "std::time::nanos::from_millis", "a": [E, ...]}
 * Pure: no I/O.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "jsonget.h"

#define EXPR_MAX_DEPTH	200

enum ex_op {
	OP_OR, OP_XOR, OP_AND, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_NOT, OP_NEG, OP_PLUS,
};

static const char *const ex_opnames[] = {
	"or", "xor", "and", "==", "!=", "<", "<=", ">", ">=",
	"+", "-", "*", "/", "%", "not", "-", "+",
};

enum ex_root {
	ROOT_EVENT,
	ROOT_META,
	ROOT_ARGS,
};

static const char *const ex_rootnames[] = { "event", "meta", "args" };

/* The pure functions a call may name, all integer -> integer scaling. */
static const struct {
	const char	*fn_name;
	int64_t		 fn_factor;
} ex_funcs[] = {
	{ "std::time::nanos::from_nanos", 1 },
	{ "std::time::nanos::from_micros", 1000 },
	{ "std::time::nanos::from_millis", 1000000 },
	{ "std::time::nanos::from_seconds", 1000000000LL },
	{ "std::time::nanos::from_minutes", 60LL * 1000000000LL },
	{ "std::time::nanos::from_hours", 3600LL * 1000000000LL },
	{ "std::time::nanos::from_days", 86400LL * 1000000000LL },
	{ "std::time::nanos::from_weeks", 7LL * 86400LL * 1000000000LL },
};

struct expr {
	enum expr_kind		 ex_kind;
	int			 ex_op;		/* enum ex_op, root, or func */
	struct json_object	*ex_val;	/* literal */
	struct expr		**ex_kids;
	char			**ex_keys;	/* record keys, path fields */
	size_t			 ex_nkids;
};

static int ex_err(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Format an error message into err. */
static int
ex_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Look up a name in a table of strings. */
static int
ex_lookup(const char *const *tab, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(tab[i], name) == 0)
			return (int)i;
	return -1;
}

/* Look up a function by its full name; returns its index or -1. */
static int
ex_func(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(ex_funcs) / sizeof(ex_funcs[0]); i++)
		if (strcmp(ex_funcs[i].fn_name, name) == 0)
			return (int)i;
	return -1;
}

/* Free an expression tree. */
void
expr_free(struct expr *e)
{
	size_t	i;

	if (e == NULL)
		return;
	for (i = 0; i < e->ex_nkids; i++) {
		expr_free(e->ex_kids[i]);
		if (e->ex_keys != NULL)
			free(e->ex_keys[i]);
	}
	free(e->ex_kids);
	free(e->ex_keys);
	json_object_put(e->ex_val);
	free(e);
}

/* Allocate a node with n children (and keys if wanted). */
static struct expr *
ex_new(enum expr_kind kind, size_t n, int keys)
{
	struct expr	*e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->ex_kind = kind;
	if (n > 0) {
		e->ex_kids = calloc(n, sizeof(*e->ex_kids));
		if (e->ex_kids == NULL)
			goto fail;
		if (keys && (e->ex_keys = calloc(n, sizeof(char *))) == NULL)
			goto fail;
	}
	e->ex_nkids = n;
	return e;
fail:
	free(e->ex_kids);
	free(e);
	return NULL;
}

/* A literal node; takes the reference v. */
struct expr *
expr_new_lit(struct json_object *v)
{
	struct expr	*e;

	if ((e = ex_new(EX_LIT, 0, 0)) == NULL) {
		json_object_put(v);
		return NULL;
	}
	e->ex_val = v;
	return e;
}

/* The operator of a unary (bin = 0) or binary node by name, or -1. */
static int
ex_opnum(const char *s, int bin)
{
	if (bin)
		return ex_lookup(ex_opnames, OP_NOT, s);
	if (strcmp(s, "not") == 0)
		return OP_NOT;
	if (strcmp(s, "-") == 0)
		return OP_NEG;
	if (strcmp(s, "+") == 0)
		return OP_PLUS;
	return -1;
}

/* A node of kind with n children to set; name as expr.h says. */
struct expr *
expr_new(enum expr_kind kind, const char *name, size_t n, char *err,
    size_t errlen)
{
	struct expr	*e;
	int		 idx = 0;

	switch (kind) {
	case EX_PATH:
		if (name == NULL ||
		    (idx = ex_lookup(ex_rootnames, 3, name)) == -1) {
			ex_err(err, errlen, "malformed expression");
			return NULL;
		}
		break;
	case EX_BIN:
	case EX_UN:
		if (name == NULL || n != (kind == EX_BIN ? 2u : 1u)) {
			ex_err(err, errlen, "malformed expression");
			return NULL;
		}
		if ((idx = ex_opnum(name, kind == EX_BIN)) == -1) {
			ex_err(err, errlen, "unknown operator \"%s\"", name);
			return NULL;
		}
		break;
	case EX_CALL:
		if (name == NULL) {
			ex_err(err, errlen, "malformed expression");
			return NULL;
		}
		if ((idx = ex_func(name)) == -1) {
			ex_err(err, errlen, "unknown function %s", name);
			return NULL;
		}
		if (n != 1) {
			ex_err(err, errlen, "%s takes 1 argument, not %zu",
			    name, n);
			return NULL;
		}
		break;
	case EX_PRESENT:
	case EX_ABSENT:
		if (n != 1) {
			ex_err(err, errlen, "malformed expression");
			return NULL;
		}
		break;
	case EX_LIT:
		ex_err(err, errlen, "malformed expression");
		return NULL;
	default:
		break;
	}
	if ((e = ex_new(kind, n, kind == EX_REC || kind == EX_PATH)) ==
	    NULL) {
		ex_err(err, errlen, "out of memory");
		return NULL;
	}
	e->ex_op = idx;
	return e;
}

/* Set child i of e: a record key with kid, a path field, or a kid. */
int
expr_set(struct expr *e, size_t i, const char *key, struct expr *kid)
{
	if (i >= e->ex_nkids || e->ex_kids[i] != NULL ||
	    (e->ex_keys != NULL && e->ex_keys[i] != NULL))
		goto fail;
	switch (e->ex_kind) {
	case EX_REC:
		if (key == NULL || kid == NULL)
			goto fail;
		break;
	case EX_PATH:
		if ((key == NULL) == (kid == NULL))
			goto fail;
		break;
	case EX_PRESENT:
	case EX_ABSENT:
		if (key != NULL || kid == NULL || kid->ex_kind != EX_PATH)
			goto fail;
		break;
	default:
		if (key != NULL || kid == NULL)
			goto fail;
		break;
	}
	if (key != NULL && (e->ex_keys[i] = strdup(key)) == NULL)
		goto fail;
	e->ex_kids[i] = kid;
	return 0;
fail:
	expr_free(kid);
	return -1;
}

static struct expr *ex_build(struct json_object *, int, char *, size_t);

/* The key of a record pair [KEY, E], or NULL. */
static const char *
ex_str2(struct json_object *pair)
{
	struct json_object	*k = json_object_array_get_idx(pair, 0);

	if (!json_object_is_type(k, json_type_string))
		return NULL;
	return json_object_get_string(k);
}

/* Build child i of e (key: a record key or path field) from o. */
static int
ex_build_kid(struct expr *e, size_t i, const char *key,
    struct json_object *o, int depth, char *err, size_t errlen)
{
	struct expr	*kid = NULL;

	if (o == NULL && (key == NULL || e->ex_kind != EX_PATH))
		return ex_err(err, errlen, "malformed expression");
	if (o != NULL && (kid = ex_build(o, depth + 1, err, errlen)) == NULL)
		return -1;
	if (expr_set(e, i, key, kid) == -1)
		return ex_err(err, errlen, "malformed expression");
	return 0;
}

/* The kinds by their serialised names. */
static const char *const ex_kindnames[] = {
	[EX_LIT] = "lit", [EX_REC] = "rec", [EX_ARR] = "arr",
	[EX_PATH] = "path", [EX_BIN] = "bin", [EX_UN] = "un",
	[EX_PRESENT] = "present", [EX_ABSENT] = "absent", [EX_CALL] = "call",
};

/* Build one node of the serialised form (recursive, depth-bounded). */
static struct expr *
ex_build(struct json_object *o, int depth, char *err, size_t errlen)
{
	struct expr		*e = NULL;
	struct json_object	*a = NULL, *v, *item;
	const char		*t, *name = NULL;
	size_t			 i, n = 0;
	int			 kind, rc = 0;

	if (depth > EXPR_MAX_DEPTH) {
		ex_err(err, errlen, "expression nested too deeply");
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object) ||
	    (t = jg_str(o, "t", NULL)) == NULL ||
	    (kind = ex_lookup(ex_kindnames, EX_CALL + 1, t)) == -1) {
		ex_err(err, errlen, "malformed expression");
		return NULL;
	}
	switch (kind) {
	case EX_LIT:
		if (!json_object_object_get_ex(o, "v", &v)) {
			ex_err(err, errlen, "malformed expression");
			return NULL;
		}
		if ((e = expr_new_lit(json_object_get(v))) == NULL)
			ex_err(err, errlen, "out of memory");
		return e;
	case EX_REC:
	case EX_ARR:
	case EX_PATH:
	case EX_CALL:
		if ((kind == EX_PATH &&
		    (name = jg_str(o, "root", NULL)) == NULL) ||
		    (kind == EX_CALL &&
		    (name = jg_str(o, "fn", NULL)) == NULL) ||
		    (a = jg_arr(o, kind == EX_REC ? "f" : kind == EX_ARR ?
		    "v" : kind == EX_PATH ? "segs" : "a")) == NULL) {
			ex_err(err, errlen, "malformed expression");
			return NULL;
		}
		n = json_object_array_length(a);
		break;
	case EX_BIN:
	case EX_UN:
		if ((name = jg_str(o, "op", NULL)) == NULL) {
			ex_err(err, errlen, "malformed expression");
			return NULL;
		}
		n = kind == EX_BIN ? 2 : 1;
		break;
	default:
		n = 1;
		break;
	}
	if ((e = expr_new(kind, name, n, err, errlen)) == NULL)
		return NULL;
	switch (kind) {
	case EX_REC:
		for (i = 0; i < n && rc == 0; i++) {
			item = json_object_array_get_idx(a, i);
			if (!json_object_is_type(item, json_type_array) ||
			    json_object_array_length(item) != 2 ||
			    (name = ex_str2(item)) == NULL)
				rc = ex_err(err, errlen, "malformed expression");
			else
				rc = ex_build_kid(e, i, name,
				    json_object_array_get_idx(item, 1), depth,
				    err, errlen);
		}
		break;
	case EX_PATH:
		for (i = 0; i < n && rc == 0; i++) {
			item = json_object_array_get_idx(a, i);
			if (json_object_is_type(item, json_type_string))
				rc = ex_build_kid(e, i,
				    json_object_get_string(item), NULL, depth,
				    err, errlen);
			else
				rc = ex_build_kid(e, i, NULL, item, depth, err,
				    errlen);
		}
		break;
	case EX_ARR:
	case EX_CALL:
		for (i = 0; i < n && rc == 0; i++)
			rc = ex_build_kid(e, i, NULL,
			    json_object_array_get_idx(a, i), depth, err,
			    errlen);
		break;
	default:
		for (i = 0; i < n && rc == 0; i++) {
			v = NULL;
			json_object_object_get_ex(o, kind != EX_BIN ? "e" :
			    i == 0 ? "l" : "r", &v);
			rc = ex_build_kid(e, i, NULL, v, depth, err, errlen);
		}
		break;
	}
	if (rc == -1) {
		expr_free(e);
		return NULL;
	}
	return e;
}

/* Build an expression from its serialised form. */
struct expr *
expr_from_json(struct json_object *o, char *err, size_t errlen)
{
	return ex_build(o, 0, err, errlen);
}

/* Serialise one node. */
struct json_object *
expr_to_json(const struct expr *e)
{
	struct json_object	*o, *a, *pair;
	size_t			 i;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	switch (e->ex_kind) {
	case EX_LIT:
		json_object_object_add(o, "t", json_object_new_string("lit"));
		json_object_object_add(o, "v", json_object_get(e->ex_val));
		return o;
	case EX_REC:
	case EX_ARR:
		json_object_object_add(o, "t", json_object_new_string(
		    e->ex_kind == EX_REC ? "rec" : "arr"));
		a = json_object_new_array();
		for (i = 0; i < e->ex_nkids; i++) {
			if (e->ex_kind == EX_ARR) {
				json_object_array_add(a,
				    expr_to_json(e->ex_kids[i]));
				continue;
			}
			pair = json_object_new_array();
			json_object_array_add(pair,
			    json_object_new_string(e->ex_keys[i]));
			json_object_array_add(pair,
			    expr_to_json(e->ex_kids[i]));
			json_object_array_add(a, pair);
		}
		json_object_object_add(o, e->ex_kind == EX_REC ? "f" : "v", a);
		return o;
	case EX_PATH:
		json_object_object_add(o, "t", json_object_new_string("path"));
		json_object_object_add(o, "root",
		    json_object_new_string(ex_rootnames[e->ex_op]));
		a = json_object_new_array();
		for (i = 0; i < e->ex_nkids; i++)
			json_object_array_add(a, e->ex_keys[i] != NULL ?
			    json_object_new_string(e->ex_keys[i]) :
			    expr_to_json(e->ex_kids[i]));
		json_object_object_add(o, "segs", a);
		return o;
	case EX_BIN:
		json_object_object_add(o, "t", json_object_new_string("bin"));
		json_object_object_add(o, "op",
		    json_object_new_string(ex_opnames[e->ex_op]));
		json_object_object_add(o, "l", expr_to_json(e->ex_kids[0]));
		json_object_object_add(o, "r", expr_to_json(e->ex_kids[1]));
		return o;
	case EX_UN:
		json_object_object_add(o, "t", json_object_new_string("un"));
		json_object_object_add(o, "op",
		    json_object_new_string(ex_opnames[e->ex_op]));
		json_object_object_add(o, "e", expr_to_json(e->ex_kids[0]));
		return o;
	case EX_PRESENT:
	case EX_ABSENT:
		json_object_object_add(o, "t", json_object_new_string(
		    e->ex_kind == EX_PRESENT ? "present" : "absent"));
		json_object_object_add(o, "e", expr_to_json(e->ex_kids[0]));
		return o;
	case EX_CALL:
		json_object_object_add(o, "t", json_object_new_string("call"));
		json_object_object_add(o, "fn",
		    json_object_new_string(ex_funcs[e->ex_op].fn_name));
		a = json_object_new_array();
		for (i = 0; i < e->ex_nkids; i++)
			json_object_array_add(a, expr_to_json(e->ex_kids[i]));
		json_object_object_add(o, "a", a);
		return o;
	}
	json_object_put(o);
	return NULL;
}

/* A short name of a value's type for error messages. */
static const char *
ex_typename(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "bool";
	case json_type_int:
		return "integer";
	case json_type_double:
		return "float";
	case json_type_string:
		return "string";
	case json_type_array:
		return "array";
	case json_type_object:
		return "record";
	}
	return "value";
}

/* Is v a number (int or float)? */
static int
ex_isnum(struct json_object *v)
{
	return json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double);
}

/* Is v an integer that fits int64? */
static int
ex_isint(struct json_object *v)
{
	if (!json_object_is_type(v, json_type_int))
		return 0;
	/* json-c keeps values above INT64_MAX as uint64 */
	return json_object_get_int64(v) != INT64_MAX ||
	    json_object_get_uint64(v) == (uint64_t)INT64_MAX;
}

/* Deep equality, numbers compared by value. */
int
expr_value_equal(struct json_object *a, struct json_object *b)
{
	struct json_object_iterator	 it, end;
	struct json_object		*bv;
	size_t				 i, n;

	if (ex_isnum(a) && ex_isnum(b)) {
		if (ex_isint(a) && ex_isint(b))
			return json_object_get_int64(a) ==
			    json_object_get_int64(b);
		if (json_object_is_type(a, json_type_int) &&
		    json_object_is_type(b, json_type_int))
			return json_object_get_uint64(a) ==
			    json_object_get_uint64(b);
		return json_object_get_double(a) == json_object_get_double(b);
	}
	if (json_object_get_type(a) != json_object_get_type(b))
		return 0;
	switch (json_object_get_type(a)) {
	case json_type_null:
		return 1;
	case json_type_boolean:
		return json_object_get_boolean(a) == json_object_get_boolean(b);
	case json_type_string:
		return json_object_get_string_len(a) ==
		    json_object_get_string_len(b) &&
		    memcmp(json_object_get_string(a), json_object_get_string(b),
		    json_object_get_string_len(a)) == 0;
	case json_type_array:
		n = json_object_array_length(a);
		if (n != json_object_array_length(b))
			return 0;
		for (i = 0; i < n; i++)
			if (!expr_value_equal(json_object_array_get_idx(a, i),
			    json_object_array_get_idx(b, i)))
				return 0;
		return 1;
	case json_type_object:
		if (json_object_object_length(a) !=
		    json_object_object_length(b))
			return 0;
		it = json_object_iter_begin(a);
		end = json_object_iter_end(a);
		for (; !json_object_iter_equal(&it, &end);
		    json_object_iter_next(&it)) {
			if (!json_object_object_get_ex(b,
			    json_object_iter_peek_name(&it), &bv))
				return 0;
			if (!expr_value_equal(json_object_iter_peek_value(&it),
			    bv))
				return 0;
		}
		return 1;
	default:
		return 0;
	}
}

static int ex_eval(const struct expr *, const struct expr_env *,
    struct json_object **, char *, size_t);

/*
 * Walk a path.  Returns 0 with a new reference in *out, 1 when a segment
 * is missing (for present/absent), -1 on error.
 */
static int
ex_walk(const struct expr *e, const struct expr_env *env,
    struct json_object **out, char *err, size_t errlen)
{
	struct json_object	*cur, *idx = NULL, *next;
	const char		*field;
	size_t			 i;
	int64_t			 n;

	*out = NULL;
	switch (e->ex_op) {
	case ROOT_EVENT:
		cur = env->ee_event;
		break;
	case ROOT_META:
		cur = env->ee_meta;
		if (cur == NULL && e->ex_nkids == 0)
			return 0;
		break;
	default:
		cur = env->ee_args;
		break;
	}
	for (i = 0; i < e->ex_nkids; i++) {
		field = e->ex_keys[i];
		if (field == NULL) {
			if (ex_eval(e->ex_kids[i], env, &idx, err, errlen)
			    == -1)
				return -1;
			if (json_object_is_type(idx, json_type_string))
				field = json_object_get_string(idx);
			else if (!json_object_is_type(idx, json_type_int)) {
				ex_err(err, errlen, "cannot index with a %s",
				    ex_typename(idx));
				json_object_put(idx);
				return -1;
			}
		}
		if (field != NULL) {
			if (!json_object_is_type(cur, json_type_object)) {
				if (cur == NULL && e->ex_op == ROOT_META)
					goto missing;
				ex_err(err, errlen, "cannot get field \"%s\" "
				    "of a %s", field, ex_typename(cur));
				goto fail;
			}
			if (!json_object_object_get_ex(cur, field, &next))
				goto missing;
		} else {
			if (!json_object_is_type(cur, json_type_array)) {
				ex_err(err, errlen, "cannot index a %s with "
				    "an integer", ex_typename(cur));
				goto fail;
			}
			n = json_object_get_int64(idx);
			if (n < 0 || (uint64_t)n >=
			    json_object_array_length(cur))
				goto missing;
			next = json_object_array_get_idx(cur, (size_t)n);
		}
		json_object_put(idx);
		idx = NULL;
		cur = next;
	}
	*out = json_object_get(cur);
	return 0;
missing:
	if (field != NULL)
		ex_err(err, errlen, "%s has no field \"%s\"",
		    ex_rootnames[e->ex_op], field);
	else
		ex_err(err, errlen, "index %" PRId64 " out of range",
		    json_object_get_int64(idx));
	json_object_put(idx);
	return 1;
fail:
	json_object_put(idx);
	return -1;
}

/* Arithmetic on two numbers (or string concatenation for +). */
static int
ex_arith(int op, struct json_object *l, struct json_object *r,
    struct json_object **out, char *err, size_t errlen)
{
	int64_t	a, b, c;
	double	x, y, z;

	if (op == OP_ADD && json_object_is_type(l, json_type_string) &&
	    json_object_is_type(r, json_type_string)) {
		size_t	 la = json_object_get_string_len(l);
		size_t	 lb = json_object_get_string_len(r);
		char	*s;

		if ((s = malloc(la + lb + 1)) == NULL)
			return ex_err(err, errlen, "out of memory");
		memcpy(s, json_object_get_string(l), la);
		memcpy(s + la, json_object_get_string(r), lb);
		s[la + lb] = '\0';
		*out = json_object_new_string_len(s, (int)(la + lb));
		free(s);
		return 0;
	}
	if (!ex_isnum(l) || !ex_isnum(r))
		return ex_err(err, errlen, "cannot apply %s to %s and %s",
		    ex_opnames[op], ex_typename(l), ex_typename(r));
	if (ex_isint(l) && ex_isint(r) && op != OP_DIV) {
		a = json_object_get_int64(l);
		b = json_object_get_int64(r);
		switch (op) {
		case OP_ADD:
			if (__builtin_add_overflow(a, b, &c))
				goto overflow;
			break;
		case OP_SUB:
			if (__builtin_sub_overflow(a, b, &c))
				goto overflow;
			break;
		case OP_MUL:
			if (__builtin_mul_overflow(a, b, &c))
				goto overflow;
			break;
		default:
			if (b == 0)
				return ex_err(err, errlen, "division by zero");
			if (b == -1)
				c = 0;
			else
				c = a % b;
			break;
		}
		*out = json_object_new_int64(c);
		return 0;
	}
	x = json_object_get_double(l);
	y = json_object_get_double(r);
	switch (op) {
	case OP_ADD:
		z = x + y;
		break;
	case OP_SUB:
		z = x - y;
		break;
	case OP_MUL:
		z = x * y;
		break;
	case OP_DIV:
		if (y == 0)
			return ex_err(err, errlen, "division by zero");
		z = x / y;
		break;
	default:
		if (y == 0)
			return ex_err(err, errlen, "division by zero");
		/* x - trunc(x / y) * y without libm */
		if (!(fabs(x / y) < 9.2e18))
			goto overflow;
		z = x - (double)(long long)(x / y) * y;
		break;
	}
	if (!isfinite(z))
		goto overflow;
	*out = json_object_new_double(z);
	return 0;
overflow:
	return ex_err(err, errlen, "arithmetic overflow in %s",
	    ex_opnames[op]);
}

/* Ordering comparison of two numbers or two strings. */
static int
ex_compare(int op, struct json_object *l, struct json_object *r,
    struct json_object **out, char *err, size_t errlen)
{
	int	c;

	if (ex_isnum(l) && ex_isnum(r)) {
		if (ex_isint(l) && ex_isint(r)) {
			int64_t a = json_object_get_int64(l);
			int64_t b = json_object_get_int64(r);
			c = a < b ? -1 : a > b;
		} else {
			double a = json_object_get_double(l);
			double b = json_object_get_double(r);
			c = a < b ? -1 : a > b;
		}
	} else if (json_object_is_type(l, json_type_string) &&
	    json_object_is_type(r, json_type_string))
		c = strcmp(json_object_get_string(l),
		    json_object_get_string(r));
	else
		return ex_err(err, errlen, "cannot compare %s with %s",
		    ex_typename(l), ex_typename(r));
	switch (op) {
	case OP_LT:
		c = c < 0;
		break;
	case OP_LE:
		c = c <= 0;
		break;
	case OP_GT:
		c = c > 0;
		break;
	default:
		c = c >= 0;
		break;
	}
	*out = json_object_new_boolean(c);
	return 0;
}

/* Evaluate a boolean operand of and/or/not/xor. */
static int
ex_bool(const struct expr *e, const struct expr_env *env, int *b, char *err,
    size_t errlen)
{
	struct json_object	*v;

	if (ex_eval(e, env, &v, err, errlen) == -1)
		return -1;
	if (!json_object_is_type(v, json_type_boolean)) {
		ex_err(err, errlen, "expected a bool, got a %s",
		    ex_typename(v));
		json_object_put(v);
		return -1;
	}
	*b = json_object_get_boolean(v);
	json_object_put(v);
	return 0;
}

/* Evaluate a binary operator. */
static int
ex_binary(const struct expr *e, const struct expr_env *env,
    struct json_object **out, char *err, size_t errlen)
{
	struct json_object	*l = NULL, *r = NULL;
	int			 a, b, rc = -1;

	if (e->ex_op == OP_AND || e->ex_op == OP_OR || e->ex_op == OP_XOR) {
		if (ex_bool(e->ex_kids[0], env, &a, err, errlen) == -1)
			return -1;
		if ((e->ex_op == OP_AND && !a) || (e->ex_op == OP_OR && a)) {
			*out = json_object_new_boolean(a);
			return 0;
		}
		if (ex_bool(e->ex_kids[1], env, &b, err, errlen) == -1)
			return -1;
		*out = json_object_new_boolean(e->ex_op == OP_XOR ? a != b : b);
		return 0;
	}
	if (ex_eval(e->ex_kids[0], env, &l, err, errlen) == -1)
		return -1;
	if (ex_eval(e->ex_kids[1], env, &r, err, errlen) == -1)
		goto done;
	switch (e->ex_op) {
	case OP_EQ:
	case OP_NE:
		*out = json_object_new_boolean(expr_value_equal(l, r) ==
		    (e->ex_op == OP_EQ));
		rc = 0;
		break;
	case OP_LT:
	case OP_LE:
	case OP_GT:
	case OP_GE:
		rc = ex_compare(e->ex_op, l, r, out, err, errlen);
		break;
	default:
		rc = ex_arith(e->ex_op, l, r, out, err, errlen);
		break;
	}
done:
	json_object_put(l);
	json_object_put(r);
	return rc;
}

/* Evaluate a node (recursive; depth bounded by construction). */
static int
ex_eval(const struct expr *e, const struct expr_env *env,
    struct json_object **out, char *err, size_t errlen)
{
	struct json_object	*v, *c;
	size_t			 i;
	int			 b, rc;
	int64_t			 n;

	*out = NULL;
	switch (e->ex_kind) {
	case EX_LIT:
		*out = json_object_get(e->ex_val);
		return 0;
	case EX_REC:
	case EX_ARR:
		v = e->ex_kind == EX_REC ? json_object_new_object() :
		    json_object_new_array();
		if (v == NULL)
			return ex_err(err, errlen, "out of memory");
		for (i = 0; i < e->ex_nkids; i++) {
			if (ex_eval(e->ex_kids[i], env, &c, err, errlen)
			    == -1) {
				json_object_put(v);
				return -1;
			}
			if (e->ex_kind == EX_REC)
				json_object_object_add(v, e->ex_keys[i], c);
			else
				json_object_array_add(v, c);
		}
		*out = v;
		return 0;
	case EX_PATH:
		rc = ex_walk(e, env, out, err, errlen);
		return rc == 0 ? 0 : -1;
	case EX_PRESENT:
	case EX_ABSENT:
		rc = ex_walk(e->ex_kids[0], env, &v, err, errlen);
		if (rc == -1)
			return -1;
		json_object_put(v);
		*out = json_object_new_boolean((rc == 0) ==
		    (e->ex_kind == EX_PRESENT));
		return 0;
	case EX_BIN:
		return ex_binary(e, env, out, err, errlen);
	case EX_UN:
		if (e->ex_op == OP_NOT) {
			if (ex_bool(e->ex_kids[0], env, &b, err, errlen) == -1)
				return -1;
			*out = json_object_new_boolean(!b);
			return 0;
		}
		if (ex_eval(e->ex_kids[0], env, &v, err, errlen) == -1)
			return -1;
		if (!ex_isnum(v)) {
			ex_err(err, errlen, "cannot apply unary %s to a %s",
			    ex_opnames[e->ex_op], ex_typename(v));
			json_object_put(v);
			return -1;
		}
		if (e->ex_op == OP_PLUS) {
			*out = v;
			return 0;
		}
		if (ex_isint(v) && json_object_get_int64(v) != INT64_MIN)
			*out = json_object_new_int64(-json_object_get_int64(v));
		else if (json_object_is_type(v, json_type_double))
			*out = json_object_new_double(
			    -json_object_get_double(v));
		else {
			json_object_put(v);
			return ex_err(err, errlen, "arithmetic overflow in -");
		}
		json_object_put(v);
		return 0;
	case EX_CALL:
		if (ex_eval(e->ex_kids[0], env, &v, err, errlen) == -1)
			return -1;
		if (!ex_isint(v)) {
			ex_err(err, errlen, "%s: expected an integer, got a %s",
			    ex_funcs[e->ex_op].fn_name, ex_typename(v));
			json_object_put(v);
			return -1;
		}
		if (__builtin_mul_overflow(json_object_get_int64(v),
		    ex_funcs[e->ex_op].fn_factor, &n)) {
			json_object_put(v);
			return ex_err(err, errlen, "%s: arithmetic overflow",
			    ex_funcs[e->ex_op].fn_name);
		}
		json_object_put(v);
		*out = json_object_new_int64(n);
		return 0;
	}
	return ex_err(err, errlen, "bad expression");
}

/* Evaluate an expression. */
int
expr_eval(const struct expr *e, const struct expr_env *env,
    struct json_object **out, char *err, size_t errlen)
{
	return ex_eval(e, env, out, err, errlen);
}

/* Evaluate a condition. */
int
expr_test(const struct expr *e, const struct expr_env *env, char *err,
    size_t errlen)
{
	int	b;

	if (ex_bool(e, env, &b, err, errlen) == -1)
		return -1;
	return b;
}
