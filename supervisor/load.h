/* SPDX-License-Identifier: ISC */
/*
 * Loading troy files from disk for wsflowd (supervisor/load.c): the file
 * reader and module search path handed to the troy front end.
 */
#ifndef WSFLOW_LOAD_H
#define WSFLOW_LOAD_H

#include <stdio.h>

#include "deploy.h"

/*
 * Parse, resolve and validate the troy files.  defines are "name=value"
 * strings from -D.  Errors go to errfp as "file:line:col: message", the
 * source line and a caret.  Returns the deployment or NULL after errors.
 */
struct deployment *deploy_load(char **files, int nfiles, char **defines,
	    int ndefines, FILE *errfp);

#endif
