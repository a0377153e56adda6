#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cfg.h"
#include "log.h"
#include "pool.h"

#ifndef VH_SQL_DIR
#define VH_SQL_DIR "/usr/local/share/vibehost/sql"
#endif

enum cfg_type { T_STR, T_INT, T_BOOL, T_LEVEL };

#define SECRET 1u

struct cfg_def {
	const char *name;
	enum cfg_type type;
	const char *def;         /* NULL: no default */
	long long min, max;      /* T_INT: bounds; T_STR: length bounds */
	unsigned flags;
	unsigned required_by;    /* programs for which an empty value is an error */
	const char *help;
};

#define ALL (VH_PROG_API | VH_PROG_MIGRATE | VH_PROG_WORKER | VH_PROG_EXPIRY)

static const struct cfg_def defs[CFG__MAX] = {
	[CFG_DB_SOCKET] = {"DB_SOCKET", T_STR, "", 0, 4096, 0, 0,
			   "MariaDB Unix socket; when set, DB_HOST and DB_PORT are ignored"},
	[CFG_DB_HOST] = {"DB_HOST", T_STR, "localhost", 1, 255, 0, 0, "MariaDB host"},
	[CFG_DB_PORT] = {"DB_PORT", T_INT, "3306", 1, 65535, 0, 0, "MariaDB TCP port"},
	[CFG_DB_NAME] = {"DB_NAME", T_STR, "vibehost", 1, 64, 0, ALL, "database name"},
	[CFG_DB_USER] = {"DB_USER", T_STR, "vibehost", 1, 80, 0, ALL, "database user"},
	[CFG_DB_PASSWORD] = {"DB_PASSWORD", T_STR, "", 0, 1024, SECRET, 0, "database password"},
	[CFG_DB_CONNECT_TIMEOUT] = {"DB_CONNECT_TIMEOUT", T_INT, "3", 1, 60, 0, 0,
				    "seconds to wait for a MariaDB connection or answer"},
	[CFG_DB_MIGRATE_USER] = {"DB_MIGRATE_USER", T_STR, "", 0, 80, 0, 0,
				 "database user vibehost-migrate connects as (default: DB_USER)"},
	[CFG_DB_MIGRATE_PASSWORD] = {"DB_MIGRATE_PASSWORD", T_STR, "", 0, 1024, SECRET, 0,
				     "password of DB_MIGRATE_USER"},
	[CFG_ADMIN_API_KEY] = {"ADMIN_API_KEY", T_STR, NULL, 16, 512, SECRET, VH_PROG_API,
			       "admin key expected in X-Admin-Key (at least 16 characters)"},
	[CFG_LOG_LEVEL] = {"LOG_LEVEL", T_LEVEL, "info", 0, 0, 0, 0,
			   "debug, info, warn or error"},
	[CFG_MAX_BODY_BYTES] = {"MAX_BODY_BYTES", T_INT, "65536", 1024, 1048576, 0, 0,
				"largest request body the API reads (bytes)"},
	[CFG_SQL_DIR] = {"SQL_DIR", T_STR, VH_SQL_DIR, 1, 4096, 0, 0,
			 "directory holding the NNN_name.sql migrations"},
	[CFG_SECRET_KEY] = {"VIBEHOST_SECRET_KEY", T_STR, NULL, 44, 64, SECRET,
			    VH_PROG_API | VH_PROG_WORKER | VH_PROG_EXPIRY,
			    "key sealing Proxmox secrets at rest: 64 hex digits (openssl rand -hex 32)"},
	[CFG_SECRET_KEY_OLD] = {"VIBEHOST_SECRET_KEY_OLD", T_STR, "", 0, 1024, SECRET, 0,
				"earlier keys, comma-separated, still accepted for reading (rotation)"},
	[CFG_JWT_SECRET] = {"JWT_SECRET", T_STR, "", 0, 1024, SECRET, 0,
			    "HS256 key for user JWTs (at least 32 characters)"},
	[CFG_JWT_PUBLIC_KEY] = {"JWT_PUBLIC_KEY", T_STR, "", 0, 16384, 0, 0,
				"RS256/ES256 public key for user JWTs: PEM text or a file path"},
	[CFG_JWT_ALG] = {"JWT_ALG", T_STR, "", 0, 5, 0, 0,
			 "HS256, RS256 or ES256 (default: HS256 with JWT_SECRET, RS256 with a key)"},
	[CFG_JWT_ISSUER] = {"JWT_ISSUER", T_STR, "", 0, 255, 0, 0, "required iss claim, if set"},
	[CFG_JWT_AUDIENCE] = {"JWT_AUDIENCE", T_STR, "", 0, 255, 0, 0, "required aud claim, if set"},
	[CFG_JWT_LEEWAY_SECONDS] = {"JWT_LEEWAY_SECONDS", T_INT, "60", 0, 60, 0, 0,
				    "clock skew allowed on exp and nbf"},
	[CFG_AUTH_API_URL] = {"AUTH_API_URL", T_STR, "", 0, 1024, 0, 0,
			      "upstream \"me\" endpoint that vouches for callers without a JWT"},
	[CFG_AUTH_USER_FIELD] = {"AUTH_USER_FIELD", T_STR, "id", 1, 64, 0, 0,
				 "member of the upstream answer holding the user's external id"},
	[CFG_AUTH_CACHE_SECONDS] = {"AUTH_CACHE_SECONDS", T_INT, "30", 0, 3600, 0, 0,
				    "how long an upstream answer is reused per credential"},
	[CFG_AUTH_TIMEOUT_MS] = {"AUTH_TIMEOUT_MS", T_INT, "3000", 100, 30000, 0, 0,
				 "upstream auth request timeout"},
	[CFG_AUTH_CA_FILE] = {"AUTH_CA_FILE", T_STR, "", 0, 4096, 0, 0,
			      "CA bundle for the upstream's TLS (default: system store)"},
	[CFG_PROXMOX_HOST] = {"PROXMOX_HOST", T_STR, "", 0, 255, 0, 0,
			      "fallback host \"default\" when none is registered: API URL or host name"},
	[CFG_PROXMOX_USERNAME] = {"PROXMOX_USERNAME", T_STR, "", 0, 128, 0, 0,
				  "fallback host: user (without @realm)"},
	[CFG_PROXMOX_PASSWORD] = {"PROXMOX_PASSWORD", T_STR, "", 0, 1024, SECRET, 0,
				  "fallback host: password"},
	[CFG_PROXMOX_REALM] = {"PROXMOX_REALM", T_STR, "pam", 1, 64, 0, 0, "fallback host: realm"},
	[CFG_PROXMOX_TLS_FINGERPRINT] = {"PROXMOX_TLS_FINGERPRINT", T_STR, "", 0, 95, 0, 0,
					 "fallback host: pinned SHA-256 certificate fingerprint"},
	[CFG_PROXMOX_LOCATION] = {"PROXMOX_LOCATION", T_STR, "default", 1, 64, 0, 0,
				  "fallback host: location"},
	[CFG_IP_QUARANTINE_SECONDS] = {"IP_QUARANTINE_SECONDS", T_INT, "86400", 0, 2592000, 0, 0,
				       "how long a released address rests before it is reused"},
	/* Written by ./dev up next to the rest; only the simulator and the
	 * tests read them. */
	[CFG_PVE_SIM_PASSWORD] = {"PVE_SIM_PASSWORD", T_STR, "", 0, 256, SECRET, 0,
				  "development: pve-sim's root@pam password"},
	[CFG_PVE_SIM_TOKEN] = {"PVE_SIM_TOKEN", T_STR, "", 0, 512, SECRET, 0,
			       "development: pve-sim's API token (USER@REALM!ID=SECRET)"},
	/* SMS.  Nothing here is required: without SOLAPI_KEY/SECRET/FROM,
	 * delivery refuses to run unless SMS_DRY_RUN is on, and says so. */
	[CFG_SOLAPI_BASE_URL] = {"SOLAPI_BASE_URL", T_STR, "https://api.solapi.com", 8, 255, 0, 0,
				 "SOLAPI API base URL (the simulator's in tests)"},
	[CFG_SOLAPI_KEY] = {"SOLAPI_KEY", T_STR, "", 16, 64, 0, 0, "SOLAPI API key (16 characters)"},
	[CFG_SOLAPI_SECRET] = {"SOLAPI_SECRET", T_STR, "", 16, 128, SECRET, 0,
			       "SOLAPI API secret (signs every request; never sent or logged)"},
	[CFG_SOLAPI_FROM] = {"SOLAPI_FROM", T_STR, "", 8, 12, 0, 0,
			     "registered sender number, digits only (e.g. 0212345678)"},
	[CFG_SOLAPI_CA_FILE] = {"SOLAPI_CA_FILE", T_STR, "", 0, 4096, 0, 0,
				"CA bundle that verifies SOLAPI's TLS certificate (default: the system's)"},
	[CFG_SOLAPI_TIMEOUT] = {"SOLAPI_TIMEOUT", T_INT, "15", 1, 120, 0, 0,
				"seconds one SOLAPI request may take"},
	[CFG_SMS_DRY_RUN] = {"SMS_DRY_RUN", T_BOOL, "0", 0, 0, 0, 0,
			     "1: log each text and mark it sent instead of sending it"},
	[CFG_SMS_BATCH_SIZE] = {"SMS_BATCH_SIZE", T_INT, "100", 1, 100, 0, 0,
				"texts per SOLAPI send-many request"},
	[CFG_SMS_MAX_ATTEMPTS] = {"SMS_MAX_ATTEMPTS", T_INT, "8", 1, 100, 0, 0,
				  "attempts before a text that keeps failing is marked failed"},
	[CFG_SMS_RETRY_BASE_SECONDS] = {"SMS_RETRY_BASE_SECONDS", T_INT, "60", 1, 86400, 0, 0,
					"first retry delay; doubles with each attempt"},
	[CFG_SMS_RETRY_MAX_SECONDS] = {"SMS_RETRY_MAX_SECONDS", T_INT, "3600", 1, 604800, 0, 0,
				       "longest retry delay"},
	[CFG_SMS_CLAIM_TIMEOUT] = {"SMS_CLAIM_TIMEOUT", T_INT, "300", 5, 86400, 0, 0,
				   "seconds after which a text claimed by a crashed deliverer is sent "
				   "again (more than 3 x SOLAPI_TIMEOUT + 3)"},
	[CFG_SMS_TEMPLATE_SERVER_READY] = {"SMS_TEMPLATE_SERVER_READY", T_STR, "", 0, 3000, 0, 0,
					   "text of server_ready ({server_name} {plan} {date}; default Korean)"},
	[CFG_SMS_TEMPLATE_EXPIRY_WARNING] = {"SMS_TEMPLATE_EXPIRY_WARNING", T_STR, "", 0, 3000, 0, 0,
					     "text of expiry_warning (placeholders as above)"},
	[CFG_SMS_TEMPLATE_EXPIRED_STOPPED] = {"SMS_TEMPLATE_EXPIRED_STOPPED", T_STR, "", 0, 3000, 0,
					      0, "text of expired_stopped (placeholders as above)"},
	[CFG_SMS_TEMPLATE_PASSWORD_RESET] = {"SMS_TEMPLATE_PASSWORD_RESET", T_STR, "", 0, 3000, 0, 0,
					     "text of password_reset (placeholders as above)"},
	/* Servers and their jobs (lib/servers.c, lib/provision.c). */
	[CFG_MAX_SERVERS_PER_USER] = {"MAX_SERVERS_PER_USER", T_INT, "10", 1, 100000, 0, 0,
				      "live servers one user may have"},
	[CFG_STATUS_CACHE_SECONDS] = {"STATUS_CACHE_SECONDS", T_INT, "5", 0, 300, 0, 0,
				      "how long one host's /cluster/resources answer serves reads"},
	[CFG_JOB_LEASE_SECONDS] = {"JOB_LEASE_SECONDS", T_INT, "60", 2, 3600, 0, 0,
				   "a worker's hold on a job; renewed while it works, taken over when it lapses"},
	[CFG_JOB_MAX_ATTEMPTS] = {"JOB_MAX_ATTEMPTS", T_INT, "6", 1, 100, 0, 0,
				  "tries of one step after transient PVE errors before the job fails"},
	[CFG_JOB_RETRY_BASE_MS] = {"JOB_RETRY_BASE_MS", T_INT, "2000", 10, 3600000, 0, 0,
				   "first retry delay of a step; doubles per attempt"},
	[CFG_JOB_RETRY_MAX_MS] = {"JOB_RETRY_MAX_MS", T_INT, "60000", 10, 86400000, 0, 0,
				  "longest retry delay of a step"},
	[CFG_TASK_TIMEOUT_SECONDS] = {"TASK_TIMEOUT_SECONDS", T_INT, "900", 1, 86400, 0, 0,
				      "how long a job waits for one PVE task before retrying the wait"},
	[CFG_AGENT_WAIT_SECONDS] = {"AGENT_WAIT_SECONDS", T_INT, "120", 0, 3600, 0, 0,
				    "how long provisioning waits for the guest agent to report an IP"},
	[CFG_WORKER_POLL_MS] = {"WORKER_POLL_MS", T_INT, "1000", 10, 60000, 0, 0,
				"how often an idle worker looks for due jobs"},
	[CFG_WORKER_ID] = {"WORKER_ID", T_STR, "", 0, 100, 0, 0,
			   "name of this worker in job leases (default: host name and pid)"},
	[CFG_WORKER_DELIVER_SMS] = {"WORKER_DELIVER_SMS", T_BOOL, "1", 0, 0, 0, 0,
				    "1: the worker delivers the SMS outbox between jobs"},
	[CFG_VM_BRIDGE] = {"VM_BRIDGE", T_STR, "vmbr0", 1, 32, 0, 0,
			   "bridge of net0 for VMs created without a template"},
	[CFG_VM_DEFAULT_STORAGE] = {"VM_DEFAULT_STORAGE", T_STR, "local-lvm", 1, 64, 0, 0,
				    "storage for VMs created without a template when the plan names none"},
	[CFG_VM_NAMESERVER] = {"VM_NAMESERVER", T_STR, "", 0, 255, 0, 0,
			       "cloud-init nameserver when the IP pool names none (empty: PVE's)"},
	[CFG_SHUTDOWN_TIMEOUT_SECONDS] = {"SHUTDOWN_TIMEOUT_SECONDS", T_INT, "60", 1, 3600, 0, 0,
					  "clean shutdown time before a hard stop (delete, rebuild)"},
	[CFG_EXPIRY_WARNING_DAYS] = {"EXPIRY_WARNING_DAYS", T_STR, "3", 1, 64, 0, 0,
				     "days before expire_at to text a reminder: one number or a list (7,3,1)"},
	[CFG_EXPIRY_SHUTDOWN_TIMEOUT] = {"EXPIRY_SHUTDOWN_TIMEOUT", T_INT, "120", 1, 3600, 0, 0,
					 "seconds an expired server gets to shut down before a hard stop"},
	[CFG_EXPIRY_DELETE_AFTER_DAYS] = {"EXPIRY_DELETE_AFTER_DAYS", T_INT, NULL, 1, 36500, 0, 0,
					  "days after expire_at an expired server is deleted (unset: never)"},
	[CFG_EXPIRY_JOB_WAIT_SECONDS] = {"EXPIRY_JOB_WAIT_SECONDS", T_INT, "900", 0, 86400, 0, 0,
					 "how long a pass runs and waits for its stop and delete jobs"},
	[CFG_EXPIRY_PARALLEL] = {"EXPIRY_PARALLEL", T_INT, "4", 1, 64, 0, 0,
				 "processes running a pass's stop and delete jobs side by side"},
	[CFG_RECONCILE_DESTROY_ORPHANS] = {"RECONCILE_DESTROY_ORPHANS", T_BOOL, "0", 0, 0, 0, 0,
					   "1: destroy VMs tagged as vibehost's that no server owns (default: report)"},
	[CFG_JOB_STUCK_MINUTES] = {"JOB_STUCK_MINUTES", T_INT, "30", 1, 10080, 0, 0,
				   "minutes past its lease (or due time) before the janitor fails a job"},
};

