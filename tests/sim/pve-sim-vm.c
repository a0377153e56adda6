/* pve-sim: QEMU VMs and tasks (research/pve-api.md sections 3-6 and 9).
 *
 * Time is simulated honestly: every async call returns a UPID at once and
 * its task stays "running" for its duration (per type, /_sim/durations);
 * only when it ends are its checks made, its effect applied and its lock
 * dropped.  Tasks advance lazily at the start of each request.
 *
 * Locks come in PVE's two kinds.  The config property "lock" (create,
 * clone, migrate, snapshot, rollback, snapshot-delete, suspended) makes
 * most calls fail at once with "VM is locked (x)".  The per-VM lock file
 * is held by a task while it runs (config, resize, template, destroy,
 * start, stop, migrate; a clone holds its source's, shared while the
 * source is stopped): a synchronous writer waits for it up to 10 s of
 * simulated time and then gets "can't lock file ... - got timeout"; a task
 * that cannot get it within its timeout ends with that text.
 *
 * Covered: nextid, qemu list, create (lock "create"), clone (full defaults
 * by template status; linked clones need a template), config GET (pending
 * applied unless current=1; digest) / PUT (sync) / POST (async, or null
 * within background_delay) with delete=, revert=, digest and skiplock,
 * pending changes on a running VM, /pending, resize (no shrinking),
 * template, destroy, migrate (online=1 for a running VM), status/current,
 * the power asymmetries, hostpciN (root only for raw ids; a device in use
 * by a running VM fails the second start). */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "http.h"
#include "json.h"
#include "pool.h"
#include "uuid.h"
#include "pve-sim.h"

#define MAX_VMS 4096
#define MAX_TASKS 4096
#define LOCK_WAIT_MS 10000
#define CLONE_LOCK_WAIT_MS 1000
#define QEMU "/api2/json/nodes/{node}/qemu"

static struct pve_vm vms[MAX_VMS];
static struct pve_task tasks[MAX_TASKS];
static size_t ntasks;
static json_object *durations;  /* type -> ms */
static json_object *failures;   /* type -> [count, exitstatus] */
static unsigned pid_seq = 0x35D677;
static long vm_seq;

/* ---- VMs ------------------------------------------------------------------ */

struct pve_vm *pve_vm_find(long vmid)
{
	size_t i;

	for (i = 0; i < MAX_VMS; i++)
		if (vms[i].used && vms[i].vmid == vmid)
			return &vms[i];
	return NULL;
}

static struct pve_vm *new_vm(long vmid, const char *node)
{
	size_t i;

	for (i = 0; i < MAX_VMS; i++) {
		if (!vms[i].used) {
			struct pve_vm *v = &vms[i];

			memset(v, 0, sizeof(*v));
			v->used = true;
			v->vmid = vmid;
			v->seq = vm_seq++;
			snprintf(v->node, sizeof(v->node), "%s", node);
			v->config = json_object_new_object();
			v->pending = json_object_new_object();
			v->pending_del = json_object_new_object();
			v->snapshots = json_object_new_object();
			v->agent_users = json_object_new_object();
			return v;
		}
	}
	return NULL;
}

static void drop_vm(struct pve_vm *v)
{
	json_object_put(v->config);
	json_object_put(v->pending);
	json_object_put(v->pending_del);
	json_object_put(v->snapshots);
	json_object_put(v->agent_users);
	memset(v, 0, sizeof(*v));
}

static const char *cfg(const struct pve_vm *v, const char *key)
{
	json_object *o;

	return json_object_object_get_ex(v->config, key, &o) ? json_object_get_string(o) : NULL;
}

static void set_cfg(struct pve_vm *v, const char *key, const char *val)
{
	json_object_object_add(v->config, key, json_object_new_string(val));
}

static const char *not_found(struct vh_req *req, const char *node, long vmid)
{
	return vh_psprintf(req->pool, "Configuration file 'nodes/%s/qemu-server/%ld.conf' does not exist",
			   node, vmid);
}

struct pve_vm *pve_vm_load(struct vh_req *req, long *vmid)
{
	const char *node = vh_req_param(req, "node");
	struct pve_vm *v;

	*vmid = atol(vh_req_param(req, "vmid"));
	v = pve_vm_find(*vmid);
	if (v && !strcmp(v->node, node))
		return v;
	pve_fail(req, 500, not_found(req, node, *vmid));
	return NULL;
}

static void random_mac(char out[18])
{
	unsigned char b[3];

	vh_random_bytes(b, sizeof(b));
	snprintf(out, 18, "BC:24:11:%02X:%02X:%02X", b[0], b[1], b[2]);
}

static void add_meta(struct pve_vm *v)
{
	char u[VH_UUID_LEN + 1], buf[128];

	vh_uuid_v4(u);
	snprintf(buf, sizeof(buf), "uuid=%s", u);
	set_cfg(v, "smbios1", buf);
	vh_uuid_v4(u);
	set_cfg(v, "vmgenid", u);
	snprintf(buf, sizeof(buf), "creation-qemu=8.1.5,ctime=%ld", pve_now());
	set_cfg(v, "meta", buf);
}

void pve_vm_free_all(void)
{
	size_t i;

	for (i = 0; i < MAX_VMS; i++)
		if (vms[i].used)
			drop_vm(&vms[i]);
	for (i = 0; i < ntasks; i++) {
		json_object_put(tasks[i].args);
		json_object_put(tasks[i].log);
	}
	ntasks = 0;
	json_object_put(durations);
	json_object_put(failures);
	durations = failures = NULL;
}

void pve_vm_reset(void)
{
	json_object *list = json_object_object_get(pve_cluster, "templates");
	size_t i;

	pve_vm_free_all();
	vm_seq = 0;
	durations = json_object_new_object();
	json_object_object_add(durations, "default", json_object_new_int(300));
	failures = json_object_new_object();
	for (i = 0; i < json_object_array_length(list); i++) {
		json_object *t = json_object_array_get_idx(list, i);
		struct pve_vm *v = new_vm(json_object_get_int64(json_object_object_get(t, "vmid")),
					  json_object_get_string(json_object_object_get(t, "node")));
		char buf[128], mac[18];

		v->template_ = true;
		json_object_object_add(v->config, "name", json_object_get(json_object_object_get(t, "name")));
		set_cfg(v, "template", "1");
		set_cfg(v, "cores", "1");
		set_cfg(v, "sockets", "1");
		set_cfg(v, "memory", "1024");
		set_cfg(v, "ostype", "l26");
		set_cfg(v, "scsihw", "virtio-scsi-single");
		set_cfg(v, "boot", "order=scsi0");
		snprintf(buf, sizeof(buf), "local-lvm:base-%ld-disk-0,size=%ldG", v->vmid,
			 (long)json_object_get_int64(json_object_object_get(t, "disk_gb")));
		set_cfg(v, "scsi0", buf);
		random_mac(mac);
		snprintf(buf, sizeof(buf), "virtio=%s,bridge=vmbr0", mac);
		set_cfg(v, "net0", buf);
		if (json_object_get_boolean(json_object_object_get(t, "cloudinit"))) {
			snprintf(buf, sizeof(buf), "local-lvm:base-%ld-cloudinit,media=cdrom", v->vmid);
			set_cfg(v, "ide2", buf);
		}
		if (json_object_get_boolean(json_object_object_get(t, "agent")))
			set_cfg(v, "agent", "1");
		add_meta(v);
	}
}

bool pve_agent_enabled(const struct pve_vm *v)
{
	const char *a = cfg(v, "agent");

	return a && (!strncmp(a, "1", 1) || strstr(a, "enabled=1"));
}

/* ---- sizes and disks -------------------------------------------------------- */

static bool is_disk_key(const char *k)
{
	static const char *const pre[] = {"scsi", "virtio", "sata", "ide", "efidisk", "tpmstate", NULL};
	size_t i, n;

	for (i = 0; pre[i]; i++) {
		n = strlen(pre[i]);
		if (!strncmp(k, pre[i], n) && isdigit((unsigned char)k[n]))
			return true;
	}
	return false;
}

/* "4G", "+1.5G", "512" (bytes) -> bytes; -1 when malformed. */
static long long parse_size(const char *s, bool *plus)
{
	char *end;
	double n;
	long long mul = 1;

	*plus = *s == '+';
	if (*plus)
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	n = strtod(s, &end);
	switch (*end) {
	case 'K': mul = 1LL << 10; end++; break;
	case 'M': mul = 1LL << 20; end++; break;
	case 'G': mul = 1LL << 30; end++; break;
	case 'T': mul = 1LL << 40; end++; break;
	default: break;
	}
	return *end ? -1 : (long long)(n * (double)mul);
}

/* PVE's format_size: the largest unit that divides the size exactly. */
static const char *format_size(struct vh_pool *pool, long long b)
{
	static const char units[] = "TGMK";
	int i;

	for (i = 0; i < 4; i++) {
		long long u = 1LL << (10 * (4 - i));

		if (b % u == 0)
			return vh_psprintf(pool, "%lld%c", b / u, units[i]);
	}
	return vh_psprintf(pool, "%lld", b);
}

/* The size=... of a disk value, in bytes (0 when none). */
static long long disk_size(const char *val)
{
	const char *s = val ? strstr(val, "size=") : NULL;
	bool plus;
	long long n;

	if (!s)
		return 0;
	s += 5;
	{
		char buf[32];
		size_t len = strcspn(s, ",");

		if (len >= sizeof(buf))
			return 0;
		memcpy(buf, s, len);
		buf[len] = '\0';
		n = parse_size(buf, &plus);
	}
	return n > 0 ? n : 0;
}

long long pve_disk_bytes(const struct pve_vm *v)
{
	long long total = 0;

	json_object_object_foreach(v->config, k, val)
		if (is_disk_key(k) && !strstr(json_object_get_string(val), "media=cdrom"))
			total += disk_size(json_object_get_string(val));
	return total;
}

