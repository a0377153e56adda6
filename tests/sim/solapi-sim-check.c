/* solapi-sim: the Authorization check, the message rules and the answers,
 * as research/solapi.md describes SOLAPI. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "http.h"
#include "json.h"
#include "pool.h"
#include "solapi-sim.h"
#include "solapi.h"
#include "timeutil.h"

/* --- Authorization ---------------------------------------------------------- */

/* ISO 8601 as the SDKs send it: a full time with Z or ±hh:mm, with or
 * without a fraction (vh_time_parse also takes a bare date or no zone,
 * which SOLAPI refuses). */
static bool parse_date(const char *s, time_t *out)
{
	size_t len = strlen(s);
	bool zoned = len > 19 && (s[len - 1] == 'Z' || (len > 25 && (s[len - 6] == '+' || s[len - 6] == '-')));

	return len > 19 && s[10] == 'T' && zoned && vh_time_parse(s, out) == 0;
}

static void hmac_hex(const EVP_MD *md, const char *secret, const char *date, const char *salt,
		     char *hex, size_t size)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char mac[EVP_MAX_MD_SIZE], msg[256];
	unsigned int n = 0, i;
	size_t dl = strlen(date), sl = strlen(salt);

	memcpy(msg, date, dl);
	memcpy(msg + dl, salt, sl);
	HMAC(md, secret, (int)strlen(secret), msg, dl + sl, mac, &n);
	for (i = 0; i < n && 2 * i + 2 < size; i++) {
		hex[2 * i] = digits[mac[i] >> 4];
		hex[2 * i + 1] = digits[mac[i] & 15];
	}
	hex[2 * i] = '\0';
}

/* Signatures seen in the last 15 minutes. */
static bool replayed(const char *sig)
{
	time_t now = sim_now();
	size_t i, k = 0;

	for (i = 0; i < sim.nsigs; i++) {
		if (now - sim.sigs[i].at > SIM_WINDOW_SECONDS)
			continue;
		if (strcmp(sim.sigs[i].sig, sig) == 0)
			return true;
		sim.sigs[k++] = sim.sigs[i];
	}
	sim.nsigs = k;
	if (sim.nsigs == sim.capsigs) {
		sim.capsigs = sim.capsigs ? sim.capsigs * 2 : 256;
		sim.sigs = vh_xrealloc(sim.sigs, sim.capsigs * sizeof(*sim.sigs));
	}
	snprintf(sim.sigs[sim.nsigs].sig, sizeof(sim.sigs[0].sig), "%s", sig);
	sim.sigs[sim.nsigs++].at = now;
	return false;
}

static bool refuse(struct vh_req *req, int status, const char *code, const char *msg)
{
	sim_error(req, status, code, msg);
	return false;
}

bool sim_check_auth(struct vh_req *req)
{
	const char *h = vh_req_header(req, "Authorization"), *p;
	const char *names[4] = {"apikey", "date", "salt", "signature"};
	char *vals[4] = {NULL, NULL, NULL, NULL}, want[132];
	const EVP_MD *md;
	time_t when;
	int i;

	if (!h || !*h)
		return refuse(req, 401, "Unauthorized", "Authorization header is required");
	if (strncasecmp(h, "Bearer ", 7) == 0)
		return refuse(req, 400, "InvalidToken", "the access token is invalid");
	if (strncmp(h, "HMAC-SHA256 ", 12) == 0) {
		md = EVP_sha256();
		p = h + 12;
	} else if (strncmp(h, "HMAC-MD5 ", 9) == 0) {
		md = EVP_md5();
		p = h + 9;
	} else {
		return refuse(req, 400, "ValidationError",
			      "the authentication method must be HMAC-SHA256 or HMAC-MD5");
	}
	/* "k=v, k=v": key names in any case (the Python SDK sends ApiKey=). */
	while (*p) {
		size_t n = strcspn(p, ","), k;
		const char *eq = memchr(p, '=', n);

		while (*p == ' ')
			p++, n--;
		if (eq) {
			for (i = 0; i < 4; i++) {
				k = strlen(names[i]);
				if ((size_t)(eq - p) == k && strncasecmp(p, names[i], k) == 0 &&
				    !vals[i])
					vals[i] = vh_pstrndup(req->pool, eq + 1,
							      n - (size_t)(eq + 1 - p));
			}
		}
		p += n;
		if (*p == ',')
			p++;
	}
	for (i = 0; i < 4; i++)
		if (!vals[i] || !*vals[i])
			return refuse(req, 400, "ValidationError",
				      vh_psprintf(req->pool, "%s is required in Authorization",
						  i == 0 ? "apiKey" : names[i]));
	if (strlen(vals[0]) != 16)
		return refuse(req, 400, "ValidationError",
			      "apiKey length must be 16 characters long");
	if (strcmp(vals[0], sim.key) != 0)
		return refuse(req, 403, "InvalidAPIKey", "unknown API key");
	if (strlen(vals[2]) < 12 || strlen(vals[2]) > 64)
		return refuse(req, 400, "ValidationError",
			      "salt length must be between 12 and 64 characters");
	if (!parse_date(vals[1], &when))
		return refuse(req, 400, "ValidationError", "date must be ISO 8601");
	if (labs((long)(sim_now() - when)) > SIM_WINDOW_SECONDS)
		return refuse(req, 403, "RequestTimeTooSkewed",
			      "the request date is more than 15 minutes from the server's time");
	hmac_hex(md, sim.secret, vals[1], vals[2], want, sizeof(want));
	for (i = 0; vals[3][i]; i++)
		vals[3][i] = (char)tolower((unsigned char)vals[3][i]);
	if (strlen(vals[3]) != strlen(want) || CRYPTO_memcmp(vals[3], want, strlen(want)) != 0)
		return refuse(req, 403, "SignatureDoesNotMatch", "the signature does not match");
	if (replayed(vals[3]))
		return refuse(req, 403, "DuplicatedSignature",
			      "this signature was already used; make a new salt per request");
	return true;
}

