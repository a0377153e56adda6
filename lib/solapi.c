#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "cfg.h"
#include "log.h"
#include "pool.h"
#include "solapi.h"
#include "uuid.h"

/* Largest answer read from SOLAPI; a send-many/detail answer for 100
 * messages is a few tens of KiB. */
#define MAX_ANSWER (1024 * 1024)
/* Tries of one request when SOLAPI surely did not take it (429, no
 * connection). */
#define MAX_TRIES 3

const char *vh_sms_type_name(enum vh_sms_type type)
{
	return type == VH_SMS_LMS ? "LMS" : "SMS";
}

/* --- text rules ---------------------------------------------------------- */

/* Convert in[0..n) to EUC-KR and count the output.  0, or -1 on a
 * character EUC-KR lacks (EILSEQ) or a cut UTF-8 sequence (EINVAL). */
static int euckr_count(iconv_t cd, const char *in, size_t n, size_t *bytes)
{
	char out[256];
	char *ip = (char *)in;
	size_t left = n;

	*bytes = 0;
	iconv(cd, NULL, NULL, NULL, NULL);
	while (left > 0) {
		char *op = out;
		size_t room = sizeof(out);

		if (iconv(cd, &ip, &left, &op, &room) == (size_t)-1 && errno != E2BIG)
			return -1;
		*bytes += sizeof(out) - room;
	}
	return 0;
}

static iconv_t euckr_open(void)
{
	/* glibc's EUC-KR is strict KS X 1001, as SOLAPI counts; CP949 would
	 * accept Hangul that carriers turn into '?'. */
	iconv_t cd = iconv_open("EUC-KR", "UTF-8");

	if (cd == (iconv_t)-1) {
		vh_log(VH_LOG_ERROR, "iconv cannot convert UTF-8 to EUC-KR: %s", strerror(errno));
		abort();
	}
	return cd;
}

int vh_euckr_bytes(const char *utf8, size_t *bytes)
{
	iconv_t cd = euckr_open();
	int rc = euckr_count(cd, utf8, strlen(utf8), bytes);

	iconv_close(cd);
	return rc;
}

enum vh_status vh_sms_type_for(const char *text, const char *subject, enum vh_sms_type *type,
			       struct vh_err *err)
{
	size_t n, sn = 0;

	if (!text || !*text)
		return vh_fail(err, VH_INVALID, "sms_empty", "the text is empty");
	if (vh_euckr_bytes(text, &n) < 0)
		return vh_fail(err, VH_INVALID, "sms_charset",
			       "the text has characters outside EUC-KR (KS X 1001), such as emoji");
	if (subject && *subject && vh_euckr_bytes(subject, &sn) < 0)
		return vh_fail(err, VH_INVALID, "sms_charset",
			       "the subject has characters outside EUC-KR (KS X 1001)");
	if (sn > VH_LMS_SUBJECT_MAX_BYTES)
		return vh_fail(err, VH_INVALID, "sms_subject_too_long",
			       "the subject takes %zu EUC-KR bytes; at most %d fit", sn,
			       VH_LMS_SUBJECT_MAX_BYTES);
	if (n > VH_LMS_MAX_BYTES)
		return vh_fail(err, VH_INVALID, "sms_too_long",
			       "the text takes %zu EUC-KR bytes; an LMS holds at most %d", n,
			       VH_LMS_MAX_BYTES);
	*type = n <= VH_SMS_MAX_BYTES ? VH_SMS_SMS : VH_SMS_LMS;
	return VH_OK;
}

/* Length of the UTF-8 sequence that starts with c (1 for a stray byte). */
static size_t utf8_seq_len(unsigned char c)
{
	if (c >= 0xf0)
		return 4;
	if (c >= 0xe0)
		return 3;
	if (c >= 0xc0)
		return 2;
	return 1;
}

char *vh_sms_sanitize(struct vh_pool *pool, const char *utf8)
{
	iconv_t cd = euckr_open();
	size_t len = strlen(utf8), i = 0, o = 0;
	char *out = vh_palloc(pool, len + 1);

	while (i < len) {
		unsigned char c = (unsigned char)utf8[i];
		size_t n = utf8_seq_len(c), bytes;

		if (i + n > len)
			n = len - i;
		if (c < 0x20 || c == 0x7f) {
			out[o++] = c == '\n' ? '\n' : ' ';
		} else if (euckr_count(cd, utf8 + i, n, &bytes) == 0) {
			memcpy(out + o, utf8 + i, n);
			o += n;
		} else {
			out[o++] = '?';
		}
		i += n;
	}
	out[o] = '\0';
	iconv_close(cd);
	return out;
}

