/* SPDX-License-Identifier: ISC */
/*
 * wsflowctl test: runs integration test directories laid out the way
 * Tremor's `tremor test integration` expects them (meta.yaml, tags.yaml,
 * before.yaml, *.troy, after.yaml, assert.yaml) and judges them the same
 * way, with three deliberate improvements: a per-test timeout on the main
 * process, a default max-await-secs, and file-exists conditions that wait.
 * Background processes a test started are killed when the test ends.
 *
 * This file finds the tests, runs each one in order (before.yaml, the
 * main process, after.yaml, assert.yaml) and reports.  YAML reading
 * (ctl_yaml.c), test selection (ctl_select.c) and the judgement of the
 * outputs (ctl_assert.c) are pure and unit-tested; processes, waiting and
 * files are in ctl_proc.c.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json.h>

#include "ctl_assert.h"
#include "ctl_proc.h"
#include "ctl_select.h"
#include "ctl_test.h"
#include "ctl_yaml.h"

#define MAXTESTS	4096
#define MAXARGS		256
#define WALK_MAXDEPTH	16
#define TAIL_LINES	10
#define MSG_MAX		(PATH_MAX + 1024)	/* messages that name a path */

/*
 * Load a YAML file.  Returns 1 when loaded, 0 when the file does not
 * exist, -1 with "FILE:LINE:COL: problem" in err otherwise.
 */
