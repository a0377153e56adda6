/* Health, headers nginx adds, the HTTP->HTTPS redirect, static docs, JSON
 * 404 for unknown paths. */
#include "config.h"

#include "db.h"
#include "harness.h"

int main(void)
{
	struct t_resp r;
	const char *loc;
	char want[256];

	t_init();

	t_request(&r, NULL, "GET", "/healthz", NULL, NULL, NULL, 0);
	t_status(&r, 200, "GET /healthz");
	is_str(r.body, "{\"status\":\"ok\"}\n", "body is exactly {\"status\":\"ok\"}");
	ok(t_header(&r, "X-Request-ID") && strlen(t_header(&r, "X-Request-ID")) == 32,
	   "X-Request-ID is nginx's 32-hex request id");
	ok(t_header(&r, "Strict-Transport-Security") != NULL, "HSTS header present");
	is_str(t_header(&r, "Cache-Control"), "no-store", "API answers are not cached");
	t_resp_free(&r);

	t_request(&r, NULL, "HEAD", "/healthz", NULL, NULL, NULL, 0);
	t_status(&r, 200, "HEAD /healthz");
	t_resp_free(&r);

	t_request(&r, NULL, "GET", "/healthz/ready", NULL, NULL, NULL, 0);
	t_status(&r, 200, "GET /healthz/ready with the database up");
	is_str(t_str(&r, "status"), "ready", "ready");
	snprintf(want, sizeof(want), "%d", VH_SCHEMA_VERSION);
	is_str(t_str(&r, "schema_version"), want, "schema version reported");
	t_resp_free(&r);

	t_request(&r, t_env("VH_HTTP_URL"), "GET", "/healthz?x=1", NULL, NULL, NULL, 0);
	t_status(&r, 301, "plain HTTP redirects");
	loc = t_header(&r, "Location");
	snprintf(want, sizeof(want), "%s/healthz?x=1", t_env("VH_BASE_URL"));
	is_str(loc, want, "to the same path over HTTPS");
	t_resp_free(&r);

	t_request(&r, NULL, "GET", "/openapi.yaml", NULL, NULL, NULL, 0);
	t_status(&r, 200, "GET /openapi.yaml");
	ok(strstr(r.body, "openapi: 3.") != NULL, "it is an OpenAPI document");
	t_resp_free(&r);

	t_request(&r, NULL, "GET", "/docs/", NULL, NULL, NULL, 0);
	t_status(&r, 200, "GET /docs/");
	ok(strstr(r.body, "openapi.yaml") != NULL, "the docs page points at the spec");
	t_resp_free(&r);

	t_request(&r, NULL, "GET", "/no/such/thing", NULL, NULL, NULL, 0);
	t_error(&r, 404, "not_found", "unknown path");
	t_resp_free(&r);

	t_request(&r, NULL, "GET", "/docs/missing.html", NULL, NULL, NULL, 0);
	t_error(&r, 404, "not_found", "missing static file (nginx's own 404)");
	t_resp_free(&r);

	t_request(&r, NULL, "POST", "/healthz", NULL, "application/json", "{}", 2);
	t_error(&r, 405, "method_not_allowed", "POST /healthz");
	is_str(t_header(&r, "Allow"), "GET, HEAD", "Allow header");
	t_resp_free(&r);

	t_done();
	return done_testing();
}
