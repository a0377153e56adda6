/* pve-sim: the guest agent, snapshots and task status/log
 * (research/pve-api.md sections 4 and 5).
 *
 * The agent answers network-get-interfaces in PVE's shape once the VM runs
 * and has an agent configured; its IPv4 address appears ip_delay_ms
 * (simulated) after start: the static address of ipconfig0 when it has
 * one, else a DHCP-like address unique to the VM.  /_sim/agent makes it
 * silent for one VM or all ("QEMU guest agent is not running").
 *
 * Snapshots hold a copy of the config; create, rollback and delete are
 * tasks that hold the locks "snapshot", "rollback" and "snapshot-delete"
 * while they run. */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "json.h"
#include "pool.h"
#include "pve-sim.h"

#define QEMU "/api2/json/nodes/{node}/qemu"

static json_object *agent_conf;   /* {"silent":{vmid:true}, "all_silent":bool, "ip_delay_ms":N} */

void pve_guest_reset(void)
{
	json_object_put(agent_conf);
	agent_conf = json_object_new_object();
	json_object_object_add(agent_conf, "silent", json_object_new_object());
	json_object_object_add(agent_conf, "all_silent", json_object_new_boolean(0));
	json_object_object_add(agent_conf, "ip_delay_ms", json_object_new_int(PVE_DEFAULT_IP_DELAY_MS));
}

void pve_guest_free(void)
{
	json_object_put(agent_conf);
	agent_conf = NULL;
}

json_object *pve_agent_state(void)
{
	return json_object_get(agent_conf);
}

bool pve_agent_answers(const struct pve_vm *v)
{
	char key[24];

	snprintf(key, sizeof(key), "%ld", v->vmid);
	return !json_object_get_boolean(json_object_object_get(agent_conf, "all_silent")) &&
	       !json_object_object_get(json_object_object_get(agent_conf, "silent"), key);
}

enum vh_status pve_sim_agent(struct vh_req *req, struct vh_err *err)
{
	json_object *body, *vmid, *answer, *delay;
	enum vh_status st = vh_req_json(req, &body, err);

	if (st != VH_OK)
		return st;
	if (json_object_object_get_ex(body, "ip_delay_ms", &delay)) {
		if (!json_object_is_type(delay, json_type_int) || json_object_get_int(delay) < 0)
			return vh_fail(err, VH_INVALID, "bad_request", "ip_delay_ms is milliseconds");
		json_object_object_add(agent_conf, "ip_delay_ms", json_object_get(delay));
	}
	if (json_object_object_get_ex(body, "answer", &answer)) {
		bool on = json_object_get_boolean(answer);

		if (json_object_object_get_ex(body, "vmid", &vmid) && json_object_is_type(vmid, json_type_int)) {
			const char *key = json_object_get_string(vmid);
			json_object *silent = json_object_object_get(agent_conf, "silent");

			if (on)
				json_object_object_del(silent, key);
			else
				json_object_object_add(silent, key, json_object_new_boolean(1));
		} else {
			json_object_object_add(agent_conf, "all_silent", json_object_new_boolean(!on));
			if (on)
				json_object_object_add(agent_conf, "silent", json_object_new_object());
		}
	}
	vh_resp_json(req, 200, agent_conf);
	return VH_OK;
}

/* ---- the agent ------------------------------------------------------------ */

/* VH_OK when the agent of a loaded VM would answer; else the 500 has been
 * answered. */
static enum vh_status agent_ready(struct vh_req *req, struct pve_vm **v)
{
	long vmid;

	if (!(*v = pve_vm_load(req, &vmid)))
		return VH_NOTFOUND;
	if (!pve_agent_enabled(*v)) {
		pve_fail(req, 500, "No QEMU guest agent configured");
		return VH_CONFLICT;
	}
	if (!(*v)->running) {
		pve_fail(req, 500, vh_psprintf(req->pool, "VM %ld is not running", vmid));
		return VH_CONFLICT;
	}
	if (!pve_agent_answers(*v) || (*v)->paused) {
		pve_fail(req, 500, "QEMU guest agent is not running");
		return VH_CONFLICT;
	}
	return VH_OK;
}

