/* SPDX-License-Identifier: ISC */
/*
 * wsflowctl: control a running wsflowd over its control socket, and run
 * integration test directories (`wsflowctl test`, see ctl_test.c).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "buf.h"
#include "ctl_render.h"
#include "ctl_test.h"
#include "ctlproto.h"
#include "promstats.h"
#include "statsum.h"

#define CTL_SOCKET	WSFLOW_RUNDIR "/wsflowd.sock"
#define CTL_TEST	0		/* not a daemon command */
#define CTL_VERSION	(-1)		/* answered here, then by status */
#define CTL_METRICS	(-2)		/* show stats, rendered here */
#define CTL_TIMEOUT_S	30		/* for the daemon's reply */

/* One command: one or two words; test takes its own arguments. */
static const struct ctl_command {
	const char	*cc_word;
	const char	*cc_arg;	/* required second word, or NULL */
	int		 cc_action;	/* enum ctl_cmd or CTL_TEST */
} ctl_cmds[] = {
	{ "status",	NULL,		CTL_STATUS },
	{ "show",	"connectors",	CTL_SHOW_CONNECTORS },
	{ "show",	"pipelines",	CTL_SHOW_PIPELINES },
	{ "show",	"stats",	CTL_SHOW_STATS },
	{ "metrics",	NULL,		CTL_METRICS },
	{ "log",	"verbose",	CTL_LOG_VERBOSE },
	{ "log",	"brief",	CTL_LOG_BRIEF },
	{ "stop",	NULL,		CTL_STOP },
	{ "reload",	NULL,		CTL_RELOAD },
	{ "test",	NULL,		CTL_TEST },
	{ "version",	NULL,		CTL_VERSION },
};
#define NCMDS	(sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

static void	usage(void) __attribute__((noreturn));

/* Print the synopsis and exit. */
static void
usage(void)
{
	fprintf(stderr, "usage: wsflowctl [-jV] [-s socket] command "
	    "[argument ...]\n"
	    "       wsflowctl test [-v] [-e tag] [-i tag] [-o report] "
	    "[-t seconds] dir ...\n");
	exit(1);
}

/* Find the command named by argv; exits with a message when unknown. */
static const struct ctl_command *
ctl_lookup(int argc, char *argv[])
{
	size_t		 i;
	int		 known = 0;
	char		 alts[128] = "";

	for (i = 0; i < NCMDS; i++) {
		if (strcmp(argv[0], ctl_cmds[i].cc_word) != 0)
			continue;
		known = 1;
		if (ctl_cmds[i].cc_action == CTL_TEST)
			return &ctl_cmds[i];
		if (ctl_cmds[i].cc_arg == NULL) {
			if (argc != 1) {
				fprintf(stderr, "wsflowctl: %s: takes no "
				    "arguments\n", argv[0]);
				exit(1);
			}
			return &ctl_cmds[i];
		}
		if (argc == 2 && strcmp(argv[1], ctl_cmds[i].cc_arg) == 0)
			return &ctl_cmds[i];
		if (alts[0] != '\0')
			strlcat(alts, "|", sizeof(alts));
		strlcat(alts, ctl_cmds[i].cc_arg, sizeof(alts));
	}
	if (known) {
		fprintf(stderr, "wsflowctl: usage: %s %s\n", argv[0], alts);
		exit(1);
	}
	fprintf(stderr, "wsflowctl: %s: unknown command\n", argv[0]);
	usage();
}

