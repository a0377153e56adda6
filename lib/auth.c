#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "app.h"
#include "auth.h"
#include "buf.h"
#include "cfg.h"
#include "http.h"
#include "jwtauth.h"
#include "log.h"
#include "pool.h"
#include "users.h"
#include "validate.h"

static unsigned char admin_hash[SHA256_DIGEST_LENGTH];
static int admin_set;

const char *vh_auth_name(enum vh_auth auth)
{
	switch (auth) {
	case VH_AUTH_NONE: return "none";
	case VH_AUTH_ADMIN: return "admin";
	case VH_AUTH_USER: return "user";
	case VH_AUTH_ANY: return "any";
	case VH_AUTH_REGISTER: return "register";
	}
	return "?";
}

void vh_auth_init(const char *admin_key)
{
	admin_set = admin_key && *admin_key;
	if (admin_set)
		SHA256((const unsigned char *)admin_key, strlen(admin_key), admin_hash);
}

/* Comparing digests makes the time independent of where the strings differ
 * and of their lengths; CRYPTO_memcmp keeps the comparison itself
 * constant-time. */
int vh_secret_equal(const char *a, const char *b)
{
	unsigned char ha[SHA256_DIGEST_LENGTH], hb[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)a, strlen(a), ha);
	SHA256((const unsigned char *)b, strlen(b), hb);
	return CRYPTO_memcmp(ha, hb, sizeof(ha)) == 0;
}

static int admin_key_ok(const char *given)
{
	unsigned char h[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)given, strlen(given), h);
	return admin_set && CRYPTO_memcmp(h, admin_hash, sizeof(h)) == 0;
}

const char *vh_auth_actor(const struct vh_req *req)
{
	switch (req->who.role) {
	case VH_ROLE_ADMIN:
		return "admin";
	case VH_ROLE_USER:
		return vh_psprintf(req->pool, "%s:%s", req->who.as_admin ? "admin-as" : "user",
				   req->who.user_id);
	default:
		return "anonymous";
	}
}

/* ---- upstream auth -------------------------------------------------- */

#define CACHE_SLOTS 256
#define CACHE_WAYS 4     /* a credential may sit in any of 4 slots of its set */

struct cache_entry {
	unsigned char key[SHA256_DIGEST_LENGTH];
	time_t expires;
	int ok;                  /* 1: vouched for ext_id; 0: refused */
	char ext_id[256];
};

static struct cache_entry cache[CACHE_SLOTS];
static CURL *upstream;

void vh_auth_cleanup(void)
{
	if (upstream)
		curl_easy_cleanup(upstream);
	upstream = NULL;
	OPENSSL_cleanse(cache, sizeof(cache));
}

static size_t sink(char *p, size_t size, size_t n, void *user)
{
	struct vh_buf *b = user;

	if (b->len + size * n > 65536)
		return 0;   /* an identity answer is small; refuse floods */
	vh_buf_add(b, p, size * n);
	return size * n;
}

/* Ask the upstream; returns VH_OK with *ext_id, VH_UNAUTHORIZED, or
 * VH_UNAVAILABLE (never a pass when it cannot answer). */