static json_object *ip(const char *addr, const char *type, int prefix)
{
	json_object *o = json_object_new_object();

	vh_json_add_str(o, "ip-address", addr);
	vh_json_add_str(o, "ip-address-type", type);
	vh_json_add_int(o, "prefix", prefix);
	return o;
}

static json_object *nic(const char *name, const char *mac, json_object *ips)
{
	json_object *o = json_object_new_object(), *s = json_object_new_object();

	vh_json_add_str(o, "name", name);
	vh_json_add_str(o, "hardware-address", mac);
	json_object_object_add(o, "ip-addresses", ips);
	vh_json_add_int(s, "rx-bytes", 123456);
	vh_json_add_int(s, "rx-dropped", 0);
	vh_json_add_int(s, "rx-errs", 0);
	vh_json_add_int(s, "rx-packets", 1234);
	vh_json_add_int(s, "tx-bytes", 65432);
	vh_json_add_int(s, "tx-dropped", 0);
	vh_json_add_int(s, "tx-errs", 0);
	vh_json_add_int(s, "tx-packets", 876);
	json_object_object_add(o, "statistics", s);
	return o;
}

/* The guest's IPv4 address: ipconfig0's static one, else a DHCP lease. */
static const char *guest_ipv4(struct vh_pool *pool, const struct pve_vm *v, int *prefix)
{
	json_object *c;
	const char *ipc = json_object_object_get_ex(v->config, "ipconfig0", &c) ? json_object_get_string(c) : NULL;
	const char *p = ipc ? strstr(ipc, "ip=") : NULL;

	if (p && (p == ipc || p[-1] == ',') && strncmp(p + 3, "dhcp", 4) != 0) {
		size_t n = strcspn(p + 3, "/,");

		*prefix = p[3 + n] == '/' ? atoi(p + 4 + n) : 24;
		return vh_pstrndup(pool, p + 3, n);
	}
	*prefix = 16;
	return vh_psprintf(pool, "10.20.%ld.%ld", (v->seq / 250) % 256, v->seq % 250 + 2);
}

static enum vh_status agent_interfaces(struct vh_req *req, struct vh_err *err)
{
	struct pve_vm *v;
	json_object *res, *arr, *ips, *c;
	const char *net0, *mac = "bc:24:11:00:00:01";
	long long delay = json_object_get_int64(json_object_object_get(agent_conf, "ip_delay_ms"));
	int prefix = 24;

	(void)err;
	if (agent_ready(req, &v) != VH_OK)
		return VH_OK;
	net0 = json_object_object_get_ex(v->config, "net0", &c) ? json_object_get_string(c) : NULL;
	if (net0 && strchr(net0, '=') && strcspn(net0, "=") < strcspn(net0, ",")) {
		char *m = vh_pstrndup(req->pool, net0 + strcspn(net0, "=") + 1, 17), *p;

		for (p = m; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		mac = m;
	}
	arr = json_object_new_array();
	ips = json_object_new_array();
	json_object_array_add(ips, ip("127.0.0.1", "ipv4", 8));
	json_object_array_add(ips, ip("::1", "ipv6", 128));
	json_object_array_add(arr, nic("lo", "00:00:00:00:00:00", ips));
	ips = json_object_new_array();
	if (pve_now_ms() - v->started_ms >= delay) {
		json_object_array_add(ips, ip(guest_ipv4(req->pool, v, &prefix), "ipv4", prefix));
		json_object_array_add(ips, ip(vh_psprintf(req->pool, "2001:db8::%lx", v->vmid), "ipv6", 64));
	}
	json_object_array_add(ips, ip(vh_psprintf(req->pool, "fe80::be24:11ff:fe00:%lx", v->vmid & 0xffff),
				      "ipv6", 64));
	json_object_array_add(arr, nic("eth0", mac, ips));
	res = json_object_new_object();
	json_object_object_add(res, "result", arr);
	return pve_answer(req, res);
}

static enum vh_status agent_set_password(struct vh_req *req, struct vh_err *err)
{
	struct pve_vm *v;
	const char *pw = pve_arg(req, "password");
	json_object *res;

