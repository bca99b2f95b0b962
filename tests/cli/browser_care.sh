#!/usr/bin/env bash
# browser_care.sh VAXCHAIN SHARED — the care pages (vaccinator, site coordinator) in a
# real browser: a whole clinic day on the demo. Makes a temporary demo database
# (init → demo-data → demo-setup), prepares the day (below), starts
# `vaxchain serve --dev-login`, runs tests/browser/care.mjs (npm playwright-core
# driving Debian chromium, headless) and checks the server's exit status.
# Screenshots: build/screenshots/care-*.png.
#
# The day's fixture: the booking API refuses slots that have already started, and
# "now" is the pinned --date at the current time of day, so bookings made through
# it depend on when the test runs. The fixture therefore books nine people aged 80+
# of the site's region (no doses, no booking; the highest ids, away from the
# dev-login personas) into the first Comirnaty slots of the vaccinator persona's
# site on --date, with sqlite3 before the server starts (the booking engine
# rebuilds its counters from the bookings when it opens). It also picks one more
# such person for the standby list; the browser test opts them in through the API.
#
# Without chromium, node, node_modules/playwright-core or sqlite3 the test is
# skipped with exit 0 — except in CI ($CI set), where a missing piece is a failure.
set -euo pipefail
vx="$1"
shared="$2"
src="$(cd "$(dirname "$0")/../.." && pwd)"
chromium="${CHROMIUM:-/usr/bin/chromium}"
date=2021-03-08 # phase 1 vaccinated (demo-setup history), step 2a (80+) open
ymd=${date//-/}

missing=()
[[ -x "$chromium" ]] || missing+=("chromium ($chromium)")
command -v node >/dev/null 2>&1 || missing+=("node")
command -v sqlite3 >/dev/null 2>&1 || missing+=("sqlite3")
[[ -f "$src/node_modules/playwright-core/package.json" ]] || missing+=("node_modules/playwright-core (npm ci)")
if [[ ${#missing[@]} -gt 0 ]]; then
    if [[ -z "${CI:-}" ]]; then
        echo "SKIP care browser test: missing ${missing[*]}; run scripts/install-deps.sh"
        exit 0
    fi
    echo "FAIL: care browser test needs ${missing[*]} (see scripts/install-deps.sh)" >&2
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
# --no-stock: the site starts without the demo lots and vials, so the test sees exactly
# the stock and vials it creates itself.
"$vx" demo-setup --db "$db" --date "$date" --days 7 --no-stock >"$work/setup.log" || fail "demo-setup: $(cat "$work/setup.log")"

# the vaccinator persona's site: <region of the first persona>-VC-0001; the first
# persona is the first synthetic person in special housing (see src/http/builtin.c)
site=$(sqlite3 "$db" "SELECT s.code FROM sites s WHERE s.code = (SELECT region_code FROM persons
    WHERE synthetic = 1 AND residence = 'special_housing' AND (flags & 16) = 0
    ORDER BY id LIMIT 1) || '-VC-0001';")
[[ -n "$site" ]] || fail "no vaccinator site in the demo"
aged="region_code = (SELECT region_code FROM sites WHERE code = '$site') AND residence = 'own_home'
    AND flags = 0 AND synthetic = 1 AND birth_date <= ${ymd} - 800000
    AND NOT EXISTS (SELECT 1 FROM doses d WHERE d.person_id = persons.id)
    AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.person_id = persons.id AND b.status = 'booked')"
sqlite3 "$db" "
WITH p AS (SELECT id, region_code, ROW_NUMBER() OVER (ORDER BY id DESC) AS rn FROM persons
           WHERE $aged ORDER BY id DESC LIMIT 9),
     s AS (SELECT id, ROW_NUMBER() OVER (ORDER BY start_minute) AS rn FROM slots
           WHERE site_id = (SELECT id FROM sites WHERE code = '$site') AND day = $ymd
             AND vaccine_code = 'COM' AND capacity > 0)
INSERT INTO bookings (person_id, region_code, slot_id, dose_number, status, channel, agent_id,
                      created_at, updated_at)
SELECT p.id, p.region_code, s.id, 1, 'booked', 'call_centre', 'fixture',
       CAST(strftime('%s', 'now') AS INTEGER), CAST(strftime('%s', 'now') AS INTEGER)
FROM p JOIN s ON s.rn = p.rn;" || fail "fixture: bookings"
booked=$(sqlite3 "$db" "SELECT count(*) FROM bookings WHERE agent_id = 'fixture';")
[[ "$booked" -ge 8 ]] || fail "fixture booked only $booked people at $site"
standby=$(sqlite3 "$db" "SELECT pnr FROM persons WHERE $aged ORDER BY id DESC LIMIT 1;")
[[ -n "$standby" ]] || fail "fixture: no standby person"
echo "fixture: $booked bookings at $site on $date"

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
    VX_CARE_STANDBY_PNR="$standby" timeout 240 node tests/browser/care.mjs "$url") || rc=$?

kill -TERM "$pid"
srv_rc=0
wait "$pid" || srv_rc=$?
pid=""
[[ $rc == 0 ]] || fail "care browser tests failed (exit $rc)"
[[ $srv_rc == 0 ]] || fail "server exit status $srv_rc after SIGTERM (sanitizer report?)"
echo "care browser test: ok (screenshots in build/screenshots/care-*.png)"
