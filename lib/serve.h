/* The FastCGI accept loop shared by vibehost-api and the simulators:
 * accept → route → authorize → handler → JSON out → access log → reset the
 * request pool.  The listening socket is fd 0, as spawn-fcgi hands it over. */
#ifndef VH_SERVE_H
#define VH_SERVE_H

#include <stddef.h>

#include "router.h"

struct vh_req;

struct vh_serve_opts {
	const struct vh_route *routes;
	size_t max_body;
	void *ctx;                 /* given to handlers as req->ctx */
};

/* Serve until SIGTERM/SIGINT (between requests) or an accept error.
 * Returns the process exit code. */
int vh_serve(const struct vh_serve_opts *opts);

/* Handle one request already initialised (used by vh_serve and the unit
 * tests): route, authorize, run the handler, turn errors into JSON. */
void vh_dispatch(const struct vh_route *routes, struct vh_req *req);

#endif