long long pve_storage_used(const char *node, const char *storage)
{
	size_t i, n = strlen(storage);
	long long used = 0;

	for (i = 0; i < MAX_VMS; i++) {
		if (!vms[i].used || strcmp(vms[i].node, node))
			continue;
		json_object_object_foreach(vms[i].config, k, val) {
			const char *s = json_object_get_string(val);

			if (is_disk_key(k) && !strncmp(s, storage, n) && s[n] == ':')
				used += disk_size(s);
		}
	}
	return used;
}

/* The next free disk number of a VM. */
static int next_disk(const struct pve_vm *v)
{
	int n = 0;
	bool again = true;

	while (again) {
		char name[32];

		again = false;
		snprintf(name, sizeof(name), "-disk-%d", n);
		json_object_object_foreach(v->config, k, val) {
			(void)k;
			if (strstr(json_object_get_string(val), name)) {
				n++;
				again = true;
				break;
			}
		}
		json_object_object_foreach(v->pending, k2, val2) {
			(void)k2;
			if (!again && strstr(json_object_get_string(val2), name)) {
				n++;
				again = true;
				break;
			}
		}
	}
	return n;
}

/* ---- config values ------------------------------------------------------------ */

static const struct pve_param config_params[];

/* Keys that apply at once even on a running VM (PVE's "fast plug"), and
 * those hot-plugged by default (network, disk, usb).  Anything else waits
 * in [PENDING] until the next start. */
static bool applies_live(const char *k)
{
	static const char *const fast[] = {"name", "description", "tags", "onboot", "protection",
					   "startup", "hookscript", "vmstatestorage", "cipassword",
					   NULL};
	size_t i;

	for (i = 0; fast[i]; i++)
		if (!strcmp(k, fast[i]))
			return true;
	return is_disk_key(k) || (!strncmp(k, "net", 3) && isdigit((unsigned char)k[3])) ||
	       (!strncmp(k, "usb", 3) && isdigit((unsigned char)k[3]));
}

/* Numbers in GET /config (memory, agent, cpulimit stay strings). */
static bool numeric_key(const char *k)
{
	static const char *const keys[] = {"cores", "sockets", "balloon", "cpuunits", "onboot",
					   "protection", "template", "numa", "kvm", "acpi", "tablet",
					   "vcpus", "ciupgrade", "shares", "localtime", "reboot",
					   NULL};
	size_t i;

	for (i = 0; keys[i]; i++)
		if (!strcmp(k, keys[i]))
			return true;
	return false;
}

static json_object *show_value(const char *k, json_object *val)
{
	if (!strcmp(k, "cipassword"))
		return json_object_new_string("**********");
	if (numeric_key(k))
		return json_object_new_int64(atoll(json_object_get_string(val)));
	return json_object_get(val);
}

/* "0000:01:00.0", "01:00", "0000:01:00" ... -> "0000:01:00[.f]", or NULL. */
static const char *pci_norm(struct vh_pool *pool, const char *id, size_t n)
{
	char buf[32];
	size_t i;

	if (n >= sizeof(buf))
		return NULL;
	memcpy(buf, id, n);
	buf[n] = '\0';
	for (i = 0; i < n; i++)
		if (!(isdigit((unsigned char)buf[i]) || (buf[i] >= 'a' && buf[i] <= 'f') || buf[i] == ':' ||
		      buf[i] == '.'))
			return NULL;
	/* bb:dd[.f] or dddd:bb:dd[.f] */
	if (n >= 5 && buf[2] == ':' && (n == 5 || (n == 7 && buf[5] == '.')))
		return vh_psprintf(pool, "0000:%s", buf);
	if (n >= 10 && buf[4] == ':' && buf[7] == ':' && (n == 10 || (n == 12 && buf[10] == '.')))
		return vh_pstrdup(pool, buf);
	return NULL;
}

/* Check and normalise one value the way PVE stores it: MACs for NICs,
 * volumes for STORAGE:SIZE, cloud-init drives, hostpci rules, sshkeys
 * encoding.  Returns the stored value, or NULL with *status and *msg set (400
 * for a format error, 500 for a refusal). */
