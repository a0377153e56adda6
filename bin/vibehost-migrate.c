/* vibehost-migrate: apply sql/NNN_name.sql files in order and record each in
 * the schema_migrations ledger.
 *
 * - Safe to run twice: applied versions are skipped.
 * - A file changed after it was applied is an error (its SHA-256 is in the
 *   ledger): migrations are never edited after landing.
 * - A ledger (or a file) newer than this build's VH_SCHEMA_VERSION is
 *   refused, so an old binary never half-understands a newer schema.
 * - GET_LOCK serialises concurrent runs (two hosts deploying at once).
 *
 * MariaDB commits DDL implicitly, so a file cannot be applied atomically;
 * files are therefore written to be re-runnable (CREATE TABLE IF NOT
 * EXISTS, ...), and a file that failed half-way is simply run again. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "buf.h"
#include "cfg.h"
#include "cli.h"
#include "db.h"
#include "hosts.h"
#include "log.h"
#include "pool.h"
#include "secret.h"

static const char sql_ledger[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version INT UNSIGNED NOT NULL PRIMARY KEY,"
	" name VARCHAR(255) NOT NULL,"
	" checksum CHAR(64) CHARACTER SET ascii NOT NULL,"
	" applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
static const char sql_applied[] = "SELECT version, name, checksum FROM schema_migrations ORDER BY version";
static const char sql_record[] = "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)";
static const char sql_lock[] = "SELECT GET_LOCK('vibehost.migrate', ?)";
static const char sql_unlock[] = "SELECT RELEASE_LOCK('vibehost.migrate')";

struct migration {
	int version;
	char name[256];
	char *text;
	char sha[65];
};

static int is_migration_name(const char *n)
{
	size_t len = strlen(n), i;

	if (len < 9 || strcmp(n + len - 4, ".sql") != 0)
		return 0;
	for (i = 0; i < 3; i++)
		if (n[i] < '0' || n[i] > '9')
			return 0;
	if (n[3] != '_')
		return 0;
	for (i = 4; i < len - 4; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= '0' && n[i] <= '9') || n[i] == '_'))
			return 0;
	return 1;
}

static int cmp_migration(const void *a, const void *b)
{
	return ((const struct migration *)a)->version - ((const struct migration *)b)->version;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct vh_buf b = VH_BUF_INIT;
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		vh_buf_add(&b, chunk, n);
	fclose(f);
	vh_buf_reserve(&b, 0);
	return b.data;
}

static void sha256_hex(const char *text, char out[65])
{
	unsigned char h[SHA256_DIGEST_LENGTH];
	int i;

	SHA256((const unsigned char *)text, strlen(text), h);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++)
		sprintf(out + 2 * i, "%02x", h[i]);
}

static int load_dir(const char *dir, struct migration **out, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!d) {
		fprintf(stderr, "vibehost-migrate: cannot open %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		struct migration *m;
		char path[4096];

		if (!is_migration_name(e->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = vh_xrealloc(*out, cap * sizeof(**out));
		}
		m = &(*out)[(*n)++];
		m->version = atoi(e->d_name);
		snprintf(m->name, sizeof(m->name), "%s", e->d_name);
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		m->text = slurp(path);
		if (!m->text) {
			fprintf(stderr, "vibehost-migrate: cannot read %s\n", path);
			closedir(d);
			return -1;
		}
		sha256_hex(m->text, m->sha);
	}
	closedir(d);
	qsort(*out, *n, sizeof(**out), cmp_migration);
	return 0;
}

/* Split a file into statements: a statement ends with ';' at the end of a
 * line; lines starting with "--" are comments.  Migrations keep to this
 * simple form (no procedures or DELIMITER). */
