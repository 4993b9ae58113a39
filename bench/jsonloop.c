/* SPDX-License-Identifier: ISC */
/*
 * jsonloop: the floor for scenario S5.  One process, no sockets: parse
 * each line of a JSON-lines file with json-c and serialise it again,
 * round and round for a duration, and report lines/s and ns per line.
 * usage: jsonloop [-d secs] file
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "log.h"
#include "wsb.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: jsonloop [-d secs] file\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct json_tokener	*tok;
	struct json_object	*o;
	FILE			*f;
	char			*line = NULL, **lines = NULL, **v, *end;
	size_t			 cap = 0, n = 0, i, *lens = NULL, *l2;
	ssize_t			 len;
	double			 dur = 2, secs;
	uint64_t		 t0, t1, count = 0, bytes = 0, outbytes = 0;
	const char		*s;
	int			 ch;

	log_init("jsonloop", 1);
	while ((ch = getopt(argc, argv, "d:")) != -1) {
		switch (ch) {
		case 'd':
			dur = strtod(optarg, &end);
			if (*end != '\0' || dur <= 0 || dur > 3600)
				fatalx("-d %s: bad duration", optarg);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	if ((f = fopen(argv[optind], "r")) == NULL)
		fatal("%s", argv[optind]);
	while ((len = getline(&line, &cap, f)) != -1) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] ==
		    '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if ((v = reallocarray(lines, n + 1, sizeof(*v))) == NULL ||
		    (lines = v, (l2 = reallocarray(lens, n + 1,
		    sizeof(*l2))) == NULL))
			fatal("reallocarray");
		lens = l2;
		lens[n] = (size_t)len;
		if ((lines[n++] = strdup(line)) == NULL)
			fatal("strdup");
	}
	free(line);
	fclose(f);
	if (n == 0)
		fatalx("%s: no lines", argv[optind]);
	if ((tok = json_tokener_new()) == NULL)
		fatalx("json_tokener_new");
	t0 = wsb_now_ns();
	t1 = t0;
	while ((double)(t1 - t0) < dur * 1e9) {
		/* check the clock every 1024 lines */
		for (i = 0; i < 1024; i++) {
			size_t	 k = (size_t)(count % n);

			json_tokener_reset(tok);
			o = json_tokener_parse_ex(tok, lines[k], (int)lens[k]);
			if (o == NULL)
				fatalx("line %zu: %s", k + 1,
				    json_tokener_error_desc(
				    json_tokener_get_error(tok)));
			s = json_object_to_json_string_ext(o,
			    JSON_C_TO_STRING_PLAIN);
			outbytes += strlen(s) + 1;
			bytes += lens[k] + 1;
			json_object_put(o);
			count++;
		}
		t1 = wsb_now_ns();
	}
	secs = (double)(t1 - t0) / 1e9;
	printf("jsonloop lines=%" PRIu64 " secs=%.3f msg_s=%.1f mb_s=%.3f "
	    "ns_line=%.1f out_bytes=%" PRIu64 "\n", count, secs,
	    (double)count / secs, (double)bytes / secs / 1e6,
	    (double)(t1 - t0) / (double)count, outbytes);
	json_tokener_free(tok);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	free(lens);
	return 0;
}