	(void)err;
	if (strlen(pw) < 5 || strlen(pw) > 1024)
		return pve_param_fail(req, "password", strlen(pw) < 5 ? "value must be at least 5 characters long"
								     : "value may only be 1024 characters long");
	if (agent_ready(req, &v) != VH_OK)
		return VH_OK;
	/* Only the user name is kept: the state never shows a password. */
	json_object_object_add(v->agent_users, pve_arg(req, "username"), json_object_new_boolean(1));
	res = json_object_new_object();
	json_object_object_add(res, "result", json_object_new_object());
	return pve_answer(req, res);
}

/* ---- snapshots ---------------------------------------------------------------- */

static bool snapname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 40 || !(*s >= 'a' && *s <= 'z'))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static enum vh_status snapshot_list(struct vh_req *req, struct vh_err *err)
{
	struct pve_vm *v;
	long vmid;
	json_object *arr, *cur;

	(void)err;
	if (!(v = pve_vm_load(req, &vmid)))
		return VH_OK;
	arr = json_object_new_array();
	json_object_object_foreach(v->snapshots, k, s) {
		json_object *o = json_object_new_object(), *p;

		vh_json_add_str(o, "name", k);
		json_object_object_add(o, "snaptime", json_object_get(json_object_object_get(s, "snaptime")));
		json_object_object_add(o, "description", json_object_get(json_object_object_get(s, "description")));
		json_object_object_add(o, "vmstate", json_object_get(json_object_object_get(s, "vmstate")));
		if (json_object_object_get_ex(s, "parent", &p))
			json_object_object_add(o, "parent", json_object_get(p));
		json_object_array_add(arr, o);
	}
	cur = json_object_new_object();
	vh_json_add_str(cur, "name", "current");
	vh_json_add_str(cur, "description", "You are here!");
	vh_json_add_int(cur, "running", v->running ? 1 : 0);
	if (v->parent[0])
		vh_json_add_str(cur, "parent", v->parent);
	vh_json_add_str(cur, "digest", pve_vm_digest(req->pool, v));
	json_object_array_add(arr, cur);
	return pve_answer(req, arr);
}

/* Can every disk of v be snapshotted?  Storage says so in the cluster
 * file ("snapshots": false for plain LVM or raw files). */
static bool snapshots_supported(const struct pve_vm *v)
{
	json_object_object_foreach(v->config, k, val) {
		const char *s = json_object_get_string(val);
		char st[64];
		json_object *sto, *flag;

		if (!(isalpha((unsigned char)k[0]) && strpbrk(k, "0123456789")) || strstr(s, "media=cdrom") ||
		    !strchr(s, ':') || (strncmp(k, "scsi", 4) && strncmp(k, "virtio", 6) &&
					 strncmp(k, "sata", 4) && strncmp(k, "ide", 3)))
			continue;
		snprintf(st, sizeof(st), "%.*s", (int)strcspn(s, ":"), s);
		sto = pve_storage(v->node, st);
		if (sto && json_object_object_get_ex(sto, "snapshots", &flag) && !json_object_get_boolean(flag))
			return false;
	}
	return true;
}

static enum vh_status snapshot_create(struct vh_req *req, struct vh_err *err)
{
	struct pve_vm *v;
	long vmid;
	const char *name = pve_arg(req, "snapname");
	json_object *args;
	struct pve_task *t;

