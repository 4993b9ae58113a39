/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for common/sandbox.c.  Every case forks: the child enters the
 * sandbox (all layers or one on its own) and the parent checks what the
 * kernel says about the child (/proc/PID/status, its wait status).  Runs as
 * root (CI: chroot + setuid to the worker user too) and as a normal user.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND	0
#endif

#include "check.h"
#include "../sandbox/testuser.h"
#include "sandbox.h"

#define WORKLOAD	WSFLOW_BUILDDIR "/tests/sandbox/sandbox-workload"

static const char	*user = WSFLOW_USER;
static char		 chrootdir[PATH_MAX] = WSFLOW_CHROOT;
static int		 isroot, filters, llabi;
static struct passwd	 wpw;

/* A child's job once sandboxed; its return value is the exit status. */
typedef int (*child_fn)(void *);

/* Fork; the child enters the layers in mask for profile p and runs fn.
 * Returns the wait status; exit 90 means sandbox_enter failed. */
static int
run_child(enum sandbox_profile p, int mask, child_fn fn, void *arg)
{
	char	 report[256];
	pid_t	 pid;
	int	 status;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		if (sandbox_enter_layers(p, mask, user, chrootdir, report,
		    sizeof(report)) == -1) {
			fprintf(stderr, "child: %s\n", report);
			_exit(90);
		}
		_exit(fn(arg));
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			perror("waitpid");
			exit(1);
		}
	return (status);
}

/* True when the wait status is death by SIGSYS (seccomp). */
static int
died_sigsys(int status)
{
	return (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS);
}

/* True when the wait status is a normal exit with code. */
static int
exited(int status, int code)
{
	return (WIFEXITED(status) && WEXITSTATUS(status) == code);
}

/* --- names ------------------------------------------------------------ */

static void
test_names(void)
{
	enum sandbox_profile	 p;
	int			 i;

	for (i = 0; i < SANDBOX_PROFILE_MAX; i++) {
		CHECK(sandbox_profile_name(i) != NULL);
		CHECK(sandbox_profile_from_name(sandbox_profile_name(i),
		    &p) == 0 && (int)p == i);
	}
	CHECK_STR(sandbox_profile_name(SANDBOX_WS_SERVER), "ws_server");
	CHECK_STR(sandbox_profile_name(SANDBOX_FILE_WRITE), "file_write");
	CHECK(sandbox_profile_name(SANDBOX_PROFILE_MAX) == NULL);
	CHECK(sandbox_profile_name((enum sandbox_profile)-1) == NULL);
	CHECK(sandbox_profile_from_name("bogus", &p) == -1);
	CHECK(sandbox_profile_from_name(NULL, &p) == -1);
}

/* A bad profile is refused before anything is applied. */
static void
test_bad_profile(void)
{
	char	 report[128];

	errno = 0;
	CHECK(sandbox_enter(SANDBOX_PROFILE_MAX, user, chrootdir, report,
	    sizeof(report)) == -1);
	CHECK_INT(errno, EINVAL);
	CHECK(strstr(report, "bad profile") != NULL);
}

/* Child: a short or absent report buffer is fine. */
static int
child_short_report(void *arg)
{
	char	 small[8];

	(void)arg;
	memset(small, 'x', sizeof(small));
	if (sandbox_enter(SANDBOX_CONSOLE, user, chrootdir, small,
	    sizeof(small)) == -1)
		return (1);
	if (memchr(small, '\0', sizeof(small)) == NULL)
		return (2);
	return (0);
}

static void
test_report(void)
{
	char	 report[16];
	int	 st;

	/* NULL report: the layers still apply (sandbox_enter in child). */
	fflush(stdout);
	if (fork() == 0)
		_exit(sandbox_enter(SANDBOX_CONSOLE, user, chrootdir, NULL, 0) ==
		    0 ? 0 : 1);
	CHECK(wait(&st) > 0 && exited(st, 0));
	CHECK(exited(run_child(SANDBOX_CONSOLE, 0, child_short_report, NULL),
	    0));
	/* The failure message is cut to fit too. */
	CHECK(sandbox_enter(SANDBOX_PROFILE_MAX, user, chrootdir, report,
	    sizeof(report)) == -1 && strlen(report) == sizeof(report) - 1);
}