static const char *store_value(struct vh_req *req, struct pve_vm *v, const char *k, const char *val,
			       int *status, const char **msg)
{
	struct vh_pool *pool = req->pool;
	struct pve_call *call = pve_call_of(req);

	*status = 400;
	if (!strncmp(k, "net", 3) && isdigit((unsigned char)k[3])) {
		static const char *const models[] = {"virtio", "e1000", "e1000e", "rtl8139", "vmxnet3", NULL};
		size_t mlen = strcspn(val, "=,"), i;
		bool known = false;
		char mac[18];

		for (i = 0; models[i]; i++)
			known |= strlen(models[i]) == mlen && !strncmp(val, models[i], mlen);
		if (!known) {
			*msg = "invalid format - model: property is missing and it is not optional";
			return NULL;
		}
		if (val[mlen] == '=')
			return val;
		random_mac(mac);
		return vh_psprintf(pool, "%.*s=%s%s", (int)mlen, val, mac, val + mlen);
	}
	if (is_disk_key(k)) {
		size_t slen = strcspn(val, ":,");
		const char *rest = val + slen + 1, *opts;
		const char *st = vh_pstrndup(pool, val, slen);
		bool plus;
		long long gb;

		if (val[slen] != ':' || !strncmp(val, "none", 4) || strchr(val, '/'))
			return val;   /* none, an iso path, an existing volume */
		opts = rest + strcspn(rest, ",");
		if (!strncmp(rest, "cloudinit", 9) && (rest[9] == ',' || !rest[9])) {
			if (!pve_storage(v->node, st))
				goto no_storage;
			return vh_psprintf(pool, "%s:vm-%ld-cloudinit,media=cdrom", st, v->vmid);
		}
		gb = parse_size(vh_pstrndup(pool, rest, (size_t)(opts - rest)), &plus);
		if (gb < 0 || plus || strchr(vh_pstrndup(pool, rest, (size_t)(opts - rest)), 'G'))
			return val;   /* STORAGE:vm-100-disk-0 and the like */
		if (!pve_storage(v->node, st))
			goto no_storage;
		return vh_psprintf(pool, "%s:vm-%ld-disk-%d%s,size=%sG", st, v->vmid, next_disk(v), opts,
				   vh_pstrndup(pool, rest, (size_t)(opts - rest)));
	no_storage:
		*status = 500;
		*msg = vh_psprintf(pool, "storage '%s' does not exist", st);
		return NULL;
	}
	if (!strncmp(k, "hostpci", 7)) {
		const char *host = val, *p;
		size_t hlen = strcspn(val, ",");

		if (!strncmp(val, "mapping=", 8))
			return val;
		if (!strncmp(val, "host=", 5))
			host += 5, hlen -= 5;
		for (p = host; p < host + hlen;) {
			size_t n = strcspn(p, ";,");

			if (!pci_norm(pool, p, n)) {
				*msg = vh_psprintf(pool, "invalid format - value does not match the regex "
						   "pattern: '%.*s'", (int)n, p);
				return NULL;
			}
			p += n;
			if (*p == ';')
				p++;
			else
				break;
		}
		if (!call->root) {
			*status = 500;
			*msg = vh_psprintf(pool, "only root can set '%s' config for non-mapped devices", k);
			return NULL;
		}
		return val;
	}
	if (!strcmp(k, "sshkeys")) {
		const char *p;

		for (p = val; *p; p++)
			if (!isalnum((unsigned char)*p) && !strchr("-%_.!~*'()", *p)) {
				*msg = vh_psprintf(pool, "invalid urlencoded string: %s", val);
				return NULL;
			}
		return val;
	}
	if (!strcmp(k, "agent")) {
		size_t n = strcspn(val, ",");
		const char *e = val;

		if (!strncmp(val, "enabled=", 8))
			e += 8, n -= 8;
		if (!(n == 1 && (*e == '0' || *e == '1'))) {
			*msg = vh_psprintf(pool, "invalid format - enabled: type check ('boolean') failed - "
					   "got '%.*s'", (int)n, e);
			return NULL;
		}
		return val;
	}
	if (!strncmp(k, "ipconfig", 8)) {
		const char *p = val;

		while (*p) {
			size_t n = strcspn(p, ",");

			if (strncmp(p, "ip=", 3) && strncmp(p, "gw=", 3) && strncmp(p, "ip6=", 4) &&
			    strncmp(p, "gw6=", 4)) {
				*msg = vh_psprintf(pool, "invalid format - unknown key '%.*s'",
						   (int)strcspn(p, "=,"), p);
				return NULL;
			}
			p += n;
			if (*p)
				p++;
		}
		return val;
	}
	if (!strcmp(k, "memory") || !strcmp(k, "cores") || !strcmp(k, "sockets")) {
		const char *p = val;

		if (!strncmp(p, "current=", 8) && !strcmp(k, "memory"))
			p += 8;
		if (!*p || strspn(p, "0123456789") != strlen(p)) {
			*msg = vh_psprintf(pool, "type check ('integer') failed - got '%s'", val);
			return NULL;
		}
		if (atol(p) < (!strcmp(k, "memory") ? 16 : 1)) {
			*msg = vh_psprintf(pool, "value must have a minimum value of %d",
					   !strcmp(k, "memory") ? 16 : 1);
			return NULL;
		}
		return p;
	}
	if (!strcmp(k, "cipassword")) {
		/* Stored crypt-hashed; GET shows asterisks. */
		unsigned char md[32];
		unsigned int len = 0;
		char hex[65];
		int i;

		EVP_Digest(val, strlen(val), md, &len, EVP_sha256(), NULL);
		for (i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		return vh_psprintf(pool, "$5$pvesim$%s", hex);
	}
	return val;
}

/* The config digest: SHA-1 over what the config file would hold. */
const char *pve_vm_digest(struct vh_pool *pool, const struct pve_vm *v)
{
	const char *text = vh_psprintf(pool, "%s|%s|%s|%s", json_object_to_json_string(v->config),
				       json_object_to_json_string(v->pending),
				       json_object_to_json_string(v->pending_del), v->lock);
	unsigned char md[20];
	unsigned int len = 0, i;
	char *hex = vh_palloc(pool, 41);

	EVP_Digest(text, strlen(text), md, &len, EVP_sha1(), NULL);
	for (i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return hex;
}

static void apply_pending(struct pve_vm *v)
{
	json_object_object_foreach(v->pending, k, val)
		json_object_object_add(v->config, k, json_object_get(val));
	json_object_object_foreach(v->pending_del, k2, val2) {
		(void)val2;
		json_object_object_del(v->config, k2);
	}
	json_object_put(v->pending);
	json_object_put(v->pending_del);
	v->pending = json_object_new_object();
	v->pending_del = json_object_new_object();
}

/* Apply a config change: {"set":{k:v}, "delete":[k], "revert":[k]}.  On a
 * running VM keys that cannot be hot-plugged go to [PENDING]. */
static void apply_changes(struct pve_vm *v, json_object *ch)
{
	json_object *set = json_object_object_get(ch, "set"), *del = json_object_object_get(ch, "delete");
	json_object *rev = json_object_object_get(ch, "revert");
	size_t i;

	for (i = 0; i < json_object_array_length(rev); i++) {
		json_object_object_del(v->pending, json_object_get_string(json_object_array_get_idx(rev, i)));
		json_object_object_del(v->pending_del, json_object_get_string(json_object_array_get_idx(rev, i)));
	}
	for (i = 0; i < json_object_array_length(del); i++) {
		const char *k = json_object_get_string(json_object_array_get_idx(del, i));

		json_object_object_del(v->pending, k);
		if (v->running && !applies_live(k))
			json_object_object_add(v->pending_del, k, json_object_new_int(1));
		else
			json_object_object_del(v->config, k);
	}
	json_object_object_foreach(set, k, val) {
		json_object_object_del(v->pending_del, k);
		if (v->running && !applies_live(k)) {
			json_object_object_add(v->pending, k, json_object_get(val));
		} else {
			json_object_object_del(v->pending, k);
			json_object_object_add(v->config, k, json_object_get(val));
		}
	}
}

/* ---- PCI ---------------------------------------------------------------------- */

/* The host devices a hostpci value claims on node, as full ids; a value
 * without a function claims every function of the device. */
static void pci_claims(struct vh_pool *pool, const char *node, const char *val, json_object *out)
{
	json_object *list = pve_pci_list(node);
	const char *p = val;
	size_t hlen, i;

	if (!val || !strncmp(val, "mapping=", 8))
		return;
	if (!strncmp(p, "host=", 5))
		p += 5;
	hlen = strcspn(p, ",");
	while (hlen > 0) {
		size_t n = strcspn(p, ";,");
		const char *id = pci_norm(pool, p, n);
		bool found = false;

		for (i = 0; id && i < json_object_array_length(list); i++) {
			const char *dev = json_object_get_string(json_object_object_get(
				json_object_array_get_idx(list, i), "id"));

			if (!strncmp(dev, id, strlen(id)) && (strlen(id) == 12 || dev[strlen(id)] == '.')) {
				json_object_array_add(out, json_object_new_string(dev));
				found = true;
			}
		}
		if (id && !found)
			json_object_array_add(out, json_object_new_string(vh_psprintf(pool, "!%s", id)));
		if (p[n] != ';')
			break;
		hlen -= n + 1;
		p += n + 1;
	}
}

static void vm_claims(struct vh_pool *pool, const struct pve_vm *v, json_object *config, json_object *out)
{
	json_object_object_foreach(config, k, val)
		if (!strncmp(k, "hostpci", 7))
			pci_claims(pool, v->node, json_object_get_string(val), out);
}

json_object *pve_pci_allocated(void)
{
	struct vh_pool *pool = vh_pool_new();
	json_object *arr = json_object_new_array();
	size_t i, j;

	for (i = 0; i < MAX_VMS; i++) {
		json_object *c;

		if (!vms[i].used || !vms[i].running)
			continue;
		c = json_object_new_array();
		vm_claims(pool, &vms[i], vms[i].config, c);
		for (j = 0; j < json_object_array_length(c); j++) {
			json_object *o = json_object_new_object();

			vh_json_add_str(o, "node", vms[i].node);
			vh_json_add_str(o, "id", json_object_get_string(json_object_array_get_idx(c, j)));
			vh_json_add_int(o, "vmid", vms[i].vmid);
			json_object_array_add(arr, o);
		}
		json_object_put(c);
	}
	vh_pool_free(pool);
	return arr;
}

/* NULL, or why v cannot start with its devices. */
static const char *pci_conflict(struct vh_pool *pool, const struct pve_vm *v)
{
	json_object *mine = vh_json_own(pool, json_object_new_array());
	size_t i, j, k;

	vm_claims(pool, v, v->config, mine);
	vm_claims(pool, v, v->pending, mine);
	for (j = 0; j < json_object_array_length(mine); j++) {
		const char *id = json_object_get_string(json_object_array_get_idx(mine, j));

		if (*id == '!')
			return vh_psprintf(pool, "no PCI device found for '%s'", id + 1);
	}
	for (i = 0; i < MAX_VMS; i++) {
		json_object *theirs;

		if (!vms[i].used || !vms[i].running || &vms[i] == v || strcmp(vms[i].node, v->node))
			continue;
		theirs = vh_json_own(pool, json_object_new_array());
		vm_claims(pool, &vms[i], vms[i].config, theirs);
		for (j = 0; j < json_object_array_length(mine); j++)
			for (k = 0; k < json_object_array_length(theirs); k++)
				if (!strcmp(json_object_get_string(json_object_array_get_idx(mine, j)),
					    json_object_get_string(json_object_array_get_idx(theirs, k))))
					return vh_psprintf(pool, "PCI device '%s' already in use by VMID '%ld'",
							   json_object_get_string(json_object_array_get_idx(mine, j)),
							   vms[i].vmid);
	}
	return NULL;
}

/* ---- tasks -------------------------------------------------------------------- */

const char *pve_lock_timeout_text(struct vh_pool *pool, long vmid)
{
	return vh_psprintf(pool, "can't lock file '/var/lock/qemu-server/lock-%ld.conf' - got timeout", vmid);
}

/* When the lock file of vmid is free for a holder of this kind (shared or
 * not), in simulated ms; 0 when it is free now.  except: a task to ignore. */
static long long lock_free_at(long vmid, bool shared, const struct pve_task *except)
{
	long long now = pve_now_ms(), at = 0;
	size_t i;

	for (i = 0; i < ntasks; i++) {
		const struct pve_task *t = &tasks[i];

		if (t == except || t->done || t->lock_vmid != vmid || (shared && t->lock_shared) ||
		    t->end_ms <= now)
			continue;
		if (t->end_ms > at)
			at = t->end_ms;
	}
	return at;
}

enum vh_status pve_file_lock(struct vh_req *req, long vmid, long long timeout_ms)
{
	long long at = lock_free_at(vmid, false, NULL), wait = at - pve_now_ms();

	if (!at || wait <= 0)
		return VH_OK;
	if (wait > timeout_ms) {
		pve_clock_wait_ms(timeout_ms);
		pve_advance();
		pve_fail(req, 500, pve_lock_timeout_text(req->pool, vmid));
		return VH_TRANSIENT;
	}
	pve_clock_wait_ms(wait);
	pve_advance();
	return VH_OK;
}

static void task_log(struct pve_task *t, const char *line)
{
	json_object_array_add(t->log, json_object_new_string(line));
}

static void drop_prop_lock(struct pve_task *t, struct pve_vm *v)
{
	if (v && t->prop_lock[0] && !strcmp(v->lock, t->prop_lock))
		v->lock[0] = '\0';
}

/* The effect of a task that ends now: NULL, or the error it ends with
 * (checks made in the worker, under the lock, as PVE makes them twice). */
static const char *effect(struct vh_pool *pool, struct pve_task *t)
{
	struct pve_vm *v = pve_vm_find(t->target);
	json_object *a = t->args;
	const char *s;

	if (!v)
		return vh_psprintf(pool, "Configuration file 'nodes/%s/qemu-server/%ld.conf' does not exist",
				   t->node, t->target);
	switch (t->fx) {
	case FX_CREATE:
	case FX_CLONE:
		drop_prop_lock(t, v);
		if (t->fx == FX_CLONE)
			task_log(t, vh_psprintf(pool, "create %s clone of drive scsi0",
						json_object_get_boolean(json_object_object_get(a, "full"))
							? "full" : "linked"));
		if (t->fx == FX_CREATE && json_object_get_boolean(json_object_object_get(a, "start"))) {
			v->running = true;
			v->started_ms = t->end_ms;
		}
		return NULL;
	case FX_START:
		if (v->template_)
			return "you can't start a vm if it's a template";
		if (v->running)
			return vh_psprintf(pool, "VM %ld already running", v->vmid);
		if (v->lock[0] && strcmp(v->lock, "suspended") &&
		    !json_object_get_boolean(json_object_object_get(a, "skiplock")))
			return vh_psprintf(pool, "VM is locked (%s)", v->lock);
		if ((s = pci_conflict(pool, v)))
			return s;
		if (cfg(v, "ide2") && strstr(cfg(v, "ide2"), "cloudinit"))
			task_log(t, "generating cloud-init ISO");
		apply_pending(v);
		if (!strcmp(v->lock, "suspended"))
			v->lock[0] = '\0';
		v->running = true;
		v->paused = false;
		v->started_ms = t->end_ms;
		return NULL;
	case FX_STOP:
		if (!v->running)
			task_log(t, vh_psprintf(pool, "VM %ld not running", v->vmid));
		v->running = v->paused = false;
		return NULL;
	case FX_REBOOT:
		if (!v->running)
			return vh_psprintf(pool, "VM %ld not running", v->vmid);
		apply_pending(v);
		v->paused = false;
		v->started_ms = t->end_ms;
		return NULL;
	case FX_PAUSE:
	case FX_RESUME:
	case FX_HIBERNATE:
		if (!v->running)
			return vh_psprintf(pool, "VM %ld not running", v->vmid);
		v->paused = t->fx == FX_PAUSE;
		if (t->fx == FX_HIBERNATE) {
			v->running = false;
			snprintf(v->lock, sizeof(v->lock), "suspended");
		}
		return NULL;
	case FX_DESTROY:
		drop_vm(v);
		return NULL;
	case FX_CONFIG:
		if (v->lock[0] && !json_object_get_boolean(json_object_object_get(a, "skiplock")))
			return vh_psprintf(pool, "VM is locked (%s)", v->lock);
		apply_changes(v, a);
		return NULL;
	case FX_RESIZE: {
		const char *disk = json_object_get_string(json_object_object_get(a, "disk"));
		const char *size = json_object_get_string(json_object_object_get(a, "size"));
		const char *val = cfg(v, disk), *cur;
		long long old, want;
		bool plus;
		char *nv, *p;

		if (!val)
			return vh_psprintf(pool, "disk '%s' does not exist", disk);
		old = disk_size(val);
		want = parse_size(size, &plus);
		if (plus)
			want += old;
		if (want < old)
			return "shrinking disks is not supported";
		task_log(t, vh_psprintf(pool, "  Size of logical volume changed from %s to %s.",
					format_size(pool, old), format_size(pool, want)));
		/* Replace size=... (or add it). */
		cur = strstr(val, "size=");
		if (cur) {
			p = vh_pstrndup(pool, val, (size_t)(cur - val));
			nv = vh_psprintf(pool, "%ssize=%s%s", p, format_size(pool, want), cur + strcspn(cur, ","));
		} else {
			nv = vh_psprintf(pool, "%s,size=%s", val, format_size(pool, want));
		}
		set_cfg(v, disk, nv);
		return NULL;
	}
	case FX_TEMPLATE: {
		if (v->running)
			return "you can't convert a VM to template if VM is running";
		v->template_ = true;
		set_cfg(v, "template", "1");
		json_object_object_foreach(v->config, k, val) {
			const char *sv = json_object_get_string(val);
			const char *vm = is_disk_key(k) ? strstr(sv, ":vm-") : NULL;

			if (vm)
				set_cfg(v, k, vh_psprintf(pool, "%.*s:base-%s", (int)(vm - sv), sv, vm + 4));
		}
		return NULL;
	}
	case FX_MIGRATE: {
		const char *target = json_object_get_string(json_object_object_get(a, "target"));
		json_object *claims = vh_json_own(pool, json_object_new_array());

		drop_prop_lock(t, v);
		vm_claims(pool, v, v->config, claims);
		if (json_object_array_length(claims))
			return "can't migrate VM which uses local devices: hostpci0";
		if (!pve_node_online(target))
			return vh_psprintf(pool, "target node '%s' is not online", target);
		task_log(t, vh_psprintf(pool, "migration finished successfully to node '%s'", target));
		snprintf(v->node, sizeof(v->node), "%s", target);
		return NULL;
	}
	case FX_SNAPSHOT:
	case FX_ROLLBACK:
	case FX_DELSNAPSHOT:
		return pve_snapshot_apply(pool, v, t);
	default:
		return NULL;
	}
}

/* A failed task undoes what its request set up: a VM being created or
 * cloned is removed, as PVE removes its config. */
static void undo(struct pve_task *t)
{
	struct pve_vm *v = pve_vm_find(t->target);

	if (!v)
		return;
	if (t->fx == FX_CREATE || t->fx == FX_CLONE)
		drop_vm(v);
	else
		drop_prop_lock(t, v);
}

static void finish(struct pve_task *t)
{
	struct vh_pool *pool = vh_pool_new();
	const char *e = NULL;

	t->done = true;
	if (!t->exitstatus[0] || !strncmp(t->exitstatus, "WARNINGS", 8)) {
		e = effect(pool, t);
		if (e) {
			snprintf(t->exitstatus, sizeof(t->exitstatus), "%s", e);
			undo(t);
		} else if (!t->exitstatus[0]) {
			snprintf(t->exitstatus, sizeof(t->exitstatus), "OK");
		}
	} else {
		undo(t);
	}
	if (!strcmp(t->exitstatus, "OK")) {
		task_log(t, "TASK OK");
	} else if (!strncmp(t->exitstatus, "WARNINGS: ", 10)) {
		long n = atol(t->exitstatus + 10), i;

		for (i = 0; i < n; i++)
			task_log(t, "WARN: simulated warning");
		task_log(t, vh_psprintf(pool, "TASK %s", t->exitstatus));
	} else {
		char *c;

		/* exitstatus is one line: newlines become spaces. */
		for (c = t->exitstatus; *c; c++)
			if (*c == '\n' || *c == '\r')
				*c = ' ';
		task_log(t, vh_psprintf(pool, "TASK ERROR: %s", t->exitstatus));
	}
	vh_pool_free(pool);
}

void pve_advance(void)
{
	long long now = pve_now_ms();
	bool again = true;

	/* In order of ending: one task's effect can matter to the next. */
	while (again) {
		struct pve_task *first = NULL;
		size_t i;

		again = false;
		for (i = 0; i < ntasks; i++)
			if (!tasks[i].done && tasks[i].end_ms <= now &&
			    (!first || tasks[i].end_ms < first->end_ms))
				first = &tasks[i];
		if (first) {
			finish(first);
			again = true;
		}
	}
}

struct pve_task *pve_task_find(const char *upid)
{
	size_t i;

	for (i = 0; i < ntasks; i++)
		if (!strcmp(tasks[i].upid, upid))
			return &tasks[i];
	return NULL;
}

static bool holds_file_lock(enum pve_effect fx)
{
	return fx == FX_CONFIG || fx == FX_RESIZE || fx == FX_TEMPLATE || fx == FX_DESTROY ||
	       fx == FX_START || fx == FX_STOP || fx == FX_REBOOT || fx == FX_MIGRATE ||
	       fx == FX_ROLLBACK || fx == FX_SNAPSHOT || fx == FX_DELSNAPSHOT;
}

struct pve_task *pve_task_start(struct vh_req *req, const char *node, const char *type, long id,
				long target, enum pve_effect fx, const char *exitstatus,
				json_object *args)
{
	struct pve_call *call = pve_call_of(req);
	struct pve_task *t;
	json_object *d, *f;
	long long dur = 300, now = pve_now_ms(), wait_until;
	long long timeout = fx == FX_CLONE ? CLONE_LOCK_WAIT_MS : LOCK_WAIT_MS;

	if (ntasks == MAX_TASKS) {
		size_t i;

		/* Forget the oldest finished half. */
		for (i = 0; i < MAX_TASKS / 2; i++) {
			json_object_put(tasks[i].args);
			json_object_put(tasks[i].log);
		}
		memmove(tasks, tasks + MAX_TASKS / 2, sizeof(tasks[0]) * (MAX_TASKS / 2));
		ntasks = MAX_TASKS / 2;
	}
	t = &tasks[ntasks++];
	memset(t, 0, sizeof(*t));
	snprintf(t->node, sizeof(t->node), "%s", node);
	snprintf(t->type, sizeof(t->type), "%s", type);
	snprintf(t->user, sizeof(t->user), "%s", call && call->user ? call->user : "root@pam");
	t->id = id;
	t->target = target;
	t->fx = fx;
	t->args = args ? args : json_object_new_object();
	t->log = json_object_new_array();
	t->pid = pid_seq++;
	t->starttime = pve_now();
	if (json_object_object_get_ex(durations, type, &d) || json_object_object_get_ex(durations, "default", &d))
		dur = json_object_get_int64(d);
	if (exitstatus)
		snprintf(t->exitstatus, sizeof(t->exitstatus), "%s", exitstatus);
	if (!exitstatus && json_object_object_get_ex(failures, type, &f)) {
		int left = json_object_get_int(json_object_array_get_idx(f, 0));

		if (left > 0) {
			snprintf(t->exitstatus, sizeof(t->exitstatus), "%s",
				 json_object_get_string(json_object_array_get_idx(f, 1)));
			json_object_array_put_idx(f, 0, json_object_new_int(left - 1));
		}
	}
	/* The lock file: wait for it, or end with PVE's timeout. */
	if (fx == FX_CLONE) {
		struct pve_vm *src = pve_vm_find(id);

		t->lock_vmid = id;
		t->lock_shared = src && !src->running;
	} else if (holds_file_lock(fx)) {
		t->lock_vmid = target;
	}
	t->start_ms = now;
	wait_until = t->lock_vmid ? lock_free_at(t->lock_vmid, t->lock_shared, t) : 0;
	if (wait_until > now && wait_until - now > timeout && !t->exitstatus[0]) {
		snprintf(t->exitstatus, sizeof(t->exitstatus), "%s",
			 pve_lock_timeout_text(req->pool, t->lock_vmid));
		t->lock_vmid = 0;
		dur = timeout;
	} else if (wait_until > now) {
		t->start_ms = wait_until;
	}
	t->end_ms = t->start_ms + dur;
	/* UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>: */
	{
		char upid[sizeof(t->upid)];

		snprintf(upid, sizeof(upid), "UPID:%s:%08X:%08X:%08lX:%s:%ld:%s:", node, t->pid,
			 0x03AB00C3u + (t->pid & 0xFFF), t->starttime, type, id,
			 call && call->user ? call->user : "root@pam");
		memcpy(t->upid, upid, sizeof(upid));
	}
	/* Even a task of 0 ms ends at the next request, never here: the
	 * caller still has to set the task's lock on the VM, and finishing
	 * first would leave that lock behind for good. */
	return t;
}

enum vh_status pve_answer_task(struct vh_req *req, struct pve_task *t)
{
	if (!t)
		return pve_fail(req, 500, "too many tasks");
	return pve_answer(req, json_object_new_string(t->upid));
}

json_object *pve_tasks_state(void)
{
	json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < ntasks; i++) {
		json_object *o = json_object_new_object();

		vh_json_add_str(o, "upid", tasks[i].upid);
		vh_json_add_str(o, "type", tasks[i].type);
		vh_json_add_int(o, "id", tasks[i].id);
		vh_json_add_str(o, "status", tasks[i].done ? "stopped" : "running");
		if (tasks[i].done)
			vh_json_add_str(o, "exitstatus", tasks[i].exitstatus);
		json_object_array_add(arr, o);
	}
	return arr;
}

/* ---- reads ---------------------------------------------------------------------- */

static long long maxmem(const struct pve_vm *v)
{
	const char *m = cfg(v, "memory");

	return (m ? atoll(m) : 512) * 1048576LL;
}

static long cpus(const struct pve_vm *v)
{
	const char *c = cfg(v, "cores"), *s = cfg(v, "sockets");

	return (c ? atol(c) : 1) * (s ? atol(s) : 1);
}

static const char *vm_name(struct vh_pool *pool, const struct pve_vm *v)
{
	return cfg(v, "name") ? cfg(v, "name") : vh_psprintf(pool, "VM %ld", v->vmid);
}

/* Fields common to the qemu list, status/current and cluster/resources. */
static json_object *vm_item(struct vh_pool *pool, const struct pve_vm *v)
{
	json_object *o = json_object_new_object();
	long uptime = v->running ? (long)((pve_now_ms() - v->started_ms) / 1000) : 0;

	vh_json_add_int(o, "vmid", v->vmid);
	vh_json_add_str(o, "name", vm_name(pool, v));
	vh_json_add_str(o, "status", v->running ? "running" : "stopped");
	vh_json_add_int(o, "cpus", cpus(v));
	json_object_object_add(o, "cpu", json_object_new_double(v->running ? 0.01 : 0));
	vh_json_add_int(o, "maxmem", maxmem(v));
	vh_json_add_int(o, "mem", v->running ? maxmem(v) / 4 : 0);
	vh_json_add_int(o, "maxdisk", pve_disk_bytes(v));
	vh_json_add_int(o, "disk", 0);
	vh_json_add_int(o, "uptime", uptime < 0 ? 0 : uptime);
	vh_json_add_int(o, "netin", v->running ? 1024 : 0);
	vh_json_add_int(o, "netout", v->running ? 2048 : 0);
	vh_json_add_int(o, "diskread", 0);
	vh_json_add_int(o, "diskwrite", 0);
	if (v->running)
		vh_json_add_int(o, "pid", 10000 + v->vmid % 50000);
	if (v->template_)
		vh_json_add_int(o, "template", 1);
	if (v->lock[0])
		vh_json_add_str(o, "lock", v->lock);
	if (cfg(v, "tags"))
		vh_json_add_str(o, "tags", cfg(v, "tags"));
	return o;
}

void pve_vm_resources(struct vh_req *req, json_object *arr)
{
	size_t i;

	for (i = 0; i < MAX_VMS; i++) {
		json_object *o;

		if (!vms[i].used)
			continue;
		o = vm_item(req->pool, &vms[i]);
		vh_json_add_str(o, "id", vh_psprintf(req->pool, "qemu/%ld", vms[i].vmid));
		vh_json_add_str(o, "type", "qemu");
		vh_json_add_str(o, "node", vms[i].node);
		vh_json_add_int(o, "maxcpu", cpus(&vms[i]));
		json_object_object_del(o, "cpus");
		json_object_object_del(o, "pid");
		vh_json_add_int(o, "template", vms[i].template_ ? 1 : 0);
		if (cfg(&vms[i], "pool"))
			vh_json_add_str(o, "pool", cfg(&vms[i], "pool"));
		/* A node nobody can reach reports nothing about its guests. */
		if (!pve_node_online(vms[i].node))
			vh_json_add_str(o, "status", "unknown");
		json_object_array_add(arr, o);
	}
}

json_object *pve_vm_state(void)
{
	struct vh_pool *pool = vh_pool_new();
	json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < MAX_VMS; i++) {
		json_object *o;

		if (!vms[i].used)
			continue;
		o = vm_item(pool, &vms[i]);
		vh_json_add_str(o, "node", vms[i].node);
		vh_json_add_str(o, "qmpstatus", vms[i].running ? (vms[i].paused ? "paused" : "running") : "stopped");
		json_object_object_add(o, "paused", json_object_new_boolean(vms[i].paused));
		json_object_object_add(o, "config", json_object_get(vms[i].config));
		json_object_object_add(o, "pending", json_object_get(vms[i].pending));
		json_object_object_add(o, "pending_delete", json_object_get(vms[i].pending_del));
		json_object_object_add(o, "snapshots", json_object_get(vms[i].snapshots));
		json_object_object_add(o, "agent_passwords_set", json_object_get(vms[i].agent_users));
		json_object_array_add(arr, o);
	}
	vh_pool_free(pool);
	return arr;
}

