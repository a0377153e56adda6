#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "json.h"
#include "pool.h"
#include "servers.h"
#include "validate.h"

#define ISO(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"

/* Columns always in the order row_to_server() reads them. */
#define SERVER_COLS "id, owner_id, name, plan, location, os_template, proxmox_host_id, " \
	"proxmox_node, vmid, vcpu, memory_mb, disk_gb, gpu_count, disk_storage, primary_ip, " \
	"ipv6, ssh_keys, expire_in_days, " ISO("expire_at") ", status, status_reason, " \
	"power_state, " ISO("power_checked_at") ", external_id, " ISO("created_at") ", " \
	ISO("updated_at") ", " ISO("deleted_at") ", " \
	"TIMESTAMPDIFF(MICROSECOND, power_checked_at, UTC_TIMESTAMP(6)) DIV 1000"

static const char sql_insert[] =
	"INSERT INTO servers (id, owner_id, name, plan, location, os_template, proxmox_host_id, "
	"proxmox_node, vcpu, memory_mb, disk_gb, gpu_count, disk_storage, ssh_keys, "
	"expire_in_days, expire_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	"UTC_TIMESTAMP(6) + INTERVAL ? DAY)";
static const char sql_get[] = "SELECT " SERVER_COLS " FROM servers WHERE id = ?";
static const char sql_get_owner[] =
	"SELECT " SERVER_COLS " FROM servers WHERE id = ? AND owner_id = ?";
static const char sql_get_lock[] = "SELECT " SERVER_COLS " FROM servers WHERE id = ? FOR UPDATE";
static const char sql_get_owner_lock[] =
	"SELECT " SERVER_COLS " FROM servers WHERE id = ? AND owner_id = ? FOR UPDATE";
/* One statement for every filter combination: a NULL filter matches all.
 * The owner and status filters have their indexes; the keyset is the id. */
static const char sql_list[] =
	"SELECT " SERVER_COLS " FROM servers WHERE id > ? "
	"AND (? IS NULL OR owner_id = ?) AND (? IS NULL OR status = ?) "
	"AND (? IS NULL OR plan = ?) AND (? IS NULL OR location = ?) "
	"AND (? IS NULL OR proxmox_host_id = ?) "
	"AND (? = 1 OR status <> 'deleted') ORDER BY id LIMIT ?";
/* One owner's servers (GET /servers/user/{id}): the (owner_id, id) index
 * gives the page directly; the generic statement above cannot use it. */
static const char sql_list_owner[] =
	"SELECT " SERVER_COLS " FROM servers WHERE owner_id = ? AND id > ? "
	"AND (? IS NULL OR status = ?) AND (? = 1 OR status <> 'deleted') ORDER BY id LIMIT ?";
static const char sql_count_live[] =
	"SELECT COUNT(*) FROM servers WHERE owner_id = ? "
	"AND status NOT IN ('deleted', 'rolled_back', 'failed')";
static const char sql_set_status[] =
	"UPDATE servers SET status = ?, status_reason = ? WHERE id = ?";
static const char sql_set_placement[] =
	"UPDATE servers SET proxmox_host_id = ?, proxmox_node = ? WHERE id = ?";
static const char sql_set_vmid[] = "UPDATE servers SET vmid = ? WHERE id = ?";
static const char sql_set_ip[] = "UPDATE servers SET primary_ip = ?, ipv6 = ? WHERE id = ?";
static const char sql_set_power[] =
	"UPDATE servers SET power_state = ?, power_checked_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char sql_set_node[] = "UPDATE servers SET proxmox_node = ? WHERE id = ?";
static const char sql_extend[] =
	"UPDATE servers SET expire_at = GREATEST(expire_at, UTC_TIMESTAMP(6)) + INTERVAL ? DAY, "
	"expire_in_days = LEAST(expire_in_days + ?, 36500), "
	"status = IF(status = 'expired', 'active', status), "
	"status_reason = IF(status = 'active', NULL, status_reason) WHERE id = ?";
static const char sql_add_upgrade[] =
	"UPDATE servers s JOIN upgrades u ON u.name = ? "
	"SET s.vcpu = s.vcpu + u.add_vcpu, s.memory_mb = s.memory_mb + u.add_memory_mb, "
	"s.disk_gb = s.disk_gb + u.add_disk_gb WHERE s.id = ?";
