/* The admin key: nginx refuses /admin/ without the header before the app
 * runs; the app refuses a missing or wrong key on every admin route. */
#include "config.h"

#include "harness.h"

static void get(struct t_resp *r, const char *path, const char *key_header)
{
	const char *hdr[] = {key_header, NULL};

	t_request(r, NULL, "GET", path, key_header ? hdr : NULL, NULL, NULL, 0);
}

int main(void)
{
	struct t_resp r;
	char good[600], longer[600], prefix[600];
	const char *key;
	const char *body = "{\"email\":\"nobody@example.com\",\"phone_number\":\"01012345678\"}";
	const char *wrong = "X-Admin-Key: wrong-key-wrong-key-wrong";

	t_init();
	key = t_admin_key();
	snprintf(good, sizeof(good), "X-Admin-Key: %s", key);
	snprintf(longer, sizeof(longer), "X-Admin-Key: %sx", key);
	snprintf(prefix, sizeof(prefix), "X-Admin-Key: %.*s", (int)strlen(key) - 1, key);

	/* nginx's gate: no header, no application. */
	get(&r, "/admin/plans", NULL);
	t_error(&r, 401, "admin_key_required", "/admin/ without the header");
	ok(t_header(&r, "Cache-Control") == NULL, "answered by nginx (no application headers)");
	t_resp_free(&r);
	get(&r, "/admin/plans", "X-Admin-Key:");
	t_error(&r, 401, "admin_key_required", "/admin/ with an empty header");
	ok(t_header(&r, "Cache-Control") == NULL, "also answered by nginx");
	t_resp_free(&r);

	/* The application: a wrong key on /admin/ ... */
	get(&r, "/admin/plans", wrong);
	t_error(&r, 401, "invalid_admin_key", "/admin/ with a wrong key");
	is_str(t_header(&r, "Cache-Control"), "no-store", "answered by the application");
	t_resp_free(&r);
	/* ... and the right key reaches the router (no admin routes yet). */
	get(&r, "/admin/no-such-thing", good);
	t_error(&r, 404, "not_found", "/admin/ with the right key reaches the router");
	t_resp_free(&r);

	/* Admin routes outside /admin/. */
	get(&r, "/users", NULL);
	t_error(&r, 401, "admin_key_required", "GET /users without a key");
	t_resp_free(&r);
	get(&r, "/users", wrong);
	t_error(&r, 401, "invalid_admin_key", "GET /users with a wrong key");
	t_resp_free(&r);
	get(&r, "/users", longer);
	t_error(&r, 401, "invalid_admin_key", "the key plus one character");
	t_resp_free(&r);
	get(&r, "/users", prefix);
	t_error(&r, 401, "invalid_admin_key", "the key minus one character");
	t_resp_free(&r);
	get(&r, "/users/00000000-0000-7000-8000-000000000000", wrong);
	t_error(&r, 401, "invalid_admin_key", "GET /users/{id} with a wrong key");
	t_resp_free(&r);
	{
		const char *hdr[] = {wrong, NULL};

		t_request(&r, NULL, "POST", "/users", hdr, "application/json", body, strlen(body));
		t_error(&r, 401, "invalid_admin_key", "POST /users with a wrong key");
		t_resp_free(&r);
		t_request(&r, NULL, "POST", "/users", NULL, "application/json", body, strlen(body));
		t_error(&r, 401, "authentication_required", "POST /users without credentials");
		t_resp_free(&r);
	}
	/* Authorisation comes before reading the body: a stranger's bad JSON
	 * is a 401, not a 400. */
	{
		const char *hdr[] = {wrong, NULL};

		t_request(&r, NULL, "POST", "/users", hdr, "application/json", "{", 1);
		t_error(&r, 401, "invalid_admin_key", "bad JSON with a wrong key is still 401");
		t_resp_free(&r);
	}
	get(&r, "/users", good);
	t_status(&r, 200, "GET /users with the key");
	t_resp_free(&r);

	/* The key never comes back in an answer. */
	get(&r, "/users", wrong);
	ok(strstr(r.body, "wrong-key") == NULL && strstr(r.headers, "wrong-key") == NULL,
	   "a rejected key is not echoed");
	t_resp_free(&r);

	t_done();
	return done_testing();
}
