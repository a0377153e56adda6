/* lib/solapi.c: request signing against vectors made independently with
 *   printf '%s' "$date$salt" | openssl dgst -sha256 -hmac "$secret"
 * the SMS/LMS boundary in EUC-KR bytes with Hangul, and the reading of
 * SOLAPI's answers (failures inside a 200, error bodies). */
#include "config.h"

#include <stdlib.h>

#include <json-c/json.h>

#include "buf.h"
#include "pool.h"
#include "solapi.h"
#include "tap.h"

static char *repeat(const char *unit, int n, const char *tail)
{
	struct vh_buf b = VH_BUF_INIT;
	int i;

	for (i = 0; i < n; i++)
		vh_buf_adds(&b, unit);
	vh_buf_adds(&b, tail);
	return b.data;
}

static void signing(void)
{
	char sig[65], date[32], s1[33], s2[33];
	struct vh_buf h = VH_BUF_INIT;

	vh_solapi_signature("ABCDEFGHIJKLMNOPQRSTUVWXYZ123456", "2019-07-01T00:41:48Z",
			    "0123456789abcdef", sig);
	is_str(sig, "e30a5faeaa550962b15539020371e3424363bbf94208a4ef79dbfb5f20e0c790",
	       "signature matches openssl's HMAC-SHA256 of date+salt");
	vh_solapi_signature("secret-with-한글", "2026-11-23T03:20:29Z", "f1e2d3c4b5a69788", sig);
	is_str(sig, "b31190e62ef11f8b3fdfe5f20f5fa8309f4503ce9c8f4d908c87f3cbd77f2e24",
	       "second vector (UTF-8 secret)");
	vh_solapi_auth_header(&h, "NCSAYU7YDBXYORXC", "ABCDEFGHIJKLMNOPQRSTUVWXYZ123456",
			      "2019-07-01T00:41:48Z", "0123456789abcdef");
	is_str(vh_buf_str(&h),
	       "HMAC-SHA256 apiKey=NCSAYU7YDBXYORXC, date=2019-07-01T00:41:48Z, "
	       "salt=0123456789abcdef, "
	       "signature=e30a5faeaa550962b15539020371e3424363bbf94208a4ef79dbfb5f20e0c790",
	       "Authorization header as SOLAPI documents it");
	vh_buf_free(&h);
	vh_solapi_date(1561941708, date);
	is_str(date, "2019-07-01T00:41:48Z", "date is ISO 8601 UTC without fraction");
	vh_solapi_salt(s1);
	vh_solapi_salt(s2);
	ok(strlen(s1) == 32 && strspn(s1, "0123456789abcdef") == 32, "salt is 32 hex digits");
	ok(strcmp(s1, s2) != 0, "every salt is new");
}

static void check_type(const char *text, const char *subject, enum vh_status want_st,
		       enum vh_sms_type want, const char *what)
{
	struct vh_err err;
	enum vh_sms_type t = (enum vh_sms_type)-1;
	enum vh_status st;

	vh_err_clear(&err);
	st = vh_sms_type_for(text, subject, &t, &err);
	if (want_st == VH_OK)
		ok(st == VH_OK && t == want, "%s: %s", what, vh_sms_type_name(want));
	else
		ok(st == want_st, "%s: refused (%s)", what, err.code);
}

static void lengths(void)
{
	size_t n = 0;
	char *h45 = repeat("가", 45, ""), *h46 = repeat("한", 46, "");
	char *a90 = repeat("a", 90, ""), *a91 = repeat("a", 91, "");
	char *h44a2 = repeat("서", 44, "ok"), *h44a3 = repeat("서", 44, "ok!");
	char *h1000 = repeat("글", 1000, ""), *h1000a = repeat("글", 1000, "a");
	char *s20 = repeat("제", 20, ""), *s21 = repeat("제", 21, "");
	struct vh_pool *pool = vh_pool_new();

	ok(vh_euckr_bytes("abc", &n) == 0 && n == 3, "ASCII is 1 byte each");
	ok(vh_euckr_bytes("한글", &n) == 0 && n == 4, "Hangul is 2 bytes each");
	ok(vh_euckr_bytes(h45, &n) == 0 && n == 90, "45 Hangul are 90 bytes");
	ok(vh_euckr_bytes("똠", &n) < 0, "똠 is outside KS X 1001");
	ok(vh_euckr_bytes("서버 😀", &n) < 0, "emoji is outside EUC-KR");
	ok(vh_euckr_bytes("\xe2\x82", &n) < 0, "cut UTF-8 is refused");

	check_type(h45, NULL, VH_OK, VH_SMS_SMS, "45 Hangul (90 bytes)");
	check_type(h46, NULL, VH_OK, VH_SMS_LMS, "46 Hangul (92 bytes)");
	check_type(a90, NULL, VH_OK, VH_SMS_SMS, "90 ASCII");
	check_type(a91, NULL, VH_OK, VH_SMS_LMS, "91 ASCII");
	check_type(h44a2, NULL, VH_OK, VH_SMS_SMS, "44 Hangul + 2 ASCII (90 bytes)");
	check_type(h44a3, NULL, VH_OK, VH_SMS_LMS, "44 Hangul + 3 ASCII (91 bytes)");
	check_type(h1000, NULL, VH_OK, VH_SMS_LMS, "1000 Hangul (2000 bytes)");
	check_type(h1000a, NULL, VH_INVALID, 0, "2001 bytes");
	check_type("서버 😀", NULL, VH_INVALID, 0, "emoji");
	check_type("", NULL, VH_INVALID, 0, "empty text");
	check_type(h46, s20, VH_OK, VH_SMS_LMS, "subject of 40 bytes");
	check_type(h46, s21, VH_INVALID, 0, "subject of 42 bytes");

	is_str(vh_sms_sanitize(pool, "web😀서버똠\x01x\ny"), "web?서버? x\ny",
	       "sanitize: emoji and 똠 become ?, controls a space, newline kept");
	vh_pool_free(pool);
	free(h45), free(h46), free(a90), free(a91), free(h44a2), free(h44a3);
	free(h1000), free(h1000a), free(s20), free(s21);
}

