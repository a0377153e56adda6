/* pve-sim: a Proxmox VE 8 API simulator for tests and the local demo.
 *
 * This first part reproduces authentication exactly as research/pve-api.md
 * describes it — ticket login (form body), PVEAuthCookie, the CSRF header
 * on writes with a ticket, API tokens (no CSRF), the 2 h ticket lifetime
 * (+5 min skew), renewal with password=<ticket>, 401 texts as reason
 * phrases with {"data":null} bodies — and the read-only pve_cluster calls
 * (version, nodes with ssl_fingerprint, pve_cluster/resources with ?type=).
 * XXX: VMs, tasks, locks, snapshots, agent, PCI and migration come with the
 * rest of issue 3.
 *
 * One FastCGI process: state lives in memory.  Secrets come from the
 * environment (PVE_SIM_PASSWORD for root@pam, PVE_SIM_TOKEN as
 * USER@REALM!ID=SECRET, PVE_SIM_FINGERPRINT for /nodes); the pve_cluster from
 * the JSON file given as the first argument.  Control path /_sim/ (no
 * auth): POST /_sim/reset, POST /_sim/clock {"advance_seconds": N},
 * GET /_sim/state (request counters). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

json_object *pve_cluster;           /* the config file */
static unsigned char sign_key[32];  /* signs tickets and CSRF tokens */
static long clock_offset;
static json_object *counters;
static const char *root_password, *token_full, *fingerprint;

long pve_now(void)
{
	return (long)time(NULL) + clock_offset;
}

long long pve_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)(ts.tv_sec + clock_offset) * 1000 + ts.tv_nsec / 1000000;
}

/* ---- answers as PVE gives them ---------------------------------------- */

enum vh_status pve_answer(struct vh_req *req, json_object *data)
{
	json_object *o = vh_json_own(req->pool, json_object_new_object());
	const char *s;

	json_object_object_add(o, "data", data);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	vh_resp_raw(req, 200, NULL, "application/json;charset=UTF-8", s, strlen(s));
	vh_resp_header(req, "Server", "pve-api-daemon/3.0");
	return VH_OK;
}

/* The reason phrase is the first line of the error; since pve-http-server
 * 5.2 the body repeats it as "message".  A 401 has an empty body. */
enum vh_status pve_fail(struct vh_req *req, int status, const char *msg)
{
	json_object *o = vh_json_own(req->pool, json_object_new_object());
	const char *s;

	if (status == 401) {
		vh_resp_raw(req, 401, msg, "application/json;charset=UTF-8", "", 0);
		vh_resp_header(req, "Server", "pve-api-daemon/3.0");
		return VH_OK;
	}
	json_object_object_add(o, "data", NULL);
	vh_json_add_str(o, "message", vh_psprintf(req->pool, "%s\n", msg));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	vh_resp_raw(req, status, msg, "application/json;charset=UTF-8", s, strlen(s));
	vh_resp_header(req, "Server", "pve-api-daemon/3.0");
	return VH_OK;
}

void pve_count(struct vh_req *req)
{
	const char *key = vh_psprintf(req->pool, "%s %s", req->method, req->path);
	json_object *v;
	long n = json_object_object_get_ex(counters, key, &v) ? json_object_get_int64(v) : 0;

	json_object_object_add(counters, key, json_object_new_int64(n + 1));
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
	const char *sep = strstr(ticket, "::"), *user, *colon;
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
	user = vh_pstrndup(pool, plain + 4, (size_t)(colon - plain - 4));
	*issued = t;
	return user;
}

/* ---- form bodies ------------------------------------------------------ */

static int hexv(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : (c | 32) >= 'a' && (c | 32) <= 'f' ? (c | 32) - 'a' + 10 : -1;
}

/* A decoded form field, or NULL. */
const char *pve_form_get(struct vh_pool *pool, const char *body, const char *name)
{
	size_t n = strlen(name);
	const char *p = body;

	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t seg = amp ? (size_t)(amp - p) : strlen(p);

		if (seg > n && strncmp(p, name, n) == 0 && p[n] == '=') {
			char *v = vh_palloc(pool, seg), *o = v;
			const char *s = p + n + 1, *e = p + seg;

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
		p = amp ? amp + 1 : NULL;
	}
	return NULL;
}

