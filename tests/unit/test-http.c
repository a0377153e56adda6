/* Request parsing: headers, query strings, body size cap, content type,
 * strict JSON; response rendering and dispatch turning errors into JSON. */
#include "config.h"

#include "buf.h"
#include "http.h"
#include "pool.h"
#include "serve.h"
#include "tap.h"

static struct vh_pool *pool;

static void init(struct vh_req *req, char **env)
{
	vh_req_clear(req);
	vh_pool_reset(pool);
	vh_req_init(req, pool, env, 64);
}

static enum vh_status body(struct vh_req *req, const char *ct, const char *len, const char *text,
			   struct vh_err *err)
{
	static char e_ct[128], e_len[64], e_body[256];
	static char *env[5];
	int n = 0;

	env[n++] = "REQUEST_METHOD=POST";
	if (ct) {
		snprintf(e_ct, sizeof(e_ct), "CONTENT_TYPE=%s", ct);
		env[n++] = e_ct;
	}
	if (len)
		snprintf(e_len, sizeof(e_len), "CONTENT_LENGTH=%s", len);
	else
		snprintf(e_len, sizeof(e_len), "CONTENT_LENGTH=%zu", strlen(text));
	env[n++] = e_len;
	snprintf(e_body, sizeof(e_body), "VH_TEST_BODY=%s", text);
	env[n++] = e_body;
	env[n] = NULL;
	init(req, env);
	vh_err_clear(err);
	{
		json_object *o;

		return vh_req_json(req, &o, err);
	}
}

static enum vh_status h_ok(struct vh_req *req, struct vh_err *err)
{
	json_object *o = json_object_new_object();

	(void)err;
	json_object_object_add(o, "x", json_object_new_int(1));
	vh_resp_json(req, 200, o);
	json_object_put(o);
	return VH_OK;
}

static enum vh_status h_fail(struct vh_req *req, struct vh_err *err)
{
	(void)req;
	return vh_fail(err, VH_CONFLICT, "email_taken", "a user with this email already exists");
}

static const struct vh_route routes[] = {
	{"GET", "/ok", h_ok, VH_AUTH_NONE},
	{"GET", "/fail", h_fail, VH_AUTH_NONE},
	{NULL, NULL, NULL, VH_AUTH_NONE},
};