static const char sql_record_upgrade[] =
	"INSERT INTO server_upgrades (server_id, upgrade, price, currency) "
	"SELECT ?, name, price, currency FROM upgrades WHERE name = ?";
static const char sql_upgrades[] =
	"SELECT upgrade, " ISO("applied_at") ", price, currency FROM server_upgrades "
	"WHERE server_id = ? ORDER BY id";
/* The upgrades of a page of servers at once: the page is a contiguous
 * range of ids, so one range scan of the (server_id, id) index serves it. */
static const char sql_upgrades_range[] =
	"SELECT server_id, upgrade, " ISO("applied_at") ", price, currency FROM server_upgrades "
	"WHERE server_id BETWEEN ? AND ? ORDER BY server_id, id";
static const char sql_mark_deleted[] =
	"UPDATE servers SET status = 'deleted', power_state = 'stopped', "
	"deleted_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char sql_idem_insert[] =
	"INSERT INTO idempotency_keys (user_id, idem_key, request_hash, server_id, job_id) "
	"VALUES (?, ?, ?, ?, ?)";
static const char sql_idem_get[] =
	"SELECT request_hash, server_id, job_id FROM idempotency_keys "
	"WHERE user_id = ? AND idem_key = ?";

static long num(const char *s)
{
	return s ? strtol(s, NULL, 10) : 0;
}

static void row_to_server(const struct vh_rows *r, size_t row, struct vh_server *s)
{
	size_t c = 0;

	memset(s, 0, sizeof(*s));
	s->id = vh_rows_get(r, row, c++);
	s->owner_id = vh_rows_get(r, row, c++);
	s->name = vh_rows_get(r, row, c++);
	s->plan = vh_rows_get(r, row, c++);
	s->location = vh_rows_get(r, row, c++);
	s->os_template = vh_rows_get(r, row, c++);
	s->host_id = vh_rows_get(r, row, c++);
	s->node = vh_rows_get(r, row, c++);
	s->vmid = num(vh_rows_get(r, row, c++));
	s->vcpu = num(vh_rows_get(r, row, c++));
	s->memory_mb = num(vh_rows_get(r, row, c++));
	s->disk_gb = num(vh_rows_get(r, row, c++));
	s->gpu_count = num(vh_rows_get(r, row, c++));
	s->disk_storage = vh_rows_get(r, row, c++);
	s->primary_ip = vh_rows_get(r, row, c++);
	s->ipv6 = vh_rows_get(r, row, c++);
	s->ssh_keys = vh_rows_get(r, row, c++);
	s->expire_in_days = num(vh_rows_get(r, row, c++));
	s->expire_at = vh_rows_get(r, row, c++);
	s->status = vh_rows_get(r, row, c++);
	s->status_reason = vh_rows_get(r, row, c++);
	s->power_state = vh_rows_get(r, row, c++);
	s->power_checked_at = vh_rows_get(r, row, c++);
	s->external_id = vh_rows_get(r, row, c++);
	s->created_at = vh_rows_get(r, row, c++);
	s->updated_at = vh_rows_get(r, row, c++);
	s->deleted_at = vh_rows_get(r, row, c++);
	s->power_age_ms = vh_rows_get(r, row, c) ? atoll(vh_rows_get(r, row, c)) : -1;
}

enum vh_status vh_server_insert(struct vh_db *db, struct vh_pool *pool,
				const struct vh_server_new *in, struct vh_err *err)
{
	struct vh_param p[16];

	p[0] = VH_PSTR(in->id);
	p[1] = VH_PSTR(in->owner_id);
	p[2] = VH_PSTR(in->name);
	p[3] = VH_PSTR(in->plan);
	p[4] = VH_PSTR(in->location);
	p[5] = VH_PSTR(in->os_template);
	p[6] = VH_PSTR(in->host_id);
	p[7] = VH_PSTR(in->node);
	p[8] = VH_PINT(in->vcpu);
	p[9] = VH_PINT(in->memory_mb);
	p[10] = VH_PINT(in->disk_gb);
	p[11] = VH_PINT(in->gpu_count);
	p[12] = VH_PSTR(in->disk_storage);
	p[13] = VH_PSTR(in->ssh_keys);
	p[14] = VH_PINT(in->expire_in_days);
	p[15] = VH_PINT(in->expire_in_days);
	return vh_db_exec(db, pool, sql_insert, p, 16, 0, NULL, err);
}

