/* Catalog resources (plans, upgrade bundles, OS templates, ...) share one
 * shape: a row keyed by an admin-chosen name, created with POST, listed,
 * read, partially updated with PUT and deleted.  A resource is described
 * once, as a table of columns plus its constant SQL, and the generic
 * handlers here do validation, binding, JSON output and error mapping, so
 * each module holds only what is particular to it.
 *
 * Column order is the contract: sql_insert binds every input column in
 * table order; sql_update binds every input column but the key, then the
 * key; sql_get/sql_list select every column (output-only ones included) in
 * table order. */
#ifndef VH_RESOURCE_H
#define VH_RESOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "err.h"
#include "validate.h"

struct vh_req;
struct vh_db;
struct vh_pool;
struct vh_rows;

enum vh_col_type { VH_COL_STR, VH_COL_INT, VH_COL_DEC, VH_COL_TIME };

struct vh_col {
	const char *name;
	enum vh_col_type type;
	bool required;        /* on create */
	long long min, max;   /* INT: value; STR: length; DEC: integer part */
	vh_normalise_fn normalise;
	const char *def;      /* default on create, or NULL */
	bool output_only;     /* selected and shown, never written (timestamps) */
	bool multiline;
};

/* One column's value: s for STR/DEC (NULL = SQL NULL), i for INT. */
struct vh_value {
	const char *s;
	struct vh_opt_int i;
};

struct vh_resource {
	const char *noun;             /* "plan": codes plan_not_found, plan_exists */
	const struct vh_col *cols;    /* cols[0] is the key (a slug) */
	size_t ncols;
	const char *sql_insert, *sql_get, *sql_list, *sql_update, *sql_delete;
	/* Optional: a plan still used by servers is retired instead of
	 * deleted (UPDATE ... SET retired_at ... WHERE key = ?). */
	const char *sql_retire;
	/* Optional cross-field rules, run after validation on the merged row. */
	enum vh_status (*check)(struct vh_req *req, struct vh_value *vals, struct vh_err *err);
	/* The column whose foreign key a failed insert/update most likely
	 * broke, for the 422 message ("does not name a known ..."). */
	const char *fk_field;
	const char *fk_message;
};

/* Index of a column by name, or -1. */
int vh_resource_col(const struct vh_resource *res, const char *name);

/* A row (from sql_get/sql_list) as JSON. */
json_object *vh_resource_json(const struct vh_resource *res, const struct vh_rows *rows, size_t row);

/* Generic route handlers; the route's arg is the struct vh_resource and the
 * path parameter is named after cols[0]. */
enum vh_status api_resource_create(struct vh_req *req, struct vh_err *err);
enum vh_status api_resource_list(struct vh_req *req, struct vh_err *err);
enum vh_status api_resource_get(struct vh_req *req, struct vh_err *err);
enum vh_status api_resource_update(struct vh_req *req, struct vh_err *err);
enum vh_status api_resource_delete(struct vh_req *req, struct vh_err *err);

#endif
