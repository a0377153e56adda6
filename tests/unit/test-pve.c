/* lib/pve*.c without a network: form encoding (percent-encoding, 0/1
 * booleans, sshkeys encoded twice), certificate fingerprints, UPIDs as
 * pve-common parses them, the error kinds of PVE's own texts
 * (research/pve-api.md), secrets kept out of messages, the agent's
 * address choice, and clients whose settings cannot be used failing before
 * they connect. */
#include "config.h"

#include <stdlib.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "json.h"
#include "pool.h"
#include "pve_impl.h"
#include "tap.h"

static void form_encoding(struct vh_pool *pool)
{
	static const struct {
		const char *key, *value, *want;
	} cases[] = {
		{"name", "web-1", "name=web-1"},
		{"name", "web 1", "name=web%201"},
		{"ipconfig0", "ip=10.0.0.5/24,gw=10.0.0.1", "ipconfig0=ip%3D10.0.0.5%2F24%2Cgw%3D10.0.0.1"},
		{"net0", "virtio,bridge=vmbr0", "net0=virtio%2Cbridge%3Dvmbr0"},
		{"description", "a+b&c=d;e", "description=a%2Bb%26c%3Dd%3Be"},
		{"description", "\xed\x95\x9c", "description=%ED%95%9C"},
		{"ciuser", "", "ciuser="},
		{"username", "root@pam", "username=root%40pam"},
		{"hostpci0", "0000:01:00,pcie=1", "hostpci0=0000%3A01%3A00%2Cpcie%3D1"},
		{"delete", "hostpci0,ide2", "delete=hostpci0%2Cide2"},
	};
	const char *form;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		form = NULL;
		vh_pve_form_add(pool, &form, cases[i].key, cases[i].value);
		is_str(form, cases[i].want, "form case %zu (%s)", i, cases[i].key);
	}
	form = NULL;
	vh_pve_form_add(pool, &form, "newid", "101");
	vh_pve_form_bool(pool, &form, "full", true);
	vh_pve_form_bool(pool, &form, "online", false);
	vh_pve_form_int(pool, &form, "memory", 4096);
	vh_pve_form_int(pool, &form, "offset", -1);
	is_str(form, "newid=101&full=1&online=0&memory=4096&offset=-1",
	       "pairs joined with &, booleans 1/0 (PVE refuses true/false), integers");
}

/* What qemu-server accepts in the decoded sshkeys value. */
static int sshkeys_charset_ok(const char *s)
{
	for (; *s; s++)
		if (!strchr("-%_.!~*'()", *s) && !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
						    (*s >= '0' && *s <= '9')))
			return 0;
	return 1;
}

static void sshkeys(struct vh_pool *pool)
{
	const char *keys = "ssh-ed25519 AAAAC3Nz+/= user@host\nssh-rsa B", *inner, *form = NULL;

	inner = vh_pve_sshkeys_encode(pool, keys);
	is_str(inner, "ssh-ed25519%20AAAAC3Nz%2B%2F%3D%20user%40host%0Assh-rsa%20B",
	       "sshkeys inner encoding: spaces %%20, newline %%0A, + / = @ escaped");
	ok(!strchr(inner, '+') && !strchr(inner, ' '), "never a '+' or a space for a space");
	ok(sshkeys_charset_ok(inner), "only [-%%A-Za-z0-9_.!~*'()] as qemu-server demands");
	vh_pve_form_sshkeys(pool, &form, keys);
	is_str(form,
	       "sshkeys=ssh-ed25519%2520AAAAC3Nz%252B%252F%253D%2520user%2540host%250Assh-rsa%2520B",
	       "and the form encodes it again (%%25)");
	form = NULL;
	vh_pve_form_add(pool, &form, "cores", "2");
	vh_pve_form_sshkeys(pool, &form, "ssh-ed25519 K");
	is_str(form, "cores=2&sshkeys=ssh-ed25519%2520K", "beside other keys");
}

