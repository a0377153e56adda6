/* pve-sim's own tests: the 25 "simulator must-haves" of research/pve-api.md
 * section 10, each named "must-have N: ..." (grep "must-have 1[0-9]" finds
 * them), plus what the provisioning worker relies on: cloud-init keys,
 * snapshots, migrate, template, /cluster/resources fields, request
 * counters, and every /_sim/ control.  Raw HTTP through nginx, so what is
 * checked is what a client sees: status, reason phrase, body.
 *
 * Tasks end by moving pve-sim's clock (POST /_sim/clock), never by
 * sleeping, so the program is fast and deterministic. */
#include "config.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

enum auth { NOAUTH, TICKET, COOKIE_ONLY, TOKEN };

static struct t_resp R;
static char cookie[1024], csrf[512], token_hdr[600];
static char buf[4096];

/* A request to pve-sim; R holds the answer until the next one. */
static long req(enum auth a, const char *method, const char *path, const char *form)
{
	const char *hdr[3] = {NULL, NULL, NULL};
	char full[1024];

	if (a == TICKET || a == COOKIE_ONLY)
		hdr[0] = cookie;
	if (a == TICKET)
		hdr[1] = csrf;
	if (a == TOKEN)
		hdr[0] = token_hdr;
	snprintf(full, sizeof(full), "%s%s", path[0] == '/' && path[1] == '_' ? "" : "/api2/json", path);
	t_resp_free(&R);
	memset(&R, 0, sizeof(R));
	t_request(&R, t_env("VH_PVE_URL"), method, full, hdr[0] ? hdr : NULL,
		  form ? "application/x-www-form-urlencoded" : NULL, form, form ? strlen(form) : 0);
	return R.status;
}

static long sim(const char *path, const char *json)
{
	const char *ct = json ? "application/json" : NULL;

	t_resp_free(&R);
	memset(&R, 0, sizeof(R));
	t_request(&R, t_env("VH_PVE_URL"), json ? "POST" : "GET", path, NULL, ct, json,
		  json ? strlen(json) : 0);
	return R.status;
}

static json_object *data(void)
{
	json_object *d;

	return R.json && json_object_object_get_ex(R.json, "data", &d) ? d : NULL;
}

static const char *dstr(const char *key)
{
	json_object *v;

	return data() && json_object_object_get_ex(data(), key, &v) ? json_object_get_string(v) : NULL;
}

static const char *errors(const char *key)
{
	json_object *e, *v;

	return R.json && json_object_object_get_ex(R.json, "errors", &e) &&
			       json_object_object_get_ex(e, key, &v)
		       ? json_object_get_string(v)
		       : NULL;
}

/* The reason phrase of the last answer. */
static const char *reason(void)
{
	const char *sp = R.headers ? strchr(R.headers, ' ') : NULL;
	size_t n;

	if (!sp || strlen(sp) < 5)
		return "";
	n = strcspn(sp + 5, "\r\n");
	snprintf(buf, sizeof(buf), "%.*s", (int)n, sp + 5);
	return buf;
}

static int has(const char *needle)
{
	return R.body && strstr(R.body, needle) != NULL;
}

/* Let simulated time pass until the task ends; its exitstatus. */
static const char *wait_task(const char *node, const char *upid)
{
	static char st[600];
	char path[400];
	int i;

	snprintf(st, sizeof(st), "(no task)");
	if (!upid)
		return st;
	snprintf(path, sizeof(path), "/nodes/%s/tasks/%s/status", node, upid);
	for (i = 0; i < 100; i++) {
		req(TOKEN, "GET", path, NULL);
		if (dstr("status") && !strcmp(dstr("status"), "stopped")) {
			snprintf(st, sizeof(st), "%s", dstr("exitstatus"));
			return st;
		}
		sim("/_sim/clock", "{\"advance_ms\":250}");
	}
	snprintf(st, sizeof(st), "(still running)");
	return st;
}

/* The UPID of the last answer (copied). */
static const char *upid(void)
{
	static char u[8][256];
	static int i;
	json_object *d = data();

	if (!d || !json_object_is_type(d, json_type_string))
		return NULL;
	i = (i + 1) % 8;
	snprintf(u[i], sizeof(u[i]), "%s", json_object_get_string(d));
	return u[i];
}

/* A task call on node; its exitstatus. */
static const char *run(enum auth a, const char *node, const char *method, const char *path, const char *form)
{
	const char *u;

	req(a, method, path, form);
	u = upid();
	if (!u) {
		snprintf(buf, sizeof(buf), "(HTTP %ld %s)", R.status, reason());
		return buf;
	}
	return wait_task(node, u);
}

static json_object *state_vm(long id)
{
	json_object *vms;
	size_t i;

	sim("/_sim/state", NULL);
	if (!R.json || !json_object_object_get_ex(R.json, "vms", &vms))
		return NULL;
	for (i = 0; i < json_object_array_length(vms); i++)
		if (json_object_get_int64(json_object_object_get(json_object_array_get_idx(vms, i), "vmid")) == id)
			return json_object_array_get_idx(vms, i);
	return NULL;
}

static long counter(const char *key)
{
	json_object *c, *v;

	sim("/_sim/state", NULL);
	return R.json && json_object_object_get_ex(R.json, "counters", &c) &&
			       json_object_object_get_ex(c, key, &v)
		       ? (long)json_object_get_int64(v)
		       : 0;
}

static void login(void)
{
	char form[600];

	snprintf(form, sizeof(form), "username=root%%40pam&password=%s", t_env("PVE_SIM_PASSWORD"));
	req(NOAUTH, "POST", "/access/ticket", form);
	snprintf(cookie, sizeof(cookie), "Cookie: PVEAuthCookie=%s", dstr("ticket") ? dstr("ticket") : "");
	snprintf(csrf, sizeof(csrf), "CSRFPreventionToken: %s",
		 dstr("CSRFPreventionToken") ? dstr("CSRFPreventionToken") : "");
}

/* ---- envelope, errors, auth (1-8) ---------------------------------------------- */

