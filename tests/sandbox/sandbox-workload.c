/* SPDX-License-Identifier: ISC */
/*
 * sandbox-workload: run what a wsflow worker does after start-up inside
 * the sandbox, once per profile, to prove the seccomp allow-lists are
 * complete (and to find what is missing: run it under strace -f, or build
 * with --enable-sandbox-debug to see the offending syscall).
 *
 *	sandbox-workload [-n] [-c chrootdir] [-u user] [profile ...]
 *
 * For each profile (default: all) a child is forked after everything that
 * needs the filesystem is set up; it enters the sandbox (-n: does not) and
 * runs a libevent (epoll) loop with: JSON lines over a socketpair route,
 * fd passing, a TLS handshake + echo over a socketpair, a timer, a
 * signal event, json-c
 * sorting, RAND_bytes, large allocations, logging; plus the profile's own
 * job against a plain peer in the parent: TLS echo over TCP (ws_server
 * accepts, ws_client connects), unix control socket with SO_PEERCRED,
 * file write + fsync + ftruncate, file read, stdin to stdout.  Prints
 * "N passed, N failed" (one case per profile).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <json-c/json.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "log.h"
#include "sandbox.h"
#include "testuser.h"

#define NLINES		200	/* JSON lines per stream */
#define TLSBYTES	(64 * 1024)
#define TIMEOUT_SEC	20

/* What the sandboxed child holds, all opened before the sandbox. */
struct wl {
	enum sandbox_profile	 w_profile;
	struct event_base	*w_base;
	SSL_CTX			*w_sctx;	/* server: self-signed cert */
	SSL_CTX			*w_cctx;	/* client: trusts that cert */
	int			 w_route[2];	/* socketpair, a "route" */
	int			 w_pass[2];	/* socketpair for fd passing */
	int			 w_tls[2];	/* socketpair for TLS */
	int			 w_listen;	/* ws_server, control */
	struct sockaddr_in	 w_peer;	/* ws_client: where to connect */
	int			 w_file;	/* file_read, file_write */
	int			 w_pending;	/* jobs still running */
	int			 w_failed;
	size_t			 w_got;		/* per job scratch counters */
	size_t			 w_tlsgot;
	size_t			 w_netgot;
	size_t			 w_ctlgot;
	size_t			 w_congot;
	struct bufferevent	*w_bevs[16];	/* live ones, freed at the end */
};

static const char	*progname = "sandbox-workload";

/* Remember bev so that it is freed even when its peer outlives the loop. */
static struct bufferevent *
wl_track(struct wl *w, struct bufferevent *bev)
{
	size_t	 i;

	for (i = 0; bev != NULL && i < sizeof(w->w_bevs) / sizeof(w->w_bevs[0]);
	    i++)
		if (w->w_bevs[i] == NULL) {
			w->w_bevs[i] = bev;
			return (bev);
		}
	if (bev != NULL)
		bufferevent_free(bev);
	return (NULL);
}

/* Free a tracked bufferevent (NULL: all of them). */
static void
wl_free(struct wl *w, struct bufferevent *bev)
{
	size_t	 i;

	for (i = 0; i < sizeof(w->w_bevs) / sizeof(w->w_bevs[0]); i++)
		if (w->w_bevs[i] != NULL &&
		    (bev == NULL || w->w_bevs[i] == bev)) {
			bufferevent_free(w->w_bevs[i]);
			w->w_bevs[i] = NULL;
		}
}

/* A job finished (ok or not); leave the loop when it was the last. */
static void
job_done(struct wl *w, int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "%s: %s: %s: failed\n", progname,
		    sandbox_profile_name(w->w_profile), what);
		w->w_failed++;
	}
	if (--w->w_pending <= 0 || !ok)
		event_base_loopbreak(w->w_base);
}

/* --- TLS material, made with OpenSSL before the sandbox ---------------- */

