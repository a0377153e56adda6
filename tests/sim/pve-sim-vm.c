/* pve-sim: QEMU VMs and tasks (research/pve-api.md sections 3-5 and 9).
 *
 * Time is simulated honestly: every async call returns a UPID at once and
 * its task stays "running" for its duration (per type, /_sim/durations);
 * only when it ends does its effect apply and its lock drop.  Tasks are
 * advanced lazily at the start of each request, so no thread is needed.
 *
 * Covered: nextid (a string; ?vmid= check), qemu list, clone (new VM locked
 * "clone" until the task ends, id of the task = the source), config GET /
 * PUT (sync) / POST (async, qmconfig), status/current, start/stop/shutdown
 * (tasks, with PVE's asymmetries: start of a running VM fails in the task,
 * stop of a stopped VM ends OK) and reboot/reset/suspend/resume (a stopped
 * VM is a synchronous 500), destroy (running → synchronous 500), task
 * status with exitstatus, /_sim/task-fail.
 * XXX: create, resize, template, migrate, agent, snapshots, pending, digest,
 * hostpci/GPU conflicts and lock timeouts between concurrent writers are
 * still to come (issue 3). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "json.h"
#include "pool.h"
#include "pve-sim.h"

#define MAX_VMS 4096
#define MAX_TASKS 8192

enum effect { FX_NONE, FX_CLONE, FX_START, FX_STOP, FX_DESTROY, FX_CONFIG };

struct vm {
	bool used;
	long vmid;
	char node[64];
	bool running, paused, template_;
	char lock[24];
	json_object *config;    /* key -> string/number, as GET /config shows it */
};

struct task {
	char upid[160];
	char node[64], type[24];
	long id, target;        /* id: the VM in the UPID; target: the VM affected */
	long long end_ms;
	bool done;
	char exitstatus[256];
	enum effect fx;
	json_object *changes;   /* FX_CONFIG */
};

static struct vm vms[MAX_VMS];
static struct task tasks[MAX_TASKS];
static size_t ntasks;
static json_object *durations;  /* type -> ms */
static json_object *failures;   /* type -> [count, exitstatus] */
static unsigned pid_seq = 0x35D677;

static struct vm *find_vm(long vmid)
{
	size_t i;

	for (i = 0; i < MAX_VMS; i++)
		if (vms[i].used && vms[i].vmid == vmid)
			return &vms[i];
	return NULL;
}

static struct vm *new_vm(long vmid, const char *node)
{
	size_t i;

	for (i = 0; i < MAX_VMS; i++) {
		if (!vms[i].used) {
			memset(&vms[i], 0, sizeof(vms[i]));
			vms[i].used = true;
			vms[i].vmid = vmid;
			snprintf(vms[i].node, sizeof(vms[i].node), "%s", node);
			vms[i].config = json_object_new_object();
			return &vms[i];
		}
	}
	return NULL;
}

static void drop_vm(struct vm *v)
{
	json_object_put(v->config);
	memset(v, 0, sizeof(*v));
}

void pve_vm_reset(void)
{
	json_object *list = json_object_object_get(pve_cluster, "templates");
	size_t i;

	for (i = 0; i < MAX_VMS; i++)
		if (vms[i].used)
			drop_vm(&vms[i]);
	for (i = 0; i < ntasks; i++)
		json_object_put(tasks[i].changes);
	ntasks = 0;
	json_object_put(durations);
	durations = json_object_new_object();
	json_object_object_add(durations, "default", json_object_new_int(300));
	json_object_put(failures);
	failures = json_object_new_object();
	for (i = 0; i < json_object_array_length(list); i++) {
		json_object *t = json_object_array_get_idx(list, i);
		struct vm *v = new_vm(json_object_get_int64(json_object_object_get(t, "vmid")),
				      json_object_get_string(json_object_object_get(t, "node")));
		char disk[64];

		v->template_ = true;
		json_object_object_add(v->config, "name", json_object_get(json_object_object_get(t, "name")));
		json_object_object_add(v->config, "template", json_object_new_int(1));
		json_object_object_add(v->config, "cores", json_object_new_int(1));
		json_object_object_add(v->config, "memory", json_object_new_string("1024"));
		snprintf(disk, sizeof(disk), "local-lvm:base-%ld-disk-0,size=%ldG", v->vmid,
			 (long)json_object_get_int64(json_object_object_get(t, "disk_gb")));
		json_object_object_add(v->config, "scsi0", json_object_new_string(disk));
		if (json_object_get_boolean(json_object_object_get(t, "cloudinit")))
			json_object_object_add(v->config, "ide2",
					       json_object_new_string("local-lvm:cloudinit,media=cdrom"));
		if (json_object_get_boolean(json_object_object_get(t, "agent")))
			json_object_object_add(v->config, "agent", json_object_new_string("1"));
	}
}

