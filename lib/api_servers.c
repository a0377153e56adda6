/* The server routes: order, read (merged with PVE's live view), power,
 * extend, upgrade, password reset, rebuild, retry, delete, events, jobs.
 *
 * Anything that takes PVE more than a moment becomes a job (202 + job_id)
 * run by vibehost-worker; reads make at most one /cluster/resources call
 * per host, cached per process for STATUS_CACHE_SECONDS.
 *
 * Access: a user reaches only their own servers, and another user's id is
 * "not found" (404), never "forbidden", so ids do not leak. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "app.h"
#include "buf.h"
#include "catalog.h"
#include "cfg.h"
#include "db.h"
#include "hostpve.h"
#include "http.h"
#include "jobs.h"
#include "json.h"
#include "log.h"
#include "notify.h"
#include "pool.h"
#include "provision.h"
#include "pve.h"
#include "servers.h"
#include "users.h"
#include "validate.h"

static const char sql_lock_user[] = "SELECT id FROM users WHERE id = ? FOR UPDATE";
static const char sql_retry_reset[] =
	"UPDATE servers SET status = 'provisioning', status_reason = NULL, power_state = 'unknown', "
	"vmid = IF(status = 'rolled_back', NULL, vmid) WHERE id = ?";
static const char sql_set_rebuilding[] =
	"UPDATE servers SET status = 'provisioning', status_reason = NULL WHERE id = ?";
static const char sql_default_user[] = "SELECT default_user FROM os_templates WHERE name = ?";

/* The owner restriction for the caller: a user sees only their servers. */
static const char *scope(const struct vh_req *req)
{
	return req->who.role == VH_ROLE_USER ? req->who.user_id : NULL;
}

static const char *actor(struct vh_req *req)
{
	if (req->who.role == VH_ROLE_ADMIN)
		return "admin";
	return vh_psprintf(req->pool, "%s%s", req->who.as_admin ? "admin as user:" : "user:",
			   req->who.user_id);
}

/* ---- the live view ---------------------------------------------------------------- */

/* Merge PVE's power state into servers, one /cluster/resources call per
 * distinct host.  An unreachable host marks its servers stale; their stored
 * state is answered as it is. */
static void refresh(struct vh_req *req, struct vh_server *s, size_t n)
{
	struct vh_db *db = VH_APP(req)->db;
	long cache_s = vh_cfg_int(CFG_STATUS_CACHE_SECONDS);
	size_t i, j;

	for (i = 0; i < n; i++) {
		struct vh_pve_error pe;
		struct vh_err err;
		json_object *vms = NULL;
		long long age = 0;
		bool seen = false, ok;

		if (!s[i].host_id || !s[i].vmid || !vh_server_status_live(s[i].status))
			continue;
		for (j = 0; j < i && !seen; j++)
			seen = s[j].host_id && !strcmp(s[j].host_id, s[i].host_id) && s[j].vmid &&
			       vh_server_status_live(s[j].status);
		if (seen)
			continue;
		vh_err_clear(&err);
		memset(&pe, 0, sizeof(pe));
		ok = vh_host_vms(db, req->pool, s[i].host_id, cache_s, &vms, &age, &pe, &err) == VH_OK;
		if (!ok)
			vh_log(VH_LOG_WARN, "host %s: live state unavailable: %s", s[i].host_id,
			       pe.message[0] ? pe.message : err.detail);
		for (j = i; j < n; j++) {
			const char *power = NULL;
			size_t k;

			if (!s[j].host_id || strcmp(s[j].host_id, s[i].host_id) || !s[j].vmid ||
			    !vh_server_status_live(s[j].status))
				continue;
			if (!ok) {
				s[j].stale = true;
				continue;
			}
			for (k = 0; k < json_object_array_length(vms); k++) {
				json_object *vm = json_object_array_get_idx(vms, k), *v;

				if (!json_object_object_get_ex(vm, "vmid", &v) ||
				    json_object_get_int64(v) != s[j].vmid)
					continue;
				if (json_object_object_get_ex(vm, "node", &v) && s[j].node &&
				    strcmp(json_object_get_string(v), s[j].node)) {
					/* Moved (migrated by an admin): follow it. */
					s[j].node = vh_pstrdup(req->pool, json_object_get_string(v));
					vh_server_set_node(db, req->pool, s[j].id, s[j].node, &err);
				}
				if (json_object_object_get_ex(vm, "status", &v))
					power = !strcmp(json_object_get_string(v), "running") ? "running"
											     : "stopped";
				break;
			}
			/* A job recorded the power state after this view was taken:
			 * the database knows better. */
			if (s[j].power_age_ms >= 0 && s[j].power_age_ms < age)
				continue;
			/* /cluster/resources cannot tell paused from running. */
			if (power && !strcmp(power, "running") && !strcmp(s[j].power_state, "paused"))
				power = "paused";
			if (power && strcmp(power, s[j].power_state)) {
				s[j].power_state = power;
				vh_err_clear(&err);
				vh_server_set_power(db, req->pool, s[j].id, power, &err);
			}
		}
	}
}

