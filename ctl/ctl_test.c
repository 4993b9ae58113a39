/*
 * wsflowctl test: runs integration test directories laid out the way
 * Tremor's `tremor test integration` expects them (meta.yaml, tags.yaml,
 * before.yaml, *.troy, after.yaml, assert.yaml) and judges them the same
 * way, with three deliberate improvements: a per-test timeout on the main
 * process, a default max-await-secs, and file-exists conditions that wait.
 * Background processes a test started are killed when the test ends.
 *
 * YAML is read with libyaml into json-c values; everything after that
 * works on JSON.  The first part of this file (YAML conversion, tags,
 * asserts) is pure and unit-tested; the rest runs processes.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json.h>
#include <yaml.h>

#include "ctl_test.h"

#define YAML_MAXDEPTH	64
#define FILE_MAX	(64 * 1024 * 1024)	/* largest file we read */
#define MAXTESTS	4096
#define MAXPROCS	64
#define MAXARGS		256
#define WALK_MAXDEPTH	16
#define TAIL_LINES	10
#define POLL_MS		100
#define MSG_MAX		(PATH_MAX + 1024)	/* messages that name a path */

/* ---- pure part: YAML to JSON ---------------------------------------- */

/* One string compare against a NULL-terminated list. */
static int
str_in(const char *s, size_t len, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == len && memcmp(*list, s, len) == 0)
			return 1;
	return 0;
}

/* Parse a YAML 1.1 integer (sign, 0x, 0b, leading-0 octal, '_'). */
static int
yaml_int(const char *s, size_t len, long long *out)
{
	char		 digits[72];
	size_t		 i = 0, n = 0;
	int		 base = 10, neg = 0;
	unsigned long long v = 0, lim;

	if (len == 0 || len >= sizeof(digits))
		return -1;
	if (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-';
		i++;
	}
	if (i == len)
		return -1;
	if (len - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'b')) {
		base = s[i + 1] == 'x' ? 16 : 2;
		i += 2;
	} else if (len - i > 1 && s[i] == '0')
		base = 8;
	for (; i < len; i++) {
		int	 c = (unsigned char)s[i], d;

		if (c == '_')
			continue;
		if (isdigit(c))
			d = c - '0';
		else if (base == 16 && isxdigit(c))
			d = tolower(c) - 'a' + 10;
		else
			return -1;
		if (d >= base)
			return -1;
		digits[n++] = (char)d;
	}
	if (n == 0)
		return -1;
	lim = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
	for (i = 0; i < n; i++) {
		if (v > (lim - (unsigned long long)digits[i]) / base)
			return -1;
		v = v * base + (unsigned long long)digits[i];
	}
	if (neg)
		*out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN :
		    -(long long)v;
	else
		*out = (long long)v;
	return 0;
}

/* Parse a YAML 1.1 float: [-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)? */
static int
yaml_float(const char *s, size_t len, double *out)
{
	char	 tmp[72];
	size_t	 i = 0, n = 0;
	int	 dot = 0, dig = 0;
	char	*end;

	if (len == 0 || len >= sizeof(tmp))
		return -1;
	if (s[i] == '-' || s[i] == '+')
		tmp[n++] = s[i++];
	for (; i < len; i++) {
		if (isdigit((unsigned char)s[i])) {
			tmp[n++] = s[i];
			dig = 1;
		} else if (s[i] == '_')
			continue;
		else if (s[i] == '.' && !dot) {
			tmp[n++] = s[i];
			dot = 1;
		} else
			break;
	}
	if (!dot || !dig)
		return -1;
	if (i < len) {
		if (s[i] != 'e' && s[i] != 'E')
			return -1;
		tmp[n++] = s[i++];
		if (i < len && (s[i] == '-' || s[i] == '+'))
			tmp[n++] = s[i++];
		if (i == len)
			return -1;
		for (; i < len; i++) {
			if (!isdigit((unsigned char)s[i]))
				return -1;
			tmp[n++] = s[i];
		}
	}
	tmp[n] = '\0';
	errno = 0;
	*out = strtod(tmp, &end);
	if (errno != 0 || *end != '\0')
		return -1;
	return 0;
}

/* Type one scalar as a YAML 1.1 plain scalar would be (plain != 0). */
int
ctltest_yaml_scalar(const char *s, size_t len, int plain,
    struct json_object **out)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL",
	    NULL };
	static const char *const trues[] = { "true", "True", "TRUE", "yes",
	    "Yes", "YES", "on", "On", "ON", NULL };
	static const char *const falses[] = { "false", "False", "FALSE", "no",
	    "No", "NO", "off", "Off", "OFF", NULL };
	long long	 ll;
	double		 d;

	*out = NULL;
	if (plain) {
		if (str_in(s, len, nulls))
			return 0;
		if (str_in(s, len, trues))
			*out = json_object_new_boolean(1);
		else if (str_in(s, len, falses))
			*out = json_object_new_boolean(0);
		else if (yaml_int(s, len, &ll) == 0)
			*out = json_object_new_int64(ll);
		else if (yaml_float(s, len, &d) == 0)
			*out = json_object_new_double(d);
		else
			*out = json_object_new_string_len(s, (int)len);
	} else
		*out = json_object_new_string_len(s, (int)len);
	return *out == NULL ? -1 : 0;
}

/* Remember the YAML line a value came from (for error messages). */
static void
yaml_setline(struct json_object *v, size_t line)
{
	if (v != NULL && !json_object_is_type(v, json_type_double))
		json_object_set_userdata(v, (void *)(uintptr_t)line, NULL);
}

/* The YAML line a value came from; 0 when unknown. */
size_t
ctltest_yaml_line(struct json_object *v)
{
	if (v == NULL || json_object_is_type(v, json_type_double))
		return 0;
	return (size_t)(uintptr_t)json_object_get_userdata(v);
}

/* Attach v under the open container on top of the stack (or as root). */
static int
yaml_attach(struct json_object **root, struct json_object **stack,
    char **keys, int depth, struct json_object *v)
{
	struct json_object	*top;

	if (depth == 0) {
		*root = v;
		return 0;
	}
	top = stack[depth - 1];
	if (json_object_is_type(top, json_type_array))
		return json_object_array_add(top, v) == 0 ? 0 : -1;
	if (json_object_object_add(top, keys[depth - 1], v) != 0)
		return -1;
	free(keys[depth - 1]);
	keys[depth - 1] = NULL;
	return 0;
}

