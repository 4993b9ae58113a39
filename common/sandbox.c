/* SPDX-License-Identifier: ISC */
/*
 * Worker confinement, applied once after start-up: chroot + permanent
 * setuid (when root), no_new_privs, landlock (no filesystem access at all)
 * and a seccomp-bpf allow-list per connector type.  Each layer is reported
 * so the worker can log what is really in force on this kernel.
 *
 * The seccomp program is built at run time from small blocks so that the
 * allow-lists read as lists and argument checks can use values only known
 * now (our pid for kill/tgkill).  Syscalls a libevent + OpenSSL + json-c
 * worker needs were found by running tests/sandbox/sandbox-workload under
 * strace and --enable-sandbox-debug.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#ifdef HAVE_LINUX_LANDLOCK_H
#include <linux/landlock.h>
#endif

#include "sandbox.h"

/* valgrind implements neither seccomp nor landlock (ENOSYS). */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define SANDBOX_VALGRIND	1
#endif
#endif

/* Landlock and seccomp are off in sanitizer builds (ASan needs /proc and
 * many syscalls) and with --disable-sandbox. */
#if defined(__x86_64__)
#define SANDBOX_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SANDBOX_ARCH	AUDIT_ARCH_AARCH64
#endif

/* Other architectures build, but sandbox_enter() refuses seccomp there. */
#if defined(WSFLOW_SANDBOX) && !defined(WSFLOW_SANITIZERS) && \
    defined(SANDBOX_ARCH)
#define SANDBOX_FILTERS	1
#endif

/* Landlock constants newer than some installed kernel headers; the
 * syscall numbers are the same on every architecture. */
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset	444
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self	446
#endif
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION	(1U << 0)
#endif
#define SANDBOX_LL_FS_V1	((1ULL << 13) - 1)	/* EXECUTE..MAKE_SYM */
#define SANDBOX_LL_FS_REFER	(1ULL << 13)		/* abi 2 */
#define SANDBOX_LL_FS_TRUNCATE	(1ULL << 14)		/* abi 3 */
#define SANDBOX_LL_FS_IOCTL_DEV	(1ULL << 15)		/* abi 5 */
#define SANDBOX_LL_NET_BIND	(1ULL << 0)		/* abi 4 */
#define SANDBOX_LL_NET_CONNECT	(1ULL << 1)		/* abi 4 */
#define SANDBOX_LL_SCOPE_UNIX	(1ULL << 0)		/* abi 6 */
#define SANDBOX_LL_SCOPE_SIGNAL	(1ULL << 1)		/* abi 6 */

/* struct landlock_ruleset_attr as of abi 6; the size passed selects. */
struct sandbox_ll_attr {
	uint64_t	 la_fs;
	uint64_t	 la_net;
	uint64_t	 la_scoped;
};

static const char *const sandbox_names[SANDBOX_PROFILE_MAX] = {
	[SANDBOX_WS_SERVER] = "ws_server",
	[SANDBOX_WS_CLIENT] = "ws_client",
	[SANDBOX_FILE_READ] = "file_read",
	[SANDBOX_FILE_WRITE] = "file_write",
	[SANDBOX_CONSOLE] = "console",
	[SANDBOX_CONTROL] = "control",
	[SANDBOX_KEYHOLDER] = "keyholder",
};

/* Append ", text" (or "text" when first) to the report; truncates. */
static void __attribute__((format(printf, 3, 4)))
report_add(char *report, size_t len, const char *fmt, ...)
{
	size_t	 used;
	va_list	 ap;

	if (report == NULL || len == 0)
		return;
	used = strnlen(report, len);
	if (used + 1 >= len)
		return;
	if (used > 0) {
		(void)snprintf(report + used, len - used, ", ");
		used = strnlen(report, len);
		if (used + 1 >= len)
			return;
	}
	va_start(ap, fmt);
	(void)vsnprintf(report + used, len - used, fmt, ap);
	va_end(ap);
}

/* Replace the report by an error message, keeping errno. */
static int __attribute__((format(printf, 3, 4)))
report_fail(char *report, size_t len, const char *fmt, ...)
{
	int	 saved = errno;
	va_list	 ap;

	if (report != NULL && len > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(report, len, fmt, ap);
		va_end(ap);
	}
	errno = saved != 0 ? saved : EPERM;
	return (-1);
}

