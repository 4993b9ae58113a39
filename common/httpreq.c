/* SPDX-License-Identifier: ISC */
/*
 * One HTTP/1.x request head (see httpreq.h).  Strict where it costs
 * nothing: token methods, an origin-form target of printable bytes,
 * "HTTP/1.0" or "HTTP/1.1", header lines "name: value" with token names,
 * CRLF or bare LF line ends, no obsolete line folding.  Pure.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "httpreq.h"

/* A tchar of RFC 9110. */
static int
hr_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

/* The end of the head (after its blank line) in buf, or 0 if none yet. */
static size_t
hr_head_end(const char *buf, size_t len)
{
	size_t	 i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* One line from p (up to end): its length without CR LF; *next after it. */
static size_t
hr_line(const char *p, const char *end, const char **next)
{
	const char	*nl = memchr(p, '\n', end - p);
	size_t		 n;

	if (nl == NULL) {
		*next = end;
		return end - p;
	}
	*next = nl + 1;
	n = nl - p;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	return n;
}

/* "METHOD SP target SP HTTP/1.x" into r. */
static int
hr_request_line(const char *p, size_t n, struct httpreq *r)
{
	const char	*sp1, *sp2, *q;
	size_t		 mlen, tlen, i;

	if ((sp1 = memchr(p, ' ', n)) == NULL ||
	    (sp2 = memchr(sp1 + 1, ' ', n - (sp1 + 1 - p))) == NULL)
		return -1;
	mlen = sp1 - p;
	tlen = sp2 - (sp1 + 1);
	if (mlen == 0 || mlen >= sizeof(r->hr_method) || tlen == 0)
		return -1;
	for (i = 0; i < mlen; i++)
		if (!hr_tchar((unsigned char)p[i]))
			return -1;
	memcpy(r->hr_method, p, mlen);
	r->hr_method[mlen] = '\0';
	if (sp1[1] != '/')
		return -1;
	for (i = 0; i < tlen; i++)
		if ((unsigned char)sp1[1 + i] <= ' ' ||
		    (unsigned char)sp1[1 + i] >= 0x7f)
			return -1;
	if ((q = memchr(sp1 + 1, '?', tlen)) != NULL)
		tlen = q - (sp1 + 1);
	if (tlen >= sizeof(r->hr_path))
		return -1;
	memcpy(r->hr_path, sp1 + 1, tlen);
	r->hr_path[tlen] = '\0';
	n -= sp2 + 1 - p;
	if (n != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return -1;
	r->hr_minor = sp2[8] - '0';
	return 0;
}

/* "name: value": a token name, no control bytes but tab in the value;
 * a body (content-length other than 0, transfer-encoding) is refused. */
static int
hr_header(const char *p, size_t n)
{
	const char	*colon;
	size_t		 i, nlen, zeros;

	if ((colon = memchr(p, ':', n)) == NULL || colon == p)
		return -1;
	nlen = colon - p;
	for (i = 0; i < nlen; i++)
		if (!hr_tchar((unsigned char)p[i]))
			return -1;
	for (i = nlen + 1; i < n; i++)
		if (((unsigned char)p[i] < ' ' && p[i] != '\t') ||
		    (unsigned char)p[i] == 0x7f)
			return -1;
	if (nlen == 17 && strncasecmp(p, "transfer-encoding", nlen) == 0)
		return -1;
	if (nlen == 14 && strncasecmp(p, "content-length", nlen) == 0) {
		for (i = nlen + 1; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
			;
		for (zeros = 0; i < n && p[i] == '0'; i++)
			zeros++;
		for (; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
			;
		if (zeros == 0 || i != n)
			return -1;
	}
	return 0;
}

/* Parse the request head (see httpreq.h). */
enum httpreq_result
httpreq_parse(const char *buf, size_t len, struct httpreq *r)
{
	const char	*p, *next, *end;
	size_t		 head, n;

	memset(r, 0, sizeof(*r));
	if ((head = hr_head_end(buf, len < HTTPREQ_MAX ? len : HTTPREQ_MAX))
	    == 0)
		return len >= HTTPREQ_MAX ? HTTPREQ_BAD : HTTPREQ_NEED_MORE;
	if (memchr(buf, '\0', head) != NULL)
		return HTTPREQ_BAD;
	end = buf + head;
	n = hr_line(buf, end, &next);
	if (hr_request_line(buf, n, r) == -1)
		return HTTPREQ_BAD;
	for (p = next; p < end; p = next) {
		n = hr_line(p, end, &next);
		if (n == 0)
			break;		/* the blank line */
		if (p[0] == ' ' || p[0] == '\t' || hr_header(p, n) == -1)
			return HTTPREQ_BAD;
	}
	r->hr_len = head;
	return HTTPREQ_OK;
}
