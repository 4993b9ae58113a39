/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for common/sdnotify: the input as $NOTIFY_SOCKET,
 * as $WATCHDOG_USEC and as a status line.  Whatever it is, an address
 * stays inside sockaddr_un and a message keeps one line per assignment.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdnotify.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Parse the input every way the supervisor reads the environment. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sockaddr_un	 sun;
	socklen_t		 sl;
	uint64_t		 iv;
	char			*s, msg[SDNOTIFY_MSG_MAX];
	size_t			 i, nl = 0;

	if ((s = malloc(len + 1)) == NULL)
		return 0;
	memcpy(s, data, len);
	s[len] = '\0';
	if (sdnotify_addr(s, &sun, &sl) == 0 && (sl > sizeof(sun) ||
	    sl <= offsetof(struct sockaddr_un, sun_path) + 1))
		__builtin_trap();
	if (sdnotify_watchdog(s, NULL, 1, &iv) == 0 && iv == 0)
		__builtin_trap();
	if (sdnotify_msg(msg, sizeof(msg), SDNOTIFY_READY, s) == 0) {
		for (i = 0; msg[i] != '\0'; i++)
			nl += msg[i] == '\n';
		if (nl != 2)
			__builtin_trap();
	}
	free(s);
	return 0;
}