/* Parse YAML text into a json-c value; "LINE:COL: problem" on error. */
int
ctltest_yaml_parse(const char *text, size_t len, struct json_object **out,
    char *err, size_t errlen)
{
	yaml_parser_t		 p;
	yaml_event_t		 ev;
	struct json_object	*root = NULL, *v;
	struct json_object	*stack[YAML_MAXDEPTH];
	char			*keys[YAML_MAXDEPTH];
	const char		*msg = NULL;
	yaml_mark_t		 mark;
	int			 depth = 0, ndocs = 0, done = 0, i, plain;
	int			 isarray;

	*out = NULL;
	memset(&mark, 0, sizeof(mark));
	for (i = 0; i < YAML_MAXDEPTH; i++)
		keys[i] = NULL;
	if (!yaml_parser_initialize(&p)) {
		snprintf(err, errlen, "0:0: out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			mark = p.problem_mark;
			snprintf(err, errlen, "%zu:%zu: %s%s%s", mark.line + 1,
			    mark.column + 1, p.problem ? p.problem : "syntax error",
			    p.context ? " " : "", p.context ? p.context : "");
			goto fail_noev;
		}
		mark = ev.start_mark;
		v = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (ndocs++ > 0) {
				msg = "more than one document";
				goto fail;
			}
			break;
		case YAML_ALIAS_EVENT:
			msg = "aliases are not supported";
			goto fail;
		case YAML_SCALAR_EVENT:
			if (depth > 0 &&
			    json_object_is_type(stack[depth - 1],
			    json_type_object) && keys[depth - 1] == NULL) {
				keys[depth - 1] = strndup(
				    (const char *)ev.data.scalar.value,
				    ev.data.scalar.length);
				if (keys[depth - 1] == NULL) {
					msg = "out of memory";
					goto fail;
				}
				break;
			}
			plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			if (ev.data.scalar.tag != NULL && strcmp(
			    (const char *)ev.data.scalar.tag,
			    YAML_STR_TAG) == 0)
				plain = 0;
			if (ctltest_yaml_scalar((const char *)ev.data.scalar.value,
			    ev.data.scalar.length, plain, &v) == -1) {
				msg = "out of memory";
				goto fail;
			}
			yaml_setline(v, mark.line + 1);
			if (yaml_attach(&root, stack, keys, depth, v) == -1) {
				json_object_put(v);
				msg = "out of memory";
				goto fail;
			}
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			isarray = ev.type == YAML_SEQUENCE_START_EVENT;
			if (depth > 0 && json_object_is_type(stack[depth - 1],
			    json_type_object) && keys[depth - 1] == NULL) {
				msg = "mapping keys must be scalars";
				goto fail;
			}
			if (depth == YAML_MAXDEPTH) {
				msg = "nested too deeply";
				goto fail;
			}
			v = isarray ? json_object_new_array() :
			    json_object_new_object();
			yaml_setline(v, mark.line + 1);
			if (v == NULL || yaml_attach(&root, stack, keys, depth,
			    v) == -1) {
				json_object_put(v);
				msg = "out of memory";
				goto fail;
			}
			stack[depth++] = v;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	for (i = 0; i < YAML_MAXDEPTH; i++)
		free(keys[i]);
	*out = root;
	return 0;
fail:
	yaml_event_delete(&ev);
	snprintf(err, errlen, "%zu:%zu: %s", mark.line + 1, mark.column + 1,
	    msg);
fail_noev:
	yaml_parser_delete(&p);
	for (i = 0; i < YAML_MAXDEPTH; i++)
		free(keys[i]);
	json_object_put(root);
	return -1;
}

/* ---- pure part: tags and asserts ------------------------------------ */

/* The string form of a scalar (string, int, bool, double); NULL if not. */
const char *
ctltest_scalar_str(struct json_object *v, char *buf, size_t len)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		return json_object_get_string(v);
	case json_type_int:
		snprintf(buf, len, "%" PRId64, json_object_get_int64(v));
		return buf;
	case json_type_boolean:
		return json_object_get_boolean(v) ? "true" : "false";
	case json_type_double:
		snprintf(buf, len, "%g", json_object_get_double(v));
		return buf;
	default:
		return NULL;
	}
}

/* 1 when one of the test's tags is in list. */
static int
tags_any(struct json_object *tags, char *const *list, size_t n)
{
	size_t		 i, j, nt;
	char		 buf[64];
	const char	*t;

	nt = json_object_is_type(tags, json_type_array) ?
	    json_object_array_length(tags) : 0;
	for (i = 0; i < nt; i++) {
		t = ctltest_scalar_str(json_object_array_get_idx(tags, i), buf,
		    sizeof(buf));
		if (t == NULL)
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(t, list[j]) == 0)
				return 1;
	}
	return 0;
}

/*
 * Tremor's tag filter: no filters runs everything; an included tag always
 * runs; otherwise an excluded tag skips; otherwise -i alone skips and -e
 * alone runs.
 */
int
ctltest_tags_selected(struct json_object *tags, char *const *incl,
    size_t nincl, char *const *excl, size_t nexcl)
{
	if (nincl == 0 && nexcl == 0)
		return 1;
	if (tags_any(tags, incl, nincl))
		return 1;
	if (tags_any(tags, excl, nexcl))
		return 0;
	return nincl == 0;
}

/* Trim ASCII white space from both ends of s (length *len). */
static const char *
trim(const char *s, size_t *len)
{
	while (*len > 0 && isspace((unsigned char)*s)) {
		s++;
		(*len)--;
	}
	while (*len > 0 && isspace((unsigned char)s[*len - 1]))
		(*len)--;
	return s;
}

/* Find the line (1-based) holding the trimmed needle; 0 when none. */
static size_t
text_find(const char *text, size_t len, const char *needle)
{
	size_t		 nlen = strlen(needle), llen, lineno = 0;
	const char	*n, *p = text, *end = text + len, *nl;

	n = trim(needle, &nlen);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		llen = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		lineno++;
		if (llen > 0 && p[llen - 1] == '\r')
			llen--;
		if (nlen == 0 || (llen >= nlen && memmem(p, llen, n, nlen)))
			return lineno;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return 0;
}

