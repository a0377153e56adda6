/* JSON helpers over json-c.  Request bodies are parsed strictly (UTF-8
 * checked, nesting bounded, no trailing bytes) and the resulting objects are
 * owned by the request pool. */
#ifndef VH_JSON_H
#define VH_JSON_H

#include <stddef.h>

#include <json-c/json.h>

#include "err.h"

struct vh_pool;

#define VH_JSON_MAX_DEPTH 16

/* Parse a whole body; the top level must be an object.  The object is put
 * when the pool is reset. */
enum vh_status vh_json_parse_object(struct vh_pool *pool, const char *text, size_t len,
				    json_object **out, struct vh_err *err);
/* Hand obj to the pool: json_object_put runs at reset. */
json_object *vh_json_own(struct vh_pool *pool, json_object *obj);

/* Add a string member; NULL becomes JSON null. */
void vh_json_add_str(json_object *obj, const char *key, const char *val);
void vh_json_add_int(json_object *obj, const char *key, long long val);

/* The error body every layer answers with:
 * {"detail": "...", "code": "...", "request_id": "...", "errors": [...]}. */
json_object *vh_json_error(const struct vh_err *err, const char *request_id);

#endif