/* --- message rules ---------------------------------------------------------- */

const char *sim_field_types(json_object *m)
{
	static const struct {
		const char *name;
		json_type type;
	} fields[] = {
		{"to", json_type_string},      {"from", json_type_string},
		{"text", json_type_string},    {"type", json_type_string},
		{"subject", json_type_string}, {"country", json_type_string},
		{"imageId", json_type_string}, {"autoTypeDetect", json_type_boolean},
		{"customFields", json_type_object},
	};
	json_object *v;
	size_t i;

	if (!json_object_is_type(m, json_type_object))
		return "a message must be an object";
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (json_object_object_get_ex(m, fields[i].name, &v) && v &&
		    !json_object_is_type(v, fields[i].type))
			return fields[i].type == json_type_string ? "a field must be a string"
								  : "a field has the wrong type";
	return NULL;
}

static const struct {
	const char *code;
	const char *message;
} status_messages[] = {
	{"2000", "정상 접수(이통사로 접수 예정) "},
	{"1010", "필수 입력값 누락"},
	{"1011", "입력값 형식 오류"},
	{"1013", "SMS에는 제목을 입력할 수 없습니다"},
	{"1014", "제목 길이 초과(40바이트)"},
	{"1025", "지원하지 않는 메시지 타입"},
	{"1026", "중복 수신번호"},
	{"1028", "출력할 수 없는 문자 포함"},
	{"1029", "EUC-KR로 표현할 수 없는 문자 포함(SMS)"},
	{"1030", "잔액 부족"},
	{"1031", "메시지 길이 초과"},
	{"1032", "customFields 형식 오류"},
	{"1062", "등록되지 않은 발신번호"},
};

static const char *status_message(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(status_messages) / sizeof(status_messages[0]); i++)
		if (strcmp(status_messages[i].code, code) == 0)
			return status_messages[i].message;
	return "시뮬레이터가 거부함 (simulated failure)";
}

static const char *get(json_object *m, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(m, key, &v) && v ? json_object_get_string(v) : NULL;
}

static bool digits(const char *s, size_t min, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	return n >= min && n <= max && strspn(s, "0123456789") == n;
}

static bool registered(const char *from)
{
	size_t i;

	for (i = 0; i < sim.nsenders; i++)
		if (strcmp(sim.senders[i], from) == 0)
			return true;
	return false;
}

/* EUC-KR bytes; a character EUC-KR lacks counts 2 (LMS only: an SMS with
 * one is refused before this matters). */
static size_t loose_bytes(struct vh_pool *pool, const char *text)
{
	size_t n = 0;

	if (vh_euckr_bytes(text, &n) == 0)
		return n;
	vh_euckr_bytes(vh_sms_sanitize(pool, text), &n);
	return n;
}

