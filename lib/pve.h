/* The Proxmox VE API client: the only code that talks to PVE.
 *
 * One client per host and process, reusing one libcurl handle
 * (keep-alive).  Password hosts log in for a ticket, cached and renewed
 * before its 2 h lifetime ends or once after a 401; writes with a ticket
 * carry the CSRF header.  Token hosts send PVEAPIToken and no CSRF.  TLS is
 * always verified: against the system store, a CA (file or PEM), or a
 * pinned SHA-256 certificate fingerprint (PVE's self-signed default; the
 * certificate itself is compared, not just its key).
 *
 * XXX: this is the core of issue 3 (auth, TLS, envelope, errors, version,
 * nodes, cluster resources); the VM, task and snapshot calls come with the
 * rest of that issue. */
#ifndef VH_PVE_H
#define VH_PVE_H

#include <json-c/json.h>

#include "err.h"

struct vh_pool;
struct vh_pve;

struct vh_pve_config {
	const char *api_url;        /* https://host:8006 */
	const char *username;       /* "root@pam" (password auth) */
	const char *password;
	const char *token;          /* "USER@REALM!ID=SECRET" (token auth) */
	const char *fingerprint;    /* AA:BB:... SHA-256, or NULL */
	const char *ca_file;        /* PEM file, or NULL */
	const char *ca_pem;         /* PEM text, or NULL */
	long connect_timeout_ms;    /* default 5000 */
	long timeout_ms;            /* default 30000 */
};

/* What went wrong, for callers that act on it (retry, roll back). */
enum vh_pve_kind {
	VH_PVE_OK,
	VH_PVE_AUTH,         /* 401: wrong credentials or token */
	VH_PVE_TLS,          /* certificate refused (CA or pin) */
	VH_PVE_UNREACHABLE,  /* connect failed, 595/596 */
	VH_PVE_TIMEOUT,
	VH_PVE_NOTFOUND,     /* 404/501, "does not exist" */
	VH_PVE_BADPARAM,     /* 400 with a per-parameter map */
	VH_PVE_PERMISSION,   /* 403 */
	VH_PVE_TRANSIENT,    /* other 5xx */
	VH_PVE_PROTOCOL,     /* an answer that is not PVE's envelope */
};

struct vh_pve_error {
	enum vh_pve_kind kind;
	long http_status;
	char message[512];       /* PVE's text (reason phrase / message); never a secret */
};

struct vh_pve *vh_pve_new(const struct vh_pve_config *cfg);
void vh_pve_free(struct vh_pve *pve);

/* One call: method GET/POST/PUT/DELETE, path under /api2/json ("/version"),
 * form the url-encoded parameters (query for GET/DELETE, body otherwise) or
 * NULL.  *data is the "data" member (owned by pool). */
enum vh_status vh_pve_call(struct vh_pve *pve, struct vh_pool *pool, const char *method,
			   const char *path, const char *form, json_object **data,
			   struct vh_pve_error *perr, struct vh_err *err);

enum vh_status vh_pve_version(struct vh_pve *pve, struct vh_pool *pool, json_object **out,
			      struct vh_pve_error *perr, struct vh_err *err);
enum vh_status vh_pve_nodes(struct vh_pve *pve, struct vh_pool *pool, json_object **out,
			    struct vh_pve_error *perr, struct vh_err *err);
/* type: "vm", "node", "storage" or NULL for all. */
enum vh_status vh_pve_resources(struct vh_pve *pve, struct vh_pool *pool, const char *type,
				json_object **out, struct vh_pve_error *perr, struct vh_err *err);

/* Encoding helpers (unit-tested). */
void vh_pve_form_add(struct vh_pool *pool, const char **form, const char *key, const char *value);
const char *vh_pve_kind_name(enum vh_pve_kind kind);

#endif
