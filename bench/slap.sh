#!/usr/bin/env bash
# The server's own ceiling for the point lookup (issue 13's `concurrent` target is set against
# it): mariadb-slap, 8 connections, the lookups of the `point` workload (ids (i * 7919) mod
# MAX(id) + 1), against the bench-peers server started and seeded as run.sh does. No client
# library but mariadb-slap's own (libmariadb, blocking threads) is in the way.
#
# Usage: bench/slap.sh [queries]     total lookups (default 20000), spread over the connections
# Env:   SLAP_CONCURRENCY (8), SLAP_ITERATIONS (3: the median is printed), BENCH_PEERS (the
#        bench-peers folder, default ../shared/bench-peers next to the repo)
# Prints one JSON line in the peers' shape, workload "point_ceiling".
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEERS=${BENCH_PEERS:-$ROOT/../shared/bench-peers}
N=${1:-20000}
C=${SLAP_CONCURRENCY:-8}
RUNS=${SLAP_ITERATIONS:-3}
command -v mariadb-slap >/dev/null || { echo "slap.sh: mariadb-slap is missing (apt-get install mariadb-client)" >&2; exit 1; }
"$PEERS/server.sh" start >/dev/null
eval "$("$PEERS/server.sh" env)"
sql() { mariadb --no-defaults -h"$BENCH_HOST" -P"$BENCH_PORT" -u"$BENCH_USER" -p"$BENCH_PASSWORD" "$BENCH_DB" -N -B "$@"; }
max=$(sql -e "SELECT MAX(id) FROM bench.rows" 2>/dev/null || true)
[[ $max =~ ^[0-9]+$ ]] || { "$PEERS/seed.sh" >/dev/null; max=$(sql -e "SELECT MAX(id) FROM bench.rows"); }
queries=$(mktemp); trap 'rm -f "$queries"' EXIT
awk -v n="$N" -v max="$max" 'BEGIN { for (i = 0; i < n; i++) printf "SELECT id, name FROM bench.rows WHERE id = %d;\n", (i * 7919) % max + 1 }' >"$queries"
times=()
for ((r = 0; r < RUNS; r++)); do
    out=$(mariadb-slap --no-defaults -h"$BENCH_HOST" -P"$BENCH_PORT" -u"$BENCH_USER" -p"$BENCH_PASSWORD" \
        --create-schema="$BENCH_DB" --no-drop --concurrency="$C" --iterations=1 --number-of-queries="$N" \
        --delimiter=';' --query="$queries" 2>&1)
    t=$(sed -n 's/.*Average number of seconds to run all queries: *\([0-9.]*\) seconds.*/\1/p' <<<"$out")
    [[ -n $t ]] || { echo "slap.sh: mariadb-slap failed: $out" >&2; exit 1; }
    times+=("$t")
done
median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
awk -v n="$N" -v c="$C" -v runs="$RUNS" -v s="$median" 'BEGIN {
    printf "{\"client\":\"mariadb-slap\",\"workload\":\"point_ceiling\",\"n\":%d,\"concurrency\":%d,\"runs\":%d,\"seconds\":%.6f,\"per_second\":%.1f}\n", n, c, runs, s, (s > 0 ? n / s : 0) }'
