#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "jobs.h"
#include "json.h"
#include "log.h"
#include "pool.h"
#include "validate.h"

#define ISO(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%s.%fZ')"

#define JOB_COLS "j.id, j.kind, j.server_id, j.state, j.step, j.attempts, " ISO("j.run_after") \
	", j.lease_owner, " ISO("j.lease_until") ", j.upid, j.payload, j.error, j.actor, " \
	"j.request_id, " ISO("j.created_at") ", " ISO("j.updated_at") ", " \
	ISO("j.finished_at") ", s.owner_id"

static const char sql_insert[] =
	"INSERT INTO jobs (id, kind, server_id, busy_server_id, payload, actor, request_id) "
	"VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char sql_get[] =
	"SELECT " JOB_COLS " FROM jobs j JOIN servers s ON s.id = j.server_id WHERE j.id = ? "
	"AND (? IS NULL OR s.owner_id = ?)";
static const char sql_list[] =
	"SELECT " JOB_COLS " FROM jobs j JOIN servers s ON s.id = j.server_id "
	"WHERE (? = '' OR j.id < ?) AND (? IS NULL OR j.state = ?) AND (? IS NULL OR j.kind = ?) "
	"AND (? IS NULL OR j.server_id = ?) ORDER BY j.id DESC LIMIT ?";
/* Due: queued and its time has come, or running under a lease that ran
 * out (the worker holding it died).  SKIP LOCKED lets several workers
 * claim side by side without waiting on each other. */
#define DUE "((state = 'queued' AND run_after <= UTC_TIMESTAMP(6)) " \
	"OR (state = 'running' AND lease_until < UTC_TIMESTAMP(6)))"
static const char sql_claim_pick[] =
	"SELECT id FROM jobs WHERE " DUE " ORDER BY run_after, id LIMIT 1 FOR UPDATE SKIP LOCKED";
/* Stuck: a lease that ran out long ago, or a queued job long overdue, and
 * no worker took it (the janitor's view; see JOB_STUCK_MINUTES). */
static const char sql_claim_stuck[] =
	"SELECT id FROM jobs WHERE (state = 'running' AND lease_until < UTC_TIMESTAMP(6) - INTERVAL ? MINUTE) "
	"OR (state = 'queued' AND run_after < UTC_TIMESTAMP(6) - INTERVAL ? MINUTE) "
	"ORDER BY run_after, id LIMIT 1 FOR UPDATE SKIP LOCKED";
static const char sql_claim_take[] =
	"UPDATE jobs SET state = 'running', lease_owner = ?, "
	"lease_until = UTC_TIMESTAMP(6) + INTERVAL ? SECOND WHERE id = ?";
static const char sql_renew[] =
	"UPDATE jobs SET lease_until = UTC_TIMESTAMP(6) + INTERVAL ? SECOND "
	"WHERE id = ? AND lease_owner = ? AND state = 'running'";
/* Also renews the lease, so the row always changes and "no row changed"
 * means the lease is someone else's now. */
static const char sql_set_step[] =
	"UPDATE jobs SET attempts = IF(step = ?, attempts, 0), step = ?, upid = IF(step = ?, upid, NULL), "
	"lease_until = UTC_TIMESTAMP(6) + INTERVAL ? SECOND "
	"WHERE id = ? AND lease_owner = ? AND state = 'running'";
static const char sql_set_upid[] = "UPDATE jobs SET upid = ? WHERE id = ?";
static const char sql_set_payload[] = "UPDATE jobs SET payload = ? WHERE id = ?";
static const char sql_retry[] =
	"UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, "
	"attempts = attempts + 1, error = ?, "
	"run_after = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND WHERE id = ? AND lease_owner = ?";
static const char sql_release[] =
	"UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, "
	"run_after = UTC_TIMESTAMP(6) WHERE id = ? AND lease_owner = ?";
