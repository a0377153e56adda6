#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pool.h"

void vh_buf_reserve(struct vh_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	size_t cap;

	if (need < b->len)
		vh_oom();
	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	b->data = vh_xrealloc(b->data, cap);
	b->cap = cap;
}

void vh_buf_add(struct vh_buf *b, const void *p, size_t n)
{
	vh_buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void vh_buf_adds(struct vh_buf *b, const char *s)
{
	vh_buf_add(b, s, strlen(s));
}

void vh_buf_addc(struct vh_buf *b, char c)
{
	vh_buf_add(b, &c, 1);
}

void vh_buf_printf(struct vh_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	vh_buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void vh_buf_add_json_escaped(struct vh_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	vh_buf_reserve(b, n);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"': vh_buf_add(b, "\\\"", 2); break;
		case '\\': vh_buf_add(b, "\\\\", 2); break;
		case '\n': vh_buf_add(b, "\\n", 2); break;
		case '\r': vh_buf_add(b, "\\r", 2); break;
		case '\t': vh_buf_add(b, "\\t", 2); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

				vh_buf_add(b, esc, sizeof(esc));
			} else {
				vh_buf_addc(b, (char)c);
			}
		}
	}
}

void vh_buf_clear(struct vh_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void vh_buf_free(struct vh_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

const char *vh_buf_str(const struct vh_buf *b)
{
	return b->data ? b->data : "";
}