	(void)err;
	if (!snapname_ok(name))
		return pve_param_fail(req, "snapname", vh_psprintf(req->pool, "invalid format - invalid "
						"configuration ID '%s'", name));
	if (!(v = pve_vm_load(req, &vmid)))
		return VH_OK;
	if (!strcmp(name, "current") || !strcmp(name, "pending"))
		return pve_fail(req, 500, vh_psprintf(req->pool, "unable to use snapshot name '%s' (reserved "
						      "name)", name));
	if (v->lock[0])
		return pve_fail(req, 500, vh_psprintf(req->pool, "VM is locked (%s)", v->lock));
	if (json_object_object_get(v->snapshots, name))
		return pve_fail(req, 500, vh_psprintf(req->pool, "snapshot name '%s' already used", name));
	if (!snapshots_supported(v))
		return pve_fail(req, 500, "snapshot feature is not available");
	args = json_object_new_object();
	vh_json_add_str(args, "name", name);
	vh_json_add_str(args, "description", pve_arg(req, "description") ? pve_arg(req, "description") : "");
	json_object_object_add(args, "vmstate", json_object_new_int(
		pve_arg_bool(req, "vmstate", false) && v->running ? 1 : 0));
	snprintf(v->lock, sizeof(v->lock), "snapshot");
	t = pve_task_start(req, v->node, "qmsnapshot", vmid, vmid, FX_SNAPSHOT, NULL, args);
	snprintf(t->prop_lock, sizeof(t->prop_lock), "snapshot");
	return pve_answer_task(req, t);
}

/* rollback and delete: the snapshot must exist and the VM be free. */
static enum vh_status snapshot_change(struct vh_req *req, bool rollback)
{
	struct pve_vm *v;
	long vmid;
	const char *name = vh_req_param(req, "snapname");
	const char *lock = rollback ? "rollback" : "snapshot-delete";
	json_object *args;
	struct pve_task *t;

	if (!(v = pve_vm_load(req, &vmid)))
		return VH_OK;
	if (!json_object_object_get(v->snapshots, name))
		return pve_fail(req, 500, vh_psprintf(req->pool, "snapshot '%s' does not exist", name));
	if (v->lock[0] && !(!rollback && pve_arg_bool(req, "force", false)))
		return pve_fail(req, 500, vh_psprintf(req->pool, "VM is locked (%s)", v->lock));
	args = json_object_new_object();
	vh_json_add_str(args, "name", name);
	json_object_object_add(args, "start", json_object_new_boolean(pve_arg_bool(req, "start", false)));
	snprintf(v->lock, sizeof(v->lock), "%s", lock);
	t = pve_task_start(req, v->node, rollback ? "qmrollback" : "qmdelsnapshot", vmid, vmid,
			   rollback ? FX_ROLLBACK : FX_DELSNAPSHOT, NULL, args);
	snprintf(t->prop_lock, sizeof(t->prop_lock), "%s", lock);
	return pve_answer_task(req, t);
}

static enum vh_status snapshot_rollback(struct vh_req *req, struct vh_err *err)
{
	(void)err;
	return snapshot_change(req, true);
}

static enum vh_status snapshot_delete(struct vh_req *req, struct vh_err *err)
{
	(void)err;
	return snapshot_change(req, false);
}

static enum vh_status snapshot_index(struct vh_req *req, struct vh_err *err)
{
	struct pve_vm *v;
	long vmid;
	json_object *arr, *o;

	(void)err;
	if (!(v = pve_vm_load(req, &vmid)))
		return VH_OK;
	if (!json_object_object_get(v->snapshots, vh_req_param(req, "snapname")))
		return pve_fail(req, 500, vh_psprintf(req->pool, "snapshot '%s' does not exist",
						      vh_req_param(req, "snapname")));
	arr = json_object_new_array();
	o = json_object_new_object();
	vh_json_add_str(o, "rel", "config");
	json_object_array_add(arr, o);
	o = json_object_new_object();
	vh_json_add_str(o, "rel", "rollback");
	json_object_array_add(arr, o);
	return pve_answer(req, arr);
}

