#!/usr/bin/env bash
# browser_dashboard.sh VAXCHAIN SHARED — the situational-picture pages in a real browser
# (issue 8, items 4-5). Makes a temporary demo database (init → demo-data → demo-setup,
# which records the phase-1 doses of Dec 2020–Mar 2021; stats refresh for the
# denominators; stats load-official for FoHM's series), starts
# `vaxchain serve --dev-login --date 2021-03-08`, runs tests/browser/dashboard.mjs
# (npm playwright-core driving Debian chromium, headless): the dashboard in Swedish and
# English, the drill-down region → municipality, a regional coordinator filing a
# traffic-light report that then shows on the board, figures cross-checked against
# the API and the database. Afterwards `vaxchain report compile` renders the month in
# all three formats. Screenshots: build/screenshots/dashboard-*.png.
#
# Without chromium, node or node_modules/playwright-core the test is skipped with
# exit 0 — except in CI ($CI set), where a missing piece is a failure.
set -euo pipefail
vx="$1"
shared="$2"
src="$(cd "$(dirname "$0")/../.." && pwd)"
chromium="${CHROMIUM:-/usr/bin/chromium}"
date=2021-03-08 # phase 1 vaccinated (demo-setup history)

missing=()
[[ -x "$chromium" ]] || missing+=("chromium ($chromium)")
command -v node >/dev/null 2>&1 || missing+=("node")
[[ -f "$src/node_modules/playwright-core/package.json" ]] || missing+=("node_modules/playwright-core (npm ci)")
if [[ ${#missing[@]} -gt 0 ]]; then
    if [[ -z "${CI:-}" ]]; then
        echo "SKIP dashboard browser test: missing ${missing[*]}; run scripts/install-deps.sh"
        exit 0
    fi
    echo "FAIL: dashboard browser test needs ${missing[*]} (see scripts/install-deps.sh)" >&2
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
"$vx" demo-setup --db "$db" --date "$date" --days 7 >"$work/setup.log" || fail "demo-setup: $(cat "$work/setup.log")"
grep -q "historical Comirnaty doses recorded" "$work/setup.log" || fail "demo-setup recorded no doses: $(cat "$work/setup.log")"
"$vx" stats refresh --db "$db" --date "$date" >"$work/stats.log" 2>&1 || fail "stats refresh: $(cat "$work/stats.log")"
"$vx" stats load-official --db "$db" >>"$work/stats.log" 2>&1 || fail "stats load-official: $(cat "$work/stats.log")"

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
(cd "$src" && VX_SCREENSHOTS="$src/build/screenshots" CHROMIUM="$chromium" VX_DB="$db" \
    timeout 240 node tests/browser/dashboard.mjs "$url") || rc=$?

kill -TERM "$pid"
srv_rc=0
wait "$pid" || srv_rc=$?
pid=""
[[ $rc == 0 ]] || fail "dashboard browser tests failed (exit $rc)"
[[ $srv_rc == 0 ]] || fail "server exit status $srv_rc after SIGTERM (sanitizer report?)"

# the report the browser filed is in the national compilation in every format
for f in html pdf xlsx; do
    "$vx" report compile --db "$db" --date "$date" --month 2021-03 --format "$f" \
        --out "$work/lagesbild.$f" >"$work/compile.log" 2>&1 || fail "report compile $f: $(cat "$work/compile.log")"
    grep -q "1 of 21 regions reported" "$work/compile.log" || fail "compile $f: $(cat "$work/compile.log")"
done
head -c 5 "$work/lagesbild.pdf" | grep -q '%PDF-' || fail "not a PDF"
head -c 2 "$work/lagesbild.xlsx" | grep -q 'PK' || fail "not an XLSX (zip)"
grep -q '<strong id="filed">1</strong> / 21' "$work/lagesbild.html" || fail "HTML compilation lacks the count"
echo "dashboard browser test: ok (screenshots in build/screenshots/dashboard-*.png)"
