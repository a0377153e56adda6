#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <fcgiapp.h>

#include "http.h"
#include "json.h"
#include "pool.h"
#include "uuid.h"

long long vh_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

const char *vh_req_env(const struct vh_req *req, const char *name)
{
	size_t n = strlen(name);
	char **e;

	if (!req->envp)
		return NULL;
	for (e = req->envp; *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

const char *vh_req_header(const struct vh_req *req, const char *name)
{
	char key[128] = "HTTP_";
	size_t i, n = strlen(name);

	if (n + 6 > sizeof(key))
		return NULL;
	for (i = 0; i < n; i++)
		key[5 + i] = name[i] == '-' ? '_' : (char)toupper((unsigned char)name[i]);
	key[5 + n] = '\0';
	return vh_req_env(req, key);
}

void vh_req_init(struct vh_req *req, struct vh_pool *pool, char **envp, size_t max_body)
{
	const char *v;

	memset(req, 0, sizeof(*req));
	req->pool = pool;
	req->envp = envp;
	req->max_body = max_body;
	req->start_us = vh_now_us();
	req->status = 200;
	req->method = (v = vh_req_env(req, "REQUEST_METHOD")) ? v : "GET";
	/* DOCUMENT_URI is the decoded, slash-merged path nginx routed on;
	 * SCRIPT_NAME is the fallback some configurations send. */
	v = vh_req_env(req, "DOCUMENT_URI");
	if (!v || !*v)
		v = vh_req_env(req, "SCRIPT_NAME");
	req->path = v && *v ? v : "/";
	req->query = (v = vh_req_env(req, "QUERY_STRING")) ? v : "";
	v = vh_req_env(req, "REQUEST_ID");
	if (v && *v && strlen(v) <= 64) {
		req->request_id = v;
	} else {
		char id[VH_UUID_LEN + 1];

		vh_uuid_v4(id);
		req->request_id = vh_pstrdup(pool, id);
	}
}

void vh_req_clear(struct vh_req *req)
{
	vh_buf_free(&req->resp_headers);
	free(req->resp_body);
	req->resp_body = NULL;
}

const char *vh_req_param(const struct vh_req *req, const char *name)
{
	int i;

	for (i = 0; i < req->nparams; i++)
		if (strcmp(req->param_names[i], name) == 0)
			return req->param_values[i];
	return NULL;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode application/x-www-form-urlencoded; returns the length, or -1 on a
 * bad escape or an encoded NUL. */
static long url_decode(char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			s[o++] = ' ';
		} else if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return -1;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			s[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			s[o++] = s[i];
		}
	}
	s[o] = '\0';
	return (long)o;
}

enum vh_status vh_req_query(struct vh_req *req, const char *name, const char **out,
			    struct vh_err *err)
{
	const char *p = req->query;
	size_t nlen = strlen(name);

	*out = NULL;
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t seglen = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', seglen);
		size_t klen = eq ? (size_t)(eq - p) : seglen;

		if (klen == nlen && strncmp(p, name, nlen) == 0) {
			const char *vstart = eq ? eq + 1 : p + seglen;
			size_t vlen = (size_t)(p + seglen - vstart);
			char *v = vh_pstrndup(req->pool, vstart, vlen);

			if (*out)
				return vh_fail(err, VH_BADREQUEST, "bad_query",
					       "query parameter %s is given more than once", name);
			if (url_decode(v, vlen) < 0)
				return vh_fail(err, VH_BADREQUEST, "bad_query",
					       "query parameter %s has a bad %%-escape", name);
			*out = v;
		}
		p += seglen;
		if (*p == '&')
			p++;
	}
	return VH_OK;
}

/* application/json, optionally with charset=utf-8 (any case, quoted or not). */
static bool is_json_type(const char *ct)
{
	static const char mt[] = "application/json";
	const char *p;

	if (!ct)
		return false;
	while (*ct == ' ')
		ct++;
	if (strncasecmp(ct, mt, sizeof(mt) - 1) != 0)
		return false;
	p = ct + sizeof(mt) - 1;
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return true;
	if (*p != ';')
		return false;
	p++;
	while (*p == ' ')
		p++;
	if (strncasecmp(p, "charset=", 8) != 0)
		return false;
	p += 8;
	if (*p == '"')
		p++;
	if (strncasecmp(p, "utf-8", 5) != 0)
		return false;
	p += 5;
	if (*p == '"')
		p++;
	while (*p == ' ')
		p++;
	return *p == '\0';
}

enum vh_status vh_req_body(struct vh_req *req, const char **out, size_t *out_len,
			  struct vh_err *err)
{
	const char *cl = vh_req_env(req, "CONTENT_LENGTH");
	char *end = NULL;
	unsigned long long len = 0;
	char *body;
	size_t got = 0;

