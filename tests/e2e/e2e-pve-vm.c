/* lib/pve.c against pve-sim's VMs and tasks: nextid as a string, clone as
 * an async task with the new VM locked "clone" until it ends, waiting on a
 * UPID, sync and async config, the power asymmetries (start of a running
 * VM fails in its task; stop of a stopped VM ends OK; reboot of a stopped
 * VM is refused at once), destroy refused while running, typed errors for
 * a missing VM and a locked one, and an injected task failure leaving no
 * VM behind. */
#include "config.h"

#include <stdlib.h>

#include "harness.h"
#include "pool.h"
#include "pve.h"

static const char *N = "pve1";

/* A full clone named name (NULL: PVE's default name). */
static const struct vh_pve_clone_opts *full_clone(const char *name)
{
	static struct vh_pve_clone_opts o;

	memset(&o, 0, sizeof(o));
	o.name = name;
	o.full = 1;
	return &o;
}

static void sim_post(const char *path, const char *json)
{
	struct t_resp r;

	t_request(&r, t_env("VH_PVE_URL"), "POST", path, NULL, "application/json", json, strlen(json));
	t_resp_free(&r);
}

int main(void)
{
	struct vh_pool *pool = vh_pool_new();
	struct vh_pve_config c = {0};
	struct vh_pve_error pe;
	struct vh_err err;
	struct vh_pve *pve;
	json_object *d;
	const char *upid, *form = NULL;
	long id, id2;
	enum vh_status st;

	t_init();
	setenv("VH_CA_OVERRIDE", t_env("VH_PVE_CA_FILE"), 1);
	sim_post("/_sim/durations", "{\"qmclone\":400,\"qmstart\":150,\"qmstop\":150,\"qmdestroy\":150,\"qmconfig\":150}");
	c.api_url = t_env("VH_PVE_URL");
	c.username = "root@pam";
	c.password = t_env("PVE_SIM_PASSWORD");
	c.ca_file = t_env("VH_PVE_CA_FILE");
	pve = vh_pve_new(&c);
	vh_err_clear(&err);

	is_int(vh_pve_nextid(pve, pool, &id, &pe, &err), VH_OK, "nextid");
	ok(id >= 100, "nextid is a vmid (%ld)", id);
	is_int(vh_pve_clone(pve, pool, N, 9000, id, full_clone("e2e-vm"), &upid, &pe, &err), VH_OK, "clone the template");
	ok(!strncmp(upid, "UPID:pve1:", 10) && upid[strlen(upid) - 1] == ':' && strstr(upid, ":qmclone:9000:root@pam:"),
	   "UPID format: %s", upid);
	is_str(vh_pve_upid_node(pool, upid), "pve1", "UPID node");
	is_int(vh_pve_vm_status(pve, pool, N, id, &d, &pe, &err), VH_OK, "status of the VM being cloned");
	is_str(json_object_get_string(json_object_object_get(d, "lock")), "clone", "it is locked 'clone'");
	vh_pve_form_add(pool, &form, "cores", "2");
	st = vh_pve_config_set(pve, pool, N, id, form, 0, &upid, &pe, &err);
	ok(st != VH_OK && pe.kind == VH_PVE_LOCKED, "config while locked: %s (%s)", vh_pve_kind_name(pe.kind), pe.message);
	vh_pve_clone(pve, pool, N, 9000, id, full_clone(NULL), &upid, &pe, &err);
	ok(pe.kind == VH_PVE_EXISTS, "a clone onto a taken id: %s", vh_pve_kind_name(pe.kind));
	is_int(vh_pve_clone(pve, pool, N, 9000, id, full_clone("e2e-vm"), &upid, &pe, &err) == VH_OK ? 1 : 0, 0, "refused");
	{
		const char *first;

		vh_pve_nextid(pve, pool, &id2, &pe, &err);
		ok(id2 != id, "nextid skips the VM being cloned (%ld)", id2);
		vh_pve_clone(pve, pool, N, 9000, id2, full_clone("e2e-vm2"), &first, &pe, &err);
		is_int(vh_pve_task_wait(pve, pool, first, 10000, NULL, &pe, &err), VH_OK, "wait for a clone task");
	}
	is_int(vh_pve_vm_status(pve, pool, N, id, &d, &pe, &err), VH_OK, "status after the clone");
	ok(json_object_object_get(d, "lock") == NULL, "the lock is gone");
	is_str(json_object_get_string(json_object_object_get(d, "status")), "stopped", "stopped");

	form = NULL;
	vh_pve_form_add(pool, &form, "cores", "4");
	vh_pve_form_add(pool, &form, "ipconfig0", "ip=203.0.113.10/24,gw=203.0.113.1");
	is_int(vh_pve_config_set(pve, pool, N, id, form, 0, &upid, &pe, &err), VH_OK, "sync config (PUT)");
	ok(upid == NULL, "PUT returns no task");
	form = NULL;
	vh_pve_form_add(pool, &form, "memory", "4096");
	is_int(vh_pve_config_set(pve, pool, N, id, form, 1, &upid, &pe, &err), VH_OK, "async config (POST)");
	is_int(vh_pve_task_wait(pve, pool, upid, 10000, NULL, &pe, &err), VH_OK, "its task ends OK");
	is_int(vh_pve_config_get(pve, pool, N, id, &d, &pe, &err), VH_OK, "read the config");
	is_str(json_object_get_string(json_object_object_get(d, "cores")), "4", "cores set");
	is_str(json_object_get_string(json_object_object_get(d, "memory")), "4096", "memory set by the task");
	form = NULL;
	vh_pve_form_add(pool, &form, "colour", "red");
	vh_pve_config_set(pve, pool, N, id, form, 0, &upid, &pe, &err);
	ok(pe.kind == VH_PVE_BADPARAM && strstr(pe.message, "colour"), "unknown key: %s", pe.message);

	is_int(vh_pve_vm_action(pve, pool, N, id, "reboot", &upid, &pe, &err) == VH_OK, 0, "reboot of a stopped VM is refused");
	ok(pe.kind == VH_PVE_NOT_RUNNING, "as not running (%s)", pe.message);
	is_int(vh_pve_vm_action(pve, pool, N, id, "start", &upid, &pe, &err), VH_OK, "start");
	is_int(vh_pve_task_wait(pve, pool, upid, 10000, NULL, &pe, &err), VH_OK, "start task OK");
	vh_pve_vm_status(pve, pool, N, id, &d, &pe, &err);
	is_str(json_object_get_string(json_object_object_get(d, "status")), "running", "running");
	is_int(vh_pve_vm_action(pve, pool, N, id, "start", &upid, &pe, &err), VH_OK, "start again: a task is returned");
	st = vh_pve_task_wait(pve, pool, upid, 10000, NULL, &pe, &err);
	ok(st != VH_OK && pe.kind == VH_PVE_TASK_FAILED && strstr(pe.message, "already running"),
	   "and it fails in the task: %s", pe.message);
	vh_pve_destroy(pve, pool, N, id, &upid, &pe, &err);
	ok(pe.kind == VH_PVE_RUNNING, "destroy of a running VM is refused (%s)", pe.message);
	is_int(vh_pve_vm_action(pve, pool, N, id, "stop", &upid, &pe, &err), VH_OK, "stop");
	is_int(vh_pve_task_wait(pve, pool, upid, 10000, NULL, &pe, &err), VH_OK, "stop task OK");
	is_int(vh_pve_vm_action(pve, pool, N, id, "stop", &upid, &pe, &err), VH_OK, "stop a stopped VM");
	is_int(vh_pve_task_wait(pve, pool, upid, 10000, NULL, &pe, &err), VH_OK, "ends OK too");
	is_int(vh_pve_destroy(pve, pool, N, id, &upid, &pe, &err), VH_OK, "destroy");
	is_int(vh_pve_task_wait(pve, pool, upid, 10000, NULL, &pe, &err), VH_OK, "destroy task OK");
	vh_pve_vm_status(pve, pool, N, id, &d, &pe, &err);
	ok(pe.kind == VH_PVE_NOTFOUND && strstr(pe.message, "does not exist"), "gone: %s", pe.message);
	vh_pve_destroy(pve, pool, N, id2, &upid, &pe, &err);
	vh_pve_task_wait(pve, pool, upid, 10000, NULL, &pe, &err);

	/* An injected clone failure: the task fails and leaves no VM. */
	sim_post("/_sim/task-fail", "{\"type\":\"qmclone\",\"exitstatus\":\"clone failed: storage full\",\"count\":1}");
	vh_pve_nextid(pve, pool, &id, &pe, &err);
	is_int(vh_pve_clone(pve, pool, N, 9000, id, full_clone("doomed"), &upid, &pe, &err), VH_OK, "clone (to fail)");
	st = vh_pve_task_wait(pve, pool, upid, 10000, NULL, &pe, &err);
	ok(st == VH_BADGATEWAY && pe.kind == VH_PVE_TASK_FAILED && !strcmp(pe.message, "clone failed: storage full"),
	   "the task failed: %s", pe.message);
	vh_pve_vm_status(pve, pool, N, id, &d, &pe, &err);
	ok(pe.kind == VH_PVE_NOTFOUND, "and no VM is left behind");
	st = vh_pve_task_wait(pve, pool, "UPID:nonsense", 1000, NULL, &pe, &err);
	ok(st != VH_OK && pe.kind == VH_PVE_PROTOCOL, "a malformed UPID is refused before asking");

	vh_pve_free(pve);
	vh_pool_free(pool);
	unsetenv("VH_CA_OVERRIDE");
	t_done();
	return done_testing();
}
