/* MariaDB access.  One persistent connection per process, opened lazily so a
 * program starts (and answers 503) while the database is down.  Every
 * statement is a prepared statement whose text is a constant owned by a
 * domain module; values travel only as binds.  Prepared handles are cached
 * per connection, keyed by the address of their SQL text.
 *
 * Reconnecting is explicit (MYSQL_OPT_RECONNECT is never used): when the
 * server is gone or the connection lost, the connection and its statements
 * are dropped; the statement is retried once on a fresh connection only when
 * the caller marked it idempotent and no transaction was open (a transaction
 * dies with its connection, so it is the caller's to restart). */
#ifndef VH_DB_H
#define VH_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* The schema version this build expects: the number of the newest file in
 * sql/.  A unit test keeps the two in step. */
#define VH_SCHEMA_VERSION 5

struct vh_pool;
struct vh_db;

enum vh_ptype { VH_P_NULL, VH_P_STR, VH_P_INT };

struct vh_param {
	enum vh_ptype type;
	const char *s;
	long long i;
};

/* A string parameter; NULL binds SQL NULL. */
static inline struct vh_param vh_pstr(const char *s)
{
	struct vh_param p = {s ? VH_P_STR : VH_P_NULL, s, 0};

	return p;
}

static inline struct vh_param vh_pint(long long i)
{
	struct vh_param p = {VH_P_INT, NULL, i};

	return p;
}

#define VH_PSTR(x) vh_pstr(x)
#define VH_PINT(x) vh_pint(x)

/* A result: every column as text (NULL for SQL NULL), row-major, allocated
 * from the pool. */
struct vh_rows {
	size_t nrows;
	size_t ncols;
	const char **cells;
	unsigned long long affected;
};

enum {
	VH_DB_IDEMPOTENT = 1u << 0,  /* safe to run twice: retried once after a reconnect */
};

struct vh_db_opts {
	const char *socket;      /* preferred when set */
	const char *host;
	unsigned port;
	const char *name;
	const char *user;
	const char *password;
	unsigned connect_timeout;
	unsigned rw_timeout;
};

struct vh_db *vh_db_new(const struct vh_db_opts *opts);
/* Options from the configuration table (cfg.h). */
struct vh_db *vh_db_from_cfg(void);
void vh_db_free(struct vh_db *db);
/* Release the client library's global state (once, at program exit). */
void vh_db_library_end(void);

/* Make sure a connection is up (connects when needed). */
enum vh_status vh_db_ensure(struct vh_db *db, struct vh_err *err);

enum vh_status vh_db_exec(struct vh_db *db, struct vh_pool *pool, const char *sql,
			  const struct vh_param *params, size_t nparams, unsigned flags,
			  struct vh_rows *out, struct vh_err *err);

enum vh_status vh_db_begin(struct vh_db *db, struct vh_err *err);
enum vh_status vh_db_commit(struct vh_db *db, struct vh_err *err);
/* Never fails from the caller's point of view: a rollback on a dead
 * connection is what the server does anyway. */
void vh_db_rollback(struct vh_db *db);

/* After VH_CONFLICT from a duplicate key: the key's name ("uq_users_email"). */
const char *vh_db_dup_key(const struct vh_db *db);

static inline const char *vh_rows_get(const struct vh_rows *r, size_t row, size_t col)
{
	return (row < r->nrows && col < r->ncols) ? r->cells[row * r->ncols + col] : NULL;
}

/* Counters for tests and metrics. */
unsigned long vh_db_connects(const struct vh_db *db);

#endif
