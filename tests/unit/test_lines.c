/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for common/lines.c: processor specifications, the buffered
 * and unbuffered splitters with every Tremor quirk, length limits, the
 * hard buffer cap, chunking independence, finish and the postprocessor.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "lines.h"
#include "check.h"

#define ERRLEN		256
#define HARD_CAP	(64UL * 1024 * 1024)

/* Chunks seen so far, written as "[chunk]" one after another. */
struct sink {
	struct buf	 sk_out;
	int		 sk_count;
	int		 sk_stop_at;	/* emit fails on this chunk (from 1) */
};

/* lines_emit_fn collecting into a struct sink. */
static int
collect(void *arg, const char *p, size_t n)
{
	struct sink	*sk = arg;

	sk->sk_count++;
	if (sk->sk_stop_at != 0 && sk->sk_count == sk->sk_stop_at)
		return -1;
	if (n > 1024)	/* huge chunks (cap tests): only their size */
		return buf_printf(&sk->sk_out, "[%zu bytes]", n);
	buf_addc(&sk->sk_out, '[');
	buf_add(&sk->sk_out, p, n);
	buf_addc(&sk->sk_out, ']');
	return 0;
}

static void
sink_init(struct sink *sk)
{
	memset(sk, 0, sizeof(*sk));
	buf_init(&sk->sk_out, 0);
	buf_adds(&sk->sk_out, "");
}

static void
sink_reset(struct sink *sk)
{
	buf_reset(&sk->sk_out);
	buf_adds(&sk->sk_out, "");
	sk->sk_count = 0;
	sk->sk_stop_at = 0;
}

/* Parse a spec written as JSON text. */
static int
spec(const char *text, int pre, struct proc_spec *ps, char *err)
{
	struct json_object	*o;
	int			 rc;

	o = json_tokener_parse(text);
	rc = lines_spec_parse(o, pre, ps, err, ERRLEN);
	json_object_put(o);
	return rc;
}

