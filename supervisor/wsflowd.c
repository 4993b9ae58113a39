/* SPDX-License-Identifier: ISC */
/*
 * wsflowd: the wsflow supervisor.  main() is the process graph in the
 * order it comes up: load the configuration, plan routes, spawn the
 * workers, wire their routes, push their configuration, start them and
 * run the loop.  Options, the -n check and becoming a daemon are the
 * functions above it.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploy.h"
#include "load.h"
#include "log.h"
#include "proc.h"
#include "sup.h"
#include "url.h"

#define WSFLOWD_CONF	WSFLOW_SYSCONFDIR "/wsflow/wsflow.troy"
#define WSFLOWD_SOCKET	WSFLOW_RUNDIR "/wsflowd.sock"
#define MAX_DEFINES	64
#define START_SECS	60	/* -t default */
#define START_SECS_MAX	86400
/* The waiting parent's own bound past -t: the daemon's stop (its drain
 * timeout, 5 s) has to fit in. */
#define START_GRACE_SECS	15

/* The command line, and what becoming a daemon keeps of it. */
struct wsflowd {
	char		*wd_defines[MAX_DEFINES];
	int		 wd_ndefines;
	char		*wd_conf;	/* -f */
	char		**wd_files;
	int		 wd_nfiles;
	const char	*wd_pidfile;
	char		 wd_pidpath[1024];
	const char	*wd_sock;	/* -s */
	const char	*wd_metrics;	/* -m */
	int		 wd_debug;
	int		 wd_noaction;
	int		 wd_verbose;
	int		 wd_start_secs;	/* -t */
	char		**wd_filecopy;	/* for status: argv may be reused */
	char		*wd_sockcopy;
	int		 wd_ctlfd;
	struct sup_opts	 wd_sup;
	const char	*wd_statedir;	/* -S */
};

static void usage(void) __attribute__((noreturn));

/* Print the synopsis and exit. */
static void
usage(void)
{
	fprintf(stderr, "usage: wsflowd [-dnVv] [-D name=value] [-f file] "
	    "[-m address:port] [-p pidfile] [-S statedir] [-s socket] "
	    "[-t seconds] [file ...]\n");
	exit(1);
}

