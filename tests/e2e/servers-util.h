/* Helpers for the server lifecycle tests: acting as a user (admin key +
 * X-Impersonate-User, as the front end's back office does), ordering,
 * waiting for jobs, and reading pve-sim's state. */
#ifndef VH_E2E_SERVERS_UTIL_H
#define VH_E2E_SERVERS_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "notify-util.h"

/* A request as user uid (NULL: as the admin). */
static inline void s_req(struct t_resp *r, const char *uid, const char *method, const char *path,
			 const char *json, const char *extra_header)
{
	char key[600], imp[128];
	const char *h[4] = {key, NULL, NULL, NULL};
	int n = 1;

	snprintf(key, sizeof(key), "X-Admin-Key: %s", t_admin_key());
	if (uid) {
		snprintf(imp, sizeof(imp), "X-Impersonate-User: %s", uid);
		h[n++] = imp;
	}
	if (extra_header)
		h[n++] = extra_header;
	t_request(r, NULL, method, path, h, json ? "application/json" : NULL, json,
		  json ? strlen(json) : 0);
}

static inline const char *s_get(struct t_resp *r, const char *key, char *buf, size_t size)
{
	const char *v = t_str(r, key);

	snprintf(buf, size, "%s", v ? v : "");
	return buf;
}

/* Poll GET /jobs/{id} until it ends; returns its state ("succeeded",
 * "failed") in state, or "timeout". */
static inline void s_wait_job(const char *job_id, long timeout_ms, char state[16])
{
	struct t_resp r;
	char path[128];
	long waited = 0;

	snprintf(path, sizeof(path), "/jobs/%.40s", job_id);
	snprintf(state, 16, "timeout");
	while (waited < timeout_ms) {
		s_req(&r, NULL, "GET", path, NULL, NULL);
		if (r.status == 200 && t_str(&r, "state") &&
		    (!strcmp(t_str(&r, "state"), "succeeded") || !strcmp(t_str(&r, "state"), "failed"))) {
			snprintf(state, 16, "%s", t_str(&r, "state"));
			if (!strcmp(state, "failed"))
				tap_diag("job %s failed: %s", job_id, t_str(&r, "error") ? t_str(&r, "error") : "");
			t_resp_free(&r);
			return;
		}
		t_resp_free(&r);
		usleep(100000);
		waited += 100;
	}
	tap_diag("job %s did not finish in %ld ms", job_id, timeout_ms);
}

/* A new user with a phone; id and phone filled. */
static inline int s_user(char id[40], char phone[12])
{
	return n_new_user(id, phone);
}

/* Order a server as uid; fills server and job ids.  Returns the status. */
static inline long s_order(const char *uid, const char *json, char sid[40], char jid[40])
{
	struct t_resp r;
	long st;

	s_req(&r, uid, "POST", "/servers", json, NULL);
	st = r.status;
	s_get(&r, "id", sid, 40);
	s_get(&r, "job_id", jid, 40);
	if (st != 202)
		tap_diag("POST /servers: %ld %.300s", r.status, r.body);
	t_resp_free(&r);
	return st;
}

/* pve-sim's VMs (json_object_put it). */
static inline json_object *s_sim_vms(void)
{
	struct t_resp r;
	json_object *vms = NULL;

	setenv("VH_CA_OVERRIDE", t_env("VH_PVE_CA_FILE"), 1);
	t_request(&r, t_env("VH_PVE_URL"), "GET", "/_sim/state", NULL, NULL, NULL, 0);
	unsetenv("VH_CA_OVERRIDE");
	if (r.status == 200 && json_object_object_get_ex(r.json, "vms", &vms))
		json_object_get(vms);
	else
		tap_diag("GET /_sim/state: %ld", r.status);
	t_resp_free(&r);
	return vms;
}

/* How many VMs pve-sim holds with vmid (0 or 1), -1 on error. */
static inline int s_sim_has_vm(long vmid)
{
	json_object *vms = s_sim_vms(), *v;
	size_t i;
	int n = 0;

	if (!vms)
		return -1;
	for (i = 0; i < json_object_array_length(vms); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(vms, i), "vmid", &v) &&
		    json_object_get_int64(v) == vmid)
			n++;
	json_object_put(vms);
	return n;
}

/* How many pve-sim VMs carry this server's id in their description. */
static inline int s_sim_vms_of(const char *server_id)
{
	json_object *vms = s_sim_vms();
	size_t i;
	int n = 0;

	if (!vms)
		return -1;
	for (i = 0; i < json_object_array_length(vms); i++) {
		json_object *cfg, *d;

		if (json_object_object_get_ex(json_object_array_get_idx(vms, i), "config", &cfg) &&
		    json_object_object_get_ex(cfg, "description", &d) &&
		    strstr(json_object_get_string(d), server_id))
			n++;
	}
	json_object_put(vms);
	return n;
}

/* POST a JSON body to pve-sim's control path; returns the status. */
static inline long s_sim(const char *path, const char *json)
{
	struct t_resp r;
	long st;

	setenv("VH_CA_OVERRIDE", t_env("VH_PVE_CA_FILE"), 1);
	t_request(&r, t_env("VH_PVE_URL"), "POST", path, NULL, "application/json", json,
		  json ? strlen(json) : 0);
	unsetenv("VH_CA_OVERRIDE");
	st = r.status;
	if (st >= 300)
		tap_diag("POST %s: %ld %.200s", path, r.status, r.body);
	t_resp_free(&r);
	return st;
}

/* Whether any log file of the stack (API, workers, nginx, simulators)
 * contains needle. */
static inline int s_logs_contain(const char *needle)
{
	char cmd[1024];
	int rc;

	if (!*needle || strspn(needle, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") !=
			      strlen(needle))
		return -1;
	snprintf(cmd, sizeof(cmd), "grep -rqF -- '%s' '%s/log'", needle, t_env("VH_STACK_DIR"));
	rc = system(cmd);
	return WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

#endif
