/* Named jwtauth.h so that <jwt.h> still means libjwt. */
/* User JWTs (Authorization: Bearer).  libjwt 1.10 verifies the signature
 * with the key it is given but takes the algorithm from the token and checks
 * no claims, so this module does the rest: the header's alg must be the
 * configured one (which blocks "none" and RS256/HS256 confusion), exp is
 * required, nbf/iss/aud are enforced, and tokens are length-capped before
 * anything parses them. */
#ifndef VH_JWTAUTH_H
#define VH_JWTAUTH_H

#include <stdbool.h>

#include "err.h"

struct vh_pool;

#define VH_JWT_MAX_LEN 4096

struct vh_jwt_config {
	const char *alg;       /* "HS256", "RS256" or "ES256" */
	const char *key;       /* HS256 secret, or PEM public key text */
	const char *issuer;    /* "" or NULL: not checked */
	const char *audience;  /* "" or NULL: not checked */
	long leeway;           /* seconds, 0..60 */
};

/* From the configuration table; JWTs are disabled (every Bearer token is
 * refused) when neither JWT_SECRET nor JWT_PUBLIC_KEY is set. */
enum vh_status vh_jwt_init_from_cfg(struct vh_err *err);
enum vh_status vh_jwt_init(const struct vh_jwt_config *cfg, struct vh_err *err);
void vh_jwt_reset(void);
bool vh_jwt_enabled(void);

/* Verify token at time now; on success *subject is the sub claim (pool). */
enum vh_status vh_jwt_verify(struct vh_pool *pool, const char *token, long now,
			     const char **subject, struct vh_err *err);

/* Sign an HS256 token (development tooling: ./dev token). */
enum vh_status vh_jwt_sign_hs256(struct vh_pool *pool, const char *secret, const char *subject,
				 const char *issuer, const char *audience, long ttl,
				 const char **out, struct vh_err *err);

#endif
