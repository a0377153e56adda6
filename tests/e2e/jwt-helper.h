/* Minting test JWTs with libjwt from the stack's JWT_SECRET/ISSUER/AUDIENCE. */
#ifndef VH_E2E_JWT_HELPER_H
#define VH_E2E_JWT_HELPER_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <jwt.h>

#include "harness.h"

/* exp/nbf are offsets from now (nbf 0: none); iss/aud NULL: the stack's;
 * key NULL: the stack's secret; alg JWT_ALG_NONE gives an unsigned token.
 * Returns a malloc'd "Authorization: Bearer ..." header line. */
static inline char *t_bearer(const char *sub, long exp, long nbf, const char *iss, const char *aud,
			     jwt_alg_t alg, const char *key)
{
	jwt_t *j;
	char *tok, *line;
	long now = (long)time(NULL);

	jwt_new(&j);
	jwt_add_grant(j, "sub", sub);
	jwt_add_grant_int(j, "exp", now + exp);
	if (nbf)
		jwt_add_grant_int(j, "nbf", now + nbf);
	jwt_add_grant(j, "iss", iss ? iss : t_env("JWT_ISSUER"));
	jwt_add_grant(j, "aud", aud ? aud : t_env("JWT_AUDIENCE"));
	if (!key)
		key = t_env("JWT_SECRET");
	jwt_set_alg(j, alg, alg == JWT_ALG_NONE ? NULL : (const unsigned char *)key,
		    alg == JWT_ALG_NONE ? 0 : (int)strlen(key));
	tok = jwt_encode_str(j);
	jwt_free(j);
	line = malloc(strlen(tok) + 32);
	sprintf(line, "Authorization: Bearer %s", tok);
	free(tok);
	return line;
}

#endif