static void classify(void)
{
	static const struct {
		const char *code;
		enum vh_solapi_outcome want;
	} st[] = {
		{"2000", VH_SOLAPI_SENT}, {"1026", VH_SOLAPI_RETRY}, {"1030", VH_SOLAPI_RETRY},
		{"1062", VH_SOLAPI_REJECTED}, {"1029", VH_SOLAPI_REJECTED},
		{"1099", VH_SOLAPI_REJECTED}, {"2999", VH_SOLAPI_RETRY},
	};
	static const struct {
		long http;
		const char *code;
		enum vh_solapi_outcome want;
	} er[] = {
		{403, "SignatureDoesNotMatch", VH_SOLAPI_CONFIG},
		{403, "InvalidAPIKey", VH_SOLAPI_CONFIG},
		{401, "Unauthorized", VH_SOLAPI_CONFIG},
		{403, "RequestTimeTooSkewed", VH_SOLAPI_RETRY},
		{403, "DuplicatedSignature", VH_SOLAPI_RETRY},
		{429, "TooManyRequests", VH_SOLAPI_RETRY},
		{500, "InternalServerError", VH_SOLAPI_RETRY},
		{502, NULL, VH_SOLAPI_RETRY},
		{503, NULL, VH_SOLAPI_RETRY},
		{400, "ValidationError", VH_SOLAPI_REJECTED},
		{404, NULL, VH_SOLAPI_REJECTED},
	};
	size_t i;

	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++)
		is_int(vh_solapi_classify_status(st[i].code), st[i].want, "status %s is %s",
		       st[i].code, vh_solapi_outcome_name(st[i].want));
	for (i = 0; i < sizeof(er) / sizeof(er[0]); i++)
		is_int(vh_solapi_classify_error(er[i].http, er[i].code), er[i].want, "%ld %s is %s",
		       er[i].http, er[i].code ? er[i].code : "(no body)",
		       vh_solapi_outcome_name(er[i].want));
}

static const struct vh_solapi_msg msgs[] = {
	{"01011112222", "0212345678", "a", NULL, VH_SMS_SMS, "ref-a"},
	{"01033334444", "0212345678", "b", NULL, VH_SMS_SMS, "ref-b"},
	{"01055556666", "0212345678", "c", NULL, VH_SMS_SMS, "ref-c"},
	{"01077778888", "0212345678", "d", NULL, VH_SMS_SMS, "ref-d"},
	{"01099990000", "0212345678", "e", NULL, VH_SMS_SMS, "ref-e"},
};

