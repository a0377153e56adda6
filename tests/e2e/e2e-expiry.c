/* vibehost-expiry against the whole stack: servers ordered through the API
 * and provisioned by the workers on pve-sim, the pass run as the timer runs
 * it, with --now moving the business clock.  Every pass here moves that
 * clock for every server in the database, so this test runs after every
 * other test but the leftovers check (Makefile.am). */
#include "config.h"

#include <fcntl.h>
#include <signal.h>

#include "db.h"
#include "expiry.h"
#include "timeutil.h"
#include "fixture.h"
#include "servers-util.h"

#define ORDER_FMT "{\"plan\":\"basic\",\"location\":\"seoul\",\"os_template\":\"ubuntu-24.04\",\"expire_in_days\":%d}"

static char user[40], phone[12];
static struct vh_db *db;
static struct vh_pool *pool;

/* ---- helpers -------------------------------------------------------------------- */

/* Run the program with extra "KEY=value" settings; output (logs too) in out. */
static int x_run(const char *env, const char *args, char *out, size_t size)
{
	return n_run_prog("vibehost-expiry", env, args, out, size);
}

static json_object *x_summary(const char *out)
{
	const char *p = strstr(out, "{\"clock\"");
	char line[2048];

	if (!p)
		return NULL;
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
	return json_tokener_parse(line);
}

/* One pass at clock; returns the exit status and the summary in *sum
 * (NULL allowed). */
static int pass(const char *env, const char *clock, const char *extra, json_object **sum)
{
	static char out[1 << 18];
	char args[256];
	int rc;

	snprintf(args, sizeof(args), "--now %s %s", clock, extra ? extra : "");
	rc = x_run(env, args, out, sizeof(out));
	if (sum) {
		*sum = x_summary(out);
		if (!*sum)
			tap_diag("no summary: %.1500s", out);
	}
	if (rc != 0 && rc != 1)
		tap_diag("exit %d: %.1500s", rc, out);
	return rc;
}

