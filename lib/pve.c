#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "buf.h"
#include "json.h"
#include "log.h"
#include "pool.h"
#include "pve.h"

/* Renew a ticket this long before PVE's 2 h lifetime runs out. */
#define TICKET_RENEW_AFTER (110 * 60)

struct vh_pve {
	struct vh_pve_config cfg;
	char *api_url, *username, *password, *token, *ca_file, *ca_pem;
	unsigned char pin[32];
	bool pinned;
	CURL *curl;
	char *ticket, *csrf;
	time_t ticket_at;
};

static char *dup_or_null(const char *s)
{
	return s && *s ? vh_xstrdup(s) : NULL;
}

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : (tolower(c) >= 'a' && tolower(c) <= 'f') ? tolower(c) - 'a' + 10 : -1;
}

struct vh_pve *vh_pve_new(const struct vh_pve_config *cfg)
{
	struct vh_pve *p = vh_xcalloc(1, sizeof(*p));
	const char *f;
	int n = 0;

	p->cfg = *cfg;
	p->api_url = vh_xstrdup(cfg->api_url);
	p->username = dup_or_null(cfg->username);
	p->password = dup_or_null(cfg->password);
	p->token = dup_or_null(cfg->token);
	p->ca_file = dup_or_null(cfg->ca_file);
	p->ca_pem = dup_or_null(cfg->ca_pem);
	if (!p->cfg.connect_timeout_ms)
		p->cfg.connect_timeout_ms = 5000;
	if (!p->cfg.timeout_ms)
		p->cfg.timeout_ms = 30000;
	/* "AA:BB:..." → 32 bytes; anything else leaves pinning off and the
	 * system store (or CA) in charge. */
	for (f = cfg->fingerprint; f && *f && n < 32;) {
		int hi = hexval((unsigned char)f[0]), lo = f[1] ? hexval((unsigned char)f[1]) : -1;

		if (hi < 0 || lo < 0)
			break;
		p->pin[n++] = (unsigned char)(hi * 16 + lo);
		f += 2;
		if (*f == ':')
			f++;
	}
	p->pinned = n == 32 && f && !*f;
	p->curl = curl_easy_init();
	if (!p->curl)
		vh_oom();
	return p;
}

static void wipe(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

void vh_pve_free(struct vh_pve *p)
{
	if (!p)
		return;
	curl_easy_cleanup(p->curl);
	free(p->api_url);
	free(p->username);
	wipe(p->password);
	wipe(p->token);
	wipe(p->ticket);
	wipe(p->csrf);
	free(p->ca_file);
	free(p->ca_pem);
	free(p);
}

const char *vh_pve_kind_name(enum vh_pve_kind kind)
{
	static const char *const names[] = {"ok", "auth_failed", "tls_failed", "unreachable",
					    "timeout", "not_found", "bad_parameter", "permission",
					    "transient", "protocol", "locked", "exists", "not_running",
					    "running", "task_failed"};

	return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "unknown";
}

void vh_pve_form_add(struct vh_pool *pool, const char **form, const char *key, const char *value)
{
	struct vh_buf b = VH_BUF_INIT;
	const unsigned char *v;

	if (*form && **form)
		vh_buf_printf(&b, "%s&", *form);
	vh_buf_printf(&b, "%s=", key);
	for (v = (const unsigned char *)value; *v; v++) {
		if (isalnum(*v) || strchr("-_.~", *v))
			vh_buf_addc(&b, (char)*v);
		else
			vh_buf_printf(&b, "%%%02X", *v);
	}
	*form = vh_pstrdup(pool, vh_buf_str(&b));
	vh_buf_free(&b);
}

/* ---- TLS pinning ------------------------------------------------------- */

/* With a pin, the leaf certificate's SHA-256 must equal it; the chain is
 * not consulted (PVE's CA is self-signed), and nothing else is accepted. */
static int verify_pin(int preverify, X509_STORE_CTX *x)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct vh_pve *p = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	X509 *cert;

	(void)preverify;
	if (X509_STORE_CTX_get_error_depth(x) != 0) {
		X509_STORE_CTX_set_error(x, X509_V_OK);
		return 1;
	}
	cert = X509_STORE_CTX_get_current_cert(x);
	if (!p || !cert || !X509_digest(cert, EVP_sha256(), md, &n) || n != 32 ||
	    CRYPTO_memcmp(md, p->pin, 32) != 0) {
		X509_STORE_CTX_set_error(x, X509_V_ERR_CERT_REJECTED);
		return 0;
	}
	X509_STORE_CTX_set_error(x, X509_V_OK);
	return 1;
}

