/* The README walkthrough as a test, through nginx against pve-sim and
 * solapi-sim with the stack's workers: a user orders a server, the job
 * provisions it, and every later action works: power cycle, extend,
 * upgrade (stopped), password reset, rebuild, delete.  Then the access
 * rules: another user's server ids are 404 on every server route, and bad
 * input is a clear 4xx. */
#include "config.h"

#include "servers-util.h"

static char user[40], phone[12], other[40], other_phone[12], sid[40], jid[40];

/* POST an action as the owner; returns the job id (or "") and checks 202. */
static void action(const char *what, const char *json, long want, char job[40])
{
	struct t_resp r;
	char p[160], msg[160];

	snprintf(p, sizeof(p), "/servers/%s/%s", sid, what);
	s_req(&r, user, "POST", p, json ? json : "{}", NULL);
	snprintf(msg, sizeof(msg), "POST %s: %ld", what, want);
	t_status(&r, want, msg);
	s_get(&r, "job_id", job, 40);
	t_resp_free(&r);
}

static void expect_job(const char *job, const char *what)
{
	char state[16];

	s_wait_job(job, 30000, state);
	is_str(state, "succeeded", "%s", what);
}

static void server_field(const char *key, const char *want, const char *what)
{
	struct t_resp r;
	char p[96];

	snprintf(p, sizeof(p), "/servers/%s", sid);
	s_req(&r, user, "GET", p, NULL, NULL);
	is_str(t_str(&r, key), want, "%s", what);
	t_resp_free(&r);
}

