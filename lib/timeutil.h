/* Times as vibehost reads them: --now, expire_at in notices. */
#ifndef VH_TIMEUTIL_H
#define VH_TIMEUTIL_H

#include <time.h>

/* "2026-11-23T10:00:00Z", "2026-11-23 10:00:00", "2026-11-23T19:00:00+09:00"
 * (fractions of a second are dropped) or "2026-11-23" (midnight UTC); no
 * offset means UTC.  0, or -1 when it is none of them or no real date. */
int vh_time_parse(const char *text, time_t *out);

#endif
