/* The SMS outbox through solapi-sim: delivery exactly once, dedupe, retry
 * after a 5xx, a permanent 1062, a failure inside a 200, a wrong secret, the
 * SMS/LMS choice at 90 bytes with Hangul, and GET /admin/notifications. */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "notify-util.h"

#define FAST_RETRY "SMS_RETRY_BASE_SECONDS=1"

static char server_id[40];

/* Notices name real servers (a foreign key): a fixture row each time. */
static void new_server_id(const char *user)
{
	static struct vh_db *db;

	if (!db)
		db = fx_open_db();
	if (!db || !fx_server(db, user, server_id))
		abort();
}

/* Enqueue a server_ready notice for a new server of user. */
static int enqueue_ready(const char *env, const char *user, const char *name, char id[40])
{
	char args[1024];

	new_server_id(user);
	snprintf(args, sizeof(args),
		 "enqueue --user %s --kind server_ready --server %s --server-name '%s' "
		 "--plan basic --date 2026-12-01T03:00:00Z", user, server_id, name);
	return n_enqueue(env, args, id);
}

static void expect_state(const char *user, const char *id, const char *state, int attempts,
			 const char *what)
{
	json_object *n = n_notice(user, id);

	is_str(n_str(n, "state"), state, "%s: state %s", what, state);
	if (attempts >= 0)
		is_int(n_int(n, "attempts"), attempts, "%s: %d attempts", what, attempts);
	json_object_put(n);
}

static void delivery_once(void)
{
	char user[40], phone[12], id[40], id2[40];
	json_object *sum, *arr, *n;

	if (!n_new_user(user, phone))
		return;
	is_int(enqueue_ready(NULL, user, "web-01", id), 1, "enqueue creates a notice");
	/* The whole outbox, as the worker will run it: other tests' notices
	 * may go out too, so only this notice is checked. */
	n_deliver(NULL, NULL, &sum);
	json_object_put(sum);
	arr = n_sim_messages(phone);
	is_int(arr ? json_object_array_length(arr) : 0, 1, "the simulator received it once");
	if (arr && json_object_array_length(arr) == 1) {
		json_object *m = json_object_array_get_idx(arr, 0);

		is_str(n_str(m, "from"), t_env("SOLAPI_FROM"), "from the registered sender");
		ok(n_str(m, "text") && strstr(n_str(m, "text"), "web-01") &&
		   strstr(n_str(m, "text"), "2026-12-01 12:00 KST"),
		   "Korean text with the server name and the date in KST");
	}
	json_object_put(arr);
	n = n_notice(user, id);
	is_str(n_str(n, "state"), "sent", "marked sent");
	ok(n_str(n, "provider_message_id") && strlen(n_str(n, "provider_message_id")) == 32 &&
	   !strncmp(n_str(n, "provider_message_id"), "M4V", 3), "SOLAPI's message id recorded");
	ok(n_str(n, "provider_group_id") && !strncmp(n_str(n, "provider_group_id"), "G4V", 3),
	   "group id recorded");
	is_str(n_str(n, "server_id"), server_id, "server id kept");
	json_object_put(n);

	is_int(n_deliver(NULL, user, &sum), 0, "a second pass exits 0");
	is_int(n_int(sum, "claimed"), 0, "and finds nothing to send");
	json_object_put(sum);
	is_int(n_sim_count_ref(phone, id), 1, "still exactly once in the simulator");

	/* The same notice again (same kind, server, date) is a no-op. */
	{
		char args[512];

		snprintf(args, sizeof(args),
			 "enqueue --user %s --kind server_ready --server %s --server-name web-01 "
			 "--plan basic --date 2026-12-01T03:00:00Z", user, server_id);
		is_int(n_enqueue(NULL, args, id2), 0,
		       "enqueueing the same notice again is a no-op");
		is_str(id2, id, "and names the existing notice");
		is_int(n_deliver(NULL, user, &sum), 0, "deliver after the duplicate");
		json_object_put(sum);
		is_int(n_sim_count_ref(phone, id), 1, "the duplicate sent nothing");
	}
}