/* An ISO time secs after iso. */
static const char *shift(const char *iso, long long secs)
{
	static char buf[4][32];
	static int k;
	time_t t;
	struct tm tm;
	char *o = buf[k++ % 4];

	if (vh_time_parse(iso, &t) != 0)
		return "bad-time";
	t += (time_t)secs;
	gmtime_r(&t, &tm);
	strftime(o, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return o;
}

#define DAY 86400LL

struct srv {
	char id[40], expire_at[32], status[24], node[32];
	long vmid;
};

static void srv_load(struct srv *s)
{
	struct t_resp r;
	char p[96];
	json_object *v;

	snprintf(p, sizeof(p), "/servers/%s", s->id);
	s_req(&r, NULL, "GET", p, NULL, NULL);
	snprintf(s->status, sizeof(s->status), "%s", t_str(&r, "status") ? t_str(&r, "status") : "?");
	snprintf(s->expire_at, sizeof(s->expire_at), "%s", t_str(&r, "expire_at") ? t_str(&r, "expire_at") : "");
	snprintf(s->node, sizeof(s->node), "%s", t_str(&r, "proxmox_node") ? t_str(&r, "proxmox_node") : "");
	s->vmid = r.json && json_object_object_get_ex(r.json, "vmid", &v) ? (long)json_object_get_int64(v) : 0;
	t_resp_free(&r);
}

static const char *status_of(struct srv *s)
{
	srv_load(s);
	return s->status;
}

/* Order and wait for the provisioning job. */
static int order(int days, struct srv *s)
{
	char body[256], jid[40], state[16];

	snprintf(body, sizeof(body), ORDER_FMT, days);
	memset(s, 0, sizeof(*s));
	if (s_order(user, body, s->id, jid) != 202)
		return 0;
	s_wait_job(jid, 60000, state);
	srv_load(s);
	return !strcmp(state, "succeeded") && !strcmp(s->status, "active") && s->vmid;
}

/* The VM's state in pve-sim: "running", "stopped" or "gone". */
static const char *vm_state(long vmid)
{
	static char st[16];
	json_object *vms = s_sim_vms(), *v;
	size_t i;

	snprintf(st, sizeof(st), "gone");
	for (i = 0; vms && i < json_object_array_length(vms); i++) {
		json_object *o = json_object_array_get_idx(vms, i);

		if (json_object_object_get_ex(o, "vmid", &v) && json_object_get_int64(v) == vmid &&
		    json_object_object_get_ex(o, "status", &v))
			snprintf(st, sizeof(st), "%s", json_object_get_string(v));
	}
	json_object_put(vms);
	return st;
}

/* A number from the database (first column of the first row), -1 on error. */
static long long q_int(const char *sql, const char *a, const char *b)
{
	struct vh_param p[2] = {vh_pstr(a), vh_pstr(b)};
	struct vh_rows r;
	struct vh_err err;

	vh_err_clear(&err);
	if (vh_db_exec(db, pool, sql, p, b ? 2 : (a ? 1 : 0), 0, &r, &err) != VH_OK || r.nrows == 0) {
		tap_diag("query: %s", err.detail);
		return -1;
	}
	return atoll(vh_rows_get(&r, 0, 0) ? vh_rows_get(&r, 0, 0) : "-1");
}

static long long notices(const char *sid, const char *kind)
{
	return q_int("SELECT COUNT(*) FROM notifications WHERE server_id = ? AND kind = ?", sid, kind);
}

/* A PVE API call to pve-sim with the stack's API token. */
static long pve(const char *method, const char *path, const char *form)
{
	struct t_resp r;
	char auth[512];
	const char *h[2] = {auth, NULL};
	long st;

	snprintf(auth, sizeof(auth), "Authorization: PVEAPIToken=%s", t_env("PVE_SIM_TOKEN"));
	setenv("VH_CA_OVERRIDE", t_env("VH_PVE_CA_FILE"), 1);
	t_request(&r, t_env("VH_PVE_URL"), method, path, h,
		  form ? "application/x-www-form-urlencoded" : NULL, form, form ? strlen(form) : 0);
	unsetenv("VH_CA_OVERRIDE");
	st = r.status;
	if (st != 200)
		tap_diag("%s %s: %ld %.200s", method, path, r.status, r.body);
	t_resp_free(&r);
	return st;
}

/* Wait until the VM is in state (or gone). */
static int vm_wait(long vmid, const char *state)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (!strcmp(vm_state(vmid), state))
			return 1;
		usleep(100000);
	}
	return 0;
}

/* Wait until the VM's create or clone task is over (no lock). */
static int vm_unlocked(long vmid)
{
	int i;

	for (i = 0; i < 100; i++) {
		json_object *vms = s_sim_vms(), *v;
		size_t k;
		int locked = 1;

		for (k = 0; vms && k < json_object_array_length(vms); k++) {
			json_object *o = json_object_array_get_idx(vms, k);

			if (json_object_object_get_ex(o, "vmid", &v) && json_object_get_int64(v) == vmid)
				locked = json_object_object_get_ex(o, "lock", &v) && v &&
					 *json_object_get_string(v);
		}
		json_object_put(vms);
		if (!locked)
			return 1;
		usleep(100000);
	}
	return 0;
}

/* Destroy a VM behind vibehost's back (stop, then delete). */
static int vm_destroy(const char *node, long vmid)
{
	char path[160];

	snprintf(path, sizeof(path), "/api2/json/nodes/%s/qemu/%ld/status/stop", node, vmid);
	if (strcmp(vm_state(vmid), "stopped") && (pve("POST", path, "") != 200 || !vm_wait(vmid, "stopped")))
		return 0;
	snprintf(path, sizeof(path), "/api2/json/nodes/%s/qemu/%ld?purge=1", node, vmid);
	return pve("DELETE", path, NULL) == 200 && vm_wait(vmid, "gone");
}

static long long findings(long long run, const char *kind, const char *server, long vmid)
{
	char r[24], v[24];
	const char *by = server ? "server_id" : "vmid";

	snprintf(r, sizeof(r), "%lld", run);
	snprintf(v, sizeof(v), "%ld", vmid);
	/* Other tests register pve-sim under more host ids; each reports what
	 * it sees.  The demo's host is the one under test. */
	return q_int(vh_psprintf(pool, "SELECT COUNT(*) FROM reconcile_findings WHERE run_id = ? "
				 "AND %s = ? AND kind = '%s' AND host_id = 'pve-sim'", by, kind),
		     r, server ? server : v);
}