/* --- signing ------------------------------------------------------------- */

void vh_solapi_date(time_t when, char out[32])
{
	struct tm tm;

	gmtime_r(&when, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void vh_solapi_salt(char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[16];
	int i;

	vh_random_bytes(rnd, sizeof(rnd));
	for (i = 0; i < 16; i++) {
		out[2 * i] = hex[rnd[i] >> 4];
		out[2 * i + 1] = hex[rnd[i] & 15];
	}
	out[32] = '\0';
}

void vh_solapi_signature(const char *secret, const char *date, const char *salt, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0, i;
	struct vh_buf msg = VH_BUF_INIT;

	vh_buf_adds(&msg, date);
	vh_buf_adds(&msg, salt);
	if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg.data,
		  msg.len, mac, &maclen))
		vh_oom();
	vh_buf_free(&msg);
	for (i = 0; i < maclen && i < 32; i++) {
		hex[2 * i] = digits[mac[i] >> 4];
		hex[2 * i + 1] = digits[mac[i] & 15];
	}
	hex[2 * i] = '\0';
}

void vh_solapi_auth_header(struct vh_buf *out, const char *key, const char *secret,
			   const char *date, const char *salt)
{
	char sig[65];

	vh_solapi_signature(secret, date, salt, sig);
	vh_buf_printf(out, "HMAC-SHA256 apiKey=%s, date=%s, salt=%s, signature=%s", key, date, salt,
		      sig);
	explicit_bzero(sig, sizeof(sig));
}

/* --- outcomes ------------------------------------------------------------ */

const char *vh_solapi_outcome_name(enum vh_solapi_outcome outcome)
{
	static const char *const names[] = {"sent", "retry", "rejected", "config"};

	return names[outcome];
}

/* Message status codes (research/solapi.md section 5).  Balance and a
 * duplicate recipient can pass; a bad number, a blocked recipient or an
 * unregistered sender cannot. */
static const struct {
	const char *code;
	enum vh_solapi_outcome outcome;
} status_rules[] = {
	{"2000", VH_SOLAPI_SENT},     {"3000", VH_SOLAPI_SENT},     {"4000", VH_SOLAPI_SENT},
	{"1026", VH_SOLAPI_RETRY},    {"1030", VH_SOLAPI_RETRY},    {"2230", VH_SOLAPI_RETRY},
	{"1010", VH_SOLAPI_REJECTED}, {"1011", VH_SOLAPI_REJECTED}, {"1013", VH_SOLAPI_REJECTED},
	{"1014", VH_SOLAPI_REJECTED}, {"1025", VH_SOLAPI_REJECTED}, {"1027", VH_SOLAPI_REJECTED},
	{"1028", VH_SOLAPI_REJECTED}, {"1029", VH_SOLAPI_REJECTED}, {"1031", VH_SOLAPI_REJECTED},
	{"1032", VH_SOLAPI_REJECTED}, {"1060", VH_SOLAPI_REJECTED}, {"1061", VH_SOLAPI_REJECTED},
	{"1062", VH_SOLAPI_REJECTED}, {"2062", VH_SOLAPI_REJECTED}, {"3010", VH_SOLAPI_REJECTED},
	{"3013", VH_SOLAPI_REJECTED}, {"3059", VH_SOLAPI_REJECTED},
};

enum vh_solapi_outcome vh_solapi_classify_status(const char *code)
{
	size_t i;

	if (!code)
		return VH_SOLAPI_RETRY;
	for (i = 0; i < sizeof(status_rules) / sizeof(status_rules[0]); i++)
		if (strcmp(status_rules[i].code, code) == 0)
			return status_rules[i].outcome;
	/* Other registration errors (1xxx) describe the message itself. */
	return code[0] == '1' && strlen(code) == 4 ? VH_SOLAPI_REJECTED : VH_SOLAPI_RETRY;
}

