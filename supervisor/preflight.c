/* SPDX-License-Identifier: ISC */
/*
 * What a start would fail on that the troy front end cannot see, checked
 * by `wsflowd -n` and before every start: connector types that run in no
 * process (from the type table, so a type gains a worker there and
 * passes here), certificate, key and CA files (loaded with OpenSSL the
 * way workers load them, the key checked against its certificate), and
 * one listening address in two places, and for a unix: listener its
 * directory, the file at its path and its owner and group names.  Each
 * error names the connector
 * and where it is created, "file:line:col: ...".
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "conntype.h"
#include "sup.h"
#include "tls.h"
#include "url.h"

/* The first address a listener binds (as listen_open() does). */
struct pf_addr {
	int				 pa_conn;	/* connector index */
	struct sockaddr_storage		 pa_ss;
	char				 pa_text[300];
};

/* Print one error at connector dc's creation. */
static void __attribute__((format(printf, 3, 4)))
pf_error(FILE *fp, const struct dep_connector *dc, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(fp, "%s:%d:%d: connector %s: ", dc->dc_file ? dc->dc_file :
	    "?", dc->dc_line, dc->dc_col, dc->dc_name);
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	fputc('\n', fp);
}

/* The string member key of o, or NULL. */
static const char *
pf_str(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The certificate, key and CA files of a tls record, as workers and the
 * keyholder load them (the key itself only when keys is set: wsflowd -n,
 * a process that ends here); -1 after printing what is wrong. */
static int
pf_tls(FILE *fp, const struct dep_connector *dc, struct json_object *tls,
    int keys)
{
	const char	*cert, *key, *ca;
	char		 err[512];
	SSL_CTX		*ctx;
	int		 rc = 0;

	if (!json_object_is_type(tls, json_type_object))
		return 0;
	cert = pf_str(tls, "cert");
	key = pf_str(tls, "key");
	ca = pf_str(tls, "cafile");
	if (cert != NULL && key != NULL && !keys &&
	    tls_chain_check(cert, key, err, sizeof(err)) == -1) {
		pf_error(fp, dc, "tls: %s", err);
		rc = -1;
	} else if (cert != NULL && key != NULL && keys) {
		if ((ctx = tls_server_ctx(cert, key, err, sizeof(err))) ==
		    NULL) {
			pf_error(fp, dc, "tls: %s", err);
			rc = -1;
		}
		SSL_CTX_free(ctx);
	}
	if (ca != NULL) {
		if ((ctx = tls_client_ctx(ca, err, sizeof(err))) == NULL) {
			pf_error(fp, dc, "tls: %s", err);
			rc = -1;
		}
		SSL_CTX_free(ctx);
	}
	return rc;
}

/* Where a listener's url binds; 0 with nothing in pa when it cannot be
 * known here (the start reports it). */
static int
pf_listen_addr(struct json_object *cconf, struct pf_addr *pa)
{
	struct addrinfo	 hints, *res = NULL;
	struct url	 u;
	const char	*url, *why = NULL;
	char		 serv[8];

	struct sockaddr_un *sun = (struct sockaddr_un *)&pa->pa_ss;
	const char	*path;

	memset(&pa->pa_ss, 0, sizeof(pa->pa_ss));
	if ((url = pf_str(cconf, "url")) != NULL &&
	    url_unix(url, &path, &why) != 1) {
		if (strlcpy(sun->sun_path, path, sizeof(sun->sun_path)) <
		    sizeof(sun->sun_path))
			sun->sun_family = AF_UNIX;
		snprintf(pa->pa_text, sizeof(pa->pa_text), "%s", url);
		return 0;
	}
	if (url == NULL || url_parse(url, &u, &why) == -1 || u.u_port == 0)
		return 0;
	snprintf(serv, sizeof(serv), "%u", u.u_port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (getaddrinfo(u.u_host, serv, &hints, &res) != 0)
		return 0;
	if (res->ai_addrlen <= sizeof(pa->pa_ss))
		memcpy(&pa->pa_ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	snprintf(pa->pa_text, sizeof(pa->pa_text), "%s%s%s:%u",
	    u.u_ipv6 ? "[" : "", u.u_host, u.u_ipv6 ? "]" : "", u.u_port);
	return 0;
}

/* The port of an address and whether it is a wildcard; 0: none. */
static unsigned int
pf_port(const struct sockaddr_storage *ss, int *any)
{
	const struct sockaddr_in	*s4 = (const void *)ss;
	const struct sockaddr_in6	*s6 = (const void *)ss;

	if (ss->ss_family == AF_INET) {
		*any = s4->sin_addr.s_addr == htonl(INADDR_ANY);
		return ntohs(s4->sin_port);
	}
	if (ss->ss_family == AF_INET6) {
		*any = IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);
		return ntohs(s6->sin6_port);
	}
	return 0;
}

/*
 * Would two listeners take the same address?  The same port, and the
 * same address or a wildcard that covers the other (an IPv6 wildcard
 * takes IPv4 too).
 */
static int
pf_clash(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in	*a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6	*a6 = (const void *)a, *b6 = (const void *)b;
	unsigned int			 pa, pb;
	int				 anya = 0, anyb = 0;

	if (a->ss_family == AF_UNIX && b->ss_family == AF_UNIX)
		return strcmp(((const struct sockaddr_un *)a)->sun_path,
		    ((const struct sockaddr_un *)b)->sun_path) == 0;
	pa = pf_port(a, &anya);
	pb = pf_port(b, &anyb);
	if (pa == 0 || pa != pb)
		return 0;
	if (a->ss_family != b->ss_family)
		return (anya && a->ss_family == AF_INET6) ||
		    (anyb && b->ss_family == AF_INET6);
	if (anya || anyb)
		return 1;
	if (a->ss_family == AF_INET)
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return memcmp(&a6->sin6_addr, &b6->sin6_addr,
	    sizeof(a6->sin6_addr)) == 0;
}

/*
 * A unix: listener: its directory exists, the file at its path (if any)
 * is a socket (which the start replaces if it is stale), and its
 * socket_owner and socket_group name a user and a group.
 */
static int
pf_unix(FILE *fp, const struct dep_connector *dc, struct json_object *cconf)
{
	const char	*url, *path, *why = NULL, *slash;
	char		 dir[URL_UNIX_MAX], err[256];
	struct stat	 st;
	uid_t		 uid;
	gid_t		 gid;
	mode_t		 mode;
	int		 rc = 0;

	if ((url = pf_str(cconf, "url")) == NULL ||
	    url_unix(url, &path, &why) != 0)
		return 0;	/* troy reported a bad path */
	slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
	    (int)(slash - path), path);
	if (stat(dir, &st) == -1) {
		pf_error(fp, dc, "url \"%s\": directory %s: %s", url, dir,
		    strerror(errno));
		rc = -1;
	} else if (!S_ISDIR(st.st_mode)) {
		pf_error(fp, dc, "url \"%s\": %s is not a directory", url,
		    dir);
		rc = -1;
	} else if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		pf_error(fp, dc, "url \"%s\": %s exists and is not a socket",
		    url, path);
		rc = -1;
	}
	if (listen_unix_perms(cconf, &uid, &gid, &mode, err, sizeof(err)) ==
	    -1) {
		pf_error(fp, dc, "%s", err);
		rc = -1;
	}
	return rc;
}

