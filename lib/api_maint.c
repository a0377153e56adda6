/* GET /admin/reconcile: what the newest vibehost-expiry pass found (or the
 * pass named by run_id): its summary and its reconciliation findings,
 * oldest first, keyset-paged by finding id. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "pool.h"

#define ISO(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"

static const char sql_run[] =
	"SELECT id, runner, " ISO("clock_at") ", " ISO("started_at") ", " ISO("finished_at") ", ok, "
	"summary FROM maintenance_runs WHERE finished_at IS NOT NULL AND (? IS NULL OR id = ?) "
	"ORDER BY id DESC LIMIT 1";
static const char sql_findings[] =
	"SELECT id, host_id, node, vmid, server_id, kind, detail, " ISO("at") " FROM reconcile_findings "
	"WHERE run_id = ? AND (? IS NULL OR kind = ?) AND id > ? ORDER BY id LIMIT ?";

static bool digits(const char *s)
{
	return s && *s && strspn(s, "0123456789") == strlen(s) && strlen(s) < 19;
}

enum vh_status api_admin_reconcile(struct vh_req *req, struct vh_err *err)
{
	struct vh_db *db = VH_APP(req)->db;
	const char *cursor = NULL, *run_id = NULL, *kind = NULL;
	long long limit;
	struct vh_rows r, f;
	json_object *o, *run = NULL, *arr, *sum = NULL;
	enum vh_status st;
	size_t i, n;

	/* Findings are numbered, so the cursor is a number, not a UUID. */
	if ((st = api_page_limit(req, 100, 1000, &limit, err)) != VH_OK ||
	    (st = vh_req_query(req, "cursor", &cursor, err)) != VH_OK ||
	    (st = vh_req_query(req, "run_id", &run_id, err)) != VH_OK ||
	    (st = vh_req_query(req, "kind", &kind, err)) != VH_OK)
		return st;
	if (run_id && !digits(run_id))
		vh_err_field(err, "run_id", "must be the id of a maintenance run");
	if (cursor && !digits(cursor))
		vh_err_field(err, "cursor", "must be a next_cursor from an earlier page");
	if (kind && !strstr(",orphan,orphan_destroyed,lost,drift,host_skipped,",
			    vh_psprintf(req->pool, ",%s,", kind)))
		vh_err_field(err, "kind", "must be orphan, orphan_destroyed, lost, drift or host_skipped");
	st = vh_err_fields_done(err);
	if (st != VH_OK)
		return st;
	{
		struct vh_param q[2] = {run_id ? VH_PINT(atoll(run_id)) : VH_PSTR(NULL),
					run_id ? VH_PINT(atoll(run_id)) : VH_PSTR(NULL)};

		st = vh_db_exec(db, req->pool, sql_run, q, 2, VH_DB_IDEMPOTENT, &r, err);
		if (st != VH_OK)
			return st;
	}
	if (r.nrows == 0 && run_id)
		return vh_fail(err, VH_NOTFOUND, "run_not_found", "no finished maintenance run %s", run_id);
	o = vh_json_own(req->pool, json_object_new_object());
	arr = json_object_new_array();
	json_object_object_add(o, "findings", arr);
	if (r.nrows == 0) {  /* no pass has run yet */
		json_object_object_add(o, "run", NULL);
		vh_json_add_str(o, "next_cursor", NULL);
		vh_resp_json(req, 200, o);
		return VH_OK;
	}
	run = json_object_new_object();
	vh_json_add_int(run, "id", atoll(vh_rows_get(&r, 0, 0)));
	vh_json_add_str(run, "runner", vh_rows_get(&r, 0, 1));
	vh_json_add_str(run, "clock", vh_rows_get(&r, 0, 2));
	vh_json_add_str(run, "started_at", vh_rows_get(&r, 0, 3));
	vh_json_add_str(run, "finished_at", vh_rows_get(&r, 0, 4));
	json_object_object_add(run, "ok", json_object_new_boolean(vh_rows_get(&r, 0, 5) &&
								   !strcmp(vh_rows_get(&r, 0, 5), "1")));
	if (vh_rows_get(&r, 0, 6))
		sum = json_tokener_parse(vh_rows_get(&r, 0, 6));
	json_object_object_add(run, "summary", sum);
	json_object_object_add(o, "run", run);
	{
		struct vh_param q[5] = {VH_PINT(atoll(vh_rows_get(&r, 0, 0))), VH_PSTR(kind), VH_PSTR(kind),
					VH_PINT(cursor ? atoll(cursor) : 0), VH_PINT(limit + 1)};

		st = vh_db_exec(db, req->pool, sql_findings, q, 5, VH_DB_IDEMPOTENT, &f, err);
		if (st != VH_OK)
			return st;
	}
	n = f.nrows > (size_t)limit ? (size_t)limit : f.nrows;
	for (i = 0; i < n; i++) {
		json_object *x = json_object_new_object();
		const char *vmid = vh_rows_get(&f, i, 3);

		vh_json_add_int(x, "id", atoll(vh_rows_get(&f, i, 0)));
		vh_json_add_str(x, "host_id", vh_rows_get(&f, i, 1));
		vh_json_add_str(x, "node", vh_rows_get(&f, i, 2));
		json_object_object_add(x, "vmid", vmid ? json_object_new_int64(atoll(vmid)) : NULL);
		vh_json_add_str(x, "server_id", vh_rows_get(&f, i, 4));
		vh_json_add_str(x, "kind", vh_rows_get(&f, i, 5));
		vh_json_add_str(x, "detail", vh_rows_get(&f, i, 6));
		vh_json_add_str(x, "at", vh_rows_get(&f, i, 7));
		json_object_array_add(arr, x);
	}
	vh_json_add_str(o, "next_cursor", f.nrows > (size_t)limit ? vh_rows_get(&f, n - 1, 0) : NULL);
	vh_resp_json(req, 200, o);
	return VH_OK;
}