/* Parse the command line into wd; bad usage exits. */
static void
wsflowd_options(int argc, char *argv[], struct wsflowd *wd)
{
	const char	*errstr;
	int		 ch;

	memset(wd, 0, sizeof(*wd));
	wd->wd_ctlfd = -1;
	wd->wd_sup.so_metrics_fd = -1;
	wd->wd_start_secs = START_SECS;
	while ((ch = getopt(argc, argv, "D:df:m:np:S:s:t:Vv")) != -1) {
		switch (ch) {
		case 'D':
			if (strchr(optarg, '=') == NULL ||
			    optarg[0] == '=' || wd->wd_ndefines == MAX_DEFINES) {
				fprintf(stderr, "wsflowd: -D %s: expected "
				    "name=value\n", optarg);
				exit(1);
			}
			/* Kept for reloads: setproctitle() reuses argv. */
			if ((wd->wd_defines[wd->wd_ndefines++] =
			    strdup(optarg)) == NULL)
				exit(1);
			break;
		case 'd':
			wd->wd_debug = 1;
			break;
		case 'f':
			wd->wd_conf = optarg;
			break;
		case 'm':
			wd->wd_metrics = optarg;
			break;
		case 'n':
			wd->wd_noaction = 1;
			break;
		case 'p':
			wd->wd_pidfile = optarg;
			break;
		case 'S':
			wd->wd_statedir = optarg;
			break;
		case 's':
			wd->wd_sock = optarg;
			break;
		case 't':
			wd->wd_start_secs = (int)strtonum(optarg, 0,
			    START_SECS_MAX, &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "wsflowd: -t %s: seconds, 0 to "
				    "%d: %s\n", optarg, START_SECS_MAX, errstr);
				exit(1);
			}
			break;
		case 'V':
			printf("wsflowd %s\n", PACKAGE_VERSION);
			exit(fflush(stdout) == 0 ? 0 : 1);
		case 'v':
			wd->wd_verbose++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;

	if (wd->wd_conf != NULL && argc > 0) {
		fprintf(stderr, "wsflowd: give either -f file or files, "
		    "not both\n");
		usage();
	}
	if (argc > 0) {
		wd->wd_files = argv;
		wd->wd_nfiles = argc;
	} else {
		if (wd->wd_conf == NULL)
			wd->wd_conf = (char *)WSFLOWD_CONF;
		wd->wd_files = &wd->wd_conf;
		wd->wd_nfiles = 1;
	}
}

/* -n: the configuration is loaded, so it is good; -v prints it. */
static void __attribute__((noreturn))
wsflowd_check(struct deployment *dep, int verbose)
{
	if (verbose)
		deploy_print(dep, stdout);
	fprintf(stderr, "configuration OK\n");
	deploy_free(dep);
	exit(0);
}

/* Write "<pid>\n" to path. */
static int
write_pidfile(const char *path)
{
	FILE	*fp;

	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	fprintf(fp, "%ld\n", (long)getpid());
	return fclose(fp);
}

/* -m address:port: bind the metrics listener (before detaching, so that
 * a port in use is reported on the terminal). */
static void
wsflowd_metrics(struct wsflowd *wd)
{
	struct json_object	*c;
	char			 err[256];

	if (wd->wd_metrics == NULL)
		return;
	if (url_is_unix(wd->wd_metrics)) {
		/* unix:PATH is a ws_server's, not the exporter's */
		log_warnx("-m %s: an address:port, not a Unix socket",
		    wd->wd_metrics);
		exit(1);
	}
	c = json_object_new_object();
	json_object_object_add(c, "url",
	    json_object_new_string(wd->wd_metrics));
	wd->wd_sup.so_metrics_fd = listen_open(c, err, sizeof(err));
	json_object_put(c);
	if (wd->wd_sup.so_metrics_fd == -1) {
		log_warnx("-m %s: %s", wd->wd_metrics, err);
		exit(1);
	}
}

/*
 * The starting process, once the daemon is forked: wait on the pipe for
 * the daemon's word that every worker runs (SUP_READY_BYTE) and exit 0,
 * or for the pipe to close without it (the daemon failed and said why on
 * the standard error it still shares, start-up timeouts included) and
 * exit 1.  With -t, a daemon that says nothing for START_GRACE_SECS past
 * it is stopped from here (SIGTERM, then SIGKILL).
 */
static void __attribute__((noreturn))
wsflowd_wait_ready(int fd, pid_t pid, int secs)
{
	struct pollfd	 pfd;
	char		 c;
	ssize_t		 n;
	int		 st, r, ms;

	pfd.fd = fd;
	pfd.events = POLLIN;
	ms = secs > 0 ? (secs + START_GRACE_SECS) * 1000 : -1;
	while ((r = poll(&pfd, 1, ms)) == -1 && errno == EINTR)
		;
	if (r == 0) {
		fprintf(stderr, "wsflowd: the daemon did not start within "
		    "%d s (-t %d); stopping it\n", secs + START_GRACE_SECS,
		    secs);
		(void)kill(pid, SIGTERM);
		pfd.revents = 0;
		while ((r = poll(&pfd, 1, START_GRACE_SECS * 1000)) == -1 &&
		    errno == EINTR)
			;
		if (r == 0)
			(void)kill(pid, SIGKILL);
		(void)waitpid(pid, &st, 0);
		exit(1);
	}
	do
		n = read(fd, &c, 1);
	while (n == -1 && errno == EINTR);
	if (n == 1 && c == SUP_READY_BYTE)
		exit(0);
	if (waitpid(pid, &st, 0) == pid && WIFSIGNALED(st))
		fprintf(stderr, "wsflowd: the daemon was killed by signal %d "
		    "while starting\n", WTERMSIG(st));
	exit(1);
}

/*
 * Become a daemon: fork (the parent waits for the start-up to finish,
 * wsflowd_wait_ready), a new session, standard input and output on
 * /dev/null, logs to syslog.  Standard error stays the terminal's until
 * the flow runs, so that whatever stops the start-up is printed there
 * too; the supervisor then closes it (sup_ready).  Returns the write end
 * of the pipe.
 */
static int
wsflowd_detach(int secs)
{
	int	 p[2], null;
	pid_t	 pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe");
	fflush(stderr);
	switch ((pid = fork())) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		close(p[1]);
		wsflowd_wait_ready(p[0], pid, secs);
	}
	close(p[0]);
	if (setsid() == -1)
		fatal("setsid");
	if ((null = open("/dev/null", O_RDWR)) == -1 ||
	    dup2(null, STDIN_FILENO) == -1 || dup2(null, STDOUT_FILENO) == -1)
		fatal("/dev/null");
	if (null > STDERR_FILENO)
		close(null);
	if (log_syslog(LOG_TO_SYSLOG | LOG_TO_STDERR, 1) == -1)
		log_warnx("no syslog socket: logs after start-up are lost");
	return p[1];
}

/* Bind the control socket, detach (unless -d), write the pid file and
 * fill the supervisor's options. */