/* Error bodies.  A stale date or a reused salt passes with a new
 * signature; a wrong key or secret does not. */
static const struct {
	const char *code;
	enum vh_solapi_outcome outcome;
} error_rules[] = {
	{"InvalidAPIKey", VH_SOLAPI_CONFIG},
	{"SignatureDoesNotMatch", VH_SOLAPI_CONFIG},
	{"Unauthorized", VH_SOLAPI_CONFIG},
	{"InvalidToken", VH_SOLAPI_CONFIG},
	{"RequestTimeTooSkewed", VH_SOLAPI_RETRY},
	{"DuplicatedSignature", VH_SOLAPI_RETRY},
	{"TooManyRequests", VH_SOLAPI_RETRY},
	{"InternalServerError", VH_SOLAPI_RETRY},
	{"ValidationError", VH_SOLAPI_REJECTED},
};

enum vh_solapi_outcome vh_solapi_classify_error(long http_status, const char *error_code)
{
	size_t i;

	for (i = 0; error_code && i < sizeof(error_rules) / sizeof(error_rules[0]); i++)
		if (strcmp(error_rules[i].code, error_code) == 0)
			return error_rules[i].outcome;
	if (http_status == 429 || http_status >= 500 || http_status < 200)
		return VH_SOLAPI_RETRY;
	if (http_status == 401 || http_status == 403)
		return VH_SOLAPI_CONFIG;
	if (http_status >= 400)
		return VH_SOLAPI_REJECTED;
	return VH_SOLAPI_RETRY;
}

/* --- request bodies and answers --------------------------------------- */

static json_object *msg_json(const struct vh_solapi_msg *m)
{
	json_object *o = json_object_new_object(), *cf;

	json_object_object_add(o, "to", json_object_new_string(m->to));
	json_object_object_add(o, "from", json_object_new_string(m->from));
	json_object_object_add(o, "text", json_object_new_string(m->text));
	/* The type is ours to choose (research section 6): no auto-detection. */
	json_object_object_add(o, "type", json_object_new_string(vh_sms_type_name(m->type)));
	json_object_object_add(o, "autoTypeDetect", json_object_new_boolean(0));
	json_object_object_add(o, "country", json_object_new_string("82"));
	if (m->type == VH_SMS_LMS && m->subject && *m->subject)
		json_object_object_add(o, "subject", json_object_new_string(m->subject));
	if (m->ref) {
		cf = json_object_new_object();
		json_object_object_add(cf, "ref", json_object_new_string(m->ref));
		json_object_object_add(o, "customFields", cf);
	}
	return o;
}

static json_object *agent_json(void)
{
	json_object *a = json_object_new_object();

	json_object_object_add(a, "sdkVersion",
			       json_object_new_string("vibehost/" PACKAGE_VERSION));
	json_object_object_add(a, "osPlatform", json_object_new_string("linux"));
	return a;
}

static char *to_text(json_object *o)
{
	char *s = vh_xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE));

	json_object_put(o);
	return s;
}

char *vh_solapi_many_body(const struct vh_solapi_msg *msgs, size_t n)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_array_add(arr, msg_json(&msgs[i]));
	json_object_object_add(o, "messages", arr);
	/* The outbox already removed duplicates; two different notices to one
	 * phone in a batch are both meant. */
	json_object_object_add(o, "allowDuplicates", json_object_new_boolean(1));
	json_object_object_add(o, "showMessageList", json_object_new_boolean(1));
	json_object_object_add(o, "agent", agent_json());
	return to_text(o);
}

static char *one_body(const struct vh_solapi_msg *m)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "message", msg_json(m));
	json_object_object_add(o, "agent", agent_json());
	return to_text(o);
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	if (!json_object_is_type(v, json_type_string) && !json_object_is_type(v, json_type_int))
		return NULL;
	return json_object_get_string(v);
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static void reply_reset(struct vh_solapi_reply *reply, long http_status)
{
	int tries = reply->tries;

	memset(reply, 0, sizeof(*reply));
	reply->tries = tries;
	reply->http_status = http_status;
}

/* A non-200 answer: {"errorCode","errorMessage"} when SOLAPI wrote it,
 * anything at all (an HTML page from a proxy) otherwise. */