/* --- /proc/PID/status of a sandboxed child ----------------------------- */

struct sync {
	int	 up[2];		/* child -> parent: "in the sandbox" */
	int	 down[2];	/* parent -> child: "done looking" */
};

/* Value of "Key:" in status text, or NULL. */
static const char *
status_field(const char *text, const char *key, char *out, size_t outlen)
{
	const char	*p;
	size_t		 klen = strlen(key), n;

	for (p = text; p != NULL && *p != '\0'; ) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ':') {
			p += klen + 1;
			while (*p == '\t' || *p == ' ')
				p++;
			n = strcspn(p, "\n");
			while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
				n--;
			if (n >= outlen)
				return (NULL);
			memcpy(out, p, n);
			out[n] = '\0';
			return (out);
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return (NULL);
}

/* Enter everything for profile p in a child; inspect it from outside. */
static void
check_status(enum sandbox_profile p)
{
	struct sync	 s;
	char		 path[64], text[4096], v[128], want[128], report[256];
	pid_t		 pid;
	ssize_t		 n;
	int		 fd, status;
	char		 c = 'x';

	if (pipe(s.up) == -1 || pipe(s.down) == -1) {
		perror("pipe");
		exit(1);
	}
	fflush(stdout);
	if ((pid = fork()) == 0) {
		close(s.up[0]);
		close(s.down[1]);
		if (sandbox_enter(p, user, chrootdir, report,
		    sizeof(report)) == -1) {
			fprintf(stderr, "child: %s\n", report);
			_exit(90);
		}
		if (strlcat(report, "\n", sizeof(report)) >= sizeof(report) ||
		    write(s.up[1], report, strlen(report)) < 0)
			_exit(1);
		if (read(s.down[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	close(s.up[1]);
	close(s.down[0]);
	memset(report, 0, sizeof(report));
	/* The child says it is in by sending its report line. */
	n = 0;
	while ((size_t)n < sizeof(report) - 1 &&
	    read(s.up[0], report + n, 1) == 1 && report[n] != '\n')
		n++;
	report[n] = '\0';
	CHECK_MSG(n > 0, "profile %s: child did not enter the sandbox",
	    sandbox_profile_name(p));
	if (n > 0 && pid > 0) {
		printf("%s: %s\n", sandbox_profile_name(p), report);
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
		memset(text, 0, sizeof(text));
		if ((fd = open(path, O_RDONLY)) != -1) {
			(void)!read(fd, text, sizeof(text) - 1);
			close(fd);
		}
		CHECK_STR(status_field(text, "NoNewPrivs", v, sizeof(v)), "1");
		CHECK_STR(status_field(text, "Seccomp", v, sizeof(v)),
		    filters ? "2" : "0");
		if (filters)
			CHECK_STR(status_field(text, "Seccomp_filters", v,
			    sizeof(v)), "1");
		snprintf(want, sizeof(want), "seccomp %s",
		    sandbox_profile_name(p));
		CHECK((strstr(report, want) != NULL) == (filters != 0));
		CHECK((strstr(report, "off (") != NULL) == (filters == 0));
		CHECK((strstr(report, "landlock abi") != NULL) ==
		    (filters && llabi > 0));
		if (isroot) {
			snprintf(want, sizeof(want), "%u\t%u\t%u\t%u",
			    wpw.pw_uid, wpw.pw_uid, wpw.pw_uid, wpw.pw_uid);
			CHECK_STR(status_field(text, "Uid", v, sizeof(v)),
			    want);
			snprintf(want, sizeof(want), "%u\t%u\t%u\t%u",
			    wpw.pw_gid, wpw.pw_gid, wpw.pw_gid, wpw.pw_gid);
			CHECK_STR(status_field(text, "Gid", v, sizeof(v)),
			    want);
			snprintf(want, sizeof(want), "%u", wpw.pw_gid);
			CHECK_STR(status_field(text, "Groups", v, sizeof(v)),
			    want);
			CHECK_STR(status_field(text, "CapEff", v, sizeof(v)),
			    "0000000000000000");
			CHECK_STR(status_field(text, "CapPrm", v, sizeof(v)),
			    "0000000000000000");
#ifdef WSFLOW_SANDBOX
			CHECK(strstr(report, "chroot /") != NULL);
#else
			CHECK(strstr(report, "no chroot (--disable-sandbox)") !=
			    NULL);
#endif
			CHECK(strstr(report, "uid ") != NULL);
		} else
			CHECK(strstr(report, "not root") != NULL);
	}
	(void)!write(s.down[1], &c, 1);
	close(s.up[0]);
	close(s.down[1]);
	CHECK_MSG(waitpid(pid, &status, 0) == pid && exited(status, 0),
	    "profile %s: status 0x%x", sandbox_profile_name(p), status);
}

static void
test_status(void)
{
	int	 i;

	for (i = 0; i < SANDBOX_PROFILE_MAX; i++)
		check_status(i);
}

/* --- privilege drop ---------------------------------------------------- */

/* Child: every way back to root must fail with EPERM. */
static int
child_regain_root(void *arg)
{
	uid_t	 r, e, s;

	(void)arg;
	if (setresuid(0, 0, 0) != -1 || errno != EPERM)
		return (1);
	if (setuid(0) != -1 || seteuid(0) != -1)
		return (2);
	if (setegid(0) != -1 || setgid(0) != -1)
		return (3);
	if (getresuid(&r, &e, &s) == -1 || r != e || e != s || r == 0)
		return (4);
#ifdef WSFLOW_SANDBOX
	if (access("/etc/passwd", F_OK) == 0)
		return (5);	/* chroot: the real root is out of sight */
#endif
	return (0);
}

/* Child: report success of sandbox_enter (for refusal cases). */
static int
child_true(void *arg)
{
	(void)arg;
	return (0);
}

static void
test_drop(void)
{
	char		 bad[256], report[256];
	const char	*saved = user;
	int		 st;

	if (!isroot) {
		/* Not root: nothing to drop, and no failure either. */
		st = run_child(SANDBOX_CONSOLE, SANDBOX_L_DROP, child_true,
		    NULL);
		CHECK(exited(st, 0));
		printf("drop: not root, skipped the root-only cases\n");
		return;
	}
	st = run_child(SANDBOX_CONSOLE, SANDBOX_L_DROP, child_regain_root,
	    NULL);
	CHECK_MSG(exited(st, 0), "regain root: status 0x%x", st);

	/* Refusals: uid 0, unknown user, unsafe chroot directory. */
	user = "root";
	CHECK(exited(run_child(SANDBOX_CONSOLE, SANDBOX_L_DROP, child_true,
	    NULL), 90));
	user = "wsflow-no-such-user";
	CHECK(exited(run_child(SANDBOX_CONSOLE, SANDBOX_L_DROP, child_true,
	    NULL), 90));
	user = saved;
#ifdef WSFLOW_SANDBOX
	if (snprintf(bad, sizeof(bad), "%.200s/writable", chrootdir) < 0 ||
	    mkdir(bad, 0755) == -1 || chmod(bad, 0777) == -1) {
		perror(bad);
		CHECK(0);
		return;
	}
	errno = 0;
	if (fork() == 0) {
		int r = sandbox_enter(SANDBOX_CONSOLE, user, bad, report,
		    sizeof(report));
		_exit(r == -1 && errno == EPERM &&
		    strstr(report, "not writable") != NULL ? 0 : 1);
	}
	CHECK(wait(&st) > 0 && exited(st, 0));
	(void)chmod(bad, 0755);
	if (chown(bad, wpw.pw_uid, 0) == 0 && fork() == 0) {
		int r = sandbox_enter(SANDBOX_CONSOLE, user, bad, report,
		    sizeof(report));
		_exit(r == -1 && errno == EPERM ? 0 : 1);
	}
	CHECK(wait(&st) > 0 && exited(st, 0));
	if (fork() == 0) {
		int r = sandbox_enter(SANDBOX_CONSOLE, user, "/nonexistent/x",
		    report, sizeof(report));
		_exit(r == -1 && errno == ENOENT ? 0 : 1);
	}
	CHECK(wait(&st) > 0 && exited(st, 0));
	(void)rmdir(bad);
#else
	(void)bad;
	(void)report;
	printf("drop: --disable-sandbox, chroot directory checks skipped\n");
#endif
}

/* --- landlock on its own ----------------------------------------------- */

/* Child: no path may be opened, made or removed; held fds still work. */
static int
ll_fs(void *a)
{
	int	 fd = *(int *)a;

	if (open("/etc/passwd", O_RDONLY) != -1 || errno != EACCES)
		return (1);
	if (open("/", O_RDONLY | O_DIRECTORY) != -1 || errno != EACCES)
		return (2);
	if (open("/tmp/wsflow-sbx-new", O_WRONLY | O_CREAT, 0600) != -1 ||
	    errno != EACCES)
		return (3);
	if (mkdir("/tmp/wsflow-sbx-dir", 0700) != -1 || errno != EACCES)
		return (4);
	if (write(fd, "hello\n", 6) != 6 || fsync(fd) == -1 ||
	    ftruncate(fd, 3) == -1)
		return (5);
	return (0);
}

/* Child: a TCP listener opened after the sandbox cannot bind. */
static int
ll_bind(void *a)
{
	struct sockaddr_in	 sin;
	int			 fd;

	(void)a;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (1);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != -1 ||
	    errno != EACCES)
		return (2);
	close(fd);
	return (0);
}

/* Child: connect to the parent's listener; exit 0 ok, 10 EACCES. */
static int
ll_connect(void *a)
{
	struct sockaddr_in	*sin = a;
	int			 fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (1);
	if (connect(fd, (struct sockaddr *)sin, sizeof(*sin)) == -1)
		return (errno == EACCES ? 10 : 2);
	close(fd);
	return (0);
}

/* Child: signals to processes outside the domain are refused (abi 6). */
static int
ll_signal(void *a)
{
	(void)a;
	if (kill(getppid(), 0) != -1 || errno != EPERM)
		return (1);
	if (kill(getpid(), 0) == -1)
		return (2);
	return (0);
}

static void
test_landlock(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);
	char			 path[] = "/tmp/wsflow-sbx-file.XXXXXX";
	struct stat		 st;
	int			 fd, lfd, mask = SANDBOX_L_NNP | SANDBOX_L_LANDLOCK;

	if (!filters || llabi == 0) {
		printf("landlock: %s, skipped\n", !filters ? "not built" :
		    "not supported by this kernel");
		return;
	}
	if ((fd = mkstemp(path)) == -1) {
		perror("mkstemp");
		CHECK(0);
		return;
	}
	CHECK_MSG(exited(run_child(SANDBOX_FILE_WRITE, mask, ll_fs, &fd), 0),
	    "landlock fs");
	CHECK(fstat(fd, &st) == 0 && st.st_size == 3);
	close(fd);
	unlink(path);
	(void)unlink("/tmp/wsflow-sbx-new");
	(void)rmdir("/tmp/wsflow-sbx-dir");

	if (llabi < 4) {
		printf("landlock: abi %d < 4, network cases skipped\n", llabi);
		return;
	}
	CHECK(exited(run_child(SANDBOX_WS_SERVER, mask, ll_bind, NULL), 0));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 8) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) == -1) {
		perror("listener");
		CHECK(0);
		return;
	}
	CHECK(exited(run_child(SANDBOX_WS_CLIENT, mask, ll_connect, &sin), 0));
	CHECK(exited(run_child(SANDBOX_WS_SERVER, mask, ll_connect, &sin),
	    10));
	CHECK(exited(run_child(SANDBOX_FILE_READ, mask, ll_connect, &sin),
	    10));
	close(lfd);

	if (llabi < 6) {
		printf("landlock: abi %d < 6, signal scope skipped\n", llabi);
		return;
	}
	CHECK(exited(run_child(SANDBOX_CONSOLE, mask, ll_signal, NULL), 0));
}

