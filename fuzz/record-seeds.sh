#!/usr/bin/env bash
# Records the fuzz seeds that come from real traffic (fuzz/record-seeds.py) from a throw-away
# MariaDB: run it again when the protocol handling changes what is worth seeding.
# Usage: fuzz/record-seeds.sh   (writes fuzz/corpus/{framing,connect,query,compression}/;
#        needs the mariadb client and the zstd tool, both Debian packages)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. "$ROOT/scripts/lib/throwaway-server.sh"
start_throwaway_server
python3 "$ROOT/fuzz/record-seeds.py" "$ROOT/fuzz/corpus"
