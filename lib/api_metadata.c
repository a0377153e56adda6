/* GET /servers/metadata/allowed: what a customer can order — plans for
 * sale, upgrade bundles, locations that have a host, OS templates.  It is
 * the front end's catalog, so it shows plan specs and prices but never
 * anything about how hosts are reached. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "catalog.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "os_templates.h"
#include "pool.h"
#include "resource.h"

/* Plan members a customer sees (no retirement or bookkeeping times). */
static const char *const plan_public[] = {
	"name", "location", "vcpu", "memory_mb", "disk_gb", "gpu_count", "proxmox_host_id",
	"proxmox_node", "template_vmid", "disk_storage", "clone_mode", "price", "currency",
	"default_expire_days", "description",
};

static json_object *public_plan(const struct vh_rows *r, size_t row)
{
	json_object *full = vh_resource_json(&vh_plans_resource, r, row), *o, *v;
	size_t i;

	o = json_object_new_object();
	for (i = 0; i < sizeof(plan_public) / sizeof(plan_public[0]); i++)
		if (json_object_object_get_ex(full, plan_public[i], &v))
			json_object_object_add(o, plan_public[i], json_object_get(v));
	json_object_put(full);
	return o;
}

enum vh_status api_metadata_allowed(struct vh_req *req, struct vh_err *err)
{
	struct vh_db *db = VH_APP(req)->db;
	struct vh_rows r;
	json_object *o = vh_json_own(req->pool, json_object_new_object());
	json_object *plans = json_object_new_array(), *upgrades = json_object_new_array();
	json_object *locations = json_object_new_array(), *templates = json_object_new_array();
	enum vh_status st;
	size_t i;

	json_object_object_add(o, "plans", plans);
	json_object_object_add(o, "locations", locations);
	json_object_object_add(o, "upgrades", upgrades);
	json_object_object_add(o, "os_templates", templates);

	if ((st = vh_plans_for_sale(db, req->pool, &r, err)) != VH_OK)
		return st;
	for (i = 0; i < r.nrows; i++)
		json_object_array_add(plans, public_plan(&r, i));
	if ((st = vh_db_exec(db, req->pool, vh_upgrades_resource.sql_list, NULL, 0, VH_DB_IDEMPOTENT,
			     &r, err)) != VH_OK)
		return st;
	for (i = 0; i < r.nrows; i++)
		json_object_array_add(upgrades, vh_resource_json(&vh_upgrades_resource, &r, i));
	if ((st = vh_hosts_locations(db, req->pool, locations, err)) != VH_OK)
		return st;
	if ((st = vh_os_templates_offered(db, req->pool, &r, err)) != VH_OK)
		return st;
	for (i = 0; i < r.nrows; i++) {
		json_object *t = json_object_new_object(), *locs = json_object_new_array();
		const char *l = vh_rows_get(&r, i, 4);

		vh_json_add_str(t, "name", vh_rows_get(&r, i, 0));
		vh_json_add_str(t, "os_type", vh_rows_get(&r, i, 1));
		vh_json_add_str(t, "default_user", vh_rows_get(&r, i, 2));
		vh_json_add_str(t, "description", vh_rows_get(&r, i, 3));
		while (l && *l) {
			size_t n = strcspn(l, ",");

			json_object_array_add(locs, json_object_new_string_len(l, (int)n));
			l += n + (l[n] == ',');
		}
		json_object_object_add(t, "locations", locs);
		json_object_array_add(templates, t);
	}
	vh_resp_json(req, 200, o);
	return VH_OK;
}
