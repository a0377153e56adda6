#include "config.h"

#include <ctype.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "pool.h"
#include "secret.h"
#include "uuid.h"

#define KEY_LEN 32
#define NONCE_LEN 12
#define TAG_LEN 16
#define MAX_KEYS 8
#define MAX_PLAIN 4096

struct key {
	unsigned char k[KEY_LEN];
	char id[9];
};

static struct key keys[MAX_KEYS];   /* keys[0] is the current key */
static int nkeys;

static int hexval(int c)
{
	if (isdigit(c))
		return c - '0';
	c = tolower(c);
	return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

static int parse_key(const char *s, size_t len, unsigned char out[KEY_LEN])
{
	unsigned char tmp[64];
	size_t i;
	int n;

	if (len == 2 * KEY_LEN) {
		for (i = 0; i < KEY_LEN; i++) {
			int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);

			if (hi < 0 || lo < 0)
				return -1;
			out[i] = (unsigned char)(hi * 16 + lo);
		}
		return 0;
	}
	if (len != 44)
		return -1;
	n = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)len);
	/* 44 base64 characters with one '=' decode to 33 bytes, the last padding. */
	if (n != 33 || s[43] != '=' || s[42] == '=')
		return -1;
	memcpy(out, tmp, KEY_LEN);
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return 0;
}

static void key_id(struct key *k)
{
	unsigned char h[SHA256_DIGEST_LENGTH];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	static const char label[] = "vibehost secret key id";
	int i;

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, label, sizeof(label) - 1);
	EVP_DigestUpdate(ctx, k->k, KEY_LEN);
	EVP_DigestFinal_ex(ctx, h, NULL);
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < 4; i++)
		snprintf(k->id + 2 * i, 3, "%02x", h[i]);
}

void vh_secret_reset(void)
{
	OPENSSL_cleanse(keys, sizeof(keys));
	nkeys = 0;
}

enum vh_status vh_secret_init(const char *key, const char *old, struct vh_err *err)
{
	const char *p;

	vh_secret_reset();
	if (!key || parse_key(key, strlen(key), keys[0].k) < 0)
		return vh_fail(err, VH_INVALID, "invalid_config",
			       "VIBEHOST_SECRET_KEY: must be 64 hex digits or base64 of 32 bytes "
			       "(openssl rand -hex 32)");
	key_id(&keys[0]);
	nkeys = 1;
	for (p = old; p && *p && nkeys < MAX_KEYS;) {
		size_t len = strcspn(p, ",");

		if (parse_key(p, len, keys[nkeys].k) < 0) {
			vh_secret_reset();
			return vh_fail(err, VH_INVALID, "invalid_config",
				       "VIBEHOST_SECRET_KEY_OLD: each key must be 64 hex digits or "
				       "base64 of 32 bytes");
		}
		key_id(&keys[nkeys++]);
		p += len;
		if (*p == ',')
			p++;
	}
	return VH_OK;
}

const char *vh_secret_key_id(void)
{
	return nkeys ? keys[0].id : "";
}

static const struct key *find_key(const char *id)
{
	int i;

	for (i = 0; i < nkeys; i++)
		if (strncmp(keys[i].id, id, 8) == 0)
			return &keys[i];
	return NULL;
}

enum vh_status vh_secret_seal(struct vh_pool *pool, const char *plain, const char *context,
			      const char **out, struct vh_err *err)
{
	size_t plen = strlen(plain);
	unsigned char *blob, *b64;
	EVP_CIPHER_CTX *ctx;
	int len, ok;

	if (!nkeys)
		return vh_fail(err, VH_INTERNAL, "secret_key_missing", "no secret key is configured");
	if (plen > MAX_PLAIN)
		return vh_fail(err, VH_INVALID, "secret_too_long", "secret is too long");
	blob = vh_palloc(pool, NONCE_LEN + plen + TAG_LEN);
	/* A random 96-bit nonce per value: with far fewer than 2^32 secrets
	 * per key, collisions are not a concern. */
	vh_random_bytes(blob, NONCE_LEN);
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		vh_oom();
	ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, keys[0].k, blob) == 1 &&
	     EVP_EncryptUpdate(ctx, NULL, &len, (const unsigned char *)context, (int)strlen(context)) == 1 &&
	     EVP_EncryptUpdate(ctx, blob + NONCE_LEN, &len, (const unsigned char *)plain, (int)plen) == 1 &&
	     EVP_EncryptFinal_ex(ctx, blob + NONCE_LEN + len, &len) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, blob + NONCE_LEN + plen) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		return vh_fail(err, VH_INTERNAL, "crypto_error", "encryption failed");
	b64 = vh_palloc(pool, 4 * ((NONCE_LEN + plen + TAG_LEN + 2) / 3) + 1);
	EVP_EncodeBlock(b64, blob, (int)(NONCE_LEN + plen + TAG_LEN));
	*out = vh_psprintf(pool, "v1:%s:%s", keys[0].id, (const char *)b64);
	return VH_OK;
}

enum vh_status vh_secret_open(struct vh_pool *pool, const char *sealed, const char *context,
			      const char **out, struct vh_err *err)
{
	const struct key *k;
	const char *b64;
	unsigned char *blob;
	char *plain;
	size_t b64len, blen;
	EVP_CIPHER_CTX *ctx;
	int len, n, ok, pad = 0;

	if (strncmp(sealed, "v1:", 3) != 0 || strlen(sealed) < 13 || sealed[11] != ':')
		return vh_fail(err, VH_INTERNAL, "secret_corrupt", "stored secret has an unknown format");
	k = find_key(sealed + 3);
	if (!k)
		return vh_fail(err, VH_INTERNAL, "secret_key_unknown",
			       "stored secret was sealed with key %.8s, which is not configured "
			       "(add it to VIBEHOST_SECRET_KEY_OLD)", sealed + 3);
	b64 = sealed + 12;
	b64len = strlen(b64);
	if (b64len % 4 || b64len < 4)
		return vh_fail(err, VH_INTERNAL, "secret_corrupt", "stored secret is damaged");
	pad = (b64[b64len - 1] == '=') + (b64[b64len - 2] == '=');
	blob = vh_palloc(pool, b64len);
	n = EVP_DecodeBlock(blob, (const unsigned char *)b64, (int)b64len);
	if (n < 0 || (size_t)n - (size_t)pad < NONCE_LEN + TAG_LEN)
		return vh_fail(err, VH_INTERNAL, "secret_corrupt", "stored secret is damaged");
	blen = (size_t)n - (size_t)pad - NONCE_LEN - TAG_LEN;
	plain = vh_palloc(pool, blen + 1);
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		vh_oom();
	ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, k->k, blob) == 1 &&
	     EVP_DecryptUpdate(ctx, NULL, &len, (const unsigned char *)context, (int)strlen(context)) == 1 &&
	     EVP_DecryptUpdate(ctx, (unsigned char *)plain, &len, blob + NONCE_LEN, (int)blen) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, blob + NONCE_LEN + blen) == 1 &&
	     EVP_DecryptFinal_ex(ctx, (unsigned char *)plain + len, &len) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		return vh_fail(err, VH_INTERNAL, "secret_corrupt",
			       "stored secret does not authenticate (wrong key or moved value)");
	plain[blen] = '\0';
	*out = plain;
	return VH_OK;
}

bool vh_secret_is_stale(const char *sealed)
{
	return nkeys && (strncmp(sealed, "v1:", 3) != 0 || strncmp(sealed + 3, keys[0].id, 8) != 0);
}