/* Self-signed P-256 certificate for CN=localhost; server and client ctx. */
static int
tls_setup(struct wl *w)
{
	EVP_PKEY	*pkey = NULL;
	X509		*x = NULL;
	X509_NAME	*name;
	int		 rc = -1;

	if ((pkey = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL)
		goto fail;
	if (!X509_set_version(x, 2) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(x), 1) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -60) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 3600) == NULL ||
	    !X509_set_pubkey(x, pkey))
		goto fail;
	name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0) ||
	    !X509_set_issuer_name(x, name) || !X509_sign(x, pkey, EVP_sha256()))
		goto fail;
	if ((w->w_sctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    (w->w_cctx = SSL_CTX_new(TLS_client_method())) == NULL)
		goto fail;
	if (!SSL_CTX_use_certificate(w->w_sctx, x) ||
	    !SSL_CTX_use_PrivateKey(w->w_sctx, pkey) ||
	    !X509_STORE_add_cert(SSL_CTX_get_cert_store(w->w_cctx), x))
		goto fail;
	SSL_CTX_set_verify(w->w_cctx, SSL_VERIFY_PEER, NULL);
	rc = 0;
 fail:
	if (rc == -1)
		ERR_print_errors_fp(stderr);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return (rc);
}

/* A client SSL that checks the peer is "localhost". */
static SSL *
tls_client(struct wl *w)
{
	SSL	*ssl;

	if ((ssl = SSL_new(w->w_cctx)) == NULL)
		return (NULL);
	if (!SSL_set1_host(ssl, "localhost") ||
	    !SSL_set_tlsext_host_name(ssl, "localhost")) {
		SSL_free(ssl);
		return (NULL);
	}
	return (ssl);
}

/* --- common jobs --------------------------------------------------------- */

/* Echo side of any stream: send back what arrives. */
static void
echo_read(struct bufferevent *bev, void *arg)
{
	(void)arg;
	(void)bufferevent_write_buffer(bev, bufferevent_get_input(bev));
}

/* Echo side: the peer closed or failed; we are done with it. */
static void
echo_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		wl_free(arg, bev);
}

/* Route sender: every echoed line must parse back to what we sent. */
static void
route_read(struct bufferevent *bev, void *arg)
{
	struct wl		*w = arg;
	struct json_object	*o, *v;
	char			*line;
	size_t			 n;

	while ((line = evbuffer_readln(bufferevent_get_input(bev), &n,
	    EVBUFFER_EOL_LF)) != NULL) {
		o = json_tokener_parse(line);
		free(line);
		if (o == NULL || !json_object_object_get_ex(o, "seq", &v) ||
		    json_object_get_int(v) != (int)w->w_got ||
		    !json_object_object_get_ex(o, "x", &v) ||
		    json_object_get_double(v) != (double)w->w_got + 0.25) {
			json_object_put(o);
			job_done(w, 0, "route line");
			return;
		}
		json_object_put(o);
		if (++w->w_got == NLINES) {
			wl_free(w, bev);
			job_done(w, 1, "route");
			return;
		}
	}
}

/* JSON lines to an echoing peer over a socketpair, both ends here. */
static int
job_route(struct wl *w)
{
	struct bufferevent	*a, *b;
	struct json_object	*o;
	int			 i;

	a = wl_track(w, bufferevent_socket_new(w->w_base, w->w_route[0],
	    BEV_OPT_CLOSE_ON_FREE));
	b = wl_track(w, bufferevent_socket_new(w->w_base, w->w_route[1],
	    BEV_OPT_CLOSE_ON_FREE));
	if (a == NULL || b == NULL)
		return (-1);
	bufferevent_setcb(a, route_read, NULL, NULL, w);
	bufferevent_setcb(b, echo_read, NULL, echo_event, w);
	bufferevent_setwatermark(b, EV_READ, 0, 4096);
	if (bufferevent_enable(a, EV_READ | EV_WRITE) == -1 ||
	    bufferevent_enable(b, EV_READ | EV_WRITE) == -1)
		return (-1);
	for (i = 0; i < NLINES; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "seq", json_object_new_int(i));
		json_object_object_add(o, "text",
		    json_object_new_string("snot badger \u00e9\u2603"));
		json_object_object_add(o, "x", json_object_new_double(i + 0.25));
		(void)bufferevent_write(a, json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN), strlen(json_object_to_json_string_ext(
		    o, JSON_C_TO_STRING_PLAIN)));
		(void)bufferevent_write(a, "\n", 1);
		json_object_put(o);
	}
	w->w_pending++;
	return (0);
}

/* Pass a fresh pipe's write end over a socketpair and use it. */
static int
job_fdpass(struct wl *w)
{
	struct msghdr	 msg;
	struct cmsghdr	*cm;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	char		 c = 'p';
	int		 p[2], fd;

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1)
		return (-1);
	memset(&msg, 0, sizeof(msg));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = &c;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p[1], sizeof(int));
	if (sendmsg(w->w_pass[0], &msg, 0) != 1)
		return (-1);
	close(p[1]);
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	msg.msg_controllen = sizeof(cmsgbuf.buf);
	c = 0;
	if (recvmsg(w->w_pass[1], &msg, MSG_CMSG_CLOEXEC) != 1 || c != 'p' ||
	    (cm = CMSG_FIRSTHDR(&msg)) == NULL || cm->cmsg_type != SCM_RIGHTS)
		return (-1);
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	if (write(fd, "z", 1) != 1 || read(p[0], &c, 1) != 1 || c != 'z')
		return (-1);
	close(fd);
	close(p[0]);
	return (0);
}

