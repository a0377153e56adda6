/* Who is calling, and whether the route lets them.  Three ways in:
 * - X-Admin-Key (constant-time compare); with X-Impersonate-User: <uuid>
 *   the admin acts as that user (logged as admin-as-user);
 * - Authorization: Bearer <JWT> (jwt.c), whose sub names the user by
 *   external_auth_id or id;
 * - optionally an upstream "me" endpoint (AUTH_API_URL) that vouches for
 *   the caller's Authorization/Cookie, cached briefly per credential.
 * nginx already refuses /admin/ requests without the key header; the
 * application checks the value itself, so a misconfigured proxy never opens
 * the admin API. */
#ifndef VH_AUTH_H
#define VH_AUTH_H

#include "err.h"
#include "router.h"

struct vh_req;

/* Remember the admin key (its SHA-256; the key itself is not kept). */
void vh_auth_init(const char *admin_key);
/* Release the upstream client and cache (program exit). */
void vh_auth_cleanup(void);

/* Establish req->who and check it against the route's requirement:
 * 401 when the caller is not (validly) identified, 403 when identified but
 * not allowed, 404 for impersonating an unknown user, 503 when the
 * upstream cannot be asked. */
enum vh_status vh_auth_check(struct vh_req *req, enum vh_auth auth, struct vh_err *err);

/* Constant-time comparison of two strings of any length. */
int vh_secret_equal(const char *a, const char *b);

/* For log lines: "admin", "user:<id>", "admin-as:<id>" or "anonymous". */
const char *vh_auth_actor(const struct vh_req *req);

#endif