static void fingerprints(void)
{
	static const char canon[] = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
				    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
	static const struct {
		const char *in;
		int ok;
	} cases[] = {
		{canon, 1},
		{"ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:"
		 "23:45:67:89", 1},
		{"ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789", 1},
		{"sha256 Fingerprint=AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:"
		 "67:89:AB:CD:EF:01:23:45:67:89", 1},
		{" AB CD EF 01 23 45 67 89 AB CD EF 01 23 45 67 89 AB CD EF 01 23 45 67 89 AB CD EF 01 "
		 "23 45 67 89\n", 1},
		{"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:"
		 "23:45:67", 0},
		{"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:"
		 "23:45:67:89:00", 0},
		{"GB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:"
		 "23:45:67:89", 0},
		{"A:BCD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:"
		 "23:45:67:89", 0},
		{"ABC:D:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:"
		 "23:45:67:89", 0},
		{"", 0},
		{"nonsense", 0},
	};
	unsigned char fp[32];
	char out[96];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = vh_pve_fingerprint_parse(cases[i].in, fp) == 0;

		ok(got == cases[i].ok, "fingerprint %zu %s", i, cases[i].ok ? "accepted" : "refused");
		if (got && cases[i].ok) {
			vh_pve_fingerprint_format(fp, out);
			is_str(out, canon, "fingerprint %zu normalises to PVE's AA:BB:.. form", i);
		}
	}
	ok(vh_pve_fingerprint_parse(NULL, fp) == -1, "NULL refused");
}

static void upids(struct vh_pool *pool)
{
	static const char *const bad[] = {
		"UPID:pve:0035D677:03AB00C3:66DC5987:qmclone:132:root@pam",     /* no trailing colon */
		"UPID:pve:035D677:03AB00C3:66DC5987:qmclone:132:root@pam:",     /* pid 7 digits */
		"UPID:pve:0035D677:03AB00C3A1:66DC5987:qmclone:132:root@pam:",  /* pstart 10 */
		"UPID:pve:0035D677:03AB00C:66DC5987:qmclone:132:root@pam:",     /* pstart 7 */
		"UPID:pve:0035D677:03AB00C3:66DC598:qmclone:132:root@pam:",     /* starttime 7 */
		"UPID:pve:0035D67G:03AB00C3:66DC5987:qmclone:132:root@pam:",    /* not hex */
		"UPID:-pve:0035D677:03AB00C3:66DC5987:qmclone:132:root@pam:",   /* node starts with - */
		"UPID:pve_1:0035D677:03AB00C3:66DC5987:qmclone:132:root@pam:",  /* _ in node */
		"UPID::0035D677:03AB00C3:66DC5987:qmclone:132:root@pam:",       /* no node */
		"UPID:pve:0035D677:03AB00C3:66DC5987::132:root@pam:",           /* no type */
		"UPID:pve:0035D677:03AB00C3:66DC5987:qm clone:132:root@pam:",   /* space */
		"UPID:pve:0035D677:03AB00C3:66DC5987:qmclone:132::",            /* no user */
		"UPID:pve:0035D677:03AB00C3:66DC5987:qmclone:132:root@pam:x:",  /* extra field */
		"upid:pve:0035D677:03AB00C3:66DC5987:qmclone:132:root@pam:",    /* prefix case */
		"UPID:nonsense",
		"",
	};
	struct vh_pve_upid u;
	size_t i;

	is_int(vh_pve_upid_parse("UPID:pve:0035D677:03AB00C3:66DC5987:qmclone:132:root@pam:", &u), 0,
	       "the reference's UPID parses");
	is_str(u.node, "pve", "node");
	is_int(u.pid, 0x0035D677, "pid");
	is_int(u.pstart, 0x03AB00C3, "pstart");
	is_int(u.starttime, 0x66DC5987, "starttime");
	is_str(u.type, "qmclone", "type");
	is_str(u.id, "132", "id (the source vmid for a clone)");
	is_str(u.user, "root@pam", "user");
	is_int(vh_pve_upid_parse("UPID:pve-2:000A1B2C:123ABCDEF:66DC5987:qmstart:100:root@pam!tok:",
				 &u), 0, "a token task with a 9-digit pstart parses");
	is_str(u.user, "root@pam!tok", "its user is USER!TOKEN");
	is_str(u.node, "pve-2", "a node with an inner dash");
	is_int(vh_pve_upid_parse("UPID:pve:0035d677:03ab00c3:66dc5987:vzdump::root@pam:", &u), 0,
	       "lowercase hex and an empty id parse (as upid_decode allows)");
	is_str(u.id, "", "empty id");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(vh_pve_upid_parse(bad[i], &u), -1, "refused: %s", bad[i]);
	is_int(vh_pve_upid_parse(NULL, &u), -1, "NULL refused");
	is_str(vh_pve_upid_node(pool, "UPID:pve1:0035D677:03AB00C3:66DC5987:qmclone:9000:root@pam:"),
	       "pve1", "upid_node");
	ok(vh_pve_upid_node(pool, "UPID:nonsense") == NULL, "upid_node of a bad UPID is NULL");
}