static void walkthrough(void)
{
	struct t_resp r;
	char p[160], job[40], ip[64], vmid[32], pw[64], state[16], pw2[64];
	json_object *v;

	/* metadata: what can be ordered */
	s_req(&r, user, "GET", "/servers/metadata/allowed", NULL, NULL);
	t_status(&r, 200, "metadata");
	ok(r.body && strstr(r.body, "\"basic\"") && strstr(r.body, "ubuntu-24.04"),
	   "metadata offers plan basic and ubuntu-24.04");
	t_resp_free(&r);

	/* order */
	s_req(&r, user, "POST", "/servers",
	      "{\"plan\":\"basic\",\"location\":\"seoul\",\"os_template\":\"ubuntu-24.04\","
	      "\"name\":\"web-01\",\"ssh_keys\":[\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2e test@e2e\"]}",
	      NULL);
	t_status(&r, 202, "POST /servers: 202");
	s_get(&r, "id", sid, sizeof(sid));
	s_get(&r, "job_id", jid, sizeof(jid));
	is_str(t_str(&r, "status"), "provisioning", "status provisioning");
	s_get(&r, "vm_password", pw, sizeof(pw));
	ok(strlen(pw) >= 16, "the generated password is shown once");
	snprintf(p, sizeof(p), "/servers/%s", sid);
	is_str(t_header(&r, "Location"), p, "Location names the server");
	t_resp_free(&r);

	s_wait_job(jid, 30000, state);
	is_str(state, "succeeded", "the provisioning job succeeds");
	s_req(&r, user, "GET", p, NULL, NULL);
	t_status(&r, 200, "GET /servers/{id}");
	is_str(t_str(&r, "status"), "active", "status active");
	is_str(t_str(&r, "power_state"), "running", "power running");
	s_get(&r, "primary_ip", ip, sizeof(ip));
	ok(!strncmp(ip, "203.0.113.", 10), "an address from the seoul pool: %s", ip);
	ok(json_object_object_get_ex(r.json, "vmid", &v) && json_object_get_int64(v) >= 100, "a VMID");
	snprintf(vmid, sizeof(vmid), "%lld", (long long)json_object_get_int64(v));
	ok(!strstr(r.body, pw), "GET never shows the password");
	ok(!strstr(r.body, "$6$"), "nor its hash");
	t_resp_free(&r);
	is_int(s_sim_vms_of(sid), 1, "pve-sim holds exactly one VM for the server");
	{
		json_object *vms = s_sim_vms(), *cfg = NULL, *x;
		size_t i;

		for (i = 0; vms && i < json_object_array_length(vms); i++)
			if (json_object_object_get_ex(json_object_array_get_idx(vms, i), "vmid", &x) &&
			    json_object_get_int64(x) == atol(vmid))
				json_object_object_get_ex(json_object_array_get_idx(vms, i), "config", &cfg);
		ok(cfg && json_object_object_get_ex(cfg, "cores", &x) && json_object_get_int(x) == 2,
		   "the VM has the plan's 2 cores");
		ok(cfg && json_object_object_get_ex(cfg, "memory", &x) && json_object_get_int(x) == 2048,
		   "and 2048 MB");
		ok(cfg && json_object_object_get_ex(cfg, "ipconfig0", &x) &&
		   strstr(json_object_get_string(x), ip), "cloud-init ipconfig0 holds the address");
		ok(cfg && json_object_object_get_ex(cfg, "ciuser", &x) &&
		   !strcmp(json_object_get_string(x), "ubuntu"), "cloud-init user of the OS template");
		ok(cfg && json_object_object_get_ex(cfg, "cipassword", &x) &&
		   !strstr(json_object_get_string(x), pw), "PVE never saw the plain password");
		json_object_put(vms);
	}

	/* events tell the story */
	snprintf(p, sizeof(p), "/servers/%s/events", sid);
	s_req(&r, user, "GET", p, NULL, NULL);
	t_status(&r, 200, "GET events");
	ok(r.body && strstr(r.body, "\"clone\"") && strstr(r.body, "server is active"),
	   "events record the clone and activation");
	t_resp_free(&r);

	/* the SMS reached solapi-sim (the workers deliver the outbox) */
	{
		int i, n = 0;

		for (i = 0; i < 100 && n == 0; i++) {
			json_object *m = n_sim_messages(phone);

			n = m ? (int)json_object_array_length(m) : 0;
			json_object_put(m);
			if (!n)
				usleep(100000);
		}
		ok(n >= 1, "the server_ready SMS is in solapi-sim (%d)", n);
	}

	/* power cycle */
	action("start", NULL, 409, job);   /* already running */
	action("reboot", NULL, 202, job);
	expect_job(job, "reboot succeeds");
	action("stop", NULL, 202, job);
	expect_job(job, "stop succeeds");
	server_field("power_state", "stopped", "power stopped");
	action("reboot", NULL, 409, job);
	action("start", NULL, 202, job);
	expect_job(job, "start succeeds");
	server_field("power_state", "running", "power running again");

	/* extend */
	{
		char before[40], after[40];

		snprintf(p, sizeof(p), "/servers/%s", sid);
		s_req(&r, user, "GET", p, NULL, NULL);
		s_get(&r, "expire_at", before, sizeof(before));
		t_resp_free(&r);
		snprintf(p, sizeof(p), "/servers/%s/extend", sid);
		s_req(&r, user, "POST", p, "{\"additional_days\":10}", NULL);
		t_status(&r, 200, "extend: 200");
		s_get(&r, "expire_at", after, sizeof(after));
		ok(strcmp(after, before) > 0, "expire_at moves later (%s -> %s)", before, after);
		t_resp_free(&r);
		s_req(&r, user, "POST", p, "{\"additional_days\":0}", NULL);
		t_error(&r, 422, "validation_failed", "extend by 0 days: 422");
		t_resp_free(&r);
	}

	/* upgrade: only when stopped */
	action("upgrade", "{\"upgrade\":\"ram-4g\"}", 409, job);
	action("stop", NULL, 202, job);
	expect_job(job, "stop before upgrading");
	action("upgrade", "{\"upgrade\":\"no-such\"}", 422, job);
	action("upgrade", "{\"upgrade\":\"ram-4g\"}", 202, job);
	expect_job(job, "the upgrade job succeeds");
	snprintf(p, sizeof(p), "/servers/%s", sid);
	s_req(&r, user, "GET", p, NULL, NULL);
	ok(json_object_object_get_ex(r.json, "memory_mb", &v) && json_object_get_int(v) == 6144,
	   "memory is 2048 + 4096 MB");
	ok(r.body && strstr(r.body, "\"applied_upgrades\":[{\"name\":\"ram-4g\""),
	   "applied_upgrades lists ram-4g");
	t_resp_free(&r);
	action("start", NULL, 202, job);
	expect_job(job, "start after the upgrade");

	/* password reset */
	snprintf(p, sizeof(p), "/servers/%s/password/reset", sid);
	s_req(&r, user, "POST", p, "{}", NULL);
	t_status(&r, 200, "password reset: 200");
	s_get(&r, "vm_password", pw2, sizeof(pw2));
	ok(strlen(pw2) >= 16 && strcmp(pw, pw2), "a new password, shown once");
	ok(t_str(&r, "applies_at") != NULL, "says when it applies (%s)",
	   t_str(&r, "applies_at") ? t_str(&r, "applies_at") : "");
	t_resp_free(&r);

	/* rebuild */
	snprintf(p, sizeof(p), "/servers/%s/rebuild", sid);
	s_req(&r, user, "POST", p, "{\"os_template\":\"ubuntu-24.04\"}", NULL);
	t_status(&r, 202, "rebuild: 202");
	s_get(&r, "job_id", job, sizeof(job));
	ok(t_str(&r, "vm_password") && strcmp(t_str(&r, "vm_password"), pw2),
	   "rebuild returns a new password");
	t_resp_free(&r);
	expect_job(job, "the rebuild job succeeds");
	snprintf(p, sizeof(p), "/servers/%s", sid);
	s_req(&r, user, "GET", p, NULL, NULL);
	is_str(t_str(&r, "status"), "active", "active after the rebuild");
	is_str(t_str(&r, "primary_ip"), ip, "the same address");
	ok(json_object_object_get_ex(r.json, "vmid", &v) && json_object_get_int64(v) == atol(vmid),
	   "the same VMID");
	t_resp_free(&r);
	is_int(s_sim_vms_of(sid), 1, "still exactly one VM");

	/* No password ever reaches a log line. */
	is_int(s_logs_contain(pw), 0, "the first password is in no log");
	is_int(s_logs_contain(pw2), 0, "nor the reset one");

	/* delete */
	s_req(&r, user, "DELETE", p, NULL, NULL);
	t_status(&r, 202, "DELETE: 202");
	s_get(&r, "job_id", job, sizeof(job));
	t_resp_free(&r);
	expect_job(job, "the delete job succeeds");
	server_field("status", "deleted", "status deleted (the row stays)");
	is_int(s_sim_has_vm(atol(vmid)), 0, "the VM is gone from pve-sim");
	s_req(&r, user, "DELETE", p, NULL, NULL);
	t_error(&r, 409, "already_deleted", "deleting twice: 409");
	t_resp_free(&r);
}

