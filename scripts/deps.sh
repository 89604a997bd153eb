#!/usr/bin/env bash
# Install the Debian 12 packages AsyncMySql needs to build, test and run its
# examples.  Idempotent and cheap when everything is already there: it only
# calls apt-get (update + install) when at least one package is missing, so CI
# and repeated local runs do not touch the network needlessly.
#
# Usage: scripts/deps.sh [--with-qcoro] [--with-fuzz]
#   --with-qcoro   also install qcoro-qt6-dev (optional QCoro integration)
#   --with-fuzz    also install clang 14 with its libFuzzer/sanitizer runtimes and
#                  llvm-symbolizer (scripts/fuzz.sh)
#
# Only Debian's apt is used: the script must work on a fresh Debian 12 machine
# that has nothing but apt.
set -euo pipefail

packages=(
    # toolchain
    build-essential cmake ninja-build pkg-config
    # Qt 6 (core/network + QML for the QML bindings and their quick tests)
    qt6-base-dev qt6-declarative-dev
    qml6-module-qtqml qml6-module-qtqml-models qml6-module-qtqml-workerscript
    qml6-module-qtquick qml6-module-qttest
    qml6-module-qtquick-controls qml6-module-qtquick-layouts
    qml6-module-qtquick-templates qml6-module-qtquick-window
    # TLS, ed25519 auth (libsodium) and protocol compression
    libssl-dev libsodium-dev zlib1g-dev libzstd-dev
    # test server: openssl CLI makes the TLS material, MariaDB 10.11 itself,
    # iproute2 provides `ss` used to find a free TCP port
    openssl mariadb-server mariadb-client iproute2
)

for arg in "$@"; do
    case "$arg" in
        --with-qcoro) packages+=(qcoro-qt6-dev) ;;
        # -fsanitize=fuzzer links libclang-rt-14-dev's libclang_rt.fuzzer; llvm-14 brings
        # llvm-symbolizer, without which sanitizer reports have no source lines.
        --with-fuzz) packages+=(clang-14 libclang-rt-14-dev llvm-14) ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "deps.sh: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

# dpkg-query prints "install ok installed" only for a fully installed package;
# it fails (or prints another status) for unknown / removed / half-configured.
missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    if [[ "$status" != "install ok installed" ]]; then
        missing+=("$p")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "deps.sh: all ${#packages[@]} packages already installed" >&2
    exit 0
fi

# Use sudo only when we are not root (CI and the dev machines run as root and
# may not have sudo at all).
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "deps.sh: need root (or sudo) to install: ${missing[*]}" >&2
        exit 1
    fi
fi

echo "deps.sh: installing missing packages: ${missing[*]}" >&2
"${SUDO[@]}" apt-get update
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
