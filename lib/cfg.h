/* Configuration is one table (cfg.c): name, type, bounds, default, whether it
 * is secret and which programs require it.  It is read once at start from an
 * optional KEY=value file and then the environment (the environment wins, as
 * systemd's EnvironmentFile= sets it), validated with messages that name the
 * key, and printable with secrets masked.  Named cfg.h because config.h is
 * Autoconf's. */
#ifndef VH_CFG_H
#define VH_CFG_H

#include <stdbool.h>
#include <stdio.h>

#include "err.h"

enum vh_cfg_key {
	CFG_DB_SOCKET,
	CFG_DB_HOST,
	CFG_DB_PORT,
	CFG_DB_NAME,
	CFG_DB_USER,
	CFG_DB_PASSWORD,
	CFG_DB_CONNECT_TIMEOUT,
	CFG_DB_MIGRATE_USER,
	CFG_DB_MIGRATE_PASSWORD,
	CFG_ADMIN_API_KEY,
	CFG_LOG_LEVEL,
	CFG_MAX_BODY_BYTES,
	CFG_SQL_DIR,
	CFG_SECRET_KEY,
	CFG_SECRET_KEY_OLD,
	CFG_JWT_SECRET,
	CFG_JWT_PUBLIC_KEY,
	CFG_JWT_ALG,
	CFG_JWT_ISSUER,
	CFG_JWT_AUDIENCE,
	CFG_JWT_LEEWAY_SECONDS,
	CFG_AUTH_API_URL,
	CFG_AUTH_USER_FIELD,
	CFG_AUTH_CACHE_SECONDS,
	CFG_AUTH_TIMEOUT_MS,
	CFG_AUTH_CA_FILE,
	CFG_PROXMOX_HOST,
	CFG_PROXMOX_USERNAME,
	CFG_PROXMOX_PASSWORD,
	CFG_PROXMOX_REALM,
	CFG_PROXMOX_TLS_FINGERPRINT,
	CFG_PROXMOX_LOCATION,
	CFG_IP_QUARANTINE_SECONDS,
	CFG_PVE_SIM_PASSWORD,
	CFG_PVE_SIM_TOKEN,
	/* SMS through SOLAPI (lib/solapi.c, lib/notify.c) */
	CFG_SOLAPI_BASE_URL,
	CFG_SOLAPI_KEY,
	CFG_SOLAPI_SECRET,
	CFG_SOLAPI_FROM,
	CFG_SOLAPI_CA_FILE,
	CFG_SOLAPI_TIMEOUT,
	CFG_SMS_DRY_RUN,
	CFG_SMS_BATCH_SIZE,
	CFG_SMS_MAX_ATTEMPTS,
	CFG_SMS_RETRY_BASE_SECONDS,
	CFG_SMS_RETRY_MAX_SECONDS,
	CFG_SMS_CLAIM_TIMEOUT,
	CFG_SMS_TEMPLATE_SERVER_READY,
	CFG_SMS_TEMPLATE_EXPIRY_WARNING,
	CFG_SMS_TEMPLATE_EXPIRED_STOPPED,
	CFG_SMS_TEMPLATE_PASSWORD_RESET,
	/* Servers, jobs and the worker */
	CFG_MAX_SERVERS_PER_USER,
	CFG_STATUS_CACHE_SECONDS,
	CFG_JOB_LEASE_SECONDS,
	CFG_JOB_MAX_ATTEMPTS,
	CFG_JOB_RETRY_BASE_MS,
	CFG_JOB_RETRY_MAX_MS,
	CFG_TASK_TIMEOUT_SECONDS,
	CFG_AGENT_WAIT_SECONDS,
	CFG_WORKER_POLL_MS,
	CFG_WORKER_ID,
	CFG_WORKER_DELIVER_SMS,
	CFG_VM_BRIDGE,
	CFG_VM_DEFAULT_STORAGE,
	CFG_VM_NAMESERVER,
	CFG_SHUTDOWN_TIMEOUT_SECONDS,
	/* vibehost-expiry */
	CFG_EXPIRY_WARNING_DAYS,
	CFG_EXPIRY_SHUTDOWN_TIMEOUT,
	CFG_EXPIRY_DELETE_AFTER_DAYS,
	CFG_EXPIRY_JOB_WAIT_SECONDS,
	CFG_EXPIRY_PARALLEL,
	CFG_RECONCILE_DESTROY_ORPHANS,
	CFG_JOB_STUCK_MINUTES,
	CFG__MAX
};

/* Which program is loading: keys carry a mask of the programs that need
 * them, so vibehost-migrate does not demand the admin key. */
enum {
	VH_PROG_API = 1u << 0,
	VH_PROG_MIGRATE = 1u << 1,
	VH_PROG_WORKER = 1u << 2,
	VH_PROG_EXPIRY = 1u << 3,
	VH_PROG_SIM = 1u << 4,
};

/* Load and validate.  file may be NULL (then $VIBEHOST_CONFIG, if set, is
 * read).  On failure err->detail names every bad key, one per line. */
enum vh_status vh_cfg_load(unsigned program, const char *file, struct vh_err *err);
/* Forget everything loaded (tests, and a clean valgrind report). */
void vh_cfg_reset(void);

const char *vh_cfg_str(enum vh_cfg_key key);
long long vh_cfg_int(enum vh_cfg_key key);
bool vh_cfg_bool(enum vh_cfg_key key);
bool vh_cfg_is_set(enum vh_cfg_key key);

/* KEY=value lines with secrets shown as "********" (for --print-config). */
void vh_cfg_dump(FILE *out);
/* The table as help text (for --help). */
void vh_cfg_help(FILE *out, unsigned program);

/* Parse one line of a KEY=value file; exposed for the unit tests.
 * Returns 1 with key/value filled (NUL-terminated in place), 0 for a blank or
 * comment line, -1 for a malformed line. */
int vh_cfg_parse_line(char *line, char **key, char **value);

#endif
