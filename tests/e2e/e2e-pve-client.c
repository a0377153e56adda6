/* lib/pve*.c against pve-sim through nginx: every client function's
 * success path, every error kind produced for real or by fault injection
 * (a 401 answered by one re-login; an expired ticket; a proactive renewal;
 * locked; lock timeout; not running; already running; exists; not found;
 * a 400's parameter map; a failed task with its log tail; node offline 595;
 * 5xx; a timeout), TLS (the right pin works, a wrong pin fails closed
 * before a byte of HTTP, a CA file works, the system store refuses), and
 * keep-alive.
 *
 * Every check runs against pve-sim: nothing here skips itself when a
 * simulator feature is missing (a missing feature is a failure).
 *
 * With PVE_TEST_URL and credentials (PVE_TEST_TOKEN, or PVE_TEST_USER and
 * PVE_TEST_PASSWORD; PVE_TEST_FINGERPRINT or PVE_TEST_CA_FILE) the
 * read-only calls also run against that real PVE; PVE_TEST_DESTRUCTIVE=1
 * with PVE_TEST_TEMPLATE_VMID (and PVE_TEST_NODE) adds a clone, start, stop
 * and destroy. */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "pool.h"
#include "pve.h"

#define TEMPLATE 9000
#define WAIT_MS 15000

static struct vh_pool *pool;
static struct vh_pve_error pe;
static struct vh_err err;
static const char *N1 = "pve1", *N2 = "pve2";

static void skip(int n, const char *why)
{
	while (n-- > 0) {
		printf("ok %d # skip %s\n", ++tap_n, why);
		fflush(stdout);
	}
}

static long sim(const char *method, const char *path, const char *json)
{
	struct t_resp r;
	long status;

	t_request(&r, t_env("VH_PVE_URL"), method, path, NULL, json ? "application/json" : NULL,
		  json, json ? strlen(json) : 0);
	status = r.status;
	t_resp_free(&r);
	return status;
}

/* A request counter from /_sim/state ("GET /api2/json/version"). */
static long counter(const char *key)
{
	struct t_resp r;
	json_object *c, *v;
	long n = 0;

	t_request(&r, t_env("VH_PVE_URL"), "GET", "/_sim/state", NULL, NULL, NULL, 0);
	if (r.json && json_object_object_get_ex(r.json, "counters", &c) &&
	    json_object_object_get_ex(c, key, &v))
		n = (long)json_object_get_int64(v);
	t_resp_free(&r);
	return n;
}

enum how { PW_PIN, PW_CA, TOKEN_CA };

static struct vh_pve *client(enum how how, long timeout_ms, long renew_s)
{
	struct vh_pve_config c = {0};

	c.api_url = t_env("VH_PVE_URL");
	if (how == TOKEN_CA) {
		c.token = t_env("PVE_SIM_TOKEN");
	} else {
		c.username = "root@pam";
		c.password = t_env("PVE_SIM_PASSWORD");
	}
	if (how == PW_PIN)
		c.fingerprint = t_env("VH_PVE_FINGERPRINT");
	else
		c.ca_file = t_env("VH_PVE_CA_FILE");
	c.timeout_ms = timeout_ms;
	c.ticket_renew_s = renew_s;
	return vh_pve_new(&c);
}

static int wait_ok(struct vh_pve *pve, const char *upid, const char *what)
{
	enum vh_status st;

	if (!upid)
		return ok(0, "%s: no task to wait for", what);
	st = vh_pve_task_wait(pve, pool, upid, WAIT_MS, NULL, &pe, &err);
	return ok(st == VH_OK, "%s: task OK%s%s", what, st ? " - " : "", st ? pe.message : "");
}

static const char *jstr(json_object *o, const char *key)
{
	return json_object_get_string(json_object_object_get(o, key));
}

/* A fresh stopped VM cloned from the template, or 0. */
static long new_vm(struct vh_pve *pve, const char *name)
{
	struct vh_pve_clone_opts o = {name, 1, NULL, NULL, NULL, NULL};
	const char *upid = NULL;
	long id = 0;

	if (vh_pve_nextid(pve, pool, &id, &pe, &err) != VH_OK ||
	    vh_pve_clone(pve, pool, N1, TEMPLATE, id, &o, &upid, &pe, &err) != VH_OK ||
	    vh_pve_task_wait(pve, pool, upid, WAIT_MS, NULL, &pe, &err) != VH_OK) {
		ok(0, "clone a VM for %s: %s", name, pe.message);
		return 0;
	}
	return id;
}

static void destroy_vm(struct vh_pve *pve, const char *node, long id)
{
	const char *upid;

	if (id && vh_pve_destroy(pve, pool, node, id, &upid, &pe, &err) == VH_OK)
		vh_pve_task_wait(pve, pool, upid, WAIT_MS, NULL, &pe, &err);
}