/* --- seccomp: what each profile forbids ------------------------------- */

static int
sc_execve(void *a)
{
	char	*argv[] = { (char *)"true", NULL };

	(void)a;
	syscall(SYS_execve, "/bin/true", argv, NULL);
	return (0);
}

static int
sc_openat(void *a)
{
	(void)a;
	syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
	return (0);
}

static int
sc_ptrace(void *a)
{
	(void)a;
	syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
	return (0);
}

static int
sc_fork(void *a)
{
	(void)a;
	if (fork() == 0)
		_exit(0);
	return (0);
}

static int
sc_mmap_exec(void *a)
{
	(void)a;
	mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	return (0);
}

static int
sc_mprotect_exec(void *a)
{
	void	*p;

	(void)a;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return (1);
	mprotect(p, 4096, PROT_READ | PROT_EXEC);
	return (0);
}

static int
sc_kill_parent(void *a)
{
	(void)a;
	syscall(SYS_kill, getppid(), 0);
	return (0);
}

static int
sc_fcntl_setown(void *a)
{
	(void)a;
	syscall(SYS_fcntl, 0, F_SETOWN, getpid());
	return (0);
}

static int
sc_ioctl_tiocsti(void *a)
{
	char	 c = 'x';

	(void)a;
	syscall(SYS_ioctl, 0, TIOCSTI, &c);
	return (0);
}

