#!/usr/bin/env bash
# What reading 1,000,000 rows costs in memory: bench_asyncmysql's stream_memory (a fast and a
# slow consumer) and buffered_memory, each run in a fresh process, over plain TCP and over TLS,
# against a throw-away MariaDB of scripts/testserver.sh (the bench-peers server has no TLS).
# Prints every run's JSON line, then one summary line per run.
#
#   bench/memory.sh [path/to/bench_asyncmysql]   default: build-release/bench/bench_asyncmysql
#
# Env: MEMORY_RUNS (3), MEMORY_WORKLOADS (stream_fast,stream_slow,buffered), MEMORY_SSL
# (disabled,required: plain TCP, then TLS), MEMORY_RESULTS
# (where the JSON lines go; default /tmp/asyncmysql-memory-<time>.jsonl).
# The slow consumer fetches 100 rows, then waits 1 ms: ~70k rows/s, well below what the server
# sends, so back-pressure holds the server up.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${1:-$ROOT/build-release/bench/bench_asyncmysql}
RUNS=${MEMORY_RUNS:-3}
IFS=, read -ra WANT <<<"${MEMORY_WORKLOADS:-stream_fast,stream_slow,buffered}"
IFS=, read -ra SSL <<<"${MEMORY_SSL:-disabled,required}"
[[ -x $BIN ]] || { echo "memory.sh: no $BIN (build bench_asyncmysql: see bench/README.md)" >&2; exit 2; }

. "$ROOT/scripts/lib/throwaway-server.sh"
start_throwaway_server
export BENCH_HOST=$ASYNCMYSQL_TEST_HOST BENCH_PORT=$ASYNCMYSQL_TEST_PORT BENCH_USER=$ASYNCMYSQL_TEST_USER \
       BENCH_PASSWORD=$ASYNCMYSQL_TEST_PASSWORD BENCH_DB=$ASYNCMYSQL_TEST_DB

out=${MEMORY_RESULTS:-/tmp/asyncmysql-memory-$(date +%Y%m%d-%H%M%S).jsonl}
: >"$out"
for ssl in "${SSL[@]}"; do
    for w in "${WANT[@]}"; do
        case $w in
            stream_fast) args=(BENCH_WORKLOADS=stream_memory) ;;
            stream_slow) args=(BENCH_WORKLOADS=stream_memory BENCH_STREAM_BATCH=100 BENCH_STREAM_PAUSE_MS=1) ;;
            buffered) args=(BENCH_WORKLOADS=buffered_memory) ;;
            *) echo "memory.sh: unknown workload $w" >&2; exit 2 ;;
        esac
        for ((i = 1; i <= RUNS; i++)); do
            env BENCH_SSL="$ssl" "${args[@]}" "$BIN" | tee -a "$out"
        done
    done
done

python3 - "$out" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    who = r["workload"] + (" batch %d pause %d ms" % (r["batch"], r["pause_ms"]) if "batch" in r else "")
    print("%-40s %-8s %6.2f s  RSS %6.1f -> peak %6.1f MB: +%6.1f MB  (wire %.1f MB)"
          % (who, "TLS" if r["ssl"] == "required" else "TCP", r["seconds"], r["rss_before_mb"],
             r["peak_rss_mb"], r["peak_rss_mb"] - r["rss_before_mb"], r["wire_mb"]))
PY