/* 1 when the trimmed needle occurs within one line of text. */
int
ctltest_text_contains(const char *text, size_t len, const char *needle)
{
	return text_find(text, len, needle) != 0;
}

/* Append a formatted message to the fails array. */
static void __attribute__((format(printf, 2, 3)))
fail_add(struct json_object *fails, const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_array_add(fails, json_object_new_string(msg));
}

/* Copy one line of text (at most 60 bytes, escaped) for a message. */
static void
line_excerpt(const char *p, const char *end, char *buf, size_t len)
{
	size_t	 o = 0;

	buf[0] = '\0';
	while (p < end && *p != '\n' && o + 5 < len) {
		unsigned char c = (unsigned char)*p++;

		if (c >= 0x20 && c != 0x7f && c != '"' && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		if (o >= 60) {
			strlcpy(buf + o, "...", len - o);
			return;
		}
	}
	buf[o] = '\0';
}

/* Describe where got differs from want (first differing line). */
static void
text_diff(const char *src, const char *file, const char *got, size_t glen,
    const char *want, size_t wlen, struct json_object *fails)
{
	size_t		 i, line = 1, bol = 0;
	char		 g[80], w[80];

	for (i = 0; i < glen && i < wlen && got[i] == want[i]; i++)
		if (got[i] == '\n') {
			line++;
			bol = i + 1;
		}
	if (i == glen && i == wlen)
		return;
	if (i == glen && glen == wlen - 1 && want[i] == '\n') {
		fail_add(fails, "%s differs from %s: missing final newline",
		    src, file);
		return;
	}
	if (i == wlen && wlen == glen - 1 && got[i] == '\n') {
		fail_add(fails, "%s differs from %s: extra newline at end",
		    src, file);
		return;
	}
	line_excerpt(got + bol, got + glen, g, sizeof(g));
	line_excerpt(want + bol, want + wlen, w, sizeof(w));
	fail_add(fails, "%s differs from %s at line %zu: got \"%s\"%s, "
	    "expected \"%s\"%s", src, file, line, g, bol >= glen ? " (eof)" :
	    "", w, bol >= wlen ? " (eof)" : "");
}

/* Run fn over every string of a list-or-scalar value. */
static int
each_str(struct json_object *v, const char *src, const char *key,
    struct json_object *fails, const char *text, size_t len, int want)
{
	size_t		 i, n, line;
	char		 buf[64];
	const char	*s;
	int		 bad = 0;
	struct json_object *e;

	n = json_object_is_type(v, json_type_array) ?
	    json_object_array_length(v) : 1;
	for (i = 0; i < n; i++) {
		e = json_object_is_type(v, json_type_array) ?
		    json_object_array_get_idx(v, i) : v;
		if ((s = ctltest_scalar_str(e, buf, sizeof(buf))) == NULL) {
			fail_add(fails, "%s: %s entries must be strings", src,
			    key);
			return -1;
		}
		line = text_find(text, len, s);
		if (want && line == 0) {
			fail_add(fails, "%s does not contain \"%s\"", src, s);
			bad++;
		} else if (!want && line != 0) {
			fail_add(fails, "%s contains \"%s\" (line %zu)", src, s,
			    line);
			bad++;
		}
	}
	return bad;
}

/* Evaluate one assert entry; returns failed checks or -1 if malformed. */
int
ctltest_assert_check(struct json_object *a, const char *src,
    const char *text, size_t len, const char *expect, size_t elen,
    struct json_object *fails)
{
	struct json_object	*v;
	int			 bad = 0, r;

	if (!json_object_is_type(a, json_type_object)) {
		fail_add(fails, "assert entry is not a mapping");
		return -1;
	}
	json_object_object_foreach(a, key, val) {
		(void)val;
		if (strcmp(key, "source") != 0 && strcmp(key, "contains") != 0 &&
		    strcmp(key, "doesnt_contain") != 0 &&
		    strcmp(key, "equals_file") != 0) {
			fail_add(fails, "%s: unknown assert key \"%s\"", src,
			    key);
			return -1;
		}
	}
	if (json_object_object_get_ex(a, "contains", &v)) {
		if ((r = each_str(v, src, "contains", fails, text, len, 1)) < 0)
			return -1;
		bad += r;
	}
	if (json_object_object_get_ex(a, "doesnt_contain", &v)) {
		if ((r = each_str(v, src, "doesnt_contain", fails, text, len,
		    0)) < 0)
			return -1;
		bad += r;
	}
	if (json_object_object_get_ex(a, "equals_file", &v)) {
		if (!json_object_is_type(v, json_type_string)) {
			fail_add(fails, "%s: equals_file must be a string", src);
			return -1;
		}
		if (expect == NULL) {
			fail_add(fails, "%s: cannot read %s", src,
			    json_object_get_string(v));
			bad++;
		} else if (len != elen || memcmp(text, expect, len) != 0) {
			text_diff(src, json_object_get_string(v), text, len,
			    expect, elen, fails);
			bad++;
		}
	}
	return bad;
}

/* ---- files and paths ------------------------------------------------ */

/* Read a whole file (bounded); NUL-terminated for convenience. */
static int
file_read(const char *path, char **out, size_t *outlen)
{
	struct stat	 st;
	char		*data = NULL;
	size_t		 off = 0, cap;
	ssize_t		 n;
	int		 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	cap = st.st_size > 0 && st.st_size < FILE_MAX ? (size_t)st.st_size + 1 :
	    4096;
	if ((data = malloc(cap)) == NULL)
		goto fail;
	for (;;) {
		if (off + 1 >= cap) {
			char	*nd;

			if (cap >= FILE_MAX) {
				errno = EFBIG;
				goto fail;
			}
			if ((nd = realloc(data, cap * 2)) == NULL)
				goto fail;
			data = nd;
			cap *= 2;
		}
		n = read(fd, data + off, cap - off - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		if (n == 0)
			break;
		off += (size_t)n;
	}
	data[off] = '\0';
	close(fd);
	*out = data;
	*outlen = off;
	return 0;
fail:
	saved = errno;
	free(data);
	close(fd);
	errno = saved;
	return -1;
}

/* Join dir and name into buf; -1 when it does not fit. */
static int
path_join(char *buf, size_t len, const char *dir, const char *name)
{
	int	 r;

	if (name[0] == '/')
		r = snprintf(buf, len, "%s", name);
	else
		r = snprintf(buf, len, "%s/%s", dir, name);
	if (r < 0 || (size_t)r >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* 1 when path names an existing regular file (or anything, any=1). */
static int
path_exists(const char *path, int any)
{
	struct stat	 st;

	if (stat(path, &st) == -1)
		return 0;
	return any || S_ISREG(st.st_mode);
}

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
	if (file_read(path, &text, &len) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (ctltest_yaml_parse(text, len, out, perr, sizeof(perr)) == -1) {
		snprintf(err, errlen, "%s:%s", path, perr);
		free(text);
		return -1;
	}
	free(text);
	return 1;
}

/* ---- clock and signals ---------------------------------------------- */

static volatile sig_atomic_t	ctltest_interrupted;

/* Seconds on the monotonic clock. */
static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleep ms milliseconds (a signal cuts it short). */
static void
msleep(int ms)
{
	struct timespec	 ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	(void)nanosleep(&ts, NULL);
}

/* SIGINT/SIGTERM: finish the current test's cleanup, then stop. */
static void
on_signal(int sig)
{
	(void)sig;
	ctltest_interrupted = 1;
}

/* ---- processes ------------------------------------------------------ */

struct tproc {
	pid_t		 tp_pid;	/* also the process group; -1: none */
	int		 tp_done;	/* leader reaped */
	int		 tp_status;	/* wait status once done */
	double		 tp_start;
};

static struct tproc	*procs[MAXPROCS];

/* Reap every exited child; record the ones we track. */
static void
reap(void)
{
	pid_t	 pid;
	int	 st, i;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < MAXPROCS; i++)
			if (procs[i] != NULL && procs[i]->tp_pid == pid &&
			    !procs[i]->tp_done) {
				procs[i]->tp_done = 1;
				procs[i]->tp_status = st;
			}
	}
}

/* Forget a process record. */
static void
proc_untrack(struct tproc *tp)
{
	int	 i;

	for (i = 0; i < MAXPROCS; i++)
		if (procs[i] == tp)
			procs[i] = NULL;
}

/* Describe a wait status: "status 3" or "signal 9". */
static const char *
status_str(int st, char *buf, size_t len)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "terminated by signal %d", WTERMSIG(st));
	else
		snprintf(buf, len, "wait status %d", st);
	return buf;
}

