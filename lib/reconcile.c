/* Reconciliation, step 4 of the expiry pass (expiry.h): for each Proxmox
 * host, one /cluster/resources listing compared with the servers the
 * database says live there.
 *   - A host with any node not online, or that cannot be listed, is
 *     skipped whole: an outage must never look like "every VM is gone".
 *   - A live server whose VMID is not listed (or holds a VM vibehost did
 *     not make for it) becomes lost, if its row did not change since it
 *     was read; rows are read after the listing, in pages along
 *     uq_servers_host_vmid.
 *   - A VM tagged vibehost that no live row claims is an orphan: reported,
 *     destroyed only with RECONCILE_DESTROY_ORPHANS=1, never when its
 *     server is failed (someone must look) or work is in flight on it.
 *   - Power and node drift are recorded on the row.
 * Everything found is a reconcile_findings row of the pass. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "expiry.h"
#include "expiry_pass.h"
#include "hostpve.h"
#include "jobs.h"
#include "json.h"
#include "log.h"
#include "pool.h"
#include "provision.h"
#include "pve.h"
#include "servers.h"

#define OWNER_MARK "vibehost-server:"
#define VM_TAG "vibehost"
#define KEYCOL(col) "DATE_FORMAT(" col ", '%Y-%m-%d %H:%i:%s.%f')"

static const char sql_hosts[] =
	"SELECT id FROM proxmox_hosts UNION SELECT DISTINCT proxmox_host_id FROM servers "
	"WHERE proxmox_host_id IS NOT NULL ORDER BY 1";
/* The servers of a host that should have a VM, with no job in flight,
 * paged along uq_servers_host_vmid (live_vmid is the vmid of a live row). */
static const char sql_host_rows[] =
	"SELECT s.id, s.vmid, IFNULL(s.proxmox_node, ''), s.power_state, s.status, "
	KEYCOL("s.updated_at") ", s.live_vmid FROM servers s "
	"WHERE s.proxmox_host_id = ? AND s.live_vmid > ? "
	"AND s.status IN ('active', 'expired', 'suspended') "
	"AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.busy_server_id = s.id) "
	"ORDER BY s.live_vmid LIMIT 2000";
/* Lost only if nothing changed since the row was read before the listing. */
static const char sql_mark_lost[] =
	"UPDATE servers SET status = 'lost', status_reason = ?, power_state = 'unknown' "
	"WHERE id = ? AND status = ? AND updated_at = CAST(? AS DATETIME(6)) "
	"AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.busy_server_id = ?)";
static const char sql_drift_power[] =
	"UPDATE servers SET power_state = ?, power_checked_at = UTC_TIMESTAMP(6) "
	"WHERE id = ? AND power_state = ? AND updated_at = CAST(? AS DATETIME(6))";
static const char sql_drift_node[] =
	"UPDATE servers SET proxmox_node = ? WHERE id = ? AND updated_at = CAST(? AS DATETIME(6))";
static const char sql_owner_row[] =
	"SELECT s.status, IFNULL(s.proxmox_host_id, ''), IFNULL(s.vmid, 0), "
	"(SELECT COUNT(*) FROM jobs j WHERE j.busy_server_id = s.id) FROM servers s WHERE s.id = ?";
static const char sql_finding[] =
	"INSERT INTO reconcile_findings (run_id, host_id, node, vmid, server_id, kind, detail) "
	"VALUES (?, ?, ?, ?, ?, ?, ?)";

struct vmrec {
	long vmid;
	json_object *o;
	bool matched;
};

static int cmp_vm(const void *a, const void *b)
{
	long x = ((const struct vmrec *)a)->vmid, y = ((const struct vmrec *)b)->vmid;

	return x < y ? -1 : x > y;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : NULL;
}

static bool has_tag(const char *tags)
{
	const char *t = tags;
	size_t n = strlen(VM_TAG);

	while (t && *t) {
		size_t len = strcspn(t, ";, ");

		if (len == n && !strncmp(t, VM_TAG, n))
			return true;
		t += len;
		t += strspn(t, ";, ");
	}
	return false;
}