enum vh_status vh_server_get(struct vh_db *db, struct vh_pool *pool, const char *id,
			     const char *owner_id, bool lock, struct vh_server *out,
			     struct vh_err *err)
{
	struct vh_param p[2] = {VH_PSTR(id), VH_PSTR(owner_id)};
	struct vh_rows r;
	enum vh_status st;
	const char *sql;

	if (!id || !vh_is_uuid(id))
		return vh_fail(err, VH_NOTFOUND, "server_not_found", "no such server");
	if (owner_id)
		sql = lock ? sql_get_owner_lock : sql_get_owner;
	else
		sql = lock ? sql_get_lock : sql_get;
	st = vh_db_exec(db, pool, sql, p, owner_id ? 2 : 1, lock ? 0 : VH_DB_IDEMPOTENT, &r, err);
	if (st != VH_OK)
		return st;
	if (r.nrows == 0)
		return vh_fail(err, VH_NOTFOUND, "server_not_found", "no such server");
	row_to_server(&r, 0, out);
	return VH_OK;
}

enum vh_status vh_server_list(struct vh_db *db, struct vh_pool *pool,
			      const struct vh_server_filter *f, struct vh_server **out, size_t *n,
			      bool *more, struct vh_err *err)
{
	struct vh_param p[13];
	struct vh_rows r;
	enum vh_status st;
	size_t i;

	if (f->owner_id && !f->plan && !f->location && !f->host_id) {
		p[0] = VH_PSTR(f->owner_id);
		p[1] = VH_PSTR(f->cursor ? f->cursor : "");
		p[2] = VH_PSTR(f->status);
		p[3] = VH_PSTR(f->status);
		p[4] = VH_PINT(f->include_deleted || (f->status && !strcmp(f->status, "deleted")));
		p[5] = VH_PINT(f->limit + 1);
		st = vh_db_exec(db, pool, sql_list_owner, p, 6, VH_DB_IDEMPOTENT, &r, err);
		goto rows;
	}
	p[0] = VH_PSTR(f->cursor ? f->cursor : "");
	p[1] = VH_PSTR(f->owner_id);
	p[2] = VH_PSTR(f->owner_id);
	p[3] = VH_PSTR(f->status);
	p[4] = VH_PSTR(f->status);
	p[5] = VH_PSTR(f->plan);
	p[6] = VH_PSTR(f->plan);
	p[7] = VH_PSTR(f->location);
	p[8] = VH_PSTR(f->location);
	p[9] = VH_PSTR(f->host_id);
	p[10] = VH_PSTR(f->host_id);
	/* A status filter of "deleted" must find deleted rows. */
	p[11] = VH_PINT(f->include_deleted || (f->status && !strcmp(f->status, "deleted")));
	p[12] = VH_PINT(f->limit + 1);
	st = vh_db_exec(db, pool, sql_list, p, 13, VH_DB_IDEMPOTENT, &r, err);
rows:
	if (st != VH_OK)
		return st;
	*more = r.nrows > (size_t)f->limit;
	*n = *more ? (size_t)f->limit : r.nrows;
	*out = vh_palloc(pool, (*n ? *n : 1) * sizeof(**out));
	for (i = 0; i < *n; i++)
		row_to_server(&r, i, &(*out)[i]);
	return VH_OK;
}

enum vh_status vh_server_count_live(struct vh_db *db, struct vh_pool *pool, const char *owner_id,
				    long *count, struct vh_err *err)
{
	struct vh_param p[1] = {VH_PSTR(owner_id)};
	struct vh_rows r;
	enum vh_status st;

	st = vh_db_exec(db, pool, sql_count_live, p, 1, VH_DB_IDEMPOTENT, &r, err);
	if (st != VH_OK)
		return st;
	*count = num(vh_rows_get(&r, 0, 0));
	return VH_OK;
}

