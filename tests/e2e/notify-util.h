/* Helpers shared by the SMS end-to-end tests: users with their own random
 * phone numbers, bin/vibehost-notify runs against the test stack, the
 * simulator's record and the admin view of one notice.  Every assertion is
 * scoped to the test's own users, phones and notice ids: other tests use
 * the same outbox and simulator at the same time. */
#ifndef VH_E2E_NOTIFY_UTIL_H
#define VH_E2E_NOTIFY_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

static inline void n_random_phone(char out[12])
{
	unsigned char r[8];
	FILE *f = fopen("/dev/urandom", "rb");
	int i;

	if (!f || fread(r, 1, sizeof(r), f) != sizeof(r))
		abort();
	fclose(f);
	memcpy(out, "010", 3);
	for (i = 0; i < 8; i++)
		out[3 + i] = (char)('0' + r[i] % 10);
	out[11] = '\0';
}

/* A new user with a phone number of its own; id and phone are filled. */
static inline int n_new_user(char id[40], char phone[12])
{
	struct t_resp r;
	char body[256];
	int good;

	n_random_phone(phone);
	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"phone_number\":\"%s\"}",
		 t_unique_email("sms"), phone);
	t_admin(&r, "POST", "/users", body);
	good = r.status == 201 && t_str(&r, "id");
	snprintf(id, 40, "%s", good ? t_str(&r, "id") : "");
	if (!good)
		tap_diag("POST /users: %ld %.200s", r.status, r.body);
	t_resp_free(&r);
	return good;
}

/* Run bin/<prog> (n_run: vibehost-notify) with the stack's configuration; env is extra
 * "KEY=value ..." settings (they win over dev.env).  Everything it prints,
 * logs included, lands in out; returns the exit status. */
static inline int n_run_prog(const char *prog, const char *env, const char *args, char *out,
			     size_t size)
{
	char cmd[4096];
	size_t len = 0, got;
	FILE *p;
	int rc;

	snprintf(cmd, sizeof(cmd),
		 "env VIBEHOST_CONFIG='%s/dev.env' %s '%s/bin/%s' %s 2>&1",
		 getenv("VH_STACK_DIR"), env ? env : "", getenv("VH_BUILDDIR"), prog, args ? args : "");
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (len + 1 < size && (got = fread(out + len, 1, size - len - 1, p)) > 0)
		len += got;
	out[len] = '\0';
	rc = pclose(p);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static inline int n_run(const char *env, const char *args, char *out, size_t size)
{
	return n_run_prog("vibehost-notify", env, args, out, size);
}

/* The one-line JSON summary of a deliver run (the line that starts with
 * {"claimed"), parsed; NULL when there is none. */
static inline json_object *n_summary(const char *out)
{
	const char *p = strstr(out, "{\"claimed\"");
	char line[1024];

	if (!p)
		return NULL;
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
	return json_tokener_parse(line);
}

static inline long long n_int(json_object *o, const char *key)
{
	json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

static inline const char *n_str(json_object *o, const char *key)
{
	json_object *v;

	return o && json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : NULL;
}

/* Deliver one user's due notices; returns the exit status, summary in *sum
 * (json_object_put it). */
static inline int n_deliver(const char *env, const char *user, json_object **sum)
{
	static char out[65536];
	char args[128];
	int rc;

	snprintf(args, sizeof(args), "deliver%s%s", user ? " --user " : "", user ? user : "");
	rc = n_run(env, args, out, sizeof(out));
	*sum = n_summary(out);
	if (!*sum)
		tap_diag("no summary from deliver: %.500s", out);
	return rc;
}

/* Enqueue; returns 1 created, 0 deduplicated, -1 refused (message in out). */
static inline int n_enqueue(const char *env, const char *args, char id[40])
{
	char out[8192];
	json_object *o;
	int rc = n_run(env, args, out, sizeof(out)), created = -1;
	const char *line = strstr(out, "{\"id\"");

	id[0] = '\0';
	o = rc == 0 ? json_tokener_parse(line ? line : out) : NULL;
	if (o && n_str(o, "id")) {
		snprintf(id, 40, "%s", n_str(o, "id"));
		created = json_object_get_boolean(json_object_object_get(o, "created"));
	} else if (rc == 0) {
		tap_diag("enqueue printed %.300s", out);
	}
	json_object_put(o);
	return created;
}

/* The simulator's accepted messages for a recipient (json_object_put it). */
static inline json_object *n_sim_messages(const char *to)
{
	struct t_resp r;
	char path[128];
	json_object *arr = NULL;

	snprintf(path, sizeof(path), "/_sim/messages?to=%s", to);
	t_request(&r, t_env("VH_SOLAPI_URL"), "GET", path, NULL, NULL, NULL, 0);
	if (r.status == 200 && json_object_object_get_ex(r.json, "messages", &arr))
		json_object_get(arr);
	else
		tap_diag("GET %s: %ld %.200s", path, r.status, r.body);
	t_resp_free(&r);
	return arr;
}

/* How many accepted messages the simulator holds for notice ref. */
static inline int n_sim_count_ref(const char *to, const char *ref)
{
	json_object *arr = n_sim_messages(to);
	size_t i;
	int n = 0;

	for (i = 0; arr && i < json_object_array_length(arr); i++) {
		json_object *m = json_object_array_get_idx(arr, i), *cf;

		if (json_object_object_get_ex(m, "customFields", &cf) && n_str(cf, "ref") &&
		    strcmp(n_str(cf, "ref"), ref) == 0)
			n++;
	}
	json_object_put(arr);
	return n;
}

static inline int n_sim_fault(const char *json)
{
	struct t_resp r;
	int good;

	t_request(&r, t_env("VH_SOLAPI_URL"), "POST", "/_sim/faults", NULL, "application/json",
		  json, strlen(json));
	good = r.status == 201;
	if (!good)
		tap_diag("POST /_sim/faults: %ld %.200s", r.status, r.body);
	t_resp_free(&r);
	return good;
}

/* The admin view of notice id of user (json_object_put it), or NULL. */
static inline json_object *n_notice(const char *user, const char *id)
{
	struct t_resp r;
	char path[160];
	json_object *items, *found = NULL;
	size_t i;

	snprintf(path, sizeof(path), "/admin/notifications?user=%s&limit=200", user);
	t_admin(&r, "GET", path, NULL);
	if (r.status == 200 && json_object_object_get_ex(r.json, "items", &items)) {
		for (i = 0; i < json_object_array_length(items); i++) {
			json_object *it = json_object_array_get_idx(items, i);

			if (n_str(it, "id") && strcmp(n_str(it, "id"), id) == 0)
				found = json_object_get(it);
		}
	} else {
		tap_diag("GET %s: %ld %.200s", path, r.status, r.body);
	}
	t_resp_free(&r);
	return found;
}

#endif