/* ---- cluster reads, TLS, auth ------------------------------------------------------- */

static void reads(struct vh_pve *pve)
{
	json_object *d;
	long id;
	size_t i;
	int vm = 0, node = 0, other = 0;

	is_int(vh_pve_version(pve, pool, &d, &pe, &err), VH_OK, "version");
	is_str(jstr(d, "version"), "8.2.4", "version 8.2.4");
	is_int(vh_pve_nodes(pve, pool, &d, &pe, &err), VH_OK, "nodes");
	ok(json_object_array_length(d) == 2, "two nodes");
	is_int(vh_pve_resources(pve, pool, "vm", &d, &pe, &err), VH_OK, "resources?type=vm");
	for (i = 0; d && i < json_object_array_length(d); i++) {
		const char *type = jstr(json_object_array_get_idx(d, i), "type");

		vm += type && !strcmp(type, "qemu");
		other += !type || strcmp(type, "qemu");
	}
	ok(vm >= 1 && other == 0, "only qemu items (%d)", vm);
	is_int(vh_pve_resources(pve, pool, "node", &d, &pe, &err), VH_OK, "resources?type=node");
	for (i = 0; d && i < json_object_array_length(d); i++)
		node += !strcmp(jstr(json_object_array_get_idx(d, i), "type"), "node");
	is_int(node, 2, "two node items");
	is_int(vh_pve_resources(pve, pool, NULL, &d, &pe, &err), VH_OK, "all resources");
	is_int(vh_pve_nextid(pve, pool, &id, &pe, &err), VH_OK, "nextid (a string in PVE)");
	ok(id >= 100 && id != TEMPLATE, "a vmid: %ld", id);
	is_int(vh_pve_nextid_check(pve, pool, id, &pe, &err), VH_OK, "nextid?vmid=free: OK");
	is_int(vh_pve_nextid_check(pve, pool, TEMPLATE, &pe, &err), VH_CONFLICT,
	       "nextid?vmid=taken: conflict");
	is_str(vh_pve_kind_name(pe.kind), "exists", "as exists (%s)", pe.message);
	is_int(vh_pve_node_status(pve, pool, N1, &d, &pe, &err), VH_OK, "node status");
	ok(json_object_is_type(d, json_type_object), "an object");
	is_int(vh_pve_storage(pve, pool, N1, "images", &d, &pe, &err), VH_OK, "storage");
	ok(d && strstr(json_object_to_json_string(d), "local-lvm") &&
		   !strstr(json_object_to_json_string(d), "\"local\""),
	   "local-lvm listed, the iso-only local storage filtered out");
	is_int(vh_pve_pci(pve, pool, N1, &d, &pe, &err), VH_OK, "hardware/pci");
	ok(d && strstr(json_object_to_json_string(d), "0000:01:00.0") &&
		   strstr(json_object_to_json_string(d), "0000:02:00.0"),
	   "pve1's two GPUs");
}

static void tls_and_auth(void)
{
	struct vh_pve_config c = {0};
	struct vh_pve *p;
	json_object *d;
	char fp[128];
	long logins;

	/* The right pin, a CA file, a token: all work. */
	p = client(PW_PIN, 0, 0);
	is_int(vh_pve_version(p, pool, &d, &pe, &err), VH_OK, "password + pinned fingerprint");
	is_int(vh_pve_nodes(p, pool, &d, &pe, &err), VH_OK, "a second call");
	is_int(vh_pve_resources(p, pool, NULL, &d, &pe, &err), VH_OK, "a third call");
	is_int(vh_pve_connections(p), 1, "login and three calls over one connection (keep-alive)");
	vh_pve_free(p);
	p = client(PW_CA, 0, 0);
	is_int(vh_pve_version(p, pool, &d, &pe, &err), VH_OK, "password + CA file");
	vh_pve_free(p);
	p = client(TOKEN_CA, 0, 0);
	is_int(vh_pve_version(p, pool, &d, &pe, &err), VH_OK, "API token + CA file");
	vh_pve_free(p);

	/* A wrong pin: refused during the handshake, so not even the login
	 * (with the password) is sent. */
	snprintf(fp, sizeof(fp), "%s", t_env("VH_PVE_FINGERPRINT"));
	fp[0] = fp[0] == '0' ? '1' : '0';
	c.api_url = t_env("VH_PVE_URL");
	c.username = "root@pam";
	c.password = t_env("PVE_SIM_PASSWORD");
	c.fingerprint = fp;
	c.ca_file = t_env("VH_PVE_CA_FILE");   /* a valid CA does not rescue a wrong pin */
	logins = counter("POST /api2/json/access/ticket");
	p = vh_pve_new(&c);
	is_int(vh_pve_version(p, pool, &d, &pe, &err), VH_BADGATEWAY, "a wrong pin fails closed");
	is_str(vh_pve_kind_name(pe.kind), "tls_failed", "as a TLS failure (%s)", pe.message);
	is_int(counter("POST /api2/json/access/ticket"), logins, "nothing reached PVE");
	vh_pve_free(p);
	c.fingerprint = NULL;
	c.ca_file = NULL;
	p = vh_pve_new(&c);
	vh_pve_version(p, pool, &d, &pe, &err);
	is_str(vh_pve_kind_name(pe.kind), "tls_failed", "the system store refuses pve-sim's CA");
	vh_pve_free(p);

	/* Wrong credentials. */
	c.ca_file = t_env("VH_PVE_CA_FILE");
	c.password = "not-the-password";
	p = vh_pve_new(&c);
	is_int(vh_pve_version(p, pool, &d, &pe, &err), VH_BADGATEWAY, "a wrong password");
	is_str(vh_pve_kind_name(pe.kind), "auth_failed", "as auth failed (%s)", pe.message);
	ok(!strstr(pe.message, "not-the-password") && !strstr(err.detail, "not-the-password"),
	   "the password is in no message");
	vh_pve_free(p);
	c.username = c.password = NULL;
	c.token = vh_psprintf(pool, "%.*s=00000000-0000-0000-0000-000000000000",
			      (int)strcspn(t_env("PVE_SIM_TOKEN"), "="), t_env("PVE_SIM_TOKEN"));
	p = vh_pve_new(&c);
	vh_pve_version(p, pool, &d, &pe, &err);
	is_str(vh_pve_kind_name(pe.kind), "auth_failed", "a wrong token secret");
	vh_pve_free(p);
}