static void
test_spec(void)
{
	static const struct {
		const char	*spec;
		int		 pre;
		const char	*err;	/* NULL: accepted */
		char		 sep;
		size_t		 max;
		int		 buffered;
	} t[] = {
		{ "\"lines\"", 1, NULL, '\n', 0, 1 },
		{ "\"separate\"", 1, NULL, '\n', 0, 1 },
		{ "\"lines\"", 0, NULL, '\n', 0, 1 },
		{ "\"separate\"", 0, NULL, '\n', 0, 1 },
		{ "{\"name\": \"lines\"}", 1, NULL, '\n', 0, 1 },
		{ "{\"name\": \"lines\", \"config\": {}}", 1, NULL, '\n', 0, 1 },
		{ "{\"name\": \"separate\", \"config\": {\"separator\": \"|\", "
		    "\"max_length\": 10, \"buffered\": false}}", 1, NULL, '|',
		    10, 0 },
		{ "{\"name\": \"lines\", \"config\": {\"max_length\": 0}}", 1,
		    NULL, '\n', 0, 1 },
		{ "{\"name\": \"lines\", \"config\": {\"buffered\": true}}", 1,
		    NULL, '\n', 0, 1 },
		{ "{\"name\": \"lines\", \"config\": {\"separator\": \"\\u0000\""
		    "}}", 1, NULL, '\0', 0, 1 },
		{ "{\"name\": \"separate\", \"config\": {\"separator\": \";\"}}",
		    0, NULL, ';', 0, 1 },
		{ "{\"name\": \"lines\", \"config\": {\"separator\": \"ab\"}}", 1,
		    "Invalid 'separator': \"ab\", must be 1 byte.", 0, 0, 0 },
		{ "{\"name\": \"lines\", \"config\": {\"separator\": \"\"}}", 1,
		    "Invalid 'separator': \"\", must be 1 byte.", 0, 0, 0 },
		{ "{\"name\": \"lines\", \"config\": {\"separator\": "
		    "\"\\u00e9\"}}", 1,
		    "Invalid 'separator': \"\\xc3\\xa9\", must be 1 byte.",
		    0, 0, 0 },
		{ "{\"name\": \"lines\", \"config\": {\"separator\": \"\\r\\n\""
		    "}}", 0, "Invalid 'separator': \"\\x0d\\x0a\", must be 1 "
		    "byte.", 0, 0, 0 },
		{ "{\"name\": \"lines\", \"config\": {\"separator\": 10}}", 1,
		    "Invalid 'separator': must be a string of 1 byte, not int",
		    0, 0, 0 },
		{ "{\"name\": \"lines\", \"config\": {\"max_length\": -1}}", 1,
		    "Invalid 'max_length': must be a non-negative integer (0: "
		    "unlimited)", 0, 0, 0 },
		{ "{\"name\": \"lines\", \"config\": {\"max_length\": 1.5}}", 1,
		    "Invalid 'max_length': must be a non-negative integer (0: "
		    "unlimited)", 0, 0, 0 },
		{ "{\"name\": \"lines\", \"config\": {\"max_length\": \"10\"}}",
		    1, "Invalid 'max_length': must be a non-negative integer "
		    "(0: unlimited)", 0, 0, 0 },
		{ "{\"name\": \"lines\", \"config\": {\"buffered\": \"no\"}}", 1,
		    "Invalid 'buffered': must be true or false, not string",
		    0, 0, 0 },
		{ "{\"name\": \"lines\", \"config\": {\"max_len\": 1}}", 1,
		    "unknown preprocessor config key \"max_len\" (known: "
		    "separator, max_length, buffered)", 0, 0, 0 },
		{ "{\"name\": \"lines\", \"config\": {\"max_length\": 1}}", 0,
		    "unknown postprocessor config key \"max_length\" (known: "
		    "separator)", 0, 0, 0 },
		{ "{\"name\": \"lines\", \"config\": {\"buffered\": true}}", 0,
		    "unknown postprocessor config key \"buffered\" (known: "
		    "separator)", 0, 0, 0 },
		{ "{\"name\": \"lines\", \"config\": [1]}", 1,
		    "preprocessor \"lines\": config must be a record, not "
		    "array", 0, 0, 0 },
		{ "\"line\"", 1, "unknown preprocessor \"line\" (did you mean "
		    "\"lines\"?)", 0, 0, 0 },
		{ "\"seperate\"", 0, "unknown postprocessor \"seperate\" (did "
		    "you mean \"separate\"?)", 0, 0, 0 },
		{ "\"Lines\"", 1, "unknown preprocessor \"Lines\" (did you mean "
		    "\"lines\"?)", 0, 0, 0 },
		{ "\"gzip\"", 1, "unknown preprocessor \"gzip\" (known: lines, "
		    "separate)", 0, 0, 0 },
		{ "{\"name\": \"lnies\"}", 0, "unknown postprocessor \"lnies\" "
		    "(did you mean \"lines\"?)", 0, 0, 0 },
		{ "42", 1, "preprocessor must be a string or a record "
		    "{\"name\": .., \"config\": ..}, not int", 0, 0, 0 },
		{ "[\"lines\"]", 0, "postprocessor must be a string or a record "
		    "{\"name\": .., \"config\": ..}, not array", 0, 0, 0 },
		{ "null", 1, "preprocessor must be a string or a record "
		    "{\"name\": .., \"config\": ..}, not null", 0, 0, 0 },
		{ "{}", 1, "preprocessor: record without \"name\"", 0, 0, 0 },
		{ "{\"name\": true}", 1, "preprocessor: \"name\" must be a "
		    "string, not boolean", 0, 0, 0 },
		{ "{\"name\": \"lines\", \"separator\": \"|\"}", 1,
		    "preprocessor: unknown key \"separator\" (known: name, "
		    "config)", 0, 0, 0 },
	};
	struct proc_spec	 ps;
	char			 errbuf[ERRLEN], *err = errbuf;
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&ps, 0x55, sizeof(ps));
		strlcpy(errbuf, "untouched", sizeof(errbuf));
		if (t[i].err == NULL) {
			CHECK_MSG(spec(t[i].spec, t[i].pre, &ps, err) == 0,
			    "%s: %s", t[i].spec, err);
			CHECK_INT(ps.ps_kind, PROC_LINES);
			CHECK_INT(ps.ps_separator, t[i].sep);
			CHECK_INT(ps.ps_max_length, t[i].max);
			CHECK_INT(ps.ps_buffered, t[i].buffered);
		} else {
			CHECK_MSG(spec(t[i].spec, t[i].pre, &ps, err) == -1,
			    "accepted: %s", t[i].spec);
			CHECK_STR(err, t[i].err);
			CHECK_INT(ps.ps_buffered, 0x55555555);	/* untouched */
		}
	}
}

