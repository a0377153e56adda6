/* vibehost-expiry's pass; the order and the rules are in expiry.h.
 *
 * Every query that walks servers is a keyset walk over an index
 * (ix_servers_status_expire for the dated phases, the primary key for the
 * rest) in batches of BATCH rows, so a pass over 100,000 servers holds one
 * batch in memory and never a long transaction: each server is changed in
 * a transaction of its own that locks the row and checks again that the
 * server still qualifies (a customer may have extended it meanwhile). */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "cfg.h"
#include "db.h"
#include "expiry.h"
#include "expiry_pass.h"
#include "hostpve.h"
#include "jobs.h"
#include "json.h"
#include "log.h"
#include "notify.h"
#include "pool.h"
#include "provision.h"
#include "pve.h"
#include "servers.h"
#include "solapi.h"
#include "timeutil.h"

#define BATCH 500
#define BATCH_SQL "500"    /* the same, in the queries */
#define JANITOR_MAX 1000     /* stuck jobs failed per pass at most */

#define ISO(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"
#define KEYCOL(col) "DATE_FORMAT(" col ", '%Y-%m-%d %H:%i:%s.%f')"

/* Active servers within the widest reminder window, in expire_at order. */
static const char sql_remind[] =
	"SELECT s.id, s.owner_id, s.name, s.plan, " ISO("s.expire_at") ", "
	"TIMESTAMPDIFF(SECOND, CAST(? AS DATETIME(6)), s.expire_at), u.phone_number, "
	KEYCOL("s.expire_at") " FROM servers s JOIN users u ON u.id = s.owner_id "
	"WHERE s.status = 'active' AND s.expire_at > CAST(? AS DATETIME(6)) "
	"AND s.expire_at <= CAST(? AS DATETIME(6)) + INTERVAL ? DAY "
	"AND (s.expire_at > CAST(? AS DATETIME(6)) OR (s.expire_at = CAST(? AS DATETIME(6)) AND s.id > ?)) "
	"ORDER BY s.expire_at, s.id LIMIT " BATCH_SQL;
/* Due for a stop: active past expire_at (busy or not: a server that cannot
 * be stopped for a job in progress is counted), or expired and not known
 * to be stopped (a stop that failed last time) with no job in progress. */
static const char sql_due_stop[] =
	"SELECT s.id FROM servers s WHERE s.id > ? AND "
	"((s.status = 'active' AND s.expire_at <= CAST(? AS DATETIME(6))) OR "
	"(s.status = 'expired' AND s.power_state <> 'stopped' AND s.vmid IS NOT NULL "
	"AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.busy_server_id = s.id))) "
	"ORDER BY s.id LIMIT " BATCH_SQL;
static const char sql_due_delete[] =
	"SELECT s.id FROM servers s WHERE s.id > ? AND s.status = 'expired' "
	"AND s.expire_at <= CAST(? AS DATETIME(6)) - INTERVAL ? DAY "
	"ORDER BY s.id LIMIT " BATCH_SQL;
static const char sql_unfinished[] =
	"SELECT COUNT(*) FROM jobs WHERE request_id LIKE ? AND state IN ('queued', 'running')";
static const char sql_tally[] =
	"SELECT kind, state, RIGHT(request_id, 1), COUNT(*) FROM jobs WHERE request_id LIKE ? "
	"GROUP BY kind, state, RIGHT(request_id, 1)";
static const char sql_run_insert[] =
	"INSERT INTO maintenance_runs (runner, clock_at) VALUES (?, CAST(? AS DATETIME(6)))";
static const char sql_last_id[] = "SELECT LAST_INSERT_ID()";
static const char sql_run_finish[] =
	"UPDATE maintenance_runs SET finished_at = UTC_TIMESTAMP(6), ok = ?, summary = ? WHERE id = ?";
static const char sql_stuck_list[] =
	"SELECT id, kind, server_id, state, step FROM jobs "
	"WHERE (state = 'running' AND lease_until < UTC_TIMESTAMP(6) - INTERVAL ? MINUTE) "
	"OR (state = 'queued' AND run_after < UTC_TIMESTAMP(6) - INTERVAL ? MINUTE) "
	"ORDER BY run_after, id LIMIT " "1000";


