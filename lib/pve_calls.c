/* The PVE API calls vibehost makes, one function each: paths and
 * parameters as research/pve-api.md gives them.  Each is a thin shape over
 * vh_pve_call(); what the answer means is the caller's business. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "pool.h"
#include "pve_impl.h"

#define PATH(rest) vh_pve_vm_path(pool, node, vmid, rest)

/* A call that starts a task: the answer must be a UPID. */
static enum vh_status task_call(struct vh_pve *pve, struct vh_pool *pool, const char *method,
				const char *path, const char *form, const char **upid,
				struct vh_pve_error *pe, struct vh_err *err)
{
	struct vh_pve_upid u;
	json_object *d;
	enum vh_status st;

	*upid = NULL;
	st = vh_pve_call(pve, pool, method, path, form, &d, pe, err);
	if (st != VH_OK)
		return st;
	if (!json_object_is_type(d, json_type_string) ||
	    vh_pve_upid_parse(json_object_get_string(d), &u) != 0) {
		vh_pve_seterr(pe, VH_PVE_PROTOCOL, 200, "expected a task id (UPID)");
		return vh_pve_error_status(pe, err);
	}
	*upid = json_object_get_string(d);
	return VH_OK;
}

static enum vh_status get(struct vh_pve *pve, struct vh_pool *pool, const char *path,
			  const char *form, json_object **out, struct vh_pve_error *pe,
			  struct vh_err *err)
{
	return vh_pve_call(pve, pool, "GET", path, form, out, pe, err);
}

/* ---- cluster and nodes ------------------------------------------------------------ */

enum vh_status vh_pve_version(struct vh_pve *pve, struct vh_pool *pool, json_object **out,
			      struct vh_pve_error *pe, struct vh_err *err)
{
	return get(pve, pool, "/version", NULL, out, pe, err);
}

enum vh_status vh_pve_nodes(struct vh_pve *pve, struct vh_pool *pool, json_object **out,
			    struct vh_pve_error *pe, struct vh_err *err)
{
	return get(pve, pool, "/nodes", NULL, out, pe, err);
}

enum vh_status vh_pve_node_status(struct vh_pve *pve, struct vh_pool *pool, const char *node,
				  json_object **out, struct vh_pve_error *pe, struct vh_err *err)
{
	return get(pve, pool, vh_psprintf(pool, "/nodes/%s/status", vh_pve_escape(pool, node)),
		   NULL, out, pe, err);
}

enum vh_status vh_pve_resources(struct vh_pve *pve, struct vh_pool *pool, const char *type,
				json_object **out, struct vh_pve_error *pe, struct vh_err *err)
{
	const char *form = NULL;

	if (type)
		vh_pve_form_add(pool, &form, "type", type);
	return get(pve, pool, "/cluster/resources", form, out, pe, err);
}

/* A vmid as PVE gives it: a string of digits (a number tolerated). */
static long read_vmid(json_object *d)
{
	const char *s = d ? json_object_get_string(d) : NULL;
	char *end;
	long v;

	if (!s || !isdigit((unsigned char)*s))
		return 0;
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= 100 && v <= 999999999 ? v : 0;
}

enum vh_status vh_pve_nextid(struct vh_pve *pve, struct vh_pool *pool, long *vmid,
			     struct vh_pve_error *pe, struct vh_err *err)
{
	json_object *d;
	enum vh_status st = get(pve, pool, "/cluster/nextid", NULL, &d, pe, err);

	*vmid = 0;
	if (st != VH_OK)
		return st;
	*vmid = read_vmid(d);
	if (!*vmid) {
		vh_pve_seterr(pe, VH_PVE_PROTOCOL, 200, "nextid answered no usable vmid");
		return vh_pve_error_status(pe, err);
	}
	return VH_OK;
}

enum vh_status vh_pve_nextid_check(struct vh_pve *pve, struct vh_pool *pool, long vmid,
				   struct vh_pve_error *pe, struct vh_err *err)
{
	const char *form = NULL;
	json_object *d;
	enum vh_status st;

