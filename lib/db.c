#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "cfg.h"
#include "db.h"
#include "log.h"
#include "pool.h"

struct stmt_slot {
	const char *sql;
	MYSQL_STMT *stmt;
};

struct vh_db {
	struct vh_db_opts opts;
	char *socket, *host, *name, *user, *password;
	MYSQL *conn;
	struct stmt_slot *stmts;
	size_t nstmts, capstmts;
	bool in_tx;
	time_t last_used;
	unsigned long connects;
	char dup_key[65];
};

/* Sent once per connection.  UTC everywhere; strict mode so a bad value is
 * an error instead of a silently truncated row. */
static const char init_sql[] =
	"SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,"
	"NO_ZERO_DATE,NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION'";

static char *dup_opt(const char *s)
{
	return s ? vh_xstrdup(s) : NULL;
}

struct vh_db *vh_db_new(const struct vh_db_opts *opts)
{
	struct vh_db *db = vh_xcalloc(1, sizeof(*db));

	db->opts = *opts;
	db->socket = dup_opt(opts->socket && *opts->socket ? opts->socket : NULL);
	db->host = dup_opt(opts->host);
	db->name = dup_opt(opts->name);
	db->user = dup_opt(opts->user);
	db->password = dup_opt(opts->password);
	if (!db->opts.connect_timeout)
		db->opts.connect_timeout = 3;
	if (!db->opts.rw_timeout)
		db->opts.rw_timeout = 30;
	return db;
}

struct vh_db *vh_db_from_cfg(void)
{
	struct vh_db_opts o = {
		.socket = vh_cfg_str(CFG_DB_SOCKET),
		.host = vh_cfg_str(CFG_DB_HOST),
		.port = (unsigned)vh_cfg_int(CFG_DB_PORT),
		.name = vh_cfg_str(CFG_DB_NAME),
		.user = vh_cfg_str(CFG_DB_USER),
		.password = vh_cfg_str(CFG_DB_PASSWORD),
		.connect_timeout = (unsigned)vh_cfg_int(CFG_DB_CONNECT_TIMEOUT),
	};

	return vh_db_new(&o);
}

static void drop_connection(struct vh_db *db)
{
	size_t i;

	for (i = 0; i < db->nstmts; i++) {
		if (db->stmts[i].stmt)
			mysql_stmt_close(db->stmts[i].stmt);
		db->stmts[i].stmt = NULL;
	}
	if (db->conn)
		mysql_close(db->conn);
	db->conn = NULL;
	db->in_tx = false;
}

void vh_db_free(struct vh_db *db)
{
	if (!db)
		return;
	drop_connection(db);
	free(db->stmts);
	free(db->socket);
	free(db->host);
	free(db->name);
	free(db->user);
	if (db->password) {
		memset(db->password, 0, strlen(db->password));
		free(db->password);
	}
	free(db);
}

void vh_db_library_end(void)
{
	mysql_library_end();
}

unsigned long vh_db_connects(const struct vh_db *db)
{
	return db->connects;
}

const char *vh_db_dup_key(const struct vh_db *db)
{
	return db->dup_key;
}

/* Errors that mean the connection is unusable (not that the statement was
 * wrong): the client lost the server, the server went away or is shutting
 * down, or the connection was killed. */
static bool is_conn_error(unsigned code)
{
	switch (code) {
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_SERVER_LOST_EXTENDED:
	case CR_COMMANDS_OUT_OF_SYNC:
	case ER_SERVER_SHUTDOWN:
	case ER_CONNECTION_KILLED:
	case 4031: /* ER_CLIENT_INTERACTION_TIMEOUT */
		return true;
	default:
		return false;
	}
}

static enum vh_status unavailable(struct vh_err *err)
{
	return vh_fail(err, VH_UNAVAILABLE, "db_unavailable",
		       "the database is unavailable; retry shortly");
}

/* How long a connection may sit idle before a statement that cannot be
 * retried pings it first.  After a database restart every process holds a
 * dead connection; an idempotent statement finds out and retries, but an
 * INSERT cannot know whether the server ran it, so it must not be the one
 * to find out.  The ping costs one round trip, only after idle periods. */