/* libcurl builds a fresh SSL_CTX per connection and lets us adjust it:
 * install the pin check and point the context at this client. */
static CURLcode ssl_ctx_pin(CURL *curl, void *sslctx, void *user)
{
	(void)curl;
	SSL_CTX_set_app_data((SSL_CTX *)sslctx, user);
	SSL_CTX_set_verify((SSL_CTX *)sslctx, SSL_VERIFY_PEER, verify_pin);
	return CURLE_OK;
}

/* ---- the call ----------------------------------------------------------- */

static size_t sink(char *ptr, size_t size, size_t n, void *user)
{
	struct vh_buf *b = user;

	if (b->len + size * n > 16 * 1024 * 1024)
		return 0;
	vh_buf_add(b, ptr, size * n);
	return size * n;
}

struct reply {
	struct vh_buf body;
	char reason[256];
};

static size_t header_cb(char *ptr, size_t size, size_t n, void *user)
{
	struct reply *r = user;
	size_t len = size * n;

	/* "HTTP/1.1 500 VM 100 not running\r\n": keep the reason phrase. */
	if (len > 13 && strncmp(ptr, "HTTP/", 5) == 0) {
		const char *sp = memchr(ptr, ' ', len);

		if (sp && (size_t)(sp - ptr) + 5 < len) {
			const char *reason = sp + 5;
			size_t rl = len - (size_t)(reason - ptr);

			while (rl && (reason[rl - 1] == '\r' || reason[rl - 1] == '\n'))
				rl--;
			if (rl >= sizeof(r->reason))
				rl = sizeof(r->reason) - 1;
			memcpy(r->reason, reason, rl);
			r->reason[rl] = '\0';
		}
	}
	return len;
}

static void set_error(struct vh_pve_error *pe, enum vh_pve_kind kind, long status, const char *msg)
{
	pe->kind = kind;
	pe->http_status = status;
	snprintf(pe->message, sizeof(pe->message), "%s", msg ? msg : "");
}

static enum vh_status to_status(const struct vh_pve_error *pe, struct vh_err *err)
{
	switch (pe->kind) {
	case VH_PVE_OK:
		return VH_OK;
	case VH_PVE_NOTFOUND:
		return vh_fail(err, VH_NOTFOUND, "pve_not_found", "Proxmox: %s", pe->message);
	case VH_PVE_BADPARAM:
		return vh_fail(err, VH_INVALID, "pve_bad_parameter", "Proxmox: %s", pe->message);
	case VH_PVE_EXISTS:
	case VH_PVE_RUNNING:
	case VH_PVE_NOT_RUNNING:
		return vh_fail(err, VH_CONFLICT, vh_pve_kind_name(pe->kind), "Proxmox: %s", pe->message);
	case VH_PVE_LOCKED:
	case VH_PVE_UNREACHABLE:
	case VH_PVE_TIMEOUT:
	case VH_PVE_TRANSIENT:
		return vh_fail(err, VH_TRANSIENT, vh_pve_kind_name(pe->kind) , "Proxmox: %s", pe->message);
	default:
		return vh_fail(err, VH_UNAVAILABLE, vh_pve_kind_name(pe->kind), "Proxmox: %s", pe->message);
	}
}