static void sms_lms_boundary(void)
{
	char user[40], phone[12], ids[4][40], name[400], args[1024], what[128];
	static const struct {
		int hangul;
		const char *ascii;
		const char *type;
	} cases[] = {
		{45, "", "SMS"}, {46, "", "LMS"}, {44, "ab", "SMS"}, {44, "abc", "LMS"},
	};
	json_object *sum, *arr;
	size_t i, k;

	if (!n_new_user(user, phone))
		return;
	for (i = 0; i < 4; i++) {
		name[0] = '\0';
		for (k = 0; k < (size_t)cases[i].hangul; k++)
			strcat(name, "한");
		strcat(name, cases[i].ascii);
		snprintf(args, sizeof(args),
			 "enqueue --user %s --kind server_ready --server-name %s "
			 "--dedupe boundary-%s-%zu",
			 user, name, user, i);
		n_enqueue("SMS_TEMPLATE_SERVER_READY={server_name}", args, ids[i]);
	}
	is_int(n_deliver(NULL, user, &sum), 0, "boundary texts delivered");
	is_int(n_int(sum, "sent"), 4, "all four accepted by the simulator's length rules");
	json_object_put(sum);
	arr = n_sim_messages(phone);
	for (i = 0; i < 4; i++) {
		const char *type = NULL;

		for (k = 0; arr && k < json_object_array_length(arr); k++) {
			json_object *m = json_object_array_get_idx(arr, k), *cf;

			if (json_object_object_get_ex(m, "customFields", &cf) &&
			    !strcmp(n_str(cf, "ref") ? n_str(cf, "ref") : "", ids[i]))
				type = n_str(m, "type");
		}
		snprintf(what, sizeof(what), "%d Hangul + %zu ASCII = %zu EUC-KR bytes goes as %s",
			 cases[i].hangul, strlen(cases[i].ascii),
			 2 * (size_t)cases[i].hangul + strlen(cases[i].ascii), cases[i].type);
		is_str(type, cases[i].type, "%s", what);
	}
	json_object_put(arr);
}

static void retry_after_5xx(void)
{
	char user[40], phone[12], id[40], fault[256];
	json_object *sum, *n;

	if (!n_new_user(user, phone) || enqueue_ready(NULL, user, "retry-5xx", id) != 1)
		return;
	snprintf(fault, sizeof(fault), "{\"to\":\"%s\",\"count\":1,\"status\":500,"
		 "\"errorCode\":\"InternalServerError\",\"errorMessage\":\"simulated\"}", phone);
	n_sim_fault(fault);
	is_int(n_deliver(FAST_RETRY, user, &sum), 1, "a 500 makes deliver exit 1");
	is_int(n_int(sum, "retry"), 1, "the notice is to be retried");
	json_object_put(sum);
	n = n_notice(user, id);
	is_str(n_str(n, "state"), "pending", "still pending after the 500");
	ok(n_str(n, "last_error") && strstr(n_str(n, "last_error"), "InternalServerError"),
	   "last_error names the 500");
	json_object_put(n);
	is_int(n_sim_count_ref(phone, id), 0, "nothing reached the record");
	sleep(2);
	is_int(n_deliver(FAST_RETRY, user, &sum), 0, "the retry succeeds");
	json_object_put(sum);
	expect_state(user, id, "sent", 2, "after the retry");
	is_int(n_sim_count_ref(phone, id), 1, "sent exactly once");

	/* 429: retried inside the same call with a fresh signature. */
	if (enqueue_ready(NULL, user, "retry-429", id) != 1)
		return;
	snprintf(fault, sizeof(fault), "{\"to\":\"%s\",\"count\":1,\"status\":429,"
		 "\"errorCode\":\"TooManyRequests\",\"errorMessage\":\"slow down\"}", phone);
	n_sim_fault(fault);
	is_int(n_deliver(NULL, user, &sum), 0, "a 429 is retried at once");
	json_object_put(sum);
	expect_state(user, id, "sent", 1, "after a 429");
	is_int(n_sim_count_ref(phone, id), 1, "sent exactly once after the 429");
}

static void unregistered_sender(void)
{
	char user[40], phone[12], id[40];
	json_object *sum, *n;

	if (!n_new_user(user, phone) || enqueue_ready(NULL, user, "bad-sender", id) != 1)
		return;
	is_int(n_deliver("SOLAPI_FROM=0299990000", user, &sum), 1,
	       "an unregistered sender makes deliver exit 1");
	is_int(n_int(sum, "failed"), 1, "the notice failed");
	json_object_put(sum);
	n = n_notice(user, id);
	is_str(n_str(n, "state"), "failed", "1062 is permanent");
	is_str(n_str(n, "provider_status"), "1062", "status code recorded");
	is_int(n_int(n, "attempts"), 1, "after one attempt");
	json_object_put(n);
	is_int(n_deliver(NULL, user, &sum), 0, "a later pass");
	is_int(n_int(sum, "claimed"), 0, "does not pick up the failed notice");
	json_object_put(sum);
	is_int(n_sim_count_ref(phone, id), 0, "nothing was sent");
}