/* Set every name of the env object in this (child) process. */
static void
child_setenv(struct json_object *env)
{
	char		 buf[64];
	const char	*s;

	if (!json_object_is_type(env, json_type_object))
		return;
	json_object_object_foreach(env, key, val) {
		if ((s = ctltest_scalar_str(val, buf, sizeof(buf))) != NULL)
			(void)setenv(key, s, 1);
	}
}

/* Open a log file for a child (truncated). */
static int
child_open(const char *path, int target)
{
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		return -1;
	if (fd != target) {
		if (dup2(fd, target) == -1)
			return -1;
		close(fd);
	}
	return 0;
}

/*
 * Start argv in its own process group with cwd, the test env plus env,
 * stdout/stderr to the two log files and stdin from a pipe (*stdin_w gets
 * the write end; NULL: /dev/null).  An exec failure is reported here.
 */
static int
proc_spawn(struct tproc *tp, const char *cwd, char *const argv[],
    struct json_object *tenv, struct json_object *env, const char *outlog,
    const char *errlog, int *stdin_w, char *err, size_t errlen)
{
	int		 ep[2] = { -1, -1 }, ip[2] = { -1, -1 }, e = 0, i, fd;
	ssize_t		 n;
	pid_t		 pid;
	const char	*what = "";

	tp->tp_pid = -1;
	tp->tp_done = 0;
	tp->tp_status = 0;
	if (pipe2(ep, O_CLOEXEC) == -1 ||
	    (stdin_w != NULL && pipe2(ip, O_CLOEXEC) == -1)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		(void)sigaction(SIGINT, &sa, NULL);
		(void)sigaction(SIGTERM, &sa, NULL);
		(void)sigaction(SIGPIPE, &sa, NULL);
		(void)setpgid(0, 0);
		if (chdir(cwd) == -1) {
			what = "chdir";
			goto child_fail;
		}
		if (stdin_w != NULL)
			fd = dup2(ip[0], STDIN_FILENO);
		else if ((fd = open("/dev/null", O_RDONLY)) != -1 &&
		    fd != STDIN_FILENO) {
			i = fd;
			fd = dup2(i, STDIN_FILENO);
			close(i);	/* not left open in the test's process */
		}
		if (fd == -1) {
			what = "stdin";
			goto child_fail;
		}
		if (child_open(outlog, STDOUT_FILENO) == -1 ||
		    child_open(errlog, STDERR_FILENO) == -1) {
			what = "log file";
			goto child_fail;
		}
		child_setenv(tenv);
		child_setenv(env);
		execvp(argv[0], argv);
		what = "exec";
child_fail:
		{
			/* one write: the parent reads errno and step at once */
			char	 msg[sizeof(int) + 16];
			size_t	 wl = strlen(what);

			e = errno;
			memcpy(msg, &e, sizeof(e));
			memcpy(msg + sizeof(e), what, wl);
			if (write(ep[1], msg, sizeof(e) + wl) == -1)
				_exit(126);
		}
		_exit(127);
	}
	(void)setpgid(pid, pid);
	close(ep[1]);
	ep[1] = -1;
	tp->tp_pid = pid;
	tp->tp_start = now();
	for (i = 0; i < MAXPROCS; i++)
		if (procs[i] == NULL) {
			procs[i] = tp;
			break;
		}
	do {
		char	 buf[sizeof(int) + 16];

		n = read(ep[0], buf, sizeof(buf) - 1);
		if (n >= (ssize_t)sizeof(int)) {
			buf[n] = '\0';
			memcpy(&e, buf, sizeof(e));
			snprintf(err, errlen, "%s %s: %s", buf + sizeof(int),
			    argv[0], strerror(e));
			close(ep[0]);
			ep[0] = -1;
			while (!tp->tp_done && waitpid(pid, &tp->tp_status,
			    0) == -1 && errno == EINTR)
				;
			tp->tp_done = 1;
			proc_untrack(tp);
			tp->tp_pid = -1;
			goto fail;
		}
	} while (n == -1 && errno == EINTR);
	close(ep[0]);
	if (stdin_w != NULL) {
		close(ip[0]);
		*stdin_w = ip[1];
		(void)fcntl(ip[1], F_SETFL, fcntl(ip[1], F_GETFL) | O_NONBLOCK);
	}
	return 0;
fail:
	if (ep[0] != -1)
		close(ep[0]);
	if (ep[1] != -1)
		close(ep[1]);
	if (ip[0] != -1)
		close(ip[0]);
	if (ip[1] != -1)
		close(ip[1]);
	return -1;
}