/* PVE says most things with a 500 and a sentence; the sentence decides. */
static enum vh_pve_kind classify(long status, const char *reason)
{
	if (reason && status == 500) {
		if (strstr(reason, "VM is locked") || strstr(reason, "got timeout"))
			return VH_PVE_LOCKED;
		if (strstr(reason, "already exists"))
			return VH_PVE_EXISTS;
		if (strstr(reason, "not running"))
			return VH_PVE_NOT_RUNNING;
		if (strstr(reason, "already running") || strstr(reason, "is running"))
			return VH_PVE_RUNNING;
		if (strstr(reason, "does not exist") || strstr(reason, "unable to find configuration"))
			return VH_PVE_NOTFOUND;
	}
	if (status == 401)
		return VH_PVE_AUTH;
	if (status == 403)
		return VH_PVE_PERMISSION;
	if (status == 400)
		return VH_PVE_BADPARAM;
	if (status == 404 || status == 501 || (reason && strstr(reason, "does not exist")))
		return VH_PVE_NOTFOUND;
	if (status == 595 || status == 596)
		return VH_PVE_UNREACHABLE;
	return VH_PVE_TRANSIENT;
}

static enum vh_pve_kind perform(struct vh_pve *p, struct vh_pool *pool, const char *method,
				const char *path, const char *form, bool with_auth,
				json_object **data, struct vh_pve_error *pe)
{
	struct reply r;
	struct curl_slist *h = NULL;
	const char *url;
	long status = 0;
	CURLcode rc;
	json_object *o;
	bool query = !strcmp(method, "GET") || !strcmp(method, "DELETE");

	memset(&r, 0, sizeof(r));
	url = vh_psprintf(pool, "%s/api2/json%s%s%s", p->api_url, path, query && form && *form ? "?" : "",
			  query && form ? form : "");
	curl_easy_reset(p->curl);
	curl_easy_setopt(p->curl, CURLOPT_URL, url);
	curl_easy_setopt(p->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(p->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(p->curl, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(p->curl, CURLOPT_CONNECTTIMEOUT_MS, p->cfg.connect_timeout_ms);
	curl_easy_setopt(p->curl, CURLOPT_TIMEOUT_MS, p->cfg.timeout_ms);
	curl_easy_setopt(p->curl, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(p->curl, CURLOPT_WRITEDATA, &r.body);
	curl_easy_setopt(p->curl, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(p->curl, CURLOPT_HEADERDATA, &r);
	curl_easy_setopt(p->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	if (p->pinned) {
		/* The pin replaces the chain and the host name. */
		curl_easy_setopt(p->curl, CURLOPT_SSL_VERIFYHOST, 0L);
		curl_easy_setopt(p->curl, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_pin);
		curl_easy_setopt(p->curl, CURLOPT_SSL_CTX_DATA, p);
		curl_easy_setopt(p->curl, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	} else {
		curl_easy_setopt(p->curl, CURLOPT_SSL_VERIFYHOST, 2L);
		if (p->ca_file)
			curl_easy_setopt(p->curl, CURLOPT_CAINFO, p->ca_file);
		if (p->ca_pem) {
			struct curl_blob blob = {p->ca_pem, strlen(p->ca_pem), CURL_BLOB_COPY};

			curl_easy_setopt(p->curl, CURLOPT_CAINFO_BLOB, &blob);
		}
	}
	if (!query) {
		curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, form ? form : "");
		h = curl_slist_append(h, "Content-Type: application/x-www-form-urlencoded");
	}
	h = curl_slist_append(h, "Accept: application/json");
	h = curl_slist_append(h, "Expect:");
	if (with_auth && p->token) {
		h = curl_slist_append(h, vh_psprintf(pool, "Authorization: PVEAPIToken=%s", p->token));
	} else if (with_auth && p->ticket) {
		h = curl_slist_append(h, vh_psprintf(pool, "Cookie: PVEAuthCookie=%s", p->ticket));
		if (!query || strcmp(method, "GET") != 0)
			h = curl_slist_append(h, vh_psprintf(pool, "CSRFPreventionToken: %s", p->csrf));
	}
	curl_easy_setopt(p->curl, CURLOPT_HTTPHEADER, h);
	rc = curl_easy_perform(p->curl);
	curl_slist_free_all(h);
	curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		enum vh_pve_kind k = rc == CURLE_OPERATION_TIMEDOUT ? VH_PVE_TIMEOUT
				     : (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
					rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CACERT_BADFILE)
					     ? VH_PVE_TLS
					     : VH_PVE_UNREACHABLE;

		set_error(pe, k, 0, curl_easy_strerror(rc));
		vh_buf_free(&r.body);
		return k;
	}
	if (status != 200) {
		json_object *e = json_tokener_parse(vh_buf_str(&r.body)), *m, *errs;
		struct vh_buf msg = VH_BUF_INIT;

		vh_buf_adds(&msg, r.reason[0] ? r.reason : "error");
		if (e && json_object_object_get_ex(e, "errors", &errs) && errs) {
			json_object_object_foreach(errs, k, v)
				vh_buf_printf(&msg, "; %s: %s", k, json_object_get_string(v));
		} else if (e && json_object_object_get_ex(e, "message", &m) && m &&
			   strlen(json_object_get_string(m)) > strlen(r.reason)) {
			vh_buf_printf(&msg, " (%.*s)", (int)strcspn(json_object_get_string(m), "\n"),
				      json_object_get_string(m));
		}
		set_error(pe, classify(status, r.reason), status, vh_buf_str(&msg));
		vh_buf_free(&msg);
		json_object_put(e);
		vh_buf_free(&r.body);
		return pe->kind;
	}
	o = json_tokener_parse(vh_buf_str(&r.body));
	vh_buf_free(&r.body);
	if (!o || !json_object_object_get_ex(o, "data", NULL)) {
		json_object_put(o);
		set_error(pe, VH_PVE_PROTOCOL, status, "the answer is not Proxmox's {\"data\": ...}");
		return VH_PVE_PROTOCOL;
	}
	*data = json_object_get(json_object_object_get(o, "data"));
	json_object_put(o);
	if (*data)
		vh_json_own(pool, *data);
	set_error(pe, VH_PVE_OK, 200, NULL);
	return VH_PVE_OK;
}

/* Ticket login (or renewal with the current ticket as the password). */
static enum vh_pve_kind login(struct vh_pve *p, struct vh_pool *pool, struct vh_pve_error *pe)
{
	const char *form = NULL;
	json_object *d = NULL, *t, *c;
	enum vh_pve_kind k;

	vh_pve_form_add(pool, &form, "username", p->username);
	vh_pve_form_add(pool, &form, "password", p->password);
	k = perform(p, pool, "POST", "/access/ticket", form, false, &d, pe);
	if (k != VH_PVE_OK)
		return k;
	if (!d || !json_object_object_get_ex(d, "ticket", &t) ||
	    !json_object_object_get_ex(d, "CSRFPreventionToken", &c)) {
		set_error(pe, VH_PVE_PROTOCOL, 200, "login answer without a ticket");
		return VH_PVE_PROTOCOL;
	}
	wipe(p->ticket);
	wipe(p->csrf);
	p->ticket = vh_xstrdup(json_object_get_string(t));
	p->csrf = vh_xstrdup(json_object_get_string(c));
	p->ticket_at = time(NULL);
	return VH_PVE_OK;
}

enum vh_status vh_pve_call(struct vh_pve *p, struct vh_pool *pool, const char *method,
			   const char *path, const char *form, json_object **data,
			   struct vh_pve_error *pe, struct vh_err *err)
{
	enum vh_pve_kind k;

	*data = NULL;
	if (!p->token) {
		if (!p->username || !p->password) {
			set_error(pe, VH_PVE_AUTH, 0, "no credentials configured");
			return to_status(pe, err);
		}
		if ((!p->ticket || time(NULL) - p->ticket_at > TICKET_RENEW_AFTER) &&
		    login(p, pool, pe) != VH_PVE_OK)
			return to_status(pe, err);
	}
	k = perform(p, pool, method, path, form, true, data, pe);
	/* A ticket can be refused before its time (server restart, clock):
	 * log in again once and retry. */
	if (k == VH_PVE_AUTH && !p->token) {
		wipe(p->ticket);
		p->ticket = NULL;
		if (login(p, pool, pe) != VH_PVE_OK)
			return to_status(pe, err);
		k = perform(p, pool, method, path, form, true, data, pe);
	}
	(void)k;
	return to_status(pe, err);
}

enum vh_status vh_pve_version(struct vh_pve *pve, struct vh_pool *pool, json_object **out,
			      struct vh_pve_error *perr, struct vh_err *err)
{
	return vh_pve_call(pve, pool, "GET", "/version", NULL, out, perr, err);
}

enum vh_status vh_pve_nodes(struct vh_pve *pve, struct vh_pool *pool, json_object **out,
			    struct vh_pve_error *perr, struct vh_err *err)
{
	return vh_pve_call(pve, pool, "GET", "/nodes", NULL, out, perr, err);
}

enum vh_status vh_pve_resources(struct vh_pve *pve, struct vh_pool *pool, const char *type,
				json_object **out, struct vh_pve_error *perr, struct vh_err *err)
{
	const char *form = NULL;

	if (type)
		vh_pve_form_add(pool, &form, "type", type);
	return vh_pve_call(pve, pool, "GET", "/cluster/resources", form, out, perr, err);
}

/* ---- VMs and tasks --------------------------------------------------------- */

static const char *vm_path(struct vh_pool *pool, const char *node, long vmid, const char *rest)
{
	return vh_psprintf(pool, "/nodes/%s/qemu/%ld%s", node, vmid, rest);
}

static enum vh_status want_upid(json_object *d, const char **upid, struct vh_pve_error *pe,
				struct vh_err *err)
{
	if (!d || !json_object_is_type(d, json_type_string)) {
		set_error(pe, VH_PVE_PROTOCOL, 200, "expected a task id (UPID)");
		return to_status(pe, err);
	}
	*upid = json_object_get_string(d);
	return VH_OK;
}

enum vh_status vh_pve_nextid(struct vh_pve *pve, struct vh_pool *pool, long *vmid,
			     struct vh_pve_error *pe, struct vh_err *err)
{
	json_object *d;
	enum vh_status st = vh_pve_call(pve, pool, "GET", "/cluster/nextid", NULL, &d, pe, err);

	if (st != VH_OK)
		return st;
	/* A string since forever; accept a number too. */
	*vmid = d ? atol(json_object_get_string(d)) : 0;
	if (*vmid < 100) {
		set_error(pe, VH_PVE_PROTOCOL, 200, "nextid answered no usable vmid");
		return to_status(pe, err);
	}
	return VH_OK;
}

enum vh_status vh_pve_clone(struct vh_pve *pve, struct vh_pool *pool, const char *node, long src,
			    long newid, const char *name, int full, const char **upid,
			    struct vh_pve_error *pe, struct vh_err *err)
{
	const char *form = NULL;
	json_object *d;
	enum vh_status st;

	vh_pve_form_add(pool, &form, "newid", vh_psprintf(pool, "%ld", newid));
	if (name)
		vh_pve_form_add(pool, &form, "name", name);
	vh_pve_form_add(pool, &form, "full", full ? "1" : "0");
	st = vh_pve_call(pve, pool, "POST", vm_path(pool, node, src, "/clone"), form, &d, pe, err);
	return st == VH_OK ? want_upid(d, upid, pe, err) : st;
}

enum vh_status vh_pve_vm_status(struct vh_pve *pve, struct vh_pool *pool, const char *node, long vmid,
				json_object **out, struct vh_pve_error *pe, struct vh_err *err)
{
	return vh_pve_call(pve, pool, "GET", vm_path(pool, node, vmid, "/status/current"), NULL, out, pe,
			   err);
}

enum vh_status vh_pve_vm_action(struct vh_pve *pve, struct vh_pool *pool, const char *node, long vmid,
				const char *action, const char **upid, struct vh_pve_error *pe,
				struct vh_err *err)
{
	static const char *const actions[] = {"start", "stop", "shutdown", "reboot", "reset",
					      "suspend", "resume", NULL};
	json_object *d;
	enum vh_status st;
	size_t i;

	for (i = 0; actions[i] && strcmp(actions[i], action); i++)
		;
	if (!actions[i])
		return vh_fail(err, VH_INTERNAL, "internal_error", "unknown power action %s", action);
	st = vh_pve_call(pve, pool, "POST", vm_path(pool, node, vmid, vh_psprintf(pool, "/status/%s", action)),
			 "", &d, pe, err);
	return st == VH_OK ? want_upid(d, upid, pe, err) : st;
}

enum vh_status vh_pve_config_set(struct vh_pve *pve, struct vh_pool *pool, const char *node, long vmid,
				 const char *form, int async, const char **upid,
				 struct vh_pve_error *pe, struct vh_err *err)
{
	json_object *d;
	enum vh_status st = vh_pve_call(pve, pool, async ? "POST" : "PUT",
					vm_path(pool, node, vmid, "/config"), form, &d, pe, err);

	*upid = NULL;
	if (st != VH_OK || !async)
		return st;
	return want_upid(d, upid, pe, err);
}

enum vh_status vh_pve_config_get(struct vh_pve *pve, struct vh_pool *pool, const char *node, long vmid,
				 json_object **out, struct vh_pve_error *pe, struct vh_err *err)
{
	return vh_pve_call(pve, pool, "GET", vm_path(pool, node, vmid, "/config"), NULL, out, pe, err);
}

enum vh_status vh_pve_destroy(struct vh_pve *pve, struct vh_pool *pool, const char *node, long vmid,
			      const char **upid, struct vh_pve_error *pe, struct vh_err *err)
{
	json_object *d;
	enum vh_status st = vh_pve_call(pve, pool, "DELETE", vm_path(pool, node, vmid, ""),
					"purge=1&destroy-unreferenced-disks=1", &d, pe, err);

	return st == VH_OK ? want_upid(d, upid, pe, err) : st;
}

const char *vh_pve_upid_node(struct vh_pool *pool, const char *upid)
{
	const char *p, *q;
	int colons = 0;

	if (!upid || strncmp(upid, "UPID:", 5) != 0 || upid[strlen(upid) - 1] != ':')
		return NULL;
	for (p = upid; *p; p++)
		colons += *p == ':';
	if (colons < 8)
		return NULL;
	p = upid + 5;
	q = strchr(p, ':');
	return q > p ? vh_pstrndup(pool, p, (size_t)(q - p)) : NULL;
}

enum vh_status vh_pve_task_wait(struct vh_pve *pve, struct vh_pool *pool, const char *upid,
				long deadline_ms, struct vh_pve_error *pe, struct vh_err *err)
{
	const char *node = vh_pve_upid_node(pool, upid), *path, *status, *exitstatus;
	long waited = 0, step = 100;
	json_object *d;
	enum vh_status st;

	if (!node) {
		set_error(pe, VH_PVE_PROTOCOL, 0, "not a task id (UPID)");
		return to_status(pe, err);
	}
	path = vh_psprintf(pool, "/nodes/%s/tasks/%s/status", node, upid);
	for (;;) {
		st = vh_pve_call(pve, pool, "GET", path, NULL, &d, pe, err);
		if (st != VH_OK)
			return st;
		status = json_object_get_string(json_object_object_get(d, "status"));
		if (status && strcmp(status, "stopped") == 0)
			break;
		if (waited >= deadline_ms) {
			set_error(pe, VH_PVE_TIMEOUT, 0, "the task did not finish in time");
			return to_status(pe, err);
		}
		usleep((useconds_t)step * 1000);
		waited += step;
		step = step * 2 > 2000 ? 2000 : step * 2;
	}
	exitstatus = json_object_get_string(json_object_object_get(d, "exitstatus"));
	if (exitstatus && (!strcmp(exitstatus, "OK") || !strncmp(exitstatus, "WARNINGS", 8)))
		return VH_OK;
	set_error(pe, VH_PVE_TASK_FAILED, 200, exitstatus ? exitstatus : "task ended without a status");
	/* The task's own words decide what kind of failure it was. */
	if (exitstatus && (strstr(exitstatus, "got timeout") || strstr(exitstatus, "VM is locked")))
		pe->kind = VH_PVE_LOCKED;
	return vh_fail(err, VH_BADGATEWAY, "pve_task_failed", "Proxmox task failed: %s", pe->message);
}