/* TLS client on the socketpair: count the echo of what it sent. */
static void
tlspair_read(struct bufferevent *bev, void *arg)
{
	struct wl	*w = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);

	w->w_tlsgot += evbuffer_get_length(in);
	(void)evbuffer_drain(in, evbuffer_get_length(in));
	if (w->w_tlsgot == TLSBYTES) {
		wl_free(w, bev);
		job_done(w, 1, "tls socketpair");
	}
}

/* Any TLS/network stream that fails before it is done fails its job. */
static void
stream_event(struct bufferevent *bev, short what, void *arg)
{
	struct wl	*w = arg;
	unsigned long	 e;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		while ((e = bufferevent_get_openssl_error(bev)) != 0)
			fprintf(stderr, "%s: tls: %s\n", progname,
			    ERR_error_string(e, NULL));
		wl_free(w, bev);
		job_done(w, 0, "stream closed early");
	}
}

/* ws_server connection: done when the peer hangs up after its echo. */
static void
server_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		wl_free(arg, bev);
		job_done(arg, 1, "ws_server connection");
	}
}

/* Make a server-side TLS echo on fd (handshake as server); a job of its
 * own when isjob. */
static int
tls_echo(struct wl *w, int fd, int isjob)
{
	struct bufferevent	*bev;
	SSL			*ssl;

	if ((ssl = SSL_new(w->w_sctx)) == NULL)
		return (-1);
	bev = wl_track(w, bufferevent_openssl_socket_new(w->w_base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE));
	if (bev == NULL)
		return (-1);
	bufferevent_setcb(bev, echo_read, NULL,
	    isjob ? server_event : echo_event, w);
	if (isjob)
		w->w_pending++;
	return (bufferevent_enable(bev, EV_READ | EV_WRITE));
}

/* A TLS handshake and 64 KiB echo over a socketpair. */
static int
job_tlspair(struct wl *w)
{
	struct bufferevent	*c;
	SSL			*ssl;
	char			 chunk[4096];
	int			 i;

	if (tls_echo(w, w->w_tls[1], 0) == -1 || (ssl = tls_client(w)) == NULL)
		return (-1);
	c = wl_track(w, bufferevent_openssl_socket_new(w->w_base, w->w_tls[0],
	    ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE));
	if (c == NULL)
		return (-1);
	bufferevent_setcb(c, tlspair_read, NULL, stream_event, w);
	if (bufferevent_enable(c, EV_READ | EV_WRITE) == -1)
		return (-1);
	memset(chunk, 'w', sizeof(chunk));
	for (i = 0; i < TLSBYTES / (int)sizeof(chunk); i++)
		(void)bufferevent_write(c, chunk, sizeof(chunk));
	w->w_pending++;
	return (0);
}

/* Timer job. */
static void
timer_fire(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	job_done(arg, 1, "timer");
}

/* Signal event (SIGUSR1 raised by ourselves): libevent signal handling. */
static void
signal_fire(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	job_done(arg, sig == SIGUSR1, "signal event");
}

/* Deadline: whatever is still pending has hung. */
static void
deadline_fire(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	job_done(arg, 0, "deadline passed");
}

/* Sort comparator for json_object_array_sort: by "k". */
static int
cmp_k(const void *a, const void *b)
{
	struct json_object *const	*x = a, *const *y = b;
	struct json_object		*vx, *vy;

	json_object_object_get_ex(*x, "k", &vx);
	json_object_object_get_ex(*y, "k", &vy);
	return (json_object_get_int(vx) - json_object_get_int(vy));
}

