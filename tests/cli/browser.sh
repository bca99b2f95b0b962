#!/usr/bin/env bash
# browser.sh VAXCHAIN SHARED — the web UI in a real browser: builds nothing; makes a
# temporary demo database (init → demo-data → demo-setup), starts `vaxchain serve
# --dev-login` on a free port, waits for /healthz and runs tests/browser/booking.mjs
# (npm playwright-core driving Debian chromium, headless). Screenshots go to
# build/screenshots/ in the repository.
#
# Without chromium, node or node_modules/playwright-core (scripts/install-deps.sh
# installs them) the test is skipped with exit 0 — except in CI ($CI set), where
# it must run and a missing piece is a failure.
set -euo pipefail
vx="$1"
shared="$2"
src="$(cd "$(dirname "$0")/../.." && pwd)"
chromium="${CHROMIUM:-/usr/bin/chromium}"
date=2021-03-08 # phase 1 and step 2a (80+) are open: demo persons can book

missing=()
[[ -x "$chromium" ]] || missing+=("chromium ($chromium)")
command -v node >/dev/null 2>&1 || missing+=("node")
[[ -f "$src/node_modules/playwright-core/package.json" ]] || missing+=("node_modules/playwright-core (npm ci)")
if [[ ${#missing[@]} -gt 0 ]]; then
    if [[ -z "${CI:-}" ]]; then
        echo "SKIP browser test: missing ${missing[*]}; run scripts/install-deps.sh"
        exit 0
    fi
    echo "FAIL: browser test needs ${missing[*]} (CI must run it; see scripts/install-deps.sh)" >&2
    exit 1
fi
[[ -d "$shared/se" ]] || { echo "FAIL: no shared data at $shared" >&2; exit 1; }

work="$(mktemp -d)"
pid=""
cleanup() {
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    if [[ -f "$work/serve.log" ]]; then
        echo "--- server log (last 30 lines)" >&2
        tail -n 30 "$work/serve.log" >&2
    fi
    exit 1
}

db="$work/vx.db"
"$vx" init --db "$db" >/dev/null || fail "init"
"$vx" demo-data --db "$db" --scale 0.001 --seed 1 --quiet >/dev/null || fail "demo-data"
# without the recorded phase-1 history every demo person of an open group can book
setup_opts=()
if "$vx" demo-setup --help 2>/dev/null | grep -q -- --no-doses; then setup_opts+=(--no-doses); fi
"$vx" demo-setup --db "$db" --date "$date" "${setup_opts[@]}" >"$work/setup.log" 2>&1 ||
    fail "demo-setup: $(cat "$work/setup.log")"

"$vx" serve --db "$db" --listen 127.0.0.1:0 --dev-login --date "$date" --threads 4 \
    --web-dir "$src/web" >"$work/serve.log" 2>&1 &
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

mkdir -p "$src/build/screenshots"
rc=0
(cd "$src" && VX_SCREENSHOTS="$src/build/screenshots" CHROMIUM="$chromium" \
    timeout 180 node tests/browser/booking.mjs "$url") || rc=$?

kill -TERM "$pid"
src_rc=0
wait "$pid" || src_rc=$?
pid=""
[[ $rc == 0 ]] || fail "browser tests failed (exit $rc)"
[[ $src_rc == 0 ]] || fail "server exit status $src_rc after SIGTERM (sanitizer report?)"
echo "browser test: ok (screenshots in build/screenshots/)"
