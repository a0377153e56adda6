/* The admin catalog through nginx: Proxmox hosts (secrets sealed, never
 * returned), plans and upgrade bundles — CRUD, bounds, duplicates,
 * delete-in-use, partial PUT. */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "jwt-helper.h"

static char sfx[16];

static const char *p(const char *fmt)
{
	return t_fill(fmt, sfx);
}

int main(void)
{
	struct t_resp r;
	const char *secret = "Sup3r-Secret-Pve-Password";
	/* A made-up token secret for the test host (never a real one). */
	const char *token_secret = "made-up-secret-for-tests";
	char body[2048];
	FILE *f;
	unsigned rnd;

	t_init();
	f = fopen("/dev/urandom", "rb");
	if (!f || fread(&rnd, sizeof(rnd), 1, f) != 1)
		return 1;
	fclose(f);
	snprintf(sfx, sizeof(sfx), "%08x", rnd);
	/* stack-down.test greps every log for these. */
	{
		char path[4096];
		FILE *sf;

		snprintf(path, sizeof(path), "%s/test-secrets", getenv("VH_STACK_DIR"));
		sf = fopen(path, "a");
		if (sf) {
			fprintf(sf, "%s\n%s\nNew-Secret-2\n", secret, token_secret);
			fclose(sf);
		}
	}

	/* --- hosts --- */
	snprintf(body, sizeof(body),
		 "{\"id\":\"h-%s\",\"api_url\":\"https://pve.example.com:8006/api2/json\",\"username\":\"root\","
		 "\"password\":\"%s\",\"location\":\"loc-%s\",\"node\":\"pve1\"}", sfx, secret, sfx);
	t_admin(&r, "POST", "/admin/proxmox/hosts", body);
	t_status(&r, 201, "register a password host");
	is_str(t_str(&r, "auth"), "password", "auth is password");
	is_str(t_str(&r, "realm"), "pam", "realm defaults to pam");
	is_str(t_str(&r, "api_url"), "https://pve.example.com:8006", "api_url normalised");
	ok(r.json && json_object_get_boolean(json_object_object_get(r.json, "has_secret")), "has_secret");
	ok(!strstr(r.body, secret) && !t_str(&r, "password"), "the password is not in the answer");
	t_resp_free(&r);

	t_admin(&r, "POST", "/admin/proxmox/hosts", body);
	t_error(&r, 409, "host_exists", "duplicate host id");
	t_resp_free(&r);

	snprintf(body, sizeof(body),
		 "{\"id\":\"t-%s\",\"api_url\":\"https://10.0.0.1:8006\",\"token_id\":\"vibehost@pve!api\","
		 "\"token_secret\":\"%s\",\"location\":\"loc-%s\",\"tls_fingerprint\":"
		 "\"aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99\"}",
		 sfx, token_secret, sfx);
	t_admin(&r, "POST", "/admin/proxmox/hosts", body);
	t_status(&r, 201, "register a token host");
	is_str(t_str(&r, "auth"), "token", "auth is token");
	ok(t_str(&r, "tls_fingerprint") && !strncmp(t_str(&r, "tls_fingerprint"), "AA:BB:CC", 8),
	   "fingerprint normalised to upper case");
	ok(!strstr(r.body, token_secret), "the token secret is not in the answer");
	t_resp_free(&r);

	t_admin(&r, "POST", "/admin/proxmox/hosts",
		p("{\"id\":\"x-%s\",\"api_url\":\"http://insecure:8006\",\"username\":\"root\",\"password\":\"x\","
		  "\"token_id\":\"a@b!c\",\"token_secret\":\"y\",\"location\":\"l\",\"tls_fingerprint\":\"zz\"}"));
	t_error(&r, 422, "validation_failed", "bad host: http URL, bad fingerprint");
	ok(t_has_field_error(&r, "api_url") && t_has_field_error(&r, "tls_fingerprint"), "names the fields");
	t_resp_free(&r);
	t_admin(&r, "POST", "/admin/proxmox/hosts",
		p("{\"id\":\"x-%s\",\"api_url\":\"https://h\",\"username\":\"root\",\"password\":\"x\","
		  "\"token_id\":\"a@b!c\",\"token_secret\":\"y\",\"location\":\"l\"}"));
	t_error(&r, 422, "validation_failed", "password and token together");
	t_resp_free(&r);
	t_admin(&r, "POST", "/admin/proxmox/hosts",
		p("{\"id\":\"x-%s\",\"api_url\":\"https://h\",\"username\":\"root\",\"location\":\"l\"}"));
	t_error(&r, 422, "validation_failed", "password auth without a password");
	ok(t_has_field_error(&r, "password"), "names password");
	t_resp_free(&r);
	t_admin(&r, "POST", "/admin/proxmox/hosts",
		p("{\"id\":\"x-%s\",\"api_url\":\"https://h\",\"username\":\"root\",\"password\":\"p\",\"location\":\"l\","
		  "\"ca_cert\":\"not a certificate\"}"));
	t_error(&r, 422, "validation_failed", "a CA that is not PEM");
	t_resp_free(&r);

	t_admin(&r, "PUT", p("/admin/proxmox/hosts/h-%s"), "{\"node\":\"pve2\",\"password\":\"New-Secret-2\"}");
	t_status(&r, 200, "PUT changes the node and the password");
	is_str(t_str(&r, "node"), "pve2", "node updated");
	is_str(t_str(&r, "username"), "root", "username kept");
	ok(!strstr(r.body, "New-Secret-2"), "new password not echoed");
	t_resp_free(&r);
	t_admin(&r, "PUT", p("/admin/proxmox/hosts/h-%s"), "{\"token_id\":\"vibehost@pve!api\"}");
	t_error(&r, 422, "validation_failed", "switching to a token needs its secret");
	ok(t_has_field_error(&r, "token_secret"), "names token_secret");
	t_resp_free(&r);

	t_admin(&r, "GET", "/admin/proxmox/hosts", NULL);
	t_status(&r, 200, "list hosts");
	ok(strstr(r.body, p("\"h-%s\"")) && strstr(r.body, p("\"t-%s\"")), "both hosts listed");
	ok(!strstr(r.body, secret) && !strstr(r.body, "New-Secret-2") && !strstr(r.body, token_secret) &&
	   !strstr(r.body, "secret_enc") && !strstr(r.body, "v1:"), "no secret, sealed or not, in the list");
	t_resp_free(&r);
	t_admin(&r, "GET", "/admin/proxmox/hosts/nope-nope", NULL);
	t_error(&r, 404, "host_not_found", "unknown host");
	t_resp_free(&r);

	/* --- plans --- */
	t_admin(&r, "POST", "/admin/plans",
		p("{\"name\":\"basic-%s\",\"vcpu\":2,\"memory_mb\":2048,\"disk_gb\":40,\"price\":9900,"
		  "\"default_expire_days\":30,\"location\":\"loc-%s\",\"proxmox_host_id\":\"h-%s\",\"template_vmid\":9000}"));
	t_status(&r, 201, "create plan basic");
	is_str(t_str(&r, "price"), "9900.00", "price is a decimal string");
	is_str(t_str(&r, "currency"), "KRW", "currency defaults to KRW");
	is_str(t_str(&r, "clone_mode"), "full", "clone_mode defaults to full");
	t_resp_free(&r);
	t_admin(&r, "POST", "/admin/plans",
		p("{\"name\":\"basic-%s\",\"vcpu\":2,\"memory_mb\":2048,\"disk_gb\":40,\"price\":9900,"
		  "\"default_expire_days\":30,\"location\":\"loc-%s\"}"));
	t_error(&r, 409, "plan_exists", "duplicate plan");
	t_resp_free(&r);
	t_admin(&r, "POST", "/admin/plans",
		p("{\"name\":\"b-%s\",\"vcpu\":0,\"memory_mb\":100,\"disk_gb\":0,\"gpu_count\":17,\"price\":\"1.234\","
		  "\"default_expire_days\":0,\"location\":\"x\",\"clone_mode\":\"thin\",\"currency\":\"won\"}"));
	t_error(&r, 422, "validation_failed", "plan with every number out of bounds");
	ok(t_has_field_error(&r, "vcpu") && t_has_field_error(&r, "memory_mb") &&
	   t_has_field_error(&r, "disk_gb") && t_has_field_error(&r, "gpu_count") &&
	   t_has_field_error(&r, "price") && t_has_field_error(&r, "default_expire_days") &&
	   t_has_field_error(&r, "clone_mode") && t_has_field_error(&r, "currency"),
	   "every bad field is named");
	t_resp_free(&r);
	t_admin(&r, "POST", "/admin/plans",
		p("{\"name\":\"c-%s\",\"vcpu\":1,\"memory_mb\":1024,\"disk_gb\":10,\"price\":1,"
		  "\"default_expire_days\":30,\"location\":\"loc-%s\",\"proxmox_host_id\":\"no-such-host\"}"));
	t_error(&r, 422, "validation_failed", "plan on an unknown host");
	ok(t_has_field_error(&r, "proxmox_host_id"), "names proxmox_host_id");
	t_resp_free(&r);
	t_admin(&r, "POST", "/admin/plans",
		p("{\"name\":\"d-%s\",\"vcpu\":1,\"memory_mb\":1024,\"disk_gb\":10,\"price\":1,"
		  "\"default_expire_days\":30,\"location\":\"elsewhere\",\"proxmox_host_id\":\"h-%s\"}"));
	t_error(&r, 422, "validation_failed", "plan in another location than its host");
	t_resp_free(&r);
	t_admin(&r, "POST", "/admin/plans",
		p("{\"name\":\"e-%s\",\"vcpu\":1,\"memory_mb\":1024,\"disk_gb\":10,\"price\":1,"
		  "\"default_expire_days\":30,\"location\":\"loc-%s\",\"proxmox_node\":\"pve1\"}"));
	t_error(&r, 422, "validation_failed", "a node pin without a host");
	t_resp_free(&r);

	t_admin(&r, "PUT", p("/admin/plans/basic-%s"), "{\"price\":\"12000.5\",\"template_vmid\":null}");
	t_status(&r, 200, "PUT a plan");
	is_str(t_str(&r, "price"), "12000.50", "price updated");
	ok(r.json && json_object_object_get(r.json, "template_vmid") == NULL, "null cleared template_vmid");
	is_str(t_str(&r, "vcpu"), "2", "other fields kept");
	t_resp_free(&r);
	t_admin(&r, "PUT", p("/admin/plans/basic-%s"), "{\"vcpu\":null}");
	t_error(&r, 422, "validation_failed", "a required field cannot be cleared");
	t_resp_free(&r);
	t_admin(&r, "PUT", p("/admin/plans/basic-%s"), "{\"name\":\"renamed\"}");
	t_error(&r, 422, "validation_failed", "the name cannot be changed");
	t_resp_free(&r);
	t_admin(&r, "PUT", "/admin/plans/no-such-plan", "{\"vcpu\":4}");
	t_error(&r, 404, "plan_not_found", "PUT an unknown plan");
	t_resp_free(&r);

	/* The customer's catalog: plans for sale and locations with a host,
	 * never anything about reaching the hosts. */
	{
		char *bearer;
		const char *h[2] = {NULL, NULL};
		char uid[64] = "";

		snprintf(body, sizeof(body), "{\"email\":\"%s\",\"phone_number\":\"01012345678\"}",
			 t_unique_email("catalog"));
		t_admin(&r, "POST", "/users", body);
		if (t_str(&r, "id"))
			snprintf(uid, sizeof(uid), "%s", t_str(&r, "id"));
		t_resp_free(&r);
		bearer = t_bearer(uid, 300, 0, NULL, NULL, JWT_ALG_HS256, NULL);
		h[0] = bearer;
		t_request(&r, NULL, "GET", "/servers/metadata/allowed", h, NULL, NULL, 0);
		t_status(&r, 200, "a user reads /servers/metadata/allowed");
		ok(strstr(r.body, p("\"name\":\"basic-%s\"")) != NULL, "the plan is for sale");
		ok(strstr(r.body, p("\"loc-%s\"")) != NULL, "its location is listed");
		ok(strstr(r.body, "\"upgrades\":[") && strstr(r.body, "\"os_templates\":["),
		   "upgrades and OS templates are listed");
		ok(!strstr(r.body, "api_url") && !strstr(r.body, "password") && !strstr(r.body, "token") &&
		   !strstr(r.body, "secret") && !strstr(r.body, "retired_at"),
		   "nothing about hosts' access or plan bookkeeping");
		t_resp_free(&r);
		t_request(&r, NULL, "GET", "/servers/metadata/allowed", NULL, NULL, NULL, 0);
		t_error(&r, 401, "authentication_required", "anonymous callers get 401");
		t_resp_free(&r);
		free(bearer);
	}

	/* A host used by a plan cannot be deleted. */
	t_admin(&r, "DELETE", p("/admin/proxmox/hosts/h-%s"), NULL);
	t_error(&r, 409, "host_in_use", "delete a host a plan uses");
	t_resp_free(&r);

	/* --- upgrades --- */
	t_admin(&r, "POST", "/admin/upgrades", p("{\"name\":\"ram-%s\",\"add_memory_mb\":2048,\"price\":3000}"));
	t_status(&r, 201, "create an upgrade bundle");
	is_str(t_str(&r, "add_vcpu"), "0", "add_vcpu defaults to 0");
	t_resp_free(&r);
	t_admin(&r, "POST", "/admin/upgrades", p("{\"name\":\"nothing-%s\"}"));
	t_error(&r, 422, "validation_failed", "a bundle that adds nothing");
	t_resp_free(&r);
	t_admin(&r, "POST", "/admin/upgrades", p("{\"name\":\"ram-%s\",\"add_vcpu\":1}"));
	t_error(&r, 409, "upgrade_exists", "duplicate bundle");
	t_resp_free(&r);
	t_admin(&r, "POST", "/admin/upgrades", p("{\"name\":\"big-%s\",\"add_vcpu\":257}"));
	t_error(&r, 422, "validation_failed", "add_vcpu out of bounds");
	t_resp_free(&r);
	t_admin(&r, "DELETE", p("/admin/upgrades/ram-%s"), NULL);
	t_status(&r, 204, "delete a bundle");
	t_resp_free(&r);
	t_admin(&r, "GET", p("/admin/upgrades/ram-%s"), NULL);
	t_error(&r, 404, "upgrade_not_found", "it is gone");
	t_resp_free(&r);

	/* Clean up in dependency order: plan, then hosts. */
	t_admin(&r, "DELETE", p("/admin/plans/basic-%s"), NULL);
	t_status(&r, 204, "delete the plan");
	t_resp_free(&r);
	t_admin(&r, "DELETE", p("/admin/proxmox/hosts/h-%s"), NULL);
	t_status(&r, 204, "now the host can go");
	t_resp_free(&r);
	t_admin(&r, "DELETE", p("/admin/proxmox/hosts/t-%s"), NULL);
	t_status(&r, 204, "and the token host");
	t_resp_free(&r);

	t_done();
	return done_testing();
}
