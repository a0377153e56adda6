#include "config.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cfg.h"
#include "db.h"
#include "http.h"
#include "ippool.h"
#include "json.h"
#include "pool.h"
#include "uuid.h"
#include "validate.h"

/* ---- IPv4 ------------------------------------------------------------ */

bool vh_ipv4_parse(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

void vh_ipv4_format(uint32_t a, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

const char *vh_cidr_parse(const char *s, uint32_t *network, int *prefix_len)
{
	const char *slash = strchr(s, '/');
	char addr[16];
	char *end;
	long n;
	uint32_t a;

	if (!slash || slash - s >= (long)sizeof(addr))
		return "must be a network in CIDR form, e.g. 203.0.113.0/24";
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	n = strtol(slash + 1, &end, 10);
	if (!vh_ipv4_parse(addr, &a) || *end || end == slash + 1)
		return "must be a network in CIDR form, e.g. 203.0.113.0/24";
	if (n < 8 || n > 30)
		return "prefix length must be 8 to 30";
	if (a & (0xffffffffu >> n))
		return "must be the network address (host bits zero)";
	*network = a;
	*prefix_len = (int)n;
	return NULL;
}

/* ---- allocation ----------------------------------------------------- */

static const char sql_held[] =
	"SELECT a.address, p.prefix_len, p.gateway, p.dns, p.id FROM ip_addresses a "
	"JOIN ip_pools p ON p.id = a.pool_id WHERE a.server_id = ?";
/* Locking every pool of the location serialises allocations there: two
 * orders never compute the same "lowest free" address. */
static const char sql_pools_lock[] =
	"SELECT id, prefix_len, gateway, range_start, range_end, dns FROM ip_pools "
	"WHERE location = ? ORDER BY name FOR UPDATE";
static const char sql_used[] =
	"SELECT address FROM ip_addresses WHERE pool_id = ? ORDER BY address";
static const char sql_take[] =
	"INSERT INTO ip_addresses (address, pool_id, state, server_id) VALUES (?, ?, 'allocated', ?)";
static const char sql_reuse[] =
	"UPDATE ip_addresses SET state = 'allocated', server_id = ?, allocated_at = UTC_TIMESTAMP(6), "
	"released_at = NULL, quarantine_until = NULL WHERE pool_id = ? AND state = 'quarantined' "
	"AND quarantine_until <= UTC_TIMESTAMP(6) ORDER BY address LIMIT 1";
static const char sql_release[] =
	"UPDATE ip_addresses SET state = 'quarantined', server_id = NULL, "
	"released_at = UTC_TIMESTAMP(6), quarantine_until = UTC_TIMESTAMP(6) + INTERVAL ? SECOND "
	"WHERE server_id = ?";

static void fill_lease(struct vh_pool *pool, uint32_t addr, const char *prefix, const char *gw,
		       const char *dns, const char *pool_id, struct vh_ip_lease *out)
{
	char a[16];

	vh_ipv4_format(addr, a);
	out->address = vh_pstrdup(pool, a);
	out->prefix_len = atoi(prefix);
	vh_ipv4_format((uint32_t)strtoul(gw, NULL, 10), a);
	out->gateway = vh_pstrdup(pool, a);
	out->dns = dns;
	out->pool_id = pool_id;
}

/* The lowest address of [start, end] that is neither used nor the gateway;
 * used is sorted.  0 when there is none (0.0.0.0 is never in a pool). */
static uint32_t lowest_fresh(uint32_t start, uint32_t end, uint32_t gw, const struct vh_rows *used)
{
	uint64_t a = start;
	size_t i = 0;

	for (; a <= end; a++) {
		while (i < used->nrows && strtoull(vh_rows_get(used, i, 0), NULL, 10) < a)
			i++;
		if (i < used->nrows && strtoull(vh_rows_get(used, i, 0), NULL, 10) == a)
			continue;
		if (a != gw)
			return (uint32_t)a;
	}
	return 0;
}

static enum vh_status try_allocate(struct vh_db *db, struct vh_pool *pool, const char *location,
				   const char *server_id, struct vh_ip_lease *out, struct vh_err *err)
{
	struct vh_rows held, pools, used, r;
	struct vh_param p[3];
	enum vh_status st;
	size_t i;

	p[0] = VH_PSTR(server_id);
	st = vh_db_exec(db, pool, sql_held, p, 1, 0, &held, err);
	if (st != VH_OK)
		return st;
	if (held.nrows) {
		fill_lease(pool, (uint32_t)strtoul(vh_rows_get(&held, 0, 0), NULL, 10),
			   vh_rows_get(&held, 0, 1), vh_rows_get(&held, 0, 2), vh_rows_get(&held, 0, 3),
			   vh_rows_get(&held, 0, 4), out);
		return VH_OK;
	}
	p[0] = VH_PSTR(location);
	st = vh_db_exec(db, pool, sql_pools_lock, p, 1, 0, &pools, err);
	if (st != VH_OK)
		return st;
	if (pools.nrows == 0)
		return vh_fail(err, VH_NOTFOUND, "no_ip_pool", "location %s has no IP pool", location);
	for (i = 0; i < pools.nrows; i++) {
		const char *id = vh_rows_get(&pools, i, 0);
		uint32_t gw = (uint32_t)strtoul(vh_rows_get(&pools, i, 2), NULL, 10);
		uint32_t start = (uint32_t)strtoul(vh_rows_get(&pools, i, 3), NULL, 10);
		uint32_t end = (uint32_t)strtoul(vh_rows_get(&pools, i, 4), NULL, 10);
		uint32_t a;

		p[0] = VH_PSTR(id);
		if ((st = vh_db_exec(db, pool, sql_used, p, 1, 0, &used, err)) != VH_OK)
			return st;
		a = lowest_fresh(start, end, gw, &used);
		if (a) {
			p[0] = VH_PINT(a);
			p[1] = VH_PSTR(id);
			p[2] = VH_PSTR(server_id);
			if ((st = vh_db_exec(db, pool, sql_take, p, 3, 0, NULL, err)) != VH_OK)
				return st;
			fill_lease(pool, a, vh_rows_get(&pools, i, 1), vh_rows_get(&pools, i, 2),
				   vh_rows_get(&pools, i, 5), id, out);
			return VH_OK;
		}
		p[0] = VH_PSTR(server_id);
		p[1] = VH_PSTR(id);
		if ((st = vh_db_exec(db, pool, sql_reuse, p, 2, 0, &r, err)) != VH_OK)
			return st;
		if (r.affected == 1) {
			p[0] = VH_PSTR(server_id);
			if ((st = vh_db_exec(db, pool, sql_held, p, 1, 0, &held, err)) != VH_OK)
				return st;
			fill_lease(pool, (uint32_t)strtoul(vh_rows_get(&held, 0, 0), NULL, 10),
				   vh_rows_get(&held, 0, 1), vh_rows_get(&held, 0, 2),
				   vh_rows_get(&held, 0, 3), vh_rows_get(&held, 0, 4), out);
			return VH_OK;
		}
	}
	return vh_fail(err, VH_CONFLICT, "ip_pool_exhausted",
		       "every address of location %s is in use or in quarantine", location);
}

enum vh_status vh_ip_allocate(struct vh_db *db, struct vh_pool *pool, const char *location,
			      const char *server_id, struct vh_ip_lease *out, struct vh_err *err)
{
	enum vh_status st;
	int tries;

	/* A deadlock or a duplicate from a race is retried: the transaction
	 * starts over and sees the winner's row. */
	for (tries = 0; tries < 3; tries++) {
		if ((st = vh_db_begin(db, err)) != VH_OK)
			return st;
		st = try_allocate(db, pool, location, server_id, out, err);
		if (st == VH_OK && (st = vh_db_commit(db, err)) == VH_OK)
			return VH_OK;
		vh_db_rollback(db);
		if (st != VH_TRANSIENT && !(st == VH_CONFLICT && strcmp(err->code, "duplicate") == 0))
			return st;
		vh_err_clear(err);
	}
	return vh_fail(err, VH_TRANSIENT, "db_busy", "could not allocate an address; retry");
}

enum vh_status vh_ip_release(struct vh_db *db, struct vh_pool *pool, const char *server_id,
			     struct vh_err *err)
{
	struct vh_param p[2] = {VH_PINT(vh_cfg_int(CFG_IP_QUARANTINE_SECONDS)), VH_PSTR(server_id)};

	return vh_db_exec(db, pool, sql_release, p, 2, 0, NULL, err);
}

/* ---- /admin/ip-pools ----------------------------------------------------- */

#define TS(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"
/* Totals: "quarantined" counts addresses still resting; an address whose
 * quarantine is over is free again. */
#define POOL_SELECT                                                                               \
	"SELECT p.id, p.name, p.location, p.network, p.prefix_len, p.gateway, p.range_start, "   \
	"p.range_end, p.dns, p.ipv6_prefix, " TS("p.created_at") ", " TS("p.updated_at") ", "    \
	"(SELECT COUNT(*) FROM ip_addresses a WHERE a.pool_id = p.id AND a.state = 'allocated'), " \
	"(SELECT COUNT(*) FROM ip_addresses a WHERE a.pool_id = p.id AND a.state = 'quarantined' " \
	"AND a.quarantine_until > UTC_TIMESTAMP(6)) FROM ip_pools p"

static const char sql_pool_insert[] =
	"INSERT INTO ip_pools (id, name, location, network, prefix_len, gateway, range_start, "
	"range_end, dns, ipv6_prefix) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_pool_get[] = POOL_SELECT " WHERE p.id = ?";
static const char sql_pool_list[] = POOL_SELECT " ORDER BY p.location, p.name";
static const char sql_pool_update[] =
	"UPDATE ip_pools SET name = ?, location = ?, gateway = ?, range_start = ?, range_end = ?, "
	"dns = ?, ipv6_prefix = ? WHERE id = ?";
static const char sql_pool_overlap[] =
	"SELECT name FROM ip_pools WHERE range_start <= ? AND range_end >= ? AND id <> ? LIMIT 1";
static const char sql_pool_outside[] =
	"SELECT COUNT(*) FROM ip_addresses WHERE pool_id = ? AND (address < ? OR address > ?) "
	"AND (state = 'allocated' OR quarantine_until > UTC_TIMESTAMP(6))";
static const char sql_pool_allocated[] =
	"SELECT COUNT(*) FROM ip_addresses WHERE pool_id = ? AND state = 'allocated' FOR UPDATE";
static const char sql_pool_forget[] = "DELETE FROM ip_addresses WHERE pool_id = ?";
static const char sql_pool_delete[] = "DELETE FROM ip_pools WHERE id = ?";

struct pool_input {
	const char *name, *location, *cidr, *gateway, *range_start, *range_end, *dns, *ipv6_prefix;
};

static const char *norm_ipv4(struct vh_pool *pool, const char *in, const char **out)
{
	uint32_t a;

	(void)pool;
	if (!vh_ipv4_parse(in, &a))
		return "must be an IPv4 address such as 203.0.113.1";
	*out = in;
	return NULL;
}

static const char *norm_dns(struct vh_pool *pool, const char *in, const char **out)
{
	char *copy = vh_pstrdup(pool, in), *save = NULL, *tok;
	int n = 0;
	uint32_t a;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (!vh_ipv4_parse(tok, &a) || ++n > 4)
			return "must be up to 4 IPv4 addresses separated by commas";
	}
	if (n == 0)
		return "must be up to 4 IPv4 addresses separated by commas";
	*out = in;
	return NULL;
}

static const char *norm_v6prefix(struct vh_pool *pool, const char *in, const char **out)
{
	const char *slash = strchr(in, '/');
	char addr[64];
	unsigned char buf[16];
	char *end;
	long n;

	(void)pool;
	if (!slash || slash - in >= (long)sizeof(addr))
		return "must be an IPv6 prefix such as 2001:db8:100::/48";
	memcpy(addr, in, (size_t)(slash - in));
	addr[slash - in] = '\0';
	n = strtol(slash + 1, &end, 10);
	if (inet_pton(AF_INET6, addr, buf) != 1 || *end || n < 8 || n > 128)
		return "must be an IPv6 prefix such as 2001:db8:100::/48";
	*out = in;
	return NULL;
}

static const char *norm_cidr(struct vh_pool *pool, const char *in, const char **out)
{
	uint32_t net;
	int len;
	const char *msg = vh_cidr_parse(in, &net, &len);

	(void)pool;
	if (!msg)
		*out = in;
	return msg;
}

#define PF(name, req, max, field, norm) \
	{name, VH_F_STRING, req, 1, max, offsetof(struct pool_input, field), norm}

static const struct vh_fdef pool_fields[] = {
	PF("name", true, 64, name, vh_norm_slug),
	PF("location", true, 64, location, vh_norm_slug),
	PF("cidr", true, 18, cidr, norm_cidr),
	PF("gateway", true, 15, gateway, norm_ipv4),
	PF("range_start", true, 15, range_start, norm_ipv4),
	PF("range_end", true, 15, range_end, norm_ipv4),
	PF("dns", false, 255, dns, norm_dns),
	PF("ipv6_prefix", false, 64, ipv6_prefix, norm_v6prefix),
	{NULL},
};

struct pool_nums {
	uint32_t net, gw, start, end;
	int len;
};

/* Cross-field rules: gateway and range inside the network, neither the
 * network nor the broadcast address, start <= end. */
static void check_pool(const struct pool_input *in, struct pool_nums *n, struct vh_err *err)
{
	uint32_t bcast;

	vh_cidr_parse(in->cidr, &n->net, &n->len);
	bcast = vh_ipv4_broadcast(n->net, n->len);
	vh_ipv4_parse(in->gateway, &n->gw);
	vh_ipv4_parse(in->range_start, &n->start);
	vh_ipv4_parse(in->range_end, &n->end);
	if (n->gw <= n->net || n->gw >= bcast)
		vh_err_field(err, "gateway", "must be a host address inside %s", in->cidr);
	if (n->start <= n->net || n->start >= bcast)
		vh_err_field(err, "range_start", "must be a host address inside %s", in->cidr);
	if (n->end <= n->net || n->end >= bcast)
		vh_err_field(err, "range_end", "must be a host address inside %s", in->cidr);
	if (n->start > n->end)
		vh_err_field(err, "range_end", "must not be below range_start");
	else if (n->end - n->start + 1 - (n->gw >= n->start && n->gw <= n->end) == 0)
		vh_err_field(err, "range_end", "the range holds no address but the gateway");
}

static json_object *pool_json(const struct vh_rows *r, size_t i)
{
	json_object *o = json_object_new_object();
	char a[16], cidr[24];
	uint32_t gw = (uint32_t)strtoul(vh_rows_get(r, i, 5), NULL, 10);
	uint32_t start = (uint32_t)strtoul(vh_rows_get(r, i, 6), NULL, 10);
	uint32_t end = (uint32_t)strtoul(vh_rows_get(r, i, 7), NULL, 10);
	long long size = (long long)end - start + 1 - (gw >= start && gw <= end);
	long long alloc = atoll(vh_rows_get(r, i, 12)), quar = atoll(vh_rows_get(r, i, 13));

	vh_json_add_str(o, "id", vh_rows_get(r, i, 0));
	vh_json_add_str(o, "name", vh_rows_get(r, i, 1));
	vh_json_add_str(o, "location", vh_rows_get(r, i, 2));
	vh_ipv4_format((uint32_t)strtoul(vh_rows_get(r, i, 3), NULL, 10), a);
	snprintf(cidr, sizeof(cidr), "%s/%s", a, vh_rows_get(r, i, 4));
	vh_json_add_str(o, "cidr", cidr);
	vh_ipv4_format(gw, a);
	vh_json_add_str(o, "gateway", a);
	vh_ipv4_format(start, a);
	vh_json_add_str(o, "range_start", a);
	vh_ipv4_format(end, a);
	vh_json_add_str(o, "range_end", a);
	vh_json_add_str(o, "dns", vh_rows_get(r, i, 8));
	vh_json_add_str(o, "ipv6_prefix", vh_rows_get(r, i, 9));
	vh_json_add_int(o, "size", size);
	vh_json_add_int(o, "allocated", alloc);
	vh_json_add_int(o, "quarantined", quar);
	vh_json_add_int(o, "free", size - alloc - quar);
	vh_json_add_str(o, "created_at", vh_rows_get(r, i, 10));
	vh_json_add_str(o, "updated_at", vh_rows_get(r, i, 11));
	return o;
}

static enum vh_status pool_fetch(struct vh_req *req, const char *id, struct vh_rows *r,
				 struct vh_err *err)
{
	struct vh_param p[1] = {VH_PSTR(id)};
	enum vh_status st;

	if (!vh_is_uuid(id))
		return vh_fail(err, VH_NOTFOUND, "ip_pool_not_found", "no such IP pool");
	st = vh_db_exec(VH_APP(req)->db, req->pool, sql_pool_get, p, 1, VH_DB_IDEMPOTENT, r, err);
	if (st == VH_OK && r->nrows == 0)
		return vh_fail(err, VH_NOTFOUND, "ip_pool_not_found", "no such IP pool");
	return st;
}

static enum vh_status pool_respond(struct vh_req *req, const char *id, int status,
				   struct vh_err *err)
{
	struct vh_rows r;
	enum vh_status st = pool_fetch(req, id, &r, err);

	if (st != VH_OK)
		return st;
	vh_resp_json(req, status, vh_json_own(req->pool, pool_json(&r, 0)));
	return VH_OK;
}

/* Write a pool: its range must not overlap another pool's (an address
 * belongs to one pool), checked and written in one transaction. */
static enum vh_status pool_write(struct vh_req *req, const char *id, bool create,
				 const struct pool_input *in, const struct pool_nums *n,
				 struct vh_err *err)
{
	struct vh_db *db = VH_APP(req)->db;
	struct vh_param p[10];
	struct vh_rows r;
	enum vh_status st;

	if ((st = vh_db_begin(db, err)) != VH_OK)
		return st;
	p[0] = VH_PINT(n->end);
	p[1] = VH_PINT(n->start);
	p[2] = VH_PSTR(id);
	st = vh_db_exec(db, req->pool, sql_pool_overlap, p, 3, 0, &r, err);
	if (st == VH_OK && r.nrows)
		st = vh_fail(err, VH_CONFLICT, "ip_pool_overlap",
			     "the range overlaps pool %s", vh_rows_get(&r, 0, 0));
	if (st == VH_OK && !create) {
		p[0] = VH_PSTR(id);
		p[1] = VH_PINT(n->start);
		p[2] = VH_PINT(n->end);
		st = vh_db_exec(db, req->pool, sql_pool_outside, p, 3, 0, &r, err);
		if (st == VH_OK && atoll(vh_rows_get(&r, 0, 0)) > 0)
			st = vh_fail(err, VH_CONFLICT, "ip_pool_in_use",
				     "addresses outside the new range are allocated or quarantined");
	}
	if (st == VH_OK) {
		size_t k = 0;

		if (create) {
			p[k++] = VH_PSTR(id);
			p[k++] = VH_PSTR(in->name);
			p[k++] = VH_PSTR(in->location);
			p[k++] = VH_PINT(n->net);
			p[k++] = VH_PINT(n->len);
		} else {
			p[k++] = VH_PSTR(in->name);
			p[k++] = VH_PSTR(in->location);
		}
		p[k++] = VH_PINT(n->gw);
		p[k++] = VH_PINT(n->start);
		p[k++] = VH_PINT(n->end);
		p[k++] = VH_PSTR(in->dns);
		p[k++] = VH_PSTR(in->ipv6_prefix);
		if (!create)
			p[k++] = VH_PSTR(id);
		st = vh_db_exec(db, req->pool, create ? sql_pool_insert : sql_pool_update, p, k, 0,
				NULL, err);
		if (st == VH_CONFLICT && strcmp(err->code, "duplicate") == 0)
			st = vh_fail(err, VH_CONFLICT, "ip_pool_exists",
				     "an IP pool with this name already exists");
	}
	if (st != VH_OK) {
		vh_db_rollback(db);
		return st;
	}
	return vh_db_commit(db, err);
}

enum vh_status api_ip_pools_create(struct vh_req *req, struct vh_err *err)
{
	struct pool_input in = {0};
	struct pool_nums n;
	json_object *body;
	char id[VH_UUID_LEN + 1];
	enum vh_status st;

	if ((st = vh_req_json(req, &body, err)) != VH_OK ||
	    (st = vh_validate(req->pool, body, pool_fields, &in, err)) != VH_OK)
		return st;
	check_pool(&in, &n, err);
	if ((st = vh_err_fields_done(err)) != VH_OK)
		return st;
	vh_uuid_v7(id);
	if ((st = pool_write(req, id, true, &in, &n, err)) != VH_OK)
		return st;
	vh_resp_header(req, "Location", vh_psprintf(req->pool, "/admin/ip-pools/%s", id));
	return pool_respond(req, id, 201, err);
}

enum vh_status api_ip_pools_list(struct vh_req *req, struct vh_err *err)
{
	struct vh_rows r;
	json_object *o, *items;
	enum vh_status st;
	size_t i;

	st = vh_db_exec(VH_APP(req)->db, req->pool, sql_pool_list, NULL, 0, VH_DB_IDEMPOTENT, &r, err);
	if (st != VH_OK)
		return st;
	o = vh_json_own(req->pool, json_object_new_object());
	items = json_object_new_array();
	json_object_object_add(o, "items", items);
	for (i = 0; i < r.nrows; i++)
		json_object_array_add(items, pool_json(&r, i));
	vh_resp_json(req, 200, o);
	return VH_OK;
}

enum vh_status api_ip_pools_get(struct vh_req *req, struct vh_err *err)
{
	return pool_respond(req, vh_req_param(req, "id"), 200, err);
}

/* PUT: partial.  The network (cidr) is fixed once addresses may exist in
 * it; name, location, gateway, range, dns and the IPv6 prefix can change,
 * but the range never shrinks past an address in use. */
enum vh_status api_ip_pools_update(struct vh_req *req, struct vh_err *err)
{
	const char *id = vh_req_param(req, "id");
	struct pool_input in = {0};
	struct pool_nums n;
	struct vh_rows r;
	json_object *body, *cur, *v;
	enum vh_status st;

	if ((st = vh_req_json(req, &body, err)) != VH_OK ||
	    (st = vh_validate_partial(req->pool, body, pool_fields, &in, err)) != VH_OK)
		return st;
	if ((st = pool_fetch(req, id, &r, err)) != VH_OK)
		return st;
	cur = vh_json_own(req->pool, pool_json(&r, 0));
	if (in.cidr && strcmp(in.cidr, json_object_get_string(json_object_object_get(cur, "cidr"))))
		vh_err_field(err, "cidr", "cannot be changed; create another pool");
	if ((st = vh_err_fields_done(err)) != VH_OK)
		return st;
#define KEEP(f) \
	if (!in.f && !(json_object_object_get_ex(body, #f, &v) && !v)) \
		in.f = json_object_get_string(json_object_object_get(cur, #f))
	KEEP(name);
	KEEP(location);
	KEEP(cidr);
	KEEP(gateway);
	KEEP(range_start);
	KEEP(range_end);
	KEEP(dns);
	KEEP(ipv6_prefix);
#undef KEEP
	if (!in.name || !in.location || !in.gateway || !in.range_start || !in.range_end) {
		vh_err_field(err, "name", "name, location, gateway and the range cannot be cleared");
		return vh_err_fields_done(err);
	}
	in.name = vh_pstrdup(req->pool, in.name);
	check_pool(&in, &n, err);
	if ((st = vh_err_fields_done(err)) != VH_OK)
		return st;
	if ((st = pool_write(req, id, false, &in, &n, err)) != VH_OK)
		return st;
	return pool_respond(req, id, 200, err);
}

/* A pool with allocated addresses stays; its quarantined history goes
 * with it. */
enum vh_status api_ip_pools_delete(struct vh_req *req, struct vh_err *err)
{
	const char *id = vh_req_param(req, "id");
	struct vh_db *db = VH_APP(req)->db;
	struct vh_param p[1] = {VH_PSTR(id)};
	struct vh_rows r;
	enum vh_status st;

	if ((st = pool_fetch(req, id, &r, err)) != VH_OK)
		return st;
	if ((st = vh_db_begin(db, err)) != VH_OK)
		return st;
	st = vh_db_exec(db, req->pool, sql_pool_allocated, p, 1, 0, &r, err);
	if (st == VH_OK && atoll(vh_rows_get(&r, 0, 0)) > 0)
		st = vh_fail(err, VH_CONFLICT, "ip_pool_in_use", "the pool has allocated addresses");
	if (st == VH_OK)
		st = vh_db_exec(db, req->pool, sql_pool_forget, p, 1, 0, NULL, err);
	if (st == VH_OK)
		st = vh_db_exec(db, req->pool, sql_pool_delete, p, 1, 0, NULL, err);
	if (st != VH_OK) {
		vh_db_rollback(db);
		return st;
	}
	if ((st = vh_db_commit(db, err)) != VH_OK)
		return st;
	vh_resp_raw(req, 204, NULL, NULL, NULL, 0);
	return VH_OK;
}