#define IDLE_PING_SECONDS 1

static void ping_if_idle(struct vh_db *db)
{
	if (db->conn && !db->in_tx && time(NULL) - db->last_used >= IDLE_PING_SECONDS &&
	    mysql_ping(db->conn) != 0) {
		vh_log(VH_LOG_WARN, "database connection was lost while idle; reconnecting");
		drop_connection(db);
	}
}

enum vh_status vh_db_ensure(struct vh_db *db, struct vh_err *err)
{
	MYSQL *m;
	unsigned ct = db->opts.connect_timeout, rw = db->opts.rw_timeout;

	if (db->conn)
		return VH_OK;
	m = mysql_init(NULL);
	if (!m)
		vh_oom();
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rw);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &rw);
	mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(m, MYSQL_INIT_COMMAND, init_sql);
	if (!mysql_real_connect(m, db->socket ? NULL : db->host, db->user, db->password,
				db->name, db->socket ? 0 : db->opts.port, db->socket, 0)) {
		/* The message names the host/socket, never the password. */
		vh_log(VH_LOG_ERROR, "database connect failed: %s (%u)", mysql_error(m),
		       mysql_errno(m));
		mysql_close(m);
		return unavailable(err);
	}
	db->conn = m;
	db->connects++;
	return VH_OK;
}

static MYSQL_STMT *prepared(struct vh_db *db, const char *sql, unsigned *code)
{
	struct stmt_slot *slot = NULL;
	size_t i;
	my_bool on = 1;

	for (i = 0; i < db->nstmts; i++) {
		if (db->stmts[i].sql == sql) {
			slot = &db->stmts[i];
			break;
		}
	}
	if (slot && slot->stmt)
		return slot->stmt;
	if (!slot) {
		if (db->nstmts == db->capstmts) {
			db->capstmts = db->capstmts ? db->capstmts * 2 : 32;
			db->stmts = vh_xrealloc(db->stmts, db->capstmts * sizeof(*db->stmts));
		}
		slot = &db->stmts[db->nstmts++];
		slot->sql = sql;
		slot->stmt = NULL;
	}
	slot->stmt = mysql_stmt_init(db->conn);
	if (!slot->stmt)
		vh_oom();
	if (mysql_stmt_prepare(slot->stmt, sql, (unsigned long)strlen(sql))) {
		*code = mysql_stmt_errno(slot->stmt);
		vh_log(VH_LOG_ERROR, "prepare failed: %s (%u)", mysql_stmt_error(slot->stmt), *code);
		mysql_stmt_close(slot->stmt);
		slot->stmt = NULL;
		return NULL;
	}
	mysql_stmt_attr_set(slot->stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &on);
	return slot->stmt;
}

