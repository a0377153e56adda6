/* Start-up shared by every program: the common options (--config, --help,
 * --version, --check-config, --print-config), loading and validating the
 * configuration, and the logger.  A program adds its own options through
 * vh_cli.extra. */
#ifndef VH_CLI_H
#define VH_CLI_H

#include <stdbool.h>

struct vh_cli_opt {
	const char *name;         /* "--dir" */
	bool takes_value;
	const char *help;
	const char **value;       /* set to the value, or "1" for a flag */
};

struct vh_cli {
	const char *program;      /* "vibehost-api" */
	unsigned program_mask;    /* VH_PROG_* */
	const char *summary;      /* one paragraph for --help */
	const struct vh_cli_opt *extra;   /* NULL-name terminated, may be NULL */
};

/* Returns -1 to continue, or an exit code (0 after --help, 2 on bad usage,
 * 1 on bad configuration). */
int vh_cli_start(const struct vh_cli *cli, int argc, char **argv);

#endif
