/* SPDX-License-Identifier: ISC */
/*
 * The deployment the troy front end builds: freeing it and the stable
 * text form printed by `wsflowd -n -v`.  No file I/O: the files are read
 * by the caller's reader (wsflowd's is supervisor/load.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "deploy.h"

/* Free what a deployment points to. */
void
deploy_free_contents(struct deployment *d)
{
	int	i;

	for (i = 0; i < d->d_nconnectors; i++) {
		free(d->d_connectors[i].dc_flow);
		free(d->d_connectors[i].dc_name);
		free(d->d_connectors[i].dc_type);
		free(d->d_connectors[i].dc_file);
		free(d->d_connectors[i].dc_base);
		json_object_put(d->d_connectors[i].dc_config);
	}
	free(d->d_connectors);
	for (i = 0; i < d->d_npipelines; i++) {
		free(d->d_pipelines[i].dp_flow);
		free(d->d_pipelines[i].dp_name);
		json_object_put(d->d_pipelines[i].dp_compiled);
	}
	free(d->d_pipelines);
	for (i = 0; i < d->d_nlinks; i++) {
		free(d->d_links[i].dl_from_port);
		free(d->d_links[i].dl_to_port);
	}
	free(d->d_links);
}

/* Free a deployment. */
void
deploy_free(struct deployment *d)
{
	if (d == NULL)
		return;
	deploy_free_contents(d);
	free(d);
}

/* How many instances connector c asks for (its "instances" key, taken
 * out of its config): 1 without one, ncpu for "auto". */
static int
deploy_ninstances(struct dep_connector *c, int ncpu)
{
	struct json_object	*conf, *v;
	int			 n = 1;

	conf = json_object_object_get(c->dc_config, "config");
	/* ws_server, and ws_client relays (troy_conn.c refused others) */
	if ((c->dc_ctype != CT_WS_SERVER && c->dc_ctype != CT_WS_CLIENT) ||
	    !json_object_object_get_ex(conf, "instances", &v))
		return 1;
	if (json_object_is_type(v, json_type_int))
		n = json_object_get_int(v);
	else if (json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), "auto") == 0)
		n = ncpu;
	json_object_object_del(conf, "instances");
	if (n < 1)
		n = 1;
	return n > DEPLOY_MAX_INSTANCES ? DEPLOY_MAX_INSTANCES : n;
}

/* Make c (NAME) instance k of n: "NAME#k", a listener SO_REUSEPORT. */
static int
deploy_instance(struct dep_connector *c, const char *base, int group, int k,
    int n)
{
	struct json_object	*conf, *so;
	char			 buf[256], *name;

	if (snprintf(buf, sizeof(buf), "%s#%d", base, k) >= (int)sizeof(buf) ||
	    (name = strdup(buf)) == NULL)
		return -1;
	free(c->dc_name);
	c->dc_name = name;
	if ((c->dc_base = strdup(base)) == NULL)
		return -1;
	c->dc_instance = k;
	c->dc_ninstances = n;
	c->dc_group = group;
	if (c->dc_ctype != CT_WS_SERVER)
		return 0;
	conf = json_object_object_get(c->dc_config, "config");
	if (!json_object_object_get_ex(conf, "socket_options", &so) ||
	    !json_object_is_type(so, json_type_object)) {
		so = json_object_new_object();
		json_object_object_add(conf, "socket_options", so);
	}
	json_object_object_add(so, "SO_REUSEPORT",
	    json_object_new_boolean(1));
	return 0;
}

/* A copy of connector c: its strings and config, none of them shared. */
static int
deploy_copy(struct dep_connector *dst, const struct dep_connector *c)
{
	memset(dst, 0, sizeof(*dst));
	dst->dc_ctype = c->dc_ctype;
	dst->dc_used = c->dc_used;
	dst->dc_line = c->dc_line;
	dst->dc_col = c->dc_col;
	if ((c->dc_flow != NULL && (dst->dc_flow = strdup(c->dc_flow)) ==
	    NULL) || (dst->dc_name = strdup(c->dc_name)) == NULL ||
	    (dst->dc_type = strdup(c->dc_type)) == NULL ||
	    (c->dc_file != NULL && (dst->dc_file = strdup(c->dc_file)) ==
	    NULL) || json_object_deep_copy(c->dc_config, &dst->dc_config,
	    NULL) != 0)
		return -1;
	return 0;
}

/* Expand instances (see deploy.h). */
int
deploy_instances(struct deployment *d, int ncpu)
{
	struct dep_connector	*dc;
	char			*base = NULL;
	int			 i, k, n, nc = d->d_nconnectors;

	for (i = 0; i < nc; i++) {
		d->d_connectors[i].dc_group = i;
		if ((n = deploy_ninstances(&d->d_connectors[i], ncpu)) < 2)
			continue;
		dc = reallocarray(d->d_connectors, d->d_nconnectors + n - 1,
		    sizeof(*dc));
		if (dc == NULL)
			return -1;
		d->d_connectors = dc;
		if ((base = strdup(dc[i].dc_name)) == NULL)
			return -1;
		for (k = 2; k <= n; k++) {
			if (deploy_copy(&dc[d->d_nconnectors], &dc[i]) == -1) {
				d->d_nconnectors++;	/* freed with d */
				goto fail;
			}
			if (deploy_instance(&dc[d->d_nconnectors++], base, i,
			    k, n) == -1)
				goto fail;
		}
		if (deploy_instance(&dc[i], base, i, 1, n) == -1)
			goto fail;
		free(base);
		base = NULL;
	}
	return 0;
fail:
	free(base);
	return -1;
}