/* Update tp (and every tracked process) if it has exited; never blocks. */
static void
proc_poll(struct tproc *tp)
{
	(void)tp;	/* reap() finds it in procs[] */
	reap();
}

/*
 * End a process group: SIGTERM, up to grace seconds for the group to go,
 * then SIGKILL.  Also sweeps what an exited leader left behind.
 */
static void
proc_stop(struct tproc *tp, int grace)
{
	double	 deadline;

	if (tp->tp_pid <= 0)
		return;
	if (kill(-tp->tp_pid, SIGTERM) == 0) {
		deadline = now() + grace;
		while (now() < deadline) {
			reap();
			if (tp->tp_done && kill(-tp->tp_pid, 0) == -1)
				break;
			msleep(20);
		}
		(void)kill(-tp->tp_pid, SIGKILL);
	}
	while (!tp->tp_done) {
		int	 st;

		if (waitpid(tp->tp_pid, &st, 0) == tp->tp_pid) {
			tp->tp_done = 1;
			tp->tp_status = st;
		} else if (errno != EINTR)
			break;
	}
	reap();
	proc_untrack(tp);
	tp->tp_pid = -1;
}

/* ---- await conditions ----------------------------------------------- */

/* 1 when a TCP connect to 127.0.0.1 or ::1 on port succeeds. */
static int
port_open(const char *port)
{
	struct sockaddr_in	 s4;
	struct sockaddr_in6	 s6;
	const char		*e;
	int			 fd, ok = 0, p;

	p = (int)strtonum(port, 1, 65535, &e);
	if (e != NULL)
		return 0;
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	s4.sin_port = htons((uint16_t)p);
	s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) != -1) {
		ok = connect(fd, (struct sockaddr *)&s4, sizeof(s4)) == 0;
		close(fd);
	}
	if (ok)
		return 1;
	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	s6.sin6_port = htons((uint16_t)p);
	s6.sin6_addr = in6addr_loopback;
	if ((fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0)) != -1) {
		ok = connect(fd, (struct sockaddr *)&s6, sizeof(s6)) == 0;
		close(fd);
	}
	return ok;
}

/* 1 when GET url (http:// only) answers with a 2xx status. */
static int
http_ok(const char *url)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	struct timeval	 tv = { 1, 0 };
	char		 host[256], port[8] = "80", req[1024], resp[32];
	const char	*p, *path, *colon;
	size_t		 hl;
	ssize_t		 n;
	int		 fd = -1, ok = 0;

	if (strncmp(url, "http://", 7) != 0)
		return 0;
	p = url + 7;
	path = strchr(p, '/');
	hl = path != NULL ? (size_t)(path - p) : strlen(p);
	if (path == NULL)
		path = "/";
	colon = memchr(p, ':', hl);
	if (colon != NULL) {
		if ((size_t)(p + hl - colon - 1) >= sizeof(port))
			return 0;
		memcpy(port, colon + 1, (size_t)(p + hl - colon - 1));
		port[p + hl - colon - 1] = '\0';
		hl = (size_t)(colon - p);
	}
	if (hl == 0 || hl >= sizeof(host))
		return 0;
	memcpy(host, p, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return 0;
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd == -1)
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd == -1)
		return 0;
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n"
	    "Connection: close\r\n\r\n", path, host);
	if (n > 0 && (size_t)n < sizeof(req) &&
	    send(fd, req, (size_t)n, MSG_NOSIGNAL) == n) {
		n = recv(fd, resp, sizeof(resp) - 1, MSG_WAITALL);
		if (n >= 12) {
			resp[n] = '\0';
			ok = strncmp(resp, "HTTP/1.", 7) == 0 &&
			    resp[9] == '2';
		}
	}
	close(fd);
	return ok;
}