	*out = NULL;
	*out_len = 0;
	/* The stream can be read once: later calls get the same bytes (a
	 * handler may want both the parsed JSON and the raw body). */
	if (req->body_read) {
		*out = req->body;
		*out_len = req->body_len;
		return VH_OK;
	}
	if (cl && *cl) {
		errno = 0;
		len = strtoull(cl, &end, 10);
		if (errno || *end || cl[0] == '-')
			return vh_fail(err, VH_BADREQUEST, "bad_request", "Content-Length is not a number");
	}
	if (len > req->max_body)
		return vh_fail(err, VH_TOOLARGE, "payload_too_large",
			       "request body is %llu bytes; the limit is %zu", len, req->max_body);
	body = vh_palloc(req->pool, (size_t)len + 1);
	if (req->fcgx) {
		while (got < len) {
			int n = FCGX_GetStr(body + got, (int)(len - got), req->fcgx->in);

			if (n <= 0)
				break;
			got += (size_t)n;
		}
	} else {
		/* Unit tests put the body in the VH_TEST_BODY parameter. */
		const char *b = vh_req_env(req, "VH_TEST_BODY");

		got = b ? strlen(b) : 0;
		if (got > len)
			got = (size_t)len;
		if (b)
			memcpy(body, b, got);
	}
	if (got != len)
		return vh_fail(err, VH_BADREQUEST, "bad_request",
			       "request body ended after %zu of %llu bytes", got, len);
	body[len] = '\0';
	*out = req->body = body;
	*out_len = req->body_len = (size_t)len;
	req->body_read = true;
	return VH_OK;
}

enum vh_status vh_req_json(struct vh_req *req, json_object **out, struct vh_err *err)
{
	const char *cl = vh_req_env(req, "CONTENT_LENGTH");
	const char *body;
	size_t len;
	enum vh_status st;

	*out = NULL;
	/* Size first: a client sending a megabyte of the wrong type learns the
	 * limit, and we never read what we are going to refuse. */
	if (cl && *cl && strtoull(cl, NULL, 10) > req->max_body)
		return vh_fail(err, VH_TOOLARGE, "payload_too_large",
			       "request body is %s bytes; the limit is %zu", cl, req->max_body);
	if (!is_json_type(vh_req_env(req, "CONTENT_TYPE")))
		return vh_fail(err, VH_MEDIATYPE, "unsupported_media_type",
			       "Content-Type must be application/json");
	st = vh_req_body(req, &body, &len, err);
	if (st != VH_OK)
		return st;
	return vh_json_parse_object(req->pool, body, len, out, err);
}

void vh_resp_header(struct vh_req *req, const char *name, const char *value)
{
	const char *p;

	/* A header value never carries a line break (response splitting). */
	for (p = value; *p; p++)
		if (*p == '\r' || *p == '\n')
			return;
	vh_buf_printf(&req->resp_headers, "%s: %s\r\n", name, value);
}

void vh_resp_json(struct vh_req *req, int status, json_object *body)
{
	size_t len = 0;
	const char *s = json_object_to_json_string_length(
		body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	free(req->resp_body);
	req->resp_body = vh_xmalloc(len + 1);
	memcpy(req->resp_body, s, len + 1);
	req->resp_len = len;
	req->status = status;
	req->resp_raw = false;
	req->responded = true;
}

void vh_resp_raw(struct vh_req *req, int status, const char *reason, const char *content_type,
		 const char *body, size_t len)
{
	free(req->resp_body);
	req->resp_body = vh_xmalloc(len + 1);
	memcpy(req->resp_body, body ? body : "", len);
	req->resp_body[len] = '\0';
	req->resp_len = len;
	req->status = status;
	req->resp_reason = reason ? vh_pstrdup(req->pool, reason) : NULL;
	req->resp_type = content_type ? vh_pstrdup(req->pool, content_type) : NULL;
	req->resp_raw = true;
	req->responded = true;
}

void vh_resp_error(struct vh_req *req, const struct vh_err *err)
{
	json_object *o = vh_json_error(err, req->request_id);

	vh_resp_json(req, vh_status_http(err->status), o);
	json_object_put(o);
}

void vh_resp_render(const struct vh_req *req, struct vh_buf *out)
{
	const char *reason = req->resp_reason ? req->resp_reason : vh_status_reason(req->status);

	vh_buf_printf(out, "Status: %d %s\r\n", req->status, reason);
	if (req->resp_body && (req->resp_len || !req->resp_raw))
		vh_buf_printf(out, "Content-Type: %s\r\n",
			      req->resp_type ? req->resp_type : "application/json");
	vh_buf_adds(out, "Cache-Control: no-store\r\n");
	if (req->resp_headers.len)
		vh_buf_add(out, req->resp_headers.data, req->resp_headers.len);
	vh_buf_adds(out, "\r\n");
	if (req->resp_body && req->resp_len) {
		vh_buf_add(out, req->resp_body, req->resp_len);
		if (!req->resp_raw)
			vh_buf_addc(out, '\n');
	}
}
