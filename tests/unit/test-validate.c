/* Validators: tables of good and bad emails and Korean phone numbers, and
 * the declared-field validator reporting every bad field at once. */
#include "config.h"

#include <stddef.h>

#include "pool.h"
#include "tap.h"
#include "validate.h"

static const struct {
	const char *in, *out;   /* out NULL: must be refused */
} emails[] = {
	{"user@example.com", "user@example.com"},
	{"User.Name+tag@Example.CO.KR", "user.name+tag@example.co.kr"},
	{"a@b.io", "a@b.io"},
	{"o'brien@mail-server.example.org", "o'brien@mail-server.example.org"},
	{"first_last-1@sub.domain.kr", "first_last-1@sub.domain.kr"},
	{"", NULL},
	{"plainaddress", NULL},
	{"@example.com", NULL},
	{"user@", NULL},
	{"user@@example.com", NULL},
	{"user@example", NULL},
	{"user@example.c", NULL},
	{"user@example.123", NULL},
	{".user@example.com", NULL},
	{"user.@example.com", NULL},
	{"us..er@example.com", NULL},
	{"user@-example.com", NULL},
	{"user@example-.com", NULL},
	{"user@exa_mple.com", NULL},
	{"user@example..com", NULL},
	{"us er@example.com", NULL},
	{"user@example.com.", NULL},
	{"\"quoted\"@example.com", NULL},
	{"1234567890123456789012345678901234567890123456789012345678901234567890@example.com", NULL},
};

static const struct {
	const char *in, *out;
} phones[] = {
	{"010-1234-5678", "01012345678"},
	{"01012345678", "01012345678"},
	{"010 1234 5678", "01012345678"},
	{"010.1234.5678", "01012345678"},
	{"011-123-4567", "0111234567"},
	{"016-1234-5678", "01612345678"},
	{"019-123-4567", "0191234567"},
	{"02-123-4567", "021234567"},
	{"02-1234-5678", "0212345678"},
	{"031-123-4567", "0311234567"},
	{"064-1234-5678", "06412345678"},
	{"", NULL},
	{"+82-10-1234-5678", NULL},
	{"821012345678", NULL},
	{"010-123-4567", NULL},          /* 010 needs 8 digits */
	{"010-1234-56789", NULL},
	{"011-12-3456", NULL},
	{"02-12-3456", NULL},
	{"02-12345-67890", NULL},
	{"030-123-4567", NULL},          /* no such area code */
	{"070-1234-5678", NULL},         /* not mobile or landline */
	{"010-1234-567a", NULL},
	{"(010)12345678", NULL},
	{"010_1234_5678", NULL},
	{"0", NULL},
	{"01", NULL},
};

struct input {
	const char *name;
	const char *email;
	struct vh_opt_int count;
	struct vh_opt_bool flag;
};

static const struct vh_fdef defs[] = {
	{"name", VH_F_STRING, true, 1, 8, offsetof(struct input, name), NULL, false},
	{"email", VH_F_STRING, false, 3, 254, offsetof(struct input, email), vh_norm_email, false},
	{"count", VH_F_INT, false, 1, 10, offsetof(struct input, count), NULL, false},
	{"flag", VH_F_BOOL, false, 0, 0, offsetof(struct input, flag), NULL, false},
	{NULL, 0, false, 0, 0, 0, NULL, false},
};

static int run(struct vh_pool *pool, const char *json, struct input *in, struct vh_err *err)
{
	json_object *o = json_tokener_parse(json);
	int st;

	vh_err_clear(err);
	*in = (struct input){0};
	st = vh_validate(pool, o, defs, in, err);
	json_object_put(o);
	return st;
}

static int has_field(const struct vh_err *err, const char *f)
{
	int i;

	for (i = 0; i < err->nfields; i++)
		if (!strcmp(err->fields[i].field, f))
			return 1;
	return 0;
}

int main(void)
{
	struct vh_pool *pool = vh_pool_new();
	struct vh_err err;
	struct input in;
	size_t i;

	for (i = 0; i < sizeof(emails) / sizeof(emails[0]); i++) {
		const char *out = NULL;
		const char *msg = vh_norm_email(pool, emails[i].in, &out);

		if (emails[i].out)
			is_str(msg ? NULL : out, emails[i].out, "email %s accepted", emails[i].in);
		else
			ok(msg != NULL, "email \"%s\" refused (%s)", emails[i].in, msg ? msg : "-");
	}
	for (i = 0; i < sizeof(phones) / sizeof(phones[0]); i++) {
		const char *out = NULL;
		const char *msg = vh_norm_phone_kr(pool, phones[i].in, &out);

		if (phones[i].out)
			is_str(msg ? NULL : out, phones[i].out, "phone %s -> %s", phones[i].in, phones[i].out);
		else
			ok(msg != NULL, "phone \"%s\" refused (%s)", phones[i].in, msg ? msg : "-");
	}

	is_int(run(pool, "{\"name\":\"abc\",\"email\":\"A@B.CO\",\"count\":3,\"flag\":true}", &in, &err),
	       VH_OK, "valid body passes");
	is_str(in.email, "a@b.co", "normaliser output is stored");
	ok(in.count.set && in.count.v == 3 && in.flag.set && in.flag.v, "int and bool are stored");

	is_int(run(pool, "{\"email\":null}", &in, &err), VH_INVALID, "missing required field is 422");
	ok(has_field(&err, "name") && err.nfields == 1, "only the missing field is reported");
	ok(in.email == NULL, "null counts as absent");

	is_int(run(pool, "{\"name\":5,\"email\":\"bad\",\"count\":11,\"flag\":\"yes\",\"extra\":1}", &in, &err),
	       VH_INVALID, "many bad fields are 422");
	ok(err.nfields == 5 && has_field(&err, "name") && has_field(&err, "email") &&
	   has_field(&err, "count") && has_field(&err, "flag") && has_field(&err, "extra"),
	   "every bad field is listed (%d)", err.nfields);
	is_str(err.code, "validation_failed", "code is validation_failed");

	is_int(run(pool, "{\"name\":\"123456789\"}", &in, &err), VH_INVALID, "over-long string");
	is_int(run(pool, "{\"name\":\"\"}", &in, &err), VH_INVALID, "empty string");
	is_int(run(pool, "{\"name\":\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"}", &in, &err),
	       VH_OK, "length counts characters, not bytes");
	is_int(run(pool, "{\"name\":\"a\\u0000b\"}", &in, &err), VH_INVALID, "embedded NUL refused");
	is_int(run(pool, "{\"name\":\"a\\nb\"}", &in, &err), VH_INVALID, "control character refused");
	is_int(run(pool, "{\"name\":\"x\",\"count\":1.5}", &in, &err), VH_INVALID, "float for int refused");
	is_int(run(pool, "{\"name\":\"x\",\"count\":\"2\"}", &in, &err), VH_INVALID, "string for int refused");
	is_int(run(pool, "[1,2]", &in, &err), VH_BADREQUEST, "array body is 400");

	ok(vh_is_uuid("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"), "uuid accepted");
	ok(!vh_is_uuid("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5"), "short uuid refused");
	ok(!vh_is_uuid("0193a1b2xc3d4-7e5f-8a9b-0c1d2e3f4a5b"), "bad uuid refused");
	ok(!vh_is_uuid("../../etc/passwd"), "path refused");

	vh_pool_free(pool);
	return done_testing();
}
