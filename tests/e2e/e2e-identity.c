/* Identity paths: GET /users/me by JWT, impersonation, self-registration,
 * and the upstream "me" endpoint (AUTH_API_URL): success by bearer and by
 * cookie, refusal, an unknown subject, the upstream down (503, never a
 * pass), and caching (few upstream calls for many requests). */
#include "config.h"

#include <stdlib.h>

#include "harness.h"
#include "jwt-helper.h"

static long upstream_calls(const char *id)
{
	struct t_resp r;
	char path[256];
	long n = -1;

	snprintf(path, sizeof(path), "/_count?id=%s", id);
	t_request(&r, t_env("VH_AUTHUP_URL"), "GET", path, NULL, NULL, NULL, 0);
	if (r.json)
		n = json_object_get_int64(json_object_object_get(r.json, "calls"));
	t_resp_free(&r);
	return n;
}

int main(void)
{
	struct t_resp r;
	char body[512], ext[64], id[64] = "", hdr1[256], hdr2[256], key[600], *bearer;
	const char *email = t_unique_email("identity");
	const char *h[3] = {NULL, NULL, NULL};
	int i, good;

	t_init();
	snprintf(key, sizeof(key), "X-Admin-Key: %s", t_admin_key());
	snprintf(ext, sizeof(ext), "ext-%s", email + 9);
	ext[strcspn(ext, "@")] = '\0';
	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"phone_number\":\"01012345678\",\"external_auth_id\":\"%s\"}",
		 email, ext);
	t_admin(&r, "POST", "/users", body);
	t_status(&r, 201, "a user with an external id");
	if (t_str(&r, "id"))
		snprintf(id, sizeof(id), "%s", t_str(&r, "id"));
	t_resp_free(&r);

	/* JWT: sub is the external id, or the user id. */
	bearer = t_bearer(ext, 300, 0, NULL, NULL, JWT_ALG_HS256, NULL);
	h[0] = bearer;
	t_request(&r, NULL, "GET", "/users/me", h, NULL, NULL, 0);
	t_status(&r, 200, "GET /users/me with a JWT naming the external id");
	is_str(t_str(&r, "id"), id, "it is that user");
	t_resp_free(&r);
	free(bearer);
	bearer = t_bearer(id, 300, 0, NULL, NULL, JWT_ALG_HS256, NULL);
	h[0] = bearer;
	t_request(&r, NULL, "GET", "/users/me", h, NULL, NULL, 0);
	t_status(&r, 200, "a JWT naming the user id");
	t_resp_free(&r);
	t_request(&r, NULL, "POST", "/users", h, "application/json", body, strlen(body));
	t_error(&r, 409, "already_registered", "a registered user cannot register again");
	t_resp_free(&r);
	free(bearer);

	/* vibehost-token (behind ./dev token) mints a token the API accepts. */
	{
		char cmd[4096], tok[2048] = "", line[2100];
		FILE *pp;

		snprintf(cmd, sizeof(cmd), "VIBEHOST_CONFIG='%s/dev.env' '%s/bin/vibehost-token' --sub '%s'",
			 getenv("VH_STACK_DIR"), getenv("VH_BUILDDIR"), id);
		pp = popen(cmd, "r");
		if (pp && fgets(tok, sizeof(tok), pp))
			tok[strcspn(tok, "\n")] = '\0';
		if (pp)
			pclose(pp);
		snprintf(line, sizeof(line), "Authorization: Bearer %s", tok);
		h[0] = line;
		t_request(&r, NULL, "GET", "/users/me", h, NULL, NULL, 0);
		t_status(&r, 200, "a token from vibehost-token is accepted");
		is_str(t_str(&r, "id"), id, "for that user");
		t_resp_free(&r);
	}

	/* Impersonation. */
	snprintf(hdr1, sizeof(hdr1), "X-Impersonate-User: %s", id);
	h[0] = key;
	h[1] = hdr1;
	t_request(&r, NULL, "GET", "/users/me", h, NULL, NULL, 0);
	t_status(&r, 200, "admin acting as the user");
	is_str(t_str(&r, "id"), id, "sees that user");
	t_resp_free(&r);
	h[1] = "X-Impersonate-User: 00000000-0000-7000-8000-000000000000";
	t_request(&r, NULL, "GET", "/users/me", h, NULL, NULL, 0);
	t_error(&r, 404, "user_not_found", "impersonating an unknown user");
	t_resp_free(&r);
	h[1] = NULL;

	/* Self-registration: a valid JWT for a subject with no user yet. */
	{
		char sub[64], body2[512];
		const char *em = t_unique_email("selfreg");

		snprintf(sub, sizeof(sub), "sr-%s", em + 8);
		sub[strcspn(sub, "@")] = '\0';
		bearer = t_bearer(sub, 300, 0, NULL, NULL, JWT_ALG_HS256, NULL);
		h[0] = bearer;
		t_request(&r, NULL, "GET", "/users/me", h, NULL, NULL, 0);
		t_error(&r, 401, "unknown_user", "an unregistered subject is not a user");
		t_resp_free(&r);
		snprintf(body2, sizeof(body2), "{\"email\":\"%s\",\"phone_number\":\"01098765432\",\"external_auth_id\":\"other\"}", em);
		t_request(&r, NULL, "POST", "/users", h, "application/json", body2, strlen(body2));
		t_error(&r, 422, "validation_failed", "registering someone else's external id");
		t_resp_free(&r);
		snprintf(body2, sizeof(body2), "{\"email\":\"%s\",\"phone_number\":\"01098765432\"}", em);
		t_request(&r, NULL, "POST", "/users", h, "application/json", body2, strlen(body2));
		t_status(&r, 201, "self-registration with a JWT");
		is_str(t_str(&r, "external_auth_id"), sub, "the subject became external_auth_id");
		t_resp_free(&r);
		t_request(&r, NULL, "GET", "/users/me", h, NULL, NULL, 0);
		t_status(&r, 200, "and now GET /users/me works");
		t_resp_free(&r);
		free(bearer);
	}

	/* Upstream auth. */
	snprintf(hdr1, sizeof(hdr1), "Authorization: Bearer up-%s", ext);
	h[0] = hdr1;
	for (i = 0, good = 0; i < 20; i++) {
		t_request(&r, NULL, "GET", "/users/me", h, NULL, NULL, 0);
		if (i == 0) {
			t_status(&r, 200, "the upstream vouches for a bearer credential");
			is_str(t_str(&r, "id"), id, "mapped through external_auth_id");
		}
		good += r.status == 200;
		t_resp_free(&r);
	}
	is_int(good, 20, "20 requests succeed");
	{
		long calls = upstream_calls(ext);
		/* Each API process caches on its own; the stack runs 4. */
		ok(calls >= 1 && calls <= 4, "cached: %ld upstream calls for 20 requests", calls);
	}
	snprintf(hdr2, sizeof(hdr2), "Cookie: session=%s", ext);
	h[0] = hdr2;
	t_request(&r, NULL, "GET", "/users/me", h, NULL, NULL, 0);
	t_status(&r, 200, "the upstream vouches for a session cookie");
	t_resp_free(&r);
	h[0] = "Authorization: Bearer up-nobody-here";
	t_request(&r, NULL, "GET", "/users/me", h, NULL, NULL, 0);
	t_error(&r, 401, "unknown_user", "the upstream's user is not registered here");
	t_resp_free(&r);
	h[0] = "Authorization: Bearer garbage";
	t_request(&r, NULL, "GET", "/users/me", h, NULL, NULL, 0);
	t_error(&r, 401, "authentication_failed", "the upstream refuses");
	t_resp_free(&r);
	h[0] = "Authorization: Bearer up-down";
	t_request(&r, NULL, "GET", "/users/me", h, NULL, NULL, 0);
	t_error(&r, 503, "auth_upstream_unavailable", "the upstream failing is a 503, never a pass");
	t_resp_free(&r);

	t_done();
	return done_testing();
}
