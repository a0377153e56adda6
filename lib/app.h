/* The API's per-process context, reached from handlers as req->ctx, and the
 * handlers themselves (one file per resource: api_health.c, api_users.c).
 * fcgi/vibehost-api.c holds only main() and the route table. */
#ifndef VH_APP_H
#define VH_APP_H

#include "err.h"

struct vh_db;
struct vh_req;

struct vh_app {
	struct vh_db *db;
};

#define VH_APP(req) ((struct vh_app *)(req)->ctx)

enum vh_status api_healthz(struct vh_req *req, struct vh_err *err);
enum vh_status api_healthz_ready(struct vh_req *req, struct vh_err *err);

enum vh_status api_users_create(struct vh_req *req, struct vh_err *err);
enum vh_status api_users_list(struct vh_req *req, struct vh_err *err);
enum vh_status api_users_get(struct vh_req *req, struct vh_err *err);
enum vh_status api_users_me(struct vh_req *req, struct vh_err *err);

enum vh_status api_metadata_allowed(struct vh_req *req, struct vh_err *err);

enum vh_status api_servers_create(struct vh_req *req, struct vh_err *err);
enum vh_status api_servers_get(struct vh_req *req, struct vh_err *err);
enum vh_status api_servers_of_user(struct vh_req *req, struct vh_err *err);
enum vh_status api_servers_events(struct vh_req *req, struct vh_err *err);
enum vh_status api_servers_power(struct vh_req *req, struct vh_err *err);
enum vh_status api_servers_extend(struct vh_req *req, struct vh_err *err);
enum vh_status api_servers_upgrade(struct vh_req *req, struct vh_err *err);
enum vh_status api_servers_password_reset(struct vh_req *req, struct vh_err *err);
enum vh_status api_servers_rebuild(struct vh_req *req, struct vh_err *err);
enum vh_status api_servers_retry(struct vh_req *req, struct vh_err *err);
enum vh_status api_servers_delete(struct vh_req *req, struct vh_err *err);
enum vh_status api_admin_servers(struct vh_req *req, struct vh_err *err);
enum vh_status api_jobs_get(struct vh_req *req, struct vh_err *err);
enum vh_status api_admin_jobs(struct vh_req *req, struct vh_err *err);
enum vh_status api_admin_reconcile(struct vh_req *req, struct vh_err *err);

enum vh_status api_notifications_list(struct vh_req *req, struct vh_err *err);

/* Shared by list routes: parse ?limit= (1..max, default def) and ?cursor=. */
/* limit alone (a field error when bad; the caller finishes the 422). */
enum vh_status api_page_limit(struct vh_req *req, long long def, long long max, long long *limit,
			      struct vh_err *err);
enum vh_status api_page_params(struct vh_req *req, long long def, long long max,
			       long long *limit, const char **cursor, struct vh_err *err);

#endif