static long long sum_int(json_object *s, const char *key)
{
	json_object *v;

	return s && json_object_object_get_ex(s, key, &v) ? json_object_get_int64(v) : -1;
}

/* ---- scenarios ------------------------------------------------------------------- */

static struct srv a, b, c, d;     /* expire in 5, 5, 5 days; d: 3000 days */

/* --dry-run prints what it would do and changes nothing, in the database
 * or in pve-sim. */
static void snapshot(char *buf, size_t size)
{
	static const char *const tables[] = {"servers", "jobs", "notifications", "server_events",
					     "maintenance_runs", "reconcile_findings", NULL};
	int i;

	buf[0] = '\0';
	for (i = 0; tables[i]; i++) {
		const char *sql = vh_psprintf(pool, "SELECT CONCAT(COUNT(*), '/', IFNULL(MAX(%s), '')) FROM %s",
					      i < 2 ? "updated_at" : "id", tables[i]);
		struct vh_rows r;
		struct vh_err err;

		vh_err_clear(&err);
		if (vh_db_exec(db, pool, sql, NULL, 0, 0, &r, &err) == VH_OK)
			snprintf(buf + strlen(buf), size - strlen(buf), "%s=%s ", tables[i],
				 vh_rows_get(&r, 0, 0));
	}
}

