#!/usr/bin/env bash
# THE main-job command (README): build the `basic` example (Release, in build/)
# and run it against a throw-away MariaDB that is stopped again afterwards.
#
# Usage: scripts/run-example.sh [example args...]
# Exit status: the example's (or non-zero if deps/configure/build/server fail).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# Build/setup chatter goes to stderr so that stdout carries only the
# example's own output.

# 1. Debian packages (no-op when all are installed).
bash scripts/deps.sh >&2

# 2. Configure (Release, no sanitizers) and build only the example target.
#    A cache from another generator makes cmake refuse to configure: drop it.
if [[ -f build/CMakeCache.txt ]] \
        && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' build/CMakeCache.txt; then
    echo "run-example.sh: build/ was configured with another generator, reconfiguring" >&2
    rm -rf build/CMakeCache.txt build/CMakeFiles
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DASYNCMYSQL_SANITIZE=OFF >&2
cmake --build build --target basic -j2 >&2

# 3. Throw-away MariaDB, always stopped on exit (success, failure, Ctrl-C).
#    A fresh state dir created here so the trap knows what to stop.
. "$ROOT/scripts/lib/throwaway-server.sh"
start_throwaway_server

# 4. Run the example with the ASYNCMYSQL_TEST_* variables exported.
rc=0
"$ROOT/build/examples/basic/basic" "$@" || rc=$?
exit "$rc"