static void finding(struct pass *p, struct vh_pool *pool, const char *host, const char *node,
		    long vmid, const char *server, const char *kind, const char *detail)
{
	struct vh_param q[7] = {VH_PINT(p->sum->run_id), VH_PSTR(host), VH_PSTR(node),
				vmid ? VH_PINT(vmid) : VH_PSTR(NULL), VH_PSTR(server), VH_PSTR(kind),
				VH_PSTR(detail)};
	struct vh_err err;

	vh_log(!strcmp(kind, "drift") ? VH_LOG_INFO : VH_LOG_WARN, "reconcile %s: %s%s%s: %s", host,
	       kind, server ? " server " : "", server ? server : "", detail);
	if (p->o->dry_run) {
		vh_expiry_say(p, "reconcile %s: %s%s%s: %s", host, kind, server ? " server " : "",
		    server ? server : "", detail);
		return;
	}
	vh_err_clear(&err);
	if (vh_db_exec(p->db, pool, sql_finding, q, 7, 0, NULL, &err) != VH_OK)
		vh_log(VH_LOG_WARN, "finding not recorded: %s", err.detail);
}

static void server_event(struct pass *p, struct vh_pool *pool, const char *server,
			 enum vh_event_level level, const char *msg)
{
	struct vh_event ev = {0};

	ev.server_id = server;
	ev.level = level;
	ev.step = "reconcile";
	ev.actor = "vibehost-expiry";
	ev.message = msg;
	vh_event_add(p->db, pool, &ev);
}

/* The server id in a VM's description, or NULL. */
static const char *vm_owner(struct vh_pool *pool, json_object *cfg)
{
	const char *d = jstr(cfg, "description"), *m;
	char id[VH_UUID_LEN + 1];
	size_t n;

	if (!d || !(m = strstr(d, OWNER_MARK)))
		return NULL;
	m += strlen(OWNER_MARK);
	n = strspn(m, "0123456789abcdef-");
	if (n != VH_UUID_LEN)
		return NULL;
	memcpy(id, m, n);
	id[n] = '\0';
	return vh_pstrdup(pool, id);
}

/* Stop (hard) and destroy an orphan, waiting for each task. */
static bool destroy_vm(struct pass *p, struct vh_pve *pve, struct vh_pool *pool, const char *node,
		       long vmid, bool running, char *why, size_t whylen)
{
	struct vh_pve_error pe;
	struct vh_err err;
	const char *upid = NULL;
	long wait_ms = p->w->task_timeout_s * 1000;

	memset(&pe, 0, sizeof(pe));
	vh_err_clear(&err);
	if (running) {
		if (vh_pve_vm_action(pve, pool, node, vmid, "stop", &upid, &pe, &err) != VH_OK &&
		    pe.kind != VH_PVE_NOT_RUNNING)
			goto fail;
		if (upid && vh_pve_task_wait(pve, pool, upid, wait_ms, NULL, &pe, &err) != VH_OK)
			goto fail;
	}
	upid = NULL;
	if (vh_pve_destroy(pve, pool, node, vmid, &upid, &pe, &err) != VH_OK)
		goto fail;
	if (upid && vh_pve_task_wait(pve, pool, upid, wait_ms, NULL, &pe, &err) != VH_OK)
		goto fail;
	return true;
fail:
	snprintf(why, whylen, "%s", pe.message[0] ? pe.message : err.detail);
	return false;
}

/* A tagged VM no live row of this host claims. */
static void orphan(struct pass *p, struct vh_pool *pool, const char *host, struct vh_pve *pve,
		   struct vmrec *v)
{
	const char *node = jstr(v->o, "node"), *server = NULL, *why;
	struct vh_pve_error pe;
	struct vh_err err;
	json_object *cfg;
	bool destroyable = true;
	char msg[600];