/* A splitter from separator, max_length and buffered. */
static struct lines *
mk(char sep, size_t max, int buffered)
{
	struct proc_spec	 ps;

	memset(&ps, 0, sizeof(ps));
	ps.ps_kind = PROC_LINES;
	ps.ps_separator = sep;
	ps.ps_max_length = max;
	ps.ps_buffered = buffered;
	return lines_new(&ps);
}

/* One step of a scenario: input, expected return, expected chunks. */
struct step {
	const char	*in;		/* NULL: lines_finish */
	int		 rc;
	const char	*out;
};

/* Run steps against one splitter; each step's chunks are checked alone. */
static void
run(const char *name, struct lines *ln, const struct step *st, size_t n)
{
	struct sink	 sk;
	char		 errbuf[ERRLEN];
	size_t		 i;
	int		 rc;

	sink_init(&sk);
	for (i = 0; i < n; i++) {
		sink_reset(&sk);
		errbuf[0] = '\0';
		if (st[i].in == NULL)
			rc = lines_finish(ln, collect, &sk);
		else
			rc = lines_process(ln, st[i].in, strlen(st[i].in),
			    collect, &sk, errbuf, sizeof(errbuf));
		CHECK_MSG(rc == st[i].rc, "%s step %zu: rc %d (%s)", name, i,
		    rc, errbuf);
		CHECK_MSG(strcmp(sk.sk_out.bf_data, st[i].out) == 0,
		    "%s step %zu: got %s want %s", name, i, sk.sk_out.bf_data,
		    st[i].out);
		if (rc == -1)
			CHECK(strstr(errbuf, "exceeds the maximum line length")
			    != NULL);
	}
	buf_free(&sk.sk_out);
	lines_free(ln);
}

#define RUN(name, ln, ...) do {						\
	static const struct step s_[] = { __VA_ARGS__ };		\
	run(name, ln, s_, sizeof(s_) / sizeof(s_[0]));			\
} while (0)

static void
test_buffered(void)
{
	RUN("empty lines are chunks", mk('\n', 0, 1),
	    { "a\n\nb\n", 0, "[a][][b]" },
	    { "\n", 0, "[]" },
	    { "\n\n", 0, "[][]" },
	    { NULL, 0, "" });
	RUN("frames are not boundaries", mk('\n', 0, 1),
	    { "{\"a\":", 0, "" },
	    { "1}\n{\"b\"", 0, "[{\"a\":1}]" },
	    { ":2}\n", 0, "[{\"b\":2}]" },
	    { "ab", 0, "" },
	    { "cd", 0, "" },
	    { "", 0, "" },
	    { "ef\ngh\nij", 0, "[abcdef][gh]" },
	    { "\n", 0, "[ij]" });
	RUN("finish flushes the fragment once", mk('\n', 0, 1),
	    { "x\ntail", 0, "[x]" },
	    { NULL, 0, "[tail]" },
	    { NULL, 0, "" },
	    { "new\n", 0, "[new]" });
	RUN("custom separator", mk('|', 0, 1),
	    { "a|b\nc|", 0, "[a][b\nc]" },
	    { "|", 0, "[]" });
	RUN("NUL separator", mk('\0', 0, 1),
	    { "", 0, "" });
	/* Tremor's own test sequence (lines.rs test6), max_length 10 */
	RUN("tremor test6", mk('\n', 10, 1),
	    { "012345\n0123456789\n", 0, "[012345][0123456789]" },
	    { "012345", 0, "" },
	    { "\n0123456789\n", 0, "[012345][0123456789]" },
	    { "012345", 0, "" },
	    { "0123456789\n", -1, "" },
	    { "012345\n0123456789\n", 0, "[012345][0123456789]" },
	    { "012345", 0, "" },
	    { "0123456789", -1, "" },
	    { "012345\n0123456789\n", 0, "[012345][0123456789]" });
	RUN("over-long complete lines are dropped silently", mk('\n', 3, 1),
	    { "abcd\nab\n", 0, "[ab]" },
	    { "a\nabcd\nb\n", 0, "[a][b]" },
	    { "abc\n\nabcdefgh\n", 0, "[abc][]" });
	RUN("limits are inclusive", mk('\n', 3, 1),
	    { "ab", 0, "" },
	    { "c\n", 0, "[abc]" },
	    { "abc", 0, "" },
	    { "\n", 0, "[abc]" });
	RUN("over-long fragment with a separator fails the whole call",
	    mk('\n', 3, 1),
	    { "ab", 0, "" },
	    { "cd\nx\ny\n", -1, "" },
	    { "z\n", 0, "[z]" });
	RUN("over-long remainder fails the whole call", mk('\n', 3, 1),
	    { "a\nb\nabcd", -1, "" },
	    { "\n", 0, "[]" },
	    { "q", 0, "" },
	    { "w\ne\nrtyu", -1, "" },
	    { NULL, 0, "" });
	RUN("over-long fragment without separator", mk('\n', 3, 1),
	    { "abcd", -1, "" },
	    { "a", 0, "" },
	    { "bc", 0, "" },
	    { "d", -1, "" },
	    { "ok\n", 0, "[ok]" });
}