static enum vh_status exec3(struct vh_db *db, struct vh_pool *pool, const char *sql,
			    struct vh_param a, struct vh_param b, struct vh_param c, size_t n,
			    struct vh_err *err)
{
	struct vh_param p[3] = {a, b, c};

	return vh_db_exec(db, pool, sql, p, n, VH_DB_IDEMPOTENT, NULL, err);
}

enum vh_status vh_server_set_status(struct vh_db *db, struct vh_pool *pool, const char *id,
				    const char *status, const char *reason, struct vh_err *err)
{
	return exec3(db, pool, sql_set_status, VH_PSTR(status), VH_PSTR(reason), VH_PSTR(id), 3,
		     err);
}

enum vh_status vh_server_set_placement(struct vh_db *db, struct vh_pool *pool, const char *id,
				       const char *host_id, const char *node, struct vh_err *err)
{
	return exec3(db, pool, sql_set_placement, VH_PSTR(host_id), VH_PSTR(node), VH_PSTR(id), 3,
		     err);
}

enum vh_status vh_server_set_vmid(struct vh_db *db, struct vh_pool *pool, const char *id,
				  long vmid, struct vh_err *err)
{
	return exec3(db, pool, sql_set_vmid, vmid ? VH_PINT(vmid) : VH_PSTR(NULL), VH_PSTR(id),
		     VH_PSTR(NULL), 2, err);
}

enum vh_status vh_server_set_ip(struct vh_db *db, struct vh_pool *pool, const char *id,
				const char *ipv4, const char *ipv6, struct vh_err *err)
{
	return exec3(db, pool, sql_set_ip, VH_PSTR(ipv4), VH_PSTR(ipv6), VH_PSTR(id), 3, err);
}

enum vh_status vh_server_set_power(struct vh_db *db, struct vh_pool *pool, const char *id,
				   const char *power_state, struct vh_err *err)
{
	return exec3(db, pool, sql_set_power, VH_PSTR(power_state), VH_PSTR(id), VH_PSTR(NULL), 2,
		     err);
}

enum vh_status vh_server_set_node(struct vh_db *db, struct vh_pool *pool, const char *id,
				  const char *node, struct vh_err *err)
{
	return exec3(db, pool, sql_set_node, VH_PSTR(node), VH_PSTR(id), VH_PSTR(NULL), 2, err);
}

enum vh_status vh_server_extend(struct vh_db *db, struct vh_pool *pool, const char *id,
				long days, struct vh_err *err)
{
	struct vh_param p[3] = {VH_PINT(days), VH_PINT(days), VH_PSTR(id)};

	/* Not idempotent: run twice it would extend twice. */
	return vh_db_exec(db, pool, sql_extend, p, 3, 0, NULL, err);
}

enum vh_status vh_server_add_upgrade(struct vh_db *db, struct vh_pool *pool, const char *id,
				     const char *upgrade, struct vh_err *err)
{
	struct vh_param p[2] = {VH_PSTR(upgrade), VH_PSTR(id)};
	struct vh_rows r;
	enum vh_status st;

	st = vh_db_exec(db, pool, sql_add_upgrade, p, 2, 0, &r, err);
	if (st == VH_INVALID || st == VH_CONFLICT)
		return vh_fail(err, VH_CONFLICT, "upgrade_exceeds_limits",
			       "the upgrade would take the server past the largest allowed size");
	if (st != VH_OK)
		return st;
	if (r.affected == 0)
		return vh_fail(err, VH_INVALID, "unknown_upgrade", "no such upgrade bundle");
	p[0] = VH_PSTR(id);
	p[1] = VH_PSTR(upgrade);
	return vh_db_exec(db, pool, sql_record_upgrade, p, 2, 0, NULL, err);
}

enum vh_status vh_server_load_upgrades(struct vh_db *db, struct vh_pool *pool,
				       struct vh_server *s, struct vh_err *err)
{
	struct vh_param p[1] = {VH_PSTR(s->id)};
	struct vh_rows r;
	enum vh_status st;
	size_t i;