/* The bits of libc, OpenSSL and json-c a worker touches at run time. */
static int
job_misc(struct wl *w)
{
	struct json_object	*arr, *o, *v;
	unsigned char		 rnd[64];
	struct timespec		 ts;
	struct tm		 tm;
	time_t			 now;
	char			*big;
	int			 i;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return (-1);
	arr = json_object_new_array();
	for (i = 0; i < 500; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "k",
		    json_object_new_int((int)(rnd[i % 64] * 1000 + i)));
		json_object_array_add(arr, o);
	}
	json_object_array_sort(arr, cmp_k);
	for (i = 1; i < 500; i++) {
		struct json_object *prev = json_object_array_get_idx(arr, i - 1);

		json_object_object_get_ex(prev, "k", &v);
		o = json_object_array_get_idx(arr, i);
		if (cmp_k(&prev, &o) > 0) {
			json_object_put(arr);
			return (-1);
		}
	}
	json_object_put(arr);
	if ((big = malloc(16 << 20)) == NULL)
		return (-1);
	memset(big, 1, 16 << 20);
	if ((big = realloc(big, 32 << 20)) == NULL)
		return (-1);
	free(big);
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1 ||
	    (now = time(NULL)) == (time_t)-1 || localtime_r(&now, &tm) == NULL)
		return (-1);
	log_info("misc: pid %d, %d", (int)getpid(), tm.tm_year);
	log_warnx("workload %s: a warning goes to stderr",
	    sandbox_profile_name(w->w_profile));
	errno = EAGAIN;
	log_warn("workload: a warning with errno");
	return (0);
}

/* --- profile jobs ------------------------------------------------------- */

/* ws_server: every accepted connection becomes a TLS echo. */
static void
server_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct wl		*w = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	int			 one = 1;

	(void)sa;
	(void)salen;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ==
	    -1 || getpeername(fd, (struct sockaddr *)&ss, &sl) == -1 ||
	    tls_echo(w, fd, 1) == -1) {
		close(fd);
		job_done(w, 0, "accept");
		return;
	}
	evconnlistener_free(l);
	job_done(w, 1, "accept");
}

/* ws_client: count the echo of what we sent over TLS + TCP. */
static void
client_read(struct bufferevent *bev, void *arg)
{
	struct wl	*w = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);

	w->w_netgot += evbuffer_get_length(in);
	(void)evbuffer_drain(in, evbuffer_get_length(in));
	if (w->w_netgot == TLSBYTES) {
		wl_free(w, bev);
		job_done(w, 1, "ws_client echo");
	}
}

/* ws_client: connect (socket + nonblocking connect) to the peer. */
static int
job_client(struct wl *w)
{
	struct bufferevent	*bev;
	SSL			*ssl;
	char			 chunk[4096];
	int			 i;

	if ((ssl = tls_client(w)) == NULL)
		return (-1);
	bev = wl_track(w, bufferevent_openssl_socket_new(w->w_base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE));
	if (bev == NULL)
		return (-1);
	bufferevent_setcb(bev, client_read, NULL, stream_event, w);
	if (bufferevent_socket_connect(bev, (struct sockaddr *)&w->w_peer,
	    sizeof(w->w_peer)) == -1)
		return (-1);
	memset(chunk, 'c', sizeof(chunk));
	for (i = 0; i < TLSBYTES / (int)sizeof(chunk); i++)
		(void)bufferevent_write(bev, chunk, sizeof(chunk));
	w->w_pending++;
	return (bufferevent_enable(bev, EV_READ | EV_WRITE));
}

/* control: answer one command with the peer's uid. */
static void
control_read(struct bufferevent *bev, void *arg)
{
	struct wl	*w = arg;
	struct ucred	 cred;
	socklen_t	 cl = sizeof(cred);
	char		*line;

	if ((line = evbuffer_readln(bufferevent_get_input(bev), NULL,
	    EVBUFFER_EOL_LF)) == NULL)
		return;
	if (getsockopt(bufferevent_getfd(bev), SOL_SOCKET, SO_PEERCRED, &cred,
	    &cl) == -1 || strcmp(line, "status") != 0) {
		free(line);
		job_done(w, 0, "control command");
		return;
	}
	free(line);
	(void)evbuffer_add_printf(bufferevent_get_output(bev), "ok uid %u\n",
	    (unsigned)cred.uid);
	bufferevent_setcb(bev, NULL, NULL, echo_event, w);
	job_done(w, 1, "control");
}

/* control: accept a wsflowctl connection. */
static void
control_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct wl		*w = arg;
	struct bufferevent	*bev;

	(void)sa;
	(void)salen;
	evconnlistener_free(l);
	if ((bev = wl_track(w, bufferevent_socket_new(w->w_base, fd,
	    BEV_OPT_CLOSE_ON_FREE))) == NULL) {
		close(fd);
		job_done(w, 0, "control accept");
		return;
	}
	bufferevent_setcb(bev, control_read, NULL, echo_event, w);
	(void)bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/* file_write: JSON lines through an evbuffer, fsync, truncate, reread. */