static int
yaml_load(const char *path, struct json_object **out, char *err,
    size_t errlen)
{
	char	*text, perr[256];
	size_t	 len;

	*out = NULL;
	if (ctp_file_read(path, &text, &len) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (cty_parse(text, len, out, perr, sizeof(perr)) == -1) {
		snprintf(err, errlen, "%s:%s", path, perr);
		free(text);
		return -1;
	}
	free(text);
	return 1;
}

/* ---- one test ------------------------------------------------------- */

struct ttest {
	char			*tt_dir;	/* absolute test directory */
	char			*tt_base;	/* absolute base directory */
	char			*tt_name;
	struct json_object	*tt_tags;
	char			 tt_err[MSG_MAX];	/* discovery error: fails */
};

struct trun {
	const struct ctr_opts *tr_opts;
	struct ttest		*tr_test;
	struct json_object	*tr_env;	/* extra env for children */
	struct ctp_proc		 tr_before[CTP_MAXPROCS / 2];
	int			 tr_nbefore;
	struct json_object	*tr_fails;	/* array of strings */
	char			 tr_reason[MSG_MAX];
	char			 tr_errlog[PATH_MAX];	/* log to show with -v */
};

/* Build argv for a before/after entry (cmd + args). */
static int
entry_argv(struct trun *tr, struct json_object *e, const char **argv,
    char (*bufs)[64], char *err, size_t errlen)
{
	const struct ctr_opts *o = tr->tr_opts;
	struct json_object	*cmd, *args = NULL, *a;
	size_t			 i, n, k = 0;

	if (!json_object_object_get_ex(e, "cmd", &cmd) ||
	    !json_object_is_type(cmd, json_type_string)) {
		snprintf(err, errlen, "cmd missing or not a string");
		return -1;
	}
	if (strcmp(json_object_get_string(cmd), "tremor") == 0) {
		if (o->co_tremor_bin != NULL)
			argv[k++] = o->co_tremor_bin;
		else {
			argv[k++] = "/bin/sh";
			argv[k++] = o->co_shim;
		}
	} else
		argv[k++] = json_object_get_string(cmd);
	if (json_object_object_get_ex(e, "args", &args) && args != NULL) {
		if (!json_object_is_type(args, json_type_array)) {
			snprintf(err, errlen, "args must be a list");
			return -1;
		}
		n = json_object_array_length(args);
		if (n + k + 1 > MAXARGS) {
			snprintf(err, errlen, "too many args");
			return -1;
		}
		for (i = 0; i < n; i++) {
			a = json_object_array_get_idx(args, i);
			if ((argv[k++] = cty_str(a, bufs[i],
			    sizeof(bufs[i]))) == NULL) {
				snprintf(err, errlen, "args must be strings");
				return -1;
			}
		}
	}
	argv[k] = NULL;
	return 0;
}

/* Validate and start one before/after entry with the given logs. */
static int
entry_spawn(struct trun *tr, struct json_object *e, struct ctp_proc *tp,
    const char *outname, const char *errname, char *cwd, size_t cwdlen,
    char *err, size_t errlen)
{
	const char		*argv[MAXARGS];
	static char		 bufs[MAXARGS][64];
	char			 outlog[PATH_MAX], errlog[PATH_MAX];
	struct json_object	*dir, *env = NULL;
	const char		*d = ".";

	if (!json_object_is_type(e, json_type_object)) {
		snprintf(err, errlen, "entry is not a mapping");
		return -1;
	}
	if (json_object_object_get_ex(e, "dir", &dir) && dir != NULL) {
		if (!json_object_is_type(dir, json_type_string)) {
			snprintf(err, errlen, "dir must be a string");
			return -1;
		}
		d = json_object_get_string(dir);
	}
	if (json_object_object_get_ex(e, "env", &env) && env != NULL &&
	    !json_object_is_type(env, json_type_object)) {
		snprintf(err, errlen, "env must be a mapping");
		return -1;
	}
	if (entry_argv(tr, e, argv, bufs, err, errlen) == -1)
		return -1;
	if (ctp_path_join(cwd, cwdlen, tr->tr_test->tt_dir, d) == -1 ||
	    ctp_path_join(outlog, sizeof(outlog), tr->tr_test->tt_dir,
	    outname) == -1 ||
	    ctp_path_join(errlog, sizeof(errlog), tr->tr_test->tt_dir,
	    errname) == -1) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	return ctp_spawn(tp, cwd, (char *const *)argv, tr->tr_env, env,
	    outlog, errlog, NULL, err, errlen);
}

/* Run before.yaml: each entry started and awaited in turn. */
static int
run_before(struct trun *tr, struct json_object *before)
{
	struct json_object	*e;
	char			 cwd[PATH_MAX], err[512], out[64], errn[64];
	size_t			 i, n;

	if (before == NULL)
		return 0;
	if (!json_object_is_type(before, json_type_array)) {
		snprintf(tr->tr_reason, sizeof(tr->tr_reason),
		    "before.yaml: must be a list of processes");
		return -1;
	}
	n = json_object_array_length(before);
	if (n > CTP_MAXPROCS / 2) {
		snprintf(tr->tr_reason, sizeof(tr->tr_reason),
		    "before.yaml: too many processes");
		return -1;
	}
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(before, i);
		snprintf(out, sizeof(out), "before.out.%zu.log", i);
		snprintf(errn, sizeof(errn), "before.err.%zu.log", i);
		/* shown with -v if this entry fails */
		(void)ctp_path_join(tr->tr_errlog, sizeof(tr->tr_errlog),
		    tr->tr_test->tt_dir, errn);
		if (entry_spawn(tr, e, &tr->tr_before[i], out, errn, cwd,
		    sizeof(cwd), err, sizeof(err)) == -1) {
			snprintf(tr->tr_reason, sizeof(tr->tr_reason),
			    "before.yaml:%zu: process %zu: %s",
			    cty_line(e), i, err);
			return -1;
		}
		tr->tr_nbefore = (int)i + 1;
		if (ctp_await(e, &tr->tr_before[i], cwd, err,
		    sizeof(err)) == -1) {
			snprintf(tr->tr_reason, sizeof(tr->tr_reason),
			    "before.yaml:%zu: process %zu (%s): %s",
			    cty_line(e), i,
			    json_object_get_string(json_object_object_get(e,
			    "cmd")), err);
			return -1;
		}
	}
	return 0;
}

