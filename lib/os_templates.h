/* OS templates (/admin/os-templates): name, PVE ostype, cloud-init user,
 * and the template vmid on each host that offers it. */
#ifndef VH_OS_TEMPLATES_H
#define VH_OS_TEMPLATES_H

#include <stddef.h>

#include <json-c/json.h>

#include "err.h"

struct vh_db;
struct vh_pool;
struct vh_req;
struct vh_rows;

/* Rows: name, os_type, default_user, description, "loc1,loc2" — the
 * templates some host offers (for /servers/metadata/allowed). */
enum vh_status vh_os_templates_offered(struct vh_db *db, struct vh_pool *pool, struct vh_rows *out,
				       struct vh_err *err);
json_object *vh_os_template_json(struct vh_db *db, struct vh_pool *pool, const struct vh_rows *r,
				 size_t row, struct vh_err *err);

enum vh_status api_os_templates_create(struct vh_req *req, struct vh_err *err);
enum vh_status api_os_templates_list(struct vh_req *req, struct vh_err *err);
enum vh_status api_os_templates_get(struct vh_req *req, struct vh_err *err);
enum vh_status api_os_templates_update(struct vh_req *req, struct vh_err *err);
enum vh_status api_os_templates_delete(struct vh_req *req, struct vh_err *err);

#endif
