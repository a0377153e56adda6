/* After every test that drives pve-sim: no VM is left there that the
 * database does not know about (each non-template VM belongs to a live
 * server row of the pve-sim host), and no job is left unfinished. */
#include "config.h"

#include "fixture.h"
#include "servers-util.h"

int main(void)
{
	static const char sql_known[] =
		"SELECT 1 FROM servers WHERE proxmox_host_id = 'pve-sim' AND vmid = ? "
		"AND status NOT IN ('deleted', 'rolled_back')";
	static const char sql_open_jobs[] =
		"SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')";
	struct vh_db *db;
	struct vh_pool *pool;
	json_object *vms;
	struct vh_rows r;
	struct vh_err err;
	size_t i;
	int unknown = 0, n = 0;

	t_init();
	db = fx_open_db();
	vms = s_sim_vms();
	ok(db && vms, "pve-sim and the database answer");
	if (!db || !vms)
		return done_testing();
	pool = vh_pool_new();
	for (i = 0; i < json_object_array_length(vms); i++) {
		json_object *vm = json_object_array_get_idx(vms, i), *v;
		struct vh_param p[1];
		long vmid;

		if (json_object_object_get_ex(vm, "template", &v) && json_object_get_int(v))
			continue;
		if (!json_object_object_get_ex(vm, "vmid", &v))
			continue;
		vmid = (long)json_object_get_int64(v);
		n++;
		p[0] = vh_pint(vmid);
		vh_err_clear(&err);
		if (vh_db_exec(db, pool, sql_known, p, 1, 0, &r, &err) != VH_OK || r.nrows == 0) {
			unknown++;
			tap_diag("VM %ld in pve-sim has no live server row", vmid);
		}
	}
	is_int(unknown, 0, "every one of the %d VMs left in pve-sim is a live server's", n);
	vh_err_clear(&err);
	ok(vh_db_exec(db, pool, sql_open_jobs, NULL, 0, 0, &r, &err) == VH_OK &&
	   !strcmp(vh_rows_get(&r, 0, 0), "0"), "no job is left queued or running");
	json_object_put(vms);
	vh_pool_free(pool);
	vh_db_free(db);
	t_done();
	return done_testing();
}
