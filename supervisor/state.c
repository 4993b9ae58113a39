/* SPDX-License-Identifier: ISC */
/*
 * Where file sources stand, kept by the supervisor: the position each
 * one last reported as acknowledged (MSG_SOURCE_POS) goes back into its
 * configuration when it is restarted ("resume").  A source whose flow
 * says resume = true also keeps it across daemon restarts: one small JSON
 * file per connector in the state directory, written atomically
 * (temporary file, fsync, rename) at most once a second and when the
 * daemon stops, read when it starts.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "sup.h"
#include "wconf.h"

#define STATE_WRITE_SECS	1
#define STATE_FILE_MAX		4096

static struct {
	const char	*st_dir;
	struct event	*st_timer;
} state;

/* Does this worker keep its position across daemon restarts? */
static int
state_kept(const struct sup_worker *sw)
{
	struct json_object	*c;

	c = jg_obj(sw->sw_dc->dc_config, "config");
	return sw->sw_dc->dc_ctype == CT_FILE &&
	    strcmp(jg_str(c, "mode", ""), "read") == 0 &&
	    jg_bool(c, "resume", 0);
}

/* The state file of a worker: DIR/FLOW.CONNECTOR.pos; -1 if the names
 * do not make a file name. */
static int
state_path(const struct sup_worker *sw, const char *suffix, char *path,
    size_t len)
{
	const char	*flow = sw->sw_dc->dc_flow, *name = sw->sw_dc->dc_name;
	int		 n;

	if (flow == NULL || strchr(flow, '/') != NULL || flow[0] == '.' ||
	    strchr(name, '/') != NULL)
		return -1;
	n = snprintf(path, len, "%s/%s.%s.pos%s", state.st_dir, flow, name,
	    suffix);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Write one worker's position: temporary file, fsync, rename. */
static void
state_write(struct sup_worker *sw)
{
	struct json_object	*o;
	const char		*s;
	char			 path[1024], tmp[1024];
	size_t			 len;
	int			 fd;

	sw->sw_pos_dirty = 0;
	if (state_path(sw, "", path, sizeof(path)) == -1 ||
	    state_path(sw, ".tmp", tmp, sizeof(tmp)) == -1) {
		log_warnx("connector %s: no state file name", sw->sw_dc->dc_name);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(jg_str(
	    jg_obj(sw->sw_dc->dc_config, "config"), "path", "")));
	json_object_object_add(o, "offset",
	    json_object_new_int64((int64_t)sw->sw_pos.sp_offset));
	json_object_object_add(o, "events",
	    json_object_new_int64((int64_t)sw->sw_pos.sp_events));
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600))
	    == -1 || write(fd, s, len) != (ssize_t)len ||
	    write(fd, "\n", 1) != 1 || fsync(fd) == -1 ||
	    close(fd) == -1 || rename(tmp, path) == -1) {
		log_warn("connector %s: state file %s", sw->sw_dc->dc_name,
		    path);
		if (fd != -1)
			(void)close(fd);
		(void)unlink(tmp);
	}
	json_object_put(o);
}

/* The timer: write what changed. */
static void
state_timer(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	state_flush();
}

/* Before the workers start: the state directory (NULL: none). */
int
state_init(struct event_base *base, const char *dir)
{
	state.st_dir = dir;
	if ((state.st_timer = evtimer_new(base, state_timer, NULL)) == NULL)
		return -1;
	return 0;
}

/* A worker with resume = true starts where its state file says, if that
 * file is about the same path. */
void
state_load(struct sup_worker *sw)
{
	struct json_object	*o = NULL;
	char			 path[1024], buf[STATE_FILE_MAX];
	ssize_t			 n;
	int64_t			 off, ev;
	int			 fd;

	if (!state_kept(sw) || state.st_dir == NULL ||
	    state_path(sw, "", path, sizeof(path)) == -1)
		return;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			log_warn("connector %s: state file %s",
			    sw->sw_dc->dc_name, path);
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		o = json_tokener_parse(buf);
	}
	off = jg_int(o, "offset", -1);
	ev = jg_int(o, "events", -1);
	if (o == NULL || off < 0 || ev < 0 ||
	    strcmp(jg_str(o, "path", ""), jg_str(jg_obj(
	    sw->sw_dc->dc_config, "config"), "path", "")) != 0)
		log_warnx("connector %s: state file %s is not about this "
		    "source, starting from the beginning", sw->sw_dc->dc_name,
		    path);
	else {
		sw->sw_pos.sp_offset = off;
		sw->sw_pos.sp_events = ev;
		sw->sw_has_pos = 1;
		log_info("connector %s: resuming at offset %lld (%s)",
		    sw->sw_dc->dc_name, (long long)off, path);
	}
	json_object_put(o);
}

/* MSG_SOURCE_POS: keep it; a kept one is written soon. */
void
state_pos(struct sup_worker *sw, const struct msg_source_pos *sp)
{
	struct timeval	 tv = { STATE_WRITE_SECS, 0 };

	sw->sw_pos = *sp;
	sw->sw_has_pos = 1;
	if (!state_kept(sw) || state.st_dir == NULL)
		return;
	sw->sw_pos_dirty = 1;
	if (state.st_timer != NULL && !evtimer_pending(state.st_timer, NULL))
		evtimer_add(state.st_timer, &tv);
}

/* Write every position that changed (the timer, and at stop). */
void
state_flush(void)
{
	int	 i;

	for (i = 0; i < proctab_count(); i++)
		if (proctab_get(i)->sw_pos_dirty)
			state_write(proctab_get(i));
}

/* Release the timer. */
void
state_free(void)
{
	if (state.st_timer != NULL)
		event_free(state.st_timer);
	memset(&state, 0, sizeof(state));
}
