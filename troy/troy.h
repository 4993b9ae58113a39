/* SPDX-License-Identifier: ISC */
/*
 * The troy front end: lexer, parser (to an AST of typed statements and
 * expression nodes with positions), module resolver, constant folding and
 * validation.  A library with no file I/O: module files are read through
 * the one troy_read_fn given by the caller.  JSON appears only in what it
 * hands on: compiled pipelines (the form workers receive) and effective
 * connector configurations.
 */
#ifndef WSFLOW_TROY_H
#define WSFLOW_TROY_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "conntype.h"
#include "deploy.h"
#include "expr.h"
#include "suggest.h"

#define TROY_MAX_DIAGS		100	/* stop collecting after this many */
#define TROY_MAX_DEPTH		100	/* expression / body nesting */
#define TROY_MAX_FILE		(4 * 1024 * 1024)
#define TROY_MAX_MODULES	64

/* One source file, kept for quoting lines in diagnostics. */
struct troy_src {
	char	*sr_name;
	char	*sr_text;
	size_t	 sr_len;
};

struct troy_pos {
	const struct troy_src	*p_src;
	int			 p_line;
	int			 p_col;
};

struct troy_diag {
	struct troy_pos	 dg_pos;
	char		*dg_msg;
	int		 dg_warning;
};

struct troy_diags {
	struct troy_diag	*dd_v;
	int			 dd_n;
	int			 dd_errors;
};

void	troy_error(struct troy_diags *, const struct troy_pos *,
	    const char *, ...) __attribute__((format(printf, 3, 4)));
void	troy_warn(struct troy_diags *, const struct troy_pos *,
	    const char *, ...) __attribute__((format(printf, 3, 4)));
void	troy_diags_free(struct troy_diags *);
/* Print "file:line:col: message", the line and a caret, for each. */
void	troy_diags_print(const struct troy_diags *, FILE *);

/* The largest `#!config metrics_interval_s` of a pipeline (a year). */
#define TROY_METRICS_MAX_S	31536000

/* Lexer. */
enum troy_tt {
	TT_EOF,
	TT_IDENT,
	TT_STRING,
	TT_INT,
	TT_FLOAT,
	TT_PUNCT,
	TT_ERROR,	/* tk_text is the message */
	TT_DIRECTIVE,	/* `#!config` (Tremor's config directive) */
};

struct troy_token {
	enum troy_tt	 tk_type;
	int		 tk_line;
	int		 tk_col;
	char		*tk_text;	/* ident, decoded string, punct, msg */
	size_t		 tk_len;
	int64_t		 tk_int;
	double		 tk_float;
	int		 tk_quoted;	/* `escaped` identifier */
};

struct troy_tokens {
	struct troy_token	*tl_v;
	size_t			 tl_n;
};

int	troy_lex(const char *, size_t, struct troy_tokens *);
void	troy_tokens_free(struct troy_tokens *);
int	troy_is_keyword(const char *);

/*
 * Expressions: typed nodes of the kinds the evaluator knows (enum
 * expr_kind), with positions; resolve compiles them to struct expr.
 */
enum troy_root {
	TR_EVENT,
	TR_META,
	TR_ARGS,
};

struct troy_expr;

/* A record field, array element, path segment or call argument. */
struct troy_field {
	char			*tf_key;	/* record key, path field;
						   NULL: tf_expr */
	struct troy_pos		 tf_pos;	/* of the record key */
	struct troy_expr	*tf_expr;	/* value, element, index, arg */
};

struct troy_expr {
	enum expr_kind		 te_kind;
	struct troy_pos		 te_pos;
	union {
		/* EX_LIT: the value (json-c: the evaluator's values) */
		struct json_object	*te_lit;
		/* EX_REC, EX_ARR, EX_PATH, EX_CALL */
		struct {
			struct troy_field	*tl_v;
			int			 tl_n;
			enum troy_root		 tl_root;	/* EX_PATH */
			char			*tl_fn;		/* EX_CALL */
		} te_list;
		/* EX_BIN, EX_UN, EX_PRESENT, EX_ABSENT */
		struct {
			const char		*to_op;	/* static; NULL for
							   present, absent */
			struct troy_expr	*to_l;
			struct troy_expr	*to_r;	/* EX_BIN */
		} te_op;
	};
};

/* A node of kind at pos (troy_expr.c); NULL when out of memory. */
struct troy_expr *troy_expr_new(enum expr_kind, const struct troy_pos *);
/* Append a field to a list node (takes kid, also on failure); 0 or -1. */
int	troy_expr_add(struct troy_expr *, const char *, const struct troy_pos *,
	    struct troy_expr *);
