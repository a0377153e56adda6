#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "buf.h"
#include "cfg.h"
#include "jwtauth.h"
#include "pool.h"

static struct {
	bool on;
	jwt_alg_t alg;
	char *key;
	size_t keylen;
	char *issuer, *audience;
	long leeway;
} jc;

void vh_jwt_reset(void)
{
	if (jc.key) {
		OPENSSL_cleanse(jc.key, jc.keylen);
		free(jc.key);
	}
	free(jc.issuer);
	free(jc.audience);
	memset(&jc, 0, sizeof(jc));
}

bool vh_jwt_enabled(void)
{
	return jc.on;
}

enum vh_status vh_jwt_init(const struct vh_jwt_config *cfg, struct vh_err *err)
{
	vh_jwt_reset();
	jc.alg = jwt_str_alg(cfg->alg);
	if (jc.alg != JWT_ALG_HS256 && jc.alg != JWT_ALG_RS256 && jc.alg != JWT_ALG_ES256)
		return vh_fail(err, VH_INVALID, "invalid_config", "JWT_ALG: must be HS256, RS256 or ES256");
	if (jc.alg == JWT_ALG_HS256 && strlen(cfg->key) < 32)
		return vh_fail(err, VH_INVALID, "invalid_config",
			       "JWT_SECRET: must be at least 32 characters");
	if (jc.alg != JWT_ALG_HS256 && !strstr(cfg->key, "-----BEGIN PUBLIC KEY-----"))
		return vh_fail(err, VH_INVALID, "invalid_config",
			       "JWT_PUBLIC_KEY: must be a PEM public key (-----BEGIN PUBLIC KEY-----)");
	jc.key = vh_xstrdup(cfg->key);
	jc.keylen = strlen(cfg->key);
	jc.issuer = cfg->issuer && *cfg->issuer ? vh_xstrdup(cfg->issuer) : NULL;
	jc.audience = cfg->audience && *cfg->audience ? vh_xstrdup(cfg->audience) : NULL;
	jc.leeway = cfg->leeway;
	jc.on = true;
	return VH_OK;
}

static char *read_pem(const char *v)
{
	FILE *f;
	struct vh_buf b = VH_BUF_INIT;
	char chunk[4096];
	size_t n;

	if (strstr(v, "-----BEGIN"))
		return vh_xstrdup(v);
	f = fopen(v, "r");
	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < 65536)
		vh_buf_add(&b, chunk, n);
	fclose(f);
	vh_buf_reserve(&b, 0);
	return b.data;
}

enum vh_status vh_jwt_init_from_cfg(struct vh_err *err)
{
	struct vh_jwt_config c = {
		.alg = vh_cfg_str(CFG_JWT_ALG),
		.issuer = vh_cfg_str(CFG_JWT_ISSUER),
		.audience = vh_cfg_str(CFG_JWT_AUDIENCE),
		.leeway = (long)vh_cfg_int(CFG_JWT_LEEWAY_SECONDS),
	};
	char *pem = NULL;
	enum vh_status st;

	vh_jwt_reset();
	if (vh_cfg_is_set(CFG_JWT_SECRET) && vh_cfg_is_set(CFG_JWT_PUBLIC_KEY))
		return vh_fail(err, VH_INVALID, "invalid_config",
			       "JWT_SECRET and JWT_PUBLIC_KEY: set one, not both");
	if (vh_cfg_is_set(CFG_JWT_SECRET)) {
		c.key = vh_cfg_str(CFG_JWT_SECRET);
		if (!*c.alg)
			c.alg = "HS256";
	} else if (vh_cfg_is_set(CFG_JWT_PUBLIC_KEY)) {
		pem = read_pem(vh_cfg_str(CFG_JWT_PUBLIC_KEY));
		if (!pem)
			return vh_fail(err, VH_INVALID, "invalid_config",
				       "JWT_PUBLIC_KEY: cannot read %s", vh_cfg_str(CFG_JWT_PUBLIC_KEY));
		c.key = pem;
		if (!*c.alg)
			c.alg = "RS256";
	} else {
		return VH_OK;   /* no JWTs: Bearer tokens are refused */
	}
	if ((!strcmp(c.alg, "HS256")) != (vh_cfg_is_set(CFG_JWT_SECRET))) {
		free(pem);
		return vh_fail(err, VH_INVALID, "invalid_config",
			       "JWT_ALG: HS256 goes with JWT_SECRET, RS256/ES256 with JWT_PUBLIC_KEY");
	}
	st = vh_jwt_init(&c, err);
	free(pem);
	return st;
}

static enum vh_status bad(struct vh_err *err, const char *code, const char *detail)
{
	return vh_fail(err, VH_UNAUTHORIZED, code, "%s", detail);
}

/* Decode the base64url header and return its alg, before libjwt sees the
 * token. */
