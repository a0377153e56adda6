#include "config.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "auth.h"
#include "http.h"

static unsigned char admin_hash[SHA256_DIGEST_LENGTH];
static int admin_set;

void vh_auth_init(const char *admin_key)
{
	admin_set = admin_key && *admin_key;
	if (admin_set)
		SHA256((const unsigned char *)admin_key, strlen(admin_key), admin_hash);
}

/* Comparing digests makes the time independent of where the strings differ
 * and of their lengths; CRYPTO_memcmp keeps the comparison itself
 * constant-time. */
int vh_secret_equal(const char *a, const char *b)
{
	unsigned char ha[SHA256_DIGEST_LENGTH], hb[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)a, strlen(a), ha);
	SHA256((const unsigned char *)b, strlen(b), hb);
	return CRYPTO_memcmp(ha, hb, sizeof(ha)) == 0;
}

static int admin_key_ok(const char *given)
{
	unsigned char h[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)given, strlen(given), h);
	return admin_set && CRYPTO_memcmp(h, admin_hash, sizeof(h)) == 0;
}

enum vh_status vh_auth_check(struct vh_req *req, enum vh_auth auth, struct vh_err *err)
{
	const char *key;

	switch (auth) {
	case VH_AUTH_NONE:
		return VH_OK;
	case VH_AUTH_ADMIN:
		key = vh_req_header(req, "X-Admin-Key");
		if (!key || !*key) {
			vh_resp_header(req, "WWW-Authenticate", "X-Admin-Key");
			return vh_fail(err, VH_UNAUTHORIZED, "admin_key_required",
				       "this route needs the X-Admin-Key header");
		}
		if (!admin_key_ok(key)) {
			vh_resp_header(req, "WWW-Authenticate", "X-Admin-Key");
			return vh_fail(err, VH_UNAUTHORIZED, "invalid_admin_key",
				       "the X-Admin-Key header is not valid");
		}
		return VH_OK;
	}
	return vh_fail(err, VH_INTERNAL, "internal_error", "unknown route auth");
}