static int
job_file_write(struct wl *w)
{
	struct evbuffer	*b;
	struct stat	 st;
	char		 head[16];
	int		 i;

	if ((b = evbuffer_new()) == NULL)
		return (-1);
	for (i = 0; i < NLINES; i++)
		(void)evbuffer_add_printf(b, "{\"seq\":%d}\n", i);
	while (evbuffer_get_length(b) > 0)
		if (evbuffer_write(b, w->w_file) <= 0) {
			evbuffer_free(b);
			return (-1);
		}
	evbuffer_free(b);
	if (fsync(w->w_file) == -1 || fdatasync(w->w_file) == -1 ||
	    fstat(w->w_file, &st) == -1 ||
	    ftruncate(w->w_file, st.st_size) == -1 ||
	    lseek(w->w_file, 0, SEEK_SET) != 0 ||
	    read(w->w_file, head, 10) != 10 ||
	    memcmp(head, "{\"seq\":0}\n", 10) != 0 ||
	    lseek(w->w_file, 0, SEEK_END) == -1)
		return (-1);
	return (0);
}

/* file_read: every line of the file is valid JSON, in order. */
static int
job_file_read(struct wl *w)
{
	struct evbuffer		*b;
	struct json_object	*o;
	struct stat		 st;
	char			*line;
	int			 n, seq = 0, rc = -1;

	if (fstat(w->w_file, &st) == -1 ||
	    posix_fadvise(w->w_file, 0, 0, POSIX_FADV_SEQUENTIAL) != 0 ||
	    (b = evbuffer_new()) == NULL)
		return (-1);
	while ((n = evbuffer_read(b, w->w_file, 4096)) > 0)
		while ((line = evbuffer_readln(b, NULL, EVBUFFER_EOL_LF)) !=
		    NULL) {
			o = json_tokener_parse(line);
			free(line);
			if (o == NULL)
				goto fail;
			json_object_put(o);
			seq++;
		}
	if (n == 0 && seq == NLINES)
		rc = 0;
 fail:
	evbuffer_free(b);
	return (rc);
}

/* console: echo stdin lines to stdout until EOF. */
static void
console_read(struct bufferevent *bev, void *arg)
{
	struct wl	*w = arg;
	char		*line;

	while ((line = evbuffer_readln(bufferevent_get_input(bev), NULL,
	    EVBUFFER_EOL_LF)) != NULL) {
		if (dprintf(STDOUT_FILENO, "console: %s\n", line) < 0)
			job_done(w, 0, "console write");
		free(line);
		w->w_congot++;
	}
}

/* console: stdin closed; done when every line came through. */
static void
console_event(struct bufferevent *bev, short what, void *arg)
{
	struct wl	*w = arg;

	(void)what;
	wl_free(w, bev);
	job_done(w, w->w_congot == NLINES, "console");
}