/* ---- tasks --------------------------------------------------------------- */

static void apply(struct task *t)
{
	struct vm *v = find_vm(t->target);

	if (!v)
		return;
	v->lock[0] = '\0';
	if (strcmp(t->exitstatus, "OK") != 0) {
		/* A failed clone leaves nothing behind, as PVE removes the config. */
		if (t->fx == FX_CLONE)
			drop_vm(v);
		return;
	}
	switch (t->fx) {
	case FX_START:
		v->running = true;
		break;
	case FX_STOP:
		v->running = v->paused = false;
		break;
	case FX_DESTROY:
		drop_vm(v);
		break;
	case FX_CONFIG: {
		json_object_object_foreach(t->changes, k, val)
			json_object_object_add(v->config, k, json_object_get(val));
		break;
	}
	default:
		break;
	}
}

static void advance(void)
{
	long long now = pve_now_ms();
	size_t i;

	for (i = 0; i < ntasks; i++) {
		if (!tasks[i].done && tasks[i].end_ms <= now) {
			tasks[i].done = true;
			apply(&tasks[i]);
		}
	}
}

/* Start a task; exitstatus NULL means OK unless /_sim/task-fail says
 * otherwise.  Returns the UPID. */
static const char *start_task(struct vh_req *req, const char *node, const char *type, long id,
			      long target, enum effect fx, const char *exitstatus, const char *user)
{
	struct task *t;
	json_object *d, *f;
	long long dur = 300;

	if (ntasks == MAX_TASKS) {
		memmove(tasks, tasks + MAX_TASKS / 2, sizeof(tasks[0]) * (MAX_TASKS / 2));
		ntasks = MAX_TASKS / 2;
	}
	t = &tasks[ntasks++];
	memset(t, 0, sizeof(*t));
	snprintf(t->node, sizeof(t->node), "%s", node);
	snprintf(t->type, sizeof(t->type), "%s", type);
	t->id = id;
	t->target = target;
	t->fx = fx;
	if (json_object_object_get_ex(durations, type, &d) || json_object_object_get_ex(durations, "default", &d))
		dur = json_object_get_int64(d);
	t->end_ms = pve_now_ms() + dur;
	snprintf(t->exitstatus, sizeof(t->exitstatus), "%s", exitstatus ? exitstatus : "OK");
	if (!exitstatus && json_object_object_get_ex(failures, type, &f)) {
		int left = json_object_get_int(json_object_array_get_idx(f, 0));

		if (left > 0) {
			snprintf(t->exitstatus, sizeof(t->exitstatus), "%s",
				 json_object_get_string(json_object_array_get_idx(f, 1)));
			json_object_array_put_idx(f, 0, json_object_new_int(left - 1));
		}
	}
	/* UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>: */
	snprintf(t->upid, sizeof(t->upid), "UPID:%s:%08X:%08X:%08lX:%s:%ld:%s:", node, pid_seq++,
		 0x03AB00C3u, pve_now(), type, id, user ? user : "root@pam");
	if (dur == 0) {
		t->done = true;
		apply(t);
	}
	(void)req;
	return t->upid;
}

/* ---- helpers ------------------------------------------------------------- */

static const char *not_found(struct vh_req *req, const char *node, long vmid)
{
	return vh_psprintf(req->pool, "Configuration file 'nodes/%s/qemu-server/%ld.conf' does not exist",
			   node, vmid);
}

/* Common prologue: advance time, authenticate, node and vmid checks. */
static enum vh_status vm_begin(struct vh_req *req, const char **who, long *vmid, struct vm **v)
{
	const char *node = vh_req_param(req, "node"), *id = vh_req_param(req, "vmid");
	char *end;

	advance();
	pve_count(req);
	if (pve_authenticate(req, who) != VH_OK)
		return VH_UNAUTHORIZED;
	if (!pve_node_known(node)) {
		pve_fail(req, 595, "");
		return VH_NOTFOUND;
	}
	if (!id) {
		*v = NULL;
		return VH_OK;
	}
	*vmid = strtol(id, &end, 10);
	if (*end || *vmid < 100 || *vmid > 999999999) {
		pve_fail(req, 400, "Parameter verification failed.");
		return VH_INVALID;
	}
	*v = find_vm(*vmid);
	if (*v && strcmp((*v)->node, node) != 0)
		*v = NULL;
	return VH_OK;
}

