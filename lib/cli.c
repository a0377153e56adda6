#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "cli.h"
#include "log.h"

static void usage(const struct vh_cli *cli, FILE *out)
{
	const struct vh_cli_opt *o;

	fprintf(out, "Usage: %s [OPTIONS]\n\n%s\n\nOptions:\n", cli->program, cli->summary);
	fprintf(out, "  --config FILE      read KEY=value settings from FILE (also $VIBEHOST_CONFIG)\n");
	for (o = cli->extra; o && o->name; o++)
		fprintf(out, "  %s%s%*s%s\n", o->name, o->takes_value ? " VALUE" : "",
			(int)(19 - strlen(o->name) - (o->takes_value ? 6 : 0)), "", o->help);
	fprintf(out, "  --check-config     validate the configuration and exit\n");
	fprintf(out, "  --print-config     print the effective configuration (secrets masked)\n");
	fprintf(out, "  --version          print the version and exit\n");
	fprintf(out, "  --help             print this help and exit\n\n");
	vh_cfg_help(out, cli->program_mask);
}

int vh_cli_start(const struct vh_cli *cli, int argc, char **argv)
{
	const char *config = NULL;
	bool check = false, print = false;
	struct vh_err err;
	int i;

	for (i = 1; i < argc; i++) {
		const struct vh_cli_opt *o;
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(cli, stdout);
			return 0;
		}
		if (!strcmp(a, "--version")) {
			printf("%s %s\n", cli->program, PACKAGE_VERSION);
			return 0;
		}
		if (!strcmp(a, "--check-config")) {
			check = true;
			continue;
		}
		if (!strcmp(a, "--print-config")) {
			print = true;
			continue;
		}
		if (!strcmp(a, "--config")) {
			if (++i >= argc)
				goto bad;
			config = argv[i];
			continue;
		}
		for (o = cli->extra; o && o->name; o++) {
			if (strcmp(a, o->name) != 0)
				continue;
			if (o->takes_value) {
				if (++i >= argc)
					goto bad;
				*o->value = argv[i];
			} else {
				*o->value = "1";
			}
			break;
		}
		if (o && o->name)
			continue;
		fprintf(stderr, "%s: unknown option %s (see --help)\n", cli->program, a);
		return 2;
	}

	vh_err_clear(&err);
	if (vh_cfg_load(cli->program_mask, config, &err) != VH_OK) {
		fprintf(stderr, "%s: invalid configuration:\n%s\n", cli->program, err.detail);
		vh_cfg_reset();
		return 1;
	}
	if (print) {
		vh_cfg_dump(stdout);
		vh_cfg_reset();
		return 0;
	}
	if (check) {
		printf("%s: configuration is valid\n", cli->program);
		vh_cfg_reset();
		return 0;
	}
	vh_log_init(cli->program, (enum vh_log_level)vh_cfg_int(CFG_LOG_LEVEL), 2);
	return -1;

bad:
	fprintf(stderr, "%s: %s needs a value (see --help)\n", cli->program, argv[i - 1]);
	return 2;
}
