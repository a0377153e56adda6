/* Provisioning under failure, through nginx with the stack's workers and
 * pve-sim's fault injection: a failure at every step rolls back (no VM left
 * for the server, the IP free again, status rolled_back with the reason,
 * events telling the story); a worker killed mid-clone is replaced by
 * another that finishes the job with exactly one VM; 20 parallel orders get
 * 20 VMIDs and IPs; one Idempotency-Key sent 5 times at once makes one
 * server; a list of 500 servers costs one PVE request. */
#include "config.h"

#include <sys/wait.h>

#include "fixture.h"
#include "servers-util.h"

static char user[40], phone[12];

#define ORDER "{\"plan\":\"basic\",\"location\":\"seoul\",\"os_template\":\"ubuntu-24.04\"}"

/* Addresses allocated in the demo pool (other tests use their own pools). */
static long allocated(void)
{
	struct t_resp r;
	json_object *items, *v;
	long n = -1;
	size_t i;

	s_req(&r, NULL, "GET", "/admin/ip-pools", NULL, NULL);
	if (r.status == 200 && json_object_object_get_ex(r.json, "items", &items))
		for (i = 0; i < json_object_array_length(items); i++) {
			json_object *p = json_object_array_get_idx(items, i);

			if (json_object_object_get_ex(p, "name", &v) &&
			    !strcmp(json_object_get_string(v), "seoul-public") &&
			    json_object_object_get_ex(p, "allocated", &v))
				n = json_object_get_int64(v);
		}
	t_resp_free(&r);
	return n;
}

static void server(const char *sid, struct t_resp *r)
{
	char p[96];

	snprintf(p, sizeof(p), "/servers/%s", sid);
	s_req(r, user, "GET", p, NULL, NULL);
}

static void delete_server(const char *sid)
{
	struct t_resp r;
	char p[96], job[40], state[16];

	snprintf(p, sizeof(p), "/servers/%s", sid);
	s_req(&r, user, "DELETE", p, NULL, NULL);
	s_get(&r, "job_id", job, sizeof(job));
	t_resp_free(&r);
	if (job[0])
		s_wait_job(job, 30000, state);
}

/* Order with a fault armed; expect the job to end in want ("failed" or
 * "succeeded"), then check what is left. */
static void scenario(const char *name, const char *fault_path, const char *fault_json,
		     const char *want_job, const char *want_status)
{
	char sid[40], jid[40], state[16];
	struct t_resp r;
	long before = allocated();

	if (fault_path)
		ok(s_sim(fault_path, fault_json) < 300, "%s: fault armed", name);
	if (s_order(user, ORDER, sid, jid) != 202) {
		ok(0, "%s: order accepted", name);
		return;
	}
	s_wait_job(jid, 60000, state);
	is_str(state, want_job, "%s: the job %s", name, want_job);
	server(sid, &r);
	is_str(t_str(&r, "status"), want_status, "%s: server %s", name, want_status);
	if (!strcmp(want_status, "rolled_back")) {
		ok(t_str(&r, "status_reason") && *t_str(&r, "status_reason"), "%s: with the reason (%s)",
		   name, t_str(&r, "status_reason") ? t_str(&r, "status_reason") : "");
		t_resp_free(&r);
		is_int(s_sim_vms_of(sid), 0, "%s: no VM left in pve-sim", name);
		is_int(allocated(), before, "%s: the IP is free again", name);
		{
			char p[96];

			snprintf(p, sizeof(p), "/servers/%s/events", sid);
			s_req(&r, user, "GET", p, NULL, NULL);
			ok(r.body && strstr(r.body, "\"level\":\"error\"") && strstr(r.body, "rolled_back"),
			   "%s: the events tell the story", name);
			t_resp_free(&r);
		}
		delete_server(sid);
	} else {
		t_resp_free(&r);
		is_int(s_sim_vms_of(sid), 1, "%s: exactly one VM", name);
		delete_server(sid);
		is_int(s_sim_vms_of(sid), 0, "%s: deleted afterwards", name);
	}
	s_sim("/_sim/fault", "{\"clear\":true}");
}

