/* auth-upstream: a stand-in for a billing system's "me" endpoint, so the
 * upstream-auth path (AUTH_API_URL) is tested against a real HTTP peer.
 *
 *   GET /me      Authorization: Bearer up-<id>  -> 200 {"id":"<id>"}
 *                Authorization: Bearer up-down  -> 503 (the upstream is failing)
 *                Cookie: session=<id>           -> 200 {"id":"<id>"}
 *                anything else                  -> 401
 *   GET /_count?id=<id> -> {"calls": N}  (calls to /me for that id; other
 *                tests share this upstream, so counts are per id)
 * One FastCGI process: the counter lives in memory. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "http.h"
#include "json.h"
#include "log.h"
#include "pool.h"
#include "serve.h"

#define SLOTS 256

static struct {
	char id[128];
	long calls;
} seen[SLOTS];

static void count_call(const char *id)
{
	int i;

	for (i = 0; i < SLOTS; i++) {
		if (!seen[i].id[0])
			snprintf(seen[i].id, sizeof(seen[i].id), "%s", id);
		if (strcmp(seen[i].id, id) == 0) {
			seen[i].calls++;
			return;
		}
	}
}

static enum vh_status me(struct vh_req *req, struct vh_err *err)
{
	const char *authz = vh_req_header(req, "Authorization");
	const char *cookie = vh_req_header(req, "Cookie");
	const char *id = NULL;
	json_object *o;

	if (authz && strncmp(authz, "Bearer up-", 10) == 0)
		count_call(authz + 10);
	else if (cookie && strncmp(cookie, "session=", 8) == 0)
		count_call(cookie + 8);
	if (authz && strcmp(authz, "Bearer up-down") == 0)
		return vh_fail(err, VH_UNAVAILABLE, "down", "upstream is down");
	if (authz && strncmp(authz, "Bearer up-", 10) == 0 && authz[10])
		id = authz + 10;
	else if (cookie && strncmp(cookie, "session=", 8) == 0 && cookie[8])
		id = cookie + 8;
	if (!id)
		return vh_fail(err, VH_UNAUTHORIZED, "unauthorized", "who are you?");
	o = vh_json_own(req->pool, json_object_new_object());
	vh_json_add_str(o, "id", id);
	vh_json_add_str(o, "plan", "gold");
	vh_resp_json(req, 200, o);
	return VH_OK;
}

static enum vh_status count(struct vh_req *req, struct vh_err *err)
{
	json_object *o = vh_json_own(req->pool, json_object_new_object());
	const char *id = NULL;
	long n = 0;
	int i;

	vh_req_query(req, "id", &id, err);
	for (i = 0; id && i < SLOTS; i++)
		if (strcmp(seen[i].id, id) == 0)
			n = seen[i].calls;
	vh_json_add_int(o, "calls", n);
	vh_resp_json(req, 200, o);
	return VH_OK;
}


static const struct vh_route routes[] = {
	{"GET", "/me", me, VH_AUTH_NONE},
	{"GET", "/_count", count, VH_AUTH_NONE},
	{NULL},
};

int main(int argc, char **argv)
{
	struct vh_serve_opts opts = {routes, 4096, NULL};

	if (argc > 1) {
		printf("Usage: auth-upstream  (a FastCGI test upstream; see its source)\n");
		return strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	vh_log_init("auth-upstream", VH_LOG_INFO, 2);
	return vh_serve(&opts);
}