/* A duration in seconds from an int, double or numeric string. */
static int
get_secs(struct json_object *o, const char *key, double def, double *out,
    char *err, size_t errlen)
{
	struct json_object	*v;
	char			*end;

	*out = def;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double))
		*out = json_object_get_double(v);
	else if (json_object_is_type(v, json_type_string)) {
		errno = 0;
		*out = strtod(json_object_get_string(v), &end);
		if (errno != 0 || *end != '\0' || end ==
		    json_object_get_string(v))
			goto bad;
	} else
		goto bad;
	if (*out < 0 || *out > 86400)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "%s must be a number of seconds", key);
	return -1;
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
	const struct ctltest_opts *tr_opts;
	struct ttest		*tr_test;
	struct json_object	*tr_env;	/* extra env for children */
	struct tproc		 tr_before[MAXPROCS / 2];
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
	const struct ctltest_opts *o = tr->tr_opts;
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
			if ((argv[k++] = ctltest_scalar_str(a, bufs[i],
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
entry_spawn(struct trun *tr, struct json_object *e, struct tproc *tp,
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
	if (path_join(cwd, cwdlen, tr->tr_test->tt_dir, d) == -1 ||
	    path_join(outlog, sizeof(outlog), tr->tr_test->tt_dir,
	    outname) == -1 ||
	    path_join(errlog, sizeof(errlog), tr->tr_test->tt_dir,
	    errname) == -1) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	return proc_spawn(tp, cwd, (char *const *)argv, tr->tr_env, env,
	    outlog, errlog, NULL, err, errlen);
}

/* Check one await condition item; -1 with err when it can never hold. */
static int
cond_check(const char *cond, const char *arg, struct tproc *tp,
    const char *cwd, char *err, size_t errlen)
{
	char		 path[PATH_MAX], buf[64];
	const char	*e;
	long long	 n;

	if (strcmp(cond, "port-open") == 0)
		return port_open(arg);
	if (strcmp(cond, "file-exists") == 0)
		return path_join(path, sizeof(path), cwd, arg) == 0 &&
		    path_exists(path, 1);
	if (strcmp(cond, "http-ok") == 0)
		return http_ok(arg);
	if (strcmp(cond, "wait-for-ms") == 0) {
		n = strtonum(arg, 0, 86400000, &e);
		if (e != NULL) {
			snprintf(err, errlen, "wait-for-ms: \"%s\" is %s",
			    arg, e);
			return -1;
		}
		return (now() - tp->tp_start) * 1000 >= (double)n;
	}
	if (strcmp(cond, "status") == 0) {
		n = strtonum(arg, 0, 255, &e);
		if (e != NULL) {
			snprintf(err, errlen, "status: \"%s\" is %s", arg, e);
			return -1;
		}
		if (!tp->tp_done)
			return 0;
		if (WIFEXITED(tp->tp_status) &&
		    WEXITSTATUS(tp->tp_status) == n)
			return 1;
		snprintf(err, errlen, "%s, expected status %lld",
		    status_str(tp->tp_status, buf, sizeof(buf)), n);
		return -1;
	}
	snprintf(err, errlen, "unknown await condition \"%s\"", cond);
	return -1;
}

/*
 * Poll an entry's await conditions every 100 ms until all hold or
 * max-await-secs pass, then sleep min-await-secs.
 */
static int
entry_await(struct json_object *e, struct tproc *tp, const char *cwd,
    char *err, size_t errlen)
{
	struct json_object	*aw, *item;
	double			 maxs, mins, start = now(), until;
	char			 pending[256], buf[64], st[64];
	const char		*arg;
	size_t			 i, n;
	int			 all, r;

	if (get_secs(e, "max-await-secs", CTLTEST_MAX_AWAIT, &maxs, err,
	    errlen) == -1 || get_secs(e, "min-await-secs", 0, &mins, err,
	    errlen) == -1)
		return -1;
	if (json_object_object_get_ex(e, "await", &aw) && aw != NULL) {
		if (!json_object_is_type(aw, json_type_object)) {
			snprintf(err, errlen, "await must be a mapping");
			return -1;
		}
		for (;;) {
			all = 1;
			pending[0] = '\0';
			proc_poll(tp);
			json_object_object_foreach(aw, cond, list) {
				n = json_object_is_type(list, json_type_array) ?
				    json_object_array_length(list) : 1;
				for (i = 0; i < n; i++) {
					item = json_object_is_type(list,
					    json_type_array) ?
					    json_object_array_get_idx(list, i) :
					    list;
					arg = ctltest_scalar_str(item, buf,
					    sizeof(buf));
					if (arg == NULL) {
						snprintf(err, errlen, "await "
						    "%s: values must be "
						    "strings", cond);
						return -1;
					}
					r = cond_check(cond, arg, tp, cwd, err,
					    errlen);
					if (r == -1)
						return -1;
					if (r == 0 && all) {
						snprintf(pending,
						    sizeof(pending), "%s %s",
						    cond, arg);
						all = 0;
					}
				}
			}
			if (all)
				break;
			if (ctltest_interrupted) {
				snprintf(err, errlen, "interrupted");
				return -1;
			}
			if (now() - start >= maxs) {
				snprintf(err, errlen, "timed out after %gs "
				    "waiting for %s%s%s", maxs, pending,
				    tp->tp_done ? " (process " : "",
				    tp->tp_done ? status_str(tp->tp_status,
				    st, sizeof(st)) : "");
				if (tp->tp_done)
					strlcat(err, ")", errlen);
				return -1;
			}
			msleep(POLL_MS);
		}
	}
	until = now() + mins;
	while (now() < until && !ctltest_interrupted)
		msleep(POLL_MS);
	return 0;
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
	if (n > MAXPROCS / 2) {
		snprintf(tr->tr_reason, sizeof(tr->tr_reason),
		    "before.yaml: too many processes");
		return -1;
	}
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(before, i);
		snprintf(out, sizeof(out), "before.out.%zu.log", i);
		snprintf(errn, sizeof(errn), "before.err.%zu.log", i);
		/* shown with -v if this entry fails */
		(void)path_join(tr->tr_errlog, sizeof(tr->tr_errlog),
		    tr->tr_test->tt_dir, errn);
		if (entry_spawn(tr, e, &tr->tr_before[i], out, errn, cwd,
		    sizeof(cwd), err, sizeof(err)) == -1) {
			snprintf(tr->tr_reason, sizeof(tr->tr_reason),
			    "before.yaml:%zu: process %zu: %s",
			    ctltest_yaml_line(e), i, err);
			return -1;
		}
		tr->tr_nbefore = (int)i + 1;
		if (entry_await(e, &tr->tr_before[i], cwd, err,
		    sizeof(err)) == -1) {
			snprintf(tr->tr_reason, sizeof(tr->tr_reason),
			    "before.yaml:%zu: process %zu (%s): %s",
			    ctltest_yaml_line(e), i,
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
	struct tproc	 tp;
	char		 cwd[PATH_MAX], err[512], st[64];
	double		 deadline;

	if (after == NULL)
		return;
	if (entry_spawn(tr, after, &tp, "after.out.log", "after.err.log", cwd,
	    sizeof(cwd), err, sizeof(err)) == -1) {
		fail_add(tr->tr_fails, "after.yaml:%zu: %s",
		    ctltest_yaml_line(after), err);
		return;
	}
	deadline = now() + tr->tr_opts->co_timeout;
	while (!tp.tp_done && now() < deadline && !ctltest_interrupted) {
		proc_poll(&tp);
		if (!tp.tp_done)
			msleep(10);
	}
	if (!tp.tp_done)
		fail_add(tr->tr_fails, "after.yaml: process timed out after "
		    "%ds", tr->tr_opts->co_timeout);
	else if (tr->tr_opts->co_verbose && tp.tp_status != 0)
		printf("    note: after.yaml process: %s\n",
		    status_str(tp.tp_status, st, sizeof(st)));
	proc_stop(&tp, CTLTEST_KILL_GRACE);
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
		if (path_join(path, sizeof(path), dir, de->d_name) == -1 ||
		    !path_exists(path, 0))
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
	const struct ctltest_opts *o = tr->tr_opts;
	struct ttest	*t = tr->tr_test;
	struct tproc	 tp;
	char		*files[MAXARGS], outlog[PATH_MAX], errlog[PATH_MAX];
	char		 err[512], stdinpath[PATH_MAX], *stdindata = NULL;
	const char	*argv[MAXARGS + 8];
	size_t		 nfiles = 0, i, k = 0, stdinlen = 0, stdinoff = 0;
	int		 wfd = -1, rc = -1, timedout = 0;
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
		argv[k++] = o->co_daemon;
		argv[k++] = "-d";
	}
	for (i = 0; i < nfiles; i++)
		argv[k++] = files[i];
	argv[k] = NULL;
	(void)path_join(outlog, sizeof(outlog), t->tt_dir, "fg.out.log");
	(void)path_join(errlog, sizeof(errlog), t->tt_dir, "fg.err.log");
	if (path_join(stdinpath, sizeof(stdinpath), t->tt_dir, "stdin") == 0 &&
	    path_exists(stdinpath, 0) &&
	    file_read(stdinpath, &stdindata, &stdinlen) == -1) {
		snprintf(tr->tr_reason, sizeof(tr->tr_reason), "%s: %s",
		    stdinpath, strerror(errno));
		goto out;
	}
	if (proc_spawn(&tp, t->tt_dir, (char *const *)argv, tr->tr_env, NULL,
	    outlog, errlog, &wfd, err, sizeof(err)) == -1) {
		snprintf(tr->tr_reason, sizeof(tr->tr_reason), "%s", err);
		goto out;
	}
	deadline = tp.tp_start + o->co_timeout;
	for (;;) {
		proc_poll(&tp);
		if (tp.tp_done)
			break;
		feed_stdin(wfd, stdindata, stdinlen, &stdinoff);
		if (ctltest_interrupted) {
			snprintf(tr->tr_reason, sizeof(tr->tr_reason),
			    "interrupted");
			timedout = 1;
			break;
		}
		if (now() >= deadline) {
			snprintf(tr->tr_reason, sizeof(tr->tr_reason),
			    "timed out after %ds; sent SIGTERM (SIGKILL after "
			    "%ds)", o->co_timeout, CTLTEST_KILL_GRACE);
			timedout = 1;
			break;
		}
		msleep(10);
	}
	proc_stop(&tp, CTLTEST_KILL_GRACE);
	*status = tp.tp_status;
	rc = timedout ? -1 : 0;
out:
	if (wfd != -1)
		close(wfd);
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
	struct json_object	*v, *list, *a, *src;
	char			 st[64], path[PATH_MAX], epath[PATH_MAX];
	const char		*s, *name;
	char			*text = NULL, *expect = NULL;
	size_t			 len, elen, i, n;
	int			 code;

	if (as == NULL) {
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_add(tr->tr_fails, "%s, expected exit status 0",
			    status_str(status, st, sizeof(st)));
		return;
	}
	if (!json_object_is_type(as, json_type_object)) {
		fail_add(tr->tr_fails, "assert.yaml: must be a mapping");
		return;
	}
	if (!json_object_object_get_ex(as, "status", &v) ||
	    !json_object_is_type(v, json_type_int)) {
		fail_add(tr->tr_fails, "assert.yaml:%zu: status missing or not "
		    "an integer", ctltest_yaml_line(v != NULL ? v : as));
		return;
	}
	code = json_object_get_int(v);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != code)
		fail_add(tr->tr_fails, "%s, expected exit status %d",
		    status_str(status, st, sizeof(st)), code);
	if (!json_object_object_get_ex(as, "asserts", &list) || list == NULL)
		return;
	if (!json_object_is_type(list, json_type_array)) {
		fail_add(tr->tr_fails, "assert.yaml:%zu: asserts must be a list",
		    ctltest_yaml_line(list));
		return;
	}
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		a = json_object_array_get_idx(list, i);
		if (!json_object_is_type(a, json_type_object) ||
		    !json_object_object_get_ex(a, "source", &src) ||
		    !json_object_is_type(src, json_type_string)) {
			fail_add(tr->tr_fails, "assert.yaml:%zu: asserts[%zu]: "
			    "source missing or not a string",
			    ctltest_yaml_line(a), i);
			continue;
		}
		s = json_object_get_string(src);
		name = s;
		if (strcasecmp(s, "stdout") == 0)
			s = "fg.out.log";
		else if (strcasecmp(s, "stderr") == 0)
			s = "fg.err.log";
		if (path_join(path, sizeof(path), t->tt_dir, s) == -1 ||
		    file_read(path, &text, &len) == -1) {
			fail_add(tr->tr_fails, "%s: %s", name, strerror(errno));
			continue;
		}
		if (json_object_object_get_ex(a, "equals_file", &v) &&
		    json_object_is_type(v, json_type_string)) {
			if (path_join(epath, sizeof(epath), t->tt_dir,
			    json_object_get_string(v)) == -1 ||
			    file_read(epath, &expect, &elen) == -1)
				expect = NULL;
		}
		if (ctltest_assert_check(a, name, text, len, expect,
		    expect != NULL ? elen : 0, tr->tr_fails) == -1) {
			/* malformed: say where, in the message just added */
			size_t	 last = json_object_array_length(tr->tr_fails);
			char	 msg[1024];

			snprintf(msg, sizeof(msg), "assert.yaml:%zu: asserts[%zu]: "
			    "%s", ctltest_yaml_line(a), i,
			    json_object_get_string(json_object_array_get_idx(
			    tr->tr_fails, last - 1)));
			json_object_array_put_idx(tr->tr_fails, last - 1,
			    json_object_new_string(msg));
		}
		free(text);
		free(expect);
		text = expect = NULL;
	}
}

/* Build the children's environment additions for this test. */
static struct json_object *
test_env(const struct ctltest_opts *o, const struct ttest *t)
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

	if (file_read(path, &text, &len) == -1)
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
run_test(const struct ctltest_opts *o, struct ttest *t,
    struct json_object *rep)
{
	struct trun		 tr;
	struct json_object	*before = NULL, *after = NULL, *as = NULL;
	char			 path[PATH_MAX], err[MSG_MAX];
	double			 start = now(), secs;
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
	if (path_join(path, sizeof(path), t->tt_dir, "before.yaml") == -1 ||
	    yaml_load(path, &before, err, sizeof(err)) == -1 ||
	    path_join(path, sizeof(path), t->tt_dir, "after.yaml") == -1 ||
	    yaml_load(path, &after, err, sizeof(err)) == -1 ||
	    path_join(path, sizeof(path), t->tt_dir, "assert.yaml") == -1 ||
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
		proc_stop(&tr.tr_before[i], CTLTEST_KILL_GRACE);
	secs = now() - start;
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
			if (path_join(path, sizeof(path), t->tt_dir,
			    "fg.out.log") == 0)
				print_tail(path, "fg.out.log");
			if (path_join(path, sizeof(path), t->tt_dir,
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
	struct json_object	*v = NULL, *e;
	char			 path[PATH_MAX], buf[64];
	size_t			 i, n;
	int			 r;

	if (path_join(path, sizeof(path), dir, "tags.yaml") == -1)
		return -1;
	r = yaml_load(path, &v, t->tt_err, sizeof(t->tt_err));
	if (r <= 0)
		return r;
	if (v != NULL && !json_object_is_type(v, json_type_array)) {
		snprintf(t->tt_err, sizeof(t->tt_err), "%s: must be a list of "
		    "tags", path);
		json_object_put(v);
		return -1;
	}
	n = v != NULL ? json_object_array_length(v) : 0;
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(v, i);
		if (ctltest_scalar_str(e, buf, sizeof(buf)) == NULL) {
			snprintf(t->tt_err, sizeof(t->tt_err), "%s:%zu: tags "
			    "must be strings", path, ctltest_yaml_line(e));
			json_object_put(v);
			return -1;
		}
		json_object_array_add(t->tt_tags, json_object_get(e));
	}
	json_object_put(v);
	return 0;
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

/*
 * Tremor matches includes like gitignore patterns: without a '/' the
 * pattern matches a directory's name at any depth, with one it matches the
 * path relative to the meta's directory.  Case-insensitive.
 */
int
ctltest_include_match(const char *pat, const char *rel)
{
	const char	*name = strrchr(rel, '/');

	if (strchr(pat, '/') == NULL)
		return fnmatch(pat, name != NULL ? name + 1 : rel,
		    FNM_CASEFOLD) == 0;
	return fnmatch(pat, rel, FNM_PATHNAME | FNM_CASEFOLD) == 0;
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
	if (path_join(path, sizeof(path), root, rel[0] ? rel : ".") == -1 ||
	    (d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "",
		    de->d_name) >= (int)sizeof(sub) ||
		    path_join(path, sizeof(path), root, sub) == -1 ||
		    lstat(path, &st) == -1 || !S_ISDIR(st.st_mode))
			continue;
		n = json_object_array_length(incl);
		for (i = 0; i < n; i++) {
			if (!ctltest_include_match(json_object_get_string(
			    json_object_array_get_idx(incl, i)), sub))
				continue;
			if (path_join(tags, sizeof(tags), path,
			    "tags.yaml") == 0 && path_exists(tags, 0) &&
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
	struct json_object	*meta = NULL, *kind, *inc, *incl = NULL;
	char			 path[PATH_MAX], err[MSG_MAX];
	struct ttest		*t;
	size_t			 i;

	(void)path_join(path, sizeof(path), metadir, "meta.yaml");
	if (yaml_load(path, &meta, err, sizeof(err)) == -1)
		goto bad;
	if (!json_object_is_type(meta, json_type_object) ||
	    !json_object_object_get_ex(meta, "kind", &kind) ||
	    !json_object_is_type(kind, json_type_string)) {
		snprintf(err, sizeof(err), "%s: kind missing", path);
		goto bad;
	}
	if (strcasecmp(json_object_get_string(kind), "integration") != 0)
		goto out;
	if (!json_object_object_get_ex(meta, "includes", &inc) ||
	    inc == NULL) {
		snprintf(err, sizeof(err), "%s: includes missing", path);
		goto bad;
	}
	incl = json_object_new_array();
	if (json_object_is_type(inc, json_type_string))
		json_object_array_add(incl, json_object_get(inc));
	else if (json_object_is_type(inc, json_type_array)) {
		for (i = 0; i < json_object_array_length(inc); i++) {
			struct json_object *e = json_object_array_get_idx(inc,
			    i);

			if (!json_object_is_type(e, json_type_string)) {
				snprintf(err, sizeof(err), "%s: includes must "
				    "be glob strings", path);
				goto bad;
			}
			json_object_array_add(incl, json_object_get(e));
		}
	} else {
		snprintf(err, sizeof(err), "%s: includes must be a glob",
		    path);
		goto bad;
	}
	walk_includes(tl, base, metadir, "", incl, 0);
	goto out;
bad:
	if ((t = tlist_add(tl, path, base)) != NULL)
		strlcpy(t->tt_err, err, sizeof(t->tt_err));
out:
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
	(void)path_join(path, sizeof(path), dir, "meta.yaml");
	if (path_exists(path, 0)) {
		meta_load(tl, base, dir);
		found++;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (path_join(path, sizeof(path), dir, de->d_name) == -1 ||
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
ctltest_run(const struct ctltest_opts *o, int ndirs, char **dirs)
{
	struct tlist		*tl;
	struct json_object	*report, *tests, *rep;
	struct sigaction	 sa;
	size_t			 i;
	int			 d, npass = 0, nfail = 0, nskip = 0;

	if ((tl = calloc(1, sizeof(*tl))) == NULL) {
		fprintf(stderr, "wsflowctl: out of memory\n");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

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
		if (t->tt_err[0] == '\0' && !ctltest_tags_selected(t->tt_tags,
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
		} else if (ctltest_interrupted) {
			json_object_put(rep);
			continue;
		} else if (run_test(o, t, rep))
			nfail++;
		else
			npass++;
		json_object_array_add(tests, rep);
	}
	nfail += tl->tl_errors;
	if (ctltest_interrupted)
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
	return nfail == 0 && !ctltest_interrupted ? 0 : 1;
}
