/* OS templates: what a customer may install ("ubuntu-24.04"), with the
 * template VM that provides it on each Proxmox host.  The per-host vmids
 * live in os_template_vmids and are written in the same transaction as the
 * template, so a template is never half-registered. */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "catalog.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "os_templates.h"
#include "pool.h"
#include "validate.h"

#define TS(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"
#define OS_SELECT "SELECT name, os_type, default_user, description, " TS("created_at") ", " \
	TS("updated_at") " FROM os_templates"

static const char sql_insert[] =
	"INSERT INTO os_templates (name, os_type, default_user, description) VALUES (?, ?, ?, ?)";
static const char sql_get[] = OS_SELECT " WHERE name = ?";
static const char sql_list[] = OS_SELECT " ORDER BY name";
static const char sql_update[] =
	"UPDATE os_templates SET os_type = ?, default_user = ?, description = ? WHERE name = ?";
static const char sql_delete[] = "DELETE FROM os_templates WHERE name = ?";
static const char sql_vmids[] =
	"SELECT proxmox_host_id, template_vmid FROM os_template_vmids WHERE os_template = ? "
	"ORDER BY proxmox_host_id";
/* Templates offered on at least one host, with the hosts' locations. */
static const char sql_offered[] =
	"SELECT t.name, t.os_type, t.default_user, t.description, "
	"GROUP_CONCAT(DISTINCT h.location ORDER BY h.location SEPARATOR ',') "
	"FROM os_templates t JOIN os_template_vmids v ON v.os_template = t.name "
	"JOIN proxmox_hosts h ON h.id = v.proxmox_host_id GROUP BY t.name ORDER BY t.name";
static const char sql_offered_in[] =
	"SELECT 1 FROM os_template_vmids v JOIN proxmox_hosts h ON h.id = v.proxmox_host_id "
	"WHERE v.os_template = ? AND h.location = ? AND (? IS NULL OR h.id = ?) LIMIT 1";
static const char sql_vmids_clear[] = "DELETE FROM os_template_vmids WHERE os_template = ?";
static const char sql_vmid_add[] =
	"INSERT INTO os_template_vmids (os_template, proxmox_host_id, template_vmid) VALUES (?, ?, ?)";

struct os_input {
	const char *name, *os_type, *default_user, *description;
	json_object *vmids;
};

/* The guest OS types PVE accepts for `ostype`. */
static const char *const os_types[] = {
	"other", "wxp", "w2k", "w2k3", "w2k8", "wvista", "win7", "win8", "win10", "win11",
	"l24", "l26", "solaris",
};

static const char *norm_os_type(struct vh_pool *pool, const char *in, const char **out)
{
	size_t i;

	(void)pool;
	for (i = 0; i < sizeof(os_types) / sizeof(os_types[0]); i++)
		if (strcmp(in, os_types[i]) == 0) {
			*out = in;
			return NULL;
		}
	return "must be a Proxmox ostype: l26, l24, win11, win10, win8, win7, w2k8, other, ...";
}

