/*
 * wsflowd: the wsflow supervisor.  Option parsing and the -n (check the
 * configuration) path; running flows lives elsewhere.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploy.h"
#include "log.h"

#define WSFLOWD_CONF	"/etc/wsflow/wsflow.troy"
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

/* Parse options, load the configuration, check it or run it. */
int
main(int argc, char *argv[])
{
	struct deployment	*dep;
	char			*defines[MAX_DEFINES], *conf = NULL;
	char			**files;
	const char		*pidfile = NULL, *sock = NULL;
	int			 ch, debug = 0, noaction = 0, verbose = 0;
	int			 ndefines = 0, nfiles;

	log_init("wsflowd", 1);
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
	(void)debug;
	(void)pidfile;
	(void)sock;

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
	deploy_free(dep);
	fprintf(stderr, "wsflowd: running flows is not built yet\n");
	return 1;
}
