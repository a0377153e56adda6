/* The schema_migrations ledger, shared by vibehost-migrate (which writes
 * it) and the readiness check (which reads it). */
#ifndef VH_SCHEMA_H
#define VH_SCHEMA_H

#include "err.h"

struct vh_db;
struct vh_pool;

/* The highest applied version; 0 when the ledger is empty or missing. */
enum vh_status vh_schema_version(struct vh_db *db, struct vh_pool *pool, long long *version,
				 struct vh_err *err);

#endif
