/* Routes are one table of {method, pattern, handler, auth} closed by a
 * sentinel.  Patterns are literal segments and {name} captures:
 * "/users/{id}".  An unknown path is a 404, a known path with another method
 * a 405 with Allow; HEAD is served by the GET route. */
#ifndef VH_ROUTER_H
#define VH_ROUTER_H

#include <stddef.h>

#include "err.h"

struct vh_req;

/* Who may call a route.  Failing to say who you are is 401; being someone
 * the route is not for is 403. */
enum vh_auth {
	VH_AUTH_NONE,     /* open: health checks, simulators */
	VH_AUTH_ADMIN,    /* X-Admin-Key (without impersonation) */
	VH_AUTH_USER,     /* a user: JWT, upstream auth, or admin key + X-Impersonate-User */
	VH_AUTH_ANY,      /* a user or the admin */
	VH_AUTH_REGISTER, /* the admin, or a valid JWT whose subject has no user yet */
};

const char *vh_auth_name(enum vh_auth auth);

typedef enum vh_status (*vh_handler)(struct vh_req *req, struct vh_err *err);

struct vh_route {
	const char *method;
	const char *pattern;
	vh_handler handler;
	enum vh_auth auth;
	const void *arg;   /* handed to the handler as req->route_arg (e.g. a resource table) */
};

/* Find the route for req (method and path); fills req's path parameters.
 * On 405 the Allow header is added to req's response headers. */
enum vh_status vh_route(const struct vh_route *table, struct vh_req *req,
			const struct vh_route **found, struct vh_err *err);

#endif