/* Run everything for w's profile inside the sandbox; 0 when all passed. */
static int
workload(struct wl *w, int sandbox, const char *user, const char *dir)
{
	struct event	*t, *deadline, *sig;
	struct timeval	 tv = { 0, 10000 }, dl = { TIMEOUT_SEC, 0 };
	struct evconnlistener *l;
	char		 report[256];
	const char	*name = sandbox_profile_name(w->w_profile);

	if (sandbox) {
		if (sandbox_enter(w->w_profile, user, dir, report,
		    sizeof(report)) == -1) {
			fprintf(stderr, "%s: %s\n", progname, report);
			return (-1);
		}
		fprintf(stderr, "%s: %s\n", name, report);
	}
	if ((w->w_base = event_base_new()) == NULL)
		return (-1);
	if (strcmp(event_base_get_method(w->w_base), "epoll") != 0)
		fprintf(stderr, "%s: backend %s, not epoll\n", progname,
		    event_base_get_method(w->w_base));
	/* Descriptors we were handed are ours to make nonblocking. */
	if (evutil_make_socket_nonblocking(w->w_route[0]) == -1 ||
	    evutil_make_socket_nonblocking(w->w_route[1]) == -1 ||
	    evutil_make_socket_nonblocking(w->w_tls[0]) == -1 ||
	    evutil_make_socket_nonblocking(w->w_tls[1]) == -1 ||
	    (w->w_listen != -1 &&
	    evutil_make_socket_nonblocking(w->w_listen) == -1) ||
	    (w->w_profile == SANDBOX_CONSOLE &&
	    evutil_make_socket_nonblocking(STDIN_FILENO) == -1))
		return (-1);
	w->w_pending = 1;	/* released after setup below */
	if (job_route(w) == -1 || job_fdpass(w) == -1 ||
	    job_tlspair(w) == -1 || job_misc(w) == -1) {
		fprintf(stderr, "%s: %s: common job setup failed\n", progname,
		    name);
		return (-1);
	}
	t = evtimer_new(w->w_base, timer_fire, w);
	deadline = evtimer_new(w->w_base, deadline_fire, w);
	sig = evsignal_new(w->w_base, SIGUSR1, signal_fire, w);
	if (t == NULL || deadline == NULL || sig == NULL ||
	    evtimer_add(t, &tv) == -1 || evsignal_add(sig, NULL) == -1 ||
	    raise(SIGUSR1) != 0)
		return (-1);
	w->w_pending += 2;
	switch (w->w_profile) {
	case SANDBOX_WS_SERVER:
		l = evconnlistener_new(w->w_base, server_accept, w,
		    LEV_OPT_CLOSE_ON_FREE, -1, w->w_listen);
		if (l == NULL)
			return (-1);
		w->w_pending++;
		break;
	case SANDBOX_CONTROL:
		l = evconnlistener_new(w->w_base, control_accept, w,
		    LEV_OPT_CLOSE_ON_FREE, -1, w->w_listen);
		if (l == NULL)
			return (-1);
		w->w_pending++;
		break;
	case SANDBOX_WS_CLIENT:
		if (job_client(w) == -1)
			return (-1);
		break;
	case SANDBOX_FILE_WRITE:
		if (job_file_write(w) == -1)
			return (-1);
		break;
	case SANDBOX_FILE_READ:
		if (job_file_read(w) == -1)
			return (-1);
		break;
	case SANDBOX_CONSOLE: {
		struct bufferevent *bev;

		(void)isatty(STDIN_FILENO);
		bev = wl_track(w, bufferevent_socket_new(w->w_base,
		    STDIN_FILENO, 0));
		if (bev == NULL)
			return (-1);
		bufferevent_setcb(bev, console_read, NULL, console_event, w);
		(void)bufferevent_enable(bev, EV_READ);
		w->w_pending++;
		break;
	}
	case SANDBOX_KEYHOLDER:	/* signs on socketpairs: the common jobs */
		break;
	case SANDBOX_PROFILE_MAX:
		return (-1);
	}
	w->w_pending--;
	if (evtimer_add(deadline, &dl) == -1)
		return (-1);
	if (event_base_dispatch(w->w_base) == -1)
		return (-1);
	if (w->w_pending != 0 || w->w_failed != 0) {
		fprintf(stderr, "%s: %s: %d jobs unfinished, %d failed\n",
		    progname, name, w->w_pending, w->w_failed);
		return (-1);
	}
	wl_free(w, NULL);
	event_free(t);
	event_free(deadline);
	event_free(sig);
	event_base_free(w->w_base);
	SSL_CTX_free(w->w_sctx);
	SSL_CTX_free(w->w_cctx);
	return (0);
}

/* --- the plain peer in the parent ------------------------------------- */

/* Blocking TLS on fd as server (accepting) or client; echo or send. */
static int
peer_tls(struct wl *w, int fd, int server)
{
	SSL	*ssl;
	char	 buf[4096];
	size_t	 total = 0;
	int	 n, rc = -1;

	ssl = server ? SSL_new(w->w_sctx) : tls_client(w);
	if (ssl == NULL || !SSL_set_fd(ssl, fd))
		goto fail;
	if ((server ? SSL_accept(ssl) : SSL_connect(ssl)) != 1)
		goto fail;
	if (server) {
		/* Echo until the sandboxed client hangs up. */
		while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0)
			if (SSL_write(ssl, buf, n) != n)
				goto fail;
		rc = total == 0 ? 0 : -1;
	} else {
		memset(buf, 's', sizeof(buf));
		while (total < TLSBYTES) {
			if (SSL_write(ssl, buf, sizeof(buf)) != sizeof(buf))
				goto fail;
			if ((n = SSL_read(ssl, buf, sizeof(buf))) <= 0)
				goto fail;
			total += (size_t)n;
		}
		rc = 0;
	}
 fail:
	if (rc == -1)
		ERR_print_errors_fp(stderr);
	SSL_free(ssl);
	return (rc);
}