static void failure_inside_200(void)
{
	char user[40], phone[12], other[12], a[40], b[40], args[512], fault[256];
	json_object *sum, *n;

	if (!n_new_user(user, phone))
		return;
	n_random_phone(other);
	snprintf(args, sizeof(args), "enqueue --user %s --kind password_reset --server-name x "
		 "--date 2026-12-01T00:00:00Z --dedupe in200-a-%s", user, user);
	n_enqueue(NULL, args, a);
	snprintf(args, sizeof(args), "enqueue --user %s --kind password_reset --server-name x "
		 "--phone %s --date 2026-12-01T00:00:00Z --dedupe in200-b-%s", user, other, user);
	n_enqueue(NULL, args, b);
	snprintf(fault, sizeof(fault), "{\"to\":\"%s\",\"count\":1,\"messageStatusCode\":\"1030\"}",
		 phone);
	n_sim_fault(fault);
	is_int(n_deliver(FAST_RETRY, user, &sum), 0, "a batch with one 1030 inside a 200");
	is_int(n_int(sum, "batches"), 1, "one request");
	is_int(n_int(sum, "sent"), 1, "one accepted");
	is_int(n_int(sum, "retry"), 1, "one to retry");
	json_object_put(sum);
	n = n_notice(user, a);
	is_str(n_str(n, "state"), "pending", "the refused one waits");
	is_str(n_str(n, "provider_status"), "1030", "with SOLAPI's status code");
	json_object_put(n);
	expect_state(user, b, "sent", 1, "the other one");
	is_str(n_str(n = n_notice(user, b), "phone_number"), other, "sent to the given phone");
	json_object_put(n);
	sleep(2);
	is_int(n_deliver(FAST_RETRY, user, &sum), 0, "the retry");
	json_object_put(sum);
	expect_state(user, a, "sent", 2, "the refused one after the retry");
	is_int(n_sim_count_ref(phone, a) + n_sim_count_ref(other, b), 2, "each sent once");
}

static void wrong_secret(void)
{
	char user[40], phone[12], id[40], args[128];
	static char out[65536];
	const char *secret = t_env("SOLAPI_SECRET");
	json_object *sum, *n;
	int rc;

	if (!n_new_user(user, phone) || enqueue_ready(NULL, user, "wrong-secret", id) != 1)
		return;
	snprintf(args, sizeof(args), "deliver --user %s", user);
	rc = n_run("SOLAPI_SECRET=00000000000000000000000000000000", args, out, sizeof(out));
	is_int(rc, 1, "a wrong secret makes deliver exit 1");
	ok(strstr(out, "SignatureDoesNotMatch") != NULL, "the simulator refused the signature");
	ok(!strstr(out, "00000000000000000000000000000000") && !strstr(out, "signature=") &&
	   (!secret || !strstr(out, secret)), "no secret or signature in the output or logs");
	n = n_notice(user, id);
	is_str(n_str(n, "state"), "pending", "the notice stays pending");
	is_int(n_int(n, "attempts"), 0, "without losing an attempt");
	ok(n_str(n, "last_error") && strstr(n_str(n, "last_error"), "SignatureDoesNotMatch"),
	   "last_error says why");
	json_object_put(n);
	is_int(n_sim_count_ref(phone, id), 0, "nothing was sent");
	is_int(n_deliver(NULL, user, &sum), 0, "with the right secret");
	json_object_put(sum);
	expect_state(user, id, "sent", 1, "after fixing the secret");
	is_int(n_sim_count_ref(phone, id), 1, "sent once");
}

static const char *state_of(const char *user, const char *id)
{
	static char state[16];
	json_object *n = n_notice(user, id);

	snprintf(state, sizeof(state), "%s", n_str(n, "state") ? n_str(n, "state") : "?");
	json_object_put(n);
	return state;
}

/* The documented window: a deliverer killed after SOLAPI took its batch but
 * before recording the answer leaves the batch 'sending'; it is not touched
 * while the claim is fresh, and sent again once the claim times out.  Only
 * that batch is sent twice. */
static void crash_window(void)
{
	char user[40], phone[12], id[40], fault[128], cfg[4200], prog[4200];
	const char *crash_env = "SMS_CLAIM_TIMEOUT=8 SOLAPI_TIMEOUT=1";
	json_object *sum;
	pid_t pid;
	int i;

	if (!n_new_user(user, phone) || enqueue_ready(NULL, user, "crash", id) != 1)
		return;
	snprintf(fault, sizeof(fault), "{\"to\":\"%s\",\"count\":1,\"delayMs\":2500}", phone);
	n_sim_fault(fault);
	snprintf(cfg, sizeof(cfg), "VIBEHOST_CONFIG=%s/dev.env", getenv("VH_STACK_DIR"));
	snprintf(prog, sizeof(prog), "%s/bin/vibehost-notify", getenv("VH_BUILDDIR"));
	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		dup2(fd, 2);
		execl("/usr/bin/env", "env", cfg, prog, "deliver", "--user", user, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100 && strcmp(state_of(user, id), "sending") != 0; i++)
		usleep(50000);
	is_str(state_of(user, id), "sending", "the deliverer claimed the notice");
	usleep(700000);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	for (i = 0; i < 100 && n_sim_count_ref(phone, id) == 0; i++)
		usleep(100000);
	is_int(n_sim_count_ref(phone, id), 1, "SOLAPI took the batch of the killed deliverer");
	is_str(state_of(user, id), "sending", "the answer was never recorded");
	is_int(n_deliver(crash_env, user, &sum), 0, "a pass while the claim is fresh");
	is_int(n_int(sum, "claimed"), 0, "leaves the claimed notice alone");
	json_object_put(sum);
	sleep(9);
	is_int(n_deliver(crash_env, user, &sum), 0, "a pass after the claim timed out");
	ok(n_int(sum, "reclaimed") >= 1 && n_int(sum, "sent") == 1, "reclaims and resends it");
	json_object_put(sum);
	is_str(state_of(user, id), "sent", "now recorded as sent");
	is_int(n_sim_count_ref(phone, id), 2, "the in-flight batch was texted twice (the window)");
}

