#!/usr/bin/env bash
# Benchmark through nginx over HTTPS with wrk (figures, not a test).
# Starts its own stack in $VH_BUILDDIR/bench-var on ports 28440-28448, runs
# each target for VH_BENCH_SECONDS (10) with 2 threads and 32 connections,
# prints requests/s, p50, p99 and the ratio to nginx's own `return 200`
# (same TLS set-up, same nginx), then times the nightly expiry pass at scale
# (expiry_bench below), then stops the stack.
# VH_BENCH_ONLY=http runs the wrk part alone, VH_BENCH_ONLY=expiry the
# expiry part alone (no wrk needed).
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

ONLY=${VH_BENCH_ONLY:-}
case "$ONLY" in
"" | http | expiry) ;;
*) echo "bench: VH_BENCH_ONLY is http or expiry, not \"$ONLY\"" >&2; exit 2 ;;
esac
if [ "$ONLY" != expiry ]; then
	command -v wrk >/dev/null || { echo "bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
fi
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

"$SRC/tests/seed-demo" "$DIR" >/dev/null
db() { mariadb --no-defaults -S "$DIR/run/db.sock" -uroot vibehost "$@"; }

# Servers: the demo host pve-sim and three users with 1, 100 and 1000
# servers on it, bulk-inserted (their VMIDs have no VM: the read still asks
# pve-sim once per host and merges what it answers).
http_bench() {
	local n one rows=() r label rps p50 p99 ratio ceil vmbase=100000
	declare -A owner
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
	# The expiry pass would take these VM-less rows for lost servers.
	db -e "DELETE FROM servers WHERE name LIKE 'bench-%'"
}

# The nightly pass at scale: VH_BENCH_EXPIRY_SERVERS (100,000) active
# servers owned by 10,000 users, bulk-inserted; every hundredth one (1,000)
# is due (expire_at 1-72 hours ago, running) and has a real VM on pve-sim
# (created through pve-sim's PVE API, tagged vibehost, described
# vibehost-server:<id>, started), spread over pve1 and pve2.  The rest expire
# 30-300 days ahead; pve-sim holds at most 4096 VMs, so they cannot have
# VMs of their own, and VH_BENCH_EXPIRY_REST says how that is handled:
#   dead-host (default)  they keep VMIDs, on a second registered host
#                        "bench-dead" whose API (https://127.0.0.1:1) refuses
#                        connections: that host is skipped (one host_skipped
#                        finding) and none of them is reconciled or marked lost;
#   no-vmid              they sit on pve-sim with vmid NULL (rows the
#                        reconciliation does not look at, as an order that
#                        never got its VM), so the host's row walk reads them.
# pve-sim's tasks take 0 ms once the VMs exist.  The stack's two workers run
# (as the stack and production run them): they pick up some of the pass's
# shutdown jobs and deliver SMS too (VH_WORKERS=0: none, the pass does it
# all).  Then the pass runs twice as the timer runs it (VIBEHOST_CONFIG=
# dev.env, real clock, default EXPIRY_* settings): the first stops the
# 1,000, the second has nothing due.  Wall time of each, and its summary.
# Reminders are not exercised: no server expires within EXPIRY_WARNING_DAYS.
expiry_bench() {
	local n=${VH_BENCH_EXPIRY_SERVERS:-100000} rest=${VH_BENCH_EXPIRY_REST:-dead-host}
	local users=10000 due pve=https://localhost:$VH_PORT_PVE tok cfg t0 t1 rc pass out
	local -a pvec=(--cacert "$DIR/tls/pve-ca.pem")
	case "$rest" in dead-host | no-vmid) ;; *) echo "bench: VH_BENCH_EXPIRY_REST is dead-host or no-vmid" >&2; return 2 ;; esac
	[ "$n" -ge 100 ] || { echo "bench: VH_BENCH_EXPIRY_SERVERS must be at least 100" >&2; return 2; }
	[ "$users" -le "$n" ] || users=$n
	due=$((n / 100))
	[ "$due" -le 4000 ] || { echo "bench: pve-sim holds 4096 VMs: at most 400,000 servers (1% due)" >&2; return 2; }
	tok=$(sed -n 's/^PVE_SIM_TOKEN=//p' "$DIR/dev.env")

	if [ "$rest" = dead-host ]; then
		curl -sf -o /dev/null --cacert "$DIR/tls/cert.pem" "$base/admin/proxmox/hosts" -H "X-Admin-Key: $key" \
			-H 'Content-Type: application/json' \
			-d '{"id":"bench-dead","api_url":"https://127.0.0.1:1","username":"root","password":"unused","node":"pve1","location":"seoul"}' ||
			{ echo "bench: could not register the host bench-dead" >&2; return 1; }
	fi
	t0=$(date +%s.%N)
	db -e "INSERT INTO users (id, email, phone_number)
		SELECT UUID(), CONCAT('expiry', seq, '@example.com'), CONCAT('010', LPAD(seq, 8, '0'))
		FROM seq_1_to_$users"
	# Due: seq % 100 = 0, VMIDs 200001.. on pve-sim.  The rest: VMIDs
	# 300000 + seq on bench-dead, or no VMID on pve-sim.
	db -e "INSERT INTO servers (id, owner_id, name, plan, location, proxmox_host_id, proxmox_node,
		vmid, vcpu, memory_mb, disk_gb, expire_in_days, expire_at, status, power_state)
		SELECT UUID(), u.id, CONCAT('exp-', s.seq), 'basic', 'seoul',
		IF(s.seq % 100 = 0 OR '$rest' = 'no-vmid', 'pve-sim', 'bench-dead'),
		IF(s.seq % 100 = 0, CONCAT('pve', 1 + (s.seq DIV 100) % 2), 'pve1'),
		IF(s.seq % 100 = 0, 200000 + s.seq DIV 100, IF('$rest' = 'no-vmid', NULL, 300000 + s.seq)),
		2, 2048, 40, 30,
		IF(s.seq % 100 = 0, UTC_TIMESTAMP(6) - INTERVAL (1 + (s.seq DIV 100) % 72) HOUR,
		   UTC_TIMESTAMP(6) + INTERVAL (30 + s.seq % 271) DAY),
		'active', 'running'
		FROM seq_1_to_$n s JOIN users u ON u.email = CONCAT('expiry', 1 + (s.seq - 1) % $users, '@example.com')"
	t1=$(date +%s.%N)
	# Their VMs, through pve-sim's API on one kept-alive connection.  A
	# create task of 0 ms leaves pve-sim's "create" lock behind, so the VMs
	# are made with its default durations and the durations drop to 0 after.
	cfg=$DIR/expiry-vms.curl
	: >"$cfg"
	db -N -e "SELECT id, vmid, proxmox_node FROM servers WHERE name LIKE 'exp-%' AND proxmox_host_id = 'pve-sim'
		AND vmid IS NOT NULL ORDER BY vmid" |
	while read -r sid vmid node; do
		[ -s "$cfg" ] && echo next >>"$cfg"
		printf 'url = "%s/api2/json/nodes/%s/qemu"\ncacert = "%s"\nheader = "Authorization: PVEAPIToken=%s"\n' \
			"$pve" "$node" "$DIR/tls/pve-ca.pem" "$tok" >>"$cfg"
		printf 'data = "vmid=%s&name=exp-%s&memory=2048&cores=2&tags=vibehost&description=vibehost-server%%3A%s&start=1"\n' \
			"$vmid" "$vmid" "$sid" >>"$cfg"
		printf 'output = /dev/null\nwrite-out = "%%{http_code}\\n"\nsilent\n' >>"$cfg"
	done
	out=$(curl -K "$cfg" | sort | uniq -c | awk '{printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1}')
	[ "$out" = "200 x$due" ] || { echo "bench: creating the VMs answered $out" >&2; return 1; }
	for _ in $(seq 1 100); do
		curl -sf "${pvec[@]}" "$pve/_sim/state" | grep -q '"lock"' || break
		sleep 0.2
	done
	if curl -sf "${pvec[@]}" "$pve/_sim/state" | grep -q '"lock"'; then
		echo "bench: pve-sim's VMs are still locked after 20 s" >&2
		return 1
	fi
	curl -sf -o /dev/null "${pvec[@]}" -X POST "$pve/_sim/durations" -H 'Content-Type: application/json' -d '{"default":0}'
	echo >&2
	echo "expiry pass: $n servers ($(db -N -e "SELECT COUNT(*) FROM users WHERE email LIKE 'expiry%'") users), $due due" \
		"with running VMs on pve-sim ($(curl -sf "${pvec[@]}" "$pve/_sim/state" | grep -o '"status":"running"' | wc -l) running);" \
		"seeded in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s" >&2
	if [ "$rest" = dead-host ]; then
		echo "  the other $((n - due)) have VMIDs on host bench-dead, which is unreachable: skipped, not reconciled" >&2
	else
		echo "  the other $((n - due)) have no VMID (vmid NULL, on pve-sim): not reconciled" >&2
	fi
	if [ "${VH_WORKERS:-2}" -gt 0 ]; then
		echo "  workers: the stack's ${VH_WORKERS:-2} vibehost-worker processes run (they share the jobs and the SMS);" \
			"pve-sim tasks 0 ms; $(nproc) cores" >&2
	else
		echo "  workers: none (VH_WORKERS=0): the pass runs every job and delivers every SMS itself;" \
			"pve-sim tasks 0 ms; $(nproc) cores" >&2
	fi
	for pass in 1 2; do
		t0=$(date +%s.%N)
		rc=0
		VIBEHOST_CONFIG=$DIR/dev.env "$BUILD/bin/vibehost-expiry" >"$DIR/log/expiry-pass$pass.out" \
			2>"$DIR/log/expiry-pass$pass.log" || rc=$?
		t1=$(date +%s.%N)
		printf 'expiry pass %d: %s s wall, exit %d (log: %s)\n' "$pass" \
			"$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" "$rc" "$DIR/log/expiry-pass$pass.log"
		tail -1 "$DIR/log/expiry-pass$pass.out"
		# What the pass left: the servers by state, the VMs still running,
		# the texts solapi-sim accepted so far (workers deliver too).
		echo "  servers: $(db -N -e "SELECT CONCAT(status, '/', power_state, ' ', COUNT(*)) FROM servers
			WHERE name LIKE 'exp-%' GROUP BY status, power_state" | paste -sd, - | sed 's/,/, /g');" \
			"VMs running on pve-sim: $(curl -sf "${pvec[@]}" "$pve/_sim/state" | grep -o '"status":"running"' | wc -l);" \
			"texts accepted by solapi-sim: $(wc -l <"$DIR/log/solapi-sim.jsonl" 2>/dev/null || echo 0)" >&2
	done
}

if [ "$ONLY" != expiry ]; then
	http_bench
fi
if [ "$ONLY" != http ]; then
	expiry_bench
fi