static int
sc_setuid(void *a)
{
	(void)a;
	syscall(SYS_setresuid, 0, 0, 0);
	return (0);
}

static int
sc_socket_inet(void *a)
{
	int	 fd;

	(void)a;
	fd = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	return (fd >= 0 ? 0 : 1);
}

static int
sc_socket_unix(void *a)
{
	(void)a;
	syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
	return (0);
}

static int
sc_socket_netlink(void *a)
{
	(void)a;
	syscall(SYS_socket, AF_NETLINK, SOCK_RAW, 0);
	return (0);
}

static int
sc_fsync(void *a)
{
	(void)a;
	syscall(SYS_fsync, 1);
	return (0);
}

static int
sc_accept(void *a)
{
	(void)a;
	syscall(SYS_accept4, -1, NULL, NULL, 0);
	return (0);
}

static int
sc_connect(void *a)
{
	struct sockaddr_in	 sin;

	(void)a;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	syscall(SYS_connect, -1, &sin, sizeof(sin));
	return (0);
}

/* Allowed with the right arguments: these must survive. */
static int
sc_allowed(void *a)
{
	void	*p;
	int	 fl, n;

	(void)a;
	p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return (1);
	if (mprotect(p, 4096, PROT_READ) == -1 || munmap(p, 1 << 20) == -1)
		return (2);
	if (kill(getpid(), 0) == -1)
		return (3);
	if ((fl = fcntl(1, F_GETFL)) == -1 || fcntl(1, F_SETFL, fl) == -1 ||
	    fcntl(1, F_GETFD) == -1)
		return (4);
	if (ioctl(0, FIONREAD, &n) == -1 && errno != ENOTTY &&
	    errno != EINVAL)
		return (5);
	(void)isatty(1);
	free(malloc(1 << 22));
	return (0);
}