static void answers(void)
{
	struct vh_solapi_result r[5];
	struct vh_solapi_reply reply;
	/* A answered in messageList; B, C refused by ref; D refused by
	 * recipient only; E not listed at all (accepted in the group). */
	const char *many =
		"{\"groupInfo\":{\"groupId\":\"G4V20261123122000ABCDEFGHIJKLMNO\","
		"\"status\":\"SENDING\","
		"\"count\":{\"total\":5,\"registeredFailed\":3,\"registeredSuccess\":2}},"
		"\"messageList\":[{\"messageId\":\"M4V20261123122000AAAAAAAAAAAAAAA\","
		"\"statusCode\":\"2000\","
		"\"statusMessage\":\"정상 접수(이통사로 접수 예정) \",\"customFields\":{\"ref\":\"ref-a\"}}],"
		"\"failedMessageList\":["
		"{\"to\":\"01033334444\",\"statusCode\":\"1062\",\"statusMessage\":\"발신번호 미등록\","
		"\"customFields\":{\"ref\":\"ref-b\"}},"
		"{\"to\":\"01055556666\",\"statusCode\":\"1030\",\"statusMessage\":\"잔액 부족\","
		"\"customFields\":{\"ref\":\"ref-c\"}},"
		"{\"to\":\"01077778888\",\"statusCode\":\"1026\",\"statusMessage\":\"중복 수신번호\"}]}";
	char *body;
	json_object *o, *arr, *m, *v;

	vh_solapi_parse_many(200, many, msgs, 5, r, &reply);
	is_int(reply.outcome, VH_SOLAPI_SENT, "200: the request went through");
	is_str(reply.group_id, "G4V20261123122000ABCDEFGHIJKLMNO", "group id read");
	is_int(r[0].outcome, VH_SOLAPI_SENT, "A accepted");
	is_str(r[0].message_id, "M4V20261123122000AAAAAAAAAAAAAAA", "A's message id");
	is_int(r[1].outcome, VH_SOLAPI_REJECTED, "B: 1062 inside a 200 is a permanent failure");
	is_str(r[1].status_code, "1062", "B's status code");
	is_int(r[2].outcome, VH_SOLAPI_RETRY, "C: 1030 inside a 200 is retryable");
	is_int(r[3].outcome, VH_SOLAPI_RETRY, "D: 1026 matched by recipient");
	is_int(r[4].outcome, VH_SOLAPI_SENT, "E: not listed, accepted in the group");

	vh_solapi_parse_many(500,
			     "{\"errorCode\":\"InternalServerError\",\"errorMessage\":\"boom\"}",
			     msgs, 2, r, &reply);
	ok(reply.outcome == VH_SOLAPI_RETRY && r[0].outcome == VH_SOLAPI_RETRY &&
	   r[1].outcome == VH_SOLAPI_RETRY, "500 JSON: every message retryable");
	is_str(reply.error_code, "InternalServerError", "errorCode read");
	ok(strstr(reply.detail, "boom") != NULL, "errorMessage in the detail");
	vh_solapi_parse_many(502, "<html><body>Bad Gateway</body></html>", msgs, 1, r, &reply);
	ok(reply.outcome == VH_SOLAPI_RETRY, "502 HTML: retryable");
	is_str(reply.error_code, "HTTP_502", "no errorCode: HTTP_<status>");
	vh_solapi_parse_many(403,
			     "{\"errorCode\":\"SignatureDoesNotMatch\",\"errorMessage\":\"x\"}",
			     msgs, 1, r, &reply);
	ok(reply.outcome == VH_SOLAPI_CONFIG && r[0].outcome == VH_SOLAPI_CONFIG,
	   "403 SignatureDoesNotMatch: configuration");
	vh_solapi_parse_many(200, "not json", msgs, 2, r, &reply);
	ok(reply.outcome == VH_SOLAPI_SENT && r[0].outcome == VH_SOLAPI_SENT,
	   "an unreadable 200 counts as accepted (never send twice)");

	vh_solapi_parse_one(200,
			    "{\"groupId\":\"G4V1\",\"to\":\"01000000001\",\"messageId\":\"M4V1\","
			    "\"statusCode\":\"2000\",\"statusMessage\":\"정상 접수 \"}", r, &reply);
	ok(reply.outcome == VH_SOLAPI_SENT && r[0].outcome == VH_SOLAPI_SENT, "/send 2000");
	is_str(r[0].message_id, "M4V1", "/send message id");
	vh_solapi_parse_one(200, "{\"groupId\":\"G4V1\",\"statusCode\":\"1062\"}", r, &reply);
	is_int(r[0].outcome, VH_SOLAPI_REJECTED, "/send 200 with 1062 is a failure");
	vh_solapi_parse_one(400, "{\"errorCode\":\"ValidationError\",\"errorMessage\":\"1062\"}", r,
			    &reply);
	is_int(r[0].outcome, VH_SOLAPI_REJECTED, "/send refusal as an error body");

	body = vh_solapi_many_body((const struct vh_solapi_msg[]){
		{"01011112222", "0212345678", "짧은", NULL, VH_SMS_SMS, "r1"},
		{"01011112222", "0212345678", "긴", "제목", VH_SMS_LMS, "r2"}}, 2);
	o = json_tokener_parse(body);
	ok(o && json_object_object_get_ex(o, "messages", &arr) &&
	   json_object_array_length(arr) == 2, "send-many body has both messages");
	m = json_object_array_get_idx(arr, 0);
	ok(json_object_object_get_ex(m, "type", &v) && !strcmp(json_object_get_string(v), "SMS"),
	   "type is explicit");
	ok(json_object_object_get_ex(m, "autoTypeDetect", &v) && !json_object_get_boolean(v),
	   "autoTypeDetect off");
	ok(!json_object_object_get_ex(m, "subject", &v), "no subject on an SMS");
	m = json_object_array_get_idx(arr, 1);
	ok(json_object_object_get_ex(m, "subject", &v) && !strcmp(json_object_get_string(v), "제목"),
	   "subject on the LMS");
	ok(json_object_object_get_ex(o, "allowDuplicates", &v) && json_object_get_boolean(v),
	   "allowDuplicates (the outbox dedupes)");
	ok(json_object_object_get_ex(o, "showMessageList", &v) && json_object_get_boolean(v),
	   "showMessageList (message ids come back)");
	json_object_put(o);
	free(body);
}

int main(void)
{
	signing();
	lengths();
	classify();
	answers();
	return done_testing();
}