static void tickets(void)
{
	struct vh_pve *p = client(PW_CA, 0, 0), *q;
	json_object *d;
	long logins, calls;

	vh_pve_version(p, pool, &d, &pe, &err);
	logins = counter("POST /api2/json/access/ticket");
	is_int(vh_pve_version(p, pool, &d, &pe, &err), VH_OK, "the cached ticket is reused");
	is_int(counter("POST /api2/json/access/ticket"), logins, "no second login");
	/* 2 h (and PVE's 5 min for skew) later the ticket is refused: one 401, one login, one retry. */
	sim("POST", "/_sim/clock", "{\"advance_seconds\":7501}");
	calls = counter("GET /api2/json/version");
	is_int(vh_pve_version(p, pool, &d, &pe, &err), VH_OK, "an expired ticket is renewed");
	is_int(counter("POST /api2/json/access/ticket"), logins + 1, "by one login");
	is_int(counter("GET /api2/json/version"), calls + 2, "and the call retried once");
	sim("POST", "/_sim/fault", "{\"method\":\"GET\",\"path\":\"/api2/json/version\","
				   "\"count\":1,\"status\":401,"
				   "\"message\":\"permission denied - invalid PVE ticket\"}");
	logins = counter("POST /api2/json/access/ticket");
	is_int(vh_pve_version(p, pool, &d, &pe, &err), VH_OK, "an injected 401: re-login");
	is_int(counter("POST /api2/json/access/ticket"), logins + 1, "exactly once");
	sim("POST", "/_sim/fault", "{\"method\":\"GET\",\"path\":\"/api2/json/version\","
				   "\"count\":2,\"status\":401,"
				   "\"message\":\"permission denied - invalid PVE ticket\"}");
	logins = counter("POST /api2/json/access/ticket");
	is_int(vh_pve_version(p, pool, &d, &pe, &err), VH_BADGATEWAY,
	       "a 401 after the re-login is the answer");
	is_str(vh_pve_kind_name(pe.kind), "auth_failed", "auth failed");
	is_int(counter("POST /api2/json/access/ticket"), logins + 1, "no login loop");
	vh_pve_free(p);
	/* Renewal before expiry: a client told to renew after 1 s. */
	q = client(PW_CA, 0, 1);
	vh_pve_version(q, pool, &d, &pe, &err);
	logins = counter("POST /api2/json/access/ticket");
	usleep(1100 * 1000);
	is_int(vh_pve_version(q, pool, &d, &pe, &err), VH_OK, "a call after the renewal point");
	is_int(counter("POST /api2/json/access/ticket"), logins + 1, "logs in again first");
	vh_pve_free(q);
}

/* ---- VMs ------------------------------------------------------------------------------ */