/* Run after.yaml's one process and wait for it (bounded). */
static void
run_after(struct trun *tr, struct json_object *after)
{
	struct ctp_proc	 tp;
	char		 cwd[PATH_MAX], err[512], st[64];
	double		 deadline;

	if (after == NULL)
		return;
	if (entry_spawn(tr, after, &tp, "after.out.log", "after.err.log", cwd,
	    sizeof(cwd), err, sizeof(err)) == -1) {
		cta_fail(tr->tr_fails, "after.yaml:%zu: %s",
		    cty_line(after), err);
		return;
	}
	deadline = ctp_now() + tr->tr_opts->co_timeout;
	while (!tp.tp_done && ctp_now() < deadline && !ctp_interrupted()) {
		ctp_poll(&tp);
		if (!tp.tp_done)
			ctp_msleep(10);
	}
	if (!tp.tp_done)
		cta_fail(tr->tr_fails, "after.yaml: process timed out after "
		    "%ds", tr->tr_opts->co_timeout);
	else if (tr->tr_opts->co_verbose && tp.tp_status != 0)
		printf("    note: after.yaml process: %s\n",
		    cta_status_str(tp.tp_status, st, sizeof(st)));
	ctp_stop(&tp, CTP_KILL_GRACE);
}

/* Compare names for qsort. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect the *.troy files (depth 1, any case) sorted by name. */
static int
troy_files(const char *dir, char **files, size_t max, size_t *nout)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[PATH_MAX];
	size_t		 n = 0, len;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 5 || strcasecmp(de->d_name + len - 5, ".troy") != 0)
			continue;
		if (ctp_path_join(path, sizeof(path), dir, de->d_name) == -1 ||
		    !ctp_path_exists(path, 0))
			continue;
		if (n == max || (files[n] = strdup(path)) == NULL)
			break;
		n++;
	}
	closedir(d);
	qsort(files, n, sizeof(*files), cmp_str);
	*nout = n;
	return 0;
}

/* Write stdin data that fits into the non-blocking pipe. */
static void
feed_stdin(int fd, const char *data, size_t len, size_t *off)
{
	ssize_t	 n;

	while (fd != -1 && *off < len) {
		n = write(fd, data + *off, len - *off);
		if (n <= 0)
			return;
		*off += (size_t)n;
	}
}

/*
 * Run the main process: the daemon (or $TREMOR_BIN server run) on the
 * test's troy files, stdin a pipe we keep open, bounded by the timeout.
 * Returns 0 with *status set, or -1 with the reason filled in.
 */
