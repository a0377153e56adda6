#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "harness.h"

#define MAX_KV 64

static struct {
	char key[64];
	char val[1024];
} kv[MAX_KV];
static int nkv;
static CURL *curl;

static void load_env(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];

	if (!f) {
		printf("Bail out! cannot read %s: is the test stack up?\n", path);
		exit(1);
	}
	while (fgets(line, sizeof(line), f) && nkv < MAX_KV) {
		char *eq = strchr(line, '=');

		if (line[0] == '#' || !eq)
			continue;
		*eq = '\0';
		line[strcspn(line, "\n")] = '\0';
		eq[1 + strcspn(eq + 1, "\n")] = '\0';
		snprintf(kv[nkv].key, sizeof(kv[nkv].key), "%.63s", line);
		snprintf(kv[nkv].val, sizeof(kv[nkv].val), "%.1023s", eq + 1);
		nkv++;
	}
	fclose(f);
}

const char *t_env(const char *key)
{
	int i;

	for (i = nkv - 1; i >= 0; i--)
		if (strcmp(kv[i].key, key) == 0)
			return kv[i].val;
	return NULL;
}

const char *t_admin_key(void)
{
	return t_env("ADMIN_API_KEY");
}

void t_init(void)
{
	const char *dir = getenv("VH_STACK_DIR");
	char path[4096];

	if (!dir) {
		printf("Bail out! VH_STACK_DIR is not set (run through make check)\n");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/stack.env", dir);
	load_env(path);
	snprintf(path, sizeof(path), "%s/dev.env", dir);
	load_env(path);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	curl = curl_easy_init();
}

void t_after_fork(void)
{
	/* The parent's handle holds a kept-alive TLS connection; a child that
	 * wrote on it would interleave its requests and answers with its
	 * siblings' (each could read another's answer).  The inherited handle
	 * is dropped without a cleanup, which would close the parent's session. */
	curl = curl_easy_init();
}

void t_done(void)
{
	curl_easy_cleanup(curl);
	curl_global_cleanup();
}

struct sink {
	char *data;
	size_t len;
};

static size_t collect(char *p, size_t size, size_t n, void *user)
{
	struct sink *s = user;
	size_t add = size * n;

	s->data = realloc(s->data, s->len + add + 1);
	memcpy(s->data + s->len, p, add);
	s->len += add;
	s->data[s->len] = '\0';
	return add;
}

void t_request(struct t_resp *r, const char *base, const char *method, const char *path,
	       const char *const *headers, const char *content_type, const char *body, size_t len)
{
	struct sink b = {NULL, 0}, h = {NULL, 0};
	struct curl_slist *hl = NULL;
	char url[4096], ct[256];
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "%s%s", base ? base : t_env("VH_BASE_URL"), path);
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	/* VH_CA_OVERRIDE: a test talking to a peer with its own CA (pve-sim). */
	curl_easy_setopt(curl, CURLOPT_CAINFO,
			 getenv("VH_CA_OVERRIDE") ? getenv("VH_CA_OVERRIDE") : t_env("VH_CA_FILE"));
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	/* No "Expect: 100-continue": nginx should see the whole request. */
	hl = curl_slist_append(hl, "Expect:");
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		if (content_type) {
			snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
			hl = curl_slist_append(hl, ct);
		} else {
			/* curl would add a form type of its own. */
			hl = curl_slist_append(hl, "Content-Type:");
		}
	}
	for (; headers && *headers; headers++)
		hl = curl_slist_append(hl, *headers);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hl);
	rc = curl_easy_perform(curl);
	curl_slist_free_all(hl);
	if (rc != CURLE_OK) {
		tap_diag("%s %s: %s", method, path, curl_easy_strerror(rc));
		r->status = -1;
	} else {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
	}
	r->body = b.data ? b.data : calloc(1, 1);
	r->len = b.len;
	r->headers = h.data ? h.data : calloc(1, 1);
	if (r->len)
		r->json = json_tokener_parse(r->body);
}

void t_admin(struct t_resp *r, const char *method, const char *path, const char *json)
{
	char key[600];
	const char *hdr[] = {key, NULL};

	snprintf(key, sizeof(key), "X-Admin-Key: %s", t_admin_key());
	t_request(r, NULL, method, path, hdr, json ? "application/json" : NULL, json,
		  json ? strlen(json) : 0);
}

