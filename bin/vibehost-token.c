/* vibehost-token: print an HS256 JWT for a subject, signed with JWT_SECRET
 * and carrying JWT_ISSUER/JWT_AUDIENCE, so developers and admins can call
 * user routes with curl (./dev token <email> wraps it).  Not for
 * production identity: real users get their tokens from the front end's
 * identity provider. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cli.h"
#include "jwtauth.h"
#include "pool.h"

int main(int argc, char **argv)
{
	const char *subject = NULL, *ttl = "3600", *token;
	const struct vh_cli_opt extra[] = {
		{"--sub", true, "the token's subject: a user's id or external_auth_id", &subject},
		{"--ttl", true, "lifetime in seconds (default 3600)", &ttl},
		{NULL, false, NULL, NULL},
	};
	const struct vh_cli cli = {
		.program = "vibehost-token",
		.program_mask = VH_PROG_MIGRATE,
		.summary = "Print an HS256 JWT for --sub, signed with JWT_SECRET (with JWT_ISSUER and\n"
			   "JWT_AUDIENCE when set), for calling user routes during development.",
		.extra = extra,
	};
	struct vh_pool *pool;
	struct vh_err err;
	long life;
	int rc = vh_cli_start(&cli, argc, argv);

	if (rc >= 0)
		return rc;
	life = atol(ttl);
	if (!subject || !*subject || life <= 0 || life > 86400 * 30) {
		fprintf(stderr, "vibehost-token: give --sub SUBJECT and a --ttl of 1..2592000 seconds\n");
		vh_cfg_reset();
		return 2;
	}
	if (!vh_cfg_is_set(CFG_JWT_SECRET)) {
		fprintf(stderr, "vibehost-token: JWT_SECRET is not set (HS256 tokens only)\n");
		vh_cfg_reset();
		return 1;
	}
	pool = vh_pool_new();
	vh_err_clear(&err);
	rc = vh_jwt_sign_hs256(pool, vh_cfg_str(CFG_JWT_SECRET), subject, vh_cfg_str(CFG_JWT_ISSUER),
			       vh_cfg_str(CFG_JWT_AUDIENCE), life, &token, &err) == VH_OK ? 0 : 1;
	if (rc == 0)
		printf("%s\n", token);
	else
		fprintf(stderr, "vibehost-token: %s\n", err.detail);
	vh_pool_free(pool);
	vh_cfg_reset();
	return rc;
}
