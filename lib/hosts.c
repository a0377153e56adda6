#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "app.h"
#include "catalog.h"
#include "cfg.h"
#include "db.h"
#include "hosts.h"
#include "http.h"
#include "json.h"
#include "pool.h"
#include "pve.h"
#include "secret.h"
#include "validate.h"

#define TS(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"
#define HOST_COLS "id, api_url, auth, username, realm, token_id, secret_enc, node, location, " \
	"tls_fingerprint, ca_cert"
#define HOST_SELECT "SELECT " HOST_COLS ", " TS("created_at") ", " TS("updated_at") \
	" FROM proxmox_hosts"

static const char sql_insert[] = "INSERT INTO proxmox_hosts (" HOST_COLS ") "
				 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_get[] = HOST_SELECT " WHERE id = ?";
static const char sql_list[] = HOST_SELECT " ORDER BY id";
static const char sql_count[] = "SELECT COUNT(*) FROM proxmox_hosts";
static const char sql_locations[] = "SELECT DISTINCT location FROM proxmox_hosts ORDER BY location";
static const char sql_update[] =
	"UPDATE proxmox_hosts SET api_url = ?, auth = ?, username = ?, realm = ?, token_id = ?, "
	"secret_enc = ?, node = ?, location = ?, tls_fingerprint = ?, ca_cert = ? WHERE id = ?";
static const char sql_delete[] = "DELETE FROM proxmox_hosts WHERE id = ?";
/* servers.proxmox_host_id has no foreign key (see 004_servers.sql). */
static const char sql_used_by_servers[] =
	"SELECT 1 FROM servers WHERE proxmox_host_id = ? "
	"AND status NOT IN ('deleted', 'rolled_back', 'failed') LIMIT 1";
static const char sql_in_location[] = "SELECT id FROM proxmox_hosts WHERE location = ? ORDER BY id";
static const char sql_all_secrets[] = "SELECT id, secret_enc FROM proxmox_hosts FOR UPDATE";
static const char sql_set_secret[] = "UPDATE proxmox_hosts SET secret_enc = ? WHERE id = ?";

struct host_input {
	const char *id, *api_url, *username, *password, *realm, *token_id, *token_secret;
	const char *node, *location, *tls_fingerprint, *ca_cert;
};

/* https only: credentials never cross the network in clear.  A trailing
 * "/" or "/api2/json" is dropped so URLs compare and join predictably. */
static const char *norm_api_url(struct vh_pool *pool, const char *in, const char **out)
{
	char *u;
	size_t n;
	const char *host;

	if (strncmp(in, "https://", 8) != 0)
		return "must be an https:// URL such as https://pve1.example.com:8006";
	host = in + 8;
	if (!*host || *host == '/' || *host == ':')
		return "must name a host";
	for (; *host; host++)
		if (isspace((unsigned char)*host) || *host == '?' || *host == '#' || *host == '@')
			return "must be a plain https://host[:port] URL";
	u = vh_pstrdup(pool, in);
	n = strlen(u);
	if (n > 10 && strcmp(u + n - 10, "/api2/json") == 0)
		u[n -= 10] = '\0';
	else if (n > 11 && strcmp(u + n - 11, "/api2/json/") == 0)
		u[n -= 11] = '\0';
	while (n > 8 && u[n - 1] == '/')
		u[--n] = '\0';
	if (strchr(u + 8, '/'))
		return "must be https://host[:port] (optionally followed by /api2/json)";
	*out = u;
	return NULL;
}

