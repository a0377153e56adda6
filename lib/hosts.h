/* Proxmox hosts: where servers run and how to reach them.  Passwords and
 * API token secrets are sealed with secret.c before they reach the database
 * and are never returned; GET shows only which kind of secret a host has.
 * When no host is registered, PROXMOX_HOST/PROXMOX_USERNAME/
 * PROXMOX_PASSWORD/PROXMOX_REALM from the environment act as a host named
 * "default" (how the original backend was configured). */
#ifndef VH_HOSTS_H
#define VH_HOSTS_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "err.h"

struct vh_db;
struct vh_pool;
struct vh_req;

struct vh_host {
	const char *id;
	const char *api_url;        /* https://host:8006 (no /api2/json) */
	const char *auth;           /* "password" or "token" */
	const char *username;       /* password auth: user without @realm */
	const char *realm;
	const char *token_id;       /* token auth: USER@REALM!NAME */
	const char *secret;         /* opened: only from vh_host_load(); never logged */
	const char *secret_sealed;
	const char *node;
	const char *location;
	const char *tls_fingerprint;  /* AA:BB:..., or NULL */
	const char *ca_cert;          /* PEM, or NULL */
	const char *created_at, *updated_at;
	bool from_env;
};

/* A host with its secret opened, for talking to Proxmox. */
enum vh_status vh_host_load(struct vh_db *db, struct vh_pool *pool, const char *id,
			    struct vh_host *out, struct vh_err *err);
/* The ids of the hosts of a location (the environment's "default" host
 * when no host is registered and its location matches). */
enum vh_status vh_hosts_in_location(struct vh_db *db, struct vh_pool *pool, const char *location,
				    const char ***ids, size_t *n, struct vh_err *err);
struct vh_pve_config;
/* The client settings for a loaded host (timeouts left at 0: defaults). */
void vh_host_pve_config(struct vh_pool *pool, const struct vh_host *h, struct vh_pve_config *c);
/* Reseal every stored secret under the current key (vibehost-migrate
 * --rotate-secrets); *count is how many were resealed. */
enum vh_status vh_hosts_rotate_secrets(struct vh_db *db, struct vh_pool *pool, int *count,
				       struct vh_err *err);
/* Normalise a SHA-256 fingerprint ("aabb..", "AA:BB:..") to AA:BB:...; NULL
 * when good. */
const char *vh_norm_fingerprint(struct vh_pool *pool, const char *in, const char **out);

json_object *vh_host_json(const struct vh_host *h);

enum vh_status api_hosts_create(struct vh_req *req, struct vh_err *err);
enum vh_status api_hosts_list(struct vh_req *req, struct vh_err *err);
enum vh_status api_hosts_get(struct vh_req *req, struct vh_err *err);
enum vh_status api_hosts_update(struct vh_req *req, struct vh_err *err);
enum vh_status api_hosts_delete(struct vh_req *req, struct vh_err *err);
enum vh_status api_hosts_test(struct vh_req *req, struct vh_err *err);

#endif
