/* solapi-sim: a SOLAPI simulator for tests and the local stack, as one
 * FastCGI process behind nginx holding its state in memory.  It checks the
 * HMAC Authorization header as SOLAPI does, validates messages (registered
 * senders, digits-only numbers, EUC-KR lengths, duplicates), answers in
 * SOLAPI's shapes, records every accepted message, and takes faults over
 * /_sim/ (research/solapi.md section 10; README "SMS").
 *
 *   POST /messages/v4/send-many/detail, POST /messages/v4/send   SOLAPI
 *   GET  /_sim/messages[?to=N][&ref=R]    accepted messages, oldest first
 *   POST /_sim/faults {"to"?, "count"?, "status"?, "errorCode"?, "errorMessage"?,
 *                      "html"?, "messageStatusCode"?, "delayMs"?}
 *   DELETE /_sim/faults
 *   POST /_sim/config {"balance"?, "senders"?, "clockOffsetSeconds"?,
 *                      "sendFailureAsError"?}
 *
 * A fault with "to" applies only to requests (or, with messageStatusCode,
 * to messages) for that recipient, so tests running side by side do not
 * trip over each other's faults. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cfg.h"
#include "cli.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "pool.h"
#include "serve.h"
#include "solapi-sim.h"
#include "uuid.h"
#include "validate.h"

struct sim sim;

/* --- answers in SOLAPI's shape -------------------------------------------- */

void sim_error(struct vh_req *req, int status, const char *code, const char *message)
{
	json_object *o = vh_json_own(req->pool, json_object_new_object());

	json_object_object_add(o, "errorCode", json_object_new_string(code));
	json_object_object_add(o, "errorMessage", json_object_new_string(message));
	vh_resp_json(req, status, o);
}

void sim_id(char prefix, char out[33])
{
	static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char rnd[15];
	time_t t = sim_now() + 9 * 3600;   /* the timestamp part is KST */
	struct tm tm;
	int i;

	gmtime_r(&t, &tm);
	out[0] = prefix;
	out[1] = '4';
	out[2] = 'V';
	strftime(out + 3, 15, "%Y%m%d%H%M%S", &tm);
	vh_random_bytes(rnd, sizeof(rnd));
	for (i = 0; i < 15; i++)
		out[17 + i] = alnum[rnd[i] % 36];
	out[32] = '\0';
}

time_t sim_now(void)
{
	return time(NULL) + sim.clock_offset;
}

/* --- faults ----------------------------------------------------------------- */

/* The first request-level fault that matches one of the recipients; its
 * count is used up here. */
static struct sim_fault *take_request_fault(const char *const *tos, size_t n)
{
	size_t i, k;

	for (i = 0; i < sim.nfaults; i++) {
		struct sim_fault *f = &sim.faults[i];
		bool match = !f->to[0];

		if (f->count <= 0 || f->msg_status[0])
			continue;
		for (k = 0; !match && k < n; k++)
			match = strcmp(f->to, tos[k]) == 0;
		if (match) {
			f->count--;
			return f;
		}
	}
	return NULL;
}

const char *sim_take_message_fault(const char *to)
{
	size_t i;

	for (i = 0; i < sim.nfaults; i++) {
		struct sim_fault *f = &sim.faults[i];

		if (f->count > 0 && f->msg_status[0] && (!f->to[0] || strcmp(f->to, to) == 0)) {
			f->count--;
			return f->msg_status;
		}
	}
	return NULL;
}

/* Apply a request-level fault; returns true when it answered. */
static bool request_fault(struct vh_req *req, const char *const *tos, size_t n)
{
	struct sim_fault *f = take_request_fault(tos, n);

	if (!f)
		return false;
	if (f->delay_ms > 0)
		usleep((useconds_t)f->delay_ms * 1000);
	if (!f->status)
		return false;
	if (f->html) {
		static const char page[] = "<html><head><title>Bad Gateway</title></head>"
					   "<body><h1>Bad Gateway</h1></body></html>\n";

		vh_resp_raw(req, f->status, NULL, "text/html", page, sizeof(page) - 1);
	} else {
		sim_error(req, f->status, f->error_code[0] ? f->error_code : "InternalServerError",
			  f->error_message[0] ? f->error_message : "simulated failure");
	}
	return true;
}

/* --- SOLAPI routes ---------------------------------------------------------- */

static enum vh_status handle_send(struct vh_req *req, bool many)
{
	const char *body, *tos[SIM_MAX_MESSAGES];
	size_t len, n, i;
	json_object *o, *list = NULL, *one = NULL, *v;
	struct vh_err perr;
	bool allow_dup = false, show = false;