static void
test_unbuffered(void)
{
	RUN("remainder always emitted", mk('\n', 0, 0),
	    { "{\"a\":1}\n", 0, "[{\"a\":1}][]" },
	    { "a\nb", 0, "[a][b]" },
	    { "c", 0, "[c]" },
	    { "", 0, "[]" },
	    { "\n\n", 0, "[][][]" },
	    { NULL, 0, "" });
	RUN("unbuffered limits", mk('\n', 2, 0),
	    { "abc\nab\nabcdef", 0, "[ab][abcdef]" },
	    { "abcdef", 0, "[abcdef]" },
	    { "x\nabc\n", 0, "[x][]" });
}

/* Everything a splitter emits for the pieces of in cut at the cuts. */
static void
feed_cut(struct lines *ln, const char *in, size_t len, const size_t *cuts,
    size_t ncuts, struct sink *sk)
{
	char	 errbuf[ERRLEN];
	size_t	 i, from = 0;

	for (i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : len;

		CHECK(lines_process(ln, in + from, to - from, collect, sk,
		    errbuf, sizeof(errbuf)) == 0);
		from = to;
	}
	CHECK(lines_finish(ln, collect, sk) == 0);
}

/* Length of the longest line in s. */
static size_t
longest(const char *s)
{
	size_t	 best = 0, n;

	while (*s != '\0') {
		n = strcspn(s, "\n");
		if (n > best)
			best = n;
		s += n;
		if (*s == '\n')
			s++;
	}
	return best;
}

/* Buffered mode: every way of cutting the input gives the same chunks. */
static void
test_chunking(void)
{
	static const char *inputs[] = {
		"a\nbb\n\nccc\ndddd",
		"\n\n{\"x\":1}\n{\"y\":[1,2]}\n",
		"no separator at all",
		"abc\nabcdef\nab\n\nx",
	};
	struct sink	 whole, cut;
	struct lines	*ln;
	size_t		 i, a, b, len, cuts[2], mismatches = 0, runs = 0;
	size_t		 maxes[] = { 0, 6 };
	size_t		 m;

	sink_init(&whole);
	sink_init(&cut);
	for (m = 0; m < 2; m++) {
		for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
			len = strlen(inputs[i]);
			/* with a limit, a line longer than it is dropped
			 * when whole but is an error when its pieces are
			 * buffered: only inputs without such lines */
			if (maxes[m] && longest(inputs[i]) > maxes[m])
				continue;
			sink_reset(&whole);
			ln = mk('\n', maxes[m], 1);
			feed_cut(ln, inputs[i], len, NULL, 0, &whole);
			lines_free(ln);
			for (a = 0; a <= len; a++) {
				for (b = a; b <= len; b++) {
					sink_reset(&cut);
					ln = mk('\n', maxes[m], 1);
					cuts[0] = a;
					cuts[1] = b;
					feed_cut(ln, inputs[i], len, cuts, 2,
					    &cut);
					lines_free(ln);
					runs++;
					if (strcmp(whole.sk_out.bf_data,
					    cut.sk_out.bf_data) != 0) {
						mismatches++;
						fprintf(stderr, "cut %zu %zu of "
						    "%zu: %s vs %s\n", a, b, i,
						    cut.sk_out.bf_data,
						    whole.sk_out.bf_data);
					}
				}
			}
		}
	}
	CHECK_INT(mismatches, 0);
	CHECK(runs > 500);
	/* byte by byte */
	sink_reset(&whole);
	sink_reset(&cut);
	ln = mk('\n', 0, 1);
	feed_cut(ln, inputs[0], strlen(inputs[0]), NULL, 0, &whole);
	for (a = 0; inputs[0][a] != '\0'; a++) {
		char errbuf[ERRLEN];

		CHECK(lines_process(ln, inputs[0] + a, 1, collect, &cut,
		    errbuf, sizeof(errbuf)) == 0);
	}
	CHECK(lines_finish(ln, collect, &cut) == 0);
	CHECK_STR(cut.sk_out.bf_data, whole.sk_out.bf_data);
	lines_free(ln);
	buf_free(&whole.sk_out);
	buf_free(&cut.sk_out);
}

