/*
 * wsflowd: the wsflow supervisor.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"

int
main(int argc, char *argv[])
{
	(void)argc;
	(void)argv;
	log_init("wsflowd", 0);
	fprintf(stderr, "usage: wsflowd [-dnv] [-D name=value] [-f file] "
	    "[-p pidfile] [-s socket] [file ...]\n");
	return 1;
}
