/* FastCGI request and response.  A struct vh_req lives for one request; its
 * pool owns everything the request allocates.  Input checks happen here, once:
 * body size cap (413), JSON content type (415), strict JSON (400).  Output is
 * always JSON with Cache-Control: no-store. */
#ifndef VH_HTTP_H
#define VH_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "buf.h"
#include "err.h"

struct vh_pool;
struct FCGX_Request;

#define VH_MAX_PARAMS 8

/* Who is calling, as auth.c established it. */
enum vh_role { VH_ROLE_ANON, VH_ROLE_USER, VH_ROLE_ADMIN };

struct vh_identity {
	enum vh_role role;
	const char *user_id;     /* VH_ROLE_USER: users.id */
	const char *subject;     /* a verified JWT subject with no user yet (self-registration) */
	bool as_admin;           /* a user role reached with the admin key + X-Impersonate-User */
};

struct vh_req {
	/* Input, valid for the request. */
	const char *method;
	const char *path;        /* decoded, normalised by nginx ($document_uri) */
	const char *query;       /* raw query string, "" when none */
	const char *request_id;  /* nginx's $request_id, or one made up here */
	struct vh_pool *pool;
	struct FCGX_Request *fcgx;   /* NULL in unit tests */
	char **envp;             /* the FastCGI parameters */
	size_t max_body;

	struct vh_identity who;
	/* The body once read (vh_req_body). */
	const char *body;
	size_t body_len;
	bool body_read;

	/* Filled by the router. */
	int nparams;
	const char *param_names[VH_MAX_PARAMS];
	const char *param_values[VH_MAX_PARAMS];

	/* Output. */
	int status;
	struct vh_buf resp_headers;
	char *resp_body;
	size_t resp_len;
	const char *resp_reason;  /* NULL: the standard phrase */
	const char *resp_type;    /* NULL: application/json */
	bool resp_raw;            /* body sent as given (no trailing newline) */
	bool responded;

	long long start_us;
	void *ctx;               /* the program's per-process context */
	const void *route_arg;   /* the matched route's arg */
};

/* Fill req from FastCGI parameters (envp NULL-terminated KEY=value). */
void vh_req_init(struct vh_req *req, struct vh_pool *pool, char **envp, size_t max_body);
void vh_req_clear(struct vh_req *req);

/* A FastCGI parameter, e.g. "CONTENT_TYPE", or NULL. */
const char *vh_req_env(const struct vh_req *req, const char *name);
/* A request header by its HTTP name ("X-Admin-Key"), or NULL. */
const char *vh_req_header(const struct vh_req *req, const char *name);
/* A path parameter captured by the router ("id"), or NULL. */
const char *vh_req_param(const struct vh_req *req, const char *name);
/* A decoded query parameter, or NULL when absent.  A parameter given twice
 * or holding a NUL is a 400. */
enum vh_status vh_req_query(struct vh_req *req, const char *name, const char **out,
			    struct vh_err *err);

/* Read the raw body (any content type), at most max_body bytes (413). */
enum vh_status vh_req_body(struct vh_req *req, const char **body, size_t *len,
			  struct vh_err *err);
/* Read the body as a JSON object: 413 over max_body, 415 unless the
 * Content-Type is application/json (charset utf-8 allowed), 400 when it is
 * not one well-formed JSON object. */
enum vh_status vh_req_json(struct vh_req *req, json_object **out, struct vh_err *err);

/* Responses.  The JSON object is serialised at once (and not kept). */
void vh_resp_header(struct vh_req *req, const char *name, const char *value);
void vh_resp_json(struct vh_req *req, int status, json_object *body);
void vh_resp_error(struct vh_req *req, const struct vh_err *err);
/* Any body with its own status reason phrase and content type (the
 * simulators answer as PVE does: "Status: 500 unable to find VM 104"). */
void vh_resp_raw(struct vh_req *req, int status, const char *reason, const char *content_type,
		 const char *body, size_t len);
/* The full response (status line, headers, body) as FastCGI expects it. */
void vh_resp_render(const struct vh_req *req, struct vh_buf *out);

long long vh_now_us(void);      /* monotonic clock, microseconds */

#endif