/* Every listener's address once: the second of two is an error. */
static int
pf_listeners(FILE *fp, const struct deployment *d)
{
	const struct dep_connector	*dc, *other;
	const struct conntype		*ct;
	struct pf_addr			*pa;
	int				 i, j, n = 0, rc = 0;

	if ((pa = calloc(d->d_nconnectors + 1, sizeof(*pa))) == NULL)
		return -1;
	for (i = 0; i < d->d_nconnectors; i++) {
		dc = &d->d_connectors[i];
		if (!dc->dc_used || (ct = conntype_get(dc->dc_ctype)) == NULL ||
		    !(ct->ct_flags & CTF_LISTENER))
			continue;
		pa[n].pa_conn = i;
		if (pf_unix(fp, dc, json_object_object_get(dc->dc_config,
		    "config")) == -1)
			rc = -1;
		(void)pf_listen_addr(json_object_object_get(dc->dc_config,
		    "config"), &pa[n]);
		for (j = 0; j < n; j++) {
			other = &d->d_connectors[pa[j].pa_conn];
			/* instances share their address (SO_REUSEPORT) */
			if (!pf_clash(&pa[j].pa_ss, &pa[n].pa_ss) ||
			    (DEP_INSTANCED(dc) && DEP_INSTANCED(other) &&
			    dc->dc_group == other->dc_group))
				continue;
			pf_error(fp, dc, "listens on %s, as connector %s "
			    "(flow %s, %s:%d:%d) does on %s", pa[n].pa_text,
			    other->dc_name, other->dc_flow, other->dc_file,
			    other->dc_line, other->dc_col, pa[j].pa_text);
			rc = -1;
			break;
		}
		n++;
	}
	free(pa);
	return rc;
}

/* Check what a start would fail on; print every error to fp (keys: load
 * private keys too, see pf_tls).  0: none. */
int
pf_check(const struct deployment *d, FILE *fp, int keys)
{
	const struct dep_connector	*dc;
	const struct conntype		*ct;
	int				 i, rc = 0;

	for (i = 0; i < d->d_nconnectors; i++) {
		dc = &d->d_connectors[i];
		if (!dc->dc_used || (ct = conntype_get(dc->dc_ctype)) == NULL)
			continue;
		if (!(ct->ct_flags & (CTF_WORKER | CTF_IN_PLACE))) {
			pf_error(fp, dc, "connector type \"%s\" cannot run: "
			    "no worker implements it", ct->ct_name);
			rc = -1;
			continue;
		}
		if (pf_tls(fp, dc, json_object_object_get(json_object_object_get(
		    dc->dc_config, "config"), "tls"), keys) == -1)
			rc = -1;
	}
	if (pf_listeners(fp, d) == -1)
		rc = -1;
	return rc;
}
