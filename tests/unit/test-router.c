/* Router: matching, captures, 404 and 405 with Allow, HEAD served by GET. */
#include "config.h"

#include "http.h"
#include "pool.h"
#include "router.h"
#include "tap.h"

static enum vh_status h_a(struct vh_req *r, struct vh_err *e) { (void)r; (void)e; return VH_OK; }
static enum vh_status h_b(struct vh_req *r, struct vh_err *e) { (void)r; (void)e; return VH_OK; }
static enum vh_status h_c(struct vh_req *r, struct vh_err *e) { (void)r; (void)e; return VH_OK; }
static enum vh_status h_d(struct vh_req *r, struct vh_err *e) { (void)r; (void)e; return VH_OK; }

static const struct vh_route table[] = {
	{"GET", "/users", h_a, VH_AUTH_ADMIN},
	{"POST", "/users", h_b, VH_AUTH_ADMIN},
	{"GET", "/users/{id}", h_c, VH_AUTH_ADMIN},
	{"POST", "/servers/{id}/snapshots/{name}/rollback", h_d, VH_AUTH_NONE},
	{NULL, NULL, NULL, VH_AUTH_NONE},
};

static enum vh_status route(struct vh_pool *pool, struct vh_req *req, const char *method,
			    const char *path, const struct vh_route **found, struct vh_err *err)
{
	char m[64], p[256];
	char *env[3] = {m, p, NULL};

	snprintf(m, sizeof(m), "REQUEST_METHOD=%s", method);
	snprintf(p, sizeof(p), "DOCUMENT_URI=%s", path);
	vh_req_clear(req);
	vh_req_init(req, pool, env, 1024);
	vh_err_clear(err);
	return vh_route(table, req, found, err);
}

int main(void)
{
	struct vh_pool *pool = vh_pool_new();
	struct vh_req req = {0};
	const struct vh_route *r;
	struct vh_err err;

	is_int(route(pool, &req, "GET", "/users", &r, &err), VH_OK, "GET /users matches");
	ok(r && r->handler == h_a, "GET /users goes to its handler");
	is_int(route(pool, &req, "POST", "/users", &r, &err), VH_OK, "POST /users matches");
	ok(r && r->handler == h_b, "POST /users goes to its handler");
	is_int(route(pool, &req, "GET", "/users/abc", &r, &err), VH_OK, "GET /users/{id} matches");
	is_str(vh_req_param(&req, "id"), "abc", "id is captured");
	is_int(route(pool, &req, "POST", "/servers/s1/snapshots/before-upgrade/rollback", &r, &err),
	       VH_OK, "two captures match");
	is_str(vh_req_param(&req, "id"), "s1", "first capture");
	is_str(vh_req_param(&req, "name"), "before-upgrade", "second capture");
	is_int(route(pool, &req, "HEAD", "/users/abc", &r, &err), VH_OK, "HEAD is served by GET");

	is_int(route(pool, &req, "GET", "/nope", &r, &err), VH_NOTFOUND, "unknown path is 404");
	is_int(route(pool, &req, "GET", "/users/", &r, &err), VH_NOTFOUND, "empty capture is 404");
	is_int(route(pool, &req, "GET", "/users/a/b", &r, &err), VH_NOTFOUND, "extra segment is 404");
	is_int(route(pool, &req, "GET", "/usersx", &r, &err), VH_NOTFOUND, "prefix is not a match");
	is_str(err.code, "not_found", "404 code");

	is_int(route(pool, &req, "DELETE", "/users", &r, &err), VH_METHOD, "wrong method is 405");
	ok(strstr(vh_buf_str(&req.resp_headers), "Allow: GET, POST, HEAD\r\n") != NULL,
	   "Allow lists the methods: %s", vh_buf_str(&req.resp_headers));
	is_int(route(pool, &req, "PUT", "/users/x", &r, &err), VH_METHOD, "405 on a pattern");
	ok(strstr(vh_buf_str(&req.resp_headers), "Allow: GET, HEAD\r\n") != NULL, "Allow for pattern");
	is_str(err.code, "method_not_allowed", "405 code");

	vh_req_clear(&req);
	vh_pool_free(pool);
	return done_testing();
}