static const char sql_finish[] =
	"UPDATE jobs SET state = ?, error = ?, lease_owner = NULL, lease_until = NULL, "
	"busy_server_id = NULL, finished_at = UTC_TIMESTAMP(6) WHERE id = ? "
	"AND (? IS NULL OR lease_owner = ?) AND state IN ('queued', 'running')";
static const char sql_event_insert[] =
	"INSERT INTO server_events (server_id, job_id, step, level, message, upid, actor, request_id) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_event_list[] =
	"SELECT id, job_id, DATE_FORMAT(at, '%Y-%m-%dT%H:%i:%s.%fZ'), step, level, message, upid, "
	"actor, request_id FROM server_events WHERE server_id = ? AND id > ? ORDER BY id LIMIT ?";

static void row_to_job(const struct vh_rows *r, size_t row, struct vh_job *j)
{
	size_t c = 0;

	j->id = vh_rows_get(r, row, c++);
	j->kind = vh_rows_get(r, row, c++);
	j->server_id = vh_rows_get(r, row, c++);
	j->state = vh_rows_get(r, row, c++);
	j->step = vh_rows_get(r, row, c++);
	j->attempts = strtol(vh_rows_get(r, row, c++), NULL, 10);
	j->run_after = vh_rows_get(r, row, c++);
	j->lease_owner = vh_rows_get(r, row, c++);
	j->lease_until = vh_rows_get(r, row, c++);
	j->upid = vh_rows_get(r, row, c++);
	j->payload = vh_rows_get(r, row, c++);
	j->error = vh_rows_get(r, row, c++);
	j->actor = vh_rows_get(r, row, c++);
	j->request_id = vh_rows_get(r, row, c++);
	j->created_at = vh_rows_get(r, row, c++);
	j->updated_at = vh_rows_get(r, row, c++);
	j->finished_at = vh_rows_get(r, row, c++);
	j->owner_id = vh_rows_get(r, row, c++);
}

enum vh_status vh_job_enqueue(struct vh_db *db, struct vh_pool *pool, const char *kind,
			      const char *server_id, const char *payload, const char *actor,
			      const char *request_id, char id[VH_UUID_LEN + 1], struct vh_err *err)
{
	struct vh_param p[7];
	enum vh_status st;

	vh_uuid_v7(id);
	p[0] = VH_PSTR(id);
	p[1] = VH_PSTR(kind);
	p[2] = VH_PSTR(server_id);
	p[3] = VH_PSTR(server_id);
	p[4] = VH_PSTR(payload);
	p[5] = VH_PSTR(actor);
	p[6] = VH_PSTR(request_id);
	st = vh_db_exec(db, pool, sql_insert, p, 7, 0, NULL, err);
	if (st == VH_CONFLICT && vh_db_dup_key(db) && strstr(vh_db_dup_key(db), "busy")) {
		vh_err_clear(err);
		return vh_fail(err, VH_CONFLICT, "server_busy",
			       "the server has a job in progress; wait for it to finish (GET /servers/{id})");
	}
	return st;
}

enum vh_status vh_job_get(struct vh_db *db, struct vh_pool *pool, const char *id,
			  const char *owner_id, struct vh_job *out, struct vh_err *err)
{
	struct vh_param p[3] = {VH_PSTR(id), VH_PSTR(owner_id), VH_PSTR(owner_id)};
	struct vh_rows r;
	enum vh_status st;

	if (!id || !vh_is_uuid(id))
		return vh_fail(err, VH_NOTFOUND, "job_not_found", "no such job");
	st = vh_db_exec(db, pool, sql_get, p, 3, VH_DB_IDEMPOTENT, &r, err);
	if (st != VH_OK)
		return st;
	if (r.nrows == 0)
		return vh_fail(err, VH_NOTFOUND, "job_not_found", "no such job");
	row_to_job(&r, 0, out);
	return VH_OK;
}

