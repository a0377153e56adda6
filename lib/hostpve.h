/* Proxmox hosts as PVE clients: the host row (hosts.c) turned into a
 * vh_pve client kept for the life of the process (one TLS connection and
 * one ticket per host), the per-host /cluster/resources view that reads of
 * servers share, and the choice of a node for a new server. */
#ifndef VH_HOSTPVE_H
#define VH_HOSTPVE_H

#include <json-c/json.h>

#include "err.h"
#include "pve.h"

struct vh_db;
struct vh_pool;

/* Short timeouts for reads made while a client waits; long ones for jobs. */
enum vh_host_use { VH_HOST_INTERACTIVE, VH_HOST_JOB };

/* The client for host_id.  Errors: VH_NOTFOUND (no such host), or the
 * host's secret cannot be opened (VH_INTERNAL, logged without the secret). */
enum vh_status vh_host_client(struct vh_db *db, struct vh_pool *pool, const char *host_id,
			      enum vh_host_use use, struct vh_pve **out, struct vh_err *err);

/* The host's VMs as /cluster/resources?type=vm shows them, fetched at most
 * once per cache_s seconds per process (a failure is remembered as long, so
 * an unreachable host costs one timeout per period, not one per request).
 * *vms is owned by pool; *age_ms (may be NULL) is how old the view is. */
enum vh_status vh_host_vms(struct vh_db *db, struct vh_pool *pool, const char *host_id,
			   long cache_s, json_object **vms, long long *age_ms,
			   struct vh_pve_error *perr, struct vh_err *err);
/* Forget cached views (after a change this process made). */
void vh_host_vms_forget(const char *host_id);

/* Pick where a new server goes: host_id/node fixed by the plan when given
 * (node NULL: the host's emptiest online node), else the online node with
 * the most free memory among every host of location.  VH_CONFLICT
 * "no_capacity" when no online node can be listed. */
enum vh_status vh_host_place(struct vh_db *db, struct vh_pool *pool, const char *location,
			     const char *pin_host, const char *pin_node, const char **host_id,
			     const char **node, struct vh_pve_error *perr, struct vh_err *err);

#endif
