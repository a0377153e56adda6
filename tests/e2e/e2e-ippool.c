/* IP pools and OS templates through nginx, and address allocation through
 * the library against the stack's MariaDB: lowest fresh address first,
 * idempotent per server, quarantine, exhaustion, and a race of forked
 * allocators that must never share an address. */
#include "config.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfg.h"
#include "db.h"
#include "fixture.h"
#include "harness.h"
#include "ippool.h"
#include "pool.h"
#include "uuid.h"

static char net[32], loc[64], sfx[16];

static const char *p(const char *fmt)
{
	return t_fill(fmt, sfx);
}

/* A random 10.a.b.0/24 so parallel runs never overlap. */
static void pick_net(void)
{
	unsigned r;
	FILE *f = fopen("/dev/urandom", "rb");

	if (!f || fread(&r, sizeof(r), 1, f) != 1)
		exit(1);
	fclose(f);
	snprintf(net, sizeof(net), "10.%u.%u", (r >> 8) % 250 + 1, r % 250 + 1);
	snprintf(sfx, sizeof(sfx), "%08x", r);
	snprintf(loc, sizeof(loc), "loc-%s", sfx);
}

static int allocate(struct vh_db *db, const char *server, char *addr)
{
	struct vh_pool *pool = vh_pool_new();
	struct vh_ip_lease l;
	struct vh_err err;
	int st;

	vh_err_clear(&err);
	st = vh_ip_allocate(db, pool, loc, server, &l, &err);
	if (st == VH_OK)
		snprintf(addr, 32, "%.31s", l.address);
	else
		snprintf(addr, 32, "%.31s", err.code);
	vh_pool_free(pool);
	return st;
}