static void rollbacks(void)
{
	scenario("nextid clash", "/_sim/fault",
		 "{\"method\":\"POST\",\"path\":\"/api2/json/nodes/*/qemu/*/clone\",\"count\":1,\"status\":500,"
		 "\"message\":\"unable to create VM 100: config file already exists\"}",
		 "succeeded", "active");
	scenario("clone fails synchronously", "/_sim/fault",
		 "{\"method\":\"POST\",\"path\":\"/api2/json/nodes/*/qemu/*/clone\",\"count\":1,\"status\":400,"
		 "\"message\":\"Parameter verification failed.\"}",
		 "failed", "rolled_back");
	scenario("clone task fails", "/_sim/task-fail",
		 "{\"type\":\"qmclone\",\"exitstatus\":\"clone failed: storage full\",\"count\":1}",
		 "failed", "rolled_back");
	scenario("config fails", "/_sim/fault",
		 "{\"method\":\"PUT\",\"path\":\"/api2/json/nodes/*/qemu/*/config\",\"count\":1,\"status\":400,"
		 "\"message\":\"Parameter verification failed.\"}",
		 "failed", "rolled_back");
	scenario("resize fails", "/_sim/fault",
		 "{\"method\":\"PUT\",\"path\":\"/api2/json/nodes/*/qemu/*/resize\",\"count\":5,\"status\":500,"
		 "\"message\":\"disk resize failed\"}",
		 "failed", "rolled_back");
	scenario("start task fails", "/_sim/task-fail",
		 "{\"type\":\"qmstart\",\"exitstatus\":\"start failed: QEMU exited with code 1\",\"count\":1}",
		 "failed", "rolled_back");
	scenario("agent never answers", "/_sim/agent", "{\"answer\":false}", "succeeded", "active");
	s_sim("/_sim/agent", "{\"answer\":true}");
}

/* The worker holding a clone is killed; another takes the job over when
 * the lease lapses and finishes it; exactly one VM exists. */
static void crash(void)
{
	char sid[40], jid[40], state[16], owner[64] = "", p[96];
	struct t_resp r;
	int i, n = 0;

	s_sim("/_sim/durations", "{\"qmclone\":3000}");
	if (s_order(user, ORDER, sid, jid) != 202) {
		ok(0, "crash: order accepted");
		return;
	}
	snprintf(p, sizeof(p), "/jobs/%s", jid);
	for (i = 0; i < 200 && !owner[0]; i++) {
		s_req(&r, NULL, "GET", p, NULL, NULL);
		if (t_str(&r, "upid") && t_str(&r, "step") && !strcmp(t_str(&r, "step"), "clone") &&
		    t_str(&r, "lease_owner"))
			snprintf(owner, sizeof(owner), "%s", t_str(&r, "lease_owner"));
		t_resp_free(&r);
		if (!owner[0])
			usleep(50000);
	}
	ok(owner[0] != '\0', "crash: a worker is waiting for the clone task (%s)", owner);
	if (sscanf(owner, "worker%d:", &n) == 1) {
		char cmd[32];

		snprintf(cmd, sizeof(cmd), "kill-worker %d", n);
		is_int(t_stack(cmd), 0, "crash: worker %d killed with SIGKILL", n);
	}
	s_wait_job(jid, 60000, state);
	is_str(state, "succeeded", "crash: another worker finished the job");
	s_req(&r, NULL, "GET", p, NULL, NULL);
	ok(t_str(&r, "lease_owner") == NULL || strcmp(t_str(&r, "lease_owner"), owner),
	   "crash: it was not the dead worker");
	t_resp_free(&r);
	is_int(s_sim_vms_of(sid), 1, "crash: exactly one VM exists");
	server(sid, &r);
	is_str(t_str(&r, "status"), "active", "crash: the server is active");
	t_resp_free(&r);
	s_sim("/_sim/durations", "{\"qmclone\":300}");
	if (n) {
		char cmd[32];

		snprintf(cmd, sizeof(cmd), "start-worker %d", n);
		t_stack(cmd);
	}
	delete_server(sid);
}

