/* The nightly maintenance pass (vibehost-expiry), in this order:
 *   1. reminders: an expiry_warning SMS per server, expiry date and offset;
 *   2. stop at expiry: a shutdown job (hard stop after a grace) per active
 *      server past expire_at, status expired; the customer is texted once
 *      the VM is really stopped (the job does it, provision.c);
 *   3. grace deletion after EXPIRY_DELETE_AFTER_DAYS (unset: never);
 *      the pass then runs its own stop and delete jobs (workers may help)
 *      and waits for them, so their failures count in its exit code;
 *   4. reconciliation of each Proxmox host: orphan VMs, vanished VMs
 *      (status lost), power and node drift; a host with any node that
 *      cannot be listed is skipped whole;
 *   5. the janitor: jobs no worker has touched for JOB_STUCK_MINUTES fail
 *      as they would have failed (a provision is rolled back);
 *   6. delivery of the SMS outbox.
 * Each server is handled in its own transaction: one failure never blocks
 * the others.  The clock (--now) moves the business dates (expire_at);
 * leases and the janitor keep the real clock. */
#ifndef VH_EXPIRY_H
#define VH_EXPIRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <json-c/json.h>

#include "err.h"

struct vh_db;
struct vh_worker;

#define VH_EXPIRY_MAX_OFFSETS 8

struct vh_expiry_opts {
	time_t now;                   /* the clock of the pass */
	bool dry_run;                 /* print what would be done to out; change nothing */
	FILE *out;
	long warn_days[VH_EXPIRY_MAX_OFFSETS];
	size_t n_warn;
	long shutdown_timeout_s;
	long delete_after_days;       /* 0: never */
	long job_wait_s;
	long parallel;                /* job drivers (processes) */
	bool destroy_orphans;
	long stuck_minutes;
	const char *runner;           /* "host:pid" */
};

struct vh_expiry_summary {
	long reminders, reminders_no_phone;
	long stopped, stop_failed;
	long deleted, delete_failed;
	long busy, jobs_unfinished;
	long hosts, hosts_skipped;
	long orphans, orphans_destroyed, lost, drift;
	long janitor_failed;
	long sms_sent, sms_retry, sms_failed;
	long errors;                  /* anything that could not be handled */
	long long duration_ms;
	long long run_id;             /* maintenance_runs.id (0: dry run) */
};

/* Options from the configuration; VH_INVALID when EXPIRY_WARNING_DAYS is
 * not a list of days. */
enum vh_status vh_expiry_opts_from_cfg(struct vh_expiry_opts *o, struct vh_err *err);

/* "7,3,1" -> {7,3,1}: 1 to VH_EXPIRY_MAX_OFFSETS distinct whole days, each
 * 1..365.  0, or -1 when the text is not such a list. */
int vh_expiry_parse_days(const char *text, long *days, size_t max, size_t *n);

/* The reminder due for a server expiring in secs_left seconds: the
 * smallest offset d with secs_left <= d days (the tightest reminder, so a
 * pass that missed days sends one text, not three), or -1 for none. */
long vh_expiry_offset(const long *days, size_t n, long long secs_left);

/* The whole pass.  The caller holds the run lock (GET_LOCK).  VH_OK when
 * the pass ran to its end (sum->errors says whether everything was
 * handled); an error only when the database failed it as a whole. */
enum vh_status vh_expiry_run(struct vh_db *db, struct vh_worker *w,
			     const struct vh_expiry_opts *o, struct vh_expiry_summary *sum,
			     struct vh_err *err);

/* The one-line summary. */
json_object *vh_expiry_summary_json(const struct vh_expiry_opts *o,
				    const struct vh_expiry_summary *sum);

#endif