static void envelope_and_auth(void)
{
	char form[600];

	/* 4 */
	snprintf(form, sizeof(form), "username=root%%40pam&password=%s", t_env("PVE_SIM_PASSWORD"));
	req(NOAUTH, "POST", "/access/ticket", form);
	ok(R.status == 200 && dstr("ticket") && !strncmp(dstr("ticket"), "PVE:root@pam:", 13) &&
		   dstr("CSRFPreventionToken") && dstr("username") && !strcmp(dstr("username"), "root@pam"),
	   "must-have 4: login returns ticket, CSRF token and username");
	login();
	req(NOAUTH, "POST", "/access/ticket", "username=root%40pam&password=wrong");
	ok(R.status == 401 && !strcmp(reason(), "authentication failure"),
	   "must-have 4: a failed login is 401 authentication failure (%ld %s)", R.status, reason());

	/* 1 */
	req(TICKET, "GET", "/version", NULL);
	ok(R.status == 200 && data() && json_object_is_type(data(), json_type_object) &&
		   !strcmp(dstr("version"), "8.2.4") && t_header(&R, "Content-Type") &&
		   strstr(t_header(&R, "Content-Type"), "application/json"),
	   "must-have 1: answers are {\"data\":...} JSON");
	req(TICKET, "PUT", "/nodes/pve1/config", "description=x");
	ok(R.status == 200 && R.body && !strcmp(R.body, "{\"data\":null}"),
	   "must-have 1: a void call gives {\"data\":null}: %s", R.body ? R.body : "");

	/* 2 */
	sim("/_sim/fault", "{\"method\":\"GET\",\"path\":\"/api2/json/version\",\"status\":500,"
			   "\"message\":\"first line\\nsecond line\"}");
	req(TICKET, "GET", "/version", NULL);
	ok(R.status == 500 && !strcmp(reason(), "first line"),
	   "must-have 2: the reason phrase is the first line of the message (%s)", reason());
	ok(has("\"data\":null") && has("\"message\":\"first line\\nsecond line\\n\""),
	   "must-have 2: body {\"data\":null,\"message\":\"<text>\\n\"}: %s", R.body);
	sim("/_sim/legacy", "{\"enabled\":true}");
	req(TICKET, "GET", "/nodes/pve1/qemu/777/status/current", NULL);
	ok(R.status == 500 && R.body && !strcmp(R.body, "{\"data\":null}") &&
		   strstr(reason(), "does not exist"),
	   "must-have 2: legacy mode has no message in the body: %s", R.body ? R.body : "");
	sim("/_sim/legacy", "{\"enabled\":false}");

	/* 3 */
	req(TICKET, "GET", "/nodes/pve1/qemu/abc/status/current", NULL);
	ok(R.status == 400 && !strcmp(reason(), "Parameter verification failed.") && errors("vmid") &&
		   !strcmp(errors("vmid"), "type check ('integer') failed - got 'abc'"),
	   "must-have 3: 400 Parameter verification failed. with errors.vmid: %s", R.body);
	req(TICKET, "POST", "/nodes/pve1/qemu/9000/clone", "name=x");
	ok(R.status == 400 && errors("newid") &&
		   !strcmp(errors("newid"), "property is missing and it is not optional"),
	   "must-have 3: a missing parameter is named in errors: %s", R.body);

	/* 5 */
	req(NOAUTH, "GET", "/version", NULL);
	ok(R.status == 401 && !strcmp(reason(), "No ticket") && R.len == 0,
	   "must-have 5: no cookie gives 401 No ticket with an empty body");

	/* 6 */
	req(COOKIE_ONLY, "PUT", "/nodes/pve1/config", "description=x");
	ok(R.status == 401 && strstr(reason(), "invalid csrf token"),
	   "must-have 6: a non-GET ticket request without CSRF token: 401 (%s)", reason());
	req(COOKIE_ONLY, "GET", "/nodes", NULL);
	is_int(R.status, 200, "must-have 6: a GET with a ticket needs no CSRF token");
	req(TOKEN, "PUT", "/nodes/pve1/config", "description=x");
	is_int(R.status, 200, "must-have 6: a token never needs a CSRF token");

	/* 7 */
	req(TOKEN, "GET", "/version", NULL);
	is_int(R.status, 200, "must-have 7: PVEAPIToken=USER@REALM!ID=SECRET is accepted");
	snprintf(form, sizeof(form), "Authorization: PVEAPIToken=%.*s=wrong",
		 (int)strcspn(t_env("PVE_SIM_TOKEN"), "="), t_env("PVE_SIM_TOKEN"));
	{
		char save[600];

		snprintf(save, sizeof(save), "%s", token_hdr);
		snprintf(token_hdr, sizeof(token_hdr), "%s", form);
		req(TOKEN, "GET", "/version", NULL);
		is_int(R.status, 401, "must-have 7: a wrong token secret is 401");
		snprintf(token_hdr, sizeof(token_hdr), "%s", save);
	}

	/* 8 */
	req(TICKET, "GET", "/nodes/pve1/qemu?full=true", NULL);
	ok(R.status == 400 && errors("full") && !strcmp(errors("full"), "type check ('boolean') failed - got 'true'"),
	   "must-have 8: booleans are 0/1 only: %s", R.body);
	req(TICKET, "GET", "/nodes/pve1/qemu?full=1", NULL);
	is_int(R.status, 200, "must-have 8: full=1 is fine");
	req(TICKET, "GET", "/nodes/pve1/qemu?colour=red", NULL);
	ok(R.status == 400 && errors("colour") && strstr(errors("colour"), "not defined in schema"),
	   "must-have 8: an unknown parameter is refused: %s", R.body);
	req(TICKET, "GET", "/nodes/pve1/qemu/99/status/current", NULL);
	ok(R.status == 400 && errors("vmid"), "must-have 8: vmid 99 is refused (vmid >= 100): %s", R.body);
	req(TICKET, "GET", "/cluster/nextid?vmid=42", NULL);
	ok(R.status == 400 && errors("vmid"), "must-have 8: nextid?vmid=42 is refused: %s", R.body);
}

/* ---- cluster reads (9, 10) --------------------------------------------------------- */

static void cluster_reads(void)
{
	size_t i;
	int qemu = 0, other = 0, fields = 0;

	req(TICKET, "GET", "/cluster/nextid", NULL);
	ok(R.status == 200 && data() && json_object_is_type(data(), json_type_string) &&
		   atol(json_object_get_string(data())) >= 100,
	   "must-have 9: nextid is a JSON string: %s", R.body);
	req(TICKET, "GET", "/cluster/nextid?vmid=9000", NULL);
	ok(R.status == 400 && errors("vmid") && !strcmp(errors("vmid"), "VM 9000 already exists"),
	   "must-have 9: a taken ?vmid= gives 400: %s", R.body);
	req(TICKET, "GET", "/cluster/nextid?vmid=4242", NULL);
	ok(R.status == 200 && !strcmp(json_object_get_string(data()), "4242"), "must-have 9: a free one is echoed");

	req(TICKET, "GET", "/cluster/resources?type=vm", NULL);
	for (i = 0; data() && i < json_object_array_length(data()); i++) {
		json_object *o = json_object_array_get_idx(data(), i);
		const char *id = json_object_get_string(json_object_object_get(o, "id"));

		if (!strcmp(json_object_get_string(json_object_object_get(o, "type")), "qemu") &&
		    !strncmp(id, "qemu/", 5))
			qemu++;
		else
			other++;
		if (json_object_object_get(o, "status") && json_object_object_get(o, "node") &&
		    json_object_object_get(o, "vmid") && json_object_object_get(o, "name") &&
		    json_object_object_get(o, "maxmem") && json_object_object_get(o, "maxcpu") &&
		    json_object_object_get(o, "template"))
			fields++;
	}
	ok(qemu >= 1 && other == 0, "must-have 10: ?type=vm lists qemu/<id> items only (%d)", qemu);
	is_int(fields, qemu, "must-have 10: VM items carry status, node, vmid, name, maxmem, maxcpu, template");
	req(TICKET, "GET", "/cluster/resources?type=node", NULL);
	ok(has("\"id\":\"node/pve1\"") && !has("qemu/"), "must-have 10: ?type=node lists nodes only");
	req(TICKET, "GET", "/cluster/resources?type=storage", NULL);
	ok(has("\"id\":\"storage/pve1/local-lvm\"") && !has("node/"), "must-have 10: ?type=storage");
	req(TICKET, "GET", "/cluster/resources?type=bogus", NULL);
	is_int(R.status, 400, "must-have 10: an unknown type is a 400");
}

/* ---- create, clone, config (11-14) ---------------------------------------------------- */

