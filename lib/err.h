/* One error type for the whole code base: functions return an enum vh_status
 * and fill a struct vh_err with a message meant for a person.  Only the HTTP
 * layer turns a status into an HTTP code (vh_status_http), in one place. */
#ifndef VH_ERR_H
#define VH_ERR_H

#include <stdarg.h>

enum vh_status {
	VH_OK = 0,
	VH_BADREQUEST,   /* 400: the request cannot be read (malformed JSON, bad query) */
	VH_UNAUTHORIZED, /* 401 */
	VH_FORBIDDEN,    /* 403 */
	VH_NOTFOUND,     /* 404 */
	VH_METHOD,       /* 405 */
	VH_CONFLICT,     /* 409 */
	VH_TOOLARGE,     /* 413 */
	VH_MEDIATYPE,    /* 415 */
	VH_INVALID,      /* 422: well-formed but wrong values; see vh_err.fields */
	VH_RATELIMIT,    /* 429 */
	VH_UNAVAILABLE,  /* 503: a dependency (the database) is down; retry later */
	VH_TRANSIENT,    /* 503 to a client; worth a retry inside the program */
	VH_INTERNAL,     /* 500: a bug or an impossible state */
	VH_BADGATEWAY,   /* 502: a system we drive (Proxmox) failed or refused us */
	VH_STATUS__MAX
};

#define VH_ERR_FIELDS_MAX 16

/* One bad input field of a 422. */
struct vh_field_err {
	char field[64];
	char message[160];
};

struct vh_err {
	enum vh_status status;
	char code[48];     /* stable machine-readable code, e.g. "invalid_json" */
	char detail[512];  /* one sentence for a person; never a secret */
	int nfields;
	struct vh_field_err fields[VH_ERR_FIELDS_MAX];
};

/* Set status, code and detail (printf-style); returns status so callers can
 * write `return vh_fail(err, VH_NOTFOUND, "not_found", "no such user");`. */
enum vh_status vh_fail(struct vh_err *err, enum vh_status status, const char *code,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Add one bad field to a 422 error (status becomes VH_INVALID). */
void vh_err_field(struct vh_err *err, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Finish a 422 after vh_err_field calls: fills code and a summary detail.
 * Returns VH_OK when no field was added. */
enum vh_status vh_err_fields_done(struct vh_err *err);

void vh_err_clear(struct vh_err *err);

int vh_status_http(enum vh_status status);
const char *vh_status_reason(int http_status);
const char *vh_status_name(enum vh_status status);

#endif
