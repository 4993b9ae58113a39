/* SPDX-License-Identifier: ISC */
/*
 * deploy_load: wsflowd's entry to the troy front end.  Builds the module
 * search path from the environment, reads files from disk (the one read
 * function the front end is given) and prints the diagnostics.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"
#include "troy.h"

#define DEPLOY_MAX_DIRS	64

/* Read a whole regular file (bounded). */
static int
deploy_read(void *arg, const char *path, char **buf, size_t *len)
{
	struct stat	 st;
	char		*b;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;

	(void)arg;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > TROY_MAX_FILE) {
		close(fd);
		return -1;
	}
	if ((b = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return -1;
	}
	while (off < (size_t)st.st_size) {
		n = read(fd, b + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	b[off] = '\0';
	*buf = b;
	*len = off;
	return 0;
}

/* Split a colon-separated list into dirs (copies). */
static void
split_path(const char *s, char **dirs, int *n)
{
	const char	*p, *e;

	if (s == NULL)
		return;
	for (p = s; *p != '\0' && *n < DEPLOY_MAX_DIRS; p = *e ? e + 1 : e) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		if (e > p && (dirs[*n] = strndup(p, (size_t)(e - p))) != NULL)
			(*n)++;
	}
}

/* wsflow's own library: the source tree's lib/ when run from the build. */
static const char *
own_libdir(void)
{
	char	exe[PATH_MAX];
	ssize_t	n;
	size_t	bl = strlen(WSFLOW_BUILDDIR);

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if (strncmp(exe, WSFLOW_BUILDDIR, bl) == 0 && exe[bl] == '/')
			return WSFLOW_SRCDIR "/lib";
	}
	return WSFLOW_LIBDIR;
}

/* The online CPUs (instances = "auto"), at least 1. */
static int
load_ncpu(void)
{
	long	 n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > DEPLOY_MAX_INSTANCES ? DEPLOY_MAX_INSTANCES :
	    (int)n;
}

/* Parse, resolve and validate files; print diagnostics to errfp. */
struct deployment *
deploy_load(char **files, int nfiles, char **defines, int ndefines,
    FILE *errfp)
{
	struct troy_opts	 o;
	struct troy_ctx		*ctx = NULL;
	struct deployment	*d;
	char			*own[1], *path[DEPLOY_MAX_DIRS];
	int			 npath = 0, i;

	memset(&o, 0, sizeof(o));
	if ((own[0] = strdup(own_libdir())) == NULL)
		return NULL;
	split_path(getenv("WSFLOW_PATH"), path, &npath);
	split_path(getenv("TREMOR_PATH"), path, &npath);
	o.to_read = deploy_read;
	o.to_own = own;
	o.to_nown = 1;
	o.to_path = path;
	o.to_npath = npath;
	o.to_defines = defines;
	o.to_ndefines = ndefines;
	d = troy_load(&o, files, nfiles, &ctx);
	if (ctx != NULL) {
		troy_diags_print(troy_ctx_diags(ctx), errfp);
		troy_ctx_free(ctx);
	}
	free(own[0]);
	for (i = 0; i < npath; i++)
		free(path[i]);
	/* ws_server instances = N: N connectors from here on */
	if (d != NULL && deploy_instances(d, load_ncpu()) == -1) {
		fprintf(errfp, "out of memory\n");
		deploy_free(d);
		return NULL;
	}
	return d;
}