/* The status code of one message; type is the type it goes as. */
static const char *evaluate(struct vh_pool *pool, json_object *m, const char *const *earlier,
			    size_t nearlier, bool allow_dup, const char **type)
{
	const char *to = get(m, "to"), *from = get(m, "from"), *text = get(m, "text");
	const char *subject = get(m, "subject"), *t = get(m, "type"), *fault;
	json_object *v, *cf;
	size_t i, bytes, sbytes = 0;
	bool autodetect = true;

	*type = t ? t : "SMS";
	if (!to || !*to || !from || !*from || !text || !*text)
		return "1010";
	if (!digits(to, 8, 12) || to[0] != '0' || !digits(from, 8, 12))
		return "1011";
	if (!registered(from))
		return "1062";
	for (i = 0; text[i]; i++)
		if (((unsigned char)text[i] < 0x20 && !strchr("\n\r\t", text[i])) ||
		    text[i] == 0x7f)
			return "1028";
	if (json_object_object_get_ex(m, "autoTypeDetect", &v))
		autodetect = json_object_get_boolean(v);
	bytes = loose_bytes(pool, text);
	if (!t) {
		if (!autodetect)
			return "1010";
		*type = get(m, "imageId") ? "MMS" : bytes <= VH_SMS_MAX_BYTES ? "SMS" : "LMS";
	}
	if (strcmp(*type, "SMS") == 0) {
		if (subject)
			return "1013";
		if (vh_euckr_bytes(text, &bytes) < 0)
			return "1029";
		if (bytes > VH_SMS_MAX_BYTES)
			return "1031";
	} else if (strcmp(*type, "LMS") == 0 || strcmp(*type, "MMS") == 0) {
		if (subject && (sbytes = loose_bytes(pool, subject)) > VH_LMS_SUBJECT_MAX_BYTES)
			return "1014";
		if (bytes > VH_LMS_MAX_BYTES)
			return "1031";
		if (strcmp(*type, "MMS") == 0 && !get(m, "imageId"))
			return "1010";
	} else {
		return "1025";
	}
	if (json_object_object_get_ex(m, "customFields", &cf)) {
		json_object_object_foreach(cf, key, val) {
			if (strlen(key) > 30 || !json_object_is_type(val, json_type_string) ||
			    strlen(json_object_get_string(val)) > 100)
				return "1032";
		}
	}
	for (i = 0; !allow_dup && i < nearlier; i++)
		if (strcmp(earlier[i], to) == 0)
			return "1026";
	fault = sim_take_message_fault(to);
	if (fault)
		return fault;
	if (sim.balance == 0)
		return "1030";
	if (sim.balance > 0)
		sim.balance--;
	return "2000";
}

static void iso_now(char out[48])
{
	struct timespec ts;
	struct tm tm;
	char s[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += sim.clock_offset;
	gmtime_r(&ts.tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 48, "%s.%03dZ", s, (int)(ts.tv_nsec / 1000000));
}

static void record(json_object *m, const char *type, const char *group, const char *mid,
		   const char *date)
{
	json_object *r = json_object_new_object(), *cf = NULL;
	struct sim_record *rec;
	const char *ref = NULL, *subject = get(m, "subject");

	json_object_object_add(r, "messageId", json_object_new_string(mid));
	json_object_object_add(r, "groupId", json_object_new_string(group));
	json_object_object_add(r, "to", json_object_new_string(get(m, "to")));
	json_object_object_add(r, "from", json_object_new_string(get(m, "from")));
	json_object_object_add(r, "type", json_object_new_string(type));
	json_object_object_add(r, "text", json_object_new_string(get(m, "text")));
	json_object_object_add(r, "subject", subject ? json_object_new_string(subject) : NULL);
	json_object_object_add(r, "dateCreated", json_object_new_string(date));
	if (json_object_object_get_ex(m, "customFields", &cf)) {
		ref = get(cf, "ref");
		json_object_object_add(r, "customFields", json_object_get(cf));
	}
	if (sim.nrecords == sim.caprecords) {
		sim.caprecords = sim.caprecords ? sim.caprecords * 2 : 64;
		sim.records = vh_xrealloc(sim.records, sim.caprecords * sizeof(*sim.records));
	}
	rec = &sim.records[sim.nrecords++];
	rec->obj = r;
	rec->to = vh_xstrdup(get(m, "to"));
	rec->ref = vh_xstrdup(ref ? ref : "");
	if (sim.record_file) {
		fprintf(sim.record_file, "%s\n",
			json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
		fflush(sim.record_file);
	}
}

static json_object *counts(size_t total, size_t failed)
{
	json_object *c = json_object_new_object();

	json_object_object_add(c, "total", json_object_new_int64((int64_t)total));
	json_object_object_add(c, "sentTotal", json_object_new_int(0));
	json_object_object_add(c, "sentFailed", json_object_new_int(0));
	json_object_object_add(c, "sentSuccess", json_object_new_int(0));
	json_object_object_add(c, "sentPending", json_object_new_int64((int64_t)(total - failed)));
	json_object_object_add(c, "sentReplacement", json_object_new_int(0));
	json_object_object_add(c, "refund", json_object_new_int(0));
	json_object_object_add(c, "registeredFailed", json_object_new_int64((int64_t)failed));
	json_object_object_add(c, "registeredSuccess",
			       json_object_new_int64((int64_t)(total - failed)));
	return c;
}

static json_object *money(void)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "requested", json_object_new_int(0));
	json_object_object_add(o, "replacement", json_object_new_int(0));
	json_object_object_add(o, "refund", json_object_new_int(0));
	json_object_object_add(o, "sum", json_object_new_int(0));
	return o;
}

