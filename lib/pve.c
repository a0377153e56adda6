/* The PVE client's transport: clients and their cache, TLS (CA or pinned
 * certificate), one HTTP exchange in PVE's envelope, ticket login and the
 * one retry after a 401.  Encoding and error kinds are in pve_form.c, tasks
 * in pve_task.c, the API calls in pve_calls.c. */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "buf.h"
#include "json.h"
#include "log.h"
#include "pool.h"
#include "pve_impl.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 5000
#define DEFAULT_TIMEOUT_MS 30000
/* PVE's tickets live 2 h; log in again 10 min before, so a call started
 * just before the renewal point cannot carry a ticket that dies mid-way. */
#define DEFAULT_TICKET_RENEW_S (110 * 60)
/* A JSON answer larger than this is not PVE talking. */
#define MAX_BODY (16 * 1024 * 1024)
#define CACHE_SIZE 32

struct vh_pve {
	/* Own copies of the config; the cache compares them. */
	char *api_url, *username, *password, *token, *fingerprint, *ca_file, *ca_pem;
	long connect_timeout_ms, timeout_ms, ticket_renew_s;
	const char *config_error;       /* set when the config cannot be used */
	enum vh_pve_kind config_kind;
	unsigned char pin[32];
	bool pinned;
	CURL *curl;
	char *ticket, *csrf;
	long ticket_at;                 /* monotonic seconds */
	long connections;
};

static char *dup_or_null(const char *s)
{
	return s && *s ? vh_xstrdup(s) : NULL;
}