/* A DHCP server's address comes from its guest agent once it has booted. */
static void fill_ip(struct vh_req *req, struct vh_server *s)
{
	struct vh_pve_error pe = {0};
	struct vh_pve *pve;
	struct vh_err err;
	const char *v4, *v6;

	static struct {
		char id[VH_UUID_LEN + 1];
		long long at_us;
	} tried[64];
	long long now = vh_now_us();
	size_t slot;

	if (s->primary_ip || s->stale || !s->vmid || strcmp(s->power_state, "running") ||
	    strcmp(s->status, "active"))
		return;
	/* At most one agent call per server per STATUS_CACHE_SECONDS in this
	 * process: a guest without an agent must not make every read slow. */
	slot = (size_t)(s->id[VH_UUID_LEN - 1] + 31 * s->id[VH_UUID_LEN - 2]) % 64;
	if (!strcmp(tried[slot].id, s->id) &&
	    now - tried[slot].at_us < vh_cfg_int(CFG_STATUS_CACHE_SECONDS) * 1000000LL)
		return;
	snprintf(tried[slot].id, sizeof(tried[slot].id), "%s", s->id);
	tried[slot].at_us = now;
	vh_err_clear(&err);
	if (vh_host_client(VH_APP(req)->db, req->pool, s->host_id, VH_HOST_INTERACTIVE, &pve, &err) != VH_OK ||
	    vh_pve_agent_ips(pve, req->pool, s->node, s->vmid, &v4, &v6, &pe, &err) != VH_OK || !v4)
		return;
	s->primary_ip = v4;
	s->ipv6 = v6;
	vh_server_set_ip(VH_APP(req)->db, req->pool, s->id, v4, v6, &err);
}

/* Load one server the caller may see, refreshed. */
static enum vh_status load(struct vh_req *req, struct vh_server *s, bool live, struct vh_err *err)
{
	enum vh_status st;

	st = vh_server_get(VH_APP(req)->db, req->pool, vh_req_param(req, "id"), scope(req), false, s,
			   err);
	if (st != VH_OK)
		return st;
	if (live)
		refresh(req, s, 1);
	return vh_server_load_upgrades(VH_APP(req)->db, req->pool, s, err);
}

static json_object *answer(struct vh_req *req, const struct vh_server *s, const char *job_id)
{
	json_object *o = vh_json_own(req->pool, vh_server_json(s));

	if (job_id)
		vh_json_add_str(o, "job_id", job_id);
	return o;
}

/* 202 with the server and its job. */
static enum vh_status accepted(struct vh_req *req, const char *id, const char *job_id,
			       const char *password, bool created, struct vh_err *err)
{
	struct vh_server s;
	json_object *o;
	enum vh_status st;

	st = vh_server_get(VH_APP(req)->db, req->pool, id, NULL, false, &s, err);
	if (st != VH_OK)
		return st;
	st = vh_server_load_upgrades(VH_APP(req)->db, req->pool, &s, err);
	if (st != VH_OK)
		return st;
	o = answer(req, &s, job_id);
	if (password) {
		/* Shown once: never stored, never logged. */
		vh_json_add_str(o, "vm_password", password);
	}
	vh_resp_header(req, "Location", created ? vh_psprintf(req->pool, "/servers/%s", id)
					       : vh_psprintf(req->pool, "/jobs/%s", job_id));
	vh_resp_json(req, 202, o);
	return VH_OK;
}

/* Enqueue one job of kind for server id (inside the caller's transaction)
 * and record the request as an event. */
static enum vh_status enqueue(struct vh_req *req, const char *kind, const char *id,
			      const char *payload, char job_id[VH_UUID_LEN + 1], struct vh_err *err)
{
	struct vh_event ev = {0};
	enum vh_status st;

	st = vh_job_enqueue(VH_APP(req)->db, req->pool, kind, id, payload, actor(req),
			    req->request_id, job_id, err);
	if (st != VH_OK)
		return st;
	ev.server_id = id;
	ev.job_id = job_id;
	ev.level = VH_EV_INFO;
	ev.message = vh_psprintf(req->pool, "%s requested", kind);
	ev.actor = actor(req);
	ev.request_id = req->request_id;
	vh_event_add(VH_APP(req)->db, req->pool, &ev);
	return VH_OK;
}

/* ---- POST /servers ---------------------------------------------------------------- */

struct order_input {
	const char *plan, *location, *os_template, *name;
	struct vh_opt_int expire_in_days;
};