	vh_pve_form_int(pool, &form, "vmid", vmid);
	/* Free: PVE echoes the id.  Taken: 400 {"vmid":"VM N already exists"},
	 * which the classifier calls EXISTS. */
	st = get(pve, pool, "/cluster/nextid", form, &d, pe, err);
	if (st == VH_OK && read_vmid(d) != vmid) {
		vh_pve_seterr(pe, VH_PVE_PROTOCOL, 200, "nextid did not echo the vmid asked about");
		return vh_pve_error_status(pe, err);
	}
	return st;
}

enum vh_status vh_pve_storage(struct vh_pve *pve, struct vh_pool *pool, const char *node,
			      const char *content, json_object **out, struct vh_pve_error *pe,
			      struct vh_err *err)
{
	const char *form = NULL;

	if (content)
		vh_pve_form_add(pool, &form, "content", content);
	return get(pve, pool, vh_psprintf(pool, "/nodes/%s/storage", vh_pve_escape(pool, node)),
		   form, out, pe, err);
}

enum vh_status vh_pve_pci(struct vh_pve *pve, struct vh_pool *pool, const char *node,
			  json_object **out, struct vh_pve_error *pe, struct vh_err *err)
{
	return get(pve, pool,
		   vh_psprintf(pool, "/nodes/%s/hardware/pci", vh_pve_escape(pool, node)), NULL,
		   out, pe, err);
}

/* ---- VM lifecycle ---------------------------------------------------------------- */

enum vh_status vh_pve_create(struct vh_pve *pve, struct vh_pool *pool, const char *node,
			     long vmid, const char *form, const char **upid,
			     struct vh_pve_error *pe, struct vh_err *err)
{
	const char *f = NULL;

	vh_pve_form_int(pool, &f, "vmid", vmid);
	if (form && *form)
		f = vh_psprintf(pool, "%s&%s", f, form);
	return task_call(pve, pool, "POST",
			 vh_psprintf(pool, "/nodes/%s/qemu", vh_pve_escape(pool, node)), f, upid,
			 pe, err);
}

enum vh_status vh_pve_clone(struct vh_pve *pve, struct vh_pool *pool, const char *node, long src,
			    long newid, const struct vh_pve_clone_opts *o, const char **upid,
			    struct vh_pve_error *pe, struct vh_err *err)
{
	static const struct vh_pve_clone_opts defaults = {NULL, -1, NULL, NULL, NULL, NULL, NULL};
	const char *form = NULL;
	long vmid = src;

	if (!o)
		o = &defaults;
	vh_pve_form_int(pool, &form, "newid", newid);
	if (o->name)
		vh_pve_form_add(pool, &form, "name", o->name);
	/* Left out, PVE picks linked for a template and full otherwise. */
	if (o->full >= 0)
		vh_pve_form_bool(pool, &form, "full", o->full);
	if (o->storage)
		vh_pve_form_add(pool, &form, "storage", o->storage);
	if (o->target)
		vh_pve_form_add(pool, &form, "target", o->target);
	if (o->pool)
		vh_pve_form_add(pool, &form, "pool", o->pool);
	if (o->snapname)
		vh_pve_form_add(pool, &form, "snapname", o->snapname);
	if (o->description)
		vh_pve_form_add(pool, &form, "description", o->description);
	return task_call(pve, pool, "POST", PATH("/clone"), form, upid, pe, err);
}

enum vh_status vh_pve_config_get(struct vh_pve *pve, struct vh_pool *pool, const char *node,
				 long vmid, json_object **out, struct vh_pve_error *pe,
				 struct vh_err *err)
{
	return get(pve, pool, PATH("/config"), NULL, out, pe, err);
}

enum vh_status vh_pve_config_set(struct vh_pve *pve, struct vh_pool *pool, const char *node,
				 long vmid, const char *form, int async, const char **upid,
				 struct vh_pve_error *pe, struct vh_err *err)
{
	json_object *d;