struct cfg_val {
	char *str;         /* owned; NULL when unset */
	long long num;
};

static struct cfg_val vals[CFG__MAX];

static int find_key(const char *name)
{
	int i;

	for (i = 0; i < CFG__MAX; i++)
		if (strcmp(defs[i].name, name) == 0)
			return i;
	return -1;
}

static void set_val(int i, const char *value)
{
	free(vals[i].str);
	vals[i].str = vh_xstrdup(value);
}

int vh_cfg_parse_line(char *line, char **key, char **value)
{
	char *p = line, *eq, *end, *v;
	size_t n;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	if (strncmp(p, "export ", 7) == 0)
		p += 7;
	eq = strchr(p, '=');
	if (!eq || eq == p)
		return -1;
	end = eq;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	for (v = p; *v; v++)
		if (!(isupper((unsigned char)*v) || isdigit((unsigned char)*v) || *v == '_'))
			return -1;
	v = eq + 1;
	while (isspace((unsigned char)*v))
		v++;
	n = strlen(v);
	while (n > 0 && (v[n - 1] == '\n' || v[n - 1] == '\r' || isspace((unsigned char)v[n - 1])))
		v[--n] = '\0';
	/* Quotes as systemd's EnvironmentFile= accepts them. */
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v[n - 1] = '\0';
		v++;
	}
	*key = p;
	*value = v;
	return 1;
}

