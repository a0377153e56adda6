/* pve-sim: a Proxmox VE 8 API simulator for tests and the local demo.
 *
 * research/pve-api.md is the reference; section 10 lists the 25 behaviours
 * this program must reproduce, and tests/e2e/e2e-pve-sim.c names a test for
 * each.  This file holds the front door every PVE request passes — request
 * counters, injected latency and faults, 501 for unknown paths, HEAD and a
 * DELETE with a body, authentication (tickets, PVEAuthCookie, CSRF on
 * non-GET ticket requests, API tokens that are not root, the 2 h ticket
 * life), 595 for an offline node, and the declared-parameter check (0/1
 * booleans, unknown parameters refused, vmid >= 100) — then cluster, node,
 * storage and PCI reads and the /_sim/ control path.  VMs and tasks are in
 * pve-sim-vm.c; agent, snapshots, task status and log in pve-sim-guest.c.
 *
 * One FastCGI process: state lives in memory, and time is simulated (tasks
 * advance lazily at the start of each request).  Secrets come from the
 * environment (PVE_SIM_PASSWORD for root@pam, PVE_SIM_TOKEN as
 * USER@REALM!ID=SECRET, PVE_SIM_FINGERPRINT for /nodes); the cluster from
 * the JSON file given as the first argument.
 *
 * Control path /_sim/ (never authenticated, never counted).  Bodies are
 * JSON; every answer is JSON.
 *   POST /_sim/reset      {}  everything back to the cluster file: VMs,
 *                         tasks, clock, counters, faults, latency, nodes,
 *                         agent settings, durations, legacy mode.
 *   POST /_sim/clock      {"advance_seconds": N} or {"advance_ms": N}
 *   GET  /_sim/state      {"vms":[{vmid,node,status,qmpstatus,lock?,
 *                         template?,config,pending,snapshots,...}],
 *                         "pci":[{node,id,vmid}] (devices held by running
 *                         VMs), "counters":{"GET /api2/json/version":N},
 *                         "tasks":[{upid,type,status,exitstatus?}],
 *                         "nodes":{"pve1":true}, "faults":[..],
 *                         "latency":[..], "agent":{..}, "clock_offset_ms"}
 *   POST /_sim/counters   {}  zero the request counters.
 *   POST /_sim/fault      {"method":"POST","path":"/api2/json/nodes/pve1/qemu/100/clone"
 *                         (path is a glob: '*' and '?' match any character,
 *                         '/' included, so nodes/STAR/qemu/STAR/clone with
 *                         STAR = '*' matches every clone),
 *                         "count":1, "status":500, "message":"text",
 *                         "errors":{..} (optional, for a 400)}: the next
 *                         count matching requests get that answer instead:
 *                         reason phrase = first line of message, body
 *                         {"data":null,"message":"text\n"} (401/595/596:
 *                         empty body).  method "*" or absent: any.
 *                         {"clear":true} drops every pending fault.
 *   POST /_sim/latency    {"method":"GET","path":"glob","ms":2000,"count":1}
 *                         delays matching requests (count absent: until
 *                         reset).  The process is single-threaded, so the
 *                         delay stalls every client: keep it short.
 *   POST /_sim/task-fail  {"type":"qmclone","exitstatus":"text","count":1}
 *                         the next count tasks of that type end with that
 *                         exitstatus ("WARNINGS: 2" counts as success).
 *   POST /_sim/durations  {"qmclone":300,"default":300} task milliseconds.
 *   POST /_sim/node       {"node":"pve2","online":false,
 *                         "reason":"Connection refused"}: paths under
 *                         /nodes/pve2/ get 595 with an empty body; /nodes
 *                         and /cluster/resources show it offline and its
 *                         VMs with status "unknown".
 *   POST /_sim/agent      {"vmid":123 (absent: all VMs), "answer":false,
 *                         "ip_delay_ms":500}: a silent agent answers 500
 *                         "QEMU guest agent is not running"; the IPv4
 *                         address shows ip_delay_ms after start.
 *   POST /_sim/legacy     {"enabled":true}: error bodies without "message",
 *                         as pve-http-server before 5.2 sent them. */
#include "config.h"

#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "pool.h"
#include "serve.h"
#include "uuid.h"
#include "pve-sim.h"

#define TICKET_LIFE (2 * 3600)
#define SKEW 300
#define BASE "/api2/json"

json_object *pve_cluster;           /* the config file */
static unsigned char sign_key[32];  /* signs tickets and CSRF tokens */
static long long clock_offset_ms;
static json_object *counters;       /* "METHOD /path" -> n */
static json_object *faults;         /* [{method, path, count, status, message, errors?}] */
static json_object *latency;        /* [{method, path, ms, count?}] */
static json_object *node_state;     /* node -> {"online":bool,"reason":text} */
static bool legacy;
static const char *root_password, *token_full, *fingerprint;

long pve_now(void)
{
	return (long)(pve_now_ms() / 1000);
}

long long pve_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + clock_offset_ms;
}

void pve_clock_wait_ms(long long ms)
{
	if (ms > 0)
		clock_offset_ms += ms;
}

/* ---- answers as PVE gives them ---------------------------------------- */

static enum vh_status send_json(struct vh_req *req, int status, const char *reason, json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE);

	vh_resp_raw(req, status, reason, "application/json;charset=UTF-8", s, strlen(s));
	vh_resp_header(req, "Server", "pve-api-daemon/3.0");
	return VH_OK;
}

enum vh_status pve_answer(struct vh_req *req, json_object *data)
{
	json_object *o = vh_json_own(req->pool, json_object_new_object());

	json_object_object_add(o, "data", data);
	return send_json(req, 200, "OK", o);
}

enum vh_status pve_answer_total(struct vh_req *req, json_object *data, long total)
{
	json_object *o = vh_json_own(req->pool, json_object_new_object());

	json_object_object_add(o, "data", data);
	vh_json_add_int(o, "total", total);
	return send_json(req, 200, "OK", o);
}