/* Fetch a result set into pool memory, every column as text. */
static unsigned fetch_all(MYSQL_STMT *st, struct vh_pool *pool, struct vh_rows *out)
{
	MYSQL_RES *meta = mysql_stmt_result_metadata(st);
	MYSQL_FIELD *fields;
	MYSQL_BIND *bind;
	unsigned long *lens;
	my_bool *nulls, *errs;
	char **bufs;
	size_t ncols, cap = 8, i;
	int rc;

	if (!meta)
		return 0;
	if (mysql_stmt_store_result(st)) {
		mysql_free_result(meta);
		return mysql_stmt_errno(st);
	}
	ncols = mysql_num_fields(meta);
	fields = mysql_fetch_fields(meta);
	bind = vh_palloc(pool, ncols * sizeof(*bind));
	lens = vh_palloc(pool, ncols * sizeof(*lens));
	nulls = vh_palloc(pool, ncols * sizeof(*nulls));
	errs = vh_palloc(pool, ncols * sizeof(*errs));
	bufs = vh_palloc(pool, ncols * sizeof(*bufs));
	for (i = 0; i < ncols; i++) {
		unsigned long sz = fields[i].max_length + 1;

		if (sz < 32)
			sz = 32;
		bufs[i] = vh_palloc(pool, sz);
		bind[i].buffer_type = MYSQL_TYPE_STRING;
		bind[i].buffer = bufs[i];
		bind[i].buffer_length = sz;
		bind[i].length = &lens[i];
		bind[i].is_null = &nulls[i];
		bind[i].error = &errs[i];
	}
	mysql_free_result(meta);
	if (mysql_stmt_bind_result(st, bind))
		return mysql_stmt_errno(st);
	out->ncols = ncols;
	out->nrows = 0;
	out->cells = vh_palloc(pool, cap * ncols * sizeof(char *));
	while ((rc = mysql_stmt_fetch(st)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
		if (out->nrows == cap) {
			const char **grown = vh_palloc(pool, cap * 2 * ncols * sizeof(char *));

			memcpy(grown, out->cells, cap * ncols * sizeof(char *));
			out->cells = grown;
			cap *= 2;
		}
		for (i = 0; i < ncols; i++) {
			const char **cell = &out->cells[out->nrows * ncols + i];

			if (nulls[i]) {
				*cell = NULL;
			} else if (lens[i] >= bind[i].buffer_length) {
				/* max_length was not enough: fetch this column whole. */
				MYSQL_BIND one = bind[i];
				char *big = vh_palloc(pool, lens[i] + 1);

				one.buffer = big;
				one.buffer_length = lens[i] + 1;
				mysql_stmt_fetch_column(st, &one, (unsigned)i, 0);
				big[lens[i]] = '\0';
				*cell = big;
			} else {
				*cell = vh_pstrndup(pool, bufs[i], lens[i]);
			}
		}
		out->nrows++;
	}
	mysql_stmt_free_result(st);
	if (rc == 1)
		return mysql_stmt_errno(st);
	return 0;
}

/* One attempt: prepare (or reuse), bind, execute, fetch.  Returns the MySQL
 * error code, 0 on success. */
static unsigned attempt(struct vh_db *db, struct vh_pool *pool, const char *sql,
			const struct vh_param *params, size_t nparams, struct vh_rows *out)
{
	MYSQL_STMT *st;
	MYSQL_BIND bind[32];
	unsigned long lens[32];
	unsigned code = 0;
	size_t i;

	st = prepared(db, sql, &code);
	if (!st)
		return code;
	if (nparams > 32 || mysql_stmt_param_count(st) != nparams) {
		vh_log(VH_LOG_ERROR, "statement takes %lu parameters, %zu given",
		       mysql_stmt_param_count(st), nparams);
		return ER_WRONG_ARGUMENTS;
	}
	memset(bind, 0, sizeof(bind));
	for (i = 0; i < nparams; i++) {
		switch (params[i].type) {
		case VH_P_NULL:
			bind[i].buffer_type = MYSQL_TYPE_NULL;
			break;
		case VH_P_STR:
			lens[i] = (unsigned long)strlen(params[i].s);
			bind[i].buffer_type = MYSQL_TYPE_STRING;
			bind[i].buffer = (void *)params[i].s;
			bind[i].buffer_length = lens[i];
			bind[i].length = &lens[i];
			break;
		case VH_P_INT:
			bind[i].buffer_type = MYSQL_TYPE_LONGLONG;
			bind[i].buffer = (void *)&params[i].i;
			break;
		}
	}
	if (nparams && mysql_stmt_bind_param(st, bind))
		return mysql_stmt_errno(st);
	if (mysql_stmt_execute(st))
		return mysql_stmt_errno(st);
	memset(out, 0, sizeof(*out));
	code = fetch_all(st, pool, out);
	if (code)
		return code;
	out->affected = mysql_stmt_affected_rows(st);
	if (out->affected == (unsigned long long)-1)
		out->affected = 0;
	return 0;
}

static void remember_dup_key(struct vh_db *db, const char *sql)
{
	MYSQL_STMT *st = NULL;
	const char *msg, *k;
	size_t i;

	db->dup_key[0] = '\0';
	for (i = 0; i < db->nstmts; i++)
		if (db->stmts[i].sql == sql)
			st = db->stmts[i].stmt;
	if (!st)
		return;
	/* "Duplicate entry '...' for key 'uq_users_email'": keep only the key
	 * name; the value may be personal data and is never logged. */
	msg = mysql_stmt_error(st);
	k = strstr(msg, "for key '");
	if (k) {
		size_t n;

		k += 9;
		n = strcspn(k, "'");
		if (n >= sizeof(db->dup_key))
			n = sizeof(db->dup_key) - 1;
		memcpy(db->dup_key, k, n);
		db->dup_key[n] = '\0';
	}
}

enum vh_status vh_db_exec(struct vh_db *db, struct vh_pool *pool, const char *sql,
			  const struct vh_param *params, size_t nparams, unsigned flags,
			  struct vh_rows *out, struct vh_err *err)
{
	struct vh_rows scratch;
	unsigned code;
	int tries;
	bool was_in_tx = db->in_tx;

	if (!out)
		out = &scratch;
	memset(out, 0, sizeof(*out));
	if (!(flags & VH_DB_IDEMPOTENT))
		ping_if_idle(db);
	for (tries = 0;; tries++) {
		enum vh_status st = vh_db_ensure(db, err);

		if (st != VH_OK)
			return st;
		code = attempt(db, pool, sql, params, nparams, out);
		db->last_used = time(NULL);
		if (code == 0)
			return VH_OK;
		if (!is_conn_error(code))
			break;
		vh_log(VH_LOG_WARN, "database connection lost (%u); reconnecting", code);
		drop_connection(db);
		if (tries > 0 || was_in_tx || !(flags & VH_DB_IDEMPOTENT))
			return unavailable(err);
	}
	switch (code) {
	case ER_DUP_ENTRY:
	case ER_DUP_ENTRY_WITH_KEY_NAME:
		remember_dup_key(db, sql);
		return vh_fail(err, VH_CONFLICT, "duplicate", "a record with this key already exists");
	case ER_LOCK_DEADLOCK:
	case ER_LOCK_WAIT_TIMEOUT:
		return vh_fail(err, VH_TRANSIENT, "db_busy", "the database is busy; retry shortly");
	case ER_NO_REFERENCED_ROW_2:
		return vh_fail(err, VH_INVALID, "unknown_reference",
			       "a value refers to a record that does not exist");
	case ER_ROW_IS_REFERENCED_2:
		return vh_fail(err, VH_CONFLICT, "in_use", "the record is referenced by other records");
	case ER_CONSTRAINT_FAILED:
		return vh_fail(err, VH_INVALID, "constraint_failed",
			       "the values break a rule of the data model");
	default:
		vh_log(VH_LOG_ERROR, "statement failed with MySQL error %u", code);
		return vh_fail(err, VH_INTERNAL, "db_error", "a database error occurred");
	}
}

enum vh_status vh_db_begin(struct vh_db *db, struct vh_err *err)
{
	int tries;

	/* Starting a transaction is always safe to retry: nothing happened yet. */
	for (tries = 0; tries < 2; tries++) {
		enum vh_status st = vh_db_ensure(db, err);

		if (st != VH_OK)
			return st;
		if (mysql_autocommit(db->conn, 0) == 0) {
			db->in_tx = true;
			return VH_OK;
		}
		if (!is_conn_error(mysql_errno(db->conn)))
			break;
		drop_connection(db);
	}
	if (db->conn)
		return vh_fail(err, VH_INTERNAL, "db_error", "could not start a transaction");
	return unavailable(err);
}

enum vh_status vh_db_commit(struct vh_db *db, struct vh_err *err)
{
	if (!db->conn || !db->in_tx) {
		drop_connection(db);
		return unavailable(err);
	}
	if (mysql_commit(db->conn)) {
		unsigned code = mysql_errno(db->conn);

		vh_log(VH_LOG_ERROR, "commit failed (%u)", code);
		if (is_conn_error(code)) {
			drop_connection(db);
			return unavailable(err);
		}
		vh_db_rollback(db);
		return vh_fail(err, VH_TRANSIENT, "db_busy", "the transaction could not be committed; retry");
	}
	db->in_tx = false;
	if (mysql_autocommit(db->conn, 1))
		drop_connection(db);
	return VH_OK;
}

void vh_db_rollback(struct vh_db *db)
{
	if (!db->conn)
		return;
	if (mysql_rollback(db->conn) || mysql_autocommit(db->conn, 1))
		drop_connection(db);
	db->in_tx = false;
}