const char *pve_snapshot_apply(struct vh_pool *pool, struct pve_vm *v, struct pve_task *t)
{
	const char *name = json_object_get_string(json_object_object_get(t->args, "name"));
	json_object *s;

	if (t->prop_lock[0] && !strcmp(v->lock, t->prop_lock))
		v->lock[0] = '\0';
	if (t->fx == FX_SNAPSHOT) {
		if (json_object_object_get(v->snapshots, name))
			return vh_psprintf(pool, "snapshot name '%s' already used", name);
		s = json_object_new_object();
		vh_json_add_int(s, "snaptime", t->end_ms / 1000);
		json_object_object_add(s, "description", json_object_get(json_object_object_get(t->args, "description")));
		json_object_object_add(s, "vmstate", json_object_get(json_object_object_get(t->args, "vmstate")));
		if (v->parent[0])
			vh_json_add_str(s, "parent", v->parent);
		{
			json_object *copy = NULL;

			json_object_deep_copy(v->config, &copy, NULL);
			json_object_object_add(s, "config", copy);
		}
		json_object_object_add(v->snapshots, name, s);
		snprintf(v->parent, sizeof(v->parent), "%s", name);
		return NULL;
	}
	if (!json_object_object_get_ex(v->snapshots, name, &s))
		return vh_psprintf(pool, "snapshot '%s' does not exist", name);
	if (t->fx == FX_ROLLBACK) {
		json_object *copy = NULL;

		json_object_deep_copy(json_object_object_get(s, "config"), &copy, NULL);
		json_object_put(v->config);
		v->config = copy;
		json_object_put(v->pending);
		v->pending = json_object_new_object();
		json_object_put(v->pending_del);
		v->pending_del = json_object_new_object();
		/* Without a saved RAM state the VM is stopped by a rollback. */
		v->running = v->paused = false;
		if (json_object_get_boolean(json_object_object_get(t->args, "start"))) {
			v->running = true;
			v->started_ms = t->end_ms;
		}
		snprintf(v->parent, sizeof(v->parent), "%s", name);
		return NULL;
	}
	/* Delete: children and "current" move up to the parent. */
	{
		json_object *p = json_object_object_get(s, "parent");
		const char *up = p ? vh_pstrdup(pool, json_object_get_string(p)) : NULL;

		json_object_object_foreach(v->snapshots, k, other) {
			json_object *op;

			(void)k;
			if (json_object_object_get_ex(other, "parent", &op) &&
			    !strcmp(json_object_get_string(op), name)) {
				if (up)
					vh_json_add_str(other, "parent", up);
				else
					json_object_object_del(other, "parent");
			}
		}
		if (!strcmp(v->parent, name))
			snprintf(v->parent, sizeof(v->parent), "%s", up ? up : "");
		json_object_object_del(v->snapshots, name);
	}
	return NULL;
}

/* ---- tasks ------------------------------------------------------------------------ */

/* UPID:<node>:<pid 8 hex>:<pstart 8-9 hex>:<starttime 8 hex>:<type>:<id>:<user>: */
static bool upid_ok(const char *u)
{
	const char *p = u;
	int fields = 0;

	if (strncmp(u, "UPID:", 5) != 0 || u[strlen(u) - 1] != ':')
		return false;
	for (p = u; *p; p++)
		fields += *p == ':';
	return fields == 8;
}

static struct pve_task *task_of(struct vh_req *req)
{
	const char *upid = vh_req_param(req, "upid");
	struct pve_task *t;

	if (!upid_ok(upid)) {
		pve_param_fail(req, "upid", "unable to parse worker upid");
		return NULL;
	}
	t = pve_task_find(upid);
	if (!t)
		pve_param_fail(req, "upid", "no such task");
	return t;
}

static enum vh_status task_status(struct vh_req *req, struct vh_err *err)
{
	struct pve_task *t = task_of(req);
	json_object *o;
	const char *bang;

	(void)err;
	if (!t)
		return VH_OK;
	o = json_object_new_object();
	vh_json_add_str(o, "upid", t->upid);
	vh_json_add_str(o, "node", t->node);
	vh_json_add_int(o, "pid", t->pid);
	vh_json_add_int(o, "pstart", 0x03AB00C3u + (t->pid & 0xFFF));
	vh_json_add_int(o, "starttime", t->starttime);
	vh_json_add_str(o, "type", t->type);
	vh_json_add_str(o, "id", vh_psprintf(req->pool, "%ld", t->id));
	bang = strchr(t->user, '!');
	vh_json_add_str(o, "user", bang ? vh_pstrndup(req->pool, t->user, (size_t)(bang - t->user)) : t->user);
	if (bang)
		vh_json_add_str(o, "tokenid", bang + 1);
	vh_json_add_str(o, "status", t->done ? "stopped" : "running");
	if (t->done)
		vh_json_add_str(o, "exitstatus", t->exitstatus);
	return pve_answer(req, o);
}

