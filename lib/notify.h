/* The SMS outbox: the notifications table.  A notice is enqueued inside the
 * same transaction as the state change it reports, so it exists exactly when
 * the change does; its unique dedupe key makes enqueueing it again a no-op.
 * vh_notify_deliver() later sends due notices through SOLAPI in batches,
 * from as many processes as like (rows are claimed with SKIP LOCKED).
 *
 * Delivery is at-least-once with one documented window: a notice is marked
 * 'sending' (committed) before its batch goes out and 'sent' after SOLAPI
 * answers.  A deliverer that dies, or loses the database, between SOLAPI
 * accepting the batch and that second commit leaves the batch 'sending';
 * after SMS_CLAIM_TIMEOUT it is sent again.  Only that one in-flight batch
 * can be texted twice.  A time-out or dropped connection after the request
 * left (SOLAPI may have taken it) is retried too and has the same risk. */
#ifndef VH_NOTIFY_H
#define VH_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "err.h"
#include "solapi.h"
#include "uuid.h"

struct vh_db;
struct vh_pool;

enum vh_notice_kind {
	VH_NOTICE_SERVER_READY,
	VH_NOTICE_EXPIRY_WARNING,
	VH_NOTICE_EXPIRED_STOPPED,
	VH_NOTICE_PASSWORD_RESET,
	VH_NOTICE__MAX
};

const char *vh_notice_kind_name(enum vh_notice_kind kind);
/* 0, or -1 for an unknown name. */
int vh_notice_kind_parse(const char *name, enum vh_notice_kind *out);

struct vh_notice {
	enum vh_notice_kind kind;
	const char *user_id;
	const char *phone;        /* NULL: the user's phone number now */
	const char *server_id;    /* NULL when the notice is about no server */
	const char *server_name;
	const char *plan;
	const char *date;         /* ISO 8601 UTC (expire_at, …); shown in KST */
	const char *dedupe_key;   /* NULL: vh_notice_dedupe_key() */
};

/* "<kind>:<server_id>:<date>", e.g. expiry_warning:<server>:<expire_at>:
 * one notice per kind, server and date. */
const char *vh_notice_dedupe_key(struct vh_pool *pool, const struct vh_notice *n);

/* The text of a notice from its kind's template (SMS_TEMPLATE_<KIND>, else
 * the built-in Korean one), the subject used when it goes as an LMS, and
 * the type it goes as.  VH_INVALID when the text cannot be sent at all. */
enum vh_status vh_notice_render(struct vh_pool *pool, const struct vh_notice *n,
				const char **text, const char **subject, enum vh_sms_type *type,
				struct vh_err *err);

/* Insert a pending notice; call it inside the caller's transaction.  *created
 * is false when a notice with the same dedupe key exists (id is then that
 * notice's).  VH_NOTFOUND for an unknown user, VH_INVALID for bad input. */
enum vh_status vh_notify_enqueue(struct vh_db *db, struct vh_pool *pool,
				 const struct vh_notice *n, char id[VH_UUID_LEN + 1],
				 bool *created, struct vh_err *err);

struct vh_notify_opts {
	const char *user_id;      /* NULL: every user's due notices */
	bool dry_run;             /* log each text and mark it sent */
	const char *from;         /* sender number */
	unsigned batch_size;      /* 1..VH_SOLAPI_MAX_BATCH */
	unsigned max_attempts;
	unsigned retry_base;      /* seconds; doubles per attempt */
	unsigned retry_max;
	unsigned claim_timeout;   /* seconds before a 'sending' row is sent again */
	unsigned request_timeout; /* SOLAPI_TIMEOUT: a claim must outlive a request */
};

/* Options from the configuration (SMS_*, SOLAPI_FROM). */
void vh_notify_opts_from_cfg(struct vh_notify_opts *opts);

/* The delay before attempt number attempts + 1. */
unsigned vh_notify_backoff(const struct vh_notify_opts *opts, unsigned attempts);

struct vh_notify_summary {
	unsigned claimed;     /* notices taken by this pass */
	unsigned sent;
	unsigned retry;       /* back to pending, with a later next_attempt_at */
	unsigned failed;      /* given up: rejected, or out of attempts */
	unsigned reclaimed;   /* left 'sending' by a deliverer that died */
	unsigned batches;
	unsigned errors;      /* requests that failed as a whole */
	char last_error[256];
};

/* One pass: send every notice due when the pass began, batch by batch.
 * client may be NULL when opts->dry_run.  Returns VH_OK when the pass ran
 * (per-notice failures are counted in sum), or the error that stopped it:
 * the database, or a configuration SOLAPI refuses (nothing was sent; the
 * notices stay pending without losing an attempt). */
enum vh_status vh_notify_deliver(struct vh_db *db, struct vh_solapi *client,
				 const struct vh_notify_opts *opts, struct vh_notify_summary *sum,
				 struct vh_err *err);

/* One row, every column as text. */
struct vh_notification {
	const char *id, *user_id, *phone, *server_id, *kind, *dedupe_key, *type, *subject, *text;
	const char *state, *attempts, *next_attempt_at, *provider_group_id, *provider_message_id;
	const char *provider_status, *last_error, *sent_at, *created_at, *updated_at;
};

struct vh_notify_filter {
	const char *state;        /* each NULL: any */
	const char *kind;
	const char *user_id;
	const char *cursor;       /* the last id of the previous page */
	long long limit;
};

/* Newest first. */
enum vh_status vh_notify_list(struct vh_db *db, struct vh_pool *pool,
			      const struct vh_notify_filter *f, struct vh_notification **out,
			      size_t *n, int *more, struct vh_err *err);
/* Whether name is a state of the table. */
bool vh_notify_state_valid(const char *name);

json_object *vh_notification_json(const struct vh_notification *n);

#endif