static void
wsflowd_daemonize(struct wsflowd *wd)
{
	const char	*sock = wd->wd_sock;
	int		 i, ready = -1;

	log_init("wsflowd", wd->wd_verbose);
	wsflowd_metrics(wd);
	/* Before daemon(): a second daemon on the socket is refused here. */
	if (ctl_open(sock != NULL ? sock : WSFLOWD_SOCKET, sock != NULL,
	    &wd->wd_ctlfd) == -1)
		exit(1);
	/* Copies for status: setproctitle() may reuse argv's memory. */
	if ((wd->wd_filecopy = calloc(wd->wd_nfiles,
	    sizeof(*wd->wd_filecopy))) == NULL ||
	    (wd->wd_sockcopy = strdup(sock != NULL ? sock :
	    WSFLOWD_SOCKET)) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < wd->wd_nfiles; i++)
		if ((wd->wd_filecopy[i] = strdup(wd->wd_files[i])) == NULL)
			fatal("%s", __func__);
	if (!wd->wd_debug)
		ready = wsflowd_detach(wd->wd_start_secs);
	/* setproctitle() may reuse argv's memory: keep a copy. */
	if (wd->wd_pidfile != NULL) {
		if (strlcpy(wd->wd_pidpath, wd->wd_pidfile,
		    sizeof(wd->wd_pidpath)) >= sizeof(wd->wd_pidpath))
			fatalx("pidfile name too long");
		wd->wd_pidfile = wd->wd_pidpath;
		if (write_pidfile(wd->wd_pidfile) == -1)
			fatal("pidfile %s", wd->wd_pidfile);
	}
	setproctitle("%s", "supervisor");
	wd->wd_sup.so_verbose = wd->wd_verbose;
	wd->wd_sup.so_drain_ms = 5000;
	wd->wd_sup.so_files = wd->wd_filecopy;
	wd->wd_sup.so_nfiles = wd->wd_nfiles;
	wd->wd_sup.so_defines = wd->wd_defines;
	wd->wd_sup.so_ndefines = wd->wd_ndefines;
	wd->wd_sup.so_ctl_fd = wd->wd_ctlfd;
	wd->wd_sup.so_ctl_path = wd->wd_sockcopy;
	wd->wd_sup.so_state_dir = wd->wd_statedir != NULL ? wd->wd_statedir :
	    WSFLOW_STATEDIR;
	wd->wd_sup.so_ready_fd = ready;
	wd->wd_sup.so_start_secs = wd->wd_start_secs;
}

/* Remove the control socket and the pid file; free the copies. */
static void
wsflowd_cleanup(struct wsflowd *wd)
{
	int	 i;

	ctl_close(wd->wd_ctlfd, wd->wd_sockcopy);
	for (i = 0; i < wd->wd_ndefines; i++)
		free(wd->wd_defines[i]);
	for (i = 0; i < wd->wd_nfiles; i++)
		free(wd->wd_filecopy[i]);
	free(wd->wd_filecopy);
	free(wd->wd_sockcopy);
	if (wd->wd_pidfile != NULL)
		(void)unlink(wd->wd_pidfile);
}

/* The process graph of wsflowd, in the order it comes up. */
int
main(int argc, char *argv[], char *envp[])
{
	struct wsflowd		 wd;
	struct deployment	*dep;
	struct plan		 plan;
	char			 err[256];
	int			 status = 1;

	setproctitle_init(argc, argv, envp);
	log_init("wsflowd", 1);
	proc_set_msg_name(proto_msg_name);
	wsflowd_options(argc, argv, &wd);

	/* Load: parse and check the configuration (-n ends here). */
	if ((dep = deploy_load(wd.wd_files, wd.wd_nfiles, wd.wd_defines,
	    wd.wd_ndefines, stderr)) == NULL)
		exit(1);
	/* What the start would fail on: the same errors for -n. */
	if (pf_check(dep, stderr, wd.wd_noaction) == -1) {
		deploy_free(dep);
		exit(1);
	}
	if (wd.wd_noaction)
		wsflowd_check(dep, wd.wd_verbose);
	wsflowd_daemonize(&wd);

	/* Plan routes: which workers, which socketpairs, whose config. */
	memset(&plan, 0, sizeof(plan));
	if (sup_init(&wd.wd_sup) == -1)
		goto done;
	if (route_plan(dep, &plan, err, sizeof(err)) == -1) {
		log_warnx("routes: %s", err);
		goto done;
	}
	/* The process table: listeners bound, one entry per worker; the
	 * supervisor owns the configuration from here (reload). */
	status = sup_table(dep, &plan);
	dep = NULL;
	if (status == -1) {
		status = 1;
		goto done;
	}

	sup_spawn();		/* fork+exec each worker, channel on fd 3 */
	sup_wire();		/* a socketpair per route, an end to each */
	sup_configure();	/* MSG_CONFIG, listener, MSG_CONFIG_END */
	sup_start();		/* sinks first, once all are ready */
	status = sup_loop();	/* until every worker is gone */
done:
	sup_free();
	route_plan_free(&plan);
	wsflowd_cleanup(&wd);
	deploy_free(dep);
	return status;
}
