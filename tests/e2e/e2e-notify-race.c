/* Several deliverers at once send each notice exactly once: rows are
 * claimed with FOR UPDATE SKIP LOCKED, and the simulator's record is the
 * proof. */
#include "config.h"

#include "notify-util.h"

#define NOTICES 60
#define PROCS 3

int main(void)
{
	char user[40], phone[12], ids[NOTICES][40], args[512], cmd[2048];
	static char out[PROCS][65536];
	FILE *p[PROCS];
	json_object *arr;
	int i, k, once = 0, sent = 0, busy = 0, rc_ok = 1;

	t_init();
	if (!n_new_user(user, phone)) {
		ok(0, "a user");
		return done_testing();
	}
	for (i = 0; i < NOTICES; i++) {
		snprintf(args, sizeof(args), "enqueue --user %s --kind expiry_warning "
			 "--server-name race-%d --date 2026-12-0%dT00:00:00Z --dedupe race-%s-%d",
			 user, i, 1 + i % 9, user, i);
		if (n_enqueue(NULL, args, ids[i]) != 1)
			ids[i][0] = '\0';
	}
	/* Small batches, so that the deliverers take turns many times. */
	for (k = 0; k < PROCS; k++) {
		snprintf(cmd, sizeof(cmd), "env VIBEHOST_CONFIG='%s/dev.env' SMS_BATCH_SIZE=4 "
			 "'%s/bin/vibehost-notify' deliver --user %s 2>&1", getenv("VH_STACK_DIR"),
			 getenv("VH_BUILDDIR"), user);
		p[k] = popen(cmd, "r");
	}
	for (k = 0; k < PROCS; k++) {
		size_t len = 0, got;
		json_object *sum;
		int rc;

		while (p[k] && (got = fread(out[k] + len, 1, sizeof(out[k]) - len - 1, p[k])) > 0)
			len += got;
		out[k][len] = '\0';
		rc = p[k] ? pclose(p[k]) : -1;
		rc_ok &= WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
		sum = n_summary(out[k]);
		sent += (int)n_int(sum, "sent");
		busy += n_int(sum, "sent") > 0;
		tap_diag("deliverer %d: %s", k, sum ? json_object_to_json_string(sum) : out[k]);
		json_object_put(sum);
	}
	ok(rc_ok, "every deliverer exits 0");
	/* Other e2e tests deliver the outbox at the same time and may send a
	 * few of these notices; exactly-once is proved below, per message, by
	 * the simulator's record. */
	ok(sent <= NOTICES && sent >= NOTICES / 2,
	   "the deliverers sent %d of the %d notices between them (never more)", sent, NOTICES);
	tap_diag("%d of %d deliverers sent something", busy, PROCS);

	arr = n_sim_messages(phone);
	is_int(arr ? (int)json_object_array_length(arr) : -1, NOTICES,
	       "the simulator holds exactly %d messages for the phone", NOTICES);
	json_object_put(arr);
	for (i = 0; i < NOTICES; i++) {
		json_object *n = n_notice(user, ids[i]);

		once += ids[i][0] && n_sim_count_ref(phone, ids[i]) == 1 &&
			n_str(n, "state") && !strcmp(n_str(n, "state"), "sent");
		json_object_put(n);
	}
	is_int(once, NOTICES, "each notice is sent and recorded exactly once");
	t_done();
	return done_testing();
}
