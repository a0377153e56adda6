/* The Proxmox VE API client: the only code that talks to PVE
 * (research/pve-api.md is its reference).
 *
 * One client per host and process, reusing one libcurl handle so the TLS
 * connection stays open (keep-alive); vh_pve_get() keeps them for the life of
 * the process.  A client is not thread-safe: one process, one caller at a time.
 *
 * Auth: password hosts log in for a ticket, cached and renewed by a fresh
 * login before its 2 h lifetime ends, or once after a 401 (then the call is
 * retried once); writes with a ticket carry the CSRFPreventionToken header.
 * Token hosts send "Authorization: PVEAPIToken=USER@REALM!ID=SECRET" and no
 * CSRF.
 *
 * TLS is always verified, and a setting that cannot be honoured fails the
 * call rather than weakening it:
 *   - fingerprint: the server's leaf certificate must hash (SHA-256, over
 *     the DER certificate, as PVE shows it in the GUI and in GET /nodes) to
 *     the pin; chain and host name are then not consulted, because PVE's
 *     default certificate is signed by a per-cluster self-signed CA.  This
 *     pins the certificate, not its key (CURLOPT_PINNEDPUBLICKEY would pin
 *     the key: a different thing from what PVE shows), so it is done with
 *     an OpenSSL verify callback installed through CURLOPT_SSL_CTX_FUNCTION.
 *     A malformed pin is an error, never "no pin".
 *   - ca_file / ca_pem: the chain must lead to that CA, host name checked.
 *   - neither: the system store, host name checked.
 *
 * Every call returns an enum vh_status (err.h) for callers that only need
 * "retry or give up", and fills a struct vh_pve_error with the typed kind and
 * PVE's own words for logs and events.  Messages never carry the password,
 * ticket, CSRF token, token secret or a password sent as a parameter. */
#ifndef VH_PVE_H
#define VH_PVE_H

#include <stdbool.h>

#include <json-c/json.h>

#include "err.h"

struct vh_pool;
struct vh_pve;

struct vh_pve_config {
	const char *api_url;        /* https://host:8006 */
	const char *username;       /* "root@pam" (password auth) */
	const char *password;
	const char *token;          /* "USER@REALM!ID=SECRET" (token auth) */
	const char *fingerprint;    /* "AA:BB:..." SHA-256 of the certificate, or NULL */
	const char *ca_file;        /* PEM file, or NULL */
	const char *ca_pem;         /* PEM text, or NULL */
	long connect_timeout_ms;    /* default 5000 */
	long timeout_ms;            /* whole request; default 30000 */
	long ticket_renew_s;        /* log in again after this; default 6600 (1 h 50) */
};

/* What went wrong, for callers that act on it (retry, roll back, tell). */
enum vh_pve_kind {
	VH_PVE_OK,
	VH_PVE_AUTH,         /* 401: wrong credentials or token */
	VH_PVE_TLS,          /* certificate refused (CA or pin), or TLS unusable */
	VH_PVE_UNREACHABLE,  /* connect failed; 595/596: PVE could not reach the node */
	VH_PVE_TIMEOUT,      /* no answer within timeout_ms, or a task past its deadline */
	VH_PVE_NOTFOUND,     /* "does not exist", no such task, unknown path */
	VH_PVE_BADPARAM,     /* 400 with a per-parameter map (params[]) */
	VH_PVE_PERMISSION,   /* 403 */
	VH_PVE_TRANSIENT,    /* other 5xx */
	VH_PVE_PROTOCOL,     /* an answer that is not PVE's envelope, or a bad UPID */
	VH_PVE_LOCKED,       /* "VM is locked (clone)" */
	VH_PVE_EXISTS,       /* "already exists", snapshot name "already used" */
	VH_PVE_NOT_RUNNING,  /* "VM 100 not running" */
	VH_PVE_RUNNING,      /* "already running", "is running - destroy failed" */
	VH_PVE_TASK_FAILED,  /* a task ended with an error exitstatus (see cause) */
	VH_PVE_LOCK_TIMEOUT, /* "can't lock file '...' - got timeout" */
	VH_PVE_NO_AGENT,     /* guest agent not configured / not running / not answering */
	VH_PVE_CONFIG,       /* this client's settings are unusable (no credentials, bad pin) */
	VH_PVE_KIND__MAX
};