static int
run_main(struct trun *tr, int *status)
{
	const struct ctr_opts *o = tr->tr_opts;
	struct ttest	*t = tr->tr_test;
	struct ctp_proc	 tp;
	char		*files[MAXARGS], outlog[PATH_MAX], errlog[PATH_MAX];
	char		 err[512], stdinpath[PATH_MAX], *stdindata = NULL;
	char		 sockdir[] = "/tmp/wsflowctl-test.XXXXXX", sock[64];
	const char	*argv[MAXARGS + 8];
	size_t		 nfiles = 0, i, k = 0, stdinlen = 0, stdinoff = 0;
	int		 wfd = -1, rc = -1, timedout = 0, havesock = 0;
	double		 deadline;

	if (troy_files(t->tt_dir, files, MAXARGS, &nfiles) == -1) {
		snprintf(tr->tr_reason, sizeof(tr->tr_reason), "%s: %s",
		    t->tt_dir, strerror(errno));
		return -1;
	}
	if (nfiles == 0) {
		snprintf(tr->tr_reason, sizeof(tr->tr_reason),
		    "no *.troy files in %s", t->tt_dir);
		return -1;
	}
	if (o->co_tremor_bin != NULL) {
		argv[k++] = o->co_tremor_bin;
		argv[k++] = "server";
		argv[k++] = "run";
		argv[k++] = "-n";
		argv[k++] = "--debug-connectors";
	} else {
		/* A control socket of its own: never the default one, which
		 * another daemon of the machine may hold. */
		if (mkdtemp(sockdir) == NULL) {
			snprintf(tr->tr_reason, sizeof(tr->tr_reason),
			    "mkdtemp: %s", strerror(errno));
			goto out;
		}
		havesock = 1;
		(void)snprintf(sock, sizeof(sock), "%s/ctl.sock", sockdir);
		argv[k++] = o->co_daemon;
		argv[k++] = "-d";
		argv[k++] = "-s";
		argv[k++] = sock;
	}
	for (i = 0; i < nfiles; i++)
		argv[k++] = files[i];
	argv[k] = NULL;
	(void)ctp_path_join(outlog, sizeof(outlog), t->tt_dir, "fg.out.log");
	(void)ctp_path_join(errlog, sizeof(errlog), t->tt_dir, "fg.err.log");
	if (ctp_path_join(stdinpath, sizeof(stdinpath), t->tt_dir,
	    "stdin") == 0 && ctp_path_exists(stdinpath, 0) &&
	    ctp_file_read(stdinpath, &stdindata, &stdinlen) == -1) {
		snprintf(tr->tr_reason, sizeof(tr->tr_reason), "%s: %s",
		    stdinpath, strerror(errno));
		goto out;
	}
	if (ctp_spawn(&tp, t->tt_dir, (char *const *)argv, tr->tr_env, NULL,
	    outlog, errlog, &wfd, err, sizeof(err)) == -1) {
		snprintf(tr->tr_reason, sizeof(tr->tr_reason), "%s", err);
		goto out;
	}
	deadline = tp.tp_start + o->co_timeout;
	for (;;) {
		ctp_poll(&tp);
		if (tp.tp_done)
			break;
		feed_stdin(wfd, stdindata, stdinlen, &stdinoff);
		if (ctp_interrupted()) {
			snprintf(tr->tr_reason, sizeof(tr->tr_reason),
			    "interrupted");
			timedout = 1;
			break;
		}
		if (ctp_now() >= deadline) {
			snprintf(tr->tr_reason, sizeof(tr->tr_reason),
			    "timed out after %ds; sent SIGTERM (SIGKILL after "
			    "%ds)", o->co_timeout, CTP_KILL_GRACE);
			timedout = 1;
			break;
		}
		ctp_msleep(10);
	}
	ctp_stop(&tp, CTP_KILL_GRACE);
	*status = tp.tp_status;
	rc = timedout ? -1 : 0;
out:
	if (wfd != -1)
		close(wfd);
	if (havesock) {
		(void)unlink(sock);
		(void)rmdir(sockdir);
	}
	free(stdindata);
	for (i = 0; i < nfiles; i++)
		free(files[i]);
	return rc;
}

/* Evaluate assert.yaml (or plain success without one). */
static void
run_asserts(struct trun *tr, struct json_object *as, int status)
{
	struct ttest		*t = tr->tr_test;
	struct json_object	*list, *a;
	char			 path[PATH_MAX], epath[PATH_MAX];
	const char		*s, *name, *ef;
	char			*text = NULL, *expect = NULL;
	size_t			 len, elen, i, n;

	if (cta_status(as, status, &list, tr->tr_fails) == -1 ||
	    list == NULL)
		return;
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		a = json_object_array_get_idx(list, i);
		if ((name = cta_source(a, i, tr->tr_fails)) == NULL)
			continue;
		s = name;
		if (strcasecmp(s, "stdout") == 0)
			s = "fg.out.log";
		else if (strcasecmp(s, "stderr") == 0)
			s = "fg.err.log";
		if (ctp_path_join(path, sizeof(path), t->tt_dir, s) == -1 ||
		    ctp_file_read(path, &text, &len) == -1) {
			cta_fail(tr->tr_fails, "%s: %s", name, strerror(errno));
			continue;
		}
		if ((ef = cta_expect_file(a)) != NULL &&
		    (ctp_path_join(epath, sizeof(epath), t->tt_dir, ef) == -1 ||
		    ctp_file_read(epath, &expect, &elen) == -1))
			expect = NULL;
		(void)cta_entry(a, i, name, text, len, expect,
		    expect != NULL ? elen : 0, tr->tr_fails);
		free(text);
		free(expect);
		text = expect = NULL;
	}
}

