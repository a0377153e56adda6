/* Who is calling.  This issue has one role: the admin, proven by the
 * X-Admin-Key header.  nginx already refuses /admin/ requests without the
 * header; the application checks the value itself on every admin route, so
 * a misconfigured proxy never opens the admin API. */
#ifndef VH_AUTH_H
#define VH_AUTH_H

#include "err.h"
#include "router.h"

struct vh_req;

/* Remember the admin key (its SHA-256; the key itself is not kept). */
void vh_auth_init(const char *admin_key);

/* 401 with a JSON reason when req does not meet the route's requirement. */
enum vh_status vh_auth_check(struct vh_req *req, enum vh_auth auth, struct vh_err *err);

/* Constant-time comparison of two strings of any length. */
int vh_secret_equal(const char *a, const char *b);

#endif