#define VH_PVE_PARAMS_MAX 8

struct vh_pve_param_error {
	char name[48];
	char message[160];
};

struct vh_pve_error {
	enum vh_pve_kind kind;
	/* For VH_PVE_TASK_FAILED, what the exit text says (LOCK_TIMEOUT,
	 * RUNNING, NOT_RUNNING, ...), else TASK_FAILED; otherwise == kind.
	 * PVE checks most things twice, synchronously and again in the task. */
	enum vh_pve_kind cause;
	long http_status;          /* 0 when no HTTP answer came */
	char message[512];         /* PVE's text (first line); never a secret */
	int nparams;               /* 400: the "errors" map */
	struct vh_pve_param_error params[VH_PVE_PARAMS_MAX];
	char log_tail[1024];       /* a failed task: the last lines of its log */
};

/* ---- clients --------------------------------------------------------------- */

/* A new client; the strings are copied.  Never NULL (aborts on OOM).  An
 * unusable config (no URL, no credentials, a malformed fingerprint) makes
 * every call fail with VH_PVE_CONFIG or VH_PVE_TLS. */
struct vh_pve *vh_pve_new(const struct vh_pve_config *cfg);
void vh_pve_free(struct vh_pve *pve);
/* The process's client for this exact config, made on first use and kept
 * (with its ticket and connection) for later calls.  Do not free it; the
 * pointer stays valid until vh_pve_cache_clear() or until more than 32
 * different configs have been used since (least recently used goes). */
struct vh_pve *vh_pve_get(const struct vh_pve_config *cfg);
void vh_pve_cache_clear(void);
/* In a child after fork(): start with no clients, leaving the parent's alone. */
void vh_pve_cache_forget(void);
/* New TCP connections this client has opened (keep-alive check). */
long vh_pve_connections(const struct vh_pve *pve);

/* One call: method GET/POST/PUT/DELETE, path under /api2/json ("/version"),
 * form the url-encoded parameters (query for GET/DELETE, body otherwise) or
 * NULL.  *data is the "data" member (owned by pool; NULL for null). */
enum vh_status vh_pve_call(struct vh_pve *pve, struct vh_pool *pool, const char *method,
			   const char *path, const char *form, json_object **data,
			   struct vh_pve_error *perr, struct vh_err *err);

/* ---- encoding (no network) ------------------------------------------------------ */

/* Append key=value to *form (pool string), percent-encoding both: only
 * A-Z a-z 0-9 - _ . ~ stay as they are, a space becomes %20. */
void vh_pve_form_add(struct vh_pool *pool, const char **form, const char *key, const char *value);
void vh_pve_form_int(struct vh_pool *pool, const char **form, const char *key, long long value);
/* PVE takes only 1 and 0 for booleans ("true" is a 400). */
void vh_pve_form_bool(struct vh_pool *pool, const char **form, const char *key, bool value);
/* sshkeys: the value is itself percent-encoded (%20, never +), then
 * form-encoded again, as qemu-server demands. */
void vh_pve_form_sshkeys(struct vh_pool *pool, const char **form, const char *keys);
/* The inner encoding alone (the value PVE stores and shows in config). */
const char *vh_pve_sshkeys_encode(struct vh_pool *pool, const char *keys);

/* "AA:BB:..", "aa:bb..", "AABB.." or with spaces → 32 bytes; -1 unless it
 * is exactly 32 bytes of hex. */
int vh_pve_fingerprint_parse(const char *text, unsigned char out[32]);
/* The canonical form PVE shows: uppercase hex pairs joined by ':' (95
 * characters and a NUL). */
