/* vibehost-expiry: the nightly maintenance pass (lib/expiry.h), run by
 * systemd/vibehost-expiry.timer.  One pass, then exit: 0 when everything
 * was handled (or another machine holds the run lock), 1 when anything was
 * not, 2 on bad usage. */
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
#include "expiry.h"
#include "timeutil.h"
#include "log.h"
#include "pool.h"
#include "provision.h"
#include "pve.h"
#include "secret.h"

#define LOCK_NAME "vibehost-expiry"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *opt_dry_run, *opt_now;

static const struct vh_cli_opt extra[] = {
	{"--dry-run", false,
	 "print what the pass would do (one line per action) and change nothing: no job, no\n"
	 "status, no text, no finding; PVE is only read", &opt_dry_run},
	{"--now", true,
	 "TIME: run as if the time were TIME (2026-11-23T03:00:00Z, 2026-11-23 03:00:00,\n"
	 "2026-11-23T12:00:00+09:00 or 2026-11-23): reminders, stops and grace deletion\n"
	 "compare expire_at with it; job leases and the janitor keep the real clock", &opt_now},
	{NULL, false, NULL, NULL},
};

static const struct vh_cli cli = {
	.program = "vibehost-expiry",
	.program_mask = VH_PROG_EXPIRY,
	.summary =
		"One maintenance pass, then exit.  In order, each server in its own\n"
		"transaction so that one failure never blocks the others:\n"
		"  1. reminders: an expiry_warning SMS per server, expiry date and offset\n"
		"     (EXPIRY_WARNING_DAYS, e.g. 7,3,1; the tightest due offset is sent);\n"
		"  2. stop at expiry: active servers past expire_at get a shutdown job\n"
		"     (hard stop after EXPIRY_SHUTDOWN_TIMEOUT s) and status expired; the\n"
		"     customer is texted once the VM is stopped;\n"
		"  3. grace deletion: expired servers EXPIRY_DELETE_AFTER_DAYS past expiry\n"
		"     get a delete job (unset: never);\n"
		"     the pass runs these jobs itself in EXPIRY_PARALLEL processes (running\n"
		"     workers help) and waits up to EXPIRY_JOB_WAIT_SECONDS for them;\n"
		"  4. reconcile every Proxmox host: VMs tagged vibehost that no server owns\n"
		"     are reported (destroyed only with RECONCILE_DESTROY_ORPHANS=1),\n"
		"     servers whose VM is gone become lost, power and node drift is\n"
		"     recorded; a host with any node that cannot be listed is skipped;\n"
		"  5. janitor: jobs no worker touched for JOB_STUCK_MINUTES fail (a\n"
		"     provision is rolled back);\n"
		"  6. deliver the SMS outbox.\n"
		"MariaDB's GET_LOCK(\"" LOCK_NAME "\") keeps two machines from running at\n"
		"once: the second exits 0 saying so.  The last line on standard output\n"
		"is a JSON summary (counts per action, errors, duration_ms); findings and\n"
		"the summary are kept for GET /admin/reconcile.  Exit status: 0 when\n"
		"everything was handled, 1 when anything was not, 2 on bad usage.  Logs\n"
		"are JSON lines on standard error.",
	.extra = extra,
};

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct vh_expiry_opts o;
	struct vh_expiry_summary sum;
	struct vh_worker w;
	struct vh_db *db = NULL, *lockdb = NULL;
	struct vh_pool *pool = NULL;
	struct vh_rows r;
	struct vh_err err;
	char runner[200], host[128];
	int rc;

	rc = vh_cli_start(&cli, argc, argv);
	if (rc >= 0)
		return rc;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	vh_err_clear(&err);
	if (vh_expiry_opts_from_cfg(&o, &err) != VH_OK) {
		fprintf(stderr, "vibehost-expiry: %s\n", err.detail);
		rc = 1;
		goto out;
	}
	if (opt_now && vh_time_parse(opt_now, &o.now) != 0) {
		fprintf(stderr, "vibehost-expiry: --now: \"%s\" is not a time such as "
			"2026-11-23T03:00:00Z\n", opt_now);
		rc = 2;
		goto out;
	}
	o.dry_run = opt_dry_run != NULL;
	o.out = stdout;
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	snprintf(runner, sizeof(runner), "%s:%ld:expiry", host, (long)getpid());
	o.runner = runner;
	if (vh_secret_init(vh_cfg_str(CFG_SECRET_KEY), vh_cfg_str(CFG_SECRET_KEY_OLD), &err) != VH_OK) {
		vh_log(VH_LOG_ERROR, "VIBEHOST_SECRET_KEY: %s", err.detail);
		rc = 1;
		goto out;
	}

	/* The lock lives on a connection of its own for the whole pass. */
	pool = vh_pool_new();
	lockdb = vh_db_from_cfg();
	if (vh_db_exec(lockdb, pool, "SELECT GET_LOCK('" LOCK_NAME "', 0)", NULL, 0, 0, &r, &err) != VH_OK ||
	    r.nrows != 1) {
		vh_log(VH_LOG_ERROR, "cannot take the run lock: %s", err.detail);
		rc = 1;
		goto out;
	}
	if (!vh_rows_get(&r, 0, 0) || strcmp(vh_rows_get(&r, 0, 0), "1")) {
		vh_log(VH_LOG_INFO, "another vibehost-expiry holds the lock; nothing to do");
		printf("{\"skipped\":\"another vibehost-expiry is running\"}\n");
		rc = 0;
		goto out;
	}

	db = vh_db_from_cfg();
	vh_worker_from_cfg(&w, db);
	w.owner = runner;
	w.stop = &stop;
	rc = vh_expiry_run(db, &w, &o, &sum, &err) == VH_OK && sum.errors == 0 ? 0 : 1;
	if (sum.errors == 0 && rc)
		vh_log(VH_LOG_ERROR, "expiry pass failed: %s", err.detail);
	{
		json_object *j = vh_expiry_summary_json(&o, &sum);

		printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
		json_object_put(j);
	}
	vh_log(rc ? VH_LOG_WARN : VH_LOG_INFO, "expiry pass done: %ld errors in %lld ms", sum.errors,
	       sum.duration_ms);
	vh_db_exec(lockdb, pool, "SELECT RELEASE_LOCK('" LOCK_NAME "')", NULL, 0, 0, NULL, &err);
out:
	fflush(stdout);
	vh_pool_free(pool);
	vh_db_free(db);
	vh_db_free(lockdb);
	vh_pve_cache_clear();
	vh_db_library_end();
	vh_secret_reset();
	vh_cfg_reset();
	return rc;
}
