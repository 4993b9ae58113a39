/* SPDX-License-Identifier: ISC */
/*
 * The control plane on the worker side.  Every worker answers the
 * supervisor's MSG_STATS_REQ with its counters; and the connector type
 * "control" is the control worker: it accepts wsflowctl clients on the
 * socket the supervisor bound, reads one bounded request from each,
 * decides by the client's peer credentials whether it may run it, and
 * forwards it to the supervisor, whose reply it writes back.  Nothing a
 * client sends can stop this worker: bad requests get an error reply.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctlproto.h"
#include "log.h"
#include "worker.h"

#define CTL_MAX_CLIENTS		32
#define CTL_REQ_TIMEOUT_S	10	/* to send a whole request */
#define CTL_RES_TIMEOUT_S	30	/* for the supervisor and the write */
#define CTL_LINGER_S		2	/* for the client's EOF after a reply */
#define CTL_LINGER_MAX		(64 * 1024)	/* input discarded at most */

enum client_state {
	CL_READING,
	CL_WAITING,		/* request sent to the supervisor */
	CL_WRITING,
	CL_LINGER,		/* reply sent: discard input until EOF */
};

struct ctl_client {
	uint32_t		 cl_id;
	int			 cl_fd;
	enum client_state	 cl_state;
	uid_t			 cl_uid;
	pid_t			 cl_pid;
	struct event		*cl_ev;
	char			 cl_in[CTL_REQ_MAX + 1];
	size_t			 cl_inlen;
	size_t			 cl_discarded;
	char			*cl_out;
	size_t			 cl_outlen;
	size_t			 cl_outoff;
};

static struct {
	struct worker		*c_w;
	struct event		*c_listen;
	struct ctl_client	*c_clients[CTL_MAX_CLIENTS];
	uint32_t		 c_next_id;
	uid_t			 c_daemon_uid;
} ctl;

static void	ctl_client_io(evutil_socket_t, short, void *);

/* One route end's counters. */
static void
ctl_route_stats(const struct wk_route *r, struct msg_stats_route *sr)
{
	memset(sr, 0, sizeof(*sr));
	sr->sr_id = r->wr_id;
	sr->sr_end = r->wr_end;
	sr->sr_peer = r->wr_peer;
	sr->sr_generation = r->wr_gen;
	sr->sr_up = r->wr_proc != NULL;
	sr->sr_paused = r->wr_paused != 0;
	sr->sr_events = r->wr_events;
	sr->sr_dropped = r->wr_dropped;
	sr->sr_bytes = r->wr_bytes;
	sr->sr_queued = r->wr_proc != NULL ? proc_pending(r->wr_proc) : 0;
}

/*
 * The memory budget among a connector's counters: "buffered" {"used",
 * "limit", "peak", "refused"} (bytes; refused: charges refused).
 */
void
ctl_budget_json(const struct budget *b, struct json_object *o)
{
	struct json_object	*v = json_object_new_object();

	json_object_object_add(v, "used", json_object_new_uint64(b->bg_used));
	json_object_object_add(v, "limit",
	    json_object_new_uint64(b->bg_limit));
	json_object_object_add(v, "peak", json_object_new_uint64(b->bg_peak));
	json_object_object_add(v, "refused",
	    json_object_new_uint64(b->bg_refused));
	json_object_object_add(o, "buffered", v);
}

/* Answer MSG_STATS_REQ: the counters of this worker (proto.h). */
void
ctl_stats_answer(struct worker *w, const struct proc_msg *m)
{
	static struct msg_stats_route routes[PROTO_STATS_ROUTES];
	struct msg_stats_req	 sq;
	struct msg_stats	 st;
	struct json_object	*extra = NULL;
	struct iovec		 iov[3];
	const char		*s = "";
	size_t			 len = 0;
	int			 i;

	if (proc_get(m, &sq, sizeof(sq)) == -1)
		fatalx("bad stats request");
	memset(&st, 0, sizeof(st));
	st.st_seq = sq.sq_seq;
	st.st_events_in = w->w_cnt.cn_events_in;
	st.st_events_out = w->w_cnt.cn_events_out;
	st.st_errors = w->w_cnt.cn_errors;
	st.st_dropped = w->w_cnt.cn_dropped;
	st.st_bytes_in = w->w_cnt.cn_bytes_in;
	st.st_bytes_out = w->w_cnt.cn_bytes_out;
	st.st_pulls = w->w_cnt.cn_pulls;
	for (i = 0; i < w->w_nroutes && i < PROTO_STATS_ROUTES; i++)
		ctl_route_stats(&w->w_routes[i], &routes[i]);
	st.st_nroutes = i;
	if (w->w_ops != NULL && w->w_ops->co_stats != NULL) {
		extra = json_object_new_object();
		w->w_ops->co_stats(w, extra);
		ctl_budget_json(&w->w_budget, extra);
		s = json_object_to_json_string_length(extra,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		    &len);
		if (len > PROTO_STATS_CONN_MAX) {
			/* Never expected; the supervisor still gets an
			 * answer. */
			s = "{\"error\":\"counters too large\"}";
			len = strlen(s);
		}
	}
	iov[0].iov_base = &st;
	iov[0].iov_len = sizeof(st);
	iov[1].iov_base = routes;
	iov[1].iov_len = st.st_nroutes * sizeof(routes[0]);
	iov[2].iov_base = (void *)s;
	iov[2].iov_len = len;
	if (proc_sendv(w->w_ctl, MSG_STATS, -1, iov, 3) == -1)
		log_warn("%s: send", __func__);
	json_object_put(extra);
}