static void classification(void)
{
	static const struct {
		long status;
		const char *text;
		enum vh_pve_kind want;
	} cases[] = {
		{500, "VM 100 not running", VH_PVE_NOT_RUNNING},
		{500, "VM 100 is not running", VH_PVE_NOT_RUNNING},
		{500, "CT 100 not running", VH_PVE_NOT_RUNNING},
		{500, "VM is locked (clone)", VH_PVE_LOCKED},
		{500, "CT is locked (backup)", VH_PVE_LOCKED},
		{500, "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout",
		 VH_PVE_LOCK_TIMEOUT},
		{500, "can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
		 VH_PVE_LOCK_TIMEOUT},
		{500, "unable to create VM 100 - VM 100 already exists on node 'pve'", VH_PVE_EXISTS},
		{500, "unable to create VM 101: config file already exists", VH_PVE_EXISTS},
		{500, "snapshot name 'daily' already used", VH_PVE_EXISTS},
		{400, "Parameter verification failed.; vmid: VM 100 already exists", VH_PVE_EXISTS},
		{400, "Parameter verification failed.; vmid: type check ('integer') failed - got 'abc'",
		 VH_PVE_BADPARAM},
		{400, "Parameter verification failed.; colour: property is not defined in schema and the "
		      "schema does not allow additional properties", VH_PVE_BADPARAM},
		{400, "Parameter verification failed.; upid: unable to parse worker upid", VH_PVE_BADPARAM},
		{400, "Parameter verification failed.; upid: no such task", VH_PVE_NOTFOUND},
		{400, "Parameter verification failed.; full: type check ('boolean') failed - got 'true'",
		 VH_PVE_BADPARAM},
		{500, "Configuration file 'nodes/pve/qemu-server/100.conf' does not exist",
		 VH_PVE_NOTFOUND},
		{500, "unable to find configuration file for VM 100 on node 'pve'", VH_PVE_NOTFOUND},
		{500, "VM 100 does not exist - no such machine", VH_PVE_NOTFOUND},
		{500, "snapshot 'x' does not exist", VH_PVE_NOTFOUND},
		{500, "VM 100 is running - destroy failed", VH_PVE_RUNNING},
		{500, "VM 100 already running", VH_PVE_RUNNING},
		{500, "you can't convert a VM to template if VM is running", VH_PVE_RUNNING},
		{500, "can't migrate running VM without --online", VH_PVE_RUNNING},
		{500, "VM is paused - cannot shutdown", VH_PVE_RUNNING},
		{500, "No QEMU guest agent configured", VH_PVE_NO_AGENT},
		{500, "QEMU guest agent is not running", VH_PVE_NO_AGENT},
		{500, "VM 100 qmp command 'guest-ping' failed - got timeout", VH_PVE_NO_AGENT},
		{401, "authentication failure", VH_PVE_AUTH},
		{401, "No ticket", VH_PVE_AUTH},
		{401, "permission denied - invalid PVE ticket", VH_PVE_AUTH},
		{401, "Permission denied - invalid csrf token", VH_PVE_AUTH},
		{401, "Authentication failed!", VH_PVE_AUTH},
		{403, "Permission check failed (/vms/100, VM.PowerMgmt)", VH_PVE_PERMISSION},
		{403, "only root can set 'hostpci0' config for non-mapped devices", VH_PVE_PERMISSION},
		{595, "Connection refused", VH_PVE_UNREACHABLE},
		{595, "No route to host", VH_PVE_UNREACHABLE},
		{595, "", VH_PVE_UNREACHABLE},
		{596, "Broken pipe", VH_PVE_UNREACHABLE},
		{501, "Method 'GET /nodes/pve/qemu/100/x' not implemented", VH_PVE_NOTFOUND},
		{501, "Unexpected content for method 'DELETE'", VH_PVE_PROTOCOL},
		{404, "Not Found", VH_PVE_NOTFOUND},
		{500, "something else broke", VH_PVE_TRANSIENT},
		{502, "Bad Gateway", VH_PVE_TRANSIENT},
		{503, "Service Unavailable", VH_PVE_TRANSIENT},
		{418, "I'm a teapot", VH_PVE_PROTOCOL},
		{200, "OK", VH_PVE_OK},
	};
	static const struct {
		const char *exitstatus;
		enum vh_pve_kind want;
	} tasks[] = {
		{"VM 100 already running", VH_PVE_RUNNING},
		{"clone failed: storage full", VH_PVE_TASK_FAILED},
		{"can't lock file '/var/lock/qemu-server/lock-133.conf' - got timeout",
		 VH_PVE_LOCK_TIMEOUT},
		{"PCI device '0000:01:00.0' already in use by VMID '100'", VH_PVE_TASK_FAILED},
		{"VM quit/powerdown failed - got timeout", VH_PVE_TASK_FAILED},
		{"you can't start a vm if it's a template", VH_PVE_TASK_FAILED},
		{"shrinking disks is not supported", VH_PVE_TASK_FAILED},
		{"disk 'scsi1' does not exist", VH_PVE_NOTFOUND},
		{"VM is locked (snapshot)", VH_PVE_LOCKED},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_str(vh_pve_kind_name(vh_pve_classify(cases[i].status, cases[i].text)),
		       vh_pve_kind_name(cases[i].want), "%ld %s", cases[i].status, cases[i].text);
	for (i = 0; i < sizeof(tasks) / sizeof(tasks[0]); i++)
		is_str(vh_pve_kind_name(vh_pve_classify_task(tasks[i].exitstatus)),
		       vh_pve_kind_name(tasks[i].want), "task: %s", tasks[i].exitstatus);
}

static void statuses(void)
{
	static const struct {
		enum vh_pve_kind kind;
		enum vh_status want;
	} map[] = {
		{VH_PVE_OK, VH_OK},
		{VH_PVE_NOTFOUND, VH_NOTFOUND},
		{VH_PVE_EXISTS, VH_CONFLICT},
		{VH_PVE_RUNNING, VH_CONFLICT},
		{VH_PVE_NOT_RUNNING, VH_CONFLICT},
		{VH_PVE_BADPARAM, VH_INVALID},
		{VH_PVE_LOCKED, VH_TRANSIENT},
		{VH_PVE_LOCK_TIMEOUT, VH_TRANSIENT},
		{VH_PVE_NO_AGENT, VH_TRANSIENT},
		{VH_PVE_UNREACHABLE, VH_TRANSIENT},
		{VH_PVE_TIMEOUT, VH_TRANSIENT},
		{VH_PVE_TRANSIENT, VH_TRANSIENT},
		{VH_PVE_AUTH, VH_BADGATEWAY},
		{VH_PVE_TLS, VH_BADGATEWAY},
		{VH_PVE_PERMISSION, VH_BADGATEWAY},
		{VH_PVE_PROTOCOL, VH_BADGATEWAY},
		{VH_PVE_TASK_FAILED, VH_BADGATEWAY},
		{VH_PVE_CONFIG, VH_BADGATEWAY},
	};
	struct vh_pve_error pe;
	struct vh_err err;
	size_t i;
	int k;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		is_str(vh_status_name(vh_pve_kind_status(map[i].kind)), vh_status_name(map[i].want),
		       "%s is %s", vh_pve_kind_name(map[i].kind), vh_status_name(map[i].want));
	for (k = 0; k < VH_PVE_KIND__MAX; k++)
		ok(strcmp(vh_pve_kind_name((enum vh_pve_kind)k), "unknown") != 0 &&
			   vh_pve_kind_name((enum vh_pve_kind)k) != NULL,
		   "kind %d has a name", k);

	vh_err_clear(&err);
	vh_pve_seterr(&pe, VH_PVE_BADPARAM, 400, "Parameter verification failed.; a: x; b: y");
	pe.nparams = 2;
	strcpy(pe.params[0].name, "a");
	strcpy(pe.params[0].message, "x");
	strcpy(pe.params[1].name, "b");
	strcpy(pe.params[1].message, "y");
	is_int(vh_pve_error_status(&pe, &err), VH_INVALID, "a 400 is VH_INVALID");
	is_str(err.code, "pve_bad_parameter", "code pve_bad_parameter");
	is_int(err.nfields, 2, "with each parameter as a field error");
	is_str(err.fields[1].field, "b", "field name");
	ok(strstr(err.detail, "Parameter verification failed.") != NULL, "detail: %s", err.detail);

	vh_err_clear(&err);
	vh_pve_seterr(&pe, VH_PVE_TASK_FAILED, 200, "can't lock file 'x' - got timeout");
	pe.cause = VH_PVE_LOCK_TIMEOUT;
	is_int(vh_pve_error_status(&pe, &err), VH_TRANSIENT, "a task lost to a lock timeout: retry");
	is_str(err.code, "pve_task_failed", "still reported as a task failure");
	vh_err_clear(&err);
	vh_pve_seterr(&pe, VH_PVE_TASK_FAILED, 200, "clone failed: storage full");
	is_int(vh_pve_error_status(&pe, &err), VH_BADGATEWAY, "another task failure: bad gateway");
	is_str(err.detail, "Proxmox: clone failed: storage full", "detail keeps PVE's words");
}

static void scrubbing(void)
{
	char msg[128] = "value 'hunter22xyz' invalid; got 'hunter22xyz'";

	vh_pve_scrub(msg, sizeof(msg), "hunter22xyz");
	is_str(msg, "value '********' invalid; got '********'", "every occurrence of a secret masked");
	vh_pve_scrub(msg, sizeof(msg), "got");
	is_str(msg, "value '********' invalid; got '********'", "a secret under 4 bytes is left alone");
	vh_pve_scrub(msg, sizeof(msg), NULL);
	ok(1, "NULL secret is a no-op");
}

static void agent_ips(struct vh_pool *pool)
{
	static const char answer[] =
		"{\"result\":["
		"{\"name\":\"lo\",\"ip-addresses\":[{\"ip-address\":\"127.0.0.1\",\"ip-address-type\":"
		"\"ipv4\",\"prefix\":8},{\"ip-address\":\"::1\",\"ip-address-type\":\"ipv6\"}]},"
		"{\"name\":\"eth0\",\"hardware-address\":\"bc:24:11:00:00:01\",\"ip-addresses\":["
		"{\"ip-address\":\"fe80::be24:11ff:fe00:1\",\"ip-address-type\":\"ipv6\",\"prefix\":64},"
		"{\"ip-address\":\"169.254.1.1\",\"ip-address-type\":\"ipv4\",\"prefix\":16},"
		"{\"ip-address\":\"10.0.0.5\",\"ip-address-type\":\"ipv4\",\"prefix\":24},"
		"{\"ip-address\":\"2001:db8::5\",\"ip-address-type\":\"ipv6\",\"prefix\":64}]},"
		"{\"name\":\"eth1\",\"ip-addresses\":[{\"ip-address\":\"192.0.2.9\",\"ip-address-type\":"
		"\"ipv4\"}]}]}";
	json_object *o = vh_json_own(pool, json_tokener_parse(answer));
	const char *v4, *v6;

	vh_pve_pick_ips(o, pool, &v4, &v6);
	is_str(v4, "10.0.0.5", "first IPv4 off loopback and link-local");
	is_str(v6, "2001:db8::5", "first global IPv6");
	o = vh_json_own(pool, json_tokener_parse("{\"result\":[{\"name\":\"lo\",\"ip-addresses\":"
						 "[{\"ip-address\":\"127.0.0.1\",\"ip-address-type\":\"ipv4\"}]}]}"));
	vh_pve_pick_ips(o, pool, &v4, &v6);
	ok(v4 == NULL && v6 == NULL, "only loopback: none");
	vh_pve_pick_ips(NULL, pool, &v4, &v6);
	ok(v4 == NULL && v6 == NULL, "no answer: none");
}

/* Settings that cannot be used fail every call before any connection. */
static void unusable_clients(struct vh_pool *pool)
{
	static const struct {
		struct vh_pve_config cfg;
		enum vh_pve_kind want;
		const char *what;
	} cases[] = {
		{{"https://127.0.0.1:1", "root@pam", "pw", NULL, "AB:CD", NULL, NULL, 0, 0, 0},
		 VH_PVE_TLS, "a malformed pin is refused, not ignored"},
		{{"http://127.0.0.1:1", "root@pam", "pw", NULL, NULL, NULL, NULL, 0, 0, 0},
		 VH_PVE_CONFIG, "plain http is refused"},
		{{"https://127.0.0.1:1", NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0},
		 VH_PVE_CONFIG, "no credentials"},
		{{"https://127.0.0.1:1", NULL, NULL, "user@pve!id", NULL, NULL, NULL, 0, 0, 0},
		 VH_PVE_CONFIG, "a token without its secret"},
	};
	struct vh_pve_config c = {"https://pve.invalid:8006/", "root@pam", "pw1", NULL, NULL,
				  NULL, NULL, 0, 0, 0};
	struct vh_pve_error pe;
	struct vh_err err;
	struct vh_pve *a, *b;
	json_object *d;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vh_pve *p = vh_pve_new(&cases[i].cfg);

		vh_err_clear(&err);
		is_int(vh_pve_version(p, pool, &d, &pe, &err), VH_BADGATEWAY, "%s", cases[i].what);
		is_str(vh_pve_kind_name(pe.kind), vh_pve_kind_name(cases[i].want), "as %s",
		       vh_pve_kind_name(cases[i].want));
		is_int(vh_pve_connections(p), 0, "without connecting");
		vh_pve_free(p);
	}
	a = vh_pve_get(&c);
	c.api_url = "https://pve.invalid:8006";
	ok(vh_pve_get(&c) == a, "the same host and settings share one client");
	c.password = "pw2";
	b = vh_pve_get(&c);
	ok(b != a, "a changed password gets a new client");
	is_int(vh_pve_task_wait(b, pool, "UPID:nonsense", 1000, NULL, &pe, &err), VH_BADGATEWAY,
	       "waiting on a malformed UPID fails at once");
	is_str(vh_pve_kind_name(pe.kind), "protocol", "as a protocol error");
	vh_pve_cache_clear();
}

int main(void)
{
	struct vh_pool *pool = vh_pool_new();

	curl_global_init(CURL_GLOBAL_DEFAULT);
	form_encoding(pool);
	sshkeys(pool);
	fingerprints();
	upids(pool);
	classification();
	statuses();
	scrubbing();
	agent_ips(pool);
	unusable_clients(pool);
	vh_pool_free(pool);
	curl_global_cleanup();
	return done_testing();
}