void vh_pve_fingerprint_format(const unsigned char fp[32], char out[96]);

/* ---- errors -------------------------------------------------------------------- */

/* The kind of an HTTP answer from its status and text (the reason phrase or
 * message, with the 400 parameter messages appended). */
enum vh_pve_kind vh_pve_classify(long http_status, const char *text);
/* The kind of a task's error exitstatus (TASK_FAILED when nothing more
 * specific is recognised). */
enum vh_pve_kind vh_pve_classify_task(const char *exitstatus);
/* "auth_failed", "locked", ... (stable; used in error codes "pve_<name>"). */
const char *vh_pve_kind_name(enum vh_pve_kind kind);
/* The project status for a kind: NOTFOUND, CONFLICT (exists, running, not
 * running), INVALID (bad parameter), TRANSIENT (locked, lock timeout, agent,
 * unreachable, timeout, 5xx), BADGATEWAY (auth, TLS, permission, protocol,
 * task failed, config). */
enum vh_status vh_pve_kind_status(enum vh_pve_kind kind);
/* Fill err from perr (code "pve_<kind>", detail "Proxmox: <message>", the
 * parameter map as field errors) and return the status. */
enum vh_status vh_pve_error_status(const struct vh_pve_error *perr, struct vh_err *err);

/* ---- tasks --------------------------------------------------------------------- */

/* UPID:<node>:<pid 8 hex>:<pstart 8-9 hex>:<starttime 8 hex>:<type>:<id>:<user>: */
struct vh_pve_upid {
	char node[64];
	unsigned long pid, pstart, starttime;
	char type[64];
	char id[64];
	char user[128];
};

/* 0, or -1 when upid is not exactly PVE's format. */
int vh_pve_upid_parse(const char *upid, struct vh_pve_upid *out);
/* The node named in a UPID, or NULL when malformed. */
const char *vh_pve_upid_node(struct vh_pool *pool, const char *upid);

enum vh_pve_task_state {
	VH_PVE_TASK_RUNNING,
	VH_PVE_TASK_OK,
	VH_PVE_TASK_WARNINGS,
	VH_PVE_TASK_ERROR,
};

struct vh_pve_task {
	enum vh_pve_task_state state;
	const char *exitstatus;    /* "OK", "WARNINGS: 2", the error; NULL while running */
	int warnings;              /* n of "WARNINGS: n" */
};

enum vh_status vh_pve_task_status(struct vh_pve *pve, struct vh_pool *pool, const char *upid,
				  struct vh_pve_task *out, struct vh_pve_error *perr,
				  struct vh_err *err);
/* Lines start+1 .. start+limit: *lines is an array of strings (pool),
 * *total the number of lines the log has. */
enum vh_status vh_pve_task_log(struct vh_pve *pve, struct vh_pool *pool, const char *upid,
			       long start, long limit, json_object **lines, long *total,
			       struct vh_pve_error *perr, struct vh_err *err);
/* Poll a task with back-off (100 ms doubling to 2 s) until it stops or
 * deadline_ms passes (VH_PVE_TIMEOUT; the task keeps running).  OK and
 * "WARNINGS: n" succeed (out, if not NULL, says which); any other exitstatus
 * is VH_PVE_TASK_FAILED with the text in perr->message, its cause in
 * perr->cause and the end of the task log in perr->log_tail. */
enum vh_status vh_pve_task_wait(struct vh_pve *pve, struct vh_pool *pool, const char *upid,
				long deadline_ms, struct vh_pve_task *out,
				struct vh_pve_error *perr, struct vh_err *err);

/* ---- cluster and nodes ----------------------------------------------------------- */

enum vh_status vh_pve_version(struct vh_pve *pve, struct vh_pool *pool, json_object **out,
			      struct vh_pve_error *perr, struct vh_err *err);
