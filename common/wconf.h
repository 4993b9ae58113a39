/* SPDX-License-Identifier: ISC */
/*
 * The worker configuration contract: the JSON object that MSG_CONFIG
 * carries from the supervisor to a worker (see proto.h).
 *
 * Its keys are declared as data in wconf.c: one table of the keys every
 * worker gets (id, name, type, connector, outputs, pipelines, ...) and
 * one table per connector type (indexed by enum conn_type) of the keys
 * of its "connector"."config" record.  Each entry gives the key's name,
 * the JSON types it may have, whether it is required, the keys of a
 * nested record, and a one-line comment saying what it means.  Those
 * tables are the contract: the supervisor builds configs that pass them
 * (supervisor/wconf_build.c, the one place that adds keys), a worker
 * checks the whole config against them before it reads anything and
 * fails its start naming the first key that does not fit.
 *
 * Adding a config key: its entry in wconf.c, its validation in the troy
 * front end (troy_conn.c), its reader in the worker (through the
 * accessors below), its man page line.
 */
#ifndef WSFLOW_WCONF_H
#define WSFLOW_WCONF_H

#include <stdint.h>

#include <json-c/json.h>

#include "conntype.h"

/* wc_types: the JSON types a key may have (any of the bits). */
#define WCT_STRING	0x01
#define WCT_INT		0x02
#define WCT_BOOL	0x04
#define WCT_OBJECT	0x08	/* keys in wc_keys, or wc_elem with WCF_MAP */
#define WCT_ARRAY	0x10	/* elements as wc_elem */
#define WCT_NUMBER	0x20	/* an integer or a double */
#define WCT_NULL	0x40	/* JSON null: the same as absent */

/* wc_flags */
#define WCF_REQUIRED	0x01	/* the key must be present */
#define WCF_MAP		0x02	/* an object with free keys, each value as
				 * wc_elem describes */
#define WCF_TYPED	0x04	/* an object whose keys are the connector
				 * type's table (connector.config) */

/*
 * One key.  A table is an array ended by an entry with a NULL wc_name.
 * An object key with neither wc_keys, WCF_MAP nor WCF_TYPED, and an
 * array without wc_elem, are opaque (their content has a parser of its
 * own: codecs, processors, compiled pipelines).
 */
struct wconf_key {
	const char		*wc_name;
	unsigned int		 wc_types;	/* WCT_* */
	unsigned int		 wc_flags;	/* WCF_* */
	const struct wconf_key	*wc_keys;	/* a record's key table */
	const struct wconf_key	*wc_elem;	/* one entry: array elements,
						 * map values (name unused) */
};

/* The keys every worker's config has at its top level. */
extern const struct wconf_key	wconf_common[];

/* The keys of connector.config for a type; NULL when it has no table. */
const struct wconf_key	*wconf_type_keys(enum conn_type);

/*
 * Check a whole worker config against the contract: the common table,
 * and connector.config against the table of the type that "type" names.
 * 0, or -1 with err saying which key (by its path, e.g.
 * "connector.config.url") is unknown, missing or of the wrong type.
 */
int	 wconf_check(struct json_object *, char *, size_t);

/* Values are read with the typed getters of jsonget.h. */
#include "jsonget.h"

#endif
