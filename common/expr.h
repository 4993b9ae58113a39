/* SPDX-License-Identifier: ISC */
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

/* The kinds of node (the serialised form's "t"). */
enum expr_kind {
	EX_LIT,
	EX_REC,
	EX_ARR,
	EX_PATH,
	EX_BIN,
	EX_UN,
	EX_PRESENT,
	EX_ABSENT,
	EX_CALL,
};

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

/*
 * Building node by node (the troy front end compiles its typed nodes with
 * these, expr_from_json reads the serialised form with them).  expr_new
 * makes a node of kind with n children to set; name is the operator of
 * EX_BIN and EX_UN ("==", "not"), the root of EX_PATH ("event", "meta",
 * "args") and the function of EX_CALL, else NULL.  NULL with a message in
 * err for an unknown name or a call with the wrong number of arguments.
 */
struct expr	*expr_new(enum expr_kind, const char *, size_t, char *, size_t);
/* A literal; takes the reference v (NULL is JSON null). */
struct expr	*expr_new_lit(struct json_object *);
/*
 * Set child i: a record's key and value, a path's field (kid NULL) or
 * index (key NULL), else a kid.  Takes kid, also on failure; 0 or -1.
 */
int		 expr_set(struct expr *, size_t, const char *, struct expr *);

/* Deep equality as Tremor's == (1.0 == 1 is true). */
int	 expr_value_equal(struct json_object *, struct json_object *);

void	 expr_free(struct expr *);

#endif
