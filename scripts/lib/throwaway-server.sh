# Sourced by the scripts that need the throw-away MariaDB (test.sh, run-example.sh,
# screenshot.sh): start_throwaway_server starts it, exports its ASYNCMYSQL_TEST_* variables,
# and stops it when the script exits (success, failure, Ctrl-C). $ROOT is the repository.
#
# The state dir is created here, before start, so the EXIT trap knows what to stop even if
# the script is interrupted half-way through `start` (testserver.sh also cleans up after its
# own failed start). A fresh dir each time: never reuse an ASYNCMYSQL_TEST_DIR from the
# caller's shell, which may belong to a server someone else is using.

start_throwaway_server() {
    ASYNCMYSQL_TEST_DIR=$(mktemp -d /tmp/asyncmysql-test.XXXXXX)
    export ASYNCMYSQL_TEST_DIR
    trap _stop_throwaway_server EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM HUP
    # Assign first, eval second: `eval "$(cmd)"` would swallow cmd's failure.
    local server_env
    server_env=$(bash "$ROOT/scripts/testserver.sh" start)
    eval "$server_env"
}

_stop_throwaway_server() {
    local rc=$?
    bash "$ROOT/scripts/testserver.sh" stop "$ASYNCMYSQL_TEST_DIR" || true
    rmdir "$ASYNCMYSQL_TEST_DIR" 2>/dev/null || true  # if start never began
    exit "$rc"
}