/* Compare two strings for qsort. */
static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Print v as compact JSON with sorted keys. */
static void
print_sorted(struct json_object *v, FILE *fp, int depth)
{
	const char	**keys;
	size_t		  i, n;

	if (depth > 64) {
		fputs("...", fp);
		return;
	}
	if (json_object_is_type(v, json_type_array)) {
		fputc('[', fp);
		for (i = 0; i < json_object_array_length(v); i++) {
			if (i > 0)
				fputc(',', fp);
			print_sorted(json_object_array_get_idx(v, i), fp,
			    depth + 1);
		}
		fputc(']', fp);
		return;
	}
	if (!json_object_is_type(v, json_type_object)) {
		fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE), fp);
		return;
	}
	n = (size_t)json_object_object_length(v);
	if ((keys = calloc(n + 1, sizeof(*keys))) == NULL)
		return;
	i = 0;
	json_object_object_foreach(v, k, val) {
		(void)val;
		keys[i++] = k;
	}
	qsort(keys, n, sizeof(*keys), cmpstr);
	fputc('{', fp);
	for (i = 0; i < n; i++) {
		struct json_object *s = json_object_new_string(keys[i]);

		if (i > 0)
			fputc(',', fp);
		fputs(json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE), fp);
		json_object_put(s);
		fputc(':', fp);
		print_sorted(json_object_object_get(v, keys[i]), fp, depth + 1);
	}
	fputc('}', fp);
	free(keys);
}

struct hop {
	int		 h_pipe;
	const char	*h_in;
	const char	*h_out;
};

/* Does pipeline p route input port in to output port out? */
static int
pipe_routes(const struct dep_pipeline *p, const char *in, const char *out)
{
	struct json_object	*sels, *s;
	size_t			 i;

	sels = json_object_object_get(p->dp_compiled, "selects");
	for (i = 0; i < json_object_array_length(sels); i++) {
		s = json_object_array_get_idx(sels, i);
		if (strcasecmp(json_object_get_string(json_object_object_get(s,
		    "from")), in) == 0 &&
		    strcasecmp(json_object_get_string(json_object_object_get(s,
		    "into")), out) == 0)
			return 1;
	}
	return 0;
}

/* Print every route from a pipeline input onwards (depth-first). */
static void
print_routes(const struct deployment *d, const char *head, struct hop *hops,
    int nhops, int pipe, const char *in, FILE *fp)
{
	const struct dep_link	*l;
	int			 i, k;

	for (k = 0; k < nhops; k++)
		if (hops[k].h_pipe == pipe)
			return;		/* a loop */
	if (nhops >= 16)
		return;
	for (i = 0; i < d->d_nlinks; i++) {
		l = &d->d_links[i];
		if (l->dl_from_kind != DEP_PIPELINE || l->dl_from != pipe ||
		    !pipe_routes(&d->d_pipelines[pipe], in, l->dl_from_port))
			continue;
		hops[nhops].h_pipe = pipe;
		hops[nhops].h_in = in;
		hops[nhops].h_out = l->dl_from_port;
		if (l->dl_to_kind == DEP_PIPELINE) {
			print_routes(d, head, hops, nhops + 1, l->dl_to,
			    l->dl_to_port, fp);
			continue;
		}
		fprintf(fp, "route %s", head);
		for (k = 0; k <= nhops; k++)
			fprintf(fp, " -> %s/%s -> %s/%s",
			    d->d_pipelines[hops[k].h_pipe].dp_name,
			    hops[k].h_in,
			    d->d_pipelines[hops[k].h_pipe].dp_name,
			    hops[k].h_out);
		fprintf(fp, " -> %s/%s\n", d->d_connectors[l->dl_to].dc_name,
		    l->dl_to_port);
	}
}

/* The stable text form for `wsflowd -n -v`. */
void
deploy_print(const struct deployment *d, FILE *fp)
{
	const struct dep_connector	*c;
	const struct dep_pipeline	*p;
	struct hop			 hops[16];
	char				 head[256];
	int				 i;

	for (i = 0; i < d->d_nconnectors; i++) {
		c = &d->d_connectors[i];
		fprintf(fp, "connector %s/%s %s%s ", c->dc_flow, c->dc_name,
		    c->dc_type, c->dc_used ? "" : " (not connected, not "
		    "started)");
		print_sorted(c->dc_config, fp, 0);
		fputc('\n', fp);
	}
	for (i = 0; i < d->d_npipelines; i++) {
		p = &d->d_pipelines[i];
		fprintf(fp, "pipeline %s/%s ", p->dp_flow, p->dp_name);
		print_sorted(p->dp_compiled, fp, 0);
		fputc('\n', fp);
	}
	for (i = 0; i < d->d_nlinks; i++) {
		const struct dep_link *l = &d->d_links[i];

		if (l->dl_from_kind != DEP_CONNECTOR)
			continue;
		c = &d->d_connectors[l->dl_from];
		snprintf(head, sizeof(head), "%s: %s/%s", c->dc_flow,
		    c->dc_name, l->dl_from_port);
		print_routes(d, head, hops, 0, l->dl_to, l->dl_to_port, fp);
	}
}