/* ---- routes ---------------------------------------------------------------------- */

static enum vh_status nextid(struct vh_req *req, struct vh_err *err)
{
	const char *want = pve_arg(req, "vmid");
	long id;

	(void)err;
	if (want) {
		if (pve_vm_find(atol(want)))
			return pve_param_fail(req, "vmid", vh_psprintf(req->pool, "VM %s already exists", want));
		return pve_answer(req, json_object_new_string(want));
	}
	for (id = 100; pve_vm_find(id); id++)
		;
	return pve_answer(req, json_object_new_string(vh_psprintf(req->pool, "%ld", id)));
}

static enum vh_status qemu_list(struct vh_req *req, struct vh_err *err)
{
	json_object *arr = json_object_new_array();
	size_t i;

	(void)err;
	for (i = 0; i < MAX_VMS; i++)
		if (vms[i].used && !strcmp(vms[i].node, vh_req_param(req, "node")))
			json_object_array_add(arr, vm_item(req->pool, &vms[i]));
	return pve_answer(req, arr);
}

static enum vh_status vm_status(struct vh_req *req, struct vh_err *err)
{
	struct pve_vm *v;
	long vmid;
	json_object *o, *ha;

	(void)err;
	if (!(v = pve_vm_load(req, &vmid)))
		return VH_OK;
	o = vm_item(req->pool, v);
	vh_json_add_str(o, "qmpstatus", v->running ? (v->paused ? "paused" : "running") : "stopped");
	ha = json_object_new_object();
	vh_json_add_int(ha, "managed", 0);
	json_object_object_add(o, "ha", ha);
	if (pve_agent_enabled(v))
		vh_json_add_int(o, "agent", 1);
	if (v->running) {
		vh_json_add_str(o, "running-qemu", "8.1.5");
		vh_json_add_str(o, "running-machine", "pc-i440fx-8.1+pve0");
	}
	return pve_answer(req, o);
}

