/* SPDX-License-Identifier: ISC */
/*
 * The control socket protocol (see ctlproto.h): the command table and
 * the request line, parsed strictly because any local user may send one.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "ctlproto.h"

static const struct {
	const char	*cp_name;
	enum ctl_cmd	 cp_cmd;
	int		 cp_mutating;
} ctlproto_cmds[] = {
	{ "status",		CTL_STATUS,		0 },
	{ "show connectors",	CTL_SHOW_CONNECTORS,	0 },
	{ "show pipelines",	CTL_SHOW_PIPELINES,	0 },
	{ "show stats",		CTL_SHOW_STATS,		0 },
	{ "log verbose",	CTL_LOG_VERBOSE,	1 },
	{ "log brief",		CTL_LOG_BRIEF,		1 },
	{ "stop",		CTL_STOP,		1 },
	{ "reload",		CTL_RELOAD,		1 },
};
#define CTLPROTO_NCMDS	(sizeof(ctlproto_cmds) / sizeof(ctlproto_cmds[0]))

/* The command for its name; 0 when unknown. */
enum ctl_cmd
ctlproto_cmd(const char *name)
{
	size_t	 i;

	for (i = 0; i < CTLPROTO_NCMDS; i++)
		if (strcmp(ctlproto_cmds[i].cp_name, name) == 0)
			return ctlproto_cmds[i].cp_cmd;
	return 0;
}

/* The name of a command, or NULL. */
const char *
ctlproto_name(enum ctl_cmd cmd)
{
	size_t	 i;

	for (i = 0; i < CTLPROTO_NCMDS; i++)
		if (ctlproto_cmds[i].cp_cmd == cmd)
			return ctlproto_cmds[i].cp_name;
	return NULL;
}

/* Whether a command changes the daemon (unknown ones count as such). */
int
ctlproto_mutating(enum ctl_cmd cmd)
{
	size_t	 i;

	for (i = 0; i < CTLPROTO_NCMDS; i++)
		if (ctlproto_cmds[i].cp_cmd == cmd)
			return ctlproto_cmds[i].cp_mutating;
	return 1;
}

/* Parse one request line into a command, or say what is wrong with it. */
int
ctlproto_req_parse(const char *line, size_t len, enum ctl_cmd *cmd,
    char *err, size_t errlen)
{
	struct json_tokener	*tok = NULL;
	struct json_object	*o = NULL, *v;
	const char		*name;
	int			 rc = -1, nkeys;

	*cmd = 0;
	if (len > CTL_REQ_MAX) {
		snprintf(err, errlen, "request longer than %d bytes",
		    CTL_REQ_MAX);
		return -1;
	}
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len == 0 || memchr(line, '\0', len) != NULL ||
	    memchr(line, '\n', len) != NULL) {
		snprintf(err, errlen, "malformed request: expected one line "
		    "of JSON");
		return -1;
	}
	if ((tok = json_tokener_new_ex(2)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	o = json_tokener_parse_ex(tok, line, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len) {
		snprintf(err, errlen, "malformed request: not a JSON object");
		goto out;
	}
	nkeys = json_object_is_type(o, json_type_object) ?
	    json_object_object_length(o) : -1;
	if (nkeys == -1 || !json_object_object_get_ex(o, "command", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "malformed request: expected "
		    "{\"command\": \"...\"}");
		goto out;
	}
	if (nkeys != 1) {
		snprintf(err, errlen, "malformed request: only \"command\" "
		    "is allowed");
		goto out;
	}
	name = json_object_get_string(v);
	if ((*cmd = ctlproto_cmd(name)) == 0) {
		if (strlen(name) <= 32)
			snprintf(err, errlen, "unknown command \"%s\"", name);
		else
			snprintf(err, errlen, "unknown command");
		goto out;
	}
	rc = 0;
out:
	json_object_put(o);
	json_tokener_free(tok);
	return rc;
}

/* Write the request line for cmd. */
int
ctlproto_req_build(enum ctl_cmd cmd, char *out, size_t outlen)
{
	const char	*name;
	int		 n;

	if ((name = ctlproto_name(cmd)) == NULL)
		return -1;
	n = snprintf(out, outlen, "{\"command\":\"%s\"}\n", name);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* Write an error reply line; the message is escaped by json-c. */
int
ctlproto_error(const char *msg, char *out, size_t outlen)
{
	struct json_object	*o;
	int			 n;

	if ((o = json_object_new_object()) == NULL)
		return -1;
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	n = snprintf(out, outlen, "%s\n", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}