/* Name of a profile, as used in reports and by the workers. */
const char *
sandbox_profile_name(enum sandbox_profile p)
{
	if ((int)p < 0 || p >= SANDBOX_PROFILE_MAX)
		return (NULL);
	return (sandbox_names[p]);
}

/* Profile for a name; -1 when there is none. */
int
sandbox_profile_from_name(const char *name, enum sandbox_profile *p)
{
	int	 i;

	for (i = 0; i < SANDBOX_PROFILE_MAX; i++)
		if (name != NULL && strcmp(name, sandbox_names[i]) == 0) {
			*p = (enum sandbox_profile)i;
			return (0);
		}
	return (-1);
}

/* SANDBOX_L_* layers this build can apply. */
int
sandbox_layers_built(void)
{
	int	 mask = SANDBOX_L_DROP | SANDBOX_L_NNP;

#ifdef SANDBOX_FILTERS
	mask |= SANDBOX_L_LANDLOCK | SANDBOX_L_SECCOMP;
#endif
	return (mask);
}

/* Landlock ABI of the running kernel; 0 without landlock. */
int
sandbox_landlock_abi(void)
{
	long	 abi;
	int	 saved = errno;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	errno = saved;
	return (abi > 0 && abi < 1000 ? (int)abi : 0);
}

#ifndef SANDBOX_FILTERS
/* Why filters are off in this build, for the report. */
static const char *
sandbox_off_reason(void)
{
#ifdef WSFLOW_SANITIZERS
	return ("sanitizers");
#else
	return ("--disable-sandbox");
#endif
}
#endif

/*
 * chroot to dir and drop to user for good, then prove it: no way back to
 * uid or gid 0 and all of real/effective/saved ids equal.  Root only.
 */
static int
sandbox_drop(const char *user, const char *dir, char *report, size_t len)
{
	struct passwd	*pw;
	struct stat	 st;
	uid_t		 uid, ruid, euid, suid;
	gid_t		 gid, rgid, egid, sgid, groups[2];
	char		 name[64];

	if (user == NULL || *user == '\0') {
		errno = EINVAL;
		return (report_fail(report, len, "sandbox: no user"));
	}
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		if (errno == 0)
			errno = ENOENT;
		return (report_fail(report, len,
		    "sandbox: user %s: unknown", user));
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		errno = EPERM;
		return (report_fail(report, len,
		    "sandbox: user %s: refusing uid or gid 0", user));
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (strlcpy(name, user, sizeof(name)) >= sizeof(name)) {
		errno = ENAMETOOLONG;
		return (report_fail(report, len, "sandbox: user name too long"));
	}

#ifdef WSFLOW_SANDBOX
	if (dir == NULL || *dir == '\0') {
		errno = EINVAL;
		return (report_fail(report, len, "sandbox: no chroot directory"));
	}
	if (stat(dir, &st) == -1)
		return (report_fail(report, len, "sandbox: chroot %s: %s",
		    dir, strerror(errno)));
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		errno = EPERM;
		return (report_fail(report, len, "sandbox: chroot %s: must be "
		    "a directory owned by root and not writable by others",
		    dir));
	}
	if (chroot(dir) == -1 || chdir("/") == -1)
		return (report_fail(report, len, "sandbox: chroot %s: %s",
		    dir, strerror(errno)));
	report_add(report, len, "chroot %s", dir);
#else
	(void)dir;
	(void)st;
	report_add(report, len, "no chroot (--disable-sandbox)");
#endif

	if (setgroups(1, &gid) == -1 ||
	    setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1)
		return (report_fail(report, len, "sandbox: drop to %s: %s",
		    name, strerror(errno)));

	/* Verify, as OpenSSH's permanently_set_uid() does. */
	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1 ||
	    ruid != uid || euid != uid || suid != uid ||
	    rgid != gid || egid != gid || sgid != gid ||
	    getgroups(2, groups) != 1 || groups[0] != gid) {
		errno = EPERM;
		return (report_fail(report, len,
		    "sandbox: drop to %s: ids not as set", name));
	}
	if (setresuid(0, 0, 0) != -1 || setuid(0) != -1 || seteuid(0) != -1 ||
	    setegid(0) != -1 || setgid(0) != -1) {
		errno = EPERM;
		return (report_fail(report, len,
		    "sandbox: drop to %s: root could be regained", name));
	}
	report_add(report, len, "uid %s", name);
	return (0);
}

