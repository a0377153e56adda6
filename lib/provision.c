/* The job runner: the provisioning saga and the later actions on a server,
 * each a list of resumable steps (see provision.h for the contract). */
#include "config.h"

#include <crypt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "db.h"
#include "hostpve.h"
#include "ippool.h"
#include "jobs.h"
#include "json.h"
#include "log.h"
#include "notify.h"
#include "pool.h"
#include "provision.h"
#include "pve.h"
#include "servers.h"
#include "users.h"

/* Catalog lookups the steps need, all by primary key. */
static const char sql_plan_source[] =
	"SELECT template_vmid, clone_mode, disk_storage FROM plans WHERE name = ?";
static const char sql_os_source[] =
	"SELECT v.template_vmid, t.default_user, t.os_type FROM os_templates t "
	"LEFT JOIN os_template_vmids v ON v.os_template = t.name AND v.proxmox_host_id = ? "
	"WHERE t.name = ?";

/* How vibehost marks the VMs it owns: reconciliation and every step that
 * finds a VM already there read this back. */
#define OWNER_MARK "vibehost-server:"
#define VM_TAG "vibehost"

enum res {
	R_NEXT,   /* step done */
	R_GOTO,   /* go to r->next_step */
	R_RETRY,  /* transient: run this step again later */
	R_FAIL,   /* permanent: fail the job (and roll back) */
	R_LOST,   /* the lease went to another worker: touch nothing more */
	R_STOP,   /* shutting down: the job was handed back */
};

struct run {
	struct vh_worker *w;
	struct vh_db *db;
	struct vh_pool *pool;
	struct vh_job *job;
	struct vh_server srv;
	json_object *payload;
	struct vh_pve *pve;
	struct vh_pve_error pe;
	struct vh_err err;
	const char *next_step;
	char note[512];      /* what the step did (an event) */
	char msg[1024];      /* why it failed */
	char upid[256];      /* job->upid points here once a step starts a task */
};

typedef enum res (*step_fn)(struct run *r);

struct step {
	const char *name;
	step_fn fn;
};

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

void vh_worker_from_cfg(struct vh_worker *w, struct vh_db *db)
{
	w->db = db;
	w->lease_s = vh_cfg_int(CFG_JOB_LEASE_SECONDS);
	w->max_attempts = vh_cfg_int(CFG_JOB_MAX_ATTEMPTS);
	w->retry_base_ms = vh_cfg_int(CFG_JOB_RETRY_BASE_MS);
	w->retry_max_ms = vh_cfg_int(CFG_JOB_RETRY_MAX_MS);
	w->task_timeout_s = vh_cfg_int(CFG_TASK_TIMEOUT_SECONDS);
	w->agent_wait_s = vh_cfg_int(CFG_AGENT_WAIT_SECONDS);
	w->shutdown_timeout_s = vh_cfg_int(CFG_SHUTDOWN_TIMEOUT_SECONDS);
}

/* ---- passwords ------------------------------------------------------------------ */

void vh_password_generate(char out[21])
{
	/* No 0/O, 1/l/I: a customer may have to type it from an SMS. */
	static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char rnd[20];
	size_t i;

	vh_random_bytes(rnd, sizeof(rnd));
	for (i = 0; i < 20; i++)  /* 57 symbols: the bias of % is below 0.5 % per character */
		out[i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
	out[20] = '\0';
}

enum vh_status vh_password_hash(struct vh_pool *pool, const char *password, const char **hash,
				struct vh_err *err)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = vh_palloc(pool, sizeof(*cd));
	const char *h;

	/* crypt_gensalt_rn reads the kernel's randomness itself when given
	 * no bytes. */
	if (!crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)))
		return vh_fail(err, VH_INTERNAL, "internal", "cannot make a password salt");
	h = crypt_r(password, salt, cd);
	if (!h || h[0] != '$')
		return vh_fail(err, VH_INTERNAL, "internal", "cannot hash the password");
	*hash = vh_pstrdup(pool, h);
	explicit_bzero(cd, sizeof(*cd));
	return VH_OK;
}

/* ---- helpers -------------------------------------------------------------------- */

