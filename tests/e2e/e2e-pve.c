/* Proxmox hosts against pve-sim: POST /admin/proxmox/hosts/{id}/test with a
 * password host pinned by fingerprint, a token host trusting pve-sim's CA,
 * a wrong password, a wrong pin and the system store (both refused: TLS
 * verification fails closed) — and pve-sim's own authentication rules
 * (research/pve-api.md section 2): 401 "No ticket", ticket login,
 * PVEAuthCookie, CSRF required on writes with a ticket, tokens without
 * CSRF, 2 h expiry (simulated clock), renewal with password=<ticket>. */
#include "config.h"

#include <stdlib.h>

#include "harness.h"

static char sfx[16];

static void add_host(const char *name, const char *extra)
{
	struct t_resp r;
	char body[8192];

	snprintf(body, sizeof(body), "{\"id\":\"%s-%s\",\"api_url\":\"%s\",\"location\":\"loc-%s\",%s}", name,
		 sfx, t_env("VH_PVE_URL"), sfx, extra);
	t_admin(&r, "POST", "/admin/proxmox/hosts", body);
	t_status(&r, 201, name);
	t_resp_free(&r);
}

static void test_host(const char *name, long want, const char *code)
{
	struct t_resp r;
	char path[256];

	snprintf(path, sizeof(path), "/admin/proxmox/hosts/%s-%s/test", name, sfx);
	t_admin(&r, "POST", path, NULL);
	if (want == 200) {
		t_status(&r, 200, path);
		is_str(t_str(&r, "version"), "8.2.4", "PVE version read through the host");
		ok(strstr(r.body, "\"node\":\"pve1\"") && strstr(r.body, "\"node\":\"pve2\""), "both nodes listed");
	} else {
		t_error(&r, want, code, path);
	}
	ok(!strstr(r.body, t_env("PVE_SIM_PASSWORD")), "no password in the answer");
	t_resp_free(&r);
}

static void pve(struct t_resp *r, const char *method, const char *path, const char *h1,
		const char *h2, const char *form)
{
	const char *hdr[3] = {h1, h2, NULL};
	char full[512];

	snprintf(full, sizeof(full), "/api2/json%s", path);
	t_request(r, t_env("VH_PVE_URL"), method, full, h1 ? hdr : NULL,
		  form ? "application/x-www-form-urlencoded" : NULL, form, form ? strlen(form) : 0);
}