#ifdef SANDBOX_FILTERS
/*
 * Landlock: handle every filesystem right the kernel knows and grant none.
 * Also forbid binding TCP ports (listeners are passed in), TCP connect
 * outside ws_client, and on abi 6 signals and abstract unix sockets that
 * leave the domain.  abi 0 (kernel without landlock) is not an error.
 */
static int
sandbox_landlock(enum sandbox_profile p, char *report, size_t len)
{
	struct sandbox_ll_attr	 attr;
	size_t			 attrsz;
	int			 abi, fd;

	if ((abi = sandbox_landlock_abi()) == 0) {
		report_add(report, len, "landlock unavailable");
		return (0);
	}
	memset(&attr, 0, sizeof(attr));
	attr.la_fs = SANDBOX_LL_FS_V1;
	attrsz = sizeof(attr.la_fs);
	if (abi >= 2)
		attr.la_fs |= SANDBOX_LL_FS_REFER;
	if (abi >= 3)
		attr.la_fs |= SANDBOX_LL_FS_TRUNCATE;
	if (abi >= 4) {
		attr.la_net = SANDBOX_LL_NET_BIND;
		if (p != SANDBOX_WS_CLIENT)
			attr.la_net |= SANDBOX_LL_NET_CONNECT;
		attrsz = offsetof(struct sandbox_ll_attr, la_scoped);
	}
	if (abi >= 5)
		attr.la_fs |= SANDBOX_LL_FS_IOCTL_DEV;
	if (abi >= 6) {
		attr.la_scoped = SANDBOX_LL_SCOPE_UNIX | SANDBOX_LL_SCOPE_SIGNAL;
		attrsz = sizeof(attr);
	}
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, attrsz, 0U);
	if (fd == -1) {
		if (errno == ENOSYS || errno == EOPNOTSUPP) {
			report_add(report, len, "landlock unavailable");
			return (0);
		}
		return (report_fail(report, len, "sandbox: landlock ruleset: %s",
		    strerror(errno)));
	}
	if (syscall(SYS_landlock_restrict_self, fd, 0U) == -1) {
		int saved = errno;

		(void)close(fd);
		errno = saved;
		return (report_fail(report, len, "sandbox: landlock restrict: %s",
		    strerror(errno)));
	}
	(void)close(fd);
	report_add(report, len, "landlock abi %d", abi);
	return (0);
}

/* Seccomp program under construction. */
#define SC_MAXLEN	512
struct sc_prog {
	struct sock_filter	 sp_insn[SC_MAXLEN];
	size_t			 sp_len;
	int			 sp_overflow;
};

#define SC_NR		offsetof(struct seccomp_data, nr)
#define SC_ARCH		offsetof(struct seccomp_data, arch)
/* Low 32 bits of an argument (both supported arches are little-endian);
 * every argument we inspect is an int or unsigned int in the kernel. */
#define SC_ARG_LO(n)	(offsetof(struct seccomp_data, args) + \
			    (n) * sizeof(uint64_t))

/* Append one instruction. */
static void
sc_emit(struct sc_prog *sp, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	struct sock_filter	 insn = { code, jt, jf, k };

	if (sp->sp_len >= SC_MAXLEN) {
		sp->sp_overflow = 1;
		return;
	}
	sp->sp_insn[sp->sp_len++] = insn;
}