static const char *pl_str(struct run *r, const char *key)
{
	json_object *v;

	if (!r->payload || !json_object_object_get_ex(r->payload, key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

static void event(struct run *r, enum vh_event_level level, const char *step, const char *upid,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void event(struct run *r, enum vh_event_level level, const char *step, const char *upid,
		  const char *fmt, ...)
{
	struct vh_event ev = {0};
	char msg[1000];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ev.server_id = r->job->server_id;
	ev.job_id = r->job->id;
	ev.step = step;
	ev.level = level;
	ev.message = msg;
	ev.upid = upid;
	ev.actor = r->job->actor;
	ev.request_id = r->job->request_id;
	vh_event_add(r->db, r->pool, &ev);
	vh_log(level == VH_EV_ERROR ? VH_LOG_WARN : VH_LOG_INFO, "job %s (%s) server %s: %s",
	       r->job->id, r->job->kind, r->job->server_id, msg);
}

/* A database error inside a step: the job is retried (the database being
 * down is the classic transient failure). */
static enum res db_fail(struct run *r, const char *what)
{
	snprintf(r->msg, sizeof(r->msg), "%s: database: %s", what, r->err.detail);
	return (r->err.status == VH_UNAVAILABLE || r->err.status == VH_TRANSIENT) ? R_RETRY : R_FAIL;
}

static bool kind_transient(enum vh_pve_kind k)
{
	return k == VH_PVE_LOCKED || k == VH_PVE_LOCK_TIMEOUT || k == VH_PVE_UNREACHABLE ||
	       k == VH_PVE_TIMEOUT || k == VH_PVE_TRANSIENT;
}

/* A PVE error: transient ones are retried, the rest fail the job. */
static enum res pve_fail(struct run *r, const char *what)
{
	enum vh_pve_kind k = r->pe.kind == VH_PVE_TASK_FAILED ? r->pe.cause : r->pe.kind;

	snprintf(r->msg, sizeof(r->msg), "%s: Proxmox: %s", what,
		 r->pe.message[0] ? r->pe.message : r->err.detail);
	return kind_transient(k) ? R_RETRY : R_FAIL;
}

static void reset_err(struct run *r)
{
	memset(&r->pe, 0, sizeof(r->pe));
	vh_err_clear(&r->err);
}

static enum res renew(struct run *r)
{
	reset_err(r);
	if (vh_job_renew(r->db, r->pool, r->job->id, r->w->owner, r->w->lease_s, &r->err) == VH_OK)
		return R_NEXT;
	if (r->err.status == VH_CONFLICT)
		return R_LOST;
	/* The database is unreachable: keep working; the lease is long
	 * enough to ride out a blip, and a later renewal says if it is lost. */
	return R_NEXT;
}

/* Wait for a PVE task, renewing the lease between polls.  R_NEXT when it
 * ended OK (or with warnings). */
static enum res wait_upid(struct run *r, const char *upid, const char *what)
{
	long long deadline = mono_ms() + r->w->task_timeout_s * 1000;
	long slice = r->w->lease_s * 1000 / 3;
	struct vh_pve_task task;
	enum res res;

	for (;;) {
		long left = (long)(deadline - mono_ms());

		reset_err(r);
		if (vh_pve_task_wait(r->pve, r->pool, upid, left < slice ? (left > 0 ? left : 1) : slice,
				     &task, &r->pe, &r->err) == VH_OK)
			return R_NEXT;
		if (r->pe.kind != VH_PVE_TIMEOUT)
			return pve_fail(r, what);
		if (mono_ms() >= deadline) {
			snprintf(r->msg, sizeof(r->msg), "%s: task %s still running after %ld s", what,
				 upid, r->w->task_timeout_s);
			return R_RETRY;
		}
		if ((res = renew(r)) != R_NEXT)
			return res;
		if (*r->w->stop) {
			/* The UPID is recorded: whoever resumes waits for it. */
			vh_job_release(r->db, r->pool, r->job->id, r->w->owner, &r->err);
			return R_STOP;
		}
	}
}

/* Record a task started by this step, then wait for it. */
static enum res started(struct run *r, const char *upid, const char *what)
{
	if (!upid)
		return R_NEXT;  /* PVE did it synchronously */
	reset_err(r);
	if (vh_job_set_upid(r->db, r->pool, r->job->id, upid, &r->err) != VH_OK)
		vh_log(VH_LOG_WARN, "job %s: UPID not recorded: %s", r->job->id, r->err.detail);
	snprintf(r->upid, sizeof(r->upid), "%s", upid);
	r->job->upid = r->upid;
	return wait_upid(r, r->upid, what);
}

static enum res need_client(struct run *r)
{
	reset_err(r);
	if (!r->srv.host_id) {
		snprintf(r->msg, sizeof(r->msg), "the server has no Proxmox host yet");
		return R_FAIL;
	}
	if (vh_host_client(r->db, r->pool, r->srv.host_id, VH_HOST_JOB, &r->pve, &r->err) != VH_OK)
		return r->err.status == VH_NOTFOUND ? (snprintf(r->msg, sizeof(r->msg),
								"Proxmox host %s: %s", r->srv.host_id,
								r->err.detail), R_FAIL)
						    : db_fail(r, "Proxmox host");
	return R_NEXT;
}

/* The VM as PVE has it: VH_OK with *cfg, VH_NOTFOUND when there is none. */
static enum vh_status vm_config(struct run *r, json_object **cfg)
{
	reset_err(r);
	*cfg = NULL;
	if (vh_pve_config_get(r->pve, r->pool, r->srv.node, r->srv.vmid, cfg, &r->pe, &r->err) == VH_OK)
		return VH_OK;
	return r->pe.kind == VH_PVE_NOTFOUND ? VH_NOTFOUND : VH_BADGATEWAY;
}

static const char *cfg_str(json_object *cfg, const char *key)
{
	json_object *v;

	return cfg && json_object_object_get_ex(cfg, key, &v) && v ? json_object_get_string(v) : NULL;
}

static bool vm_is_ours(struct run *r, json_object *cfg)
{
	const char *d = cfg_str(cfg, "description");
	char mark[64];

	snprintf(mark, sizeof(mark), OWNER_MARK "%s", r->srv.id);
	return d && strstr(d, mark);
}

/* Wait until the VM has no lock (a clone or create in flight that this
 * job started and no longer has the UPID of). */
static enum res wait_unlocked(struct run *r, json_object **cfg)
{
	long long deadline = mono_ms() + r->w->task_timeout_s * 1000;
	enum res res;

	while (cfg_str(*cfg, "lock")) {
		if (mono_ms() >= deadline) {
			snprintf(r->msg, sizeof(r->msg), "VM %ld stays locked (%s)", r->srv.vmid,
				 cfg_str(*cfg, "lock"));
			return R_RETRY;
		}
		sleep_ms(300);
		if ((res = renew(r)) != R_NEXT)
			return res;
		if (vm_config(r, cfg) != VH_OK)
			return r->pe.kind == VH_PVE_NOTFOUND ? R_NEXT : pve_fail(r, "read VM config");
	}
	return R_NEXT;
}

/* ---- provisioning steps ------------------------------------------------------- */

static enum res st_place(struct run *r)
{
	const char *host, *node, *pin_host = NULL, *pin_node = NULL;

	if (r->srv.host_id && r->srv.node)
		return R_NEXT;
	/* The plan's pin was copied onto the server when it was ordered. */
	pin_host = r->srv.host_id;
	pin_node = r->srv.node;
	reset_err(r);
	if (vh_host_place(r->db, r->pool, r->srv.location, pin_host, pin_node, &host, &node, &r->pe,
			  &r->err) != VH_OK) {
		if (r->err.status == VH_CONFLICT || r->err.status == VH_NOTFOUND) {
			snprintf(r->msg, sizeof(r->msg), "%s", r->err.detail);
			return R_FAIL;
		}
		return r->pe.kind ? pve_fail(r, "choose a node") : db_fail(r, "choose a node");
	}
	if (vh_server_set_placement(r->db, r->pool, r->srv.id, host, node, &r->err) != VH_OK)
		return db_fail(r, "record the node");
	snprintf(r->note, sizeof(r->note), "placed on host %s node %s", host, node);
	return R_NEXT;
}

static enum res st_ip(struct run *r)
{
	struct vh_ip_lease l;

	reset_err(r);
	if (vh_ip_allocate(r->db, r->pool, r->srv.location, r->srv.id, &l, &r->err) != VH_OK) {
		if (r->err.status == VH_NOTFOUND) {
			snprintf(r->note, sizeof(r->note), "no IP pool in %s: the VM uses DHCP",
				 r->srv.location);
			return R_NEXT;
		}
		if (r->err.status == VH_CONFLICT) {
			snprintf(r->msg, sizeof(r->msg), "%s", r->err.detail);
			return R_FAIL;
		}
		return db_fail(r, "allocate an IP");
	}
	if (vh_server_set_ip(r->db, r->pool, r->srv.id, l.address, r->srv.ipv6, &r->err) != VH_OK)
		return db_fail(r, "record the IP");
	snprintf(r->note, sizeof(r->note), "address %s/%d from pool %s", l.address, l.prefix_len,
		 l.pool_id);
	return R_NEXT;
}

static enum res st_vmid(struct run *r)
{
	long candidate;
	int tries;
	enum res res;

	if (r->srv.vmid)
		return R_NEXT;
	if ((res = need_client(r)) != R_NEXT)
		return res;
	reset_err(r);
	if (vh_pve_nextid(r->pve, r->pool, &candidate, &r->pe, &r->err) != VH_OK)
		return pve_fail(r, "get a VMID");
	/* PVE's nextid answers the same id to everyone until a VM takes it,
	 * so the id is reserved in our database first (a unique key per
	 * host), and checked with PVE, moving up on either clash. */
	for (tries = 0; tries < 50; tries++, candidate++) {
		reset_err(r);
		if (vh_pve_nextid_check(r->pve, r->pool, candidate, &r->pe, &r->err) != VH_OK) {
			if (r->pe.kind == VH_PVE_EXISTS || r->pe.kind == VH_PVE_BADPARAM)
				continue;
			return pve_fail(r, "check a VMID");
		}
		if (vh_server_set_vmid(r->db, r->pool, r->srv.id, candidate, &r->err) == VH_OK) {
			r->srv.vmid = candidate;
			snprintf(r->note, sizeof(r->note), "reserved VMID %ld", candidate);
			return R_NEXT;
		}
		if (r->err.status != VH_CONFLICT)
			return db_fail(r, "reserve a VMID");
	}
	snprintf(r->msg, sizeof(r->msg), "no free VMID found near %ld", candidate - tries);
	return R_RETRY;
}

struct source {
	long template_vmid;       /* 0: create a VM from scratch */
	const char *clone_mode;
	const char *storage;
	const char *default_user;
	const char *os_type;
};

static enum res source(struct run *r, const char *os_template, struct source *s)
{
	struct vh_param p[2];
	struct vh_rows rows;

	memset(s, 0, sizeof(*s));
	reset_err(r);
	p[0] = VH_PSTR(r->srv.plan);
	if (vh_db_exec(r->db, r->pool, sql_plan_source, p, 1, VH_DB_IDEMPOTENT, &rows, &r->err) != VH_OK)
		return db_fail(r, "read the plan");
	if (rows.nrows) {
		const char *v = vh_rows_get(&rows, 0, 0);

		s->template_vmid = v ? atol(v) : 0;
		s->clone_mode = vh_rows_get(&rows, 0, 1);
		s->storage = vh_rows_get(&rows, 0, 2);
	}
	if (os_template) {
		p[0] = VH_PSTR(r->srv.host_id);
		p[1] = VH_PSTR(os_template);
		if (vh_db_exec(r->db, r->pool, sql_os_source, p, 2, VH_DB_IDEMPOTENT, &rows,
			       &r->err) != VH_OK)
			return db_fail(r, "read the OS template");
		if (rows.nrows == 0 || !vh_rows_get(&rows, 0, 0)) {
			snprintf(r->msg, sizeof(r->msg), "OS template %s is not offered on host %s",
				 os_template, r->srv.host_id);
			return R_FAIL;
		}
		s->template_vmid = atol(vh_rows_get(&rows, 0, 0));
		s->default_user = vh_rows_get(&rows, 0, 1);
		s->os_type = vh_rows_get(&rows, 0, 2);
	}
	if (r->srv.disk_storage)
		s->storage = r->srv.disk_storage;
	return R_NEXT;
}

/* The node a template VM lives on (templates are not on every node). */
static enum res template_node(struct run *r, long vmid, const char **node)
{
	json_object *vms;
	size_t i;

	reset_err(r);
	if (vh_host_vms(r->db, r->pool, r->srv.host_id, 0, &vms, NULL, &r->pe, &r->err) != VH_OK)
		return r->pe.kind ? pve_fail(r, "find the template") : db_fail(r, "find the template");
	for (i = 0; i < json_object_array_length(vms); i++) {
		json_object *vm = json_object_array_get_idx(vms, i), *v;

		if (json_object_object_get_ex(vm, "vmid", &v) && json_object_get_int64(v) == vmid &&
		    json_object_object_get_ex(vm, "node", &v)) {
			*node = json_object_get_string(v);
			return R_NEXT;
		}
	}
	snprintf(r->msg, sizeof(r->msg), "template VM %ld does not exist on host %s", vmid,
		 r->srv.host_id);
	return R_FAIL;
}

static const char *owner_description(struct run *r)
{
	return vh_psprintf(r->pool, "Managed by vibehost. Do not edit this line.\n" OWNER_MARK "%s",
			   r->srv.id);
}

static enum res clash(struct run *r)
{
	event(r, VH_EV_WARNING, "clone", NULL,
	      "VMID %ld is taken on Proxmox by a VM vibehost does not own; choosing another",
	      r->srv.vmid);
	reset_err(r);
	if (vh_server_set_vmid(r->db, r->pool, r->srv.id, 0, &r->err) != VH_OK)
		return db_fail(r, "drop the VMID");
	r->next_step = "vmid";
	return R_GOTO;
}

static enum res st_clone(struct run *r)
{
	const char *os = pl_str(r, "os_template"), *upid = NULL, *tnode = NULL;
	json_object *cfg;
	struct source s;
	enum vh_status st;
	enum res res;

	if (!r->srv.vmid) {
		r->next_step = "vmid";
		return R_GOTO;
	}
	if ((res = need_client(r)) != R_NEXT)
		return res;
	if (r->job->upid) {
		/* A clone this job started before it was interrupted. */
		res = wait_upid(r, r->job->upid, "clone");
		if (res != R_NEXT)
			return res;
	}
	st = vm_config(r, &cfg);
	if (st == VH_OK) {
		if ((res = wait_unlocked(r, &cfg)) != R_NEXT)
			return res;
		if (cfg && vm_is_ours(r, cfg)) {
			snprintf(r->note, sizeof(r->note), "VM %ld exists on %s", r->srv.vmid, r->srv.node);
			return R_NEXT;
		}
		if (cfg)
			return clash(r);
	} else if (st != VH_NOTFOUND) {
		return pve_fail(r, "look for the VM");
	}
	if ((res = source(r, os ? os : r->srv.os_template, &s)) != R_NEXT)
		return res;
	reset_err(r);
	if (s.template_vmid) {
		struct vh_pve_clone_opts o = {0};

		if ((res = template_node(r, s.template_vmid, &tnode)) != R_NEXT)
			return res;
		o.name = r->srv.name;
		o.full = s.clone_mode && !strcmp(s.clone_mode, "linked") ? 0 : 1;
		o.storage = o.full ? s.storage : NULL;
		o.target = strcmp(tnode, r->srv.node) ? r->srv.node : NULL;
		o.description = owner_description(r);
		st = vh_pve_clone(r->pve, r->pool, tnode, s.template_vmid, r->srv.vmid, &o, &upid,
				  &r->pe, &r->err);
		snprintf(r->note, sizeof(r->note), "cloned template %ld (%s) to VM %ld on %s",
			 s.template_vmid, o.full ? "full" : "linked", r->srv.vmid, r->srv.node);
	} else {
		const char *form = NULL, *storage = s.storage ? s.storage : vh_cfg_str(CFG_VM_DEFAULT_STORAGE);

		vh_pve_form_add(r->pool, &form, "name", r->srv.name);
		vh_pve_form_int(r->pool, &form, "cores", r->srv.vcpu);
		vh_pve_form_int(r->pool, &form, "memory", r->srv.memory_mb);
		vh_pve_form_add(r->pool, &form, "scsihw", "virtio-scsi-single");
		vh_pve_form_add(r->pool, &form, "scsi0",
				vh_psprintf(r->pool, "%s:%ld", storage, r->srv.disk_gb));
		vh_pve_form_add(r->pool, &form, "ide2", vh_psprintf(r->pool, "%s:cloudinit", storage));
		vh_pve_form_add(r->pool, &form, "net0",
				vh_psprintf(r->pool, "virtio,bridge=%s", vh_cfg_str(CFG_VM_BRIDGE)));
		vh_pve_form_add(r->pool, &form, "ostype", s.os_type ? s.os_type : "l26");
		vh_pve_form_bool(r->pool, &form, "agent", 1);
		vh_pve_form_add(r->pool, &form, "description", owner_description(r));
		st = vh_pve_create(r->pve, r->pool, r->srv.node, r->srv.vmid, form, &upid, &r->pe,
				   &r->err);
		snprintf(r->note, sizeof(r->note), "created VM %ld on %s", r->srv.vmid, r->srv.node);
	}
	if (st != VH_OK) {
		if (r->pe.kind == VH_PVE_EXISTS)
			return clash(r);
		return pve_fail(r, "clone");
	}
	return started(r, upid, "clone");
}

static enum res st_configure(struct run *r)
{
	const char *form = NULL, *hash = pl_str(r, "password_hash"), *os = pl_str(r, "os_template");
	struct vh_ip_lease l;
	struct source s;
	enum res res;

	if ((res = need_client(r)) != R_NEXT)
		return res;
	if ((res = source(r, os ? os : r->srv.os_template, &s)) != R_NEXT)
		return res;
	vh_pve_form_int(r->pool, &form, "cores", r->srv.vcpu);
	vh_pve_form_int(r->pool, &form, "memory", r->srv.memory_mb);
	vh_pve_form_bool(r->pool, &form, "agent", 1);
	vh_pve_form_add(r->pool, &form, "tags", VM_TAG);
	/* Also given to clone; set again in case a clone dropped it. */
	vh_pve_form_add(r->pool, &form, "description", owner_description(r));
	if (s.default_user)
		vh_pve_form_add(r->pool, &form, "ciuser", s.default_user);
	if (hash)
		vh_pve_form_add(r->pool, &form, "cipassword", hash);
	if (r->srv.ssh_keys && *r->srv.ssh_keys)
		vh_pve_form_sshkeys(r->pool, &form, r->srv.ssh_keys);
	reset_err(r);
	if (vh_ip_allocate(r->db, r->pool, r->srv.location, r->srv.id, &l, &r->err) == VH_OK) {
		vh_pve_form_add(r->pool, &form, "ipconfig0",
				vh_psprintf(r->pool, "ip=%s/%d,gw=%s", l.address, l.prefix_len,
					    l.gateway));
		if (l.dns)
			vh_pve_form_add(r->pool, &form, "nameserver", l.dns);
		else if (*vh_cfg_str(CFG_VM_NAMESERVER))
			vh_pve_form_add(r->pool, &form, "nameserver", vh_cfg_str(CFG_VM_NAMESERVER));
	} else if (r->err.status == VH_NOTFOUND) {
		vh_pve_form_add(r->pool, &form, "ipconfig0", "ip=dhcp");
	} else {
		return db_fail(r, "read the IP");
	}
	reset_err(r);
	/* Synchronous (PUT): the VM is stopped, nothing is left pending. */
	if (vh_pve_config_set(r->pve, r->pool, r->srv.node, r->srv.vmid, form, 0, &(const char *){NULL},
			      &r->pe, &r->err) != VH_OK)
		return pve_fail(r, "configure");
	snprintf(r->note, sizeof(r->note), "set %ld cores, %ld MB, cloud-init user%s%s",
		 r->srv.vcpu, r->srv.memory_mb, hash ? ", password hash" : "",
		 r->srv.ssh_keys ? ", ssh keys" : "");
	return R_NEXT;
}

/* Bytes from PVE's "size=32G" (K, M, G, T suffixes). */
long long vh_pve_disk_bytes(const char *value)
{
	const char *p = value ? strstr(value, "size=") : NULL;
	char *end;
	double n;

	if (!p)
		return -1;
	n = strtod(p + 5, &end);
	switch (*end) {
	case 'T': return (long long)(n * 1099511627776.0);
	case 'G': return (long long)(n * 1073741824.0);
	case 'M': return (long long)(n * 1048576.0);
	case 'K': return (long long)(n * 1024.0);
	default: return (long long)n;
	}
}

static enum res st_resize(struct run *r)
{
	static const char *const disks[] = {"scsi0", "virtio0", "sata0", "ide0", NULL};
	const char *upid = NULL, *disk = NULL;
	json_object *cfg;
	long long have = -1, want = (long long)r->srv.disk_gb * 1073741824LL;
	enum res res;
	size_t i;

	if ((res = need_client(r)) != R_NEXT)
		return res;
	if (r->job->upid && (res = wait_upid(r, r->job->upid, "resize")) != R_NEXT)
		return res;
	if (vm_config(r, &cfg) != VH_OK)
		return pve_fail(r, "read VM config");
	for (i = 0; disks[i]; i++) {
		const char *v = cfg_str(cfg, disks[i]);

		if (v && !strstr(v, "media=cdrom") && !strstr(v, "cloudinit")) {
			disk = disks[i];
			have = vh_pve_disk_bytes(v);
			break;
		}
	}
	if (!disk) {
		snprintf(r->msg, sizeof(r->msg), "VM %ld has no system disk to grow", r->srv.vmid);
		return R_FAIL;
	}
	if (have >= want) {
		snprintf(r->note, sizeof(r->note), "disk %s already %ld GB or more", disk, r->srv.disk_gb);
		return R_NEXT;
	}
	reset_err(r);
	if (vh_pve_resize(r->pve, r->pool, r->srv.node, r->srv.vmid, disk,
			  vh_psprintf(r->pool, "%ldG", r->srv.disk_gb), &upid, &r->pe, &r->err) != VH_OK)
		return pve_fail(r, "grow the disk");
	snprintf(r->note, sizeof(r->note), "grew %s to %ld GB", disk, r->srv.disk_gb);
	return started(r, upid, "grow the disk");
}

static enum res vm_power(struct run *r, const char **state)
{
	json_object *st, *v;

	reset_err(r);
	if (vh_pve_vm_status(r->pve, r->pool, r->srv.node, r->srv.vmid, &st, &r->pe, &r->err) != VH_OK)
		return pve_fail(r, "read VM status");
	*state = "stopped";
	if (json_object_object_get_ex(st, "status", &v) && !strcmp(json_object_get_string(v), "running"))
		*state = (json_object_object_get_ex(st, "qmpstatus", &v) &&
			  !strcmp(json_object_get_string(v), "paused")) ? "paused" : "running";
	return R_NEXT;
}

static enum res st_start(struct run *r)
{
	const char *state, *upid = NULL;
	enum res res;

	if ((res = need_client(r)) != R_NEXT)
		return res;
	if (r->job->upid) {
		res = wait_upid(r, r->job->upid, "start");
		if (res == R_NEXT || (res == R_FAIL && r->pe.cause == VH_PVE_RUNNING))
			return R_NEXT;
		return res;
	}
	if ((res = vm_power(r, &state)) != R_NEXT)
		return res;
	if (!strcmp(state, "running")) {
		snprintf(r->note, sizeof(r->note), "VM %ld is running", r->srv.vmid);
		return R_NEXT;
	}
	reset_err(r);
	if (vh_pve_vm_action(r->pve, r->pool, r->srv.node, r->srv.vmid,
			     !strcmp(state, "paused") ? "resume" : "start", &upid, &r->pe, &r->err) != VH_OK)
		return pve_fail(r, "start");
	snprintf(r->note, sizeof(r->note), "started VM %ld", r->srv.vmid);
	res = started(r, upid, "start");
	if (res == R_FAIL && r->pe.cause == VH_PVE_RUNNING)
		return R_NEXT;
	return res;
}

/* The guest agent reports the VM's addresses some time after boot.  Not
 * worth failing an order over: the server is usable, and a later read
 * fills the address in. */
static enum res st_agent(struct run *r)
{
	long long deadline = mono_ms() + r->w->agent_wait_s * 1000;
	const char *v4 = NULL, *v6 = NULL;
	enum res res;

	if ((res = need_client(r)) != R_NEXT)
		return res;
	for (;;) {
		reset_err(r);
		if (vh_pve_agent_ips(r->pve, r->pool, r->srv.node, r->srv.vmid, &v4, &v6, &r->pe,
				     &r->err) == VH_OK && v4)
			break;
		if (r->pe.kind && r->pe.kind != VH_PVE_NO_AGENT && r->pe.kind != VH_PVE_NOT_RUNNING &&
		    !kind_transient(r->pe.kind))
			break;
		if (mono_ms() >= deadline || *r->w->stop)
			break;
		sleep_ms(500);
		if ((res = renew(r)) != R_NEXT)
			return res;
	}
	if (!v4) {
		event(r, VH_EV_WARNING, "agent", NULL,
		      "the guest agent reported no address within %ld s%s%s; it is read again later",
		      r->w->agent_wait_s, r->pe.message[0] ? ": " : "", r->pe.message);
		snprintf(r->note, sizeof(r->note), "continuing without the guest agent's address");
		return R_NEXT;
	}
	reset_err(r);
	if (vh_server_set_ip(r->db, r->pool, r->srv.id, r->srv.primary_ip ? r->srv.primary_ip : v4,
			     v6, &r->err) != VH_OK)
		return db_fail(r, "record the address");
	snprintf(r->note, sizeof(r->note), "guest agent reports %s%s%s", v4, v6 ? " and " : "",
		 v6 ? v6 : "");
	return R_NEXT;
}

static void notice(struct run *r, enum vh_notice_kind kind, const char *date, const char *key)
{
	struct vh_notice n = {0};
	struct vh_user u;
	char id[VH_UUID_LEN + 1];
	bool created;

	reset_err(r);
	if (vh_users_get(r->db, r->pool, r->srv.owner_id, &u, &r->err) != VH_OK || !u.phone_number)
		return;  /* no phone number: nothing to text */
	n.kind = kind;
	n.user_id = r->srv.owner_id;
	n.server_id = r->srv.id;
	n.server_name = r->srv.name;
	n.plan = r->srv.plan;
	n.date = date;
	n.dedupe_key = key;
	if (vh_notify_enqueue(r->db, r->pool, &n, id, &created, &r->err) != VH_OK)
		vh_log(VH_LOG_WARN, "server %s: %s notice not queued: %s", r->srv.id,
		       vh_notice_kind_name(kind), r->err.detail);
}

static enum res st_finish_provision(struct run *r)
{
	reset_err(r);
	if (vh_db_begin(r->db, &r->err) != VH_OK)
		return db_fail(r, "finish");
	if (vh_server_set_status(r->db, r->pool, r->srv.id, "active", NULL, &r->err) != VH_OK ||
	    vh_server_set_power(r->db, r->pool, r->srv.id, "running", &r->err) != VH_OK) {
		vh_db_rollback(r->db);
		return db_fail(r, "finish");
	}
	notice(r, VH_NOTICE_SERVER_READY, r->srv.expire_at, NULL);
	if (vh_db_commit(r->db, &r->err) != VH_OK)
		return db_fail(r, "finish");
	vh_host_vms_forget(r->srv.host_id);
	snprintf(r->note, sizeof(r->note), "server is active");
	return R_NEXT;
}

/* ---- teardown (delete, rebuild, rollback) --------------------------------------- */

/* The start of a teardown step: nothing to do without a VM; a task this
 * step started before a crash is waited for; then the VM's config, NULL
 * when there is no VM (any more).  Go on only on R_NEXT with *cfg set. */
static enum res teardown_start(struct run *r, const char *what, json_object **cfg)
{
	enum res res;

	*cfg = NULL;
	if (!r->srv.vmid || !r->srv.host_id)
		return R_NEXT;
	if ((res = need_client(r)) != R_NEXT)
		return res;
	if (r->job->upid && (res = wait_upid(r, r->job->upid, what)) != R_NEXT)
		return res;
	if (vm_config(r, cfg) != VH_OK) {
		*cfg = NULL;
		if (r->pe.kind != VH_PVE_NOTFOUND)
			return pve_fail(r, "read VM config");
	}
	return R_NEXT;
}

static enum res st_stop_hard(struct run *r)
{
	const char *state, *upid = NULL;
	json_object *cfg;
	enum res res;

	if ((res = teardown_start(r, "stop", &cfg)) != R_NEXT || !cfg)
		return res;
	if (!vm_is_ours(r, cfg))
		return R_NEXT;  /* not ours to stop; destroy will say so */
	if ((res = vm_power(r, &state)) != R_NEXT)
		return res;
	if (!strcmp(state, "stopped"))
		return R_NEXT;
	reset_err(r);
	/* A clean shutdown first, then PVE stops it hard (forceStop). */
	if (vh_pve_shutdown(r->pve, r->pool, r->srv.node, r->srv.vmid, r->w->shutdown_timeout_s, true,
			    &upid, &r->pe, &r->err) != VH_OK)
		return r->pe.kind == VH_PVE_NOT_RUNNING ? R_NEXT : pve_fail(r, "stop");
	snprintf(r->note, sizeof(r->note), "stopped VM %ld", r->srv.vmid);
	return started(r, upid, "stop");
}

static enum res st_destroy(struct run *r)
{
	const char *upid = NULL;
	json_object *cfg;
	enum res res;

	if ((res = teardown_start(r, "destroy", &cfg)) != R_NEXT)
		return res;
	if (!cfg) {
		if (r->srv.vmid && r->srv.host_id)
			snprintf(r->note, sizeof(r->note), "VM %ld is gone", r->srv.vmid);
		return R_NEXT;
	}
	if ((res = wait_unlocked(r, &cfg)) != R_NEXT)
		return res;
	if (!cfg)
		return R_NEXT;
	if (!vm_is_ours(r, cfg)) {
		/* Never destroy what vibehost did not create. */
		snprintf(r->note, sizeof(r->note), "VM %ld is not this server's; left alone", r->srv.vmid);
		return R_NEXT;
	}
	reset_err(r);
	if (vh_pve_destroy(r->pve, r->pool, r->srv.node, r->srv.vmid, &upid, &r->pe, &r->err) != VH_OK)
		return r->pe.kind == VH_PVE_NOTFOUND ? R_NEXT : pve_fail(r, "destroy");
	snprintf(r->note, sizeof(r->note), "destroyed VM %ld with its disks", r->srv.vmid);
	res = started(r, upid, "destroy");
	vh_host_vms_forget(r->srv.host_id);
	return res;
}

static enum res st_release(struct run *r)
{
	reset_err(r);
	if (vh_ip_release(r->db, r->pool, r->srv.id, &r->err) != VH_OK)
		return db_fail(r, "release the IP");
	if (r->srv.primary_ip)
		snprintf(r->note, sizeof(r->note), "released %s (quarantined)", r->srv.primary_ip);
	return R_NEXT;
}

static enum res st_finish_delete(struct run *r)
{
	reset_err(r);
	if (vh_server_mark_deleted(r->db, r->pool, r->srv.id, &r->err) != VH_OK)
		return db_fail(r, "mark deleted");
	snprintf(r->note, sizeof(r->note), "server deleted");
	return R_NEXT;
}

static enum res st_finish_rebuild(struct run *r)
{
	const char *os = pl_str(r, "os_template");
	static const char sql_os[] = "UPDATE servers SET os_template = ? WHERE id = ?";
	struct vh_param p[2] = {VH_PSTR(os), VH_PSTR(r->srv.id)};

	reset_err(r);
	if (os && vh_db_exec(r->db, r->pool, sql_os, p, 2, VH_DB_IDEMPOTENT, NULL, &r->err) != VH_OK)
		return db_fail(r, "record the OS template");
	if (vh_server_set_power(r->db, r->pool, r->srv.id, "running", &r->err) != VH_OK ||
	    vh_server_set_status(r->db, r->pool, r->srv.id, "active", NULL, &r->err) != VH_OK)
		return db_fail(r, "finish");
	vh_host_vms_forget(r->srv.host_id);
	snprintf(r->note, sizeof(r->note), "rebuilt%s%s", os ? " from " : "", os ? os : "");
	return R_NEXT;
}

/* ---- power and specs ---------------------------------------------------------- */

/* The database is the truth for cores and memory: make PVE agree before a
 * start (an upgrade whose job failed half-way is completed here). */
static enum res st_sync(struct run *r)
{
	const char *form = NULL, *v;
	json_object *cfg;
	enum res res;

	if ((res = need_client(r)) != R_NEXT)
		return res;
	if (vm_config(r, &cfg) != VH_OK)
		return pve_fail(r, "read VM config");
	v = cfg_str(cfg, "cores");
	if (!v || atol(v) != r->srv.vcpu)
		vh_pve_form_int(r->pool, &form, "cores", r->srv.vcpu);
	v = cfg_str(cfg, "memory");
	if (!v || atol(v) != r->srv.memory_mb)
		vh_pve_form_int(r->pool, &form, "memory", r->srv.memory_mb);
	if (!form)
		return R_NEXT;
	reset_err(r);
	if (vh_pve_config_set(r->pve, r->pool, r->srv.node, r->srv.vmid, form, 0, &(const char *){NULL},
			      &r->pe, &r->err) != VH_OK)
		return pve_fail(r, "apply cores and memory");
	snprintf(r->note, sizeof(r->note), "applied %ld cores and %ld MB", r->srv.vcpu,
		 r->srv.memory_mb);
	return R_NEXT;
}

static enum res st_power(struct run *r)
{
	const char *upid = NULL, *action = r->job->kind;
	enum res res;

	if ((res = need_client(r)) != R_NEXT)
		return res;
	if (!r->job->upid) {
		const char *timeout = pl_str(r, "shutdown_timeout");

		reset_err(r);
		/* A shutdown job may carry a grace period after which PVE stops
		 * the VM hard (vibehost-expiry's stop at expiry). */
		if (!strcmp(action, "shutdown") && timeout) {
			if (vh_pve_shutdown(r->pve, r->pool, r->srv.node, r->srv.vmid, atol(timeout), true,
					    &upid, &r->pe, &r->err) != VH_OK)
				return r->pe.kind == VH_PVE_NOT_RUNNING ? R_NEXT : pve_fail(r, action);
		} else if (vh_pve_vm_action(r->pve, r->pool, r->srv.node, r->srv.vmid, action, &upid,
					    &r->pe, &r->err) != VH_OK) {
			return pve_fail(r, action);
		}
		snprintf(r->note, sizeof(r->note), "%s VM %ld", action, r->srv.vmid);
		res = started(r, upid, action);
	} else {
		res = wait_upid(r, r->job->upid, action);
	}
	if (res == R_FAIL && !strcmp(action, "start") && r->pe.cause == VH_PVE_RUNNING)
		return R_NEXT;
	return res;
}

static enum res st_finish_power(struct run *r)
{
	const char *state, *expired_at;
	enum res res;

	if ((res = need_client(r)) != R_NEXT)
		return res;
	if ((res = vm_power(r, &state)) != R_NEXT)
		return res;
	reset_err(r);
	expired_at = pl_str(r, "expired_at");
	if (!expired_at || strcmp(state, "stopped")) {
		if (vh_server_set_power(r->db, r->pool, r->srv.id, state, &r->err) != VH_OK)
			return db_fail(r, "record power");
	} else {
		/* vibehost-expiry's stop: the customer is told once the VM is
		 * really stopped, in the same transaction that records it. */
		if (vh_db_begin(r->db, &r->err) != VH_OK)
			return db_fail(r, "record power");
		if (vh_server_set_power(r->db, r->pool, r->srv.id, state, &r->err) != VH_OK) {
			vh_db_rollback(r->db);
			return db_fail(r, "record power");
		}
		notice(r, VH_NOTICE_EXPIRED_STOPPED, expired_at, NULL);
		if (vh_db_commit(r->db, &r->err) != VH_OK)
			return db_fail(r, "record power");
	}
	vh_host_vms_forget(r->srv.host_id);
	snprintf(r->note, sizeof(r->note), "VM %ld is %s", r->srv.vmid, state);
	return R_NEXT;
}

/* ---- jobs ------------------------------------------------------------------------ */

static const struct step provision_steps[] = {
	{"place", st_place}, {"ip", st_ip}, {"vmid", st_vmid}, {"clone", st_clone},
	{"configure", st_configure}, {"resize", st_resize}, {"start", st_start},
	{"agent", st_agent}, {"finish", st_finish_provision}, {NULL, NULL},
};
static const struct step rebuild_steps[] = {
	{"stop", st_stop_hard}, {"destroy", st_destroy}, {"clone", st_clone},
	{"configure", st_configure}, {"resize", st_resize}, {"start", st_start},
	{"agent", st_agent}, {"finish", st_finish_rebuild}, {NULL, NULL},
};
static const struct step delete_steps[] = {
	{"stop", st_stop_hard}, {"destroy", st_destroy}, {"release", st_release},
	{"finish", st_finish_delete}, {NULL, NULL},
};
static const struct step start_steps[] = {
	{"sync", st_sync}, {"power", st_power}, {"finish", st_finish_power}, {NULL, NULL},
};
static const struct step power_steps[] = {
	{"power", st_power}, {"finish", st_finish_power}, {NULL, NULL},
};
static const struct step upgrade_steps[] = {
	{"sync", st_sync}, {"resize", st_resize}, {"finish", st_finish_power}, {NULL, NULL},
};

static const struct step *steps_for(const char *kind)
{
	if (!strcmp(kind, "provision"))
		return provision_steps;
	if (!strcmp(kind, "rebuild"))
		return rebuild_steps;
	if (!strcmp(kind, "delete"))
		return delete_steps;
	if (!strcmp(kind, "start"))
		return start_steps;
	if (!strcmp(kind, "upgrade"))
		return upgrade_steps;
	return power_steps;
}

static int step_index(const struct step *steps, const char *name)
{
	int i;

	for (i = 0; steps[i].name; i++)
		if (!strcmp(steps[i].name, name))
			return i;
	return 0;
}

/* Undo what a failed provision or rebuild created.  Each teardown step is
 * tried a few times; what cannot be undone is said in the reason, and the
 * server is then 'failed' (someone must look) rather than 'rolled_back'. */
static void rollback(struct run *r, const char *reason)
{
	static const struct step undo[] = {{"stop", st_stop_hard}, {"destroy", st_destroy}, {NULL, NULL}};
	bool provision = !strcmp(r->job->kind, "provision");
	const char *status = provision ? "rolled_back" : "failed";
	char why[1000];
	int i, tries;

	snprintf(why, sizeof(why), "%s", reason);
	if (r->job->upid && r->srv.host_id && need_client(r) == R_NEXT) {
		/* Let the failed step's task end so its lock is gone. */
		if (wait_upid(r, r->job->upid, "wait") == R_STOP)
			return;
	}
	r->job->upid = NULL;
	for (i = 0; undo[i].name; i++) {
		enum res res = R_FAIL;

		for (tries = 0; tries < 3; tries++) {
			r->note[0] = '\0';
			res = undo[i].fn(r);
			r->job->upid = NULL;  /* the failed step's task is waited for once */
			if (res == R_NEXT || res == R_LOST || res == R_STOP)
				break;
			sleep_ms(500);
		}
		if (res == R_LOST || res == R_STOP)
			return;
		if (res != R_NEXT) {
			snprintf(why, sizeof(why), "%.450s; rollback incomplete (%s): %.450s", reason,
				 undo[i].name, r->msg);
			status = "failed";
			break;
		}
		if (r->note[0])
			event(r, VH_EV_INFO, "rollback", NULL, "%s", r->note);
	}
	reset_err(r);
	/* The address goes back only once the VM is gone: a half-destroyed
	 * VM could still answer on it. */
	if (provision && !strcmp(status, "rolled_back")) {
		if (vh_ip_release(r->db, r->pool, r->srv.id, &r->err) != VH_OK)
			vh_log(VH_LOG_WARN, "server %s: IP not released: %s", r->srv.id, r->err.detail);
	}
	if (vh_server_set_status(r->db, r->pool, r->srv.id, status, why, &r->err) != VH_OK)
		vh_log(VH_LOG_ERROR, "server %s: status %s not recorded: %s", r->srv.id, status,
		       r->err.detail);
	vh_server_set_power(r->db, r->pool, r->srv.id, "unknown", &r->err);
	event(r, VH_EV_ERROR, "rollback", NULL, "%s: %s", status, why);
}

static void job_failed(struct run *r, const char *step, const char *why)
{
	/* Only the lease holder may undo anything: another worker may be
	 * running this job now. */
	if (renew(r) == R_LOST) {
		vh_log(VH_LOG_WARN, "job %s: lease lost before failing it; left to its holder",
		       r->job->id);
		return;
	}
	event(r, VH_EV_ERROR, step, r->job->upid, "failed: %s", why);
	if (!strcmp(r->job->kind, "provision") || !strcmp(r->job->kind, "rebuild")) {
		rollback(r, why);
	} else if (!strcmp(r->job->kind, "delete")) {
		reset_err(r);
		vh_server_set_status(r->db, r->pool, r->srv.id, "failed",
				     vh_psprintf(r->pool, "delete failed: %s", why), &r->err);
	}
	reset_err(r);
	if (vh_job_finish(r->db, r->pool, r->job->id, r->w->owner, false, why, &r->err) != VH_OK)
		vh_log(VH_LOG_ERROR, "job %s: not marked failed: %s", r->job->id, r->err.detail);
}

static long backoff(const struct vh_worker *w, long attempts)
{
	long d = w->retry_base_ms;

	while (attempts-- > 0 && d < w->retry_max_ms)
		d *= 2;
	return d < w->retry_max_ms ? d : w->retry_max_ms;
}

static void run_init(struct run *r, struct vh_worker *w, struct vh_job *job)
{
	memset(r, 0, sizeof(*r));
	r->w = w;
	r->db = w->db;
	r->job = job;
	r->pool = vh_pool_new();
	if (job->upid) {
		snprintf(r->upid, sizeof(r->upid), "%s", job->upid);
		job->upid = r->upid;
	}
	if (job->payload)
		vh_json_parse_object(r->pool, job->payload, strlen(job->payload), &r->payload, &r->err);
}

void vh_job_abandon(struct vh_worker *w, struct vh_job *job, const char *reason)
{
	struct run r;

	run_init(&r, w, job);
	reset_err(&r);
	if (vh_server_get(r.db, r.pool, job->server_id, NULL, false, &r.srv, &r.err) != VH_OK) {
		vh_log(VH_LOG_ERROR, "job %s: server not readable, not failed now: %s", job->id,
		       r.err.detail);
		vh_job_release(r.db, r.pool, job->id, w->owner, &r.err);
	} else {
		job_failed(&r, job->step, reason);
	}
	vh_pool_free(r.pool);
}

void vh_job_run(struct vh_worker *w, struct vh_job *job)
{
	const struct step *steps = steps_for(job->kind);
	int i = step_index(steps, job->step), first = i;
	long attempts = job->attempts;
	struct run r;

	run_init(&r, w, job);
	if (!strcmp(job->step, "new"))
		event(&r, VH_EV_INFO, NULL, NULL, "%s job started", job->kind);
	while (steps[i].name) {
		enum res res;

		if (*w->stop && i != first) {
			vh_job_release(r.db, r.pool, job->id, w->owner, &r.err);
			break;
		}
		reset_err(&r);
		if (strcmp(job->step, steps[i].name)) {
			if (vh_job_set_step(r.db, r.pool, job->id, w->owner, w->lease_s, steps[i].name, &r.err) != VH_OK) {
				vh_log(VH_LOG_WARN, "job %s: step not recorded: %s", job->id, r.err.detail);
				break;  /* the lease lapses and someone resumes */
			}
			job->step = steps[i].name;
			job->upid = NULL;
			attempts = 0;
		}
		if (renew(&r) == R_LOST)
			break;
		if (vh_server_get(r.db, r.pool, job->server_id, NULL, false, &r.srv, &r.err) != VH_OK) {
			res = db_fail(&r, "read the server");
		} else {
			r.note[0] = r.msg[0] = '\0';
			r.next_step = NULL;
			res = steps[i].fn(&r);
		}
		if (res == R_RETRY && attempts + 1 >= w->max_attempts) {
			char m[1024];

			snprintf(m, sizeof(m), "%s (gave up after %ld attempts)", r.msg, attempts + 1);
			snprintf(r.msg, sizeof(r.msg), "%s", m);
			res = R_FAIL;
		}
		if (res == R_NEXT) {
			if (r.note[0])
				event(&r, VH_EV_INFO, steps[i].name, job->upid, "%s", r.note);
			i++;
		} else if (res == R_GOTO) {
			i = step_index(steps, r.next_step);
		} else if (res == R_RETRY) {
			long delay = backoff(w, attempts);

			event(&r, VH_EV_WARNING, steps[i].name, job->upid, "%s; retrying in %ld ms", r.msg,
			      delay);
			reset_err(&r);
			vh_job_retry_later(r.db, r.pool, job->id, w->owner, delay, r.msg, &r.err);
			break;
		} else if (res == R_FAIL) {
			job_failed(&r, steps[i].name, r.msg);
			break;
		} else {
			break;  /* R_LOST, R_STOP */
		}
		vh_pool_reset(r.pool);
		r.payload = NULL;
		if (job->payload)
			vh_json_parse_object(r.pool, job->payload, strlen(job->payload), &r.payload, &r.err);
	}
	if (!steps[i].name) {
		reset_err(&r);
		event(&r, VH_EV_INFO, NULL, NULL, "%s job succeeded", job->kind);
		if (vh_job_finish(r.db, r.pool, job->id, w->owner, true, NULL, &r.err) != VH_OK)
			vh_log(VH_LOG_ERROR, "job %s: not marked succeeded: %s", job->id, r.err.detail);
	}
	vh_pool_free(r.pool);
}
