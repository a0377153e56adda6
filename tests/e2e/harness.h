/* End-to-end test harness: HTTPS requests through the test stack's nginx
 * with libcurl, so a test reads as request -> expected status -> expected
 * fields.  The stack (tests/stack) is started by stack-up.test; its
 * addresses and the admin key come from $VH_STACK_DIR/stack.env and
 * dev.env. */
#ifndef VH_E2E_HARNESS_H
#define VH_E2E_HARNESS_H

#include <stddef.h>

#include <json-c/json.h>

#include "tap.h"

struct t_resp {
	long status;
	char *body;
	size_t len;
	char *headers;       /* raw response headers */
	json_object *json;   /* parsed body, or NULL */
};

/* Read the stack's settings; bail out (TAP "Bail out!") when there is no
 * stack. */
void t_init(void);
void t_done(void);
/* First thing in a forked child that makes requests: a connection of its own. */
void t_after_fork(void);

const char *t_env(const char *key);     /* from stack.env / dev.env */
const char *t_admin_key(void);

/* A request.  headers: NULL-terminated "Name: value" strings.  body may be
 * NULL; a non-NULL body is sent with content_type (NULL: no Content-Type).
 * base NULL means the API's https base URL. */
void t_request(struct t_resp *r, const char *base, const char *method, const char *path,
	       const char *const *headers, const char *content_type, const char *body, size_t len);
/* Admin-key JSON request: the common case. */
void t_admin(struct t_resp *r, const char *method, const char *path, const char *json);
void t_resp_free(struct t_resp *r);

const char *t_str(const struct t_resp *r, const char *key);   /* top-level string member */
const char *t_header(const struct t_resp *r, const char *name); /* static buffer */

/* ok() that the status is want, printing the body when it is not. */
int t_status(const struct t_resp *r, long want, const char *what);
/* An error answer: status, JSON {"detail","code","request_id"} with the
 * given code (NULL: any), request_id equal to X-Request-ID. */
int t_error(const struct t_resp *r, long want, const char *code, const char *what);
/* Whether a 422 lists field among its errors. */
int t_has_field_error(const struct t_resp *r, const char *field);

/* Run a tests/stack command on the test stack ("kill-worker 1": words after
 * the first go after the stack directory); returns its exit status. */
int t_stack(const char *cmd);

/* fmt with every "%s" replaced by sfx (no printf: fmt is a template, not a
 * format); one of 8 rotating static buffers. */
const char *t_fill(const char *fmt, const char *sfx);

/* A fresh, unique email address for this run. */
const char *t_unique_email(const char *tag);

#endif
