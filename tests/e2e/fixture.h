/* Rows other tests need as foreign keys: a server owned by a throw-away
 * user on a throw-away plan, written straight into the stack's MariaDB
 * (no VM behind it).  For tests of IP allocation and the SMS outbox, whose
 * rows must name a real server since the lifecycle migration. */
#ifndef VH_E2E_FIXTURE_H
#define VH_E2E_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "db.h"
#include "harness.h"
#include "pool.h"
#include "uuid.h"

/* The stack's database, with the migrator's view of the configuration. */
static inline struct vh_db *fx_open_db(void)
{
	struct vh_err err;
	char path[4096];

	snprintf(path, sizeof(path), "%s/dev.env", getenv("VH_STACK_DIR"));
	vh_err_clear(&err);
	if (vh_cfg_load(VH_PROG_MIGRATE, path, &err) != VH_OK) {
		tap_diag("config: %s", err.detail);
		return NULL;
	}
	return vh_db_from_cfg();
}

/* A new server row owned by owner_id (NULL: a new user); id is filled.
 * Returns 1 on success. */
static inline int fx_server(struct vh_db *db, const char *owner_id, char id[VH_UUID_LEN + 1])
{
	static const char sql_plan[] =
		"INSERT IGNORE INTO plans (name, vcpu, memory_mb, disk_gb, price, default_expire_days, "
		"location) VALUES ('fixture', 1, 512, 10, 0, 30, 'fixture')";
	static const char sql_server[] =
		"INSERT INTO servers (id, owner_id, name, plan, location, vcpu, memory_mb, disk_gb, "
		"expire_in_days, expire_at, status) VALUES (?, ?, 'fixture', 'fixture', 'fixture', 1, "
		"512, 10, 30, UTC_TIMESTAMP() + INTERVAL 30 DAY, 'active')";
	struct vh_pool *pool = vh_pool_new();
	struct vh_param p[2];
	struct vh_err err;
	struct t_resp r;
	char owner[VH_UUID_LEN + 1], body[256];
	int ok = 0;

	if (!owner_id) {
		snprintf(body, sizeof(body), "{\"email\":\"%s\"}", t_unique_email("fixture"));
		t_admin(&r, "POST", "/users", body);
		if (r.status == 201 && t_str(&r, "id"))
			snprintf(owner, sizeof(owner), "%s", t_str(&r, "id"));
		else
			owner[0] = '\0';
		t_resp_free(&r);
		if (!owner[0])
			goto out;
		owner_id = owner;
	}
	vh_err_clear(&err);
	if (vh_db_exec(db, pool, sql_plan, NULL, 0, 0, NULL, &err) != VH_OK)
		goto out;
	vh_uuid_v7(id);
	p[0] = vh_pstr(id);
	p[1] = vh_pstr(owner_id);
	ok = vh_db_exec(db, pool, sql_server, p, 2, 0, NULL, &err) == VH_OK;
out:
	if (!ok)
		tap_diag("fixture server: %s", err.detail);
	vh_pool_free(pool);
	return ok;
}

#endif