static void create_clone_config(void)
{
	const char *u, *dg;
	char form[512], dig[64];

	/* 11 */
	req(TICKET, "POST", "/nodes/pve2/qemu", "vmid=300&name=created&memory=2048&cores=2&scsi0=local-lvm%3A8"
						  "&net0=virtio%2Cbridge%3Dvmbr0&ide2=local-lvm%3Acloudinit&agent=1");
	u = upid();
	ok(u && strstr(u, ":qmcreate:300:root@pam:"), "must-have 11: create returns a qmcreate UPID: %s",
	   u ? u : R.body);
	req(TICKET, "GET", "/nodes/pve2/qemu/300/config", NULL);
	ok(R.status == 200 && dstr("lock") && !strcmp(dstr("lock"), "create"),
	   "must-have 11: the config exists at once with lock: create");
	req(TICKET, "POST", "/nodes/pve1/qemu", "vmid=300&name=dup");
	ok(R.status == 500 && !strcmp(reason(), "unable to create VM 300 - VM 300 already exists on node 'pve2'"),
	   "must-have 11: a duplicate id gives 500 (%s)", reason());
	is_str(wait_task("pve2", u), "OK", "must-have 11: the create task ends OK");
	req(TICKET, "GET", "/nodes/pve2/qemu/300/config", NULL);
	ok(!dstr("lock") && dstr("scsi0") && strstr(dstr("scsi0"), "local-lvm:vm-300-disk-0") &&
		   strstr(dstr("scsi0"), "size=8G") && strstr(dstr("net0"), "virtio=BC:24:11:") &&
		   !strcmp(dstr("ide2"), "local-lvm:vm-300-cloudinit,media=cdrom"),
	   "create: lock gone, disk allocated, MAC generated, cloud-init drive: %s", R.body);

	/* 12 */
	req(TICKET, "POST", "/nodes/pve1/qemu/9000/clone", "newid=301&name=linked");
	u = upid();
	ok(u && strstr(u, ":qmclone:9000:"), "clone returns a qmclone UPID with the source id: %s", u ? u : "");
	req(TICKET, "GET", "/nodes/pve1/qemu/301/status/current", NULL);
	ok(dstr("lock") && !strcmp(dstr("lock"), "clone"), "must-have 12: the new VM is locked 'clone'");
	is_str(wait_task("pve1", u), "OK", "clone task OK");
	req(TICKET, "GET", "/nodes/pve1/qemu/301/config", NULL);
	ok(dstr("scsi0") && strstr(dstr("scsi0"), "base-9000-disk-0/vm-301-disk-0"),
	   "must-have 12: a clone of a template is linked by default: %s", dstr("scsi0") ? dstr("scsi0") : "");
	req(TICKET, "POST", "/nodes/pve1/qemu/301/clone", "newid=302&full=0");
	ok(R.status == 500 && strstr(reason(), "Linked clone feature is not supported"),
	   "must-have 12: a linked clone of a non-template fails (%s)", reason());
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/301/clone", "newid=302"), "OK",
	       "a clone of a non-template");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/config", NULL);
	ok(dstr("scsi0") && strstr(dstr("scsi0"), "local-lvm:vm-302-disk-0") && !strstr(dstr("scsi0"), "base-"),
	   "must-have 12: is full by default: %s", dstr("scsi0") ? dstr("scsi0") : "");
	req(TICKET, "POST", "/nodes/pve1/qemu/9000/clone", "newid=303&full=0&storage=local-lvm");
	ok(R.status == 500 && strstr(reason(), "parameter 'storage' not allowed for linked clones"),
	   "clone: storage is for full clones only (%s)", reason());

	/* 13 */
	req(TICKET, "PUT", "/nodes/pve1/qemu/302/config", "cores=2&ipconfig0=ip%3D203.0.113.10%2F24%2Cgw%3D203.0.113.1");
	ok(R.status == 200 && !strcmp(R.body, "{\"data\":null}"), "must-have 13: PUT config returns null");
	req(TICKET, "POST", "/nodes/pve1/qemu/302/config", "memory=4096");
	u = upid();
	ok(u && strstr(u, ":qmconfig:302:"), "must-have 13: POST config returns a qmconfig UPID");
	is_str(wait_task("pve1", u), "OK", "must-have 13: its task ends OK");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/config", NULL);
	ok(dstr("cores") && !strcmp(dstr("cores"), "2") && !strcmp(dstr("memory"), "4096") &&
		   json_object_is_type(json_object_object_get(data(), "cores"), json_type_int) &&
		   json_object_is_type(json_object_object_get(data(), "memory"), json_type_string),
	   "config: cores a number, memory a string, both set");
	snprintf(dig, sizeof(dig), "%s", dstr("digest") ? dstr("digest") : "");
	ok(strlen(dig) == 40, "config carries a SHA-1 digest: %s", dig);
	req(TICKET, "PUT", "/nodes/pve1/qemu/302/config", "delete=ipconfig0");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/config", NULL);
	ok(R.status == 200 && !dstr("ipconfig0"), "must-have 13: delete= removes the key");
	req(TICKET, "PUT", "/nodes/pve1/qemu/302/config", "delete=colour");
	ok(R.status == 400 && errors("delete") && !strcmp(errors("delete"), "unknown option 'colour'"),
	   "delete= of an unknown option: 400 (%s)", R.body);
	snprintf(form, sizeof(form), "cores=3&digest=%s", dig);
	req(TICKET, "PUT", "/nodes/pve1/qemu/302/config", form);
	ok(R.status == 500 && !strcmp(reason(), "checksum mismatch (file change by other user?)"),
	   "must-have 13: a stale digest is refused (%s)", reason());
	req(TICKET, "GET", "/nodes/pve1/qemu/302/config", NULL);
	dg = dstr("digest");
	snprintf(form, sizeof(form), "cores=3&digest=%s", dg ? dg : "");
	req(TICKET, "PUT", "/nodes/pve1/qemu/302/config", form);
	is_int(R.status, 200, "must-have 13: the current digest is accepted");
	req(TICKET, "PUT", "/nodes/pve1/qemu/302/config", "");
	ok(R.status == 500 && !strcmp(reason(), "no options specified"), "an empty change: no options specified");

	/* Cloud-init and meta keys, as the provisioning worker sets them. */
	req(TICKET, "PUT", "/nodes/pve1/qemu/302/config",
	    "ciuser=ubuntu&cipassword=S3cret-pass&sshkeys=ssh-ed25519%2520AAAA%252B%252F%253D%2520me"
	    "&ipconfig0=ip%3D203.0.113.10%2F24%2Cgw%3D203.0.113.1&nameserver=1.1.1.1&searchdomain=example.com"
	    "&tags=web%3Bprod&description=hello%0Aworld&name=web-1&sockets=1&cpu=host&agent=1"
	    "&net0=virtio%2Cbridge%3Dvmbr0&hostpci0=0000%3A02%3A00.0%2Cpcie%3D0");
	is_int(R.status, 200, "cloud-init and meta keys accepted: %s", R.body);
	req(TICKET, "GET", "/nodes/pve1/qemu/302/config", NULL);
	ok(dstr("cipassword") && !strcmp(dstr("cipassword"), "**********") && !has("S3cret-pass"),
	   "cipassword shows as **********");
	ok(dstr("sshkeys") && !strcmp(dstr("sshkeys"), "ssh-ed25519%20AAAA%2B%2F%3D%20me"),
	   "sshkeys come back URL-encoded");
	ok(dstr("tags") && !strcmp(dstr("tags"), "web;prod") && !strcmp(dstr("ciuser"), "ubuntu") &&
		   !strcmp(dstr("nameserver"), "1.1.1.1") && !strcmp(dstr("searchdomain"), "example.com") &&
		   !strcmp(dstr("name"), "web-1") && !strcmp(dstr("cpu"), "host") &&
		   !strcmp(dstr("description"), "hello\nworld") &&
		   !strcmp(dstr("hostpci0"), "0000:02:00.0,pcie=0"),
	   "the other keys are stored as given");
	req(TICKET, "PUT", "/nodes/pve1/qemu/302/config", "sshkeys=ssh-ed25519+AAAA");
	ok(R.status == 400 && errors("sshkeys") && strstr(errors("sshkeys"), "invalid urlencoded string"),
	   "sshkeys not percent-encoded: 400");
	req(TICKET, "PUT", "/nodes/pve1/qemu/302/config", "delete=hostpci0");
}

