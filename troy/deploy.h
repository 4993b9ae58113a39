/* SPDX-License-Identifier: ISC */
/*
 * The resolved deployment: what the troy front end (lexer, parser,
 * resolver, validator) hands to the rest of the supervisor.  Everything
 * here is already constant-folded and validated; connector configurations
 * have their defaults filled in.
 */
#ifndef WSFLOW_DEPLOY_H
#define WSFLOW_DEPLOY_H

#include <stdio.h>

#include <json-c/json.h>

#include "conntype.h"

struct pipeline_def;

/* One connector instance of a deployed flow. */
struct dep_connector {
	char			*dc_flow;	/* deployed flow instance */
	char			*dc_name;	/* instance alias, e.g. "in" */
	enum conn_type		 dc_ctype;	/* CT_NONE after errors */
	char			*dc_type;	/* its name, "?" after errors */
	/*
	 * Effective configuration, defaults filled in (json-c because it
	 * is what the connector's worker receives, as it is):
	 * {"codec": "json"|..|null, "preprocessors": [spec...],
	 *  "postprocessors": [spec...], "config": {...},
	 *  "reconnect": "none" | {"retry": {...}}, "metrics_interval_s": ..}
	 */
	struct json_object	*dc_config;
	int			 dc_used;	/* appears in a connect */
	/* Where it is created (`create connector`), for messages that
	 * outlive the front end's diagnostics (wsflowd -n, runtime). */
	char			*dc_file;
	int			 dc_line;
	int			 dc_col;
	/*
	 * A ws_server or relay with instances = N > 1 is N connectors of the
	 * deployment (deploy_instances): the first keeps its index, the
	 * others follow the last connector troy made.  Each is named
	 * "NAME#k" (k = dc_instance, 1..N); dc_base is NAME and dc_group
	 * the first one's index.  dc_ninstances <= 1: not an instance.
	 */
	int			 dc_instance;
	int			 dc_ninstances;
	int			 dc_group;
	char			*dc_base;
};

/* instances = N: at most this many worker processes per connector */
#define DEPLOY_MAX_INSTANCES	256

/* Whether connector c of d is an instance (one of several). */
#define DEP_INSTANCED(c)	((c)->dc_ninstances > 1)

/* One pipeline instance; dp_compiled is pipeline_from_json()'s input. */
struct dep_pipeline {
	char			*dp_flow;
	char			*dp_name;
	struct json_object	*dp_compiled;
};

enum dep_kind {
	DEP_CONNECTOR,
	DEP_PIPELINE,
};

/* One `connect` statement, ports defaulted (out on the left, in on the
 * right), indexes into the deployment's arrays. */
struct dep_link {
	enum dep_kind	 dl_from_kind;
	int		 dl_from;
	char		*dl_from_port;
	enum dep_kind	 dl_to_kind;
	int		 dl_to;
	char		*dl_to_port;
};

struct deployment {
	struct dep_connector	*d_connectors;
	int			 d_nconnectors;
	struct dep_pipeline	*d_pipelines;
	int			 d_npipelines;
	struct dep_link		*d_links;
	int			 d_nlinks;
};

/* Free a deployment (NULL is fine). */
void	deploy_free(struct deployment *);
/* Free what a deployment points to, not the struct itself. */
void	deploy_free_contents(struct deployment *);

/*
 * Expand every ws_server and ws_client relay with an "instances" key (an
 * integer, or "auto": ncpu) into that many connectors (see struct
 * dep_connector), ws_server ones listening with SO_REUSEPORT when there
 * are several; the key is taken out of every config.  0, or -1 out of memory.
 */
int	deploy_instances(struct deployment *, int);

/* The stable text form printed by `wsflowd -n -v`. */
void	deploy_print(const struct deployment *, FILE *);

#endif