static enum vh_status task_log(struct vh_req *req, struct vh_err *err)
{
	struct pve_task *t = task_of(req);
	json_object *arr;
	long start = pve_arg_int(req, "start", 0), limit = pve_arg_int(req, "limit", 50), total, i;

	(void)err;
	if (!t)
		return VH_OK;
	arr = json_object_new_array();
	total = (long)json_object_array_length(t->log);
	if (total == 0) {
		json_object *o = json_object_new_object();

		vh_json_add_int(o, "n", 1);
		vh_json_add_str(o, "t", "no content");
		json_object_array_add(arr, o);
		return pve_answer_total(req, arr, 1);
	}
	for (i = start; i < total && i < start + limit; i++) {
		json_object *o = json_object_new_object();

		vh_json_add_int(o, "n", i + 1);
		vh_json_add_str(o, "t", json_object_get_string(json_object_array_get_idx(t->log, (size_t)i)));
		json_object_array_add(arr, o);
	}
	return pve_answer_total(req, arr, total);
}

/* ---- the route table -------------------------------------------------------------- */

#define NONE {NULL, 0, false, 0, 0}
static const struct pve_param password_params[] = {
	{"username", P_STR, true, 0, 0}, {"password", P_STR, true, 0, 0},
	{"crypted", P_BOOL, false, 0, 0}, NONE,
};
static const struct pve_param snap_params[] = {
	{"snapname", P_STR, true, 0, 0}, {"description", P_STR, false, 0, 0},
	{"vmstate", P_BOOL, false, 0, 0}, NONE,
};
static const struct pve_param rollback_params[] = {{"start", P_BOOL, false, 0, 0}, NONE};
static const struct pve_param delsnap_params[] = {{"force", P_BOOL, false, 0, 0}, NONE};
static const struct pve_param log_params[] = {
	{"start", P_INT, false, 0, 0x7fffffff}, {"limit", P_INT, false, 0, 0x7fffffff},
	{"download", P_BOOL, false, 0, 0}, NONE,
};
static const struct pve_spec password_spec = {password_params, NULL, false};
static const struct pve_spec snap_spec = {snap_params, NULL, false};
static const struct pve_spec rollback_spec = {rollback_params, NULL, false};
static const struct pve_spec delsnap_spec = {delsnap_params, NULL, false};
static const struct pve_spec log_spec = {log_params, NULL, false};

const struct vh_route pve_guest_routes[] = {
	{"GET", QEMU "/{vmid}/agent/network-get-interfaces", agent_interfaces, VH_AUTH_NONE, NULL},
	{"POST", QEMU "/{vmid}/agent/set-user-password", agent_set_password, VH_AUTH_NONE, &password_spec},
	{"GET", QEMU "/{vmid}/snapshot", snapshot_list, VH_AUTH_NONE, NULL},
	{"POST", QEMU "/{vmid}/snapshot", snapshot_create, VH_AUTH_NONE, &snap_spec},
	{"GET", QEMU "/{vmid}/snapshot/{snapname}", snapshot_index, VH_AUTH_NONE, NULL},
	{"POST", QEMU "/{vmid}/snapshot/{snapname}/rollback", snapshot_rollback, VH_AUTH_NONE, &rollback_spec},
	{"DELETE", QEMU "/{vmid}/snapshot/{snapname}", snapshot_delete, VH_AUTH_NONE, &delsnap_spec},
	{"GET", "/api2/json/nodes/{node}/tasks/{upid}/status", task_status, VH_AUTH_NONE, NULL},
	{"GET", "/api2/json/nodes/{node}/tasks/{upid}/log", task_log, VH_AUTH_NONE, &log_spec},
	{NULL},
};