	memset(&pe, 0, sizeof(pe));
	vh_err_clear(&err);
	if (vh_pve_config_get(pve, pool, node, v->vmid, &cfg, &pe, &err) != VH_OK) {
		if (pe.kind != VH_PVE_NOTFOUND) {  /* gone meanwhile: nothing to report */
			p->sum->errors++;
			vh_log(VH_LOG_WARN, "reconcile %s: VM %ld config unreadable: %s", host, v->vmid,
			       pe.message[0] ? pe.message : err.detail);
		}
		return;
	}
	server = vm_owner(pool, cfg);
	if (server) {
		struct vh_param q[1] = {VH_PSTR(server)};
		struct vh_rows r;

		if (vh_db_exec(p->db, pool, sql_owner_row, q, 1, VH_DB_IDEMPOTENT, &r, &err) != VH_OK) {
			p->sum->errors++;
			return;
		}
		if (r.nrows) {
			const char *status = vh_rows_get(&r, 0, 0), *shost = vh_rows_get(&r, 0, 1);
			long svmid = atol(vh_rows_get(&r, 0, 2));

			if (atol(vh_rows_get(&r, 0, 3)) > 0 || !strcmp(status, "provisioning") ||
			    !strcmp(status, "deleting"))
				return;  /* work in flight owns it */
			if (strcmp(shost, host))
				return;  /* the same cluster under another host id */
			if (vh_server_status_live(status) && svmid == v->vmid)
				return;  /* listed by the row walk's other page */
			if (!strcmp(status, "failed"))
				destroyable = false;  /* a failed rollback: someone looks first */
			why = vh_server_status_live(status)
				      ? vh_psprintf(pool, "server %s has VM %ld; this one is a stray copy",
						    server, svmid)
				      : vh_psprintf(pool, "server %s is %s", server, status);
		} else {
			why = vh_psprintf(pool, "server %s does not exist", server);
			server = NULL;
		}
	} else {
		why = "tagged vibehost but names no server";
	}
	snprintf(msg, sizeof(msg), "VM %ld on %s is an orphan: %s", v->vmid, node, why);
	if (p->o->destroy_orphans && destroyable && !p->o->dry_run) {
		char fail[512];
		const char *status = jstr(v->o, "status");

		if (destroy_vm(p, pve, pool, node, v->vmid, status && !strcmp(status, "running"), fail,
			       sizeof(fail))) {
			p->sum->orphans_destroyed++;
			snprintf(msg, sizeof(msg), "VM %ld on %s destroyed: %s", v->vmid, node, why);
			finding(p, pool, host, node, v->vmid, server, "orphan_destroyed", msg);
			if (server)
				server_event(p, pool, server, VH_EV_WARNING, msg);
			vh_host_vms_forget(host);
			return;
		}
		p->sum->errors++;
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "; destroying it failed: %s", fail);
	}
	p->sum->orphans++;
	finding(p, pool, host, node, v->vmid, server, "orphan", msg);
	if (server && !p->o->dry_run)
		server_event(p, pool, server, VH_EV_WARNING, msg);
}

static void lost(struct pass *p, struct vh_pool *pool, const char *host, const struct vh_rows *r,
		 size_t i, const char *why)
{
	const char *id = vh_rows_get(r, i, 0);
	long vmid = atol(vh_rows_get(r, i, 1));
	struct vh_param q[5] = {VH_PSTR(why), VH_PSTR(id), VH_PSTR(vh_rows_get(r, i, 4)),
				VH_PSTR(vh_rows_get(r, i, 5)), VH_PSTR(id)};
	struct vh_rows u;
	struct vh_err err;

	if (p->o->dry_run) {
		p->sum->lost++;
		finding(p, pool, host, vh_rows_get(r, i, 2), vmid, id, "lost", why);
		return;
	}
	vh_err_clear(&err);
	if (vh_db_exec(p->db, pool, sql_mark_lost, q, 5, 0, &u, &err) != VH_OK) {
		p->sum->errors++;
		vh_log(VH_LOG_ERROR, "server %s: not marked lost: %s", id, err.detail);
		return;
	}
	if (u.affected == 0)
		return;  /* changed since it was read: the next pass looks again */
	p->sum->lost++;
	finding(p, pool, host, vh_rows_get(r, i, 2), vmid, id, "lost", why);
	server_event(p, pool, id, VH_EV_ERROR, vh_psprintf(pool, "lost: %s", why));
}