/* Shared by PUT/POST config and create: every config key in args, checked
 * and normalised, into set; delete= and revert= into lists.  VH_OK, or the
 * error has been answered. */
static enum vh_status collect_changes(struct vh_req *req, struct pve_vm *v, json_object *ch, bool create)
{
	struct pve_call *call = pve_call_of(req);
	json_object *set = json_object_new_object(), *del = json_object_new_array();
	json_object *rev = json_object_new_array(), *errs = NULL;
	static const char *const not_config[] = {"delete", "revert", "digest", "skiplock", "force",
						 "background_delay", "vmid", "start", "pool", "unique",
						 "archive", "storage", "bwlimit", "live-restore", NULL};
	const char *list;
	int status = 400;
	const char *refusal = NULL;

	json_object_object_add(ch, "set", set);
	json_object_object_add(ch, "delete", del);
	json_object_object_add(ch, "revert", rev);
	json_object_object_foreach(call->args, k, val) {
		size_t i;
		bool skip = false;
		const char *msg = NULL, *stored;

		for (i = 0; not_config[i]; i++)
			skip |= !strcmp(k, not_config[i]);
		if (skip)
			continue;
		stored = store_value(req, v, k, json_object_get_string(val), &status, &msg);
		if (!stored && status == 400) {
			if (!errs)
				errs = json_object_new_object();
			vh_json_add_str(errs, k, msg);
		} else if (!stored) {
			refusal = msg;
		} else {
			vh_json_add_str(set, k, stored);
		}
	}
	if (!errs && pve_arg_bool(req, "skiplock", false) && !call->root) {
		errs = json_object_new_object();
		vh_json_add_str(errs, "skiplock", "Only root may use this option.");
	}
	for (list = pve_arg(req, "delete"); !errs && list && *list;) {
		size_t n = strcspn(list, ",; ");
		char *dk = vh_pstrndup(req->pool, list, n);

		if (n && !create) {
			if (!pve_find_param(config_params, dk)) {
				errs = json_object_new_object();
				vh_json_add_str(errs, "delete", vh_psprintf(req->pool, "unknown option '%s'", dk));
				break;
			}
			if (json_object_object_get(set, dk)) {
				errs = json_object_new_object();
				vh_json_add_str(errs, "delete", vh_psprintf(req->pool,
						"you can't delete and set option '%s' at the same time", dk));
				break;
			}
			if (!strncmp(dk, "hostpci", 7) && !call->root && cfg(v, dk) &&
			    strncmp(cfg(v, dk), "mapping=", 8)) {
				refusal = vh_psprintf(req->pool, "only root can set '%s' config for "
							  "non-mapped devices", dk);
			}
			json_object_array_add(del, json_object_new_string(dk));
		}
		list += n;
		list += strspn(list, ",; ");
	}
	for (list = pve_arg(req, "revert"); !errs && list && *list;) {
		size_t n = strcspn(list, ",; ");

		if (n)
			json_object_array_add(rev, json_object_new_string(vh_pstrndup(req->pool, list, n)));
		list += n;
		list += strspn(list, ",; ");
	}
	if (errs) {
		pve_errors_fail(req, errs);
		return VH_INVALID;
	}
	if (refusal) {
		pve_fail(req, 500, refusal);
		return VH_INVALID;
	}
	return VH_OK;
}