/* The reason phrase is the first line of the error (without control
 * characters); since pve-http-server 5.2 the body repeats the whole text
 * as "message". */
static enum vh_status fail_with(struct vh_req *req, int status, const char *msg, json_object *errors)
{
	json_object *o;
	char *reason = vh_pstrndup(req->pool, msg, strcspn(msg, "\r\n"));
	char *c;

	for (c = reason; *c; c++)
		if ((unsigned char)*c < 0x20)
			*c = ' ';
	if (!*reason)
		reason = vh_pstrdup(req->pool, status == 595 ? "Connection refused"
					       : status == 596 ? "Broken pipe" : "Error");
	if (status == 401 || status == 595 || status == 596) {
		json_object_put(errors);
		vh_resp_raw(req, status, reason, "application/json;charset=UTF-8", "", 0);
		vh_resp_header(req, "Server", "pve-api-daemon/3.0");
		return VH_OK;
	}
	o = vh_json_own(req->pool, json_object_new_object());
	json_object_object_add(o, "data", NULL);
	if (errors)
		json_object_object_add(o, "errors", errors);
	if (!legacy)
		vh_json_add_str(o, "message", vh_psprintf(req->pool, "%s\n", msg));
	return send_json(req, status, reason, o);
}

enum vh_status pve_fail(struct vh_req *req, int status, const char *msg)
{
	return fail_with(req, status, msg, NULL);
}

enum vh_status pve_errors_fail(struct vh_req *req, json_object *errors)
{
	return fail_with(req, 400, "Parameter verification failed.", errors);
}

enum vh_status pve_param_fail(struct vh_req *req, const char *name, const char *msg)
{
	json_object *e = json_object_new_object();

	vh_json_add_str(e, name, msg);
	return pve_errors_fail(req, e);
}

static void count(struct vh_req *req)
{
	const char *key = vh_psprintf(req->pool, "%s %s", req->method, req->path);
	json_object *v;
	long n = json_object_object_get_ex(counters, key, &v) ? json_object_get_int64(v) : 0;

	json_object_object_add(counters, key, json_object_new_int64(n + 1));
}

/* ---- the cluster file --------------------------------------------------- */

json_object *pve_node(const char *node)
{
	json_object *list = json_object_object_get(pve_cluster, "nodes");
	size_t i;

	for (i = 0; node && i < json_object_array_length(list); i++) {
		json_object *n = json_object_array_get_idx(list, i);

		if (!strcmp(node, json_object_get_string(json_object_object_get(n, "node"))))
			return n;
	}
	return NULL;
}

bool pve_node_known(const char *node)
{
	return pve_node(node) != NULL;
}

bool pve_node_online(const char *node)
{
	json_object *s;

	return json_object_object_get_ex(node_state, node, &s) &&
	       json_object_get_boolean(json_object_object_get(s, "online"));
}

json_object *pve_storage(const char *node, const char *storage)
{
	json_object *list = json_object_object_get(pve_cluster, "storage");
	size_t i;

	for (i = 0; storage && i < json_object_array_length(list); i++) {
		json_object *s = json_object_array_get_idx(list, i);

		if (!strcmp(node, json_object_get_string(json_object_object_get(s, "node"))) &&
		    !strcmp(storage, json_object_get_string(json_object_object_get(s, "storage"))))
			return s;
	}
	return NULL;
}

json_object *pve_pci_list(const char *node)
{
	return json_object_object_get(pve_node(node), "pci");
}

/* ---- tickets ---------------------------------------------------------- */

static char *mac_b64(struct vh_pool *pool, const char *text)
{
	unsigned char mac[32];
	unsigned int len = sizeof(mac);
	unsigned char b64[48];

	HMAC(EVP_sha256(), sign_key, sizeof(sign_key), (const unsigned char *)text, strlen(text), mac,
	     &len);
	EVP_EncodeBlock(b64, mac, (int)len);
	return vh_pstrdup(pool, (const char *)b64);
}

static const char *make_ticket(struct vh_pool *pool, const char *user, long t)
{
	const char *plain = vh_psprintf(pool, "PVE:%s:%08lX", user, t);

	return vh_psprintf(pool, "%s::%s", plain, mac_b64(pool, plain));
}

static const char *make_csrf(struct vh_pool *pool, const char *user, long t)
{
	const char *plain = vh_psprintf(pool, "%08lX:%s", t, user);

	return vh_psprintf(pool, "%08lX:%s", t, mac_b64(pool, plain));
}

/* Valid ticket → its user and time; NULL otherwise. */
static const char *check_ticket(struct vh_pool *pool, const char *ticket, long *issued)
{
	const char *sep = strstr(ticket, "::"), *colon;
	char *plain;
	long t;

	if (strncmp(ticket, "PVE:", 4) != 0 || !sep)
		return NULL;
	plain = vh_pstrndup(pool, ticket, (size_t)(sep - ticket));
	if (strcmp(mac_b64(pool, plain), sep + 2) != 0)
		return NULL;
	colon = strrchr(plain, ':');
	if (!colon)
		return NULL;
	t = strtol(colon + 1, NULL, 16);
	if (pve_now() > t + TICKET_LIFE + SKEW || t > pve_now() + SKEW)
		return NULL;
	*issued = t;
	return vh_pstrndup(pool, plain + 4, (size_t)(colon - plain - 4));
}

/* PVE's authentication rules: VH_OK with the caller in call, or the 401
 * has been answered. */
static enum vh_status authenticate(struct vh_req *req, struct pve_call *call)
{
	const char *cookie = vh_req_header(req, "Cookie");
	const char *authz = vh_req_header(req, "Authorization");
	const char *t = NULL, *user, *csrf;
	long issued;