/* abort() must die of SIGABRT (tgkill to ourselves), not SIGSYS. */
static int
sc_abort(void *a)
{
	(void)a;
	abort();
}

struct forbid {
	enum sandbox_profile	 fb_profile;	/* SANDBOX_PROFILE_MAX: all */
	const char		*fb_name;
	child_fn		 fb_fn;
	int			 fb_expect;	/* signal, or 0: exit 0 */
};

static const struct forbid forbids[] = {
	{ SANDBOX_PROFILE_MAX, "execve", sc_execve, SIGSYS },
	{ SANDBOX_PROFILE_MAX, "openat", sc_openat, SIGSYS },
	{ SANDBOX_PROFILE_MAX, "ptrace", sc_ptrace, SIGSYS },
	{ SANDBOX_PROFILE_MAX, "fork", sc_fork, SIGSYS },
	{ SANDBOX_PROFILE_MAX, "mmap exec", sc_mmap_exec, SIGSYS },
	{ SANDBOX_PROFILE_MAX, "mprotect exec", sc_mprotect_exec, SIGSYS },
	{ SANDBOX_PROFILE_MAX, "kill parent", sc_kill_parent, SIGSYS },
	{ SANDBOX_PROFILE_MAX, "fcntl F_SETOWN", sc_fcntl_setown, SIGSYS },
	{ SANDBOX_PROFILE_MAX, "ioctl TIOCSTI", sc_ioctl_tiocsti, SIGSYS },
	{ SANDBOX_PROFILE_MAX, "setresuid", sc_setuid, SIGSYS },
	{ SANDBOX_PROFILE_MAX, "allowed calls", sc_allowed, 0 },
	{ SANDBOX_PROFILE_MAX, "abort", sc_abort, SIGABRT },
	{ SANDBOX_WS_SERVER, "socket", sc_socket_inet, SIGSYS },
	{ SANDBOX_WS_SERVER, "connect", sc_connect, SIGSYS },
	{ SANDBOX_WS_SERVER, "fsync", sc_fsync, SIGSYS },
	{ SANDBOX_WS_CLIENT, "socket inet", sc_socket_inet, 0 },
	{ SANDBOX_WS_CLIENT, "socket unix", sc_socket_unix, SIGSYS },
	{ SANDBOX_WS_CLIENT, "socket netlink", sc_socket_netlink, SIGSYS },
	{ SANDBOX_WS_CLIENT, "accept", sc_accept, SIGSYS },
	{ SANDBOX_FILE_READ, "fsync", sc_fsync, SIGSYS },
	{ SANDBOX_FILE_READ, "socket", sc_socket_inet, SIGSYS },
	{ SANDBOX_FILE_WRITE, "accept", sc_accept, SIGSYS },
	{ SANDBOX_FILE_WRITE, "connect", sc_connect, SIGSYS },
	{ SANDBOX_CONSOLE, "fsync", sc_fsync, SIGSYS },
	{ SANDBOX_CONSOLE, "accept", sc_accept, SIGSYS },
	{ SANDBOX_CONTROL, "socket", sc_socket_inet, SIGSYS },
	{ SANDBOX_CONTROL, "fsync", sc_fsync, SIGSYS },
	{ SANDBOX_KEYHOLDER, "socket", sc_socket_inet, SIGSYS },
	{ SANDBOX_KEYHOLDER, "socket unix", sc_socket_unix, SIGSYS },
	{ SANDBOX_KEYHOLDER, "accept", sc_accept, SIGSYS },
	{ SANDBOX_KEYHOLDER, "connect", sc_connect, SIGSYS },
	{ SANDBOX_KEYHOLDER, "fsync", sc_fsync, SIGSYS },
};

