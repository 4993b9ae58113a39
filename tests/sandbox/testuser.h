/* SPDX-License-Identifier: ISC */
/*
 * Test set-up shared by the sandbox tests: make sure the worker user
 * exists when running as root (CI), as contrib/setup-debian.sh would.
 */
#ifndef WSFLOW_TESTUSER_H
#define WSFLOW_TESTUSER_H

#include <sys/types.h>
#include <sys/wait.h>

#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

/* Look up user, creating it with useradd --system when root and missing.
 * Tests may run in parallel: a useradd that loses the race still finds
 * the user made by the other.  Returns 0 and fills *out, or -1. */
static inline int
testuser_ensure(const char *user, struct passwd *out)
{
	struct passwd	*pw;
	pid_t		 pid;
	int		 status, tries;

	for (tries = 0; (pw = getpwnam(user)) == NULL && tries < 3; tries++) {
		if (geteuid() != 0)
			return (-1);
		if ((pid = fork()) == 0) {
			execlp("useradd", "useradd", "--system",
			    "--no-create-home", "--home-dir", "/nonexistent",
			    "--shell", "/usr/sbin/nologin", "--user-group",
			    user, (char *)NULL);
			_exit(127);
		}
		if (pid == -1 || waitpid(pid, &status, 0) == -1 ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "useradd %s failed, retrying\n", user);
			sleep(1);
		}
	}
	if (pw == NULL)
		return (-1);
	*out = *pw;
	return (0);
}

#endif