static void pending(void)
{
	const char *u;
	size_t i;
	int found = 0;

	/* 14: VM 302 running: cores waits, name applies at once. */
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/status/start", ""), "OK", "start 302");
	req(TICKET, "PUT", "/nodes/pve1/qemu/302/config", "cores=4&name=renamed&delete=nameserver");
	is_int(R.status, 200, "must-have 14: a change to a running VM");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/config?current=1", NULL);
	ok(!strcmp(dstr("cores"), "3") && !strcmp(dstr("name"), "renamed") && dstr("nameserver"),
	   "must-have 14: cores stays pending (current=1 shows 3), name applied at once");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/config", NULL);
	ok(!strcmp(dstr("cores"), "4") && !dstr("nameserver"),
	   "must-have 14: GET config shows pending values applied");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/pending", NULL);
	for (i = 0; data() && i < json_object_array_length(data()); i++) {
		json_object *o = json_object_array_get_idx(data(), i);
		const char *k = json_object_get_string(json_object_object_get(o, "key"));

		if (!strcmp(k, "cores") && json_object_get_int(json_object_object_get(o, "value")) == 3 &&
		    json_object_get_int(json_object_object_get(o, "pending")) == 4)
			found++;
		if (!strcmp(k, "nameserver") && json_object_get_int(json_object_object_get(o, "delete")) == 1)
			found++;
		if (!strcmp(k, "name") && !json_object_object_get(o, "pending"))
			found++;
	}
	is_int(found, 3, "must-have 14: /pending lists {key,value,pending} and {key,delete:1}");
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/status/stop", ""), "OK", "stop 302");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/config?current=1", NULL);
	is_str(dstr("cores"), "3", "must-have 14: still pending after stop (applies at start)");
	u = run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/status/start", "");
	is_str(u, "OK", "start again");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/config?current=1", NULL);
	ok(!strcmp(dstr("cores"), "4") && !dstr("nameserver"), "must-have 14: the next start applies pending");
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/status/stop", ""), "OK", "stop 302 again");
}

/* ---- resize, power, status, tasks (15-21) ------------------------------------------------ */