static void wipe(char **s)
{
	if (*s) {
		OPENSSL_cleanse(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

static long mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec;
}

static long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct vh_pve *vh_pve_new(const struct vh_pve_config *cfg)
{
	struct vh_pve *p = vh_xcalloc(1, sizeof(*p));
	size_t n;

	p->api_url = dup_or_null(cfg->api_url);
	p->username = dup_or_null(cfg->username);
	p->password = dup_or_null(cfg->password);
	p->token = dup_or_null(cfg->token);
	p->fingerprint = dup_or_null(cfg->fingerprint);
	p->ca_file = dup_or_null(cfg->ca_file);
	p->ca_pem = dup_or_null(cfg->ca_pem);
	p->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms
							     : DEFAULT_CONNECT_TIMEOUT_MS;
	p->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
	p->ticket_renew_s = cfg->ticket_renew_s > 0 ? cfg->ticket_renew_s : DEFAULT_TICKET_RENEW_S;
	/* "https://h:8006/" and "https://h:8006" name the same API. */
	for (n = p->api_url ? strlen(p->api_url) : 0; n && p->api_url[n - 1] == '/'; n--)
		p->api_url[n - 1] = '\0';
	p->config_kind = VH_PVE_CONFIG;
	if (!p->api_url || strncmp(p->api_url, "https://", 8) != 0)
		p->config_error = "the API URL must be https://host:port";
	else if (!p->token && (!p->username || !p->password))
		p->config_error = "no credentials configured (a username and password, or a token)";
	else if (p->token && !strchr(p->token, '='))
		p->config_error = "the API token must be USER@REALM!ID=SECRET";
	/* A pin that does not parse must not quietly become "no pin". */
	if (p->fingerprint && vh_pve_fingerprint_parse(p->fingerprint, p->pin) != 0) {
		p->config_error = "the TLS fingerprint is not a SHA-256 fingerprint (AA:BB:... 32 bytes)";
		p->config_kind = VH_PVE_TLS;
	}
	p->pinned = p->fingerprint != NULL;
	p->curl = curl_easy_init();
	if (!p->curl)
		vh_oom();
	return p;
}

void vh_pve_free(struct vh_pve *p)
{
	if (!p)
		return;
	curl_easy_cleanup(p->curl);
	free(p->api_url);
	free(p->username);
	wipe(&p->password);
	wipe(&p->token);
	wipe(&p->ticket);
	wipe(&p->csrf);
	free(p->fingerprint);
	free(p->ca_file);
	free(p->ca_pem);
	OPENSSL_cleanse(p->pin, sizeof(p->pin));
	free(p);
}

long vh_pve_connections(const struct vh_pve *p)
{
	return p->connections;
}

/* ---- the per-process cache ------------------------------------------------------ */

static struct {
	struct vh_pve *pve;
	unsigned long used;
} cache[CACHE_SIZE];
static unsigned long cache_clock;

static bool same(const char *mine, const char *theirs)
{
	if (!theirs || !*theirs)
		return mine == NULL;
	return mine && strcmp(mine, theirs) == 0;
}

/* mine was stored without trailing slashes. */
static bool same_url(const char *mine, const char *theirs)
{
	size_t n = theirs ? strlen(theirs) : 0;

	while (n && theirs[n - 1] == '/')
		n--;
	return mine && n == strlen(mine) && strncmp(mine, theirs, n) == 0;
}

static bool cache_match(const struct vh_pve *p, const struct vh_pve_config *c)
{
	return same(p->username, c->username) && same(p->password, c->password) &&
	       same(p->token, c->token) && same(p->fingerprint, c->fingerprint) &&
	       same(p->ca_file, c->ca_file) && same(p->ca_pem, c->ca_pem) &&
	       p->connect_timeout_ms == (c->connect_timeout_ms > 0 ? c->connect_timeout_ms
								    : DEFAULT_CONNECT_TIMEOUT_MS) &&
	       p->timeout_ms == (c->timeout_ms > 0 ? c->timeout_ms : DEFAULT_TIMEOUT_MS) &&
	       p->ticket_renew_s == (c->ticket_renew_s > 0 ? c->ticket_renew_s
							     : DEFAULT_TICKET_RENEW_S) &&
	       same_url(p->api_url, c->api_url);
}

struct vh_pve *vh_pve_get(const struct vh_pve_config *cfg)
{
	size_t i, victim = 0;

	for (i = 0; i < CACHE_SIZE; i++) {
		if (cache[i].pve && cache_match(cache[i].pve, cfg)) {
			cache[i].used = ++cache_clock;
			return cache[i].pve;
		}
		if (!cache[i].pve || (cache[victim].pve && cache[i].used < cache[victim].used))
			victim = i;
	}
	/* A host whose settings changed (a new password, a new pin) gets a
	 * new client; the old one ages out. */
	vh_pve_free(cache[victim].pve);
	cache[victim].pve = vh_pve_new(cfg);
	cache[victim].used = ++cache_clock;
	return cache[victim].pve;
}

void vh_pve_cache_clear(void)
{
	size_t i;

	for (i = 0; i < CACHE_SIZE; i++) {
		vh_pve_free(cache[i].pve);
		cache[i].pve = NULL;
	}
}

static struct vh_pve *left_behind[CACHE_SIZE];

void vh_pve_cache_forget(void)
{
	size_t i;

	/* After fork(): the parent's clients hold its TLS connections.  A
	 * child must neither use them nor free them (freeing ends the TLS
	 * session the parent is still using); their memory is left behind,
	 * still pointed at (no leak report). */
	for (i = 0; i < CACHE_SIZE; i++) {
		if (cache[i].pve)
			left_behind[i] = cache[i].pve;
		cache[i].pve = NULL;
	}
}

/* ---- TLS pinning ---------------------------------------------------------------- */

/* With a pin, the leaf certificate's SHA-256 must equal it; the chain is
 * not consulted (PVE's CA is self-signed) and nothing else is accepted.
 * OpenSSL calls this for every certificate and every problem it finds, and
 * always for the leaf (depth 0) last, so checking the leaf on each depth-0
 * call and forgiving the chain above it is exactly "pin the certificate". */
static int verify_pin(int preverify, X509_STORE_CTX *x)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct vh_pve *p = ssl ? SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)) : NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	X509 *cert;

	(void)preverify;
	if (X509_STORE_CTX_get_error_depth(x) != 0) {
		X509_STORE_CTX_set_error(x, X509_V_OK);
		return 1;
	}
	cert = X509_STORE_CTX_get_current_cert(x);
	if (!p || !p->pinned || !cert || !X509_digest(cert, EVP_sha256(), md, &n) || n != 32 ||
	    CRYPTO_memcmp(md, p->pin, 32) != 0) {
		X509_STORE_CTX_set_error(x, X509_V_ERR_CERT_REJECTED);
		return 0;
	}
	X509_STORE_CTX_set_error(x, X509_V_OK);
	return 1;
}

/* libcurl builds an SSL_CTX per connection and lets us adjust it before
 * the handshake: install the pin check and point the context at us. */