/* Forget a client. */
static void
ctl_client_free(struct ctl_client *cl)
{
	int	 i;

	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		if (ctl.c_clients[i] == cl)
			ctl.c_clients[i] = NULL;
	if (cl->cl_ev != NULL)
		event_free(cl->cl_ev);
	close(cl->cl_fd);
	free(cl->cl_out);
	free(cl);
}

/* Queue a whole reply line (copied) and start writing it. */
static void
ctl_client_send(struct ctl_client *cl, const char *line, size_t len)
{
	struct timeval	 tv = { CTL_RES_TIMEOUT_S, 0 };

	free(cl->cl_out);
	if ((cl->cl_out = malloc(len)) == NULL) {
		log_warn("%s", __func__);
		ctl_client_free(cl);
		return;
	}
	memcpy(cl->cl_out, line, len);
	cl->cl_outlen = len;
	cl->cl_outoff = 0;
	cl->cl_state = CL_WRITING;
	if (cl->cl_ev != NULL)
		event_free(cl->cl_ev);
	cl->cl_ev = event_new(ctl.c_w->w_base, cl->cl_fd, EV_WRITE |
	    EV_PERSIST, ctl_client_io, cl);
	if (cl->cl_ev == NULL || event_add(cl->cl_ev, &tv) == -1) {
		log_warnx("%s: event", __func__);
		ctl_client_free(cl);
	}
}

/* Answer a client with an error (and close after writing it). */
static void
ctl_client_error(struct ctl_client *cl, const char *msg)
{
	char	 line[512];

	log_debug("control: client %u (uid %ld, pid %ld): %s", cl->cl_id,
	    (long)cl->cl_uid, (long)cl->cl_pid, msg);
	if (ctlproto_error(msg, line, sizeof(line)) == -1) {
		ctl_client_free(cl);
		return;
	}
	ctl_client_send(cl, line, strlen(line));
}

/* A whole request arrived: check it and pass it on to the supervisor. */
static void
ctl_client_request(struct ctl_client *cl, size_t len)
{
	struct msg_ctl_req	 cq;
	struct timeval		 tv = { CTL_RES_TIMEOUT_S, 0 };
	enum ctl_cmd		 cmd;
	char			 err[256];

	if (ctlproto_req_parse(cl->cl_in, len, &cmd, err, sizeof(err)) == -1) {
		ctl_client_error(cl, err);
		return;
	}
	if (ctlproto_mutating(cmd) && cl->cl_uid != 0 &&
	    cl->cl_uid != ctl.c_daemon_uid) {
		snprintf(err, sizeof(err), "permission denied: %s needs root "
		    "or the daemon's user (uid %ld)", ctlproto_name(cmd),
		    (long)ctl.c_daemon_uid);
		ctl_client_error(cl, err);
		return;
	}
	memset(&cq, 0, sizeof(cq));
	cq.cq_id = cl->cl_id;
	cq.cq_cmd = cmd;
	cq.cq_uid = cl->cl_uid;
	cq.cq_pid = cl->cl_pid;
	if (proc_send(ctl.c_w->w_ctl, MSG_CTL_REQ, -1, &cq, sizeof(cq)) == -1) {
		ctl_client_error(cl, "the supervisor is not answering");
		return;
	}
	/* No more reading; only the timeout stays armed. */
	cl->cl_state = CL_WAITING;
	event_free(cl->cl_ev);
	cl->cl_ev = evtimer_new(ctl.c_w->w_base, ctl_client_io, cl);
	if (cl->cl_ev == NULL || evtimer_add(cl->cl_ev, &tv) == -1) {
		log_warnx("%s: event", __func__);
		ctl_client_free(cl);
	}
}

