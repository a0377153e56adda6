/* Times as vibehost reads them from people and from its own answers. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timeutil.h"

int vh_time_parse(const char *text, time_t *out)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, s = 0, n = 0, oh = 0, om = 0;
	long off = 0;
	const char *rest;

	if (!text || sscanf(text, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	rest = text + 10;
	if (*rest) {
		if (*rest != 'T' && *rest != ' ')
			return -1;
		n = 0;
		if (sscanf(rest + 1, "%2d:%2d:%2d%n", &h, &mi, &s, &n) != 3 || n != 8)
			return -1;
		rest += 9;
		if (*rest == '.') {  /* fractions are dropped */
			rest++;
			if (!isdigit((unsigned char)*rest))
				return -1;
			while (isdigit((unsigned char)*rest))
				rest++;
		}
		if (*rest == 'Z') {
			rest++;
		} else if (*rest == '+' || *rest == '-') {
			n = 0;
			if (sscanf(rest + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 || oh > 14 || om > 59)
				return -1;
			off = (oh * 3600L + om * 60L) * (*rest == '-' ? -1 : 1);
			rest += 6;
		}
		if (*rest)
			return -1;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || y < 1970)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	*out = timegm(&tm) - off;
	/* timegm normalises 31 February into March: refuse what moved. */
	gmtime_r(&(time_t){*out + off}, &tm);
	if (tm.tm_mday != d || tm.tm_mon != mo - 1)
		return -1;
	return 0;
}