static const char *body_of(struct vh_req *req)
{
	const char *b;
	size_t len;
	struct vh_err err;

	vh_err_clear(&err);
	return vh_req_body(req, &b, &len, &err) == VH_OK ? b : "";
}

/* ---- routes -------------------------------------------------------------- */

static enum vh_status nextid(struct vh_req *req, struct vh_err *err)
{
	const char *want = NULL;
	long id;

	advance();
	pve_count(req);
	if (pve_authenticate(req, NULL) != VH_OK)
		return VH_OK;
	vh_req_query(req, "vmid", &want, err);
	if (want) {
		id = atol(want);
		if (find_vm(id)) {
			json_object *o = vh_json_own(req->pool, json_object_new_object()), *e = json_object_new_object();
			const char *s;

			vh_json_add_str(e, "vmid", vh_psprintf(req->pool, "VM %ld already exists", id));
			json_object_object_add(o, "data", NULL);
			json_object_object_add(o, "errors", e);
			s = json_object_to_json_string(o);
			vh_resp_raw(req, 400, "Parameter verification failed.",
				    "application/json;charset=UTF-8", s, strlen(s));
			return VH_OK;
		}
		return pve_answer(req, json_object_new_string(want));
	}
	for (id = 100; find_vm(id); id++)
		;
	return pve_answer(req, json_object_new_string(vh_psprintf(req->pool, "%ld", id)));
}

static json_object *vm_item(const struct vm *v, bool full)
{
	json_object *o = json_object_new_object(), *name;

	vh_json_add_int(o, "vmid", v->vmid);
	json_object_object_add(o, "name", json_object_object_get_ex(v->config, "name", &name)
						  ? json_object_get(name)
						  : json_object_new_string("VM"));
	vh_json_add_str(o, "status", v->running ? "running" : "stopped");
	if (full) {
		vh_json_add_str(o, "qmpstatus", v->running ? (v->paused ? "paused" : "running") : "stopped");
		vh_json_add_int(o, "uptime", v->running ? 100 : 0);
		json_object_object_add(o, "ha", json_object_new_object());
		if (json_object_object_get(v->config, "agent"))
			vh_json_add_int(o, "agent", 1);
	}
	if (v->template_)
		vh_json_add_int(o, "template", 1);
	if (v->lock[0])
		vh_json_add_str(o, "lock", v->lock);
	return o;
}

void pve_vm_resources(struct vh_req *req, json_object *arr)
{
	size_t i;

	advance();
	for (i = 0; i < MAX_VMS; i++) {
		json_object *o;

		if (!vms[i].used)
			continue;
		o = vm_item(&vms[i], false);
		vh_json_add_str(o, "id", vh_psprintf(req->pool, "qemu/%ld", vms[i].vmid));
		vh_json_add_str(o, "type", "qemu");
		vh_json_add_str(o, "node", vms[i].node);
		json_object_array_add(arr, o);
	}
}

json_object *pve_vm_state(void)
{
	json_object *arr = json_object_new_array();
	size_t i;

	advance();
	for (i = 0; i < MAX_VMS; i++) {
		json_object *o;

		if (!vms[i].used)
			continue;
		o = vm_item(&vms[i], true);
		vh_json_add_str(o, "node", vms[i].node);
		json_object_object_add(o, "config", json_object_get(vms[i].config));
		json_object_array_add(arr, o);
	}
	return arr;
}

static enum vh_status qemu_list(struct vh_req *req, struct vh_err *err)
{
	struct vm *v;
	long vmid;
	json_object *arr;
	size_t i;

	(void)err;
	if (vm_begin(req, NULL, &vmid, &v) != VH_OK)
		return VH_OK;
	arr = json_object_new_array();
	for (i = 0; i < MAX_VMS; i++)
		if (vms[i].used && !strcmp(vms[i].node, vh_req_param(req, "node")))
			json_object_array_add(arr, vm_item(&vms[i], false));
	return pve_answer(req, arr);
}

static enum vh_status vm_status(struct vh_req *req, struct vh_err *err)
{
	struct vm *v;
	long vmid;