	st = vh_db_exec(db, pool, sql_upgrades, p, 1, VH_DB_IDEMPOTENT, &r, err);
	if (st != VH_OK)
		return st;
	s->applied_upgrades = vh_json_own(pool, json_object_new_array());
	for (i = 0; i < r.nrows; i++) {
		json_object *u = json_object_new_object();

		vh_json_add_str(u, "name", vh_rows_get(&r, i, 0));
		vh_json_add_str(u, "applied_at", vh_rows_get(&r, i, 1));
		vh_json_add_str(u, "price", vh_rows_get(&r, i, 2));
		vh_json_add_str(u, "currency", vh_rows_get(&r, i, 3));
		json_object_array_add(s->applied_upgrades, u);
	}
	return VH_OK;
}

enum vh_status vh_server_load_upgrades_page(struct vh_db *db, struct vh_pool *pool,
					    struct vh_server *s, size_t n, struct vh_err *err)
{
	struct vh_param p[2];
	struct vh_rows r;
	enum vh_status st;
	size_t i, j = 0;

	for (i = 0; i < n; i++)
		s[i].applied_upgrades = vh_json_own(pool, json_object_new_array());
	if (n == 0)
		return VH_OK;
	p[0] = VH_PSTR(s[0].id);
	p[1] = VH_PSTR(s[n - 1].id);
	st = vh_db_exec(db, pool, sql_upgrades_range, p, 2, VH_DB_IDEMPOTENT, &r, err);
	if (st != VH_OK)
		return st;
	/* Both lists are in id order: one merge pass. */
	for (i = 0; i < r.nrows; i++) {
		const char *sid = vh_rows_get(&r, i, 0);
		json_object *u;

		while (j < n && strcmp(s[j].id, sid) < 0)
			j++;
		if (j == n)
			break;
		if (strcmp(s[j].id, sid))
			continue;
		u = json_object_new_object();
		vh_json_add_str(u, "name", vh_rows_get(&r, i, 1));
		vh_json_add_str(u, "applied_at", vh_rows_get(&r, i, 2));
		vh_json_add_str(u, "price", vh_rows_get(&r, i, 3));
		vh_json_add_str(u, "currency", vh_rows_get(&r, i, 4));
		json_object_array_add(s[j].applied_upgrades, u);
	}
	return VH_OK;
}

enum vh_status vh_server_mark_deleted(struct vh_db *db, struct vh_pool *pool, const char *id,
				      struct vh_err *err)
{
	return exec3(db, pool, sql_mark_deleted, VH_PSTR(id), VH_PSTR(NULL), VH_PSTR(NULL), 1, err);
}

bool vh_server_status_live(const char *status)
{
	return status && strcmp(status, "deleted") && strcmp(status, "rolled_back") &&
	       strcmp(status, "failed");
}

json_object *vh_server_json(const struct vh_server *s)
{
	json_object *o = json_object_new_object();

	vh_json_add_str(o, "id", s->id);
	vh_json_add_str(o, "owner_id", s->owner_id);
	vh_json_add_str(o, "name", s->name);
	vh_json_add_str(o, "plan", s->plan);
	vh_json_add_str(o, "location", s->location);
	vh_json_add_str(o, "os_template", s->os_template);
	vh_json_add_str(o, "proxmox_host_id", s->host_id);
	vh_json_add_str(o, "proxmox_node", s->node);
	if (s->vmid)
		vh_json_add_int(o, "vmid", s->vmid);
	else
		json_object_object_add(o, "vmid", NULL);
	vh_json_add_int(o, "vcpu", s->vcpu);
	vh_json_add_int(o, "memory_mb", s->memory_mb);
	vh_json_add_int(o, "disk_gb", s->disk_gb);
	vh_json_add_int(o, "gpu_count", s->gpu_count);
	vh_json_add_str(o, "disk_storage", s->disk_storage);
	vh_json_add_str(o, "primary_ip", s->primary_ip);
	vh_json_add_str(o, "ipv6", s->ipv6);
	vh_json_add_int(o, "expire_in_days", s->expire_in_days);
	vh_json_add_str(o, "expire_at", s->expire_at);
	vh_json_add_str(o, "created_at", s->created_at);
	vh_json_add_str(o, "updated_at", s->updated_at);
	vh_json_add_str(o, "status", s->status);
	vh_json_add_str(o, "status_reason", s->status_reason);
	vh_json_add_str(o, "power_state", s->power_state);
	vh_json_add_str(o, "external_id", s->external_id);
	vh_json_add_str(o, "deleted_at", s->deleted_at);
	json_object_object_add(o, "applied_upgrades",
			       s->applied_upgrades ? json_object_get(s->applied_upgrades)
						   : json_object_new_array());
	json_object_object_add(o, "stale", json_object_new_boolean(s->stale));
	return o;
}

