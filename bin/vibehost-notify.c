/* vibehost-notify: the SMS outbox from the command line.  `deliver` runs one
 * delivery pass (what the worker will do on its own later); `enqueue` adds a
 * notice, for operators and tests.  Both are thin: the work is in
 * lib/notify.c. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cfg.h"
#include "cli.h"
#include "db.h"
#include "notify.h"
#include "pool.h"
#include "solapi.h"

static const char *opt_user, *opt_kind, *opt_server, *opt_phone, *opt_name, *opt_plan,
	*opt_date, *opt_dedupe;

static const struct vh_cli_opt extra[] = {
	{"--user", true, "user id (deliver: only this user's notices)", &opt_user},
	{"--kind", true, "enqueue: server_ready, expiry_warning, expired_stopped, password_reset",
	 &opt_kind},
	{"--server", true, "enqueue: server id the notice is about", &opt_server},
	{"--phone", true, "enqueue: recipient (default: the user's phone number)", &opt_phone},
	{"--server-name", true, "enqueue: {server_name} in the text", &opt_name},
	{"--plan", true, "enqueue: {plan} in the text", &opt_plan},
	{"--date", true, "enqueue: {date} in the text, ISO 8601 UTC", &opt_date},
	{"--dedupe", true, "enqueue: dedupe key (default: kind:server:date)", &opt_dedupe},
	{NULL, false, NULL, NULL},
};

static const struct vh_cli cli = {
	.program = "vibehost-notify",
	.program_mask = VH_PROG_WORKER,
	.summary =
		"The SMS outbox.  The command comes first:\n"
		"  vibehost-notify deliver [--user ID]\n"
		"  vibehost-notify enqueue --user ID --kind KIND [--server ID] [--phone N]\n"
		"      [--server-name NAME] [--plan PLAN] [--date ISO] [--dedupe KEY]\n\n"
		"deliver: send every due text of the SMS outbox through SOLAPI (one pass),\n"
		"print a one-line JSON summary, and exit 1 when a text failed or SOLAPI could\n"
		"not be used.  Safe to run from several processes at once.  SMS_DRY_RUN=1\n"
		"logs the texts instead of sending them.\n"
		"enqueue: add a notice; print {\"id\":…,\"created\":true|false} (false: a\n"
		"notice with the same dedupe key exists, nothing was added).",
	.extra = extra,
};

static int deliver(struct vh_db *db)
{
	struct vh_notify_opts o;
	struct vh_notify_summary s;
	struct vh_solapi *client = NULL;
	struct vh_err err;
	json_object *out = json_object_new_object();
	enum vh_status st;
	int rc;

	vh_err_clear(&err);
	vh_notify_opts_from_cfg(&o);
	o.user_id = opt_user;
	if (!o.dry_run)
		client = vh_solapi_from_cfg();
	st = vh_notify_deliver(db, client, &o, &s, &err);
	json_object_object_add(out, "claimed", json_object_new_int((int)s.claimed));
	json_object_object_add(out, "sent", json_object_new_int((int)s.sent));
	json_object_object_add(out, "retry", json_object_new_int((int)s.retry));
	json_object_object_add(out, "failed", json_object_new_int((int)s.failed));
	json_object_object_add(out, "reclaimed", json_object_new_int((int)s.reclaimed));
	json_object_object_add(out, "batches", json_object_new_int((int)s.batches));
	json_object_object_add(out, "errors", json_object_new_int((int)s.errors));
	json_object_object_add(out, "dry_run", json_object_new_boolean(o.dry_run));
	if (st != VH_OK)
		json_object_object_add(out, "error", json_object_new_string(err.detail));
	else if (s.last_error[0])
		json_object_object_add(out, "error", json_object_new_string(s.last_error));
	printf("%s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(out);
	vh_solapi_free(client);
	rc = st != VH_OK || s.failed || s.errors ? 1 : 0;
	return rc;
}

static int enqueue(struct vh_db *db)
{
	struct vh_notice n = {0};
	struct vh_pool *pool = vh_pool_new();
	struct vh_err err;
	char id[VH_UUID_LEN + 1];
	bool created;
	enum vh_status st;
	int rc = 0;

	vh_err_clear(&err);
	if (!opt_user || !opt_kind || vh_notice_kind_parse(opt_kind, &n.kind) < 0) {
		fprintf(stderr, "vibehost-notify: enqueue needs --user ID and --kind "
			"(server_ready, expiry_warning, expired_stopped or password_reset)\n");
		vh_pool_free(pool);
		return 2;
	}
	n.user_id = opt_user;
	n.server_id = opt_server;
	n.phone = opt_phone;
	n.server_name = opt_name;
	n.plan = opt_plan;
	n.date = opt_date;
	n.dedupe_key = opt_dedupe;
	st = vh_notify_enqueue(db, pool, &n, id, &created, &err);
	if (st == VH_OK) {
		printf("{\"id\":\"%s\",\"created\":%s}\n", id, created ? "true" : "false");
	} else {
		fprintf(stderr, "vibehost-notify: %s\n", err.detail);
		rc = 1;
	}
	vh_pool_free(pool);
	return rc;
}

static const struct {
	const char *name;
	int (*run)(struct vh_db *db);
} commands[] = {
	{"deliver", deliver},
	{"enqueue", enqueue},
};

int main(int argc, char **argv)
{
	struct vh_db *db;
	size_t i;
	int rc;

	/* The subcommand comes first; options (--help included) follow. */
	for (i = 0; argc > 1 && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			break;
	if (argc < 2 || argv[1][0] == '-') {
		rc = vh_cli_start(&cli, argc, argv);
		if (rc >= 0)
			return rc;
		vh_cfg_reset();
		fprintf(stderr,
			"vibehost-notify: name a command: deliver or enqueue (see --help)\n");
		return 2;
	}
	if (i == sizeof(commands) / sizeof(commands[0])) {
		fprintf(stderr, "vibehost-notify: unknown command %s (see --help)\n", argv[1]);
		return 2;
	}
	rc = vh_cli_start(&cli, argc - 1, argv + 1);
	if (rc >= 0)
		return rc;
	db = vh_db_from_cfg();
	rc = commands[i].run(db);
	vh_db_free(db);
	vh_db_library_end();
	vh_cfg_reset();
	return rc;
}