	if (!sim_check_auth(req))
		return VH_OK;
	vh_err_clear(&perr);
	if (vh_req_body(req, &body, &len, &perr) != VH_OK) {
		sim_error(req, 400, "ValidationError", perr.detail);
		return VH_OK;
	}
	if (vh_json_parse_object(req->pool, body, len, &o, &perr) != VH_OK) {
		sim_error(req, 400, "ValidationError", "요청 본문이 올바른 JSON이 아닙니다 (invalid JSON)");
		return VH_OK;
	}
	if (many) {
		if (!json_object_object_get_ex(o, "messages", &list) ||
		    !json_object_is_type(list, json_type_array) ||
		    json_object_array_length(list) == 0 ||
		    json_object_array_length(list) > SIM_MAX_MESSAGES) {
			sim_error(req, 400, "ValidationError",
				  "messages must be an array of 1 to 10000 messages");
			return VH_OK;
		}
		if (json_object_object_get_ex(o, "allowDuplicates", &v))
			allow_dup = json_object_get_boolean(v);
		if (json_object_object_get_ex(o, "showMessageList", &v))
			show = json_object_get_boolean(v);
		n = json_object_array_length(list);
	} else {
		if (!json_object_object_get_ex(o, "message", &one) ||
		    !json_object_is_type(one, json_type_object)) {
			sim_error(req, 400, "ValidationError", "message must be an object");
			return VH_OK;
		}
		n = 1;
	}
	for (i = 0; i < n; i++) {
		json_object *m = many ? json_object_array_get_idx(list, i) : one;
		const char *bad = sim_field_types(m);

		if (bad) {
			sim_error(req, 400, "ValidationError",
				  vh_psprintf(req->pool, "messages[%zu]: %s", i, bad));
			return VH_OK;
		}
		tos[i] = json_object_object_get_ex(m, "to", &v) ? json_object_get_string(v) : "";
	}
	/* Faults come after the signature check, so a retry that reuses the
	 * signature of a failed request is still refused as a replay. */
	if (request_fault(req, tos, n))
		return VH_OK;
	if (many)
		sim_answer_many(req, list, allow_dup, show);
	else
		sim_answer_one(req, one);
	return VH_OK;
}

static enum vh_status sim_send_many(struct vh_req *req, struct vh_err *err)
{
	return handle_send(req, true);
}

static enum vh_status sim_send_one(struct vh_req *req, struct vh_err *err)
{
	return handle_send(req, false);
}

/* --- /_sim/ control -------------------------------------------------------- */

static enum vh_status sim_messages(struct vh_req *req, struct vh_err *err)
{
	const char *to, *ref;
	json_object *o, *arr;
	enum vh_status st;
	size_t i;

	if ((st = vh_req_query(req, "to", &to, err)) != VH_OK ||
	    (st = vh_req_query(req, "ref", &ref, err)) != VH_OK)
		return st;
	o = vh_json_own(req->pool, json_object_new_object());
	arr = json_object_new_array();
	for (i = 0; i < sim.nrecords; i++) {
		const struct sim_record *r = &sim.records[i];

		if ((to && strcmp(to, r->to) != 0) || (ref && strcmp(ref, r->ref) != 0))
			continue;
		json_object_array_add(arr, json_object_get(r->obj));
	}
	json_object_object_add(o, "messages", arr);
	vh_resp_json(req, 200, o);
	return VH_OK;
}

struct fault_in {
	const char *to, *error_code, *error_message, *msg_status;
	struct vh_opt_int count, status, delay_ms;
	struct vh_opt_bool html;
};

static const struct vh_fdef fault_fields[] = {
	{"to", VH_F_STRING, false, 1, 16, offsetof(struct fault_in, to), NULL, false},
	{"count", VH_F_INT, false, 1, 100000, offsetof(struct fault_in, count), NULL, false},
	{"status", VH_F_INT, false, 400, 599, offsetof(struct fault_in, status), NULL, false},
	{"errorCode", VH_F_STRING, false, 1, 63, offsetof(struct fault_in, error_code), NULL,
	 false},
	{"errorMessage", VH_F_STRING, false, 1, 255, offsetof(struct fault_in, error_message), NULL,
	 false},
	{"html", VH_F_BOOL, false, 0, 0, offsetof(struct fault_in, html), NULL, false},
	{"messageStatusCode", VH_F_STRING, false, 4, 4, offsetof(struct fault_in, msg_status), NULL,
	 false},
	{"delayMs", VH_F_INT, false, 0, 60000, offsetof(struct fault_in, delay_ms), NULL, false},
	{NULL, 0, false, 0, 0, 0, NULL, false},
};