void t_resp_free(struct t_resp *r)
{
	json_object_put(r->json);
	free(r->body);
	free(r->headers);
	memset(r, 0, sizeof(*r));
}

const char *t_str(const struct t_resp *r, const char *key)
{
	json_object *v;

	if (!r->json || !json_object_object_get_ex(r->json, key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

const char *t_header(const struct t_resp *r, const char *name)
{
	static char val[1024];
	size_t n = strlen(name);
	const char *p = r->headers;

	while (p && *p) {
		const char *eol = strstr(p, "\r\n");

		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;
			size_t l;

			while (*v == ' ')
				v++;
			l = eol ? (size_t)(eol - v) : strlen(v);
			if (l >= sizeof(val))
				l = sizeof(val) - 1;
			memcpy(val, v, l);
			val[l] = '\0';
			return val;
		}
		p = eol ? eol + 2 : NULL;
	}
	return NULL;
}

int t_status(const struct t_resp *r, long want, const char *what)
{
	if (ok(r->status == want, "%s: status %ld", what, want))
		return 1;
	tap_diag("got %ld: %.300s", r->status, r->body);
	return 0;
}

int t_error(const struct t_resp *r, long want, const char *code, const char *what)
{
	const char *detail = t_str(r, "detail"), *c = t_str(r, "code"), *rid = t_str(r, "request_id");
	const char *xrid = t_header(r, "X-Request-ID");
	int good = r->status == want && r->json && detail && *detail && c &&
		   (!code || strcmp(c, code) == 0) && rid && xrid && strcmp(rid, xrid) == 0;
	const char *ctype = t_header(r, "Content-Type");

	good = good && ctype && strncmp(ctype, "application/json", 16) == 0;
	if (!ok(good, "%s: %ld JSON error%s%s", what, want, code ? " " : "", code ? code : ""))
		tap_diag("got %ld: %.300s", r->status, r->body);
	return good;
}

int t_has_field_error(const struct t_resp *r, const char *field)
{
	json_object *errs;
	size_t i;

	if (!r->json || !json_object_object_get_ex(r->json, "errors", &errs))
		return 0;
	for (i = 0; i < json_object_array_length(errs); i++) {
		json_object *e = json_object_array_get_idx(errs, i), *f;

		if (json_object_object_get_ex(e, "field", &f) &&
		    strcmp(json_object_get_string(f), field) == 0)
			return 1;
	}
	return 0;
}

int t_stack(const char *cmd)
{
	char line[8192];
	size_t word = strcspn(cmd, " ");
	int rc;

	/* "kill-worker 1": the command, the stack directory, then its
	 * arguments. */
	snprintf(line, sizeof(line), "'%s/tests/stack' %.*s '%s' %s >&2", getenv("VH_SRCDIR"),
		 (int)word, cmd, getenv("VH_STACK_DIR"), cmd + word);
	rc = system(line);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

const char *t_fill(const char *fmt, const char *sfx)
{
	static char buf[8][2048];
	static int next;
	char *out = buf[next++ % 8];
	size_t o = 0;
	const char *q;

	while (*fmt && o + 1 < sizeof(buf[0])) {
		if (fmt[0] == '%' && fmt[1] == 's') {
			for (q = sfx; *q && o + 1 < sizeof(buf[0]); q++)
				out[o++] = *q;
			fmt += 2;
		} else {
			out[o++] = *fmt++;
		}
	}
	out[o] = '\0';
	return out;
}

const char *t_unique_email(const char *tag)
{
	static char buf[8][128];
	static int next;
	unsigned char rnd[6];
	FILE *f = fopen("/dev/urandom", "rb");
	char *out = buf[next++ % 8];

	if (!f || fread(rnd, 1, sizeof(rnd), f) != sizeof(rnd))
		abort();
	fclose(f);
	snprintf(out, 128, "%s-%02x%02x%02x%02x%02x%02x@example.com", tag, rnd[0], rnd[1], rnd[2],
		 rnd[3], rnd[4], rnd[5]);
	return out;
}