static void config_calls(struct vh_pve *pve, long id)
{
	const char *form = NULL, *upid;
	json_object *d;
	size_t i;

	vh_pve_form_int(pool, &form, "cores", 2);
	vh_pve_form_add(pool, &form, "ipconfig0", "ip=203.0.113.10/24,gw=203.0.113.1");
	vh_pve_form_add(pool, &form, "description", "e2e + client & friends");
	vh_pve_form_sshkeys(pool, &form, "ssh-ed25519 AAAAC3Nz+/= e2e@test");
	is_int(vh_pve_config_set(pve, pool, N1, id, form, 0, &upid, &pe, &err), VH_OK,
	       "config PUT (sync): %s", pe.message);
	ok(upid == NULL, "no task");
	is_int(vh_pve_config_get(pve, pool, N1, id, &d, &pe, &err), VH_OK, "config get");
	is_str(jstr(d, "cores"), "2", "cores");
	is_str(jstr(d, "ipconfig0"), "ip=203.0.113.10/24,gw=203.0.113.1", "ipconfig0 intact");
	is_str(jstr(d, "description"), "e2e + client & friends", "'+' and '&' survive encoding");
	is_str(jstr(d, "sshkeys"), "ssh-ed25519%20AAAAC3Nz%2B%2F%3D%20e2e%40test",
	       "sshkeys stored URL-encoded, as PVE shows it");
	form = NULL;
	vh_pve_form_int(pool, &form, "memory", 4096);
	is_int(vh_pve_config_set(pve, pool, N1, id, form, 1, &upid, &pe, &err), VH_OK,
	       "config POST (async)");
	wait_ok(pve, upid, "async config");
	is_int(vh_pve_config_delete(pve, pool, N1, id, "ipconfig0", &pe, &err), VH_OK,
	       "delete a key");
	vh_pve_config_get(pve, pool, N1, id, &d, &pe, &err);
	ok(d && !json_object_object_get(d, "ipconfig0"), "ipconfig0 gone");
	is_str(jstr(d, "memory"), "4096", "memory set by the task");

	/* A 400 with its parameter map. */
	form = NULL;
	vh_pve_form_add(pool, &form, "colour", "red");
	vh_err_clear(&err);
	is_int(vh_pve_config_set(pve, pool, N1, id, form, 0, &upid, &pe, &err), VH_INVALID,
	       "an unknown key: invalid");
	is_str(vh_pve_kind_name(pe.kind), "bad_parameter", "bad parameter");
	ok(pe.nparams >= 1 && !strcmp(pe.params[0].name, "colour"), "params names colour");
	ok(err.nfields >= 1 && !strcmp(err.fields[0].field, "colour"), "and so does vh_err");
	is_int(vh_pve_pending(pve, pool, N1, id, &d, &pe, &err), VH_OK, "pending");
	for (i = 0; d && i < json_object_array_length(d); i++)
		if (!strcmp(jstr(json_object_array_get_idx(d, i), "key"), "cores"))
			break;
	ok(d && i < json_object_array_length(d), "lists cores");
	is_int(vh_pve_resize(pve, pool, N1, id, "scsi0", "+1G", &upid, &pe, &err), VH_OK,
	       "resize +1G");
	wait_ok(pve, upid, "resize");
	vh_pve_config_get(pve, pool, N1, id, &d, &pe, &err);
	ok(d && strstr(jstr(d, "scsi0"), "size=5G"), "scsi0 now 5G: %s", d ? jstr(d, "scsi0") : "");
	if (vh_pve_resize(pve, pool, N1, id, "scsi0", "1G", &upid, &pe, &err) == VH_OK)
		vh_pve_task_wait(pve, pool, upid, WAIT_MS, NULL, &pe, &err);
	ok(pe.kind != VH_PVE_OK && strstr(pe.message, "shrinking"), "no shrinking: %s",
	   pe.message);
}