static const char *header_alg(struct vh_pool *pool, const char *token)
{
	const char *dot = strchr(token, '.');
	size_t n, i, padded;
	char *b64;
	unsigned char *raw;
	int len;
	json_object *h, *alg;
	const char *out = NULL;

	if (!dot || dot == token)
		return NULL;
	n = (size_t)(dot - token);
	padded = (n + 3) / 4 * 4;
	b64 = vh_palloc(pool, padded + 1);
	for (i = 0; i < n; i++) {
		char c = token[i];

		b64[i] = c == '-' ? '+' : c == '_' ? '/' : c;
	}
	for (; i < padded; i++)
		b64[i] = '=';
	raw = vh_palloc(pool, padded);
	len = EVP_DecodeBlock(raw, (unsigned char *)b64, (int)padded);
	if (len <= 0)
		return NULL;
	{
		json_tokener *tok = json_tokener_new();

		h = json_tokener_parse_ex(tok, (const char *)raw, len);
		json_tokener_free(tok);
	}
	if (h && json_object_object_get_ex(h, "alg", &alg) && json_object_is_type(alg, json_type_string))
		out = vh_pstrdup(pool, json_object_get_string(alg));
	json_object_put(h);
	return out;
}

static bool aud_matches(jwt_t *jwt)
{
	char *json = jwt_get_grants_json(jwt, "aud");
	json_object *a;
	bool ok = false;
	size_t i;

	if (!json)
		return false;
	a = json_tokener_parse(json);
	free(json);
	if (a && json_object_is_type(a, json_type_string)) {
		ok = strcmp(json_object_get_string(a), jc.audience) == 0;
	} else if (a && json_object_is_type(a, json_type_array)) {
		for (i = 0; i < json_object_array_length(a); i++) {
			json_object *e = json_object_array_get_idx(a, i);

			if (json_object_is_type(e, json_type_string) &&
			    strcmp(json_object_get_string(e), jc.audience) == 0)
				ok = true;
		}
	}
	json_object_put(a);
	return ok;
}

enum vh_status vh_jwt_verify(struct vh_pool *pool, const char *token, long now,
			     const char **subject, struct vh_err *err)
{
	jwt_t *jwt = NULL;
	const char *alg, *sub, *iss;
	long exp, nbf;
	enum vh_status st = VH_OK;

	*subject = NULL;
	if (!jc.on)
		return bad(err, "jwt_disabled", "bearer tokens are not accepted here");
	if (strlen(token) > VH_JWT_MAX_LEN)
		return bad(err, "token_invalid", "the token is too long");
	alg = header_alg(pool, token);
	if (!alg || jwt_str_alg(alg) != jc.alg)
		return bad(err, "token_invalid", "the token's algorithm is not the one this API accepts");
	if (jwt_decode(&jwt, token, (const unsigned char *)jc.key, (int)jc.keylen) != 0 || !jwt)
		return bad(err, "token_invalid", "the token's signature does not verify");
	if (jwt_get_alg(jwt) != jc.alg) {
		st = bad(err, "token_invalid", "the token's algorithm is not the one this API accepts");
		goto out;
	}
	errno = 0;
	exp = jwt_get_grant_int(jwt, "exp");
	if (errno == ENOENT || exp <= 0) {
		st = bad(err, "token_invalid", "the token has no expiry (exp)");
		goto out;
	}
	if (now > exp + jc.leeway) {
		st = bad(err, "token_expired", "the token has expired");
		goto out;
	}
	errno = 0;
	nbf = jwt_get_grant_int(jwt, "nbf");
	if (errno != ENOENT && now + jc.leeway < nbf) {
		st = bad(err, "token_not_yet_valid", "the token is not valid yet (nbf)");
		goto out;
	}
	if (jc.issuer) {
		iss = jwt_get_grant(jwt, "iss");
		if (!iss || strcmp(iss, jc.issuer) != 0) {
			st = bad(err, "token_invalid", "the token's issuer (iss) is not accepted");
			goto out;
		}
	}
	if (jc.audience && !aud_matches(jwt)) {
		st = bad(err, "token_invalid", "the token's audience (aud) is not this API");
		goto out;
	}
	sub = jwt_get_grant(jwt, "sub");
	if (!sub || !*sub || strlen(sub) > 255) {
		st = bad(err, "token_invalid", "the token has no subject (sub)");
		goto out;
	}
	*subject = vh_pstrdup(pool, sub);
out:
	jwt_free(jwt);
	return st;
}

enum vh_status vh_jwt_sign_hs256(struct vh_pool *pool, const char *secret, const char *subject,
				 const char *issuer, const char *audience, long ttl,
				 const char **out, struct vh_err *err)
{
	jwt_t *jwt = NULL;
	char *tok;
	long now = (long)time(NULL);

	if (jwt_new(&jwt) != 0)
		vh_oom();
	jwt_add_grant(jwt, "sub", subject);
	jwt_add_grant_int(jwt, "iat", now);
	jwt_add_grant_int(jwt, "exp", now + ttl);
	if (issuer && *issuer)
		jwt_add_grant(jwt, "iss", issuer);
	if (audience && *audience)
		jwt_add_grant(jwt, "aud", audience);
	if (jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)secret, (int)strlen(secret)) != 0) {
		jwt_free(jwt);
		return vh_fail(err, VH_INTERNAL, "jwt_error", "could not set up HS256 signing");
	}
	tok = jwt_encode_str(jwt);
	jwt_free(jwt);
	if (!tok)
		return vh_fail(err, VH_INTERNAL, "jwt_error", "could not sign the token");
	*out = vh_pstrdup(pool, tok);
	free(tok);
	return VH_OK;
}
