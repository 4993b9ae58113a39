/*
 * Pipeline expressions: the subset of Tremor's query language wsflow
 * evaluates (literals, records, arrays, event / $meta / args paths,
 * indexing, arithmetic, comparison, and/or/not, present/absent, calls to
 * the few pure std functions).  The supervisor compiles troy text to
 * struct expr; workers receive it serialised as JSON (expr_to_json /
 * expr_from_json) and never link the troy parser.  Pure: no I/O.
 */
#ifndef WSFLOW_EXPR_H
#define WSFLOW_EXPR_H

#include <stddef.h>

#include <json-c/json.h>

struct expr;

/* What an expression can see while it is evaluated. */
struct expr_env {
	struct json_object	*ee_event;	/* `event` */
	struct json_object	*ee_meta;	/* `$` (record, may be NULL) */
	struct json_object	*ee_args;	/* `args` (record, may be NULL) */
};

/*
 * Evaluate e.  On success *out is a new reference owned by the caller
 * (NULL stands for JSON null).  Returns 0, or -1 with a runtime error
 * message in err (type mismatch, missing field, division by zero ...).
 */
int	 expr_eval(const struct expr *, const struct expr_env *,
	    struct json_object **, char *, size_t);

/* Evaluate as a condition: 1 true, 0 false, -1 error (non-boolean too). */
int	 expr_test(const struct expr *, const struct expr_env *, char *,
	    size_t);

/* Serialised form, for the supervisor -> worker configuration message. */
struct json_object *expr_to_json(const struct expr *);
struct expr	*expr_from_json(struct json_object *, char *, size_t);

/* Deep equality as Tremor's == (1.0 == 1 is true). */
int	 expr_value_equal(struct json_object *, struct json_object *);

void	 expr_free(struct expr *);

#endif
