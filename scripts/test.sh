#!/usr/bin/env bash
# THE test command (README, CI): install deps, build with sanitizers, start a
# throw-away MariaDB, run the whole CTest suite against it, stop the server.
#
# Usage: scripts/test.sh [ctest args...]      e.g. scripts/test.sh -R unit
# Env:   BUILD_DIR   build directory (default: build-tests)
#        ASAN_OPTIONS / UBSAN_OPTIONS / LSAN_OPTIONS override our defaults.
#        ASYNCMYSQL_SKIP_FUZZ=1   skip the fuzz step (6.)
#        ASYNCMYSQL_FUZZ_SECONDS  seconds per fuzz target (default 20)
# The whole suite (no ctest args, as CI runs it) is followed by every fuzz target for a few
# seconds (scripts/fuzz.sh, its own clang build in build-fuzz), so they keep building and
# finding nothing; a run with ctest args (-R ...) skips that.
# Exit status: ctest's, else the fuzz step's (or non-zero if deps/configure/build/server fail).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD_DIR=${BUILD_DIR:-build-tests}

# 1. Debian packages (no-op when all are installed); QCoro too, so that the coroutine example
#    is built and run like every other.
bash scripts/deps.sh --with-qcoro

# 2. Configure + build: Debug with ASan/UBSan, tests on.
#    A cache from another generator makes cmake refuse to configure; such a
#    build dir is stale anyway, so drop its cache instead of failing.
if [[ -f "$BUILD_DIR/CMakeCache.txt" ]] \
        && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$BUILD_DIR/CMakeCache.txt"; then
    echo "test.sh: $BUILD_DIR was configured with another generator, reconfiguring" >&2
    rm -rf "$BUILD_DIR/CMakeCache.txt" "$BUILD_DIR/CMakeFiles"
fi
cmake -S . -B "$BUILD_DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE=Debug \
    -DASYNCMYSQL_SANITIZE=ON \
    -DASYNCMYSQL_BUILD_TESTS=ON
cmake --build "$BUILD_DIR" -j2   # 2 cores on every machine of this project

# 3. Throw-away MariaDB, stopped again when this script exits.
. "$ROOT/scripts/lib/throwaway-server.sh"
start_throwaway_server

# 4. Test environment.
#    offscreen: QML/Quick tests must not need a display (CI has none).
export QT_QPA_PLATFORM=offscreen
#    Sanitizers: stop at the first error with a stack trace, and report leaks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
#    Suppressions for leaks inside system libraries, if the project has any.
if [[ -z "${LSAN_OPTIONS:-}" && -f "$ROOT/autotests/lsan.supp" ]]; then
    export LSAN_OPTIONS="suppressions=$ROOT/autotests/lsan.supp:print_suppressions=0"
fi

# 5. Run the suite; our exit status is ctest's (the EXIT trap keeps it).
rc=0
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 300 "$@" || rc=$?

# 6. The fuzz targets, briefly (a crash, leak, timeout or broken invariant fails the run).
if (($# == 0)) && [[ "${ASYNCMYSQL_SKIP_FUZZ:-0}" != 1 ]]; then
    fuzz_rc=0
    bash scripts/fuzz.sh "${ASYNCMYSQL_FUZZ_SECONDS:-20}" || fuzz_rc=$?
    ((rc != 0)) || rc=$fuzz_rc
fi
exit "$rc"