static void parse_error(long http_status, json_object *o, struct vh_solapi_reply *reply)
{
	const char *code = get_str(o, "errorCode"), *msg = get_str(o, "errorMessage");

	reply->outcome = vh_solapi_classify_error(http_status, code);
	if (code)
		copy(reply->error_code, sizeof(reply->error_code), code);
	else
		snprintf(reply->error_code, sizeof(reply->error_code), "HTTP_%ld", http_status);
	snprintf(reply->detail, sizeof(reply->detail), "SOLAPI answered %ld %s%s%s", http_status,
		 reply->error_code, msg ? ": " : "", msg ? msg : "");
}

static void set_result(struct vh_solapi_result *r, const char *code, const char *message_id,
		       const char *status_message)
{
	r->outcome = vh_solapi_classify_status(code);
	copy(r->status_code, sizeof(r->status_code), code);
	if (message_id)
		copy(r->message_id, sizeof(r->message_id), message_id);
	snprintf(r->detail, sizeof(r->detail), "%s %s", code ? code : "?",
		 status_message ? status_message : "");
}

/* Which of our messages an item of messageList/failedMessageList is: by the
 * ref we sent in customFields, else by recipient (first not yet seen). */
static long match_item(json_object *item, const struct vh_solapi_msg *msgs, size_t n,
		       const unsigned char *seen)
{
	json_object *cf = NULL;
	const char *ref = NULL, *to = get_str(item, "to");
	size_t i;

	if (json_object_object_get_ex(item, "customFields", &cf))
		ref = get_str(cf, "ref");
	for (i = 0; ref && i < n; i++)
		if (msgs[i].ref && strcmp(msgs[i].ref, ref) == 0)
			return (long)i;
	for (i = 0; to && i < n; i++)
		if (!seen[i] && strcmp(msgs[i].to, to) == 0)
			return (long)i;
	return -1;
}

static void read_list(json_object *o, const char *name, const struct vh_solapi_msg *msgs,
		      size_t n, struct vh_solapi_result *res, unsigned char *seen)
{
	json_object *list;
	size_t i;

	if (!json_object_object_get_ex(o, name, &list) ||
	    !json_object_is_type(list, json_type_array))
		return;
	for (i = 0; i < json_object_array_length(list); i++) {
		json_object *item = json_object_array_get_idx(list, i);
		long k = match_item(item, msgs, n, seen);

		if (k < 0)
			continue;
		set_result(&res[k], get_str(item, "statusCode"), get_str(item, "messageId"),
			   get_str(item, "statusMessage"));
		seen[k] = 1;
	}
}

void vh_solapi_parse_many(long http_status, const char *body, const struct vh_solapi_msg *msgs,
			  size_t n, struct vh_solapi_result *res, struct vh_solapi_reply *reply)
{
	json_object *o = body ? json_tokener_parse(body) : NULL, *gi;
	unsigned char *seen = vh_xcalloc(n ? n : 1, 1);
	size_t i;

	reply_reset(reply, http_status);
	for (i = 0; i < n; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		res[i].outcome = VH_SOLAPI_SENT;
	}
	if (http_status != 200) {
		parse_error(http_status, o, reply);
		for (i = 0; i < n; i++) {
			res[i].outcome = reply->outcome;
			copy(res[i].detail, sizeof(res[i].detail), reply->detail);
		}
		goto out;
	}
	reply->outcome = VH_SOLAPI_SENT;
	if (json_object_object_get_ex(o, "groupInfo", &gi))
		copy(reply->group_id, sizeof(reply->group_id), get_str(gi, "groupId"));
	if (!o || !reply->group_id[0]) {
		/* A 200 means SOLAPI took the request; sending it again could
		 * text every recipient twice, so an unreadable 200 counts as
		 * accepted. */
		vh_log(VH_LOG_WARN,
		       "SOLAPI answered 200 without a readable group; assuming accepted");
		copy(reply->detail, sizeof(reply->detail), "200 without a readable body");
	}
	/* Accepted messages first, then failures: a message SOLAPI lists in
	 * failedMessageList was not accepted, whatever else it says. */
	read_list(o, "messageList", msgs, n, res, seen);
	memset(seen, 0, n ? n : 1);
	read_list(o, "failedMessageList", msgs, n, res, seen);
	for (i = 0; i < n; i++)
		if (!res[i].status_code[0])
			copy(res[i].detail, sizeof(res[i].detail), "accepted in the group");
out:
	free(seen);
	json_object_put(o);
}

