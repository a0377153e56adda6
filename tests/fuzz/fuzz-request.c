/* libFuzzer harness for what every request goes through before a handler
 * runs: the strict JSON decoder, declared-field validation with the real
 * field tables (users, hosts-like strings, decimals, objects), the email /
 * phone / slug / decimal normalisers, query-string parsing and the router.
 * Crashes, leaks and UB are findings (built with ASan + UBSan).
 *
 *   make fuzz && tests/fuzz/fuzz-request -max_total_time=60 tests/fuzz/corpus
 *
 * Input layout: the first byte picks the path, the rest is the text. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "json.h"
#include "pool.h"
#include "router.h"
#include "users.h"
#include "validate.h"

struct mixed {
	const char *s;
	struct vh_opt_int i;
	struct vh_opt_bool b;
	const char *dec;
	json_object *obj;
};

static const struct vh_fdef mixed_fields[] = {
	{"s", VH_F_STRING, false, 1, 64, offsetof(struct mixed, s), vh_norm_slug},
	{"i", VH_F_INT, false, -5, 5, offsetof(struct mixed, i)},
	{"b", VH_F_BOOL, false, 0, 0, offsetof(struct mixed, b)},
	{"price", VH_F_DECIMAL, false, 0, 999999999999LL, offsetof(struct mixed, dec)},
	{"map", VH_F_OBJECT, false, 0, 8, offsetof(struct mixed, obj)},
	{NULL},
};

static enum vh_status nop(struct vh_req *req, struct vh_err *err)
{
	(void)req;
	(void)err;
	return VH_OK;
}

static const struct vh_route routes[] = {
	{"GET", "/users/{id}", nop, VH_AUTH_NONE},
	{"POST", "/servers/{id}/snapshots/{name}/rollback", nop, VH_AUTH_NONE},
	{"GET", "/healthz", nop, VH_AUTH_NONE},
	{NULL},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vh_pool *pool;
	struct vh_err err;
	const char *out;
	char *text;
	size_t len;

	if (size < 1)
		return 0;
	if (!pool)
		pool = vh_pool_new();
	len = size - 1;
	text = vh_pstrndup(pool, (const char *)data + 1, len);
	vh_err_clear(&err);
	switch (data[0] % 4) {
	case 0: {
		/* Body → JSON → the users table's fields and a mixed table. */
		json_object *o;
		struct vh_user_input u = {0};
		struct mixed m = {0};

		if (vh_json_parse_object(pool, (const char *)data + 1, len, &o, &err) == VH_OK) {
			vh_validate(pool, o, vh_user_create_fields, &u, &err);
			vh_err_clear(&err);
			vh_validate(pool, o, mixed_fields, &m, &err);
		}
		break;
	}
	case 1:
		vh_norm_email(pool, text, &out);
		vh_norm_phone_kr(pool, text, &out);
		vh_norm_slug(pool, text, &out);
		vh_norm_decimal(pool, text, &out);
		vh_norm_token(pool, text, &out);
		vh_is_uuid(text);
		break;
	case 2: {
		/* Query string parsing. */
		char *env[3] = {"REQUEST_METHOD=GET", NULL, NULL};
		struct vh_req req;
		const char *v;

		env[1] = vh_psprintf(pool, "QUERY_STRING=%s", text);
		vh_req_init(&req, pool, env, 1024);
		vh_req_query(&req, "limit", &v, &err);
		vh_req_query(&req, "cursor", &v, &err);
		vh_req_clear(&req);
		break;
	}
	default: {
		/* Routing arbitrary paths and methods. */
		char *env[3];
		struct vh_req req;
		const struct vh_route *r;
		size_t cut = strcspn(text, " ");

		env[0] = vh_psprintf(pool, "REQUEST_METHOD=%.*s", (int)cut, text);
		env[1] = vh_psprintf(pool, "DOCUMENT_URI=%s", text[cut] ? text + cut + 1 : "/");
		env[2] = NULL;
		vh_req_init(&req, pool, env, 1024);
		vh_route(routes, &req, &r, &err);
		vh_req_clear(&req);
		break;
	}
	}
	vh_pool_reset(pool);
	return 0;
}
