/* The PVE client without the network: how parameters are encoded, how
 * fingerprints are read, and what PVE's error texts mean.  All of it is
 * unit-tested (tests/unit/test-pve.c). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pool.h"
#include "pve_impl.h"

/* ---- encoding ------------------------------------------------------------------- */

/* RFC 3986 unreserved characters stay; everything else is %XX.  A space
 * is %20, never '+': sshkeys needs that, and form bodies accept it. */
static void escape_into(struct vh_buf *b, const char *s)
{
	const unsigned char *v;

	for (v = (const unsigned char *)s; *v; v++) {
		if (isalnum(*v) || strchr("-_.~", *v))
			vh_buf_addc(b, (char)*v);
		else
			vh_buf_printf(b, "%%%02X", *v);
	}
}

const char *vh_pve_escape(struct vh_pool *pool, const char *s)
{
	struct vh_buf b = VH_BUF_INIT;
	const char *out;

	escape_into(&b, s ? s : "");
	out = vh_pstrdup(pool, vh_buf_str(&b));
	vh_buf_free(&b);
	return out;
}

void vh_pve_form_add(struct vh_pool *pool, const char **form, const char *key, const char *value)
{
	struct vh_buf b = VH_BUF_INIT;

	if (*form && **form) {
		vh_buf_adds(&b, *form);
		vh_buf_addc(&b, '&');
	}
	escape_into(&b, key);
	vh_buf_addc(&b, '=');
	escape_into(&b, value ? value : "");
	*form = vh_pstrdup(pool, vh_buf_str(&b));
	vh_buf_free(&b);
}

void vh_pve_form_int(struct vh_pool *pool, const char **form, const char *key, long long value)
{
	vh_pve_form_add(pool, form, key, vh_psprintf(pool, "%lld", value));
}

void vh_pve_form_bool(struct vh_pool *pool, const char **form, const char *key, bool value)
{
	vh_pve_form_add(pool, form, key, value ? "1" : "0");
}

const char *vh_pve_sshkeys_encode(struct vh_pool *pool, const char *keys)
{
	return vh_pve_escape(pool, keys);
}

/* qemu-server stores sshkeys URL-encoded and checks the decoded parameter
 * against [-%A-Za-z0-9_.!~*'()]: the value is encoded once for PVE and
 * once more for the form, so "ssh-ed25519 AAA" travels as
 * sshkeys=ssh-ed25519%2520AAA. */
void vh_pve_form_sshkeys(struct vh_pool *pool, const char **form, const char *keys)
{
	vh_pve_form_add(pool, form, "sshkeys", vh_pve_sshkeys_encode(pool, keys));
}

const char *vh_pve_vm_path(struct vh_pool *pool, const char *node, long vmid, const char *rest)
{
	return vh_psprintf(pool, "/nodes/%s/qemu/%ld%s", vh_pve_escape(pool, node), vmid, rest);
}

/* ---- fingerprints ----------------------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int vh_pve_fingerprint_parse(const char *text, unsigned char out[32])
{
	const char *s = text, *eq;
	int n = 0;

	if (!s)
		return -1;
	/* openssl x509 -fingerprint prints "sha256 Fingerprint=AA:..". */
	eq = strchr(s, '=');
	if (eq)
		s = eq + 1;
	while (*s) {
		int hi, lo;

		if (*s == ':' || isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		hi = hexval((unsigned char)s[0]);
		lo = hi < 0 ? -1 : hexval((unsigned char)s[1]);
		if (lo < 0 || n == 32)
			return -1;
		out[n++] = (unsigned char)(hi * 16 + lo);
		s += 2;
		/* Pairs, not a run of single digits split by colons. */
		if (*s && *s != ':' && !isspace((unsigned char)*s) && hexval((unsigned char)*s) < 0)
			return -1;
	}
	return n == 32 ? 0 : -1;
}

void vh_pve_fingerprint_format(const unsigned char fp[32], char out[96])
{
	static const char hex[] = "0123456789ABCDEF";
	int i;

	for (i = 0; i < 32; i++) {
		out[i * 3] = hex[fp[i] >> 4];
		out[i * 3 + 1] = hex[fp[i] & 15];
		out[i * 3 + 2] = i == 31 ? '\0' : ':';
	}
}

