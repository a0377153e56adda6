#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool.h"

#define POOL_BLOCK 16384
#define POOL_ALIGN 16

struct block {
	struct block *next;
	size_t size;
	size_t used;
	/* data follows, aligned */
	max_align_t data[];
};

struct cleanup {
	struct cleanup *next;
	vh_cleanup_fn fn;
	void *data;
};

struct vh_pool {
	struct block *head;      /* current block; the first block is the tail */
	struct cleanup *cleanups;
};

void vh_oom(void)
{
	static const char msg[] = "{\"level\":\"fatal\",\"msg\":\"out of memory\"}\n";

	(void)!write(2, msg, sizeof(msg) - 1);
	abort();
}

void *vh_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		vh_oom();
	return p;
}

void *vh_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		vh_oom();
	return p;
}

void *vh_xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		vh_oom();
	return p;
}

char *vh_xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		vh_oom();
	return p;
}

static struct block *block_new(size_t size)
{
	struct block *b = vh_xmalloc(sizeof(*b) + size);

	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

struct vh_pool *vh_pool_new(void)
{
	struct vh_pool *pool = vh_xcalloc(1, sizeof(*pool));

	pool->head = block_new(POOL_BLOCK);
	return pool;
}

static void run_cleanups(struct vh_pool *pool)
{
	/* Cleanups were pushed on a list, so they run last-registered first. */
	while (pool->cleanups) {
		struct cleanup *c = pool->cleanups;

		pool->cleanups = c->next;
		c->fn(c->data);
	}
}

void vh_pool_reset(struct vh_pool *pool)
{
	run_cleanups(pool);
	while (pool->head->next) {
		struct block *b = pool->head;

		pool->head = b->next;
		free(b);
	}
	pool->head->used = 0;
}

void vh_pool_free(struct vh_pool *pool)
{
	if (!pool)
		return;
	vh_pool_reset(pool);
	free(pool->head);
	free(pool);
}

void *vh_palloc(struct vh_pool *pool, size_t size)
{
	struct block *b = pool->head;
	size_t need = (size + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1);
	void *p;

	if (need < size)
		vh_oom();
	if (b->size - b->used < need) {
		/* Large allocations get a block of their own so that a big body
		 * does not waste the rest of a standard block. */
		b = block_new(need > POOL_BLOCK / 4 ? need : POOL_BLOCK);
		b->next = pool->head;
		pool->head = b;
	}
	p = (char *)b->data + b->used;
	b->used += need;
	memset(p, 0, size);
	return p;
}

char *vh_pstrndup(struct vh_pool *pool, const char *s, size_t n)
{
	char *p = vh_palloc(pool, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *vh_pstrdup(struct vh_pool *pool, const char *s)
{
	return s ? vh_pstrndup(pool, s, strlen(s)) : NULL;
}

char *vh_pvsprintf(struct vh_pool *pool, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *p;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		vh_oom();
	p = vh_palloc(pool, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *vh_psprintf(struct vh_pool *pool, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = vh_pvsprintf(pool, fmt, ap);
	va_end(ap);
	return p;
}

void vh_pool_cleanup(struct vh_pool *pool, vh_cleanup_fn fn, void *data)
{
	struct cleanup *c = vh_palloc(pool, sizeof(*c));

	c->fn = fn;
	c->data = data;
	c->next = pool->cleanups;
	pool->cleanups = c;
}
