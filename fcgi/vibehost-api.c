/* vibehost-api: the JSON API, one FastCGI process of several (spawn-fcgi +
 * multiwatch).  main() and the route table only; handlers live in lib/. */
#include "config.h"

#include <stdlib.h>

#include "app.h"
#include "auth.h"
#include "catalog.h"
#include "cfg.h"
#include "cli.h"
#include "db.h"
#include "serve.h"

static const struct vh_route routes[] = {
	{"GET", "/healthz", api_healthz, VH_AUTH_NONE},
	{"GET", "/healthz/ready", api_healthz_ready, VH_AUTH_NONE},
	{"POST", "/users", api_users_create, VH_AUTH_ADMIN},
	{"GET", "/users", api_users_list, VH_AUTH_ADMIN},
	{"GET", "/users/{id}", api_users_get, VH_AUTH_ADMIN},

	{"POST", "/admin/plans", api_resource_create, VH_AUTH_ADMIN, &vh_plans_resource},
	{"GET", "/admin/plans", api_resource_list, VH_AUTH_ADMIN, &vh_plans_resource},
	{"GET", "/admin/plans/{name}", api_resource_get, VH_AUTH_ADMIN, &vh_plans_resource},
	{"PUT", "/admin/plans/{name}", api_resource_update, VH_AUTH_ADMIN, &vh_plans_resource},
	{"DELETE", "/admin/plans/{name}", api_resource_delete, VH_AUTH_ADMIN, &vh_plans_resource},
	{"POST", "/admin/upgrades", api_resource_create, VH_AUTH_ADMIN, &vh_upgrades_resource},
	{"GET", "/admin/upgrades", api_resource_list, VH_AUTH_ADMIN, &vh_upgrades_resource},
	{"GET", "/admin/upgrades/{name}", api_resource_get, VH_AUTH_ADMIN, &vh_upgrades_resource},
	{"PUT", "/admin/upgrades/{name}", api_resource_update, VH_AUTH_ADMIN, &vh_upgrades_resource},
	{"DELETE", "/admin/upgrades/{name}", api_resource_delete, VH_AUTH_ADMIN, &vh_upgrades_resource},
	{NULL, NULL, NULL, VH_AUTH_NONE},
};

static const struct vh_cli cli = {
	.program = "vibehost-api",
	.program_mask = VH_PROG_API,
	.summary = "The vibehost JSON API as a FastCGI application.  It expects its listening\n"
		   "socket on file descriptor 0, as spawn-fcgi provides it, e.g.\n"
		   "  spawn-fcgi -n -s /run/vibehost/api.sock -- /usr/bin/multiwatch -f 4 -- vibehost-api\n"
		   "Logs are JSON lines on standard error.",
	.extra = NULL,
};

int main(int argc, char **argv)
{
	struct vh_app app;
	struct vh_serve_opts opts;
	int rc = vh_cli_start(&cli, argc, argv);

	if (rc >= 0)
		return rc;
	vh_auth_init(vh_cfg_str(CFG_ADMIN_API_KEY));
	app.db = vh_db_from_cfg();
	opts.routes = routes;
	opts.max_body = (size_t)vh_cfg_int(CFG_MAX_BODY_BYTES);
	opts.ctx = &app;
	rc = vh_serve(&opts);
	vh_db_free(app.db);
	vh_db_library_end();
	vh_cfg_reset();
	return rc;
}