/* A TCP listener on 127.0.0.1, port chosen by the kernel. */
static int
tcp_listener(struct sockaddr_in *sin)
{
	socklen_t	 sl = sizeof(*sin);
	int		 fd, one = 1;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ==
	    -1 || bind(fd, (struct sockaddr *)sin, sizeof(*sin)) == -1 ||
	    listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)sin, &sl) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Connect a blocking TCP socket with a receive timeout. */
static int
tcp_connect(const struct sockaddr_in *sin)
{
	struct timeval	 tv = { TIMEOUT_SEC, 0 };
	int		 fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(fd, (const struct sockaddr *)sin, sizeof(*sin)) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Run one profile: set up, fork the sandboxed child, be its peer. */
static int
run_profile(enum sandbox_profile p, int sandbox, const char *user,
    const char *dir)
{
	struct wl		 w;
	struct sockaddr_un	 sun;
	struct timeval		 tv = { TIMEOUT_SEC, 0 };
	char			 path[] = "/tmp/wsflow-wl.XXXXXX";
	char			 sockpath[64], buf[512];
	int			 in[2] = { -1, -1 }, out[2] = { -1, -1 };
	int			 fd, lfd = -1, peer_rc = 0, status, i;
	ssize_t			 n;
	size_t			 total;
	pid_t			 pid;
	FILE			*f;

	memset(&w, 0, sizeof(w));
	w.w_profile = p;
	w.w_listen = w.w_file = -1;
	sockpath[0] = '\0';
	if (tls_setup(&w) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, w.w_route) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, w.w_pass) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, w.w_tls) == -1)
		return (-1);
	switch (p) {
	case SANDBOX_WS_SERVER:
		if ((w.w_listen = tcp_listener(&w.w_peer)) == -1)
			return (-1);
		break;
	case SANDBOX_WS_CLIENT:
		if ((lfd = tcp_listener(&w.w_peer)) == -1)
			return (-1);
		break;
	case SANDBOX_CONTROL:
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		(void)snprintf(sockpath, sizeof(sockpath),
		    "/tmp/wsflow-wl-%d.sock", (int)getpid());
		(void)strlcpy(sun.sun_path, sockpath, sizeof(sun.sun_path));
		(void)unlink(sockpath);
		if ((w.w_listen = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
		    bind(w.w_listen, (struct sockaddr *)&sun, sizeof(sun)) ==
		    -1 || listen(w.w_listen, 4) == -1)
			return (-1);
		break;
	case SANDBOX_FILE_WRITE:
	case SANDBOX_FILE_READ:
		if ((w.w_file = mkstemp(path)) == -1)
			return (-1);
		(void)unlink(path);
		if (p == SANDBOX_FILE_READ) {
			for (i = 0; i < NLINES; i++)
				dprintf(w.w_file, "{\"seq\":%d,\"pad\":\"%0*d\"}\n",
				    i, i % 97, 0);
			if (lseek(w.w_file, 0, SEEK_SET) != 0)
				return (-1);
		}
		break;
	case SANDBOX_CONSOLE:
		if (pipe(in) == -1 || pipe(out) == -1)
			return (-1);
		break;
	case SANDBOX_KEYHOLDER:
		break;
	case SANDBOX_PROFILE_MAX:
		return (-1);
	}
	tzset();
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1)
		return (-1);
	if (pid == 0) {
		if (lfd != -1)
			close(lfd);
		if (p == SANDBOX_CONSOLE) {
			if (dup2(in[0], STDIN_FILENO) == -1 ||
			    dup2(out[1], STDOUT_FILENO) == -1)
				_exit(1);
			close(in[0]);
			close(in[1]);
			close(out[0]);
			close(out[1]);
		}
		_exit(workload(&w, sandbox, user, dir) == 0 ? 0 : 1);
	}

	/* Parent: the plain peer of the profile's job. */
	switch (p) {
	case SANDBOX_WS_SERVER:
		if ((fd = tcp_connect(&w.w_peer)) == -1)
			peer_rc = -1;
		else {
			peer_rc = peer_tls(&w, fd, 0);
			close(fd);
		}
		break;
	case SANDBOX_WS_CLIENT:
		(void)setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			peer_rc = -1;
		else {
			(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
			    sizeof(tv));
			peer_rc = peer_tls(&w, fd, 1);
			close(fd);
		}
		close(lfd);
		break;
	case SANDBOX_CONTROL:
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
		    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ==
		    -1 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) ==
		    -1 || write(fd, "status\n", 7) != 7) {
			peer_rc = -1;
			break;
		}
		memset(buf, 0, sizeof(buf));
		n = read(fd, buf, sizeof(buf) - 1);
		if (n <= 0 || strncmp(buf, "ok uid ", 7) != 0)
			peer_rc = -1;
		close(fd);
		break;
	case SANDBOX_CONSOLE:
		close(in[0]);
		close(out[1]);
		for (i = 0; i < NLINES; i++)
			dprintf(in[1], "line %d\n", i);
		close(in[1]);
		total = 0;
		if ((f = fdopen(out[0], "r")) == NULL) {
			peer_rc = -1;
			break;
		}
		while (fgets(buf, sizeof(buf), f) != NULL)
			if (strncmp(buf, "console: line ", 14) == 0)
				total++;
		fclose(f);
		if (total != NLINES)
			peer_rc = -1;
		break;
	default:
		break;
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return (-1);
	if (sockpath[0] != '\0')
		(void)unlink(sockpath);
	if (p == SANDBOX_FILE_WRITE && peer_rc == 0) {
		/* What the sandboxed writer left must be all there. */
		total = 0;
		if (lseek(w.w_file, 0, SEEK_SET) != 0 ||
		    (f = fdopen(dup(w.w_file), "r")) == NULL)
			peer_rc = -1;
		else {
			while (fgets(buf, sizeof(buf), f) != NULL)
				total++;
			fclose(f);
			if (total != NLINES)
				peer_rc = -1;
		}
	}
	if (WIFSIGNALED(status))
		fprintf(stderr, "%s: %s: killed by signal %d%s\n", progname,
		    sandbox_profile_name(p), WTERMSIG(status),
		    WTERMSIG(status) == SIGSYS ? " (seccomp: run under "
		    "strace -f or build with --enable-sandbox-debug)" : "");
	SSL_CTX_free(w.w_sctx);
	SSL_CTX_free(w.w_cctx);
	for (i = 0; i < 2; i++) {
		close(w.w_route[i]);
		close(w.w_pass[i]);
		close(w.w_tls[i]);
	}
	if (w.w_listen != -1)
		close(w.w_listen);
	if (w.w_file != -1)
		close(w.w_file);
	if (peer_rc != 0)
		fprintf(stderr, "%s: %s: peer side failed\n", progname,
		    sandbox_profile_name(p));
	return (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    peer_rc == 0 ? 0 : -1);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: %s [-n] [-c chrootdir] [-u user] "
	    "[profile ...]\n", progname);
	exit(2);
}