static enum vh_status config_get(struct vh_req *req, struct vh_err *err)
{
	struct pve_vm *v;
	long vmid;
	json_object *o, *src;
	const char *snap = pve_arg(req, "snapshot");

	(void)err;
	if (!(v = pve_vm_load(req, &vmid)))
		return VH_OK;
	src = v->config;
	if (snap) {
		json_object *s;

		if (!json_object_object_get_ex(v->snapshots, snap, &s))
			return pve_fail(req, 500, vh_psprintf(req->pool, "snapshot '%s' does not exist", snap));
		src = json_object_object_get(s, "config");
	}
	o = json_object_new_object();
	json_object_object_foreach(src, k, val)
		json_object_object_add(o, k, show_value(k, val));
	if (!snap && !pve_arg_bool(req, "current", false)) {
		json_object_object_foreach(v->pending, k2, val2)
			json_object_object_add(o, k2, show_value(k2, val2));
		json_object_object_foreach(v->pending_del, k3, val3) {
			(void)val3;
			json_object_object_del(o, k3);
		}
	}
	if (v->lock[0])
		vh_json_add_str(o, "lock", v->lock);
	if (v->parent[0] && !snap)
		vh_json_add_str(o, "parent", v->parent);
	vh_json_add_str(o, "digest", pve_vm_digest(req->pool, v));
	return pve_answer(req, o);
}

static enum vh_status pending_get(struct vh_req *req, struct vh_err *err)
{
	struct pve_vm *v;
	long vmid;
	json_object *arr;

	(void)err;
	if (!(v = pve_vm_load(req, &vmid)))
		return VH_OK;
	arr = json_object_new_array();
	json_object_object_foreach(v->config, k, val) {
		json_object *o = json_object_new_object(), *p;

		vh_json_add_str(o, "key", k);
		json_object_object_add(o, "value", show_value(k, val));
		if (json_object_object_get_ex(v->pending, k, &p))
			json_object_object_add(o, "pending", show_value(k, p));
		if (json_object_object_get(v->pending_del, k))
			vh_json_add_int(o, "delete", 1);
		json_object_array_add(arr, o);
	}
	json_object_object_foreach(v->pending, k2, val2) {
		json_object *o;

		if (json_object_object_get(v->config, k2))
			continue;
		o = json_object_new_object();
		vh_json_add_str(o, "key", k2);
		json_object_object_add(o, "pending", show_value(k2, val2));
		json_object_array_add(arr, o);
	}
	return pve_answer(req, arr);
}

/* Lock property, digest: the synchronous checks of a config write. */
static enum vh_status config_checks(struct vh_req *req, struct pve_vm *v)
{
	const char *want = pve_arg(req, "digest");

	if (v->lock[0] && !pve_arg_bool(req, "skiplock", false)) {
		pve_fail(req, 500, vh_psprintf(req->pool, "VM is locked (%s)", v->lock));
		return VH_CONFLICT;
	}
	if (want && strcmp(want, pve_vm_digest(req->pool, v))) {
		pve_fail(req, 500, "checksum mismatch (file change by other user?)");
		return VH_CONFLICT;
	}
	return VH_OK;
}

static enum vh_status config_set(struct vh_req *req, struct vh_err *err)
{
	struct pve_vm *v;
	long vmid;
	json_object *ch;
	struct pve_task *t;
	bool async = !strcmp(req->method, "POST");

	(void)err;
	if (!(v = pve_vm_load(req, &vmid)))
		return VH_OK;
	ch = vh_json_own(req->pool, json_object_new_object());
	if (collect_changes(req, v, ch, false) != VH_OK)
		return VH_OK;
	if (!json_object_object_length(json_object_object_get(ch, "set")) &&
	    !json_object_array_length(json_object_object_get(ch, "delete")) &&
	    !json_object_array_length(json_object_object_get(ch, "revert")))
		return pve_fail(req, 500, "no options specified");
	if (config_checks(req, v) != VH_OK)
		return VH_OK;
	json_object_object_add(ch, "skiplock", json_object_new_boolean(pve_arg_bool(req, "skiplock", false)));
	if (!async) {
		/* Synchronous: wait for the lock file here, as PVE does. */
		if (pve_file_lock(req, vmid, LOCK_WAIT_MS) != VH_OK)
			return VH_OK;
		if (!(v = pve_vm_find(vmid)))
			return pve_fail(req, 500, not_found(req, vh_req_param(req, "node"), vmid));
		if (config_checks(req, v) != VH_OK)
			return VH_OK;
		apply_changes(v, ch);
		return pve_answer(req, NULL);
	}
	t = pve_task_start(req, v->node, "qmconfig", vmid, vmid, FX_CONFIG, NULL, json_object_get(ch));
	/* background_delay: wait (in simulated time) that long for the task;
	 * null when it ended OK within it. */
	if (pve_arg(req, "background_delay")) {
		long long limit = pve_now_ms() + pve_arg_int(req, "background_delay", 0) * 1000LL;

		if (!t->done && t->end_ms <= limit) {
			pve_clock_wait_ms(t->end_ms - pve_now_ms());
			pve_advance();
		}
		if (t->done && !strcmp(t->exitstatus, "OK"))
			return pve_answer(req, NULL);
	}
	return pve_answer_task(req, t);
}

static enum vh_status create(struct vh_req *req, struct vh_err *err)
{
	const char *node = vh_req_param(req, "node");
	long vmid = pve_arg_int(req, "vmid", 0);
	struct pve_vm *v = pve_vm_find(vmid), tmp;
	json_object *ch, *args;

	(void)err;
	if (v)
		return pve_fail(req, 500, vh_psprintf(req->pool, "unable to create VM %ld - VM %ld already "
						      "exists on node '%s'", vmid, vmid, v->node));
	/* Check the values against a VM that does not exist yet. */
	memset(&tmp, 0, sizeof(tmp));
	tmp.vmid = vmid;
	snprintf(tmp.node, sizeof(tmp.node), "%s", node);
	tmp.config = json_object_new_object();
	tmp.pending = json_object_new_object();
	ch = vh_json_own(req->pool, json_object_new_object());
	if (collect_changes(req, &tmp, ch, true) != VH_OK) {
		json_object_put(tmp.config);
		json_object_put(tmp.pending);
		return VH_OK;
	}
	json_object_put(tmp.config);
	json_object_put(tmp.pending);
	if (!(v = new_vm(vmid, node)))
		return pve_fail(req, 500, "too many VMs");
	/* The config exists at once, locked "create"; the task drops it. */
	json_object_object_foreach(json_object_object_get(ch, "set"), k, val)
		json_object_object_add(v->config, k, json_object_get(val));
	add_meta(v);
	if (pve_arg(req, "pool"))
		set_cfg(v, "pool", pve_arg(req, "pool"));
	snprintf(v->lock, sizeof(v->lock), "create");
	args = json_object_new_object();
	json_object_object_add(args, "start", json_object_new_boolean(pve_arg_bool(req, "start", false)));
	{
		struct pve_task *t = pve_task_start(req, node, "qmcreate", vmid, vmid, FX_CREATE, NULL, args);

		snprintf(t->prop_lock, sizeof(t->prop_lock), "create");
		return pve_answer_task(req, t);
	}
}

static enum vh_status clone_vm(struct vh_req *req, struct vh_err *err)
{
	struct pve_vm *v, *nv;
	long vmid, newid = pve_arg_int(req, "newid", 0);
	const char *name = pve_arg(req, "name"), *target = pve_arg(req, "target");
	const char *storage = pve_arg(req, "storage");
	bool full;
	json_object *args;
	struct pve_task *t;

