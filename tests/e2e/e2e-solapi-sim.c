/* solapi-sim speaks SOLAPI: the HMAC Authorization check (key, signature,
 * clock, replay), the message rules answered inside a 200, the answer
 * shapes, and the /_sim/ faults.  Requests are signed here with fixed or
 * chosen dates and salts. */
#include "config.h"

#include <time.h>

#include "buf.h"
#include "notify-util.h"
#include "solapi.h"

static char to[12], to2[12];

/* A signed header line with the given parts; NULL parts get good values. */
static const char *auth(const char *key, const char *secret, const char *date, const char *salt)
{
	static char line[512];
	char d[32], s[33];
	struct vh_buf b = VH_BUF_INIT;

	vh_solapi_date(time(NULL), d);
	vh_solapi_salt(s);
	vh_solapi_auth_header(&b, key ? key : t_env("SOLAPI_KEY"),
			      secret ? secret : t_env("SOLAPI_SECRET"), date ? date : d,
			      salt ? salt : s);
	snprintf(line, sizeof(line), "Authorization: %s", vh_buf_str(&b));
	vh_buf_free(&b);
	return line;
}

static void post(struct t_resp *r, const char *path, const char *auth_line, const char *body)
{
	const char *hdr[] = {auth_line, NULL};

	t_request(r, t_env("VH_SOLAPI_URL"), "POST", path, auth_line ? hdr : NULL,
		  "application/json", body, strlen(body));
}

static const char *msg_body(const char *from, const char *dest, const char *text,
			    const char *type, const char *extra)
{
	static char body[8192];

	snprintf(body, sizeof(body),
		 "{\"messages\":[{\"to\":\"%s\",\"from\":\"%s\",\"text\":\"%s\"%s%s%s%s}],"
		 "\"showMessageList\":true}", dest, from ? from : t_env("SOLAPI_FROM"), text,
		 type ? ",\"type\":\"" : "", type ? type : "", type ? "\"" : "",
		 extra ? extra : "");
	return body;
}

static void expect_error(const struct t_resp *r, long status, const char *code, const char *what)
{
	is_int(r->status, status, "%s: HTTP %ld", what, status);
	is_str(t_str(r, "errorCode"), code, "%s: errorCode %s", what, code);
}

/* The status code of the only message of a send-many/detail answer. */
static const char *only_status(const struct t_resp *r)
{
	json_object *gi, *fl, *ml;

	if (!r->json || !json_object_object_get_ex(r->json, "groupInfo", &gi))
		return NULL;
	if (json_object_object_get_ex(r->json, "failedMessageList", &fl) &&
	    json_object_array_length(fl) > 0)
		return n_str(json_object_array_get_idx(fl, 0), "statusCode");
	if (json_object_object_get_ex(r->json, "messageList", &ml) && json_object_array_length(ml))
		return n_str(json_object_array_get_idx(ml, 0), "statusCode");
	return NULL;
}

static void authorization(void)
{
	struct t_resp r;
	const char *body = msg_body(NULL, to, "hello", "SMS", NULL);
	char date[32], line[512];
	struct vh_buf b = VH_BUF_INIT;

	post(&r, "/messages/v4/send-many/detail", NULL, body);
	expect_error(&r, 401, "Unauthorized", "no Authorization");
	t_resp_free(&r);
	post(&r, "/messages/v4/send-many/detail", "Authorization: Bearer abc", body);
	expect_error(&r, 400, "InvalidToken", "a Bearer token");
	t_resp_free(&r);
	post(&r, "/messages/v4/send-many/detail", auth("SHORTKEY", NULL, NULL, NULL), body);
	expect_error(&r, 400, "ValidationError", "a key that is not 16 characters");
	t_resp_free(&r);
	post(&r, "/messages/v4/send-many/detail", auth("ZZZZZZZZZZZZZZZZ", NULL, NULL, NULL), body);
	expect_error(&r, 403, "InvalidAPIKey", "an unknown key");
	t_resp_free(&r);
	post(&r, "/messages/v4/send-many/detail",
	     auth(NULL, "wrong-secret-wrong-secret-000000", NULL, NULL), body);
	expect_error(&r, 403, "SignatureDoesNotMatch", "a wrong secret");
	t_resp_free(&r);
	vh_solapi_date(time(NULL) - 20 * 60, date);
	post(&r, "/messages/v4/send-many/detail", auth(NULL, NULL, date, NULL), body);
	expect_error(&r, 403, "RequestTimeTooSkewed", "a date 20 minutes old");
	t_resp_free(&r);
	post(&r, "/messages/v4/send-many/detail", auth(NULL, NULL, NULL, "short"), body);
	expect_error(&r, 400, "ValidationError", "a salt under 12 characters");
	t_resp_free(&r);

	/* A good header, then the very same header again. */
	snprintf(line, sizeof(line), "%s", auth(NULL, NULL, NULL, NULL));
	post(&r, "/messages/v4/send-many/detail", line, body);
	is_int(r.status, 200, "a correctly signed request is accepted");
	t_resp_free(&r);
	post(&r, "/messages/v4/send-many/detail", line, body);
	expect_error(&r, 403, "DuplicatedSignature", "the same signature again");
	t_resp_free(&r);

	/* The Python SDK's spelling: ApiKey=/Date=, a fraction and an offset. */
	{
		time_t now = time(NULL) + 9 * 3600;
		struct tm tm;
		char d[40], s[33], sig[65];

		gmtime_r(&now, &tm);
		strftime(d, sizeof(d), "%Y-%m-%dT%H:%M:%S.123456+09:00", &tm);
		vh_solapi_salt(s);
		vh_solapi_signature(t_env("SOLAPI_SECRET"), d, s, sig);
		vh_buf_printf(&b, "Authorization: HMAC-SHA256 ApiKey=%s, Date=%s, ",
			      t_env("SOLAPI_KEY"), d);
		vh_buf_printf(&b, "salt=%s, signature=%s", s, sig);
		post(&r, "/messages/v4/send-many/detail", vh_buf_str(&b), body);
		is_int(r.status, 200, "key names in any case, a +09:00 date with a fraction");
		t_resp_free(&r);
		vh_buf_free(&b);
	}
}

