/* Secrets at rest: round trip, binding to a context, tampering, key ids
 * and rotation with an old key. */
#include "config.h"

#include "pool.h"
#include "secret.h"
#include "tap.h"

#define K1 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define K2 "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

int main(void)
{
	struct vh_pool *pool = vh_pool_new();
	struct vh_err err;
	const char *sealed, *sealed2, *plain;
	char *tampered;

	vh_err_clear(&err);
	is_int(vh_secret_init("short", NULL, &err), VH_INVALID, "a short key is refused");
	ok(strstr(err.detail, "VIBEHOST_SECRET_KEY") != NULL, "the message names the key");
	is_int(vh_secret_init(K1, "nothex", &err), VH_INVALID, "a bad old key is refused");
	is_int(vh_secret_init(K1, NULL, &err), VH_OK, "hex key accepted");
	is_int(vh_secret_init("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", NULL, &err), VH_OK,
	       "base64 key accepted");
	is_int(strlen(vh_secret_key_id()), 8, "key id is 8 hex digits");
	{
		char id_b64[9];

		snprintf(id_b64, sizeof(id_b64), "%s", vh_secret_key_id());
		vh_secret_init(K1, NULL, &err);
		is_str(vh_secret_key_id(), id_b64, "hex and base64 of the same key have one id");
	}

	is_int(vh_secret_seal(pool, "pve-password!", "proxmox_hosts:pve1", &sealed, &err), VH_OK, "seal");
	ok(strncmp(sealed, "v1:", 3) == 0 && strstr(sealed, "pve-password") == NULL,
	   "sealed form is v1:<id>:... and hides the plaintext");
	is_int(vh_secret_seal(pool, "pve-password!", "proxmox_hosts:pve1", &sealed2, &err), VH_OK, "seal again");
	ok(strcmp(sealed, sealed2) != 0, "a fresh nonce every time");
	is_int(vh_secret_open(pool, sealed, "proxmox_hosts:pve1", &plain, &err), VH_OK, "open");
	is_str(plain, "pve-password!", "round trip");
	is_int(vh_secret_open(pool, sealed, "proxmox_hosts:pve2", &plain, &err), VH_INTERNAL,
	       "another row's context does not open it");
	tampered = vh_pstrdup(pool, sealed);
	tampered[20] = tampered[20] == 'A' ? 'B' : 'A';
	is_int(vh_secret_open(pool, tampered, "proxmox_hosts:pve1", &plain, &err), VH_INTERNAL,
	       "a changed byte is detected");
	is_int(vh_secret_open(pool, "v2:zzz", "x", &plain, &err), VH_INTERNAL, "unknown format");
	is_int(vh_secret_seal(pool, "", "ctx", &sealed2, &err), VH_OK, "empty secret seals");
	is_int(vh_secret_open(pool, sealed2, "ctx", &plain, &err), VH_OK, "and opens");
	is_str(plain, "", "to empty");

	/* Rotation: K2 current, K1 old — old values open and are stale. */
	is_int(vh_secret_init(K2, K1, &err), VH_OK, "rotate: new key with the old one kept");
	ok(vh_secret_is_stale(sealed), "old value is stale");
	is_int(vh_secret_open(pool, sealed, "proxmox_hosts:pve1", &plain, &err), VH_OK, "old value opens");
	is_int(vh_secret_seal(pool, plain, "proxmox_hosts:pve1", &sealed2, &err), VH_OK, "reseal");
	ok(!vh_secret_is_stale(sealed2), "resealed value is current");
	is_int(vh_secret_init(K2, NULL, &err), VH_OK, "drop the old key");
	is_int(vh_secret_open(pool, sealed, "proxmox_hosts:pve1", &plain, &err), VH_INTERNAL,
	       "without the old key the old value cannot be opened");
	ok(strstr(err.detail, "VIBEHOST_SECRET_KEY_OLD") != NULL, "and the message says what to do");

	vh_secret_reset();
	vh_pool_free(pool);
	return done_testing();
}