static void power_calls(struct vh_pve *pve, long id)
{
	static const char *const cycle[] = {"suspend", "resume", "reboot", "reset"};
	const char *upid, *v4 = NULL, *v6 = NULL;
	struct vh_pve_task t;
	json_object *d;
	size_t i;
	int tries;

	is_int(vh_pve_vm_action(pve, pool, N1, id, "reboot", &upid, &pe, &err), VH_CONFLICT,
	       "reboot of a stopped VM: conflict");
	is_str(vh_pve_kind_name(pe.kind), "not_running", "not running (%s)", pe.message);
	is_int(vh_pve_vm_action(pve, pool, N1, id, "start", &upid, &pe, &err), VH_OK, "start");
	wait_ok(pve, upid, "start");
	is_int(vh_pve_vm_status(pve, pool, N1, id, &d, &pe, &err), VH_OK, "status/current");
	is_str(jstr(d, "status"), "running", "running");
	is_int(vh_pve_vm_action(pve, pool, N1, id, "start", &upid, &pe, &err), VH_OK,
	       "start again: PVE forks a task anyway");
	is_int(vh_pve_task_wait(pve, pool, upid, WAIT_MS, &t, &pe, &err), VH_CONFLICT,
	       "which fails: conflict");
	ok(pe.kind == VH_PVE_TASK_FAILED && pe.cause == VH_PVE_RUNNING,
	   "a task failure caused by 'already running' (%s)", pe.message);
	is_int(t.state, VH_PVE_TASK_ERROR, "task state error");
	is_int(vh_pve_destroy(pve, pool, N1, id, &upid, &pe, &err), VH_CONFLICT,
	       "destroy of a running VM: conflict");
	is_str(vh_pve_kind_name(pe.kind), "running", "as running");
	for (i = 0; i < sizeof(cycle) / sizeof(cycle[0]); i++) {
		is_int(vh_pve_vm_action(pve, pool, N1, id, cycle[i], &upid, &pe, &err), VH_OK,
		       "%s: %s", cycle[i], pe.message);
		wait_ok(pve, upid, cycle[i]);
	}
	/* The address appears some time after start. */
	for (tries = 0; tries < 40; tries++) {
		if (vh_pve_agent_ips(pve, pool, N1, id, &v4, &v6, &pe, &err) == VH_OK && v4)
			break;
		usleep(150 * 1000);
	}
	ok(v4 != NULL && strncmp(v4, "127.", 4) != 0, "agent: an IPv4 off loopback: %s",
	   v4 ? v4 : pe.message);
	is_int(vh_pve_agent_set_password(pve, pool, N1, id, "ubuntu", "Secret-e2e-pass1", &pe,
					 &err),
	       VH_OK, "agent set-user-password");
	sim("POST", "/_sim/agent", vh_psprintf(pool, "{\"vmid\":%ld,\"answer\":false}", id));
	vh_pve_agent_ips(pve, pool, N1, id, &v4, &v6, &pe, &err);
	is_str(vh_pve_kind_name(pe.kind), "no_agent", "an agent that does not answer (%s)",
	       pe.message);
	sim("POST", "/_sim/agent", vh_psprintf(pool, "{\"vmid\":%ld,\"answer\":true}", id));
	is_int(vh_pve_shutdown(pve, pool, N1, id, 30, true, &upid, &pe, &err), VH_OK,
	       "shutdown with timeout and forceStop");
	wait_ok(pve, upid, "shutdown");
	vh_pve_vm_status(pve, pool, N1, id, &d, &pe, &err);
	is_str(jstr(d, "status"), "stopped", "stopped");
	is_int(vh_pve_vm_action(pve, pool, N1, id, "stop", &upid, &pe, &err), VH_OK,
	       "stop a stopped VM");
	wait_ok(pve, upid, "stop of a stopped VM ends OK");
	is_int(vh_pve_task_status(pve, pool, upid, &t, &pe, &err), VH_OK, "task status");
	ok(t.state == VH_PVE_TASK_OK && !strcmp(t.exitstatus, "OK"), "stopped, exitstatus OK");
}

static void snapshot_calls(struct vh_pve *pve, long id)
{
	const char *upid;
	json_object *d;
	size_t i;
	int found = 0;

	is_int(vh_pve_snapshot_create(pve, pool, N1, id, "before", "e2e snapshot", false, &upid,
				      &pe, &err),
	       VH_OK, "snapshot create");
	wait_ok(pve, upid, "snapshot");
	is_int(vh_pve_snapshots(pve, pool, N1, id, &d, &pe, &err), VH_OK, "snapshot list");
	for (i = 0; d && i < json_object_array_length(d); i++) {
		found += !strcmp(jstr(json_object_array_get_idx(d, i), "name"), "before");
		ok(strcmp(jstr(json_object_array_get_idx(d, i), "name"), "current") != 0,
		   "no 'current' entry");
	}
	is_int(found, 1, "the snapshot is listed");
	vh_pve_snapshot_create(pve, pool, N1, id, "before", NULL, false, &upid, &pe, &err);
	if (upid)
		vh_pve_task_wait(pve, pool, upid, WAIT_MS, NULL, &pe, &err);
	ok(pe.kind == VH_PVE_EXISTS || pe.cause == VH_PVE_EXISTS, "a taken name: exists (%s)",
	   pe.message);
	is_int(vh_pve_snapshot_rollback(pve, pool, N1, id, "before", &upid, &pe, &err), VH_OK,
	       "rollback");
	wait_ok(pve, upid, "rollback");
	is_int(vh_pve_snapshot_delete(pve, pool, N1, id, "before", &upid, &pe, &err), VH_OK,
	       "delete snapshot");
	wait_ok(pve, upid, "delete snapshot");
	vh_pve_snapshot_rollback(pve, pool, N1, id, "before", &upid, &pe, &err);
	if (upid)
		vh_pve_task_wait(pve, pool, upid, WAIT_MS, NULL, &pe, &err);
	ok(pe.kind == VH_PVE_NOTFOUND || pe.cause == VH_PVE_NOTFOUND,
	   "rollback to a deleted snapshot: not found (%s)", pe.message);
}

