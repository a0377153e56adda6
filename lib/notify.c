#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cfg.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "notify.h"
#include "pool.h"
#include "timeutil.h"
#include "validate.h"

/* --- kinds and their texts ------------------------------------------------ */

/* Every text a customer can receive, in one place.  The customers are in
 * Korea, so the built-in texts are Korean; SMS_TEMPLATE_<KIND> replaces
 * one.  Placeholders: {server_name}, {plan}, {date} (shown in KST). */
static const struct kind_def {
	const char *name;
	enum vh_cfg_key template_key;
	const char *subject;      /* when the text goes as an LMS */
	const char *text;
} kinds[VH_NOTICE__MAX] = {
	[VH_NOTICE_SERVER_READY] = {"server_ready", CFG_SMS_TEMPLATE_SERVER_READY,
		"[vibehost] 서버 준비 완료",
		"[vibehost] 서버 '{server_name}'({plan}) 준비가 완료되었습니다. 만료: {date}"},
	[VH_NOTICE_EXPIRY_WARNING] = {"expiry_warning", CFG_SMS_TEMPLATE_EXPIRY_WARNING,
		"[vibehost] 서버 만료 예정",
		"[vibehost] 서버 '{server_name}'({plan})이(가) {date}에 만료됩니다. "
		"계속 사용하시려면 기간을 연장해 주세요."},
	[VH_NOTICE_EXPIRED_STOPPED] = {"expired_stopped", CFG_SMS_TEMPLATE_EXPIRED_STOPPED,
		"[vibehost] 서버 만료로 중지",
		"[vibehost] 서버 '{server_name}'({plan})이(가) {date}에 만료되어 중지되었습니다. "
		"기간을 연장하시면 다시 사용할 수 있습니다."},
	[VH_NOTICE_PASSWORD_RESET] = {"password_reset", CFG_SMS_TEMPLATE_PASSWORD_RESET,
		"[vibehost] 비밀번호 재설정",
		"[vibehost] 서버 '{server_name}'의 비밀번호가 재설정되었습니다({date}). "
		"직접 요청하지 않으셨다면 고객센터로 연락해 주세요."},
};

static const char *const states[] = {"pending", "sending", "sent", "failed"};

const char *vh_notice_kind_name(enum vh_notice_kind kind)
{
	return kind < VH_NOTICE__MAX ? kinds[kind].name : "unknown";
}

int vh_notice_kind_parse(const char *name, enum vh_notice_kind *out)
{
	int i;

	for (i = 0; name && i < VH_NOTICE__MAX; i++) {
		if (strcmp(kinds[i].name, name) == 0) {
			*out = (enum vh_notice_kind)i;
			return 0;
		}
	}
	return -1;
}

bool vh_notify_state_valid(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(states[i], name) == 0)
			return true;
	return false;
}

const char *vh_notice_dedupe_key(struct vh_pool *pool, const struct vh_notice *n)
{
	return vh_psprintf(pool, "%s:%s:%s", vh_notice_kind_name(n->kind),
			   n->server_id ? n->server_id : "-", n->date ? n->date : "-");
}

/* "2026-11-23T12:00:00Z" (fraction and offset-free forms too) as Korean
 * time, "2026-11-23 21:00 KST"; anything else as it came. */
static const char *kst_date(struct vh_pool *pool, const char *iso)
{
	struct tm tm;
	time_t t;
	char out[40];

	if (!iso || !*iso)
		return "-";
	if (vh_time_parse(iso, &t) != 0)
		return vh_sms_sanitize(pool, iso);
	if (strlen(iso) == 10)  /* a date alone stays a date */
		return vh_pstrdup(pool, iso);
	t += 9 * 3600;
	gmtime_r(&t, &tm);
	strftime(out, sizeof(out), "%Y-%m-%d %H:%M KST", &tm);
	return vh_pstrdup(pool, out);
}

enum vh_status vh_notice_render(struct vh_pool *pool, const struct vh_notice *n,
				const char **text, const char **subject, enum vh_sms_type *type,
				struct vh_err *err)
{
	const struct kind_def *k;
	const char *tpl, *p, *vars[3][2];
	struct vh_buf b = VH_BUF_INIT;
	enum vh_status st;
	size_t i;