static int read_file(const char *path, struct vh_buf *errors)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int lineno = 0, bad = 0;

	if (!f) {
		vh_buf_printf(errors, "VIBEHOST_CONFIG: cannot open %s: %s\n", path,
			      strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *key, *value;
		int r, i;

		lineno++;
		r = vh_cfg_parse_line(line, &key, &value);
		if (r == 0)
			continue;
		if (r < 0) {
			vh_buf_printf(errors, "%s:%d: expected KEY=value\n", path, lineno);
			bad = 1;
			continue;
		}
		i = find_key(key);
		if (i < 0) {
			/* A typo in a key must not silently fall back to a default. */
			vh_buf_printf(errors, "%s:%d: unknown key %s\n", path, lineno, key);
			bad = 1;
			continue;
		}
		set_val(i, value);
	}
	fclose(f);
	return bad ? -1 : 0;
}

static void validate(int i, unsigned program, struct vh_buf *errors)
{
	const struct cfg_def *d = &defs[i];
	const char *s = vals[i].str;
	char *end;
	long long n;
	enum vh_log_level lvl;

	if (!s) {
		if ((d->required_by & program))
			vh_buf_printf(errors, "%s: required (%s)\n", d->name, d->help);
		return;
	}
	switch (d->type) {
	case T_STR:
		if (*s == '\0' && (d->required_by & program)) {
			vh_buf_printf(errors, "%s: required (%s)\n", d->name, d->help);
		} else if (*s && ((long long)strlen(s) < d->min || (long long)strlen(s) > d->max)) {
			vh_buf_printf(errors, "%s: length must be %lld to %lld characters\n",
				      d->name, d->min, d->max);
		}
		break;
	case T_INT:
		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno || end == s || *end) {
			vh_buf_printf(errors, "%s: \"%s\" is not an integer\n", d->name, s);
		} else if (n < d->min || n > d->max) {
			vh_buf_printf(errors, "%s: %lld is out of range %lld..%lld\n", d->name, n,
				      d->min, d->max);
		} else {
			vals[i].num = n;
		}
		break;
	case T_BOOL:
		if (!strcmp(s, "1") || !strcmp(s, "true") || !strcmp(s, "yes"))
			vals[i].num = 1;
		else if (!strcmp(s, "0") || !strcmp(s, "false") || !strcmp(s, "no") || !*s)
			vals[i].num = 0;
		else
			vh_buf_printf(errors, "%s: expected 0/1, true/false or yes/no\n", d->name);
		break;
	case T_LEVEL:
		if (vh_log_parse_level(s, &lvl) < 0)
			vh_buf_printf(errors, "%s: expected debug, info, warn or error\n", d->name);
		else
			vals[i].num = lvl;
		break;
	}
}

