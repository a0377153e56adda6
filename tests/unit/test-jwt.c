/* JWT verification: the checks libjwt 1.10 leaves to us.  Covers HS256 and
 * RS256 configurations, alg "none", RS256->HS256 confusion (an HS256 token
 * whose HMAC key is the RSA public key), exp/nbf with leeway, iss, aud as a
 * string and an array, and the length cap. */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "jwtauth.h"
#include "pool.h"
#include "tap.h"

#define SECRET "0123456789abcdef0123456789abcdef-test"

static char *pubpem, *privpem;
static long now;

static char *mint(jwt_alg_t alg, const char *key, const char *claims)
{
	jwt_t *j;
	char *t;

	jwt_new(&j);
	jwt_add_grants_json(j, claims);
	jwt_set_alg(j, alg, (const unsigned char *)key, key ? (int)strlen(key) : 0);
	t = jwt_encode_str(j);
	jwt_free(j);
	return t;
}

static char *claims(long exp, long nbf, const char *iss, const char *aud_json)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "{\"sub\":\"user-1\",\"exp\":%ld%s%ld,\"iss\":\"%s\"%s%s}", exp,
		 nbf ? ",\"nbf\":" : ",\"iat\":", nbf ? nbf : now, iss, aud_json ? ",\"aud\":" : "",
		 aud_json ? aud_json : "");
	return buf;
}

static int verify(struct vh_pool *pool, const char *token, const char **code)
{
	struct vh_err err;
	const char *sub;
	int st;

	vh_err_clear(&err);
	st = vh_jwt_verify(pool, token, now, &sub, &err);
	*code = vh_pstrdup(pool, err.code);
	return st;
}

static void make_rsa(void)
{
	EVP_PKEY *k = EVP_RSA_gen(2048);
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	PEM_write_bio_PUBKEY(b, k);
	n = BIO_get_mem_data(b, &p);
	pubpem = strndup(p, (size_t)n);
	BIO_free(b);
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
	n = BIO_get_mem_data(b, &p);
	privpem = strndup(p, (size_t)n);
	BIO_free(b);
	EVP_PKEY_free(k);
}

