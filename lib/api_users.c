#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "http.h"
#include "json.h"
#include "pool.h"
#include "users.h"
#include "validate.h"

enum vh_status api_page_limit(struct vh_req *req, long long def, long long max, long long *limit,
			      struct vh_err *err)
{
	const char *s;
	enum vh_status st;

	*limit = def;
	st = vh_req_query(req, "limit", &s, err);
	if (st != VH_OK)
		return st;
	if (s) {
		char *end;
		long long n;

		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno || end == s || *end || n < 1 || n > max)
			vh_err_field(err, "limit", "must be an integer between 1 and %lld", max);
		else
			*limit = n;
	}
	return VH_OK;
}

enum vh_status api_page_params(struct vh_req *req, long long def, long long max,
			       long long *limit, const char **cursor, struct vh_err *err)
{
	enum vh_status st;

	st = api_page_limit(req, def, max, limit, err);
	if (st != VH_OK)
		return st;
	st = vh_req_query(req, "cursor", cursor, err);
	if (st != VH_OK)
		return st;
	/* Cursors are the last id of the previous page. */
	if (*cursor && !vh_is_uuid(*cursor))
		vh_err_field(err, "cursor", "is not a cursor returned by this API");
	return vh_err_fields_done(err);
}

enum vh_status api_users_create(struct vh_req *req, struct vh_err *err)
{
	struct vh_user_input in = {0};
	struct vh_user u;
	json_object *body;
	enum vh_status st;

	st = vh_req_json(req, &body, err);
	if (st != VH_OK)
		return st;
	st = vh_validate(req->pool, body, vh_user_create_fields, &in, err);
	if (st != VH_OK)
		return st;
	/* Self-registration: a verified JWT whose subject has no user yet
	 * registers that subject as the user's external_auth_id. */
	if (req->who.role == VH_ROLE_USER)
		return vh_fail(err, VH_CONFLICT, "already_registered",
			       "the caller is already a registered user (GET /users/me)");
	if (req->who.role != VH_ROLE_ADMIN) {
		if (in.external_auth_id && strcmp(in.external_auth_id, req->who.subject) != 0) {
			vh_err_field(err, "external_auth_id", "must be the token's subject or absent");
			return vh_err_fields_done(err);
		}
		in.external_auth_id = req->who.subject;
	}
	st = vh_users_create(VH_APP(req)->db, req->pool, &in, &u, err);
	if (st != VH_OK)
		return st;
	vh_resp_header(req, "Location", vh_psprintf(req->pool, "/users/%s", u.id));
	vh_resp_json(req, 201, vh_json_own(req->pool, vh_user_json(&u)));
	return VH_OK;
}

enum vh_status api_users_list(struct vh_req *req, struct vh_err *err)
{
	struct vh_user *users;
	size_t n, i;
	int more;
	long long limit;
	const char *cursor;
	json_object *o, *items;
	enum vh_status st;

	st = api_page_params(req, 50, 200, &limit, &cursor, err);
	if (st != VH_OK)
		return st;
	st = vh_users_list(VH_APP(req)->db, req->pool, cursor, limit, &users, &n, &more, err);
	if (st != VH_OK)
		return st;
	o = vh_json_own(req->pool, json_object_new_object());
	items = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(items, vh_user_json(&users[i]));
	json_object_object_add(o, "items", items);
	vh_json_add_str(o, "next_cursor", more ? users[n - 1].id : NULL);
	vh_resp_json(req, 200, o);
	return VH_OK;
}

enum vh_status api_users_me(struct vh_req *req, struct vh_err *err)
{
	struct vh_user u;
	enum vh_status st;

	st = vh_users_get(VH_APP(req)->db, req->pool, req->who.user_id, &u, err);
	if (st != VH_OK)
		return st;
	vh_resp_json(req, 200, vh_json_own(req->pool, vh_user_json(&u)));
	return VH_OK;
}

enum vh_status api_users_get(struct vh_req *req, struct vh_err *err)
{
	struct vh_user u;
	enum vh_status st;

	st = vh_users_get(VH_APP(req)->db, req->pool, vh_req_param(req, "id"), &u, err);
	if (st != VH_OK)
		return st;
	vh_resp_json(req, 200, vh_json_own(req->pool, vh_user_json(&u)));
	return VH_OK;
}