/* A VM name PVE accepts and a person can read: a DNS label. */
static const char *norm_name(struct vh_pool *pool, const char *in, const char **out)
{
	size_t i, n = strlen(in);
	char *s;

	if (n == 0 || n > 63)
		return "must be 1 to 63 characters";
	s = vh_pstrdup(pool, in);
	for (i = 0; i < n; i++) {
		s[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return "may hold only letters, digits and '-'";
	}
	if (s[0] == '-' || s[n - 1] == '-')
		return "must not start or end with '-'";
	*out = s;
	return NULL;
}

static const struct vh_fdef order_fields[] = {
	{"plan", VH_F_STRING, true, 1, 64, offsetof(struct order_input, plan), NULL, false},
	{"location", VH_F_STRING, true, 1, 64, offsetof(struct order_input, location), NULL, false},
	{"os_template", VH_F_STRING, false, 1, 64, offsetof(struct order_input, os_template), NULL, false},
	{"name", VH_F_STRING, false, 1, 63, offsetof(struct order_input, name), norm_name, false},
	{"expire_in_days", VH_F_INT, false, 1, 3650, offsetof(struct order_input, expire_in_days), NULL, false},
	{NULL, 0, false, 0, 0, 0, NULL, false},
};

static void body_hash(const char *body, size_t len, char out[65])
{
	unsigned char h[SHA256_DIGEST_LENGTH];
	size_t i;

	SHA256((const unsigned char *)body, len, h);
	for (i = 0; i < sizeof(h); i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* Answer a repeated request: the same server and job as the first time,
 * without the password (it was shown once and never stored). */
static enum vh_status replay(struct vh_req *req, const char *key, const char *hash,
			     struct vh_err *err)
{
	const char *h, *server_id, *job_id;
	struct vh_server s;
	json_object *o;
	enum vh_status st;

	st = vh_idem_get(VH_APP(req)->db, req->pool, req->who.user_id, key, &h, &server_id, &job_id,
			 err);
	if (st != VH_OK)
		return st;
	if (strcmp(h, hash))
		return vh_fail(err, VH_CONFLICT, "idempotency_key_reused",
			       "this Idempotency-Key was used with a different request body");
	st = vh_server_get(VH_APP(req)->db, req->pool, server_id, NULL, false, &s, err);
	if (st != VH_OK)
		return st;
	vh_server_load_upgrades(VH_APP(req)->db, req->pool, &s, err);
	o = answer(req, &s, job_id);
	json_object_object_add(o, "idempotent_replay", json_object_new_boolean(1));
	vh_resp_header(req, "Location", vh_psprintf(req->pool, "/servers/%s", server_id));
	vh_resp_json(req, 202, o);
	return VH_OK;
}

enum vh_status api_servers_create(struct vh_req *req, struct vh_err *err)
{
	struct vh_db *db = VH_APP(req)->db;
	struct order_input in = {0};
	struct vh_plan_order plan;
	struct vh_server_new sn = {0};
	json_object *body, *keys = NULL, *payload;
	const char *raw, *key, *hash_pw, *msg, *keytext = NULL;
	char id[VH_UUID_LEN + 1], job_id[VH_UUID_LEN + 1], password[21], hash[65];
	struct vh_param p[1];
	struct vh_rows r;
	size_t rawlen;
	long count;
	bool offered;
	enum vh_status st;

	st = vh_req_json(req, &body, err);
	if (st != VH_OK)
		return st;
	vh_req_body(req, &raw, &rawlen, err);
	if (json_object_object_get_ex(body, "ssh_keys", &keys)) {
		keys = json_object_get(keys);
		json_object_object_del(body, "ssh_keys");
		vh_json_own(req->pool, keys);
		if ((msg = vh_norm_ssh_keys(req->pool, keys, &keytext)))
			vh_err_field(err, "ssh_keys", "%s", msg);
	}
	st = vh_validate(req->pool, body, order_fields, &in, err);
	if (st != VH_OK)
		return st;
	st = vh_err_fields_done(err);
	if (st != VH_OK)
		return st;

	key = vh_req_header(req, "Idempotency-Key");
	if (key) {
		size_t i, n = strlen(key);

		for (i = 0; i < n && key[i] > ' ' && key[i] < 127; i++)
			;
		if (n == 0 || n > 255 || i != n)
			return vh_fail(err, VH_BADREQUEST, "bad_idempotency_key",
				       "Idempotency-Key must be 1 to 255 printable characters");
		body_hash(raw, rawlen, hash);
		st = replay(req, key, hash, err);
		if (st != VH_NOTFOUND)
			return st;
		vh_err_clear(err);
	}

	st = vh_plan_for_order(db, req->pool, in.plan, &plan, err);
	if (st == VH_NOTFOUND || (st == VH_OK && plan.retired)) {
		vh_err_clear(err);
		vh_err_field(err, "plan", "is not a plan on sale (GET /servers/metadata/allowed)");
		return vh_err_fields_done(err);
	}
	if (st != VH_OK)
		return st;
	if (strcmp(plan.location, in.location)) {
		vh_err_field(err, "location", "plan %s is sold in %s", plan.name, plan.location);
		return vh_err_fields_done(err);
	}
	if (in.os_template) {
		st = vh_os_template_offered(db, req->pool, in.os_template, in.location, plan.host_id,
					    &offered, err);
		if (st != VH_OK)
			return st;
		if (!offered) {
			vh_err_field(err, "os_template", "is not offered in %s", in.location);
			return vh_err_fields_done(err);
		}
	}

	vh_password_generate(password);
	st = vh_password_hash(req->pool, password, &hash_pw, err);
	if (st != VH_OK)
		return st;
	vh_uuid_v7(id);
	sn.id = id;
	sn.owner_id = req->who.user_id;
	sn.name = in.name ? in.name : vh_psprintf(req->pool, "vh-%.8s", id + 28);
	sn.plan = plan.name;
	sn.location = plan.location;
	sn.os_template = in.os_template;
	sn.host_id = plan.host_id;
	sn.node = plan.node;
	sn.vcpu = plan.vcpu;
	sn.memory_mb = plan.memory_mb;
	sn.disk_gb = plan.disk_gb;
	sn.gpu_count = plan.gpu_count;
	sn.disk_storage = plan.disk_storage;
	sn.ssh_keys = keytext;
	sn.expire_in_days = in.expire_in_days.set ? in.expire_in_days.v : plan.default_expire_days;
	payload = vh_json_own(req->pool, json_object_new_object());
	vh_json_add_str(payload, "password_hash", hash_pw);

	st = vh_db_begin(db, err);
	if (st != VH_OK)
		return st;
	/* The owner's row serialises one user's orders: the limit below and
	 * an Idempotency-Key sent several times at once both depend on it. */
	p[0] = VH_PSTR(req->who.user_id);
	st = vh_db_exec(db, req->pool, sql_lock_user, p, 1, 0, &r, err);
	if (st != VH_OK)
		goto fail;
	if (key) {
		const char *h, *sid, *jid;

		st = vh_idem_get(db, req->pool, req->who.user_id, key, &h, &sid, &jid, err);
		if (st == VH_OK) {
			vh_db_rollback(db);
			return replay(req, key, hash, err);
		}
		if (st != VH_NOTFOUND)
			goto fail;
		vh_err_clear(err);
	}
	st = vh_server_count_live(db, req->pool, req->who.user_id, &count, err);
	if (st != VH_OK)
		goto fail;
	if (count >= vh_cfg_int(CFG_MAX_SERVERS_PER_USER)) {
		vh_db_rollback(db);
		return vh_fail(err, VH_CONFLICT, "server_limit_reached",
			       "this account already has %ld servers, the most allowed", count);
	}
	st = vh_server_insert(db, req->pool, &sn, err);
	if (st != VH_OK)
		goto fail;
	st = enqueue(req, "provision", id, json_object_to_json_string(payload), job_id, err);
	if (st != VH_OK)
		goto fail;
	if (key) {
		st = vh_idem_insert(db, req->pool, req->who.user_id, key, hash, id, job_id, err);
		if (st != VH_OK)
			goto fail;
	}
	st = vh_db_commit(db, err);
	if (st != VH_OK)
		return st;
	explicit_bzero((void *)hash_pw, strlen(hash_pw));
	vh_log(VH_LOG_INFO, "server %s ordered: plan %s, job %s", id, plan.name, job_id);
	st = accepted(req, id, job_id, password, true, err);
	explicit_bzero(password, sizeof(password));
	return st;
fail:
	vh_db_rollback(db);
	return st;
}

/* ---- reads --------------------------------------------------------------------------- */

enum vh_status api_servers_get(struct vh_req *req, struct vh_err *err)
{
	struct vh_server s;
	enum vh_status st = load(req, &s, true, err);

	if (st != VH_OK)
		return st;
	fill_ip(req, &s);
	vh_resp_json(req, 200, answer(req, &s, NULL));
	return VH_OK;
}

static enum vh_status list(struct vh_req *req, struct vh_server_filter *f, struct vh_err *err)
{
	struct vh_server *s;
	json_object *o, *items;
	size_t n, i;
	bool more;
	enum vh_status st;

	st = api_page_params(req, 50, 1000, &f->limit, &f->cursor, err);
	if (st != VH_OK)
		return st;
	st = vh_server_list(VH_APP(req)->db, req->pool, f, &s, &n, &more, err);
	if (st != VH_OK)
		return st;
	refresh(req, s, n);
	o = vh_json_own(req->pool, json_object_new_object());
	items = json_object_new_array();
	st = vh_server_load_upgrades_page(VH_APP(req)->db, req->pool, s, n, err);
	if (st != VH_OK)
		return st;
	for (i = 0; i < n; i++)
		json_object_array_add(items, vh_server_json(&s[i]));
	json_object_object_add(o, "items", items);
	vh_json_add_str(o, "next_cursor", more && n ? s[n - 1].id : NULL);
	vh_resp_json(req, 200, o);
	return VH_OK;
}

enum vh_status api_servers_of_user(struct vh_req *req, struct vh_err *err)
{
	struct vh_server_filter f = {0};
	const char *uid = vh_req_param(req, "user_id");

	if (!vh_is_uuid(uid) || (scope(req) && strcmp(scope(req), uid)))
		return vh_fail(err, VH_NOTFOUND, "user_not_found", "no such user");
	f.owner_id = uid;
	return list(req, &f, err);
}

enum vh_status api_admin_servers(struct vh_req *req, struct vh_err *err)
{
	struct vh_server_filter f = {0};
	enum vh_status st;

	if ((st = vh_req_query(req, "owner_id", &f.owner_id, err)) != VH_OK ||
	    (st = vh_req_query(req, "status", &f.status, err)) != VH_OK ||
	    (st = vh_req_query(req, "plan", &f.plan, err)) != VH_OK ||
	    (st = vh_req_query(req, "location", &f.location, err)) != VH_OK)
		return st;
	if (f.owner_id && !vh_is_uuid(f.owner_id))
		vh_err_field(err, "owner_id", "is not a user id");
	if (f.status && !strstr(",provisioning,active,suspended,expired,deleting,deleted,failed,"
				"rolled_back,lost,", vh_psprintf(req->pool, ",%s,", f.status)))
		vh_err_field(err, "status", "is not a server status");
	if ((st = vh_err_fields_done(err)) != VH_OK)
		return st;
	return list(req, &f, err);
}

enum vh_status api_servers_events(struct vh_req *req, struct vh_err *err)
{
	struct vh_server s;
	json_object *o, *items;
	long long limit;
	const char *cursor = NULL;
	bool more;
	enum vh_status st;

	st = vh_server_get(VH_APP(req)->db, req->pool, vh_req_param(req, "id"), scope(req), false, &s,
			   err);
	if (st != VH_OK)
		return st;
	limit = 100;
	if ((st = vh_req_query(req, "cursor", &cursor, err)) != VH_OK)
		return st;
	if (cursor && (strspn(cursor, "0123456789") != strlen(cursor) || strlen(cursor) > 18))
		return vh_fail(err, VH_BADREQUEST, "bad_cursor", "cursor is not a cursor of this list");
	st = vh_event_list(VH_APP(req)->db, req->pool, s.id, cursor, limit, &items, &more, err);
	if (st != VH_OK)
		return st;
	o = vh_json_own(req->pool, json_object_new_object());
	json_object_object_add(o, "items", json_object_get(items));
	if (more && json_object_array_length(items))
		vh_json_add_str(o, "next_cursor",
				json_object_get_string(json_object_object_get(
					json_object_array_get_idx(items, json_object_array_length(items) - 1),
					"id")));
	else
		json_object_object_add(o, "next_cursor", NULL);
	vh_resp_json(req, 200, o);
	return VH_OK;
}

enum vh_status api_jobs_get(struct vh_req *req, struct vh_err *err)
{
	struct vh_job j;
	enum vh_status st;

	st = vh_job_get(VH_APP(req)->db, req->pool, vh_req_param(req, "id"), scope(req), &j, err);
	if (st != VH_OK)
		return st;
	vh_resp_json(req, 200, vh_json_own(req->pool, vh_job_json(&j)));
	return VH_OK;
}

enum vh_status api_admin_jobs(struct vh_req *req, struct vh_err *err)
{
	struct vh_job_filter f = {0};
	struct vh_job *jobs;
	json_object *o, *items;
	size_t n, i;
	bool more;
	enum vh_status st;

	if ((st = vh_req_query(req, "state", &f.state, err)) != VH_OK ||
	    (st = vh_req_query(req, "kind", &f.kind, err)) != VH_OK ||
	    (st = vh_req_query(req, "server_id", &f.server_id, err)) != VH_OK)
		return st;
	if (f.state && !strstr(",queued,running,succeeded,failed,", vh_psprintf(req->pool, ",%s,", f.state)))
		vh_err_field(err, "state", "must be queued, running, succeeded or failed");
	if (f.server_id && !vh_is_uuid(f.server_id))
		vh_err_field(err, "server_id", "is not a server id");
	if ((st = vh_err_fields_done(err)) != VH_OK)
		return st;
	st = api_page_params(req, 50, 1000, &f.limit, &f.cursor, err);
	if (st != VH_OK)
		return st;
	st = vh_job_list(VH_APP(req)->db, req->pool, &f, &jobs, &n, &more, err);
	if (st != VH_OK)
		return st;
	o = vh_json_own(req->pool, json_object_new_object());
	items = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(items, vh_job_json(&jobs[i]));
	json_object_object_add(o, "items", items);
	vh_json_add_str(o, "next_cursor", more && n ? jobs[n - 1].id : NULL);
	vh_resp_json(req, 200, o);
	return VH_OK;
}

/* ---- power ----------------------------------------------------------------------------- */

static enum vh_status need_status(struct vh_server *s, const char *allowed, const char *action,
				  struct vh_err *err)
{
	char pat[40];

	snprintf(pat, sizeof(pat), ",%s,", s->status);
	if (strstr(allowed, pat))
		return VH_OK;
	if (!strcmp(s->status, "expired"))
		return vh_fail(err, VH_CONFLICT, "server_expired",
			       "the server has expired; extend it before it can be %s", action);
	return vh_fail(err, VH_CONFLICT, "invalid_state", "a server that is %s cannot be %s",
		       s->status, action);
}

/* POST /servers/{id}/{start,stop,shutdown,reboot,reset,suspend,resume}: the
 * action is the route's arg. */
enum vh_status api_servers_power(struct vh_req *req, struct vh_err *err)
{
	const char *action = req->route_arg, *power;
	char job_id[VH_UUID_LEN + 1];
	struct vh_server s;
	enum vh_status st;
	bool ok;

	st = load(req, &s, true, err);
	if (st != VH_OK)
		return st;
	static const char *const done[][2] = {
		{"start", "started"}, {"stop", "stopped"}, {"shutdown", "shut down"},
		{"reboot", "rebooted"}, {"reset", "reset"}, {"suspend", "suspended"},
		{"resume", "resumed"}, {NULL, NULL},
	};
	const char *verb = action;
	size_t i;

	for (i = 0; done[i][0]; i++)
		if (!strcmp(done[i][0], action))
			verb = done[i][1];
	/* Stopping an expired server is always allowed; nothing else is. */
	st = need_status(&s, (!strcmp(action, "stop") || !strcmp(action, "shutdown"))
				     ? ",active,expired," : ",active,", verb, err);
	if (st != VH_OK)
		return st;
	power = s.power_state;
	if (!strcmp(action, "start"))
		ok = strcmp(power, "running") != 0;
	else if (!strcmp(action, "resume"))
		ok = !strcmp(power, "paused");
	else if (!strcmp(action, "stop") || !strcmp(action, "shutdown"))
		ok = strcmp(power, "stopped") != 0;
	else  /* reboot, reset, suspend */
		ok = !strcmp(power, "running");
	if (!ok && strcmp(power, "unknown"))
		return vh_fail(err, VH_CONFLICT, "invalid_power_state",
			       "the server is %s; it cannot be %s%s", power, verb,
			       !strcmp(action, "start") && !strcmp(power, "paused")
				       ? " (resume it instead)" : "");
	st = vh_db_begin(VH_APP(req)->db, err);
	if (st != VH_OK)
		return st;
	st = enqueue(req, action, s.id, NULL, job_id, err);
	if (st == VH_OK)
		st = vh_db_commit(VH_APP(req)->db, err);
	else
		vh_db_rollback(VH_APP(req)->db);
	if (st != VH_OK)
		return st;
	return accepted(req, s.id, job_id, NULL, false, err);
}

/* ---- extend, upgrade ----------------------------------------------------------------- */

struct extend_input {
	struct vh_opt_int days;
};

static const struct vh_fdef extend_fields[] = {
	{"additional_days", VH_F_INT, true, 1, 3650, offsetof(struct extend_input, days), NULL, false},
	{NULL, 0, false, 0, 0, 0, NULL, false},
};

enum vh_status api_servers_extend(struct vh_req *req, struct vh_err *err)
{
	struct extend_input in = {{0}};
	struct vh_server s;
	json_object *body;
	struct vh_event ev = {0};
	enum vh_status st;

	/* The server first: another user's id is a 404 whatever the body. */
	st = load(req, &s, false, err);
	if (st != VH_OK)
		return st;
	if ((st = vh_req_json(req, &body, err)) != VH_OK ||
	    (st = vh_validate(req->pool, body, extend_fields, &in, err)) != VH_OK)
		return st;
	st = need_status(&s, ",provisioning,active,expired,suspended,", "extended", err);
	if (st != VH_OK)
		return st;
	st = vh_server_extend(VH_APP(req)->db, req->pool, s.id, (long)in.days.v, err);
	if (st != VH_OK)
		return st;
	ev.server_id = s.id;
	ev.level = VH_EV_INFO;
	ev.message = vh_psprintf(req->pool, "extended by %lld days", in.days.v);
	ev.actor = actor(req);
	ev.request_id = req->request_id;
	vh_event_add(VH_APP(req)->db, req->pool, &ev);
	st = load(req, &s, true, err);
	if (st != VH_OK)
		return st;
	vh_resp_json(req, 200, answer(req, &s, NULL));
	return VH_OK;
}

struct upgrade_input {
	const char *upgrade;
};

static const struct vh_fdef upgrade_fields[] = {
	{"upgrade", VH_F_STRING, true, 1, 64, offsetof(struct upgrade_input, upgrade), NULL, false},
	{NULL, 0, false, 0, 0, 0, NULL, false},
};

enum vh_status api_servers_upgrade(struct vh_req *req, struct vh_err *err)
{
	struct vh_db *db = VH_APP(req)->db;
	struct upgrade_input in = {0};
	char job_id[VH_UUID_LEN + 1];
	struct vh_server s;
	json_object *body;
	enum vh_status st;

	st = load(req, &s, true, err);
	if (st != VH_OK)
		return st;
	if ((st = vh_req_json(req, &body, err)) != VH_OK ||
	    (st = vh_validate(req->pool, body, upgrade_fields, &in, err)) != VH_OK)
		return st;
	st = need_status(&s, ",active,", "upgraded", err);
	if (st != VH_OK)
		return st;
	if (s.stale || strcmp(s.power_state, "stopped"))
		return vh_fail(err, VH_CONFLICT, "must_be_stopped",
			       "stop the server before upgrading it (it is %s)",
			       s.stale ? "in an unknown state" : s.power_state);
	st = vh_db_begin(db, err);
	if (st != VH_OK)
		return st;
	/* The job first: a server that is busy is refused before its specs
	 * change. */
	st = enqueue(req, "upgrade", s.id, NULL, job_id, err);
	if (st == VH_OK)
		st = vh_server_add_upgrade(db, req->pool, s.id, in.upgrade, err);
	if (st == VH_OK)
		st = vh_db_commit(db, err);
	else
		vh_db_rollback(db);
	if (st == VH_INVALID && !strcmp(err->code, "unknown_upgrade")) {
		vh_err_clear(err);
		vh_err_field(err, "upgrade", "is not an upgrade bundle (GET /servers/metadata/allowed)");
		return vh_err_fields_done(err);
	}
	if (st != VH_OK)
		return st;
	return accepted(req, s.id, job_id, NULL, false, err);
}

/* ---- password reset, rebuild, retry, delete ------------------------------------------- */

enum vh_status api_servers_password_reset(struct vh_req *req, struct vh_err *err)
{
	struct vh_db *db = VH_APP(req)->db;
	struct vh_pve_error pe = {0};
	struct vh_server s;
	struct vh_pve *pve;
	struct vh_event ev = {0};
	struct vh_param p[1];
	struct vh_rows r;
	const char *hash, *user = "root", *applies = "next_boot", *form = NULL;
	char password[21];
	json_object *o;
	enum vh_status st;

	st = load(req, &s, true, err);
	if (st != VH_OK)
		return st;
	st = need_status(&s, ",active,", "given a new password", err);
	if (st != VH_OK)
		return st;
	if (s.os_template) {
		p[0] = VH_PSTR(s.os_template);
		if (vh_db_exec(db, req->pool, sql_default_user, p, 1, VH_DB_IDEMPOTENT, &r, err) == VH_OK &&
		    r.nrows)
			user = vh_rows_get(&r, 0, 0);
	}
	vh_password_generate(password);
	st = vh_password_hash(req->pool, password, &hash, err);
	if (st != VH_OK)
		return st;
	st = vh_host_client(db, req->pool, s.host_id, VH_HOST_INTERACTIVE, &pve, err);
	if (st != VH_OK)
		return st;
	/* A running VM with its agent takes the password now; otherwise
	 * cloud-init sets it at the next boot. */
	if (!strcmp(s.power_state, "running") &&
	    vh_pve_agent_set_password(pve, req->pool, s.node, s.vmid, user, password, &pe, err) == VH_OK)
		applies = "now";
	vh_err_clear(err);
	memset(&pe, 0, sizeof(pe));
	/* Always stored for cloud-init too, so a rebuild or a cloud-init
	 * re-run never brings the old password back. */
	vh_pve_form_add(req->pool, &form, "cipassword", hash);
	st = vh_pve_config_set(pve, req->pool, s.node, s.vmid, form, 0, &(const char *){NULL}, &pe, err);
	if (st != VH_OK && strcmp(applies, "now")) {
		explicit_bzero(password, sizeof(password));
		vh_err_clear(err);
		return vh_pve_error_status(&pe, err);
	}
	ev.server_id = s.id;
	ev.level = VH_EV_INFO;
	ev.message = vh_psprintf(req->pool, "root password reset (applies %s)", applies);
	ev.actor = actor(req);
	ev.request_id = req->request_id;
	vh_event_add(db, req->pool, &ev);
	o = vh_json_own(req->pool, json_object_new_object());
	vh_json_add_str(o, "server_id", s.id);
	vh_json_add_str(o, "username", user);
	vh_json_add_str(o, "vm_password", password);
	vh_json_add_str(o, "applies_at", applies);
	vh_resp_json(req, 200, o);
	explicit_bzero(password, sizeof(password));
	return VH_OK;
}

struct rebuild_input {
	const char *os_template;
};

static const struct vh_fdef rebuild_fields[] = {
	{"os_template", VH_F_STRING, false, 1, 64, offsetof(struct rebuild_input, os_template), NULL, false},
	{NULL, 0, false, 0, 0, 0, NULL, false},
};

/* Jobs that hand the VM a new password: rebuild and retry. */
static enum vh_status with_password(struct vh_req *req, struct vh_server *s, const char *kind,
				    const char *os_template, const char *reset_sql,
				    struct vh_err *err)
{
	struct vh_db *db = VH_APP(req)->db;
	char password[21], job_id[VH_UUID_LEN + 1];
	struct vh_param p[1] = {VH_PSTR(s->id)};
	json_object *payload;
	const char *hash;
	enum vh_status st;

	vh_password_generate(password);
	st = vh_password_hash(req->pool, password, &hash, err);
	if (st != VH_OK)
		return st;
	payload = vh_json_own(req->pool, json_object_new_object());
	vh_json_add_str(payload, "password_hash", hash);
	if (os_template)
		vh_json_add_str(payload, "os_template", os_template);
	st = vh_db_begin(db, err);
	if (st != VH_OK)
		return st;
	st = enqueue(req, kind, s->id, json_object_to_json_string(payload), job_id, err);
	if (st == VH_OK)
		st = vh_db_exec(db, req->pool, reset_sql, p, 1, 0, NULL, err);
	if (st == VH_OK)
		st = vh_db_commit(db, err);
	else
		vh_db_rollback(db);
	if (st == VH_CONFLICT && strcmp(err->code, "server_busy")) {
		vh_err_clear(err);
		st = vh_fail(err, VH_CONFLICT, "vmid_taken",
			     "the server's VMID is in use again; delete the server and order a new one");
	}
	if (st == VH_OK)
		st = accepted(req, s->id, job_id, password, false, err);
	explicit_bzero(password, sizeof(password));
	return st;
}

enum vh_status api_servers_rebuild(struct vh_req *req, struct vh_err *err)
{
	struct rebuild_input in = {0};
	struct vh_server s;
	json_object *body;
	bool offered;
	enum vh_status st;

	st = load(req, &s, false, err);
	if (st != VH_OK)
		return st;
	if ((st = vh_req_json(req, &body, err)) != VH_OK ||
	    (st = vh_validate(req->pool, body, rebuild_fields, &in, err)) != VH_OK)
		return st;
	st = need_status(&s, ",active,", "rebuilt", err);
	if (st != VH_OK)
		return st;
	if (in.os_template) {
		st = vh_os_template_offered(VH_APP(req)->db, req->pool, in.os_template, s.location,
					    s.host_id, &offered, err);
		if (st != VH_OK)
			return st;
		if (!offered) {
			vh_err_field(err, "os_template", "is not offered on this server's host");
			return vh_err_fields_done(err);
		}
	}
	return with_password(req, &s, "rebuild", in.os_template ? in.os_template : s.os_template,
			     sql_set_rebuilding, err);
}

enum vh_status api_servers_retry(struct vh_req *req, struct vh_err *err)
{
	struct vh_server s;
	enum vh_status st;

	st = load(req, &s, false, err);
	if (st != VH_OK)
		return st;
	st = need_status(&s, ",rolled_back,failed,", "retried", err);
	if (st != VH_OK)
		return st;
	return with_password(req, &s, "provision", s.os_template, sql_retry_reset, err);
}

enum vh_status api_servers_delete(struct vh_req *req, struct vh_err *err)
{
	struct vh_db *db = VH_APP(req)->db;
	char job_id[VH_UUID_LEN + 1];
	struct vh_server s;
	enum vh_status st;

	st = load(req, &s, false, err);
	if (st != VH_OK)
		return st;
	if (!strcmp(s.status, "deleted") || !strcmp(s.status, "deleting"))
		return vh_fail(err, VH_CONFLICT, "already_deleted", "the server is %s", s.status);
	st = vh_db_begin(db, err);
	if (st != VH_OK)
		return st;
	st = enqueue(req, "delete", s.id, NULL, job_id, err);
	if (st == VH_OK)
		st = vh_server_set_status(db, req->pool, s.id, "deleting", NULL, err);
	if (st == VH_OK)
		st = vh_db_commit(db, err);
	else
		vh_db_rollback(db);
	if (st != VH_OK)
		return st;
	return accepted(req, s.id, job_id, NULL, false, err);
}