static enum vh_status ask_upstream(struct vh_req *req, const char *authz, const char *cookie,
				   const char **ext_id, struct vh_err *err)
{
	struct curl_slist *h = NULL;
	struct vh_buf body = VH_BUF_INIT;
	long code = 0;
	CURLcode rc;
	json_object *o = NULL, *v;
	enum vh_status st;

	if (!upstream && !(upstream = curl_easy_init()))
		vh_oom();
	curl_easy_reset(upstream);
	curl_easy_setopt(upstream, CURLOPT_URL, vh_cfg_str(CFG_AUTH_API_URL));
	curl_easy_setopt(upstream, CURLOPT_TIMEOUT_MS, (long)vh_cfg_int(CFG_AUTH_TIMEOUT_MS));
	curl_easy_setopt(upstream, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(upstream, CURLOPT_PROTOCOLS_STR, "http,https");
	if (vh_cfg_is_set(CFG_AUTH_CA_FILE))
		curl_easy_setopt(upstream, CURLOPT_CAINFO, vh_cfg_str(CFG_AUTH_CA_FILE));
	h = curl_slist_append(h, "Accept: application/json");
	if (authz)
		h = curl_slist_append(h, vh_psprintf(req->pool, "Authorization: %s", authz));
	if (cookie)
		h = curl_slist_append(h, vh_psprintf(req->pool, "Cookie: %s", cookie));
	curl_easy_setopt(upstream, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(upstream, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(upstream, CURLOPT_WRITEDATA, &body);
	rc = curl_easy_perform(upstream);
	curl_slist_free_all(h);
	curl_easy_getinfo(upstream, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK || code >= 500 || code == 0) {
		vh_log(VH_LOG_WARN, "upstream auth failed: %s (HTTP %ld)", curl_easy_strerror(rc), code);
		st = vh_fail(err, VH_UNAVAILABLE, "auth_upstream_unavailable",
			     "the authentication service is unavailable; retry shortly");
		goto out;
	}
	if (code != 200) {
		st = vh_fail(err, VH_UNAUTHORIZED, "authentication_failed",
			     "the credentials were not accepted");
		goto out;
	}
	o = json_tokener_parse(vh_buf_str(&body));
	if (!o || !json_object_object_get_ex(o, vh_cfg_str(CFG_AUTH_USER_FIELD), &v) ||
	    !(json_object_is_type(v, json_type_string) || json_object_is_type(v, json_type_int)) ||
	    !*json_object_get_string(v) || strlen(json_object_get_string(v)) > 255) {
		vh_log(VH_LOG_WARN, "upstream auth answered 200 without a usable \"%s\"",
		       vh_cfg_str(CFG_AUTH_USER_FIELD));
		st = vh_fail(err, VH_UNAUTHORIZED, "authentication_failed",
			     "the credentials were not accepted");
		goto out;
	}
	*ext_id = vh_pstrdup(req->pool, json_object_get_string(v));
	st = VH_OK;
out:
	json_object_put(o);
	vh_buf_free(&body);
	return st;
}

static enum vh_status upstream_identity(struct vh_req *req, const char *authz, const char *cookie,
					const char **ext_id, struct vh_err *err)
{
	unsigned char key[SHA256_DIGEST_LENGTH];
	struct vh_buf cred = VH_BUF_INIT;
	struct cache_entry *e;
	time_t now = time(NULL);
	long ttl = (long)vh_cfg_int(CFG_AUTH_CACHE_SECONDS);
	enum vh_status st;

	/* The cache is keyed by a digest of the credentials, never the
	 * credentials themselves. */
	vh_buf_printf(&cred, "%s\n%s", authz ? authz : "", cookie ? cookie : "");
	SHA256((const unsigned char *)cred.data, cred.len, key);
	OPENSSL_cleanse(cred.data, cred.len);
	vh_buf_free(&cred);
	/* Set-associative, so that two busy credentials whose digests share
	 * a first byte do not evict each other on every request.  The way to
	 * replace: an expired one, else a refusal (a flood of bad credentials
	 * must not push out the users who are signed in), else the one that
	 * expires first. */
	{
		struct cache_entry *set = &cache[(key[0] % (CACHE_SLOTS / CACHE_WAYS)) * CACHE_WAYS];
		int w;

		e = &set[0];
		for (w = 0; w < CACHE_WAYS; w++) {
			if (ttl > 0 && set[w].expires > now &&
			    CRYPTO_memcmp(set[w].key, key, sizeof(key)) == 0) {
				if (!set[w].ok)
					return vh_fail(err, VH_UNAUTHORIZED, "authentication_failed",
						       "the credentials were not accepted");
				*ext_id = vh_pstrdup(req->pool, set[w].ext_id);
				return VH_OK;
			}
			if (set[w].expires <= now)
				e = &set[w];
			else if (e->expires > now && (e->ok > set[w].ok ||
						      (e->ok == set[w].ok && set[w].expires < e->expires)))
				e = &set[w];
		}
	}
	st = ask_upstream(req, authz, cookie, ext_id, err);
	if ((st == VH_OK || st == VH_UNAUTHORIZED) && ttl > 0) {
		memcpy(e->key, key, sizeof(key));
		e->expires = now + ttl;
		e->ok = st == VH_OK;
		snprintf(e->ext_id, sizeof(e->ext_id), "%s", st == VH_OK ? *ext_id : "");
	}
	return st;
}

/* ---- resolving the caller --------------------------------------------- */

static enum vh_status as_user(struct vh_req *req, const char *subject, bool jwt, enum vh_auth auth,
			      struct vh_err *err)
{
	struct vh_user u;
	enum vh_status st = vh_users_by_subject(VH_APP(req)->db, req->pool, subject, &u, err);

	if (st == VH_NOTFOUND) {
		vh_err_clear(err);
		/* No silent user creation: only the registration route takes a
		 * subject without a user, and only from a verified JWT. */
		if (jwt && auth == VH_AUTH_REGISTER) {
			req->who.subject = subject;
			return VH_OK;
		}
		return vh_fail(err, VH_UNAUTHORIZED, "unknown_user",
			       "the credentials are valid but name no registered user");
	}
	if (st != VH_OK)
		return st;
	req->who.role = VH_ROLE_USER;
	req->who.user_id = u.id;
	return VH_OK;
}

static enum vh_status resolve(struct vh_req *req, enum vh_auth auth, struct vh_err *err)
{
	const char *key = vh_req_header(req, "X-Admin-Key");
	const char *authz = vh_req_header(req, "Authorization");
	const char *cookie = vh_req_header(req, "Cookie");
	const char *subject, *ext = NULL;
	enum vh_status st;

	if (key && *key) {
		const char *imp = vh_req_header(req, "X-Impersonate-User");
		struct vh_user u;

		if (!admin_key_ok(key)) {
			vh_resp_header(req, "WWW-Authenticate", "X-Admin-Key");
			return vh_fail(err, VH_UNAUTHORIZED, "invalid_admin_key",
				       "the X-Admin-Key header is not valid");
		}
		if (!imp) {
			req->who.role = VH_ROLE_ADMIN;
			return VH_OK;
		}
		st = vh_users_get(VH_APP(req)->db, req->pool, imp, &u, err);
		if (st != VH_OK)
			return st;   /* 404 user_not_found for an unknown or malformed id */
		req->who.role = VH_ROLE_USER;
		req->who.user_id = u.id;
		req->who.as_admin = true;
		return VH_OK;
	}
	if (authz && strncmp(authz, "Bearer ", 7) == 0 && vh_jwt_enabled()) {
		st = vh_jwt_verify(req->pool, authz + 7, (long)time(NULL), &subject, err);
		if (st == VH_OK)
			return as_user(req, subject, true, auth, err);
		/* A token that is not ours may still be the upstream's. */
		if (!vh_cfg_is_set(CFG_AUTH_API_URL))
			return st;
		vh_err_clear(err);
	}
	if (vh_cfg_is_set(CFG_AUTH_API_URL) && (authz || cookie)) {
		st = upstream_identity(req, authz, cookie, &ext, err);
		if (st != VH_OK)
			return st;
		return as_user(req, ext, false, auth, err);
	}
	if (authz && strncmp(authz, "Bearer ", 7) == 0)
		return vh_fail(err, VH_UNAUTHORIZED, "jwt_disabled", "bearer tokens are not accepted here");
	return VH_OK;   /* anonymous */
}

enum vh_status vh_auth_check(struct vh_req *req, enum vh_auth auth, struct vh_err *err)
{
	enum vh_status st;

	if (auth == VH_AUTH_NONE)
		return VH_OK;
	if (req->who.role == VH_ROLE_ANON && !req->who.subject) {
		st = resolve(req, auth, err);
		if (st != VH_OK)
			return st;
	}
	switch (req->who.role) {
	case VH_ROLE_ADMIN:
		if (auth == VH_AUTH_USER)
			return vh_fail(err, VH_FORBIDDEN, "user_route",
				       "this route acts for a user: add X-Impersonate-User: <user id>");
		return VH_OK;
	case VH_ROLE_USER:
		if (auth == VH_AUTH_ADMIN)
			return vh_fail(err, VH_FORBIDDEN, "admin_only", "this route is for the admin only");
		return VH_OK;
	case VH_ROLE_ANON:
		if (auth == VH_AUTH_REGISTER && req->who.subject)
			return VH_OK;
		break;
	}
	if (auth == VH_AUTH_ADMIN) {
		vh_resp_header(req, "WWW-Authenticate", "X-Admin-Key");
		return vh_fail(err, VH_UNAUTHORIZED, "admin_key_required",
			       "this route needs the X-Admin-Key header");
	}
	vh_resp_header(req, "WWW-Authenticate", "Bearer");
	return vh_fail(err, VH_UNAUTHORIZED, "authentication_required",
		       "this route needs a bearer token or the admin key");
}
