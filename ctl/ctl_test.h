/*
 * wsflowctl test: the integration test runner (Tremor's `tremor test
 * integration` layout and semantics, plus a per-test timeout).  The pure
 * parts (YAML to JSON, tag selection, assert evaluation) are exported for
 * the unit tests.
 */
#ifndef WSFLOW_CTL_TEST_H
#define WSFLOW_CTL_TEST_H

#include <stddef.h>

struct json_object;

#define CTLTEST_TIMEOUT		60	/* default per-test timeout, seconds */
#define CTLTEST_MAX_AWAIT	10	/* default before max-await-secs */
#define CTLTEST_KILL_GRACE	5	/* SIGTERM to SIGKILL, seconds */
#define CTLTEST_MAXTAGS		64	/* -i / -e arguments */

struct ctltest_opts {
	int		 co_verbose;
	int		 co_timeout;		/* seconds, main process */
	const char	*co_report;		/* -o file or NULL */
	char		*co_incl[CTLTEST_MAXTAGS];
	size_t		 co_nincl;
	char		*co_excl[CTLTEST_MAXTAGS];
	size_t		 co_nexcl;
	const char	*co_daemon;		/* wsflowd to run as main process */
	const char	*co_tremor_bin;		/* $TREMOR_BIN, or NULL */
	const char	*co_shim;		/* what `cmd: tremor` runs */
	const char	*co_self;		/* this wsflowctl, for the shim */
};

/* Run every test found under dirs; returns the process exit status. */
int	ctltest_run(const struct ctltest_opts *, int, char **);

/*
 * Parse YAML text into a json-c value (*out, NULL for a null document).
 * On error returns -1 and writes "LINE:COL: problem" to err.
 */
int	ctltest_yaml_parse(const char *, size_t, struct json_object **,
	    char *, size_t);
/* The line a value parsed by ctltest_yaml_parse came from; 0 unknown. */
size_t	ctltest_yaml_line(struct json_object *);
/* Type one scalar as a YAML 1.1 plain scalar would be (plain != 0). */
int	ctltest_yaml_scalar(const char *, size_t, int, struct json_object **);
/* Tremor's tag filter: 1 when a test with these tags is to run. */
int	ctltest_tags_selected(struct json_object *, char *const *, size_t,
	    char *const *, size_t);
/* 1 when a meta.yaml includes glob matches a directory (relative path). */
int	ctltest_include_match(const char *, const char *);
/* 1 when the trimmed needle occurs within one line of text. */
int	ctltest_text_contains(const char *, size_t, const char *);
/*
 * Evaluate one assert entry against the source text (and, for
 * equals_file, the expected text; NULL when unreadable).  Appends one
 * message string per failed check to fails and returns how many failed,
 * or -1 (with a message appended) when the entry is malformed.
 */
int	ctltest_assert_check(struct json_object *, const char *,
	    const char *, size_t, const char *, size_t, struct json_object *);
/* The string form of a scalar (string, int, bool, double); NULL if not. */
const char *ctltest_scalar_str(struct json_object *, char *, size_t);

#endif
