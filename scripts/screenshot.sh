#!/usr/bin/env bash
# The README's screenshot: build examples/qml-browser (Release, in build-screenshot/), start a
# throw-away MariaDB, seed a 100,000-row table, run the browser under the offscreen platform
# until real rows show, and save the window to docs/qml-browser.png.
#
# Usage: scripts/screenshot.sh [output.png]      (default: docs/qml-browser.png)
# Exit status: the browser's (or non-zero if deps/configure/build/server fail).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=$(realpath -m "${1:-docs/qml-browser.png}")
BUILD_DIR=${BUILD_DIR:-build-screenshot}

# 1. Debian packages (no-op when all are installed), then only the browser's target.
bash scripts/deps.sh >&2
if [[ -f "$BUILD_DIR/CMakeCache.txt" ]] \
        && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$BUILD_DIR/CMakeCache.txt"; then
    echo "screenshot.sh: $BUILD_DIR was configured with another generator, reconfiguring" >&2
    rm -rf "$BUILD_DIR/CMakeCache.txt" "$BUILD_DIR/CMakeFiles"
fi
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DASYNCMYSQL_SANITIZE=OFF \
    -DASYNCMYSQL_BUILD_TESTS=OFF -DASYNCMYSQL_BUILD_BENCH=OFF >&2
cmake --build "$BUILD_DIR" --target qml-browser -j2 >&2  # 2 cores on every machine of this project

# 2. Throw-away MariaDB, always stopped on exit (success, failure, Ctrl-C).
. "$ROOT/scripts/lib/throwaway-server.sh"
start_throwaway_server

# 3. The browser seeds demo_items itself, shows it, saves the window and quits.
mkdir -p "$(dirname "$OUT")"
QT_QPA_PLATFORM=offscreen "$ROOT/$BUILD_DIR/examples/qml-browser/qml-browser" \
    --seed 100000 --screenshot "$OUT"
echo "screenshot.sh: wrote $OUT" >&2