	if (n->kind >= VH_NOTICE__MAX)
		return vh_fail(err, VH_INVALID, "unknown_kind", "unknown notice kind");
	k = &kinds[n->kind];
	tpl = vh_cfg_is_set(k->template_key) ? vh_cfg_str(k->template_key) : k->text;
	/* Values come from customers (server names): anything SOLAPI would
	 * refuse becomes '?', so a name cannot stop the notice. */
	vars[0][0] = "{server_name}";
	vars[0][1] = n->server_name ? vh_sms_sanitize(pool, n->server_name) : "-";
	vars[1][0] = "{plan}";
	vars[1][1] = n->plan ? vh_sms_sanitize(pool, n->plan) : "-";
	vars[2][0] = "{date}";
	vars[2][1] = kst_date(pool, n->date);
	for (p = tpl; *p;) {
		for (i = 0; i < 3; i++) {
			size_t len = strlen(vars[i][0]);

			if (strncmp(p, vars[i][0], len) == 0) {
				vh_buf_adds(&b, vars[i][1]);
				p += len;
				break;
			}
		}
		if (i == 3)
			vh_buf_addc(&b, *p++);
	}
	*text = vh_pstrdup(pool, vh_buf_str(&b));
	vh_buf_free(&b);
	st = vh_sms_type_for(*text, k->subject, type, err);
	if (st != VH_OK)
		return st;
	*subject = *type == VH_SMS_LMS ? k->subject : NULL;
	return VH_OK;
}

/* --- enqueue -------------------------------------------------------------- */

/* The phone is the user's unless one is given; a notice for a user that
 * does not exist inserts nothing.  A duplicate dedupe key changes nothing
 * (affected rows 0) and leaves the caller's transaction intact. */
static const char sql_enqueue[] =
	"INSERT INTO notifications (id, user_id, phone, server_id, kind, dedupe_key, msg_type, "
	"subject, body) SELECT ?, u.id, COALESCE(?, u.phone_number), ?, ?, ?, ?, ?, ? "
	"FROM users u WHERE u.id = ? ON DUPLICATE KEY UPDATE dedupe_key = dedupe_key";
static const char sql_by_dedupe[] = "SELECT id FROM notifications WHERE dedupe_key = ?";