/* Every server route with another user's id: 404, never their data. */
static void access_rules(void)
{
	static const char *const posts[] = {"start", "stop", "shutdown", "reboot", "reset", "suspend",
					    "resume", "extend", "upgrade", "password/reset", "rebuild",
					    "retry", NULL};
	struct t_resp r;
	char p[200], mine[40], mjob[40], state[16];
	int i, all = 1;

	ok(s_order(user, "{\"plan\":\"basic\",\"location\":\"seoul\"}", mine, mjob) == 202,
	   "the owner orders another server");
	s_wait_job(mjob, 30000, state);
	snprintf(p, sizeof(p), "/servers/%s", mine);
	s_req(&r, other, "GET", p, NULL, NULL);
	t_error(&r, 404, "server_not_found", "another user's server: 404");
	ok(!strstr(r.body ? r.body : "", mine + 9), "and nothing of it in the answer");
	t_resp_free(&r);
	s_req(&r, other, "DELETE", p, NULL, NULL);
	t_error(&r, 404, "server_not_found", "DELETE another user's server: 404");
	t_resp_free(&r);
	snprintf(p, sizeof(p), "/servers/%s/events", mine);
	s_req(&r, other, "GET", p, NULL, NULL);
	t_error(&r, 404, "server_not_found", "another user's events: 404");
	t_resp_free(&r);
	for (i = 0; posts[i]; i++) {
		snprintf(p, sizeof(p), "/servers/%s/%s", mine, posts[i]);
		s_req(&r, other, "POST", p, "{}", NULL);
		if (r.status != 404) {
			all = 0;
			tap_diag("POST %s as another user: %ld", posts[i], r.status);
		}
		t_resp_free(&r);
	}
	ok(all, "every POST action on another user's server: 404");
	snprintf(p, sizeof(p), "/jobs/%s", mjob);
	s_req(&r, other, "GET", p, NULL, NULL);
	t_error(&r, 404, "job_not_found", "another user's job: 404");
	t_resp_free(&r);
	snprintf(p, sizeof(p), "/servers/user/%s", user);
	s_req(&r, other, "GET", p, NULL, NULL);
	t_error(&r, 404, "user_not_found", "another user's server list: 404");
	t_resp_free(&r);
	s_req(&r, user, "GET", p, NULL, NULL);
	t_status(&r, 200, "the owner's own list");
	ok(r.body && strstr(r.body, mine), "lists the owner's server");
	t_resp_free(&r);
	s_req(&r, NULL, "GET", t_fill("/admin/servers?owner_id=%s", user), NULL, NULL);
	t_status(&r, 200, "admin lists by owner");
	ok(r.body && strstr(r.body, mine) && !strstr(r.body, other), "only that owner's servers");
	t_resp_free(&r);
	/* clean up: delete it */
	snprintf(p, sizeof(p), "/servers/%s", mine);
	s_req(&r, user, "DELETE", p, NULL, NULL);
	s_get(&r, "job_id", mjob, sizeof(mjob));
	t_resp_free(&r);
	s_wait_job(mjob, 30000, state);
	is_str(state, "succeeded", "the second server is deleted");
}