enum vh_status vh_cfg_load(unsigned program, const char *file, struct vh_err *err)
{
	struct vh_buf errors = VH_BUF_INIT;
	enum vh_status st = VH_OK;
	int i;

	vh_cfg_reset();
	for (i = 0; i < CFG__MAX; i++)
		if (defs[i].def)
			set_val(i, defs[i].def);
	if (!file)
		file = getenv("VIBEHOST_CONFIG");
	if (file && *file)
		read_file(file, &errors);
	for (i = 0; i < CFG__MAX; i++) {
		const char *env = getenv(defs[i].name);

		if (env)
			set_val(i, env);
	}
	for (i = 0; i < CFG__MAX; i++)
		validate(i, program, &errors);
	if (errors.len) {
		/* Drop the final newline so the message prints cleanly. */
		errors.data[--errors.len] = '\0';
		st = vh_fail(err, VH_INVALID, "invalid_config", "%s", errors.data);
	}
	vh_buf_free(&errors);
	return st;
}

void vh_cfg_reset(void)
{
	int i;

	for (i = 0; i < CFG__MAX; i++) {
		free(vals[i].str);
		vals[i].str = NULL;
		vals[i].num = 0;
	}
}

const char *vh_cfg_str(enum vh_cfg_key key)
{
	return vals[key].str ? vals[key].str : "";
}

long long vh_cfg_int(enum vh_cfg_key key)
{
	return vals[key].num;
}

bool vh_cfg_bool(enum vh_cfg_key key)
{
	return vals[key].num != 0;
}

bool vh_cfg_is_set(enum vh_cfg_key key)
{
	return vals[key].str && vals[key].str[0];
}

void vh_cfg_dump(FILE *out)
{
	int i;

	for (i = 0; i < CFG__MAX; i++) {
		const char *v = vals[i].str ? vals[i].str : "";

		if ((defs[i].flags & SECRET) && *v)
			v = "********";
		fprintf(out, "%s=%s\n", defs[i].name, v);
	}
}

void vh_cfg_help(FILE *out, unsigned program)
{
	int i;

	fprintf(out, "Configuration (environment, or KEY=value lines in $VIBEHOST_CONFIG):\n");
	for (i = 0; i < CFG__MAX; i++) {
		const struct cfg_def *d = &defs[i];

		fprintf(out, "  %-20s %s%s%s%s%s\n", d->name, d->help,
			(d->required_by & program) ? " [required]" : "",
			d->def && *d->def ? " (default: " : "", d->def && *d->def ? d->def : "",
			d->def && *d->def ? ")" : "");
	}
}