static char *lower_copy(struct vh_pool *pool, const char *s)
{
	char *c = vh_pstrdup(pool, s);
	char *p;

	for (p = c; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return c;
}

enum vh_status vh_notify_enqueue(struct vh_db *db, struct vh_pool *pool,
				 const struct vh_notice *n, char id[VH_UUID_LEN + 1],
				 bool *created, struct vh_err *err)
{
	const char *text, *subject, *phone = NULL, *key, *msg;
	enum vh_sms_type type;
	struct vh_param p[9];
	struct vh_rows r;
	enum vh_status st;

	*created = false;
	if (!vh_is_uuid(n->user_id))
		vh_err_field(err, "user_id", "is not a user id");
	if (n->server_id && !vh_is_uuid(n->server_id))
		vh_err_field(err, "server_id", "is not a server id");
	if (n->phone && (msg = vh_norm_phone_kr(pool, n->phone, &phone)))
		vh_err_field(err, "phone", "%s", msg);
	key = n->dedupe_key ? n->dedupe_key : vh_notice_dedupe_key(pool, n);
	if (!*key || strlen(key) > 255 || strspn(key, "abcdefghijklmnopqrstuvwxyz"
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-.+@/") != strlen(key))
		vh_err_field(err, "dedupe_key",
			     "must be 1 to 255 characters of [A-Za-z0-9:_-.+@/]");
	st = vh_err_fields_done(err);
	if (st != VH_OK)
		return st;
	st = vh_notice_render(pool, n, &text, &subject, &type, err);
	if (st != VH_OK)
		return st;

	vh_uuid_v7(id);
	p[0] = VH_PSTR(id);
	p[1] = VH_PSTR(phone);
	p[2] = VH_PSTR(n->server_id ? lower_copy(pool, n->server_id) : NULL);
	p[3] = VH_PSTR(vh_notice_kind_name(n->kind));
	p[4] = VH_PSTR(key);
	p[5] = VH_PSTR(vh_sms_type_name(type));
	p[6] = VH_PSTR(subject);
	p[7] = VH_PSTR(text);
	p[8] = VH_PSTR(lower_copy(pool, n->user_id));
	st = vh_db_exec(db, pool, sql_enqueue, p, 9, 0, &r, err);
	if (st != VH_OK)
		return st;
	if (r.affected > 0) {
		*created = true;
		return VH_OK;
	}
	p[0] = VH_PSTR(key);
	st = vh_db_exec(db, pool, sql_by_dedupe, p, 1, VH_DB_IDEMPOTENT, &r, err);
	if (st != VH_OK)
		return st;
	if (r.nrows == 0)
		return vh_fail(err, VH_NOTFOUND, "user_not_found", "no such user");
	snprintf(id, VH_UUID_LEN + 1, "%s", vh_rows_get(&r, 0, 0));
	return VH_OK;
}

/* --- delivery ------------------------------------------------------------- */

void vh_notify_opts_from_cfg(struct vh_notify_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->dry_run = vh_cfg_bool(CFG_SMS_DRY_RUN);
	o->from = vh_cfg_str(CFG_SOLAPI_FROM);
	o->batch_size = (unsigned)vh_cfg_int(CFG_SMS_BATCH_SIZE);
	o->max_attempts = (unsigned)vh_cfg_int(CFG_SMS_MAX_ATTEMPTS);
	o->retry_base = (unsigned)vh_cfg_int(CFG_SMS_RETRY_BASE_SECONDS);
	o->retry_max = (unsigned)vh_cfg_int(CFG_SMS_RETRY_MAX_SECONDS);
	o->claim_timeout = (unsigned)vh_cfg_int(CFG_SMS_CLAIM_TIMEOUT);
	o->request_timeout = (unsigned)vh_cfg_int(CFG_SOLAPI_TIMEOUT);
}

unsigned vh_notify_backoff(const struct vh_notify_opts *o, unsigned attempts)
{
	unsigned long long d = o->retry_base ? o->retry_base : 1;
	unsigned i;

	for (i = 1; i < attempts && d < o->retry_max; i++)
		d *= 2;
	return d > o->retry_max ? o->retry_max : (unsigned)d;
}

/* A notice left 'sending' longer than the claim timeout belongs to a
 * deliverer that died between claiming and recording SOLAPI's answer: send
 * it again (the documented window), unless it is out of attempts. */
static const char sql_reclaim[] =
	"UPDATE notifications SET state = IF(attempts >= ?, 'failed', 'pending'), "
	"claim_token = NULL, claimed_at = NULL, last_error = IF(attempts >= ?, "
	"'delivery was interrupted and no attempts are left', "
	"'delivery was interrupted before SOLAPI answered; sending again') "
	"WHERE state = 'sending' AND claimed_at < NOW(6) - INTERVAL ? SECOND";
static const char sql_now[] = "SELECT NOW(6)";
/* Claims: rows another deliverer is claiming are skipped, not waited for. */
#define CLAIM_COLS "id, phone, msg_type, subject, body, attempts FROM notifications "
static const char sql_claim_all[] =
	"SELECT " CLAIM_COLS "WHERE state = 'pending' AND next_attempt_at <= ? "
	"ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED";
static const char sql_claim_user[] =
	"SELECT " CLAIM_COLS "WHERE user_id = ? AND state = 'pending' AND next_attempt_at <= ? "
	"ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED";
static const char sql_mark_claimed[] =
	"UPDATE notifications SET state = 'sending', claim_token = ?, claimed_at = NOW(6), "
	"attempts = attempts + 1 WHERE id = ? AND state = 'pending'";
/* Every mark names the claim, so a row reclaimed by someone else after a
 * very slow answer is not overwritten. */
#define MARK_END ", claim_token = NULL, claimed_at = NULL WHERE id = ? AND claim_token = ?"
static const char sql_mark_sent[] =
	"UPDATE notifications SET state = 'sent', sent_at = NOW(6), provider_group_id = ?, "
	"provider_message_id = ?, provider_status = ?, last_error = NULL" MARK_END;
static const char sql_mark_retry[] =
	"UPDATE notifications SET state = 'pending', next_attempt_at = NOW(6) + INTERVAL ? SECOND, "
	"provider_status = ?, last_error = ?" MARK_END;
static const char sql_mark_failed[] =
	"UPDATE notifications SET state = 'failed', provider_group_id = ?, provider_status = ?, "
	"last_error = ?" MARK_END;
/* SOLAPI refused our configuration: the attempt was not the notice's. */
static const char sql_release[] =
	"UPDATE notifications SET state = 'pending', attempts = attempts - 1, "
	"last_error = ?" MARK_END;

struct claimed {
	const char *id, *phone, *subject, *text;
	enum vh_sms_type type;
	unsigned attempts;        /* including this one */
};

static enum vh_status claim(struct vh_db *db, struct vh_pool *pool,
			    const struct vh_notify_opts *o, const char *pass_start,
			    const char *token, struct claimed **out, size_t *n, struct vh_err *err)
{
	struct vh_param p[3];
	struct vh_rows r;
	enum vh_status st;
	size_t i, k = 0;

	*n = 0;
	st = vh_db_begin(db, err);
	if (st != VH_OK)
		return st;
	if (o->user_id)
		p[k++] = VH_PSTR(o->user_id);
	p[k++] = VH_PSTR(pass_start);
	p[k++] = VH_PINT(o->batch_size);
	st = vh_db_exec(db, pool, o->user_id ? sql_claim_user : sql_claim_all, p, k, 0, &r, err);
	*out = vh_palloc(pool, (r.nrows ? r.nrows : 1) * sizeof(**out));
	for (i = 0; st == VH_OK && i < r.nrows; i++) {
		struct claimed *c = &(*out)[i];

		c->id = vh_rows_get(&r, i, 0);
		c->phone = vh_rows_get(&r, i, 1);
		c->type = strcmp(vh_rows_get(&r, i, 2), "LMS") == 0 ? VH_SMS_LMS : VH_SMS_SMS;
		c->subject = vh_rows_get(&r, i, 3);
		c->text = vh_rows_get(&r, i, 4);
		c->attempts = (unsigned)strtoul(vh_rows_get(&r, i, 5), NULL, 10) + 1;
		p[0] = VH_PSTR(token);
		p[1] = VH_PSTR(c->id);
		st = vh_db_exec(db, pool, sql_mark_claimed, p, 2, 0, NULL, err);
	}
	if (st == VH_OK)
		st = vh_db_commit(db, err);
	else
		vh_db_rollback(db);
	if (st == VH_OK)
		*n = r.nrows;
	return st;
}

static const char *masked(struct vh_pool *pool, const char *phone)
{
	size_t n = strlen(phone);

	return n < 8 ? "****" : vh_psprintf(pool, "%.3s****%s", phone, phone + n - 4);
}

/* What to write for notice i: fills the statement and its parameters. */
static const char *mark_for(struct vh_pool *pool, const struct vh_notify_opts *o,
			    const struct claimed *c, const struct vh_solapi_result *res,
			    const struct vh_solapi_reply *reply, const char *token,
			    struct vh_param *p, size_t *np, struct vh_notify_summary *sum)
{
	enum vh_solapi_outcome out = res->outcome;
	const char *status = res->status_code[0] ? res->status_code : NULL;

	if (out == VH_SOLAPI_SENT) {
		sum->sent++;
		p[0] = VH_PSTR(reply->group_id[0] ? reply->group_id : NULL);
		p[1] = VH_PSTR(res->message_id[0] ? res->message_id : NULL);
		p[2] = VH_PSTR(o->dry_run ? "dry-run" : status ? status : "2000");
		p[3] = VH_PSTR(c->id);
		p[4] = VH_PSTR(token);
		*np = 5;
		return sql_mark_sent;
	}
	/* A request refused as a whole (a 400 for the batch) says nothing
	 * certain about this one notice: it uses up an attempt, no more. */
	if (reply->outcome != VH_SOLAPI_SENT && out == VH_SOLAPI_REJECTED)
		out = VH_SOLAPI_RETRY;
	vh_log(VH_LOG_WARN, "sms %s to %s not sent (%s, attempt %u): %s", c->id,
	       masked(pool, c->phone), vh_solapi_outcome_name(out), c->attempts, res->detail);
	if (out == VH_SOLAPI_RETRY && c->attempts < o->max_attempts) {
		sum->retry++;
		p[0] = VH_PINT(vh_notify_backoff(o, c->attempts));
		p[1] = VH_PSTR(status);
		p[2] = VH_PSTR(res->detail);
		p[3] = VH_PSTR(c->id);
		p[4] = VH_PSTR(token);
		*np = 5;
		return sql_mark_retry;
	}
	sum->failed++;
	p[0] = VH_PSTR(reply->group_id[0] ? reply->group_id : NULL);
	p[1] = VH_PSTR(status);
	p[2] = VH_PSTR(out == VH_SOLAPI_RETRY
			       ? vh_psprintf(pool, "gave up after %u attempts: %s", c->attempts,
					     res->detail)
			       : res->detail);
	p[3] = VH_PSTR(c->id);
	p[4] = VH_PSTR(token);
	*np = 5;
	return sql_mark_failed;
}

/* Record the answers in one transaction, retried for a while: until it
 * commits, the batch is 'sending' and would be sent again after the claim
 * timeout. */
#define MARK_TRIES 10

static enum vh_status record(struct vh_db *db, struct vh_pool *pool,
			     const struct vh_notify_opts *o, const struct claimed *c, size_t n,
			     const struct vh_solapi_result *res,
			     const struct vh_solapi_reply *reply, const char *token,
			     struct vh_notify_summary *sum, struct vh_err *err)
{
	enum vh_status st = VH_OK;
	int t;
	size_t i;

	for (t = 0; t < MARK_TRIES; t++) {
		struct vh_notify_summary s = *sum;

		if (t > 0)
			sleep(1);
		st = vh_db_begin(db, err);
		for (i = 0; st == VH_OK && i < n; i++) {
			struct vh_param p[6];
			size_t np;
			const char *sql = mark_for(pool, o, &c[i], &res[i], reply, token, p, &np,
						   &s);

			st = vh_db_exec(db, pool, sql, p, np, 0, NULL, err);
		}
		if (st == VH_OK)
			st = vh_db_commit(db, err);
		else
			vh_db_rollback(db);
		if (st == VH_OK) {
			*sum = s;
			return VH_OK;
		}
		vh_log(VH_LOG_ERROR, "could not record SOLAPI's answer (%s); retrying",
		       err->detail);
	}
	vh_log(VH_LOG_ERROR, "SOLAPI's answer for group %s is not recorded: the batch may be "
	       "sent again after SMS_CLAIM_TIMEOUT", reply->group_id[0] ? reply->group_id : "-");
	return st;
}

/* SOLAPI refused the credentials or TLS trust: give the claim back. */
static enum vh_status release(struct vh_db *db, struct vh_pool *pool, const struct claimed *c,
			      size_t n, const struct vh_solapi_reply *reply, const char *token,
			      struct vh_err *err)
{
	struct vh_param p[3];
	enum vh_status st;
	size_t i;

	st = vh_db_begin(db, err);
	for (i = 0; st == VH_OK && i < n; i++) {
		p[0] = VH_PSTR(reply->detail);
		p[1] = VH_PSTR(c[i].id);
		p[2] = VH_PSTR(token);
		st = vh_db_exec(db, pool, sql_release, p, 3, 0, NULL, err);
	}
	if (st == VH_OK)
		st = vh_db_commit(db, err);
	else
		vh_db_rollback(db);
	return st;
}

static enum vh_status send_batch(struct vh_db *db, struct vh_pool *pool,
				 struct vh_solapi *client, const struct vh_notify_opts *o,
				 const struct claimed *c, size_t n, const char *token,
				 struct vh_notify_summary *sum, struct vh_err *err)
{
	struct vh_solapi_msg *msgs = vh_palloc(pool, n * sizeof(*msgs));
	struct vh_solapi_result *res = vh_palloc(pool, n * sizeof(*res));
	struct vh_solapi_reply reply;
	size_t i;
	enum vh_status st;
	unsigned before_sent = sum->sent, before_retry = sum->retry, before_failed = sum->failed;

	memset(&reply, 0, sizeof(reply));
	for (i = 0; i < n; i++) {
		msgs[i].to = c[i].phone;
		msgs[i].from = o->from;
		msgs[i].text = c[i].text;
		msgs[i].subject = c[i].subject;
		msgs[i].type = c[i].type;
		msgs[i].ref = c[i].id;
	}
	if (o->dry_run) {
		reply.outcome = VH_SOLAPI_SENT;
		for (i = 0; i < n; i++) {
			res[i].outcome = VH_SOLAPI_SENT;
			vh_log(VH_LOG_INFO, "sms dry run: %s %s to %s: %s", c[i].id,
			       vh_sms_type_name(c[i].type), masked(pool, c[i].phone), c[i].text);
		}
	} else {
		vh_solapi_send_many(client, msgs, n, res, &reply);
	}
	if (reply.outcome != VH_SOLAPI_SENT) {
		sum->errors++;
		snprintf(sum->last_error, sizeof(sum->last_error), "%s", reply.detail);
	}
	if (reply.outcome == VH_SOLAPI_CONFIG) {
		vh_log(VH_LOG_ERROR, "SOLAPI refused the request: %s; %zu texts stay pending",
		       reply.detail, n);
		st = release(db, pool, c, n, &reply, token, err);
		if (st != VH_OK)
			return st;
		return vh_fail(err, VH_UNAVAILABLE, "solapi_refused", "%s", reply.detail);
	}
	st = record(db, pool, o, c, n, res, &reply, token, sum, err);
	if (st != VH_OK)
		return st;
	vh_log(VH_LOG_INFO,
	       "sms batch of %zu: %u sent, %u to retry, %u failed (group %s, %d tries)", n,
	       sum->sent - before_sent, sum->retry - before_retry, sum->failed - before_failed,
	       reply.group_id[0] ? reply.group_id : "-", reply.tries);
	return VH_OK;
}

static bool sender_ok(const char *from)
{
	size_t n = from ? strlen(from) : 0;

	return n >= 8 && n <= 12 && strspn(from, "0123456789") == n;
}

enum vh_status vh_notify_deliver(struct vh_db *db, struct vh_solapi *client,
				 const struct vh_notify_opts *o, struct vh_notify_summary *sum,
				 struct vh_err *err)
{
	struct vh_pool *pool;
	struct vh_param p[3];
	struct vh_rows r;
	char pass_start[40], token[VH_UUID_LEN + 1];
	enum vh_status st;

	memset(sum, 0, sizeof(*sum));
	if (!o->dry_run && (!client || !sender_ok(o->from)))
		return vh_fail(err, VH_INVALID, "sms_not_configured",
			       "SOLAPI_KEY, SOLAPI_SECRET and SOLAPI_FROM (8 to 12 digits) are "
			       "needed to send texts, unless SMS_DRY_RUN=1");
	if (o->batch_size < 1 || o->batch_size > VH_SOLAPI_MAX_BATCH)
		return vh_fail(err, VH_INVALID, "bad_batch_size", "batch size must be 1 to %d",
			       VH_SOLAPI_MAX_BATCH);
	/* A claim that expires while its request (three tries at most, with
	 * pauses of 1 and 2 seconds) may still be running would let a second
	 * deliverer send the same batch. */
	if (!o->dry_run && o->claim_timeout <= 3 * o->request_timeout + 3)
		return vh_fail(err, VH_INVALID, "bad_claim_timeout",
			       "SMS_CLAIM_TIMEOUT (%u) must be more than 3 x SOLAPI_TIMEOUT + 3 "
			       "(%u)", o->claim_timeout, 3 * o->request_timeout + 3);
	if (o->user_id && !vh_is_uuid(o->user_id))
		return vh_fail(err, VH_INVALID, "bad_user", "not a user id: %s", o->user_id);
	pool = vh_pool_new();
	p[0] = VH_PINT(o->max_attempts);
	p[1] = VH_PINT(o->max_attempts);
	p[2] = VH_PINT(o->claim_timeout);
	st = vh_db_exec(db, pool, sql_reclaim, p, 3, VH_DB_IDEMPOTENT, &r, err);
	if (st == VH_OK) {
		sum->reclaimed = (unsigned)r.affected;
		if (r.affected)
			vh_log(VH_LOG_WARN, "%llu texts were left 'sending' by a deliverer that "
			       "stopped; they are due again", r.affected);
		st = vh_db_exec(db, pool, sql_now, NULL, 0, VH_DB_IDEMPOTENT, &r, err);
	}
	if (st == VH_OK)
		snprintf(pass_start, sizeof(pass_start), "%s", vh_rows_get(&r, 0, 0));
	/* Notices due when the pass began, batch by batch; one that fails
	 * now is due later, so the pass ends. */
	while (st == VH_OK) {
		struct claimed *c;
		size_t n;

		vh_pool_reset(pool);
		vh_uuid_v4(token);
		st = claim(db, pool, o, pass_start, token, &c, &n, err);
		if (st != VH_OK || n == 0)
			break;
		sum->claimed += (unsigned)n;
		sum->batches++;
		st = send_batch(db, pool, client, o, c, n, token, sum, err);
	}
	vh_pool_free(pool);
	return st;
}

/* --- the admin view ------------------------------------------------------- */

#define LIST_COLS "id, user_id, phone, server_id, kind, dedupe_key, msg_type, subject, body, " \
	"state, attempts, DATE_FORMAT(next_attempt_at, '%Y-%m-%dT%H:%i:%sZ'), " \
	"provider_group_id, provider_message_id, provider_status, last_error, " \
	"DATE_FORMAT(sent_at, '%Y-%m-%dT%H:%i:%sZ'), " \
	"DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ'), " \
	"DATE_FORMAT(updated_at, '%Y-%m-%dT%H:%i:%sZ')"
/* Each filter is "? IS NULL OR column = ?", so one constant statement
 * serves every combination. */
static const char sql_list[] =
	"SELECT " LIST_COLS " FROM notifications WHERE (? IS NULL OR id < ?) "
	"AND (? IS NULL OR state = ?) AND (? IS NULL OR kind = ?) AND (? IS NULL OR user_id = ?) "
	"ORDER BY id DESC LIMIT ?";

enum vh_status vh_notify_list(struct vh_db *db, struct vh_pool *pool,
			      const struct vh_notify_filter *f, struct vh_notification **out,
			      size_t *n, int *more, struct vh_err *err)
{
	const char *vals[4] = {f->cursor, f->state, f->kind, f->user_id};
	struct vh_param p[9];
	struct vh_rows r;
	enum vh_status st;
	size_t i;

	for (i = 0; i < 4; i++) {
		const char *v = vals[i] ? (i == 0 || i == 3 ? lower_copy(pool, vals[i]) : vals[i])
				       : NULL;

		p[2 * i] = VH_PSTR(v);
		p[2 * i + 1] = VH_PSTR(v);
	}
	p[8] = VH_PINT(f->limit + 1);
	st = vh_db_exec(db, pool, sql_list, p, 9, VH_DB_IDEMPOTENT, &r, err);
	if (st != VH_OK)
		return st;
	*more = r.nrows > (size_t)f->limit;
	*n = *more ? (size_t)f->limit : r.nrows;
	*out = vh_palloc(pool, (*n ? *n : 1) * sizeof(**out));
	for (i = 0; i < *n; i++) {
		const char **cols[] = {
			&(*out)[i].id, &(*out)[i].user_id, &(*out)[i].phone, &(*out)[i].server_id,
			&(*out)[i].kind, &(*out)[i].dedupe_key, &(*out)[i].type, &(*out)[i].subject,
			&(*out)[i].text, &(*out)[i].state, &(*out)[i].attempts,
			&(*out)[i].next_attempt_at, &(*out)[i].provider_group_id,
			&(*out)[i].provider_message_id, &(*out)[i].provider_status,
			&(*out)[i].last_error, &(*out)[i].sent_at, &(*out)[i].created_at,
			&(*out)[i].updated_at,
		};
		size_t k;

		for (k = 0; k < sizeof(cols) / sizeof(cols[0]); k++)
			*cols[k] = vh_rows_get(&r, i, k);
	}
	return VH_OK;
}

json_object *vh_notification_json(const struct vh_notification *n)
{
	json_object *o = json_object_new_object();

	vh_json_add_str(o, "id", n->id);
	vh_json_add_str(o, "user_id", n->user_id);
	vh_json_add_str(o, "phone_number", n->phone);
	vh_json_add_str(o, "server_id", n->server_id);
	vh_json_add_str(o, "kind", n->kind);
	vh_json_add_str(o, "dedupe_key", n->dedupe_key);
	vh_json_add_str(o, "type", n->type);
	vh_json_add_str(o, "subject", n->subject);
	vh_json_add_str(o, "text", n->text);
	vh_json_add_str(o, "state", n->state);
	vh_json_add_int(o, "attempts", n->attempts ? atoll(n->attempts) : 0);
	vh_json_add_str(o, "next_attempt_at", n->next_attempt_at);
	vh_json_add_str(o, "provider_group_id", n->provider_group_id);
	vh_json_add_str(o, "provider_message_id", n->provider_message_id);
	vh_json_add_str(o, "provider_status", n->provider_status);
	vh_json_add_str(o, "last_error", n->last_error);
	vh_json_add_str(o, "sent_at", n->sent_at);
	vh_json_add_str(o, "created_at", n->created_at);
	vh_json_add_str(o, "updated_at", n->updated_at);
	return o;
}