static void create_migrate_template(struct vh_pve *pve)
{
	const char *form = NULL, *upid;
	json_object *d;
	long id;

	vh_pve_nextid(pve, pool, &id, &pe, &err);
	vh_pve_form_add(pool, &form, "name", "e2e-created");
	vh_pve_form_int(pool, &form, "memory", 1024);
	vh_pve_form_add(pool, &form, "scsi0", "local-lvm:2");
	vh_pve_form_add(pool, &form, "net0", "virtio,bridge=vmbr0");
	vh_pve_form_bool(pool, &form, "agent", true);
	is_int(vh_pve_create(pve, pool, N2, id, form, &upid, &pe, &err), VH_OK, "create on pve2: %s",
	       pe.message);
	ok(upid != NULL, "a task");
	wait_ok(pve, upid, "create");
	is_int(vh_pve_create(pve, pool, N2, id, form, &upid, &pe, &err), VH_CONFLICT,
	       "create onto a taken vmid: conflict");
	is_str(vh_pve_kind_name(pe.kind), "exists", "exists (%s)", pe.message);
	is_int(vh_pve_migrate(pve, pool, N2, id, N1, false, &upid, &pe, &err), VH_OK,
	       "migrate offline to pve1");
	wait_ok(pve, upid, "migrate");
	is_int(vh_pve_vm_status(pve, pool, N1, id, &d, &pe, &err), VH_OK, "now on pve1");
	destroy_vm(pve, N1, id);
	vh_pve_nextid(pve, pool, &id, &pe, &err);
	vh_pve_create(pve, pool, N2, id, form, &upid, &pe, &err);
	vh_pve_task_wait(pve, pool, upid, WAIT_MS, NULL, &pe, &err);
	is_int(vh_pve_template(pve, pool, N2, id, &upid, &pe, &err), VH_OK, "template");
	wait_ok(pve, upid, "template");
	vh_pve_config_get(pve, pool, N2, id, &d, &pe, &err);
	is_str(jstr(d, "template"), "1", "config says template: 1");
	destroy_vm(pve, N2, id);
	is_int(vh_pve_vm_status(pve, pool, N2, id, &d, &pe, &err), VH_NOTFOUND,
	       "a destroyed VM: not found");
	ok(strstr(pe.message, "does not exist") != NULL, "PVE's words kept: %s", pe.message);
}

/* Error kinds that need pve-sim's help: locks, a failed task, a node down,
 * 5xx, latency. */