static void admin_view(void)
{
	char user[40], phone[12], id[40], path[256], first[40] = "";
	struct t_resp r;
	json_object *items;
	static const struct {
		const char *query;
		long status;
		const char *field;
	} bad[] = {
		{"?state=lost", 422, "state"},
		{"?kind=birthday", 422, "kind"},
		{"?user=nobody", 422, "user"},
		{"?limit=0", 422, "limit"},
		{"?cursor=x", 422, "cursor"},
		{"?state=sent&state=failed", 400, NULL},
	};
	size_t i;

	if (!n_new_user(user, phone))
		return;
	enqueue_ready(NULL, user, "admin-1", id);
	enqueue_ready(NULL, user, "admin-2", id);
	snprintf(path, sizeof(path), "/admin/notifications?user=%s&state=pending&kind=server_ready"
		 "&limit=1", user);
	t_admin(&r, "GET", path, NULL);
	t_status(&r, 200, "GET /admin/notifications with filters");
	ok(json_object_object_get_ex(r.json, "items", &items) &&
	   json_object_array_length(items) == 1, "limit=1 gives one item");
	if (json_object_array_length(items) == 1) {
		json_object *it = json_object_array_get_idx(items, 0);

		is_str(n_str(it, "user_id"), user, "filtered by user");
		is_str(n_str(it, "kind"), "server_ready", "filtered by kind");
		is_str(n_str(it, "id"), id, "newest first");
		snprintf(first, sizeof(first), "%s", n_str(it, "id"));
	}
	ok(t_str(&r, "next_cursor") != NULL, "a next page exists");
	if (t_str(&r, "next_cursor")) {
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "&cursor=%s",
			 t_str(&r, "next_cursor"));
		t_resp_free(&r);
		t_admin(&r, "GET", path, NULL);
		ok(json_object_object_get_ex(r.json, "items", &items) &&
		   json_object_array_length(items) == 1 &&
		   strcmp(n_str(json_object_array_get_idx(items, 0), "id"), first) != 0,
		   "the second page holds the other notice");
		ok(t_str(&r, "next_cursor") == NULL, "and is the last");
	}
	t_resp_free(&r);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "/admin/notifications%s", bad[i].query);
		t_admin(&r, "GET", path, NULL);
		t_error(&r, bad[i].status, NULL, bad[i].query);
		if (bad[i].field)
			ok(t_has_field_error(&r, bad[i].field), "names %s", bad[i].field);
		t_resp_free(&r);
	}
	t_request(&r, NULL, "GET", "/admin/notifications", NULL, NULL, NULL, 0);
	is_int(r.status, 401, "no admin key: 401");
	t_resp_free(&r);
}

static void enqueue_refusals(void)
{
	char id[40], args[512];

	snprintf(args, sizeof(args), "enqueue --user 01936f9e-0000-7000-8000-00000000dead "
		 "--kind server_ready --server-name x");
	is_int(n_enqueue(NULL, args, id), -1, "enqueue for an unknown user is refused");
	snprintf(args, sizeof(args), "enqueue --user not-a-user --kind server_ready");
	is_int(n_enqueue(NULL, args, id), -1, "enqueue with a malformed user id is refused");
	snprintf(args, sizeof(args), "enqueue --user 01936f9e-0000-7000-8000-00000000dead "
		 "--kind birthday");
	is_int(n_enqueue(NULL, args, id), -1, "an unknown kind is refused");
}

int main(void)
{
	t_init();
	delivery_once();
	sms_lms_boundary();
	retry_after_5xx();
	unregistered_sender();
	failure_inside_200();
	wrong_secret();
	crash_window();
	admin_view();
	enqueue_refusals();
	t_done();
	return done_testing();
}
