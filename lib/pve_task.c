/* PVE tasks: UPIDs read exactly as pve-common's upid_decode reads them,
 * task status and log, and waiting for a task with back-off. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"
#include "pool.h"
#include "pve_impl.h"

/* How much of a failed task's log to keep for the event. */
#define TAIL_LINES 12
/* A status poll may fail now and then (a proxy hiccup) without the task
 * failing; this many in a row end the wait. */
#define POLL_FAILURES_MAX 5

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One UPID field: copy [s, s+n) into out if it fits and every byte passes
 * ok(); an empty field only when may_be_empty. */
static int field(const char *s, size_t n, char *out, size_t cap, int (*ok)(int), int may_be_empty)
{
	size_t i;

	if ((n == 0 && !may_be_empty) || n >= cap)
		return -1;
	for (i = 0; i < n; i++)
		if (!ok((unsigned char)s[i]))
			return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

static int is_name(int c)
{
	return isalnum(c) || c == '-';
}

static int is_word(int c)
{
	return c != ':' && !isspace(c) && c != '\0';
}

static int hex_field(const char *s, size_t n, size_t min, size_t max, unsigned long *out)
{
	char buf[16];

	if (n < min || n > max || field(s, n, buf, sizeof(buf), isxdigit, 0) != 0)
		return -1;
	*out = strtoul(buf, NULL, 16);
	return 0;
}

/* UPID:<node>:<pid 8 hex>:<pstart 8-9 hex>:<starttime 8 hex>:<type>:<id>:<user>:
 * with the node a host name (letters, digits, inner '-'), type and user
 * non-empty, id possibly empty, no whitespace, and the trailing colon. */
int vh_pve_upid_parse(const char *upid, struct vh_pve_upid *u)
{
	const char *f[8], *s;
	size_t len[8];
	int i;

	memset(u, 0, sizeof(*u));
	if (!upid || strncmp(upid, "UPID:", 5) != 0)
		return -1;
	s = upid + 5;
	for (i = 0; i < 7; i++) {
		const char *c = strchr(s, ':');

		if (!c)
			return -1;
		f[i] = s;
		len[i] = (size_t)(c - s);
		s = c + 1;
	}
	if (*s != '\0')
		return -1;
	if (field(f[0], len[0], u->node, sizeof(u->node), is_name, 0) != 0 || f[0][0] == '-' ||
	    f[0][len[0] - 1] == '-')
		return -1;
	if (hex_field(f[1], len[1], 8, 8, &u->pid) != 0 ||
	    hex_field(f[2], len[2], 8, 9, &u->pstart) != 0 ||
	    hex_field(f[3], len[3], 8, 8, &u->starttime) != 0)
		return -1;
	if (field(f[4], len[4], u->type, sizeof(u->type), is_word, 0) != 0 ||
	    field(f[5], len[5], u->id, sizeof(u->id), is_word, 1) != 0 ||
	    field(f[6], len[6], u->user, sizeof(u->user), is_word, 0) != 0)
		return -1;
	return 0;
}

const char *vh_pve_upid_node(struct vh_pool *pool, const char *upid)
{
	struct vh_pve_upid u;

	return vh_pve_upid_parse(upid, &u) == 0 ? vh_pstrdup(pool, u.node) : NULL;
}

/* /nodes/<node>/tasks/<upid><rest>; the UPID keeps its ':', '@' and '!'
 * (legal in a path segment, and what PVE's own clients send). */
static const char *task_path(struct vh_pool *pool, const char *upid, const char *rest,
			     struct vh_pve_error *pe)
{
	struct vh_pve_upid u;
	struct vh_buf b = VH_BUF_INIT;
	const char *out;

	if (vh_pve_upid_parse(upid, &u) != 0) {
		vh_pve_seterr(pe, VH_PVE_PROTOCOL, 0, "not a task id (UPID)");
		return NULL;
	}
	vh_buf_printf(&b, "/nodes/%s/tasks/", u.node);
	for (const unsigned char *c = (const unsigned char *)upid; *c; c++) {
		if (isalnum(*c) || strchr("-_.~:@!", *c))
			vh_buf_addc(&b, (char)*c);
		else
			vh_buf_printf(&b, "%%%02X", *c);
	}
	vh_buf_adds(&b, rest);
	out = vh_pstrdup(pool, vh_buf_str(&b));
	vh_buf_free(&b);
	return out;
}

static void read_task(json_object *d, struct vh_pool *pool, struct vh_pve_task *t)
{
	const char *status = json_object_get_string(json_object_object_get(d, "status"));
	const char *exitstatus = json_object_get_string(json_object_object_get(d, "exitstatus"));

	memset(t, 0, sizeof(*t));
	if (!status || strcmp(status, "stopped") != 0) {
		t->state = VH_PVE_TASK_RUNNING;
		return;
	}
	t->exitstatus = vh_pstrdup(pool, exitstatus ? exitstatus : "");
	if (!strcmp(t->exitstatus, "OK")) {
		t->state = VH_PVE_TASK_OK;
	} else if (!strncmp(t->exitstatus, "WARNINGS: ", 10)) {
		t->state = VH_PVE_TASK_WARNINGS;
		t->warnings = atoi(t->exitstatus + 10);
	} else {
		t->state = VH_PVE_TASK_ERROR;
	}
}

enum vh_status vh_pve_task_status(struct vh_pve *pve, struct vh_pool *pool, const char *upid,
				  struct vh_pve_task *out, struct vh_pve_error *pe,
				  struct vh_err *err)
{
	const char *path = task_path(pool, upid, "/status", pe);
	json_object *d;
	enum vh_status st;

	if (!path)
		return vh_pve_error_status(pe, err);
	st = vh_pve_call(pve, pool, "GET", path, NULL, &d, pe, err);
	if (st != VH_OK)
		return st;
	if (!json_object_is_type(d, json_type_object)) {
		vh_pve_seterr(pe, VH_PVE_PROTOCOL, 200, "the task status is not an object");
		return vh_pve_error_status(pe, err);
	}
	read_task(d, pool, out);
	return VH_OK;
}

enum vh_status vh_pve_task_log(struct vh_pve *pve, struct vh_pool *pool, const char *upid,
			       long start, long limit, json_object **lines, long *total,
			       struct vh_pve_error *pe, struct vh_err *err)
{
	const char *path = task_path(pool, upid, "/log", pe), *form = NULL;
	json_object *d, *env, *arr;
	enum vh_status st;
	size_t i;

	*lines = NULL;
	*total = 0;
	if (!path)
		return vh_pve_error_status(pe, err);
	vh_pve_form_int(pool, &form, "start", start);
	vh_pve_form_int(pool, &form, "limit", limit);
	st = vh_pve_call_env(pve, pool, "GET", path, form, &d, &env, pe, err);
	if (st != VH_OK)
		return st;
	if (!json_object_is_type(d, json_type_array)) {
		vh_pve_seterr(pe, VH_PVE_PROTOCOL, 200, "the task log is not a list");
		return vh_pve_error_status(pe, err);
	}
	/* [{"n":1,"t":"text"}] → ["text"]: callers want the words. */
	arr = vh_json_own(pool, json_object_new_array());
	for (i = 0; i < json_object_array_length(d); i++) {
		const char *t = json_object_get_string(
			json_object_object_get(json_object_array_get_idx(d, i), "t"));

		json_object_array_add(arr, json_object_new_string(t ? t : ""));
	}
	*lines = arr;
	*total = json_object_object_get(env, "total")
			 ? json_object_get_int64(json_object_object_get(env, "total"))
			 : start + (long)i;
	return VH_OK;
}

/* The last lines of a task's log into pe->log_tail, best effort: the
 * failure itself is already known and is what the caller reports. */
static void fetch_tail(struct vh_pve *pve, struct vh_pool *pool, const char *upid,
		       struct vh_pve_error *pe)
{
	struct vh_pve_error pe2;
	struct vh_err err2;
	json_object *lines;
	long total;
	struct vh_buf b = VH_BUF_INIT;
	size_t i, n;

	vh_err_clear(&err2);
	if (vh_pve_task_log(pve, pool, upid, 0, 1, &lines, &total, &pe2, &err2) != VH_OK)
		return;
	if (total > TAIL_LINES &&
	    vh_pve_task_log(pve, pool, upid, total - TAIL_LINES, TAIL_LINES, &lines, &total, &pe2,
			    &err2) != VH_OK)
		return;
	if (total > 1 && total <= TAIL_LINES &&
	    vh_pve_task_log(pve, pool, upid, 0, TAIL_LINES, &lines, &total, &pe2, &err2) != VH_OK)
		return;
	n = json_object_array_length(lines);
	for (i = 0; i < n; i++)
		vh_buf_printf(&b, "%s%s", i ? "\n" : "",
			      json_object_get_string(json_object_array_get_idx(lines, i)));
	/* Keep the end when it does not all fit: the error is last. */
	if (b.len >= sizeof(pe->log_tail))
		snprintf(pe->log_tail, sizeof(pe->log_tail), "%s",
			 vh_buf_str(&b) + b.len - (sizeof(pe->log_tail) - 1));
	else
		snprintf(pe->log_tail, sizeof(pe->log_tail), "%s", vh_buf_str(&b));
	vh_buf_free(&b);
}

enum vh_status vh_pve_task_wait(struct vh_pve *pve, struct vh_pool *pool, const char *upid,
				long deadline_ms, struct vh_pve_task *out,
				struct vh_pve_error *pe, struct vh_err *err)
{
	long start = now_ms(), step = 100, left;
	int failures = 0;
	struct vh_pve_task t;
	struct vh_pve_upid u;
	enum vh_status st;
	enum vh_pve_kind k;

	if (out)
		memset(out, 0, sizeof(*out));
	if (vh_pve_upid_parse(upid, &u) != 0) {
		vh_pve_seterr(pe, VH_PVE_PROTOCOL, 0, "not a task id (UPID)");
		return vh_pve_error_status(pe, err);
	}
	for (;;) {
		st = vh_pve_task_status(pve, pool, upid, &t, pe, err);
		if (st == VH_OK && t.state != VH_PVE_TASK_RUNNING)
			break;
		/* The task runs on whatever happens to one poll; only a
		 * retryable failure is worth polling through. */
		if (st != VH_OK && (st != VH_TRANSIENT || ++failures >= POLL_FAILURES_MAX))
			return st;
		if (st == VH_OK)
			failures = 0;
		left = deadline_ms - (now_ms() - start);
		if (left <= 0) {
			vh_pve_seterr(pe, VH_PVE_TIMEOUT, 0, NULL);
			snprintf(pe->message, sizeof(pe->message),
				 "task %s %s still running after %ld ms", u.type, u.id, deadline_ms);
			return vh_pve_error_status(pe, err);
		}
		usleep((useconds_t)(step < left ? step : left) * 1000);
		step = step * 2 > 2000 ? 2000 : step * 2;
	}
	if (out)
		*out = t;
	if (t.state != VH_PVE_TASK_ERROR)
		return VH_OK;
	k = vh_pve_classify_task(t.exitstatus);
	vh_pve_seterr(pe, VH_PVE_TASK_FAILED, 200, t.exitstatus[0] ? t.exitstatus
								   : "the task ended without a status");
	pe->cause = k;
	fetch_tail(pve, pool, upid, pe);
	return vh_pve_error_status(pe, err);
}