	if (authz && strncmp(authz, "PVEAPIToken=", 12) == 0) {
		if (token_full && *token_full && strlen(authz + 12) == strlen(token_full) &&
		    CRYPTO_memcmp(authz + 12, token_full, strlen(token_full)) == 0) {
			/* The acting user is user@realm!tokenid: never root@pam. */
			call->user = vh_pstrndup(req->pool, token_full, strcspn(token_full, "="));
			call->token = true;
			call->root = false;
			return VH_OK;
		}
		pve_fail(req, 401, "invalid token value!");
		return VH_UNAUTHORIZED;
	}
	if (cookie && (t = strstr(cookie, "PVEAuthCookie=")))
		t = vh_pstrndup(req->pool, t + 14, strcspn(t + 14, ";"));
	else if (authz && strncmp(authz, "PVEAuthCookie=", 14) == 0)
		t = authz + 14;
	if (!t) {
		pve_fail(req, 401, "No ticket");
		return VH_UNAUTHORIZED;
	}
	user = check_ticket(req->pool, t, &issued);
	if (!user) {
		pve_fail(req, 401, "permission denied - invalid PVE ticket");
		return VH_UNAUTHORIZED;
	}
	call->user = user;
	call->root = !strcmp(user, "root@pam");
	if (strcmp(req->method, "GET") != 0) {
		csrf = vh_req_header(req, "CSRFPreventionToken");
		if (!csrf || strcmp(csrf, make_csrf(req->pool, user, issued)) != 0) {
			pve_fail(req, 401, "Permission denied - invalid csrf token");
			return VH_UNAUTHORIZED;
		}
	}
	return VH_OK;
}

/* ---- parameters ------------------------------------------------------- */

static int hexv(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : (c | 32) >= 'a' && (c | 32) <= 'f' ? (c | 32) - 'a' + 10 : -1;
}