void vh_solapi_parse_one(long http_status, const char *body, struct vh_solapi_result *res,
			 struct vh_solapi_reply *reply)
{
	json_object *o = body ? json_tokener_parse(body) : NULL;
	const char *code;

	reply_reset(reply, http_status);
	memset(res, 0, sizeof(*res));
	if (http_status != 200) {
		parse_error(http_status, o, reply);
		res->outcome = reply->outcome;
		copy(res->detail, sizeof(res->detail), reply->detail);
		goto out;
	}
	/* /send is one flat object.  Whether a refused message comes back as a
	 * 200 with another statusCode or as an error body is undocumented:
	 * both are read. */
	reply->outcome = VH_SOLAPI_SENT;
	copy(reply->group_id, sizeof(reply->group_id), get_str(o, "groupId"));
	code = get_str(o, "statusCode");
	if (code)
		set_result(res, code, get_str(o, "messageId"), get_str(o, "statusMessage"));
	else
		res->outcome = VH_SOLAPI_SENT;
out:
	json_object_put(o);
}

/* --- transport ----------------------------------------------------------- */

struct vh_solapi {
	char *base_url, *key, *secret, *ca_file;
	long timeout;
	CURL *curl;
};

struct vh_solapi *vh_solapi_new(const struct vh_solapi_opts *opts)
{
	struct vh_solapi *c = vh_xcalloc(1, sizeof(*c));

	c->base_url = vh_xstrdup(opts->base_url ? opts->base_url : "https://api.solapi.com");
	/* "https://host/" and "https://host" name the same base. */
	while (*c->base_url && c->base_url[strlen(c->base_url) - 1] == '/')
		c->base_url[strlen(c->base_url) - 1] = '\0';
	c->key = vh_xstrdup(opts->key ? opts->key : "");
	c->secret = vh_xstrdup(opts->secret ? opts->secret : "");
	c->ca_file = opts->ca_file && *opts->ca_file ? vh_xstrdup(opts->ca_file) : NULL;
	c->timeout = opts->timeout > 0 ? opts->timeout : 15;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c->curl = curl_easy_init();
	if (!c->curl)
		vh_oom();
	return c;
}

struct vh_solapi *vh_solapi_from_cfg(void)
{
	struct vh_solapi_opts o = {
		.base_url = vh_cfg_str(CFG_SOLAPI_BASE_URL),
		.key = vh_cfg_str(CFG_SOLAPI_KEY),
		.secret = vh_cfg_str(CFG_SOLAPI_SECRET),
		.ca_file = vh_cfg_str(CFG_SOLAPI_CA_FILE),
		.timeout = (long)vh_cfg_int(CFG_SOLAPI_TIMEOUT),
	};

	return vh_solapi_new(&o);
}

void vh_solapi_free(struct vh_solapi *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	curl_global_cleanup();
	explicit_bzero(c->secret, strlen(c->secret));
	free(c->secret);
	free(c->key);
	free(c->base_url);
	free(c->ca_file);
	free(c);
}

static size_t collect(char *p, size_t size, size_t n, void *user)
{
	struct vh_buf *b = user;

	if (b->len + size * n > MAX_ANSWER)
		return 0;
	vh_buf_add(b, p, size * n);
	return size * n;
}

/* Failures in which the request surely never reached SOLAPI. */
static int not_sent(CURLcode rc)
{
	return rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT ||
	       rc == CURLE_COULDNT_RESOLVE_PROXY;
}

/* Failures no retry can fix: the URL or the TLS trust is wrong. */
static int setup_error(CURLcode rc)
{
	return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
	       rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL ||
	       rc == CURLE_SSL_CERTPROBLEM;
}

/* POST body to path; fills *status (0: no answer) and answer.  One call is
 * one attempt with its own date and salt. */
static CURLcode post(struct vh_solapi *c, const char *path, const char *body, long *status,
		     struct vh_buf *answer)
{
	struct vh_buf auth = VH_BUF_INIT, url = VH_BUF_INIT;
	struct curl_slist *hl = NULL;
	char date[32], salt[33];
	CURLcode rc;