	(void)err;
	if (!(v = pve_vm_load(req, &vmid)))
		return VH_OK;
	full = pve_arg_bool(req, "full", !v->template_);
	if (v->lock[0])
		return pve_fail(req, 500, vh_psprintf(req->pool, "VM is locked (%s)", v->lock));
	if (pve_vm_find(newid))
		return pve_fail(req, 500, vh_psprintf(req->pool,
						     "unable to create VM %ld: config file already exists", newid));
	if (target && !pve_node_known(target))
		return pve_fail(req, 500, vh_psprintf(req->pool, "no such cluster node '%s'", target));
	if (target && !pve_node_online(target))
		return pve_fail(req, 500, vh_psprintf(req->pool, "target node '%s' is not online", target));
	if (storage && !full)
		return pve_fail(req, 500, "parameter 'storage' not allowed for linked clones");
	if (pve_arg(req, "format") && !full)
		return pve_fail(req, 500, "parameter 'format' not allowed for linked clones");
	if (storage && !pve_storage(target ? target : v->node, storage))
		return pve_fail(req, 500, vh_psprintf(req->pool, "storage '%s' does not exist", storage));
	if (!full) {
		/* Linked clones need base volumes (a template) on storage that can
		 * do them. */
		json_object_object_foreach(v->config, k, val) {
			const char *s = json_object_get_string(val);
			json_object *st;

			if (!is_disk_key(k) || strstr(s, "media=cdrom"))
				continue;
			st = pve_storage(v->node, vh_pstrndup(req->pool, s, strcspn(s, ":")));
			if (!v->template_ || !strstr(s, ":base-") ||
			    (st && !json_object_get_boolean(json_object_object_get(st, "linked_clones"))))
				return pve_fail(req, 500, vh_psprintf(req->pool, "Linked clone feature is not "
						"supported for '%.*s' (%s)", (int)strcspn(s, ","), s, k));
		}
	}
	if (!(nv = new_vm(newid, target ? target : v->node)))
		return pve_fail(req, 500, "too many VMs");
	json_object_object_foreach(v->config, k, val) {
		const char *s = json_object_get_string(val);

		if (!strcmp(k, "template") || !strcmp(k, "parent") || !strcmp(k, "lock"))
			continue;
		if (!strncmp(k, "net", 3) && isdigit((unsigned char)k[3])) {
			int st;
			const char *msg, *model = vh_pstrndup(req->pool, s, strcspn(s, "="));

			s = store_value(req, nv, k, vh_psprintf(req->pool, "%s%s", model, s + strcspn(s, ",")),
					&st, &msg);
		} else if (is_disk_key(k) && strstr(s, "-disk-")) {
			const char *size = strstr(s, "size="), *st = vh_pstrndup(req->pool, s, strcspn(s, ":"));
			const char *vol = vh_pstrndup(req->pool, s + strlen(st) + 1, strcspn(s + strlen(st) + 1, ","));

			s = full ? vh_psprintf(req->pool, "%s:vm-%ld-disk-%d%s%s", storage ? storage : st, newid,
					       next_disk(nv), size ? ",size=" : "", size ? size + 5 : "")
				 : vh_psprintf(req->pool, "%s:%s/vm-%ld-disk-%d%s%s", st, vol, newid,
					       next_disk(nv), size ? ",size=" : "", size ? size + 5 : "");
		} else if (is_disk_key(k) && strstr(s, "-cloudinit")) {
			s = vh_psprintf(req->pool, "%.*s:vm-%ld-cloudinit,media=cdrom", (int)strcspn(s, ":"), s,
					newid);
		}
		if (s)
			set_cfg(nv, k, s);
	}
	add_meta(nv);
	set_cfg(nv, "name", name ? name : vh_psprintf(req->pool, "Copy-of-VM-%s", vm_name(req->pool, v)));
	if (pve_arg(req, "description"))
		set_cfg(nv, "description", pve_arg(req, "description"));
	if (pve_arg(req, "pool"))
		set_cfg(nv, "pool", pve_arg(req, "pool"));
	snprintf(nv->lock, sizeof(nv->lock), "clone");
	args = json_object_new_object();
	json_object_object_add(args, "full", json_object_new_boolean(full));
	t = pve_task_start(req, v->node, "qmclone", vmid, newid, FX_CLONE, NULL, args);
	snprintf(t->prop_lock, sizeof(t->prop_lock), "clone");
	return pve_answer_task(req, t);
}

static enum vh_status resize(struct vh_req *req, struct vh_err *err)
{
	struct pve_vm *v;
	long vmid;
	const char *disk = pve_arg(req, "disk"), *size = pve_arg(req, "size");
	json_object *args;
	bool plus;

	(void)err;
	if (!(v = pve_vm_load(req, &vmid)))
		return VH_OK;
	if (!is_disk_key(disk))
		return pve_param_fail(req, "disk", vh_psprintf(req->pool, "value '%s' does not have a value "
					"in the enumeration 'ide0, ..., scsi0, ..., virtio0, ...'", disk));
	if (parse_size(size, &plus) < 0)
		return pve_param_fail(req, "size", "value does not match the regex pattern");
	if (config_checks(req, v) != VH_OK)
		return VH_OK;
	args = json_object_new_object();
	vh_json_add_str(args, "disk", disk);
	vh_json_add_str(args, "size", size);
	return pve_answer_task(req, pve_task_start(req, v->node, "resize", vmid, vmid, FX_RESIZE, NULL, args));
}

static enum vh_status template_(struct vh_req *req, struct vh_err *err)
{
	struct pve_vm *v;
	long vmid;

	(void)err;
	if (!(v = pve_vm_load(req, &vmid)))
		return VH_OK;
	if (v->lock[0])
		return pve_fail(req, 500, vh_psprintf(req->pool, "VM is locked (%s)", v->lock));
	if (v->running)
		return pve_fail(req, 500, "you can't convert a VM to template if VM is running");
	if (json_object_object_length(v->snapshots))
		return pve_fail(req, 500, "you can't convert a VM to template if VM contains snapshots");
	return pve_answer_task(req, pve_task_start(req, v->node, "qmtemplate", vmid, vmid, FX_TEMPLATE,
						   NULL, NULL));
}

static enum vh_status destroy(struct vh_req *req, struct vh_err *err)
{
	struct pve_vm *v;
	long vmid;

	(void)err;
	if (!(v = pve_vm_load(req, &vmid)))
		return VH_OK;
	if (pve_arg_bool(req, "skiplock", false) && !pve_call_of(req)->root)
		return pve_param_fail(req, "skiplock", "Only root may use this option.");
	if (v->running)
		return pve_fail(req, 500, vh_psprintf(req->pool, "VM %ld is running - destroy failed", vmid));
	if (v->lock[0] && !pve_arg_bool(req, "skiplock", false))
		return pve_fail(req, 500, vh_psprintf(req->pool, "VM is locked (%s)", v->lock));
	if (cfg(v, "protection") && !strcmp(cfg(v, "protection"), "1"))
		return pve_fail(req, 500, vh_psprintf(req->pool, "can't remove VM %ld - protection mode enabled",
						      vmid));
	return pve_answer_task(req, pve_task_start(req, v->node, "qmdestroy", vmid, vmid, FX_DESTROY,
						   NULL, NULL));
}

static enum vh_status migrate(struct vh_req *req, struct vh_err *err)
{
	struct pve_vm *v;
	long vmid;
	const char *target = pve_arg(req, "target");
	json_object *args;
	struct pve_task *t;

	(void)err;
	if (!(v = pve_vm_load(req, &vmid)))
		return VH_OK;
	if (!pve_node_known(target))
		return pve_fail(req, 500, vh_psprintf(req->pool, "no such cluster node '%s'", target));
	if (!strcmp(target, v->node))
		return pve_fail(req, 500, "target is local node.");
	if (v->lock[0])
		return pve_fail(req, 500, vh_psprintf(req->pool, "VM is locked (%s)", v->lock));
	if (v->running && !pve_arg_bool(req, "online", false))
		return pve_fail(req, 500, "can't migrate running VM without --online");
	if (v->running && !pve_arg_bool(req, "with-local-disks", false) && pve_disk_bytes(v) > 0)
		return pve_fail(req, 500, "can't live migrate attached local disks without with-local-disks "
					  "option");
	args = json_object_new_object();
	vh_json_add_str(args, "target", target);
	snprintf(v->lock, sizeof(v->lock), "migrate");
	t = pve_task_start(req, v->node, "qmigrate", vmid, vmid, FX_MIGRATE, NULL, args);
	snprintf(t->prop_lock, sizeof(t->prop_lock), "migrate");
	return pve_answer_task(req, t);
}

/* POST status/{action}: PVE's asymmetries.  start forks without checks (a
 * running VM fails in the task); stop and shutdown of a stopped VM end OK;
 * reboot, reset, suspend and resume of a stopped VM are refused at once. */
static enum vh_status power(struct vh_req *req, struct vh_err *err)
{
	const char *action = strrchr(req->path, '/') + 1, *node = vh_req_param(req, "node");
	struct pve_vm *v;
	long vmid = atol(vh_req_param(req, "vmid"));
	json_object *args;

	(void)err;
	if (pve_arg_bool(req, "skiplock", false) && !pve_call_of(req)->root)
		return pve_param_fail(req, "skiplock", "Only root may use this option.");
	v = pve_vm_find(vmid);
	if (v && strcmp(v->node, node))
		v = NULL;
	if (!strcmp(action, "reboot") || !strcmp(action, "reset") || !strcmp(action, "suspend") ||
	    !strcmp(action, "resume")) {
		bool todisk = pve_arg_bool(req, "todisk", false);

		if (!v)
			return pve_fail(req, 500, vh_psprintf(req->pool, "unable to find configuration file "
							      "for VM %ld on node '%s'", vmid, node));
		if (!v->running)
			return pve_fail(req, 500, vh_psprintf(req->pool, "VM %ld not running", vmid));
		if (!strcmp(action, "reboot"))
			return pve_answer_task(req, pve_task_start(req, node, "qmreboot", vmid, vmid,
								   FX_REBOOT, NULL, NULL));
		if (!strcmp(action, "suspend"))
			return pve_answer_task(req, pve_task_start(req, node, todisk ? "qmsuspend" : "qmpause",
								   vmid, vmid, todisk ? FX_HIBERNATE : FX_PAUSE,
								   NULL, NULL));
		return pve_answer_task(req, pve_task_start(req, node, !strcmp(action, "reset") ? "qmreset"
										     : "qmresume",
							   vmid, vmid, !strcmp(action, "reset") ? FX_NONE : FX_RESUME,
							   NULL, NULL));
	}
	if (!v)
		return pve_fail(req, 500, not_found(req, node, vmid));
	args = json_object_new_object();
	json_object_object_add(args, "skiplock", json_object_new_boolean(pve_arg_bool(req, "skiplock", false)));
	if (!strcmp(action, "start"))
		return pve_answer_task(req, pve_task_start(req, node, "qmstart", vmid, vmid, FX_START, NULL, args));
	if (!strcmp(action, "shutdown") && v->paused) {
		json_object_put(args);
		return pve_fail(req, 500, "VM is paused - cannot shutdown");
	}
	return pve_answer_task(req, pve_task_start(req, node, !strcmp(action, "stop") ? "qmstop" : "qmshutdown",
						   vmid, vmid, FX_STOP, NULL, args));
}