enum vh_status vh_idem_insert(struct vh_db *db, struct vh_pool *pool, const char *user_id,
			      const char *key, const char *hash, const char *server_id,
			      const char *job_id, struct vh_err *err)
{
	struct vh_param p[5] = {VH_PSTR(user_id), VH_PSTR(key), VH_PSTR(hash), VH_PSTR(server_id),
				VH_PSTR(job_id)};

	return vh_db_exec(db, pool, sql_idem_insert, p, 5, 0, NULL, err);
}

enum vh_status vh_idem_get(struct vh_db *db, struct vh_pool *pool, const char *user_id,
			   const char *key, const char **hash, const char **server_id,
			   const char **job_id, struct vh_err *err)
{
	struct vh_param p[2] = {VH_PSTR(user_id), VH_PSTR(key)};
	struct vh_rows r;
	enum vh_status st;

	st = vh_db_exec(db, pool, sql_idem_get, p, 2, VH_DB_IDEMPOTENT, &r, err);
	if (st != VH_OK)
		return st;
	if (r.nrows == 0)
		return vh_fail(err, VH_NOTFOUND, "not_found", "no such idempotency key");
	*hash = vh_rows_get(&r, 0, 0);
	*server_id = vh_rows_get(&r, 0, 1);
	*job_id = vh_rows_get(&r, 0, 2);
	return VH_OK;
}

/* ssh_keys: one string (keys on separate lines) or an array of strings.
 * Each key must look like an OpenSSH public key; the result is the keys
 * joined by newlines, as cloud-init takes them. */
const char *vh_norm_ssh_keys(struct vh_pool *pool, json_object *v, const char **out)
{
	static const char *const types[] = {"ssh-", "ecdsa-", "sk-ssh-", "sk-ecdsa-", NULL};
	struct vh_buf b = {0};
	const char *msg = NULL;
	json_object *list;
	size_t i, n;

	*out = NULL;
	if (json_object_is_type(v, json_type_null))
		return NULL;
	if (json_object_is_type(v, json_type_string)) {
		list = json_object_new_array();
		json_object_array_add(list, json_object_get(v));
	} else if (json_object_is_type(v, json_type_array)) {
		list = json_object_get(v);
	} else {
		return "must be a string or an array of strings";
	}
	n = json_object_array_length(list);
	if (n > 32)
		msg = "at most 32 keys";
	for (i = 0; i < n && !msg; i++) {
		json_object *k = json_object_array_get_idx(list, i);
		const char *s = json_object_is_type(k, json_type_string) ? json_object_get_string(k) : NULL;
		const char *line;
		size_t t;

		if (!s) {
			msg = "must be a string or an array of strings";
			break;
		}
		for (line = s; *line && !msg;) {
			size_t len = strcspn(line, "\n");
			bool known = false;

			while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
				len--;
			if (len) {
				for (t = 0; types[t]; t++)
					known |= !strncmp(line, types[t], strlen(types[t]));
				if (!known || !memchr(line, ' ', len) || len > 8192) {
					msg = "each key must be an OpenSSH public key (ssh-ed25519 AAAA... comment)";
					break;
				}
				vh_buf_printf(&b, "%s%.*s", b.len ? "\n" : "", (int)len, line);
			}
			line += strcspn(line, "\n");
			if (*line)
				line++;
		}
	}
	json_object_put(list);
	if (!msg && b.len > 16384)
		msg = "at most 16 KB of keys";
	if (!msg && b.len)
		*out = vh_pstrdup(pool, b.data);
	vh_buf_free(&b);
	return msg;
}

