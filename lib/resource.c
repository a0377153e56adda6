#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "pool.h"
#include "resource.h"

int vh_resource_col(const struct vh_resource *res, const char *name)
{
	size_t i;

	for (i = 0; i < res->ncols; i++)
		if (strcmp(res->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

json_object *vh_resource_json(const struct vh_resource *res, const struct vh_rows *rows, size_t row)
{
	json_object *o = json_object_new_object();
	size_t i;

	for (i = 0; i < res->ncols; i++) {
		const char *v = vh_rows_get(rows, row, i);

		if (v && res->cols[i].type == VH_COL_INT)
			vh_json_add_int(o, res->cols[i].name, atoll(v));
		else
			vh_json_add_str(o, res->cols[i].name, v);
	}
	return o;
}

/* Field declarations for vh_validate, made from the columns.  Values land
 * in a struct vh_value array, one per column. */
static struct vh_fdef *make_fdefs(struct vh_pool *pool, const struct vh_resource *res, bool create)
{
	struct vh_fdef *f = vh_palloc(pool, (res->ncols + 1) * sizeof(*f));
	size_t i, n = 0;

	for (i = 0; i < res->ncols; i++) {
		const struct vh_col *c = &res->cols[i];

		if (c->output_only || (!create && i == 0))
			continue;
		f[n].name = c->name;
		f[n].required = create && c->required;
		f[n].min = c->min;
		f[n].max = c->max;
		f[n].normalise = c->normalise;
		f[n].multiline = c->multiline;
		switch (c->type) {
		case VH_COL_INT:
			f[n].type = VH_F_INT;
			f[n].offset = i * sizeof(struct vh_value) + offsetof(struct vh_value, i);
			break;
		case VH_COL_DEC:
			f[n].type = VH_F_DECIMAL;
			f[n].offset = i * sizeof(struct vh_value) + offsetof(struct vh_value, s);
			break;
		default:
			f[n].type = VH_F_STRING;
			f[n].offset = i * sizeof(struct vh_value) + offsetof(struct vh_value, s);
			break;
		}
		n++;
	}
	return f;
}

/* Bind the writable columns; for an update the key goes last. */
static size_t make_params(const struct vh_resource *res, const struct vh_value *vals, bool update,
			  struct vh_param *p)
{
	size_t i, n = 0;

	for (i = update ? 1 : 0; i < res->ncols; i++) {
		if (res->cols[i].output_only)
			continue;
		if (res->cols[i].type == VH_COL_INT)
			p[n++] = vals[i].i.set ? VH_PINT(vals[i].i.v) : VH_PSTR(NULL);
		else
			p[n++] = VH_PSTR(vals[i].s);
	}
	if (update)
		p[n++] = VH_PSTR(vals[0].s);
	return n;
}

static enum vh_status map_write_error(const struct vh_resource *res, struct vh_req *req,
				      enum vh_status st, const char *code, struct vh_err *err)
{
	if (st == VH_CONFLICT && strcmp(err->code, "duplicate") == 0)
		return vh_fail(err, VH_CONFLICT, vh_psprintf(req->pool, "%s_exists", res->noun),
			       "a %s with this name already exists", res->noun);
	if (st == VH_INVALID && strcmp(err->code, "unknown_reference") == 0 && res->fk_field) {
		vh_err_clear(err);
		vh_err_field(err, res->fk_field, "%s", res->fk_message);
		return vh_err_fields_done(err);
	}
	(void)code;
	return st;
}

static enum vh_status fetch(struct vh_req *req, const struct vh_resource *res, const char *key,
			    struct vh_rows *r, struct vh_err *err)
{
	struct vh_param p[1] = {VH_PSTR(key)};
	enum vh_status st = vh_db_exec(VH_APP(req)->db, req->pool, res->sql_get, p, 1,
				       VH_DB_IDEMPOTENT, r, err);

	if (st != VH_OK)
		return st;
	if (r->nrows == 0)
		return vh_fail(err, VH_NOTFOUND, vh_psprintf(req->pool, "%s_not_found", res->noun),
			       "no such %s", res->noun);
	return VH_OK;
}

static enum vh_status respond_row(struct vh_req *req, const struct vh_resource *res,
				  const char *key, int status, struct vh_err *err)
{
	struct vh_rows r;
	enum vh_status st = fetch(req, res, key, &r, err);

	if (st != VH_OK)
		return st;
	vh_resp_json(req, status, vh_json_own(req->pool, vh_resource_json(res, &r, 0)));
	return VH_OK;
}

enum vh_status api_resource_create(struct vh_req *req, struct vh_err *err)
{
	const struct vh_resource *res = req->route_arg;
	struct vh_value *vals = vh_palloc(req->pool, res->ncols * sizeof(*vals));
	struct vh_param *p = vh_palloc(req->pool, res->ncols * sizeof(*p));
	json_object *body;
	enum vh_status st;
	size_t i, n;

	st = vh_req_json(req, &body, err);
	if (st != VH_OK)
		return st;
	st = vh_validate(req->pool, body, make_fdefs(req->pool, res, true), vals, err);
	if (st != VH_OK)
		return st;
	for (i = 0; i < res->ncols; i++) {
		const struct vh_col *c = &res->cols[i];

		if (!c->def || c->output_only)
			continue;
		if (c->type == VH_COL_INT && !vals[i].i.set) {
			vals[i].i.set = true;
			vals[i].i.v = atoll(c->def);
		} else if (c->type != VH_COL_INT && !vals[i].s) {
			vals[i].s = c->def;
		}
	}
	if (res->check && (st = res->check(req, vals, err)) != VH_OK)
		return st;
	n = make_params(res, vals, false, p);
	st = vh_db_exec(VH_APP(req)->db, req->pool, res->sql_insert, p, n, 0, NULL, err);
	if (st != VH_OK)
		return map_write_error(res, req, st, NULL, err);
	vh_resp_header(req, "Location", vh_psprintf(req->pool, "%s/%s", req->path, vals[0].s));
	return respond_row(req, res, vals[0].s, 201, err);
}

enum vh_status api_resource_list(struct vh_req *req, struct vh_err *err)
{
	const struct vh_resource *res = req->route_arg;
	struct vh_rows r;
	json_object *o, *items;
	enum vh_status st;
	size_t i;

	st = vh_db_exec(VH_APP(req)->db, req->pool, res->sql_list, NULL, 0, VH_DB_IDEMPOTENT, &r, err);
	if (st != VH_OK)
		return st;
	o = vh_json_own(req->pool, json_object_new_object());
	items = json_object_new_array();
	for (i = 0; i < r.nrows; i++)
		json_object_array_add(items, vh_resource_json(res, &r, i));
	json_object_object_add(o, "items", items);
	vh_resp_json(req, 200, o);
	return VH_OK;
}

enum vh_status api_resource_get(struct vh_req *req, struct vh_err *err)
{
	const struct vh_resource *res = req->route_arg;

	return respond_row(req, res, vh_req_param(req, res->cols[0].name), 200, err);
}

/* PUT is a partial update: the fields given replace the stored ones, JSON
 * null clears an optional field, the key (in the URL) never changes. */
enum vh_status api_resource_update(struct vh_req *req, struct vh_err *err)
{
	const struct vh_resource *res = req->route_arg;
	const char *key = vh_req_param(req, res->cols[0].name);
	struct vh_value *vals = vh_palloc(req->pool, res->ncols * sizeof(*vals));
	struct vh_value *given = vh_palloc(req->pool, res->ncols * sizeof(*given));
	struct vh_param *p = vh_palloc(req->pool, res->ncols * sizeof(*p));
	json_object *body;
	struct vh_rows r;
	enum vh_status st;
	size_t i, n;

	st = vh_req_json(req, &body, err);
	if (st != VH_OK)
		return st;
	st = vh_validate(req->pool, body, make_fdefs(req->pool, res, false), given, err);
	if (st != VH_OK)
		return st;
	st = fetch(req, res, key, &r, err);
	if (st != VH_OK)
		return st;
	for (i = 0; i < res->ncols; i++) {
		const struct vh_col *c = &res->cols[i];
		const char *stored = vh_rows_get(&r, 0, i);
		json_object *v;
		bool present = json_object_object_get_ex(body, c->name, &v);

		if (c->type == VH_COL_INT) {
			vals[i].i.set = stored != NULL;
			vals[i].i.v = stored ? atoll(stored) : 0;
			if (given[i].i.set)
				vals[i].i = given[i].i;
			else if (present && !v)
				vals[i].i.set = false;
		} else {
			vals[i].s = stored;
			if (given[i].s)
				vals[i].s = given[i].s;
			else if (present && !v)
				vals[i].s = NULL;
		}
		if (present && !v && i > 0 && c->required) {
			vh_err_field(err, c->name, "cannot be cleared");
		}
	}
	if ((st = vh_err_fields_done(err)) != VH_OK)
		return st;
	if (res->check && (st = res->check(req, vals, err)) != VH_OK)
		return st;
	n = make_params(res, vals, true, p);
	st = vh_db_exec(VH_APP(req)->db, req->pool, res->sql_update, p, n, 0, NULL, err);
	if (st != VH_OK)
		return map_write_error(res, req, st, NULL, err);
	return respond_row(req, res, key, 200, err);
}

/* DELETE removes the row; if other rows still refer to it, a resource that
 * can be retired is retired (200 with the row) unless ?hard=1 asked for a
 * real delete (409); others answer 409. */
enum vh_status api_resource_delete(struct vh_req *req, struct vh_err *err)
{
	const struct vh_resource *res = req->route_arg;
	const char *key = vh_req_param(req, res->cols[0].name), *hard;
	struct vh_param p[1] = {VH_PSTR(key)};
	struct vh_rows r, gone;
	enum vh_status st;

	st = vh_req_query(req, "hard", &hard, err);
	if (st != VH_OK)
		return st;
	st = fetch(req, res, key, &r, err);
	if (st != VH_OK)
		return st;
	st = vh_db_exec(VH_APP(req)->db, req->pool, res->sql_delete, p, 1, 0, &gone, err);
	if (st == VH_CONFLICT && strcmp(err->code, "in_use") == 0) {
		if (res->sql_retire && !(hard && strcmp(hard, "1") == 0)) {
			vh_err_clear(err);
			st = vh_db_exec(VH_APP(req)->db, req->pool, res->sql_retire, p, 1, 0, NULL, err);
			if (st != VH_OK)
				return st;
			return respond_row(req, res, key, 200, err);
		}
		return vh_fail(err, VH_CONFLICT, vh_psprintf(req->pool, "%s_in_use", res->noun),
			       "the %s is in use and cannot be deleted", res->noun);
	}
	if (st != VH_OK)
		return st;
	vh_resp_raw(req, 204, NULL, NULL, NULL, 0);
	return VH_OK;
}
