#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "db.h"
#include "pool.h"
#include "users.h"
#include "uuid.h"
#include "json.h"

const struct vh_fdef vh_user_create_fields[] = {
	{"email", VH_F_STRING, true, 3, 254, offsetof(struct vh_user_input, email), vh_norm_email, false},
	{"phone_number", VH_F_STRING, true, 1, 32, offsetof(struct vh_user_input, phone_number),
	 vh_norm_phone_kr, false},
	{"external_auth_id", VH_F_STRING, false, 1, 255,
	 offsetof(struct vh_user_input, external_auth_id), vh_norm_token, false},
	{NULL, 0, false, 0, 0, 0, NULL, false},
};

/* Every statement of this module.  Columns are always selected in the order
 * row_to_user() reads them. */
#define USER_COLS "id, email, phone_number, external_auth_id, " \
	"DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ')"

static const char sql_insert[] =
	"INSERT INTO users (id, email, phone_number, external_auth_id) VALUES (?, ?, ?, ?)";
static const char sql_get[] = "SELECT " USER_COLS " FROM users WHERE id = ?";
static const char sql_by_external[] = "SELECT " USER_COLS " FROM users WHERE external_auth_id = ?";
static const char sql_list[] = "SELECT " USER_COLS " FROM users WHERE id > ? ORDER BY id LIMIT ?";

static void row_to_user(const struct vh_rows *r, size_t row, struct vh_user *u)
{
	u->id = vh_rows_get(r, row, 0);
	u->email = vh_rows_get(r, row, 1);
	u->phone_number = vh_rows_get(r, row, 2);
	u->external_auth_id = vh_rows_get(r, row, 3);
	u->created_at = vh_rows_get(r, row, 4);
}

enum vh_status vh_users_create(struct vh_db *db, struct vh_pool *pool,
			       const struct vh_user_input *in, struct vh_user *out,
			       struct vh_err *err)
{
	char id[VH_UUID_LEN + 1];
	struct vh_param p[4];
	enum vh_status st;

	vh_uuid_v7(id);
	p[0] = VH_PSTR(id);
	p[1] = VH_PSTR(in->email);
	p[2] = VH_PSTR(in->phone_number);
	p[3] = VH_PSTR(in->external_auth_id);
	/* Not idempotent: if the connection drops after the server committed,
	 * a retry would report the user's own row as a duplicate. */
	st = vh_db_exec(db, pool, sql_insert, p, 4, 0, NULL, err);
	if (st == VH_CONFLICT) {
		const char *key = vh_db_dup_key(db);

		if (strcmp(key, "uq_users_external_auth_id") == 0)
			return vh_fail(err, VH_CONFLICT, "external_auth_id_taken",
				       "a user with this external_auth_id already exists");
		return vh_fail(err, VH_CONFLICT, "email_taken", "a user with this email already exists");
	}
	if (st != VH_OK)
		return st;
	return vh_users_get(db, pool, id, out, err);
}

enum vh_status vh_users_get(struct vh_db *db, struct vh_pool *pool, const char *id,
			    struct vh_user *out, struct vh_err *err)
{
	struct vh_rows r;
	struct vh_param p[1];
	char lower[VH_UUID_LEN + 1];
	size_t i;
	enum vh_status st;

	/* A malformed id cannot name a user: 404 without asking the database. */
	if (!vh_is_uuid(id))
		return vh_fail(err, VH_NOTFOUND, "user_not_found", "no such user");
	for (i = 0; i <= VH_UUID_LEN; i++)
		lower[i] = (char)tolower((unsigned char)id[i]);
	p[0] = VH_PSTR(lower);
	st = vh_db_exec(db, pool, sql_get, p, 1, VH_DB_IDEMPOTENT, &r, err);
	if (st != VH_OK)
		return st;
	if (r.nrows == 0)
		return vh_fail(err, VH_NOTFOUND, "user_not_found", "no such user");
	row_to_user(&r, 0, out);
	return VH_OK;
}

enum vh_status vh_users_list(struct vh_db *db, struct vh_pool *pool, const char *after,
			     long long limit, struct vh_user **out, size_t *n, int *more,
			     struct vh_err *err)
{
	struct vh_rows r;
	struct vh_param p[2];
	enum vh_status st;
	size_t i;

	p[0] = VH_PSTR(after ? after : "");
	p[1] = VH_PINT(limit + 1);   /* one more tells whether a next page exists */
	st = vh_db_exec(db, pool, sql_list, p, 2, VH_DB_IDEMPOTENT, &r, err);
	if (st != VH_OK)
		return st;
	*more = r.nrows > (size_t)limit;
	*n = *more ? (size_t)limit : r.nrows;
	*out = vh_palloc(pool, (*n ? *n : 1) * sizeof(**out));
	for (i = 0; i < *n; i++)
		row_to_user(&r, i, &(*out)[i]);
	return VH_OK;
}

enum vh_status vh_users_by_subject(struct vh_db *db, struct vh_pool *pool, const char *subject,
				   struct vh_user *out, struct vh_err *err)
{
	struct vh_rows r;
	struct vh_param p[1] = {VH_PSTR(subject)};
	enum vh_status st;

	st = vh_db_exec(db, pool, sql_by_external, p, 1, VH_DB_IDEMPOTENT, &r, err);
	if (st != VH_OK)
		return st;
	if (r.nrows == 1) {
		row_to_user(&r, 0, out);
		return VH_OK;
	}
	return vh_users_get(db, pool, subject, out, err);
}

json_object *vh_user_json(const struct vh_user *u)
{
	json_object *o = json_object_new_object();

	vh_json_add_str(o, "id", u->id);
	vh_json_add_str(o, "email", u->email);
	vh_json_add_str(o, "phone_number", u->phone_number);
	vh_json_add_str(o, "external_auth_id", u->external_auth_id);
	vh_json_add_str(o, "created_at", u->created_at);
	return o;
}