const char *vh_norm_fingerprint(struct vh_pool *pool, const char *in, const char **out)
{
	char hex[64], *o;
	size_t n = 0, i;
	const char *p;

	for (p = in; *p; p++) {
		if (*p == ':')
			continue;
		if (!isxdigit((unsigned char)*p) || n == sizeof(hex))
			return "must be a SHA-256 fingerprint: 32 hex bytes, colons optional";
		hex[n++] = (char)toupper((unsigned char)*p);
	}
	if (n != sizeof(hex))
		return "must be a SHA-256 fingerprint: 32 hex bytes, colons optional";
	o = vh_palloc(pool, 96);
	for (i = 0; i < 32; i++) {
		o[3 * i] = hex[2 * i];
		o[3 * i + 1] = hex[2 * i + 1];
		o[3 * i + 2] = i < 31 ? ':' : '\0';
	}
	*out = o;
	return NULL;
}

static const char *norm_pem(struct vh_pool *pool, const char *in, const char **out)
{
	BIO *bio = BIO_new_mem_buf(in, (int)strlen(in));
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;

	(void)pool;
	BIO_free(bio);
	if (!x)
		return "must be a PEM certificate (-----BEGIN CERTIFICATE-----)";
	X509_free(x);
	*out = in;
	return NULL;
}

