#!/usr/bin/env bash
# browser_ledger.sh VAXCHAIN SHARED — the council page (web/council.html) in a real
# browser. Makes a temporary demo database of Region Stockholm (init → demo-data →
# demo-setup, which records the phase-1 doses of Dec 2020–Mar 2021), marks the doses
# of people in special housing and home care as given by their municipality's nurses
# (doses.kommun_code, as the muni module records them) and copies five of them into
# January 2024 (no agreement in force: uncovered), starts `vaxchain serve --dev-login`
# and runs tests/browser/ledger.mjs (npm playwright-core driving Debian chromium,
# headless). Screenshots: build/screenshots/ledger-*.png.
#
# Without chromium, node, sqlite3 or node_modules/playwright-core the test is skipped
# with exit 0 — except in CI ($CI set), where a missing piece is a failure.
set -euo pipefail
vx="$1"
shared="$2"
src="$(cd "$(dirname "$0")/../.." && pwd)"
chromium="${CHROMIUM:-/usr/bin/chromium}"
date=2021-03-08

missing=()
[[ -x "$chromium" ]] || missing+=("chromium ($chromium)")
command -v node >/dev/null 2>&1 || missing+=("node")
command -v sqlite3 >/dev/null 2>&1 || missing+=("sqlite3")
[[ -f "$src/node_modules/playwright-core/package.json" ]] || missing+=("node_modules/playwright-core (npm ci)")
if [[ ${#missing[@]} -gt 0 ]]; then
    if [[ -z "${CI:-}" ]]; then
        echo "SKIP ledger browser test: missing ${missing[*]}; run scripts/install-deps.sh"
        exit 0
    fi
    echo "FAIL: ledger browser test needs ${missing[*]} (see scripts/install-deps.sh)" >&2
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
"$vx" demo-setup --db "$db" --date "$date" --days 7 --region 01 >"$work/setup.log" || fail "demo-setup: $(cat "$work/setup.log")"
sqlite3 "$db" "
UPDATE doses SET kommun_code = (SELECT kommun_code FROM persons p WHERE p.id = doses.person_id)
 WHERE person_id IN (SELECT id FROM persons WHERE residence = 'special_housing' OR residence = 'home_care');
INSERT INTO doses (person_id, region_code, vaccine_code, lot_number, dose_number, given_at, site_id,
  vaccinator, source, created_at, kommun_code, status, version, injection_site, void_reason, updated_at)
 SELECT person_id, region_code, vaccine_code, lot_number, 3, 1705312800, site_id, vaccinator, source,
  created_at, kommun_code, 'valid', 1, '', '', updated_at
 FROM doses WHERE kommun_code = '0180' AND dose_number = 1 LIMIT 5;" || fail "marking municipal doses"
n=$(sqlite3 "$db" "SELECT count(*) FROM doses WHERE kommun_code = '0180'")
[[ "$n" -gt 5 ]] || fail "no municipal doses in Stockholm ($n)"
pnr=$(sqlite3 "$db" "SELECT pnr FROM persons WHERE kommun_code = '0180' AND residence = 'home_care' LIMIT 1")
[[ -n "$pnr" ]] || fail "no home-care resident in Stockholm"

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
(cd "$src" && VX_SCREENSHOTS="$src/build/screenshots" CHROMIUM="$chromium" VX_LEDGER_PNR="$pnr" \
    timeout 180 node tests/browser/ledger.mjs "$url") || rc=$?

kill -TERM "$pid"
srv_rc=0
wait "$pid" || srv_rc=$?
pid=""
[[ $rc == 0 ]] || fail "ledger browser tests failed (exit $rc)"
[[ $srv_rc == 0 ]] || fail "server exit status $srv_rc after SIGTERM (sanitizer report?)"

# every sick-travel read shown in the browser is in the audit log
reads=$(sqlite3 "$db" "SELECT count(*) FROM audit_log WHERE action = 'person.read' AND detail LIKE '%sick-travel%'")
[[ "$reads" -gt 0 ]] || fail "no audit rows for the sick-travel reads"
echo "ledger browser test: ok ($reads audited sick-travel reads; screenshots in build/screenshots/ledger-*.png)"
