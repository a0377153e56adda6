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
	VH_PVE_LOCKED,       /* "VM is locked (...)", "can't lock file ... got timeout" */
	VH_PVE_EXISTS,       /* "already exists" */
	VH_PVE_NOT_RUNNING,  /* "VM 100 not running" */
	VH_PVE_RUNNING,      /* "already running", "is running - destroy failed" */
	VH_PVE_TASK_FAILED,  /* a task ended with an error exitstatus */
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

/* ---- VMs and tasks ---- */

/* The lowest free vmid (PVE answers a string). */
enum vh_status vh_pve_nextid(struct vh_pve *pve, struct vh_pool *pool, long *vmid,
			     struct vh_pve_error *perr, struct vh_err *err);
/* Clone src to newid (full or linked); *upid is the task. */
enum vh_status vh_pve_clone(struct vh_pve *pve, struct vh_pool *pool, const char *node, long src,
			    long newid, const char *name, int full, const char **upid,
			    struct vh_pve_error *perr, struct vh_err *err);
/* status/current: the object (status, qmpstatus, lock, ...). */
enum vh_status vh_pve_vm_status(struct vh_pve *pve, struct vh_pool *pool, const char *node, long vmid,
				json_object **out, struct vh_pve_error *perr, struct vh_err *err);
/* start, stop, shutdown, reboot, reset, suspend, resume → *upid. */
enum vh_status vh_pve_vm_action(struct vh_pve *pve, struct vh_pool *pool, const char *node, long vmid,
				const char *action, const char **upid, struct vh_pve_error *perr,
				struct vh_err *err);
/* config: form as built with vh_pve_form_add; async returns a UPID in
 * *upid, sync leaves it NULL. */
enum vh_status vh_pve_config_set(struct vh_pve *pve, struct vh_pool *pool, const char *node, long vmid,
				 const char *form, int async, const char **upid,
				 struct vh_pve_error *perr, struct vh_err *err);
enum vh_status vh_pve_config_get(struct vh_pve *pve, struct vh_pool *pool, const char *node, long vmid,
				 json_object **out, struct vh_pve_error *perr, struct vh_err *err);
/* DELETE with purge=1. */
enum vh_status vh_pve_destroy(struct vh_pve *pve, struct vh_pool *pool, const char *node, long vmid,
			      const char **upid, struct vh_pve_error *perr, struct vh_err *err);
/* Poll a task with back-off (100 ms doubling to 2 s) until it stops or
 * deadline_ms passes (VH_PVE_TIMEOUT).  OK and "WARNINGS: n" succeed; any
 * other exitstatus is VH_PVE_TASK_FAILED with the text in perr->message. */
enum vh_status vh_pve_task_wait(struct vh_pve *pve, struct vh_pool *pool, const char *upid,
				long deadline_ms, struct vh_pve_error *perr, struct vh_err *err);
/* The node named in a UPID ("UPID:<node>:..."), or NULL when malformed. */
const char *vh_pve_upid_node(struct vh_pool *pool, const char *upid);

/* Encoding helpers (unit-tested). */
void vh_pve_form_add(struct vh_pool *pool, const char **form, const char *key, const char *value);
const char *vh_pve_kind_name(enum vh_pve_kind kind);

#endif
