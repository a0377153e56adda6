/* Request-scoped memory.  Everything a request allocates comes from its pool
 * and is released in one place, vh_pool_reset(), after the response is sent,
 * so handlers never free piecemeal and nothing leaks from one request into
 * the next.  Allocation failure aborts the process: a FastCGI worker that
 * cannot get memory is restarted by multiwatch, which is better than
 * answering half a response. */
#ifndef VH_POOL_H
#define VH_POOL_H

#include <stdarg.h>
#include <stddef.h>

struct vh_pool;

typedef void (*vh_cleanup_fn)(void *data);

struct vh_pool *vh_pool_new(void);
void vh_pool_free(struct vh_pool *pool);
/* Run the cleanups (last registered first) and release every block but the
 * first, which is kept for the next request. */
void vh_pool_reset(struct vh_pool *pool);

void *vh_palloc(struct vh_pool *pool, size_t size);   /* zeroed */
char *vh_pstrdup(struct vh_pool *pool, const char *s);
char *vh_pstrndup(struct vh_pool *pool, const char *s, size_t n);
char *vh_psprintf(struct vh_pool *pool, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *vh_pvsprintf(struct vh_pool *pool, const char *fmt, va_list ap);

/* Call fn(data) when the pool is reset or freed (e.g. json_object_put). */
void vh_pool_cleanup(struct vh_pool *pool, vh_cleanup_fn fn, void *data);

/* Abort with a message; used on allocation failure everywhere. */
void vh_oom(void) __attribute__((noreturn));
void *vh_xmalloc(size_t size);
void *vh_xcalloc(size_t n, size_t size);
void *vh_xrealloc(void *p, size_t size);
char *vh_xstrdup(const char *s);

#endif
