/* vibehost-api: the JSON API, one FastCGI process of several (spawn-fcgi +
 * multiwatch).  main() and the route table only; handlers live in lib/. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "catalog.h"
#include "cfg.h"
#include "cli.h"
#include "db.h"
#include "hosts.h"
#include "ippool.h"
#include "os_templates.h"
#include "jwtauth.h"
#include "secret.h"
#include "serve.h"

static const struct vh_route routes[] = {
	{"GET", "/healthz", api_healthz, VH_AUTH_NONE},
	{"GET", "/healthz/ready", api_healthz_ready, VH_AUTH_NONE},
	{"POST", "/users", api_users_create, VH_AUTH_REGISTER},
	{"GET", "/users", api_users_list, VH_AUTH_ADMIN},
	{"GET", "/users/me", api_users_me, VH_AUTH_USER},
	{"GET", "/users/{id}", api_users_get, VH_AUTH_ADMIN},
	{"GET", "/servers/metadata/allowed", api_metadata_allowed, VH_AUTH_ANY},
	{"GET", "/admin/notifications", api_notifications_list, VH_AUTH_ADMIN},

	{"POST", "/servers", api_servers_create, VH_AUTH_USER},
	{"GET", "/servers/user/{user_id}", api_servers_of_user, VH_AUTH_ANY},
	{"GET", "/servers/{id}", api_servers_get, VH_AUTH_ANY},
	{"DELETE", "/servers/{id}", api_servers_delete, VH_AUTH_ANY},
	{"GET", "/servers/{id}/events", api_servers_events, VH_AUTH_ANY},
	{"POST", "/servers/{id}/start", api_servers_power, VH_AUTH_ANY, "start"},
	{"POST", "/servers/{id}/stop", api_servers_power, VH_AUTH_ANY, "stop"},
	{"POST", "/servers/{id}/shutdown", api_servers_power, VH_AUTH_ANY, "shutdown"},
	{"POST", "/servers/{id}/reboot", api_servers_power, VH_AUTH_ANY, "reboot"},
	{"POST", "/servers/{id}/reset", api_servers_power, VH_AUTH_ANY, "reset"},
	{"POST", "/servers/{id}/suspend", api_servers_power, VH_AUTH_ANY, "suspend"},
	{"POST", "/servers/{id}/resume", api_servers_power, VH_AUTH_ANY, "resume"},
	{"POST", "/servers/{id}/extend", api_servers_extend, VH_AUTH_ANY},
	{"POST", "/servers/{id}/upgrade", api_servers_upgrade, VH_AUTH_ANY},
	{"POST", "/servers/{id}/password/reset", api_servers_password_reset, VH_AUTH_ANY},
	{"POST", "/servers/{id}/rebuild", api_servers_rebuild, VH_AUTH_ANY},
	{"POST", "/servers/{id}/retry", api_servers_retry, VH_AUTH_ANY},
	{"GET", "/jobs/{id}", api_jobs_get, VH_AUTH_ANY},
	{"GET", "/admin/servers", api_admin_servers, VH_AUTH_ADMIN},
	{"GET", "/admin/jobs", api_admin_jobs, VH_AUTH_ADMIN},
	{"GET", "/admin/reconcile", api_admin_reconcile, VH_AUTH_ADMIN},

	{"POST", "/admin/plans", api_resource_create, VH_AUTH_ADMIN, &vh_plans_resource},
	{"GET", "/admin/plans", api_resource_list, VH_AUTH_ADMIN, &vh_plans_resource},
	{"GET", "/admin/plans/{name}", api_resource_get, VH_AUTH_ADMIN, &vh_plans_resource},
	{"PUT", "/admin/plans/{name}", api_resource_update, VH_AUTH_ADMIN, &vh_plans_resource},
	{"DELETE", "/admin/plans/{name}", api_resource_delete, VH_AUTH_ADMIN, &vh_plans_resource},
	{"POST", "/admin/proxmox/hosts", api_hosts_create, VH_AUTH_ADMIN},
	{"GET", "/admin/proxmox/hosts", api_hosts_list, VH_AUTH_ADMIN},
	{"GET", "/admin/proxmox/hosts/{id}", api_hosts_get, VH_AUTH_ADMIN},
	{"PUT", "/admin/proxmox/hosts/{id}", api_hosts_update, VH_AUTH_ADMIN},
	{"DELETE", "/admin/proxmox/hosts/{id}", api_hosts_delete, VH_AUTH_ADMIN},
	{"POST", "/admin/proxmox/hosts/{id}/test", api_hosts_test, VH_AUTH_ADMIN},
	{"POST", "/admin/os-templates", api_os_templates_create, VH_AUTH_ADMIN},
	{"GET", "/admin/os-templates", api_os_templates_list, VH_AUTH_ADMIN},
	{"GET", "/admin/os-templates/{name}", api_os_templates_get, VH_AUTH_ADMIN},
	{"PUT", "/admin/os-templates/{name}", api_os_templates_update, VH_AUTH_ADMIN},
	{"DELETE", "/admin/os-templates/{name}", api_os_templates_delete, VH_AUTH_ADMIN},
	{"POST", "/admin/ip-pools", api_ip_pools_create, VH_AUTH_ADMIN},
	{"GET", "/admin/ip-pools", api_ip_pools_list, VH_AUTH_ADMIN},
	{"GET", "/admin/ip-pools/{id}", api_ip_pools_get, VH_AUTH_ADMIN},
	{"PUT", "/admin/ip-pools/{id}", api_ip_pools_update, VH_AUTH_ADMIN},
	{"DELETE", "/admin/ip-pools/{id}", api_ip_pools_delete, VH_AUTH_ADMIN},
	{"POST", "/admin/upgrades", api_resource_create, VH_AUTH_ADMIN, &vh_upgrades_resource},
	{"GET", "/admin/upgrades", api_resource_list, VH_AUTH_ADMIN, &vh_upgrades_resource},
	{"GET", "/admin/upgrades/{name}", api_resource_get, VH_AUTH_ADMIN, &vh_upgrades_resource},
	{"PUT", "/admin/upgrades/{name}", api_resource_update, VH_AUTH_ADMIN, &vh_upgrades_resource},
	{"DELETE", "/admin/upgrades/{name}", api_resource_delete, VH_AUTH_ADMIN, &vh_upgrades_resource},
	{NULL, NULL, NULL, VH_AUTH_NONE},
};

static struct vh_cli cli = {
	.program = "vibehost-api",
	.program_mask = VH_PROG_API,
	.summary = "The vibehost JSON API as a FastCGI application.  It expects its listening\n"
		   "socket on file descriptor 0, as spawn-fcgi provides it, e.g.\n"
		   "  spawn-fcgi -n -s /run/vibehost/api.sock -- /usr/bin/multiwatch -f 4 -- vibehost-api\n"
		   "Logs are JSON lines on standard error.",
};

/* --routes: the route table as "METHOD PATTERN AUTH" lines, so tests can
 * walk every route (the auth matrix) without a hand-kept list. */