int main(void)
{
	struct t_resp r;
	char extra[8192], cookie[1024], csrf[512], form[1100], ticket[512] = "";
	const char *token, *fp;
	FILE *f;
	unsigned rnd;
	json_object *d;

	t_init();
	token = t_env("PVE_SIM_TOKEN");
	fp = t_env("VH_PVE_FINGERPRINT");
	f = fopen("/dev/urandom", "rb");
	if (!f || fread(&rnd, sizeof(rnd), 1, f) != 1)
		return 1;
	fclose(f);
	snprintf(sfx, sizeof(sfx), "%08x", rnd);
	ok(t_env("VH_PVE_URL") && token && fp, "the stack runs pve-sim");
	if (!t_env("VH_PVE_URL") || !token || !fp)
		return done_testing();

	/* --- hosts --- */
	snprintf(extra, sizeof(extra), "\"username\":\"root\",\"password\":\"%s\",\"tls_fingerprint\":\"%s\"",
		 t_env("PVE_SIM_PASSWORD"), fp);
	add_host("pw", extra);
	test_host("pw", 200, NULL);
	{
		char ca[4096] = "", *o = ca;
		const char *s;
		FILE *cf = fopen(t_env("VH_PVE_CA_FILE"), "r");
		char pem[4096];
		size_t n = cf ? fread(pem, 1, sizeof(pem) - 1, cf) : 0;

		if (cf)
			fclose(cf);
		pem[n] = '\0';
		for (s = pem; *s && o < ca + sizeof(ca) - 3; s++) {
			if (*s == '\n') {
				*o++ = '\\';
				*o++ = 'n';
			} else {
				*o++ = *s;
			}
		}
		*o = '\0';
		snprintf(extra, sizeof(extra), "\"token_id\":\"%.*s\",\"token_secret\":\"%s\",\"ca_cert\":\"%s\"",
			 (int)strcspn(token, "="), token, strchr(token, '=') + 1, ca);
	}
	add_host("tok", extra);
	test_host("tok", 200, NULL);
	snprintf(extra, sizeof(extra), "\"username\":\"root\",\"password\":\"wrong-password\",\"tls_fingerprint\":\"%s\"", fp);
	add_host("badpw", extra);
	test_host("badpw", 502, "pve_auth_failed");
	/* A pin that differs in its first digit (a fixed "00" would be the
	 * right pin for one certificate in 256). */
	snprintf(extra, sizeof(extra), "\"username\":\"root\",\"password\":\"%s\",\"tls_fingerprint\":\"%c%s\"",
		 t_env("PVE_SIM_PASSWORD"), fp[0] == '0' ? '1' : '0', fp + 1);
	add_host("badpin", extra);
	test_host("badpin", 502, "pve_tls_failed");
	snprintf(extra, sizeof(extra), "\"username\":\"root\",\"password\":\"%s\"", t_env("PVE_SIM_PASSWORD"));
	add_host("sysstore", extra);
	test_host("sysstore", 502, "pve_tls_failed");

	/* --- pve-sim's authentication rules --- */
	t_request(&r, t_env("VH_PVE_URL"), "POST", "/_sim/reset", NULL, NULL, NULL, 0);
	t_resp_free(&r);
	/* The harness trusts the stack's CA; pve-sim has its own: use it. */
	setenv("VH_CA_OVERRIDE", t_env("VH_PVE_CA_FILE"), 1);
	pve(&r, "GET", "/version", NULL, NULL, NULL);
	is_int(r.status, 401, "no credentials: 401");
	ok(strstr(r.headers, " 401 No ticket"), "reason phrase 'No ticket'");
	is_int(r.len, 0, "with an empty body");
	t_resp_free(&r);
	pve(&r, "POST", "/access/ticket", NULL, NULL, "username=root%40pam&password=nope");
	is_int(r.status, 401, "wrong password: 401");
	ok(strstr(r.headers, " 401 authentication failure"), "reason 'authentication failure'");
	t_resp_free(&r);
	pve(&r, "POST", "/access/ticket", NULL, NULL, "username=root%40pam");
	is_int(r.status, 400, "missing password: 400");
	ok(r.json && json_object_object_get_ex(r.json, "errors", &d) && json_object_object_get(d, "password"),
	   "errors names password");
	t_resp_free(&r);
	snprintf(form, sizeof(form), "username=root&realm=pam&password=%s", t_env("PVE_SIM_PASSWORD"));
	pve(&r, "POST", "/access/ticket", NULL, NULL, form);
	t_status(&r, 200, "ticket login");
	if (r.json && json_object_object_get_ex(r.json, "data", &d) && d) {
		snprintf(ticket, sizeof(ticket), "%s", json_object_get_string(json_object_object_get(d, "ticket")));
		snprintf(csrf, sizeof(csrf), "CSRFPreventionToken: %s",
			 json_object_get_string(json_object_object_get(d, "CSRFPreventionToken")));
	}
	ok(!strncmp(ticket, "PVE:root@pam:", 13), "ticket format PVE:root@pam:<hex time>::<sig>");
	t_resp_free(&r);
	snprintf(cookie, sizeof(cookie), "Cookie: PVEAuthCookie=%s", ticket);
	pve(&r, "GET", "/version", cookie, NULL, NULL);
	t_status(&r, 200, "GET with the ticket cookie");
	ok(strstr(r.body, "\"version\":\"8.2.4\"") != NULL, "version answer");
	t_resp_free(&r);
	pve(&r, "GET", "/cluster/resources?type=node", cookie, NULL, NULL);
	t_status(&r, 200, "cluster/resources?type=node");
	ok(strstr(r.body, "\"type\":\"node\"") && !strstr(r.body, "\"type\":\"qemu\""), "only nodes");
	t_resp_free(&r);
	{
		/* The ticket is base64 with '+', '/' and '=': encode it. */
		char enc[1024], *o = enc;
		const char *c;

		for (c = ticket; *c && o < enc + sizeof(enc) - 4; c++) {
			if (strchr("+/=:@", *c))
				o += sprintf(o, "%%%02X", (unsigned char)*c);
			else
				*o++ = *c;
		}
		*o = '\0';
		snprintf(form, sizeof(form), "username=root%%40pam&password=%s", enc);
	}
	pve(&r, "POST", "/access/ticket", cookie, NULL, form);
	t_status(&r, 200, "renewal with password=<ticket>");
	t_resp_free(&r);
	{
		char tok[600];

		snprintf(tok, sizeof(tok), "Authorization: PVEAPIToken=%s", token);
		pve(&r, "GET", "/nodes", tok, NULL, NULL);
		t_status(&r, 200, "an API token works without CSRF");
		ok(strstr(r.body, "ssl_fingerprint") != NULL, "nodes carry ssl_fingerprint");
		t_resp_free(&r);
		snprintf(tok, sizeof(tok), "Authorization: PVEAPIToken=%.*s=wrong", (int)strcspn(token, "="), token);
		pve(&r, "GET", "/nodes", tok, NULL, NULL);
		is_int(r.status, 401, "a wrong token secret: 401");
		t_resp_free(&r);
	}
	/* Writes with a ticket need the CSRF header. */
	pve(&r, "PUT", "/nodes/pve1/config", cookie, NULL, "description=hello");
	is_int(r.status, 401, "a write with a ticket but no CSRF token: 401");
	ok(strstr(r.headers, "invalid csrf token") != NULL, "reason 'invalid csrf token'");
	t_resp_free(&r);
	pve(&r, "PUT", "/nodes/pve1/config", cookie, csrf, "description=hello");
	t_status(&r, 200, "the same write with the CSRF token");
	t_resp_free(&r);
	pve(&r, "PUT", "/nodes/pve1/config", cookie, csrf, "description=x&colour=red");
	is_int(r.status, 400, "an unknown parameter: 400");
	ok(r.json && json_object_object_get_ex(r.json, "errors", &d) && json_object_object_get(d, "colour"),
	   "errors names it");
	t_resp_free(&r);
	{
		t_request(&r, t_env("VH_PVE_URL"), "POST", "/_sim/clock", NULL, "application/json",
			  "{\"advance_seconds\":7501}", 24);
		t_resp_free(&r);
	}
	pve(&r, "GET", "/version", cookie, NULL, NULL);
	is_int(r.status, 401, "after 2 h 5 min the ticket is refused");
	ok(strstr(r.headers, "invalid PVE ticket") != NULL, "reason 'invalid PVE ticket'");
	t_resp_free(&r);
	t_request(&r, t_env("VH_PVE_URL"), "POST", "/_sim/reset", NULL, NULL, NULL, 0);
	t_resp_free(&r);
	unsetenv("VH_CA_OVERRIDE");
	t_done();
	return done_testing();
}