	vh_solapi_date(time(NULL), date);
	vh_solapi_salt(salt);
	vh_buf_adds(&auth, "Authorization: ");
	vh_solapi_auth_header(&auth, c->key, c->secret, date, salt);
	vh_buf_printf(&url, "%s%s", c->base_url, path);
	hl = curl_slist_append(hl, "Content-Type: application/json");
	hl = curl_slist_append(hl, "Accept: application/json");
	hl = curl_slist_append(hl, "Expect:");
	hl = curl_slist_append(hl, auth.data);
	explicit_bzero(auth.data, auth.len);
	vh_buf_free(&auth);

	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_URL, url.data);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, c->timeout);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, c->timeout < 10 ? c->timeout : 10L);
	curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file)
		curl_easy_setopt(c->curl, CURLOPT_CAINFO, c->ca_file);
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "vibehost/" PACKAGE_VERSION);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, answer);
	vh_buf_clear(answer);
	*status = 0;
	rc = curl_easy_perform(c->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
	/* The header list holds the signature: wipe it before freeing. */
	for (struct curl_slist *h = hl; h; h = h->next)
		explicit_bzero(h->data, strlen(h->data));
	curl_slist_free_all(hl);
	vh_buf_free(&url);
	return rc;
}

/* Run one request with the retries that cannot send twice, then hand the
 * final answer to parse. */
static void exchange(struct vh_solapi *c, const char *path, const char *body,
		     struct vh_solapi_reply *reply, struct vh_buf *answer, long *status)
{
	CURLcode rc = CURLE_OK;
	int t;

	memset(reply, 0, sizeof(*reply));
	for (t = 1; t <= MAX_TRIES; t++) {
		reply->tries = t;
		rc = post(c, path, body, status, answer);
		if (rc == CURLE_OK && *status != 429)
			return;
		if (rc != CURLE_OK && !not_sent(rc))
			break;
		if (t < MAX_TRIES)
			sleep((unsigned)t);
	}
	if (rc == CURLE_OK)
		return;
	reply->outcome = setup_error(rc) ? VH_SOLAPI_CONFIG : VH_SOLAPI_RETRY;
	snprintf(reply->error_code, sizeof(reply->error_code), "CURL_%d", (int)rc);
	snprintf(reply->detail, sizeof(reply->detail), "no answer from SOLAPI: %s%s",
		 curl_easy_strerror(rc),
		 rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_RECV_ERROR ||
				 rc == CURLE_GOT_NOTHING
			 ? " (SOLAPI may have received the request)"
			 : "");
	*status = -1;
}

void vh_solapi_send_many(struct vh_solapi *c, const struct vh_solapi_msg *msgs, size_t n,
			 struct vh_solapi_result *res, struct vh_solapi_reply *reply)
{
	struct vh_buf answer = VH_BUF_INIT;
	char *body = vh_solapi_many_body(msgs, n);
	long status;
	size_t i;

	exchange(c, "/messages/v4/send-many/detail", body, reply, &answer, &status);
	if (status >= 0) {
		int tries = reply->tries;

		vh_solapi_parse_many(status, answer.data, msgs, n, res, reply);
		reply->tries = tries;
	} else {
		for (i = 0; i < n; i++) {
			memset(&res[i], 0, sizeof(res[i]));
			res[i].outcome = reply->outcome;
			copy(res[i].detail, sizeof(res[i].detail), reply->detail);
		}
	}
	free(body);
	vh_buf_free(&answer);
}

void vh_solapi_send_one(struct vh_solapi *c, const struct vh_solapi_msg *msg,
			struct vh_solapi_result *res, struct vh_solapi_reply *reply)
{
	struct vh_buf answer = VH_BUF_INIT;
	char *body = one_body(msg);
	long status;

	exchange(c, "/messages/v4/send", body, reply, &answer, &status);
	if (status >= 0) {
		int tries = reply->tries;

		vh_solapi_parse_one(status, answer.data, res, reply);
		reply->tries = tries;
	} else {
		memset(res, 0, sizeof(*res));
		res->outcome = reply->outcome;
		copy(res->detail, sizeof(res->detail), reply->detail);
	}
	free(body);
	vh_buf_free(&answer);
}