static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A dry-run line. */
void vh_expiry_say(struct pass *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->o->out)
		return;
	va_start(ap, fmt);
	vfprintf(p->o->out, fmt, ap);
	va_end(ap);
	fputc('\n', p->o->out);
}

/* ---- parsing -------------------------------------------------------------------- */

int vh_expiry_parse_days(const char *text, long *days, size_t max, size_t *n)
{
	const char *s = text;
	size_t i;

	*n = 0;
	if (!s)
		return -1;
	for (;;) {
		char *end;
		long d;

		while (*s == ' ')
			s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		d = strtol(s, &end, 10);
		if (d < 1 || d > 365 || end - s > 3 || *n >= max)
			return -1;
		for (i = 0; i < *n; i++)
			if (days[i] == d)
				return -1;
		days[(*n)++] = d;
		s = end;
		while (*s == ' ')
			s++;
		if (!*s)
			return 0;
		if (*s++ != ',')
			return -1;
	}
}

long vh_expiry_offset(const long *days, size_t n, long long secs_left)
{
	long best = -1;
	size_t i;

	if (secs_left <= 0)
		return -1;
	for (i = 0; i < n; i++)
		if (secs_left <= (long long)days[i] * 86400 && (best < 0 || days[i] < best))
			best = days[i];
	return best;
}

enum vh_status vh_expiry_opts_from_cfg(struct vh_expiry_opts *o, struct vh_err *err)
{
	memset(o, 0, sizeof(*o));
	o->now = time(NULL);
	if (vh_expiry_parse_days(vh_cfg_str(CFG_EXPIRY_WARNING_DAYS), o->warn_days,
				 VH_EXPIRY_MAX_OFFSETS, &o->n_warn) != 0)
		return vh_fail(err, VH_INVALID, "bad_warning_days",
			       "EXPIRY_WARNING_DAYS must be whole days 1..365, one or a list such as 7,3,1");
	o->shutdown_timeout_s = vh_cfg_int(CFG_EXPIRY_SHUTDOWN_TIMEOUT);
	o->delete_after_days = vh_cfg_is_set(CFG_EXPIRY_DELETE_AFTER_DAYS)
				       ? vh_cfg_int(CFG_EXPIRY_DELETE_AFTER_DAYS) : 0;
	o->job_wait_s = vh_cfg_int(CFG_EXPIRY_JOB_WAIT_SECONDS);
	o->parallel = vh_cfg_int(CFG_EXPIRY_PARALLEL);
	o->destroy_orphans = vh_cfg_bool(CFG_RECONCILE_DESTROY_ORPHANS);
	o->stuck_minutes = vh_cfg_int(CFG_JOB_STUCK_MINUTES);
	return VH_OK;
}

/* ---- 1. reminders ------------------------------------------------------------------ */

static long widest(const struct vh_expiry_opts *o)
{
	long w = 0;
	size_t i;

	for (i = 0; i < o->n_warn; i++)
		if (o->warn_days[i] > w)
			w = o->warn_days[i];
	return w;
}

