/* SOLAPI (api.solapi.com), the SMS provider.  Every byte vibehost sends to
 * SOLAPI is built here: the HMAC-SHA256 Authorization header, the SMS/LMS
 * rules measured in EUC-KR bytes, the send-many/detail request and the
 * reading of its answer, which reports failures of single messages inside an
 * HTTP 200.  The reference is research/solapi.md. */
#ifndef VH_SOLAPI_H
#define VH_SOLAPI_H

#include <stddef.h>
#include <time.h>

#include "err.h"

struct vh_buf;
struct vh_pool;

#define VH_SMS_MAX_BYTES 90           /* one SMS, in EUC-KR bytes */
#define VH_LMS_MAX_BYTES 2000         /* one LMS */
#define VH_LMS_SUBJECT_MAX_BYTES 40
/* Our own cap per request (SOLAPI takes far more): a batch that fails in
 * transit is retried as a whole, so it stays small. */
#define VH_SOLAPI_MAX_BATCH 100

enum vh_sms_type { VH_SMS_SMS, VH_SMS_LMS };

const char *vh_sms_type_name(enum vh_sms_type type);

/* Bytes text takes in strict EUC-KR (KS X 1001, as glibc's iconv has it):
 * Hangul 2, ASCII 1.  Returns -1 when some character has no EUC-KR form
 * (emoji, or Hangul outside KS X 1001 such as 똠) or the text is not UTF-8. */
int vh_euckr_bytes(const char *utf8, size_t *bytes);

/* The type a text is sent as: SMS when it fits 90 EUC-KR bytes, otherwise
 * LMS (at most 2000 bytes, subject at most 40).  A text that fits neither,
 * or has characters outside EUC-KR, is refused with VH_INVALID before
 * anything is sent. */
enum vh_status vh_sms_type_for(const char *text, const char *subject, enum vh_sms_type *type,
			       struct vh_err *err);

/* A copy of utf8 (pool memory) in which every character without an EUC-KR
 * form becomes '?' and every control character but a newline a space: for
 * values such as server names put into a text. */
char *vh_sms_sanitize(struct vh_pool *pool, const char *utf8);

/* Request signing: signature = lowercase hex HMAC-SHA256(secret, date + salt). */
void vh_solapi_date(time_t when, char out[32]);        /* 2019-07-01T00:41:48Z */
void vh_solapi_salt(char out[33]);                      /* 32 hex digits, random */
void vh_solapi_signature(const char *secret, const char *date, const char *salt,
			 char hex[65]);
/* "HMAC-SHA256 apiKey=…, date=…, salt=…, signature=…" appended to out. */
void vh_solapi_auth_header(struct vh_buf *out, const char *key, const char *secret,
			   const char *date, const char *salt);

/* What happened to a message, or to a whole request. */
enum vh_solapi_outcome {
	VH_SOLAPI_SENT,      /* SOLAPI accepted it: never send it again */
	VH_SOLAPI_RETRY,     /* not accepted; the same message may succeed later */
	VH_SOLAPI_REJECTED,  /* not accepted, and sending it again cannot help */
	VH_SOLAPI_CONFIG,    /* request refused for our credentials or TLS trust:
			      * nothing was sent; an operator must fix the setup */
};

const char *vh_solapi_outcome_name(enum vh_solapi_outcome outcome);
/* A message status code ("2000", "1062", …) and an error body's errorCode
 * with its HTTP status, each looked up in one table. */
enum vh_solapi_outcome vh_solapi_classify_status(const char *status_code);
enum vh_solapi_outcome vh_solapi_classify_error(long http_status, const char *error_code);

struct vh_solapi_msg {
	const char *to;       /* digits only */
	const char *from;     /* a registered sender, digits only */
	const char *text;
	const char *subject;  /* LMS only; NULL for none */
	enum vh_sms_type type;
	const char *ref;      /* our id, sent as customFields.ref and read back */
};

struct vh_solapi_result {
	enum vh_solapi_outcome outcome;
	char status_code[16];
	char message_id[64];
	char detail[256];
};

/* The request as a whole.  outcome SENT: SOLAPI answered 200 and each
 * message's own result is in res[]; otherwise no message was accepted and
 * outcome, error_code and detail say why. */
struct vh_solapi_reply {
	enum vh_solapi_outcome outcome;
	long http_status;          /* 0 when no answer arrived */
	char error_code[64];
	char detail[256];
	char group_id[64];
	int tries;
};

struct vh_solapi_opts {
	const char *base_url;
	const char *key;
	const char *secret;
	const char *ca_file;      /* NULL or "": the system's CA bundle */
	long timeout;             /* seconds per request */
};

struct vh_solapi;

struct vh_solapi *vh_solapi_new(const struct vh_solapi_opts *opts);
struct vh_solapi *vh_solapi_from_cfg(void);
void vh_solapi_free(struct vh_solapi *c);

/* POST /messages/v4/send-many/detail with n (1..VH_SOLAPI_MAX_BATCH)
 * messages.  429 and failures to connect are retried here at once (a fresh
 * date and salt each time); 5xx and time-outs are not, because SOLAPI may
 * have accepted the request: the outbox decides when to try again. */
void vh_solapi_send_many(struct vh_solapi *c, const struct vh_solapi_msg *msgs, size_t n,
			 struct vh_solapi_result *res, struct vh_solapi_reply *reply);
/* POST /messages/v4/send with one message. */
void vh_solapi_send_one(struct vh_solapi *c, const struct vh_solapi_msg *msg,
			struct vh_solapi_result *res, struct vh_solapi_reply *reply);

/* Exposed for the unit tests: the request body (free() it) and the reading
 * of an answer. */
char *vh_solapi_many_body(const struct vh_solapi_msg *msgs, size_t n);
void vh_solapi_parse_many(long http_status, const char *body, const struct vh_solapi_msg *msgs,
			  size_t n, struct vh_solapi_result *res, struct vh_solapi_reply *reply);
void vh_solapi_parse_one(long http_status, const char *body, struct vh_solapi_result *res,
			 struct vh_solapi_reply *reply);

#endif
