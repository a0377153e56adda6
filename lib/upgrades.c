/* Upgrade bundles: resources a customer adds to a server (applied while it
 * is stopped, by the lifecycle issue's upgrade job). */
#include "config.h"

#include "catalog.h"

#define TS(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"
#define UPGRADE_COLS "name, add_vcpu, add_memory_mb, add_disk_gb, price, currency, description"
#define UPGRADE_SELECT "SELECT " UPGRADE_COLS ", " TS("created_at") ", " TS("updated_at") \
	" FROM upgrades"

static const char sql_insert[] =
	"INSERT INTO upgrades (" UPGRADE_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char sql_get[] = UPGRADE_SELECT " WHERE name = ?";
static const char sql_list[] = UPGRADE_SELECT " ORDER BY name";
static const char sql_update[] =
	"UPDATE upgrades SET add_vcpu = ?, add_memory_mb = ?, add_disk_gb = ?, price = ?, "
	"currency = ?, description = ? WHERE name = ?";
static const char sql_delete[] = "DELETE FROM upgrades WHERE name = ?";

enum { U_NAME, U_VCPU, U_MEMORY, U_DISK, U_PRICE, U_CURRENCY, U_DESCRIPTION, U_CREATED, U_UPDATED, U__MAX };

static const struct vh_col upgrade_cols[U__MAX] = {
	[U_NAME] = {"name", VH_COL_STR, true, 1, 64, vh_norm_slug},
	[U_VCPU] = {"add_vcpu", VH_COL_INT, false, 0, 256, NULL, "0"},
	[U_MEMORY] = {"add_memory_mb", VH_COL_INT, false, 0, 4194304, NULL, "0"},
	[U_DISK] = {"add_disk_gb", VH_COL_INT, false, 0, 65536, NULL, "0"},
	[U_PRICE] = {"price", VH_COL_DEC, false, 0, 999999999999LL},
	[U_CURRENCY] = {"currency", VH_COL_STR, false, 3, 3, vh_norm_currency, "KRW"},
	[U_DESCRIPTION] = {"description", VH_COL_STR, false, 0, 1000, NULL, NULL, false, true},
	[U_CREATED] = {"created_at", VH_COL_TIME, false, 0, 0, NULL, NULL, true},
	[U_UPDATED] = {"updated_at", VH_COL_TIME, false, 0, 0, NULL, NULL, true},
};

/* A bundle that adds nothing is a mistake, not a product. */
static enum vh_status upgrade_check(struct vh_req *req, struct vh_value *v, struct vh_err *err)
{
	(void)req;
	if (v[U_VCPU].i.v + v[U_MEMORY].i.v + v[U_DISK].i.v == 0)
		vh_err_field(err, "add_vcpu", "a bundle must add vcpu, memory or disk");
	return vh_err_fields_done(err);
}

const struct vh_resource vh_upgrades_resource = {
	.noun = "upgrade",
	.cols = upgrade_cols,
	.ncols = U__MAX,
	.sql_insert = sql_insert,
	.sql_get = sql_get,
	.sql_list = sql_list,
	.sql_update = sql_update,
	.sql_delete = sql_delete,
	.check = upgrade_check,
};
