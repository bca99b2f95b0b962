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
date=2021-03-08 # phase 1 vaccinated (demo-setup history), step 2a (80+) open
ymd=${date//-/}
source "$(dirname "$0")/lib/browser.sh"
browser_init care sqlite3
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

browser_serve --dev-login --date "$date" --threads 4

browser_run care.mjs VX_CARE_STANDBY_PNR="$standby"
echo "care browser test: ok (screenshots in build/screenshots/care-*.png)"
