#!/usr/bin/env bash
# Benchmark through nginx over HTTPS with wrk (figures, not a test).
# Starts its own stack in $VH_BUILDDIR/bench-var on ports 28440-28444, runs
# each target for VH_BENCH_SECONDS (10) with 2 threads and 32 connections,
# prints requests/s, p50, p99 and the ratio to nginx's own `return 200`
# (same TLS set-up, same nginx), then stops the stack.
set -euo pipefail

SRC=${VH_SRCDIR:?}
BUILD=${VH_BUILDDIR:?}
DIR=$BUILD/bench-var
SECS=${VH_BENCH_SECONDS:-10}
CONNS=${VH_BENCH_CONNECTIONS:-32}
export VH_SRCDIR=$SRC VH_BUILDDIR=$BUILD
export VH_PORT_HTTP=28440 VH_PORT_HTTPS=28443 VH_PORT_CEIL=28444 VH_PORT_AUTHUP=28448 VH_PORT_PVE=28446 VH_PORT_SOLAPI=28447
# Rate limits are sized for production; lift them so the figures show
# the software, not the limiter.
export VH_RATE=1000000 VH_BURST=1000000
export VH_API_WORKERS=${VH_API_WORKERS:-4}

command -v wrk >/dev/null || { echo "bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
"$SRC/tests/stack" down "$DIR" >/dev/null 2>&1 || true
rm -rf "$DIR"
"$SRC/tests/stack" up "$DIR"
trap '"$SRC/tests/stack" down "$DIR" >/dev/null 2>&1 || true' EXIT

key=$(sed -n 's/^ADMIN_API_KEY=//p' "$DIR/dev.env")
base=https://localhost:$VH_PORT_HTTPS
id=$(curl -sf --cacert "$DIR/tls/cert.pem" "$base/users" -H "X-Admin-Key: $key" \
	-H 'Content-Type: application/json' \
	-d '{"email":"bench@example.com","phone_number":"010-1234-5678"}' |
	sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
[ -n "$id" ] || { echo "bench: could not create a user" >&2; exit 1; }

# wrk prints latency percentiles with --latency; convert them to ms.
to_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
		printf "%.2f", n }'
}

run() { # label url [header]
	local out rps p50 p99 non2xx
	if [ -n "${3:-}" ]; then
		out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -H "$3" "$2")
	else
		out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$2")
	fi
	rps=$(awk '/^Requests\/sec:/ {printf "%d", $2}' <<<"$out")
	p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
	p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
	non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
	[ -n "$non2xx" ] && echo "bench: $1 had $non2xx non-2xx answers" >&2
	echo "$1|$rps|$p50|$p99"
}

# Servers: the demo host pve-sim and three users with 1, 100 and 1000
# servers on it, bulk-inserted (their VMIDs have no VM: the read still asks
# pve-sim once per host and merges what it answers).
"$SRC/tests/seed-demo" "$DIR" >/dev/null
db() { mariadb --no-defaults -S "$DIR/run/db.sock" -uroot vibehost "$@"; }
declare -A owner
vmbase=100000
for n in 1 100 1000; do
	owner[$n]=$(curl -sf --cacert "$DIR/tls/cert.pem" "$base/users" -H "X-Admin-Key: $key" \
		-H 'Content-Type: application/json' -d "{\"email\":\"bench$n@example.com\",\"phone_number\":\"010-1234-5678\"}" |
		sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
	db -e "INSERT INTO servers (id, owner_id, name, plan, location, proxmox_host_id, proxmox_node,
		vmid, vcpu, memory_mb, disk_gb, expire_in_days, expire_at, status, power_state)
		WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $n)
		SELECT UUID(), '${owner[$n]}', CONCAT('bench-', i), 'basic', 'seoul', 'pve-sim', 'pve1',
		$vmbase + i, 2, 2048, 40, 30, UTC_TIMESTAMP() + INTERVAL 30 DAY, 'active', 'running'
		FROM seq"
	vmbase=$((vmbase + n))
done
one=$(db -N -e "SELECT id FROM servers WHERE owner_id = '${owner[1]}'")

echo "wrk -t2 -c$CONNS -d${SECS}s through nginx/TLS, $VH_API_WORKERS API processes, $(nproc) cores" >&2
rows=()
rows+=("$(run "nginx static return 200 (ceiling)" "https://localhost:$VH_PORT_CEIL/")")
rows+=("$(run "GET /healthz" "$base/healthz")")
rows+=("$(run "GET /users/{id}" "$base/users/$id" "X-Admin-Key: $key")")
rows+=("$(run "GET /servers/{id}" "$base/servers/$one" "X-Admin-Key: $key")")
for n in 1 100 1000; do
	rows+=("$(run "GET /servers/user/{id} ($n servers)" "$base/servers/user/${owner[$n]}?limit=1000" "X-Admin-Key: $key")")
done

ceil=${rows[0]#*|}
ceil=${ceil%%|*}
printf '%-36s %10s %9s %9s %8s\n' route "req/s" "p50 ms" "p99 ms" ratio
for r in "${rows[@]}"; do
	IFS='|' read -r label rps p50 p99 <<<"$r"
	ratio=$(awk -v a="$rps" -v b="$ceil" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
	printf '%-36s %10s %9s %9s %8s\n' "$label" "$rps" "$p50" "$p99" "$ratio"
done
