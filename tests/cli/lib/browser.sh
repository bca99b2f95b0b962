# tests/cli/lib/browser.sh — what every browser test script shares (sourced, not run).
#
#   source "$(dirname "$0")/lib/browser.sh"
#   browser_init NAME [COMMAND...]   # prerequisites (chromium, node, playwright-core and the
#                                    # extra COMMANDs, e.g. sqlite3): skip with exit 0 when one
#                                    # is missing, except in CI ($CI set) where that fails;
#                                    # makes $work (removed at exit) and $db, sets $src,
#                                    # $chromium, $shots; fail() prints the server log tail
#   browser_serve ARGS...            # `$vx serve --db $db --listen 127.0.0.1:0 --web-dir web
#                                    # ARGS` in the background; waits for /healthz; sets $url
#   browser_run SCRIPT [ENV=VALUE...] # node tests/browser/SCRIPT $url with the environment,
#                                    # then SIGTERM to the server; fails on either's failure
#
# The caller sets vx (the vaxchain binary) and shared (the shared data folder) first.

browser_init() {
    bt_name="$1"
    shift
    src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
    chromium="${CHROMIUM:-/usr/bin/chromium}"
    local missing=()
    [[ -x "$chromium" ]] || missing+=("chromium ($chromium)")
    command -v node >/dev/null 2>&1 || missing+=("node")
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || missing+=("$c")
    done
    [[ -f "$src/node_modules/playwright-core/package.json" ]] ||
        missing+=("node_modules/playwright-core (npm ci)")
    if [[ ${#missing[@]} -gt 0 ]]; then
        if [[ -z "${CI:-}" ]]; then
            echo "SKIP $bt_name browser test: missing ${missing[*]}; run scripts/install-deps.sh"
            exit 0
        fi
        echo "FAIL: $bt_name browser test needs ${missing[*]} (see scripts/install-deps.sh)" >&2
        exit 1
    fi
    [[ -d "$shared/se" ]] || {
        echo "FAIL: no shared data at $shared" >&2
        exit 1
    }
    work="$(mktemp -d)"
    db="$work/vx.db"
    shots="$src/build/screenshots"
    mkdir -p "$shots"
    pid=""
    trap browser_cleanup EXIT
}

browser_cleanup() {
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}

fail() {
    echo "FAIL: $*" >&2
    if [[ -f "$work/serve.log" ]]; then
        echo "--- server log (last 30 lines)" >&2
        tail -n 30 "$work/serve.log" >&2
    fi
    exit 1
}

browser_serve() {
    "$vx" serve --db "$db" --listen 127.0.0.1:0 --web-dir "$src/web" "$@" >"$work/serve.log" 2>&1 &
    pid=$!
    url=""
    for _ in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || fail "server exited at start"
        url=$(sed -n 's|^vaxchain serve: \(http://[^ ]*\).*|\1|p' "$work/serve.log" | head -n 1)
        if [[ -n "$url" ]] && curl -fsS -o /dev/null "${url}healthz" 2>/dev/null; then
            break
        fi
        url=""
        sleep 0.1
    done
    [[ -n "$url" ]] || fail "server did not answer /healthz within 30 s"
    echo "server at $url"
}

browser_run() {
    local script="$1"
    shift
    local rc=0 srv_rc=0
    (cd "$src" && env VX_SCREENSHOTS="$shots" CHROMIUM="$chromium" "$@" \
        timeout 240 node "tests/browser/$script" "$url") || rc=$?
    kill -TERM "$pid"
    wait "$pid" || srv_rc=$?
    pid=""
    [[ $rc == 0 ]] || fail "$bt_name browser tests failed (exit $rc)"
    [[ $srv_rc == 0 ]] || fail "server exit status $srv_rc after SIGTERM (sanitizer report?)"
}
