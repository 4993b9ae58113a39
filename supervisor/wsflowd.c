/*
 * wsflowd: the wsflow supervisor.  Parses the troy files (-n: only that),
 * then runs the deployment: one sandboxed worker per used connector.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploy.h"
#include "log.h"
#include "sup.h"

#define MAX_FILES	64
#define MAX_DEFINES	64

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

int
main(int argc, char *argv[], char *envp[])
{
	struct deployment	*d;
	struct sup_opts		 so;
	char			*files[MAX_FILES], *defines[MAX_DEFINES];
	const char		*pidfile = NULL, *sock = NULL;
	int			 ch, nfiles = 0, ndefines = 0, verbose = 0;
	int			 foreground = 0, check = 0, status;

	setproctitle_init(argc, argv, envp);
	log_init("wsflowd", 0);
	while ((ch = getopt(argc, argv, "dD:f:np:s:v")) != -1) {
		switch (ch) {
		case 'd':
			foreground = 1;
			break;
		case 'D':
			if (strchr(optarg, '=') == NULL ||
			    ndefines == MAX_DEFINES)
				usage();
			defines[ndefines++] = optarg;
			break;
		case 'f':
			if (nfiles == MAX_FILES)
				usage();
			files[nfiles++] = optarg;
			break;
		case 'n':
			check = 1;
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
	for (; argc > 0; argc--, argv++) {
		if (nfiles == MAX_FILES)
			usage();
		files[nfiles++] = *argv;
	}
	if (nfiles == 0)
		usage();
	log_init("wsflowd", verbose);

	if ((d = deploy_load(files, nfiles, defines, ndefines, stderr))
	    == NULL)
		exit(1);
	if (check) {
		if (verbose)
			deploy_print(d, stdout);
		else
			fprintf(stderr, "configuration OK\n");
		deploy_free(d);
		exit(0);
	}
	(void)sock;	/* the control socket is served by a later worker */

	if (!foreground && daemon(1, 0) == -1)
		fatal("daemon");
	if (pidfile != NULL && write_pidfile(pidfile) == -1)
		fatal("pidfile %s", pidfile);
	setproctitle("%s", "supervisor");
	memset(&so, 0, sizeof(so));
	so.so_verbose = verbose;
	so.so_drain_ms = 5000;
	status = sup_run(d, &so);
	if (pidfile != NULL)
		(void)unlink(pidfile);
	deploy_free(d);
	return status;
}
