#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, ASan + UBSan, build dir build-fuzz) and runs
# each for a while on its seed corpus (fuzz/corpus/<target>/), one after another.
#
# Usage: scripts/fuzz.sh [seconds]     seconds per target (default 20)
# Env:   FUZZ_BUILD_DIR   build directory (default: build-fuzz)
#        FUZZ_TARGETS     space-separated subset of the targets (default: all)
#        FUZZ_JOBS        build jobs (default 2, the cores of every machine of this project)
#        FUZZ_RUNS        run each target for this many executions instead (the seconds
#                         argument is then a cap per target), e.g. FUZZ_RUNS=10000000 for the
#                         long runs the closing notes quote
#        FUZZ_MAX_LEN     the largest input libFuzzer makes (default 16384); long runs of the
#                         parsers of short texts (url, optionfile) use 2048, or their grown
#                         inputs slow them to a few hundred executions a second
# Prints the executions per target (libFuzzer's final stats) and exits non-zero if any target
# crashed, leaked, timed out or failed an invariant; the reproducer is kept in
# $FUZZ_BUILD_DIR/findings/<target>/ (add it to the target's corpus once fixed).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SECONDS_PER_TARGET=${1:-20}
BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
ALL_TARGETS=(framing compression connect query values optionfile url interpolate session binary)
read -r -a TARGETS <<<"${FUZZ_TARGETS:-${ALL_TARGETS[*]}}"

bash scripts/deps.sh --with-fuzz
CLANGXX=$(command -v clang++-14 || command -v clang++)

cmake -S . -B "$BUILD_DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_COMPILER="$CLANGXX" \
    -DASYNCMYSQL_BUILD_FUZZERS=ON \
    -DASYNCMYSQL_BUILD_TESTS=OFF -DASYNCMYSQL_BUILD_EXAMPLES=OFF \
    -DASYNCMYSQL_BUILD_BENCH=OFF -DASYNCMYSQL_BUILD_QML=OFF >/dev/null
cmake --build "$BUILD_DIR" -j"${FUZZ_JOBS:-2}" --target "${TARGETS[@]/#/fuzz_}"

# Sanitizer reports end the run (libFuzzer keeps the input); leaks count as findings.
# Long runs keep four frames of each allocation's stack: with ASan's thirty, the stack depot of a
# run of millions grows until storing a stack is a fifth of the time, and fuzz_optionfile slowed
# from 4,000 to 550 executions a second over 5 million (perf: StackDepot::Put). The stack of a
# crash itself is whole either way; rerun the kept input for full allocation stacks.
asan_context=
[[ -n "${FUZZ_RUNS:-}" ]] && asan_context=:malloc_context_size=4
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:allocator_may_return_null=1$asan_context}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export QT_QPA_PLATFORM=offscreen

failed=()
printf '%-12s %12s %8s  %s\n' target executions exec/s result
for t in "${TARGETS[@]}"; do
    seeds="$ROOT/fuzz/corpus/$t"
    work="$BUILD_DIR/corpus/$t"          # grows across runs; the seeds stay read-only
    findings="$BUILD_DIR/findings/$t"
    log="$BUILD_DIR/fuzz-$t.log"
    mkdir -p "$work" "$findings"
    rc=0
    # -timeout: one input taking 10 s is a hang; -rss_limit_mb: runaway allocation is a finding.
    limit=(-max_total_time="$SECONDS_PER_TARGET")
    [[ -n "${FUZZ_RUNS:-}" ]] && limit+=(-runs="$FUZZ_RUNS")
    "$BUILD_DIR/fuzz/fuzz_$t" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 \
        -max_len="${FUZZ_MAX_LEN:-16384}" -print_final_stats=1 -artifact_prefix="$findings/" \
        "$work" "$seeds" >"$log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    if ((rc != 0)) || grep -qE '^==[0-9]+==ERROR|^SUMMARY: |invariant failed' "$log"; then
        result="FAILED (rc $rc, log $log)"
        failed+=("$t")
        grep -E 'ERROR|SUMMARY|invariant failed|Test unit written' "$log" | head -5 | sed 's/^/    /' >&2
    else
        result=ok
    fi
    printf '%-12s %12s %8s  %s\n' "$t" "${execs:-?}" "${speed:-?}" "$result"
done

if ((${#failed[@]})); then
    echo "fuzz.sh: findings in: ${failed[*]}" >&2
    exit 1
fi
