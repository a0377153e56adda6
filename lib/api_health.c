#include "config.h"

#include "app.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "pool.h"
#include "schema.h"

/* Liveness: answers without touching the database, so a database outage
 * never makes a supervisor restart healthy API processes. */
enum vh_status api_healthz(struct vh_req *req, struct vh_err *err)
{
	json_object *o = vh_json_own(req->pool, json_object_new_object());

	(void)err;
	vh_json_add_str(o, "status", "ok");
	vh_resp_json(req, 200, o);
	return VH_OK;
}

/* Readiness: the database answers and its schema is the one this build
 * was written for. */
enum vh_status api_healthz_ready(struct vh_req *req, struct vh_err *err)
{
	long long version;
	json_object *o;
	enum vh_status st;

	st = vh_schema_version(VH_APP(req)->db, req->pool, &version, err);
	if (st != VH_OK)
		return st;
	if (version != VH_SCHEMA_VERSION)
		return vh_fail(err, VH_UNAVAILABLE, "schema_not_current",
			       "database schema is at version %lld; this build needs %d "
			       "(run vibehost-migrate)",
			       version, VH_SCHEMA_VERSION);
	o = vh_json_own(req->pool, json_object_new_object());
	vh_json_add_str(o, "status", "ready");
	vh_json_add_str(o, "database", "ok");
	vh_json_add_int(o, "schema_version", version);
	vh_resp_json(req, 200, o);
	return VH_OK;
}