static void shapes(void)
{
	struct t_resp r;
	json_object *gi, *c, *ml;
	const char *id;

	post(&r, "/messages/v4/send-many/detail", auth(NULL, NULL, NULL, NULL),
	     msg_body(NULL, to2, "shape", "SMS", ",\"customFields\":{\"ref\":\"shape-1\"}"));
	t_status(&r, 200, "send-many/detail");
	ok(json_object_object_get_ex(r.json, "groupInfo", &gi) &&
	   (id = n_str(gi, "groupId")) && strlen(id) == 32 && !strncmp(id, "G4V", 3),
	   "groupId is G4V + 29 characters");
	ok(json_object_object_get_ex(gi, "count", &c) && n_int(c, "total") == 1 &&
	   n_int(c, "registeredSuccess") == 1 && n_int(c, "registeredFailed") == 0,
	   "groupInfo.count agrees");
	ok(json_object_object_get_ex(r.json, "messageList", &ml) &&
	   json_object_array_length(ml) == 1 &&
	   (id = n_str(json_object_array_get_idx(ml, 0), "messageId")) && strlen(id) == 32 &&
	   !strncmp(id, "M4V", 3), "messageList with a M4V message id");
	t_resp_free(&r);
	is_int(n_sim_count_ref(to2, "shape-1"), 1,
	       "the simulator recorded it with its customFields");

	post(&r, "/messages/v4/send", auth(NULL, NULL, NULL, NULL),
	     "{\"message\":{\"to\":\"01012345678\",\"from\":\"0212345678\",\"text\":\"one\"}}");
	if (strcmp(t_env("SOLAPI_FROM"), "0212345678") == 0) {
		t_status(&r, 200, "/send");
		is_str(t_str(&r, "statusCode"), "2000", "statusCode is the string 2000");
		is_str(t_str(&r, "country"), "82", "country 82");
		is_str(t_str(&r, "type"), "SMS", "auto-detected SMS");
	}
	t_resp_free(&r);
	post(&r, "/messages/v4/send", auth(NULL, NULL, NULL, NULL),
	     "{\"message\":{\"to\":\"01012345678\",\"from\":\"0299990000\",\"text\":\"one\"}}");
	is_str(t_str(&r, "statusCode"), "1062", "/send answers a refused message in a 200");
	t_resp_free(&r);
}

