#!/usr/bin/env bash
# Throw-away MariaDB (10.11, Debian's mariadbd) for AsyncMySql's tests.
#
#   scripts/testserver.sh start    start a fresh server, print `export` lines
#   scripts/testserver.sh env      print the `export` lines of a running one
#   scripts/testserver.sh status   exit 0 if that server is running
#   scripts/testserver.sh stop     stop it and delete its state dir (idempotent)
#
# Typical use:   eval "$(scripts/testserver.sh start)"
#                ... run tests ...
#                scripts/testserver.sh stop
#
# Why a private server: tests need known users (native, ed25519, X509, admin),
# TLS with a CA we control, LOCAL INFILE, and the freedom to KILL sessions.
# None of that may touch a MariaDB/MySQL server that happens to run on the
# machine, so everything here lives in one state directory:
#   - own datadir, own unix socket, own pid file, own error log;
#   - `--no-defaults` everywhere, so no /etc/mysql/*.cnf or ~/.my.cnf is read;
#   - a free, random TCP port on 127.0.0.1 (never 3306 etc.);
#   - `stop` only kills the pid from *its own* pid file and only if that
#     process's command line names *its own* datadir.
#
# Which server `env`/`stop`/`status` act on:
#   1. the directory given as 2nd argument, else
#   2. $ASYNCMYSQL_TEST_DIR (set by `eval "$(... start)"`), else
#   3. the last one started, recorded in ${TMPDIR:-/tmp}/asyncmysql-testserver.current.
# Concurrent runs stay independent as long as each uses its own
# ASYNCMYSQL_TEST_DIR (1./2.); 3. is only a convenience for interactive use.
#
# `start` uses $ASYNCMYSQL_TEST_DIR as state dir when set (it must be missing,
# empty, or a dir from an earlier run of this script), else a fresh
# `mktemp -d /tmp/asyncmysql-test.XXXXXX`.
#
# stdout carries only the `export` lines; every progress message goes to
# stderr, so the output of `start` can be eval'd.
set -euo pipefail

readonly CURRENT_FILE="${TMPDIR:-/tmp}/asyncmysql-testserver.current"
# A file with this name marks a state dir as ours: only then do we reuse it or
# delete it as a whole (protects against ASYNCMYSQL_TEST_DIR=$HOME accidents).
readonly MARKER=".asyncmysql-testserver"

# Fixed test accounts (documented in the `env` output).
readonly DB_NAME=amtest
readonly USER_NATIVE=amtest      PW_NATIVE=amtest-pw
readonly USER_ED=amtest_ed       PW_ED=ed-pw
readonly USER_X509=amtest_x509   PW_X509=x509-pw
readonly USER_ADMIN=amadmin      PW_ADMIN=admin-pw