int main(void)
{
	struct t_resp r;
	char body[1024], pool_id[64] = "", path[128], addr[64], first[64], sv[8][VH_UUID_LEN + 1];
	struct vh_db *db;
	struct vh_pool *vp;
	struct vh_err err;
	int i;

	t_init();
	pick_net();

	/* --- OS templates --- */
	t_admin(&r, "POST", "/admin/os-templates",
		p("{\"name\":\"os-%s\",\"os_type\":\"l26\",\"default_user\":\"ubuntu\",\"template_vmids\":{\"no-such-host\":9000}}"));
	t_error(&r, 422, "validation_failed", "an OS template on an unknown host");
	t_resp_free(&r);
	t_admin(&r, "POST", "/admin/os-templates",
		p("{\"name\":\"os-%s\",\"os_type\":\"dos\",\"default_user\":\"Root!\",\"template_vmids\":{\"h\":5}}"));
	t_error(&r, 422, "validation_failed", "bad os_type, user and vmid");
	ok(t_has_field_error(&r, "os_type") && t_has_field_error(&r, "default_user"), "names the fields");
	t_resp_free(&r);
	t_admin(&r, "POST", "/admin/os-templates", p("{\"name\":\"os-%s\",\"default_user\":\"ubuntu\"}"));
	t_status(&r, 201, "create an OS template");
	is_str(t_str(&r, "os_type"), "l26", "os_type defaults to l26");
	t_resp_free(&r);
	t_admin(&r, "POST", "/admin/os-templates", p("{\"name\":\"os-%s\",\"default_user\":\"ubuntu\"}"));
	t_error(&r, 409, "os_template_exists", "duplicate OS template");
	t_resp_free(&r);
	t_admin(&r, "PUT", p("/admin/os-templates/os-%s"), "{\"default_user\":\"debian\"}");
	t_status(&r, 200, "PUT an OS template");
	is_str(t_str(&r, "default_user"), "debian", "updated");
	t_resp_free(&r);
	t_admin(&r, "DELETE", p("/admin/os-templates/os-%s"), NULL);
	t_status(&r, 204, "delete it");
	t_resp_free(&r);

	/* --- pools --- */
	snprintf(body, sizeof(body),
		 "{\"name\":\"pool-%s\",\"location\":\"%s\",\"cidr\":\"%s.0/24\",\"gateway\":\"%s.1\","
		 "\"range_start\":\"%s.1\",\"range_end\":\"%s.4\",\"dns\":\"1.1.1.1, 8.8.8.8\",\"ipv6_prefix\":\"2001:db8:1::/48\"}",
		 sfx, loc, net, net, net, net);
	t_admin(&r, "POST", "/admin/ip-pools", body);
	t_status(&r, 201, "create a pool of 4 addresses, gateway inside the range");
	is_str(t_str(&r, "size"), "3", "size excludes the gateway");
	is_str(t_str(&r, "free"), "3", "all free");
	if (t_str(&r, "id"))
		snprintf(pool_id, sizeof(pool_id), "%s", t_str(&r, "id"));
	t_resp_free(&r);
	t_admin(&r, "POST", "/admin/ip-pools", body);
	t_error(&r, 409, NULL, "the same pool again (name taken / overlap)");
	t_resp_free(&r);
	snprintf(body, sizeof(body),
		 "{\"name\":\"other-%s\",\"location\":\"%s\",\"cidr\":\"%s.0/24\",\"gateway\":\"%s.1\","
		 "\"range_start\":\"%s.3\",\"range_end\":\"%s.9\"}", sfx, loc, net, net, net, net);
	t_admin(&r, "POST", "/admin/ip-pools", body);
	t_error(&r, 409, "ip_pool_overlap", "an overlapping range");
	t_resp_free(&r);
	snprintf(body, sizeof(body),
		 "{\"name\":\"bad-%s\",\"location\":\"%s\",\"cidr\":\"%s.5/24\",\"gateway\":\"9.9.9.9\","
		 "\"range_start\":\"%s.0\",\"range_end\":\"%s.255\",\"dns\":\"x\",\"ipv6_prefix\":\"zz\"}",
		 sfx, loc, net, net, net);
	t_admin(&r, "POST", "/admin/ip-pools", body);
	t_error(&r, 422, "validation_failed", "bad CIDR, dns and IPv6 prefix");
	ok(t_has_field_error(&r, "cidr") && t_has_field_error(&r, "dns") && t_has_field_error(&r, "ipv6_prefix"),
	   "names them");
	t_resp_free(&r);
	snprintf(body, sizeof(body),
		 "{\"name\":\"bad-%s\",\"location\":\"%s\",\"cidr\":\"%s.0/24\",\"gateway\":\"9.9.9.9\","
		 "\"range_start\":\"%s.0\",\"range_end\":\"%s.255\"}", sfx, loc, net, net, net);
	t_admin(&r, "POST", "/admin/ip-pools", body);
	t_error(&r, 422, "validation_failed", "gateway outside, range over network and broadcast");
	ok(t_has_field_error(&r, "gateway") && t_has_field_error(&r, "range_start") &&
	   t_has_field_error(&r, "range_end"), "names them");
	t_resp_free(&r);

	/* --- allocation --- */
	db = fx_open_db();
	ok(db != NULL, "the test reaches the stack's database");
	if (!db)
		return done_testing();
	/* Addresses belong to servers (a foreign key): real rows. */
	for (i = 0; i < 8; i++)
		if (!fx_server(db, NULL, sv[i]))
			return done_testing();
	is_int(allocate(db, sv[0], first), VH_OK, "allocate for server 0");
	snprintf(addr, sizeof(addr), "%s.2", net);
	is_str(first, addr, "the lowest address that is not the gateway");
	is_int(allocate(db, sv[0], addr), VH_OK, "allocate again for server 0");
	is_str(addr, first, "the same address (idempotent)");
	is_int(allocate(db, sv[1], addr), VH_OK, "server 1");
	is_int(allocate(db, sv[2], addr), VH_OK, "server 2");
	is_int(allocate(db, sv[3], addr), VH_CONFLICT, "exhausted");
	is_str(addr, "ip_pool_exhausted", "code ip_pool_exhausted");
	snprintf(path, sizeof(path), "/admin/ip-pools/%s", pool_id);
	t_admin(&r, "GET", path, NULL);
	is_str(t_str(&r, "allocated"), "3", "totals: 3 allocated");
	is_str(t_str(&r, "free"), "0", "totals: 0 free");
	t_resp_free(&r);
	t_admin(&r, "DELETE", path, NULL);
	t_error(&r, 409, "ip_pool_in_use", "a pool with allocations cannot be deleted");
	t_resp_free(&r);
	{
		char b2[128], end2[48];

		snprintf(end2, sizeof(end2), "%s.2", net);
		snprintf(b2, sizeof(b2), "{\"range_end\":\"%s\"}", end2);
		t_admin(&r, "PUT", path, b2);
		t_error(&r, 409, "ip_pool_in_use", "the range cannot shrink past allocated addresses");
		t_resp_free(&r);
	}

	/* Release: the address rests in quarantine (default 1 day), so the
	 * pool stays exhausted; with no quarantine it is reused. */
	vp = vh_pool_new();
	vh_err_clear(&err);
	is_int(vh_ip_release(db, vp, sv[0], &err), VH_OK, "release server 0's address");
	is_int(allocate(db, sv[3], addr), VH_CONFLICT, "a quarantined address is not reused");
	t_admin(&r, "GET", path, NULL);
	is_str(t_str(&r, "quarantined"), "1", "totals: 1 quarantined");
	t_resp_free(&r);
	setenv("IP_QUARANTINE_SECONDS", "0", 1);
	vh_db_free(fx_open_db());   /* reload the configuration: no quarantine */
	is_int(vh_ip_release(db, vp, sv[1], &err), VH_OK, "release server 1 with no quarantine");
	is_int(allocate(db, sv[4], addr), VH_OK, "its address is reused at once");
	vh_pool_free(vp);

	/* A race: 3 forked allocators (two free addresses after releasing 2
	 * and 4) — two succeed with different addresses, one finds none. */
	vp = vh_pool_new();
	vh_ip_release(db, vp, sv[2], &err);
	vh_ip_release(db, vp, sv[4], &err);
	vh_pool_free(vp);
	vh_db_free(db);
	{
		int fds[3][2], k, won = 0, lost = 0;
		char got[3][32];
		pid_t pid[3];

		for (k = 0; k < 3; k++) {
			if (pipe(fds[k]) != 0)
				return 1;
			pid[k] = fork();
			if (pid[k] == 0) {
				struct vh_db *mine = vh_db_from_cfg();
				char a[32];

				close(fds[k][0]);
				allocate(mine, sv[5 + k], a);
				if (write(fds[k][1], a, 32) != 32)
					_exit(1);
				vh_db_free(mine);
				_exit(0);
			}
			close(fds[k][1]);
		}
		for (k = 0; k < 3; k++) {
			memset(got[k], 0, 32);
			if (read(fds[k][0], got[k], 32) < 1)
				got[k][0] = '\0';
			close(fds[k][0]);
			waitpid(pid[k], NULL, 0);
			if (!strcmp(got[k], "ip_pool_exhausted"))
				lost++;
			else if (strncmp(got[k], net, strlen(net)) == 0)
				won++;
		}
		is_int(won, 2, "two concurrent allocations succeed");
		is_int(lost, 1, "one finds the pool exhausted");
		ok(strcmp(got[0], got[1]) && strcmp(got[1], got[2]) && strcmp(got[0], got[2]),
		   "no address is handed out twice (%s, %s, %s)", got[0], got[1], got[2]);
	}
	vh_db_library_end();
	vh_cfg_reset();
	t_done();
	return done_testing();
}