/* ---- errors ----------------------------------------------------------------------- */

/* Where a text rule applies: a 5xx answer or a task's exitstatus (most of
 * PVE's refusals), a 400's parameter messages, a 501. */
enum { IN_500 = 1, IN_400 = 2, IN_501 = 4 };

/* PVE says most things with a 500 and a sentence; the sentence decides.
 * First match wins, so the more specific texts come first ("QEMU guest
 * agent is not running" is not "VM not running"; "can't lock file ... got
 * timeout" is not an agent timeout). */
static const struct {
	const char *text;
	unsigned where;
	enum vh_pve_kind kind;
} texts[] = {
	{"can't lock file", IN_500, VH_PVE_LOCK_TIMEOUT},
	{"VM is locked", IN_500, VH_PVE_LOCKED},
	{"CT is locked", IN_500, VH_PVE_LOCKED},
	{"No QEMU guest agent configured", IN_500, VH_PVE_NO_AGENT},
	{"QEMU guest agent is not running", IN_500, VH_PVE_NO_AGENT},
	{"guest-ping' failed", IN_500, VH_PVE_NO_AGENT},
	{"already exists", IN_500 | IN_400, VH_PVE_EXISTS},
	{"already used", IN_500 | IN_400, VH_PVE_EXISTS},
	{"already running", IN_500, VH_PVE_RUNNING},
	{"is running - destroy failed", IN_500, VH_PVE_RUNNING},
	{"if VM is running", IN_500, VH_PVE_RUNNING},
	{"can't migrate running VM", IN_500, VH_PVE_RUNNING},
	{"VM is paused", IN_500, VH_PVE_RUNNING},
	{"not running", IN_500, VH_PVE_NOT_RUNNING},
	{"does not exist", IN_500 | IN_400, VH_PVE_NOTFOUND},
	{"unable to find configuration file", IN_500, VH_PVE_NOTFOUND},
	{"no such machine", IN_500, VH_PVE_NOTFOUND},
	{"no such task", IN_500 | IN_400, VH_PVE_NOTFOUND},
	{"not implemented", IN_501, VH_PVE_NOTFOUND},
};

/* When no sentence matched: the status alone. */
static const struct {
	long status;
	enum vh_pve_kind kind;
} statuses[] = {
	{400, VH_PVE_BADPARAM},
	{401, VH_PVE_AUTH},
	{403, VH_PVE_PERMISSION},
	{404, VH_PVE_NOTFOUND},
	{501, VH_PVE_PROTOCOL},  /* "Unexpected content for method 'DELETE'": our bug */
	{595, VH_PVE_UNREACHABLE},
	{596, VH_PVE_UNREACHABLE},
};

static enum vh_pve_kind match_text(unsigned where, const char *text)
{
	size_t i;

	for (i = 0; text && i < sizeof(texts) / sizeof(texts[0]); i++)
		if ((texts[i].where & where) && strstr(text, texts[i].text))
			return texts[i].kind;
	return VH_PVE_OK;
}

enum vh_pve_kind vh_pve_classify(long status, const char *text)
{
	enum vh_pve_kind k = VH_PVE_OK;
	size_t i;

	if (status == 200)
		return VH_PVE_OK;
	/* 595/596 come from the proxying node itself, whatever they say. */
	if (status == 400)
		k = match_text(IN_400, text);
	else if (status == 501)
		k = match_text(IN_501, text);
	else if (status >= 500 && status != 595 && status != 596)
		k = match_text(IN_500, text);
	if (k != VH_PVE_OK)
		return k;
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].status == status)
			return statuses[i].kind;
	return status >= 500 ? VH_PVE_TRANSIENT : VH_PVE_PROTOCOL;
}

enum vh_pve_kind vh_pve_classify_task(const char *exitstatus)
{
	enum vh_pve_kind k = match_text(IN_500, exitstatus);

