#include "config.h"

#include <stdio.h>
#include <string.h>

#include "err.h"

/* The single table that maps an error to an HTTP status. */
static const struct {
	int http;
	const char *name;
} status_map[VH_STATUS__MAX] = {
	[VH_OK] = {200, "ok"},
	[VH_BADREQUEST] = {400, "bad_request"},
	[VH_UNAUTHORIZED] = {401, "unauthorized"},
	[VH_FORBIDDEN] = {403, "forbidden"},
	[VH_NOTFOUND] = {404, "not_found"},
	[VH_METHOD] = {405, "method_not_allowed"},
	[VH_CONFLICT] = {409, "conflict"},
	[VH_TOOLARGE] = {413, "payload_too_large"},
	[VH_MEDIATYPE] = {415, "unsupported_media_type"},
	[VH_INVALID] = {422, "validation_failed"},
	[VH_RATELIMIT] = {429, "rate_limited"},
	[VH_UNAVAILABLE] = {503, "service_unavailable"},
	[VH_TRANSIENT] = {503, "temporarily_unavailable"},
	[VH_INTERNAL] = {500, "internal_error"},
	[VH_BADGATEWAY] = {502, "bad_gateway"},
};

int vh_status_http(enum vh_status status)
{
	if ((unsigned)status >= VH_STATUS__MAX)
		return 500;
	return status_map[status].http;
}

const char *vh_status_name(enum vh_status status)
{
	if ((unsigned)status >= VH_STATUS__MAX)
		return "internal_error";
	return status_map[status].name;
}

const char *vh_status_reason(int http_status)
{
	switch (http_status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return http_status < 500 ? "Client Error" : "Internal Server Error";
	}
}

enum vh_status vh_fail(struct vh_err *err, enum vh_status status, const char *code,
		       const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	snprintf(err->code, sizeof(err->code), "%s", code ? code : vh_status_name(status));
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
	return status;
}

void vh_err_field(struct vh_err *err, const char *field, const char *fmt, ...)
{
	va_list ap;
	struct vh_field_err *f;

	err->status = VH_INVALID;
	if (err->nfields >= VH_ERR_FIELDS_MAX)
		return;
	f = &err->fields[err->nfields++];
	snprintf(f->field, sizeof(f->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

enum vh_status vh_err_fields_done(struct vh_err *err)
{
	size_t off;
	int i;

	if (err->nfields == 0)
		return VH_OK;
	snprintf(err->code, sizeof(err->code), "validation_failed");
	off = (size_t)snprintf(err->detail, sizeof(err->detail), "invalid input: ");
	for (i = 0; i < err->nfields && off < sizeof(err->detail); i++)
		off += (size_t)snprintf(err->detail + off, sizeof(err->detail) - off, "%s%s: %s",
					i ? "; " : "", err->fields[i].field,
					err->fields[i].message);
	err->status = VH_INVALID;
	return VH_INVALID;
}

void vh_err_clear(struct vh_err *err)
{
	memset(err, 0, sizeof(*err));
}
