/* The auth matrix, walking the route table itself (vibehost-api --routes),
 * so a route added later is covered without editing this test.  Every
 * route meets: no credentials, a wrong admin key, a user's JWT, the admin
 * key, and bad JWTs (expired, not yet valid, wrong iss, wrong aud, bad
 * signature, alg none, an overlong token).  Expected, per DESIGN.md: not
 * identified -> 401, identified but not allowed -> 403 — except that nginx
 * answers 401 to any /admin/ request without the X-Admin-Key header. */
#include "config.h"

#include <stdlib.h>

#include "harness.h"
#include "jwt-helper.h"

#define MAX_ROUTES 256

struct route {
	char method[8], pattern[128], auth[16];
};

static int allowed(long s)
{
	return s != 401 && s != 403 && s > 0 && s < 500;
}

int main(void)
{
	struct route routes[MAX_ROUTES];
	int n = 0, i, b;
	char cmd[4096], line[512], key[600], imp[128], *good, *bad[7], *overlong;
	const char *bad_names[7] = {"expired", "not yet valid", "wrong iss", "wrong aud",
				    "bad signature", "alg none", "overlong"};
	const char *wrong = "X-Admin-Key: wrong-key-wrong-key-wrong";
	char user_id[64] = "", body[256];
	struct t_resp r;
	FILE *p;

	t_init();
	snprintf(cmd, sizeof(cmd), "'%s/fcgi/vibehost-api' --routes", getenv("VH_BUILDDIR"));
	p = popen(cmd, "r");
	while (p && n < MAX_ROUTES && fgets(line, sizeof(line), p))
		if (sscanf(line, "%7s %127s %15s", routes[n].method, routes[n].pattern, routes[n].auth) == 3)
			n++;
	if (p)
		pclose(p);
	ok(n >= 10, "the route table lists %d routes", n);

	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"phone_number\":\"01012345678\"}",
		 t_unique_email("matrix"));
	t_admin(&r, "POST", "/users", body);
	if (t_str(&r, "id"))
		snprintf(user_id, sizeof(user_id), "%s", t_str(&r, "id"));
	t_resp_free(&r);
	ok(user_id[0], "a user for the JWTs");

	snprintf(key, sizeof(key), "X-Admin-Key: %s", t_admin_key());
	snprintf(imp, sizeof(imp), "X-Impersonate-User: %s", user_id);
	good = t_bearer(user_id, 300, 0, NULL, NULL, JWT_ALG_HS256, NULL);
	bad[0] = t_bearer(user_id, -3600, 0, NULL, NULL, JWT_ALG_HS256, NULL);
	bad[1] = t_bearer(user_id, 3600, 1800, NULL, NULL, JWT_ALG_HS256, NULL);
	bad[2] = t_bearer(user_id, 300, 0, "someone-else", NULL, JWT_ALG_HS256, NULL);
	bad[3] = t_bearer(user_id, 300, 0, NULL, "another-api", JWT_ALG_HS256, NULL);
	bad[4] = t_bearer(user_id, 300, 0, NULL, NULL, JWT_ALG_HS256, "not-the-secret-not-the-secret-xx");
	bad[5] = t_bearer(user_id, 300, 0, NULL, NULL, JWT_ALG_NONE, NULL);
	overlong = malloc(6000);
	strcpy(overlong, "Authorization: Bearer ");
	memset(overlong + 22, 'x', 5000);
	overlong[5022] = '\0';
	bad[6] = overlong;

	for (i = 0; i < n; i++) {
		struct route *rt = &routes[i];
		char path[256], *o = path;
		const char *s = rt->pattern;
		const char *body_json = (!strcmp(rt->method, "POST") || !strcmp(rt->method, "PUT")) ? "{}" : NULL;
		const char *hdr[3] = {NULL, NULL, NULL};
		long st_none, st_wrong, st_user, st_admin, st_imp;

		/* Fill {params}: the user's id for {id} (a UUID), a name otherwise. */
		while (*s && o < path + sizeof(path) - 64) {
			if (*s == '{') {
				o += sprintf(o, "%s", strncmp(s, "{id}", 4) ? "zz-matrix" : user_id);
				s = strchr(s, '}') + 1;
			} else {
				*o++ = *s++;
			}
		}
		*o = '\0';
#define REQ(...)                                                                           \
	do {                                                                               \
		const char *h_[] = {__VA_ARGS__, NULL};                                    \
		t_request(&r, NULL, rt->method, path, h_[0] ? h_ : NULL, body_json ? "application/json" : NULL, \
			  body_json, body_json ? 2 : 0);                                   \
	} while (0)
		(void)hdr;
		REQ(NULL);
		st_none = r.status;
		t_resp_free(&r);
		REQ(wrong);
		st_wrong = r.status;
		t_resp_free(&r);
		REQ(good);
		st_user = r.status;
		t_resp_free(&r);
		REQ(key);
		st_admin = r.status;
		t_resp_free(&r);
		REQ(key, imp);
		st_imp = r.status;
		t_resp_free(&r);

		if (!strcmp(rt->auth, "none")) {
			ok(st_none < 500 && st_user < 500, "%s %s (none): open, %ld", rt->method, path, st_none);
			continue;
		}
		ok(st_none == 401, "%s %s (%s): no credentials -> 401 (%ld)", rt->method, path, rt->auth, st_none);
		ok(st_wrong == 401, "%s %s: wrong admin key -> 401 (%ld)", rt->method, path, st_wrong);
		for (b = 0; b < 7; b++) {
			REQ(bad[b]);
			ok(r.status == 401, "%s %s: %s JWT -> 401 (%ld)", rt->method, path, bad_names[b], r.status);
			t_resp_free(&r);
		}
		if (!strcmp(rt->auth, "admin")) {
			/* Under /admin/ nginx's gate answers first: no key header, 401. */
			long want = strncmp(path, "/admin/", 7) == 0 ? 401 : 403;

			ok(st_user == want, "%s %s: a user's JWT -> %ld (%ld)", rt->method, path, want, st_user);
			ok(allowed(st_admin), "%s %s: admin key passes (%ld)", rt->method, path, st_admin);
			ok(st_imp == 403, "%s %s: admin acting as a user -> 403 (%ld)", rt->method, path, st_imp);
		} else if (!strcmp(rt->auth, "user")) {
			ok(allowed(st_user), "%s %s: a user's JWT passes (%ld)", rt->method, path, st_user);
			ok(st_admin == 403, "%s %s: admin without impersonation -> 403 (%ld)", rt->method, path, st_admin);
			ok(allowed(st_imp), "%s %s: admin acting as the user passes (%ld)", rt->method, path, st_imp);
		} else {
			/* any / register: users and the admin both get through */
			ok(allowed(st_user), "%s %s: a user's JWT passes (%ld)", rt->method, path, st_user);
			ok(allowed(st_admin), "%s %s: admin key passes (%ld)", rt->method, path, st_admin);
		}
	}

	free(good);
	for (b = 0; b < 7; b++)
		free(bad[b]);
	t_done();
	return done_testing();
}