/* One message's item: the full form (failedMessageList, /send) or the
 * short one (messageList). */
static json_object *item(json_object *m, const char *type, const char *code, const char *mid,
			 bool full)
{
	json_object *o = json_object_new_object(), *cf;

	if (full) {
		const char *to = get(m, "to"), *from = get(m, "from");

		json_object_object_add(o, "to", json_object_new_string(to ? to : ""));
		json_object_object_add(o, "from", json_object_new_string(from ? from : ""));
		json_object_object_add(o, "type", json_object_new_string(type));
		json_object_object_add(o, "country", json_object_new_string("82"));
		json_object_object_add(o, "accountId", json_object_new_string(sim.account_id));
	}
	json_object_object_add(o, "messageId", json_object_new_string(mid));
	json_object_object_add(o, "statusCode", json_object_new_string(code));
	json_object_object_add(o, "statusMessage", json_object_new_string(status_message(code)));
	if (json_object_object_get_ex(m, "customFields", &cf))
		json_object_object_add(o, "customFields", json_object_get(cf));
	return o;
}

void sim_answer_many(struct vh_req *req, json_object *list, bool allow_dup, bool show)
{
	size_t n = json_object_array_length(list), i, failed = 0, nsms = 0, nlms = 0;
	const char **tos = vh_palloc(req->pool, n * sizeof(*tos));
	json_object *o = vh_json_own(req->pool, json_object_new_object());
	json_object *gi = json_object_new_object(), *fl = json_object_new_array(), *ml = NULL;
	json_object *charge = json_object_new_object(), *c;
	char group[33], date[48];

	sim_id('G', group);
	iso_now(date);
	if (show)
		ml = json_object_new_array();
	for (i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(list, i);
		const char *type, *code = evaluate(req->pool, m, tos, i, allow_dup, &type);
		char mid[33];

		tos[i] = get(m, "to") ? get(m, "to") : "";
		sim_id('M', mid);
		if (strcmp(code, "2000") == 0) {
			record(m, type, group, mid, date);
			*(strcmp(type, "SMS") == 0 ? &nsms : &nlms) += 1;
		} else {
			failed++;
			json_object_array_add(fl, item(m, type, code, mid, true));
		}
		if (ml)
			json_object_array_add(ml, item(m, type, code, mid, false));
	}
	json_object_object_add(gi, "groupId", json_object_new_string(group));
	json_object_object_add(gi, "status",
			       json_object_new_string(failed == n ? "FAILED" : "SENDING"));
	json_object_object_add(gi, "accountId", json_object_new_string(sim.account_id));
	json_object_object_add(gi, "allowDuplicates", json_object_new_boolean(allow_dup));
	json_object_object_add(gi, "count", counts(n, failed));
	c = json_object_new_object();
	if (nsms)
		json_object_object_add(c, "82", json_object_new_int64((int64_t)nsms));
	json_object_object_add(charge, "sms", c);
	c = json_object_new_object();
	if (nlms)
		json_object_object_add(c, "82", json_object_new_int64((int64_t)nlms));
	json_object_object_add(charge, "lms", c);
	json_object_object_add(charge, "mms", json_object_new_object());
	json_object_object_add(gi, "countForCharge", charge);
	json_object_object_add(gi, "balance", money());
	json_object_object_add(gi, "point", money());
	json_object_object_add(gi, "log", json_object_new_array());
	json_object_object_add(gi, "dateCreated", json_object_new_string(date));
	json_object_object_add(gi, "dateUpdated", json_object_new_string(date));
	json_object_object_add(o, "groupInfo", gi);
	json_object_object_add(o, "failedMessageList", fl);
	if (ml)
		json_object_object_add(o, "messageList", ml);
	vh_resp_json(req, 200, o);
}

void sim_answer_one(struct vh_req *req, json_object *m)
{
	const char *type, *code = evaluate(req->pool, m, NULL, 0, true, &type);
	json_object *o;
	char group[33], mid[33], date[48];

	sim_id('G', group);
	sim_id('M', mid);
	iso_now(date);
	if (strcmp(code, "2000") != 0 && sim.send_failure_as_error) {
		sim_error(req, 400, "ValidationError",
			  vh_psprintf(req->pool, "%s (%s)", status_message(code), code));
		return;
	}
	if (strcmp(code, "2000") == 0)
		record(m, type, group, mid, date);
	o = vh_json_own(req->pool, item(m, type, code, mid, true));
	json_object_object_add(o, "groupId", json_object_new_string(group));
	vh_resp_json(req, 200, o);
}
