/* VH_SCHEMA_VERSION must name the newest migration in sql/: the readiness
 * check and vibehost-migrate both rely on it. */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>

#include "db.h"
#include "tap.h"

int main(void)
{
	const char *src = getenv("VH_SRCDIR");
	char dir[4096];
	DIR *d;
	struct dirent *e;
	int top = 0, count = 0;

	snprintf(dir, sizeof(dir), "%s/sql", src ? src : ".");
	d = opendir(dir);
	ok(d != NULL, "sql directory %s opens", dir);
	while (d && (e = readdir(d))) {
		int v = atoi(e->d_name);

		if (strlen(e->d_name) > 8 && !strcmp(e->d_name + strlen(e->d_name) - 4, ".sql")) {
			count++;
			if (v > top)
				top = v;
		}
	}
	if (d)
		closedir(d);
	is_int(top, VH_SCHEMA_VERSION, "newest migration matches VH_SCHEMA_VERSION");
	is_int(count, top, "migrations are numbered without gaps");
	return done_testing();
}