/* ---- /_sim/ -------------------------------------------------------------------- */

enum vh_status pve_sim_durations(struct vh_req *req, struct vh_err *err)
{
	json_object *body;
	enum vh_status st = vh_req_json(req, &body, err);

	if (st != VH_OK)
		return st;
	json_object_object_foreach(body, k, v) {
		(void)k;
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
			return vh_fail(err, VH_INVALID, "bad_request", "durations are milliseconds");
	}
	json_object_object_foreach(body, k2, v2)
		json_object_object_add(durations, k2, json_object_get(v2));
	vh_resp_json(req, 200, durations);
	return VH_OK;
}

enum vh_status pve_sim_task_fail(struct vh_req *req, struct vh_err *err)
{
	json_object *body, *type, *status, *count, *a;
	enum vh_status st = vh_req_json(req, &body, err);

	if (st != VH_OK)
		return st;
	if (!json_object_object_get_ex(body, "type", &type) || !json_object_object_get_ex(body, "exitstatus", &status))
		return vh_fail(err, VH_INVALID, "bad_request", "give type and exitstatus");
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_int(json_object_object_get_ex(body, "count", &count)
							     ? json_object_get_int(count) : 1));
	json_object_array_add(a, json_object_get(status));
	json_object_object_add(failures, json_object_get_string(type), a);
	vh_resp_json(req, 200, failures);
	return VH_OK;
}

/* ---- the route table -------------------------------------------------------------- */

#define NONE {NULL, 0, false, 0, 0}
#define STR(n) {n, P_STR, false, 0, 0}
#define BOOL(n) {n, P_BOOL, false, 0, 0}
#define INT(n, lo, hi) {n, P_INT, false, lo, hi}
#define IDX(n, hi) {n "#", P_STR, false, 0, hi}

/* The config keys this simulator knows (PVE knows more). */
static const struct pve_param config_params[] = {
	STR("name"), INT("cores", 0, 0), INT("sockets", 0, 0), STR("memory"), INT("balloon", 0, 0),
	STR("cpu"), STR("cpulimit"), INT("cpuunits", 0, 0), INT("vcpus", 0, 0), STR("description"),
	STR("tags"), STR("agent"), STR("ciuser"), STR("cipassword"), STR("citype"),
	BOOL("ciupgrade"), STR("nameserver"), STR("searchdomain"), STR("sshkeys"), BOOL("onboot"),
	BOOL("protection"), STR("ostype"), STR("boot"), STR("bootdisk"), STR("machine"), STR("bios"),
	STR("scsihw"), BOOL("numa"), BOOL("kvm"), BOOL("acpi"), BOOL("tablet"), STR("hotplug"),
	STR("startup"), STR("vmgenid"), STR("smbios1"), STR("hookscript"), STR("vga"), STR("meta"),
	STR("affinity"), STR("efidisk0"), STR("tpmstate0"), BOOL("template"),
	IDX("ipconfig", 31), IDX("net", 31), IDX("scsi", 30), IDX("virtio", 15), IDX("sata", 5),
	IDX("ide", 3), IDX("hostpci", 15), IDX("usb", 4), IDX("serial", 3), NONE,
};
static const struct pve_param put_config_params[] = {
	STR("delete"), STR("revert"), STR("digest"), BOOL("skiplock"), BOOL("force"), NONE,
};
static const struct pve_param post_config_params[] = {
	STR("delete"), STR("revert"), STR("digest"), BOOL("skiplock"), BOOL("force"),
	INT("background_delay", 1, 30), NONE,
};
static const struct pve_param create_params[] = {
	{"vmid", P_VMID, true, 0, 0}, BOOL("start"), STR("pool"), BOOL("unique"), STR("archive"),
	STR("storage"), BOOL("force"), INT("bwlimit", 0, 0), BOOL("live-restore"), NONE,
};
static const struct pve_param nextid_params[] = {{"vmid", P_VMID, false, 0, 0}, NONE};
static const struct pve_param list_params[] = {BOOL("full"), NONE};
static const struct pve_param config_get_params[] = {BOOL("current"), STR("snapshot"), NONE};
static const struct pve_param clone_params[] = {
	{"newid", P_VMID, true, 0, 0}, STR("name"), STR("description"), BOOL("full"), STR("storage"),
	STR("format"), STR("target"), STR("pool"), STR("snapname"), INT("bwlimit", 0, 0), NONE,
};
static const struct pve_param resize_params[] = {
	{"disk", P_STR, true, 0, 0}, {"size", P_STR, true, 0, 0}, STR("digest"), BOOL("skiplock"), NONE,
};
static const struct pve_param template_params[] = {STR("disk"), NONE};
static const struct pve_param destroy_params[] = {
	BOOL("purge"), BOOL("destroy-unreferenced-disks"), BOOL("skiplock"), NONE,
};
static const struct pve_param migrate_params[] = {
	{"target", P_STR, true, 0, 0}, BOOL("online"), BOOL("with-local-disks"), BOOL("force"),
	STR("targetstorage"), INT("bwlimit", 0, 0), STR("migration_type"), STR("migration_network"), NONE,
};
static const struct pve_param start_params[] = {
	INT("timeout", 0, 86400), BOOL("skiplock"), STR("machine"), STR("force-cpu"), NONE,
};
static const struct pve_param stop_params[] = {
	INT("timeout", 0, 86400), BOOL("skiplock"), BOOL("keepActive"), BOOL("overrule-shutdown"), NONE,
};
static const struct pve_param shutdown_params[] = {
	INT("timeout", 0, 86400), BOOL("skiplock"), BOOL("keepActive"), BOOL("forceStop"), NONE,
};
static const struct pve_param reboot_params[] = {INT("timeout", 0, 86400), NONE};
static const struct pve_param reset_params[] = {BOOL("skiplock"), NONE};
static const struct pve_param suspend_params[] = {BOOL("skiplock"), BOOL("todisk"), STR("statestorage"), NONE};
static const struct pve_param resume_params[] = {BOOL("skiplock"), BOOL("nocheck"), NONE};

static const struct pve_spec nextid_spec = {nextid_params, NULL, false};
static const struct pve_spec list_spec = {list_params, NULL, false};
static const struct pve_spec create_spec = {create_params, config_params, false};
static const struct pve_spec config_get_spec = {config_get_params, NULL, false};
static const struct pve_spec put_config_spec = {put_config_params, config_params, false};
static const struct pve_spec post_config_spec = {post_config_params, config_params, false};
static const struct pve_spec clone_spec = {clone_params, NULL, false};
static const struct pve_spec resize_spec = {resize_params, NULL, false};
static const struct pve_spec template_spec = {template_params, NULL, false};
static const struct pve_spec destroy_spec = {destroy_params, NULL, false};
static const struct pve_spec migrate_spec = {migrate_params, NULL, false};
static const struct pve_spec start_spec = {start_params, NULL, false};
static const struct pve_spec stop_spec = {stop_params, NULL, false};
static const struct pve_spec shutdown_spec = {shutdown_params, NULL, false};
static const struct pve_spec reboot_spec = {reboot_params, NULL, false};
static const struct pve_spec reset_spec = {reset_params, NULL, false};
static const struct pve_spec suspend_spec = {suspend_params, NULL, false};
static const struct pve_spec resume_spec = {resume_params, NULL, false};

const struct vh_route pve_vm_routes[] = {
	{"GET", "/api2/json/cluster/nextid", nextid, VH_AUTH_NONE, &nextid_spec},
	{"GET", QEMU, qemu_list, VH_AUTH_NONE, &list_spec},
	{"POST", QEMU, create, VH_AUTH_NONE, &create_spec},
	{"GET", QEMU "/{vmid}/status/current", vm_status, VH_AUTH_NONE, NULL},
	{"POST", QEMU "/{vmid}/status/start", power, VH_AUTH_NONE, &start_spec},
	{"POST", QEMU "/{vmid}/status/stop", power, VH_AUTH_NONE, &stop_spec},
	{"POST", QEMU "/{vmid}/status/shutdown", power, VH_AUTH_NONE, &shutdown_spec},
	{"POST", QEMU "/{vmid}/status/reboot", power, VH_AUTH_NONE, &reboot_spec},
	{"POST", QEMU "/{vmid}/status/reset", power, VH_AUTH_NONE, &reset_spec},
	{"POST", QEMU "/{vmid}/status/suspend", power, VH_AUTH_NONE, &suspend_spec},
	{"POST", QEMU "/{vmid}/status/resume", power, VH_AUTH_NONE, &resume_spec},
	{"POST", QEMU "/{vmid}/clone", clone_vm, VH_AUTH_NONE, &clone_spec},
	{"GET", QEMU "/{vmid}/config", config_get, VH_AUTH_NONE, &config_get_spec},
	{"PUT", QEMU "/{vmid}/config", config_set, VH_AUTH_NONE, &put_config_spec},
	{"POST", QEMU "/{vmid}/config", config_set, VH_AUTH_NONE, &post_config_spec},
	{"GET", QEMU "/{vmid}/pending", pending_get, VH_AUTH_NONE, NULL},
	{"PUT", QEMU "/{vmid}/resize", resize, VH_AUTH_NONE, &resize_spec},
	{"POST", QEMU "/{vmid}/template", template_, VH_AUTH_NONE, &template_spec},
	{"POST", QEMU "/{vmid}/migrate", migrate, VH_AUTH_NONE, &migrate_spec},
	{"DELETE", QEMU "/{vmid}", destroy, VH_AUTH_NONE, &destroy_spec},
	{NULL},
};