static void remind_one(struct pass *p, struct vh_pool *pool, const struct vh_rows *r, size_t i)
{
	const char *id = vh_rows_get(r, i, 0), *expire = vh_rows_get(r, i, 4);
	const char *phone = vh_rows_get(r, i, 6);
	long long left = atoll(vh_rows_get(r, i, 5));
	long d = vh_expiry_offset(p->o->warn_days, p->o->n_warn, left);
	struct vh_notice n = {0};
	char nid[VH_UUID_LEN + 1];
	struct vh_event ev = {0};
	struct vh_err err;
	bool created = false;

	if (d < 0)
		return;
	if (!phone || !*phone) {
		p->sum->reminders_no_phone++;
		return;
	}
	n.kind = VH_NOTICE_EXPIRY_WARNING;
	n.user_id = vh_rows_get(r, i, 1);
	n.server_id = id;
	n.server_name = vh_rows_get(r, i, 2);
	n.plan = vh_rows_get(r, i, 3);
	n.date = expire;
	/* One text per server, expiry date and offset: a second pass is a
	 * no-op, and an extended server gets new ones for its new date. */
	n.dedupe_key = vh_psprintf(pool, "expiry_warning:%s:%s:%ldd", id, expire, d);
	if (p->o->dry_run) {
		vh_expiry_say(p, "would remind server %s (expires %s): %ld-day reminder", id, expire, d);
		p->sum->reminders++;
		return;
	}
	vh_err_clear(&err);
	if (vh_db_begin(p->db, &err) != VH_OK)
		goto fail;
	if (vh_notify_enqueue(p->db, pool, &n, nid, &created, &err) != VH_OK) {
		vh_db_rollback(p->db);
		goto fail;
	}
	if (created) {
		ev.server_id = id;
		ev.level = VH_EV_INFO;
		ev.step = "expiry";
		ev.actor = "vibehost-expiry";
		ev.message = vh_psprintf(pool, "expiry reminder queued: expires %s (%ld-day notice)",
					 expire, d);
		vh_event_add(p->db, pool, &ev);
	}
	if (vh_db_commit(p->db, &err) != VH_OK)
		goto fail;
	if (created)
		p->sum->reminders++;
	return;
fail:
	p->sum->errors++;
	vh_log(VH_LOG_ERROR, "server %s: expiry reminder not queued: %s", id, err.detail);
}

static enum vh_status reminders(struct pass *p, struct vh_err *err)
{
	char kexp[40] = "1970-01-01 00:00:00.000000", kid[VH_UUID_LEN + 1] = "";
	struct vh_pool *pool = vh_pool_new();
	enum vh_status st = VH_OK;

	if (!p->o->n_warn)
		goto out;
	for (;;) {
		struct vh_param q[7] = {VH_PSTR(p->clock), VH_PSTR(p->clock), VH_PSTR(p->clock),
					VH_PINT(widest(p->o)), VH_PSTR(kexp), VH_PSTR(kexp), VH_PSTR(kid)};
		struct vh_rows r;
		size_t i;

		vh_pool_reset(pool);
		st = vh_db_exec(p->db, pool, sql_remind, q, 7, VH_DB_IDEMPOTENT, &r, err);
		if (st != VH_OK)
			break;
		for (i = 0; i < r.nrows; i++)
			remind_one(p, pool, &r, i);
		if (r.nrows < BATCH)
			break;
		snprintf(kexp, sizeof(kexp), "%s", vh_rows_get(&r, r.nrows - 1, 7));
		snprintf(kid, sizeof(kid), "%s", vh_rows_get(&r, r.nrows - 1, 0));
	}
out:
	vh_pool_free(pool);
	return st;
}

/* ---- 2, 3. stop and delete ---------------------------------------------------------- */

/* Queue a stop (del false) or delete job for a server that qualified when
 * it was listed, after checking again under the row lock. */
