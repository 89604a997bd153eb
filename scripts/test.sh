#!/usr/bin/env bash
# THE test command (README, CI): install deps, build with sanitizers, start a
# throw-away MariaDB, run the whole CTest suite against it, stop the server.
#
# Usage: scripts/test.sh [ctest args...]      e.g. scripts/test.sh -R unit
# Env:   BUILD_DIR   build directory (default: build-tests)
#        ASAN_OPTIONS / UBSAN_OPTIONS / LSAN_OPTIONS override our defaults.
# Exit status: ctest's (or non-zero if deps/configure/build/server fail).
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

# 3. Throw-away MariaDB. Its state dir is created here, before start, so the
#    EXIT trap knows what to stop even if we are interrupted half-way through
#    `start` (testserver.sh also cleans up after its own failed start).
#    A fresh dir each run: never reuse an ASYNCMYSQL_TEST_DIR from the caller's
#    shell, which may belong to a server someone else is using.
ASYNCMYSQL_TEST_DIR=$(mktemp -d /tmp/asyncmysql-test.XXXXXX)
export ASYNCMYSQL_TEST_DIR
cleanup() {
    local rc=$?
    bash "$ROOT/scripts/testserver.sh" stop "$ASYNCMYSQL_TEST_DIR" || true
    rmdir "$ASYNCMYSQL_TEST_DIR" 2>/dev/null || true  # if start never began
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
# Assign first, eval second: `eval "$(cmd)"` would swallow cmd's failure.
server_env=$(bash scripts/testserver.sh start)
eval "$server_env"

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
exit "$rc"
