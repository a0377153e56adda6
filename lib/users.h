/* The users table: who owns servers.  Email is stored lower-cased, phone
 * numbers as domestic digits only, ids are UUIDv7. */
#ifndef VH_USERS_H
#define VH_USERS_H

#include <stddef.h>

#include <json-c/json.h>

#include "err.h"
#include "validate.h"

struct vh_db;
struct vh_pool;

struct vh_user {
	const char *id;
	const char *email;
	const char *phone_number;
	const char *external_auth_id;
	const char *created_at;   /* ISO 8601 UTC */
};

struct vh_user_input {
	const char *email;
	const char *phone_number;
	const char *external_auth_id;
};

/* The fields POST /users takes. */
extern const struct vh_fdef vh_user_create_fields[];

enum vh_status vh_users_create(struct vh_db *db, struct vh_pool *pool,
			       const struct vh_user_input *in, struct vh_user *out,
			       struct vh_err *err);
enum vh_status vh_users_get(struct vh_db *db, struct vh_pool *pool, const char *id,
			    struct vh_user *out, struct vh_err *err);
/* Up to limit users with id > after (NULL: from the start), in id order;
 * *more tells whether another page follows. */
enum vh_status vh_users_list(struct vh_db *db, struct vh_pool *pool, const char *after,
			     long long limit, struct vh_user **out, size_t *n, int *more,
			     struct vh_err *err);

/* The user a token subject names: users.external_auth_id, else users.id.
 * VH_NOTFOUND when nobody. */
enum vh_status vh_users_by_subject(struct vh_db *db, struct vh_pool *pool, const char *subject,
				   struct vh_user *out, struct vh_err *err);

json_object *vh_user_json(const struct vh_user *u);

#endif
