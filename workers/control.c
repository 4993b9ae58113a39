/* SPDX-License-Identifier: ISC */
/*
 * The control plane on the worker side.  Every worker answers the
 * supervisor's MSG_STATS_REQ with its counters; and the connector type
 * "control" is the control worker: it serves the wsflowctl clients the
 * supervisor accepted and passes it (MSG_CTL_CLIENT, with the client's
 * credentials as the supervisor read them), reads one bounded request
 * from each, refuses what the client may not run, forwards the rest to
 * the supervisor (which decides again), writes the reply back and says
 * when it closed a client (MSG_CTL_CLOSED).  Nothing a
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
#include "sockio.h"
#include "worker.h"

#define CTL_REQ_TIMEOUT_S	10	/* to send a whole request */
#define CTL_RES_TIMEOUT_S	30	/* for the supervisor and the write */
#define CTL_LINGER_S		2	/* for the client's EOF after a reply */

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
	int			 cl_may_change;	/* root or the daemon's user */
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
	struct ctl_client	*c_clients[CTL_MAX_CLIENTS];
	uint64_t		 c_nclients;	/* served so far */
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
	sr->sr_acked = r->wr_acked;
	sr->sr_lost = r->wr_lost;
	sr->sr_duplicates = r->wr_dups;
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
	int			 i, n;

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
	st.st_lost = w->w_cnt.cn_lost;
	st.st_replayed = w->w_cnt.cn_replayed;
	st.st_duplicates = w->w_cnt.cn_duplicates;
	st.st_nports = w->w_cnt.cn_nports;
	memcpy(st.st_ports, w->w_cnt.cn_ports, sizeof(st.st_ports));
	for (i = n = 0; i < w->w_nroutes && n < PROTO_STATS_ROUTES; i++)
		if (w->w_routes[i].wr_end != 0)	/* not a dropped slot */
			ctl_route_stats(&w->w_routes[i], &routes[n++]);
	st.st_nroutes = n;
	extra = json_object_new_object();
	if (w->w_ops != NULL && w->w_ops->co_stats != NULL) {
		w->w_ops->co_stats(w, extra);
		ctl_budget_json(&w->w_budget, extra);
	}
	ev_pipe_stats(w, extra);
	if (json_object_object_length(extra) > 0) {
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

/* Forget a client and tell the supervisor its slot is free. */
static void
ctl_client_free(struct ctl_client *cl)
{
	struct msg_ctl_closed	 ce;
	int			 i;

	memset(&ce, 0, sizeof(ce));
	ce.ce_id = cl->cl_id;
	if (proc_send(ctl.c_w->w_ctl, MSG_CTL_CLOSED, -1, &ce, sizeof(ce)) ==
	    -1)
		log_warn("%s: send", __func__);
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
	if (ctlproto_mutating(cmd) && !cl->cl_may_change) {
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

/* Write more of a reply; then discard input until the client's EOF
 * (closing with unread input would reset the connection). */
static void
ctl_client_write(struct ctl_client *cl)
{
	struct timeval	 tv = { CTL_LINGER_S, 0 };

	switch (sio_write(cl->cl_fd, cl->cl_out, cl->cl_outlen,
	    &cl->cl_outoff)) {
	case SIO_AGAIN:
		return;
	case SIO_CLOSE:
		ctl_client_free(cl);
		return;
	case SIO_DONE:
		break;
	}
	cl->cl_state = CL_LINGER;
	event_free(cl->cl_ev);
	cl->cl_ev = event_new(ctl.c_w->w_base, cl->cl_fd, EV_READ |
	    EV_PERSIST, ctl_client_io, cl);
	if (cl->cl_ev == NULL || event_add(cl->cl_ev, &tv) == -1)
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
	else if (cl->cl_state == CL_LINGER &&
	    sio_discard(cl->cl_fd, &cl->cl_discarded) == SIO_CLOSE)
		ctl_client_free(cl);
}

/* MSG_CTL_CLIENT: a client the supervisor accepted (the descriptor is
 * ours); wait for its request. */
void
ctl_client_new(struct worker *w, const struct proc_msg *m)
{
	struct msg_ctl_client	 ck;
	struct msg_ctl_closed	 ce;
	struct ctl_client	*cl;
	struct timeval		 tv = { CTL_REQ_TIMEOUT_S, 0 };
	int			 i, slot = -1;

	if (w->w_ops != &control_ops || m->pm_fd == -1 ||
	    proc_get(m, &ck, sizeof(ck)) == -1)
		fatalx("bad control client");
	for (i = 0; i < CTL_MAX_CLIENTS && slot == -1; i++)
		if (ctl.c_clients[i] == NULL)
			slot = i;
	/* The supervisor keeps to CTL_MAX_CLIENTS; memory may not. */
	if (slot == -1 || fcntl(m->pm_fd, F_SETFL, O_NONBLOCK) == -1 ||
	    (cl = calloc(1, sizeof(*cl))) == NULL) {
		log_warnx("control: client %u dropped", ck.ck_id);
		close(m->pm_fd);
		memset(&ce, 0, sizeof(ce));
		ce.ce_id = ck.ck_id;
		(void)proc_send(w->w_ctl, MSG_CTL_CLOSED, -1, &ce, sizeof(ce));
		return;
	}
	ctl.c_nclients++;
	cl->cl_id = ck.ck_id;
	cl->cl_fd = m->pm_fd;
	cl->cl_uid = ck.ck_uid;
	cl->cl_pid = ck.ck_pid;
	cl->cl_may_change = ck.ck_may_change == 1;
	cl->cl_state = CL_READING;
	ctl.c_clients[slot] = cl;
	cl->cl_ev = event_new(w->w_base, cl->cl_fd, EV_READ | EV_PERSIST,
	    ctl_client_io, cl);
	if (cl->cl_ev == NULL || event_add(cl->cl_ev, &tv) == -1) {
		log_warnx("%s: event", __func__);
		ctl_client_free(cl);
	}
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

/* Before the sandbox: the daemon's uid, for the permission message;
 * clients come from the supervisor (MSG_CTL_CLIENT). */
static int
control_setup(struct worker *w, char *err, size_t errlen)
{
	int64_t			 uid;

	ctl.c_w = w;
	w->w_profile = SANDBOX_CONTROL;
	if ((uid = jg_int(w->w_cconf, "daemon_uid", -1)) < 0) {
		snprintf(err, errlen, "no daemon_uid in the configuration");
		return -1;
	}
	ctl.c_daemon_uid = (uid_t)uid;
	return 0;
}

/* Draining: the supervisor sends nobody new. */
static void
control_stop(struct worker *w)
{
	(void)w;
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
	    json_object_new_int64(ctl.c_nclients));
}

const struct conn_ops control_ops = {
	.co_type = "control",
	.co_setup = control_setup,
	.co_stop = control_stop,
	.co_finish = control_finish,
	.co_stats = control_stats,
};