static int apply_text(struct vh_db *db, struct vh_pool *pool, const struct migration *m)
{
	struct vh_buf stmt = VH_BUF_INIT;
	const char *p = m->text;
	int count = 0, rc = 0;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *s = p;
		size_t l = len;

		while (l && (*s == ' ' || *s == '\t')) {
			s++;
			l--;
		}
		while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r'))
			l--;
		if (l && !(l >= 2 && s[0] == '-' && s[1] == '-')) {
			vh_buf_add(&stmt, p, len);
			vh_buf_addc(&stmt, '\n');
			if (s[l - 1] == ';') {
				struct vh_err err;
				char *sql;

				vh_err_clear(&err);
				/* Drop the ';': the prepared-statement protocol takes
				 * one statement without a terminator. */
				stmt.data[stmt.len - 2] = '\0';
				/* The cache is keyed by address: give each statement
				 * its own pool copy. */
				sql = vh_pstrdup(pool, stmt.data);
				if (vh_db_exec(db, pool, sql, NULL, 0, 0, NULL, &err) != VH_OK) {
					fprintf(stderr, "vibehost-migrate: %s, statement %d failed: %s\n",
						m->name, count + 1, err.detail);
					rc = -1;
					break;
				}
				count++;
				vh_buf_clear(&stmt);
			}
		}
		p += len + (eol ? 1 : 0);
	}
	if (rc == 0 && stmt.len) {
		fprintf(stderr, "vibehost-migrate: %s ends without ';'\n", m->name);
		rc = -1;
	}
	vh_buf_free(&stmt);
	return rc;
}

static int run(struct vh_db *db, struct vh_pool *pool, const char *dir, int status_only)
{
	struct migration *ms;
	size_t n, i, j;
	struct vh_rows applied;
	struct vh_param p[3];
	struct vh_err err;
	long long top = 0;
	int rc = 0, done = 0;

	vh_err_clear(&err);
	if (load_dir(dir, &ms, &n) < 0)
		return 1;
	for (i = 0; i < n; i++) {
		if (i && ms[i].version == ms[i - 1].version) {
			fprintf(stderr, "vibehost-migrate: two files have version %03d\n", ms[i].version);
			rc = 1;
			goto out;
		}
		if (ms[i].version > VH_SCHEMA_VERSION) {
			fprintf(stderr, "vibehost-migrate: %s is newer than this build (schema %d); "
				"install the matching vibehost-migrate\n", ms[i].name, VH_SCHEMA_VERSION);
			rc = 1;
			goto out;
		}
	}
	if (vh_db_exec(db, pool, sql_ledger, NULL, 0, VH_DB_IDEMPOTENT, NULL, &err) != VH_OK ||
	    vh_db_exec(db, pool, sql_applied, NULL, 0, VH_DB_IDEMPOTENT, &applied, &err) != VH_OK) {
		fprintf(stderr, "vibehost-migrate: %s\n", err.detail);
		rc = 1;
		goto out;
	}
	for (j = 0; j < applied.nrows; j++) {
		long long v = atoll(vh_rows_get(&applied, j, 0));

		if (v > top)
			top = v;
	}
	if (top > VH_SCHEMA_VERSION) {
		fprintf(stderr, "vibehost-migrate: the database is at schema %lld, newer than this "
			"build (%d); refusing to touch it\n", top, VH_SCHEMA_VERSION);
		rc = 1;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *sum = NULL;

		for (j = 0; j < applied.nrows; j++)
			if (atoll(vh_rows_get(&applied, j, 0)) == ms[i].version)
				sum = vh_rows_get(&applied, j, 2);
		if (sum) {
			if (strcmp(sum, ms[i].sha) != 0) {
				fprintf(stderr, "vibehost-migrate: %s was changed after it was applied "
					"(checksum differs); add a new migration instead\n", ms[i].name);
				rc = 1;
				goto out;
			}
			continue;
		}
		if (status_only) {
			printf("pending %s\n", ms[i].name);
			continue;
		}
		if (apply_text(db, pool, &ms[i]) < 0) {
			rc = 1;
			goto out;
		}
		p[0] = VH_PINT(ms[i].version);
		p[1] = VH_PSTR(ms[i].name);
		p[2] = VH_PSTR(ms[i].sha);
		if (vh_db_exec(db, pool, sql_record, p, 3, 0, NULL, &err) != VH_OK) {
			fprintf(stderr, "vibehost-migrate: recording %s failed: %s\n", ms[i].name,
				err.detail);
			rc = 1;
			goto out;
		}
		printf("applied %s\n", ms[i].name);
		done++;
	}
	if (!status_only)
		printf("schema is at version %d (%d applied now)\n", VH_SCHEMA_VERSION, done);
out:
	for (i = 0; i < n; i++)
		free(ms[i].text);
	free(ms);
	return rc;
}

