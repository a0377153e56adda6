/* The catalog resources described as tables for the generic handlers of
 * resource.c: plans (plans.c) and upgrade bundles (upgrades.c). */
#ifndef VH_CATALOG_H
#define VH_CATALOG_H

#include "resource.h"

extern const struct vh_resource vh_plans_resource;
extern const struct vh_resource vh_upgrades_resource;

struct vh_db;
struct vh_rows;

/* Plans that can be ordered (not retired), rows as vh_plans_resource. */
enum vh_status vh_plans_for_sale(struct vh_db *db, struct vh_pool *pool, struct vh_rows *out,
				 struct vh_err *err);
/* Locations with at least one Proxmox host (or the environment's host). */
enum vh_status vh_hosts_locations(struct vh_db *db, struct vh_pool *pool, json_object *out_array,
				  struct vh_err *err);

/* Shared normalisers. */
const char *vh_norm_currency(struct vh_pool *pool, const char *in, const char **out);
const char *vh_norm_node(struct vh_pool *pool, const char *in, const char **out);

#endif