/* Build the children's environment additions for this test. */
static struct json_object *
test_env(const struct ctr_opts *o, const struct ttest *t)
{
	struct json_object	*env;
	const char		*names[] = { "TREMOR_PATH", "WSFLOW_PATH" };
	const char		*old, *rl;
	char			 val[PATH_MAX * 4];
	size_t			 i;

	if ((env = json_object_new_object()) == NULL)
		return NULL;
	for (i = 0; i < 2; i++) {
		old = getenv(names[i]);
		if (old != NULL && *old != '\0')
			snprintf(val, sizeof(val), "%s:%s/lib:%s/lib", old,
			    t->tt_base, t->tt_dir);
		else
			snprintf(val, sizeof(val), "%s/lib:%s/lib", t->tt_base,
			    t->tt_dir);
		json_object_object_add(env, names[i],
		    json_object_new_string(val));
	}
	rl = getenv("RUST_LOG");
	json_object_object_add(env, "RUST_LOG",
	    json_object_new_string(rl != NULL ? rl : "info"));
	if (o->co_daemon != NULL)
		json_object_object_add(env, "WSFLOWD",
		    json_object_new_string(o->co_daemon));
	if (o->co_self != NULL)
		json_object_object_add(env, "WSFLOWCTL",
		    json_object_new_string(o->co_self));
	return env;
}

/* Print the last lines of a log file, indented. */
static void
print_tail(const char *path, const char *label)
{
	char		*text;
	size_t		 len, i, start;
	int		 lines = 0;

	if (ctp_file_read(path, &text, &len) == -1)
		return;
	if (len == 0) {
		free(text);
		return;
	}
	i = len > 0 && text[len - 1] == '\n' ? len - 1 : len;
	while (i > 0) {
		if (text[i - 1] == '\n' && ++lines == TAIL_LINES)
			break;
		i--;
	}
	start = i;
	printf("    --- %s (last lines) ---\n", label);
	while (start < len) {
		char	*nl = memchr(text + start, '\n', len - start);
		size_t	 l = nl != NULL ? (size_t)(nl - text - start) :
		    len - start;

		printf("    | %.*s\n", (int)l, text + start);
		start += l + 1;
	}
	free(text);
}

/*
 * Run one test; returns 0 pass, 1 fail.  The reason and failed checks
 * go to the report object.
 */
static int
run_test(const struct ctr_opts *o, struct ttest *t,
    struct json_object *rep)
{
	struct trun		 tr;
	struct json_object	*before = NULL, *after = NULL, *as = NULL;
	char			 path[PATH_MAX], err[MSG_MAX];
	double			 start = ctp_now(), secs;
	int			 status = 0, i, failed, ran = 0;
	size_t			 k;