/* 20 orders at once from 5 users: 20 distinct VMIDs and IPs. */
static void parallel(void)
{
	char users[5][40], ph[12], sids[20][40], jids[20][40];
	int i, fds[20][2], fails = 0, distinct = 1;
	long vmid[20];
	char ip[20][48];
	pid_t pid[20];

	for (i = 0; i < 5; i++)
		if (!s_user(users[i], ph))
			return;
	for (i = 0; i < 20; i++) {
		if (pipe(fds[i]) != 0)
			return;
		pid[i] = fork();
		if (pid[i] == 0) {
			char out[80] = "";
			char s[40], j[40];

			close(fds[i][0]);
			t_after_fork();
			if (s_order(users[i % 5], ORDER, s, j) == 202)
				snprintf(out, sizeof(out), "%s %s", s, j);
			if (write(fds[i][1], out, sizeof(out)) != (ssize_t)sizeof(out))
				_exit(1);
			_exit(0);
		}
		close(fds[i][1]);
	}
	for (i = 0; i < 20; i++) {
		char out[80] = "";

		if (read(fds[i][0], out, sizeof(out)) != (ssize_t)sizeof(out) ||
		    sscanf(out, "%39s %39s", sids[i], jids[i]) != 2) {
			sids[i][0] = jids[i][0] = '\0';
			fails++;
		}
		close(fds[i][0]);
		waitpid(pid[i], NULL, 0);
	}
	is_int(fails, 0, "parallel: 20 orders from 5 users accepted");
	for (i = 0; i < 20; i++) {
		char state[16];
		struct t_resp r;
		char p[96];
		json_object *v;

		vmid[i] = 0;
		ip[i][0] = '\0';
		if (!jids[i][0])
			continue;
		s_wait_job(jids[i], 120000, state);
		if (strcmp(state, "succeeded"))
			fails++;
		snprintf(p, sizeof(p), "/servers/%.40s", sids[i]);
		s_req(&r, NULL, "GET", p, NULL, NULL);
		if (json_object_object_get_ex(r.json, "vmid", &v))
			vmid[i] = (long)json_object_get_int64(v);
		s_get(&r, "primary_ip", ip[i], sizeof(ip[i]));
		t_resp_free(&r);
	}
	is_int(fails, 0, "parallel: every job succeeded");
	for (i = 0; i < 20; i++) {
		int j;

		for (j = 0; j < i; j++)
			if (vmid[i] == vmid[j] || !strcmp(ip[i], ip[j]) || !vmid[i] || !ip[i][0])
				distinct = 0;
	}
	ok(distinct, "parallel: 20 distinct VMIDs and IPs");
	for (i = 0; i < 20; i++)
		if (sids[i][0]) {
			struct t_resp r;
			char p[96];

			snprintf(p, sizeof(p), "/servers/%.40s", sids[i]);
			s_req(&r, users[i % 5], "DELETE", p, NULL, NULL);
			if (r.status != 202)
				tap_diag("DELETE %s: %ld %.200s", sids[i], r.status, r.body);
			s_get(&r, "job_id", jids[i], sizeof(jids[i]));
			t_resp_free(&r);
		}
	for (i = 0; i < 20; i++)
		if (jids[i][0]) {
			char state[16];

			s_wait_job(jids[i], 120000, state);
			if (strcmp(state, "succeeded"))
				tap_diag("delete job of %s: %s", sids[i], state);
		}
	{
		int left = 0;

		for (i = 0; i < 20; i++) {
			int k = sids[i][0] ? s_sim_vms_of(sids[i]) : 0;

			if (k)
				tap_diag("server %s (VMID %ld) still has %d VM(s)", sids[i], vmid[i], k);
			left += k;
		}
		is_int(left, 0, "parallel: all 20 deleted, no VM left");
	}
}

/* One Idempotency-Key sent 5 times at once: one server. */
static void idempotent(void)
{
	char key[96], got[5][40];
	int fds[5][2], i, same = 1;
	pid_t pid[5];

	snprintf(key, sizeof(key), "Idempotency-Key: race-%s", user);
	for (i = 0; i < 5; i++) {
		if (pipe(fds[i]) != 0)
			return;
		pid[i] = fork();
		if (pid[i] == 0) {
			struct t_resp r;
			char out[40] = "";

			close(fds[i][0]);
			t_after_fork();
			s_req(&r, user, "POST", "/servers", ORDER, key);
			if (r.status == 202)
				s_get(&r, "id", out, sizeof(out));
			if (write(fds[i][1], out, sizeof(out)) != (ssize_t)sizeof(out))
				_exit(1);
			_exit(0);
		}
		close(fds[i][1]);
	}
	for (i = 0; i < 5; i++) {
		if (read(fds[i][0], got[i], sizeof(got[i])) != (ssize_t)sizeof(got[i]))
			got[i][0] = '\0';
		close(fds[i][0]);
		waitpid(pid[i], NULL, 0);
		if (!got[i][0] || strcmp(got[i], got[0]))
			same = 0;
	}
	ok(same, "idempotency: 5 parallel requests with one key answer one server (%s)", got[0]);
	{
		struct t_resp r;
		char p[128];

		snprintf(p, sizeof(p), "/admin/servers?owner_id=%s&status=provisioning", user);
		s_req(&r, NULL, "GET", p, NULL, NULL);
		if (r.json) {
			json_object *items;

			json_object_object_get_ex(r.json, "items", &items);
			ok(items && json_object_array_length(items) <= 1, "idempotency: one server was made");
		}
		t_resp_free(&r);
	}
	if (got[0][0]) {
		char state[16], jid[40];
		struct t_resp r;
		char p[96];

		snprintf(p, sizeof(p), "/servers/%s", got[0]);
		for (;;) {
			s_req(&r, user, "GET", p, NULL, NULL);
			if (!t_str(&r, "status") || strcmp(t_str(&r, "status"), "provisioning")) {
				t_resp_free(&r);
				break;
			}
			t_resp_free(&r);
			usleep(100000);
		}
		s_req(&r, user, "DELETE", p, NULL, NULL);
		s_get(&r, "job_id", jid, sizeof(jid));
		t_resp_free(&r);
		s_wait_job(jid, 30000, state);
	}
}