int main(void)
{
	struct vh_pool *pool = vh_pool_new();
	struct vh_err err;
	struct vh_jwt_config hs = {"HS256", SECRET, "vibehost-dev", "vibehost", 60};
	struct vh_jwt_config rs = {"RS256", NULL, "vibehost-dev", "vibehost", 60};
	const char *code, *sub;
	char *t, *big;
	const char *aud = "\"vibehost\"";

	now = (long)time(NULL);
	vh_err_clear(&err);
	is_int(vh_jwt_init(&(struct vh_jwt_config){"HS256", "short", NULL, NULL, 0}, &err), VH_INVALID,
	       "an HS256 secret under 32 characters is refused");
	is_int(vh_jwt_init(&(struct vh_jwt_config){"none", SECRET, NULL, NULL, 0}, &err), VH_INVALID,
	       "alg none cannot be configured");
	is_int(vh_jwt_init(&hs, &err), VH_OK, "HS256 configuration");

	t = mint(JWT_ALG_HS256, SECRET, claims(now + 300, 0, "vibehost-dev", aud));
	is_int(vh_jwt_verify(pool, t, now, &sub, &err), VH_OK, "a good HS256 token verifies");
	is_str(sub, "user-1", "subject");
	free(t);

	t = mint(JWT_ALG_HS256, "another-secret-another-secret-xx", claims(now + 300, 0, "vibehost-dev", aud));
	is_int(verify(pool, t, &code), VH_UNAUTHORIZED, "bad signature");
	free(t);

	t = mint(JWT_ALG_NONE, NULL, claims(now + 300, 0, "vibehost-dev", aud));
	is_int(verify(pool, t, &code), VH_UNAUTHORIZED, "alg none is refused");
	free(t);

	t = mint(JWT_ALG_HS256, SECRET, claims(now - 61, 0, "vibehost-dev", aud));
	is_int(verify(pool, t, &code), VH_UNAUTHORIZED, "expired beyond the leeway");
	is_str(code, "token_expired", "code token_expired");
	free(t);
	t = mint(JWT_ALG_HS256, SECRET, claims(now - 30, 0, "vibehost-dev", aud));
	is_int(verify(pool, t, &code), VH_OK, "expired within the 60 s leeway");
	free(t);

	t = mint(JWT_ALG_HS256, SECRET, "{\"sub\":\"u\",\"iss\":\"vibehost-dev\",\"aud\":\"vibehost\"}");
	is_int(verify(pool, t, &code), VH_UNAUTHORIZED, "a token without exp is refused");
	free(t);

	t = mint(JWT_ALG_HS256, SECRET, claims(now + 300, now + 120, "vibehost-dev", aud));
	is_int(verify(pool, t, &code), VH_UNAUTHORIZED, "nbf in the future");
	is_str(code, "token_not_yet_valid", "code token_not_yet_valid");
	free(t);

	t = mint(JWT_ALG_HS256, SECRET, claims(now + 300, 0, "someone-else", aud));
	is_int(verify(pool, t, &code), VH_UNAUTHORIZED, "wrong iss");
	free(t);
	t = mint(JWT_ALG_HS256, SECRET, claims(now + 300, 0, "vibehost-dev", "\"other\""));
	is_int(verify(pool, t, &code), VH_UNAUTHORIZED, "wrong aud");
	free(t);
	t = mint(JWT_ALG_HS256, SECRET, claims(now + 300, 0, "vibehost-dev", "[\"other\",\"vibehost\"]"));
	is_int(verify(pool, t, &code), VH_OK, "aud as an array containing ours");
	free(t);
	t = mint(JWT_ALG_HS256, SECRET, claims(now + 300, 0, "vibehost-dev", NULL));
	is_int(verify(pool, t, &code), VH_UNAUTHORIZED, "missing aud when one is required");
	free(t);
	t = mint(JWT_ALG_HS256, SECRET, "{\"exp\":99999999999,\"iss\":\"vibehost-dev\",\"aud\":\"vibehost\"}");
	is_int(verify(pool, t, &code), VH_UNAUTHORIZED, "missing sub");
	free(t);

	big = malloc(VH_JWT_MAX_LEN + 2);
	memset(big, 'a', VH_JWT_MAX_LEN + 1);
	big[VH_JWT_MAX_LEN + 1] = '\0';
	is_int(verify(pool, big, &code), VH_UNAUTHORIZED, "an overlong token is refused before parsing");
	free(big);
	is_int(verify(pool, "not.a.jwt", &code), VH_UNAUTHORIZED, "garbage is refused");
	is_int(verify(pool, "", &code), VH_UNAUTHORIZED, "empty is refused");

	/* RS256: the public key verifies; an HS256 token made with the public
	 * key as its HMAC secret (alg confusion) must not. */
	make_rsa();
	rs.key = pubpem;
	is_int(vh_jwt_init(&rs, &err), VH_OK, "RS256 configuration");
	t = mint(JWT_ALG_RS256, privpem, claims(now + 300, 0, "vibehost-dev", aud));
	is_int(verify(pool, t, &code), VH_OK, "a good RS256 token verifies");
	free(t);
	t = mint(JWT_ALG_HS256, pubpem, claims(now + 300, 0, "vibehost-dev", aud));
	is_int(verify(pool, t, &code), VH_UNAUTHORIZED, "HS256 signed with the RSA public key is refused");
	free(t);
	t = mint(JWT_ALG_NONE, NULL, claims(now + 300, 0, "vibehost-dev", aud));
	is_int(verify(pool, t, &code), VH_UNAUTHORIZED, "alg none refused under RS256 too");
	free(t);

	is_int(vh_jwt_sign_hs256(pool, SECRET, "abc", "vibehost-dev", "vibehost", 60, &sub, &err), VH_OK,
	       "signing for ./dev token");
	vh_jwt_init(&hs, &err);
	{
		const char *s2;

		is_int(vh_jwt_verify(pool, sub, now, &s2, &err), VH_OK, "a signed token verifies");
		is_str(s2, "abc", "with its subject");
	}

	vh_jwt_reset();
	free(pubpem);
	free(privpem);
	vh_pool_free(pool);
	return done_testing();
}