	memset(&tr, 0, sizeof(tr));
	tr.tr_opts = o;
	tr.tr_test = t;
	tr.tr_fails = json_object_new_array();
	tr.tr_env = test_env(o, t);
	if (t->tt_err[0] != '\0') {
		strlcpy(tr.tr_reason, t->tt_err, sizeof(tr.tr_reason));
		goto done;
	}
	if (ctp_path_join(path, sizeof(path), t->tt_dir, "before.yaml") == -1 ||
	    yaml_load(path, &before, err, sizeof(err)) == -1 ||
	    ctp_path_join(path, sizeof(path), t->tt_dir, "after.yaml") == -1 ||
	    yaml_load(path, &after, err, sizeof(err)) == -1 ||
	    ctp_path_join(path, sizeof(path), t->tt_dir, "assert.yaml") == -1 ||
	    yaml_load(path, &as, err, sizeof(err)) == -1) {
		strlcpy(tr.tr_reason, err, sizeof(tr.tr_reason));
		goto done;
	}
	if (after != NULL && !json_object_is_type(after, json_type_object)) {
		snprintf(tr.tr_reason, sizeof(tr.tr_reason), "after.yaml: must "
		    "be one process (a mapping)");
		goto done;
	}
	if (run_before(&tr, before) == -1) {
		run_after(&tr, after);
		goto done;
	}
	tr.tr_errlog[0] = '\0';
	ran = run_main(&tr, &status) == 0;
	run_after(&tr, after);
	if (ran)
		run_asserts(&tr, as, status);
done:
	for (i = tr.tr_nbefore - 1; i >= 0; i--)
		ctp_stop(&tr.tr_before[i], CTP_KILL_GRACE);
	secs = ctp_now() - start;
	failed = tr.tr_reason[0] != '\0' ||
	    json_object_array_length(tr.tr_fails) > 0;
	if (failed && tr.tr_reason[0] == '\0') {
		if (json_object_array_length(tr.tr_fails) == 1)
			strlcpy(tr.tr_reason, json_object_get_string(
			    json_object_array_get_idx(tr.tr_fails, 0)),
			    sizeof(tr.tr_reason));
		else
			snprintf(tr.tr_reason, sizeof(tr.tr_reason),
			    "%zu checks failed, first: %s",
			    json_object_array_length(tr.tr_fails),
			    json_object_get_string(json_object_array_get_idx(
			    tr.tr_fails, 0)));
	}
	if (!failed)
		printf("PASS %s (%.1fs)\n", t->tt_name, secs);
	else {
		printf("FAIL %s: %s\n", t->tt_name, tr.tr_reason);
		if (o->co_verbose) {
			for (k = 0; k < json_object_array_length(tr.tr_fails);
			    k++)
				printf("    %s\n", json_object_get_string(
				    json_object_array_get_idx(tr.tr_fails,
				    k)));
			if (ctp_path_join(path, sizeof(path), t->tt_dir,
			    "fg.out.log") == 0)
				print_tail(path, "fg.out.log");
			if (ctp_path_join(path, sizeof(path), t->tt_dir,
			    "fg.err.log") == 0)
				print_tail(path, "fg.err.log");
			if (tr.tr_errlog[0] != '\0') {
				const char *b = strrchr(tr.tr_errlog, '/');

				print_tail(tr.tr_errlog, b != NULL ? b + 1 :
				    tr.tr_errlog);
			}
		}
	}
	fflush(stdout);
	json_object_object_add(rep, "name", json_object_new_string(t->tt_name));
	json_object_object_add(rep, "dir", json_object_new_string(t->tt_dir));
	json_object_object_add(rep, "result",
	    json_object_new_string(failed ? "fail" : "pass"));
	json_object_object_add(rep, "duration", json_object_new_double(secs));
	if (failed)
		json_object_object_add(rep, "reason",
		    json_object_new_string(tr.tr_reason));
	json_object_object_add(rep, "failed_asserts", tr.tr_fails);
	json_object_put(tr.tr_env);
	json_object_put(before);
	json_object_put(after);
	json_object_put(as);
	return failed;
}

/* ---- discovery ------------------------------------------------------ */

struct tlist {
	struct ttest	*tl_v[MAXTESTS];
	size_t		 tl_n;
	int		 tl_errors;	/* errors that are not tests */
};

