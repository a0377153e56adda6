/* A growable, length-carrying byte buffer (always NUL-terminated) for
 * building log lines, responses and anything else whose size is not known in
 * advance.  Replaces strcat/sprintf chains. */
#ifndef VH_BUF_H
#define VH_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct vh_buf {
	char *data;
	size_t len;
	size_t cap;
};

#define VH_BUF_INIT {NULL, 0, 0}

void vh_buf_reserve(struct vh_buf *b, size_t extra);
void vh_buf_add(struct vh_buf *b, const void *p, size_t n);
void vh_buf_adds(struct vh_buf *b, const char *s);
void vh_buf_addc(struct vh_buf *b, char c);
void vh_buf_printf(struct vh_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as the inside of a JSON string: quotes, backslashes and every
 * control character escaped, so a log line stays one line. */
void vh_buf_add_json_escaped(struct vh_buf *b, const char *s, size_t n);
void vh_buf_clear(struct vh_buf *b);
void vh_buf_free(struct vh_buf *b);
const char *vh_buf_str(const struct vh_buf *b);

#endif