/* Read more of a request. */
static void
ctl_client_read(struct ctl_client *cl)
{
	ssize_t	 n;
	char	*nl;

	n = read(cl->cl_fd, cl->cl_in + cl->cl_inlen,
	    sizeof(cl->cl_in) - cl->cl_inlen);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		ctl_client_free(cl);
		return;
	}
	if (n == 0) {
		/* EOF: what came without a newline is the request. */
		if (cl->cl_inlen == 0)
			ctl_client_free(cl);
		else
			ctl_client_request(cl, cl->cl_inlen);
		return;
	}
	cl->cl_inlen += n;
	if ((nl = memchr(cl->cl_in, '\n', cl->cl_inlen)) != NULL)
		ctl_client_request(cl, nl - cl->cl_in + 1);
	else if (cl->cl_inlen > CTL_REQ_MAX)
		ctl_client_request(cl, cl->cl_inlen);	/* says too long */
}

/*
 * Write more of a reply.  When it is out, say EOF and read what the
 * client may still send (a too long request) until its EOF: closing with
 * unread input would reset the connection and lose the reply.
 */
static void
ctl_client_write(struct ctl_client *cl)
{
	struct timeval	 tv = { CTL_LINGER_S, 0 };
	ssize_t		 n;

	n = write(cl->cl_fd, cl->cl_out + cl->cl_outoff,
	    cl->cl_outlen - cl->cl_outoff);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		ctl_client_free(cl);
		return;
	}
	cl->cl_outoff += n;
	if (cl->cl_outoff < cl->cl_outlen)
		return;
	cl->cl_state = CL_LINGER;
	(void)shutdown(cl->cl_fd, SHUT_WR);
	event_free(cl->cl_ev);
	cl->cl_ev = event_new(ctl.c_w->w_base, cl->cl_fd, EV_READ |
	    EV_PERSIST, ctl_client_io, cl);
	if (cl->cl_ev == NULL || event_add(cl->cl_ev, &tv) == -1)
		ctl_client_free(cl);
}

/* Discard input after the reply; close at EOF or the bound. */
static void
ctl_client_linger(struct ctl_client *cl)
{
	char	 junk[4096];
	ssize_t	 n;

	n = read(cl->cl_fd, junk, sizeof(junk));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || (cl->cl_discarded += n) > CTL_LINGER_MAX)
		ctl_client_free(cl);
}

/* Readable, writable or timed out, by state. */
static void
ctl_client_io(evutil_socket_t fd, short ev, void *arg)
{
	struct ctl_client	*cl = arg;

	(void)fd;
	if (ev & EV_TIMEOUT) {
		if (cl->cl_state == CL_READING)
			ctl_client_error(cl, "timed out waiting for a request");
		else if (cl->cl_state == CL_WAITING)
			ctl_client_error(cl, "the supervisor did not answer");
		else
			ctl_client_free(cl);
		return;
	}
	if (cl->cl_state == CL_READING)
		ctl_client_read(cl);
	else if (cl->cl_state == CL_WRITING)
		ctl_client_write(cl);
	else if (cl->cl_state == CL_LINGER)
		ctl_client_linger(cl);
}

/* A new client: note its credentials, wait for its request. */
static void
ctl_accept(evutil_socket_t lfd, short ev, void *arg)
{
	struct ctl_client	*cl;
	struct ucred		 cred;
	struct timeval		 tv = { CTL_REQ_TIMEOUT_S, 0 };
	socklen_t		 len = sizeof(cred);
	int			 fd, i, slot = -1;
	static const char	 busy[] = "{\"ok\":false,\"error\":\"too many "
				    "clients\"}\n";

	(void)ev;
	(void)arg;
	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC))
	    == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("control: accept");
		return;
	}
	for (i = 0; i < CTL_MAX_CLIENTS && slot == -1; i++)
		if (ctl.c_clients[i] == NULL)
			slot = i;
	if (slot == -1) {
		/* best effort: the client may not read it */
		if (write(fd, busy, sizeof(busy) - 1) == -1)
			log_debug("control: busy reply: %s", strerror(errno));
		close(fd);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("control: peer credentials");
		close(fd);
		return;
	}
	if ((cl = calloc(1, sizeof(*cl))) == NULL) {
		log_warn("%s", __func__);
		close(fd);
		return;
	}
	cl->cl_id = ++ctl.c_next_id;
	cl->cl_fd = fd;
	cl->cl_uid = cred.uid;
	cl->cl_pid = cred.pid;
	cl->cl_state = CL_READING;
	cl->cl_ev = event_new(ctl.c_w->w_base, fd, EV_READ | EV_PERSIST,
	    ctl_client_io, cl);
	if (cl->cl_ev == NULL || event_add(cl->cl_ev, &tv) == -1) {
		log_warnx("%s: event", __func__);
		cl->cl_ev = NULL;
		ctl_client_free(cl);
		return;
	}
	ctl.c_clients[slot] = cl;
}

