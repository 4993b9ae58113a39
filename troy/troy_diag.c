/* SPDX-License-Identifier: ISC */
/*
 * Troy diagnostics: collect errors and warnings with their positions,
 * print them with the quoted source line and a caret.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "troy.h"

static void diag_add(struct troy_diags *, const struct troy_pos *, int,
    const char *, va_list) __attribute__((format(printf, 4, 0)));

/* Append one diagnostic. */
static void
diag_add(struct troy_diags *d, const struct troy_pos *pos, int warning,
    const char *fmt, va_list ap)
{
	struct troy_diag	*nv;
	char			 msg[512];
	int			 i;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* a definition instantiated twice reports its errors once */
	for (i = 0; i < d->dd_n; i++)
		if (d->dd_v[i].dg_pos.p_src == pos->p_src &&
		    d->dd_v[i].dg_pos.p_line == pos->p_line &&
		    d->dd_v[i].dg_pos.p_col == pos->p_col &&
		    strcmp(d->dd_v[i].dg_msg, msg) == 0)
			return;
	if (!warning)
		d->dd_errors++;
	if (d->dd_n >= TROY_MAX_DIAGS)
		return;
	nv = reallocarray(d->dd_v, (size_t)d->dd_n + 1, sizeof(*nv));
	if (nv == NULL)
		return;
	d->dd_v = nv;
	nv[d->dd_n].dg_pos = *pos;
	nv[d->dd_n].dg_warning = warning;
	if ((nv[d->dd_n].dg_msg = strdup(msg)) == NULL)
		return;
	d->dd_n++;
}

/* Record an error. */
void
troy_error(struct troy_diags *d, const struct troy_pos *pos,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	diag_add(d, pos, 0, fmt, ap);
	va_end(ap);
}

/* Record a warning. */
void
troy_warn(struct troy_diags *d, const struct troy_pos *pos,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	diag_add(d, pos, 1, fmt, ap);
	va_end(ap);
}

/* Free the diagnostics. */
void
troy_diags_free(struct troy_diags *d)
{
	int	i;

	for (i = 0; i < d->dd_n; i++)
		free(d->dd_v[i].dg_msg);
	free(d->dd_v);
	memset(d, 0, sizeof(*d));
}

/* Print one source line and a caret under column col. */
static void
diag_quote(const struct troy_src *src, int line, int col, FILE *fp)
{
	const char	*s, *e, *end;
	int		 l = 1, c;

	if (src == NULL || src->sr_text == NULL || line < 1)
		return;
	s = src->sr_text;
	end = src->sr_text + src->sr_len;
	while (l < line && s < end) {
		if (*s++ == '\n')
			l++;
	}
	if (l != line || s >= end)
		return;
	for (e = s; e < end && *e != '\n'; e++)
		;
	fprintf(fp, "  %.*s\n  ", (int)(e - s), s);
	for (c = 1; c < col && s < e; s++) {
		if (((unsigned char)*s & 0xc0) == 0x80)
			continue;
		fputc(*s == '\t' ? '\t' : ' ', fp);
		c++;
	}
	fputs("^\n", fp);
}

/* Print all diagnostics. */
void
troy_diags_print(const struct troy_diags *d, FILE *fp)
{
	const struct troy_diag	*g;
	int			 i;

	for (i = 0; i < d->dd_n; i++) {
		g = &d->dd_v[i];
		if (g->dg_pos.p_line == 0) {
			fprintf(fp, "%s: %s%s\n", g->dg_pos.p_src != NULL ?
			    g->dg_pos.p_src->sr_name : "wsflowd",
			    g->dg_warning ? "warning: " : "", g->dg_msg);
			continue;
		}
		fprintf(fp, "%s:%d:%d: %s%s\n", g->dg_pos.p_src != NULL ?
		    g->dg_pos.p_src->sr_name : "wsflowd", g->dg_pos.p_line,
		    g->dg_pos.p_col, g->dg_warning ? "warning: " : "",
		    g->dg_msg);
		diag_quote(g->dg_pos.p_src, g->dg_pos.p_line, g->dg_pos.p_col,
		    fp);
	}
	if (d->dd_errors > d->dd_n)
		fprintf(fp, "wsflowd: too many errors, %d not shown\n",
		    d->dd_errors - d->dd_n);
}
