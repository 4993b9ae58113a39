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

#define CTL_SOCKET	WSFLOW_RUNDIR "/wsflowd.sock"
#define CTL_TEST	0		/* not a daemon command */
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
	{ "log",	"verbose",	CTL_LOG_VERBOSE },
	{ "log",	"brief",	CTL_LOG_BRIEF },
	{ "stop",	NULL,		CTL_STOP },
	{ "reload",	NULL,		CTL_RELOAD },
	{ "test",	NULL,		CTL_TEST },
};
#define NCMDS	(sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

static void	usage(void) __attribute__((noreturn));

/* Print the synopsis and exit. */
static void
usage(void)
{
	fprintf(stderr, "usage: wsflowctl [-j] [-s socket] command "
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

/* Connect to the daemon's control socket; -1 after printing why. */
static int
ctl_connect(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		fprintf(stderr, "wsflowctl: %s: socket path too long\n", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		fprintf(stderr, "wsflowctl: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "wsflowctl: %s: %s\n", path, strerror(errno));
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
 * Send one request for cmd on fd and print the daemon's answer: as it
 * is with -j, as text otherwise.  A failed command's reason goes to
 * stderr.  Returns 0 when the daemon says the command succeeded.
 */
static int
ctl_exchange(int fd, const struct ctl_command *cmd, int json)
{
	struct json_tokener	*tok;
	struct json_object	*o = NULL, *v;
	struct timeval		 tv = { CTL_TIMEOUT_S, 0 };
	struct buf		 in, out;
	char			 req[CTL_REQ_MAX], err[256];
	int			 rc = -1;

	buf_init(&in, CTL_RES_MAX);
	buf_init(&out, 0);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (ctlproto_req_build(cmd->cc_action, req, sizeof(req)) == -1)
		goto out;
	if (write_all(fd, req, strlen(req)) == -1 ||
	    read_reply(fd, &in) == -1) {
		fprintf(stderr, "wsflowctl: control socket: %s\n",
		    strerror(errno));
		goto out;
	}
	while (in.bf_len > 0 && (in.bf_data[in.bf_len - 1] == '\n' ||
	    in.bf_data[in.bf_len - 1] == '\r'))
		in.bf_len--;
	if ((tok = json_tokener_new()) == NULL)
		goto out;
	if (in.bf_len > 0)
		o = json_tokener_parse_ex(tok, in.bf_data, (int)in.bf_len);
	if (o == NULL || tok->char_offset != (int)in.bf_len ||
	    !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "ok", &v)) {
		json_tokener_free(tok);
		fprintf(stderr, "wsflowctl: the daemon's reply is not "
		    "valid\n");
		goto out;
	}
	json_tokener_free(tok);
	if (json) {
		fwrite(in.bf_data, 1, in.bf_len, stdout);
		putchar('\n');
	}
	if (!json_object_get_boolean(v)) {
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

	/* "+": stop at the command so its own options stay unparsed. */
	while ((ch = getopt(argc, argv, "+js:")) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
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

	if ((fd = ctl_connect(sock)) == -1)
		return 1;
	rc = ctl_exchange(fd, cmd, json);
	close(fd);
	return rc == 0 ? 0 : 1;
}
