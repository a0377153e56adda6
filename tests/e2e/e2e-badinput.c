/* Every bad input to POST /users gets a JSON error with the right 4xx, and
 * none of them leaves a row behind.  Data-driven: one table row a case. */
#include "config.h"

#include <stdlib.h>

#include "harness.h"

struct bad_case {
	const char *what;
	const char *content_type;   /* NULL: none sent */
	const char *body;
	long status;
	const char *code;
	const char *field;          /* a field the 422 must name, or NULL */
	const char *field2;
};

#define EMAIL "@EMAIL@"

static const struct bad_case cases[] = {
	{"malformed JSON", "application/json", "{\"email\": ", 400, "invalid_json", NULL, NULL},
	{"JSON with trailing garbage", "application/json", "{}}", 400, "invalid_json", NULL, NULL},
	{"single-quoted JSON", "application/json", "{'email':'a@b.co'}", 400, "invalid_json", NULL, NULL},
	{"a JSON array", "application/json", "[]", 400, "invalid_json", NULL, NULL},
	{"a JSON string", "application/json", "\"x\"", 400, "invalid_json", NULL, NULL},
	{"empty body", "application/json", "", 400, "invalid_json", NULL, NULL},
	{"invalid UTF-8", "application/json", "{\"email\":\"\xc3\x28@b.co\"}", 400, "invalid_json", NULL, NULL},
	{"missing fields", "application/json", "{}", 422, "validation_failed", "email", "phone_number"},
	{"wrong types", "application/json", "{\"email\":5,\"phone_number\":[\"010\"]}", 422,
	 "validation_failed", "email", "phone_number"},
	{"null for a required field", "application/json",
	 "{\"email\":null,\"phone_number\":\"01012345678\"}", 422, "validation_failed", "email", NULL},
	{"unknown field", "application/json",
	 "{\"email\":\"" EMAIL "\",\"phone_number\":\"01012345678\",\"is_admin\":true}", 422,
	 "validation_failed", "is_admin", NULL},
	{"bad email", "application/json", "{\"email\":\"not-an-email\",\"phone_number\":\"01012345678\"}",
	 422, "validation_failed", "email", NULL},
	{"bad phone", "application/json", "{\"email\":\"" EMAIL "\",\"phone_number\":\"010-123\"}", 422,
	 "validation_failed", "phone_number", NULL},
	{"+82 phone", "application/json", "{\"email\":\"" EMAIL "\",\"phone_number\":\"+821012345678\"}",
	 422, "validation_failed", "phone_number", NULL},
	{"empty external_auth_id", "application/json",
	 "{\"email\":\"" EMAIL "\",\"phone_number\":\"01012345678\",\"external_auth_id\":\"\"}", 422,
	 "validation_failed", "external_auth_id", NULL},
	{"external_auth_id with a space", "application/json",
	 "{\"email\":\"" EMAIL "\",\"phone_number\":\"01012345678\",\"external_auth_id\":\"a b\"}", 422,
	 "validation_failed", "external_auth_id", NULL},
	{"control character in email", "application/json",
	 "{\"email\":\"a\\u0007b@c.co\",\"phone_number\":\"01012345678\"}", 422, "validation_failed", "email", NULL},
	{"wrong Content-Type", "text/plain", "{\"email\":\"" EMAIL "\",\"phone_number\":\"01012345678\"}",
	 415, "unsupported_media_type", NULL, NULL},
	{"form Content-Type", "application/x-www-form-urlencoded", "email=a%40b.co", 415,
	 "unsupported_media_type", NULL, NULL},
	{"no Content-Type", NULL, "{\"email\":\"" EMAIL "\",\"phone_number\":\"01012345678\"}", 415,
	 "unsupported_media_type", NULL, NULL},
};

static char *with_email(const char *body, const char *email)
{
	const char *at = strstr(body, EMAIL);
	char *out = malloc(strlen(body) + strlen(email) + 1);

	if (!at) {
		strcpy(out, body);
		return out;
	}
	memcpy(out, body, (size_t)(at - body));
	strcpy(out + (at - body), email);
	strcat(out, at + strlen(EMAIL));
	return out;
}

static void post_big(size_t size, long want, const char *what)
{
	struct t_resp r;
	char key[600];
	const char *hdr[] = {key, NULL};
	char *big = malloc(size + 1);

	snprintf(key, sizeof(key), "X-Admin-Key: %s", t_admin_key());
	/* A syntactically valid JSON object, so only its size is wrong. */
	memset(big, ' ', size);
	big[0] = '{';
	big[size - 1] = '}';
	big[size] = '\0';
	t_request(&r, NULL, "POST", "/users", hdr, "application/json", big, size);
	t_error(&r, want, "payload_too_large", what);
	t_resp_free(&r);
	free(big);
}

int main(void)
{
	const char *email = t_unique_email("bad-input");
	char key[600], path[128];
	const char *hdr[] = {key, NULL};
	struct t_resp r;
	size_t i;

	t_init();
	snprintf(key, sizeof(key), "X-Admin-Key: %s", t_admin_key());

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];
		char *body = with_email(c->body, email);

		t_request(&r, NULL, "POST", "/users", hdr, c->content_type, body, strlen(body));
		t_error(&r, c->status, c->code, c->what);
		if (c->field)
			ok(t_has_field_error(&r, c->field), "%s: names %s", c->what, c->field);
		if (c->field2)
			ok(t_has_field_error(&r, c->field2), "%s: names %s", c->what, c->field2);
		t_resp_free(&r);
		free(body);
	}

	/* Too big: 1 MB is stopped by nginx; 100 KB passes nginx's limit and is
	 * stopped by the application's MAX_BODY_BYTES. */
	post_big(1024 * 1024, 413, "1 MB body refused by nginx");
	post_big(100 * 1024, 413, "100 KB body refused by the API");

	t_request(&r, NULL, "GET", "/nowhere", hdr, NULL, NULL, 0);
	t_error(&r, 404, "not_found", "unknown path");
	t_resp_free(&r);
	t_request(&r, NULL, "DELETE", "/users", hdr, NULL, NULL, 0);
	t_error(&r, 405, "method_not_allowed", "DELETE /users");
	is_str(t_header(&r, "Allow"), "POST, GET, HEAD", "Allow lists the methods of /users");
	t_resp_free(&r);
	t_request(&r, NULL, "PUT", "/users/00000000-0000-7000-8000-000000000000", hdr, "application/json",
		  "{}", 2);
	t_error(&r, 405, "method_not_allowed", "PUT /users/{id}");
	t_resp_free(&r);

	/* None of the refused requests wrote a row: the email is still free. */
	{
		char body[256];

		snprintf(body, sizeof(body), "{\"email\":\"%s\",\"phone_number\":\"01012345678\"}", email);
		t_admin(&r, "POST", "/users", body);
		t_status(&r, 201, "the email the bad requests used is still free");
		snprintf(path, sizeof(path), "/users/%s", t_str(&r, "id") ? t_str(&r, "id") : "x");
		t_resp_free(&r);
		t_admin(&r, "GET", path, NULL);
		t_status(&r, 200, "and the user it makes is readable");
		t_resp_free(&r);
	}

	t_done();
	return done_testing();
}