static enum vh_status sim_fault_add(struct vh_req *req, struct vh_err *err)
{
	struct fault_in in;
	struct sim_fault *f;
	json_object *body;
	enum vh_status st;

	memset(&in, 0, sizeof(in));
	st = vh_req_json(req, &body, err);
	if (st == VH_OK)
		st = vh_validate(req->pool, body, fault_fields, &in, err);
	if (st != VH_OK)
		return st;
	if (!in.status.set && !in.msg_status && !in.delay_ms.set)
		return vh_fail(err, VH_INVALID, "empty_fault",
			       "give status, messageStatusCode or delayMs");
	if (in.msg_status && (in.status.set || strspn(in.msg_status, "0123456789") != 4))
		return vh_fail(err, VH_INVALID, "bad_fault",
			       "messageStatusCode is 4 digits and excludes status");
	if (sim.nfaults == SIM_MAX_FAULTS)
		return vh_fail(err, VH_CONFLICT, "too_many_faults", "clear the faults first");
	f = &sim.faults[sim.nfaults++];
	memset(f, 0, sizeof(*f));
	snprintf(f->to, sizeof(f->to), "%s", in.to ? in.to : "");
	f->count = in.count.set ? (int)in.count.v : 1;
	f->status = in.status.set ? (int)in.status.v : 0;
	snprintf(f->error_code, sizeof(f->error_code), "%s", in.error_code ? in.error_code : "");
	snprintf(f->error_message, sizeof(f->error_message), "%s",
		 in.error_message ? in.error_message : "");
	f->html = in.html.set && in.html.v;
	snprintf(f->msg_status, sizeof(f->msg_status), "%s", in.msg_status ? in.msg_status : "");
	f->delay_ms = in.delay_ms.set ? (int)in.delay_ms.v : 0;
	vh_resp_json(req, 201,
		     vh_json_own(req->pool, json_tokener_parse("{\"status\":\"armed\"}")));
	return VH_OK;
}

static enum vh_status sim_faults_clear(struct vh_req *req, struct vh_err *err)
{
	sim.nfaults = 0;
	vh_resp_json(req, 200,
		     vh_json_own(req->pool, json_tokener_parse("{\"status\":\"cleared\"}")));
	return VH_OK;
}

struct config_in {
	struct vh_opt_int balance, clock_offset;
	const char *senders;
	struct vh_opt_bool send_failure_as_error;
};

static const struct vh_fdef config_fields[] = {
	{"balance", VH_F_INT, false, -1, 1000000000, offsetof(struct config_in, balance), NULL,
	 false},
	{"senders", VH_F_STRING, false, 0, 1000, offsetof(struct config_in, senders), NULL, false},
	{"clockOffsetSeconds", VH_F_INT, false, -31536000, 31536000,
	 offsetof(struct config_in, clock_offset), NULL, false},
	{"sendFailureAsError", VH_F_BOOL, false, 0, 0,
	 offsetof(struct config_in, send_failure_as_error), NULL, false},
	{NULL, 0, false, 0, 0, 0, NULL, false},
};

static enum vh_status sim_config(struct vh_req *req, struct vh_err *err)
{
	struct config_in in;
	json_object *body, *o, *arr;
	enum vh_status st;
	size_t i;

	memset(&in, 0, sizeof(in));
	st = vh_req_json(req, &body, err);
	if (st == VH_OK)
		st = vh_validate(req->pool, body, config_fields, &in, err);
	if (st != VH_OK)
		return st;
	if (in.balance.set)
		sim.balance = in.balance.v;
	if (in.clock_offset.set)
		sim.clock_offset = (long)in.clock_offset.v;
	if (in.send_failure_as_error.set)
		sim.send_failure_as_error = in.send_failure_as_error.v;
	if (in.senders)
		sim_set_senders(in.senders);
	o = vh_json_own(req->pool, json_object_new_object());
	json_object_object_add(o, "balance", json_object_new_int64(sim.balance));
	arr = json_object_new_array();
	for (i = 0; i < sim.nsenders; i++)
		json_object_array_add(arr, json_object_new_string(sim.senders[i]));
	json_object_object_add(o, "senders", arr);
	json_object_object_add(o, "clockOffsetSeconds", json_object_new_int64(sim.clock_offset));
	json_object_object_add(o, "sendFailureAsError",
			       json_object_new_boolean(sim.send_failure_as_error));
	vh_resp_json(req, 200, o);
	return VH_OK;
}