int
main(int argc, char *argv[])
{
	enum sandbox_profile	 p;
	struct passwd		 pw;
	const char		*user = WSFLOW_USER, *dir = NULL;
	char			 tmpdir[] = "/tmp/wsflow-wl-root.XXXXXX";
	int			 ch, sandbox = 1, pass = 0, fail = 0, i;

	while ((ch = getopt(argc, argv, "c:nu:")) != -1) {
		switch (ch) {
		case 'c':
			dir = optarg;
			break;
		case 'n':
			sandbox = 0;
			break;
		case 'u':
			user = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	log_init("sandbox-workload", 1);
	if (OPENSSL_init_ssl(0, NULL) != 1)
		return (1);
	if (geteuid() == 0 && testuser_ensure(user, &pw) == -1) {
		fprintf(stderr, "%s: no user %s\n", progname, user);
		return (1);
	}
	if (dir == NULL && geteuid() == 0) {
		/* An empty root-owned directory of our own. */
		if (mkdtemp(tmpdir) == NULL || chmod(tmpdir, 0755) == -1) {
			perror("mkdtemp");
			return (1);
		}
		dir = tmpdir;
	}
	if (dir == NULL)
		dir = WSFLOW_CHROOT;
	for (i = 0; i < (argc > 0 ? argc : SANDBOX_PROFILE_MAX); i++) {
		if (argc > 0) {
			if (sandbox_profile_from_name(argv[i], &p) == -1)
				usage();
		} else
			p = (enum sandbox_profile)i;
		if (run_profile(p, sandbox, user, dir) == 0) {
			printf("workload %s: ok\n", sandbox_profile_name(p));
			pass++;
		} else {
			printf("workload %s: FAILED\n", sandbox_profile_name(p));
			fail++;
		}
	}
	if (dir == tmpdir)
		(void)rmdir(tmpdir);
	printf("%d passed, %d failed\n", pass, fail);
	return (fail == 0 ? 0 : 1);
}
