/* JSON error rendering: the shape every error has. */
#include "config.h"

#include "json.h"
#include "pool.h"
#include "tap.h"

static const char *render(const struct vh_err *err, const char *rid)
{
	static char buf[2048];
	json_object *o = vh_json_error(err, rid);

	snprintf(buf, sizeof(buf), "%s", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return buf;
}

int main(void)
{
	struct vh_err err;
	struct vh_pool *pool = vh_pool_new();
	json_object *o;

	vh_err_clear(&err);
	vh_fail(&err, VH_NOTFOUND, "user_not_found", "no such user");
	is_str(render(&err, "r1"), "{\"detail\":\"no such user\",\"code\":\"user_not_found\",\"request_id\":\"r1\"}",
	       "404 body");
	is_int(vh_status_http(err.status), 404, "maps to 404");

	vh_err_clear(&err);
	vh_err_field(&err, "email", "field required");
	vh_err_field(&err, "phone_number", "must be 010 followed by 8 digits");
	is_int(vh_err_fields_done(&err), VH_INVALID, "fields make a 422");
	is_int(vh_status_http(err.status), 422, "maps to 422");
	is_str(render(&err, "r2"),
	       "{\"detail\":\"invalid input: email: field required; phone_number: must be 010 followed by 8 digits\","
	       "\"code\":\"validation_failed\",\"request_id\":\"r2\",\"errors\":[{\"field\":\"email\",\"message\":\"field required\"},"
	       "{\"field\":\"phone_number\",\"message\":\"must be 010 followed by 8 digits\"}]}",
	       "422 body lists every field");

	vh_err_clear(&err);
	vh_fail(&err, VH_UNAVAILABLE, "db_unavailable", "quote \" and \n newline");
	ok(strstr(render(&err, "r3"), "quote \\\" and \\n newline") != NULL, "detail is escaped");

	is_int(vh_status_http(VH_BADREQUEST), 400, "400");
	is_int(vh_status_http(VH_UNAUTHORIZED), 401, "401");
	is_int(vh_status_http(VH_METHOD), 405, "405");
	is_int(vh_status_http(VH_CONFLICT), 409, "409");
	is_int(vh_status_http(VH_TOOLARGE), 413, "413");
	is_int(vh_status_http(VH_MEDIATYPE), 415, "415");
	is_int(vh_status_http(VH_TRANSIENT), 503, "transient is 503");
	is_int(vh_status_http(VH_INTERNAL), 500, "internal is 500");
	is_int(vh_status_http((enum vh_status)99), 500, "out of range is 500");

	vh_err_clear(&err);
	is_int(vh_json_parse_object(pool, "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":{\"j\":{\"k\":{\"l\":{\"m\":{\"n\":{\"o\":{\"p\":{\"q\":1}}}}}}}}}}}}}}}}}",
				    91, &o, &err), VH_BADREQUEST, "nesting deeper than 16 is refused");
	vh_err_clear(&err);
	is_int(vh_json_parse_object(pool, "{\"a\":[1,2,{\"b\":null}]}", 22, &o, &err), VH_OK,
	       "nested object parses");
	vh_pool_free(pool);
	return done_testing();
}