void	troy_expr_free(struct troy_expr *);
/* An expression node's position (fallback when e is NULL). */
struct troy_pos	troy_expr_pos(const struct troy_expr *,
	    const struct troy_pos *);
/* The name of a path root, as the evaluator spells it. */
const char	*troy_root_name(enum troy_root);

/* AST. */
enum troy_sk {
	TS_USE,
	TS_DEFCONN,
	TS_DEFPIPE,
	TS_DEFFLOW,
	TS_CREATE,
	TS_CONNECT,
	TS_DEPLOY,
	TS_SELECT,
};

struct troy_path {
	char		**pa_segs;
	int		  pa_n;
	struct troy_pos	  pa_pos;
};

struct troy_arg {
	char			*a_name;
	struct troy_pos		 a_pos;
	struct troy_expr	*a_default;	/* NULL: mandatory */
};

struct troy_with {
	char			*w_key;
	struct troy_pos		 w_pos;
	struct troy_expr	*w_expr;
};

struct troy_endpoint {
	enum dep_kind	 ep_kind;
	char		*ep_name;
	char		*ep_port;	/* NULL: default */
	struct troy_pos	 ep_pos;
	struct troy_pos	 ep_portpos;
};

struct troy_module;
struct troy_stmt;

struct troy_stmts {
	struct troy_stmt	*st_v;
	int			 st_n;
	int			 st_cap;
};

struct troy_stmt {
	enum troy_sk		 s_kind;
	struct troy_pos		 s_pos;
	char			*s_name;	/* def name, alias */
	struct troy_pos		 s_namepos;
	struct troy_path	 s_path;	/* use target, from */
	char			*s_type;	/* connector type */
	struct troy_pos		 s_typepos;
	enum dep_kind		 s_ckind;	/* create connector|pipeline */
	struct troy_arg		*s_args;
	int			 s_nargs;
	struct troy_with	*s_with;
	int			 s_nwith;
	char			**s_from;	/* pipeline ports */
	int			 s_nfrom;
	char			**s_into;
	int			 s_ninto;
	struct troy_stmts	 s_body;	/* flow, pipeline */
	struct troy_endpoint	 s_src;		/* connect */
	struct troy_endpoint	 s_dst;
	struct troy_expr	*s_target;	/* select */
	struct troy_expr	*s_where;
	char			*s_selfrom;
	struct troy_pos		 s_selfrompos;
	char			*s_selinto;
	struct troy_pos		 s_selintopos;
	struct troy_module	*s_module;	/* resolved use */
	struct json_object	*s_compiled;	/* pipeline selects, as
						   workers receive them */
	int64_t			 s_metrics_s;	/* #!config metrics_interval_s */
	int			 s_bad;		/* definition has errors */
};

void	troy_stmts_free(struct troy_stmts *);

/* Parse a whole file; errors go to diags.  Returns 0 or -1. */
int	troy_parse(const struct troy_src *, struct troy_stmts *,
	    struct troy_diags *);
/* Parse a single expression (for -D values); NULL if it is not one. */
struct troy_expr *troy_parse_expr(const struct troy_src *);

/* Reads a whole file; returns 0, or -1 when it cannot be read. */
typedef int (*troy_read_fn)(void *, const char *, char **, size_t *);

struct troy_opts {
	troy_read_fn	  to_read;
	void		 *to_arg;
	char		**to_own;	/* wsflow's own library dirs */
	int		  to_nown;
	char		**to_path;	/* WSFLOW_PATH then TREMOR_PATH */
	int		  to_npath;
	char		**to_defines;
	int		  to_ndefines;
};

struct troy_ctx;

/*
 * Load, resolve and validate files.  Returns the deployment or NULL; the
 * diagnostics (and the sources they quote) stay in *ctxp until
 * troy_ctx_free.
 */
struct deployment *troy_load(const struct troy_opts *, char **, int,
	    struct troy_ctx **);
const struct troy_diags *troy_ctx_diags(const struct troy_ctx *);
void	troy_ctx_free(struct troy_ctx *);

/* Connector validation (troy_conn.c), by the table in conntype.h. */
/* The type named name if troy files may use it, else CT_NONE. */
enum conn_type troy_conn_type(const char *);
/*
 * Validate the folded with-record of a connector of a known type; src is
 * the record of source expressions by key (for positions), pos the
 * fallback position.  Returns the effective configuration or NULL.
 */
struct json_object *troy_conn_config(enum conn_type, struct json_object *,
	    const struct troy_expr *, const struct troy_pos *,
	    struct troy_diags *);
/* Does it read (not write), given its effective configuration? */
int	troy_conn_reads(enum conn_type, struct json_object *);
/* Is port valid for this connector as an output (out=1) or input? */
int	troy_conn_port(enum conn_type, struct json_object *, const char *,
	    int);

#endif