static void act_one(struct pass *p, struct vh_pool *pool, const char *id, bool del, bool final)
{
	char job[VH_UUID_LEN + 1];
	struct vh_server s;
	struct vh_event ev = {0};
	struct vh_err err;
	const char *payload = NULL, *what = del ? "delete" : "stop";
	time_t exp = 0;
	enum vh_status st;
	bool due;

	vh_err_clear(&err);
	if (vh_db_begin(p->db, &err) != VH_OK)
		goto fail;
	if (vh_server_get(p->db, pool, id, NULL, true, &s, &err) != VH_OK) {
		vh_db_rollback(p->db);
		goto fail;
	}
	vh_time_parse(s.expire_at, &exp);
	if (del)
		due = !strcmp(s.status, "expired") &&
		      exp <= p->o->now - (time_t)p->o->delete_after_days * 86400;
	else
		due = (!strcmp(s.status, "active") && exp <= p->o->now) ||
		      (!strcmp(s.status, "expired") && strcmp(s.power_state, "stopped") && s.vmid);
	if (!due) {  /* extended or changed since it was listed */
		vh_db_rollback(p->db);
		return;
	}
	if (p->o->dry_run) {
		vh_db_rollback(p->db);
		vh_expiry_say(p, "would %s server %s (expired %s)", del ? "delete" : "stop", id, s.expire_at);
		if (del)
			p->sum->deleted++;
		else
			p->sum->stopped++;
		return;
	}
	if (!del && (!s.vmid || !s.host_id)) {
		/* No VM was ever made (an order that never got one): nothing to
		 * stop, only the status to change. */
		if (vh_server_set_status(p->db, pool, id, "expired",
					 vh_psprintf(pool, "expired at %s", s.expire_at), &err) != VH_OK ||
		    vh_db_commit(p->db, &err) != VH_OK)
			goto rollback;
		p->sum->stopped++;
		return;
	}
	if (!del) {
		json_object *o = json_object_new_object();

		vh_json_add_int(o, "shutdown_timeout", p->o->shutdown_timeout_s);
		vh_json_add_str(o, "expired_at", s.expire_at);
		vh_json_add_str(o, "reason", "expiry");
		payload = vh_pstrdup(pool, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	}
	st = vh_job_enqueue(p->db, pool, del ? "delete" : "shutdown", id, payload, "vibehost-expiry",
			    p->tag, job, &err);
	if (st == VH_CONFLICT) {
		vh_db_rollback(p->db);
		if (final) {
			p->sum->busy++;
			p->sum->errors++;
			vh_log(VH_LOG_WARN, "server %s: not %s at expiry: a job is in progress", id,
			       del ? "deleted" : "stopped");
		}
		return;
	}
	if (st != VH_OK)
		goto rollback;
	if (!strcmp(s.status, "active") || del) {
		const char *reason = del ? NULL
					 : vh_psprintf(pool, "expired at %s", s.expire_at);

		if (vh_server_set_status(p->db, pool, id, del ? "deleting" : "expired", reason, &err) != VH_OK)
			goto rollback;
	}
	ev.server_id = id;
	ev.job_id = job;
	ev.level = VH_EV_INFO;
	ev.step = "expiry";
	ev.actor = "vibehost-expiry";
	ev.message = del ? vh_psprintf(pool, "expired %s and past the grace of %ld days: deleting",
				       s.expire_at, p->o->delete_after_days)
			 : vh_psprintf(pool, "expired %s: shutting down (hard stop after %ld s)",
				       s.expire_at, p->o->shutdown_timeout_s);
	vh_event_add(p->db, pool, &ev);
	if (vh_db_commit(p->db, &err) != VH_OK)
		goto fail;
	vh_log(VH_LOG_INFO, "server %s: %s job %s queued (expired %s)", id, what, job, s.expire_at);
	return;
rollback:
	vh_db_rollback(p->db);
fail:
	p->sum->errors++;
	vh_log(VH_LOG_ERROR, "server %s: %s at expiry not queued: %s", id, what, err.detail);
}

static enum vh_status due_walk(struct pass *p, bool del, bool final, struct vh_err *err)
{
	char last[VH_UUID_LEN + 1] = "";
	struct vh_pool *pool = vh_pool_new();
	enum vh_status st = VH_OK;

	for (;;) {
		struct vh_param q[3] = {VH_PSTR(last), VH_PSTR(p->clock), VH_PINT(p->o->delete_after_days)};
		struct vh_rows r;
		size_t i;

		vh_pool_reset(pool);
		st = vh_db_exec(p->db, pool, del ? sql_due_delete : sql_due_stop, q, del ? 3 : 2,
				VH_DB_IDEMPOTENT, &r, err);
		if (st != VH_OK)
			break;
		for (i = 0; i < r.nrows; i++)
			act_one(p, pool, vh_rows_get(&r, i, 0), del, final);
		if (r.nrows < BATCH)
			break;
		snprintf(last, sizeof(last), "%s", vh_rows_get(&r, r.nrows - 1, 0));
	}
	vh_pool_free(pool);
	return st;
}

/* One driver: claim the pass's due jobs one by one and run them, until
 * none is due. */
static void drive_once(struct pass *p, struct vh_db *db, struct vh_worker *w)
{
	struct vh_pool *pool = vh_pool_new();
	struct vh_param q[1] = {VH_PSTR(p->tag_like)};

	while (!*w->stop) {
		struct vh_job job;
		struct vh_err err;

		vh_pool_reset(pool);
		vh_err_clear(&err);
		if (vh_job_claim_where(db, pool, "request_id LIKE ?", q, 1, w->owner, w->lease_s, &job,
				       &err) != VH_OK)
			break;
		vh_job_run(w, &job);
	}
	vh_pool_free(pool);
}

static long long unfinished(struct pass *p, struct vh_pool *pool)
{
	struct vh_param q[1] = {VH_PSTR(p->tag_like)};
	struct vh_rows r;
	struct vh_err err;

	vh_err_clear(&err);
	if (vh_db_exec(p->db, pool, sql_unfinished, q, 1, VH_DB_IDEMPOTENT, &r, &err) != VH_OK)
		return -1;
	return atoll(vh_rows_get(&r, 0, 0));
}

/* Run the pass's jobs with EXPIRY_PARALLEL drivers (child processes, each
 * with its connections; the workers of the installation help too) until
 * they end or job_wait_s runs out. */
static void drive_jobs(struct pass *p)
{
	long long deadline = mono_ms() + p->o->job_wait_s * 1000LL;
	struct vh_pool *pool = vh_pool_new();
	long long left;

	fflush(NULL);
	for (;;) {
		long k, n = p->o->parallel > 1 ? p->o->parallel : 1;
		pid_t kids[64];
		long nk = 0;

		for (k = 1; k < n && k < 64; k++) {
			pid_t pid = fork();

			if (pid == 0) {
				/* Never touch the parent's connection: a child
				 * closing it would close it for the parent. */
				struct vh_db *db = vh_db_from_cfg();
				struct vh_worker w = *p->w;
				char owner[200];

				vh_pve_cache_forget();
				snprintf(owner, sizeof(owner), "%s:%ld", p->w->owner, k);
				w.db = db;
				w.owner = owner;
				drive_once(p, db, &w);
				vh_pve_cache_clear();  /* the clients this child made */
				vh_db_free(db);
				vh_pool_free(pool);
				_exit(0);
			}
			if (pid > 0)
				kids[nk++] = pid;
		}
		drive_once(p, p->db, p->w);
		for (k = 0; k < nk; k++)
			waitpid(kids[k], NULL, 0);
		vh_pool_reset(pool);
		left = unfinished(p, pool);
		if (left == 0 || *p->w->stop || mono_ms() >= deadline)
			break;
		usleep(200000);  /* a job waiting for its retry, or a worker's */
	}
	vh_pool_free(pool);
}

/* The pass's jobs by outcome.  A stop that failed in the first round was
 * queued again in the second, so only the second round's failures count. */
static void tally_jobs(struct pass *p)
{
	struct vh_pool *pool = vh_pool_new();
	struct vh_param q[1] = {VH_PSTR(p->tag_like)};
	struct vh_rows r;
	struct vh_err err;
	size_t i;

	vh_err_clear(&err);
	if (vh_db_exec(p->db, pool, sql_tally, q, 1, VH_DB_IDEMPOTENT, &r, &err) != VH_OK) {
		p->sum->errors++;
		vh_log(VH_LOG_ERROR, "expiry jobs not counted: %s", err.detail);
		vh_pool_free(pool);
		return;
	}
	for (i = 0; i < r.nrows; i++) {
		const char *kind = vh_rows_get(&r, i, 0), *state = vh_rows_get(&r, i, 1);
		bool last = !strcmp(vh_rows_get(&r, i, 2), "2"), del = !strcmp(kind, "delete");
		long n = atol(vh_rows_get(&r, i, 3));

		if (!strcmp(state, "succeeded")) {
			*(del ? &p->sum->deleted : &p->sum->stopped) += n;
		} else if (!strcmp(state, "failed")) {
			if (del || last) {
				*(del ? &p->sum->delete_failed : &p->sum->stop_failed) += n;
				p->sum->errors += n;
			}
		} else {
			p->sum->jobs_unfinished += n;
			p->sum->errors += n;
		}
	}
	if (p->sum->jobs_unfinished)
		vh_log(VH_LOG_WARN, "%ld expiry jobs still unfinished after %ld s; the workers go on "
		       "with them", p->sum->jobs_unfinished, p->o->job_wait_s);
	vh_pool_free(pool);
}

/* ---- 5. janitor ------------------------------------------------------------------------ */

static enum vh_status janitor(struct pass *p, struct vh_err *err)
{
	struct vh_pool *pool = vh_pool_new();
	enum vh_status st = VH_OK;
	int i;

	if (p->o->dry_run) {
		struct vh_param q[2] = {VH_PINT(p->o->stuck_minutes), VH_PINT(p->o->stuck_minutes)};
		struct vh_rows r;
		size_t k;

		st = vh_db_exec(p->db, pool, sql_stuck_list, q, 2, VH_DB_IDEMPOTENT, &r, err);
		for (k = 0; st == VH_OK && k < r.nrows; k++) {
			vh_expiry_say(p, "would fail stuck %s job %s (%s at step %s) of server %s",
			    vh_rows_get(&r, k, 1), vh_rows_get(&r, k, 0), vh_rows_get(&r, k, 3),
			    vh_rows_get(&r, k, 4), vh_rows_get(&r, k, 2));
			p->sum->janitor_failed++;
		}
		vh_pool_free(pool);
		return st;
	}
	for (i = 0; i < JANITOR_MAX && !*p->w->stop; i++) {
		struct vh_job job;
		char why[300];

		vh_pool_reset(pool);
		st = vh_job_claim_stuck(p->db, pool, p->o->stuck_minutes, p->w->owner, p->w->lease_s, &job, err);
		if (st == VH_NOTFOUND) {
			st = VH_OK;
			break;
		}
		if (st != VH_OK)
			break;
		snprintf(why, sizeof(why), "no worker ran this job for %ld minutes (%s at step %s); "
			 "failed by the janitor", p->o->stuck_minutes, job.state, job.step);
		vh_log(VH_LOG_WARN, "janitor: %s job %s of server %s: %s", job.kind, job.id,
		       job.server_id, why);
		vh_job_abandon(p->w, &job, why);
		p->sum->janitor_failed++;
	}
	vh_pool_free(pool);
	return st;
}

/* ---- 6. SMS --------------------------------------------------------------------------- */

static void deliver(struct pass *p)
{
	struct vh_notify_opts no;
	struct vh_notify_summary ns;
	struct vh_solapi *sms = NULL;
	struct vh_err err;

	if (p->o->dry_run)
		return;
	vh_notify_opts_from_cfg(&no);
	if (!no.dry_run) {
		if (!vh_cfg_is_set(CFG_SOLAPI_KEY) || !vh_cfg_is_set(CFG_SOLAPI_SECRET)) {
			vh_log(VH_LOG_WARN, "SMS: SOLAPI_KEY/SOLAPI_SECRET not set; the outbox waits");
			return;
		}
		sms = vh_solapi_from_cfg();
	}
	vh_err_clear(&err);
	if (vh_notify_deliver(p->db, sms, &no, &ns, &err) != VH_OK) {
		p->sum->errors++;
		vh_log(VH_LOG_ERROR, "SMS delivery: %s", err.detail);
	} else {
		p->sum->sms_sent += ns.sent;
		p->sum->sms_retry += ns.retry;
		p->sum->sms_failed += ns.failed;
	}
	vh_solapi_free(sms);
}

/* ---- the pass ------------------------------------------------------------------------- */

json_object *vh_expiry_summary_json(const struct vh_expiry_opts *o,
				    const struct vh_expiry_summary *s)
{
	json_object *j = json_object_new_object();
	char clock[32];
	struct tm tm;

	gmtime_r(&o->now, &tm);
	strftime(clock, sizeof(clock), "%Y-%m-%dT%H:%M:%SZ", &tm);
	vh_json_add_str(j, "clock", clock);
	json_object_object_add(j, "dry_run", json_object_new_boolean(o->dry_run));
	if (s->run_id)
		vh_json_add_int(j, "run_id", s->run_id);
#define N(f) vh_json_add_int(j, #f, s->f)
	N(reminders); N(reminders_no_phone); N(stopped); N(stop_failed); N(deleted);
	N(delete_failed); N(busy); N(jobs_unfinished); N(hosts); N(hosts_skipped); N(orphans);
	N(orphans_destroyed); N(lost); N(drift); N(janitor_failed); N(sms_sent); N(sms_retry);
	N(sms_failed); N(errors); N(duration_ms);
#undef N
	return j;
}

static void run_record(struct pass *p, bool start, struct vh_err *err)
{
	struct vh_pool *pool = vh_pool_new();
	struct vh_rows r;

	if (start) {
		struct vh_param q[2] = {VH_PSTR(p->o->runner), VH_PSTR(p->clock)};

		if (vh_db_exec(p->db, pool, sql_run_insert, q, 2, 0, NULL, err) == VH_OK &&
		    vh_db_exec(p->db, pool, sql_last_id, NULL, 0, 0, &r, err) == VH_OK && r.nrows)
			p->sum->run_id = atoll(vh_rows_get(&r, 0, 0));
	} else {
		json_object *j = vh_expiry_summary_json(p->o, p->sum);
		struct vh_param q[3] = {VH_PINT(p->sum->errors == 0),
					VH_PSTR(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN)),
					VH_PINT(p->sum->run_id)};

		if (vh_db_exec(p->db, pool, sql_run_finish, q, 3, VH_DB_IDEMPOTENT, NULL, err) != VH_OK)
			vh_log(VH_LOG_WARN, "maintenance run not recorded: %s", err->detail);
		json_object_put(j);
	}
	vh_pool_free(pool);
}

