/* vibehost-pve: make one PVE call through lib/pve.c and print the answer,
 * to debug a host the way vibehost itself talks to it (same encoding,
 * auth, TLS pinning and error kinds).  The host comes from PROXMOX_HOST,
 * PROXMOX_USERNAME, PROXMOX_PASSWORD, PROXMOX_REALM and
 * PROXMOX_TLS_FINGERPRINT (the config file or environment), or from the
 * options; a token only from $PVE_TOKEN, so that no secret ever sits on a
 * command line where ps shows it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cli.h"
#include "json.h"
#include "pool.h"
#include "pve.h"

struct ctx {
	struct vh_pve *pve;
	struct vh_pool *pool;
	const char *node, *upid, *type, *method, *path, *form;
	long vmid, deadline_ms;
	bool wait;
	json_object *out;
	const char *upid_out;
	struct vh_pve_error pe;
	struct vh_err err;
};

enum { NEED_NODE = 1, NEED_VMID = 2, NEED_UPID = 4, NEED_PATH = 8 };

#define ARGS struct ctx *c
#define PE &c->pe, &c->err

static enum vh_status c_version(ARGS)
{
	return vh_pve_version(c->pve, c->pool, &c->out, PE);
}
static enum vh_status c_nodes(ARGS)
{
	return vh_pve_nodes(c->pve, c->pool, &c->out, PE);
}
static enum vh_status c_resources(ARGS)
{
	return vh_pve_resources(c->pve, c->pool, c->type, &c->out, PE);
}
static enum vh_status c_node_status(ARGS)
{
	return vh_pve_node_status(c->pve, c->pool, c->node, &c->out, PE);
}
static enum vh_status c_storage(ARGS)
{
	return vh_pve_storage(c->pve, c->pool, c->node, c->type, &c->out, PE);
}
static enum vh_status c_pci(ARGS)
{
	return vh_pve_pci(c->pve, c->pool, c->node, &c->out, PE);
}
static enum vh_status c_nextid(ARGS)
{
	long id;
	enum vh_status st = vh_pve_nextid(c->pve, c->pool, &id, PE);

	c->out = st == VH_OK ? vh_json_own(c->pool, json_object_new_int64(id)) : NULL;
	return st;
}
static enum vh_status c_status(ARGS)
{
	return vh_pve_vm_status(c->pve, c->pool, c->node, c->vmid, &c->out, PE);
}
static enum vh_status c_config(ARGS)
{
	return vh_pve_config_get(c->pve, c->pool, c->node, c->vmid, &c->out, PE);
}
static enum vh_status c_pending(ARGS)
{
	return vh_pve_pending(c->pve, c->pool, c->node, c->vmid, &c->out, PE);
}
static enum vh_status c_snapshots(ARGS)
{
	return vh_pve_snapshots(c->pve, c->pool, c->node, c->vmid, &c->out, PE);
}
static enum vh_status c_agent_ips(ARGS)
{
	const char *v4, *v6;
	enum vh_status st = vh_pve_agent_ips(c->pve, c->pool, c->node, c->vmid, &v4, &v6, PE);

	if (st == VH_OK) {
		c->out = vh_json_own(c->pool, json_object_new_object());
		vh_json_add_str(c->out, "ipv4", v4);
		vh_json_add_str(c->out, "ipv6", v6);
	}
	return st;
}
static enum vh_status c_task(ARGS)
{
	struct vh_pve_task t;
	enum vh_status st = vh_pve_task_status(c->pve, c->pool, c->upid, &t, PE);

	if (st == VH_OK) {
		c->out = vh_json_own(c->pool, json_object_new_object());
		vh_json_add_str(c->out, "status", t.state == VH_PVE_TASK_RUNNING ? "running" : "stopped");
		vh_json_add_str(c->out, "exitstatus", t.exitstatus);
	}
	return st;
}
static enum vh_status c_task_log(ARGS)
{
	long total;

	return vh_pve_task_log(c->pve, c->pool, c->upid, 0, 500, &c->out, &total, PE);
}
static enum vh_status c_wait(ARGS)
{
	return vh_pve_task_wait(c->pve, c->pool, c->upid, c->deadline_ms, NULL, PE);
}
static enum vh_status c_power(ARGS, const char *action)
{
	return vh_pve_vm_action(c->pve, c->pool, c->node, c->vmid, action, &c->upid_out, PE);
}
static enum vh_status c_start(ARGS)
{
	return c_power(c, "start");
}
static enum vh_status c_stop(ARGS)
{
	return c_power(c, "stop");
}
static enum vh_status c_shutdown(ARGS)
{
	return c_power(c, "shutdown");
}
static enum vh_status c_reboot(ARGS)
{
	return c_power(c, "reboot");
}
static enum vh_status c_destroy(ARGS)
{
	return vh_pve_destroy(c->pve, c->pool, c->node, c->vmid, &c->upid_out, PE);
}
static enum vh_status c_raw(ARGS)
{
	return vh_pve_call(c->pve, c->pool, c->method ? c->method : "GET", c->path, c->form, &c->out,
			   PE);
}

static const struct {
	const char *name;
	unsigned needs;
	enum vh_status (*run)(struct ctx *);
	const char *help;
} calls[] = {
	{"version", 0, c_version, "GET /version"},
	{"nodes", 0, c_nodes, "GET /nodes"},
	{"resources", 0, c_resources, "GET /cluster/resources [--type vm|node|storage]"},
	{"nextid", 0, c_nextid, "GET /cluster/nextid"},
	{"node-status", NEED_NODE, c_node_status, "GET /nodes/N/status"},
	{"storage", NEED_NODE, c_storage, "GET /nodes/N/storage [--type CONTENT]"},
	{"pci", NEED_NODE, c_pci, "GET /nodes/N/hardware/pci"},
	{"status", NEED_NODE | NEED_VMID, c_status, "a VM's status/current"},
	{"config", NEED_NODE | NEED_VMID, c_config, "a VM's config"},
	{"pending", NEED_NODE | NEED_VMID, c_pending, "a VM's pending changes"},
	{"snapshots", NEED_NODE | NEED_VMID, c_snapshots, "a VM's snapshots"},
	{"agent-ips", NEED_NODE | NEED_VMID, c_agent_ips, "first IPv4/IPv6 from the guest agent"},
	{"start", NEED_NODE | NEED_VMID, c_start, "start a VM (--wait to wait)"},
	{"stop", NEED_NODE | NEED_VMID, c_stop, "stop a VM"},
	{"shutdown", NEED_NODE | NEED_VMID, c_shutdown, "shut a VM down"},
	{"reboot", NEED_NODE | NEED_VMID, c_reboot, "reboot a VM"},
	{"destroy", NEED_NODE | NEED_VMID, c_destroy, "destroy a VM (purge)"},
	{"task", NEED_UPID, c_task, "a task's status"},
	{"task-log", NEED_UPID, c_task_log, "a task's log"},
	{"wait", NEED_UPID, c_wait, "wait for a task (--deadline ms)"},
	{"raw", NEED_PATH, c_raw, "--method M --path /x [--form a=1&b=2]"},
};

int main(int argc, char **argv)
{
	const char *call = NULL, *url = NULL, *user = NULL, *fp = NULL, *ca = NULL, *vmid = NULL;
	const char *deadline = "60000", *wait = NULL, *list = NULL;
	struct ctx c;
	const struct vh_cli_opt extra[] = {
		{"--call", true, "what to call (--list shows the calls)", &call},
		{"--list", false, "list the calls", &list},
		{"--url", true, "API URL (default: PROXMOX_HOST)", &url},
		{"--user", true, "USER@REALM (default: PROXMOX_USERNAME@PROXMOX_REALM)", &user},
		{"--pin", true, "pinned SHA-256 certificate fingerprint AA:BB:..", &fp},
		{"--ca-file", true, "CA bundle to verify the host against", &ca},
		{"--node", true, "node name", &c.node},
		{"--vmid", true, "VM id", &vmid},
		{"--upid", true, "task id", &c.upid},
		{"--type", true, "resource type or storage content filter", &c.type},
		{"--method", true, "raw: GET, POST, PUT or DELETE", &c.method},
		{"--path", true, "raw: path under /api2/json", &c.path},
		{"--form", true, "raw: url-encoded parameters", &c.form},
		{"--wait", false, "wait for the task a call starts", &wait},
		{"--deadline", true, "task wait deadline in ms (default 60000)", &deadline},
		{NULL, false, NULL, NULL},
	};
	const struct vh_cli cli = {
		.program = "vibehost-pve",
		.program_mask = VH_PROG_SIM,
		.summary = "Make one Proxmox VE API call the way vibehost does and print the JSON\n"
			   "answer.  The password comes from PROXMOX_PASSWORD, a token\n"
			   "(USER@REALM!ID=SECRET) from $PVE_TOKEN.  Errors print their kind\n"
			   "(auth_failed, tls_failed, locked, ...) and PVE's message; exit 1.",
		.extra = extra,
	};
	struct vh_pve_config pc = {0};
	size_t i;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = vh_cli_start(&cli, argc, argv);
	if (rc >= 0)
		return rc;
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (list)
			printf("%-12s %s\n", calls[i].name, calls[i].help);
		else if (call && !strcmp(call, calls[i].name))
			break;
	if (list || i == sizeof(calls) / sizeof(calls[0])) {
		if (!list)
			fprintf(stderr, "vibehost-pve: give --call NAME (--list shows them)\n");
		vh_cfg_reset();
		return list ? 0 : 2;
	}
	c.vmid = vmid ? atol(vmid) : 0;
	c.deadline_ms = atol(deadline);
	c.wait = wait != NULL;
	if (((calls[i].needs & NEED_NODE) && !c.node) || ((calls[i].needs & NEED_VMID) && !c.vmid) ||
	    ((calls[i].needs & NEED_UPID) && !c.upid) || ((calls[i].needs & NEED_PATH) && !c.path)) {
		fprintf(stderr, "vibehost-pve: %s needs %s\n", calls[i].name, calls[i].help);
		vh_cfg_reset();
		return 2;
	}
	c.pool = vh_pool_new();
	pc.api_url = url ? url : vh_cfg_str(CFG_PROXMOX_HOST);
	if (pc.api_url && *pc.api_url && !strstr(pc.api_url, "://"))
		pc.api_url = vh_psprintf(c.pool, "https://%s:8006", pc.api_url);
	pc.token = getenv("PVE_TOKEN");
	if (!pc.token) {
		pc.username = user ? user
				   : vh_psprintf(c.pool, "%s@%s", vh_cfg_str(CFG_PROXMOX_USERNAME),
						 vh_cfg_str(CFG_PROXMOX_REALM));
		pc.password = vh_cfg_str(CFG_PROXMOX_PASSWORD);
	}
	pc.fingerprint = fp ? fp : vh_cfg_str(CFG_PROXMOX_TLS_FINGERPRINT);
	pc.ca_file = ca;
	c.pve = vh_pve_new(&pc);
	rc = calls[i].run(&c);
	if (rc == VH_OK && c.upid_out && c.wait)
		rc = vh_pve_task_wait(c.pve, c.pool, c.upid_out, c.deadline_ms, NULL, &c.pe, &c.err);
	if (rc != VH_OK) {
		fprintf(stderr, "vibehost-pve: %s (HTTP %ld): %s\n", vh_pve_kind_name(c.pe.kind),
			c.pe.http_status, c.pe.message);
		if (c.pe.log_tail[0])
			fprintf(stderr, "%s\n", c.pe.log_tail);
	} else if (c.upid_out) {
		printf("%s\n", c.upid_out);
	} else {
		printf("%s\n", c.out ? json_object_to_json_string_ext(c.out, JSON_C_TO_STRING_PRETTY)
				     : "null");
	}
	vh_pve_free(c.pve);
	vh_pool_free(c.pool);
	vh_cfg_reset();
	return rc == VH_OK ? 0 : 1;
}
