/* Servers: the rows in MariaDB that say who owns which VM on which host,
 * with what specs, until when.  The database is the truth for ownership and
 * specs; PVE is the truth for power state, merged in on reads (srvlive.c).
 *
 * Status lifecycle (servers.status):
 *   provisioning -> active <-> expired, active -> deleting -> deleted,
 *   provisioning -> rolled_back (a permanent failure, everything undone),
 *   failed (a job gave up and could not undo), lost (the VM vanished). */
#ifndef VH_SERVERS_H
#define VH_SERVERS_H

#include <stdbool.h>

#include <json-c/json.h>

#include "err.h"
#include "uuid.h"

struct vh_db;
struct vh_pool;

struct vh_server {
	const char *id, *owner_id, *name, *plan, *location, *os_template;
	const char *host_id, *node;
	long vmid;                 /* 0: none yet */
	long vcpu, memory_mb, disk_gb, gpu_count;
	const char *disk_storage, *primary_ip, *ipv6, *ssh_keys;
	long expire_in_days;
	const char *expire_at;     /* ISO 8601 UTC */
	const char *status, *status_reason, *power_state, *power_checked_at;
	const char *external_id, *created_at, *updated_at, *deleted_at;
	long long power_age_ms;    /* since power_state was last set; -1: never */
	/* Filled by reads that merge PVE's view. */
	bool stale;
	json_object *applied_upgrades;   /* owned by the pool; NULL until loaded */
};

/* New server row (status provisioning). */
struct vh_server_new {
	const char *id, *owner_id, *name, *plan, *location, *os_template;
	const char *host_id, *node;     /* a plan's pin, else NULL */
	long vcpu, memory_mb, disk_gb, gpu_count;
	const char *disk_storage, *ssh_keys;
	long expire_in_days;
};

enum vh_status vh_server_insert(struct vh_db *db, struct vh_pool *pool,
				const struct vh_server_new *in, struct vh_err *err);
/* VH_NOTFOUND "server_not_found" when absent; owner_id non-NULL restricts to
 * that owner's servers (another's id is then "not found" too).  lock: FOR
 * UPDATE (inside a transaction). */
enum vh_status vh_server_get(struct vh_db *db, struct vh_pool *pool, const char *id,
			     const char *owner_id, bool lock, struct vh_server *out,
			     struct vh_err *err);

struct vh_server_filter {
	const char *owner_id, *status, *plan, *location, *host_id;
	const char *cursor;        /* last id of the previous page */
	long long limit;
	bool include_deleted;      /* default lists hide deleted rows */
};
enum vh_status vh_server_list(struct vh_db *db, struct vh_pool *pool,
			      const struct vh_server_filter *f, struct vh_server **out, size_t *n,
			      bool *more, struct vh_err *err);
/* Servers counted against MAX_SERVERS_PER_USER (not deleted/rolled back). */
enum vh_status vh_server_count_live(struct vh_db *db, struct vh_pool *pool, const char *owner_id,
				    long *count, struct vh_err *err);

/* Column updates; each is one statement. */
enum vh_status vh_server_set_status(struct vh_db *db, struct vh_pool *pool, const char *id,
				    const char *status, const char *reason, struct vh_err *err);
enum vh_status vh_server_set_placement(struct vh_db *db, struct vh_pool *pool, const char *id,
				       const char *host_id, const char *node, struct vh_err *err);
/* Reserve vmid on the server's host: VH_CONFLICT when another live server
 * of that host holds it. */
enum vh_status vh_server_set_vmid(struct vh_db *db, struct vh_pool *pool, const char *id,
				  long vmid, struct vh_err *err);
enum vh_status vh_server_set_ip(struct vh_db *db, struct vh_pool *pool, const char *id,
				const char *ipv4, const char *ipv6, struct vh_err *err);
enum vh_status vh_server_set_power(struct vh_db *db, struct vh_pool *pool, const char *id,
				   const char *power_state, struct vh_err *err);
enum vh_status vh_server_set_node(struct vh_db *db, struct vh_pool *pool, const char *id,
				  const char *node, struct vh_err *err);
/* expire_at := max(now, expire_at) + days; expired -> active. */
enum vh_status vh_server_extend(struct vh_db *db, struct vh_pool *pool, const char *id,
				long days, struct vh_err *err);
/* Add an upgrade bundle's resources and record it (inside a transaction). */
enum vh_status vh_server_add_upgrade(struct vh_db *db, struct vh_pool *pool, const char *id,
				     const char *upgrade, struct vh_err *err);
enum vh_status vh_server_load_upgrades(struct vh_db *db, struct vh_pool *pool,
				       struct vh_server *s, struct vh_err *err);
/* The same for a page from vh_server_list (servers in id order): one query. */
enum vh_status vh_server_load_upgrades_page(struct vh_db *db, struct vh_pool *pool,
					    struct vh_server *s, size_t n, struct vh_err *err);
enum vh_status vh_server_mark_deleted(struct vh_db *db, struct vh_pool *pool, const char *id,
				      struct vh_err *err);

/* The answer shape (DESIGN.md "server").  Never carries a secret. */
json_object *vh_server_json(const struct vh_server *s);

/* Whether a status still has (or may get) a VM on PVE. */
bool vh_server_status_live(const char *status);

/* ssh_keys of an order: one string (keys on separate lines) or an array of
 * strings, each an OpenSSH public key.  NULL when good, with *out the keys
 * joined by newlines (NULL for none); else what is wrong. */
const char *vh_norm_ssh_keys(struct vh_pool *pool, json_object *v, const char **out);

/* Idempotency-Key records for POST /servers. */
enum vh_status vh_idem_insert(struct vh_db *db, struct vh_pool *pool, const char *user_id,
			      const char *key, const char *hash, const char *server_id,
			      const char *job_id, struct vh_err *err);
/* VH_NOTFOUND when there is none. */
enum vh_status vh_idem_get(struct vh_db *db, struct vh_pool *pool, const char *user_id,
			   const char *key, const char **hash, const char **server_id,
			   const char **job_id, struct vh_err *err);

#endif
