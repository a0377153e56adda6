/* The catalog resources described as tables for the generic handlers of
 * resource.c: plans (plans.c) and upgrade bundles (upgrades.c). */
#ifndef VH_CATALOG_H
#define VH_CATALOG_H

#include "resource.h"

extern const struct vh_resource vh_plans_resource;
extern const struct vh_resource vh_upgrades_resource;

/* Shared normalisers. */
const char *vh_norm_currency(struct vh_pool *pool, const char *in, const char **out);
const char *vh_norm_node(struct vh_pool *pool, const char *in, const char **out);

#endif
