/* Declared-field input validation.  A handler declares the fields it takes
 * (name, type, required, bounds, an optional normaliser) and vh_validate()
 * turns a JSON body into the handler's typed struct, or into one 422 that
 * lists every bad field at once (missing, unknown, wrong type, out of
 * bounds, rejected by the normaliser).  Handlers never touch raw JSON. */
#ifndef VH_VALIDATE_H
#define VH_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "err.h"

struct vh_pool;

/* VH_F_DECIMAL: money.  A JSON number or a numeric string with at most two
 * decimals, stored as a normalised string ("9900.00") so no float ever
 * touches a price; bounds apply to the integer part. */
/* VH_F_OBJECT: a JSON object handed over as json_object * (owned by the
 * body) for the handler to check member by member. */
enum vh_ftype { VH_F_STRING, VH_F_INT, VH_F_BOOL, VH_F_DECIMAL, VH_F_OBJECT };

struct vh_opt_int {
	bool set;
	long long v;
};

struct vh_opt_bool {
	bool set;
	bool v;
};

/* A normaliser checks a string and may rewrite it (e.g. lower-case an email,
 * strip hyphens from a phone number).  It returns NULL when the value is
 * good, with *out set (pool-allocated or the input), or a message saying
 * what is wrong. */
typedef const char *(*vh_normalise_fn)(struct vh_pool *pool, const char *in, const char **out);

struct vh_fdef {
	const char *name;
	enum vh_ftype type;
	bool required;
	long long min, max;      /* VH_F_INT: value bounds; VH_F_STRING: length in characters */
	size_t offset;           /* where the value goes in the output struct:
				  * const char * / struct vh_opt_int / struct vh_opt_bool */
	vh_normalise_fn normalise;
	bool multiline;          /* VH_F_STRING: allow \n and \t */
};

/* defs ends with an entry whose name is NULL.  Unknown members are errors,
 * JSON null counts as absent. */
enum vh_status vh_validate(struct vh_pool *pool, json_object *body, const struct vh_fdef *defs,
			   void *out, struct vh_err *err);

/* The same for a partial update (PUT): every field optional. */
enum vh_status vh_validate_partial(struct vh_pool *pool, json_object *body,
				   const struct vh_fdef *defs, void *out, struct vh_err *err);

/* Normalisers, also used directly by the unit tests. */
const char *vh_norm_email(struct vh_pool *pool, const char *in, const char **out);
const char *vh_norm_phone_kr(struct vh_pool *pool, const char *in, const char **out);
const char *vh_norm_token(struct vh_pool *pool, const char *in, const char **out);
/* Names that appear in URLs: a-z, 0-9, '.', '_', '-', starting with a
 * letter or digit. */
const char *vh_norm_slug(struct vh_pool *pool, const char *in, const char **out);
/* Parse a decimal (see VH_F_DECIMAL) into "123.45"; NULL when good. */
const char *vh_norm_decimal(struct vh_pool *pool, const char *in, const char **out);

bool vh_is_uuid(const char *s);
/* Count UTF-8 code points (input already UTF-8 checked). */
size_t vh_utf8_len(const char *s);

#endif