static void injected(struct vh_pve *pve, long id)
{
	struct vh_pve_clone_opts o = {"e2e-locked", 1, NULL, NULL, NULL, NULL};
	const char *upid, *form = NULL;
	json_object *d;
	long nid = 0;
	enum vh_status st;

	/* A VM being cloned is locked until its task ends. */
	vh_pve_nextid(pve, pool, &nid, &pe, &err);
	sim("POST", "/_sim/durations", "{\"qmclone\":1500}");
	is_int(vh_pve_clone(pve, pool, N1, TEMPLATE, nid, &o, &upid, &pe, &err), VH_OK, "clone");
	vh_pve_form_int(pool, &form, "cores", 2);
	is_int(vh_pve_config_set(pve, pool, N1, nid, form, 0, &upid, &pe, &err), VH_TRANSIENT,
	       "config of a VM being cloned: transient");
	is_str(vh_pve_kind_name(pe.kind), "locked", "locked (%s)", pe.message);
	vh_pve_clone(pve, pool, N1, TEMPLATE, nid, &o, &upid, &pe, &err);
	is_str(vh_pve_kind_name(pe.kind), "exists", "a clone onto it: exists (%s)", pe.message);
	sim("POST", "/_sim/durations", "{\"qmclone\":200}");

	/* A task that fails, with its log tail. */
	sim("POST", "/_sim/task-fail",
	    "{\"type\":\"qmconfig\",\"exitstatus\":\"can't lock file "
	    "'/var/lock/qemu-server/lock-999.conf' - got timeout\",\"count\":1}");
	form = NULL;
	vh_pve_form_int(pool, &form, "cores", 3);
	vh_pve_config_set(pve, pool, N1, id, form, 1, &upid, &pe, &err);
	st = vh_pve_task_wait(pve, pool, upid, WAIT_MS, NULL, &pe, &err);
	is_int(st, VH_TRANSIENT, "a task lost to a lock timeout: transient");
	ok(pe.kind == VH_PVE_TASK_FAILED && pe.cause == VH_PVE_LOCK_TIMEOUT,
	   "task failed, cause lock timeout (%s)", pe.message);
	sim("POST", "/_sim/task-fail",
	    "{\"type\":\"qmconfig\",\"exitstatus\":\"update failed: storage full\",\"count\":1}");
	vh_pve_config_set(pve, pool, N1, id, form, 1, &upid, &pe, &err);
	st = vh_pve_task_wait(pve, pool, upid, WAIT_MS, NULL, &pe, &err);
	is_int(st, VH_BADGATEWAY, "a task that fails: bad gateway");
	is_str(pe.message, "update failed: storage full", "with its exitstatus");
	is_str(err.code, "pve_task_failed", "code pve_task_failed");
	{
		long total = 0;
		json_object *lines;

		ok(strstr(pe.log_tail, "TASK ERROR: update failed: storage full") != NULL,
		   "and the log tail ends in TASK ERROR: %s", pe.log_tail);
		is_int(vh_pve_task_log(pve, pool, upid, 0, 50, &lines, &total, &pe, &err), VH_OK,
		       "task log (total %ld)", total);
	}
	destroy_vm(pve, N1, nid);

	sim("POST", "/_sim/fault",
	    vh_psprintf(pool, "{\"method\":\"PUT\",\"path\":\"/api2/json/nodes/pve1/qemu/*/config\","
			"\"count\":1,\"status\":500,\"message\":\"can't lock file "
			"'/var/lock/qemu-server/lock-%ld.conf' - got timeout\"}", id));
	is_int(vh_pve_config_set(pve, pool, N1, id, form, 0, &upid, &pe, &err), VH_TRANSIENT,
	       "a lock timeout: transient");
	is_str(vh_pve_kind_name(pe.kind), "lock_timeout", "lock timeout (%s)", pe.message);
	sim("POST", "/_sim/fault", "{\"method\":\"GET\",\"path\":\"/api2/json/version\","
				   "\"count\":1,\"status\":500,\"message\":\"internal error\"}");
	is_int(vh_pve_version(pve, pool, &d, &pe, &err), VH_TRANSIENT, "a 500: transient");
	is_int(pe.http_status, 500, "status kept");
	/* A status poll that fails once does not fail the wait. */
	vh_pve_vm_action(pve, pool, N1, id, "stop", &upid, &pe, &err);
	sim("POST", "/_sim/fault", "{\"method\":\"GET\",\"path\":"
				   "\"/api2/json/nodes/pve1/tasks/*/status\",\"count\":1,"
				   "\"status\":500,\"message\":\"proxy hiccup\"}");
	wait_ok(pve, upid, "a poll failing once");
	/* A secret quoted back in an error is masked. */
	sim("POST", "/_sim/fault",
	    "{\"method\":\"POST\",\"path\":\"/api2/json/nodes/pve1/qemu/*/agent/set-user-password\","
	    "\"count\":1,\"status\":500,\"message\":\"bad password 'Very-Secret-42'\"}");
	vh_pve_agent_set_password(pve, pool, N1, id, "root", "Very-Secret-42", &pe, &err);
	ok(pe.kind != VH_PVE_OK && !strstr(pe.message, "Very-Secret-42") &&
		   !strstr(err.detail, "Very-Secret-42"),
	   "a password quoted by PVE is masked: %s", pe.message);
	sim("POST", "/_sim/fault", "{\"method\":\"GET\",\"path\":\"/api2/json/nodes/pve1/qemu/*/"
				   "status/current\",\"count\":1,\"status\":596,\"message\":\"\"}");
	is_int(vh_pve_vm_status(pve, pool, N1, id, &d, &pe, &err), VH_TRANSIENT,
	       "a 596: transient");
	is_str(vh_pve_kind_name(pe.kind), "unreachable", "unreachable");
	sim("POST", "/_sim/node", "{\"node\":\"pve2\",\"online\":false}");
	is_int(vh_pve_storage(pve, pool, N2, NULL, &d, &pe, &err), VH_TRANSIENT,
	       "a call to an offline node: transient");
	ok(pe.kind == VH_PVE_UNREACHABLE && pe.http_status == 595, "unreachable, 595 (%s)",
	   pe.message);
	sim("POST", "/_sim/node", "{\"node\":\"pve2\",\"online\":true}");
	is_int(vh_pve_storage(pve, pool, N2, NULL, &d, &pe, &err), VH_OK, "back online");
	{
		struct vh_pve *slow = client(PW_CA, 700, 0);

		vh_pve_version(slow, pool, &d, &pe, &err);
		sim("POST", "/_sim/latency", "{\"method\":\"GET\",\"path\":\"/api2/json/version\","
					     "\"ms\":1200,\"count\":1}");
		is_int(vh_pve_version(slow, pool, &d, &pe, &err), VH_TRANSIENT,
		       "no answer within the timeout: transient");
		is_str(vh_pve_kind_name(pe.kind), "timeout", "timeout (%s)", pe.message);
		vh_pve_free(slow);
	}
}

static void against_sim(void)
{
	struct vh_pve *pve;
	json_object *d;
	long id;

	sim("POST", "/_sim/reset", NULL);
	sim("POST", "/_sim/durations", "{\"default\":100,\"qmclone\":200}");
	tls_and_auth();
	tickets();
	pve = client(PW_PIN, 0, 0);
	reads(pve);
	id = new_vm(pve, "e2e-client");
	if (!id)
		return;
	is_int(vh_pve_vm_status(pve, pool, N1, id, &d, &pe, &err), VH_OK, "cloned");
	config_calls(pve, id);
	snapshot_calls(pve, id);
	power_calls(pve, id);
	create_migrate_template(pve);
	injected(pve, id);
	destroy_vm(pve, N1, id);
	vh_pve_free(pve);
	sim("POST", "/_sim/reset", NULL);
}