/* The consumer may stop a call; the splitter stays usable. */
static void
test_stop(void)
{
	struct sink	 sk;
	struct lines	*ln;
	char		 errbuf[ERRLEN], *err = errbuf;

	sink_init(&sk);
	ln = mk('\n', 0, 1);
	CHECK(lines_process(ln, "pre", 3, collect, &sk, err, ERRLEN) == 0);
	sk.sk_stop_at = 2;
	CHECK(lines_process(ln, "a\nb\nc\nd", 7, collect, &sk, err,
	    ERRLEN) == -1);
	CHECK_STR(err, "processing stopped by the consumer");
	CHECK_STR(sk.sk_out.bf_data, "[prea]");
	sink_reset(&sk);
	CHECK(lines_finish(ln, collect, &sk) == 0);	/* buffer dropped */
	CHECK_STR(sk.sk_out.bf_data, "");
	CHECK(lines_process(ln, "x\n", 2, collect, &sk, err, ERRLEN) == 0);
	CHECK_STR(sk.sk_out.bf_data, "[x]");
	/* stopping on the completed fragment, and in finish */
	sink_reset(&sk);
	CHECK(lines_process(ln, "frag", 4, collect, &sk, err, ERRLEN) == 0);
	sk.sk_stop_at = 1;
	CHECK(lines_process(ln, "\nq\n", 3, collect, &sk, err, ERRLEN) == -1);
	sink_reset(&sk);
	CHECK(lines_process(ln, "frag", 4, collect, &sk, err, ERRLEN) == 0);
	sk.sk_stop_at = 1;
	CHECK(lines_finish(ln, collect, &sk) == -1);
	sink_reset(&sk);
	CHECK(lines_finish(ln, collect, &sk) == 0);
	CHECK_STR(sk.sk_out.bf_data, "");
	lines_free(ln);
	/* unbuffered */
	ln = mk('\n', 0, 0);
	sink_reset(&sk);
	sk.sk_stop_at = 1;
	CHECK(lines_process(ln, "a\nb", 3, collect, &sk, err, ERRLEN) == -1);
	sink_reset(&sk);
	sk.sk_stop_at = 2;
	CHECK(lines_process(ln, "a\nb", 3, collect, &sk, err, ERRLEN) == -1);
	CHECK_STR(sk.sk_out.bf_data, "[a]");
	lines_free(ln);
	buf_free(&sk.sk_out);
}