/* A PVE user name without the realm; the realm travels separately. */
static const char *norm_username(struct vh_pool *pool, const char *in, const char **out)
{
	const char *p;

	(void)pool;
	for (p = in; *p; p++)
		if (*p == '@' || *p == '!' || isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			return "must be a user name without @realm (give realm separately)";
	*out = in;
	return NULL;
}

/* USER@REALM!TOKENID, as PVE names API tokens. */
static const char *norm_token_id(struct vh_pool *pool, const char *in, const char **out)
{
	const char *at = strchr(in, '@'), *bang = strchr(in, '!');

	(void)pool;
	if (!at || !bang || at == in || bang < at + 2 || !bang[1] || strchr(bang + 1, '!') ||
	    strpbrk(in, " \t"))
		return "must be USER@REALM!TOKENID, e.g. vibehost@pve!api";
	*out = in;
	return NULL;
}

#define F(name, type, req, min, max, field, norm, ml)                                         \
	{name, type, req, min, max, offsetof(struct host_input, field), norm, ml}

static const struct vh_fdef host_fields[] = {
	F("id", VH_F_STRING, true, 1, 64, id, vh_norm_slug, false),
	F("api_url", VH_F_STRING, true, 9, 255, api_url, norm_api_url, false),
	F("username", VH_F_STRING, false, 1, 128, username, norm_username, false),
	F("password", VH_F_STRING, false, 1, 1024, password, NULL, false),
	F("realm", VH_F_STRING, false, 1, 64, realm, vh_norm_slug, false),
	F("token_id", VH_F_STRING, false, 3, 128, token_id, norm_token_id, false),
	F("token_secret", VH_F_STRING, false, 1, 1024, token_secret, NULL, false),
	F("node", VH_F_STRING, false, 1, 64, node, vh_norm_node, false),
	F("location", VH_F_STRING, true, 1, 64, location, vh_norm_slug, false),
	F("tls_fingerprint", VH_F_STRING, false, 64, 95, tls_fingerprint, vh_norm_fingerprint, false),
	F("ca_cert", VH_F_STRING, false, 1, 65536, ca_cert, norm_pem, true),
	{NULL},
};

static void row_to_host(const struct vh_rows *r, size_t i, struct vh_host *h)
{
	memset(h, 0, sizeof(*h));
	h->id = vh_rows_get(r, i, 0);
	h->api_url = vh_rows_get(r, i, 1);
	h->auth = vh_rows_get(r, i, 2);
	h->username = vh_rows_get(r, i, 3);
	h->realm = vh_rows_get(r, i, 4);
	h->token_id = vh_rows_get(r, i, 5);
	h->secret_sealed = vh_rows_get(r, i, 6);
	h->node = vh_rows_get(r, i, 7);
	h->location = vh_rows_get(r, i, 8);
	h->tls_fingerprint = vh_rows_get(r, i, 9);
	h->ca_cert = vh_rows_get(r, i, 10);
	h->created_at = vh_rows_get(r, i, 11);
	h->updated_at = vh_rows_get(r, i, 12);
}

/* The environment's host "default", used only while no host is registered. */
static bool env_host(struct vh_pool *pool, struct vh_host *h)
{
	const char *url = vh_cfg_str(CFG_PROXMOX_HOST), *fp = NULL;

	if (!vh_cfg_is_set(CFG_PROXMOX_HOST) || !vh_cfg_is_set(CFG_PROXMOX_USERNAME))
		return false;
	memset(h, 0, sizeof(*h));
	h->id = "default";
	/* The original backend took a bare host name. */
	h->api_url = strncmp(url, "https://", 8) == 0 ? url : vh_psprintf(pool, "https://%s:8006", url);
	h->auth = "password";
	h->username = vh_cfg_str(CFG_PROXMOX_USERNAME);
	h->realm = vh_cfg_str(CFG_PROXMOX_REALM);
	h->secret = vh_cfg_str(CFG_PROXMOX_PASSWORD);
	h->location = vh_cfg_str(CFG_PROXMOX_LOCATION);
	if (vh_cfg_is_set(CFG_PROXMOX_TLS_FINGERPRINT) &&
	    !vh_norm_fingerprint(pool, vh_cfg_str(CFG_PROXMOX_TLS_FINGERPRINT), &fp))
		h->tls_fingerprint = fp;
	h->from_env = true;
	return true;
}

json_object *vh_host_json(const struct vh_host *h)
{
	json_object *o = json_object_new_object();

	vh_json_add_str(o, "id", h->id);
	vh_json_add_str(o, "api_url", h->api_url);
	vh_json_add_str(o, "auth", h->auth);
	vh_json_add_str(o, "username", h->username);
	vh_json_add_str(o, "realm", h->realm);
	vh_json_add_str(o, "token_id", h->token_id);
	/* Never the secret itself: only that there is one. */
	json_object_object_add(o, "has_secret",
			       json_object_new_boolean(h->from_env ? (h->secret && *h->secret)
								  : (h->secret_sealed != NULL)));
	vh_json_add_str(o, "node", h->node);
	vh_json_add_str(o, "location", h->location);
	vh_json_add_str(o, "tls_fingerprint", h->tls_fingerprint);
	vh_json_add_str(o, "ca_cert", h->ca_cert);
	vh_json_add_str(o, "source", h->from_env ? "environment" : "database");
	vh_json_add_str(o, "created_at", h->created_at);
	vh_json_add_str(o, "updated_at", h->updated_at);
	return o;
}

static const char *context(struct vh_pool *pool, const char *id)
{
	return vh_psprintf(pool, "proxmox_hosts:%s", id);
}

static enum vh_status fetch(struct vh_db *db, struct vh_pool *pool, const char *id,
			    struct vh_host *h, struct vh_err *err)
{
	struct vh_rows r;
	struct vh_param p[1] = {VH_PSTR(id)};
	enum vh_status st = vh_db_exec(db, pool, sql_get, p, 1, VH_DB_IDEMPOTENT, &r, err);

	if (st != VH_OK)
		return st;
	if (r.nrows == 1) {
		row_to_host(&r, 0, h);
		return VH_OK;
	}
	if (strcmp(id, "default") == 0) {
		st = vh_db_exec(db, pool, sql_count, NULL, 0, VH_DB_IDEMPOTENT, &r, err);
		if (st != VH_OK)
			return st;
		if (atoll(vh_rows_get(&r, 0, 0)) == 0 && env_host(pool, h))
			return VH_OK;
	}
	return vh_fail(err, VH_NOTFOUND, "host_not_found", "no such Proxmox host");
}

enum vh_status vh_hosts_locations(struct vh_db *db, struct vh_pool *pool, json_object *out_array,
				  struct vh_err *err)
{
	struct vh_rows r;
	struct vh_host h;
	enum vh_status st = vh_db_exec(db, pool, sql_locations, NULL, 0, VH_DB_IDEMPOTENT, &r, err);
	size_t i;

	if (st != VH_OK)
		return st;
	for (i = 0; i < r.nrows; i++)
		json_object_array_add(out_array, json_object_new_string(vh_rows_get(&r, i, 0)));
	if (r.nrows == 0 && env_host(pool, &h))
		json_object_array_add(out_array, json_object_new_string(h.location));
	return VH_OK;
}

enum vh_status vh_hosts_in_location(struct vh_db *db, struct vh_pool *pool, const char *location,
				    const char ***ids, size_t *n, struct vh_err *err)
{
	struct vh_param p[1] = {VH_PSTR(location)};
	struct vh_rows r;
	struct vh_host h;
	enum vh_status st = vh_db_exec(db, pool, sql_in_location, p, 1, VH_DB_IDEMPOTENT, &r, err);
	size_t i;

	if (st != VH_OK)
		return st;
	*ids = vh_palloc(pool, (r.nrows + 1) * sizeof(**ids));
	for (i = 0; i < r.nrows; i++)
		(*ids)[i] = vh_rows_get(&r, i, 0);
	*n = r.nrows;
	if (*n == 0) {
		st = vh_db_exec(db, pool, sql_count, NULL, 0, VH_DB_IDEMPOTENT, &r, err);
		if (st != VH_OK)
			return st;
		if (atoll(vh_rows_get(&r, 0, 0)) == 0 && env_host(pool, &h) &&
		    strcmp(h.location, location) == 0)
			(*ids)[(*n)++] = "default";
	}
	return VH_OK;
}

void vh_host_pve_config(struct vh_pool *pool, const struct vh_host *h, struct vh_pve_config *c)
{
	memset(c, 0, sizeof(*c));
	c->api_url = h->api_url;
	if (!strcmp(h->auth, "token")) {
		c->token = vh_psprintf(pool, "%s=%s", h->token_id, h->secret);
	} else {
		c->username = vh_psprintf(pool, "%s@%s", h->username, h->realm ? h->realm : "pam");
		c->password = h->secret;
	}
	c->fingerprint = h->tls_fingerprint;
	c->ca_pem = h->ca_cert;
}

enum vh_status vh_host_load(struct vh_db *db, struct vh_pool *pool, const char *id,
			    struct vh_host *out, struct vh_err *err)
{
	enum vh_status st = fetch(db, pool, id, out, err);

	if (st != VH_OK || out->from_env)
		return st;
	return vh_secret_open(pool, out->secret_sealed, context(pool, out->id), &out->secret, err);
}

enum vh_status vh_hosts_rotate_secrets(struct vh_db *db, struct vh_pool *pool, int *count,
				       struct vh_err *err)
{
	struct vh_rows r;
	enum vh_status st;
	size_t i;

	*count = 0;
	st = vh_db_begin(db, err);
	if (st != VH_OK)
		return st;
	st = vh_db_exec(db, pool, sql_all_secrets, NULL, 0, 0, &r, err);
	for (i = 0; st == VH_OK && i < r.nrows; i++) {
		const char *id = vh_rows_get(&r, i, 0), *sealed = vh_rows_get(&r, i, 1), *plain, *fresh;
		struct vh_param p[2];

		if (!vh_secret_is_stale(sealed))
			continue;
		st = vh_secret_open(pool, sealed, context(pool, id), &plain, err);
		if (st == VH_OK)
			st = vh_secret_seal(pool, plain, context(pool, id), &fresh, err);
		if (st != VH_OK)
			break;
		p[0] = VH_PSTR(fresh);
		p[1] = VH_PSTR(id);
		st = vh_db_exec(db, pool, sql_set_secret, p, 2, 0, NULL, err);
		(*count)++;
	}
	if (st != VH_OK) {
		vh_db_rollback(db);
		*count = 0;
		return st;
	}
	return vh_db_commit(db, err);
}

/* Work out the auth kind and the secret to store from the merged fields;
 * password and token fields never mix. */
static enum vh_status settle_auth(struct vh_req *req, struct host_input *in,
				  const struct vh_host *old, const char **auth,
				  const char **secret, struct vh_err *err)
{
	bool pw = in->username || in->password || in->realm;
	bool tok = in->token_id || in->token_secret;

	*secret = NULL;
	if (pw && tok) {
		vh_err_field(err, "token_id", "give either username/password/realm or token_id/token_secret, not both");
		return vh_err_fields_done(err);
	}
	if (!pw && !tok && old) {
		*auth = old->auth;
		return VH_OK;   /* unchanged: keep the stored secret */
	}
	if (pw || (!tok && !old)) {
		*auth = "password";
		if (!in->username && !(old && !strcmp(old->auth, "password") && (in->username = old->username)))
			vh_err_field(err, "username", "field required for password authentication");
		if (!in->realm)
			in->realm = old && old->realm ? old->realm : "pam";
		if (in->password)
			*secret = in->password;
		else if (!(old && !strcmp(old->auth, "password")))
			vh_err_field(err, "password", "field required for password authentication");
		in->token_id = NULL;
	} else {
		*auth = "token";
		if (!in->token_id && !(old && !strcmp(old->auth, "token") && (in->token_id = old->token_id)))
			vh_err_field(err, "token_id", "field required for token authentication");
		if (in->token_secret)
			*secret = in->token_secret;
		else if (!(old && !strcmp(old->auth, "token")))
			vh_err_field(err, "token_secret", "field required for token authentication");
		in->username = NULL;
		in->realm = NULL;
	}
	(void)req;
	return vh_err_fields_done(err);
}

static enum vh_status write_host(struct vh_req *req, const char *sql, struct host_input *in,
				 const char *auth, const char *sealed, struct vh_err *err)
{
	struct vh_param p[11];
	size_t n = 0;
	enum vh_status st;

	if (sql == sql_insert)
		p[n++] = VH_PSTR(in->id);
	p[n++] = VH_PSTR(in->api_url);
	p[n++] = VH_PSTR(auth);
	p[n++] = VH_PSTR(in->username);
	p[n++] = VH_PSTR(in->realm);
	p[n++] = VH_PSTR(in->token_id);
	p[n++] = VH_PSTR(sealed);
	p[n++] = VH_PSTR(in->node);
	p[n++] = VH_PSTR(in->location);
	p[n++] = VH_PSTR(in->tls_fingerprint);
	p[n++] = VH_PSTR(in->ca_cert);
	if (sql == sql_update)
		p[n++] = VH_PSTR(in->id);
	st = vh_db_exec(VH_APP(req)->db, req->pool, sql, p, n, 0, NULL, err);
	if (st == VH_CONFLICT && strcmp(err->code, "duplicate") == 0)
		return vh_fail(err, VH_CONFLICT, "host_exists", "a Proxmox host with this id already exists");
	return st;
}

static enum vh_status respond(struct vh_req *req, const char *id, int status, struct vh_err *err)
{
	struct vh_host h;
	enum vh_status st = fetch(VH_APP(req)->db, req->pool, id, &h, err);

	if (st != VH_OK)
		return st;
	vh_resp_json(req, status, vh_json_own(req->pool, vh_host_json(&h)));
	return VH_OK;
}

enum vh_status api_hosts_create(struct vh_req *req, struct vh_err *err)
{
	struct host_input in = {0};
	const char *auth, *secret, *sealed;
	json_object *body;
	enum vh_status st;

	if ((st = vh_req_json(req, &body, err)) != VH_OK ||
	    (st = vh_validate(req->pool, body, host_fields, &in, err)) != VH_OK)
		return st;
	if (in.tls_fingerprint && in.ca_cert) {
		vh_err_field(err, "ca_cert", "give tls_fingerprint or ca_cert, not both");
		return vh_err_fields_done(err);
	}
	if ((st = settle_auth(req, &in, NULL, &auth, &secret, err)) != VH_OK)
		return st;
	if ((st = vh_secret_seal(req->pool, secret, context(req->pool, in.id), &sealed, err)) != VH_OK)
		return st;
	if ((st = write_host(req, sql_insert, &in, auth, sealed, err)) != VH_OK)
		return st;
	vh_resp_header(req, "Location", vh_psprintf(req->pool, "/admin/proxmox/hosts/%s", in.id));
	return respond(req, in.id, 201, err);
}

enum vh_status api_hosts_list(struct vh_req *req, struct vh_err *err)
{
	struct vh_rows r;
	json_object *o, *items;
	struct vh_host h;
	enum vh_status st;
	size_t i;

	st = vh_db_exec(VH_APP(req)->db, req->pool, sql_list, NULL, 0, VH_DB_IDEMPOTENT, &r, err);
	if (st != VH_OK)
		return st;
	o = vh_json_own(req->pool, json_object_new_object());
	items = json_object_new_array();
	for (i = 0; i < r.nrows; i++) {
		row_to_host(&r, i, &h);
		json_object_array_add(items, vh_host_json(&h));
	}
	if (r.nrows == 0 && env_host(req->pool, &h))
		json_object_array_add(items, vh_host_json(&h));
	json_object_object_add(o, "items", items);
	vh_resp_json(req, 200, o);
	return VH_OK;
}

enum vh_status api_hosts_get(struct vh_req *req, struct vh_err *err)
{
	return respond(req, vh_req_param(req, "id"), 200, err);
}

/* PUT is a partial update; the id never changes.  Giving password fields
 * or token fields switches the authentication kind (and needs its secret);
 * giving neither keeps the stored secret. */
enum vh_status api_hosts_update(struct vh_req *req, struct vh_err *err)
{
	struct host_input in = {0};
	struct vh_host old;
	const char *auth, *secret, *sealed;
	json_object *body, *v;
	enum vh_status st;

	if ((st = vh_req_json(req, &body, err)) != VH_OK ||
	    (st = vh_validate_partial(req->pool, body, host_fields, &in, err)) != VH_OK)
		return st;
	if (in.id && strcmp(in.id, vh_req_param(req, "id")) != 0) {
		vh_err_field(err, "id", "cannot be changed");
		return vh_err_fields_done(err);
	}
	st = fetch(VH_APP(req)->db, req->pool, vh_req_param(req, "id"), &old, err);
	if (st != VH_OK)
		return st;
	if (old.from_env)
		return vh_fail(err, VH_CONFLICT, "host_from_environment",
			       "host \"default\" comes from the environment; register a host instead");
	in.id = old.id;
	if (!in.api_url)
		in.api_url = old.api_url;
	if (!in.location)
		in.location = old.location;
	/* JSON null clears the optional fields. */
	in.node = in.node ? in.node : (json_object_object_get_ex(body, "node", &v) && !v) ? NULL : old.node;
	if (!in.tls_fingerprint && !in.ca_cert) {
		in.tls_fingerprint = (json_object_object_get_ex(body, "tls_fingerprint", &v) && !v)
					     ? NULL : old.tls_fingerprint;
		in.ca_cert = (json_object_object_get_ex(body, "ca_cert", &v) && !v) ? NULL : old.ca_cert;
	}
	if (in.tls_fingerprint && in.ca_cert) {
		vh_err_field(err, "ca_cert", "give tls_fingerprint or ca_cert, not both");
		return vh_err_fields_done(err);
	}
	if ((st = settle_auth(req, &in, &old, &auth, &secret, err)) != VH_OK)
		return st;
	sealed = old.secret_sealed;
	if (secret && (st = vh_secret_seal(req->pool, secret, context(req->pool, in.id), &sealed, err)) != VH_OK)
		return st;
	if ((st = write_host(req, sql_update, &in, auth, sealed, err)) != VH_OK)
		return st;
	return respond(req, in.id, 200, err);
}

enum vh_status api_hosts_delete(struct vh_req *req, struct vh_err *err)
{
	struct vh_host h;
	struct vh_rows r;
	struct vh_param p[1] = {VH_PSTR(vh_req_param(req, "id"))};
	enum vh_status st = fetch(VH_APP(req)->db, req->pool, vh_req_param(req, "id"), &h, err);

	if (st != VH_OK)
		return st;
	if (h.from_env)
		return vh_fail(err, VH_CONFLICT, "host_from_environment",
			       "host \"default\" comes from the environment and cannot be deleted");
	st = vh_db_exec(VH_APP(req)->db, req->pool, sql_used_by_servers, p, 1, VH_DB_IDEMPOTENT, &r,
			err);
	if (st != VH_OK)
		return st;
	if (r.nrows)
		return vh_fail(err, VH_CONFLICT, "host_in_use", "the host runs servers");
	st = vh_db_exec(VH_APP(req)->db, req->pool, sql_delete, p, 1, 0, NULL, err);
	if (st == VH_CONFLICT && strcmp(err->code, "in_use") == 0)
		return vh_fail(err, VH_CONFLICT, "host_in_use",
			       "the host is used by plans, OS templates or servers");
	if (st != VH_OK)
		return st;
	vh_resp_raw(req, 204, NULL, NULL, NULL, 0);
	return VH_OK;
}

/* POST /admin/proxmox/hosts/{id}/test: log in the way provisioning will and
 * read the version and the nodes.  A failure is a 502 whose code names the
 * kind (pve_auth_failed, pve_tls_failed, pve_unreachable, ...). */
enum vh_status api_hosts_test(struct vh_req *req, struct vh_err *err)
{
	struct vh_host h;
	struct vh_pve_config c;
	struct vh_pve_error pe;
	struct vh_pve *pve;
	json_object *version = NULL, *nodes = NULL, *o, *list;
	enum vh_status st;
	size_t i;

	st = vh_host_load(VH_APP(req)->db, req->pool, vh_req_param(req, "id"), &h, err);
	if (st != VH_OK)
		return st;
	vh_host_pve_config(req->pool, &h, &c);
	c.connect_timeout_ms = 5000;
	c.timeout_ms = 15000;
	pve = vh_pve_new(&c);
	memset(&pe, 0, sizeof(pe));
	st = vh_pve_version(pve, req->pool, &version, &pe, err);
	if (st == VH_OK)
		st = vh_pve_nodes(pve, req->pool, &nodes, &pe, err);
	vh_pve_free(pve);
	if (st != VH_OK) {
		vh_err_clear(err);
		return vh_fail(err, VH_BADGATEWAY, vh_psprintf(req->pool, "pve_%s", vh_pve_kind_name(pe.kind)),
			       "Proxmox host %s: %s", h.id, pe.message);
	}
	o = vh_json_own(req->pool, json_object_new_object());
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	vh_json_add_str(o, "host", h.id);
	vh_json_add_str(o, "version", json_object_get_string(json_object_object_get(version, "version")));
	vh_json_add_str(o, "release", json_object_get_string(json_object_object_get(version, "release")));
	list = json_object_new_array();
	for (i = 0; nodes && i < json_object_array_length(nodes); i++) {
		json_object *n = json_object_array_get_idx(nodes, i), *e = json_object_new_object();

		vh_json_add_str(e, "node", json_object_get_string(json_object_object_get(n, "node")));
		vh_json_add_str(e, "status", json_object_get_string(json_object_object_get(n, "status")));
		json_object_array_add(list, e);
	}
	json_object_object_add(o, "nodes", list);
	vh_resp_json(req, 200, o);
	return VH_OK;
}
