/* SPDX-License-Identifier: ISC */
/*
 * The sandbox every wsflow worker enters once it has opened what it needs
 * (listening socket, TLS material, its file): chroot to an empty directory
 * and a permanent, verified drop to the unprivileged user when started as
 * root; then always no_new_privs, landlock denying all filesystem access
 * (where the kernel has it) and a seccomp-bpf allow-list chosen by the
 * worker's connector type.
 *
 * After sandbox_enter() a worker may only use descriptors it already holds
 * (plus sockets it creates in SANDBOX_WS_CLIENT): no open(), no exec, no
 * lazy loading of files.  Initialise everything that reads files first:
 * OpenSSL (OPENSSL_init_ssl, certificates, keys, a CA *file*, never a CA
 * directory, whose lookups open files lazily), tzset(), getpwnam().
 * Afterwards: no fork, no threads, no exec, no prctl; fcntl only
 * F_GETFL/F_SETFL/F_GETFD/F_SETFD; ioctl only FIONBIO, FIONREAD, FIOCLEX,
 * FIONCLEX, TCGETS, TIOCGWINSZ; no PROT_EXEC memory; signals only to
 * ourselves.  Route and control fds arrive by recvmsg() at any time.
 *
 *	char report[256];
 *
 *	if (sandbox_enter(SANDBOX_WS_SERVER, WSFLOW_USER, WSFLOW_CHROOT,
 *	    report, sizeof(report)) == -1)
 *		fatalx("%s", report);
 *	log_info("sandbox: %s", report);
 */
#ifndef WSFLOW_SANDBOX_H
#define WSFLOW_SANDBOX_H

#include <stddef.h>

/* One profile per worker type; each names the syscall allow-list. */
enum sandbox_profile {
	SANDBOX_WS_SERVER,	/* accept on a passed listener, TLS */
	SANDBOX_WS_CLIENT,	/* socket + connect to supervisor-resolved addrs */
	SANDBOX_FILE_READ,	/* read a file opened before entering */
	SANDBOX_FILE_WRITE,	/* write, fsync, ftruncate a file opened before */
	SANDBOX_CONSOLE,	/* stdin / stdout */
	SANDBOX_CONTROL,	/* accept on the passed control socket */
	SANDBOX_KEYHOLDER,	/* signs over passed socketpairs: no network */
	SANDBOX_PROFILE_MAX
};

/* Layers sandbox_enter() applies; SANDBOX_L_ALL is what workers use. */
#define SANDBOX_L_DROP		0x01	/* chroot + setuid (root only) */
#define SANDBOX_L_NNP		0x02	/* PR_SET_NO_NEW_PRIVS */
#define SANDBOX_L_LANDLOCK	0x04	/* deny all filesystem access */
#define SANDBOX_L_SECCOMP	0x08	/* per-profile syscall allow-list */
#define SANDBOX_L_ALL		0x0f

/*
 * Enter the sandbox for profile.  When root: look up user (uid 0 refused),
 * chroot to chrootdir (must exist, be owned by root and not group- or
 * world-writable), drop to user's uid/gid with no supplementary groups and
 * verify the drop cannot be undone.  When not root these two are skipped.
 * report (may be NULL) receives one line naming the layers actually active,
 * e.g. "chroot /run/wsflow/empty, uid _wsflow, no_new_privs, landlock abi 3,
 * seccomp ws_server".  Returns 0, or -1 with errno set and the reason in
 * report; on -1 the process is in an undefined half-sandboxed state and
 * must exit.
 */
int		 sandbox_enter(enum sandbox_profile, const char *user,
		    const char *chrootdir, char *report, size_t reportlen);

/*
 * Like sandbox_enter() but only the SANDBOX_L_* layers in mask; for tests
 * that check one layer on its own.  Layers compiled out stay off.
 */
int		 sandbox_enter_layers(enum sandbox_profile, int mask,
		    const char *user, const char *chrootdir, char *report,
		    size_t reportlen);

/* "ws_server", ... for a profile; NULL when out of range. */
const char	*sandbox_profile_name(enum sandbox_profile);

/* Profile by name; 0, or -1 when unknown. */
int		 sandbox_profile_from_name(const char *, enum sandbox_profile *);

/* Landlock ABI version of the running kernel, 0 when unavailable. */
int		 sandbox_landlock_abi(void);

/* Layers this build can apply at all (seccomp/landlock off with
 * --disable-sandbox or sanitizers). */
int		 sandbox_layers_built(void);

#endif