log() { printf 'testserver: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- state dir --

# Print the state dir the current command should act on (may not exist).
resolve_dir() {
    local d="${1:-${ASYNCMYSQL_TEST_DIR:-}}"
    if [[ -z "$d" && -f "$CURRENT_FILE" ]]; then
        d=$(<"$CURRENT_FILE")
    fi
    [[ -n "$d" ]] || return 1
    # absolute path without requiring it to exist
    [[ "$d" == /* ]] || d="$PWD/$d"
    printf '%s\n' "${d%/}"
}

# Pid of the mariadbd belonging to state dir $1, or nothing. A pid only counts
# if /proc/PID/cmdline contains our exact --datadir= argument, so a stale pid
# file can never make us signal an unrelated process.
server_pid() {
    local dir="$1" f pid
    for f in "$dir/mariadbd.pid" "$dir/launcher.pid"; do
        [[ -r "$f" ]] || continue
        pid=$(tr -dc '0-9' <"$f" 2>/dev/null || true)
        [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || continue
        if tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null \
                | grep -Fxq -- "--datadir=$dir/data"; then
            printf '%s\n' "$pid"
            return 0
        fi
    done
    return 1
}

# Terminate the server of state dir $1 (if any): SIGTERM, up to ~20 s for a
# clean shutdown, then SIGKILL.
kill_server() {
    local dir="$1" pid i
    pid=$(server_pid "$dir") || return 0
    log "stopping mariadbd pid $pid ($dir)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 200; i++)); do
        [[ -e "/proc/$pid" ]] || return 0
        # a zombie (our own child, not yet reaped) counts as gone
        if [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]]; then
            return 0
        fi
        sleep 0.1
    done
    log "mariadbd pid $pid did not exit after 20 s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        [[ -e "/proc/$pid" ]] || return 0
        sleep 0.1
    done
    log "WARNING: pid $pid still present after SIGKILL"
}

# Delete state dir $1, but only if it carries our marker (or only holds what
# this script creates); never a directory we did not make.
remove_dir() {
    local dir="$1"
    [[ -d "$dir" ]] || return 0
    if [[ -f "$dir/$MARKER" ]]; then
        rm -rf -- "$dir"
    else
        log "not deleting $dir: it has no $MARKER marker"
    fi
}

forget_current() {
    local dir="$1"
    if [[ -f "$CURRENT_FILE" && "$(<"$CURRENT_FILE")" == "$dir" ]]; then
        rm -f -- "$CURRENT_FILE"
    fi
}

# ---------------------------------------------------------------- env output --

print_env() {
    local dir="$1" port
    [[ -r "$dir/port" ]] || die "no server state in $dir (not started?)"
    port=$(<"$dir/port")
    local -a vars=(
        ASYNCMYSQL_TEST_HOST=127.0.0.1
        ASYNCMYSQL_TEST_PORT="$port"
        ASYNCMYSQL_TEST_USER="$USER_NATIVE"
        ASYNCMYSQL_TEST_PASSWORD="$PW_NATIVE"
        ASYNCMYSQL_TEST_DB="$DB_NAME"
        ASYNCMYSQL_TEST_SOCKET="$dir/mariadbd.sock"
        ASYNCMYSQL_TEST_ADMIN_USER="$USER_ADMIN"
        ASYNCMYSQL_TEST_ADMIN_PASSWORD="$PW_ADMIN"
        ASYNCMYSQL_TEST_ED_USER="$USER_ED"
        ASYNCMYSQL_TEST_ED_PASSWORD="$PW_ED"
        ASYNCMYSQL_TEST_X509_USER="$USER_X509"
        ASYNCMYSQL_TEST_X509_PASSWORD="$PW_X509"
        ASYNCMYSQL_TEST_SSL_DIR="$dir/ssl"
        ASYNCMYSQL_TEST_DIR="$dir"
    )
    local kv
    for kv in "${vars[@]}"; do
        printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}"
    done
}

# ---------------------------------------------------------------- TLS files --

# CA, server cert (localhost / 127.0.0.1), client cert, an unrelated second CA
# and a CA-signed cert for the wrong host name. RSA 2048, SHA-256, 30 days.
# Keys are written in traditional PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"), the
# format every TLS stack (OpenSSL, Qt's QSslKey, MariaDB) reads.
make_tls() {
    local ssl="$1"
    mkdir -p "$ssl"
    (
        cd "$ssl"
        umask 077
        local days=30
        key() { openssl genrsa -traditional -out "$1" 2048 2>/dev/null; }
        # self-signed CA; -addext so we do not depend on the system openssl.cnf
        ca() { # ca KEY CERT CN
            openssl req -new -x509 -sha256 -days "$days" -key "$1" -out "$2" \
                -subj "/O=AsyncMySql tests/CN=$3" \
                -addext "basicConstraints=critical,CA:TRUE" \
                -addext "keyUsage=critical,keyCertSign,cRLSign" \
                -addext "subjectKeyIdentifier=hash"
        }
        leaf() { # leaf NAME CN EXTENSIONS... (signed by ca.pem)
            local name="$1" cn="$2"; shift 2
            openssl req -new -sha256 -key "$name-key.pem" -out "$name.csr" \
                -subj "/O=AsyncMySql tests/CN=$cn"
            printf '%s\n' "basicConstraints=critical,CA:FALSE" \
                "subjectKeyIdentifier=hash" \
                "authorityKeyIdentifier=keyid,issuer" "$@" >"$name.ext"
            openssl x509 -req -sha256 -days "$days" -in "$name.csr" \
                -CA ca.pem -CAkey ca-key.pem \
                -set_serial "0x$(openssl rand -hex 15)" \
                -extfile "$name.ext" -out "$name-cert.pem" 2>/dev/null
            rm -f "$name.csr" "$name.ext"
        }
        # RSA key generation dominates the run time: do all keys in parallel
        local k pids=()
        for k in ca server client wronghost other-ca; do
            key "$k-key.pem" & pids+=($!)
        done
        for k in "${pids[@]}"; do wait "$k"; done
        ca ca-key.pem ca.pem "AsyncMySql Test CA"
        leaf server localhost \
            "keyUsage=critical,digitalSignature,keyEncipherment" \
            "extendedKeyUsage=serverAuth" \
            "subjectAltName=DNS:localhost,IP:127.0.0.1"
        leaf client asyncmysql-client \
            "keyUsage=critical,digitalSignature,keyEncipherment" \
            "extendedKeyUsage=clientAuth"
        leaf wronghost wrong.example \
            "keyUsage=critical,digitalSignature,keyEncipherment" \
            "extendedKeyUsage=serverAuth" \
            "subjectAltName=DNS:wrong.example"
        ca other-ca-key.pem other-ca.pem "AsyncMySql Other Test CA"
        # readable for a client process running as another user
        chmod 0644 ./*.pem
        chmod 0600 ./*-key.pem
    )
}

# ---------------------------------------------------------------- free port --

port_in_use() {
    local port="$1"
    if command -v ss >/dev/null 2>&1; then
        # any listener on that port, any address (v4 and v6)
        [[ -n "$(ss -ltnH "sport = :$port" 2>/dev/null)" ]]
    else
        # fallback without iproute2: can we connect?
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
    fi
}

pick_port() {
    local i port
    for ((i = 0; i < 100; i++)); do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
        port_in_use "$port" || { printf '%s\n' "$port"; return 0; }
    done
    die "could not find a free TCP port in 20000-60000"
}

# ---------------------------------------------------------------- start --------

mariadb_root() { # run SQL as root over our own unix socket
    mariadb --no-defaults --protocol=socket --socket="$SOCK" -uroot "$@"
}

start_cleanup() {
    local rc=$?
    if [[ "${START_OK:-0}" != 1 && -n "${STATE_DIR:-}" ]]; then
        log "start failed, cleaning up $STATE_DIR"
        kill_server "$STATE_DIR" || true
        remove_dir "$STATE_DIR" || true
        forget_current "$STATE_DIR" || true
    fi
    exit "$rc"
}

cmd_start() {
    command -v mariadbd >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin"
    local bin
    for bin in mariadbd mariadb mariadb-install-db openssl setsid; do
        command -v "$bin" >/dev/null 2>&1 \
            || die "$bin not found (run scripts/deps.sh)"
    done

    STATE_DIR=""
    if [[ -n "${ASYNCMYSQL_TEST_DIR:-}" ]]; then
        local dir
        dir=$(resolve_dir "$ASYNCMYSQL_TEST_DIR")
        if [[ -d "$dir" && -n "$(ls -A "$dir")" ]]; then
            [[ -f "$dir/$MARKER" ]] \
                || die "ASYNCMYSQL_TEST_DIR=$dir is not empty and not ours; refusing"
            if server_pid "$dir" >/dev/null; then
                die "a test server is already running in $dir (stop it first)"
            fi
            log "reusing leftover state dir $dir"
            find "$dir" -mindepth 1 -maxdepth 1 ! -name "$MARKER" -exec rm -rf -- {} +
        fi
        mkdir -p "$dir"
        STATE_DIR="$dir"
    else
        STATE_DIR=$(mktemp -d /tmp/asyncmysql-test.XXXXXX)
    fi
    : >"$STATE_DIR/$MARKER"
    trap start_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM HUP

    local dir="$STATE_DIR" datadir="$STATE_DIR/data" ssl="$STATE_DIR/ssl"
    SOCK="$dir/mariadbd.sock"
    # sun_path is 108 bytes; mariadbd fails late and obscurely otherwise
    ((${#SOCK} < 100)) || die "state dir path too long for a unix socket: $SOCK"
    log "state dir $dir"

    # --user=root is required for mariadbd to run as root (CI, dev machines);
    # a non-root user just runs it as itself.
    local run_user
    run_user=$(id -un)

    # 1. data directory (system tables only, no test db)
    if ! mariadb-install-db --no-defaults --user="$run_user" --datadir="$datadir" \
            --auth-root-authentication-method=normal --skip-test-db \
            --skip-name-resolve \
            --innodb-buffer-pool-size=128M --innodb-log-file-size=64M \
            >"$dir/install-db.log" 2>&1; then
        tail -n 30 "$dir/install-db.log" >&2 || true
        die "mariadb-install-db failed"
    fi

    # 2. TLS material
    #    (called plainly, not with `|| die`: that would switch off set -e
    #    inside the function and hide a failing openssl call)
    log "generating TLS material"
    make_tls "$ssl"
    local f
    for f in ca.pem ca-key.pem server-cert.pem server-key.pem client-cert.pem \
            client-key.pem other-ca.pem wronghost-cert.pem wronghost-key.pem; do
        [[ -s "$ssl/$f" ]] || die "TLS file $ssl/$f was not generated"
    done

    # 3. the server, on a free port; retried when another process grabbed the
    #    port between our check and mariadbd's bind().
    local attempt port pid ok i loglines
    # No job control: the background job then stays in our process group,
    # so setsid(1) can call setsid() itself and exec mariadbd under the same
    # pid instead of forking (we need $! to be mariadbd's pid).
    set +m
    for ((attempt = 1; attempt <= 5; attempt++)); do
        port=$(pick_port)
        rm -f "$dir/mariadbd.pid" "$dir/launcher.pid"
        log "starting mariadbd on 127.0.0.1:$port (attempt $attempt)"
        printf '=== attempt %s, port %s ===\n' "$attempt" "$port" >>"$dir/error.log"
        loglines=$(wc -l <"$dir/error.log")
        # setsid: own session, so a Ctrl-C in the caller's terminal does not
        # hit it (our traps stop it properly); stdio detached so that a
        # caller's $(...) does not wait for the server to exit.
        setsid mariadbd --no-defaults --user="$run_user" \
            --datadir="$datadir" --port="$port" --bind-address=127.0.0.1 \
            --socket="$SOCK" --pid-file="$dir/mariadbd.pid" \
            --log-error="$dir/error.log" --skip-name-resolve \
            --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
            --plugin-load-add=auth_ed25519 \
            --ssl-ca="$ssl/ca.pem" --ssl-cert="$ssl/server-cert.pem" \
            --ssl-key="$ssl/server-key.pem" \
            --local-infile=1 --max-allowed-packet=64M --performance-schema=ON \
            --innodb-buffer-pool-size=128M --innodb-log-file-size=64M \
            --innodb-flush-log-at-trx-commit=2 --max-connections=300 \
            </dev/null >>"$dir/mariadbd.out" 2>&1 &
        pid=$!
        echo "$pid" >"$dir/launcher.pid"

        ok=0
        for ((i = 0; i < 300; i++)); do  # ~30 s
            if mariadb_root --connect-timeout=2 -e 'SELECT 1' >/dev/null 2>&1; then
                ok=1; break
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        ((ok)) && break

        if ! kill -0 "$pid" 2>/dev/null \
                && tail -n "+$((loglines + 1))" "$dir/error.log" \
                    | grep -Eq "Bind on TCP/IP port|Address already in use"; then
            wait "$pid" 2>/dev/null || true
            log "port $port was taken, retrying with another one"
            continue
        fi
        log "mariadbd did not come up; tail of $dir/error.log:"
        tail -n 40 "$dir/error.log" >&2 || true
        die "mariadbd failed to start"
    done
    ((ok)) || die "mariadbd could not bind a free port after 5 attempts"
    echo "$port" >"$dir/port"

    # 4. sanity: TLS must be active, else TLS tests would silently test nothing
    local have_ssl
    have_ssl=$(mariadb_root -N -B -e "SELECT @@have_ssl")
    [[ "$have_ssl" == YES ]] || die "server reports have_ssl=$have_ssl (expected YES); see $dir/error.log"

    # 5. test database and accounts. Each user exists for '%', '127.0.0.1'
    #    and 'localhost' so TCP and socket logins both work. root stays
    #    socket-only: its TCP accounts (if mariadb-install-db made any) go.
    local sql="" h
    sql+="CREATE DATABASE $DB_NAME CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;"
    for h in '%' '127.0.0.1' 'localhost'; do
        sql+="CREATE USER '$USER_NATIVE'@'$h' IDENTIFIED VIA mysql_native_password USING PASSWORD('$PW_NATIVE');"
        sql+="GRANT ALL ON $DB_NAME.* TO '$USER_NATIVE'@'$h';"
        sql+="CREATE USER '$USER_ED'@'$h' IDENTIFIED VIA ed25519 USING PASSWORD('$PW_ED');"
        sql+="GRANT ALL ON $DB_NAME.* TO '$USER_ED'@'$h';"
        sql+="CREATE USER '$USER_X509'@'$h' IDENTIFIED VIA mysql_native_password USING PASSWORD('$PW_X509') REQUIRE X509;"
        sql+="GRANT ALL ON $DB_NAME.* TO '$USER_X509'@'$h';"
        sql+="CREATE USER '$USER_ADMIN'@'$h' IDENTIFIED VIA mysql_native_password USING PASSWORD('$PW_ADMIN');"
        sql+="GRANT ALL PRIVILEGES ON *.* TO '$USER_ADMIN'@'$h' WITH GRANT OPTION;"
    done
    sql+="DELETE FROM mysql.global_priv WHERE User='root' AND Host<>'localhost';"
    sql+="DELETE FROM mysql.proxies_priv WHERE User='root' AND Host<>'localhost';"
    sql+="FLUSH PRIVILEGES;"
    mariadb_root -e "$sql" || die "creating test database/users failed"

    # 6. final check over TCP exactly as the tests will connect
    mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P"$port" \
        -u"$USER_NATIVE" -p"$PW_NATIVE" "$DB_NAME" -e 'SELECT 1' >/dev/null \
        || die "TCP login as $USER_NATIVE failed"

    printf '%s\n' "$dir" >"$CURRENT_FILE.$$" && mv -f "$CURRENT_FILE.$$" "$CURRENT_FILE"
    START_OK=1
    trap - EXIT INT TERM HUP
    log "MariaDB $(mariadb_root -N -B -e 'SELECT VERSION()') ready on 127.0.0.1:$port (socket $SOCK)"
    print_env "$dir"
}

# ---------------------------------------------------------------- main ---------

cmd="${1:-}"
case "$cmd" in
    start)
        [[ $# -le 1 ]] || die "start takes no argument (set ASYNCMYSQL_TEST_DIR instead)"
        cmd_start
        ;;
    env)
        dir=$(resolve_dir "${2:-}") || die "no test server known (run start first)"
        server_pid "$dir" >/dev/null || log "WARNING: no server running in $dir"
        print_env "$dir"
        ;;
    status)
        dir=$(resolve_dir "${2:-}") || { log "no test server known"; exit 1; }
        if pid=$(server_pid "$dir"); then
            log "running: pid $pid, port $(cat "$dir/port" 2>/dev/null || echo '?'), dir $dir"
        else
            log "not running ($dir)"; exit 1
        fi
        ;;
    stop)
        if ! dir=$(resolve_dir "${2:-}"); then
            log "no test server known, nothing to stop"
            exit 0
        fi
        kill_server "$dir"
        remove_dir "$dir"
        forget_current "$dir"
        log "stopped ($dir)"
        ;;
    *)
        echo "usage: $0 start|env|status|stop [STATE_DIR]" >&2
        exit 2
        ;;
esac
