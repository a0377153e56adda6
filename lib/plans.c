/* Plans: what a customer can buy.  A plan pins a location and optionally a
 * Proxmox host (and node), a template and a storage; servers copy its specs
 * when they are ordered, so editing a plan never changes running servers. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "catalog.h"
#include "db.h"
#include "http.h"
#include "pool.h"

#define TS(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"
#define PLAN_COLS "name, vcpu, memory_mb, disk_gb, gpu_count, clone_mode, price, currency, " \
	"default_expire_days, location, proxmox_host_id, proxmox_node, template_vmid, "  \
	"disk_storage, description"
#define PLAN_SELECT "SELECT " PLAN_COLS ", " TS("retired_at") ", " TS("created_at") ", " \
	TS("updated_at") " FROM plans"

static const char sql_insert[] = "INSERT INTO plans (" PLAN_COLS ") "
				 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_get[] = PLAN_SELECT " WHERE name = ?";
static const char sql_list[] = PLAN_SELECT " ORDER BY name";
static const char sql_for_sale[] = PLAN_SELECT " WHERE retired_at IS NULL ORDER BY price, name";
static const char sql_update[] =
	"UPDATE plans SET vcpu = ?, memory_mb = ?, disk_gb = ?, gpu_count = ?, clone_mode = ?, "
	"price = ?, currency = ?, default_expire_days = ?, location = ?, proxmox_host_id = ?, "
	"proxmox_node = ?, template_vmid = ?, disk_storage = ?, description = ? WHERE name = ?";
static const char sql_delete[] = "DELETE FROM plans WHERE name = ?";
static const char sql_retire[] =
	"UPDATE plans SET retired_at = COALESCE(retired_at, UTC_TIMESTAMP(6)) WHERE name = ?";
static const char sql_host_location[] = "SELECT location FROM proxmox_hosts WHERE id = ?";

const char *vh_norm_currency(struct vh_pool *pool, const char *in, const char **out)
{
	(void)pool;
	if (strlen(in) != 3 || !isupper((unsigned char)in[0]) || !isupper((unsigned char)in[1]) ||
	    !isupper((unsigned char)in[2]))
		return "must be an ISO 4217 code such as KRW or USD";
	*out = in;
	return NULL;
}

/* PVE node names are host names: letters, digits and hyphens. */
const char *vh_norm_node(struct vh_pool *pool, const char *in, const char **out)
{
	const char *p;

	(void)pool;
	for (p = in; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return "must be a Proxmox node name (letters, digits, '-')";
	*out = in;
	return NULL;
}

static const char *norm_clone_mode(struct vh_pool *pool, const char *in, const char **out)
{
	(void)pool;
	if (strcmp(in, "full") && strcmp(in, "linked"))
		return "must be full or linked";
	*out = in;
	return NULL;
}

enum {
	P_NAME, P_VCPU, P_MEMORY, P_DISK, P_GPU, P_CLONE, P_PRICE, P_CURRENCY, P_EXPIRE,
	P_LOCATION, P_HOST, P_NODE, P_VMID, P_STORAGE, P_DESCRIPTION, P_RETIRED, P_CREATED,
	P_UPDATED, P__MAX
};

static const struct vh_col plan_cols[P__MAX] = {
	[P_NAME] = {"name", VH_COL_STR, true, 1, 64, vh_norm_slug},
	[P_VCPU] = {"vcpu", VH_COL_INT, true, 1, 512},
	[P_MEMORY] = {"memory_mb", VH_COL_INT, true, 256, 8388608},
	[P_DISK] = {"disk_gb", VH_COL_INT, true, 1, 131072},
	[P_GPU] = {"gpu_count", VH_COL_INT, false, 0, 16, NULL, "0"},
	[P_CLONE] = {"clone_mode", VH_COL_STR, false, 1, 16, norm_clone_mode, "full"},
	[P_PRICE] = {"price", VH_COL_DEC, true, 0, 999999999999LL},
	[P_CURRENCY] = {"currency", VH_COL_STR, false, 3, 3, vh_norm_currency, "KRW"},
	[P_EXPIRE] = {"default_expire_days", VH_COL_INT, true, 1, 3650},
	[P_LOCATION] = {"location", VH_COL_STR, true, 1, 64, vh_norm_slug},
	[P_HOST] = {"proxmox_host_id", VH_COL_STR, false, 1, 64, vh_norm_slug},
	[P_NODE] = {"proxmox_node", VH_COL_STR, false, 1, 64, vh_norm_node},
	[P_VMID] = {"template_vmid", VH_COL_INT, false, 100, 999999999},
	[P_STORAGE] = {"disk_storage", VH_COL_STR, false, 1, 64, vh_norm_slug},
	[P_DESCRIPTION] = {"description", VH_COL_STR, false, 0, 1000, NULL, NULL, false, true},
	[P_RETIRED] = {"retired_at", VH_COL_TIME, false, 0, 0, NULL, NULL, true},
	[P_CREATED] = {"created_at", VH_COL_TIME, false, 0, 0, NULL, NULL, true},
	[P_UPDATED] = {"updated_at", VH_COL_TIME, false, 0, 0, NULL, NULL, true},
};

/* A node pin needs its host, and a plan pinned to a host sells in that
 * host's location. */
static enum vh_status plan_check(struct vh_req *req, struct vh_value *v, struct vh_err *err)
{
	struct vh_rows r;
	struct vh_param p[1];
	enum vh_status st;

	if (v[P_NODE].s && !v[P_HOST].s)
		vh_err_field(err, "proxmox_node", "needs proxmox_host_id");
	if (v[P_HOST].s) {
		p[0] = VH_PSTR(v[P_HOST].s);
		st = vh_db_exec(VH_APP(req)->db, req->pool, sql_host_location, p, 1, VH_DB_IDEMPOTENT,
				&r, err);
		if (st != VH_OK)
			return st;
		if (r.nrows == 0)
			vh_err_field(err, "proxmox_host_id", "does not name a registered Proxmox host");
		else if (strcmp(vh_rows_get(&r, 0, 0), v[P_LOCATION].s) != 0)
			vh_err_field(err, "location", "must be the location of host %s (%s)", v[P_HOST].s,
				     vh_rows_get(&r, 0, 0));
	}
	return vh_err_fields_done(err);
}

enum vh_status vh_plans_for_sale(struct vh_db *db, struct vh_pool *pool, struct vh_rows *out,
				 struct vh_err *err)
{
	return vh_db_exec(db, pool, sql_for_sale, NULL, 0, VH_DB_IDEMPOTENT, out, err);
}

enum vh_status vh_plan_for_order(struct vh_db *db, struct vh_pool *pool, const char *name,
				 struct vh_plan_order *out, struct vh_err *err)
{
	struct vh_param p[1] = {VH_PSTR(name)};
	struct vh_rows r;
	enum vh_status st;

	st = vh_db_exec(db, pool, sql_get, p, 1, VH_DB_IDEMPOTENT, &r, err);
	if (st != VH_OK)
		return st;
	if (r.nrows == 0)
		return vh_fail(err, VH_NOTFOUND, "plan_not_found", "no such plan");
	/* Columns as PLAN_COLS, then retired_at. */
	out->name = vh_rows_get(&r, 0, 0);
	out->vcpu = atol(vh_rows_get(&r, 0, 1));
	out->memory_mb = atol(vh_rows_get(&r, 0, 2));
	out->disk_gb = atol(vh_rows_get(&r, 0, 3));
	out->gpu_count = atol(vh_rows_get(&r, 0, 4));
	out->default_expire_days = atol(vh_rows_get(&r, 0, 8));
	out->location = vh_rows_get(&r, 0, 9);
	out->host_id = vh_rows_get(&r, 0, 10);
	out->node = vh_rows_get(&r, 0, 11);
	out->disk_storage = vh_rows_get(&r, 0, 13);
	out->retired = vh_rows_get(&r, 0, 15) != NULL;
	return VH_OK;
}

const struct vh_resource vh_plans_resource = {
	.noun = "plan",
	.cols = plan_cols,
	.ncols = P__MAX,
	.sql_insert = sql_insert,
	.sql_get = sql_get,
	.sql_list = sql_list,
	.sql_update = sql_update,
	.sql_delete = sql_delete,
	.sql_retire = sql_retire,
	.check = plan_check,
	.fk_field = "proxmox_host_id",
	.fk_message = "does not name a registered Proxmox host",
};
