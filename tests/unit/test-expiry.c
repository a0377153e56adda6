/* Pure parts of the expiry pass: the EXPIRY_WARNING_DAYS list, the choice
 * of the reminder due, --now's time formats. */
#include "config.h"

#include <string.h>
#include <time.h>

#include "expiry.h"
#include "timeutil.h"
#include "tap.h"

static long long at(const char *text)
{
	time_t t;

	return vh_time_parse(text, &t) == 0 ? (long long)t : -1;
}

int main(void)
{
	long days[VH_EXPIRY_MAX_OFFSETS];
	size_t n;

	/* The list. */
	is_int(vh_expiry_parse_days("3", days, VH_EXPIRY_MAX_OFFSETS, &n), 0, "one offset");
	ok(n == 1 && days[0] == 3, "3");
	is_int(vh_expiry_parse_days("7,3,1", days, VH_EXPIRY_MAX_OFFSETS, &n), 0, "a list");
	ok(n == 3 && days[0] == 7 && days[1] == 3 && days[2] == 1, "7,3,1");
	is_int(vh_expiry_parse_days(" 1, 14 ", days, VH_EXPIRY_MAX_OFFSETS, &n), 0, "spaces are fine");
	static const char *const bad[] = {"", "0", "-1", "3,", ",3", "3,,1", "7,x", "3.5", "366",
					  "3,3", "1,2,3,4,5,6,7,8,9", "1000", NULL};
	for (int i = 0; bad[i]; i++)
		is_int(vh_expiry_parse_days(bad[i], days, VH_EXPIRY_MAX_OFFSETS, &n), -1,
		       "refused: \"%s\"", bad[i]);
	is_int(vh_expiry_parse_days(NULL, days, VH_EXPIRY_MAX_OFFSETS, &n), -1, "refused: unset");

	/* The reminder due: the tightest offset that covers the time left. */
	vh_expiry_parse_days("7,3,1", days, VH_EXPIRY_MAX_OFFSETS, &n);
	is_int(vh_expiry_offset(days, n, 8 * 86400LL), -1, "8 days left: none yet");
	is_int(vh_expiry_offset(days, n, 7 * 86400LL), 7, "exactly 7 days left: the 7-day one");
	is_int(vh_expiry_offset(days, n, 6 * 86400LL), 7, "6 days: still the 7-day one");
	is_int(vh_expiry_offset(days, n, 2 * 86400LL), 3, "2 days: the 3-day one, not the 7-day one");
	is_int(vh_expiry_offset(days, n, 3600), 1, "an hour: the 1-day one");
	is_int(vh_expiry_offset(days, n, 0), -1, "expired: no reminder");
	is_int(vh_expiry_offset(days, n, -5), -1, "past: no reminder");

	/* --now. */
	is_int(at("2026-11-23T03:00:00Z"), 1795402800LL, "ISO 8601 with Z");
	is_int(at("2026-11-23 03:00:00"), 1795402800LL, "SQL style, UTC");
	is_int(at("2026-11-23T12:00:00+09:00"), 1795402800LL, "with an offset (KST)");
	is_int(at("2026-11-23T03:00:00.123456Z"), 1795402800LL, "fractions dropped");
	is_int(at("2026-11-23"), 1795392000LL, "a date: midnight UTC");
	static const char *const badt[] = {"yesterday", "2026-11-23T", "2026-13-01", "2026-02-30",
					   "2026-11-23T25:00:00Z", "2026-11-23T03:00:00+9", "2026-11-23x",
					   "1969-12-31", "2026-11-23T03:00:00Zjunk", "", NULL};
	for (int i = 0; badt[i]; i++)
		is_int(at(badt[i]), -1, "refused: \"%s\"", badt[i]);
	return done_testing();
}