/* Add a test directory (deduplicated) with its base. */
static struct ttest *
tlist_add(struct tlist *tl, const char *dir, const char *base)
{
	struct ttest	*t;
	size_t		 i, bl = strlen(base);
	const char	*rel;

	for (i = 0; i < tl->tl_n; i++)
		if (strcmp(tl->tl_v[i]->tt_dir, dir) == 0)
			return NULL;
	if (tl->tl_n == MAXTESTS || (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->tt_dir = strdup(dir);
	t->tt_base = strdup(base);
	if (strncmp(dir, base, bl) == 0 && dir[bl] == '/')
		rel = dir + bl + 1;
	else
		rel = (rel = strrchr(dir, '/')) != NULL && rel[1] != '\0' ?
		    rel + 1 : dir;
	t->tt_name = strdup(rel);
	t->tt_tags = json_object_new_array();
	if (t->tt_dir == NULL || t->tt_base == NULL || t->tt_name == NULL) {
		free(t->tt_dir);
		free(t->tt_base);
		free(t->tt_name);
		json_object_put(t->tt_tags);
		free(t);
		return NULL;
	}
	tl->tl_v[tl->tl_n++] = t;
	return t;
}

/* Free one test. */
static void
ttest_free(struct ttest *t)
{
	if (t == NULL)
		return;
	free(t->tt_dir);
	free(t->tt_base);
	free(t->tt_name);
	json_object_put(t->tt_tags);
	free(t);
}

/* Merge dir/tags.yaml into the test's tags; -1 with tt_err on bad YAML. */
static int
tags_merge(struct ttest *t, const char *dir)
{
	struct json_object	*v = NULL;
	char			 path[PATH_MAX];
	int			 r;

	if (ctp_path_join(path, sizeof(path), dir, "tags.yaml") == -1)
		return -1;
	r = yaml_load(path, &v, t->tt_err, sizeof(t->tt_err));
	if (r <= 0)
		return r;
	r = cts_tags_add(t->tt_tags, v, path, t->tt_err, sizeof(t->tt_err));
	json_object_put(v);
	return r;
}

/* Tags from tags.yaml in base and every directory down to the test. */
static void
tags_resolve(struct ttest *t)
{
	char		 dir[PATH_MAX];
	const char	*p;
	size_t		 bl = strlen(t->tt_base);

	if (tags_merge(t, t->tt_base) == -1)
		return;
	if (strncmp(t->tt_dir, t->tt_base, bl) == 0 && t->tt_dir[bl] == '/') {
		p = t->tt_dir + bl + 1;
		while ((p = strchr(p, '/')) != NULL) {
			if ((size_t)(p - t->tt_dir) >= sizeof(dir))
				return;
			memcpy(dir, t->tt_dir, (size_t)(p - t->tt_dir));
			dir[p - t->tt_dir] = '\0';
			if (tags_merge(t, dir) == -1)
				return;
			p++;
		}
		if (tags_merge(t, t->tt_dir) == -1)
			return;
	}
	p = strrchr(t->tt_dir, '/');
	json_object_array_add(t->tt_tags,
	    json_object_new_string(p != NULL ? p + 1 : t->tt_dir));
}

/* Walk dirs under root; each matching dir with tags.yaml is a test. */
static void
walk_includes(struct tlist *tl, const char *base, const char *root,
    const char *rel, struct json_object *incl, int depth)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		 path[PATH_MAX], sub[PATH_MAX], tags[PATH_MAX];
	size_t		 i, n;
	struct ttest	*t;

	if (depth > WALK_MAXDEPTH)
		return;
	if (ctp_path_join(path, sizeof(path), root, rel[0] ? rel : ".") == -1 ||
	    (d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "",
		    de->d_name) >= (int)sizeof(sub) ||
		    ctp_path_join(path, sizeof(path), root, sub) == -1 ||
		    lstat(path, &st) == -1 || !S_ISDIR(st.st_mode))
			continue;
		n = json_object_array_length(incl);
		for (i = 0; i < n; i++) {
			if (!cts_include_match(json_object_get_string(
			    json_object_array_get_idx(incl, i)), sub))
				continue;
			if (ctp_path_join(tags, sizeof(tags), path,
			    "tags.yaml") == 0 && ctp_path_exists(tags, 0) &&
			    (t = tlist_add(tl, path, base)) != NULL)
				tags_resolve(t);
			break;
		}
		walk_includes(tl, base, root, sub, incl, depth + 1);
	}
	closedir(d);
}

/* Interpret one meta.yaml; bad ones become failing pseudo-tests. */
static void
meta_load(struct tlist *tl, const char *base, const char *metadir)
{
	struct json_object	*meta = NULL, *incl = NULL;
	char			 path[PATH_MAX], err[MSG_MAX];
	struct ttest		*t;
	int			 r;

	(void)ctp_path_join(path, sizeof(path), metadir, "meta.yaml");
	if (yaml_load(path, &meta, err, sizeof(err)) == -1 ||
	    (r = cts_meta(meta, path, &incl, err, sizeof(err))) == -1) {
		if ((t = tlist_add(tl, path, base)) != NULL)
			strlcpy(t->tt_err, err, sizeof(t->tt_err));
	} else if (r == 1)
		walk_includes(tl, base, metadir, "", incl, 0);
	json_object_put(incl);
	json_object_put(meta);
}

/* Find every meta.yaml under dir (recursively). */
static int
find_metas(struct tlist *tl, const char *base, const char *dir, int depth)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		 path[PATH_MAX];
	int		 found = 0;

	if (depth > WALK_MAXDEPTH || (d = opendir(dir)) == NULL)
		return 0;
	(void)ctp_path_join(path, sizeof(path), dir, "meta.yaml");
	if (ctp_path_exists(path, 0)) {
		meta_load(tl, base, dir);
		found++;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (ctp_path_join(path, sizeof(path), dir, de->d_name) == -1 ||
		    lstat(path, &st) == -1 || !S_ISDIR(st.st_mode))
			continue;
		found += find_metas(tl, base, path, depth + 1);
	}
	closedir(d);
	return found;
}