static void resize_power_tasks(void)
{
	const char *u, *st;
	size_t i;

	/* 15 */
	req(TICKET, "PUT", "/nodes/pve1/qemu/302/resize", "disk=scsi0&size=%2B2G");
	u = upid();
	ok(u && strstr(u, ":resize:302:"), "must-have 15: resize returns a resize UPID: %s", u ? u : R.body);
	is_str(wait_task("pve1", u), "OK", "must-have 15: +2G ends OK");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/config", NULL);
	ok(strstr(dstr("scsi0"), "size=6G") != NULL, "must-have 15: 4G + 2G = 6G: %s", dstr("scsi0"));
	is_str(run(TICKET, "pve1", "PUT", "/nodes/pve1/qemu/302/resize", "disk=scsi0&size=5G"),
	       "shrinking disks is not supported", "must-have 15: no shrinking (a task error)");
	is_str(run(TICKET, "pve1", "PUT", "/nodes/pve1/qemu/302/resize", "disk=scsi1&size=5G"),
	       "disk 'scsi1' does not exist", "resize of a missing disk");
	is_str(run(TICKET, "pve1", "PUT", "/nodes/pve1/qemu/302/resize", "disk=scsi0&size=8G"), "OK",
	       "an absolute larger size");

	/* 16 */
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/status/stop", ""), "OK",
	       "must-have 16: stop of a stopped VM: the task ends OK");
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/status/shutdown", ""), "OK",
	       "must-have 16: shutdown of a stopped VM: the task ends OK");
	/* 17 */
	{
		static const char *const acts[] = {"reset", "reboot", "suspend", "resume"};

		for (i = 0; i < 4; i++) {
			req(TICKET, "POST", (snprintf(buf, sizeof(buf), "/nodes/pve1/qemu/302/status/%s", acts[i]), buf), "");
			ok(R.status == 500 && !strcmp(reason(), "VM 302 not running"),
			   "must-have 17: %s of a stopped VM: synchronous 500 VM 302 not running (%ld %s)",
			   acts[i], R.status, reason());
		}
	}
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/status/start", ""), "OK", "start");
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/status/start", ""), "VM 302 already running",
	       "must-have 16: start of a running VM: the task fails VM 302 already running");
	/* 18 */
	req(TICKET, "GET", "/nodes/pve1/qemu/302/status/current", NULL);
	ok(!strcmp(dstr("status"), "running") && !strcmp(dstr("qmpstatus"), "running") &&
		   json_object_get_int(json_object_object_get(data(), "agent")) == 1 &&
		   json_object_is_type(json_object_object_get(data(), "ha"), json_type_object),
	   "must-have 18: status running, qmpstatus, agent: 1, ha object");
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/status/suspend", ""), "OK", "suspend");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/status/current", NULL);
	ok(!strcmp(dstr("status"), "running") && !strcmp(dstr("qmpstatus"), "paused"),
	   "must-have 18: a paused VM is status running, qmpstatus paused");
	req(TICKET, "POST", "/nodes/pve1/qemu/302/status/shutdown", "");
	ok(R.status == 500 && !strcmp(reason(), "VM is paused - cannot shutdown"),
	   "shutdown of a paused VM: 500 (%s)", reason());
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/status/resume", ""), "OK", "resume");
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/status/stop", ""), "OK", "stop");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/status/current", NULL);
	ok(!strcmp(dstr("status"), "stopped") && !strcmp(dstr("qmpstatus"), "stopped") && !dstr("pid"),
	   "must-have 18: status stopped");
	req(TICKET, "POST", "/nodes/pve1/qemu/9000/clone", "newid=304&name=busy");
	u = upid();
	req(TICKET, "GET", "/nodes/pve1/qemu/304/status/current", NULL);
	is_str(dstr("lock"), "clone", "must-have 18: status/current shows the lock");
	wait_task("pve1", u);

	/* 19 */
	req(TICKET, "GET", "/nodes/pve1/qemu/777/config", NULL);
	ok(R.status == 500 && !strcmp(reason(), "Configuration file 'nodes/pve1/qemu-server/777.conf' does not exist"),
	   "must-have 19: a missing VM (%s)", reason());
	req(TICKET, "GET", "/nodes/pve2/qemu/302/status/current", NULL);
	ok(R.status == 500 && !strcmp(reason(), "Configuration file 'nodes/pve2/qemu-server/302.conf' does not exist"),
	   "must-have 19: a VM on another node is missing on this one (%s)", reason());
	req(TICKET, "POST", "/nodes/pve1/qemu/777/status/reboot", "");
	ok(R.status == 500 && !strcmp(reason(), "unable to find configuration file for VM 777 on node 'pve1'"),
	   "reboot of a missing VM: PVE's other wording (%s)", reason());

	/* 20 */
	sim("/_sim/durations", "{\"qmstart\":1000}");
	req(TICKET, "POST", "/nodes/pve1/qemu/302/status/start", "");
	u = upid();
	{
		unsigned pid, pstart;
		long stime;
		char node[16], type[16], user[64];
		long id;

		ok(u && sscanf(u, "UPID:%15[^:]:%8X:%8X:%8lX:%15[^:]:%ld:%63[^:]:", node, &pid, &pstart, &stime,
			       type, &id, user) == 7 && strlen(u) > 0 && u[strlen(u) - 1] == ':' &&
			   !strcmp(type, "qmstart") && id == 302 && !strcmp(user, "root@pam") &&
			   strlen(strchr(u + 5, ':') + 1) > 27,
		   "must-have 20: UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>: %s", u ? u : "");
	}
	snprintf(buf, sizeof(buf), "/nodes/pve1/tasks/%s/status", u ? u : "x");
	req(TICKET, "GET", buf, NULL);
	ok(!strcmp(dstr("status"), "running") && !dstr("exitstatus") && !strcmp(dstr("type"), "qmstart") &&
		   !strcmp(dstr("id"), "302") &&
		   json_object_is_type(json_object_object_get(data(), "pid"), json_type_int),
	   "must-have 20: a task is first running, without exitstatus");
	is_str(wait_task("pve1", u), "OK", "must-have 20: then stopped with exitstatus OK");
	sim("/_sim/durations", "{\"qmstart\":300}");
	sim("/_sim/task-fail", "{\"type\":\"qmstop\",\"exitstatus\":\"WARNINGS: 3\"}");
	req(TICKET, "POST", "/nodes/pve1/qemu/302/status/stop", "");
	u = upid();
	is_str(wait_task("pve1", u), "WARNINGS: 3", "must-have 20: exitstatus WARNINGS: n");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/status/current", NULL);
	is_str(dstr("status"), "stopped", "must-have 20: a task with warnings still did its work");
	/* 21 */
	snprintf(buf, sizeof(buf), "/nodes/pve1/tasks/%s/log", u ? u : "x");
	req(TICKET, "GET", buf, NULL);
	ok(R.json && json_object_get_int(json_object_object_get(R.json, "total")) == 4 &&
		   json_object_array_length(data()) == 4,
	   "must-have 1: the task log adds total (%s)", R.body);
	{
		json_object *last = json_object_array_get_idx(data(), 3);

		ok(last && json_object_get_int(json_object_object_get(last, "n")) == 4 &&
			   !strcmp(json_object_get_string(json_object_object_get(last, "t")), "TASK WARNINGS: 3"),
		   "must-have 21: log items {n,t}, n from 1, last line TASK WARNINGS: 3");
	}
	snprintf(buf, sizeof(buf), "/nodes/pve1/tasks/%s/log?start=1&limit=2", u ? u : "x");
	req(TICKET, "GET", buf, NULL);
	ok(json_object_array_length(data()) == 2 &&
		   json_object_get_int(json_object_object_get(json_object_array_get_idx(data(), 0), "n")) == 2 &&
		   json_object_get_int(json_object_object_get(R.json, "total")) == 4,
	   "must-have 21: start=1&limit=2 gives lines 2 and 3 of 4");
	st = run(TICKET, "pve1", "PUT", "/nodes/pve1/qemu/302/resize", "disk=scsi0&size=1G");
	is_str(st, "shrinking disks is not supported", "a failing task");
	req(TICKET, "GET", "/nodes/pve1/tasks/UPID:pve1:00000001:00000001:00000001:qmstart:1:root@pam:/status", NULL);
	ok(R.status == 400 && errors("upid") && !strcmp(errors("upid"), "no such task"), "an unknown task: 400 no such task");
	req(TICKET, "GET", "/nodes/pve1/tasks/garbage/status", NULL);
	ok(R.status == 400 && errors("upid") && !strcmp(errors("upid"), "unable to parse worker upid"),
	   "a malformed UPID: 400 unable to parse worker upid");
	sim("/_sim/durations", "{\"qmstart\":5000}");
	req(TICKET, "POST", "/nodes/pve1/qemu/302/status/start", "");
	u = upid();
	snprintf(buf, sizeof(buf), "/nodes/pve1/tasks/%s/log", u ? u : "x");
	req(TICKET, "GET", buf, NULL);
	ok(has("\"n\":1") && has("\"t\":\"no content\""), "must-have 21: an empty log is [{n:1,t:\"no content\"}]");
	wait_task("pve1", u);
	sim("/_sim/durations", "{\"qmstart\":300}");
	sim("/_sim/task-fail", "{\"type\":\"qmstop\",\"exitstatus\":\"stop failed:\\nsecond line\"}");
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/status/stop", ""), "stop failed: second line",
	       "must-have 20: an error exitstatus is one line");
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/status/stop", ""), "OK", "stop");
}

/* ---- locks (22) ---------------------------------------------------------------------------- */

static void locks(void)
{
	const char *u, *u2;
	json_object *o;
	long long before;

	sim("/_sim/durations", "{\"qmclone\":5000}");
	req(TICKET, "POST", "/nodes/pve1/qemu/9000/clone", "newid=305&name=locked");
	u = upid();
	req(TICKET, "PUT", "/nodes/pve1/qemu/305/config", "cores=2");
	ok(R.status == 500 && !strcmp(reason(), "VM is locked (clone)"),
	   "must-have 22: a VM being cloned: VM is locked (clone) at once (%s)", reason());
	req(TICKET, "DELETE", "/nodes/pve1/qemu/305", NULL);
	ok(R.status == 500 && !strcmp(reason(), "VM is locked (clone)"), "must-have 22: destroy too");
	req(TOKEN, "PUT", "/nodes/pve1/qemu/305/config", "cores=2&skiplock=1");
	ok(R.status == 400 && errors("skiplock"), "must-have 7: skiplock is root's only: %s", R.body);
	is_str(wait_task("pve1", u), "OK", "the clone ends");
	sim("/_sim/durations", "{\"qmclone\":300,\"qmconfig\":20000}");
	/* A task holds lock-305.conf for 20 s; a synchronous writer waits
	 * 10 s of simulated time and gives up with PVE's text. */
	req(TICKET, "POST", "/nodes/pve1/qemu/305/config", "cores=2");
	u = upid();
	/* A second task cannot get the lock within 10 s either. */
	req(TICKET, "POST", "/nodes/pve1/qemu/305/config", "cores=4");
	u2 = upid();
	sim("/_sim/state", NULL);
	before = json_object_get_int64(json_object_object_get(R.json, "clock_offset_ms"));
	req(TICKET, "PUT", "/nodes/pve1/qemu/305/config", "cores=3");
	ok(R.status == 500 && !strcmp(reason(), "can't lock file '/var/lock/qemu-server/lock-305.conf' - got timeout"),
	   "must-have 22: contention: can't lock file ... - got timeout (%s)", reason());
	sim("/_sim/state", NULL);
	ok(json_object_get_int64(json_object_object_get(R.json, "clock_offset_ms")) - before >= 10000,
	   "must-have 22: after 10 s of simulated contention");
	is_str(wait_task("pve1", u2), "can't lock file '/var/lock/qemu-server/lock-305.conf' - got timeout",
	       "must-have 22: a task that cannot get the lock within 10 s ends with that text");
	is_str(wait_task("pve1", u), "OK", "the holder ends OK");
	sim("/_sim/durations", "{\"qmconfig\":3000}");
	req(TICKET, "POST", "/nodes/pve1/qemu/305/config", "cores=5");
	u = upid();
	req(TICKET, "PUT", "/nodes/pve1/qemu/305/config", "sockets=2");
	is_int(R.status, 200, "must-have 22: a writer that gets the lock within 10 s waits and succeeds");
	ok(!strcmp(wait_task("pve1", u), "OK"), "the holder's task");
	o = state_vm(305);
	ok(o && !strcmp(json_object_get_string(json_object_object_get(json_object_object_get(o, "config"), "cores")), "5") &&
		   !strcmp(json_object_get_string(json_object_object_get(json_object_object_get(o, "config"), "sockets")), "2"),
	   "both changes applied, in order");
	sim("/_sim/durations", "{\"qmconfig\":300}");
}