/* Key rotation: with the new key in VIBEHOST_SECRET_KEY and the old one in
 * VIBEHOST_SECRET_KEY_OLD, every secret sealed under another key is
 * resealed in one transaction; afterwards the old key can be dropped. */
static int rotate_secrets(struct vh_db *db, struct vh_pool *pool)
{
	struct vh_err err;
	int count = 0;

	vh_err_clear(&err);
	if (vh_secret_init(vh_cfg_str(CFG_SECRET_KEY), vh_cfg_str(CFG_SECRET_KEY_OLD), &err) != VH_OK ||
	    vh_hosts_rotate_secrets(db, pool, &count, &err) != VH_OK) {
		fprintf(stderr, "vibehost-migrate: rotating secrets failed: %s\n", err.detail);
		vh_secret_reset();
		return 1;
	}
	printf("resealed %d secret(s) under key %s\n", count, vh_secret_key_id());
	vh_secret_reset();
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *status = NULL, *rotate = NULL;
	const struct vh_cli_opt extra[] = {
		{"--dir", true, "directory of NNN_name.sql files (default: SQL_DIR)", &dir},
		{"--status", false, "list pending migrations without applying them", &status},
		{"--rotate-secrets", false,
		 "after migrating, reseal stored secrets under VIBEHOST_SECRET_KEY (older keys "
		 "in VIBEHOST_SECRET_KEY_OLD)", &rotate},
		{NULL, false, NULL, NULL},
	};
	const struct vh_cli cli = {
		.program = "vibehost-migrate",
		.program_mask = VH_PROG_MIGRATE,
		.summary = "Apply the database migrations (sql/NNN_name.sql) in order, recording each\n"
			   "in the schema_migrations table.  Safe to run any number of times.\n"
			   "Connects as DB_MIGRATE_USER when set (it needs CREATE/ALTER/INDEX),\n"
			   "otherwise as DB_USER.",
		.extra = extra,
	};
	struct vh_db_opts o;
	struct vh_db *db;
	struct vh_pool *pool;
	struct vh_rows r;
	struct vh_param p[1];
	struct vh_err err;
	int rc = vh_cli_start(&cli, argc, argv);

	if (rc >= 0)
		return rc;
	o = (struct vh_db_opts){
		.socket = vh_cfg_str(CFG_DB_SOCKET),
		.host = vh_cfg_str(CFG_DB_HOST),
		.port = (unsigned)vh_cfg_int(CFG_DB_PORT),
		.name = vh_cfg_str(CFG_DB_NAME),
		.user = vh_cfg_is_set(CFG_DB_MIGRATE_USER) ? vh_cfg_str(CFG_DB_MIGRATE_USER)
							   : vh_cfg_str(CFG_DB_USER),
		.password = vh_cfg_is_set(CFG_DB_MIGRATE_USER) ? vh_cfg_str(CFG_DB_MIGRATE_PASSWORD)
							       : vh_cfg_str(CFG_DB_PASSWORD),
		.connect_timeout = (unsigned)vh_cfg_int(CFG_DB_CONNECT_TIMEOUT),
		.rw_timeout = 120,
	};
	if (!dir)
		dir = vh_cfg_str(CFG_SQL_DIR);
	db = vh_db_new(&o);
	pool = vh_pool_new();
	vh_err_clear(&err);
	p[0] = VH_PINT(60);
	if (vh_db_exec(db, pool, sql_lock, p, 1, VH_DB_IDEMPOTENT, &r, &err) != VH_OK) {
		fprintf(stderr, "vibehost-migrate: %s\n", err.detail);
		rc = 1;
	} else if (!vh_rows_get(&r, 0, 0) || strcmp(vh_rows_get(&r, 0, 0), "1") != 0) {
		fprintf(stderr, "vibehost-migrate: another migration holds the lock; try again\n");
		rc = 1;
	} else {
		rc = run(db, pool, dir, status != NULL);
		if (rc == 0 && rotate)
			rc = rotate_secrets(db, pool);
		vh_db_exec(db, pool, sql_unlock, NULL, 0, 0, NULL, &err);
	}
	vh_pool_free(pool);
	vh_db_free(db);
	vh_db_library_end();
	vh_cfg_reset();
	return rc;
}