/* ---- routes ----------------------------------------------------------- */

static enum vh_status ticket(struct vh_req *req, struct vh_err *err)
{
	const char *body, *user, *pass, *realm;
	size_t len;
	long issued;
	json_object *d;

	pve_count(req);
	if (vh_req_body(req, &body, &len, err) != VH_OK)
		return pve_fail(req, 400, "Parameter verification failed.");
	user = pve_form_get(req->pool, body, "username");
	pass = pve_form_get(req->pool, body, "password");
	realm = pve_form_get(req->pool, body, "realm");
	if (!user || !pass) {
		json_object *o = vh_json_own(req->pool, json_object_new_object()), *e;
		const char *s;

		e = json_object_new_object();
		if (!user)
			vh_json_add_str(e, "username", "property is missing and it is not optional");
		if (!pass)
			vh_json_add_str(e, "password", "property is missing and it is not optional");
		json_object_object_add(o, "data", NULL);
		json_object_object_add(o, "errors", e);
		s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		vh_resp_raw(req, 400, "Parameter verification failed.", "application/json;charset=UTF-8", s,
			    strlen(s));
		return VH_OK;
	}
	if (realm && !strchr(user, '@'))
		user = vh_psprintf(req->pool, "%s@%s", user, realm);
	/* The password, or a valid ticket of the same user (renewal). */
	if (!((strcmp(user, "root@pam") == 0 && root_password && *root_password &&
	       CRYPTO_memcmp(pass, root_password, strlen(root_password) + 1) == 0 &&
	       strlen(pass) == strlen(root_password)) ||
	      (check_ticket(req->pool, pass, &issued) && !strcmp(check_ticket(req->pool, pass, &issued), user))))
		return pve_fail(req, 401, "authentication failure");
	d = json_object_new_object();
	vh_json_add_str(d, "username", user);
	vh_json_add_str(d, "ticket", make_ticket(req->pool, user, pve_now()));
	vh_json_add_str(d, "CSRFPreventionToken", make_csrf(req->pool, user, pve_now()));
	json_object_object_add(d, "cap", json_object_new_object());
	vh_json_add_str(d, "clustername", json_object_get_string(json_object_object_get(pve_cluster, "cluster")));
	return pve_answer(req, d);
}

/* PVE's authentication rules for every other call. */
enum vh_status pve_authenticate(struct vh_req *req, const char **who)
{
	const char *cookie = vh_req_header(req, "Cookie");
	const char *authz = vh_req_header(req, "Authorization");
	const char *t = NULL, *user, *csrf;
	long issued;

