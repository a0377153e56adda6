#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "buf.h"
#include "http.h"
#include "pool.h"
#include "router.h"

/* Match path against pattern; on success store captures in req when
 * capture is true.  Segments compare whole: "/users" never matches
 * "/users/" nor "/usersx". */
static bool path_match(const char *pattern, const char *path, struct vh_req *req, bool capture)
{
	const char *p = pattern, *s = path;
	int n = 0;

	while (*p && *s) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			const char *seg_end = strchr(s, '/');
			size_t seg_len = seg_end ? (size_t)(seg_end - s) : strlen(s);

			if (!close || seg_len == 0 || n >= VH_MAX_PARAMS)
				return false;
			if (capture) {
				req->param_names[n] = vh_pstrndup(req->pool, p + 1, (size_t)(close - p - 1));
				req->param_values[n] = vh_pstrndup(req->pool, s, seg_len);
			}
			n++;
			p = close + 1;
			s += seg_len;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	if (*p || *s)
		return false;
	if (capture)
		req->nparams = n;
	return true;
}

static bool method_is(const struct vh_route *r, const char *method)
{
	if (strcmp(r->method, method) == 0)
		return true;
	return strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0;
}

enum vh_status vh_route(const struct vh_route *table, struct vh_req *req,
			const struct vh_route **found, struct vh_err *err)
{
	const struct vh_route *r;
	struct vh_buf allow = VH_BUF_INIT;
	bool path_known = false, has_get = false;

	*found = NULL;
	for (r = table; r->pattern; r++) {
		if (!path_match(r->pattern, req->path, req, false))
			continue;
		if (method_is(r, req->method)) {
			path_match(r->pattern, req->path, req, true);
			*found = r;
			return VH_OK;
		}
		path_known = true;
	}
	if (!path_known)
		return vh_fail(err, VH_NOTFOUND, "not_found", "no such resource: %s", req->path);

	for (r = table; r->pattern; r++) {
		if (!path_match(r->pattern, req->path, req, false))
			continue;
		if (allow.len && strstr(allow.data, r->method))
			continue;
		vh_buf_printf(&allow, "%s%s", allow.len ? ", " : "", r->method);
		if (strcmp(r->method, "GET") == 0)
			has_get = true;
	}
	if (has_get)
		vh_buf_adds(&allow, ", HEAD");
	vh_resp_header(req, "Allow", allow.data);
	vh_fail(err, VH_METHOD, "method_not_allowed", "%s is not allowed on %s; allowed: %s",
		req->method, req->path, allow.data);
	vh_buf_free(&allow);
	return VH_METHOD;
}