	return k == VH_PVE_OK ? VH_PVE_TASK_FAILED : k;
}

static const struct {
	const char *name;
	enum vh_status status;
} kinds[VH_PVE_KIND__MAX] = {
	[VH_PVE_OK] = {"ok", VH_OK},
	[VH_PVE_AUTH] = {"auth_failed", VH_BADGATEWAY},
	[VH_PVE_TLS] = {"tls_failed", VH_BADGATEWAY},
	[VH_PVE_UNREACHABLE] = {"unreachable", VH_TRANSIENT},
	[VH_PVE_TIMEOUT] = {"timeout", VH_TRANSIENT},
	[VH_PVE_NOTFOUND] = {"not_found", VH_NOTFOUND},
	[VH_PVE_BADPARAM] = {"bad_parameter", VH_INVALID},
	[VH_PVE_PERMISSION] = {"permission", VH_BADGATEWAY},
	[VH_PVE_TRANSIENT] = {"transient", VH_TRANSIENT},
	[VH_PVE_PROTOCOL] = {"protocol", VH_BADGATEWAY},
	[VH_PVE_LOCKED] = {"locked", VH_TRANSIENT},
	[VH_PVE_EXISTS] = {"exists", VH_CONFLICT},
	[VH_PVE_NOT_RUNNING] = {"not_running", VH_CONFLICT},
	[VH_PVE_RUNNING] = {"running", VH_CONFLICT},
	[VH_PVE_TASK_FAILED] = {"task_failed", VH_BADGATEWAY},
	[VH_PVE_LOCK_TIMEOUT] = {"lock_timeout", VH_TRANSIENT},
	[VH_PVE_NO_AGENT] = {"no_agent", VH_TRANSIENT},
	[VH_PVE_CONFIG] = {"config", VH_BADGATEWAY},
};

const char *vh_pve_kind_name(enum vh_pve_kind kind)
{
	return (unsigned)kind < VH_PVE_KIND__MAX ? kinds[kind].name : "unknown";
}

enum vh_status vh_pve_kind_status(enum vh_pve_kind kind)
{
	return (unsigned)kind < VH_PVE_KIND__MAX ? kinds[kind].status : VH_INTERNAL;
}

enum vh_status vh_pve_error_status(const struct vh_pve_error *pe, struct vh_err *err)
{
	/* A failed task is as retryable as what failed it: a lock timeout
	 * in the task is the same contention as one answered at once. */
	enum vh_pve_kind k = pe->kind == VH_PVE_TASK_FAILED ? pe->cause : pe->kind;
	enum vh_status st = vh_pve_kind_status(k);
	char code[48];
	int i;

	if (st == VH_OK)
		return VH_OK;
	for (i = 0; st == VH_INVALID && i < pe->nparams; i++)
		vh_err_field(err, pe->params[i].name, "%s", pe->params[i].message);
	snprintf(code, sizeof(code), "pve_%s", vh_pve_kind_name(pe->kind));
	return vh_fail(err, st, code, "Proxmox: %s", pe->message);
}

void vh_pve_seterr(struct vh_pve_error *pe, enum vh_pve_kind kind, long status, const char *msg)
{
	memset(pe, 0, sizeof(*pe));
	pe->kind = pe->cause = kind;
	pe->http_status = status;
	snprintf(pe->message, sizeof(pe->message), "%s", msg ? msg : "");
}

void vh_pve_scrub(char *s, size_t cap, const char *secret)
{
	static const char mask[] = "********";
	struct vh_buf b = VH_BUF_INIT;
	size_t n = secret ? strlen(secret) : 0;
	const char *p = s, *hit;

	/* A very short "secret" would mask ordinary words. */
	if (n < 4 || !strstr(s, secret))
		return;
	while ((hit = strstr(p, secret)) != NULL) {
		vh_buf_add(&b, p, (size_t)(hit - p));
		vh_buf_adds(&b, mask);
		p = hit + n;
	}
	vh_buf_adds(&b, p);
	snprintf(s, cap, "%s", vh_buf_str(&b));
	vh_buf_free(&b);
}