static void bad_input(void)
{
	struct t_resp r;
	char idem[96], s1[40], j1[40], body[200];

	s_req(&r, user, "POST", "/servers", "{\"plan\":\"nope\",\"location\":\"seoul\"}", NULL);
	t_error(&r, 422, "validation_failed", "unknown plan: 422");
	ok(t_has_field_error(&r, "plan"), "names plan");
	t_resp_free(&r);
	s_req(&r, user, "POST", "/servers", "{\"plan\":\"basic\",\"location\":\"mars\"}", NULL);
	t_error(&r, 422, "validation_failed", "plan sold elsewhere: 422");
	ok(t_has_field_error(&r, "location"), "names location");
	t_resp_free(&r);
	s_req(&r, user, "POST", "/servers",
	      "{\"plan\":\"basic\",\"location\":\"seoul\",\"os_template\":\"windows-95\"}", NULL);
	t_error(&r, 422, "validation_failed", "unknown OS template: 422");
	t_resp_free(&r);
	s_req(&r, user, "POST", "/servers",
	      "{\"plan\":\"basic\",\"location\":\"seoul\",\"ssh_keys\":\"not a key\",\"name\":\"-x\","
	      "\"expire_in_days\":0,\"colour\":\"red\"}", NULL);
	t_error(&r, 422, "validation_failed", "bad fields: 422");
	ok(t_has_field_error(&r, "ssh_keys") && t_has_field_error(&r, "name") &&
	   t_has_field_error(&r, "expire_in_days") && t_has_field_error(&r, "colour"),
	   "each bad field is named");
	t_resp_free(&r);
	s_req(&r, NULL, "POST", "/servers", "{\"plan\":\"basic\",\"location\":\"seoul\"}", NULL);
	ok(r.status == 403 || r.status == 401, "the admin key alone cannot order (%ld)", r.status);
	t_resp_free(&r);
	s_req(&r, user, "GET", "/servers/not-a-uuid", NULL, NULL);
	t_error(&r, 404, "server_not_found", "a malformed id: 404");
	t_resp_free(&r);

	/* Idempotency-Key: same body -> same server; another body -> 409 */
	snprintf(idem, sizeof(idem), "Idempotency-Key: e2e-%s", user);
	snprintf(body, sizeof(body), "{\"plan\":\"basic\",\"location\":\"seoul\",\"name\":\"idem-1\"}");
	s_req(&r, user, "POST", "/servers", body, idem);
	t_status(&r, 202, "first request with a key");
	s_get(&r, "id", s1, sizeof(s1));
	s_get(&r, "job_id", j1, sizeof(j1));
	t_resp_free(&r);
	s_req(&r, user, "POST", "/servers", body, idem);
	t_status(&r, 202, "the same key and body again");
	is_str(t_str(&r, "id"), s1, "answers the same server");
	ok(t_str(&r, "vm_password") == NULL, "without the password (never stored)");
	t_resp_free(&r);
	s_req(&r, user, "POST", "/servers", "{\"plan\":\"basic\",\"location\":\"seoul\"}", idem);
	t_error(&r, 409, "idempotency_key_reused", "the same key with another body: 409");
	t_resp_free(&r);
	{
		char state[16], p[96];

		s_wait_job(j1, 30000, state);
		snprintf(p, sizeof(p), "/servers/%s", s1);
		s_req(&r, user, "DELETE", p, NULL, NULL);
		s_get(&r, "job_id", j1, sizeof(j1));
		t_resp_free(&r);
		s_wait_job(j1, 30000, state);
		is_str(state, "succeeded", "the idempotent order's server is deleted");
	}
}

int main(void)
{
	t_init();
	/* The stack's workers leave SMS to the SMS tests; this one delivers. */
	is_int(t_stack("start-sms-worker 3"), 0, "a worker that delivers SMS");
	ok(s_user(user, phone) && s_user(other, other_phone), "two users");
	walkthrough();
	access_rules();
	bad_input();
	t_done();
	return done_testing();
}
