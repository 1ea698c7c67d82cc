#!/usr/bin/env bash
# The fleet at scale: `facegate bench fleet` against a PostgreSQL cluster of its own
# (initdb in /tmp, a Unix socket only), plus what the hub spent: its processes' CPU
# time and the database's size (each door's audit chain included). Usage: scripts/bench-fleet.sh [FACEGATE] [bench fleet options]
set -euo pipefail
facegate=${1:-.build/release/facegate}
shift || true
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/fgbench-hub.XXXXXX)
chmod 755 "$dir"
as=()
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; as=(runuser -u postgres --); fi
"${as[@]}" "$bin/initdb" -D "$dir/data" -U facegate --auth=trust -E UTF8 --no-instructions >/dev/null
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -o "-c listen_addresses='' -k $dir" -l "$dir/log" -w start >/dev/null
trap '"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null; rm -rf "$dir"' EXIT
psql -h "$dir" -U facegate -d postgres -qc "CREATE DATABASE hub"
postmaster=$(head -1 "$dir/data/postmaster.pid")
cpu() { # seconds of CPU used by the cluster's processes, dead children included
    awk '{print $14 + $15 + $16 + $17}' "/proc/$postmaster/stat" | awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", $1 / hz}'
}
before=$(cpu)
start=$(date +%s.%N)
OPENBLAS_NUM_THREADS=1 "$facegate" bench fleet --hub "postgresql://facegate@/hub?host=$dir" "$@"
end=$(date +%s.%N)
after=$(cpu)
echo "hub CPU: $(echo "$after - $before" | bc) s over $(echo "$end - $start" | bc | cut -c1-6) s"
psql -h "$dir" -U facegate -d hub -Atc "SELECT 'hub database: ' || pg_size_pretty(pg_database_size('hub')) || ', fleet_subject ' || pg_size_pretty(pg_total_relation_size('fleet_subject')) || ', fleet_erasure ' || pg_size_pretty(pg_total_relation_size('fleet_erasure')) || ', fleet_audit ' || pg_size_pretty(pg_total_relation_size('fleet_audit')) || ' (' || (SELECT COUNT(*) FROM fleet_audit) || ' entries)'"