static void drift(struct pass *p, struct vh_pool *pool, const char *host, const struct vh_rows *r,
		  size_t i, json_object *vm)
{
	const char *id = vh_rows_get(r, i, 0), *node = vh_rows_get(r, i, 2);
	const char *power = vh_rows_get(r, i, 3), *at = vh_rows_get(r, i, 5);
	const char *vnode = jstr(vm, "node"), *vstatus = jstr(vm, "status");
	long vmid = atol(vh_rows_get(r, i, 1));
	struct vh_rows u;
	struct vh_err err;
	const char *msg;

	vh_err_clear(&err);
	if (vnode && strcmp(vnode, node)) {
		struct vh_param q[3] = {VH_PSTR(vnode), VH_PSTR(id), VH_PSTR(at)};

		msg = vh_psprintf(pool, "VM %ld is on node %s, not %s", vmid, vnode, node);
		if (p->o->dry_run || (vh_db_exec(p->db, pool, sql_drift_node, q, 3, 0, &u, &err) == VH_OK &&
				      u.affected)) {
			p->sum->drift++;
			finding(p, pool, host, vnode, vmid, id, "drift", msg);
			if (!p->o->dry_run)
				server_event(p, pool, id, VH_EV_WARNING, msg);
		}
		return;  /* updated_at moved: the power state waits for the next pass */
	}
	/* /cluster/resources says running for a paused VM too. */
	if (!vstatus || (strcmp(vstatus, "running") && strcmp(vstatus, "stopped")) ||
	    !strcmp(vstatus, power) || (!strcmp(power, "paused") && !strcmp(vstatus, "running")))
		return;
	msg = vh_psprintf(pool, "VM %ld is %s; vibehost had it %s", vmid, vstatus, power);
	{
		struct vh_param q[4] = {VH_PSTR(vstatus), VH_PSTR(id), VH_PSTR(power), VH_PSTR(at)};

		if (!p->o->dry_run && (vh_db_exec(p->db, pool, sql_drift_power, q, 4, 0, &u, &err) != VH_OK ||
				       !u.affected))
			return;
	}
	p->sum->drift++;
	finding(p, pool, host, vnode, vmid, id, "drift", msg);
	if (!p->o->dry_run)
		server_event(p, pool, id, VH_EV_INFO, msg);
}

static struct vmrec *find_vm(struct vmrec *vms, size_t n, long vmid)
{
	struct vmrec key = {vmid, NULL, false};

	return n ? bsearch(&key, vms, n, sizeof(*vms), cmp_vm) : NULL;
}

