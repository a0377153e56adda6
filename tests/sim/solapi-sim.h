/* solapi-sim's shared state and its two halves: solapi-sim.c (routes,
 * faults, /_sim/ control, main) and solapi-sim-check.c (the Authorization
 * check, message rules, answers). */
#ifndef VH_SOLAPI_SIM_H
#define VH_SOLAPI_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <json-c/json.h>

struct vh_req;

#define SIM_MAX_MESSAGES 10000
#define SIM_MAX_FAULTS 256
#define SIM_MAX_SENDERS 32
/* SOLAPI refuses a date more than 15 minutes off and a signature seen in
 * the last 15 minutes. */
#define SIM_WINDOW_SECONDS (15 * 60)

struct sim_fault {
	char to[20];              /* "": any request */
	int count;                /* uses left */
	int status;               /* request-level: answer with this HTTP status */
	char error_code[64];
	char error_message[256];
	bool html;                /* an HTML body, as a proxy in front would send */
	char msg_status[8];       /* per message: fail it with this status code */
	int delay_ms;             /* wait before answering */
};

struct sim_record {
	json_object *obj;
	char *to;
	char *ref;                /* customFields.ref, "" when none */
};

struct sim_sig {
	char sig[132];
	time_t at;
};

struct sim {
	char *key, *secret;
	char *senders[SIM_MAX_SENDERS];
	size_t nsenders;
	long long balance;        /* messages left; -1 unlimited */
	long clock_offset;
	bool send_failure_as_error;
	struct sim_fault faults[SIM_MAX_FAULTS];
	size_t nfaults;
	struct sim_record *records;
	size_t nrecords, caprecords;
	struct sim_sig *sigs;
	size_t nsigs, capsigs;
	FILE *record_file;
	char account_id[16];
};

extern struct sim sim;

time_t sim_now(void);
void sim_id(char prefix, char out[33]);
void sim_error(struct vh_req *req, int status, const char *code, const char *message);
void sim_set_senders(const char *list);
char *sim_strndup(const char *s, size_t n);
/* The message status code of a per-message fault for to, or NULL. */
const char *sim_take_message_fault(const char *to);

/* false when the request was refused (the answer is written). */
bool sim_check_auth(struct vh_req *req);
/* NULL, or what is wrong with the types of a message's fields (a 400). */
const char *sim_field_types(json_object *m);
void sim_answer_many(struct vh_req *req, json_object *list, bool allow_dup, bool show);
void sim_answer_one(struct vh_req *req, json_object *m);

#endif
