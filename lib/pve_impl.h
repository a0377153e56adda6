/* Shared by the files of the PVE client (pve.c transport and auth,
 * pve_form.c encoding and errors, pve_task.c tasks, pve_calls.c the API
 * calls); nothing outside lib/pve*.c includes it. */
#ifndef VH_PVE_IMPL_H
#define VH_PVE_IMPL_H

#include "pve.h"

/* vh_pve_call that also hands back the whole envelope ("total"). */
enum vh_status vh_pve_call_env(struct vh_pve *pve, struct vh_pool *pool, const char *method,
			       const char *path, const char *form, json_object **data,
			       json_object **env, struct vh_pve_error *perr, struct vh_err *err);
/* Set kind, cause, status and message; clears the rest. */
void vh_pve_seterr(struct vh_pve_error *pe, enum vh_pve_kind kind, long status, const char *msg);
/* Replace every occurrence of secret (when at least 4 bytes long) in s, a
 * NUL-terminated string in a buffer of cap bytes, with "********". */
void vh_pve_scrub(char *s, size_t cap, const char *secret);
/* Percent-encode s for a path segment or form (A-Z a-z 0-9 - _ . ~ kept). */
const char *vh_pve_escape(struct vh_pool *pool, const char *s);
/* "/nodes/<node>/qemu/<vmid><rest>" with node escaped. */
const char *vh_pve_vm_path(struct vh_pool *pool, const char *node, long vmid, const char *rest);

#endif