static void set_round(struct pass *p, int round)
{
	p->round = round;
	snprintf(p->tag, sizeof(p->tag), "expiry:%lld:%d", p->sum->run_id, round);
	snprintf(p->tag_like, sizeof(p->tag_like), "expiry:%lld:%%", p->sum->run_id);
}

enum vh_status vh_expiry_run(struct vh_db *db, struct vh_worker *w,
			     const struct vh_expiry_opts *o, struct vh_expiry_summary *sum,
			     struct vh_err *err)
{
	struct pass p;
	struct tm tm;
	long long t0 = mono_ms();
	enum vh_status st;

	memset(&p, 0, sizeof(p));
	memset(sum, 0, sizeof(*sum));
	p.db = db;
	p.w = w;
	p.o = o;
	p.sum = sum;
	gmtime_r(&o->now, &tm);
	strftime(p.clock, sizeof(p.clock), "%Y-%m-%d %H:%M:%S.000000", &tm);
	strftime(p.clock_iso, sizeof(p.clock_iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!o->dry_run) {
		run_record(&p, true, err);
		if (!sum->run_id)
			return err->status ? err->status : VH_INTERNAL;
	}
	set_round(&p, 1);
	vh_log(VH_LOG_INFO, "expiry pass by %s at clock %s%s", o->runner, p.clock_iso,
	       o->dry_run ? " (dry run)" : "");

	st = reminders(&p, err);
	/* Two rounds of stop and delete: a stop that failed in the first is
	 * tried once more before the pass counts it as not handled. */
	if (st == VH_OK)
		st = due_walk(&p, false, false, err);
	if (st == VH_OK && o->delete_after_days)
		st = due_walk(&p, true, false, err);
	if (st == VH_OK && !o->dry_run) {
		drive_jobs(&p);
		set_round(&p, 2);
		st = due_walk(&p, false, true, err);
		if (st == VH_OK && o->delete_after_days)
			st = due_walk(&p, true, true, err);
		if (st == VH_OK)
			drive_jobs(&p);
		if (st == VH_OK)
			tally_jobs(&p);
	}
	if (st == VH_OK)
		st = vh_expiry_reconcile(&p, err);
	if (st == VH_OK)
		st = janitor(&p, err);
	if (st == VH_OK)
		deliver(&p);
	if (st != VH_OK)
		sum->errors++;
	sum->duration_ms = mono_ms() - t0;
	if (!o->dry_run) {
		struct vh_err e2;

		vh_err_clear(&e2);
		run_record(&p, false, &e2);
	}
	return st;
}