static char *url_decode(struct vh_pool *pool, const char *s, size_t n)
{
	char *v = vh_palloc(pool, n + 1), *o = v;
	const char *e = s + n;

	for (; s < e; s++) {
		if (*s == '+') {
			*o++ = ' ';
		} else if (*s == '%' && s + 2 < e && hexv(s[1]) >= 0 && hexv(s[2]) >= 0) {
			*o++ = (char)(hexv(s[1]) * 16 + hexv(s[2]));
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return v;
}

/* name=value&... into args (later values of a name win). */
static void parse_form(struct vh_pool *pool, const char *p, json_object *args)
{
	while (p && *p) {
		size_t seg = strcspn(p, "&"), klen = strcspn(p, "=&");

		if (klen > 0) {
			const char *key = url_decode(pool, p, klen);
			const char *val = klen < seg ? url_decode(pool, p + klen + 1, seg - klen - 1) : "";

			json_object_object_add(args, key, json_object_new_string(val));
		}
		p += seg;
		if (*p == '&')
			p++;
	}
}

/* A JSON body: values as the strings PVE's schema checks. */
static bool parse_json_body(const char *body, json_object *args)
{
	json_object *o = json_tokener_parse(body);

	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return false;
	}
	json_object_object_foreach(o, k, v) {
		const char *s = json_object_is_type(v, json_type_boolean)
					? (json_object_get_boolean(v) ? "1" : "0")
					: json_object_get_string(v);

		json_object_object_add(args, k, json_object_new_string(s ? s : ""));
	}
	json_object_put(o);
	return true;
}

const struct pve_param *pve_find_param(const struct pve_param *list, const char *name)
{
	for (; list && list->name; list++) {
		size_t n = strlen(list->name);

		if (list->name[n - 1] == '#') {
			char *end;
			long idx;

			if (strncmp(name, list->name, n - 1) != 0 || name[n - 1] < '0' || name[n - 1] > '9')
				continue;
			idx = strtol(name + n - 1, &end, 10);
			if (!*end && idx <= list->max && (idx == 0 || name[n - 1] != '0'))
				return list;
		} else if (!strcmp(list->name, name)) {
			return list;
		}
	}
	return NULL;
}

static bool is_integer(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* NULL, or PVE's complaint about one value. */
static const char *check_value(struct vh_pool *pool, const struct pve_param *p, const char *v)
{
	long n;

	switch (p->type) {
	case P_BOOL:
		if (strcmp(v, "0") && strcmp(v, "1"))
			return vh_psprintf(pool, "type check ('boolean') failed - got '%s'", v);
		return NULL;
	case P_INT:
	case P_VMID:
		if (!is_integer(v))
			return vh_psprintf(pool, "type check ('integer') failed - got '%s'", v);
		n = atol(v);
		if (p->type == P_VMID) {
			size_t i, len = strlen(v);
			bool ok = len >= 3 && len <= 9 && v[0] >= '1' && v[0] <= '9';

			for (i = 0; ok && i < len; i++)
				ok = v[i] >= '0' && v[i] <= '9';
			return ok ? NULL : "invalid format - value does not look like a valid VM ID";
		}
		if (p->max > p->min && n < p->min)
			return vh_psprintf(pool, "value must have a minimum value of %ld", p->min);
		if (p->max > p->min && n > p->max)
			return vh_psprintf(pool, "value must have a maximum value of %ld", p->max);
		return NULL;
	default:
		return NULL;
	}
}

/* Every given parameter declared and well-typed, every required one
 * present: VH_OK, or the 400 has been answered. */
static enum vh_status validate(struct vh_req *req, const struct pve_spec *spec, json_object *args)
{
	json_object *errs = json_object_new_object();
	const struct pve_param *lists[2] = {spec ? spec->params : NULL, spec ? spec->more : NULL};
	size_t i;

	json_object_object_foreach(args, k, v) {
		const struct pve_param *p = pve_find_param(lists[0], k);
		const char *bad;

		if (!p)
			p = pve_find_param(lists[1], k);
		if (!p) {
			vh_json_add_str(errs, k, "property is not defined in schema and the schema does "
						 "not allow additional properties");
			continue;
		}
		bad = check_value(req->pool, p, json_object_get_string(v));
		if (bad)
			vh_json_add_str(errs, k, bad);
	}
	for (i = 0; i < 2; i++) {
		const struct pve_param *p;

		for (p = lists[i]; p && p->name; p++)
			if (p->required && !json_object_object_get(args, p->name) &&
			    !json_object_object_get(errs, p->name))
				vh_json_add_str(errs, p->name, "property is missing and it is not optional");
	}
	if (json_object_object_length(errs) == 0) {
		json_object_put(errs);
		return VH_OK;
	}
	pve_errors_fail(req, errs);
	return VH_INVALID;
}

struct pve_call *pve_call_of(struct vh_req *req)
{
	return req->ctx;
}

const char *pve_arg(struct vh_req *req, const char *name)
{
	struct pve_call *c = req->ctx;
	json_object *v;

	return c && json_object_object_get_ex(c->args, name, &v) ? json_object_get_string(v) : NULL;
}

long pve_arg_int(struct vh_req *req, const char *name, long dflt)
{
	const char *v = pve_arg(req, name);

	return v ? atol(v) : dflt;
}

bool pve_arg_bool(struct vh_req *req, const char *name, bool dflt)
{
	const char *v = pve_arg(req, name);

	return v ? !strcmp(v, "1") : dflt;
}

/* ---- cluster and node routes ----------------------------------------- */

static enum vh_status ticket(struct vh_req *req, struct vh_err *err)
{
	const char *user = pve_arg(req, "username"), *pass = pve_arg(req, "password");
	const char *realm = pve_arg(req, "realm"), *tuser;
	long issued;
	json_object *d;

	(void)err;
	if (realm && !strchr(user, '@'))
		user = vh_psprintf(req->pool, "%s@%s", user, realm);
	/* The password, or a valid ticket of the same user (renewal). */
	tuser = check_ticket(req->pool, pass, &issued);
	if (!((strcmp(user, "root@pam") == 0 && root_password && *root_password &&
	       strlen(pass) == strlen(root_password) &&
	       CRYPTO_memcmp(pass, root_password, strlen(root_password)) == 0) ||
	      (tuser && !strcmp(tuser, user))))
		return pve_fail(req, 401, "authentication failure");
	d = json_object_new_object();
	vh_json_add_str(d, "username", user);
	vh_json_add_str(d, "ticket", make_ticket(req->pool, user, pve_now()));
	vh_json_add_str(d, "CSRFPreventionToken", make_csrf(req->pool, user, pve_now()));
	json_object_object_add(d, "cap", json_object_new_object());
	vh_json_add_str(d, "clustername", json_object_get_string(json_object_object_get(pve_cluster, "cluster")));
	return pve_answer(req, d);
}

static enum vh_status version(struct vh_req *req, struct vh_err *err)
{
	(void)err;
	return pve_answer(req, json_object_get(json_object_object_get(pve_cluster, "version")));
}

static json_object *node_item(struct vh_req *req, json_object *n)
{
	json_object *o = json_object_new_object();
	const char *name = json_object_get_string(json_object_object_get(n, "node"));
	bool online = pve_node_online(name);

	vh_json_add_str(o, "id", vh_psprintf(req->pool, "node/%s", name));
	vh_json_add_str(o, "type", "node");
	vh_json_add_str(o, "node", name);
	vh_json_add_str(o, "status", online ? "online" : "offline");
	/* PVE reports no usage figures for a node it cannot reach. */
	if (!online)
		return o;
	json_object_object_add(o, "maxcpu", json_object_get(json_object_object_get(n, "maxcpu")));
	json_object_object_add(o, "maxmem", json_object_get(json_object_object_get(n, "maxmem")));
	json_object_object_add(o, "maxdisk", json_object_get(json_object_object_get(n, "maxdisk")));
	json_object_object_add(o, "cpu", json_object_new_double(0.02));
	vh_json_add_int(o, "mem", 4294967296LL);
	vh_json_add_int(o, "disk", 8589934592LL);
	vh_json_add_int(o, "uptime", 86400 + pve_now() % 86400);
	vh_json_add_int(o, "level", 0);
	return o;
}

static enum vh_status nodes(struct vh_req *req, struct vh_err *err)
{
	json_object *arr = json_object_new_array(), *list = json_object_object_get(pve_cluster, "nodes");
	size_t i;

	(void)err;
	for (i = 0; i < json_object_array_length(list); i++) {
		json_object *o = node_item(req, json_object_array_get_idx(list, i));

		vh_json_add_str(o, "ssl_fingerprint", fingerprint ? fingerprint : "");
		json_object_array_add(arr, o);
	}
	return pve_answer(req, arr);
}

static json_object *storage_item(struct vh_req *req, json_object *s, bool resource)
{
	json_object *o = json_object_new_object();
	const char *node = json_object_get_string(json_object_object_get(s, "node"));
	const char *st = json_object_get_string(json_object_object_get(s, "storage"));
	const char *content = json_object_get_string(json_object_object_get(s, "content"));
	long long total = json_object_get_int64(json_object_object_get(s, "maxdisk"));
	long long used = pve_storage_used(node, st);

	vh_json_add_str(o, "storage", st);
	vh_json_add_str(o, "type", json_object_get_string(json_object_object_get(s, "type")));
	vh_json_add_str(o, "content", content ? content : "images,rootdir");
	if (resource) {
		vh_json_add_str(o, "id", vh_psprintf(req->pool, "storage/%s/%s", node, st));
		json_object_object_add(o, "type", json_object_new_string("storage"));
		vh_json_add_str(o, "node", node);
		vh_json_add_str(o, "status", pve_node_online(node) ? "available" : "unknown");
		vh_json_add_str(o, "plugintype", json_object_get_string(json_object_object_get(s, "type")));
		vh_json_add_int(o, "maxdisk", total);
		vh_json_add_int(o, "disk", used);
		vh_json_add_int(o, "shared", 0);
		return o;
	}
	vh_json_add_int(o, "active", 1);
	vh_json_add_int(o, "enabled", 1);
	vh_json_add_int(o, "shared", 0);
	vh_json_add_int(o, "total", total);
	vh_json_add_int(o, "used", used);
	vh_json_add_int(o, "avail", total - used);
	json_object_object_add(o, "used_fraction",
			       json_object_new_double(total ? (double)used / (double)total : 0));
	return o;
}

static enum vh_status resources(struct vh_req *req, struct vh_err *err)
{
	json_object *arr, *list;
	const char *type = pve_arg(req, "type");
	size_t i;

	(void)err;
	if (type && strcmp(type, "vm") && strcmp(type, "node") && strcmp(type, "storage") &&
	    strcmp(type, "sdn"))
		return pve_param_fail(req, "type", vh_psprintf(req->pool, "value '%s' does not have a "
					"value in the enumeration 'vm, storage, node, sdn'", type));
	arr = json_object_new_array();
	list = json_object_object_get(pve_cluster, "nodes");
	for (i = 0; (!type || !strcmp(type, "node")) && i < json_object_array_length(list); i++)
		json_object_array_add(arr, node_item(req, json_object_array_get_idx(list, i)));
	if (!type || !strcmp(type, "vm"))
		pve_vm_resources(req, arr);
	list = json_object_object_get(pve_cluster, "storage");
	for (i = 0; (!type || !strcmp(type, "storage")) && i < json_object_array_length(list); i++)
		json_object_array_add(arr, storage_item(req, json_object_array_get_idx(list, i), true));
	return pve_answer(req, arr);
}

/* PUT /nodes/{node}/config: the simplest authenticated write. */
static enum vh_status node_config(struct vh_req *req, struct vh_err *err)
{
	(void)err;
	return pve_answer(req, NULL);
}

static enum vh_status node_status(struct vh_req *req, struct vh_err *err)
{
	json_object *n = pve_node(vh_req_param(req, "node")), *o = json_object_new_object(), *x;
	long long maxmem = json_object_get_int64(json_object_object_get(n, "maxmem"));
	long long maxdisk = json_object_get_int64(json_object_object_get(n, "maxdisk"));
	int cpus = json_object_get_int(json_object_object_get(n, "maxcpu"));

	(void)err;
	json_object_object_add(o, "cpu", json_object_new_double(0.02));
	json_object_object_add(o, "wait", json_object_new_double(0));
	vh_json_add_int(o, "uptime", 86400 + pve_now() % 86400);
	x = json_object_new_object();
	vh_json_add_int(x, "cpus", cpus);
	vh_json_add_int(x, "cores", cpus / 2 ? cpus / 2 : 1);
	vh_json_add_int(x, "sockets", 1);
	vh_json_add_str(x, "model", "AMD EPYC 7302P 16-Core Processor");
	vh_json_add_str(x, "mhz", "3000.000");
	vh_json_add_str(x, "hvm", "1");
	json_object_object_add(o, "cpuinfo", x);
	x = json_object_new_object();
	vh_json_add_int(x, "total", maxmem);
	vh_json_add_int(x, "used", 4294967296LL);
	vh_json_add_int(x, "free", maxmem - 4294967296LL);
	json_object_object_add(o, "memory", x);
	x = json_object_new_object();
	vh_json_add_int(x, "total", 8589934592LL);
	vh_json_add_int(x, "used", 0);
	vh_json_add_int(x, "free", 8589934592LL);
	json_object_object_add(o, "swap", x);
	x = json_object_new_object();
	vh_json_add_int(x, "total", maxdisk);
	vh_json_add_int(x, "used", 8589934592LL);
	vh_json_add_int(x, "free", maxdisk - 8589934592LL);
	vh_json_add_int(x, "avail", maxdisk - 8589934592LL);
	json_object_object_add(o, "rootfs", x);
	x = json_object_new_array();
	json_object_array_add(x, json_object_new_string("0.10"));
	json_object_array_add(x, json_object_new_string("0.08"));
	json_object_array_add(x, json_object_new_string("0.05"));
	json_object_object_add(o, "loadavg", x);
	vh_json_add_str(o, "kversion", "Linux 6.8.8-2-pve #1 SMP PREEMPT_DYNAMIC PMX 6.8.8-2");
	vh_json_add_str(o, "pveversion", vh_psprintf(req->pool, "pve-manager/%s/%s",
		json_object_get_string(json_object_object_get(json_object_object_get(pve_cluster, "version"), "version")),
		json_object_get_string(json_object_object_get(json_object_object_get(pve_cluster, "version"), "repoid"))));
	return pve_answer(req, o);
}

/* content "images,rootdir" holds want? */
static bool has_content(const char *content, const char *want)
{
	size_t n = strlen(want);
	const char *p = content;

	while (p && *p) {
		if (!strncmp(p, want, n) && (p[n] == ',' || !p[n]))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

static enum vh_status storage_list(struct vh_req *req, struct vh_err *err)
{
	json_object *arr = json_object_new_array(), *list = json_object_object_get(pve_cluster, "storage");
	const char *node = vh_req_param(req, "node"), *content = pve_arg(req, "content");
	const char *only = pve_arg(req, "storage");
	size_t i;

	(void)err;
	for (i = 0; i < json_object_array_length(list); i++) {
		json_object *s = json_object_array_get_idx(list, i);
		const char *c = json_object_get_string(json_object_object_get(s, "content"));

		if (strcmp(node, json_object_get_string(json_object_object_get(s, "node"))) ||
		    (only && strcmp(only, json_object_get_string(json_object_object_get(s, "storage")))) ||
		    (content && !has_content(c ? c : "images,rootdir", content)))
			continue;
		json_object_array_add(arr, storage_item(req, s, false));
	}
	return pve_answer(req, arr);
}

/* GET /nodes/{node}/hardware/pci: classes 05 (memory), 06 (bridges) and
 * 0b (processors) are hidden unless pci-class-blacklist says otherwise. */
static enum vh_status pci_list(struct vh_req *req, struct vh_err *err)
{
	json_object *arr = json_object_new_array(), *list = pve_pci_list(vh_req_param(req, "node"));
	const char *deny = pve_arg(req, "pci-class-blacklist");
	size_t i;

	(void)err;
	if (!deny)
		deny = "05;06;0b";
	for (i = 0; i < json_object_array_length(list); i++) {
		json_object *d = json_object_array_get_idx(list, i), *o;
		const char *cls = json_object_get_string(json_object_object_get(d, "class"));
		const char *p;
		bool hidden = false;

		for (p = deny; cls && strlen(cls) >= 4 && *p; p += strcspn(p, ";"), p += *p == ';')
			hidden |= strncmp(p, cls + 2, 2) == 0 && (p[2] == ';' || !p[2]);
		if (hidden)
			continue;
		o = json_object_get(d);
		json_object_array_add(arr, o);
	}
	return pve_answer(req, arr);
}

/* ---- the /_sim/ control path ----------------------------------------- */

static void nodes_reset(void)
{
	json_object *list = json_object_object_get(pve_cluster, "nodes");
	size_t i;

	json_object_put(node_state);
	node_state = json_object_new_object();
	for (i = 0; i < json_object_array_length(list); i++) {
		json_object *n = json_object_array_get_idx(list, i), *s = json_object_new_object(), *on;

		json_object_object_add(s, "online", json_object_new_boolean(
			!json_object_object_get_ex(n, "online", &on) || json_object_get_boolean(on)));
		vh_json_add_str(s, "reason", "Connection refused");
		json_object_object_add(node_state, json_object_get_string(json_object_object_get(n, "node")), s);
	}
}

static enum vh_status sim_ok(struct vh_req *req)
{
	vh_resp_json(req, 200, vh_json_own(req->pool, json_object_new_object()));
	return VH_OK;
}

static enum vh_status sim_reset(struct vh_req *req, struct vh_err *err)
{
	(void)err;
	clock_offset_ms = 0;
	legacy = false;
	pve_vm_reset();
	pve_guest_reset();
	json_object_put(counters);
	counters = json_object_new_object();
	json_object_put(faults);
	faults = json_object_new_array();
	json_object_put(latency);
	latency = json_object_new_array();
	nodes_reset();
	return sim_ok(req);
}

static enum vh_status sim_counters(struct vh_req *req, struct vh_err *err)
{
	(void)err;
	json_object_put(counters);
	counters = json_object_new_object();
	return sim_ok(req);
}

static enum vh_status sim_clock(struct vh_req *req, struct vh_err *err)
{
	json_object *body, *v;
	enum vh_status st = vh_req_json(req, &body, err);

	if (st != VH_OK)
		return st;
	if (json_object_object_get_ex(body, "advance_seconds", &v) && json_object_is_type(v, json_type_int))
		clock_offset_ms += json_object_get_int64(v) * 1000;
	else if (json_object_object_get_ex(body, "advance_ms", &v) && json_object_is_type(v, json_type_int))
		clock_offset_ms += json_object_get_int64(v);
	else
		return vh_fail(err, VH_INVALID, "bad_request", "give advance_seconds or advance_ms");
	return sim_ok(req);
}

static enum vh_status sim_state(struct vh_req *req, struct vh_err *err)
{
	json_object *o = vh_json_own(req->pool, json_object_new_object());

	(void)err;
	pve_advance();
	json_object_object_add(o, "vms", pve_vm_state());
	json_object_object_add(o, "pci", pve_pci_allocated());
	json_object_object_add(o, "counters", json_object_get(counters));
	json_object_object_add(o, "tasks", pve_tasks_state());
	json_object_object_add(o, "nodes", json_object_get(node_state));
	json_object_object_add(o, "faults", json_object_get(faults));
	json_object_object_add(o, "latency", json_object_get(latency));
	json_object_object_add(o, "agent", pve_agent_state());
	json_object_object_add(o, "legacy", json_object_new_boolean(legacy));
	vh_json_add_int(o, "clock_offset_ms", clock_offset_ms);
	vh_resp_json(req, 200, o);
	return VH_OK;
}

/* A rule {method, path} matching this request? */
static bool rule_matches(json_object *r, struct vh_req *req)
{
	const char *m = json_object_get_string(json_object_object_get(r, "method"));
	const char *p = json_object_get_string(json_object_object_get(r, "path"));

	return (!m || !strcmp(m, "*") || !strcasecmp(m, req->method)) && p &&
	       fnmatch(p, req->path, 0) == 0;
}

/* The first rule of list that matches, its count taken down (a rule
 * without count matches until reset). */
static json_object *take_rule(json_object *list, struct vh_req *req)
{
	size_t i;

	for (i = 0; i < json_object_array_length(list); i++) {
		json_object *r = json_object_array_get_idx(list, i), *c;

		if (!rule_matches(r, req))
			continue;
		if (!json_object_object_get_ex(r, "count", &c))
			return r;
		if (json_object_get_int(c) <= 0)
			continue;
		json_object_object_add(r, "count", json_object_new_int(json_object_get_int(c) - 1));
		return r;
	}
	return NULL;
}

static enum vh_status add_rule(struct vh_req *req, struct vh_err *err, json_object *list, bool fault)
{
	json_object *body, *v, *r;
	enum vh_status st = vh_req_json(req, &body, err);

	if (st != VH_OK)
		return st;
	if (fault && json_object_object_get_ex(body, "clear", &v) && json_object_get_boolean(v)) {
		while (json_object_array_length(list))
			json_object_array_del_idx(list, 0, 1);
		return sim_ok(req);
	}
	if (!json_object_object_get_ex(body, "path", &v) || !json_object_is_type(v, json_type_string))
		return vh_fail(err, VH_INVALID, "bad_request", "give path (a glob)");
	if (fault && (!json_object_object_get_ex(body, "status", &v) ||
		      !json_object_is_type(v, json_type_int) || json_object_get_int(v) < 400 ||
		      json_object_get_int(v) > 599))
		return vh_fail(err, VH_INVALID, "bad_request", "give status (400..599)");
	if (!fault && (!json_object_object_get_ex(body, "ms", &v) || !json_object_is_type(v, json_type_int) ||
		       json_object_get_int(v) < 0 || json_object_get_int(v) > 30000))
		return vh_fail(err, VH_INVALID, "bad_request", "give ms (0..30000)");
	r = json_object_get(body);
	if (fault && !json_object_object_get(r, "count"))
		json_object_object_add(r, "count", json_object_new_int(1));
	json_object_array_add(list, r);
	return sim_ok(req);
}

static enum vh_status sim_fault(struct vh_req *req, struct vh_err *err)
{
	return add_rule(req, err, faults, true);
}

static enum vh_status sim_latency(struct vh_req *req, struct vh_err *err)
{
	return add_rule(req, err, latency, false);
}

static enum vh_status sim_node(struct vh_req *req, struct vh_err *err)
{
	json_object *body, *n, *on, *reason, *s;
	enum vh_status st = vh_req_json(req, &body, err);

	if (st != VH_OK)
		return st;
	if (!json_object_object_get_ex(body, "node", &n) || !pve_node_known(json_object_get_string(n)) ||
	    !json_object_object_get_ex(body, "online", &on) || !json_object_is_type(on, json_type_boolean))
		return vh_fail(err, VH_INVALID, "bad_request", "give a known node and online true/false");
	s = json_object_object_get(node_state, json_object_get_string(n));
	json_object_object_add(s, "online", json_object_new_boolean(json_object_get_boolean(on)));
	if (json_object_object_get_ex(body, "reason", &reason) && json_object_is_type(reason, json_type_string))
		json_object_object_add(s, "reason", json_object_get(reason));
	return sim_ok(req);
}

static enum vh_status sim_legacy(struct vh_req *req, struct vh_err *err)
{
	json_object *body, *v;
	enum vh_status st = vh_req_json(req, &body, err);

	if (st != VH_OK)
		return st;
	if (!json_object_object_get_ex(body, "enabled", &v) || !json_object_is_type(v, json_type_boolean))
		return vh_fail(err, VH_INVALID, "bad_request", "give enabled true/false");
	legacy = json_object_get_boolean(v);
	return sim_ok(req);
}

/* ---- the front door ----------------------------------------------------- */

#define NONE {NULL, 0, false, 0, 0}
static const struct pve_param ticket_params[] = {
	{"username", P_STR, true, 0, 0}, {"password", P_STR, true, 0, 0}, {"realm", P_STR, false, 0, 0},
	{"otp", P_STR, false, 0, 0}, {"path", P_STR, false, 0, 0}, {"privs", P_STR, false, 0, 0},
	{"new-format", P_BOOL, false, 0, 0}, {"tfa-challenge", P_STR, false, 0, 0}, NONE,
};
static const struct pve_param resources_params[] = {{"type", P_STR, false, 0, 0}, NONE};
static const struct pve_param node_config_params[] = {
	{"description", P_STR, false, 0, 0}, {"delete", P_STR, false, 0, 0},
	{"digest", P_STR, false, 0, 0}, {"wakeonlan", P_STR, false, 0, 0}, NONE,
};
static const struct pve_param storage_params[] = {
	{"content", P_STR, false, 0, 0}, {"enabled", P_BOOL, false, 0, 0},
	{"format", P_BOOL, false, 0, 0}, {"storage", P_STR, false, 0, 0},
	{"target", P_STR, false, 0, 0}, NONE,
};
static const struct pve_param pci_params[] = {
	{"pci-class-blacklist", P_STR, false, 0, 0}, {"verbose", P_BOOL, false, 0, 0}, NONE,
};

static const struct pve_spec ticket_spec = {ticket_params, NULL, true};
static const struct pve_spec resources_spec = {resources_params, NULL, false};
static const struct pve_spec node_config_spec = {node_config_params, NULL, false};
static const struct pve_spec storage_spec = {storage_params, NULL, false};
static const struct pve_spec pci_spec = {pci_params, NULL, false};

static const struct vh_route core_routes[] = {
	{"POST", BASE "/access/ticket", ticket, VH_AUTH_NONE, &ticket_spec},
	{"GET", BASE "/version", version, VH_AUTH_NONE, NULL},
	{"GET", BASE "/nodes", nodes, VH_AUTH_NONE, NULL},
	{"GET", BASE "/cluster/resources", resources, VH_AUTH_NONE, &resources_spec},
	{"PUT", BASE "/nodes/{node}/config", node_config, VH_AUTH_NONE, &node_config_spec},
	{"GET", BASE "/nodes/{node}/status", node_status, VH_AUTH_NONE, NULL},
	{"GET", BASE "/nodes/{node}/storage", storage_list, VH_AUTH_NONE, &storage_spec},
	{"GET", BASE "/nodes/{node}/hardware/pci", pci_list, VH_AUTH_NONE, &pci_spec},
	{NULL},
};

static struct vh_route pve_routes[160];

static enum vh_status front(struct vh_req *req, struct vh_err *err)
{
	const struct vh_route *route;
	const struct pve_spec *spec;
	struct pve_call *call;
	struct vh_err rerr;
	json_object *rule;
	const char *node, *body = NULL;
	size_t len = 0;

	pve_advance();
	count(req);
	rule = take_rule(latency, req);
	if (rule)
		usleep((useconds_t)json_object_get_int(json_object_object_get(rule, "ms")) * 1000);
	rule = take_rule(faults, req);
	if (rule) {
		json_object *e = json_object_object_get(rule, "errors");
		const char *msg = json_object_get_string(json_object_object_get(rule, "message"));

		return fail_with(req, json_object_get_int(json_object_object_get(rule, "status")),
				 msg ? msg : "", e ? json_object_get(e) : NULL);
	}
	if (strcmp(req->method, "GET") && vh_req_body(req, &body, &len, err) != VH_OK)
		return pve_fail(req, 413, "request entity too large");
	if (!strcmp(req->method, "DELETE") && len > 0)
		return pve_fail(req, 501, "Unexpected content for method 'DELETE'");
	vh_err_clear(&rerr);
	if (!strcmp(req->method, "HEAD") || vh_route(pve_routes, req, &route, &rerr) != VH_OK)
		return pve_fail(req, 501, vh_psprintf(req->pool, "Method '%s %s' not implemented",
						      req->method, req->path + strlen(BASE)));
	spec = route->arg;
	call = vh_palloc(req->pool, sizeof(*call));
	call->args = vh_json_own(req->pool, json_object_new_object());
	req->ctx = call;
	if (!(spec && spec->no_auth) && authenticate(req, call) != VH_OK)
		return VH_OK;
	if (vh_req_param(req, "vmid")) {
		static const struct pve_param vmid_param = {"vmid", P_VMID, true, 0, 0};
		const char *bad = check_value(req->pool, &vmid_param, vh_req_param(req, "vmid"));

		if (bad)
			return pve_param_fail(req, "vmid", bad);
	}
	node = vh_req_param(req, "node");
	if (node && !pve_node_known(node))
		return pve_fail(req, 500, vh_psprintf(req->pool, "hostname lookup '%s' failed - failed to get "
				"address info for: %s: Name or service not known", node, node));
	if (node && !pve_node_online(node))
		return pve_fail(req, 595, json_object_get_string(json_object_object_get(
						  json_object_object_get(node_state, node), "reason")));
	/* GET and DELETE take the query string only; POST and PUT a form or
	 * JSON body, with query values overriding body values. */
	if (body && len) {
		const char *ct = vh_req_env(req, "CONTENT_TYPE");

		if (ct && !strncmp(ct, "application/json", 16)) {
			if (!parse_json_body(body, call->args))
				return pve_fail(req, 400, "malformed JSON body");
		} else {
			parse_form(req->pool, body, call->args);
		}
	}
	parse_form(req->pool, req->query, call->args);
	if (validate(req, spec, call->args) != VH_OK)
		return VH_OK;
	return route->handler(req, err);
}

/* Requests reach front() through routes that match any path of up to
 * eight segments below /api2/json, for each method. */
static const char *const catch_all[] = {
	BASE "/{a}", BASE "/{a}/{b}", BASE "/{a}/{b}/{c}", BASE "/{a}/{b}/{c}/{d}",
	BASE "/{a}/{b}/{c}/{d}/{e}", BASE "/{a}/{b}/{c}/{d}/{e}/{f}",
	BASE "/{a}/{b}/{c}/{d}/{e}/{f}/{g}", BASE "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", NULL,
};
static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", NULL};

static const struct vh_route sim_routes[] = {
	{"POST", "/_sim/reset", sim_reset, VH_AUTH_NONE, NULL},
	{"POST", "/_sim/clock", sim_clock, VH_AUTH_NONE, NULL},
	{"GET", "/_sim/state", sim_state, VH_AUTH_NONE, NULL},
	{"POST", "/_sim/counters", sim_counters, VH_AUTH_NONE, NULL},
	{"POST", "/_sim/fault", sim_fault, VH_AUTH_NONE, NULL},
	{"POST", "/_sim/latency", sim_latency, VH_AUTH_NONE, NULL},
	{"POST", "/_sim/node", sim_node, VH_AUTH_NONE, NULL},
	{"POST", "/_sim/agent", pve_sim_agent, VH_AUTH_NONE, NULL},
	{"POST", "/_sim/legacy", sim_legacy, VH_AUTH_NONE, NULL},
	{"POST", "/_sim/durations", pve_sim_durations, VH_AUTH_NONE, NULL},
	{"POST", "/_sim/task-fail", pve_sim_task_fail, VH_AUTH_NONE, NULL},
	{NULL},
};

static size_t add_routes(struct vh_route *dst, size_t n, const struct vh_route *src)
{
	for (; src->pattern; src++)
		dst[n++] = *src;
	return n;
}

int main(int argc, char **argv)
{
	struct vh_route outer[64];
	struct vh_serve_opts opts = {outer, 512 * 1024, NULL};
	size_t n = 0, i, j;
	int rc;

	n = add_routes(pve_routes, n, core_routes);
	n = add_routes(pve_routes, n, pve_vm_routes);
	n = add_routes(pve_routes, n, pve_guest_routes);
	memset(&pve_routes[n], 0, sizeof(pve_routes[n]));
	n = add_routes(outer, 0, sim_routes);
	for (i = 0; methods[i]; i++)
		for (j = 0; catch_all[j]; j++)
			outer[n++] = (struct vh_route){methods[i], catch_all[j], front, VH_AUTH_NONE, NULL};
	memset(&outer[n], 0, sizeof(outer[n]));

	if (argc != 2 || argv[1][0] == '-') {
		printf("Usage: pve-sim CLUSTER.json  (FastCGI; see tests/sim/pve-sim.c)\n"
		       "Environment: PVE_SIM_PASSWORD, PVE_SIM_TOKEN, PVE_SIM_FINGERPRINT\n");
		return argc == 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	pve_cluster = json_object_from_file(argv[1]);
	if (!pve_cluster) {
		fprintf(stderr, "pve-sim: cannot read %s\n", argv[1]);
		return 1;
	}
	root_password = getenv("PVE_SIM_PASSWORD");
	token_full = getenv("PVE_SIM_TOKEN");
	fingerprint = getenv("PVE_SIM_FINGERPRINT");
	vh_random_bytes(sign_key, sizeof(sign_key));
	counters = json_object_new_object();
	faults = json_object_new_array();
	latency = json_object_new_array();
	nodes_reset();
	pve_vm_reset();
	pve_guest_reset();
	vh_log_init("pve-sim", VH_LOG_INFO, 2);
	rc = vh_serve(&opts);
	pve_vm_free_all();
	pve_guest_free();
	json_object_put(counters);
	json_object_put(faults);
	json_object_put(latency);
	json_object_put(node_state);
	json_object_put(pve_cluster);
	return rc;
}