	*upid = NULL;
	if (async)
		return task_call(pve, pool, "POST", PATH("/config"), form, upid, pe, err);
	return vh_pve_call(pve, pool, "PUT", PATH("/config"), form, &d, pe, err);
}

enum vh_status vh_pve_config_delete(struct vh_pve *pve, struct vh_pool *pool, const char *node,
				    long vmid, const char *keys, struct vh_pve_error *pe,
				    struct vh_err *err)
{
	const char *form = NULL, *upid;

	vh_pve_form_add(pool, &form, "delete", keys);
	return vh_pve_config_set(pve, pool, node, vmid, form, 0, &upid, pe, err);
}

enum vh_status vh_pve_pending(struct vh_pve *pve, struct vh_pool *pool, const char *node,
			      long vmid, json_object **out, struct vh_pve_error *pe,
			      struct vh_err *err)
{
	return get(pve, pool, PATH("/pending"), NULL, out, pe, err);
}

enum vh_status vh_pve_resize(struct vh_pve *pve, struct vh_pool *pool, const char *node,
			     long vmid, const char *disk, const char *size, const char **upid,
			     struct vh_pve_error *pe, struct vh_err *err)
{
	const char *form = NULL;
	json_object *d;
	enum vh_status st;

	*upid = NULL;
	vh_pve_form_add(pool, &form, "disk", disk);
	vh_pve_form_add(pool, &form, "size", size);
	st = vh_pve_call(pve, pool, "PUT", PATH("/resize"), form, &d, pe, err);
	/* qemu-server before 8.0 resized synchronously and answered null. */
	if (st != VH_OK || !d)
		return st;
	if (!json_object_is_type(d, json_type_string)) {
		vh_pve_seterr(pe, VH_PVE_PROTOCOL, 200, "expected a task id (UPID) or null");
		return vh_pve_error_status(pe, err);
	}
	*upid = json_object_get_string(d);
	return VH_OK;
}

enum vh_status vh_pve_template(struct vh_pve *pve, struct vh_pool *pool, const char *node,
			       long vmid, const char **upid, struct vh_pve_error *pe,
			       struct vh_err *err)
{
	return task_call(pve, pool, "POST", PATH("/template"), NULL, upid, pe, err);
}

enum vh_status vh_pve_destroy(struct vh_pve *pve, struct vh_pool *pool, const char *node,
			      long vmid, const char **upid, struct vh_pve_error *pe,
			      struct vh_err *err)
{
	/* purge drops the VM from backup jobs, replication and HA too, so
	 * nothing refers to a vmid that may be handed out again. */
	return task_call(pve, pool, "DELETE", PATH(""), "purge=1&destroy-unreferenced-disks=1",
			 upid, pe, err);
}

enum vh_status vh_pve_vm_status(struct vh_pve *pve, struct vh_pool *pool, const char *node,
				long vmid, json_object **out, struct vh_pve_error *pe,
				struct vh_err *err)
{
	return get(pve, pool, PATH("/status/current"), NULL, out, pe, err);
}

/* The power actions PVE has, each a POST to status/<action>. */
static const char *const power_actions[] = {"start", "stop", "shutdown", "reboot", "reset",
					    "suspend", "resume", NULL};

static enum vh_status power(struct vh_pve *pve, struct vh_pool *pool, const char *node, long vmid,
			    const char *action, const char *form, const char **upid,
			    struct vh_pve_error *pe, struct vh_err *err)
{
	size_t i;

	*upid = NULL;
	for (i = 0; power_actions[i] && strcmp(power_actions[i], action); i++)
		;
	if (!power_actions[i])
		return vh_fail(err, VH_INTERNAL, "internal_error", "unknown power action %s", action);
	return task_call(pve, pool, "POST", PATH(vh_psprintf(pool, "/status/%s", action)), form,
			 upid, pe, err);
}

