/* Pure parts of servers and provisioning: generated passwords and their
 * SHA-512 crypt hashes, ssh key lists, PVE disk sizes. */
#include "config.h"

#include <crypt.h>
#include <string.h>

#include <json-c/json.h>

#include "pool.h"
#include "provision.h"
#include "servers.h"
#include "tap.h"

static const char *keys(struct vh_pool *pool, const char *json, const char **out)
{
	json_object *v = json_tokener_parse(json);
	const char *msg = vh_norm_ssh_keys(pool, v, out);

	json_object_put(v);
	return msg;
}

int main(void)
{
	struct vh_pool *pool = vh_pool_new();
	struct vh_err err;
	char a[21], b[21];
	const char *h, *out;
	struct crypt_data cd;
	size_t i;
	int clean = 1;

	vh_password_generate(a);
	vh_password_generate(b);
	is_int((long long)strlen(a), 20, "a password has 20 characters");
	ok(strcmp(a, b) != 0, "two passwords differ");
	for (i = 0; i < 20; i++)
		if (strchr("0O1lI", a[i]) || !((a[i] >= 'a' && a[i] <= 'z') ||
					      (a[i] >= 'A' && a[i] <= 'Z') || (a[i] >= '2' && a[i] <= '9')))
			clean = 0;
	ok(clean, "letters and digits, none of 0 O 1 l I");
	vh_err_clear(&err);
	ok(vh_password_hash(pool, a, &h, &err) == VH_OK, "hash");
	ok(!strncmp(h, "$6$", 3), "SHA-512 crypt ($6$)");
	ok(!strstr(h, a), "the hash does not hold the password");
	memset(&cd, 0, sizeof(cd));
	is_str(crypt_r(a, h, &cd), h, "crypt() verifies the password against it");
	memset(&cd, 0, sizeof(cd));
	ok(strcmp(crypt_r(b, h, &cd), h) != 0, "and refuses another");

	ok(keys(pool, "\"ssh-ed25519 AAAAC3Nza kim@laptop\"", &out) == NULL &&
	   !strcmp(out, "ssh-ed25519 AAAAC3Nza kim@laptop"), "one key as a string");
	ok(keys(pool, "[\"ssh-rsa AAAAB3 a\", \"ecdsa-sha2-nistp256 AAAAE2 b\\r\\n\"]", &out) == NULL &&
	   !strcmp(out, "ssh-rsa AAAAB3 a\necdsa-sha2-nistp256 AAAAE2 b"), "an array, joined by newlines");
	ok(keys(pool, "\"ssh-ed25519 A x\\n\\nssh-ed25519 B y\\n\"", &out) == NULL &&
	   !strcmp(out, "ssh-ed25519 A x\nssh-ed25519 B y"), "lines of one string, blanks dropped");
	ok(keys(pool, "\"not a key\"", &out) != NULL, "not a key: refused");
	ok(keys(pool, "[1]", &out) != NULL, "a number: refused");
	ok(keys(pool, "{}", &out) != NULL, "an object: refused");
	ok(keys(pool, "\"ssh-ed25519\"", &out) != NULL, "a type alone: refused");
	ok(keys(pool, "[]", &out) == NULL && out == NULL, "an empty list: no keys");

	is_int(vh_pve_disk_bytes("local-lvm:vm-100-disk-0,size=32G"), 34359738368LL, "size=32G");
	is_int(vh_pve_disk_bytes("local:100/vm-100-disk-0.qcow2,format=qcow2,size=2252M"),
	       2252LL * 1048576, "size=2252M");
	is_int(vh_pve_disk_bytes("ceph:vm-1-disk-0,size=1T,ssd=1"), 1099511627776LL, "size=1T among options");
	is_int(vh_pve_disk_bytes("local-lvm:cloudinit,media=cdrom"), -1, "no size: -1");
	vh_pool_free(pool);
	return done_testing();
}
