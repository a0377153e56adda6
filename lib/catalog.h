/* The catalog resources described as tables for the generic handlers of
 * resource.c: plans (plans.c) and upgrade bundles (upgrades.c). */
#ifndef VH_CATALOG_H
#define VH_CATALOG_H

#include <stdbool.h>

#include "resource.h"

extern const struct vh_resource vh_plans_resource;
extern const struct vh_resource vh_upgrades_resource;

struct vh_db;
struct vh_rows;

/* Plans that can be ordered (not retired), rows as vh_plans_resource. */
enum vh_status vh_plans_for_sale(struct vh_db *db, struct vh_pool *pool, struct vh_rows *out,
				 struct vh_err *err);
/* What an order copies from its plan. */
struct vh_plan_order {
	const char *name, *location, *host_id, *node, *disk_storage;
	long vcpu, memory_mb, disk_gb, gpu_count, default_expire_days;
	bool retired;
};
/* VH_NOTFOUND "plan_not_found" when there is no such plan. */
enum vh_status vh_plan_for_order(struct vh_db *db, struct vh_pool *pool, const char *name,
				 struct vh_plan_order *out, struct vh_err *err);

/* Whether OS template name has a template VM on a host of location (or on
 * host_id when given). */
enum vh_status vh_os_template_offered(struct vh_db *db, struct vh_pool *pool, const char *name,
				      const char *location, const char *host_id, bool *offered,
				      struct vh_err *err);

/* Locations with at least one Proxmox host (or the environment's host). */
enum vh_status vh_hosts_locations(struct vh_db *db, struct vh_pool *pool, json_object *out_array,
				  struct vh_err *err);

/* Shared normalisers. */
const char *vh_norm_currency(struct vh_pool *pool, const char *in, const char **out);
const char *vh_norm_node(struct vh_pool *pool, const char *in, const char **out);

#endif