static void print_routes(void)
{
	const struct vh_route *r;

	for (r = routes; r->pattern; r++)
		printf("%s %s %s\n", r->method, r->pattern, vh_auth_name(r->auth));
}

int main(int argc, char **argv)
{
	const char *list_routes = NULL;
	const struct vh_cli_opt extra[] = {
		{"--routes", false, "print the route table (METHOD PATTERN AUTH) and exit", &list_routes},
		{NULL, false, NULL, NULL},
	};
	struct vh_app app;
	struct vh_serve_opts opts;
	struct vh_err err;
	int rc;

	/* The route table needs no configuration. */
	if (argc == 2 && strcmp(argv[1], "--routes") == 0) {
		print_routes();
		return 0;
	}
	cli.extra = extra;
	rc = vh_cli_start(&cli, argc, argv);
	if (rc >= 0)
		return rc;
	vh_err_clear(&err);
	if (vh_secret_init(vh_cfg_str(CFG_SECRET_KEY), vh_cfg_str(CFG_SECRET_KEY_OLD), &err) != VH_OK ||
	    vh_jwt_init_from_cfg(&err) != VH_OK) {
		fprintf(stderr, "vibehost-api: invalid configuration:\n%s\n", err.detail);
		vh_cfg_reset();
		return 1;
	}
	vh_auth_init(vh_cfg_str(CFG_ADMIN_API_KEY));
	app.db = vh_db_from_cfg();
	opts.routes = routes;
	opts.max_body = (size_t)vh_cfg_int(CFG_MAX_BODY_BYTES);
	opts.ctx = &app;
	rc = vh_serve(&opts);
	vh_db_free(app.db);
	vh_db_library_end();
	vh_auth_cleanup();
	vh_jwt_reset();
	vh_secret_reset();
	vh_cfg_reset();
	return rc;
}