/* ---- agent (23) ------------------------------------------------------------------------------ */

static void agent(void)
{
	json_object *res, *nic, *ips;
	size_t i, j;
	int shape = 0, v4 = 0;
	const char *ip4 = NULL;

	req(TICKET, "GET", "/nodes/pve1/qemu/302/agent/network-get-interfaces", NULL);
	ok(R.status == 500 && !strcmp(reason(), "VM 302 is not running"), "agent of a stopped VM: 500 (%s)", reason());
	sim("/_sim/agent", "{\"ip_delay_ms\":3000}");
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/status/start", ""), "OK", "start 302");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/agent/network-get-interfaces", NULL);
	ok(R.status == 200 && !has("203.0.113.10"), "must-have 23: no IPv4 yet just after start");
	sim("/_sim/clock", "{\"advance_ms\":3000}");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/agent/network-get-interfaces", NULL);
	res = data() ? json_object_object_get(data(), "result") : NULL;
	for (i = 0; res && i < json_object_array_length(res); i++) {
		nic = json_object_array_get_idx(res, i);
		ips = json_object_object_get(nic, "ip-addresses");
		shape += json_object_object_get(nic, "name") && json_object_object_get(nic, "hardware-address") &&
			 json_object_is_type(ips, json_type_array) && json_object_object_get(nic, "statistics");
		for (j = 0; j < json_object_array_length(ips); j++) {
			json_object *a = json_object_array_get_idx(ips, j);
			const char *t = json_object_get_string(json_object_object_get(a, "ip-address-type"));

			if (!strcmp(t, "ipv4") && json_object_is_type(json_object_object_get(a, "prefix"), json_type_int))
				v4++;
			if (!strcmp(t, "ipv4") && strcmp(json_object_get_string(json_object_object_get(a, "ip-address")), "127.0.0.1"))
				ip4 = json_object_get_string(json_object_object_get(a, "ip-address"));
		}
	}
	ok(res && shape == 2 && v4 == 2 && has("\"name\":\"lo\"") && has("\"hardware-address\":\"bc:24:11:"),
	   "must-have 23: {result:[{name,hardware-address,ip-addresses:[{ip-address,ip-address-type,prefix}],statistics}]} with lo");
	is_str(ip4, "203.0.113.10", "must-have 23: the IPv4 address from ipconfig0 appears after the delay");
	req(TICKET, "POST", "/nodes/pve1/qemu/302/agent/set-user-password", "username=ubuntu&password=N3w-pass-word");
	ok(R.status == 200 && json_object_is_type(json_object_object_get(data(), "result"), json_type_object),
	   "agent set-user-password: {result:{}}");
	ok(!has("N3w-pass-word") && state_vm(302) && !strstr(R.body, "N3w-pass-word") && strstr(R.body, "\"ubuntu\":true"),
	   "the state says whose password was set, never the password");
	sim("/_sim/agent", "{\"vmid\":302,\"answer\":false}");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/agent/network-get-interfaces", NULL);
	ok(R.status == 500 && !strcmp(reason(), "QEMU guest agent is not running"),
	   "must-have 23: a silent agent: 500 QEMU guest agent is not running (%s)", reason());
	req(TICKET, "POST", "/nodes/pve1/qemu/302/agent/set-user-password", "username=ubuntu&password=N3w-pass-word");
	ok(R.status == 500 && !strcmp(reason(), "QEMU guest agent is not running"), "set-user-password too");
	sim("/_sim/agent", "{\"vmid\":302,\"answer\":true}");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/agent/network-get-interfaces", NULL);
	is_int(R.status, 200, "it answers again");
	/* A DHCP-like address, different per VM. */
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/305/status/start", ""), "OK", "start 305");
	sim("/_sim/clock", "{\"advance_ms\":3000}");
	req(TICKET, "GET", "/nodes/pve1/qemu/305/agent/network-get-interfaces", NULL);
	ok(R.status == 200 && has("\"ip-address\":\"10.20.") && !has("203.0.113.10"),
	   "without a static ipconfig0 the agent reports a DHCP-like address: %s", R.body);
	sim("/_sim/agent", "{\"answer\":false}");
	req(TICKET, "GET", "/nodes/pve1/qemu/305/agent/network-get-interfaces", NULL);
	is_int(R.status, 500, "the agent of every VM can be silenced");
	sim("/_sim/agent", "{\"answer\":true,\"ip_delay_ms\":500}");
	req(TICKET, "PUT", "/nodes/pve1/qemu/305/config", "agent=0");
	req(TICKET, "GET", "/nodes/pve1/qemu/305/agent/network-get-interfaces", NULL);
	is_int(R.status, 200, "agent=0 on a running VM stays pending: the running agent still answers");
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/305/status/stop", ""), "OK", "stop 305");
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/305/status/start", ""), "OK", "start 305");
	req(TICKET, "GET", "/nodes/pve1/qemu/305/agent/network-get-interfaces", NULL);
	ok(R.status == 500 && !strcmp(reason(), "No QEMU guest agent configured"),
	   "must-have 23: no agent configured (%s)", reason());
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/305/status/stop", ""), "OK", "stop 305");
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/status/stop", ""), "OK", "stop 302");
}

/* ---- PCI (24) ------------------------------------------------------------------------------------ */