enum vh_status vh_pve_vm_action(struct vh_pve *pve, struct vh_pool *pool, const char *node,
				long vmid, const char *action, const char **upid,
				struct vh_pve_error *pe, struct vh_err *err)
{
	return power(pve, pool, node, vmid, action, NULL, upid, pe, err);
}

enum vh_status vh_pve_shutdown(struct vh_pve *pve, struct vh_pool *pool, const char *node,
			       long vmid, long timeout_s, bool force, const char **upid,
			       struct vh_pve_error *pe, struct vh_err *err)
{
	const char *form = NULL;

	if (timeout_s > 0)
		vh_pve_form_int(pool, &form, "timeout", timeout_s);
	if (force)
		vh_pve_form_bool(pool, &form, "forceStop", 1);
	return power(pve, pool, node, vmid, "shutdown", form, upid, pe, err);
}

enum vh_status vh_pve_migrate(struct vh_pve *pve, struct vh_pool *pool, const char *node,
			      long vmid, const char *target, bool online, const char **upid,
			      struct vh_pve_error *pe, struct vh_err *err)
{
	const char *form = NULL;

	vh_pve_form_add(pool, &form, "target", target);
	if (online)
		vh_pve_form_bool(pool, &form, "online", 1);
	return task_call(pve, pool, "POST", PATH("/migrate"), form, upid, pe, err);
}

/* ---- guest agent ------------------------------------------------------------------ */

enum vh_status vh_pve_agent_interfaces(struct vh_pve *pve, struct vh_pool *pool,
				       const char *node, long vmid, json_object **out,
				       struct vh_pve_error *pe, struct vh_err *err)
{
	return get(pve, pool, PATH("/agent/network-get-interfaces"), NULL, out, pe, err);
}

