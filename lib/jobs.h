/* Jobs (work on PVE run by vibehost-worker) and server events (the story of
 * each server, shown by GET /servers/{id}/events).
 *
 * A job is claimed with SELECT ... FOR UPDATE SKIP LOCKED by a worker that
 * then holds a lease (lease_owner until lease_until) and renews it while it
 * works.  A job whose lease has run out (its worker died) is claimed again
 * and resumes from its recorded step.  The database allows one unfinished
 * job per server (uq_jobs_busy_server): a second enqueue is VH_CONFLICT
 * "server_busy". */
#ifndef VH_JOBS_H
#define VH_JOBS_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "err.h"
#include "uuid.h"

struct vh_db;
struct vh_pool;
struct vh_param;

struct vh_job {
	const char *id, *kind, *server_id, *state, *step;
	long attempts;
	const char *run_after, *lease_owner, *lease_until, *upid, *payload, *error;
	const char *actor, *request_id, *created_at, *updated_at, *finished_at;
	const char *owner_id;      /* the server's owner (for access checks) */
};

/* Insert a queued job (call inside the caller's transaction).  payload is a
 * JSON text or NULL; it must never hold a plain password or secret. */
enum vh_status vh_job_enqueue(struct vh_db *db, struct vh_pool *pool, const char *kind,
			      const char *server_id, const char *payload, const char *actor,
			      const char *request_id, char id[VH_UUID_LEN + 1], struct vh_err *err);
/* owner_id non-NULL: only a job on that owner's server (else not found). */
enum vh_status vh_job_get(struct vh_db *db, struct vh_pool *pool, const char *id,
			  const char *owner_id, struct vh_job *out, struct vh_err *err);

struct vh_job_filter {
	const char *state, *kind, *server_id, *cursor;
	long long limit;
};
/* Newest first. */
enum vh_status vh_job_list(struct vh_db *db, struct vh_pool *pool, const struct vh_job_filter *f,
			   struct vh_job **out, size_t *n, bool *more, struct vh_err *err);

/* The worker's side. */
/* Claim one due job (queued and due, or running with an expired lease) for
 * lease_s seconds; VH_NOTFOUND when there is none. */
enum vh_status vh_job_claim(struct vh_db *db, struct vh_pool *pool, const char *owner,
			    long lease_s, struct vh_job *out, struct vh_err *err);
/* Claim that job when it is due (as vh_job_claim); VH_NOTFOUND when it is
 * not (finished, not yet due, or another worker holds it). */
enum vh_status vh_job_claim_id(struct vh_db *db, struct vh_pool *pool, const char *id,
			       const char *owner, long lease_s, struct vh_job *out,
			       struct vh_err *err);
/* Claim a due job that also matches where (a constant SQL condition on
 * jobs' columns with ? for params), e.g. one pass's jobs by request_id. */
enum vh_status vh_job_claim_where(struct vh_db *db, struct vh_pool *pool, const char *where,
				  const struct vh_param *params, size_t nparams, const char *owner,
				  long lease_s, struct vh_job *out, struct vh_err *err);
/* Claim a job no worker has taken for stuck_minutes: its lease ran out that
 * long ago, or it has been due that long (the janitor). */
enum vh_status vh_job_claim_stuck(struct vh_db *db, struct vh_pool *pool, long stuck_minutes,
				  const char *owner, long lease_s, struct vh_job *out,
				  struct vh_err *err);
/* Extend the lease; VH_CONFLICT "lease_lost" when another worker has the
 * job now (this one must stop touching it). */
enum vh_status vh_job_renew(struct vh_db *db, struct vh_pool *pool, const char *id,
			    const char *owner, long lease_s, struct vh_err *err);
/* Record the step about to run (attempts reset when the step changes) and
 * the UPID of its PVE task (NULL: none). */
enum vh_status vh_job_set_step(struct vh_db *db, struct vh_pool *pool, const char *id,
			       const char *owner, long lease_s, const char *step, struct vh_err *err);
enum vh_status vh_job_set_upid(struct vh_db *db, struct vh_pool *pool, const char *id,
			       const char *upid, struct vh_err *err);
enum vh_status vh_job_set_payload(struct vh_db *db, struct vh_pool *pool, const char *id,
				  const char *payload, struct vh_err *err);
/* Give the job back to the queue to run again after delay_ms (a transient
 * error); attempts + 1, error kept for people. */
enum vh_status vh_job_retry_later(struct vh_db *db, struct vh_pool *pool, const char *id,
				  const char *owner, long delay_ms, const char *error,
				  struct vh_err *err);
/* Hand the job back at once without counting an attempt (SIGTERM). */
enum vh_status vh_job_release(struct vh_db *db, struct vh_pool *pool, const char *id,
			      const char *owner, struct vh_err *err);
/* Finish: state succeeded or failed.  owner: only while this worker holds
 * the lease (VH_CONFLICT "lease_lost" otherwise); NULL: whoever holds it
 * (the janitor). */
enum vh_status vh_job_finish(struct vh_db *db, struct vh_pool *pool, const char *id,
			     const char *owner, bool ok, const char *error, struct vh_err *err);

json_object *vh_job_json(const struct vh_job *j);

/* Events. */
enum vh_event_level { VH_EV_INFO, VH_EV_WARNING, VH_EV_ERROR };

struct vh_event {
	const char *server_id, *job_id, *step, *message, *upid, *actor, *request_id;
	enum vh_event_level level;
};

/* Best effort from the caller's view: an event that cannot be written is
 * logged, never a reason to fail the work it describes. */
void vh_event_add(struct vh_db *db, struct vh_pool *pool, const struct vh_event *ev);
enum vh_status vh_event_list(struct vh_db *db, struct vh_pool *pool, const char *server_id,
			     const char *after_id, long long limit, json_object **out, bool *more,
			     struct vh_err *err);

#endif
