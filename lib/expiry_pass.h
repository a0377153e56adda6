/* The state of one expiry pass, shared by its parts (expiry.c, the pass;
 * reconcile.c, step 4).  Not an interface for anything else. */
#ifndef VH_EXPIRY_PASS_H
#define VH_EXPIRY_PASS_H

#include "err.h"

struct vh_db;
struct vh_worker;
struct vh_expiry_opts;
struct vh_expiry_summary;

struct pass {
	struct vh_db *db;
	struct vh_worker *w;
	const struct vh_expiry_opts *o;
	struct vh_expiry_summary *sum;
	char clock[40];          /* "YYYY-MM-DD HH:MM:SS.000000" */
	char clock_iso[32];
	/* The pass's jobs carry request_id "expiry:<run>:<round>". */
	char tag[40], tag_like[40];
	int round;
};

/* A line of --dry-run output. */
void vh_expiry_say(struct pass *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Step 4 over every host (the registered ones and any a server names). */
enum vh_status vh_expiry_reconcile(struct pass *p, struct vh_err *err);

#endif