/* MSG_CTL_RES: the supervisor's reply line for one client. */
void
ctl_reply(struct worker *w, const struct proc_msg *m)
{
	struct msg_ctl_res	 cs;
	struct ctl_client	*cl = NULL;
	const char		*line;
	size_t			 len;
	int			 i;

	if (w->w_ops != &control_ops || m->pm_len <= sizeof(cs) ||
	    m->pm_len - sizeof(cs) > CTL_RES_MAX)
		fatalx("bad control reply");
	memcpy(&cs, m->pm_data, sizeof(cs));
	line = (const char *)m->pm_data + sizeof(cs);
	len = m->pm_len - sizeof(cs);
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		if (ctl.c_clients[i] != NULL &&
		    ctl.c_clients[i]->cl_id == cs.cs_id)
			cl = ctl.c_clients[i];
	/* The client may have gone (or timed out) meanwhile. */
	if (cl == NULL || cl->cl_state != CL_WAITING)
		return;
	ctl_client_send(cl, line, len);
}

/* Before the sandbox: take the listening socket and start accepting. */
static int
control_setup(struct worker *w, char *err, size_t errlen)
{
	int64_t			 uid;

	ctl.c_w = w;
	w->w_profile = SANDBOX_CONTROL;
	if (w->w_listen_fd == -1) {
		snprintf(err, errlen, "no control socket");
		return -1;
	}
	if ((uid = jg_int(w->w_cconf, "daemon_uid", -1)) < 0) {
		snprintf(err, errlen, "no daemon_uid in the configuration");
		return -1;
	}
	ctl.c_daemon_uid = (uid_t)uid;
	if (fcntl(w->w_listen_fd, F_SETFL, O_NONBLOCK) == -1) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		return -1;
	}
	ctl.c_listen = event_new(w->w_base, w->w_listen_fd,
	    EV_READ | EV_PERSIST, ctl_accept, NULL);
	if (ctl.c_listen == NULL || event_add(ctl.c_listen, NULL) == -1) {
		snprintf(err, errlen, "control socket: no event");
		return -1;
	}
	return 0;
}

/* Draining: accept nobody new. */
static void
control_stop(struct worker *w)
{
	if (ctl.c_listen != NULL) {
		event_free(ctl.c_listen);
		ctl.c_listen = NULL;
	}
	if (w->w_listen_fd != -1) {
		close(w->w_listen_fd);
		w->w_listen_fd = -1;
	}
}

/* Last words: finish writing replies (a bounded wait each), then close. */
static void
control_finish(struct worker *w)
{
	struct ctl_client	*cl;
	struct timeval		 tv = { 1, 0 };
	ssize_t			 n;
	int			 i;

	control_stop(w);
	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		if ((cl = ctl.c_clients[i]) == NULL)
			continue;
		if (cl->cl_state == CL_WRITING &&
		    fcntl(cl->cl_fd, F_SETFL, 0) == 0 &&
		    setsockopt(cl->cl_fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
		    sizeof(tv)) == 0) {
			while (cl->cl_outoff < cl->cl_outlen) {
				n = write(cl->cl_fd, cl->cl_out +
				    cl->cl_outoff, cl->cl_outlen -
				    cl->cl_outoff);
				if (n <= 0)
					break;
				cl->cl_outoff += n;
			}
		}
		ctl_client_free(cl);
	}
}

/* The control worker's own counters (show stats). */
static void
control_stats(struct worker *w, struct json_object *o)
{
	int	 i, n = 0;

	(void)w;
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		if (ctl.c_clients[i] != NULL)
			n++;
	json_object_object_add(o, "clients", json_object_new_int(n));
	json_object_object_add(o, "requests",
	    json_object_new_int64(ctl.c_next_id));
}

const struct conn_ops control_ops = {
	.co_type = "control",
	.co_setup = control_setup,
	.co_stop = control_stop,
	.co_finish = control_finish,
	.co_stats = control_stats,
};
