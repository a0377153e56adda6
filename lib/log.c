#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"

static const char *log_program = "vibehost";
static enum vh_log_level log_min = VH_LOG_INFO;
static int log_fd = 2;
static char log_request_id[72];

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void vh_log_init(const char *program, enum vh_log_level min_level, int fd)
{
	log_program = program;
	log_min = min_level;
	log_fd = fd;
}

int vh_log_parse_level(const char *s, enum vh_log_level *out)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum vh_log_level)i;
			return 0;
		}
	}
	return -1;
}

void vh_log_set_request_id(const char *request_id)
{
	snprintf(log_request_id, sizeof(log_request_id), "%s", request_id ? request_id : "");
}

static void add_str_field(struct vh_buf *b, const char *key, const char *val)
{
	vh_buf_printf(b, ",\"%s\":\"", key);
	vh_buf_add_json_escaped(b, val, strlen(val));
	vh_buf_addc(b, '"');
}

/* kv holds pairs: a key, then its value.  A value that starts with a digit
 * or '-' and is made only of digits is written as a JSON number. */
void vh_log_render(struct vh_buf *b, enum vh_log_level level, const char *msg,
		   const char *const *kv, size_t nkv)
{
	struct timespec ts;
	struct tm tm;
	char when[40];
	size_t i;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	vh_buf_printf(b, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\"", when, ts.tv_nsec / 1000000,
		      level_names[level]);
	add_str_field(b, "program", log_program);
	if (log_request_id[0])
		add_str_field(b, "request_id", log_request_id);
	if (msg)
		add_str_field(b, "msg", msg);
	for (i = 0; i + 1 < nkv; i += 2) {
		const char *v = kv[i + 1] ? kv[i + 1] : "";
		size_t n = strlen(v), j = (v[0] == '-');

		if (n > j && n < 20 && strspn(v + j, "0123456789") == n - j) {
			vh_buf_printf(b, ",\"%s\":%s", kv[i], v);
		} else {
			add_str_field(b, kv[i], v);
		}
	}
	vh_buf_adds(b, "}\n");
}

static void emit(enum vh_log_level level, const char *msg, const char *const *kv, size_t nkv)
{
	struct vh_buf b = VH_BUF_INIT;

	if (level < log_min)
		return;
	vh_log_render(&b, level, msg, kv, nkv);
	/* One write per line: lines from several processes never interleave. */
	(void)!write(log_fd, b.data, b.len);
	vh_buf_free(&b);
}

void vh_log(enum vh_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (level < log_min)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(level, msg, NULL, 0);
}

void vh_log_request(const char *method, const char *path, int status, long long duration_us,
		    const char *actor)
{
	char st[16], dur[24];
	const char *kv[10];

	snprintf(st, sizeof(st), "%d", status);
	snprintf(dur, sizeof(dur), "%lld", duration_us);
	kv[0] = "method";
	kv[1] = method;
	kv[2] = "path";
	kv[3] = path;
	kv[4] = "status";
	kv[5] = st;
	kv[6] = "duration_us";
	kv[7] = dur;
	kv[8] = "actor";
	kv[9] = actor;
	emit(status >= 500 ? VH_LOG_ERROR : VH_LOG_INFO, "request", kv, actor ? 10 : 8);
}
