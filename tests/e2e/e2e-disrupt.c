/* Disruptions, run alone after the other e2e tests: data survives a restart
 * of the FastCGI processes; with MariaDB stopped the API answers 503 JSON
 * (and liveness stays 200); when MariaDB is back, requests succeed without
 * restarting the API; with the API stopped nginx answers 502 JSON. */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

int main(void)
{
	struct t_resp r;
	char body[256], path[128];
	const char *email = t_unique_email("survivor");
	int i, good;

	t_init();

	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"phone_number\":\"031-123-4567\"}", email);
	t_admin(&r, "POST", "/users", body);
	t_status(&r, 201, "create a user");
	snprintf(path, sizeof(path), "/users/%s", t_str(&r, "id") ? t_str(&r, "id") : "x");
	t_resp_free(&r);

	is_int(t_stack("restart-api"), 0, "restart the FastCGI processes");
	t_admin(&r, "GET", path, NULL);
	t_status(&r, 200, "the user is still there after the restart");
	is_str(t_str(&r, "email"), email, "with the same email");
	t_resp_free(&r);

	is_int(t_stack("stop-db"), 0, "stop MariaDB");
	t_request(&r, NULL, "GET", "/healthz", NULL, NULL, NULL, 0);
	t_status(&r, 200, "liveness does not depend on the database");
	t_resp_free(&r);
	/* Several requests so that every API process meets the outage. */
	for (i = 0, good = 0; i < 8; i++) {
		t_request(&r, NULL, "GET", "/healthz/ready", NULL, NULL, NULL, 0);
		good += r.status == 503 && t_str(&r, "code") && !strcmp(t_str(&r, "code"), "db_unavailable");
		if (i == 0)
			t_error(&r, 503, "db_unavailable", "/healthz/ready with MariaDB stopped");
		t_resp_free(&r);
	}
	is_int(good, 8, "every readiness probe says 503 db_unavailable");
	for (i = 0, good = 0; i < 8; i++) {
		t_admin(&r, "GET", "/users", NULL);
		good += r.status == 503;
		if (i == 0)
			t_error(&r, 503, "db_unavailable", "GET /users with MariaDB stopped");
		t_resp_free(&r);
	}
	is_int(good, 8, "every GET /users is 503");
	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"phone_number\":\"01012345678\"}",
		 t_unique_email("during-outage"));
	t_admin(&r, "POST", "/users", body);
	t_error(&r, 503, "db_unavailable", "POST /users with MariaDB stopped");
	t_resp_free(&r);

	is_int(t_stack("start-db"), 0, "start MariaDB again");
	/* No API restart: each process reconnects on its next statement. */
	for (i = 0, good = 0; i < 16; i++) {
		t_admin(&r, "GET", path, NULL);
		good += r.status == 200;
		t_resp_free(&r);
	}
	is_int(good, 16, "reads succeed at once after MariaDB is back");
	for (i = 0, good = 0; i < 8; i++) {
		snprintf(body, sizeof(body), "{\"email\":\"%s\",\"phone_number\":\"01012345678\"}",
			 t_unique_email("after-outage"));
		t_admin(&r, "POST", "/users", body);
		good += r.status == 201;
		t_resp_free(&r);
	}
	is_int(good, 8, "writes succeed at once after MariaDB is back");
	t_request(&r, NULL, "GET", "/healthz/ready", NULL, NULL, NULL, 0);
	t_status(&r, 200, "ready again");
	t_resp_free(&r);

	is_int(t_stack("stop-api"), 0, "stop the API");
	t_request(&r, NULL, "GET", "/healthz", NULL, NULL, NULL, 0);
	t_error(&r, 502, "bad_gateway", "nginx answers 502 as JSON when the API is down");
	t_resp_free(&r);
	is_int(t_stack("start-api"), 0, "start the API again");
	t_request(&r, NULL, "GET", "/healthz", NULL, NULL, NULL, 0);
	t_status(&r, 200, "and it answers");
	t_resp_free(&r);

	t_done();
	return done_testing();
}