/* pve-sim's VMs without what moves by itself (uptime, counters). */
static char *vm_digest(void)
{
	static const char *const keep[] = {"vmid", "node", "status", "qmpstatus", "lock", "config", NULL};
	json_object *vms = s_sim_vms(), *out = json_object_new_array();
	char *text;
	size_t i;

	for (i = 0; vms && i < json_object_array_length(vms); i++) {
		json_object *o = json_object_array_get_idx(vms, i), *dg = json_object_new_object(), *v;
		int k;

		for (k = 0; keep[k]; k++)
			if (json_object_object_get_ex(o, keep[k], &v))
				json_object_object_add(dg, keep[k], json_object_get(v));
		json_object_array_add(out, dg);
	}
	text = strdup(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
	json_object_put(out);
	json_object_put(vms);
	return text;
}

static void dry_run(void)
{
	static char out[1 << 16];
	char before[2048] = "", after[2048] = "", args[128];
	char *v1, *v2;
	int rc;

	/* Nothing else may move while the states are compared: the jobs of
	 * earlier tests end, then the workers stop until the comparison. */
	for (int i = 0; i < 600 && q_int("SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')",
					 NULL, NULL) != 0; i++)
		usleep(100000);
	t_stack("stop-worker 1");
	t_stack("stop-worker 2");
	t_stack("stop-worker 3");
	snapshot(before, sizeof(before));
	v1 = vm_digest();
	snprintf(args, sizeof(args), "--dry-run --now %s", shift(a.expire_at, 2 * DAY));
	rc = x_run("EXPIRY_DELETE_AFTER_DAYS=1 EXPIRY_WARNING_DAYS=7,3,1", args, out, sizeof(out));
	is_int(rc, 0, "dry run: exit 0");
	ok(strstr(out, vh_psprintf(pool, "would stop server %s", a.id)) != NULL,
	   "dry run: says it would stop the expired server");
	ok(strstr(out, vh_psprintf(pool, "would remind server %s", d.id)) == NULL,
	   "dry run: no reminder for a server far from expiry");
	snapshot(after, sizeof(after));
	is_str(after, before, "dry run: the database is unchanged");
	v2 = vm_digest();
	ok(strlen(v1) > 2 && !strcmp(v1, v2), "dry run: pve-sim's VMs are unchanged");
	if (strcmp(v1, v2))
		tap_diag("before %.2000s\nafter %.2000s", v1, v2);
	free(v1);
	free(v2);
	t_stack("start-worker 1");
	t_stack("start-worker 2");
	t_stack("start-sms-worker 3");
	is_str(status_of(&a), "active", "dry run: the server is still active");
}

/* 7,3,1: one text per offset, the tightest due one per pass; a second pass
 * at the same clock sends nothing. */
static void reminders_multi(void)
{
	const char *env = "EXPIRY_WARNING_DAYS=7,3,1";
	char key[200];

	pass(env, shift(a.expire_at, -6 * DAY), NULL, NULL);
	is_int(notices(a.id, "expiry_warning"), 1, "7,3,1: six days before, the 7-day reminder");
	snprintf(key, sizeof(key), "expiry_warning:%s:%s:7d", a.id, a.expire_at);
	is_int(q_int("SELECT COUNT(*) FROM notifications WHERE dedupe_key = ?", key, NULL), 1,
	       "7,3,1: its dedupe key names the server, the date and the offset");
	pass(env, shift(a.expire_at, -DAY * 5 / 2), NULL, NULL);
	is_int(notices(a.id, "expiry_warning"), 2, "7,3,1: 2.5 days before, the 3-day reminder");
	pass(env, shift(a.expire_at, -DAY * 5 / 2 + 3600), NULL, NULL);
	is_int(notices(a.id, "expiry_warning"), 2, "7,3,1: a second pass that day sends nothing");
	pass(env, shift(a.expire_at, -DAY / 2), NULL, NULL);
	is_int(notices(a.id, "expiry_warning"), 3, "7,3,1: half a day before, the 1-day reminder");
}

/* The default single offset: once across two runs, again after extend. */
static void reminders_rearm(void)
{
	const char *env = "EXPIRY_WARNING_DAYS=3";
	struct t_resp r;
	char p[96], old[32], key[200];

	pass(env, shift(b.expire_at, -2 * DAY), NULL, NULL);
	pass(env, shift(b.expire_at, -2 * DAY + 60), NULL, NULL);
	snprintf(key, sizeof(key), "expiry_warning:%s:%s:3d", b.id, b.expire_at);
	is_int(q_int("SELECT COUNT(*) FROM notifications WHERE dedupe_key = ?", key, NULL), 1,
	       "reminder: sent once across two passes");
	snprintf(old, sizeof(old), "%s", b.expire_at);
	snprintf(p, sizeof(p), "/servers/%s/extend", b.id);
	s_req(&r, user, "POST", p, "{\"additional_days\":1}", NULL);
	t_status(&r, 200, "extend by one day");
	t_resp_free(&r);
	srv_load(&b);
	is_str(b.expire_at, shift(old, DAY), "the new expiry date");
	pass(env, shift(b.expire_at, -2 * DAY), NULL, NULL);
	snprintf(key, sizeof(key), "expiry_warning:%s:%s:3d", b.id, b.expire_at);
	is_int(q_int("SELECT COUNT(*) FROM notifications WHERE dedupe_key = ?", key, NULL), 1,
	       "reminder: re-armed for the new date");
}

/* Past expiry: every server is stopped and texted, except one whose PVE
 * refuses; that makes the exit status 1, and a later pass finishes it. */
static void stop_at_expiry(void)
{
	const char *clock = shift(c.expire_at, DAY * 3 / 2);  /* past a, c; b was extended a day */
	char fault[512], key[200];
	json_object *sum = NULL;
	int rc;

	snprintf(fault, sizeof(fault),
		 "{\"method\":\"POST\",\"path\":\"/api2/json/nodes/*/qemu/%ld/status/shutdown\",\"count\":100,"
		 "\"status\":500,\"message\":\"VM %ld qmp command 'system_powerdown' failed - got timeout\"}",
		 c.vmid, c.vmid);
	s_sim("/_sim/fault", fault);
	rc = pass("EXPIRY_SHUTDOWN_TIMEOUT=5", clock, NULL, &sum);
	is_int(rc, 1, "stop: a server PVE refused to stop makes the exit status 1");
	ok(sum_int(sum, "stop_failed") >= 1, "stop: the summary counts the failed stop");
	ok(sum_int(sum, "stopped") >= 2, "stop: and the others as stopped");
	json_object_put(sum);
	is_str(status_of(&a), "expired", "stop: the first server is expired");
	is_str(vm_state(a.vmid), "stopped", "stop: its VM is stopped in pve-sim");
	is_str(status_of(&b), "expired", "stop: the second server is expired");
	is_str(vm_state(b.vmid), "stopped", "stop: its VM is stopped too");
	snprintf(key, sizeof(key), "expired_stopped:%s:%s", a.id, a.expire_at);
	is_int(q_int("SELECT COUNT(*) FROM notifications WHERE dedupe_key = ?", key, NULL), 1,
	       "stop: the customer's expired_stopped text was queued");
	is_int(q_int("SELECT COUNT(*) FROM notifications WHERE dedupe_key = ? AND state = 'sent'", key, NULL), 1,
	       "stop: and delivered by the pass");
	is_str(status_of(&c), "expired", "stop: the refused server is expired");
	is_str(vm_state(c.vmid), "running", "stop: but its VM still runs");
	is_int(notices(c.id, "expired_stopped"), 0, "stop: and its customer was not told it stopped");
	is_str(status_of(&d), "active", "stop: a server far from expiry is untouched");
	is_str(vm_state(d.vmid), "running", "stop: and keeps running");
	s_sim("/_sim/fault", "{\"clear\":true}");
	rc = pass("EXPIRY_SHUTDOWN_TIMEOUT=5", clock, NULL, &sum);
	is_int(rc, 0, "stop: the next pass handles everything (exit 0)");
	json_object_put(sum);
	is_str(vm_state(c.vmid), "stopped", "stop: the refused server is stopped now");
	is_int(notices(c.id, "expired_stopped"), 1, "stop: and its customer told");
	is_int(notices(a.id, "expired_stopped"), 1, "stop: the others are not texted twice");
}

/* Extending an expired server makes it active; the customer starts it. */
static void extend_back(void)
{
	struct t_resp r;
	char p[96], job[40], state[16];

	snprintf(p, sizeof(p), "/servers/%s/start", a.id);
	s_req(&r, user, "POST", p, "{}", NULL);
	t_error(&r, 409, "server_expired", "an expired server cannot be started");
	t_resp_free(&r);
	snprintf(p, sizeof(p), "/servers/%s/extend", a.id);
	s_req(&r, user, "POST", p, "{\"additional_days\":30}", NULL);
	t_status(&r, 200, "extend the expired server by 30 days");
	t_resp_free(&r);
	is_str(status_of(&a), "active", "extend: active again");
	snprintf(p, sizeof(p), "/servers/%s/start", a.id);
	s_req(&r, user, "POST", p, "{}", NULL);
	t_status(&r, 202, "extend: it can be started");
	s_get(&r, "job_id", job, sizeof(job));
	t_resp_free(&r);
	s_wait_job(job, 30000, state);
	is_str(state, "succeeded", "extend: the start job succeeded");
	is_str(vm_state(a.vmid), "running", "extend: the VM runs again");
}

/* A VM stopped behind vibehost's back: the drift is recorded. */
static void power_drift(void)
{
	char path[160];
	json_object *sum = NULL;
	long long run;

	snprintf(path, sizeof(path), "/api2/json/nodes/%s/qemu/%ld/status/stop", a.node, a.vmid);
	ok(pve("POST", path, "") == 200 && vm_wait(a.vmid, "stopped") && vm_unlocked(a.vmid),
	   "drift: a running server's VM is stopped on Proxmox directly");
	pass(NULL, shift(a.expire_at, -20 * DAY), NULL, &sum);
	run = sum_int(sum, "run_id");
	ok(sum_int(sum, "drift") >= 1, "drift: counted in the summary");
	json_object_put(sum);
	is_int(findings(run, "drift", a.id, 0), 1, "drift: reported as a finding");
	is_int(q_int("SELECT COUNT(*) FROM servers WHERE id = ? AND power_state = 'stopped'", a.id, NULL), 1,
	       "drift: the server's power state is now stopped");
	is_str(status_of(&a), "active", "drift: and it stays active");
}

/* Grace deletion only with EXPIRY_DELETE_AFTER_DAYS. */
static void grace(void)
{
	const char *clock = shift(c.expire_at, DAY * 5 / 2);
	int rc;

	rc = pass(NULL, clock, NULL, NULL);
	is_int(rc, 0, "grace: a pass without EXPIRY_DELETE_AFTER_DAYS");
	is_str(status_of(&c), "expired", "grace: deletes nothing");
	is_str(vm_state(c.vmid), "stopped", "grace: the VM is kept");
	rc = pass("EXPIRY_DELETE_AFTER_DAYS=2", clock, NULL, NULL);
	is_int(rc, 0, "grace: a pass with EXPIRY_DELETE_AFTER_DAYS=2");
	is_str(status_of(&c), "deleted", "grace: the server expired 2.5 days ago is deleted");
	is_str(vm_state(c.vmid), "gone", "grace: its VM is destroyed");
	is_str(status_of(&b), "expired", "grace: one expired a day and a half ago is kept");
	is_int(q_int("SELECT COUNT(*) FROM ip_addresses WHERE server_id = ?", c.id, NULL), 0,
	       "grace: the deleted server's address is released");
}

/* Orphans: reported, destroyed only when configured. */
static void orphans(void)
{
	char form[512], ghost[VH_UUID_LEN + 1];
	json_object *sum = NULL;
	struct t_resp r;
	long vmid = 4242;
	long long run;

	vh_uuid_v7(ghost);
	snprintf(form, sizeof(form),
		 "vmid=%ld&name=orphan&memory=512&cores=1&tags=vibehost&description=vibehost-server%%3A%s",
		 vmid, ghost);
	is_int(pve("POST", "/api2/json/nodes/pve2/qemu", form), 200, "orphan: a VM tagged vibehost that no server owns");
	ok(vm_wait(vmid, "stopped") && vm_unlocked(vmid), "orphan: it exists, created");
	pass(NULL, shift(a.expire_at, -20 * DAY), NULL, &sum);
	run = sum_int(sum, "run_id");
	ok(sum_int(sum, "orphans") >= 1, "orphan: counted in the summary");
	json_object_put(sum);
	is_int(findings(run, "orphan", NULL, vmid), 1, "orphan: reported as a finding");
	is_str(vm_state(vmid), "stopped", "orphan: not destroyed by default");
	t_admin(&r, "GET", "/admin/reconcile?kind=orphan", NULL);
	t_status(&r, 200, "GET /admin/reconcile?kind=orphan");
	ok(r.body && strstr(r.body, "\"vmid\":4242") && strstr(r.body, ghost),
	   "orphan: the report names the VM and the server id it claims");
	t_resp_free(&r);
	t_admin(&r, "GET", vh_psprintf(pool, "/admin/reconcile?run_id=%lld&limit=1", run), NULL);
	t_status(&r, 200, "GET /admin/reconcile?run_id=N&limit=1");
	ok(json_object_array_length(json_object_object_get(r.json, "findings")) == 1,
	   "report: one finding per page of one");
	{
		char cur[32];

		s_get(&r, "next_cursor", cur, sizeof(cur));
		t_resp_free(&r);
		t_admin(&r, "GET", vh_psprintf(pool, "/admin/reconcile?run_id=%lld&limit=1&cursor=%s", run,
					       cur[0] ? cur : "0"), NULL);
		t_status(&r, 200, "report: the next page by next_cursor");
	}
	t_resp_free(&r);
	t_admin(&r, "GET", "/admin/reconcile?cursor=abc", NULL);
	t_error(&r, 422, NULL, "report: a cursor that is not a finding id");
	t_resp_free(&r);
	t_admin(&r, "GET", "/admin/reconcile?run_id=999999999", NULL);
	t_error(&r, 404, "run_not_found", "report: an unknown run");
	t_resp_free(&r);
	t_admin(&r, "GET", "/admin/reconcile?kind=everything", NULL);
	t_error(&r, 422, NULL, "report: an unknown kind");
	t_resp_free(&r);
	pass("RECONCILE_DESTROY_ORPHANS=1", shift(a.expire_at, -20 * DAY), NULL, &sum);
	run = sum_int(sum, "run_id");
	json_object_put(sum);
	is_int(findings(run, "orphan_destroyed", NULL, vmid), 1, "orphan: destroyed with RECONCILE_DESTROY_ORPHANS=1");
	is_str(vm_state(vmid), "gone", "orphan: gone from pve-sim");
}

/* A VM that vanished: lost, but never while a node cannot be listed. */
static void vanished(void)
{
	char body[128];
	json_object *sum = NULL;
	long long run;

	ok(vm_destroy(d.node, d.vmid), "lost: the VM of an active server is destroyed behind vibehost's back");
	snprintf(body, sizeof(body), "{\"node\":\"%s\",\"online\":false}", d.node);
	s_sim("/_sim/node", body);
	pass(NULL, shift(a.expire_at, -20 * DAY), NULL, &sum);
	run = sum_int(sum, "run_id");
	ok(sum_int(sum, "hosts_skipped") >= 1, "lost: with node %s offline the host is skipped", d.node);
	json_object_put(sum);
	is_str(status_of(&d), "active", "lost: nothing is marked lost during the outage");
	ok(q_int(vh_psprintf(pool, "SELECT COUNT(*) FROM reconcile_findings WHERE run_id = %lld AND "
			     "kind = 'host_skipped' AND host_id = 'pve-sim'", run), NULL, NULL) == 1,
	   "lost: the skipped host is a finding");
	snprintf(body, sizeof(body), "{\"node\":\"%s\",\"online\":true}", d.node);
	s_sim("/_sim/node", body);
	pass(NULL, shift(a.expire_at, -20 * DAY), NULL, &sum);
	run = sum_int(sum, "run_id");
	json_object_put(sum);
	is_str(status_of(&d), "lost", "lost: once the node is back, the server is lost");
	is_int(findings(run, "lost", d.id, 0), 1, "lost: reported as a finding");
	ok(q_int("SELECT COUNT(*) FROM server_events WHERE server_id = ? AND message LIKE 'lost:%'", d.id, NULL) == 1,
	   "lost: and as an event of the server");
	ok(q_int("SELECT COUNT(*) FROM servers WHERE id = ?", d.id, NULL) == 1, "lost: the row is kept");
}

/* Jobs nobody ran fail through the janitor, as their own failure would. */
static void janitor(void)
{
	char s1[VH_UUID_LEN + 1], s2[VH_UUID_LEN + 1], j1[VH_UUID_LEN + 1], j2[VH_UUID_LEN + 1];
	struct vh_err err;
	int rc;

	t_stack("stop-worker 1");
	t_stack("stop-worker 2");
	t_stack("stop-worker 3");
	ok(fx_server(db, user, s1) && fx_server(db, user, s2), "janitor: two servers");
	vh_uuid_v7(j1);
	vh_uuid_v7(j2);
	vh_err_clear(&err);
	{
		struct vh_param p[3] = {vh_pstr(j1), vh_pstr(s1), vh_pstr(s1)};
		struct vh_param q[3] = {vh_pstr(j2), vh_pstr(s2), vh_pstr(s2)};

		ok(vh_db_exec(db, pool, "INSERT INTO jobs (id, kind, server_id, busy_server_id, state, step, "
			      "lease_owner, lease_until) VALUES (?, 'reboot', ?, ?, 'running', 'power', 'dead:1', "
			      "UTC_TIMESTAMP(6) - INTERVAL 40 MINUTE)", p, 3, 0, NULL, &err) == VH_OK &&
		   vh_db_exec(db, pool, "UPDATE servers SET status = 'provisioning' WHERE id = ?", q + 1, 1, 0,
			      NULL, &err) == VH_OK &&
		   vh_db_exec(db, pool, "INSERT INTO jobs (id, kind, server_id, busy_server_id, state, step, "
			      "run_after) VALUES (?, 'provision', ?, ?, 'queued', 'new', "
			      "UTC_TIMESTAMP(6) - INTERVAL 40 MINUTE)", q, 3, 0, NULL, &err) == VH_OK,
		   "janitor: a job whose worker died 40 minutes ago, and an order nobody took");
	}
	rc = pass("JOB_STUCK_MINUTES=30", shift(a.expire_at, -20 * DAY), NULL, NULL);
	is_int(rc, 0, "janitor: the pass");
	is_int(q_int("SELECT COUNT(*) FROM jobs WHERE id = ? AND state = 'failed' AND error LIKE '%janitor%'",
		     j1, NULL), 1, "janitor: the stuck reboot failed with a clear reason");
	is_int(q_int("SELECT COUNT(*) FROM jobs WHERE id = ? AND state = 'failed'", j2, NULL), 1,
	       "janitor: the order nobody took failed");
	is_str(q_int("SELECT COUNT(*) FROM servers WHERE id = ? AND status = 'rolled_back'", s2, NULL) == 1
		       ? "rolled_back" : "not",
	       "rolled_back", "janitor: and its server was rolled back");
	is_int(q_int("SELECT COUNT(*) FROM servers WHERE id = ? AND status = 'active'", s1, NULL), 1,
	       "janitor: the rebooted server is left as it was");
	t_stack("start-worker 1");
	t_stack("start-worker 2");
	t_stack("start-sms-worker 3");
}

/* Two runs at once: one does the work, the other exits 0 at once. */
static void concurrent(void)
{
	static char out1[1 << 16], out2[1 << 16];
	char cmd[4096];
	long long before = q_int("SELECT COUNT(*) FROM maintenance_runs", NULL, NULL);
	FILE *p1;
	size_t len = 0, got;
	int rc1, rc2;

	/* The first pass holds the lock while pve-sim is slow to list. */
	s_sim("/_sim/latency", "{\"method\":\"GET\",\"path\":\"/api2/json/cluster/resources\",\"ms\":2500,\"count\":1}");
	snprintf(cmd, sizeof(cmd), "env VIBEHOST_CONFIG='%s/dev.env' '%s/bin/vibehost-expiry' --now %s 2>&1",
		 getenv("VH_STACK_DIR"), getenv("VH_BUILDDIR"), shift(a.expire_at, -20 * DAY));
	p1 = popen(cmd, "r");
	usleep(800000);
	rc2 = x_run(NULL, "", out2, sizeof(out2));
	while (p1 && len + 1 < sizeof(out1) && (got = fread(out1 + len, 1, sizeof(out1) - len - 1, p1)) > 0)
		len += got;
	out1[len] = '\0';
	rc1 = p1 ? pclose(p1) : -1;
	rc1 = WIFEXITED(rc1) ? WEXITSTATUS(rc1) : -1;
	is_int(rc2, 0, "concurrent: the second run exits 0");
	ok(strstr(out2, "\"skipped\"") && !strstr(out2, "\"run_id\""),
	   "concurrent: saying another run holds the lock, doing nothing");
	is_int(rc1, 0, "concurrent: the first run does the pass");
	ok(strstr(out1, "\"run_id\"") != NULL, "concurrent: and records it");
	is_int(q_int("SELECT COUNT(*) FROM maintenance_runs", NULL, NULL), before + 1,
	       "concurrent: exactly one pass was recorded");
}

static void usage(void)
{
	static char out[1 << 15];

	is_int(x_run(NULL, "--help", out, sizeof(out)), 0, "--help exits 0");
	ok(strstr(out, "--dry-run") && strstr(out, "--now") && strstr(out, "--config"),
	   "--help documents --dry-run, --now and the common options");
	is_int(x_run(NULL, "--now yesterday", out, sizeof(out)), 2, "--now with a bad time: exit 2");
	ok(strstr(out, "--now") != NULL, "and says what is wrong");
	is_int(x_run("EXPIRY_WARNING_DAYS=7,x", "--dry-run", out, sizeof(out)), 1,
	       "a bad EXPIRY_WARNING_DAYS: exit 1");
}

int main(void)
{
	t_init();
	db = fx_open_db();
	pool = vh_pool_new();
	if (!db) {
		printf("Bail out! no database\n");
		return 1;
	}
	is_int(t_stack("start-sms-worker 3"), 0, "a worker that delivers SMS");
	ok(s_user(user, phone), "a user with a phone");
	ok(order(5, &a) && order(5, &b) && order(5, &c) && order(3000, &d),
	   "four servers: three expiring in 5 days, one in 3000");
	usage();
	dry_run();
	reminders_multi();
	reminders_rearm();
	stop_at_expiry();
	extend_back();
	power_drift();
	grace();
	orphans();
	vanished();
	janitor();
	concurrent();
	vh_pool_free(pool);
	vh_db_free(db);
	vh_cfg_reset();
	t_done();
	return done_testing();
}