enum vh_status vh_pve_nodes(struct vh_pve *pve, struct vh_pool *pool, json_object **out,
			    struct vh_pve_error *perr, struct vh_err *err);
enum vh_status vh_pve_node_status(struct vh_pve *pve, struct vh_pool *pool, const char *node,
				  json_object **out, struct vh_pve_error *perr, struct vh_err *err);
/* type: "vm", "node", "storage" or NULL for all. */
enum vh_status vh_pve_resources(struct vh_pve *pve, struct vh_pool *pool, const char *type,
				json_object **out, struct vh_pve_error *perr, struct vh_err *err);
/* The lowest free vmid (PVE answers a string). */
enum vh_status vh_pve_nextid(struct vh_pve *pve, struct vh_pool *pool, long *vmid,
			     struct vh_pve_error *perr, struct vh_err *err);
/* Whether vmid is free: VH_OK, or VH_PVE_EXISTS. */
enum vh_status vh_pve_nextid_check(struct vh_pve *pve, struct vh_pool *pool, long vmid,
				   struct vh_pve_error *perr, struct vh_err *err);
/* content: "images", "iso", ... or NULL for all. */
enum vh_status vh_pve_storage(struct vh_pve *pve, struct vh_pool *pool, const char *node,
			      const char *content, json_object **out, struct vh_pve_error *perr,
			      struct vh_err *err);
enum vh_status vh_pve_pci(struct vh_pve *pve, struct vh_pool *pool, const char *node,
			  json_object **out, struct vh_pve_error *perr, struct vh_err *err);

/* ---- QEMU VMs -------------------------------------------------------------------- */

/* Every call that starts a task returns its UPID in *upid (pool string). */

/* POST /nodes/{node}/qemu: form holds the config keys (name, cores,
 * memory, scsi0, net0, ...); vmid is added here. */
enum vh_status vh_pve_create(struct vh_pve *pve, struct vh_pool *pool, const char *node,
			     long vmid, const char *form, const char **upid,
			     struct vh_pve_error *perr, struct vh_err *err);

struct vh_pve_clone_opts {
	const char *name;       /* NULL: PVE's "Copy-of-VM-..." */
	int full;               /* 1 full, 0 linked, -1 PVE's default (linked for templates) */
	const char *storage;    /* full clones only */
	const char *target;     /* another node */
	const char *pool;
	const char *snapname;
	const char *description;  /* the new VM's notes (vibehost tags its VMs here) */
};
enum vh_status vh_pve_clone(struct vh_pve *pve, struct vh_pool *pool, const char *node, long src,
			    long newid, const struct vh_pve_clone_opts *opts, const char **upid,
			    struct vh_pve_error *perr, struct vh_err *err);

/* The config with pending changes applied (PVE's default view). */
enum vh_status vh_pve_config_get(struct vh_pve *pve, struct vh_pool *pool, const char *node,
				 long vmid, json_object **out, struct vh_pve_error *perr,
				 struct vh_err *err);
/* form as built with vh_pve_form_*: async POSTs and returns a UPID in
 * *upid; sync PUTs and leaves *upid NULL. */
enum vh_status vh_pve_config_set(struct vh_pve *pve, struct vh_pool *pool, const char *node,
				 long vmid, const char *form, int async, const char **upid,
				 struct vh_pve_error *perr, struct vh_err *err);
/* Delete keys ("hostpci0,hostpci1"), synchronously. */
enum vh_status vh_pve_config_delete(struct vh_pve *pve, struct vh_pool *pool, const char *node,
				    long vmid, const char *keys, struct vh_pve_error *perr,
				    struct vh_err *err);
/* [{key, value?, pending?, delete?}] */
enum vh_status vh_pve_pending(struct vh_pve *pve, struct vh_pool *pool, const char *node,
			      long vmid, json_object **out, struct vh_pve_error *perr,
			      struct vh_err *err);
/* size "+10G" or "32G".  *upid is NULL from PVE before qemu-server 8.0,
 * which resized synchronously. */
