#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hostpve.h"
#include "hosts.h"
#include "json.h"
#include "log.h"
#include "pool.h"

enum vh_status vh_host_client(struct vh_db *db, struct vh_pool *pool, const char *host_id,
			      enum vh_host_use use, struct vh_pve **out, struct vh_err *err)
{
	struct vh_pve_config c;
	struct vh_host h;
	enum vh_status st;

	st = vh_host_load(db, pool, host_id, &h, err);
	if (st != VH_OK)
		return st;
	vh_host_pve_config(pool, &h, &c);
	if (use == VH_HOST_INTERACTIVE) {
		/* A client is waiting: better a stale answer than a slow one. */
		c.connect_timeout_ms = 2000;
		c.timeout_ms = 5000;
	} else {
		c.connect_timeout_ms = 5000;
		c.timeout_ms = 30000;
	}
	/* vh_pve_get keys its cache on the whole config, so a changed
	 * password or pin gets a fresh client. */
	*out = vh_pve_get(&c);
	return VH_OK;
}

/* The per-process view of each host's VMs. */
#define VIEWS 32

static struct view {
	char host[64];
	long long at_ms;
	json_object *vms;          /* NULL: the last fetch failed */
	struct vh_pve_error perr;
} views[VIEWS];

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void vh_host_vms_forget(const char *host_id)
{
	size_t i;

	for (i = 0; i < VIEWS; i++)
		if (views[i].host[0] && (!host_id || !strcmp(views[i].host, host_id)))
			views[i].at_ms = 0;
}

enum vh_status vh_host_vms(struct vh_db *db, struct vh_pool *pool, const char *host_id,
			   long cache_s, json_object **vms, long long *age_ms,
			   struct vh_pve_error *perr, struct vh_err *err)
{
	struct view *v = NULL, *oldest = &views[0];
	struct vh_pve *pve;
	json_object *data;
	enum vh_status st;
	long long now = now_ms();
	size_t i;

	for (i = 0; i < VIEWS; i++) {
		if (!strcmp(views[i].host, host_id)) {
			v = &views[i];
			break;
		}
		if (views[i].at_ms < oldest->at_ms)
			oldest = &views[i];
	}
	if (v && v->at_ms && now - v->at_ms < cache_s * 1000) {
		if (!v->vms) {
			*perr = v->perr;
			return vh_fail(err, VH_BADGATEWAY, "pve_unreachable", "Proxmox host %s: %s",
				       host_id, v->perr.message);
		}
		*vms = vh_json_own(pool, json_object_get(v->vms));
		if (age_ms)
			*age_ms = now - v->at_ms;
		return VH_OK;
	}
	if (!v) {
		v = oldest;
		json_object_put(v->vms);
		memset(v, 0, sizeof(*v));
		snprintf(v->host, sizeof(v->host), "%s", host_id);
	}
	memset(perr, 0, sizeof(*perr));
	st = vh_host_client(db, pool, host_id, VH_HOST_INTERACTIVE, &pve, err);
	if (st != VH_OK)
		return st;
	st = vh_pve_resources(pve, pool, "vm", &data, perr, err);
	json_object_put(v->vms);
	v->vms = NULL;
	v->at_ms = now;
	if (st != VH_OK) {
		v->perr = *perr;
		return st;
	}
	/* data belongs to pool; the cache keeps its own reference. */
	v->vms = json_object_get(data);
	*vms = data;
	if (age_ms)
		*age_ms = 0;
	return VH_OK;
}

/* The node with the most free memory among a host's online nodes. */
static enum vh_status emptiest_node(struct vh_db *db, struct vh_pool *pool, const char *host_id,
				    const char *only, const char **node, long long *free_mem,
				    struct vh_pve_error *perr, struct vh_err *err)
{
	struct vh_pve *pve;
	json_object *nodes;
	enum vh_status st;
	size_t i;

	*node = NULL;
	*free_mem = -1;
	st = vh_host_client(db, pool, host_id, VH_HOST_JOB, &pve, err);
	if (st != VH_OK)
		return st;
	st = vh_pve_nodes(pve, pool, &nodes, perr, err);
	if (st != VH_OK)
		return st;
	for (i = 0; i < json_object_array_length(nodes); i++) {
		json_object *n = json_object_array_get_idx(nodes, i), *v;
		const char *name, *status;
		long long maxmem, mem;

		name = json_object_object_get_ex(n, "node", &v) ? json_object_get_string(v) : NULL;
		status = json_object_object_get_ex(n, "status", &v) ? json_object_get_string(v) : NULL;
		if (!name || !status || strcmp(status, "online"))
			continue;
		if (only && strcmp(only, name))
			continue;
		maxmem = json_object_object_get_ex(n, "maxmem", &v) ? json_object_get_int64(v) : 0;
		mem = json_object_object_get_ex(n, "mem", &v) ? json_object_get_int64(v) : 0;
		if (maxmem - mem > *free_mem) {
			*free_mem = maxmem - mem;
			*node = vh_pstrdup(pool, name);
		}
	}
	return VH_OK;
}

enum vh_status vh_host_place(struct vh_db *db, struct vh_pool *pool, const char *location,
			     const char *pin_host, const char *pin_node, const char **host_id,
			     const char **node, struct vh_pve_error *perr, struct vh_err *err)
{
	const char **ids, *best_node = NULL, *best_host = NULL, *n;
	long long best = -1, free_mem;
	enum vh_status st, last = VH_OK;
	size_t count, i;

	if (pin_host) {
		ids = &pin_host;
		count = 1;
	} else {
		st = vh_hosts_in_location(db, pool, location, &ids, &count, err);
		if (st != VH_OK)
			return st;
	}
	for (i = 0; i < count; i++) {
		st = emptiest_node(db, pool, ids[i], pin_host ? pin_node : NULL, &n, &free_mem, perr, err);
		if (st != VH_OK) {
			/* One host down must not stop orders going to another. */
			vh_log(VH_LOG_WARN, "placement: host %s skipped: %s", ids[i], err->detail);
			last = st;
			continue;
		}
		if (n && free_mem > best) {
			best = free_mem;
			best_node = n;
			best_host = ids[i];
		}
	}
	if (!best_node) {
		if (last != VH_OK && count == 1)
			return last;
		vh_err_clear(err);
		return vh_fail(err, VH_CONFLICT, "no_capacity",
			       "no online Proxmox node is available in location %s", location);
	}
	*host_id = best_host;
	*node = best_node;
	return VH_OK;
}