static void pci(void)
{
	json_object *o;
	size_t i;
	int form = 0;

	req(TICKET, "GET", "/nodes/pve1/hardware/pci", NULL);
	for (i = 0; data() && i < json_object_array_length(data()); i++) {
		o = json_object_array_get_idx(data(), i);
		form += strlen(json_object_get_string(json_object_object_get(o, "id"))) == 12 &&
			!strncmp(json_object_get_string(json_object_object_get(o, "class")), "0x", 2) &&
			!strncmp(json_object_get_string(json_object_object_get(o, "vendor")), "0x", 2) &&
			json_object_is_type(json_object_object_get(o, "iommugroup"), json_type_int);
	}
	ok(form == 4 && has("\"id\":\"0000:01:00.0\"") && has("\"class\":\"0x030000\"") &&
		   has("\"vendor\":\"0x10de\"") && !has("0000:00:01.0"),
	   "must-have 24: hardware/pci ids 0000:01:00.0, hex class/vendor, iommugroup; bridges hidden");
	req(TICKET, "GET", "/nodes/pve1/hardware/pci?pci-class-blacklist=", NULL);
	ok(has("0000:00:01.0"), "an empty class blacklist shows the bridge");
	req(TOKEN, "PUT", "/nodes/pve1/qemu/302/config", "hostpci0=0000%3A01%3A00.0");
	ok(R.status == 500 && !strcmp(reason(), "only root can set 'hostpci0' config for non-mapped devices"),
	   "must-have 24: a token may not set a raw hostpci (%s)", reason());
	req(TOKEN, "PUT", "/nodes/pve1/qemu/302/config", "hostpci0=mapping%3Dgpu0");
	is_int(R.status, 200, "must-have 24: a token may set a mapping");
	req(TOKEN, "POST", "/nodes/pve1/qemu/302/status/stop", "");
	{
		const char *u = upid();
		char want[128];

		snprintf(want, sizeof(want), ":%.*s:", (int)strcspn(t_env("PVE_SIM_TOKEN"), "="),
			 t_env("PVE_SIM_TOKEN"));
		ok(u && strstr(u, want), "must-have 7: a token's task is by user@realm!tokenid: %s", u ? u : "");
		snprintf(buf, sizeof(buf), "/nodes/pve1/tasks/%s/status", u ? u : "x");
		req(TOKEN, "GET", buf, NULL);
		ok(dstr("tokenid") && dstr("user") && !strchr(dstr("user"), '!'),
		   "must-have 7: its status names user and tokenid apart");
		wait_task("pve1", u);
	}
	req(TICKET, "PUT", "/nodes/pve1/qemu/302/config", "hostpci0=0000%3A01%3A00.0%2Cpcie%3D1%2Cx-vga%3D1");
	is_int(R.status, 200, "must-have 24: root sets hostpci0=0000:01:00.0,pcie=1,x-vga=1");
	req(TICKET, "PUT", "/nodes/pve1/qemu/305/config", "hostpci0=0000%3A01%3A00.0&agent=1");
	req(TICKET, "PUT", "/nodes/pve1/qemu/304/config", "hostpci0=01%3A00");
	is_int(R.status, 200, "must-have 24: the short form 01:00 (every function)");
	req(TICKET, "PUT", "/nodes/pve1/qemu/304/config", "hostpci1=0000%3A01%3A00.0");
	req(TICKET, "PUT", "/nodes/pve1/qemu/301/config", "hostpci0=0000%3A01%3A0A.0");
	ok(R.status == 400 && errors("hostpci0"), "must-have 24: ids are lowercase hex: %s", R.body);
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/status/start", ""), "OK", "302 starts with 01:00.0");
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/305/status/start", ""),
	       "PCI device '0000:01:00.0' already in use by VMID '302'",
	       "must-have 24: a second VM with the same device fails in its start task");
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/304/status/start", ""),
	       "PCI device '0000:01:00.0' already in use by VMID '302'",
	       "must-have 24: 01:00 claims every function, 01:00.0 included");
	sim("/_sim/state", NULL);
	ok(has("\"pci\":[{\"node\":\"pve1\",\"id\":\"0000:01:00.0\",\"vmid\":302}]"),
	   "/_sim/state lists the devices held by running VMs");
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/status/stop", ""), "OK", "stop 302");
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/305/status/start", ""), "OK", "now 305 can start");
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/305/status/stop", ""), "OK", "stop 305");
	req(TICKET, "PUT", "/nodes/pve1/qemu/302/config", "delete=hostpci0");
	req(TICKET, "PUT", "/nodes/pve1/qemu/304/config", "delete=hostpci0%2Chostpci1");
	req(TICKET, "PUT", "/nodes/pve1/qemu/305/config", "delete=hostpci0");
}

/* ---- nodes, paths (25) and the rest --------------------------------------------------------- */

static void nodes_and_paths(void)
{
	req(TICKET, "GET", "/nodes/pve1/bogus", NULL);
	ok(R.status == 501 && !strcmp(reason(), "Method 'GET /nodes/pve1/bogus' not implemented"),
	   "must-have 25: an unknown path is 501 (%s)", reason());
	req(NOAUTH, "GET", "/nodes/pve1/bogus", NULL);
	is_int(R.status, 501, "must-have 25: before authentication");
	req(TICKET, "DELETE", "/nodes/pve1/qemu/302", "purge=1");
	ok(R.status == 501 && !strcmp(reason(), "Unexpected content for method 'DELETE'"),
	   "must-have 25: DELETE with a body is 501 (%s)", reason());
	req(TICKET, "GET", "/nodes/pve1/status", NULL);
	ok(R.status == 200 && json_object_object_get(data(), "cpuinfo") && json_object_object_get(data(), "memory"),
	   "node status");
	req(TICKET, "GET", "/nodes/pve1/storage?content=images", NULL);
	ok(has("\"storage\":\"local-lvm\"") && has("\"used_fraction\"") && !has("\"storage\":\"local\""),
	   "storage list with the content filter");
	sim("/_sim/node", "{\"node\":\"pve2\",\"online\":false}");
	req(TICKET, "GET", "/nodes/pve2/qemu/300/status/current", NULL);
	ok(R.status == 595 && R.len == 0, "must-have 25: a node that is down gives 595 with an empty body (%ld %s)",
	   R.status, reason());
	req(TICKET, "GET", "/nodes", NULL);
	ok(has("\"node\":\"pve2\",\"status\":\"offline\""), "must-have 25: /nodes shows it offline");
	req(TICKET, "GET", "/cluster/resources", NULL);
	ok(has("\"id\":\"node/pve2\",\"type\":\"node\",\"node\":\"pve2\",\"status\":\"offline\"") &&
		   strstr(R.body, "\"vmid\":300,\"name\":\"created\",\"status\":\"unknown\""),
	   "must-have 25: /cluster/resources: node offline, its VMs unknown");
	sim("/_sim/node", "{\"node\":\"pve2\",\"online\":true}");
	req(TICKET, "GET", "/nodes/pve2/qemu/300/status/current", NULL);
	is_int(R.status, 200, "back online");
	req(TICKET, "GET", "/nodes/pve9/qemu", NULL);
	ok(R.status == 500 && strstr(reason(), "hostname lookup 'pve9' failed"), "an unknown node: %s", reason());
}