	(void)err;
	if (vm_begin(req, NULL, &vmid, &v) != VH_OK)
		return VH_OK;
	if (!v)
		return pve_fail(req, 500, not_found(req, vh_req_param(req, "node"), vmid));
	return pve_answer(req, vm_item(v, true));
}

static enum vh_status clone(struct vh_req *req, struct vh_err *err)
{
	const char *who = NULL, *body, *newid_s, *name, *target;
	struct vm *v, *nv;
	long vmid, newid;

	(void)err;
	if (vm_begin(req, &who, &vmid, &v) != VH_OK)
		return VH_OK;
	if (!v)
		return pve_fail(req, 500, not_found(req, vh_req_param(req, "node"), vmid));
	body = body_of(req);
	newid_s = pve_form_get(req->pool, body, "newid");
	name = pve_form_get(req->pool, body, "name");
	target = pve_form_get(req->pool, body, "target");
	if (!newid_s || (newid = atol(newid_s)) < 100)
		return pve_fail(req, 400, "Parameter verification failed.");
	if (v->lock[0])
		return pve_fail(req, 500, vh_psprintf(req->pool, "VM is locked (%s)", v->lock));
	if (find_vm(newid))
		return pve_fail(req, 500, vh_psprintf(req->pool,
						     "unable to create VM %ld: config file already exists", newid));
	if (target && !pve_node_known(target))
		return pve_fail(req, 500, vh_psprintf(req->pool, "no such cluster node '%s'", target));
	nv = new_vm(newid, target ? target : v->node);
	if (!nv)
		return pve_fail(req, 500, "too many VMs");
	json_object_object_foreach(v->config, k, val)
		if (strcmp(k, "template") != 0)
			json_object_object_add(nv->config, k, json_object_get(val));
	json_object_object_add(nv->config, "name",
			       json_object_new_string(name ? name : vh_psprintf(req->pool, "Copy-of-VM-%ld", vmid)));
	snprintf(nv->lock, sizeof(nv->lock), "clone");
	return pve_answer(req, json_object_new_string(
		start_task(req, v->node, "qmclone", vmid, newid, FX_CLONE, NULL, who)));
}

static enum vh_status config_get(struct vh_req *req, struct vh_err *err)
{
	struct vm *v;
	long vmid;
	json_object *o;

	(void)err;
	if (vm_begin(req, NULL, &vmid, &v) != VH_OK)
		return VH_OK;
	if (!v)
		return pve_fail(req, 500, not_found(req, vh_req_param(req, "node"), vmid));
	o = json_object_new_object();
	json_object_object_foreach(v->config, k, val)
		json_object_object_add(o, k, !strcmp(k, "cipassword") ? json_object_new_string("**********")
								     : json_object_get(val));
	vh_json_add_str(o, "digest", "0123456789abcdef0123456789abcdef01234567");
	return pve_answer(req, o);
}

/* Keys this simulator understands; anything else is refused like PVE's
 * schema does. */
static const char *const config_keys[] = {
	"name", "cores", "sockets", "memory", "description", "tags", "agent", "ciuser",
	"cipassword", "ipconfig0", "nameserver", "searchdomain", "sshkeys", "onboot", "ostype",
	"net0", "scsi0", "ide2", "boot", "cpu", "balloon", "delete", "digest", "skiplock",
	"background_delay", NULL,
};

static enum vh_status config_set(struct vh_req *req, struct vh_err *err)
{
	const char *who = NULL, *body, *p;
	struct vm *v;
	long vmid;
	json_object *changes, *errs;
	bool async = !strcmp(req->method, "POST");

