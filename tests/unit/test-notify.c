/* lib/notify.c without a database: texts from templates, dates in KST,
 * dedupe keys and the retry back-off. */
#include "config.h"

#include <stdlib.h>

#include "cfg.h"
#include "notify.h"
#include "pool.h"
#include "tap.h"

int main(void)
{
	struct vh_pool *pool = vh_pool_new();
	struct vh_notify_opts o = {.retry_base = 60, .retry_max = 3600};
	struct vh_notice n = {
		.kind = VH_NOTICE_EXPIRY_WARNING,
		.user_id = "01936f9e-0000-7000-8000-000000000001",
		.server_id = "01936f9e-0000-7000-8000-0000000000aa",
		.server_name = "web-01",
		.plan = "basic",
		.date = "2026-11-23T20:00:00Z",
	};
	const char *text, *subject;
	enum vh_sms_type type;
	enum vh_notice_kind k;
	struct vh_err err;
	int i;

	vh_err_clear(&err);
	unsetenv("VIBEHOST_CONFIG");
	unsetenv("SMS_TEMPLATE_SERVER_READY");
	/* Required of every worker-side program. */
	setenv("VIBEHOST_SECRET_KEY",
	       "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 1);
	ok(vh_cfg_load(VH_PROG_WORKER, NULL, &err) == VH_OK, "configuration loads");

	is_str(vh_notice_dedupe_key(pool, &n),
	       "expiry_warning:01936f9e-0000-7000-8000-0000000000aa:2026-11-23T20:00:00Z",
	       "dedupe key is kind:server:date");
	ok(vh_notice_render(pool, &n, &text, &subject, &type, &err) == VH_OK, "renders");
	ok(strstr(text, "web-01") && strstr(text, "basic"), "text names the server and plan");
	ok(strstr(text, "2026-11-24 05:00 KST") != NULL, "the date is shown in Korean time");
	ok(strstr(text, "만료") != NULL, "the default text is Korean");
	ok(type == VH_SMS_LMS && subject && *subject, "a long text goes as LMS with a subject");

	for (i = 0; i < VH_NOTICE__MAX; i++) {
		n.kind = (enum vh_notice_kind)i;
		ok(vh_notice_render(pool, &n, &text, &subject, &type, &err) == VH_OK,
		   "built-in %s text is sendable", vh_notice_kind_name(n.kind));
		ok(vh_notice_kind_parse(vh_notice_kind_name(n.kind), &k) == 0 && k == n.kind,
		   "kind %s parses back", vh_notice_kind_name(n.kind));
	}
	ok(vh_notice_kind_parse("birthday", &k) < 0, "unknown kind refused");

	n.kind = VH_NOTICE_SERVER_READY;
	n.server_name = "db😀";
	ok(vh_notice_render(pool, &n, &text, &subject, &type, &err) == VH_OK &&
	   strstr(text, "'db?'"), "an emoji in a server name cannot stop the notice");

	setenv("SMS_TEMPLATE_SERVER_READY", "{server_name} 준비됨 {date}", 1);
	ok(vh_cfg_load(VH_PROG_WORKER, NULL, &err) == VH_OK, "template override loads");
	n.server_name = "web-01";
	n.date = "2026-11-23";
	ok(vh_notice_render(pool, &n, &text, &subject, &type, &err) == VH_OK, "override renders");
	is_str(text, "web-01 준비됨 2026-11-23", "override used; a bare date is kept");
	ok(type == VH_SMS_SMS && subject == NULL, "a short text goes as SMS without subject");
	setenv("SMS_TEMPLATE_SERVER_READY", "😀 {server_name}", 1);
	vh_cfg_load(VH_PROG_WORKER, NULL, &err);
	ok(vh_notice_render(pool, &n, &text, &subject, &type, &err) == VH_INVALID,
	   "a template outside EUC-KR is refused before sending");
	unsetenv("SMS_TEMPLATE_SERVER_READY");

	is_int(vh_notify_backoff(&o, 1), 60, "first retry after the base delay");
	is_int(vh_notify_backoff(&o, 2), 120, "then doubles");
	is_int(vh_notify_backoff(&o, 3), 240, "and doubles");
	is_int(vh_notify_backoff(&o, 7), 3600, "capped at the maximum");
	is_int(vh_notify_backoff(&o, 1000), 3600, "no overflow");

	ok(vh_notify_state_valid("sent") && !vh_notify_state_valid("lost"), "states");
	vh_cfg_reset();
	vh_pool_free(pool);
	return done_testing();
}
