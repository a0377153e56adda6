#include "config.h"

#include <string.h>

#include "json.h"
#include "pool.h"

static void put_cleanup(void *obj)
{
	json_object_put(obj);
}

json_object *vh_json_own(struct vh_pool *pool, json_object *obj)
{
	if (obj)
		vh_pool_cleanup(pool, put_cleanup, obj);
	return obj;
}

/* json-c's strict mode still takes single-quoted strings; RFC 8259 does not.
 * Returns the offset of the first quote outside a string, or -1. */
static long single_quote_at(const char *text, size_t len)
{
	size_t i;
	int in_str = 0;

	for (i = 0; i < len; i++) {
		if (in_str) {
			if (text[i] == '\\')
				i++;
			else if (text[i] == '"')
				in_str = 0;
		} else if (text[i] == '"') {
			in_str = 1;
		} else if (text[i] == '\'') {
			return (long)i;
		}
	}
	return -1;
}

enum vh_status vh_json_parse_object(struct vh_pool *pool, const char *text, size_t len,
				    json_object **out, struct vh_err *err)
{
	json_tokener *tok;
	json_object *obj;
	enum json_tokener_error jerr;
	size_t used;

	*out = NULL;
	if (len == 0)
		return vh_fail(err, VH_BADREQUEST, "invalid_json", "request body is empty; a JSON object is expected");
	if (single_quote_at(text, len) >= 0)
		return vh_fail(err, VH_BADREQUEST, "invalid_json",
			       "request body is not valid JSON: single-quoted string at byte %ld",
			       single_quote_at(text, len));
	tok = json_tokener_new_ex(VH_JSON_MAX_DEPTH);
	if (!tok)
		vh_oom();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_continue || (jerr == json_tokener_success && !obj && len)) {
		json_object_put(obj);
		return vh_fail(err, VH_BADREQUEST, "invalid_json", "request body is not valid JSON: unexpected end of input");
	}
	if (jerr != json_tokener_success) {
		return vh_fail(err, VH_BADREQUEST, "invalid_json",
			       "request body is not valid JSON: %s at byte %zu",
			       json_tokener_error_desc(jerr), used);
	}
	/* Only whitespace may follow the value. */
	while (used < len && strchr(" \t\r\n", text[used]))
		used++;
	if (used != len) {
		json_object_put(obj);
		return vh_fail(err, VH_BADREQUEST, "invalid_json",
			       "request body is not valid JSON: unexpected data at byte %zu", used);
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return vh_fail(err, VH_BADREQUEST, "invalid_json",
			       "request body must be a JSON object");
	}
	*out = vh_json_own(pool, obj);
	return VH_OK;
}

void vh_json_add_str(json_object *obj, const char *key, const char *val)
{
	json_object_object_add(obj, key, val ? json_object_new_string(val) : NULL);
}

void vh_json_add_int(json_object *obj, const char *key, long long val)
{
	json_object_object_add(obj, key, json_object_new_int64(val));
}

json_object *vh_json_error(const struct vh_err *err, const char *request_id)
{
	json_object *o = json_object_new_object();
	int i;

	vh_json_add_str(o, "detail", err->detail[0] ? err->detail : vh_status_name(err->status));
	vh_json_add_str(o, "code", err->code[0] ? err->code : vh_status_name(err->status));
	vh_json_add_str(o, "request_id", request_id ? request_id : "");
	if (err->nfields) {
		json_object *arr = json_object_new_array();

		for (i = 0; i < err->nfields; i++) {
			json_object *f = json_object_new_object();

			vh_json_add_str(f, "field", err->fields[i].field);
			vh_json_add_str(f, "message", err->fields[i].message);
			json_object_array_add(arr, f);
		}
		json_object_object_add(o, "errors", arr);
	}
	return o;
}
