/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the troy lexer: numbers, strings and their escapes,
 * identifiers, punctuation, positions, errors and keywords.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "troy.h"

/* Lex text; returns the number of tokens (incl. EOF). */
static size_t
lex(const char *text, struct troy_tokens *tl)
{
	CHECK_INT(troy_lex(text, strlen(text), tl), 0);
	return tl->tl_n;
}

/* Numbers, strings, identifiers, punctuation, positions. */
static void
test_lexer(void)
{
	struct troy_tokens	tl;

	CHECK_INT(lex("1_000 0x1F 0x_ff 1.5 1e3 2.5e-3 7", &tl), 9);
	CHECK_INT(tl.tl_v[0].tk_type, TT_INT);
	CHECK_INT(tl.tl_v[0].tk_int, 1000);
	CHECK_INT(tl.tl_v[1].tk_int, 31);
	CHECK_INT(tl.tl_v[2].tk_type, TT_ERROR);
	CHECK_INT(tl.tl_v[3].tk_type, TT_IDENT);	/* _ff after the error */
	CHECK_INT(tl.tl_v[4].tk_type, TT_FLOAT);
	CHECK(tl.tl_v[4].tk_float == 1.5);
	CHECK(tl.tl_v[5].tk_float == 1000.0);
	CHECK(tl.tl_v[6].tk_float == 0.0025);
	CHECK_INT(tl.tl_v[7].tk_int, 7);
	troy_tokens_free(&tl);

	lex("9223372036854775807 9223372036854775808 event.a 1.x", &tl);
	CHECK_INT(tl.tl_v[0].tk_int, INT64_MAX);
	CHECK_INT(tl.tl_v[1].tk_type, TT_ERROR);
	CHECK_STR(tl.tl_v[1].tk_text, "integer literal too large");
	CHECK_STR(tl.tl_v[2].tk_text, "event");
	CHECK_STR(tl.tl_v[3].tk_text, ".");
	CHECK_INT(tl.tl_v[5].tk_type, TT_INT);		/* 1 . x */
	CHECK_STR(tl.tl_v[6].tk_text, ".");
	troy_tokens_free(&tl);

	lex("\"a\\\"b\\\\c\\#d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"", &tl);
	CHECK_INT(tl.tl_v[0].tk_type, TT_STRING);
	CHECK_INT(tl.tl_v[0].tk_len, 18);
	CHECK(memcmp(tl.tl_v[0].tk_text, "a\"b\\c#d\b\f\n\r\t\xc3\xa9"
	    "\xf0\x9f\x98\x80", 18) == 0);
	troy_tokens_free(&tl);

	lex("\"a\\/b\" \"#{x}\" \"\\u12\" \"\\udc00\" \"ok\" \"open", &tl);
	CHECK_INT(tl.tl_v[0].tk_type, TT_ERROR);
	CHECK_STR(tl.tl_v[0].tk_text, "invalid escape \\/ in string (write / "
	    "without a backslash)");
	CHECK_INT(tl.tl_v[0].tk_col, 3);
	CHECK_INT(tl.tl_v[1].tk_type, TT_ERROR);
	CHECK(strstr(tl.tl_v[1].tk_text, "interpolation") != NULL);
	CHECK_INT(tl.tl_v[2].tk_type, TT_ERROR);
	CHECK_INT(tl.tl_v[3].tk_type, TT_ERROR);
	CHECK_INT(tl.tl_v[4].tk_type, TT_STRING);	/* lexing goes on */
	CHECK_STR(tl.tl_v[4].tk_text, "ok");
	CHECK_STR(tl.tl_v[5].tk_text, "unterminated string");
	troy_tokens_free(&tl);

	lex("# comment \"x\"\n  a::b /c/ == != <= `flow` ?\n\"\\u0000\"", &tl);
	CHECK_STR(tl.tl_v[0].tk_text, "a");
	CHECK_INT(tl.tl_v[0].tk_line, 2);
	CHECK_INT(tl.tl_v[0].tk_col, 3);
	CHECK_STR(tl.tl_v[1].tk_text, "::");
	CHECK_STR(tl.tl_v[3].tk_text, "/");
	CHECK_STR(tl.tl_v[6].tk_text, "==");
	CHECK_STR(tl.tl_v[7].tk_text, "!=");
	CHECK_STR(tl.tl_v[8].tk_text, "<=");
	CHECK_STR(tl.tl_v[9].tk_text, "flow");
	CHECK_INT(tl.tl_v[9].tk_quoted, 1);
	CHECK_INT(tl.tl_v[10].tk_type, TT_ERROR);
	CHECK_STR(tl.tl_v[10].tk_text, "unexpected character '?'");
	CHECK_INT(tl.tl_v[11].tk_len, 1);		/* embedded NUL */
	CHECK_INT(tl.tl_v[12].tk_type, TT_EOF);
	troy_tokens_free(&tl);

	CHECK(troy_is_keyword("define"));
	CHECK(troy_is_keyword("present"));
	CHECK(!troy_is_keyword("in"));
	CHECK(!troy_is_keyword("exit"));
}

int
main(void)
{
	test_lexer();
	return check_done();
}
