/* SPDX-License-Identifier: ISC */
/*
 * Helpers shared by the troy front end's unit tests: the in-memory module
 * reader (the shipped lib/ is read from the source tree), loading files
 * with it and the diagnostics as text.
 */
#ifndef WSFLOW_TROY_TESTLIB_H
#define WSFLOW_TROY_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "troy.h"

/* An array as a pointer, for CHECK_STR. */
static inline const char *
S(const char *s)
{
	return s;
}

/* In-memory files: path, text. */
static const char *const *mem_files;

/* The one reader: in-memory files, else real files under the source tree. */
static inline int
mem_read(void *arg, const char *path, char **buf, size_t *len)
{
	FILE	*fp;
	char	*b;
	long	 n;
	int	 i;

	(void)arg;
	for (i = 0; mem_files != NULL && mem_files[i] != NULL; i += 2)
		if (strcmp(mem_files[i], path) == 0) {
			*len = strlen(mem_files[i + 1]);
			*buf = strdup(mem_files[i + 1]);
			return *buf == NULL ? -1 : 0;
		}
	if (strncmp(path, WSFLOW_SRCDIR, strlen(WSFLOW_SRCDIR)) != 0 ||
	    (fp = fopen(path, "r")) == NULL)
		return -1;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	if (n < 0 || (b = malloc((size_t)n + 1)) == NULL) {
		fclose(fp);
		return -1;
	}
	*len = fread(b, 1, (size_t)n, fp);
	b[*len] = '\0';
	fclose(fp);
	*buf = b;
	return 0;
}

static char	 own_dir[] = WSFLOW_SRCDIR "/lib";
static char	 path_dir[] = "/mem";
static char	 main_name[] = "main.troy";
static char	*own_dirs[] = { own_dir };
static char	*path_dirs[] = { path_dir };
static char	*names[] = { main_name };

/* Load files with the in-memory reader. */
static inline struct deployment *
load(const char *const *files, char **fnames, int n, char **defines,
    int ndefines, struct troy_ctx **ctx)
{
	struct troy_opts	o;

	memset(&o, 0, sizeof(o));
	mem_files = files;
	o.to_read = mem_read;
	o.to_own = own_dirs;
	o.to_nown = 1;
	o.to_path = path_dirs;
	o.to_npath = 1;
	o.to_defines = defines;
	o.to_ndefines = ndefines;
	return troy_load(&o, fnames, n, ctx);
}

/* Print diagnostics of ctx to a string. */
static inline const char *
diags(struct troy_ctx *ctx)
{
	static char	buf[4096];
	FILE		*fp;

	memset(buf, 0, sizeof(buf));
	if ((fp = fmemopen(buf, sizeof(buf) - 1, "w")) == NULL)
		return "";
	troy_diags_print(troy_ctx_diags(ctx), fp);
	fclose(fp);
	return buf;
}

/* A connector's config value as compact JSON. */
static inline const char *
conf(struct deployment *d, int i, const char *key)
{
	struct json_object *v = json_object_object_get(
	    d->d_connectors[i].dc_config, key);

	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
}

#endif