static void snapshots_migrate_template(void)
{
	const char *u;

	req(TICKET, "POST", "/nodes/pve1/qemu/302/snapshot", "snapname=before&description=first");
	u = upid();
	ok(u && strstr(u, ":qmsnapshot:302:"), "snapshot: a qmsnapshot UPID");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/status/current", NULL);
	is_str(dstr("lock"), "snapshot", "lock 'snapshot' while it runs");
	is_str(wait_task("pve1", u), "OK", "snapshot OK");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/snapshot", NULL);
	ok(has("\"name\":\"before\"") && has("\"name\":\"current\"") && has("\"parent\":\"before\"") &&
		   has("\"snaptime\""),
	   "snapshot list: before, and current whose parent is before");
	req(TICKET, "POST", "/nodes/pve1/qemu/302/snapshot", "snapname=before");
	ok(R.status == 500 && !strcmp(reason(), "snapshot name 'before' already used"), "a taken name (%s)", reason());
	req(TICKET, "POST", "/nodes/pve1/qemu/302/snapshot", "snapname=9bad");
	ok(R.status == 400 && errors("snapname"), "a bad name: 400");
	req(TICKET, "PUT", "/nodes/pve1/qemu/302/config", "cores=8");
	req(TICKET, "POST", "/nodes/pve1/qemu/302/snapshot/before/rollback", "");
	u = upid();
	req(TICKET, "GET", "/nodes/pve1/qemu/302/status/current", NULL);
	is_str(dstr("lock"), "rollback", "lock 'rollback' while it runs");
	is_str(wait_task("pve1", u), "OK", "rollback OK");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/config", NULL);
	ok(strcmp(dstr("cores"), "8") != 0, "rollback restored the config (cores %s)", dstr("cores"));
	req(TICKET, "POST", "/nodes/pve1/qemu/302/template", "");
	ok(R.status == 500 && !strcmp(reason(), "you can't convert a VM to template if VM contains snapshots"),
	   "template refused with snapshots");
	req(TICKET, "DELETE", "/nodes/pve1/qemu/302/snapshot/before", NULL);
	u = upid();
	req(TICKET, "GET", "/nodes/pve1/qemu/302/status/current", NULL);
	is_str(dstr("lock"), "snapshot-delete", "lock 'snapshot-delete' while it runs");
	is_str(wait_task("pve1", u), "OK", "delete snapshot OK");
	req(TICKET, "POST", "/nodes/pve1/qemu/302/snapshot/before/rollback", "");
	ok(R.status == 500 && !strcmp(reason(), "snapshot 'before' does not exist"), "a missing snapshot (%s)", reason());

	/* migrate */
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/status/start", ""), "OK", "start 302");
	req(TICKET, "POST", "/nodes/pve1/qemu/302/migrate", "target=pve2");
	ok(R.status == 500 && !strcmp(reason(), "can't migrate running VM without --online"),
	   "migrate of a running VM needs online=1 (%s)", reason());
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/migrate", "target=pve2&online=1&with-local-disks=1"),
	       "OK", "online migration with local disks");
	req(TICKET, "GET", "/nodes/pve2/qemu/302/status/current", NULL);
	ok(R.status == 200 && !strcmp(dstr("status"), "running"), "302 runs on pve2 now");
	is_str(run(TICKET, "pve2", "POST", "/nodes/pve2/qemu/302/status/stop", ""), "OK", "stop");
	is_str(run(TICKET, "pve2", "POST", "/nodes/pve2/qemu/302/migrate", "target=pve1"), "OK", "offline migration");
	/* template */
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/template", ""), "OK", "template");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/config", NULL);
	ok(json_object_get_int(json_object_object_get(data(), "template")) == 1 && strstr(dstr("scsi0"), "base-302-disk-0"),
	   "template: 1, base volume");
	is_str(run(TICKET, "pve1", "POST", "/nodes/pve1/qemu/302/status/start", ""),
	       "you can't start a vm if it's a template", "a template does not start");
	is_str(run(TICKET, "pve1", "DELETE", "/nodes/pve1/qemu/302?purge=1", NULL), "OK", "destroy with purge");
	req(TICKET, "GET", "/nodes/pve1/qemu/302/status/current", NULL);
	is_int(R.status, 500, "gone");
}

static void controls(void)
{
	long before;

	sim("/_sim/counters", "{}");
	req(TICKET, "GET", "/cluster/resources", NULL);
	is_int(counter("GET /api2/json/cluster/resources"), 1, "/_sim/state counts one /cluster/resources call");
	is_int(counter("GET /api2/json/nodes"), 0, "and nothing else was asked");
	sim("/_sim/fault", "{\"method\":\"POST\",\"path\":\"/api2/json/nodes/*/qemu/*/clone\",\"count\":2,"
			   "\"status\":500,\"message\":\"clone refused by fault\"}");
	req(TICKET, "POST", "/nodes/pve1/qemu/9000/clone", "newid=310");
	ok(R.status == 500 && !strcmp(reason(), "clone refused by fault"), "a fault with a glob path");
	req(TICKET, "POST", "/nodes/pve1/qemu/9000/clone", "newid=310");
	is_int(R.status, 500, "twice");
	req(TICKET, "POST", "/nodes/pve1/qemu/9000/clone", "newid=310");
	is_int(R.status, 200, "then the real answer");
	wait_task("pve1", upid());
	sim("/_sim/fault", "{\"path\":\"/api2/json/version\",\"status\":596,\"message\":\"\"}");
	req(TICKET, "GET", "/version", NULL);
	ok(R.status == 596 && R.len == 0, "a 596 fault has an empty body");
	before = counter("GET /api2/json/version");
	sim("/_sim/latency", "{\"method\":\"GET\",\"path\":\"/api2/json/version\",\"ms\":300,\"count\":1}");
	{
		long long t0 = 0, t1;
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		t0 = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
		req(TICKET, "GET", "/version", NULL);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		t1 = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
		ok(R.status == 200 && t1 - t0 >= 280, "/_sim/latency delays the answer (%lld ms)", t1 - t0);
	}
	is_int(counter("GET /api2/json/version"), before + 1, "counted once");
	req(NOAUTH, "HEAD", "/version", NULL);
	is_int(R.status, 501, "HEAD is 501 as in PVE");
}

static void expiry(void)
{
	/* 5: last, since it moves the clock by more than two hours. */
	sim("/_sim/clock", "{\"advance_seconds\":7000}");
	req(COOKIE_ONLY, "GET", "/version", NULL);
	is_int(R.status, 200, "must-have 5: the ticket is good before 2 h (+5 min skew)");
	sim("/_sim/clock", "{\"advance_seconds\":600}");
	req(COOKIE_ONLY, "GET", "/version", NULL);
	ok(R.status == 401 && strstr(reason(), "invalid PVE ticket") && R.len == 0,
	   "must-have 5: a ticket expires after 2 h (%s)", reason());
}

int main(void)
{
	t_init();
	if (!t_env("VH_PVE_URL") || !t_env("PVE_SIM_PASSWORD") || !t_env("PVE_SIM_TOKEN")) {
		ok(0, "the stack runs pve-sim");
		return done_testing();
	}
	setenv("VH_CA_OVERRIDE", t_env("VH_PVE_CA_FILE"), 1);
	snprintf(token_hdr, sizeof(token_hdr), "Authorization: PVEAPIToken=%s", t_env("PVE_SIM_TOKEN"));
	sim("/_sim/reset", "{}");
	is_int(R.status, 200, "reset pve-sim");
	sim("/_sim/durations", "{\"default\":300}");
	envelope_and_auth();
	cluster_reads();
	create_clone_config();
	pending();
	resize_power_tasks();
	locks();
	agent();
	pci();
	nodes_and_paths();
	snapshots_migrate_template();
	controls();
	expiry();
	sim("/_sim/reset", "{}");
	t_resp_free(&R);
	unsetenv("VH_CA_OVERRIDE");
	t_done();
	return done_testing();
}