/* ---- a real PVE, when one is configured ---------------------------------------------- */

static void against_real(void)
{
	struct vh_pve_config c = {0};
	struct vh_pve *pve;
	json_object *d, *n;
	const char *node, *upid, *env;
	long id, tpl;

	c.api_url = getenv("PVE_TEST_URL");
	c.token = getenv("PVE_TEST_TOKEN");
	c.username = getenv("PVE_TEST_USER");
	c.password = getenv("PVE_TEST_PASSWORD");
	c.fingerprint = getenv("PVE_TEST_FINGERPRINT");
	c.ca_file = getenv("PVE_TEST_CA_FILE");
	if (!c.api_url || !(c.token || (c.username && c.password))) {
		skip(1, "no real PVE: set PVE_TEST_URL and PVE_TEST_TOKEN or "
			"PVE_TEST_USER/PVE_TEST_PASSWORD to run these against one");
		return;
	}
	pve = vh_pve_new(&c);
	is_int(vh_pve_version(pve, pool, &d, &pe, &err), VH_OK, "real PVE: version %s",
	       d ? jstr(d, "version") : pe.message);
	is_int(vh_pve_nodes(pve, pool, &d, &pe, &err), VH_OK, "real PVE: nodes");
	n = d ? json_object_array_get_idx(d, 0) : NULL;
	node = getenv("PVE_TEST_NODE") ? getenv("PVE_TEST_NODE") : n ? jstr(n, "node") : "pve";
	is_int(vh_pve_resources(pve, pool, "vm", &d, &pe, &err), VH_OK, "real PVE: resources");
	is_int(vh_pve_nextid(pve, pool, &id, &pe, &err), VH_OK, "real PVE: nextid %ld", id);
	is_int(vh_pve_node_status(pve, pool, node, &d, &pe, &err), VH_OK, "real PVE: node status");
	is_int(vh_pve_storage(pve, pool, node, NULL, &d, &pe, &err), VH_OK, "real PVE: storage");
	is_int(vh_pve_pci(pve, pool, node, &d, &pe, &err), VH_OK, "real PVE: hardware/pci");
	vh_pve_vm_status(pve, pool, node, 999999999, &d, &pe, &err);
	is_str(vh_pve_kind_name(pe.kind), "not_found", "real PVE: a missing VM (%s)", pe.message);
	env = getenv("PVE_TEST_TEMPLATE_VMID");
	tpl = env ? atol(env) : 0;
	if (!getenv("PVE_TEST_DESTRUCTIVE") || strcmp(getenv("PVE_TEST_DESTRUCTIVE"), "1") || !tpl) {
		skip(1, "real PVE: destructive tests need PVE_TEST_DESTRUCTIVE=1 and "
			"PVE_TEST_TEMPLATE_VMID");
	} else {
		struct vh_pve_clone_opts o = {"vibehost-e2e", -1, NULL, NULL, NULL, NULL};

		is_int(vh_pve_clone(pve, pool, node, tpl, id, &o, &upid, &pe, &err), VH_OK,
		       "real PVE: clone %ld", tpl);
		wait_ok(pve, upid, "real PVE: clone");
		is_int(vh_pve_vm_action(pve, pool, node, id, "start", &upid, &pe, &err), VH_OK,
		       "real PVE: start");
		wait_ok(pve, upid, "real PVE: start");
		is_int(vh_pve_vm_action(pve, pool, node, id, "stop", &upid, &pe, &err), VH_OK,
		       "real PVE: stop");
		wait_ok(pve, upid, "real PVE: stop");
		destroy_vm(pve, node, id);
		vh_pve_vm_status(pve, pool, node, id, &d, &pe, &err);
		is_str(vh_pve_kind_name(pe.kind), "not_found", "real PVE: destroyed");
	}
	vh_pve_free(pve);
}

int main(void)
{
	t_init();
	pool = vh_pool_new();
	vh_err_clear(&err);
	/* The harness trusts the stack's CA; pve-sim has its own. */
	setenv("VH_CA_OVERRIDE", t_env("VH_PVE_CA_FILE"), 1);
	if (t_env("VH_PVE_URL") && t_env("PVE_SIM_PASSWORD") && t_env("PVE_SIM_TOKEN"))
		against_sim();
	else
		ok(0, "the stack runs pve-sim (VH_PVE_URL, PVE_SIM_PASSWORD, PVE_SIM_TOKEN)");
	against_real();
	vh_pve_cache_clear();
	vh_pool_free(pool);
	unsetenv("VH_CA_OVERRIDE");
	t_done();
	return done_testing();
}
