/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for common/sdnotify: $NOTIFY_SOCKET paths and abstract
 * names, the message text (flags, a status kept on one line, bounds) and
 * the watchdog interval from $WATCHDOG_USEC and $WATCHDOG_PID.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "check.h"
#include "sdnotify.h"

/* The bytes of sun_path an address of length len covers. */
static size_t
pathlen(socklen_t len)
{
	return len - offsetof(struct sockaddr_un, sun_path);
}

/* Addresses from the variable. */
static void
test_addr(void)
{
	struct sockaddr_un	 sun;
	socklen_t		 len;
	char			 longp[sizeof(sun.sun_path) + 2];
	const char		*sp = sun.sun_path;

	CHECK_INT(sdnotify_addr("/run/systemd/notify", &sun, &len), 0);
	CHECK_INT(sun.sun_family, AF_UNIX);
	CHECK_STR(sp, "/run/systemd/notify");
	CHECK_INT(pathlen(len), strlen("/run/systemd/notify") + 1);

	/* Abstract: a leading NUL, the name, no terminator counted. */
	CHECK_INT(sdnotify_addr("@sd-notify/42", &sun, &len), 0);
	CHECK_INT(sun.sun_path[0], '\0');
	CHECK(memcmp(sun.sun_path + 1, "sd-notify/42", 12) == 0);
	CHECK_INT(pathlen(len), 13);

	CHECK_INT(sdnotify_addr(NULL, &sun, &len), -1);
	CHECK_INT(sdnotify_addr("", &sun, &len), -1);
	CHECK_INT(sdnotify_addr("@", &sun, &len), -1);
	CHECK_INT(sdnotify_addr("/", &sun, &len), -1);
	CHECK_INT(sdnotify_addr("relative/path", &sun, &len), -1);
	CHECK_INT(sdnotify_addr("vsock:2:1234", &sun, &len), -1);

	/* The longest path that fits with its NUL, and one more. */
	memset(longp, 'a', sizeof(longp));
	longp[0] = '/';
	longp[sizeof(sun.sun_path) - 1] = '\0';
	CHECK_INT(sdnotify_addr(longp, &sun, &len), 0);
	CHECK_INT(pathlen(len), sizeof(sun.sun_path));
	longp[sizeof(sun.sun_path) - 1] = 'a';
	longp[sizeof(sun.sun_path)] = '\0';
	CHECK_INT(sdnotify_addr(longp, &sun, &len), -1);
	longp[0] = '@';
	CHECK_INT(sdnotify_addr(longp, &sun, &len), -1);
	longp[sizeof(sun.sun_path) - 1] = '\0';
	CHECK_INT(sdnotify_addr(longp, &sun, &len), 0);
	CHECK_INT(pathlen(len), sizeof(sun.sun_path) - 1);
}

/* Message texts. */
static void
test_msg(void)
{
	char		 b[SDNOTIFY_MSG_MAX], small[12];
	const char	*p = b, *ps = small;	/* CHECK_STR wants pointers */

	CHECK_INT(sdnotify_msg(b, sizeof(b), SDNOTIFY_READY,
	    "running: 2 workers, 3 connectors"), 0);
	CHECK_STR(p, "READY=1\nSTATUS=running: 2 workers, 3 connectors\n");
	CHECK_INT(sdnotify_msg(b, sizeof(b), SDNOTIFY_STOPPING,
	    "stopping (graceful)"), 0);
	CHECK_STR(p, "STOPPING=1\nSTATUS=stopping (graceful)\n");
	CHECK_INT(sdnotify_msg(b, sizeof(b), SDNOTIFY_WATCHDOG, NULL), 0);
	CHECK_STR(p, "WATCHDOG=1\n");
	CHECK_INT(sdnotify_msg(b, sizeof(b), SDNOTIFY_READY |
	    SDNOTIFY_STOPPING | SDNOTIFY_WATCHDOG, NULL), 0);
	CHECK_STR(p, "READY=1\nSTOPPING=1\nWATCHDOG=1\n");
	CHECK_INT(sdnotify_msg(b, sizeof(b), 0, "starting"), 0);
	CHECK_STR(p, "STATUS=starting\n");

	/* A status stays one line: no second assignment can hide in it. */
	CHECK_INT(sdnotify_msg(b, sizeof(b), 0, "a\nREADY=1\tb\r\x7f"), 0);
	CHECK_STR(p, "STATUS=a READY=1 b  \n");

	/* Nothing to say; no room. */
	CHECK_INT(sdnotify_msg(b, sizeof(b), 0, NULL), -1);
	CHECK_INT(sdnotify_msg(b, 0, SDNOTIFY_READY, NULL), -1);
	CHECK_INT(sdnotify_msg(small, sizeof(small), SDNOTIFY_READY, NULL), 0);
	CHECK_STR(ps, "READY=1\n");
	CHECK_INT(sdnotify_msg(small, sizeof(small), SDNOTIFY_READY,
	    "toolong"), -1);
	CHECK_INT(sdnotify_msg(small, sizeof(small), SDNOTIFY_READY |
	    SDNOTIFY_STOPPING, NULL), -1);
	CHECK_INT(sdnotify_msg(small, 8, SDNOTIFY_READY, NULL), -1);
	CHECK_INT(sdnotify_msg(small, 9, SDNOTIFY_READY, NULL), 0);

	/* A reload: RELOADING=1 with the monotonic time, then READY=1. */
	CHECK_INT(sdnotify_msg_usec(b, sizeof(b), SDNOTIFY_RELOADING,
	    123456789012ULL, "reloading"), 0);
	CHECK_STR(p, "RELOADING=1\nMONOTONIC_USEC=123456789012\n"
	    "STATUS=reloading\n");
	CHECK_INT(sdnotify_msg_usec(b, sizeof(b), SDNOTIFY_READY, 5, NULL), 0);
	CHECK_STR(p, "READY=1\n");
	CHECK_INT(sdnotify_msg_usec(small, sizeof(small), SDNOTIFY_RELOADING,
	    1, NULL), -1);
}

/* Watchdog intervals. */
static void
test_watchdog(void)
{
	uint64_t	 iv = 0;

	CHECK_INT(sdnotify_watchdog("3000000", NULL, 42, &iv), 0);
	CHECK_INT(iv, 1500000);
	CHECK_INT(sdnotify_watchdog("3000000", "42", 42, &iv), 0);
	CHECK_INT(iv, 1500000);
	CHECK_INT(sdnotify_watchdog("1", NULL, 42, &iv), 0);
	CHECK_INT(iv, 1);
	/* Another process's watchdog, or none. */
	CHECK_INT(sdnotify_watchdog("3000000", "43", 42, &iv), -1);
	CHECK_INT(sdnotify_watchdog("3000000", "", 42, &iv), -1);
	CHECK_INT(sdnotify_watchdog("3000000", "42x", 42, &iv), -1);
	CHECK_INT(sdnotify_watchdog(NULL, NULL, 42, &iv), -1);
	CHECK_INT(sdnotify_watchdog("", NULL, 42, &iv), -1);
	CHECK_INT(sdnotify_watchdog("0", NULL, 42, &iv), -1);
	CHECK_INT(sdnotify_watchdog("-5", NULL, 42, &iv), -1);
	CHECK_INT(sdnotify_watchdog("12s", NULL, 42, &iv), -1);
	CHECK_INT(sdnotify_watchdog("99999999999999999999999", NULL, 42,
	    &iv), -1);
}

int
main(void)
{
	test_addr();
	test_msg();
	test_watchdog();
	return check_done();
}
