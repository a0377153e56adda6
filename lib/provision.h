/* Running jobs against PVE: the provisioning saga and every later action
 * on a server (DESIGN.md "Provisioning saga").  vibehost-worker claims a
 * job (jobs.c) and hands it to vh_job_run().
 *
 * A job is a list of steps.  Before a step runs it is recorded in
 * jobs.step, so a worker that dies leaves the job at that step, and the
 * next worker to claim it (after the lease lapses) runs that step again.
 * Every step therefore looks at PVE first and does only what is missing:
 * a clone whose task was recorded is waited for, not started twice; a VM
 * that already exists and carries this server's id is taken as done.
 *
 * Transient PVE errors (locks, lock timeouts, 5xx, unreachable) put the job
 * back in the queue with a backoff; after JOB_MAX_ATTEMPTS, or at once for
 * a permanent error, the job fails.  A failed provision is rolled back:
 * the VM is destroyed with purge, the IP released, the server marked
 * rolled_back with the reason. */
#ifndef VH_PROVISION_H
#define VH_PROVISION_H

#include <signal.h>
#include <stdbool.h>

#include "err.h"

struct vh_db;
struct vh_pool;
struct vh_job;

struct vh_worker {
	struct vh_db *db;
	const char *owner;            /* lease owner: "host:pid" */
	long lease_s;
	long max_attempts;
	long retry_base_ms, retry_max_ms;
	long task_timeout_s;
	long agent_wait_s;
	long shutdown_timeout_s;
	volatile sig_atomic_t *stop;  /* set by SIGTERM: finish the step, then hand back */
};

/* Settings from the configuration. */
void vh_worker_from_cfg(struct vh_worker *w, struct vh_db *db);

/* Run a claimed job until it succeeds, fails, is given back for a retry,
 * or (stop requested) is handed back after its current step. */
void vh_job_run(struct vh_worker *w, struct vh_job *job);

/* Fail a claimed job that nobody ran (the janitor) as its own failure
 * would: a provision or rebuild is rolled back, a delete leaves the server
 * failed for someone to look at, other kinds just end failed. */
void vh_job_abandon(struct vh_worker *w, struct vh_job *job, const char *reason);

/* A fresh root password: 20 characters from an unambiguous alphabet. */
void vh_password_generate(char out[21]);
/* SHA-512 crypt ("$6$...") of a password for cloud-init's cipassword. */
enum vh_status vh_password_hash(struct vh_pool *pool, const char *password, const char **hash,
				struct vh_err *err);

/* The size in a PVE disk value ("local-lvm:vm-100-disk-0,size=32G") in
 * bytes, or -1 when it has none. */
long long vh_pve_disk_bytes(const char *value);

#endif
