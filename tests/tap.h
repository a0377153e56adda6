/* A minimal TAP producer for the C tests (Automake's tap-driver.sh reads
 * it).  Header-only so each test is one file. */
#ifndef VH_TAP_H
#define VH_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Weak so that a test and its harness (two files) share one counter. */
__attribute__((weak)) int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;
	char msg[512], *p;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A description is one TAP line: no line breaks, no '#' directive. */
	for (p = msg; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '#')
			*p = ' ';
	printf("%sok %d - %s\n", cond ? "" : "not ", ++tap_n, msg);
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)

#define is_int(got, want, ...)                                                        \
	do {                                                                          \
		long long g_ = (long long)(got), w_ = (long long)(want);              \
		if (!tap_ok(g_ == w_, __VA_ARGS__))                                   \
			printf("#   got %lld, want %lld\n", g_, w_);                      \
	} while (0)

#define is_str(got, want, ...)                                                        \
	do {                                                                          \
		const char *g_ = (got), *w_ = (want);                                 \
		int same_ = (g_ == NULL && w_ == NULL) ||                             \
			    (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0);        \
		if (!tap_ok(same_, __VA_ARGS__))                                      \
			printf("#   got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)",       \
			       w_ ? w_ : "(null)");                                   \
	} while (0)

static inline void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