enum vh_status vh_job_list(struct vh_db *db, struct vh_pool *pool, const struct vh_job_filter *f,
			   struct vh_job **out, size_t *n, bool *more, struct vh_err *err)
{
	const char *cur = f->cursor ? f->cursor : "";
	struct vh_param p[9] = {VH_PSTR(cur), VH_PSTR(cur), VH_PSTR(f->state), VH_PSTR(f->state),
				VH_PSTR(f->kind), VH_PSTR(f->kind), VH_PSTR(f->server_id),
				VH_PSTR(f->server_id), VH_PINT(f->limit + 1)};
	struct vh_rows r;
	enum vh_status st;
	size_t i;

	st = vh_db_exec(db, pool, sql_list, p, 9, VH_DB_IDEMPOTENT, &r, err);
	if (st != VH_OK)
		return st;
	*more = r.nrows > (size_t)f->limit;
	*n = *more ? (size_t)f->limit : r.nrows;
	*out = vh_palloc(pool, (*n ? *n : 1) * sizeof(**out));
	for (i = 0; i < *n; i++)
		row_to_job(&r, i, &(*out)[i]);
	return VH_OK;
}

/* Pick one job with pick (a SELECT id ... FOR UPDATE SKIP LOCKED) and
 * take it for lease_s seconds. */
static enum vh_status claim(struct vh_db *db, struct vh_pool *pool, const char *pick,
			    const struct vh_param *pp, size_t np, const char *owner, long lease_s,
			    struct vh_job *out, struct vh_err *err)
{
	struct vh_param p[3];
	struct vh_rows r;
	enum vh_status st;
	const char *id;

	st = vh_db_begin(db, err);
	if (st != VH_OK)
		return st;
	st = vh_db_exec(db, pool, pick, pp, np, 0, &r, err);
	if (st != VH_OK)
		goto fail;
	if (r.nrows == 0) {
		vh_db_rollback(db);
		return vh_fail(err, VH_NOTFOUND, "no_job", "no job is due");
	}
	id = vh_rows_get(&r, 0, 0);
	p[0] = VH_PSTR(owner);
	p[1] = VH_PINT(lease_s);
	p[2] = VH_PSTR(id);
	st = vh_db_exec(db, pool, sql_claim_take, p, 3, 0, NULL, err);
	if (st != VH_OK)
		goto fail;
	st = vh_db_commit(db, err);
	if (st != VH_OK)
		return st;
	return vh_job_get(db, pool, id, NULL, out, err);
fail:
	vh_db_rollback(db);
	return st;
}

enum vh_status vh_job_claim(struct vh_db *db, struct vh_pool *pool, const char *owner,
			    long lease_s, struct vh_job *out, struct vh_err *err)
{
	return claim(db, pool, sql_claim_pick, NULL, 0, owner, lease_s, out, err);
}

enum vh_status vh_job_claim_where(struct vh_db *db, struct vh_pool *pool, const char *where,
				  const struct vh_param *params, size_t nparams, const char *owner,
				  long lease_s, struct vh_job *out, struct vh_err *err)
{
	const char *sql = vh_psprintf(pool, "SELECT id FROM jobs WHERE (%s) AND %s "
				      "ORDER BY run_after, id LIMIT 1 FOR UPDATE SKIP LOCKED", where, DUE);

	return claim(db, pool, sql, params, nparams, owner, lease_s, out, err);
}

enum vh_status vh_job_claim_id(struct vh_db *db, struct vh_pool *pool, const char *id,
			       const char *owner, long lease_s, struct vh_job *out,
			       struct vh_err *err)
{
	struct vh_param p[1] = {VH_PSTR(id)};

	return vh_job_claim_where(db, pool, "id = ?", p, 1, owner, lease_s, out, err);
}

enum vh_status vh_job_claim_stuck(struct vh_db *db, struct vh_pool *pool, long stuck_minutes,
				  const char *owner, long lease_s, struct vh_job *out,
				  struct vh_err *err)
{
	struct vh_param p[2] = {VH_PINT(stuck_minutes), VH_PINT(stuck_minutes)};

	return claim(db, pool, sql_claim_stuck, p, 2, owner, lease_s, out, err);
}