/* A Linux user name cloud-init can create. */
static const char *norm_user(struct vh_pool *pool, const char *in, const char **out)
{
	const char *p;

	(void)pool;
	if (!(islower((unsigned char)in[0]) || in[0] == '_'))
		return "must start with a lower-case letter or '_'";
	for (p = in; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_' || *p == '-'))
			return "may contain only a-z, 0-9, '_' and '-'";
	*out = in;
	return NULL;
}

static const struct vh_fdef os_fields[] = {
	{"name", VH_F_STRING, true, 1, 64, offsetof(struct os_input, name), vh_norm_slug},
	{"os_type", VH_F_STRING, false, 1, 16, offsetof(struct os_input, os_type), norm_os_type},
	{"default_user", VH_F_STRING, true, 1, 32, offsetof(struct os_input, default_user), norm_user},
	{"description", VH_F_STRING, false, 0, 1000, offsetof(struct os_input, description), NULL, true},
	{"template_vmids", VH_F_OBJECT, false, 0, 64, offsetof(struct os_input, vmids)},
	{NULL},
};

/* {"<host id>": vmid, ...}: every key a slug, every value a vmid. */
static void check_vmids(struct vh_pool *pool, json_object *map, struct vh_err *err)
{
	const char *unused;

	if (!map)
		return;
	json_object_object_foreach(map, host, v)
	{
		long long n;

		if (vh_norm_slug(pool, host, &unused) || strlen(host) > 64) {
			vh_err_field(err, "template_vmids", "\"%.64s\" is not a host id", host);
			continue;
		}
		n = json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : 0;
		if (n < 100 || n > 999999999)
			vh_err_field(err, "template_vmids", "the vmid for %s must be an integer 100..999999999",
				     host);
	}
}

static enum vh_status write_vmids(struct vh_req *req, const char *name, json_object *map,
				  struct vh_err *err)
{
	struct vh_db *db = VH_APP(req)->db;
	struct vh_param p[3] = {VH_PSTR(name)};
	enum vh_status st;

	st = vh_db_exec(db, req->pool, sql_vmids_clear, p, 1, 0, NULL, err);
	if (st != VH_OK)
		return st;
	json_object_object_foreach(map, host, v)
	{
		p[1] = VH_PSTR(host);
		p[2] = VH_PINT(json_object_get_int64(v));
		st = vh_db_exec(db, req->pool, sql_vmid_add, p, 3, 0, NULL, err);
		if (st == VH_INVALID && strcmp(err->code, "unknown_reference") == 0) {
			vh_err_clear(err);
			vh_err_field(err, "template_vmids", "%s is not a registered Proxmox host", host);
			return vh_err_fields_done(err);
		}
		if (st != VH_OK)
			return st;
	}
	return VH_OK;
}

enum vh_status vh_os_templates_offered(struct vh_db *db, struct vh_pool *pool, struct vh_rows *out,
				       struct vh_err *err)
{
	return vh_db_exec(db, pool, sql_offered, NULL, 0, VH_DB_IDEMPOTENT, out, err);
}

json_object *vh_os_template_json(struct vh_db *db, struct vh_pool *pool, const struct vh_rows *r,
				 size_t row, struct vh_err *err)
{
	json_object *o = json_object_new_object(), *map = json_object_new_object();
	struct vh_rows v;
	struct vh_param p[1] = {VH_PSTR(vh_rows_get(r, row, 0))};
	size_t i;

	vh_json_add_str(o, "name", vh_rows_get(r, row, 0));
	vh_json_add_str(o, "os_type", vh_rows_get(r, row, 1));
	vh_json_add_str(o, "default_user", vh_rows_get(r, row, 2));
	vh_json_add_str(o, "description", vh_rows_get(r, row, 3));
	if (vh_db_exec(db, pool, sql_vmids, p, 1, VH_DB_IDEMPOTENT, &v, err) == VH_OK)
		for (i = 0; i < v.nrows; i++)
			vh_json_add_int(map, vh_rows_get(&v, i, 0), atoll(vh_rows_get(&v, i, 1)));
	json_object_object_add(o, "template_vmids", map);
	vh_json_add_str(o, "created_at", vh_rows_get(r, row, 4));
	vh_json_add_str(o, "updated_at", vh_rows_get(r, row, 5));
	return o;
}

static enum vh_status respond(struct vh_req *req, const char *name, int status, struct vh_err *err)
{
	struct vh_rows r;
	struct vh_param p[1] = {VH_PSTR(name)};
	enum vh_status st = vh_db_exec(VH_APP(req)->db, req->pool, sql_get, p, 1, VH_DB_IDEMPOTENT,
				       &r, err);

	if (st != VH_OK)
		return st;
	if (r.nrows == 0)
		return vh_fail(err, VH_NOTFOUND, "os_template_not_found", "no such OS template");
	vh_resp_json(req, status,
		     vh_json_own(req->pool, vh_os_template_json(VH_APP(req)->db, req->pool, &r, 0, err)));
	return VH_OK;
}

/* Template row and vmid map in one transaction. */
static enum vh_status save(struct vh_req *req, const char *sql, const struct os_input *in,
			   bool replace_vmids, struct vh_err *err)
{
	struct vh_db *db = VH_APP(req)->db;
	struct vh_param p[4];
	size_t n = 0;
	enum vh_status st;

	if (sql == sql_insert)
		p[n++] = VH_PSTR(in->name);
	p[n++] = VH_PSTR(in->os_type);
	p[n++] = VH_PSTR(in->default_user);
	p[n++] = VH_PSTR(in->description);
	if (sql == sql_update)
		p[n++] = VH_PSTR(in->name);
	if ((st = vh_db_begin(db, err)) != VH_OK)
		return st;
	st = vh_db_exec(db, req->pool, sql, p, n, 0, NULL, err);
	if (st == VH_CONFLICT && strcmp(err->code, "duplicate") == 0)
		st = vh_fail(err, VH_CONFLICT, "os_template_exists",
			     "an OS template with this name already exists");
	if (st == VH_OK && replace_vmids)
		st = write_vmids(req, in->name, in->vmids, err);
	if (st != VH_OK) {
		vh_db_rollback(db);
		return st;
	}
	return vh_db_commit(db, err);
}

enum vh_status api_os_templates_create(struct vh_req *req, struct vh_err *err)
{
	struct os_input in = {0};
	json_object *body;
	enum vh_status st;

	if ((st = vh_req_json(req, &body, err)) != VH_OK ||
	    (st = vh_validate(req->pool, body, os_fields, &in, err)) != VH_OK)
		return st;
	check_vmids(req->pool, in.vmids, err);
	if ((st = vh_err_fields_done(err)) != VH_OK)
		return st;
	if (!in.os_type)
		in.os_type = "l26";
	if (!in.vmids)
		in.vmids = vh_json_own(req->pool, json_object_new_object());
	if ((st = save(req, sql_insert, &in, true, err)) != VH_OK)
		return st;
	vh_resp_header(req, "Location", vh_psprintf(req->pool, "/admin/os-templates/%s", in.name));
	return respond(req, in.name, 201, err);
}

enum vh_status api_os_templates_list(struct vh_req *req, struct vh_err *err)
{
	struct vh_rows r;
	json_object *o, *items;
	enum vh_status st;
	size_t i;

	st = vh_db_exec(VH_APP(req)->db, req->pool, sql_list, NULL, 0, VH_DB_IDEMPOTENT, &r, err);
	if (st != VH_OK)
		return st;
	o = vh_json_own(req->pool, json_object_new_object());
	items = json_object_new_array();
	json_object_object_add(o, "items", items);
	for (i = 0; i < r.nrows; i++)
		json_object_array_add(items, vh_os_template_json(VH_APP(req)->db, req->pool, &r, i, err));
	vh_resp_json(req, 200, o);
	return VH_OK;
}

enum vh_status api_os_templates_get(struct vh_req *req, struct vh_err *err)
{
	return respond(req, vh_req_param(req, "name"), 200, err);
}

/* PUT: partial; template_vmids given replaces the whole map. */
enum vh_status api_os_templates_update(struct vh_req *req, struct vh_err *err)
{
	struct os_input in = {0};
	struct vh_rows r;
	struct vh_param p[1];
	json_object *body, *v;
	enum vh_status st;

	if ((st = vh_req_json(req, &body, err)) != VH_OK ||
	    (st = vh_validate_partial(req->pool, body, os_fields, &in, err)) != VH_OK)
		return st;
	if (in.name && strcmp(in.name, vh_req_param(req, "name")) != 0)
		vh_err_field(err, "name", "cannot be changed");
	check_vmids(req->pool, in.vmids, err);
	if ((st = vh_err_fields_done(err)) != VH_OK)
		return st;
	p[0] = VH_PSTR(vh_req_param(req, "name"));
	st = vh_db_exec(VH_APP(req)->db, req->pool, sql_get, p, 1, VH_DB_IDEMPOTENT, &r, err);
	if (st != VH_OK)
		return st;
	if (r.nrows == 0)
		return vh_fail(err, VH_NOTFOUND, "os_template_not_found", "no such OS template");
	in.name = vh_rows_get(&r, 0, 0);
	if (!in.os_type)
		in.os_type = vh_rows_get(&r, 0, 1);
	if (!in.default_user)
		in.default_user = vh_rows_get(&r, 0, 2);
	if (!in.description && !(json_object_object_get_ex(body, "description", &v) && !v))
		in.description = vh_rows_get(&r, 0, 3);
	if ((st = save(req, sql_update, &in, in.vmids != NULL, err)) != VH_OK)
		return st;
	return respond(req, in.name, 200, err);
}

enum vh_status api_os_templates_delete(struct vh_req *req, struct vh_err *err)
{
	struct vh_param p[1] = {VH_PSTR(vh_req_param(req, "name"))};
	struct vh_rows r;
	enum vh_status st;

	st = vh_db_exec(VH_APP(req)->db, req->pool, sql_delete, p, 1, 0, &r, err);
	if (st == VH_CONFLICT && strcmp(err->code, "in_use") == 0)
		return vh_fail(err, VH_CONFLICT, "os_template_in_use", "servers use this OS template");
	if (st != VH_OK)
		return st;
	if (r.affected == 0)
		return vh_fail(err, VH_NOTFOUND, "os_template_not_found", "no such OS template");
	vh_resp_raw(req, 204, NULL, NULL, NULL, 0);
	return VH_OK;
}

enum vh_status vh_os_template_offered(struct vh_db *db, struct vh_pool *pool, const char *name,
				      const char *location, const char *host_id, bool *offered,
				      struct vh_err *err)
{
	struct vh_param p[4] = {VH_PSTR(name), VH_PSTR(location), VH_PSTR(host_id), VH_PSTR(host_id)};
	struct vh_rows r;
	enum vh_status st;

	st = vh_db_exec(db, pool, sql_offered_in, p, 4, VH_DB_IDEMPOTENT, &r, err);
	if (st == VH_OK)
		*offered = r.nrows > 0;
	return st;
}
