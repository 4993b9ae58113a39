/* SPDX-License-Identifier: ISC */
/*
 * wsflowctl test: YAML to JSON.  The test files are read with libyaml into
 * json-c values; everything after that works on JSON.  Plain scalars are
 * typed the way YAML 1.1 types them, values remember their line for error
 * messages, and aliases, several documents and deep nesting are refused.
 * Pure: no I/O, no global state.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>
#include <yaml.h>

#include "ctl_yaml.h"

#define YAML_MAXDEPTH	64

/* One string compare against a NULL-terminated list. */
static int
str_in(const char *s, size_t len, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == len && memcmp(*list, s, len) == 0)
			return 1;
	return 0;
}

/* Parse a YAML 1.1 integer (sign, 0x, 0b, leading-0 octal, '_'). */
static int
yaml_int(const char *s, size_t len, long long *out)
{
	char		 digits[72];
	size_t		 i = 0, n = 0;
	int		 base = 10, neg = 0;
	unsigned long long v = 0, lim;

	if (len == 0 || len >= sizeof(digits))
		return -1;
	if (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-';
		i++;
	}
	if (i == len)
		return -1;
	if (len - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'b')) {
		base = s[i + 1] == 'x' ? 16 : 2;
		i += 2;
	} else if (len - i > 1 && s[i] == '0')
		base = 8;
	for (; i < len; i++) {
		int	 c = (unsigned char)s[i], d;

		if (c == '_')
			continue;
		if (isdigit(c))
			d = c - '0';
		else if (base == 16 && isxdigit(c))
			d = tolower(c) - 'a' + 10;
		else
			return -1;
		if (d >= base)
			return -1;
		digits[n++] = (char)d;
	}
	if (n == 0)
		return -1;
	lim = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
	for (i = 0; i < n; i++) {
		if (v > (lim - (unsigned long long)digits[i]) / base)
			return -1;
		v = v * base + (unsigned long long)digits[i];
	}
	if (neg)
		*out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN :
		    -(long long)v;
	else
		*out = (long long)v;
	return 0;
}

/* Parse a YAML 1.1 float: [-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)? */
static int
yaml_float(const char *s, size_t len, double *out)
{
	char	 tmp[72];
	size_t	 i = 0, n = 0;
	int	 dot = 0, dig = 0;
	char	*end;

	if (len == 0 || len >= sizeof(tmp))
		return -1;
	if (s[i] == '-' || s[i] == '+')
		tmp[n++] = s[i++];
	for (; i < len; i++) {
		if (isdigit((unsigned char)s[i])) {
			tmp[n++] = s[i];
			dig = 1;
		} else if (s[i] == '_')
			continue;
		else if (s[i] == '.' && !dot) {
			tmp[n++] = s[i];
			dot = 1;
		} else
			break;
	}
	if (!dot || !dig)
		return -1;
	if (i < len) {
		if (s[i] != 'e' && s[i] != 'E')
			return -1;
		tmp[n++] = s[i++];
		if (i < len && (s[i] == '-' || s[i] == '+'))
			tmp[n++] = s[i++];
		if (i == len)
			return -1;
		for (; i < len; i++) {
			if (!isdigit((unsigned char)s[i]))
				return -1;
			tmp[n++] = s[i];
		}
	}
	tmp[n] = '\0';
	errno = 0;
	*out = strtod(tmp, &end);
	if (errno != 0 || *end != '\0')
		return -1;
	return 0;
}

/* Type one scalar as a YAML 1.1 plain scalar would be (plain != 0). */
int
cty_scalar(const char *s, size_t len, int plain,
    struct json_object **out)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL",
	    NULL };
	static const char *const trues[] = { "true", "True", "TRUE", "yes",
	    "Yes", "YES", "on", "On", "ON", NULL };
	static const char *const falses[] = { "false", "False", "FALSE", "no",
	    "No", "NO", "off", "Off", "OFF", NULL };
	long long	 ll;
	double		 d;

	*out = NULL;
	if (plain) {
		if (str_in(s, len, nulls))
			return 0;
		if (str_in(s, len, trues))
			*out = json_object_new_boolean(1);
		else if (str_in(s, len, falses))
			*out = json_object_new_boolean(0);
		else if (yaml_int(s, len, &ll) == 0)
			*out = json_object_new_int64(ll);
		else if (yaml_float(s, len, &d) == 0)
			*out = json_object_new_double(d);
		else
			*out = json_object_new_string_len(s, (int)len);
	} else
		*out = json_object_new_string_len(s, (int)len);
	return *out == NULL ? -1 : 0;
}

/* Remember the YAML line a value came from (for error messages). */
static void
yaml_setline(struct json_object *v, size_t line)
{
	if (v != NULL && !json_object_is_type(v, json_type_double))
		json_object_set_userdata(v, (void *)(uintptr_t)line, NULL);
}