enum vh_status vh_pve_resize(struct vh_pve *pve, struct vh_pool *pool, const char *node,
			     long vmid, const char *disk, const char *size, const char **upid,
			     struct vh_pve_error *perr, struct vh_err *err);
enum vh_status vh_pve_template(struct vh_pve *pve, struct vh_pool *pool, const char *node,
			       long vmid, const char **upid, struct vh_pve_error *perr,
			       struct vh_err *err);
/* DELETE with purge=1 and destroy-unreferenced-disks=1. */
enum vh_status vh_pve_destroy(struct vh_pve *pve, struct vh_pool *pool, const char *node,
			      long vmid, const char **upid, struct vh_pve_error *perr,
			      struct vh_err *err);
/* status/current: {status, qmpstatus, lock?, ...}. */
enum vh_status vh_pve_vm_status(struct vh_pve *pve, struct vh_pool *pool, const char *node,
				long vmid, json_object **out, struct vh_pve_error *perr,
				struct vh_err *err);
/* start, stop, shutdown, reboot, reset, suspend, resume. */
enum vh_status vh_pve_vm_action(struct vh_pve *pve, struct vh_pool *pool, const char *node,
				long vmid, const char *action, const char **upid,
				struct vh_pve_error *perr, struct vh_err *err);
/* A clean shutdown with a timeout in seconds (0: PVE's 60), and forceStop. */
enum vh_status vh_pve_shutdown(struct vh_pve *pve, struct vh_pool *pool, const char *node,
			       long vmid, long timeout_s, bool force, const char **upid,
			       struct vh_pve_error *perr, struct vh_err *err);
enum vh_status vh_pve_migrate(struct vh_pve *pve, struct vh_pool *pool, const char *node,
			      long vmid, const char *target, bool online, const char **upid,
			      struct vh_pve_error *perr, struct vh_err *err);

/* The guest agent's interfaces ({"result":[...]}). */
enum vh_status vh_pve_agent_interfaces(struct vh_pve *pve, struct vh_pool *pool,
				       const char *node, long vmid, json_object **out,
				       struct vh_pve_error *perr, struct vh_err *err);
/* The first IPv4 and the first global IPv6 address not on a loopback
 * interface (pool strings; NULL when there is none). */
enum vh_status vh_pve_agent_ips(struct vh_pve *pve, struct vh_pool *pool, const char *node,
				long vmid, const char **ipv4, const char **ipv6,
				struct vh_pve_error *perr, struct vh_err *err);
/* The same choice from an agent answer already in hand (unit-tested). */
void vh_pve_pick_ips(json_object *answer, struct vh_pool *pool, const char **ipv4,
		     const char **ipv6);
enum vh_status vh_pve_agent_set_password(struct vh_pve *pve, struct vh_pool *pool,
					 const char *node, long vmid, const char *username,
					 const char *password, struct vh_pve_error *perr,
					 struct vh_err *err);

/* Snapshots, without PVE's trailing "current" entry. */
enum vh_status vh_pve_snapshots(struct vh_pve *pve, struct vh_pool *pool, const char *node,
				long vmid, json_object **out, struct vh_pve_error *perr,
				struct vh_err *err);
enum vh_status vh_pve_snapshot_create(struct vh_pve *pve, struct vh_pool *pool, const char *node,
				      long vmid, const char *name, const char *description,
				      bool vmstate, const char **upid, struct vh_pve_error *perr,
				      struct vh_err *err);
enum vh_status vh_pve_snapshot_rollback(struct vh_pve *pve, struct vh_pool *pool,
					const char *node, long vmid, const char *name,
					const char **upid, struct vh_pve_error *perr,
					struct vh_err *err);
enum vh_status vh_pve_snapshot_delete(struct vh_pve *pve, struct vh_pool *pool, const char *node,
				      long vmid, const char *name, const char **upid,
				      struct vh_pve_error *perr, struct vh_err *err);

#endif
