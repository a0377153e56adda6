/* Secrets at rest (Proxmox passwords and API token secrets): AES-256-GCM
 * under VIBEHOST_SECRET_KEY.  The stored form names the key that sealed it,
 *   v1:<key id>:<base64(nonce[12] | ciphertext | tag[16])>
 * so the key can be rotated: older keys listed in VIBEHOST_SECRET_KEY_OLD
 * still open old values, and `vibehost-migrate --rotate-secrets` reseals
 * everything under the current key.  Every value is bound to its place
 * (e.g. "proxmox_hosts:<id>") as additional authenticated data, so a
 * ciphertext copied onto another row does not decrypt. */
#ifndef VH_SECRET_H
#define VH_SECRET_H

#include <stdbool.h>

#include "err.h"

struct vh_pool;

/* Keys: 64 hex digits or base64 of 32 bytes.  old may be NULL or a
 * comma-separated list. */
enum vh_status vh_secret_init(const char *key, const char *old, struct vh_err *err);
void vh_secret_reset(void);

enum vh_status vh_secret_seal(struct vh_pool *pool, const char *plain, const char *context,
			      const char **out, struct vh_err *err);
enum vh_status vh_secret_open(struct vh_pool *pool, const char *sealed, const char *context,
			      const char **out, struct vh_err *err);
/* Whether sealed was made under a key other than the current one. */
bool vh_secret_is_stale(const char *sealed);
/* The current key's id (8 hex digits). */
const char *vh_secret_key_id(void);

#endif
