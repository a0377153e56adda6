/* One JSON object per line on stderr (journald or the dev log file):
 *   {"time":"2026-11-23T03:20:29.123Z","level":"info","request_id":"…","msg":"…",…}
 * Every string is escaped so a hostile path or header cannot forge a second
 * line.  Callers must never pass secrets; the config module masks them. */
#ifndef VH_LOG_H
#define VH_LOG_H

#include <stddef.h>

enum vh_log_level { VH_LOG_DEBUG, VH_LOG_INFO, VH_LOG_WARN, VH_LOG_ERROR };

void vh_log_init(const char *program, enum vh_log_level min_level, int fd);
int vh_log_parse_level(const char *s, enum vh_log_level *out);
/* The request id that later lines carry, until cleared with NULL. */
void vh_log_set_request_id(const char *request_id);

/* A free-form event: msg is formatted printf-style and escaped. */
void vh_log(enum vh_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The access line of one FastCGI request. */
void vh_log_request(const char *method, const char *path, int status, long long duration_us,
		    const char *actor);

/* Exposed for the unit tests: render a line into buf (no trailing newline
 * added by callers; the function adds it). */
struct vh_buf;
void vh_log_render(struct vh_buf *b, enum vh_log_level level, const char *msg,
		   const char *const *kv, size_t nkv);

#endif