	(void)err;
	if (vm_begin(req, &who, &vmid, &v) != VH_OK)
		return VH_OK;
	if (!v)
		return pve_fail(req, 500, not_found(req, vh_req_param(req, "node"), vmid));
	body = body_of(req);
	changes = json_object_new_object();
	errs = vh_json_own(req->pool, json_object_new_object());
	for (p = body; p && *p;) {
		size_t klen = strcspn(p, "=&"), i;
		char *key = vh_pstrndup(req->pool, p, klen);
		bool known = false;

		for (i = 0; config_keys[i]; i++)
			known |= !strcmp(key, config_keys[i]);
		if (!known)
			vh_json_add_str(errs, key, "property is not defined in schema and the schema does not allow additional properties");
		else if (strcmp(key, "delete") && strcmp(key, "digest") && strcmp(key, "skiplock") &&
			 strcmp(key, "background_delay"))
			json_object_object_add(changes, key,
					       json_object_new_string(pve_form_get(req->pool, body, key)));
		p = strchr(p, '&');
		if (p)
			p++;
	}
	if (json_object_object_length(errs)) {
		json_object *o = vh_json_own(req->pool, json_object_new_object());
		const char *s;

		json_object_put(changes);
		json_object_object_add(o, "data", NULL);
		json_object_object_add(o, "errors", json_object_get(errs));
		s = json_object_to_json_string(o);
		vh_resp_raw(req, 400, "Parameter verification failed.", "application/json;charset=UTF-8", s,
			    strlen(s));
		return VH_OK;
	}
	if (v->lock[0]) {
		json_object_put(changes);
		return pve_fail(req, 500, vh_psprintf(req->pool, "VM is locked (%s)", v->lock));
	}
	if (json_object_object_length(changes) == 0 && !pve_form_get(req->pool, body, "delete")) {
		json_object_put(changes);
		return pve_fail(req, 500, "no options specified");
	}
	if (!async) {
		json_object_object_foreach(changes, k, val)
			json_object_object_add(v->config, k, json_object_get(val));
		json_object_put(changes);
		return pve_answer(req, NULL);
	}
	{
		const char *upid = start_task(req, v->node, "qmconfig", vmid, vmid, FX_CONFIG, NULL, who);

		tasks[ntasks - 1].changes = changes;
		return pve_answer(req, json_object_new_string(upid));
	}
}

static enum vh_status power(struct vh_req *req, struct vh_err *err)
{
	const char *who = NULL, *action = vh_req_param(req, "action");
	struct vm *v;
	long vmid;

	(void)err;
	if (vm_begin(req, &who, &vmid, &v) != VH_OK)
		return VH_OK;
	if (!strcmp(action, "reboot") || !strcmp(action, "reset") || !strcmp(action, "suspend") ||
	    !strcmp(action, "resume")) {
		if (!v)
			return pve_fail(req, 500, vh_psprintf(req->pool,
					     "unable to find configuration file for VM %ld on node '%s'", vmid,
					     vh_req_param(req, "node")));
		if (!v->running)
			return pve_fail(req, 500, vh_psprintf(req->pool, "VM %ld not running", vmid));
		if (!strcmp(action, "suspend"))
			v->paused = true;
		if (!strcmp(action, "resume"))
			v->paused = false;
		return pve_answer(req, json_object_new_string(start_task(
			req, v->node, !strcmp(action, "suspend") ? "qmpause" : vh_psprintf(req->pool, "qm%s", action),
			vmid, vmid, FX_NONE, NULL, who)));
	}
	if (!v)
		return pve_fail(req, 500, not_found(req, vh_req_param(req, "node"), vmid));
	if (!strcmp(action, "start")) {
		/* No checks before forking: a running VM fails in the task. */
		const char *fail = v->template_ ? "you can't start a vm if it's a template"
				   : v->running  ? vh_psprintf(req->pool, "VM %ld already running", vmid)
				   : v->lock[0]  ? vh_psprintf(req->pool, "VM is locked (%s)", v->lock)
						 : NULL;

		return pve_answer(req, json_object_new_string(
			start_task(req, v->node, "qmstart", vmid, vmid, fail ? FX_NONE : FX_START, fail, who)));
	}
	if (!strcmp(action, "stop") || !strcmp(action, "shutdown")) {
		if (!strcmp(action, "shutdown") && v->paused)
			return pve_fail(req, 500, "VM is paused - cannot shutdown");
		/* Stopping a stopped VM ends OK. */
		return pve_answer(req, json_object_new_string(start_task(
			req, v->node, !strcmp(action, "stop") ? "qmstop" : "qmshutdown", vmid, vmid, FX_STOP,
			NULL, who)));
	}
	return pve_fail(req, 501, vh_psprintf(req->pool, "Method '%s %s' not implemented", req->method, req->path));
}

static enum vh_status destroy(struct vh_req *req, struct vh_err *err)
{
	const char *who = NULL;
	struct vm *v;
	long vmid;

	(void)err;
	if (vm_begin(req, &who, &vmid, &v) != VH_OK)
		return VH_OK;
	if (!v)
		return pve_fail(req, 500, not_found(req, vh_req_param(req, "node"), vmid));
	if (v->running)
		return pve_fail(req, 500, vh_psprintf(req->pool, "VM %ld is running - destroy failed", vmid));
	if (v->lock[0])
		return pve_fail(req, 500, vh_psprintf(req->pool, "VM is locked (%s)", v->lock));
	snprintf(v->lock, sizeof(v->lock), "destroyed");
	return pve_answer(req, json_object_new_string(
		start_task(req, v->node, "qmdestroy", vmid, vmid, FX_DESTROY, NULL, who)));
}