enum vh_status vh_job_renew(struct vh_db *db, struct vh_pool *pool, const char *id,
			    const char *owner, long lease_s, struct vh_err *err)
{
	struct vh_param p[3] = {VH_PINT(lease_s), VH_PSTR(id), VH_PSTR(owner)};
	struct vh_rows r;
	enum vh_status st;

	st = vh_db_exec(db, pool, sql_renew, p, 3, VH_DB_IDEMPOTENT, &r, err);
	if (st != VH_OK)
		return st;
	/* affected is 0 also when lease_until did not change (same
	 * microsecond): impossible in practice since time moves on. */
	if (r.affected == 0)
		return vh_fail(err, VH_CONFLICT, "lease_lost", "another worker holds this job now");
	return VH_OK;
}

enum vh_status vh_job_set_step(struct vh_db *db, struct vh_pool *pool, const char *id,
			       const char *owner, long lease_s, const char *step, struct vh_err *err)
{
	struct vh_param p[6] = {VH_PSTR(step), VH_PSTR(step), VH_PSTR(step), VH_PINT(lease_s),
				VH_PSTR(id), VH_PSTR(owner)};
	struct vh_rows r;
	enum vh_status st;

	st = vh_db_exec(db, pool, sql_set_step, p, 6, VH_DB_IDEMPOTENT, &r, err);
	if (st == VH_OK && r.affected == 0)
		return vh_fail(err, VH_CONFLICT, "lease_lost", "another worker holds this job now");
	return st;
}

enum vh_status vh_job_set_upid(struct vh_db *db, struct vh_pool *pool, const char *id,
			       const char *upid, struct vh_err *err)
{
	struct vh_param p[2] = {VH_PSTR(upid), VH_PSTR(id)};

	return vh_db_exec(db, pool, sql_set_upid, p, 2, VH_DB_IDEMPOTENT, NULL, err);
}

enum vh_status vh_job_set_payload(struct vh_db *db, struct vh_pool *pool, const char *id,
				  const char *payload, struct vh_err *err)
{
	struct vh_param p[2] = {VH_PSTR(payload), VH_PSTR(id)};

	return vh_db_exec(db, pool, sql_set_payload, p, 2, VH_DB_IDEMPOTENT, NULL, err);
}

enum vh_status vh_job_retry_later(struct vh_db *db, struct vh_pool *pool, const char *id,
				  const char *owner, long delay_ms, const char *error,
				  struct vh_err *err)
{
	char msg[1000];
	struct vh_param p[4];

	snprintf(msg, sizeof(msg), "%s", error ? error : "");
	p[0] = VH_PSTR(msg);
	p[1] = VH_PINT((long long)delay_ms * 1000);
	p[2] = VH_PSTR(id);
	p[3] = VH_PSTR(owner);
	return vh_db_exec(db, pool, sql_retry, p, 4, 0, NULL, err);
}

enum vh_status vh_job_release(struct vh_db *db, struct vh_pool *pool, const char *id,
			      const char *owner, struct vh_err *err)
{
	struct vh_param p[2] = {VH_PSTR(id), VH_PSTR(owner)};

	return vh_db_exec(db, pool, sql_release, p, 2, VH_DB_IDEMPOTENT, NULL, err);
}

enum vh_status vh_job_finish(struct vh_db *db, struct vh_pool *pool, const char *id,
			     const char *owner, bool ok, const char *error, struct vh_err *err)
{
	char msg[1000];
	struct vh_param p[5];
	struct vh_rows r;
	enum vh_status st;

	snprintf(msg, sizeof(msg), "%s", error ? error : "");
	p[0] = VH_PSTR(ok ? "succeeded" : "failed");
	p[1] = VH_PSTR(error ? msg : NULL);
	p[2] = VH_PSTR(id);
	p[3] = VH_PSTR(owner);
	p[4] = VH_PSTR(owner);
	st = vh_db_exec(db, pool, sql_finish, p, 5, VH_DB_IDEMPOTENT, &r, err);
	if (st == VH_OK && r.affected == 0)
		return vh_fail(err, VH_CONFLICT, "lease_lost", "the job is not this worker's any more");
	return st;
}

