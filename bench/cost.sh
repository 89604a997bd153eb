#!/usr/bin/env bash
# Instructions per point query and per read row, each form of a point query (cursor, the
# future-returning Connection::query(), the callback form) beside libmariadb and Qt's QMYSQL,
# in one run of ../shared/bench-peers/cost.sh (callgrind; two amounts of work, the difference
# divided by the extra work, so start-up and warm-up cancel out).
#
# Usage: bench/cost.sh [peers...]        peers of cost.sh, default: c qt
# Env:   COST_BUILD_DIR  Release build directory of the bench (default: build-bench)
#        COST_BEFORE     a bench binary (or "env X=1 binary") to measure beside, e.g. an older
#                        build copied with its library (see bench/README.md)
#        BENCH_PEERS     the bench-peers folder (default: ../shared/bench-peers next to the repo)
# Needs valgrind and the peers' packages (see bench/README.md); stops the bench server after.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${COST_BUILD_DIR:-$ROOT/build-bench}
PEERS=${BENCH_PEERS:-$ROOT/../shared/bench-peers}
[[ -x $PEERS/cost.sh ]] || { echo "cost.sh: no bench-peers at $PEERS (set BENCH_PEERS)" >&2; exit 1; }

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DASYNCMYSQL_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" --target bench_asyncmysql -j2 >/dev/null
bin=$BUILD/bench/bench_asyncmysql

extra="cursor=$bin;query=env BENCH_POINT_FORM=query $bin;callback=env BENCH_POINT_FORM=callback $bin"
[[ -n ${COST_BEFORE:-} ]] && extra="before=$COST_BEFORE;$extra"
peers=("$@")
((${#peers[@]})) || peers=(c qt)
status=0
(cd "$PEERS" && BENCH_EXTRA="$extra" ./cost.sh "${peers[@]}") || status=$?
(cd "$PEERS" && ./server.sh stop >/dev/null) || true
exit $status