/* Run one case in profile p; without filters in this build the call
 * simply returns, which the test then expects instead. */
static void
check_forbid(enum sandbox_profile p, const struct forbid *fb)
{
	int	 st;

	st = run_child(p, SANDBOX_L_ALL, fb->fb_fn, NULL);
	if (fb->fb_expect == SIGSYS && !filters)
		CHECK_MSG(WIFEXITED(st), "%s %s: status 0x%x",
		    sandbox_profile_name(p), fb->fb_name, st);
	else if (fb->fb_expect != 0)
		CHECK_MSG(WIFSIGNALED(st) && WTERMSIG(st) == fb->fb_expect,
		    "%s %s: status 0x%x, want signal %d",
		    sandbox_profile_name(p), fb->fb_name, st, fb->fb_expect);
	else
		CHECK_MSG(exited(st, 0), "%s %s: status 0x%x",
		    sandbox_profile_name(p), fb->fb_name, st);
}

static void
test_seccomp(void)
{
	size_t	 i;
	int	 p;

	for (i = 0; i < sizeof(forbids) / sizeof(forbids[0]); i++) {
		if (forbids[i].fb_profile != SANDBOX_PROFILE_MAX) {
			check_forbid(forbids[i].fb_profile, &forbids[i]);
			continue;
		}
		for (p = 0; p < SANDBOX_PROFILE_MAX; p++)
			check_forbid(p, &forbids[i]);
	}
	if (!filters)
		printf("seccomp: off (%s), forbidden calls checked to "
		    "return instead\n", "sanitizers, --disable-sandbox or valgrind");
}