	if (authz && strncmp(authz, "PVEAPIToken=", 12) == 0) {
		if (token_full && *token_full && strlen(authz + 12) == strlen(token_full) &&
		    CRYPTO_memcmp(authz + 12, token_full, strlen(token_full)) == 0) {
			if (who)
				*who = vh_pstrndup(req->pool, token_full, strcspn(token_full, "="));
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
	if (who)
		*who = user;
	if (strcmp(req->method, "GET") != 0) {
		csrf = vh_req_header(req, "CSRFPreventionToken");
		if (!csrf || strcmp(csrf, make_csrf(req->pool, user, issued)) != 0) {
			pve_fail(req, 401, "Permission denied - invalid csrf token");
			return VH_UNAUTHORIZED;
		}
	}
	return VH_OK;
}

static enum vh_status version(struct vh_req *req, struct vh_err *err)
{
	(void)err;
	pve_count(req);
	if (pve_authenticate(req, NULL) != VH_OK)
		return VH_OK;
	return pve_answer(req, json_object_get(json_object_object_get(pve_cluster, "version")));
}

static json_object *node_item(json_object *n)
{
	json_object *o = json_object_new_object();
	const char *name = json_object_get_string(json_object_object_get(n, "node"));
	int online = json_object_get_boolean(json_object_object_get(n, "online"));

	{
		char id[128];

		snprintf(id, sizeof(id), "node/%s", name);
		vh_json_add_str(o, "id", id);
	}
	vh_json_add_str(o, "type", "node");
	vh_json_add_str(o, "node", name);
	vh_json_add_str(o, "status", online ? "online" : "offline");
	json_object_object_add(o, "maxcpu", json_object_get(json_object_object_get(n, "maxcpu")));
	json_object_object_add(o, "maxmem", json_object_get(json_object_object_get(n, "maxmem")));
	json_object_object_add(o, "maxdisk", json_object_get(json_object_object_get(n, "maxdisk")));
	json_object_object_add(o, "cpu", json_object_new_double(online ? 0.02 : 0));
	vh_json_add_int(o, "mem", online ? 4294967296LL : 0);
	vh_json_add_int(o, "disk", 0);
	vh_json_add_int(o, "uptime", online ? 86400 : 0);
	return o;
}

static enum vh_status nodes(struct vh_req *req, struct vh_err *err)
{
	json_object *arr, *list = json_object_object_get(pve_cluster, "nodes");
	size_t i;

	(void)err;
	pve_count(req);
	if (pve_authenticate(req, NULL) != VH_OK)
		return VH_OK;
	arr = json_object_new_array();
	for (i = 0; i < json_object_array_length(list); i++) {
		json_object *o = node_item(json_object_array_get_idx(list, i));

		vh_json_add_str(o, "ssl_fingerprint", fingerprint ? fingerprint : "");
		json_object_array_add(arr, o);
	}
	return pve_answer(req, arr);
}

static enum vh_status resources(struct vh_req *req, struct vh_err *err)
{
	json_object *arr, *list;
	const char *type = NULL;
	size_t i;

	pve_count(req);
	if (pve_authenticate(req, NULL) != VH_OK)
		return VH_OK;
	if (vh_req_query(req, "type", &type, err) != VH_OK)
		return pve_fail(req, 400, "Parameter verification failed.");
	if (type && strcmp(type, "vm") && strcmp(type, "node") && strcmp(type, "storage") &&
	    strcmp(type, "sdn"))
		return pve_fail(req, 400, "Parameter verification failed.");
	arr = json_object_new_array();
	list = json_object_object_get(pve_cluster, "nodes");
	for (i = 0; (!type || !strcmp(type, "node")) && i < json_object_array_length(list); i++)
		json_object_array_add(arr, node_item(json_object_array_get_idx(list, i)));
	if (!type || !strcmp(type, "vm"))
		pve_vm_resources(req, arr);
	list = json_object_object_get(pve_cluster, "storage");
	for (i = 0; (!type || !strcmp(type, "storage")) && i < json_object_array_length(list); i++) {
		json_object *s = json_object_array_get_idx(list, i), *o = json_object_new_object();
		const char *node = json_object_get_string(json_object_object_get(s, "node"));
		const char *st = json_object_get_string(json_object_object_get(s, "storage"));

		vh_json_add_str(o, "id", vh_psprintf(req->pool, "storage/%s/%s", node, st));
		vh_json_add_str(o, "type", "storage");
		vh_json_add_str(o, "node", node);
		vh_json_add_str(o, "storage", st);
		vh_json_add_str(o, "status", "available");
		json_object_object_add(o, "maxdisk", json_object_get(json_object_object_get(s, "maxdisk")));
		json_object_array_add(arr, o);
	}
	return pve_answer(req, arr);
}

bool pve_node_known(const char *node)
{
	json_object *list = json_object_object_get(pve_cluster, "nodes");
	size_t i;

	for (i = 0; i < json_object_array_length(list); i++)
		if (!strcmp(node, json_object_get_string(json_object_object_get(
					  json_object_array_get_idx(list, i), "node"))))
			return true;
	return false;
}

/* PUT /nodes/{node}/config: the simplest authenticated write, used to
 * show the CSRF rule and the refusal of parameters outside the schema. */
static enum vh_status node_config(struct vh_req *req, struct vh_err *err)
{
	const char *body, *p, *node = vh_req_param(req, "node");
	json_object *errs;
	size_t len;

	pve_count(req);
	if (pve_authenticate(req, NULL) != VH_OK)
		return VH_OK;
	if (!pve_node_known(node))
		return pve_fail(req, 500, vh_psprintf(req->pool, "hostname lookup '%s' failed - failed to get address info for: %s: Name or service not known", node, node));
	if (vh_req_body(req, &body, &len, err) != VH_OK)
		return pve_fail(req, 400, "Parameter verification failed.");
	errs = vh_json_own(req->pool, json_object_new_object());
	for (p = body; p && *p;) {
		size_t klen = strcspn(p, "=&");
		char *key = vh_pstrndup(req->pool, p, klen);

		if (strcmp(key, "description") && strcmp(key, "delete") && strcmp(key, "digest"))
			vh_json_add_str(errs, key, "property is not defined in schema and the schema does not allow additional properties");
		p = strchr(p, '&');
		if (p)
			p++;
	}
	if (json_object_object_length(errs)) {
		json_object *o = vh_json_own(req->pool, json_object_new_object());
		const char *s;

		json_object_object_add(o, "data", NULL);
		json_object_object_add(o, "errors", json_object_get(errs));
		s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		vh_resp_raw(req, 400, "Parameter verification failed.", "application/json;charset=UTF-8", s,
			    strlen(s));
		return VH_OK;
	}
	return pve_answer(req, NULL);
}

static enum vh_status sim_reset(struct vh_req *req, struct vh_err *err)
{
	(void)err;
	clock_offset = 0;
	pve_vm_reset();
	json_object_put(counters);
	counters = json_object_new_object();
	vh_resp_json(req, 200, vh_json_own(req->pool, json_object_new_object()));
	return VH_OK;
}

static enum vh_status sim_clock(struct vh_req *req, struct vh_err *err)
{
	json_object *body, *v;
	enum vh_status st = vh_req_json(req, &body, err);

	if (st != VH_OK)
		return st;
	if (!json_object_object_get_ex(body, "advance_seconds", &v) || !json_object_is_type(v, json_type_int))
		return vh_fail(err, VH_INVALID, "bad_request", "give advance_seconds");
	clock_offset += (long)json_object_get_int64(v);
	vh_resp_json(req, 200, vh_json_own(req->pool, json_object_new_object()));
	return VH_OK;
}

static enum vh_status sim_state(struct vh_req *req, struct vh_err *err)
{
	json_object *o = vh_json_own(req->pool, json_object_new_object());

	(void)err;
	json_object_object_add(o, "counters", json_object_get(counters));
	json_object_object_add(o, "vms", pve_vm_state());
	vh_json_add_int(o, "clock_offset", clock_offset);
	vh_resp_json(req, 200, o);
	return VH_OK;
}

static const struct vh_route core_routes[] = {
	{"POST", "/api2/json/access/ticket", ticket, VH_AUTH_NONE},
	{"GET", "/api2/json/version", version, VH_AUTH_NONE},
	{"GET", "/api2/json/nodes", nodes, VH_AUTH_NONE},
	{"GET", "/api2/json/cluster/resources", resources, VH_AUTH_NONE},
	{"PUT", "/api2/json/nodes/{node}/config", node_config, VH_AUTH_NONE},
	{"POST", "/_sim/reset", sim_reset, VH_AUTH_NONE},
	{"POST", "/_sim/clock", sim_clock, VH_AUTH_NONE},
	{"GET", "/_sim/state", sim_state, VH_AUTH_NONE},
	{"POST", "/_sim/durations", pve_sim_durations, VH_AUTH_NONE},
	{"POST", "/_sim/task-fail", pve_sim_task_fail, VH_AUTH_NONE},
	{NULL},
};

int main(int argc, char **argv)
{
	struct vh_route routes[128];
	struct vh_serve_opts opts = {routes, 512 * 1024, NULL};
	size_t n = 0, i;
	int rc;

	for (i = 0; core_routes[i].pattern; i++)
		routes[n++] = core_routes[i];
	for (i = 0; pve_vm_routes[i].pattern; i++)
		routes[n++] = pve_vm_routes[i];
	memset(&routes[n], 0, sizeof(routes[n]));

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
	pve_vm_reset();
	vh_log_init("pve-sim", VH_LOG_INFO, 2);
	rc = vh_serve(&opts);
	json_object_put(counters);
	json_object_put(pve_cluster);
	return rc;
}