static void reconcile_host(struct pass *p, const char *host)
{
	struct vh_pool *pool = vh_pool_new(), *batch = vh_pool_new();
	struct vh_pve *pve;
	struct vh_pve_error pe;
	struct vh_err err;
	json_object *res;
	struct vmrec *vms;
	size_t i, n = 0, len;
	long long last = 0;
	const char *skip = NULL;

	p->sum->hosts++;
	memset(&pe, 0, sizeof(pe));
	vh_err_clear(&err);
	if (vh_host_client(p->db, pool, host, VH_HOST_JOB, &pve, &err) != VH_OK) {
		skip = vh_psprintf(pool, "no client: %s", err.detail);
		goto skipped;
	}
	/* The rows are read before the listing and a row is marked lost only
	 * if it did not change since: a server that gets its VM while the
	 * listing runs is never taken for one whose VM vanished. */
	if (vh_pve_resources(pve, pool, NULL, &res, &pe, &err) != VH_OK) {
		skip = vh_psprintf(pool, "cannot list the cluster: %s", pe.message[0] ? pe.message : err.detail);
		goto skipped;
	}
	len = json_object_array_length(res);
	vms = vh_palloc(pool, (len + 1) * sizeof(*vms));
	for (i = 0; i < len; i++) {
		json_object *o = json_object_array_get_idx(res, i), *t;
		const char *type = jstr(o, "type"), *status = jstr(o, "status");

		if (type && !strcmp(type, "node") && (!status || strcmp(status, "online"))) {
			/* An outage must never look like "every VM is gone". */
			skip = vh_psprintf(pool, "node %s is %s", jstr(o, "node") ? jstr(o, "node") : "?",
					   status ? status : "unknown");
			goto skipped;
		}
		if (!type || strcmp(type, "qemu"))
			continue;
		if (json_object_object_get_ex(o, "template", &t) && json_object_get_int(t))
			continue;
		vms[n].vmid = (long)json_object_get_int64(json_object_object_get(o, "vmid"));
		vms[n].o = o;
		vms[n++].matched = false;
	}
	qsort(vms, n, sizeof(*vms), cmp_vm);
	/* The listing is taken; now the rows, page by page.  A row changed
	 * after this read is skipped by the guarded updates. */
	for (;;) {
		struct vh_param q[2] = {VH_PSTR(host), VH_PINT(last)};
		struct vh_rows r;

		vh_pool_reset(batch);
		vh_err_clear(&err);
		if (vh_db_exec(p->db, batch, sql_host_rows, q, 2, VH_DB_IDEMPOTENT, &r, &err) != VH_OK) {
			p->sum->errors++;
			vh_log(VH_LOG_ERROR, "reconcile %s: %s", host, err.detail);
			break;
		}
		for (i = 0; i < r.nrows; i++) {
			long vmid = atol(vh_rows_get(&r, i, 1));
			struct vmrec *v = find_vm(vms, n, vmid);

			if (!v) {
				lost(p, batch, host, &r, i,
				     vh_psprintf(batch, "VM %ld no longer exists on %s", vmid, host));
				continue;
			}
			v->matched = true;
			if (!has_tag(jstr(v->o, "tags"))) {
				json_object *cfg;
				const char *owner;

				memset(&pe, 0, sizeof(pe));
				if (vh_pve_config_get(pve, batch, jstr(v->o, "node"), vmid, &cfg, &pe, &err) != VH_OK)
					continue;  /* unreadable: judged next pass */
				owner = vm_owner(batch, cfg);
				if (!owner || strcmp(owner, vh_rows_get(&r, i, 0))) {
					v->matched = false;
					lost(p, batch, host, &r, i,
					     vh_psprintf(batch, "VMID %ld now holds a VM vibehost did not create for it",
							 vmid));
					continue;
				}
			}
			drift(p, batch, host, &r, i, v->o);
		}
		if (r.nrows < 2000)
			break;
		last = atoll(vh_rows_get(&r, r.nrows - 1, 6));
	}
	for (i = 0; i < n; i++) {
		if (vms[i].matched || !has_tag(jstr(vms[i].o, "tags")))
			continue;
		vh_pool_reset(batch);
		orphan(p, batch, host, pve, &vms[i]);
	}
	goto out;
skipped:
	p->sum->hosts_skipped++;
	finding(p, pool, host, NULL, 0, NULL, "host_skipped", skip);
out:
	vh_pool_free(batch);
	vh_pool_free(pool);
}

enum vh_status vh_expiry_reconcile(struct pass *p, struct vh_err *err)
{
	struct vh_pool *pool = vh_pool_new();
	struct vh_rows r;
	enum vh_status st;
	size_t i;

	st = vh_db_exec(p->db, pool, sql_hosts, NULL, 0, VH_DB_IDEMPOTENT, &r, err);
	if (st == VH_OK)
		for (i = 0; i < r.nrows && !*p->w->stop; i++)
			reconcile_host(p, vh_rows_get(&r, i, 0));
	vh_pool_free(pool);
	return st;
}