static CURLcode ssl_ctx_pin(CURL *curl, void *sslctx, void *user)
{
	(void)curl;
	SSL_CTX_set_app_data((SSL_CTX *)sslctx, user);
	SSL_CTX_set_verify((SSL_CTX *)sslctx, SSL_VERIFY_PEER, verify_pin);
	return CURLE_OK;
}

/* Verification settings for one request; -1 when libcurl cannot honour
 * them (then nothing is sent). */
static int setup_tls(struct vh_pve *p)
{
	curl_easy_setopt(p->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	if (p->pinned) {
		/* The pin replaces the chain and the host name: PVE's node
		 * certificates name the node, not the address we dial. */
		curl_easy_setopt(p->curl, CURLOPT_SSL_VERIFYHOST, 0L);
		if (curl_easy_setopt(p->curl, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_pin) != CURLE_OK ||
		    curl_easy_setopt(p->curl, CURLOPT_SSL_CTX_DATA, p) != CURLE_OK)
			return -1;
		/* A resumed session skips certificate verification. */
		curl_easy_setopt(p->curl, CURLOPT_SSL_SESSIONID_CACHE, 0L);
		return 0;
	}
	curl_easy_setopt(p->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (p->ca_file && curl_easy_setopt(p->curl, CURLOPT_CAINFO, p->ca_file) != CURLE_OK)
		return -1;
	if (p->ca_pem) {
		struct curl_blob blob = {p->ca_pem, strlen(p->ca_pem), CURL_BLOB_COPY};

		if (curl_easy_setopt(p->curl, CURLOPT_CAINFO_BLOB, &blob) != CURLE_OK)
			return -1;
	}
	return 0;
}

/* ---- one exchange ---------------------------------------------------------------- */

struct reply {
	struct vh_buf body;
	char reason[256];
};

static size_t sink(char *ptr, size_t size, size_t n, void *user)
{
	struct reply *r = user;

	if (r->body.len + size * n > MAX_BODY)
		return 0;
	vh_buf_add(&r->body, ptr, size * n);
	return size * n;
}

/* PVE puts the first line of its error text in the reason phrase
 * ("HTTP/1.1 500 VM 100 not running"): keep it. */
static size_t header_cb(char *ptr, size_t size, size_t n, void *user)
{
	struct reply *r = user;
	size_t len = size * n, rl;
	const char *sp, *reason;

	if (len < 13 || strncmp(ptr, "HTTP/", 5) != 0)
		return len;
	r->reason[0] = '\0';
	sp = memchr(ptr, ' ', len);
	if (!sp || (size_t)(sp - ptr) + 5 >= len)
		return len;
	reason = sp + 5;
	rl = len - (size_t)(reason - ptr);
	while (rl && (reason[rl - 1] == '\r' || reason[rl - 1] == '\n'))
		rl--;
	if (rl >= sizeof(r->reason))
		rl = sizeof(r->reason) - 1;
	memcpy(r->reason, reason, rl);
	r->reason[rl] = '\0';
	return len;
}

/* libcurl's failures by what they mean for the caller. */
static const struct {
	CURLcode rc;
	enum vh_pve_kind kind;
} curl_kinds[] = {
	{CURLE_OPERATION_TIMEDOUT, VH_PVE_TIMEOUT},
	{CURLE_PEER_FAILED_VERIFICATION, VH_PVE_TLS},
	{CURLE_SSL_CONNECT_ERROR, VH_PVE_TLS},
	{CURLE_SSL_CERTPROBLEM, VH_PVE_TLS},
	{CURLE_SSL_CACERT_BADFILE, VH_PVE_TLS},
	{CURLE_SSL_CIPHER, VH_PVE_TLS},
	{CURLE_SSL_ISSUER_ERROR, VH_PVE_TLS},
	{CURLE_SSL_PINNEDPUBKEYNOTMATCH, VH_PVE_TLS},
	{CURLE_SSL_ENGINE_INITFAILED, VH_PVE_TLS},
	{CURLE_NOT_BUILT_IN, VH_PVE_TLS},
	{CURLE_UNSUPPORTED_PROTOCOL, VH_PVE_CONFIG},
	{CURLE_URL_MALFORMAT, VH_PVE_CONFIG},
	{CURLE_WRITE_ERROR, VH_PVE_PROTOCOL},
};

static enum vh_pve_kind curl_kind(CURLcode rc)
{
	size_t i;

	for (i = 0; i < sizeof(curl_kinds) / sizeof(curl_kinds[0]); i++)
		if (curl_kinds[i].rc == rc)
			return curl_kinds[i].kind;
	/* Refused, reset, unresolvable, nothing received. */
	return VH_PVE_UNREACHABLE;
}

/* Parameters whose values are secrets: a 400 may quote them back. */
static const char *const secret_params[] = {"password", "cipassword", NULL};

static void scrub_all(struct vh_pve_error *pe, const char *secret)
{
	int i;

	vh_pve_scrub(pe->message, sizeof(pe->message), secret);
	for (i = 0; i < pe->nparams; i++)
		vh_pve_scrub(pe->params[i].message, sizeof(pe->params[i].message), secret);
	vh_pve_scrub(pe->log_tail, sizeof(pe->log_tail), secret);
}

/* Take every secret this request carried out of the error text. */
static void scrub_error(const struct vh_pve *p, const char *form, struct vh_pve_error *pe)
{
	const char *f = form;
	size_t i;

	scrub_all(pe, p->password);
	scrub_all(pe, p->ticket);
	scrub_all(pe, p->csrf);
	if (p->token && strchr(p->token, '='))
		scrub_all(pe, strchr(p->token, '=') + 1);
	while (f && *f) {
		size_t klen = strcspn(f, "="), vlen;
		const char *v = f[klen] == '=' ? f + klen + 1 : f + klen;
		char *plain, *o;

		vlen = strcspn(v, "&");
		for (i = 0; secret_params[i]; i++) {
			if (strlen(secret_params[i]) != klen || strncmp(f, secret_params[i], klen))
				continue;
			plain = vh_xmalloc(vlen + 1);
			memcpy(plain, v, vlen);
			plain[vlen] = '\0';
			scrub_all(pe, plain);
			/* ...and decoded, as PVE would quote it. */
			o = plain;
			for (const char *c = plain; *c; c++) {
				if (*c == '%' && isxdigit((unsigned char)c[1]) &&
				    isxdigit((unsigned char)c[2])) {
					char hex[3] = {c[1], c[2], 0};

					*o++ = (char)strtol(hex, NULL, 16);
					c += 2;
				} else {
					*o++ = *c == '+' ? ' ' : *c;
				}
			}
			*o = '\0';
			scrub_all(pe, plain);
			OPENSSL_cleanse(plain, vlen);
			free(plain);
		}
		f = v + vlen + (v[vlen] == '&');
	}
}

/* An answer other than 200: PVE's text, the parameter map, the kind. */
static void http_error(struct vh_pve_error *pe, long status, const struct reply *r)
{
	json_object *e = json_tokener_parse(vh_buf_str(&r->body)), *m, *errs;
	struct vh_buf text = VH_BUF_INIT;
	const char *msg = NULL;
	int np = 0;

	/* Since pve-http-server 5.2 the body has the full text; older ones
	 * only the reason phrase. */
	if (e && json_object_object_get_ex(e, "message", &m) && json_object_is_type(m, json_type_string))
		msg = json_object_get_string(m);
	if (msg && *msg)
		vh_buf_add(&text, msg, strcspn(msg, "\n"));
	else if (r->reason[0])
		vh_buf_adds(&text, r->reason);
	else
		vh_buf_printf(&text, "HTTP %ld", status);
	vh_pve_seterr(pe, VH_PVE_OK, status, vh_buf_str(&text));
	if (e && json_object_object_get_ex(e, "errors", &errs) &&
	    json_object_is_type(errs, json_type_object)) {
		json_object_object_foreach(errs, k, v) {
			const char *vs = json_object_get_string(v);

			vh_buf_printf(&text, "; %s: %s", k, vs ? vs : "");
			if (np < VH_PVE_PARAMS_MAX) {
				snprintf(pe->params[np].name, sizeof(pe->params[np].name), "%s", k);
				snprintf(pe->params[np].message, sizeof(pe->params[np].message), "%.*s",
					 (int)strcspn(vs ? vs : "", "\n"), vs ? vs : "");
				np++;
			}
		}
		snprintf(pe->message, sizeof(pe->message), "%s", vh_buf_str(&text));
	}
	pe->nparams = np;
	pe->kind = pe->cause = vh_pve_classify(status, vh_buf_str(&text));
	vh_buf_free(&text);
	json_object_put(e);
}

static enum vh_pve_kind perform(struct vh_pve *p, struct vh_pool *pool, const char *method,
				const char *path, const char *form, bool with_auth,
				json_object **data, json_object **env, struct vh_pve_error *pe)
{
	bool query = !strcmp(method, "GET") || !strcmp(method, "DELETE");
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *h = NULL;
	struct vh_buf hdr = VH_BUF_INIT;
	struct reply r;
	long status = 0, conns = 0, started = mono_ms();
	const char *url;
	json_object *o;
	CURLcode rc;

	memset(&r, 0, sizeof(r));
	*data = NULL;
	url = vh_psprintf(pool, "%s/api2/json%s%s%s", p->api_url, path,
			  query && form && *form ? "?" : "", query && form ? form : "");
	if (setup_tls(p) != 0) {
		vh_pve_seterr(pe, VH_PVE_TLS, 0,
			      "this libcurl cannot verify the pinned certificate or the CA given "
			      "(it needs OpenSSL); refusing to connect unverified");
		return pe->kind;
	}
	curl_easy_setopt(p->curl, CURLOPT_URL, url);
	curl_easy_setopt(p->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(p->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(p->curl, CURLOPT_PROTOCOLS_STR, "https");
	/* PVE speaks HTTP/1.1 and says what went wrong in the reason phrase,
	 * which HTTP/2 does not have. */
	curl_easy_setopt(p->curl, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(p->curl, CURLOPT_CONNECTTIMEOUT_MS, p->connect_timeout_ms);
	curl_easy_setopt(p->curl, CURLOPT_TIMEOUT_MS, p->timeout_ms);
	curl_easy_setopt(p->curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(p->curl, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(p->curl, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(p->curl, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(p->curl, CURLOPT_HEADERDATA, &r);
	if (!query) {
		/* PVE reads form bodies; an empty one is still a body. */
		curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, form ? form : "");
		h = curl_slist_append(h, "Content-Type: application/x-www-form-urlencoded");
	}
	h = curl_slist_append(h, "Accept: application/json");
	h = curl_slist_append(h, "Expect:");
	/* Headers with secrets are built in a buffer that is wiped after. */
	if (with_auth && p->token) {
		vh_buf_printf(&hdr, "Authorization: PVEAPIToken=%s", p->token);
		h = curl_slist_append(h, vh_buf_str(&hdr));
	} else if (with_auth && p->ticket) {
		vh_buf_printf(&hdr, "Cookie: PVEAuthCookie=%s", p->ticket);
		h = curl_slist_append(h, vh_buf_str(&hdr));
		if (strcmp(method, "GET") != 0) {
			vh_buf_clear(&hdr);
			vh_buf_printf(&hdr, "CSRFPreventionToken: %s", p->csrf);
			h = curl_slist_append(h, vh_buf_str(&hdr));
		}
	}
	if (hdr.data)
		OPENSSL_cleanse(hdr.data, hdr.cap);
	vh_buf_free(&hdr);
	if (!h)
		vh_oom();
	curl_easy_setopt(p->curl, CURLOPT_HTTPHEADER, h);
	rc = curl_easy_perform(p->curl);
	for (struct curl_slist *s = h; s; s = s->next)
		OPENSSL_cleanse(s->data, strlen(s->data));
	curl_slist_free_all(h);
	curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(p->curl, CURLINFO_NUM_CONNECTS, &conns);
	p->connections += conns;
	/* Drop the pointers into this frame (error buffer, reply, headers)
	 * and into the pool before they dangle; the connection stays. */
	curl_easy_reset(p->curl);
	vh_log(VH_LOG_DEBUG, "pve %s %s: %ld (%s) in %ld ms", method, path, status,
	       rc == CURLE_OK ? "ok" : curl_easy_strerror(rc), mono_ms() - started);
	if (rc != CURLE_OK) {
		enum vh_pve_kind k = curl_kind(rc);

		vh_pve_seterr(pe, k, 0, NULL);
		if (rc == CURLE_PEER_FAILED_VERIFICATION && p->pinned)
			snprintf(pe->message, sizeof(pe->message),
				 "the server's certificate does not match the pinned fingerprint (%s)",
				 errbuf[0] ? errbuf : curl_easy_strerror(rc));
		else
			snprintf(pe->message, sizeof(pe->message), "%s",
				 errbuf[0] ? errbuf : curl_easy_strerror(rc));
		vh_buf_free(&r.body);
		return k;
	}
	if (status != 200) {
		http_error(pe, status, &r);
		scrub_error(p, form, pe);
		vh_buf_free(&r.body);
		return pe->kind;
	}
	o = json_tokener_parse(vh_buf_str(&r.body));
	vh_buf_free(&r.body);
	if (!o || !json_object_object_get_ex(o, "data", NULL)) {
		json_object_put(o);
		vh_pve_seterr(pe, VH_PVE_PROTOCOL, status, "the answer is not Proxmox's {\"data\": ...}");
		return VH_PVE_PROTOCOL;
	}
	/* The envelope stays alive (total, ...) with data; the pool puts it. */
	vh_json_own(pool, o);
	*data = json_object_object_get(o, "data");
	if (env)
		*env = o;
	vh_pve_seterr(pe, VH_PVE_OK, status, NULL);
	return VH_PVE_OK;
}

/* Ticket login.  We hold the password anyway, so renewal is a fresh login
 * rather than PVE's password=<ticket> renewal: it cannot fail where that
 * could (a ticket already expired) and needs no second code path. */
static enum vh_pve_kind login(struct vh_pve *p, struct vh_pool *pool, struct vh_pve_error *pe)
{
	struct vh_buf form = VH_BUF_INIT;
	json_object *d = NULL, *t, *c;
	enum vh_pve_kind k;
	const char *u = vh_pve_escape(pool, p->username);

	vh_buf_printf(&form, "username=%s&password=", u);
	/* The escaped password goes straight into the wiped buffer, never
	 * into the pool. */
	for (const unsigned char *s = (const unsigned char *)p->password; *s; s++) {
		if (isalnum(*s) || strchr("-_.~", *s))
			vh_buf_addc(&form, (char)*s);
		else
			vh_buf_printf(&form, "%%%02X", *s);
	}
	k = perform(p, pool, "POST", "/access/ticket", vh_buf_str(&form), false, &d, NULL, pe);
	OPENSSL_cleanse(form.data, form.cap);
	vh_buf_free(&form);
	if (k != VH_PVE_OK)
		return k;
	if (!d || !json_object_object_get_ex(d, "ticket", &t) ||
	    !json_object_object_get_ex(d, "CSRFPreventionToken", &c) ||
	    !json_object_is_type(t, json_type_string) || !json_object_is_type(c, json_type_string)) {
		vh_pve_seterr(pe, VH_PVE_PROTOCOL, 200, "the login answer has no ticket");
		return VH_PVE_PROTOCOL;
	}
	wipe(&p->ticket);
	wipe(&p->csrf);
	p->ticket = vh_xstrdup(json_object_get_string(t));
	p->csrf = vh_xstrdup(json_object_get_string(c));
	p->ticket_at = mono_s();
	vh_log(VH_LOG_DEBUG, "pve: logged in to %s as %s", p->api_url, p->username);
	return VH_PVE_OK;
}

enum vh_status vh_pve_call_env(struct vh_pve *p, struct vh_pool *pool, const char *method,
			       const char *path, const char *form, json_object **data,
			       json_object **env, struct vh_pve_error *pe, struct vh_err *err)
{
	enum vh_pve_kind k;

	*data = NULL;
	if (env)
		*env = NULL;
	if (p->config_error) {
		vh_pve_seterr(pe, p->config_kind, 0, p->config_error);
		return vh_pve_error_status(pe, err);
	}
	if (!p->token && (!p->ticket || mono_s() - p->ticket_at >= p->ticket_renew_s) &&
	    login(p, pool, pe) != VH_PVE_OK)
		return vh_pve_error_status(pe, err);
	k = perform(p, pool, method, path, form, true, data, env, pe);
	/* A ticket can be refused before its time (PVE restarted with a new
	 * key, clocks apart): log in again once and retry once.  PVE refused
	 * the request, so repeating a write is safe.  A token refused is
	 * refused. */
	if (k == VH_PVE_AUTH && !p->token) {
		wipe(&p->ticket);
		if (login(p, pool, pe) != VH_PVE_OK)
			return vh_pve_error_status(pe, err);
		perform(p, pool, method, path, form, true, data, env, pe);
	}
	return vh_pve_error_status(pe, err);
}

enum vh_status vh_pve_call(struct vh_pve *p, struct vh_pool *pool, const char *method,
			   const char *path, const char *form, json_object **data,
			   struct vh_pve_error *pe, struct vh_err *err)
{
	return vh_pve_call_env(p, pool, method, path, form, data, NULL, pe, err);
}
