/* vibehost-worker: runs the jobs the API queues (provision, power, upgrade,
 * rebuild, delete) against Proxmox VE, one at a time, and delivers the SMS
 * outbox between jobs.  Run as many as you like, on as many machines: they
 * coordinate through the database alone (lib/jobs.c, lib/provision.c). */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "cli.h"
#include "db.h"
#include "jobs.h"
#include "log.h"
#include "notify.h"
#include "pool.h"
#include "provision.h"
#include "pve.h"
#include "secret.h"
#include "solapi.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *opt_once;

static const struct vh_cli_opt extra[] = {
	{"--once", false, "run the jobs that are due now, deliver the outbox once, then exit", &opt_once},
	{NULL, false, NULL, NULL},
};

static const struct vh_cli cli = {
	.program = "vibehost-worker",
	.program_mask = VH_PROG_WORKER,
	.summary =
		"Runs queued jobs against Proxmox VE: it claims a due job from the\n"
		"database (SELECT ... FOR UPDATE SKIP LOCKED), holds a lease on it\n"
		"(JOB_LEASE_SECONDS) that it renews while it works, and records every\n"
		"step, so a job whose worker died is resumed by another from that step.\n"
		"Between jobs it delivers due texts from the SMS outbox (SOLAPI).\n"
		"SIGTERM or SIGINT: the current step finishes, the job is handed back,\n"
		"and the worker exits 0.  Logs are JSON lines on standard error.",
	.extra = extra,
};

/* Interruptible: a signal ends the nap. */
static void nap(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	if (!stop)
		nanosleep(&ts, NULL);
}

/* One pass over the outbox; quiet when SMS is not configured. */
static void deliver(struct vh_db *db, struct vh_solapi *sms, const struct vh_notify_opts *o)
{
	struct vh_notify_summary sum;
	struct vh_err err;

	if (!sms && !o->dry_run)
		return;
	vh_err_clear(&err);
	if (vh_notify_deliver(db, sms, o, &sum, &err) != VH_OK)
		vh_log(VH_LOG_WARN, "SMS delivery: %s", err.detail);
	else if (sum.claimed)
		vh_log(VH_LOG_INFO, "SMS delivery: %u sent, %u to retry, %u failed", sum.sent,
		       sum.retry, sum.failed);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct vh_worker w;
	struct vh_notify_opts no;
	struct vh_solapi *sms = NULL;
	struct vh_db *db;
	char owner[160], host[128];
	long poll_ms;
	int rc;

	rc = vh_cli_start(&cli, argc, argv);
	if (rc >= 0)
		return rc;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;  /* no SA_RESTART: sleeps end at once */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	if (*vh_cfg_str(CFG_WORKER_ID))
		snprintf(owner, sizeof(owner), "%s:%ld", vh_cfg_str(CFG_WORKER_ID), (long)getpid());
	else
		snprintf(owner, sizeof(owner), "%s:%ld", host, (long)getpid());
	{
		struct vh_err err;

		vh_err_clear(&err);
		if (vh_secret_init(vh_cfg_str(CFG_SECRET_KEY), vh_cfg_str(CFG_SECRET_KEY_OLD), &err) != VH_OK) {
			vh_log(VH_LOG_ERROR, "VIBEHOST_SECRET_KEY: %s", err.detail);
			vh_cfg_reset();
			return 1;
		}
	}
	db = vh_db_from_cfg();
	vh_worker_from_cfg(&w, db);
	w.owner = owner;
	w.stop = &stop;
	poll_ms = vh_cfg_int(CFG_WORKER_POLL_MS);
	vh_notify_opts_from_cfg(&no);
	/* Without SOLAPI credentials the outbox waits (vibehost-notify says
	 * why); a worker does not log a refusal every second. */
	if (!no.dry_run && vh_cfg_is_set(CFG_SOLAPI_KEY) && vh_cfg_is_set(CFG_SOLAPI_SECRET))
		sms = vh_solapi_from_cfg();
	if (!vh_cfg_bool(CFG_WORKER_DELIVER_SMS)) {
		vh_solapi_free(sms);
		sms = NULL;
		no.dry_run = false;
	}
	vh_log(VH_LOG_INFO, "worker %s started", owner);

	long db_down = 0;   /* claims failed in a row */

	while (!stop) {
		struct vh_pool *pool = vh_pool_new();
		struct vh_job job;
		struct vh_err err;
		enum vh_status st;

		vh_err_clear(&err);
		st = vh_job_claim(db, pool, owner, w.lease_s, &job, &err);
		if (st == VH_OK) {
			vh_log(VH_LOG_INFO, "job %s (%s) claimed at step %s, server %s", job.id, job.kind,
			       job.step, job.server_id);
			vh_job_run(&w, &job);
		} else if (st != VH_NOTFOUND) {
			/* The database is down: say so once, then back off (up to
			 * 5 s) instead of logging every poll. */
			if (db_down++ == 0)
				vh_log(VH_LOG_WARN, "cannot claim jobs: %s; retrying", err.detail);
		}
		if ((st == VH_OK || st == VH_NOTFOUND) && db_down) {
			vh_log(VH_LOG_INFO, "the database answers again (after %ld failed polls)", db_down);
			db_down = 0;
		}
		vh_pool_free(pool);
		if (st != VH_OK) {
			long ms = poll_ms;

			if (!db_down)
				deliver(db, sms, &no);
			if (opt_once)
				break;
			for (long k = 1; k < db_down && ms < 5000; k++)
				ms *= 2;
			nap(ms < 5000 ? ms : 5000);
		}
	}
	vh_log(VH_LOG_INFO, "worker %s stopping", owner);
	vh_solapi_free(sms);
	vh_pve_cache_clear();
	vh_db_free(db);
	vh_db_library_end();
	vh_secret_reset();
	vh_cfg_reset();
	return 0;
}