static enum vh_status task_status(struct vh_req *req, struct vh_err *err)
{
	const char *upid = vh_req_param(req, "upid");
	json_object *o;
	size_t i;
	long vmid;
	struct vm *v;

	(void)err;
	if (vm_begin(req, NULL, &vmid, &v) != VH_OK)
		return VH_OK;
	if (strncmp(upid, "UPID:", 5) != 0 || upid[strlen(upid) - 1] != ':') {
		const char *s = "{\"data\":null,\"errors\":{\"upid\":\"unable to parse worker upid\"}}";

		vh_resp_raw(req, 400, "Parameter verification failed.", "application/json;charset=UTF-8", s,
			    strlen(s));
		return VH_OK;
	}
	for (i = 0; i < ntasks; i++) {
		if (strcmp(tasks[i].upid, upid) != 0)
			continue;
		o = json_object_new_object();
		vh_json_add_str(o, "upid", tasks[i].upid);
		vh_json_add_str(o, "node", tasks[i].node);
		vh_json_add_str(o, "type", tasks[i].type);
		vh_json_add_str(o, "id", vh_psprintf(req->pool, "%ld", tasks[i].id));
		vh_json_add_str(o, "status", tasks[i].done ? "stopped" : "running");
		if (tasks[i].done)
			vh_json_add_str(o, "exitstatus", tasks[i].exitstatus);
		return pve_answer(req, o);
	}
	{
		const char *s = "{\"data\":null,\"errors\":{\"upid\":\"no such task\"}}";

		vh_resp_raw(req, 400, "Parameter verification failed.", "application/json;charset=UTF-8", s,
			    strlen(s));
		return VH_OK;
	}
}

enum vh_status pve_sim_durations(struct vh_req *req, struct vh_err *err)
{
	json_object *body;
	enum vh_status st = vh_req_json(req, &body, err);

	if (st != VH_OK)
		return st;
	json_object_object_foreach(body, k, v)
	{
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
			return vh_fail(err, VH_INVALID, "bad_request", "durations are milliseconds");
		json_object_object_add(durations, k, json_object_get(v));
	}
	vh_resp_json(req, 200, durations);
	return VH_OK;
}

enum vh_status pve_sim_task_fail(struct vh_req *req, struct vh_err *err)
{
	json_object *body, *type, *status, *count, *a;
	enum vh_status st = vh_req_json(req, &body, err);

	if (st != VH_OK)
		return st;
	if (!json_object_object_get_ex(body, "type", &type) || !json_object_object_get_ex(body, "exitstatus", &status))
		return vh_fail(err, VH_INVALID, "bad_request", "give type and exitstatus");
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_int(json_object_object_get_ex(body, "count", &count)
							     ? json_object_get_int(count) : 1));
	json_object_array_add(a, json_object_get(status));
	json_object_object_add(failures, json_object_get_string(type), a);
	vh_resp_json(req, 200, failures);
	return VH_OK;
}

const struct vh_route pve_vm_routes[] = {
	{"GET", "/api2/json/cluster/nextid", nextid, VH_AUTH_NONE},
	{"GET", "/api2/json/nodes/{node}/qemu", qemu_list, VH_AUTH_NONE},
	{"GET", "/api2/json/nodes/{node}/qemu/{vmid}/status/current", vm_status, VH_AUTH_NONE},
	{"POST", "/api2/json/nodes/{node}/qemu/{vmid}/status/{action}", power, VH_AUTH_NONE},
	{"POST", "/api2/json/nodes/{node}/qemu/{vmid}/clone", clone, VH_AUTH_NONE},
	{"GET", "/api2/json/nodes/{node}/qemu/{vmid}/config", config_get, VH_AUTH_NONE},
	{"PUT", "/api2/json/nodes/{node}/qemu/{vmid}/config", config_set, VH_AUTH_NONE},
	{"POST", "/api2/json/nodes/{node}/qemu/{vmid}/config", config_set, VH_AUTH_NONE},
	{"DELETE", "/api2/json/nodes/{node}/qemu/{vmid}", destroy, VH_AUTH_NONE},
	{"GET", "/api2/json/nodes/{node}/tasks/{upid}/status", task_status, VH_AUTH_NONE},
	{NULL},
};