#if defined(__x86_64__)
/* getpid through the i386 entry (int 0x80): another audit arch. */
static int
sc_int80(void *a)
{
	long	 ret;

	(void)a;
	__asm__ volatile ("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
	return (ret == (long)getpid() ? 0 : 1);
}

/* Wrong architecture is killed even for a syscall the list allows. */
static void
test_arch(void)
{
	int	 st;

	st = run_child(SANDBOX_CONSOLE, 0, sc_int80, NULL);
	if (!exited(st, 0)) {
		printf("arch: no i386 syscall entry here (kernel or valgrind), "
		    "skipped\n");
		return;
	}
	st = run_child(SANDBOX_CONSOLE, SANDBOX_L_ALL, sc_int80, NULL);
	if (filters)
		CHECK_MSG(died_sigsys(st), "int 0x80: status 0x%x", st);
	else
		CHECK(exited(st, 0));
}
#else
static void
test_arch(void)
{
	printf("arch: i386 entry check only on x86_64\n");
}
#endif

int
main(int argc, char *argv[])
{
	struct rlimit	 rl;

	(void)argc;
	(void)argv;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Children die of SIGSYS and SIGABRT on purpose: no core files. */
	rl.rlim_cur = rl.rlim_max = 0;
	(void)setrlimit(RLIMIT_CORE, &rl);
	isroot = geteuid() == 0;
	filters = (sandbox_layers_built() & SANDBOX_L_SECCOMP) != 0;
	if (RUNNING_ON_VALGRIND) {
		/* valgrind has no seccomp or landlock: check the rest. */
		printf("running on valgrind: seccomp and landlock off\n");
		filters = 0;
	}
	llabi = sandbox_landlock_abi();
	printf("root %d, seccomp+landlock built %d, landlock abi %d\n",
	    isroot, filters, llabi);
	if (isroot) {
		if (testuser_ensure(user, &wpw) == -1) {
			fprintf(stderr, "no user %s\n", user);
			return (1);
		}
		if (strlcpy(chrootdir, "/tmp/wsflow-sbx.XXXXXX",
		    sizeof(chrootdir)) >= sizeof(chrootdir) ||
		    mkdtemp(chrootdir) == NULL || chmod(chrootdir, 0755) == -1) {
			perror("mkdtemp");
			return (1);
		}
	}

	test_names();
	test_bad_profile();
	test_report();
	test_status();
	test_drop();
	test_landlock();
	test_seccomp();
	test_arch();

	if (isroot)
		(void)rmdir(chrootdir);
	return (check_done());
}