/* Addresses a customer cannot reach the VM on: loopback and link-local. */
static bool usable_ip(const char *type, const char *ip)
{
	unsigned char a[16];

	if (!strcmp(type, "ipv4")) {
		if (inet_pton(AF_INET, ip, a) != 1)
			return false;
		return a[0] != 127 && !(a[0] == 169 && a[1] == 254) && a[0] != 0;
	}
	if (!strcmp(type, "ipv6")) {
		static const unsigned char loop[16] = {[15] = 1};

		if (inet_pton(AF_INET6, ip, a) != 1)
			return false;
		return memcmp(a, loop, 16) != 0 && !(a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
	}
	return false;
}

void vh_pve_pick_ips(json_object *answer, struct vh_pool *pool, const char **ipv4,
		     const char **ipv6)
{
	json_object *ifs = answer;
	size_t i, j;

	*ipv4 = *ipv6 = NULL;
	if (json_object_is_type(answer, json_type_object))
		ifs = json_object_object_get(answer, "result");
	if (!json_object_is_type(ifs, json_type_array))
		return;
	for (i = 0; i < json_object_array_length(ifs); i++) {
		json_object *nic = json_object_array_get_idx(ifs, i);
		const char *name = json_object_get_string(json_object_object_get(nic, "name"));
		json_object *ips = json_object_object_get(nic, "ip-addresses");

		/* Linux calls it lo, Windows "Loopback Pseudo-Interface 1". */
		if (!name || !strcmp(name, "lo") || !strncasecmp(name, "loopback", 8) ||
		    !json_object_is_type(ips, json_type_array))
			continue;
		for (j = 0; j < json_object_array_length(ips); j++) {
			json_object *a = json_object_array_get_idx(ips, j);
			const char *type = json_object_get_string(json_object_object_get(a, "ip-address-type"));
			const char *ip = json_object_get_string(json_object_object_get(a, "ip-address"));

			if (!type || !ip || !usable_ip(type, ip))
				continue;
			if (!*ipv4 && !strcmp(type, "ipv4"))
				*ipv4 = vh_pstrdup(pool, ip);
			if (!*ipv6 && !strcmp(type, "ipv6"))
				*ipv6 = vh_pstrdup(pool, ip);
		}
	}
}

enum vh_status vh_pve_agent_ips(struct vh_pve *pve, struct vh_pool *pool, const char *node,
				long vmid, const char **ipv4, const char **ipv6,
				struct vh_pve_error *pe, struct vh_err *err)
{
	json_object *d;
	enum vh_status st = vh_pve_agent_interfaces(pve, pool, node, vmid, &d, pe, err);

	*ipv4 = *ipv6 = NULL;
	if (st == VH_OK)
		vh_pve_pick_ips(d, pool, ipv4, ipv6);
	return st;
}

enum vh_status vh_pve_agent_set_password(struct vh_pve *pve, struct vh_pool *pool,
					 const char *node, long vmid, const char *username,
					 const char *password, struct vh_pve_error *pe,
					 struct vh_err *err)
{
	const char *form = NULL;
	json_object *d;

	vh_pve_form_add(pool, &form, "username", username);
	vh_pve_form_add(pool, &form, "password", password);
	vh_pve_form_bool(pool, &form, "crypted", 0);
	return vh_pve_call(pve, pool, "POST", PATH("/agent/set-user-password"), form, &d, pe, err);
}

/* ---- snapshots -------------------------------------------------------------------- */

enum vh_status vh_pve_snapshots(struct vh_pve *pve, struct vh_pool *pool, const char *node,
				long vmid, json_object **out, struct vh_pve_error *pe,
				struct vh_err *err)
{
	json_object *d, *list;
	enum vh_status st = get(pve, pool, PATH("/snapshot"), NULL, &d, pe, err);
	size_t i;

	*out = NULL;
	if (st != VH_OK)
		return st;
	if (!json_object_is_type(d, json_type_array)) {
		vh_pve_seterr(pe, VH_PVE_PROTOCOL, 200, "the snapshot list is not a list");
		return vh_pve_error_status(pe, err);
	}
	/* "current" is the live state, not a snapshot. */
	list = vh_json_own(pool, json_object_new_array());
	for (i = 0; i < json_object_array_length(d); i++) {
		json_object *s = json_object_array_get_idx(d, i);
		const char *name = json_object_get_string(json_object_object_get(s, "name"));

		if (name && strcmp(name, "current") != 0)
			json_object_array_add(list, json_object_get(s));
	}
	*out = list;
	return VH_OK;
}

static const char *snap_path(struct vh_pool *pool, const char *node, long vmid, const char *name,
			     const char *rest)
{
	return PATH(vh_psprintf(pool, "/snapshot/%s%s", vh_pve_escape(pool, name), rest));
}

enum vh_status vh_pve_snapshot_create(struct vh_pve *pve, struct vh_pool *pool, const char *node,
				      long vmid, const char *name, const char *description,
				      bool vmstate, const char **upid, struct vh_pve_error *pe,
				      struct vh_err *err)
{
	const char *form = NULL;

	vh_pve_form_add(pool, &form, "snapname", name);
	if (description)
		vh_pve_form_add(pool, &form, "description", description);
	if (vmstate)
		vh_pve_form_bool(pool, &form, "vmstate", 1);
	return task_call(pve, pool, "POST", PATH("/snapshot"), form, upid, pe, err);
}

enum vh_status vh_pve_snapshot_rollback(struct vh_pve *pve, struct vh_pool *pool,
					const char *node, long vmid, const char *name,
					const char **upid, struct vh_pve_error *pe,
					struct vh_err *err)
{
	return task_call(pve, pool, "POST", snap_path(pool, node, vmid, name, "/rollback"), NULL,
			 upid, pe, err);
}

enum vh_status vh_pve_snapshot_delete(struct vh_pve *pve, struct vh_pool *pool, const char *node,
				      long vmid, const char *name, const char **upid,
				      struct vh_pve_error *pe, struct vh_err *err)
{
	return task_call(pve, pool, "DELETE", snap_path(pool, node, vmid, name, ""), NULL, upid,
			 pe, err);
}
