/* Users: create, read, list with keyset pagination, duplicates. */
#include "config.h"

#include <stdlib.h>

#include "harness.h"
#include "validate.h"

static char *create(const char *email, const char *phone, const char *ext, long want)
{
	struct t_resp r;
	char body[512];
	char *id = NULL;

	if (ext)
		snprintf(body, sizeof(body), "{\"email\":\"%s\",\"phone_number\":\"%s\",\"external_auth_id\":\"%s\"}",
			 email, phone, ext);
	else
		snprintf(body, sizeof(body), "{\"email\":\"%s\",\"phone_number\":\"%s\"}", email, phone);
	t_admin(&r, "POST", "/users", body);
	if (want == 201 && t_status(&r, 201, "POST /users") && t_str(&r, "id"))
		id = strdup(t_str(&r, "id"));
	else if (want != 201)
		t_error(&r, want, NULL, "POST /users refused");
	t_resp_free(&r);
	return id;
}

int main(void)
{
	struct t_resp r;
	char path[256], upper[128], ext[64], *id, *ids[5];
	const char *email = t_unique_email("Mixed.Case");
	char lower[128];
	size_t i, seen = 0, found = 0;
	const char *cursor;
	char next[64] = "";
	int pages = 0;

	t_init();

	snprintf(ext, sizeof(ext), "auth|%s", email);
	ext[strcspn(ext, "@")] = '\0';
	{
		char body[512];

		snprintf(body, sizeof(body),
			 "{\"email\":\"%s\",\"phone_number\":\"010-1234-5678\",\"external_auth_id\":\"%s\"}",
			 email, ext);
		t_admin(&r, "POST", "/users", body);
	}
	t_status(&r, 201, "POST /users creates a user");
	for (i = 0; email[i]; i++)
		lower[i] = (char)(email[i] >= 'A' && email[i] <= 'Z' ? email[i] + 32 : email[i]);
	lower[i] = '\0';
	is_str(t_str(&r, "email"), lower, "email is stored lower-cased");
	is_str(t_str(&r, "phone_number"), "01012345678", "phone is stored as digits only");
	is_str(t_str(&r, "external_auth_id"), ext, "external_auth_id stored");
	ok(vh_is_uuid(t_str(&r, "id")), "id is a UUID");
	ok(t_str(&r, "created_at") && strlen(t_str(&r, "created_at")) == 20 &&
	   t_str(&r, "created_at")[19] == 'Z', "created_at is ISO 8601 UTC");
	id = strdup(t_str(&r, "id") ? t_str(&r, "id") : "");
	snprintf(path, sizeof(path), "/users/%s", id);
	is_str(t_header(&r, "Location"), path, "Location names the new user");
	t_resp_free(&r);

	t_admin(&r, "GET", path, NULL);
	t_status(&r, 200, "GET /users/{id}");
	is_str(t_str(&r, "id"), id, "same id");
	is_str(t_str(&r, "email"), lower, "same email");
	is_str(t_str(&r, "phone_number"), "01012345678", "same phone");
	t_resp_free(&r);

	for (i = 0; id[i]; i++)
		upper[i] = (char)(id[i] >= 'a' && id[i] <= 'f' ? id[i] - 32 : id[i]);
	upper[i] = '\0';
	snprintf(path, sizeof(path), "/users/%s", upper);
	t_admin(&r, "GET", path, NULL);
	t_status(&r, 200, "an upper-case id names the same user");
	t_resp_free(&r);

	t_admin(&r, "GET", "/users/not-a-uuid", NULL);
	t_error(&r, 404, "user_not_found", "malformed id");
	t_resp_free(&r);
	t_admin(&r, "GET", "/users/00000000-0000-7000-8000-000000000000", NULL);
	t_error(&r, 404, "user_not_found", "unknown id");
	t_resp_free(&r);
	t_admin(&r, "GET", "/users/%27%20OR%201=1", NULL);
	t_error(&r, 404, "user_not_found", "SQL-looking id");
	t_resp_free(&r);

	/* Duplicates: the same email in another case, the same external id. */
	{
		char body[512];

		snprintf(body, sizeof(body), "{\"email\":\"%s\",\"phone_number\":\"01099998888\"}", email);
		t_admin(&r, "POST", "/users", body);
		t_error(&r, 409, "email_taken", "duplicate email (other case)");
		t_resp_free(&r);
		snprintf(body, sizeof(body),
			 "{\"email\":\"%s\",\"phone_number\":\"01099998888\",\"external_auth_id\":\"%s\"}",
			 t_unique_email("other"), ext);
		t_admin(&r, "POST", "/users", body);
		t_error(&r, 409, "external_auth_id_taken", "duplicate external_auth_id");
		t_resp_free(&r);
	}

	/* Keyset pagination: page through everything two at a time; the five
	 * new users each appear exactly once, in creation order. */
	for (i = 0; i < 5; i++)
		ids[i] = create(t_unique_email("page"), "02-123-4567", NULL, 201);
	cursor = NULL;
	do {
		char url[256];
		json_object *items;
		size_t k, n;

		snprintf(url, sizeof(url), "/users?limit=2%s%s", cursor ? "&cursor=" : "", cursor ? next : "");
		t_admin(&r, "GET", url, NULL);
		if (r.status != 200 || !json_object_object_get_ex(r.json, "items", &items)) {
			t_status(&r, 200, "GET /users page");
			t_resp_free(&r);
			break;
		}
		n = json_object_array_length(items);
		if (n > 2)
			seen = 1000;
		for (k = 0; k < n; k++) {
			json_object *u = json_object_array_get_idx(items, k), *v;

			json_object_object_get_ex(u, "id", &v);
			for (i = 0; i < 5; i++)
				if (ids[i] && strcmp(ids[i], json_object_get_string(v)) == 0) {
					found++;
					/* the ids were made in order, so they come in order */
					if (i != seen)
						seen = 1000;
					seen++;
				}
		}
		cursor = t_str(&r, "next_cursor");
		if (cursor)
			snprintf(next, sizeof(next), "%s", cursor);
		pages++;
		t_resp_free(&r);
	} while (cursor && pages < 10000);
	is_int(found, 5, "every new user appears once across the pages");
	is_int(seen, 5, "in creation order, never more than limit per page");
	ok(pages >= 3, "limit=2 gives several pages (%d)", pages);

	t_admin(&r, "GET", "/users?limit=200", NULL);
	t_status(&r, 200, "limit=200 is allowed");
	t_resp_free(&r);
	t_admin(&r, "GET", "/users?limit=201", NULL);
	t_error(&r, 422, "validation_failed", "limit=201");
	ok(t_has_field_error(&r, "limit"), "names limit");
	t_resp_free(&r);
	t_admin(&r, "GET", "/users?limit=0", NULL);
	t_error(&r, 422, "validation_failed", "limit=0");
	t_resp_free(&r);
	t_admin(&r, "GET", "/users?limit=ten", NULL);
	t_error(&r, 422, "validation_failed", "limit=ten");
	t_resp_free(&r);
	t_admin(&r, "GET", "/users?cursor=abc", NULL);
	t_error(&r, 422, "validation_failed", "bad cursor");
	ok(t_has_field_error(&r, "cursor"), "names cursor");
	t_resp_free(&r);
	t_admin(&r, "GET", "/users?limit=1&limit=2", NULL);
	t_error(&r, 400, "bad_query", "repeated limit");
	t_resp_free(&r);

	for (i = 0; i < 5; i++)
		free(ids[i]);
	free(id);
	t_done();
	return done_testing();
}
