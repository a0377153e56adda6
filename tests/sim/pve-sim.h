/* Shared by the pve-sim files: answers in PVE's envelope, its auth rules,
 * the simulated clock and the cluster file. */
#ifndef VH_PVE_SIM_H
#define VH_PVE_SIM_H

#include <stdbool.h>

#include <json-c/json.h>

#include "err.h"
#include "router.h"

struct vh_req;

extern json_object *pve_cluster;
long pve_now(void);
long long pve_now_ms(void);
enum vh_status pve_answer(struct vh_req *req, json_object *data);
enum vh_status pve_fail(struct vh_req *req, int status, const char *msg);
/* VH_OK, or the 401 has been answered. */
enum vh_status pve_authenticate(struct vh_req *req, const char **user);
void pve_count(struct vh_req *req);
const char *pve_form_get(struct vh_pool *pool, const char *body, const char *name);
bool pve_node_known(const char *node);

/* pve-sim-vm.c */
extern const struct vh_route pve_vm_routes[];
void pve_vm_reset(void);
void pve_vm_resources(struct vh_req *req, json_object *arr);
json_object *pve_vm_state(void);
enum vh_status pve_sim_durations(struct vh_req *req, struct vh_err *err);
enum vh_status pve_sim_task_fail(struct vh_req *req, struct vh_err *err);

#endif