/* Discover the tests of one DIR argument. */
static int
discover(struct tlist *tl, const char *arg)
{
	char		 base[PATH_MAX];
	char		*files[4];
	size_t		 n, i;
	struct ttest	*t;

	if (realpath(arg, base) == NULL) {
		fprintf(stderr, "wsflowctl: %s: %s\n", arg, strerror(errno));
		return -1;
	}
	if (find_metas(tl, base, base, 0) > 0)
		return 0;
	if (troy_files(base, files, 4, &n) == 0 && n > 0) {
		for (i = 0; i < n; i++)
			free(files[i]);
		if ((t = tlist_add(tl, base, base)) != NULL)
			tags_resolve(t);
		return 0;
	}
	fprintf(stderr, "wsflowctl: %s: does not contain a runnable test "
	    "(no meta.yaml, no *.troy)\n", arg);
	return -1;
}

/* Order tests by directory. */
static int
cmp_test(const void *a, const void *b)
{
	return strcmp((*(struct ttest *const *)a)->tt_dir,
	    (*(struct ttest *const *)b)->tt_dir);
}

/* Run every test found under dirs; returns the process exit status. */
int
ctr_run(const struct ctr_opts *o, int ndirs, char **dirs)
{
	struct tlist		*tl;
	struct json_object	*report, *tests, *rep;
	size_t			 i;
	int			 d, npass = 0, nfail = 0, nskip = 0;

	if ((tl = calloc(1, sizeof(*tl))) == NULL) {
		fprintf(stderr, "wsflowctl: out of memory\n");
		return 1;
	}
	ctp_signals();

	for (d = 0; d < ndirs; d++)
		if (discover(tl, dirs[d]) == -1)
			tl->tl_errors++;
	qsort(tl->tl_v, tl->tl_n, sizeof(tl->tl_v[0]), cmp_test);

	report = json_object_new_object();
	tests = json_object_new_array();
	for (i = 0; i < tl->tl_n; i++) {
		struct ttest *t = tl->tl_v[i];

		rep = json_object_new_object();
		json_object_object_add(rep, "tags", json_object_get(t->tt_tags));
		if (t->tt_err[0] == '\0' && !cts_tags_selected(t->tt_tags,
		    o->co_incl, o->co_nincl, o->co_excl, o->co_nexcl)) {
			nskip++;
			if (o->co_verbose)
				printf("SKIP %s\n", t->tt_name);
			json_object_object_add(rep, "name",
			    json_object_new_string(t->tt_name));
			json_object_object_add(rep, "dir",
			    json_object_new_string(t->tt_dir));
			json_object_object_add(rep, "result",
			    json_object_new_string("skip"));
		} else if (ctp_interrupted()) {
			json_object_put(rep);
			continue;
		} else if (run_test(o, t, rep))
			nfail++;
		else
			npass++;
		json_object_array_add(tests, rep);
	}
	nfail += tl->tl_errors;
	if (ctp_interrupted())
		printf("interrupted\n");
	if (nskip > 0)
		printf("%d skipped\n", nskip);
	printf("%d passed, %d failed\n", npass, nfail);
	fflush(stdout);

	json_object_object_add(report, "passed", json_object_new_int(npass));
	json_object_object_add(report, "failed", json_object_new_int(nfail));
	json_object_object_add(report, "skipped", json_object_new_int(nskip));
	json_object_object_add(report, "tests", tests);
	if (o->co_report != NULL && json_object_to_file_ext(o->co_report,
	    report, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)
	    == -1) {
		fprintf(stderr, "wsflowctl: %s: cannot write report\n",
		    o->co_report);
		nfail++;
	}
	json_object_put(report);
	for (i = 0; i < tl->tl_n; i++)
		ttest_free(tl->tl_v[i]);
	free(tl);
	return nfail == 0 && !ctp_interrupted() ? 0 : 1;
}