int main(void)
{
	struct vh_req req = {0};
	struct vh_err err;
	const char *v;
	struct vh_buf out = VH_BUF_INIT;
	char *env1[] = {"REQUEST_METHOD=GET", "DOCUMENT_URI=/users",
			"QUERY_STRING=limit=10&cursor=a%2Fb+c&dup=1&dup=2&bad=%zz&nul=%00",
			"HTTP_X_ADMIN_KEY=secret", "REQUEST_ID=abc123", NULL};
	char *env2[] = {"REQUEST_METHOD=GET", "DOCUMENT_URI=/ok", "REQUEST_ID=r1", NULL};
	char *env3[] = {"REQUEST_METHOD=GET", "DOCUMENT_URI=/fail", "REQUEST_ID=r2", NULL};
	char *env4[] = {"REQUEST_METHOD=POST", "DOCUMENT_URI=/ok", "REQUEST_ID=r3", NULL};

	pool = vh_pool_new();
	init(&req, env1);
	is_str(req.method, "GET", "method");
	is_str(req.path, "/users", "path from DOCUMENT_URI");
	is_str(req.request_id, "abc123", "request id from nginx");
	is_str(vh_req_header(&req, "X-Admin-Key"), "secret", "header lookup by HTTP name");
	ok(vh_req_header(&req, "X-Missing") == NULL, "absent header is NULL");
	vh_err_clear(&err);
	is_int(vh_req_query(&req, "limit", &v, &err), VH_OK, "query limit");
	is_str(v, "10", "limit value");
	is_int(vh_req_query(&req, "cursor", &v, &err), VH_OK, "query cursor");
	is_str(v, "a/b c", "cursor is %%-decoded and + is a space");
	is_int(vh_req_query(&req, "missing", &v, &err), VH_OK, "absent query parameter");
	ok(v == NULL, "absent parameter is NULL");
	is_int(vh_req_query(&req, "dup", &v, &err), VH_BADREQUEST, "repeated parameter is 400");
	is_int(vh_req_query(&req, "bad", &v, &err), VH_BADREQUEST, "bad escape is 400");
	is_int(vh_req_query(&req, "nul", &v, &err), VH_BADREQUEST, "encoded NUL is 400");
	is_int(vh_req_query(&req, "lim", &v, &err), VH_OK, "prefix of a name does not match");
	ok(v == NULL, "prefix gives NULL");

	is_int(body(&req, "application/json", "7", "{\"a\":1}", &err), VH_OK, "JSON body accepted");
	is_int(body(&req, "application/json; charset=utf-8", "7", "{\"a\":1}", &err), VH_OK,
	       "charset=utf-8 accepted");
	is_int(body(&req, "Application/JSON;charset=\"UTF-8\"", "7", "{\"a\":1}", &err), VH_OK,
	       "media type is case-insensitive");
	is_int(body(&req, "text/plain", "7", "{\"a\":1}", &err), VH_MEDIATYPE, "text/plain is 415");
	is_int(body(&req, NULL, "7", "{\"a\":1}", &err), VH_MEDIATYPE, "missing type is 415");
	is_int(body(&req, "application/json; charset=latin1", "7", "{\"a\":1}", &err), VH_MEDIATYPE,
	       "other charset is 415");
	is_int(body(&req, "application/jsonx", "7", "{\"a\":1}", &err), VH_MEDIATYPE,
	       "lookalike type is 415");
	is_int(body(&req, "text/plain", "65", "", &err), VH_TOOLARGE, "over the cap is 413 first");
	is_int(body(&req, "application/json", "x", "", &err), VH_BADREQUEST, "bad length is 400");
	is_int(body(&req, "application/json", "0", "", &err), VH_BADREQUEST, "empty body is 400");
	is_int(body(&req, "application/json", "6", "{\"a\":1", &err), VH_BADREQUEST, "truncated JSON");
	is_str(err.code, "invalid_json", "code invalid_json");
	is_int(body(&req, "application/json", NULL, "{\"a\":1}xx", &err), VH_BADREQUEST,
	       "trailing garbage is 400");
	is_int(body(&req, "application/json", "3", "[1]", &err), VH_BADREQUEST, "array is 400");
	is_int(body(&req, "application/json", NULL, "{'a':1}  ", &err), VH_BADREQUEST,
	       "single quotes are 400 (strict)");
	is_int(body(&req, "application/json", NULL, "{\"a\":\"\xff\"}  ", &err), VH_BADREQUEST,
	       "invalid UTF-8 is 400");
	is_str(err.code, "invalid_json", "invalid UTF-8 is reported as invalid JSON");
	is_int(body(&req, "application/json", "8", "{\"a\":1}", &err), VH_BADREQUEST,
	       "short body is 400");

	init(&req, env2);
	vh_dispatch(routes, &req);
	vh_buf_clear(&out);
	vh_resp_render(&req, &out);
	ok(strncmp(out.data, "Status: 200 OK\r\nContent-Type: application/json\r\n", 48) == 0,
	   "status line and content type");
	ok(strstr(out.data, "\r\n\r\n{\"x\":1}\n") != NULL, "body follows the blank line");

	init(&req, env3);
	vh_dispatch(routes, &req);
	vh_buf_clear(&out);
	vh_resp_render(&req, &out);
	ok(strncmp(out.data, "Status: 409 Conflict\r\n", 22) == 0, "handler error is 409");
	ok(strstr(out.data, "{\"detail\":\"a user with this email already exists\",\"code\":\"email_taken\",\"request_id\":\"r2\"}") != NULL,
	   "error body has detail, code and request_id: %s", out.data);

	init(&req, env4);
	vh_dispatch(routes, &req);
	is_int(req.status, 405, "dispatch answers 405");
	vh_resp_header(&req, "X-Evil", "a\r\nSet-Cookie: x=1");
	ok(strstr(vh_buf_str(&req.resp_headers), "Set-Cookie") == NULL, "header with CRLF dropped");

	vh_buf_free(&out);
	vh_req_clear(&req);
	vh_pool_free(pool);
	return done_testing();
}