json_object *vh_job_json(const struct vh_job *j)
{
	json_object *o = json_object_new_object();

	vh_json_add_str(o, "id", j->id);
	vh_json_add_str(o, "kind", j->kind);
	vh_json_add_str(o, "server_id", j->server_id);
	vh_json_add_str(o, "state", j->state);
	vh_json_add_str(o, "step", j->step);
	vh_json_add_int(o, "attempts", j->attempts);
	vh_json_add_str(o, "run_after", j->run_after);
	vh_json_add_str(o, "lease_owner", j->lease_owner);
	vh_json_add_str(o, "lease_until", j->lease_until);
	vh_json_add_str(o, "upid", j->upid);
	vh_json_add_str(o, "error", j->error);
	vh_json_add_str(o, "actor", j->actor);
	vh_json_add_str(o, "request_id", j->request_id);
	vh_json_add_str(o, "created_at", j->created_at);
	vh_json_add_str(o, "updated_at", j->updated_at);
	vh_json_add_str(o, "finished_at", j->finished_at);
	return o;
}

static const char *const level_names[] = {"info", "warning", "error"};

void vh_event_add(struct vh_db *db, struct vh_pool *pool, const struct vh_event *ev)
{
	char msg[1000];
	struct vh_param p[8];
	struct vh_err err;

	snprintf(msg, sizeof(msg), "%s", ev->message ? ev->message : "");
	p[0] = VH_PSTR(ev->server_id);
	p[1] = VH_PSTR(ev->job_id);
	p[2] = VH_PSTR(ev->step);
	p[3] = VH_PSTR(level_names[ev->level]);
	p[4] = VH_PSTR(msg);
	p[5] = VH_PSTR(ev->upid);
	p[6] = VH_PSTR(ev->actor);
	p[7] = VH_PSTR(ev->request_id);
	vh_err_clear(&err);
	if (vh_db_exec(db, pool, sql_event_insert, p, 8, 0, NULL, &err) != VH_OK)
		vh_log(VH_LOG_WARN, "server %s: event not recorded (%s): %s", ev->server_id,
		       err.detail, msg);
}

enum vh_status vh_event_list(struct vh_db *db, struct vh_pool *pool, const char *server_id,
			     const char *after_id, long long limit, json_object **out, bool *more,
			     struct vh_err *err)
{
	struct vh_param p[3] = {VH_PSTR(server_id), VH_PINT(after_id ? strtoll(after_id, NULL, 10) : 0),
				VH_PINT(limit + 1)};
	struct vh_rows r;
	enum vh_status st;
	size_t i, n;

	st = vh_db_exec(db, pool, sql_event_list, p, 3, VH_DB_IDEMPOTENT, &r, err);
	if (st != VH_OK)
		return st;
	*more = r.nrows > (size_t)limit;
	n = *more ? (size_t)limit : r.nrows;
	*out = vh_json_own(pool, json_object_new_array());
	for (i = 0; i < n; i++) {
		json_object *e = json_object_new_object();

		vh_json_add_str(e, "id", vh_rows_get(&r, i, 0));
		vh_json_add_str(e, "job_id", vh_rows_get(&r, i, 1));
		vh_json_add_str(e, "at", vh_rows_get(&r, i, 2));
		vh_json_add_str(e, "step", vh_rows_get(&r, i, 3));
		vh_json_add_str(e, "level", vh_rows_get(&r, i, 4));
		vh_json_add_str(e, "message", vh_rows_get(&r, i, 5));
		vh_json_add_str(e, "upid", vh_rows_get(&r, i, 6));
		vh_json_add_str(e, "actor", vh_rows_get(&r, i, 7));
		vh_json_add_str(e, "request_id", vh_rows_get(&r, i, 8));
		json_object_array_add(*out, e);
	}
	return VH_OK;
}
