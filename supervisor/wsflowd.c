/*
 * wsflowd: the wsflow supervisor.  Option parsing and the -n (check the
 * configuration) path; running flows is sup_run() (supervisor.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploy.h"
#include "log.h"
#include "proc.h"
#include "sup.h"

#define WSFLOWD_CONF	"/etc/wsflow/wsflow.troy"
#define WSFLOWD_SOCKET	WSFLOW_RUNDIR "/wsflowd.sock"
#define MAX_DEFINES	64

static void usage(void) __attribute__((noreturn));

/* Print the synopsis and exit. */
static void
usage(void)
{
	fprintf(stderr, "usage: wsflowd [-dnv] [-D name=value] [-f file] "
	    "[-p pidfile] [-s socket] [file ...]\n");
	exit(1);
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

/* Parse options, load the configuration, check it or run it. */
int
main(int argc, char *argv[], char *envp[])
{
	struct sup_opts		 so;
	char			 pidpath[1024];
	int			 status;
	struct deployment	*dep;
	char			*defines[MAX_DEFINES], *conf = NULL;
	char			**files, **filecopy;
	const char		*pidfile = NULL, *sock = NULL;
	char			*sockcopy;
	int			 ch, debug = 0, noaction = 0, verbose = 0;
	int			 ndefines = 0, nfiles, i, ctlfd;

	setproctitle_init(argc, argv, envp);
	log_init("wsflowd", 1);
	proc_set_msg_name(proto_msg_name);
	while ((ch = getopt(argc, argv, "D:df:np:s:v")) != -1) {
		switch (ch) {
		case 'D':
			if (strchr(optarg, '=') == NULL ||
			    optarg[0] == '=' || ndefines == MAX_DEFINES) {
				fprintf(stderr, "wsflowd: -D %s: expected "
				    "name=value\n", optarg);
				exit(1);
			}
			defines[ndefines++] = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'f':
			conf = optarg;
			break;
		case 'n':
			noaction = 1;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;

	if (conf != NULL && argc > 0) {
		fprintf(stderr, "wsflowd: give either -f file or files, "
		    "not both\n");
		usage();
	}
	if (argc > 0) {
		files = argv;
		nfiles = argc;
	} else {
		if (conf == NULL)
			conf = (char *)WSFLOWD_CONF;
		files = &conf;
		nfiles = 1;
	}

	dep = deploy_load(files, nfiles, defines, ndefines, stderr);
	if (dep == NULL)
		exit(1);
	if (noaction) {
		if (verbose)
			deploy_print(dep, stdout);
		fprintf(stderr, "configuration OK\n");
		deploy_free(dep);
		exit(0);
	}

	log_init("wsflowd", verbose);
	/* Before daemon(): a second daemon on the socket is refused here. */
	if (ctl_open(sock != NULL ? sock : WSFLOWD_SOCKET, sock != NULL,
	    &ctlfd) == -1)
		exit(1);
	/* Copies for status: setproctitle() may reuse argv's memory. */
	if ((filecopy = calloc(nfiles, sizeof(*filecopy))) == NULL ||
	    (sockcopy = strdup(sock != NULL ? sock : WSFLOWD_SOCKET)) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < nfiles; i++)
		if ((filecopy[i] = strdup(files[i])) == NULL)
			fatal("%s", __func__);
	if (!debug && daemon(1, 0) == -1)
		fatal("daemon");
	/* setproctitle() may reuse argv's memory: keep a copy. */
	if (pidfile != NULL) {
		if (strlcpy(pidpath, pidfile, sizeof(pidpath)) >=
		    sizeof(pidpath))
			fatalx("pidfile name too long");
		pidfile = pidpath;
		if (write_pidfile(pidfile) == -1)
			fatal("pidfile %s", pidfile);
	}
	setproctitle("%s", "supervisor");
	memset(&so, 0, sizeof(so));
	so.so_verbose = verbose;
	so.so_drain_ms = 5000;
	so.so_files = filecopy;
	so.so_nfiles = nfiles;
	so.so_ctl_fd = ctlfd;
	so.so_ctl_path = sockcopy;
	status = sup_run(dep, &so);
	ctl_close(ctlfd, sockcopy);
	for (i = 0; i < nfiles; i++)
		free(filecopy[i]);
	free(filecopy);
	free(sockcopy);
	if (pidfile != NULL)
		(void)unlink(pidfile);
	deploy_free(dep);
	return status;
}