/* The YAML line a value came from; 0 when unknown. */
size_t
cty_line(struct json_object *v)
{
	if (v == NULL || json_object_is_type(v, json_type_double))
		return 0;
	return (size_t)(uintptr_t)json_object_get_userdata(v);
}

/* Attach v under the open container on top of the stack (or as root). */
static int
yaml_attach(struct json_object **root, struct json_object **stack,
    char **keys, int depth, struct json_object *v)
{
	struct json_object	*top;

	if (depth == 0) {
		*root = v;
		return 0;
	}
	top = stack[depth - 1];
	if (json_object_is_type(top, json_type_array))
		return json_object_array_add(top, v) == 0 ? 0 : -1;
	if (json_object_object_add(top, keys[depth - 1], v) != 0)
		return -1;
	free(keys[depth - 1]);
	keys[depth - 1] = NULL;
	return 0;
}

/* Parse YAML text into a json-c value; "LINE:COL: problem" on error. */
int
cty_parse(const char *text, size_t len, struct json_object **out,
    char *err, size_t errlen)
{
	yaml_parser_t		 p;
	yaml_event_t		 ev;
	struct json_object	*root = NULL, *v;
	struct json_object	*stack[YAML_MAXDEPTH];
	char			*keys[YAML_MAXDEPTH];
	const char		*msg = NULL;
	yaml_mark_t		 mark;
	int			 depth = 0, ndocs = 0, done = 0, i, plain;
	int			 isarray;

	*out = NULL;
	memset(&mark, 0, sizeof(mark));
	for (i = 0; i < YAML_MAXDEPTH; i++)
		keys[i] = NULL;
	if (!yaml_parser_initialize(&p)) {
		snprintf(err, errlen, "0:0: out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			mark = p.problem_mark;
			snprintf(err, errlen, "%zu:%zu: %s%s%s", mark.line + 1,
			    mark.column + 1, p.problem ? p.problem : "syntax error",
			    p.context ? " " : "", p.context ? p.context : "");
			goto fail_noev;
		}
		mark = ev.start_mark;
		v = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (ndocs++ > 0) {
				msg = "more than one document";
				goto fail;
			}
			break;
		case YAML_ALIAS_EVENT:
			msg = "aliases are not supported";
			goto fail;
		case YAML_SCALAR_EVENT:
			if (depth > 0 &&
			    json_object_is_type(stack[depth - 1],
			    json_type_object) && keys[depth - 1] == NULL) {
				keys[depth - 1] = strndup(
				    (const char *)ev.data.scalar.value,
				    ev.data.scalar.length);
				if (keys[depth - 1] == NULL) {
					msg = "out of memory";
					goto fail;
				}
				break;
			}
			plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			if (ev.data.scalar.tag != NULL && strcmp(
			    (const char *)ev.data.scalar.tag,
			    YAML_STR_TAG) == 0)
				plain = 0;
			if (cty_scalar((const char *)ev.data.scalar.value,
			    ev.data.scalar.length, plain, &v) == -1) {
				msg = "out of memory";
				goto fail;
			}
			yaml_setline(v, mark.line + 1);
			if (yaml_attach(&root, stack, keys, depth, v) == -1) {
				json_object_put(v);
				msg = "out of memory";
				goto fail;
			}
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			isarray = ev.type == YAML_SEQUENCE_START_EVENT;
			if (depth > 0 && json_object_is_type(stack[depth - 1],
			    json_type_object) && keys[depth - 1] == NULL) {
				msg = "mapping keys must be scalars";
				goto fail;
			}
			if (depth == YAML_MAXDEPTH) {
				msg = "nested too deeply";
				goto fail;
			}
			v = isarray ? json_object_new_array() :
			    json_object_new_object();
			yaml_setline(v, mark.line + 1);
			if (v == NULL || yaml_attach(&root, stack, keys, depth,
			    v) == -1) {
				json_object_put(v);
				msg = "out of memory";
				goto fail;
			}
			stack[depth++] = v;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	for (i = 0; i < YAML_MAXDEPTH; i++)
		free(keys[i]);
	*out = root;
	return 0;
fail:
	yaml_event_delete(&ev);
	snprintf(err, errlen, "%zu:%zu: %s", mark.line + 1, mark.column + 1,
	    msg);
fail_noev:
	yaml_parser_delete(&p);
	for (i = 0; i < YAML_MAXDEPTH; i++)
		free(keys[i]);
	json_object_put(root);
	return -1;
}

/* The string form of a scalar (string, int, bool, double); NULL if not. */
const char *
cty_str(struct json_object *v, char *buf, size_t len)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		return json_object_get_string(v);
	case json_type_int:
		snprintf(buf, len, "%" PRId64, json_object_get_int64(v));
		return buf;
	case json_type_boolean:
		return json_object_get_boolean(v) ? "true" : "false";
	case json_type_double:
		snprintf(buf, len, "%g", json_object_get_double(v));
		return buf;
	default:
		return NULL;
	}
}
