/* GET /admin/notifications: what the SMS outbox sent, is about to send, or
 * gave up on. */
#include "config.h"

#include "app.h"
#include "http.h"
#include "json.h"
#include "notify.h"
#include "pool.h"
#include "validate.h"

enum vh_status api_notifications_list(struct vh_req *req, struct vh_err *err)
{
	struct vh_notify_filter f = {0};
	struct vh_notification *items;
	enum vh_notice_kind kind;
	size_t n, i;
	int more;
	json_object *o, *arr;
	enum vh_status st;

	st = api_page_params(req, 50, 200, &f.limit, &f.cursor, err);
	if (st != VH_OK && st != VH_INVALID)
		return st;
	/* Every bad parameter is reported in one 422, so read them all. */
	if ((st = vh_req_query(req, "state", &f.state, err)) != VH_OK ||
	    (st = vh_req_query(req, "kind", &f.kind, err)) != VH_OK ||
	    (st = vh_req_query(req, "user", &f.user_id, err)) != VH_OK)
		return st;
	if (f.state && !vh_notify_state_valid(f.state))
		vh_err_field(err, "state", "must be pending, sending, sent or failed");
	if (f.kind && vh_notice_kind_parse(f.kind, &kind) < 0)
		vh_err_field(err, "kind", "must be server_ready, expiry_warning, "
			     "expired_stopped or password_reset");
	if (f.user_id && !vh_is_uuid(f.user_id))
		vh_err_field(err, "user", "is not a user id");
	st = vh_err_fields_done(err);
	if (st != VH_OK)
		return st;
	st = vh_notify_list(VH_APP(req)->db, req->pool, &f, &items, &n, &more, err);
	if (st != VH_OK)
		return st;
	o = vh_json_own(req->pool, json_object_new_object());
	arr = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(arr, vh_notification_json(&items[i]));
	json_object_object_add(o, "items", arr);
	vh_json_add_str(o, "next_cursor", more ? items[n - 1].id : NULL);
	vh_resp_json(req, 200, o);
	return VH_OK;
}