static void message_rules(void)
{
	static char h46[200], h45[200], a2001[2100];
	static const struct {
		const char *from, *text, *type, *extra, *status, *what;
	} cases[] = {
		{"0299990000", "x", "SMS", NULL, "1062", "an unregistered sender"},
		{NULL, "x", "SMS", ",\"subject\":\"s\"", "1013", "a subject on an SMS"},
		{NULL, "서버 \xf0\x9f\x98\x80", "SMS", NULL, "1029", "emoji in an SMS"},
		{NULL, h46, "SMS", NULL, "1031", "an SMS of 92 bytes"},
		{NULL, h45, "SMS", NULL, "2000", "an SMS of 90 bytes"},
		{NULL, h46, "LMS", NULL, "2000", "an LMS of 92 bytes"},
		{NULL, a2001, "LMS", NULL, "1031", "an LMS of 2001 bytes"},
		{NULL, "x", "ATA", NULL, "1025", "an unknown type"},
		{NULL, "x", NULL, ",\"autoTypeDetect\":false", "1010",
		 "no type, no auto-detection"},
	};
	struct t_resp r;
	size_t i;
	int k;

	for (k = 0; k < 46; k++)
		strcat(h46, "한");
	for (k = 0; k < 45; k++)
		strcat(h45, "한");
	memset(a2001, 'a', 2001);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		post(&r, "/messages/v4/send-many/detail", auth(NULL, NULL, NULL, NULL),
		     msg_body(cases[i].from, to, cases[i].text, cases[i].type, cases[i].extra));
		is_int(r.status, 200, "%s: HTTP 200", cases[i].what);
		is_str(only_status(&r), cases[i].status, "%s: %s", cases[i].what,
		       cases[i].status ? cases[i].status : "accepted");
		t_resp_free(&r);
	}

	/* Numbers: digits only, never stripped by the server. */
	post(&r, "/messages/v4/send-many/detail", auth(NULL, NULL, NULL, NULL),
	     msg_body(NULL, "010-1234-5678", "x", "SMS", NULL));
	is_str(only_status(&r), "1011", "a hyphenated recipient is a format error");
	t_resp_free(&r);

	/* Duplicates: refused unless allowDuplicates. */
	{
		char body[512];

		snprintf(body, sizeof(body),
			 "{\"messages\":[{\"to\":\"%s\",\"from\":\"%s\",\"text\":\"a\"},"
			 "{\"to\":\"%s\",\"from\":\"%s\",\"text\":\"b\"}]}", to,
			 t_env("SOLAPI_FROM"), to, t_env("SOLAPI_FROM"));
		post(&r, "/messages/v4/send-many/detail", auth(NULL, NULL, NULL, NULL), body);
		is_str(only_status(&r), "1026", "the second identical recipient gets 1026");
		ok(!strstr(r.body, "messageList"), "no messageList without showMessageList");
		t_resp_free(&r);
		snprintf(body, sizeof(body),
			 "{\"messages\":[{\"to\":\"%s\",\"from\":\"%s\",\"text\":\"a\"},"
			 "{\"to\":\"%s\",\"from\":\"%s\",\"text\":\"b\"}],"
			 "\"allowDuplicates\":true}", to, t_env("SOLAPI_FROM"), to,
			 t_env("SOLAPI_FROM"));
		post(&r, "/messages/v4/send-many/detail", auth(NULL, NULL, NULL, NULL), body);
		is_str(only_status(&r), NULL, "allowDuplicates accepts both");
		t_resp_free(&r);
	}

	/* Malformed requests are 400 ValidationError. */
	post(&r, "/messages/v4/send-many/detail", auth(NULL, NULL, NULL, NULL), "{nope");
	expect_error(&r, 400, "ValidationError", "bad JSON");
	t_resp_free(&r);
	post(&r, "/messages/v4/send-many/detail", auth(NULL, NULL, NULL, NULL),
	     "{\"messages\":{}}");
	expect_error(&r, 400, "ValidationError", "messages not an array");
	t_resp_free(&r);
	post(&r, "/messages/v4/send-many/detail", auth(NULL, NULL, NULL, NULL),
	     "{\"messages\":[{\"to\":1,\"from\":\"0212345678\",\"text\":\"x\"}]}");
	expect_error(&r, 400, "ValidationError", "a number where a string belongs");
	t_resp_free(&r);
}

static void faults(void)
{
	struct t_resp r;
	char f[256];

	snprintf(f, sizeof(f), "{\"to\":\"%s\",\"status\":429,\"errorCode\":\"TooManyRequests\","
		 "\"errorMessage\":\"slow down\"}", to);
	n_sim_fault(f);
	post(&r, "/messages/v4/send-many/detail", auth(NULL, NULL, NULL, NULL),
	     msg_body(NULL, to, "x", "SMS", NULL));
	expect_error(&r, 429, "TooManyRequests", "an injected 429");
	t_resp_free(&r);
	post(&r, "/messages/v4/send-many/detail", auth(NULL, NULL, NULL, NULL),
	     msg_body(NULL, to, "x", "SMS", NULL));
	is_int(r.status, 200, "the fault was used up");
	t_resp_free(&r);
	snprintf(f, sizeof(f), "{\"to\":\"%s\",\"status\":502,\"html\":true}", to);
	n_sim_fault(f);
	post(&r, "/messages/v4/send-many/detail", auth(NULL, NULL, NULL, NULL),
	     msg_body(NULL, to, "x", "SMS", NULL));
	is_int(r.status, 502, "an injected 502");
	ok(t_header(&r, "Content-Type") && strstr(t_header(&r, "Content-Type"), "text/html"),
	   "with an HTML body");
	t_resp_free(&r);
	snprintf(f, sizeof(f), "{\"to\":\"%s\",\"messageStatusCode\":\"1030\"}", to);
	n_sim_fault(f);
	post(&r, "/messages/v4/send-many/detail", auth(NULL, NULL, NULL, NULL),
	     msg_body(NULL, to, "x", "SMS", NULL));
	is_str(only_status(&r), "1030", "an injected per-message 1030 inside a 200");
	t_resp_free(&r);

	t_request(&r, t_env("VH_SOLAPI_URL"), "POST", "/_sim/faults", NULL, "application/json",
		  "{}", 2);
	is_int(r.status, 422, "a fault needs status, messageStatusCode or delayMs");
	t_resp_free(&r);
	t_request(&r, t_env("VH_SOLAPI_URL"), "POST", "/_sim/faults", NULL, "application/json",
		  "{\"status\":200}", 14);
	is_int(r.status, 422, "a fault status must be an error");
	t_resp_free(&r);
}

int main(void)
{
	t_init();
	n_random_phone(to);
	n_random_phone(to2);
	authorization();
	shapes();
	message_rules();
	faults();
	t_done();
	return done_testing();
}
