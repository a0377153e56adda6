/* IPv4 pools per location (/admin/ip-pools) and address allocation for
 * provisioning.  Addresses are integers in the database so ranges are
 * arithmetic.  An address is unique (it is the primary key of
 * ip_addresses); on release it is quarantined for IP_QUARANTINE_SECONDS so
 * stale DNS or ARP entries never send a new customer's traffic to the old
 * one, and never-used addresses are handed out before quarantined ones. */
#ifndef VH_IPPOOL_H
#define VH_IPPOOL_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

struct vh_db;
struct vh_pool;
struct vh_req;

/* What cloud-init needs for a static ipconfig0. */
struct vh_ip_lease {
	const char *address;    /* "203.0.113.10" */
	int prefix_len;         /* 24 */
	const char *gateway;
	const char *dns;        /* "1.1.1.1,8.8.8.8" or NULL */
	const char *pool_id;
};

/* IPv4 helpers (no database). */
bool vh_ipv4_parse(const char *s, uint32_t *out);
void vh_ipv4_format(uint32_t a, char out[16]);
/* "a.b.c.d/n" with n in 8..30 naming a network address; NULL when good. */
const char *vh_cidr_parse(const char *s, uint32_t *network, int *prefix_len);
static inline uint32_t vh_ipv4_broadcast(uint32_t network, int prefix_len)
{
	return network | (uint32_t)(0xffffffffu >> prefix_len);
}

/* Give server_id an address from a pool of location: VH_OK (the same
 * address again if it already has one), VH_NOTFOUND code "no_ip_pool" when
 * the location has no pool (provision with DHCP), VH_CONFLICT code
 * "ip_pool_exhausted". */
enum vh_status vh_ip_allocate(struct vh_db *db, struct vh_pool *pool, const char *location,
			      const char *server_id, struct vh_ip_lease *out, struct vh_err *err);
/* Quarantine server_id's address (no-op when it has none). */
enum vh_status vh_ip_release(struct vh_db *db, struct vh_pool *pool, const char *server_id,
			     struct vh_err *err);

enum vh_status api_ip_pools_create(struct vh_req *req, struct vh_err *err);
enum vh_status api_ip_pools_list(struct vh_req *req, struct vh_err *err);
enum vh_status api_ip_pools_get(struct vh_req *req, struct vh_err *err);
enum vh_status api_ip_pools_update(struct vh_req *req, struct vh_err *err);
enum vh_status api_ip_pools_delete(struct vh_req *req, struct vh_err *err);

#endif
