#include "config.h"

#include <stdlib.h>

#include "db.h"
#include "schema.h"

static const char sql_version[] = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";

enum vh_status vh_schema_version(struct vh_db *db, struct vh_pool *pool, long long *version,
				 struct vh_err *err)
{
	struct vh_rows r;
	enum vh_status st;

	*version = 0;
	st = vh_db_exec(db, pool, sql_version, NULL, 0, VH_DB_IDEMPOTENT, &r, err);
	if (st == VH_INTERNAL) {
		/* Most likely the ledger does not exist yet: nothing applied. */
		vh_err_clear(err);
		return VH_OK;
	}
	if (st != VH_OK)
		return st;
	*version = atoll(vh_rows_get(&r, 0, 0) ? vh_rows_get(&r, 0, 0) : "0");
	return VH_OK;
}