/* Connect to the daemon's control socket; -1 with the reason in err. */
static int
ctl_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Write all of len bytes; -1 on error. */
static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* Read the reply line (up to CTL_RES_MAX bytes) into b; -1 on error. */
static int
read_reply(int fd, struct buf *b)
{
	char	 chunk[8192];
	ssize_t	 n;

	for (;;) {
		if ((n = read(fd, chunk, sizeof(chunk))) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		if (buf_add(b, chunk, n) == -1) {
			errno = EMSGSIZE;
			return -1;
		}
		if (memchr(chunk, '\n', n) != NULL)
			break;
	}
	return 0;
}

/*
 * Say why a command failed: on stderr, or with -j as {"error": ...} on
 * standard output, so that -j always prints JSON.  Returns 1, the exit
 * status.
 */
static int
ctl_fail(int json, const char *err)
{
	struct json_object	*o;

	if (!json) {
		fprintf(stderr, "wsflowctl: %s\n", err);
		return 1;
	}
	if ((o = json_object_new_object()) == NULL)
		return 1;
	json_object_object_add(o, "error", json_object_new_string(err));
	printf("%s\n", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	(void)fflush(stdout);
	return 1;
}

/*
 * Send one request for action on fd and read the daemon's reply into in
 * (its line) and *out (the object, with a member "ok").  -1 with the
 * reason in err when it cannot be had.
 */
static int
ctl_call(int fd, int action, struct buf *in, struct json_object **out,
    char *err, size_t errlen)
{
	struct json_tokener	*tok;
	struct json_object	*o = NULL;
	struct timeval		 tv = { CTL_TIMEOUT_S, 0 };
	char			 req[CTL_REQ_MAX];

	*out = NULL;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (ctlproto_req_build(action, req, sizeof(req)) == -1) {
		snprintf(err, errlen, "request too long");
		return -1;
	}
	if (write_all(fd, req, strlen(req)) == -1 ||
	    read_reply(fd, in) == -1) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		return -1;
	}
	while (in->bf_len > 0 && (in->bf_data[in->bf_len - 1] == '\n' ||
	    in->bf_data[in->bf_len - 1] == '\r'))
		in->bf_len--;
	if ((tok = json_tokener_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (in->bf_len > 0)
		o = json_tokener_parse_ex(tok, in->bf_data, (int)in->bf_len);
	if (o == NULL || tok->char_offset != (int)in->bf_len ||
	    !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "ok", NULL)) {
		json_tokener_free(tok);
		json_object_put(o);
		snprintf(err, errlen, "the daemon's reply is not valid");
		return -1;
	}
	json_tokener_free(tok);
	*out = o;
	return 0;
}

/*
 * metrics: the show stats reply o rendered as Prometheus text, the text
 * the exporter serves (common/promstats.h); with -j as {"ok": true,
 * "metrics": TEXT}.  0, or -1 with the reason in err.
 */
static int
ctl_metrics(struct json_object *o, int json, char *err, size_t errlen)
{
	struct json_object	*r;
	struct buf		 out;
	int			 rc = -1;

	buf_init(&out, 0);
	if (promstats_render(o, &out, err, errlen) == -1)
		goto out;
	if (!json)
		fwrite(out.bf_data, 1, out.bf_len, stdout);
	else {
		r = json_object_new_object();
		json_object_object_add(r, "ok", json_object_new_boolean(1));
		json_object_object_add(r, "metrics",
		    json_object_new_string_len(out.bf_data, (int)out.bf_len));
		printf("%s\n", json_object_to_json_string_ext(r,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(r);
	}
	rc = 0;
out:
	buf_free(&out);
	return rc;
}

/* Whether a show stats reply lists instances of a connector. */
static int
ctl_has_instances(struct json_object *o)
{
	struct json_object	*list;
	size_t			 i;

	if ((list = json_object_object_get(o, "connectors")) == NULL ||
	    !json_object_is_type(list, json_type_array))
		return 0;
	for (i = 0; i < json_object_array_length(list); i++)
		if (json_object_object_get(json_object_array_get_idx(list, i),
		    "of") != NULL)
			return 1;
	return 0;
}

/*
 * Send one request for cmd on fd and print the daemon's answer: as it
 * is with -j, as text otherwise.  A failed command's reason goes to
 * stderr.  Returns 0 when the daemon says the command succeeded.
 */
static int
ctl_exchange(int fd, const struct ctl_command *cmd, int json)
{
	struct json_object	*o = NULL;
	struct buf		 in, out;
	char			 err[256];
	int			 rc = -1, metrics;

	buf_init(&in, CTL_RES_MAX);
	buf_init(&out, 0);
	metrics = cmd->cc_action == CTL_METRICS;
	if (ctl_call(fd, metrics ? CTL_SHOW_STATS : cmd->cc_action, &in, &o,
	    err, sizeof(err)) == -1) {
		(void)ctl_fail(json, err);
		goto out;
	}
	if (metrics && json_object_get_boolean(json_object_object_get(o,
	    "ok"))) {
		if (ctl_metrics(o, json, err, sizeof(err)) == -1) {
			(void)ctl_fail(json, err);
			goto out;
		}
		rc = fflush(stdout) == 0 ? 0 : -1;
		goto out;
	}
	if (json && cmd->cc_action == CTL_SHOW_STATS && ctl_has_instances(o)) {
		/* with the sums of a connector's instances added */
		(void)statsum_instances(o);
		printf("%s\n", json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else if (json) {
		fwrite(in.bf_data, 1, in.bf_len, stdout);
		putchar('\n');
	}
	if (!json_object_get_boolean(json_object_object_get(o, "ok"))) {
		fprintf(stderr, "wsflowctl: %s\n", json_object_get_string(
		    json_object_object_get(o, "error")));
		goto out;
	}
	if (!json) {
		if (render_reply(cmd->cc_action, o, &out, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "wsflowctl: %s\n", err);
			goto out;
		}
		fwrite(out.bf_data, 1, out.bf_len, stdout);
	}
	rc = fflush(stdout) == 0 ? 0 : -1;
out:
	json_object_put(o);
	buf_free(&in);
	buf_free(&out);
	return rc;
}

/* The daemon's version from its status reply, or NULL when none of
 * this socket answers; *o is the reply to free. */
static const char *
ctl_daemon_version(const char *sock, struct json_object **o)
{
	struct json_object	*v;
	struct buf		 in;
	char			 err[256];
	int			 fd;

	*o = NULL;
	if ((fd = ctl_connect(sock, err, sizeof(err))) == -1)
		return NULL;
	buf_init(&in, CTL_RES_MAX);
	if (ctl_call(fd, CTL_STATUS, &in, o, err, sizeof(err)) == -1)
		*o = NULL;
	close(fd);
	buf_free(&in);
	if (*o == NULL || !json_object_get_boolean(
	    json_object_object_get(*o, "ok")) ||
	    !json_object_object_get_ex(*o, "version", &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* wsflowctl version: ours, and the daemon's when one answers. */
static int
ctl_version(const char *sock, int json)
{
	struct json_object	*st, *o;
	const char		*dv;

	dv = ctl_daemon_version(sock, &st);
	if (!json) {
		printf("wsflowctl %s\n", PACKAGE_VERSION);
		if (dv != NULL)
			printf("wsflowd %s\n", dv);
	} else {
		if ((o = json_object_new_object()) == NULL)
			return 1;
		json_object_object_add(o, "ok", json_object_new_boolean(1));
		json_object_object_add(o, "wsflowctl",
		    json_object_new_string(PACKAGE_VERSION));
		if (dv != NULL)
			json_object_object_add(o, "wsflowd",
			    json_object_new_string(dv));
		printf("%s\n", json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	json_object_put(st);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* The directory of this executable (from /proc/self/exe). */
static int
self_path(char *buf, size_t len)
{
	ssize_t	 n;

	if ((n = readlink("/proc/self/exe", buf, len - 1)) <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* A sibling of this executable when it exists and is executable. */
static char *
sibling(const char *self, const char *name)
{
	char		 path[PATH_MAX];
	const char	*slash = strrchr(self, '/');

	if (slash == NULL || snprintf(path, sizeof(path), "%.*s/%s",
	    (int)(slash - self), self, name) >= (int)sizeof(path))
		return NULL;
	if (access(path, X_OK) == -1)
		return NULL;
	return strdup(path);
}

/*
 * 1 when this executable runs from the build tree, where wsflowd and the
 * tremor shim are not its siblings but in supervisor/ and the sources.
 */
static int
in_builddir(const char *self)
{
	return self != NULL && strncmp(self, WSFLOW_BUILDDIR "/",
	    strlen(WSFLOW_BUILDDIR) + 1) == 0;
}

/*
 * A program named by the environment: tests run in their own directories,
 * so a relative path with a slash is made absolute here.
 */
static const char *
env_prog(const char *name, char *buf, size_t len)
{
	const char	*v = getenv(name);
	char		 real[PATH_MAX];

	if (v == NULL || *v == '\0')
		return NULL;
	if (v[0] == '/' || strchr(v, '/') == NULL)
		return v;
	if (realpath(v, real) == NULL || strlcpy(buf, real, len) >= len)
		return v;
	return buf;
}

/* Parse `test` options and run the tests. */
static int
ctl_test(int argc, char *argv[])
{
	struct ctr_opts	 o;
	char			 self[PATH_MAX], *daemon = NULL, *shim = NULL;
	const char		*e, *env;
	int			 ch, rc;
	char			 path[PATH_MAX], dpath[PATH_MAX];
	char			 tpath[PATH_MAX], spath[PATH_MAX];

	memset(&o, 0, sizeof(o));
	o.co_timeout = CTR_TIMEOUT;
	optind = 0;	/* glibc: reinitialise, allow options after dirs */
	while ((ch = getopt(argc, argv, "e:i:o:t:v")) != -1) {
		switch (ch) {
		case 'e':
		case 'i':
			if ((ch == 'e' ? o.co_nexcl : o.co_nincl) ==
			    CTR_MAXTAGS) {
				fprintf(stderr, "wsflowctl: too many -%c\n",
				    ch);
				return 1;
			}
			if (ch == 'e')
				o.co_excl[o.co_nexcl++] = optarg;
			else
				o.co_incl[o.co_nincl++] = optarg;
			break;
		case 'o':
			o.co_report = optarg;
			break;
		case 't':
			o.co_timeout = (int)strtonum(optarg, 1, 86400, &e);
			if (e != NULL) {
				fprintf(stderr, "wsflowctl: -t %s: %s\n",
				    optarg, e);
				return 1;
			}
			break;
		case 'v':
			o.co_verbose = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();

	if (self_path(self, sizeof(self)) == 0)
		o.co_self = self;
	if ((env = env_prog("WSFLOWD", dpath, sizeof(dpath))) != NULL)
		o.co_daemon = env;
	else if (o.co_self != NULL &&
	    (daemon = sibling(o.co_self, "wsflowd")) != NULL)
		o.co_daemon = daemon;
	else if (in_builddir(o.co_self))
		o.co_daemon = WSFLOW_BUILDDIR "/supervisor/wsflowd";
	else
		o.co_daemon = "wsflowd";
	o.co_tremor_bin = env_prog("TREMOR_BIN", tpath, sizeof(tpath));
	if ((env = env_prog("WSFLOW_TREMOR", spath, sizeof(spath))) != NULL)
		o.co_shim = env;
	else if (in_builddir(o.co_self))
		o.co_shim = WSFLOW_SRCDIR "/contrib/tremor";
	else if (snprintf(path, sizeof(path), "%s/tremor", WSFLOW_LIBEXECDIR) <
	    (int)sizeof(path) && access(path, R_OK) == 0)
		o.co_shim = shim = strdup(path);
	if (o.co_shim == NULL)
		o.co_shim = "tremor";

	rc = ctr_run(&o, argc, argv);
	free(daemon);
	free(shim);
	return rc;
}

int
main(int argc, char *argv[])
{
	const struct ctl_command	*cmd;
	const char		*sock = CTL_SOCKET;
	int			 ch, json = 0, fd, rc;
	char			 err[PATH_MAX + 64];

	/* "+": stop at the command so its own options stay unparsed. */
	while ((ch = getopt(argc, argv, "+jVs:")) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'V':
			printf("wsflowctl %s\n", PACKAGE_VERSION);
			return fflush(stdout) == 0 ? 0 : 1;
		case 's':
			sock = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();

	cmd = ctl_lookup(argc, argv);
	if (cmd->cc_action == CTL_TEST)
		return ctl_test(argc, argv);
	if (cmd->cc_action == CTL_VERSION)
		return ctl_version(sock, json);

	if ((fd = ctl_connect(sock, err, sizeof(err))) == -1)
		return ctl_fail(json, err);
	rc = ctl_exchange(fd, cmd, json);
	close(fd);
	return rc == 0 ? 0 : 1;
}