/* max_length 0 still caps the buffered fragment at 64 MiB. */
static void
test_hard_cap(void)
{
	struct sink	 sk;
	struct lines	*ln;
	char		 errbuf[ERRLEN], *err = errbuf, *big;
	size_t		 chunk = 8 * 1024 * 1024, i;

	if ((big = malloc(HARD_CAP + 2)) == NULL) {
		CHECK(0);
		return;
	}
	memset(big, 'x', HARD_CAP + 2);
	sink_init(&sk);
	ln = mk('\n', 0, 1);
	/* one call over the cap: refused before copying anything */
	CHECK(lines_process(ln, big, HARD_CAP + 1, collect, &sk, err,
	    ERRLEN) == -1);
	CHECK_STR(err, "discarded line fragment of length 67108865: total "
	    "length 67108865 exceeds the maximum line length of 67108864");
	/* exactly the cap, in pieces, is fine and completes a line */
	for (i = 0; i < HARD_CAP / chunk; i++)
		CHECK(lines_process(ln, big, chunk, collect, &sk, err,
		    ERRLEN) == 0);
	CHECK(lines_process(ln, "\n", 1, collect, &sk, err, ERRLEN) == 0);
	CHECK_INT(sk.sk_count, 1);
	CHECK_STR(sk.sk_out.bf_data, "[67108864 bytes]");
	/* one byte more is an error, and the buffer is cleared */
	for (i = 0; i < HARD_CAP / chunk; i++)
		CHECK(lines_process(ln, big, chunk, collect, &sk, err,
		    ERRLEN) == 0);
	CHECK(lines_process(ln, "y", 1, collect, &sk, err, ERRLEN) == -1);
	sink_reset(&sk);
	CHECK(lines_finish(ln, collect, &sk) == 0);
	CHECK_INT(sk.sk_count, 0);
	/* a remainder over the cap after a separator */
	big[0] = '\n';
	CHECK(lines_process(ln, big, HARD_CAP + 2, collect, &sk, err,
	    ERRLEN) == -1);
	CHECK_INT(sk.sk_count, 0);
	/* complete lines are not buffered, so not capped */
	big[HARD_CAP + 1] = '\n';
	CHECK(lines_process(ln, big, HARD_CAP + 2, collect, &sk, err,
	    ERRLEN) == 0);
	CHECK_INT(sk.sk_count, 2);
	lines_free(ln);
	CHECK_STR(sk.sk_out.bf_data, "[][67108864 bytes]");
	/* a configured max_length above the cap is still capped */
	big[HARD_CAP + 1] = 'x';
	ln = mk('\n', HARD_CAP * 2, 1);
	CHECK(lines_process(ln, big + 1, HARD_CAP + 1, collect, &sk, err,
	    ERRLEN) == -1);
	lines_free(ln);
	free(big);
	buf_free(&sk.sk_out);
}

static void
test_post(void)
{
	struct proc_spec	 ps;
	struct buf		 b;
	char			 errbuf[ERRLEN], *err = errbuf;

	CHECK(spec("\"lines\"", 0, &ps, err) == 0);
	buf_init(&b, 8);
	buf_adds(&b, "{}");
	CHECK(lines_post(&ps, &b) == 0);
	CHECK_STR(b.bf_data, "{}\n");
	CHECK(spec("{\"name\": \"separate\", \"config\": {\"separator\": "
	    "\"|\"}}", 0, &ps, err) == 0);
	CHECK(lines_post(&ps, &b) == 0);
	CHECK_STR(b.bf_data, "{}\n|");
	buf_adds(&b, "abcd");
	CHECK(lines_post(&ps, &b) == -1);	/* full: unchanged */
	CHECK_STR(b.bf_data, "{}\n|abcd");
	buf_free(&b);
	lines_free(NULL);
}

/* lines_buffered: the memory an unfinished fragment holds (budget). */
static void
test_buffered_size(void)
{
	struct lines	*ln = mk('\n', 0, 1);
	struct sink	 sk;
	char		 err[ERRLEN], big[5000];

	sink_init(&sk);
	memset(big, 'x', sizeof(big));
	CHECK_INT(lines_buffered(NULL), 0);
	CHECK_INT(lines_buffered(ln), 0);
	CHECK_INT(lines_process(ln, "a\nb\n", 4, collect, &sk, err,
	    sizeof(err)), 0);
	CHECK(lines_buffered(ln) <= 64);	/* nothing kept */
	CHECK_INT(lines_process(ln, big, sizeof(big), collect, &sk, err,
	    sizeof(err)), 0);
	CHECK(lines_buffered(ln) > sizeof(big));
	CHECK(lines_buffered(ln) <= 2 * sizeof(big) + 64);
	CHECK_INT(lines_finish(ln, collect, &sk), 0);
	CHECK_STR(sk.sk_out.bf_data, "[a][b][5000 bytes]");
	lines_free(ln);
	buf_free(&sk.sk_out);
}

int
main(void)
{
	test_spec();
	test_buffered();
	test_unbuffered();
	test_chunking();
	test_stop();
	test_hard_cap();
	test_post();
	test_buffered_size();
	return check_done();
}