static long resources_calls(void)
{
	struct t_resp r;
	json_object *c, *v;
	long n = -1;

	setenv("VH_CA_OVERRIDE", t_env("VH_PVE_CA_FILE"), 1);
	t_request(&r, t_env("VH_PVE_URL"), "GET", "/_sim/state", NULL, NULL, NULL, 0);
	unsetenv("VH_CA_OVERRIDE");
	if (r.status == 200 && json_object_object_get_ex(r.json, "counters", &c))
		n = json_object_object_get_ex(c, "GET /api2/json/cluster/resources", &v)
			    ? (long)json_object_get_int64(v) : 0;
	t_resp_free(&r);
	return n;
}

/* 500 servers of one user on one host: reading them all is one PVE call. */
static void refresh_cost(void)
{
	static const char sql[] =
		"UPDATE servers SET proxmox_host_id = 'pve-sim', proxmox_node = 'pve1', vmid = ? "
		"WHERE id = ?";
	struct vh_db *db = fx_open_db();
	struct vh_pool *pool = vh_pool_new();
	char owner[40], ph[12], id[VH_UUID_LEN + 1], p[128];
	struct t_resp r;
	long before, after;
	int i, made = 0;

	if (!db || !s_user(owner, ph)) {
		ok(0, "refresh: setup");
		return;
	}
	for (i = 0; i < 500; i++) {
		struct vh_param prm[2];
		struct vh_err err;

		if (!fx_server(db, owner, id))
			break;
		prm[0] = vh_pint(800000 + i);
		prm[1] = vh_pstr(id);
		vh_err_clear(&err);
		if (vh_db_exec(db, pool, sql, prm, 2, 0, NULL, &err) == VH_OK)
			made++;
	}
	is_int(made, 500, "refresh: 500 servers on host pve-sim");
	sleep(3);   /* past STATUS_CACHE_SECONDS: the list must ask PVE */
	before = resources_calls();
	snprintf(p, sizeof(p), "/servers/user/%s?limit=1000", owner);
	s_req(&r, owner, "GET", p, NULL, NULL);
	t_status(&r, 200, "refresh: the list answers");
	{
		json_object *items;

		ok(json_object_object_get_ex(r.json, "items", &items) &&
		   json_object_array_length(items) == 500, "refresh: with all 500");
	}
	t_resp_free(&r);
	after = resources_calls();
	is_int(after - before, 1, "refresh: one /cluster/resources request for 500 servers");
	{
		/* They have no VMs: out of the way of later tests. */
		static const char sql_gone[] =
			"UPDATE servers SET status = 'deleted' WHERE owner_id = ?";
		struct vh_param prm[1] = {vh_pstr(owner)};
		struct vh_err err;

		vh_err_clear(&err);
		vh_db_exec(db, pool, sql_gone, prm, 1, 0, NULL, &err);
	}
	vh_pool_free(pool);
	vh_db_free(db);
}

int main(void)
{
	t_init();
	is_int(t_stack("start-sms-worker 3"), 0, "three workers");
	ok(s_user(user, phone), "a user");
	rollbacks();
	crash();
	parallel();
	idempotent();
	refresh_cost();
	t_done();
	return done_testing();
}
