/* Configuration: KEY=value lines, file + environment, validation messages
 * that name the key, secrets masked when printed. */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "cfg.h"
#include "tap.h"

static const char *parse(const char *line, char **key)
{
	static char buf[256];
	char *k, *v;
	int r;

	snprintf(buf, sizeof(buf), "%s", line);
	r = vh_cfg_parse_line(buf, &k, &v);
	if (r <= 0)
		return r == 0 ? "(skip)" : "(bad)";
	*key = k;
	return v;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

int main(void)
{
	char *key = NULL;
	char path[] = "/tmp/vh-test-cfg-XXXXXX";
	struct vh_err err;
	int fd;
	FILE *mem;
	char *dump = NULL;
	size_t dumplen = 0;

	is_str(parse("DB_NAME=vibehost", &key), "vibehost", "plain value");
	is_str(key, "DB_NAME", "plain key");
	is_str(parse("  DB_NAME = spaced  ", &key), "spaced", "spaces trimmed");
	is_str(parse("DB_NAME=\"quoted value\"", &key), "quoted value", "double quotes removed");
	is_str(parse("DB_NAME='single'", &key), "single", "single quotes removed");
	is_str(parse("export DB_NAME=x", &key), "x", "export prefix");
	is_str(parse("DB_PASSWORD=a=b=c", &key), "a=b=c", "value keeps later '='");
	is_str(parse("DB_NAME=", &key), "", "empty value");
	is_str(parse("# comment", &key), "(skip)", "comment skipped");
	is_str(parse("   ", &key), "(skip)", "blank skipped");
	is_str(parse("no equals sign", &key), "(bad)", "line without = is malformed");
	is_str(parse("=value", &key), "(bad)", "empty key is malformed");
	is_str(parse("lower_case=1", &key), "(bad)", "lower-case key is malformed");

	fd = mkstemp(path);
	close(fd);
	unsetenv("VIBEHOST_CONFIG");
	unsetenv("ADMIN_API_KEY");
	unsetenv("VIBEHOST_SECRET_KEY");
	unsetenv("DB_PORT");
	unsetenv("DB_NAME");

	write_file(path, "# test\nADMIN_API_KEY=test-only-admin-key\nDB_PORT=3307\nDB_NAME=fromfile\n"
		   "VIBEHOST_SECRET_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
	vh_err_clear(&err);
	setenv("DB_NAME", "fromenv", 1);
	is_int(vh_cfg_load(VH_PROG_API, path, &err), VH_OK, "valid file loads");
	is_int(vh_cfg_int(CFG_DB_PORT), 3307, "int from the file");
	is_str(vh_cfg_str(CFG_DB_NAME), "fromenv", "environment overrides the file");
	is_int(vh_cfg_int(CFG_MAX_BODY_BYTES), 65536, "default applies");
	unsetenv("DB_NAME");

	mem = open_memstream(&dump, &dumplen);
	vh_cfg_dump(mem);
	fclose(mem);
	ok(strstr(dump, "ADMIN_API_KEY=********\n") != NULL, "secret masked in dump");
	ok(strstr(dump, "test-only-admin-key") == NULL, "secret value absent from dump");
	free(dump);

	write_file(path, "DB_PORT=99999\nDB_PROT=1\nLOG_LEVEL=chatty\nADMIN_API_KEY=short\n");
	vh_err_clear(&err);
	is_int(vh_cfg_load(VH_PROG_API, path, &err), VH_INVALID, "bad file refused");
	ok(strstr(err.detail, "DB_PORT: 99999 is out of range") != NULL, "names DB_PORT: %s", err.detail);
	ok(strstr(err.detail, "unknown key DB_PROT") != NULL, "names the misspelt key");
	ok(strstr(err.detail, "LOG_LEVEL:") != NULL, "names LOG_LEVEL");
	ok(strstr(err.detail, "ADMIN_API_KEY: length") != NULL, "names ADMIN_API_KEY");
	ok(strstr(err.detail, "short") == NULL, "secret value not echoed");

	write_file(path, "DB_PORT=12ab\n");
	vh_err_clear(&err);
	is_int(vh_cfg_load(VH_PROG_API, path, &err), VH_INVALID, "non-integer refused");
	ok(strstr(err.detail, "DB_PORT: \"12ab\" is not an integer") != NULL, "says not an integer");
	ok(strstr(err.detail, "ADMIN_API_KEY: required") != NULL, "missing admin key named");

	vh_err_clear(&err);
	is_int(vh_cfg_load(VH_PROG_MIGRATE, "/nonexistent/vh.conf", &err), VH_INVALID,
	       "missing file refused");
	ok(strstr(err.detail, "cannot open /nonexistent/vh.conf") != NULL, "names the file");

	write_file(path, "DB_NAME=x\n");
	vh_err_clear(&err);
	is_int(vh_cfg_load(VH_PROG_MIGRATE, path, &err), VH_OK, "migrate does not need the admin key");

	unlink(path);
	vh_cfg_reset();
	return done_testing();
}
