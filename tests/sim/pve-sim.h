/* Shared by the pve-sim files: answers in PVE's envelope, its auth rules,
 * declared parameters, the simulated clock, the cluster file, VMs and
 * tasks. */
#ifndef VH_PVE_SIM_H
#define VH_PVE_SIM_H

#include <stdbool.h>

#include <json-c/json.h>

#include "err.h"
#include "router.h"

struct vh_req;
struct vh_pool;

/* ---- parameters: every PVE route declares what it takes ---------------- */

enum pve_ptype {
	P_STR,
	P_INT,   /* an integer, bounded by min/max when max > min */
	P_BOOL,  /* 0 or 1 only, as PVE's schema has it */
	P_VMID,  /* 100..999999999 */
};

struct pve_param {
	const char *name;   /* "hostpci#": hostpci0..hostpci<max> */
	enum pve_ptype type;
	bool required;
	long min, max;      /* P_INT bounds; for "#" names: the highest index in max */
};

/* A route's arg: its parameter lists (a NULL list is empty) and flags. */
struct pve_spec {
	const struct pve_param *params, *more;
	bool no_auth;       /* POST /access/ticket */
};

/* What the front door established for the handler (req->ctx). */
struct pve_call {
	json_object *args;   /* name -> string, validated */
	const char *user;    /* root@pam, or user@realm!tokenid */
	bool token, root;
};

extern json_object *pve_cluster;

long pve_now(void);
long long pve_now_ms(void);
/* A synchronous call that waits for a lock lets simulated time pass. */
void pve_clock_wait_ms(long long ms);

enum vh_status pve_answer(struct vh_req *req, json_object *data);
enum vh_status pve_answer_total(struct vh_req *req, json_object *data, long total);
/* A PVE error: the reason phrase is msg's first line.  401, 595 and 596
 * have empty bodies. */
enum vh_status pve_fail(struct vh_req *req, int status, const char *msg);
/* 400 Parameter verification failed. with one entry in "errors". */
enum vh_status pve_param_fail(struct vh_req *req, const char *name, const char *msg);
enum vh_status pve_errors_fail(struct vh_req *req, json_object *errors);

/* The declaration of name in list (NULL-terminated), or NULL. */
const struct pve_param *pve_find_param(const struct pve_param *list, const char *name);
const char *pve_arg(struct vh_req *req, const char *name);
long pve_arg_int(struct vh_req *req, const char *name, long dflt);
bool pve_arg_bool(struct vh_req *req, const char *name, bool dflt);
struct pve_call *pve_call_of(struct vh_req *req);

/* Cluster file lookups. */
json_object *pve_node(const char *node);
bool pve_node_known(const char *node);
bool pve_node_online(const char *node);
json_object *pve_storage(const char *node, const char *storage);
json_object *pve_pci_list(const char *node);

/* ---- pve-sim-vm.c: VMs and tasks ------------------------------------------ */

#define PVE_DEFAULT_IP_DELAY_MS 500

struct pve_vm {
	bool used;
	long vmid;
	char node[64];
	bool running, paused, template_;
	char lock[24];
	long long started_ms;   /* simulated clock, when it last started */
	long seq;               /* creation order: the DHCP-like address */
	json_object *config;    /* key -> value as GET /config shows it */
	json_object *pending;   /* key -> new value, for a running VM */
	json_object *pending_del; /* key -> 1 */
	json_object *snapshots; /* name -> {snaptime, description, vmstate, parent?, config} */
	char parent[48];        /* the snapshot "current" descends from */
	json_object *agent_users; /* usernames whose password the agent set */
};

extern const struct vh_route pve_vm_routes[];
void pve_vm_reset(void);
void pve_vm_free_all(void);
void pve_advance(void);
struct pve_vm *pve_vm_find(long vmid);
/* The VM on node, or NULL after answering PVE's "does not exist" 500. */
struct pve_vm *pve_vm_load(struct vh_req *req, long *vmid);
void pve_vm_resources(struct vh_req *req, json_object *arr);
json_object *pve_vm_state(void);
json_object *pve_pci_allocated(void);
long long pve_disk_bytes(const struct pve_vm *v);
long long pve_storage_used(const char *node, const char *storage);
bool pve_agent_enabled(const struct pve_vm *v);
const char *pve_vm_digest(struct vh_pool *pool, const struct pve_vm *v);

/* Tasks. */
enum pve_effect {
	FX_NONE, FX_CREATE, FX_CLONE, FX_START, FX_STOP, FX_REBOOT, FX_PAUSE, FX_RESUME,
	FX_HIBERNATE, FX_DESTROY, FX_CONFIG, FX_RESIZE, FX_TEMPLATE, FX_MIGRATE,
	FX_SNAPSHOT, FX_ROLLBACK, FX_DELSNAPSHOT,
};

struct pve_task {
	char upid[192];
	char node[64], type[24], user[96];
	long id, target;        /* id: the VM in the UPID; target: the VM affected */
	unsigned pid;
	long starttime;
	long long start_ms, end_ms;
	bool done;
	long lock_vmid;         /* holds lock-<lock_vmid>.conf while running (0: none) */
	bool lock_shared;       /* a clone's shared lock on a stopped source */
	char prop_lock[24];     /* the config "lock" it set, dropped when it ends */
	char exitstatus[512];   /* set early: a forced outcome */
	enum pve_effect fx;
	json_object *args;      /* what the effect needs */
	json_object *log;       /* array of lines */
};

/* Start a task.  A forced exitstatus (NULL: decided when it ends) skips
 * the effect.  args is taken over.  NULL only when the table is full. */
struct pve_task *pve_task_start(struct vh_req *req, const char *node, const char *type, long id,
				long target, enum pve_effect fx, const char *exitstatus,
				json_object *args);
/* Answer {"data":"UPID:..."}. */
enum vh_status pve_answer_task(struct vh_req *req, struct pve_task *t);
struct pve_task *pve_task_find(const char *upid);
json_object *pve_tasks_state(void);
enum vh_status pve_sim_durations(struct vh_req *req, struct vh_err *err);
enum vh_status pve_sim_task_fail(struct vh_req *req, struct vh_err *err);
/* The per-VM file lock: VH_OK once free (simulated time passes while
 * waiting), VH_TRANSIENT after timeout_ms (PVE's "got timeout" 500 is
 * answered). */
enum vh_status pve_file_lock(struct vh_req *req, long vmid, long long timeout_ms);
const char *pve_lock_timeout_text(struct vh_pool *pool, long vmid);

/* ---- pve-sim-guest.c: agent, snapshots, task status/log, hardware -------- */

extern const struct vh_route pve_guest_routes[];
void pve_guest_reset(void);
void pve_guest_free(void);
bool pve_agent_answers(const struct pve_vm *v);
enum vh_status pve_sim_agent(struct vh_req *req, struct vh_err *err);
json_object *pve_agent_state(void);
/* Snapshot effects, run when their task ends; NULL or an error text. */
const char *pve_snapshot_apply(struct vh_pool *pool, struct pve_vm *v, struct pve_task *t);

#endif