/* Registered senders: SOLAPI_FROM, plus a comma-separated list. */
void sim_set_senders(const char *list)
{
	const char *p = list;
	size_t i;

	for (i = 1; i < sim.nsenders; i++)
		free(sim.senders[i]);
	sim.nsenders = sim.nsenders ? 1 : 0;
	while (p && *p && sim.nsenders < SIM_MAX_SENDERS) {
		size_t n = strcspn(p, ",");

		if (n > 0)
			sim.senders[sim.nsenders++] = sim_strndup(p, n);
		p += n;
		if (*p == ',')
			p++;
	}
}

char *sim_strndup(const char *s, size_t n)
{
	char *c = vh_xmalloc(n + 1);

	memcpy(c, s, n);
	c[n] = '\0';
	return c;
}

static const struct vh_route routes[] = {
	{"POST", "/messages/v4/send-many/detail", sim_send_many, VH_AUTH_NONE, NULL},
	{"POST", "/messages/v4/send", sim_send_one, VH_AUTH_NONE, NULL},
	{"GET", "/_sim/messages", sim_messages, VH_AUTH_NONE, NULL},
	{"POST", "/_sim/faults", sim_fault_add, VH_AUTH_NONE, NULL},
	{"DELETE", "/_sim/faults", sim_faults_clear, VH_AUTH_NONE, NULL},
	{"POST", "/_sim/config", sim_config, VH_AUTH_NONE, NULL},
	{NULL, NULL, NULL, VH_AUTH_NONE, NULL},
};

static void sim_free(void)
{
	size_t i;

	for (i = 0; i < sim.nrecords; i++) {
		json_object_put(sim.records[i].obj);
		free(sim.records[i].to);
		free(sim.records[i].ref);
	}
	free(sim.records);
	for (i = 0; i < sim.nsenders; i++)
		free(sim.senders[i]);
	free(sim.sigs);
	free(sim.key);
	if (sim.secret)
		explicit_bzero(sim.secret, strlen(sim.secret));
	free(sim.secret);
	if (sim.record_file)
		fclose(sim.record_file);
}

int main(int argc, char **argv)
{
	const char *record = NULL, *senders = NULL, *balance = NULL;
	const struct vh_cli_opt extra[] = {
		{"--record", true, "append every accepted message to FILE (JSON lines)", &record},
		{"--senders", true, "more registered sender numbers, comma-separated", &senders},
		{"--balance", true, "messages the account can pay for (default: unlimited)",
		 &balance},
		{NULL, false, NULL, NULL},
	};
	const struct vh_cli cli = {
		.program = "solapi-sim",
		.program_mask = VH_PROG_SIM,
		.summary = "A SOLAPI simulator as a FastCGI application (socket on fd 0, as\n"
			   "spawn-fcgi provides it).  It accepts requests signed with SOLAPI_KEY\n"
			   "and SOLAPI_SECRET, from the sender SOLAPI_FROM (and --senders), and\n"
			   "keeps everything in memory; see the top of tests/sim/solapi-sim.c.",
		.extra = extra,
	};
	struct vh_serve_opts opts;
	int rc = vh_cli_start(&cli, argc, argv);

	if (rc >= 0)
		return rc;
	if (!vh_cfg_is_set(CFG_SOLAPI_KEY) || !vh_cfg_is_set(CFG_SOLAPI_SECRET) ||
	    !vh_cfg_is_set(CFG_SOLAPI_FROM)) {
		fprintf(stderr,
			"solapi-sim: SOLAPI_KEY, SOLAPI_SECRET and SOLAPI_FROM are required\n");
		vh_cfg_reset();
		return 1;
	}
	sim.key = vh_xstrdup(vh_cfg_str(CFG_SOLAPI_KEY));
	sim.secret = vh_xstrdup(vh_cfg_str(CFG_SOLAPI_SECRET));
	sim.senders[0] = vh_xstrdup(vh_cfg_str(CFG_SOLAPI_FROM));
	sim.nsenders = 1;
	sim_set_senders(senders);
	sim.balance = balance ? atoll(balance) : -1;
	snprintf(sim.account_id, sizeof(sim.account_id), "%s", "26112300000001");
	if (record && !(sim.record_file = fopen(record, "a"))) {
		fprintf(stderr, "solapi-sim: cannot open %s\n", record);
		sim_free();
		vh_cfg_reset();
		return 1;
	}
	opts.routes = routes;
	opts.max_body = 4 * 1024 * 1024;
	opts.ctx = &sim;
	vh_log(VH_LOG_INFO, "solapi-sim ready: %zu registered senders", sim.nsenders);
	rc = vh_serve(&opts);
	sim_free();
	vh_cfg_reset();
	return rc;
}