/* Allow syscall nr unconditionally (A holds the syscall number). */
static void
sc_allow(struct sc_prog *sp, long nr)
{
	sc_emit(sp, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1);
	sc_emit(sp, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
}

/* Allow nr when argument arg equals one of vals[0..n). */
static void
sc_allow_arg(struct sc_prog *sp, long nr, int arg, const uint32_t *vals,
    size_t n)
{
	size_t	 i;

	sc_emit(sp, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0,
	    (uint8_t)(2 * n + 2));
	sc_emit(sp, BPF_LD | BPF_W | BPF_ABS, SC_ARG_LO(arg), 0, 0);
	for (i = 0; i < n; i++) {
		sc_emit(sp, BPF_JMP | BPF_JEQ | BPF_K, vals[i], 0, 1);
		sc_emit(sp, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	}
	sc_emit(sp, BPF_LD | BPF_W | BPF_ABS, SC_NR, 0, 0);
}

/* Allow nr when none of the bits in mask are set in argument arg. */
static void
sc_allow_argmask(struct sc_prog *sp, long nr, int arg, uint32_t mask)
{
	sc_emit(sp, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 4);
	sc_emit(sp, BPF_LD | BPF_W | BPF_ABS, SC_ARG_LO(arg), 0, 0);
	sc_emit(sp, BPF_JMP | BPF_JSET | BPF_K, mask, 1, 0);
	sc_emit(sp, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	sc_emit(sp, BPF_LD | BPF_W | BPF_ABS, SC_NR, 0, 0);
}

#define SC_ALLOW_ARG(sp, nr, arg, ...) do {				\
	static const uint32_t sc_v_[] = { __VA_ARGS__ };		\
	sc_allow_arg((sp), (nr), (arg), sc_v_,				\
	    sizeof(sc_v_) / sizeof(sc_v_[0]));				\
} while (0)

/* What every worker needs after start-up: descriptor I/O on what it holds,
 * the libevent loop, memory, time, randomness, signals, exit. */
static void
sc_base(struct sc_prog *sp, uint32_t pid)
{
	uint32_t	 self[1];

	self[0] = pid;
	sc_allow(sp, __NR_read);
	sc_allow(sp, __NR_write);
	sc_allow(sp, __NR_readv);
	sc_allow(sp, __NR_writev);
	sc_allow(sp, __NR_recvmsg);
	sc_allow(sp, __NR_sendmsg);
	sc_allow(sp, __NR_recvfrom);
	sc_allow(sp, __NR_sendto);
	sc_allow(sp, __NR_shutdown);
	sc_allow(sp, __NR_getsockopt);
	sc_allow(sp, __NR_close);
	sc_allow(sp, __NR_lseek);
	sc_allow(sp, __NR_fstat);
	sc_allow(sp, __NR_newfstatat);
	sc_allow(sp, __NR_pipe2);
	sc_allow(sp, __NR_eventfd2);
	sc_allow(sp, __NR_epoll_create1);
	sc_allow(sp, __NR_epoll_ctl);
	sc_allow(sp, __NR_epoll_pwait);
#ifdef __NR_epoll_wait
	sc_allow(sp, __NR_epoll_wait);
#endif
#ifdef __NR_epoll_pwait2
	sc_allow(sp, __NR_epoll_pwait2);
#endif
#ifdef __NR_poll
	sc_allow(sp, __NR_poll);
#endif
	sc_allow(sp, __NR_ppoll);
#ifdef __NR_select
	sc_allow(sp, __NR_select);
#endif
	sc_allow(sp, __NR_pselect6);
	SC_ALLOW_ARG(sp, __NR_fcntl, 1, F_GETFL, F_SETFL, F_GETFD, F_SETFD);
	SC_ALLOW_ARG(sp, __NR_ioctl, 1, FIONBIO, FIONREAD, FIOCLEX, FIONCLEX,
	    TCGETS, TIOCGWINSZ);
	/* No executable memory after start-up. */
	sc_allow_argmask(sp, __NR_mmap, 2, PROT_EXEC);
	sc_allow_argmask(sp, __NR_mprotect, 2, PROT_EXEC);
	sc_allow(sp, __NR_munmap);
	sc_allow(sp, __NR_mremap);
	sc_allow(sp, __NR_brk);
	sc_allow(sp, __NR_madvise);
	sc_allow(sp, __NR_clock_gettime);
	sc_allow(sp, __NR_clock_getres);
	sc_allow(sp, __NR_gettimeofday);
	sc_allow(sp, __NR_nanosleep);
	sc_allow(sp, __NR_clock_nanosleep);
	sc_allow(sp, __NR_getrandom);
	sc_allow(sp, __NR_getpid);
	sc_allow(sp, __NR_gettid);
	sc_allow(sp, __NR_getuid);
	sc_allow(sp, __NR_geteuid);
	sc_allow(sp, __NR_getgid);
	sc_allow(sp, __NR_getegid);
	sc_allow(sp, __NR_sysinfo);	/* glibc qsort: _SC_PHYS_PAGES */
	sc_allow(sp, __NR_rt_sigaction);
	sc_allow(sp, __NR_rt_sigprocmask);
	sc_allow(sp, __NR_rt_sigreturn);
	sc_allow(sp, __NR_sigaltstack);
	/* Signals only to ourselves: raise() and abort() use tgkill. */
	sc_allow_arg(sp, __NR_kill, 0, self, 1);
	sc_allow_arg(sp, __NR_tgkill, 0, self, 1);
	sc_allow(sp, __NR_futex);
	sc_allow(sp, __NR_sched_yield);
	sc_allow(sp, __NR_restart_syscall);
	sc_allow(sp, __NR_exit);
	sc_allow(sp, __NR_exit_group);
}

/* Build the whole program for profile p into sp. */
static void
sc_build(struct sc_prog *sp, enum sandbox_profile p, uint32_t default_action)
{
	sp->sp_len = 0;
	sp->sp_overflow = 0;

	/* Wrong architecture (e.g. int 0x80 on x86_64): kill, never trap. */
	sc_emit(sp, BPF_LD | BPF_W | BPF_ABS, SC_ARCH, 0, 0);
	sc_emit(sp, BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0);
	sc_emit(sp, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, 0, 0);
	sc_emit(sp, BPF_LD | BPF_W | BPF_ABS, SC_NR, 0, 0);

	sc_base(sp, (uint32_t)getpid());
	switch (p) {
	case SANDBOX_WS_SERVER:
	case SANDBOX_CONTROL:
		sc_allow(sp, __NR_accept);
		sc_allow(sp, __NR_accept4);
		/* evconnlistener_new(..., backlog -1, fd) re-listens on the
		 * passed socket; no new sockets exist to listen on. */
		sc_allow(sp, __NR_listen);
		sc_allow(sp, __NR_setsockopt);
		sc_allow(sp, __NR_getsockname);
		sc_allow(sp, __NR_getpeername);
		break;
	case SANDBOX_WS_CLIENT:
		SC_ALLOW_ARG(sp, __NR_socket, 0, AF_INET, AF_INET6);
		sc_allow(sp, __NR_connect);
		sc_allow(sp, __NR_setsockopt);
		sc_allow(sp, __NR_getsockname);
		sc_allow(sp, __NR_getpeername);
		break;
	case SANDBOX_FILE_WRITE:
		sc_allow(sp, __NR_fsync);
		sc_allow(sp, __NR_fdatasync);
		sc_allow(sp, __NR_ftruncate);
		break;
	case SANDBOX_FILE_READ:
		sc_allow(sp, __NR_fadvise64);
		break;
	case SANDBOX_CONSOLE:
	case SANDBOX_KEYHOLDER:	/* the base: I/O on what it holds */
	case SANDBOX_PROFILE_MAX:
		break;
	}
	sc_emit(sp, BPF_RET | BPF_K, default_action, 0, 0);
}

#ifdef WSFLOW_SANDBOX_DEBUG
/* Write a decimal number with write(2) only: we are in a signal handler. */
static void
sc_debug_num(long n)
{
	char	 buf[24];
	size_t	 i = sizeof(buf);
	int	 neg = n < 0;
	unsigned long u = neg ? -(unsigned long)n : (unsigned long)n;

	do {
		buf[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0 && i > 1);
	if (neg)
		buf[--i] = '-';
	(void)!write(STDERR_FILENO, buf + i, sizeof(buf) - i);
}

/* SIGSYS under --enable-sandbox-debug: name the syscall, then die of it. */
static void
sc_debug_handler(int sig, siginfo_t *si, void *ctx)
{
	static const char	 m1[] = "sandbox: seccomp violation: syscall ";
	static const char	 m2[] = " arch 0x";
	char			 hex[8];
	unsigned int		 arch;
	int			 i;

	(void)ctx;
	(void)!write(STDERR_FILENO, m1, sizeof(m1) - 1);
	sc_debug_num(si->si_syscall);
	(void)!write(STDERR_FILENO, m2, sizeof(m2) - 1);
	arch = si->si_arch;
	for (i = 7; i >= 0; i--, arch >>= 4)
		hex[i] = "0123456789abcdef"[arch & 0xf];
	(void)!write(STDERR_FILENO, hex, sizeof(hex));
	(void)!write(STDERR_FILENO, "\n", 1);
	(void)signal(sig, SIG_DFL);
	(void)raise(sig);
	_exit(128 + sig);
}
#endif

/* Install the allow-list for profile p. */
static int
sandbox_seccomp(enum sandbox_profile p, char *report, size_t len)
{
	static struct sc_prog	 prog;
	struct sock_fprog	 fprog;
	uint32_t		 action = SECCOMP_RET_KILL_PROCESS;

#ifdef WSFLOW_SANDBOX_DEBUG
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sc_debug_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		return (report_fail(report, len, "sandbox: sigaction: %s",
		    strerror(errno)));
	action = SECCOMP_RET_TRAP;
#endif
	sc_build(&prog, p, action);
	if (prog.sp_overflow) {
		errno = E2BIG;
		return (report_fail(report, len, "sandbox: seccomp program "
		    "too long"));
	}
	fprog.len = (unsigned short)prog.sp_len;
	fprog.filter = prog.sp_insn;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
	    SECCOMP_FILTER_FLAG_TSYNC, &fprog) != 0) {
#ifdef SANDBOX_VALGRIND
		/* Only there: a real kernel without seccomp is an error. */
		if (errno == ENOSYS && RUNNING_ON_VALGRIND) {
			report_add(report, len, "seccomp off (valgrind)");
			return (0);
		}
#endif
		if (errno == 0)
			errno = EBUSY;	/* another thread refused TSYNC */
		return (report_fail(report, len, "sandbox: seccomp: %s",
		    strerror(errno)));
	}
#ifdef WSFLOW_SANDBOX_DEBUG
	report_add(report, len, "seccomp %s (debug: trap)",
	    sandbox_profile_name(p));
#else
	report_add(report, len, "seccomp %s", sandbox_profile_name(p));
#endif
	return (0);
}
#endif /* SANDBOX_FILTERS */

/* Apply the layers in mask, in order: drop, no_new_privs, landlock, seccomp. */
int
sandbox_enter_layers(enum sandbox_profile p, int mask, const char *user,
    const char *chrootdir, char *report, size_t len)
{
	if (report != NULL && len > 0)
		report[0] = '\0';
	if (sandbox_profile_name(p) == NULL) {
		errno = EINVAL;
		return (report_fail(report, len, "sandbox: bad profile"));
	}
#if defined(WSFLOW_SANDBOX) && !defined(WSFLOW_SANITIZERS) && \
    !defined(SANDBOX_ARCH)
	if (mask & SANDBOX_L_SECCOMP) {
		errno = ENOTSUP;
		return (report_fail(report, len, "sandbox: seccomp: "
		    "unsupported architecture"));
	}
#endif

	if (mask & SANDBOX_L_DROP) {
		if (geteuid() == 0) {
			if (sandbox_drop(user, chrootdir, report, len) == -1)
				return (-1);
		} else
			report_add(report, len, "not root: no chroot, no setuid");
	}
	if (mask & SANDBOX_L_NNP) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
			return (report_fail(report, len, "sandbox: "
			    "no_new_privs: %s", strerror(errno)));
		report_add(report, len, "no_new_privs");
	}
#ifdef SANDBOX_FILTERS
	if ((mask & SANDBOX_L_LANDLOCK) &&
	    sandbox_landlock(p, report, len) == -1)
		return (-1);
	if ((mask & SANDBOX_L_SECCOMP) && sandbox_seccomp(p, report, len) == -1)
		return (-1);
#else
	if (mask & (SANDBOX_L_LANDLOCK | SANDBOX_L_SECCOMP))
		report_add(report, len, "landlock and seccomp off (%s)",
		    sandbox_off_reason());
#endif
	return (0);
}

/* Apply every layer; what a worker calls. */
int
sandbox_enter(enum sandbox_profile p, const char *user, const char *chrootdir,
    char *report, size_t len)
{
	return (sandbox_enter_layers(p, SANDBOX_L_ALL, user, chrootdir,
	    report, len));
}
