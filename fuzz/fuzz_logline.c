/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for common/logline: the input as a worker's standard
 * error, fed in chunks whose sizes the first byte picks.  Whatever it
 * is, every line out is one line of printable ASCII no longer than the
 * encoding of LOGLINE_MAX bytes, a dropped count is never 0, and at the
 * end nothing is held.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "logline.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Check one line out. */
static void
check_line(void *arg, const struct logline_out *lo)
{
	size_t	*n = arg, i, len;

	(*n)++;
	if (lo->lo_text == NULL) {
		if (lo->lo_dropped == 0 || lo->lo_pri != -1)
			__builtin_trap();
		return;
	}
	if (lo->lo_pri < -1 || lo->lo_pri > 7)
		__builtin_trap();
	len = strlen(lo->lo_text);
	if (len > LOGLINE_MAX * 4)
		__builtin_trap();
	for (i = 0; i < len; i++)
		if (lo->lo_text[i] < 0x20 || lo->lo_text[i] > 0x7e)
			__builtin_trap();
}

/* Feed the input in chunks of 1 to 256 bytes. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct logline	 ll;
	size_t		 step, n, lines = 0;

	if (len == 0)
		return 0;
	step = (size_t)data[0] + 1;
	data++;
	len--;
	logline_init(&ll, check_line, &lines);
	for (; len > 0; data += n, len -= n) {
		n = len < step ? len : step;
		logline_feed(&ll, data, n);
	}
	logline_end(&ll);
	if (ll.ll_len != 0 || ll.ll_cutting || ll.ll_cuts > ll.ll_lines ||
	    lines < ll.ll_lines)
		__builtin_trap();
	return 0;
}
